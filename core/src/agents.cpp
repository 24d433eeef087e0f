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
// - Split. flee_case_run.hpp is the Flee case's day (conflicts.csv, spawning, closures, the
//   day-0 insertion), shared with the expected-flow engine (expected.cpp); this file is its
//   validation, the agents' hooks (where a spawned agent appears, a Poisson count) and the
//   records; agent_engine.cpp is the agents' day (every agent's move), which projection.cpp
//   drives for scenarios too. Draws made here come from the same counter-based stream as the
//   engine's, keyed on the seed.
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
#include <utility>
#include <vector>

#include "agent_engine.hpp"
#include "agents_random.hpp"
#include "corridor/error.hpp"
#include "flee_case_run.hpp"
#include "memory_check.hpp"
#include "move_rules_check.hpp"
#include "rules.hpp"

namespace corridor {
namespace {

using detail::CounterRng;
using detail::Purpose;

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

// A Flee case's days on the agent engine (flee_case_run.hpp): the engine's hooks and the daily
// records.
class FleeRun : public detail::FleeCaseRun<FleeRun, detail::AgentEngine> {
 public:
  FleeRun(const FleeCase& c, const AgentRunOptions& options)
      : FleeCaseRun(c, c.network, c.settings.move, c.flee_locations, c.flee_routes, 1, c.days,
                    options.seed, options.threads, c.settings.spawn.conflict_spawn_decay,
                    c.settings.spawn.conflict_spawn_decay_interval),
        rng_(options.seed),
        on_day_(options.on_day) {}

  AgentResult run() {
    result_.num_locations = n_;
    const auto days = static_cast<std::size_t>(case_.days);
    result_.population.reserve(days * n_);
    result_.in_transit.reserve(days);
    result_.spawned.reserve(days);
    result_.departed.reserve(days);
    result_.refugee_debt.reserve(days);
    result_.bytes_per_agent = engine_.bytes_per_agent();
    run_days(on_day_);
    return std::move(result_);
  }

 private:
  friend FleeCaseRun;

  double poisson_count(double mean, LocationId v, int day) const {
    return static_cast<double>(detail::poisson(rng_, mean, v, day, Purpose::kPoisson));
  }

  void place(int day, std::int64_t fresh, const std::vector<double>& weight, double total) {
    cum_.resize(n_);
    double sum = 0.0;
    for (std::uint32_t v = 0; v < n_; ++v) {
      sum += weight[v];
      cum_[v] = sum;
    }
    // Each new agent's place is drawn from its own stream (keyed on its id).
    for (std::int64_t i = 0; i < fresh; ++i) {
      const auto id = static_cast<std::uint32_t>(engine_.num_agents());
      const double x = rng_.uniform(id, day, Purpose::kPlace, 0) * total;
      auto it = std::upper_bound(cum_.begin(), cum_.end(), x);
      if (it == cum_.end()) it = std::lower_bound(cum_.begin(), cum_.end(), total);
      engine_.add_agents(static_cast<std::uint32_t>(it - cum_.begin()), 1);
    }
  }

  void record(int day) {
    std::int64_t resting = 0;
    for (std::uint32_t v = 0; v < n_; ++v) {
      const auto here = static_cast<std::int64_t>(engine_.total_at(v));
      resting += here;
      result_.population.push_back(static_cast<std::uint32_t>(here));
    }
    const std::int64_t in_transit = engine_.in_transit();
    const std::uint64_t spawned = engine_.spawned();
    const std::uint64_t departed = engine_.departed();
    result_.in_transit.push_back(static_cast<std::uint64_t>(in_transit));
    result_.spawned.push_back(spawned);
    result_.departed.push_back(departed);
    result_.refugee_debt.push_back(refugee_debt());
    result_.peak_agents = std::max<std::size_t>(result_.peak_agents, spawned - departed);
    result_.days = day + 1;
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
  }

  CounterRng rng_;
  std::function<bool(int)> on_day_;
  AgentResult result_;
  std::vector<double> cum_;  // cumulative spawn weights
};

}  // namespace

namespace detail {
void validate_case(const FleeCase& flee_case) { validate(flee_case); }
}  // namespace detail

AgentResult run_agents(const FleeCase& flee_case, const AgentRunOptions& options) {
  validate(flee_case);
  {
    // Refuse a run that cannot fit before day 0: the daily records (days x locations) and the
    // agents, about as many as the largest value of the case's 'total' series, ~40 bytes each.
    const double days = flee_case.days;
    const double agents =
        flee_case.total.empty() ? 0.0 : *std::max_element(flee_case.total.begin(), flee_case.total.end());
    const double need =
        days * (4.0 * static_cast<double>(flee_case.network.num_locations()) + 64.0) +
        40.0 * std::max(0.0, agents);
    detail::check_memory(need, "case '" + flee_case.name + "'",
                         std::to_string(flee_case.days) + " days x " +
                             std::to_string(flee_case.network.num_locations()) +
                             " locations of daily counts and about " +
                             std::to_string(std::llround(std::max(0.0, agents))) + " agents");
  }
  FleeRun run(flee_case, options);
  return run.run();
}

}  // namespace corridor
