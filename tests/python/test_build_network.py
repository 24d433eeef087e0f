"""Building networks from GIS layers (corridor.geo.build_network and `corridor build-network`).

The layers are made here with known answers: a grid of crossing, unnoded lines; a boundary
that crosses a known number of roads; places on and off the network; broken geometries; a
projected copy; an empty layer and one without a CRS.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess

import numpy as np
import pyogrio
import pytest
import shapely
from test_qgis import QGIS_SCRIPT, SYSTEM_PYTHON, qgis_available

import corridor
import corridor.cli
from corridor.geo import BuildReport, NetworkBuild, build_network

H, V = 4, 5  # horizontal and vertical roads of the grid
N_NODES = H * V + 2 * (H + V)  # crossings + line ends
N_EDGES = H * (V + 1) + V * (H + 1)


def write(frame, path, layer=None):
    """A layer GDAL 3.6 reads without a version warning (GeoPackage 1.2)."""
    options = {"VERSION": "1.2"} if str(path).endswith(".gpkg") else {}
    pyogrio.write_dataframe(frame, path, layer=layer, dataset_options=options)
    return path


def grid_frame():
    import geopandas as gpd

    lines = [shapely.LineString([(-0.005, 0.01 * i), (0.037, 0.01 * i)]) for i in range(H)]
    lines += [shapely.LineString([(0.008 * j, -0.005), (0.008 * j, 0.035)]) for j in range(V)]
    modes = ["road"] * H + ["road", "road", "foot", "road", "road"]
    speeds = [80.0] * H + [40.0] * V
    return gpd.GeoDataFrame({"mode": modes, "speed": speeds}, geometry=lines, crs="EPSG:4326")


def places_frame():
    import geopandas as gpd

    return gpd.GeoDataFrame(
        {
            "name": ["Qarvel", "Auren", "Far Camp"],
            "kind": ["town", "camp", "camp"],
            "population": [1000.0, 0.0, 0.0],
        },
        geometry=[
            shapely.Point(0.008, 0.01),  # on a crossing
            shapely.Point(0.004, 300.0 / 110574.0),  # 300 m off a horizontal road
            shapely.Point(0.5, 0.5),  # 50+ km from everything
        ],
        crs="EPSG:4326",
    )


def borders_frame():
    import geopandas as gpd

    return gpd.GeoDataFrame(
        {"name": ["Alba", "Brenia"]},
        geometry=[shapely.box(-1, -1, 0.012, 1), shapely.box(0.012, -1, 1, 1)],
        crs="EPSG:4326",
    )


@pytest.fixture(scope="module")
def layers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("build")
    return {
        "folder": folder,
        "lines": write(grid_frame(), folder / "grid.gpkg", "roads"),
        "places": write(places_frame(), folder / "places.gpkg", "places"),
        "borders": write(borders_frame(), folder / "countries.gpkg", "countries"),
    }


@pytest.fixture(scope="module")
def built(layers) -> NetworkBuild:
    return build_network(layers["lines"], layers["places"], layers["borders"])


def test_grid_of_unnoded_lines_gives_known_nodes_and_edges(layers):
    net, report = build_network(layers["lines"], layers["places"], contract=False)
    assert report.stats["graph_nodes"] == N_NODES
    assert report.stats["graph_edges"] == N_EDGES
    assert report.stats["crossings"] == H * V
    # Auren splits one edge; Far Camp is kept, isolated.
    assert net.num_routes == N_EDGES + 1
    assert net.num_locations == N_NODES + 1 + 1
    assert report.places.loc["Qarvel", "how"] == "vertex"
    assert report.places.loc["Auren", "how"] == "edge"
    assert report.places.loc["Auren", "distance_m"] == pytest.approx(300.0, abs=1.0)


def test_routes_carry_mode_speed_and_geodesic_km(built, layers):
    net, report = built
    routes = net.routes
    assert (routes["mode"] == "foot").sum() == H + 1  # the third vertical road, cut H times
    assert set(report.routes["speed_km_h"].round(6)) == {80.0, 40.0}
    # Total km: each line's geodesic length plus Auren's 300 m stub, twice (two halves).
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    km = sum(geod.geometry_length(g) for g in grid_frame().geometry) / 1000.0
    stub = report.places.loc["Auren", "distance_m"] / 1000.0
    assert routes["distance_km"].sum() == pytest.approx(km + 2 * stub, abs=1e-6)


def test_border_line_crosses_a_known_number_of_roads(built):
    net, report = built
    # The boundary at lon 0.012 crosses the H horizontal roads and no vertical one.
    assert len(report.crossings) == H
    assert report.stats["border_crossings"] == H
    assert set(report.crossings["country_a"]) == {"Alba"}
    assert set(report.crossings["country_b"]) == {"Brenia"}
    assert np.allclose(report.crossings["lon"], 0.012)
    locations = net.locations
    assert (locations["kind"] == "border_crossing").sum() == H
    assert (report.routes["border"] == "Alba|Brenia").sum() == 2 * H
    # Countries of places and junctions come from the polygons.
    assert locations.set_index("name").loc["Qarvel", "country"] == "Alba"
    assert set(locations["country"]) == {"Alba", "Brenia"}


def test_places_beyond_the_tolerance_are_reported_by_name_with_distance(built):
    _, report = built
    unsnapped = report.unsnapped
    assert list(unsnapped.index) == ["Far Camp"]
    assert unsnapped.loc["Far Camp", "distance_m"] > 50_000
    row = report.issues[report.issues["kind"] == "unsnapped"].iloc[0]
    assert row["name"] == "Far Camp"
    assert "'Far Camp'" in row["message"] and "not attached" in row["message"]
    assert "Far Camp" in report.to_text()


def test_drop_unsnapped(layers):
    net, _ = build_network(layers["lines"], layers["places"], keep_unsnapped=False)
    assert "Far Camp" not in net


def test_invalid_geometries_are_repaired_and_reported(tmp_path, layers):
    import geopandas as gpd

    with np.errstate(invalid="ignore"):  # shapely warns about the NaN we want
        broken = [
            shapely.LineString([(0, 0), (np.nan, np.nan), (0.1, 0)]),  # NaN vertex
            shapely.LineString([(0.3, 0.3), (0.3, 0.3)]),  # zero length
            shapely.LineString([(0.1, 0), (0.2, 0)]),
        ]
    lines = gpd.GeoDataFrame({"mode": ["road", "road", "road"]}, geometry=broken, crs="EPSG:4326")
    points = gpd.GeoDataFrame(
        {"name": ["A", "B"]}, geometry=[shapely.Point(0, 0), shapely.Point(0.2, 0)], crs="EPSG:4326"
    )
    bowtie = gpd.GeoDataFrame(
        {"name": ["Bow"]},
        geometry=[shapely.Polygon([(-1, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)])],
        crs="EPSG:4326",
    )
    net, report = build_network(
        write(lines, tmp_path / "bad.gpkg"),
        write(points, tmp_path / "ab.gpkg"),
        write(bowtie, tmp_path / "bow.gpkg"),
    )
    issues = report.issues
    repaired = issues[(issues["kind"] == "repaired") & (issues["layer"] == "lines")]
    dropped = issues[(issues["kind"] == "dropped") & (issues["layer"] == "lines")]
    assert list(repaired["feature"]) == [1]
    assert list(dropped["feature"]) == [2]
    assert "bad.gpkg layer 'bad' feature 1" in repaired.iloc[0]["message"]
    border = issues[issues["layer"] == "borders"]
    assert list(border["kind"]) == ["repaired"]
    assert "GEOSMakeValid" in border.iloc[0]["message"]
    assert net.num_routes == 1
    assert net.routes["distance_km"].iloc[0] == pytest.approx(
        corridor._core.geodesic_distance_km(0, 0, 0.2, 0), abs=1e-9
    )


def test_projected_layer_gives_the_same_network(tmp_path, layers, built):
    utm = write(grid_frame().to_crs("EPSG:32631"), tmp_path / "utm.gpkg")
    net, report = build_network(utm, layers["places"], layers["borders"])
    assert report.stats["graph_nodes"] == built.report.stats["graph_nodes"]
    assert net.num_routes == built.network.num_routes
    assert net.routes["distance_km"].sum() == pytest.approx(
        built.network.routes["distance_km"].sum(), rel=1e-7
    )


def test_geodataframes_work_like_files(built):
    net, report = build_network(grid_frame(), places_frame(), borders_frame())
    assert net.num_routes == built.network.num_routes
    assert report.sources["lines"] == "<lines GeoDataFrame>"
    ours, theirs = net.routes["distance_km"], built.network.routes["distance_km"]
    assert (ours.to_numpy() == theirs.to_numpy()).all()


def test_empty_layer_and_unknown_crs_name_file_and_layer(tmp_path, layers):
    empty = write(grid_frame().iloc[:0], tmp_path / "empty.gpkg", "nothing")
    with pytest.raises(corridor.InputError, match=r"empty\.gpkg layer 'nothing'.*no features"):
        build_network(empty, layers["places"])
    no_crs = tmp_path / "nocrs.csv"
    no_crs.write_text('WKT,mode\n"LINESTRING (500000 4000000, 500100 4000000)",road\n')
    with pytest.raises(corridor.CrsError, match=r"nocrs\.csv layer 'nocrs'.*CRS"):
        build_network(no_crs, layers["places"])


def test_bad_attribute_names_feature_and_field(tmp_path, layers):
    frame = grid_frame()
    frame.loc[2, "mode"] = "hovercraft"
    path = write(frame, tmp_path / "modes.gpkg")
    where = r"modes\.gpkg layer 'modes' feature 3, field 'mode'"
    with pytest.raises(corridor.InputError, match=where):
        build_network(path, layers["places"])
    with pytest.raises(corridor.InputError, match="no country field 'country'.*name"):
        build_network(layers["lines"], layers["places"], layers["borders"], country_field="country")
    with pytest.raises(corridor.InputError, match="snap_tolerance_m"):
        build_network(layers["lines"], layers["places"], snap_tolerance_m=-1)


def test_class_field_maps_to_mode(tmp_path, layers):
    frame = grid_frame().drop(columns=["mode"])
    frame["highway"] = ["primary"] * H + ["track", "ferry", "river", "secondary", "ferry_route"]
    path = write(frame, tmp_path / "classes.gpkg")
    net, report = build_network(
        path, layers["places"], class_field="highway", class_modes={"ferry_route": "sea"}
    )
    modes = net.routes.groupby(report.routes["class"])["mode"].agg(lambda m: set(m.astype(str)))
    assert modes["track"] == {"foot"}
    assert modes["ferry"] == {"sea"}
    assert modes["ferry_route"] == {"sea"}
    assert modes["river"] == {"river"}
    assert modes["primary"] == {"road"}


def test_write_and_read_back_with_geopandas(built, tmp_path):
    import geopandas as gpd

    (path,) = built.write(tmp_path / "built.gpkg")
    assert set(pyogrio.list_layers(path)[:, 0]) == {"locations", "routes", "build_report"}
    routes = gpd.read_file(path, layer="routes")
    locations = gpd.read_file(path, layer="locations")
    report = gpd.read_file(path, layer="build_report")
    assert len(routes) == built.network.num_routes
    assert len(locations) == built.network.num_locations
    assert len(report) == len(built.report.issues)
    assert {"speed_km_h", "class", "border", "source_fid", "segments"} <= set(routes.columns)
    assert (routes["border"] == "Alba|Brenia").sum() == 2 * H
    assert routes.crs.to_epsg() == 4326
    assert "Far Camp" in set(report["name"])
    # Route lines start and end at their locations.
    ends = locations.set_index("name").geometry
    first = routes.iloc[0]
    assert shapely.get_coordinates(first.geometry)[0] == pytest.approx(
        shapely.get_coordinates(ends[first["from"]])[0], abs=1e-9
    )


def test_report_and_network_pickle(built):
    net, report = pickle.loads(pickle.dumps(built))
    assert isinstance(report, BuildReport)
    assert net.num_routes == built.network.num_routes
    assert report.stats == built.report.stats
    assert report.issues.equals(built.report.issues)


def test_cli_build_network_prints_the_report(layers, tmp_path, capsys):
    out = tmp_path / "cli.gpkg"
    code = corridor.cli.main(
        [
            "build-network",
            "--lines", os.fspath(layers["lines"]),
            "--places", os.fspath(layers["places"]),
            "--borders", os.fspath(layers["borders"]),
            "-o", os.fspath(out),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "places     3: 2 attached" in text
    assert "Far Camp:" in text
    assert f"borders    {H} crossings" in text
    assert f"wrote {out}" in text
    assert out.exists()


def test_cli_errors_are_one_line(layers, tmp_path, capsys):
    code = corridor.cli.main(
        ["build-network", "--lines", os.fspath(tmp_path / "missing.gpkg"),
         "--places", os.fspath(layers["places"]), "-o", os.fspath(tmp_path / "x.gpkg")]
    )
    assert code == 1
    assert "missing.gpkg" in capsys.readouterr().err


@pytest.mark.skipif(not qgis_available(), reason="python3-qgis is not installed")
def test_qgis_opens_the_built_network(built, tmp_path):
    (path,) = built.write(tmp_path / "qgis.gpkg")
    uris = [f"{path}|layername={name}" for name in ("locations", "routes", "build_report")]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(tmp_path))
    res = subprocess.run(
        [SYSTEM_PYTHON, "-c", QGIS_SCRIPT, json.dumps(uris)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    assert res.returncode == 0, res.stderr
    answer = json.loads(res.stdout.strip().splitlines()[-1])
    layers = {info["uri"].split("=")[-1]: info for info in answer}
    for info in layers.values():
        assert info["valid"], info
        assert info["crs"] == "EPSG:4326", info
    assert layers["locations"]["count"] == built.network.num_locations
    assert layers["routes"]["count"] == built.network.num_routes
    assert layers["routes"]["geometry_type"] == 1
    assert "border" in layers["routes"]["fields"]
    assert layers["build_report"]["count"] == len(built.report.issues)
    assert layers["build_report"]["geometry_type"] == 0
