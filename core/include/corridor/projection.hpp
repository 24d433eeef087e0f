// corridor — a contingency projection: a Scenario run day by day, with reception and screening
// at the sites, cohorts travelling with the flow, triggers, and the daily needs of every site.
//
// Reception model (documented for users in docs/scenario.md):
// - A site with a screening throughput (screening_per_day > 0) holds everyone who arrives in a
//   queue: they stop there (no onward hop that day) and wait until screened, first come first
//   served, cohorts in proportion. Screened people are free to move on under the movement rules
//   of the site's kind; the queue's length at the end of a day is the backlog.
// - Shelter capacity counts everyone at the site (waiting or not). Under the movement rules a
//   site's attraction falls as it fills (capacity_buffer) and a full camp is no longer chosen as
//   a destination; people already on their way still arrive, so occupancy can pass 1.
// - A site named by an open_site event or trigger is closed (no route in or out) until it opens.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "corridor/scenario.hpp"

namespace corridor {

/// Options of one projection run.
struct ProjectionOptions {
  /// Called after each day with the day index; return false to stop early.
  std::function<bool(int day)> on_day;
};

/// A trigger that fired: its index in Scenario::triggers, the day its condition held (its event
/// acts from the next day) and the metric's value that day.
struct FiredTrigger {
  std::size_t trigger = 0;
  int day = 0;
  double value = 0.0;
};

/// The needs of a number of people at a site on one day (facility counts rounded up).
struct SiteNeeds {
  double water_l = 0.0;
  double taps = 0.0;
  double toilets = 0.0;
  double covered_m2 = 0.0;
  double site_area_m2 = 0.0;
  double kcal = 0.0;
};

/// Needs of `people` at a site; `first_phase` picks the first-phase toilet ratio.
SiteNeeds site_needs(double people, bool first_phase, const Planning& planning);

/// A projection's results. Arrays are row-major; "L" = locations, "C" = cohorts, "R" = routes.
struct Projection {
  int days = 0;                         ///< days projected (fewer if stopped early)
  std::size_t num_locations = 0;
  std::size_t num_routes = 0;
  std::vector<std::string> cohorts;
  std::vector<double> population;       ///< days x L x C, end of day (waiting included)
  std::vector<double> arrivals;         ///< days x L x C, people arriving during the day
  std::vector<double> backlog;          ///< days x L x C, waiting for screening at end of day
  std::vector<double> screened;         ///< days x L, people screened that day
  std::vector<double> capacity;         ///< days x L, shelter capacity in effect (inf = none)
  std::vector<double> screening_per_day;///< days x L, throughput in effect
  std::vector<std::uint8_t> open;       ///< days x L, 1 if the site is open
  std::vector<double> route_flow;       ///< days x R, people setting off along the route (both ways)
  /// days x L needs (Planning), of the end-of-day population.
  std::vector<double> water_l, taps, toilets, covered_m2, site_area_m2, kcal;
  /// Conservation account per day: spawned (cumulative) = at_locations + in_transit + departed.
  std::vector<double> spawned, at_locations, in_transit, departed;
  std::vector<FiredTrigger> fired;
};

/// Runs a scenario with the expected-flow engine (Scenario::engine is not consulted: the caller
/// picks the engine). Validates the scenario first (InputError naming the event and key).
Projection run_projection(const Scenario& scenario, const ProjectionOptions& options = {});

}  // namespace corridor
