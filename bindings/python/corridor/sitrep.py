"""Situation reports: one self-contained HTML page for a day of a projection, and its PDF.

>>> from corridor.sitrep import write_sitrep
>>> p = corridor.Scenario.from_toml("data/exercise/scenario.toml").run()
>>> write_sitrep(p, "sitrep-day60.html", day=60, since=53)
>>> write_sitrep(p, "sitrep-day60.pdf", day=60)        # HTML and PDF

The page is what a table-top exercise hands round at the end of a day: the key figures, a table
of the sites (people, arrivals, capacity, occupancy, backlog, waiting, screening) with capacity
warnings, the needs per site, the triggers that fired, what changed since the last report
(``since``), the timeline of events, triggered actions and the exercise log, a chart of the
busiest sites and a map. See ``docs/sitrep.md``.

Design notes
------------
- Self-contained on purpose: exercise rooms are often offline and reports travel by e-mail and
  USB stick. Charts and the map are PNGs drawn with matplotlib's Agg canvas (no pyplot, so no
  global state and safe on threads) and inlined as ``data:`` URIs; the CSS is inline, there is
  no script and no web font. Every text that comes from a scenario, a network or a log goes
  through :func:`html.escape`.
- Numbers come from the projection's own arrays (``raw``, ``balance``) so the report never
  disagrees with ``Projection.sites`` or ``summary()``; :func:`key_figures` returns the headline
  numbers as a dict for code that needs them (tests, an exercise controller).
- "Sites" are camps, reception centres, destinations and any place given a shelter capacity or
  a screening throughput on some day; the arrivals key figures count arrivals at sites only (a
  person passing through three towns would otherwise count three times). The tables also list
  every other place where people are on the day (towns, border crossings), since they need
  water and shelter too.
- The PDF is printed by headless Chromium (Debian's ``chromium``), the browser the exercise
  participants use, from the very HTML written beside it; no PDF library is needed.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridor import _core

__all__ = ["key_figures", "read_log", "sitrep_html", "write_sitrep"]

#: Location kinds that count as sites even without a capacity (Flee's ``idpcamp`` included).
_SITE_KINDS = frozenset({"camp", "reception", "destination", "idpcamp"})
_NEEDS = [
    ("water_l", "Water (L/day)"),
    ("taps", "Taps"),
    ("toilets", "Toilets"),
    ("covered_m2", "Covered area (m²)"),
    ("site_area_m2", "Site area (m²)"),
    ("kcal", "Food (kcal/day)"),
]
#: Occupancy bands of the map and the warnings: (upper bound, label, colour).
_BANDS = [
    (0.7, "below 70%", "#1a9850"),
    (0.9, "70–90%", "#d9c200"),
    (1.0, "90–100%", "#f46d43"),
    (math.inf, "over capacity", "#b2182b"),
]
_NO_CAPACITY_COLOUR = "#7f7f7f"
_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: People: below half a person (the expected engine's fractions) counts as nobody.
_NOBODY = 0.5
#: Places other than sites are listed one by one when they hold at least this share of the
#: people at locations (the expected engine spreads a few people everywhere); the rest are
#: summed in one row.
_OTHER_SHARE = 0.005


# ---------------------------------------------------------------------------------- checks


def _check_day(projection, day: Any, since: Any) -> tuple[int, int | None]:
    n = int(projection.days)
    if n == 0:
        raise _core.InputError("projection: no day was projected, so there is nothing to report")
    span = f"the projection has days 0 to {n - 1}"
    if day is None:
        d = n - 1
    else:
        if isinstance(day, bool) or not isinstance(day, (int, np.integer)):
            raise _core.InputError(f"day: {day!r} must be a whole number of days ({span})")
        d = int(day)
        if not 0 <= d < n:
            raise _core.InputError(f"day: {d} is outside the projection ({span})")
    if since is None:
        return d, None
    if isinstance(since, bool) or not isinstance(since, (int, np.integer)):
        raise _core.InputError(f"since: {since!r} must be a whole number of days ({span})")
    s = int(since)
    if s > d:
        raise _core.InputError(f"since: {s} is after the report's day ({d})")
    if s < 0:
        raise _core.InputError(f"since: {s} is outside the projection ({span})")
    return d, s


def _check_log(log: Any) -> pd.DataFrame | None:
    if log is None:
        return None
    if not isinstance(log, pd.DataFrame):
        try:
            log = pd.DataFrame(log)
        except (TypeError, ValueError) as exc:
            raise _core.InputError(
                f"log: expected a DataFrame with columns day, kind, description ({exc})"
            ) from None
    missing = [c for c in ("day", "kind", "description") if c not in log.columns]
    if missing:
        raise _core.InputError(
            f"log: missing column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}"
            " (expected day, kind, description)"
        )
    frame = log[["day", "kind", "description"]].reset_index(drop=True)
    days = pd.to_numeric(frame["day"], errors="coerce")
    bad = days.isna() | (days % 1 != 0) | (days < 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise _core.InputError(
            f"log row {i}: day: {frame['day'].iloc[i]!r} must be a whole number of days >= 0"
        )
    frame = frame.assign(day=days.astype(np.int64))
    frame["kind"] = frame["kind"].fillna("").astype(str)
    frame["description"] = frame["description"].fillna("").astype(str)
    return frame.sort_values("day", kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------- figures


class _Day:
    """The arrays of one report, cut to the day (and ``since``), computed once."""

    def __init__(self, projection, day: int, since: int | None):
        p = projection
        r = p.raw
        self.p = p
        self.day = day
        self.since = since
        self.dates = p.dates
        self.names = np.asarray(p.locations, dtype=object)
        loc = p.network.locations
        self.kind = loc["kind"].astype(str).to_numpy(dtype=object)
        self.country = loc["country"].astype(str).to_numpy(dtype=object)
        self.lon = loc["lon"].to_numpy(dtype=float)
        self.lat = loc["lat"].to_numpy(dtype=float)
        self.pop = r["population"].sum(axis=2)  # day x location
        self.arrivals = r["arrivals"].sum(axis=2)
        self.backlog = r["backlog"].sum(axis=2)
        self.capacity = r["capacity"]
        self.screening = r["screening_per_day"]
        self.screened = r["screened"]
        self.open = r["open"].astype(bool)
        self.occupancy = p._occupancy()
        self.waiting = p._waiting_days()
        limited = np.isfinite(self.capacity).any(axis=0) | np.isfinite(self.screening).any(axis=0)
        self.is_site = limited | np.isin(self.kind, list(_SITE_KINDS))

    def date(self, day: int) -> pd.Timestamp:
        return self.dates[day]

    def rows(self) -> np.ndarray:
        """Locations in the site tables, busiest first: the sites, and the other places that
        hold at least ``_OTHER_SHARE`` of the people at locations."""
        d = self.day
        floor = max(_NOBODY, _OTHER_SHARE * float(self.pop[d].sum()))
        shown = self.is_site | (self.pop[d] >= floor)
        idx = np.flatnonzero(shown)
        order = np.lexsort((idx, -self.pop[d, idx]))
        return idx[order]

    def others(self) -> np.ndarray:
        """Places holding people that :meth:`rows` leaves out."""
        rest = np.ones(len(self.names), dtype=bool)
        rest[self.rows()] = False
        return np.flatnonzero(rest & (self.pop[self.day] >= _NOBODY))

    def warnings(self, j: int) -> list[tuple[str, str]]:
        """(css class, text) of the capacity warnings of location ``j`` on the day."""
        d = self.day
        out: list[tuple[str, str]] = []
        occ = self.occupancy[d, j]
        if not self.open[d, j]:
            was_open = self.open[: d + 1, j].any()
            out.append(("muted", "closed to arrivals" if was_open else "not open"))
        if np.isfinite(occ):
            if occ > 1.0:
                out.append(("crit", "over capacity"))
            elif occ > 0.9:
                out.append(("warn", "above 90% of capacity"))
        growth = self.backlog_growth(j)
        if growth is not None and growth >= _NOBODY:
            out.append(("warn", f"backlog growing (+{growth:,.0f} since the day before)"))
        if np.isinf(self.waiting[d, j]):
            out.append(("crit", "screening stopped"))
        return out

    def backlog_growth(self, j: int) -> float | None:
        d = self.day
        if d == 0:
            return self.backlog[0, j] if self.backlog[0, j] > 0 else None
        return float(self.backlog[d, j] - self.backlog[d - 1, j])

    def band(self, occ: float) -> tuple[str, str]:
        if not np.isfinite(occ):
            return "no capacity set", _NO_CAPACITY_COLOUR
        for upper, label, colour in _BANDS:
            if occ <= upper:
                return label, colour
        return _BANDS[-1][1], _BANDS[-1][2]  # pragma: no cover - inf is the last bound


def key_figures(projection, day: int | None = None) -> dict[str, float]:
    """The headline numbers of a situation report, for one day.

    Parameters
    ----------
    projection : corridor.Projection
    day : int, optional
        Day, counted from 0 (the scenario's start date); the last day projected by default.

    Returns
    -------
    dict
        ``day``; ``displaced`` (people displaced so far), ``in_transit`` (on the move at the end
        of the day), ``at_locations`` (at any place: towns, camps, reception, crossings),
        ``departed`` (left the region); ``arrivals_day`` and ``arrivals_7_days`` (people who
        arrived at sites that day, and over the 7 days up to and including it; sites are camps,
        reception centres, destinations and places with a shelter capacity or screening);
        ``backlog`` (people waiting for screening, all sites), ``sites_over_capacity`` and
        ``sites_above_90`` (counts, occupancy > 1 and > 0.9).
    """
    d, _ = _check_day(projection, day, None)
    return _key_figures(_Day(projection, d, None))


def _key_figures(v: _Day) -> dict[str, float]:
    d = v.day
    r = v.p.raw
    occ = np.nan_to_num(v.occupancy[d], nan=0.0)
    return {
        "day": d,
        "displaced": float(r["spawned"][d]),
        "in_transit": float(r["in_transit"][d]),
        "at_locations": float(r["at_locations"][d]),
        "departed": float(r["departed"][d]),
        "arrivals_day": float(v.arrivals[d, v.is_site].sum()),
        "arrivals_7_days": float(v.arrivals[max(d - 6, 0) : d + 1][:, v.is_site].sum()),
        "backlog": float(v.backlog[d].sum()),
        "sites_over_capacity": int((occ > 1.0).sum()),
        "sites_above_90": int((occ > 0.9).sum()),
    }


# ---------------------------------------------------------------------------------- formatting


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _people(value: float) -> str:
    return f"{value:,.0f}"


def _signed(value: float) -> str:
    rounded = round(float(value))
    return "±0" if rounded == 0 else f"{rounded:+,}"


def _cap(value: float) -> str:
    return "no limit" if not np.isfinite(value) else f"{value:,.0f}"


def _pct(value: float) -> str:
    return "–" if not np.isfinite(value) else f"{value:.0%}"


def _long_date(ts: pd.Timestamp) -> str:
    return f"{ts.day} {ts:%B %Y}"


def _table(
    caption: str,
    header: Sequence[tuple[str, str]],
    rows: Sequence[tuple[str, Sequence[str]]],
    *,
    table_id: str | None = None,
    foot: Sequence[str] | None = None,
) -> str:
    """A semantic table. ``header``: (label, css class); ``rows``: (tr class, cells as HTML), the
    first cell a row header. Cells are escaped by the caller (they may hold markup)."""
    ident = f' id="{table_id}"' if table_id else ""
    head = "".join(f'<th scope="col" class="{c}">{label}</th>' for label, c in header)
    classes = [c for _, c in header]
    body = []
    for tr_class, cells in rows:
        out = [f'<th scope="row">{cells[0]}</th>']
        out += [f'<td class="{classes[i + 1]}">{cell}</td>' for i, cell in enumerate(cells[1:])]
        cls = f' class="{tr_class}"' if tr_class else ""
        body.append(f"<tr{cls}>{''.join(out)}</tr>")
    tfoot = ""
    if foot:
        cells = [f'<th scope="row">{foot[0]}</th>']
        cells += [f'<td class="{classes[i + 1]}">{c}</td>' for i, c in enumerate(foot[1:])]
        tfoot = f"<tfoot><tr>{''.join(cells)}</tr></tfoot>"
    return (
        f"<table{ident}><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody>{tfoot}</table>"
    )


# ---------------------------------------------------------------------------------- sections


def _header(v: _Day, title: str) -> str:
    p, d = v.p, v.day
    info = p.info
    total = int(info["days"])
    engine = str(info["engine"])
    if engine == "agents":
        engine += f" (whole people, seed {info['seed']})"
    else:
        engine += " (expected numbers of people)"
    span = f"days 0–{total - 1}"
    if p.days < total:
        span += f"; projected so far to day {p.days - 1}"
    desc = str(p.scenario.get("description", "") or "")
    meta = [
        ("Scenario", _e(p.name)),
        ("Date", f'<time datetime="{v.date(d):%Y-%m-%d}">{_e(_long_date(v.date(d)))}</time>'),
        ("Day", f"{d} of {total} ({_e(span)}; day 0 is {_e(_long_date(p.start_date))})"),
        ("Engine", _e(engine)),
    ]
    if v.since is not None:
        meta.append(("Changes since", f"day {v.since} ({_e(_long_date(v.date(v.since)))})"))
    items = "".join(f"<div><dt>{k}</dt><dd>{val}</dd></div>" for k, val in meta)
    return (
        f'<header><p class="kicker">Situation report</p><h1>{_e(title)}</h1>'
        f'<dl class="meta">{items}</dl>'
        + (f'<p class="desc">{_e(desc)}</p>' if desc else "")
        + "</header>"
    )


def _key_section(v: _Day) -> str:
    k = _key_figures(v)
    s = v.since
    r = v.p.raw

    def delta(now: float, key: str) -> str:
        if s is None or s == v.day:
            return ""
        before = float(r[key][s])
        return f'<span class="delta">{_e(_signed(now - before))} since day {s}</span>'

    cards = [
        ("People displaced so far", _people(k["displaced"]), delta(k["displaced"], "spawned")),
        ("On the move", _people(k["in_transit"]), delta(k["in_transit"], "in_transit")),
        ("At locations", _people(k["at_locations"]), delta(k["at_locations"], "at_locations")),
        ("Arrivals at sites, this day", _people(k["arrivals_day"]), ""),
        ("Arrivals at sites, last 7 days", _people(k["arrivals_7_days"]), ""),
        ("Waiting for screening", _people(k["backlog"]), ""),
        ("Sites over capacity", str(k["sites_over_capacity"]), ""),
    ]
    if k["departed"] >= _NOBODY:
        left = ("Left the region", _people(k["departed"]), delta(k["departed"], "departed"))
        cards.insert(3, left)
    body = "".join(
        f'<div class="card"><dt>{_e(label)}</dt>'
        f'<dd><span class="num">{value}</span>{extra}</dd></div>'
        for label, value, extra in cards
    )
    first = max(v.day - 6, 0)
    return (
        '<section aria-labelledby="h-key"><h2 id="h-key">Key figures</h2>'
        f'<dl class="cards" id="key-figures">{body}</dl>'
        '<p class="note">People at the end of the day. "At locations" counts everyone at a place '
        "(towns, border crossings, camps, reception centres), waiting for screening included. "
        "Arrivals count people arriving at sites: camps, reception centres, destinations and "
        "places with a shelter capacity or screening"
        + (f" (the 7 days are days {first}–{v.day})" if v.day >= 1 else "")
        + ".</p></section>"
    )


def _sites_section(v: _Day) -> str:
    d = v.day
    header = [
        ("Site", "name"),
        ("Kind", "text"),
        ("Country", "text"),
        ("People", "num"),
        ("Arrivals", "num"),
        ("Shelter capacity", "num"),
        ("Occupancy", "num"),
        ("Backlog", "num"),
        ("Waiting (days)", "num"),
        ("Screening per day", "num"),
        ("Screened", "num"),
        ("Warnings", "text"),
    ]
    rows = []
    for j in v.rows():
        warns = v.warnings(j)
        classes = {c for c, _ in warns}
        tr = "crit" if "crit" in classes else "warn" if "warn" in classes else ""
        tr = tr or ("muted" if "muted" in classes else "")
        wait = v.waiting[d, j]
        wait_text = "–" if np.isnan(wait) else ("stopped" if np.isinf(wait) else f"{wait:.1f}")
        screening = v.screening[d, j]
        warn_html = "".join(f'<span class="flag {c}">{_e(t)}</span>' for c, t in warns)
        rows.append(
            (
                tr,
                [
                    _e(v.names[j]),
                    _e(v.kind[j].replace("_", " ")),
                    _e(v.country[j]),
                    _people(v.pop[d, j]),
                    _people(v.arrivals[d, j]),
                    _cap(v.capacity[d, j]),
                    _pct(v.occupancy[d, j]),
                    _people(v.backlog[d, j]) if np.isfinite(screening) else "–",
                    wait_text,
                    _cap(screening) if np.isfinite(screening) else "no screening",
                    _people(v.screened[d, j]) if np.isfinite(screening) else "–",
                    warn_html,
                ],
            )
        )
    others = v.others()
    if len(others):
        rows.append(
            (
                "muted",
                [f"Other places ({len(others)})",
                 _e(", ".join(sorted({k.replace("_", " ") for k in v.kind[others]}))), "",
                 _people(v.pop[d, others].sum()), _people(v.arrivals[d, others].sum()),
                 "", "", "", "", "", "", ""],
            )
        )
    over = [v.names[j] for j in v.rows() if np.nan_to_num(v.occupancy[d, j]) > 1.0]
    summary = (
        f"{len(over)} site{'s' if len(over) != 1 else ''} over shelter capacity: "
        + ", ".join(_e(n) for n in over)
        + "."
        if over
        else "No site is over its shelter capacity."
    )
    caption = (
        f"Sites and other places holding people on day {d} ({_e(_long_date(v.date(d)))}), "
        "most people first"
    )
    return (
        '<section aria-labelledby="h-sites"><h2 id="h-sites">Sites</h2>'
        f'<p class="lead">{summary}</p>'
        + _table(caption, header, rows, table_id="sites")
        + '<p class="note">Occupancy: people ÷ shelter capacity in effect (waiting people '
        "included). Backlog: people waiting for screening at the end of the day; waiting: "
        "backlog ÷ screening per day, the days the last in the queue waits. Warnings: over "
        "capacity, above 90% of capacity, backlog growing since the day before, screening "
        "stopped with people waiting.</p></section>"
    )


def _needs_section(v: _Day) -> str:
    d = v.day
    r = v.p.raw
    idx = [j for j in v.rows() if v.pop[d, j] >= _NOBODY]
    others = v.others()
    header = [("Site", "name"), ("People", "num")] + [(label, "num") for _, label in _NEEDS]
    rows = [
        ("", [_e(v.names[j]), _people(v.pop[d, j])] + [_people(r[k][d, j]) for k, _ in _NEEDS])
        for j in idx
    ]
    if len(others):
        rows.append(
            (
                "muted",
                [f"Other places ({len(others)})", _people(v.pop[d, others].sum())]
                + [_people(r[k][d, others].sum()) for k, _ in _NEEDS],
            )
        )
    idx = idx + others.tolist()
    foot = None
    if idx:
        foot = ["All places", _people(v.pop[d, idx].sum())] + [
            _people(r[k][d, idx].sum()) for k, _ in _NEEDS
        ]
    planning = v.p.info.get("planning") or {}
    basis = ""
    if planning:
        basis = (
            f" Planning figures: {planning.get('water_l', 15):g} L of water per person per day, "
            f"{planning.get('people_per_tap', 250):g} people per tap, "
            f"{planning.get('people_per_toilet_first', 50):g} people per toilet in the first "
            f"{planning.get('first_phase_days', 90):g} days of a site "
            f"({planning.get('people_per_toilet', 20):g} afterwards), "
            f"{planning.get('covered_m2', 3.5):g} m² covered and "
            f"{planning.get('site_area_m2', 45):g} m² of site per person, "
            f"{planning.get('kcal', 2100):g} kcal per person per day."
        )
    table = (
        _table(
            f"Needs on day {d} per place holding people", header, rows, table_id="needs", foot=foot
        )
        if idx
        else "<p>Nobody is at any place on this day.</p>"
    )
    return (
        '<section aria-labelledby="h-needs"><h2 id="h-needs">Needs</h2>'
        + table
        + f'<p class="note">Sphere and UNHCR minimum standards from the scenario\'s '
        f"[planning].{_e(basis)} Taps and toilets are counted for whole people and rounded "
        "up.</p></section>"
    )


def _pathways_section(v: _Day) -> str:
    """Reception pathways on the day (only for scenarios with streams or quarantine): per site
    and stream, the people waiting and in process at the end of the day, those referred,
    returned and moved on that day and so far, and the quarantine stage."""
    p = v.p
    if not p.has_pathways:
        return ""
    r = p.raw
    d = v.day
    sites = [int(j) for j in r["reception_sites"]]
    streams = list(r["streams"])
    header = [
        ("Site and stream", "name"),
        ("Waiting", "num"),
        ("In process", "num"),
        ("Staying (done)", "num"),
        ("Referred today", "num"),
        ("Referred so far", "num"),
        ("Returned so far", "num"),
        ("Moved on so far", "num"),
    ]
    rows = []
    for i, j in enumerate(sites):
        quarantine = r["in_quarantine"][d, i].sum() + r["quarantine_waiting"][d, i].sum()
        referred = r["stream_referred"][: d + 1, i].sum(axis=(0, 2))
        if not referred.sum() >= _NOBODY and not quarantine >= _NOBODY:
            continue
        note = ""
        if quarantine >= _NOBODY:
            note = (
                f" <span class=\"muted\">(quarantine: {_people(r['in_quarantine'][d, i].sum())} "
                f"in, {_people(r['quarantine_waiting'][d, i].sum())} waiting for a place; "
                f"backlog {_people(v.backlog[d, j])})</span>"
            )
        rows.append(("group", [f"<strong>{_e(v.names[j])}</strong>{note}"] + [""] * 7))
        for k, name in enumerate(streams):
            if not referred[k] >= _NOBODY:
                continue
            rows.append(
                (
                    "",
                    [
                        f"&nbsp;&nbsp;{_e(name)}",
                        _people(r["stream_waiting"][d, i, k].sum()),
                        _people(r["stream_in_process"][d, i, k].sum()),
                        _people(r["stream_completed"][d, i, k].sum()),
                        _people(r["stream_referred"][d, i, k].sum()),
                        _people(referred[k]),
                        _people(r["stream_returned"][: d + 1, i, k].sum()),
                        _people(r["stream_moved_on"][: d + 1, i, k].sum()),
                    ],
                )
            )
    b = p.balance.iloc[d]
    body = (
        _table(f"Reception pathways on day {d}", header, rows, table_id="pathways")
        if rows
        else "<p>Nobody has been screened and referred yet.</p>"
    )
    return (
        '<section aria-labelledby="h-pathways"><h2 id="h-pathways">Reception pathways</h2>'
        + body
        + f'<p class="note">In reception at the sites: {_people(b["in_reception"])}; '
        f'being transferred: {_people(b["transferring"])}; returned so far: '
        f'{_people(b["returned"])}. "Moved on" counts people released into the network at the '
        "site and those set off on an onward transfer.</p></section>"
    )


def _fired(v: _Day) -> pd.DataFrame:
    fired = v.p.triggers
    return fired[fired["day"] <= v.day]


def _triggers_section(v: _Day) -> str:
    fired = _fired(v)
    triggers = v.p.info.get("triggers") or []
    if fired.empty:
        text = "None fired up to this day." if triggers else "The scenario has no triggers."
        body = f"<p>{text}</p>"
    else:
        header = [
            ("Trigger", "name"),
            ("Fired on", "text"),
            ("Place", "text"),
            ("Metric", "text"),
            ("Value", "num"),
            ("Threshold", "num"),
            ("Action (from the next day)", "text"),
            ("Note", "text"),
        ]
        rows = []
        for row in fired.itertuples(index=False):
            t = triggers[int(row.trigger)]
            op = "above" if t.get("above", True) else "below"
            rows.append(
                (
                    "",
                    [
                        f"triggers[{int(row.trigger)}]",
                        f'<span class="nw">day {int(row.day)}</span> '
                        f'<span class="nw">({row.date:%Y-%m-%d})</span>',
                        _e(row.location),
                        _e(row.metric),
                        _e(_metric_value(row.metric, row.value)),
                        f"{op} {_e(_metric_value(row.metric, row.threshold))}",
                        _e(row.action),
                        _e(t.get("note", "")),
                    ],
                )
            )
        body = _table(f"Triggers fired up to day {v.day}", header, rows, table_id="triggers")
    head = '<section aria-labelledby="h-trig"><h2 id="h-trig">Triggers fired</h2>'
    return head + body + "</section>"


def _metric_value(metric: str, value: float) -> str:
    return f"{value:.0%}" if metric == "occupancy" else f"{value:,.0f}"


def _timeline(
    v: _Day, log: pd.DataFrame | None, first: int, last: int
) -> list[tuple[int, str, str]]:
    """(day, kind, description) of what took effect on days ``first`` to ``last``: the scenario's
    events, ends of closures, triggered actions, and the exercise log."""
    p = v.p
    out: list[tuple[int, int, str, str]] = []  # day, order, kind, text
    for i, event in enumerate(p.info.get("events") or []):
        note = str(event.get("note") or "")
        text = p._describe_event(event) + (f" — {note}" if note else "")
        day = int(event["day"])
        if first <= day <= last:
            out.append((day, 0, "event", text))
        until = event.get("until_day")
        if until is not None and first <= int(until) <= last and int(until) < p.days:
            out.append((int(until), 1, "event", f"end of {p._describe_event(event)} (events[{i}])"))
    triggers = p.info.get("triggers") or []
    for row in p.triggers.itertuples(index=False):
        acts = int(row.day) + 1
        if first <= acts <= last:
            t = triggers[int(row.trigger)]
            note = str(t.get("note") or "")
            out.append(
                (
                    acts,
                    2,
                    "trigger",
                    f"{row.action} (triggers[{int(row.trigger)}]: {row.location} {row.metric} "
                    f"{_metric_value(row.metric, row.value)} on day {int(row.day)})"
                    + (f" — {note}" if note else ""),
                )
            )
    if log is not None:
        for row in log.itertuples(index=False):
            if first <= int(row.day) <= last:
                out.append((int(row.day), 3, str(row.kind), str(row.description)))
    out.sort(key=lambda x: (x[0], x[1]))
    return [(day, kind, text) for day, _, kind, text in out]


def _timeline_rows(v: _Day, items: list[tuple[int, str, str]]) -> list[tuple[str, list[str]]]:
    return [
        (
            f"k-{_css_word(kind)}",
            [f'<span class="nw">day {day}</span> <span class="nw">({v.date(day):%Y-%m-%d})</span>',
             _e(kind), _e(text)],
        )
        for day, kind, text in items
    ]


def _css_word(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower())[:20] or "x"


def _changes_section(v: _Day, log: pd.DataFrame | None) -> str:
    d, s = v.day, v.since
    if s is None:
        return ""
    head = f'<section aria-labelledby="h-changes"><h2 id="h-changes">Changes since day {s}</h2>'
    if s == d:
        same = "<p>The report's day is the day it is compared with: nothing changed.</p>"
        return head + same + "</section>"
    r = v.p.raw
    occ_s = np.nan_to_num(v.occupancy[s], nan=0.0)
    occ_d = np.nan_to_num(v.occupancy[d], nan=0.0)
    items: list[str] = []
    span = f"days {s + 1}–{d}" if d > s + 1 else f"day {d}"
    displaced = float(r["spawned"][d] - r["spawned"][s])
    arrived = float(v.arrivals[s + 1 : d + 1][:, v.is_site].sum())
    items.append(
        f"{_people(displaced)} more people displaced and {_people(arrived)} arrivals at sites "
        f"on {span}."
    )

    def names(mask: np.ndarray) -> str:
        return ", ".join(_e(n) for n in v.names[mask])

    went_over = (occ_s <= 1.0) & (occ_d > 1.0)
    back_under = (occ_s > 1.0) & (occ_d <= 1.0)
    near = (occ_s <= 0.9) & (occ_d > 0.9) & (occ_d <= 1.0)
    if went_over.any():
        items.append(f'<span class="flag crit">over capacity</span> now: {names(went_over)}.')
    if near.any():
        items.append(f'<span class="flag warn">passed 90% of capacity</span>: {names(near)}.')
    if back_under.any():
        items.append(f"Back within capacity: {names(back_under)}.")
    if not (went_over.any() or near.any() or back_under.any()):
        items.append("No site crossed 90% or 100% of its capacity.")
    opened = ~v.open[s] & v.open[d]
    if opened.any():
        items.append(f"Opened: {names(opened)}.")
    closed = v.open[s] & ~v.open[d]
    if closed.any():
        items.append(f"Closed to arrivals: {names(closed)}.")
    b_s, b_d = float(v.backlog[s].sum()), float(v.backlog[d].sum())
    items.append(
        f"People waiting for screening: {_people(b_s)} on day {s}, {_people(b_d)} on day {d} "
        f"({_e(_signed(b_d - b_s))})."
    )
    lst = "".join(f"<li>{item}</li>" for item in items)

    # Places whose people or backlog changed, biggest change first.
    change = v.pop[d] - v.pop[s]
    backlog_change = v.backlog[d] - v.backlog[s]
    moved = np.flatnonzero(
        (np.abs(change) >= _NOBODY) | (np.abs(backlog_change) >= _NOBODY)
    )
    moved = moved[np.lexsort((moved, -np.abs(change[moved])))][:15]
    table = ""
    if len(moved):
        header = [
            ("Place", "name"),
            (f"People, day {s}", "num"),
            (f"People, day {d}", "num"),
            ("Change", "num"),
            (f"Arrivals, {span}", "num"),
            (f"Backlog, day {s}", "num"),
            (f"Backlog, day {d}", "num"),
            ("Backlog change", "num"),
        ]
        screens = np.isfinite(v.screening[s]) | np.isfinite(v.screening[d])
        rows = [
            (
                "crit"
                if went_over[j]
                else ("warn" if near[j] or backlog_change[j] >= _NOBODY else ""),
                [
                    _e(v.names[j]),
                    _people(v.pop[s, j]),
                    _people(v.pop[d, j]),
                    _e(_signed(change[j])),
                    _people(v.arrivals[s + 1 : d + 1, j].sum()),
                ]
                + (
                    [
                        _people(v.backlog[s, j]),
                        _people(v.backlog[d, j]),
                        _e(_signed(backlog_change[j])),
                    ]
                    if screens[j]
                    else ["–", "–", "–"]
                ),
            )
            for j in moved
        ]
        table = _table(
            f"Places whose people or backlog changed most between day {s} and day {d}",
            header,
            rows,
            table_id="changes",
        )
    events = _timeline(v, log, s + 1, d)
    if events:
        took = _table(
            f"What took effect on {span}: events, triggered actions and exercise log",
            [("Day", "name"), ("Kind", "text"), ("What", "text")],
            _timeline_rows(v, events),
            table_id="changes-events",
        )
    else:
        took = f"<p>No event, triggered action or log entry took effect on {span}.</p>"
    return head + f'<ul class="changes">{lst}</ul>' + took + table + "</section>"


def _timeline_section(v: _Day, log: pd.DataFrame | None) -> str:
    items = _timeline(v, log, 0, v.day)
    if not items:
        body = "<p>Nothing has happened yet.</p>"
    else:
        body = _table(
            f"Events, triggered actions and exercise log up to day {v.day} (each acts from the "
            "start of its day)",
            [("Day", "name"), ("Kind", "text"), ("What", "text")],
            _timeline_rows(v, items),
            table_id="timeline",
        )
    return '<section aria-labelledby="h-time"><h2 id="h-time">Timeline</h2>' + body + "</section>"


# ---------------------------------------------------------------------------------- images


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(fig)
    return fig


def _busiest(v: _Day, n: int = 6) -> list[int]:
    peak = v.pop[: v.day + 1].max(axis=0)
    idx = np.flatnonzero(peak >= _NOBODY)
    return idx[np.lexsort((idx, -peak[idx]))][:n].tolist()


def _chart(v: _Day) -> tuple[str, str]:
    from matplotlib.ticker import FuncFormatter

    d = v.day
    names = _busiest(v)
    fig = _figure(10, 4.6)
    ax = fig.add_subplot()
    dates = v.dates[: d + 1]
    marker = "o" if d == 0 else None
    for i, j in enumerate(names):
        colour = f"C{i % 10}"
        ax.plot(dates, v.pop[: d + 1, j], color=colour, linewidth=1.8, marker=marker,
                label=str(v.names[j]))
        cap = v.capacity[: d + 1, j]
        if np.isfinite(cap).any():
            ax.plot(dates, np.where(np.isfinite(cap), cap, np.nan), color=colour,
                    linestyle="--", linewidth=1.0, alpha=0.85)
    if v.since is not None and v.since < d:
        ax.axvspan(v.dates[v.since], v.dates[d], color="#000000", alpha=0.06, linewidth=0)
        ax.axvline(v.dates[v.since], color="#555555", linestyle=":", linewidth=1.0)
    ax.set_title("People at the busiest places (dashed: shelter capacity"
                 + ("; shaded: since the last report)" if v.since is not None and v.since < d
                    else ")"), fontsize=11)
    ax.set_ylabel("people")
    ax.grid(True, alpha=0.3)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    ax.set_ylim(bottom=0)
    if names:
        ax.legend(loc="upper left", fontsize="small", frameon=False)
    fig.autofmt_xdate()
    fig.tight_layout()
    uri = _png(fig)
    parts = []
    for j in names:
        cap = v.capacity[d, j]
        parts.append(
            f"{v.names[j]} {v.pop[d, j]:,.0f}"
            + (f" (capacity {cap:,.0f})" if np.isfinite(cap) else "")
        )
    alt = (
        f"Line chart of the people at the {len(names)} busiest places from "
        f"{v.dates[0]:%Y-%m-%d} to {v.dates[d]:%Y-%m-%d}, shelter capacity dashed. On day {d}: "
        + ("; ".join(parts) if parts else "nobody at any place")
        + "."
    )
    return uri, alt


def _map(v: _Day) -> tuple[str, str]:
    from matplotlib.lines import Line2D

    d = v.day
    net = v.p.network
    fig = _figure(11, 8)
    ax = fig.add_subplot()
    ax.set_facecolor("#f4f6f8")

    # Routes: geodesic lines, all in light grey; over them, those that people set off along in
    # the last 7 days, wider by the number (1% of the busiest route's people at least).
    flow = v.p.raw["route_flow"][max(d - 6, 0) : d + 1].sum(axis=0)
    try:
        offsets, coords = _core.route_lines(net._core, 25.0)
        lines = [coords[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]
    except Exception:  # pragma: no cover - fall back to straight legs
        rt = net.routes
        ids = {name: i for i, name in enumerate(v.names)}
        lines = [
            np.array([[v.lon[ids[a]], v.lat[ids[a]]], [v.lon[ids[b]], v.lat[ids[b]]]])
            for a, b in zip(rt["from"], rt["to"])
        ]
    top = float(flow.max()) if len(flow) and flow.max() > 0 else 1.0
    for line in lines:
        ax.plot(line[:, 0], line[:, 1], color="#c3ccd5", linewidth=0.8, zorder=1)
    for line, f in sorted(zip(lines, flow), key=lambda x: x[1]):
        if f >= max(_NOBODY, 0.01 * top):
            ax.plot(line[:, 0], line[:, 1], color="#3b5b7a", alpha=0.85,
                    linewidth=0.8 + 4.0 * math.sqrt(f / top), solid_capstyle="round", zorder=1)

    # Countries: their names at the middle of their places.
    for country in sorted(set(v.country) - {""}):
        m = v.country == country
        ax.text(v.lon[m].mean(), v.lat[m].mean(), country.upper(), fontsize=13, color="#000000",
                alpha=0.13, ha="center", va="center", fontweight="bold", zorder=0)

    # Places: small dots; sites and places holding people: circles by people and occupancy.
    rows = v.rows()
    shown = np.zeros(len(v.names), dtype=bool)
    shown[rows] = True
    ax.scatter(v.lon[~shown], v.lat[~shown], s=8, color="#8a96a3", zorder=2, linewidths=0)
    pop = v.pop[d, rows]
    biggest = float(pop.max()) if len(pop) and pop.max() > 0 else 1.0
    sizes = 14 + 1400 * pop / biggest
    colours = [v.band(v.occupancy[d, j])[1] for j in rows]
    order = np.argsort(-sizes, kind="stable")  # small circles on top
    ax.scatter(v.lon[rows][order], v.lat[rows][order], s=sizes[order],
               c=[colours[i] for i in order], alpha=0.85, edgecolors="#222222", linewidths=0.6,
               zorder=3)

    handles = [
        Line2D([], [], marker="o", linestyle="", markersize=8, markerfacecolor=c,
               markeredgecolor="#222222", label=label)
        for _, label, c in _BANDS
    ]
    handles.append(Line2D([], [], marker="o", linestyle="", markersize=8,
                          markerfacecolor=_NO_CAPACITY_COLOUR, markeredgecolor="#222222",
                          label="no capacity set"))
    handles.append(Line2D([], [], color="#3b5b7a", linewidth=2.5,
                          label="people set off along it\n(last 7 days; width)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              title="occupancy", title_fontsize=8, frameon=False)
    mid_lat = float(np.mean(v.lat)) if len(v.lat) else 0.0
    ax.set_aspect(1.0 / max(math.cos(math.radians(mid_lat)), 0.1))
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    ax.set_title(f"Day {d}, {v.dates[d]:%Y-%m-%d}: people at each place (circle area) and "
                 "occupancy (colour)", fontsize=11)
    fig.tight_layout()

    # Labels: the eight places with most people and every site over capacity, each put on the
    # first side of its circle where it overlaps no label placed before it.
    occ = np.nan_to_num(v.occupancy[d], nan=0.0)
    labelled = [j for j in rows[:8] if v.pop[d, j] >= _NOBODY]
    labelled += [j for j in rows if occ[j] > 1.0 and j not in labelled]
    _place_labels(fig, ax, v, labelled, dict(zip(rows.tolist(), sizes.tolist())))
    uri = _png(fig)
    over = [str(v.names[j]) for j in rows if occ[j] > 1.0]
    alt = (
        f"Map of the route network ({net.num_locations} places, {net.num_routes} routes) on day "
        f"{d}. Circles are sites and places holding people, sized by people and coloured by "
        "occupancy; routes that people set off along in the last 7 days are drawn wider and "
        "darker. Most people: "
        + ", ".join(f"{v.names[j]} {v.pop[d, j]:,.0f}" for j in labelled[:5])
        + ". Over capacity: "
        + (", ".join(over) if over else "none")
        + "."
    )
    return uri, alt


def _place_labels(fig, ax, v: _Day, labelled: list[int], sizes: dict[int, float]) -> None:
    """Label each place on the side of its circle where its text overlaps the fewest labels
    placed before it and circles (greedy, in the order given: the busiest first)."""
    from matplotlib import patheffects
    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    px_per_pt = fig.dpi / 72.0
    circles = {}
    for j, area in sizes.items():
        x, y = ax.transData.transform((v.lon[j], v.lat[j]))
        r = 0.5 * math.sqrt(area) * px_per_pt  # marker size is the diameter squared, points²
        circles[j] = Bbox.from_extents(x - r, y - r, x + r, y + r)
    taken: list = []  # display boxes of the labels placed
    d = v.day
    for j in labelled:
        gap = 0.5 * math.sqrt(sizes.get(j, 14.0)) + 2.0
        candidates = [
            ((gap * 0.7, gap * 0.7), "left", "bottom"),
            ((gap, 0.0), "left", "center"),
            ((gap * 0.7, -gap * 0.7), "left", "top"),
            ((-gap * 0.7, gap * 0.7), "right", "bottom"),
            ((-gap, 0.0), "right", "center"),
            ((-gap * 0.7, -gap * 0.7), "right", "top"),
            ((0.0, gap), "center", "bottom"),
            ((0.0, -gap), "center", "top"),
        ]
        best = None
        for offset, ha, va in candidates:
            text = ax.annotate(
                f"{v.names[j]}\n{v.pop[d, j]:,.0f}", (v.lon[j], v.lat[j]), xytext=offset,
                textcoords="offset points", ha=ha, va=va, fontsize=8, zorder=4,
                path_effects=halo, color="#111111",
                arrowprops={"arrowstyle": "-", "color": "#444444", "linewidth": 0.6,
                            "shrinkA": 0, "shrinkB": gap - 2.0},
            )
            box = text.get_window_extent(renderer)
            score = 3 * sum(box.overlaps(other) for other in taken) + sum(
                box.overlaps(c) for k, c in circles.items() if k != j
            )
            if best is None or score < best[0]:
                if best is not None:
                    best[1].remove()
                best = (score, text, box)
            else:
                text.remove()
            if score == 0:
                break
        taken.append(best[2])


def _figures_section(v: _Day) -> str:
    chart, chart_alt = _chart(v)
    map_uri, map_alt = _map(v)
    return (
        '<section class="figures" aria-labelledby="h-charts">'
        '<h2 id="h-charts">Chart and map</h2>'
        f'<figure><img src="{chart}" alt="{_e(chart_alt)}" width="1100" height="506">'
        "<figcaption>People at the busiest places up to the day, with their shelter capacity "
        "(dashed).</figcaption></figure>"
        f'<figure class="map"><img src="{map_uri}" alt="{_e(map_alt)}" width="1210" height="880">'
        "<figcaption>The route network on the day: sites and places holding people as circles "
        "(area: people; colour: occupancy); routes darker and wider by the people who set off "
        "along them in the last 7 days.</figcaption></figure></section>"
    )


# ---------------------------------------------------------------------------------- page

_CSS = """
:root { --ink: #1b1f24; --muted: #5b6570; --line: #d5dae0; --crit: #b2182b; --crit-bg: #fbe9eb;
  --warn: #8a5a00; --warn-bg: #fff3d6; --accent: #1f4e79; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 1180px; padding: 24px 28px 40px; color: var(--ink);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans",
  "Liberation Sans", Arial, sans-serif; background: #fff; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 10px; margin-bottom: 18px; }
.kicker { margin: 0; text-transform: uppercase; letter-spacing: .08em; font-size: 12px;
  color: var(--accent); font-weight: 700; }
h1 { margin: 2px 0 8px; font-size: 26px; line-height: 1.2; }
h2 { margin: 26px 0 8px; font-size: 19px; border-bottom: 1px solid var(--line);
  padding-bottom: 3px; color: var(--accent); }
dl.meta { display: flex; flex-wrap: wrap; gap: 4px 22px; margin: 0; }
dl.meta div { display: flex; gap: 6px; }
dl.meta dt { color: var(--muted); }
dl.meta dt::after { content: ":"; }
dl.meta dd { margin: 0; font-weight: 600; }
.desc { margin: 8px 0 0; color: var(--muted); }
dl.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr));
  gap: 10px; margin: 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.card dt { font-size: 13px; color: var(--muted); }
.card dd { margin: 2px 0 0; }
.card .num { display: block; font-size: 24px; font-weight: 700;
  font-variant-numeric: tabular-nums; }
.delta { font-size: 12px; color: var(--muted); }
.note { font-size: 13px; color: var(--muted); margin: 6px 0 0; }
.lead { margin: 4px 0 8px; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 6px 0 4px; }
caption { text-align: left; font-size: 13px; color: var(--muted); padding-bottom: 4px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; vertical-align: top; }
thead th { border-bottom: 2px solid var(--ink); text-align: left; font-size: 12px; }
thead th.num { text-align: right; }
tbody th { text-align: left; font-weight: 600; }
tfoot th, tfoot td { border-top: 2px solid var(--ink); font-weight: 700; text-align: left; }
.nw { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.crit > * { background: var(--crit-bg); }
tr.crit > th { box-shadow: inset 4px 0 0 var(--crit); }
tr.warn > * { background: var(--warn-bg); }
tr.warn > th { box-shadow: inset 4px 0 0 #e0a100; }
tr.muted > * { color: var(--muted); }
.flag { display: inline-block; border-radius: 3px; padding: 0 5px; margin: 1px 4px 1px 0;
  font-size: 12px; font-weight: 600; white-space: nowrap; }
.flag.crit { background: var(--crit); color: #fff; }
.flag.warn { background: #f5c242; color: #3a2a00; }
.flag.muted { background: #e4e8ec; color: var(--muted); }
ul.changes { margin: 4px 0 10px; padding-left: 20px; }
figure { margin: 12px 0 18px; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { font-size: 13px; color: var(--muted); margin-top: 4px; }
footer { margin-top: 28px; border-top: 1px solid var(--line); padding-top: 8px; font-size: 12px;
  color: var(--muted); }
@media print {
  @page { size: A4; margin: 12mm 10mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  h1 { font-size: 18pt; }
  h2 { font-size: 13pt; break-after: avoid; }
  table { font-size: 8pt; }
  thead { display: table-header-group; }
  tr, figure, .card { break-inside: avoid; }
  dl.cards { grid-template-columns: repeat(4, 1fr); }
  .card .num { font-size: 15pt; }
  section.figures { break-before: page; }
}
"""


def sitrep_html(
    projection,
    day: int | None = None,
    since: int | None = None,
    title: str | None = None,
    log: pd.DataFrame | None = None,
) -> str:
    """A situation report for one day of a projection, as one self-contained HTML page.

    The page needs no network access to be viewed or printed: the chart and the map are inline
    PNG images, the CSS is inline, and there is no script or web font.

    Parameters
    ----------
    projection : corridor.Projection
        A scenario's projection (``Scenario.run()``).
    day : int, optional
        The day reported, counted from 0 (the scenario's ``start``), 0 <= day < days projected;
        the last day projected by default.
    since : int, optional
        The day of the previous report, 0 <= since <= day: the page then says what changed from
        the end of that day to the end of ``day`` (sites that crossed 90% or 100% of capacity,
        arrivals, backlog, sites opened, and the events, triggered actions and log entries that
        took effect on days ``since + 1`` to ``day``). No such section by default.
    title : str, optional
        The page's heading; ``"<scenario name>, day N"`` by default.
    log : pandas.DataFrame, optional
        An exercise log with columns ``day`` (int), ``kind`` (e.g. ``"inject"``,
        ``"decision"``) and ``description``; entries up to ``day`` are listed in the timeline
        (other columns are ignored).

    Returns
    -------
    str
        The HTML text (UTF-8 when written).

    Raises
    ------
    corridor.InputError
        ``day`` or ``since`` out of range, ``since`` after ``day``, or a ``log`` without the
        columns; the message names the argument.
    """
    d, s = _check_day(projection, day, since)
    entries = _check_log(log)
    v = _Day(projection, d, s)
    heading = title if title is not None else f"{projection.name}, day {d}"
    page_title = f"Situation report: {heading} ({v.date(d):%Y-%m-%d})"
    source = os.path.basename(str(projection.info.get("source") or ""))
    footer = (
        f"<footer>Made with corridor {_e(_core.__version__)}"
        + (f" from scenario file {_e(source)}" if source else "")
        + ". A projection of a scenario under stated assumptions, not a forecast. Figures are "
        "people at the end of the day; the expected engine gives expected numbers, rounded "
        "here to whole people.</footer>"
    )
    body = "".join(
        [
            _header(v, heading),
            "<main>",
            _key_section(v),
            _changes_section(v, entries),
            _sites_section(v),
            _needs_section(v),
            _pathways_section(v),
            _triggers_section(v),
            _timeline_section(v, entries),
            _figures_section(v),
            "</main>",
            footer,
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="corridor {_e(_core.__version__)}">\n'
        f"<title>{_e(page_title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )


# ---------------------------------------------------------------------------------- files


def _find_chromium() -> str | None:
    for name in _CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _print_pdf(chromium: str, html_file: Path, pdf_file: Path, timeout_s: float = 120.0) -> None:
    """Print ``html_file`` to ``pdf_file`` with headless Chromium (a fresh profile, no network
    use needed: the page is self-contained)."""
    with tempfile.TemporaryDirectory(prefix="corridor-chromium-") as profile:
        command = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            "--print-to-pdf-no-header",  # the same, for Chromium before 120
            f"--print-to-pdf={pdf_file}",
            html_file.absolute().as_uri(),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout_s, check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise _core.IoError(
                f"pdf: {chromium} did not finish printing within {timeout_s:.0f} s"
            ) from None
        except OSError as exc:
            raise _core.IoError(f"pdf: cannot run {chromium}: {exc}") from None
    ok = pdf_file.exists() and pdf_file.stat().st_size > 0
    if ok:
        with open(pdf_file, "rb") as handle:
            ok = handle.read(5) == b"%PDF-"
    if done.returncode != 0 or not ok:
        tail = [ln for ln in done.stderr.splitlines() if "dbus" not in ln][-5:]
        raise _core.IoError(
            f"pdf: {chromium} failed to print {html_file.name} (exit code {done.returncode})"
            + (": " + " | ".join(tail) if tail else "")
        )


def write_sitrep(
    projection,
    path: str | os.PathLike,
    day: int | None = None,
    since: int | None = None,
    title: str | None = None,
    log: pd.DataFrame | None = None,
    pdf: bool | None = None,
) -> list[Path]:
    """Write a situation report (:func:`sitrep_html`) as an HTML file, and optionally a PDF.

    Files are written to temporary files in the same folder and renamed into place, so a
    failure (a bad argument, Chromium failing to print) leaves no file behind and an earlier
    report as it was.

    Parameters
    ----------
    projection : corridor.Projection
    path : path
        ``NAME.html`` (or ``.htm``), or ``NAME.pdf`` for a PDF (and ``NAME.html`` beside it).
        The folder must exist.
    day, since, title, log
        As for :func:`sitrep_html`.
    pdf : bool, optional
        ``True``: also print ``NAME.pdf`` with headless Chromium (Debian's ``chromium``);
        ``None`` (default): a PDF only if ``path`` ends in ``.pdf``; ``False``: HTML only.

    Returns
    -------
    list of pathlib.Path
        The files written: the HTML, then the PDF if any.

    Raises
    ------
    corridor.InputError
        Bad ``day``, ``since`` or ``log`` (see :func:`sitrep_html`), or a ``path`` with another
        extension.
    corridor.IoError
        The folder does not exist, no Chromium is found for a PDF, or Chromium fails to print.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise _core.InputError(f"path: {os.fspath(target)!r} must end in .html, .htm or .pdf")
    if suffix == ".pdf":
        if pdf is False:
            raise _core.InputError(f"pdf: False, but path {os.fspath(target)!r} is a .pdf")
        html_path, pdf_path = target.with_suffix(".html"), target
    else:
        html_path, pdf_path = target, (target.with_suffix(".pdf") if pdf else None)
    folder = target.absolute().parent
    if not folder.is_dir():
        raise _core.IoError(f"path: folder {os.fspath(folder)!r} does not exist")
    for out in (html_path, pdf_path):
        if out is not None and out.is_dir():
            raise _core.IoError(f"path: {os.fspath(out)!r} is a folder")
    chromium = None
    if pdf_path is not None:
        chromium = _find_chromium()
        if chromium is None:
            raise _core.IoError(
                "pdf: no Chromium found to print the PDF (looked for "
                + ", ".join(_CHROMIUM_NAMES)
                + " on PATH); install Debian's chromium package, or write the HTML only"
            )
    text = sitrep_html(projection, day=day, since=since, title=title, log=log)

    temps: list[Path] = []
    try:
        fd, name = tempfile.mkstemp(prefix=f".{html_path.stem}.tmp-", suffix=".html", dir=folder)
        temps.append(Path(name))
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(name, 0o666 & ~_umask())
        if pdf_path is not None:
            fd, pdf_name = tempfile.mkstemp(
                prefix=f".{pdf_path.stem}.tmp-", suffix=".pdf", dir=folder
            )
            os.close(fd)
            temps.append(Path(pdf_name))
            _print_pdf(chromium, temps[0], temps[1])
            os.chmod(pdf_name, 0o666 & ~_umask())
        os.replace(temps[0], html_path)
        if pdf_path is not None:
            os.replace(temps[1], pdf_path)
    except BaseException:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
        raise
    return [html_path] + ([pdf_path] if pdf_path is not None else [])


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_log(path: str | os.PathLike) -> pd.DataFrame:
    """Read an exercise log CSV with columns ``day, kind, description`` (others ignored)."""
    file = Path(path)
    try:
        frame = pd.read_csv(file, dtype={"kind": str, "description": str}, keep_default_na=False)
    except FileNotFoundError:
        raise _core.IoError(f"log: {os.fspath(file)}: no such file") from None
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise _core.IoError(f"log: {os.fspath(file)}: cannot read: {exc}") from None
    try:
        return _check_log(frame)
    except _core.InputError as exc:
        raise _core.InputError(f"{os.fspath(file)}: {exc}") from None
