// corridor — a contingency projection: a Scenario run day by day, with reception and screening
// at the sites, cohorts travelling with the flow, triggers, and the daily needs of every site.
//
// Reception model (documented for users in docs/scenario.md):
// - A site with a screening throughput (screening_per_day > 0) holds everyone who arrives in a
//   queue: they stop there (no onward hop that day) and wait until screened, first come first
//   served (expected people: cohorts in proportion; agents: person by person). Screened people
//   are free to move on under the movement rules of the site's kind; the queue's length at the
//   end of a day is the backlog.
// - Shelter capacity counts everyone at the site (waiting or not). Under the movement rules a
//   site's attraction falls as it fills (capacity_buffer) and a full camp is no longer chosen as
//   a destination; people already on their way still arrive, so occupancy can pass 1.
// - A site named by an open_site event or trigger is closed (no route in or out) until it opens.
// - Reception pathways (when the scenario declares [[streams]] or [[quarantine]]): held
//   arrivals first wait for and spend their days in quarantine where a site has a stage, then
//   queue for screening; the screened are referred to the streams by per-cohort shares and
//   wait for a place, are in process for the stream's days, and then are released at the site,
//   stay there, return (leave the network to their origin, up to the daily return capacity) or
//   are transferred to named destinations. People held in the pathways fill the site's shelter.
// - An outbreak at a site suspends arrivals (routes into it closed) and/or cuts its limited
//   capacities (shelter, quarantine, screening, streams) by a factor until its until_day.
//
// Engines: "expected" (expected numbers of people, fractions, deterministic) and "agents"
// (whole people as agents, one random run per seed). With agents, a displacement's daily people
// per cohort are whole: each cohort's total is the displacement's people rounded, shared out
// by the cohorts' shares (largest remainders), and day j of over_days adds
// floor(total x j / over_days) - floor(total x (j - 1) / over_days), so no fraction is lost;
// screening releases whole people, the daily throughput's fraction carried to the next day.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "corridor/scenario.hpp"

namespace corridor {

/// Options of one projection run.
struct ProjectionOptions {
  /// "expected" (the expected-flow engine: expected numbers of people) or "agents" (the agent
  /// engine: whole people, a random run per seed). Scenario::engine is the scenario's own
  /// choice, for the caller to pass here; it is not consulted.
  std::string engine = "expected";
  /// Agent engine: random seed, >= 0; unset = Scenario::seed. The same scenario and seed give
  /// the same projection, whatever `threads`. Not used by the expected engine.
  std::optional<std::uint64_t> seed;
  /// Agent engine: worker threads, 0 = hardware concurrency. Not used by the expected engine.
  unsigned threads = 0;
  /// Called after each day with the day index; return false to stop early.
  std::function<bool(int day)> on_day;
  /// Expected engine: when every displacement (triggers' included) splits its people by the
  /// same shares and there are no reception pathways, carry each group's total only and split
  /// it by those shares where cohorts are read (the cohorts never change the rules): the same
  /// numbers to rounding, faster on large networks. False carries every cohort (for tests).
  bool merge_cohorts = true;
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

/// A projection's results. Arrays are row-major; "L" = locations, "C" = cohorts, "R" = routes
/// (route_flow), reception sites (the pathways' arrays).
/// People are expected numbers (fractions) from the expected engine, whole numbers from agents.
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
  /// Conservation account per day: spawned (cumulative, by displacements) = at_locations (in
  /// the engine at a location) + in_reception (held by the reception pathways at a site:
  /// quarantine, screening queue, streams) + in_transit (on a route) + transferring (onward
  /// transfers under way) + departed (left by the movement rules) + returned (cumulative, left
  /// by voluntary return). Without pathways in_reception, transferring and returned are 0.
  std::vector<double> spawned, at_locations, in_reception, in_transit, transferring, departed,
      returned;
  std::vector<FiredTrigger> fired;
  /// The expected engine's work over the run (0 with agents): route choices made (a group of
  /// people along one path), groups of chained movers moved (one location's band of km moved
  /// today) and passes over a band. What a run's time follows; see docs/expected.md.
  std::uint64_t work_hops = 0, work_slots = 0, work_passes = 0;

  // Reception pathways: filled only when the scenario declares streams or quarantine stages
  // (then `backlog` is the queue for screening after any quarantine). "R" = reception_sites,
  // "S" = streams (a single "release" stream when only quarantine stages are declared).
  std::vector<LocationId> reception_sites;  ///< R sites that can hold arrivals, in id order
  std::vector<std::string> streams;         ///< S names
  std::vector<std::string> stream_types;    ///< S types as in the file, e.g. "protection"
  std::vector<double> quarantine_waiting;   ///< days x R x C, waiting for a quarantine place
  std::vector<double> in_quarantine;        ///< days x R x C
  /// days x R x S x C at the end of the day: waiting for a place in the stream, in process
  /// (done but waiting to leave included), completed (stayed at the site when done).
  std::vector<double> stream_waiting, stream_in_process, stream_completed;
  /// days x R x S x C during the day: referred to the stream, returned (left to the origin),
  /// moved on (released into the network at the site, or set off on an onward transfer).
  std::vector<double> stream_referred, stream_returned, stream_moved_on;
  std::vector<double> returned_to;          ///< days x L, people returned to each origin
};

/// Runs a scenario on the engine options.engine names (Scenario::engine is not consulted: the
/// caller picks the engine). Validates the scenario first (InputError naming the event and key);
/// an unknown engine, or more people or cohorts than the agent engine holds (4,294,967,293
/// agents, 256 cohorts), is an InputError too.
Projection run_projection(const Scenario& scenario, const ProjectionOptions& options = {});

}  // namespace corridor
