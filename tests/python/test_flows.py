"""corridor.flows: the published examples (../shared/data/flows/README.md), labels, bad input."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import corridor
from corridor import flows

PLACES = ["A", "B", "C", "D"]
S1 = np.array([[1000, 100, 10, 0], [55, 555, 50, 5], [80, 40, 800, 40], [20, 25, 20, 200]], float)
S2 = np.array([[950, 100, 60, 0], [80, 505, 75, 5], [90, 30, 800, 40], [40, 45, 0, 180]], float)
OD = np.array([[0, 0, 50, 0], [35, 0, 25, 0], [10, 10, 0, 0], [10, 10, 0, 0]], float)
BY_BIRTH = np.array(
    [
        [[950, 0, 50, 0], [0, 100, 0, 0], [0, 0, 10, 0], [0, 0, 0, 0]],
        [[55, 0, 0, 0], [25, 505, 25, 0], [0, 0, 50, 0], [0, 0, 0, 5]],
        [[80, 0, 0, 0], [10, 30, 0, 0], [0, 0, 800, 0], [0, 0, 0, 40]],
        [[20, 0, 0, 0], [0, 25, 0, 0], [10, 10, 0, 0], [10, 10, 0, 180]],
    ],
    float,
)


def test_ipf2_willekens_seed():
    r = flows.ipf2([18, 20], [16, 22], seed=[[5, 2], [1, 7]], tol=1e-5)
    assert r.converged
    assert isinstance(r.fitted, np.ndarray)
    np.testing.assert_allclose(r.fitted, [[13.25, 4.75], [2.75, 17.25]], atol=0.005)
    np.testing.assert_allclose(r.fitted, [[13.2502, 4.7498], [2.7498, 17.2502]], atol=5e-5)
    assert np.round(r.fitted, 4).tolist() == [[13.2502, 4.7498], [2.7498, 17.2502]]


def test_ipf2_seed_of_ones():
    r = flows.ipf2([18, 20], [16, 22])
    assert r.converged and r.iterations == 1
    assert np.round(r.fitted, 2).tolist() == [[7.58, 10.42], [8.42, 11.58]]


def test_ipf2_labels():
    rows = pd.Series([18.0, 20.0], index=["north", "south"])
    cols = pd.Series([16.0, 22.0], index=["east", "west"])
    seed = pd.DataFrame([[7, 1], [2, 5]], index=["south", "north"], columns=["west", "east"])
    r = flows.ipf2(rows, cols, seed=seed, tol=1e-12)
    assert isinstance(r.fitted, pd.DataFrame)
    assert list(r.fitted.index) == ["north", "south"]
    assert list(r.fitted.columns) == ["east", "west"]
    plain = flows.ipf2([18, 20], [16, 22], seed=[[5, 2], [1, 7]], tol=1e-12).fitted
    np.testing.assert_allclose(r.fitted.to_numpy(), plain, atol=1e-10)


@pytest.mark.parametrize("trial", range(10))
def test_ipf2_margins_and_structural_zeros(trial):
    rng = np.random.default_rng(trial)
    shape = (2 + trial % 4, 3 + trial % 3)
    seed = rng.uniform(0.1, 10, shape)
    seed[rng.random(shape) < 0.25] = 0
    seed[0, 0] = 1.0
    target = np.where(seed > 0, rng.uniform(1, 1000, shape), 0)
    rows, cols = target.sum(axis=1), target.sum(axis=0)
    r = flows.ipf2(rows, cols, seed=seed, tol=1e-9, max_iter=10_000)
    assert r.converged
    np.testing.assert_allclose(r.fitted.sum(axis=1), rows, rtol=0, atol=1e-9)
    np.testing.assert_allclose(r.fitted.sum(axis=0), cols, rtol=0, atol=1e-9)
    assert (r.fitted[seed == 0] == 0).all()


def test_ipf2_not_converged_is_reported():
    r = flows.ipf2([18, 20], [16, 22], seed=[[5, 2], [1, 7]], tol=1e-12, max_iter=2)
    assert not r.converged and r.iterations == 2 and r.max_margin_error > 1e-12


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (([18, 20], [16, 23]), "col_totals"),
        (([18, -1], [16, 1]), "row_totals[1]"),
        (([18, 20], [16, 22], [[1, 2, 3], [4, 5, 6]]), "seed"),
        (([18, 20], [16, 22], [[1, -2], [4, 5]]), "seed[0][1]"),
        (([18, 20], [16, 22], [[0, 0], [4, 5]]), "row_totals[0]"),
        (([[18, 20]], [16, 22]), "row_totals"),
        ((["a", "b"], [16, 22]), "row_totals"),
    ],
)
def test_ipf2_bad_input(args, name):
    with pytest.raises(corridor.InputError, match="^" + re.escape(name)):
        flows.ipf2(*args)


def test_ipf3_margins_per_birthplace():
    r = flows.ipf3(S1, S2)
    assert r.converged and r.fitted.shape == (4, 4, 4)
    np.testing.assert_allclose(r.fitted.sum(axis=2), S1, atol=1e-9)
    np.testing.assert_allclose(r.fitted.sum(axis=1), S2, atol=1e-9)
    seed = np.ones((4, 4, 4))
    seed[:, [0, 1, 2, 3], [0, 1, 2, 3]] = 0
    z = flows.ipf3([[0, 0, 20, 20]], [[20, 20, 0, 0]], seed=seed[:1])
    np.testing.assert_allclose(z.fitted[0], [[0] * 4, [0] * 4, [10, 10, 0, 0], [10, 10, 0, 0]])
    with pytest.raises(corridor.InputError, match="^destination_by_birth"):
        flows.ipf3(S1, S1 * 2)


def test_flows_from_stocks_demo_abel():
    f = flows.flows_from_stocks(S1, S2)
    assert f.converged
    np.testing.assert_allclose(f.od.to_numpy(), OD, rtol=0, atol=1e-9)
    np.testing.assert_allclose(f.od.sum(axis=0).to_numpy(), [55, 20, 75, 0], rtol=0, atol=1e-9)
    assert f.od.to_numpy().sum() == pytest.approx(150, abs=1e-9)
    assert isinstance(f.by_birth, xr.DataArray)
    assert f.by_birth.dims == ("birth", "origin", "destination")
    np.testing.assert_allclose(f.by_birth.to_numpy(), BY_BIRTH, rtol=0, atol=1e-9)


def test_flows_from_stocks_labelled_frames():
    t0 = pd.DataFrame(S1, index=PLACES, columns=PLACES)
    # Shuffled rows and columns: aligned on the labels.
    order = ["C", "A", "D", "B"]
    t1 = pd.DataFrame(S2, index=PLACES, columns=PLACES).loc[order, order[::-1]]
    f = flows.flows_from_stocks(t0, t1)
    assert list(f.od.index) == PLACES and list(f.od.columns) == PLACES
    assert f.od.loc["B", "A"] == pytest.approx(35, abs=1e-9)
    np.testing.assert_allclose(f.by_birth.sel(birth="D").to_numpy(), BY_BIRTH[3], atol=1e-9)
    assert np.diag(f.od.to_numpy()).tolist() == [0, 0, 0, 0]


def test_flows_from_stocks_ipf3_method():
    f = flows.flows_from_stocks(S1, S2, method="ipf3")
    direct = flows.ipf3(S1, S2).fitted
    np.testing.assert_allclose(f.by_birth.to_numpy(), direct, atol=1e-12)
    assert np.diag(f.od.to_numpy()).tolist() == [0, 0, 0, 0]


@pytest.mark.parametrize(
    ("t0", "t1", "kwargs", "name"),
    [
        (S1, S2[:3], {}, "stock_t1: shape"),
        (S1[:, :3], S2, {}, "stock_t0: shape"),
        (S1, np.where(S2 == 505, -5, S2), {}, r"stock_t1\[1\]\[1\]"),
        (S1, S2 + np.eye(4), {}, r"stock_t1\[0\]"),
        (S1, S2, {"method": "open"}, "method"),
        (pd.DataFrame(S1, index=PLACES, columns=PLACES),
         pd.DataFrame(S2, index=list("ABCE"), columns=list("ABCE")), {}, "stock_t1: places"),
        (pd.DataFrame(S1, index=PLACES, columns=list("ABCE")), S2, {}, "stock_t0: rows"),
    ],
)
def test_flows_from_stocks_bad_input(t0, t1, kwargs, name):
    with pytest.raises(corridor.InputError, match="^" + name):
        flows.flows_from_stocks(t0, t1, **kwargs)
