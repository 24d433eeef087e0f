// Reception pathways (quarantine, streams after screening) and outbreaks, on both engines:
// day-by-day figures computed by hand on a two-place network where everyone displaced reaches
// the reception site on the day they leave, the conservation account, and the reader's errors.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "catch.hpp"
#include "corridor/error.hpp"
#include "corridor/geo/read.hpp"
#include "corridor/geo/scenario.hpp"
#include "corridor/projection.hpp"
#include "corridor/scenario.hpp"

using namespace corridor;
using corridor::test::contains;
using corridor::test::message_of;

namespace {

// Origin (a conflict zone: everyone there moves) -> Reception (15 km: reached on foot the same
// day; screening 100 a day) -> Camp (30 km); one cohort, 1,000 people on day 0.
Scenario tiny(int days = 20) {
  NetworkBuilder b;
  auto place = [&](const char* name, LocationKind kind, double lon, double screening) {
    Location l;
    l.name = name;
    l.kind = kind;
    l.country = "A";
    l.position = {lon, 0.0};
    l.screening_per_day = screening;
    b.add_location(l);
  };
  place("Origin", LocationKind::kConflictZone, 0.0, kUnlimited);
  place("Reception", LocationKind::kReception, 0.13, 100);
  place("Camp", LocationKind::kCamp, 0.4, kUnlimited);
  Route r;
  r.distance_km = 15;
  b.add_route("Origin", "Reception", r);
  r.distance_km = 30;
  b.add_route("Reception", "Camp", r);
  Scenario s;
  s.name = "tiny";
  s.source = "tiny.toml";
  s.start_date = "2027-03-01";
  s.days = days;
  s.network = b.build();
  s.movement = validation_move_rules();
  s.cohorts = {"people"};
  s.cohort_shares = {1.0};
  Event d;
  d.type = EventType::kDisplacement;
  d.locations = {s.network.id("Origin")};
  d.people = 1000;
  d.where = "tiny.toml: events[0] (displacement)";
  s.events.push_back(d);
  return s;
}

Stream stream(const char* name, StreamKind kind, double share) {
  Stream st;
  st.name = name;
  st.type = name;
  st.kind = kind;
  st.shares = {share};
  return st;
}

constexpr LocationId kOrigin = 0, kReception = 1, kCamp = 2;

ProjectionOptions engine(const std::string& name) {
  ProjectionOptions o;
  o.engine = name;
  o.seed = 7;
  o.threads = 2;
  return o;
}

// Figure at (day, location) of a days x L x C array with one cohort.
double at(const Projection& p, const std::vector<double>& v, int day, LocationId loc) {
  return v[static_cast<std::size_t>(day) * p.num_locations + loc];
}
// Stream i's figure at the only reception site (Reception), one cohort.
double st(const Projection& p, const std::vector<double>& v, int day, std::size_t i) {
  return v[static_cast<std::size_t>(day) * p.streams.size() + i];
}

void check_account(const Projection& p) {
  for (std::size_t d = 0; d < static_cast<std::size_t>(p.days); ++d) {
    INFO("day " << d);
    const double accounted = p.at_locations[d] + p.in_reception[d] + p.in_transit[d] +
                             p.transferring[d] + p.departed[d] + p.returned[d];
    CHECK(std::abs(p.spawned[d] - accounted) <= 1e-9 * std::max(1.0, p.spawned[d]));
    double at_sites = 0.0;
    for (LocationId v = 0; v < p.num_locations; ++v) at_sites += at(p, p.population, static_cast<int>(d), v);
    // Everyone at a place (in the engine or held by the pathways) is in `population`.
    CHECK(at_sites == Approx(p.at_locations[d] + p.in_reception[d]).epsilon(1e-12).margin(1e-9));
  }
}

}  // namespace

TEST_CASE("pathways: the premise — everyone reaches Reception on day 0", "[pathways]") {
  for (const std::string name : {"expected", "agents"}) {
    const Projection p = run_projection(tiny(), engine(name));
    INFO(name);
    CHECK(at(p, p.arrivals, 0, kReception) == Approx(1000));
    CHECK(p.streams.empty());
    CHECK(p.in_reception[5] == 0.0);
  }
}

TEST_CASE("pathways: quarantine holds people its days before screening, within its places",
          "[pathways]") {
  for (const std::string name : {"expected", "agents"}) {
    INFO(name);
    Scenario s = tiny();
    Quarantine q;
    q.locations = {kReception};
    q.days = 3;
    q.capacity = 400;
    s.quarantine.push_back(q);
    // Quarantine alone: the screened are released (one "release" stream).
    CHECK(run_projection(s, engine(name)).streams == std::vector<std::string>{"release"});
    // Those released may come back and queue again: keep them at the site to count exactly.
    s.streams = {stream("settled", StreamKind::kProcedure, 1.0)};
    s.streams[0].stay = true;
    const Projection p = run_projection(s, engine(name));
    REQUIRE(p.reception_sites == std::vector<LocationId>{kReception});
    // Day 0: 400 in quarantine, 600 waiting for a place; nobody screened for 3 days.
    CHECK(p.in_quarantine[0] == Approx(400));
    CHECK(p.quarantine_waiting[0] == Approx(600));
    for (int d = 0; d < 3; ++d) {
      CHECK(at(p, p.backlog, d, kReception) == 0.0);
      CHECK(p.screened[static_cast<std::size_t>(d) * 3 + kReception] == 0.0);
    }
    // Day 3: the first 400 leave quarantine, 100 are screened, the next 400 come in.
    CHECK(p.screened[3 * 3 + kReception] == Approx(100));
    CHECK(at(p, p.backlog, 3, kReception) == Approx(300));
    CHECK(p.in_quarantine[3] == Approx(400));
    CHECK(p.quarantine_waiting[3] == Approx(200));
    // Day 6: the last 200 enter quarantine, 700 have left it, 400 screened so far.
    CHECK(p.in_quarantine[6] == Approx(200));
    CHECK(p.quarantine_waiting[6] == 0.0);
    CHECK(at(p, p.backlog, 6, kReception) == Approx(400));
    // Everyone waiting or in quarantine is at Reception and fills its shelter.
    CHECK(at(p, p.population, 1, kReception) == Approx(1000));
    check_account(p);
  }
}

TEST_CASE("pathways: referral by shares, places and processing days of a procedure",
          "[pathways]") {
  for (const std::string name : {"expected", "agents"}) {
    INFO(name);
    Scenario s = tiny();
    Stream asylum = stream("asylum", StreamKind::kProcedure, 0.5);
    asylum.capacity = 30;
    asylum.duration_days = 5;
    s.streams = {asylum, stream("release", StreamKind::kRelease, 0.5)};
    const Projection p = run_projection(s, engine(name));
    REQUIRE(p.streams.size() == 2);
    const auto& W = p.stream_waiting;
    const auto& P = p.stream_in_process;
    // 100 screened a day for 10 days, half to each stream.
    for (int d = 0; d < 10; ++d) {
      CHECK(st(p, p.stream_referred, d, 0) == Approx(50));
      CHECK(st(p, p.stream_referred, d, 1) == Approx(50));
      CHECK(st(p, p.stream_moved_on, d, 1) == Approx(50));  // released the same day
    }
    // 30 places of 5 days: 30 in process, the rest waiting; 30 done on days 5, 10, 15.
    CHECK(st(p, P, 0, 0) == Approx(30));
    CHECK(st(p, W, 0, 0) == Approx(20));
    CHECK(st(p, W, 4, 0) == Approx(220));
    CHECK(st(p, p.stream_moved_on, 4, 0) == 0.0);
    CHECK(st(p, p.stream_moved_on, 5, 0) == Approx(30));
    CHECK(st(p, W, 5, 0) == Approx(240));
    CHECK(st(p, P, 5, 0) == Approx(30));
    // (Later, released people who come back to Reception queue and are screened again: the
    // engines do not remember who was screened.)
    check_account(p);
  }
}

TEST_CASE("pathways: voluntary return leaves the network to its origin, per_day a day",
          "[pathways]") {
  for (const std::string name : {"expected", "agents"}) {
    INFO(name);
    Scenario s = tiny();
    Stream back = stream("return", StreamKind::kReturn, 1.0);
    back.duration_days = 2;
    back.per_day = 40;
    back.origin = kOrigin;
    s.streams = {back};
    const Projection p = run_projection(s, engine(name));
    CHECK(p.returned[1] == 0.0);
    for (int d = 2; d < 20; ++d) {
      INFO("day " << d);
      CHECK(st(p, p.stream_returned, d, 0) == Approx(40));
      CHECK(p.returned[static_cast<std::size_t>(d)] == Approx(40.0 * (d - 1)));
      CHECK(at(p, p.returned_to, d, kOrigin) == Approx(40));
    }
    // Done but not yet gone count as in process: day 5, 600 screened, 120 returned.
    CHECK(st(p, p.stream_in_process, 5, 0) == Approx(600 - 160));
    check_account(p);
  }
}

TEST_CASE("pathways: onward transfers arrive at their destinations after travel_days",
          "[pathways]") {
  for (const std::string name : {"expected", "agents"}) {
    INFO(name);
    Scenario s = tiny();
    Stream onward = stream("onward", StreamKind::kOnward, 1.0);
    onward.destinations = {kCamp, kOrigin};
    onward.destination_shares = {0.75, 0.25};
    onward.travel_days = 2;
    s.streams = {onward};
    const Projection p = run_projection(s, engine(name));
    CHECK(p.transferring[0] == Approx(100));
    CHECK(p.transferring[1] == Approx(200));
    CHECK(p.transferring[2] == Approx(200));
    CHECK(at(p, p.arrivals, 2, kCamp) >= 75.0);  // the transfers, and any who walked there
    CHECK(at(p, p.arrivals, 2, kOrigin) == Approx(25));
    CHECK(st(p, p.stream_moved_on, 0, 0) == Approx(100));
    check_account(p);
  }
}

TEST_CASE("pathways: agents refer whole people and keep small shares over the days",
          "[pathways]") {
  Scenario s = tiny();
  s.streams = {stream("rare", StreamKind::kProcedure, 0.03),
               stream("common", StreamKind::kProcedure, 0.97)};
  s.streams[0].stay = true;
  s.streams[1].stay = true;
  const Projection p = run_projection(s, engine("agents"));
  double rare = 0.0;
  for (int d = 0; d < 10; ++d) {
    const double x = st(p, p.stream_referred, d, 0);
    CHECK(x == std::floor(x));
    rare += x;
    // Within one person of 3% of everyone screened so far.
    CHECK(std::abs(rare - 0.03 * 100.0 * (d + 1)) <= 1.0);
  }
  CHECK(rare == 30.0);
  CHECK(st(p, p.stream_completed, 19, 0) == 30.0);  // they stay at the site
  check_account(p);
}

TEST_CASE("outbreak: arrivals suspended until until_day; a capacity cut slows screening",
          "[pathways]") {
  for (const std::string name : {"expected", "agents"}) {
    INFO(name);
    Scenario s = tiny();
    Event o;
    o.type = EventType::kOutbreak;
    o.locations = {kReception};
    o.day = 0;
    o.until_day = 3;
    o.suspend_arrivals = true;
    s.events.push_back(o);
    const Projection p = run_projection(s, engine(name));
    for (int d = 0; d < 3; ++d) {
      CHECK(at(p, p.arrivals, d, kReception) == 0.0);
      CHECK(p.open[static_cast<std::size_t>(d) * 3 + kReception] == 0);
    }
    CHECK(at(p, p.arrivals, 3, kReception) == Approx(1000));

    Scenario cut = tiny();
    Event half;
    half.type = EventType::kOutbreak;
    half.locations = {kReception};
    half.day = 2;
    half.until_day = 6;
    half.capacity_factor = 0.5;
    cut.events.push_back(half);
    const Projection q = run_projection(cut, engine(name));
    CHECK(q.screened[1 * 3 + kReception] == Approx(100));
    CHECK(q.screened[2 * 3 + kReception] == Approx(50));
    CHECK(q.screening_per_day[5 * 3 + kReception] == Approx(50));
    CHECK(q.screened[6 * 3 + kReception] == Approx(100));
    check_account(q);
  }
}

TEST_CASE("pathways: people held fill the site's shelter (a full site stops attracting)",
          "[pathways]") {
  // Reception with 300 places: with everyone held in a long procedure, the site is full
  // however few people the engine itself moves there.
  Scenario s = tiny(10);
  Stream asylum = stream("asylum", StreamKind::kProcedure, 1.0);
  asylum.duration_days = 60;
  s.streams = {asylum};
  const Projection p = run_projection(s);
  CHECK(st(p, p.stream_in_process, 9, 0) == Approx(1000));
  CHECK(at(p, p.population, 9, kReception) == Approx(1000));
  check_account(p);
}

TEST_CASE("pathways bad input: shares not summing to 1, unknown origin, a site twice",
          "[pathways]") {
  Scenario s = tiny();
  s.streams = {stream("asylum", StreamKind::kProcedure, 0.6),
               stream("release", StreamKind::kRelease, 0.3)};
  const std::string sum = message_of<InputError>([&] { validate(s); });
  CHECK_THAT(sum, contains("tiny.toml: streams: the shares of cohort 'people' sum to 0.9"));
  CHECK_THAT(sum, contains("asylum 0.6, release 0.3"));

  s.streams = {stream("back", StreamKind::kReturn, 1.0)};
  s.streams[0].origin = 99;
  s.streams[0].where = "tiny.toml line 9: streams[0] (back)";
  CHECK_THROWS_WITH(validate(s), contains("tiny.toml line 9: streams[0] (back): origin: unknown"));

  s.streams = {stream("release", StreamKind::kRelease, 1.0)};
  Quarantine q;
  q.locations = {kReception};
  s.quarantine = {q, q};
  CHECK_THROWS_WITH(validate(s), contains("'Reception' has a quarantine stage already"));

  s.quarantine = {};
  Event o;
  o.type = EventType::kOutbreak;
  o.locations = {kReception};
  o.where = "tiny.toml line 4: events[1] (outbreak)";
  s.events.push_back(o);
  CHECK_THROWS_WITH(validate(s), contains("needs suspend_arrivals = true or a capacity_factor"));
  s.events.back().capacity_factor = 1.5;
  CHECK_THROWS_WITH(validate(s), contains("events[1] (outbreak): capacity_factor: 1.5 must be in [0, 1]"));
}

TEST_CASE("pathways: the reader — types, defaults, names and errors with lines", "[pathways]") {
  const std::string dir = std::string(CORRIDOR_TEST_DATA) + "/../../data/exercise";
  geo::ScenarioSource source;
  source.name = "streams.toml";
  source.network = geo::read_network(dir + "/locations.csv", dir + "/routes.csv");
  const std::string head = "name = \"S\"\nstart = 2027-03-01\ndays = 30\n\n";
  const std::string good = head + R"([[streams]]
type = "protection"
shares = { women = 0.5, men = 0.5, children = 0.5 }
[[streams]]
type = "voluntary_return"
origin = "Qarvel"
per_day = 20
shares = 0.1
[[streams]]
type = "onward"
name = "to camps"
destinations = ["Tamsel Plain Camp", "Sedra Plain Camp"]
shares = { women = 0.4, men = 0.4, children = 0.4, unaccompanied_minors = 0.9 }
[[quarantine]]
locations = ["Anselm Reception Centre"]
capacity = 500
[[events]]
type = "outbreak"
day = 3
location = "Anselm Reception Centre"
until_day = 10
)";
  const Scenario s = geo::parse_scenario(good, source);
  REQUIRE(s.streams.size() == 3);
  CHECK(s.streams[0].name == "protection");
  CHECK(s.streams[0].kind == StreamKind::kProcedure);
  CHECK(s.streams[0].duration_days == 84);
  CHECK(s.streams[0].shares == std::vector<double>{0.5, 0.5, 0.5, 0.0});
  CHECK(s.streams[1].kind == StreamKind::kReturn);
  CHECK(s.streams[1].duration_days == 14);
  CHECK(s.streams[1].origin == s.network.id("Qarvel"));
  CHECK(s.streams[1].per_day == 20.0);
  CHECK(s.streams[2].name == "to camps");
  CHECK(s.streams[2].destination_shares == std::vector<double>{0.5, 0.5});
  CHECK(s.streams[2].travel_days == 1);
  REQUIRE(s.quarantine.size() == 1);
  CHECK(s.quarantine[0].days == 14);
  CHECK(s.quarantine[0].capacity == 500.0);
  REQUIRE(s.events.size() == 1);
  CHECK(s.events[0].type == EventType::kOutbreak);
  CHECK(s.events[0].suspend_arrivals);  // the default without a capacity_factor

  auto error = [&](const std::string& text) {
    return message_of<InputError>([&] { geo::parse_scenario(head + text, source); });
  };
  CHECK_THAT(error("[[streams]]\ntype = \"voluntary_return\"\norigin = \"Qarvell\"\nshares = 1\n"),
             contains("streams.toml line 7: streams[0] (voluntary_return): origin: unknown "
                      "location 'Qarvell' (did you mean 'Qarvel'?)"));
  CHECK_THAT(error("[[streams]]\ntype = \"asylum\"\nshares = 1\n"),
             contains("streams.toml line 6: streams[0]: type: unknown stream type 'asylum'"));
  CHECK_THAT(error("[[streams]]\ntype = \"release\"\nshares = { women = 1, men = 1, "
                   "children = 1, unaccompanied_minor = 1 }\n"),
             contains("shares.unaccompanied_minor: unknown cohort"));
  CHECK_THAT(error("[[streams]]\ntype = \"release\"\nshares = 1\norigin = \"Qarvel\"\n"),
             contains("streams[0] (release): unknown key 'origin'"));
  CHECK_THAT(error("[[streams]]\ntype = \"release\"\nshares = 0.5\n"),
             contains("the shares of cohort 'women' sum to 0.5 over the streams (release 0.5)"));
  CHECK_THAT(error("[[streams]]\ntype = \"onward\"\nshares = 1\ndestinations = [\"Sedra Plain "
                   "Camp\"]\ndestination_shares = [0.5]\n"),
             contains("streams[0] (onward): destination_shares: the shares sum to 0.5"));
}
