// corridor — the ranges of the movement settings (MoveRules), shared by the engines' validation
// (agents.cpp, settings named by Flee's simsetting.yml keys) and the scenario's (scenario.cpp,
// named by corridor's field names), so both accept exactly the same values.
#pragma once

#include <cmath>
#include <optional>

#include "corridor/flee_case.hpp"

namespace corridor::detail {

/// One MoveRules setting out of its range.
struct MoveRulesProblem {
  const char* flee_key;  ///< Flee's key in simsetting.yml's move_rules, e.g. "max_move_speed"
  const char* field;     ///< the MoveRules member, e.g. "max_move_speed_km"
  double value;
  const char* rule;  ///< e.g. "must be > 0"
};

/// The first setting of `m` out of its range (in declaration order), or nullopt if all are in
/// range. NaN is out of every range.
inline std::optional<MoveRulesProblem> check_move_rules(const MoveRules& m) {
  const auto positive = [](double v) { return std::isfinite(v) && v > 0.0; };
  const auto non_negative = [](double v) { return std::isfinite(v) && v >= 0.0; };
  const auto probability = [](double v) { return v >= 0.0 && v <= 1.0; };
  constexpr const char* kPositive = "must be > 0";
  constexpr const char* kNonNegative = "must be >= 0";
  constexpr const char* kProbability = "must be in [0, 1]";
  struct Check {
    bool ok;
    MoveRulesProblem problem;
  };
  const Check checks[] = {
      {positive(m.max_move_speed_km),
       {"max_move_speed", "max_move_speed_km", m.max_move_speed_km, kPositive}},
      {positive(m.max_walk_speed_km),
       {"max_walk_speed", "max_walk_speed_km", m.max_walk_speed_km, kPositive}},
      {non_negative(m.foreign_weight),
       {"foreign_weight", "foreign_weight", m.foreign_weight, kNonNegative}},
      {non_negative(m.camp_weight), {"camp_weight", "camp_weight", m.camp_weight, kNonNegative}},
      {non_negative(m.conflict_weight),
       {"conflict_weight", "conflict_weight", m.conflict_weight, kNonNegative}},
      {probability(m.conflict_movechance),
       {"conflict_movechance", "conflict_movechance", m.conflict_movechance, kProbability}},
      {probability(m.camp_movechance),
       {"camp_movechance", "camp_movechance", m.camp_movechance, kProbability}},
      {probability(m.idpcamp_movechance),
       {"idpcamp_movechance", "idpcamp_movechance", m.idpcamp_movechance, kProbability}},
      {probability(m.default_movechance),
       {"default_movechance", "default_movechance", m.default_movechance, kProbability}},
      {m.awareness_level >= 1 && m.awareness_level <= 4,
       {"awareness_level", "awareness_level", static_cast<double>(m.awareness_level),
        "must be in 1..4"}},
      {m.capacity_buffer > 0.0 && m.capacity_buffer <= 1.0,
       {"capacity_buffer", "capacity_buffer", m.capacity_buffer, "must be in (0, 1]"}},
      {positive(m.capacity_scaling),
       {"capacity_scaling", "capacity_scaling", m.capacity_scaling, kPositive}},
      {non_negative(m.softening), {"softening", "softening", m.softening, kNonNegative}},
      {non_negative(m.weight_softening),
       {"weight_softening", "weight_softening", m.weight_softening, kNonNegative}},
      {non_negative(m.weight_power),
       {"weight_power", "weight_power", m.weight_power, kNonNegative}},
      {non_negative(m.distance_power),
       {"distance_power", "distance_power", m.distance_power, kNonNegative}},
  };
  for (const Check& check : checks) {
    if (!check.ok) return check.problem;
  }
  return std::nullopt;
}

}  // namespace corridor::detail
