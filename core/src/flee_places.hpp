// corridor — the Flee state both engines keep about places and routes (private header): each
// location's role, move chance, capacity and conflict, each arc's state and speed, the path
// table, and the day's scores and capacity multipliers. AgentEngine and FlowEngine derive from
// it, so the control surface drivers use (roles' queries, capacities, holds, arcs) is one code.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "corridor/flee_case.hpp"
#include "corridor/network.hpp"
#include "rules.hpp"

namespace corridor::detail {

class FleePlaces {
 public:
  std::size_t num_locations() const { return n_; }
  const Network& network() const { return net_; }

  bool camp(std::uint32_t v) const { return camp_[v] != 0; }
  double conflict(std::uint32_t v) const { return conflict_[v]; }
  /// Conflict spawn decay factor at `time` for a location in conflict.
  double decay(std::uint32_t v, int time) const;
  void set_capacity(std::uint32_t v, double capacity) { capacity_[v] = capacity; }
  double capacity(std::uint32_t v) const { return capacity_[v]; }
  /// Arrivals at a holding location stop there and wait (reception queue) until released.
  void set_hold(std::uint32_t v, bool hold) { hold_[v] = hold ? 1 : 0; }
  /// People at v whom the engine does not move but who fill its shelter (a scenario's
  /// reception pathways hold them): counted with the engine's own in the capacity multipliers.
  void set_extra(std::uint32_t v, double people) { extra_[v] = people; }

  /// The arc a planned hop takes: the path's own arc while it is open, otherwise the shortest
  /// open arc from the same place to the same next place (ties: the lower route id), or
  /// `none` if every such link is closed. Flee looks the link up by its end, taking the first of
  /// parallel links in input order; the path's own arc keeps the result independent of the
  /// order of the routes in the input, and equal to Flee's where places have one link each.
  std::uint32_t hop_arc(std::uint32_t here, std::uint32_t planned, std::uint32_t none) const {
    if (!arc_closed_[planned]) return planned;
    const std::uint32_t target = arcs_[planned].target;
    std::uint32_t best = none;
    for (std::uint32_t x = offsets_[here]; x < offsets_[here + 1]; ++x) {
      if (arcs_[x].target != target || arc_closed_[x]) continue;
      if (best == none || arcs_[x].distance_km < arcs_[best].distance_km ||
          (arcs_[x].distance_km == arcs_[best].distance_km && arcs_[x].route < arcs_[best].route)) {
        best = x;
      }
    }
    return best;
  }

  std::size_t num_arcs() const { return arcs_.size(); }
  std::uint32_t arc_tail(std::uint32_t a) const { return arc_tail_[a]; }
  std::uint32_t arc_head(std::uint32_t a) const { return arcs_[a].target; }
  RouteId arc_route(std::uint32_t a) const { return arcs_[a].route; }
  void set_arc_closed(std::uint32_t a, bool closed) { arc_closed_[a] = closed ? 1 : 0; }
  bool arc_closed(std::uint32_t a) const { return arc_closed_[a] != 0; }

 protected:
  /// `flee_locations` / `flee_routes` may be empty (defaults).
  FleePlaces(const Network& network, const MoveRules& move,
             const std::vector<FleeLocation>& flee_locations,
             const std::vector<FleeRoute>& flee_routes, std::vector<double> conflict_decay,
             int decay_interval);

  /// scoring.updateLocationScore and the capacity multipliers, with people counted by `count`.
  template <class Count>
  void compute_scores(int day, const Count* count) {
    for (std::uint32_t v = 0; v < n_; ++v) {
      score_[v] = location_score(foreign_[v], camp_[v], conflict_[v], decay(v, day), move_);
      cap_mult_[v] =
          cap_multiplier(capacity_[v], move_, static_cast<double>(count[v]) + extra_[v]);
    }
  }
  /// Recomputes the capacity multipliers of capacity-limited places; true if one changed.
  template <class Count>
  bool refresh_cap_mult(const Count* count) {
    bool changed = false;
    for (std::uint32_t v = 0; v < n_; ++v) {
      if (!std::isfinite(capacity_[v])) continue;
      const double m =
          cap_multiplier(capacity_[v], move_, static_cast<double>(count[v]) + extra_[v]);
      if (m != cap_mult_[v]) {
        cap_mult_[v] = m;
        changed = true;
      }
    }
    return changed;
  }

  Network net_;
  MoveRules move_;
  std::size_t n_;
  std::span<const Arc> arcs_;
  std::span<const std::uint32_t> offsets_;
  std::vector<double> decay_factors_;
  int decay_interval_;

  // Locations (Flee's mutable Location state).
  std::vector<std::uint8_t> camp_, town_, marker_, foreign_, hold_;
  std::vector<double> conflict_, movechance_, capacity_, sink_, extra_;
  std::vector<int> time_of_conflict_;
  std::vector<double> score_, cap_mult_, total_weight_;

  // Arcs and routes.
  std::vector<std::uint8_t> arc_closed_;
  std::vector<std::uint32_t> arc_tail_;
  std::vector<double> arc_speed_, arc_walk_;
  std::vector<double> route_capacity_;
  bool has_route_capacity_ = false;
  PathTable paths_;
};

}  // namespace corridor::detail
