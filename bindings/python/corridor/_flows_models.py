"""Spatial interaction models for :mod:`corridor.flows`: gravity, radiation, PPML fitting and
distance matrices. The numerics are in the C++ core; this module handles labels and tables."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from corridor import _core
from corridor._core import InputError
from corridor.network import Network

__all__ = [
    "GravityFit",
    "GravityResult",
    "distance_matrix",
    "fit_gravity",
    "gravity",
    "radiation",
]


def _values(value: Any, name: str) -> np.ndarray:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InputError(f"{name}: not numeric ({e})") from None


# ---------------------------------------------------------------------------------- distances
def distance_matrix(
    network: Network,
    origins: Sequence[str] | None = None,
    destinations: Sequence[str] | None = None,
    *,
    metric: str = "route",
    weight: str = "distance",
    include_closed: bool = False,
    speeds: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Distances between a network's locations, km (or days).

    Parameters
    ----------
    network : corridor.Network
    origins, destinations : sequence of str, optional
        Location names (all locations by default).
    metric : {"route", "geodesic"}
        ``"route"``: along the shortest route over the network (``inf`` where unreachable);
        ``"geodesic"``: the straight line on the WGS84 ellipsoid between the locations.
    weight, include_closed, speeds
        For ``metric="route"``, as in :meth:`corridor.Network.distances` (``weight="time"``
        gives days).

    Returns
    -------
    pandas.DataFrame
        Origins (rows, ``origin``) x destinations (columns, ``destination``).
    """
    if not isinstance(network, Network):
        raise InputError(f"network: expected a corridor.Network, got {type(network).__name__}")
    if metric == "route":
        return network.distances(
            origins, destinations, weight=weight, include_closed=include_closed, speeds=speeds
        )
    if metric != "geodesic":
        raise InputError(f"metric: expected 'route' or 'geodesic', got {metric!r}")
    loc = network.locations.set_index("name")
    rows = list(loc.index) if origins is None else [str(o) for o in _as_list(origins)]
    cols = list(loc.index) if destinations is None else [str(d) for d in _as_list(destinations)]
    for name, names in (("origins", rows), ("destinations", cols)):
        unknown = [n for n in names if n not in loc.index]
        if unknown:
            raise InputError(f"{name}: {unknown} are not locations of the network")
    o, d = loc.loc[rows], loc.loc[cols]
    km = _core.geodesic_matrix(
        o["lon"].to_numpy(), o["lat"].to_numpy(), d["lon"].to_numpy(), d["lat"].to_numpy()
    )
    return pd.DataFrame(
        km, index=pd.Index(rows, name="origin"), columns=pd.Index(cols, name="destination")
    )


def _as_list(value: Any) -> list:
    return [value] if isinstance(value, str) else list(value)


# ---------------------------------------------------------------------------------- inputs
@dataclass
class _Od:
    """Masses, distances and labels lined up for the core."""

    distances: np.ndarray
    rows: pd.Index | None
    cols: pd.Index | None
    include_self: bool


def _labels_of(value: Any) -> pd.Index | None:
    return value.index if isinstance(value, (pd.Series, pd.DataFrame)) else None


def _od_distances(
    distances: Any,
    rows: pd.Index | None,
    cols: pd.Index | None,
    metric: str,
    include_self: bool,
) -> _Od:
    """Distances as an array lined up with the row and column labels (from a Network, a
    DataFrame or an array)."""
    if isinstance(distances, Network):
        net = distances
        if rows is None:
            rows = pd.Index(net._names())
        if cols is None:
            cols = pd.Index(net._names())
        distances = distance_matrix(net, list(rows), list(cols), metric=metric)
    if isinstance(distances, pd.DataFrame):
        drows = distances.index if rows is None else rows
        dcols = distances.columns if cols is None else cols
        # Square with the same places: columns in the rows' order, so i == j is "self".
        if cols is None and rows is None and set(drows) == set(dcols) and len(drows) == len(dcols):
            dcols = drows
        checks = (("rows", drows, distances.index), ("columns", dcols, distances.columns))
        for name, want, have in checks:
            missing = pd.Index(want).difference(have)
            if len(missing):
                raise InputError(f"distances: no {name} for {sorted(map(str, missing))}")
        distances = distances.loc[drows, dcols]
        rows, cols = pd.Index(drows), pd.Index(dcols)
    d = _values(distances, "distances")
    if d.ndim != 2:
        raise InputError(f"distances: expected 2 dimensions, got {d.ndim}")
    # The diagonal is "self" only if the rows and columns are the same places in one order.
    same = d.shape[0] == d.shape[1] and (
        rows is None or cols is None or (len(rows) == len(cols) and (rows == cols).all())
    )
    return _Od(d, rows, cols, include_self or not same)


def _masses(value: Any, labels: pd.Index | None, name: str, network: Network | None) -> np.ndarray:
    if value is None:
        if network is None:
            raise InputError(f"{name}: needed (or pass a Network as distances for its populations)")
        pop = network.locations.set_index("name")["population"]
        value = pop.loc[list(labels)] if labels is not None else pop
    if isinstance(value, pd.Series) and labels is not None:
        missing = pd.Index(labels).difference(value.index)
        if len(missing):
            raise InputError(f"{name}: no value for {sorted(map(str, missing))}")
        value = value.loc[labels]
    v = _values(value, name)
    if v.ndim != 1:
        raise InputError(f"{name}: expected 1 dimension, got {v.ndim}")
    return v


def _frame(values: np.ndarray, rows: pd.Index | None, cols: pd.Index | None):
    if rows is None and cols is None:
        return values
    return pd.DataFrame(
        values,
        index=pd.Index(rows if rows is not None else range(values.shape[0]), name="origin"),
        columns=pd.Index(cols if cols is not None else range(values.shape[1]), name="destination"),
    )


# ---------------------------------------------------------------------------------- gravity
@dataclass(frozen=True)
class GravityResult:
    """Flows of a gravity or radiation model.

    Attributes
    ----------
    flows : numpy.ndarray or pandas.DataFrame
        Origins x destinations, people (a DataFrame when the inputs carry labels).
    constraint : str
        ``"unconstrained"``, ``"production"``, ``"attraction"``, ``"doubly"`` or
        ``"radiation"``.
    iterations : int
        IPF sweeps of the doubly constrained model (else 0).
    converged : bool
        Whether the doubly constrained margins came within ``tol``.
    max_margin_error : float
        Largest ``|margin - total|`` of the totals given, people.
    """

    flows: Any
    constraint: str
    iterations: int = 0
    converged: bool = True
    max_margin_error: float = 0.0


def gravity(
    masses_o: Any,
    masses_d: Any,
    distances: Any,
    beta: float,
    deterrence: str = "power",
    outflows: Any = None,
    inflows: Any = None,
    *,
    k: float = 1.0,
    exponent_o: float = 1.0,
    exponent_d: float = 1.0,
    include_self: bool = False,
    metric: str = "route",
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> GravityResult:
    """A gravity model of flows, constrained by whichever totals are given.

    ``T_ij = k m_i^a n_j^g f(d_ij)`` with ``f(d) = d^-beta`` (``"power"``) or
    ``exp(-beta d)`` (``"exponential"``). With ``outflows`` only, rows are scaled to them
    (production-constrained); with ``inflows`` only, columns (attraction-constrained); with
    both, balancing factors are fitted by IPF (doubly constrained; the masses then cancel).

    Parameters
    ----------
    masses_o, masses_d : array_like or pandas.Series, optional
        Masses (e.g. population) of the origins and destinations, >= 0. A Series is aligned on
        the distances' labels. With a Network as ``distances`` they default to the locations'
        populations.
    distances : array_like, pandas.DataFrame or corridor.Network
        Origins x destinations, km, finite and >= 0 off the diagonal (> 0 for the power law).
        A Network gives its shortest-route km (``metric="route"``) or geodesic km
        (``metric="geodesic"``) between the masses' places (all locations by default).
    beta : float
        Distance decay, >= 0 (per km for ``"exponential"``).
    deterrence : {"power", "exponential"}
    outflows, inflows : array_like or pandas.Series, optional
        People leaving each origin / arriving at each destination, >= 0. Both together must
        have the same sum (1e-9 relative).
    k : float
        Scale of the unconstrained model, > 0.
    exponent_o, exponent_d : float
        Exponents a and g of the masses.
    include_self : bool
        Keep flows from a place to itself (the diagonal when rows and columns are the same
        places in one order); excluded (0) by default and their distances not read.
    metric : {"route", "geodesic"}
        How a Network measures distances.
    tol, max_iter
        IPF settings of the doubly constrained model (people; sweeps).

    Returns
    -------
    GravityResult
    """
    rows = _labels_of(masses_o) if masses_o is not None else _labels_of(outflows)
    cols = _labels_of(masses_d) if masses_d is not None else _labels_of(inflows)
    net = distances if isinstance(distances, Network) else None
    od = _od_distances(distances, rows, cols, metric, include_self)
    mo = _masses(masses_o, od.rows, "masses_o", net)
    md = _masses(masses_d, od.cols, "masses_d", net)
    out = None if outflows is None else _masses(outflows, od.rows, "outflows", None)
    inn = None if inflows is None else _masses(inflows, od.cols, "inflows", None)
    r = _core.gravity(
        mo, md, od.distances, float(beta), deterrence, out, inn, float(k), float(exponent_o),
        float(exponent_d), od.include_self, float(tol), int(max_iter),
    )
    return GravityResult(
        _frame(r["flows"], od.rows, od.cols),
        r["constraint"],
        r["iterations"],
        r["converged"],
        r["max_margin_error"],
    )


def radiation(
    masses: Any,
    distances: Any,
    outflows: Any,
    *,
    finite_size: bool = True,
    metric: str = "route",
) -> GravityResult:
    """The radiation model (Simini et al. 2012) with the finite-size correction.

    ``T_ij = T_i / (1 - m_i/M) * m_i n_j / ((m_i + s_ij)(m_i + n_j + s_ij))``, ``s_ij`` the
    population of the other places nearer to i than j, M the total. Places at exactly the
    same distance from i share what one place of their combined population would get, in
    proportion to population (the tie rule, see ``docs/flows.md``), so every row sums to its
    outflow.

    Parameters
    ----------
    masses : array_like or pandas.Series
        Population of each place, >= 0. With a Network as ``distances``, None means the
        locations' populations.
    distances : array_like, pandas.DataFrame or corridor.Network
        Square, km, finite and >= 0 off the diagonal (not read on it); may be asymmetric.
    outflows : array_like or pandas.Series
        People leaving each place, >= 0.
    finite_size : bool
        Divide by ``1 - m_i/M`` (rows then sum to the outflows exactly).
    metric : {"route", "geodesic"}
        How a Network measures distances.

    Returns
    -------
    GravityResult
        ``constraint == "radiation"``; ``max_margin_error`` is the largest
        ``|row sum - outflow|``.
    """
    labels = _labels_of(masses) if masses is not None else _labels_of(outflows)
    net = distances if isinstance(distances, Network) else None
    od = _od_distances(distances, labels, labels, metric, False)
    m = _masses(masses, od.rows, "masses", net)
    out = _masses(outflows, od.rows, "outflows", None)
    flows = _core.radiation(m, od.distances, out, bool(finite_size))
    error = float(np.abs(flows.sum(axis=1) - out).max()) if len(out) else 0.0
    return GravityResult(_frame(flows, od.rows, od.cols), "radiation", 0, True, error)


# ---------------------------------------------------------------------------------- fitting
@dataclass(frozen=True, eq=False)
class GravityFit:
    """A gravity model fitted by Poisson pseudo-maximum likelihood.

    Attributes
    ----------
    params : pandas.Series
        Coefficients: ``log_distance`` (power law; its negative is beta) or ``distance_km``
        (exponential; per km), ``log_mass_o``, ``log_mass_d``, the covariates, and ``const``
        without fixed effects.
    bse : pandas.Series
        Robust (HC0 sandwich) standard errors.
    bse_model : pandas.Series
        Model-based (Poisson) standard errors.
    cov, cov_model : pandas.DataFrame
        The two covariance matrices of ``params``.
    fitted : numpy.ndarray or pandas.DataFrame
        Fitted flows, origins x destinations (0 outside the sample).
    origin_effects, destination_effects : pandas.Series or None
        The fixed effects (log scale; NaN for dropped places). With both, the first kept
        destination's effect is 0.
    deviance, null_deviance, llf, llnull : float
        Poisson deviance and log-likelihood of the fit and of the constant-only model.
    pseudo_r2 : float
        McFadden's ``1 - llf / llnull``.
    r2 : float
        Squared correlation of observed and fitted flows.
    n_obs : int
        Cells in the sample (zeros included).
    iterations : int
    converged : bool
    fixed_effects : str
    dropped_origins, dropped_destinations : list
        Places whose observed flows are all zero, dropped under their fixed effect.
    """

    params: pd.Series
    bse: pd.Series
    bse_model: pd.Series
    cov: pd.DataFrame
    cov_model: pd.DataFrame
    fitted: Any
    origin_effects: pd.Series | None
    destination_effects: pd.Series | None
    deviance: float
    null_deviance: float
    llf: float
    llnull: float
    pseudo_r2: float
    r2: float
    n_obs: int
    iterations: int
    converged: bool
    fixed_effects: str
    dropped_origins: list
    dropped_destinations: list

    @property
    def beta(self) -> float:
        """The distance decay: minus the distance coefficient (NaN without distances)."""
        for name in ("log_distance", "distance_km"):
            if name in self.params:
                return float(-self.params[name])
        return math.nan

    @property
    def zvalues(self) -> pd.Series:
        """Coefficients over their robust standard errors."""
        return self.params / self.bse

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided normal p-values of the robust z values."""
        return self.zvalues.abs().map(lambda z: math.erfc(z / math.sqrt(2.0)))

    def summary(self) -> pd.DataFrame:
        """Coefficient table: ``coef, se, z, p, ci_low, ci_high`` (robust, 95%)."""
        z = 1.959963984540054
        return pd.DataFrame(
            {
                "coef": self.params,
                "se": self.bse,
                "z": self.zvalues,
                "p": self.pvalues,
                "ci_low": self.params - z * self.bse,
                "ci_high": self.params + z * self.bse,
            }
        )

    def __repr__(self) -> str:
        coefs = ", ".join(
            f"{k}={v:.4g} ({s:.2g})" for (k, v), s in zip(self.params.items(), self.bse)
        )
        return (
            f"<GravityFit PPML, fixed effects {self.fixed_effects}: {coefs}; "
            f"{self.n_obs} obs, pseudo-R2 {self.pseudo_r2:.4f}, deviance {self.deviance:.6g}>"
        )


def fit_gravity(
    flows: Any,
    distances: Any = None,
    *,
    masses_o: Any = None,
    masses_d: Any = None,
    covariates: Mapping[str, Any] | None = None,
    fixed_effects: str = "both",
    deterrence: str = "power",
    include_self: bool = False,
    sample: Any = None,
    metric: str = "route",
    tol: float = 1e-12,
    max_iter: int = 100,
) -> GravityFit:
    """Fit a gravity model to observed flows by Poisson pseudo-maximum likelihood (PPML).

    ``E[y_ij] = exp(b_d g(d_ij) + b_o log m_i + b_n log n_j + z_ij' c + a_i + g_j)`` over the
    cells of the sample, zero flows included (Santos Silva and Tenreyro 2006), with
    ``g(d) = log d`` (``"power"``) or ``d`` (``"exponential"``). The fixed effects are
    concentrated out in C++ (no dummy columns), so 500 x 500 with both takes well under a
    second; the coefficients and robust standard errors equal those of a Poisson GLM with
    dummy variables (statsmodels, ``cov_type="HC0"``).

    Parameters
    ----------
    flows : array_like or pandas.DataFrame
        Observed flows, origins x destinations, people, finite and >= 0.
    distances : array_like, pandas.DataFrame or corridor.Network, optional
        km, as in :func:`gravity`; gives the regressor ``log_distance`` (or ``distance_km``).
    masses_o, masses_d : array_like or pandas.Series, optional
        Give ``log_mass_o`` / ``log_mass_d`` (> 0 in the sample). Collinear with the origin
        (destination) fixed effects: use them with ``fixed_effects="destination"`` /
        ``"origin"`` / ``"none"``.
    covariates : dict of str to array_like or DataFrame, optional
        More regressors, origins x destinations (e.g. a shared-border dummy).
    fixed_effects : {"both", "origin", "destination", "none"}
        Which effects to absorb; ``"none"`` estimates a constant ``const``.
    deterrence : {"power", "exponential"}
    include_self : bool
        Keep the diagonal (flows from a place to itself) in the sample; excluded by default.
    sample : array_like of bool, optional
        Cells to use (True), origins x destinations; combined with ``include_self``.
    metric : {"route", "geodesic"}
        How a Network measures distances.
    tol : float
        Newton decrement tolerance, relative to the deviance.
    max_iter : int
        Most Newton iterations.

    Returns
    -------
    GravityFit

    Raises
    ------
    corridor.InputError
        Shapes, negative or non-finite flows, non-finite regressors (a zero distance or mass
        in the sample), too few observations, or a singular design (a regressor collinear
        with the fixed effects or with other regressors), naming the argument or regressor.
    """
    rows = cols = None
    if isinstance(flows, pd.DataFrame):
        rows, cols = flows.index, flows.columns
    y = _values(flows, "flows")
    if y.ndim != 2:
        raise InputError(f"flows: expected 2 dimensions, got {y.ndim}")
    regressors: list[np.ndarray] = []
    names: list[str] = []
    same_places = y.shape[0] == y.shape[1] and (
        rows is None or (len(rows) == len(cols) and (rows == cols).all())
    )
    if distances is not None:
        od = _od_distances(distances, rows, cols, metric, True)
        if od.distances.shape != y.shape:
            raise InputError(
                f"distances: shape {od.distances.shape[0]} x {od.distances.shape[1]}, expected "
                f"{y.shape[0]} x {y.shape[1]} as flows"
            )
        d = od.distances.copy()
        if deterrence == "power":
            with np.errstate(divide="ignore", invalid="ignore"):
                regressors.append(np.log(d))
            names.append("log_distance")
        elif deterrence == "exponential":
            regressors.append(d)
            names.append("distance_km")
        else:
            raise InputError(f"deterrence: expected 'power' or 'exponential', got {deterrence!r}")
    for value, labels, name, axis in (
        (masses_o, rows, "log_mass_o", 0),
        (masses_d, cols, "log_mass_d", 1),
    ):
        if value is None:
            continue
        m = _masses(value, labels, "masses_o" if axis == 0 else "masses_d", None)
        if len(m) != y.shape[axis]:
            raise InputError(
                f"{'masses_o' if axis == 0 else 'masses_d'}: {len(m)} values, expected "
                f"{y.shape[axis]} as flows"
            )
        with np.errstate(divide="ignore"):
            lm = np.log(m)
        column = lm[:, None] if axis == 0 else lm[None, :]
        regressors.append(np.broadcast_to(column, y.shape).copy())
        names.append(name)
    for name, value in (covariates or {}).items():
        if isinstance(value, pd.DataFrame) and rows is not None:
            value = value.loc[rows, cols]
        regressors.append(_values(value, f"covariates['{name}']"))
        names.append(str(name))
    mask = np.ones(y.shape, dtype=bool)
    if sample is not None:
        if isinstance(sample, pd.DataFrame) and rows is not None:
            sample = sample.loc[rows, cols]
        s = np.asarray(sample, dtype=bool)
        if s.shape != y.shape:
            raise InputError(f"sample: shape {s.shape}, expected {y.shape} as flows")
        mask &= s
    if same_places and not include_self:
        np.fill_diagonal(mask, False)
    r = _core.fit_ppml(y, regressors, names, mask, fixed_effects, float(tol), int(max_iter))
    idx = pd.Index(r["names"])
    params = pd.Series(r["coef"], index=idx, name="coef")
    cov = pd.DataFrame(r["cov_robust"], index=idx, columns=idx)
    cov_model = pd.DataFrame(r["cov_model"], index=idx, columns=idx)
    row_labels = rows if rows is not None else pd.RangeIndex(y.shape[0])
    col_labels = cols if cols is not None else pd.RangeIndex(y.shape[1])
    oe = r["origin_effects"]
    de = r["destination_effects"]
    return GravityFit(
        params=params,
        bse=pd.Series(np.sqrt(np.diag(r["cov_robust"])), index=idx, name="se"),
        bse_model=pd.Series(np.sqrt(np.diag(r["cov_model"])), index=idx, name="se_model"),
        cov=cov,
        cov_model=cov_model,
        fitted=_frame(r["fitted"], rows, cols),
        origin_effects=(
            pd.Series(oe, index=pd.Index(row_labels, name="origin")) if len(oe) else None
        ),
        destination_effects=(
            pd.Series(de, index=pd.Index(col_labels, name="destination")) if len(de) else None
        ),
        deviance=r["deviance"],
        null_deviance=r["null_deviance"],
        llf=r["log_likelihood"],
        llnull=r["null_log_likelihood"],
        pseudo_r2=r["pseudo_r2"],
        r2=r["r2"],
        n_obs=int(r["n_obs"]),
        iterations=int(r["iterations"]),
        converged=bool(r["converged"]),
        fixed_effects=fixed_effects,
        dropped_origins=[row_labels[i] for i in r["dropped_origins"]],
        dropped_destinations=[col_labels[j] for j in r["dropped_destinations"]],
    )
