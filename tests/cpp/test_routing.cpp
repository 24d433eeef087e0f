// Routing: hand-checked small graphs, Yen's textbook example, and brute force on random graphs.
//
// The random graphs use distances that are multiples of 1/16 km and speeds that are powers of
// two, so every path sum is exact in double and costs can be compared with ==.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "catch.hpp"
#include "corridor/error.hpp"
#include "corridor/network.hpp"
#include "corridor/routing.hpp"

using namespace corridor;
using corridor::test::approx;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Link {
  std::string from, to;
  double km;
  bool directed = false;
  bool closed = false;
  Mode mode = Mode::kRoad;
};

Network make_network(const std::vector<std::string>& names, const std::vector<Link>& links) {
  NetworkBuilder b;
  double lon = 0;
  for (const auto& name : names) {
    Location loc;
    loc.name = name;
    loc.position = {lon, 0};
    lon += 0.1;
    b.add_location(loc);
  }
  for (const auto& l : links) {
    Route r;
    r.distance_km = l.km;
    r.directed = l.directed;
    r.closed = l.closed;
    r.mode = l.mode;
    b.add_route(l.from, l.to, r);
  }
  return b.build();
}

std::vector<std::string> names_of(const Network& net, const std::vector<LocationId>& ids) {
  std::vector<std::string> out;
  for (auto id : ids) out.push_back(net.location(id).name);
  return out;
}

std::vector<std::string> names_of(const Network& net, const Path& p) {
  return names_of(net, p.locations);
}

using Names = std::vector<std::string>;

double weight_of(const Route& r, const RoutingOptions& o) {
  return o.weight == Weight::kDistance ? r.distance_km
                                       : r.distance_km / o.speeds.km_per_day(r.mode);
}

// True if `p` is a real loop-free path of usable routes starting at p.locations[0], and its
// cost and distance are the left-to-right sums.
bool valid_path(const Network& net, const Path& p, const RoutingOptions& o) {
  if (p.locations.size() != p.routes.size() + 1) return false;
  double cost = 0, km = 0;
  for (std::size_t i = 0; i < p.routes.size(); ++i) {
    const Route& r = net.route(p.routes[i]);
    const LocationId a = p.locations[i], b = p.locations[i + 1];
    const bool forward = r.from == a && r.to == b;
    const bool backward = !r.directed && r.from == b && r.to == a;
    if (!(forward || backward) || (r.closed && !o.include_closed)) return false;
    cost += weight_of(r, o);
    km += r.distance_km;
  }
  auto sorted = p.locations;
  std::sort(sorted.begin(), sorted.end());
  return std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end() && p.cost == cost &&
         p.distance_km == km;
}

// Every loop-free path from `source` (1 or more hops, any length), by plain recursion.
void brute_paths(const Network& net, const RoutingOptions& o, Path& current,
                 std::vector<bool>& on_path, std::vector<Path>& out) {
  const LocationId u = current.locations.back();
  for (const Arc& arc : net.out_arcs(u)) {
    const Route& r = net.route(arc.route);
    if (r.closed && !o.include_closed) continue;
    if (on_path[arc.target]) continue;
    current.locations.push_back(arc.target);
    current.routes.push_back(arc.route);
    const double cost = current.cost, km = current.distance_km;
    current.cost += weight_of(r, o);
    current.distance_km += r.distance_km;
    out.push_back(current);
    on_path[arc.target] = true;
    brute_paths(net, o, current, on_path, out);
    on_path[arc.target] = false;
    current.cost = cost;
    current.distance_km = km;
    current.locations.pop_back();
    current.routes.pop_back();
  }
}

std::vector<Path> all_simple_paths(const Network& net, LocationId source, const RoutingOptions& o) {
  std::vector<Path> out;
  Path current;
  current.locations = {source};
  std::vector<bool> on_path(net.num_locations(), false);
  on_path[source] = true;
  brute_paths(net, o, current, on_path, out);
  return out;
}

Network random_network(std::mt19937& rng, int n) {
  NetworkBuilder b;
  for (int i = 0; i < n; ++i) {
    Location loc;
    loc.name = "L";  // (not "L" + ...: GCC 12 warns falsely, -Wrestrict)
    loc.name += std::to_string(i);
    b.add_location(loc);
  }
  std::uniform_int_distribution<int> node(0, n - 1);
  std::uniform_int_distribution<int> sixteenths(0, 160);  // 0 .. 10 km in steps of 1/16
  std::uniform_int_distribution<int> mode(0, 4);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const int routes = n + static_cast<int>(unit(rng) * 1.5 * n);
  for (int i = 0; i < routes; ++i) {
    Route r;
    r.from = static_cast<LocationId>(node(rng));
    do {
      r.to = static_cast<LocationId>(node(rng));
    } while (r.to == r.from);
    r.distance_km = sixteenths(rng) / 16.0;
    r.directed = unit(rng) < 0.4;
    r.closed = unit(rng) < 0.1;
    r.mode = static_cast<Mode>(mode(rng));
    b.add_route(r);
    if (unit(rng) < 0.15) {  // a parallel route, sometimes of equal length
      Route twin = r;
      if (unit(rng) < 0.5) twin.distance_km = sixteenths(rng) / 16.0;
      twin.closed = false;
      if (unit(rng) < 0.5) std::swap(twin.from, twin.to);
      b.add_route(twin);
    }
  }
  return b.build();
}

// Powers of two, so km / speed is exact.
RoutingOptions time_options() {
  RoutingOptions o;
  o.weight = Weight::kTravelTime;
  o.speeds.road_km_per_day = 256;
  o.speeds.foot_km_per_day = 32;
  o.speeds.sea_km_per_day = 512;
  o.speeds.river_km_per_day = 128;
  o.speeds.air_km_per_day = 4096;
  return o;
}

bool same_path(const Path& a, const Path& b) {
  return a.locations == b.locations && a.routes == b.routes;
}

bool cheaper(const Path& a, const Path& b) {
  return std::tie(a.cost, a.locations, a.routes) < std::tie(b.cost, b.locations, b.routes);
}

}  // namespace

// --------------------------------------------------------------------- hand-checked --

TEST_CASE("Dijkstra on the textbook directed graph", "[routing]") {
  // Cormen et al., Introduction to Algorithms, figure 24.6.
  const Network net = make_network({"s", "t", "x", "y", "z"}, {{"s", "t", 10, true},
                                                               {"s", "y", 5, true},
                                                               {"t", "x", 1, true},
                                                               {"t", "y", 2, true},
                                                               {"y", "t", 3, true},
                                                               {"y", "x", 9, true},
                                                               {"y", "z", 2, true},
                                                               {"x", "z", 4, true},
                                                               {"z", "x", 6, true},
                                                               {"z", "s", 7, true}});
  const auto tree = shortest_path_tree(net, net.id("s"));
  CHECK(tree.source == net.id("s"));
  CHECK(tree.cost[net.id("s")] == 0);
  CHECK(tree.cost[net.id("t")] == 8);
  CHECK(tree.cost[net.id("x")] == 9);
  CHECK(tree.cost[net.id("y")] == 5);
  CHECK(tree.cost[net.id("z")] == 7);
  CHECK(tree.distance_km == tree.cost);
  CHECK(tree.pred_arc[net.id("s")] == ShortestPathTree::kNoArc);
  CHECK(names_of(net, *tree.path_to(net, net.id("x"))) == Names{"s", "y", "t", "x"});
  CHECK(names_of(net, *tree.path_to(net, net.id("z"))) == Names{"s", "y", "z"});
  const auto p = shortest_path(net, net.id("s"), net.id("x"));
  REQUIRE(p);
  CHECK(names_of(net, *p) == Names{"s", "y", "t", "x"});
  CHECK(p->cost == 9);
  CHECK(p->distance_km == 9);
  CHECK(*p == *tree.path_to(net, net.id("x")));
  // From x: x->z->s->y->t.
  const auto from_x = shortest_path_tree(net, net.id("x"));
  CHECK(from_x.cost[net.id("t")] == 4 + 7 + 5 + 3);
  CHECK(names_of(net, *from_x.path_to(net, net.id("t"))) == Names{"x", "z", "s", "y", "t"});
}

TEST_CASE("directed routes are one-way, two-way routes both ways", "[routing]") {
  const Network one_way = make_network({"A", "B", "C"}, {{"A", "B", 3, true}, {"B", "C", 4}});
  CHECK(shortest_path_tree(one_way, 0).cost == std::vector<double>{0, 3, 7});
  CHECK(shortest_path_tree(one_way, 2).cost == std::vector<double>{kInf, 4, 0});
  CHECK_FALSE(shortest_path(one_way, 2, 0).has_value());
  const Network two_way = make_network({"A", "B", "C"}, {{"A", "B", 3}, {"B", "C", 4}});
  CHECK(shortest_path_tree(two_way, 2).cost == std::vector<double>{7, 4, 0});
  const auto back = shortest_path(two_way, 2, 0);
  REQUIRE(back);
  CHECK(names_of(two_way, *back) == Names{"C", "B", "A"});
  CHECK(back->routes == std::vector<RouteId>{1, 0});
}

TEST_CASE("closed routes are skipped unless included", "[routing]") {
  const Network net = make_network(
      {"A", "B", "C"}, {{"A", "B", 1, false, /*closed=*/true}, {"A", "C", 5}, {"C", "B", 5}});
  RoutingOptions closed_too;
  closed_too.include_closed = true;
  CHECK(shortest_path(net, 0, 1)->cost == 10);
  CHECK(names_of(net, *shortest_path(net, 0, 1)) == Names{"A", "C", "B"});
  CHECK(shortest_path(net, 0, 1, closed_too)->cost == 1);
  CHECK(shortest_path_tree(net, 0).cost[1] == 10);
  CHECK(shortest_path_tree(net, 0, closed_too).cost[1] == 1);
  CHECK(k_shortest_paths(net, 0, 1, 5).size() == 1);
  CHECK(k_shortest_paths(net, 0, 1, 5, closed_too).size() == 2);
  CHECK(simple_paths(net, 0, 2).size() == 2);              // A-C, A-C-B
  CHECK(simple_paths(net, 0, 2, closed_too).size() == 4);  // + A-B, A-B-C
  const std::vector<LocationId> sources{0};
  CHECK(cost_matrix(net, sources, {}, {}, 1) == std::vector<double>{0, 10, 5});
  CHECK(cost_matrix(net, sources, {}, closed_too, 1) == std::vector<double>{0, 1, 5});
  // Only closed routes: unreachable.
  const Network shut = make_network({"A", "B"}, {{"A", "B", 1, false, true}});
  CHECK_FALSE(shortest_path(shut, 0, 1).has_value());
  CHECK(k_shortest_paths(shut, 0, 1, 3).empty());
}

TEST_CASE("travel time with mixed modes changes the chosen path", "[routing]") {
  // A-B on foot: 50 km, 50/35 days. A-C-B by road: 200 km, 1 day at 200 km/day.
  const Network net =
      make_network({"A", "B", "C"},
                   {{"A", "B", 50, false, false, Mode::kFoot}, {"A", "C", 100}, {"C", "B", 100}});
  const auto by_km = shortest_path(net, 0, 1);
  REQUIRE(by_km);
  CHECK(names_of(net, *by_km) == Names{"A", "B"});
  CHECK(by_km->cost == 50);
  RoutingOptions time;
  time.weight = Weight::kTravelTime;
  const auto by_time = shortest_path(net, 0, 1, time);
  REQUIRE(by_time);
  CHECK(names_of(net, *by_time) == Names{"A", "C", "B"});
  CHECK(by_time->cost == approx(1.0));
  CHECK(by_time->distance_km == 200);
  const auto tree = shortest_path_tree(net, 0, time);
  CHECK(tree.cost[1] == approx(1.0));
  CHECK(tree.distance_km[1] == 200);
  CHECK(tree.distance_km[2] == 100);
  CHECK(tree.cost[2] == approx(0.5));
  CHECK(*tree.path_to(net, 1) == *by_time);
  // Faster walkers take the footpath again.
  time.speeds.foot_km_per_day = 100;
  CHECK(names_of(net, *shortest_path(net, 0, 1, time)) == Names{"A", "B"});
  const auto both = k_shortest_paths(net, 0, 1, 3, time);
  REQUIRE(both.size() == 2);
  CHECK(both[0].cost == approx(0.5));
  CHECK(both[1].cost == approx(1.0));
  const auto paths = simple_paths(net, 0, 2, time);
  REQUIRE(paths.size() == 4);  // A-B, A-B-C, A-C, A-C-B
  CHECK(names_of(net, paths[0]) == Names{"A", "B"});
  CHECK(paths[0].cost == approx(0.5));
  CHECK(paths[1].cost == approx(0.5 + 0.5));
  CHECK(paths[1].distance_km == 150);
}

TEST_CASE("unreachable targets and source == target", "[routing]") {
  const Network net = make_network({"A", "B", "C", "D"}, {{"A", "B", 2}, {"C", "D", 3}});
  const auto tree = shortest_path_tree(net, 0);
  CHECK(tree.cost[2] == kInf);
  CHECK(tree.distance_km[2] == kInf);
  CHECK(tree.pred_arc[2] == ShortestPathTree::kNoArc);
  CHECK_FALSE(tree.path_to(net, 3).has_value());
  CHECK_FALSE(shortest_path(net, 0, 3).has_value());
  CHECK(k_shortest_paths(net, 0, 3, 4).empty());
  const std::vector<LocationId> sources{0, 2};
  const std::vector<LocationId> targets{3, 1};
  CHECK(cost_matrix(net, sources, targets) == std::vector<double>{kInf, 2, 3, kInf});

  const auto self = tree.path_to(net, 0);
  REQUIRE(self);
  CHECK(self->locations == std::vector<LocationId>{0});
  CHECK(self->routes.empty());
  CHECK(self->cost == 0);
  CHECK(self->distance_km == 0);
  CHECK(*shortest_path(net, 1, 1) == Path{{1}, {}, 0, 0});
  CHECK(k_shortest_paths(net, 1, 1, 3).empty());
  CHECK(k_shortest_paths(net, 0, 1, 0).empty());
}

TEST_CASE("bad ids and speeds raise InputError", "[routing]") {
  const Network net = make_network({"A", "B"}, {{"A", "B", 2}});
  CHECK_THROWS_AS(shortest_path_tree(net, 2), InputError);
  CHECK_THROWS_AS(shortest_path(net, 0, 9), InputError);
  CHECK_THROWS_AS(shortest_path(net, 9, 0), InputError);
  CHECK_THROWS_AS(k_shortest_paths(net, 0, 2, 1), InputError);
  const std::vector<LocationId> good{0}, bad{5};
  CHECK_THROWS_AS(cost_matrix(net, bad, good), InputError);
  CHECK_THROWS_AS(cost_matrix(net, good, bad), InputError);
  CHECK_THROWS_AS(simple_paths(net, 3, 2), InputError);
  const auto tree = shortest_path_tree(net, 0);
  CHECK_THROWS_AS(tree.path_to(net, 2), InputError);
  const Network bigger = make_network({"A", "B", "C"}, {{"A", "B", 2}});
  CHECK_THROWS_AS(tree.path_to(bigger, 1), InputError);

  RoutingOptions o;
  o.speeds.foot_km_per_day = 0;
  CHECK_THROWS_AS(shortest_path_tree(net, 0, o), InputError);
  o.speeds.foot_km_per_day = -3;
  CHECK_THROWS_AS(shortest_path(net, 0, 1, o), InputError);
  o.speeds.foot_km_per_day = std::nan("");
  CHECK_THROWS_AS(cost_matrix(net, good, good, o), InputError);
  o.speeds.foot_km_per_day = kInf;
  CHECK_THROWS_AS(k_shortest_paths(net, 0, 1, 2, o), InputError);
  try {
    RoutingOptions z;
    z.speeds.sea_km_per_day = 0;
    simple_paths(net, 0, 1, z);
    FAIL("no throw");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("sea_km_per_day") != std::string::npos);
  }
}

// ------------------------------------------------------------------------------- Yen --

TEST_CASE("Yen's example: three shortest paths from C to H", "[routing][yen]") {
  // The graph from the Wikipedia article on Yen's algorithm.
  const Network net = make_network({"C", "D", "E", "F", "G", "H"}, {{"C", "D", 3, true},
                                                                    {"C", "E", 2, true},
                                                                    {"D", "F", 4, true},
                                                                    {"E", "D", 1, true},
                                                                    {"E", "F", 2, true},
                                                                    {"E", "G", 3, true},
                                                                    {"F", "G", 2, true},
                                                                    {"F", "H", 1, true},
                                                                    {"G", "H", 2, true}});
  const auto paths = k_shortest_paths(net, net.id("C"), net.id("H"), 3);
  REQUIRE(paths.size() == 3);
  CHECK(names_of(net, paths[0]) == Names{"C", "E", "F", "H"});
  CHECK(paths[0].cost == 5);
  CHECK(names_of(net, paths[1]) == Names{"C", "E", "G", "H"});
  CHECK(paths[1].cost == 7);
  CHECK(names_of(net, paths[2]) == Names{"C", "D", "F", "H"});
  CHECK(paths[2].cost == 8);
  for (const auto& p : paths) CHECK(valid_path(net, p, {}));
  // All 7 loop-free paths exist; asking for more returns just those.
  const auto all = k_shortest_paths(net, net.id("C"), net.id("H"), 100);
  CHECK(all.size() == 7);
  CHECK(std::is_sorted(all.begin(), all.end(),
                       [](const Path& a, const Path& b) { return a.cost < b.cost; }));
  std::vector<double> costs;
  for (const auto& p : all) costs.push_back(p.cost);
  CHECK(costs == std::vector<double>{5, 7, 8, 8, 8, 11, 11});
  // Equal costs come in order of their location ids: C-D-F-H, C-E-D-F-H, C-E-F-G-H.
  CHECK(names_of(net, all[3]) == Names{"C", "E", "D", "F", "H"});
  CHECK(names_of(net, all[4]) == Names{"C", "E", "F", "G", "H"});
}

TEST_CASE("Yen tells parallel routes apart", "[routing][yen]") {
  // Two roads A-B (5 and 6 km) and one B-C (1 km): two paths with the same locations.
  const Network net = make_network({"A", "B", "C"}, {{"A", "B", 6}, {"A", "B", 5}, {"B", "C", 1}});
  const auto paths = k_shortest_paths(net, 0, 2, 5);
  REQUIRE(paths.size() == 2);
  CHECK(paths[0].routes == std::vector<RouteId>{1, 2});
  CHECK(paths[0].cost == 6);
  CHECK(paths[1].routes == std::vector<RouteId>{0, 2});
  CHECK(paths[1].cost == 7);
  CHECK(paths[0].locations == paths[1].locations);
  // Equal lengths: ordered by route ids.
  const Network twins = make_network({"A", "B"}, {{"A", "B", 4}, {"A", "B", 4, true}});
  const auto both = k_shortest_paths(twins, 0, 1, 3);
  REQUIRE(both.size() == 2);
  CHECK(both[0].routes == std::vector<RouteId>{0});
  CHECK(both[1].routes == std::vector<RouteId>{1});
  CHECK(k_shortest_paths(twins, 1, 0, 3).size() == 1);  // the second one is one-way
}

// ---------------------------------------------------------------- simple path walks --

TEST_CASE("for_each_simple_path walks depth first and prunes", "[routing]") {
  // A square A-B-C-D-A with a diagonal A-C.
  const Network net =
      make_network({"A", "B", "C", "D"},
                   {{"A", "B", 1}, {"B", "C", 2}, {"C", "D", 3}, {"D", "A", 4}, {"A", "C", 10}});
  std::vector<Names> seen;
  std::vector<double> km;
  for_each_simple_path(net, 0, 3, [&](auto locations, auto routes, double distance_km) {
    CHECK(locations.size() == routes.size() + 1);
    seen.push_back(names_of(net, std::vector<LocationId>(locations.begin(), locations.end())));
    km.push_back(distance_km);
    return true;
  });
  const std::vector<Names> expected{
      {"A", "B"}, {"A", "B", "C"}, {"A", "B", "C", "D"},  // via B
      {"A", "D"}, {"A", "D", "C"}, {"A", "D", "C", "B"},  // via D (route 3 before route 4)
      {"A", "C"}, {"A", "C", "B"}, {"A", "C", "D"},       // diagonal
  };
  CHECK(seen == expected);
  CHECK(km == std::vector<double>{1, 3, 6, 4, 7, 9, 10, 12, 13});
  // Pruning below B and with max_hops.
  seen.clear();
  for_each_simple_path(net, 0, 2, [&](auto locations, auto, double) {
    seen.push_back(names_of(net, std::vector<LocationId>(locations.begin(), locations.end())));
    return locations.back() != 1;
  });
  CHECK(seen ==
        std::vector<Names>{
            {"A", "B"}, {"A", "D"}, {"A", "D", "C"}, {"A", "C"}, {"A", "C", "B"}, {"A", "C", "D"}});
  int calls = 0;
  for_each_simple_path(net, 0, 0, [&](auto, auto, double) { return ++calls, true; });
  CHECK(calls == 0);
  // max_hops beyond any path: the longest loop-free path has 3 hops here.
  CHECK(simple_paths(net, 0, 50).size() == simple_paths(net, 0, 3).size());
}

// ---------------------------------------------------------------------- brute force --

TEST_CASE("brute force on random graphs", "[routing][brute]") {
  std::mt19937 rng(20240611);
  std::uniform_int_distribution<int> size(6, 12);
  int compared_sets = 0;
  for (int graph = 0; graph < 50; ++graph) {
    const int n = size(rng);
    const Network net = random_network(rng, n);
    RoutingOptions closed_too;
    closed_too.include_closed = true;
    for (const RoutingOptions& o : {RoutingOptions{}, time_options(), closed_too}) {
      std::vector<LocationId> sources;
      for (LocationId s = 0; s < static_cast<LocationId>(n); ++s) {
        INFO("graph " << graph << " source " << s);
        sources.push_back(s);
        const auto paths = all_simple_paths(net, s, o);
        const auto tree = shortest_path_tree(net, s, o);

        // Dijkstra == minimum over all loop-free paths, exactly.
        for (LocationId t = 0; t < static_cast<LocationId>(n); ++t) {
          double best = t == s ? 0.0 : kInf;
          for (const auto& p : paths) {
            if (p.locations.back() == t) best = std::min(best, p.cost);
          }
          CHECK(tree.cost[t] == best);
          const auto via_tree = tree.path_to(net, t);
          const auto direct = shortest_path(net, s, t, o);
          REQUIRE(via_tree.has_value() == (best < kInf));
          REQUIRE(direct.has_value() == (best < kInf));
          if (!direct) {
            CHECK(tree.distance_km[t] == kInf);
            continue;
          }
          CHECK(valid_path(net, *via_tree, o));
          CHECK(valid_path(net, *direct, o));
          CHECK(via_tree->cost == best);
          CHECK(tree.distance_km[t] == via_tree->distance_km);
          CHECK(*direct == *via_tree);  // same tie-breaking
        }

        // Yen == the k cheapest loop-free paths.
        for (LocationId t = 0; t < static_cast<LocationId>(n); ++t) {
          if (t == s) continue;
          std::vector<Path> expected;
          for (const auto& p : paths) {
            if (p.locations.back() == t) expected.push_back(p);
          }
          std::sort(expected.begin(), expected.end(), cheaper);
          for (std::size_t k :
               {std::size_t{1}, std::size_t{3}, std::size_t{8}, std::size_t{1000}}) {
            INFO("target " << t << " k " << k);
            const auto got = k_shortest_paths(net, s, t, k, o);
            const std::size_t want = std::min(k, expected.size());
            REQUIRE(got.size() == want);
            std::vector<double> got_costs, expected_costs;
            bool all_valid = true;
            for (std::size_t i = 0; i < want; ++i) {
              all_valid = all_valid && valid_path(net, got[i], o);
              got_costs.push_back(got[i].cost);
              expected_costs.push_back(expected[i].cost);
            }
            CHECK(all_valid);
            CHECK(got_costs == expected_costs);
            auto unique = got;
            std::sort(unique.begin(), unique.end(), cheaper);
            CHECK(std::adjacent_find(unique.begin(), unique.end(), same_path) == unique.end());
            // Where the costs leave no choice, the very paths must match.
            bool distinct = true;
            for (std::size_t i = 1; i < std::min(want + 1, expected.size()); ++i) {
              distinct = distinct && expected[i].cost != expected[i - 1].cost;
            }
            if (distinct) {
              ++compared_sets;
              CHECK(std::equal(got.begin(), got.end(), expected.begin(), same_path));
            }
          }
        }

        // Bounded enumeration == brute force, in the same order.
        for (std::size_t hops = 0; hops <= static_cast<std::size_t>(n); ++hops) {
          std::vector<Path> expected;
          for (const auto& p : paths) {
            if (p.routes.size() <= hops) expected.push_back(p);
          }
          INFO("max_hops " << hops);
          CHECK(simple_paths(net, s, hops, o) == expected);
        }
      }

      // Matrices: thread count does not matter, and rows equal the trees.
      const auto one = cost_matrix(net, sources, {}, o, 1);
      const auto four = cost_matrix(net, sources, {}, o, 4);
      CHECK(one == four);
      CHECK(cost_matrix(net, sources, {}, o, 0) == one);
      for (LocationId s = 0; s < static_cast<LocationId>(n); ++s) {
        const auto tree = shortest_path_tree(net, s, o);
        CHECK(std::vector<double>(one.begin() + s * n, one.begin() + (s + 1) * n) == tree.cost);
      }
      // A subset of targets, with a repeat, from a subset of sources.
      const std::vector<LocationId> some_sources{static_cast<LocationId>(n - 1), 0, 2};
      const std::vector<LocationId> some_targets{1, 3, 1, static_cast<LocationId>(n - 2)};
      const auto sub1 = cost_matrix(net, some_sources, some_targets, o, 1);
      const auto sub4 = cost_matrix(net, some_sources, some_targets, o, 4);
      CHECK(sub1 == sub4);
      for (std::size_t i = 0; i < some_sources.size(); ++i) {
        for (std::size_t j = 0; j < some_targets.size(); ++j) {
          CHECK(sub1[i * some_targets.size() + j] == one[some_sources[i] * n + some_targets[j]]);
        }
      }
    }
  }
  CHECK(compared_sets > 100);
}

// ---------------------------------------------------------------------- larger grids --

namespace {

// A w x h grid of two-way and one-way routes (multiples of 1/16 km, 1 to 10 km), with a few
// parallel routes and closed ones.
Network random_grid(std::mt19937& rng, int w, int h) {
  NetworkBuilder b;
  for (int i = 0; i < w * h; ++i) {
    Location loc;
    loc.name = "G";
    loc.name += std::to_string(i);
    b.add_location(loc);
  }
  std::uniform_int_distribution<int> sixteenths(16, 160);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto add = [&](int a, int c) {
    Route r;
    r.from = static_cast<LocationId>(a);
    r.to = static_cast<LocationId>(c);
    r.distance_km = sixteenths(rng) / 16.0;
    r.directed = unit(rng) < 0.2;
    if (r.directed && unit(rng) < 0.5) std::swap(r.from, r.to);
    r.closed = unit(rng) < 0.03;
    r.mode = unit(rng) < 0.3 ? Mode::kFoot : Mode::kRoad;
    b.add_route(r);
    if (unit(rng) < 0.05) {
      r.distance_km = sixteenths(rng) / 16.0;
      b.add_route(r);
    }
  };
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      if (x + 1 < w) add(y * w + x, y * w + x + 1);
      if (y + 1 < h) add(y * w + x, (y + 1) * w + x);
    }
  }
  return b.build();
}

// Textbook Yen over shortest_path() on copies of the network in which the blocked routes
// and every route touching a root location are closed. Closing a blocked route altogether
// (not just the arc leaving the spur location) changes nothing: a loop-free spur path never
// comes back into the spur location.
std::vector<Path> reference_yen(const Network& net, LocationId s, LocationId t, std::size_t k,
                                const RoutingOptions& o) {
  std::vector<Path> accepted;
  auto first = shortest_path(net, s, t, o);
  if (!first) return accepted;
  accepted.push_back(*first);
  std::vector<Path> candidates;
  while (accepted.size() < k) {
    const Path prev = accepted.back();
    for (std::size_t j = 0; j + 1 < prev.locations.size(); ++j) {
      std::vector<bool> closed(net.num_routes(), false);
      std::vector<bool> root_node(net.num_locations(), false);
      for (std::size_t i = 0; i < j; ++i) root_node[prev.locations[i]] = true;
      for (const Path& p : accepted) {
        if (p.routes.size() > j &&
            std::equal(prev.routes.begin(), prev.routes.begin() + j, p.routes.begin())) {
          closed[p.routes[j]] = true;
        }
      }
      NetworkBuilder b;
      for (const Location& loc : net.locations()) b.add_location(loc);
      for (RouteId r = 0; r < net.num_routes(); ++r) {
        Route route = net.route(r);
        if (closed[r] || root_node[route.from] || root_node[route.to]) route.closed = true;
        b.add_route(route);
      }
      const Network cut = b.build();
      const auto spur = shortest_path(cut, prev.locations[j], t, o);
      if (!spur) continue;
      Path c;
      c.locations.assign(prev.locations.begin(), prev.locations.begin() + j);
      c.routes.assign(prev.routes.begin(), prev.routes.begin() + j);
      c.locations.insert(c.locations.end(), spur->locations.begin(), spur->locations.end());
      c.routes.insert(c.routes.end(), spur->routes.begin(), spur->routes.end());
      for (const RouteId r : c.routes) {
        c.cost += weight_of(net.route(r), o);
        c.distance_km += net.route(r).distance_km;
      }
      if (std::none_of(candidates.begin(), candidates.end(),
                       [&](const Path& q) { return same_path(q, c); })) {
        candidates.push_back(c);
      }
    }
    if (candidates.empty()) break;
    auto best = std::min_element(candidates.begin(), candidates.end(), cheaper);
    accepted.push_back(*best);
    candidates.erase(best);
  }
  return accepted;
}

}  // namespace

TEST_CASE("Yen on grids agrees with a textbook Yen", "[routing][yen]") {
  std::mt19937 rng(77);
  int compared = 0;
  for (int graph = 0; graph < 4; ++graph) {
    const Network net = random_grid(rng, 9, 8);
    std::uniform_int_distribution<LocationId> node(
        0, static_cast<LocationId>(net.num_locations() - 1));
    for (const RoutingOptions& o : {RoutingOptions{}, time_options()}) {
      for (int pair = 0; pair < 8; ++pair) {
        const LocationId s = node(rng), t = node(rng);
        if (s == t) continue;
        INFO("graph " << graph << " pair " << s << " -> " << t);
        const auto got = k_shortest_paths(net, s, t, 12, o);
        const auto want = reference_yen(net, s, t, 12, o);
        REQUIRE(got.size() == want.size());
        std::vector<double> got_costs, want_costs;
        bool all_valid = true;
        for (std::size_t i = 0; i < got.size(); ++i) {
          all_valid = all_valid && valid_path(net, got[i], o);
          got_costs.push_back(got[i].cost);
          want_costs.push_back(want[i].cost);
        }
        CHECK(all_valid);
        CHECK(got_costs == want_costs);
        if (std::adjacent_find(want_costs.begin(), want_costs.end()) == want_costs.end()) {
          ++compared;
          CHECK(std::equal(got.begin(), got.end(), want.begin(), same_path));
        }
      }
    }
  }
  CHECK(compared > 10);
}

TEST_CASE("long one-to-one searches agree with the tree", "[routing]") {
  // 3600 locations: far targets make shortest_path switch to the weighed arc table midway.
  std::mt19937 rng(5);
  const Network net = random_grid(rng, 60, 60);
  std::uniform_int_distribution<LocationId> node(0,
                                                 static_cast<LocationId>(net.num_locations() - 1));
  for (const RoutingOptions& o : {RoutingOptions{}, time_options()}) {
    for (int i = 0; i < 10; ++i) {
      const LocationId s = node(rng);
      const auto tree = shortest_path_tree(net, s, o);
      for (int j = 0; j < 10; ++j) {
        const LocationId t =
            j == 0 ? static_cast<LocationId>(net.num_locations() - 1 - s) : node(rng);
        const auto direct = shortest_path(net, s, t, o);
        const auto via_tree = tree.path_to(net, t);
        REQUIRE(direct.has_value() == via_tree.has_value());
        if (!direct) continue;
        CHECK(*direct == *via_tree);
        CHECK(direct->distance_km == tree.distance_km[t]);
        CHECK(valid_path(net, *direct, o));
        const auto k1 = k_shortest_paths(net, s, t, 3, o);
        REQUIRE(!k1.empty());
        CHECK(k1[0].cost == direct->cost);
      }
    }
  }
}

TEST_CASE("cost_matrix: a matrix too large for the memory limit fails before allocating",
          "[routing][properties]") {
  const Network net = make_network({"A", "B", "C", "D"}, {{"A", "B", 2}, {"C", "D", 3}});
  const std::vector<LocationId> sources{0, 1, 2, 3};
  ::setenv("CORRIDOR_MEMORY_LIMIT_BYTES", "100", 1);  // 4 x 4 x 8 = 128 bytes
  std::string message;
  try {
    (void)cost_matrix(net, sources, {});
  } catch (const InputError& e) {
    message = e.what();
  }
  ::unsetenv("CORRIDOR_MEMORY_LIMIT_BYTES");
  CHECK_THAT(message, corridor::test::contains("cost_matrix: needs about") &&
                          corridor::test::contains("4 sources x 4 targets x 8 bytes") &&
                          corridor::test::contains("CORRIDOR_MEMORY_LIMIT_BYTES") &&
                          corridor::test::contains("ask for fewer sources or targets"));
  CHECK(cost_matrix(net, sources, {}).size() == 16);
}
