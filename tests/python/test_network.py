"""The Network API: tables, routing, pickling, display."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import EXERCISE, TINY
from pyproj import Geod

import corridor

WGS84 = Geod(ellps="WGS84")


def test_tables(tiny):
    loc = tiny.locations
    assert list(loc.columns) == [
        "name", "country", "region", "kind", "lon", "lat", "population", "capacity",
        "screening_per_day",
    ]
    assert len(loc) == 7 and tiny.num_locations == 7 and len(tiny) == 7
    assert loc.loc[0, "name"] == "Alpha"
    assert loc.loc[0, "kind"] == "conflict_zone"
    assert loc.loc[6, "name"] == "Golf, upper"  # quoted CSV field
    assert loc.loc[3, "capacity"] == 500
    assert np.isinf(loc.loc[0, "capacity"])  # empty = unlimited
    assert loc.loc[4, "screening_per_day"] == 150
    rt = tiny.routes
    assert list(rt.columns) == [
        "from", "to", "distance_km", "mode", "capacity_per_day", "closed", "directed",
    ]
    assert len(rt) == 8
    assert rt.loc[4, "mode"] == "foot" and rt.loc[4, "capacity_per_day"] == 800
    assert rt["closed"].tolist() == [False] * 6 + [True, False]
    assert "Alpha" in tiny and "Nowhere" not in tiny


def test_missing_distance_is_the_wgs84_geodesic(tiny):
    _, _, metres = WGS84.inv(10.0, 10.0, 10.5, 10.0)
    assert tiny.routes.loc[7, "distance_km"] == pytest.approx(metres / 1000, abs=1e-6)


def test_shortest_route_by_distance_and_time(tiny):
    route = tiny.shortest_route("Alpha", "Echo")
    assert route.locations == ["Alpha", "Bravo", "Charlie", "Echo"]
    assert route.distance_km == pytest.approx(330)
    assert route.hops == 3
    fast = tiny.shortest_route("Alpha", "Echo", weight="time")
    assert fast.locations == ["Alpha", "Bravo", "Echo"]
    assert fast.cost == pytest.approx(120 / 200 + 300 / 300)
    # The closed 50 km road counts only when asked for.
    assert tiny.shortest_route("Alpha", "Echo", include_closed=True).distance_km == 50
    # Slower ferries change the answer.
    slow = tiny.shortest_route("Alpha", "Echo", weight="time", speeds={"sea": 50})
    assert slow.locations == ["Alpha", "Bravo", "Charlie", "Echo"]
    assert tiny.shortest_route("Alpha", "Foxtrot") is None


def test_k_routes(tiny):
    routes = tiny.k_routes("Alpha", "Echo", k=4)
    assert [r.locations for r in routes] == [
        ["Alpha", "Bravo", "Charlie", "Echo"],
        ["Alpha", "Bravo", "Echo"],
        ["Alpha", "Delta", "Charlie", "Echo"],
        ["Alpha", "Delta", "Charlie", "Bravo", "Echo"],
    ]
    assert [r.distance_km for r in routes] == pytest.approx([330, 420, 450, 760])
    assert "Route(Alpha -> Echo, 3 legs, 330.0 km)" == repr(routes[0])
    with pytest.raises(corridor.InputError, match="k must be"):
        tiny.k_routes("Alpha", "Echo", k=0)


def test_route_geometry_follows_the_path(tiny):
    route = tiny.shortest_route("Alpha", "Echo")
    xy = route.coords(densify_km=10)
    assert xy[0].tolist() == [0.0, 0.0] and xy[-1].tolist() == [3.0, 0.0]
    geom = route.geometry
    assert geom.geom_type == "LineString"
    # 10 km segments along three ~111 km geodesics.
    assert len(xy) > 30
    assert route.__geo_interface__["properties"]["via"] == "Alpha > Bravo > Charlie > Echo"


def test_distances_matrix(tiny):
    d = tiny.distances(["Alpha", "Delta"], ["Echo", "Foxtrot", "Alpha"])
    assert d.loc["Alpha", "Echo"] == pytest.approx(330)
    assert d.loc["Delta", "Echo"] == pytest.approx(250)
    assert np.isinf(d.loc["Alpha", "Foxtrot"])
    assert d.loc["Alpha", "Alpha"] == 0
    full1 = tiny.distances(threads=1)
    full4 = tiny.distances(threads=4)
    pd.testing.assert_frame_equal(full1, full4)
    assert full1.shape == (7, 7)


def test_unknown_location_is_an_input_error(tiny):
    with pytest.raises(corridor.InputError, match="unknown location 'Atlantis'"):
        tiny.shortest_route("Alpha", "Atlantis")
    with pytest.raises(ValueError):
        tiny.distances(["Atlantis"])


def test_components(tiny):
    comp = tiny.components()
    assert comp["Alpha"] == comp["Echo"] == 0
    assert comp["Foxtrot"] == comp["Golf, upper"] == 1


def test_pickle_round_trip(tiny):
    clone = pickle.loads(pickle.dumps(tiny))
    pd.testing.assert_frame_equal(clone.locations, tiny.locations)
    pd.testing.assert_frame_equal(clone.routes, tiny.routes)
    assert clone.shortest_route("Alpha", "Echo").locations == tiny.shortest_route("Alpha", "Echo").locations


def test_from_frames_matches_reader(tiny):
    loc = pd.read_csv(TINY / "locations.csv")
    rt = tiny.routes.reset_index(drop=True)
    rebuilt = corridor.Network.from_frames(loc, rt)
    pd.testing.assert_frame_equal(rebuilt.locations, tiny.locations)
    pd.testing.assert_frame_equal(rebuilt.routes, tiny.routes)


def test_from_frames_errors_name_row_and_column():
    loc = pd.DataFrame({"name": ["A", "B"], "lon": [0.0, 1.0], "lat": [0.0, 91.0]})
    rt = pd.DataFrame({"from": ["A"], "to": ["B"], "distance_km": [3.0]})
    with pytest.raises(corridor.InputError, match=r"locations row 1, field 'lat'"):
        corridor.Network.from_frames(loc, rt)
    loc.loc[1, "lat"] = 1.0
    bad = pd.DataFrame({"from": ["A"], "to": ["C"], "distance_km": [3.0]})
    with pytest.raises(corridor.InputError, match=r"routes row 0, field 'to': unknown location 'C'"):
        corridor.Network.from_frames(loc, bad)


def test_repr_and_html(tiny):
    text = repr(tiny)
    assert text.startswith("<corridor.Network: 7 locations")
    assert "8 routes" in text and "2 components" in text
    html = tiny._repr_html_()
    assert "<table>" in html and "Originland" in html


def test_geo_interface(tiny):
    fc = tiny.__geo_interface__
    assert fc["type"] == "FeatureCollection"
    layers = [f["properties"]["layer"] for f in fc["features"]]
    assert layers.count("locations") == 7 and layers.count("routes") == 8
    first = fc["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [0.0, 0.0]}
    assert first["properties"]["capacity"] is None  # unlimited


def test_exercise_region_is_one_connected_network(exercise):
    s = exercise.summary()
    assert 40 <= s["locations"] <= 80
    assert s["components"] == 1
    kinds = s["locations_by_kind"]
    for kind in ("conflict_zone", "border_crossing", "camp", "reception", "destination"):
        assert kinds.get(kind, 0) >= 1, kind
    assert s["routes_by_mode"].get("sea", 0) >= 1
    readme = (EXERCISE / "README.md").read_text()
    assert "fictitious" in readme.lower()
