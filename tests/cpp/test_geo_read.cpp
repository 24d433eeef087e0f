// Reading networks: corridor CSV, Flee CSV and OGR layers (corridor::geo::read_*).
// Every bad input must raise the right error type with the file, the line or feature, and the
// field in its message.
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include "catch.hpp"
#include "temp_dir.hpp"
#include "corridor/error.hpp"
#include "corridor/geo/geodesic.hpp"
#include "corridor/geo/read.hpp"

using namespace corridor;
using corridor::test::approx;
using corridor::test::contains;
using corridor::test::message_of;
namespace fs = std::filesystem;

namespace {

const std::string kData = CORRIDOR_TEST_DATA;
const std::string kTiny = kData + "/tiny";
constexpr double kDegreeTol = 1e-9;

struct TempDir : corridor::test::TempDir {
  TempDir() : corridor::test::TempDir("corridor-geo-read") {}
};

const Location& by_name(const std::vector<Location>& locations, const std::string& name) {
  for (const Location& location : locations) {
    if (location.name == name) return location;
  }
  FAIL("no location " << name);
  return locations.front();
}

constexpr const char* kHeader = "name,lat,lon,country,region,kind,population,capacity\n";

std::string locations_error(const TempDir& dir, const std::string& body) {
  const std::string path = dir.write("locations.csv", std::string(kHeader) + body);
  return message_of<InputError>([&] { geo::read_locations(path); });
}

std::string routes_error(const TempDir& dir, const std::string& text) {
  const std::string path = dir.write("routes.csv", text);
  return message_of<InputError>([&] { geo::read_routes(path); });
}

}  // namespace

// ------------------------------------------------------------------------------------------
// corridor CSV

TEST_CASE("tiny CSV network reads with quoted names, defaults and NaN distances",
          "[geo][read]") {
  const std::vector<Location> locations = geo::read_locations(kTiny + "/locations.csv");
  REQUIRE(locations.size() == 7);
  CHECK(locations[0].name == "Alpha");
  CHECK(locations[0].kind == LocationKind::kConflictZone);
  CHECK(locations[0].population == 1000.0);
  CHECK(std::isinf(locations[0].capacity));
  CHECK(std::isinf(locations[0].screening_per_day));
  const Location& delta = by_name(locations, "Delta");
  CHECK(delta.kind == LocationKind::kCamp);
  CHECK(delta.capacity == 500.0);
  CHECK(delta.position == LonLat{1.0, 1.0});
  const Location& echo = by_name(locations, "Echo");
  CHECK(echo.screening_per_day == 150.0);
  CHECK(echo.country == "Haven");
  CHECK(echo.region == "Coast");
  const Location& golf = by_name(locations, "Golf, upper");
  CHECK(golf.kind == LocationKind::kTransit);
  CHECK(golf.region.empty());

  const std::vector<geo::RouteRecord> routes = geo::read_routes(kTiny + "/routes.csv");
  REQUIRE(routes.size() == 8);
  CHECK(routes[0].from == "Alpha");
  CHECK(routes[0].to == "Bravo");
  CHECK(routes[0].route.distance_km == 120.0);
  CHECK(routes[4].route.mode == Mode::kFoot);
  CHECK(routes[4].route.capacity_per_day == 800.0);
  CHECK(routes[6].route.closed);
  CHECK_FALSE(routes[1].route.closed);
  CHECK(routes[7].to == "Golf, upper");
  CHECK(std::isnan(routes[7].route.distance_km));
  CHECK_THAT(routes[7].where, contains("routes.csv line 9"));

  const Network network = geo::read_network(kTiny + "/locations.csv", kTiny + "/routes.csv");
  CHECK(network.num_locations() == 7);
  CHECK(network.num_routes() == 8);
  const Route& measured = network.route(7);
  CHECK(measured.distance_km ==
        approx(geo::geodesic_distance_km({10.0, 10.0}, {10.5, 10.0}), 1e-9, 0.0));
}

TEST_CASE("CSV: BOM, CRLF, blank lines, multi-line quotes, aliases and extra columns",
          "[geo][read]") {
  TempDir dir;
  const std::string path = dir.write(
      "places.csv",
      "\xEF\xBB\xBF Name ,Latitude,LONGITUDE,notes,Kind\r\n"
      "\r\n"
      "  A  , 1.5 ,2.5,\"free text, with comma\",camp\r\n"
      "B,-3,4,\"two\nlines\",\r\n"
      "   \r\n"
      "C,+7,8e0,,TOWN\r\n");
  const std::vector<Location> locations = geo::read_locations(path);
  REQUIRE(locations.size() == 3);
  CHECK(locations[0].name == "A");
  CHECK(locations[0].position == LonLat{2.5, 1.5});
  CHECK(locations[0].kind == LocationKind::kCamp);
  CHECK(locations[1].kind == LocationKind::kTown);  // empty kind
  CHECK(locations[2].position == LonLat{8.0, 7.0});

  // Line numbers count physical lines: blank ones and both lines of the quoted field.
  const std::string bad = dir.write("bad.csv",
                                    "name,lat,lon\n"
                                    "\n"
                                    "A,1,\"2\"\n"
                                    "\"B\nstill B\",3,4\n"
                                    "\n"
                                    "C,95.2,6\n");
  CHECK_THAT(message_of<InputError>([&] { geo::read_locations(bad); }),
             contains(bad + " line 7, field 'lat': 95.2 is out of range [-90, 90]"));
}

TEST_CASE("CSV locations: each bad value names file, line and field", "[geo][read]") {
  TempDir dir;
  const std::string file = dir / "locations.csv";

  SECTION("missing column") {
    const std::string path = dir.write("locations.csv", "name,lon,kind\nA,1,town\n");
    CHECK_THAT(message_of<InputError>([&] { geo::read_locations(path); }),
               contains(path + ": missing column 'lat' (header has: name, lon, kind)"));
  }
  SECTION("latitude out of range") {
    CHECK_THAT(locations_error(dir, "A,1,2,,,,,\nB,95.2,3,,,,,\n"),
               contains(file + " line 3, field 'lat': 95.2 is out of range [-90, 90]"));
  }
  SECTION("longitude out of range") {
    CHECK_THAT(locations_error(dir, "A,1,-181,,,,,\n"),
               contains(file + " line 2, field 'lon': -181 is out of range [-180, 180]"));
  }
  SECTION("NaN and infinite coordinates") {
    CHECK_THAT(locations_error(dir, "A,nan,2,,,,,\n"),
               contains(file + " line 2, field 'lat': 'nan' is not a number"));
    CHECK_THAT(locations_error(dir, "A,1,inf,,,,,\n"),
               contains(file + " line 2, field 'lon': 'inf' is not a finite number"));
  }
  SECTION("missing coordinate") {
    CHECK_THAT(locations_error(dir, "A,,2,,,,,\n"),
               contains(file + " line 2, field 'lat': missing value"));
  }
  SECTION("numbers are parsed strictly") {
    CHECK_THAT(locations_error(dir, "A,1,2,,,town,12abc,\n"),
               contains(file + " line 2, field 'population': '12abc' is not a number"));
    CHECK_THAT(locations_error(dir, "A,1,2,,,town,,\"1,5\"\n"),
               contains(file + " line 2, field 'capacity': '1,5' is not a number"));
    CHECK_THAT(locations_error(dir, "A,1 2,2,,,,,\n"),
               contains(file + " line 2, field 'lat': '1 2' is not a number"));
  }
  SECTION("negative amounts") {
    CHECK_THAT(locations_error(dir, "A,1,2,,,town,-5,\n"),
               contains(file + " line 2, field 'population': -5 is negative"));
    CHECK_THAT(locations_error(dir, "A,1,2,,,camp,,-1\n"),
               contains(file + " line 2, field 'capacity': -1 is negative"));
  }
  SECTION("unknown kind lists the valid ones") {
    const std::string message = locations_error(dir, "A,1,2,,,castle,,\n");
    CHECK_THAT(message, contains(file + " line 2, field 'kind': unknown kind 'castle'") &&
                           contains("conflict_zone") && contains("camp") &&
                           contains("destination"));
  }
  SECTION("duplicate and empty names") {
    CHECK_THAT(locations_error(dir, "A,1,2,,,,,\nB,1,2,,,,,\nA,3,4,,,,,\n"),
               contains(file + " line 4, field 'name': duplicate name 'A'") &&
                   contains("line 2"));
    CHECK_THAT(locations_error(dir, ",1,2,,,town,,\n"),
               contains(file + " line 2, field 'name': missing name"));
  }
  SECTION("empty file") {
    const std::string path = dir.write("locations.csv", "\n\n");
    CHECK_THAT(message_of<InputError>([&] { geo::read_locations(path); }),
               contains(path) && contains("empty"));
  }
}

TEST_CASE("CSV routes: each bad value names file, line and field", "[geo][read]") {
  TempDir dir;
  const std::string file = dir / "routes.csv";
  const std::string header = "from,to,distance_km,mode,capacity_per_day,closed,directed\n";

  SECTION("missing column") {
    CHECK_THAT(routes_error(dir, "from,distance_km\nA,3\n"),
               contains(file + ": missing column 'to' (header has: from, distance_km)"));
  }
  SECTION("negative, NaN and infinite distances") {
    CHECK_THAT(routes_error(dir, header + "A,B,-5,,,,\n"),
               contains(file + " line 2, field 'distance_km': -5 is negative"));
    CHECK_THAT(routes_error(dir, header + "A,B,10,,,,\nA,B,NaN,,,,\n"),
               contains(file + " line 3, field 'distance_km': 'NaN' is not a number"));
    CHECK_THAT(routes_error(dir, header + "A,B,-inf,,,,\n"),
               contains(file + " line 2, field 'distance_km': '-inf' is not a finite number"));
  }
  SECTION("unknown mode lists the valid ones") {
    CHECK_THAT(routes_error(dir, header + "A,B,10,camel,,,\n"),
               contains(file + " line 2, field 'mode': unknown mode 'camel'") &&
                   contains("road") && contains("foot") && contains("sea"));
  }
  SECTION("booleans") {
    CHECK_THAT(routes_error(dir, header + "A,B,10,,,maybe,\n"),
               contains(file + " line 2, field 'closed': 'maybe' is not a boolean"));
    const std::string path = dir.write(
        "routes.csv", header + "A,B,1,,,yes,TRUE\nA,B,1,,,0,no\nA,B,1,,,,\nA,B,1,,,False,1\n");
    const auto routes = geo::read_routes(path);
    REQUIRE(routes.size() == 4);
    CHECK(routes[0].route.closed);
    CHECK(routes[0].route.directed);
    CHECK_FALSE(routes[1].route.closed);
    CHECK_FALSE(routes[2].route.directed);
    CHECK(routes[3].route.directed);
  }
  SECTION("missing endpoint name") {
    CHECK_THAT(routes_error(dir, header + "A,,10,,,,\n"),
               contains(file + " line 2, field 'to': missing location name"));
  }
  SECTION("unknown endpoint, from read_network") {
    const std::string locations = dir.write("locations.csv", "name,lat,lon\nA,0,0\nB,0,1\n");
    const std::string routes =
        dir.write("routes.csv", header + "A,B,10,,,,\n\nB,Zulu,10,,,,\n");
    CHECK_THAT(message_of<InputError>([&] { geo::read_network(locations, routes); }),
               contains(routes + " line 4, field 'to': unknown location 'Zulu'"));
  }
  SECTION("capacities: empty is unlimited, inf is unlimited") {
    const std::string path = dir.write("routes.csv", header + "A,B,1,,,,\nA,B,1,,inf,,\n"
                                                              "A,B,1,,250,,\n");
    const auto routes = geo::read_routes(path);
    CHECK(std::isinf(routes[0].route.capacity_per_day));
    CHECK(std::isinf(routes[1].route.capacity_per_day));
    CHECK(routes[2].route.capacity_per_day == 250.0);
  }
}

TEST_CASE("CSV through GDAL's virtual file systems (/vsizip/, /vsimem/)", "[geo][read]") {
  TempDir dir;
  const std::string zip = dir / "tiny.zip";
  for (const char* name : {"locations.csv", "routes.csv"}) {
    std::ifstream in(kTiny + "/" + name, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    VSILFILE* out = VSIFOpenL(("/vsizip/" + zip + "/" + name).c_str(), "wb");
    REQUIRE(out != nullptr);
    REQUIRE(VSIFWriteL(text.data(), 1, text.size(), out) == text.size());
    VSIFCloseL(out);
  }
  const Network zipped =
      geo::read_network("/vsizip/" + zip + "/locations.csv", "/vsizip/" + zip + "/routes.csv");
  CHECK(zipped.num_locations() == 7);
  CHECK(zipped.num_routes() == 8);

  const std::string mem = "/vsimem/corridor-test-" + std::to_string(::getpid()) + ".csv";
  static const char kText[] = "name,lat,lon\nA,1,2\nB,x,3\n";
  VSIFCloseL(VSIFileFromMemBuffer(mem.c_str(),
                                  reinterpret_cast<GByte*>(const_cast<char*>(kText)),
                                  sizeof(kText) - 1, FALSE));
  CHECK_THAT(message_of<InputError>([&] { geo::read_locations(mem); }),
             contains(mem + " line 3, field 'lat': 'x' is not a number"));
  VSIUnlink(mem.c_str());
}

TEST_CASE("files that cannot be read are IoErrors naming the path", "[geo][read]") {
  TempDir dir;
  const std::string missing_csv = dir / "nowhere.csv";
  CHECK_THAT(message_of<IoError>([&] { geo::read_locations(missing_csv); }),
             contains(missing_csv));
  const std::string missing_gpkg = dir / "nowhere.gpkg";
  CHECK_THAT(message_of<IoError>([&] { geo::read_routes(missing_gpkg); }),
             contains(missing_gpkg));
  const std::string garbage = dir.write("garbage.gpkg", "this is not a GeoPackage\n");
  CHECK_THAT(message_of<IoError>([&] { geo::read_locations(garbage); }), contains(garbage));
  CHECK_THAT(message_of<IoError>([&] { geo::read_locations(dir.path.string() + "/.csv"); }),
             contains(".csv"));
  CHECK_THROWS_AS(geo::read_network(missing_csv, kTiny + "/routes.csv"), IoError);
}

// ------------------------------------------------------------------------------------------
// Flee

TEST_CASE("Flee CSV: positional columns, types by substring, camp capacity", "[geo][read][flee]") {
  TempDir dir;
  const std::string locations = dir.write(
      "locations.csv",
      "#name,region,country,latitude,longitude,location_type,conflict_date,population\n"
      "Town1,R1,Land,1.0,2.0,conflict_zone,0,1000\n"
      "# a comment line\n"
      "Camp1,R2,Neighbour,1.5,2.5,camp,,5000\n"
      "Camp2,R2,Neighbour,1.6,2.6,idpcamp,,\n"
      "Hub,R1,Land,1.2,2.2,forwarding_hub\n"  // fewer trailing columns
      "Mark,R1,Land,1.3,2.3,marker,,\n"
      "Place,R1,Land,1.1,2.1,town,,250\n"
      "Other,R1,Land,1.1,2.2,default,,\n");
  const std::vector<Location> read = geo::read_locations(locations);
  REQUIRE(read.size() == 7);
  CHECK(read[0].kind == LocationKind::kConflictZone);
  CHECK(read[0].population == 1000.0);
  CHECK(read[0].region == "R1");
  CHECK(read[0].country == "Land");
  CHECK(read[0].position == LonLat{2.0, 1.0});
  CHECK(read[1].kind == LocationKind::kCamp);
  CHECK(read[1].capacity == 5000.0);  // column 8 is a camp's capacity
  CHECK(read[1].population == 0.0);
  CHECK(read[2].kind == LocationKind::kCamp);
  CHECK(std::isinf(read[2].capacity));  // empty capacity: unlimited
  CHECK(read[3].kind == LocationKind::kTransit);
  CHECK(read[3].population == 0.0);
  CHECK(read[4].kind == LocationKind::kTransit);
  CHECK(read[5].kind == LocationKind::kTown);
  CHECK(read[5].population == 250.0);
  CHECK(read[6].kind == LocationKind::kTown);

  const std::string routes = dir.write("routes.csv",
                                       "#name1,name2,distance,forced_redirection\r\n"
                                       "Town1,Camp1,120,\r\n"
                                       "#Town1,Camp2,1,\r\n"
                                       "Camp1,Hub,80\r\n");
  const auto records = geo::read_routes(routes);
  REQUIRE(records.size() == 2);
  CHECK(records[1].route.distance_km == 80.0);
  CHECK_THAT(records[1].where, contains("line 4"));

  const std::string bad_type = dir.write(
      "bad.csv",
      "#name,region,country,latitude,longitude,location_type,conflict_date,population\n"
      "Wet,R,L,1,2,flood_zone,,\n");
  CHECK_THAT(message_of<InputError>([&] { geo::read_locations(bad_type); }),
             contains(bad_type + " line 2, field 'location_type': unknown Flee location_type "
                                 "'flood_zone'"));
  const std::string bad_lat = dir.write(
      "bad.csv",
      "#name,region,country,latitude,longitude,location_type,conflict_date,population\n"
      "X,R,L,-91,2,town,,\n");
  CHECK_THAT(message_of<InputError>([&] { geo::read_locations(bad_lat); }),
             contains(bad_lat + " line 2, field 'latitude': -91 is out of range"));
  const std::string no_distance =
      dir.write("r.csv", "#name1,name2,distance\nTown1,Camp1,\n");
  CHECK_THAT(message_of<InputError>([&] { geo::read_routes(no_distance); }),
             contains(no_distance + " line 2, field 'distance': missing value"));
  const std::string unknown = dir.write("r.csv", "#name1,name2,distance\nTown1,Nowhere,5\n");
  CHECK_THAT(message_of<InputError>([&] { geo::read_network(locations, unknown); }),
             contains(unknown + " line 2, field 'name2': unknown location 'Nowhere'"));
}

TEST_CASE("the four real Flee cases read without error", "[geo][read][flee]") {
  const fs::path root = fs::path(CORRIDOR_SHARED_DATA) / "flee";
  if (!fs::is_directory(root)) {
    WARN("skipped: no " << root.string());
    return;
  }
  struct Case {
    const char* name;
    std::size_t locations, routes, camps;
  };
  const Case cases[] = {{"mali2012", 23, 35, 7},
                        {"burundi2015", 30, 41, 5},
                        {"car2013", 63, 86, 14},
                        {"ssudan2013", 51, 60, 10}};
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const fs::path input = root / c.name / "input_csv";
    const Network network = geo::read_network((input / "locations.csv").string(),
                                              (input / "routes.csv").string());
    CHECK(network.num_locations() == c.locations);
    CHECK(network.num_routes() == c.routes);
    std::size_t camps = 0;
    for (const Location& location : network.locations()) {
      if (location.kind == LocationKind::kCamp) {
        ++camps;
        CHECK(location.population == 0.0);
        CHECK(location.capacity > 0.0);
      }
    }
    CHECK(camps == c.camps);
  }
  // A spot check against the file: mali2012's first row.
  const Network mali = geo::read_network(
      (root / "mali2012/input_csv/locations.csv").string(),
      (root / "mali2012/input_csv/routes.csv").string());
  const Location& kidal = mali.location(mali.id("Kidal"));
  CHECK(kidal.position == LonLat{1.401523, 18.444305});
  CHECK(kidal.kind == LocationKind::kConflictZone);
  CHECK(kidal.population == 25617.0);
  CHECK(kidal.country == "Mali");
}

// ------------------------------------------------------------------------------------------
// OGR layers

namespace {

/// Creates a one-layer data set with raw OGR; `fill` adds fields and features.
template <class Fill>
void make_layer(const std::string& path, const char* driver, const char* layer_name,
                OGRwkbGeometryType type, const OGRSpatialReference* srs, Fill&& fill) {
  GDALAllRegister();
  // Quiet: GDAL warns that it shortens Shapefile field names, which is the point here.
  CPLPushErrorHandler(CPLQuietErrorHandler);
  struct Pop {
    ~Pop() { CPLPopErrorHandler(); }
  } pop;
  GDALDriver* drv = GetGDALDriverManager()->GetDriverByName(driver);
  REQUIRE(drv != nullptr);
  GDALDataset* ds = drv->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr);
  REQUIRE(ds != nullptr);
  OGRSpatialReference* srs_copy = srs != nullptr ? srs->Clone() : nullptr;
  OGRLayer* layer = ds->CreateLayer(layer_name, srs_copy, type, nullptr);
  if (srs_copy != nullptr) srs_copy->Release();
  REQUIRE(layer != nullptr);
  fill(*layer);
  GDALClose(ds);
}

void add_field(OGRLayer& layer, const char* name, OGRFieldType type) {
  OGRFieldDefn field(name, type);
  REQUIRE(layer.CreateField(&field) == OGRERR_NONE);
}

void add_point(OGRLayer& layer, const char* name, double x, double y, double population = 0) {
  OGRFeature feature(layer.GetLayerDefn());
  feature.SetField(0, name);
  feature.SetField(1, population);
  OGRPoint point(x, y);
  feature.SetGeometry(&point);
  REQUIRE(layer.CreateFeature(&feature) == OGRERR_NONE);
}

}  // namespace

TEST_CASE("OGR points: reprojected to lon/lat, fields case-insensitive", "[geo][read][ogr]") {
  const std::string path = kData + "/geo/locations_3857.geojson";
  const std::vector<Location> locations = geo::read_locations(path);
  REQUIRE(locations.size() == 3);
  CHECK(locations[0].name == "Uno");
  CHECK(locations[0].position.lon == approx(30.1, kDegreeTol, 0.0));
  CHECK(locations[0].position.lat == approx(-2.5, kDegreeTol, 0.0));
  CHECK(locations[0].kind == LocationKind::kCamp);
  CHECK(locations[0].capacity == 1000.0);
  CHECK(locations[1].position.lon == approx(29.3637, kDegreeTol, 0.0));
  CHECK(locations[1].position.lat == approx(-3.3667, kDegreeTol, 0.0));
  CHECK(locations[1].population == 5000.0);
  CHECK(std::isinf(locations[1].capacity));  // JSON null
  CHECK(locations[2].kind == LocationKind::kReception);
  CHECK(locations[2].screening_per_day == 40.0);
}

TEST_CASE("OGR lines: merged, oriented, measured", "[geo][read][ogr]") {
  const std::string locations = kData + "/geo/locations_3857.geojson";
  const std::string routes = kData + "/geo/routes_lines.geojson";
  const auto records = geo::read_routes(routes);
  REQUIRE(records.size() == 3);
  CHECK(records[0].route.geometry.size() == 3);
  CHECK(records[0].route.geometry.front() == LonLat{29.3637, -3.3667});  // as drawn
  CHECK(records[1].route.geometry.size() == 3);                          // two parts joined
  CHECK(records[1].route.closed);
  const std::vector<LonLat> dos_tres = {{29.3637, -3.3667}, {30.2, -2.2}, {31.0, -1.0}};
  CHECK(records[1].route.distance_km ==
        approx(geo::polyline_length_km(dos_tres), 1e-9, 0.0));
  CHECK(records[2].route.geometry.empty());
  CHECK(records[2].route.mode == Mode::kFoot);
  CHECK_THAT(records[2].where, contains(routes + " layer 'links' feature"));

  const Network network = geo::read_network(locations, routes);
  REQUIRE(network.num_routes() == 3);
  const Route& uno_dos = network.route(0);
  CHECK(uno_dos.distance_km == 150.0);
  // Oriented to start at 'from' (Uno).
  CHECK(uno_dos.geometry.front() == LonLat{30.1, -2.5});
  CHECK(uno_dos.geometry.back() == LonLat{29.3637, -3.3667});
  CHECK(network.route(2).distance_km == 200.0);
}

TEST_CASE("OGR: Shapefile-truncated names, layer choice, bad features", "[geo][read][ogr]") {
  TempDir dir;
  OGRSpatialReference wgs84;
  wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  wgs84.importFromEPSG(4326);

  SECTION("truncated Shapefile field names") {
    const std::string shp = dir / "places.shp";
    make_layer(shp, "ESRI Shapefile", "places", wkbPoint, &wgs84, [](OGRLayer& layer) {
      add_field(layer, "NAME", OFTString);
      add_field(layer, "population", OFTReal);
      add_field(layer, "screening_per_day", OFTReal);  // stored as 'screening_'
      OGRFeature feature(layer.GetLayerDefn());
      feature.SetField(0, "Here");
      feature.SetField(1, 12.0);
      feature.SetField(2, 34.0);
      OGRPoint point(3.0, 4.0);
      feature.SetGeometry(&point);
      REQUIRE(layer.CreateFeature(&feature) == OGRERR_NONE);
    });
    const auto locations = geo::read_locations(shp);
    REQUIRE(locations.size() == 1);
    CHECK(locations[0].screening_per_day == 34.0);
    CHECK(locations[0].position == LonLat{3.0, 4.0});

    const std::string lines = dir / "lines.shp";
    make_layer(lines, "ESRI Shapefile", "lines", wkbLineString, &wgs84, [](OGRLayer& layer) {
      add_field(layer, "from", OFTString);
      add_field(layer, "to", OFTString);
      add_field(layer, "distance_km", OFTReal);       // 'distance_k'
      add_field(layer, "capacity_per_day", OFTReal);  // 'capacity_p'
      OGRFeature feature(layer.GetLayerDefn());
      feature.SetField(0, "Here");
      feature.SetField(1, "There");
      feature.SetField(2, 7.5);
      feature.SetField(3, 99.0);
      OGRLineString line;
      line.addPoint(3.0, 4.0);
      line.addPoint(3.1, 4.1);
      feature.SetGeometry(&line);
      REQUIRE(layer.CreateFeature(&feature) == OGRERR_NONE);
    });
    const auto routes = geo::read_routes(lines);
    REQUIRE(routes.size() == 1);
    CHECK(routes[0].route.distance_km == 7.5);
    CHECK(routes[0].route.capacity_per_day == 99.0);
  }

  SECTION("a layer without CRS and projected coordinates is a CrsError") {
    const std::string shp = dir / "nocrs.shp";
    make_layer(shp, "ESRI Shapefile", "nocrs", wkbPoint, nullptr, [](OGRLayer& layer) {
      add_field(layer, "name", OFTString);
      add_field(layer, "population", OFTReal);
      add_point(layer, "Fine", 10.0, 10.0);
      add_point(layer, "Metres", 1113194.9, 1118889.9);
    });
    CHECK_THAT(message_of<CrsError>([&] { geo::read_locations(shp); }),
               contains(shp + " layer 'nocrs'") && contains("feature 1") &&
                   contains("no CRS"));
  }

  SECTION("layers by name, 'locations'/'routes' by default, unknown layer") {
    const std::string gpkg = dir / "two.gpkg";
    {
      GDALAllRegister();
      GDALDataset* ds = GetGDALDriverManager()->GetDriverByName("GPKG")->Create(
          gpkg.c_str(), 0, 0, 0, GDT_Unknown, nullptr);
      REQUIRE(ds != nullptr);
      for (const char* name : {"other", "locations"}) {
        OGRLayer* layer = ds->CreateLayer(name, &wgs84, wkbPoint, nullptr);
        add_field(*layer, "name", OFTString);
        add_field(*layer, "population", OFTReal);
        add_point(*layer, name, 1.0, 2.0, 5.0);
      }
      GDALClose(ds);
    }
    CHECK(geo::read_locations(gpkg)[0].name == "locations");
    CHECK(geo::read_locations(gpkg, "other")[0].name == "other");
    CHECK_THAT(message_of<IoError>([&] { geo::read_locations(gpkg, "nope"); }),
               contains(gpkg + ": no layer 'nope'") && contains("other, locations"));
  }

  SECTION("bad features name the layer, the FID and the field") {
    const std::string gpkg = dir / "bad.gpkg";
    make_layer(gpkg, "GPKG", "places", wkbUnknown, &wgs84, [](OGRLayer& layer) {
      add_field(layer, "name", OFTString);
      add_field(layer, "population", OFTReal);
      add_point(layer, "Good", 1.0, 2.0);
      OGRFeature no_geometry(layer.GetLayerDefn());
      no_geometry.SetField(0, "Nothing");
      REQUIRE(layer.CreateFeature(&no_geometry) == OGRERR_NONE);
      OGRFeature line(layer.GetLayerDefn());
      line.SetField(0, "Line");
      OGRLineString geometry;
      geometry.addPoint(0, 0);
      geometry.addPoint(1, 1);
      line.SetGeometry(&geometry);
      REQUIRE(layer.CreateFeature(&line) == OGRERR_NONE);
    });
    CHECK_THAT(message_of<InputError>([&] { geo::read_locations(gpkg); }),
               contains(gpkg + " layer 'places' feature 2, field 'geom': no geometry"));

    const std::string other = dir / "bad2.gpkg";
    make_layer(other, "GPKG", "places", wkbUnknown, &wgs84, [](OGRLayer& layer) {
      add_field(layer, "name", OFTString);
      add_field(layer, "population", OFTReal);
      OGRFeature line(layer.GetLayerDefn());
      line.SetField(0, "Line");
      OGRLineString geometry;
      geometry.addPoint(0, 0);
      geometry.addPoint(1, 1);
      line.SetGeometry(&geometry);
      REQUIRE(layer.CreateFeature(&line) == OGRERR_NONE);
    });
    CHECK_THAT(message_of<InputError>([&] { geo::read_locations(other); }),
               contains(other + " layer 'places' feature 1, field 'geom': a LINESTRING"));

    const std::string values = dir / "bad3.gpkg";
    make_layer(values, "GPKG", "places", wkbPoint, &wgs84, [](OGRLayer& layer) {
      add_field(layer, "name", OFTString);
      add_field(layer, "population", OFTReal);
      add_field(layer, "kind", OFTString);
      add_point(layer, "A", 1.0, 2.0, 10.0);
      OGRFeature feature(layer.GetLayerDefn());
      feature.SetField(0, "B");
      feature.SetField(1, -3.0);
      OGRPoint point(1.0, 2.0);
      feature.SetGeometry(&point);
      REQUIRE(layer.CreateFeature(&feature) == OGRERR_NONE);
    });
    CHECK_THAT(message_of<InputError>([&] { geo::read_locations(values); }),
               contains(values + " layer 'places' feature 2, field 'population': -3 is "
                                 "negative"));

    const std::string no_name = dir / "bad4.gpkg";
    make_layer(no_name, "GPKG", "places", wkbPoint, &wgs84, [](OGRLayer& layer) {
      add_field(layer, "label", OFTString);
      add_field(layer, "population", OFTReal);
      add_point(layer, "A", 1.0, 2.0);
    });
    CHECK_THAT(message_of<InputError>([&] { geo::read_locations(no_name); }),
               contains(no_name + " layer 'places': missing field 'name' (fields are: "
                                  "label, population)"));
  }

  SECTION("MultiLineString parts that do not join") {
    const std::string gpkg = dir / "lines.gpkg";
    make_layer(gpkg, "GPKG", "routes", wkbMultiLineString, &wgs84, [](OGRLayer& layer) {
      add_field(layer, "from", OFTString);
      add_field(layer, "to", OFTString);
      OGRFeature feature(layer.GetLayerDefn());
      feature.SetField(0, "A");
      feature.SetField(1, "B");
      OGRMultiLineString multi;
      OGRLineString a;
      a.addPoint(0, 0);
      a.addPoint(1, 0);
      OGRLineString b;
      b.addPoint(2, 0);
      b.addPoint(3, 0);
      multi.addGeometry(&a);
      multi.addGeometry(&b);
      feature.SetGeometry(&multi);
      REQUIRE(layer.CreateFeature(&feature) == OGRERR_NONE);
    });
    CHECK_THAT(message_of<InputError>([&] { geo::read_routes(gpkg); }),
               contains(gpkg + " layer 'routes' feature 1, field 'geom'") &&
                   contains("do not join"));
  }
}
