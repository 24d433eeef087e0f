// corridor — a Flee case run with the expected-flow engine: the agent engine's day (conflicts,
// spawning, closures, moves) with expectations in place of draws.
//
// Design notes:
// - The daily events are the agents' (flee_case_run.hpp drives both engines), so the two engines
//   read a case identically. Counts that Flee makes whole numbers stay whole (data-driven spawn
//   counts and the refugee debt are integers, as in Flee); where the agents draw, this uses the
//   mean: spawned people are placed over the conflict zones in proportion to their spawn
//   weights, and a Poisson count is its rate.
#include "corridor/expected.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "flee_case_run.hpp"
#include "flow_engine.hpp"
#include "rules.hpp"

namespace corridor {
namespace {

// A Flee case's days on the expected-flow engine (flee_case_run.hpp): the engine's hooks and the
// daily records.
class ExpectedRun : public detail::FleeCaseRun<ExpectedRun, detail::FlowEngine> {
 public:
  explicit ExpectedRun(const FleeCase& c)
      : FleeCaseRun(c, c.network, c.settings.move, c.flee_locations, c.flee_routes, 1,
                    c.settings.spawn.conflict_spawn_decay,
                    c.settings.spawn.conflict_spawn_decay_interval) {}

  ExpectedResult run(const ExpectedRunOptions& options) {
    result_.num_locations = n_;
    result_.population.reserve(static_cast<std::size_t>(case_.days) * n_);
    run_days(options.on_day);
    return std::move(result_);
  }

 private:
  friend FleeCaseRun;

  double poisson_count(double mean, LocationId, int) const {
    return mean;  // the mean of the agents' Poisson draw
  }

  void place(int, std::int64_t fresh, const std::vector<double>& weight, double total) {
    for (std::uint32_t v = 0; v < n_; ++v) {
      if (!(weight[v] > 0.0)) continue;
      const double count = static_cast<double>(fresh) * (weight[v] / total);
      engine_.add(v, &count);
    }
  }

  void record(int day) {
    for (std::uint32_t v = 0; v < n_; ++v) result_.population.push_back(engine_.total_at(v));
    const double at = engine_.at_locations();
    const double transit = engine_.in_transit();
    result_.in_transit.push_back(transit);
    result_.spawned.push_back(engine_.spawned());
    result_.departed.push_back(engine_.departed());
    result_.refugee_debt.push_back(refugee_debt());
    result_.days = day + 1;
    const double spawned = engine_.spawned();
    const double gap = spawned - (at + transit + engine_.departed());
    if (!(std::abs(gap) <= 1e-9 * std::max(1.0, spawned))) {
      throw std::logic_error("expected: conservation broken on day " + std::to_string(day) +
                             ": spawned " + std::to_string(spawned) + ", accounted " +
                             std::to_string(at + transit + engine_.departed()));
    }
  }

  ExpectedResult result_;
};

}  // namespace

ExpectedResult run_expected(const FleeCase& flee_case, const ExpectedRunOptions& options) {
  detail::validate_case(flee_case);
  ExpectedRun run(flee_case);
  return run.run(options);
}

}  // namespace corridor
