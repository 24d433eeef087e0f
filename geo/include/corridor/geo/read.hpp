// corridor::geo — reading networks from CSV (corridor's own columns or Flee's format) and from
// any OGR vector layer (GeoPackage, GeoJSON, Shapefile, FlatGeobuf, ...).
//
// Design notes:
// - The format is chosen by what the file is: a .csv (or .txt) is read as text with GDAL's CPL
//   CSV tokenizer (quoted fields, any VSI path); a Flee file is recognised from its '#' header.
//   Everything else is opened with OGR.
// - Every bad value raises InputError naming the file, the line (CSV, 1-based, header = line 1)
//   or feature (OGR FID), and the field. Validation of values lives in NetworkBuilder; readers
//   pass it the "where" string.
// - A route without a distance gets its geodesic length on WGS84 (along its geometry when an
//   OGR line layer gives one).
#pragma once

#include <string>
#include <vector>

#include "corridor/network.hpp"

namespace corridor::geo {

/// Options for reading a network.
struct ReadOptions {
  /// OGR layer name for locations; empty = the layer called "locations" if there is one
  /// (as write_network makes in a GeoPackage), else the first layer. Ignored for CSV.
  std::string locations_layer;
  /// OGR layer name for routes; empty = the layer called "routes" if any, else the first.
  std::string routes_layer;
};

/// A route as read from a file: endpoints by name, distance optional.
struct RouteRecord {
  std::string from;
  std::string to;
  Route route;                ///< from/to ids unset; distance_km NaN if the file gave none
  std::string where;          ///< "file line N" or "file feature N", for error messages
};

/// Reads locations from a CSV or OGR point layer, in file order, validated (names unique).
/// CSV columns: name, lat (or latitude), lon (or longitude) required; country, region, kind,
/// population (empty = 0), capacity and screening_per_day (empty = unlimited) optional; other
/// columns are ignored. OGR layers: the same fields (any case, Shapefile-truncated names
/// accepted), the position from the point geometry in EPSG:4326, or from lat/lon fields when
/// the layer has no geometry.
/// Throws InputError (bad value, naming file, line or feature, and field), IoError (cannot
/// open or read), CrsError (no usable CRS).
/// @param layer  OGR layer name; empty = "locations" if the data set has it, else the first
std::vector<Location> read_locations(const std::string& path, const std::string& layer = {});

/// Reads routes from a CSV or OGR line layer, in file order.
/// CSV columns: from, to required; distance_km (or distance), mode (empty = road),
/// capacity_per_day (empty = unlimited), closed and directed (0/1, true/false, yes/no; empty =
/// false) optional. OGR layers: the same fields; a LineString or MultiLineString (whose parts
/// join end to end) is kept, in EPSG:4326 and as drawn, in RouteRecord::route.geometry, and a
/// missing distance_km is its geodesic length.
/// @param layer  OGR layer name; empty = "routes" if the data set has it, else the first
std::vector<RouteRecord> read_routes(const std::string& path, const std::string& layer = {});

/// Reads locations and routes and builds a Network. A route's geometry is reversed if it was
/// drawn from `to` to `from`; a missing distance is the geodesic length of its geometry, or
/// between its two locations. An unknown location name is an InputError naming the routes
/// file, line or feature, and field.
Network read_network(const std::string& locations_path, const std::string& routes_path,
                     const ReadOptions& options = {});

}  // namespace corridor::geo
