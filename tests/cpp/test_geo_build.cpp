// Building networks from GIS layers (corridor::geo::build_network): noding, merging, snapping,
// borders, contraction, repairs and errors, on layers made here with known answers.
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_geometry.h>

#include "catch.hpp"
#include "temp_dir.hpp"
#include "corridor/error.hpp"
#include "corridor/geo/build_network.hpp"
#include "corridor/geo/geodesic.hpp"

using namespace corridor;
using corridor::test::approx;
using corridor::test::contains;
using corridor::test::message_of;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kKmTol = 1e-9;

using Line = std::vector<LonLat>;

geo::LineLayer layer_of(const std::vector<Line>& lines) {
  geo::LineLayer layer;
  layer.label = "test lines";
  for (const Line& line : lines) {
    for (const LonLat& p : line) layer.points.push_back(p);
    layer.part_offsets.push_back(static_cast<std::uint32_t>(layer.points.size()));
    layer.part_feature.push_back(static_cast<std::uint32_t>(layer.features.size()));
    geo::LineAttributes attrs;
    attrs.fid = static_cast<std::int64_t>(layer.features.size()) + 1;
    layer.features.push_back(attrs);
  }
  return layer;
}

Location place(const std::string& name, double lon, double lat,
               LocationKind kind = LocationKind::kTown) {
  Location location;
  location.name = name;
  location.position = {lon, lat};
  location.kind = kind;
  return location;
}

// H horizontal lines (lat 0, 0.01, ...) and V vertical lines (lon 0, 0.008, ...), each drawn as
// one straight line past the outermost crossing: unnoded, no shared vertex.
constexpr int kH = 4;
constexpr int kV = 5;
std::vector<Line> grid_lines() {
  std::vector<Line> lines;
  for (int i = 0; i < kH; ++i) lines.push_back({{-0.005, 0.01 * i}, {0.037, 0.01 * i}});
  for (int j = 0; j < kV; ++j) lines.push_back({{0.008 * j, -0.005}, {0.008 * j, 0.035}});
  return lines;
}

geo::BuildInput grid_input() {
  geo::BuildInput input;
  input.lines = layer_of(grid_lines());
  input.places = {place("Crossing", 0.008, 0.01)};
  input.places_label = "test places";
  return input;
}

std::vector<unsigned char> wkb_of(const std::string& wkt) {
  OGRGeometry* geometry = nullptr;
  REQUIRE(OGRGeometryFactory::createFromWkt(wkt.c_str(), nullptr, &geometry) == OGRERR_NONE);
  std::vector<unsigned char> wkb(static_cast<std::size_t>(geometry->WkbSize()));
  geometry->exportToWkb(wkbNDR, wkb.data(), wkbVariantIso);
  OGRGeometryFactory::destroyGeometry(geometry);
  return wkb;
}

/// Two countries split at lon = 0.012 (between the 2nd and 3rd vertical lines).
std::vector<geo::CountryShape> two_countries() {
  return {{1, "Alba", wkb_of("POLYGON ((-1 -1, 0.012 -1, 0.012 1, -1 1, -1 -1))")},
          {2, "Brenia", wkb_of("POLYGON ((0.012 -1, 1 -1, 1 1, 0.012 1, 0.012 -1))")}};
}

std::size_t count_kind(const Network& net, LocationKind kind) {
  std::size_t n = 0;
  for (const Location& l : net.locations()) n += l.kind == kind ? 1 : 0;
  return n;
}

std::size_t count_issues(const geo::BuildResult& r, const std::string& kind) {
  std::size_t n = 0;
  for (const geo::BuildIssue& i : r.issues) n += i.kind == kind ? 1 : 0;
  return n;
}

double total_km(const Network& net) {
  double km = 0.0;
  for (const Route& r : net.routes()) km += r.distance_km;
  return km;
}

}  // namespace

TEST_CASE("a grid of unnoded crossing lines gives the known nodes and edges", "[build_network]") {
  geo::BuildOptions options;
  options.contract = false;
  const geo::BuildResult r = geo::build_network(grid_input(), options);
  // Nodes: H*V crossings + 2 ends per line; edges: each line cut by the lines across it.
  CHECK(r.stats.graph_nodes == kH * kV + 2 * (kH + kV));
  CHECK(r.stats.graph_edges == kH * (kV + 1) + kV * (kH + 1));
  CHECK(r.stats.crossings == kH * kV);
  CHECK(r.network.num_locations() == kH * kV + 2 * (kH + kV));
  CHECK(r.network.num_routes() == kH * (kV + 1) + kV * (kH + 1));
  CHECK(r.places[0].how == "vertex");
  CHECK(r.places[0].distance_m < 1e-3);
  CHECK(r.stats.places_on_vertex == 1);
  // No degree-2 nodes: contraction changes nothing.
  const geo::BuildResult c = geo::build_network(grid_input(), {});
  CHECK(c.network.num_locations() == r.network.num_locations());
  CHECK(c.network.num_routes() == r.network.num_routes());
  CHECK(c.network.components() == std::vector<std::uint32_t>(c.network.num_locations(), 0));
  // Total length: every line's geodesic length.
  double km = 0.0;
  for (const Line& line : grid_lines()) km += geo::polyline_length_km(line);
  CHECK(total_km(c.network) == approx(km, kKmTol));
  // Locations: the place first, then junctions (transit).
  CHECK(c.network.location(0).name == "Crossing");
  CHECK(count_kind(c.network, LocationKind::kTransit) == c.network.num_locations() - 1);
}

TEST_CASE("the result does not depend on the thread count", "[build_network]") {
  geo::BuildOptions one, two;
  one.threads = 1;
  two.threads = 2;
  geo::BuildInput a = grid_input(), b = grid_input();
  a.borders = b.borders = two_countries();
  const geo::BuildResult r1 = geo::build_network(a, one);
  const geo::BuildResult r2 = geo::build_network(b, two);
  REQUIRE(r1.network.num_routes() == r2.network.num_routes());
  for (RouteId id = 0; id < r1.network.num_routes(); ++id) {
    CHECK(r1.network.route(id).from == r2.network.route(id).from);
    CHECK(r1.network.route(id).to == r2.network.route(id).to);
    CHECK(r1.network.route(id).distance_km == r2.network.route(id).distance_km);
  }
}

TEST_CASE("degree-2 chains between places become one route with the full line",
          "[build_network]") {
  // A winding road of 50 vertices between two towns, and a spur off vertex 24.
  Line road;
  for (int i = 0; i <= 49; ++i) road.push_back({0.01 * i, 0.002 * ((i % 2) == 0 ? 0 : 1)});
  geo::BuildInput input;
  input.lines = layer_of({road, {{0.24, 0.0}, {0.24, -0.1}}});
  input.places = {place("West", 0.0, 0.0), place("East", 0.49, 0.002)};
  const geo::BuildResult r = geo::build_network(input, {});
  // West - junction (0.24, 0) - East, and the spur to a dead end.
  REQUIRE(r.network.num_routes() == 3);
  CHECK(r.network.num_locations() == 4);
  const Route& first = r.network.route(0);
  CHECK(r.network.location(first.from).name == "West");
  CHECK(first.geometry.size() == 25);  // vertices 0..24 of the road
  CHECK(first.distance_km ==
        approx(geo::polyline_length_km(std::vector<LonLat>(road.begin(), road.begin() + 25)),
               kKmTol));
  CHECK(r.route_attributes[0].segments == 24);
  CHECK(total_km(r.network) ==
        approx(geo::polyline_length_km(road) +
                   geo::geodesic_distance_km({0.24, 0.0}, {0.24, -0.1}),
               kKmTol));
  // Pruning removes the spur, and the junction with it.
  geo::BuildOptions prune;
  prune.prune_dead_ends = true;
  const geo::BuildResult p = geo::build_network(input, prune);
  CHECK(p.network.num_routes() == 1);
  CHECK(p.network.num_locations() == 2);
  CHECK(p.stats.pruned_edges == 1);
}

TEST_CASE("line ends within the merge tolerance are merged, dangles joined",
          "[build_network]") {
  // Two roads meeting end to end with a 0.5 m gap, and a side road stopping 0.5 m short.
  const double gap = 0.5 / 111320.0;  // ~0.5 m in degrees at the equator
  const Line west{{0.0, 0.0}, {0.1, 0.0}};
  const Line east{{0.1 + gap, 0.0}, {0.2, 0.0}};
  const Line side{{0.05, 0.1}, {0.05, gap}};
  geo::BuildInput input;
  input.lines = layer_of({west, east, side});
  input.places = {place("W", 0.0, 0.0), place("E", 0.2, 0.0), place("N", 0.05, 0.1)};
  geo::BuildOptions options;
  options.merge_tolerance_m = 1.0;
  const geo::BuildResult r = geo::build_network(input, options);
  CHECK(r.stats.merged_points == 1);
  CHECK(r.stats.joined_dangles == 1);
  CHECK(count_issues(r, "merged") == 1);
  CHECK(count_issues(r, "joined") == 1);
  // One component: W - junction - E, junction - N.
  CHECK(r.network.num_locations() == 4);
  CHECK(r.network.num_routes() == 3);
  uint32_t components = 0;
  r.network.components(&components);
  CHECK(components == 1);
  // With a 0.1 m tolerance nothing joins: three separate roads.
  options.merge_tolerance_m = 0.1;
  const geo::BuildResult apart = geo::build_network(input, options);
  apart.network.components(&components);
  CHECK(components == 3);
  CHECK(apart.stats.merged_points == 0);
}

TEST_CASE("duplicate and zero-length segments are removed", "[build_network]") {
  const Line road{{0.0, 0.0}, {0.05, 0.0}, {0.1, 0.0}};
  const Line same_reversed{{0.1, 0.0}, {0.05, 0.0}, {0.0, 0.0}};
  const Line overlap{{0.05, 0.0}, {0.15, 0.0}};  // shares 0.05-0.1 with road
  geo::BuildInput input;
  input.lines = layer_of({road, same_reversed, overlap});
  input.places = {place("A", 0.0, 0.0), place("B", 0.15, 0.0)};
  const geo::BuildResult r = geo::build_network(input, {});
  CHECK(r.stats.duplicate_segments == 3);  // 2 of the reversed copy, 1 of the overlap
  CHECK(count_issues(r, "duplicate") == 2);
  REQUIRE(r.network.num_routes() == 1);
  CHECK(r.network.route(0).distance_km ==
        approx(geo::geodesic_distance_km({0.0, 0.0}, {0.15, 0.0}), 1e-9));
}

TEST_CASE("places snap to a vertex, split an edge, or are reported beyond the tolerance",
          "[build_network]") {
  geo::BuildInput input = grid_input();
  // 300 m north of the middle of a horizontal edge; 5 m from a crossing; far away.
  input.places.push_back(place("Mid", 0.004, 300.0 / 110574.0));
  input.places.push_back(place("Near", 0.016 + 5.0 / 111320.0, 0.02));
  input.places.push_back(place("Far", 0.5, 0.5));
  input.places.push_back(place("Twin", 0.004, -300.0 / 110574.0));  // same foot as Mid
  geo::BuildOptions options;
  options.snap_tolerance_m = 1000.0;
  options.merge_tolerance_m = 10.0;
  const geo::BuildResult r = geo::build_network(input, options);
  REQUIRE(r.places.size() == 5);
  CHECK(r.places[1].how == "edge");
  CHECK(r.places[1].distance_m == approx(300.0, 1.0));
  CHECK(r.places[2].how == "vertex");
  CHECK(r.places[3].how == "beyond");
  CHECK_FALSE(r.places[3].attached);
  CHECK(r.places[3].distance_m > 50000.0);
  CHECK(r.places[3].distance_m ==
        approx(1000.0 * geo::geodesic_distance_km({0.5, 0.5},
                                                  {r.places[3].lon, r.places[3].lat}),
               1e-6));
  CHECK(r.places[4].how == "shared");
  CHECK(r.stats.places_beyond == 1);
  CHECK(count_issues(r, "unsnapped") == 1);
  bool named = false;
  for (const geo::BuildIssue& i : r.issues) {
    if (i.kind == "unsnapped") named = i.message.find("'Far'") != std::string::npos;
  }
  CHECK(named);
  // Far is kept, isolated; Mid splits its edge (one more node and route).
  const Network& net = r.network;
  CHECK(net.find("Far").has_value());
  CHECK(net.out_arcs(*net.find("Far")).empty());
  CHECK(net.out_arcs(*net.find("Mid")).size() == 3);  // two halves + Twin's connector
  CHECK(net.num_routes() == kH * (kV + 1) + kV * (kH + 1) + 2);
  // Mid's routes start at Mid itself (the 300 m stub is part of the line and the km).
  const Route& route = net.route(net.out_arcs(*net.find("Mid"))[0].route);
  const LonLat mid = net.location(*net.find("Mid")).position;
  CHECK((route.geometry.front() == mid || route.geometry.back() == mid));
  options.keep_unsnapped = false;
  const geo::BuildResult dropped = geo::build_network(input, options);
  CHECK_FALSE(dropped.network.find("Far").has_value());
}

TEST_CASE("a boundary crossing each road once gives one crossing per road", "[build_network]") {
  geo::BuildInput input = grid_input();
  input.borders = two_countries();
  input.borders_label = "test borders";
  const geo::BuildResult r = geo::build_network(input, {});
  // The boundary (lon 0.012) crosses the H horizontal lines, no vertical one.
  CHECK(r.stats.border_crossings == kH);
  CHECK(r.crossings.size() == kH);
  CHECK(count_kind(r.network, LocationKind::kBorderCrossing) == kH);
  CHECK(r.network.num_routes() == kH * (kV + 1) + kV * (kH + 1) + kH);
  std::size_t tagged = 0;
  for (const geo::RouteAttributes& a : r.route_attributes) tagged += a.border == "Alba|Brenia";
  CHECK(tagged == 2 * kH);
  for (const geo::BorderCrossing& c : r.crossings) {
    CHECK(c.country_a == "Alba");
    CHECK(c.country_b == "Brenia");
    CHECK(c.lon == approx(0.012, 1e-12));
    CHECK(r.network.location(c.location).kind == LocationKind::kBorderCrossing);
  }
  // Countries: the place and the junctions from the polygons.
  CHECK(r.network.location(0).country == "Alba");
  for (const Location& l : r.network.locations()) {
    if (l.kind == LocationKind::kTransit) CHECK(l.country == (l.position.lon < 0.012 ? "Alba" : "Brenia"));
  }
  // The exercise's rule: a route is international when its ends' countries differ; exactly
  // one half of each crossed road is.
  std::size_t international = 0;
  for (const Route& route : r.network.routes()) {
    international += r.network.location(route.from).country != r.network.location(route.to).country;
  }
  CHECK(international == kH);
}

TEST_CASE("a border post near a crossing stands for it", "[build_network]") {
  geo::BuildInput input = grid_input();
  input.borders = two_countries();
  input.places.push_back(place("Post", 0.0125, 0.0, LocationKind::kBorderCrossing));  // ~55 m
  geo::BuildOptions options;
  options.border_post_tolerance_m = 200.0;
  const geo::BuildResult r = geo::build_network(input, options);
  CHECK(r.stats.border_crossings == kH);
  CHECK(r.stats.border_posts_used == 1);
  CHECK(count_kind(r.network, LocationKind::kBorderCrossing) == kH);  // 3 new + the post
  const LocationId post = *r.network.find("Post");
  std::size_t via_post = 0;
  for (const geo::BorderCrossing& c : r.crossings) {
    if (!c.post.empty()) {
      CHECK(c.post == "Post");
      CHECK(c.location == post);
      CHECK(c.post_distance_m == approx(55.7, 1.0));
      ++via_post;
    }
  }
  CHECK(via_post == 1);
  CHECK(r.network.location(post).country == "Brenia");
  // The route from the post west into Alba carries the crossing.
  bool tagged = false;
  for (const Arc& arc : r.network.out_arcs(post)) {
    if (r.network.location(arc.target).country == "Alba") {
      tagged = r.route_attributes[arc.route].border == "Alba|Brenia";
    }
  }
  CHECK(tagged);
  options.border_post_tolerance_m = 10.0;  // too far now: a crossing location of its own
  const geo::BuildResult far = geo::build_network(input, options);
  CHECK(far.stats.border_posts_used == 0);
  CHECK(count_kind(far.network, LocationKind::kBorderCrossing) == kH + 1);
}

TEST_CASE("bad coordinates and invalid polygons are repaired or dropped, and reported",
          "[build_network]") {
  geo::BuildInput input;
  input.lines = layer_of({{{0.0, 0.0}, {kNaN, kNaN}, {0.1, 0.0}},  // NaN vertex: repaired
                          {{0.2, 0.2}, {0.2, 0.2}},                 // zero length: dropped
                          {{0.1, 0.0}, {0.2, 0.0}, {0.2, 95.0}}});  // latitude 95: repaired
  input.places = {place("A", 0.0, 0.0), place("B", 0.2, 0.0)};
  input.borders = {{7, "Bow", wkb_of("POLYGON ((-1 -1, 1 1, 1 -1, -1 1, -1 -1))")},
                   {8, "Cut", wkb_of("POLYGON ((5 5, 6 5, 6 6, 5 5))")}};
  input.borders_label = "test borders";
  const geo::BuildResult r = geo::build_network(input, {});
  CHECK(r.stats.repaired_features == 2);
  CHECK(r.stats.dropped_features == 1);
  std::set<std::int64_t> repaired_lines, dropped_lines, repaired_borders;
  for (const geo::BuildIssue& i : r.issues) {
    if (i.layer == "lines" && i.kind == "repaired") repaired_lines.insert(i.feature);
    if (i.layer == "lines" && i.kind == "dropped") dropped_lines.insert(i.feature);
    if (i.layer == "borders" && i.kind == "repaired") {
      repaired_borders.insert(i.feature);
      CHECK_THAT(i.message, contains("GEOSMakeValid") && contains("test borders feature 7"));
    }
  }
  CHECK(repaired_lines == std::set<std::int64_t>{1, 3});
  CHECK(dropped_lines == std::set<std::int64_t>{2});
  CHECK(repaired_borders == std::set<std::int64_t>{7});
  REQUIRE(r.network.num_routes() == 1);
  CHECK(r.network.route(0).distance_km ==
        approx(geo::geodesic_distance_km({0.0, 0.0}, {0.2, 0.0}), kKmTol));
  // The bow-tie's two triangles still place A (-x side) in "Bow".
  CHECK(r.network.location(0).country == "Bow");
}

TEST_CASE("bad options and empty input are clear errors", "[build_network]") {
  geo::BuildOptions options;
  options.snap_tolerance_m = 0.0;
  CHECK_THAT(message_of<InputError>([&] { geo::build_network(grid_input(), options); }),
             contains("snap_tolerance_m"));
  geo::BuildInput no_places = grid_input();
  no_places.places.clear();
  no_places.places_label = "p.gpkg layer 'p'";
  CHECK_THAT(message_of<InputError>([&] { geo::build_network(no_places, {}); }),
             contains("p.gpkg layer 'p'"));
  geo::BuildInput degenerate;
  degenerate.lines = layer_of({{{0.0, 0.0}, {0.0, 0.0}}});
  degenerate.places = {place("A", 0.0, 0.0)};
  CHECK_THAT(message_of<InputError>([&] { geo::build_network(degenerate, {}); }),
             contains("test lines") && contains("no usable line"));
}

// ------------------------------------------------------------------------------------------
// From files

namespace {

struct TempDir : corridor::test::TempDir {
  TempDir() : corridor::test::TempDir("corridor-geo-build") {}
};

std::string feature_collection(const std::string& features, const std::string& crs = {}) {
  std::string text = R"({"type": "FeatureCollection", )";
  if (!crs.empty()) {
    text += R"("crs": {"type": "name", "properties": {"name": ")" + crs + R"("}}, )";
  }
  return text + R"("features": [)" + features + "]}";
}

std::string num(double x) {
  std::ostringstream out;
  out << std::setprecision(17) << x;
  return out.str();
}

std::string line_feature(double x0, double y0, double x1, double y1, const std::string& props) {
  return R"({"type": "Feature", "properties": )" + props +
         R"(, "geometry": {"type": "LineString", "coordinates": [[)" + num(x0) + ", " + num(y0) +
         "], [" + num(x1) + ", " + num(y1) + "]]}}";
}

std::string point_feature(double x, double y, const std::string& name) {
  return R"({"type": "Feature", "properties": {"name": ")" + name +
         R"("}, "geometry": {"type": "Point", "coordinates": [)" + num(x) + ", " + num(y) +
         "]}}";
}

}  // namespace

TEST_CASE("layers from files: modes, classes, speeds, a projected CRS", "[build_network]") {
  const TempDir dir;
  // A cross in EPSG:3857: a road (speed 60) and a ferry by class.
  const std::string lines = dir.write(
      "lines.geojson",
      feature_collection(line_feature(0, 0, 20000, 0, R"({"speed": 60, "highway": "primary"})") +
                             ", " +
                             line_feature(10000, -10000, 10000, 10000,
                                          R"({"speed": null, "highway": "ferry"})"),
                         "urn:ogc:def:crs:EPSG::3857"));
  const std::string places = dir.write(
      "places.geojson", feature_collection(point_feature(0.0, 0.0, "Origin") + ", " +
                                           point_feature(0.08983152841195214, 0.0, "Dock")));
  geo::ReadBuildOptions read;
  read.class_field = "highway";
  const geo::BuildResult r = geo::build_network(lines, places, "", read, {});
  CHECK(r.stats.crossings == 1);
  CHECK(r.network.num_routes() == 4);
  std::size_t sea = 0;
  for (RouteId id = 0; id < r.network.num_routes(); ++id) {
    const Route& route = r.network.route(id);
    sea += route.mode == Mode::kSea;
    for (const LonLat& p : route.geometry) CHECK(std::abs(p.lon) < 0.2);  // reprojected
    if (route.mode == Mode::kRoad) {
      CHECK(r.route_attributes[id].speed_km_h == approx(60.0, 1e-12));
      CHECK(r.route_attributes[id].road_class == "primary");
    } else {
      CHECK(std::isnan(r.route_attributes[id].speed_km_h));
    }
  }
  CHECK(sea == 2);
  // 20 km of EPSG:3857 x at the equator is 20 km on the ground (to the projection's scale).
  double road_km = 0.0;
  for (const Route& route : r.network.routes()) road_km += route.mode == Mode::kRoad ? route.distance_km : 0.0;
  CHECK(road_km == approx(geo::geodesic_distance_km({0.0, 0.0}, {0.1796630568, 0.0}), 1e-6));
}

TEST_CASE("bad layers name the file, layer, feature and field", "[build_network]") {
  const TempDir dir;
  const std::string places = dir.write("places.geojson",
                                       feature_collection(point_feature(0.0, 0.0, "A")));
  const std::string empty = dir.write("empty.geojson", feature_collection(""));
  CHECK_THAT(message_of<InputError>([&] { geo::read_build_input(empty, places, "", {}); }),
             contains("empty.geojson layer 'empty'") && contains("no features"));
  // No CRS, coordinates that are not lon/lat.
  const std::string no_crs = dir.write(
      "nocrs.csv", "WKT,mode\n\"LINESTRING (500000 4000000, 500100 4000000)\",road\n");
  CHECK_THAT(message_of<CrsError>([&] { geo::read_build_input(no_crs, places, "", {}); }),
             contains("nocrs.csv layer 'nocrs'") && contains("give the layer a CRS"));
  // An unknown mode names the feature and the field.
  const std::string bad_mode = dir.write(
      "badmode.geojson", feature_collection(line_feature(0, 0, 1, 0, R"({"mode": "hovercraft"})")));
  CHECK_THAT(message_of<InputError>([&] { geo::read_build_input(bad_mode, places, "", {}); }),
             contains("badmode.geojson layer 'badmode' feature 0") && contains("field 'mode'") &&
                 contains("hovercraft"));
  // A point in the lines layer is dropped and reported; a polygon layer without the country field
  // is an error naming the field.
  const std::string mixed = dir.write(
      "mixed.geojson",
      feature_collection(line_feature(0, 0, 1, 0, "{}") + ", " + point_feature(0.5, 0.5, "x")));
  const geo::BuildInput input = geo::read_build_input(mixed, places, "", {});
  REQUIRE(input.issues.size() == 1);
  CHECK(input.issues[0].kind == "dropped");
  CHECK_THAT(input.issues[0].message, contains("feature 1") && contains("Point"));
  const std::string countries = dir.write(
      "countries.geojson",
      feature_collection(R"({"type": "Feature", "properties": {"admin": "X"}, "geometry": )"
                         R"({"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}})"));
  CHECK_THAT(message_of<InputError>([&] { geo::read_build_input(mixed, places, countries, {}); }),
             contains("countries.geojson layer 'countries'") && contains("'name'") &&
                 contains("admin"));
}

TEST_CASE("write_build adds the route fields and the build_report layer", "[build_network]") {
  const TempDir dir;
  geo::BuildInput input = grid_input();
  input.places.push_back(place("Far", 0.5, 0.5));
  input.borders = two_countries();
  const geo::BuildResult r = geo::build_network(input, {});
  const std::vector<std::string> written =
      geo::write_build(r.network, r.route_attributes, r.issues, dir / "out.gpkg");
  REQUIRE(written.size() == 1);
  CHECK_FALSE(dir.has_temporaries());
  GDALDatasetH ds = GDALOpenEx(written[0].c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr);
  REQUIRE(ds != nullptr);
  OGRLayerH routes = GDALDatasetGetLayerByName(ds, "routes");
  OGRLayerH report = GDALDatasetGetLayerByName(ds, "build_report");
  REQUIRE(routes != nullptr);
  REQUIRE(report != nullptr);
  CHECK(OGR_L_GetFeatureCount(routes, TRUE) == static_cast<GIntBig>(r.network.num_routes()));
  CHECK(OGR_L_GetFeatureCount(report, TRUE) == static_cast<GIntBig>(r.issues.size()));
  CHECK(OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(routes), "border") >= 0);
  CHECK(OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(routes), "speed_km_h") >= 0);
  GDALClose(ds);
}
