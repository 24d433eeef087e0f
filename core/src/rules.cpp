// corridor — the parts of Flee's rules both engines share (see rules.hpp).
#include "rules.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "corridor/error.hpp"

namespace corridor::detail {

PathTable build_paths(const Network& net, const std::vector<std::uint8_t>& marker, int awareness,
                      const MoveRules& rules) {
  PathTable t;
  const std::size_t n = net.num_locations();
  const auto offsets = net.arc_offsets();
  const auto arcs = net.arcs();
  t.first.reserve(n + 1);
  t.hop_first.push_back(0);
  std::vector<std::uint32_t> path_locs;  // origin .. current
  std::vector<std::uint32_t> path_arcs;
  // visit(arc, prior km, step) mirrors calculateLinkWeight(link, prior_distance, step).
  auto visit = [&](auto&& self, std::uint32_t arc, double prior, int step) -> void {
    const std::uint32_t end = arcs[arc].target;
    const double km = prior + arcs[arc].distance_km;
    path_arcs.push_back(arc);
    if (path_arcs.size() > 255) {  // an agent's route cursor is one byte
      throw InputError("agents: a path of more than 255 links through markers starts at '" +
                       net.location(path_locs.front()).name + "'");
    }
    if (!marker[end]) {
      t.end.push_back(end);
      t.inv_distance.push_back(1.0 / std::pow(rules.softening + km, rules.distance_power));
      t.hop_arc.insert(t.hop_arc.end(), path_arcs.begin(), path_arcs.end());
      t.hop_first.push_back(static_cast<std::uint32_t>(t.hop_arc.size()));
    } else {
      --step;
    }
    if (awareness > step) {
      path_locs.push_back(end);
      for (std::uint32_t a = offsets[end]; a < offsets[end + 1]; ++a) {
        const std::uint32_t next = arcs[a].target;
        if (std::find(path_locs.begin(), path_locs.end(), next) != path_locs.end()) continue;
        self(self, a, km, step + 1);
      }
      path_locs.pop_back();
    }
    path_arcs.pop_back();
  };
  for (std::uint32_t v = 0; v < n; ++v) {
    t.first.push_back(static_cast<std::uint32_t>(t.end.size()));
    path_locs.assign(1, v);
    for (std::uint32_t a = offsets[v]; a < offsets[v + 1]; ++a) visit(visit, a, 0.0, 1);
    if (t.end.size() > 0x7FFFFFFFu) {
      throw InputError("agents: too many paths of up to awareness_level hops (" +
                       std::to_string(t.end.size()) + "); lower move_rules.awareness_level");
    }
  }
  t.first.push_back(static_cast<std::uint32_t>(t.end.size()));
  return t;
}

PlaceRole initial_role(const Location& loc, const FleeLocation& fl, const MoveRules& move) {
  PlaceRole r;
  r.movechance = move.default_movechance;
  switch (loc.kind) {
    case LocationKind::kCamp:
    case LocationKind::kDestination:
      r.camp = true;
      r.movechance = fl.idp_camp ? move.idpcamp_movechance : move.camp_movechance;
      break;
    case LocationKind::kConflictZone:
      if (fl.conflict_date > 0) {  // Flee creates it as a town
        r.town = true;
      } else {
        r.conflict = 1.0;
        r.movechance = move.conflict_movechance;
      }
      break;
    case LocationKind::kTransit:
      r.movechance = 1.0;  // forwarding hub or marker
      break;
    case LocationKind::kTown:
    case LocationKind::kBorderCrossing:
    case LocationKind::kReception:
      r.town = true;
      break;
  }
  if (fl.marker) {
    r.marker = true;
    r.movechance = 1.0;
    r.town = false;
  }
  // Flee turns any location with movechance < 0.005 into a camp.
  if (r.movechance < 0.005 && !r.camp) {
    r.camp = true;
    r.town = false;
  }
  return r;
}

double path_weights(const PathTable& t, std::uint32_t v, const std::uint8_t* arc_closed,
                    const double* score, const double* cap_mult, const MoveRules& rules,
                    double* weight) {
  const bool plain_power = rules.weight_power == 1.0;
  const std::uint32_t b = t.first[v];
  const std::uint32_t e = t.first[v + 1];
  double total = 0.0;
  std::uint32_t open = 0;
  for (std::uint32_t p = b; p < e; ++p) {
    bool ok = true;
    for (std::uint32_t h = t.hop_first[p]; h < t.hop_first[p + 1]; ++h) {
      if (arc_closed[t.hop_arc[h]]) {
        ok = false;
        break;
      }
    }
    if (!ok) {
      weight[p] = -1.0;
      continue;
    }
    ++open;
    const std::uint32_t end = t.end[p];
    double w = (rules.weight_softening + score[end]) * t.inv_distance[p] * cap_mult[end];
    if (!plain_power) w = std::pow(w, rules.weight_power);
    if (!(w > 0.0)) w = 0.0;  // also catches NaN
    weight[p] = w;
    total += w;
  }
  if (open == 0) return 0.0;
  if (!(total > 0.0)) {
    // moving.normalizeWeights: all zero -> equal weights over the routes on offer.
    total = 0.0;
    for (std::uint32_t p = b; p < e; ++p) {
      if (weight[p] >= 0.0) {
        weight[p] = 1.0;
        total += 1.0;
      }
    }
  }
  return total;
}

}  // namespace corridor::detail
