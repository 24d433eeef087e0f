// corridor::geo — building a route network from layers: see build_network.hpp.
//
// Design notes (the steps, in order):
// 1. Clean: per line part, drop vertices with NaN, infinite or out-of-range coordinates and
//    repeated vertices; a part left with fewer than 2 points is zero-length and dropped. Each
//    feature touched is reported once.
// 2. Borders (if any): shapes repaired (CountryIndex), their rings handed to the noder.
// 3. Node (build_noding.cpp): split points, new crossing points, joined line ends.
// 4. Merge: one union-find over vertices and new points, whose root is the smallest index, so
//    the representative of merged points is the earliest vertex in layer order. Unions:
//    identical coordinates; joins; line ends and crossings within merge_tolerance_m.
// 5. Edges: each segment becomes the chain of its end points and split points (by position),
//    through the union-find; pieces whose ends merged are zero-length and dropped; pieces with
//    the same two ends are duplicates (a straight piece is fully defined by its ends) and only
//    the first in layer order is kept.
// 6. Snap places to the nearest edge within snap_tolerance_m (a grid over edges): to the end
//    node if the foot is within merge_tolerance_m of it, else by splitting the edge at the
//    foot. A second place on the same point gets its own node and a connector edge.
// 7. Countries: the edges, cut at points on a boundary, fall into pieces that each lie in one
//    country; one point-in-polygon query per piece. A boundary node between pieces of two
//    countries is a border crossing, unless a border-post place is near enough to stand for it.
// 8. Prune dead-end spurs (optional), then contract chains of degree-2 nodes between kept nodes
//    into routes; loops (a chain back to its own start, or a ring with no kept node) cannot be
//    routes and are dropped and counted.
// 9. Locations (places first, in input order, then junctions and crossings in the order routes
//    reach them) and routes go through NetworkBuilder, which validates them once more.
#include "corridor/geo/build_network.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "build_internal.hpp"
#include "corridor/error.hpp"
#include "corridor/geo/geodesic.hpp"

namespace corridor::geo {

namespace {

using detail::BoxGrid;
using detail::Boxes;
using detail::CountryIndex;
using detail::foot_on_segment;
using detail::kNone;
using detail::local_distance_m;
using detail::metres_per_deg_lon;
using detail::UnionFind;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string format_number(double value, int decimals) {
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                    std::chars_format::fixed, decimals);
  return std::string(buffer.data(), result.ptr);
}

std::string metres_text(double m) {
  return m >= 1000.0 ? format_number(m / 1000.0, 2) + " km" : format_number(m, 1) + " m";
}

int thread_count(int requested) {
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(std::min(hw, 64u));
}

/// Runs f(begin, end) over [0, n) on up to `threads` threads in contiguous blocks.
template <class F>
void parallel_blocks(std::size_t n, int threads, F&& f) {
  const std::size_t t = std::min<std::size_t>(static_cast<std::size_t>(std::max(1, threads)),
                                              std::max<std::size_t>(1, n / 4096));
  if (t <= 1) {
    f(std::size_t{0}, n);
    return;
  }
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < t; ++i) pool.emplace_back([&, i] { f(n * i / t, n * (i + 1) / t); });
  f(std::size_t{0}, n / t);
  for (std::thread& th : pool) th.join();
}

BuildIssue make_issue(std::string kind, std::string layer, std::int64_t feature,
                      std::string message) {
  BuildIssue issue;
  issue.kind = std::move(kind);
  issue.layer = std::move(layer);
  issue.feature = feature;
  issue.message = std::move(message);
  return issue;
}

void check_options(const BuildOptions& o) {
  if (!(o.snap_tolerance_m > 0.0) || !std::isfinite(o.snap_tolerance_m)) {
    throw InputError("snap_tolerance_m must be a finite number > 0, got " +
                     format_number(o.snap_tolerance_m, 3));
  }
  if (!(o.merge_tolerance_m >= 0.0) || !std::isfinite(o.merge_tolerance_m)) {
    throw InputError("merge_tolerance_m must be a finite number >= 0, got " +
                     format_number(o.merge_tolerance_m, 3));
  }
  if (!std::isnan(o.border_post_tolerance_m) &&
      (!(o.border_post_tolerance_m >= 0.0) || !std::isfinite(o.border_post_tolerance_m))) {
    throw InputError("border_post_tolerance_m must be a finite number >= 0, got " +
                     format_number(o.border_post_tolerance_m, 3));
  }
  if (o.threads < 0) throw InputError("threads must be >= 0");
}

// ------------------------------------------------------------------------------------------
// Step 1: cleaning

struct CleanLines {
  std::vector<double> x, y;
  std::vector<std::uint32_t> offsets{0};
  std::vector<std::uint32_t> vertex_feature;  ///< feature index of each vertex
  std::vector<std::uint8_t> is_end;           ///< vertex is a line end
};

CleanLines clean_lines(const LineLayer& lines, std::vector<BuildIssue>& issues, BuildStats& stats) {
  CleanLines out;
  out.x.reserve(lines.points.size());
  out.y.reserve(lines.points.size());
  out.vertex_feature.reserve(lines.points.size());
  const std::size_t parts = lines.part_feature.size();
  if (lines.part_offsets.size() != parts + 1) {
    throw InputError(lines.label + ": part_offsets must have one more entry than part_feature");
  }
  struct FeatureFix {
    std::size_t bad_vertices = 0, dropped_parts = 0, kept_parts = 0;
  };
  std::unordered_map<std::uint32_t, FeatureFix> fixes;
  std::vector<std::uint8_t> has_part(lines.features.size(), 0);
  for (std::size_t p = 0; p < parts; ++p) {
    const std::uint32_t f = lines.part_feature[p];
    if (f >= lines.features.size()) {
      throw InputError(lines.label + ": part " + std::to_string(p) + " names feature index " +
                       std::to_string(f) + ", out of range");
    }
    const std::uint32_t begin = lines.part_offsets[p], end = lines.part_offsets[p + 1];
    if (end < begin || end > lines.points.size()) {
      throw InputError(lines.label + ": bad part_offsets at part " + std::to_string(p));
    }
    const std::size_t start = out.x.size();
    std::size_t bad = 0;
    for (std::uint32_t k = begin; k < end; ++k) {
      const LonLat q = lines.points[k];
      if (!(std::abs(q.lat) <= 90.0) || !(std::abs(q.lon) <= 180.0)) {
        ++bad;
        continue;
      }
      if (out.x.size() > start && out.x.back() == q.lon && out.y.back() == q.lat) continue;
      out.x.push_back(q.lon);
      out.y.push_back(q.lat);
    }
    if (bad > 0) fixes[f].bad_vertices += bad;
    if (out.x.size() - start < 2) {
      out.x.resize(start);
      out.y.resize(start);
      ++fixes[f].dropped_parts;
      continue;
    }
    has_part[f] = 1;
    out.offsets.push_back(static_cast<std::uint32_t>(out.x.size()));
    out.vertex_feature.resize(out.x.size(), f);
    if (fixes.count(f) != 0) ++fixes[f].kept_parts;
  }
  out.is_end.assign(out.x.size(), 0);
  for (std::size_t p = 0; p + 1 < out.offsets.size(); ++p) {
    out.is_end[out.offsets[p]] = 1;
    out.is_end[out.offsets[p + 1] - 1] = 1;
  }
  // Report in feature order.
  std::vector<std::uint32_t> touched;
  for (const auto& entry : fixes) touched.push_back(entry.first);
  std::sort(touched.begin(), touched.end());
  for (const std::uint32_t f : touched) {
    const FeatureFix& fix = fixes[f];
    const LineAttributes& a = lines.features[f];
    const std::string where = lines.label + " feature " + std::to_string(a.fid);
    std::string what;
    if (fix.bad_vertices > 0) {
      what = std::to_string(fix.bad_vertices) +
             " vertices with NaN, infinite or out-of-range coordinates";
    }
    if (!has_part[f]) {
      issues.push_back(make_issue("dropped", "lines", a.fid,
                                  where + ": fewer than 2 distinct valid points (zero length)" +
                                      (what.empty() ? "" : ", after removing " + what) +
                                      "; dropped"));
      ++stats.dropped_features;
      continue;
    }
    std::string repaired;
    if (!what.empty()) repaired = what + " removed";
    if (fix.dropped_parts > 0) {
      repaired += (repaired.empty() ? "" : "; ") + std::to_string(fix.dropped_parts) +
                  " zero-length part(s) removed";
    }
    if (!repaired.empty()) {
      issues.push_back(make_issue("repaired", "lines", a.fid, where + ": " + repaired));
      ++stats.repaired_features;
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------
// Steps 4-5: merging and edges

struct Edge {
  std::uint32_t u, v;
  std::uint32_t feature;
};

struct Graph {
  std::vector<double> x, y;          ///< node coordinates
  std::vector<std::uint8_t> border;  ///< node lies on a boundary
  std::vector<Edge> edges;
  std::vector<std::uint8_t> alive;

  std::uint32_t add_node(double nx, double ny, bool on_border = false) {
    x.push_back(nx);
    y.push_back(ny);
    border.push_back(on_border ? 1 : 0);
    return static_cast<std::uint32_t>(x.size() - 1);
  }
  std::uint32_t add_edge(std::uint32_t u, std::uint32_t v, std::uint32_t feature) {
    edges.push_back({u, v, feature});
    alive.push_back(1);
    return static_cast<std::uint32_t>(edges.size() - 1);
  }
  std::size_t num_nodes() const noexcept { return x.size(); }
};

/// Adjacency of the live edges (CSR).
struct Adjacency {
  std::vector<std::uint32_t> offsets;
  std::vector<std::uint32_t> edges;
  Adjacency(const Graph& g) {
    const std::size_t n = g.num_nodes();
    offsets.assign(n + 1, 0);
    for (std::size_t e = 0; e < g.edges.size(); ++e) {
      if (!g.alive[e]) continue;
      ++offsets[g.edges[e].u + 1];
      ++offsets[g.edges[e].v + 1];
    }
    for (std::size_t i = 0; i < n; ++i) offsets[i + 1] += offsets[i];
    edges.resize(offsets.back());
    std::vector<std::uint32_t> fill(offsets.begin(), offsets.end() - 1);
    for (std::size_t e = 0; e < g.edges.size(); ++e) {
      if (!g.alive[e]) continue;
      edges[fill[g.edges[e].u]++] = static_cast<std::uint32_t>(e);
      edges[fill[g.edges[e].v]++] = static_cast<std::uint32_t>(e);
    }
  }
};

struct PointKey {
  double x, y;
  std::uint32_t id;
};

Graph build_graph(const CleanLines& lines, detail::NoderOutput& noded, const LineLayer& layer,
                  double tol_m, std::vector<BuildIssue>& issues, BuildStats& stats) {
  const std::size_t nv = lines.x.size();
  const std::size_t np = nv + noded.new_x.size();
  auto px = [&](std::uint32_t p) { return p < nv ? lines.x[p] : noded.new_x[p - nv]; };
  auto py = [&](std::uint32_t p) { return p < nv ? lines.y[p] : noded.new_y[p - nv]; };
  UnionFind uf(np);
  // Identical coordinates are one point.
  {
    std::vector<PointKey> keys(np);
    for (std::uint32_t p = 0; p < np; ++p) keys[p] = {px(p), py(p), p};
    std::sort(keys.begin(), keys.end(), [](const PointKey& a, const PointKey& b) {
      if (a.x != b.x) return a.x < b.x;
      if (a.y != b.y) return a.y < b.y;
      return a.id < b.id;
    });
    for (std::size_t i = 1; i < np; ++i) {
      if (keys[i].x == keys[i - 1].x && keys[i].y == keys[i - 1].y) uf.unite(keys[i - 1].id, keys[i].id);
    }
  }
  for (const auto& [a, b] : noded.joins) uf.unite(a, b);
  // Line ends and crossing points within the tolerance.
  std::vector<std::uint32_t> candidates;
  for (std::uint32_t v = 0; v < nv; ++v) {
    if (lines.is_end[v]) candidates.push_back(v);
  }
  for (std::uint32_t p = static_cast<std::uint32_t>(nv); p < np; ++p) candidates.push_back(p);
  if (tol_m > 0.0 && !candidates.empty()) {
    double max_lat = 0.0;
    for (const std::uint32_t c : candidates) max_lat = std::max(max_lat, std::abs(py(c)));
    const double cy = tol_m / 110000.0;
    const double cx = tol_m / metres_per_deg_lon(max_lat + cy);
    struct Cell {
      std::int64_t gx, gy;
      std::uint32_t id;
    };
    std::vector<Cell> cells;
    cells.reserve(candidates.size());
    for (const std::uint32_t c : candidates) {
      cells.push_back({static_cast<std::int64_t>(std::floor(px(c) / cx)),
                       static_cast<std::int64_t>(std::floor(py(c) / cy)), c});
    }
    auto less = [](const Cell& a, const Cell& b) {
      if (a.gx != b.gx) return a.gx < b.gx;
      if (a.gy != b.gy) return a.gy < b.gy;
      return a.id < b.id;
    };
    std::sort(cells.begin(), cells.end(), less);
    for (const Cell& c : cells) {
      for (std::int64_t dx = 0; dx <= 1; ++dx) {
        for (std::int64_t dy = -1; dy <= 1; ++dy) {
          if (dx == 0 && dy < 0) continue;  // each neighbouring pair of cells once
          const Cell lo{c.gx + dx, c.gy + dy, 0};
          for (auto it = std::lower_bound(cells.begin(), cells.end(), lo, less);
               it != cells.end() && it->gx == lo.gx && it->gy == lo.gy; ++it) {
            if (dx == 0 && dy == 0 && it->id <= c.id) continue;
            if (uf.find(it->id) == uf.find(c.id)) continue;
            if (local_distance_m(px(c.id), py(c.id), px(it->id), py(it->id)) <= tol_m) {
              uf.unite(c.id, it->id);
            }
          }
        }
      }
    }
  }
  // Report merges: one issue per group of points that moved.
  {
    std::unordered_map<std::uint32_t, std::pair<std::size_t, double>> moved;  // root -> n, max m
    for (const std::uint32_t c : candidates) {
      const std::uint32_t r = uf.find(c);
      if (px(r) == px(c) && py(r) == py(c)) continue;
      auto& entry = moved[r];
      ++entry.first;
      entry.second = std::max(entry.second, local_distance_m(px(r), py(r), px(c), py(c)));
      ++stats.merged_points;
    }
    std::vector<std::uint32_t> roots;
    for (const auto& entry : moved) roots.push_back(entry.first);
    std::sort(roots.begin(), roots.end());
    for (const std::uint32_t r : roots) {
      const auto& [n, far] = moved[r];
      BuildIssue issue = make_issue(
          "merged", "lines", r < nv ? layer.features[lines.vertex_feature[r]].fid : -1,
          layer.label + ": " + std::to_string(n) + " line end(s) or crossing(s) up to " +
              metres_text(far) + " away merged into the point at (" + format_number(px(r), 7) +
              ", " + format_number(py(r), 7) + ")");
      issue.lon = px(r);
      issue.lat = py(r);
      issue.distance_m = far;
      issues.push_back(std::move(issue));
    }
  }
  for (const auto& [v, d] : noded.joined) {
    BuildIssue issue = make_issue(
        "joined", "lines", layer.features[lines.vertex_feature[v]].fid,
        layer.label + " feature " + std::to_string(layer.features[lines.vertex_feature[v]].fid) +
            ": line end joined to a line " + metres_text(d) + " away");
    issue.lon = lines.x[v];
    issue.lat = lines.y[v];
    issue.distance_m = d;
    issues.push_back(std::move(issue));
  }
  stats.joined_dangles = noded.joined.size();
  stats.crossings = noded.crossings;

  // Edges along each segment.
  std::vector<std::uint8_t> root_border(np, 0);
  for (const std::uint32_t v : noded.border_vertices) root_border[uf.find(v)] = 1;
  for (std::size_t i = 0; i < noded.new_on_border.size(); ++i) {
    if (noded.new_on_border[i]) root_border[uf.find(static_cast<std::uint32_t>(nv + i))] = 1;
  }
  std::vector<std::uint32_t> node_of(np, kNone);
  Graph g;
  auto node = [&](std::uint32_t root) {
    if (node_of[root] == kNone) node_of[root] = g.add_node(px(root), py(root), root_border[root] != 0);
    return node_of[root];
  };
  std::vector<Edge> raw;
  raw.reserve(nv + noded.splits.size());
  std::size_t si = 0;
  const auto& splits = noded.splits;
  for (std::size_t p = 0; p + 1 < lines.offsets.size(); ++p) {
    for (std::uint32_t v = lines.offsets[p]; v + 1 < lines.offsets[p + 1]; ++v) {
      const std::uint32_t f = lines.vertex_feature[v];
      std::uint32_t prev = uf.find(v);
      bool any = false;
      for (; si < splits.size() && splits[si].segment == v; ++si) {
        const std::uint32_t r = uf.find(splits[si].point);
        if (r == prev) continue;
        raw.push_back({prev, r, f});
        prev = r;
        any = true;
      }
      const std::uint32_t r = uf.find(v + 1);
      if (r != prev) {
        raw.push_back({prev, r, f});
        any = true;
      }
      if (!any) ++stats.zero_length_segments;
    }
  }
  // Duplicates: the same two ends (a straight piece is defined by its ends); keep the first.
  std::vector<std::uint32_t> order(raw.size());
  std::iota(order.begin(), order.end(), 0u);
  auto key = [&](std::uint32_t e) {
    const std::uint64_t a = std::min(raw[e].u, raw[e].v), b = std::max(raw[e].u, raw[e].v);
    return (a << 32) | b;
  };
  std::vector<std::uint64_t> keys(raw.size());
  for (std::uint32_t e = 0; e < raw.size(); ++e) keys[e] = key(e);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return keys[a] != keys[b] ? keys[a] < keys[b] : a < b;
  });
  std::vector<std::uint8_t> keep(raw.size(), 1);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> dup_features;  // (dropped, kept)
  for (std::size_t i = 1; i < order.size(); ++i) {
    if (keys[order[i]] == keys[order[i - 1]]) {
      keep[order[i]] = 0;
      ++stats.duplicate_segments;
      // The kept one is the first of the run.
      std::size_t k = i - 1;
      while (k > 0 && keys[order[k - 1]] == keys[order[i]]) --k;
      dup_features.emplace_back(raw[order[i]].feature, raw[order[k]].feature);
    }
  }
  std::sort(dup_features.begin(), dup_features.end());
  for (std::size_t i = 0; i < dup_features.size();) {
    std::size_t j = i;
    while (j < dup_features.size() && dup_features[j] == dup_features[i]) ++j;
    const LineAttributes& dropped = layer.features[dup_features[i].first];
    const LineAttributes& kept = layer.features[dup_features[i].second];
    const std::string other = dropped.fid == kept.fid ? "itself" : "feature " + std::to_string(kept.fid);
    issues.push_back(make_issue("duplicate", "lines", dropped.fid,
                                layer.label + " feature " + std::to_string(dropped.fid) + ": " +
                                    std::to_string(j - i) + " segment(s) duplicating " + other +
                                    " removed"));
    i = j;
  }
  g.edges.reserve(raw.size());
  g.alive.reserve(raw.size());
  for (std::size_t e = 0; e < raw.size(); ++e) {
    if (keep[e]) g.add_edge(node(raw[e].u), node(raw[e].v), raw[e].feature);
  }
  return g;
}

// ------------------------------------------------------------------------------------------
// Step 6: snapping

struct Nearest {
  std::uint32_t edge = kNone;
  double distance_m = 0.0;
  double t = 0.0;
};

class EdgeIndex {
 public:
  explicit EdgeIndex(const Graph& g) : g_(g) {
    for (std::uint32_t e = 0; e < g.edges.size(); ++e) {
      if (!g.alive[e]) continue;
      const Edge& ed = g.edges[e];
      boxes_.push(std::min(g.x[ed.u], g.x[ed.v]), std::min(g.y[ed.u], g.y[ed.v]),
                  std::max(g.x[ed.u], g.x[ed.v]), std::max(g.y[ed.u], g.y[ed.v]));
      ids_.push_back(e);
    }
    grid_ = std::make_unique<BoxGrid>(boxes_);
  }

  /// The nearest live edge within radius_m of (lon, lat), if any.
  Nearest within(double lon, double lat, double radius_m) const {
    Nearest best;
    if (ids_.empty()) return best;
    const double ry = radius_m / 110000.0;
    const double rx = radius_m / metres_per_deg_lon(std::abs(lat) + ry);
    const std::uint32_t x0 = grid_->cell_x(lon - rx), x1 = grid_->cell_x(lon + rx);
    const std::uint32_t y0 = grid_->cell_y(lat - ry), y1 = grid_->cell_y(lat + ry);
    for (std::uint32_t cy = y0; cy <= y1; ++cy) {
      for (std::uint32_t cx = x0; cx <= x1; ++cx) {
        const std::size_t cell = static_cast<std::size_t>(cy) * grid_->nx() + cx;
        for (const std::uint32_t* it = grid_->begin(cell); it != grid_->end(cell); ++it) {
          const std::uint32_t e = ids_[*it];
          const Edge& ed = g_.edges[e];
          const detail::Foot f =
              foot_on_segment(lon, lat, g_.x[ed.u], g_.y[ed.u], g_.x[ed.v], g_.y[ed.v]);
          if (f.distance_m > radius_m) continue;
          if (best.edge == kNone || f.distance_m < best.distance_m ||
              (f.distance_m == best.distance_m && e < best.edge)) {
            best = {e, f.distance_m, f.t};
          }
        }
      }
    }
    return best;
  }

  /// The nearest live edge at any distance (growing the search).
  Nearest anywhere(double lon, double lat, double start_m) const {
    double radius = start_m;
    for (int i = 0; i < 40; ++i) {
      radius *= 4.0;
      const Nearest n = within(lon, lat, radius);
      if (n.edge != kNone) return n;
      if (radius > 4.1e7) break;
    }
    return {};
  }

 private:
  const Graph& g_;
  Boxes boxes_;
  std::vector<std::uint32_t> ids_;
  std::unique_ptr<BoxGrid> grid_;
};

struct SnapState {
  std::vector<std::uint32_t> place_node;  ///< per place, kNone if not attached
  std::vector<std::uint32_t> node_place;  ///< per node, kNone if none
};

SnapState snap_places(const BuildInput& input, const BuildOptions& options, Graph& g,
                      std::vector<PlaceSnap>& snaps, std::vector<BuildIssue>& issues,
                      BuildStats& stats) {
  const std::size_t n = input.places.size();
  SnapState state;
  state.place_node.assign(n, kNone);
  snaps.assign(n, PlaceSnap{});
  struct Request {
    std::uint32_t edge;
    double t;
    std::uint32_t place;
  };
  std::vector<Request> requests;
  std::vector<std::uint32_t> vertex_node(n, kNone);
  const double vertex_tol = std::max(options.merge_tolerance_m, 1e-6);
  {
    const EdgeIndex index(g);
    for (std::uint32_t p = 0; p < n; ++p) {
      const Location& place = input.places[p];
      PlaceSnap& snap = snaps[p];
      snap.name = place.name;
      snap.location = kNone;
      const double lon = place.position.lon, lat = place.position.lat;
      const Nearest near = index.within(lon, lat, options.snap_tolerance_m);
      if (near.edge == kNone) {
        const Nearest far = index.anywhere(lon, lat, options.snap_tolerance_m);
        snap.how = "beyond";
        snap.lon = lon;
        snap.lat = lat;
        snap.distance_m = kNaN;
        if (far.edge != kNone) {
          const Edge& e = g.edges[far.edge];
          snap.lon = g.x[e.u] + far.t * (g.x[e.v] - g.x[e.u]);
          snap.lat = g.y[e.u] + far.t * (g.y[e.v] - g.y[e.u]);
          snap.distance_m = geodesic_distance_km(place.position, {snap.lon, snap.lat}) * 1000.0;
        }
        ++stats.places_beyond;
        BuildIssue issue = make_issue(
            "unsnapped", "places", -1,
            input.places_label + ": place '" + place.name + "' is " +
                (std::isnan(snap.distance_m) ? std::string("far") : metres_text(snap.distance_m)) +
                " from the nearest line, beyond the snap tolerance (" +
                metres_text(options.snap_tolerance_m) + "); not attached");
        issue.name = place.name;
        issue.lon = lon;
        issue.lat = lat;
        issue.distance_m = snap.distance_m;
        issues.push_back(std::move(issue));
        continue;
      }
      const Edge& e = g.edges[near.edge];
      const double fx = g.x[e.u] + near.t * (g.x[e.v] - g.x[e.u]);
      const double fy = g.y[e.u] + near.t * (g.y[e.v] - g.y[e.u]);
      snap.attached = true;
      const double du = local_distance_m(fx, fy, g.x[e.u], g.y[e.u]);
      const double dv = local_distance_m(fx, fy, g.x[e.v], g.y[e.v]);
      if (std::min(du, dv) <= vertex_tol) {
        vertex_node[p] = du <= dv ? e.u : e.v;
        snap.how = "vertex";
        snap.lon = g.x[vertex_node[p]];
        snap.lat = g.y[vertex_node[p]];
      } else {
        requests.push_back({near.edge, near.t, p});
        snap.how = "edge";
        snap.lon = fx;
        snap.lat = fy;
      }
      snap.distance_m = geodesic_distance_km(place.position, {snap.lon, snap.lat}) * 1000.0;
    }
  }
  // Split edges at the feet, in order along each edge.
  std::sort(requests.begin(), requests.end(), [](const Request& a, const Request& b) {
    if (a.edge != b.edge) return a.edge < b.edge;
    if (a.t != b.t) return a.t < b.t;
    return a.place < b.place;
  });
  for (std::size_t i = 0; i < requests.size();) {
    std::size_t j = i;
    while (j < requests.size() && requests[j].edge == requests[i].edge) ++j;
    const Edge e = g.edges[requests[i].edge];
    g.alive[requests[i].edge] = 0;
    std::uint32_t prev = e.u;
    double prev_t = -1.0;
    for (std::size_t k = i; k < j; ++k) {
      const Request& r = requests[k];
      if (r.t == prev_t) {
        vertex_node[r.place] = prev;  // the same foot as the previous place
        continue;
      }
      const std::uint32_t mid = g.add_node(snaps[r.place].lon, snaps[r.place].lat);
      g.add_edge(prev, mid, e.feature);
      vertex_node[r.place] = mid;
      prev = mid;
      prev_t = r.t;
    }
    g.add_edge(prev, e.v, e.feature);
    i = j;
  }
  // Attach: one place per node; a second place on the same node gets a connector.
  state.node_place.assign(g.num_nodes(), kNone);
  for (std::uint32_t p = 0; p < n; ++p) {
    const std::uint32_t node = vertex_node[p];
    if (node == kNone) continue;
    PlaceSnap& snap = snaps[p];
    if (state.node_place[node] == kNone) {
      state.node_place[node] = p;
      state.place_node[p] = node;
      if (snap.how == "vertex") {
        ++stats.places_on_vertex;
      } else {
        ++stats.places_on_edge;
      }
      continue;
    }
    // Which feature does the connector take? That of any live edge at the node.
    std::uint32_t feature = 0;
    for (std::size_t e = 0; e < g.edges.size(); ++e) {
      if (g.alive[e] && (g.edges[e].u == node || g.edges[e].v == node)) {
        feature = g.edges[e].feature;
        break;
      }
    }
    const Location& place = input.places[p];
    const std::uint32_t own = g.add_node(place.position.lon, place.position.lat);
    state.node_place.push_back(p);
    g.add_edge(own, node, feature);
    state.place_node[p] = own;
    const std::string& other = input.places[state.node_place[node]].name;
    snap.how = "shared";
    ++stats.places_shared;
    BuildIssue issue = make_issue(
        "shared_point", "places", -1,
        input.places_label + ": place '" + place.name + "' snaps to the same point as '" + other +
            "'; joined to it by a connector of " + metres_text(snap.distance_m));
    issue.name = place.name;
    issue.lon = place.position.lon;
    issue.lat = place.position.lat;
    issue.distance_m = snap.distance_m;
    issues.push_back(std::move(issue));
  }
  state.node_place.resize(g.num_nodes(), kNone);
  return state;
}

// ------------------------------------------------------------------------------------------
// Step 7: countries and border crossings

struct Countries {
  std::vector<std::string> names;      ///< interned country names; 0 = "" (none)
  std::vector<std::uint32_t> edge;     ///< country of each edge
  std::vector<std::uint32_t> crossing; ///< per node: index into crossings, or kNone
  std::vector<std::uint8_t> kept;      ///< per crossing: a location of its own (no post)
};

Countries find_crossings(const BuildInput& input, const BuildOptions& options,
                         const CountryIndex& index, const Graph& g, const Adjacency& adj,
                         const SnapState& snap, std::vector<BorderCrossing>& crossings,
                         std::vector<BuildIssue>& issues, BuildStats& stats) {
  Countries c;
  c.names.emplace_back();
  std::unordered_map<std::string, std::uint32_t> ids{{"", 0}};
  auto intern = [&](const std::string& name) {
    const auto [it, inserted] = ids.emplace(name, static_cast<std::uint32_t>(c.names.size()));
    if (inserted) c.names.push_back(name);
    return it->second;
  };
  const std::size_t nn = g.num_nodes();
  UnionFind pieces(nn);
  for (std::size_t e = 0; e < g.edges.size(); ++e) {
    if (!g.alive[e]) continue;
    const Edge& ed = g.edges[e];
    if (!g.border[ed.u] && !g.border[ed.v]) pieces.unite(ed.u, ed.v);
  }
  c.edge.assign(g.edges.size(), 0);
  std::vector<std::uint32_t> piece_country(nn, kNone);
  for (std::size_t e = 0; e < g.edges.size(); ++e) {
    if (!g.alive[e]) continue;
    const Edge& ed = g.edges[e];
    const double mx = 0.5 * (g.x[ed.u] + g.x[ed.v]), my = 0.5 * (g.y[ed.u] + g.y[ed.v]);
    if (g.border[ed.u] && g.border[ed.v]) {
      c.edge[e] = intern(index.country_at(mx, my));  // a piece of its own
      continue;
    }
    const std::uint32_t root = pieces.find(g.border[ed.u] ? ed.v : ed.u);
    if (piece_country[root] == kNone) piece_country[root] = intern(index.country_at(mx, my));
    c.edge[e] = piece_country[root];
  }
  // Border-post places.
  std::vector<std::uint32_t> posts;
  for (std::uint32_t p = 0; p < input.places.size(); ++p) {
    if (input.places[p].kind == LocationKind::kBorderCrossing && snap.place_node[p] != kNone) {
      posts.push_back(p);
    }
  }
  const double post_tol = std::isnan(options.border_post_tolerance_m)
                              ? options.snap_tolerance_m
                              : options.border_post_tolerance_m;
  c.crossing.assign(nn, kNone);
  for (std::uint32_t n = 0; n < nn; ++n) {
    if (!g.border[n]) continue;
    std::vector<std::uint32_t> around;
    for (std::uint32_t k = adj.offsets[n]; k < adj.offsets[n + 1]; ++k) {
      const std::uint32_t country = c.edge[adj.edges[k]];
      if (country != 0) around.push_back(country);
    }
    std::sort(around.begin(), around.end(), [&](std::uint32_t a, std::uint32_t b) {
      return c.names[a] < c.names[b];
    });
    around.erase(std::unique(around.begin(), around.end()), around.end());
    if (around.size() < 2) continue;  // touches a boundary but stays in one country
    BorderCrossing crossing;
    crossing.country_a = c.names[around[0]];
    crossing.country_b = c.names[around[1]];
    crossing.lon = g.x[n];
    crossing.lat = g.y[n];
    std::uint32_t best = snap.node_place[n];  // a place right on the crossing stands for it
    double best_m = 0.0;
    for (const std::uint32_t p : best != kNone ? std::vector<std::uint32_t>{} : posts) {
      const LonLat pos = input.places[p].position;
      if (local_distance_m(pos.lon, pos.lat, g.x[n], g.y[n]) > 1.01 * post_tol + 1.0) continue;
      const double d = geodesic_distance_km(pos, {g.x[n], g.y[n]}) * 1000.0;
      if (d <= post_tol && (best == kNone || d < best_m)) {
        best = p;
        best_m = d;
      }
    }
    c.crossing[n] = static_cast<std::uint32_t>(crossings.size());
    if (best != kNone) {
      crossing.post = input.places[best].name;
      crossing.post_distance_m = best_m;
      crossing.location = best;  // places are the first locations, in input order
      ++stats.border_posts_used;
      BuildIssue issue = make_issue(
          "border_post", "places", -1,
          "the " + crossing.country_a + "-" + crossing.country_b + " boundary crossing at (" +
              format_number(crossing.lon, 6) + ", " + format_number(crossing.lat, 6) +
              ") uses border post '" + crossing.post + "', " + metres_text(best_m) + " away");
      issue.name = crossing.post;
      issue.lon = crossing.lon;
      issue.lat = crossing.lat;
      issue.distance_m = best_m;
      issues.push_back(std::move(issue));
    }
    c.kept.push_back(best == kNone ? 1 : 0);
    crossings.push_back(std::move(crossing));
  }
  stats.border_crossings = crossings.size();
  return c;
}

// ------------------------------------------------------------------------------------------
// Steps 8-9: pruning, contraction, the network

std::size_t prune_dead_ends(Graph& g, const std::vector<std::uint8_t>& keep_node) {
  const Adjacency adj(g);
  std::vector<std::uint32_t> degree(g.num_nodes());
  for (std::size_t n = 0; n < g.num_nodes(); ++n) degree[n] = adj.offsets[n + 1] - adj.offsets[n];
  std::vector<std::uint32_t> queue;
  for (std::uint32_t n = 0; n < g.num_nodes(); ++n) {
    if (degree[n] == 1 && !keep_node[n]) queue.push_back(n);
  }
  std::size_t pruned = 0;
  while (!queue.empty()) {
    const std::uint32_t n = queue.back();
    queue.pop_back();
    if (degree[n] != 1) continue;
    for (std::uint32_t k = adj.offsets[n]; k < adj.offsets[n + 1]; ++k) {
      const std::uint32_t e = adj.edges[k];
      if (!g.alive[e]) continue;
      g.alive[e] = 0;
      ++pruned;
      const std::uint32_t other = g.edges[e].u == n ? g.edges[e].v : g.edges[e].u;
      --degree[n];
      --degree[other];
      if (degree[other] == 1 && !keep_node[other]) queue.push_back(other);
      break;
    }
  }
  return pruned;
}

std::string unique_name(std::string base, const NetworkBuilder& builder) {
  if (!builder.find(base)) return base;
  for (int k = 2;; ++k) {
    std::string name = base + " #" + std::to_string(k);
    if (!builder.find(name)) return name;
  }
}

}  // namespace

BuildResult build_network(BuildInput input, const BuildOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  check_options(options);
  const int threads = thread_count(options.threads);
  BuildResult result;
  BuildStats& stats = result.stats;
  std::vector<BuildIssue>& issues = result.issues;
  issues = std::move(input.issues);
  const LineLayer& layer = input.lines;
  stats.line_features = layer.features.size();
  stats.line_parts = layer.part_feature.size();
  stats.places = input.places.size();
  stats.border_shapes = input.borders.size();
  for (const BuildIssue& issue : issues) {
    if (issue.layer == "lines" && issue.kind == "dropped") ++stats.dropped_features;
    if (issue.layer == "lines" && issue.kind == "repaired") ++stats.repaired_features;
  }
  if (input.places.empty()) {
    throw InputError((input.places_label.empty() ? std::string("places") : input.places_label) +
                     ": no places");
  }
  if (input.place_where.size() != input.places.size()) {
    input.place_where.resize(input.places.size());
    for (std::size_t p = 0; p < input.places.size(); ++p) {
      input.place_where[p] = input.places_label + ", place '" + input.places[p].name + "'";
    }
  }
  for (std::size_t p = 0; p < input.places.size(); ++p) {
    const LonLat pos = input.places[p].position;
    if (!(std::abs(pos.lon) <= 180.0) || !(std::abs(pos.lat) <= 90.0)) {
      throw InputError(input.place_where[p] + ", field 'geometry': position (" +
                       format_number(pos.lon, 6) + ", " + format_number(pos.lat, 6) +
                       ") is not a valid longitude/latitude");
    }
  }

  // 1-2. Clean lines, read borders.
  const CleanLines lines = clean_lines(layer, issues, stats);
  stats.segments = lines.x.size() - (lines.offsets.size() - 1);
  if (lines.offsets.size() < 2) {
    throw InputError(layer.label + ": no usable line (" + std::to_string(layer.features.size()) +
                     " feature(s), all dropped: see the report)");
  }
  std::unique_ptr<CountryIndex> countries;
  detail::NoderInput noder_in;
  noder_in.x = &lines.x;
  noder_in.y = &lines.y;
  noder_in.part_offsets = &lines.offsets;
  noder_in.merge_tolerance_m = options.merge_tolerance_m;
  noder_in.threads = threads;
  if (!input.borders.empty()) {
    countries = std::make_unique<CountryIndex>(input.borders, input.borders_label, issues);
    if (countries->empty()) throw InputError(input.borders_label + ": no usable country polygon");
    countries->rings(noder_in.border_x, noder_in.border_y, noder_in.border_offsets);
  }

  // 3-5. Node, merge, edges.
  detail::NoderOutput noded = detail::node_segments(noder_in);
  Graph g = build_graph(lines, noded, layer, options.merge_tolerance_m, issues, stats);
  noded = {};
  stats.graph_nodes = g.num_nodes();
  stats.graph_edges = g.edges.size();

  // 6. Places.
  const SnapState snap = snap_places(input, options, g, result.places, issues, stats);

  // 7. Countries.
  Countries country;
  {
    const Adjacency adj(g);
    if (countries) {
      country = find_crossings(input, options, *countries, g, adj, snap, result.crossings, issues,
                               stats);
    } else {
      country.names.emplace_back();
      country.crossing.assign(g.num_nodes(), kNone);
    }
  }
  country.edge.resize(g.edges.size(), 0);
  auto is_kept_crossing = [&](std::uint32_t n) {
    return country.crossing[n] != kNone && country.kept[country.crossing[n]] != 0;
  };

  // 8. Prune, contract.
  std::vector<std::uint8_t> anchor(g.num_nodes(), 0);  // never pruned, always kept
  for (std::uint32_t n = 0; n < g.num_nodes(); ++n) {
    anchor[n] = snap.node_place[n] != kNone || is_kept_crossing(n) ? 1 : 0;
  }
  if (options.prune_dead_ends) stats.pruned_edges = prune_dead_ends(g, anchor);
  const Adjacency adj(g);
  const auto& features = layer.features;
  auto same_route_kind = [&](std::uint32_t e1, std::uint32_t e2) {
    const LineAttributes& a = features[g.edges[e1].feature];
    const LineAttributes& b = features[g.edges[e2].feature];
    return a.mode == b.mode && a.capacity_per_day == b.capacity_per_day;
  };
  std::vector<std::uint8_t> kept(g.num_nodes(), 0);
  for (std::uint32_t n = 0; n < g.num_nodes(); ++n) {
    const std::uint32_t degree = adj.offsets[n + 1] - adj.offsets[n];
    if (degree == 0) continue;
    kept[n] = !options.contract || anchor[n] || degree != 2 ||
                      !same_route_kind(adj.edges[adj.offsets[n]], adj.edges[adj.offsets[n] + 1])
                  ? 1
                  : 0;
  }
  // Geodesic length of every live edge.
  std::vector<double> edge_km(g.edges.size(), 0.0);
  parallel_blocks(g.edges.size(), threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t e = begin; e < end; ++e) {
      if (!g.alive[e]) continue;
      const Edge& ed = g.edges[e];
      edge_km[e] = geodesic_distance_km({g.x[ed.u], g.y[ed.u]}, {g.x[ed.v], g.y[ed.v]});
    }
  });
  struct Chain {
    std::vector<std::uint32_t> nodes;
    std::vector<std::uint32_t> edges;
  };
  std::vector<Chain> chains;
  std::vector<std::uint8_t> visited(g.edges.size(), 0);
  auto loop_issue = [&](std::uint32_t n, std::size_t edges_in_loop) {
    ++stats.loops_dropped;
    BuildIssue issue = make_issue("loop", "lines", features[g.edges[adj.edges[adj.offsets[n]]].feature].fid,
                                  layer.label + ": a loop of " + std::to_string(edges_in_loop) +
                                      " segment(s) back to (" + format_number(g.x[n], 7) + ", " +
                                      format_number(g.y[n], 7) +
                                      ") with no other junction or place on it; dropped");
    issue.lon = g.x[n];
    issue.lat = g.y[n];
    issues.push_back(std::move(issue));
  };
  auto walk = [&](std::uint32_t start, std::uint32_t first_edge, bool stop_at_start_only) {
    Chain chain;
    chain.nodes.push_back(start);
    std::uint32_t cur = start, e = first_edge;
    while (true) {
      visited[e] = 1;
      chain.edges.push_back(e);
      const std::uint32_t next = g.edges[e].u == cur ? g.edges[e].v : g.edges[e].u;
      chain.nodes.push_back(next);
      if (next == start || (!stop_at_start_only && kept[next])) break;
      std::uint32_t following = kNone;
      for (std::uint32_t k = adj.offsets[next]; k < adj.offsets[next + 1]; ++k) {
        if (!visited[adj.edges[k]]) {
          following = adj.edges[k];
          break;
        }
      }
      if (following == kNone) break;  // cannot happen for a degree-2 node; be safe
      cur = next;
      e = following;
    }
    return chain;
  };
  for (std::uint32_t n = 0; n < g.num_nodes(); ++n) {
    if (!kept[n]) continue;
    for (std::uint32_t k = adj.offsets[n]; k < adj.offsets[n + 1]; ++k) {
      const std::uint32_t e = adj.edges[k];
      if (visited[e]) continue;
      Chain chain = walk(n, e, false);
      if (chain.nodes.back() == n) {
        loop_issue(n, chain.edges.size());
        continue;
      }
      chains.push_back(std::move(chain));
    }
  }
  for (std::uint32_t e = 0; e < g.edges.size(); ++e) {  // rings with no kept node
    if (!g.alive[e] || visited[e]) continue;
    const Chain ring = walk(g.edges[e].u, e, true);
    loop_issue(g.edges[e].u, ring.edges.size());
  }

  // 9. Locations and routes.
  NetworkBuilder builder;
  std::vector<LocationId> node_location(g.num_nodes(), kNone);
  std::vector<LocationId> place_location(input.places.size(), kNone);
  for (std::size_t p = 0; p < input.places.size(); ++p) {
    PlaceSnap& s = result.places[p];
    if (snap.place_node[p] == kNone && !options.keep_unsnapped) continue;
    Location location = input.places[p];
    if (countries && location.country.empty()) {
      location.country = countries->country_at(location.position.lon, location.position.lat);
    }
    place_location[p] = builder.add_location(std::move(location), input.place_where[p]);
    s.location = place_location[p];
    if (snap.place_node[p] != kNone) node_location[snap.place_node[p]] = place_location[p];
  }
  for (BorderCrossing& crossing : result.crossings) {
    if (!crossing.post.empty()) crossing.location = place_location[crossing.location];
  }
  std::unordered_map<std::string, std::size_t> border_counter;
  auto location_of = [&](std::uint32_t n) {
    if (node_location[n] != kNone) return node_location[n];
    Location location;
    location.position = {g.x[n], g.y[n]};
    const std::uint32_t ci = country.crossing[n];
    if (ci != kNone && country.kept[ci]) {
      BorderCrossing& crossing = result.crossings[ci];
      const std::string pair = crossing.country_a + "-" + crossing.country_b;
      location.name = unique_name(pair + " border " + std::to_string(++border_counter[pair]), builder);
      location.kind = LocationKind::kBorderCrossing;
      location.country = crossing.country_a;
      node_location[n] = builder.add_location(std::move(location), "border crossing");
      crossing.location = node_location[n];
      return node_location[n];
    }
    location.name = unique_name("junction " + std::to_string(++stats.junctions), builder);
    location.kind = LocationKind::kTransit;
    for (std::uint32_t k = adj.offsets[n]; k < adj.offsets[n + 1]; ++k) {
      const std::uint32_t c = country.edge[adj.edges[k]];
      if (c != 0) {
        location.country = country.names[c];
        break;
      }
    }
    node_location[n] = builder.add_location(std::move(location), "junction");
    return node_location[n];
  };
  result.route_attributes.reserve(chains.size());
  for (std::size_t r = 0; r < chains.size(); ++r) {
    const Chain& chain = chains[r];
    Route route;
    route.from = location_of(chain.nodes.front());
    route.to = location_of(chain.nodes.back());
    RouteAttributes attrs;
    const std::uint32_t first = g.edges[chain.edges.front()].feature;
    route.mode = features[first].mode;
    route.capacity_per_day = features[first].capacity_per_day;
    double km = 0.0, timed_km = 0.0, hours = 0.0, longest = -1.0;
    for (const std::uint32_t e : chain.edges) {
      const LineAttributes& a = features[g.edges[e].feature];
      km += edge_km[e];
      route.capacity_per_day = std::min(route.capacity_per_day, a.capacity_per_day);
      if (!std::isnan(a.speed_km_h)) {
        timed_km += edge_km[e];
        hours += edge_km[e] / a.speed_km_h;
      }
      if (edge_km[e] > longest) {
        longest = edge_km[e];
        attrs.road_class = a.road_class;
        attrs.source_fid = a.fid;
      }
    }
    attrs.speed_km_h = hours > 0.0 ? timed_km / hours : kNaN;
    std::vector<std::string> pairs;
    for (const std::uint32_t n : chain.nodes) {
      const std::uint32_t ci = country.crossing[n];
      if (ci == kNone) continue;
      std::string pair = result.crossings[ci].country_a + "|" + result.crossings[ci].country_b;
      if (std::find(pairs.begin(), pairs.end(), pair) == pairs.end()) pairs.push_back(std::move(pair));
    }
    for (const std::string& pair : pairs) attrs.border += (attrs.border.empty() ? "" : ";") + pair;
    route.geometry.reserve(chain.nodes.size() + 2);
    auto stub = [&](std::uint32_t n) {
      const std::uint32_t p = snap.node_place[n];
      if (p == kNone) return std::optional<LonLat>{};
      const LonLat pos = input.places[p].position;
      if (local_distance_m(pos.lon, pos.lat, g.x[n], g.y[n]) < 1e-3) return std::optional<LonLat>{};
      return std::optional<LonLat>{pos};
    };
    if (const auto s = stub(chain.nodes.front())) {
      route.geometry.push_back(*s);
      km += geodesic_distance_km(*s, {g.x[chain.nodes.front()], g.y[chain.nodes.front()]});
    }
    for (const std::uint32_t n : chain.nodes) route.geometry.push_back({g.x[n], g.y[n]});
    if (const auto s = stub(chain.nodes.back())) {
      route.geometry.push_back(*s);
      km += geodesic_distance_km(*s, {g.x[chain.nodes.back()], g.y[chain.nodes.back()]});
    }
    route.distance_km = km;
    attrs.segments = static_cast<std::uint32_t>(route.geometry.size() - 1);
    builder.add_route(std::move(route), "built route " + std::to_string(r));
    result.route_attributes.push_back(std::move(attrs));
  }
  stats.locations = builder.num_locations();
  stats.routes = builder.num_routes();
  result.network = builder.build();
  stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

BuildResult build_network(const std::string& lines_path, const std::string& places_path,
                          const std::string& borders_path, const ReadBuildOptions& read_options,
                          const BuildOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  BuildResult result =
      build_network(read_build_input(lines_path, places_path, borders_path, read_options), options);
  result.stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace corridor::geo
