#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into a build directory (not into the repository).

Seeds are derived from the repository's own data (``data/``, ``tests/data/``) and, when present,
from the public Flee cases in ``../shared/data/flee/``. Usage::

    tests/fuzz/make_corpus.py OUT_DIR      # writes OUT_DIR/<target>/seed-*

Seeds are only ever added (a seed's name is its content's hash), so corpora grown by earlier
fuzzing runs in OUT_DIR are kept.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED_FLEE = ROOT.parent / "shared" / "data" / "flee"
MAX_SEED_BYTES = 16 * 1024  # keeps the fuzzers fast; bigger files are cut at a line end


def cut(text: str) -> str:
    if len(text) <= MAX_SEED_BYTES:
        return text
    return text[: text.rfind("\n", 0, MAX_SEED_BYTES) + 1]


def write(out: Path, target: str, text: str) -> None:
    folder = out / target
    folder.mkdir(parents=True, exist_ok=True)
    data = text.encode()
    (folder / f"seed-{hashlib.sha1(data).hexdigest()[:16]}").write_bytes(data)


def flee_cases() -> list[Path]:
    cases = [ROOT / "tests" / "data" / "flee_mini"]
    if SHARED_FLEE.is_dir():
        cases += sorted(p for p in SHARED_FLEE.iterdir() if (p / "input_csv").is_dir())
    return cases


def case_as_sections(case: Path, skip: tuple[str, ...] = ()) -> str:
    """A Flee case as fuzz_flee_case reads it: '@@ <path>' lines, each followed by the file."""
    parts = []
    for sub in ("input_csv", "source_data"):
        for f in sorted((case / sub).glob("*.csv")):
            rel = f"{sub}/{f.name}"
            if rel in skip:
                continue
            text = f.read_text(errors="replace")
            if sub == "source_data" and f.name != "data_layout.csv":
                text = cut(text)[:2048]
                text = text[: text.rfind("\n") + 1]
            parts.append(f"@@ {rel}\n{cut(text)}")
    return "".join(parts)


def geojson_from_csv(locations: Path, routes: Path) -> tuple[str, str]:
    import csv

    with locations.open() as f:
        rows = list(csv.DictReader(f))
    where = {r["name"]: (float(r["lon"]), float(r["lat"])) for r in rows}
    points = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {k: v for k, v in r.items() if k not in ("lat", "lon")},
         "geometry": {"type": "Point", "coordinates": list(where[r["name"]])}} for r in rows]}
    with routes.open() as f:
        links = list(csv.DictReader(f))
    lines = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": r,
         "geometry": {"type": "LineString", "coordinates": [list(where[r["from"]]),
                                                            list(where[r["to"]])]}}
        for r in links if r["from"] in where and r["to"] in where]}
    return json.dumps(points), json.dumps(lines)


SCENARIOS = [
    # Every event type and both trigger forms, on fuzz_scenario_toml's network.
    """name = "seed"
start = 2027-03-01
days = 30
engine = "expected"
seed = 3
[cohorts]
women = 0.3
men = 0.2
children = 0.5
[movement]
max_move_speed_km = 200
camp_weight = 2
[planning]
water_l = 15
[[events]]
type = "displacement"
day = 0
location = "Alpha"
people = 1000
over_days = 5
cohorts = { women = 0.25, men = 0.25, children = 0.5 }
[[events]]
type = "close_route"
day = 2
from = "Alpha"
to = "Bravo"
until_day = 9
[[events]]
type = "close_location"
day = 3
location = "Delta"
[[events]]
type = "reopen_location"
day = 8
location = "Delta"
[[events]]
type = "close_border"
day = 4
countries = ["Transitia", "Haven"]
until_day = 12
[[events]]
type = "open_site"
day = 5
location = "Delta"
capacity = 300
[[events]]
type = "close_site"
day = 20
location = "Delta"
[[events]]
type = "set_capacity"
day = 6
location = "Echo"
capacity = 3000
screening_per_day = 200
[[triggers]]
location = "Echo"
metric = "occupancy"
above = 0.9
then = { type = "open_site", location = "Delta", capacity = 1000 }
[[triggers]]
location = "Echo"
metric = "backlog"
above = 100
then = { type = "set_capacity", location = "Echo", screening_per_day = 700 }
""",
    """days = 10
engine = "agents"
[[events]]
type = "displacement"
day = 1
location = "Alpha"
people = 50
""",
]


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(sys.argv[1])
    tiny = ROOT / "tests" / "data" / "tiny"
    exercise = ROOT / "data" / "exercise"
    for case in flee_cases():
        write(out, "fuzz_csv_locations", cut((case / "input_csv" / "locations.csv").read_text()))
        write(out, "fuzz_csv_routes", cut((case / "input_csv" / "routes.csv").read_text()))
        write(out, "fuzz_flee_case", case_as_sections(case))
        write(out, "fuzz_flee_case", case_as_sections(
            case, skip=("input_csv/closures.csv", "input_csv/registration_corrections.csv")))
        for yml in [case / "simsetting.yml", *case.glob("*.yml")]:
            if yml.is_file():
                write(out, "fuzz_flee_settings", cut(yml.read_text()))
    for folder in (tiny, exercise):
        write(out, "fuzz_csv_locations", cut((folder / "locations.csv").read_text()))
        write(out, "fuzz_csv_routes", cut((folder / "routes.csv").read_text()))
    if (SHARED_FLEE / "simsetting.yml").is_file():
        write(out, "fuzz_flee_settings", (SHARED_FLEE / "simsetting.yml").read_text())
    for scenario in SCENARIOS:
        write(out, "fuzz_scenario_toml", scenario)
    # The exercise scenario, its names mapped onto the fuzz network's where they are used.
    text = (exercise / "scenario.toml").read_text()
    text = text.replace('[network]\nlocations = "locations.csv"\nroutes = "routes.csv"\n', "")
    for old, new in (("Qarvel", "Alpha"), ("Hessamir", "Bravo"), ("Sedra Plain Camp", "Delta"),
                     ("Anselm Reception Centre", "Echo"), ("Ambrel Reception Centre", "Echo"),
                     ("Overflow Site A", "Delta"), ("Greywind Pass", "Charlie"),
                     ("Elsmoor", "Echo"), ("Ternadia", "Transitia"), ("Orvalia", "Haven")):
        text = text.replace(old, new)
    write(out, "fuzz_scenario_toml", text)
    # The reception-pathways scenario, mapped the same way, with its streams kept.
    text = (exercise / "pathways.toml").read_text()
    text = text.replace('[network]\nlocations = "locations.csv"\nroutes = "routes.csv"\n', "")
    for old, new in (("Qarvel", "Alpha"), ("Idrassa Reception Centre", "Echo"),
                     ("Anselm Reception Centre", "Echo"), ("Kastwell Reception Centre", "Delta"),
                     ("Tamsel Plain Camp", "Delta"), ("Sedra Plain Camp", "Charlie"),
                     ("people = 120000", "people = 1500"), ("days = 120", "days = 40")):
        text = text.replace(old, new)
    write(out, "fuzz_scenario_toml", text)
    for geojson in sorted((ROOT / "tests" / "data" / "geo").glob("*.geojson")):
        write(out, "fuzz_ogr_geojson", cut(geojson.read_text()))
    for points, lines in [geojson_from_csv(tiny / "locations.csv", tiny / "routes.csv")]:
        write(out, "fuzz_ogr_geojson", points)
        write(out, "fuzz_ogr_geojson", lines)
    for target in sorted(p.name for p in out.iterdir() if p.is_dir()):
        print(f"{target}: {len(list((out / target).iterdir()))} files", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
