// Projections of scenarios built in code: conservation, cohorts, the screening queue, closures,
// triggers and sites opening, and the needs arithmetic.
#include <algorithm>
#include <cmath>
#include <cstdint>
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

// A trigger: more than 500 people queueing at Reception opens Overflow with 8,000 places.
const Trigger& add_overflow_trigger(Scenario& s) {
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
  return s.triggers.back();
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

namespace {

// Every value of `a` within 1e-9 relative of `b`'s (of 1,000 for smaller values): rounding
// (the sums run in another order), here up to about 3e-11.
void check_close(const std::vector<double>& a, const std::vector<double>& b, const char* what) {
  INFO(what);
  REQUIRE(a.size() == b.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, std::abs(a[i] - b[i]) / std::max(1e3, std::abs(b[i])));
  }
  INFO("worst relative difference " << std::scientific << worst);
  CHECK(worst <= 1e-9);
}

}  // namespace

TEST_CASE("one split: carrying totals gives the projection of carrying every cohort",
          "[projection]") {
  // Two displacements with the same shares (one by default, one spelt out), a screening queue,
  // a closure and a trigger: the engine carries totals only unless told not to.
  Scenario s = make_scenario(60);
  Event again = s.events[0];
  again.day = 12;
  again.people = 5000;
  again.cohort_shares = s.cohort_shares;
  s.events.push_back(again);
  add_overflow_trigger(s);
  ProjectionOptions carried;
  carried.merge_cohorts = false;
  const Projection merged = run_projection(s);
  const Projection apart = run_projection(s, carried);
  REQUIRE(merged.days == apart.days);
  check_close(merged.population, apart.population, "population");
  check_close(merged.arrivals, apart.arrivals, "arrivals");
  check_close(merged.backlog, apart.backlog, "backlog");
  check_close(merged.screened, apart.screened, "screened");
  check_close(merged.route_flow, apart.route_flow, "route_flow");
  check_close(merged.in_transit, apart.in_transit, "in_transit");
  check_close(merged.at_locations, apart.at_locations, "at_locations");
  REQUIRE(merged.fired.size() == 1);
  CHECK(merged.fired.size() == apart.fired.size());
  CHECK(merged.fired[0].day == apart.fired[0].day);
  CHECK(merged.work_hops == apart.work_hops);  // the same hops, one amount each instead of 4

  // Different shares: each cohort is carried, and the places' mixes differ.
  s.events[1].cohort_shares = {0.1, 0.7, 0.2, 0.0};
  const Projection mixed = run_projection(s);
  const Projection mixed_apart = run_projection(s, carried);
  CHECK(mixed.population == mixed_apart.population);  // the same engine: bit for bit
  // The camp holds both displacements' people: a share of men between the two splits' (a
  // single split carried for both would give 0.24 or 0.7).
  const std::size_t c = mixed.cohorts.size(), last = static_cast<std::size_t>(mixed.days - 1);
  const double* x =
      mixed.population.data() + (last * mixed.num_locations + s.network.id("Camp")) * c;
  const double men = x[1] / (x[0] + x[1] + x[2] + x[3]);
  CHECK(men > 0.26);
  CHECK(men < 0.68);
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
  const Trigger& t = add_overflow_trigger(s);
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
  for (const char* engine : {"expected", "agents"}) {
    INFO(engine);
    ProjectionOptions o;
    o.engine = engine;
    const Projection p = run_projection(s, o);
    CHECK(total(p, p.backlog, 11, rc) > 0.0);
    for (int d = 12; d < p.days; ++d) CHECK(total(p, p.backlog, d, rc) == 0.0);
  }
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

// ------------------------------------------------------------------ the agent engine

namespace {

ProjectionOptions agents(std::uint64_t seed, unsigned threads = 1) {
  ProjectionOptions o;
  o.engine = "agents";
  o.seed = seed;
  o.threads = threads;
  return o;
}

bool whole(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return x == std::floor(x) && x >= 0; });
}

void check_same(const Projection& a, const Projection& b) {
  CHECK(a.days == b.days);
  CHECK(a.population == b.population);
  CHECK(a.arrivals == b.arrivals);
  CHECK(a.backlog == b.backlog);
  CHECK(a.screened == b.screened);
  CHECK(a.route_flow == b.route_flow);
  CHECK(a.in_transit == b.in_transit);
  CHECK(a.departed == b.departed);
  CHECK(a.fired.size() == b.fired.size());
}

}  // namespace

TEST_CASE("agents: whole people, conserved exactly every day", "[projection]") {
  const Scenario s = make_scenario();
  const Projection p = run_projection(s, agents(5));
  REQUIRE(p.days == s.days);
  for (const auto* v : {&p.population, &p.arrivals, &p.backlog, &p.screened, &p.route_flow,
                        &p.spawned, &p.at_locations, &p.in_transit, &p.departed}) {
    CHECK(whole(*v));
  }
  for (int d = 0; d < p.days; ++d) {
    const auto i = static_cast<std::size_t>(d);
    INFO("day " << d);
    CHECK(p.spawned[i] == p.at_locations[i] + p.in_transit[i] + p.departed[i]);
    CHECK(p.spawned[i] == std::min(d + 1, 6) * 2000.0);  // 12,000 over 6 days, whole each day
    double sites = 0.0;
    for (LocationId v = 0; v < p.num_locations; ++v) sites += total(p, p.population, d, v);
    CHECK(sites == p.at_locations[i]);
  }
  CHECK(total(p, p.population, p.days - 1, s.network.id("Camp")) > 1000.0);
}

TEST_CASE("agents: a displacement's cohorts and days add up to its people, rounded",
          "[projection]") {
  Scenario s = make_scenario(12);
  s.events[0].people = 10001.4;  // shares 0.28, 0.24, 0.45, 0.03 of 10,001: 2800.28, ...
  s.events[0].over_days = 7;
  s.movement.conflict_movechance = 0.0;  // everyone stays at Origin: the cohorts can be counted
  const Projection p = run_projection(s, agents(2));
  const std::size_t c = p.cohorts.size();
  const LocationId origin = s.network.id("Origin");
  // Largest remainders: 2800, 2400, 4501 (0.45 has the largest fraction), 300; day j of 7 adds
  // floor(total j / 7) - floor(total (j - 1) / 7) of each cohort.
  const double totals[] = {2800.0, 2400.0, 4501.0, 300.0};
  for (int d = 0; d < p.days; ++d) {
    const int j = std::min(d + 1, 7);
    INFO("day " << d);
    const std::size_t at = (static_cast<std::size_t>(d) * p.num_locations + origin) * c;
    double here = 0.0;
    for (std::size_t k = 0; k < c; ++k) {
      CHECK(p.population[at + k] == std::floor(totals[k] * j / 7.0));
      here += p.population[at + k];
    }
    CHECK(here == p.spawned[static_cast<std::size_t>(d)]);
    CHECK(std::abs(here - 10001.0 * j / 7.0) < 4.0);  // within a person per cohort of the mean
  }
  CHECK(p.spawned.back() == 10001.0);
}

TEST_CASE("agents: the same seed gives the same projection, for 1 and 2 threads", "[projection]") {
  const Scenario s = make_scenario();
  const Projection one = run_projection(s, agents(11, 1));
  const Projection two = run_projection(s, agents(11, 2));
  const Projection again = run_projection(s, agents(11, 1));
  check_same(one, two);
  check_same(one, again);
  CHECK(run_projection(s, agents(12, 1)).population != one.population);
  // Without options.seed, the scenario's seed.
  Scenario seeded = s;
  seeded.seed = 11;
  ProjectionOptions o;
  o.engine = "agents";
  check_same(run_projection(seeded, o), one);
}

TEST_CASE("agents: the screening queue in whole people", "[projection]") {
  Scenario s = make_scenario();
  const LocationId rc = s.network.id("Reception");
  const Projection p = run_projection(s, agents(3));
  double before = 0.0;
  double longest = 0.0;
  double screened_total = 0.0;
  for (int d = 0; d < p.days; ++d) {
    const double backlog = total(p, p.backlog, d, rc);
    const double arrivals = total(p, p.arrivals, d, rc);
    const double screened = per_site(p, p.screened, d, rc);
    INFO("day " << d);
    CHECK(screened <= 300.0);
    CHECK(backlog == before + arrivals - screened);  // exact: whole people
    CHECK(backlog <= total(p, p.population, d, rc));
    if (backlog > 0.0) CHECK(screened == 300.0);
    longest = std::max(longest, backlog);
    screened_total += screened;
    before = backlog;
  }
  CHECK(longest > 1000.0);
  const int last = p.days - 1;
  CHECK(total(p, p.population, last, s.network.id("Camp")) +
            total(p, p.population, last, s.network.id("Overflow")) <=
        screened_total);
  // A throughput with a fraction: its fraction is carried, so a long queue releases
  // floor(250.5 x days) people over the days.
  Scenario f = make_scenario();
  f.network = [&] {
    NetworkBuilder b;
    for (const Location& l : s.network.locations()) {
      Location x = l;
      if (x.name == "Reception") x.screening_per_day = 250.5;
      b.add_location(x);
    }
    for (const Route& r : s.network.routes()) b.add_route(r);
    return b.build();
  }();
  const Projection q = run_projection(f, agents(3));
  // While the queue stays long, 250 and 251 people a day by turns.
  std::vector<double> full;
  for (int d = 0; d < q.days; ++d) {
    if (total(q, q.backlog, d, rc) > 0.0) full.push_back(per_site(q, q.screened, d, rc));
  }
  REQUIRE(full.size() > 5);
  for (std::size_t i = 0; i + 1 < full.size(); ++i) {
    CHECK((full[i] == 250.0 || full[i] == 251.0));
    CHECK(full[i] + full[i + 1] == 501.0);
  }
}

TEST_CASE("agents: a closed border keeps agents out until it reopens", "[projection]") {
  Scenario s = make_scenario();
  Event e;
  e.type = EventType::kCloseBorder;
  e.day = 0;
  e.until_day = 15;
  e.countries = {"Away", "Home"};
  e.where = "test events[1] (close_border)";
  s.events.push_back(e);
  const Projection p = run_projection(s, agents(4));
  const LocationId rc = s.network.id("Reception");
  const LocationId border = s.network.id("Border");
  for (int d = 0; d < 15; ++d) {
    INFO("day " << d);
    CHECK(total(p, p.population, d, rc) == 0.0);
    CHECK(total(p, p.arrivals, d, rc) == 0.0);
  }
  CHECK(total(p, p.population, 14, border) > 0.0);  // they wait at the border
  CHECK(total(p, p.arrivals, 15, rc) > 0.0);
}

TEST_CASE("agents: a trigger opens an overflow site the day after its condition holds",
          "[projection]") {
  Scenario s = make_scenario();
  const Trigger& t = add_overflow_trigger(s);
  const Projection p = run_projection(s, agents(6));
  REQUIRE(p.fired.size() == 1);
  const int fired = p.fired[0].day;
  CHECK(p.fired[0].value > 500.0);
  CHECK(p.fired[0].value == std::floor(p.fired[0].value));
  CHECK(total(p, p.backlog, fired, t.location) > 500.0);
  if (fired > 0) CHECK(total(p, p.backlog, fired - 1, t.location) <= 500.0);
  const LocationId ov = s.network.id("Overflow");
  for (int d = 0; d <= fired; ++d) CHECK(total(p, p.population, d, ov) == 0.0);
  CHECK(p.open[static_cast<std::size_t>(fired + 1) * p.num_locations + ov] == 1);
  CHECK(total(p, p.population, p.days - 1, ov) > 0.0);
}

TEST_CASE("agents: the mean over seeds follows the expected engine", "[projection]") {
  // The expected engine gives the expected numbers of the same rules; averaged over 20 seeds,
  // the agents' camp populations come within a few per cent of them (its approximations, the
  // whole people and the seeds' spread are each below ~1% here).
  const Scenario s = make_scenario(60);
  const Projection e = run_projection(s);
  const int seeds = 20;
  std::vector<double> mean(e.population.size(), 0.0);
  for (int seed = 1; seed <= seeds; ++seed) {
    const Projection a = run_projection(s, agents(static_cast<std::uint64_t>(seed), 2));
    for (std::size_t i = 0; i < mean.size(); ++i) mean[i] += a.population[i] / seeds;
  }
  Projection m = e;
  m.population = mean;
  double diff = 0.0;
  int n = 0;
  for (const char* name : {"Camp", "Reception", "Overflow"}) {
    const LocationId v = s.network.id(name);
    for (int d = 10; d < e.days; ++d) {
      const double x = total(e, e.population, d, v);
      if (x < 100.0) continue;
      diff += std::abs(total(m, m.population, d, v) - x) / x;
      ++n;
    }
  }
  REQUIRE(n > 50);
  INFO("averaged relative difference " << diff / n << " over " << n << " site-days");
  CHECK(diff / n < 0.03);
}

TEST_CASE("run_projection: an unknown engine is an InputError", "[projection]") {
  ProjectionOptions o;
  o.engine = "agent";
  CHECK_THROWS_AS(run_projection(make_scenario(5), o), InputError);
  CHECK_THROWS_WITH(run_projection(make_scenario(5), o), contains("unknown engine 'agent'"));
}
