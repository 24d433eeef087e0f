// libFuzzer target: scenario TOML text (geo::parse_scenario) against a fixed small network, the
// way the Python package passes its Network. A parsed scenario must pass validate(); a small
// one (<= 60 days, <= 20,000 people) is then projected on the expected engine, and a tiny one
// (<= 2,000 people) on the agents too: the driver's rules (closures, triggers, reception
// pathways, outbreaks) and its daily conservation check (a std::logic_error, so a crash here)
// run on whatever the reader accepts.
#include "corridor/error.hpp"
#include "corridor/geo/scenario.hpp"
#include "corridor/network.hpp"
#include "corridor/projection.hpp"
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
    double people = 0.0;
    for (const corridor::Event& e : s.events) {
      if (e.type == corridor::EventType::kDisplacement) people += e.people;
    }
    for (const corridor::Trigger& t : s.triggers) {
      if (t.then.type == corridor::EventType::kDisplacement) people += t.then.people;
    }
    if (s.days <= 60 && people <= 20000.0) {
      corridor::ProjectionOptions options;
      options.threads = 1;
      (void)corridor::run_projection(s, options);
      if (people <= 2000.0) {
        options.engine = "agents";
        (void)corridor::run_projection(s, options);
      }
    }
  } catch (const corridor::Error&) {
  }
  return 0;
}
