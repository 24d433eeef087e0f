// corridor::geo — writing a built network with its report: see build_network.hpp.
//
// Design notes: write_network() writes the two layers to our own temporary (atomically, as it
// always does); in a GeoPackage we then reopen that temporary, add the route attributes as
// fields of `routes` and the report as a point layer `build_report`, in one transaction, and
// rename the finished file into place. A failure at any step leaves the target untouched.
// Other formats get the two network layers only (they have no room for a third layer).
#include <cmath>
#include <string>
#include <vector>

#include "corridor/error.hpp"
#include "corridor/geo/atomic_file.hpp"
#include "corridor/geo/build_network.hpp"
#include "gdal_support.hpp"

namespace corridor::geo {

namespace {

using detail::DatasetPtr;
using detail::ErrorCapture;
using detail::FeaturePtr;

int add_field(OGRLayer& layer, const char* name, OGRFieldType type, const std::string& target,
              const ErrorCapture& capture) {
  OGRFieldDefn field(name, type);
  if (layer.CreateField(&field) != OGRERR_NONE) {
    capture.throw_io(target + ": cannot add field '" + std::string(name) + "'");
  }
  return layer.GetLayerDefn()->GetFieldIndex(name);
}

void add_route_attributes(GDALDataset& dataset, const std::vector<RouteAttributes>& attrs,
                          const std::string& target, const ErrorCapture& capture) {
  OGRLayer* layer = dataset.GetLayerByName("routes");
  if (layer == nullptr) throw IoError(target + ": no 'routes' layer after writing");
  const int id = layer->GetLayerDefn()->GetFieldIndex("id");
  if (id < 0) throw IoError(target + ": the 'routes' layer has no 'id' field");
  const int speed = add_field(*layer, "speed_km_h", OFTReal, target, capture);
  const int road_class = add_field(*layer, "class", OFTString, target, capture);
  const int border = add_field(*layer, "border", OFTString, target, capture);
  const int source = add_field(*layer, "source_fid", OFTInteger64, target, capture);
  const int segments = add_field(*layer, "segments", OFTInteger, target, capture);
  layer->ResetReading();
  for (FeaturePtr feature(layer->GetNextFeature()); feature;
       feature.reset(layer->GetNextFeature())) {
    const GIntBig route = feature->GetFieldAsInteger64(id);
    if (route < 0 || static_cast<std::size_t>(route) >= attrs.size()) continue;
    const RouteAttributes& a = attrs[static_cast<std::size_t>(route)];
    if (std::isnan(a.speed_km_h)) {
      feature->SetFieldNull(speed);
    } else {
      feature->SetField(speed, a.speed_km_h);
    }
    feature->SetField(road_class, a.road_class.c_str());
    feature->SetField(border, a.border.c_str());
    if (a.source_fid >= 0) {
      feature->SetField(source, static_cast<GIntBig>(a.source_fid));
    } else {
      feature->SetFieldNull(source);
    }
    feature->SetField(segments, static_cast<int>(a.segments));
    if (layer->SetFeature(feature.get()) != OGRERR_NONE) {
      capture.throw_io(target + ": cannot update route " + std::to_string(route));
    }
  }
}

void add_report_layer(GDALDataset& dataset, const std::vector<BuildIssue>& issues,
                      const WriteOptions& options, const std::string& target,
                      const ErrorCapture& capture) {
  detail::SrsPtr wgs84 = detail::wgs84_lon_lat();
  detail::SrsPtr srs = options.crs.empty() ? detail::wgs84_lon_lat()
                                           : detail::srs_from_user_input(options.crs);
  detail::TransformPtr transform;
  if (!srs->IsSame(wgs84.get())) transform = detail::make_transform(*wgs84, *srs, target);
  const char* layer_options[] = {"SPATIAL_INDEX=YES", nullptr};
  OGRLayer* layer = dataset.CreateLayer("build_report", srs.get(), wkbPoint,
                                        const_cast<char**>(layer_options));
  if (layer == nullptr) capture.throw_io(target + ": cannot create layer 'build_report'");
  const int kind = add_field(*layer, "kind", OFTString, target, capture);
  const int source = add_field(*layer, "layer", OFTString, target, capture);
  const int feature_id = add_field(*layer, "feature", OFTInteger64, target, capture);
  const int name = add_field(*layer, "name", OFTString, target, capture);
  const int distance = add_field(*layer, "distance_m", OFTReal, target, capture);
  const int message = add_field(*layer, "message", OFTString, target, capture);
  FeaturePtr feature(OGRFeature::CreateFeature(layer->GetLayerDefn()));
  for (const BuildIssue& issue : issues) {
    feature->SetFID(OGRNullFID);
    feature->SetField(kind, issue.kind.c_str());
    feature->SetField(source, issue.layer.c_str());
    if (issue.feature >= 0) {
      feature->SetField(feature_id, static_cast<GIntBig>(issue.feature));
    } else {
      feature->SetFieldNull(feature_id);
    }
    feature->SetField(name, issue.name.c_str());
    if (std::isnan(issue.distance_m)) {
      feature->SetFieldNull(distance);
    } else {
      feature->SetField(distance, issue.distance_m);
    }
    feature->SetField(message, issue.message.c_str());
    double x = issue.lon, y = issue.lat;
    bool placed = std::isfinite(x) && std::isfinite(y);
    if (placed && transform) placed = transform->Transform(1, &x, &y) != FALSE;
    if (placed) {
      feature->SetGeometryDirectly(new OGRPoint(x, y));
    } else {
      feature->SetGeometryDirectly(nullptr);
    }
    if (layer->CreateFeature(feature.get()) != OGRERR_NONE) {
      capture.throw_io(target + ": cannot write layer 'build_report'");
    }
  }
}

}  // namespace

std::vector<std::string> write_build(const Network& network,
                                     const std::vector<RouteAttributes>& route_attributes,
                                     const std::vector<BuildIssue>& issues,
                                     const std::string& path, const WriteOptions& options) {
  if (!route_attributes.empty() && route_attributes.size() != network.num_routes()) {
    throw InputError("route attributes: " + std::to_string(route_attributes.size()) +
                     " entries for " + std::to_string(network.num_routes()) + " routes");
  }
  const std::string driver = options.driver.empty() ? driver_for_path(path) : options.driver;
  if (driver != "GPKG") return write_network(network, path, options);
  AtomicOutput output;
  const std::string temp = output.add(path);
  write_network(network, temp, options);
  {
    detail::ensure_gdal_registered();
    ErrorCapture capture("writing '" + path + "'");
    const detail::ThreadConfigOption sync("OGR_SQLITE_SYNCHRONOUS", "OFF");
    DatasetPtr dataset(GDALDataset::FromHandle(
        GDALOpenEx(temp.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE | GDAL_OF_VERBOSE_ERROR, nullptr,
                   nullptr, nullptr)));
    if (!dataset) capture.throw_io(path + ": cannot reopen to add the build report");
    if (dataset->StartTransaction() != OGRERR_NONE) {
      capture.throw_io(path + ": cannot start a transaction");
    }
    if (!route_attributes.empty()) add_route_attributes(*dataset, route_attributes, path, capture);
    add_report_layer(*dataset, issues, options, path, capture);
    if (dataset->CommitTransaction() != OGRERR_NONE) capture.throw_io(path + ": cannot commit");
    dataset.reset();
    capture.throw_if_failed(path + ": cannot finish writing the file");
  }
  return output.commit();
}

}  // namespace corridor::geo
