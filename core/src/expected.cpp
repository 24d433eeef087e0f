// corridor — a Flee case run with the expected-flow engine: the agent engine's day (conflicts,
// spawning, closures, moves) with expectations in place of draws.
//
// Design notes:
// - The daily events follow agents.cpp step by step (update_conflicts, spawn, enact_closures),
//   so the two engines read a case identically. Counts that Flee makes whole numbers stay whole
//   (data-driven spawn counts and the refugee debt are integers, as in Flee); where the agents
//   draw, this uses the mean: spawned people are placed over the conflict zones in proportion to
//   their spawn weights, and a Poisson count is its rate.
#include "corridor/expected.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "flow_engine.hpp"
#include "rules.hpp"

namespace corridor {
namespace {

constexpr double kConflictEps = 0.000001;  // Flee's threshold in AddNewConflictZones

class ExpectedRun {
 public:
  explicit ExpectedRun(const FleeCase& c)
      : case_(c),
        spawn_(c.settings.spawn),
        engine_(c.network, c.settings.move, c.flee_locations, c.flee_routes, 1,
                c.settings.spawn.conflict_spawn_decay,
                c.settings.spawn.conflict_spawn_decay_interval),
        n_(c.network.num_locations()) {
    population_.resize(n_);
    for (std::uint32_t v = 0; v < n_; ++v) population_[v] = c.network.location(v).population;
    if (spawn_.camps_are_sinks && !c.flee_locations.empty()) {
      for (std::uint32_t v = 0; v < n_; ++v) {
        engine_.set_sink(v, c.flee_locations[v].deactivation_probability);
      }
    }
  }

  ExpectedResult run(const ExpectedRunOptions& options) {
    ExpectedResult result;
    result.num_locations = n_;
    const auto days = static_cast<std::size_t>(case_.days);
    result.population.reserve(days * n_);
    if (spawn_.insert_day0 && !spawn_.empty_camps_on_day0) {
      for (const ObservedSeries& s : case_.camps) {
        if (!engine_.camp(s.location)) continue;  // Flee only inserts into camps
        const double count = std::trunc(s.per_day[0]);
        engine_.add(s.location, &count);
      }
    }
    for (int day = 0; day < case_.days; ++day) {
      update_conflicts(day);
      spawn(day);
      enact_closures(day);
      engine_.step(day);
      for (std::uint32_t v = 0; v < n_; ++v) result.population.push_back(engine_.total_at(v));
      const double at = engine_.at_locations();
      const double transit = engine_.in_transit();
      result.in_transit.push_back(transit);
      result.spawned.push_back(engine_.spawned());
      result.departed.push_back(engine_.departed());
      result.refugee_debt.push_back(static_cast<double>(refugee_debt_));
      result.days = day + 1;
      const double spawned = engine_.spawned();
      const double gap = spawned - (at + transit + engine_.departed());
      if (!(std::abs(gap) <= 1e-9 * std::max(1.0, spawned))) {
        throw std::logic_error("expected: conservation broken on day " + std::to_string(day) +
                               ": spawned " + std::to_string(spawned) + ", accounted " +
                               std::to_string(at + transit + engine_.departed()));
      }
      if (options.on_day && !options.on_day(day)) break;
    }
    return result;
  }

 private:
  void update_conflicts(int day) {
    conflict_changed_today_ = false;
    const std::size_t cols = case_.conflict_locations.size();
    if (cols == 0) return;
    const double* row = case_.conflict_intensity.data() + static_cast<std::size_t>(day) * cols;
    const double* prev = day > 0 ? row - cols : nullptr;
    for (std::size_t i = 0; i < cols; ++i) {
      const LocationId v = case_.conflict_locations[i];
      const double now = row[i];
      if (now > kConflictEps && (day == 0 || prev[i] < kConflictEps)) {
        engine_.start_conflict(v, now, day);
        conflict_changed_today_ = true;
      } else if (now < kConflictEps && day > 0 && prev[i] > kConflictEps) {
        engine_.end_conflict(v);
        conflict_changed_today_ = true;
      }
    }
  }

  void add_at(std::uint32_t v, double count) { engine_.add(v, &count); }

  void spawn(int day) {
    if (spawn_.conflict_driven != ConflictSpawnMode::kOff) {
      for (std::uint32_t v = 0; v < n_; ++v) {
        const double c = engine_.conflict(v);
        if (!(c > 0.0)) continue;
        const double rate = spawn_.displaced_per_conflict_day;
        double count = 0.0;
        switch (spawn_.conflict_driven) {
          case ConflictSpawnMode::kConstant:
            count = std::trunc(rate * c);
            break;
          case ConflictSpawnMode::kPopRatio:
            count = std::trunc(rate * population_[v] * c);
            break;
          case ConflictSpawnMode::kPoisson:
            count = rate * c;  // the mean of the agents' Poisson draw
            break;
          case ConflictSpawnMode::kOff:
            break;
        }
        if (count > 0.0) add_at(v, count);
      }
      return;
    }
    std::int64_t diff = 0;
    auto add_series = [&](const std::vector<double>& s) {
      const auto today = static_cast<std::int64_t>(std::trunc(s[static_cast<std::size_t>(day)]));
      const auto before =
          day > 0 ? static_cast<std::int64_t>(std::trunc(s[static_cast<std::size_t>(day - 1)])) : 0;
      diff += today - before;
    };
    if (spawn_.sum_from_camps) {
      for (const ObservedSeries& s : case_.camps) add_series(s.per_day);
      for (const ObservedSeries& s : case_.extra_series) add_series(s.per_day);
    } else {
      add_series(case_.total);
    }
    std::int64_t fresh = diff - refugee_debt_;
    if (spawn_.insert_day0 && day == 0) {
      fresh = 0;
      if (spawn_.day0_capacity_reduction && !spawn_.empty_camps_on_day0) {
        for (const ObservedSeries& s : case_.camps) {
          const double cap = engine_.capacity(s.location);
          if (engine_.camp(s.location) && std::isfinite(cap) && cap > 0.0) {
            engine_.set_capacity(s.location, cap - std::trunc(s.per_day[0]));
          }
        }
      }
    }
    if (fresh < 0) {
      refugee_debt_ = -fresh;
      fresh = 0;
    } else if (refugee_debt_ > 0) {
      refugee_debt_ = 0;
    }
    fresh += unplaced_;
    unplaced_ = 0;
    if (fresh == 0) return;
    const int time = (day == 0 || conflict_changed_today_) ? day : day - 1;
    std::vector<double> weight(n_, 0.0);
    double total = 0.0;
    for (std::uint32_t v = 0; v < n_; ++v) {
      const double c = engine_.conflict(v);
      if (c > 0.0) weight[v] = population_[v] * c * engine_.decay(v, time);
      total += weight[v];
    }
    if (!(total > 0.0)) {
      unplaced_ = fresh;
      return;
    }
    for (std::uint32_t v = 0; v < n_; ++v) {
      if (weight[v] > 0.0) add_at(v, static_cast<double>(fresh) * (weight[v] / total));
    }
  }

  void enact_closures(int day) {
    const auto locs = case_.network.locations();
    auto set_arcs = [&](auto&& pick, bool closed) {
      for (std::uint32_t a = 0; a < engine_.num_arcs(); ++a) {
        if (pick(engine_.arc_tail(a), engine_.arc_head(a))) engine_.set_arc_closed(a, closed);
      }
    };
    auto apply = [&](const Closure& c, bool close) {
      switch (c.type) {
        case Closure::Type::kCountry:
          set_arcs(
              [&](std::uint32_t u, std::uint32_t v) {
                return (locs[u].country == c.name1 && locs[v].country == c.name2) ||
                       (locs[u].country == c.name2 && locs[v].country == c.name1);
              },
              close);
          break;
        case Closure::Type::kLocation: {
          const LocationId l = *c.location1;
          set_arcs([&](std::uint32_t u, std::uint32_t v) { return u == l || v == l; }, close);
          break;
        }
        case Closure::Type::kLink: {
          const LocationId l1 = *c.location1;
          const LocationId l2 = *c.location2;
          set_arcs([&](std::uint32_t u,
                       std::uint32_t v) { return (u == l1 && v == l2) || (u == l2 && v == l1); },
                   close);
          break;
        }
        case Closure::Type::kCamp:
          if (close) {
            engine_.make_town(*c.location1);
          } else {
            engine_.make_camp(*c.location1, c.idp_camp);
          }
          break;
      }
    };
    for (const Closure& c : case_.closures) {
      if (day == c.start_day) apply(c, true);
      if (day == c.end_day) apply(c, false);
    }
  }

  const FleeCase& case_;
  const SpawnRules& spawn_;
  detail::FlowEngine engine_;
  std::size_t n_;
  std::vector<double> population_;
  bool conflict_changed_today_ = false;
  std::int64_t refugee_debt_ = 0;
  std::int64_t unplaced_ = 0;
};

}  // namespace

ExpectedResult run_expected(const FleeCase& flee_case, const ExpectedRunOptions& options) {
  detail::validate_case(flee_case);
  ExpectedRun run(flee_case);
  return run.run(options);
}

}  // namespace corridor
