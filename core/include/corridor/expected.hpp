// corridor — the expected-flow engine: the deterministic counterpart of the agent rules.
//
// It moves expected numbers of people (fractions, not agents) through the same network with the
// same settings: where the agent engine rolls a move chance or picks a route at random, this
// engine moves that fraction of everyone, split over the routes by the same weights, with the
// same multi-day travel, chained hops, walking first legs, closures and capacity multipliers.
// (Design notes and where it departs from the agents: top of core/src/flow_engine.cpp.)
#pragma once

#include <functional>
#include <vector>

#include "corridor/flee_case.hpp"

namespace corridor {

/// Options of one expected-flow run.
struct ExpectedRunOptions {
  /// Called after each simulated day with the day index; return false to stop early.
  std::function<bool(int day)> on_day;
};

/// What an expected-flow run of a Flee case produces (the AgentResult's shape, in people).
struct ExpectedResult {
  int days = 0;
  std::size_t num_locations = 0;
  /// People at each location at the end of each day: days x num_locations, row-major.
  std::vector<double> population;
  /// Per day (end of day): people on a route; people spawned so far; people removed so far.
  std::vector<double> in_transit;
  std::vector<double> spawned;
  std::vector<double> departed;
  /// Per day: Flee's refugee debt (data decreases not yet offset by increases).
  std::vector<double> refugee_debt;
};

/// Runs a Flee case with the expected-flow engine. Conservation holds every day to 1e-9
/// relative: spawned = sum(population) + in_transit + departed. Throws InputError for settings
/// out of range (naming the setting).
ExpectedResult run_expected(const FleeCase& flee_case, const ExpectedRunOptions& options = {});

}  // namespace corridor
