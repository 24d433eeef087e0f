// corridor::geo — writing a network's layers with OGR: GeoPackage, GeoJSON (RFC 7946),
// FlatGeobuf, ESRI Shapefile and CSV, the driver chosen from the file extension.
//
// Design notes:
// - Layers: `locations` (points) and `routes` (lines, densified along the geodesic so that long
//   legs draw as curves; a route with its own geometry keeps it, densified the same way).
// - GeoPackage holds both layers in one file. Single-layer formats write two files beside each
//   other: for "out.geojson", "out_locations.geojson" and "out_routes.geojson".
// - Writes are atomic: each file is written under a temporary name in the target folder and
//   renamed into place only when everything succeeded, so a failure or a kill never leaves a
//   half file nor destroys the previous version.
// - Any CRS PROJ knows ("EPSG:3857", a WKT or PROJ string); EPSG:4326 is written lon/lat.
//
// Fields. locations: name, country, region, kind, population, capacity, screening_per_day
// (capacities NULL when unlimited), point geometry. routes: id (the RouteId), from, to (names),
// distance_km, mode, capacity_per_day (NULL when unlimited), closed, directed (integers 0/1),
// line geometry. Per format:
// - ESRI Shapefile (10-character DBF names, UTF-8 .cpg): screening_per_day -> "screening",
//   distance_km -> "dist_km", capacity_per_day -> "cap_day"; the readers accept these names.
//   NULL numbers are DBF blanks.
// - CSV: locations have no geometry column but lat and lon (WGS84 degrees, whatever `crs`):
//   name,country,region,lat,lon,kind,population,capacity,screening_per_day. Routes start with
//   a WKT column holding the line in `crs`: WKT,id,from,to,distance_km,mode,capacity_per_day,
//   closed,directed. Both read back with read_locations/read_routes (the WKT is not read).
// - GeoJSON: RFC 7946 (7 decimals) in EPSG:4326; in another CRS, GeoJSON 2008 with a "crs"
//   member (7 decimals if geographic, 3 if projected).
// - FlatGeobuf is written without its spatial index: the index would store features in
//   Hilbert-curve order, and a network read back would come out permuted. Every format keeps
//   the network's order, so reading a written network gives the same ids.
// - GeoPackage: both layers with R-tree spatial indexes.
#pragma once

#include <string>
#include <vector>

#include "corridor/network.hpp"

namespace corridor::geo {

/// Options for writing a network.
struct WriteOptions {
  std::string crs;               ///< target CRS; empty = EPSG:4326
  std::string driver;            ///< OGR driver name; empty = from the extension
  double densify_km = 25.0;      ///< longest segment of a written route line, km, > 0
};

/// The OGR driver for a path's extension (.gpkg, .geojson/.json, .fgb, .shp, .csv);
/// throws IoError for an unknown extension.
std::string driver_for_path(const std::string& path);

/// Writes a network's `locations` and `routes` layers; returns the paths written (one for a
/// GeoPackage, else the "_locations" and "_routes" files). Existing files are replaced.
/// Throws IoError (or CrsError for an unknown CRS or a point outside it, InputError for a bad
/// densify_km); on failure nothing is left behind and existing files are untouched.
/// Not thread-safe for the same path; different paths may be written from different threads.
std::vector<std::string> write_network(const Network& network, const std::string& path,
                                       const WriteOptions& options = {});

}  // namespace corridor::geo
