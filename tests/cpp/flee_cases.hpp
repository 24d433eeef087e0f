// Flee cases built in code for the engines' tests: places and links, conflicts, constant
// spawning, and random cases that use every rule (shared by test_agents.cpp and
// test_expected.cpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "corridor/flee_case.hpp"
#include "corridor/network.hpp"

namespace corridor::test {

struct Place {
  std::string name;
  LocationKind kind = LocationKind::kTown;
  double population = 0.0;
  double capacity = kUnlimited;
  std::string country = "Home";
};

struct Link {
  std::string from, to;
  double km;
  double capacity_per_day = kUnlimited;
};

// A case with the given places and links, `days` long, no conflicts, no data.
inline FleeCase make_case(const std::vector<Place>& places, const std::vector<Link>& links, int days) {
  NetworkBuilder b;
  double lon = 0.0;
  for (const Place& p : places) {
    Location loc;
    loc.name = p.name;
    loc.kind = p.kind;
    loc.population = p.population;
    loc.capacity = p.capacity;
    loc.country = p.country;
    loc.position = {lon, 0.0};
    lon += 0.1;
    b.add_location(loc);
  }
  for (const Link& l : links) {
    Route r;
    r.distance_km = l.km;
    r.capacity_per_day = l.capacity_per_day;
    b.add_route(l.from, l.to, r);
  }
  FleeCase c;
  c.name = "test";
  c.days = days;
  c.network = b.build();
  for (const Place& p : places) {
    FleeLocation fl;
    fl.foreign = p.country != places.front().country;
    c.flee_locations.push_back(fl);
  }
  return c;
}

// conflicts.csv: the named locations with one intensity per day each.
inline void set_conflicts(FleeCase& c, const std::vector<std::string>& names,
                   const std::vector<std::vector<double>>& per_day) {
  c.conflict_locations.clear();
  for (const auto& n : names) c.conflict_locations.push_back(c.network.id(n));
  c.conflict_intensity.assign(static_cast<std::size_t>(c.days) * names.size(), 0.0);
  for (std::size_t j = 0; j < names.size(); ++j) {
    for (int t = 0; t < c.days; ++t) {
      c.conflict_intensity[static_cast<std::size_t>(t) * names.size() + j] =
          per_day[j][static_cast<std::size_t>(t)];
    }
  }
}

// Conflict-driven constant spawning of `count` agents at each conflict zone on the first
// `spawn_days` days (the conflicts end afterwards).
inline void spawn_constant(FleeCase& c, const std::vector<std::string>& zones, double count,
                    int spawn_days) {
  std::vector<std::vector<double>> rows;
  for (std::size_t j = 0; j < zones.size(); ++j) {
    std::vector<double> r(static_cast<std::size_t>(c.days), 0.0);
    for (int t = 0; t < std::min(spawn_days, c.days); ++t) r[static_cast<std::size_t>(t)] = 1.0;
    rows.push_back(r);
  }
  set_conflicts(c, zones, rows);
  c.settings.spawn.conflict_driven = ConflictSpawnMode::kConstant;
  c.settings.spawn.displaced_per_conflict_day = count;
}

// A random case: a connected network of towns, camps, conflict zones, hubs and markers,
// closures of every type, conflicts starting and ending, capacities, route capacities, sinks.
inline FleeCase random_case(std::uint32_t seed) {
  std::mt19937 g(seed);
  auto uni = [&](double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(g);
  };
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(g); };
  const int n = 8 + pick(20);
  std::vector<Place> places;
  std::vector<bool> marker;
  for (int i = 0; i < n; ++i) {
    Place p;
    p.name = "L" + std::to_string(i);
    const int k = i < 2 ? 0 : i == 2 ? 1 : pick(6);
    p.kind = k == 0   ? LocationKind::kConflictZone
             : k == 1 ? LocationKind::kCamp
             : k == 2 ? LocationKind::kTransit
                      : LocationKind::kTown;
    p.population = std::round(uni(1000, 100000));
    if (p.kind == LocationKind::kCamp && pick(2) == 0) p.capacity = std::round(uni(100, 5000));
    p.country = pick(3) == 0 ? "Abroad" : (pick(4) == 0 ? "Far" : "Home");
    places.push_back(p);
    marker.push_back(p.kind == LocationKind::kTransit && pick(2) == 0);
  }
  places[0].country = "Home";
  std::vector<Link> links;
  for (int i = 1; i < n; ++i)
    links.push_back(
        {"L" + std::to_string(pick(i)), "L" + std::to_string(i), std::round(uni(5, 400))});
  for (int e = 0; e < n / 2; ++e) {
    const int a = pick(n), b = pick(n);
    if (a == b) continue;
    Link l{"L" + std::to_string(a), "L" + std::to_string(b), std::round(uni(0, 300))};
    if (pick(6) == 0) l.capacity_per_day = std::round(uni(10, 300));
    links.push_back(l);
  }
  const int days = 25 + pick(20);
  FleeCase c = make_case(places, links, days);
  for (int i = 0; i < n; ++i) {
    c.flee_locations[static_cast<std::size_t>(i)].marker = marker[static_cast<std::size_t>(i)];
    if (places[static_cast<std::size_t>(i)].kind == LocationKind::kCamp) {
      c.flee_locations[static_cast<std::size_t>(i)].deactivation_probability = uni(0, 0.05);
      c.flee_locations[static_cast<std::size_t>(i)].idp_camp = pick(4) == 0;
    }
    if (places[static_cast<std::size_t>(i)].kind == LocationKind::kConflictZone && pick(3) == 0) {
      c.flee_locations[static_cast<std::size_t>(i)].conflict_date = 5;
    }
  }
  std::vector<std::string> zones;
  std::vector<std::vector<double>> rows;
  for (int i = 0; i < n; ++i) {
    if (places[static_cast<std::size_t>(i)].kind != LocationKind::kConflictZone && pick(4) != 0)
      continue;
    zones.push_back("L" + std::to_string(i));
    std::vector<double> r(static_cast<std::size_t>(days));
    const int start = pick(days / 2), stop = start + pick(days);
    const double level = pick(2) == 0 ? 1.0 : uni(0.2, 1.0);
    for (int t = start; t < std::min(stop, days); ++t) r[static_cast<std::size_t>(t)] = level;
    rows.push_back(r);
  }
  set_conflicts(c, zones, rows);
  auto& m = c.settings.move;
  m.max_move_speed_km = uni(50, 400);
  m.awareness_level = 1 + pick(3);
  m.camp_weight = uni(1, 3);
  m.foreign_weight = uni(0.5, 2);
  m.capacity_scaling = uni(1, 1.5);
  m.avoid_short_stints = pick(2) == 0;
  m.start_on_foot = pick(2) == 0;
  m.default_movechance = uni(0.1, 0.6);
  m.camp_movechance = uni(0, 0.05);
  auto& s = c.settings.spawn;
  s.camps_are_sinks = pick(2) == 0;
  if (pick(2) == 0) s.conflict_spawn_decay = {1.0, 0.5, 0.1};
  s.conflict_spawn_decay_interval = 1 + pick(10);
  if (pick(2) == 0) {
    s.conflict_driven = ConflictSpawnMode::kPoisson;
    s.displaced_per_conflict_day = uni(50, 400);
  } else {
    // Data-driven from two camp-like series with ups and downs.
    s.conflict_driven = ConflictSpawnMode::kOff;
    for (int i = 0; i < n && c.camps.size() < 2; ++i) {
      if (places[static_cast<std::size_t>(i)].kind != LocationKind::kCamp) continue;
      ObservedSeries os;
      os.name = places[static_cast<std::size_t>(i)].name;
      os.location = static_cast<LocationId>(i);
      double level = uni(0, 2000);
      for (int t = 0; t < days; ++t) {
        level = std::max(0.0, level + uni(-300, 1200));
        os.per_day.push_back(level);
      }
      c.camps.push_back(os);
    }
  }
  Closure cl;
  cl.type = Closure::Type::kLocation;
  cl.location1 = 1;
  cl.name1 = "L1";
  cl.start_day = pick(days);
  cl.end_day = cl.start_day + pick(days);
  c.closures.push_back(cl);
  Closure cc;
  cc.type = Closure::Type::kCountry;
  cc.name1 = "Home";
  cc.name2 = "Abroad";
  cc.start_day = pick(days);
  cc.end_day = pick(3) == 0 ? -1 : cc.start_day + pick(days);
  c.closures.push_back(cc);
  Closure cl2;
  cl2.type = Closure::Type::kLink;
  cl2.name1 = links.front().from;
  cl2.name2 = links.front().to;
  cl2.location1 = c.network.id(cl2.name1);
  cl2.location2 = c.network.id(cl2.name2);
  cl2.start_day = pick(days);
  cl2.end_day = cl2.start_day + 3;
  c.closures.push_back(cl2);
  for (int i = 0; i < n; ++i) {
    if (places[static_cast<std::size_t>(i)].kind != LocationKind::kCamp) continue;
    Closure k;
    k.type = Closure::Type::kCamp;
    k.location1 = static_cast<LocationId>(i);
    k.name1 = places[static_cast<std::size_t>(i)].name;
    k.start_day = pick(days);
    k.end_day = k.start_day + pick(10);
    c.closures.push_back(k);
    break;
  }
  return c;
}

}  // namespace corridor::test
