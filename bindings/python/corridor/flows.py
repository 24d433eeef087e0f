"""Flow estimation: IPF, flows from stocks, gravity and radiation models, PPML fitting,
assignment of OD matrices to routes, and calibration of a scenario's movement parameters.

>>> from corridor import flows
>>> flows.ipf2([18, 20], [16, 22], seed=[[5, 2], [1, 7]]).fitted       # Willekens (1999)
>>> f = flows.flows_from_stocks(stock_t0, stock_t1)                     # migest's ffs_demo
>>> f.od                       # origin x destination, summed over places of birth, diagonal 0
>>> f.by_birth.sel(birth="D")  # xarray: birth x origin x destination, stayers on the diagonal
>>> g = flows.gravity(pop, pop, net, beta=2, outflows=out, inflows=inn)  # doubly constrained
>>> fit = flows.fit_gravity(observed, net, fixed_effects="both")        # PPML, robust SEs
>>> a = flows.assign(net, g.flows, method="logit", theta=0.02)          # onto routes
>>> c = flows.calibrate(scenario, arrivals, ["movement.camp_weight"])   # fit the engine

The numerics run in the C++ core (``corridor._core``) with the GIL released; this module
handles labels and tables. Bad input raises :class:`corridor.InputError` whose message starts
with the argument's name. See ``docs/flows.md`` for the formulas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from corridor import _core
from corridor._core import InputError

__all__ = [
    "Assignment",
    "Calibration",
    "GravityFit",
    "GravityResult",
    "IpfResult",
    "StockFlows",
    "assign",
    "calibrate",
    "distance_matrix",
    "fit_gravity",
    "flows_from_stocks",
    "gravity",
    "ipf2",
    "ipf3",
    "radiation",
]


@dataclass(frozen=True)
class IpfResult:
    """A fitted table and how the fit went.

    Attributes
    ----------
    fitted : numpy.ndarray or pandas.DataFrame
        The fitted table, people. A DataFrame when the totals (or the seed) carry labels.
    iterations : int
        Row-then-column sweeps done.
    converged : bool
        Whether every margin came within ``tol`` of its total.
    max_margin_error : float
        The largest ``|margin - total|`` of the fit, people.
    """

    fitted: Any
    iterations: int
    converged: bool
    max_margin_error: float


@dataclass(frozen=True)
class StockFlows:
    """Flows estimated from two sets of stocks.

    Attributes
    ----------
    by_birth : xarray.DataArray
        People by ``birth`` x ``origin`` x ``destination``; the diagonal of each place of birth
        holds its stayers (zero for the ``"diff-*"`` methods, which count movers only).
    od : pandas.DataFrame
        Origin (rows) x destination (columns) flows summed over places of birth, diagonal 0.
    iterations, converged, max_margin_error
        As in :class:`IpfResult`, the worst over places of birth.
    births, deaths, entered, left : pandas.DataFrame
        The rest of the demographic account, place of birth (rows) x place (columns), people:
        born during the period by where they live at the second date; died, by where they
        lived at the first; came from outside the places (``"open"``, ``"open-dr"``), by where
        they live at the second date; went outside, by where they lived at the first. Zero
        where the method has no such term.
    method : str
        The method used.
    """

    by_birth: xr.DataArray
    od: pd.DataFrame
    iterations: int
    converged: bool
    max_margin_error: float
    births: pd.DataFrame | None = None
    deaths: pd.DataFrame | None = None
    entered: pd.DataFrame | None = None
    left: pd.DataFrame | None = None
    method: str = "demo"


def _values(value: Any, name: str) -> np.ndarray:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InputError(f"{name}: not numeric ({e})") from None


def ipf2(
    row_totals: Any,
    col_totals: Any,
    seed: Any = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> IpfResult:
    """Fit a two-way table to row and column totals by iterative proportional fitting.

    Parameters
    ----------
    row_totals : array_like or pandas.Series
        Row (origin) totals, people, finite and >= 0. A Series labels the rows.
    col_totals : array_like or pandas.Series
        Column (destination) totals, people, finite and >= 0, with the same sum as
        ``row_totals`` (to 1e-9 relative). A Series labels the columns.
    seed : array_like or pandas.DataFrame, optional
        Prior table, rows x columns, >= 0 (default all ones, i.e. independence). Zeros are
        structural and stay zero. A DataFrame is aligned on the totals' labels.
    tol : float
        Stop when every margin is within ``tol`` people of its total, > 0.
    max_iter : int
        The most row-then-column sweeps, >= 1. Not converging is reported, not raised.

    Returns
    -------
    IpfResult
        ``fitted`` is a DataFrame when any labels were given, else a numpy array.

    Raises
    ------
    corridor.InputError
        Totals that do not balance, a negative or non-finite value, a seed of the wrong shape,
        or a positive total whose seed row or column is all zeros; the message names the
        argument.
    """
    rows = row_totals.index if isinstance(row_totals, pd.Series) else None
    cols = col_totals.index if isinstance(col_totals, pd.Series) else None
    if isinstance(seed, pd.DataFrame):
        if rows is not None:
            missing = rows.difference(seed.index)
            if len(missing):
                raise InputError(f"seed: no rows for {list(missing)}")
            seed = seed.loc[rows]
        if cols is not None:
            missing = cols.difference(seed.columns)
            if len(missing):
                raise InputError(f"seed: no columns for {list(missing)}")
            seed = seed.loc[:, cols]
        rows = seed.index if rows is None else rows
        cols = seed.columns if cols is None else cols
    r = _values(row_totals, "row_totals")
    c = _values(col_totals, "col_totals")
    s = None if seed is None else _values(seed, "seed")
    fitted, iterations, converged, error = _core.ipf2(r, c, s, tol, max_iter)
    if rows is not None or cols is not None:
        fitted = pd.DataFrame(
            fitted,
            index=rows if rows is not None else pd.RangeIndex(fitted.shape[0]),
            columns=cols if cols is not None else pd.RangeIndex(fitted.shape[1]),
        )
    return IpfResult(fitted, iterations, converged, error)


def ipf3(
    origin_by_birth: Any,
    destination_by_birth: Any,
    seed: Any = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> IpfResult:
    """Three-way IPF on a table ``[birth][origin][destination]`` (migest's ``ipf3``).

    Parameters
    ----------
    origin_by_birth : array_like, (births, origins)
        Origin totals for each place of birth, people, >= 0.
    destination_by_birth : array_like, (births, destinations)
        Destination totals for each place of birth; each row sums as the matching row of
        ``origin_by_birth``.
    seed : array_like, (births, origins, destinations), optional
        Offsets, >= 0 (default all ones); zeros are structural.
    tol, max_iter
        As in :func:`ipf2`.

    Returns
    -------
    IpfResult
        ``fitted`` is a numpy array ``[birth][origin][destination]``.
    """
    o = _values(origin_by_birth, "origin_by_birth")
    d = _values(destination_by_birth, "destination_by_birth")
    s = None if seed is None else _values(seed, "seed")
    fitted, iterations, converged, error = _core.ipf3(o, d, s, tol, max_iter)
    return IpfResult(fitted, iterations, converged, error)


def _stock_labels(stock: Any, name: str) -> pd.Index | None:
    if not isinstance(stock, pd.DataFrame):
        return None
    if not stock.index.is_unique or set(stock.index) != set(stock.columns):
        raise InputError(
            f"{name}: rows (place of birth) and columns (place of residence) must be the same "
            "places, each once"
        )
    return stock.index


def flows_from_stocks(
    stock_t0: Any,
    stock_t1: Any,
    births: Any = None,
    deaths: Any = None,
    method: str = "demo",
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> StockFlows:
    """Estimate origin-destination flows between two dates from migrant stocks.

    Parameters
    ----------
    stock_t0 : array_like or pandas.DataFrame, (n, n)
        People by place of birth (rows) x place of residence (columns) at the first date,
        >= 0. A DataFrame's labels name the places; its columns are the same places.
    stock_t1 : array_like or pandas.DataFrame, (n, n)
        The same at the second date. For ``"demo"`` and ``"ipf3"`` each place of birth must
        have the same total at both dates once births and deaths are taken out (to 1e-9
        relative). A DataFrame is aligned on ``stock_t0``'s labels.
    births : array_like or pandas.Series, (n,), optional
        People born during the period in each place of residence, >= 0. They count as native
        born of that place unless it has fewer native born at the second date than births;
        then they are spread over its residents in proportion (migest's rule). More births
        than people living there at the second date raises InputError.
    deaths : array_like or pandas.Series, (n,), optional
        People who died during the period in each place of residence, >= 0, spread over its
        residents at the first date in proportion; at most the people living there then.
    method : {"demo", "ipf3", "open", "open-dr", "diff-zero", "diff-return"}
        ``"demo"`` (the default of migest's ``ffs_demo``; Abel 2013): for each place of birth
        the stayers are fixed at the smaller of the two stocks and the rest is balanced by IPF
        with no other stayers, which gives the fewest moves consistent with the stocks.
        ``"ipf3"``: independence within each place of birth, no stayer constraint.
        ``"open"`` and ``"open-dr"``: ``"demo"`` after letting each place of birth's
        remaining difference between the dates enter or leave the system of places (migest's
        ``match_pob_tot``); ``"open"`` spreads those entering like the first date's stock
        and those leaving like the second's (as migest does), ``"open-dr"`` (Abel 2013) the
        other way round. ``"open"`` can make a stock negative; it then raises InputError
        (migest returns negative flows) and ``"open-dr"`` is the safe choice.
        ``"diff-zero"`` and ``"diff-return"`` (stock differencing, migest ``ffs_diff``): a
        rise in the b-born stock of place j is a flow b -> j; a fall is ignored (``"zero"``)
        or a return j -> b (``"return"``). No births or deaths, no balance needed.
    tol, max_iter
        As in :func:`ipf2`.

    Returns
    -------
    StockFlows
        ``by_birth`` (xarray, ``birth`` x ``origin`` x ``destination``, stayers on the
        diagonal), ``od`` (DataFrame, summed over places of birth, diagonal 0) and the
        demographic account (``births``, ``deaths``, ``entered``, ``left``).

    Raises
    ------
    corridor.InputError
        Stocks of different or non-square shapes, different places, negative or non-finite
        counts, totals per place of birth that differ, births or deaths larger than the stock
        allows, an ``"open"`` adjustment that would make a stock negative; the message names
        the argument (and the cell).
    """
    labels0 = _stock_labels(stock_t0, "stock_t0")
    labels1 = _stock_labels(stock_t1, "stock_t1")
    if labels0 is not None:
        stock_t0 = stock_t0.loc[labels0, labels0]
    if labels1 is not None:
        target = labels0 if labels0 is not None else labels1
        if set(labels1) != set(target):
            raise InputError(
                f"stock_t1: places {sorted(map(str, set(labels1) ^ set(target)))} are not in "
                "both stocks"
            )
        stock_t1 = stock_t1.loc[target, target]
    labels = labels0 if labels0 is not None else labels1
    s0 = _values(stock_t0, "stock_t0")
    s1 = _values(stock_t1, "stock_t1")
    vital = [_place_vector(v, labels, name) for v, name in ((births, "births"), (deaths, "deaths"))]
    r = _core.flows_from_stocks(s0, s1, method, vital[0], vital[1], tol, max_iter)
    by_birth, od = r["by_birth"], r["od"]
    if labels is None:
        labels = pd.RangeIndex(od.shape[0])
    places = list(labels)
    cube = xr.DataArray(
        by_birth,
        dims=("birth", "origin", "destination"),
        coords={"birth": places, "origin": places, "destination": places},
        name="people",
    )
    frame = pd.DataFrame(od, index=pd.Index(labels, name="origin"),
                         columns=pd.Index(labels, name="destination"))

    def account(key: str) -> pd.DataFrame:
        return pd.DataFrame(r[key], index=pd.Index(labels, name="birth"),
                            columns=pd.Index(labels, name="place"))

    return StockFlows(
        cube,
        frame,
        r["iterations"],
        r["converged"],
        r["max_margin_error"],
        births=account("births"),
        deaths=account("deaths"),
        entered=account("entered"),
        left=account("left"),
        method=method,
    )


def _place_vector(value: Any, labels: pd.Index | None, name: str) -> np.ndarray | None:
    """Births or deaths per place, aligned on the stocks' labels when both carry them."""
    if value is None:
        return None
    if isinstance(value, pd.Series) and labels is not None:
        missing = pd.Index(labels).difference(value.index)
        extra = value.index.difference(pd.Index(labels))
        if len(missing) or len(extra):
            raise InputError(
                f"{name}: places {sorted(map(str, list(missing) + list(extra)))} are not in both "
                "the stocks and this Series"
            )
        value = value.loc[labels]
    return _values(value, name)


from corridor._flows_models import (  # noqa: E402  (they use IpfResult etc. defined above)
    GravityFit,
    GravityResult,
    distance_matrix,
    fit_gravity,
    gravity,
    radiation,
)
from corridor._flows_assign import Assignment, assign  # noqa: E402
from corridor._flows_calibrate import Calibration, calibrate  # noqa: E402
