"""Situation reports: their content against the projection, self-containment, atomic writes, the
command line, and the page as headless Chromium renders and prints it."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from conftest import EXERCISE

import corridor
from corridor import sitrep

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not found (Debian package chromium)"
)

DAY, SINCE = 60, 53
LOG = pd.DataFrame(
    {
        "day": [35, 50, 70],
        "kind": ["inject", "decision", "inject"],
        "description": [
            "Bridge at Kelmar damaged by floods",
            "Open Overflow Site B early",
            "Cholera case reported at Sedra Plain Camp",
        ],
    }
)


# ---------------------------------------------------------------------------------- helpers


class _Tables(HTMLParser):
    """Every table of a page by id: rows of (tr class, [cell texts])."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[tuple[str, list[str]]]] = {}
        self._table = None
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(a.get("id") or f"t{len(self.tables)}", [])
        elif tag == "tr" and self._table is not None:
            self._row = (a.get("class") or "", [])
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row[1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(page: str) -> dict[str, list[tuple[str, list[str]]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def row(table, name):
    found = [r for r in table if r[1] and r[1][0] == name]
    assert found, f"no row {name!r}"
    return found[0]


def section(page: str, ident: str) -> str:
    start = page.index(f'<h2 id="{ident}"')
    end = page.find("<h2 ", start + 1)
    return page[start : end if end > 0 else len(page)]


def people(x: float) -> str:
    return f"{x:,.0f}"


@pytest.fixture(scope="module")
def projection():
    return corridor.Scenario.from_toml(EXERCISE / "scenario.toml").run(progress=False)


@pytest.fixture(scope="module")
def page(projection):
    return sitrep.sitrep_html(projection, day=DAY, since=SINCE, log=LOG)


# ---------------------------------------------------------------------------------- content


def test_key_figures_match_the_projection(projection, page):
    k = sitrep.key_figures(projection, DAY)
    b = projection.balance.set_index("day").loc[DAY]
    assert k["displaced"] == pytest.approx(b["spawned"])
    assert k["in_transit"] == pytest.approx(b["in_transit"])
    assert k["at_locations"] == pytest.approx(b["at_locations"])
    assert k["departed"] == pytest.approx(b["departed"])
    # Sites: camps, reception centres, destinations and places with a capacity or screening.
    s = projection.sites
    limited = s.groupby("site")[["capacity", "screening_per_day"]].agg(
        lambda c: np.isfinite(c).any()
    )
    kinds = s.groupby("site")["kind"].first().astype(str)
    names = set(kinds.index[kinds.isin(["camp", "reception", "destination"])])
    names |= set(limited.index[limited.any(axis=1)])
    at_sites = s[s["site"].isin(names)]
    assert k["arrivals_day"] == pytest.approx(at_sites.query("day == @DAY")["arrivals"].sum())
    week = at_sites.query("@DAY - 6 <= day <= @DAY")["arrivals"].sum()
    assert k["arrivals_7_days"] == pytest.approx(week)
    today = s.query("day == @DAY")
    assert k["backlog"] == pytest.approx(today["backlog"].sum())
    assert k["sites_over_capacity"] == int((today["occupancy"] > 1).sum()) == 3
    cards = section(page, "h-key")
    for key in ("displaced", "in_transit", "at_locations", "arrivals_day", "arrivals_7_days"):
        assert f'<span class="num">{people(k[key])}</span>' in cards, key
    assert sitrep.key_figures(projection)["day"] == projection.days - 1


def test_header(projection, page):
    header = page[: page.index("</header>")]
    assert "<h1>Exercise Grey Heron, day 60</h1>" in header
    assert "30 April 2027" in header and "60 of 120" in header and "expected" in header
    assert "<title>Situation report: Exercise Grey Heron, day 60 (2027-04-30)</title>" in page


def test_site_table_and_capacity_warnings(projection, page):
    t = tables(page)["sites"]
    today = projection.sites.query("day == @DAY").set_index("site")
    tr, cells = row(t, "Sedra Plain Camp")
    sedra = today.loc["Sedra Plain Camp"]
    assert sedra["occupancy"] > 1
    assert tr == "crit" and "over capacity" in cells[-1]
    assert cells[3] == people(sedra["population"]) and cells[4] == people(sedra["arrivals"])
    assert cells[5] == people(sedra["capacity"]) and cells[6] == f"{sedra['occupancy']:.0%}"
    tr, cells = row(t, "Ambrel Reception Centre")  # a site that screens
    ambrel = today.loc["Ambrel Reception Centre"]
    assert cells[7] == people(ambrel["backlog"])
    assert cells[8] == f"{ambrel['waiting_days']:.1f}"
    assert cells[9] == people(ambrel["screening_per_day"])
    tr, cells = row(t, "Kelmar Bridge Crossing")  # not a site, but 24,000 people there
    assert cells[5] == "no limit" and tr == ""
    # Rows are ordered by people, and the rest of the places are summed in one row.
    listed = [cells for _, cells in t[1:]]
    values = [float(c[3].replace(",", "")) for c in listed if not c[0].startswith("Other")]
    assert values == sorted(values, reverse=True)
    assert listed[-1][0].startswith("Other places (")
    total = sum(float(c[3].replace(",", "")) for c in listed)
    assert total == pytest.approx(today["population"].sum(), abs=len(listed))
    assert "3 sites over shelter capacity: Sedra Plain Camp" in page


def test_warnings_above_90_percent_and_backlog_growing(projection):
    s = projection.sites
    near = s[(s["occupancy"] > 0.9) & (s["occupancy"] <= 1)].iloc[0]
    t = tables(sitrep.sitrep_html(projection, day=int(near["day"])))["sites"]
    tr, cells = row(t, near["site"])
    assert tr == "warn" and "above 90% of capacity" in cells[-1]

    backlog = s.pivot(index="day", columns="site", values="backlog")
    growth = backlog.diff()["Ambrel Reception Centre"]
    day = int(growth[growth > 1].index[0])
    t = tables(sitrep.sitrep_html(projection, day=day))["sites"]
    tr, cells = row(t, "Ambrel Reception Centre")
    assert f"backlog growing (+{growth[day]:,.0f}" in cells[-1] and tr in ("warn", "crit")


def test_needs_per_site(projection, page):
    t = tables(page)["needs"]
    sedra = projection.sites.query("day == @DAY and site == 'Sedra Plain Camp'").iloc[0]
    _, cells = row(t, "Sedra Plain Camp")
    assert cells[1:] == [
        people(sedra[c])
        for c in ("population", "water_l", "taps", "toilets", "covered_m2", "site_area_m2", "kcal")
    ]
    _, total = row(t, "All places")
    today = projection.sites.query("day == @DAY")
    assert total[2] == people(today.loc[today["population"] >= 0.5, "water_l"].sum())


def test_triggers_fired_up_to_the_day(projection, page):
    t = tables(page)["triggers"]
    assert [cells[0] for _, cells in t[1:]] == ["triggers[1]", "triggers[0]"]
    _, cells = row(t, "triggers[0]")
    assert cells[2] == "Sedra Plain Camp" and "open_site Overflow Site A" in cells[6]
    early = tables(sitrep.sitrep_html(projection, day=30))["triggers"]
    assert [cells[0] for _, cells in early[1:]] == ["triggers[1]"]  # fired on day 25 only
    assert "None fired up to this day." in sitrep.sitrep_html(projection, day=20)


def test_changes_since(projection):
    # Sedra Plain Camp passes its capacity on day 43; trigger 0 fires on day 40 and opens
    # Overflow Site A from day 41; Greywind Pass reopens on day 45.
    page = sitrep.sitrep_html(projection, day=45, since=35, log=LOG)
    changes = section(page, "h-changes")
    over = re.search(r"over capacity</span> now: ([^<]*)\.", changes)
    assert over and "Sedra Plain Camp" in over.group(1)
    assert "Opened: Overflow Site A." in changes
    s = projection.sites
    sites = s[s["kind"].astype(str).isin(["camp", "reception", "destination"])]
    arrived = sites.query("36 <= day <= 45")["arrivals"].sum()
    assert f"{people(arrived)} arrivals at sites on days 36–45" in changes
    b = s.groupby("day")["backlog"].sum()
    assert f"{people(b[35])} on day 35, {people(b[45])} on day 45" in changes
    took = [cells for _, cells in tables(page)["changes-events"][1:]]
    assert [(c[0], c[1]) for c in took] == [
        ("day 41 (2027-04-11)", "trigger"),
        ("day 45 (2027-04-15)", "event"),
    ]
    whats = " | ".join(c[2] for c in took)
    assert "open_site Overflow Site A" in whats and "reopen_route" in whats
    assert "Open Overflow Site B early" not in whats  # logged on day 50
    assert "close_border" not in whats  # day 30, before the last report
    moved = tables(page)["changes"]
    _, cells = row(moved, "Overflow Site A")
    a = s.query("site == 'Overflow Site A'").set_index("day")["population"]
    assert cells[1:4] == [people(a[35]), people(a[45]), f"{round(a[45] - a[35]):+,}"]
    # No section without since; since == day says nothing changed.
    assert 'id="h-changes"' not in sitrep.sitrep_html(projection, day=45)
    assert "nothing changed" in sitrep.sitrep_html(projection, day=45, since=45)


def test_log_entries_up_to_the_day(page):
    timeline = tables(page)["timeline"]
    whats = [cells[2] for _, cells in timeline[1:]]
    assert "Bridge at Kelmar damaged by floods" in whats
    assert "Open Overflow Site B early" in whats
    assert "Cholera case reported at Sedra Plain Camp" not in page  # day 70
    _, cells = row(timeline, "day 50 (2027-04-20)")
    assert cells[1] == "decision"
    assert any(w.startswith("end of close_border Ternadia / Orvalia") for w in whats)


def test_escaping(projection):
    net = projection.network
    locations = net.locations
    locations["kind"] = locations["kind"].astype(str)
    for column in ("capacity", "screening_per_day"):
        locations[column] = locations[column].where(np.isfinite(locations[column]))
    odd = 'Tamsel <Plain> Camp & "Co"'
    locations["name"] = locations["name"].replace("Tamsel Plain Camp", odd)
    renamed = {"Tamsel Plain Camp": odd}
    routes = net.routes.replace({"from": renamed, "to": renamed})
    routes["mode"] = routes["mode"].astype(str)
    routes["capacity_per_day"] = routes["capacity_per_day"].where(
        np.isfinite(routes["capacity_per_day"])
    )
    network = corridor.Network.from_frames(locations, routes)
    scenario = corridor.Scenario.from_toml(EXERCISE / "scenario.toml")
    other = corridor.Scenario(scenario.data, network=network, name="Grey <Heron> & co")
    p = other.run(progress=False)
    log = pd.DataFrame({"day": [3], "kind": ["inject<b>"], "description": ["<script>x()</script>"]})
    page = sitrep.sitrep_html(p, day=DAY, title="Report <1>", log=log)
    assert "Tamsel &lt;Plain&gt; Camp &amp; &quot;Co&quot;" in page
    assert "Grey &lt;Heron&gt; &amp; co" in page and "<h1>Report &lt;1&gt;</h1>" in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page and "inject&lt;b&gt;" in page
    for raw in ("<Plain>", "<Heron>", "<script", "<1>", "<b>"):
        assert raw not in page
    # The parsed page gives the name back as it was.
    assert any(cells[0] == odd for _, cells in tables(page)["sites"])


def test_self_contained_and_accessible(page):
    # No script, style sheet, font or frame from elsewhere; every image inline, with alt text.
    for pattern in (r"<script", r"<link", r"<iframe", r"@import", r"url\(", r"@font-face"):
        assert not re.search(pattern, page, re.I), pattern
    refs = re.findall(r'\b(?:src|href|srcset|data)\s*=\s*"([^"]*)"', page, re.I)
    assert refs and all(r.startswith("data:image/png;base64,") for r in refs), refs[:3]
    assert not re.search(r"(?:src|href)\s*=\s*['\"]?\s*(?:https?:)?//", page, re.I)
    import matplotlib.image

    images = re.findall(r"<img\b[^>]*>", page)
    assert len(images) == 2  # the chart and the map
    for tag in images:
        alt = re.search(r'alt="([^"]+)"', tag)
        assert alt and len(alt.group(1)) > 40
        data = re.search(r'src="data:image/png;base64,([^"]+)"', tag).group(1)
        pixels = matplotlib.image.imread(io.BytesIO(base64.b64decode(data)), format="png")
        assert pixels.ndim == 3 and pixels.shape[0] > 300 and pixels.shape[1] > 600
    assert "Over capacity: Sedra Plain Camp" in page  # the map's alt text names them
    # Semantic, printable.
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert page.count("<table") == page.count("<caption>") >= 5
    assert '<th scope="col"' in page and '<th scope="row">' in page
    assert "@media print" in page and "<main>" in page and "<header>" in page


# ---------------------------------------------------------------------------------- bad input


def test_bad_input(projection, tmp_path):
    with pytest.raises(corridor.InputError, match=r"day: 120 is outside the projection"):
        sitrep.sitrep_html(projection, day=120)
    with pytest.raises(corridor.InputError, match=r"^day: -1"):
        sitrep.sitrep_html(projection, day=-1)
    with pytest.raises(corridor.InputError, match=r"^day: True must be a whole number"):
        sitrep.sitrep_html(projection, day=True)
    with pytest.raises(corridor.InputError, match=r"since: 61 is after the report's day \(60\)"):
        sitrep.sitrep_html(projection, day=60, since=61)
    with pytest.raises(corridor.InputError, match=r"^since: -3"):
        sitrep.sitrep_html(projection, day=60, since=-3)
    with pytest.raises(corridor.InputError, match=r"log: missing column 'kind'"):
        sitrep.sitrep_html(projection, log=pd.DataFrame({"day": [1], "description": ["x"]}))
    with pytest.raises(corridor.InputError, match=r"log row 1: day"):
        sitrep.sitrep_html(projection, log=LOG.assign(day=[1, "soon", 3]))
    with pytest.raises(corridor.IoError, match=r"path: folder .*no-such-folder.* does not exist"):
        sitrep.write_sitrep(projection, tmp_path / "no-such-folder" / "r.html")
    with pytest.raises(corridor.InputError, match=r"path: .* must end in \.html, \.htm or \.pdf"):
        sitrep.write_sitrep(projection, tmp_path / "r.txt")
    with pytest.raises(corridor.InputError, match=r"^pdf: False"):
        sitrep.write_sitrep(projection, tmp_path / "r.pdf", pdf=False)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------- files


def test_write_is_atomic(projection, tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    assert sitrep.write_sitrep(projection, target, day=DAY) == [target]
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    assert "Exercise Grey Heron, day 60" in target.read_text(encoding="utf-8")

    # A failure while rendering leaves the earlier report as it was, and no temporary file.
    with pytest.raises(corridor.InputError):
        sitrep.write_sitrep(projection, target, day=500)

    # So does Chromium failing to print the PDF: neither the HTML nor a PDF is written.
    def fail(chromium, html_file, pdf_file, timeout_s=120.0):
        assert html_file.parent == tmp_path and html_file.read_text(encoding="utf-8")
        raise corridor.IoError("pdf: chromium failed to print (exit code 1)")

    monkeypatch.setattr(sitrep, "_find_chromium", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(sitrep, "_print_pdf", fail)
    with pytest.raises(corridor.IoError, match="failed to print"):
        sitrep.write_sitrep(projection, target, day=10, pdf=True)
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    assert "Exercise Grey Heron, day 60" in target.read_text(encoding="utf-8")


def test_no_chromium(projection, tmp_path, monkeypatch):
    monkeypatch.setattr(sitrep, "_find_chromium", lambda: None)
    with pytest.raises(corridor.IoError, match=r"pdf: no Chromium found .*chromium"):
        sitrep.write_sitrep(projection, tmp_path / "r.html", pdf=True)
    with pytest.raises(corridor.IoError, match=r"pdf: no Chromium found"):
        sitrep.write_sitrep(projection, tmp_path / "r.pdf")
    assert list(tmp_path.iterdir()) == []
    assert sitrep.write_sitrep(projection, tmp_path / "r.html") == [tmp_path / "r.html"]


# ---------------------------------------------------------------------------------- CLI


def test_cli(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("day,kind,description\n40,decision,Send two screening teams\n", encoding="utf-8")
    out = tmp_path / "report.html"
    res = subprocess.run(
        [sys.executable, "-m", "corridor", "sitrep", str(EXERCISE / "scenario.toml"),
         "--day", "60", "--since", "53", "--log", str(log), "-o", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"wrote {out}"
    page = out.read_text(encoding="utf-8")
    assert "Exercise Grey Heron, day 60" in page and "Changes since day 53" in page
    assert "Send two screening teams" in page and 'id="sites"' in page

    res = subprocess.run(
        [sys.executable, "-m", "corridor", "sitrep", str(EXERCISE / "scenario.toml"),
         "--day", "60", "--since", "70", "-o", str(tmp_path / "bad.html")],
        capture_output=True, text=True, check=False,
    )
    assert res.returncode == 1
    assert "corridor: error: since: 70 is after the report's day (60)" in res.stderr
    assert not (tmp_path / "bad.html").exists()


# ---------------------------------------------------------------------------------- Chromium


def _chromium(*args, cwd):
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={cwd / 'profile'}", *args],
        capture_output=True, text=True, timeout=120, check=False, cwd=cwd,
        stdin=subprocess.DEVNULL,
    )


@needs_chromium
def test_chromium_renders_the_page(page, tmp_path):
    import matplotlib.image

    html_file = tmp_path / "sitrep.html"
    html_file.write_text(page, encoding="utf-8")
    url = html_file.as_uri()
    shot = tmp_path / "sitrep.png"
    res = _chromium(f"--screenshot={shot}", "--window-size=1280,2000", "--hide-scrollbars", url,
                    cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[:2] == (2000, 1280)
    rgb = np.round(pixels[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
    colours = np.unique(rgb, axis=0)
    assert len(colours) > 50  # text, cards, the highlighted rows: not a blank page
    dark = (rgb.sum(axis=1) < 200).mean()
    assert 0.005 < dark < 0.5  # some text, not all black

    # The DOM as Chromium built it holds the site table; the page logs nothing to the console
    # (no script, no resource that failed to load).
    res = _chromium("--dump-dom", "--enable-logging=stderr", "--v=0", url, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    dom = res.stdout
    assert '<table id="sites">' in dom and "Sedra Plain Camp" in dom
    assert dom.count("<img ") == 2
    assert ":CONSOLE" not in res.stderr, [ln for ln in res.stderr.splitlines() if "CONSOLE" in ln]


@needs_chromium
def test_pdf(projection, tmp_path):
    written = sitrep.write_sitrep(projection, tmp_path / "sitrep.pdf", day=DAY, since=SINCE)
    assert written == [tmp_path / "sitrep.html", tmp_path / "sitrep.pdf"]
    data = (tmp_path / "sitrep.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 50_000
    assert b"/Type /Page" in data or b"/Type/Page" in data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sitrep.html", "sitrep.pdf"]
