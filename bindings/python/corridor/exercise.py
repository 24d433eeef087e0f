"""Table-top exercise mode: step a scenario day by day, inject surprises, take decisions.

>>> ex = corridor.Exercise("data/exercise/scenario.toml")
>>> ex.step(20)                                          # days 0-19 played
>>> ex.inject({"type": "displacement", "location": "Hessamir", "people": 30_000,
...            "over_days": 5}, note="Inject 1: shelling of Hessamir")
>>> ex.decide({"type": "open_site", "location": "Overflow Site B", "capacity": 8000})
>>> ex.step(10); ex.projection.summary()
>>> alt = ex.branch()                                    # try something else from here
>>> ex.save_log("exercise.jsonl")                        # replayable with Exercise.replay

Design notes
------------
An exercise *is* its log. The state at day N is the scenario plus the injects and decisions
taken so far, projected over days 0 to N-1; each :meth:`Exercise.step` replays that from day
0. This is exact, not an approximation: both engines are deterministic given their seed, an
event dated day d changes nothing before day d, and a run over N days is the first N days of a
longer one (all three are tested). It makes branching a copy of a list, and replaying a log the
same code path as playing it. The cost is a re-run per step: milliseconds for the expected
engine on a region of this size, about a second for the agent engine.

An inject (the facilitator's surprise) and a decision (the participants' move) are both
scenario events (any type of ``docs/scenario.md``); they differ only in the log. An event
takes effect from the current day (the first day not yet played) unless it names a later
``day``; one dated in the past is refused.
"""

from __future__ import annotations

import copy as _copy
import datetime as _dt
import hashlib
import json
import os
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from corridor import _core
from corridor.scenario import _ENGINES, Projection, Scenario, _atomic_write_text, _toml_ready

__all__ = ["Exercise"]

_LOG_VERSION = 1
_KINDS = ("inject", "decision")


def _error(message: str) -> _core.InputError:
    return _core.InputError(message)


def describe_event(event: Mapping[str, Any]) -> str:
    """A one-line description of a scenario event as written in a scenario document."""
    kind = str(event.get("type", "?"))
    parts = [kind.replace("_", " ")]
    where = event.get("location") or event.get("locations")
    if where:
        parts.append(where if isinstance(where, str) else ", ".join(map(str, where)))
    if event.get("countries"):
        parts.append(" / ".join(map(str, event["countries"])))
    if event.get("from") and event.get("to"):
        parts.append(f"{event['from']} - {event['to']}")
    if event.get("people") is not None:
        over = event.get("over_days", 1)
        parts.append(f"{float(event['people']):,.0f} people over {over} day{'s' if over != 1 else ''}")
    if event.get("capacity") is not None:
        parts.append(f"capacity {float(event['capacity']):,.0f}")
    if event.get("screening_per_day") is not None:
        parts.append(f"screening {float(event['screening_per_day']):,.0f}/day")
    if event.get("until_day") is not None:
        parts.append(f"until day {event['until_day']}")
    return " ".join(parts)


def _prefix(scenario: Scenario, days: int) -> Scenario:
    """The scenario over its first ``days`` days: events dated later are left out (they change
    nothing before their day, and the reader refuses events past the end)."""
    s = scenario.copy()
    s._network = scenario._network
    s["days"] = days
    s["events"] = [e for e in s["events"] if not (isinstance(e, dict) and
                                                  isinstance(e.get("day", 0), int) and
                                                  e.get("day", 0) >= days)]
    return s


def _reserve_sites(scenario: Scenario) -> set[str]:
    """Sites named by an ``open_site`` event or trigger: closed from day 0 until they open."""
    out: set[str] = set()
    actions = [e for e in scenario.data.get("events") or [] if isinstance(e, dict)]
    actions += [t.get("then") for t in scenario.data.get("triggers") or [] if isinstance(t, dict)]
    for a in actions:
        if isinstance(a, dict) and a.get("type") == "open_site":
            names = a.get("locations") or a.get("location")
            out.update([names] if isinstance(names, str) else list(names or []))
    return out


def _fingerprint(scenario: Scenario) -> str:
    """SHA-256 of the scenario document and its network: a replayed log must match both."""
    h = hashlib.sha256()
    doc = _toml_ready(scenario._clean())
    doc.pop("network", None)  # the files' paths do not matter, their content does
    h.update(json.dumps(doc, sort_keys=True, default=str).encode())
    h.update(pickle.dumps(scenario.network._core, protocol=4))
    return h.hexdigest()


class Exercise:
    """A scenario played day by day, with injects and decisions between steps.

    Parameters
    ----------
    scenario : corridor.Scenario or path
        The exercise's starting scenario (its events are the "known" ones).
    engine : {"expected", "agents"}, optional
        The scenario's engine by default.
    seed : int, optional
        The agent engine's seed (the scenario's by default); fixed for the whole exercise, so a
        replay gives the same numbers.
    """

    def __init__(self, scenario: Scenario | str | os.PathLike, engine: str | None = None,
                 seed: int | None = None):
        if not isinstance(scenario, Scenario):
            scenario = Scenario.from_toml(scenario)
        base = scenario.copy()
        base._network = scenario.network  # read once, shared by every step and branch
        core = base.validate()
        self._engine = engine if engine is not None else base.data.get("engine", "expected")
        if self._engine not in _ENGINES:
            raise _error(f"engine: unknown engine {self._engine!r} (expected one of "
                         f"{', '.join(map(repr, _ENGINES))})")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            raise _error(f"seed: {seed!r} must be an integer >= 0")
        self._seed = int(seed if seed is not None else core.seed)
        self._base = base
        self._horizon = int(core.days)
        self._start = pd.Timestamp(core.start_date)
        self._day = 0
        self._entries: list[dict[str, Any]] = []
        self._projection: Projection | None = None
        self._reported: int | None = None
        self._fingerprint = _fingerprint(base)

    # ------------------------------------------------------------------ state
    @property
    def day(self) -> int:
        """Days played: the next day to play (0 before the first step)."""
        return self._day

    @property
    def date(self) -> pd.Timestamp:
        """The date of the next day to play."""
        return self._start + pd.Timedelta(days=self._day)

    @property
    def horizon(self) -> int:
        """The scenario's days: the exercise cannot play past them."""
        return self._horizon

    @property
    def engine(self) -> str:
        return self._engine

    @property
    def seed(self) -> int:
        return self._seed

    @property
    def scenario(self) -> Scenario:
        """The scenario as played so far: the starting one with every inject and decision
        appended to its events (over the whole horizon)."""
        s = self._base.copy()
        s._network = self._base._network
        for entry in self._entries:
            if entry["kind"] in _KINDS:
                s["events"].append(_copy.deepcopy(entry.get("applied", entry["event"])))
        return s

    def _as_applied(self, event: dict[str, Any], label: str) -> dict[str, Any]:
        """The event as it enters the scenario. An ``open_site`` holds its site closed from day
        0 until it opens (a reserve site); taken mid-exercise on a site that was not in reserve,
        that would rewrite the days already played, so it becomes what it means there: a
        ``set_capacity`` (the site is open already)."""
        if event.get("type") != "open_site":
            return event
        names = event.get("locations") or event.get("location")
        names = [names] if isinstance(names, str) else list(names or [])
        reserve = _reserve_sites(self.scenario)
        ordinary = [n for n in names if n not in reserve]
        if not ordinary:
            return event
        if len(ordinary) != len(names):
            raise _error(f"{label}: mixes reserve sites and open ones ({', '.join(ordinary)}): "
                         "open them in separate decisions")
        if self._day > 0:
            p = self.projection
            closed = [n for n in names if n in p.locations
                      and not p.raw["open"][p.days - 1, p.locations.index(n)]]
            if closed:
                raise _error(
                    f"{label}: {', '.join(closed)} is closed by an earlier close_site and is not "
                    "a reserve site; open_site only opens reserve sites (close it with an "
                    "until_day to have it reopen)"
                )
        applied = {k: v for k, v in event.items() if k not in ("type", "location", "locations")}
        applied = {"type": "set_capacity", "location" if len(names) == 1 else "locations":
                   names[0] if len(names) == 1 else names, **applied}
        if "capacity" not in applied and "screening_per_day" not in applied:
            return {"type": "reopen_location", "location" if len(names) == 1 else "locations":
                    names[0] if len(names) == 1 else names, "day": event["day"]}
        return applied

    @property
    def projection(self) -> Projection:
        """The projection of the days played so far (days 0 to ``day - 1``)."""
        if self._day == 0:
            raise _error("the exercise has not started: step() first")
        if self._projection is None:
            s = _prefix(self.scenario, self._day)
            # Each cohort carried (no merging): whether a prefix's displacements share one split
            # depends on the events to come, and the days played must not change with them.
            self._projection = s.run(engine=self._engine, seed=self._seed, progress=False,
                                     threads=1, merge_cohorts=False)
        return self._projection

    @property
    def log(self) -> pd.DataFrame:
        """The exercise log: one row per step, inject and decision, in order.

        Columns: ``day`` (the day it took effect: for a step, the day reached), ``date``,
        ``kind`` (``step``, ``inject``, ``decision``), ``type`` (the event type), ``description``,
        ``note``.
        """
        rows = []
        for e in self._entries:
            day = int(e["day"])
            rows.append({
                "day": day,
                "date": self._start + pd.Timedelta(days=day),
                "kind": e["kind"],
                "type": e["event"]["type"] if e["kind"] in _KINDS else None,
                "description": (describe_event(e["event"]) if e["kind"] in _KINDS
                                else f"played to day {day}"),
                "note": e.get("note", ""),
            })
        frame = pd.DataFrame(rows, columns=["day", "date", "kind", "type", "description", "note"])
        return frame.astype({"day": "int64"})

    # ------------------------------------------------------------------ playing
    def step(self, days: int = 1) -> Projection:
        """Play ``days`` more days (>= 1) and return the projection so far."""
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise _error(f"step: days {days!r} must be an integer >= 1")
        if self._day + days > self._horizon:
            raise _error(
                f"step: {days} day(s) from day {self._day} would pass the scenario's "
                f"{self._horizon} days"
            )
        self._day += days
        self._projection = None
        self._entries.append({"kind": "step", "day": self._day})
        return self.projection

    def run_to(self, day: int) -> Projection:
        """Play up to (not including) ``day``."""
        if isinstance(day, bool) or not isinstance(day, int) or day <= self._day:
            raise _error(f"run_to: day {day!r} must be an integer after the current day {self._day}")
        return self.step(day - self._day)

    def inject(self, event: Mapping[str, Any], note: str = "") -> dict[str, Any]:
        """The facilitator's inject: a scenario event (any type) taking effect from the current
        day, or from its own ``day`` if later. Returns the event as logged."""
        return self._add("inject", event, note)

    def decide(self, event: Mapping[str, Any], note: str = "") -> dict[str, Any]:
        """A participants' decision: a scenario event (open a site, close a crossing, set
        screening capacity...) taking effect from the current day, or from its own later
        ``day``. Returns the event as logged."""
        return self._add("decision", event, note)

    def _add(self, kind: str, event: Mapping[str, Any], note: str, where: str = "") -> dict[str, Any]:
        n = sum(1 for e in self._entries if e["kind"] == kind) + 1
        label = where or f"{kind} {n}"
        if not isinstance(event, Mapping):
            raise _error(f"{label}: an event must be a dict like a scenario's [[events]] entry, "
                         f"got {type(event).__name__}")
        if not isinstance(note, str):
            raise _error(f"{label}: note must be a string")
        ev = _copy.deepcopy(dict(event))
        if "type" not in ev:
            raise _error(f"{label}: the event has no 'type' (see docs/scenario.md)")
        base_label, label = label, f"{label} ({ev['type']})"
        day = ev.setdefault("day", self._day)
        if isinstance(day, bool) or not isinstance(day, int):
            raise _error(f"{label}: day {day!r} must be an integer")
        if day < self._day:
            raise _error(
                f"{label}: dated day {day}, in the past: the exercise is at day {self._day} "
                f"({self.date:%Y-%m-%d}); decisions take effect from the current day on"
            )
        if day >= self._horizon:
            raise _error(f"{label}: day {day} is past the scenario's {self._horizon} days")
        if note and "note" not in ev:
            ev["note"] = note
        applied = self._as_applied(ev, label)
        trial = self.scenario
        trial["events"].append(applied)
        try:
            trial.validate()
        except _core.InputError as exc:
            message = str(exc)
            index = len(trial["events"]) - 1
            message = message.replace(f"events[{index}] ({applied['type']})", label)
            raise _error(message) from None
        entry = {"kind": kind, "day": day, "event": ev, "note": note}
        if applied is not ev:
            entry["applied"] = applied
        self._entries.append(entry)
        self._projection = None
        return _copy.deepcopy(ev)

    def branch(self) -> Exercise:
        """An independent copy at the same day with the same log: try two decisions from here
        and compare their projections."""
        other = object.__new__(Exercise)
        other.__dict__.update(self.__dict__)
        other._entries = _copy.deepcopy(self._entries)
        other._projection = self._projection  # immutable results: safe to share
        return other

    # ------------------------------------------------------------------ reports
    def sitrep(self, path: str | os.PathLike | None = None, day: int | None = None,
               since: int | None = None, **kwargs: Any):
        """A situation report for ``day`` (default: the last day played).

        ``since`` (default: the day of the previous report from this exercise) lists what
        changed in between. With ``path``, writes the self-contained HTML (and PDF if asked,
        see :func:`corridor.sitrep.write_sitrep`) and returns the files; otherwise returns the
        HTML text (shown inline in a notebook with ``IPython.display.HTML``).
        """
        from corridor import sitrep as _sitrep

        p = self.projection
        day = p.days - 1 if day is None else day
        since = self._reported if since is None else since
        if since is not None and since >= day:
            since = None
        log = self.report_log()
        if path is None:
            out = _sitrep.sitrep_html(p, day=day, since=since, log=log, **kwargs)
        else:
            out = _sitrep.write_sitrep(p, path, day=day, since=since, log=log, **kwargs)
        self._reported = day
        return out

    def report_log(self) -> pd.DataFrame:
        """The injects and decisions as a situation report lists them: ``day, kind,
        description`` (the note, when there is one, after the event)."""
        log = self.log
        log = log[log["kind"].isin(_KINDS)].reset_index(drop=True)
        notes = log["note"].fillna("")
        log["description"] = [d if not n else f"{n} ({d})"
                              for d, n in zip(log["description"], notes)]
        return log[["day", "kind", "description"]]

    def compare(self, other: Exercise, labels: tuple[str, str] = ("this", "other")) -> pd.DataFrame:
        """Two branches side by side over the days both have played: :meth:`Projection.compare`
        (per site: peak population, first day and days over capacity, peak backlog, longest
        wait, arrivals; and the change from this branch to the other)."""
        days = min(self._day, other._day)
        if days == 0:
            raise _error("compare: neither branch has played a day")
        a, b = (_prefix(ex.scenario, days).run(engine=ex._engine, seed=ex._seed, progress=False,
                                              threads=1) for ex in (self, other))
        return a.compare(b, labels=labels)

    # ------------------------------------------------------------------ the log as a file
    def save_log(self, path: str | os.PathLike) -> Path:
        """Write the log as JSON Lines (atomically): a header naming the scenario, its
        fingerprint, engine and seed, then one line per step, inject and decision.
        :meth:`replay` plays it again exactly."""
        header = {
            "corridor_exercise": _LOG_VERSION,
            "scenario": self._base.name,
            "fingerprint": self._fingerprint,
            "engine": self._engine,
            "seed": self._seed,
            "saved": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        lines = [json.dumps(header)]
        for e in self._entries:
            if e["kind"] == "step":
                lines.append(json.dumps({"kind": "step", "to_day": e["day"]}))
            else:
                lines.append(json.dumps({"kind": e["kind"], "day": e["day"],
                                         "event": _toml_ready(e["event"]), "note": e["note"]},
                                        default=str))
        target = Path(path)
        _atomic_write_text(target, "\n".join(lines) + "\n")
        return target

    @classmethod
    def replay(cls, scenario: Scenario | str | os.PathLike, log: str | os.PathLike,
               until: int | None = None) -> Exercise:
        """Play a saved log again on its scenario: the same injects and decisions on the same
        days, the same engine and seed, hence the same numbers. ``until`` stops after that many
        log lines (after the header).

        Raises
        ------
        corridor.InputError
            The log is not a corridor exercise log, was saved from another scenario (or another
            network), or a line does not fit (a decision dated before the day the replay has
            reached, an unknown kind), naming the file and line.
        """
        file = Path(log)
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise _core.IoError(f"{file}: cannot read: {exc.strerror or exc}") from None
        if not lines:
            raise _error(f"{file}: empty, not an exercise log")
        try:
            header = json.loads(lines[0])
        except json.JSONDecodeError as exc:
            raise _error(f"{file} line 1: not JSON: {exc.msg}") from None
        if not isinstance(header, dict) or header.get("corridor_exercise") != _LOG_VERSION:
            raise _error(f"{file} line 1: not a corridor exercise log (version {_LOG_VERSION})")
        ex = cls(scenario, engine=header.get("engine"), seed=header.get("seed"))
        if header.get("fingerprint") != ex._fingerprint:
            raise _error(
                f"{file} line 1: the log was saved from scenario {header.get('scenario')!r} with "
                f"other content (events, settings or network) than {ex._base.name!r}: it would "
                "not replay the same exercise"
            )
        body = lines[1:] if until is None else lines[1 : 1 + until]
        for k, text in enumerate(body, start=2):
            if not text.strip():
                continue
            where = f"{file} line {k}"
            try:
                entry = json.loads(text)
            except json.JSONDecodeError as exc:
                raise _error(f"{where}: not JSON: {exc.msg}") from None
            kind = entry.get("kind") if isinstance(entry, dict) else None
            if kind == "step":
                to_day = entry.get("to_day")
                if not isinstance(to_day, int) or to_day <= ex._day:
                    raise _error(f"{where}: step to day {to_day!r} does not move forward from "
                                 f"day {ex._day}")
                try:
                    ex.step(to_day - ex._day)
                except _core.InputError as exc:
                    raise _error(f"{where}: {exc}") from None
            elif kind in _KINDS:
                event = entry.get("event")
                if not isinstance(event, dict) or entry.get("day") != event.get("day"):
                    raise _error(f"{where}: {kind} without a dated event")
                ex._add(kind, event, str(entry.get("note", "")), where=f"{where}: {kind}")
            else:
                raise _error(f"{where}: unknown kind {kind!r} (expected step, inject or decision)")
        return ex

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        n_inj = sum(1 for e in self._entries if e["kind"] == "inject")
        n_dec = sum(1 for e in self._entries if e["kind"] == "decision")
        return (f"<corridor.Exercise {self._base.name!r}: day {self._day} of {self._horizon} "
                f"({self.date:%Y-%m-%d}), {n_inj} inject(s), {n_dec} decision(s), engine "
                f"{self._engine}>")
