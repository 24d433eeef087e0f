// corridor — FleeCase helpers (see flee_case.hpp).
#include "corridor/flee_case.hpp"

#include <utility>

namespace corridor {

FleeCase as_flee31_run(FleeCase flee_case) {
  // The engine puts conflict zones with conflict_date <= 0 in conflict from day 0 when no
  // column of conflict_intensity names them, which is what Flee 3.1's runner does.
  flee_case.conflict_locations.clear();
  flee_case.conflict_intensity.clear();
  flee_case.settings.move.capacity_scaling = 1.0;
  flee_case.settings.spawn.day0_capacity_reduction = false;
  flee_case.notes.push_back(
      "run as PyPI Flee 3.1's run.py does: conflicts.csv not applied, capacity_scaling and the "
      "day-0 capacity reduction not applied");
  return flee_case;
}

}  // namespace corridor
