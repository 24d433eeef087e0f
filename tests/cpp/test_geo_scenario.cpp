// Reading scenario TOML files (corridor::geo::parse_scenario, read_scenario) and validating
// scenarios (corridor::validate). A full scenario using every key is written next to a copy of
// the exercise network and read back value by value; each bad input is a small scenario with one
// thing wrong, and its error must name the file, the line, the event (number and type) or table,
// and the key.
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "catch.hpp"
#include "corridor/error.hpp"
#include "corridor/geo/read.hpp"
#include "corridor/geo/scenario.hpp"
#include "corridor/scenario.hpp"
#include "temp_dir.hpp"

using namespace corridor;
using corridor::test::approx;
using corridor::test::contains;
using corridor::test::message_of;
namespace fs = std::filesystem;

namespace {

const std::string kExercise = std::string(CORRIDOR_TEST_DATA) + "/../../data/exercise";

const Network& exercise() {
  static const Network net =
      geo::read_network(kExercise + "/locations.csv", kExercise + "/routes.csv");
  return net;
}

/// Ids of the routes between two named locations (either direction).
std::vector<RouteId> routes_between(const Network& net, const std::string& a,
                                    const std::string& b) {
  const LocationId ia = net.id(a);
  const LocationId ib = net.id(b);
  std::vector<RouteId> out;
  for (RouteId r = 0; r < net.num_routes(); ++r) {
    const Route& route = net.route(r);
    if ((route.from == ia && route.to == ib) || (route.from == ib && route.to == ia)) {
      out.push_back(r);
    }
  }
  return out;
}

/// The first four lines of every bad-input scenario; events start on line 5.
const std::string kHead = "name = \"Bad\"\nstart = 2027-03-01\ndays = 30\n\n";

/// Parses `text` as "bad.toml" with the exercise network given by the caller.
Scenario parse(const std::string& text) {
  geo::ScenarioSource source;
  source.name = "bad.toml";
  source.network = exercise();
  return geo::parse_scenario(text, source);
}

std::string input_error(const std::string& text) {
  return message_of<InputError>([&] { parse(text); });
}

// Every key the reader knows, in one file (lines counted in the comments where tests use them).
const std::string kFull = R"(name = "Full test"
description = "Every key of the scenario format."
start = 2027-03-01
days = 60
engine = "agents"
seed = 42

[cohorts]
adults = 0.6
children = 0.4

[network]
locations = "net/locations.csv"
routes = "net/routes.csv"

[movement]
max_move_speed_km = 150
awareness_level = 2
start_on_foot = false
camp_weight = 3.5
conflict_movechance = 0.9

[planning]
water_l = 20
first_phase_days = 60
people_per_toilet_first = 40.5

[[events]]
type = "displacement"
day = 0
location = "Qarvel"
people = 50000
over_days = 10
cohorts = { children = 1 }
note = "first wave"

[[events]]
type = "displacement"
day = 5
location = "Hessamir"
people = 1000.5

[[events]]
type = "close_route"
day = 3
from = "Qarvel Junction"
to = "Qarvel"
until_day = 7

[[events]]
type = "reopen_route"
day = 20
routes = [["Port Quillon", "Port Anselm"], ["Port Lanric", "Saltmere Harbour"]]

[[events]]
type = "close_location"
day = 4
locations = ["Sallet", "Ilvar"]
until_day = 100

[[events]]
type = "reopen_location"
day = 6
location = "Ilvar"

[[events]]
type = "close_border"
day = 10
countries = ["Ternadia", "Orvalia"]
until_day = 40

[[events]]
type = "reopen_border"
day = 12
countries = ["Isolmar"]

[[events]]
type = "open_site"
day = 15
location = "Overflow Site B"
capacity = 9000
screening_per_day = 300

[[events]]
type = "close_site"
day = 30
location = "Sedra Plain Camp"
until_day = 45

[[events]]
type = "set_capacity"
day = 2
location = "Anselm Reception Centre"
capacity = "unlimited"
screening_per_day = 1500

[[events]]
type = "set_capacity"
day = 59
location = "Idrassa Reception Centre"
screening_per_day = 800

[[triggers]]
location = "Idrassa Reception Centre"
metric = "occupancy"
above = 0.9
then = { type = "open_site", location = "Overflow Site A", capacity = 10000 }
note = "open the overflow site"

[[triggers]]
location = "Anselm Reception Centre"
metric = "backlog"
below = 100

[triggers.then]
type = "close_location"
location = "Port Anselm"
)";

}  // namespace

// ------------------------------------------------------------------------------------------
// Defaults and a full scenario

TEST_CASE("scenario: defaults are Flee 3's validation settings and UNHCR's cohorts", "[scenario]") {
  const MoveRules m = validation_move_rules();
  CHECK(m.max_move_speed_km == 200.0);
  CHECK(m.camp_weight == 2.0);
  CHECK(m.default_movechance == 0.5);
  CHECK(m.start_on_foot);
  CHECK(m.avoid_short_stints);
  CHECK(m.capacity_scaling == 1.25);
  CHECK(m.distance_power == 1.0);
  CHECK(m.camp_movechance == 0.001);
  CHECK(m.softening == 10.0);
  CHECK(m.max_walk_speed_km == 35.0);  // Flee's code defaults for the rest
  CHECK(m.awareness_level == 1);
  CHECK(m.capacity_buffer == 0.9);
  CHECK(default_cohorts() ==
        std::vector<std::string>{"women", "men", "children", "unaccompanied_minors"});
  const std::vector<double> shares = default_cohort_shares();
  REQUIRE(shares.size() == 4);
  CHECK(shares[0] + shares[1] + shares[2] + shares[3] == approx(1.0, 1e-12));
  CHECK(parse_event_type("close_border") == EventType::kCloseBorder);
  CHECK(to_string(EventType::kSetCapacity) == "set_capacity");
  CHECK_FALSE(parse_event_type("Close_Border"));
  CHECK(parse_trigger_metric("backlog") == TriggerMetric::kBacklog);
  CHECK(to_string(TriggerMetric::kOccupancy) == "occupancy");
}

TEST_CASE("scenario: a full scenario reads into the expected struct", "[scenario]") {
  corridor::test::TempDir dir("corridor-scenario");
  fs::create_directories(dir.path / "net");
  fs::copy_file(kExercise + "/locations.csv", dir / "net/locations.csv");
  fs::copy_file(kExercise + "/routes.csv", dir / "net/routes.csv");
  const std::string path = dir.write("full.toml", kFull);

  const Scenario s = geo::read_scenario(path);
  CHECK(s.name == "Full test");
  CHECK(s.description == "Every key of the scenario format.");
  CHECK(s.start_date == "2027-03-01");
  CHECK(s.days == 60);
  CHECK(s.engine == "agents");
  CHECK(s.seed == 42);
  CHECK(s.source == path);
  CHECK(s.network.num_locations() == 56);
  CHECK(s.network.num_routes() == 88);

  // Cohorts in the file's order (toml++ sorts keys; the reader restores the order).
  CHECK(s.cohorts == std::vector<std::string>{"adults", "children"});
  CHECK(s.cohort_shares == std::vector<double>{0.6, 0.4});

  // Movement: the overrides, validation settings for the rest.
  CHECK(s.movement.max_move_speed_km == 150.0);
  CHECK(s.movement.awareness_level == 2);
  CHECK_FALSE(s.movement.start_on_foot);
  CHECK(s.movement.camp_weight == 3.5);
  CHECK(s.movement.conflict_movechance == 0.9);
  CHECK(s.movement.default_movechance == 0.5);
  CHECK(s.movement.capacity_scaling == 1.25);
  CHECK(s.movement.avoid_short_stints);

  CHECK(s.planning.water_l == 20.0);
  CHECK(s.planning.first_phase_days == 60);
  CHECK(s.planning.people_per_toilet_first == 40.5);
  CHECK(s.planning.people_per_toilet == 20.0);
  CHECK(s.planning.kcal == 2100.0);

  const Network& net = s.network;
  REQUIRE(s.events.size() == 12);
  const Event& first = s.events[0];
  CHECK(first.type == EventType::kDisplacement);
  CHECK(first.day == 0);
  CHECK(first.locations == std::vector<LocationId>{net.id("Qarvel")});
  CHECK(first.people == 50000.0);
  CHECK(first.over_days == 10);
  CHECK(first.cohort_shares == std::vector<double>{0.0, 1.0});
  CHECK(first.note == "first wave");
  CHECK(first.until_day == -1);
  CHECK(first.where == path + " line 28: events[0] (displacement)");

  const Event& second = s.events[1];
  CHECK(second.people == 1000.5);
  CHECK(second.over_days == 1);
  CHECK(second.cohort_shares.empty());  // the scenario's shares

  const Event& close_route = s.events[2];
  CHECK(close_route.type == EventType::kCloseRoute);
  CHECK(close_route.routes == routes_between(net, "Qarvel", "Qarvel Junction"));
  CHECK(close_route.routes.size() == 1);
  CHECK(close_route.until_day == 7);

  const Event& reopen_route = s.events[3];
  CHECK(reopen_route.type == EventType::kReopenRoute);
  std::vector<RouteId> ferries = routes_between(net, "Port Quillon", "Port Anselm");
  const std::vector<RouteId> lanric = routes_between(net, "Port Lanric", "Saltmere Harbour");
  ferries.insert(ferries.end(), lanric.begin(), lanric.end());
  CHECK(reopen_route.routes == ferries);
  CHECK(reopen_route.routes.size() == 2);

  const Event& close_location = s.events[4];
  CHECK(close_location.type == EventType::kCloseLocation);
  CHECK(close_location.locations == std::vector<LocationId>{net.id("Sallet"), net.id("Ilvar")});
  CHECK(close_location.until_day == 100);  // past the horizon: never reopens in the run

  CHECK(s.events[5].type == EventType::kReopenLocation);
  CHECK(s.events[5].locations == std::vector<LocationId>{net.id("Ilvar")});

  const Event& border = s.events[6];
  CHECK(border.type == EventType::kCloseBorder);
  CHECK(border.countries == std::vector<std::string>{"Ternadia", "Orvalia"});
  CHECK(border.until_day == 40);
  CHECK(s.events[7].type == EventType::kReopenBorder);
  CHECK(s.events[7].countries == std::vector<std::string>{"Isolmar"});

  const Event& open = s.events[8];
  CHECK(open.type == EventType::kOpenSite);
  CHECK(open.locations == std::vector<LocationId>{net.id("Overflow Site B")});
  CHECK(open.capacity == 9000.0);
  CHECK(open.screening_per_day == 300.0);

  const Event& close_site = s.events[9];
  CHECK(close_site.type == EventType::kCloseSite);
  CHECK(close_site.until_day == 45);
  CHECK(std::isnan(close_site.capacity));

  const Event& unlimited = s.events[10];
  CHECK(unlimited.type == EventType::kSetCapacity);
  CHECK(std::isinf(unlimited.capacity));
  CHECK(unlimited.screening_per_day == 1500.0);
  const Event& screening = s.events[11];
  CHECK(std::isnan(screening.capacity));  // unchanged
  CHECK(screening.screening_per_day == 800.0);
  CHECK(screening.day == 59);

  REQUIRE(s.triggers.size() == 2);
  const Trigger& full = s.triggers[0];
  CHECK(full.location == net.id("Idrassa Reception Centre"));
  CHECK(full.metric == TriggerMetric::kOccupancy);
  CHECK(full.above);
  CHECK(full.threshold == 0.9);
  CHECK(full.note == "open the overflow site");
  CHECK(full.then.type == EventType::kOpenSite);
  CHECK(full.then.locations == std::vector<LocationId>{net.id("Overflow Site A")});
  CHECK(full.then.capacity == 10000.0);
  CHECK(std::isnan(full.then.screening_per_day));
  CHECK_THAT(full.where, contains("full.toml line 103: triggers[0]"));
  CHECK_THAT(full.then.where, contains("full.toml line 107: triggers[0].then (open_site)"));

  const Trigger& backlog = s.triggers[1];
  CHECK(backlog.metric == TriggerMetric::kBacklog);
  CHECK_FALSE(backlog.above);
  CHECK(backlog.threshold == 100.0);
  CHECK(backlog.then.type == EventType::kCloseLocation);
  CHECK(backlog.then.locations == std::vector<LocationId>{net.id("Port Anselm")});

  CHECK_NOTHROW(validate(s));
}

TEST_CASE("scenario: the bundled exercise scenario reads and validates", "[scenario]") {
  const Scenario s = geo::read_scenario(kExercise + "/scenario.toml");
  CHECK(s.start_date == "2027-03-01");
  CHECK(s.days == 120);
  CHECK(s.engine == "expected");
  CHECK(s.cohorts == default_cohorts());
  CHECK(s.network.num_locations() == 56);
  CHECK_FALSE(s.events.empty());
  CHECK_FALSE(s.triggers.empty());
  bool qarvel = false;
  for (const Event& e : s.events) {
    if (e.type == EventType::kDisplacement && e.locations[0] == s.network.id("Qarvel")) {
      qarvel = true;
    }
  }
  CHECK(qarvel);
}

TEST_CASE("scenario: a network given by the caller replaces [network]", "[scenario]") {
  geo::ScenarioSource source;
  source.name = "given.toml";
  source.network = exercise();
  // The paths name no file: they are not read.
  const Scenario s = geo::parse_scenario(
      kHead + "[network]\nlocations = \"nowhere.csv\"\nroutes = \"nowhere.csv\"\n", source);
  CHECK(s.network.num_locations() == 56);
  CHECK(s.cohorts == default_cohorts());
  CHECK(s.cohort_shares == default_cohort_shares());
  CHECK(s.engine == "expected");
  CHECK(s.seed == 0);
  CHECK(s.events.empty());
  // A start date may also be a string.
  const Scenario text_date =
      geo::parse_scenario("name = \"x\"\nstart = \"2027-03-01\"\ndays = 1\n", source);
  CHECK(text_date.start_date == "2027-03-01");
}

// ------------------------------------------------------------------------------------------
// Bad input: each error names the file, the line, the event or table and the key

TEST_CASE("scenario bad input: unknown top-level key", "[scenario]") {
  const std::string m = input_error("nmae = \"x\"\nstart = 2027-03-01\ndays = 3\n");
  CHECK_THAT(m, contains("bad.toml line 1: unknown key 'nmae' at the top level") &&
                    contains("did you mean 'name'?") && contains("known keys: name, description"));
}

TEST_CASE("scenario bad input: unknown key in an event or a table", "[scenario]") {
  const std::string m = input_error(kHead +
                                    "[[events]]\ntype = \"displacement\"\nday = 0\n"
                                    "location = \"Qarvel\"\npeple = 5\n");
  CHECK_THAT(m, contains("bad.toml line 9: events[0] (displacement): unknown key 'peple'") &&
                    contains("did you mean 'people'?") &&
                    contains("known keys: type, day, note, location, people, over_days, cohorts"));

  const std::string movement = input_error(kHead + "[movement]\nmax_move_speed = 100\n");
  CHECK_THAT(movement, contains("bad.toml line 6: [movement]: unknown key 'max_move_speed'") &&
                           contains("did you mean 'max_move_speed_km'?"));

  // until_day belongs to closures only.
  const std::string until =
      input_error(kHead +
                  "[[events]]\ntype = \"reopen_border\"\nday = 3\ncountries = [\"Isolmar\"]\n"
                  "until_day = 9\n");
  CHECK_THAT(until,
             contains("bad.toml line 9: events[0] (reopen_border): unknown key 'until_day'"));
}

TEST_CASE("scenario bad input: unknown event type", "[scenario]") {
  const std::string m = input_error(
      kHead + "[[events]]\ntype = \"close_bordr\"\nday = 3\ncountries = [\"Isolmar\"]\n");
  CHECK_THAT(m, contains("bad.toml line 6: events[0]: type: unknown event type 'close_bordr'") &&
                    contains("did you mean 'close_border'?") &&
                    contains("known types: displacement, close_route"));
}

TEST_CASE("scenario bad input: unknown location, with a suggestion", "[scenario]") {
  const std::string m = input_error(
      kHead + "[[events]]\ntype = \"displacement\"\nday = 0\nlocation = \"Qarvl\"\npeople = 10\n");
  CHECK_THAT(m, contains("bad.toml line 8: events[0] (displacement): location: "
                         "unknown location 'Qarvl' (did you mean 'Qarvel'?)"));

  // A name cut short is suggested in full; a trigger names its number.
  const std::string trigger =
      input_error(kHead +
                  "[[triggers]]\nlocation = \"Anselm Reception\"\nmetric = \"occupancy\"\n"
                  "above = 0.9\nthen = { type = \"open_site\", location = \"Overflow Site B\" }\n");
  CHECK_THAT(trigger, contains("bad.toml line 6: triggers[0]: location: unknown location "
                               "'Anselm Reception' (did you mean 'Anselm Reception Centre'?)"));

  // In a trigger's event, and in a route pair.
  const std::string then =
      input_error(kHead +
                  "[[triggers]]\nlocation = \"Qarvel\"\nmetric = \"population\"\nbelow = 10\n"
                  "then = { type = \"open_site\", location = \"Overflow Site C\" }\n");
  CHECK_THAT(then, contains("bad.toml line 9: triggers[0].then (open_site): location: unknown "
                            "location 'Overflow Site C' (did you mean 'Overflow Site "));
  const std::string pair =
      input_error(kHead +
                  "[[events]]\ntype = \"close_route\"\nday = 1\n"
                  "routes = [[\"Qarvel\", \"Qarvel Junction\"], [\"Kelmar\", \"Zzzz\"]]\n");
  CHECK_THAT(pair, contains("bad.toml line 8: events[0] (close_route): routes[1][1]: unknown "
                            "location 'Zzzz'"));
  // Two locations with no route between them.
  const std::string none = input_error(
      kHead + "[[events]]\ntype = \"close_route\"\nday = 1\nfrom = \"Qarvel\"\nto = \"Auren\"\n");
  CHECK_THAT(none, contains("bad.toml line 8: events[0] (close_route): from: no route between "
                            "'Qarvel' and 'Auren'"));
}

TEST_CASE("scenario bad input: unknown country", "[scenario]") {
  const std::string m = input_error(kHead +
                                    "[[events]]\ntype = \"close_border\"\nday = 3\n"
                                    "countries = [\"Ternadia\", \"Ternadya\"]\n");
  CHECK_THAT(m, contains("bad.toml line 8: events[0] (close_border): countries: unknown country "
                         "'Ternadya' (did you mean 'Ternadia'?)") &&
                    contains("the network's countries: Isolmar, Karvessa, Norvenna, Orvalia, "
                             "Ternadia"));
}

TEST_CASE("scenario bad input: an event after the horizon, until_day before its day",
          "[scenario]") {
  const std::string m = input_error(
      kHead + "[[events]]\ntype = \"close_border\"\nday = 30\ncountries = [\"Isolmar\"]\n");
  CHECK_THAT(m, contains("bad.toml line 5: events[0] (close_border): day: 30 is after the "
                         "scenario's last day (29; days = 30"));
  const std::string negative = input_error(
      kHead + "[[events]]\ntype = \"close_border\"\nday = -1\ncountries = [\"Isolmar\"]\n");
  CHECK_THAT(negative, contains("bad.toml line 5: events[0] (close_border): day: -1 must be >= 0"));
  const std::string until =
      input_error(kHead +
                  "[[events]]\ntype = \"close_site\"\nday = 10\nlocation = \"Overflow Site A\"\n"
                  "until_day = 10\n");
  CHECK_THAT(until,
             contains("bad.toml line 5: events[0] (close_site): until_day: 10 must be > day (10)"));
}

TEST_CASE("scenario bad input: cohort shares not summing to 1", "[scenario]") {
  const std::string m =
      input_error(kHead +
                  "[[events]]\ntype = \"displacement\"\nday = 0\nlocation = \"Qarvel\"\n"
                  "people = 10\ncohorts = { women = 0.5, men = 0.4 }\n");
  CHECK_THAT(m, contains("bad.toml line 5: events[0] (displacement): cohorts: the shares sum to "
                         "0.9, must sum to 1"));
  const std::string top = input_error(kHead + "[cohorts]\nadults = 0.7\nchildren = 0.2\n");
  CHECK_THAT(top, contains("bad.toml: cohorts: the shares sum to 0.9, must sum to 1"));
  const std::string unknown =
      input_error(kHead +
                  "[[events]]\ntype = \"displacement\"\nday = 0\nlocation = \"Qarvel\"\n"
                  "people = 10\ncohorts = { womn = 1 }\n");
  CHECK_THAT(unknown, contains("bad.toml line 10: events[0] (displacement): cohorts.womn: unknown "
                               "cohort 'womn' (did you mean 'women'?)"));
}

TEST_CASE("scenario bad input: negative people, capacity and settings", "[scenario]") {
  const std::string people =
      input_error(kHead +
                  "[[events]]\ntype = \"displacement\"\nday = 0\nlocation = \"Qarvel\"\n"
                  "people = -5\n");
  CHECK_THAT(people,
             contains("bad.toml line 5: events[0] (displacement): people: -5 must be >= 0"));

  const std::string capacity =
      input_error(kHead +
                  "[[events]]\ntype = \"set_capacity\"\nday = 1\n"
                  "location = \"Anselm Reception Centre\"\ncapacity = -100\n");
  CHECK_THAT(capacity, contains("bad.toml line 5: events[0] (set_capacity): capacity: -100 must "
                                "be >= 0"));

  const std::string text = input_error(kHead +
                                       "[[events]]\ntype = \"open_site\"\nday = 1\n"
                                       "location = \"Overflow Site A\"\ncapacity = \"lots\"\n");
  CHECK_THAT(text, contains("bad.toml line 9: events[0] (open_site): capacity: expected a number "
                            "or \"unlimited\""));

  const std::string movement = input_error(kHead + "[movement]\ndefault_movechance = 1.5\n");
  CHECK_THAT(movement, contains("bad.toml: movement.default_movechance: 1.5 must be in [0, 1]"));
  const std::string planning = input_error(kHead + "[planning]\nwater_l = 0\n");
  CHECK_THAT(planning, contains("bad.toml: planning.water_l: 0 must be > 0"));
  const std::string type = input_error(kHead + "[movement]\nstart_on_foot = \"yes\"\n");
  CHECK_THAT(type, contains("bad.toml line 6: [movement]: start_on_foot: expected true or false, "
                            "got a string"));
}

TEST_CASE("scenario bad input: a trigger with both above and below", "[scenario]") {
  const std::string m =
      input_error(kHead +
                  "[[triggers]]\nlocation = \"Anselm Reception Centre\"\nmetric = \"occupancy\"\n"
                  "above = 0.9\nbelow = 0.1\n"
                  "then = { type = \"open_site\", location = \"Overflow Site B\" }\n");
  CHECK_THAT(m, contains("bad.toml line 9: triggers[0]: above/below: give either 'above' or "
                         "'below', not both"));
  const std::string day =
      input_error(kHead +
                  "[[triggers]]\nlocation = \"Anselm Reception Centre\"\nmetric = \"occupancy\"\n"
                  "above = 0.9\nthen = { type = \"open_site\", location = \"Overflow Site B\", "
                  "day = 4 }\n");
  CHECK_THAT(day, contains("bad.toml line 9: triggers[0].then (open_site): day: not allowed in a "
                           "trigger's event"));
  const std::string metric =
      input_error(kHead +
                  "[[triggers]]\nlocation = \"Anselm Reception Centre\"\nmetric = \"ocupancy\"\n"
                  "above = 0.9\nthen = { type = \"open_site\", location = \"Overflow Site B\" }\n");
  CHECK_THAT(metric, contains("bad.toml line 7: triggers[0]: metric: unknown metric 'ocupancy' "
                              "(did you mean 'occupancy'?)"));
}

TEST_CASE("scenario bad input: missing required keys", "[scenario]") {
  const std::string people =
      input_error(kHead + "[[events]]\ntype = \"displacement\"\nday = 0\nlocation = \"Qarvel\"\n");
  CHECK_THAT(people,
             contains("bad.toml line 5: events[0] (displacement): missing required key 'people'"));
  const std::string days = input_error("name = \"x\"\nstart = 2027-03-01\n");
  CHECK_THAT(days, contains("bad.toml: missing required key 'days' at the top level"));
  const std::string type = input_error(kHead + "[[events]]\nday = 0\n");
  CHECK_THAT(type, contains("bad.toml line 5: events[0]: missing required key 'type'"));
  const std::string set = input_error(
      kHead + "[[events]]\ntype = \"set_capacity\"\nday = 0\nlocation = \"Kastwell\"\n");
  CHECK_THAT(set, contains("bad.toml line 5: events[0] (set_capacity): missing required key "
                           "'capacity' or 'screening_per_day'"));
  const std::string date = input_error("name = \"x\"\nstart = \"2027-02-30\"\ndays = 3\n");
  CHECK_THAT(date, contains("bad.toml line 2: start: 2027-02-30 is not a day of the calendar"));
  const std::string day = input_error(
      kHead + "[[events]]\ntype = \"close_border\"\nday = 2.5\ncountries = [\"Isolmar\"]\n");
  CHECK_THAT(day, contains("bad.toml line 7: events[0] (close_border): day: expected a whole "
                           "number, got a number with a fraction"));
}

TEST_CASE("scenario bad input: a TOML syntax error names the line and column", "[scenario]") {
  const std::string m = input_error(kHead + "[[events]]\ntype = \"displacement\nday = 0\n");
  CHECK_THAT(m, contains("bad.toml line 6, column ") && contains("not valid TOML: "));
}

TEST_CASE("scenario bad input: no network, or a network file missing", "[scenario]") {
  geo::ScenarioSource source;
  source.name = "bad.toml";
  const std::string m = message_of<InputError>([&] { geo::parse_scenario(kHead, source); });
  CHECK_THAT(m, contains("bad.toml: no network: give a [network] table"));

  corridor::test::TempDir dir("corridor-scenario");
  const std::string path = dir.write(
      "s.toml", kHead + "[network]\nlocations = \"missing.csv\"\nroutes = \"routes.csv\"\n");
  const std::string io = message_of<IoError>([&] { geo::read_scenario(path); });
  CHECK_THAT(io, contains("missing.csv") && contains("named by " + path + " line 5: [network]"));
  const std::string file = message_of<IoError>([&] { geo::read_scenario(dir / "absent.toml"); });
  CHECK_THAT(file, contains("absent.toml: cannot open"));
}

TEST_CASE("scenario validate: a scenario built in code is checked the same way", "[scenario]") {
  Scenario s;
  s.name = "code";
  s.days = 10;
  s.network = exercise();
  s.cohorts = default_cohorts();
  s.cohort_shares = default_cohort_shares();
  s.movement = validation_move_rules();
  Event e;
  e.type = EventType::kDisplacement;
  e.locations = {exercise().id("Qarvel")};
  e.people = 100.0;
  s.events.push_back(e);
  CHECK_NOTHROW(validate(s));

  s.events[0].over_days = 0;
  CHECK_THAT(message_of<InputError>([&] { validate(s); }),
             contains("scenario 'code': events[0] (displacement): over_days: 0 must be >= 1"));
  s.events[0].over_days = 1;
  s.events[0].locations = {999};
  CHECK_THAT(message_of<InputError>([&] { validate(s); }),
             contains("events[0] (displacement): location: unknown location id 999"));
  s.events[0].locations = {exercise().id("Qarvel")};

  Trigger t;
  t.location = exercise().id("Overflow Site A");
  t.threshold = std::nan("");
  t.then.type = EventType::kOpenSite;
  t.then.locations = {exercise().id("Overflow Site A")};
  s.triggers.push_back(t);
  CHECK_THAT(message_of<InputError>([&] { validate(s); }),
             contains("scenario 'code': triggers[0]: above: nan must be finite"));
  s.triggers[0].threshold = 0.9;
  s.triggers[0].then.type = EventType::kCloseSite;
  s.triggers[0].then.until_day = 5;
  CHECK_THAT(message_of<InputError>([&] { validate(s); }),
             contains("triggers[0].then (close_site): until_day: not allowed"));
  s.triggers[0].then.until_day = -1;
  CHECK_NOTHROW(validate(s));

  s.cohort_shares = {0.28, 0.24, 0.45};
  CHECK_THAT(message_of<InputError>([&] { validate(s); }),
             contains("scenario 'code': cohorts: 3 shares for 4 cohorts"));
}
