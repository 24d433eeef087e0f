// corridor._core — routing: shortest paths, k shortest loop-free paths, cost matrices.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "corridor/error.hpp"
#include "corridor/routing.hpp"

namespace corridor::bindings {
namespace {


std::vector<LocationId> ids(const py::object& values) {
  if (values.is_none()) return {};
  auto a = values.cast<py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>>();
  std::vector<LocationId> out(static_cast<std::size_t>(a.size()));
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (a.data()[i] < 0) throw InputError("location ids must be >= 0");
    out[i] = static_cast<LocationId>(a.data()[i]);
  }
  return out;
}

}  // namespace

RoutingOptions routing_options(const std::string& weight, bool include_closed,
                               const py::object& speeds) {
  RoutingOptions options;
  if (weight == "distance") {
    options.weight = Weight::kDistance;
  } else if (weight == "time") {
    options.weight = Weight::kTravelTime;
  } else {
    throw InputError("weight: expected 'distance' or 'time', got '" + weight + "'");
  }
  options.include_closed = include_closed;
  if (!speeds.is_none()) {
    for (const auto& [key, value] : speeds.cast<py::dict>()) {
      const auto name = key.cast<std::string>();
      const auto mode = parse_mode(name);
      if (!mode) throw InputError("speeds: unknown mode '" + name + "'");
      const double v = value.cast<double>();
      switch (*mode) {
        case Mode::kRoad: options.speeds.road_km_per_day = v; break;
        case Mode::kFoot: options.speeds.foot_km_per_day = v; break;
        case Mode::kSea: options.speeds.sea_km_per_day = v; break;
        case Mode::kRiver: options.speeds.river_km_per_day = v; break;
        case Mode::kAir: options.speeds.air_km_per_day = v; break;
      }
    }
  }
  return options;
}

void register_routing(py::module_& m) {
  py::class_<Path>(m, "Path", "A path: location ids, route ids, distance in km and cost.")
      .def_property_readonly("locations",
                             [](const Path& p) { return to_numpy(std::vector<LocationId>(p.locations)); })
      .def_property_readonly("routes",
                             [](const Path& p) { return to_numpy(std::vector<RouteId>(p.routes)); })
      .def_readonly("distance_km", &Path::distance_km)
      .def_readonly("cost", &Path::cost)
      .def("__len__", [](const Path& p) { return p.routes.size(); });

  m.def(
      "shortest_path",
      [](const Network& net, LocationId source, LocationId target, const std::string& weight,
         bool include_closed, const py::object& speeds) {
        const auto options = routing_options(weight, include_closed, speeds);
        py::gil_scoped_release release;
        return shortest_path(net, source, target, options);
      },
      py::arg("network"), py::arg("source"), py::arg("target"), py::arg("weight") = "distance",
      py::arg("include_closed") = false, py::arg("speeds") = py::none(),
      "The shortest path between two location ids, or None if unreachable.");

  m.def(
      "k_shortest_paths",
      [](const Network& net, LocationId source, LocationId target, std::size_t k,
         const std::string& weight, bool include_closed, const py::object& speeds) {
        const auto options = routing_options(weight, include_closed, speeds);
        py::gil_scoped_release release;
        return k_shortest_paths(net, source, target, k, options);
      },
      py::arg("network"), py::arg("source"), py::arg("target"), py::arg("k"),
      py::arg("weight") = "distance", py::arg("include_closed") = false,
      py::arg("speeds") = py::none(), "Up to k shortest loop-free paths (Yen), cheapest first.");

  m.def(
      "shortest_path_tree",
      [](const Network& net, LocationId source, const std::string& weight, bool include_closed,
         const py::object& speeds) {
        const auto options = routing_options(weight, include_closed, speeds);
        ShortestPathTree tree;
        {
          py::gil_scoped_release release;
          tree = shortest_path_tree(net, source, options);
        }
        return py::make_tuple(to_numpy(std::move(tree.cost)), to_numpy(std::move(tree.distance_km)),
                              to_numpy(std::move(tree.pred_arc)));
      },
      py::arg("network"), py::arg("source"), py::arg("weight") = "distance",
      py::arg("include_closed") = false, py::arg("speeds") = py::none(),
      "Single-source shortest paths: (cost, distance_km, pred_arc) arrays per location.");

  m.def(
      "cost_matrix",
      [](const Network& net, const py::object& sources, const py::object& targets,
         const std::string& weight, bool include_closed, const py::object& speeds,
         unsigned threads) {
        const auto options = routing_options(weight, include_closed, speeds);
        const auto src = ids(sources);
        const auto dst = ids(targets);
        std::vector<double> costs;
        {
          py::gil_scoped_release release;
          costs = cost_matrix(net, src, dst, options, threads);
        }
        const std::size_t cols = dst.empty() ? net.num_locations() : dst.size();
        return to_numpy_2d(std::move(costs), src.size(), cols);
      },
      py::arg("network"), py::arg("sources"), py::arg("targets") = py::none(),
      py::arg("weight") = "distance", py::arg("include_closed") = false,
      py::arg("speeds") = py::none(), py::arg("threads") = 0,
      "Costs from each source to each target (all locations if targets is None); inf where "
      "unreachable. Results do not depend on the thread count.");

  m.def(
      "simple_paths",
      [](const Network& net, LocationId source, std::size_t max_hops, const std::string& weight,
         bool include_closed, const py::object& speeds) {
        const auto options = routing_options(weight, include_closed, speeds);
        py::gil_scoped_release release;
        return simple_paths(net, source, max_hops, options);
      },
      py::arg("network"), py::arg("source"), py::arg("max_hops"), py::arg("weight") = "distance",
      py::arg("include_closed") = false, py::arg("speeds") = py::none(),
      "All loop-free paths of 1 to max_hops routes from source.");
}

}  // namespace corridor::bindings
