// corridor — a Flee case's days, one driver for both engines (private header): Flee's
// runscripts/run.py loop (conflicts.csv, spawning, closures, then the engine's move) over
// detail::AgentEngine (agents.cpp) or detail::FlowEngine (expected.cpp), which share one control
// surface.
//
// Design notes:
// - One driver, so the two engines read a case identically: the conflicts, the data-driven spawn
//   count with Flee's refugee debt, the day-0 insertion and capacity reduction, and the closures
//   are written once. The Flee rules and the deliberate deviations from Flee are listed at the
//   top of agents.cpp.
// - What differs is left to three hooks of the engine's driver, `Derived` (CRTP: the hooks are
//   plain member functions, the engine's type is known and nothing is virtual):
//     double poisson_count(double mean, LocationId v, int day)
//         conflict-driven spawning with spawn_mode poisson at v: the agents draw a Poisson count,
//         the expected engine takes its mean;
//     void place(int day, std::int64_t fresh, const std::vector<double>& weight, double total)
//         places the day's `fresh` > 0 data-driven spawns over the conflict zones with spawn
//         weights `weight` (0 outside conflict), `total` > 0 their sum: the agents draw one zone
//         per agent, the expected engine splits the count in proportion;
//     void record(int day)
//         after the day's step: appends the day's records (refugee_debt() among them) and
//         checks conservation (spawned = at locations + in transit + departed).
//   Whole numbers stay whole where Flee makes them so (the data-driven counts, the refugee debt,
//   constant and pop-ratio conflict spawns, the day-0 registrations): both engines get the same
//   counts; the agent engine's add() takes the whole part of a count, as Flee's int() does.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "corridor/flee_case.hpp"
#include "corridor/network.hpp"

namespace corridor::detail {

template <class Derived, class Engine>
class FleeCaseRun {
 protected:
  /// `engine_args`: the arguments of Engine's constructor.
  template <class... EngineArgs>
  explicit FleeCaseRun(const FleeCase& c, EngineArgs&&... engine_args)
      : case_(c),
        spawn_(c.settings.spawn),
        n_(c.network.num_locations()),
        engine_(std::forward<EngineArgs>(engine_args)...) {
    population_.resize(n_);
    for (std::uint32_t v = 0; v < n_; ++v) population_[v] = c.network.location(v).population;
    if (spawn_.camps_are_sinks && !c.flee_locations.empty()) {
      for (std::uint32_t v = 0; v < n_; ++v) {
        engine_.set_sink(v, c.flee_locations[v].deactivation_probability);
      }
    }
  }

  /// Runs the case's days (Derived::record after each); stops after a day for which `on_day`
  /// returns false.
  void run_days(const std::function<bool(int)>& on_day) {
    // spawning.add_initial_refugees: day-0 registrations placed in their camps.
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
      self().record(day);
      if (on_day && !on_day(day)) break;
    }
  }

  /// Flee's refugee debt after today's spawning: data decreases not yet offset by increases.
  double refugee_debt() const { return static_cast<double>(refugee_debt_); }

  const FleeCase& case_;
  const SpawnRules& spawn_;
  std::size_t n_;
  Engine engine_;

 private:
  static constexpr double kConflictEps = 0.000001;  // Flee's threshold in AddNewConflictZones

  Derived& self() { return static_cast<Derived&>(*this); }

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
        engine_.start_conflict(v, now, day);  // Ecosystem.add_conflict_zone
        conflict_changed_today_ = true;
      } else if (now < kConflictEps && day > 0 && prev[i] > kConflictEps) {
        // Ecosystem.remove_conflict_zone (Flee requires the previous day to be exactly 1)
        engine_.end_conflict(v);
        conflict_changed_today_ = true;
      }
    }
  }

  void spawn(int day) {
    if (spawn_.conflict_driven != ConflictSpawnMode::kOff) {
      for (std::uint32_t v = 0; v < n_; ++v) {
        const double conflict = engine_.conflict(v);
        if (!(conflict > 0.0)) continue;
        const double rate = spawn_.displaced_per_conflict_day;
        double count = 0.0;
        switch (spawn_.conflict_driven) {
          case ConflictSpawnMode::kConstant:
            count = std::trunc(rate * conflict);
            break;
          case ConflictSpawnMode::kPopRatio:
            count = std::trunc(rate * population_[v] * conflict);
            break;
          case ConflictSpawnMode::kPoisson:
            count = self().poisson_count(rate * conflict, v, day);
            break;
          case ConflictSpawnMode::kOff:
            break;
        }
        if (count > 0.0) engine_.add(v, &count);
      }
      return;
    }

    // Data-driven: DataTable.get_daily_difference (values truncated like Flee's int()).
    std::int64_t diff = 0;
    auto add_series = [&](const std::vector<double>& s) {
      const auto today = static_cast<std::int64_t>(std::trunc(s[static_cast<std::size_t>(day)]));
      const auto before =
          day > 0 ? static_cast<std::int64_t>(std::trunc(s[static_cast<std::size_t>(day - 1)])) : 0;
      diff += today - before;
    };
    if (spawn_.sum_from_camps) {  // every data_layout row but 'total', camps or not
      for (const ObservedSeries& s : case_.camps) add_series(s.per_day);
      for (const ObservedSeries& s : case_.extra_series) add_series(s.per_day);
    } else {
      add_series(case_.total);
    }
    std::int64_t fresh = diff - refugee_debt_;
    if (spawn_.insert_day0 && day == 0) {
      fresh = 0;
      if (spawn_.day0_capacity_reduction && !spawn_.empty_camps_on_day0) {
        // Flee: `if l.capacity > 0: l.capacity -= day0pop`; a camp whose day-0 population
        // reaches its capacity is left with cap < 1, which getCapMultiplier reads as unlimited.
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

    // Spawn weights as Flee last refreshed them: at today's time if a conflict changed today
    // (add/remove_conflict_zone refresh them), else at yesterday's (Ecosystem.evolve).
    const int time = (day == 0 || conflict_changed_today_) ? day : day - 1;
    weight_.assign(n_, 0.0);
    double total = 0.0;
    for (std::uint32_t v = 0; v < n_; ++v) {
      const double conflict = engine_.conflict(v);
      if (!(conflict > 0.0)) continue;
      weight_[v] = population_[v] * conflict * engine_.decay(v, time);
      total += weight_[v];
    }
    if (!(total > 0.0)) {
      // Flee asserts; here the spawns wait for the next day with spawn weight.
      unplaced_ = fresh;
      return;
    }
    self().place(day, fresh, weight_, total);
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
          if (close) {  // Location.close_camp: becomes a town
            engine_.make_town(*c.location1);
          } else {  // Location.open_camp (Flee: an 'idpcamp' closure reopens an IDP camp)
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

  std::vector<double> population_;  // Flee's Location.pop, for the spawn weights
  std::vector<double> weight_;      // today's spawn weights
  bool conflict_changed_today_ = false;
  std::int64_t refugee_debt_ = 0;
  std::int64_t unplaced_ = 0;
};

}  // namespace corridor::detail
