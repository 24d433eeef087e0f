"""Uncertainty ensembles: many variants of one scenario, run locally or on a Dask cluster.

>>> e = corridor.ensemble(
...     scenario, members=500, seed=7,
...     vary={"events[0].people": ("uniform", 80_000, 160_000),
...           "events[1].day": [14, 21, 28],
...           "movement.camp_weight": ("normal", 2.0, 0.3, 1.0, 4.0)})
>>> e.quantiles([0.05, 0.5, 0.95])                # per site per day (DataFrame or xarray)
>>> e.exceedance("Sedra Plain Camp")              # P(occupancy >= 1 by each day)
>>> e.plot_fan("Sedra Plain Camp"); e.write("output/ensemble")

Design notes
------------
* **Draws first, then runs.** Every member's values (and, for the agent engine, its seed) are
  drawn on the calling machine from one ``numpy`` generator seeded by ``seed``, in the order
  of ``vary``'s keys, before anything runs. Each member's document is then turned into TOML
  text and checked by the C++ reader, so an impossible draw (a negative number of people, a day
  past the end) is an error naming the member before any work starts. A member's result
  depends only on its text and seed, never on the batch, worker or thread that ran it: the same
  seed gives identical results serially, on threads and on Dask.
* **The network is shipped once.** Members carry only their TOML text (a few kB; the
  ``[network]`` table is dropped); the resolved network travels once per worker (scattered
  with ``broadcast=True`` on Dask, shared in memory on threads) and is used instead of files,
  so workers need no access to the scenario's folder and hold no GDAL handles.
* **Threads locally.** The engines release the GIL, so members run on a thread pool in this
  process (each engine on one thread, members in parallel); ``workers=1`` runs them in turn.
* **What is kept.** Per member, per day and per site: the metrics asked for (population,
  arrivals, backlog, occupancy by default, any cohort's population, waiting days or the
  needs), as float32 (seven significant digits: well below any planning figure's precision),
  plus the capacity. Quantiles use numpy's default (linear) interpolation between members.
"""

from __future__ import annotations

import copy as _copy
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridor import _core
from corridor._progress import progress_bar
from corridor.network import Network, _geopandas
from corridor.scenario import (
    _ENGINES,
    Scenario,
    _day_span,
    _format_path,
    _interactive,
    _parse_path,
    _tomli_w,
    _toml_ready,
    _write_folder,
)

__all__ = ["DISTRIBUTIONS", "Ensemble", "ensemble"]

#: Distributions a varied value may be drawn from, with their parameters.
DISTRIBUTIONS: dict[str, str] = {
    "uniform": "low, high (low < high)",
    "normal": "mean, sd[, low, high] (sd > 0; with bounds, redrawn until inside)",
    "triangular": "low, mode, high (low <= mode <= high, low < high)",
    "lognormal": "median, sigma (median > 0, sigma > 0: exp of a normal)",
    "loguniform": "low, high (0 < low < high)",
}

#: Metrics computed from each member's arrays (days x sites); any cohort name is a metric too.
_METRICS = {
    "population": "people at the site at the end of the day, waiting included",
    "arrivals": "people arriving during the day",
    "backlog": "people waiting to be screened at the end of the day",
    "occupancy": "population / shelter capacity (NaN where unlimited)",
    "waiting_days": "backlog / screening throughput (NaN where unlimited)",
    "screened": "people screened during the day",
    "water_l": "litres of water needed per day",
    "kcal": "food energy needed per day",
    "toilets": "toilets needed",
    "covered_m2": "covered living space needed, m2",
}
_DEFAULT_METRICS = ("population", "arrivals", "backlog", "occupancy")

#: Keys whose variation would change the shape or meaning of every member's output.
_FIXED_KEYS = ("days", "start", "network", "cohorts", "engine", "seed", "name")

#: Memory a local ensemble may take for its arrays before asking for fewer sites or metrics.
_MAX_BYTES = 4 * 2**30


def _error(message: str) -> _core.InputError:
    return _core.InputError(message)


# ---------------------------------------------------------------------------------- drawing


@dataclass(frozen=True)
class _Draw:
    """How one varied value is drawn."""

    path: str
    kind: str  # a DISTRIBUTIONS key, or "choice"
    params: tuple[float, ...] = ()
    options: tuple[Any, ...] = ()
    weights: tuple[float, ...] | None = None
    integer: bool = False

    def describe(self) -> str:
        if self.kind == "choice":
            text = "one of " + ", ".join(map(repr, self.options))
            if self.weights is not None:
                text += " (weights " + ", ".join(f"{w:g}" for w in self.weights) + ")"
            return text
        return f"{self.kind}(" + ", ".join(f"{p:g}" for p in self.params) + ")"

    def sample(self, rng: np.random.Generator, n: int) -> list[Any]:
        if self.kind == "choice":
            p = None
            if self.weights is not None:
                w = np.asarray(self.weights, dtype=float)
                p = w / w.sum()
            picks = rng.choice(len(self.options), size=n, p=p)
            return [_copy.deepcopy(self.options[i]) for i in picks]
        a = self.params
        if self.kind == "uniform":
            x = rng.uniform(a[0], a[1], n)
        elif self.kind == "triangular":
            x = rng.triangular(a[0], a[1], a[2], n)
        elif self.kind == "lognormal":
            x = a[0] * np.exp(rng.normal(0.0, a[1], n))
        elif self.kind == "loguniform":
            x = np.exp(rng.uniform(math.log(a[0]), math.log(a[1]), n))
        else:  # normal, optionally truncated by redrawing
            x = rng.normal(a[0], a[1], n)
            if len(a) == 4:
                low, high = a[2], a[3]
                bad = (x < low) | (x > high)
                for _ in range(10_000):
                    if not bad.any():
                        break
                    x[bad] = rng.normal(a[0], a[1], int(bad.sum()))
                    bad = (x < low) | (x > high)
                else:  # pragma: no cover - bounds checked to hold real probability mass
                    raise _error(f"vary[{self.path!r}]: could not draw inside [{low}, {high}]")
        if self.integer:
            return [int(v) for v in np.rint(x)]
        return [float(v) for v in x]


def _number(path: str, value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise _error(f"vary[{path!r}]: {what} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise _error(f"vary[{path!r}]: {what} must be finite, got {value!r}")
    return v


def _parse_spec(path: str, spec: Any, current: Any) -> _Draw:
    """Turn one ``vary`` value into a :class:`_Draw`, checking its parameters."""
    integer = isinstance(current, (int, np.integer)) and not isinstance(current, (bool, np.bool_))
    if isinstance(spec, Mapping):
        if set(spec) - {"choice", "weights"} or "choice" not in spec:
            raise _error(
                f"vary[{path!r}]: a table must be {{'choice': [...], 'weights': [...]}}, "
                f"got keys {sorted(spec)}"
            )
        options = list(spec["choice"])
        weights = spec.get("weights")
        if not options:
            raise _error(f"vary[{path!r}]: 'choice' is empty")
        if weights is not None:
            weights = [_number(path, w, "each weight") for w in weights]
            if len(weights) != len(options):
                raise _error(
                    f"vary[{path!r}]: {len(weights)} weights for {len(options)} alternatives"
                )
            if min(weights) < 0 or sum(weights) <= 0:
                raise _error(f"vary[{path!r}]: weights must be >= 0 and not all 0")
            weights = tuple(weights)
        return _Draw(path, "choice", options=tuple(options), weights=weights)
    if isinstance(spec, (list, tuple)) and spec and isinstance(spec[0], str) and (
        spec[0] in DISTRIBUTIONS or isinstance(spec, tuple)
    ):
        kind = spec[0]
        if kind not in DISTRIBUTIONS:
            raise _error(
                f"vary[{path!r}]: unknown distribution {kind!r} (expected one of "
                f"{', '.join(DISTRIBUTIONS)}, or a list of alternatives)"
            )
        counts = {"uniform": (2,), "normal": (2, 4), "triangular": (3,), "lognormal": (2,),
                  "loguniform": (2,)}[kind]
        if len(spec) - 1 not in counts:
            raise _error(
                f"vary[{path!r}]: {kind} takes {DISTRIBUTIONS[kind].split(' (')[0]}, "
                f"got {len(spec) - 1} parameter(s)"
            )
        p = tuple(_number(path, v, f"{kind} parameter {i + 1}") for i, v in enumerate(spec[1:]))
        bad = None
        if kind in ("uniform", "loguniform") and not p[0] < p[1]:
            bad = f"low ({p[0]:g}) must be below high ({p[1]:g})"
        elif kind == "loguniform" and p[0] <= 0:
            bad = f"low ({p[0]:g}) must be > 0"
        elif kind == "normal" and p[1] <= 0:
            bad = f"sd ({p[1]:g}) must be > 0"
        elif kind == "normal" and len(p) == 4:
            low, high = p[2], p[3]
            if not low < high:
                bad = f"low bound ({low:g}) must be below high bound ({high:g})"
            else:
                z = (np.array([low, high]) - p[0]) / p[1]
                mass = 0.5 * (math.erf(z[1] / math.sqrt(2)) - math.erf(z[0] / math.sqrt(2)))
                if mass < 1e-3:
                    bad = f"bounds [{low:g}, {high:g}] hold almost none of the distribution"
        elif kind == "triangular" and not (p[0] <= p[1] <= p[2] and p[0] < p[2]):
            bad = f"need low <= mode <= high and low < high, got {p[0]:g}, {p[1]:g}, {p[2]:g}"
        elif kind == "lognormal" and (p[0] <= 0 or p[1] <= 0):
            bad = f"median ({p[0]:g}) and sigma ({p[1]:g}) must be > 0"
        if bad:
            raise _error(f"vary[{path!r}]: impossible {kind} distribution: {bad}")
        return _Draw(path, kind, params=p, integer=integer)
    if isinstance(spec, (list, tuple)):
        if not spec:
            raise _error(f"vary[{path!r}]: the list of alternatives is empty")
        return _Draw(path, "choice", options=tuple(spec))
    raise _error(
        f"vary[{path!r}]: expected a distribution such as ('uniform', low, high), a list of "
        f"alternatives or {{'choice': [...], 'weights': [...]}}, got {spec!r}"
    )


def _current_value(scenario: Scenario, path: str) -> Any:
    """The value a varied path has now, or its default; KeyError if the scenario has no such
    key (so a misspelt key fails before any work)."""
    parts = _parse_path(path)
    if parts and parts[0] in _FIXED_KEYS:
        raise _error(
            f"vary[{path!r}]: {parts[0]!r} cannot vary within an ensemble (every member must "
            "share the network, dates, cohorts and engine; run separate ensembles instead)"
        )
    value = scenario.get(path, default=None)
    if value is not None:
        return value
    defaults = {"movement": _core.default_movement(), "planning": _core.default_planning()}
    if len(parts) == 2 and parts[0] in defaults and parts[1] in defaults[parts[0]]:
        return defaults[parts[0]][parts[1]]
    try:
        scenario.get(path)
    except KeyError as exc:
        hint = ""
        if len(parts) == 2 and parts[0] in defaults:
            hint = f" (known {parts[0]} keys: {', '.join(defaults[parts[0]])})"
        raise _error(f"vary[{path!r}]: {exc.args[0]}{hint}") from None
    return None  # pragma: no cover - get() raised above


# ---------------------------------------------------------------------------------- members


@dataclass
class _Payload:
    """What every worker needs once: the network and how to read the results."""

    network: _core.Network
    name: str
    engine: str
    metrics: tuple[str, ...]
    sites: np.ndarray  # location indices kept
    cohorts: tuple[str, ...]


def _member_arrays(raw: dict[str, Any], payload: _Payload) -> dict[str, np.ndarray]:
    """One member's metrics, days x kept sites, float32."""
    idx = payload.sites
    pop_c = raw["population"][:, idx, :]
    pop = pop_c.sum(axis=2)
    cap = raw["capacity"][:, idx]
    out: dict[str, np.ndarray] = {"capacity": cap}
    for m in payload.metrics:
        if m == "population":
            v = pop
        elif m in ("arrivals", "backlog"):
            v = raw[m][:, idx, :].sum(axis=2)
        elif m == "occupancy":
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.where(np.isfinite(cap) & (cap > 0), pop / cap, np.nan)
            v = np.where(np.isfinite(cap) & (cap <= 0), np.where(pop > 0, np.inf, 0.0), v)
        elif m == "waiting_days":
            backlog = raw["backlog"][:, idx, :].sum(axis=2)
            rate = raw["screening_per_day"][:, idx]
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.where(np.isfinite(rate), backlog / rate, np.nan)
            v = np.where(np.isfinite(rate) & (rate <= 0), np.where(backlog > 0, np.inf, 0.0), v)
        elif m in payload.cohorts:
            v = pop_c[:, :, payload.cohorts.index(m)]
        else:
            v = raw[m][:, idx]
        out[m] = v
    return {k: np.asarray(v, dtype=np.float32) for k, v in out.items()}


def _run_batch(
    payload: _Payload, batch: list[tuple[int, str, int]]
) -> tuple[list[int], dict[str, np.ndarray], list[list[dict[str, Any]]]]:
    """Run members ``(index, toml_text, seed)`` one after another; module-level so that Dask
    pickles it by reference. Returns the member indices, the stacked arrays and the triggers
    each member fired."""
    indices: list[int] = []
    arrays: dict[str, list[np.ndarray]] = {}
    fired: list[list[dict[str, Any]]] = []
    for member, text, seed in batch:
        core = _core.parse_scenario(text, f"{payload.name} member {member}", ".", payload.network)
        raw = _core.run_projection(core, None, engine=payload.engine, seed=seed, threads=1)
        for key, value in _member_arrays(raw, payload).items():
            arrays.setdefault(key, []).append(value)
        fired.append(list(raw["fired"]))
        indices.append(member)
    return indices, {k: np.stack(v) for k, v in arrays.items()}, fired


def _check_client(client: Any) -> int:
    """The number of worker threads of a usable Dask client; a clear error otherwise."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - dask[distributed] is a dependency
        raise _error("client=: dask.distributed is not installed") from exc
    if not isinstance(client, Client):
        raise _error(f"client must be a dask.distributed.Client, got {type(client).__name__}")
    status = getattr(client, "status", None)
    if status != "running":
        raise _error(f"client {client!r} is not running (status {status!r}): it was closed")
    try:
        threads = sum(client.nthreads().values())
    except Exception as exc:  # the scheduler went away
        raise _error(f"client {client!r}: cannot reach the scheduler: {exc}") from None
    if threads < 1:
        raise _error(f"client {client!r} has no workers")
    return threads


# ---------------------------------------------------------------------------------- the API


def ensemble(
    scenario: Scenario | str | os.PathLike,
    members: int = 100,
    vary: Mapping[str, Any] | None = None,
    seed: int | None = None,
    client: Any = None,
    progress: bool | Callable[[int], Any] | None = None,
    *,
    engine: str | None = None,
    metrics: Sequence[str] = _DEFAULT_METRICS,
    sites: Sequence[str] | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
) -> Ensemble:
    """Run ``members`` variants of a scenario and return their :class:`Ensemble`.

    Parameters
    ----------
    scenario : corridor.Scenario or path
        The base scenario (a TOML path is read with :meth:`Scenario.from_toml`).
    members : int
        Number of variants, >= 1.
    vary : dict, optional
        Scenario paths (as in :meth:`Scenario.get`, e.g. ``"events[0].people"``,
        ``"movement.camp_weight"``) mapped to how each member draws its value:

        * ``("uniform", low, high)``, ``("normal", mean, sd)``, ``("normal", mean, sd, low,
          high)`` (truncated), ``("triangular", low, mode, high)``, ``("lognormal", median,
          sigma)``, ``("loguniform", low, high)``;
        * a list of alternatives, drawn with equal chances (``[20, 30, 40]``), or
          ``{"choice": [...], "weights": [...]}``.

        Draws for a key whose current value is an integer (days, people) are rounded. Movement
        and planning keys may be varied even when the scenario leaves them at their defaults.
        ``days``, ``start``, ``network``, ``cohorts``, ``engine``, ``seed`` and ``name`` cannot
        vary. With no ``vary`` the members differ only by their agent-engine seeds.
    seed : int, optional
        Seeds every draw and the members' agent-engine seeds; the same seed gives identical
        results whether members run serially, on threads or on Dask. Drawn at random (and kept
        in :attr:`Ensemble.seed`) when not given.
    client : dask.distributed.Client, optional
        Run members as batched tasks on the client's workers (the network is shipped to each
        worker once). By default members run in this process on a thread pool.
    progress : bool or callable, optional
        A tqdm progress bar over members (by default in terminals and notebooks), or a function
        called with the number of members finished so far.
    engine : {"expected", "agents"}, optional
        The scenario's engine by default. The agent engine gives every member its own seed.
    metrics : sequence of str
        What to keep per member, day and site: ``population``, ``arrivals``, ``backlog``,
        ``occupancy``, ``waiting_days``, ``screened``, ``water_l``, ``kcal``, ``toilets``,
        ``covered_m2`` or a cohort's name (its population, e.g. ``"unaccompanied_minors"``).
        Capacity is always kept.
    sites : sequence of str, optional
        Locations to keep (all by default); large networks should name the sites of interest.
    workers : int, optional
        Local threads running members (all cores by default; 1 runs them in turn). Ignored
        with ``client``.
    batch_size : int, optional
        Members per task (by default about eight tasks per worker thread).

    Raises
    ------
    corridor.InputError
        Before any member runs: a varied key that does not exist or cannot vary, a distribution
        with impossible parameters, members < 1, an unknown metric or site, a closed client,
        or a member whose drawn values the scenario reader rejects (naming the member).
    """
    t_members = members
    if isinstance(t_members, bool) or not isinstance(t_members, (int, np.integer)) or t_members < 1:
        raise _error(f"members: {members!r} must be an integer >= 1")
    members = int(members)
    if not isinstance(scenario, Scenario):
        scenario = Scenario.from_toml(scenario)
    vary = dict(vary or {})
    for key in vary:
        if not isinstance(key, str):
            raise _error(f"vary: keys must be scenario paths (str), got {key!r}")
    name = engine if engine is not None else scenario.data.get("engine", "expected")
    if name not in _ENGINES:
        raise _error(
            f"engine: unknown engine {name!r} (expected one of {', '.join(map(repr, _ENGINES))})"
        )
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise _error(f"workers: {workers!r} must be an integer >= 1")
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
    ):
        raise _error(f"batch_size: {batch_size!r} must be an integer >= 1")
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
    ):
        raise _error(f"seed: {seed!r} must be an integer >= 0")
    client_threads = _check_client(client) if client is not None else 0

    draws = [_parse_spec(path, spec, _current_value(scenario, path)) for path, spec in vary.items()]

    base = scenario.validate()  # the base scenario itself must be sound
    network = Network(base.network)
    cohorts = tuple(base.cohorts)
    metrics = tuple(dict.fromkeys(metrics))
    for m in metrics:
        if m not in _METRICS and m not in cohorts:
            raise _error(
                f"metrics: unknown metric {m!r} (expected {', '.join(_METRICS)} or a cohort: "
                f"{', '.join(cohorts)})"
            )
    if not metrics:
        raise _error("metrics: give at least one metric")
    names = network._names()
    if sites is None:
        site_idx = np.arange(len(names), dtype=np.int64)
    else:
        if isinstance(sites, str):
            sites = [sites]
        lookup = {n: i for i, n in enumerate(names)}
        missing = [s for s in sites if s not in lookup]
        if missing:
            raise _error(f"sites: unknown location(s) {', '.join(map(repr, missing))}")
        site_idx = np.array([lookup[s] for s in dict.fromkeys(sites)], dtype=np.int64)
    days = int(base.days)
    need = members * days * len(site_idx) * (len(metrics) + 1) * 4
    if need > _MAX_BYTES:
        raise _error(
            f"this ensemble would keep {need / 2**30:.1f} GiB of results ({members} members x "
            f"{days} days x {len(site_idx)} sites x {len(metrics) + 1} metrics): pass sites= "
            "(the sites of interest) or fewer metrics"
        )

    # Draw everything first, in a fixed order: the results depend on the seed alone.
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    rng = np.random.default_rng(int(seed))
    columns = {d.path: d.sample(rng, members) for d in draws}
    seeds = rng.integers(0, 2**63 - 1, size=members, dtype=np.int64)
    table = pd.DataFrame(columns, index=pd.RangeIndex(members, name="member"))
    table["seed"] = seeds

    # Each member's document as TOML text, checked by the reader before anything runs.
    doc = scenario.copy()
    doc._data.pop("network", None)
    doc._network = network
    tomli_w = _tomli_w()
    base_data = _toml_ready(doc._clean())
    texts: list[str] = []
    render = _text_maker(base_data, columns, tomli_w)
    for i in range(members):
        text = render(i)
        label = f"{scenario.name} member {i}"
        try:
            _core.parse_scenario(text, label, ".", network._core)
        except _core.InputError as exc:
            drawn = ", ".join(f"{p} = {columns[p][i]!r}" for p in columns)
            # The generated text's line numbers mean nothing to the user: keep the key path.
            reason = re.sub(rf"^{re.escape(label)}( line \d+(, column \d+)?)?: ", "", str(exc))
            raise _error(f"{scenario._source_name()}: ensemble member {i} ({drawn}): {reason}") from None
        texts.append(text)

    payload = _Payload(
        network=network._core,
        name=scenario.name,
        engine=name,
        metrics=metrics,
        sites=site_idx,
        cohorts=cohorts,
    )
    jobs = [(i, texts[i], int(seeds[i])) for i in range(members)]
    if client is not None:
        slots = client_threads
    else:
        slots = workers if workers is not None else (os.cpu_count() or 1)
    size = batch_size or max(1, math.ceil(members / (8 * max(1, slots))))
    batches = [jobs[i : i + size] for i in range(0, members, size)]

    bar = None
    if callable(progress):
        tick: Callable[[int], Any] | None = progress
    else:
        show = progress if progress is not None else _interactive()
        bar = progress_bar(members, bool(show), f"{scenario.name}: ensemble")
        if bar is not None:
            bar.unit = "member"
        tick = None

    results: dict[str, np.ndarray] = {
        key: np.empty((members, days, len(site_idx)), dtype=np.float32)
        for key in ("capacity", *metrics)
    }
    fired: list[list[dict[str, Any]]] = [[] for _ in range(members)]
    done = 0

    def take(result) -> None:
        nonlocal done
        indices, arrays, member_fired = result
        for key, block in arrays.items():
            results[key][indices] = block
        for i, f in zip(indices, member_fired):
            fired[i] = f
        done += len(indices)
        if bar is not None:
            bar.update(len(indices))
        if tick is not None:
            tick(done)

    try:
        if client is not None:
            _run_on_dask(client, payload, batches, take)
        elif slots == 1 or len(batches) == 1:
            for b in batches:
                take(_run_batch(payload, b))
        else:
            with ThreadPoolExecutor(max_workers=slots, thread_name_prefix="corridor-ens") as pool:
                futures = [pool.submit(_run_batch, payload, b) for b in batches]
                try:
                    for f in as_completed(futures):
                        take(f.result())
                except BaseException:
                    for f in futures:
                        f.cancel()
                    raise
    finally:
        if bar is not None:
            bar.close()

    info = {
        "name": base.name or scenario.name,
        "start_date": base.start_date,
        "days": days,
        "engine": name,
        "seed": int(seed),
        "vary": {d.path: d.describe() for d in draws},
        "cohorts": list(cohorts),
        "triggers": [
            {k: t[k] for k in ("location", "metric", "threshold", "above")} for t in base.triggers
        ],
    }
    return Ensemble(
        scenario=scenario.copy(),
        network=network,
        info=info,
        members=table,
        sites_kept=[names[i] for i in site_idx],
        arrays=results,
        fired=fired,
    )


def _run_on_dask(client: Any, payload: _Payload, batches: list, take: Callable) -> None:
    from distributed import as_completed as dask_as_completed

    shipped = client.scatter(payload, broadcast=True, hash=False)
    futures = [client.submit(_run_batch, shipped, b, pure=False) for b in batches]
    try:
        for future in dask_as_completed(futures):
            take(future.result())
    except BaseException:
        client.cancel(futures)
        raise
    finally:
        client.cancel(shipped)


def _toml_literal(value: Any, tomli_w) -> str:
    """A scalar (or list of scalars) as a TOML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # finite: checked when drawn; repr round-trips exactly
    return tomli_w.dumps({"v": value})[4:].rstrip("\n")


def _templatable(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (bool, int, str)):
        return True
    return isinstance(value, list) and all(
        isinstance(v, (bool, int, str)) or (isinstance(v, float) and math.isfinite(v))
        for v in value
    )


def _text_maker(base: dict[str, Any], columns: dict[str, list[Any]], tomli_w) -> Callable[[int], str]:
    """A function giving member i's scenario text. When every drawn value is a scalar (the
    usual case), the document is serialised once with a placeholder per varied path and each
    member only substitutes its values: tomli-w is pure Python, and dumping the whole document
    per member would cost more than running the expected engine. Otherwise (a drawn table),
    each member's document is dumped in full."""

    def full(i: int) -> str:
        data = _copy.deepcopy(base)
        for path, values in columns.items():
            _set(data, path, values[i])
        return tomli_w.dumps(_toml_ready(data))

    if not columns or not all(_templatable(v) for values in columns.values() for v in values):
        return full
    data = _copy.deepcopy(base)
    marks = {}
    for k, path in enumerate(columns):
        marks[path] = f"@@corridor-vary-{k}@@"
        _set(data, path, marks[path])
    template = tomli_w.dumps(_toml_ready(data))
    if any(template.count(f'"{m}"') != 1 for m in marks.values()):
        return full  # pragma: no cover - a placeholder was quoted differently
    pieces = re.split(r'"(@@corridor-vary-\d+@@)"', template)
    slot = {m: path for path, m in marks.items()}
    literals = {path: [_toml_literal(v, tomli_w) for v in values] for path, values in columns.items()}

    def render(i: int) -> str:
        return "".join(
            literals[slot[piece]][i] if k % 2 else piece for k, piece in enumerate(pieces)
        )

    return render


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    """Set a path in a plain document, creating a missing movement/planning table."""
    parts = _parse_path(path)
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        if isinstance(part, str) and isinstance(node, dict) and part not in node:
            node[part] = {}
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            raise _error(f"vary[{path!r}]: scenario has no {_format_path(parts[: i + 1])!r}") from None
    node[parts[-1]] = _toml_ready(value)


# ---------------------------------------------------------------------------------- results


def _qlabel(q: float) -> str:
    return f"p{q * 100:g}".replace(".", "_")


def _check_q(q: Any) -> list[float]:
    qs = [float(q)] if np.isscalar(q) else [float(v) for v in q]
    if not qs or any(not (0.0 <= v <= 1.0) for v in qs):
        raise _error(f"quantiles: {q!r} must lie in [0, 1]")
    return qs


@dataclass
class Ensemble:
    """The members of an ensemble and their results, per member, day and site.

    Attributes
    ----------
    members : pandas.DataFrame
        One row per member: the value drawn for every varied path, and ``seed``.
    info : dict
        Name, start date, days, engine, seed, and how each path was varied.
    """

    scenario: Scenario
    network: Network
    info: dict[str, Any]
    members: pd.DataFrame
    sites_kept: list[str]
    arrays: dict[str, np.ndarray] = field(repr=False)
    fired: list[list[dict[str, Any]]] = field(repr=False)

    # ------------------------------------------------------------------ basics
    @property
    def name(self) -> str:
        return str(self.info["name"])

    @property
    def size(self) -> int:
        """Number of members."""
        return len(self.members)

    @property
    def seed(self) -> int:
        """The seed that reproduces this ensemble."""
        return int(self.info["seed"])

    @property
    def days(self) -> int:
        return int(self.info["days"])

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(pd.Timestamp(self.info["start_date"]), periods=self.days, freq="D",
                             name="date")

    @property
    def metrics(self) -> list[str]:
        return [k for k in self.arrays if k != "capacity"]

    def _site(self, site: str) -> int:
        try:
            return self.sites_kept.index(site)
        except ValueError:
            raise _error(
                f"unknown site {site!r} (this ensemble kept {len(self.sites_kept)} sites)"
            ) from None

    def _metric(self, metric: str) -> np.ndarray:
        if metric not in self.arrays:
            raise _error(f"unknown metric {metric!r} (kept: {', '.join(self.arrays)})")
        return self.arrays[metric]

    def values(self, metric: str = "population", site: str | None = None) -> pd.DataFrame:
        """Every member's values: a DataFrame of dates x members (one site), or the raw array
        through :meth:`to_xarray`."""
        if site is None:
            raise _error("values: name a site (or use to_xarray() for every site)")
        a = self._metric(metric)[:, :, self._site(site)]
        return pd.DataFrame(a.T.astype(np.float64), index=self.dates,
                            columns=pd.RangeIndex(self.size, name="member"))

    # ------------------------------------------------------------------ statistics
    def quantiles(
        self,
        q: float | Sequence[float] = (0.05, 0.5, 0.95),
        metric: str | Sequence[str] | None = None,
        xarray: bool = False,
    ):
        """Quantiles across members, per site and day.

        Parameters
        ----------
        q : float or sequence of float
            Quantiles in [0, 1] (linear interpolation between members).
        metric : str or sequence of str, optional
            The metrics (all kept ones by default).
        xarray : bool
            Return an ``xarray.Dataset`` (one variable per metric, dims ``quantile, date,
            site``) instead of a DataFrame.

        Returns
        -------
        pandas.DataFrame
            Long form: ``date, day, site, metric`` and one column per quantile, named ``p5``,
            ``p50``, ``p95`` (``p2_5`` for 0.025). NaN where a metric is undefined (the
            occupancy of a site with unlimited capacity).
        """
        qs = _check_q(q)
        chosen = self.metrics if metric is None else ([metric] if isinstance(metric, str)
                                                      else list(metric))
        stats = {}
        for m in chosen:
            a = self._metric(m).astype(np.float64)
            with np.errstate(invalid="ignore"):
                stats[m] = np.quantile(a, qs, axis=0)  # quantile x day x site
            undefined = np.isnan(a).all(axis=0)
            stats[m][:, undefined] = np.nan
        if xarray:
            import xarray as xr

            return xr.Dataset(
                {m: (("quantile", "date", "site"), v) for m, v in stats.items()},
                coords={"quantile": qs, "date": self.dates, "site": self.sites_kept,
                        "day": ("date", np.arange(self.days))},
                attrs={"name": self.name, "members": self.size, "engine": self.info["engine"],
                       "seed": self.seed},
            )
        n_sites = len(self.sites_kept)
        frames = []
        for m, v in stats.items():
            frame = pd.DataFrame({
                "date": np.repeat(self.dates.to_numpy(), n_sites),
                "day": np.repeat(np.arange(self.days), n_sites),
                "site": np.tile(np.asarray(self.sites_kept, dtype=object), self.days),
                "metric": m,
            })
            for k, qv in enumerate(qs):
                frame[_qlabel(qv)] = v[k].reshape(-1)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def exceedance(
        self,
        site: str | Sequence[str] | None = None,
        metric: str = "occupancy",
        threshold: float = 1.0,
    ) -> pd.Series | pd.DataFrame:
        """The probability (share of members) that ``metric`` has reached ``threshold`` at the
        site by each day (on that day or any day before).

        With ``metric="occupancy"`` and ``threshold=1.0`` (the default): the chance that the
        site has run out of shelter by each date. Returns a Series over dates for one site, or
        a DataFrame of dates x sites (all sites by default).
        """
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not math.isfinite(threshold):
            raise _error(f"threshold: {threshold!r} must be a finite number")
        a = self._metric(metric)
        with np.errstate(invalid="ignore"):
            hit = np.fmax.accumulate(np.nan_to_num(a, nan=-np.inf), axis=1) >= threshold
        p = hit.mean(axis=0)  # day x site
        if isinstance(site, str):
            return pd.Series(p[:, self._site(site)], index=self.dates,
                             name=f"P({metric} >= {threshold:g})")
        names = self.sites_kept if site is None else list(site)
        cols = [self._site(s) for s in names]
        return pd.DataFrame(p[:, cols], index=self.dates,
                            columns=pd.Index(names, name="site"))

    def summary(self) -> pd.DataFrame:
        """One row per site that anyone reached in any member, most at risk first.

        Columns: ``kind``, ``capacity`` (on the last day, median over members; NaN = unlimited),
        ``p_over_capacity`` (share of members in which the site ran out of shelter on some
        day), ``first_over_capacity_median`` (median date it first did, among those members),
        ``date_p50`` (the first date by which half the members have run out),
        ``days_over_capacity_p50/p95`` (days spent over capacity),
        ``peak_population_p5/p50/p95``, ``peak_backlog_p50/p95`` (if backlog was kept).
        """
        pop = self.arrays.get("population")
        cap = self.arrays["capacity"].astype(np.float64)
        if pop is None:
            raise _error("summary: needs the 'population' metric")
        pop = pop.astype(np.float64)
        peak = pop.max(axis=1)  # member x site
        with np.errstate(invalid="ignore", divide="ignore"):
            over = pop >= np.where(np.isfinite(cap), cap, np.inf)
        ever = over.any(axis=1)
        first = np.where(ever, over.argmax(axis=1), -1)
        kinds = self.network.locations.set_index("name")["kind"].astype(str)
        dates = self.dates
        rows = []
        p_by_day = over.cumsum(axis=1).astype(bool).mean(axis=0)  # day x site
        for j, site in enumerate(self.sites_kept):
            if not (peak[:, j] > 0).any():
                continue
            firsts = first[:, j][first[:, j] >= 0]
            half = np.nonzero(p_by_day[:, j] >= 0.5)[0]
            row = {
                "site": site,
                "kind": kinds.get(site, ""),
                "capacity": float(np.median(cap[:, -1, j])) if np.isfinite(cap[:, -1, j]).all() else np.nan,
                "p_over_capacity": float(ever[:, j].mean()),
                "first_over_capacity_median": (
                    dates[int(np.median(firsts))] if len(firsts) else pd.NaT
                ),
                "date_p50": dates[half[0]] if len(half) else pd.NaT,
                "days_over_capacity_p50": float(np.quantile(over[:, :, j].sum(axis=1), 0.5)),
                "days_over_capacity_p95": float(np.quantile(over[:, :, j].sum(axis=1), 0.95)),
                "peak_population_p5": float(np.quantile(peak[:, j], 0.05)),
                "peak_population_p50": float(np.quantile(peak[:, j], 0.5)),
                "peak_population_p95": float(np.quantile(peak[:, j], 0.95)),
            }
            if "backlog" in self.arrays:
                pb = self.arrays["backlog"][:, :, j].max(axis=1).astype(np.float64)
                row["peak_backlog_p50"] = float(np.quantile(pb, 0.5))
                row["peak_backlog_p95"] = float(np.quantile(pb, 0.95))
            rows.append(row)
        frame = pd.DataFrame(rows)
        if frame.empty:
            return frame
        return frame.sort_values(
            ["p_over_capacity", "peak_population_p50"], ascending=False
        ).reset_index(drop=True)

    def triggers(self) -> pd.DataFrame:
        """How often each of the scenario's triggers fired across members, and when.

        One row per trigger: ``trigger`` (its index), ``location, metric, threshold``,
        ``p_fired`` (share of members in which it fired), ``first_date``, ``median_date`` and
        ``last_date`` of its firing among those members.
        """
        dates = self.dates
        by_trigger: dict[int, list[int]] = {}
        for member in self.fired:
            for f in member:
                by_trigger.setdefault(int(f["trigger"]), []).append(int(f["day"]))

        def date(day: float):
            day = int(day)
            return dates[day] if day < len(dates) else dates[0] + pd.Timedelta(days=day)

        rows = []
        for k, t in enumerate(self.info["triggers"]):
            d = np.array(by_trigger.get(k, []))
            rows.append({
                "trigger": k,
                "location": t["location"],
                "metric": t["metric"],
                "threshold": float(t["threshold"]),
                "p_fired": len(d) / self.size,
                "first_date": date(d.min()) if len(d) else pd.NaT,
                "median_date": date(np.median(d)) if len(d) else pd.NaT,
                "last_date": date(d.max()) if len(d) else pd.NaT,
            })
        return pd.DataFrame(rows, columns=["trigger", "location", "metric", "threshold",
                                           "p_fired", "first_date", "median_date", "last_date"])

    def to_xarray(self):
        """Every member's values: an ``xarray.Dataset`` with one variable per metric (dims
        ``member, date, site``), the capacity, and the drawn values as member coordinates."""
        import xarray as xr

        coords: dict[str, Any] = {
            "member": np.arange(self.size),
            "date": self.dates,
            "site": self.sites_kept,
            "day": ("date", np.arange(self.days)),
        }
        for column in self.members.columns:
            values = self.members[column].to_numpy()
            if values.dtype == object:
                values = values.astype(str)
            coords[column] = ("member", values)
        return xr.Dataset(
            {k: (("member", "date", "site"), v) for k, v in self.arrays.items()},
            coords=coords,
            attrs={"name": self.name, "engine": self.info["engine"], "seed": self.seed,
                   **{f"vary {k}": v for k, v in self.info["vary"].items()}},
        )

    # ------------------------------------------------------------------ plots
    def plot_fan(
        self,
        site: str,
        metric: str = "population",
        bands: Sequence[tuple[float, float]] = ((0.05, 0.95), (0.25, 0.75)),
        ax=None,
        capacity: bool = True,
    ):
        """A fan chart of one site: the median and shaded bands across members over time, with
        the shelter capacity (median over members) when it is limited. Returns the axes."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(9, 4.5))
        self._draw_fan(ax, site, metric, bands, capacity)
        return ax

    def _draw_fan(self, ax, site: str, metric: str, bands, capacity: bool) -> None:
        from corridor.scenario import _thousands_formatter

        j = self._site(site)
        a = self._metric(metric)[:, :, j].astype(np.float64)
        dates = self.dates
        levels = sorted({q for band in bands for q in band} | {0.5})
        _check_q(levels)
        with np.errstate(invalid="ignore"):
            qv = dict(zip(levels, np.quantile(a, levels, axis=0)))
        for k, (lo, hi) in enumerate(sorted(bands, key=lambda b: b[0] - b[1])):
            ax.fill_between(dates, qv[lo], qv[hi], color="tab:blue", alpha=0.18 + 0.14 * k,
                            linewidth=0, label=f"{lo:.0%}-{hi:.0%} of members")
        ax.plot(dates, qv[0.5], color="tab:blue", linewidth=2, label="median")
        if capacity and metric == "population":
            cap = np.median(self.arrays["capacity"][:, :, j].astype(np.float64), axis=0)
            if np.isfinite(cap).any():
                ax.plot(dates, np.where(np.isfinite(cap), cap, np.nan), color="tab:red",
                        linestyle="--", linewidth=1.5, label="shelter capacity")
        if capacity and metric == "occupancy":
            ax.axhline(1.0, color="tab:red", linestyle="--", linewidth=1.5, label="full")
        ax.set_title(f"{site}: {metric.replace('_', ' ')} ({self.size} members)")
        ax.set_ylabel(metric.replace("_", " "))
        if metric != "occupancy":
            ax.yaxis.set_major_formatter(_thousands_formatter())
        ax.legend(loc="best", fontsize="small")
        ax.grid(alpha=0.3)
        _date_axis(ax)

    def plot_exceedance(self, sites: Sequence[str] | None = None, metric: str = "occupancy",
                        threshold: float = 1.0, ax=None):
        """Exceedance curves: the chance that each site has reached ``threshold`` by each day
        (the sites most at risk by default). Returns the axes."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(9, 4.5))
        p = self.exceedance(None, metric, threshold)
        if sites is None:
            last = p.iloc[-1]
            sites = list(last[last > 0].sort_values(ascending=False).index[:8])
        for s in sites:
            ax.step(p.index, p[s], where="post", label=s)
        ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel(f"P({metric} >= {threshold:g}) by date")
        ax.set_title(f"{self.name}: chance of reaching {metric} {threshold:g}")
        ax.grid(alpha=0.3)
        _date_axis(ax)
        if sites:
            ax.legend(loc="upper left", fontsize="small")
        return ax

    # ------------------------------------------------------------------ files
    def write(self, outdir: str | os.PathLike) -> list[Path]:
        """Write the ensemble's files into ``outdir``, replacing it as a whole.

        Files: ``ensemble.gpkg`` (layer ``sites``: one point per site with the summary; layer
        ``site_bands``: one point per site per day with the 5th, 50th and 95th percentiles of
        every metric and the chance of being over capacity by then, time-enabled with
        ``start_time``/``end_time`` for QGIS), ``bands.csv`` (the same bands in long form),
        ``exceedance.csv`` (dates x sites with a capacity), ``members.csv`` (the drawn
        values), ``summary.csv`` and ``fan_charts.png`` (the four sites most at risk).
        Written into a temporary sibling folder that then takes ``outdir``'s place.
        """
        return _write_folder(outdir, "ensemble", self._write_files)

    def _write_files(self, tmp: Path) -> list[str]:
        bands = self.quantiles((0.05, 0.5, 0.95))
        summary = self.summary()
        exceed = self._capacity_exceedance()
        names = [self._write_gpkg(tmp / "ensemble.gpkg", bands, summary, exceed)]
        b = bands.copy()
        b["date"] = b["date"].dt.strftime("%Y-%m-%d")
        b.round(3).to_csv(tmp / "bands.csv", index=False)
        names.append("bands.csv")
        e = exceed.copy()
        e.index = e.index.strftime("%Y-%m-%d")
        e.round(4).to_csv(tmp / "exceedance.csv")
        names.append("exceedance.csv")
        self.members.to_csv(tmp / "members.csv")
        names.append("members.csv")
        s = summary.copy()
        for c in ("first_over_capacity_median", "date_p50"):
            if c in s:
                s[c] = pd.to_datetime(s[c]).dt.strftime("%Y-%m-%d")
        s.round(4).to_csv(tmp / "summary.csv", index=False)
        names.append("summary.csv")
        names.append(self._write_png(tmp / "fan_charts.png", summary))
        return names

    def _capacity_exceedance(self) -> pd.DataFrame:
        cap = self.arrays["capacity"]
        limited = [s for j, s in enumerate(self.sites_kept) if np.isfinite(cap[:, :, j]).any()]
        if "population" not in self.arrays or not limited:
            return pd.DataFrame(index=self.dates)
        pop = self.arrays["population"].astype(np.float64)
        with np.errstate(invalid="ignore"):
            over = pop >= np.where(np.isfinite(cap), cap, np.inf)
        p = np.logical_or.accumulate(over, axis=1).mean(axis=0)
        cols = [self._site(s) for s in limited]
        return pd.DataFrame(p[:, cols], index=self.dates, columns=pd.Index(limited, name="site"))

    def _write_gpkg(self, path: Path, bands: pd.DataFrame, summary: pd.DataFrame,
                    exceed: pd.DataFrame) -> str:
        gpd = _geopandas()
        points = self.network._location_geometry()
        index = {n: i for i, n in enumerate(self.network._names())}
        kept = np.array([index[s] for s in self.sites_kept])
        site_points = np.asarray(points, dtype=object)[kept]

        sites = pd.DataFrame({"site": self.sites_kept})
        s = summary.set_index("site") if not summary.empty else pd.DataFrame()
        for column in s.columns:
            values = s[column].reindex(self.sites_kept)
            if column in ("first_over_capacity_median", "date_p50"):
                sites[column] = [None if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d")
                                 for v in values]
            elif column == "kind":
                sites[column] = values.astype(object).where(values.notna(), None)
            else:
                sites[column] = values.to_numpy(dtype=float)
        if "p_over_capacity" in sites:
            sites["p_over_capacity"] = sites["p_over_capacity"].fillna(0.0)
        sites_layer = gpd.GeoDataFrame(sites, geometry=site_points, crs="EPSG:4326")

        wide = bands.pivot_table(index=["day", "site"], columns="metric",
                                 values=[c for c in bands.columns if c.startswith("p")],
                                 dropna=False, sort=False)
        wide.columns = [f"{m}_{q}" for q, m in wide.columns]
        n = len(self.sites_kept)
        order = pd.MultiIndex.from_arrays([np.repeat(np.arange(self.days), n),
                                           np.tile(np.asarray(self.sites_kept, dtype=object),
                                                   self.days)])
        wide = wide.reindex(order).reset_index(drop=True)
        daily = pd.DataFrame({
            "date": np.repeat(self.dates.to_numpy(), n),
            "day": np.repeat(np.arange(self.days), n),
            "site": np.tile(np.asarray(self.sites_kept, dtype=object), self.days),
        })
        p = np.full((self.days, n), np.nan)
        for j, site in enumerate(self.sites_kept):
            if site in exceed.columns:
                p[:, j] = exceed[site].to_numpy()
        start, end = _day_span(daily["date"])
        daily.insert(0, "start_time", start)
        daily.insert(1, "end_time", end)
        daily["date"] = daily["date"].dt.strftime("%Y-%m-%d")
        daily = pd.concat([daily, wide], axis=1)
        daily["p_over_capacity_by_date"] = p.reshape(-1)
        for column in daily.columns:
            if daily[column].dtype.kind == "f":
                values = daily[column].to_numpy()
                daily[column] = np.where(np.isfinite(values), values, np.nan)
        bands_layer = gpd.GeoDataFrame(daily, geometry=np.tile(site_points, self.days),
                                       crs="EPSG:4326")
        sites_layer.to_file(path, layer="sites", driver="GPKG", engine="pyogrio",
                            dataset_options={"VERSION": "1.2"})
        bands_layer.to_file(path, layer="site_bands", driver="GPKG", engine="pyogrio")
        return path.name

    def _write_png(self, path: Path, summary: pd.DataFrame) -> str:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        chosen = list(summary["site"][:4]) if not summary.empty else self.sites_kept[:1]
        fig = Figure(figsize=(12, 3.2 * math.ceil(len(chosen) / 2)), dpi=110)
        FigureCanvasAgg(fig)
        for k, site in enumerate(chosen):
            ax = fig.add_subplot(math.ceil(len(chosen) / 2), 2 if len(chosen) > 1 else 1, k + 1)
            self._draw_fan(ax, site, "population" if "population" in self.arrays
                           else self.metrics[0], ((0.05, 0.95), (0.25, 0.75)), True)
        fig.tight_layout()
        fig.savefig(path)
        return path.name

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        vary = "; ".join(f"{k} ~ {v}" for k, v in self.info["vary"].items()) or "seeds only"
        return (f"<Ensemble {self.name!r}: {self.size} members, {self.days} days, "
                f"{len(self.sites_kept)} sites, engine {self.info['engine']}, seed {self.seed}; "
                f"{vary}>")

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            f"<tr><td><code>{html.escape(k)}</code></td><td>{html.escape(v)}</td></tr>"
            for k, v in self.info["vary"].items()
        ) or "<tr><td colspan=2>members differ by seed only</td></tr>"
        return (
            f"<b>Ensemble</b> {html.escape(self.name)}: {self.size} members, {self.days} days, "
            f"{len(self.sites_kept)} sites, engine <code>{self.info['engine']}</code>, seed "
            f"{self.seed}<table>{rows}</table>"
        )


def _date_axis(ax) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def parse_vary_text(items: Iterable[str]) -> dict[str, Any]:
    """``--vary`` arguments of the command line: ``PATH=uniform:LOW:HIGH``,
    ``PATH=normal:MEAN:SD[:LOW:HIGH]``, ``PATH=triangular:LOW:MODE:HIGH``, ... or
    ``PATH=A,B,C`` (alternatives)."""
    out: dict[str, Any] = {}
    for item in items:
        path, sep, spec = item.partition("=")
        if not sep or not path.strip() or not spec.strip():
            raise _error(f"--vary {item!r}: expected PATH=SPEC, e.g. events[0].people=uniform:8000:16000")
        head, _, rest = spec.partition(":")
        if head in DISTRIBUTIONS:
            try:
                params = [float(v) for v in rest.split(":")] if rest else []
            except ValueError:
                raise _error(f"--vary {item!r}: {head} parameters must be numbers") from None
            out[path.strip()] = (head, *params)
        else:
            out[path.strip()] = [_scalar(v) for v in spec.split(",")]
    return out


def _scalar(text: str) -> Any:
    t = text.strip()
    for cast in (int, float):
        try:
            return cast(t)
        except ValueError:
            pass
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    return t


def read_ensemble_spec(path: str | os.PathLike) -> dict[str, Any]:
    """Read an ensemble TOML file: optional ``members``, ``seed``, ``engine``, ``metrics``,
    ``sites`` and a ``[vary]`` table whose values are arrays (``["uniform", 8000, 16000]``,
    ``[20, 30, 40]``) or ``{ choice = [...], weights = [...] }``."""
    from corridor.scenario import tomllib

    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _core.IoError(f"{file}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise _error(f"{file}: {exc}") from None
    known = {"members", "seed", "engine", "metrics", "sites", "vary"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise _error(f"{file}: unknown key(s) {', '.join(unknown)} (expected {', '.join(sorted(known))})")
    vary = data.get("vary", {})
    if not isinstance(vary, dict):
        raise _error(f"{file}: vary must be a table")
    spec = {k: v for k, v in data.items() if k != "vary"}
    spec["vary"] = {k: (tuple(v) if isinstance(v, list) and v and isinstance(v[0], str)
                        and v[0] in DISTRIBUTIONS else v) for k, v in vary.items()}
    return spec
