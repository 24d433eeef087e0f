// corridor._core.Network — building from columns, reading back as columns, pickling.
//
// Design notes: the Python package turns DataFrames into plain columns (lists of str, float64
// arrays) and calls build_network; the columns go straight into NetworkBuilder, which
// validates them and names the row and field in any error. Pickling reuses the same columns,
// behind a leading version number, so a network ships to Dask workers as a few arrays.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "corridor/error.hpp"
#include "corridor/network.hpp"

namespace corridor::bindings {
namespace {

constexpr int kPickleVersion = 1;

using F64 = py::array_t<double, py::array::c_style | py::array::forcecast>;
using I64 = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

bool has(const py::dict& d, const char* key) { return d.contains(key) && !d[key].is_none(); }

std::vector<std::string> strings(const py::dict& d, const char* key, std::size_t n) {
  if (!has(d, key)) return std::vector<std::string>(n);
  auto values = d[key].cast<std::vector<std::string>>();
  if (values.size() != n) {
    throw InputError("column '" + std::string(key) + "' has " + std::to_string(values.size()) +
                     " values, expected " + std::to_string(n));
  }
  return values;
}

std::vector<double> doubles(const py::dict& d, const char* key, std::size_t n, double fill) {
  if (!has(d, key)) return std::vector<double>(n, fill);
  F64 a = d[key].cast<F64>();
  if (a.ndim() != 1 || static_cast<std::size_t>(a.shape(0)) != n) {
    throw InputError("column '" + std::string(key) + "' has the wrong length, expected " +
                     std::to_string(n));
  }
  return std::vector<double>(a.data(), a.data() + n);
}

Network build_network(const py::dict& locations, const py::dict& routes) {
  if (!has(locations, "name")) throw InputError("locations: missing column 'name'");
  // Cast everything while holding the GIL.
  const auto names = locations["name"].cast<std::vector<std::string>>();
  const std::size_t n = names.size();
  auto countries = strings(locations, "country", n);
  auto regions = strings(locations, "region", n);
  const auto kinds = strings(locations, "kind", n);
  const auto lon = doubles(locations, "lon", n, std::nan(""));
  const auto lat = doubles(locations, "lat", n, std::nan(""));
  const auto population = doubles(locations, "population", n, 0.0);
  const auto capacity = doubles(locations, "capacity", n, kUnlimited);
  const auto screening = doubles(locations, "screening_per_day", n, kUnlimited);
  if (!has(locations, "lon")) throw InputError("locations: missing column 'lon'");
  if (!has(locations, "lat")) throw InputError("locations: missing column 'lat'");

  const bool by_id = has(routes, "from_id");
  std::vector<std::string> from_names, to_names;
  std::vector<std::int64_t> from_ids, to_ids;
  std::size_t m = 0;
  if (by_id) {
    I64 f = routes["from_id"].cast<I64>();
    I64 t = routes["to_id"].cast<I64>();
    m = static_cast<std::size_t>(f.shape(0));
    if (static_cast<std::size_t>(t.shape(0)) != m) throw InputError("routes: from/to lengths differ");
    from_ids.assign(f.data(), f.data() + m);
    to_ids.assign(t.data(), t.data() + m);
  } else {
    if (!has(routes, "from")) throw InputError("routes: missing column 'from'");
    if (!has(routes, "to")) throw InputError("routes: missing column 'to'");
    from_names = routes["from"].cast<std::vector<std::string>>();
    m = from_names.size();
    to_names = strings(routes, "to", m);
  }
  const auto distance = doubles(routes, "distance_km", m, std::nan(""));
  const auto modes = strings(routes, "mode", m);
  const auto route_capacity = doubles(routes, "capacity_per_day", m, kUnlimited);
  const auto closed = doubles(routes, "closed", m, 0.0);
  const auto directed = doubles(routes, "directed", m, 0.0);
  std::vector<std::int64_t> geo_offsets;
  std::vector<double> geo_coords;
  if (has(routes, "geometry_offsets")) {
    I64 off = routes["geometry_offsets"].cast<I64>();
    F64 xy = routes["geometry_coords"].cast<F64>();
    if (static_cast<std::size_t>(off.shape(0)) != m + 1) {
      throw InputError("routes: geometry_offsets must have one more entry than routes");
    }
    geo_offsets.assign(off.data(), off.data() + m + 1);
    geo_coords.assign(xy.data(), xy.data() + xy.size());
  }

  py::gil_scoped_release release;
  NetworkBuilder builder;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string where = "locations row " + std::to_string(i);
    Location loc;
    loc.name = names[i];
    loc.country = std::move(countries[i]);
    loc.region = std::move(regions[i]);
    if (!kinds[i].empty()) {
      const auto kind = parse_location_kind(kinds[i]);
      if (!kind) throw InputError(where + ", field 'kind': unknown kind '" + kinds[i] + "'");
      loc.kind = *kind;
    }
    loc.position = {lon[i], lat[i]};
    loc.population = population[i];
    loc.capacity = capacity[i];
    loc.screening_per_day = screening[i];
    builder.add_location(std::move(loc), where);
  }
  for (std::size_t j = 0; j < m; ++j) {
    const std::string where = "routes row " + std::to_string(j);
    Route r;
    if (std::isnan(distance[j])) {
      throw InputError(where + ", field 'distance_km': missing (measure it with the geo reader)");
    }
    r.distance_km = distance[j];
    if (!modes[j].empty()) {
      const auto mode = parse_mode(modes[j]);
      if (!mode) throw InputError(where + ", field 'mode': unknown mode '" + modes[j] + "'");
      r.mode = *mode;
    }
    r.capacity_per_day = route_capacity[j];
    r.closed = closed[j] != 0.0;
    r.directed = directed[j] != 0.0;
    if (!geo_offsets.empty()) {
      const auto begin = geo_offsets[j], end = geo_offsets[j + 1];
      if (begin < 0 || end < begin || static_cast<std::size_t>(end) * 2 > geo_coords.size()) {
        throw InputError(where + ", field 'geometry': bad offsets");
      }
      for (auto k = begin; k < end; ++k) r.geometry.push_back({geo_coords[2 * k], geo_coords[2 * k + 1]});
    }
    if (by_id) {
      if (from_ids[j] < 0 || to_ids[j] < 0) throw InputError(where + ", field 'from': negative id");
      r.from = static_cast<LocationId>(from_ids[j]);
      r.to = static_cast<LocationId>(to_ids[j]);
      builder.add_route(std::move(r), where);
    } else {
      builder.add_route(from_names[j], to_names[j], std::move(r), where);
    }
  }
  return builder.build();
}

py::dict location_columns(const Network& net) {
  const auto locs = net.locations();
  const std::size_t n = locs.size();
  std::vector<double> lon(n), lat(n), pop(n), cap(n), scr(n);
  py::list name(n), country(n), region(n), kind(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Location& l = locs[i];
    name[i] = py::str(l.name);
    country[i] = py::str(l.country);
    region[i] = py::str(l.region);
    kind[i] = py::str(std::string(to_string(l.kind)));
    lon[i] = l.position.lon;
    lat[i] = l.position.lat;
    pop[i] = l.population;
    cap[i] = l.capacity;
    scr[i] = l.screening_per_day;
  }
  py::dict d;
  d["name"] = name;
  d["country"] = country;
  d["region"] = region;
  d["kind"] = kind;
  d["lon"] = to_numpy(std::move(lon));
  d["lat"] = to_numpy(std::move(lat));
  d["population"] = to_numpy(std::move(pop));
  d["capacity"] = to_numpy(std::move(cap));
  d["screening_per_day"] = to_numpy(std::move(scr));
  return d;
}

py::dict route_columns(const Network& net) {
  const auto routes = net.routes();
  const std::size_t m = routes.size();
  std::vector<std::int64_t> from(m), to(m), offsets(m + 1, 0);
  std::vector<double> dist(m), cap(m), coords;
  std::vector<bool> closed_flags(m), directed_flags(m);
  py::list mode(m);
  for (std::size_t j = 0; j < m; ++j) {
    const Route& r = routes[j];
    from[j] = r.from;
    to[j] = r.to;
    dist[j] = r.distance_km;
    cap[j] = r.capacity_per_day;
    mode[j] = py::str(std::string(to_string(r.mode)));
    closed_flags[j] = r.closed;
    directed_flags[j] = r.directed;
    for (const LonLat& p : r.geometry) {
      coords.push_back(p.lon);
      coords.push_back(p.lat);
    }
    offsets[j + 1] = static_cast<std::int64_t>(coords.size() / 2);
  }
  py::array_t<bool> closed(static_cast<py::ssize_t>(m)), directed(static_cast<py::ssize_t>(m));
  for (std::size_t j = 0; j < m; ++j) {
    closed.mutable_at(j) = closed_flags[j];
    directed.mutable_at(j) = directed_flags[j];
  }
  const std::size_t points = coords.size() / 2;
  py::dict d;
  d["from_id"] = to_numpy(std::move(from));
  d["to_id"] = to_numpy(std::move(to));
  d["distance_km"] = to_numpy(std::move(dist));
  d["mode"] = mode;
  d["capacity_per_day"] = to_numpy(std::move(cap));
  d["closed"] = closed;
  d["directed"] = directed;
  d["geometry_offsets"] = to_numpy(std::move(offsets));
  d["geometry_coords"] = to_numpy_2d(std::move(coords), points, 2);
  return d;
}

}  // namespace

void register_network(py::module_& m) {
  py::class_<Network>(m, "Network",
                      "An immutable route network (use corridor.Network, which wraps it).")
      .def(py::init<>())
      .def_property_readonly("num_locations", &Network::num_locations)
      .def_property_readonly("num_routes", &Network::num_routes)
      .def_property_readonly("num_arcs", &Network::num_arcs)
      .def("find", &Network::find, py::arg("name"), "Id of a location, or None.")
      .def("id", &Network::id, py::arg("name"), "Id of a location; InputError if unknown.")
      .def("location_columns", &location_columns, "Locations as a dict of columns.")
      .def("route_columns", &route_columns,
           "Routes as a dict of columns (ids, attributes, explicit geometries as offsets and "
           "an (N, 2) lon/lat array).")
      .def(
          "components",
          [](const Network& net) {
            std::uint32_t count = 0;
            std::vector<std::uint32_t> labels;
            {
              py::gil_scoped_release release;
              labels = net.components(&count);
            }
            return py::make_tuple(to_numpy(std::move(labels)), count);
          },
          "Weakly connected components: (labels per location, count).")
      .def(py::pickle(
          [](const Network& net) {
            return py::make_tuple(kPickleVersion, location_columns(net), route_columns(net));
          },
          [](const py::tuple& state) {
            if (state.size() != 3 || state[0].cast<int>() != kPickleVersion) {
              throw InputError("cannot unpickle a Network: unknown pickle version");
            }
            return build_network(state[1].cast<py::dict>(), state[2].cast<py::dict>());
          }));

  m.def("build_network", &build_network, py::arg("locations"), py::arg("routes"),
        "Builds a Network from columns: locations {name, lon, lat, country, region, kind, "
        "population, capacity, screening_per_day} and routes {from, to (names) or from_id, "
        "to_id, distance_km, mode, capacity_per_day, closed, directed, geometry_offsets, "
        "geometry_coords}.");
}

}  // namespace corridor::bindings
