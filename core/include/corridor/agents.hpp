// corridor — the agent-based displacement engine, faithful to Flee 3's rules.
//
// (Design notes: the rules and Flee's deviations at the top of core/src/agents.cpp, the engine's
// day, its cost and its determinism at the top of core/src/agent_engine.cpp.)
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "corridor/flee_case.hpp"

namespace corridor {

/// Options of one agent run.
struct AgentRunOptions {
  std::uint64_t seed = 0;  ///< same case + seed = same result, whatever `threads`
  unsigned threads = 0;    ///< worker threads, 0 = hardware concurrency
  /// Called on the calling thread after each simulated day with the day index (0-based);
  /// return false to stop the run early (the result then holds the days done).
  std::function<bool(int day)> on_day;
};

/// What an agent run produces: counts per day and location, and the conservation account.
struct AgentResult {
  int days = 0;                       ///< days simulated
  std::size_t num_locations = 0;
  /// Agents at each location at the end of each day: days x num_locations, row-major.
  std::vector<std::uint32_t> population;
  /// Per day (end of day): agents travelling along a route.
  std::vector<std::uint64_t> in_transit;
  /// Per day: agents created so far (cumulative), and agents removed so far by sinks.
  std::vector<std::uint64_t> spawned;
  std::vector<std::uint64_t> departed;
  /// Per day: Flee's refugee debt (data decreases not yet offset by increases).
  std::vector<double> refugee_debt;
  std::size_t peak_agents = 0;
  std::size_t bytes_per_agent = 0;    ///< agent state bytes per agent (structure of arrays)
};

/// Runs the agent engine over the whole case. Conservation holds every day:
/// spawned = sum(population) + in_transit + departed. Throws InputError for settings out of
/// range (naming the setting).
AgentResult run_agents(const FleeCase& flee_case, const AgentRunOptions& options = {});

}  // namespace corridor
