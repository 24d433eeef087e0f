// corridor._core — contingency scenarios and projections (on either engine), and the
// expected-flow engine on Flee cases.
//
// Design notes:
// - The Python package keeps a scenario as a dict mirroring the TOML file and hands its TOML
//   text to parse_scenario, so every check lives in the C++ reader. What comes back is a
//   read-only view of the resolved Scenario (names already turned into ids) that the package
//   only reads (events and triggers as plain dicts) and passes to run_projection.
// - Engines run with the GIL released; once a day they call back on the calling thread, which
//   takes the GIL only to update a progress bar and to check for Ctrl-C (PyErr_CheckSignals).
//   A Python exception in the callback (KeyboardInterrupt included) stops the run at the end of
//   that day and is re-raised here.
// - Results are dicts of numpy arrays moved out of the C++ vectors without copying, reshaped
//   (days x locations x cohorts, days x locations, days x routes), so the Python result object
//   that holds them pickles as plain arrays.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "corridor/error.hpp"
#include "corridor/expected.hpp"
#include "corridor/flee_case.hpp"
#include "corridor/geo/gdal_messages.hpp"
#include "corridor/geo/scenario.hpp"
#include "corridor/projection.hpp"
#include "corridor/scenario.hpp"

namespace corridor::bindings {
namespace {

/// Moves a row-major buffer of the given shape into a numpy array without copying.
template <class T>
py::array_t<T> to_numpy_nd(std::vector<T>&& values, const std::vector<std::size_t>& shape,
                           const char* name) {
  std::size_t expected = 1;
  for (std::size_t s : shape) expected *= s;
  if (values.size() != expected) {
    throw Error(std::string("projection result '") + name + "' has " +
                std::to_string(values.size()) + " values, expected " + std::to_string(expected));
  }
  auto* owned = new std::vector<T>(std::move(values));
  py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  std::vector<py::ssize_t> dims(shape.begin(), shape.end());
  std::vector<py::ssize_t> strides(shape.size());
  py::ssize_t stride = sizeof(T);
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= static_cast<py::ssize_t>(shape[i]);
  }
  return py::array_t<T>(dims, strides, owned->data(), owner);
}

/// NaN ("unchanged") becomes None.
py::object optional_number(double value) {
  if (std::isnan(value)) return py::none();
  return py::float_(value);
}

/// A location's name, or "#id" for an id outside the network (a scenario built in code).
std::string location_name(LocationId id, const Network& net) {
  return id < net.num_locations() ? net.location(id).name : "#" + std::to_string(id);
}

py::dict event_dict(const Event& e, const Network& net) {
  py::dict d;
  d["type"] = std::string(to_string(e.type));
  d["day"] = e.day;
  d["until_day"] = e.until_day < 0 ? py::object(py::none()) : py::object(py::int_(e.until_day));
  py::list locations;
  for (LocationId id : e.locations) locations.append(location_name(id, net));
  d["locations"] = locations;
  d["routes"] = e.routes;
  d["countries"] = e.countries;
  d["people"] = e.people;
  d["over_days"] = e.over_days;
  d["cohort_shares"] = e.cohort_shares;
  d["capacity"] = optional_number(e.capacity);
  d["screening_per_day"] = optional_number(e.screening_per_day);
  d["suspend_arrivals"] = e.suspend_arrivals;
  d["capacity_factor"] = optional_number(e.capacity_factor);
  d["note"] = e.note;
  d["where"] = e.where;
  return d;
}

py::dict stream_dict(const Stream& st, const Network& net) {
  py::dict d;
  d["name"] = st.name;
  d["type"] = st.type;
  d["kind"] = std::string(to_string(st.kind));
  d["shares"] = st.shares;
  d["capacity"] = st.capacity;
  d["duration_days"] = st.duration_days;
  d["per_day"] = st.per_day;
  d["stay"] = st.stay;
  d["origin"] = st.kind == StreamKind::kReturn ? py::object(py::str(location_name(st.origin, net)))
                                               : py::object(py::none());
  py::list destinations;
  for (const LocationId id : st.destinations) destinations.append(location_name(id, net));
  d["destinations"] = destinations;
  d["destination_shares"] = st.destination_shares;
  d["travel_days"] = st.travel_days;
  d["note"] = st.note;
  d["where"] = st.where;
  return d;
}

py::dict quarantine_dict(const Quarantine& q, const Network& net) {
  py::dict d;
  py::list locations;
  for (const LocationId id : q.locations) locations.append(location_name(id, net));
  d["locations"] = locations;
  d["days"] = q.days;
  d["capacity"] = q.capacity;
  d["where"] = q.where;
  return d;
}

py::dict trigger_dict(const Trigger& t, const Network& net) {
  py::dict d;
  d["location"] = location_name(t.location, net);
  d["metric"] = std::string(to_string(t.metric));
  d["threshold"] = t.threshold;
  d["above"] = t.above;
  d["then"] = event_dict(t.then, net);
  d["note"] = t.note;
  d["where"] = t.where;
  return d;
}

py::dict planning_dict(const Planning& p) {
  py::dict d;
  d["water_l"] = p.water_l;
  d["people_per_tap"] = p.people_per_tap;
  d["people_per_toilet_first"] = p.people_per_toilet_first;
  d["people_per_toilet"] = p.people_per_toilet;
  d["first_phase_days"] = p.first_phase_days;
  d["covered_m2"] = p.covered_m2;
  d["site_area_m2"] = p.site_area_m2;
  d["kcal"] = p.kcal;
  return d;
}

Planning planning_from(const py::object& obj) {
  Planning p;
  if (obj.is_none()) return p;
  const auto d = obj.cast<py::dict>();
  for (const auto& item : d) {
    const auto key = item.first.cast<std::string>();
    const py::handle v = item.second;
    if (key == "water_l") p.water_l = v.cast<double>();
    else if (key == "people_per_tap") p.people_per_tap = v.cast<double>();
    else if (key == "people_per_toilet_first") p.people_per_toilet_first = v.cast<double>();
    else if (key == "people_per_toilet") p.people_per_toilet = v.cast<double>();
    else if (key == "first_phase_days") p.first_phase_days = v.cast<int>();
    else if (key == "covered_m2") p.covered_m2 = v.cast<double>();
    else if (key == "site_area_m2") p.site_area_m2 = v.cast<double>();
    else if (key == "kcal") p.kcal = v.cast<double>();
    else throw InputError("planning: unknown key '" + key + "'");
  }
  return p;
}


py::dict projection_dict(Projection&& r) {
  const auto days = static_cast<std::size_t>(r.days);
  const std::size_t nl = r.num_locations, nr = r.num_routes, nc = r.cohorts.size();
  py::dict out;
  out["days"] = r.days;
  out["num_locations"] = nl;
  out["num_routes"] = nr;
  out["cohorts"] = r.cohorts;
  out["population"] = to_numpy_nd(std::move(r.population), {days, nl, nc}, "population");
  out["arrivals"] = to_numpy_nd(std::move(r.arrivals), {days, nl, nc}, "arrivals");
  out["backlog"] = to_numpy_nd(std::move(r.backlog), {days, nl, nc}, "backlog");
  out["screened"] = to_numpy_nd(std::move(r.screened), {days, nl}, "screened");
  out["capacity"] = to_numpy_nd(std::move(r.capacity), {days, nl}, "capacity");
  out["screening_per_day"] =
      to_numpy_nd(std::move(r.screening_per_day), {days, nl}, "screening_per_day");
  out["open"] = to_numpy_nd(std::move(r.open), {days, nl}, "open");
  out["route_flow"] = to_numpy_nd(std::move(r.route_flow), {days, nr}, "route_flow");
  out["water_l"] = to_numpy_nd(std::move(r.water_l), {days, nl}, "water_l");
  out["taps"] = to_numpy_nd(std::move(r.taps), {days, nl}, "taps");
  out["toilets"] = to_numpy_nd(std::move(r.toilets), {days, nl}, "toilets");
  out["covered_m2"] = to_numpy_nd(std::move(r.covered_m2), {days, nl}, "covered_m2");
  out["site_area_m2"] = to_numpy_nd(std::move(r.site_area_m2), {days, nl}, "site_area_m2");
  out["kcal"] = to_numpy_nd(std::move(r.kcal), {days, nl}, "kcal");
  out["spawned"] = to_numpy_nd(std::move(r.spawned), {days}, "spawned");
  out["at_locations"] = to_numpy_nd(std::move(r.at_locations), {days}, "at_locations");
  out["in_transit"] = to_numpy_nd(std::move(r.in_transit), {days}, "in_transit");
  out["departed"] = to_numpy_nd(std::move(r.departed), {days}, "departed");
  out["in_reception"] = to_numpy_nd(std::move(r.in_reception), {days}, "in_reception");
  out["transferring"] = to_numpy_nd(std::move(r.transferring), {days}, "transferring");
  out["returned"] = to_numpy_nd(std::move(r.returned), {days}, "returned");
  // Reception pathways (only when the scenario declares streams or quarantine stages).
  out["streams"] = r.streams;
  out["stream_types"] = r.stream_types;
  out["reception_sites"] = r.reception_sites;
  if (!r.streams.empty()) {
    const std::size_t ns = r.streams.size(), nrs = r.reception_sites.size();
    out["quarantine_waiting"] =
        to_numpy_nd(std::move(r.quarantine_waiting), {days, nrs, nc}, "quarantine_waiting");
    out["in_quarantine"] =
        to_numpy_nd(std::move(r.in_quarantine), {days, nrs, nc}, "in_quarantine");
    const std::pair<const char*, std::vector<double>*> streams[] = {
        {"stream_waiting", &r.stream_waiting},     {"stream_in_process", &r.stream_in_process},
        {"stream_completed", &r.stream_completed}, {"stream_referred", &r.stream_referred},
        {"stream_returned", &r.stream_returned},   {"stream_moved_on", &r.stream_moved_on},
    };
    for (const auto& [name, values] : streams) {
      out[name] = to_numpy_nd(std::move(*values), {days, nrs, ns, nc}, name);
    }
    out["returned_to"] = to_numpy_nd(std::move(r.returned_to), {days, nl}, "returned_to");
  }
  py::list fired;
  for (const FiredTrigger& f : r.fired) {
    py::dict d;
    d["trigger"] = f.trigger;
    d["day"] = f.day;
    d["value"] = f.value;
    fired.append(d);
  }
  out["fired"] = fired;
  py::dict work;
  work["hops"] = r.work_hops;
  work["slots"] = r.work_slots;
  work["passes"] = r.work_passes;
  out["work"] = work;
  return out;
}

}  // namespace

void register_projection(py::module_& m) {
  py::class_<Scenario>(m, "Scenario",
                       "A resolved scenario, read-only (use corridor.Scenario, which builds it).")
      .def_readonly("name", &Scenario::name)
      .def_readonly("start_date", &Scenario::start_date)
      .def_readonly("days", &Scenario::days)
      .def_readonly("engine", &Scenario::engine)
      .def_readonly("seed", &Scenario::seed)
      .def_readonly("source", &Scenario::source)
      .def_readonly("description", &Scenario::description)
      .def_readonly("cohorts", &Scenario::cohorts)
      .def_readonly("cohort_shares", &Scenario::cohort_shares)
      .def_property_readonly("network", [](const Scenario& s) { return s.network; })
      .def_property_readonly(
          "movement",
          [](const Scenario& s) { return move_rules_dict(s.movement, MoveKeys::kScenario); })
      .def_property_readonly("planning", [](const Scenario& s) { return planning_dict(s.planning); })
      .def_property_readonly("num_events", [](const Scenario& s) { return s.events.size(); })
      .def_property_readonly("num_triggers", [](const Scenario& s) { return s.triggers.size(); })
      .def_property_readonly("events",
                             [](const Scenario& s) {
                               py::list out;
                               for (const Event& e : s.events) out.append(event_dict(e, s.network));
                               return out;
                             })
      .def_property_readonly("triggers",
                             [](const Scenario& s) {
                               py::list out;
                               for (const Trigger& t : s.triggers) {
                                 out.append(trigger_dict(t, s.network));
                               }
                               return out;
                             })
      .def_property_readonly("streams",
                             [](const Scenario& s) {
                               py::list out;
                               for (const Stream& st : s.streams) {
                                 out.append(stream_dict(st, s.network));
                               }
                               return out;
                             })
      .def_property_readonly("quarantine", [](const Scenario& s) {
        py::list out;
        for (const Quarantine& q : s.quarantine) out.append(quarantine_dict(q, s.network));
        return out;
      });

  m.def(
      "parse_scenario",
      [](const std::string& toml, const std::string& name, const std::string& base_dir,
         const std::optional<Network>& network) {
        geo::ScenarioSource source;
        source.name = name;
        source.base_dir = base_dir;
        source.network = network;
        Scenario s;
        try {
          py::gil_scoped_release release;
          s = geo::parse_scenario(toml, source);
        } catch (...) {
          geo::take_warnings();  // a failed read's GDAL warnings must not surface later
          throw;
        }
        raise_gdal_warnings();
        return s;
      },
      py::arg("toml"), py::arg("name") = "scenario", py::arg("base_dir") = ".",
      py::arg("network") = py::none(),
      "Parses scenario TOML text; `name` is used in error messages, [network] paths are "
      "relative to `base_dir`, and `network` (if given) is used instead of [network].");

  m.def(
      "read_scenario",
      [](const std::string& path) {
        Scenario s;
        try {
          py::gil_scoped_release release;
          s = geo::read_scenario(path);
        } catch (...) {
          geo::take_warnings();
          throw;
        }
        raise_gdal_warnings();
        return s;
      },
      py::arg("path"), "Reads a scenario TOML file.");

  m.def(
      "run_projection",
      [](const Scenario& scenario, const py::object& on_day, const std::string& engine,
         const std::optional<std::uint64_t>& seed, unsigned threads, bool merge_cohorts) {
        DayCallback callback{on_day};
        ProjectionOptions options;
        options.engine = engine;
        options.seed = seed;
        options.threads = threads;
        options.merge_cohorts = merge_cohorts;
        options.on_day = [&callback](int day) { return callback(day); };
        Projection r;
        {
          py::gil_scoped_release release;
          r = run_projection(scenario, options);
        }
        if (callback.python_error) throw py::error_already_set();
        return projection_dict(std::move(r));
      },
      py::arg("scenario"), py::arg("on_day") = py::none(), py::arg("engine") = "expected",
      py::arg("seed") = py::none(), py::arg("threads") = 0, py::arg("merge_cohorts") = true,
      "Runs a scenario on an engine ('expected': expected numbers of people; 'agents': whole "
      "people, one run per `seed`, None = the scenario's; `threads` 0 = all cores, the same "
      "result for any; `merge_cohorts`: the expected engine carries totals only when every "
      "displacement splits its people alike and there are no reception pathways); returns a dict of arrays (population, arrivals, backlog: days x "
      "locations x cohorts; screened, capacity, screening_per_day, open and the needs: days x "
      "locations; route_flow: days x routes; the conservation account per day; fired "
      "triggers).");

  m.def(
      "site_needs",
      [](double people, bool first_phase, const py::object& planning) {
        const SiteNeeds n = site_needs(people, first_phase, planning_from(planning));
        py::dict d;
        d["water_l"] = n.water_l;
        d["taps"] = n.taps;
        d["toilets"] = n.toilets;
        d["covered_m2"] = n.covered_m2;
        d["site_area_m2"] = n.site_area_m2;
        d["kcal"] = n.kcal;
        return d;
      },
      py::arg("people"), py::arg("first_phase") = true, py::arg("planning") = py::none(),
      "Daily needs of `people` at a site (facility counts rounded up); `planning` overrides "
      "the Sphere/UNHCR figures by key.");

  m.def("default_planning", []() { return planning_dict(Planning{}); },
        "The default planning figures (Sphere Handbook 2018, UNHCR Emergency Handbook).");
  m.def(
      "default_movement",
      []() { return move_rules_dict(validation_move_rules(), MoveKeys::kScenario); },
      "The movement settings a scenario uses when it gives none (Flee 3's validation runs).");
  m.def(
      "default_cohorts",
      []() { return py::make_tuple(default_cohorts(), default_cohort_shares()); },
      "The default cohorts and their shares.");

  m.def(
      "run_expected",
      [](const FleeCase& c, const py::object& on_day) {
        DayCallback callback{on_day};
        ExpectedRunOptions options;
        options.on_day = [&callback](int day) { return callback(day); };
        ExpectedResult r;
        {
          py::gil_scoped_release release;
          r = run_expected(c, options);
        }
        if (callback.python_error) throw py::error_already_set();
        const auto days = static_cast<std::size_t>(r.days);
        py::dict out;
        out["days"] = r.days;
        out["population"] =
            to_numpy_nd(std::move(r.population), {days, r.num_locations}, "population");
        out["in_transit"] = to_numpy_nd(std::move(r.in_transit), {days}, "in_transit");
        out["spawned"] = to_numpy_nd(std::move(r.spawned), {days}, "spawned");
        out["departed"] = to_numpy_nd(std::move(r.departed), {days}, "departed");
        out["refugee_debt"] = to_numpy_nd(std::move(r.refugee_debt), {days}, "refugee_debt");
        return out;
      },
      py::arg("case"), py::arg("on_day") = py::none(),
      "Runs the expected-flow engine on a Flee case; returns per-day people (population: days "
      "x locations, in_transit, spawned, departed, refugee_debt), like run_agents.");
}

}  // namespace corridor::bindings
