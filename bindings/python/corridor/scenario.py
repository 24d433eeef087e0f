"""Contingency scenarios and their projections: arrivals, capacity, screening and needs per site.

>>> s = corridor.Scenario.from_toml("data/exercise/scenario.toml")
>>> s["movement"]["camp_weight"] = 2.5
>>> s.set("events[0].people", 150_000)
>>> p = s.run()
>>> p.summary()                       # peak population, first day over capacity, backlog, needs
>>> p.write("output/exercise")        # projection.gpkg (QGIS animates it), CSVs, summary.md, chart

A :class:`Scenario` is a plain document mirroring the TOML file (see ``docs/scenario.md``), so
planners edit it as a dict. All checking lives in one place, the C++ reader: :meth:`Scenario.
validate` serialises the document with tomli-w and hands the text to it, so a scenario built in
Python is held to exactly the rules of one read from a file, with the same messages.
"""

from __future__ import annotations

import copy as _copy
import html
import os
import re
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridor import _core
from corridor._progress import progress_bar
from corridor.network import Network, _geopandas, read_network

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

__all__ = ["Projection", "Scenario"]

_MISSING = object()

#: Top-level tables and arrays a scenario may have, created empty on first access so that
#: ``s["movement"]["camp_weight"] = 2.5`` and ``s["events"].append({...})`` work on a new
#: document. Empty ones are left out of the TOML text.
_SECTIONS: dict[str, type] = {
    "network": dict,
    "movement": dict,
    "planning": dict,
    "cohorts": dict,
    "events": list,
    "triggers": list,
    "streams": list,
    "quarantine": list,
}

_ENGINES = ("expected", "agents")
_NETWORK_KEYS = ("locations", "routes", "locations_layer", "routes_layer")


# ---------------------------------------------------------------------------------- paths


_PATH_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_\-]*)((?:\[\s*-?\d+\s*\])*)")


def _parse_path(path: str) -> list[str | int]:
    """Split ``"events[0].people"`` into ``["events", 0, "people"]``."""
    if not isinstance(path, str) or not path.strip():
        raise _core.InputError(f"scenario path must be a non-empty string, got {path!r}")
    parts: list[str | int] = []
    for segment in path.strip().split("."):
        match = _PATH_SEGMENT.fullmatch(segment.strip())
        if match is None:
            raise _core.InputError(
                f"bad scenario path {path!r}: expected keys joined by '.', each optionally "
                "followed by list indices, e.g. 'events[0].people'"
            )
        parts.append(match.group(1))
        parts += [int(i) for i in re.findall(r"-?\d+", match.group(2))]
    return parts


def _format_path(parts: list[str | int]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


# ---------------------------------------------------------------------------------- TOML text


def _toml_ready(value: Any) -> Any:
    """The document as tomli-w takes it: numpy scalars unwrapped, Timestamps as dates, None and
    empty top-level sections dropped (TOML has no null; absent = the default)."""
    if isinstance(value, dict):
        return {str(k): _toml_ready(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_toml_ready(v) for v in value if v is not None]
    if isinstance(value, np.ndarray):
        return [_toml_ready(v) for v in value.tolist()]
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return (
            value.date()
            if value == value.normalize() and value.tz is None
            else value.to_pydatetime()
        )
    if isinstance(value, Path):
        return os.fspath(value)
    return value


def _tomli_w():
    try:
        import tomli_w
    except ImportError as exc:  # pragma: no cover - a dependency
        raise ImportError("writing scenarios needs tomli-w: pip install tomli-w") from exc
    return tomli_w


def _atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ---------------------------------------------------------------------------------- Scenario


class Scenario:
    """A contingency scenario: a document mirroring the scenario TOML file.

    Read one with :meth:`from_toml` or build one in Python::

        s = corridor.Scenario(name="north", start="2026-03-01", days=90, network=net)
        s["events"].append({"type": "displacement", "day": 0, "location": "Qarvel",
                            "people": 50_000, "over_days": 10})

    Index it like a dict (``s["movement"]["camp_weight"] = 2.5``) or by path
    (``s.get("events[0].people")``, ``s.set("movement.camp_weight", 2.5)``). Keys and values
    are those of the TOML file, documented in ``docs/scenario.md``; nothing is checked until
    :meth:`validate` or :meth:`run`, which hand the document to the C++ reader.

    Parameters
    ----------
    data : dict, optional
        The document (deep-copied).
    network : corridor.Network, optional
        The network to run on, instead of the file paths in ``[network]``.
    base_dir : path, optional
        Directory that ``[network]`` paths are relative to (the current directory by default).
    **top_level_keys
        Top-level keys (``name``, ``start``, ``days``, ...), set over ``data``.
    """

    def __init__(
        self,
        data: dict[str, Any] | None = None,
        *,
        network: Network | None = None,
        base_dir: str | os.PathLike | None = None,
        **top_level_keys: Any,
    ):
        if data is not None and not isinstance(data, dict):
            raise TypeError(f"data must be a dict, got {type(data).__name__}")
        if network is not None and not isinstance(network, Network):
            if isinstance(network, _core.Network):
                network = Network(network)
            else:
                raise TypeError(f"network must be a corridor.Network, got {type(network).__name__}")
        self._data: dict[str, Any] = _copy.deepcopy(data) if data is not None else {}
        self._data.update(_copy.deepcopy(top_level_keys))
        self._network = network
        self._base_dir = Path(base_dir).resolve() if base_dir is not None else Path.cwd()
        # Set when read from a file: the file, its text and the document as read, so an
        # unedited scenario is checked against its own text (and errors give its own lines).
        self._path: Path | None = None
        self._text: str | None = None
        self._as_read: dict[str, Any] | None = None
        self._network_cache: tuple[Any, Network] | None = None  # read from [network]

    # ------------------------------------------------------------------ reading and writing
    @classmethod
    def from_toml(cls, path: str | os.PathLike) -> Scenario:
        """Read a scenario TOML file (``[network]`` paths are relative to its folder).

        Only TOML syntax is checked here (errors name the file and line); the content is
        checked by :meth:`validate` and :meth:`run`.
        """
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise _core.IoError(f"{file}: cannot read: {exc.strerror or exc}") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise _core.InputError(f"{file}: {exc}") from None
        scenario = cls(data, base_dir=file.resolve().parent)
        scenario._path = file
        scenario._text = text
        scenario._as_read = _copy.deepcopy(data)
        return scenario

    def to_toml(self, path: str | os.PathLike) -> Path:
        """Write the scenario as TOML, atomically.

        ``[network]`` paths are rewritten relative to the new file's folder. A scenario whose
        network was given as a :class:`corridor.Network` (no ``[network]`` paths) gets its
        network written beside it, as ``NAME_locations.csv`` and ``NAME_routes.csv``.

        Returns
        -------
        pathlib.Path
            The file written.
        """
        target = Path(path)
        target_dir = target.resolve().parent
        data = self._clean()
        if self._network is not None:
            stem = target.stem
            written = self._network.write(target_dir / f"{stem}.csv")
            locations, routes = (p.name for p in written)
            data["network"] = {"locations": locations, "routes": routes}
        elif isinstance(data.get("network"), dict):
            net = dict(data["network"])
            for key, value in net.items():
                if isinstance(value, str) and key in ("locations", "routes") and value:
                    absolute = Path(value) if Path(value).is_absolute() else self._base_dir / value
                    net[key] = _relative(absolute, target_dir)
            data["network"] = net
        text = _tomli_w().dumps(data)
        _atomic_write_text(target, text)
        return target

    def toml(self) -> str:
        """The document as TOML text (what :meth:`validate` hands to the reader)."""
        return _tomli_w().dumps(self._clean())

    def _clean(self) -> dict[str, Any]:
        data = _toml_ready(self._data)
        for key, kind in _SECTIONS.items():
            if key in data and isinstance(data[key], kind) and not data[key]:
                del data[key]
        return data

    # ------------------------------------------------------------------ the document
    @property
    def data(self) -> dict[str, Any]:
        """The document itself (edits change the scenario)."""
        return self._data

    def __getitem__(self, key: str) -> Any:
        if key not in self._data and key in _SECTIONS:
            self._data[key] = _SECTIONS[key]()
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value

    def __delitem__(self, key: str) -> None:
        del self._data[key]

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def keys(self):
        return self._data.keys()

    def items(self):
        return self._data.items()

    def get(self, path: str, default: Any = _MISSING) -> Any:
        """The value at a path such as ``"events[0].people"`` or ``"movement.camp_weight"``.

        Raises KeyError (naming the path) if it is absent, unless ``default`` is given.
        """
        parts = _parse_path(path)
        node: Any = self._data
        for i, part in enumerate(parts):
            try:
                if isinstance(part, int):
                    if not isinstance(node, list):
                        raise KeyError
                    node = node[part]
                else:
                    if not isinstance(node, dict):
                        raise KeyError
                    node = node[part]
            except (KeyError, IndexError):
                if default is not _MISSING:
                    return default
                raise KeyError(
                    f"scenario has no {_format_path(parts[: i + 1])!r} (looking up {path!r})"
                ) from None
        return node

    def set(self, path: str, value: Any) -> None:
        """Set the value at a path such as ``"events[0].people"``; missing tables are created,
        list items must exist (negative indices count from the end)."""
        parts = _parse_path(path)
        node: Any = self._data
        for i, part in enumerate(parts[:-1]):
            nxt = parts[i + 1]
            if isinstance(part, int):
                if not isinstance(node, list) or not -len(node) <= part < len(node):
                    raise KeyError(
                        f"scenario has no {_format_path(parts[: i + 1])!r} (setting {path!r})"
                    )
                node = node[part]
            else:
                if not isinstance(node, dict):
                    raise KeyError(f"{_format_path(parts[:i])!r} is not a table (setting {path!r})")
                if part not in node:
                    if isinstance(nxt, int):
                        raise KeyError(
                            f"scenario has no {_format_path(parts[: i + 1])!r} (setting {path!r})"
                        )
                    node[part] = {}
                node = node[part]
        last = parts[-1]
        if isinstance(last, int):
            if not isinstance(node, list) or not -len(node) <= last < len(node):
                raise KeyError(f"scenario has no {_format_path(parts)!r} (setting {path!r})")
        elif not isinstance(node, dict):
            raise KeyError(f"{_format_path(parts[:-1])!r} is not a table (setting {path!r})")
        node[last] = value

    def copy(self) -> Scenario:
        """A deep copy (the network object is shared: networks never change)."""
        other = Scenario(self._data, network=self._network, base_dir=self._base_dir)
        other._path = self._path
        other._text = self._text
        other._as_read = _copy.deepcopy(self._as_read)
        return other

    @property
    def name(self) -> str:
        if "name" in self._data:
            return str(self._data["name"])
        return self._path.stem if self._path is not None else "scenario"

    @property
    def path(self) -> Path | None:
        """The file the scenario was read from, if any."""
        return self._path

    @property
    def base_dir(self) -> Path:
        return self._base_dir

    # ------------------------------------------------------------------ checking and running
    def _source_name(self) -> str:
        if self._path is None:
            return f"<scenario {self.name}>"
        if self._as_read is not None and self._data == self._as_read:
            return os.fspath(self._path)
        return f"{os.fspath(self._path)} (as edited in Python)"

    def _core_scenario(self) -> _core.Scenario:
        if self._path is not None and self._text is not None and self._data == self._as_read:
            text = self._text  # unedited: the file's own text, so messages give its lines
        else:
            text = self.toml()
        net = self._network._core if self._network is not None else None
        name = self._source_name()
        try:
            return _core.parse_scenario(text, name, os.fspath(self._base_dir), net)
        except _core.InputError as exc:
            if text is self._text:
                raise
            # Line numbers of the generated text mean nothing to the user: drop them (the
            # message still names the event or trigger and the key).
            message = re.sub(rf"{re.escape(name)} line \d+(, column \d+)?", name, str(exc))
            raise _core.InputError(message) from None

    def validate(self) -> _core.Scenario:
        """Check the scenario with the C++ reader and return its resolved, read-only view.

        Raises
        ------
        corridor.InputError
            Naming the file (or ``<scenario NAME>`` for one built in Python), the event or
            trigger, and the key, e.g.
            ``<scenario north>: events[1] (displacement): people: -5 must be >= 0``.
        corridor.IoError
            A ``[network]`` file that cannot be read.
        """
        return self._core_scenario()

    @property
    def network(self) -> Network:
        """The network the scenario runs on (read from ``[network]`` if not given)."""
        if self._network is not None:
            return self._network
        table = self._data.get("network")
        if not (
            isinstance(table, dict)
            and set(table) <= set(_NETWORK_KEYS)
            and all(isinstance(table.get(k), str) for k in ("locations", "routes"))
        ):
            return Network(self._core_scenario().network)  # the reader says what is wrong
        key = (tuple(sorted(table.items())), os.fspath(self._base_dir))
        cached = self._network_cache
        if cached is None or cached[0] != key:
            # Only [network] is read, so the network can be looked at while events are wrong.
            network = read_network(
                self._base_dir / table["locations"],
                self._base_dir / table["routes"],
                locations_layer=table.get("locations_layer"),
                routes_layer=table.get("routes_layer"),
            )
            self._network_cache = cached = (key, network)
        return cached[1]

    def run(
        self,
        engine: str | None = None,
        seed: int | None = None,
        progress: bool | Callable[[int], Any] | None = None,
        threads: int | None = None,
        merge_cohorts: bool = True,
    ) -> Projection:
        """Run the scenario and return its :class:`Projection`.

        Parameters
        ----------
        engine : {"expected", "agents"}, optional
            The scenario's ``engine`` by default (``"expected"`` if it names none).
            ``"expected"`` gives the expected number of people (fractions), the same every run;
            ``"agents"`` moves whole people as individual agents under the same rules, one
            random run per seed (see ``docs/scenario.md``).
        seed : int, optional
            Random seed of the agent engine, >= 0; overrides the scenario's ``seed``. The same
            scenario and seed give the same projection.
        progress : bool or callable, optional
            Show a progress bar (by default when running in a terminal or a notebook), or a
            function called with each day's index.
        threads : int, optional
            Worker threads of the agent engine (all cores by default); the result does not
            depend on it.
        merge_cohorts : bool, default True
            Expected engine: when every displacement splits its people over the cohorts by
            the same shares and there are no reception pathways, carry one total per group of
            people and split it by those shares on output (the cohorts never change the rules:
            the same numbers to rounding, about 1.4x faster on large networks with the four
            default cohorts). False carries each cohort.
        """
        name = engine if engine is not None else self._data.get("engine", "expected")
        if name not in _ENGINES:
            raise _core.InputError(
                f"{self._source_name()}: engine: unknown engine {name!r} "
                f"(expected one of {', '.join(map(repr, _ENGINES))})"
            )
        if threads is not None and (not isinstance(threads, int) or threads < 0):
            raise _core.InputError(f"threads: {threads!r} must be an integer >= 0 (0 = all cores)")
        doc = self
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
                raise _core.InputError(f"seed: {seed!r} must be an integer >= 0")
            doc = self.copy()
            doc._data["seed"] = int(seed)
        core = doc._core_scenario()
        days = int(core.days)
        bar = None
        on_day: Callable[[int], Any] | None
        if callable(progress):
            on_day = progress
        else:
            show = progress if progress is not None else _interactive()
            bar = progress_bar(days, bool(show), core.name or doc.name)
            on_day = None if bar is None else (lambda day: bar.update(1))
        try:
            raw = _core.run_projection(
                core, on_day, engine=name, seed=int(core.seed), threads=int(threads or 0),
                merge_cohorts=bool(merge_cohorts),
            )
        finally:
            if bar is not None:
                bar.close()
        network = self._network if self._network is not None else Network(core.network)
        info = {
            "name": core.name or doc.name,
            "start_date": core.start_date,
            "days": days,
            "engine": name,
            "seed": int(core.seed),
            "source": core.source,
            "cohorts": list(core.cohorts),
            "cohort_shares": list(core.cohort_shares),
            "events": core.events,
            "triggers": core.triggers,
            "streams": core.streams,
            "quarantine": core.quarantine,
            "planning": core.planning,
            "movement": core.movement,
        }
        return Projection(scenario=doc.copy(), network=network, info=info, raw=raw)

    # ------------------------------------------------------------------ display and pickling
    def __eq__(self, other: object) -> bool:
        """Same document (``[network]`` paths compared as absolute paths) and same network."""
        if not isinstance(other, Scenario):
            return NotImplemented
        if self._comparable() != other._comparable():
            return False
        a, b = self._network, other._network
        if a is None or b is None or a is b:
            return a is b
        return a.locations.equals(b.locations) and a.routes.equals(b.routes)

    def _comparable(self) -> dict[str, Any]:
        data = self._clean()
        net = data.get("network")
        if isinstance(net, dict):
            net = dict(net)
            for key in ("locations", "routes"):
                if isinstance(net.get(key), str):
                    net[key] = os.fspath((self._base_dir / net[key]).resolve())
            data["network"] = net
        return data

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __getstate__(self) -> dict[str, Any]:
        return {
            "version": 1,
            "data": self._data,
            "network": self._network,
            "base_dir": os.fspath(self._base_dir),
            "path": None if self._path is None else os.fspath(self._path),
            "text": self._text,
            "as_read": self._as_read,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        if state.get("version") != 1:
            raise _core.InputError("cannot unpickle a Scenario: unknown pickle version")
        self._data = state["data"]
        self._network = state["network"]
        self._base_dir = Path(state["base_dir"])
        self._path = None if state["path"] is None else Path(state["path"])
        self._text = state["text"]
        self._as_read = state["as_read"]
        self._network_cache = None

    def _describe(self) -> list[tuple[str, str]]:
        d = self._data
        rows = [("name", self.name)]
        if self._path is not None:
            rows.append(("file", os.fspath(self._path)))
        if "start" in d or "days" in d:
            rows.append(("dates", f"{d.get('days', '?')} days from {d.get('start', '?')}"))
        rows.append(("engine", str(d.get("engine", "expected"))))
        if self._network is not None:
            rows.append(
                (
                    "network",
                    f"{self._network.num_locations} locations, "
                    f"{self._network.num_routes} routes (given)",
                )
            )
        elif isinstance(d.get("network"), dict):
            net = d["network"]
            rows.append(("network", ", ".join(f"{k} = {v}" for k, v in net.items())))
        events = d.get("events") or []
        kinds: dict[str, int] = {}
        for e in events:
            t = str(e.get("type", "?")) if isinstance(e, dict) else "?"
            kinds[t] = kinds.get(t, 0) + 1
        rows.append(
            (
                "events",
                _count(len(events), "event")
                + (f" ({', '.join(f'{v} {k}' for k, v in kinds.items())})" if kinds else ""),
            )
        )
        rows.append(("triggers", _count(len(d.get("triggers") or []), "trigger")))
        return rows

    def __repr__(self) -> str:
        rows = dict(self._describe())
        dates = f", {rows['dates']}" if "dates" in rows else ""
        return (
            f"<corridor.Scenario {self.name!r}{dates}, engine {rows['engine']}, "
            f"{rows['events']}, {rows['triggers']}>"
        )

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in self._describe()
        )
        return f"<div><strong>corridor.Scenario</strong><table>{body}</table></div>"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _relative(path: Path, start: Path) -> str:
    try:
        return Path(os.path.relpath(path.resolve(), start)).as_posix()
    except ValueError:  # another drive on Windows
        return os.fspath(path.resolve())


def _interactive() -> bool:
    return bool(getattr(sys.stderr, "isatty", lambda: False)()) or "ipykernel" in sys.modules


# ---------------------------------------------------------------------------------- Projection

_NEEDS = ["water_l", "taps", "toilets", "covered_m2", "site_area_m2", "kcal"]
#: The conservation account: spawned = the sum of the others (Projection.balance).
_ACCOUNT = ["spawned", "at_locations", "in_reception", "in_transit", "transferring", "departed",
            "returned"]
#: A stream's figures per site, cohort and day (Projection.streams).
_STREAM_FIGURES = ("waiting", "in_process", "completed", "referred", "returned", "moved_on")
_SITE_FIXED = [
    "date",
    "day",
    "site",
    "country",
    "kind",
    "population",
    "arrivals",
    "backlog",
    "waiting_days",
    "screened",
    "occupancy",
    "capacity",
    "screening_per_day",
    "open",
    *_NEEDS,
]


@dataclass(eq=False)
class Projection:
    """What a scenario run produced: people per site, cohort and day, the reception state, route
    flows, the needs of every site, the triggers that fired and the conservation account.

    Tables are pandas DataFrames in long form (one row per site, or route, per day); capacities
    and screening throughputs are ``inf`` where unlimited. Projections pickle (plain arrays).
    """

    scenario: Scenario
    network: Network
    info: dict[str, Any]
    raw: dict[str, Any]

    # ------------------------------------------------------------------ basics
    @property
    def name(self) -> str:
        return str(self.info["name"])

    @property
    def days(self) -> int:
        """Days projected (fewer than the scenario's if the run was stopped)."""
        return int(self.raw["days"])

    @property
    def start_date(self) -> pd.Timestamp:
        return pd.Timestamp(self.info["start_date"])

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start_date, periods=self.days, freq="D", name="date")

    @property
    def cohorts(self) -> list[str]:
        return list(self.raw["cohorts"])

    @property
    def locations(self) -> list[str]:
        return self.network._names()

    def _cohort_columns(self) -> list[str]:
        taken = set(_SITE_FIXED)
        return [f"cohort_{c}" if c in taken else c for c in self.cohorts]

    def _waiting_days(self) -> np.ndarray:
        backlog = self.raw["backlog"].sum(axis=2)
        rate = self.raw["screening_per_day"]
        out = np.full(backlog.shape, np.nan)
        limited = np.isfinite(rate)
        np.divide(backlog, rate, out=out, where=limited & (rate > 0))
        halted = limited & (rate <= 0)  # screening stopped: the queue never clears
        out[halted] = np.where(backlog[halted] > 0, np.inf, 0.0)
        return out

    def _occupancy(self) -> np.ndarray:
        pop = self.raw["population"].sum(axis=2)
        cap = self.raw["capacity"]
        out = np.full(pop.shape, np.nan)
        limited = np.isfinite(cap)
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(pop, cap, out=out, where=limited)
        return out

    # ------------------------------------------------------------------ tables
    @property
    def sites(self) -> pd.DataFrame:
        """Every location on every day (rows day by day, locations in network order).

        Columns: ``date, day, site, country, kind``, one column per cohort (people there at the
        end of the day), ``population`` (all cohorts, waiting included), ``arrivals`` (during the
        day), ``backlog`` (waiting for screening at the end of the day), ``waiting_days``
        (backlog / screening_per_day: days the last in the queue waits; NaN where the site
        does not screen, ``inf`` while its screening is stopped with people waiting),
        ``screened`` (that day), ``occupancy`` (population / capacity; NaN where unlimited),
        ``capacity``, ``screening_per_day`` (in effect that day; ``inf`` = none), ``open``,
        and the day's needs ``water_l, taps, toilets, covered_m2, site_area_m2,
        kcal`` (Sphere / UNHCR figures, from the scenario's ``[planning]``).
        """
        days, n = self.days, self.network.num_locations
        loc = self.network.locations
        pop = self.raw["population"]
        frame: dict[str, Any] = {
            "date": np.repeat(self.dates.to_numpy(), n),
            "day": np.repeat(np.arange(days, dtype=np.int64), n),
            "site": np.tile(loc["name"].to_numpy(dtype=object), days),
            "country": np.tile(loc["country"].to_numpy(dtype=object), days),
            "kind": pd.Categorical.from_codes(
                np.tile(loc["kind"].cat.codes.to_numpy(), days), loc["kind"].cat.categories
            ),
        }
        for c, column in enumerate(self._cohort_columns()):
            frame[column] = pop[:, :, c].reshape(-1)
        frame["population"] = pop.sum(axis=2).reshape(-1)
        frame["arrivals"] = self.raw["arrivals"].sum(axis=2).reshape(-1)
        frame["backlog"] = self.raw["backlog"].sum(axis=2).reshape(-1)
        frame["waiting_days"] = self._waiting_days().reshape(-1)
        frame["screened"] = self.raw["screened"].reshape(-1)
        frame["occupancy"] = self._occupancy().reshape(-1)
        frame["capacity"] = self.raw["capacity"].reshape(-1)
        frame["screening_per_day"] = self.raw["screening_per_day"].reshape(-1)
        frame["open"] = self.raw["open"].reshape(-1).astype(bool)
        for need in _NEEDS:
            frame[need] = self.raw[need].reshape(-1)
        out = pd.DataFrame(frame)
        for column in ("site", "country"):
            out[column] = out[column].astype(str)
        return out

    @property
    def routes(self) -> pd.DataFrame:
        """People setting off along each route on each day (both directions together).

        Columns: ``date, day, route`` (route id, as in ``Network.routes``), ``from, to, flow``.
        """
        days, m = self.days, self.network.num_routes
        rt = self.network.routes
        return pd.DataFrame(
            {
                "date": np.repeat(self.dates.to_numpy(), m),
                "day": np.repeat(np.arange(days, dtype=np.int64), m),
                "route": np.tile(rt.index.to_numpy(dtype=np.int64), days),
                "from": np.tile(rt["from"].to_numpy(dtype=object), days).astype(str),
                "to": np.tile(rt["to"].to_numpy(dtype=object), days).astype(str),
                "flow": self.raw["route_flow"].reshape(-1),
            }
        )

    @property
    def balance(self) -> pd.DataFrame:
        """The conservation account per day: ``spawned`` (displaced so far) = ``at_locations``
        (at a location, moving under the movement rules or queueing) + ``in_reception`` (held
        by the reception pathways at a site: quarantine, screening queue, streams) +
        ``in_transit`` (on a route) + ``transferring`` (onward transfers under way) +
        ``departed`` (left the region under the movement rules) + ``returned`` (left by
        voluntary return); ``error`` is the difference (zero up to rounding). Without
        ``[[streams]]`` or ``[[quarantine]]``, in_reception, transferring and returned are 0."""
        r = self.raw
        frame = pd.DataFrame(
            {
                "day": np.arange(self.days, dtype=np.int64),
                "date": self.dates,
                **{column: r[column] for column in _ACCOUNT},
            }
        )
        frame["error"] = frame["spawned"] - sum(frame[c] for c in _ACCOUNT[1:])
        return frame

    @property
    def has_pathways(self) -> bool:
        """True if the scenario declares reception streams or quarantine stages."""
        return bool(self.raw.get("streams"))

    @property
    def streams(self) -> pd.DataFrame:
        """The reception pathways per reception site, stream, cohort and day (empty without
        ``[[streams]]`` or ``[[quarantine]]``; docs/scenario.md, "Reception pathways").

        Columns: ``date, day, site, stream, type, cohort``, then at the end of the day
        ``waiting`` (referred, waiting for a place), ``in_process`` (in the procedure, or done
        and waiting to leave), ``completed`` (done and staying at the site), and during the day
        ``referred`` (screened and referred to the stream), ``returned`` (left to their origin)
        and ``moved_on`` (released into the network at the site, or set off on an onward
        transfer).
        """
        columns = ["date", "day", "site", "stream", "type", "cohort", *_STREAM_FIGURES]
        if not self.has_pathways:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        r = self.raw
        days = self.days
        sites = [self.locations[int(v)] for v in r["reception_sites"]]
        streams, types = list(r["streams"]), list(r["stream_types"])
        shape = (days, len(sites), len(streams), len(self.cohorts))
        day, site, stream, cohort = (a.reshape(-1) for a in np.indices(shape))
        frame: dict[str, Any] = {
            "date": self.dates.to_numpy()[day],
            "day": day.astype(np.int64),
            "site": np.asarray(sites, dtype=object)[site],
            "stream": np.asarray(streams, dtype=object)[stream],
            "type": np.asarray(types, dtype=object)[stream],
            "cohort": np.asarray(self.cohorts, dtype=object)[cohort],
        }
        for figure in _STREAM_FIGURES:
            frame[figure] = r[f"stream_{figure}"].reshape(-1)
        return pd.DataFrame(frame, columns=columns)

    @property
    def quarantine(self) -> pd.DataFrame:
        """The quarantine stages per reception site, cohort and day (empty without pathways):
        ``date, day, site, cohort, waiting`` (for a quarantine place) and ``in_quarantine``."""
        columns = ["date", "day", "site", "cohort", "waiting", "in_quarantine"]
        if not self.has_pathways:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        r = self.raw
        sites = [self.locations[int(v)] for v in r["reception_sites"]]
        shape = (self.days, len(sites), len(self.cohorts))
        day, site, cohort = (a.reshape(-1) for a in np.indices(shape))
        return pd.DataFrame(
            {
                "date": self.dates.to_numpy()[day],
                "day": day.astype(np.int64),
                "site": np.asarray(sites, dtype=object)[site],
                "cohort": np.asarray(self.cohorts, dtype=object)[cohort],
                "waiting": r["quarantine_waiting"].reshape(-1),
                "in_quarantine": r["in_quarantine"].reshape(-1),
            },
            columns=columns,
        )

    def stream_summary(self) -> pd.DataFrame:
        """Per reception site and stream over the whole projection: ``referred, returned,
        moved_on`` (totals), ``peak_waiting, peak_in_process`` and ``completed`` at the end,
        all cohorts together, plus ``referred_<cohort>`` per cohort. Rows where nobody was
        referred are left out."""
        columns = ["site", "stream", "type", "referred", "peak_waiting", "peak_in_process",
                   "completed", "returned", "moved_on"]
        if not self.has_pathways or not self.days:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        r = self.raw
        sites = [self.locations[int(v)] for v in r["reception_sites"]]
        rows = []
        for i, site in enumerate(sites):
            for j, (stream, kind) in enumerate(zip(r["streams"], r["stream_types"])):
                referred = r["stream_referred"][:, i, j, :]
                if not referred.sum() > 0:
                    continue
                row = {
                    "site": site,
                    "stream": stream,
                    "type": kind,
                    "referred": referred.sum(),
                    "peak_waiting": r["stream_waiting"][:, i, j, :].sum(axis=1).max(),
                    "peak_in_process": r["stream_in_process"][:, i, j, :].sum(axis=1).max(),
                    "completed": r["stream_completed"][-1, i, j, :].sum(),
                    "returned": r["stream_returned"][:, i, j, :].sum(),
                    "moved_on": r["stream_moved_on"][:, i, j, :].sum(),
                }
                for c, cohort in enumerate(self.cohorts):
                    row[f"referred_{cohort}"] = referred[:, c].sum()
                rows.append(row)
        if not rows:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        return pd.DataFrame(rows)

    @property
    def triggers(self) -> pd.DataFrame:
        """The triggers that fired: ``day`` and ``date`` the condition held (the action acts from
        the next day), ``location, metric, value, threshold, action`` and ``trigger`` (its
        index in the scenario's triggers)."""
        rows = []
        dates = pd.date_range(self.start_date, periods=max(int(self.info["days"]), 1), freq="D")
        for fired in self.raw["fired"]:
            t = self.info["triggers"][int(fired["trigger"])]
            day = int(fired["day"])
            rows.append(
                {
                    "day": day,
                    "date": dates[day]
                    if day < len(dates)
                    else self.start_date + pd.Timedelta(days=day),
                    "location": t["location"],
                    "metric": t["metric"],
                    "value": float(fired["value"]),
                    "threshold": float(t["threshold"]),
                    "action": self._describe_event(t["then"]),
                    "trigger": int(fired["trigger"]),
                }
            )
        columns = ["day", "date", "location", "metric", "value", "threshold", "action", "trigger"]
        frame = pd.DataFrame(rows, columns=columns)
        if frame.empty:
            frame = frame.astype(
                {"day": np.int64, "value": float, "threshold": float, "trigger": np.int64}
            )
            frame["date"] = pd.to_datetime(frame["date"])
        return frame

    def _describe_event(self, event: dict[str, Any]) -> str:
        parts = [str(event["type"])]
        if event.get("locations"):
            parts.append(", ".join(event["locations"]))
        if event.get("countries"):
            parts.append(" / ".join(event["countries"]))
        if event.get("routes"):
            rt = self.network.routes
            parts.append(
                ", ".join(f"{rt.at[int(r), 'from']}-{rt.at[int(r), 'to']}" for r in event["routes"])
            )
        if event.get("capacity") is not None:
            parts.append(f"capacity {event['capacity']:,.0f}")
        if event.get("screening_per_day") is not None:
            parts.append(f"screening {event['screening_per_day']:,.0f}/day")
        if event["type"] == "displacement":
            parts.append(f"{event['people']:,.0f} people over {event['over_days']} days")
        if event["type"] == "outbreak":
            if event.get("suspend_arrivals"):
                parts.append("arrivals suspended")
            if event.get("capacity_factor") is not None:
                parts.append(f"capacities x {event['capacity_factor']:g}")
        return " ".join(parts)

    def to_xarray(self):
        """An xarray Dataset: ``population, arrivals, backlog`` (day x location x cohort), the
        reception state and needs (day x location), ``route_flow`` (day x route) and the
        conservation account (day); a ``date`` coordinate along ``day``."""
        import xarray as xr

        r = self.raw
        loc = self.network.locations
        rt = self.network.routes
        dl = ("day", "location")
        data_vars: dict[str, Any] = {
            "population": (("day", "location", "cohort"), r["population"]),
            "arrivals": (("day", "location", "cohort"), r["arrivals"]),
            "backlog": (("day", "location", "cohort"), r["backlog"]),
            "screened": (dl, r["screened"]),
            "waiting_days": (dl, self._waiting_days()),
            "occupancy": (dl, self._occupancy()),
            "capacity": (dl, r["capacity"]),
            "screening_per_day": (dl, r["screening_per_day"]),
            "open": (dl, r["open"].astype(bool)),
            **{need: (dl, r[need]) for need in _NEEDS},
            "route_flow": (("day", "route"), r["route_flow"]),
            **{column: ("day", r[column]) for column in _ACCOUNT},
        }
        coords: dict[str, Any] = {}
        if self.has_pathways:
            dsc = ("day", "site", "stream", "cohort")
            for figure in _STREAM_FIGURES:
                data_vars[f"stream_{figure}"] = (dsc, r[f"stream_{figure}"])
            data_vars["quarantine_waiting"] = (("day", "site", "cohort"), r["quarantine_waiting"])
            data_vars["in_quarantine"] = (("day", "site", "cohort"), r["in_quarantine"])
            data_vars["returned_to"] = (dl, r["returned_to"])
            coords["site"] = np.asarray(
                [self.locations[int(v)] for v in r["reception_sites"]], dtype=object
            )
            coords["stream"] = np.asarray(list(r["streams"]), dtype=object)
            coords["stream_type"] = ("stream", np.asarray(list(r["stream_types"]), dtype=object))
        return xr.Dataset(
            data_vars,
            coords={
                **coords,
                "day": np.arange(self.days),
                "date": ("day", self.dates),
                "location": loc["name"].to_numpy(dtype=object),
                "cohort": np.asarray(self.cohorts, dtype=object),
                "kind": ("location", loc["kind"].astype(str).to_numpy(dtype=object)),
                "country": ("location", loc["country"].to_numpy(dtype=object)),
                "route": rt.index.to_numpy(dtype=np.int64),
                "route_from": ("route", rt["from"].to_numpy(dtype=object)),
                "route_to": ("route", rt["to"].to_numpy(dtype=object)),
            },
            attrs={
                "scenario": self.name,
                "engine": self.info["engine"],
                "seed": self.info["seed"],
                "start_date": str(self.info["start_date"]),
            },
        )

    def summary(self) -> pd.DataFrame:
        """One row per location that held anyone, busiest first.

        Columns: ``kind, country, capacity`` (largest in effect), ``peak_population,
        peak_date``, ``first_over_capacity`` (first date occupancy > 1; NaT if never),
        ``days_over_capacity``, ``peak_backlog, peak_backlog_date``, ``longest_wait_days``
        (largest backlog / screening_per_day), ``total_arrivals``, and the peak daily needs
        ``water_l, taps, toilets, covered_m2, site_area_m2, kcal``.
        """
        r = self.raw
        dates = self.dates
        loc = self.network.locations
        n = self.network.num_locations
        if self.days == 0:
            return pd.DataFrame(index=pd.Index([], name="site"))
        pop = r["population"].sum(axis=2)
        backlog = r["backlog"].sum(axis=2)
        occ = self._occupancy()
        over = np.nan_to_num(occ, nan=0.0) > 1.0
        first_over = np.where(over.any(axis=0), over.argmax(axis=0), -1)
        wait = self._waiting_days()
        wait_max = np.full(n, np.nan)
        has_wait = ~np.isnan(wait).all(axis=0)
        if has_wait.any():
            wait_max[has_wait] = np.nanmax(wait[:, has_wait], axis=0)
        peak_day = pop.argmax(axis=0)
        backlog_day = backlog.argmax(axis=0)
        peak_backlog = backlog.max(axis=0)
        frame = pd.DataFrame(
            {
                "kind": loc["kind"].to_numpy(),
                "country": loc["country"].astype(str).to_numpy(),
                "capacity": r["capacity"].max(axis=0),
                "peak_population": pop.max(axis=0),
                "peak_date": dates[peak_day],
                "first_over_capacity": pd.DatetimeIndex(
                    [dates[d] if d >= 0 else pd.NaT for d in first_over]
                ),
                "days_over_capacity": over.sum(axis=0).astype(np.int64),
                "peak_backlog": peak_backlog,
                "peak_backlog_date": pd.DatetimeIndex(
                    [dates[d] if b > 0 else pd.NaT for d, b in zip(backlog_day, peak_backlog)]
                ),
                "longest_wait_days": wait_max,
                "total_arrivals": r["arrivals"].sum(axis=(0, 2)),
                **{need: r[need].max(axis=0) for need in _NEEDS},
            },
            index=pd.Index(loc["name"].astype(str).to_numpy(), name="site"),
        )
        frame["kind"] = pd.Categorical(frame["kind"], categories=loc["kind"].cat.categories)
        frame = frame[frame["peak_population"] > 0]
        return frame.sort_values("peak_population", ascending=False, kind="stable")

    def compare(
        self,
        other: Projection,
        labels: tuple[str, str] = ("this", "other"),
        columns: tuple[str, ...] = (
            "peak_population",
            "first_over_capacity",
            "days_over_capacity",
            "peak_backlog",
            "longest_wait_days",
            "total_arrivals",
        ),
    ) -> pd.DataFrame:
        """This projection and another (a what-if, an option) side by side, per site.

        Rows: every site either reached, busiest first (by this projection's peak). Columns: a
        two-level index, ``(label, column)`` for each of ``columns`` of :meth:`summary`, and
        ``("change", column)`` = other - this for the numeric ones (days for dates). Both must
        run on the same network; they may cover different numbers of days.
        """
        if not isinstance(other, Projection):
            raise TypeError(f"compare: expected a Projection, got {type(other).__name__}")
        if self.locations != other.locations:
            raise _core.InputError("compare: the two projections run on different networks")
        if len(labels) != 2 or labels[0] == labels[1] or "change" in labels:
            raise _core.InputError(f"compare: labels {labels!r} must be two distinct names, "
                                   "neither 'change'")
        a, b = self.summary(), other.summary()
        unknown = [c for c in columns if c not in a.columns]
        if unknown:
            raise _core.InputError(f"compare: unknown column(s) {', '.join(unknown)} (summary "
                                   f"has {', '.join(a.columns)})")
        sites = a.index.union(b.index, sort=False)
        order = a["peak_population"].reindex(sites).fillna(0).sort_values(
            ascending=False, kind="stable").index
        a, b = a.reindex(order), b.reindex(order)
        parts = {labels[0]: a[list(columns)], labels[1]: b[list(columns)]}
        change = {}
        for c in columns:
            if pd.api.types.is_datetime64_any_dtype(a[c]):
                change[c] = (b[c] - a[c]).dt.days
            elif pd.api.types.is_numeric_dtype(a[c]):
                fill = 0 if c in ("peak_population", "days_over_capacity", "peak_backlog",
                                  "total_arrivals") else np.nan
                change[c] = b[c].fillna(fill) - a[c].fillna(fill)
        parts["change"] = pd.DataFrame(change, index=order)
        for c in ("peak_population", "days_over_capacity", "peak_backlog", "total_arrivals"):
            for label in labels:
                if c in parts[label]:
                    parts[label][c] = parts[label][c].fillna(0)
        return pd.concat(parts, axis=1)

    def busiest(self, n: int = 8) -> list[str]:
        """The ``n`` locations with the highest peak population."""
        return self.summary().index[: max(int(n), 0)].tolist()

    # ------------------------------------------------------------------ charts
    def plot(self, n: int = 8, ax=None, sites: list[str] | None = None):
        """Population of the busiest sites over the dates, each with its capacity (dashed).

        Parameters
        ----------
        n : int
            How many sites (highest peak population first).
        ax : matplotlib Axes, optional
            Drawn on a new figure by default.
        sites : list of str, optional
            Plot these sites instead.

        Returns
        -------
        matplotlib Axes
        """
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(10, 5.5))
        self._draw(ax, self.busiest(n) if sites is None else list(sites))
        return ax

    def _draw(self, ax, names: list[str]) -> None:
        network = self.network
        pop = self.raw["population"].sum(axis=2)
        cap = self.raw["capacity"]
        dates = self.dates
        for i, name in enumerate(names):
            j = network._id(name)
            color = f"C{i % 10}"
            ax.plot(dates, pop[:, j], color=color, linewidth=1.8, label=name)
            if np.isfinite(cap[:, j]).any():
                ax.plot(
                    dates,
                    np.where(np.isfinite(cap[:, j]), cap[:, j], np.nan),
                    color=color,
                    linestyle="--",
                    linewidth=1.0,
                    alpha=0.8,
                )
        ax.set_title(f"{self.name}: people at the busiest sites (dashed: shelter capacity)")
        ax.set_xlabel("date")
        ax.set_ylabel("people")
        ax.grid(True, alpha=0.3)
        if names:
            ax.legend(loc="upper left", fontsize="small", frameon=False)
        ax.yaxis.set_major_formatter(_thousands_formatter())
        ax.figure.autofmt_xdate()

    # ------------------------------------------------------------------ files
    def write(self, outdir: str | os.PathLike) -> list[Path]:
        """Write the projection's files into ``outdir``, replacing it as a whole.

        Files: ``projection.gpkg`` (layers ``locations`` and ``routes`` with the peaks and
        totals, and the time-enabled ``site_daily`` and ``route_daily``, one feature per site
        or route per day with DateTime fields ``start_time`` and ``end_time`` (UTC, the day
        from 00:00 to 23:59:59.999) for QGIS's temporal controller), ``site_daily.csv``,
        ``balance.csv``, ``summary.md`` and ``busiest_sites.png``; with reception pathways
        also ``streams.csv`` (``Projection.streams``), ``quarantine.csv`` and a time-enabled
        ``site_streams`` layer (one point per reception site, stream and day, cohorts summed).

        Everything is written into a temporary sibling folder that then takes ``outdir``'s
        place, so a failure leaves the previous output as it was.

        Returns
        -------
        list of pathlib.Path
            The files written, inside ``outdir``.
        """
        def files(tmp: Path) -> list[str]:
            names = [
                self._write_gpkg(tmp / "projection.gpkg"),
                self._write_site_daily_csv(tmp / "site_daily.csv"),
                self._write_balance_csv(tmp / "balance.csv"),
                self._write_summary_md(tmp / "summary.md"),
                self._write_png(tmp / "busiest_sites.png"),
            ]
            if self.has_pathways:
                for name, frame in (("streams.csv", self.streams),
                                    ("quarantine.csv", self.quarantine)):
                    frame = frame.copy()
                    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
                    frame.round(3).to_csv(tmp / name, index=False)
                    names.append(name)
            return names

        return _write_folder(outdir, "projection", files)

    def site_daily(self) -> pd.DataFrame:
        """The ``site_daily.csv`` table: ``date, day, site``, the cohorts, ``arrivals,
        population, backlog, occupancy, capacity`` and the needs (``capacity`` NaN where
        unlimited)."""
        sites = self.sites
        columns = [
            "date",
            "day",
            "site",
            *self._cohort_columns(),
            "arrivals",
            "population",
            "backlog",
            "occupancy",
            "capacity",
            *_NEEDS,
        ]
        frame = sites[columns].copy()
        frame["capacity"] = frame["capacity"].where(np.isfinite(frame["capacity"]))
        return frame

    def _write_site_daily_csv(self, path: Path) -> str:
        frame = self.site_daily()
        frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
        # Expected people carry fractions: 3 decimals (agents' whole people are unchanged).
        frame.round(3).to_csv(path, index=False)
        return path.name

    def _write_balance_csv(self, path: Path) -> str:
        b = self.balance
        b["date"] = b["date"].dt.strftime("%Y-%m-%d")  # before rounding: round() skips dates
        b[["day", "date", *_ACCOUNT]].round(6).to_csv(path, index=False)
        return path.name

    def _layers(self) -> dict[str, Any]:
        """The GeoPackage layers as GeoDataFrames (EPSG:4326)."""
        gpd = _geopandas()
        net = self.network
        summary = self.summary()
        dates = self.dates

        # locations: every location with its peaks (zeros / nulls where nobody came).
        locations = net.to_geodataframe("locations").reset_index(drop=True)
        locations = locations.drop(columns=["lon", "lat"])
        s = summary.reindex(locations["name"].astype(str))
        for column in (
            "peak_population",
            "days_over_capacity",
            "peak_backlog",
            "total_arrivals",
            *_NEEDS,
        ):
            locations[column] = s[column].fillna(0).to_numpy()
        locations["days_over_capacity"] = locations["days_over_capacity"].astype(np.int64)
        locations["longest_wait_days"] = s["longest_wait_days"].to_numpy()
        for column in ("peak_date", "first_over_capacity", "peak_backlog_date"):
            locations[column] = _date_strings(s[column])
        locations["kind"] = locations["kind"].astype(str)
        _finite_or_null(locations, ["capacity", "screening_per_day"])

        # routes: each route with its total and peak daily flow.
        routes = net.to_geodataframe("routes")
        flow = self.raw["route_flow"]
        routes = routes.reset_index().rename(columns={"id": "route"})
        routes["mode"] = routes["mode"].astype(str)
        routes["total_flow"] = flow.sum(axis=0) if self.days else 0.0
        routes["peak_flow"] = flow.max(axis=0) if self.days else 0.0
        peak_day = flow.argmax(axis=0) if self.days else np.zeros(net.num_routes, dtype=int)
        routes["peak_flow_date"] = [
            dates[d].strftime("%Y-%m-%d") if self.days and p > 0 else None
            for d, p in zip(peak_day, routes["peak_flow"])
        ]
        _finite_or_null(routes, ["capacity_per_day"])

        # site_daily: one point per location per day, time-enabled.
        sd = self.sites
        daily = sd[
            [
                "date",
                "day",
                "site",
                "kind",
                *self._cohort_columns(),
                "arrivals",
                "population",
                "backlog",
                "waiting_days",
                "screened",
                "occupancy",
                "capacity",
                "screening_per_day",
                "open",
                *_NEEDS,
            ]
        ].copy()
        start, end = _day_span(daily["date"])
        daily.insert(0, "start_time", start)
        daily.insert(1, "end_time", end)
        daily["date"] = daily["date"].dt.strftime("%Y-%m-%d")
        daily["kind"] = daily["kind"].astype(str)
        _finite_or_null(daily, ["capacity", "screening_per_day", "occupancy", "waiting_days"])
        points = net._location_geometry()
        site_daily = gpd.GeoDataFrame(daily, geometry=np.tile(points, self.days), crs="EPSG:4326")

        # route_daily: one line per route per day, time-enabled.
        rd = self.routes
        start, end = _day_span(rd["date"])
        rd.insert(0, "start_time", start)
        rd.insert(1, "end_time", end)
        rd["date"] = rd["date"].dt.strftime("%Y-%m-%d")
        lines = np.asarray(routes.geometry.to_numpy(), dtype=object)
        route_daily = gpd.GeoDataFrame(rd, geometry=np.tile(lines, self.days), crs="EPSG:4326")
        layers = {
            "locations": locations,
            "routes": routes,
            "site_daily": site_daily,
            "route_daily": route_daily,
        }
        if self.has_pathways:
            layers["site_streams"] = self._site_streams_layer()
        return layers

    def _site_streams_layer(self):
        """One point per reception site, stream and day (cohorts summed), time-enabled."""
        gpd = _geopandas()
        st = self.streams
        frame = st.groupby(["date", "day", "site", "stream", "type"], sort=False, as_index=False)[
            list(_STREAM_FIGURES)
        ].sum()
        start, end = _day_span(frame["date"])
        frame.insert(0, "start_time", start)
        frame.insert(1, "end_time", end)
        frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
        points = self.network._location_geometry()
        ids = {name: i for i, name in enumerate(self.locations)}
        geometry = [points[ids[name]] for name in frame["site"]]
        return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")

    def _write_gpkg(self, path: Path) -> str:
        for i, (layer, frame) in enumerate(self._layers().items()):
            # GeoPackage 1.2: the version the GDAL of QGIS 3.22 (Debian 12) reads without a
            # warning, and whose DateTime text is always "YYYY-MM-DDTHH:MM:SS.SSSZ".
            options = {"dataset_options": {"VERSION": "1.2"}} if i == 0 else {}
            frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio", **options)
        return path.name

    def _write_png(self, path: Path) -> str:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(10, 5.5), dpi=120)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        self._draw(ax, self.busiest(8))
        fig.tight_layout()
        fig.savefig(path)
        return path.name

    def summary_markdown(self) -> str:
        """The ``summary.md`` report: the scenario, a table per site, the triggers that fired
        and the conservation check."""
        info = self.info
        dates = self.dates
        lines = [f"# Projection: {info['name']}", ""]
        source = info.get("source") or ""
        first = dates[0].strftime("%Y-%m-%d") if self.days else str(info["start_date"])
        last = dates[-1].strftime("%Y-%m-%d") if self.days else first
        lines += [
            f"- Scenario: **{info['name']}**" + (f" (`{source}`)" if source else ""),
            f"- Dates: {first} to {last} ({self.days} days"
            + (f" of {info['days']}, stopped early" if self.days < int(info["days"]) else "")
            + ")",
            f"- Engine: {info['engine']}"
            + (f" (whole people, seed {info['seed']})" if info["engine"] == "agents" else ""),
            f"- Cohorts: {', '.join(self.cohorts)}",
        ]
        b = self.balance
        if self.days:
            last = b.iloc[-1]
            lines.append(
                f"- People displaced: {last['spawned']:,.0f}; at the end, "
                f"{last['at_locations']:,.0f} at locations, {last['in_transit']:,.0f} "
                f"on the move, {last['departed']:,.0f} left the region"
                + (
                    f", {last['in_reception']:,.0f} in reception (quarantine, screening, "
                    f"streams), {last['transferring']:,.0f} being transferred, "
                    f"{last['returned']:,.0f} returned"
                    if self.has_pathways
                    else ""
                )
            )
        lines.append("")

        summary = self.summary()
        over = summary[summary["days_over_capacity"] > 0]
        lines += ["## Sites", ""]
        if over.empty:
            lines.append("No site goes over its shelter capacity.")
        else:
            lines.append(
                f"{len(over)} site{'s' if len(over) != 1 else ''} over shelter capacity: "
                + ", ".join(
                    f"{name} from {d:%Y-%m-%d}"
                    for name, d in over["first_over_capacity"].sort_values().items()
                )
                + "."
            )
        lines.append("")
        header = [
            "site",
            "kind",
            "capacity",
            "peak population",
            "peak date",
            "first day over capacity",
            "peak backlog",
            "backlog date",
            "longest wait (days)",
            "water (L/day)",
            "taps",
            "toilets",
            "covered (m²)",
            "site area (m²)",
            "kcal/day",
        ]
        lines.append("| " + " | ".join(header) + " |")
        lines.append(
            "|"
            + "|".join(
                ["---"] * 2 + ["---:"] * 2 + ["---"] * 2 + ["---:", "---", "---:"] + ["---:"] * 6
            )
            + "|"
        )
        for name, row in summary.iterrows():
            cells = [
                _md(name),
                str(row["kind"]),
                _num(row["capacity"]),
                _num(row["peak_population"]),
                _date(row["peak_date"]),
                _date(row["first_over_capacity"]),
                _num(row["peak_backlog"]),
                _date(row["peak_backlog_date"]),
                _num(row["longest_wait_days"], 1),
                *(_num(row[need]) for need in _NEEDS),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        if summary.empty:
            lines.append("| (nobody moved) |" + " |" * (len(header) - 1))
        lines.append("")

        if self.has_pathways:
            lines += ["## Reception pathways", ""]
            ss = self.stream_summary()
            if ss.empty:
                lines.append("Nobody was screened and referred to a stream.")
            else:
                lines.append(
                    "| site | stream | referred | peak waiting | peak in process | "
                    "completed (staying) | returned | moved on |"
                )
                lines.append("|---|---|---:|---:|---:|---:|---:|---:|")
                for row in ss.itertuples(index=False):
                    lines.append(
                        f"| {_md(row.site)} | {_md(row.stream)} | {_num(row.referred)} | "
                        f"{_num(row.peak_waiting)} | {_num(row.peak_in_process)} | "
                        f"{_num(row.completed)} | {_num(row.returned)} | {_num(row.moved_on)} |"
                    )
            lines.append("")

        lines += ["## Triggers fired", ""]
        fired = self.triggers
        if fired.empty:
            n = len(info.get("triggers") or [])
            lines.append("None fired." if n else "The scenario has no triggers.")
        else:
            lines.append(
                "| date | location | metric | value | threshold | then (from the next day) |"
            )
            lines.append("|---|---|---|---:|---:|---|")
            for row in fired.itertuples(index=False):
                lines.append(
                    f"| {row.date:%Y-%m-%d} | {_md(row.location)} | {row.metric} | "
                    f"{_num(row.value, 2)} | {_num(row.threshold, 2)} | {_md(row.action)} |"
                )
        lines.append("")

        lines += ["## Conservation check", ""]
        if self.days:
            scale = np.maximum(b["spawned"].abs().to_numpy(), 1.0)
            rel = np.abs(b["error"].to_numpy()) / scale
            worst = int(rel.argmax())
            ok = bool(rel.max() <= 1e-9)
            lines.append(
                "Every day, people displaced so far = people at locations + on the move + left "
                f"the region. Largest relative difference: {rel.max():.1e} (day {worst}, "
                f"{dates[worst]:%Y-%m-%d}): {'holds' if ok else 'FAILS'} (tolerance 1e-9)."
            )
        else:
            lines.append("No day was projected.")
        lines.append("")
        return "\n".join(lines)

    def _write_summary_md(self, path: Path) -> str:
        path.write_text(self.summary_markdown(), encoding="utf-8")
        return path.name

    # ------------------------------------------------------------------ display
    def _headline(self) -> dict[str, Any]:
        summary = self.summary()
        over = summary[summary["days_over_capacity"] > 0]
        backlog = summary[summary["peak_backlog"] > 0].sort_values("peak_backlog", ascending=False)
        spawned = float(self.raw["spawned"][-1]) if self.days else 0.0
        return {"summary": summary, "over": over, "backlog": backlog, "spawned": spawned}

    def __repr__(self) -> str:
        h = self._headline()
        return (
            f"<corridor.Projection {self.name!r}: {self.days} days from {self.start_date.date()}, "
            f"{h['spawned']:,.0f} people displaced, {_count(len(h['over']), 'site')} over "
            f"capacity, {_count(len(self.raw['fired']), 'trigger')} fired>"
        )

    def _repr_html_(self) -> str:
        h = self._headline()
        rows = [
            ("Scenario", html.escape(self.name)),
            ("Dates", f"{self.days} days from {self.start_date.date()}"),
            ("People displaced", f"{h['spawned']:,.0f}"),
            ("Sites over capacity", html.escape(", ".join(h["over"].index)) or "none"),
            (
                "Peak backlog",
                html.escape(f"{h['backlog'].index[0]}: {h['backlog']['peak_backlog'].iloc[0]:,.0f}")
                if not h["backlog"].empty
                else "none",
            ),
            ("Triggers fired", f"{len(self.raw['fired'])}"),
        ]
        body = "".join(
            f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>" for k, v in rows
        )
        return f"<div><strong>corridor.Projection</strong><table>{body}</table></div>"


# ---------------------------------------------------------------------------------- helpers


def _thousands_formatter():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:,.0f}")


def _day_span(dates: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``start_time`` and ``end_time`` of each day, in UTC: from 00:00:00.000 to 23:59:59.999.

    The end stops a millisecond short of the next day because QGIS (3.22 at least) filters a
    GeoPackage layer's time range by comparing the stored text: an end stored as the next day's
    "…T00:00:00.000Z" compares greater than the frame's "…T00:00:00.000", so every frame would
    also show the day before.
    """
    start = dates.dt.tz_localize("UTC")
    return start, start + pd.Timedelta(days=1) - pd.Timedelta(milliseconds=1)


def _finite_or_null(frame: pd.DataFrame, columns: list[str]) -> None:
    for column in columns:
        values = frame[column].to_numpy(dtype=float)
        frame[column] = np.where(np.isfinite(values), values, np.nan)


def _date_strings(values: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d") for v in values]


def _write_folder(outdir: str | os.PathLike, what: str,
                  write_files: Callable[[Path], list[str]]) -> list[Path]:
    """Write a folder of output files atomically: ``write_files(tmp)`` fills a temporary
    sibling folder and returns the file names; the folder then takes ``outdir``'s place, so a
    failure leaves the previous output as it was. Failures of GDAL (through pyogrio), pandas
    or matplotlib — a full disk is an OSError, a failed GeoPackage commit a DataSourceError —
    become one corridor.IoError naming the folder, the cause chained."""
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise _core.IoError(f"{out}: exists and is not a folder")
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    try:
        os.chmod(tmp, 0o777 & ~_umask())
        names = write_files(tmp)
        _swap_into_place(tmp, out.absolute())
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, Exception) and not isinstance(exc, _core.Error):
            raise _core.IoError(f"{out}: cannot write the {what}: {exc}") from exc
        raise
    return [out / name for name in names]


def _swap_into_place(tmp: Path, out: Path) -> None:
    """Move the finished folder ``tmp`` to ``out``; an existing ``out`` is moved aside first
    and removed only once the new one is in place."""
    if not out.exists():
        os.replace(tmp, out)
        return
    aside = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:12]}"
    os.replace(out, aside)
    try:
        os.replace(tmp, out)
    except BaseException:
        os.replace(aside, out)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|")


def _num(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    v = float(value)
    if np.isinf(v):
        return "unlimited"
    return f"{v:,.{digits}f}"


def _date(value: Any) -> str:
    return "-" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")
