"""Uncertainty ensembles: draws, reproducibility, statistics, files, CLI, Dask and bad input."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import EXERCISE

import corridor
from corridor import cli
from corridor.ensembles import Ensemble, parse_vary_text, read_ensemble_spec

SCENARIO = EXERCISE / "scenario.toml"
VARY = {
    "events[0].people": ("uniform", 80_000, 160_000),
    "events[1].day": [14, 21, 28],
    "movement.camp_weight": ("normal", 2.0, 0.3, 1.2, 3.0),
}


@pytest.fixture(scope="module")
def scenario() -> corridor.Scenario:
    return corridor.Scenario.from_toml(SCENARIO)


@pytest.fixture(scope="module")
def ens(scenario) -> Ensemble:
    return corridor.ensemble(scenario, members=24, vary=VARY, seed=11, progress=False)


def _same(a: Ensemble, b: Ensemble) -> bool:
    return set(a.arrays) == set(b.arrays) and all(
        np.array_equal(a.arrays[k], b.arrays[k], equal_nan=True) for k in a.arrays
    )


# ------------------------------------------------------------------------------ draws


def test_members_are_drawn_within_their_distributions(ens):
    m = ens.members
    assert list(m.columns) == [*VARY, "seed"]
    assert len(m) == ens.size == 24
    people = m["events[0].people"]
    assert people.between(80_000, 160_000).all()
    assert all(isinstance(v, int) for v in people)  # the scenario's value is an integer
    assert set(m["events[1].day"]) <= {14, 21, 28}
    weight = m["movement.camp_weight"]
    assert weight.between(1.2, 3.0).all() and weight.nunique() == 24
    assert m["seed"].nunique() == 24


def test_draws_follow_the_distribution_shape(scenario):
    # 4,000 members' draws without running anything large: the sample moments of each
    # distribution agree with the theory within 4 standard errors.
    from corridor.ensembles import _parse_spec

    rng = np.random.default_rng(3)
    n = 4000
    u = np.array(_parse_spec("a", ("uniform", 2.0, 4.0), 1.0).sample(rng, n))
    assert abs(u.mean() - 3.0) < 4 * (2 / np.sqrt(12)) / np.sqrt(n)
    t = np.array(_parse_spec("a", ("triangular", 0.0, 1.0, 4.0), 1.0).sample(rng, n))
    assert abs(t.mean() - 5 / 3) < 4 * np.sqrt((0 + 1 + 16 - 0 - 0 - 4) / 18) / np.sqrt(n)
    z = np.array(_parse_spec("a", ("normal", 5.0, 2.0), 1.0).sample(rng, n))
    assert abs(z.mean() - 5.0) < 4 * 2.0 / np.sqrt(n) and abs(z.std() - 2.0) < 0.1
    ln = np.array(_parse_spec("a", ("lognormal", 10.0, 0.5), 1.0).sample(rng, n))
    assert abs(np.median(np.log(ln)) - np.log(10.0)) < 0.05
    lu = np.array(_parse_spec("a", ("loguniform", 1.0, 100.0), 1.0).sample(rng, n))
    assert lu.min() >= 1.0 and lu.max() <= 100.0 and abs(np.log10(lu).mean() - 1.0) < 0.05
    w = _parse_spec("a", {"choice": ["x", "y"], "weights": [3, 1]}, "x").sample(rng, n)
    assert abs(w.count("x") / n - 0.75) < 4 * np.sqrt(0.75 * 0.25 / n)


def test_a_member_is_the_scenario_run_with_its_values(scenario, ens):
    for k in (0, 7):
        s = scenario.copy()
        for path in VARY:
            s.set(path, ens.members.loc[k, path])
        p = s.run(progress=False)
        pop = p.raw["population"].sum(axis=2)
        np.testing.assert_allclose(ens.arrays["population"][k], pop, rtol=1e-6, atol=1e-3)
        backlog = p.raw["backlog"].sum(axis=2)
        np.testing.assert_allclose(ens.arrays["backlog"][k], backlog, rtol=1e-6, atol=1e-3)
        np.testing.assert_array_equal(ens.arrays["capacity"][k],
                                      p.raw["capacity"].astype(np.float32))


def test_agent_members_have_their_own_seeds(scenario):
    e = corridor.ensemble(scenario, members=3, seed=5, engine="agents", progress=False,
                          sites=["Sedra Plain Camp", "Ambrel Reception Centre"])
    assert e.info["engine"] == "agents"
    pops = e.arrays["population"]
    assert not np.array_equal(pops[0], pops[1])  # different seeds, different runs
    seed = int(e.members.loc[2, "seed"])
    p = scenario.run(engine="agents", seed=seed, progress=False, threads=1)
    names = p.locations
    idx = [names.index("Sedra Plain Camp"), names.index("Ambrel Reception Centre")]
    np.testing.assert_array_equal(pops[2], p.raw["population"].sum(axis=2)[:, idx])
    # whole people
    assert np.array_equal(pops, np.round(pops))


# ------------------------------------------------------------------------------ reproducible


def test_same_seed_same_results_serial_or_threads(scenario, ens):
    again = corridor.ensemble(scenario, members=24, vary=VARY, seed=11, progress=False,
                              workers=1)
    pd.testing.assert_frame_equal(again.members, ens.members)
    assert _same(again, ens)
    batched = corridor.ensemble(scenario, members=24, vary=VARY, seed=11, progress=False,
                                workers=2, batch_size=5)
    assert _same(batched, ens)
    other = corridor.ensemble(scenario, members=24, vary=VARY, seed=12, progress=False)
    assert not other.members.equals(ens.members)


def test_a_random_seed_is_kept_and_reproduces(scenario):
    a = corridor.ensemble(scenario, members=3, vary=VARY, progress=False, sites=["Sallet"])
    b = corridor.ensemble(scenario, members=3, vary=VARY, seed=a.seed, progress=False,
                          sites=["Sallet"])
    pd.testing.assert_frame_equal(a.members, b.members)
    assert _same(a, b)


def test_dask_local_cluster_gives_the_same_results(scenario, ens):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            on_dask = corridor.ensemble(scenario, members=24, vary=VARY, seed=11,
                                        client=client, progress=False, batch_size=4)
            assert len(client.nthreads()) == 2
    pd.testing.assert_frame_equal(on_dask.members, ens.members)
    assert _same(on_dask, ens)
    with pytest.raises(corridor.InputError, match="not running"):
        corridor.ensemble(scenario, members=2, client=client, progress=False)


# ------------------------------------------------------------------------------ statistics


def test_quantiles_frame_and_xarray(ens):
    q = ens.quantiles([0.05, 0.5, 0.95])
    assert list(q.columns) == ["date", "day", "site", "metric", "p5", "p50", "p95"]
    assert len(q) == len(ens.metrics) * ens.days * len(ens.sites_kept)
    finite = q.dropna(subset=["p5"])
    assert (finite["p5"] <= finite["p50"] + 1e-9).all()
    assert (finite["p50"] <= finite["p95"] + 1e-9).all()
    # occupancy is undefined (NaN) where shelter is unlimited
    occ = q[(q["metric"] == "occupancy") & (q["site"] == "Qarvel")]
    assert occ["p50"].isna().all()
    x = ens.quantiles([0.05, 0.5, 0.95], xarray=True)
    assert dict(x["population"].sizes) == {"quantile": 3, "date": ens.days,
                                           "site": len(ens.sites_kept)}
    # against numpy on the raw values of one site and day
    j = ens.sites_kept.index("Sedra Plain Camp")
    raw = ens.arrays["population"][:, 60, j].astype(np.float64)
    np.testing.assert_allclose(x["population"].sel(site="Sedra Plain Camp").isel(date=60),
                               np.quantile(raw, [0.05, 0.5, 0.95]))
    row = q[(q["metric"] == "population") & (q["site"] == "Sedra Plain Camp") & (q["day"] == 60)]
    np.testing.assert_allclose(row[["p5", "p50", "p95"]].to_numpy()[0],
                               np.quantile(raw, [0.05, 0.5, 0.95]))
    assert ens.quantiles(0.025, metric="backlog").columns[-1] == "p2_5"


def test_exceedance_is_a_cumulative_probability(ens):
    p = ens.exceedance("Sedra Plain Camp")
    assert p.index.equals(ens.dates)
    assert p.between(0, 1).all() and p.is_monotonic_increasing
    occ = ens.to_xarray()["occupancy"].sel(site="Sedra Plain Camp").to_numpy()
    by_hand = (np.maximum.accumulate(np.nan_to_num(occ, nan=-1), axis=1) >= 1.0).mean(axis=0)
    np.testing.assert_allclose(p.to_numpy(), by_hand)
    assert p.iloc[0] == 0.0 and p.iloc[-1] == 1.0  # fills in every member of this exercise
    # a threshold nobody reaches, and one everybody reaches from day 0
    assert (ens.exceedance("Sedra Plain Camp", threshold=50.0) == 0).all()
    assert (ens.exceedance("Qarvel", metric="population", threshold=0.0) == 1).all()
    table = ens.exceedance(["Sedra Plain Camp", "Sallet IDP Camp"], metric="backlog",
                           threshold=100)
    assert list(table.columns) == ["Sedra Plain Camp", "Sallet IDP Camp"]


def test_summary_and_triggers(ens):
    s = ens.summary()
    sedra = s.set_index("site").loc["Sedra Plain Camp"]
    assert sedra["kind"] == "camp" and sedra["capacity"] == 35_000
    assert 0 <= sedra["p_over_capacity"] <= 1
    assert sedra["peak_population_p5"] <= sedra["peak_population_p50"] <= sedra["peak_population_p95"]
    assert s["p_over_capacity"].is_monotonic_decreasing
    t = ens.triggers()
    assert list(t["location"]) == ["Sedra Plain Camp", "Ambrel Reception Centre"]
    assert t["p_fired"].between(0, 1).all()
    assert (t["first_date"] <= t["median_date"]).all() and (t["median_date"] <= t["last_date"]).all()


def test_cohort_metrics_count_the_vulnerable(scenario):
    e = corridor.ensemble(scenario, members=4, seed=1, progress=False,
                          vary={"events[0].people": ("uniform", 100_000, 140_000)},
                          metrics=["population", "unaccompanied_minors", "children"],
                          sites=["Sedra Plain Camp"])
    pop, uam, kids = (e.arrays[k] for k in ("population", "unaccompanied_minors", "children"))
    assert (uam <= pop + 1e-3).all() and (kids <= pop + 1e-3).all()
    assert uam.max() > 0
    assert e.quantiles(metric="unaccompanied_minors")["metric"].unique().tolist() == [
        "unaccompanied_minors"]


def test_to_xarray_and_pickle(ens):
    x = ens.to_xarray()
    assert dict(x["population"].sizes) == {"member": 24, "date": ens.days,
                                           "site": len(ens.sites_kept)}
    assert "events[0].people" in x.coords
    back = pickle.loads(pickle.dumps(ens))
    assert _same(back, ens) and back.members.equals(ens.members)


def test_plots(ens):
    import matplotlib

    matplotlib.use("Agg")
    ax = ens.plot_fan("Sedra Plain Camp")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "median" in labels and "shelter capacity" in labels
    ax = ens.plot_exceedance()
    assert ax.get_lines()
    import matplotlib.pyplot as plt

    plt.close("all")


def test_progress_callback_counts_members(scenario):
    seen: list[int] = []
    corridor.ensemble(scenario, members=5, seed=0, progress=seen.append, workers=1,
                      batch_size=2, sites=["Sallet"])
    assert seen == [2, 4, 5]


# ------------------------------------------------------------------------------ files, CLI


def test_write_files(ens, tmp_path):
    import pyogrio

    out = tmp_path / "ens"
    written = ens.write(out)
    names = sorted(p.name for p in written)
    assert names == sorted(["ensemble.gpkg", "bands.csv", "exceedance.csv", "members.csv",
                            "summary.csv", "fan_charts.png"])
    layers = {name for name, _ in pyogrio.list_layers(out / "ensemble.gpkg")}
    assert layers == {"sites", "site_bands"}
    bands = pyogrio.read_dataframe(out / "ensemble.gpkg", layer="site_bands")
    assert len(bands) == ens.days * len(ens.sites_kept)
    assert {"start_time", "end_time", "population_p50", "occupancy_p95",
            "p_over_capacity_by_date"} <= set(bands.columns)
    members = pd.read_csv(out / "members.csv", index_col="member")
    assert (members["events[0].people"] == ens.members["events[0].people"]).all()
    exceed = pd.read_csv(out / "exceedance.csv", index_col=0)
    assert "Sedra Plain Camp" in exceed.columns and "Qarvel" not in exceed.columns
    # replaced as a whole; nothing else left beside it
    ens.write(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ens"]


def test_cli_ensemble(tmp_path, capsys):
    spec = tmp_path / "spec.toml"
    spec.write_text('members = 6\nseed = 3\n[vary]\n"events[0].people" = ["uniform", 90000, 150000]\n'
                    '"events[1].day" = [14, 28]\n', encoding="utf-8")
    code = cli.main(["ensemble", str(SCENARIO), "--spec", str(spec), "--vary",
                     "movement.camp_weight=normal:2:0.2", "--workers", "1",
                     "-o", str(tmp_path / "out")])
    assert code == 0
    text = capsys.readouterr().out
    assert "6 members" in text and "movement.camp_weight ~ normal(2, 0.2)" in text
    assert "Sedra Plain Camp" in text
    members = pd.read_csv(tmp_path / "out" / "members.csv")
    assert len(members) == 6 and set(members["events[1].day"]) <= {14, 28}
    code = cli.main(["ensemble", str(SCENARIO), "--members", "0", "-o", str(tmp_path / "x")])
    assert code == 1 and "members" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_bundled_ensemble_spec_reads():
    spec = read_ensemble_spec(EXERCISE / "ensemble.toml")
    assert spec["members"] >= 100 and spec["vary"]["events[0].people"][0] == "triangular"
    assert parse_vary_text(["a.b=uniform:1:2", "c[0].d=3,4.5,x"]) == {
        "a.b": ("uniform", 1.0, 2.0), "c[0].d": [3, 4.5, "x"]}


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"members": 0}, r"members: 0 must be an integer >= 1"),
        ({"members": 2.5}, r"members: 2.5 must be"),
        ({"vary": {"events[9].people": ("uniform", 1, 2)}}, r"scenario has no 'events\[9\]'"),
        ({"vary": {"movement.camp_wieght": ("uniform", 1, 2)}}, r"known movement keys: .*camp_weight"),
        ({"vary": {"days": [60, 90]}}, r"'days' cannot vary"),
        ({"vary": {"network.locations": ["a.csv"]}}, r"'network' cannot vary"),
        ({"vary": {"events[0].people": ("uniform", 5, 1)}}, r"impossible uniform .*low \(5\) must be below high \(1\)"),
        ({"vary": {"events[0].people": ("normal", 5, -1)}}, r"impossible normal .*sd \(-1\) must be > 0"),
        ({"vary": {"events[0].people": ("normal", 5, 1, 100, 200)}}, r"hold almost none"),
        ({"vary": {"events[0].people": ("triangular", 1, 5, 3)}}, r"impossible triangular"),
        ({"vary": {"events[0].people": ("lognormal", 0, 1)}}, r"impossible lognormal"),
        ({"vary": {"events[0].people": ("uniform", 1)}}, r"uniform takes low, high, got 1"),
        ({"vary": {"events[0].people": ("poisson", 1)}}, r"unknown distribution 'poisson'"),
        ({"vary": {"events[0].people": ("uniform", 1, float("nan"))}}, r"must be finite"),
        ({"vary": {"events[0].people": []}}, r"list of alternatives is empty"),
        ({"vary": {"events[0].people": {"choice": [1, 2], "weights": [1]}}}, r"1 weights for 2"),
        ({"vary": {"events[0].people": 5}}, r"expected a distribution"),
        ({"vary": {"events[0].people": ("normal", 10_000, 50_000)}}, r"ensemble member \d+ \(events\[0\]\.people = -\d+\): .*people"),
        ({"metrics": ["populaton"]}, r"unknown metric 'populaton'"),
        ({"sites": ["Atlantis"]}, r"unknown location\(s\) 'Atlantis'"),
        ({"engine": "magic"}, r"unknown engine 'magic'"),
        ({"seed": -1}, r"seed: -1 must be"),
        ({"workers": 0}, r"workers: 0 must be"),
        ({"client": object()}, r"client must be a dask.distributed.Client"),
    ],
)
def test_bad_input_is_refused_before_any_work(scenario, kwargs, message):
    calls: list[int] = []
    args = {"members": 40, "seed": 1, "progress": calls.append, **kwargs}
    with pytest.raises(corridor.InputError, match=message):
        corridor.ensemble(scenario, **args)
    assert calls == []  # no member ran


def test_memory_guard_names_the_way_out(scenario, monkeypatch):
    import corridor.ensembles as ensembles

    monkeypatch.setattr(ensembles, "_MAX_BYTES", 1000)
    with pytest.raises(corridor.InputError, match="pass sites="):
        corridor.ensemble(scenario, members=10, progress=False)


def test_member_texts_from_the_template_equal_full_documents(scenario):
    # The fast path substitutes drawn scalars into one serialised document; it must give the
    # same document as setting the values and serialising in full (strings with quotes,
    # floats that need all their digits, a nested path, and a drawn table that forces the
    # full path).
    import copy

    from corridor.ensembles import _set, _text_maker
    from corridor.scenario import _toml_ready, _tomli_w, tomllib

    base = _toml_ready(scenario._clean())
    columns = {
        "events[0].people": [100_000, 123_457],
        "movement.camp_weight": [1.5, 0.1 + 0.2],
        "events[0].note": ['say "hi"\\n', "b"],
        "triggers[0].then.location": ["Overflow Site A", "Overflow Site B"],
        "events[1].over_days": [[1, 2], [3]],
    }
    for cols in (columns, {**columns, "events[1].cohorts": [{"women": 0.5, "men": 0.5},
                                                             {"women": 0.2, "men": 0.8}]}):
        render = _text_maker(base, cols, _tomli_w())
        assert render.__name__ == ("render" if "events[1].cohorts" not in cols else "full")
        for i in range(2):
            expected = copy.deepcopy(base)
            for path, values in cols.items():
                _set(expected, path, values[i])
            assert tomllib.loads(render(i)) == _toml_ready(expected)


def test_qgis_animates_the_bands(ens, tmp_path):
    import json
    import os
    import subprocess

    from test_projection import QGIS_TEMPORAL_SCRIPT
    from test_qgis import SYSTEM_PYTHON, qgis_available

    if not qgis_available():
        pytest.skip("python3-qgis is not installed (./dev test installs it)")
    ens.write(tmp_path / "out")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(tmp_path))
    res = subprocess.run(
        [SYSTEM_PYTHON, "-c", QGIS_TEMPORAL_SCRIPT, str(tmp_path / "out" / "ensemble.gpkg"),
         "site_bands"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    assert res.returncode == 0, res.stderr
    info = json.loads(res.stdout.strip().splitlines()[-1])
    n = len(ens.sites_kept)
    assert info["valid"] and info["count"] == ens.days * n, info
    assert info["start_time"] and info["end_time"], info
    for day, (days, count) in info["frames"].items():
        assert (days, count) == ([int(day)], n), (day, info["frames"])
