// corridor::geo (private) — GDAL plumbing shared by the readers and writers: registration,
// thread-local error capture, RAII handles, spatial references.
//
// Design notes:
// - GDAL reports problems through CPLError, to a per-thread stack of handlers. ErrorCapture
//   pushes one for its lifetime (so nothing is printed to stderr and nothing leaks between
//   threads): CE_Failure messages are collected and turned into IoError/CrsError by the caller,
//   which adds the context GDAL does not know (file, layer, feature); CE_Warning messages go to
//   the thread-local store that corridor::geo::take_warnings() empties.
// - Every OGRSpatialReference made here uses OAMS_TRADITIONAL_GIS_ORDER, so x = longitude and
//   y = latitude whatever the CRS definition says about axis order.
// - Only this header and the geo .cpp files include GDAL.
#pragma once

#include <cpl_error.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace corridor::geo::detail {

/// Registers GDAL's drivers once per process (thread-safe).
void ensure_gdal_registered();

/// Collects GDAL's messages on this thread while alive. Not copyable; nest freely (the
/// innermost capture receives the messages).
class ErrorCapture {
 public:
  /// @param context  prefix for stored warnings, e.g. "reading 'a.gpkg'" (may be empty)
  explicit ErrorCapture(std::string context = {});
  ~ErrorCapture();
  ErrorCapture(const ErrorCapture&) = delete;
  ErrorCapture& operator=(const ErrorCapture&) = delete;

  /// True if a CE_Failure (or CE_Fatal) was reported since construction or the last clear().
  bool failed() const noexcept { return !failures_.empty(); }
  /// The failure messages joined with "; ", or `fallback` if there were none.
  std::string message(std::string_view fallback = "unknown GDAL error") const;
  /// Forgets the failures collected so far.
  void clear() noexcept { failures_.clear(); }

  /// Throws IoError("<context>: <GDAL message or fallback>").
  [[noreturn]] void throw_io(std::string_view context,
                             std::string_view fallback = "unknown GDAL error") const;
  /// Throws IoError as above if a failure was reported.
  void throw_if_failed(std::string_view context) const {
    if (failed()) throw_io(context);
  }

 private:
  static void CPL_STDCALL handler(CPLErr type, CPLErrorNum number, const char* message);
  std::string context_;
  std::vector<std::string> failures_;
};

/// Appends a warning to this thread's store (capped at kMaxStoredWarnings).
void store_warning(std::string message);

struct DatasetCloser {
  void operator()(GDALDataset* dataset) const noexcept {
    // GDALClose returns void in GDAL 3.6 and CPLErr from 3.8: failures reach ErrorCapture.
    if (dataset != nullptr) static_cast<void>(GDALClose(GDALDataset::ToHandle(dataset)));
  }
};
using DatasetPtr = std::unique_ptr<GDALDataset, DatasetCloser>;

struct FeatureDeleter {
  void operator()(OGRFeature* feature) const noexcept { OGRFeature::DestroyFeature(feature); }
};
using FeaturePtr = std::unique_ptr<OGRFeature, FeatureDeleter>;

struct GeometryDeleter {
  void operator()(OGRGeometry* geometry) const noexcept {
    OGRGeometryFactory::destroyGeometry(geometry);
  }
};
using GeometryPtr = std::unique_ptr<OGRGeometry, GeometryDeleter>;

struct TransformDeleter {
  void operator()(OGRCoordinateTransformation* transform) const noexcept {
    OGRCoordinateTransformation::DestroyCT(transform);
  }
};
using TransformPtr = std::unique_ptr<OGRCoordinateTransformation, TransformDeleter>;

/// Sets or clears a GDAL configuration option for this thread only, restoring the previous
/// thread-local value on destruction.
class ThreadConfigOption {
 public:
  ThreadConfigOption(const char* key, const char* value);
  ~ThreadConfigOption();
  ThreadConfigOption(const ThreadConfigOption&) = delete;
  ThreadConfigOption& operator=(const ThreadConfigOption&) = delete;

 private:
  std::string key_;
  std::string previous_;
  bool had_previous_ = false;
};

/// OGRSpatialReference is reference-counted: release, never delete.
struct SrsReleaser {
  void operator()(OGRSpatialReference* srs) const noexcept {
    if (srs != nullptr) srs->Release();
  }
};
using SrsPtr = std::unique_ptr<OGRSpatialReference, SrsReleaser>;

/// EPSG:4326 with longitude first.
SrsPtr wgs84_lon_lat();

/// A CRS from anything PROJ understands ("EPSG:3857", WKT, PROJJSON, a PROJ string), with
/// longitude/easting first; URLs and file names are refused. Throws CrsError naming `text`.
SrsPtr srs_from_user_input(const std::string& text);

/// A copy of `srs` with longitude/easting first.
SrsPtr clone_lon_lat(const OGRSpatialReference& srs);

/// A transformation between two CRSs (both should have traditional axis order), or throws
/// CrsError with `context`.
TransformPtr make_transform(const OGRSpatialReference& from, const OGRSpatialReference& to,
                            std::string_view context);

/// A short human name for a CRS: "EPSG:32633" when it has an authority code, else its name.
std::string srs_label(const OGRSpatialReference& srs);

}  // namespace corridor::geo::detail
