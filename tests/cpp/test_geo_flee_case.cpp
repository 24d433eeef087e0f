// Reading Flee case directories (corridor::geo::read_flee_case, read_flee_settings).
// The small invented case tests/data/flee_mini is checked value by value (its series computed by
// hand below); bad inputs are copies of it with one thing broken, and each must raise the right
// error naming the file, the line and the field. The four real cases in ../shared/data/flee are
// read when present (never copied here) and spot-checked against the source files.
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "temp_dir.hpp"
#include "corridor/error.hpp"
#include "corridor/flee_case.hpp"
#include "corridor/geo/flee_case.hpp"

using namespace corridor;
using corridor::test::approx;
using corridor::test::contains;
using corridor::test::message_of;
namespace fs = std::filesystem;

namespace {

const std::string kMini = std::string(CORRIDOR_TEST_DATA) + "/flee_mini";
const std::string kFlee = std::string(CORRIDOR_SHARED_DATA) + "/flee";

/// A copy of flee_mini in a fresh temporary folder, removed at the end of the test.
struct MiniCase : corridor::test::TempDir {
  MiniCase() : corridor::test::TempDir("corridor-flee-case") {
    fs::copy(kMini, path, fs::copy_options::recursive);
  }

  std::string dir() const { return path.string(); }
  std::string file(const std::string& relative) const { return *this / relative; }

  /// Replaces the first `from` in a file by `to` (the test fails if `from` is absent).
  void replace(const std::string& relative, const std::string& from, const std::string& to) const {
    std::string text = read(relative);
    const std::size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    write(relative, text);
  }
  void remove(const std::string& relative) const { fs::remove(path / relative); }

  FleeCase load(int days = 0) const { return geo::read_flee_case(dir(), "", days); }
  std::string input_error(int days = 0) const {
    return message_of<InputError>([&] { load(days); });
  }
};

const ObservedSeries& series(const std::vector<ObservedSeries>& all, const std::string& name) {
  for (const ObservedSeries& s : all) {
    if (s.name == name) return s;
  }
  FAIL("no series " << name);
  return all.front();
}

bool has_note(const FleeCase& c, const std::string& part) {
  for (const std::string& note : c.notes) {
    if (note.find(part) != std::string::npos) return true;
  }
  return false;
}

double intensity(const FleeCase& c, int day, const std::string& location) {
  const LocationId id = c.network.id(location);
  for (std::size_t j = 0; j < c.conflict_locations.size(); ++j) {
    if (c.conflict_locations[j] == id) {
      return c.conflict_intensity[static_cast<std::size_t>(day) * c.conflict_locations.size() + j];
    }
  }
  FAIL("no conflict column for " << location);
  return 0.0;
}

}  // namespace

// ------------------------------------------------------------------------------------------
// The mini case, value by value

TEST_CASE("flee_mini: geography, period and location extras", "[flee_case]") {
  const FleeCase c = geo::read_flee_case(kMini);
  CHECK(c.name == "flee_mini");
  CHECK(c.start_date == "2020-01-01");
  CHECK(c.days == 10);
  REQUIRE(c.network.num_locations() == 8);
  CHECK(c.network.num_routes() == 7);
  REQUIRE(c.flee_locations.size() == 8);

  const auto& fl = [&](const char* name) { return c.flee_locations[c.network.id(name)]; };
  CHECK(fl("Epsilon").idp_camp);
  CHECK_FALSE(fl("Delta").idp_camp);
  CHECK(fl("Zeta").marker);
  CHECK_FALSE(fl("Beta").marker);
  CHECK_FALSE(fl("Alpha").foreign);  // home country = first row's (Aland)
  CHECK_FALSE(fl("Epsilon").foreign);
  CHECK(fl("Delta").foreign);
  CHECK(fl("Zeta").foreign);

  CHECK(c.network.location(c.network.id("Delta")).capacity == 40001.0);
  CHECK(std::isinf(c.network.location(c.network.id("Eta")).capacity));  // 0 = unlimited
  CHECK(c.network.location(c.network.id("Alpha")).population == 50001.0);
}

TEST_CASE("flee_mini: simsetting.yml next to the case is read", "[flee_case]") {
  const FleeCase c = geo::read_flee_case(kMini);
  const MoveRules& m = c.settings.move;
  const SpawnRules& s = c.settings.spawn;
  CHECK(m.max_move_speed_km == 150.0);
  CHECK(m.awareness_level == 2);
  CHECK(m.idpcamp_movechance == 0.2);
  CHECK(m.start_on_foot);
  CHECK(m.camp_weight == 1.0);  // not in the yml: Flee's code default
  CHECK(m.conflict_weight == approx(1.0 / std::sqrt(10.0), 1e-12));
  CHECK(s.camps_are_sinks);  // from Flee's misspelt key camps_are_sicks
  CHECK(s.conflict_spawn_decay == std::vector<double>{1.0, 0.5});
  CHECK(s.conflict_spawn_decay_interval == 3);
  CHECK(s.conflict_driven == ConflictSpawnMode::kPopRatio);
  CHECK(s.displaced_per_conflict_day == 0.02);
  CHECK(s.hasten == 1.0);
  // use_pop_for_loc_weight: True is reported; two_system_decision_making: False (its default)
  // and log_levels are not.
  REQUIRE(c.unsupported_settings.size() == 1);
  CHECK_THAT(c.unsupported_settings[0],
             contains("move_rules.use_pop_for_loc_weight = True") && contains("line 9"));
}

TEST_CASE("flee_mini: conflicts, standing conflict zones and closures", "[flee_case]") {
  const FleeCase c = geo::read_flee_case(kMini);
  // Alpha and Gamma from conflicts.csv (its 11th row is past the run), plus Theta: a conflict
  // zone with conflict_date 0 that conflicts.csv does not name stays in conflict, as in Flee.
  REQUIRE(c.conflict_locations.size() == 3);
  CHECK(c.conflict_intensity.size() == 30);
  CHECK(intensity(c, 0, "Alpha") == 1.0);
  CHECK(intensity(c, 7, "Alpha") == 0.5);
  CHECK(intensity(c, 9, "Alpha") == 0.0);
  CHECK(intensity(c, 4, "Gamma") == 0.0);
  CHECK(intensity(c, 5, "Gamma") == 1.0);
  CHECK(intensity(c, 9, "Theta") == 1.0);
  CHECK(has_note(c, "locations.csv line 5: conflict zone 'Theta'"));

  // remove_forced_redirection is a no-op and skipped.
  REQUIRE(c.closures.size() == 5);
  const Closure& country = c.closures[0];
  CHECK(country.type == Closure::Type::kCountry);
  CHECK(country.name1 == "Aland");
  CHECK(country.name2 == "Cland");
  CHECK(country.start_day == 2);
  CHECK(country.end_day == 6);
  CHECK_FALSE(country.location1);
  const Closure& location = c.closures[1];
  CHECK(location.type == Closure::Type::kLocation);
  CHECK(location.location1 == c.network.id("Beta"));
  const Closure& link = c.closures[2];
  CHECK(link.type == Closure::Type::kLink);
  CHECK(link.location1 == c.network.id("Gamma"));
  CHECK(link.location2 == c.network.id("Epsilon"));
  CHECK(link.end_day == -1);
  const Closure& idp = c.closures[3];
  CHECK(idp.type == Closure::Type::kCamp);
  CHECK(idp.idp_camp);
  CHECK(idp.location1 == c.network.id("Epsilon"));
  // A closure starting after the run is kept, with a note.
  const Closure& late = c.closures[4];
  CHECK(late.type == Closure::Type::kCamp);
  CHECK_FALSE(late.idp_camp);
  CHECK(late.start_day == 20);
  CHECK(has_note(c, "closures.csv line 7: starts on day 20, outside the run"));
}

TEST_CASE("flee_mini: observed series, interpolated, merged and corrected as Flee does",
          "[flee_case]") {
  const FleeCase c = geo::read_flee_case(kMini);
  REQUIRE(c.camps.size() == 3);
  CHECK(c.camps[0].name == "Delta");  // data_layout.csv order
  CHECK(c.camps[1].name == "Epsilon");
  CHECK(c.camps[2].name == "Eta");
  CHECK(c.extra_series.empty());
  for (const ObservedSeries& s : c.camps) {
    CHECK(c.network.location(s.location).name == s.name);
    CHECK(s.per_day.size() == 10);
  }
  // total: 100 on 2020-01-01 (day 0) to 300 on 2020-01-11 (day 10), header row skipped.
  REQUIRE(c.total.size() == 10);
  for (int day = 0; day < 10; ++day)
    CHECK(c.total[static_cast<std::size_t>(day)] == 100 + 20 * day);

  // Delta: points on days -2 (50), 2 (90), 4 (60), 8 (100); the correction on 2020-01-05
  // (day 4) scales the points before it by 60/90, so day -2 -> 33.33 and day 2 -> 60.
  // Day 0 = trunc(33.33 + 0.5 * (60 - 33.33)) = 46; day 1 = trunc(33.33 + 0.75 * 26.67) = 53.
  const std::vector<double> delta = {46, 53, 60, 60, 60, 70, 80, 90, 100, 100};
  CHECK(series(c.camps, "Delta").per_day == delta);

  // Epsilon = AddCSVTables(epsilon.csv, epsilon-outside.csv): (day 1: 10+5), (day 3: 7 + the
  // next epsilon point 30), (day 5: 30 + the last outside value 7); the outside point of day 7
  // is dropped, as Flee drops it. Constant before day 1 and after day 5.
  const std::vector<double> epsilon = {15, 15, 26, 37, 37, 37, 37, 37, 37, 37};
  CHECK(series(c.camps, "Epsilon").per_day == epsilon);

  // Eta: comment line and the row without a count skipped: 0 on day 0, 25 on day 5.
  const std::vector<double> eta = {0, 5, 10, 15, 20, 25, 25, 25, 25, 25};
  CHECK(series(c.camps, "Eta").per_day == eta);
}

TEST_CASE("flee_mini: the days argument overrides Length", "[flee_case]") {
  const FleeCase short_run = geo::read_flee_case(kMini, "", 4);
  CHECK(short_run.days == 4);
  CHECK(short_run.total.size() == 4);
  CHECK(short_run.camps[0].per_day.size() == 4);
  CHECK(short_run.conflict_intensity.size() == 4 * short_run.conflict_locations.size());
  // conflicts.csv has 11 rows: 11 days are fine, 12 are not (Flee: IndexError on day 11).
  CHECK(geo::read_flee_case(kMini, "", 11).days == 11);
  const std::string message = message_of<InputError>([] { geo::read_flee_case(kMini, "", 12); });
  CHECK_THAT(message, contains("conflicts.csv: has 11 day rows") && contains("needs 12"));
  CHECK_THROWS_AS(geo::read_flee_case(kMini, "", -1), InputError);
}

TEST_CASE("flee_mini: hasten divides populations, capacities and data", "[flee_case]") {
  MiniCase mini;
  mini.replace("simsetting.yml", "hasten: 1", "hasten: 2");
  const FleeCase c = mini.load();
  CHECK(c.settings.spawn.hasten == 2.0);
  CHECK(c.network.location(c.network.id("Alpha")).population == 25000.0);  // 50001 // 2
  CHECK(c.network.location(c.network.id("Delta")).capacity == 20000.0);    // 40001 // 2
  // Delta day 0: trunc(16.67 + 0.5 * (30 - 16.67)) = 23; total day 3: 160 / 2 = 80.
  CHECK(series(c.camps, "Delta").per_day[0] == 23.0);
  CHECK(c.total[3] == 80.0);
}

TEST_CASE("flee_mini: no yml means Flee's code defaults", "[flee_case]") {
  MiniCase mini;
  mini.remove("simsetting.yml");
  const FleeCase c = mini.load();
  const AgentSettings defaults;
  CHECK(c.settings.move.max_move_speed_km == defaults.move.max_move_speed_km);
  CHECK(c.settings.move.awareness_level == 1);
  CHECK(c.settings.spawn.conflict_driven == ConflictSpawnMode::kOff);
  CHECK(c.unsupported_settings.empty());
}

// ------------------------------------------------------------------------------------------
// simsetting.yml

TEST_CASE("yml: keys map onto AgentSettings; unimplemented ones are reported", "[flee_case]") {
  MiniCase mini;
  mini.write("s.yml",
             "move_rules:\n"
             "  use_v1_rules: true\n"
             "  max_move_speed: 999\n"
             "  softening: 36\n"
             "  pruning_threshold: 1\n"
             "  stay_close_to_home: False\n"
             "  flood_rules:\n"
             "    flood_movechances: [1.0]\n"
             "  my_own_rule: 3\n"
             "spawn_rules:\n"
             "  camps_are_sinks: yes\n"
             "  take_from_population: True\n"
             "  conflict_driven_spawning:\n"
             "    spawn_mode: constant\n"
             "    displaced_per_conflict_day: 12.7\n"
             "  insert_day0: False\n"
             "optimisations:\n"
             "  hasten: 10\n"
             "log_levels: {agent: 1}\n"
             "extra_section: 1\n");
  const geo::FleeSettingsRead read = geo::read_flee_settings(mini.file("s.yml"));
  const AgentSettings& s = read.settings;
  // use_v1_rules overrides speed, camp and conflict weights after everything else, as in Flee.
  CHECK(s.move.max_move_speed_km == 200.0);
  CHECK(s.move.camp_weight == 2.0);
  CHECK(s.move.conflict_weight == 0.25);
  CHECK(s.move.softening == 36.0);
  CHECK(s.spawn.camps_are_sinks);
  CHECK_FALSE(s.spawn.insert_day0);
  CHECK(s.spawn.conflict_driven == ConflictSpawnMode::kConstant);
  CHECK(s.spawn.displaced_per_conflict_day == 12.0);  // Flee's int()
  CHECK(s.spawn.hasten == 10.0);
  REQUIRE(read.notes.size() == 1);
  CHECK_THAT(read.notes[0], contains("truncated to 12"));
  std::ostringstream all;
  for (const std::string& u : read.unsupported) all << u << "\n";
  INFO(all.str());
  REQUIRE(read.unsupported.size() == 4);
  CHECK_THAT(read.unsupported[0],
             contains("move_rules.flood_rules = a mapping") && contains("line 8"));
  CHECK_THAT(read.unsupported[1], contains("move_rules.my_own_rule = 3"));
  CHECK_THAT(read.unsupported[2], contains("spawn_rules.take_from_population = True"));
  CHECK_THAT(read.unsupported[3], contains("extra_section = 1") && contains("line 20"));
}

TEST_CASE("yml: wrong types and ranges name the file, the line and the key", "[flee_case]") {
  MiniCase mini;
  auto error_of = [&](const std::string& text) {
    mini.write("bad.yml", text);
    return message_of<InputError>([&] { geo::read_flee_settings(mini.file("bad.yml")); });
  };
  CHECK_THAT(error_of("move_rules:\n  camp_weight: 2\n  max_move_speed: \"fast\"\n"),
             contains(mini.file("bad.yml") + " line 3: move_rules.max_move_speed: expected a "
                                             "number, got 'fast'"));
  CHECK_THAT(error_of("move_rules:\n  camp_movechance: 1.5\n"),
             contains("line 2: move_rules.camp_movechance: expected a number in [0, 1]"));
  CHECK_THAT(error_of("move_rules:\n  awareness_level: 1.5\n"),
             contains("move_rules.awareness_level: expected a whole number in 1..4"));
  CHECK_THAT(error_of("move_rules:\n  start_on_foot: maybe\n"),
             contains("move_rules.start_on_foot: expected true or false, got 'maybe'"));
  CHECK_THAT(error_of("spawn_rules:\n  conflict_spawn_decay: [1, x]\n"),
             contains("spawn_rules.conflict_spawn_decay[1]: expected a number, got 'x'"));
  CHECK_THAT(error_of("spawn_rules:\n  conflict_driven_spawning:\n    spawn_mode: often\n"),
             contains("line 3: spawn_rules.conflict_driven_spawning.spawn_mode: expected "
                      "constant, pop_ratio or poisson"));
  CHECK_THAT(error_of("optimisations:\n  hasten: 0\n"),
             contains("optimisations.hasten: expected a whole number >= 1"));
  CHECK_THAT(error_of("move_rules: 5\n"), contains("line 1: move_rules: expected a mapping"));
  CHECK_THAT(error_of("move_rules:\n  a: [1\n"),
             contains(mini.file("bad.yml") + " line ") && contains("not valid YAML"));
  CHECK_THROWS_AS(geo::read_flee_settings(mini.file("absent.yml")), IoError);
  // Through read_flee_case, with an explicit settings path.
  mini.write("bad.yml", "move_rules:\n  max_move_speed: fast\n");
  CHECK_THAT(message_of<InputError>([&] { geo::read_flee_case(mini.dir(), mini.file("bad.yml")); }),
             contains("line 2: move_rules.max_move_speed: expected a number, got 'fast'"));
}

// ------------------------------------------------------------------------------------------
// Bad inputs: each names the file, the line and the field

TEST_CASE("bad input: unknown camp in data_layout.csv", "[flee_case]") {
  MiniCase mini;
  mini.replace("source_data/data_layout.csv", "Delta,delta.csv", "Deltta,delta.csv");
  CHECK_THAT(mini.input_error(),
             contains(mini.file("source_data/data_layout.csv") + " line 2, field 'name': "
                                                                 "'Deltta' is not a camp") &&
                 contains("camp 'Delta'") && contains("has no series"));
  // An extra row that is no camp at all is kept (Flee spawns from it), with a note.
  MiniCase extra;
  extra.write("source_data/data_layout.csv",
              extra.read("source_data/data_layout.csv") + "Nowhere,eta.csv\n");
  const FleeCase c = extra.load();
  REQUIRE(c.extra_series.size() == 1);
  CHECK(c.extra_series[0].name == "Nowhere");
  CHECK(c.extra_series[0].per_day[5] == 25.0);
  CHECK(has_note(c, "data_layout.csv line 5, field 'name': 'Nowhere' is not a camp"));
}

TEST_CASE("bad input: data_layout.csv rows and data files", "[flee_case]") {
  SECTION("first row is not total") {
    MiniCase mini;
    mini.replace("source_data/data_layout.csv", "total,refugees.csv", "all,refugees.csv");
    CHECK_THAT(mini.input_error(),
               contains("data_layout.csv line 1, field 'name'") && contains("'total' series"));
  }
  SECTION("row without a file") {
    MiniCase mini;
    mini.replace("source_data/data_layout.csv", "Eta,eta.csv", "Eta");
    CHECK_THAT(mini.input_error(), contains("data_layout.csv line 4, field 'file'"));
  }
  SECTION("missing data file") {
    MiniCase mini;
    mini.remove("source_data/epsilon-outside.csv");
    const std::string message = message_of<IoError>([&] { mini.load(); });
    CHECK_THAT(message, contains(mini.file("source_data/epsilon-outside.csv")) &&
                            contains("data_layout.csv line 3, field 'extra file'"));
  }
  SECTION("bad date") {
    MiniCase mini;
    mini.replace("source_data/delta.csv", "2020-01-03", "2020-02-30");
    CHECK_THAT(mini.input_error(),
               contains(mini.file("source_data/delta.csv") + " line 2, field 'date': "
                                                             "'2020-02-30' is not a date"));
  }
  SECTION("dates out of order") {
    MiniCase mini;
    mini.replace("source_data/delta.csv", "2020-01-09", "2020-01-04");
    CHECK_THAT(mini.input_error(), contains("delta.csv line 4, field 'date'") &&
                                       contains("earlier than the date on line 3"));
  }
  SECTION("negative count") {
    MiniCase mini;
    mini.replace("source_data/eta.csv", "2020-01-06,25", "2020-01-06,-25");
    CHECK_THAT(mini.input_error(), contains("eta.csv line 4, field 'count': '-25' is negative"));
  }
  SECTION("count that is not a number") {
    MiniCase mini;
    mini.replace("source_data/eta.csv", "2020-01-06,25", "2020-01-06,25x");
    CHECK_THAT(mini.input_error(), contains("eta.csv line 4, field 'count'"));
  }
  SECTION("a row with a date and no comma") {
    MiniCase mini;
    mini.replace("source_data/eta.csv", "2020-01-06,25", "2020-01-06,25\n2020-01-07");
    CHECK_THAT(mini.input_error(), contains("eta.csv line 5, field 'count': missing value"));
  }
  SECTION("a data file without data") {
    MiniCase mini;
    mini.write("source_data/eta.csv", "# nothing yet\n");
    CHECK_THAT(mini.input_error(), contains("eta.csv: no data rows"));
  }
  SECTION("a camp of locations.csv without a series") {
    MiniCase mini;
    mini.replace("source_data/data_layout.csv", "Eta,eta.csv\n", "");
    CHECK_THAT(mini.input_error(), contains("locations.csv line 9, field 'name': camp 'Eta' "
                                            "has no series"));
  }
}

TEST_CASE("bad input: registration_corrections.csv", "[flee_case]") {
  SECTION("unknown name") {
    MiniCase mini;
    mini.replace("input_csv/registration_corrections.csv", "Delta,", "Dalta,");
    CHECK_THAT(mini.input_error(), contains("registration_corrections.csv line 1, field "
                                            "'name': 'Dalta'"));
  }
  SECTION("date with no data point") {
    MiniCase mini;
    mini.replace("input_csv/registration_corrections.csv", "2020-01-05", "2020-01-06");
    CHECK_THAT(mini.input_error(), contains("registration_corrections.csv line 1, field "
                                            "'date': 2020-01-06 is not the date of a data "
                                            "point"));
  }
  SECTION("absent file: no corrections") {
    MiniCase mini;
    mini.remove("input_csv/registration_corrections.csv");
    const FleeCase c = mini.load();
    CHECK(series(c.camps, "Delta").per_day[0] == 70.0);  // trunc(50 + 0.5 * (90 - 50))
  }
}

TEST_CASE("bad input: conflicts.csv", "[flee_case]") {
  SECTION("unknown location in the header") {
    MiniCase mini;
    mini.replace("input_csv/conflicts.csv", "#Day,Alpha,Gamma,", "#Day,Alpha,Gama,");
    CHECK_THAT(mini.input_error(),
               contains(mini.file("input_csv/conflicts.csv") + " line 1, field 'Gama': "
                                                               "unknown location 'Gama'") &&
                   contains("column 3"));
  }
  SECTION("duplicate location in the header") {
    MiniCase mini;
    mini.replace("input_csv/conflicts.csv", "#Day,Alpha,Gamma,", "#Day,Alpha,Alpha,");
    CHECK_THAT(mini.input_error(),
               contains("conflicts.csv line 1, field 'Alpha'") && contains("appears twice"));
  }
  SECTION("bad value") {
    MiniCase mini;
    mini.replace("input_csv/conflicts.csv", "3,1,0", "3,1,high");
    CHECK_THAT(mini.input_error(),
               contains("conflicts.csv line 5, field 'Gamma': 'high' is not a number"));
  }
  SECTION("short row") {
    MiniCase mini;
    mini.replace("input_csv/conflicts.csv", "3,1,0", "3,1");
    CHECK_THAT(mini.input_error(), contains("conflicts.csv line 5") &&
                                       contains("the row has 1 values, the header names 2"));
  }
  SECTION("day column out of step") {
    MiniCase mini;
    mini.replace("input_csv/conflicts.csv", "3,1,0", "4,1,0");
    CHECK_THAT(mini.input_error(), contains("conflicts.csv line 5, field '#Day': '4' is not "
                                            "this row's day 3"));
  }
  SECTION("fewer rows than days") {
    MiniCase mini;
    mini.write("input_csv/conflicts.csv", "#Day,Alpha\n0,1\n1,1\n");
    CHECK_THAT(mini.input_error(),
               contains("conflicts.csv: has 2 day rows") && contains("needs 10"));
  }
  SECTION("missing file") {
    MiniCase mini;
    mini.remove("input_csv/conflicts.csv");
    CHECK_THAT(message_of<IoError>([&] { mini.load(); }),
               contains(mini.file("input_csv/conflicts.csv")));
  }
}

TEST_CASE("bad input: closures.csv", "[flee_case]") {
  SECTION("unknown closure type") {
    MiniCase mini;
    mini.replace("input_csv/closures.csv", "location,Beta", "town,Beta");
    CHECK_THAT(mini.input_error(),
               contains(mini.file("input_csv/closures.csv") + " line 3, field "
                                                              "'closure_type': unknown "
                                                              "closure type 'town'"));
  }
  SECTION("unknown country") {
    MiniCase mini;
    mini.replace("input_csv/closures.csv", "country,Aland,Cland", "country,Aland,Dland");
    CHECK_THAT(mini.input_error(), contains("closures.csv line 2, field 'name2': no location "
                                            "in locations.csv has country 'Dland'"));
  }
  SECTION("unknown location") {
    MiniCase mini;
    mini.replace("input_csv/closures.csv", "location,Beta", "location,Bta");
    CHECK_THAT(mini.input_error(),
               contains("closures.csv line 3, field 'name1': unknown location 'Bta'"));
  }
  SECTION("link without a route") {
    MiniCase mini;
    mini.replace("input_csv/closures.csv", "link,Gamma,Epsilon", "link,Alpha,Epsilon");
    CHECK_THAT(mini.input_error(), contains("closures.csv line 4, field 'name2': no route "
                                            "between 'Alpha' and 'Epsilon'"));
  }
  SECTION("day that is not a whole number") {
    MiniCase mini;
    mini.replace("input_csv/closures.csv", "link,Gamma,Epsilon,4,-1", "link,Gamma,Epsilon,4.5,-1");
    CHECK_THAT(mini.input_error(), contains("closures.csv line 4, field 'closure_start': '4.5' "
                                            "is not a whole number"));
  }
  SECTION("start before the period") {
    MiniCase mini;
    mini.replace("input_csv/closures.csv", "link,Gamma,Epsilon,4,-1", "link,Gamma,Epsilon,-2,-1");
    CHECK_THAT(mini.input_error(), contains("closures.csv line 4, field 'closure_start': -2 is "
                                            "before the simulation period (day 0)"));
  }
  SECTION("too few fields") {
    MiniCase mini;
    mini.replace("input_csv/closures.csv", "idpcamp,Epsilon,,1,2", "idpcamp,Epsilon,,1");
    CHECK_THAT(mini.input_error(), contains("closures.csv line 5, field 'closure_end': missing"));
  }
  SECTION("absent file: no closures") {
    MiniCase mini;
    mini.remove("input_csv/closures.csv");
    CHECK(mini.load().closures.empty());
  }
}

TEST_CASE("bad input: sim_period.csv", "[flee_case]") {
  SECTION("missing file") {
    MiniCase mini;
    mini.remove("input_csv/sim_period.csv");
    CHECK_THAT(message_of<IoError>([&] { mini.load(); }),
               contains(mini.file("input_csv/sim_period.csv") + ": no such file"));
  }
  SECTION("bad date") {
    MiniCase mini;
    mini.replace("input_csv/sim_period.csv", "2020-01-01", "01/01/2020");
    CHECK_THAT(mini.input_error(), contains("sim_period.csv line 1, field 'StartDate': "
                                            "'01/01/2020' is not a date"));
  }
  SECTION("bad length") {
    MiniCase mini;
    mini.replace("input_csv/sim_period.csv", "Length,10", "Length,ten");
    CHECK_THAT(mini.input_error(), contains("sim_period.csv line 2, field 'Length'"));
  }
  SECTION("no length") {
    MiniCase mini;
    mini.replace("input_csv/sim_period.csv", "Length,10", "");
    CHECK_THAT(mini.input_error(), contains("sim_period.csv: no Length row"));
  }
}

TEST_CASE("bad input: locations.csv and routes.csv", "[flee_case]") {
  SECTION("route to an unknown location") {
    MiniCase mini;
    mini.replace("input_csv/routes.csv", "Zeta,Eta", "Zeta,Etta");
    CHECK_THAT(mini.input_error(),
               contains("routes.csv line 7, field 'name2': unknown location 'Etta'"));
  }
  SECTION("no Flee header") {
    MiniCase mini;
    mini.replace("input_csv/locations.csv", "#name,", "name,");
    CHECK_THAT(mini.input_error(), contains("locations.csv line 1: expected Flee's header"));
  }
  SECTION("conflict zone without a conflict_date") {
    MiniCase mini;
    mini.replace("input_csv/locations.csv", "conflict_zone,0,1000", "conflict_zone,,1000");
    CHECK_THAT(mini.input_error(), contains("locations.csv line 5, field 'conflict_date'"));
  }
  SECTION("forced_redirection 1 is noted") {
    MiniCase mini;
    mini.replace("input_csv/routes.csv", "Alpha,Beta,50,0", "Alpha,Beta,50,1");
    CHECK(has_note(mini.load(), "routes.csv line 2: forced_redirection 1"));
  }
}

// ------------------------------------------------------------------------------------------
// The four real cases (../shared/data/flee, read in place when present)

namespace {

struct RealCase {
  const char* name;
  int days;
  std::size_t locations;
  std::size_t routes;
  std::size_t camps;  ///< data_layout.csv rows other than total (validated camps + extras)
};

constexpr RealCase kRealCases[] = {
    {"mali2012", 300, 23, 35, 7},
    {"burundi2015", 396, 30, 41, 5},
    {"car2013", 820, 63, 86, 15},
    {"ssudan2013", 604, 51, 60, 10},
};

bool have_real_cases() {
  if (fs::exists(kFlee + "/simsetting.yml")) return true;
  WARN("skipped: " << kFlee << " is absent");
  return false;
}

FleeCase read_real(const std::string& name) {
  return geo::read_flee_case(kFlee + "/" + name, kFlee + "/simsetting.yml");
}

}  // namespace

TEST_CASE("real cases: sizes, settings and series shapes", "[flee_case][real]") {
  if (!have_real_cases()) return;
  for (const RealCase& expected : kRealCases) {
    INFO(expected.name);
    const FleeCase c = read_real(expected.name);
    CHECK(c.name == expected.name);
    CHECK(c.days == expected.days);
    CHECK(c.network.num_locations() == expected.locations);
    CHECK(c.network.num_routes() == expected.routes);
    CHECK(c.camps.size() + c.extra_series.size() == expected.camps);
    CHECK(c.total.size() == static_cast<std::size_t>(expected.days));
    for (const ObservedSeries& s : c.camps) {
      CHECK(s.per_day.size() == static_cast<std::size_t>(expected.days));
      CHECK(c.network.location(s.location).kind == LocationKind::kCamp);
    }
    CHECK(c.conflict_intensity.size() ==
          static_cast<std::size_t>(expected.days) * c.conflict_locations.size());
    CHECK(c.flee_locations.size() == expected.locations);
    // flee3 validation settings (../shared/data/flee/simsetting.yml).
    CHECK(c.settings.move.max_move_speed_km == 200.0);
    CHECK(c.settings.move.camp_weight == 2.0);
    CHECK(c.settings.move.default_movechance == 0.5);
    CHECK(c.settings.move.camp_movechance == 0.001);
    CHECK(c.settings.move.start_on_foot);
    CHECK(c.settings.move.avoid_short_stints);
    CHECK(c.settings.move.capacity_scaling == 1.25);
    CHECK(c.settings.move.softening == 10.0);
    CHECK(c.settings.move.distance_power == 1.0);
    CHECK(c.settings.spawn.sum_from_camps);
    CHECK_FALSE(c.settings.spawn.empty_camps_on_day0);
    CHECK(c.settings.spawn.conflict_spawn_decay == std::vector<double>{1.0, 1.0, 1.0, 0.5, 0.1});
    CHECK(c.settings.spawn.conflict_spawn_decay_interval == 30);
    CHECK(c.settings.spawn.hasten == 1.0);
    CHECK(c.unsupported_settings.empty());
  }
}

TEST_CASE("real cases: interpolated series against the source files", "[flee_case][real]") {
  if (!have_real_cases()) return;
  SECTION("mali2012 Mentao, before its registration correction") {
    // bf-mentao.csv: 2012-05-18 (day 79) 8820, 2012-07-26 (day 148) 10038; correction on
    // 2012-10-03 (10038 -> 5876) scales both by 5876/10038. 2012-06-01 is day 93.
    const FleeCase c = read_real("mali2012");
    const double f = 5876.0 / 10038.0;
    const double a = 8820.0 * f;
    const double b = 10038.0 * f;
    const double expected = std::trunc(a + (93.0 - 79.0) / (148.0 - 79.0) * (b - a));
    CHECK(expected == 5307.0);
    CHECK(series(c.camps, "Mentao").per_day[93] == expected);
    // Day 0 is the first data point (2012-02-29: 0); the last day, 2012-12-24 (day 299),
    // lies between 2012-12-16 (day 291) 6850 and 2012-12-30 (day 305) 6905.
    CHECK(series(c.camps, "Mentao").per_day[0] == 0.0);
    CHECK(series(c.camps, "Mentao").per_day[299] == std::trunc(6850.0 + 8.0 / 14.0 * 55.0));
  }
  SECTION("burundi2015 Mahama, corrected; the Bujumbura closure") {
    // rwa-mahama.csv: 2015-09-24 (day 146) 44090, 2015-09-28 (day 150) 44228; correction on
    // 2015-10-04 (44330 -> 43593). 2015-09-25 is day 147.
    const FleeCase c = read_real("burundi2015");
    const double f = 43593.0 / 44330.0;
    const double a = 44090.0 * f;
    const double b = 44228.0 * f;
    CHECK(series(c.camps, "Mahama").per_day[147] == std::trunc(a + 0.25 * (b - a)));
    CHECK(series(c.camps, "Mahama").per_day[147] == 43390.0);
    REQUIRE(c.closures.size() == 3);  // remove_forced_redirection skipped
    const Closure& bujumbura = c.closures[0];
    CHECK(bujumbura.type == Closure::Type::kLocation);
    CHECK(bujumbura.location1 == c.network.id("Bujumbura"));
    CHECK_FALSE(bujumbura.location2);
    CHECK(bujumbura.start_day == 0);
    CHECK(bujumbura.end_day == 91);
    CHECK(has_note(c, "name2 'Lusenda' is ignored"));
    CHECK(c.closures[1].type == Closure::Type::kCamp);
    CHECK(c.closures[1].location1 == c.network.id("Nduta"));
    CHECK(c.closures[1].end_day == 101);
  }
  SECTION("car2013 Mboti, two files added; Bossobolo kept as an extra series") {
    // dcon-mboti.csv + dcon-mboti-outside.csv by AddCSVTables: 2014-02-06 (day 67)
    // 458 + 6116 = 6574; 2014-06-30 (day 211) 478 + 6116 = 6594 (no outside point that day:
    // the last one is carried). 2014-04-01 is day 121.
    const FleeCase c = read_real("car2013");
    CHECK(series(c.camps, "Mboti").per_day[121] ==
          std::trunc(6574.0 + (121.0 - 67.0) / (211.0 - 67.0) * (6594.0 - 6574.0)));
    CHECK(series(c.camps, "Mboti").per_day[121] == 6581.0);
    CHECK(c.camps.size() == 14);
    REQUIRE(c.extra_series.size() == 1);
    CHECK(c.extra_series[0].name == "Bossobolo");
    CHECK(c.extra_series[0].per_day[0] == 18054.0);  // first point 2015-04-27, held before
    REQUIRE(c.closures.size() == 2);
    CHECK(c.closures[0].type == Closure::Type::kCountry);
    CHECK(c.closures[0].name1 == "CAR");
    CHECK(c.closures[0].name2 == "DRC");
    CHECK(c.closures[0].start_day == 5);
  }
  SECTION("ssudan2013 total and conflicts") {
    const FleeCase c = read_real("ssudan2013");
    CHECK(intensity(c, 0, "Juba") == 1.0);
    CHECK(intensity(c, 0, "Bor") == 0.0);
    CHECK(c.closures.size() == 3);
    CHECK(c.total.front() >= 0.0);
  }
}
