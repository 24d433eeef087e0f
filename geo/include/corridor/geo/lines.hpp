// corridor::geo — the lines that routes and paths draw as on a map.
//
// Design notes: a route with its own geometry keeps it; one without is the geodesic between its
// endpoints. Either is densified along geodesics (no segment longer than max_segment_km) so
// that long legs draw as curves in any projection. A path's line joins its routes' lines in the
// direction of travel, each route's line reversed where the path walks it backwards.
#pragma once

#include <span>
#include <vector>

#include "corridor/network.hpp"

namespace corridor::geo {

/// The line of route `id`, from its `from` to its `to` location, densified (max_segment_km > 0).
std::vector<LonLat> route_line(const Network& network, RouteId id, double max_segment_km);

/// The line of a path given as its location and route sequences (locations.size() ==
/// routes.size() + 1), densified; the joints between routes appear once.
std::vector<LonLat> path_line(const Network& network, std::span<const LocationId> locations,
                              std::span<const RouteId> routes, double max_segment_km);

}  // namespace corridor::geo
