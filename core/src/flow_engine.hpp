// corridor — the expected-flow engine's day (private header). Drivers (expected.cpp for Flee
// cases, projection.cpp for scenarios) change roles, closures, capacities and add people between
// days, then call step(). Design notes: top of flow_engine.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "corridor/flee_case.hpp"
#include "corridor/network.hpp"
#include "flee_places.hpp"
#include "rules.hpp"

namespace corridor::detail {

class FlowEngine : public FleePlaces {
 public:
  /// `flee_locations` / `flee_routes` may be empty (defaults). `cohorts` >= 1.
  ///
  /// `one_split`: empty, or one share per cohort (summing to 1) when every person the driver
  /// will add splits over the cohorts by these shares. The cohorts never change the rules, so
  /// the engine then carries the totals only and multiplies them out by the shares where a
  /// driver reads or takes people by cohort: the same numbers to rounding, with a C-times
  /// smaller state (what the hops of a large network wait on). add() must then be given
  /// amounts in these proportions.
  FlowEngine(const Network& network, const MoveRules& move,
             const std::vector<FleeLocation>& flee_locations,
             const std::vector<FleeRoute>& flee_routes, std::size_t cohorts,
             std::vector<double> conflict_decay = {}, int decay_interval = 30,
             std::vector<double> one_split = {});

  std::size_t num_cohorts() const { return split_.empty() ? c_ : split_.size(); }

  // --- roles (Flee's Location state), between days
  void start_conflict(std::uint32_t v, double intensity, int day);  ///< add_conflict_zone
  void end_conflict(std::uint32_t v);                              ///< remove_conflict_zone
  void make_camp(std::uint32_t v, bool idp);                       ///< open_camp
  void make_town(std::uint32_t v);                                 ///< close_camp
  /// Daily share of the people resting at a camp who leave the simulation (camps_are_sinks).
  void set_sink(std::uint32_t v, double share) { sink_[v] = share; }

  // --- arcs

  // --- people
  /// Adds people (one amount per cohort) at `v`; they move today with its move chance.
  void add(std::uint32_t v, const double* per_cohort);
  /// Moves up to `people` from v's queue to its free people, cohorts in proportion; returns the
  /// number released.
  double release(std::uint32_t v, double people);
  /// Takes up to `people` out of v's queue and out of the engine (a scenario's reception
  /// pathways hold them from now on), cohorts in proportion; the amounts per cohort are written
  /// to out[0..C). Returns the number taken.
  double take(std::uint32_t v, double people, double* out);
  /// People taken out so far.
  double taken() const { return taken_; }

  /// One day of movement. `day` is the day index (conflict decay).
  void step(int day);

  // --- observations (after step)
  /// People at v per cohort (free, planned and queued), written to out[0..C).
  void people_at(std::uint32_t v, double* out) const;
  double total_at(std::uint32_t v) const;
  /// People at every location per cohort: out[v * C + k], locations x cohorts.
  void people_all(double* out) const;
  /// Queue at v per cohort (C values; with one_split, valid until the next call).
  const double* queued(std::uint32_t v) const;
  double queued_total(std::uint32_t v) const;
  /// Arrivals during the last step, locations x cohorts.
  const std::vector<double>& arrivals() const {
    return split_.empty() ? arrivals_ : split_arrivals_;
  }
  /// People setting off along each route during the last step.
  const std::vector<double>& route_flow() const { return route_flow_; }
  double spawned() const { return spawned_; }
  double departed() const { return departed_; }

  /// The work done so far, for benchmarks: route choices made (hops: one group along one
  /// path), groups of chained movers moved (slots: one location's band of km moved today)
  /// and passes over a band.
  struct Work {
    std::uint64_t hops = 0, slots = 0, passes = 0;
  };
  const Work& work() const { return work_; }
  double in_transit() const;
  double at_locations() const;

 private:
  // People who move together: the same place (location or arc), plan and history.
  struct Packet {
    std::uint32_t where = 0;      // location, or arc for people travelling
    std::uint32_t path = kNoPath; // planned path entry
    std::uint32_t cursor = 0;     // next hop of `path`
    std::uint32_t admitted = kNoPath;  // route admitted onto today (capacity queue)
    bool first = false;           // has not finished a link yet (start_on_foot)
    bool chained = false;         // arrived today with distance to spare: evolve again
    int hop = 0;                  // hops today as a packet (a band's people: see band passes)
    double km = 0.0;              // km covered on the arc
    double moved = 0.0;           // km moved today (the mean over the packet's people)
    double spread = 0.0;          // width of the km moved today, spread evenly about `moved`
    double recent = 0.0;          // recent travel index after the end of the last day
    std::size_t at = 0;           // offset of its C amounts
  };
  static constexpr std::uint32_t kNoPath = 0xFFFFFFFFu;

  struct Packets {
    std::vector<Packet> items;
    std::vector<double> amounts;
    std::size_t c = 1;
    // Adds a packet holding `scale` x `src`; skipped when all amounts are 0.
    void add(Packet p, const double* src, double scale);
    void clear() {
      items.clear();
      amounts.clear();
    }
    const double* of(const Packet& p) const { return amounts.data() + p.at; }
  };

  // Chained movers, summed per band of km moved today and location: one record per slot (the
  // total, the sums of amount x km moved and of amount x recent index, then the C amounts),
  // padded to whole 32-byte blocks and 64-byte aligned so an addition touches one cache line,
  // with a bit per slot in use. Slots are laid out band by band (slot = band x `span` +
  // location, `span` a multiple of 64), so a pass visits one band's set bits in location order
  // and its cost follows the slots it touches.
  struct Slots {
    std::size_t c = 1, bins = 1, stride = 4, span = 64;
    double width = 1.0;
    std::vector<double> storage;
    std::size_t base = 0;              // offset of the first record, 64-byte aligned
    std::vector<std::uint64_t> used;   // bit per slot
    std::vector<std::uint8_t> band_used;  // per band: a bit may be set
    void init(std::size_t locations, std::size_t cohorts, std::size_t num_bins, double bin_km);
    /// Adds the amounts `b` (C values, their sum > 0 or nothing happens).
    void add(std::uint32_t v, double moved, double recent, const double* b);
    double* record(std::size_t slot) { return storage.data() + base + slot * stride; }
    /// The band of people who have moved `moved` km today.
    std::size_t bin(double moved) const {
      return std::min<std::size_t>(bins - 1, static_cast<std::size_t>(moved / width));
    }
    /// The record people arriving at v having moved `moved` km today are added to.
    const double* address(std::uint32_t v, double moved) const {
      return storage.data() + base + (bin(moved) * span + v) * stride;
    }
    /// The lowest band that may hold people, or `bins` if none.
    std::size_t lowest() const;
  };

  /// one_split: `total` people by cohort, into out[0..C).
  void split(double total, double* out) const {
    for (std::size_t k = 0; k < split_.size(); ++k) out[k] = total * split_[k];
  }
  double take_carried(std::uint32_t v, double people, double* out);
  void people_carried(std::uint32_t v, double* out) const;
  void compute_weights();
  void compute_weights(std::uint32_t v);
  bool refresh_weights();
  void process(const Packet& p, const double* a, Packets& next, Packets& parked);
  void begin_move(Packet p, const double* a, double scale, Packets& next, Packets& parked);
  void prefetch_paths(std::uint32_t v) const;
  void prefetch_targets(std::uint32_t v, double moved) const;
  void select_paths(const Packet& p, const double* a, double scale, Packets& next,
                    Packets& parked);
  void hop_simple(const Packet& p, const double* a, double people, double scale,
                  std::uint32_t arc);
  void take_hop(Packet p, const double* a, double scale, std::uint32_t arc, Packets& next,
                Packets& parked);
  void travel(Packet p, const double* a, double scale, std::uint32_t arc, Packets& next);
  void arrive(const Packet& p, const double* a, double scale, std::uint32_t arc, double moved,
              double speed, Packets& next);
  void end_day(const Packet& p, const double* a, double scale, std::uint32_t here, double moved);
  void resolve_parked(Packets& parked, Packets& next);
  static void merge(Packets& list, bool on_arcs);
  static void merge_tail(Packets& list, std::size_t from);

  // An arc as a simple hop reads it (one record: one cache line per hop).
  struct HopArc {
    double length_km;
    double speed_km;
    std::uint32_t target;
    RouteId route;
  };

  std::size_t c_;                    // amounts carried per group: the cohorts, or 1 (one_split)
  std::vector<double> split_;        // one_split's shares (empty: the cohorts are carried)
  std::vector<double> split_arrivals_;  // one_split: arrivals() by cohort
  mutable std::vector<double> split_queued_;  // one_split: queued()'s C values
  std::vector<double> weight_;             // per path entry: its weight today (-1 closed)
  std::vector<double> ratio_;              // per path entry: weight / its location's total
  std::vector<std::uint32_t> path_arc_;    // per path entry: the arc of its first hop
  std::vector<std::uint8_t> path_simple_;  // per path entry: one hop over a simple arc
  std::vector<std::uint8_t> simple_arc_;   // no daily capacity, no walking chance
  std::vector<HopArc> hop_arc_;
  // Per location u: the locations with a path ending at u, whose weights follow u's capacity
  // multiplier ([source_first_[u], source_first_[u+1]) in sources_).
  std::vector<std::uint32_t> source_first_, sources_;
  std::vector<std::uint32_t> limited_;     // locations with a capacity (today)
  std::vector<std::uint32_t> stale_;       // sources to reweigh this round
  std::vector<std::uint8_t> stale_mark_;
  std::vector<double> scratch_;            // C amounts of a hop
  std::vector<double> route_used_;

  // People resting at locations (per location x cohort), and their mean recent travel index.
  std::vector<double> fresh_;        // never finished a link (start_on_foot walkers)
  std::vector<double> free_;         // travelled
  std::vector<double> free_total_;   // per location
  std::vector<double> recent_sum_;   // per location: sum of amount x recent over free_
  std::vector<double> held_;         // queued (reception)
  Packets planned_;                  // at a location with a planned path
  Packets transit_;                  // on an arc
  // People setting off today along each arc who will still be on it tonight (simple moves),
  // per arc x {travelled, first link}: amounts (x C), totals and sums of recent x amount.
  std::vector<double> starters_, starters_total_, starters_recent_;
  std::vector<std::uint8_t> starters_used_;
  std::vector<std::uint32_t> starters_touched_;
  Slots slots_;                      // chained movers waiting for their band's pass
  std::vector<std::uint32_t> band_where_;  // a pass: the locations of its band's slots
  std::vector<double> band_records_;       // and their records, taken out of the slots

  std::vector<double> count_;        // people at each location (Flee's numAgents)
  std::vector<double> count_delta_;
  std::vector<double> arrivals_;
  std::vector<double> route_flow_;
  std::vector<double> arc_flow_;     // people setting off along each arc today
  double spawned_ = 0.0;
  double departed_ = 0.0;
  double taken_ = 0.0;
  Work work_;
  bool prefetch_ = false;  // ask for a pass's scattered records ahead (large networks)
};

}  // namespace corridor::detail
