"""corridor.Projection: what a scenario run gives planners, checked against the model's rules
(conservation, cohorts, closures, screening queues, triggers, Sphere needs), and its files."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pyogrio
import pytest
from conftest import EXERCISE

import corridor
from corridor import _core
from corridor.scenario import Projection

SCENARIO = EXERCISE / "scenario.toml"
FILES = ["projection.gpkg", "site_daily.csv", "balance.csv", "summary.md", "busiest_sites.png"]


@pytest.fixture(scope="module")
def exercise_run() -> corridor.Projection:
    return corridor.Scenario.from_toml(SCENARIO).run(progress=False)


@pytest.fixture(scope="module")
def exercise_agents() -> corridor.Projection:
    """The exercise with whole people: the agent engine, seed 1."""
    return corridor.Scenario.from_toml(SCENARIO).run(engine="agents", seed=1, progress=False)


def tiny_scenario(tiny: corridor.Network, days: int = 30, **keys) -> corridor.Scenario:
    """5,000 people leave Alpha over five days."""
    s = corridor.Scenario(name="tiny", start="2026-01-01", days=days, network=tiny, **keys)
    s["events"].append(
        {"type": "displacement", "day": 0, "location": "Alpha", "people": 5000, "over_days": 5}
    )
    return s


def site(p: corridor.Projection, name: str) -> pd.DataFrame:
    return p.sites[p.sites["site"] == name].set_index("day")


# ------------------------------------------------------------------------------ the model's rules


def test_conservation_every_day(exercise_run):
    b = exercise_run.balance
    assert len(b) == 120
    assert b["spawned"].iloc[-1] == pytest.approx(160_000)
    accounted = b["at_locations"] + b["in_transit"] + b["departed"]
    np.testing.assert_allclose(accounted, b["spawned"], rtol=1e-9, atol=1e-9)
    assert (b["error"].abs() <= 1e-9 * b["spawned"].clip(lower=1)).all()
    # at_locations is the sum over the sites.
    per_day = exercise_run.sites.groupby("day")["population"].sum()
    np.testing.assert_allclose(per_day.to_numpy(), b["at_locations"], rtol=1e-9)


def test_cohorts_sum_to_population(exercise_run):
    sites = exercise_run.sites
    cohorts = exercise_run.cohorts
    assert cohorts == ["women", "men", "children", "unaccompanied_minors"]
    np.testing.assert_allclose(
        sites[cohorts].sum(axis=1), sites["population"], rtol=1e-12, atol=1e-9
    )
    # The Hessamir wave has more men than the default shares: men outnumber women in total.
    spawned = exercise_run.raw["arrivals"].sum(axis=(0, 1))
    assert spawned.shape == (4,)
    assert (exercise_run.raw["population"] >= -1e-9).all()


def test_shapes_and_tables(exercise_run):
    p = exercise_run
    n, m = p.network.num_locations, p.network.num_routes
    assert p.raw["population"].shape == (120, n, 4)
    assert p.raw["capacity"].shape == (120, n) and p.raw["route_flow"].shape == (120, m)
    sites = p.sites
    assert len(sites) == 120 * n
    assert list(sites.columns[:5]) == ["date", "day", "site", "country", "kind"]
    assert sites["date"].iloc[0] == pd.Timestamp("2027-03-01")
    assert sites["date"].iloc[-1] == pd.Timestamp("2027-06-28")
    assert sites["open"].dtype == bool
    routes = p.routes
    assert list(routes.columns) == ["date", "day", "route", "from", "to", "flow"]
    assert len(routes) == 120 * m and (routes["flow"] >= 0).all()
    # Occupancy: population / capacity where limited, NaN where not.
    unlimited = ~np.isfinite(sites["capacity"])
    assert sites.loc[unlimited, "occupancy"].isna().all()
    limited = sites[~unlimited & (sites["capacity"] > 0)]
    np.testing.assert_allclose(limited["occupancy"], limited["population"] / limited["capacity"])


def test_a_closure_keeps_people_out(tiny):
    open_run = tiny_scenario(tiny).run(progress=False)
    assert site(open_run, "Delta")["population"].max() > 100  # people go there when open
    s = tiny_scenario(tiny)
    s["events"].append({"type": "close_location", "day": 0, "location": "Delta"})
    closed = s.run(progress=False)
    delta = site(closed, "Delta")
    assert (delta["population"] == 0).all() and (delta["arrivals"] == 0).all()
    assert not delta["open"].any()
    # Reopened from day 10: people arrive again.
    s.set("events[1].until_day", 10)
    reopened = site(s.run(progress=False), "Delta")
    assert (reopened.loc[:9, "arrivals"] == 0).all() and reopened.loc[10:, "arrivals"].sum() > 0
    assert reopened.loc[10:, "open"].all()


def test_screening_backlog(tiny):
    p = tiny_scenario(tiny).run(progress=False)
    echo = site(p, "Echo")  # a reception centre screening 150 people a day
    rate = 150.0
    assert (echo["screening_per_day"] == rate).all()
    assert (echo["screened"] <= rate + 1e-9).all()
    assert echo["backlog"].max() > 500  # the queue builds up
    previous = echo["backlog"].shift(fill_value=0.0)
    np.testing.assert_allclose(
        echo["backlog"], previous + echo["arrivals"] - echo["screened"], atol=1e-9
    )
    # While people wait, screening runs at its full rate.
    waiting = echo["backlog"] > 1e-9
    np.testing.assert_allclose(echo.loc[waiting, "screened"], rate)
    np.testing.assert_allclose(echo["waiting_days"], echo["backlog"] / rate)
    # A site that does not screen has no backlog and no waiting time.
    delta = site(p, "Delta")
    assert (delta["backlog"] == 0).all() and delta["waiting_days"].isna().all()
    # Per cohort, the queue sums to the backlog.
    j = p.network._id("Echo")
    np.testing.assert_allclose(p.raw["backlog"][:, j, :].sum(axis=1), echo["backlog"])


def test_a_trigger_fires_and_opens_the_site(tiny):
    s = tiny_scenario(tiny)
    s["triggers"].append(
        {
            "location": "Delta",
            "metric": "population",
            "above": 100,
            "then": {"type": "open_site", "location": "Echo", "capacity": 3000},
        }
    )
    p = s.run(progress=False)
    fired = p.triggers
    assert len(fired) == 1
    row = fired.iloc[0]
    assert (row["location"], row["metric"], row["threshold"]) == ("Delta", "population", 100)
    assert row["value"] > 100 and row["trigger"] == 0
    assert row["action"] == "open_site Echo capacity 3,000"
    day = int(row["day"])
    assert row["date"] == pd.Timestamp("2026-01-01") + pd.Timedelta(days=day)
    # The trigger's condition first held that day.
    delta = site(p, "Delta")
    assert delta.loc[day, "population"] > 100 and (delta.loc[: day - 1, "population"] <= 100).all()
    # Echo stays closed (nobody arrives) until the next day, then opens with the new capacity.
    echo = site(p, "Echo")
    assert not echo.loc[:day, "open"].any() and echo.loc[day + 1 :, "open"].all()
    assert (echo.loc[:day, "arrivals"] == 0).all() and echo.loc[day + 1 :, "arrivals"].sum() > 0
    assert (echo.loc[day + 1 :, "capacity"] == 3000).all()
    assert "open_site Echo" in p.summary_markdown()


def test_the_exercise_plays_its_contingency_plans(exercise_run):
    """The bundled scenario is a table-top exercise: both of its triggers fire and act."""
    p = exercise_run
    fired = p.triggers.set_index("location")
    assert set(fired.index) == {"Sedra Plain Camp", "Ambrel Reception Centre"}
    # Sedra Plain Camp fills -> Overflow Site A opens the next day and takes people in.
    day = int(fired.loc["Sedra Plain Camp", "day"])
    overflow = site(p, "Overflow Site A")
    assert not overflow.loc[:day, "open"].any() and overflow.loc[day + 1 :, "open"].all()
    assert overflow["population"].iloc[-1] > 1000
    # Ambrel's queue passes 3,000 -> its screening doubles from the next day.
    day = int(fired.loc["Ambrel Reception Centre", "day"])
    ambrel = site(p, "Ambrel Reception Centre")
    assert ambrel.loc[day, "backlog"] > 3000 >= ambrel.loc[day - 1, "backlog"]
    assert (ambrel.loc[:day, "screening_per_day"] == 350).all()
    assert (ambrel.loc[day + 1 :, "screening_per_day"] == 700).all()


def test_needs_match_sphere_by_hand():
    # 10,000 people at one camp (they all arrive on day 0 and stay: camp_movechance 0).
    locations = pd.DataFrame(
        {
            "name": ["Origin", "Camp"],
            "lon": [0.0, 0.1],
            "lat": [0.0, 0.0],
            "country": ["A", "A"],
            "kind": ["conflict_zone", "camp"],
        }
    )
    routes = pd.DataFrame({"from": ["Origin"], "to": ["Camp"], "distance_km": [10.0]})
    net = corridor.Network.from_frames(locations, routes)
    s = corridor.Scenario(
        name="needs",
        start="2026-01-01",
        days=8,
        network=net,
        movement={"camp_movechance": 0.0},
        planning={"first_phase_days": 3},
    )
    s["events"].append({"type": "displacement", "day": 0, "location": "Origin", "people": 10_000})
    camp = site(s.run(progress=False), "Camp")
    assert (camp["population"] == 10_000).all()
    # Sphere 2018: 15 L/day, 250 people per tap, 50 per toilet at first then 20, 3.5 m² covered,
    # 45 m² of site, 2,100 kcal.
    assert (camp["water_l"] == 150_000).all()
    assert (camp["taps"] == 40).all()
    assert (camp.loc[:2, "toilets"] == 200).all() and (camp.loc[3:, "toilets"] == 500).all()
    assert (camp["covered_m2"] == 35_000).all()
    assert (camp["site_area_m2"] == 450_000).all()
    assert (camp["kcal"] == 21_000_000).all()
    # The same from the binding, and a planning figure changed.
    assert _core.site_needs(10_000, True) == {
        "water_l": 150_000,
        "taps": 40,
        "toilets": 200,
        "covered_m2": 35_000,
        "site_area_m2": 450_000,
        "kcal": 21_000_000,
    }
    assert _core.site_needs(10_000, False)["toilets"] == 500
    s.set("planning.water_l", 20)
    assert (site(s.run(progress=False), "Camp")["water_l"] == 200_000).all()


def test_needs_follow_population(exercise_run):
    sites = exercise_run.sites
    np.testing.assert_allclose(sites["water_l"], 15 * sites["population"])
    np.testing.assert_allclose(sites["kcal"], 2100 * sites["population"])
    np.testing.assert_allclose(sites["taps"], np.ceil(np.round(sites["population"]) / 250))


def test_summary(exercise_run):
    summary = exercise_run.summary()
    assert summary.index.name == "site"
    assert summary["peak_population"].is_monotonic_decreasing
    sites = exercise_run.sites
    for name, row in summary.head(10).iterrows():
        one = sites[sites["site"] == name]
        assert row["peak_population"] == pytest.approx(one["population"].max())
        over = one[one["occupancy"] > 1]
        if over.empty:
            assert pd.isna(row["first_over_capacity"])
        else:
            assert row["first_over_capacity"] == over["date"].iloc[0]
            assert row["days_over_capacity"] == len(over)
        assert row["peak_backlog"] == pytest.approx(one["backlog"].max())
        assert row["water_l"] == pytest.approx(one["water_l"].max())
    over = summary[summary["days_over_capacity"] > 0]
    assert len(over) >= 1  # the exercise is meant to stretch the sites


def test_to_xarray(exercise_run):
    ds = exercise_run.to_xarray()
    n = exercise_run.network.num_locations
    assert dict(ds.sizes) == {"day": 120, "location": n, "cohort": 4, "route": 88}
    assert ds["population"].dims == ("day", "location", "cohort")
    assert ds["capacity"].dims == ("day", "location")
    assert str(ds["date"].values[0])[:10] == "2027-03-01"
    total = ds["population"].sum("cohort").sel(location="Sedra Plain Camp").max().item()
    assert total == pytest.approx(exercise_run.summary().loc["Sedra Plain Camp", "peak_population"])


def test_pickle(exercise_run):
    again = pickle.loads(pickle.dumps(exercise_run))
    pd.testing.assert_frame_equal(again.sites, exercise_run.sites)
    pd.testing.assert_frame_equal(again.summary(), exercise_run.summary())
    assert repr(again) == repr(exercise_run)


def test_progress_and_interrupt(tiny):
    days = []
    tiny_scenario(tiny, days=12).run(progress=days.append)
    assert days == list(range(12))

    def stop(day):
        if day == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tiny_scenario(tiny, days=12).run(progress=stop)


def test_plot(exercise_run):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = exercise_run.plot(n=3)
    assert [
        line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")
    ] == (exercise_run.busiest(3))
    plt.close(ax.figure)


# ------------------------------------------------------------------------------ the agent engine

#: Every people count of a projection (the needs scale them, so they are checked separately).
_PEOPLE = ("population", "arrivals", "backlog", "screened", "route_flow", "spawned",
           "at_locations", "in_transit", "departed")


def test_work_counts(exercise_run, exercise_agents, tiny):
    """The expected engine reports its work (what benchmarks/expected.py divides the time by):
    the same for the same run, growing with the days; the agent engine reports none."""
    work = exercise_run.raw["work"]
    assert work["hops"] > work["passes"] > 0 and work["slots"] > 0
    assert exercise_agents.raw["work"] == {"hops": 0, "slots": 0, "passes": 0}
    short = tiny_scenario(tiny, days=10).run(progress=False).raw["work"]
    again = tiny_scenario(tiny, days=10).run(progress=False).raw["work"]
    longer = tiny_scenario(tiny, days=20).run(progress=False).raw["work"]
    assert short == again
    assert all(longer[k] > short[k] for k in ("hops", "slots", "passes"))


def test_one_split_runs_as_totals(tiny):
    """One displacement, the default shares: carrying totals (the default) gives what carrying
    each cohort gives, to rounding, with the cohorts in the displacement's shares."""
    s = tiny_scenario(tiny, days=20)
    merged = s.run(progress=False)
    apart = s.run(progress=False, merge_cohorts=False)
    for key in ("population", "arrivals", "backlog", "route_flow", "in_transit"):
        np.testing.assert_allclose(merged.raw[key], apart.raw[key], rtol=1e-9, atol=1e-9, err_msg=key)
    shares = np.array([0.28, 0.24, 0.45, 0.03])
    pop = merged.raw["population"][-1]
    np.testing.assert_allclose(pop, pop.sum(axis=1, keepdims=True) * shares, rtol=1e-12, atol=1e-12)


def test_agents_conserve_whole_people_every_day(exercise_agents):
    p = exercise_agents
    assert p.info["engine"] == "agents" and p.info["seed"] == 1
    for key in _PEOPLE:
        values = p.raw[key]
        assert (values == np.round(values)).all() and (values >= 0).all(), key
    b = p.balance
    assert len(b) == 120
    assert b["spawned"].iloc[-1] == 160_000  # the displacements' people, whole
    assert (b["at_locations"] + b["in_transit"] + b["departed"] == b["spawned"]).all()
    assert (b["error"] == 0).all()
    per_day = p.sites.groupby("day")["population"].sum()
    np.testing.assert_array_equal(per_day.to_numpy(), b["at_locations"].to_numpy())
    np.testing.assert_array_equal(p.sites[p.cohorts].sum(axis=1), p.sites["population"])
    # Taps and toilets of whole people; water in proportion.
    sites = p.sites
    np.testing.assert_array_equal(sites["taps"], np.ceil(sites["population"] / 250))
    np.testing.assert_allclose(sites["water_l"], 15 * sites["population"])


def test_agents_screening_queue_in_whole_people(exercise_agents):
    ambrel = site(exercise_agents, "Ambrel Reception Centre")
    previous = ambrel["backlog"].shift(fill_value=0.0)
    np.testing.assert_array_equal(
        ambrel["backlog"], previous + ambrel["arrivals"] - ambrel["screened"]
    )
    assert (ambrel["screened"] <= ambrel["screening_per_day"]).all()
    waiting = ambrel["backlog"] > 0
    np.testing.assert_array_equal(
        ambrel.loc[waiting, "screened"], ambrel.loc[waiting, "screening_per_day"]
    )


def test_agents_play_the_exercise_contingency_plans(exercise_agents, exercise_run):
    """Both triggers fire with agents too, within a few days of the expected engine."""
    p = exercise_agents
    fired = p.triggers.set_index("location")
    assert set(fired.index) == {"Sedra Plain Camp", "Ambrel Reception Centre"}
    expected = exercise_run.triggers.set_index("location")
    assert (abs(fired["day"] - expected["day"]) <= 3).all()
    day = int(fired.loc["Ambrel Reception Centre", "day"])
    ambrel = site(p, "Ambrel Reception Centre")
    assert ambrel.loc[day, "backlog"] > 3000 >= ambrel.loc[day - 1, "backlog"]
    assert (ambrel.loc[day + 1 :, "screening_per_day"] == 700).all()
    day = int(fired.loc["Sedra Plain Camp", "day"])
    overflow = site(p, "Overflow Site A")
    assert not overflow.loc[:day, "open"].any() and overflow.loc[day + 1 :, "open"].all()
    assert overflow["population"].iloc[-1] > 1000
    # The busiest sites peak near the expected numbers.
    a, e = p.summary()["peak_population"], exercise_run.summary()["peak_population"]
    for name in ("Sedra Plain Camp", "Tamsel Plain Camp", "Overflow Site A"):
        assert a[name] == pytest.approx(e[name], rel=0.1), name


def test_agents_seed_and_threads(tiny):
    s = tiny_scenario(tiny, days=20)
    one = s.run(engine="agents", seed=3, threads=1, progress=False)
    two = s.run(engine="agents", seed=3, threads=2, progress=False)
    for key in _PEOPLE:
        np.testing.assert_array_equal(one.raw[key], two.raw[key], err_msg=key)
    other = s.run(engine="agents", seed=4, progress=False)
    assert not np.array_equal(one.raw["population"], other.raw["population"])
    # The closure rule holds for agents: nobody reaches a closed place.
    s["events"].append({"type": "close_location", "day": 0, "location": "Delta"})
    delta = site(s.run(engine="agents", seed=3, progress=False), "Delta")
    assert (delta["population"] == 0).all() and (delta["arrivals"] == 0).all()


def test_agents_progress_and_interrupt(tiny):
    days = []
    tiny_scenario(tiny, days=12).run(engine="agents", progress=days.append)
    assert days == list(range(12))

    def stop(day):
        if day == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tiny_scenario(tiny, days=12).run(engine="agents", progress=stop)


def test_agents_pickle_and_summary(exercise_agents):
    again = pickle.loads(pickle.dumps(exercise_agents))
    pd.testing.assert_frame_equal(again.sites, exercise_agents.sites)
    assert again.info["engine"] == "agents"
    assert "- Engine: agents (whole people, seed 1)" in exercise_agents.summary_markdown()


# ------------------------------------------------------------------------------ files


def test_write_all_files(exercise_run, tmp_path):
    out = tmp_path / "exercise"
    written = exercise_run.write(out)
    assert [p.name for p in written] == FILES
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left

    gpkg = out / "projection.gpkg"
    layers = dict(pyogrio.list_layers(gpkg))
    assert layers == {
        "locations": "Point",
        "routes": "LineString",
        "site_daily": "Point",
        "route_daily": "LineString",
    }
    n, m = exercise_run.network.num_locations, exercise_run.network.num_routes
    for layer, count in (("site_daily", 120 * n), ("route_daily", 120 * m)):
        info = pyogrio.read_info(gpkg, layer=layer)
        assert info["features"] == count and info["crs"] == "EPSG:4326"
        types = dict(zip(info["fields"], info["ogr_types"]))
        assert types["start_time"] == "OFTDateTime" and types["end_time"] == "OFTDateTime"
    daily = pyogrio.read_dataframe(gpkg, layer="site_daily")
    assert daily["start_time"].iloc[0] == pd.Timestamp("2027-03-01", tz="UTC")
    # Each feature covers its day, up to the last millisecond (see _day_span for why).
    span = daily["end_time"] - daily["start_time"]
    assert (span == pd.Timedelta(days=1) - pd.Timedelta(milliseconds=1)).all()
    assert (daily["start_time"].dt.tz_localize(None) == pd.to_datetime(daily["date"])).all()
    sedra = daily[daily["site"] == "Sedra Plain Camp"]
    assert sedra["population"].max() == pytest.approx(
        exercise_run.summary().loc["Sedra Plain Camp", "peak_population"]
    )
    assert daily.loc[daily["site"] == "Qarvel", "capacity"].isna().all()  # unlimited: null
    route_daily = pyogrio.read_dataframe(gpkg, layer="route_daily")
    assert set(route_daily.columns) >= {"start_time", "end_time", "route", "from", "to", "flow"}
    locations = pyogrio.read_dataframe(gpkg, layer="locations")
    assert len(locations) == n and {"peak_population", "first_over_capacity"} <= set(locations)
    routes = pyogrio.read_dataframe(gpkg, layer="routes")
    assert len(routes) == m
    np.testing.assert_allclose(routes["total_flow"], exercise_run.raw["route_flow"].sum(axis=0))
    np.testing.assert_allclose(routes["peak_flow"], exercise_run.raw["route_flow"].max(axis=0))

    csv = pd.read_csv(out / "site_daily.csv")
    assert list(csv.columns[:3]) == ["date", "day", "site"]
    assert {
        "women",
        "men",
        "children",
        "unaccompanied_minors",
        "arrivals",
        "population",
        "backlog",
        "occupancy",
        "capacity",
        "water_l",
        "taps",
        "toilets",
        "covered_m2",
        "site_area_m2",
        "kcal",
    } <= set(csv.columns)
    assert len(csv) == 120 * n
    balance = pd.read_csv(out / "balance.csv")
    assert list(balance.columns) == [
        "day",
        "date",
        "spawned",
        "at_locations",
        "in_reception",
        "in_transit",
        "transferring",
        "departed",
        "returned",
    ]
    np.testing.assert_allclose(
        balance["at_locations"] + balance["in_transit"] + balance["departed"],
        balance["spawned"],
        rtol=1e-9,
    )
    md = (out / "summary.md").read_text()
    assert md.startswith("# Projection: Exercise Grey Heron")
    for text in (
        "2027-03-01 to 2027-06-28",
        "| Sedra Plain Camp |",
        "## Triggers fired",
        "## Conservation check",
        "holds",
    ):
        assert text in md
    assert (out / "busiest_sites.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_write_replaces_and_a_failed_write_keeps_the_previous(
    exercise_run, tiny, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.txt").write_text("from an older run")
    exercise_run.write(out)
    assert not (out / "stale.txt").exists()  # replaced as a whole
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def fail(self, path):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(Projection, "_write_png", fail)
    other = tiny_scenario(tiny).run(progress=False)
    with pytest.raises(OSError, match="disk full"):
        other.write(out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing half-written left

    (tmp_path / "file").write_text("x")
    monkeypatch.undo()
    with pytest.raises(corridor.IoError, match="not a folder"):
        other.write(tmp_path / "file")


def test_bad_scenario_writes_nothing(tiny, tmp_path):
    s = tiny_scenario(tiny)
    s.set("events[0].location", "Nowhere")
    with pytest.raises(corridor.InputError, match=r"events\[0\] \(displacement\): location"):
        s.run(progress=False).write(tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------ command line


def corridor_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "corridor", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def test_cli_run(tmp_path):
    out = tmp_path / "exercise"
    res = corridor_cli("run", str(SCENARIO), "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert "scenario Exercise Grey Heron: 120 days, 2027-03-01 to 2027-06-28" in res.stdout
    assert "over capacity" in res.stdout and "peak backlog" in res.stdout
    for name in FILES:
        assert f"wrote {out / name}" in res.stdout
        assert (out / name).exists()
    quiet = corridor_cli("run", str(SCENARIO), "-o", str(out), "--quiet", "--seed", "3")
    assert quiet.returncode == 0 and quiet.stdout == ""


def test_cli_run_agents(tmp_path):
    out = tmp_path / "agents"
    res = corridor_cli("run", str(SCENARIO), "-o", str(out), "--engine", "agents", "--seed", "2")
    assert res.returncode == 0, res.stderr
    assert "engine agents (seed 2); 160,000 people displaced" in res.stdout
    assert "triggers fired 2:" in res.stdout
    for name in FILES:
        assert (out / name).exists()
    daily = pd.read_csv(out / "site_daily.csv")
    for column in ("arrivals", "population", "backlog"):
        assert (daily[column] == daily[column].round()).all(), column
    assert "Engine: agents (whole people, seed 2)" in (out / "summary.md").read_text()
    # The same seed gives the same files' numbers.
    again = tmp_path / "again"
    res = corridor_cli(
        "run", str(SCENARIO), "-o", str(again), "-q", "--engine", "agents", "--seed", "2",
        "--threads", "1",
    )
    assert res.returncode == 0 and res.stdout == ""
    pd.testing.assert_frame_equal(pd.read_csv(again / "site_daily.csv"), daily)


def test_cli_run_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(SCENARIO.read_text().replace("over_days = 30", "over_days = 30\npeeple = 1"))
    for name in ("locations.csv", "routes.csv"):
        (tmp_path / name).write_bytes((EXERCISE / name).read_bytes())
    out = tmp_path / "out"
    res = corridor_cli("run", str(bad), "-o", str(out))
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("corridor: error: ")
    assert (
        "events[0] (displacement): unknown key 'peeple'" in lines[0] and "bad.toml line" in lines[0]
    )
    assert not out.exists()

    res = corridor_cli("run", str(SCENARIO), "-o", str(out), "--engine", "agents", "--seed", "-1")
    assert res.returncode == 1 and "seed: -1 must be an integer >= 0" in res.stderr
    assert not out.exists()

    res = corridor_cli("run", str(tmp_path / "missing.toml"), "-o", str(out))
    assert res.returncode == 1 and "missing.toml" in res.stderr


# ------------------------------------------------------------------------------ QGIS


QGIS_TEMPORAL_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from qgis.core import (QgsApplication, QgsDateTimeRange, QgsFeatureRequest, QgsVectorLayer,
                           QgsVectorLayerTemporalContext, QgsVectorLayerTemporalProperties)
    from qgis.PyQt.QtCore import QDate, QDateTime, QTime, QVariant
    app = QgsApplication([], False)
    app.initQgis()
    name = sys.argv[2] if len(sys.argv) > 2 else "site_daily"
    layer = QgsVectorLayer(sys.argv[1] + "|layername=" + name, name, "ogr")
    out = {"valid": layer.isValid(), "count": layer.featureCount()}
    if layer.isValid():
        fields = layer.fields()
        out["start_time"] = fields.field("start_time").type() == QVariant.DateTime
        out["end_time"] = fields.field("end_time").type() == QVariant.DateTime
        props = layer.temporalProperties()
        props.setIsActive(True)
        props.setMode(QgsVectorLayerTemporalProperties.ModeFeatureDateTimeStartAndEndFromFields)
        props.setStartField("start_time")
        props.setEndField("end_time")
        out["active"] = props.isActive()
        out["mode"] = int(props.mode())
        # What the temporal controller draws in one-day frames: the features of that day only.
        context = QgsVectorLayerTemporalContext()
        context.setLayer(layer)
        frames = {}
        for day in (0, 1, 30, 119):
            begin = QDateTime(QDate(2027, 3, 1), QTime(0, 0)).addDays(day)
            frame = QgsDateTimeRange(begin, begin.addDays(1), True, False)
            request = QgsFeatureRequest().setFilterExpression(props.createFilterString(context, frame))
            days = [f["day"] for f in layer.getFeatures(request)]
            frames[day] = sorted(set(days)), len(days)
        out["frames"] = frames
    print(json.dumps(out), flush=True)
    import os
    os._exit(0)  # QGIS 3.22 can crash while tearing down at exit; the answer is out
    """
)


def test_qgis_animates_site_daily(exercise_run, tmp_path):
    from test_qgis import SYSTEM_PYTHON, qgis_available

    if not qgis_available():
        pytest.skip("python3-qgis is not installed (./dev test installs it)")
    exercise_run.write(tmp_path / "out")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(tmp_path))
    res = subprocess.run(
        [SYSTEM_PYTHON, "-c", QGIS_TEMPORAL_SCRIPT, str(tmp_path / "out" / "projection.gpkg")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert "Non-conformant" not in res.stderr and "partially supported" not in res.stderr, (
        res.stderr
    )
    info = json.loads(res.stdout.strip().splitlines()[-1])
    n = exercise_run.network.num_locations
    assert info["valid"], info
    assert info["count"] == 120 * n
    assert info["start_time"] and info["end_time"], info
    assert info["active"] and info["mode"] == 2, info  # ModeFeatureDateTimeStartAndEndFromFields
    for day, (days, count) in info["frames"].items():
        assert (days, count) == ([int(day)], n), (day, info["frames"])


def test_compare_two_projections(exercise_run):
    s = exercise_run.scenario.copy()
    s["events"][0]["people"] = 150_000
    other = s.run(progress=False)
    c = exercise_run.compare(other, labels=("base", "more"))
    assert set(c.columns.get_level_values(0)) == {"base", "more", "change"}
    sedra = c.loc["Sedra Plain Camp"]
    assert sedra[("change", "peak_population")] == pytest.approx(
        sedra[("more", "peak_population")] - sedra[("base", "peak_population")])
    assert sedra[("change", "total_arrivals")] > 0  # 30,000 more people displaced
    first = sedra[("change", "first_over_capacity")]
    assert first == (sedra[("more", "first_over_capacity")] - sedra[("base", "first_over_capacity")]).days
    assert c[("base", "peak_population")].is_monotonic_decreasing
    with pytest.raises(corridor.InputError, match="unknown column"):
        exercise_run.compare(other, columns=("peak_people",))
    with pytest.raises(corridor.InputError, match="two distinct names"):
        exercise_run.compare(other, labels=("a", "a"))
