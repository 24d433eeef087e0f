// corridor::geo (private) — GDAL plumbing: see gdal_support.hpp.
#include "gdal_support.hpp"

#include <cpl_conv.h>

#include <mutex>
#include <utility>

#include "corridor/error.hpp"
#include "corridor/geo/gdal_messages.hpp"

namespace corridor::geo {

namespace {

struct WarningStore {
  std::vector<std::string> messages;
  std::size_t dropped = 0;
};

WarningStore& warning_store() {
  thread_local WarningStore store;
  return store;
}

}  // namespace

std::vector<std::string> take_warnings() {
  WarningStore& store = warning_store();
  std::vector<std::string> out = std::move(store.messages);
  store.messages.clear();
  if (store.dropped > 0) {
    out.push_back(std::to_string(store.dropped) + " more GDAL warning(s) not shown");
    store.dropped = 0;
  }
  return out;
}

namespace detail {

void ensure_gdal_registered() {
  static std::once_flag once;
  std::call_once(once, [] { GDALAllRegister(); });
}

void store_warning(std::string message) {
  WarningStore& store = warning_store();
  if (store.messages.size() < kMaxStoredWarnings) {
    store.messages.push_back(std::move(message));
  } else {
    ++store.dropped;
  }
}

ErrorCapture::ErrorCapture(std::string context) : context_(std::move(context)) {
  CPLPushErrorHandlerEx(&ErrorCapture::handler, this);
}

ErrorCapture::~ErrorCapture() { CPLPopErrorHandler(); }

void CPL_STDCALL ErrorCapture::handler(CPLErr type, CPLErrorNum /*number*/,
                                       const char* message) {
  auto* self = static_cast<ErrorCapture*>(CPLGetErrorHandlerUserData());
  if (self == nullptr) return;
  std::string text = message != nullptr ? message : "";
  // GDAL messages sometimes end in a newline; keep ours one line each.
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  switch (type) {
    case CE_Failure:
    case CE_Fatal:
      // Allocation can throw, and exceptions must not cross GDAL's C frames.
      try {
        self->failures_.push_back(std::move(text));
      } catch (...) {
      }
      break;
    case CE_Warning:
      try {
        store_warning(self->context_.empty() ? std::move(text) : self->context_ + ": " + text);
      } catch (...) {
      }
      break;
    default:  // CE_None, CE_Debug: not for users
      break;
  }
}

std::string ErrorCapture::message(std::string_view fallback) const {
  if (failures_.empty()) return std::string(fallback);
  // GDAL repeats itself (one message per failed point, say): say each thing once.
  std::string out;
  std::size_t repeats = 0;
  for (std::size_t i = 0; i < failures_.size(); ++i) {
    if (i > 0 && failures_[i] == failures_[i - 1]) {
      ++repeats;
      continue;
    }
    if (repeats > 0) out += " (" + std::to_string(repeats + 1) + " times)";
    repeats = 0;
    if (!out.empty()) out += "; ";
    out += failures_[i];
  }
  if (repeats > 0) out += " (" + std::to_string(repeats + 1) + " times)";
  return out;
}

void ErrorCapture::throw_io(std::string_view context, std::string_view fallback) const {
  std::string text(context);
  text += ": ";
  text += message(fallback);
  throw IoError(text);
}

ThreadConfigOption::ThreadConfigOption(const char* key, const char* value) : key_(key) {
  if (const char* previous = CPLGetThreadLocalConfigOption(key, nullptr)) {
    previous_ = previous;
    had_previous_ = true;
  }
  CPLSetThreadLocalConfigOption(key, value);
}

ThreadConfigOption::~ThreadConfigOption() {
  CPLSetThreadLocalConfigOption(key_.c_str(), had_previous_ ? previous_.c_str() : nullptr);
}

SrsPtr wgs84_lon_lat() {
  SrsPtr srs(new OGRSpatialReference());
  srs->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  ErrorCapture capture;
  if (srs->importFromEPSG(4326) != OGRERR_NONE) {
    throw CrsError("cannot create EPSG:4326 (is PROJ's proj.db installed?): " +
                   capture.message());
  }
  return srs;
}

SrsPtr srs_from_user_input(const std::string& text) {
  SrsPtr srs(new OGRSpatialReference());
  srs->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  ErrorCapture capture;
  if (text.empty() ||
      srs->SetFromUserInput(text.c_str(),
                            OGRSpatialReference::SET_FROM_USER_INPUT_LIMITATIONS_get()) !=
          OGRERR_NONE) {
    throw CrsError("unknown CRS '" + text + "': " + capture.message("not a CRS PROJ knows"));
  }
  return srs;
}

SrsPtr clone_lon_lat(const OGRSpatialReference& srs) {
  SrsPtr copy(srs.Clone());
  if (!copy) throw CrsError("cannot copy a spatial reference");
  copy->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return copy;
}

TransformPtr make_transform(const OGRSpatialReference& from, const OGRSpatialReference& to,
                            std::string_view context) {
  ErrorCapture capture;
  TransformPtr transform(OGRCreateCoordinateTransformation(&from, &to));
  if (!transform) {
    throw CrsError(std::string(context) + ": cannot transform from " + srs_label(from) +
                   " to " + srs_label(to) + ": " + capture.message());
  }
  return transform;
}

std::string srs_label(const OGRSpatialReference& srs) {
  const char* authority = srs.GetAuthorityName(nullptr);
  const char* code = srs.GetAuthorityCode(nullptr);
  if (authority != nullptr && code != nullptr) return std::string(authority) + ":" + code;
  const char* name = srs.GetName();
  if (name != nullptr && *name != '\0' && std::string_view(name) != "unknown") return name;
  char* proj = nullptr;  // a CRS made from a PROJ string is best named by it
  std::string label = "an unnamed CRS";
  {
    ErrorCapture quiet;
    if (srs.exportToProj4(&proj) == OGRERR_NONE && proj != nullptr && *proj != '\0') {
      label = proj;
    }
  }
  CPLFree(proj);
  return label;
}

}  // namespace detail
}  // namespace corridor::geo
