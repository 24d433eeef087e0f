"""Flee cases and corridor's agent engine, a faster drop-in for Flee's ``run.py``.

>>> case = corridor.flee.load_case("mali2012", settings="simsetting.yml")
>>> result = corridor.flee.run(case, seed=0)
>>> result.error()            # Flee's averaged relative difference
>>> result.to_flee_csv("out.csv")

The engine follows Flee 3's rules (see the design notes in ``core/src/agents.cpp``); its
randomness is counter-based, so a seed gives the same result whatever the thread count.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridor import _core
from corridor._progress import progress_bar
from corridor.network import Network

__all__ = ["FleeCase", "AgentRun", "UnsupportedSettingWarning", "load_case", "run"]


class UnsupportedSettingWarning(UserWarning):
    """A simsetting.yml key that corridor reads but does not implement."""


class FleeCase:
    """A Flee case: its network, the agent rules' settings, its timeline and observed data.

    Load one with :func:`load_case`. Cases pickle (paths and parameters are re-read).
    """

    def __init__(
        self,
        core: _core.FleeCase,
        path: Path,
        settings_path: Path | None,
        days: int,
        compat: str | None,
    ):
        self._core = core
        self._path = path
        self._settings_path = settings_path
        self._days_arg = days
        self._compat = compat
        self.network = Network(core.network)

    def __reduce__(self):
        # A case is small to re-read; shipping paths keeps pickles tiny and version-proof.
        return (
            load_case,
            (self._path, self._settings_path, self._days_arg or None, False, self._compat),
        )

    @property
    def name(self) -> str:
        return self._core.name

    @property
    def path(self) -> Path:
        return self._path

    @property
    def days(self) -> int:
        return self._core.days

    @property
    def start_date(self) -> pd.Timestamp:
        return pd.Timestamp(self._core.start_date)

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start_date, periods=self.days, freq="D", name="date")

    @property
    def camps(self) -> list[str]:
        """The validation camps, in data_layout.csv order."""
        return list(self._core.camp_names)

    @property
    def settings(self) -> dict[str, Any]:
        """The agent rules' settings in effect (Flee's key names)."""
        return self._core.settings

    @property
    def unsupported_settings(self) -> list[str]:
        return list(self._core.unsupported_settings)

    @property
    def notes(self) -> list[str]:
        """Remarks on the input that change or explain behaviour (Flee quirks that apply)."""
        return list(self._core.notes)

    @property
    def compat(self) -> str | None:
        return self._compat

    @property
    def observed(self) -> pd.DataFrame:
        """UNHCR registrations per camp and day, interpolated as Flee does (dates x camps)."""
        return pd.DataFrame(
            self._core.observed, index=self.dates, columns=pd.Index(self.camps, name="camp")
        )

    def __repr__(self) -> str:
        return (
            f"<corridor.flee.FleeCase {self.name!r}: {self.days} days from "
            f"{self.start_date.date()}, {self.network.num_locations} locations, "
            f"{self.network.num_routes} routes, {len(self.camps)} camps>"
        )


def load_case(
    case_dir: str | os.PathLike,
    settings: str | os.PathLike | None = None,
    days: int | None = None,
    warn: bool = True,
    compat: str | None = None,
) -> FleeCase:
    """Read a Flee case directory.

    Parameters
    ----------
    case_dir : path
        Folder with ``input_csv/`` and ``source_data/``.
    settings : path, optional
        A Flee ``simsetting.yml``; ``case_dir/simsetting.yml`` if present, else Flee's defaults.
    days : int, optional
        Simulated days; ``sim_period.csv``'s Length by default.
    warn : bool
        Warn (:class:`UnsupportedSettingWarning`) about settings corridor does not implement.
    compat : {None, "flee-3.1"}
        ``"flee-3.1"`` runs the case the way PyPI Flee 3.1's ``run.py`` does, to compare with
        figures recorded from it: conflicts.csv is not applied (that runner never reads it),
        nor are ``capacity_scaling`` and the day-0 reduction of camp capacities (3.1 ignores
        them). By default corridor applies all three, as current Flee intends.
    """
    if compat not in (None, "flee-3.1"):
        raise _core.InputError(f"compat must be None or 'flee-3.1', got {compat!r}")
    path = Path(case_dir)
    settings_path = Path(settings) if settings is not None else None
    core = _core.read_flee_case(
        os.fspath(path), os.fspath(settings_path) if settings_path else "", int(days or 0)
    )
    if compat == "flee-3.1":
        core = _core.as_flee31_run(core)
    case = FleeCase(core, path, settings_path, int(days or 0), compat)
    if warn and case.unsupported_settings:
        warnings.warn(
            f"{case.name}: corridor does not implement these settings, which are ignored: "
            + ", ".join(case.unsupported_settings),
            UnsupportedSettingWarning,
            stacklevel=2,
        )
    return case


def run(
    case: FleeCase,
    seed: int = 0,
    threads: int | None = None,
    progress: bool = True,
    engine: str = "agents",
) -> AgentRun:
    """Run one of corridor's engines on a case.

    Parameters
    ----------
    case : FleeCase
    seed : int
        The same case and seed give the same result, whatever ``threads`` (agents only).
    threads : int, optional
        Worker threads (all cores by default; agents only).
    progress : bool
        Show a progress bar (a notebook widget in Jupyter, text in a terminal).
    engine : {"agents", "expected"}
        ``"agents"``: Flee's rules on individual agents; ``"expected"``: the same rules on
        expected numbers of people (deterministic, fractions of people; docs/expected.md).
    """
    if engine not in ("agents", "expected"):
        raise _core.InputError(f"engine must be 'agents' or 'expected', got {engine!r}")
    label = f"{case.name} seed {seed}" if engine == "agents" else f"{case.name} expected"
    bar = progress_bar(case.days, progress, label)
    on_day = None if bar is None else (lambda day: bar.update(1))
    try:
        if engine == "agents":
            out = _core.run_agents(case._core, int(seed), int(threads or 0), on_day)
        else:
            out = _core.run_expected(case._core, on_day)
    finally:
        if bar is not None:
            bar.close()
    return AgentRun(case=case, seed=int(seed), raw=out, engine=engine)


@dataclass(eq=False)
class AgentRun:
    """The result of a run on a Flee case (agents, or expected numbers of people with
    ``engine="expected"``): counts per day and location, and Flee's metric."""

    case: FleeCase
    seed: int
    raw: dict[str, Any]
    engine: str = "agents"

    @property
    def days(self) -> int:
        return int(self.raw["days"])

    @property
    def dates(self) -> pd.DatetimeIndex:
        return self.case.dates[: self.days]

    @property
    def population(self) -> pd.DataFrame:
        """Agents at each location at the end of each day (dates x locations)."""
        names = self.case.network.locations["name"].tolist()
        return pd.DataFrame(self.raw["population"], index=self.dates, columns=pd.Index(names, name="location"))

    def camps(self) -> pd.DataFrame:
        """Simulated and observed counts per validation camp (columns: camp x {sim, data})."""
        sim = self.raw["population"][:, self.case._core.camp_ids].astype(float)
        data = self.case._core.observed[: self.days]
        cols = pd.MultiIndex.from_product([self.case.camps, ["sim", "data"]], names=["camp", "series"])
        values = np.empty((self.days, 2 * len(self.case.camps)))
        values[:, 0::2] = sim
        values[:, 1::2] = data
        return pd.DataFrame(values, index=self.dates, columns=cols)

    def balance(self) -> pd.DataFrame:
        """The conservation account per day: spawned = at_locations + in_transit + departed."""
        kind = np.int64 if self.engine == "agents" else float
        at = self.raw["population"].sum(axis=1, dtype=kind)
        return pd.DataFrame(
            {
                "spawned": self.raw["spawned"].astype(kind),
                "at_locations": at,
                "in_transit": self.raw["in_transit"].astype(kind),
                "departed": self.raw["departed"].astype(kind),
            },
            index=self.dates,
        )

    def error_series(self, rescaled: bool = False) -> pd.Series:
        """Flee's relative difference E(t) per day (see :meth:`error`)."""
        sim = self.raw["population"][:, self.case._core.camp_ids].astype(float)
        data = self.case._core.observed[: self.days]
        un = data.sum(axis=1)
        if rescaled:
            s = sim.sum(axis=1)
            factor = np.divide(un, s, out=np.zeros_like(un), where=s > 0)
            sim = sim * factor[:, None]
        diffs = np.round(np.abs(sim - data), 4)  # Flee rounds each difference to 4 decimals
        return pd.Series(diffs.sum(axis=1) / np.maximum(un, 1.0), index=self.dates, name="error")

    def error(self, rescaled: bool = False) -> float:
        """Flee's averaged relative difference: mean over days of
        sum_c |sim_c - data_c| / max(sum_c data_c, 1); ``rescaled`` first scales the simulated
        camp counts to the observed total (Flee's "Error (rescaled)")."""
        return float(self.error_series(rescaled).mean())

    def to_xarray(self):
        """An xarray Dataset with dimensions day and location."""
        import xarray as xr

        loc = self.case.network.locations
        return xr.Dataset(
            {
                "population": (("day", "location"), self.raw["population"]),
                "in_transit": ("day", self.raw["in_transit"]),
                "spawned": ("day", self.raw["spawned"]),
                "departed": ("day", self.raw["departed"]),
                "refugee_debt": ("day", self.raw["refugee_debt"]),
            },
            coords={
                "day": np.arange(self.days),
                "date": ("day", self.dates),
                "location": loc["name"].to_numpy(dtype=object),
                "kind": ("location", loc["kind"].astype(str).to_numpy(dtype=object)),
                "country": ("location", loc["country"].to_numpy(dtype=object)),
            },
            attrs={"case": self.case.name, "seed": self.seed, "engine": self.engine},
        )

    def to_flee_frame(self) -> pd.DataFrame:
        """The table Flee's ``run.py`` prints as out.csv, so Flee's post-processing runs on it."""
        camps = self.camps()
        frame = pd.DataFrame({"Day": np.arange(self.days), "Date": self.dates.strftime("%Y-%m-%d")})
        # Flee lists the camps in locations.csv order.
        order = np.argsort(self.case._core.camp_ids, kind="stable")
        for name in [self.case.camps[i] for i in order]:
            sim = camps[(name, "sim")].to_numpy()
            data = camps[(name, "data")].to_numpy()
            frame[f"{name} sim"] = np.round(sim).astype(np.int64)
            frame[f"{name} data"] = np.round(data).astype(np.int64)
            rel = np.divide(np.abs(sim - data), data, out=np.zeros_like(sim), where=data > 0)
            frame[f"{name} error"] = np.round(rel, 4)
        in_camps_data = camps.xs("data", axis=1, level="series").sum(axis=1).to_numpy()
        in_camps_sim = camps.xs("sim", axis=1, level="series").sum(axis=1).to_numpy()
        # Flee's "raw UNHCR refugee count" is the cumulative count it spawned from the data.
        raw = np.round(self.raw["spawned"]).astype(np.int64)
        abs_diff = (camps.xs("sim", axis=1, level="series") - camps.xs("data", axis=1, level="series")).abs()
        frame["Total error"] = abs_diff.sum(axis=1).to_numpy() / np.maximum(raw, 1)
        frame["refugees in camps (UNHCR)"] = np.round(in_camps_data).astype(np.int64)
        frame["total refugees (simulation)"] = np.round(self.raw["spawned"] - self.raw["departed"]).astype(np.int64)
        frame["raw UNHCR refugee count"] = raw
        frame["refugees in camps (simulation)"] = np.round(in_camps_sim).astype(np.int64)
        frame["refugee_debt"] = np.round(self.raw["refugee_debt"]).astype(np.int64)
        return frame

    def to_flee_csv(self, path: str | os.PathLike) -> Path:
        """Write :meth:`to_flee_frame` as Flee's out.csv, atomically."""
        target = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.tmp-", dir=target.parent or ".")
        try:
            with os.fdopen(fd, "w", newline="") as handle:
                self.to_flee_frame().to_csv(handle, index=False)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def __repr__(self) -> str:
        return (
            f"<corridor.flee.AgentRun {self.case.name!r} "
            f"{'seed ' + str(self.seed) if self.engine == 'agents' else 'expected'}: {self.days} days, "
            f"{int(round(self.raw['spawned'][-1])) if self.days else 0:,} "
            f"{'agents' if self.engine == 'agents' else 'people'}, "
            f"error {self.error():.3f} (rescaled {self.error(True):.3f})>"
        )
