// corridor::geo — reading the layers a network is built from: see build_network.hpp.
//
// Design notes:
// - Lines are read into flat arrays (one vector of points for the whole layer) and reprojected
//   in one batch at the end: one Transform call per 64k points instead of one per feature.
// - What cannot be a line (a point, a polygon, an empty or missing geometry) is dropped and
//   reported by feature; bad coordinates are left for build_network(), which repairs the line
//   around them and reports that too. Bad attribute values (an unknown mode, a speed that is
//   not a number) are errors naming the feature and field, like every other reader.
// - Places go through read_locations(), so a places layer is exactly a locations layer (CSV
//   too), with the same fields and checks.
// - A layer without a CRS is taken as lon/lat only when its coordinates fit, as read.cpp does;
//   otherwise CrsError naming the file and layer.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "corridor/error.hpp"
#include "corridor/geo/build_network.hpp"
#include "corridor/geo/read.hpp"
#include "csv.hpp"
#include "gdal_support.hpp"
#include "text.hpp"

namespace corridor::geo {

namespace {

using detail::lower;
using detail::join;
using detail::format_number;

using detail::DatasetPtr;
using detail::ErrorCapture;
using detail::FeaturePtr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct OpenLayer {
  DatasetPtr dataset;
  OGRLayer* layer = nullptr;
  std::string label;
};

OpenLayer open_layer(const std::string& path, const std::string& name, std::string_view what) {
  detail::ensure_gdal_registered();
  detail::require_exists(path);
  ErrorCapture capture("reading '" + path + "'");
  OpenLayer out;
  out.dataset.reset(GDALDataset::FromHandle(
      GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR,
                 nullptr, nullptr, nullptr)));
  if (!out.dataset) {
    capture.throw_io(path + ": cannot open as a vector data set (" + std::string(what) + ")",
                     "not a format GDAL/OGR can read");
  }
  std::vector<std::string> names;
  for (int i = 0; i < out.dataset->GetLayerCount(); ++i) {
    names.emplace_back(out.dataset->GetLayer(i)->GetName());
  }
  if (!name.empty()) {
    out.layer = out.dataset->GetLayerByName(name.c_str());
    if (out.layer == nullptr) {
      throw IoError(path + ": no layer '" + name + "' (layers: " + join(names) + ")");
    }
  } else {
    if (names.empty()) throw InputError(path + ": has no layers (" + std::string(what) + ")");
    out.layer = out.dataset->GetLayer(0);
  }
  out.label = path + " layer '" + out.layer->GetName() + "'";
  return out;
}

/// Index of a field by case-insensitive name, or -1.
int find_field(OGRLayer* layer, const std::string& name) {
  if (name.empty()) return -1;
  const OGRFeatureDefn* defn = layer->GetLayerDefn();
  const std::string want = lower(name);
  for (int i = 0; i < defn->GetFieldCount(); ++i) {
    if (lower(defn->GetFieldDefn(i)->GetNameRef()) == want) return i;
  }
  return -1;
}

std::vector<std::string> field_names(OGRLayer* layer) {
  const OGRFeatureDefn* defn = layer->GetLayerDefn();
  std::vector<std::string> names;
  for (int i = 0; i < defn->GetFieldCount(); ++i) {
    names.emplace_back(defn->GetFieldDefn(i)->GetNameRef());
  }
  return names;
}

void require_features(OGRLayer* layer, const std::string& label) {
  layer->ResetReading();
  FeaturePtr first(layer->GetNextFeature());
  if (!first) throw InputError(label + ": the layer has no features");
  layer->ResetReading();
}

std::string where_of(const std::string& label, const OGRFeature& feature) {
  return label + " feature " + std::to_string(feature.GetFID());
}

/// Brings a layer's coordinates to EPSG:4326 (lon, lat) in batches.
class LayerToLonLat {
 public:
  LayerToLonLat(OGRLayer* layer, std::string label) : label_(std::move(label)) {
    const OGRSpatialReference* srs = layer->GetSpatialRef();
    if (srs == nullptr) return;
    has_crs_ = true;
    detail::SrsPtr source = detail::clone_lon_lat(*srs);
    detail::SrsPtr target = detail::wgs84_lon_lat();
    if (source->IsSame(target.get())) return;
    transform_ = detail::make_transform(*source, *target, label_);
    source_label_ = detail::srs_label(*source);
  }

  bool identity() const noexcept { return !transform_; }
  OGRCoordinateTransformation* transform() const noexcept { return transform_.get(); }

  /// Transforms points in place; points that cannot be transformed become NaN (reported by the
  /// builder as bad coordinates). Without a CRS, checks that the points are lon/lat.
  void apply(std::vector<LonLat>& points) const {
    if (transform_) {
      constexpr std::size_t kBatch = 65536;
      std::vector<double> x, y;
      std::vector<int> ok;
      for (std::size_t start = 0; start < points.size(); start += kBatch) {
        const std::size_t n = std::min(kBatch, points.size() - start);
        x.resize(n);
        y.resize(n);
        ok.assign(n, FALSE);
        for (std::size_t i = 0; i < n; ++i) {
          x[i] = points[start + i].lon;
          y[i] = points[start + i].lat;
        }
        ErrorCapture quiet;  // per-point failures are reported by the builder
        transform_->Transform(static_cast<int>(n), x.data(), y.data(), nullptr, ok.data());
        for (std::size_t i = 0; i < n; ++i) {
          points[start + i] = ok[i] != FALSE ? LonLat{x[i], y[i]} : LonLat{kNaN, kNaN};
        }
      }
      return;
    }
    if (has_crs_) return;
    for (const LonLat& p : points) {
      if (!std::isfinite(p.lon) || !std::isfinite(p.lat)) continue;
      if (!(std::abs(p.lon) <= 180.0 && std::abs(p.lat) <= 90.0)) {
        throw CrsError(label_ + " has no CRS and has coordinates (" + format_number(p.lon) +
                       ", " + format_number(p.lat) +
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

std::string valid_modes() {
  std::vector<std::string> names;
  for (int m = 0; m <= static_cast<int>(Mode::kAir); ++m) {
    names.emplace_back(to_string(static_cast<Mode>(m)));
  }
  return join(names);
}

/// The built-in class -> mode map (OSM's highway/route values and common names).
std::optional<Mode> builtin_class_mode(const std::string& value) {
  const std::string v = lower(value);
  if (v == "ferry" || v == "ferry_route" || v == "sea" || v == "boat") return Mode::kSea;
  if (v == "path" || v == "footway" || v == "track" || v == "steps" || v == "pedestrian" ||
      v == "bridleway" || v == "trail" || v == "foot") {
    return Mode::kFoot;
  }
  if (v == "river" || v == "canal" || v == "waterway") return Mode::kRiver;
  return std::nullopt;
}

/// Text of a field, trimmed; empty if unset.
std::string text_field(const OGRFeature& feature, int index) {
  if (index < 0 || !feature.IsFieldSetAndNotNull(index)) return {};
  return std::string(detail::trim(feature.GetFieldAsString(index)));
}

/// A number field: NaN if unset. Text must parse strictly.
double number_field(const OGRFeature& feature, int index, const std::string& where,
                    const std::string& field) {
  if (index < 0 || !feature.IsFieldSetAndNotNull(index)) return kNaN;
  const OGRFieldType type = feature.GetFieldDefnRef(index)->GetType();
  if (type == OFTInteger || type == OFTInteger64 || type == OFTReal) {
    return feature.GetFieldAsDouble(index);
  }
  const std::string text(detail::trim(feature.GetFieldAsString(index)));
  if (text.empty()) return kNaN;
  const std::optional<double> value = detail::parse_double(text);
  if (!value) {
    throw InputError(where + ", field '" + field + "': '" + text + "' is not a number");
  }
  return *value;
}

struct LineFields {
  int mode = -1, speed = -1, road_class = -1, capacity = -1;
  std::string mode_name, speed_name, class_name, capacity_name;
  std::vector<std::pair<std::string, Mode>> class_modes;  // lower-case class -> mode
};

LineFields resolve_line_fields(OGRLayer* layer, const std::string& label,
                               const ReadBuildOptions& options) {
  LineFields f;
  auto resolve = [&](const std::string& name, int& index, std::string& actual) {
    index = find_field(layer, name);
    if (index >= 0) actual = layer->GetLayerDefn()->GetFieldDefn(index)->GetNameRef();
  };
  resolve(options.mode_field, f.mode, f.mode_name);
  resolve(options.speed_field, f.speed, f.speed_name);
  resolve(options.capacity_field, f.capacity, f.capacity_name);
  resolve(options.class_field, f.road_class, f.class_name);
  if (!options.class_field.empty() && f.road_class < 0) {
    throw InputError(label + ": no class field '" + options.class_field + "' (fields: " +
                     join(field_names(layer)) + ")");
  }
  for (const auto& [value, mode_name] : options.class_modes) {
    const std::optional<Mode> mode = parse_mode(mode_name);
    if (!mode) {
      throw InputError("class_modes: class '" + value + "' maps to unknown mode '" + mode_name +
                       "' (valid: " + valid_modes() + ")");
    }
    f.class_modes.emplace_back(lower(value), *mode);
  }
  return f;
}

LineAttributes line_attributes(const OGRFeature& feature, const LineFields& f,
                               const std::string& where) {
  LineAttributes a;
  a.fid = feature.GetFID();
  a.road_class = text_field(feature, f.road_class);
  const std::string mode_text = text_field(feature, f.mode);
  if (!mode_text.empty()) {
    const std::optional<Mode> mode = parse_mode(mode_text);
    if (!mode) {
      throw InputError(where + ", field '" + f.mode_name + "': unknown mode '" + mode_text +
                       "' (valid: " + valid_modes() + ")");
    }
    a.mode = *mode;
  } else if (!a.road_class.empty()) {
    const std::string key = lower(a.road_class);
    const auto it = std::find_if(f.class_modes.begin(), f.class_modes.end(),
                                 [&](const auto& entry) { return entry.first == key; });
    if (it != f.class_modes.end()) {
      a.mode = it->second;
    } else if (const std::optional<Mode> mode = builtin_class_mode(key)) {
      a.mode = *mode;
    }
  }
  a.speed_km_h = number_field(feature, f.speed, where, f.speed_name);
  if (!std::isnan(a.speed_km_h) && !(a.speed_km_h > 0.0 && std::isfinite(a.speed_km_h))) {
    throw InputError(where + ", field '" + f.speed_name + "': " + format_number(a.speed_km_h) +
                     " is not a speed > 0 (km/h)");
  }
  const double capacity = number_field(feature, f.capacity, where, f.capacity_name);
  if (!std::isnan(capacity)) {
    if (capacity < 0.0) {
      throw InputError(where + ", field '" + f.capacity_name + "': " + format_number(capacity) +
                       " is negative");
    }
    a.capacity_per_day = capacity;
  }
  return a;
}

void append_line_part(const OGRLineString& line, LineLayer& out) {
  const int n = line.getNumPoints();
  for (int i = 0; i < n; ++i) out.points.push_back(LonLat{line.getX(i), line.getY(i)});
  out.part_offsets.push_back(static_cast<std::uint32_t>(out.points.size()));
  out.part_feature.push_back(static_cast<std::uint32_t>(out.features.size()));
}

BuildIssue dropped_feature(const std::string& where, std::int64_t fid, std::string why) {
  BuildIssue issue;
  issue.kind = "dropped";
  issue.layer = "lines";
  issue.feature = fid;
  issue.message = where + ": " + std::move(why) + "; dropped";
  return issue;
}

/// Adds the line parts of `geometry`; returns false if it held none. Other parts are reported.
bool add_line_geometry(const OGRGeometry& geometry, LineLayer& out, const std::string& where,
                       std::int64_t fid, std::vector<BuildIssue>& issues) {
  const OGRwkbGeometryType type = wkbFlatten(geometry.getGeometryType());
  if (type == wkbLineString || type == wkbLinearRing) {
    if (geometry.IsEmpty()) return false;
    append_line_part(*geometry.toLineString(), out);
    return true;
  }
  if (type == wkbMultiLineString || type == wkbGeometryCollection) {
    bool any = false;
    std::size_t other = 0;
    for (const OGRGeometry* part : *geometry.toGeometryCollection()) {
      const OGRwkbGeometryType t = wkbFlatten(part->getGeometryType());
      if (t == wkbLineString && !part->IsEmpty()) {
        append_line_part(*part->toLineString(), out);
        any = true;
      } else if (!part->IsEmpty()) {
        ++other;
      }
    }
    if (other > 0 && any) {
      BuildIssue issue;
      issue.kind = "repaired";
      issue.layer = "lines";
      issue.feature = fid;
      issue.message = where + ": " + std::to_string(other) + " part(s) that are not lines removed";
      issues.push_back(std::move(issue));
    }
    return any;
  }
  return false;
}

LineLayer read_lines(const std::string& path, const ReadBuildOptions& options,
                     std::vector<BuildIssue>& issues) {
  OpenLayer source = open_layer(path, options.lines_layer, "lines");
  ErrorCapture capture("reading " + source.label);
  OGRLayer* layer = source.layer;
  require_features(layer, source.label);
  if (layer->GetLayerDefn()->GetGeomFieldCount() == 0) {
    throw InputError(source.label + ": has no geometry (a line layer is needed)");
  }
  const LayerToLonLat to_lon_lat(layer, source.label);
  const LineFields fields = resolve_line_fields(layer, source.label, options);
  LineLayer out;
  out.label = source.label;
  const GIntBig count = layer->GetFeatureCount(FALSE);
  if (count > 0) {
    out.features.reserve(static_cast<std::size_t>(count));
    out.part_feature.reserve(static_cast<std::size_t>(count));
    out.part_offsets.reserve(static_cast<std::size_t>(count) + 1);
  }
  for (FeaturePtr feature(layer->GetNextFeature()); feature;
       feature.reset(layer->GetNextFeature())) {
    const OGRGeometry* geometry = feature->GetGeometryRef();
    const std::int64_t fid = feature->GetFID();
    if (geometry == nullptr || geometry->IsEmpty()) {
      issues.push_back(dropped_feature(where_of(source.label, *feature), fid, "no geometry"));
      continue;
    }
    const std::size_t parts_before = out.part_feature.size();
    const std::size_t points_before = out.points.size();
    const std::string where = where_of(source.label, *feature);
    if (!add_line_geometry(*geometry, out, where, fid, issues)) {
      out.part_feature.resize(parts_before);
      out.part_offsets.resize(parts_before + 1);
      out.points.resize(points_before);
      issues.push_back(dropped_feature(
          where, fid,
          std::string("a ") + OGRGeometryTypeToName(geometry->getGeometryType()) +
              " where a line was expected"));
      continue;
    }
    out.features.push_back(line_attributes(*feature, fields, where));
  }
  capture.throw_if_failed(source.label + ": reading failed");
  if (out.features.empty()) {
    throw InputError(source.label + ": no feature is a line (" + std::to_string(issues.size()) +
                     " dropped)");
  }
  to_lon_lat.apply(out.points);
  return out;
}

std::vector<CountryShape> read_borders(const std::string& path, const ReadBuildOptions& options,
                                       std::string& label, std::vector<BuildIssue>& issues) {
  OpenLayer source = open_layer(path, options.borders_layer, "borders");
  label = source.label;
  ErrorCapture capture("reading " + source.label);
  OGRLayer* layer = source.layer;
  require_features(layer, source.label);
  if (layer->GetLayerDefn()->GetGeomFieldCount() == 0) {
    throw InputError(source.label + ": has no geometry (a polygon layer is needed)");
  }
  const int country = find_field(layer, options.country_field);
  if (country < 0) {
    throw InputError(source.label + ": no country field '" + options.country_field +
                     "' (fields: " + join(field_names(layer)) + "; choose one with country_field)");
  }
  const LayerToLonLat to_lon_lat(layer, source.label);
  std::vector<CountryShape> out;
  for (FeaturePtr feature(layer->GetNextFeature()); feature;
       feature.reset(layer->GetNextFeature())) {
    const std::string where = where_of(source.label, *feature);
    BuildIssue issue;
    issue.layer = "borders";
    issue.feature = feature->GetFID();
    issue.kind = "dropped";
    CountryShape shape;
    shape.fid = feature->GetFID();
    shape.country = text_field(*feature, country);
    issue.name = shape.country;
    OGRGeometry* geometry = feature->GetGeometryRef();
    if (shape.country.empty()) {
      issue.message = where + ", field '" + options.country_field + "': no country name; dropped";
      issues.push_back(std::move(issue));
      continue;
    }
    if (geometry == nullptr || geometry->IsEmpty()) {
      issue.message = where + ": no geometry; dropped";
      issues.push_back(std::move(issue));
      continue;
    }
    const OGRwkbGeometryType type = wkbFlatten(geometry->getGeometryType());
    if (type != wkbPolygon && type != wkbMultiPolygon) {
      issue.message = where + ": a " + std::string(OGRGeometryTypeToName(geometry->getGeometryType())) +
                      " where a polygon was expected; dropped";
      issues.push_back(std::move(issue));
      continue;
    }
    geometry->flattenTo2D();
    if (to_lon_lat.transform() != nullptr) {
      ErrorCapture quiet;
      if (geometry->transform(to_lon_lat.transform()) != OGRERR_NONE) {
        issue.message = where + ": cannot transform it to EPSG:4326 (" +
                        quiet.message("outside the CRS's domain") + "); dropped";
        issues.push_back(std::move(issue));
        continue;
      }
    } else if (to_lon_lat.identity()) {
      OGREnvelope box;
      geometry->getEnvelope(&box);
      std::vector<LonLat> corners{{box.MinX, box.MinY}, {box.MaxX, box.MaxY}};
      to_lon_lat.apply(corners);
    }
    shape.wkb.resize(static_cast<std::size_t>(geometry->WkbSize()));
    geometry->exportToWkb(wkbNDR, shape.wkb.data(), wkbVariantIso);
    out.push_back(std::move(shape));
  }
  capture.throw_if_failed(source.label + ": reading failed");
  if (out.empty()) throw InputError(source.label + ": no usable country polygon");
  return out;
}

}  // namespace

BuildInput read_build_input(const std::string& lines_path, const std::string& places_path,
                            const std::string& borders_path, const ReadBuildOptions& options) {
  BuildInput input;
  input.lines = read_lines(lines_path, options, input.issues);
  input.places = read_locations(places_path, options.places_layer);
  input.places_label = places_path + (options.places_layer.empty()
                                          ? std::string()
                                          : " layer '" + options.places_layer + "'");
  if (input.places.empty()) throw InputError(input.places_label + ": the layer has no features");
  input.place_where.reserve(input.places.size());
  for (const Location& place : input.places) {
    input.place_where.push_back(input.places_label + ", place '" + place.name + "'");
  }
  if (!borders_path.empty()) {
    input.borders = read_borders(borders_path, options, input.borders_label, input.issues);
  }
  return input;
}

}  // namespace corridor::geo
