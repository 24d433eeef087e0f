// corridor::geo (private) — pieces of build_network(): the segment noder, a uniform grid over
// boxes, a union-find, ground scales, and the country index (GEOS).
//
// Design notes: everything here works on flat arrays of lon/lat degrees. Distances that are
// compared with tolerances use a local scale (metres per degree at the point's latitude on
// WGS84), which is within 0.1% of the geodesic for the short distances tolerances are about;
// lengths that end up in a network are geodesic (geodesic.hpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "corridor/geo/build_network.hpp"

namespace corridor::geo::detail {

inline constexpr std::uint32_t kNone = 0xFFFFFFFFu;
inline constexpr double kPi = 3.14159265358979323846;

/// Metres per degree of latitude at latitude `lat_deg` on WGS84.
inline double metres_per_deg_lat(double lat_deg) {
  const double phi = lat_deg * kPi / 180.0;
  return 111132.954 - 559.822 * std::cos(2 * phi) + 1.175 * std::cos(4 * phi);
}
/// Metres per degree of longitude at latitude `lat_deg` on WGS84 (>= 1 m, even at the poles).
inline double metres_per_deg_lon(double lat_deg) {
  const double phi = std::min(std::abs(lat_deg), 89.99) * kPi / 180.0;
  return std::max(1.0, 111412.84 * std::cos(phi) - 93.5 * std::cos(3 * phi));
}

/// Distance in metres from p to segment ab and the parameter of the nearest point, in a local
/// scale at p's latitude.
struct Foot {
  double distance_m;
  double t;  ///< in [0, 1]
};
inline Foot foot_on_segment(double px, double py, double ax, double ay, double bx, double by) {
  const double kx = metres_per_deg_lon(py);
  const double ky = metres_per_deg_lat(py);
  const double ux = (ax - px) * kx, uy = (ay - py) * ky;
  const double dx = (bx - ax) * kx, dy = (by - ay) * ky;
  const double len2 = dx * dx + dy * dy;
  double t = len2 > 0.0 ? -(ux * dx + uy * dy) / len2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  const double fx = ux + t * dx, fy = uy + t * dy;
  return {std::sqrt(fx * fx + fy * fy), t};
}

/// Ground distance in metres between two nearby points (local scale at a's latitude).
inline double local_distance_m(double ax, double ay, double bx, double by) {
  const double dx = (bx - ax) * metres_per_deg_lon(0.5 * (ay + by));
  const double dy = (by - ay) * metres_per_deg_lat(0.5 * (ay + by));
  return std::sqrt(dx * dx + dy * dy);
}

/// Union-find whose root is always the smallest index of the set.
class UnionFind {
 public:
  explicit UnionFind(std::size_t n) : parent_(n) {
    for (std::size_t i = 0; i < n; ++i) parent_[i] = static_cast<std::uint32_t>(i);
  }
  std::uint32_t find(std::uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  /// Joins the sets; returns true if they were different.
  bool unite(std::uint32_t a, std::uint32_t b) {
    a = find(a);
    b = find(b);
    if (a == b) return false;
    if (a < b) {
      parent_[b] = a;
    } else {
      parent_[a] = b;
    }
    return true;
  }
  std::size_t size() const noexcept { return parent_.size(); }

 private:
  std::vector<std::uint32_t> parent_;
};

/// Axis-aligned boxes of items, in degrees.
struct Boxes {
  std::vector<double> min_x, min_y, max_x, max_y;
  std::size_t size() const noexcept { return min_x.size(); }
  void push(double x0, double y0, double x1, double y1) {
    min_x.push_back(x0);
    min_y.push_back(y0);
    max_x.push_back(x1);
    max_y.push_back(y1);
  }
};

/// A uniform grid of cells, each listing the items whose box overlaps it (CSR).
class BoxGrid {
 public:
  /// @param boxes  the items; @param cells_per_item  about how many cells per item to aim for
  explicit BoxGrid(const Boxes& boxes, double cells_per_item = 1.0);

  std::uint32_t cell_x(double x) const noexcept {
    const double c = std::floor((x - x0_) * inv_);
    return static_cast<std::uint32_t>(std::clamp(c, 0.0, static_cast<double>(nx_ - 1)));
  }
  std::uint32_t cell_y(double y) const noexcept {
    const double c = std::floor((y - y0_) * inv_);
    return static_cast<std::uint32_t>(std::clamp(c, 0.0, static_cast<double>(ny_ - 1)));
  }
  std::uint32_t nx() const noexcept { return nx_; }
  std::uint32_t ny() const noexcept { return ny_; }
  std::size_t num_cells() const noexcept { return static_cast<std::size_t>(nx_) * ny_; }
  double cell_size() const noexcept { return 1.0 / inv_; }
  /// Items of cell (ix, iy), ascending.
  const std::uint32_t* begin(std::size_t cell) const noexcept { return items_.data() + offsets_[cell]; }
  const std::uint32_t* end(std::size_t cell) const noexcept {
    return items_.data() + offsets_[cell + 1];
  }
  std::size_t count(std::size_t cell) const noexcept { return offsets_[cell + 1] - offsets_[cell]; }

 private:
  double x0_ = 0.0, y0_ = 0.0, inv_ = 1.0;
  std::uint32_t nx_ = 1, ny_ = 1;
  std::vector<std::uint32_t> offsets_;
  std::vector<std::uint32_t> items_;
};

/// Input of the noder. Road parts are polylines of points[offsets[i], offsets[i+1]); border
/// rings likewise in border_points / border_offsets (closed rings, first == last).
struct NoderInput {
  const std::vector<double>* x = nullptr;
  const std::vector<double>* y = nullptr;
  const std::vector<std::uint32_t>* part_offsets = nullptr;
  std::vector<double> border_x, border_y;
  std::vector<std::uint32_t> border_offsets{0};
  double merge_tolerance_m = 0.0;
  int threads = 1;
};

/// A point inserted into a road segment: `point` is a vertex index (< num vertices) or
/// num_vertices + index into new_x/new_y.
struct Split {
  std::uint32_t segment;  ///< road segment = index of its first vertex
  double t;               ///< position along it, (0, 1)
  std::uint32_t point;
};

struct NoderOutput {
  std::vector<Split> splits;  ///< sorted by segment, then t
  std::vector<double> new_x, new_y;
  std::vector<std::uint8_t> new_on_border;
  std::vector<std::uint32_t> border_vertices;  ///< vertices that lie on a boundary
  /// pairs of points to merge (a line end and the vertex it is joined to)
  std::vector<std::pair<std::uint32_t, std::uint32_t>> joins;
  /// line ends joined to another line (vertex, distance in metres)
  std::vector<std::pair<std::uint32_t, double>> joined;
  std::size_t crossings = 0;
};

/// Finds every crossing, touch and overlap between road segments (and between road segments
/// and boundary segments), and joins line ends to lines within the merge tolerance.
NoderOutput node_segments(const NoderInput& input);

/// Countries by position, from CountryShapes, through GEOS (one context per index; an index is
/// used by one thread). Invalid shapes are repaired with GEOSMakeValid and reported.
class CountryIndex {
 public:
  CountryIndex(const std::vector<CountryShape>& shapes, const std::string& label,
               std::vector<BuildIssue>& issues);
  ~CountryIndex();
  CountryIndex(const CountryIndex&) = delete;
  CountryIndex& operator=(const CountryIndex&) = delete;

  bool empty() const noexcept;
  /// Appends every ring of every shape as a closed polyline.
  void rings(std::vector<double>& x, std::vector<double>& y,
             std::vector<std::uint32_t>& offsets) const;
  /// The country whose shape contains p (the first such shape in layer order), or "".
  const std::string& country_at(double lon, double lat) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace corridor::geo::detail
