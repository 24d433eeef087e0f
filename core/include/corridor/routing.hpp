// corridor — routes through a Network: shortest paths, k shortest loop-free paths, and the
// enumeration of all loop-free paths of up to N hops.
//
// Design notes:
// - Dijkstra runs on the CSR arcs with a 4-ary heap and lazy deletion; costs are either km or
//   days (km / speed of the route's mode). Closed routes are skipped unless asked for.
// - A cost is the left-to-right sum of the route weights along its path, and Dijkstra returns
//   exactly the least such sum, so costs never depend on tie-breaking or threads.
// - Ties are broken deterministically (lower location id first when popping equal costs, and
//   arcs in CSR order), so the same network always gives the same path, whatever the threads.
// - k shortest loop-free paths use Yen's algorithm (with Lawler's rule and A*-guided spur
//   searches, see routing.cpp); candidates of equal cost are ordered by their sequence of
//   location ids, then of route ids, so the output is deterministic. Among paths of equal
//   cost, the first one may differ from the one shortest_path() picks.
// - Multi-source distances run one Dijkstra per source on a pool of threads; each thread owns
//   its scratch arrays, the Network is shared read-only.
// - Every function here is reentrant: it allocates its own scratch, so any number of threads
//   may route on one Network at once. Ids are checked: an unknown location id, or a travel
//   speed that is not a finite number > 0, throws InputError.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "corridor/network.hpp"

namespace corridor {

/// What a shortest path minimises.
enum class Weight : std::uint8_t {
  kDistance,    ///< kilometres
  kTravelTime,  ///< days: distance_km / speed of the route's mode
};

/// Travel speed per mode, km per day, each finite and > 0 (else the routing functions throw
/// InputError, whichever weight is asked for).
struct TravelSpeeds {
  double road_km_per_day = 200.0;  ///< Flee 3 validation max_move_speed
  double foot_km_per_day = 35.0;   ///< Flee max_walk_speed
  double sea_km_per_day = 300.0;
  double river_km_per_day = 100.0;
  double air_km_per_day = 5000.0;
  /// The speed of `mode`, km/day (the road speed for a value outside the enumeration).
  double km_per_day(Mode mode) const noexcept;
};

/// Options shared by the routing functions.
struct RoutingOptions {
  Weight weight = Weight::kDistance;
  TravelSpeeds speeds;
  bool include_closed = false;  ///< also use routes that are closed in the network
};

/// A path through the network: locations.size() == routes.size() + 1, routes[i] joins
/// locations[i] to locations[i + 1]. Parallel routes make different paths through the same
/// locations.
struct Path {
  std::vector<LocationId> locations;
  std::vector<RouteId> routes;
  double distance_km = 0.0;  ///< summed route distances, km, in path order
  double cost = 0.0;         ///< summed weight in path order (km or days, per options.weight)
  friend bool operator==(const Path&, const Path&) = default;
};

/// The result of a single-source shortest-path search.
struct ShortestPathTree {
  LocationId source = 0;
  std::vector<double> cost;             ///< per location (km or days); +infinity if unreachable
  std::vector<double> distance_km;      ///< per location, km along the chosen path; +inf if
                                        ///< unreachable
  std::vector<std::uint32_t> pred_arc;  ///< arc index into Network::arcs() that reaches it;
                                        ///< kNoArc for the source and unreachable locations
  static constexpr std::uint32_t kNoArc = 0xFFFFFFFFu;
  /// The path from the source to `target`, or nullopt if unreachable; a single location with
  /// no routes for the source itself. `network` must be the one the tree was built on
  /// (InputError if the sizes disagree or `target` is not a location id).
  std::optional<Path> path_to(const Network& network, LocationId target) const;
};

/// Single-source shortest paths to every location (Dijkstra), O(arcs log arcs).
ShortestPathTree shortest_path_tree(const Network& network, LocationId source,
                                    const RoutingOptions& options = {});

/// One-to-one shortest path (Dijkstra stopping at the target), or nullopt if unreachable.
/// The same path as shortest_path_tree(network, source, options).path_to(network, target);
/// source == target gives the path of one location. Besides an O(locations) clear, the time
/// grows with the area searched, not with the network.
std::optional<Path> shortest_path(const Network& network, LocationId source, LocationId target,
                                  const RoutingOptions& options = {});

/// Up to `k` shortest loop-free paths from source to target in order of cost (Yen). Paths are
/// told apart by their routes, so two parallel routes give two paths. Fewer are returned if
/// fewer exist; none if unreachable, source == target, or k == 0.
std::vector<Path> k_shortest_paths(const Network& network, LocationId source, LocationId target,
                                   std::size_t k, const RoutingOptions& options = {});

/// Costs from each source to each target: a row-major sources.size() x targets.size() matrix
/// (+infinity where unreachable). Empty `targets` means every location (columns = location
/// ids). Ids may repeat. Row i equals shortest_path_tree(network, sources[i]).cost at the
/// targets; a search stops once it has settled every target.
/// @param threads  worker threads, 0 = hardware concurrency; results do not depend on it
std::vector<double> cost_matrix(const Network& network, std::span<const LocationId> sources,
                                std::span<const LocationId> targets,
                                const RoutingOptions& options = {}, unsigned threads = 0);

/// Calls `visit` for every loop-free path of 1 to `max_hops` routes starting at `source`
/// (closed routes skipped unless options.include_closed), in depth-first order following the
/// CSR arc order. The spans are valid only during the call: `locations` has hops+1 entries,
/// `routes` has hops entries; `distance_km` is their summed length.
/// Return false from `visit` to stop descending below that path (its extensions are skipped).
/// `visit` runs on the calling thread; an exception from it propagates. max_hops == 0 visits
/// nothing. Up to 16 hops a call allocates O(max_hops) and nothing per network location, so it
/// is cheap to make once per location.
using PathVisitor = std::function<bool(std::span<const LocationId> locations,
                                       std::span<const RouteId> routes, double distance_km)>;
void for_each_simple_path(const Network& network, LocationId source, std::size_t max_hops,
                          const PathVisitor& visit, const RoutingOptions& options = {});

/// All loop-free paths of 1 to `max_hops` routes from `source`, in the order of
/// for_each_simple_path, with cost per options.weight. Their number can grow exponentially
/// with max_hops.
std::vector<Path> simple_paths(const Network& network, LocationId source, std::size_t max_hops,
                               const RoutingOptions& options = {});

}  // namespace corridor
