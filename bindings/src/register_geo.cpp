// corridor._core — geo: reading and writing layers, geodesic measurement, map lines.
//
// Design notes: GDAL warnings raised while the GIL was released are stored per thread by geo
// (gdal_messages.hpp); after each call they are re-raised here as Python RuntimeWarnings.
#include <cstdint>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "corridor/error.hpp"
#include "corridor/geo/gdal_messages.hpp"
#include "corridor/geo/geodesic.hpp"
#include "corridor/geo/lines.hpp"
#include "corridor/geo/read.hpp"
#include "corridor/geo/write.hpp"

namespace corridor::bindings {

void raise_gdal_warnings() {
  for (const std::string& message : geo::take_warnings()) {
    if (PyErr_WarnEx(PyExc_RuntimeWarning, message.c_str(), 2) != 0) throw py::error_already_set();
  }
}

namespace {

py::array_t<double> lonlat_array(const std::vector<LonLat>& points) {
  std::vector<double> flat;
  flat.reserve(points.size() * 2);
  for (const LonLat& p : points) {
    flat.push_back(p.lon);
    flat.push_back(p.lat);
  }
  return to_numpy_2d(std::move(flat), points.size(), 2);
}

std::vector<std::uint32_t> uint_ids(const py::object& values) {
  auto a = values.cast<py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>>();
  std::vector<std::uint32_t> out(static_cast<std::size_t>(a.size()));
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (a.data()[i] < 0) throw InputError("ids must be >= 0");
    out[i] = static_cast<std::uint32_t>(a.data()[i]);
  }
  return out;
}

}  // namespace

void register_geo(py::module_& m) {
  m.def(
      "read_network",
      [](const std::string& locations, const std::string& routes,
         const std::string& locations_layer, const std::string& routes_layer) {
        Network net;
        {
          py::gil_scoped_release release;
          net = geo::read_network(locations, routes, {locations_layer, routes_layer});
        }
        raise_gdal_warnings();
        return net;
      },
      py::arg("locations"), py::arg("routes"), py::arg("locations_layer") = "",
      py::arg("routes_layer") = "",
      "Reads a network from a locations file and a routes file (CSV, Flee CSV or any OGR "
      "layer); missing route distances are measured on WGS84.");

  m.def(
      "write_network",
      [](const Network& net, const std::string& path, const std::string& crs,
         const std::string& driver, double densify_km) {
        geo::WriteOptions options;
        options.crs = crs;
        options.driver = driver;
        options.densify_km = densify_km;
        std::vector<std::string> written;
        {
          py::gil_scoped_release release;
          written = geo::write_network(net, path, options);
        }
        raise_gdal_warnings();
        return written;
      },
      py::arg("network"), py::arg("path"), py::arg("crs") = "", py::arg("driver") = "",
      py::arg("densify_km") = 25.0,
      "Writes the network's locations and routes layers atomically; returns the paths written.");

  m.def("driver_for_path", &geo::driver_for_path, py::arg("path"),
        "The OGR driver corridor uses for a path's extension.");

  m.def(
      "geodesic_distance_km",
      [](double lon1, double lat1, double lon2, double lat2) {
        return geo::geodesic_distance_km({lon1, lat1}, {lon2, lat2});
      },
      py::arg("lon1"), py::arg("lat1"), py::arg("lon2"), py::arg("lat2"),
      "Length of the geodesic between two points on WGS84, in km.");

  m.def(
      "densify_geodesic",
      [](double lon1, double lat1, double lon2, double lat2, double max_segment_km) {
        return lonlat_array(geo::densify_geodesic({lon1, lat1}, {lon2, lat2}, max_segment_km));
      },
      py::arg("lon1"), py::arg("lat1"), py::arg("lon2"), py::arg("lat2"),
      py::arg("max_segment_km"), "Points along the geodesic, an (N, 2) lon/lat array.");

  m.def(
      "route_line",
      [](const Network& net, RouteId id, double max_segment_km) {
        std::vector<LonLat> line;
        {
          py::gil_scoped_release release;
          line = geo::route_line(net, id, max_segment_km);
        }
        return lonlat_array(line);
      },
      py::arg("network"), py::arg("route"), py::arg("max_segment_km") = 25.0,
      "The drawn line of a route, an (N, 2) lon/lat array from its 'from' to its 'to'.");

  m.def(
      "route_lines",
      [](const Network& net, double max_segment_km) {
        std::vector<std::int64_t> offsets{0};
        std::vector<double> flat;
        {
          py::gil_scoped_release release;
          offsets.reserve(net.num_routes() + 1);
          for (RouteId id = 0; id < net.num_routes(); ++id) {
            for (const LonLat& p : geo::route_line(net, id, max_segment_km)) {
              flat.push_back(p.lon);
              flat.push_back(p.lat);
            }
            offsets.push_back(static_cast<std::int64_t>(flat.size() / 2));
          }
        }
        const std::size_t points = flat.size() / 2;
        return py::make_tuple(to_numpy(std::move(offsets)), to_numpy_2d(std::move(flat), points, 2));
      },
      py::arg("network"), py::arg("max_segment_km") = 25.0,
      "The drawn lines of every route: (offsets, coords), route i being "
      "coords[offsets[i]:offsets[i+1]], an (N, 2) lon/lat array.");

  m.def(
      "path_line",
      [](const Network& net, const py::object& locations, const py::object& routes,
         double max_segment_km) {
        const auto locs = uint_ids(locations);
        const auto rts = uint_ids(routes);
        std::vector<LonLat> line;
        {
          py::gil_scoped_release release;
          line = geo::path_line(net, locs, rts, max_segment_km);
        }
        return lonlat_array(line);
      },
      py::arg("network"), py::arg("locations"), py::arg("routes"),
      py::arg("max_segment_km") = 25.0,
      "The drawn line of a path in the direction of travel, an (N, 2) lon/lat array.");
}

}  // namespace corridor::bindings
