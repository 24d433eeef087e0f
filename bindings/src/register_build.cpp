// corridor._core — building a network from GIS layers (geo/build_network.hpp).
//
// Design notes: the build returns plain columns (lists of str, numpy arrays) for its report
// tables, which corridor.geo turns into DataFrames; write_build takes the same columns back,
// so the Python report is pure data (picklable) and can still be written.
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "corridor/error.hpp"
#include "corridor/geo/build_network.hpp"

namespace corridor::bindings {
namespace {

using F64 = py::array_t<double, py::array::c_style | py::array::forcecast>;
using I64 = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

py::dict stats_dict(const geo::BuildStats& s) {
  py::dict d;
  d["line_features"] = s.line_features;
  d["line_parts"] = s.line_parts;
  d["segments"] = s.segments;
  d["places"] = s.places;
  d["border_shapes"] = s.border_shapes;
  d["repaired_features"] = s.repaired_features;
  d["dropped_features"] = s.dropped_features;
  d["crossings"] = s.crossings;
  d["merged_points"] = s.merged_points;
  d["joined_dangles"] = s.joined_dangles;
  d["duplicate_segments"] = s.duplicate_segments;
  d["zero_length_segments"] = s.zero_length_segments;
  d["graph_nodes"] = s.graph_nodes;
  d["graph_edges"] = s.graph_edges;
  d["places_on_vertex"] = s.places_on_vertex;
  d["places_on_edge"] = s.places_on_edge;
  d["places_shared"] = s.places_shared;
  d["places_beyond"] = s.places_beyond;
  d["border_crossings"] = s.border_crossings;
  d["border_posts_used"] = s.border_posts_used;
  d["pruned_edges"] = s.pruned_edges;
  d["loops_dropped"] = s.loops_dropped;
  d["junctions"] = s.junctions;
  d["locations"] = s.locations;
  d["routes"] = s.routes;
  d["seconds"] = s.seconds;
  return d;
}

py::dict issue_columns(const std::vector<geo::BuildIssue>& issues) {
  py::list kind, layer, name, message;
  std::vector<std::int64_t> feature;
  std::vector<double> lon, lat, distance;
  for (const geo::BuildIssue& i : issues) {
    kind.append(i.kind);
    layer.append(i.layer);
    name.append(i.name);
    message.append(i.message);
    feature.push_back(i.feature);
    lon.push_back(i.lon);
    lat.push_back(i.lat);
    distance.push_back(i.distance_m);
  }
  py::dict d;
  d["kind"] = kind;
  d["layer"] = layer;
  d["feature"] = to_numpy(std::move(feature));
  d["name"] = name;
  d["lon"] = to_numpy(std::move(lon));
  d["lat"] = to_numpy(std::move(lat));
  d["distance_m"] = to_numpy(std::move(distance));
  d["message"] = message;
  return d;
}

py::dict place_columns(const std::vector<geo::PlaceSnap>& places) {
  py::list name, how;
  std::vector<std::int64_t> location;
  std::vector<std::uint8_t> attached;
  std::vector<double> distance, lon, lat;
  for (const geo::PlaceSnap& p : places) {
    name.append(p.name);
    how.append(p.how);
    location.push_back(p.location == 0xFFFFFFFFu ? -1 : static_cast<std::int64_t>(p.location));
    attached.push_back(p.attached ? 1 : 0);
    distance.push_back(p.distance_m);
    lon.push_back(p.lon);
    lat.push_back(p.lat);
  }
  py::dict d;
  d["name"] = name;
  d["attached"] = to_numpy(std::move(attached)).attr("astype")("bool");
  d["how"] = how;
  d["distance_m"] = to_numpy(std::move(distance));
  d["location"] = to_numpy(std::move(location));
  d["lon"] = to_numpy(std::move(lon));
  d["lat"] = to_numpy(std::move(lat));
  return d;
}

py::dict crossing_columns(const std::vector<geo::BorderCrossing>& crossings) {
  py::list a, b, post;
  std::vector<double> lon, lat, post_distance;
  std::vector<std::int64_t> location;
  for (const geo::BorderCrossing& c : crossings) {
    a.append(c.country_a);
    b.append(c.country_b);
    post.append(c.post);
    lon.push_back(c.lon);
    lat.push_back(c.lat);
    location.push_back(c.location);
    post_distance.push_back(c.post.empty() ? std::nan("") : c.post_distance_m);
  }
  py::dict d;
  d["country_a"] = a;
  d["country_b"] = b;
  d["lon"] = to_numpy(std::move(lon));
  d["lat"] = to_numpy(std::move(lat));
  d["location"] = to_numpy(std::move(location));
  d["post"] = post;
  d["post_distance_m"] = to_numpy(std::move(post_distance));
  return d;
}

py::dict route_attribute_columns(const std::vector<geo::RouteAttributes>& attrs) {
  py::list road_class, border;
  std::vector<double> speed;
  std::vector<std::int64_t> source;
  std::vector<std::int64_t> segments;
  for (const geo::RouteAttributes& a : attrs) {
    road_class.append(a.road_class);
    border.append(a.border);
    speed.push_back(a.speed_km_h);
    source.push_back(a.source_fid);
    segments.push_back(a.segments);
  }
  py::dict d;
  d["speed_km_h"] = to_numpy(std::move(speed));
  d["class"] = road_class;
  d["border"] = border;
  d["source_fid"] = to_numpy(std::move(source));
  d["segments"] = to_numpy(std::move(segments));
  return d;
}

template <class T>
std::vector<T> column(const py::dict& d, const char* key, std::size_t n) {
  if (!d.contains(key)) throw InputError(std::string("missing column '") + key + "'");
  auto values = d[key].cast<std::vector<T>>();
  if (values.size() != n) {
    throw InputError(std::string("column '") + key + "' has " + std::to_string(values.size()) +
                     " values, expected " + std::to_string(n));
  }
  return values;
}

std::size_t length_of(const py::dict& d, const char* key) {
  if (!d.contains(key)) throw InputError(std::string("missing column '") + key + "'");
  return py::len(d[key]);
}

std::vector<geo::RouteAttributes> route_attributes_from(const py::dict& d) {
  if (d.empty()) return {};
  const std::size_t n = length_of(d, "speed_km_h");
  const auto speed = column<double>(d, "speed_km_h", n);
  const auto road_class = column<std::string>(d, "class", n);
  const auto border = column<std::string>(d, "border", n);
  const auto source = column<std::int64_t>(d, "source_fid", n);
  const auto segments = column<std::int64_t>(d, "segments", n);
  std::vector<geo::RouteAttributes> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i].speed_km_h = speed[i];
    out[i].road_class = road_class[i];
    out[i].border = border[i];
    out[i].source_fid = source[i];
    out[i].segments = static_cast<std::uint32_t>(std::max<std::int64_t>(0, segments[i]));
  }
  return out;
}

std::vector<geo::BuildIssue> issues_from(const py::dict& d) {
  if (d.empty()) return {};
  const std::size_t n = length_of(d, "kind");
  const auto kind = column<std::string>(d, "kind", n);
  const auto layer = column<std::string>(d, "layer", n);
  const auto feature = column<std::int64_t>(d, "feature", n);
  const auto name = column<std::string>(d, "name", n);
  const auto lon = column<double>(d, "lon", n);
  const auto lat = column<double>(d, "lat", n);
  const auto distance = column<double>(d, "distance_m", n);
  const auto message = column<std::string>(d, "message", n);
  std::vector<geo::BuildIssue> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = {kind[i], layer[i], feature[i], name[i], lon[i], lat[i], distance[i], message[i]};
  }
  return out;
}

}  // namespace

void register_build(py::module_& m) {
  m.def(
      "build_network_from_layers",
      [](const std::string& lines, const std::string& places, const std::string& borders,
         const std::string& lines_layer, const std::string& places_layer,
         const std::string& borders_layer, const std::string& country_field,
         const std::string& mode_field, const std::string& speed_field,
         const std::string& class_field,
         const std::vector<std::pair<std::string, std::string>>& class_modes,
         const std::string& capacity_field, double snap_tolerance_m, double merge_tolerance_m,
         double border_post_tolerance_m, bool contract, bool prune_dead_ends, bool keep_unsnapped,
         int threads) {
        geo::ReadBuildOptions read;
        read.lines_layer = lines_layer;
        read.places_layer = places_layer;
        read.borders_layer = borders_layer;
        read.country_field = country_field;
        read.mode_field = mode_field;
        read.speed_field = speed_field;
        read.class_field = class_field;
        read.class_modes = class_modes;
        read.capacity_field = capacity_field;
        geo::BuildOptions options;
        options.snap_tolerance_m = snap_tolerance_m;
        options.merge_tolerance_m = merge_tolerance_m;
        options.border_post_tolerance_m = border_post_tolerance_m;
        options.contract = contract;
        options.prune_dead_ends = prune_dead_ends;
        options.keep_unsnapped = keep_unsnapped;
        options.threads = threads;
        geo::BuildResult result;
        {
          py::gil_scoped_release release;
          result = geo::build_network(lines, places, borders, read, options);
        }
        raise_gdal_warnings();
        py::dict out;
        out["network"] = std::move(result.network);
        out["stats"] = stats_dict(result.stats);
        out["issues"] = issue_columns(result.issues);
        out["places"] = place_columns(result.places);
        out["crossings"] = crossing_columns(result.crossings);
        out["route_attributes"] = route_attribute_columns(result.route_attributes);
        return out;
      },
      py::arg("lines"), py::arg("places"), py::arg("borders") = "", py::arg("lines_layer") = "",
      py::arg("places_layer") = "", py::arg("borders_layer") = "",
      py::arg("country_field") = "name", py::arg("mode_field") = "mode",
      py::arg("speed_field") = "speed", py::arg("class_field") = "",
      py::arg("class_modes") = std::vector<std::pair<std::string, std::string>>{},
      py::arg("capacity_field") = "capacity_per_day", py::arg("snap_tolerance_m") = 1000.0,
      py::arg("merge_tolerance_m") = 1.0, py::arg("border_post_tolerance_m") = std::nan(""),
      py::arg("contract") = true, py::arg("prune_dead_ends") = false,
      py::arg("keep_unsnapped") = true, py::arg("threads") = 0,
      "Builds a network from a line layer, a places layer and an optional country layer; "
      "returns a dict: network, stats, and the columns of issues, places, crossings and "
      "route_attributes.");

  m.def(
      "write_build",
      [](const Network& network, const py::dict& route_attributes, const py::dict& issues,
         const std::string& path, const std::string& crs, const std::string& driver,
         double densify_km) {
        const auto attrs = route_attributes_from(route_attributes);
        const auto report = issues_from(issues);
        geo::WriteOptions options;
        options.crs = crs;
        options.driver = driver;
        options.densify_km = densify_km;
        std::vector<std::string> written;
        {
          py::gil_scoped_release release;
          written = geo::write_build(network, attrs, report, path, options);
        }
        raise_gdal_warnings();
        return written;
      },
      py::arg("network"), py::arg("route_attributes"), py::arg("issues"), py::arg("path"),
      py::arg("crs") = "", py::arg("driver") = "", py::arg("densify_km") = 25.0,
      "Writes a built network; a GeoPackage also gets the route attributes and the "
      "build_report layer.");
}

}  // namespace corridor::bindings
