// libFuzzer target: scenario TOML text (geo::parse_scenario) against a fixed small network, the
// way the Python package passes its Network. A parsed scenario must pass validate().
#include "corridor/error.hpp"
#include "corridor/geo/scenario.hpp"
#include "corridor/network.hpp"
#include "corridor/scenario.hpp"
#include "fuzz_common.hpp"

#include <limits>

namespace {
corridor::Network make_network() {
  using namespace corridor;
  NetworkBuilder b;
  auto loc = [&](const char* name, const char* country, double lat, double lon,
                 LocationKind kind, double population, double capacity) {
    Location l;
    l.name = name;
    l.country = country;
    l.position = LonLat{lon, lat};
    l.kind = kind;
    l.population = population;
    l.capacity = capacity;
    return b.add_location(l);
  };
  const double inf = std::numeric_limits<double>::infinity();
  const auto a = loc("Alpha", "Originland", 0.0, 0.0, LocationKind::kConflictZone, 1000, inf);
  const auto br = loc("Bravo", "Originland", 0.0, 1.0, LocationKind::kTown, 500, inf);
  const auto c = loc("Charlie", "Transitia", 0.0, 2.0, LocationKind::kBorderCrossing, 0, inf);
  const auto d = loc("Delta", "Transitia", 1.0, 1.0, LocationKind::kCamp, 0, 500);
  const auto e = loc("Echo", "Haven", 0.0, 3.0, LocationKind::kReception, 0, 2000);
  auto route = [&](LocationId from, LocationId to, double km) {
    Route r;
    r.from = from;
    r.to = to;
    r.distance_km = km;
    b.add_route(r);
  };
  route(a, br, 120);
  route(br, c, 110);
  route(a, d, 200);
  route(d, c, 150);
  route(c, e, 100);
  return b.build();
}

const corridor::geo::ScenarioSource& source() {
  static const corridor::geo::ScenarioSource s{"fuzz.toml", "/nonexistent-fuzz-dir",
                                               make_network()};
  return s;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  corridor::fuzz::init_gdal();
  (void)source();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const corridor::Scenario s =
        corridor::geo::parse_scenario(corridor::fuzz::as_text(data, size), source());
    corridor::validate(s);
  } catch (const corridor::Error&) {
  }
  return 0;
}
