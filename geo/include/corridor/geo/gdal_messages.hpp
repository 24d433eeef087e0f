// corridor::geo — GDAL's warnings, kept for the caller.
//
// Design notes: every GDAL call corridor makes runs under a thread-local error handler (see
// geo/src/gdal_support.hpp). Failures (CE_Failure) become IoError or CrsError at once; warnings
// (CE_Warning: a truncated Shapefile field name, a value that did not fit, ...) do not stop the
// work, so they are stored per thread and handed out here. The Python bindings call
// take_warnings() after each geo call and re-raise each message as a Python warning, the way
// pyogrio does. The store keeps at most kMaxStoredWarnings messages per thread between calls.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace corridor::geo {

/// Most warnings kept per thread between two take_warnings() calls; later ones are counted
/// and summarised in one last message.
inline constexpr std::size_t kMaxStoredWarnings = 1000;

/// Returns the GDAL warnings raised on this thread since the last call, oldest first, and
/// clears the store. Each message is GDAL's text, prefixed with what corridor was doing when
/// it is known (e.g. "writing 'out.shp': ...").
std::vector<std::string> take_warnings();

}  // namespace corridor::geo
