// Property tests (Catch2 generators): on random small networks and scenarios, both projection
// engines conserve people every day; closing every route out of a place keeps everyone there;
// the expected engine does not depend on the order locations and routes were added in; the agent
// engine gives the same result on 1 and 3 threads.
//
// Design notes:
// - Each case is a seed from GENERATE; the network and scenario come from std::mt19937_64 with
//   that seed, so a failure names its seed (INFO) and reruns exactly. Networks have 3 to 9
//   places and 60 days at most: the whole file runs in about a second (the Python counterpart,
//   tests/python/test_properties.py, explores with hypothesis and shrinks).
// - Conservation: spawned (cumulative) = at_locations + in_transit + departed, exactly for the
//   agents (whole people, small integers in doubles) and to 1e-9 relative for expected numbers.
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "catch.hpp"
#include "corridor/error.hpp"
#include "corridor/network.hpp"
#include "corridor/projection.hpp"
#include "corridor/scenario.hpp"

using namespace corridor;

namespace {

constexpr LocationKind kKinds[] = {LocationKind::kConflictZone, LocationKind::kTown,
                                   LocationKind::kTransit,      LocationKind::kBorderCrossing,
                                   LocationKind::kCamp,         LocationKind::kReception,
                                   LocationKind::kDestination};

struct RandomCase {
  std::vector<Location> locations;
  struct Link {
    std::size_t a, b;
    double km;
    double capacity_per_day;
  };
  std::vector<Link> links;
  int days = 0;
  struct Shock {
    std::size_t at;
    double people;
    int day, over_days;
  };
  std::vector<Shock> shocks;
  struct Closure {
    std::size_t link;
    int day, until_day;
  };
  std::vector<Closure> closures;
};

RandomCase random_case(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<>(lo, hi)(rng); };
  auto integer = [&](int lo, int hi) { return std::uniform_int_distribution<>(lo, hi)(rng); };
  RandomCase c;
  const int n = integer(3, 9);
  for (int i = 0; i < n; ++i) {
    Location l;
    l.name = "P" + std::to_string(i);
    l.country = integer(0, 2) == 0 ? "B" : "A";
    l.position = {uniform(10.0, 14.0), uniform(0.0, 3.0)};
    l.kind = i == 0 ? LocationKind::kConflictZone : kKinds[integer(0, 6)];
    l.population = std::floor(uniform(0, 5000));
    if (integer(0, 2) == 0) l.capacity = std::floor(uniform(0, 3000));
    if (l.kind == LocationKind::kReception || integer(0, 4) == 0) {
      l.screening_per_day = std::floor(uniform(0, 400));
    }
    c.locations.push_back(l);
  }
  // A random tree keeps everything reachable; extra links make loops.
  for (int i = 1; i < n; ++i) {
    c.links.push_back({static_cast<std::size_t>(integer(0, i - 1)), static_cast<std::size_t>(i),
                       uniform(5, 400), integer(0, 3) == 0 ? std::floor(uniform(0, 500)) : kUnlimited});
  }
  for (int extra = integer(0, n); extra > 0; --extra) {
    const int a = integer(0, n - 1), b = integer(0, n - 1);
    if (a != b) {
      c.links.push_back({static_cast<std::size_t>(a), static_cast<std::size_t>(b), uniform(5, 400),
                         kUnlimited});
    }
  }
  c.days = integer(1, 60);
  for (int k = integer(1, 3); k > 0; --k) {
    c.shocks.push_back({static_cast<std::size_t>(integer(0, n - 1)), std::floor(uniform(0, 3000)),
                        integer(0, c.days - 1), integer(1, 10)});
  }
  for (int k = integer(0, 2); k > 0; --k) {
    const int day = integer(0, c.days - 1);
    c.closures.push_back({static_cast<std::size_t>(integer(0, static_cast<int>(c.links.size()) - 1)),
                          day, integer(0, 1) == 0 ? -1 : integer(day + 1, c.days + 5)});
  }
  return c;
}

/// The case as a Scenario, locations added in `order` (a permutation of 0..n-1) and links in
/// `link_order`.
Scenario to_scenario(const RandomCase& c, const std::vector<std::size_t>& order,
                     const std::vector<std::size_t>& link_order) {
  NetworkBuilder b;
  for (const std::size_t i : order) b.add_location(c.locations[i]);
  std::vector<RouteId> route_of(c.links.size());
  for (const std::size_t k : link_order) {
    Route r;
    r.distance_km = c.links[k].km;
    r.capacity_per_day = c.links[k].capacity_per_day;
    route_of[k] = b.add_route(c.locations[c.links[k].a].name, c.locations[c.links[k].b].name, r);
  }
  Scenario s;
  s.name = "property";
  s.start_date = "2027-03-01";
  s.days = c.days;
  s.network = b.build();
  s.movement = validation_move_rules();
  s.cohorts = default_cohorts();
  s.cohort_shares = default_cohort_shares();
  for (const auto& shock : c.shocks) {
    Event e;
    e.type = EventType::kDisplacement;
    e.day = shock.day;
    e.locations = {s.network.id(c.locations[shock.at].name)};
    e.people = shock.people;
    e.over_days = shock.over_days;
    e.where = "random displacement";
    s.events.push_back(e);
  }
  for (const auto& closure : c.closures) {
    Event e;
    e.type = EventType::kCloseRoute;
    e.day = closure.day;
    e.until_day = closure.until_day;
    e.routes = {route_of[closure.link]};
    e.where = "random close_route";
    s.events.push_back(e);
  }
  return s;
}

std::vector<std::size_t> identity(std::size_t n) {
  std::vector<std::size_t> v(n);
  std::iota(v.begin(), v.end(), std::size_t{0});
  return v;
}

Scenario to_scenario(const RandomCase& c) {
  return to_scenario(c, identity(c.locations.size()), identity(c.links.size()));
}

void check_conservation(const Projection& p, double rel_tol) {
  REQUIRE(p.spawned.size() == static_cast<std::size_t>(p.days));
  for (std::size_t d = 0; d < p.spawned.size(); ++d) {
    INFO("day " << d);
    const double error = p.spawned[d] - p.at_locations[d] - p.in_transit[d] - p.departed[d];
    CHECK(std::abs(error) <= rel_tol * std::max(1.0, p.spawned[d]));
    // at_locations is the sum of the population array.
    const std::size_t per_day = p.num_locations * p.cohorts.size();
    const double sum = std::accumulate(p.population.begin() + static_cast<long>(d * per_day),
                                       p.population.begin() + static_cast<long>((d + 1) * per_day), 0.0);
    CHECK(std::abs(sum - p.at_locations[d]) <= 1e-9 * std::max(1.0, sum));
    for (std::size_t i = d * per_day; i < (d + 1) * per_day; ++i) CHECK(p.population[i] >= 0.0);
  }
}

Projection run(const Scenario& s, const char* engine, unsigned threads = 0) {
  ProjectionOptions options;
  options.engine = engine;
  options.seed = 11;
  options.threads = threads;
  return run_projection(s, options);
}

}  // namespace

TEST_CASE("property: both engines conserve people every day on random scenarios",
          "[properties][projection]") {
  const std::uint64_t seed = GENERATE(range(1, 41));
  INFO("seed " << seed);
  const Scenario s = to_scenario(random_case(seed));
  check_conservation(run(s, "expected"), 1e-9);
  check_conservation(run(s, "agents"), 0.0);
}

TEST_CASE("property: closing every route out of a place keeps everyone there",
          "[properties][projection]") {
  const std::uint64_t seed = GENERATE(range(100, 121));
  INFO("seed " << seed);
  RandomCase c = random_case(seed);
  // Only place 0 sends people, and every link touching it closes on day 0 for good.
  c.shocks = {{0, 1000.0 + static_cast<double>(seed), 0, 3}};
  c.closures.clear();
  for (std::size_t k = 0; k < c.links.size(); ++k) {
    if (c.links[k].a == 0 || c.links[k].b == 0) c.closures.push_back({k, 0, -1});
  }
  const Scenario s = to_scenario(c);
  const LocationId origin = s.network.id("P0");
  for (const char* engine : {"expected", "agents"}) {
    INFO(engine);
    const Projection p = run(s, engine);
    const std::size_t cohorts = p.cohorts.size();
    for (int d = 0; d < p.days; ++d) {
      INFO("day " << d);
      const auto day = static_cast<std::size_t>(d);
      double there = 0.0;
      for (std::size_t k = 0; k < cohorts; ++k) {
        there += p.population[(day * p.num_locations + origin) * cohorts + k];
      }
      CHECK(std::abs(there - p.spawned[day]) <= 1e-9 * std::max(1.0, there));
      CHECK(p.in_transit[day] == 0.0);
      CHECK(p.departed[day] == 0.0);
    }
  }
}

TEST_CASE("property: the expected engine does not depend on the input order",
          "[properties][expected][projection]") {
  const std::uint64_t seed = GENERATE(range(200, 231));
  INFO("seed " << seed);
  RandomCase c = random_case(seed);
  std::mt19937_64 rng(seed ^ 0x5eedULL);
  std::vector<std::size_t> order = identity(c.locations.size());
  std::vector<std::size_t> link_order = identity(c.links.size());
  std::shuffle(order.begin(), order.end(), rng);
  // Routes reordered too, with their capacities (a hop takes its path's own link, not the first
  // parallel one in input order: docs/reliability.md, "Findings").
  std::shuffle(link_order.begin(), link_order.end(), rng);
  const Scenario s1 = to_scenario(c);
  const Scenario s2 = to_scenario(c, order, link_order);
  const Projection p1 = run(s1, "expected");
  const Projection p2 = run(s2, "expected");
  REQUIRE(p1.days == p2.days);
  const std::size_t cohorts = p1.cohorts.size();
  for (std::size_t i = 0; i < c.locations.size(); ++i) {
    const LocationId a = s1.network.id(c.locations[i].name);
    const LocationId b = s2.network.id(c.locations[i].name);
    for (int d = 0; d < p1.days; ++d) {
      const auto day = static_cast<std::size_t>(d);
      for (std::size_t k = 0; k < cohorts; ++k) {
        const double x = p1.population[(day * p1.num_locations + a) * cohorts + k];
        const double y = p2.population[(day * p2.num_locations + b) * cohorts + k];
        INFO(c.locations[i].name << " day " << d << " cohort " << k);
        CHECK(std::abs(x - y) <= 1e-9 * std::max(1.0, std::abs(x)));
      }
    }
  }
  for (int d = 0; d < p1.days; ++d) {
    const auto day = static_cast<std::size_t>(d);
    CHECK(std::abs(p1.departed[day] - p2.departed[day]) <= 1e-9 * std::max(1.0, p1.departed[day]));
  }
}

TEST_CASE("property: the agent engine gives the same projection on 1 and 3 threads",
          "[properties][agents][projection]") {
  const std::uint64_t seed = GENERATE(range(300, 316));
  INFO("seed " << seed);
  const Scenario s = to_scenario(random_case(seed));
  const Projection one = run(s, "agents", 1);
  const Projection three = run(s, "agents", 3);
  CHECK(one.population == three.population);
  CHECK(one.arrivals == three.arrivals);
  CHECK(one.route_flow == three.route_flow);
  CHECK(one.in_transit == three.in_transit);
  CHECK(one.departed == three.departed);
}

TEST_CASE("a projection too large for the memory limit fails before day 0", "[properties][projection]") {
  const Scenario s = to_scenario(random_case(7));
  ::setenv("CORRIDOR_MEMORY_LIMIT_BYTES", "1000", 1);
  std::string message;
  try {
    (void)run(s, "expected");
  } catch (const InputError& e) {
    message = e.what();
  }
  ::unsetenv("CORRIDOR_MEMORY_LIMIT_BYTES");
  CHECK_THAT(message, corridor::test::contains("needs about") &&
                          corridor::test::contains("CORRIDOR_MEMORY_LIMIT_BYTES"));
  CHECK_NOTHROW(run(s, "expected"));
}
