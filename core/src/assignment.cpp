// corridor — OD assignment to routes (see assignment.hpp for the design notes).
#include "corridor/assignment.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "corridor/error.hpp"
#include "flows_checks.hpp"

namespace corridor {

using namespace flows_detail;

AssignMethod parse_assign_method(const std::string& name) {
  if (name == "shortest") return AssignMethod::kShortest;
  if (name == "logit") return AssignMethod::kLogit;
  throw InputError("method: expected 'shortest' or 'logit', got '" + name + "'");
}

namespace {

void add_path(const Network& network, const Path& path, double flow, Assignment& out) {
  for (std::size_t h = 0; h < path.routes.size(); ++h) {
    const RouteId r = path.routes[h];
    if (network.route(r).from == path.locations[h]) {
      out.forward[r] += flow;
    } else {
      out.backward[r] += flow;
    }
  }
}

}  // namespace

Assignment assign(const Network& network, std::span<const LocationId> origins,
                  std::span<const LocationId> destinations, const Eigen::MatrixXd& od,
                  const AssignOptions& options) {
  if (od.rows() != static_cast<Eigen::Index>(origins.size()) ||
      od.cols() != static_cast<Eigen::Index>(destinations.size())) {
    throw InputError("od: shape " + std::to_string(od.rows()) + " x " +
                     std::to_string(od.cols()) + ", expected " + std::to_string(origins.size()) +
                     " x " + std::to_string(destinations.size()) + " (origins x destinations)");
  }
  check_counts(od, "od");
  const auto n = network.num_locations();
  for (std::size_t i = 0; i < origins.size(); ++i)
    if (origins[i] >= n)
      throw InputError("origins[" + std::to_string(i) + "]: location id " +
                       std::to_string(origins[i]) + " is not in the network");
  for (std::size_t j = 0; j < destinations.size(); ++j)
    if (destinations[j] >= n)
      throw InputError("destinations[" + std::to_string(j) + "]: location id " +
                       std::to_string(destinations[j]) + " is not in the network");
  const bool logit = options.method == AssignMethod::kLogit;
  if (logit) {
    if (!(std::isfinite(options.theta) && options.theta >= 0))
      throw InputError("theta: must be finite and >= 0, got " + num(options.theta));
    if (options.k < 1) throw InputError("k: must be >= 1, got 0");
  }

  Assignment out;
  out.forward.assign(network.num_routes(), 0.0);
  out.backward.assign(network.num_routes(), 0.0);
  for (std::size_t i = 0; i < origins.size(); ++i) {
    const auto row = static_cast<Eigen::Index>(i);
    if (!(od.row(row).maxCoeff() > 0)) continue;
    std::optional<ShortestPathTree> tree;
    if (!logit) tree = shortest_path_tree(network, origins[i], options.routing);
    for (std::size_t j = 0; j < destinations.size(); ++j) {
      const double flow = od(row, static_cast<Eigen::Index>(j));
      if (flow <= 0) continue;
      if (origins[i] == destinations[j]) {
        out.intrazonal += flow;
        continue;
      }
      std::vector<Path> paths;
      if (logit) {
        paths = k_shortest_paths(network, origins[i], destinations[j], options.k,
                                 options.routing);
      } else if (auto p = tree->path_to(network, destinations[j])) {
        paths.push_back(std::move(*p));
      }
      if (paths.empty()) {
        out.unassigned += flow;
        out.unreachable.emplace_back(static_cast<std::uint32_t>(i),
                                     static_cast<std::uint32_t>(j));
        continue;
      }
      std::vector<double> share(paths.size(), 1.0);
      if (paths.size() > 1) {
        double c_min = paths.front().cost;
        for (const auto& p : paths) c_min = std::min(c_min, p.cost);
        double sum = 0.0;
        for (std::size_t q = 0; q < paths.size(); ++q)
          sum += share[q] = std::exp(-options.theta * (paths[q].cost - c_min));
        for (auto& s : share) s /= sum;
      }
      for (std::size_t q = 0; q < paths.size(); ++q) {
        const double f = flow * share[q];
        add_path(network, paths[q], f, out);
        out.assigned += f;
        if (options.keep_paths) {
          out.paths.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j),
                               std::move(paths[q]), f, share[q]});
        }
      }
    }
  }
  return out;
}

}  // namespace corridor
