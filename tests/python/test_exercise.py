"""Table-top exercise mode: stepping, injects and decisions, branching, the log and replay."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import EXERCISE

import corridor
from corridor.exercise import Exercise

SCENARIO = EXERCISE / "scenario.toml"
INJECT = {"type": "displacement", "location": "Hessamir", "people": 30_000, "over_days": 5}
DECISION = {"type": "open_site", "location": "Overflow Site B", "capacity": 8000}


@pytest.fixture(scope="module")
def scenario() -> corridor.Scenario:
    return corridor.Scenario.from_toml(SCENARIO)


def _equal(a: corridor.Projection, b: corridor.Projection, days: int) -> bool:
    keys = ("population", "arrivals", "backlog", "capacity", "route_flow", "screened")
    return all(np.array_equal(a.raw[k][:days], b.raw[k][:days]) for k in keys)


@pytest.mark.parametrize("engine", ["expected", "agents"])
def test_stepping_is_the_prefix_of_the_whole_run(scenario, engine):
    # The state after N days of an exercise is exactly the first N days of the scenario run:
    # stepping by replay is exact, for both engines.
    whole = scenario.run(engine=engine, seed=4, progress=False, threads=1)
    ex = corridor.Exercise(scenario, engine=engine, seed=4)
    assert ex.day == 0 and ex.horizon == 120
    p = ex.step(10)
    assert p.days == 10 and _equal(p, whole, 10)
    p = ex.step(25)  # past the Hessamir displacement (day 21) and the border closure (day 30)
    assert ex.day == 35 and p.days == 35 and _equal(p, whole, 35)
    assert ex.run_to(120).days == 120 and _equal(ex.projection, whole, 120)


def test_a_decision_changes_only_the_days_from_when_it_is_taken(scenario):
    ex = Exercise(scenario)
    ex.step(20)
    before = ex.projection
    logged = ex.decide({"type": "close_location", "location": "Sedra Plain Camp"},
                       note="Ternadia suspends admissions")
    assert logged["day"] == 20 and logged["note"] == "Ternadia suspends admissions"
    p = ex.step(15)
    whole = scenario.run(progress=False)
    assert _equal(p, whole, 20)  # the past is untouched
    sedra = p.locations.index("Sedra Plain Camp")
    # closed from day 20: nobody arrives any more, unlike the scenario without the decision
    assert p.raw["arrivals"][20:, sedra].sum() == 0
    assert whole.raw["arrivals"][20:35, sedra].sum() > 0
    assert _equal(before, p, 20)


def test_a_decision_can_be_scheduled_for_a_later_day(scenario):
    ex = Exercise(scenario)
    ex.step(5)
    # Overflow Site A is a reserve site (the scenario's trigger opens it): closed until then.
    ex.decide({"type": "open_site", "location": "Overflow Site A", "capacity": 12_000, "day": 12})
    p = ex.step(20)
    a = p.locations.index("Overflow Site A")
    assert not p.raw["open"][11, a] and p.raw["open"][12, a]
    assert p.raw["capacity"][12, a] == 12_000


def test_branches_are_independent(scenario):
    ex = Exercise(scenario)
    ex.step(20)
    ex.inject(INJECT, note="Inject 1: shelling of Hessamir")
    alt = ex.branch()
    alt.decide({"type": "close_border", "countries": ["Ternadia", "Orvalia"], "until_day": 50})
    ex.decide(DECISION)
    ex.step(15)
    alt.step(15)
    assert list(ex.log["kind"]) == ["step", "inject", "decision", "step"]
    assert list(alt.log["type"].fillna("")) == ["", "displacement", "close_border", ""]
    assert not np.array_equal(ex.projection.raw["population"], alt.projection.raw["population"])
    both = ex.compare(alt, labels=("open B", "close border"))
    assert set(both.columns.get_level_values(0)) == {"open B", "close border", "change"}
    # In the branch that decided nothing about Overflow Site B it is open from day 0 (a site
    # is held closed only when an open_site names it), so both have people there; the
    # decision opened it with a capacity of 8,000 in one branch only.
    assert both.loc["Overflow Site B", ("open B", "peak_population")] > 0
    cap = ex.projection.raw["capacity"][:, ex.projection.locations.index("Overflow Site B")]
    assert cap[-1] == 8000


def test_the_log_replays_exactly(scenario, tmp_path):
    ex = Exercise(scenario, engine="agents", seed=9)
    ex.step(18)
    ex.inject(INJECT, note="Inject 1")
    ex.decide(DECISION, note="Decision 1")
    ex.step(7)
    ex.decide({"type": "set_capacity", "location": "Ambrel Reception Centre",
               "screening_per_day": 900})
    ex.step(5)
    path = ex.save_log(tmp_path / "exercise.jsonl")
    lines = path.read_text().splitlines()
    header = json.loads(lines[0])
    assert header["corridor_exercise"] == 1 and header["engine"] == "agents" and header["seed"] == 9
    assert len(lines) == 7
    again = Exercise.replay(SCENARIO, path)
    assert again.day == 30 and again.engine == "agents" and again.seed == 9
    assert np.array_equal(again.projection.raw["population"], ex.projection.raw["population"])
    assert again.log.drop(columns="date").equals(ex.log.drop(columns="date"))
    part = Exercise.replay(SCENARIO, path, until=3)
    assert part.day == 18 and len(part.log) == 3
    assert [tmp.name for tmp in tmp_path.iterdir()] == ["exercise.jsonl"]


def test_log_frame(scenario):
    ex = Exercise(scenario)
    ex.step(3)
    ex.inject(INJECT, note="a note")
    log = ex.log
    assert list(log.columns) == ["day", "date", "kind", "type", "description", "note"]
    row = log.iloc[1]
    assert row["kind"] == "inject" and row["day"] == 3
    assert row["description"] == "displacement Hessamir 30,000 people over 5 days"
    assert str(row["date"].date()) == "2027-03-04"


@pytest.mark.parametrize(
    "event",
    [
        {"type": "displacement", "location": "Hessamir", "people": 20_000, "over_days": 3},
        {"type": "close_route", "from": "Kelmar", "to": "Kelmar Bridge Crossing", "until_day": 40},
        {"type": "close_location", "location": "Sedra Plain Camp"},
        {"type": "close_border", "countries": ["Karvessa", "Isolmar"]},
        {"type": "close_site", "location": "Sallet IDP Camp", "until_day": 30},
        {"type": "set_capacity", "location": "Ambrel Reception Centre", "screening_per_day": 2000},
        {"type": "open_site", "location": "Overflow Site A", "capacity": 10_000},  # a reserve
        {"type": "open_site", "location": "Overflow Site B", "capacity": 8_000},  # an open site
        {"type": "open_site", "location": "Tamsel Plain Camp"},  # open, no figures: unchanged
    ],
    ids=lambda e: e["type"] + ":" + str(e.get("location", e.get("countries", e.get("from")))),
)
def test_no_decision_rewrites_the_days_played(scenario, event):
    ex = Exercise(scenario)
    ex.step(20)
    before = ex.projection
    ex.decide(event)
    after = ex.step(10)
    assert _equal(before, after, 20)
    assert before.raw["open"][:20].tolist() == after.raw["open"][:20].tolist()


# ------------------------------------------------------------------------------ bad input


def test_bad_decisions_are_refused_and_not_logged(scenario):
    ex = Exercise(scenario)
    ex.step(10)
    with pytest.raises(corridor.InputError, match=r"decision 1 \(open_site\): dated day 5, in the past: "
                                                   r"the exercise is at day 10"):
        ex.decide({**DECISION, "day": 5})
    with pytest.raises(corridor.InputError, match=r"decision 1 \(open_site\): location: unknown "
                                                   r"location 'Nowhere'"):
        ex.decide({"type": "open_site", "location": "Nowhere"})
    with pytest.raises(corridor.InputError, match=r"inject 1: the event has no 'type'"):
        ex.inject({"location": "Hessamir"})
    with pytest.raises(corridor.InputError, match=r"past the scenario's 120 days"):
        ex.decide({**DECISION, "day": 200})
    with pytest.raises(corridor.InputError, match=r"step: 200 day\(s\) from day 10"):
        ex.step(200)
    with pytest.raises(corridor.InputError, match=r"step: days 0 must be"):
        ex.step(0)
    assert list(ex.log["kind"]) == ["step"]
    with pytest.raises(corridor.InputError, match="has not started"):
        Exercise(scenario).projection  # noqa: B018


def test_replay_refuses_a_log_that_does_not_match(scenario, tmp_path):
    ex = Exercise(scenario)
    ex.step(10)
    ex.decide(DECISION)
    path = ex.save_log(tmp_path / "log.jsonl")
    other = scenario.copy()
    other["events"][0]["people"] = 100_000
    with pytest.raises(corridor.InputError, match=r"log.jsonl line 1: the log was saved from "
                                                   r"scenario 'Exercise Grey Heron' with other content"):
        Exercise.replay(other, path)
    lines = path.read_text().splitlines()
    bad = json.loads(lines[2])
    bad["day"] = bad["event"]["day"] = 3
    (tmp_path / "past.jsonl").write_text("\n".join([*lines[:2], json.dumps(bad)]) + "\n")
    with pytest.raises(corridor.InputError, match=r"past.jsonl line 3: decision \(open_site\): "
                                                   r"dated day 3, in the past"):
        Exercise.replay(scenario, tmp_path / "past.jsonl")
    (tmp_path / "kind.jsonl").write_text(lines[0] + '\n{"kind": "wish"}\n')
    with pytest.raises(corridor.InputError, match=r"kind.jsonl line 2: unknown kind 'wish'"):
        Exercise.replay(scenario, tmp_path / "kind.jsonl")
    (tmp_path / "not.jsonl").write_text('{"a": 1}\n')
    with pytest.raises(corridor.InputError, match=r"not.jsonl line 1: not a corridor exercise log"):
        Exercise.replay(scenario, tmp_path / "not.jsonl")


def test_sitreps_follow_the_exercise(scenario, tmp_path):
    ex = Exercise(scenario)
    ex.step(30)
    first = ex.sitrep(tmp_path / "day29.html")
    assert [p.name for p in first] == ["day29.html"]
    ex.inject(INJECT, note="Inject 1: shelling of Hessamir")
    ex.decide({"type": "open_site", "location": "Overflow Site A", "capacity": 10_000},
              note="Decision 1: open the overflow site early")
    ex.step(10)
    page = ex.sitrep()  # HTML text; changes since the previous report (day 29)
    assert "day 39" in page.lower()
    assert "Changes since day 29" in page
    assert "Decision 1: open the overflow site early (open site Overflow Site A" in page
    assert "Inject 1: shelling of Hessamir (displacement Hessamir" in page


def test_cli_sitrep_of_a_saved_exercise(scenario, tmp_path, capsys):
    from corridor import cli

    ex = Exercise(scenario)
    ex.step(25)
    ex.decide({"type": "set_capacity", "location": "Ambrel Reception Centre",
               "screening_per_day": 1400}, note="Decision 1: four screening teams")
    ex.step(5)
    log = ex.save_log(tmp_path / "ex.jsonl")
    out = tmp_path / "report.html"
    assert cli.main(["sitrep", str(SCENARIO), "--exercise", str(log), "--since", "20",
                     "-o", str(out)]) == 0
    page = out.read_text()
    assert "Decision 1: four screening teams (set capacity Ambrel Reception Centre" in page
    assert "day 29" in page.lower()
