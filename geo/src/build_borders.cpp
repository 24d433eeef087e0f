// corridor::geo (private) — the country index of build_network(), through GEOS: see
// build_internal.hpp.
//
// Design notes:
// - GEOS only through the reentrant API, with a context owned by the index (so one per build
//   call and thread); its error handler keeps the last message for our reports.
// - Repairs, in order: coordinates that are NaN or infinite are removed from their rings (a ring
//   left with fewer than 4 points is removed; a shell so removed drops its polygon), then an
//   invalid shape (self-intersection, bow-tie, ring not closed) goes through GEOSMakeValid and
//   keeps its polygonal parts. Each repair is reported with GEOS's reason.
// - Point-in-country queries go through an STRtree of prepared geometries; "covers", so a point
//   on a boundary belongs to a country (the first in layer order when it is on two).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "build_internal.hpp"
#include "corridor/error.hpp"

#include <geos_c.h>

namespace corridor::geo::detail {

namespace {

void geos_message(const char* message, void* userdata) {
  auto* last = static_cast<std::string*>(userdata);
  try {
    *last = message != nullptr ? message : "";
  } catch (...) {
  }
}

std::string where_of(const std::string& label, std::int64_t fid) {
  return label + " feature " + std::to_string(fid);
}

}  // namespace

struct CountryIndex::Impl {
  GEOSContextHandle_t ctx = nullptr;
  std::string last_error;
  std::vector<GEOSGeometry*> shapes;
  std::vector<const GEOSPreparedGeometry*> prepared;
  std::vector<std::string> countries;
  std::vector<std::size_t> ids;  // stable storage for STRtree items
  GEOSSTRtree* tree = nullptr;
  std::string none;

  Impl() {
    ctx = GEOS_init_r();
    if (ctx == nullptr) throw Error("cannot create a GEOS context");
    GEOSContext_setErrorMessageHandler_r(ctx, &geos_message, &last_error);
    GEOSContext_setNoticeMessageHandler_r(ctx, nullptr, nullptr);
  }
  ~Impl() {
    if (tree != nullptr) GEOSSTRtree_destroy_r(ctx, tree);
    for (const GEOSPreparedGeometry* p : prepared) GEOSPreparedGeom_destroy_r(ctx, p);
    for (GEOSGeometry* g : shapes) GEOSGeom_destroy_r(ctx, g);
    GEOS_finish_r(ctx);
  }

  /// The coordinates of a ring (x, y pairs).
  std::vector<double> ring_coords(const GEOSGeometry* ring) const {
    const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx, ring);
    unsigned int n = 0;
    if (seq == nullptr || GEOSCoordSeq_getSize_r(ctx, seq, &n) == 0) return {};
    std::vector<double> xy(2 * static_cast<std::size_t>(n));
    if (n > 0 && GEOSCoordSeq_copyToBuffer_r(ctx, seq, xy.data(), 0, 0) == 0) return {};
    return xy;
  }

  /// Calls f(ring) for each ring of each polygon of g.
  template <class F>
  void for_each_ring(const GEOSGeometry* g, F&& f) const {
    const int type = GEOSGeomTypeId_r(ctx, g);
    if (type == GEOS_POLYGON) {
      f(GEOSGetExteriorRing_r(ctx, g));
      const int holes = GEOSGetNumInteriorRings_r(ctx, g);
      for (int i = 0; i < holes; ++i) f(GEOSGetInteriorRingN_r(ctx, g, i));
    } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
      const int n = GEOSGetNumGeometries_r(ctx, g);
      for (int i = 0; i < n; ++i) for_each_ring(GEOSGetGeometryN_r(ctx, g, i), f);
    }
  }

  bool all_finite(const GEOSGeometry* g) const {
    bool ok = true;
    for_each_ring(g, [&](const GEOSGeometry* ring) {
      for (double v : ring_coords(ring)) ok = ok && std::isfinite(v);
    });
    return ok;
  }

  /// A ring from the finite coordinates of `ring`, closed; nullptr if fewer than 4 points.
  GEOSGeometry* finite_ring(const GEOSGeometry* ring) const {
    const std::vector<double> xy = ring_coords(ring);
    std::vector<double> kept;
    for (std::size_t i = 0; i + 1 < xy.size(); i += 2) {
      if (std::isfinite(xy[i]) && std::isfinite(xy[i + 1])) {
        kept.push_back(xy[i]);
        kept.push_back(xy[i + 1]);
      }
    }
    if (kept.size() >= 2 && (kept[0] != kept[kept.size() - 2] || kept[1] != kept.back())) {
      kept.push_back(kept[0]);
      kept.push_back(kept[1]);
    }
    if (kept.size() < 8) return nullptr;
    GEOSCoordSequence* seq = GEOSCoordSeq_copyFromBuffer_r(
        ctx, kept.data(), static_cast<unsigned int>(kept.size() / 2), 0, 0);
    return seq != nullptr ? GEOSGeom_createLinearRing_r(ctx, seq) : nullptr;
  }

  /// Polygons rebuilt from finite coordinates, appended to `out`.
  void finite_polygons(const GEOSGeometry* g, std::vector<GEOSGeometry*>& out) const {
    const int type = GEOSGeomTypeId_r(ctx, g);
    if (type == GEOS_POLYGON) {
      GEOSGeometry* shell = finite_ring(GEOSGetExteriorRing_r(ctx, g));
      if (shell == nullptr) return;
      std::vector<GEOSGeometry*> holes;
      const int n = GEOSGetNumInteriorRings_r(ctx, g);
      for (int i = 0; i < n; ++i) {
        if (GEOSGeometry* hole = finite_ring(GEOSGetInteriorRingN_r(ctx, g, i))) holes.push_back(hole);
      }
      GEOSGeometry* polygon = GEOSGeom_createPolygon_r(ctx, shell, holes.data(),
                                                       static_cast<unsigned int>(holes.size()));
      if (polygon != nullptr) out.push_back(polygon);
    } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
      const int n = GEOSGetNumGeometries_r(ctx, g);
      for (int i = 0; i < n; ++i) finite_polygons(GEOSGetGeometryN_r(ctx, g, i), out);
    }
  }

  /// Clones of the polygonal parts of g, appended to `out`.
  void polygon_parts(const GEOSGeometry* g, std::vector<GEOSGeometry*>& out) const {
    const int type = GEOSGeomTypeId_r(ctx, g);
    if (type == GEOS_POLYGON) {
      if (GEOSisEmpty_r(ctx, g) == 0) out.push_back(GEOSGeom_clone_r(ctx, g));
    } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
      const int n = GEOSGetNumGeometries_r(ctx, g);
      for (int i = 0; i < n; ++i) polygon_parts(GEOSGetGeometryN_r(ctx, g, i), out);
    }
  }

  /// A MultiPolygon of `parts` (taking them), or nullptr if there are none.
  GEOSGeometry* multi(std::vector<GEOSGeometry*>& parts) const {
    if (parts.empty()) return nullptr;
    GEOSGeometry* g = GEOSGeom_createCollection_r(ctx, GEOS_MULTIPOLYGON, parts.data(),
                                                  static_cast<unsigned int>(parts.size()));
    parts.clear();
    return g;
  }
};

CountryIndex::CountryIndex(const std::vector<CountryShape>& shapes, const std::string& label,
                           std::vector<BuildIssue>& issues)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  GEOSWKBReader* reader = GEOSWKBReader_create_r(m.ctx);
  auto issue = [&](const CountryShape& shape, std::string kind, std::string message) {
    BuildIssue i;
    i.kind = std::move(kind);
    i.layer = "borders";
    i.feature = shape.fid;
    i.name = shape.country;
    i.message = where_of(label, shape.fid) + " (" + shape.country + "): " + std::move(message);
    issues.push_back(std::move(i));
  };
  for (const CountryShape& shape : shapes) {
    GEOSGeometry* g = GEOSWKBReader_read_r(m.ctx, reader, shape.wkb.data(), shape.wkb.size());
    if (g == nullptr) {
      issue(shape, "dropped", "unreadable geometry (" + m.last_error + "); dropped");
      continue;
    }
    std::vector<std::string> repairs;
    if (!m.all_finite(g)) {
      std::vector<GEOSGeometry*> parts;
      m.finite_polygons(g, parts);
      GEOSGeom_destroy_r(m.ctx, g);
      g = m.multi(parts);
      repairs.emplace_back("NaN or infinite coordinates removed");
      if (g == nullptr) {
        issue(shape, "dropped", "no polygon left after removing NaN or infinite coordinates; dropped");
        continue;
      }
    }
    if (GEOSisValid_r(m.ctx, g) != 1) {
      char* reason = GEOSisValidReason_r(m.ctx, g);
      std::string why = reason != nullptr ? reason : "invalid";
      GEOSFree_r(m.ctx, reason);
      GEOSGeometry* fixed = GEOSMakeValid_r(m.ctx, g);
      GEOSGeom_destroy_r(m.ctx, g);
      g = nullptr;
      if (fixed != nullptr) {
        std::vector<GEOSGeometry*> parts;
        m.polygon_parts(fixed, parts);
        GEOSGeom_destroy_r(m.ctx, fixed);
        g = m.multi(parts);
      }
      if (g == nullptr) {
        issue(shape, "dropped", "invalid (" + why + ") and GEOSMakeValid left no polygon; dropped");
        continue;
      }
      repairs.push_back("invalid (" + why + "), repaired with GEOSMakeValid");
    }
    if (!repairs.empty()) {
      std::string text;
      for (const std::string& r : repairs) text += (text.empty() ? "" : "; ") + r;
      issue(shape, "repaired", text);
    }
    m.shapes.push_back(g);
    m.countries.push_back(shape.country);
  }
  GEOSWKBReader_destroy_r(m.ctx, reader);
  m.tree = GEOSSTRtree_create_r(m.ctx, 10);
  m.ids.resize(m.shapes.size());
  for (std::size_t i = 0; i < m.shapes.size(); ++i) {
    m.ids[i] = i;
    m.prepared.push_back(GEOSPrepare_r(m.ctx, m.shapes[i]));
    GEOSSTRtree_insert_r(m.ctx, m.tree, m.shapes[i], &m.ids[i]);
  }
}

CountryIndex::~CountryIndex() = default;

bool CountryIndex::empty() const noexcept { return impl_->shapes.empty(); }

void CountryIndex::rings(std::vector<double>& x, std::vector<double>& y,
                         std::vector<std::uint32_t>& offsets) const {
  const Impl& m = *impl_;
  for (const GEOSGeometry* g : m.shapes) {
    m.for_each_ring(g, [&](const GEOSGeometry* ring) {
      const std::vector<double> xy = m.ring_coords(ring);
      if (xy.size() < 4) return;
      for (std::size_t i = 0; i + 1 < xy.size(); i += 2) {
        x.push_back(xy[i]);
        y.push_back(xy[i + 1]);
      }
      offsets.push_back(static_cast<std::uint32_t>(x.size()));
    });
  }
}

const std::string& CountryIndex::country_at(double lon, double lat) const {
  const Impl& m = *impl_;
  if (m.shapes.empty()) return m.none;
  GEOSGeometry* point = GEOSGeom_createPointFromXY_r(m.ctx, lon, lat);
  if (point == nullptr) return m.none;
  struct Query {
    const Impl* m;
    const GEOSGeometry* point;
    std::size_t best;
  } q{&m, point, m.shapes.size()};
  GEOSSTRtree_query_r(
      m.ctx, m.tree, point,
      [](void* item, void* userdata) {
        auto* query = static_cast<Query*>(userdata);
        const std::size_t id = *static_cast<const std::size_t*>(item);
        if (id < query->best &&
            GEOSPreparedCovers_r(query->m->ctx, query->m->prepared[id], query->point) == 1) {
          query->best = id;
        }
      },
      &q);
  GEOSGeom_destroy_r(m.ctx, point);
  return q.best < m.shapes.size() ? m.countries[q.best] : m.none;
}

}  // namespace corridor::geo::detail
