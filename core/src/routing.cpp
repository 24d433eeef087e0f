// corridor — shortest paths, k shortest loop-free paths and bounded path enumeration.
//
// Design notes:
// - Full searches (trees, matrices) read two contiguous arrays: the CSR offsets and a per-call
//   table of {cost, target} per arc (16 bytes, one cache stream), built from one byte per
//   route (mode or closed), so building it never touches the routes at random. Closed routes
//   cost +inf, which no relaxation accepts, so the inner loop has no closed test. The arcs of
//   a location are prefetched when it enters the heap: on a network too big for the cache
//   that miss is what a Dijkstra step mostly waits for.
// - Searches that may stay local (shortest_path, k_shortest_paths) weigh arcs from their
//   routes as they scan them, and build the table only once they have scanned an eighth of
//   the arcs, so a short query costs what it explores plus an O(locations) clear.
// - The priority queue is a 4-ary min-heap with lazy deletion ordered by (cost, location id):
//   shallower than a binary heap, no position index to maintain, and the tie-break on the
//   id makes the settle order, hence every predecessor, independent of threads and runs.
// - Costs are summed from the source in path order, so a location's cost equals the
//   left-to-right sum along its path, bit for bit. Rounded addition is monotone, so Dijkstra
//   returns exactly the minimum of those sums over all paths (the brute-force tests rely on
//   it), and a cost never depends on how ties were broken.
// - k shortest paths: Yen's algorithm with Lawler's rule (spur only from the point where the
//   path just accepted left its parent). Spur searches are A* guided by the costs to the
//   target from a reverse Dijkstra; such potentials are consistent in any subgraph, so the
//   searches with blocked arcs and locations stay exact while exploring little beyond the
//   path they return. The reverse search walks the forward arcs of two-way routes backwards
//   and needs an index only for one-way routes; building that index reads every route, so on
//   a network with one-way routes the searches start as plain Dijkstra (zero potentials) and
//   switch once they have scanned a quarter as many arcs as there are routes. The reverse
//   search stops at 1.1 x the shortest cost: locations it did not settle get the key it
//   stopped at, still a consistent lower bound. Blocked locations, tentative costs and closed
//   sets are stamp arrays, so a spur search costs what it touches; the blocked arcs all leave
//   the spur location, so only its expansion looks at them. Candidates are kept in a set
//   ordered by (cost, locations, routes), trimmed to the number of paths still needed; the
//   worst one bounds every later spur search. (A* keys g + h are rounded, so paths whose costs
//   differ only in the last bits may come out of order by that much; with exactly
//   representable sums the order is exact.)
// - A tree stores only the arc reaching each location; the arc's tail is the other end of its
//   route (routes never join a location to itself), so path_to needs no extra array.
#include "corridor/routing.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "corridor/error.hpp"
#include "memory_check.hpp"

namespace corridor {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::uint32_t kNoArc = ShortestPathTree::kNoArc;

// A hint that `address` will be read soon; never faults, even past an array's end.
inline void prefetch(const void* address) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(address);
#else
  (void)address;
#endif
}

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// ------------------------------------------------------------------------- validation --

void check_options(const RoutingOptions& options) {
  if (options.weight != Weight::kDistance && options.weight != Weight::kTravelTime) {
    throw InputError("routing options: unknown weight " +
                     std::to_string(static_cast<int>(options.weight)));
  }
  const std::pair<const char*, double> speeds[] = {
      {"road_km_per_day", options.speeds.road_km_per_day},
      {"foot_km_per_day", options.speeds.foot_km_per_day},
      {"sea_km_per_day", options.speeds.sea_km_per_day},
      {"river_km_per_day", options.speeds.river_km_per_day},
      {"air_km_per_day", options.speeds.air_km_per_day},
  };
  for (const auto& [name, value] : speeds) {
    if (!(value > 0.0) || !std::isfinite(value)) {
      throw InputError(std::string("travel speeds: field '") + name + "': " + format_number(value) +
                       " is not a finite number > 0");
    }
  }
}

void check_location(const Network& network, LocationId id, const char* what) {
  if (id >= network.num_locations()) {
    throw InputError(std::string(what) + ": unknown location id " + std::to_string(id) +
                     " (network has " + std::to_string(network.num_locations()) + " locations)");
  }
}

// ------------------------------------------------------------------------------ weights --

// Weight of one route under the options: +inf if closed and closed routes are not used.
// Every search computes arc costs through this one expression so all of them agree exactly.
inline double route_cost(const Route& route, const RoutingOptions& options) {
  if (route.closed && !options.include_closed) return kInf;
  if (options.weight == Weight::kDistance) return route.distance_km;
  return route.distance_km / options.speeds.km_per_day(route.mode);
}

struct WeightedArc {
  double cost;
  LocationId target;
  std::uint32_t one_way;  // 1 if the arc's route is directed (set only if weigh() is asked to)
};

// The per-call arc table: arcs[a] mirrors Network::arcs()[a].
struct WeightedGraph {
  const std::uint32_t* offsets = nullptr;
  std::unique_ptr<WeightedArc[]> arcs;  // uninitialised on allocation: every entry is written
};

WeightedGraph weigh(const Network& network, const RoutingOptions& options,
                    bool mark_one_way = false) {
  WeightedGraph graph;
  graph.offsets = network.arc_offsets().data();
  const auto arcs = network.arcs();
  const std::size_t m = arcs.size();
  graph.arcs = std::make_unique_for_overwrite<WeightedArc[]>(m);
  WeightedArc* out = graph.arcs.get();
  if (options.weight == Weight::kDistance && options.include_closed && !mark_one_way) {
    for (std::size_t a = 0; a < m; ++a) out[a] = {arcs[a].distance_km, arcs[a].target, 0};
    return graph;
  }
  // One byte per route (mode, or kClosed; kOneWay bit) keeps the arcs' random route look-ups
  // in cache; the arc's own distance_km is the route's, so the cost is route_cost() exactly.
  constexpr std::uint8_t kClosed = 5;
  constexpr std::uint8_t kOneWay = 0x80;
  const auto routes = network.routes();
  std::vector<std::uint8_t> kind(routes.size());
  for (std::size_t r = 0; r < routes.size(); ++r) {
    const Route& route = routes[r];
    auto mode = static_cast<std::uint8_t>(route.mode);
    if (mode >= kClosed) mode = 0;  // outside the enumeration: road, as km_per_day says
    if (route.closed && !options.include_closed) mode = kClosed;
    kind[r] = mark_one_way && route.directed ? mode | kOneWay : mode;
  }
  double divisor[kClosed];
  for (std::uint8_t k = 0; k < kClosed; ++k) {
    divisor[k] = options.weight == Weight::kDistance
                     ? 1.0  // exact: km / 1 == km
                     : options.speeds.km_per_day(static_cast<Mode>(k));
  }
  for (std::size_t a = 0; a < m; ++a) {
    const std::uint8_t k = kind[arcs[a].route];
    const std::uint8_t mode = k & static_cast<std::uint8_t>(~kOneWay);
    out[a] = {mode == kClosed ? kInf : arcs[a].distance_km / divisor[mode], arcs[a].target,
              static_cast<std::uint32_t>(k >> 7)};
  }
  return graph;
}

// Arc weights for searches that may stay local. They are computed from the routes as arcs
// are scanned until the call has scanned `budget` arcs; then the table is built once and read
// instead, which a search that has grown large reads far more cheaply. Both give route_cost()
// exactly, so a search may switch halfway.
class ArcWeights {
 public:
  ArcWeights(const Network& network, const RoutingOptions& options, bool mark_one_way)
      : network_(network),
        options_(options),
        mark_one_way_(mark_one_way),
        offsets_(network.arc_offsets().data()),
        arcs_(network.arcs().data()),
        routes_(network.routes().data()),
        budget_(std::max<std::size_t>(4096, network.num_arcs() / 8)) {}

  /// Calls visit(arc, target, cost, one_way) for each arc leaving `u`, in CSR order.
  template <class Visit>
  void scan(LocationId u, Visit&& visit) {
    const std::uint32_t begin = offsets_[u];
    const std::uint32_t end = offsets_[u + 1];
    scanned_ += end - begin;
    if (table_.arcs) {
      const WeightedArc* table = table_.arcs.get();
      for (std::uint32_t a = begin; a < end; ++a) {
        visit(a, table[a].target, table[a].cost, table[a].one_way != 0);
      }
      return;
    }
    for (std::uint32_t a = begin; a < end; ++a) {
      const Route& route = routes_[arcs_[a].route];
      visit(a, arcs_[a].target, route_cost(route, options_), route.directed);
    }
    if (scanned_ > budget_) table_ = weigh(network_, options_, mark_one_way_);
  }

  /// Arcs scanned so far in this call.
  std::size_t scanned() const noexcept { return scanned_; }

  /// The cost of arc `a`.
  double cost(std::uint32_t a) const {
    return table_.arcs ? table_.arcs[a].cost : route_cost(routes_[arcs_[a].route], options_);
  }

 private:
  const Network& network_;
  const RoutingOptions& options_;
  bool mark_one_way_;
  const std::uint32_t* offsets_;
  const Arc* arcs_;
  const Route* routes_;
  std::size_t budget_;
  std::size_t scanned_ = 0;
  WeightedGraph table_;
};

// ------------------------------------------------------------------------------- heap --

struct HeapEntry {
  double key;
  LocationId node;
};

inline bool before(const HeapEntry& a, const HeapEntry& b) noexcept {
  return a.key < b.key || (a.key == b.key && a.node < b.node);
}

// 4-ary min-heap with lazy deletion, ordered by (key, node).
class MinHeap {
 public:
  void clear() noexcept { items_.clear(); }
  bool empty() const noexcept { return items_.empty(); }
  const HeapEntry& top() const noexcept { return items_.front(); }

  void push(double key, LocationId node) {
    const HeapEntry entry{key, node};
    std::size_t i = items_.size();
    items_.push_back(entry);
    HeapEntry* h = items_.data();
    while (i > 0) {
      const std::size_t parent = (i - 1) >> 2;
      if (!before(entry, h[parent])) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = entry;
  }

  HeapEntry pop() noexcept {
    HeapEntry* h = items_.data();
    const HeapEntry top = h[0];
    const HeapEntry last = items_.back();
    items_.pop_back();
    const std::size_t n = items_.size();
    if (n == 0) return top;
    std::size_t i = 0;
    for (;;) {
      const std::size_t first = 4 * i + 1;
      if (first >= n) break;
      std::size_t best = first;
      const std::size_t end = std::min(first + 4, n);
      for (std::size_t c = first + 1; c < end; ++c) {
        if (before(h[c], h[best])) best = c;
      }
      if (!before(h[best], last)) break;
      h[i] = h[best];
      i = best;
    }
    h[i] = last;
    return top;
  }

 private:
  std::vector<HeapEntry> items_;
};

// ---------------------------------------------------------------------------- Dijkstra --

// Plain Dijkstra from `source` over `graph`; `cost` must be +inf everywhere on entry.
// `on_settle(u)` is called once per settled location and returns false to stop;
// `on_improve(v, arc, u)` is called whenever arc (u -> v) lowers cost[v].
template <class OnSettle, class OnImprove>
void dijkstra(const WeightedGraph& graph, LocationId source, double* cost, MinHeap& heap,
              OnSettle&& on_settle, OnImprove&& on_improve) {
  const std::uint32_t* offsets = graph.offsets;
  const WeightedArc* arcs = graph.arcs.get();
  heap.clear();
  cost[source] = 0.0;
  heap.push(0.0, source);
  while (!heap.empty()) {
    const HeapEntry top = heap.pop();
    const LocationId u = top.node;
    const double d = top.key;
    if (d > cost[u]) continue;  // stale: u was reached more cheaply since
    if (!on_settle(u)) return;
    // The arcs of the next location to settle are a likely cache miss: ask for them now.
    if (!heap.empty()) prefetch(arcs + offsets[heap.top().node]);
    const std::uint32_t end = offsets[u + 1];
    for (std::uint32_t a = offsets[u]; a < end; ++a) {
      const WeightedArc& arc = arcs[a];
      const double candidate = d + arc.cost;
      if (candidate < cost[arc.target]) {
        cost[arc.target] = candidate;
        on_improve(arc.target, a, u);
        heap.push(candidate, arc.target);
        prefetch(arcs + offsets[arc.target]);  // settled later: fetch its arcs meanwhile
      }
    }
  }
}

// Tail of an arc: the end of its route that is not the arc's target.
inline LocationId arc_tail(std::span<const Arc> arcs, std::span<const Route> routes,
                           std::uint32_t arc) {
  const Arc& a = arcs[arc];
  const Route& r = routes[a.route];
  return a.target == r.to ? r.from : r.to;
}

// Walks pred_arc back from `target` and sums the distance in path order; throws InputError if
// the tree does not fit the network.
Path trace_path(const Network& network, std::span<const std::uint32_t> pred_arc, LocationId source,
                LocationId target, double cost) {
  const auto arcs = network.arcs();
  const auto routes = network.routes();
  Path path;
  path.cost = cost;
  LocationId v = target;
  path.locations.push_back(v);
  while (v != source) {
    const std::uint32_t a = pred_arc[v];
    if (a >= arcs.size() || path.routes.size() >= network.num_locations()) {
      throw InputError(
          "shortest path tree: predecessor arcs do not lead back to the source; "
          "was the tree built on another network?");
    }
    path.routes.push_back(arcs[a].route);
    v = arc_tail(arcs, routes, a);
    path.locations.push_back(v);
  }
  std::reverse(path.locations.begin(), path.locations.end());
  std::reverse(path.routes.begin(), path.routes.end());
  for (const RouteId r : path.routes) path.distance_km += routes[r].distance_km;
  return path;
}

// ------------------------------------------------------------------------ Yen's scratch --

// Lower bounds of the cost from each location to the target, for A*. They start as zero
// (plain Dijkstra), and compute() replaces them by the costs from a reverse Dijkstra stopped
// at kReach x the source's cost (see the design notes). The reverse of a two-way route's arc
// u -> v is its arc v -> u, already in the forward CSR, so only one-way routes need an index
// of arcs by head; building it reads every route, which is why a call on a network with
// one-way routes computes the potentials only once its searches have grown (a network
// without them, num_arcs == 2 num_routes, needs no index and computes them at once).
class Potentials {
 public:
  bool exact() const noexcept { return !h_.empty(); }

  /// Runs the reverse search; false if the source cannot reach the target at all.
  bool compute(const Network& network, const RoutingOptions& options, ArcWeights& weights,
               LocationId source, LocationId target) {
    const std::size_t n = network.num_locations();
    const auto routes = network.routes();
    // One-way routes by head, CSR style.
    std::vector<std::uint32_t> in_offsets;
    std::vector<RouteId> in_routes;
    if (network.num_arcs() != 2 * network.num_routes()) {
      in_offsets.assign(n + 1, 0);
      for (const Route& r : routes) {
        if (r.directed) ++in_offsets[r.to + 1];
      }
      for (std::size_t v = 0; v < n; ++v) in_offsets[v + 1] += in_offsets[v];
      in_routes.resize(in_offsets[n]);
      std::vector<std::uint32_t> cursor(in_offsets.begin(), in_offsets.end() - 1);
      for (RouteId r = 0; r < routes.size(); ++r) {
        if (routes[r].directed) in_routes[cursor[routes[r].to]++] = r;
      }
    }
    constexpr double kReach = 1.1;
    h_.assign(n, kInf);
    MinHeap heap;
    h_[target] = 0.0;
    heap.push(0.0, target);
    auto relax = [&](LocationId u, double candidate) {
      if (candidate < h_[u]) {
        h_[u] = candidate;
        heap.push(candidate, u);
      }
    };
    bool reached = false;
    while (!heap.empty()) {
      const HeapEntry top = heap.pop();
      const LocationId v = top.node;
      const double d = top.key;
      if (d > h_[v]) continue;
      if (d > bound_) {
        stopped_at_ = d;
        break;
      }
      if (v == source) {
        reached = true;
        bound_ = kReach * d;
      }
      weights.scan(v, [&](std::uint32_t, LocationId u, double cost, bool one_way) {
        if (!one_way) relax(u, d + cost);
      });
      if (!in_routes.empty()) {
        for (std::uint32_t i = in_offsets[v]; i < in_offsets[v + 1]; ++i) {
          const Route& r = routes[in_routes[i]];
          relax(r.from, d + route_cost(r, options));
        }
      }
    }
    return reached;
  }

  /// A lower bound of the cost from `v` to the target, consistent along every arc; +inf if
  /// `v` cannot reach the target. Settled locations have their exact cost (<= bound); every
  /// other one costs at least the key the search stopped at (+inf if it ran out).
  double operator()(LocationId v) const noexcept {
    if (h_.empty()) return 0.0;
    const double h = h_[v];
    return h > bound_ ? stopped_at_ : h;
  }

 private:
  std::vector<double> h_;
  double bound_ = kInf;
  double stopped_at_ = kInf;
};

// Uninitialised storage for scratch arrays whose entries are written before being read.
template <class T>
std::unique_ptr<T[]> scratch(std::size_t n) {
  return std::make_unique_for_overwrite<T[]>(n);
}

// A* searches from a spur location to a fixed target with blocked arcs and locations,
// guided by Potentials. Everything is stamped, so a search costs what it touches, not
// O(locations).
class SpurSearch {
 public:
  SpurSearch(ArcWeights& weights, const Potentials& h, std::size_t n)
      : weights_(weights),
        h_(h),
        g_(scratch<double>(n)),
        pred_arc_(scratch<std::uint32_t>(n)),
        pred_node_(scratch<LocationId>(n)),
        seen_(n, 0),
        closed_(n, 0),
        blocked_node_(n, 0) {}

  /// Starts a new set of blocked locations (block_node), kept across runs until the next call.
  void begin_nodes() {
    if (++node_stamp_ == 0) {
      std::fill(blocked_node_.begin(), blocked_node_.end(), 0u);
      node_stamp_ = 1;
    }
  }
  void block_node(LocationId v) { blocked_node_[v] = node_stamp_; }

  /// Cheapest path from `from` (starting at cost g0) to `target` avoiding the blocked
  /// locations and, out of `from`, the arcs `blocked_arcs` (in Yen's algorithm every blocked
  /// arc leaves the spur location); false if there is none with cost <= bound. `out` receives
  /// the path's arcs. Also false, with aborted() true, once the call's ArcWeights have
  /// scanned more than `scan_limit` arcs.
  bool run(LocationId from, double g0, LocationId target, double bound,
           std::span<const std::uint32_t> blocked_arcs, std::vector<std::uint32_t>& out,
           std::size_t scan_limit = std::numeric_limits<std::size_t>::max()) {
    aborted_ = false;
    if (++stamp_ == 0) {  // wrapped: forget all old stamps
      std::fill(seen_.begin(), seen_.end(), 0u);
      std::fill(closed_.begin(), closed_.end(), 0u);
      stamp_ = 1;
    }
    const double h_from = h_(from);
    if (!(h_from < kInf) || g0 + h_from > bound) return false;
    heap_.clear();
    closed_[from] = stamp_;
    expand(from, g0, blocked_arcs);
    while (!heap_.empty()) {
      const HeapEntry top = heap_.pop();
      const LocationId u = top.node;
      if (closed_[u] == stamp_) continue;
      if (top.key > bound) return false;  // every remaining path costs more
      if (weights_.scanned() > scan_limit) {
        aborted_ = true;
        return false;
      }
      closed_[u] = stamp_;
      if (u == target) {
        out.clear();
        for (LocationId v = target; v != from; v = pred_node_[v]) out.push_back(pred_arc_[v]);
        std::reverse(out.begin(), out.end());
        return true;
      }
      expand(u, g_[u], {});
    }
    return false;
  }

  bool aborted() const noexcept { return aborted_; }

 private:
  void expand(LocationId u, double gu, std::span<const std::uint32_t> blocked_arcs) {
    weights_.scan(u, [&](std::uint32_t a, LocationId v, double cost, bool) {
      const double candidate = gu + cost;
      if (!(candidate < kInf) || closed_[v] == stamp_ || blocked_node_[v] == node_stamp_) {
        return;
      }
      if (seen_[v] == stamp_ && !(candidate < g_[v])) return;
      const double hv = h_(v);
      if (!(hv < kInf)) return;  // cannot reach the target at all
      if (!blocked_arcs.empty() &&
          std::find(blocked_arcs.begin(), blocked_arcs.end(), a) != blocked_arcs.end()) {
        return;
      }
      seen_[v] = stamp_;
      g_[v] = candidate;
      pred_arc_[v] = a;
      pred_node_[v] = u;
      heap_.push(candidate + hv, v);
    });
  }

  ArcWeights& weights_;
  const Potentials& h_;
  std::unique_ptr<double[]> g_;
  std::unique_ptr<std::uint32_t[]> pred_arc_;
  std::unique_ptr<LocationId[]> pred_node_;
  std::vector<std::uint32_t> seen_, closed_, blocked_node_;
  std::uint32_t stamp_ = 0;
  std::uint32_t node_stamp_ = 0;
  bool aborted_ = false;
  MinHeap heap_;
};

struct Candidate {
  double cost = 0.0;
  std::vector<LocationId> locations;
  std::vector<RouteId> routes;
  std::vector<std::uint32_t> arcs;
  mutable std::size_t deviation = 0;  // index of the first hop not shared with its parent
};

struct CandidateOrder {
  bool operator()(const Candidate& a, const Candidate& b) const {
    if (a.cost != b.cost) return a.cost < b.cost;
    if (a.locations != b.locations) return a.locations < b.locations;
    return a.routes < b.routes;
  }
};

}  // namespace

// --------------------------------------------------------------------------- public API --

double TravelSpeeds::km_per_day(Mode mode) const noexcept {
  switch (mode) {
    case Mode::kRoad:
      return road_km_per_day;
    case Mode::kFoot:
      return foot_km_per_day;
    case Mode::kSea:
      return sea_km_per_day;
    case Mode::kRiver:
      return river_km_per_day;
    case Mode::kAir:
      return air_km_per_day;
  }
  return road_km_per_day;
}

std::optional<Path> ShortestPathTree::path_to(const Network& network, LocationId target) const {
  check_location(network, target, "path_to: target");
  check_location(network, source, "path_to: tree source");
  const std::size_t n = network.num_locations();
  if (cost.size() != n || distance_km.size() != n || pred_arc.size() != n) {
    throw InputError("path_to: the tree has " + std::to_string(cost.size()) +
                     " locations but the network " + std::to_string(n));
  }
  if (!(cost[target] < kInf)) return std::nullopt;
  return trace_path(network, pred_arc, source, target, cost[target]);
}

ShortestPathTree shortest_path_tree(const Network& network, LocationId source,
                                    const RoutingOptions& options) {
  check_options(options);
  check_location(network, source, "shortest_path_tree: source");
  const std::size_t n = network.num_locations();
  const WeightedGraph graph = weigh(network, options);
  ShortestPathTree tree;
  tree.source = source;
  tree.cost.assign(n, kInf);
  tree.pred_arc.assign(n, kNoArc);
  MinHeap heap;
  std::uint32_t* pred = tree.pred_arc.data();
  if (options.weight == Weight::kDistance) {
    dijkstra(
        graph, source, tree.cost.data(), heap, [](LocationId) { return true; },
        [pred](LocationId v, std::uint32_t a, LocationId) { pred[v] = a; });
    // Costs are the left-to-right sums of the routes' km: the distances, exactly.
    tree.distance_km = tree.cost;
  } else {
    // Distances follow the final tree, summed in settle order after the search: those loads
    // are independent of each other, unlike inside the search loop.
    std::vector<LocationId> order;
    std::vector<LocationId> pred_node(n);
    LocationId* tail = pred_node.data();
    dijkstra(
        graph, source, tree.cost.data(), heap,
        [&order](LocationId u) {
          order.push_back(u);
          return true;
        },
        [pred, tail](LocationId v, std::uint32_t a, LocationId u) {
          pred[v] = a;
          tail[v] = u;
        });
    tree.distance_km.assign(n, kInf);
    tree.distance_km[source] = 0.0;
    double* km = tree.distance_km.data();
    const Arc* arcs = network.arcs().data();
    for (std::size_t i = 1; i < order.size(); ++i) {
      const LocationId v = order[i];
      km[v] = km[tail[v]] + arcs[pred[v]].distance_km;
    }
  }
  return tree;
}

std::optional<Path> shortest_path(const Network& network, LocationId source, LocationId target,
                                  const RoutingOptions& options) {
  check_options(options);
  check_location(network, source, "shortest_path: source");
  check_location(network, target, "shortest_path: target");
  if (source == target) return Path{{source}, {}, 0.0, 0.0};
  const std::size_t n = network.num_locations();
  ArcWeights weights(network, options, /*mark_one_way=*/false);
  std::vector<double> cost(n, kInf);
  std::vector<std::uint32_t> pred(n, kNoArc);
  MinHeap heap;
  cost[source] = 0.0;
  heap.push(0.0, source);
  while (!heap.empty()) {
    const HeapEntry top = heap.pop();
    const LocationId u = top.node;
    const double d = top.key;
    if (d > cost[u]) continue;
    if (u == target) return trace_path(network, pred, source, target, d);
    weights.scan(u, [&](std::uint32_t a, LocationId v, double arc_cost, bool) {
      const double candidate = d + arc_cost;
      if (candidate < cost[v]) {
        cost[v] = candidate;
        pred[v] = a;
        heap.push(candidate, v);
      }
    });
  }
  return std::nullopt;
}

std::vector<Path> k_shortest_paths(const Network& network, LocationId source, LocationId target,
                                   std::size_t k, const RoutingOptions& options) {
  check_options(options);
  check_location(network, source, "k_shortest_paths: source");
  check_location(network, target, "k_shortest_paths: target");
  if (k == 0 || source == target) return {};
  ArcWeights weights(network, options, /*mark_one_way=*/true);
  Potentials h;
  if (network.num_arcs() == 2 * network.num_routes() &&
      !h.compute(network, options, weights, source, target)) {
    return {};
  }
  // With one-way routes: exact potentials once the searches have scanned about as many arcs
  // as there are routes to read for the index.
  const std::size_t upgrade_at = network.num_routes() / 4;
  constexpr std::size_t kNoLimit = std::numeric_limits<std::size_t>::max();
  auto upgrade = [&] {
    if (!h.exact() && weights.scanned() > upgrade_at) {
      h.compute(network, options, weights, source, target);
    }
  };

  const auto net_arcs = network.arcs();
  SpurSearch search(weights, h, network.num_locations());
  std::vector<std::uint32_t> spur;
  std::vector<std::uint32_t> blocked;  // arcs leaving the spur location

  // A candidate: the root arcs (a prefix of an accepted path), then the spur arcs.
  auto make_candidate = [&](std::span<const std::uint32_t> root_arcs,
                            std::span<const std::uint32_t> spur_arcs, std::size_t deviation) {
    Candidate c;
    c.deviation = deviation;
    c.arcs.reserve(root_arcs.size() + spur_arcs.size());
    c.arcs.insert(c.arcs.end(), root_arcs.begin(), root_arcs.end());
    c.arcs.insert(c.arcs.end(), spur_arcs.begin(), spur_arcs.end());
    c.locations.reserve(c.arcs.size() + 1);
    c.routes.reserve(c.arcs.size());
    c.locations.push_back(source);
    for (const std::uint32_t a : c.arcs) {
      c.cost += weights.cost(a);  // left to right, as the searches sum
      c.locations.push_back(net_arcs[a].target);
      c.routes.push_back(net_arcs[a].route);
    }
    return c;
  };

  std::vector<Candidate> accepted;
  search.begin_nodes();
  bool found = search.run(source, 0.0, target, kInf, {}, spur, h.exact() ? kNoLimit : upgrade_at);
  if (search.aborted()) {
    // A long search: worth the potentials, then start over with them.
    if (!h.compute(network, options, weights, source, target)) return {};
    found = search.run(source, 0.0, target, kInf, {}, spur);
  }
  if (!found) return {};
  accepted.push_back(make_candidate({}, spur, 0));

  std::set<Candidate, CandidateOrder> candidates;
  std::vector<std::size_t> sharing;  // accepted paths sharing the current root
  while (accepted.size() < k) {
    const std::size_t needed = k - accepted.size();
    const Candidate& prev = accepted.back();
    const std::size_t hops = prev.arcs.size();
    const std::size_t first = prev.deviation;

    search.begin_nodes();
    double root_cost = 0.0;
    for (std::size_t j = 0; j < first; ++j) {
      search.block_node(prev.locations[j]);
      root_cost += weights.cost(prev.arcs[j]);
    }
    sharing.clear();
    for (std::size_t p = 0; p < accepted.size(); ++p) {
      const auto& other = accepted[p].arcs;
      if (other.size() > first &&
          std::equal(prev.arcs.begin(), prev.arcs.begin() + first, other.begin())) {
        sharing.push_back(p);
      }
    }

    for (std::size_t j = first; j < hops; ++j) {
      upgrade();
      blocked.clear();
      for (const std::size_t p : sharing) blocked.push_back(accepted[p].arcs[j]);
      const double bound = candidates.size() >= needed ? candidates.rbegin()->cost : kInf;
      if (search.run(prev.locations[j], root_cost, target, bound, blocked, spur)) {
        Candidate c = make_candidate(std::span(prev.arcs).first(j), spur, j);
        const auto [it, inserted] = candidates.insert(std::move(c));
        if (!inserted) {
          it->deviation = std::min(it->deviation, j);
        } else if (candidates.size() > needed) {
          candidates.erase(std::prev(candidates.end()));
        }
      }
      // Extend the root by hop j.
      search.block_node(prev.locations[j]);
      root_cost += weights.cost(prev.arcs[j]);
      std::erase_if(sharing, [&](std::size_t p) {
        const auto& other = accepted[p].arcs;
        return other.size() <= j + 1 || other[j] != prev.arcs[j];
      });
    }
    if (candidates.empty()) break;
    accepted.push_back(std::move(candidates.extract(candidates.begin()).value()));
  }

  std::vector<Path> paths;
  paths.reserve(accepted.size());
  for (Candidate& c : accepted) {
    Path path;
    path.cost = c.cost;
    for (const std::uint32_t a : c.arcs) path.distance_km += net_arcs[a].distance_km;
    path.locations = std::move(c.locations);
    path.routes = std::move(c.routes);
    paths.push_back(std::move(path));
  }
  return paths;
}

std::vector<double> cost_matrix(const Network& network, std::span<const LocationId> sources,
                                std::span<const LocationId> targets, const RoutingOptions& options,
                                unsigned threads) {
  check_options(options);
  for (const LocationId s : sources) check_location(network, s, "cost_matrix: source");
  for (const LocationId t : targets) check_location(network, t, "cost_matrix: target");
  const std::size_t n = network.num_locations();
  const bool all_targets = targets.empty();
  const std::size_t columns = all_targets ? n : targets.size();
  // The matrix is allocated whole: refuse one that cannot fit before trying.
  detail::check_memory(8.0 * static_cast<double>(sources.size()) * static_cast<double>(columns),
                       "cost_matrix",
                       std::to_string(sources.size()) + " sources x " + std::to_string(columns) +
                           " targets x 8 bytes",
                       "ask for fewer sources or targets, or compute the matrix in blocks of "
                       "sources");
  std::vector<double> result(sources.size() * columns, kInf);
  if (sources.empty() || columns == 0) return result;

  const WeightedGraph graph = weigh(network, options);
  // Targets to settle before a search may stop early (distinct ids).
  std::vector<std::uint8_t> is_target;
  std::size_t distinct_targets = 0;
  if (!all_targets) {
    is_target.assign(n, 0);
    for (const LocationId t : targets) {
      if (!is_target[t]) {
        is_target[t] = 1;
        ++distinct_targets;
      }
    }
  }

  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, sources.size()));

  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&]() {
    try {
      std::vector<double> cost(n);
      MinHeap heap;
      for (;;) {
        const std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
        if (i >= sources.size() || failed.load(std::memory_order_relaxed)) break;
        std::fill(cost.begin(), cost.end(), kInf);
        double* row = result.data() + i * columns;
        if (all_targets) {
          dijkstra(
              graph, sources[i], cost.data(), heap, [](LocationId) { return true; },
              [](LocationId, std::uint32_t, LocationId) {});
          std::copy(cost.begin(), cost.end(), row);
        } else {
          std::size_t remaining = distinct_targets;
          dijkstra(
              graph, sources[i], cost.data(), heap,
              [&](LocationId u) { return !(is_target[u] && --remaining == 0); },
              [](LocationId, std::uint32_t, LocationId) {});
          for (std::size_t j = 0; j < columns; ++j) row[j] = cost[targets[j]];
        }
      }
    } catch (...) {
      failed = true;
      const std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  };
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
    for (std::thread& t : pool) t.join();
  }
  if (error) std::rethrow_exception(error);
  return result;
}

void for_each_simple_path(const Network& network, LocationId source, std::size_t max_hops,
                          const PathVisitor& visit, const RoutingOptions& options) {
  check_options(options);
  check_location(network, source, "for_each_simple_path: source");
  const std::size_t n = network.num_locations();
  const std::size_t cap = std::min(max_hops, n - 1);  // a loop-free path has < n hops
  if (cap == 0) return;
  const std::uint32_t* offsets = network.arc_offsets().data();
  const Arc* arcs = network.arcs().data();
  const Route* routes = network.routes().data();

  std::vector<LocationId> locations(cap + 1);
  std::vector<RouteId> path_routes(cap);
  std::vector<double> km(cap + 1);
  std::vector<std::uint32_t> cursor(cap + 1), end(cap + 1);
  // Short paths (the agents' 1-3 hops) test membership by scanning the path, so a call costs
  // nothing per location of the network; long ones use a mark array.
  constexpr std::size_t kScanLimit = 16;
  std::vector<std::uint8_t> on_path;
  if (cap > kScanLimit) {
    on_path.assign(n, 0);
    on_path[source] = 1;
  }

  std::size_t depth = 0;
  locations[0] = source;
  km[0] = 0.0;
  cursor[0] = offsets[source];
  end[0] = offsets[source + 1];
  for (;;) {
    if (cursor[depth] == end[depth]) {
      if (depth == 0) return;
      if (!on_path.empty()) on_path[locations[depth]] = 0;
      --depth;
      continue;
    }
    const Arc& arc = arcs[cursor[depth]++];
    if (!options.include_closed && routes[arc.route].closed) continue;
    const LocationId v = arc.target;
    const bool visited = on_path.empty()
                             ? std::find(locations.begin(), locations.begin() + depth + 1, v) !=
                                   locations.begin() + depth + 1
                             : on_path[v] != 0;
    if (visited) continue;
    locations[depth + 1] = v;
    path_routes[depth] = arc.route;
    km[depth + 1] = km[depth] + arc.distance_km;
    const bool descend =
        visit(std::span<const LocationId>(locations.data(), depth + 2),
              std::span<const RouteId>(path_routes.data(), depth + 1), km[depth + 1]);
    if (descend && depth + 1 < cap) {
      ++depth;
      if (!on_path.empty()) on_path[v] = 1;
      cursor[depth] = offsets[v];
      end[depth] = offsets[v + 1];
    }
  }
}

std::vector<Path> simple_paths(const Network& network, LocationId source, std::size_t max_hops,
                               const RoutingOptions& options) {
  std::vector<Path> paths;
  const auto routes = network.routes();
  for_each_simple_path(
      network, source, max_hops,
      [&](std::span<const LocationId> locations, std::span<const RouteId> path_routes,
          double distance_km) {
        Path path;
        path.locations.assign(locations.begin(), locations.end());
        path.routes.assign(path_routes.begin(), path_routes.end());
        path.distance_km = distance_km;
        for (const RouteId r : path_routes) path.cost += route_cost(routes[r], options);
        paths.push_back(std::move(path));
        return true;
      },
      options);
  return paths;
}

}  // namespace corridor
