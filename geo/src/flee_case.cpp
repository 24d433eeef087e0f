// corridor::geo — reading a Flee case directory: see flee_case.hpp (the design notes there list
// every decision taken where Flee crashes or is silent).
//
// Design notes (implementation):
// - CSV goes through the shared CPL tokenizer (csv.hpp), so line numbers and messages are the
//   same as read.cpp's: "<path> line N, field '<name>': <problem>". The network itself is read
//   by read_network (Flee format recognised by the '#' header); this file reads locations.csv
//   a second time only for what the Network does not keep (location_type details, the first
//   row's country, conflict_date, attribute columns).
// - YAML goes through yaml-cpp (a private dependency of corridor_geo). Values are taken as
//   scalars and parsed here, so every type error reads "<path> line N: <key path>: expected
//   ..., got '<text>'" whatever yaml-cpp's version.
// - Observed data: a table is a list of (day, count / hasten) rows in file order, exactly as
//   Flee's ConvertCsvFileToNumPyTable builds it; AddCSVTables, correctLevel1Registrations and
//   get_interpolated_data are reproduced step for step (same floating-point operations, same
//   truncation), including AddCSVTables' habit of dropping the first table's rows past the
//   second's end.
#include "corridor/geo/flee_case.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "corridor/error.hpp"
#include "corridor/geo/read.hpp"
#include "csv.hpp"
#include "text.hpp"

namespace corridor::geo {

namespace {

using detail::lower;
using detail::join;
using detail::format_number;

namespace fs = std::filesystem;
using detail::csv_place;
using detail::CsvReader;
using detail::parse_double;
using detail::path_exists;
using detail::Place;
using detail::starts_with_hash;
using detail::trim;

// ------------------------------------------------------------------------------------------
// Text, numbers, dates

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

/// A whole number written as such ("12", "-3", "+4"); nullopt otherwise (like Python's int()).
std::optional<long> parse_integer(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  long value = 0;
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, value);
  if (result.ec != std::errc() || result.ptr != end) return std::nullopt;
  return value;
}

/// Days since 1970-01-01 of a date written as Python's strptime("%Y-%m-%d") reads it: a
/// four-digit year, a one- or two-digit month and day. nullopt if malformed or not a real date.
std::optional<int> parse_date(std::string_view text) {
  text = trim(text);
  auto digits = [&](std::size_t& pos, std::size_t min, std::size_t max) -> std::optional<int> {
    std::size_t n = 0;
    int value = 0;
    while (pos < text.size() && n < max && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      value = value * 10 + (text[pos] - '0');
      ++pos;
      ++n;
    }
    if (n < min) return std::nullopt;
    return value;
  };
  std::size_t pos = 0;
  const std::optional<int> y = digits(pos, 4, 4);
  if (!y || pos >= text.size() || text[pos++] != '-') return std::nullopt;
  const std::optional<int> m = digits(pos, 1, 2);
  if (!m || pos >= text.size() || text[pos++] != '-') return std::nullopt;
  const std::optional<int> d = digits(pos, 1, 2);
  if (!d || pos != text.size()) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{*y},
                                        std::chrono::month{static_cast<unsigned>(*m)},
                                        std::chrono::day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;
  return static_cast<int>(std::chrono::sys_days(ymd).time_since_epoch().count());
}

std::string format_date(int days_since_epoch) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days_since_epoch}}};
  std::array<char, 32> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return std::string(buffer.data());
}

std::string path_in(const fs::path& dir, std::string_view name) {
  return (dir / fs::path(std::string(name))).string();
}

std::string field_or_empty(const std::vector<std::string>& fields, std::size_t i) {
  return i < fields.size() ? fields[i] : std::string();
}

// ------------------------------------------------------------------------------------------
// simsetting.yml

/// What a known but unimplemented key must hold for it not to matter.
enum class Off : std::uint8_t { kFalse, kNull, kNumber };
struct OffValue {
  std::string_view key;
  Off kind;
  double number = 0.0;
};

// Flee's code defaults of the keys corridor does not implement (flee/SimulationSettings.py and
// ../shared/data/flee/README.md section 2).
constexpr std::array<OffValue, 21> kMoveRulesOff = {{
    {"pruning_threshold", Off::kNumber, 1.0},
    {"stay_close_to_home", Off::kFalse},
    {"home_distance_power", Off::kNumber, 0.5},
    {"use_pop_for_loc_weight", Off::kFalse},
    {"pop_power_for_loc_weight", Off::kNumber, 0.1},
    {"movechance_pop_base", Off::kNumber, 10000.0},
    {"movechance_pop_scale_factor", Off::kNumber, 0.0},
    {"fixed_routes", Off::kFalse},
    {"two_system_decision_making", Off::kFalse},
    {"use_economic_pull", Off::kFalse},
    {"ChildrenAvoidHazards", Off::kFalse},
    {"WomenAvoidHazards", Off::kFalse},
    {"ElderlyAvoidHazards", Off::kFalse},
    {"BoysTakeRisk", Off::kFalse},
    {"MatchCampEthnicity", Off::kFalse},
    {"MatchTownEthnicity", Off::kFalse},
    {"MatchConflictEthnicity", Off::kFalse},
    {"MatchCampReligion", Off::kFalse},
    {"flee_when_starving", Off::kFalse},
    {"avoid_food_deprived_locations", Off::kFalse},
    {"flood_rules", Off::kNull},
}};

constexpr std::array<OffValue, 4> kSpawnRulesOff = {{
    {"take_from_population", Off::kFalse},
    {"flood_zone_spawning_only", Off::kFalse},
    {"read_from_agents_csv_file", Off::kFalse},
    {"flood_driven_spawning", Off::kNull},
}};

class YmlSettings {
 public:
  YmlSettings(std::string path, FleeSettingsRead& out) : path_(std::move(path)), out_(out) {}

  void read(const std::string& text) {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      throw InputError(path_ + line_suffix(e.mark) + ": not valid YAML: " + e.msg);
    }
    if (!root || root.IsNull()) return;  // an empty file: Flee's defaults
    if (!root.IsMap())
      fail(root, "(top level)", "expected a mapping of sections, got " + show(root));
    bool use_v1_rules = false;
    for (const auto& entry : root) {
      const std::string key = key_of(entry.first, "");
      const YAML::Node& value = entry.second;
      if (key == "log_levels" || key == "number_of_steps" || key == "conflict_input_file") {
        continue;  // logging; and two keys Flee's runner reads but never uses
      }
      if (key == "move_rules") {
        read_move_rules(value, use_v1_rules);
      } else if (key == "spawn_rules") {
        read_spawn_rules(value);
      } else if (key == "optimisations") {
        read_optimisations(value);
      } else {
        unsupported(key, value);
      }
    }
    if (use_v1_rules) {
      // Flee applies these after reading everything (SimulationSettings.ReadFromYML).
      MoveRules& m = out_.settings.move;
      m.max_move_speed_km = 200.0;
      m.start_on_foot = false;
      m.avoid_short_stints = false;
      m.camp_weight = 2.0;
      m.conflict_weight = 0.25;
    }
  }

 private:
  static std::string line_suffix(const YAML::Mark& mark) {
    if (mark.is_null() || mark.line < 0) return {};
    return " line " + std::to_string(mark.line + 1);
  }

  static std::string show(const YAML::Node& node) {
    if (!node || node.IsNull()) return "nothing (null)";
    if (node.IsScalar()) return "'" + node.Scalar() + "'";
    if (node.IsSequence()) return "a list";
    return "a mapping";
  }

  [[noreturn]] void fail(const YAML::Node& node, const std::string& key,
                         const std::string& problem) const {
    throw InputError(path_ + line_suffix(node.Mark()) + ": " + key + ": " + problem);
  }

  std::string key_of(const YAML::Node& node, const std::string& section) const {
    if (!node.IsScalar()) {
      fail(node, section.empty() ? "(top level)" : section,
           "expected a key name, got " + show(node));
    }
    return node.Scalar();
  }

  void unsupported(const std::string& key, const YAML::Node& value) {
    std::string entry = key + " = ";
    entry += value.IsScalar() ? value.Scalar() : show(value);
    entry += " (" + path_ + line_suffix(value.Mark()) + ")";
    out_.unsupported.push_back(std::move(entry));
  }

  double number(const YAML::Node& node, const std::string& key) const {
    std::optional<double> x;
    if (node.IsScalar()) x = parse_double(trim(node.Scalar()));
    if (!x) fail(node, key, "expected a number, got " + show(node));
    if (!std::isfinite(*x)) fail(node, key, "expected a finite number, got " + show(node));
    return *x;
  }

  double number_in(const YAML::Node& node, const std::string& key, double min, double max,
                   bool min_open, const std::string& range) const {
    const double x = number(node, key);
    if (x < min || x > max || (min_open && x == min)) {
      fail(node, key, "expected a number " + range + ", got " + show(node));
    }
    return x;
  }

  double non_negative(const YAML::Node& node, const std::string& key) const {
    return number_in(node, key, 0.0, HUGE_VAL, false, ">= 0");
  }

  double positive(const YAML::Node& node, const std::string& key) const {
    return number_in(node, key, 0.0, HUGE_VAL, true, "> 0");
  }

  double chance(const YAML::Node& node, const std::string& key) const {
    return number_in(node, key, 0.0, 1.0, false, "in [0, 1]");
  }

  long whole(const YAML::Node& node, const std::string& key, long min, long max,
             const std::string& range) const {
    const double x = number(node, key);
    if (x != std::floor(x) || x < static_cast<double>(min) || x > static_cast<double>(max)) {
      fail(node, key, "expected a whole number " + range + ", got " + show(node));
    }
    return static_cast<long>(x);
  }

  /// YAML 1.1 booleans as PyYAML reads them, and 0/1 (Flee applies Python's bool()). Any
  /// other text is an error here, where Flee's bool() would silently read it as true.
  std::optional<bool> try_boolean(const YAML::Node& node) const {
    if (!node.IsScalar()) return std::nullopt;
    const std::string t = lower(trim(node.Scalar()));
    if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
    if (t == "false" || t == "no" || t == "off" || t == "0") return false;
    return std::nullopt;
  }

  bool boolean(const YAML::Node& node, const std::string& key) const {
    const std::optional<bool> b = try_boolean(node);
    if (!b) fail(node, key, "expected true or false, got " + show(node));
    return *b;
  }

  /// Whether an unimplemented key holds its off value (then it need not be reported).
  bool is_off(const OffValue& off, const YAML::Node& value) const {
    if (!value || value.IsNull()) return true;  // Flee's fetchss gives None: the default
    switch (off.kind) {
      case Off::kNull:
        return false;
      case Off::kFalse:
        return try_boolean(value) == std::optional<bool>(false);
      case Off::kNumber: {
        const std::optional<double> x =
            value.IsScalar() ? parse_double(trim(value.Scalar())) : std::nullopt;
        return x && *x == off.number;
      }
    }
    return false;
  }

  template <std::size_t N>
  bool handle_unimplemented(const std::array<OffValue, N>& table, const std::string& name,
                            const std::string& key, const YAML::Node& value) {
    for (const OffValue& off : table) {
      if (off.key != name) continue;
      if (!is_off(off, value)) unsupported(key, value);
      return true;
    }
    return false;
  }

  /// A section: a mapping, or null (Flee's defaults).
  bool section_ok(const YAML::Node& node, const std::string& name) const {
    if (!node || node.IsNull()) return false;
    if (!node.IsMap()) fail(node, name, "expected a mapping, got " + show(node));
    return true;
  }

  void read_move_rules(const YAML::Node& section, bool& use_v1_rules) {
    if (!section_ok(section, "move_rules")) return;
    MoveRules& m = out_.settings.move;
    for (const auto& entry : section) {
      const std::string name = key_of(entry.first, "move_rules");
      const std::string key = "move_rules." + name;
      const YAML::Node& v = entry.second;
      if (name == "max_move_speed") {
        m.max_move_speed_km = positive(v, key);
      } else if (name == "max_walk_speed") {
        m.max_walk_speed_km = positive(v, key);
      } else if (name == "max_crossing_speed") {
        number(v, key);  // read by Flee, used nowhere
      } else if (name == "foreign_weight") {
        m.foreign_weight = non_negative(v, key);
      } else if (name == "camp_weight") {
        m.camp_weight = non_negative(v, key);
      } else if (name == "conflict_weight") {
        m.conflict_weight = non_negative(v, key);
      } else if (name == "conflict_movechance") {
        m.conflict_movechance = chance(v, key);
      } else if (name == "camp_movechance") {
        m.camp_movechance = chance(v, key);
      } else if (name == "idpcamp_movechance") {
        m.idpcamp_movechance = chance(v, key);
      } else if (name == "default_movechance") {
        m.default_movechance = chance(v, key);
      } else if (name == "awareness_level") {
        m.awareness_level = static_cast<int>(whole(v, key, 1, 4, "in 1..4"));
      } else if (name == "capacity_buffer") {
        m.capacity_buffer = number_in(v, key, 0.0, 1.0, true, "in (0, 1]");
      } else if (name == "capacity_scaling") {
        m.capacity_scaling = positive(v, key);
      } else if (name == "avoid_short_stints") {
        m.avoid_short_stints = boolean(v, key);
      } else if (name == "start_on_foot") {
        m.start_on_foot = boolean(v, key);
      } else if (name == "softening") {
        m.softening = non_negative(v, key);
      } else if (name == "weight_softening") {
        m.weight_softening = non_negative(v, key);
      } else if (name == "weight_power") {
        m.weight_power = number(v, key);
      } else if (name == "distance_power") {
        m.distance_power = number(v, key);
      } else if (name == "use_v1_rules") {
        use_v1_rules = boolean(v, key);
      } else if (!handle_unimplemented(kMoveRulesOff, name, key, v)) {
        unsupported(key, v);
      }
    }
  }

  void read_conflict_driven_spawning(const YAML::Node& node, const std::string& key) {
    SpawnRules& s = out_.settings.spawn;
    if (!node || node.IsNull()) {
      s.conflict_driven = ConflictSpawnMode::kOff;  // Flee: absent or null = off
      return;
    }
    if (!node.IsMap()) fail(node, key, "expected a mapping, got " + show(node));
    // Present (even empty): on, with Flee's defaults.
    s.conflict_driven = ConflictSpawnMode::kConstant;
    std::optional<YAML::Node> displaced;
    for (const auto& entry : node) {
      const std::string name = key_of(entry.first, key);
      const std::string sub = key + "." + name;
      const YAML::Node& v = entry.second;
      if (name == "spawn_mode") {
        const std::string mode(v.IsScalar() ? trim(v.Scalar()) : std::string_view());
        // Flee compares "constant" and "pop_ratio" exactly and "poisson" in any case; any other
        // mode spawns nobody, silently.
        if (mode == "constant") {
          s.conflict_driven = ConflictSpawnMode::kConstant;
        } else if (mode == "pop_ratio") {
          s.conflict_driven = ConflictSpawnMode::kPopRatio;
        } else if (lower(mode) == "poisson") {
          s.conflict_driven = ConflictSpawnMode::kPoisson;
        } else {
          fail(v, sub, "expected constant, pop_ratio or poisson, got " + show(v));
        }
      } else if (name == "displaced_per_conflict_day") {
        displaced = v;
      } else {
        unsupported(sub, v);
      }
    }
    const std::string sub = key + ".displaced_per_conflict_day";
    if (s.conflict_driven == ConflictSpawnMode::kPopRatio) {
      s.displaced_per_conflict_day = displaced ? non_negative(*displaced, sub) : 0.01;
    } else if (displaced) {
      const double x = non_negative(*displaced, sub);
      s.displaced_per_conflict_day = std::trunc(x);  // Flee: int() for constant and poisson
      if (x != s.displaced_per_conflict_day) {
        out_.notes.push_back(path_ + line_suffix(displaced->Mark()) + ": " + sub + ": " +
                             format_number(x) + " is truncated to " +
                             format_number(s.displaced_per_conflict_day) +
                             " (Flee applies int() in this spawn mode)");
      }
    } else {
      s.displaced_per_conflict_day = 500.0;
    }
  }

  void read_spawn_rules(const YAML::Node& section) {
    if (!section_ok(section, "spawn_rules")) return;
    SpawnRules& s = out_.settings.spawn;
    for (const auto& entry : section) {
      const std::string name = key_of(entry.first, "spawn_rules");
      const std::string key = "spawn_rules." + name;
      const YAML::Node& v = entry.second;
      if (name == "sum_from_camps") {
        s.sum_from_camps = boolean(v, key);
      } else if (name == "insert_day0") {
        s.insert_day0 = boolean(v, key);
      } else if (name == "empty_camps_on_day0") {
        s.empty_camps_on_day0 = boolean(v, key);
      } else if (name == "conflict_zone_spawning_only") {
        s.conflict_zone_spawning_only = boolean(v, key);
      } else if (name == "camps_are_sicks" || name == "camps_are_sinks") {
        s.camps_are_sinks = boolean(v, key);
      } else if (name == "conflict_spawn_decay") {
        s.conflict_spawn_decay.clear();
        if (v && !v.IsNull()) {
          if (!v.IsSequence()) fail(v, key, "expected a list of numbers, got " + show(v));
          for (std::size_t i = 0; i < v.size(); ++i) {
            s.conflict_spawn_decay.push_back(
                non_negative(v[i], key + "[" + std::to_string(i) + "]"));
          }
        }
      } else if (name == "conflict_spawn_decay_interval") {
        s.conflict_spawn_decay_interval = static_cast<int>(whole(v, key, 1, 1000000000L, ">= 1"));
      } else if (name == "conflict_driven_spawning") {
        read_conflict_driven_spawning(v, key);
      } else if (!handle_unimplemented(kSpawnRulesOff, name, key, v)) {
        unsupported(key, v);
      }
    }
  }

  void read_optimisations(const YAML::Node& section) {
    if (!section_ok(section, "optimisations")) return;
    for (const auto& entry : section) {
      const std::string name = key_of(entry.first, "optimisations");
      const std::string key = "optimisations." + name;
      const YAML::Node& v = entry.second;
      if (name == "hasten") {
        out_.settings.spawn.hasten = static_cast<double>(whole(v, key, 1, 1000000000L, ">= 1"));
      } else {
        unsupported(key, v);
      }
    }
  }

  std::string path_;
  FleeSettingsRead& out_;
};

// ------------------------------------------------------------------------------------------
// sim_period.csv

struct Period {
  int start_day = 0;  ///< days since 1970-01-01
  int length = 0;
};

Period read_sim_period(const std::string& path) {
  CsvReader csv(path);
  std::vector<std::string> fields;
  long line = 0;
  std::optional<int> start;
  std::optional<long> length;
  while (csv.next(fields, line)) {
    if (starts_with_hash(fields)) continue;
    const Place place = csv_place(path, line);
    const std::string key = lower(fields[0]);
    const std::string value = field_or_empty(fields, 1);
    if (key == "startdate") {
      if (value.empty()) place.fail(fields[0], "missing date (YYYY-MM-DD)");
      start = parse_date(value);
      if (!start) place.fail(fields[0], "'" + value + "' is not a date (YYYY-MM-DD)");
    } else if (key == "length") {
      if (value.empty()) place.fail(fields[0], "missing number of days");
      length = parse_integer(value);
      if (!length || *length < 0) {
        place.fail(fields[0], "'" + value + "' is not a whole number of days >= 0");
      }
    } else {
      place.fail(fields[0], "unknown key (valid: StartDate, Length)");
    }
  }
  if (!start) throw InputError(path + ": no StartDate row (StartDate,YYYY-MM-DD)");
  if (!length) throw InputError(path + ": no Length row (Length,<days>)");
  return Period{*start, static_cast<int>(*length)};
}

// ------------------------------------------------------------------------------------------
// locations.csv and routes.csv: what the Network does not keep

struct LocationRow {
  long line = 0;
  std::string name;
  std::string country;
  std::string type;                               ///< location_type, lower case
  std::string conflict_date;                      ///< as written
  std::map<std::string, std::string> attributes;  ///< columns 9+ by header name
};

struct LocationsExtra {
  std::vector<LocationRow> rows;
  std::vector<std::string> attribute_names;
};

LocationsExtra read_location_rows(const std::string& path) {
  CsvReader csv(path);
  std::vector<std::string> fields;
  long line = 0;
  if (!csv.next(fields, line)) throw InputError(path + ": empty file (no header line)");
  if (!starts_with_hash(fields)) {
    throw InputError(path + " line " + std::to_string(line) +
                     ": expected Flee's header '#name,region,country,latitude,longitude,"
                     "location_type,conflict_date,population', got '" +
                     fields[0] + "'");
  }
  LocationsExtra out;
  for (std::size_t i = 8; i < fields.size(); ++i) out.attribute_names.push_back(fields[i]);
  while (csv.next(fields, line)) {
    if (starts_with_hash(fields)) continue;
    LocationRow row;
    row.line = line;
    row.name = fields[0];
    row.country = field_or_empty(fields, 2);
    row.type = lower(field_or_empty(fields, 5));
    row.conflict_date = field_or_empty(fields, 6);
    for (std::size_t i = 8; i < fields.size() && i - 8 < out.attribute_names.size(); ++i) {
      if (!fields[i].empty()) row.attributes[out.attribute_names[i - 8]] = fields[i];
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

/// Checks the routes file's header and notes the Flee quirks that corridor does not copy.
void check_routes(const std::string& path, std::vector<std::string>& notes) {
  CsvReader csv(path);
  std::vector<std::string> fields;
  long line = 0;
  if (!csv.next(fields, line)) throw InputError(path + ": empty file (no header line)");
  if (!starts_with_hash(fields)) {
    throw InputError(path + " line " + std::to_string(line) +
                     ": expected Flee's header '#name1,name2,distance,forced_redirection', "
                     "got '" +
                     fields[0] + "'");
  }
  if (fields.size() > 4) {
    std::vector<std::string> extra(fields.begin() + 4, fields.end());
    notes.push_back(path + " line " + std::to_string(line) + ": link attribute columns (" +
                    join(extra) + ") are not implemented by corridor and are ignored");
  }
  while (csv.next(fields, line)) {
    if (starts_with_hash(fields)) continue;
    if (field_or_empty(fields, 3) == "1") {
      notes.push_back(path + " line " + std::to_string(line) +
                      ": forced_redirection 1 makes Flee create this link pair twice, which "
                      "doubles its selection weight; corridor has one route");
    }
  }
}

/// The network with populations and camp capacities divided by hasten and floored, as Flee's
/// StoreInputGeographyInEcosystem does (int(pop) // hasten).
Network scale_down(const Network& network, double hasten) {
  NetworkBuilder builder;
  for (const Location& location : network.locations()) {
    Location scaled = location;
    scaled.population = std::floor(location.population / hasten);
    if (location.kind == LocationKind::kCamp && std::isfinite(location.capacity)) {
      const double capacity = std::floor(location.capacity / hasten);
      scaled.capacity = capacity > 0.0 ? capacity : kUnlimited;  // Flee: capacity 0 = none
    }
    builder.add_location(std::move(scaled));
  }
  for (const Route& route : network.routes()) builder.add_route(route);
  return builder.build();
}

// ------------------------------------------------------------------------------------------
// conflicts.csv

void read_conflicts(const std::string& path, const Network& network, int days, FleeCase& out) {
  CsvReader csv(path);
  std::vector<std::string> fields;
  long line = 0;
  if (!csv.next(fields, line)) throw InputError(path + ": empty file (no header line)");
  const Place header_place = csv_place(path, line);
  const std::string day_field = fields[0].empty() ? std::string("#Day") : fields[0];
  // Flee takes the first row as the header whatever it says, and ignores empty names (a
  // trailing comma); an empty name between two others would break its rows.
  std::size_t named = fields.size();
  while (named > 1 && fields[named - 1].empty()) --named;
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (std::size_t i = 1; i < named; ++i) {
    const std::string column = "column " + std::to_string(i + 1);
    if (fields[i].empty()) header_place.fail(column, "empty location name");
    if (!network.find(fields[i])) {
      header_place.fail(
          fields[i], "unknown location '" + fields[i] + "' (" + column + "; not in locations.csv)");
    }
    if (!seen.insert(fields[i]).second) {
      header_place.fail(fields[i], "location '" + fields[i] + "' appears twice (" + column + ")");
    }
    names.push_back(fields[i]);
    out.conflict_locations.push_back(*network.find(fields[i]));
  }
  const std::size_t columns = names.size();
  std::vector<double> values;
  long rows = 0;
  long first_line = 0;
  while (csv.next(fields, line)) {
    if (starts_with_hash(fields)) continue;
    const Place place = csv_place(path, line);
    if (rows == 0) first_line = line;
    const std::optional<long> day = parse_integer(fields[0]);
    if (!fields[0].empty() && (!day || *day != rows)) {
      place.fail(day_field, "'" + fields[0] + "' is not this row's day " + std::to_string(rows) +
                                " (Flee reads the rows by position: row t is day t)");
    }
    if (fields.size() < columns + 1) {
      place.fail(names[fields.size() - 1], "the row has " + std::to_string(fields.size() - 1) +
                                               " values, the header names " +
                                               std::to_string(columns) + " locations");
    }
    for (std::size_t i = columns + 1; i < fields.size(); ++i) {
      if (!fields[i].empty()) {
        place.fail("column " + std::to_string(i + 1),
                   "value '" + fields[i] + "' under no location name");
      }
    }
    for (std::size_t i = 0; i < columns; ++i) {
      const std::string& cell = fields[i + 1];
      const std::optional<double> x = parse_double(cell);
      if (!x || std::isnan(*x)) place.fail(names[i], "'" + cell + "' is not a number");
      if (!std::isfinite(*x) || *x < 0.0) {
        place.fail(names[i], "'" + cell + "' is not a finite intensity >= 0");
      }
      if (rows < days) values.push_back(*x);
    }
    ++rows;
  }
  if (rows < days) {
    throw InputError(
        path + ": has " + std::to_string(rows) + " day rows" +
        (rows > 0 ? " (lines " + std::to_string(first_line) + ".." + std::to_string(line) + ")"
                  : std::string()) +
        " but the run needs " + std::to_string(days) +
        " (Flee reads row t on day t and fails with an IndexError on day " + std::to_string(rows) +
        ")");
  }
  out.conflict_intensity = std::move(values);
}

/// Conflict zones of locations.csv that start in conflict (conflict_date <= 0) but that
/// conflicts.csv does not name: Flee creates them in conflict and never changes them.
void add_standing_conflicts(const std::string& locations_path, const LocationsExtra& extra,
                            const Network& network, int days, FleeCase& out) {
  std::set<LocationId> named(out.conflict_locations.begin(), out.conflict_locations.end());
  for (std::size_t i = 0; i < extra.rows.size(); ++i) {
    const LocationRow& row = extra.rows[i];
    const LocationId id = static_cast<LocationId>(i);
    if (network.location(id).kind != LocationKind::kConflictZone) continue;
    const Place place = csv_place(locations_path, row.line);
    const std::optional<long> date = parse_integer(row.conflict_date);
    if (!date) {
      place.fail("conflict_date", "'" + row.conflict_date +
                                      "' is not a whole number (Flee needs it for conflict "
                                      "zones)");
    }
    if (*date > 0 || named.count(id) != 0) continue;
    double intensity = 1.0;
    if (const auto it = row.attributes.find("conflict_intensity"); it != row.attributes.end()) {
      const std::optional<double> x = parse_double(it->second);
      if (!x || !std::isfinite(*x) || *x < 0.0) {
        place.fail("conflict_intensity", "'" + it->second + "' is not a number >= 0");
      }
      intensity = *x;
    }
    // Widen the row-major matrix by one column.
    const std::size_t old_columns = out.conflict_locations.size();
    std::vector<double> widened;
    widened.reserve(static_cast<std::size_t>(days) * (old_columns + 1));
    for (int d = 0; d < days; ++d) {
      const auto row_begin = out.conflict_intensity.begin() +
                             static_cast<std::ptrdiff_t>(static_cast<std::size_t>(d) * old_columns);
      widened.insert(widened.end(), row_begin,
                     row_begin + static_cast<std::ptrdiff_t>(old_columns));
      widened.push_back(intensity);
    }
    out.conflict_intensity = std::move(widened);
    out.conflict_locations.push_back(id);
    out.notes.push_back(place.where + ": conflict zone '" + row.name + "' has conflict_date " +
                        row.conflict_date +
                        " and no column in conflicts.csv: it is in conflict (intensity " +
                        format_number(intensity) + ") on every day, as in Flee");
  }
}

// ------------------------------------------------------------------------------------------
// closures.csv

constexpr std::array<const char*, 5> kClosureFields = {"closure_type", "name1", "name2",
                                                       "closure_start", "closure_end"};

void read_closures(const std::string& path, const Network& network, int days, FleeCase& out) {
  CsvReader csv(path);
  std::vector<std::string> fields;
  long line = 0;
  std::set<std::string> countries;
  for (const Location& location : network.locations()) {
    countries.insert(location.country.empty() ? std::string("unknown") : location.country);
  }
  while (csv.next(fields, line)) {
    if (starts_with_hash(fields)) continue;
    const Place place = csv_place(path, line);
    if (fields.size() < kClosureFields.size()) {
      place.fail(kClosureFields[fields.size()],
                 "missing value (a closure has 5 fields: closure_type,name1,name2,"
                 "closure_start,closure_end)");
    }
    const std::string& type = fields[0];
    auto day_of = [&](std::size_t i, const char* field) {
      const std::optional<long> day = parse_integer(fields[i]);
      if (!day) place.fail(field, "'" + fields[i] + "' is not a whole number of days");
      return static_cast<int>(*day);
    };
    Closure closure;
    closure.start_day = day_of(3, "closure_start");
    closure.end_day = day_of(4, "closure_end");
    // Day 0 is the first day of the period: a negative start is a date before it, an error.
    // (A start past the run is kept with a note: a shortened run may legitimately end first.)
    if (closure.start_day < 0) {
      place.fail("closure_start",
                 std::to_string(closure.start_day) + " is before the simulation period (day 0)");
    }
    closure.name1 = fields[1];
    closure.name2 = fields[2];
    auto location_of = [&](std::size_t i, const char* field) {
      const std::optional<LocationId> id = network.find(fields[i]);
      if (!id) place.fail(field, "unknown location '" + fields[i] + "'");
      return *id;
    };
    if (type == "country") {
      closure.type = Closure::Type::kCountry;
      for (std::size_t i = 1; i <= 2; ++i) {
        if (countries.count(fields[i]) == 0) {
          place.fail(i == 1 ? "name1" : "name2",
                     "no location in locations.csv has country '" + fields[i] + "'");
        }
      }
    } else if (type == "location") {
      closure.type = Closure::Type::kLocation;
      closure.location1 = location_of(1, "name1");
      if (!closure.name2.empty()) {
        out.notes.push_back(place.where + ": a 'location' closure closes every route of '" +
                            closure.name1 + "'; name2 '" + closure.name2 +
                            "' is ignored, as in Flee");
      }
    } else if (type == "link") {
      closure.type = Closure::Type::kLink;
      closure.location1 = location_of(1, "name1");
      closure.location2 = location_of(2, "name2");
      bool found = false;
      for (const Arc& arc : network.out_arcs(*closure.location1)) {
        if (arc.target == *closure.location2) found = true;
      }
      for (const Arc& arc : network.out_arcs(*closure.location2)) {
        if (arc.target == *closure.location1) found = true;
      }
      if (!found) {
        place.fail("name2", "no route between '" + closure.name1 + "' and '" + closure.name2 +
                                "' in routes.csv");
      }
      out.notes.push_back(place.where +
                          ": corridor closes this link; Flee's CSV link closures usually do "
                          "nothing (its _remove_link_1way compares names with 'is not')");
    } else if (type == "camp" || type == "idpcamp") {
      closure.type = Closure::Type::kCamp;
      closure.idp_camp = type == "idpcamp";
      closure.location1 = location_of(1, "name1");
      if (network.location(*closure.location1).kind != LocationKind::kCamp) {
        out.notes.push_back(place.where + ": '" + closure.name1 +
                            "' is not a camp; Flee makes it a town at the start day and " +
                            (closure.idp_camp ? "an IDP camp" : "a camp") + " at the end day");
      }
    } else if (type == "remove_forced_redirection") {
      continue;  // forced_redirection is read by no movement code: a no-op (README section 2)
    } else {
      place.fail("closure_type", "unknown closure type '" + type +
                                     "' (valid: country, location, link, camp, idpcamp, "
                                     "remove_forced_redirection)");
    }
    if (closure.start_day >= days) {
      out.notes.push_back(place.where + ": starts on day " + std::to_string(closure.start_day) +
                          ", outside the run (days 0.." + std::to_string(days - 1) +
                          "): it never takes effect (Flee fires a closure only on its start "
                          "day)");
    } else if (closure.end_day >= 0 && closure.end_day <= closure.start_day) {
      out.notes.push_back(
          place.where + ": ends on day " + std::to_string(closure.end_day) +
          (closure.end_day == closure.start_day
               ? ", its start day: Flee closes and reopens it in the same step (no effect)"
               : ", before its start day: Flee reopens first (no effect), then closes it "
                 "for good"));
    }
    out.closures.push_back(std::move(closure));
  }
}

// ------------------------------------------------------------------------------------------
// Observed data (source_data/)

/// Flee's numpy table: rows of (day since the start date, count / hasten), in file order.
using Table = std::vector<std::array<double, 2>>;

struct SeriesSource {
  std::string name;
  long line = 0;     ///< data_layout.csv line
  std::string file;  ///< the first data file, for messages
  Table table;
};

/// Flee's ConvertCsvFileToNumPyTable: rows "YYYY-MM-DD,count"; '#' lines and rows with an
/// empty count are skipped; a first row "Date,..." or "DateTime,..." is a header.
Table read_data_file(const std::string& path, int start_day, double hasten) {
  CsvReader csv(path);
  std::vector<std::string> fields;
  long line = 0;
  Table table;
  bool first = true;
  int previous_day = 0;
  long previous_line = 0;
  while (csv.next(fields, line)) {
    const bool is_first = first;
    first = false;
    if (starts_with_hash(fields)) continue;
    const Place place = csv_place(path, line);
    if (is_first && (lower(fields[0]) == "date" || lower(fields[0]) == "datetime")) continue;
    if (fields.size() < 2) place.fail("count", "missing value (rows are YYYY-MM-DD,count)");
    if (fields[1].empty()) continue;  // Flee skips a date without a count
    if (fields[0].empty()) place.fail("date", "missing date");
    const std::optional<int> date = parse_date(fields[0]);
    if (!date) place.fail("date", "'" + fields[0] + "' is not a date (YYYY-MM-DD)");
    const std::optional<double> count = parse_double(fields[1]);
    if (!count || !std::isfinite(*count)) {
      place.fail("count", "'" + fields[1] + "' is not a number");
    }
    if (*count < 0.0) place.fail("count", "'" + fields[1] + "' is negative");
    const int day = *date - start_day;
    if (!table.empty() && day < previous_day) {
      place.fail("date", fields[0] + " is earlier than the date on line " +
                             std::to_string(previous_line) +
                             " (Flee's interpolation needs the dates in order)");
    }
    previous_day = day;
    previous_line = line;
    table.push_back({static_cast<double>(day), *count / hasten});
  }
  if (table.empty()) throw InputError(path + ": no data rows (YYYY-MM-DD,count)");
  return table;
}

/// Flee's DataTable.AddCSVTables, step for step: table2's rows are added to table1's, and
/// table1's rows past table2's last date are dropped (a Flee quirk, kept for fidelity).
Table add_tables(const Table& table1, const Table& table2) {
  Table table;
  std::size_t offset = 0;
  double last_c2 = 0.0;
  for (const auto& c2 : table2) {
    while (c2[0] > table1[offset][0]) {
      table.push_back({table1[offset][0], last_c2 + table1[offset][1]});
      if (offset < table1.size() - 1) {
        ++offset;
      } else {
        break;
      }
    }
    if (c2[0] == table1[offset][0]) {
      table.push_back({c2[0], c2[1] + table1[offset][1]});
      if (offset < table1.size() - 1) ++offset;
      last_c2 = c2[1];
      continue;
    }
    if (c2[0] < table1[offset][0]) {
      table.push_back({c2[0], c2[1] + table1[offset][1]});
      last_c2 = c2[1];
      continue;
    }
  }
  return table;
}

/// Flee's DataTable.get_interpolated_data for one day: constant before the first and after the
/// last row, linear in between, truncated by int().
double interpolate(const Table& table, int day) {
  const double d = static_cast<double>(day);
  double old_val = table[0][1];
  double old_day = table[0][0];
  if (d <= old_day) return std::trunc(old_val);
  for (std::size_t i = 1; i < table.size(); ++i) {
    if (d < table[i][0]) {
      old_val = table[i - 1][1];
      old_day = table[i - 1][0];
      const double fraction = (d - old_day) / (table[i][0] - old_day);
      return std::trunc(old_val + fraction * (table[i][1] - old_val));
    }
  }
  return std::trunc(table.back()[1]);
}

std::vector<double> per_day(const Table& table, int days) {
  std::vector<double> out(static_cast<std::size_t>(days));
  for (int day = 0; day < days; ++day) out[static_cast<std::size_t>(day)] = interpolate(table, day);
  return out;
}

std::vector<SeriesSource> read_data_layout(const std::string& path, const fs::path& source_dir,
                                           int start_day, double hasten) {
  CsvReader csv(path);
  std::vector<std::string> fields;
  long line = 0;
  std::vector<SeriesSource> out;
  std::map<std::string, long> seen;
  while (csv.next(fields, line)) {
    if (starts_with_hash(fields)) continue;
    const Place place = csv_place(path, line);
    if (fields[0].empty()) place.fail("name", "missing name");
    if (fields.size() < 2 || fields[1].empty()) {
      place.fail("file", "missing file name (rows are name,file[,extra files to add])");
    }
    if (out.empty() && fields[0] != "total") {
      place.fail("name", "the first row must be the 'total' series (total,refugees.csv), got '" +
                             fields[0] + "'");
    }
    if (const auto [it, inserted] = seen.emplace(fields[0], line); !inserted) {
      place.fail("name", "'" + fields[0] + "' appears twice (first on line " +
                             std::to_string(it->second) + ")");
    }
    auto read = [&](const std::string& file, const char* field) {
      const std::string file_path = path_in(source_dir, file);
      if (!path_exists(file_path)) {
        throw IoError(file_path + ": no such file (named by " + place.where + ", field '" + field +
                      "')");
      }
      return read_data_file(file_path, start_day, hasten);
    };
    SeriesSource series;
    series.name = fields[0];
    series.line = line;
    series.file = path_in(source_dir, fields[1]);
    series.table = read(fields[1], "file");
    for (std::size_t i = 2; i < fields.size(); ++i) {
      if (fields[i].empty()) continue;  // a trailing comma
      series.table = add_tables(series.table, read(fields[i], "extra file"));
    }
    out.push_back(std::move(series));
  }
  if (out.empty()) throw InputError(path + ": no rows (the first must be total,refugees.csv)");
  return out;
}

/// Flee's RefugeeTable.correctLevel1Registrations for each row "name,YYYY-MM-DD[,...]": every
/// data point of that series before the date is scaled by (value on the date / value of the
/// point before).
void apply_corrections(const std::string& path, int start_day, std::vector<SeriesSource>& series) {
  CsvReader csv(path);
  std::vector<std::string> fields;
  long line = 0;
  while (csv.next(fields, line)) {
    if (starts_with_hash(fields)) continue;
    const Place place = csv_place(path, line);
    if (fields.size() < 2 || fields[1].empty()) place.fail("date", "missing date");
    SeriesSource* target = nullptr;
    for (SeriesSource& s : series) {
      if (s.name == fields[0]) target = &s;
    }
    if (target == nullptr) {
      place.fail("name", "'" + fields[0] + "' is not a series of data_layout.csv");
    }
    const std::optional<int> date = parse_date(fields[1]);
    if (!date) place.fail("date", "'" + fields[1] + "' is not a date (YYYY-MM-DD)");
    const double day = static_cast<double>(*date - start_day);
    Table& table = target->table;
    bool applied = false;
    for (std::size_t i = 0; i < table.size(); ++i) {
      if (table[i][0] != day || i == 0) continue;
      const double first_level_2_value = table[i][1];
      const double last_level_1_value = table[i - 1][1];
      if (last_level_1_value == 0.0) {
        place.fail("date", "the data point before " + fields[1] + " in " + target->file +
                               " is 0, so the correction factor is undefined");
      }
      const double factor = first_level_2_value / last_level_1_value;
      for (std::size_t j = 0; j < i; ++j) table[j][1] *= factor;
      applied = true;
    }
    if (!applied) {
      place.fail("date", fields[1] +
                             " is not the date of a data point (other than the first) "
                             "of '" +
                             fields[0] + "' in " + target->file);
    }
  }
}

std::string case_name(const std::string& case_dir) {
  fs::path p = fs::path(case_dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

}  // namespace

FleeSettingsRead read_flee_settings(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file || fs::is_directory(path)) throw IoError(path + ": cannot open (no such file?)");
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw IoError(path + ": cannot read");
  FleeSettingsRead out;
  YmlSettings(path, out).read(text.str());
  return out;
}

FleeCase read_flee_case(const std::string& case_dir, const std::string& settings_path, int days) {
  if (days < 0) {
    throw InputError("read_flee_case: days must be >= 0 (0 = sim_period.csv's Length), got " +
                     std::to_string(days));
  }
  const fs::path dir(case_dir);
  const fs::path input = dir / "input_csv";
  const fs::path source = dir / "source_data";
  FleeCase out;
  out.name = case_name(case_dir);

  // Settings first: hasten scales the network and the data.
  std::string yml = settings_path;
  if (yml.empty() && path_exists(path_in(dir, "simsetting.yml"))) {
    yml = path_in(dir, "simsetting.yml");
  }
  if (!yml.empty()) {
    FleeSettingsRead settings = read_flee_settings(yml);
    out.settings = std::move(settings.settings);
    out.unsupported_settings = std::move(settings.unsupported);
    out.notes = std::move(settings.notes);
  }
  const double hasten = out.settings.spawn.hasten;

  const std::string period_path = path_in(input, "sim_period.csv");
  const Period period = read_sim_period(period_path);
  out.start_date = format_date(period.start_day);
  out.days = days > 0 ? days : period.length;
  if (out.days <= 0) {
    throw InputError(period_path +
                     ": Length is 0 and no number of days was given: the run "
                     "has no days");
  }

  // Geography.
  const std::string locations_path = path_in(input, "locations.csv");
  const std::string routes_path = path_in(input, "routes.csv");
  const LocationsExtra extra = read_location_rows(locations_path);
  check_routes(routes_path, out.notes);
  out.network = read_network(locations_path, routes_path);
  if (out.network.num_locations() != extra.rows.size()) {
    throw InputError(locations_path + ": read " + std::to_string(extra.rows.size()) +
                     " location rows but the network has " +
                     std::to_string(out.network.num_locations()));
  }
  if (hasten != 1.0) out.network = scale_down(out.network, hasten);
  if (!extra.attribute_names.empty()) {
    std::vector<std::string> ignored;
    for (const std::string& name : extra.attribute_names) {
      if (name != "conflict_intensity" && name != "deactivation_probability") {
        ignored.push_back(name);
      }
    }
    if (!ignored.empty()) {
      out.notes.push_back(locations_path + " line 1: location attribute columns (" + join(ignored) +
                          ") are not implemented by corridor and are ignored");
    }
  }
  const std::string home_country = extra.rows.empty() ? std::string() : extra.rows[0].country;
  out.flee_locations.resize(extra.rows.size());
  for (std::size_t i = 0; i < extra.rows.size(); ++i) {
    const LocationRow& row = extra.rows[i];
    const LocationKind kind = out.network.location(static_cast<LocationId>(i)).kind;
    FleeLocation& f = out.flee_locations[i];
    f.idp_camp = kind == LocationKind::kCamp && contains(row.type, "idp");
    f.marker = kind == LocationKind::kTransit && !contains(row.type, "forward") &&
               contains(row.type, "marker");
    f.foreign = row.country != home_country;
    // Flee creates a conflict zone with conflict_date > 0 as a town until its conflict starts
    // (add_standing_conflicts below checks the value is a whole number).
    if (kind == LocationKind::kConflictZone) {
      f.conflict_date = static_cast<int>(parse_integer(row.conflict_date).value_or(0));
    }
    if (const auto it = row.attributes.find("deactivation_probability");
        it != row.attributes.end()) {
      const std::optional<double> p = parse_double(it->second);
      if (!p || !(*p >= 0.0 && *p <= 1.0)) {
        csv_place(locations_path, row.line)
            .fail("deactivation_probability", "'" + it->second + "' is not a number in [0, 1]");
      }
      f.deactivation_probability = *p;
    }
  }

  // Events.
  read_conflicts(path_in(input, "conflicts.csv"), out.network, out.days, out);
  add_standing_conflicts(locations_path, extra, out.network, out.days, out);
  const std::string closures_path = path_in(input, "closures.csv");
  if (path_exists(closures_path)) read_closures(closures_path, out.network, out.days, out);

  // Observed registrations.
  const std::string layout_path = path_in(source, "data_layout.csv");
  std::vector<SeriesSource> series =
      read_data_layout(layout_path, source, period.start_day, hasten);
  // Names first (a misspelt camp is reported here rather than as an unknown correction).
  std::vector<const SeriesSource*> unmatched;
  std::vector<std::optional<LocationId>> camp_of(series.size());
  std::set<LocationId> with_data;
  for (std::size_t i = 1; i < series.size(); ++i) {
    const std::optional<LocationId> id = out.network.find(series[i].name);
    if (id && out.network.location(*id).kind == LocationKind::kCamp) {
      camp_of[i] = id;
      with_data.insert(*id);
    } else {
      unmatched.push_back(&series[i]);
    }
  }
  for (std::size_t i = 0; i < extra.rows.size(); ++i) {
    const LocationId id = static_cast<LocationId>(i);
    if (out.network.location(id).kind != LocationKind::kCamp || with_data.count(id) != 0) {
      continue;
    }
    const std::string& camp = extra.rows[i].name;
    if (!unmatched.empty()) {
      csv_place(layout_path, unmatched.front()->line)
          .fail("name", "'" + unmatched.front()->name +
                            "' is not a camp in locations.csv, and camp '" + camp + "' (" +
                            locations_path + " line " + std::to_string(extra.rows[i].line) +
                            ") has no series; Flee needs one for every camp");
    }
    csv_place(locations_path, extra.rows[i].line)
        .fail("name", "camp '" + camp + "' has no series in " + layout_path +
                          "; Flee needs one for every camp");
  }
  const std::string corrections_path = path_in(input, "registration_corrections.csv");
  if (path_exists(corrections_path)) {
    apply_corrections(corrections_path, period.start_day, series);
  }
  out.total = per_day(series.front().table, out.days);
  for (std::size_t i = 1; i < series.size(); ++i) {
    ObservedSeries observed;
    observed.name = series[i].name;
    observed.per_day = per_day(series[i].table, out.days);
    if (camp_of[i]) {
      observed.location = *camp_of[i];
      out.camps.push_back(std::move(observed));
    } else {
      out.notes.push_back(layout_path + " line " + std::to_string(series[i].line) +
                          ", field 'name': '" + series[i].name + "' is not a camp in " +
                          locations_path +
                          ": its series is kept as an extra series (Flee adds its daily "
                          "changes to the spawn count with sum_from_camps, and never "
                          "validates it)");
      out.extra_series.push_back(std::move(observed));
    }
  }
  return out;
}

}  // namespace corridor::geo
