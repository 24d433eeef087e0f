// corridor::geo — reading a Flee case directory (input_csv/, source_data/, simsetting.yml) into
// a corridor::FleeCase.
//
// Design notes:
// - Flee's own readers are the reference (flee/InputGeography.py, flee/datamanager/*.py,
//   flee/SimulationSettings.py, runscripts/run.py; ../shared/data/flee/README.md sections 2 and
//   6). Where Flee would crash on an input (an index error, a failed int(), an unknown name
//   looked up later) this reader raises InputError naming the file, the line and the field
//   instead; where Flee silently does something surprising, the case keeps Flee's behaviour and
//   says so in FleeCase::notes.
// - Observed series follow Flee's DataTable exactly: counts / hasten, extra files of a
//   data_layout row merged with Flee's AddCSVTables (its quirks included), registration
//   corrections applied to the table, then linear interpolation per day truncated to a whole
//   number. The days of the table are calendar days since sim_period's StartDate.
// - Decisions where Flee gives no usable answer:
//   * conflicts.csv with fewer day rows than the run: Flee indexes row t on day t and dies
//     with an IndexError, so this is an InputError (the message names the row count).
//     Rows past the run are read and checked but not kept. The '#Day' column must be empty
//     or equal the row's index, since Flee reads rows by position.
//   * A data_layout.csv name that is not a camp of the network is kept in
//     FleeCase::extra_series with a note: Flee sums it into the spawn count (car2013's
//     Bossobolo is such a row), so it is not an error. A camp of the network with no
//     data_layout.csv row is an InputError: Flee's runner looks every camp up and stops.
//   * A registration correction whose date is not a date of that camp's data is an InputError
//     (Flee raises UnboundLocalError).
//   * A conflict zone of locations.csv with conflict_date <= 0 that conflicts.csv does not
//     name starts (and, in Flee, stays) in conflict: it gets a constant column of its
//     conflict_intensity attribute (default 1) and a note.
//   * Closures: country names must be countries of some location, location names must exist,
//     a link closure needs a route between its two locations, days must be integers.
//     'remove_forced_redirection' rows are checked and skipped. A closure whose start is
//     outside the run is kept with a note (Flee fires events only when the day equals
//     start or end).
// - Settings: keys are mapped onto AgentSettings as Flee's ReadFromYML reads them (Flee's code
//   defaults otherwise). log_levels, number_of_steps, conflict_input_file (overridden by Flee's
//   runner) and move_rules.max_crossing_speed (unused by Flee) are ignored. use_v1_rules
//   applies Flee's overrides. Keys corridor does not implement land in
//   FleeCase::unsupported_settings as "<section>.<key> = <value> (line N)", unless they hold
//   Flee's default (off) value.
// - Locations' populations and camps' capacities are divided by hasten and floored, as Flee
//   does (a camp capacity that becomes 0 means unlimited, as in Flee).
#pragma once

#include <string>
#include <vector>

#include "corridor/flee_case.hpp"

namespace corridor::geo {

/// Settings read from a Flee simsetting.yml.
struct FleeSettingsRead {
  AgentSettings settings;
  /// Keys corridor does not implement, as "<section>.<key> = <value> (line N)".
  std::vector<std::string> unsupported;
  /// Remarks, e.g. a value Flee truncates.
  std::vector<std::string> notes;
};

/// Reads a Flee simsetting.yml (YAML). Missing keys keep Flee's code defaults.
/// Throws IoError if the file cannot be read, InputError for malformed YAML or a value of the
/// wrong type or out of range: "<path> line N: <section>.<key>: expected ..., got '<value>'".
FleeSettingsRead read_flee_settings(const std::string& path);

/// Reads a Flee case directory into a FleeCase.
///
/// Reads input_csv/{sim_period,locations,routes,conflicts}.csv (required),
/// input_csv/{closures,registration_corrections}.csv (optional: absent = none), and
/// source_data/data_layout.csv with the files it names.
///
/// @param case_dir       the case folder (holding input_csv/ and source_data/); its last path
///                       component becomes FleeCase::name
/// @param settings_path  a Flee simsetting.yml; empty = `case_dir`/simsetting.yml if present,
///                       else Flee's code defaults
/// @param days           days to simulate, >= 0; 0 = sim_period.csv's Length (as Flee's
///                       runner, whose duration argument overrides Length only when > 0)
/// @throws IoError     a required file is missing or unreadable (the message names the path)
/// @throws InputError  bad data; the message names the file, the line and the field
FleeCase read_flee_case(const std::string& case_dir, const std::string& settings_path = "",
                        int days = 0);

}  // namespace corridor::geo
