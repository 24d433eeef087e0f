// corridor::geo — geodesics on WGS84 through PROJ's geodesic.h (Karney's algorithms).
//
// Design notes:
// - One geod_geodesic for WGS84, initialised once (a function-local static: thread-safe) and
//   only read afterwards, so every function here is thread-safe.
// - densify_geodesic splits the geodesic into n equal arcs (n = ceil(length / max)), computed
//   with geod_inverseline + geod_genposition. Points are returned with longitudes unrolled
//   (GEOD_LONG_UNROLL) so a line across the antimeridian stays continuous: its end may then
//   read b.lon +/- 360. Otherwise both ends are exactly a and b.
#include "corridor/geo/geodesic.hpp"

#include <geodesic.h>

#include <cmath>
#include <cstddef>
#include <sstream>
#include <string>

#include "corridor/error.hpp"

namespace corridor::geo {

namespace {

constexpr double kWgs84A = 6378137.0;                // semi-major axis, m
constexpr double kWgs84F = 1.0 / 298.257223563;     // flattening
constexpr double kMaxDensifyPoints = 10'000'000.0;  // guard against a tiny max_segment_km

const geod_geodesic& wgs84() {
  static const geod_geodesic geodesic = [] {
    geod_geodesic g{};
    geod_init(&g, kWgs84A, kWgs84F);
    return g;
  }();
  return geodesic;
}

std::string format(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

void check_point(LonLat p, const char* what) {
  if (!std::isfinite(p.lat) || p.lat < -90.0 || p.lat > 90.0) {
    throw InputError(std::string("geodesic: latitude of ") + what + " " + format(p.lat) +
                     " is not in [-90, 90]");
  }
  if (!std::isfinite(p.lon) || p.lon < -540.0 || p.lon > 540.0) {
    throw InputError(std::string("geodesic: longitude of ") + what + " " + format(p.lon) +
                     " is not in [-540, 540]");
  }
}

void check_max_segment(double max_segment_km) {
  if (!std::isfinite(max_segment_km) || max_segment_km <= 0.0) {
    throw InputError("densify: max_segment_km " + format(max_segment_km) +
                     " must be finite and > 0");
  }
}

double inverse_m(LonLat a, LonLat b) {
  double s12 = 0.0;
  geod_inverse(&wgs84(), a.lat, a.lon, b.lat, b.lon, &s12, nullptr, nullptr);
  return s12;
}

// Appends the points of the geodesic a -> b after a (a itself is not appended).
void append_geodesic(LonLat a, LonLat b, double max_segment_km, std::vector<LonLat>& out) {
  geod_geodesicline line{};
  geod_inverseline(&line, &wgs84(), a.lat, a.lon, b.lat, b.lon,
                   GEOD_LATITUDE | GEOD_LONGITUDE | GEOD_DISTANCE_IN);
  const double length_m = line.s13;
  const double pieces = std::ceil(length_m / (max_segment_km * 1000.0));
  if (pieces > kMaxDensifyPoints) {
    throw InputError("densify: a " + format(length_m / 1000.0) + " km geodesic cut into " +
                     format(max_segment_km) + " km pieces would need " + format(pieces) +
                     " points");
  }
  const std::size_t n = pieces < 1.0 ? 1 : static_cast<std::size_t>(pieces);
  double lat = 0.0;
  double lon = 0.0;
  for (std::size_t i = 1; i < n; ++i) {
    const double s = length_m * static_cast<double>(i) / static_cast<double>(n);
    geod_genposition(&line, GEOD_LONG_UNROLL, s, &lat, &lon, nullptr, nullptr, nullptr,
                     nullptr, nullptr, nullptr);
    out.push_back({lon, lat});
  }
  // The end: exactly b, shifted by whole turns to continue the unrolled longitudes.
  geod_genposition(&line, GEOD_LONG_UNROLL, length_m, &lat, &lon, nullptr, nullptr, nullptr,
                   nullptr, nullptr, nullptr);
  const double turns = std::round((lon - b.lon) / 360.0);
  out.push_back({b.lon + 360.0 * turns, b.lat});
}

}  // namespace

double geodesic_distance_km(LonLat a, LonLat b) {
  check_point(a, "the first point");
  check_point(b, "the second point");
  return inverse_m(a, b) / 1000.0;
}

double polyline_length_km(std::span<const LonLat> points) {
  for (const LonLat& p : points) check_point(p, "a vertex");
  double total_m = 0.0;
  for (std::size_t i = 1; i < points.size(); ++i) total_m += inverse_m(points[i - 1], points[i]);
  return total_m / 1000.0;
}

std::vector<LonLat> densify_geodesic(LonLat a, LonLat b, double max_segment_km) {
  check_point(a, "the first point");
  check_point(b, "the second point");
  check_max_segment(max_segment_km);
  std::vector<LonLat> out;
  out.push_back(a);
  append_geodesic(a, b, max_segment_km, out);
  return out;
}

std::vector<LonLat> densify_polyline(std::span<const LonLat> points, double max_segment_km) {
  for (const LonLat& p : points) check_point(p, "a vertex");
  check_max_segment(max_segment_km);
  std::vector<LonLat> out;
  if (points.empty()) return out;
  out.reserve(points.size());
  out.push_back(points.front());
  for (std::size_t i = 1; i < points.size(); ++i) {
    // Continue from the (possibly unrolled) last point so the line stays continuous.
    append_geodesic(out.back(), points[i], max_segment_km, out);
  }
  return out;
}

}  // namespace corridor::geo
