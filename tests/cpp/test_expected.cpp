// Expected-flow engine on Flee cases: hand-computed days, conservation, and agreement with the
// mean of many agent runs (on random cases that use every rule, and on mali2012).
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "catch.hpp"
#include "corridor/agents.hpp"
#include "corridor/error.hpp"
#include "corridor/expected.hpp"
#include "corridor/flee_case.hpp"
#include "corridor/geo/flee_case.hpp"
#include "corridor/network.hpp"
#include "flee_cases.hpp"

using namespace corridor;
using namespace corridor::test;

namespace {

double at(const ExpectedResult& r, int day, LocationId v) {
  return r.population[static_cast<std::size_t>(day) * r.num_locations + v];
}

void check_conservation(const ExpectedResult& r) {
  REQUIRE(r.population.size() == static_cast<std::size_t>(r.days) * r.num_locations);
  for (int t = 0; t < r.days; ++t) {
    double resting = 0.0;
    for (std::size_t v = 0; v < r.num_locations; ++v) resting += at(r, t, static_cast<LocationId>(v));
    const auto i = static_cast<std::size_t>(t);
    INFO("day " << t);
    CHECK(std::abs(resting + r.in_transit[i] + r.departed[i] - r.spawned[i]) <=
          1e-9 * std::max(1.0, r.spawned[i]));
  }
}

// Averaged relative difference (Flee's validation measure) between the expected populations
// and the mean of `seeds` agent runs, over the given locations (all if empty).
double ard_vs_agents(const FleeCase& c, const ExpectedResult& e, int seeds,
                     std::vector<LocationId> where = {}) {
  const std::size_t n = c.network.num_locations();
  if (where.empty()) {
    for (std::size_t v = 0; v < n; ++v) where.push_back(static_cast<LocationId>(v));
  }
  std::vector<double> mean(e.population.size(), 0.0);
  for (int s = 0; s < seeds; ++s) {
    AgentRunOptions o;
    o.seed = static_cast<std::uint64_t>(s) + 1;
    o.threads = 1;
    const AgentResult a = run_agents(c, o);
    for (std::size_t i = 0; i < mean.size(); ++i) mean[i] += a.population[i] / double(seeds);
  }
  double sum = 0.0;
  int days = 0;
  for (int d = 0; d < e.days; ++d) {
    double diff = 0.0, total = 0.0;
    for (const LocationId v : where) {
      diff += std::abs(at(e, d, v) - mean[static_cast<std::size_t>(d) * n + v]);
      total += mean[static_cast<std::size_t>(d) * n + v];
    }
    if (total > 0.0) {
      sum += diff / total;
      ++days;
    }
  }
  return days > 0 ? sum / days : 0.0;
}

}  // namespace

TEST_CASE("expected flows on a line, computed by hand", "[expected]") {
  // A (conflict) -> B (town) -> C (camp), one way each: 100 km and 300 km at 200 km/day,
  // 1,000 people spawned at A every day, towns' move chance 0.3.
  NetworkBuilder b;
  auto place = [&](const char* name, LocationKind kind, double lon) {
    Location l;
    l.name = name;
    l.kind = kind;
    l.country = "Home";
    l.population = 1000;
    l.position = {lon, 0.0};
    b.add_location(l);
  };
  place("A", LocationKind::kConflictZone, 0.0);
  place("B", LocationKind::kTown, 1.0);
  place("C", LocationKind::kCamp, 4.0);
  Route r;
  r.directed = true;
  r.distance_km = 100;
  b.add_route("A", "B", r);
  r.distance_km = 300;
  b.add_route("B", "C", r);
  FleeCase c;
  c.name = "line";
  c.days = 3;
  c.network = b.build();
  c.settings.move.max_move_speed_km = 200;
  c.settings.move.default_movechance = 0.3;
  spawn_constant(c, {"A"}, 1000, 3);

  const ExpectedResult e = run_expected(c);
  check_conservation(e);
  // Day 0: everyone leaves A, reaches B with 100 km to spare; 30% go on toward C (200 of
  // 300 km done), 70% stay.
  CHECK(at(e, 0, 0) == Approx(0.0));
  CHECK(at(e, 0, 1) == Approx(700.0));
  CHECK(e.in_transit[0] == Approx(300.0));
  // Day 1: the 300 reach C; 30% of B's 700 set off; the new 1,000 split 700 / 300 again.
  CHECK(at(e, 1, 1) == Approx(700.0 - 210.0 + 700.0));
  CHECK(at(e, 1, 2) == Approx(300.0));
  CHECK(e.in_transit[1] == Approx(300.0 + 210.0));
  CHECK(e.spawned[1] == Approx(2000.0));
}

TEST_CASE("random cases: conservation, and the mean of many agent runs", "[expected]") {
  for (std::uint32_t seed = 1; seed <= 6; ++seed) {
    const FleeCase c = random_case(seed);
    const ExpectedResult e = run_expected(c);
    INFO("case seed " << seed);
    check_conservation(e);
    // Deterministic: the same input, the same result.
    const ExpectedResult again = run_expected(c);
    CHECK(again.population == e.population);
    // The agents are integer people drawn at random, so their mean over 40 runs is itself
    // noisy (a few %); a wrong rule (a missing factor, a wrong speed) gives tens of %.
    const double ard = ard_vs_agents(c, e, 40);
    INFO("averaged relative difference " << ard);
    CHECK(ard < 0.12);
  }
}

TEST_CASE("mali2012: camp counts within 0.05 of the agents' mean over 20 runs", "[expected]") {
  const std::string dir = std::string(CORRIDOR_SHARED_DATA) + "/flee/mali2012";
  const FleeCase c =
      geo::read_flee_case(dir, std::string(CORRIDOR_SHARED_DATA) + "/flee/simsetting.yml");
  const ExpectedResult e = run_expected(c);
  check_conservation(e);
  std::vector<LocationId> camps;
  for (const ObservedSeries& s : c.camps) camps.push_back(s.location);
  const double ard = ard_vs_agents(c, e, 20, camps);
  INFO("averaged relative difference " << ard);
  CHECK(ard < 0.05);
}

TEST_CASE("expected engine: on_day can stop the run; bad settings are InputErrors",
          "[expected]") {
  FleeCase c = make_case({{"A", LocationKind::kConflictZone}, {"B", LocationKind::kCamp}},
                         {{"A", "B", 50}}, 10);
  spawn_constant(c, {"A"}, 10, 10);
  int calls = 0;
  ExpectedRunOptions o;
  o.on_day = [&](int day) {
    ++calls;
    return day < 3;
  };
  const ExpectedResult e = run_expected(c, o);
  CHECK(calls == 4);
  CHECK(e.days == 4);
  c.settings.move.camp_weight = -1;
  CHECK_THROWS_AS(run_expected(c), InputError);
  CHECK_THROWS_WITH(run_expected(c), contains("camp_weight"));
}
