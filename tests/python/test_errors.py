"""Bad input: every case raises a clear corridor error naming the file, line and field."""

from __future__ import annotations

import os

import pytest
from conftest import TINY, write_csv

import corridor

GOOD_LOC = """
name,lat,lon,kind
A,0,0,town
B,0,1,camp
C,1,1,town
"""
GOOD_RT = """
from,to,distance_km
A,B,10
B,C,20
"""


def read(tmp_path, loc=GOOD_LOC, rt=GOOD_RT):
    return corridor.read_network(
        write_csv(tmp_path / "loc.csv", loc), write_csv(tmp_path / "rt.csv", rt)
    )


def test_good_files_read(tmp_path):
    assert read(tmp_path).num_routes == 2


def test_error_hierarchy():
    assert issubclass(corridor.InputError, ValueError)
    assert issubclass(corridor.InputError, corridor.Error)
    assert issubclass(corridor.IoError, OSError)
    assert issubclass(corridor.IoError, corridor.Error)
    assert issubclass(corridor.CrsError, corridor.Error)


@pytest.mark.parametrize(
    ("which", "text", "pattern"),
    [
        ("loc", "name,lon\nA,0\n", r"loc\.csv.*missing column 'lat'"),
        ("loc", GOOD_LOC + "A,2,2,town\n", r"loc\.csv line 5, field 'name'.*duplicate"),
        ("loc", GOOD_LOC + "D,95,2,town\n", r"loc\.csv line 5, field 'lat'.*range"),
        ("loc", GOOD_LOC + "D,nan,2,town\n", r"loc\.csv line 5, field 'lat'"),
        ("loc", GOOD_LOC + "D,1,abc,town\n", r"loc\.csv line 5, field 'lon'"),
        ("loc", GOOD_LOC + "D,1,1,castle\n", r"loc\.csv line 5, field 'kind'.*castle"),
        ("loc", "name,lat,lon,population\nA,0,0,-5\n", r"loc\.csv line 2, field 'population'"),
        ("rt", "from,distance_km\nA,3\n", r"rt\.csv.*missing column 'to'"),
        ("rt", GOOD_RT + "A,Q,5\n", r"rt\.csv line 4, field 'to'.*unknown location 'Q'"),
        ("rt", GOOD_RT + "Z,A,5\n", r"rt\.csv line 4, field 'from'.*unknown location 'Z'"),
        ("rt", GOOD_RT + "A,C,-5\n", r"rt\.csv line 4, field 'distance_km'.*negative"),
        ("rt", GOOD_RT + "A,C,NaN\n", r"rt\.csv line 4, field 'distance_km'"),
        ("rt", "from,to,distance_km,mode\nA,B,3,jetpack\n", r"rt\.csv line 2, field 'mode'.*jetpack"),
    ],
)
def test_bad_csv(tmp_path, which, text, pattern):
    kwargs = {"loc": text} if which == "loc" else {"rt": text}
    with pytest.raises(corridor.InputError, match=pattern):
        read(tmp_path, **kwargs)


def test_missing_file(tmp_path):
    with pytest.raises(corridor.IoError, match="nope.csv"):
        corridor.read_network(tmp_path / "nope.csv", TINY / "routes.csv")
    with pytest.raises(OSError):
        corridor.read_network(TINY / "locations.csv", tmp_path / "nope.gpkg")


def test_unknown_layer(tiny, tmp_path):
    (path,) = tiny.write(tmp_path / "t.gpkg")
    with pytest.raises(corridor.IoError, match="rivers"):
        corridor.read_network(path, path, locations_layer="rivers", routes_layer="routes")


def test_unreadable_file(tmp_path):
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"\x00not a geopackage" * 10)
    with pytest.raises(corridor.IoError, match="junk.gpkg"):
        corridor.read_network(junk, junk)


def test_nothing_written_when_reading_fails(tmp_path):
    from corridor.cli import main

    write_csv(tmp_path / "loc.csv", GOOD_LOC)
    write_csv(tmp_path / "rt.csv", GOOD_RT + "A,Q,5\n")
    out = tmp_path / "out.gpkg"
    code = main(["export", str(tmp_path / "loc.csv"), str(tmp_path / "rt.csv"), "-o", str(out)])
    assert code == 1
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ["loc.csv", "rt.csv"]
