// Agent engine: conservation, determinism across threads, and Flee's rules one at a time on
// small hand-made cases (move chance, route weights, closures, capacities, speeds, spawning).
//
// Statistical checks use a fixed seed and a tolerance of a few binomial standard deviations, so
// they are deterministic; the tolerances are wide enough that a correct engine passes for any
// seed, and narrow enough that a wrong rule (e.g. a missing factor in the weight) fails.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "../../core/src/agents_random.hpp"
#include "catch.hpp"
#include "flee_cases.hpp"
#include "corridor/agents.hpp"
#include "corridor/error.hpp"
#include "corridor/flee_case.hpp"
#include "corridor/network.hpp"

using namespace corridor;
using corridor::test::contains;
using corridor::test::message_of;
using namespace corridor::test;

namespace {

std::uint32_t pop(const AgentResult& r, int day, LocationId v) {
  return r.population[static_cast<std::size_t>(day) * r.num_locations + v];
}

void check_conservation(const AgentResult& r) {
  REQUIRE(r.population.size() == static_cast<std::size_t>(r.days) * r.num_locations);
  for (int t = 0; t < r.days; ++t) {
    std::uint64_t resting = 0;
    for (std::size_t v = 0; v < r.num_locations; ++v)
      resting += pop(r, t, static_cast<LocationId>(v));
    const auto i = static_cast<std::size_t>(t);
    INFO("day " << t);
    CHECK(resting + r.in_transit[i] + r.departed[i] == r.spawned[i]);
  }
}

void check_same(const AgentResult& a, const AgentResult& b) {
  CHECK(a.days == b.days);
  CHECK(a.population == b.population);
  CHECK(a.in_transit == b.in_transit);
  CHECK(a.spawned == b.spawned);
  CHECK(a.departed == b.departed);
  CHECK(a.refugee_debt == b.refugee_debt);
}

AgentResult run(const FleeCase& c, std::uint64_t seed = 1, unsigned threads = 1) {
  AgentRunOptions o;
  o.seed = seed;
  o.threads = threads;
  return run_agents(c, o);
}

}  // namespace

TEST_CASE("Philox4x32-10 matches the Random123 known-answer vectors", "[agents]") {
  using detail::philox4x32_10;
  const auto a = philox4x32_10({0, 0, 0, 0}, {0, 0});
  CHECK(a == std::array<std::uint32_t, 4>{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u});
  const auto b = philox4x32_10({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
                               {0xffffffffu, 0xffffffffu});
  CHECK(b == std::array<std::uint32_t, 4>{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu});
  const auto c = philox4x32_10({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
                               {0xa4093822u, 0x299f31d0u});
  CHECK(c == std::array<std::uint32_t, 4>{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u});
}

TEST_CASE("Poisson and geometric variates have the right means", "[agents]") {
  const detail::CounterRng rng(7);
  for (const double mean : {0.5, 4.0, 25.0, 800.0}) {
    double sum = 0.0;
    const int n = 20000;
    for (int i = 0; i < n; ++i) {
      sum += static_cast<double>(
          detail::poisson(rng, mean, static_cast<std::uint32_t>(i), 3, detail::Purpose::kPoisson));
    }
    INFO("mean " << mean);
    CHECK(std::abs(sum / n - mean) < 4.0 * std::sqrt(mean / n));
  }
  double sum = 0.0;
  const int n = 50000;
  for (int i = 0; i < n; ++i) {
    sum += static_cast<double>(detail::geometric_failures(
        0.2, rng.uniform(static_cast<std::uint32_t>(i), 0, detail::Purpose::kSchedule, 0)));
  }
  // Failures before the first success: mean (1-p)/p = 4, variance (1-p)/p^2 = 20.
  CHECK(std::abs(sum / n - 4.0) < 4.0 * std::sqrt(20.0 / n));
  CHECK(detail::geometric_failures(1.0, 0.999) == 0);
  CHECK(detail::geometric_failures(0.0, 0.5) == std::numeric_limits<std::int64_t>::max());
}

TEST_CASE("agents are conserved every day on a small case", "[agents]") {
  FleeCase c = make_case({{"Zone", LocationKind::kConflictZone, 50000},
                          {"Town", LocationKind::kTown},
                          {"Hub", LocationKind::kTransit},
                          {"Camp", LocationKind::kCamp, 0, 3000, "Abroad"},
                          {"Camp2", LocationKind::kCamp, 0, kUnlimited, "Abroad"}},
                         {{"Zone", "Town", 120},
                          {"Town", "Hub", 80},
                          {"Hub", "Camp", 250},
                          {"Town", "Camp2", 400},
                          {"Zone", "Camp2", 700}},
                         60);
  spawn_constant(c, {"Zone"}, 300, 40);
  c.settings.spawn.camps_are_sinks = true;
  c.flee_locations[3].deactivation_probability = 0.02;
  c.settings.move.avoid_short_stints = true;
  c.settings.move.start_on_foot = true;
  const AgentResult r = run(c);
  REQUIRE(r.days == 60);
  check_conservation(r);
  CHECK(r.spawned.back() == 300u * 40u);
  CHECK(r.departed.back() > 0u);
  CHECK(r.bytes_per_agent < 100u);
  CHECK(r.peak_agents <= r.spawned.back());
}

TEST_CASE("random cases: conservation, and the same result for 1, 2, 4 threads and reruns",
          "[agents]") {
  for (std::uint32_t seed = 1; seed <= 10; ++seed) {
    INFO("case seed " << seed);
    const FleeCase c = random_case(seed);
    const AgentResult one = run(c, seed, 1);
    check_conservation(one);
    CHECK(one.spawned.back() > 0u);
    const AgentResult two = run(c, seed, 2);
    const AgentResult four = run(c, seed, 4);
    const AgentResult again = run(c, seed, 1);
    check_same(one, two);
    check_same(one, four);
    check_same(one, again);
  }
}

TEST_CASE("different seeds give different runs", "[agents]") {
  const FleeCase c = random_case(3);
  CHECK(run(c, 1).population != run(c, 2).population);
}

TEST_CASE("the fraction leaving a location each day is its move chance", "[agents]") {
  // 20000 agents appear in Zone on day 0; Zone's conflict ends on day 1, and with
  // conflict_movechance = default_movechance = p its move chance is p throughout. Camp keeps
  // everyone (camp_movechance 0) and is reached the same day.
  const double p = 0.3;
  FleeCase c =
      make_case({{"Zone", LocationKind::kConflictZone, 1000}, {"Camp", LocationKind::kCamp}},
                {{"Zone", "Camp", 10}}, 12);
  spawn_constant(c, {"Zone"}, 20000, 1);
  c.settings.move.conflict_movechance = p;
  c.settings.move.default_movechance = p;
  c.settings.move.camp_movechance = 0.0;
  const AgentResult r = run(c, 11);
  check_conservation(r);
  double before = 20000.0;
  double left_total = 0.0, expected_total = 0.0;
  for (int t = 0; t < r.days; ++t) {
    const double now = pop(r, t, 0);
    const double left = before - now;
    const double sd = std::sqrt(before * p * (1 - p));
    INFO("day " << t << ": " << left << " left of " << before);
    CHECK(std::abs(left - p * before) <= 4.0 * sd + 1.0);
    CHECK(pop(r, t, 1) + now == 20000u);
    left_total += left;
    expected_total += p * before;
    before = now;
  }
  CHECK(r.in_transit.back() == 0u);
}

TEST_CASE("route choice follows Flee's weight formula on a star", "[agents]") {
  // All spokes are camps with camp_movechance 0, so an agent stays where its first choice took
  // it. Weights: [(weight_softening + score) / (softening + km)^distance_power x CapMult]^wp.
  const std::vector<Place> places = {{"Zone", LocationKind::kConflictZone, 1000},
                                     {"Near", LocationKind::kCamp, 0, kUnlimited, "Home"},
                                     {"Abroad1", LocationKind::kCamp, 0, kUnlimited, "Abroad"},
                                     {"Abroad2", LocationKind::kCamp, 0, kUnlimited, "Abroad"},
                                     {"Far", LocationKind::kCamp, 0, kUnlimited, "Home"}};
  const std::vector<double> km = {0, 40, 90, 250, 600};
  FleeCase c = make_case(places,
                         {{"Zone", "Near", km[1]},
                          {"Zone", "Abroad1", km[2]},
                          {"Zone", "Abroad2", km[3]},
                          {"Zone", "Far", km[4]}},
                         3);
  const int n = 40000;
  spawn_constant(c, {"Zone"}, n, 1);
  auto& m = c.settings.move;
  m.camp_movechance = 0.0;
  m.camp_weight = 2.0;
  m.foreign_weight = 0.6;
  m.softening = 10.0;
  m.weight_softening = 0.3;
  m.distance_power = 0.8;
  m.weight_power = 1.5;
  m.max_move_speed_km = 1000.0;
  const AgentResult r = run(c, 5);
  check_conservation(r);
  std::vector<double> w(5, 0.0);
  for (int i = 1; i <= 4; ++i) {
    const double score = m.camp_weight * (i == 2 || i == 3 ? m.foreign_weight : 1.0);
    w[static_cast<std::size_t>(i)] =
        std::pow((m.weight_softening + score) /
                     std::pow(m.softening + km[static_cast<std::size_t>(i)], m.distance_power),
                 m.weight_power);
  }
  const double total = w[1] + w[2] + w[3] + w[4];
  double chi2 = 0.0;
  for (int i = 1; i <= 4; ++i) {
    const double expected = n * w[static_cast<std::size_t>(i)] / total;
    const double observed = pop(r, 0, static_cast<LocationId>(i));
    chi2 += (observed - expected) * (observed - expected) / expected;
  }
  // 3 degrees of freedom: P(chi2 > 16.27) = 0.001.
  CHECK(chi2 < 16.27);
}

TEST_CASE("awareness 2: paths through a town and past a marker", "[agents]") {
  // Zone - Mark(marker) - Camp1 ; Zone - Town - Camp2. With awareness 2 the paths from Zone
  // are [Mark, Camp1] (the marker is no hop and no destination), [Town], [Town, Camp2].
  FleeCase c = make_case(
      {{"Zone", LocationKind::kConflictZone, 1000},
       {"Mark", LocationKind::kTransit},
       {"Camp1", LocationKind::kCamp},
       {"Town", LocationKind::kTown},
       {"Camp2", LocationKind::kCamp}},
      {{"Zone", "Mark", 30}, {"Mark", "Camp1", 50}, {"Zone", "Town", 60}, {"Town", "Camp2", 100}},
      1);
  c.flee_locations[1].marker = true;
  const int n = 40000;
  spawn_constant(c, {"Zone"}, n, 1);
  auto& m = c.settings.move;
  m.awareness_level = 2;
  m.camp_movechance = 0.0;
  m.default_movechance = 0.005;  // agents choosing [Town] mostly stay (0.005: not a camp)
  m.camp_weight = 2.0;
  m.max_move_speed_km = 1000.0;
  const AgentResult r = run(c, 9);
  check_conservation(r);
  const double w_camp1 = 2.0 / (10 + 80), w_town = 1.0 / (10 + 60), w_camp2 = 2.0 / (10 + 160);
  const double total = w_camp1 + w_town + w_camp2;
  const double e1 = n * w_camp1 / total, e2 = n * w_camp2 / total, et = n * w_town / total;
  CHECK(pop(r, 0, 1) == 0u);  // nobody rests on a marker
  CHECK(std::abs(pop(r, 0, 2) - e1) < 4 * std::sqrt(e1));
  // The town keeps its choosers except the few (0.5%) whose chained move roll succeeds.
  CHECK(std::abs(pop(r, 0, 3) - 0.995 * et) < 4 * std::sqrt(et) + 0.005 * et);
  CHECK(pop(r, 0, 4) >= e2 - 4 * std::sqrt(e2));
}

TEST_CASE("closures keep agents in place; arrivals over a closed link go back", "[agents]") {
  SECTION("location closure") {
    FleeCase c =
        make_case({{"Zone", LocationKind::kConflictZone, 1000}, {"Camp", LocationKind::kCamp}},
                  {{"Zone", "Camp", 50}}, 10);
    spawn_constant(c, {"Zone"}, 500, 1);
    Closure cl;
    cl.type = Closure::Type::kLocation;
    cl.name1 = "Zone";
    cl.location1 = 0;
    cl.start_day = 0;
    cl.end_day = 5;
    c.closures.push_back(cl);
    c.settings.move.default_movechance = 1.0;  // leave as soon as the way is open
    const AgentResult r = run(c);
    check_conservation(r);
    for (int t = 0; t < 5; ++t) CHECK(pop(r, t, 0) == 500u);
    CHECK(pop(r, 5, 1) == 500u);
  }
  SECTION("country closure, never reopened") {
    FleeCase c = make_case({{"Zone", LocationKind::kConflictZone, 1000},
                            {"Camp", LocationKind::kCamp, 0, kUnlimited, "Abroad"}},
                           {{"Zone", "Camp", 50}}, 8);
    spawn_constant(c, {"Zone"}, 500, 8);
    Closure cl;
    cl.type = Closure::Type::kCountry;
    cl.name1 = "Abroad";
    cl.name2 = "Home";
    cl.start_day = 0;
    cl.end_day = -1;
    c.closures.push_back(cl);
    const AgentResult r = run(c);
    check_conservation(r);
    CHECK(pop(r, 7, 0) == 8u * 500u);
    CHECK(pop(r, 7, 1) == 0u);
  }
  SECTION("an agent on a link that closes is put back at its start") {
    // 400 km at 200 km/day: on the link after days 0 and 1 (km 200, 400: not yet > 400), arrives
    // on day 2 -- but the link closes on day 1, so it is sent back to Zone.
    FleeCase c =
        make_case({{"Zone", LocationKind::kConflictZone, 1000}, {"Camp", LocationKind::kCamp}},
                  {{"Zone", "Camp", 400}}, 6);
    spawn_constant(c, {"Zone"}, 100, 1);
    c.settings.move.max_move_speed_km = 200;
    Closure cl;
    cl.type = Closure::Type::kLink;
    cl.name1 = "Camp";
    cl.name2 = "Zone";
    cl.location1 = 1;
    cl.location2 = 0;
    cl.start_day = 1;
    cl.end_day = -1;
    c.closures.push_back(cl);
    const AgentResult r = run(c);
    check_conservation(r);
    CHECK(r.in_transit[0] == 100u);
    CHECK(r.in_transit[1] == 100u);
    CHECK(pop(r, 2, 0) == 100u);
    CHECK(pop(r, 5, 1) == 0u);
  }
  SECTION("a closed camp becomes a town that people leave") {
    FleeCase c = make_case({{"Camp", LocationKind::kCamp}, {"Town", LocationKind::kTown}},
                           {{"Camp", "Town", 20}}, 8);
    ObservedSeries s;
    s.name = "Camp";
    s.location = 0;
    s.per_day.assign(8, 1000.0);
    c.camps.push_back(s);
    c.settings.move.camp_movechance = 0.0;
    c.settings.move.default_movechance = 0.5;
    Closure cl;
    cl.type = Closure::Type::kCamp;
    cl.name1 = "Camp";
    cl.location1 = 0;
    cl.start_day = 3;
    cl.end_day = -1;
    c.closures.push_back(cl);
    const AgentResult r = run(c);
    check_conservation(r);
    CHECK(r.spawned.back() == 1000u);
    for (int t = 0; t < 3; ++t) CHECK(pop(r, t, 0) == 1000u);
    // Half move on day 3; an arrival in Town (20 km, distance to spare) moves on at once with
    // chance 0.5 (back to Camp), and so on: P(ending in Town | moved) = 0.5 / (1 - 0.25) = 2/3.
    const double expected = 1000.0 * (1.0 - 0.5 * 2.0 / 3.0);
    CHECK(std::abs(pop(r, 3, 0) - expected) < 4 * std::sqrt(1000.0 * (1.0 / 3.0) * (2.0 / 3.0)));
  }
}

TEST_CASE("camp capacity throttles arrivals", "[agents]") {
  // 500 agents a day choose between a small camp nearby and a big one far away. The near camp
  // stops attracting once its start-of-day occupancy reaches capacity x scaling; it overshoots
  // by at most one day's arrivals.
  FleeCase c = make_case({{"Zone", LocationKind::kConflictZone, 1000},
                          {"Small", LocationKind::kCamp, 0, 2000},
                          {"Big", LocationKind::kCamp}},
                         {{"Zone", "Small", 20}, {"Zone", "Big", 300}}, 40);
  spawn_constant(c, {"Zone"}, 500, 40);
  c.settings.move.camp_movechance = 0.0;
  c.settings.move.capacity_scaling = 1.25;
  const AgentResult r = run(c, 3);
  check_conservation(r);
  const double cap = 2000 * 1.25;
  std::uint32_t most = 0;
  for (int t = 0; t < r.days; ++t) most = std::max(most, pop(r, t, 1));
  CHECK(most <= cap + 500);
  CHECK(most >= 0.9 * cap);
  CHECK(pop(r, r.days - 1, 2) > 5000u);  // the rest went to the big camp
}

TEST_CASE("a route's capacity_per_day limits departures onto it", "[agents]") {
  FleeCase c =
      make_case({{"Zone", LocationKind::kConflictZone, 1000}, {"Camp", LocationKind::kCamp}},
                {{"Zone", "Camp", 10, 120}}, 12);
  spawn_constant(c, {"Zone"}, 1000, 1);
  c.settings.move.camp_movechance = 0.0;
  const AgentResult r1 = run(c, 4, 1);
  const AgentResult r2 = run(c, 4, 2);
  check_conservation(r1);
  check_same(r1, r2);
  for (int t = 0; t < 8; ++t)
    CHECK(pop(r1, t, 1) == std::min(1000u, 120u * static_cast<std::uint32_t>(t + 1)));
  CHECK(pop(r1, 11, 1) == 1000u);
}

TEST_CASE("speeds: max_move_speed per day, the first leg on foot, chained hops", "[agents]") {
  SECTION("1000 km at 200 km/day arrives on day 5 (km must exceed the length)") {
    FleeCase c =
        make_case({{"Zone", LocationKind::kConflictZone, 1000}, {"Camp", LocationKind::kCamp}},
                  {{"Zone", "Camp", 1000}}, 8);
    spawn_constant(c, {"Zone"}, 1, 1);
    c.settings.move.max_move_speed_km = 200;
    const AgentResult r = run(c);
    for (int t = 0; t < 5; ++t) CHECK(r.in_transit[static_cast<std::size_t>(t)] == 1u);
    CHECK(pop(r, 5, 1) == 1u);
  }
  SECTION("start_on_foot walks the first link at max_walk_speed") {
    FleeCase c =
        make_case({{"Zone", LocationKind::kConflictZone, 1000}, {"Camp", LocationKind::kCamp}},
                  {{"Zone", "Camp", 100}}, 6);
    spawn_constant(c, {"Zone"}, 1, 1);
    c.settings.move.start_on_foot = true;
    c.settings.move.max_walk_speed_km = 35;
    const AgentResult r = run(c);
    // 35, 70, 105 > 100: arrives on day 2.
    CHECK(r.in_transit[1] == 1u);
    CHECK(pop(r, 2, 1) == 1u);
  }
  SECTION("an arrival with distance to spare moves on with a fresh allowance") {
    // Zone -100- Town -1000- Camp at 200 km/day: Town is reached on day 0 with 100 km done;
    // avoid_short_stints forces the move on, and the next link gets a full 200 km that day:
    // 200, 400, ..., 1200 > 1000 on day 5.
    FleeCase c = make_case({{"Zone", LocationKind::kConflictZone, 1000},
                            {"Town", LocationKind::kTown},
                            {"Camp", LocationKind::kCamp}},
                           {{"Zone", "Town", 100}, {"Town", "Camp", 1000}}, 8);
    spawn_constant(c, {"Zone"}, 1, 1);
    c.settings.move.max_move_speed_km = 200;
    c.settings.move.avoid_short_stints = true;
    c.settings.move.softening = 0;
    // Make the way back to Zone unattractive so the route choice at Town is Camp.
    c.settings.move.conflict_weight = 0.0;
    const AgentResult r = run(c);
    CHECK(pop(r, 0, 1) == 0u);
    CHECK(r.in_transit[4] == 1u);
    CHECK(pop(r, 5, 2) == 1u);
  }
  SECTION("a route's own max_move_speed and walk_probability") {
    FleeCase c =
        make_case({{"Zone", LocationKind::kConflictZone, 1000}, {"Camp", LocationKind::kCamp}},
                  {{"Zone", "Camp", 100}}, 6);
    spawn_constant(c, {"Zone"}, 1, 1);
    c.flee_routes = {FleeRoute{30.0, 0.0}};
    AgentResult r = run(c);
    CHECK(pop(r, 3, 1) == 1u);  // 30, 60, 90, 120 > 100
    CHECK(r.in_transit[2] == 1u);
    c.flee_routes = {FleeRoute{0.0, 1.0}};  // always walks: 35, 70, 105
    r = run(c);
    CHECK(r.in_transit[1] == 1u);
    CHECK(pop(r, 2, 1) == 1u);
  }
}

TEST_CASE("data-driven spawning follows the observed increases and the refugee debt", "[agents]") {
  FleeCase c =
      make_case({{"Zone", LocationKind::kConflictZone, 5000},
                 {"Zone2", LocationKind::kConflictZone, 15000},
                 {"CampA", LocationKind::kCamp, 0, 10000},
                 {"CampB", LocationKind::kCamp}},
                {{"Zone", "CampA", 100}, {"Zone2", "CampB", 100}, {"Zone", "Zone2", 50}}, 12);
  ObservedSeries a{"CampA", 2, {100.7, 150, 300.2, 250, 240, 260, 600, 600, 590, 1000, 1000, 1200}};
  ObservedSeries b{"CampB", 3, {10, 20, 30, 30, 10, 10, 10, 50, 50, 50, 49.9, 60}};
  c.camps = {a, b};
  set_conflicts(c, {"Zone", "Zone2"}, {std::vector<double>(12, 1.0), std::vector<double>(12, 1.0)});
  c.settings.move.camp_movechance = 0.0;

  // Flee's arithmetic, written out independently.
  std::vector<std::int64_t> want_new(12), want_debt(12);
  std::int64_t debt = 0;
  for (int t = 0; t < 12; ++t) {
    std::int64_t diff = 0;
    for (const auto* s : {&a, &b}) {
      diff += static_cast<std::int64_t>(s->per_day[static_cast<std::size_t>(t)]) -
              (t > 0 ? static_cast<std::int64_t>(s->per_day[static_cast<std::size_t>(t - 1)]) : 0);
    }
    std::int64_t fresh = t == 0 ? 0 : diff - debt;
    if (fresh < 0) {
      debt = -fresh;
      fresh = 0;
    } else {
      debt = 0;
    }
    want_new[static_cast<std::size_t>(t)] = fresh;
    want_debt[static_cast<std::size_t>(t)] = debt;
  }
  const AgentResult r = run(c);
  check_conservation(r);
  CHECK(r.spawned[0] == 100u + 10u);  // day-0 registrations inserted in the camps
  for (int t = 1; t < 12; ++t) {
    INFO("day " << t);
    CHECK(static_cast<std::int64_t>(r.spawned[static_cast<std::size_t>(t)] -
                                    r.spawned[static_cast<std::size_t>(t - 1)]) ==
          want_new[static_cast<std::size_t>(t)]);
    CHECK(r.refugee_debt[static_cast<std::size_t>(t)] ==
          static_cast<double>(want_debt[static_cast<std::size_t>(t)]));
  }
  CHECK(pop(r, 0, 2) == 100u);
  CHECK(pop(r, 0, 3) == 10u);

  SECTION("spawn placement is proportional to population x intensity") {
    FleeCase d = c;
    d.camps[0].per_day.assign(12, 40000.0);  // +40000 on day 1, nothing after
    d.camps[0].per_day[0] = 0.0;
    d.camps[1].per_day.assign(12, 0.0);
    set_conflicts(d, {"Zone", "Zone2"},
                  {std::vector<double>(12, 1.0), std::vector<double>(12, 0.5)});
    // Nobody moves on day 1: count where the 40000 new agents appear.
    d.settings.move.conflict_movechance = 0.0;
    const AgentResult q = run(d, 2);
    const double p = 5000.0 / (5000.0 + 15000.0 * 0.5);
    const double sd = std::sqrt(40000 * p * (1 - p));
    CHECK(std::abs(pop(q, 1, 0) - 40000 * p) < 4 * sd);
    CHECK(pop(q, 1, 0) + pop(q, 1, 1) == 40000u);
  }
  SECTION("the total series when sum_from_camps is off") {
    FleeCase d = c;
    d.settings.spawn.sum_from_camps = false;
    d.total = {0, 500, 500, 400, 450, 600, 600, 600, 600, 600, 600, 700};
    const AgentResult q = run(d);
    CHECK(q.spawned[1] - q.spawned[0] == 500u);
    CHECK(q.refugee_debt[3] == 100.0);
    CHECK(q.spawned[4] - q.spawned[3] == 0u);
    CHECK(q.refugee_debt[4] == 50.0);  // 50 - 100: still 50 in debt
    CHECK(q.spawned[5] - q.spawned[4] == 100u);
    CHECK(q.refugee_debt[5] == 0.0);
  }
  SECTION("day-0 capacity reduction") {
    // CampA: capacity 10000 - 100 on day 0, x scaling 1. Fill it from a zone with a steady stream.
    FleeCase d = make_case({{"Zone", LocationKind::kConflictZone, 5000},
                            {"CampA", LocationKind::kCamp, 0, 1100},
                            {"Far", LocationKind::kCamp}},
                           {{"Zone", "CampA", 10}, {"Zone", "Far", 500}}, 20);
    d.camps = {ObservedSeries{"CampA", 1, std::vector<double>(20, 500.0)}};
    for (int t = 1; t < 20; ++t)
      d.camps[0].per_day[static_cast<std::size_t>(t)] = 500.0 + 100.0 * t;
    set_conflicts(d, {"Zone"}, {std::vector<double>(20, 1.0)});
    d.settings.move.camp_movechance = 0.0;
    const AgentResult with = run(d);
    d.settings.spawn.day0_capacity_reduction = false;
    const AgentResult without = run(d);
    std::uint32_t most_with = 0, most_without = 0;
    for (int t = 0; t < 20; ++t) {
      most_with = std::max(most_with, pop(with, t, 1));
      most_without = std::max(most_without, pop(without, t, 1));
    }
    CHECK(most_with <= 600u + 100u);  // capacity 1100 - 500
    CHECK(most_without >= 1000u);     // capacity 1100
  }
}

TEST_CASE("conflict-driven spawning modes", "[agents]") {
  FleeCase c = make_case({{"Z1", LocationKind::kConflictZone, 20000},
                          {"Z2", LocationKind::kConflictZone, 50000},
                          {"Camp", LocationKind::kCamp}},
                         {{"Z1", "Camp", 100}, {"Z2", "Camp", 100}}, 20);
  // Z2's conflict_date is 5: Flee creates it as a town, and conflicts.csv starts its conflict
  // (a conflict zone with conflict_date <= 0 would be in conflict from day 0 whatever the
  // file says on day 0).
  c.flee_locations[1].conflict_date = 5;
  std::vector<double> z1(20, 1.0), z2(20, 0.0);
  for (int t = 5; t < 15; ++t) z2[static_cast<std::size_t>(t)] = 0.5;
  set_conflicts(c, {"Z1", "Z2"}, {z1, z2});
  SECTION("constant") {
    c.settings.spawn.conflict_driven = ConflictSpawnMode::kConstant;
    c.settings.spawn.displaced_per_conflict_day = 101;
    const AgentResult r = run(c);
    check_conservation(r);
    // Z1: 101 a day; Z2: int(101 x 0.5) = 50 on days 5..14.
    CHECK(r.spawned.back() == 20u * 101u + 10u * 50u);
    CHECK(r.spawned[4] == 5u * 101u);
  }
  SECTION("pop_ratio") {
    c.settings.spawn.conflict_driven = ConflictSpawnMode::kPopRatio;
    c.settings.spawn.displaced_per_conflict_day = 0.01;
    const AgentResult r = run(c);
    CHECK(r.spawned.back() == 20u * 200u + 10u * 250u);
  }
  SECTION("poisson") {
    c.settings.spawn.conflict_driven = ConflictSpawnMode::kPoisson;
    c.settings.spawn.displaced_per_conflict_day = 300;
    const AgentResult r = run(c);
    check_conservation(r);
    const double mean = 20 * 300 + 10 * 150;
    CHECK(std::abs(static_cast<double>(r.spawned.back()) - mean) < 4 * std::sqrt(mean));
    CHECK(r.spawned.back() != static_cast<std::uint64_t>(mean));
  }
  SECTION("conflicts start and end with conflicts.csv") {
    c.settings.spawn.conflict_driven = ConflictSpawnMode::kConstant;
    c.settings.spawn.displaced_per_conflict_day = 10;
    // Z1 (conflict_date 0) is in conflict from day 0 although the file says 0 on day 0, as in
    // Flee, until the file goes from > 0 to 0 (day 3 -> 4); Z2 spawns int(10 x 0.5) on 5..14.
    std::vector<double> z1b(20, 0.0);
    for (int t = 2; t < 4; ++t) z1b[static_cast<std::size_t>(t)] = 1.0;
    set_conflicts(c, {"Z1", "Z2"}, {z1b, z2});
    const AgentResult r = run(c);
    CHECK(r.spawned[3] == 4u * 10u);
    CHECK(r.spawned.back() == 4u * 10u + 10u * 5u);
  }
}

TEST_CASE("resting agents draw again when their location's move chance changes", "[agents]") {
  // Agents settle in Town (move chance 0.01); Town's conflict starts on day 5 (move chance 1),
  // so the move days they drew before are replaced and they all leave on day 5.
  FleeCase c = make_case({{"Zone", LocationKind::kConflictZone, 1000},
                          {"Town", LocationKind::kConflictZone, 1000},
                          {"Camp", LocationKind::kCamp}},
                         {{"Zone", "Town", 10}, {"Town", "Camp", 10}}, 8);
  c.flee_locations[1].conflict_date = 5;  // a town until conflicts.csv says otherwise
  set_conflicts(c, {"Zone", "Town"}, {{1, 0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 1, 1, 1}});
  c.settings.spawn.conflict_driven = ConflictSpawnMode::kConstant;
  c.settings.spawn.displaced_per_conflict_day = 1000;  // Zone on day 0; Town from day 5
  c.settings.move.default_movechance = 0.01;
  c.settings.move.camp_movechance = 0.0;
  c.settings.move.conflict_weight = 0.0;  // nobody heads back into Zone on day 0
  const AgentResult r = run(c, 6);
  check_conservation(r);
  CHECK(pop(r, 4, 1) > 900u);
  // Day 5: Town's 1000 new agents and its settled ones all move on to Camp.
  CHECK(pop(r, 5, 1) == 0u);
  CHECK(pop(r, 5, 2) + pop(r, 5, 0) == r.spawned[5]);
}

TEST_CASE("spawn weights decay with the time since a conflict started", "[agents]") {
  // Equal populations; Z1 in conflict from day 0, Z2 from day 10; decay {1, 0.2} per 10 days.
  // On day 15 Flee's weights (last refreshed on day 14) are Z1: 0.2, Z2: 1.
  FleeCase c = make_case({{"Z1", LocationKind::kConflictZone, 10000},
                          {"Z2", LocationKind::kConflictZone, 10000},
                          {"Camp", LocationKind::kCamp}},
                         {{"Z1", "Camp", 10}, {"Z2", "Camp", 10}}, 16);
  c.flee_locations[1].conflict_date = 10;
  std::vector<double> z1(16, 1.0), z2(16, 0.0);
  for (int t = 10; t < 16; ++t) z2[static_cast<std::size_t>(t)] = 1.0;
  set_conflicts(c, {"Z1", "Z2"}, {z1, z2});
  ObservedSeries s{"Camp", 2, std::vector<double>(16, 0.0)};
  s.per_day[15] = 30000;
  c.camps = {s};
  c.settings.spawn.conflict_spawn_decay = {1.0, 0.2};
  c.settings.spawn.conflict_spawn_decay_interval = 10;
  c.settings.move.conflict_movechance = 0.0;  // count them where they appear
  const AgentResult r = run(c, 12);
  check_conservation(r);
  REQUIRE(r.spawned[15] == 30000u);
  const double p = 0.2 / 1.2;
  CHECK(std::abs(pop(r, 15, 0) - 30000 * p) < 4 * std::sqrt(30000 * p * (1 - p)));
}

TEST_CASE("camps_are_sinks removes agents from camps at the deactivation rate", "[agents]") {
  FleeCase c = make_case({{"Camp", LocationKind::kCamp}, {"Town", LocationKind::kTown}},
                         {{"Camp", "Town", 20}}, 10);
  ObservedSeries s{"Camp", 0, std::vector<double>(10, 20000.0)};
  c.camps.push_back(s);
  c.settings.move.camp_movechance = 0.0;
  c.settings.spawn.camps_are_sinks = true;
  c.flee_locations[0].deactivation_probability = 0.1;
  const AgentResult r = run(c, 8, 2);
  check_conservation(r);
  double alive = 20000.0;
  for (int t = 0; t < 10; ++t) {
    const double removed = alive - pop(r, t, 0);
    CHECK(std::abs(removed - 0.1 * alive) < 4 * std::sqrt(alive * 0.09) + 1);
    alive = pop(r, t, 0);
  }
}

TEST_CASE("on_day is called after each day and can stop the run", "[agents]") {
  FleeCase c = random_case(5);
  std::vector<int> seen;
  AgentRunOptions o;
  o.on_day = [&](int day) {
    seen.push_back(day);
    return day < 4;
  };
  const AgentResult r = run_agents(c, o);
  CHECK(r.days == 5);
  CHECK(seen == std::vector<int>{0, 1, 2, 3, 4});
  CHECK(r.population.size() == 5 * r.num_locations);
  CHECK(r.spawned.size() == 5u);
  const AgentResult full = run(c, 0, 1);
  CHECK(std::equal(r.population.begin(), r.population.end(), full.population.begin()));
}

TEST_CASE("settings out of range are InputErrors naming the setting", "[agents]") {
  FleeCase c =
      make_case({{"Zone", LocationKind::kConflictZone, 1000}, {"Camp", LocationKind::kCamp}},
                {{"Zone", "Camp", 10}}, 5);
  spawn_constant(c, {"Zone"}, 10, 1);
  auto fails = [&](auto&& edit, const std::string& text) {
    FleeCase d = c;
    edit(d);
    const std::string msg = message_of<InputError>([&] { run(d); });
    CHECK_THAT(msg, contains(text));
  };
  fails([](FleeCase& d) { d.settings.move.max_move_speed_km = -3; },
        "settings move_rules.max_move_speed: -3 must be > 0");
  fails([](FleeCase& d) { d.settings.move.awareness_level = 0; },
        "settings move_rules.awareness_level: 0 must be in 1..4");
  fails([](FleeCase& d) { d.settings.move.default_movechance = 1.5; },
        "settings move_rules.default_movechance: 1.5 must be in [0, 1]");
  fails([](FleeCase& d) { d.settings.move.capacity_buffer = 0; },
        "settings move_rules.capacity_buffer");
  fails(
      [](FleeCase& d) {
        d.settings.spawn.conflict_spawn_decay = {1.0, -0.5};
      },
      "settings spawn_rules.conflict_spawn_decay[1]: -0.5 must be >= 0");
  fails([](FleeCase& d) { d.settings.spawn.hasten = 0.5; }, "settings optimisations.hasten");
  fails([](FleeCase& d) { d.conflict_intensity.pop_back(); }, "conflicts:");
  fails([](FleeCase& d) { d.days = 0; }, "days: 0 must be > 0");
  fails(
      [](FleeCase& d) {
        d.settings.spawn.conflict_driven = ConflictSpawnMode::kOff;
        d.settings.spawn.sum_from_camps = false;
      },
      "observed series 'total'");
}
