"""Writing layers with every driver, read back by an independent reader (pyogrio)."""

from __future__ import annotations

import os

import numpy as np
import pyogrio
import pytest
from conftest import TINY
from pyproj import Transformer

import corridor

DRIVERS = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".fgb": "FlatGeobuf",
    ".shp": "ESRI Shapefile",
    ".csv": "CSV",
}


def layer_paths(written, ext):
    """(source, layer) for the locations and routes layers of a write."""
    if ext == ".gpkg":
        (path,) = written
        return (path, "locations"), (path, "routes")
    by_name = {p.name: p for p in written}
    loc = next(p for n, p in by_name.items() if n.endswith("_locations" + ext))
    rt = next(p for n, p in by_name.items() if n.endswith("_routes" + ext))
    return (loc, None), (rt, None)


@pytest.mark.parametrize("ext", list(DRIVERS))
def test_round_trip_with_pyogrio(tiny, tmp_path, ext):
    written = tiny.write(tmp_path / f"tiny{ext}")
    assert all(p.exists() for p in written)
    assert len(written) == (1 if ext == ".gpkg" else 2)
    (loc_src, loc_layer), (rt_src, rt_layer) = layer_paths(written, ext)
    if ext == ".gpkg":
        assert sorted(name for name, _ in pyogrio.list_layers(loc_src)) == ["locations", "routes"]

    loc = pyogrio.read_dataframe(loc_src, layer=loc_layer)
    expected = tiny.locations
    assert len(loc) == len(expected)
    assert loc["name"].tolist() == expected["name"].tolist()
    assert loc["kind"].tolist() == expected["kind"].astype(str).tolist()
    if ext == ".csv":
        xs, ys = loc["lon"].astype(float), loc["lat"].astype(float)
    else:
        xs, ys = loc.geometry.x, loc.geometry.y
    np.testing.assert_allclose(xs, expected["lon"], atol=1e-7)
    np.testing.assert_allclose(ys, expected["lat"], atol=1e-7)
    pop = loc["population"].astype(float)
    np.testing.assert_allclose(pop, expected["population"])

    rt = pyogrio.read_dataframe(rt_src, layer=rt_layer)
    assert len(rt) == tiny.num_routes
    assert rt["from"].tolist() == tiny.routes["from"].tolist()
    assert rt["to"].tolist() == tiny.routes["to"].tolist()
    dist_col = "dist_km" if ext == ".shp" else "distance_km"
    np.testing.assert_allclose(rt[dist_col].astype(float), tiny.routes["distance_km"], rtol=1e-9)
    if ext != ".csv":
        first = np.asarray(rt.geometry.iloc[0].coords)
        assert first[0].tolist() == pytest.approx([0.0, 0.0], abs=1e-7)
        assert first[-1].tolist() == pytest.approx([1.0, 0.0], abs=1e-7)
        assert len(first) >= 5  # ~111 km densified to 25 km segments


@pytest.mark.parametrize("ext", [".gpkg", ".geojson", ".fgb", ".shp", ".csv"])
def test_written_layers_read_back_as_the_same_network(tiny, tmp_path, ext):
    written = tiny.write(tmp_path / f"again{ext}")
    (loc_src, loc_layer), (rt_src, rt_layer) = layer_paths(written, ext)
    back = corridor.read_network(
        loc_src, rt_src, locations_layer=loc_layer, routes_layer=rt_layer
    )
    assert back.locations["name"].tolist() == tiny.locations["name"].tolist()
    np.testing.assert_allclose(back.locations["lat"], tiny.locations["lat"], atol=1e-7)
    np.testing.assert_allclose(back.routes["distance_km"], tiny.routes["distance_km"], rtol=1e-9)
    assert back.routes["closed"].tolist() == tiny.routes["closed"].tolist()
    assert back.shortest_route("Alpha", "Echo").distance_km == pytest.approx(330)


def test_reprojected_write(tiny, tmp_path):
    (path,) = tiny.write(tmp_path / "merc.gpkg", crs="EPSG:3857")
    loc = pyogrio.read_dataframe(path, layer="locations")
    assert loc.crs.to_epsg() == 3857
    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(10.0, 10.0)
    fox = loc[loc["name"] == "Foxtrot"].geometry.iloc[0]
    assert fox.x == pytest.approx(x, abs=1e-3) and fox.y == pytest.approx(y, abs=1e-3)


def test_geojson_is_rfc7946_lon_lat(tiny, tmp_path):
    import json

    written = tiny.write(tmp_path / "t.geojson")
    loc = next(p for p in written if p.name.endswith("_locations.geojson"))
    doc = json.loads(loc.read_text())
    assert "crs" not in doc  # RFC 7946: WGS84 lon/lat implied
    fox = next(f for f in doc["features"] if f["properties"]["name"] == "Foxtrot")
    assert fox["geometry"]["coordinates"] == [10.0, 10.0]


def test_to_geodataframe(tiny):
    routes = tiny.to_geodataframe()
    assert routes.crs.to_epsg() == 4326
    assert len(routes) == 8 and routes.geometry.geom_type.unique().tolist() == ["LineString"]
    locs = tiny.to_geodataframe("locations", crs="EPSG:3857")
    assert locs.crs.to_epsg() == 3857
    with pytest.raises(ValueError):
        tiny.to_geodataframe("rivers")


def test_failed_write_keeps_the_old_file(tiny, tmp_path):
    target = tmp_path / "keep.gpkg"
    tiny.write(target)
    before = target.read_bytes()
    with pytest.raises(corridor.CrsError):
        tiny.write(target, crs="EPSG:99999999")
    assert target.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["keep.gpkg"]  # no temporaries left


def test_unknown_extension(tiny, tmp_path):
    with pytest.raises(corridor.IoError, match="xyz"):
        tiny.write(tmp_path / "out.xyz")
    assert os.listdir(tmp_path) == []


def test_flee_files_are_recognised(tmp_path):
    loc = tmp_path / "locations.csv"
    loc.write_text(
        "#name,region,country,latitude,longitude,location_type,conflict_date,population\n"
        "Kidal,Kidal,Mali,18.4411,1.4078,conflict_zone,0,25617\n"
        "Bobo,Bobo,Burkina Faso,11.1649,-4.3052,camp,,1000\n"
        "Gao,Gao,Mali,16.2666,-0.0400,town,,86633\n"
    )
    rt = tmp_path / "routes.csv"
    rt.write_text("#name1,name2,distance,forced_redirection\nKidal,Gao,300.0,0\nGao,Bobo,600,0\n")
    net = corridor.read_network(loc, rt)
    frame = net.locations
    assert frame["kind"].astype(str).tolist() == ["conflict_zone", "camp", "town"]
    assert frame.loc[1, "capacity"] == 1000  # Flee's column 8 is a camp's capacity
    assert frame.loc[0, "lon"] == pytest.approx(1.4078)
    assert net.shortest_route("Kidal", "Bobo").distance_km == 900


def test_tiny_paths_exist():
    assert (TINY / "locations.csv").exists()
