// Projections of scenarios built in code: conservation, cohorts, the screening queue, closures,
// triggers and sites opening, and the needs arithmetic.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "catch.hpp"
#include "corridor/error.hpp"
#include "corridor/projection.hpp"
#include "corridor/scenario.hpp"

using namespace corridor;
using corridor::test::contains;

namespace {

// Origin -> Town -> Border -> Reception -> Camp / Overflow; Reception and beyond are abroad.
Scenario make_scenario(int days = 40) {
  NetworkBuilder b;
  auto place = [&](const char* name, LocationKind kind, const char* country, double lon,
                   double capacity = kUnlimited, double screening = kUnlimited) {
    Location l;
    l.name = name;
    l.kind = kind;
    l.country = country;
    l.position = {lon, 0.0};
    l.capacity = capacity;
    l.screening_per_day = screening;
    b.add_location(l);
  };
  place("Origin", LocationKind::kConflictZone, "Home", 0.0);
  place("Town", LocationKind::kTown, "Home", 0.5);
  place("Border", LocationKind::kBorderCrossing, "Home", 1.0);
  place("Reception", LocationKind::kReception, "Away", 1.5, 3000, 300);
  place("Camp", LocationKind::kCamp, "Away", 2.5, 20000);
  place("Overflow", LocationKind::kCamp, "Away", 2.2, 5000);
  auto link = [&](const char* a, const char* z, double km) {
    Route r;
    r.distance_km = km;
    b.add_route(a, z, r);
  };
  link("Origin", "Town", 60);
  link("Town", "Border", 70);
  link("Border", "Reception", 40);
  link("Reception", "Camp", 120);
  link("Reception", "Overflow", 90);
  Scenario s;
  s.name = "test";
  s.start_date = "2027-03-01";
  s.days = days;
  s.network = b.build();
  s.movement = validation_move_rules();
  s.cohorts = default_cohorts();
  s.cohort_shares = default_cohort_shares();
  Event d;
  d.type = EventType::kDisplacement;
  d.day = 0;
  d.locations = {s.network.id("Origin")};
  d.people = 12000;
  d.over_days = 6;
  d.where = "test events[0] (displacement)";
  s.events.push_back(d);
  return s;
}

double total(const Projection& p, const std::vector<double>& v, int day, LocationId loc) {
  const std::size_t c = p.cohorts.size();
  double s = 0.0;
  for (std::size_t k = 0; k < c; ++k) {
    s += v[(static_cast<std::size_t>(day) * p.num_locations + loc) * c + k];
  }
  return s;
}

double per_site(const Projection& p, const std::vector<double>& v, int day, LocationId loc) {
  return v[static_cast<std::size_t>(day) * p.num_locations + loc];
}

}  // namespace

TEST_CASE("a projection conserves people and keeps each cohort's share", "[projection]") {
  const Scenario s = make_scenario();
  const Projection p = run_projection(s);
  REQUIRE(p.days == s.days);
  const std::size_t c = p.cohorts.size();
  for (int d = 0; d < p.days; ++d) {
    const auto i = static_cast<std::size_t>(d);
    INFO("day " << d);
    CHECK(std::abs(p.spawned[i] - p.at_locations[i] - p.in_transit[i] - p.departed[i]) <=
          1e-9 * std::max(1.0, p.spawned[i]));
    CHECK(p.spawned[i] == Approx(std::min(d + 1, 6) * 2000.0));
    double sites = 0.0;
    for (LocationId v = 0; v < p.num_locations; ++v) {
      const double all = total(p, p.population, d, v);
      sites += all;
      // One displacement: every site holds the cohorts in the displacement's shares.
      for (std::size_t k = 0; k < c; ++k) {
        CHECK(p.population[(i * p.num_locations + v) * c + k] ==
              Approx(all * s.cohort_shares[k]).margin(1e-9));
      }
    }
    CHECK(sites == Approx(p.at_locations[i]));
  }
  CHECK(total(p, p.population, p.days - 1, s.network.id("Camp")) > 1000.0);
}

TEST_CASE("the screening queue: arrivals wait, at most the throughput leaves it each day",
          "[projection]") {
  const Scenario s = make_scenario();
  const Projection p = run_projection(s);
  const LocationId rc = s.network.id("Reception");
  double before = 0.0;
  double longest = 0.0;
  for (int d = 0; d < p.days; ++d) {
    const double backlog = total(p, p.backlog, d, rc);
    const double arrivals = total(p, p.arrivals, d, rc);
    const double screened = per_site(p, p.screened, d, rc);
    INFO("day " << d);
    CHECK(screened <= 300.0 + 1e-9);
    CHECK(backlog == Approx(before + arrivals - screened).margin(1e-6));
    CHECK(backlog <= total(p, p.population, d, rc) + 1e-9);
    if (backlog > 1e-6) CHECK(screened == Approx(300.0));  // a queue is worked at full rate
    longest = std::max(longest, backlog);
    before = backlog;
  }
  CHECK(longest > 1000.0);
  // Nobody reaches the camps without being screened: what left Reception was screened.
  double screened_total = 0.0;
  for (int d = 0; d < p.days; ++d) screened_total += per_site(p, p.screened, d, rc);
  const int last = p.days - 1;
  const double beyond = total(p, p.population, last, s.network.id("Camp")) +
                        total(p, p.population, last, s.network.id("Overflow"));
  CHECK(beyond <= screened_total + 1e-6);
}

TEST_CASE("a closed border keeps people out until it reopens", "[projection]") {
  Scenario s = make_scenario();
  Event e;
  e.type = EventType::kCloseBorder;
  e.day = 0;
  e.until_day = 15;
  e.countries = {"Away", "Home"};
  e.where = "test events[1] (close_border)";
  s.events.push_back(e);
  const Projection p = run_projection(s);
  const LocationId rc = s.network.id("Reception");
  for (int d = 0; d < 15; ++d) {
    INFO("day " << d);
    CHECK(total(p, p.population, d, rc) == 0.0);
    CHECK(total(p, p.arrivals, d, rc) == 0.0);
  }
  CHECK(total(p, p.arrivals, 15, rc) > 0.0);
  // A single country closes all its international routes.
  Scenario one = make_scenario();
  e.countries = {"Away"};
  e.until_day = -1;
  one.events.push_back(e);
  const Projection q = run_projection(one);
  CHECK(total(q, q.population, q.days - 1, rc) == 0.0);
}

TEST_CASE("a trigger opens an overflow site the day after its condition holds", "[projection]") {
  Scenario s = make_scenario();
  Event open;
  open.type = EventType::kOpenSite;
  open.locations = {s.network.id("Overflow")};
  open.capacity = 8000;
  Trigger t;
  t.location = s.network.id("Reception");
  t.metric = TriggerMetric::kBacklog;
  t.threshold = 500;
  t.above = true;
  t.then = open;
  t.where = "test triggers[0]";
  s.triggers.push_back(t);
  const Projection p = run_projection(s);
  REQUIRE(p.fired.size() == 1);
  const int fired = p.fired[0].day;
  CHECK(p.fired[0].value > 500.0);
  CHECK(total(p, p.backlog, fired, t.location) > 500.0);
  if (fired > 0) CHECK(total(p, p.backlog, fired - 1, t.location) <= 500.0);
  const LocationId ov = s.network.id("Overflow");
  for (int d = 0; d <= fired; ++d) {
    CHECK(p.open[static_cast<std::size_t>(d) * p.num_locations + ov] == 0);
    CHECK(total(p, p.population, d, ov) == 0.0);
  }
  CHECK(p.open[static_cast<std::size_t>(fired + 1) * p.num_locations + ov] == 1);
  CHECK(per_site(p, p.capacity, fired + 1, ov) == 8000.0);
  CHECK(total(p, p.population, p.days - 1, ov) > 0.0);
}

TEST_CASE("set_capacity: more screening shortens the queue; unlimited releases it",
          "[projection]") {
  Scenario s = make_scenario();
  const LocationId rc = s.network.id("Reception");
  Event e;
  e.type = EventType::kSetCapacity;
  e.day = 12;
  e.locations = {rc};
  e.screening_per_day = std::numeric_limits<double>::infinity();
  e.where = "test events[1] (set_capacity)";
  s.events.push_back(e);
  const Projection p = run_projection(s);
  CHECK(total(p, p.backlog, 11, rc) > 0.0);
  for (int d = 12; d < p.days; ++d) CHECK(total(p, p.backlog, d, rc) == 0.0);
}

TEST_CASE("needs follow the Sphere figures, facilities rounded up", "[projection]") {
  const Planning plan;
  SiteNeeds n = site_needs(10000, true, plan);
  CHECK(n.water_l == Approx(150000));
  CHECK(n.taps == 40);
  CHECK(n.toilets == 200);
  CHECK(n.covered_m2 == Approx(35000));
  CHECK(n.site_area_m2 == Approx(450000));
  CHECK(n.kcal == Approx(21000000));
  CHECK(site_needs(10000, false, plan).toilets == 500);
  CHECK(site_needs(251, true, plan).taps == 2);
  CHECK(site_needs(0.3, true, plan).taps == 0);  // less than one whole person
  CHECK(site_needs(0.0, true, plan).water_l == 0.0);
}

TEST_CASE("run_projection validates: an event after the horizon names the event", "[projection]") {
  Scenario s = make_scenario(10);
  s.events[0].day = 10;
  CHECK_THROWS_AS(run_projection(s), InputError);
  CHECK_THROWS_WITH(run_projection(s), contains("events[0] (displacement)"));
}
