// Network and NetworkBuilder: validation, lookups, CSR adjacency, components.
#include <cmath>
#include <string>

#include "catch.hpp"
#include "corridor/error.hpp"
#include "corridor/network.hpp"

using namespace corridor;

namespace {
Location place(std::string name, double lon, double lat) {
  Location loc;
  loc.name = std::move(name);
  loc.position = {lon, lat};
  return loc;
}
Route link(LocationId a, LocationId b, double km, bool directed = false) {
  Route r;
  r.from = a;
  r.to = b;
  r.distance_km = km;
  r.directed = directed;
  return r;
}
}  // namespace

TEST_CASE("kinds and modes parse corridor's and Flee's names", "[network]") {
  CHECK(parse_location_kind("conflict_zone") == LocationKind::kConflictZone);
  CHECK(parse_location_kind("Camp") == LocationKind::kCamp);
  CHECK(parse_location_kind("idpcamp") == LocationKind::kCamp);
  CHECK(parse_location_kind("forwarding_hub") == LocationKind::kTransit);
  CHECK(parse_location_kind("Border crossing") == LocationKind::kBorderCrossing);
  CHECK_FALSE(parse_location_kind("castle").has_value());
  for (auto k : {LocationKind::kConflictZone, LocationKind::kTown, LocationKind::kTransit,
                 LocationKind::kBorderCrossing, LocationKind::kCamp, LocationKind::kReception,
                 LocationKind::kDestination}) {
    CHECK(parse_location_kind(to_string(k)) == k);
  }
  for (auto m : {Mode::kRoad, Mode::kFoot, Mode::kSea, Mode::kRiver, Mode::kAir}) {
    CHECK(parse_mode(to_string(m)) == m);
  }
  CHECK(parse_mode("ferry") == Mode::kSea);
  CHECK_FALSE(parse_mode("teleport").has_value());
}

TEST_CASE("builder freezes routes into CSR arcs", "[network]") {
  NetworkBuilder b;
  const auto a = b.add_location(place("A", 0, 0));
  const auto c = b.add_location(place("B", 1, 0));
  const auto d = b.add_location(place("C", 2, 0));
  b.add_location(place("Lonely", 5, 5));
  b.add_route(link(a, c, 10));
  b.add_route(link(c, d, 20, /*directed=*/true));
  const Network net = b.build();
  CHECK(net.num_locations() == 4);
  CHECK(net.num_routes() == 2);
  CHECK(net.num_arcs() == 3);
  REQUIRE(net.out_arcs(a).size() == 1);
  CHECK(net.out_arcs(a)[0].target == c);
  REQUIRE(net.out_arcs(c).size() == 2);
  CHECK(net.out_arcs(c)[0].target == a);  // route 0 first
  CHECK(net.out_arcs(c)[1].target == d);
  CHECK(net.out_arcs(d).empty());  // directed: no way back
  CHECK(net.id("C") == d);
  CHECK_FALSE(net.find("Nowhere").has_value());
  CHECK_THROWS_AS(net.id("Nowhere"), InputError);
  std::uint32_t count = 0;
  const auto labels = net.components(&count);
  CHECK(count == 2);
  CHECK(labels[0] == 0);
  CHECK(labels[2] == 0);
  CHECK(labels[3] == 1);
  // A copy shares the data.
  const Network copy = net;
  CHECK(copy.locations().data() == net.locations().data());
}

TEST_CASE("builder rejects bad values, naming where and the field", "[network]") {
  NetworkBuilder b;
  b.add_location(place("A", 0, 0));
  b.add_location(place("B", 1, 1));
  CHECK_THROWS_AS(b.add_location(place("A", 3, 3), "f.csv line 4"), InputError);
  try {
    b.add_location(place("A", 3, 3), "f.csv line 4");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == "f.csv line 4, field 'name': duplicate location name 'A'");
  }
  CHECK_THROWS_AS(b.add_location(place("", 3, 3)), InputError);
  CHECK_THROWS_AS(b.add_location(place("X", 3, 95)), InputError);
  CHECK_THROWS_AS(b.add_location(place("X", std::nan(""), 5)), InputError);
  Location neg = place("X", 1, 1);
  neg.population = -1;
  CHECK_THROWS_AS(b.add_location(neg), InputError);
  CHECK_THROWS_AS(b.add_route(link(0, 1, -3)), InputError);
  CHECK_THROWS_AS(b.add_route(link(0, 1, std::nan(""))), InputError);
  CHECK_THROWS_AS(b.add_route(link(0, 0, 3)), InputError);
  CHECK_THROWS_AS(b.add_route(link(0, 7, 3)), InputError);
  try {
    b.add_route("A", "Q", link(0, 0, 1), "r.csv line 9");
    FAIL("no throw");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == "r.csv line 9, field 'to': unknown location 'Q'");
  }
  CHECK(b.num_locations() == 2);
  CHECK(b.num_routes() == 0);
}
