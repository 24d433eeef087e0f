"""Property tests (hypothesis): random small networks and scenarios, and the Flee mini case.

Every engine conserves people every day (spawned = at locations + in transit + departed);
closing every route out of a place keeps everyone there; the expected engine does not depend on
the order of the input rows; the agent engine gives the same result for 1 and N threads; and
pickled objects (Network, Scenario, Projection, FleeCase) give identical runs.

Examples are kept small (at most 8 places, 40 days) and few, so the file runs in well under a
minute; tests/cpp/test_properties.cpp checks the same properties on fixed seeds in C++.
``database=None``: no ``.hypothesis/`` folder is written into the tree.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import corridor
import corridor.flee

FLEE_MINI = ROOT / "tests" / "data" / "flee_mini"
KINDS = ["town", "transit", "border_crossing", "camp", "reception", "destination"]

PRIMES = [p for p in range(2, 200) if all(p % q for q in range(2, int(p**0.5) + 1))]
PROPERTY = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def cases(draw, max_places: int = 8):
    """A random connected network (as two DataFrames) and a scenario document for it."""
    n = draw(st.integers(3, max_places))
    names = [f"P{i}" for i in range(n)]
    coords = st.floats(0.0, 3.0, allow_nan=False)
    locations = pd.DataFrame(
        {
            "name": names,
            # Both countries exist (close_border names them), the rest at random.
            "country": ["A", "B"] + [draw(st.sampled_from(["A", "A", "B"])) for _ in names[2:]],
            "lat": [draw(coords) for _ in names],
            "lon": [10.0 + draw(coords) for _ in names],
            "kind": ["conflict_zone"] + [draw(st.sampled_from(KINDS)) for _ in names[1:]],
            "population": [float(draw(st.integers(0, 5000))) for _ in names],
            "capacity": [
                draw(st.one_of(st.just(np.nan), st.integers(0, 3000).map(float))) for _ in names
            ],
            "screening_per_day": [
                draw(st.one_of(st.just(np.nan), st.integers(0, 400).map(float))) for _ in names
            ],
        }
    )
    pairs = [(draw(st.integers(0, i - 1)), i) for i in range(1, n)]  # a tree: all reachable
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=n))
    pairs += [(a, b) for a, b in extra if a != b]
    routes = pd.DataFrame(
        {
            "from": [names[a] for a, _ in pairs],
            "to": [names[b] for _, b in pairs],
            # Generic lengths: an offset of sqrt(k-th prime) m keeps any two paths from being
            # exactly as long. On exact ties the engines break by input order (see
            # docs/reliability.md), which the input-order property would otherwise trip on.
            "distance_km": [
                draw(st.floats(5.0, 400.0)) + 1e-3 * np.sqrt(PRIMES[k]) for k in range(len(pairs))
            ],
            "capacity_per_day": [
                draw(st.one_of(st.just(np.nan), st.integers(0, 500).map(float))) for _ in pairs
            ],
        }
    )
    days = draw(st.integers(1, 40))
    events = []
    for _ in range(draw(st.integers(1, 3))):
        events.append(
            {
                "type": "displacement",
                "day": draw(st.integers(0, days - 1)),
                "location": names[draw(st.integers(0, n - 1))],
                "people": draw(st.integers(0, 3000)),
                "over_days": draw(st.integers(1, 10)),
            }
        )
    for _ in range(draw(st.integers(0, 2))):
        k = draw(st.integers(0, len(pairs) - 1))
        closure = {
            "type": "close_route",
            "day": draw(st.integers(0, days - 1)),
            "from": names[pairs[k][0]],
            "to": names[pairs[k][1]],
        }
        if draw(st.booleans()):
            closure["until_day"] = draw(st.integers(closure["day"] + 1, days + 5))
        events.append(closure)
    if draw(st.booleans()):
        events.append(
            {"type": "close_border", "day": draw(st.integers(0, days - 1)), "countries": ["A", "B"]}
        )
    doc = {"name": "property", "start": "2027-03-01", "days": days, "seed": 5, "events": events}
    return locations, routes, doc


def project(locations, routes, doc, engine="expected", threads=None) -> corridor.Projection:
    net = corridor.Network.from_frames(locations, routes)
    return corridor.Scenario(doc, network=net).run(engine=engine, progress=False, threads=threads)


ACCOUNT = ["at_locations", "in_reception", "in_transit", "transferring", "departed", "returned"]


def assert_conserved(balance: pd.DataFrame, exact: bool) -> None:
    scale = np.maximum(1.0, balance["spawned"].to_numpy(float))
    error = np.abs(balance["spawned"] - balance[ACCOUNT].sum(axis=1)).to_numpy(float)
    if exact:
        assert (error == 0).all(), balance[error != 0]
    else:
        assert (error <= 1e-9 * scale).all(), balance[error > 1e-9 * scale]


def per_name(p: corridor.Projection) -> dict[str, np.ndarray]:
    """People per location name: days x cohorts."""
    return {name: p.raw["population"][:, i, :] for i, name in enumerate(p.locations)}


@st.composite
def pathway_cases(draw):
    """A random case with reception pathways: streams of every kind with random shares, places,
    days and daily limits, perhaps quarantine stages and outbreaks."""
    locations, routes, doc = draw(cases())
    names = list(locations["name"])
    n = len(names)
    kinds = draw(st.lists(st.sampled_from(["procedure", "return", "onward", "release"]),
                          min_size=1, max_size=4))
    raw = [draw(st.floats(0.0, 1.0)) for _ in kinds]
    raw[0] += 1e-3  # never all zero
    shares = [x / sum(raw) for x in raw]
    shares[-1] = 1.0 - sum(shares[:-1])
    streams = []
    for i, (kind, share) in enumerate(zip(kinds, shares)):
        stream = {"type": kind, "name": f"s{i}", "shares": max(0.0, min(1.0, share)),
                  "duration_days": draw(st.integers(0, 6))}
        if draw(st.booleans()):
            stream["capacity"] = draw(st.integers(1, 300))
        if kind == "procedure":
            stream["stay"] = draw(st.booleans())
        if kind == "return":
            stream["origin"] = names[draw(st.integers(0, n - 1))]
        if kind == "onward":
            stream["destinations"] = sorted({names[draw(st.integers(0, n - 1))] for _ in range(2)})
            stream["travel_days"] = draw(st.integers(1, 4))
        if kind in ("return", "onward") and draw(st.booleans()):
            stream["per_day"] = draw(st.integers(0, 80))
        streams.append(stream)
    doc["streams"] = streams
    if draw(st.booleans()):
        doc["quarantine"] = [{"locations": [names[draw(st.integers(0, n - 1))]],
                              "days": draw(st.integers(1, 5)),
                              "capacity": draw(st.integers(0, 500))}]
    if draw(st.booleans()):
        outbreak = {"type": "outbreak", "day": draw(st.integers(0, doc["days"] - 1)),
                    "location": names[draw(st.integers(0, n - 1))],
                    "capacity_factor": draw(st.floats(0.0, 1.0)),
                    "suspend_arrivals": draw(st.booleans())}
        if draw(st.booleans()):
            outbreak["until_day"] = draw(st.integers(outbreak["day"] + 1, doc["days"] + 3))
        doc["events"].append(outbreak)
    return locations, routes, doc


# ---------------------------------------------------------------------------------- conservation
@PROPERTY
@given(pathway_cases())
@pytest.mark.parametrize("engine", ["expected", "agents"])
def test_reception_pathways_conserve_people_every_day(engine, case):
    locations, routes, doc = case
    p = project(locations, routes, doc, engine=engine)
    assert_conserved(p.balance, exact=engine == "agents")
    r = p.raw
    assert (r["population"] >= 0).all()
    for key in ("stream_waiting", "stream_in_process", "stream_referred", "in_quarantine"):
        assert (r[key] >= -1e-9).all(), key
    # Everyone at a place, in the engine or held by the pathways, is in `population`.
    np.testing.assert_allclose(r["population"].sum(axis=(1, 2)),
                               r["at_locations"] + r["in_reception"], rtol=1e-9, atol=1e-6)
    # A procedure never has more in process than its places (returns and onward streams also
    # count, as in process, those done and waiting for a departure).
    for i, stream in enumerate(doc["streams"]):
        if "capacity" in stream and stream["type"] in ("procedure", "release"):
            held = r["stream_in_process"][:, :, i, :].sum(axis=2)
            assert (held <= stream["capacity"] + 1e-6).all()
    if engine == "agents":
        for key in ("stream_referred", "stream_returned", "stream_moved_on"):
            assert (r[key] == np.round(r[key])).all(), key


# ---------------------------------------------------------------------------------- conservation
@PROPERTY
@given(cases())
@pytest.mark.parametrize("engine", ["expected", "agents"])
def test_projections_conserve_people_every_day(engine, case):
    locations, routes, doc = case
    p = project(locations, routes, doc, engine=engine)
    assert p.days == doc["days"]
    assert_conserved(p.balance, exact=engine == "agents")
    population = p.raw["population"]
    assert (population >= 0).all()
    np.testing.assert_allclose(
        population.sum(axis=(1, 2)), p.raw["at_locations"], rtol=1e-9, atol=1e-9
    )


@settings(max_examples=6, deadline=None, database=None)
@given(seed=st.integers(0, 2**31 - 1), days=st.integers(1, 10),
       engine=st.sampled_from(["expected", "agents"]))
def test_flee_engines_conserve_people_every_day(flee_mini, seed, days, engine):
    out = corridor.flee.run(flee_mini, seed=seed, threads=2, progress=False, engine=engine)
    balance = out.balance()
    spawned = balance["spawned"].to_numpy(float)
    rest = balance[["at_locations", "in_transit", "departed"]].sum(axis=1).to_numpy(float)
    if engine == "agents":
        assert (spawned == rest).all()
    else:
        np.testing.assert_allclose(rest, spawned, rtol=1e-9, atol=1e-9)


# ---------------------------------------------------------------------------------- closures
@PROPERTY
@given(cases())
@pytest.mark.parametrize("engine", ["expected", "agents"])
def test_closing_every_route_out_of_a_place_keeps_everyone_there(engine, case):
    locations, routes, doc = case
    origin = "P0"
    doc = dict(doc)
    doc["events"] = [
        {"type": "displacement", "day": 0, "location": origin, "people": 1500, "over_days": 3}
    ] + [
        {"type": "close_route", "day": 0, "from": a, "to": b}
        for a, b in zip(routes["from"], routes["to"])
        if origin in (a, b)
    ]
    p = project(locations, routes, doc, engine=engine)
    there = p.raw["population"][:, p.locations.index(origin), :].sum(axis=1)
    np.testing.assert_allclose(there, p.raw["spawned"], rtol=1e-12)
    assert (p.raw["in_transit"] == 0).all()
    assert (p.raw["departed"] == 0).all()
    assert (p.raw["route_flow"] == 0).all()


# ---------------------------------------------------------------------------------- input order
@PROPERTY
@given(cases(), st.randoms(use_true_random=False))
def test_expected_engine_is_invariant_to_input_order(case, rnd):
    locations, routes, doc = case
    # Route capacities included: a hop takes its path's own link, not the first parallel link
    # in input order (docs/reliability.md, "Findings").
    loc_order = list(range(len(locations)))
    route_order = list(range(len(routes)))
    rnd.shuffle(loc_order)
    rnd.shuffle(route_order)
    a = project(locations, routes, doc)
    b = project(
        locations.iloc[loc_order].reset_index(drop=True),
        routes.iloc[route_order].reset_index(drop=True),
        doc,
    )
    pa, pb = per_name(a), per_name(b)
    for name in pa:
        np.testing.assert_allclose(pb[name], pa[name], rtol=1e-9, atol=1e-9, err_msg=name)
    for key in ("spawned", "at_locations", "in_transit", "departed"):
        np.testing.assert_allclose(b.raw[key], a.raw[key], rtol=1e-9, atol=1e-9, err_msg=key)


@PROPERTY
@given(cases(), st.randoms(use_true_random=False))
def test_expected_engine_is_invariant_to_location_order_with_route_capacities(case, rnd):
    locations, routes, doc = case
    loc_order = list(range(len(locations)))
    rnd.shuffle(loc_order)
    a = project(locations, routes, doc)
    b = project(locations.iloc[loc_order].reset_index(drop=True), routes, doc)
    pa, pb = per_name(a), per_name(b)
    for name in pa:
        np.testing.assert_allclose(pb[name], pa[name], rtol=1e-9, atol=1e-9, err_msg=name)


def test_parallel_capped_routes_do_not_depend_on_route_order():
    # The reproducer of docs/reliability.md "Findings": parallel routes with and without a
    # daily capacity moved up to 6.3 people when the routes were reversed.
    locations = pd.DataFrame({
        "name": ["P0", "P1", "P2", "P3"], "country": ["A", "B", "A", "A"],
        "lat": [0.0, 1.0, 2.0, 0.5], "lon": [10.0, 11.0, 10.5, 12.0],
        "kind": ["conflict_zone", "town", "camp", "town"], "population": [1000.0] * 4,
        "capacity": [np.nan] * 4, "screening_per_day": [np.nan] * 4,
    })
    routes = pd.DataFrame({
        "from": ["P0", "P0", "P1", "P1", "P3", "P0", "P2"],
        "to": ["P1", "P2", "P3", "P2", "P0", "P3", "P1"],
        "distance_km": [218.468006, 395.209723, 25.002236, 140.662857, 278.583277, 387.369161,
                        334.384823],
        "capacity_per_day": [186, 138, 258, np.nan, 298, np.nan, 120],
    })
    doc = {"name": "reproducer", "start": "2027-03-01", "days": 20, "events": [
        {"type": "displacement", "day": 5, "location": "P0", "people": 33, "over_days": 2},
        {"type": "close_route", "day": 5, "from": "P0", "to": "P2", "until_day": 10},
    ]}
    a = per_name(project(locations, routes, doc))
    b = per_name(project(locations, routes.iloc[::-1].reset_index(drop=True), doc))
    for name in a:
        np.testing.assert_allclose(b[name], a[name], rtol=1e-12, atol=1e-12, err_msg=name)


# ---------------------------------------------------------------------------------- threads
@settings(max_examples=15, deadline=None, database=None)
@given(cases(), st.integers(2, 4))
def test_agents_same_result_for_1_and_n_threads(case, threads):
    locations, routes, doc = case
    one = project(locations, routes, doc, engine="agents", threads=1)
    many = project(locations, routes, doc, engine="agents", threads=threads)
    for key in ("population", "arrivals", "backlog", "route_flow", "in_transit", "departed"):
        np.testing.assert_array_equal(many.raw[key], one.raw[key], err_msg=key)


@settings(max_examples=3, deadline=None, database=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_flee_agents_same_result_for_1_and_2_threads(flee_mini, seed):
    one = corridor.flee.run(flee_mini, seed=seed, threads=1, progress=False)
    two = corridor.flee.run(flee_mini, seed=seed, threads=2, progress=False)
    for key in ("population", "spawned", "in_transit", "departed"):
        np.testing.assert_array_equal(two.raw[key], one.raw[key], err_msg=key)


# ---------------------------------------------------------------------------------- pickling
@settings(max_examples=10, deadline=None, database=None)
@given(cases(), st.sampled_from(["expected", "agents"]))
def test_pickled_objects_give_identical_runs(case, engine):
    locations, routes, doc = case
    net = corridor.Network.from_frames(locations, routes)
    scenario = corridor.Scenario(doc, network=net)
    net2 = pickle.loads(pickle.dumps(net))
    scenario2 = pickle.loads(pickle.dumps(scenario))
    p = scenario.run(engine=engine, progress=False)
    runs = [
        scenario2.run(engine=engine, progress=False),
        corridor.Scenario(doc, network=net2).run(engine=engine, progress=False),
    ]
    p_back = pickle.loads(pickle.dumps(p))
    for other in [*runs, p_back]:
        assert other.raw.keys() == p.raw.keys()
        for key, value in p.raw.items():
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(other.raw[key], value, err_msg=key)
            else:
                assert other.raw[key] == value, key
    pd.testing.assert_frame_equal(p_back.balance, p.balance)


def test_pickled_flee_case_gives_identical_runs(flee_mini):
    clone = pickle.loads(pickle.dumps(flee_mini))
    for engine in ("agents", "expected"):
        a = corridor.flee.run(flee_mini, seed=3, progress=False, engine=engine)
        b = corridor.flee.run(clone, seed=3, progress=False, engine=engine)
        for key in ("population", "spawned", "in_transit", "departed"):
            np.testing.assert_array_equal(b.raw[key], a.raw[key], err_msg=f"{engine} {key}")


@pytest.fixture(scope="module")
def flee_mini():
    return corridor.flee.load_case(FLEE_MINI, warn=False)


# ---------------------------------------------------------------------------------- limits
def _tiny_case():
    locations = pd.DataFrame({"name": ["A", "B"], "lat": [0.0, 0.0], "lon": [10.0, 10.5],
                              "kind": ["conflict_zone", "camp"], "country": ["X", "Y"]})
    routes = pd.DataFrame({"from": ["A"], "to": ["B"], "distance_km": [50.0]})
    doc = {"name": "limits", "start": "2027-03-01", "days": 30,
           "events": [{"type": "displacement", "day": 0, "location": "A", "people": 10_000}]}
    return locations, routes, doc


@pytest.mark.parametrize("engine", ["expected", "agents"])
def test_a_run_too_large_for_the_memory_limit_fails_early(monkeypatch, engine):
    locations, routes, doc = _tiny_case()
    project(locations, routes, doc, engine=engine)  # fits the machine
    monkeypatch.setenv("CORRIDOR_MEMORY_LIMIT_BYTES", "2000")  # 30 days x 2 places: ~12 kB
    with pytest.raises(corridor.InputError, match=r"needs about [0-9.]+ kB .*CORRIDOR_MEMORY_LIMIT_BYTES"):
        project(locations, routes, doc, engine=engine)


def test_agents_count_in_the_memory_estimate(monkeypatch):
    locations, routes, doc = _tiny_case()
    doc["events"][0]["people"] = 100_000_000  # 4 GB of agents
    monkeypatch.setenv("CORRIDOR_MEMORY_LIMIT_BYTES", str(1_000_000_000))
    project(locations, routes, doc, engine="expected")  # expected numbers: no agents
    with pytest.raises(corridor.InputError, match=r"100000000 agents"):
        project(locations, routes, doc, engine="agents")


def test_a_projection_larger_than_the_machine_fails_with_an_estimate():
    locations, routes, doc = _tiny_case()
    doc["days"] = 2_000_000_000  # ~1 TB of daily arrays for two places
    with pytest.raises(corridor.InputError, match=r"needs about [0-9.]+ GB .*physical memory"):
        project(locations, routes, doc)


def test_a_flee_case_too_large_for_the_memory_limit_fails_early(monkeypatch, flee_mini):
    monkeypatch.setenv("CORRIDOR_MEMORY_LIMIT_BYTES", "100")
    with pytest.raises(corridor.InputError, match=r"case 'flee_mini': needs about"):
        corridor.flee.run(flee_mini, progress=False)
