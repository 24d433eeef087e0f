// corridor — the parts of Flee's rules both engines share (private header): the paths an agent
// weighs, a location's role and move chance, its score and its capacity multiplier. The agent
// engine (agents.cpp) applies them to agents, the expected-flow engine (flow_engine.cpp) to
// fractions of people; keeping them here keeps the two engines' rules the same.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "corridor/flee_case.hpp"
#include "corridor/network.hpp"

namespace corridor::detail {

/// Every loop-free path of Flee's calculateLinkWeight from each location, over all arcs (closed
/// ones are filtered per day): entries end at non-marker locations; markers cost no hop.
struct PathTable {
  std::vector<std::uint32_t> first;      // per location: entries [first[v], first[v+1])
  std::vector<std::uint32_t> end;        // per entry: destination
  std::vector<double> inv_distance;      // per entry: 1 / (softening + km)^distance_power
  std::vector<std::uint32_t> hop_first;  // per entry + 1: hops [hop_first[e], hop_first[e+1])
  std::vector<std::uint32_t> hop_arc;    // arc of each hop (its target is the next location)
};

/// Builds the path table for awareness_level hops. Throws InputError when a path through markers
/// has more than 255 links or the table would pass 2^31 entries.
PathTable build_paths(const Network& net, const std::vector<std::uint8_t>& marker, int awareness,
                      const MoveRules& rules);

/// Checks a Flee case's settings and timeline (InputError naming the setting or the item); the
/// agent engine's checks, shared by the expected-flow engine.
void validate_case(const FleeCase& flee_case);

/// A location's role under Flee's Location.__init__: what it is and how likely people there move.
struct PlaceRole {
  bool camp = false;
  bool town = false;
  bool marker = false;
  double conflict = -1.0;  ///< intensity when in conflict, -1 otherwise
  double movechance = 0.0;
};

/// The role a location starts with (its kind, its Flee extras and the move rules).
PlaceRole initial_role(const Location& location, const FleeLocation& flee, const MoveRules& rules);

/// Flee's getCapMultiplier: 1 up to capacity_buffer x cap, falling linearly to 0 at cap, where
/// cap = capacity x capacity_scaling; a cap below 1 (or none) means unlimited.
inline double cap_multiplier(double capacity, const MoveRules& rules, double occupancy) {
  const double cap = capacity * rules.capacity_scaling;
  if (!(cap >= 1.0)) return 1.0;
  const double buffer = rules.capacity_buffer;
  if (occupancy <= buffer * cap) return 1.0;
  if (occupancy >= cap) return 0.0;
  const double m = 1.0 - (occupancy - buffer * cap) / (cap * (1.0 - buffer));
  return m < 0.0 ? 0.0 : (m > 1.0 ? 1.0 : m);
}

/// Flee's scoring.updateLocationScore: 1, times foreign_weight abroad and camp_weight at a camp,
/// times conflict_weight^(decay x intensity) in conflict.
inline double location_score(bool foreign, bool camp, double conflict, double decay,
                             const MoveRules& rules) {
  double s = 1.0;
  if (foreign) s *= rules.foreign_weight;
  if (camp) s *= rules.camp_weight;
  if (conflict > 0.0) s *= std::pow(rules.conflict_weight, decay * conflict);
  return s;
}

/// Flee's weights of the paths from location v (calculateLinkWeight, normalizeWeights): for each
/// entry p of v in `table`, weight[p] = [(weight_softening + score[end]) x inv_distance x
/// cap_mult[end]]^weight_power (NaN or negative -> 0) if every hop's arc is open, -1 if a hop is
/// closed; when the open paths all weigh 0, each weighs 1. Returns their total (0 if none is open).
double path_weights(const PathTable& table, std::uint32_t v, const std::uint8_t* arc_closed,
                    const double* score, const double* cap_mult, const MoveRules& rules,
                    double* weight);

}  // namespace corridor::detail
