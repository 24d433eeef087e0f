// corridor — putting an origin-destination matrix onto the routes of a Network.
//
// Design notes:
// - All-or-nothing ("shortest"): each OD flow takes the one shortest path (Dijkstra, one tree
//   per origin, so the path of every pair is the one shortest_path_tree gives).
// - Logit ("logit"): each OD flow is shared over the k shortest loop-free paths (Yen) by a
//   multinomial logit of their costs, share_p = exp(-theta (c_p - c_min)) / sum_q
//   exp(-theta (c_q - c_min)), theta in 1/km (or 1/day when routing by time). theta = 0 shares
//   equally; a large theta tends to all-or-nothing. Paths are told apart by their routes.
// - Flows are counted per route and direction (from -> to, to -> from), so a border crossing
//   (a route whose two ends are in different, named countries) gives the flow each way.
// - An OD cell with origin == destination is not assigned (no travel); a positive flow with no
//   path is reported in `unreachable`, not thrown: the rest of the matrix is still assigned.
// - The network is read only; the function is reentrant.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "corridor/network.hpp"
#include "corridor/routing.hpp"

namespace corridor {

/// How an OD matrix is put onto routes.
enum class AssignMethod { kShortest, kLogit };

/// Parses "shortest" or "logit"; else InputError naming `method`.
AssignMethod parse_assign_method(const std::string& name);

/// Settings of assign().
struct AssignOptions {
  AssignMethod method = AssignMethod::kShortest;
  double theta = 0.01;  ///< logit: cost sensitivity, per km (or per day), finite and >= 0
  std::size_t k = 3;    ///< logit: most paths per OD pair, >= 1
  RoutingOptions routing;
  bool keep_paths = true;  ///< fill Assignment::paths
};

/// One path used by an OD pair and the people on it.
struct AssignedPath {
  std::uint32_t od_row = 0;  ///< row of the OD matrix (index into origins)
  std::uint32_t od_col = 0;  ///< column of the OD matrix (index into destinations)
  Path path;
  double flow = 0.0;   ///< people
  double share = 0.0;  ///< of the pair's flow, 0-1
};

/// An OD matrix assigned to routes.
struct Assignment {
  std::vector<double> forward;   ///< per route: people travelling from -> to
  std::vector<double> backward;  ///< per route: people travelling to -> from
  std::vector<AssignedPath> paths;  ///< pairs in row-major order, paths cheapest first
  double assigned = 0.0;            ///< people put on paths
  double unassigned = 0.0;          ///< people of pairs with no path
  double intrazonal = 0.0;          ///< people on the OD diagonal (origin == destination)
  /// (row, column) of the pairs with a positive flow and no path.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> unreachable;
};

/// Assigns `od` (origins x destinations, people, finite and >= 0) to routes.
/// @param origins       location id of each OD row
/// @param destinations  location id of each OD column
/// @throws InputError naming `od`, `origins`, `destinations`, `theta` or `k`
Assignment assign(const Network& network, std::span<const LocationId> origins,
                  std::span<const LocationId> destinations, const Eigen::MatrixXd& od,
                  const AssignOptions& options = {});

}  // namespace corridor
