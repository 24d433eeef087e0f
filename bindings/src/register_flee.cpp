// corridor._core — Flee cases: reading a case directory and looking into it.
#include <cstdint>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "corridor/error.hpp"
#include "corridor/flee_case.hpp"
#include "corridor/geo/flee_case.hpp"

namespace corridor::bindings {

py::dict move_rules_dict(const MoveRules& m, MoveKeys keys) {
  const bool flee = keys == MoveKeys::kFlee;
  py::dict move;
  move[flee ? "max_move_speed" : "max_move_speed_km"] = m.max_move_speed_km;
  move[flee ? "max_walk_speed" : "max_walk_speed_km"] = m.max_walk_speed_km;
  move["foreign_weight"] = m.foreign_weight;
  move["camp_weight"] = m.camp_weight;
  move["conflict_weight"] = m.conflict_weight;
  move["conflict_movechance"] = m.conflict_movechance;
  move["camp_movechance"] = m.camp_movechance;
  move["idpcamp_movechance"] = m.idpcamp_movechance;
  move["default_movechance"] = m.default_movechance;
  move["awareness_level"] = m.awareness_level;
  move["capacity_buffer"] = m.capacity_buffer;
  move["capacity_scaling"] = m.capacity_scaling;
  move["avoid_short_stints"] = m.avoid_short_stints;
  move["start_on_foot"] = m.start_on_foot;
  move["softening"] = m.softening;
  move["weight_softening"] = m.weight_softening;
  move["weight_power"] = m.weight_power;
  move["distance_power"] = m.distance_power;
  return move;
}

namespace {

py::dict settings_dict(const AgentSettings& s) {
  py::dict move = move_rules_dict(s.move, MoveKeys::kFlee);
  const SpawnRules& sp = s.spawn;
  py::dict spawn;
  spawn["sum_from_camps"] = sp.sum_from_camps;
  spawn["insert_day0"] = sp.insert_day0;
  spawn["empty_camps_on_day0"] = sp.empty_camps_on_day0;
  spawn["conflict_zone_spawning_only"] = sp.conflict_zone_spawning_only;
  spawn["conflict_spawn_decay"] = sp.conflict_spawn_decay;
  spawn["conflict_spawn_decay_interval"] = sp.conflict_spawn_decay_interval;
  static const char* kModes[] = {"off", "constant", "pop_ratio", "poisson"};
  spawn["conflict_driven_spawning"] = kModes[static_cast<int>(sp.conflict_driven)];
  spawn["displaced_per_conflict_day"] = sp.displaced_per_conflict_day;
  spawn["camps_are_sinks"] = sp.camps_are_sinks;
  py::dict out;
  out["move_rules"] = move;
  out["spawn_rules"] = spawn;
  out["optimisations"] = py::dict(py::arg("hasten") = sp.hasten);
  return out;
}

}  // namespace

void register_flee(py::module_& m) {
  py::class_<FleeCase>(m, "FleeCase", "A Flee case: network, settings, timeline, observed data.")
      .def_readonly("name", &FleeCase::name)
      .def_readonly("start_date", &FleeCase::start_date)
      .def_readonly("days", &FleeCase::days)
      .def_readonly("network", &FleeCase::network)
      .def_readonly("unsupported_settings", &FleeCase::unsupported_settings)
      .def_readonly("notes", &FleeCase::notes)
      .def_property_readonly("settings", [](const FleeCase& c) { return settings_dict(c.settings); })
      .def_property_readonly("camp_names",
                             [](const FleeCase& c) {
                               std::vector<std::string> names;
                               for (const auto& s : c.camps) names.push_back(s.name);
                               return names;
                             })
      .def_property_readonly("camp_ids",
                             [](const FleeCase& c) {
                               std::vector<std::uint32_t> ids;
                               for (const auto& s : c.camps) ids.push_back(s.location);
                               return to_numpy(std::move(ids));
                             })
      .def_property_readonly("observed",
                             [](const FleeCase& c) {
                               // days x camps, the interpolated registrations per camp.
                               const std::size_t days = static_cast<std::size_t>(c.days);
                               std::vector<double> flat(days * c.camps.size(), 0.0);
                               for (std::size_t j = 0; j < c.camps.size(); ++j) {
                                 const auto& s = c.camps[j].per_day;
                                 for (std::size_t t = 0; t < days && t < s.size(); ++t) {
                                   flat[t * c.camps.size() + j] = s[t];
                                 }
                               }
                               return to_numpy_2d(std::move(flat), days, c.camps.size());
                             })
      .def_property_readonly("total", [](const FleeCase& c) {
        return to_numpy(std::vector<double>(c.total));
      });

  m.def(
      "read_flee_case",
      [](const std::string& case_dir, const std::string& settings, int days) {
        FleeCase c;
        {
          py::gil_scoped_release release;
          c = geo::read_flee_case(case_dir, settings, days);
        }
        raise_gdal_warnings();
        return c;
      },
      py::arg("case_dir"), py::arg("settings") = "", py::arg("days") = 0,
      "Reads a Flee case directory (input_csv/, source_data/) and its simsetting.yml.");

  m.def("as_flee31_run", &as_flee31_run, py::arg("case"),
        "The case as PyPI Flee 3.1's run.py runs it (no conflicts.csv, no capacity_scaling, no "
        "day-0 capacity reduction), for comparisons with recorded Flee figures.");
}

}  // namespace corridor::bindings
