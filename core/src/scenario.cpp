// corridor — scenario defaults and validation (see scenario.hpp).
//
// Design notes:
// - validate() is the single home of the ranges of a scenario's values: the TOML reader checks
//   types and resolves names (it knows the file's lines), then calls validate(), so a scenario
//   built in code or from Python is held to the same rules. Messages start with the event's or
//   trigger's `where` ("exercise.toml line 41: events[2] (close_border)") or, for the
//   scenario's own values, its source ("exercise.toml"), then the key and the problem:
//   "exercise.toml line 41: events[2] (displacement): people: -5 must be >= 0".
// - The movement settings' ranges are the agent engine's (move_rules_check.hpp), named by
//   corridor's field names ("movement.max_move_speed_km").
#include "corridor/scenario.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <utility>

#include "corridor/error.hpp"
#include "move_rules_check.hpp"

namespace corridor {

namespace {

constexpr std::array<std::pair<EventType, std::string_view>, 11> kEventTypes{{
    {EventType::kDisplacement, "displacement"},
    {EventType::kCloseRoute, "close_route"},
    {EventType::kReopenRoute, "reopen_route"},
    {EventType::kCloseLocation, "close_location"},
    {EventType::kReopenLocation, "reopen_location"},
    {EventType::kCloseBorder, "close_border"},
    {EventType::kReopenBorder, "reopen_border"},
    {EventType::kOpenSite, "open_site"},
    {EventType::kCloseSite, "close_site"},
    {EventType::kSetCapacity, "set_capacity"},
    {EventType::kOutbreak, "outbreak"},
}};

constexpr std::array<std::pair<StreamKind, std::string_view>, 4> kStreamKinds{{
    {StreamKind::kProcedure, "procedure"},
    {StreamKind::kReturn, "return"},
    {StreamKind::kOnward, "onward"},
    {StreamKind::kRelease, "release"},
}};

constexpr std::array<std::pair<TriggerMetric, std::string_view>, 4> kMetrics{{
    {TriggerMetric::kOccupancy, "occupancy"},
    {TriggerMetric::kArrivals, "arrivals"},
    {TriggerMetric::kBacklog, "backlog"},
    {TriggerMetric::kPopulation, "population"},
}};

constexpr double kShareTolerance = 1e-6;

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.10g", value);
  return text;
}

/// Throws InputError "<prefix>: <key>: <problem>".
[[noreturn]] void fail(const std::string& prefix, const std::string& key,
                       const std::string& problem) {
  throw InputError(prefix + ": " + key + ": " + problem);
}

bool is_close(EventType type) {
  return type == EventType::kCloseRoute || type == EventType::kCloseLocation ||
         type == EventType::kCloseBorder || type == EventType::kCloseSite ||
         type == EventType::kOutbreak;
}

bool takes_one_location(EventType type) {
  return type == EventType::kDisplacement || type == EventType::kOpenSite ||
         type == EventType::kCloseSite || type == EventType::kSetCapacity ||
         type == EventType::kOutbreak;
}

/// Shares of `cohorts`: one each, each finite and >= 0, summing to 1.
void check_shares(const std::string& prefix, const std::string& key,
                  const std::vector<double>& shares, const std::vector<std::string>& cohorts) {
  if (shares.size() != cohorts.size()) {
    fail(prefix, key,
         std::to_string(shares.size()) + " shares for " + std::to_string(cohorts.size()) +
             " cohorts (one per cohort)");
  }
  double sum = 0.0;
  for (std::size_t c = 0; c < shares.size(); ++c) {
    if (!(std::isfinite(shares[c]) && shares[c] >= 0.0)) {
      fail(prefix, key + "." + cohorts[c], number(shares[c]) + " must be >= 0");
    }
    sum += shares[c];
  }
  if (!(std::abs(sum - 1.0) <= kShareTolerance)) {
    fail(prefix, key, "the shares sum to " + number(sum) + ", must sum to 1");
  }
}

/// Checks one event. `trigger_action`: the event of a trigger, whose day is set when it fires.
void check_event(const Scenario& s, const Event& e, const std::string& prefix,
                 bool trigger_action) {
  const std::size_t n = s.network.num_locations();
  if (!trigger_action) {
    if (e.day < 0) fail(prefix, "day", std::to_string(e.day) + " must be >= 0");
    if (e.day >= s.days) {
      fail(prefix, "day",
           std::to_string(e.day) + " is after the scenario's last day (" +
               std::to_string(s.days - 1) + "; days = " + std::to_string(s.days) +
               ", counted from 0)");
    }
  }
  if (e.until_day >= 0) {
    if (!is_close(e.type)) {
      fail(prefix, "until_day",
           "only close_route, close_location, close_border, close_site and outbreak end");
    }
    if (trigger_action) {
      fail(prefix, "until_day",
           "not allowed in a trigger's event (the day it fires is not known in advance)");
    }
    if (e.until_day <= e.day) {
      fail(prefix, "until_day",
           std::to_string(e.until_day) + " must be > day (" + std::to_string(e.day) + ")");
    }
  }
  for (const LocationId id : e.locations) {
    if (id >= n) fail(prefix, "location", "unknown location id " + std::to_string(id));
  }
  for (const RouteId id : e.routes) {
    if (id >= s.network.num_routes()) {
      fail(prefix, "routes", "unknown route id " + std::to_string(id));
    }
  }
  if (!(std::isnan(e.capacity) || e.capacity >= 0.0)) {
    fail(prefix, "capacity", number(e.capacity) + " must be >= 0 (or unlimited)");
  }
  if (!(std::isnan(e.screening_per_day) || e.screening_per_day >= 0.0)) {
    fail(prefix, "screening_per_day", number(e.screening_per_day) + " must be >= 0 (or unlimited)");
  }

  if (takes_one_location(e.type) && e.locations.size() != 1) {
    fail(prefix, "location",
         "needs exactly one location, got " + std::to_string(e.locations.size()));
  }
  switch (e.type) {
    case EventType::kDisplacement:
      if (!(std::isfinite(e.people) && e.people >= 0.0)) {
        fail(prefix, "people", number(e.people) + " must be >= 0");
      }
      if (e.over_days < 1) {
        fail(prefix, "over_days", std::to_string(e.over_days) + " must be >= 1");
      }
      if (!e.cohort_shares.empty()) check_shares(prefix, "cohorts", e.cohort_shares, s.cohorts);
      break;
    case EventType::kCloseRoute:
    case EventType::kReopenRoute:
      if (e.routes.empty()) fail(prefix, "routes", "no route given");
      break;
    case EventType::kCloseLocation:
    case EventType::kReopenLocation:
      if (e.locations.empty()) fail(prefix, "locations", "no location given");
      break;
    case EventType::kCloseBorder:
    case EventType::kReopenBorder: {
      if (e.countries.empty()) fail(prefix, "countries", "no country given");
      std::set<std::string, std::less<>> known;
      for (const Location& loc : s.network.locations()) known.insert(loc.country);
      for (const std::string& country : e.countries) {
        if (country.empty() || !known.count(country)) {
          fail(prefix, "countries", "no location of the network is in country '" + country + "'");
        }
      }
      break;
    }
    case EventType::kSetCapacity:
      if (std::isnan(e.capacity) && std::isnan(e.screening_per_day)) {
        fail(prefix, "capacity", "set_capacity needs capacity or screening_per_day (or both)");
      }
      break;
    case EventType::kOutbreak:
      if (!e.suspend_arrivals && std::isnan(e.capacity_factor)) {
        fail(prefix, "suspend_arrivals",
             "an outbreak needs suspend_arrivals = true or a capacity_factor (or both)");
      }
      if (!(std::isnan(e.capacity_factor) ||
            (e.capacity_factor >= 0.0 && e.capacity_factor <= 1.0))) {
        fail(prefix, "capacity_factor", number(e.capacity_factor) + " must be in [0, 1]");
      }
      break;
    case EventType::kOpenSite:
    case EventType::kCloseSite:
      break;
  }
}

void check_streams(const Scenario& s, const std::string& prefix) {
  const std::size_t n = s.network.num_locations();
  std::set<std::string, std::less<>> names;
  std::vector<double> sums(s.cohorts.size(), 0.0);
  for (std::size_t i = 0; i < s.streams.size(); ++i) {
    const Stream& st = s.streams[i];
    const std::string where =
        st.where.empty() ? prefix + ": streams[" + std::to_string(i) + "] (" + st.name + ")"
                         : st.where;
    if (st.name.empty()) fail(where, "name", "a stream needs a name");
    if (!names.insert(st.name).second) {
      fail(where, "name", "'" + st.name + "' is the name of an earlier stream too");
    }
    if (st.shares.size() != s.cohorts.size()) {
      fail(where, "shares",
           std::to_string(st.shares.size()) + " shares for " + std::to_string(s.cohorts.size()) +
               " cohorts (one per cohort)");
    }
    for (std::size_t c = 0; c < st.shares.size(); ++c) {
      if (!(st.shares[c] >= 0.0 && st.shares[c] <= 1.0)) {
        fail(where, "shares." + s.cohorts[c], number(st.shares[c]) + " must be in [0, 1]");
      }
      sums[c] += st.shares[c];
    }
    if (!(st.capacity > 0.0)) {
      fail(where, "capacity", number(st.capacity) + " must be > 0 (or unlimited)");
    }
    if (st.duration_days < 0) {
      fail(where, "duration_days", std::to_string(st.duration_days) + " must be >= 0");
    }
    if (!(st.per_day >= 0.0)) {
      fail(where, "per_day", number(st.per_day) + " must be >= 0 (or unlimited)");
    }
    if (st.stay && st.kind != StreamKind::kProcedure) {
      fail(where, "stay", "only a procedure's people can stay at the site when done");
    }
    if (st.kind == StreamKind::kReturn && st.origin >= n) {
      fail(where, "origin", "unknown location id " + std::to_string(st.origin));
    }
    if (st.kind == StreamKind::kOnward) {
      if (st.destinations.empty()) fail(where, "destinations", "no destination given");
      for (const LocationId d : st.destinations) {
        if (d >= n) fail(where, "destinations", "unknown location id " + std::to_string(d));
      }
      if (st.destination_shares.size() != st.destinations.size()) {
        fail(where, "destination_shares",
             std::to_string(st.destination_shares.size()) + " shares for " +
                 std::to_string(st.destinations.size()) + " destinations (one each)");
      }
      double sum = 0.0;
      for (const double x : st.destination_shares) {
        if (!(x >= 0.0 && std::isfinite(x))) {
          fail(where, "destination_shares", number(x) + " must be >= 0");
        }
        sum += x;
      }
      if (!(std::abs(sum - 1.0) <= kShareTolerance)) {
        fail(where, "destination_shares", "the shares sum to " + number(sum) + ", must sum to 1");
      }
      if (st.travel_days < 1) {
        fail(where, "travel_days", std::to_string(st.travel_days) + " must be >= 1");
      }
    }
  }
  if (s.streams.empty()) return;
  for (std::size_t c = 0; c < s.cohorts.size(); ++c) {
    if (std::abs(sums[c] - 1.0) <= kShareTolerance) continue;
    std::string each;
    for (const Stream& st : s.streams) {
      if (!each.empty()) each += ", ";
      each += st.name + " " + number(st.shares[c]);
    }
    fail(prefix, "streams",
         "the shares of cohort '" + s.cohorts[c] + "' sum to " + number(sums[c]) +
             " over the streams (" + each +
             "); every screened person goes to exactly one stream, so they must sum to 1");
  }
}

void check_quarantine(const Scenario& s, const std::string& prefix) {
  std::set<LocationId> seen;
  for (std::size_t i = 0; i < s.quarantine.size(); ++i) {
    const Quarantine& q = s.quarantine[i];
    const std::string where =
        q.where.empty() ? prefix + ": quarantine[" + std::to_string(i) + "]" : q.where;
    if (q.locations.empty()) fail(where, "locations", "no location given");
    for (const LocationId v : q.locations) {
      if (v >= s.network.num_locations()) {
        fail(where, "locations", "unknown location id " + std::to_string(v));
      }
      if (!seen.insert(v).second) {
        fail(where, "locations",
             "'" + s.network.location(v).name + "' has a quarantine stage already");
      }
    }
    if (q.days < 1) fail(where, "days", std::to_string(q.days) + " must be >= 1");
    if (!(q.capacity >= 0.0)) {
      fail(where, "capacity", number(q.capacity) + " must be >= 0 (or unlimited)");
    }
  }
}

void check_planning(const std::string& prefix, const Planning& p) {
  const std::pair<const char*, double> figures[] = {
      {"water_l", p.water_l},
      {"people_per_tap", p.people_per_tap},
      {"people_per_toilet_first", p.people_per_toilet_first},
      {"people_per_toilet", p.people_per_toilet},
      {"covered_m2", p.covered_m2},
      {"site_area_m2", p.site_area_m2},
      {"kcal", p.kcal},
  };
  for (const auto& [key, value] : figures) {
    if (!(std::isfinite(value) && value > 0.0)) {
      fail(prefix, std::string("planning.") + key, number(value) + " must be > 0");
    }
  }
  if (p.first_phase_days < 0) {
    fail(prefix, "planning.first_phase_days", std::to_string(p.first_phase_days) + " must be >= 0");
  }
}

}  // namespace

std::string_view to_string(EventType type) noexcept {
  for (const auto& [t, name] : kEventTypes) {
    if (t == type) return name;
  }
  return "unknown";
}

std::optional<EventType> parse_event_type(std::string_view text) noexcept {
  for (const auto& [t, name] : kEventTypes) {
    if (name == text) return t;
  }
  return std::nullopt;
}

std::string_view to_string(StreamKind kind) noexcept {
  for (const auto& [k, name] : kStreamKinds) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::string_view to_string(TriggerMetric metric) noexcept {
  for (const auto& [m, name] : kMetrics) {
    if (m == metric) return name;
  }
  return "unknown";
}

std::optional<TriggerMetric> parse_trigger_metric(std::string_view text) noexcept {
  for (const auto& [m, name] : kMetrics) {
    if (name == text) return m;
  }
  return std::nullopt;
}

MoveRules validation_move_rules() {
  MoveRules rules;  // Flee's code defaults, then the validation simsetting.yml's changes
  rules.max_move_speed_km = 200.0;
  rules.camp_weight = 2.0;
  rules.default_movechance = 0.5;
  rules.start_on_foot = true;
  rules.avoid_short_stints = true;
  rules.capacity_scaling = 1.25;
  rules.distance_power = 1.0;
  rules.camp_movechance = 0.001;
  rules.softening = 10.0;
  return rules;
}

std::vector<std::string> default_cohorts() {
  return {"women", "men", "children", "unaccompanied_minors"};
}

std::vector<double> default_cohort_shares() { return {0.28, 0.24, 0.45, 0.03}; }

void validate(const Scenario& s) {
  const std::string prefix = s.source.empty() ? "scenario '" + s.name + "'" : s.source;
  if (s.days <= 0) fail(prefix, "days", std::to_string(s.days) + " must be > 0");
  if (s.engine != "expected" && s.engine != "agents") {
    fail(prefix, "engine", "'" + s.engine + "' must be 'expected' or 'agents'");
  }
  if (s.network.num_locations() == 0) fail(prefix, "network", "has no locations");

  if (s.cohorts.empty()) fail(prefix, "cohorts", "at least one cohort is needed");
  std::set<std::string, std::less<>> names;
  for (const std::string& cohort : s.cohorts) {
    if (cohort.empty()) fail(prefix, "cohorts", "a cohort name is empty");
    if (!names.insert(cohort).second) fail(prefix, "cohorts", "'" + cohort + "' is named twice");
  }
  check_shares(prefix, "cohorts", s.cohort_shares, s.cohorts);

  if (const auto problem = detail::check_move_rules(s.movement)) {
    fail(prefix, std::string("movement.") + problem->field,
         number(problem->value) + " " + problem->rule);
  }
  check_planning(prefix, s.planning);

  for (std::size_t i = 0; i < s.events.size(); ++i) {
    const Event& e = s.events[i];
    const std::string where = e.where.empty() ? prefix + ": events[" + std::to_string(i) + "] (" +
                                                    std::string(to_string(e.type)) + ")"
                                              : e.where;
    check_event(s, e, where, false);
  }
  for (std::size_t i = 0; i < s.triggers.size(); ++i) {
    const Trigger& t = s.triggers[i];
    const std::string where =
        t.where.empty() ? prefix + ": triggers[" + std::to_string(i) + "]" : t.where;
    if (t.location >= s.network.num_locations()) {
      fail(where, "location", "unknown location id " + std::to_string(t.location));
    }
    if (!std::isfinite(t.threshold)) {
      fail(where, t.above ? "above" : "below", number(t.threshold) + " must be finite");
    }
    const std::string then_where =
        t.then.where.empty() ? where + ".then (" + std::string(to_string(t.then.type)) + ")"
                             : t.then.where;
    check_event(s, t.then, then_where, true);
  }
  check_streams(s, prefix);
  check_quarantine(s, prefix);
}

}  // namespace corridor
