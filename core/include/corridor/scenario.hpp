// corridor — a contingency scenario: the network, the movement rules, the planning figures, and
// what happens when (displacement shocks, closures, capacity changes, sites opening), plus
// triggers that fire an event the first day a site's figure crosses a threshold.
//
// Design notes:
// - Plain data, filled by a reader (geo/scenario.hpp reads the TOML file; the Python package
//   builds the same TOML from a dict) or in code. Names are resolved to ids by the reader, which
//   is where unknown names are reported; `where` keeps the event's position in its file
//   ("scenario.toml: events[2] (close_border)") so the engine's own errors can name it too.
// - Days count from the scenario's start (day 0). An event acts from the start of its day; a
//   closure's until_day reopens at the start of that day.
// - Cohorts are named groups of people (women, men, children, unaccompanied_minors by default)
//   that travel with the flow; each displacement splits its people by its shares, which sum to 1.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "corridor/flee_case.hpp"
#include "corridor/network.hpp"

namespace corridor {

/// Planning figures, per person per day unless said otherwise. Defaults: Sphere Handbook 2018
/// minimum standards and the UNHCR Emergency Handbook.
struct Planning {
  double water_l = 15.0;                 ///< litres per person per day
  double people_per_tap = 250.0;         ///< people per water tap
  double people_per_toilet_first = 50.0; ///< people per toilet in the first phase
  double people_per_toilet = 20.0;       ///< people per toilet afterwards (medium term)
  int first_phase_days = 90;             ///< days from a site's first occupant that are "first phase"
  double covered_m2 = 3.5;               ///< covered living space per person
  double site_area_m2 = 45.0;            ///< site area per person including communal space
  double kcal = 2100.0;                  ///< food energy per person per day
};

/// What an event does.
enum class EventType : std::uint8_t {
  kDisplacement,    ///< people leave `locations[0]` over `over_days` days
  kCloseRoute,      ///< `routes` closed (both ways)
  kReopenRoute,
  kCloseLocation,   ///< every route into and out of `locations` closed
  kReopenLocation,
  kCloseBorder,     ///< routes between `countries` closed (one country: all its border routes)
  kReopenBorder,
  kOpenSite,        ///< `locations[0]`, closed until now, opens (optionally with a capacity)
  kCloseSite,       ///< `locations[0]` stops taking arrivals; the people there stay
  kSetCapacity,     ///< shelter capacity and/or screening throughput of `locations[0]`
  kOutbreak,        ///< an outbreak at `locations[0]`: arrivals suspended and/or capacity cut
};

/// The name of an event type in scenario files, e.g. "close_border".
std::string_view to_string(EventType type) noexcept;
/// Parses an event type's name (exact, lower case); nullopt if unknown.
std::optional<EventType> parse_event_type(std::string_view text) noexcept;

/// One event of a scenario (or the action of a trigger).
struct Event {
  EventType type = EventType::kDisplacement;
  int day = 0;                          ///< acts from the start of this day, 0 <= day < days
  int until_day = -1;                   ///< close_*: reopens at the start of this day; < 0 = never
  std::vector<LocationId> locations;
  std::vector<RouteId> routes;
  std::vector<std::string> countries;
  double people = 0.0;                  ///< displacement: people leaving, >= 0
  int over_days = 1;                    ///< displacement: spread evenly over this many days, >= 1
  std::vector<double> cohort_shares;    ///< displacement: one per Scenario::cohorts; empty = defaults
  double capacity = std::numeric_limits<double>::quiet_NaN();           ///< NaN = unchanged
  double screening_per_day = std::numeric_limits<double>::quiet_NaN();  ///< NaN = unchanged
  /// outbreak: no arrivals at the site until until_day (routes into it closed).
  bool suspend_arrivals = false;
  /// outbreak: the site's shelter, quarantine, screening and stream capacities are multiplied
  /// by this factor, in [0, 1], until until_day; NaN = unchanged.
  double capacity_factor = std::numeric_limits<double>::quiet_NaN();
  std::string where;                    ///< position in the source, for messages
  std::string note;                     ///< free text from the file (`note`), for reports
};

/// What a trigger watches, at one location, at the end of each day.
enum class TriggerMetric : std::uint8_t {
  kOccupancy,   ///< people there / shelter capacity
  kArrivals,    ///< people arriving that day
  kBacklog,     ///< people waiting for screening
  kPopulation,  ///< people there
};

/// The name of a trigger metric in scenario files, e.g. "occupancy".
std::string_view to_string(TriggerMetric metric) noexcept;
/// Parses a trigger metric's name (exact, lower case); nullopt if unknown.
std::optional<TriggerMetric> parse_trigger_metric(std::string_view text) noexcept;

/// An event fired once, from the day after the first day its condition holds.
struct Trigger {
  LocationId location = 0;
  TriggerMetric metric = TriggerMetric::kOccupancy;
  double threshold = 0.0;
  bool above = true;                    ///< fires when metric > threshold (false: < threshold)
  Event then;                           ///< its day is ignored (set when it fires); no until_day
  std::string where;
  std::string note;                     ///< free text from the file (`note`), for reports
};

/// What a reception stream does with the people referred to it (docs/scenario.md, "Streams").
enum class StreamKind : std::uint8_t {
  kProcedure,  ///< a procedure at the site (protection, trafficking support, family tracing)
  kReturn,     ///< voluntary return: people leave the network back to `origin`
  kOnward,     ///< onward movement: organised transfer to `destinations`
  kRelease,    ///< people leave reception free to move on under the movement rules
};

/// A reception stream: after screening at a site, each cohort's people are referred to the
/// streams by the streams' shares (per cohort, summing to 1 over the streams). Each reception
/// site has its own places in each stream. People wait for a place (`capacity`), are in process
/// for `duration_days`, and then: a procedure releases them into the network at the site (or
/// keeps them there, `stay`); a return sends up to `per_day` a day out of the network to
/// `origin`; an onward stream sends up to `per_day` a day to `destinations`, arriving after
/// `travel_days`; a release stream frees them at the site.
struct Stream {
  std::string name;                     ///< unique, e.g. "asylum"
  std::string type;                     ///< the file's type, e.g. "protection" (for reports)
  StreamKind kind = StreamKind::kProcedure;
  std::vector<double> shares;           ///< per Scenario::cohorts, each in [0, 1]
  double capacity = std::numeric_limits<double>::infinity();  ///< places per site, > 0
  int duration_days = 0;                ///< days in process, >= 0
  double per_day = std::numeric_limits<double>::infinity();   ///< return/onward: leaving per day per site
  bool stay = false;                    ///< procedure: people stay at the site when done
  LocationId origin = 0;                ///< return: where people go back to
  std::vector<LocationId> destinations; ///< onward: where people are taken
  std::vector<double> destination_shares;  ///< onward: one per destination, sum 1
  int travel_days = 1;                  ///< onward: days on the way, >= 1
  std::string where;                    ///< position in the source, for messages
  std::string note;
};

/// The name of a stream kind, e.g. "procedure".
std::string_view to_string(StreamKind kind) noexcept;

/// A quarantine or health-screening stage before screening at some sites: arrivals wait for a
/// place (`capacity` per site), stay `days`, then queue for screening.
struct Quarantine {
  std::vector<LocationId> locations;
  int days = 14;                        ///< >= 1
  double capacity = std::numeric_limits<double>::infinity();  ///< places per site, >= 0
  std::string where;
};

/// A whole scenario, names resolved, ready for an engine.
struct Scenario {
  std::string name;
  std::string start_date;               ///< ISO date of day 0
  int days = 0;                         ///< projected days, > 0
  std::string engine = "expected";      ///< "expected" or "agents"
  std::uint64_t seed = 0;
  Network network;
  MoveRules movement;                   ///< defaults: Flee 3's validation settings (see below)
  Planning planning;
  std::vector<std::string> cohorts;     ///< names, at least one
  std::vector<double> cohort_shares;    ///< default shares, one per cohort, sum 1
  std::vector<Event> events;
  std::vector<Trigger> triggers;
  std::vector<Stream> streams;          ///< reception streams; empty = everyone released
  std::vector<Quarantine> quarantine;   ///< quarantine stages; a site in at most one
  std::string source;                   ///< file (or description) it came from, for messages
  std::string description;              ///< free text from the file (`description`)
};

/// The movement settings corridor uses when a scenario gives none: the settings of Flee 3's
/// published validation runs (flee simsetting.yml: max_move_speed 200, camp_weight 2,
/// default_movechance 0.5, start_on_foot, avoid_short_stints, capacity_scaling 1.25, the rest
/// Flee's code defaults).
MoveRules validation_move_rules();

/// The default cohorts and their shares (UNHCR's global displaced population, rounded:
/// women 0.28, men 0.24, children 0.45, unaccompanied_minors 0.03).
std::vector<std::string> default_cohorts();
std::vector<double> default_cohort_shares();

/// Checks what a reader cannot check alone (ids in range, days inside the horizon, shares
/// summing to 1, non-negative figures); throws InputError naming `where` and the key.
void validate(const Scenario& scenario);

}  // namespace corridor
