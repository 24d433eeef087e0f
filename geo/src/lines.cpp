// corridor::geo — route and path lines (see lines.hpp).
#include "corridor/geo/lines.hpp"

#include <algorithm>
#include <string>

#include "corridor/error.hpp"
#include "corridor/geo/geodesic.hpp"

namespace corridor::geo {

std::vector<LonLat> route_line(const Network& network, RouteId id, double max_segment_km) {
  const Route& route = network.route(id);
  if (route.geometry.empty()) {
    return densify_geodesic(network.location(route.from).position,
                            network.location(route.to).position, max_segment_km);
  }
  return densify_polyline(route.geometry, max_segment_km);
}

std::vector<LonLat> path_line(const Network& network, std::span<const LocationId> locations,
                              std::span<const RouteId> routes, double max_segment_km) {
  if (locations.size() != routes.size() + 1) {
    throw InputError("a path needs one more location than routes");
  }
  std::vector<LonLat> out;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const Route& route = network.route(routes[i]);
    std::vector<LonLat> part = route_line(network, routes[i], max_segment_km);
    const bool forward = route.from == locations[i] && route.to == locations[i + 1];
    const bool backward = route.to == locations[i] && route.from == locations[i + 1];
    if (!forward && !backward) {
      throw InputError("route " + std::to_string(routes[i]) + " does not join path locations " +
                       std::to_string(locations[i]) + " and " + std::to_string(locations[i + 1]));
    }
    if (!forward) std::reverse(part.begin(), part.end());
    const std::size_t skip = out.empty() ? 0 : 1;  // the joint is already there
    out.insert(out.end(), part.begin() + static_cast<std::ptrdiff_t>(skip), part.end());
  }
  return out;
}

}  // namespace corridor::geo
