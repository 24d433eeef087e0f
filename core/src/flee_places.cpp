// corridor — the Flee state both engines keep about places and routes (see flee_places.hpp).
#include "flee_places.hpp"

#include <algorithm>

namespace corridor::detail {

FleePlaces::FleePlaces(const Network& network, const MoveRules& move,
                       const std::vector<FleeLocation>& flee_locations,
                       const std::vector<FleeRoute>& flee_routes,
                       std::vector<double> conflict_decay, int decay_interval)
    : net_(network),
      move_(move),
      n_(net_.num_locations()),
      arcs_(net_.arcs()),
      offsets_(net_.arc_offsets()),
      decay_factors_(std::move(conflict_decay)),
      decay_interval_(decay_interval) {
  const auto locs = net_.locations();
  camp_.assign(n_, 0);
  town_.assign(n_, 0);
  marker_.assign(n_, 0);
  foreign_.assign(n_, 0);
  hold_.assign(n_, 0);
  conflict_.assign(n_, -1.0);
  movechance_.assign(n_, move_.default_movechance);
  capacity_.assign(n_, kUnlimited);
  sink_.assign(n_, 0.0);
  extra_.assign(n_, 0.0);
  time_of_conflict_.assign(n_, -1);
  for (std::uint32_t v = 0; v < n_; ++v) {
    const FleeLocation fl = flee_locations.empty() ? FleeLocation{} : flee_locations[v];
    // Location.__init__: the type decides the move chance and the flags.
    const PlaceRole role = initial_role(locs[v], fl, move_);
    camp_[v] = role.camp ? 1 : 0;
    town_[v] = role.town ? 1 : 0;
    marker_[v] = role.marker ? 1 : 0;
    conflict_[v] = role.conflict;
    movechance_[v] = role.movechance;
    foreign_[v] = fl.foreign ? 1 : 0;
    capacity_[v] = locs[v].capacity;
  }
  const std::size_t m = arcs_.size();
  arc_closed_.assign(m, 0);
  arc_tail_.assign(m, 0);
  arc_speed_.assign(m, move_.max_move_speed_km);
  arc_walk_.assign(m, 0.0);
  const auto routes = net_.routes();
  for (std::uint32_t v = 0; v < n_; ++v) {
    for (std::uint32_t a = offsets_[v]; a < offsets_[v + 1]; ++a) {
      arc_tail_[a] = v;
      const RouteId r = arcs_[a].route;
      arc_closed_[a] = routes[r].closed ? 1 : 0;
      if (!flee_routes.empty()) {
        const FleeRoute& fr = flee_routes[r];
        if (fr.max_move_speed_km > 0.0) arc_speed_[a] = fr.max_move_speed_km;
        arc_walk_[a] = fr.walk_probability;
      }
    }
  }
  route_capacity_.assign(routes.size(), kUnlimited);
  for (std::size_t r = 0; r < routes.size(); ++r) {
    route_capacity_[r] = routes[r].capacity_per_day;
    if (std::isfinite(route_capacity_[r])) has_route_capacity_ = true;
  }
  paths_ = build_paths(net_, marker_, move_.awareness_level, move_);
  total_weight_.assign(n_, 0.0);
  score_.assign(n_, 1.0);
  cap_mult_.assign(n_, 1.0);
}

double FleePlaces::decay(std::uint32_t v, int time) const {
  if (decay_factors_.empty()) return 1.0;
  const long since = static_cast<long>(time) - time_of_conflict_[v];
  const long i = std::clamp<long>(since / decay_interval_, 0,
                                  static_cast<long>(decay_factors_.size()) - 1);
  return decay_factors_[static_cast<std::size_t>(i)];
}

}  // namespace corridor::detail
