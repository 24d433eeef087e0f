// corridor — the agent-based displacement engine: Flee 3's rules, run as a structure of arrays
// whose cost follows movement rather than headcount.
//
// Design notes:
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
//      kBorderCrossing as towns. Location::screening_per_day is not used here.
// - Cost follows movement. A resting agent draws the day of its next move once (geometric with
//   its location's move chance; with camps_are_sinks also the day of its removal) and waits in a
//   per-day bucket; when a location's move chance changes (conflict start or end, camp closure or
//   reopening) every resting agent there draws again, which memorylessness makes exact. Agents
//   on a link or with a planned route are in the active list and move every day. Route-choice
//   weights depend only on the day's scores, closures and counts, so they are computed once per
//   location and round (cumulative sums, binary search; recomputed only when a capacity
//   multiplier changed). The recent-travel index of a resting agent is halved lazily from the
//   day it was last written.
// - Determinism. Workers (a fixed pool) take contiguous chunks of a round's agents and write only
//   those agents and their own deltas; counts are summed between rounds, lists are concatenated
//   (their order never matters: bucket entries are claimed with a compare-and-swap on the agent's
//   scheduled day, so a stale duplicate entry is skipped whoever sees it first), and capacity
//   queues are sorted by a per-agent random priority.
// - Conservation: spawned = sum(population) + in_transit + departed is checked every day.
#include "corridor/agents.hpp"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <functional>
#include <limits>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "agents_random.hpp"
#include "rules.hpp"
#include "corridor/error.hpp"
#include "move_rules_check.hpp"

namespace corridor {
namespace {

using detail::CounterRng;
using detail::PathTable;
using detail::Purpose;

constexpr std::uint32_t kNone = 0xFFFFFFFFu;
constexpr std::int32_t kNever = std::numeric_limits<std::int32_t>::max();
constexpr std::int32_t kClaimed = kNever - 1;
constexpr int kMaxHopsPerDay = 64;
constexpr double kConflictEps = 0.000001;  // Flee's threshold in AddNewConflictZones
constexpr std::size_t kMinParallelItems = 1024;

// Agent flags.
constexpr std::uint8_t kAlive = 1;
constexpr std::uint8_t kFirstLink = 2;  // Flee's places_travelled == 1
constexpr std::uint8_t kRemoval = 4;    // the scheduled day is a removal (camps_are_sinks)

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

// ------------------------------------------------------------------------------- threads --

// A fixed set of worker threads for the many short parallel passes of a run (a day has one
// pass per round of chained hops, so starting threads per pass would cost more than the work).
// run(n, f) calls f(worker, begin, end) over contiguous chunks of [0, n), the calling thread
// taking chunk 0, and rethrows a worker's exception. Not thread-safe: one caller at a time.
class WorkerPool {
 public:
  explicit WorkerPool(unsigned threads) : size_(std::max(1u, threads)), errors_(size_) {
    for (unsigned w = 1; w < size_; ++w) workers_.emplace_back([this, w] { loop(w); });
  }
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  template <class F>
  void run(std::size_t n, F&& f) {
    if (size_ == 1 || n < kMinParallelItems) {
      f(0u, std::size_t{0}, n);
      return;
    }
    const std::size_t chunk = (n + size_ - 1) / size_;
    task_ = [&f, n, chunk](unsigned w) {
      const std::size_t b = std::min(n, w * chunk);
      f(w, b, std::min(n, b + chunk));
    };
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pending_ = size_ - 1;
      ++generation_;
    }
    wake_.notify_all();
    try {
      task_(0);
    } catch (...) {
      errors_[0] = std::current_exception();
    }
    {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [this] { return pending_ == 0; });
    }
    task_ = nullptr;
    for (auto& e : errors_) {
      if (e) {
        const std::exception_ptr error = e;
        for (auto& x : errors_) x = nullptr;
        std::rethrow_exception(error);
      }
    }
  }

 private:
  void loop(unsigned w) {
    std::uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
      }
      try {
        task_(w);
      } catch (...) {
        errors_[w] = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        --pending_;
      }
      done_.notify_one();
    }
  }

  unsigned size_;
  std::vector<std::exception_ptr> errors_;
  std::vector<std::thread> workers_;
  std::function<void(unsigned)> task_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::uint64_t generation_ = 0;
  unsigned pending_ = 0;
  bool stop_ = false;
};

// ------------------------------------------------------------------------------- engine --

// An agent waiting for a place on a route with a daily capacity.
struct Parked {
  std::uint64_t priority;
  std::uint32_t route;
  std::uint32_t agent;
  double moved_km;
  int hop;
};

// An agent whose day goes on in the next round: it arrived with distance to spare (evolve
// again), or it was admitted onto a route with a daily capacity (resume its step).
struct Continuation {
  std::uint32_t agent;
  std::uint32_t admitted;  // route it was admitted onto, kNone for a chained evolve
  double moved_km;
  int hop;
};

// What one worker changes during a day; merged after the parallel pass.
struct Delta {
  std::vector<std::int64_t> population;  // per location
  std::int64_t in_transit = 0;
  std::uint64_t departed = 0;
  std::vector<std::uint32_t> active;     // agents to move again tomorrow
  std::vector<std::uint64_t> scheduled;  // day << 32 | agent
  std::vector<Parked> parked;
  std::vector<Continuation> next;  // agents whose day goes on in the next round

  void reset(std::size_t num_locations) {
    population.assign(num_locations, 0);
    in_transit = 0;
    departed = 0;
    active.clear();
    scheduled.clear();
    parked.clear();
    next.clear();
  }
};

class Engine {
 public:
  Engine(const FleeCase& c, const AgentRunOptions& options);
  AgentResult run();

 private:
  enum class Step { kStay, kOnLink, kParked };
  enum class Mode { kStart, kChain, kResume };

  // --- setup and daily events
  void init_locations();
  void update_conflicts(int day);
  void spawn(int day);
  void enact_closures(int day);
  void redraw_changed(int day);
  void compute_scores(int day);
  bool refresh_cap_mult();
  void compute_weights();
  void process_day(int day);
  void merge(Delta& d);
  void resolve_queues();

  // --- helpers
  std::uint32_t create_agent(std::uint32_t location, int day);
  void schedule(std::uint32_t a, std::int64_t move_from, std::int64_t removal_from, Purpose purpose,
                std::vector<std::uint64_t>& out);
  void flush_scheduled(std::vector<std::uint64_t>& entries);
  double decay(std::uint32_t v, int time) const;
  double cap_multiplier(std::uint32_t v, double occupancy) const;
  double recent_travel(std::uint32_t a) const;
  std::uint32_t choose_path(std::uint32_t v, double u) const;
  void set_movechance(std::uint32_t v, double value);
  // The agents of a pass are scattered over the arrays: ask for a later one's state early.
  void prefetch_agent(std::uint32_t a) const {
    __builtin_prefetch(&flags_[a]);
    __builtin_prefetch(&scheduled_[a]);
    __builtin_prefetch(&location_[a]);
    __builtin_prefetch(&arc_[a]);
    __builtin_prefetch(&route_[a]);
    __builtin_prefetch(&km_on_arc_[a]);
    __builtin_prefetch(&recent_[a]);
    __builtin_prefetch(&recent_day_[a]);
  }
  void set_scheduled(std::uint32_t a, std::int32_t day) {
    std::atomic_ref<std::int32_t>(scheduled_[a]).store(day, std::memory_order_relaxed);
  }

  // --- one agent's day
  void move_agent(std::uint32_t a, Delta& d, double moved, int hop, std::uint32_t admitted,
                  Mode mode);
  Step begin_move(std::uint32_t a, Delta& d, double moved, int hop, std::uint32_t admitted);
  void end_day(std::uint32_t a, Delta& d, double moved, double recent);
  void remove_agent(std::uint32_t a, Delta& d);

  const FleeCase& case_;
  const MoveRules& move_;
  const SpawnRules& spawn_;
  Network net_;
  std::span<const Arc> arcs_;
  std::span<const std::uint32_t> offsets_;
  CounterRng rng_;
  unsigned threads_;
  std::function<bool(int)> on_day_;
  int days_;
  int day_ = 0;
  std::size_t n_;

  // Locations (Flee's mutable Location state).
  std::vector<std::uint8_t> camp_, town_, marker_, foreign_, changed_;
  std::vector<double> conflict_, movechance_, capacity_, population_, deactivation_;
  std::vector<int> time_of_conflict_;
  std::vector<double> score_, cap_mult_, cum_weight_, total_weight_;
  bool conflict_changed_today_ = false;
  bool any_changed_ = false;

  // Arcs and routes.
  std::vector<std::uint8_t> arc_closed_;
  std::vector<std::uint32_t> arc_tail_;
  std::vector<double> arc_speed_, arc_walk_;
  std::vector<double> route_capacity_;
  std::vector<std::uint32_t> route_used_;
  bool has_route_capacity_ = false;
  PathTable paths_;

  // Agents (structure of arrays).
  std::vector<std::uint32_t> location_;  // resting place, or the tail of the arc it is on
  std::vector<std::uint32_t> arc_;       // arc travelled, kNone when resting
  std::vector<float> km_on_arc_;         // km covered on arc_
  std::vector<float> recent_;            // recent_travel_distance after the end of recent_day_
  std::vector<std::int32_t> recent_day_;
  std::vector<std::int32_t> scheduled_;  // bucket day, kNever if none
  std::vector<std::uint32_t> route_;     // planned path (entry of paths_), kNone if none
  std::vector<std::uint8_t> cursor_;     // next hop of route_
  std::vector<std::uint8_t> flags_;

  std::vector<std::vector<std::uint32_t>> buckets_;  // per day: agents due to move or leave
  std::vector<std::uint32_t> active_;
  std::vector<Delta> deltas_;
  WorkerPool pool_;
  std::vector<Continuation> pending_;  // the next round of today's moves
  std::vector<Parked> parked_;

  // Counts.
  std::vector<std::int64_t> count_;  // resting agents per location
  std::int64_t in_transit_ = 0;
  std::uint64_t spawned_ = 0;
  std::uint64_t departed_ = 0;
  std::int64_t refugee_debt_ = 0;
  std::int64_t unplaced_ = 0;
  std::uint32_t first_new_ = 0;  // agents created today start here
};

Engine::Engine(const FleeCase& c, const AgentRunOptions& options)
    : case_(c),
      move_(c.settings.move),
      spawn_(c.settings.spawn),
      net_(c.network),
      arcs_(net_.arcs()),
      offsets_(net_.arc_offsets()),
      rng_(options.seed),
      threads_(options.threads != 0 ? options.threads
                                    : std::max(1u, std::thread::hardware_concurrency())),
      on_day_(options.on_day),
      days_(c.days),
      n_(net_.num_locations()),
      pool_(threads_) {
  init_locations();
  const std::size_t m = arcs_.size();
  arc_closed_.assign(m, 0);
  arc_tail_.assign(m, 0);
  arc_speed_.assign(m, move_.max_move_speed_km);
  arc_walk_.assign(m, 0.0);
  const auto routes = net_.routes();
  route_capacity_.assign(routes.size(), kUnlimited);
  route_used_.assign(routes.size(), 0);
  for (std::uint32_t v = 0; v < n_; ++v) {
    for (std::uint32_t a = offsets_[v]; a < offsets_[v + 1]; ++a) {
      arc_tail_[a] = v;
      const RouteId r = arcs_[a].route;
      arc_closed_[a] = routes[r].closed ? 1 : 0;
      if (!case_.flee_routes.empty()) {
        const FleeRoute& fr = case_.flee_routes[r];
        if (fr.max_move_speed_km > 0.0) arc_speed_[a] = fr.max_move_speed_km;
        arc_walk_[a] = fr.walk_probability;
      }
    }
  }
  for (std::size_t r = 0; r < routes.size(); ++r) {
    route_capacity_[r] = routes[r].capacity_per_day;
    if (std::isfinite(route_capacity_[r])) has_route_capacity_ = true;
  }
  paths_ = detail::build_paths(net_, marker_, move_.awareness_level, move_);
  cum_weight_.assign(paths_.end.size(), 0.0);
  total_weight_.assign(n_, 0.0);
  score_.assign(n_, 1.0);
  cap_mult_.assign(n_, 1.0);
  count_.assign(n_, 0);
  buckets_.resize(static_cast<std::size_t>(days_));
  deltas_.resize(threads_);
}

void Engine::init_locations() {
  const auto locs = net_.locations();
  camp_.assign(n_, 0);
  town_.assign(n_, 0);
  marker_.assign(n_, 0);
  foreign_.assign(n_, 0);
  changed_.assign(n_, 0);
  conflict_.assign(n_, -1.0);
  movechance_.assign(n_, move_.default_movechance);
  capacity_.assign(n_, kUnlimited);
  population_.assign(n_, 0.0);
  deactivation_.assign(n_, 0.0);
  time_of_conflict_.assign(n_, -1);
  for (std::uint32_t v = 0; v < n_; ++v) {
    const Location& loc = locs[v];
    const FleeLocation fl = case_.flee_locations.empty() ? FleeLocation{} : case_.flee_locations[v];
    population_[v] = loc.population;
    capacity_[v] = loc.capacity;
    foreign_[v] = fl.foreign ? 1 : 0;
    deactivation_[v] = fl.deactivation_probability;
    // Location.__init__: the type decides the move chance and the flags.
    const detail::PlaceRole role = detail::initial_role(loc, fl, move_);
    camp_[v] = role.camp ? 1 : 0;
    town_[v] = role.town ? 1 : 0;
    marker_[v] = role.marker ? 1 : 0;
    conflict_[v] = role.conflict;
    movechance_[v] = role.movechance;
  }
}

// ------------------------------------------------------------------------------ helpers --

double Engine::decay(std::uint32_t v, int time) const {
  const auto& factors = spawn_.conflict_spawn_decay;
  if (factors.empty()) return 1.0;
  const long since = static_cast<long>(time) - time_of_conflict_[v];
  const long i = std::clamp<long>(since / spawn_.conflict_spawn_decay_interval, 0,
                                  static_cast<long>(factors.size()) - 1);
  return factors[static_cast<std::size_t>(i)];
}

double Engine::cap_multiplier(std::uint32_t v, double occupancy) const {
  return detail::cap_multiplier(capacity_[v], move_, occupancy);
}

double Engine::recent_travel(std::uint32_t a) const {
  // recent_[a] holds the value after the end of recent_day_[a]; every day since halves it.
  const std::int64_t halvings = static_cast<std::int64_t>(day_) - 1 - recent_day_[a];
  const double r = recent_[a];
  if (halvings <= 0) return r;
  if (halvings >= 1100) return 0.0;
  return std::ldexp(r, -static_cast<int>(halvings));
}

std::uint32_t Engine::choose_path(std::uint32_t v, double u) const {
  const double total = total_weight_[v];
  if (!(total > 0.0)) return kNone;
  const double* begin = cum_weight_.data() + paths_.first[v];
  const double* end = cum_weight_.data() + paths_.first[v + 1];
  const double x = u * total;
  const double* it = std::upper_bound(begin, end, x);
  if (it == end) {  // rounding: take the last entry with weight
    --it;
    while (it > begin && *it == *(it - 1)) --it;
  }
  return static_cast<std::uint32_t>(it - cum_weight_.data());
}

void Engine::set_movechance(std::uint32_t v, double value) {
  if (movechance_[v] != value) {
    changed_[v] = 1;
    any_changed_ = true;
  }
  movechance_[v] = value;
}

std::uint32_t Engine::create_agent(std::uint32_t location, int day) {
  const std::size_t id = location_.size();
  if (id >= kNone - 1) throw InputError("agents: more than 4,294,967,293 agents");
  location_.push_back(location);
  arc_.push_back(kNone);
  km_on_arc_.push_back(0.0f);
  recent_.push_back(0.0f);
  recent_day_.push_back(day - 1);
  scheduled_.push_back(kNever);
  route_.push_back(kNone);
  cursor_.push_back(0);
  flags_.push_back(kAlive | kFirstLink);
  ++count_[location];
  ++spawned_;
  return static_cast<std::uint32_t>(id);
}

void Engine::schedule(std::uint32_t a, std::int64_t move_from, std::int64_t removal_from,
                      Purpose purpose, std::vector<std::uint64_t>& out) {
  const std::uint32_t here = location_[a];
  const auto u = rng_.uniform2(a, day_, purpose, 0);
  const std::int64_t never = std::numeric_limits<std::int64_t>::max();
  auto after = [&](std::int64_t from, double p, double x) {
    const std::int64_t g = detail::geometric_failures(p, x);
    return g >= never - from ? never : from + g;
  };
  const std::int64_t move_day = after(move_from, movechance_[here], u[0]);
  std::int64_t removal_day = never;
  if (spawn_.camps_are_sinks && camp_[here] && deactivation_[here] > 0.0) {
    removal_day = after(removal_from, deactivation_[here], u[1]);
  }
  const bool removal = removal_day < move_day;
  const std::int64_t when = removal ? removal_day : move_day;
  flags_[a] = static_cast<std::uint8_t>(removal ? (flags_[a] | kRemoval) : (flags_[a] & ~kRemoval));
  if (when >= days_) {
    set_scheduled(a, kNever);
    return;
  }
  set_scheduled(a, static_cast<std::int32_t>(when));
  out.push_back((static_cast<std::uint64_t>(when) << 32) | a);
}

void Engine::flush_scheduled(std::vector<std::uint64_t>& entries) {
  for (const std::uint64_t e : entries) {
    buckets_[static_cast<std::size_t>(e >> 32)].push_back(static_cast<std::uint32_t>(e));
  }
  entries.clear();
}

// -------------------------------------------------------------------------- daily events --

void Engine::update_conflicts(int day) {
  conflict_changed_today_ = false;
  const std::size_t cols = case_.conflict_locations.size();
  if (cols == 0) return;
  const double* row = case_.conflict_intensity.data() + static_cast<std::size_t>(day) * cols;
  const double* prev = day > 0 ? row - cols : nullptr;
  for (std::size_t i = 0; i < cols; ++i) {
    const LocationId v = case_.conflict_locations[i];
    const double now = row[i];
    if (now > kConflictEps && (day == 0 || prev[i] < kConflictEps)) {
      // Ecosystem.add_conflict_zone
      set_movechance(v, move_.conflict_movechance);
      conflict_[v] = now;
      town_[v] = 0;
      time_of_conflict_[v] = day;
      conflict_changed_today_ = true;
    } else if (now < kConflictEps && day > 0 && prev[i] > kConflictEps) {
      // Ecosystem.remove_conflict_zone (Flee requires the previous day to be exactly 1)
      set_movechance(v, move_.default_movechance);
      conflict_[v] = -1.0;
      town_[v] = 1;
      conflict_changed_today_ = true;
    }
  }
}

void Engine::spawn(int day) {
  first_new_ = static_cast<std::uint32_t>(location_.size());
  if (spawn_.conflict_driven != ConflictSpawnMode::kOff) {
    for (std::uint32_t v = 0; v < n_; ++v) {
      if (!(conflict_[v] > 0.0)) continue;
      const double rate = spawn_.displaced_per_conflict_day;
      std::int64_t count = 0;
      switch (spawn_.conflict_driven) {
        case ConflictSpawnMode::kConstant:
          count = static_cast<std::int64_t>(rate * conflict_[v]);
          break;
        case ConflictSpawnMode::kPopRatio:
          count = static_cast<std::int64_t>(rate * population_[v] * conflict_[v]);
          break;
        case ConflictSpawnMode::kPoisson:
          count = detail::poisson(rng_, rate * conflict_[v], v, day, Purpose::kPoisson);
          break;
        case ConflictSpawnMode::kOff:
          break;
      }
      for (std::int64_t i = 0; i < count; ++i) create_agent(v, day);
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
        const double cap = capacity_[s.location];
        if (camp_[s.location] && std::isfinite(cap) && cap > 0.0) {
          capacity_[s.location] = cap - std::trunc(s.per_day[0]);
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
    if (conflict_[v] > 0.0) total += population_[v] * conflict_[v] * decay(v, time);
    cum[v] = total;
  }
  if (!(total > 0.0)) {
    unplaced_ = fresh;
    return;
  }
  for (std::int64_t i = 0; i < fresh; ++i) {
    const auto id = static_cast<std::uint32_t>(location_.size());
    const double x = rng_.uniform(id, day, Purpose::kPlace, 0) * total;
    auto it = std::upper_bound(cum.begin(), cum.end(), x);
    if (it == cum.end()) it = std::lower_bound(cum.begin(), cum.end(), total);
    create_agent(static_cast<std::uint32_t>(it - cum.begin()), day);
  }
}

void Engine::enact_closures(int day) {
  const auto locs = net_.locations();
  auto set_arcs = [&](auto&& pick, std::uint8_t closed) {
    for (std::uint32_t v = 0; v < n_; ++v) {
      for (std::uint32_t a = offsets_[v]; a < offsets_[v + 1]; ++a) {
        if (pick(v, arcs_[a].target)) arc_closed_[a] = closed;
      }
    }
  };
  auto apply = [&](const Closure& c, bool close) {
    const std::uint8_t closed = close ? 1 : 0;
    switch (c.type) {
      case Closure::Type::kCountry:
        set_arcs(
            [&](std::uint32_t u, std::uint32_t v) {
              return (locs[u].country == c.name1 && locs[v].country == c.name2) ||
                     (locs[u].country == c.name2 && locs[v].country == c.name1);
            },
            closed);
        break;
      case Closure::Type::kLocation: {
        const LocationId l = *c.location1;
        set_arcs([&](std::uint32_t u, std::uint32_t v) { return u == l || v == l; }, closed);
        break;
      }
      case Closure::Type::kLink: {
        const LocationId l1 = *c.location1;
        const LocationId l2 = *c.location2;
        set_arcs([&](std::uint32_t u,
                     std::uint32_t v) { return (u == l1 && v == l2) || (u == l2 && v == l1); },
                 closed);
        break;
      }
      case Closure::Type::kCamp: {
        const LocationId l = *c.location1;
        const bool idp = c.idp_camp;  // Flee: an 'idpcamp' closure reopens an IDP camp
        const std::uint8_t was_camp = camp_[l];
        if (close) {  // Location.close_camp: becomes a town
          set_movechance(l, move_.default_movechance);
          camp_[l] = 0;
          town_[l] = 1;
        } else {  // Location.open_camp
          set_movechance(l, idp ? move_.idpcamp_movechance : move_.camp_movechance);
          camp_[l] = 1;
          town_[l] = 0;
        }
        conflict_[l] = -1.0;
        if (camp_[l] != was_camp) {
          changed_[l] = 1;
          any_changed_ = true;
        }
        break;
      }
    }
  };
  for (const Closure& c : case_.closures) {
    if (day == c.start_day) apply(c, true);
    if (day == c.end_day) apply(c, false);
  }
}

void Engine::redraw_changed(int day) {
  std::vector<std::uint64_t> entries;
  if (any_changed_) {
    for (std::uint32_t a = 0; a < first_new_; ++a) {
      if ((flags_[a] & kAlive) && arc_[a] == kNone && route_[a] == kNone &&
          changed_[location_[a]]) {
        schedule(a, day, day, Purpose::kRedraw, entries);
      }
    }
    std::fill(changed_.begin(), changed_.end(), 0);
    any_changed_ = false;
  }
  const auto end = static_cast<std::uint32_t>(location_.size());
  for (std::uint32_t a = first_new_; a < end; ++a)
    schedule(a, day, day, Purpose::kSchedule, entries);
  flush_scheduled(entries);
}

void Engine::compute_scores(int day) {
  for (std::uint32_t v = 0; v < n_; ++v) {
    double s = 1.0;  // scoring.updateLocationScore
    if (foreign_[v]) s *= move_.foreign_weight;
    if (camp_[v]) s *= move_.camp_weight;
    if (conflict_[v] > 0.0) s *= std::pow(move_.conflict_weight, decay(v, day) * conflict_[v]);
    score_[v] = s;
    cap_mult_[v] = cap_multiplier(v, static_cast<double>(count_[v]));
  }
}

bool Engine::refresh_cap_mult() {
  bool changed = false;
  for (std::uint32_t v = 0; v < n_; ++v) {
    if (!std::isfinite(capacity_[v])) continue;
    const double m = cap_multiplier(v, static_cast<double>(count_[v]));
    if (m != cap_mult_[v]) {
      cap_mult_[v] = m;
      changed = true;
    }
  }
  return changed;
}

void Engine::compute_weights() {
  const bool plain_power = move_.weight_power == 1.0;
  for (std::uint32_t v = 0; v < n_; ++v) {
    const std::uint32_t b = paths_.first[v];
    const std::uint32_t e = paths_.first[v + 1];
    double total = 0.0;
    std::uint32_t open = 0;
    for (std::uint32_t p = b; p < e; ++p) {
      bool ok = true;
      for (std::uint32_t h = paths_.hop_first[p]; h < paths_.hop_first[p + 1]; ++h) {
        if (arc_closed_[paths_.hop_arc[h]]) {
          ok = false;
          break;
        }
      }
      double w = 0.0;
      if (ok) {
        ++open;
        const std::uint32_t end = paths_.end[p];
        w = (move_.weight_softening + score_[end]) * paths_.inv_distance[p] * cap_mult_[end];
        if (!plain_power) w = std::pow(w, move_.weight_power);
        if (!(w > 0.0)) w = 0.0;  // also catches NaN
      }
      total += w;
      cum_weight_[p] = ok ? total : -1.0;  // -1 marks closed until the fix-up below
    }
    if (!(total > 0.0) && open > 0) {
      // moving.normalizeWeights: all zero -> equal weights over the routes on offer.
      total = 0.0;
      for (std::uint32_t p = b; p < e; ++p) {
        if (cum_weight_[p] >= 0.0) total += 1.0;
        cum_weight_[p] = total;
      }
    } else {
      double last = 0.0;
      for (std::uint32_t p = b; p < e; ++p) {
        if (cum_weight_[p] < 0.0) cum_weight_[p] = last;
        last = cum_weight_[p];
      }
    }
    total_weight_[v] = open > 0 ? total : 0.0;
  }
}

// ------------------------------------------------------------------------ one agent's day --

Engine::Step Engine::begin_move(std::uint32_t a, Delta& d, double moved, int hop,
                                std::uint32_t admitted) {
  const std::uint32_t here = location_[a];
  if (route_[a] == kNone) {  // moving.selectRoute
    const std::uint32_t p =
        choose_path(here, rng_.uniform(a, day_, Purpose::kRoute, static_cast<std::uint32_t>(hop)));
    if (p == kNone) return Step::kStay;
    route_[a] = p;
    cursor_[a] = 0;
  }
  // Person.take_next_step
  const std::uint32_t p = route_[a];
  const std::uint32_t goal = paths_.end[p];
  if (camp_[goal] && cap_mult_[goal] < 0.5) {  // check_dest_is_full_camp
    route_[a] = kNone;
    return Step::kStay;
  }
  const std::uint32_t next = arcs_[paths_.hop_arc[paths_.hop_first[p] + cursor_[a]]].target;
  std::uint32_t arc = kNone;
  for (std::uint32_t x = offsets_[here]; x < offsets_[here + 1]; ++x) {
    if (arcs_[x].target == next && !arc_closed_[x]) {
      arc = x;
      break;
    }
  }
  if (arc == kNone) {  // the link has vanished
    route_[a] = kNone;
    return Step::kStay;
  }
  if (has_route_capacity_) {
    const RouteId r = arcs_[arc].route;
    if (std::isfinite(route_capacity_[r]) && admitted != r) {
      const auto w = rng_.words(a, day_, Purpose::kQueue, static_cast<std::uint32_t>(hop));
      d.parked.push_back({(static_cast<std::uint64_t>(w[0]) << 32) | w[1], r, a, moved, hop});
      return Step::kParked;
    }
  }
  if (++cursor_[a] == paths_.hop_first[p + 1] - paths_.hop_first[p]) {
    route_[a] = kNone;
    cursor_[a] = 0;
  }
  arc_[a] = arc;
  km_on_arc_[a] = 0.0f;
  --d.population[here];
  ++d.in_transit;
  return Step::kOnLink;
}

void Engine::move_agent(std::uint32_t a, Delta& d, double moved, int hop, std::uint32_t admitted,
                        Mode mode) {
  const double recent = recent_travel(a);
  if (mode == Mode::kChain) {
    // Person.evolve called again from finish_travel after an arrival with distance to spare:
    // forced on out of a town when avoid_short_stints finds the recent travel too short.
    const std::uint32_t here = location_[a];
    const bool forced = move_.avoid_short_stints && town_[here] &&
                        (recent + moved / move_.max_move_speed_km) / 2.0 < 0.5;
    const double chance = (forced || route_[a] != kNone) ? 1.0 : movechance_[here];
    if (chance < 1.0 &&
        !(rng_.uniform(a, day_, Purpose::kChain, static_cast<std::uint32_t>(hop)) < chance)) {
      end_day(a, d, moved, recent);
      return;
    }
  }
  if (arc_[a] == kNone) {  // Person.evolve; the move itself is decided (schedule or roll)
    const Step s = begin_move(a, d, moved, hop, admitted);
    if (s == Step::kParked) return;
    if (s == Step::kStay) {
      end_day(a, d, moved, recent);
      return;
    }
  }
  // Person.finish_travel
  const std::uint32_t arc = arc_[a];
  double speed = arc_speed_[arc];
  if ((flags_[a] & kFirstLink) && move_.start_on_foot) speed = move_.max_walk_speed_km;
  if (arc_walk_[arc] > 0.0 &&
      rng_.uniform(a, day_, Purpose::kWalk, static_cast<std::uint32_t>(hop)) < arc_walk_[arc]) {
    speed = move_.max_walk_speed_km;
  }
  const double length = arcs_[arc].distance_km;
  const double km = static_cast<double>(km_on_arc_[a]) + speed;
  moved += speed;
  if (km > length) {  // arrived
    flags_[a] = static_cast<std::uint8_t>(flags_[a] & ~kFirstLink);
    moved += length - km;  // only the km actually needed count
    --d.in_transit;
    arc_[a] = kNone;
    km_on_arc_[a] = 0.0f;
    if (arc_closed_[arc]) {  // closed while on it: back to its start, no further hop
      location_[a] = arc_tail_[arc];
      ++d.population[arc_tail_[arc]];
    } else {
      const std::uint32_t here = arcs_[arc].target;
      location_[a] = here;
      ++d.population[here];
      if (moved < speed && hop + 1 < kMaxHopsPerDay) {
        d.next.push_back({a, kNone, moved, hop + 1});  // evolves again in the next round
        return;
      }
    }
  } else {
    km_on_arc_[a] = static_cast<float>(km);
  }
  end_day(a, d, moved, recent);
}

void Engine::end_day(std::uint32_t a, Delta& d, double moved, double recent) {
  recent_[a] = static_cast<float>((recent + moved / move_.max_move_speed_km) / 2.0);
  recent_day_[a] = day_;
  if (arc_[a] != kNone) {
    set_scheduled(a, kNever);
    d.active.push_back(a);
    return;
  }
  const std::uint32_t here = location_[a];
  if (spawn_.camps_are_sinks && camp_[here] && deactivation_[here] > 0.0 &&
      rng_.uniform(a, day_, Purpose::kSink, 0) < deactivation_[here]) {
    remove_agent(a, d);
    return;
  }
  if (route_[a] != kNone) {
    set_scheduled(a, kNever);
    d.active.push_back(a);
    return;
  }
  schedule(a, day_ + 1, day_ + 1, Purpose::kReschedule, d.scheduled);
}

void Engine::remove_agent(std::uint32_t a, Delta& d) {
  flags_[a] = static_cast<std::uint8_t>(flags_[a] & ~kAlive);
  set_scheduled(a, kNever);
  --d.population[location_[a]];
  ++d.departed;
}

// ------------------------------------------------------------------------------ one day --

void Engine::process_day(int day) {
  std::vector<std::uint32_t> active;
  active.swap(active_);
  std::vector<std::uint32_t> due;
  due.swap(buckets_[static_cast<std::size_t>(day)]);
  // In id order, the state of neighbouring agents shares cache lines and the hardware
  // prefetcher follows; the order of processing does not change the result.
  std::sort(active.begin(), active.end());
  std::sort(due.begin(), due.end());
  const std::size_t n_active = active.size();
  const std::size_t total = n_active + due.size();
  for (Delta& d : deltas_) d.reset(n_);

  // Round 0: everyone due to move today, with the start-of-day occupancy.
  pool_.run(total, [&](unsigned worker, std::size_t begin, std::size_t end) {
    Delta& d = deltas_[worker];
    auto agent_at = [&](std::size_t i) { return i < n_active ? active[i] : due[i - n_active]; };
    for (std::size_t i = begin; i < end; ++i) {
      if (i + 16 < end) prefetch_agent(agent_at(i + 16));
      const std::uint32_t a = agent_at(i);
      if (i >= n_active) {
        // A bucket entry is valid only if the agent is still due today; claim it so that a
        // stale duplicate entry is skipped by whichever worker meets it second.
        std::int32_t expected = day;
        if (!std::atomic_ref<std::int32_t>(scheduled_[a])
                 .compare_exchange_strong(expected, kClaimed, std::memory_order_relaxed)) {
          continue;
        }
        if (flags_[a] & kRemoval) {
          remove_agent(a, d);
          continue;
        }
      }
      move_agent(a, d, 0.0, 0, kNone, Mode::kStart);
    }
  });
  for (Delta& d : deltas_) merge(d);

  // Later rounds: hops chained within the day (and agents admitted onto capacity-limited
  // routes), each round seeing the occupancy after the previous rounds' arrivals.
  for (;;) {
    if (has_route_capacity_) resolve_queues();
    if (pending_.empty()) break;
    if (refresh_cap_mult()) compute_weights();
    std::vector<Continuation> round;
    round.swap(pending_);
    std::sort(round.begin(), round.end(),
              [](const Continuation& x, const Continuation& y) { return x.agent < y.agent; });
    pool_.run(round.size(), [&](unsigned worker, std::size_t begin, std::size_t end) {
      Delta& d = deltas_[worker];
      for (std::size_t i = begin; i < end; ++i) {
        if (i + 16 < end) prefetch_agent(round[i + 16].agent);
        const Continuation& c = round[i];
        move_agent(c.agent, d, c.moved_km, c.hop, c.admitted,
                   c.admitted == kNone ? Mode::kChain : Mode::kResume);
      }
    });
    for (Delta& d : deltas_) merge(d);
  }
}

void Engine::merge(Delta& d) {
  for (std::size_t v = 0; v < n_; ++v) count_[v] += d.population[v];
  in_transit_ += d.in_transit;
  departed_ += d.departed;
  active_.insert(active_.end(), d.active.begin(), d.active.end());
  flush_scheduled(d.scheduled);
  pending_.insert(pending_.end(), d.next.begin(), d.next.end());
  parked_.insert(parked_.end(), d.parked.begin(), d.parked.end());
  std::fill(d.population.begin(), d.population.end(), 0);
  d.in_transit = 0;
  d.departed = 0;
  d.active.clear();
  d.next.clear();
  d.parked.clear();
}

// Admits queued agents onto capacity-limited routes in the order of their random priority;
// the admitted resume their step in the next round, the others wait with their route.
void Engine::resolve_queues() {
  if (parked_.empty()) return;
  std::sort(parked_.begin(), parked_.end(), [](const Parked& x, const Parked& y) {
    if (x.route != y.route) return x.route < y.route;
    if (x.priority != y.priority) return x.priority < y.priority;
    return x.agent < y.agent;
  });
  Delta& d = deltas_[0];
  for (const Parked& p : parked_) {
    if (route_used_[p.route] + 1.0 <= route_capacity_[p.route]) {
      ++route_used_[p.route];
      pending_.push_back({p.agent, p.route, p.moved_km, p.hop});
    } else {
      end_day(p.agent, d, p.moved_km, recent_travel(p.agent));
    }
  }
  parked_.clear();
  merge(d);
}

// --------------------------------------------------------------------------------- run --

AgentResult Engine::run() {
  AgentResult result;
  result.num_locations = n_;
  const auto days = static_cast<std::size_t>(days_);
  result.population.reserve(days * n_);
  result.in_transit.reserve(days);
  result.spawned.reserve(days);
  result.departed.reserve(days);
  result.refugee_debt.reserve(days);
  result.bytes_per_agent = sizeof(std::uint32_t) * 3 + sizeof(float) * 2 +
                           sizeof(std::int32_t) * 2 + sizeof(std::uint8_t) * 2;

  // spawning.add_initial_refugees: day-0 registrations placed in their camps.
  if (spawn_.insert_day0 && !spawn_.empty_camps_on_day0) {
    for (const ObservedSeries& s : case_.camps) {
      if (!camp_[s.location]) continue;  // Flee only inserts into camps
      const auto count = static_cast<std::int64_t>(std::trunc(s.per_day[0]));
      for (std::int64_t i = 0; i < count; ++i) create_agent(s.location, 0);
    }
  }

  for (int day = 0; day < days_; ++day) {
    day_ = day;
    std::fill(route_used_.begin(), route_used_.end(), 0u);
    update_conflicts(day);
    spawn(day);
    if (day == 0) first_new_ = 0;  // the day-0 insertions are scheduled with today's spawns
    enact_closures(day);
    redraw_changed(day);
    compute_scores(day);
    compute_weights();
    process_day(day);

    std::int64_t resting = 0;
    for (std::size_t v = 0; v < n_; ++v) {
      resting += count_[v];
      result.population.push_back(static_cast<std::uint32_t>(count_[v]));
    }
    result.in_transit.push_back(static_cast<std::uint64_t>(in_transit_));
    result.spawned.push_back(spawned_);
    result.departed.push_back(departed_);
    result.refugee_debt.push_back(static_cast<double>(refugee_debt_));
    result.peak_agents = std::max<std::size_t>(result.peak_agents, spawned_ - departed_);
    result.days = day + 1;
    const bool conserved =
        resting >= 0 && in_transit_ >= 0 &&
        static_cast<std::uint64_t>(resting) + static_cast<std::uint64_t>(in_transit_) + departed_ ==
            spawned_;
    assert(conserved);
    if (!conserved) {
      throw std::logic_error(
          "agents: conservation broken on day " + std::to_string(day) + ": spawned " +
          std::to_string(spawned_) + " != resting " + std::to_string(resting) + " + in transit " +
          std::to_string(in_transit_) + " + departed " + std::to_string(departed_));
    }
    if (on_day_ && !on_day_(day)) break;
  }
  return result;
}

}  // namespace

namespace detail {
void validate_case(const FleeCase& flee_case) { validate(flee_case); }
}  // namespace detail

AgentResult run_agents(const FleeCase& flee_case, const AgentRunOptions& options) {
  validate(flee_case);
  Engine engine(flee_case, options);
  return engine.run();
}

}  // namespace corridor
