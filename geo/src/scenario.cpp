// corridor::geo — reading a scenario TOML file (docs/scenario.md documents every key).
//
// Design notes (implementation):
// - toml++ parses (a private dependency of corridor_geo). This file checks every table against
//   the keys it knows before reading it, so a typo is an error naming the file, the line, the
//   table or event and the key, with the nearest known key when one is close.
// - The reader checks types and resolves names (locations, countries, cohorts, route pairs)
//   against the network, where it knows each value's line; ranges (days inside the horizon,
//   shares summing to 1, non-negative figures) are left to corridor::validate(), which names the
//   event by its `where` ("<file> line N: events[i] (type)"), so a scenario built in code is
//   held to the same rules.
// - Messages read "<file> line N: <context>: <key>: <problem>", where the context is
//   "events[i] (type)", "triggers[i]", "triggers[i].then (type)" or "[table]" (nothing at the
//   top level); events are numbered from 0 in file order.
// - toml++ keeps a table's keys sorted by name; declared cohorts keep the file's order by
//   sorting them on their source position.
#include "corridor/geo/scenario.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "corridor/error.hpp"
#include "corridor/geo/read.hpp"
#include "text.hpp"

namespace corridor::geo {

namespace {

using detail::lower;
using detail::join;

namespace fs = std::filesystem;
using Keys = std::vector<std::string_view>;

// ------------------------------------------------------------------------------------------
// Text


// Edit distance with adjacent transpositions (optimal string alignment), case-insensitive.
std::size_t edit_distance(std::string_view a_in, std::string_view b_in) {
  const std::string a = lower(a_in);
  const std::string b = lower(b_in);
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// " (did you mean 'X'?)" for the candidate closest to `name`, or "" if none is close: the same
// name in another case, else the nearest within a few edits, else the shortest candidate that
// starts with `name` (a name cut short).
template <class Strings>
std::string did_you_mean(std::string_view name, const Strings& candidates) {
  const std::size_t limit = name.size() <= 4 ? 1 : std::max<std::size_t>(2, name.size() / 3);
  std::string best;
  std::size_t best_distance = limit + 1;
  std::string prefix_match;
  const std::string lowered = lower(name);
  for (const auto& candidate_item : candidates) {
    const std::string_view candidate = candidate_item;
    const std::size_t distance = edit_distance(name, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = std::string(candidate);
    }
    if (lowered.size() >= 4 && lower(candidate).rfind(lowered, 0) == 0 &&
        (prefix_match.empty() || candidate.size() < prefix_match.size())) {
      prefix_match = std::string(candidate);
    }
  }
  if (best_distance <= limit) return " (did you mean '" + best + "'?)";
  if (!prefix_match.empty()) return " (did you mean '" + prefix_match + "'?)";
  return {};
}

// ------------------------------------------------------------------------------------------
// TOML nodes

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number with a fraction";
    case toml::node_type::boolean:
      return "true/false";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::array:
      return "a list";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::size_t line_of(const toml::node& node) { return node.source().begin.line; }

// The keys of a table in the order they appear in the file.
std::vector<std::pair<std::string, const toml::node*>> in_file_order(const toml::table& table) {
  std::vector<std::tuple<std::size_t, std::size_t, std::string, const toml::node*>> keyed;
  for (const auto& [key, node] : table) {
    keyed.emplace_back(key.source().begin.line, key.source().begin.column, std::string(key.str()),
                       &node);
  }
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
  });
  std::vector<std::pair<std::string, const toml::node*>> out;
  for (auto& [line, column, key, node] : keyed) out.emplace_back(std::move(key), node);
  return out;
}

// ------------------------------------------------------------------------------------------
// The reader

// Keys of every event; then those of each type.
constexpr std::string_view kEventCommonKeys[] = {"type", "day", "note"};

Keys event_type_keys(EventType type) {
  switch (type) {
    case EventType::kDisplacement:
      return {"location", "people", "over_days", "cohorts"};
    case EventType::kCloseRoute:
      return {"from", "to", "routes", "until_day"};
    case EventType::kReopenRoute:
      return {"from", "to", "routes"};
    case EventType::kCloseLocation:
      return {"location", "locations", "until_day"};
    case EventType::kReopenLocation:
      return {"location", "locations"};
    case EventType::kCloseBorder:
      return {"countries", "until_day"};
    case EventType::kReopenBorder:
      return {"countries"};
    case EventType::kOpenSite:
      return {"location", "capacity", "screening_per_day"};
    case EventType::kCloseSite:
      return {"location", "until_day"};
    case EventType::kSetCapacity:
      return {"location", "capacity", "screening_per_day"};
    case EventType::kOutbreak:
      return {"location", "until_day", "suspend_arrivals", "capacity_factor"};
  }
  return {};
}

constexpr EventType kAllEventTypes[] = {EventType::kDisplacement,   EventType::kCloseRoute,
                                        EventType::kReopenRoute,    EventType::kCloseLocation,
                                        EventType::kReopenLocation, EventType::kCloseBorder,
                                        EventType::kReopenBorder,   EventType::kOpenSite,
                                        EventType::kCloseSite,      EventType::kSetCapacity,
                                        EventType::kOutbreak};

// The stream types of scenario files: each a kind with its default duration (docs/scenario.md).
struct StreamType {
  std::string_view name;
  StreamKind kind;
  int duration_days;
};
constexpr StreamType kStreamTypes[] = {
    // 12 weeks: the longest border procedure of the EU Asylum Procedure Regulation
    // (EU) 2024/1348, art. 51(2).
    {"protection", StreamKind::kProcedure, 84},
    // 30 days: the minimum recovery and reflection period of the Council of Europe Convention on
    // Action against Trafficking in Human Beings (2005), art. 13.
    {"trafficking_support", StreamKind::kProcedure, 30},
    // 30 days: a planning assumption (tracing takes from days to months); set your own.
    {"family_tracing", StreamKind::kProcedure, 30},
    // 14 days: a planning assumption for counselling, documents and travel arrangements.
    {"voluntary_return", StreamKind::kReturn, 14},
    {"onward", StreamKind::kOnward, 0},
    {"release", StreamKind::kRelease, 0},
    {"procedure", StreamKind::kProcedure, 0},
    {"return", StreamKind::kReturn, 0},
};

constexpr TriggerMetric kAllMetrics[] = {TriggerMetric::kOccupancy, TriggerMetric::kArrivals,
                                         TriggerMetric::kBacklog, TriggerMetric::kPopulation};

struct MoveField {
  std::string_view key;
  double MoveRules::*member;
};
constexpr MoveField kMoveFields[] = {
    {"max_move_speed_km", &MoveRules::max_move_speed_km},
    {"max_walk_speed_km", &MoveRules::max_walk_speed_km},
    {"foreign_weight", &MoveRules::foreign_weight},
    {"camp_weight", &MoveRules::camp_weight},
    {"conflict_weight", &MoveRules::conflict_weight},
    {"conflict_movechance", &MoveRules::conflict_movechance},
    {"camp_movechance", &MoveRules::camp_movechance},
    {"idpcamp_movechance", &MoveRules::idpcamp_movechance},
    {"default_movechance", &MoveRules::default_movechance},
    {"capacity_buffer", &MoveRules::capacity_buffer},
    {"capacity_scaling", &MoveRules::capacity_scaling},
    {"softening", &MoveRules::softening},
    {"weight_softening", &MoveRules::weight_softening},
    {"weight_power", &MoveRules::weight_power},
    {"distance_power", &MoveRules::distance_power},
};

struct PlanningField {
  std::string_view key;
  double Planning::*member;
};
constexpr PlanningField kPlanningFields[] = {
    {"water_l", &Planning::water_l},
    {"people_per_tap", &Planning::people_per_tap},
    {"people_per_toilet_first", &Planning::people_per_toilet_first},
    {"people_per_toilet", &Planning::people_per_toilet},
    {"covered_m2", &Planning::covered_m2},
    {"site_area_m2", &Planning::site_area_m2},
    {"kcal", &Planning::kcal},
};

class Reader {
 public:
  explicit Reader(const ScenarioSource& source) : source_(source) {}

  Scenario read(std::string_view text) {
    toml::table root;
    try {
      root = toml::parse(text, std::string_view(source_.name));
    } catch (const toml::parse_error& e) {
      throw InputError(source_.name + " line " + std::to_string(e.source().begin.line) +
                       ", column " + std::to_string(e.source().begin.column) +
                       ": not valid TOML: " + std::string(e.description()));
    }

    check_keys(root, "",
               {"name", "description", "start", "days", "engine", "seed", "cohorts", "network",
                "movement", "planning", "events", "triggers", "streams", "quarantine"});
    Scenario s;
    s.source = source_.name;
    s.name = string(root, "", "name", true);
    s.description = string(root, "", "description", false);
    s.start_date = date(root, "start");
    s.days = integer(root, "", "days", true, 0);
    s.engine = string(root, "", "engine", false);
    if (s.engine.empty()) s.engine = "expected";
    if (s.engine != "expected" && s.engine != "agents") {
      fail(*root.get("engine"), "", "engine",
           "'" + s.engine + "' is not an engine; use 'expected' or 'agents'" +
               did_you_mean(s.engine, Keys{"expected", "agents"}));
    }
    if (const toml::node* seed = root.get("seed")) {
      const long long value = integer(*seed, "", "seed");
      if (value < 0) fail(*seed, "", "seed", std::to_string(value) + " must be >= 0");
      s.seed = static_cast<std::uint64_t>(value);
    }
    read_cohorts(root, s);
    s.network = read_network_table(root);
    network_ = &s.network;
    for (const Location& loc : s.network.locations()) {
      location_names_.push_back(loc.name);
      if (!loc.country.empty()) countries_.insert(loc.country);
    }
    s.movement = read_movement(root);
    s.planning = read_planning(root);
    cohorts_ = &s.cohorts;

    if (const toml::node* events = root.get("events")) {
      const toml::array& list = array_of_tables(*events, "events");
      for (std::size_t i = 0; i < list.size(); ++i) {
        s.events.push_back(
            read_event(*list[i].as_table(), "events[" + std::to_string(i) + "]", false));
      }
    }
    if (const toml::node* triggers = root.get("triggers")) {
      const toml::array& list = array_of_tables(*triggers, "triggers");
      for (std::size_t i = 0; i < list.size(); ++i) {
        s.triggers.push_back(read_trigger(*list[i].as_table(), i));
      }
    }
    if (const toml::node* streams = root.get("streams")) {
      const toml::array& list = array_of_tables(*streams, "streams");
      for (std::size_t i = 0; i < list.size(); ++i) {
        s.streams.push_back(read_stream(*list[i].as_table(), i));
      }
    }
    if (const toml::node* stages = root.get("quarantine")) {
      const toml::array& list = array_of_tables(*stages, "quarantine");
      for (std::size_t i = 0; i < list.size(); ++i) {
        s.quarantine.push_back(read_quarantine(*list[i].as_table(), i));
      }
    }
    validate(s);
    return s;
  }

 private:
  // -------------------------------------------------------------------------- messages --

  std::string at(std::size_t line) const {
    return source_.name + " line " + std::to_string(line) + ": ";
  }

  /// "<file> line N: <context>: <key>: <problem>" (no context at the top level).
  [[noreturn]] void fail(const toml::node& node, const std::string& context, const std::string& key,
                         const std::string& problem) const {
    fail_line(line_of(node), context, key, problem);
  }
  [[noreturn]] void fail_line(std::size_t line, const std::string& context, const std::string& key,
                              const std::string& problem) const {
    throw InputError(at(line) + (context.empty() ? "" : context + ": ") + key + ": " + problem);
  }

  [[noreturn]] void missing(const toml::table& table, const std::string& context,
                            const std::string& key) const {
    if (context.empty()) {
      throw InputError(source_.name + ": missing required key '" + key + "' at the top level");
    }
    throw InputError(at(line_of(table)) + context + ": missing required key '" + key + "'");
  }

  /// Every key of `table` must be in `known`.
  void check_keys(const toml::table& table, const std::string& context, const Keys& known) const {
    for (const auto& [key, node] : in_file_order(table)) {
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      throw InputError(at(line_of(*node)) + (context.empty() ? "" : context + ": ") +
                       "unknown key '" + key + "'" + (context.empty() ? " at the top level" : "") +
                       did_you_mean(key, known) + "; known keys: " + join(known));
    }
  }

  // ----------------------------------------------------------------------------- values --

  std::string string(const toml::table& table, const std::string& context, const std::string& key,
                     bool required) const {
    const toml::node* node = table.get(key);
    if (!node) {
      if (required) missing(table, context, key);
      return {};
    }
    return string(*node, context, key);
  }
  std::string string(const toml::node& node, const std::string& context,
                     const std::string& key) const {
    if (const auto* value = node.as_string()) return value->get();
    fail(node, context, key, "expected a string, got " + type_name(node));
  }

  long long integer(const toml::node& node, const std::string& context,
                    const std::string& key) const {
    if (const auto* value = node.as_integer()) return value->get();
    fail(node, context, key, "expected a whole number, got " + type_name(node));
  }
  /// An int-sized integer; `fallback` when absent and not required.
  int integer(const toml::table& table, const std::string& context, const std::string& key,
              bool required, int fallback) const {
    const toml::node* node = table.get(key);
    if (!node) {
      if (required) missing(table, context, key);
      return fallback;
    }
    const long long value = integer(*node, context, key);
    if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
      fail(*node, context, key, std::to_string(value) + " is out of range");
    }
    return static_cast<int>(value);
  }

  /// A number (an integer is taken as a float).
  double real(const toml::node& node, const std::string& context, const std::string& key) const {
    if (const auto* value = node.as_floating_point()) return value->get();
    if (const auto* value = node.as_integer()) return static_cast<double>(value->get());
    fail(node, context, key, "expected a number, got " + type_name(node));
  }

  /// A number, or the string "unlimited" (+infinity).
  double capacity(const toml::node& node, const std::string& context,
                  const std::string& key) const {
    if (const auto* text = node.as_string()) {
      if (lower(text->get()) == "unlimited") return kUnlimited;
      fail(node, context, key,
           "expected a number or \"unlimited\", got the string '" + text->get() + "'");
    }
    if (!node.is_number()) {
      fail(node, context, key, "expected a number or \"unlimited\", got " + type_name(node));
    }
    return real(node, context, key);
  }

  bool boolean(const toml::node& node, const std::string& context, const std::string& key) const {
    if (const auto* value = node.as_boolean()) return value->get();
    fail(node, context, key, "expected true or false, got " + type_name(node));
  }

  /// A list of strings (a single string is taken as a list of one).
  std::vector<std::pair<std::string, const toml::node*>> strings(const toml::node& node,
                                                                 const std::string& context,
                                                                 const std::string& key) const {
    std::vector<std::pair<std::string, const toml::node*>> out;
    if (node.is_string()) {
      out.emplace_back(string(node, context, key), &node);
      return out;
    }
    const toml::array* list = node.as_array();
    if (!list) fail(node, context, key, "expected a list of names, got " + type_name(node));
    for (std::size_t i = 0; i < list->size(); ++i) {
      const toml::node& item = *list->get(i);
      out.emplace_back(string(item, context, key + "[" + std::to_string(i) + "]"), &item);
    }
    return out;
  }

  const toml::table& table(const toml::node& node, const std::string& context,
                           const std::string& key) const {
    if (const auto* value = node.as_table()) return *value;
    fail(node, context, key, "expected a table, got " + type_name(node));
  }

  const toml::array& array_of_tables(const toml::node& node, const std::string& key) const {
    const toml::array* list = node.as_array();
    if (!list) {
      fail(node, "", key,
           "expected a list of tables (write each as [[" + key + "]]), got " + type_name(node));
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
      if (!list->get(i)->is_table()) {
        fail(*list->get(i), "", key + "[" + std::to_string(i) + "]",
             "expected a table (write it as [[" + key + "]]), got " + type_name(*list->get(i)));
      }
    }
    return *list;
  }

  /// `start`: a TOML local date or a "YYYY-MM-DD" string; returns ISO text.
  std::string date(const toml::table& root, const std::string& key) const {
    const toml::node* node = root.get(key);
    if (!node) missing(root, "", key);
    int y = 0;
    unsigned m = 0;
    unsigned d = 0;
    if (const auto* value = node->as_date()) {
      y = value->get().year;
      m = value->get().month;
      d = value->get().day;
    } else if (const auto* text = node->as_string()) {
      const std::string& t = text->get();
      const bool shaped = t.size() == 10 && t[4] == '-' && t[7] == '-' &&
                          std::all_of(t.begin(), t.end(), [](char c) {
                            return c == '-' || std::isdigit(static_cast<unsigned char>(c));
                          });
      if (!shaped) fail(*node, "", key, "'" + t + "' is not a date (YYYY-MM-DD)");
      y = std::stoi(t.substr(0, 4));
      m = static_cast<unsigned>(std::stoi(t.substr(5, 2)));
      d = static_cast<unsigned>(std::stoi(t.substr(8, 2)));
    } else {
      fail(*node, "", key, "expected a date (YYYY-MM-DD), got " + type_name(*node));
    }
    const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m},
                                          std::chrono::day{d}};
    char iso[16];
    std::snprintf(iso, sizeof iso, "%04d-%02u-%02u", y, m, d);
    if (!ymd.ok()) fail(*node, "", key, std::string(iso) + " is not a day of the calendar");
    return iso;
  }

  // ---------------------------------------------------------------------------- tables --

  void read_cohorts(const toml::table& root, Scenario& s) const {
    const toml::node* node = root.get("cohorts");
    if (!node) {
      s.cohorts = default_cohorts();
      s.cohort_shares = default_cohort_shares();
      return;
    }
    const toml::table& cohorts = table(*node, "", "cohorts");
    for (const auto& [name, share] : in_file_order(cohorts)) {
      s.cohorts.push_back(name);
      s.cohort_shares.push_back(real(*share, "[cohorts]", name));
    }
    if (s.cohorts.empty()) fail(*node, "", "cohorts", "at least one cohort is needed");
  }

  Network read_network_table(const toml::table& root) const {
    const toml::node* node = root.get("network");
    const Keys keys{"locations", "routes", "locations_layer", "routes_layer"};
    if (node) check_keys(table(*node, "", "network"), "[network]", keys);
    if (source_.network) return *source_.network;  // the caller's network wins over [network]
    if (!node) {
      throw InputError(source_.name +
                       ": no network: give a [network] table with 'locations' and 'routes' "
                       "(file paths relative to the scenario file)");
    }
    const toml::table& net = *node->as_table();
    const std::string context = "[network]";
    const std::string locations = path(string(net, context, "locations", true));
    const std::string routes = path(string(net, context, "routes", true));
    ReadOptions options;
    options.locations_layer = string(net, context, "locations_layer", false);
    options.routes_layer = string(net, context, "routes_layer", false);
    try {
      return read_network(locations, routes, options);
    } catch (const IoError& e) {
      throw IoError(std::string(e.what()) + " (named by " + at(line_of(net)) + "[network])");
    }
  }

  /// A path from [network], relative to the scenario's directory unless absolute.
  std::string path(const std::string& given) const {
    const fs::path p(given);
    if (p.is_absolute() || source_.base_dir.empty() || source_.base_dir == ".") return given;
    return (fs::path(source_.base_dir) / p).string();
  }

  MoveRules read_movement(const toml::table& root) const {
    MoveRules rules = validation_move_rules();
    const toml::node* node = root.get("movement");
    if (!node) return rules;
    const std::string context = "[movement]";
    Keys keys;
    for (const MoveField& f : kMoveFields) keys.push_back(f.key);
    keys.insert(keys.end(), {"awareness_level", "avoid_short_stints", "start_on_foot"});
    const toml::table& movement = table(*node, "", "movement");
    check_keys(movement, context, keys);
    for (const MoveField& f : kMoveFields) {
      if (const toml::node* value = movement.get(f.key)) {
        rules.*f.member = real(*value, context, std::string(f.key));
      }
    }
    rules.awareness_level =
        integer(movement, context, "awareness_level", false, rules.awareness_level);
    if (const toml::node* value = movement.get("avoid_short_stints")) {
      rules.avoid_short_stints = boolean(*value, context, "avoid_short_stints");
    }
    if (const toml::node* value = movement.get("start_on_foot")) {
      rules.start_on_foot = boolean(*value, context, "start_on_foot");
    }
    return rules;
  }

  Planning read_planning(const toml::table& root) const {
    Planning planning;
    const toml::node* node = root.get("planning");
    if (!node) return planning;
    const std::string context = "[planning]";
    Keys keys;
    for (const PlanningField& f : kPlanningFields) keys.push_back(f.key);
    keys.push_back("first_phase_days");
    const toml::table& figures = table(*node, "", "planning");
    check_keys(figures, context, keys);
    for (const PlanningField& f : kPlanningFields) {
      if (const toml::node* value = figures.get(f.key)) {
        planning.*f.member = real(*value, context, std::string(f.key));
      }
    }
    planning.first_phase_days =
        integer(figures, context, "first_phase_days", false, planning.first_phase_days);
    return planning;
  }

  // ---------------------------------------------------------------------------- names --

  LocationId location(const toml::node& node, const std::string& context,
                      const std::string& key) const {
    const std::string name = string(node, context, key);
    if (const auto id = network_->find(name)) return *id;
    fail(node, context, key,
         "unknown location '" + name + "'" + did_you_mean(name, location_names_));
  }

  std::vector<RouteId> routes_between(LocationId a, LocationId b) const {
    std::vector<RouteId> out;
    const auto routes = network_->routes();
    for (std::size_t r = 0; r < routes.size(); ++r) {
      if ((routes[r].from == a && routes[r].to == b) ||
          (routes[r].from == b && routes[r].to == a)) {
        out.push_back(static_cast<RouteId>(r));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------- events --

  /// An event from `t`. `label` is "events[i]" or "triggers[i].then"; a trigger's event
  /// (`action`) has no day and no until_day.
  Event read_event(const toml::table& t, const std::string& label, bool action) const {
    const toml::node* type_node = t.get("type");
    if (!type_node) missing(t, label, "type");
    const std::string type_text = string(*type_node, label, "type");
    const auto type = parse_event_type(type_text);
    if (!type) {
      Keys names;
      for (const EventType each : kAllEventTypes) names.push_back(to_string(each));
      fail(*type_node, label, "type",
           "unknown event type '" + type_text + "'" + did_you_mean(type_text, names) +
               "; known types: " + join(names));
    }
    Event e;
    e.type = *type;
    const std::string context = label + " (" + type_text + ")";
    e.where = at(line_of(t)) + context;

    Keys keys(std::begin(kEventCommonKeys), std::end(kEventCommonKeys));
    for (const std::string_view key : event_type_keys(e.type)) keys.push_back(key);
    if (action) {
      for (const std::string_view key : {"day", "until_day"}) {
        if (const toml::node* node = t.get(key)) {
          fail(*node, context, std::string(key),
               "not allowed in a trigger's event (it acts from the day after the trigger "
               "fires, which is not known in advance)");
        }
      }
      keys.erase(std::remove(keys.begin(), keys.end(), "day"), keys.end());
    }
    check_keys(t, context, keys);

    if (!action) e.day = integer(t, context, "day", true, 0);
    e.note = string(t, context, "note", false);
    e.until_day = integer(t, context, "until_day", false, -1);
    if (const toml::node* node = t.get("until_day"); node && e.until_day < 0) {
      fail(*node, context, "until_day",
           std::to_string(e.until_day) + " must be >= 0 (leave it out for no reopening)");
    }

    switch (e.type) {
      case EventType::kDisplacement:
        e.locations.push_back(required_location(t, context, "location"));
        e.people = real(required(t, context, "people"), context, "people");
        e.over_days = integer(t, context, "over_days", false, 1);
        if (const toml::node* node = t.get("cohorts")) e.cohort_shares = shares(*node, context);
        break;
      case EventType::kCloseRoute:
      case EventType::kReopenRoute:
        e.routes = event_routes(t, context);
        break;
      case EventType::kCloseLocation:
      case EventType::kReopenLocation:
        e.locations = event_locations(t, context);
        break;
      case EventType::kCloseBorder:
      case EventType::kReopenBorder:
        e.countries = event_countries(t, context);
        break;
      case EventType::kOpenSite:
      case EventType::kCloseSite:
      case EventType::kSetCapacity:
        e.locations.push_back(required_location(t, context, "location"));
        if (const toml::node* node = t.get("capacity")) {
          e.capacity = capacity(*node, context, "capacity");
        }
        if (const toml::node* node = t.get("screening_per_day")) {
          e.screening_per_day = capacity(*node, context, "screening_per_day");
        }
        if (e.type == EventType::kSetCapacity && !t.get("capacity") &&
            !t.get("screening_per_day")) {
          throw InputError(e.where +
                           ": missing required key 'capacity' or 'screening_per_day' "
                           "(give one or both)");
        }
        break;
      case EventType::kOutbreak:
        e.locations.push_back(required_location(t, context, "location"));
        if (const toml::node* node = t.get("capacity_factor")) {
          e.capacity_factor = real(*node, context, "capacity_factor");
        }
        if (const toml::node* node = t.get("suspend_arrivals")) {
          e.suspend_arrivals = boolean(*node, context, "suspend_arrivals");
        } else {
          // Without a capacity cut, an outbreak suspends arrivals.
          e.suspend_arrivals = !t.get("capacity_factor");
        }
        break;
    }
    return e;
  }

  const toml::node& required(const toml::table& t, const std::string& context,
                             const std::string& key) const {
    const toml::node* node = t.get(key);
    if (!node) missing(t, context, key);
    return *node;
  }

  LocationId required_location(const toml::table& t, const std::string& context,
                               const std::string& key) const {
    return location(required(t, context, key), context, key);
  }

  /// A table of shares by cohort name (a displacement's `cohorts`, a stream's `shares`):
  /// name -> share over the scenario's cohorts (absent = 0).
  std::vector<double> shares(const toml::node& node, const std::string& context,
                             const std::string& key = "cohorts") const {
    const toml::table& given = table(node, context, key);
    std::vector<double> out(cohorts_->size(), 0.0);
    for (const auto& [name, value] : in_file_order(given)) {
      const auto it = std::find(cohorts_->begin(), cohorts_->end(), name);
      if (it == cohorts_->end()) {
        fail(*value, context, key + "." + name,
             "unknown cohort '" + name + "'" + did_you_mean(name, *cohorts_) +
                 "; the scenario's cohorts: " + join(*cohorts_));
      }
      out[static_cast<std::size_t>(it - cohorts_->begin())] =
          real(*value, context, key + "." + name);
    }
    return out;
  }

  std::vector<RouteId> event_routes(const toml::table& t, const std::string& context) const {
    const toml::node* from = t.get("from");
    const toml::node* to = t.get("to");
    const toml::node* list = t.get("routes");
    if (list && (from || to)) {
      fail(*list, context, "routes", "give either 'from' and 'to', or 'routes', not both");
    }
    std::vector<RouteId> out;
    const auto add_pair = [&](const toml::node& a_node, const toml::node& b_node,
                              const std::string& a_key, const std::string& b_key) {
      const LocationId a = location(a_node, context, a_key);
      const LocationId b = location(b_node, context, b_key);
      const std::vector<RouteId> found = routes_between(a, b);
      if (found.empty()) {
        fail(a_node, context, a_key,
             "no route between '" + network_->location(a).name + "' and '" +
                 network_->location(b).name + "'");
      }
      for (const RouteId r : found) {
        if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
      }
    };
    if (list) {
      const toml::array* pairs = list->as_array();
      if (!pairs) {
        fail(*list, context, "routes",
             "expected a list of [from, to] pairs, e.g. [[\"A\", \"B\"]], got " + type_name(*list));
      }
      if (pairs->empty()) fail(*list, context, "routes", "the list is empty");
      for (std::size_t i = 0; i < pairs->size(); ++i) {
        const std::string key = "routes[" + std::to_string(i) + "]";
        const toml::node& item = *pairs->get(i);
        const toml::array* pair = item.as_array();
        if (!pair || pair->size() != 2) {
          fail(item, context, key,
               "expected a pair of location names [\"from\", \"to\"], got " +
                   (pair ? "a list of " + std::to_string(pair->size()) : type_name(item)));
        }
        add_pair(*pair->get(0), *pair->get(1), key + "[0]", key + "[1]");
      }
      return out;
    }
    if (!from && !to) missing(t, context, "from' and 'to' (or 'routes'");
    if (!from) missing(t, context, "from");
    if (!to) missing(t, context, "to");
    add_pair(*from, *to, "from", "to");
    return out;
  }

  std::vector<LocationId> event_locations(const toml::table& t, const std::string& context) const {
    const toml::node* one = t.get("location");
    const toml::node* many = t.get("locations");
    if (one && many) {
      fail(*many, context, "locations", "give either 'location' or 'locations', not both");
    }
    if (one) return {location(*one, context, "location")};
    if (!many) missing(t, context, "location' (or 'locations'");
    std::vector<LocationId> out;
    const auto names = strings(*many, context, "locations");
    if (names.empty()) fail(*many, context, "locations", "the list is empty");
    for (std::size_t i = 0; i < names.size(); ++i) {
      const LocationId id = location(*names[i].second, context, "locations");
      if (std::find(out.begin(), out.end(), id) != out.end()) {
        fail(*names[i].second, context, "locations", "'" + names[i].first + "' is named twice");
      }
      out.push_back(id);
    }
    return out;
  }

  std::vector<std::string> event_countries(const toml::table& t, const std::string& context) const {
    const toml::node& node = required(t, context, "countries");
    std::vector<std::string> out;
    const auto names = strings(node, context, "countries");
    if (names.empty()) fail(node, context, "countries", "the list is empty");
    for (const auto& [name, item] : names) {
      if (!countries_.count(name)) {
        fail(*item, context, "countries",
             "unknown country '" + name + "'" + did_you_mean(name, countries_) +
                 "; the network's countries: " + join(countries_));
      }
      if (std::find(out.begin(), out.end(), name) != out.end()) {
        fail(*item, context, "countries", "'" + name + "' is named twice");
      }
      out.push_back(name);
    }
    return out;
  }

  // --------------------------------------------------------------------------- streams --

  Stream read_stream(const toml::table& t, std::size_t index) const {
    std::string context = "streams[" + std::to_string(index) + "]";
    const toml::node& type_node = required(t, context, "type");
    const std::string type = string(type_node, context, "type");
    const StreamType* found = nullptr;
    for (const StreamType& each : kStreamTypes) {
      if (each.name == type) found = &each;
    }
    if (!found) {
      Keys names;
      for (const StreamType& each : kStreamTypes) names.push_back(each.name);
      fail(type_node, context, "type",
           "unknown stream type '" + type + "'" + did_you_mean(type, names) +
               "; known types: " + join(names));
    }
    Stream st;
    st.type = type;
    st.kind = found->kind;
    st.duration_days = found->duration_days;
    st.name = string(t, context, "name", false);
    if (st.name.empty()) st.name = type;
    context += " (" + st.name + ")";
    st.where = at(line_of(t)) + context;

    Keys keys{"type", "name", "shares", "capacity", "duration_days", "note"};
    switch (st.kind) {
      case StreamKind::kProcedure:
        keys.push_back("stay");
        break;
      case StreamKind::kReturn:
        keys.insert(keys.end(), {"origin", "per_day"});
        break;
      case StreamKind::kOnward:
        keys.insert(keys.end(), {"destinations", "destination_shares", "per_day", "travel_days"});
        break;
      case StreamKind::kRelease:
        break;
    }
    check_keys(t, context, keys);
    st.note = string(t, context, "note", false);
    const toml::node& shares_node = required(t, context, "shares");
    if (shares_node.is_number()) {
      st.shares.assign(cohorts_->size(), real(shares_node, context, "shares"));
    } else {
      st.shares = shares(shares_node, context, "shares");
    }
    if (const toml::node* node = t.get("capacity")) st.capacity = capacity(*node, context, "capacity");
    st.duration_days = integer(t, context, "duration_days", false, st.duration_days);
    if (const toml::node* node = t.get("per_day")) st.per_day = capacity(*node, context, "per_day");
    if (const toml::node* node = t.get("stay")) st.stay = boolean(*node, context, "stay");
    if (st.kind == StreamKind::kReturn) st.origin = required_location(t, context, "origin");
    if (st.kind == StreamKind::kOnward) {
      const toml::node& node = required(t, context, "destinations");
      const auto names = strings(node, context, "destinations");
      if (names.empty()) fail(node, context, "destinations", "the list is empty");
      for (const auto& [name, item] : names) {
        const LocationId id = location(*item, context, "destinations");
        if (std::find(st.destinations.begin(), st.destinations.end(), id) !=
            st.destinations.end()) {
          fail(*item, context, "destinations", "'" + name + "' is named twice");
        }
        st.destinations.push_back(id);
      }
      if (const toml::node* given = t.get("destination_shares")) {
        const toml::array* list = given->as_array();
        if (!list) {
          fail(*given, context, "destination_shares",
               "expected a list of numbers (one per destination), got " + type_name(*given));
        }
        for (std::size_t i = 0; i < list->size(); ++i) {
          st.destination_shares.push_back(
              real(*list->get(i), context, "destination_shares[" + std::to_string(i) + "]"));
        }
      } else {
        st.destination_shares.assign(st.destinations.size(),
                                     1.0 / static_cast<double>(st.destinations.size()));
      }
      st.travel_days = integer(t, context, "travel_days", false, st.travel_days);
    }
    return st;
  }

  Quarantine read_quarantine(const toml::table& t, std::size_t index) const {
    const std::string context = "quarantine[" + std::to_string(index) + "]";
    check_keys(t, context, {"location", "locations", "days", "capacity", "note"});
    Quarantine q;
    q.where = at(line_of(t)) + context;
    q.locations = event_locations(t, context);
    q.days = integer(t, context, "days", false, q.days);
    if (const toml::node* node = t.get("capacity")) q.capacity = capacity(*node, context, "capacity");
    return q;
  }

  // -------------------------------------------------------------------------- triggers --

  Trigger read_trigger(const toml::table& t, std::size_t index) const {
    const std::string context = "triggers[" + std::to_string(index) + "]";
    check_keys(t, context, {"location", "metric", "above", "below", "then", "note"});
    Trigger trigger;
    trigger.where = at(line_of(t)) + context;
    trigger.location = required_location(t, context, "location");
    const toml::node& metric_node = required(t, context, "metric");
    const std::string metric = string(metric_node, context, "metric");
    const auto parsed = parse_trigger_metric(metric);
    if (!parsed) {
      Keys names;
      for (const TriggerMetric each : kAllMetrics) names.push_back(to_string(each));
      fail(metric_node, context, "metric",
           "unknown metric '" + metric + "'" + did_you_mean(metric, names) +
               "; known metrics: " + join(names));
    }
    trigger.metric = *parsed;
    const toml::node* above = t.get("above");
    const toml::node* below = t.get("below");
    if (above && below) {
      fail(*below, context, "above/below", "give either 'above' or 'below', not both");
    }
    if (!above && !below) missing(t, context, "above' or 'below");
    trigger.above = above != nullptr;
    trigger.threshold = real(above ? *above : *below, context, above ? "above" : "below");
    trigger.note = string(t, context, "note", false);
    const toml::node& then = required(t, context, "then");
    trigger.then = read_event(table(then, context, "then"), context + ".then", true);
    return trigger;
  }

  const ScenarioSource& source_;
  const Network* network_ = nullptr;
  std::vector<std::string> location_names_;
  std::set<std::string> countries_;
  const std::vector<std::string>* cohorts_ = nullptr;
};

}  // namespace

Scenario parse_scenario(std::string_view toml, const ScenarioSource& source) {
  return Reader(source).read(toml);
}

Scenario read_scenario(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file || fs::is_directory(path)) throw IoError(path + ": cannot open (no such file?)");
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw IoError(path + ": cannot read");
  ScenarioSource source;
  source.name = path;
  const fs::path dir = fs::path(path).parent_path();
  source.base_dir = dir.empty() ? "." : dir.string();
  return parse_scenario(text.str(), source);
}

}  // namespace corridor::geo
