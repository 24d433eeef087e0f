// corridor::geo (private) — the segment noder of build_network(): see build_internal.hpp.
//
// Design notes:
// - Why not GEOSNode: it nodes the whole layer as one geometry (a snap-rounding noder over a
//   single index) and hands back one MultiLineString that has to be taken apart again; on a
//   200k-segment layer that is most of the time shapely + NetworkX spend. Road layers are
//   made of short segments spread over a large area, the case a uniform grid is best at.
// - Each segment's box (grown by the merge tolerance at a line end, for dangles) is listed in
//   every cell it overlaps. A pair of segments is tested only in the cell holding the lower-left
//   corner of the overlap of their boxes, so every pair is tested exactly once with no set of
//   seen pairs; cells are split between threads by estimated work (pairs), and each thread
//   keeps its own results, concatenated in cell order, so the output does not depend on the
//   thread count.
// - Tests use exact orientation signs of doubles: a proper crossing inserts one new point into
//   both segments (the same id, so the two lines share it); an end point lying exactly on the
//   other segment (T-junctions, collinear overlaps) splits it there. Crossing points within
//   1e-9 degrees (0.1 mm) of an end point are taken as that end point.
// - A line end within the merge tolerance of another segment (a dangle: a road drawn to stop
//   just short of the road it meets) is joined to its nearest such segment: to that segment's
//   end point if that is within the tolerance too, else by splitting the segment at the line
//   end itself.
// - Boundary segments are only tested against road segments: a crossing becomes a new point on
//   the road flagged "on a border"; a road vertex lying on a boundary is flagged likewise.
#include <algorithm>
#include <cmath>
#include <thread>
#include <utility>
#include <vector>

#include "build_internal.hpp"

namespace corridor::geo::detail {

BoxGrid::BoxGrid(const Boxes& boxes, double cells_per_item) {
  const std::size_t n = boxes.size();
  offsets_.assign(2, 0);
  if (n == 0) return;
  double x0 = boxes.min_x[0], y0 = boxes.min_y[0], x1 = boxes.max_x[0], y1 = boxes.max_y[0];
  for (std::size_t i = 1; i < n; ++i) {
    x0 = std::min(x0, boxes.min_x[i]);
    y0 = std::min(y0, boxes.min_y[i]);
    x1 = std::max(x1, boxes.max_x[i]);
    y1 = std::max(y1, boxes.max_y[i]);
  }
  // Typical item size: the median of a sample of box extents.
  std::vector<double> extents;
  const std::size_t step = std::max<std::size_t>(1, n / 4096);
  for (std::size_t i = 0; i < n; i += step) {
    extents.push_back(std::max(boxes.max_x[i] - boxes.min_x[i], boxes.max_y[i] - boxes.min_y[i]));
  }
  std::nth_element(extents.begin(), extents.begin() + static_cast<std::ptrdiff_t>(extents.size() / 2),
                   extents.end());
  const double median = extents[extents.size() / 2];
  const double width = std::max(x1 - x0, 1e-9);
  const double height = std::max(y1 - y0, 1e-9);
  double cell = std::sqrt(width * height / (static_cast<double>(n) * cells_per_item));
  cell = std::max(cell, median);
  // At most ~4 cells per item and 2^15 cells a side.
  const double max_cells = 4.0 * static_cast<double>(n) + 16.0;
  while ((width / cell + 1) * (height / cell + 1) > max_cells || width / cell > 32767 ||
         height / cell > 32767) {
    cell *= 1.5;
  }
  if (!(cell > 0.0) || !std::isfinite(cell)) cell = std::max(width, height);
  x0_ = x0;
  y0_ = y0;
  inv_ = 1.0 / cell;
  nx_ = static_cast<std::uint32_t>(std::floor(width / cell)) + 1;
  ny_ = static_cast<std::uint32_t>(std::floor(height / cell)) + 1;
  offsets_.assign(num_cells() + 1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t ax = cell_x(boxes.min_x[i]), bx = cell_x(boxes.max_x[i]);
    const std::uint32_t ay = cell_y(boxes.min_y[i]), by = cell_y(boxes.max_y[i]);
    for (std::uint32_t cy = ay; cy <= by; ++cy) {
      for (std::uint32_t cx = ax; cx <= bx; ++cx) ++offsets_[static_cast<std::size_t>(cy) * nx_ + cx + 1];
    }
  }
  for (std::size_t c = 0; c < num_cells(); ++c) offsets_[c + 1] += offsets_[c];
  items_.resize(offsets_.back());
  std::vector<std::uint32_t> fill(offsets_.begin(), offsets_.end() - 1);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t ax = cell_x(boxes.min_x[i]), bx = cell_x(boxes.max_x[i]);
    const std::uint32_t ay = cell_y(boxes.min_y[i]), by = cell_y(boxes.max_y[i]);
    for (std::uint32_t cy = ay; cy <= by; ++cy) {
      for (std::uint32_t cx = ax; cx <= bx; ++cx) {
        items_[fill[static_cast<std::size_t>(cy) * nx_ + cx]++] = static_cast<std::uint32_t>(i);
      }
    }
  }
}

namespace {

constexpr double kEndEps = 1e-9;  // degrees: a crossing this close to an end point is the end

struct XY {
  double x, y;
  friend bool operator==(const XY&, const XY&) = default;
};

inline double orient(XY a, XY b, XY c) { return (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x); }

inline bool opposite(double p, double q) { return (p > 0 && q < 0) || (p < 0 && q > 0); }

/// c on segment ab, given orient(a, b, c) == 0: inside the box, not an end point.
inline bool inside(XY a, XY b, XY c) {
  return c.x >= std::min(a.x, b.x) && c.x <= std::max(a.x, b.x) && c.y >= std::min(a.y, b.y) &&
         c.y <= std::max(a.y, b.y) && !(c == a) && !(c == b);
}

inline double param(XY a, XY b, XY c) {
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double len2 = dx * dx + dy * dy;
  return len2 > 0.0 ? ((c.x - a.x) * dx + (c.y - a.y) * dy) / len2 : 0.0;
}

struct NewPoint {
  double x, y;
  std::uint32_t seg_a;
  double t_a;
  std::uint32_t seg_b;  // kNone: only seg_a is split (a road-boundary crossing)
  double t_b;
  bool border;
};

struct Dangle {
  std::uint32_t vertex;
  std::uint32_t seg;
  double distance_m;
  double t;
};

struct ThreadOut {
  std::vector<Split> vertex_splits;
  std::vector<NewPoint> new_points;
  std::vector<Dangle> dangles;
  std::vector<std::uint32_t> border_vertices;
  std::size_t crossings = 0;
};

class Noder {
 public:
  explicit Noder(const NoderInput& in) : in_(in), x_(*in.x), y_(*in.y) {
    const auto& offsets = *in.part_offsets;
    const std::size_t parts = offsets.size() - 1;
    is_end_.assign(x_.size(), 0);
    for (std::size_t p = 0; p < parts; ++p) {
      const std::uint32_t a = offsets[p], b = offsets[p + 1];
      if (b - a < 2) continue;
      is_end_[a] = 1;
      is_end_[b - 1] = 1;
      for (std::uint32_t v = a; v + 1 < b; ++v) {
        seg_first_.push_back(v);
        seg_part_.push_back(static_cast<std::uint32_t>(p));
      }
    }
    roads_ = seg_first_.size();
    for (std::size_t r = 0; r + 1 < in.border_offsets.size(); ++r) {
      for (std::uint32_t v = in.border_offsets[r]; v + 1 < in.border_offsets[r + 1]; ++v) {
        seg_first_.push_back(v);
        seg_part_.push_back(kNone);
      }
    }
    tol_ = in.merge_tolerance_m;
    boxes_.min_x.reserve(seg_first_.size());
    boxes_.min_y.reserve(seg_first_.size());
    boxes_.max_x.reserve(seg_first_.size());
    boxes_.max_y.reserve(seg_first_.size());
    for (std::size_t s = 0; s < seg_first_.size(); ++s) {
      const XY a = a_of(s), b = b_of(s);
      double gx = 0.0, gy = 0.0;
      if (s < roads_ && tol_ > 0.0 && (is_end_[seg_first_[s]] || is_end_[seg_first_[s] + 1])) {
        gy = tol_ / 110000.0;
        gx = tol_ / metres_per_deg_lon(std::max(std::abs(a.y), std::abs(b.y)) + gy);
      }
      boxes_.push(std::min(a.x, b.x) - gx, std::min(a.y, b.y) - gy, std::max(a.x, b.x) + gx,
                  std::max(a.y, b.y) + gy);
    }
  }

  NoderOutput run() {
    NoderOutput out;
    if (roads_ == 0) return out;
    const BoxGrid grid(boxes_);
    // Split the cells between threads by estimated work.
    const std::size_t cells = grid.num_cells();
    std::vector<double> cost(cells + 1, 0.0);
    for (std::size_t c = 0; c < cells; ++c) {
      const double k = static_cast<double>(grid.count(c));
      cost[c + 1] = cost[c] + k * k + 1.0;
    }
    const int threads = std::max(1, in_.threads);
    std::vector<std::size_t> cut(static_cast<std::size_t>(threads) + 1, cells);
    cut[0] = 0;
    for (int t = 1; t < threads; ++t) {
      const double target = cost[cells] * t / threads;
      cut[static_cast<std::size_t>(t)] = static_cast<std::size_t>(
          std::lower_bound(cost.begin(), cost.end(), target) - cost.begin());
      cut[static_cast<std::size_t>(t)] =
          std::clamp(cut[static_cast<std::size_t>(t)], cut[static_cast<std::size_t>(t) - 1], cells);
    }
    std::vector<ThreadOut> outs(static_cast<std::size_t>(threads));
    auto work = [&](std::size_t t) {
      for (std::size_t c = cut[t]; c < cut[t + 1]; ++c) cell_pairs(grid, c, outs[t]);
    };
    if (threads == 1) {
      work(0);
    } else {
      std::vector<std::thread> pool;
      for (std::size_t t = 1; t < outs.size(); ++t) pool.emplace_back(work, t);
      work(0);
      for (std::thread& th : pool) th.join();
    }
    const std::uint32_t base = static_cast<std::uint32_t>(x_.size());
    std::vector<Dangle> dangles;
    for (ThreadOut& o : outs) {
      out.crossings += o.crossings;
      out.splits.insert(out.splits.end(), o.vertex_splits.begin(), o.vertex_splits.end());
      for (const NewPoint& p : o.new_points) {
        const auto id = static_cast<std::uint32_t>(base + out.new_x.size());
        out.new_x.push_back(p.x);
        out.new_y.push_back(p.y);
        out.new_on_border.push_back(p.border ? 1 : 0);
        out.splits.push_back({p.seg_a, p.t_a, id});
        if (p.seg_b != kNone) out.splits.push_back({p.seg_b, p.t_b, id});
      }
      out.border_vertices.insert(out.border_vertices.end(), o.border_vertices.begin(),
                                 o.border_vertices.end());
      dangles.insert(dangles.end(), o.dangles.begin(), o.dangles.end());
    }
    // Each dangling end joins its nearest segment only.
    std::sort(dangles.begin(), dangles.end(), [](const Dangle& a, const Dangle& b) {
      if (a.vertex != b.vertex) return a.vertex < b.vertex;
      if (a.distance_m != b.distance_m) return a.distance_m < b.distance_m;
      return a.seg < b.seg;
    });
    for (std::size_t i = 0; i < dangles.size(); ++i) {
      if (i > 0 && dangles[i].vertex == dangles[i - 1].vertex) continue;
      const Dangle& d = dangles[i];
      const std::uint32_t c = seg_first_[d.seg], e = d.vertex;
      const double to_c = local_distance_m(x_[e], y_[e], x_[c], y_[c]);
      const double to_d = local_distance_m(x_[e], y_[e], x_[c + 1], y_[c + 1]);
      out.joined.emplace_back(e, d.distance_m);
      if (std::min(to_c, to_d) <= tol_) {
        const std::uint32_t target = to_c <= to_d ? c : c + 1;
        out.joins.emplace_back(e, target);
        // Two line ends this close are merged anyway (and reported so): not a dangle.
        if (is_end_[target]) out.joined.pop_back();
      } else {
        out.splits.push_back({d.seg, d.t, e});
      }
    }
    std::sort(out.splits.begin(), out.splits.end(), [](const Split& a, const Split& b) {
      if (a.segment != b.segment) return a.segment < b.segment;
      if (a.t != b.t) return a.t < b.t;
      return a.point < b.point;
    });
    // Splits are keyed by segment index here; callers want the segment's first vertex.
    for (Split& s : out.splits) s.segment = seg_first_[s.segment];
    std::sort(out.border_vertices.begin(), out.border_vertices.end());
    out.border_vertices.erase(std::unique(out.border_vertices.begin(), out.border_vertices.end()),
                              out.border_vertices.end());
    return out;
  }

 private:
  XY a_of(std::size_t s) const {
    const std::uint32_t v = seg_first_[s];
    return s < roads_ ? XY{x_[v], y_[v]} : XY{in_.border_x[v], in_.border_y[v]};
  }
  XY b_of(std::size_t s) const {
    const std::uint32_t v = seg_first_[s] + 1;
    return s < roads_ ? XY{x_[v], y_[v]} : XY{in_.border_x[v], in_.border_y[v]};
  }

  void cell_pairs(const BoxGrid& grid, std::size_t cell, ThreadOut& out) const {
    const std::uint32_t cx = static_cast<std::uint32_t>(cell % grid.nx());
    const std::uint32_t cy = static_cast<std::uint32_t>(cell / grid.nx());
    const std::uint32_t* first = grid.begin(cell);
    const std::uint32_t* last = grid.end(cell);
    for (const std::uint32_t* i = first; i != last; ++i) {
      if (*i >= roads_) break;  // items ascend: the rest are boundary segments
      const double ix0 = boxes_.min_x[*i], iy0 = boxes_.min_y[*i];
      const double ix1 = boxes_.max_x[*i], iy1 = boxes_.max_y[*i];
      for (const std::uint32_t* j = i + 1; j != last; ++j) {
        const double jx0 = boxes_.min_x[*j], jy0 = boxes_.min_y[*j];
        if (jx0 > ix1 || jy0 > iy1 || boxes_.max_x[*j] < ix0 || boxes_.max_y[*j] < iy0) continue;
        if (grid.cell_x(std::max(ix0, jx0)) != cx || grid.cell_y(std::max(iy0, jy0)) != cy) {
          continue;  // tested in another cell
        }
        if (*j < roads_) {
          road_pair(*i, *j, out);
        } else {
          border_pair(*i, *j, out);
        }
      }
    }
  }

  void road_pair(std::uint32_t s, std::uint32_t t, ThreadOut& out) const {
    const XY a = a_of(s), b = b_of(s), c = a_of(t), d = b_of(t);
    const std::uint32_t va = seg_first_[s], vc = seg_first_[t];
    const double d1 = orient(a, b, c), d2 = orient(a, b, d);
    const double d3 = orient(c, d, a), d4 = orient(c, d, b);
    if (opposite(d1, d2) && opposite(d3, d4)) {
      const double ts = d3 / (d3 - d4);
      const double tt = d1 / (d1 - d2);
      const double len_s = std::hypot(b.x - a.x, b.y - a.y);
      const double len_t = std::hypot(d.x - c.x, d.y - c.y);
      ++out.crossings;
      if (ts * len_s <= kEndEps) {
        out.vertex_splits.push_back({t, tt, va});
      } else if ((1 - ts) * len_s <= kEndEps) {
        out.vertex_splits.push_back({t, tt, va + 1});
      } else if (tt * len_t <= kEndEps) {
        out.vertex_splits.push_back({s, ts, vc});
      } else if ((1 - tt) * len_t <= kEndEps) {
        out.vertex_splits.push_back({s, ts, vc + 1});
      } else {
        out.new_points.push_back(
            {a.x + ts * (b.x - a.x), a.y + ts * (b.y - a.y), s, ts, t, tt, false});
      }
      return;
    }
    // Touches and collinear overlaps: an end point lying on the other segment.
    bool touched = false;
    if (d1 == 0.0 && inside(a, b, c)) {
      out.vertex_splits.push_back({s, param(a, b, c), vc});
      touched = true;
    }
    if (d2 == 0.0 && inside(a, b, d)) {
      out.vertex_splits.push_back({s, param(a, b, d), vc + 1});
      touched = true;
    }
    if (d3 == 0.0 && inside(c, d, a)) {
      out.vertex_splits.push_back({t, param(c, d, a), va});
      touched = true;
    }
    if (d4 == 0.0 && inside(c, d, b)) {
      out.vertex_splits.push_back({t, param(c, d, b), va + 1});
      touched = true;
    }
    if (touched) ++out.crossings;
    if (tol_ <= 0.0) return;
    const bool adjacent = seg_part_[s] == seg_part_[t] && (t == s + 1 || s == t + 1);
    if (adjacent) return;
    dangle(va, a, c, d, t, d3, out);
    dangle(va + 1, b, c, d, t, d4, out);
    dangle(vc, c, a, b, s, d1, out);
    dangle(vc + 1, d, a, b, s, d2, out);
  }

  /// Line end e (vertex v) near segment seg (p, q)?
  void dangle(std::uint32_t v, XY e, XY p, XY q, std::uint32_t seg, double side,
              ThreadOut& out) const {
    if (!is_end_[v] || e == p || e == q) return;
    if (side == 0.0 && inside(p, q, e)) return;  // already on it
    const Foot f = foot_on_segment(e.x, e.y, p.x, p.y, q.x, q.y);
    if (f.distance_m <= tol_) out.dangles.push_back({v, seg, f.distance_m, f.t});
  }

  void border_pair(std::uint32_t s, std::uint32_t t, ThreadOut& out) const {
    const XY a = a_of(s), b = b_of(s), c = a_of(t), d = b_of(t);
    const std::uint32_t va = seg_first_[s];
    const double d1 = orient(a, b, c), d2 = orient(a, b, d);
    const double d3 = orient(c, d, a), d4 = orient(c, d, b);
    if (opposite(d1, d2) && opposite(d3, d4)) {
      const double ts = d3 / (d3 - d4);
      const double len_s = std::hypot(b.x - a.x, b.y - a.y);
      if (ts * len_s <= kEndEps) {
        out.border_vertices.push_back(va);
      } else if ((1 - ts) * len_s <= kEndEps) {
        out.border_vertices.push_back(va + 1);
      } else {
        out.new_points.push_back(
            {a.x + ts * (b.x - a.x), a.y + ts * (b.y - a.y), s, ts, kNone, 0.0, true});
      }
      return;
    }
    if (d1 == 0.0 && inside(a, b, c)) out.new_points.push_back({c.x, c.y, s, param(a, b, c), kNone, 0.0, true});
    if (d2 == 0.0 && inside(a, b, d)) out.new_points.push_back({d.x, d.y, s, param(a, b, d), kNone, 0.0, true});
    if (d3 == 0.0 && (inside(c, d, a) || a == c || a == d)) out.border_vertices.push_back(va);
    if (d4 == 0.0 && (inside(c, d, b) || b == c || b == d)) out.border_vertices.push_back(va + 1);
  }

  const NoderInput& in_;
  const std::vector<double>& x_;
  const std::vector<double>& y_;
  std::vector<std::uint8_t> is_end_;
  std::vector<std::uint32_t> seg_first_;
  std::vector<std::uint32_t> seg_part_;
  std::size_t roads_ = 0;
  double tol_ = 0.0;
  Boxes boxes_;
};

}  // namespace

NoderOutput node_segments(const NoderInput& input) { return Noder(input).run(); }

}  // namespace corridor::geo::detail
