// corridor::geo — reading networks: see read.hpp.
//
// Design notes:
// - Two sources, one set of rules. A CSV record and an OGR feature are both seen through a
//   `Value` per field (missing, text, or a number OGR already parsed), and the same functions
//   turn values into a Location or a RouteRecord, so the checks and the messages are the same
//   for every format. Messages read "<where>, field '<name>': <problem>", where <where> is
//   "<path> line <N>" or "<path> layer '<layer>' feature <FID>", and <name> is the column as
//   the file spells it.
// - CSV is tokenised by GDAL's CPL CSV reader (quoted fields, embedded newlines, any VSI path)
//   and parsed here rather than through OGR's CSV driver, which would guess types, treat
//   "12abc" as a string and lose line numbers. Line numbers count physical lines, header = 1,
//   including blank lines and the extra lines of a quoted field that spans several. The
//   tokenizer, the number parser and Place live in csv.hpp, shared with flee_case.cpp.
// - Numbers are parsed strictly (std::from_chars on the whole trimmed cell): "12abc", "1,5"
//   and "" with junk are errors, never silently 12 or 0.
// - Flee files are recognised by a header whose first field starts with '#', and are read by
//   position as Flee does (see ../shared/data/flee/README.md section 2). Later '#' lines are
//   comments. Flee's location_type is matched by substring, like Flee's Location.__init__.
//   Flee's column 8 is the population, except for camps, where it is the capacity (0 or empty
//   = unlimited). A conflict zone with conflict_date > 0 stays a conflict zone here: when it
//   ignites is the scenario's business (conflicts.csv), not the network's.
// - OGR layers: attribute names match case-insensitively, and a Shapefile's 10-character
//   truncation of a long name is accepted ('screening_' for screening_per_day), as are the
//   short names write_network uses for Shapefiles. Points and lines are transformed to
//   EPSG:4326 (lon, lat). A layer without a CRS is taken as lon/lat only when its coordinates
//   fit, otherwise CrsError. A layer without geometry (an attribute table, a spreadsheet) is
//   read like a CSV: its locations need lat and lon fields.
#include "corridor/geo/read.hpp"

#include <cpl_csv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "corridor/error.hpp"
#include "corridor/geo/geodesic.hpp"
#include "csv.hpp"
#include "gdal_support.hpp"
#include "text.hpp"

namespace corridor::geo {

namespace {

using detail::lower;
using detail::join;
using detail::format_number;

using detail::csv_place;
using detail::CsvReader;
using detail::DatasetPtr;
using detail::ErrorCapture;
using detail::FeaturePtr;
using detail::parse_double;
using detail::Place;
using detail::require_exists;
using detail::starts_with_hash;
using detail::trim;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ------------------------------------------------------------------------------------------
// Text helpers

std::string extension_of(const std::string& path) {
  return lower(std::filesystem::path(path).extension().string());
}

bool is_csv_path(const std::string& path) {
  const std::string ext = extension_of(path);
  return ext == ".csv" || ext == ".txt";
}

// ------------------------------------------------------------------------------------------
// Values and fields

/// One field of one record: missing (empty cell, NULL), text, or a number OGR has parsed.
struct Value {
  enum class Kind : std::uint8_t { kMissing, kText, kNumber };
  Kind kind = Kind::kMissing;
  std::string text;  ///< trimmed; for kNumber, the number as text (for messages)
  double number = 0.0;

  bool missing() const noexcept { return kind == Kind::kMissing; }
  static Value of_text(std::string_view raw) {
    Value v;
    const std::string_view t = trim(raw);
    if (!t.empty()) {
      v.kind = Kind::kText;
      v.text = t;
    }
    return v;
  }
  static Value of_number(double x) {
    Value v;
    v.kind = Kind::kNumber;
    v.number = x;
    v.text = format_number(x);
    return v;
  }
};

/// The number in `value`, or nullopt if missing. Text that is not a number, and NaN, are
/// errors; +-infinity is returned as is (callers that need finite values check).
std::optional<double> number_of(const Value& value, const Place& place, std::string_view field) {
  double x = 0.0;
  switch (value.kind) {
    case Value::Kind::kMissing:
      return std::nullopt;
    case Value::Kind::kNumber:
      x = value.number;
      break;
    case Value::Kind::kText: {
      const std::optional<double> parsed = parse_double(value.text);
      if (!parsed) place.fail(field, "'" + value.text + "' is not a number");
      x = *parsed;
      break;
    }
  }
  if (std::isnan(x)) place.fail(field, "'" + value.text + "' is not a number (NaN)");
  return x;
}

double coordinate_of(const Value& value, const Place& place, std::string_view field,
                     double limit) {
  const std::optional<double> x = number_of(value, place, field);
  if (!x) place.fail(field, "missing value");
  if (!std::isfinite(*x)) place.fail(field, "'" + value.text + "' is not a finite number");
  if (*x < -limit || *x > limit) {
    const std::string range = limit == 90.0 ? "[-90, 90]" : "[-180, 180]";
    place.fail(field, value.text + " is out of range " + range);
  }
  return *x;
}

/// A count or capacity: >= 0. Missing gives `if_missing`; +infinity is accepted only when
/// `allow_infinity` (capacities: unlimited).
double amount_of(const Value& value, const Place& place, std::string_view field,
                 double if_missing, bool allow_infinity) {
  const std::optional<double> x = number_of(value, place, field);
  if (!x) return if_missing;
  if (*x < 0.0) place.fail(field, value.text + " is negative");
  if (std::isinf(*x) && !allow_infinity) {
    place.fail(field, "'" + value.text + "' is not a finite number");
  }
  return *x;
}

std::optional<double> distance_of(const Value& value, const Place& place,
                                  std::string_view field) {
  const std::optional<double> x = number_of(value, place, field);
  if (!x) return std::nullopt;
  if (!std::isfinite(*x)) place.fail(field, "'" + value.text + "' is not a finite number");
  if (*x < 0.0) place.fail(field, value.text + " is negative");
  return x;
}

bool boolean_of(const Value& value, const Place& place, std::string_view field) {
  if (value.missing()) return false;
  if (value.kind == Value::Kind::kNumber) {
    if (value.number == 0.0) return false;
    if (value.number == 1.0) return true;
  } else {
    const std::string t = lower(value.text);
    if (t == "0" || t == "false" || t == "no" || t == "f" || t == "n") return false;
    if (t == "1" || t == "true" || t == "yes" || t == "t" || t == "y") return true;
  }
  place.fail(field, "'" + value.text + "' is not a boolean (use 0/1, true/false, yes/no)");
}

std::string valid_kinds() {
  std::vector<std::string> names;
  for (int k = 0; k <= static_cast<int>(LocationKind::kDestination); ++k) {
    names.emplace_back(to_string(static_cast<LocationKind>(k)));
  }
  return join(names);
}

std::string valid_modes() {
  std::vector<std::string> names;
  for (int m = 0; m <= static_cast<int>(Mode::kAir); ++m) {
    names.emplace_back(to_string(static_cast<Mode>(m)));
  }
  return join(names);
}

LocationKind kind_of(const Value& value, const Place& place, std::string_view field) {
  if (value.missing()) return LocationKind::kTown;
  const std::optional<LocationKind> kind = parse_location_kind(value.text);
  if (!kind) {
    place.fail(field, "unknown kind '" + value.text + "' (valid: " + valid_kinds() + ")");
  }
  return *kind;
}

Mode mode_of(const Value& value, const Place& place, std::string_view field) {
  if (value.missing()) return Mode::kRoad;
  const std::optional<Mode> mode = parse_mode(value.text);
  if (!mode) {
    place.fail(field, "unknown mode '" + value.text + "' (valid: " + valid_modes() + ")");
  }
  return *mode;
}

/// Flee's location_type, matched by substring as Flee's Location.__init__ does.
LocationKind flee_kind_of(const Value& value, const Place& place, std::string_view field) {
  if (value.missing()) return LocationKind::kTown;
  const std::string t = lower(value.text);
  if (t.find("camp") != std::string::npos) return LocationKind::kCamp;  // camp, idpcamp
  if (t.find("conflict") != std::string::npos) return LocationKind::kConflictZone;
  if (t.find("forward") != std::string::npos) return LocationKind::kTransit;  // forwarding_hub
  if (t.find("marker") != std::string::npos) return LocationKind::kTransit;
  if (t.find("town") != std::string::npos || t.find("default") != std::string::npos) {
    return LocationKind::kTown;
  }
  place.fail(field, "unknown Flee location_type '" + value.text +
                        "' (valid: camp, idpcamp, conflict_zone, forwarding_hub, marker, town, "
                        "default)");
}

std::string text_of(const Value& value) { return value.missing() ? std::string() : value.text; }

// ------------------------------------------------------------------------------------------
// Schemas: which column or OGR field holds which quantity

enum LocationSlot : int {
  kLocName,
  kLocLat,
  kLocLon,
  kLocCountry,
  kLocRegion,
  kLocKind,
  kLocPopulation,
  kLocCapacity,
  kLocScreening,
  kLocSlots
};

enum RouteSlot : int {
  kRouteFrom,
  kRouteTo,
  kRouteDistance,
  kRouteMode,
  kRouteCapacity,
  kRouteClosed,
  kRouteDirected,
  kRouteSlots
};

struct FieldSpec {
  std::string_view canonical;
  std::array<std::string_view, 3> aliases;  // accepted spellings besides `canonical`
  bool required;
};

// Aliases include the short names write_network uses in Shapefiles (see write.hpp).
constexpr std::array<FieldSpec, kLocSlots> kLocationFields = {{
    {"name", {}, true},
    {"lat", {"latitude"}, true},
    {"lon", {"longitude"}, true},
    {"country", {}, false},
    {"region", {}, false},
    {"kind", {"location_type"}, false},
    {"population", {}, false},
    {"capacity", {}, false},
    {"screening_per_day", {"screening"}, false},
}};

constexpr std::array<FieldSpec, kRouteSlots> kRouteFields = {{
    {"from", {}, true},
    {"to", {}, true},
    {"distance_km", {"distance", "dist_km"}, false},
    {"mode", {}, false},
    {"capacity_per_day", {"cap_day"}, false},
    {"closed", {}, false},
    {"directed", {}, false},
}};

/// Where each slot is found (column or OGR field index, -1 if absent) and its name as written.
struct Columns {
  std::vector<int> index;
  std::vector<std::string> name;

  explicit Columns(std::size_t slots) : index(slots, -1), name(slots) {}
  bool has(int slot) const { return index[static_cast<std::size_t>(slot)] >= 0; }
  const std::string& field(int slot) const { return name[static_cast<std::size_t>(slot)]; }
};

bool spec_matches(const FieldSpec& spec, const std::string& lowered, bool allow_truncated) {
  if (lowered == spec.canonical) return true;
  for (std::string_view alias : spec.aliases) {
    if (!alias.empty() && lowered == alias) return true;
  }
  // A Shapefile (DBF) keeps the first 10 characters of a longer name.
  return allow_truncated && lowered.size() == 10 && spec.canonical.size() > 10 &&
         spec.canonical.substr(0, 10) == lowered;
}

/// Maps header names to slots. `label` is "<path>" or "<path> layer 'x'" for messages.
template <std::size_t N>
Columns resolve_columns(const std::array<FieldSpec, N>& specs,
                        const std::vector<std::string>& header, const std::string& label,
                        bool allow_truncated, const char* noun,
                        std::initializer_list<int> optional_here = {}) {
  Columns columns(N);
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string lowered = lower(trim(header[i]));
    for (std::size_t slot = 0; slot < N; ++slot) {
      if (!spec_matches(specs[slot], lowered, allow_truncated)) continue;
      if (columns.index[slot] >= 0) {
        throw InputError(label + ": " + noun + "s '" + columns.name[slot] + "' and '" +
                         header[i] + "' both give " + std::string(specs[slot].canonical));
      }
      columns.index[slot] = static_cast<int>(i);
      columns.name[slot] = header[i];
    }
  }
  for (std::size_t slot = 0; slot < N; ++slot) {
    if (columns.index[slot] >= 0) {
      continue;
    }
    columns.name[slot] = std::string(specs[slot].canonical);
    const bool excused = std::find(optional_here.begin(), optional_here.end(),
                                   static_cast<int>(slot)) != optional_here.end();
    if (specs[slot].required && !excused) {
      throw InputError(label + ": missing " + noun + " '" + std::string(specs[slot].canonical) +
                       "' (" + (std::string_view(noun) == "column" ? "header has" : "fields are") +
                       ": " + join(header) + ")");
    }
  }
  return columns;
}

// ------------------------------------------------------------------------------------------
// Records to values

template <class Get>
Location make_location(const Get& get, const Columns& cols, const Place& place,
                       std::optional<LonLat> position) {
  Location location;
  const Value name = get(kLocName);
  if (name.missing()) place.fail(cols.field(kLocName), "missing name");
  location.name = name.text;
  location.country = text_of(get(kLocCountry));
  location.region = text_of(get(kLocRegion));
  if (position) {
    location.position = *position;
  } else {
    location.position.lat = coordinate_of(get(kLocLat), place, cols.field(kLocLat), 90.0);
    location.position.lon = coordinate_of(get(kLocLon), place, cols.field(kLocLon), 180.0);
  }
  location.kind = kind_of(get(kLocKind), place, cols.field(kLocKind));
  location.population =
      amount_of(get(kLocPopulation), place, cols.field(kLocPopulation), 0.0, false);
  location.capacity =
      amount_of(get(kLocCapacity), place, cols.field(kLocCapacity), kUnlimited, true);
  location.screening_per_day =
      amount_of(get(kLocScreening), place, cols.field(kLocScreening), kUnlimited, true);
  return location;
}

template <class Get>
RouteRecord make_route(const Get& get, const Columns& cols, const Place& place) {
  RouteRecord record;
  const Value from = get(kRouteFrom);
  if (from.missing()) place.fail(cols.field(kRouteFrom), "missing location name");
  const Value to = get(kRouteTo);
  if (to.missing()) place.fail(cols.field(kRouteTo), "missing location name");
  record.from = from.text;
  record.to = to.text;
  record.route.distance_km =
      distance_of(get(kRouteDistance), place, cols.field(kRouteDistance)).value_or(kNaN);
  record.route.mode = mode_of(get(kRouteMode), place, cols.field(kRouteMode));
  record.route.capacity_per_day =
      amount_of(get(kRouteCapacity), place, cols.field(kRouteCapacity), kUnlimited, true);
  record.route.closed = boolean_of(get(kRouteClosed), place, cols.field(kRouteClosed));
  record.route.directed = boolean_of(get(kRouteDirected), place, cols.field(kRouteDirected));
  record.where = place.where;
  return record;
}

// ------------------------------------------------------------------------------------------
// CSV

bool is_flee_header(const std::vector<std::string>& header) { return starts_with_hash(header); }

bool is_comment(const std::vector<std::string>& fields) { return starts_with_hash(fields); }

/// Value getter for a CSV record; fewer cells than columns read as missing.
struct CsvGet {
  const std::vector<std::string>& fields;
  const Columns& cols;
  Value operator()(int slot) const {
    const int index = cols.index[static_cast<std::size_t>(slot)];
    if (index < 0 || static_cast<std::size_t>(index) >= fields.size()) return {};
    return Value::of_text(fields[static_cast<std::size_t>(index)]);
  }
};

/// Flee columns by position: #name,region,country,latitude,longitude,location_type,
/// conflict_date,population.
Columns flee_location_columns() {
  Columns cols(kLocSlots);
  const std::array<std::pair<int, const char*>, kLocSlots> layout = {{
      {0, "name"},
      {3, "latitude"},
      {4, "longitude"},
      {2, "country"},
      {1, "region"},
      {5, "location_type"},
      {7, "population"},
      {-1, "capacity"},
      {-1, "screening_per_day"},
  }};
  for (std::size_t slot = 0; slot < layout.size(); ++slot) {
    cols.index[slot] = layout[slot].first;
    cols.name[slot] = layout[slot].second;
  }
  return cols;
}

/// Flee columns by position: #name1,name2,distance[,forced_redirection,...].
Columns flee_route_columns() {
  Columns cols(kRouteSlots);
  const std::array<std::pair<int, const char*>, kRouteSlots> layout = {{
      {0, "name1"},
      {1, "name2"},
      {2, "distance"},
      {-1, "mode"},
      {-1, "capacity_per_day"},
      {-1, "closed"},
      {-1, "directed"},
  }};
  for (std::size_t slot = 0; slot < layout.size(); ++slot) {
    cols.index[slot] = layout[slot].first;
    cols.name[slot] = layout[slot].second;
  }
  return cols;
}

struct LocationsRead {
  std::vector<Location> locations;
  std::vector<std::string> where;  ///< one per location, for the builder's messages
};

struct RoutesRead {
  std::vector<RouteRecord> records;
  std::string from_field = "from";
  std::string to_field = "to";
};

LocationsRead read_locations_csv(const std::string& path) {
  CsvReader csv(path);
  std::vector<std::string> fields;
  long line = 0;
  if (!csv.next(fields, line)) throw InputError(path + ": empty file (no header line)");
  LocationsRead out;
  if (is_flee_header(fields)) {
    const Columns cols = flee_location_columns();
    Columns cols_but_kind = cols;  // Flee's location_type has its own rules, below
    cols_but_kind.index[kLocKind] = -1;
    while (csv.next(fields, line)) {
      if (is_comment(fields)) continue;
      const Place place = csv_place(path, line);
      const CsvGet get{fields, cols};
      Location location = make_location(CsvGet{fields, cols_but_kind}, cols, place, std::nullopt);
      // Flee's type decides; its column 8 is a capacity for camps (0 = unlimited).
      location.kind = flee_kind_of(get(kLocKind), place, cols.field(kLocKind));
      if (location.kind == LocationKind::kCamp) {
        location.capacity = location.population > 0.0 ? location.population : kUnlimited;
        location.population = 0.0;
      }
      out.locations.push_back(std::move(location));
      out.where.push_back(place.where);
    }
    return out;
  }
  const Columns cols = resolve_columns(kLocationFields, fields, path, false, "column");
  while (csv.next(fields, line)) {
    const Place place = csv_place(path, line);
    out.locations.push_back(make_location(CsvGet{fields, cols}, cols, place, std::nullopt));
    out.where.push_back(place.where);
  }
  return out;
}

RoutesRead read_routes_csv(const std::string& path) {
  CsvReader csv(path);
  std::vector<std::string> fields;
  long line = 0;
  if (!csv.next(fields, line)) throw InputError(path + ": empty file (no header line)");
  RoutesRead out;
  const bool flee = is_flee_header(fields);
  const Columns cols = flee ? flee_route_columns()
                            : resolve_columns(kRouteFields, fields, path, false, "column");
  out.from_field = cols.field(kRouteFrom);
  out.to_field = cols.field(kRouteTo);
  while (csv.next(fields, line)) {
    if (flee && is_comment(fields)) continue;
    const Place place = csv_place(path, line);
    RouteRecord record = make_route(CsvGet{fields, cols}, cols, place);
    if (flee && std::isnan(record.route.distance_km)) {
      place.fail(cols.field(kRouteDistance), "missing value (Flee routes need a distance)");
    }
    out.records.push_back(std::move(record));
  }
  return out;
}

// ------------------------------------------------------------------------------------------
// OGR

struct OgrLayer {
  DatasetPtr dataset;
  OGRLayer* layer = nullptr;
  std::string label;  ///< "<path> layer '<name>'"
};

/// Opens `path` and picks `name`, else a layer called `preferred`, else the first layer.
OgrLayer open_layer(const std::string& path, const std::string& name,
                    std::string_view preferred) {
  detail::ensure_gdal_registered();
  require_exists(path);
  ErrorCapture capture("reading '" + path + "'");
  OgrLayer out;
  out.dataset.reset(GDALDataset::FromHandle(
      GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR,
                 nullptr, nullptr, nullptr)));
  if (!out.dataset) {
    capture.throw_io(path + ": cannot open as a vector data set",
                     "not a format GDAL/OGR can read");
  }
  const int count = out.dataset->GetLayerCount();
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) names.emplace_back(out.dataset->GetLayer(i)->GetName());
  if (!name.empty()) {
    out.layer = out.dataset->GetLayerByName(name.c_str());
    if (out.layer == nullptr) {
      throw IoError(path + ": no layer '" + name + "' (layers: " + join(names) + ")");
    }
  } else {
    if (count == 0) throw IoError(path + ": has no layers");
    for (int i = 0; i < count && out.layer == nullptr; ++i) {
      if (lower(names[static_cast<std::size_t>(i)]) == preferred) {
        out.layer = out.dataset->GetLayer(i);
      }
    }
    if (out.layer == nullptr) out.layer = out.dataset->GetLayer(0);
  }
  out.label = path + " layer '" + out.layer->GetName() + "'";
  return out;
}

std::vector<std::string> field_names(OGRLayer* layer) {
  const OGRFeatureDefn* defn = layer->GetLayerDefn();
  std::vector<std::string> names;
  for (int i = 0; i < defn->GetFieldCount(); ++i) {
    names.emplace_back(defn->GetFieldDefn(i)->GetNameRef());
  }
  return names;
}

struct OgrGet {
  const OGRFeature& feature;
  const Columns& cols;
  Value operator()(int slot) const {
    const int index = cols.index[static_cast<std::size_t>(slot)];
    if (index < 0 || !feature.IsFieldSetAndNotNull(index)) return {};
    switch (feature.GetFieldDefnRef(index)->GetType()) {
      case OFTInteger:
      case OFTInteger64:
      case OFTReal:
        return Value::of_number(feature.GetFieldAsDouble(index));
      default:
        return Value::of_text(feature.GetFieldAsString(index));
    }
  }
};

Place ogr_place(const std::string& label, const OGRFeature& feature, long ordinal) {
  const GIntBig fid = feature.GetFID();
  return Place{label + " feature " +
               std::to_string(fid == OGRNullFID ? static_cast<GIntBig>(ordinal) : fid)};
}

/// Brings a layer's coordinates to EPSG:4326 (lon, lat).
class ToLonLat {
 public:
  ToLonLat(OGRLayer* layer, const std::string& label) : label_(label) {
    const OGRSpatialReference* srs = layer->GetSpatialRef();
    if (srs == nullptr) return;  // no CRS: lon/lat if the coordinates fit
    has_crs_ = true;
    detail::SrsPtr source = detail::clone_lon_lat(*srs);
    detail::SrsPtr target = detail::wgs84_lon_lat();
    if (source->IsSame(target.get())) return;
    transform_ = detail::make_transform(*source, *target, label);
    source_label_ = detail::srs_label(*source);
  }

  /// Transforms in place; `where` names the feature in messages.
  void apply(std::vector<double>& x, std::vector<double>& y, const std::string& where) const {
    if (transform_) {
      ErrorCapture capture;
      std::vector<int> ok(x.size(), FALSE);
      const bool all = transform_->Transform(static_cast<int>(x.size()), x.data(), y.data(),
                                             nullptr, ok.data()) != FALSE;
      if (!all || std::find(ok.begin(), ok.end(), FALSE) != ok.end()) {
        throw CrsError(where + ": cannot transform its coordinates from " + source_label_ +
                       " to EPSG:4326: " + capture.message("outside the CRS's domain"));
      }
      return;
    }
    if (has_crs_) return;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!(std::abs(x[i]) <= 180.0 && std::abs(y[i]) <= 90.0)) {
        throw CrsError(label_ + " has no CRS and " + where + " has coordinates (" +
                       format_number(x[i]) + ", " + format_number(y[i]) +
                       ") that are not longitude/latitude; give the layer a CRS");
      }
    }
  }

 private:
  std::string label_;
  std::string source_label_;
  bool has_crs_ = false;
  detail::TransformPtr transform_;
};

std::string geometry_field_name(OGRLayer* layer) {
  const char* name = layer->GetGeometryColumn();
  return name != nullptr && *name != '\0' ? std::string(name) : std::string("geometry");
}

bool layer_has_geometry(OGRLayer* layer) {
  return layer->GetLayerDefn()->GetGeomFieldCount() > 0;
}

void check_lon_lat(double lon, double lat, const Place& place, std::string_view field) {
  if (!(lat >= -90.0 && lat <= 90.0)) {
    place.fail(field, "latitude " + format_number(lat) + " is out of range [-90, 90]");
  }
  if (!(lon >= -180.0 && lon <= 180.0)) {
    place.fail(field, "longitude " + format_number(lon) + " is out of range [-180, 180]");
  }
}

LocationsRead read_locations_ogr(const std::string& path, const std::string& layer_name) {
  OgrLayer source = open_layer(path, layer_name, "locations");
  ErrorCapture capture("reading " + source.label);
  OGRLayer* layer = source.layer;
  const bool spatial = layer_has_geometry(layer);
  const Columns cols =
      spatial ? resolve_columns(kLocationFields, field_names(layer), source.label, true,
                                "field", {kLocLat, kLocLon})
              : resolve_columns(kLocationFields, field_names(layer), source.label, true, "field");
  const std::string geometry_field = geometry_field_name(layer);
  const ToLonLat to_lon_lat(layer, source.label);
  LocationsRead out;
  std::vector<double> x(1);
  std::vector<double> y(1);
  layer->ResetReading();
  long ordinal = 0;
  for (FeaturePtr feature(layer->GetNextFeature()); feature;
       feature.reset(layer->GetNextFeature())) {
    const Place place = ogr_place(source.label, *feature, ordinal++);
    std::optional<LonLat> position;
    if (spatial) {
      const OGRGeometry* geometry = feature->GetGeometryRef();
      if (geometry == nullptr || geometry->IsEmpty()) place.fail(geometry_field, "no geometry");
      const OGRPoint* point = nullptr;
      const OGRwkbGeometryType type = wkbFlatten(geometry->getGeometryType());
      if (type == wkbPoint) {
        point = geometry->toPoint();
      } else if (type == wkbMultiPoint && geometry->toMultiPoint()->getNumGeometries() == 1) {
        point = geometry->toMultiPoint()->getGeometryRef(0);
      } else {
        place.fail(geometry_field, std::string("a ") + geometry->getGeometryName() +
                                       " where a point was expected");
      }
      x[0] = point->getX();
      y[0] = point->getY();
      to_lon_lat.apply(x, y, place.where);
      check_lon_lat(x[0], y[0], place, geometry_field);
      position = LonLat{x[0], y[0]};
    }
    out.locations.push_back(make_location(OgrGet{*feature, cols}, cols, place, position));
    out.where.push_back(place.where);
  }
  capture.throw_if_failed(source.label + ": reading failed");
  return out;
}

/// Appends a LineString's points; a later part of a MultiLineString must start where the line
/// so far ends (or end there, then it is reversed), give or take whole turns of longitude.
void append_part(const OGRLineString& part, std::vector<double>& x, std::vector<double>& y,
                 const Place& place, std::string_view field) {
  const int n = part.getNumPoints();
  if (n < 2) place.fail(field, "a line part with fewer than 2 points");
  if (x.empty()) {
    for (int i = 0; i < n; ++i) {
      x.push_back(part.getX(i));
      y.push_back(part.getY(i));
    }
    return;
  }
  const double last_x = x.back();
  const double last_y = y.back();
  // Same point, allowing for a split at the antimeridian (lon 180 vs -180).
  auto joins = [&](int i, double& shift) {
    if (part.getY(i) != last_y) return false;
    const double dx = last_x - part.getX(i);
    shift = 360.0 * std::round(dx / 360.0);
    return std::abs(dx - shift) <= 1e-9;
  };
  double shift = 0.0;
  if (joins(0, shift)) {
    for (int i = 1; i < n; ++i) {
      x.push_back(part.getX(i) + shift);
      y.push_back(part.getY(i));
    }
  } else if (joins(n - 1, shift)) {
    for (int i = n - 2; i >= 0; --i) {
      x.push_back(part.getX(i) + shift);
      y.push_back(part.getY(i));
    }
  } else {
    place.fail(field, "a MultiLineString whose parts do not join end to end");
  }
}

RoutesRead read_routes_ogr(const std::string& path, const std::string& layer_name) {
  OgrLayer source = open_layer(path, layer_name, "routes");
  ErrorCapture capture("reading " + source.label);
  OGRLayer* layer = source.layer;
  const Columns cols =
      resolve_columns(kRouteFields, field_names(layer), source.label, true, "field");
  const bool spatial = layer_has_geometry(layer);
  const std::string geometry_field = geometry_field_name(layer);
  std::optional<ToLonLat> to_lon_lat;
  if (spatial) to_lon_lat.emplace(layer, source.label);
  RoutesRead out;
  out.from_field = cols.field(kRouteFrom);
  out.to_field = cols.field(kRouteTo);
  std::vector<double> x;
  std::vector<double> y;
  layer->ResetReading();
  long ordinal = 0;
  for (FeaturePtr feature(layer->GetNextFeature()); feature;
       feature.reset(layer->GetNextFeature())) {
    const Place place = ogr_place(source.label, *feature, ordinal++);
    RouteRecord record = make_route(OgrGet{*feature, cols}, cols, place);
    const OGRGeometry* geometry = spatial ? feature->GetGeometryRef() : nullptr;
    if (geometry != nullptr && !geometry->IsEmpty()) {
      x.clear();
      y.clear();
      const OGRwkbGeometryType type = wkbFlatten(geometry->getGeometryType());
      if (type == wkbLineString) {
        append_part(*geometry->toLineString(), x, y, place, geometry_field);
      } else if (type == wkbMultiLineString) {
        for (const OGRLineString* part : *geometry->toMultiLineString()) {
          append_part(*part, x, y, place, geometry_field);
        }
      } else {
        place.fail(geometry_field, std::string("a ") + geometry->getGeometryName() +
                                       " where a line was expected");
      }
      to_lon_lat->apply(x, y, place.where);
      record.route.geometry.resize(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!(y[i] >= -90.0 && y[i] <= 90.0)) {
          place.fail(geometry_field,
                     "latitude " + format_number(y[i]) + " is out of range [-90, 90]");
        }
        if (!(x[i] >= -540.0 && x[i] <= 540.0)) {  // unrolled across the antimeridian at most
          place.fail(geometry_field,
                     "longitude " + format_number(x[i]) + " is out of range [-540, 540]");
        }
        // Network positions are in [-180, 180]; geodesics between vertices still take the
        // short way across the antimeridian.
        record.route.geometry[i] = LonLat{std::remainder(x[i], 360.0), y[i]};
      }
      if (std::isnan(record.route.distance_km)) {
        record.route.distance_km = polyline_length_km(record.route.geometry);
      }
    }
    out.records.push_back(std::move(record));
  }
  capture.throw_if_failed(source.label + ": reading failed");
  return out;
}

// ------------------------------------------------------------------------------------------

LocationsRead read_locations_any(const std::string& path, const std::string& layer) {
  LocationsRead read = is_csv_path(path) ? read_locations_csv(path)
                                         : read_locations_ogr(path, layer);
  // Names are unique: say where the first one was.
  std::unordered_map<std::string, std::size_t> seen;
  seen.reserve(read.locations.size());
  for (std::size_t i = 0; i < read.locations.size(); ++i) {
    const auto [it, inserted] = seen.emplace(read.locations[i].name, i);
    if (!inserted) {
      throw InputError(read.where[i] + ", field 'name': duplicate name '" +
                       read.locations[i].name + "' (first at " + read.where[it->second] + ")");
    }
  }
  return read;
}

RoutesRead read_routes_any(const std::string& path, const std::string& layer) {
  return is_csv_path(path) ? read_routes_csv(path) : read_routes_ogr(path, layer);
}

double squared_gap(LonLat a, LonLat b) {
  const double dx = a.lon - b.lon;
  const double dy = a.lat - b.lat;
  return dx * dx + dy * dy;
}

}  // namespace

std::vector<Location> read_locations(const std::string& path, const std::string& layer) {
  return read_locations_any(path, layer).locations;
}

std::vector<RouteRecord> read_routes(const std::string& path, const std::string& layer) {
  return read_routes_any(path, layer).records;
}

Network read_network(const std::string& locations_path, const std::string& routes_path,
                     const ReadOptions& options) {
  LocationsRead locations = read_locations_any(locations_path, options.locations_layer);
  RoutesRead routes = read_routes_any(routes_path, options.routes_layer);
  NetworkBuilder builder;
  for (std::size_t i = 0; i < locations.locations.size(); ++i) {
    builder.add_location(std::move(locations.locations[i]), locations.where[i]);
  }
  for (RouteRecord& record : routes.records) {
    const std::optional<LocationId> from = builder.find(record.from);
    if (!from) {
      throw InputError(record.where + ", field '" + routes.from_field +
                       "': unknown location '" + record.from + "'");
    }
    const std::optional<LocationId> to = builder.find(record.to);
    if (!to) {
      throw InputError(record.where + ", field '" + routes.to_field + "': unknown location '" +
                       record.to + "'");
    }
    Route route = std::move(record.route);
    route.from = *from;
    route.to = *to;
    const LonLat a = builder.location(*from).position;
    const LonLat b = builder.location(*to).position;
    auto& g = route.geometry;
    if (g.size() >= 2 &&
        squared_gap(g.front(), a) + squared_gap(g.back(), b) >
            squared_gap(g.front(), b) + squared_gap(g.back(), a)) {
      std::reverse(g.begin(), g.end());  // drawn from 'to' to 'from'
    }
    if (std::isnan(route.distance_km)) {
      route.distance_km = g.size() >= 2 ? polyline_length_km(g) : geodesic_distance_km(a, b);
    }
    builder.add_route(std::move(route), record.where);
  }
  return builder.build();
}

}  // namespace corridor::geo
