// corridor — the agent engine's day: Flee 3's movement rules applied to individual agents, run
// as a structure of arrays whose cost follows movement rather than headcount.
//
// Design notes (the rules, and where and why they deviate from Flee: top of agents.cpp):
// - Driven from outside. The engine knows locations, arcs and agents; what happens when
//   (conflicts, spawning, closures for a Flee case in agents.cpp; displacements, events,
//   screening and triggers for a scenario in projection.cpp) is its driver's, which changes
//   roles, closures and capacities, adds agents and releases queues between days and calls
//   step(). The control surface is the expected-flow engine's (flow_engine.hpp), so the scenario
//   driver runs on either.
// - Cohorts. An agent carries a cohort index (one byte, kept only when there is more than one
//   cohort, so a Flee case's agents stay 30 bytes). Cohorts never change the rules: they are
//   counted, per location, in arrivals and in queues.
// - Reception queues. An agent arriving at a holding location (set_hold) stops there (no
//   chained hop, its planned route dropped) and joins the location's queue, where it is not
//   scheduled to move. release() takes agents from the front of the queue, so the earlier
//   arrivals leave first (within a day: round by round, and in each round in the pass's fixed
//   order, the same for any thread count); released agents draw their next move with the
//   location's move chance like any resting agent. While queued, an agent's recent-travel index
//   is halved each day like a resting agent's.
// - Cost follows movement. A resting agent draws the day of its next move once (geometric with
//   its location's move chance; with a sink also the day of its removal) and waits in a per-day
//   bucket; when a location's move chance changes (conflict start or end, camp closure or
//   reopening) every resting agent there draws again, which memorylessness makes exact. Agents
//   on a link or with a planned route are in the active list and move every day. Route-choice
//   weights depend only on the day's scores, closures and counts, so they are computed once per
//   location and round (cumulative sums, binary search; recomputed only when a capacity
//   multiplier changed). The recent-travel index of a resting agent is halved lazily from the
//   day it was last written.
// - Determinism. Every draw comes from the agent's own counter-based stream (agents_random.hpp).
//   Workers (a fixed pool) take contiguous chunks of a round's agents and write only those
//   agents and their own deltas; counts are summed between rounds, lists are concatenated in
//   worker order (the order of the agents' list; only queues care about it, the rest never
//   does: bucket entries are claimed with a compare-and-swap on the agent's scheduled day, so a
//   stale duplicate entry is skipped whoever sees it first), and capacity queues are sorted by a
//   per-agent random priority.
#include "agent_engine.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "corridor/error.hpp"

namespace corridor::detail {
namespace {

constexpr std::int32_t kClaimed = std::numeric_limits<std::int32_t>::max() - 1;
constexpr int kMaxHopsPerDay = 64;

// Agent flags.
constexpr std::uint8_t kAlive = 1;
constexpr std::uint8_t kFirstLink = 2;  // Flee's places_travelled == 1
constexpr std::uint8_t kRemoval = 4;    // the scheduled day is a removal (camps_are_sinks)
constexpr std::uint8_t kQueued = 8;     // waiting in its location's reception queue

}  // namespace

void AgentEngine::Delta::reset(std::size_t slots, std::size_t routes) {
  population.assign(slots, 0);
  arrivals.assign(slots, 0);
  route_flow.assign(routes, 0);
  in_transit = 0;
  departed = 0;
  active.clear();
  scheduled.clear();
  parked.clear();
  next.clear();
  held.clear();
}

AgentEngine::AgentEngine(const Network& network, const MoveRules& move,
                         const std::vector<FleeLocation>& flee_locations,
                         const std::vector<FleeRoute>& flee_routes, std::size_t cohorts, int days,
                         std::uint64_t seed, unsigned threads, std::vector<double> conflict_decay,
                         int decay_interval)
    : FleePlaces(network, move, flee_locations, flee_routes, std::move(conflict_decay),
                 decay_interval),
      rng_(seed),
      threads_(threads != 0 ? threads : std::max(1u, std::thread::hardware_concurrency())),
      days_(std::max(days, 0)),
      c_(std::max<std::size_t>(cohorts, 1)),
      pool_(threads_) {
  if (c_ > 256) throw InputError("agents: " + std::to_string(c_) + " cohorts, at most 256");
  changed_.assign(n_, 0);
  const auto routes = net_.routes();
  route_used_.assign(routes.size(), 0);
  cum_weight_.assign(paths_.end.size(), 0.0);
  count_.assign(n_ * c_, 0);
  total_.assign(n_, 0);
  queued_.assign(n_ * c_, 0.0);
  arrivals_.assign(n_ * c_, 0.0);
  route_flow_.assign(routes.size(), 0.0);
  queue_.resize(n_);
  buckets_.resize(static_cast<std::size_t>(days_));
  deltas_.resize(threads_);
}

// ----------------------------------------------------------------------------- roles --

void AgentEngine::start_conflict(std::uint32_t v, double intensity, int day) {
  set_movechance(v, move_.conflict_movechance);
  conflict_[v] = intensity;
  town_[v] = 0;
  time_of_conflict_[v] = day;
}

void AgentEngine::end_conflict(std::uint32_t v) {
  set_movechance(v, move_.default_movechance);
  conflict_[v] = -1.0;
  town_[v] = 1;
}

void AgentEngine::make_camp(std::uint32_t v, bool idp) {
  const std::uint8_t was_camp = camp_[v];
  set_movechance(v, idp ? move_.idpcamp_movechance : move_.camp_movechance);
  camp_[v] = 1;
  town_[v] = 0;
  conflict_[v] = -1.0;
  if (!was_camp) mark_changed(v);  // a camp may be a sink: removal days change
}

void AgentEngine::make_town(std::uint32_t v) {
  const std::uint8_t was_camp = camp_[v];
  set_movechance(v, move_.default_movechance);
  camp_[v] = 0;
  town_[v] = 1;
  conflict_[v] = -1.0;
  if (was_camp) mark_changed(v);
}

void AgentEngine::set_sink(std::uint32_t v, double chance) {
  if (sink_[v] != chance) mark_changed(v);
  sink_[v] = chance;
}


void AgentEngine::set_movechance(std::uint32_t v, double value) {
  if (movechance_[v] != value) mark_changed(v);
  movechance_[v] = value;
}

// ---------------------------------------------------------------------------- people --

std::uint32_t AgentEngine::create_agent(std::uint32_t location, std::uint32_t cohort) {
  const std::size_t id = location_.size();
  if (id >= kNone - 1) throw InputError("agents: more than 4,294,967,293 agents");
  location_.push_back(location);
  arc_.push_back(kNone);
  km_on_arc_.push_back(0.0f);
  recent_.push_back(0.0f);
  recent_day_.push_back(next_day_ - 1);
  scheduled_.push_back(kNever);
  route_.push_back(kNone);
  cursor_.push_back(0);
  flags_.push_back(kAlive | kFirstLink);
  if (c_ > 1) cohort_.push_back(static_cast<std::uint8_t>(cohort));
  ++count_[slot(location, static_cast<std::uint32_t>(id))];
  ++total_[location];
  ++spawned_;
  return static_cast<std::uint32_t>(id);
}

void AgentEngine::add_agents(std::uint32_t v, std::uint64_t count, std::uint32_t cohort) {
  for (std::uint64_t i = 0; i < count; ++i) create_agent(v, cohort);
}

void AgentEngine::add(std::uint32_t v, const double* per_cohort) {
  for (std::size_t k = 0; k < c_; ++k) {
    const double x = per_cohort[k];
    if (!(x >= 1.0)) continue;
    if (!(x < 4.3e9)) throw InputError("agents: more than 4,294,967,293 agents");
    add_agents(v, static_cast<std::uint64_t>(x), static_cast<std::uint32_t>(k));
  }
}

double AgentEngine::release(std::uint32_t v, double people) {
  std::deque<std::uint32_t>& q = queue_[v];
  if (q.empty() || !(people >= 1.0)) return 0.0;
  const std::size_t n =
      people >= static_cast<double>(q.size()) ? q.size() : static_cast<std::size_t>(people);
  std::vector<std::uint64_t> entries;
  entries.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t a = q.front();
    q.pop_front();
    flags_[a] = static_cast<std::uint8_t>(flags_[a] & ~kQueued);
    queued_[slot(v, a)] -= 1.0;
    schedule(a, day_ + 1, day_ + 1, Purpose::kRelease, entries);
  }
  flush_scheduled(entries);
  return static_cast<double>(n);
}

double AgentEngine::take(std::uint32_t v, double people, double* out) {
  std::fill(out, out + c_, 0.0);
  std::deque<std::uint32_t>& q = queue_[v];
  if (q.empty() || !(people >= 1.0)) return 0.0;
  const std::size_t n =
      people >= static_cast<double>(q.size()) ? q.size() : static_cast<std::size_t>(people);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t a = q.front();
    q.pop_front();
    // Out of the engine for good: no longer alive, never scheduled, not counted anywhere.
    flags_[a] = static_cast<std::uint8_t>(flags_[a] & ~(kQueued | kAlive));
    set_scheduled(a, kNever);
    const std::size_t s = slot(v, a);
    queued_[s] -= 1.0;
    --count_[s];
    --total_[v];
    out[c_ == 1 ? 0 : cohort_[a]] += 1.0;
  }
  taken_ += n;
  return static_cast<double>(n);
}

void AgentEngine::people_at(std::uint32_t v, double* out) const {
  for (std::size_t k = 0; k < c_; ++k) out[k] = static_cast<double>(count_[v * c_ + k]);
}

void AgentEngine::people_all(double* out) const {
  for (std::size_t i = 0; i < n_ * c_; ++i) out[i] = static_cast<double>(count_[i]);
}

std::int64_t AgentEngine::at_locations() const {
  std::int64_t s = 0;
  for (const std::int64_t x : total_) s += x;
  return s;
}

std::size_t AgentEngine::bytes_per_agent() const {
  return sizeof(std::uint32_t) * 3 + sizeof(float) * 2 + sizeof(std::int32_t) * 2 +
         sizeof(std::uint8_t) * 2 + (c_ > 1 ? sizeof(std::uint8_t) : 0);
}

// --------------------------------------------------------------------------- helpers --

// The per-agent helpers of move_agent are forced inline: GCC inlines a function called from
// one place of its own accord only when the function is local to its file, and these are members
// of a class other files use; the calls would cost ~8% of a Flee case's run.


[[gnu::always_inline]] inline double AgentEngine::recent_travel(std::uint32_t a) const {
  // recent_[a] holds the value after the end of recent_day_[a]; every day since halves it.
  const std::int64_t halvings = static_cast<std::int64_t>(day_) - 1 - recent_day_[a];
  const double r = recent_[a];
  if (halvings <= 0) return r;
  if (halvings >= 1100) return 0.0;
  return std::ldexp(r, -static_cast<int>(halvings));
}

[[gnu::always_inline]] inline std::uint32_t AgentEngine::choose_path(std::uint32_t v,
                                                                     double u) const {
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

void AgentEngine::schedule(std::uint32_t a, std::int64_t move_from, std::int64_t removal_from,
                           Purpose purpose, std::vector<std::uint64_t>& out) {
  const std::uint32_t here = location_[a];
  const auto u = rng_.uniform2(a, day_, purpose, 0);
  const std::int64_t never = std::numeric_limits<std::int64_t>::max();
  auto after = [&](std::int64_t from, double p, double x) {
    const std::int64_t g = geometric_failures(p, x);
    return g >= never - from ? never : from + g;
  };
  const std::int64_t move_day = after(move_from, movechance_[here], u[0]);
  std::int64_t removal_day = never;
  if (camp_[here] && sink_[here] > 0.0) removal_day = after(removal_from, sink_[here], u[1]);
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

void AgentEngine::flush_scheduled(std::vector<std::uint64_t>& entries) {
  for (const std::uint64_t e : entries) {
    buckets_[static_cast<std::size_t>(e >> 32)].push_back(static_cast<std::uint32_t>(e));
  }
  entries.clear();
}

// ---------------------------------------------------------------------------- weights --

void AgentEngine::redraw_changed(int day) {
  std::vector<std::uint64_t> entries;
  if (any_changed_) {
    for (std::uint32_t a = 0; a < first_new_; ++a) {
      if ((flags_[a] & (kAlive | kQueued)) == kAlive && arc_[a] == kNone && route_[a] == kNone &&
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
  first_new_ = end;
  flush_scheduled(entries);
}

// The path weights as cumulative sums per location (closed paths repeat the sum before them),
// for choose_path's binary search.
void AgentEngine::compute_weights() {
  for (std::uint32_t v = 0; v < n_; ++v) {
    total_weight_[v] = path_weights(paths_, v, arc_closed_.data(), score_.data(), cap_mult_.data(),
                                    move_, cum_weight_.data());
    double running = 0.0;
    for (std::uint32_t p = paths_.first[v]; p < paths_.first[v + 1]; ++p) {
      if (cum_weight_[p] >= 0.0) running += cum_weight_[p];
      cum_weight_[p] = running;
    }
  }
}

// ------------------------------------------------------------------------ one agent's day --

[[gnu::always_inline]] inline AgentEngine::Step AgentEngine::begin_move(std::uint32_t a, Delta& d,
                                                                        double moved, int hop,
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
  const std::uint32_t arc = hop_arc(here, paths_.hop_arc[paths_.hop_first[p] + cursor_[a]], kNone);
  if (arc == kNone) {  // the link has vanished
    route_[a] = kNone;
    return Step::kStay;
  }
  const RouteId r = arcs_[arc].route;
  if (has_route_capacity_) {
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
  --d.population[slot(here, a)];
  ++d.in_transit;
  ++d.route_flow[r];
  return Step::kOnLink;
}

void AgentEngine::move_agent(std::uint32_t a, Delta& d, double moved, int hop,
                             std::uint32_t admitted, Mode mode) {
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
      ++d.population[slot(arc_tail_[arc], a)];
    } else {
      const std::uint32_t here = arcs_[arc].target;
      location_[a] = here;
      const std::size_t s = slot(here, a);
      ++d.population[s];
      ++d.arrivals[s];
      if (hold_[here]) {  // a reception queue: stop and wait, not scheduled, until released
        route_[a] = kNone;
        cursor_[a] = 0;
        flags_[a] = static_cast<std::uint8_t>(flags_[a] | kQueued);
        recent_[a] = static_cast<float>((recent + moved / move_.max_move_speed_km) / 2.0);
        recent_day_[a] = day_;
        set_scheduled(a, kNever);
        d.held.push_back(a);
        return;
      }
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

void AgentEngine::end_day(std::uint32_t a, Delta& d, double moved, double recent) {
  recent_[a] = static_cast<float>((recent + moved / move_.max_move_speed_km) / 2.0);
  recent_day_[a] = day_;
  if (arc_[a] != kNone) {
    set_scheduled(a, kNever);
    d.active.push_back(a);
    return;
  }
  const std::uint32_t here = location_[a];
  if (camp_[here] && sink_[here] > 0.0 && rng_.uniform(a, day_, Purpose::kSink, 0) < sink_[here]) {
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

void AgentEngine::remove_agent(std::uint32_t a, Delta& d) {
  flags_[a] = static_cast<std::uint8_t>(flags_[a] & ~kAlive);
  set_scheduled(a, kNever);
  --d.population[slot(location_[a], a)];
  ++d.departed;
}

// ------------------------------------------------------------------------------ one day --

void AgentEngine::step(int day) {
  if (day < 0 || day >= days_) {
    throw std::logic_error("agents: step(" + std::to_string(day) + ") outside the horizon of " +
                           std::to_string(days_) + " days");
  }
  day_ = day;
  std::fill(route_used_.begin(), route_used_.end(), 0u);
  std::fill(arrivals_.begin(), arrivals_.end(), 0.0);
  std::fill(route_flow_.begin(), route_flow_.end(), 0.0);
  redraw_changed(day);
  compute_scores(day, total_.data());
  compute_weights();
  process_day(day);
  next_day_ = day + 1;
}

void AgentEngine::process_day(int day) {
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
  for (Delta& d : deltas_) d.reset(n_ * c_, route_flow_.size());

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
    if (refresh_cap_mult(total_.data())) compute_weights();
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

void AgentEngine::merge(Delta& d) {
  for (std::size_t i = 0; i < n_ * c_; ++i) {
    count_[i] += d.population[i];
    total_[i / c_] += d.population[i];
    arrivals_[i] += static_cast<double>(d.arrivals[i]);
  }
  for (std::size_t r = 0; r < route_flow_.size(); ++r) {
    route_flow_[r] += static_cast<double>(d.route_flow[r]);
  }
  in_transit_ += d.in_transit;
  departed_ += d.departed;
  active_.insert(active_.end(), d.active.begin(), d.active.end());
  flush_scheduled(d.scheduled);
  pending_.insert(pending_.end(), d.next.begin(), d.next.end());
  parked_.insert(parked_.end(), d.parked.begin(), d.parked.end());
  for (const std::uint32_t a : d.held) {  // in the order they arrived
    const std::uint32_t v = location_[a];
    queue_[v].push_back(a);
    queued_[slot(v, a)] += 1.0;
  }
  std::fill(d.population.begin(), d.population.end(), 0);
  std::fill(d.arrivals.begin(), d.arrivals.end(), 0);
  std::fill(d.route_flow.begin(), d.route_flow.end(), 0);
  d.in_transit = 0;
  d.departed = 0;
  d.active.clear();
  d.next.clear();
  d.parked.clear();
  d.held.clear();
}

// Admits queued agents onto capacity-limited routes in the order of their random priority;
// the admitted resume their step in the next round, the others wait with their route.
void AgentEngine::resolve_queues() {
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

}  // namespace corridor::detail
