// Geodesics on WGS84 (corridor::geo::geodesic_distance_km, polyline_length_km, densify_*).
//
// Reference values: GeographicLib 2.1 (Python, Geodesic.WGS84.Inverse), Karney's own
// implementation, evaluated independently of PROJ; the first is the example in Karney's
// GeographicLib documentation (JFK to LHR, 5551.759400 km). Tolerance: 0.1 mm.
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "catch.hpp"
#include "corridor/error.hpp"
#include "corridor/geo/geodesic.hpp"

using corridor::InputError;
using corridor::LonLat;
using corridor::test::approx;
namespace geo = corridor::geo;

namespace {

constexpr double kTenthMillimetreKm = 1e-7;
constexpr double kMillimetreKm = 1e-6;

double segments_km(const std::vector<LonLat>& points, double* longest = nullptr) {
  double total = 0.0;
  double max = 0.0;
  for (std::size_t i = 1; i < points.size(); ++i) {
    const double d = geo::geodesic_distance_km(points[i - 1], points[i]);
    total += d;
    max = std::max(max, d);
  }
  if (longest != nullptr) *longest = max;
  return total;
}

}  // namespace

TEST_CASE("geodesic distances match GeographicLib to 0.1 mm", "[geo][geodesic]") {
  struct Case {
    LonLat a, b;
    double km;
  };
  const Case cases[] = {
      {{-73.8, 40.6}, {-0.5, 51.6}, 5551.7594003187},         // JFK - LHR (Karney's example)
      {{0.0, 0.0}, {1.0, 0.0}, 111.3194907933},               // 1 degree of the equator
      {{0.0, 0.0}, {179.5, 0.0}, 19980.8619088910},           // equatorial, nearly antipodal
      {{0.0, 0.0}, {180.0, 0.0}, 20003.9314586254},           // antipodal: half a meridian
      {{0.0, -30.0}, {179.8, 29.9}, 19989.8328276095},        // near-antipodal
      {{0.0, -30.12345}, {179.98, 30.12344}, 20003.8934290013},  // near-antipodal, hard case
      {{179.5, 10.0}, {-179.5, -10.0}, 2214.4810721071},      // across the antimeridian
      {{0.0, 89.9}, {30.0, -89.9}, 19982.3538465762},         // near the poles
  };
  for (const Case& c : cases) {
    CAPTURE(c.a.lon, c.a.lat, c.b.lon, c.b.lat);
    CHECK(geo::geodesic_distance_km(c.a, c.b) == approx(c.km, kTenthMillimetreKm, 0.0));
    CHECK(geo::geodesic_distance_km(c.b, c.a) == approx(c.km, kTenthMillimetreKm, 0.0));
  }
  CHECK(geo::geodesic_distance_km({12.5, 41.9}, {12.5, 41.9}) == 0.0);
  // Longitudes outside [-180, 180] (up to +-540) are the same meridians.
  CHECK(geo::geodesic_distance_km({360.0, 0.0}, {361.0, 0.0}) ==
        approx(111.3194907933, kTenthMillimetreKm, 0.0));
}

TEST_CASE("polyline length sums its geodesic legs", "[geo][geodesic]") {
  const std::vector<LonLat> line = {{0.0, 0.0}, {1.0, 0.0}, {1.0, 1.0}};
  CHECK(geo::polyline_length_km(line) == approx(221.8938793511, kTenthMillimetreKm, 0.0));
  CHECK(geo::polyline_length_km(std::vector<LonLat>{{3.0, 4.0}}) == 0.0);
  CHECK(geo::polyline_length_km(std::vector<LonLat>{}) == 0.0);
}

TEST_CASE("bad coordinates are InputErrors", "[geo][geodesic]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(geo::geodesic_distance_km({0.0, 95.0}, {0.0, 0.0}), InputError);
  CHECK_THROWS_AS(geo::geodesic_distance_km({0.0, 0.0}, {0.0, -90.5}), InputError);
  CHECK_THROWS_AS(geo::geodesic_distance_km({nan, 0.0}, {0.0, 0.0}), InputError);
  CHECK_THROWS_AS(geo::geodesic_distance_km({0.0, 0.0}, {inf, 0.0}), InputError);
  CHECK_THROWS_AS(geo::geodesic_distance_km({600.0, 0.0}, {0.0, 0.0}), InputError);
  CHECK_THROWS_WITH(geo::geodesic_distance_km({0.0, 95.0}, {0.0, 0.0}),
                    corridor::test::contains("latitude") && corridor::test::contains("95"));
  CHECK_THROWS_AS(geo::polyline_length_km(std::vector<LonLat>{{0.0, 0.0}, {0.0, nan}}),
                  InputError);
  CHECK_THROWS_AS(geo::densify_geodesic({0.0, 0.0}, {1.0, 0.0}, 0.0), InputError);
  CHECK_THROWS_AS(geo::densify_geodesic({0.0, 0.0}, {1.0, 0.0}, -5.0), InputError);
  CHECK_THROWS_AS(geo::densify_geodesic({0.0, 0.0}, {1.0, 0.0}, nan), InputError);
  CHECK_THROWS_AS(geo::densify_geodesic({0.0, 0.0}, {180.0, 0.0}, 1e-6), InputError);  // 2e10 pts
}

TEST_CASE("densified geodesics: short segments, exact ends, points on the geodesic",
          "[geo][geodesic]") {
  struct Case {
    LonLat a, b;
    double max_km;
  };
  const Case cases[] = {
      {{-73.8, 40.6}, {-0.5, 51.6}, 100.0},
      {{29.3637, -3.3667}, {30.1, -2.5}, 25.0},
      {{0.0, 0.0}, {179.5, 0.0}, 1000.0},
      {{0.0, -30.0}, {179.8, 29.9}, 500.0},
      {{10.0, 10.0}, {10.5, 10.0}, 100.0},  // shorter than one segment
  };
  for (const Case& c : cases) {
    CAPTURE(c.a.lon, c.a.lat, c.b.lon, c.b.lat, c.max_km);
    const double total = geo::geodesic_distance_km(c.a, c.b);
    const std::vector<LonLat> points = geo::densify_geodesic(c.a, c.b, c.max_km);
    REQUIRE(points.size() >= 2);
    CHECK(points.size() == static_cast<std::size_t>(std::ceil(total / c.max_km)) + 1);
    CHECK(points.front() == c.a);
    CHECK(points.back() == c.b);
    double longest = 0.0;
    CHECK(segments_km(points, &longest) == approx(total, kMillimetreKm, 0.0));
    CHECK(longest <= c.max_km + kMillimetreKm);
    // Equal steps along the line, and every point on it: |a p| + |p b| == |a b|.
    for (std::size_t i = 1; i + 1 < points.size(); ++i) {
      const double from_a = geo::geodesic_distance_km(c.a, points[i]);
      const double to_b = geo::geodesic_distance_km(points[i], c.b);
      CHECK(from_a + to_b == approx(total, kMillimetreKm, 0.0));
      CHECK(from_a == approx(total * static_cast<double>(i) /
                                 static_cast<double>(points.size() - 1),
                             kMillimetreKm, 0.0));
    }
  }
}

TEST_CASE("densify keeps a zero-length geodesic as its two ends", "[geo][geodesic]") {
  const std::vector<LonLat> points = geo::densify_geodesic({5.0, 5.0}, {5.0, 5.0}, 10.0);
  REQUIRE(points.size() == 2);
  CHECK(points[0] == LonLat{5.0, 5.0});
  CHECK(points[1] == LonLat{5.0, 5.0});
}

TEST_CASE("densify keeps longitude continuous across the antimeridian", "[geo][geodesic]") {
  const LonLat a{179.5, 10.0};
  const LonLat b{-179.5, -10.0};
  const std::vector<LonLat> points = geo::densify_geodesic(a, b, 50.0);
  CHECK(points.front() == a);
  CHECK(points.back().lat == b.lat);
  CHECK(points.back().lon == b.lon + 360.0);
  for (std::size_t i = 1; i < points.size(); ++i) {
    CHECK(std::abs(points[i].lon - points[i - 1].lon) < 1.0);
  }
  CHECK(segments_km(points) ==
        approx(geo::geodesic_distance_km(a, b), kMillimetreKm, 0.0));
}

TEST_CASE("densified polylines keep their vertices", "[geo][geodesic]") {
  const std::vector<LonLat> line = {{29.0, -3.0}, {30.0, -3.0}, {30.0, -1.0}, {31.5, -1.2}};
  const double max_km = 20.0;
  const std::vector<LonLat> points = geo::densify_polyline(line, max_km);
  std::size_t next_vertex = 0;
  for (const LonLat& p : points) {
    if (next_vertex < line.size() && p == line[next_vertex]) ++next_vertex;
  }
  CHECK(next_vertex == line.size());
  CHECK(points.front() == line.front());
  CHECK(points.back() == line.back());
  double longest = 0.0;
  CHECK(segments_km(points, &longest) ==
        approx(geo::polyline_length_km(line), kMillimetreKm, 0.0));
  CHECK(longest <= max_km + kMillimetreKm);
  CHECK(geo::densify_polyline(std::vector<LonLat>{}, max_km).empty());
  CHECK(geo::densify_polyline(std::vector<LonLat>{{1.0, 2.0}}, max_km).size() == 1);
}
