"""Calibration of a scenario's movement parameters to observed daily arrivals, for
:mod:`corridor.flows`. Every evaluation is one run of the C++ expected-flow engine
(``Scenario.run(engine="expected")``); this module only drives a derivative-free optimiser
(scipy) and scores the runs.

Design notes:
- The fitted-days SSE is not smooth in every parameter. Flee's full-camp rule stops all
  movement to a camp whose capacity multiplier is below 0.5 (occupancy above 95% of its
  scaled capacity), and a camp that hovers at that line lets a whole day's movers in on the
  day it dips below it; which day that is moves in steps with the parameter. On the exercise
  scenario that gives a notch at distance_power 1.3 with a local minimum on one side and a
  shelf on the other (docs/flows.md). Local methods stop short of it, so two global options
  sit on top of them: several starts (the initial values plus Latin-hypercube points in the
  bounds, each refined locally in its own stratum) and scipy's differential evolution
  polished locally.
- Budget. ``max_evals`` counts engine runs (cache hits are free) over the whole search, and a
  guard in the objective enforces it per stage, since scipy's own counters count calls, not
  runs, and differential evolution has none. Every stage keeps the best point it ran, so a
  stage cut short still reports its best.
- Determinism: the engine is deterministic, the random parts (Latin hypercube, differential
  evolution) take ``seed`` and run on one worker, so the same inputs and seed give the same
  result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from corridor import _core
from corridor._core import InputError

__all__ = ["Calibration", "calibrate"]

_LOCAL_METHODS = ("Nelder-Mead", "Powell")
_METHODS = (*_LOCAL_METHODS, "differential_evolution")
_DE_POPSIZE = 15  # scipy's default: the population is 15 x the number of parameters

# Ranges of the [movement] keys (docs/scenario.md); keys not listed are unbounded.
_BOUNDS: dict[str, tuple[float, float]] = {
    "max_move_speed_km": (1e-6, math.inf),
    "max_walk_speed_km": (1e-6, math.inf),
    "foreign_weight": (0.0, math.inf),
    "camp_weight": (0.0, math.inf),
    "conflict_weight": (0.0, math.inf),
    "conflict_movechance": (0.0, 1.0),
    "camp_movechance": (0.0, 1.0),
    "idpcamp_movechance": (0.0, 1.0),
    "default_movechance": (0.0, 1.0),
    "capacity_buffer": (1e-6, 1.0),
    "capacity_scaling": (1e-6, math.inf),
    "softening": (0.0, math.inf),
    "weight_softening": (0.0, math.inf),
    "weight_power": (0.0, math.inf),
    "distance_power": (0.0, math.inf),
}


@dataclass(frozen=True, eq=False)
class Calibration:
    """Fitted movement parameters and how well they fit.

    Attributes
    ----------
    parameters : pandas.DataFrame
        One row per parameter path: ``initial``, ``fitted``, ``low``, ``high`` and how well it
        is determined: ``curvature`` (finite-difference second derivative of the fitted-days
        SSE, people² per unit²), ``sensitivity`` (relative rise of the fitted-days RMSE when
        the parameter moves 10% away from its fitted value, the others held), ``se`` and
        ``rel_se`` (Gauss-Newton standard error, ``sqrt(2 s² [H^-1]_kk)`` with
        ``s² = SSE / (n - p)``; zero for a perfect fit), ``max_correlation`` (largest
        absolute correlation with another parameter, from ``H^-1``) and ``determined``
        (``"well"``: sensitivity >= 1% and, if s² > 0, rel_se < 0.1; ``"weakly"``:
        sensitivity >= 0.1%; else ``"poorly"``).
    values : dict
        Fitted value by path.
    error : pandas.DataFrame
        Rows ``before`` (initial values) and ``after`` (fitted); columns ``rmse_fit``,
        ``mae_fit``, ``sse_fit`` over the fitted days and ``rmse_holdout``, ``mae_holdout``,
        ``sse_holdout`` over the held-out days (NaN when none), people per site-day.
    hessian : pandas.DataFrame
        The finite-difference Hessian of the fitted-days SSE.
    observed, predicted : pandas.DataFrame
        Daily arrivals, days (index ``day``) x sites; predicted by the fitted run.
    fit_days, holdout_days : list of int
    scenario : corridor.Scenario
        A copy of the scenario with the fitted values set.
    evaluations : int
        Engine runs, including the Hessian's.
    converged : bool
        The kept search's.
    message : str
        The optimiser's, for the kept search.
    searches : pandas.DataFrame
        One row per search (index ``search``): ``kind`` (``"local"`` for each start,
        ``"differential_evolution"``, ``"polish"``), ``initial_<path>`` and ``fitted_<path>``
        for each parameter, ``sse_fit``, ``rmse_fit``, ``rmse_holdout``, ``evaluations``
        (engine runs of that search), ``converged`` and ``kept`` (the search whose result is
        returned).
    """

    parameters: pd.DataFrame
    values: dict[str, float]
    error: pd.DataFrame
    hessian: pd.DataFrame
    observed: pd.DataFrame
    predicted: pd.DataFrame
    fit_days: list[int]
    holdout_days: list[int]
    scenario: Any = field(repr=False)
    evaluations: int = 0
    converged: bool = False
    message: str = ""
    searches: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def __repr__(self) -> str:
        vals = ", ".join(f"{k}={v:.4g}" for k, v in self.values.items())
        e = self.error
        return (
            f"<Calibration {vals}: RMSE fitted days {e.loc['before', 'rmse_fit']:.4g} -> "
            f"{e.loc['after', 'rmse_fit']:.4g}, held-out days "
            f"{e.loc['before', 'rmse_holdout']:.4g} -> {e.loc['after', 'rmse_holdout']:.4g}; "
            f"{self.evaluations} runs>"
        )


def _observed_wide(observed: Any, start: pd.Timestamp) -> pd.DataFrame:
    """Observed arrivals as days (int index) x sites; NaN = not observed."""
    if not isinstance(observed, pd.DataFrame):
        raise InputError(f"observed: expected a DataFrame, got {type(observed).__name__}")
    frame = observed
    if {"site", "arrivals"} <= set(frame.columns):
        if "day" in frame.columns:
            day = frame["day"]
        elif "date" in frame.columns:
            day = (pd.to_datetime(frame["date"]) - start).dt.days
        else:
            raise InputError("observed: a long table needs a 'day' or a 'date' column")
        frame = pd.DataFrame({"day": day, "site": frame["site"], "arrivals": frame["arrivals"]})
        if frame.duplicated(["day", "site"]).any():
            raise InputError("observed: a site has two rows for the same day")
        frame = frame.pivot(index="day", columns="site", values="arrivals")
    else:
        frame = frame.copy()
        if isinstance(frame.index, pd.DatetimeIndex):
            frame.index = (frame.index - start).days
    try:
        frame.index = pd.Index(np.asarray(frame.index, dtype=np.int64), name="day")
        values = frame.to_numpy(dtype=float)
    except (TypeError, ValueError) as e:
        raise InputError(f"observed: days and arrivals must be numbers ({e})") from None
    if (frame.index < 0).any():
        raise InputError(f"observed: day {int(frame.index.min())} is before the scenario's start")
    finite = values[np.isfinite(values)]
    if (finite < 0).any():
        raise InputError("observed: negative arrivals")
    if np.isinf(values).any():
        raise InputError("observed: infinite arrivals")
    frame.columns = pd.Index([str(c) for c in frame.columns], name="site")
    return frame.sort_index()


def _whole(value: Any, name: str, least: int) -> int:
    """An int argument >= least, or an InputError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise InputError(f"{name}: expected a whole number >= {least}, got {value!r}")
    return int(value)


def _seeded(function: Any, seed: int) -> dict[str, int]:
    """The seed keyword of a scipy function: ``rng`` since scipy 1.15, ``seed`` before."""
    import inspect

    return {"rng" if "rng" in inspect.signature(function).parameters else "seed": seed}


class _Spent(Exception):
    """A search stage ran out of engine runs."""


def _parameters(scenario, parameters, bounds, initial):
    if isinstance(parameters, str):
        parameters = [parameters]
    if isinstance(parameters, Mapping):
        bounds = {**dict(parameters), **dict(bounds or {})}
        parameters = list(parameters)
    paths = [str(p) for p in parameters]
    if not paths:
        raise InputError("parameters: give at least one path, e.g. 'movement.camp_weight'")
    if len(set(paths)) != len(paths):
        raise InputError("parameters: a path is given twice")
    defaults = _core.default_movement()
    out = []
    for path in paths:
        key = path.rsplit(".", 1)[-1]
        if initial is not None and path in initial:
            value = initial[path]
        else:
            value = scenario.get(path, None)
            if value is None and path.startswith("movement."):
                value = defaults.get(key)
            if value is None:
                raise InputError(
                    f"parameters: {path!r} is not in the scenario and has no default; give it "
                    "a starting value in initial="
                )
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise InputError(f"parameters: {path!r} is {value!r}, not a number")
        lo, hi = _BOUNDS.get(key, (-math.inf, math.inf)) if path.startswith("movement.") else (
            -math.inf,
            math.inf,
        )
        if bounds is not None and path in bounds and bounds[path] is not None:
            lo, hi = (float(b) for b in bounds[path])
        if not lo <= float(value) <= hi:
            raise InputError(f"parameters: {path!r} starts at {value}, outside [{lo}, {hi}]")
        out.append((path, float(value), lo, hi))
    return out


def calibrate(
    scenario,
    observed: pd.DataFrame,
    parameters: Sequence[str] | Mapping[str, tuple[float, float]],
    *,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    initial: Mapping[str, float] | None = None,
    holdout: float = 0.2,
    holdout_days: Sequence[int] | None = None,
    method: str = "Nelder-Mead",
    max_evals: int = 200,
    tol: float = 1e-4,
    step: float = 0.05,
    starts: int = 1,
    seed: int = 0,
) -> Calibration:
    """Fit movement parameters of a scenario to observed daily arrivals per site.

    Each trial sets the parameters in a copy of the scenario and runs the expected-flow engine
    (``Scenario.run(engine="expected")``, over the observed days only); a derivative-free
    optimiser (scipy's Nelder-Mead by default) minimises the sum of squared differences of
    daily arrivals over the fitted days. Held-out days are never used in the fit and are scored
    separately.

    Parameters
    ----------
    scenario : corridor.Scenario
        Left unchanged (the result holds a fitted copy).
    observed : pandas.DataFrame
        Daily arrivals per site, people: wide (index ``day`` numbers or dates, one column per
        site) or long (columns ``site``, ``arrivals`` and ``day`` or ``date``). NaN = not
        observed. Sites are location names of the scenario's network.
    parameters : list of str, or dict of str to (low, high)
        Paths in the scenario document, e.g. ``"movement.camp_weight"``,
        ``"movement.default_movechance"``, ``"movement.distance_power"``,
        ``"movement.max_move_speed_km"``; a dict also gives bounds.
    bounds : dict of str to (low, high), optional
        Bounds per path (default: the key's range in ``docs/scenario.md``).
    initial : dict of str to float, optional
        Starting values (default: the scenario's, else the engine's default).
    holdout : float
        Fraction of the observed days held out, the last ones (0 <= holdout < 1), unless
        ``holdout_days`` names them.
    holdout_days : sequence of int, optional
        Days (from the scenario's start) to hold out instead.
    method : str
        A derivative-free ``scipy.optimize.minimize`` method, ``"Nelder-Mead"`` or
        ``"Powell"`` (local: they stop on the first plateau of a response with steps, see
        docs/flows.md), or ``"differential_evolution"``: scipy's global, bounded
        ``differential_evolution`` (a population of 15 x the number of parameters, seeded,
        not polished by scipy), whose best point is then polished by Nelder-Mead. Needs finite
        bounds.
    max_evals : int
        Most engine runs for the whole search, >= 1 (repeated values are not rerun): for
        several starts, an equal share each; for differential evolution, three quarters for
        the evolution (whole generations) and the rest for the polish. The Hessian's runs come
        on top.
    tol : float
        Optimiser tolerance, in parameters scaled by their starting values and in the SSE
        relative to the starting one.
    step : float
        Relative finite-difference step of the Hessian (5% of each value by default: the
        engine's response to some parameters has small steps, which a tiny step would see).
    starts : int
        Local searches (with ``method``), >= 1; the best is kept. The first starts from the
        initial values (so ``starts=1`` is a single local search), the others from a
        Latin-hypercube sample of ``starts - 1`` points within the bounds
        (``scipy.stats.qmc.LatinHypercube``, seeded), each with a first Nelder-Mead simplex of
        half its stratum's width. More than one needs finite bounds.
    seed : int
        Seed of the Latin hypercube and of differential evolution, >= 0: the same inputs and
        seed give the same result.

    Returns
    -------
    Calibration

    Raises
    ------
    corridor.InputError
        Unknown sites or parameters, a start outside the bounds, no day left to fit, infinite
        bounds for a global search, bad ``method``, ``max_evals``, ``starts`` or ``seed``
        (the message starts with the argument's name).
    """
    from scipy.optimize import differential_evolution, minimize
    from scipy.stats import qmc

    if method not in _METHODS:
        raise InputError(
            f"method: expected 'Nelder-Mead', 'Powell' or 'differential_evolution', got {method!r}"
        )
    max_evals = _whole(max_evals, "max_evals", 1)
    starts = _whole(starts, "starts", 1)
    seed = _whole(seed, "seed", 0)
    if method == "differential_evolution" and starts != 1:
        raise InputError(
            f"starts: differential evolution is a global search already; give starts=1, not "
            f"{starts}"
        )
    start = pd.Timestamp(str(scenario.get("start", "1970-01-01")))
    obs = _observed_wide(observed, start)
    horizon = int(scenario.get("days", 0) or 0)
    if horizon and obs.index.max() >= horizon:
        raise InputError(
            f"observed: day {int(obs.index.max())} is past the scenario's {horizon} days"
        )
    network = scenario.network
    unknown = [s for s in obs.columns if s not in network]
    if unknown:
        raise InputError(f"observed: sites {unknown} are not locations of the scenario's network")
    site_ids = np.asarray([network._id(s) for s in obs.columns], dtype=np.int64)
    days = obs.index.to_numpy()
    if holdout_days is not None:
        hold = sorted({int(d) for d in holdout_days})
        missing = [d for d in hold if d not in set(days.tolist())]
        if missing:
            raise InputError(f"holdout_days: days {missing} are not observed")
    else:
        if not 0 <= holdout < 1:
            raise InputError(f"holdout: must be in [0, 1), got {holdout}")
        n_hold = int(round(holdout * len(days)))
        hold = sorted(days[len(days) - n_hold :].tolist()) if n_hold else []
    fit = [int(d) for d in days if d not in set(hold)]
    if not fit:
        raise InputError("holdout: no observed day left to fit")
    values = obs.to_numpy(dtype=float)
    fit_mask = np.isin(days, fit)[:, None] & np.isfinite(values)
    hold_mask = np.isin(days, hold)[:, None] & np.isfinite(values)
    n_fit = int(fit_mask.sum())
    if n_fit == 0:
        raise InputError("observed: no arrivals on the fitted days")

    specs = _parameters(scenario, parameters, bounds, initial)
    paths = [p for p, *_ in specs]
    x0 = np.array([v for _, v, _, _ in specs])
    low = np.array([lo for *_, lo, _ in specs])
    high = np.array([hi for *_, hi in specs])
    scale = np.where(np.abs(x0) > 0, np.abs(x0), 1.0)

    base = scenario.copy()
    last_day = int(days.max()) + 1
    if not horizon or last_day < horizon:
        base.set("days", last_day)  # the engine need not run past the last observed day
    evaluations = 0
    cache: dict[tuple[float, ...], np.ndarray | None] = {}

    def simulate(theta: np.ndarray) -> np.ndarray | None:
        nonlocal evaluations
        key = tuple(float(t) for t in theta)
        if key in cache:
            return cache[key]
        s = base.copy()
        for path, v in zip(paths, theta):
            s.set(path, float(v))
        try:
            run = s.run(engine="expected", progress=False)
        except InputError:
            cache[key] = None  # a value the scenario reader refuses: no run
            return None
        evaluations += 1
        arrivals = run.raw["arrivals"].sum(axis=2)
        pred = np.zeros(values.shape)
        reached = days < arrivals.shape[0]
        pred[reached] = arrivals[np.ix_(days[reached], site_ids)]
        cache[key] = pred
        return pred

    def sse(pred: np.ndarray | None, mask: np.ndarray) -> float:
        if pred is None:
            return math.inf
        r = np.where(mask, pred - np.nan_to_num(values), 0.0)
        return float((r**2).sum())

    def scores(pred: np.ndarray | None) -> dict[str, float]:
        out = {}
        for label, mask in (("fit", fit_mask), ("holdout", hold_mask)):
            n = int(mask.sum())
            if n == 0 or pred is None:
                out.update({f"rmse_{label}": math.nan, f"mae_{label}": math.nan,
                            f"sse_{label}": math.nan})
                continue
            r = (pred - np.nan_to_num(values))[mask]
            out.update({
                f"rmse_{label}": float(np.sqrt((r**2).mean())),
                f"mae_{label}": float(np.abs(r).mean()),
                f"sse_{label}": float((r**2).sum()),
            })
        return out

    pred0 = simulate(x0)
    if pred0 is None:
        raise InputError("parameters: the scenario does not run with the starting values")
    sse0 = sse(pred0, fit_mask)
    ref = sse0 if sse0 > 0 else 1.0

    p = len(paths)
    if (starts > 1 or method == "differential_evolution") and not (
        np.isfinite(low).all() and np.isfinite(high).all()
    ):
        unbounded = [path for path, lo, hi in zip(paths, low, high) if not np.isfinite(hi - lo)]
        raise InputError(
            f"bounds: a global search ({'starts > 1' if starts > 1 else method}) needs finite "
            f"bounds; give bounds= for {unbounded}"
        )
    n_pop = _DE_POPSIZE * p
    if method == "differential_evolution":
        de_budget = (max_evals * 3 // 4) // n_pop * n_pop  # whole generations
        if de_budget < 2 * n_pop:
            raise InputError(
                f"max_evals: differential evolution of {p} parameter(s) needs at least "
                f"{math.ceil(8 * n_pop / 3)} engine runs (two generations of {n_pop} and a "
                f"polish), got {max_evals}"
            )
        budgets = [de_budget, max_evals - de_budget]
    else:
        per_start = max_evals // starts
        if starts > 1 and per_start < p + 2:
            raise InputError(
                f"max_evals: {max_evals} engine runs leave {per_start} for each of {starts} "
                f"starts; give at least {(p + 2) * starts}"
            )
        budgets = [per_start] * starts

    # The current stage: its allowance of engine runs and the best point it ran.
    stage: dict[str, Any] = {}

    def objective(z: np.ndarray) -> float:
        theta = np.clip(np.atleast_1d(z) * scale, low, high)
        key = tuple(float(t) for t in theta)
        if key not in cache and evaluations - stage["first"] >= stage["limit"]:
            raise _Spent
        f = sse(simulate(theta), fit_mask) / ref
        if f < stage["f"]:
            stage.update(f=f, theta=theta)
        return f

    def begin(limit: int, theta: np.ndarray) -> None:
        stage.update(first=evaluations, limit=limit, f=math.inf, theta=theta.copy())

    z_bounds = list(zip(low / scale, high / scale))
    searches: list[dict[str, Any]] = []

    def record(kind: str, theta0: np.ndarray, converged: bool, message: str) -> None:
        theta = stage["theta"]
        row: dict[str, Any] = {"kind": kind}
        row.update({f"initial_{path}": float(v) for path, v in zip(paths, theta0)})
        row.update({f"fitted_{path}": float(v) for path, v in zip(paths, theta)})
        row.update(scores(simulate(theta)))
        row.update(evaluations=evaluations - stage["first"], converged=converged,
                   message=message, theta=theta.copy())
        searches.append(row)

    def local(theta0: np.ndarray, limit: int, half_width: np.ndarray | None, kind: str) -> None:
        begin(limit, theta0)
        options: dict[str, Any] = {"maxfev": int(limit)}
        local_method = "Nelder-Mead" if kind == "polish" else method
        z0 = theta0 / scale
        if local_method == "Nelder-Mead":
            options.update({"xatol": tol, "fatol": tol})
            if half_width is not None:  # a first simplex that stays near this start
                simplex = np.tile(z0, (p + 1, 1))
                for k in range(p):
                    up = theta0[k] + half_width[k] <= high[k]
                    simplex[k + 1, k] = (theta0[k] + (half_width[k] if up else -half_width[k]))
                    simplex[k + 1, k] /= scale[k]
                options["initial_simplex"] = simplex
        else:
            options.update({"xtol": tol, "ftol": tol})
        try:
            res = minimize(objective, z0, method=local_method, bounds=z_bounds, options=options)
            converged, message = bool(res.success), str(res.message)
        except _Spent:
            converged, message = False, f"stopped at its budget of {limit} engine runs"
        record(kind, theta0, converged, message)

    if method == "differential_evolution":
        begin(budgets[0], x0)
        try:
            res = differential_evolution(
                objective, z_bounds, maxiter=budgets[0] // n_pop - 1, popsize=_DE_POPSIZE,
                tol=tol, polish=False, x0=x0 / scale, workers=1,
                **_seeded(differential_evolution, seed),
            )
            converged, message = bool(res.success), str(res.message)
        except _Spent:
            converged, message = False, f"stopped at its budget of {budgets[0]} engine runs"
        record("differential_evolution", x0, converged, message)
        local(searches[-1]["theta"], budgets[1], None, "polish")
    else:
        points = [x0]
        widths: list[np.ndarray | None] = [None]
        if starts > 1:
            sampler = qmc.LatinHypercube(d=p, **_seeded(qmc.LatinHypercube, seed))
            unit = sampler.random(starts - 1)
            points += list(qmc.scale(unit, low, high))
            widths += [(high - low) / (2 * (starts - 1))] * (starts - 1)
        for theta0, width, limit in zip(points, widths, budgets):
            local(np.asarray(theta0, dtype=float), limit, width, "local")

    # Keep the best search (the first of equals); never return something worse than the start.
    kept = min(range(len(searches)), key=lambda i: (searches[i]["sse_fit"], i))
    best = searches[kept]["theta"]
    pred1 = simulate(best)
    sse1 = sse(pred1, fit_mask)
    if not sse1 <= sse0:
        best, pred1, sse1 = x0.copy(), pred0, sse0
    converged, message = searches[kept]["converged"], searches[kept]["message"]
    if len(searches) > 1:
        message = f"search {kept} of {len(searches)} ({searches[kept]['kind']}): {message}"
    table_searches = pd.DataFrame(
        [{k: v for k, v in row.items() if k not in ("theta", "message", "sse_holdout",
                                                     "mae_fit", "mae_holdout")}
         for row in searches],
        index=pd.Index(range(len(searches)), name="search"),
    )
    table_searches["kept"] = table_searches.index == kept

    # How well each parameter is determined: a finite-difference Hessian of the fitted SSE.
    h = step * np.where(np.abs(best) > 0, np.abs(best), scale)

    def f_at(offsets: dict[int, float]) -> float:
        theta = best.copy()
        for k, d in offsets.items():
            theta[k] = theta[k] + d
        if np.any(theta < low) or np.any(theta > high):
            return math.nan
        return sse(simulate(theta), fit_mask)

    hess = np.full((p, p), math.nan)
    for k in range(p):
        fp, fm = f_at({k: h[k]}), f_at({k: -h[k]})
        if math.isnan(fp) or math.isnan(fm):  # at a bound: one-sided
            sign = 1.0 if math.isnan(fm) else -1.0
            f1, f2 = f_at({k: sign * h[k]}), f_at({k: sign * 2 * h[k]})
            hess[k, k] = (f2 - 2 * f1 + sse1) / h[k] ** 2
        else:
            hess[k, k] = (fp - 2 * sse1 + fm) / h[k] ** 2
    for k in range(p):
        for q in range(k + 1, p):
            fpp, fpm = f_at({k: h[k], q: h[q]}), f_at({k: h[k], q: -h[q]})
            fmp, fmm = f_at({k: -h[k], q: h[q]}), f_at({k: -h[k], q: -h[q]})
            hess[k, q] = hess[q, k] = (fpp - fpm - fmp + fmm) / (4 * h[k] * h[q])

    s2 = sse1 / (n_fit - p) if n_fit > p else math.nan
    se = np.full(p, math.nan)
    corr_max = np.full(p, math.nan)
    finite = np.isfinite(hess).all()
    if finite:
        try:
            inv = np.linalg.inv(hess)
            if np.all(np.diag(inv) > 0):
                se = np.sqrt(2 * s2 * np.diag(inv)) if np.isfinite(s2) else se
                d = np.sqrt(np.diag(inv))
                corr = inv / np.outer(d, d)
                for k in range(p):
                    others = np.delete(np.abs(corr[k]), k)
                    corr_max[k] = float(others.max()) if len(others) else 0.0
        except np.linalg.LinAlgError:
            pass
    rmse1 = math.sqrt(sse1 / n_fit)
    # Sensitivity on the scale of the data: the RMSE rise for a 10% move, over the RMS of the
    # observed arrivals (finite even for a perfect fit).
    rms_obs = math.sqrt(float((np.nan_to_num(values)[fit_mask] ** 2).mean())) or 1.0
    sensitivity = np.full(p, math.nan)
    for k in range(p):
        if np.isfinite(hess[k, k]):
            rise = 0.5 * max(hess[k, k], 0.0) * (0.1 * max(abs(best[k]), scale[k])) ** 2
            sensitivity[k] = (math.sqrt((sse1 + rise) / n_fit) - rmse1) / rms_obs
    rel_se = se / np.where(np.abs(best) > 0, np.abs(best), np.nan)
    determined = []
    for k in range(p):
        sens, rse = sensitivity[k], rel_se[k]
        if np.isfinite(sens) and sens >= 0.01 and (not np.isfinite(rse) or rse < 0.1):
            determined.append("well")
        elif np.isfinite(sens) and sens >= 0.001:
            determined.append("weakly")
        else:
            determined.append("poorly")

    fitted = scenario.copy()
    for path, v in zip(paths, best):
        fitted.set(path, float(v))
    table = pd.DataFrame(
        {
            "initial": x0,
            "fitted": best,
            "low": low,
            "high": high,
            "curvature": np.diag(hess),
            "sensitivity": sensitivity,
            "se": se,
            "rel_se": rel_se,
            "max_correlation": corr_max,
            "determined": determined,
        },
        index=pd.Index(paths, name="parameter"),
    )
    error = pd.DataFrame([scores(pred0), scores(pred1)], index=pd.Index(["before", "after"]))
    error = error[["rmse_fit", "mae_fit", "sse_fit", "rmse_holdout", "mae_holdout", "sse_holdout"]]
    return Calibration(
        parameters=table,
        values={path: float(v) for path, v in zip(paths, best)},
        error=error,
        hessian=pd.DataFrame(hess, index=paths, columns=paths),
        observed=obs,
        predicted=pd.DataFrame(pred1, index=obs.index, columns=obs.columns),
        fit_days=fit,
        holdout_days=[int(d) for d in hold],
        scenario=fitted,
        evaluations=evaluations,
        converged=bool(converged),
        message=str(message),
        searches=table_searches,
    )
