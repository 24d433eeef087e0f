"""corridor.Scenario: the document planners edit, its TOML form, and the checks behind it."""

from __future__ import annotations

import pickle
import tomllib

import numpy as np
import pandas as pd
import pytest
from conftest import EXERCISE, TINY

import corridor
from corridor import _core

SCENARIO = EXERCISE / "scenario.toml"


def tiny_scenario(tiny: corridor.Network, **keys) -> corridor.Scenario:
    """5,000 people leave Alpha over five days; 30 days from 2026-01-01."""
    s = corridor.Scenario(name="tiny", start="2026-01-01", days=30, network=tiny, **keys)
    s["events"].append(
        {"type": "displacement", "day": 0, "location": "Alpha", "people": 5000, "over_days": 5}
    )
    return s


def same_run(a: corridor.Projection, b: corridor.Projection) -> None:
    assert a.days == b.days
    for key in ("population", "arrivals", "backlog", "route_flow", "spawned", "toilets"):
        np.testing.assert_array_equal(a.raw[key], b.raw[key], err_msg=key)


# ------------------------------------------------------------------------------ the document


def test_from_toml_reads_the_exercise():
    s = corridor.Scenario.from_toml(SCENARIO)
    assert s.name == "Exercise Grey Heron"
    assert s["days"] == 120
    assert s.path == SCENARIO
    assert s.base_dir == EXERCISE.resolve()
    assert [e["type"] for e in s["events"]][:2] == ["displacement", "displacement"]
    assert "Exercise Grey Heron" in repr(s) and "5 events" in repr(s)
    assert "<table>" in s._repr_html_()


def test_python_built_scenario_sections_exist_on_first_use(tiny):
    s = corridor.Scenario(name="x", start="2026-01-01", days=5, network=tiny)
    s["movement"]["camp_weight"] = 2.5
    s["events"].append({"type": "displacement", "day": 0, "location": "Alpha", "people": 10})
    assert s.data["movement"] == {"camp_weight": 2.5}
    core = s.validate()
    assert core.movement["camp_weight"] == 2.5
    assert core.num_events == 1 and core.events[0]["locations"] == ["Alpha"]
    assert core.cohorts == ["women", "men", "children", "unaccompanied_minors"]
    # Empty sections are left out of the TOML text.
    assert "[planning]" not in s.toml() and "triggers" not in s.toml()


def test_data_is_copied_not_shared(tiny):
    data = {"name": "x", "start": "2026-01-01", "days": 5, "events": []}
    s = corridor.Scenario(data, network=tiny)
    s["events"].append({"type": "displacement", "day": 0, "location": "Alpha", "people": 1})
    assert data["events"] == []
    t = s.copy()
    t.set("events[0].people", 99)
    assert s.get("events[0].people") == 1 and t.get("events[0].people") == 99
    assert t.network is s.network


def test_network_property(tiny):
    from_file = corridor.Scenario.from_toml(SCENARIO)
    from_file.set("events[0].location", "Nowhere")  # only [network] is read for the network
    assert from_file.network.num_locations == 56
    assert from_file.network is from_file.network  # read once
    given = corridor.Scenario(name="x", start="2026-01-01", days=3, network=tiny)
    assert given.network is tiny
    with pytest.raises(TypeError, match="corridor.Network"):
        corridor.Scenario(name="x", network="locations.csv")


# ------------------------------------------------------------------------------ paths


def test_get_and_set_by_path():
    s = corridor.Scenario.from_toml(SCENARIO)
    assert s.get("events[0].people") == 120000
    assert s.get("events[-1].type") == "reopen_route"
    assert s.get("triggers[1].then.location") == "Ambrel Reception Centre"
    assert s.get("network.routes") == "routes.csv"
    assert s.get("movement.camp_weight", None) is None
    s.set("events[0].people", 150_000)
    s.set("movement.camp_weight", 2.5)
    s.set("planning.water_l", 20)  # [planning] exists but has no water_l yet
    s.set("cohorts.women", 0.3)  # a missing table is created
    assert s["events"][0]["people"] == 150_000
    assert s["movement"] == {"camp_weight": 2.5}
    assert s.get("planning.water_l") == 20 and s.get("cohorts") == {"women": 0.3}
    assert s.get("name") == "Exercise Grey Heron"


@pytest.mark.parametrize(
    ("path", "missing"),
    [
        ("events[9].people", "events[9]"),
        ("triggers[0].then.nope", "triggers[0].then.nope"),
        ("nothing", "nothing"),
        ("name.sub", "name.sub"),
    ],
)
def test_get_missing_path_names_it(path, missing):
    s = corridor.Scenario.from_toml(SCENARIO)
    with pytest.raises(KeyError, match=missing.replace("[", r"\[").replace("]", r"\]")):
        s.get(path)
    assert s.get(path, "fallback") == "fallback"


def test_set_refuses_missing_list_items_and_bad_paths():
    s = corridor.Scenario.from_toml(SCENARIO)
    with pytest.raises(KeyError, match=r"events\[9\]"):
        s.set("events[9].people", 1)
    with pytest.raises(KeyError, match="not a table"):
        s.set("name.first", "x")
    for bad in ("", "events..people", "[0]", "events[x]", "events.0"):
        with pytest.raises(corridor.InputError, match="scenario path"):
            s.get(bad)


# ------------------------------------------------------------------------------ TOML and pickle


def test_toml_round_trip_gives_the_same_run(tmp_path):
    s = corridor.Scenario.from_toml(SCENARIO)
    s.set("events[0].people", 100_000)
    path = s.to_toml(tmp_path / "sub.toml")
    text = path.read_text()
    # [network] paths now lead from the new file's folder to the exercise files.
    net = tomllib.loads(text)["network"]
    assert (tmp_path / net["locations"]).resolve() == (EXERCISE / "locations.csv").resolve()
    again = corridor.Scenario.from_toml(path)
    assert again == s
    same_run(s.run(progress=False), again.run(progress=False))
    assert not list(tmp_path.glob(".*tmp*"))


def test_toml_round_trip_of_a_python_network(tiny, tmp_path):
    s = tiny_scenario(tiny)
    s["triggers"].append(
        {
            "location": "Delta",
            "metric": "population",
            "above": 100,
            "then": {"type": "open_site", "location": "Echo", "capacity": 3000},
        }
    )
    path = s.to_toml(tmp_path / "tiny.toml")
    # The network is written beside the scenario, and the file names it.
    assert (tmp_path / "tiny_locations.csv").exists() and (tmp_path / "tiny_routes.csv").exists()
    again = corridor.Scenario.from_toml(path)
    assert again["network"] == {"locations": "tiny_locations.csv", "routes": "tiny_routes.csv"}
    same_run(s.run(progress=False), again.run(progress=False))


def test_numpy_and_pandas_values_serialise(tiny):
    s = tiny_scenario(tiny)
    s.set("events[0].people", np.float64(1234.0))
    s.set("events[0].over_days", np.int64(2))
    s["start"] = pd.Timestamp("2026-02-01")
    core = s.validate()
    assert core.start_date == "2026-02-01"
    assert core.events[0]["people"] == 1234.0 and core.events[0]["over_days"] == 2


def test_pickle(tiny):
    for s in (corridor.Scenario.from_toml(SCENARIO), tiny_scenario(tiny)):
        again = pickle.loads(pickle.dumps(s))
        assert again == s and again.name == s.name and again.base_dir == s.base_dir
        same_run(s.run(progress=False), again.run(progress=False))


# ------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda s: s.set("events[0].peeple", 3),
            r"events\[0\] \(displacement\): unknown key 'peeple' \(did you mean 'people'\?\)",
        ),
        (
            lambda s: s.set("events[0].location", "Alfa"),
            r"events\[0\] \(displacement\): location: unknown location 'Alfa'",
        ),
        (
            lambda s: s.set(
                "events[0].cohorts",
                {"women": 0.5, "men": 0.6, "children": 0.0, "unaccompanied_minors": 0.0},
            ),
            r"events\[0\] \(displacement\): cohorts: the shares sum to 1.1, must sum to 1",
        ),
        (
            lambda s: s.set("events[0].people", -5),
            r"events\[0\] \(displacement\): people: -5 must be >= 0",
        ),
    ],
)
def test_python_built_errors_name_the_scenario_event_and_key(tiny, edit, expected):
    s = tiny_scenario(tiny)
    edit(s)
    with pytest.raises(corridor.InputError, match=expected) as info:
        s.validate()
    message = str(info.value)
    assert message.startswith("<scenario tiny>")
    assert " line " not in message  # lines of generated text would mislead
    with pytest.raises(corridor.InputError):
        s.run(progress=False)


def test_file_errors_name_the_file_and_line(tmp_path):
    text = SCENARIO.read_text().replace('location = "Qarvel"', 'location = "Qarvell"')
    (tmp_path / "bad.toml").write_text(text)
    for name in ("locations.csv", "routes.csv"):
        (tmp_path / name).write_bytes((EXERCISE / name).read_bytes())
    s = corridor.Scenario.from_toml(tmp_path / "bad.toml")
    line = text.splitlines().index('location = "Qarvell"') + 1
    with pytest.raises(
        corridor.InputError,
        match=rf"bad.toml line {line}: events\[0\] \(displacement\): location: unknown location "
        r"'Qarvell' \(did you mean 'Qarvel'\?\)",
    ):
        s.validate()


def test_edited_file_errors_say_so():
    s = corridor.Scenario.from_toml(SCENARIO)
    s.set("events[1].cohorts.men", 0.5)
    with pytest.raises(corridor.InputError) as info:
        s.validate()
    message = str(info.value)
    assert message.startswith(
        f"{SCENARIO} (as edited in Python): events[1] (displacement): cohorts"
    )
    assert "must sum to 1" in message


def test_toml_syntax_error_names_file_and_line(tmp_path):
    (tmp_path / "broken.toml").write_text('name = "x"\ndays = = 3\n')
    with pytest.raises(corridor.InputError, match=r"broken.toml: .*line 2"):
        corridor.Scenario.from_toml(tmp_path / "broken.toml")
    with pytest.raises(corridor.IoError, match="missing.toml"):
        corridor.Scenario.from_toml(tmp_path / "missing.toml")


def test_engines(tiny):
    s = tiny_scenario(tiny)
    assert s.run(progress=False).info["engine"] == "expected"
    p = s.run(engine="agents", seed=4, progress=False)
    assert (p.info["engine"], p.info["seed"]) == ("agents", 4)
    # The scenario's engine and seed are the defaults; run's arguments override them.
    s["engine"] = "agents"
    s["seed"] = 4
    again = s.run(progress=False)
    assert again.info["engine"] == "agents"
    np.testing.assert_array_equal(again.raw["population"], p.raw["population"])
    assert s.run(engine="expected", progress=False).info["engine"] == "expected"
    with pytest.raises(corridor.InputError, match="unknown engine 'fast'"):
        s.run(engine="fast")
    with pytest.raises(corridor.InputError, match="seed: -1 must be an integer >= 0"):
        s.run(seed=-1)


# ------------------------------------------------------------------------------ the C++ view


def test_core_view_of_the_exercise():
    core = corridor.Scenario.from_toml(SCENARIO).validate()
    assert (core.name, core.start_date, core.days, core.engine, core.seed) == (
        "Exercise Grey Heron",
        "2027-03-01",
        120,
        "expected",
        0,
    )
    assert core.num_events == 5 and core.num_triggers == 2
    closure = core.events[3]
    assert closure["type"] == "close_border" and closure["until_day"] == 60
    assert closure["countries"] == ["Ternadia", "Orvalia"]
    assert closure["capacity"] is None  # unchanged
    assert core.events[2]["capacity"] == 15000 and core.events[2]["screening_per_day"] == 1500
    trigger = core.triggers[0]
    assert trigger["location"] == "Sedra Plain Camp" and trigger["metric"] == "occupancy"
    assert trigger["above"] and trigger["threshold"] == 0.9
    assert trigger["then"]["type"] == "open_site" and trigger["then"]["locations"] == [
        "Overflow Site A"
    ]
    assert "scenario.toml" in trigger["where"]
    assert core.planning == _core.default_planning()
    assert core.movement == _core.default_movement()
    assert core.network.num_locations == 56


def test_read_scenario_matches_parse():
    a = _core.read_scenario(str(SCENARIO))
    b = corridor.Scenario.from_toml(SCENARIO).validate()
    assert a.events == b.events and a.triggers == b.triggers


def test_run_expected_on_a_flee_case():
    import warnings

    import corridor.flee as flee

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flee.UnsupportedSettingWarning)
        case = flee.load_case(TINY.parent / "flee_mini")
    days_seen = []
    out = _core.run_expected(case._core, days_seen.append)
    assert out["days"] == case.days == len(days_seen)
    assert out["population"].shape == (case.days, case.network.num_locations)
    total = out["population"].sum(axis=1) + out["in_transit"] + out["departed"]
    np.testing.assert_allclose(total, out["spawned"], rtol=1e-9, atol=1e-9)
