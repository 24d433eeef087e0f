"""Reception pathways from Python: streams, quarantine and outbreaks in a scenario, the tables
and files they give, the conservation account, and bad input named by stream and line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyogrio
import pytest
from conftest import EXERCISE

import corridor

PATHWAYS = EXERCISE / "pathways.toml"


@pytest.fixture(scope="module")
def scenario() -> corridor.Scenario:
    return corridor.Scenario.from_toml(PATHWAYS)


@pytest.fixture(scope="module", params=["expected", "agents"])
def projection(request, scenario) -> corridor.Projection:
    return scenario.run(engine=request.param, seed=3, progress=False)


def test_every_person_is_in_exactly_one_place_or_stream(projection):
    b = projection.balance
    parts = ["at_locations", "in_reception", "in_transit", "transferring", "departed", "returned"]
    assert np.allclose(b["spawned"], b[parts].sum(axis=1), rtol=1e-9, atol=1e-6)
    assert (b["error"].abs() <= 1e-6 * b["spawned"].clip(lower=1)).all()
    assert b["returned"].iloc[-1] > 0 and b["in_reception"].iloc[-1] > 0
    assert b["returned"].is_monotonic_increasing
    # In reception = quarantine + screening queue + streams at the sites, day by day.
    st = projection.streams.groupby("day")[["waiting", "in_process", "completed"]].sum().sum(axis=1)
    q = projection.quarantine.groupby("day")[["waiting", "in_quarantine"]].sum().sum(axis=1)
    sites = list(dict.fromkeys(projection.streams["site"]))
    backlog = projection.sites.query("site in @sites").groupby("day")["backlog"].sum()
    assert np.allclose(st + q + backlog, b["in_reception"], rtol=1e-9, atol=1e-6)
    # The returned went back to Qarvel, the stream's origin.
    back = projection.raw["returned_to"].sum(axis=0)
    qarvel = projection.locations.index("Qarvel")
    assert back[qarvel] == pytest.approx(b["returned"].iloc[-1])


def test_streams_table_per_site_stream_cohort_and_day(projection, scenario):
    st = projection.streams
    sites = ["Ambrel Reception Centre", "Idrassa Reception Centre", "Kastwell Reception Centre",
             "Anselm Reception Centre"]
    streams = ["asylum", "trafficking support", "family tracing", "voluntary return",
               "transfer to camps", "released"]
    assert list(st.columns) == ["date", "day", "site", "stream", "type", "cohort", "waiting",
                                "in_process", "completed", "referred", "returned", "moved_on"]
    assert len(st) == 120 * len(sites) * len(streams) * 4
    assert set(st["site"]) == set(sites) and list(dict.fromkeys(st["stream"])) == streams
    # Only unaccompanied minors are traced; only return sends people back.
    tracing = st[st["stream"] == "family tracing"]
    assert tracing.loc[tracing["cohort"] != "unaccompanied_minors", "referred"].sum() == 0
    assert tracing["referred"].sum() > 0
    assert st.loc[st["stream"] != "voluntary return", "returned"].sum() == 0
    # Referral follows the shares: of the women screened at a site, 4 % go to voluntary return.
    women = st[(st["cohort"] == "women") & (st["site"] == "Ambrel Reception Centre")]
    by_stream = women.groupby("stream")["referred"].sum()
    assert by_stream["voluntary return"] / by_stream.sum() == pytest.approx(0.04, abs=2e-3)
    # A stream never holds more than its places in process (asylum: 4,000 per site).
    asylum = st[st["stream"] == "asylum"].groupby(["site", "day"])["in_process"].sum()
    assert asylum.max() <= 4000 + 1e-6
    # The summary agrees with the table.
    summary = projection.stream_summary().set_index(["site", "stream"])
    total = st.groupby(["site", "stream"])["referred"].sum()
    assert np.allclose(summary["referred"], total.reindex(summary.index))


def test_outbreak_suspends_arrivals_and_halves_screening(projection):
    s = projection.sites.set_index(["site", "day"])
    idrassa = s.loc["Idrassa Reception Centre"]
    assert (idrassa.loc[40:60, "arrivals"] == 0).all()
    assert not idrassa.loc[40:60, "open"].any() and idrassa.loc[61, "open"]
    assert (idrassa.loc[40:60, "screening_per_day"] == 300).all()
    assert idrassa.loc[39, "screening_per_day"] == 600 and idrassa.loc[61, "screening_per_day"] == 600
    assert (idrassa.loc[40:60, "capacity"] == 4000).all()


def test_files_and_layers(projection, tmp_path):
    out = tmp_path / "run"
    written = {p.name for p in projection.write(out)}
    assert {"streams.csv", "quarantine.csv", "balance.csv", "projection.gpkg"} <= written
    csv = pd.read_csv(out / "streams.csv")
    assert len(csv) == len(projection.streams)
    balance = pd.read_csv(out / "balance.csv")
    assert {"in_reception", "transferring", "returned"} <= set(balance.columns)
    layers = dict(pyogrio.list_layers(out / "projection.gpkg"))
    assert layers["site_streams"] == "Point"
    layer = pyogrio.read_dataframe(out / "projection.gpkg", layer="site_streams")
    assert len(layer) == 120 * 4 * 6
    assert {"start_time", "end_time", "stream", "referred", "in_process"} <= set(layer.columns)
    summary = (out / "summary.md").read_text()
    assert "## Reception pathways" in summary and "voluntary return" in summary
    ds = projection.to_xarray()
    assert ds["stream_in_process"].dims == ("day", "site", "stream", "cohort")
    assert list(ds["stream"].values)[0] == "asylum"


def test_without_pathways_nothing_changes(tmp_path):
    p = corridor.Scenario.from_toml(EXERCISE / "scenario.toml").run(progress=False)
    assert not p.has_pathways and p.streams.empty and p.quarantine.empty
    assert (p.balance[["in_reception", "transferring", "returned"]] == 0).all().all()
    assert "site_streams" not in dict(pyogrio.list_layers(p.write(tmp_path / "o")[0]))


def _with(scenario: corridor.Scenario, path: str, value) -> corridor.Scenario:
    s = scenario.copy()
    s.set(path, value)
    return s


def test_bad_input_names_the_stream_and_line(scenario):
    bad = _with(scenario, "streams[5].shares.women", 0.2)
    with pytest.raises(corridor.InputError, match=r"streams: the shares of cohort 'women' sum to 0\.9"):
        bad.validate()
    bad = _with(scenario, "streams[3].origin", "Qarvell")
    with pytest.raises(corridor.InputError,
                       match=r"streams\[3\] \(voluntary return\): origin: unknown location 'Qarvell' "
                             r"\(did you mean 'Qarvel'\?\)"):
        bad.validate()
    bad = _with(scenario, "quarantine[0].days", 0)
    with pytest.raises(corridor.InputError, match=r"quarantine\[0\]: days: 0 must be >= 1"):
        bad.validate()
    bad = _with(scenario, "events[1].capacity_factor", 2)
    with pytest.raises(corridor.InputError,
                       match=r"events\[1\] \(outbreak\): capacity_factor: 2 must be in \[0, 1\]"):
        bad.validate()


def test_streams_in_an_ensemble_and_an_exercise(scenario):
    ens = corridor.ensemble(scenario, members=4, seed=1, progress=False,
                            vary={"streams[0].duration_days": [30, 90]})
    assert len(ens.members) == 4
    ex = corridor.Exercise(scenario)
    ex.step(20)
    ex.decide({"type": "outbreak", "location": "Ambrel Reception Centre", "until_day": 30,
               "capacity_factor": 0.0})
    p = ex.step(15)
    ambrel = p.sites.set_index(["site", "day"]).loc["Ambrel Reception Centre"]
    assert (ambrel.loc[20:29, "screened"] == 0).all() and ambrel.loc[31, "screened"] > 0


def test_sitrep_has_a_pathways_section(projection):
    from html.parser import HTMLParser

    from corridor.sitrep import sitrep_html

    page = sitrep_html(projection, day=70)
    assert '<h2 id="h-pathways">Reception pathways</h2>' in page
    assert "<caption>Reception pathways on day 70</caption>" in page
    for name in ("asylum", "voluntary return", "transfer to camps", "quarantine:"):
        assert name in page
    HTMLParser().feed(page)  # parses
    plain = corridor.Scenario.from_toml(EXERCISE / "scenario.toml").run(progress=False)
    assert "h-pathways" not in sitrep_html(plain, day=10)
