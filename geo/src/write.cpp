// corridor::geo — writing a network with OGR: see write.hpp.
//
// Design notes:
// - Speed: one transaction per layer where the driver has them (GeoPackage), SQLite's
//   synchronous mode off for this thread while we write (the file is a temporary that is only
//   renamed into place after a clean close, so a crash cannot leave a corrupt target), one
//   OGRFeature and one geometry reused for every feature (their coordinates are overwritten in
//   place), field indexes looked up once, and coordinates transformed in one call per batch.
//   Route lines are densified (about a third of the time, in geodesic maths) on a second
//   thread, one batch of kLineBatchRoutes ahead of the thread that feeds OGR; only the writing
//   thread touches GDAL, PROJ transformations and the error handler.
// - Atomicity: every file goes through AtomicOutput; datasets are closed (which is when
//   GeoPackage builds its R-tree) and checked for errors before
//   anything is renamed. The CRS is checked before any file is created.
// - GeoJSON in EPSG:4326 is RFC 7946 (7 decimals, about 1 cm). In any other CRS it is the
//   older GeoJSON 2008 form, with a "crs" member, since RFC 7946 allows only WGS84.
// - CSV: locations are plain columns (lat, lon in WGS84 degrees whatever the CRS), routes carry
//   their line as WKT in the target CRS (first column, "WKT"); both read back with
//   read_locations/read_routes (which ignore the WKT column).
#include "corridor/geo/write.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <string_view>
#include <utility>

#include "corridor/error.hpp"
#include "corridor/geo/atomic_file.hpp"
#include "corridor/geo/geodesic.hpp"
#include "corridor/geo/lines.hpp"
#include "gdal_support.hpp"
#include "text.hpp"

namespace corridor::geo {

namespace {

using detail::lower;

using detail::DatasetPtr;
using detail::ErrorCapture;
using detail::FeaturePtr;

enum class Format { kGpkg, kGeoJson, kFlatGeobuf, kShapefile, kCsv, kOther };

Format format_of(std::string_view driver) {
  if (driver == "GPKG") return Format::kGpkg;
  if (driver == "GeoJSON") return Format::kGeoJson;
  if (driver == "FlatGeobuf") return Format::kFlatGeobuf;
  if (driver == "ESRI Shapefile") return Format::kShapefile;
  if (driver == "CSV") return Format::kCsv;
  return Format::kOther;
}

/// Field names per layer. Shapefile (DBF) names have at most 10 characters.
struct FieldNames {
  const char* name = "name";
  const char* country = "country";
  const char* region = "region";
  const char* lat = "lat";
  const char* lon = "lon";
  const char* kind = "kind";
  const char* population = "population";
  const char* capacity = "capacity";
  const char* screening_per_day = "screening_per_day";
  const char* id = "id";
  const char* from = "from";
  const char* to = "to";
  const char* distance_km = "distance_km";
  const char* mode = "mode";
  const char* capacity_per_day = "capacity_per_day";
  const char* closed = "closed";
  const char* directed = "directed";
};

FieldNames field_names_for(Format format) {
  FieldNames names;
  if (format == Format::kShapefile) {
    names.screening_per_day = "screening";
    names.distance_km = "dist_km";
    names.capacity_per_day = "cap_day";
  }
  return names;
}

/// How one output file (dataset) is being written: its target name for messages.
class Sink {
 public:
  Sink(std::string target, std::string temp, const ErrorCapture& capture)
      : target_(std::move(target)), temp_(std::move(temp)), capture_(capture) {}

  /// Throws IoError("<target>: <what>: <GDAL's message>"), naming the target, not the
  /// temporary GDAL was writing.
  [[noreturn]] void fail(std::string_view what) const {
    std::string message = capture_.message("unknown GDAL error");
    for (std::size_t at = message.find(temp_); !temp_.empty() && at != std::string::npos;
         at = message.find(temp_, at + target_.size())) {
      message.replace(at, temp_.size(), target_);
    }
    throw IoError(target_ + ": " + std::string(what) + ": " + message);
  }
  void check(std::string_view what) const {
    if (capture_.failed()) fail(what);
  }
  const std::string& target() const noexcept { return target_; }
  const std::string& temp() const noexcept { return temp_; }

 private:
  std::string target_;
  std::string temp_;
  const ErrorCapture& capture_;
};

/// What all layers share.
struct Plan {
  Format format = Format::kOther;
  GDALDriver* driver = nullptr;
  OGRSpatialReference* srs = nullptr;          ///< the target CRS (lon/lat order)
  OGRCoordinateTransformation* to_target = nullptr;  ///< nullptr when the target is EPSG:4326
  bool target_is_wgs84 = true;
  bool target_is_geographic = true;
  std::string crs_label = "EPSG:4326";  ///< for messages: as the caller gave it
  FieldNames names;
  double densify_km = 25.0;
};

/// Options in GDAL's NULL-terminated "KEY=VALUE" form.
class Options {
 public:
  void set(const char* key, const std::string& value) {
    text_.push_back(std::string(key) + "=" + value);
  }
  char** get() {
    pointers_.clear();
    for (std::string& item : text_) pointers_.push_back(item.data());
    pointers_.push_back(nullptr);
    return pointers_.data();
  }

 private:
  std::vector<std::string> text_;
  std::vector<char*> pointers_;
};

Options layer_options(const Plan& plan, bool lines) {
  Options options;
  switch (plan.format) {
    case Format::kGpkg:
      options.set("SPATIAL_INDEX", "YES");
      break;
    case Format::kGeoJson:
      if (plan.target_is_wgs84) options.set("RFC7946", "YES");
      options.set("COORDINATE_PRECISION", plan.target_is_geographic ? "7" : "3");
      break;
    case Format::kFlatGeobuf:
      // The index would store features in Hilbert-curve order: a network read back would
      // come out permuted (other LocationIds, other route order). Order wins at our sizes.
      options.set("SPATIAL_INDEX", "NO");
      break;
    case Format::kShapefile:
      options.set("ENCODING", "UTF-8");
      break;
    case Format::kCsv:
      if (lines) options.set("GEOMETRY", "AS_WKT");
      options.set("LINEFORMAT", "LF");
      options.set("CREATE_CSVT", "NO");
      break;
    case Format::kOther:
      break;
  }
  return options;
}

DatasetPtr create_dataset(const Plan& plan, const Sink& sink) {
  DatasetPtr dataset(
      plan.driver->Create(sink.temp().c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  if (!dataset) sink.fail("cannot create the file");
  return dataset;
}

void close_dataset(DatasetPtr& dataset, const Sink& sink) {
  dataset.reset();  // GDALClose: flushes, builds spatial indexes
  sink.check("cannot finish writing the file");
}

/// Reads the finished temporary back and checks it holds `expected` features. Some drivers do
/// not check their own writes (GDAL 3.6's GeoJSON writer ignores the result of every write and
/// of the close): on a full disk, or past a quota or file-size limit, they leave a truncated
/// file and report nothing. Counting the features back catches that before the rename.
void verify_feature_count(const Plan& plan, const Sink& sink, std::size_t expected) {
  const char* const drivers[] = {plan.driver->GetDescription(), nullptr};
  GDALDatasetUniquePtr dataset(GDALDataset::Open(
      sink.temp().c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, nullptr, nullptr));
  GIntBig found = -1;
  if (dataset && dataset->GetLayerCount() == 1) {
    found = dataset->GetLayer(0)->GetFeatureCount(TRUE);
  }
  if (found != static_cast<GIntBig>(expected)) {
    throw IoError(sink.target() +
                  ": the file was not written completely (" +
                  (found < 0 ? std::string("it does not read back")
                             : std::to_string(found) + " of " + std::to_string(expected) +
                                   " features read back") +
                  "): is the disk full, or a quota or file-size limit reached?");
  }
}

/// Adds a field; returns its index in the layer definition.
int add_field(OGRLayer& layer, const char* name, OGRFieldType type, const Sink& sink,
              int width = 0) {
  OGRFieldDefn field(name, type);
  if (width > 0) field.SetWidth(width);
  if (layer.CreateField(&field) != OGRERR_NONE) {
    sink.fail(std::string("cannot create field '") + name + "' in layer '" + layer.GetName() +
              "'");
  }
  const int index = layer.GetLayerDefn()->GetFieldIndex(name);
  if (index < 0) {
    sink.fail(std::string("field '") + name + "' was renamed by the driver in layer '" +
              layer.GetName() + "'");
  }
  return index;
}

/// DBF string width: the longest value in bytes (at least 1, at most 254); 0 elsewhere.
template <class Get>
int string_width(const Plan& plan, std::size_t count, const Get& get) {
  if (plan.format != Format::kShapefile) return 0;
  std::size_t width = 1;
  for (std::size_t i = 0; i < count; ++i) width = std::max(width, get(i).size());
  return static_cast<int>(std::min<std::size_t>(width, 254));
}

class Transaction {
 public:
  Transaction(GDALDataset& dataset, const Sink& sink) : dataset_(dataset), sink_(sink) {
    if (dataset_.TestCapability(ODsCTransactions) != 0) {
      if (dataset_.StartTransaction() != OGRERR_NONE) sink_.fail("cannot start a transaction");
      active_ = true;
    }
  }
  ~Transaction() {
    if (active_) dataset_.RollbackTransaction();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    if (active_) {
      active_ = false;
      if (dataset_.CommitTransaction() != OGRERR_NONE) sink_.fail("cannot commit");
    }
  }

 private:
  GDALDataset& dataset_;
  const Sink& sink_;
  bool active_ = false;
};

void set_amount(OGRFeature& feature, int index, double value) {
  if (std::isinf(value)) {
    feature.SetFieldNull(index);  // unlimited
  } else {
    feature.SetField(index, value);
  }
}

/// Transforms in place to the target CRS; false if a point could not be transformed (and
/// `failed` is its index).
bool transform(const Plan& plan, std::vector<double>& x, std::vector<double>& y,
               std::string& message, std::size_t& failed) {
  if (plan.to_target == nullptr || x.empty()) return true;
  std::vector<int> ok(x.size(), FALSE);
  ErrorCapture capture;
  plan.to_target->Transform(static_cast<int>(x.size()), x.data(), y.data(), nullptr, ok.data());
  const auto bad = std::find(ok.begin(), ok.end(), FALSE);
  if (bad == ok.end()) return true;
  failed = static_cast<std::size_t>(bad - ok.begin());
  message = "cannot transform to " + plan.crs_label + ": " +
            capture.message("outside the CRS's domain");
  return false;
}

/// Canonical names as NUL-terminated strings, made once (to_string gives string_views).
template <class Enum, std::size_t N>
std::array<std::string, N> enum_names() {
  std::array<std::string, N> names;
  for (std::size_t i = 0; i < N; ++i) names[i] = std::string(to_string(static_cast<Enum>(i)));
  return names;
}

/// Routes per batch of lines prepared ahead of the writer.
constexpr std::size_t kLineBatchRoutes = 4096;

/// The lines of routes [begin, end), densified along their geodesics, in WGS84 lon/lat:
/// route begin+k has points [offsets[k], offsets[k+1]) of x (lon) and y (lat).
struct LineBatch {
  std::vector<double> x;
  std::vector<double> y;
  std::vector<std::size_t> offsets;
};

/// Thread-safe: reads the (immutable) network and computes geodesics, nothing else.
/// `where` prefixes messages, e.g. "out.gpkg layer 'routes'".
LineBatch prepare_lines(const Network& network, std::size_t begin, std::size_t end,
                        double densify_km, const std::string& where) {
  LineBatch batch;
  batch.offsets.reserve(end - begin + 1);
  batch.offsets.push_back(0);
  const auto routes = network.routes();
  const auto locations = network.locations();
  for (std::size_t i = begin; i < end; ++i) {
    const Route& route = routes[i];
    std::vector<LonLat> points;
    try {
      points = route_line(network, static_cast<RouteId>(i), densify_km);
    } catch (const InputError& e) {
      throw InputError(where + ", route " + std::to_string(i) + " (" +
                       locations[route.from].name + " - " + locations[route.to].name +
                       "): " + e.what());
    }
    for (const LonLat& p : points) {
      batch.x.push_back(p.lon);
      batch.y.push_back(p.lat);
    }
    batch.offsets.push_back(batch.x.size());
  }
  return batch;
}

void write_locations(GDALDataset& dataset, const Network& network, const Plan& plan,
                     const Sink& sink) {
  const FieldNames& n = plan.names;
  const bool csv = plan.format == Format::kCsv;
  Options options = layer_options(plan, false);
  OGRLayer* layer = dataset.CreateLayer("locations", csv ? nullptr : plan.srs,
                                        csv ? wkbNone : wkbPoint, options.get());
  if (layer == nullptr) sink.fail("cannot create layer 'locations'");
  const auto locations = network.locations();
  const std::size_t count = locations.size();
  auto width = [&](auto member) {
    return string_width(plan, count,
                        [&](std::size_t i) -> const std::string& { return locations[i].*member; });
  };
  const int f_name = add_field(*layer, n.name, OFTString, sink, width(&Location::name));
  const int f_country = add_field(*layer, n.country, OFTString, sink, width(&Location::country));
  const int f_region = add_field(*layer, n.region, OFTString, sink, width(&Location::region));
  const int f_lat = csv ? add_field(*layer, n.lat, OFTReal, sink) : -1;
  const int f_lon = csv ? add_field(*layer, n.lon, OFTReal, sink) : -1;
  const int f_kind =
      add_field(*layer, n.kind, OFTString, sink, plan.format == Format::kShapefile ? 16 : 0);
  const int f_population = add_field(*layer, n.population, OFTReal, sink);
  const int f_capacity = add_field(*layer, n.capacity, OFTReal, sink);
  const int f_screening = add_field(*layer, n.screening_per_day, OFTReal, sink);

  std::vector<double> x(count);
  std::vector<double> y(count);
  for (std::size_t i = 0; i < count; ++i) {
    x[i] = locations[i].position.lon;
    y[i] = locations[i].position.lat;
  }
  std::string problem;
  std::size_t failed = 0;
  if (!csv && !transform(plan, x, y, problem, failed)) {
    throw CrsError(sink.target() + " layer 'locations', location '" + locations[failed].name +
                   "': " + problem);
  }
  const auto kind_names =
      enum_names<LocationKind, static_cast<std::size_t>(LocationKind::kDestination) + 1>();

  Transaction transaction(dataset, sink);
  FeaturePtr feature(OGRFeature::CreateFeature(layer->GetLayerDefn()));
  for (std::size_t i = 0; i < count; ++i) {
    const Location& location = locations[i];
    feature->SetFID(OGRNullFID);
    feature->SetField(f_name, location.name.c_str());
    feature->SetField(f_country, location.country.c_str());
    feature->SetField(f_region, location.region.c_str());
    feature->SetField(f_kind, kind_names[static_cast<std::size_t>(location.kind)].c_str());
    feature->SetField(f_population, location.population);
    set_amount(*feature, f_capacity, location.capacity);
    set_amount(*feature, f_screening, location.screening_per_day);
    if (csv) {
      feature->SetField(f_lat, location.position.lat);
      feature->SetField(f_lon, location.position.lon);
    } else {
      OGRGeometry* geometry = feature->GetGeometryRef();
      if (geometry == nullptr || wkbFlatten(geometry->getGeometryType()) != wkbPoint) {
        feature->SetGeometryDirectly(new OGRPoint());
        geometry = feature->GetGeometryRef();
      }
      OGRPoint* point = geometry->toPoint();
      point->setX(x[i]);
      point->setY(y[i]);
    }
    if (layer->CreateFeature(feature.get()) != OGRERR_NONE) {
      sink.fail("cannot write location " + std::to_string(i) + " ('" + location.name + "')");
    }
  }
  transaction.commit();
  sink.check("writing layer 'locations'");
}

void write_routes(GDALDataset& dataset, const Network& network, const Plan& plan,
                  const Sink& sink) {
  const FieldNames& n = plan.names;
  Options options = layer_options(plan, true);
  OGRLayer* layer =
      dataset.CreateLayer("routes", plan.srs, wkbLineString, options.get());
  if (layer == nullptr) sink.fail("cannot create layer 'routes'");
  const auto routes = network.routes();
  const auto locations = network.locations();
  auto name_width = [&](bool from) {
    return string_width(plan, routes.size(), [&](std::size_t i) -> const std::string& {
      return locations[from ? routes[i].from : routes[i].to].name;
    });
  };
  const int f_id = add_field(*layer, n.id, OFTInteger, sink);
  const int f_from = add_field(*layer, n.from, OFTString, sink, name_width(true));
  const int f_to = add_field(*layer, n.to, OFTString, sink, name_width(false));
  const int f_distance = add_field(*layer, n.distance_km, OFTReal, sink);
  const int f_mode = add_field(*layer, n.mode, OFTString, sink,
                               plan.format == Format::kShapefile ? 8 : 0);
  const int f_capacity = add_field(*layer, n.capacity_per_day, OFTReal, sink);
  const int f_closed = add_field(*layer, n.closed, OFTInteger, sink);
  const int f_directed = add_field(*layer, n.directed, OFTInteger, sink);

  const auto mode_names = enum_names<Mode, static_cast<std::size_t>(Mode::kAir) + 1>();
  Transaction transaction(dataset, sink);
  FeaturePtr feature(OGRFeature::CreateFeature(layer->GetLayerDefn()));
  // Lines are densified on a second thread, one batch ahead of the writing (see LineBatch).
  const std::size_t count = routes.size();
  auto batch_end = [&](std::size_t begin) { return std::min(count, begin + kLineBatchRoutes); };
  std::future<LineBatch> next;
  const std::string where = sink.target() + " layer 'routes'";
  LineBatch batch = prepare_lines(network, 0, batch_end(0), plan.densify_km, where);
  std::string problem;
  for (std::size_t begin = 0; begin < count; begin = batch_end(begin)) {
    if (begin > 0) batch = next.get();
    if (batch_end(begin) < count) {
      next = std::async(std::launch::async, prepare_lines, std::cref(network), batch_end(begin),
                        batch_end(batch_end(begin)), plan.densify_km, std::cref(where));
    }
    std::size_t failed = 0;
    if (!transform(plan, batch.x, batch.y, problem, failed)) {
      const auto at = std::upper_bound(batch.offsets.begin(), batch.offsets.end(), failed);
      const std::size_t i = begin + static_cast<std::size_t>(at - batch.offsets.begin()) - 1;
      throw CrsError(where + ", route " + std::to_string(i) + " (" +
                     locations[routes[i].from].name + " - " + locations[routes[i].to].name +
                     "): " + problem);
    }
    for (std::size_t i = begin; i < batch_end(begin); ++i) {
      const Route& route = routes[i];
      const std::size_t first = batch.offsets[i - begin];
      const std::size_t points = batch.offsets[i - begin + 1] - first;
      feature->SetFID(OGRNullFID);
      feature->SetField(f_id, static_cast<int>(i));
      feature->SetField(f_from, locations[route.from].name.c_str());
      feature->SetField(f_to, locations[route.to].name.c_str());
      feature->SetField(f_distance, route.distance_km);
      feature->SetField(f_mode, mode_names[static_cast<std::size_t>(route.mode)].c_str());
      set_amount(*feature, f_capacity, route.capacity_per_day);
      feature->SetField(f_closed, route.closed ? 1 : 0);
      feature->SetField(f_directed, route.directed ? 1 : 0);
      OGRGeometry* geometry = feature->GetGeometryRef();
      if (geometry == nullptr || wkbFlatten(geometry->getGeometryType()) != wkbLineString) {
        feature->SetGeometryDirectly(new OGRLineString());
        geometry = feature->GetGeometryRef();
      }
      geometry->toLineString()->setPoints(static_cast<int>(points), batch.x.data() + first,
                                          batch.y.data() + first);
      if (layer->CreateFeature(feature.get()) != OGRERR_NONE) {
        sink.fail("cannot write route " + std::to_string(i) + " (" +
                  locations[route.from].name + " - " + locations[route.to].name + ")");
      }
    }
  }
  transaction.commit();
  sink.check("writing layer 'routes'");
}

/// "dir/out.geojson" + "locations" -> "dir/out_locations.geojson".
std::string sibling(const std::string& path, std::string_view layer) {
  const std::filesystem::path p(path);
  std::string name = p.stem().string() + "_" + std::string(layer) + p.extension().string();
  return p.has_parent_path() ? (p.parent_path() / name).string() : name;
}

}  // namespace

std::string driver_for_path(const std::string& path) {
  const std::string ext = lower(std::filesystem::path(path).extension().string());
  if (ext == ".gpkg") return "GPKG";
  if (ext == ".geojson" || ext == ".json") return "GeoJSON";
  if (ext == ".fgb") return "FlatGeobuf";
  if (ext == ".shp") return "ESRI Shapefile";
  if (ext == ".csv") return "CSV";
  throw IoError(path + ": cannot tell the format from the extension '" + ext +
                "' (use .gpkg, .geojson, .json, .fgb, .shp or .csv, or name a driver)");
}

std::vector<std::string> write_network(const Network& network, const std::string& path,
                                       const WriteOptions& options) {
  if (!(std::isfinite(options.densify_km) && options.densify_km > 0.0)) {
    throw InputError("write_network: densify_km must be finite and > 0, not " +
                     std::to_string(options.densify_km));
  }
  detail::ensure_gdal_registered();
  const std::string driver_name =
      options.driver.empty() ? driver_for_path(path) : options.driver;

  Plan plan;
  plan.format = format_of(driver_name);
  plan.names = field_names_for(plan.format);
  plan.densify_km = options.densify_km;
  plan.driver = GetGDALDriverManager()->GetDriverByName(driver_name.c_str());
  if (plan.driver == nullptr || plan.driver->GetMetadataItem(GDAL_DCAP_VECTOR) == nullptr ||
      plan.driver->GetMetadataItem(GDAL_DCAP_CREATE) == nullptr) {
    throw IoError(path + ": GDAL has no driver '" + driver_name + "' that writes vector data");
  }

  // The CRS first, so that a bad one leaves no file behind.
  const detail::SrsPtr wgs84 = detail::wgs84_lon_lat();
  const detail::SrsPtr target =
      options.crs.empty() ? detail::wgs84_lon_lat() : detail::srs_from_user_input(options.crs);
  detail::TransformPtr transform;
  plan.target_is_wgs84 = target->IsSame(wgs84.get()) != FALSE;
  plan.target_is_geographic = target->IsGeographic() != FALSE;
  if (!plan.target_is_wgs84) {
    transform = detail::make_transform(*wgs84, *target, "write_network");
  }
  plan.srs = target.get();
  if (!options.crs.empty()) plan.crs_label = options.crs;
  plan.to_target = transform.get();

  // Declared before any dataset, so datasets are closed before temporaries are removed.
  AtomicOutput output;
  ErrorCapture capture("writing '" + path + "'");
  const detail::ThreadConfigOption synchronous("OGR_SQLITE_SYNCHRONOUS", "OFF");

  if (plan.format == Format::kGpkg) {
    const Sink sink(path, output.add(path), capture);
    DatasetPtr dataset = create_dataset(plan, sink);
    write_locations(*dataset, network, plan, sink);
    write_routes(*dataset, network, plan, sink);
    close_dataset(dataset, sink);
  } else {
    const std::string locations_path = sibling(path, "locations");
    const std::string routes_path = sibling(path, "routes");
    const Sink locations_sink(locations_path, output.add(locations_path), capture);
    const Sink routes_sink(routes_path, output.add(routes_path), capture);
    DatasetPtr locations = create_dataset(plan, locations_sink);
    write_locations(*locations, network, plan, locations_sink);
    close_dataset(locations, locations_sink);
    verify_feature_count(plan, locations_sink, network.num_locations());
    DatasetPtr routes = create_dataset(plan, routes_sink);
    write_routes(*routes, network, plan, routes_sink);
    close_dataset(routes, routes_sink);
    verify_feature_count(plan, routes_sink, network.num_routes());
  }
  return output.commit();
}

}  // namespace corridor::geo
