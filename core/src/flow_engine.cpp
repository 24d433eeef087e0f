// corridor — the expected-flow engine: the agent rules applied to fractions of people.
//
// Design notes:
// - Same rules, in expectation. Where an agent rolls its location's move chance, that share of
//   the people there moves; where it picks one of the paths on offer at random by weight, the
//   movers split over all of them in proportion to the weights (rules.hpp, the same weights,
//   scores and capacity multipliers as agents.cpp). Round 0 of a day moves the people due today
//   with the start-of-day occupancy; the chained hops after arrivals with distance to spare
//   then move in passes, one band of km moved today at a time (lowest first, over all
//   locations), each seeing the occupancy after the earlier ones; routes with a daily capacity
//   admit people pro rata between passes.
// - State. People at a location are a per-cohort vector in one of four pools: fresh (never
//   finished a link: with start_on_foot their first link is walked), free (travelled), planned
//   (packets with the rest of a multi-hop path; awareness_level > 1 or markers) and held (a
//   reception queue: arrivals at a holding location stop and wait until a driver releases
//   them). People on a route are packets keyed by arc, km covered, plan and first-link flag.
//   Cohorts never change the rules, so every share applies to every cohort alike and each
//   cohort's numbers are exactly what a run of that cohort alone would give. When every
//   person added splits over the cohorts by one set of shares (`one_split`), the vectors are
//   proportional everywhere: the engine carries the totals (C = 1 inside) and multiplies them
//   out by the shares where a driver reads or takes people by cohort.
// - The individual history behind avoid_short_stints (an agent's recent travel index, halved
//   each day plus the day's km over max_move_speed) is carried as a mean per pool or packet,
//   merged by weight; the rule's threshold then applies to the mean. Chained movers are pooled
//   per location and band of km moved today; within a band their km are taken as spread evenly
//   over the band's width about the band's mean, so the rules' thresholds on km moved (go on
//   while under max_move_speed; avoid_short_stints) take the share of the band on each side
//   instead of all or nothing. These are the only places where the expectation is approximate.
// - Packets with the same key are merged at the end of each day, so their number is bounded by
//   arcs x distinct positions on them, not by days or people. Amounts are never dropped: tiny
//   shares travel on like the rest, which keeps the account exact.
// - Conservation: spawned = at locations + in transit + departed, checked every day to 1e-9
//   relative by the drivers.
// - Cost. A hop only adds km, so chained movers land in the band they left or a later one: a
//   pass over the lowest band in use moves every location's movers of that band at once, and
//   each slot (location x band) moves once a day, plus again for people who landed in it during
//   its own pass (hops shorter than a band: a pass takes its band's people out first, so they
//   wait for the next pass whatever the location order), however many hops apart they
//   arrived. A day thus costs the slots in use times the paths on offer at each, not rounds
//   times slots as when the chained hops moved round by round (up to 64 rounds a day on
//   networks of short links, most of them carrying tiny shares). What a hop does is kept lean:
//   each path's share of its location's total weight is divided once when the weights change
//   (and only the locations with a path to a place whose capacity multiplier moved are
//   reweighed between passes), an arc's hop data is one record, a hop's C amounts are
//   multiplied once, and a pass walks a bitmap of its band's slots in location order. See
//   docs/expected.md, "Speed".
// - Memory. On large networks a pass is bound by the latency of scattered loads (the records
//   a hop adds to, at its target's band), not by arithmetic: a pass asks for the path data of
//   the slot four ahead and for the target records of the slot two ahead before it needs them,
//   so the loads overlap (when the slots outgrow the caches: on small networks it costs more
//   than it saves); people setting off are summed per arc (next to the arc's other
//   data) and into the routes' flows once a day; between passes only the counts of places
//   with a capacity (all the capacity multipliers read) are brought up to date.
#include "flow_engine.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <tuple>

#include "corridor/error.hpp"

namespace corridor::detail {
namespace {
constexpr int kMaxHopsPerDay = 64;
constexpr std::size_t kPrefetchBytes = std::size_t{1} << 20;  // slots larger than this: prefetch
constexpr std::size_t kMovedBins = 20;  // bands of km moved today (chained movers)

/// The share of people whose km lie below `limit` when they are spread evenly over `spread` km
/// about `mean` (all or none when spread is 0).
double share_below(double limit, double mean, double spread) {
  if (!(spread > 0.0)) return mean < limit ? 1.0 : 0.0;
  return std::clamp((limit - (mean - spread / 2.0)) / spread, 0.0, 1.0);
}

/// People who arrive having moved `moved` km today (spread evenly over `spread` km about it):
/// the share `on` still under `speed`, who may hop on, and the mean km of those who go on and
/// of those who stop.
struct SpeedSplit {
  double on, moved_on, moved_stop;
};
SpeedSplit split_at_speed(double speed, double moved, double spread) {
  const double on = share_below(speed, moved, spread);
  if (on <= 0.0 || on >= 1.0) return {on, moved, moved};
  return {on, (moved - spread / 2.0 + speed) / 2.0, (speed + moved + spread / 2.0) / 2.0};
}
}

void FlowEngine::Packets::add(Packet p, const double* src, double scale) {
  bool any = false;
  for (std::size_t k = 0; k < c; ++k) {
    if (src[k] * scale != 0.0) {
      any = true;
      break;
    }
  }
  if (!any) return;
  p.at = amounts.size();
  for (std::size_t k = 0; k < c; ++k) amounts.push_back(src[k] * scale);
  items.push_back(p);
}

FlowEngine::FlowEngine(const Network& network, const MoveRules& move,
                       const std::vector<FleeLocation>& flee_locations,
                       const std::vector<FleeRoute>& flee_routes, std::size_t cohorts,
                       std::vector<double> conflict_decay, int decay_interval,
                       std::vector<double> one_split)
    : FleePlaces(network, move, flee_locations, flee_routes, std::move(conflict_decay),
                 decay_interval),
      c_(one_split.empty() ? std::max<std::size_t>(cohorts, 1) : 1),
      split_(std::move(one_split)) {
  if (!split_.empty() && split_.size() != cohorts) {
    throw std::invalid_argument("FlowEngine: one_split needs one share per cohort");
  }
  split_arrivals_.assign(split_.size() * n_, 0.0);
  split_queued_.assign(split_.size(), 0.0);
  const std::size_t m = arcs_.size();
  const auto routes = net_.routes();
  route_used_.assign(routes.size(), 0.0);
  starters_.assign(2 * m * c_, 0.0);
  starters_total_.assign(2 * m, 0.0);
  starters_recent_.assign(2 * m, 0.0);
  starters_used_.assign(2 * m, 0);
  simple_arc_.assign(m, 0);
  hop_arc_.resize(m);
  for (std::size_t a = 0; a < m; ++a) {
    simple_arc_[a] = !std::isfinite(route_capacity_[arcs_[a].route]) && arc_walk_[a] == 0.0;
    hop_arc_[a] = {arcs_[a].distance_km, arc_speed_[a], arcs_[a].target, arcs_[a].route};
  }
  const std::size_t entries = paths_.end.size();
  weight_.assign(entries, 0.0);
  ratio_.assign(entries, 0.0);
  path_arc_.resize(entries);
  path_simple_.resize(entries);
  for (std::size_t e = 0; e < entries; ++e) {
    path_arc_[e] = paths_.hop_arc[paths_.hop_first[e]];
    path_simple_[e] = simple_arc_[path_arc_[e]] && paths_.hop_first[e + 1] - paths_.hop_first[e] == 1;
  }
  // Sources of the paths ending at each location, each source once.
  {
    std::vector<std::uint32_t> last(n_, 0xFFFFFFFFu);
    source_first_.assign(n_ + 1, 0);
    for (std::uint32_t v = 0; v < n_; ++v) {
      for (std::uint32_t e = paths_.first[v]; e < paths_.first[v + 1]; ++e) {
        const std::uint32_t u = paths_.end[e];
        if (last[u] != v) {
          last[u] = v;
          ++source_first_[u + 1];
        }
      }
    }
    for (std::size_t u = 0; u < n_; ++u) source_first_[u + 1] += source_first_[u];
    sources_.resize(source_first_[n_]);
    std::vector<std::uint32_t> fill(source_first_.begin(), source_first_.end() - 1);
    std::fill(last.begin(), last.end(), 0xFFFFFFFFu);
    for (std::uint32_t v = 0; v < n_; ++v) {
      for (std::uint32_t e = paths_.first[v]; e < paths_.first[v + 1]; ++e) {
        const std::uint32_t u = paths_.end[e];
        if (last[u] != v) {
          last[u] = v;
          sources_[fill[u]++] = v;
        }
      }
    }
  }
  stale_mark_.assign(n_, 0);
  scratch_.assign(c_, 0.0);
  fresh_.assign(n_ * c_, 0.0);
  free_.assign(n_ * c_, 0.0);
  held_.assign(n_ * c_, 0.0);
  free_total_.assign(n_, 0.0);
  recent_sum_.assign(n_, 0.0);
  count_.assign(n_, 0.0);
  count_delta_.assign(n_, 0.0);
  arrivals_.assign(n_ * c_, 0.0);
  route_flow_.assign(routes.size(), 0.0);
  arc_flow_.assign(m, 0.0);
  planned_.c = c_;
  transit_.c = c_;
  double fastest = std::max(move_.max_move_speed_km, move_.max_walk_speed_km);
  for (const double sp : arc_speed_) fastest = std::max(fastest, sp);
  slots_.init(n_, c_, kMovedBins, fastest / kMovedBins);
  // Prefetching pays where the slots outgrow the caches (on the Flee cases, of tens of
  // places, it costs more than it saves).
  prefetch_ = slots_.storage.size() * sizeof(double) > kPrefetchBytes;
}

// ----------------------------------------------------------------------------- roles --

void FlowEngine::start_conflict(std::uint32_t v, double intensity, int day) {
  movechance_[v] = move_.conflict_movechance;
  conflict_[v] = intensity;
  town_[v] = 0;
  time_of_conflict_[v] = day;
}

void FlowEngine::end_conflict(std::uint32_t v) {
  movechance_[v] = move_.default_movechance;
  conflict_[v] = -1.0;
  town_[v] = 1;
}

void FlowEngine::make_camp(std::uint32_t v, bool idp) {
  movechance_[v] = idp ? move_.idpcamp_movechance : move_.camp_movechance;
  camp_[v] = 1;
  town_[v] = 0;
  conflict_[v] = -1.0;
}

void FlowEngine::make_town(std::uint32_t v) {
  movechance_[v] = move_.default_movechance;
  camp_[v] = 0;
  town_[v] = 1;
  conflict_[v] = -1.0;
}


// ---------------------------------------------------------------------------- people --

void FlowEngine::add(std::uint32_t v, const double* per_cohort) {
  if (!split_.empty()) {  // the total: the cohorts are in the one split's proportions
    const double total = std::accumulate(per_cohort, per_cohort + split_.size(), 0.0);
    fresh_[v] += total;
    count_[v] += total;
    spawned_ += total;
    return;
  }
  double sum = 0.0;
  for (std::size_t k = 0; k < c_; ++k) {
    fresh_[v * c_ + k] += per_cohort[k];
    sum += per_cohort[k];
  }
  count_[v] += sum;
  spawned_ += sum;
}

double FlowEngine::release(std::uint32_t v, double people) {
  const double queue = queued_total(v);
  if (!(queue > 0.0) || !(people > 0.0)) return 0.0;
  const double share = std::min(1.0, people / queue);
  double moved = 0.0;
  for (std::size_t k = 0; k < c_; ++k) {
    const double x = share >= 1.0 ? held_[v * c_ + k] : held_[v * c_ + k] * share;
    held_[v * c_ + k] -= x;
    free_[v * c_ + k] += x;
    moved += x;
  }
  free_total_[v] += moved;  // released with a recent travel index of 0: they waited
  return moved;
}

double FlowEngine::take(std::uint32_t v, double people, double* out) {
  if (!split_.empty()) {
    double total = 0.0;
    const double moved = take_carried(v, people, &total);
    split(total, out);
    return moved;
  }
  return take_carried(v, people, out);
}

double FlowEngine::take_carried(std::uint32_t v, double people, double* out) {
  std::fill(out, out + c_, 0.0);
  const double queue = queued_total(v);
  if (!(queue > 0.0) || !(people > 0.0)) return 0.0;
  const double share = std::min(1.0, people / queue);
  double moved = 0.0;
  for (std::size_t k = 0; k < c_; ++k) {
    const double x = share >= 1.0 ? held_[v * c_ + k] : held_[v * c_ + k] * share;
    held_[v * c_ + k] -= x;
    out[k] = x;
    moved += x;
  }
  count_[v] -= moved;
  taken_ += moved;
  return moved;
}

void FlowEngine::people_at(std::uint32_t v, double* out) const {
  if (!split_.empty()) {
    double total = 0.0;
    people_carried(v, &total);
    split(total, out);
    return;
  }
  people_carried(v, out);
}

void FlowEngine::people_carried(std::uint32_t v, double* out) const {
  for (std::size_t k = 0; k < c_; ++k) {
    out[k] = fresh_[v * c_ + k] + free_[v * c_ + k] + held_[v * c_ + k];
  }
  for (const Packet& p : planned_.items) {
    if (p.where != v) continue;
    const double* a = planned_.of(p);
    for (std::size_t k = 0; k < c_; ++k) out[k] += a[k];
  }
}

double FlowEngine::total_at(std::uint32_t v) const { return count_[v]; }

void FlowEngine::people_all(double* out) const {
  if (!split_.empty()) {  // the totals into out[0..n), then spread out from the last place down
    const std::size_t cx = split_.size();
    for (std::size_t i = 0; i < n_; ++i) out[i] = fresh_[i] + free_[i] + held_[i];
    for (const Packet& p : planned_.items) out[p.where] += planned_.of(p)[0];
    for (std::size_t i = n_; i-- > 0;) split(out[i], out + i * cx);  // i * cx >= i: read first
    return;
  }
  for (std::size_t i = 0; i < n_ * c_; ++i) out[i] = fresh_[i] + free_[i] + held_[i];
  for (const Packet& p : planned_.items) {
    const double* a = planned_.of(p);
    for (std::size_t k = 0; k < c_; ++k) out[p.where * c_ + k] += a[k];
  }
}

const double* FlowEngine::queued(std::uint32_t v) const {
  if (split_.empty()) return held_.data() + v * c_;
  split(held_[v], split_queued_.data());
  return split_queued_.data();
}

double FlowEngine::queued_total(std::uint32_t v) const {
  double s = 0.0;
  for (std::size_t k = 0; k < c_; ++k) s += held_[v * c_ + k];
  return s;
}

double FlowEngine::in_transit() const {
  return std::accumulate(transit_.amounts.begin(), transit_.amounts.end(), 0.0);
}

double FlowEngine::at_locations() const {
  double s = 0.0;
  for (std::size_t i = 0; i < n_ * c_; ++i) s += fresh_[i] + free_[i] + held_[i];
  return s + std::accumulate(planned_.amounts.begin(), planned_.amounts.end(), 0.0);
}

// ---------------------------------------------------------------------------- weights --

void FlowEngine::compute_weights() {
  for (std::uint32_t v = 0; v < n_; ++v) compute_weights(v);
}

// The weights of v's paths and each one's share of their total (the same division for every
// group that leaves v until the weights change).
void FlowEngine::compute_weights(std::uint32_t v) {
  const double total = path_weights(paths_, v, arc_closed_.data(), score_.data(),
                                    cap_mult_.data(), move_, weight_.data());
  total_weight_[v] = total;
  for (std::uint32_t e = paths_.first[v]; e < paths_.first[v + 1]; ++e) {
    ratio_[e] = weight_[e] > 0.0 ? weight_[e] / total : 0.0;
  }
}

// FleePlaces::refresh_cap_mult with the counts of this engine, then new weights for the
// locations with a path to a place whose multiplier changed (the others' are unchanged).
// Returns true if a multiplier changed.
bool FlowEngine::refresh_weights() {
  for (const std::uint32_t u : limited_) {
    const double m = cap_multiplier(capacity_[u], move_, count_[u] + extra_[u]);
    if (m == cap_mult_[u]) continue;
    cap_mult_[u] = m;
    for (std::uint32_t i = source_first_[u]; i < source_first_[u + 1]; ++i) {
      const std::uint32_t v = sources_[i];
      if (!stale_mark_[v]) {
        stale_mark_[v] = 1;
        stale_.push_back(v);
      }
    }
  }
  if (stale_.empty()) return false;
  for (const std::uint32_t v : stale_) {
    compute_weights(v);
    stale_mark_[v] = 0;
  }
  stale_.clear();
  return true;
}

// -------------------------------------------------------------------------- movement --

// A packet due to move: a chained arrival first rolls its location's move chance (forced on out
// of a town by avoid_short_stints, certain with a planned path); then it moves on.
void FlowEngine::process(const Packet& p, const double* a, Packets& next, Packets& parked) {
  double go = 1.0;
  if (p.chained && p.admitted == kNoPath && p.path == kNoPath) {
    const std::uint32_t here = p.where;
    // avoid_short_stints forces on the people with (recent + moved / max speed) / 2 < 0.5:
    // moved < limit, a share of the people when their km moved are spread.
    double forced = 0.0;
    if (move_.avoid_short_stints && town_[here]) {
      const double limit = (1.0 - p.recent) * move_.max_move_speed_km;
      forced = share_below(limit, p.moved, p.spread);
    }
    go = forced + (1.0 - forced) * movechance_[here];
    if (go < 1.0) end_day(p, a, 1.0 - go, here, p.moved);
  }
  if (!(go > 0.0)) return;
  if (p.path == kNoPath) {
    select_paths(p, a, go, next, parked);
  } else {
    begin_move(p, a, go, next, parked);
  }
}

// Prefetches, so that the scattered loads of a pass overlap instead of waiting one after
// another (a pass is bound by them, not by arithmetic): the data of v's paths, and the records
// the simple hops of v's people (having moved `moved` km today) will add to.
void FlowEngine::prefetch_paths(std::uint32_t v) const {
  const std::uint32_t first = paths_.first[v], last = paths_.first[v + 1];
  if (first == last) return;
  __builtin_prefetch(ratio_.data() + first);
  __builtin_prefetch(ratio_.data() + last - 1);
  __builtin_prefetch(path_arc_.data() + first);
  __builtin_prefetch(path_simple_.data() + first);
  __builtin_prefetch(hop_arc_.data() + path_arc_[first]);
  __builtin_prefetch(hop_arc_.data() + path_arc_[last - 1]);
}

void FlowEngine::prefetch_targets(std::uint32_t v, double moved) const {
  for (std::uint32_t e = paths_.first[v]; e < paths_.first[v + 1]; ++e) {
    if (!path_simple_[e]) continue;
    const HopArc& h = hop_arc_[path_arc_[e]];
    __builtin_prefetch(slots_.address(h.target, moved + h.length_km), 1);
    __builtin_prefetch(arrivals_.data() + static_cast<std::size_t>(h.target) * c_, 1);
    __builtin_prefetch(free_.data() + static_cast<std::size_t>(h.target) * c_, 1);
    __builtin_prefetch(count_delta_.data() + h.target, 1);
  }
}

// moving.selectRoute, every choice at once: the share `scale` of `a` splits over the paths on
// offer by weight.
void FlowEngine::select_paths(const Packet& p, const double* a, double scale, Packets& next,
                              Packets& parked) {
  const std::uint32_t here = p.where;
  if (!(total_weight_[here] > 0.0)) {
    end_day(p, a, scale, here, p.moved);
    return;
  }
  double stay = 0.0;
  double left = 0.0;  // people who set off on simple hops (one update of the count)
  const double sum = std::accumulate(a, a + c_, 0.0);
  for (std::uint32_t e = paths_.first[here]; e < paths_.first[here + 1]; ++e) {
    if (!(weight_[e] > 0.0)) continue;
    const double share = scale * ratio_[e];
    const std::uint32_t goal = paths_.end[e];
    if (camp_[goal] && cap_mult_[goal] < 0.5) {  // check_dest_is_full_camp
      stay += share;
      continue;
    }
    if (path_simple_[e]) {
      left += sum * share;
      hop_simple(p, a, sum * share, share, path_arc_[e]);
      continue;
    }
    Packet q = p;
    q.path = e;
    q.cursor = 0;
    take_hop(q, a, share, path_arc_[e], next, parked);
  }
  count_delta_[here] -= left;
  if (stay > 0.0) end_day(p, a, stay, here, p.moved);
}

// Person.take_next_step on a planned path.
void FlowEngine::begin_move(Packet p, const double* a, double scale, Packets& next,
                            Packets& parked) {
  const std::uint32_t here = p.where;
  const std::uint32_t goal = paths_.end[p.path];
  if (camp_[goal] && cap_mult_[goal] < 0.5) {
    p.path = kNoPath;
    end_day(p, a, scale, here, p.moved);
    return;
  }
  const std::uint32_t arc =
      hop_arc(here, paths_.hop_arc[paths_.hop_first[p.path] + p.cursor], kNoPath);
  if (arc == kNoPath) {  // the link has vanished
    p.path = kNoPath;
    end_day(p, a, scale, here, p.moved);
    return;
  }
  take_hop(p, a, scale, arc, next, parked);
}

// take_hop + travel + arrive for the common case, without building packets: a one-hop path over
// an arc without a daily capacity or walking chance (`people` = the sum of a x scale).
void FlowEngine::hop_simple(const Packet& p, const double* a, double people, double scale,
                            std::uint32_t arc) {
  const HopArc& h = hop_arc_[arc];
  ++work_.hops;
  arc_flow_[arc] += people;
  double* b = scratch_.data();
  for (std::size_t k = 0; k < c_; ++k) b[k] = a[k] * scale;
  const double speed = p.first && move_.start_on_foot ? move_.max_walk_speed_km : h.speed_km;
  if (!(speed > h.length_km)) {  // still on the arc tonight: with today's other starters on it
    const std::size_t slot = 2 * static_cast<std::size_t>(arc) + (p.first ? 1 : 0);
    if (!starters_used_[slot]) {
      starters_used_[slot] = 1;
      starters_touched_.push_back(static_cast<std::uint32_t>(slot));
    }
    double* x = starters_.data() + slot * c_;
    for (std::size_t k = 0; k < c_; ++k) x[k] += b[k];
    starters_total_[slot] += people;
    starters_recent_[slot] += people * ((p.recent + (p.moved + speed) / move_.max_move_speed_km) / 2.0);
    return;
  }
  double moved = p.moved + h.length_km;
  const std::uint32_t there = h.target;
  double* arrived = arrivals_.data() + there * c_;
  for (std::size_t k = 0; k < c_; ++k) arrived[k] += b[k];
  count_delta_[there] += people;
  if (hold_[there]) {
    double* queue = held_.data() + there * c_;
    for (std::size_t k = 0; k < c_; ++k) queue[k] += b[k];
    return;
  }
  const SpeedSplit split = p.hop + 1 < kMaxHopsPerDay ? split_at_speed(speed, moved, p.spread)
                                                     : SpeedSplit{0.0, moved, moved};
  if (split.on > 0.0) {
    if (split.on >= 1.0) {
      slots_.add(there, moved, p.recent, b);
      return;
    }
    for (std::size_t k = 0; k < c_; ++k) b[k] *= split.on;
    slots_.add(there, split.moved_on, p.recent, b);
    const double stop = 1.0 - split.on;  // the farther travelled stop here for the day
    for (std::size_t k = 0; k < c_; ++k) b[k] = a[k] * scale * stop;
    people *= stop;
  }
  moved = split.moved_stop;
  double* rest = free_.data() + there * c_;
  for (std::size_t k = 0; k < c_; ++k) rest[k] += b[k];
  free_total_[there] += people;
  recent_sum_[there] += people * ((p.recent + moved / move_.max_move_speed_km) / 2.0);
}

void FlowEngine::take_hop(Packet p, const double* a, double scale, std::uint32_t arc,
                          Packets& next, Packets& parked) {
  const RouteId r = arcs_[arc].route;
  if (has_route_capacity_ && std::isfinite(route_capacity_[r]) && p.admitted != r) {
    parked.add(p, a, scale);  // waits for a place on the route (resolve_parked)
    return;
  }
  p.admitted = kNoPath;
  if (++p.cursor == paths_.hop_first[p.path + 1] - paths_.hop_first[p.path]) {
    p.path = kNoPath;
    p.cursor = 0;
  }
  double sum = 0.0;
  for (std::size_t k = 0; k < c_; ++k) sum += a[k] * scale;
  ++work_.hops;
  count_delta_[p.where] -= sum;
  arc_flow_[arc] += sum;
  p.km = 0.0;
  travel(p, a, scale, arc, next);
}

// Person.finish_travel for the people of a packet on `arc` (p.km covered so far).
void FlowEngine::travel(Packet p, const double* a, double scale, std::uint32_t arc,
                        Packets& next) {
  double speed = arc_speed_[arc];
  if (p.first && move_.start_on_foot) speed = move_.max_walk_speed_km;
  const double walk = arc_walk_[arc];
  auto go = [&](double share, double sp) {
    const double length = arcs_[arc].distance_km;
    const double km = p.km + sp;
    double moved = p.moved + sp;
    if (km > length) {
      moved += length - km;  // only the km actually needed count
      arrive(p, a, share, arc, moved, sp, next);
    } else {
      Packet q = p;
      q.where = arc;
      q.km = km;
      q.recent = (p.recent + moved / move_.max_move_speed_km) / 2.0;
      q.moved = 0.0;
      q.spread = 0.0;
      q.hop = 0;
      q.chained = false;
      transit_.add(q, a, share);
    }
  };
  if (walk > 0.0 && speed != move_.max_walk_speed_km) {
    go(scale * walk, move_.max_walk_speed_km);
    go(scale * (1.0 - walk), speed);
  } else {
    go(scale, speed);
  }
}

void FlowEngine::arrive(const Packet& p, const double* a, double scale, std::uint32_t arc,
                        double moved, double speed, Packets& next) {
  Packet q = p;
  q.first = false;
  q.km = 0.0;
  if (arc_closed_[arc]) {  // closed while on it: back to its start, no further hop
    const std::uint32_t tail = arc_tail_[arc];
    double sum = 0.0;
    for (std::size_t k = 0; k < c_; ++k) sum += a[k] * scale;
    count_delta_[tail] += sum;
    q.path = kNoPath;  // Flee keeps the route; its next hop is the closed link, dropped at once
    end_day(q, a, scale, tail, moved);
    return;
  }
  const std::uint32_t here = arcs_[arc].target;
  double sum = 0.0;
  for (std::size_t k = 0; k < c_; ++k) {
    arrivals_[here * c_ + k] += a[k] * scale;
    sum += a[k] * scale;
  }
  count_delta_[here] += sum;
  if (hold_[here]) {  // a reception queue: stop and wait
    for (std::size_t k = 0; k < c_; ++k) held_[here * c_ + k] += a[k] * scale;
    return;
  }
  q.where = here;
  const SpeedSplit split = p.hop + 1 < kMaxHopsPerDay ? split_at_speed(speed, moved, p.spread)
                                                     : SpeedSplit{0.0, moved, moved};
  if (split.on > 0.0) {
    const double go = scale * split.on;
    if (q.path == kNoPath) {
      double* b = scratch_.data();
      for (std::size_t k = 0; k < c_; ++k) b[k] = a[k] * go;
      slots_.add(here, split.moved_on, p.recent, b);
    } else {
      q.moved = split.moved_on;
      q.hop = p.hop + 1;
      q.chained = true;
      next.add(q, a, go);
    }
    if (split.on >= 1.0) return;
    q = p;  // the rest stop here
    q.first = false;
    q.km = 0.0;
    q.where = here;
  }
  end_day(q, a, scale * (1.0 - split.on), here, split.moved_stop);
}

// The people stop for the day at `here`, having moved `moved` km today.
void FlowEngine::end_day(const Packet& p, const double* a, double scale, std::uint32_t here,
                         double moved) {
  const double recent = (p.recent + moved / move_.max_move_speed_km) / 2.0;
  if (p.path != kNoPath) {
    Packet q = p;
    q.where = here;
    q.recent = recent;
    q.moved = 0.0;
    q.spread = 0.0;
    q.hop = 0;
    q.chained = false;
    q.admitted = kNoPath;
    q.km = 0.0;
    planned_.add(q, a, scale);
    return;
  }
  if (p.first) {  // still has its first link ahead: recent travel stays 0
    for (std::size_t k = 0; k < c_; ++k) fresh_[here * c_ + k] += a[k] * scale;
    return;
  }
  double sum = 0.0;
  for (std::size_t k = 0; k < c_; ++k) {
    free_[here * c_ + k] += a[k] * scale;
    sum += a[k] * scale;
  }
  free_total_[here] += sum;
  recent_sum_[here] += sum * recent;
}

// Routes with a daily capacity admit their queue pro rata; the admitted go on in the next round,
// the others keep their path and try again tomorrow.
void FlowEngine::resolve_parked(Packets& parked, Packets& next) {
  if (parked.items.empty()) return;
  std::vector<double> demand(route_capacity_.size(), 0.0);
  auto route_of = [&](const Packet& p) {
    const std::uint32_t planned = paths_.hop_arc[paths_.hop_first[p.path] + p.cursor];
    const std::uint32_t arc = hop_arc(p.where, planned, kNoPath);
    return arcs_[arc == kNoPath ? planned : arc].route;
  };
  for (const Packet& p : parked.items) {
    const double* a = parked.of(p);
    demand[route_of(p)] += std::accumulate(a, a + c_, 0.0);
  }
  std::vector<double> share(route_capacity_.size(), 0.0);
  for (std::size_t r = 0; r < demand.size(); ++r) {
    if (!(demand[r] > 0.0)) continue;
    const double room = std::max(0.0, route_capacity_[r] - route_used_[r]);
    share[r] = std::min(1.0, room / demand[r]);
    route_used_[r] += share[r] * demand[r];
  }
  for (const Packet& p : parked.items) {
    const double* a = parked.of(p);
    const RouteId r = route_of(p);
    if (share[r] > 0.0) {
      Packet q = p;
      q.admitted = r;
      next.add(q, a, share[r]);
    }
    if (share[r] < 1.0) end_day(p, a, 1.0 - share[r], p.where, p.moved);
  }
  parked.clear();
}

void FlowEngine::merge(Packets& list, bool on_arcs) {
  const std::size_t c = list.c;
  std::vector<std::size_t> order(list.items.size());
  std::iota(order.begin(), order.end(), 0);
  auto key = [&](const Packet& p) {
    return std::tuple(p.where, on_arcs ? p.km : 0.0, p.path, p.cursor, p.first);
  };
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return key(list.items[x]) < key(list.items[y]);
  });
  Packets out;
  out.c = c;
  out.items.reserve(list.items.size());
  out.amounts.reserve(list.amounts.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    const Packet& p = list.items[order[i]];
    const double* a = list.of(p);
    const double sum = std::accumulate(a, a + c, 0.0);
    if (!out.items.empty() && key(out.items.back()) == key(p)) {
      Packet& q = out.items.back();
      double* b = out.amounts.data() + q.at;
      const double before = std::accumulate(b, b + c, 0.0);
      for (std::size_t k = 0; k < c; ++k) b[k] += a[k];
      if (before + sum > 0.0) q.recent = (q.recent * before + p.recent * sum) / (before + sum);
      continue;
    }
    Packet q = p;
    q.at = out.amounts.size();
    out.amounts.insert(out.amounts.end(), a, a + c);
    out.items.push_back(q);
  }
  list = std::move(out);
}

// Merges the packets from `from` on among themselves (the ones before are unique already).
void FlowEngine::merge_tail(Packets& list, std::size_t from) {
  if (list.items.size() - from < 2) return;
  Packets tail;
  tail.c = list.c;
  for (std::size_t i = from; i < list.items.size(); ++i) {
    tail.add(list.items[i], list.of(list.items[i]), 1.0);
  }
  merge(tail, true);
  const std::size_t keep = from == 0 ? 0 : list.items[from].at;
  list.items.resize(from);
  list.amounts.resize(keep);
  for (const Packet& p : tail.items) list.add(p, tail.of(p), 1.0);
}

void FlowEngine::Slots::init(std::size_t locations, std::size_t cohorts, std::size_t num_bins,
                             double bin_km) {
  c = cohorts;
  bins = num_bins;
  width = bin_km;
  stride = (3 + c + 3) / 4 * 4;
  span = (locations + 63) / 64 * 64;
  const std::size_t slots = span * bins;
  storage.assign(slots * stride + 8, 0.0);
  const auto address = reinterpret_cast<std::uintptr_t>(storage.data());
  base = ((64 - address % 64) % 64) / sizeof(double);
  used.assign(slots / 64, 0);
  band_used.assign(bins, 0);
}

void FlowEngine::Slots::add(std::uint32_t v, double moved, double recent, const double* b) {
  double sum = 0.0;
  for (std::size_t k = 0; k < c; ++k) sum += b[k];
  if (!(sum > 0.0)) return;
  const std::size_t band = bin(moved);
  const std::size_t slot = band * span + v;
  double* x = record(slot);
  used[slot / 64] |= std::uint64_t{1} << (slot % 64);
  band_used[band] = 1;
  x[0] += sum;
  x[1] += sum * moved;
  x[2] += sum * recent;
  for (std::size_t k = 0; k < c; ++k) x[3 + k] += b[k];
}

std::size_t FlowEngine::Slots::lowest() const {
  std::size_t b = 0;
  while (b < bins && !band_used[b]) ++b;
  return b;
}

// ------------------------------------------------------------------------------- day --

void FlowEngine::step(int day) {
  std::fill(arrivals_.begin(), arrivals_.end(), 0.0);
  std::fill(route_flow_.begin(), route_flow_.end(), 0.0);
  std::fill(arc_flow_.begin(), arc_flow_.end(), 0.0);
  std::fill(route_used_.begin(), route_used_.end(), 0.0);
  std::fill(count_delta_.begin(), count_delta_.end(), 0.0);
  compute_scores(day, count_.data());
  compute_weights();
  limited_.clear();
  for (std::uint32_t v = 0; v < n_; ++v) {
    if (std::isfinite(capacity_[v])) limited_.push_back(v);
  }

  // Round 0: people on routes go on; the share of every pool due to move sets off.
  Packets round;
  round.c = c_;
  Packets next;
  next.c = c_;
  Packets parked;
  parked.c = c_;
  {
    Packets on_arcs;
    on_arcs.c = c_;
    std::swap(on_arcs, transit_);
    transit_.c = c_;
    Packets resting;
    resting.c = c_;
    std::swap(resting, planned_);
    planned_.c = c_;
    std::vector<double> a(c_);
    for (std::uint32_t v = 0; v < n_; ++v) {
      const double mc = movechance_[v];
      if (!(mc > 0.0)) {
        recent_sum_[v] *= 0.5;
        continue;
      }
      Packet p;
      p.where = v;
      p.first = true;
      round.add(p, fresh_.data() + v * c_, mc);
      for (std::size_t k = 0; k < c_; ++k) fresh_[v * c_ + k] *= 1.0 - mc;
      if (free_total_[v] > 0.0) {
        Packet q;
        q.where = v;
        q.recent = recent_sum_[v] / free_total_[v];
        round.add(q, free_.data() + v * c_, mc);
        for (std::size_t k = 0; k < c_; ++k) free_[v * c_ + k] *= 1.0 - mc;
        free_total_[v] *= 1.0 - mc;
        recent_sum_[v] *= 1.0 - mc;
      }
      recent_sum_[v] *= 0.5;  // those who stay: half of yesterday's index
    }
    for (const Packet& p : resting.items) round.add(p, resting.of(p), 1.0);  // planned: certain
    for (const Packet& p : on_arcs.items) {
      Packet q = p;
      q.moved = 0.0;
      q.spread = 0.0;
      q.hop = 0;
      travel(q, on_arcs.of(p), 1.0, p.where, next);
    }
  }
  const std::size_t still_on_arcs = transit_.items.size();
  for (const Packet& p : round.items) process(p, round.of(p), next, parked);

  // Later passes: chained hops and admitted queues, seeing the earlier passes' arrivals. Each
  // pass moves the chained movers of the lowest band of km moved today that holds any, over all
  // locations at once: a hop only adds km, so it lands in the same band or a later one, and
  // every slot is moved once a day (again only if a hop shorter than a band lands in it during
  // its own pass), however many hops apart its people arrived. Packets (planned paths,
  // admitted queues) move at the pass after the one that made them, as the rounds did.
  std::vector<int> band_passes(slots_.bins, 0);
  for (;;) {
    resolve_parked(parked, next);
    // Between passes only the capacity multipliers read the counts: bring those up to date
    // (the rest at the end of the day).
    for (const std::uint32_t u : limited_) {
      count_[u] += count_delta_[u];
      count_delta_[u] = 0.0;
    }
    const std::size_t band = slots_.lowest();
    if (next.items.empty() && band == slots_.bins) break;
    refresh_weights();
    round.clear();
    std::swap(round, next);
    if (band < slots_.bins) {
      slots_.band_used[band] = 0;
      // A band moves again only for hops shorter than a band; after kMaxHopsPerDay passes
      // (links of about zero km) its people stop for the day.
      const bool go_on = ++band_passes[band] < kMaxHopsPerDay;
      // The band's people as they stand at the start of the pass: those who land in it during
      // the pass (hops shorter than a band) wait for the next one, whatever the location order.
      const std::size_t first = band * slots_.span / 64, last = first + slots_.span / 64;
      band_where_.clear();
      band_records_.clear();
      for (std::size_t w = first; w < last; ++w) {
        for (std::uint64_t bits = slots_.used[w]; bits != 0; bits &= bits - 1) {
          const std::size_t slot = w * 64 + static_cast<std::size_t>(std::countr_zero(bits));
          double* x = slots_.record(slot);
          band_where_.push_back(static_cast<std::uint32_t>(slot - band * slots_.span));
          band_records_.insert(band_records_.end(), x, x + slots_.stride);
          std::fill_n(x, slots_.stride, 0.0);
        }
        slots_.used[w] = 0;
      }
      const std::size_t count = band_where_.size();
      ++work_.passes;
      work_.slots += count;
      for (std::size_t i = 0; i < count; ++i) {
        // Ask ahead for what the next slots will read: the path data four slots on (the paths
        // of a place are contiguous), the records the hops two slots on add to.
        if (prefetch_ && i + 4 < count) prefetch_paths(band_where_[i + 4]);
        if (prefetch_ && i + 2 < count) {
          const double* z = band_records_.data() + (i + 2) * slots_.stride;
          prefetch_targets(band_where_[i + 2], z[1] / z[0]);
        }
        const double* y = band_records_.data() + i * slots_.stride;
        Packet p;
        p.where = band_where_[i];
        p.chained = true;
        p.spread = slots_.width;
        p.moved = y[1] / y[0];
        p.recent = y[2] / y[0];
        if (go_on) {
          process(p, y + 3, next, parked);
        } else {
          end_day(p, y + 3, 1.0, p.where, p.moved);
        }
      }
    }
    for (const Packet& p : round.items) process(p, round.of(p), next, parked);
  }

  for (std::uint32_t v = 0; v < n_; ++v) count_[v] += count_delta_[v];
  std::fill(count_delta_.begin(), count_delta_.end(), 0.0);
  // Each route's flow: the people who set off along either of its arcs (summed per arc as they
  // go, which keeps the additions next to the arcs' other data).
  for (std::size_t arc = 0; arc < arc_flow_.size(); ++arc) {
    route_flow_[arcs_[arc].route] += arc_flow_[arc];
  }

  // Sinks (camps_are_sinks): a share of the people resting at a camp leaves the simulation.
  for (std::uint32_t v = 0; v < n_; ++v) {
    const double s = sink_[v];
    if (!(s > 0.0) || !camp_[v]) continue;
    double gone = 0.0;
    for (std::size_t k = 0; k < c_; ++k) {
      const double f = fresh_[v * c_ + k] * s;
      const double g = free_[v * c_ + k] * s;
      fresh_[v * c_ + k] -= f;
      free_[v * c_ + k] -= g;
      gone += f + g;
    }
    free_total_[v] *= 1.0 - s;
    recent_sum_[v] *= 1.0 - s;
    for (Packet& p : planned_.items) {
      if (p.where != v) continue;
      double* b = planned_.amounts.data() + p.at;
      for (std::size_t k = 0; k < c_; ++k) {
        gone += b[k] * s;
        b[k] -= b[k] * s;
      }
    }
    count_[v] -= gone;
    departed_ += gone;
  }
  // Today's starters on each arc (all at the same km: a first link walked, or a day's speed)
  // join the people on the routes; the few who set off through packets are merged with them.
  for (const std::uint32_t slot : starters_touched_) {
    const double people = starters_total_[slot];
    if (people > 0.0) {
      Packet q;
      q.where = slot / 2;
      q.first = (slot & 1u) != 0;
      q.km = q.first && move_.start_on_foot ? move_.max_walk_speed_km : arc_speed_[q.where];
      q.recent = starters_recent_[slot] / people;
      transit_.add(q, starters_.data() + static_cast<std::size_t>(slot) * c_, 1.0);
    }
    std::fill_n(starters_.data() + static_cast<std::size_t>(slot) * c_, c_, 0.0);
    starters_total_[slot] = starters_recent_[slot] = 0.0;
    starters_used_[slot] = 0;
  }
  starters_touched_.clear();
  merge_tail(transit_, still_on_arcs);  // those who set off today
  merge(planned_, false);
  if (!split_.empty()) {
    for (std::size_t v = 0; v < n_; ++v) {
      split(arrivals_[v], split_arrivals_.data() + v * split_.size());
    }
  }
}

}  // namespace corridor::detail
