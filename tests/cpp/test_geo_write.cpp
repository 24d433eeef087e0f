// Writing networks (corridor::geo::write_network) and atomic output files (AtomicOutput):
// round trips per driver, read back with our reader and with raw OGR; reprojection; and that a
// failed write leaves the previous file and no temporaries.
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include "catch.hpp"
#include "temp_dir.hpp"
#include "corridor/error.hpp"
#include "corridor/geo/atomic_file.hpp"
#include "corridor/geo/gdal_messages.hpp"
#include "corridor/geo/geodesic.hpp"
#include "corridor/geo/read.hpp"
#include "corridor/geo/write.hpp"

using namespace corridor;
using corridor::test::approx;
using corridor::test::contains;
using corridor::test::message_of;
namespace fs = std::filesystem;

namespace {

const std::string kTiny = std::string(CORRIDOR_TEST_DATA) + "/tiny";
constexpr double kDegreeTol = 1e-7;

struct TempDir : corridor::test::TempDir {
  TempDir() : corridor::test::TempDir("corridor-geo-write") {}
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Network tiny() { return geo::read_network(kTiny + "/locations.csv", kTiny + "/routes.csv"); }

/// The tiny network plus a directed route with its own (bent) geometry.
Network tiny_with_geometry() {
  NetworkBuilder builder;
  const Network base = tiny();
  for (const Location& location : base.locations()) builder.add_location(location);
  for (const Route& route : base.routes()) builder.add_route(route);
  Route bent;
  bent.from = *base.find("Delta");
  bent.to = *base.find("Echo");
  bent.geometry = {{1.0, 1.0}, {2.0, 1.5}, {3.0, 0.0}};
  bent.distance_km = geo::polyline_length_km(bent.geometry);
  bent.directed = true;
  bent.mode = Mode::kRiver;
  bent.capacity_per_day = 75.0;
  builder.add_route(bent);
  return builder.build();
}

void check_same_amount(double read, double written) {
  if (std::isinf(written)) {
    CHECK(std::isinf(read));
  } else {
    CHECK(read == approx(written, 1e-9, 1e-12));
  }
}

/// The route of `network` from `from` to `to` (by name).
const Route& route_between(const Network& network, const std::string& from,
                           const std::string& to) {
  for (const Route& route : network.routes()) {
    if (network.location(route.from).name == from && network.location(route.to).name == to) {
      return route;
    }
  }
  FAIL("no route " << from << " - " << to);
  return network.routes().front();
}

/// `read` equals `written` up to coordinate precision; route lines are checked when
/// `with_lines`. Locations and routes are matched by name, and their order is checked when
/// `same_order` (every writer keeps it today; a spatially sorted format would not).
void check_same_network(const Network& read, const Network& written, bool with_lines,
                        double densify_km, bool same_order = true) {
  REQUIRE(read.num_locations() == written.num_locations());
  REQUIRE(read.num_routes() == written.num_routes());
  for (std::size_t i = 0; i < written.num_locations(); ++i) {
    const Location& b = written.locations()[i];
    if (same_order) CHECK(read.locations()[i].name == b.name);
    REQUIRE(read.find(b.name));
    const Location& a = read.location(*read.find(b.name));
    CAPTURE(b.name);
    CHECK(a.name == b.name);
    CHECK(a.country == b.country);
    CHECK(a.region == b.region);
    CHECK(a.kind == b.kind);
    CHECK(a.position.lon == approx(b.position.lon, kDegreeTol, 0.0));
    CHECK(a.position.lat == approx(b.position.lat, kDegreeTol, 0.0));
    check_same_amount(a.population, b.population);
    check_same_amount(a.capacity, b.capacity);
    check_same_amount(a.screening_per_day, b.screening_per_day);
  }
  for (std::size_t i = 0; i < written.num_routes(); ++i) {
    const Route& b = written.routes()[i];
    const std::string& from_name = written.location(b.from).name;
    const std::string& to_name = written.location(b.to).name;
    CAPTURE(i, from_name, to_name);
    if (same_order) {
      CHECK(read.location(read.routes()[i].from).name == from_name);
      CHECK(read.location(read.routes()[i].to).name == to_name);
    }
    const Route& a = route_between(read, from_name, to_name);
    CHECK(a.distance_km == approx(b.distance_km, 1e-9, 1e-12));
    CHECK(a.mode == b.mode);
    check_same_amount(a.capacity_per_day, b.capacity_per_day);
    CHECK(a.closed == b.closed);
    CHECK(a.directed == b.directed);
    if (!with_lines) continue;
    // The written line: densified, from the 'from' location to the 'to' location.
    REQUIRE(a.geometry.size() >= 2);
    const LonLat from = written.location(b.from).position;
    const LonLat to = written.location(b.to).position;
    CHECK(a.geometry.front().lon == approx(from.lon, kDegreeTol, 0.0));
    CHECK(a.geometry.front().lat == approx(from.lat, kDegreeTol, 0.0));
    CHECK(a.geometry.back().lon == approx(to.lon, kDegreeTol, 0.0));
    CHECK(a.geometry.back().lat == approx(to.lat, kDegreeTol, 0.0));
    for (std::size_t k = 1; k < a.geometry.size(); ++k) {
      CHECK(geo::geodesic_distance_km(a.geometry[k - 1], a.geometry[k]) <= densify_km + 1e-3);
    }
    const double length = b.geometry.empty()
                              ? geo::geodesic_distance_km(from, to)
                              : geo::polyline_length_km(b.geometry);
    CHECK(geo::polyline_length_km(a.geometry) == approx(length, 1e-3, 0.0));  // 1 m
  }
}

struct RawLayer {
  GDALDataset* dataset = nullptr;
  OGRLayer* layer = nullptr;
  RawLayer(const std::string& path, const char* name) {
    GDALAllRegister();
    dataset = GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY);
    REQUIRE(dataset != nullptr);
    layer = name != nullptr ? dataset->GetLayerByName(name) : dataset->GetLayer(0);
    REQUIRE(layer != nullptr);
  }
  ~RawLayer() { GDALClose(dataset); }
  RawLayer(const RawLayer&) = delete;
  RawLayer& operator=(const RawLayer&) = delete;
};

/// Checks the written layers with raw OGR, independently of our reader.
void check_raw(const std::string& locations_path, const char* locations_layer,
               const std::string& routes_path, const char* routes_layer, const Network& written,
               bool csv, const char* distance_field) {
  {
    RawLayer raw(locations_path, locations_layer);
    CHECK(raw.layer->GetFeatureCount() == static_cast<GIntBig>(written.num_locations()));
    raw.layer->ResetReading();
    for (auto& feature : *raw.layer) {
      const auto id = written.find(feature->GetFieldAsString("name"));
      REQUIRE(id);
      const Location& location = written.location(*id);
      CHECK(std::string(feature->GetFieldAsString("kind")) == to_string(location.kind));
      double lon = 0.0;
      double lat = 0.0;
      if (csv) {
        lon = feature->GetFieldAsDouble("lon");
        lat = feature->GetFieldAsDouble("lat");
      } else {
        const OGRGeometry* geometry = feature->GetGeometryRef();
        REQUIRE(geometry != nullptr);
        REQUIRE(wkbFlatten(geometry->getGeometryType()) == wkbPoint);
        lon = geometry->toPoint()->getX();
        lat = geometry->toPoint()->getY();
      }
      CHECK(lon == approx(location.position.lon, kDegreeTol, 0.0));
      CHECK(lat == approx(location.position.lat, kDegreeTol, 0.0));
      const int capacity = feature->GetFieldIndex("capacity");
      if (std::isinf(location.capacity)) {
        // NULL; in a CSV, an empty cell (OGR reads CSV cells as strings)
        CHECK((!feature->IsFieldSetAndNotNull(capacity) ||
               (csv && std::string(feature->GetFieldAsString(capacity)).empty())));
      } else {
        CHECK(feature->GetFieldAsDouble(capacity) == location.capacity);
      }
    }
  }
  RawLayer raw(routes_path, routes_layer);
  CHECK(raw.layer->GetFeatureCount() == static_cast<GIntBig>(written.num_routes()));
  raw.layer->ResetReading();
  for (auto& feature : *raw.layer) {
    const int i = feature->GetFieldAsInteger("id");
    REQUIRE(i >= 0);
    REQUIRE(static_cast<std::size_t>(i) < written.num_routes());
    const Route& route = written.routes()[static_cast<std::size_t>(i)];
    CHECK(std::string(feature->GetFieldAsString("from")) == written.location(route.from).name);
    CHECK(std::string(feature->GetFieldAsString("to")) == written.location(route.to).name);
    CHECK(feature->GetFieldAsDouble(distance_field) == approx(route.distance_km, 1e-9, 1e-12));
    CHECK(feature->GetFieldAsInteger("closed") == (route.closed ? 1 : 0));
    CHECK(feature->GetFieldAsInteger("directed") == (route.directed ? 1 : 0));
    const OGRGeometry* geometry = feature->GetGeometryRef();
    REQUIRE(geometry != nullptr);
    REQUIRE(wkbFlatten(geometry->getGeometryType()) == wkbLineString);
    const OGRLineString* line = geometry->toLineString();
    const LonLat from = written.location(route.from).position;
    CHECK(line->getX(0) == approx(from.lon, kDegreeTol, 0.0));
    CHECK(line->getY(0) == approx(from.lat, kDegreeTol, 0.0));
  }
}

}  // namespace

TEST_CASE("driver_for_path maps extensions", "[geo][write]") {
  CHECK(geo::driver_for_path("a/b.gpkg") == "GPKG");
  CHECK(geo::driver_for_path("b.GeoJSON") == "GeoJSON");
  CHECK(geo::driver_for_path("b.json") == "GeoJSON");
  CHECK(geo::driver_for_path("b.fgb") == "FlatGeobuf");
  CHECK(geo::driver_for_path("b.SHP") == "ESRI Shapefile");
  CHECK(geo::driver_for_path("b.csv") == "CSV");
  CHECK_THAT(message_of<IoError>([] { geo::driver_for_path("out.xyz"); }),
             contains("out.xyz") && contains(".gpkg"));
  CHECK_THROWS_AS(geo::driver_for_path("noextension"), IoError);
}

TEST_CASE("round trip through each driver", "[geo][write]") {
  TempDir dir;
  const Network network = tiny_with_geometry();
  geo::WriteOptions options;
  options.densify_km = 20.0;

  SECTION("GeoPackage: one file, two layers") {
    const std::string path = dir / "net.gpkg";
    const auto written = geo::write_network(network, path, options);
    REQUIRE(written == std::vector<std::string>{path});
    CHECK(dir.files() == std::set<std::string>{"net.gpkg"});
    check_same_network(geo::read_network(path, path), network, true, options.densify_km);
    check_raw(path, "locations", path, "routes", network, false, "distance_km");
  }
  SECTION("GeoJSON (RFC 7946): two files") {
    const std::string path = dir / "net.geojson";
    const auto written = geo::write_network(network, path, options);
    REQUIRE(written == std::vector<std::string>{dir / "net_locations.geojson",
                                                dir / "net_routes.geojson"});
    CHECK(dir.files() ==
          std::set<std::string>{"net_locations.geojson", "net_routes.geojson"});
    check_same_network(geo::read_network(written[0], written[1]), network, true,
                       options.densify_km);
    check_raw(written[0], nullptr, written[1], nullptr, network, false, "distance_km");
    CHECK_THAT(slurp(written[0]), !contains("\"crs\""));  // RFC 7946 has no crs member
  }
  SECTION("FlatGeobuf") {
    const auto written = geo::write_network(network, dir / "net.fgb", options);
    REQUIRE(written.size() == 2);
    CHECK(dir.files() == std::set<std::string>{"net_locations.fgb", "net_routes.fgb"});
    check_same_network(geo::read_network(written[0], written[1]), network, true,
                       options.densify_km);
    check_raw(written[0], nullptr, written[1], nullptr, network, false, "distance_km");
  }
  SECTION("Shapefile: short field names, sidecars") {
    geo::take_warnings();
    const auto written = geo::write_network(network, dir / "net.shp", options);
    REQUIRE(written == std::vector<std::string>{dir / "net_locations.shp",
                                                dir / "net_routes.shp"});
    const std::set<std::string> files = dir.files();
    for (const char* name : {"net_locations.shp", "net_locations.shx", "net_locations.dbf",
                             "net_locations.prj", "net_locations.cpg", "net_routes.shp",
                             "net_routes.dbf"}) {
      CHECK(files.count(name) == 1);
    }
    CHECK_FALSE(dir.has_temporaries());
    check_same_network(geo::read_network(written[0], written[1]), network, true,
                       options.densify_km);
    check_raw(written[0], nullptr, written[1], nullptr, network, false, "dist_km");
    RawLayer raw(written[1], nullptr);
    const OGRFeatureDefn* defn = raw.layer->GetLayerDefn();
    CHECK(defn->GetFieldIndex("cap_day") >= 0);
    CHECK(defn->GetFieldIndex("directed") >= 0);
    CHECK(geo::take_warnings().empty());  // our short names need no laundering
  }
  SECTION("CSV: our columns, WKT lines") {
    const auto written = geo::write_network(network, dir / "net.csv", options);
    REQUIRE(written.size() == 2);
    check_same_network(geo::read_network(written[0], written[1]), network, false,
                       options.densify_km);
    check_raw(written[0], nullptr, written[1], nullptr, network, true, "distance_km");
    const std::string header = slurp(written[0]).substr(0, slurp(written[0]).find('\n'));
    CHECK(header == "name,country,region,lat,lon,kind,population,capacity,screening_per_day");
    const std::string routes = slurp(written[1]);
    CHECK(routes.substr(0, routes.find('\n')) ==
          "WKT,id,from,to,distance_km,mode,capacity_per_day,closed,directed");
    CHECK_THAT(routes, contains("LINESTRING ("));
  }
  CHECK_FALSE(dir.has_temporaries());
}

TEST_CASE("reprojection: EPSG:3857 coordinates, read back as lon/lat", "[geo][write]") {
  TempDir dir;
  const Network network = tiny();
  geo::WriteOptions options;
  options.crs = "EPSG:3857";
  // Foxtrot is at (10, 10): spherical Mercator x = R lon, y = R ln tan(pi/4 + lat/2).
  const double x = 1113194.9079327357;
  const double y = 1118889.9748579597;

  SECTION("GeoPackage") {
    const std::string path = dir / "merc.gpkg";
    geo::write_network(network, path, options);
    {
      RawLayer raw(path, "locations");
      const OGRSpatialReference* srs = raw.layer->GetSpatialRef();
      REQUIRE(srs != nullptr);
      CHECK(std::string(srs->GetAuthorityCode(nullptr)) == "3857");
      bool found = false;
      for (auto& feature : *raw.layer) {
        if (std::string(feature->GetFieldAsString("name")) != "Foxtrot") continue;
        found = true;
        const OGRPoint* point = feature->GetGeometryRef()->toPoint();
        CHECK(point->getX() == approx(x, 1e-3, 0.0));  // 1 mm
        CHECK(point->getY() == approx(y, 1e-3, 0.0));
      }
      CHECK(found);
    }
    check_same_network(geo::read_network(path, path), network, true, options.densify_km);
  }
  SECTION("GeoJSON carries a crs member") {
    const auto written = geo::write_network(network, dir / "merc.geojson", options);
    CHECK_THAT(slurp(written[0]), contains("\"crs\"") && contains("3857"));
    CHECK_THAT(slurp(written[0]), contains("1113194.908"));
    check_same_network(geo::read_network(written[0], written[1]), network, true,
                       options.densify_km);
  }
}

TEST_CASE("a route across the antimeridian survives every format", "[geo][write]") {
  TempDir dir;
  NetworkBuilder builder;
  Location fiji;
  fiji.name = "Fiji";
  fiji.position = {179.5, -17.0};
  builder.add_location(fiji);
  Location samoa;
  samoa.name = "Samoa";
  samoa.position = {-172.0, -13.8};
  builder.add_location(samoa);
  Route route;
  route.from = 0;
  route.to = 1;
  route.distance_km = geo::geodesic_distance_km(fiji.position, samoa.position);
  builder.add_route(route);
  const Network network = builder.build();
  for (const char* ext : {".gpkg", ".geojson", ".fgb", ".shp"}) {
    CAPTURE(ext);
    const auto written = geo::write_network(network, dir / (std::string("pacific") + ext));
    const Network back = geo::read_network(written.front(), written.back());
    const std::vector<LonLat>& line = back.route(0).geometry;
    REQUIRE(line.size() >= 2);
    CHECK(line.front().lon == approx(179.5, kDegreeTol, 0.0));
    CHECK(line.back().lon == approx(-172.0, kDegreeTol, 0.0));
    // The short way round (RFC 7946 GeoJSON splits the line at 180 degrees; it is joined).
    CHECK(geo::polyline_length_km(line) == approx(route.distance_km, 1e-3, 0.0));
  }
}

TEST_CASE("failed writes leave the previous file and no temporaries", "[geo][write]") {
  TempDir dir;
  const Network network = tiny();
  const std::string path = dir / "net.gpkg";
  geo::write_network(network, path);
  const std::string before = slurp(path);
  REQUIRE_FALSE(before.empty());

  SECTION("unknown CRS") {
    geo::WriteOptions options;
    options.crs = "EPSG:99999999";
    CHECK_THAT(message_of<CrsError>([&] { geo::write_network(network, path, options); }),
               contains("EPSG:99999999"));
  }
  SECTION("a transformation that fails half-way through the file") {
    // An orthographic view centred on the far side of the Earth cannot show the network.
    geo::WriteOptions options;
    options.crs = "+proj=ortho +lat_0=0 +lon_0=180 +datum=WGS84 +units=m +no_defs";
    CHECK_THROWS_AS(geo::write_network(network, path, options), CrsError);
  }
  SECTION("densification that cannot be done, after the locations were written") {
    geo::WriteOptions options;
    options.densify_km = 1e-9;
    CHECK_THROWS_AS(geo::write_network(network, path, options), InputError);
  }
  SECTION("a folder that does not exist") {
    const std::string nowhere = dir / "no/such/folder/net.gpkg";
    CHECK_THAT(message_of<IoError>([&] { geo::write_network(network, nowhere); }),
               contains(nowhere));
  }
  SECTION("a folder we may not write to") {
    if (::geteuid() == 0) {
      WARN("skipped: permissions do not apply to root");
      return;
    }
    fs::permissions(dir.path, fs::perms::owner_write | fs::perms::group_write |
                                  fs::perms::others_write,
                    fs::perm_options::remove);
    CHECK_THROWS_AS(geo::write_network(network, path), IoError);
    fs::permissions(dir.path, fs::perms::owner_all, fs::perm_options::add);
  }
  SECTION("an unknown driver") {
    geo::WriteOptions options;
    options.driver = "NoSuchDriver";
    CHECK_THROWS_AS(geo::write_network(network, path, options), IoError);
  }
  CHECK(slurp(path) == before);
  CHECK(dir.files() == std::set<std::string>{"net.gpkg"});
}

TEST_CASE("a write that fails half-way keeps the previous files in every format",
          "[geo][write]") {
  const Network network = tiny();
  for (const char* ext : {".gpkg", ".geojson", ".fgb", ".shp", ".csv"}) {
    CAPTURE(ext);
    TempDir dir;
    const std::string path = dir / (std::string("net") + ext);
    const std::vector<std::string> written = geo::write_network(network, path);
    const std::set<std::string> files = dir.files();
    std::vector<std::string> before;
    for (const std::string& file : written) before.push_back(slurp(file));
    geo::WriteOptions options;
    options.densify_km = 1e-9;  // fails on the first route, after the locations were written
    CHECK_THROWS_AS(geo::write_network(network, path, options), InputError);
    options.densify_km = 25.0;
    options.crs = "+proj=ortho +lat_0=0 +lon_0=180 +datum=WGS84 +units=m +no_defs";
    CHECK_THROWS_AS(geo::write_network(network, path, options), CrsError);
    CHECK(dir.files() == files);
    for (std::size_t i = 0; i < written.size(); ++i) CHECK(slurp(written[i]) == before[i]);
  }
}

TEST_CASE("rewriting a Shapefile replaces every sidecar", "[geo][write]") {
  TempDir dir;
  const std::string path = dir / "net.shp";
  geo::write_network(tiny(), path);
  // A stale spatial index from some other tool would describe the old file: it must go.
  std::ofstream(dir / "net_routes.qix") << "stale";
  const Network smaller = geo::read_network(kTiny + "/locations.csv", kTiny + "/routes.csv");
  NetworkBuilder builder;
  for (const Location& location : smaller.locations()) builder.add_location(location);
  builder.add_route(smaller.routes()[0]);
  const Network one_route = builder.build();
  const auto written = geo::write_network(one_route, path);
  CHECK_FALSE(fs::exists(dir / "net_routes.qix"));
  CHECK_FALSE(dir.has_temporaries());
  CHECK(geo::read_routes(written[1]).size() == 1);
  RawLayer raw(written[1], nullptr);
  CHECK(raw.layer->GetFeatureCount() == 1);
}

TEST_CASE("AtomicOutput: hidden temporaries, commit, discard, sidecars", "[geo][atomic]") {
  TempDir dir;
  const std::string target = dir / "out.gpkg";

  SECTION("temporary name") {
    geo::AtomicOutput output;
    const fs::path temp = output.add(target);
    CHECK(temp.parent_path() == dir.path);
    CHECK(temp.extension() == ".gpkg");
    CHECK(temp.filename().string().rfind(".out.tmp-", 0) == 0);
    CHECK_THROWS_AS(output.add(target), IoError);  // the same target twice
  }
  SECTION("commit renames over an existing target; the destructor leaves it") {
    std::ofstream(target) << "old";
    {
      geo::AtomicOutput output;
      const std::string temp = output.add(target);
      std::ofstream(temp) << "new";
      CHECK(output.commit() == std::vector<std::string>{target});
    }
    CHECK(slurp(target) == "new");
    CHECK(dir.files() == std::set<std::string>{"out.gpkg"});
  }
  SECTION("not committed: removed, with journals; the target is untouched") {
    std::ofstream(target) << "old";
    {
      geo::AtomicOutput output;
      const std::string temp = output.add(target);
      std::ofstream(temp) << "half";
      std::ofstream(temp + "-journal") << "j";
    }
    CHECK(slurp(target) == "old");
    CHECK(dir.files() == std::set<std::string>{"out.gpkg"});
  }
  SECTION("commit fails if a temporary was never written") {
    geo::AtomicOutput output;
    output.add(target);
    CHECK_THROWS_AS(output.commit(), IoError);
  }
  SECTION("Shapefile sidecars travel; a GeoPackage never touches a .dbf") {
    std::ofstream(dir / "out.dbf") << "unrelated";
    {
      geo::AtomicOutput output;
      std::ofstream(output.add(target)) << "gpkg";
      output.commit();
    }
    CHECK(slurp(dir / "out.dbf") == "unrelated");
    const std::string shp = dir / "roads.shp";
    std::ofstream(dir / "roads.shp") << "old shp";
    std::ofstream(dir / "roads.prj") << "old prj";
    std::ofstream(dir / "roads.cpg") << "old cpg";
    {
      geo::AtomicOutput output;
      const fs::path temp = output.add(shp);
      std::ofstream(temp) << "new shp";
      std::ofstream(fs::path(temp).replace_extension(".shx")) << "new shx";
      std::ofstream(fs::path(temp).replace_extension(".dbf")) << "new dbf";
      std::ofstream(fs::path(temp).replace_extension(".prj")) << "new prj";
      output.commit();
    }
    CHECK(slurp(shp) == "new shp");
    CHECK(slurp(dir / "roads.shx") == "new shx");
    CHECK(slurp(dir / "roads.dbf") == "new dbf");
    CHECK(slurp(dir / "roads.prj") == "new prj");
    CHECK_FALSE(fs::exists(dir / "roads.cpg"));  // stale: the new file has none
    CHECK_FALSE(dir.has_temporaries());
  }
  SECTION("discarded Shapefile temporaries take their sidecars along") {
    const std::string shp = dir / "roads.shp";
    geo::AtomicOutput output;
    const fs::path temp = output.add(shp);
    std::ofstream(temp) << "shp";
    std::ofstream(fs::path(temp).replace_extension(".dbf")) << "dbf";
    output.discard();
    CHECK(dir.files().empty());
  }
}

TEST_CASE("GDAL warnings are kept per thread until taken", "[geo][write]") {
  TempDir dir;
  geo::take_warnings();  // start clean
  // A DBF string field holds at most 254 bytes: GDAL warns that it truncates the name.
  NetworkBuilder builder;
  Location a;
  a.name = std::string(300, 'x');
  a.position = {1.0, 2.0};
  builder.add_location(a);
  Location b;
  b.name = "short";
  b.position = {1.5, 2.0};
  builder.add_location(b);
  Route r;
  r.from = 0;
  r.to = 1;
  r.distance_km = 10.0;
  builder.add_route(r);
  geo::write_network(builder.build(), dir / "long.shp");
  const std::vector<std::string> warnings = geo::take_warnings();
  REQUIRE_FALSE(warnings.empty());
  CHECK_THAT(warnings.front(), contains("writing '" + dir / "long.shp" + "'"));
  CHECK(geo::take_warnings().empty());  // taken

  std::vector<std::string> other_thread = {"not run"};
  std::thread([&] { other_thread = geo::take_warnings(); }).join();
  CHECK(other_thread.empty());
}
