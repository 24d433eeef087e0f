// corridor — a displacement case in the terms of Flee's model: the network, the agent rules'
// settings, and what happens when (conflicts, closures, observed camp registrations).
//
// Design notes:
// - This is plain data, filled by a reader (geo/flee_case.hpp reads Flee's input_csv/,
//   source_data/ and simsetting.yml) or built in code. Names are resolved to ids by the reader,
//   which is where bad names are reported with their file, line and field.
// - Settings carry Flee 3's code defaults; a case's simsetting.yml overrides them. The names
//   follow Flee's keys so a Flee user recognises them.
// - Observed series are already interpolated to one value per simulated day (Flee's
//   DataTable.get_interpolated_data: linear between dates, constant outside, truncated to a
//   whole number as Flee's int() does) and corrected (registration_corrections.csv), and
//   divided by `hasten`. empty_camps_on_day0 is not applied to them: that is the run's part.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "corridor/network.hpp"

namespace corridor {

/// Flee's move_rules (code defaults; the flee3 validation yml changes several).
struct MoveRules {
  double max_move_speed_km = 360.0;   ///< km/day, > 0
  double max_walk_speed_km = 35.0;    ///< km/day, > 0 (first leg with start_on_foot)
  double foreign_weight = 1.0;        ///< score factor of locations abroad, >= 0
  double camp_weight = 1.0;           ///< score factor of camps, >= 0
  double conflict_weight = 0.31622776601683794;  ///< 1/sqrt(10); score base in conflict zones
  double conflict_movechance = 1.0;   ///< [0, 1]
  double camp_movechance = 0.001;     ///< [0, 1]
  double idpcamp_movechance = 0.1;    ///< [0, 1]
  double default_movechance = 0.3;    ///< towns, [0, 1]
  int awareness_level = 1;            ///< hops of the paths an agent weighs, 1..4
  double capacity_buffer = 0.9;       ///< CapMult starts falling at this fraction, (0, 1]
  double capacity_scaling = 1.0;      ///< capacities multiplied by this, > 0
  bool avoid_short_stints = false;
  bool start_on_foot = false;
  double softening = 10.0;            ///< km added to path length, >= 0
  double weight_softening = 0.0;      ///< added to endpoint score, >= 0
  double weight_power = 1.0;
  double distance_power = 1.0;
};

/// How Flee's conflict-driven spawning counts new agents per conflict zone per day.
enum class ConflictSpawnMode : std::uint8_t { kOff, kConstant, kPopRatio, kPoisson };

/// Flee's spawn_rules.
struct SpawnRules {
  bool sum_from_camps = true;          ///< data-driven: daily increase of summed camp series
  bool insert_day0 = true;             ///< day-0 camp populations placed in the camps
  bool empty_camps_on_day0 = false;
  bool conflict_zone_spawning_only = true;
  std::vector<double> conflict_spawn_decay;  ///< factors per interval since conflict start; empty = none
  int conflict_spawn_decay_interval = 30;    ///< days, > 0
  ConflictSpawnMode conflict_driven = ConflictSpawnMode::kOff;
  double displaced_per_conflict_day = 0.0;   ///< count (constant, poisson) or ratio (pop_ratio)
  bool camps_are_sinks = false;        ///< Flee's key is misspelt 'camps_are_sicks'; both accepted
  double hasten = 1.0;                 ///< population scale-down, >= 1
  /// Master Flee subtracts each camp's day-0 registrations from its capacity on day 0 (data-driven
  /// spawning with insert_day0); Flee 3.1 (PyPI) does not. false reproduces 3.1.
  bool day0_capacity_reduction = true;
};

/// All settings of the agent rules.
struct AgentSettings {
  MoveRules move;
  SpawnRules spawn;
};

/// Flee's extra facts about a location, beyond the Network's.
struct FleeLocation {
  bool idp_camp = false;      ///< Flee "idpcamp": idpcamp_movechance instead of camp_movechance
  bool marker = false;        ///< Flee "marker": not a hop and never a destination
  bool foreign = false;       ///< country differs from the first row's (Flee's home country)
  /// Flee's conflict_date column. Flee creates a conflict_zone whose conflict_date is > 0 as a
  /// town (its conflict starts when conflicts.csv says so); one with conflict_date <= 0 is in
  /// conflict (intensity 1) from the start. A reader may instead give such a location the kind
  /// kTown; both give the same run.
  int conflict_date = 0;
  /// Flee's deactivation_probability attribute: daily chance that an agent resting in this camp
  /// leaves the simulation when spawn_rules.camps_are_sinks is set, [0, 1].
  double deactivation_probability = 0.0;
};

/// Flee's optional per-route attributes (routes.csv columns after forced_redirection).
struct FleeRoute {
  double max_move_speed_km = 0.0;  ///< km/day on this route, > 0; 0 = move_rules.max_move_speed
  double walk_probability = 0.0;   ///< daily chance of moving at max_walk_speed instead, [0, 1]
};

/// A closure from closures.csv, names resolved.
struct Closure {
  enum class Type : std::uint8_t { kCountry, kLocation, kLink, kCamp };
  Type type = Type::kLink;
  std::string name1;          ///< as given (country or location name), for messages
  std::string name2;
  std::optional<LocationId> location1;  ///< kLocation, kLink, kCamp
  std::optional<LocationId> location2;  ///< kLink
  int start_day = 0;          ///< closes at the start of this day
  int end_day = -1;           ///< reopens at the start of this day; < 0 or past the run = never
  /// kCamp only: Flee's 'idpcamp' closure, which reopens the site as an IDP camp
  /// (idpcamp_movechance) rather than a camp.
  bool idp_camp = false;
};

/// An observed registration series for one camp, one value per simulated day.
struct ObservedSeries {
  std::string name;           ///< camp name as in the locations file
  LocationId location = 0;
  std::vector<double> per_day;
};

/// A whole case: geography, rules and timeline, ready for an engine.
struct FleeCase {
  std::string name;                     ///< e.g. "mali2012"
  std::string start_date;               ///< ISO date of day 0
  int days = 0;                         ///< simulated days, > 0
  Network network;
  std::vector<FleeLocation> flee_locations;  ///< one per network location (empty = defaults)
  std::vector<FleeRoute> flee_routes;        ///< one per network route (empty = defaults)
  AgentSettings settings;
  /// Conflict intensity per day: conflict_locations.size() columns, `days` rows, row-major.
  std::vector<LocationId> conflict_locations;
  std::vector<double> conflict_intensity;
  std::vector<Closure> closures;
  std::vector<ObservedSeries> camps;    ///< validation camps, in data_layout.csv order
  std::vector<double> total;            ///< the 'total' series (refugees.csv), per day
  /// data_layout.csv series that name no camp of the network (car2013's Bossobolo): Flee adds
  /// their daily changes to the data-driven spawn count when sum_from_camps is on, but neither
  /// validates them nor puts day-0 agents there. Their `location` is meaningless (0).
  std::vector<ObservedSeries> extra_series;
  /// Settings keys found in the yml that corridor does not implement (reported, not ignored).
  std::vector<std::string> unsupported_settings;
  /// Remarks on the input that are not errors but change or explain behaviour (a closure that
  /// never fires in the run, a Flee quirk that applies), each naming its file and line.
  std::vector<std::string> notes;
};

/// The case as PyPI Flee 3.1's run.py actually runs it, for comparisons with recorded Flee
/// figures: that runner never reads conflicts.csv (conflict zones whose conflict_date is <= 0
/// stay in conflict all run, the others stay towns), and Flee 3.1 applies neither
/// capacity_scaling nor the day-0 reduction of camp capacities. Everything else is kept.
FleeCase as_flee31_run(FleeCase flee_case);

}  // namespace corridor
