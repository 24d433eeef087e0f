// corridor — the agent engine's day (private header). Drivers (agents.cpp for Flee cases,
// projection.cpp for scenarios) change roles, closures and capacities, add agents and release
// reception queues between days, then call step(). The control surface is detail::FlowEngine's,
// so one driver can run on either engine. Design notes: top of agent_engine.cpp.
//
// Not thread-safe: one caller drives it; step() uses the engine's own worker threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <limits>
#include <span>
#include <vector>

#include "agents_random.hpp"
#include "corridor/flee_case.hpp"
#include "corridor/network.hpp"
#include "flee_places.hpp"
#include "rules.hpp"
#include "worker_pool.hpp"

namespace corridor::detail {

class AgentEngine : public FleePlaces {
 public:
  /// `flee_locations` / `flee_routes` may be empty (defaults). `cohorts` in [1, 256]; `days` > 0
  /// is the horizon (step() takes days 0, 1, ... < days, in order); `threads` 0 = hardware
  /// concurrency. The same inputs and seed give the same run for any `threads`.
  AgentEngine(const Network& network, const MoveRules& move,
              const std::vector<FleeLocation>& flee_locations,
              const std::vector<FleeRoute>& flee_routes, std::size_t cohorts, int days,
              std::uint64_t seed, unsigned threads, std::vector<double> conflict_decay = {},
              int decay_interval = 30);
  AgentEngine(const AgentEngine&) = delete;
  AgentEngine& operator=(const AgentEngine&) = delete;

  std::size_t num_cohorts() const { return c_; }

  // --- roles (Flee's Location state), between days. A change of move chance (or of a camp's
  // sink) makes the agents resting there draw their next move again.
  void start_conflict(std::uint32_t v, double intensity, int day);  ///< add_conflict_zone
  void end_conflict(std::uint32_t v);                               ///< remove_conflict_zone
  void make_camp(std::uint32_t v, bool idp);                        ///< open_camp
  void make_town(std::uint32_t v);                                  ///< close_camp
  /// Daily chance that an agent resting at a camp leaves the simulation (camps_are_sinks), [0, 1].
  void set_sink(std::uint32_t v, double chance);

  // --- arcs

  // --- people
  /// Adds per_cohort[k] agents of cohort k at `v` (whole numbers: a fraction is dropped); they
  /// draw their first move today. Throws InputError past 4,294,967,293 agents.
  void add(std::uint32_t v, const double* per_cohort);
  /// Adds `count` agents of `cohort` at `v`.
  void add_agents(std::uint32_t v, std::uint64_t count, std::uint32_t cohort = 0);
  /// Releases floor(people) agents (all if more) from v's queue, first come first served, after
  /// the day's step: they rest at v and draw their next move with its move chance. Returns the
  /// number released.
  double release(std::uint32_t v, double people);
  /// Takes floor(people) agents (all if more) out of v's queue and out of the engine, first
  /// come first served (a scenario's reception pathways hold them from now on); the number per
  /// cohort is written to out[0..C). Returns the number taken.
  double take(std::uint32_t v, double people, double* out);
  /// Agents taken out so far.
  std::uint64_t taken() const { return taken_; }

  /// One day of movement; `day` is the next day (0, 1, ...), < the horizon.
  void step(int day);

  // --- observations (after step)
  /// Agents at v per cohort (resting, planning a route, or queued), written to out[0..C).
  void people_at(std::uint32_t v, double* out) const;
  double total_at(std::uint32_t v) const { return static_cast<double>(total_[v]); }
  /// Agents at every location per cohort: out[v * C + k], locations x cohorts.
  void people_all(double* out) const;
  /// Queue at v per cohort (C values).
  const double* queued(std::uint32_t v) const { return queued_.data() + v * c_; }
  double queued_total(std::uint32_t v) const { return static_cast<double>(queue_[v].size()); }
  /// Arrivals during the last step, locations x cohorts.
  const std::vector<double>& arrivals() const { return arrivals_; }
  /// Agents setting off along each route during the last step.
  const std::vector<double>& route_flow() const { return route_flow_; }
  std::uint64_t spawned() const { return spawned_; }
  std::uint64_t departed() const { return departed_; }
  std::int64_t in_transit() const { return in_transit_; }
  std::int64_t at_locations() const;
  /// Agents created so far (the next agent's id).
  std::size_t num_agents() const { return location_.size(); }
  /// Agent state bytes per agent (structure of arrays).
  std::size_t bytes_per_agent() const;

 private:
  enum class Step { kStay, kOnLink, kParked };
  enum class Mode { kStart, kChain, kResume };

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

  // What one worker changes during a round; merged after the parallel pass.
  struct Delta {
    std::vector<std::int64_t> population;  // per location x cohort
    std::vector<std::int64_t> arrivals;    // per location x cohort
    std::vector<std::int64_t> route_flow;  // per route
    std::int64_t in_transit = 0;
    std::uint64_t departed = 0;
    std::vector<std::uint32_t> active;     // agents to move again tomorrow
    std::vector<std::uint64_t> scheduled;  // day << 32 | agent
    std::vector<Parked> parked;
    std::vector<Continuation> next;   // agents whose day goes on in the next round
    std::vector<std::uint32_t> held;  // agents who joined a reception queue, in order

    void reset(std::size_t slots, std::size_t routes);
  };

  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
  static constexpr std::int32_t kNever = std::numeric_limits<std::int32_t>::max();

  // --- daily
  void redraw_changed(int day);
  void compute_weights();
  void process_day(int day);
  void merge(Delta& d);
  void resolve_queues();

  // --- helpers
  std::uint32_t create_agent(std::uint32_t location, std::uint32_t cohort);
  void schedule(std::uint32_t a, std::int64_t move_from, std::int64_t removal_from, Purpose purpose,
                std::vector<std::uint64_t>& out);
  void flush_scheduled(std::vector<std::uint64_t>& entries);
  double recent_travel(std::uint32_t a) const;
  std::uint32_t choose_path(std::uint32_t v, double u) const;
  void set_movechance(std::uint32_t v, double value);
  void mark_changed(std::uint32_t v) {
    changed_[v] = 1;
    any_changed_ = true;
  }
  // Index of agent a's count at location v (location x cohort).
  std::size_t slot(std::uint32_t v, std::uint32_t a) const {
    return c_ == 1 ? v : static_cast<std::size_t>(v) * c_ + cohort_[a];
  }
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

  CounterRng rng_;
  unsigned threads_;
  int days_;
  int day_ = 0;       // the day being (or last) stepped
  int next_day_ = 0;  // the day agents added now start on
  std::size_t c_;

  // Locations: whose resting agents draw their next move again; choose_path's cumulative weights.
  std::vector<std::uint8_t> changed_;
  std::vector<double> cum_weight_;
  bool any_changed_ = false;
  std::vector<std::uint32_t> route_used_;  // agents admitted today per route

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
  std::vector<std::uint8_t> cohort_;  // only with more than one cohort

  std::vector<std::vector<std::uint32_t>> buckets_;  // per day: agents due to move or leave
  std::vector<std::uint32_t> active_;
  std::vector<Delta> deltas_;
  WorkerPool pool_;
  std::vector<Continuation> pending_;  // the next round of today's moves
  std::vector<Parked> parked_;
  std::vector<std::deque<std::uint32_t>> queue_;  // per location: queued agents, first in front

  // Counts.
  std::vector<std::int64_t> count_;  // resting agents per location x cohort
  std::vector<std::int64_t> total_;  // resting agents per location
  std::vector<double> queued_;       // queued agents per location x cohort
  std::vector<double> arrivals_;     // last step, per location x cohort
  std::vector<double> route_flow_;   // last step, per route
  std::int64_t in_transit_ = 0;
  std::uint64_t spawned_ = 0;
  std::uint64_t departed_ = 0;
  std::uint64_t taken_ = 0;
  std::uint32_t first_new_ = 0;  // agents from here on have not drawn their first move yet
};

}  // namespace corridor::detail
