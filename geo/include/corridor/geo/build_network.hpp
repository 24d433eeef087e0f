// corridor::geo — building a route network from GIS layers: a line layer (roads, tracks, ferry
// lanes, rivers), a point layer of places and, optionally, a polygon layer of countries.
//
// Design notes:
// - Two steps. read_build_input() turns the layers into a BuildInput (lines as flat lon/lat
//   arrays with their attributes, places as Locations, country shapes as WKB), reprojecting to
//   EPSG:4326 and reporting what it cannot use feature by feature. build_network() does the
//   rest on that input; it touches no file, so tests and the Python bindings can feed it
//   directly.
// - Noding is our own segment noder, not GEOSNode: a uniform grid over the segments' boxes,
//   each candidate pair tested once (in the cell that holds the corner of their common box),
//   cells split between threads. Crossings, touches, collinear overlaps and "dangles" (a line
//   end within merge_tolerance_m of another line) become split points; line ends and split
//   points within merge_tolerance_m are merged (union-find on a hash grid). Country boundaries
//   go through the same noder, so every road-boundary crossing is found exactly once. GEOS
//   (reentrant API, one context per call) repairs polygons (GEOSMakeValid) and answers
//   point-in-country questions through prepared geometries in an STRtree.
// - Planar work is done in lon/lat degrees (intersections are exact enough at road scale);
//   every tolerance is in metres on the ground (a local scale at the point's latitude), and
//   every length is geodesic on WGS84. Lines crossing the antimeridian are not noded across it.
// - The graph before contraction has a node at every vertex; chains of degree-2 nodes are then
//   contracted into one route between "kept" nodes (places, border crossings, junctions,
//   dead ends, and points where the mode or capacity changes), keeping every vertex. A place
//   is attached to the nearest vertex, or to the nearest point of an edge (which is split
//   there); its route lines start at the place itself, and the short stub counts in the km.
// - The result is deterministic: the same input gives the same network whatever the thread
//   count.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "corridor/geo/write.hpp"
#include "corridor/network.hpp"

namespace corridor::geo {

/// Attributes of one feature of the line layer.
struct LineAttributes {
  std::int64_t fid = -1;  ///< feature id in the source (for messages), -1 if none
  Mode mode = Mode::kRoad;
  /// speed along the line, km/h, > 0; NaN if the layer gives none
  double speed_km_h = std::numeric_limits<double>::quiet_NaN();
  std::string road_class;                ///< value of the class field, may be empty
  double capacity_per_day = kUnlimited;  ///< people per day, >= 0
};

/// A line layer as flat arrays, in WGS84 degrees. Part i is points[part_offsets[i],
/// part_offsets[i+1]) and belongs to features[part_feature[i]]. Coordinates may be bad (NaN,
/// out of range): build_network() repairs or drops them and says so.
struct LineLayer {
  std::string label;  ///< "<file> layer '<name>'", for messages
  std::vector<LonLat> points;
  std::vector<std::uint32_t> part_offsets{0};
  std::vector<std::uint32_t> part_feature;
  std::vector<LineAttributes> features;
};

/// One polygon or multipolygon of the country layer.
struct CountryShape {
  std::int64_t fid = -1;           ///< feature id in the source, -1 if none
  std::string country;             ///< value of the country field, non-empty
  std::vector<unsigned char> wkb;  ///< (Multi)Polygon in WGS84 lon/lat, ISO or OGC WKB
};

/// Something the build did, or could not do, that the user should know about.
struct BuildIssue {
  std::string kind;      ///< repaired, dropped, merged, joined, duplicate, unsnapped,
                         ///< shared_point, border_post, loop, country
  std::string layer;     ///< lines, places or borders
  std::int64_t feature = -1;  ///< feature id in that layer, -1 if not about one feature
  std::string name;      ///< place or country name, if any
  double lon = std::numeric_limits<double>::quiet_NaN();  ///< where, WGS84 degrees (NaN: nowhere)
  double lat = std::numeric_limits<double>::quiet_NaN();
  double distance_m = std::numeric_limits<double>::quiet_NaN();  ///< a distance, if any
  std::string message;   ///< one line, names the file, layer and feature
};

/// The layers to build from, in memory.
struct BuildInput {
  LineLayer lines;
  std::vector<Location> places;       ///< validated places (unique names), WGS84
  std::vector<std::string> place_where;  ///< "file layer 'x' feature N" per place
  std::string places_label;           ///< "<file> layer '<name>'"
  std::vector<CountryShape> borders;  ///< empty: no country layer
  std::string borders_label;
  std::vector<BuildIssue> issues;     ///< found while reading
};

/// How to read the layers.
struct ReadBuildOptions {
  std::string lines_layer;    ///< empty = the first layer
  std::string places_layer;   ///< empty = "locations" if present, else the first layer
  std::string borders_layer;  ///< empty = the first layer
  std::string country_field = "name";  ///< country name field of the borders layer
  std::string mode_field = "mode";     ///< line field with a mode (road, foot, sea, ...); may be absent
  std::string speed_field = "speed";   ///< line field with a speed in km/h; may be absent
  std::string class_field;             ///< line field with a class (e.g. OSM "highway"); empty = none
  /// class value -> mode name, checked before the built-in map (ferry -> sea; path, footway,
  /// track, steps, pedestrian, bridleway -> foot; river, canal -> river; anything else -> road).
  std::vector<std::pair<std::string, std::string>> class_modes;
  std::string capacity_field = "capacity_per_day";  ///< people per day; may be absent
};

/// How to build.
struct BuildOptions {
  /// A place farther than this from every line is not attached (and is reported), m, > 0.
  double snap_tolerance_m = 1000.0;
  /// Line ends and crossings closer than this are merged, and a line end this close to
  /// another line is joined to it, m, >= 0.
  double merge_tolerance_m = 1.0;
  /// A border crossing with a border-post place (kind border_crossing) this close uses the
  /// post instead of a new crossing location, m, >= 0; NaN = snap_tolerance_m.
  double border_post_tolerance_m = std::numeric_limits<double>::quiet_NaN();
  bool contract = true;          ///< contract chains of degree-2 nodes into routes
  bool prune_dead_ends = false;  ///< remove spurs that lead to no place, repeatedly
  bool keep_unsnapped = true;    ///< keep places that were not attached, as isolated locations
  int threads = 0;               ///< worker threads, >= 0; 0 = all cores
};

/// How a place was attached.
struct PlaceSnap {
  std::string name;
  LocationId location = 0;    ///< id in the network (unattached places: only if kept)
  bool attached = false;
  std::string how;            ///< vertex, edge (split), shared (connector to another place's
                              ///< point), beyond (not attached)
  double distance_m = 0.0;    ///< geodesic distance to the attachment point, or to the
                              ///< nearest line when beyond
  double lon = 0.0, lat = 0.0;  ///< the attachment (or nearest) point
};

/// A border crossing found on the lines.
struct BorderCrossing {
  std::string country_a, country_b;  ///< sorted
  double lon = 0.0, lat = 0.0;       ///< where the line crosses the boundary
  LocationId location = 0;           ///< the crossing location, or the border post used
  std::string post;                  ///< name of the border post used, empty if none
  double post_distance_m = 0.0;
};

/// Per-route attributes the Network does not hold.
struct RouteAttributes {
  double speed_km_h = std::numeric_limits<double>::quiet_NaN();  ///< time-averaged, NaN if none
  std::string road_class;  ///< class of the longest part
  std::string border;      ///< "A|B" (sorted) for each boundary the route crosses or ends at,
                           ///< ";"-separated; empty if none
  std::int64_t source_fid = -1;  ///< feature id of the longest part
  std::uint32_t segments = 0;    ///< straight segments in the line
};

/// Counts of what the build did.
struct BuildStats {
  std::size_t line_features = 0, line_parts = 0, segments = 0;
  std::size_t places = 0, border_shapes = 0;
  std::size_t repaired_features = 0, dropped_features = 0;
  std::size_t crossings = 0;          ///< split points where lines cross or touch
  std::size_t merged_points = 0;      ///< line ends / crossings merged into another point
  std::size_t joined_dangles = 0;     ///< line ends joined to another line
  std::size_t duplicate_segments = 0, zero_length_segments = 0;
  std::size_t graph_nodes = 0, graph_edges = 0;  ///< before contraction
  std::size_t places_on_vertex = 0, places_on_edge = 0, places_shared = 0, places_beyond = 0;
  std::size_t border_crossings = 0, border_posts_used = 0;
  std::size_t pruned_edges = 0, loops_dropped = 0;
  std::size_t junctions = 0;
  std::size_t locations = 0, routes = 0;
  double seconds = 0.0;  ///< wall time of build_network()
};

/// What build_network() returns. Route attributes are indexed by RouteId.
struct BuildResult {
  Network network;
  std::vector<RouteAttributes> route_attributes;
  std::vector<PlaceSnap> places;  ///< one per input place, in input order
  std::vector<BorderCrossing> crossings;
  std::vector<BuildIssue> issues;
  BuildStats stats;
};

/// Reads the three layers (borders_path may be empty) into a BuildInput. Lines: LineString,
/// MultiLineString or a GeometryCollection of them, any CRS (reprojected), 3D flattened;
/// other geometry types and empty geometries are dropped and reported. Places: as
/// read_locations() (fields name, kind, country, population, capacity, screening_per_day).
/// Borders: Polygon or MultiPolygon with a non-empty country field.
/// Throws IoError (cannot open), CrsError (a layer without a CRS whose coordinates are not
/// lon/lat, or a CRS PROJ cannot transform; the message names file and layer), InputError
/// (no features; a missing field; a bad mode, speed or capacity, naming feature and field).
BuildInput read_build_input(const std::string& lines_path, const std::string& places_path,
                            const std::string& borders_path, const ReadBuildOptions& options = {});

/// Builds the network. Throws InputError for bad options, for no usable line, or no place.
BuildResult build_network(BuildInput input, const BuildOptions& options = {});

/// read_build_input() then build_network().
BuildResult build_network(const std::string& lines_path, const std::string& places_path,
                          const std::string& borders_path, const ReadBuildOptions& read_options,
                          const BuildOptions& options);

/// Writes a built network: its `locations` and `routes` layers as write_network() does, and,
/// in a GeoPackage, the route attributes as extra `routes` fields (speed_km_h, class, border,
/// source_fid) and a point layer `build_report` of the issues. Atomic like write_network().
/// `route_attributes` must have one entry per route (or be empty).
std::vector<std::string> write_build(const Network& network,
                                     const std::vector<RouteAttributes>& route_attributes,
                                     const std::vector<BuildIssue>& issues,
                                     const std::string& path, const WriteOptions& options = {});

}  // namespace corridor::geo
