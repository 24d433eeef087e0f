"""The agent engine on the four real Flee cases, against Flee's own recorded figures.

Flee itself is never run here: benchmarks/flee/ holds the figures we measured with Flee 3.1
and the commands that produced them. ``compat="flee-3.1"`` runs a case the way that runner
does, so the comparison is like for like.
"""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
import warnings
from statistics import mean

import numpy as np
import pytest
from conftest import ROOT, SHARED

import corridor.flee as flee

FLEE = SHARED / "flee"
SETTINGS = FLEE / "simsetting.yml"
RECORDED = ROOT / "benchmarks" / "flee" / "runs" / "timings.tsv"

pytestmark = pytest.mark.skipif(not FLEE.exists(), reason="shared Flee cases not present")


def recorded_flee_error(case: str) -> tuple[float, int]:
    """Mean averaged relative difference of Flee 3.1 on a case, and the number of runs."""
    with open(RECORDED, newline="") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["case"] == case]
    return mean(float(r["error_normal"]) for r in rows), len(rows)


def load(case: str, compat: str | None = "flee-3.1") -> flee.FleeCase:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flee.UnsupportedSettingWarning)
        return flee.load_case(FLEE / case, settings=SETTINGS, compat=compat)


def check_conservation(result: flee.AgentRun) -> None:
    b = result.balance()
    np.testing.assert_array_equal(b["spawned"], b["at_locations"] + b["in_transit"] + b["departed"])


@pytest.mark.parametrize(("case", "seeds", "tolerance"), [("mali2012", 10, 0.03), ("burundi2015", 10, 0.03)])
def test_within_003_of_flee_over_ten_seeds(case, seeds, tolerance):
    reference, runs = recorded_flee_error(case)
    assert runs >= 3
    c = load(case)
    errors = []
    for seed in range(seeds):
        result = flee.run(c, seed=seed, progress=False)
        check_conservation(result)
        errors.append(result.error())
    assert abs(mean(errors) - reference) <= tolerance, (mean(errors), reference)


@pytest.mark.parametrize("case", ["car2013", "ssudan2013"])
def test_within_005_of_one_flee_run(case):
    reference, runs = recorded_flee_error(case)
    assert runs >= 1
    c = load(case)
    errors = [flee.run(c, seed=seed, progress=False).error() for seed in range(2)]
    assert abs(mean(errors) - reference) <= 0.05, (errors, reference)


def test_same_seed_same_result_whatever_the_threads():
    c = load("burundi2015")
    one = flee.run(c, seed=7, threads=1, progress=False)
    two = flee.run(c, seed=7, threads=2, progress=False)
    four = flee.run(c, seed=7, threads=4, progress=False)
    np.testing.assert_array_equal(one.raw["population"], two.raw["population"])
    np.testing.assert_array_equal(one.raw["population"], four.raw["population"])
    other = flee.run(c, seed=8, threads=2, progress=False)
    assert not np.array_equal(one.raw["population"], other.raw["population"])


def test_compact_agents():
    c = load("mali2012", compat=None)
    result = flee.run(c, seed=0, progress=False)
    assert result.raw["bytes_per_agent"] < 100
    check_conservation(result)


def test_default_rules_near_the_published_flee_figure():
    # ../shared/data/flee/README.md: Flee (with conflicts.csv and capacity_scaling) 0.396 on mali.
    c = load("mali2012", compat=None)
    errors = [flee.run(c, seed=s, progress=False).error() for s in range(3)]
    assert abs(mean(errors) - 0.396) <= 0.03


def test_flee_postprocessing_reads_our_out_csv(tmp_path):
    spec = importlib.util.spec_from_file_location("flee_metric", ROOT / "benchmarks" / "flee" / "metric.py")
    metric = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(metric)
    result = flee.run(load("mali2012"), seed=3, progress=False)
    path = result.to_flee_csv(tmp_path / "out.csv")
    normal, rescaled, days = metric.averaged_relative_difference(path)
    assert days == 300
    assert normal == pytest.approx(result.error(), abs=1e-9)
    assert rescaled == pytest.approx(result.error(rescaled=True), abs=1e-9)
    header = path.read_text().splitlines()[0].split(",")
    assert header[:3] == ["Day", "Date", "Fassala-Mbera sim"]  # locations.csv order, as Flee
    assert header[-1] == "refugee_debt"


def test_xarray_and_frames():
    result = flee.run(load("mali2012"), seed=0, progress=False)
    ds = result.to_xarray()
    assert ds["population"].shape == (300, 23)
    assert list(ds["population"].dims) == ["day", "location"]
    camps = result.camps()
    assert camps.shape == (300, 14)
    assert result.population.loc[:, "Mentao"].iloc[-1] == camps[("Mentao", "sim")].iloc[-1]


def test_cli_flee(tmp_path):
    out = tmp_path / "out.csv"
    res = subprocess.run(
        [sys.executable, "-m", "corridor", "flee", str(FLEE / "mali2012"), "--settings",
         str(SETTINGS), "--seed", "1", "--threads", "2", "--compat", "flee-3.1", "-o", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert res.returncode == 0, res.stderr
    assert "averaged relative difference" in res.stdout
    assert out.exists() and len(out.read_text().splitlines()) == 301


def test_expected_engine_on_a_flee_case(tmp_path):
    """The expected engine: conserved to 1e-9, close to the agents' mean and to the data."""
    case = load("ssudan2013")
    expected = flee.run(case, engine="expected", progress=False)
    assert expected.engine == "expected" and "expected" in repr(expected)
    b = expected.balance()
    gap = (b["spawned"] - b["at_locations"] - b["in_transit"] - b["departed"]).abs()
    assert (gap <= 1e-9 * b["spawned"].clip(lower=1)).all()
    # Flee's own metric against UNHCR data: the expectation of the agents' error, roughly.
    agents = [flee.run(case, seed=s, progress=False) for s in range(3)]
    assert abs(expected.error() - mean(a.error() for a in agents)) < 0.03
    # Camp counts within 0.05 (averaged relative difference) of the agents' mean.
    sim = expected.camps().xs("sim", axis=1, level="series").to_numpy()
    avg = np.mean([a.camps().xs("sim", axis=1, level="series").to_numpy() for a in agents], axis=0)
    totals = avg.sum(axis=1)
    ard = (np.abs(sim - avg).sum(axis=1)[totals > 0] / totals[totals > 0]).mean()
    assert ard < 0.05
    assert expected.to_xarray().attrs["engine"] == "expected"
    assert expected.to_flee_csv(tmp_path / "out.csv").exists()


def test_cli_flee_expected(tmp_path):
    out = tmp_path / "out.csv"
    res = subprocess.run(
        [sys.executable, "-m", "corridor", "flee", str(FLEE / "mali2012"), "--settings",
         str(SETTINGS), "--engine", "expected", "-o", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert res.returncode == 0, res.stderr
    assert out.exists() and len(out.read_text().splitlines()) == 301
