// corridor — the agent-based displacement engine on a Flee case: Flee 3's rules, run by the
// agent engine (agent_engine.hpp) whose cost follows movement rather than headcount.
//
// Design notes (how the engine keeps its cost and its determinism: top of agent_engine.cpp):
// - Rules. One day follows Flee's runscripts/run.py and Ecosystem.evolve: conflicts.csv row
//   (0 -> >0 starts a conflict: conflict_movechance, intensity, time of conflict; >0 -> 0 ends it),
//   spawning, closures, then every agent's move (Person.evolve + finish_travel). Scores are
//   1 x foreign_weight x camp_weight x conflict_weight^(decay x intensity); a path's weight is
//   [(weight_softening + score) / (softening + km)^distance_power x CapMult]^weight_power over
//   every loop-free path of up to awareness_level hops (markers are no hop and no destination);
//   CapMult falls linearly from 1 at capacity_buffer x cap to 0 at cap, cap = capacity x
//   capacity_scaling (camps with cap < 1 are unlimited). A route to a camp with CapMult < 0.5 is
//   dropped before each step. Movers go max_move_speed km a day (the route's max_move_speed if
//   given; max_walk_speed on an agent's first link with start_on_foot, or with the route's
//   walk_probability); an arrival with distance to spare evolves again at once, with a fresh
//   allowance on the next link, forced out of a town when avoid_short_stints finds its recent
//   travel (mean of daily km / max_move_speed, halved each day) below one half. An arrival over a
//   closed link goes back to the link's start. Data-driven spawning adds the day's increase of the
//   summed camp series (or of the total series) minus the refugee debt, each agent placed with
//   probability pop x intensity x decay over the conflict zones; conflict-driven spawning adds a
//   constant, a pop ratio or a Poisson count per conflict zone. Day-0 camp populations are
//   inserted in their camps and (master Flee) subtracted from the camps' capacities. A
//   conflict_zone with conflict_date <= 0 is in conflict (intensity 1) from its creation, one with
//   a later date starts as a town (FleeLocation::conflict_date). capacity_scaling and the day-0
//   capacity reduction are master Flee; capacity_scaling 1 and day0_capacity_reduction false
//   give Flee 3.1 (PyPI).
// - Deviations from Flee, all deliberate:
//   1. Interaction through synchronised counts. Flee updates agents one after another and reads
//      live occupancies. Here a day runs in rounds: round 0 moves every agent due today (Flee's
//      evolve loop plus each agent's first finish_travel) reading the occupancy at the start of
//      the day's moves; each later round runs the evolves chained after an arrival with
//      distance to spare, reading the occupancy after all earlier rounds' arrivals. CapMult and
//      the full-camp check use these counts, so agents can be processed in any order on any
//      number of threads. Flee's first loop also sees start-of-day camp counts (arrivals only
//      happen in its second loop), so only chained hops differ: in Flee they see the arrivals
//      of the agents before them in its list, here all arrivals of the previous hop. (On
//      burundi2015 this keeps ~10% fewer agents out of Lusenda on the day Bujumbura reopens.)
//   2. Every agent keeps its own random stream (Philox4x32-10 keyed on the seed, counter =
//      agent, day, purpose, index), so results are identical for any thread count but do not
//      reproduce Flee's Python stream.
//   3. Flee bugs followed by intent: conflicts.csv is applied (Flee's runscripts/run.py sets
//      ConflictInputFile but never calls ReadConflictInputCSV, so Flee runs keep the conflict
//      zones of locations.csv, those with conflict_date <= 0, in conflict for the whole run and
//      the others as towns); a conflict ends when the intensity falls from any value > 0 to 0
//      (Flee: only from exactly 1); a `link` closure closes the link both ways (Flee
//      compares names with `is not` and closes one direction at most); an agent already on a
//      link when it closes is sent back only if the link is still closed when it arrives (Flee's
//      original link object stays closed after a reopening); `conflict_driven_spawning` with
//      spawn_mode poisson draws Poisson counts (Flee 3.1 compares a lower-cased string with
//      "Poisson"); the conflict spawn decay interval is the setting (3.1 hard-codes 30).
//   4. An agent with a planned route moves with probability 1 (master Flee's
//      calculateMoveChance; 3.1 rolls the location's move chance). With awareness 1 and no
//      markers a route is used up by its first step, so the two agree on the validation cases.
//   5. Spawns on a day when no location has spawn weight (Flee asserts) wait and are placed on
//      the next day with weight. At most 64 hops are chained in one day (Flee recurses without
//      bound over zero-length links). empty_camps_on_day0 (read but unused by Flee 3.1; master
//      passes it to its data table) is taken as: no day-0 insertion, hence no capacity reduction.
//      awareness_level 0 is rejected (Flee 3.1 then returns a link index as a route, which
//      take_next_step never matches, so nobody moves).
//   6. corridor extensions, absent from Flee: a Route's capacity_per_day admits at most that
//      many agents onto the route per day, in the order of a per-agent random priority
//      (deterministic, resolved after the parallel pass; the others keep their route and try
//      again the next day); kDestination locations behave as camps, kReception and
//      kBorderCrossing as towns. Location::screening_per_day is not used here (a scenario's
//      reception queues are projection.cpp's, on the same engine).
// - Split. This file is the Flee case's day (conflicts.csv, spawning, closures, the day-0
//   insertion) and its records; agent_engine.cpp is the agents' day (every agent's move), which
//   projection.cpp drives for scenarios too. Draws made here (where a spawned agent appears, a
//   Poisson count) come from the same counter-based stream as the engine's, keyed on the seed.
// - Conservation: spawned = sum(population) + in_transit + departed is checked every day.
#include "corridor/agents.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "agent_engine.hpp"
#include "agents_random.hpp"
#include "corridor/error.hpp"
#include "move_rules_check.hpp"
#include "rules.hpp"

namespace corridor {
namespace {

using detail::CounterRng;
using detail::Purpose;

constexpr double kConflictEps = 0.000001;  // Flee's threshold in AddNewConflictZones

std::string number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// ---------------------------------------------------------------------------- validation --

void require(bool ok, const std::string& key, double value, const char* rule) {
  if (!ok) throw InputError("settings " + key + ": " + number(value) + " " + rule);
}
void non_negative(const std::string& key, double v) {
  require(std::isfinite(v) && v >= 0.0, key, v, "must be >= 0");
}

[[noreturn]] void case_error(const FleeCase& c, const std::string& what) {
  throw InputError("case '" + c.name + "': " + what);
}

void validate(const FleeCase& c) {
  if (const auto problem = detail::check_move_rules(c.settings.move)) {
    require(false, std::string("move_rules.") + problem->flee_key, problem->value, problem->rule);
  }

  const SpawnRules& s = c.settings.spawn;
  for (std::size_t i = 0; i < s.conflict_spawn_decay.size(); ++i) {
    non_negative("spawn_rules.conflict_spawn_decay[" + std::to_string(i) + "]",
                 s.conflict_spawn_decay[i]);
  }
  require(s.conflict_spawn_decay_interval > 0, "spawn_rules.conflict_spawn_decay_interval",
          s.conflict_spawn_decay_interval, "must be > 0");
  non_negative("spawn_rules.conflict_driven_spawning.displaced_per_conflict_day",
               s.displaced_per_conflict_day);
  require(std::isfinite(s.hasten) && s.hasten >= 1.0, "optimisations.hasten", s.hasten,
          "must be >= 1");

  const std::size_t n = c.network.num_locations();
  const auto days = static_cast<std::size_t>(std::max(c.days, 0));
  if (c.days <= 0) case_error(c, "days: " + std::to_string(c.days) + " must be > 0");
  if (n == 0) case_error(c, "the network has no locations");
  if (!c.flee_locations.empty() && c.flee_locations.size() != n) {
    case_error(c, "flee_locations has " + std::to_string(c.flee_locations.size()) +
                      " entries for " + std::to_string(n) + " locations");
  }
  for (std::size_t i = 0; i < c.flee_locations.size(); ++i) {
    const double p = c.flee_locations[i].deactivation_probability;
    if (!(p >= 0.0 && p <= 1.0)) {
      case_error(c, "location '" + c.network.locations()[i].name + "': deactivation_probability " +
                        number(p) + " must be in [0, 1]");
    }
  }
  if (!c.flee_routes.empty() && c.flee_routes.size() != c.network.num_routes()) {
    case_error(c, "flee_routes has " + std::to_string(c.flee_routes.size()) + " entries for " +
                      std::to_string(c.network.num_routes()) + " routes");
  }
  for (std::size_t r = 0; r < c.flee_routes.size(); ++r) {
    const FleeRoute& fr = c.flee_routes[r];
    if (!(std::isfinite(fr.max_move_speed_km) && fr.max_move_speed_km >= 0.0)) {
      case_error(c, "route " + std::to_string(r) + ": max_move_speed " +
                        number(fr.max_move_speed_km) + " must be > 0 (or 0 for the default)");
    }
    if (!(fr.walk_probability >= 0.0 && fr.walk_probability <= 1.0)) {
      case_error(c, "route " + std::to_string(r) + ": walk_probability " +
                        number(fr.walk_probability) + " must be in [0, 1]");
    }
  }
  for (const LocationId id : c.conflict_locations) {
    if (id >= n) case_error(c, "conflicts: unknown location id " + std::to_string(id));
  }
  if (c.conflict_intensity.size() != days * c.conflict_locations.size()) {
    case_error(c, "conflicts: " + std::to_string(c.conflict_intensity.size()) +
                      " intensities, expected days x columns = " +
                      std::to_string(days * c.conflict_locations.size()));
  }
  for (std::size_t i = 0; i < c.conflict_intensity.size(); ++i) {
    const double v = c.conflict_intensity[i];
    if (!(std::isfinite(v) && v >= 0.0)) {
      const std::size_t cols = c.conflict_locations.size();
      case_error(c, "conflicts: day " + std::to_string(i / cols) + ", location '" +
                        c.network.locations()[c.conflict_locations[i % cols]].name +
                        "': intensity " + number(v) + " must be >= 0");
    }
  }
  for (const Closure& cl : c.closures) {
    const bool needs1 = cl.type != Closure::Type::kCountry;
    const bool needs2 = cl.type == Closure::Type::kLink;
    if ((needs1 && (!cl.location1 || *cl.location1 >= n)) ||
        (needs2 && (!cl.location2 || *cl.location2 >= n))) {
      case_error(c, "closure '" + cl.name1 + "," + cl.name2 + "': location not resolved");
    }
  }
  auto check_series = [&](const std::string& name, const std::vector<double>& v) {
    if (v.size() < days) {
      case_error(c, "observed series '" + name + "' has " + std::to_string(v.size()) +
                        " days, the run has " + std::to_string(days));
    }
    for (std::size_t t = 0; t < days; ++t) {
      if (!(std::isfinite(v[t]) && v[t] >= 0.0)) {
        case_error(c, "observed series '" + name + "', day " + std::to_string(t) + ": " +
                          number(v[t]) + " must be >= 0");
      }
    }
  };
  for (const ObservedSeries& s2 : c.camps) {
    if (s2.location >= n) case_error(c, "observed series '" + s2.name + "': unknown location");
    check_series(s2.name, s2.per_day);
  }
  if (s.conflict_driven == ConflictSpawnMode::kOff && s.sum_from_camps) {
    for (const ObservedSeries& s2 : c.extra_series) check_series(s2.name, s2.per_day);
  }
  if (s.conflict_driven == ConflictSpawnMode::kOff && !s.sum_from_camps) {
    check_series("total", c.total);
  }
}

// ------------------------------------------------------------------------------ the run --

// A Flee case's days on the agent engine: Flee's runscripts/run.py loop (conflicts, spawning,
// closures, then everyone's move) and the daily records.
class FleeRun {
 public:
  FleeRun(const FleeCase& c, const AgentRunOptions& options)
      : case_(c),
        spawn_(c.settings.spawn),
        rng_(options.seed),
        on_day_(options.on_day),
        n_(c.network.num_locations()),
        engine_(c.network, c.settings.move, c.flee_locations, c.flee_routes, 1, c.days,
                options.seed, options.threads, c.settings.spawn.conflict_spawn_decay,
                c.settings.spawn.conflict_spawn_decay_interval) {
    population_.resize(n_);
    for (std::uint32_t v = 0; v < n_; ++v) population_[v] = c.network.location(v).population;
    if (spawn_.camps_are_sinks && !c.flee_locations.empty()) {
      for (std::uint32_t v = 0; v < n_; ++v) {
        engine_.set_sink(v, c.flee_locations[v].deactivation_probability);
      }
    }
  }

  AgentResult run() {
    AgentResult result;
    result.num_locations = n_;
    const auto days = static_cast<std::size_t>(case_.days);
    result.population.reserve(days * n_);
    result.in_transit.reserve(days);
    result.spawned.reserve(days);
    result.departed.reserve(days);
    result.refugee_debt.reserve(days);
    result.bytes_per_agent = engine_.bytes_per_agent();

    // spawning.add_initial_refugees: day-0 registrations placed in their camps.
    if (spawn_.insert_day0 && !spawn_.empty_camps_on_day0) {
      for (const ObservedSeries& s : case_.camps) {
        if (!engine_.camp(s.location)) continue;  // Flee only inserts into camps
        const auto count = static_cast<std::int64_t>(std::trunc(s.per_day[0]));
        if (count > 0) engine_.add_agents(s.location, static_cast<std::uint64_t>(count));
      }
    }

    for (int day = 0; day < case_.days; ++day) {
      update_conflicts(day);
      spawn(day);
      enact_closures(day);
      engine_.step(day);

      std::int64_t resting = 0;
      for (std::uint32_t v = 0; v < n_; ++v) {
        const auto here = static_cast<std::int64_t>(engine_.total_at(v));
        resting += here;
        result.population.push_back(static_cast<std::uint32_t>(here));
      }
      const std::int64_t in_transit = engine_.in_transit();
      const std::uint64_t spawned = engine_.spawned();
      const std::uint64_t departed = engine_.departed();
      result.in_transit.push_back(static_cast<std::uint64_t>(in_transit));
      result.spawned.push_back(spawned);
      result.departed.push_back(departed);
      result.refugee_debt.push_back(static_cast<double>(refugee_debt_));
      result.peak_agents = std::max<std::size_t>(result.peak_agents, spawned - departed);
      result.days = day + 1;
      const bool conserved =
          resting >= 0 && in_transit >= 0 &&
          static_cast<std::uint64_t>(resting) + static_cast<std::uint64_t>(in_transit) + departed ==
              spawned;
      assert(conserved);
      if (!conserved) {
        throw std::logic_error(
            "agents: conservation broken on day " + std::to_string(day) + ": spawned " +
            std::to_string(spawned) + " != resting " + std::to_string(resting) + " + in transit " +
            std::to_string(in_transit) + " + departed " + std::to_string(departed));
      }
      if (on_day_ && !on_day_(day)) break;
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
        std::int64_t count = 0;
        switch (spawn_.conflict_driven) {
          case ConflictSpawnMode::kConstant:
            count = static_cast<std::int64_t>(rate * conflict);
            break;
          case ConflictSpawnMode::kPopRatio:
            count = static_cast<std::int64_t>(rate * population_[v] * conflict);
            break;
          case ConflictSpawnMode::kPoisson:
            count = detail::poisson(rng_, rate * conflict, v, day, Purpose::kPoisson);
            break;
          case ConflictSpawnMode::kOff:
            break;
        }
        if (count > 0) engine_.add_agents(v, static_cast<std::uint64_t>(count));
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
    std::vector<double> cum(n_);
    double total = 0.0;
    for (std::uint32_t v = 0; v < n_; ++v) {
      const double conflict = engine_.conflict(v);
      if (conflict > 0.0) total += population_[v] * conflict * engine_.decay(v, time);
      cum[v] = total;
    }
    if (!(total > 0.0)) {
      unplaced_ = fresh;
      return;
    }
    // Each new agent's place is drawn from its own stream (keyed on its id).
    for (std::int64_t i = 0; i < fresh; ++i) {
      const auto id = static_cast<std::uint32_t>(engine_.num_agents());
      const double x = rng_.uniform(id, day, Purpose::kPlace, 0) * total;
      auto it = std::upper_bound(cum.begin(), cum.end(), x);
      if (it == cum.end()) it = std::lower_bound(cum.begin(), cum.end(), total);
      engine_.add_agents(static_cast<std::uint32_t>(it - cum.begin()), 1);
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

  const FleeCase& case_;
  const SpawnRules& spawn_;
  CounterRng rng_;
  std::function<bool(int)> on_day_;
  std::size_t n_;
  detail::AgentEngine engine_;
  std::vector<double> population_;  // Flee's Location.pop, for the spawn weights
  bool conflict_changed_today_ = false;
  std::int64_t refugee_debt_ = 0;
  std::int64_t unplaced_ = 0;
};

}  // namespace

namespace detail {
void validate_case(const FleeCase& flee_case) { validate(flee_case); }
}  // namespace detail

AgentResult run_agents(const FleeCase& flee_case, const AgentRunOptions& options) {
  validate(flee_case);
  FleeRun run(flee_case, options);
  return run.run();
}

}  // namespace corridor
