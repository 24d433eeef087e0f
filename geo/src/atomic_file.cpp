// corridor::geo — atomic output files: see atomic_file.hpp.
//
// Design notes:
// - The temporary is ".<stem>.tmp-<pid>-<random>.<ext>" in the target's folder: hidden, on the
//   same file system (so rename is atomic), and with the target's extension so that GDAL picks
//   the same driver and names a Shapefile's sidecars after it.
// - Sidecars are handled per main extension only (.shp: .shx .dbf .prj .cpg .qix .sbn .sbx;
//   .csv: .csvt .prj), never by guessing, so committing "out.gpkg" can never touch an unrelated
//   "out.dbf". On commit each sidecar the driver wrote replaces the target's; a sidecar the
//   target had but the new file has not (a stale .qix index, say) is removed, since it would
//   describe the old file. The main file is renamed last.
// - Several targets cannot be renamed as one atomic step: each file is atomic on its own, and
//   a failure half-way leaves the earlier targets new and the later ones old.
#include "corridor/geo/atomic_file.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <random>
#include <span>
#include <string_view>
#include <system_error>

#include "corridor/error.hpp"
#include "text.hpp"

namespace corridor::geo {

namespace fs = std::filesystem;

namespace {

using detail::lower;

constexpr std::array<std::string_view, 7> kShapefileSidecars = {".shx", ".dbf", ".prj", ".cpg",
                                                                ".qix", ".sbn", ".sbx"};
constexpr std::array<std::string_view, 2> kCsvSidecars = {".csvt", ".prj"};
// Scratch files a driver may leave next to the temporary when interrupted (SQLite/GeoPackage
// journals, FlatGeobuf's unsorted copy while it builds its index): removed with it.
constexpr std::array<std::string_view, 4> kScratchSuffixes = {"-wal", "-shm", "-journal",
                                                              "_temp.fgb"};

// Sidecar extensions that travel with a file of this (main) extension.
std::span<const std::string_view> sidecars_of(const fs::path& path) {
  const std::string ext = lower(path.extension().string());
  if (ext == ".shp") return kShapefileSidecars;
  if (ext == ".csv") return kCsvSidecars;
  return {};
}

// `path` with its extension replaced by `ext`, upper-cased when the main extension is
// upper-case ("OUT.SHP" -> "OUT.SHX"), as the Shapefile driver does.
fs::path with_extension(fs::path path, std::string_view ext) {
  const std::string current = path.extension().string();
  std::string replacement(ext);
  const bool upper = current.size() > 1 && std::all_of(current.begin() + 1, current.end(), [](
                                                unsigned char c) { return std::isupper(c); });
  if (upper) {
    std::transform(replacement.begin(), replacement.end(), replacement.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  }
  path.replace_extension(fs::path(replacement));
  return path;
}

std::string random_tag() {
  thread_local std::mt19937_64 engine{std::random_device{}() ^
                                      (static_cast<std::uint64_t>(::getpid()) << 32)};
  constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t bits = engine();
  std::string tag(12, '0');
  for (char& c : tag) {
    c = kHex[bits & 0xF];
    bits >>= 4;
  }
  return std::to_string(::getpid()) + "-" + tag;
}

void remove_quietly(const fs::path& path) noexcept {
  std::error_code ignored;
  fs::remove(path, ignored);
}

void rename_or_throw(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec) {
    throw IoError("cannot rename '" + from.string() + "' to '" + to.string() +
                  "': " + ec.message());
  }
}

}  // namespace

AtomicOutput::~AtomicOutput() {
  if (!committed_) discard();
}

std::string AtomicOutput::add(const std::string& target) {
  const fs::path path(target);
  if (path.filename().empty()) throw IoError("'" + target + "' is not a file name");
  for (const Entry& entry : entries_) {
    if (entry.target == target) throw IoError("'" + target + "' is written twice");
  }
  std::string name(1, '.');
  name += path.stem().string();
  name += ".tmp-";
  name += random_tag();
  name += path.extension().string();
  const fs::path temp = path.has_parent_path() ? path.parent_path() / name : fs::path(name);
  entries_.push_back({target, temp.string()});
  committed_ = false;
  return entries_.back().temp;
}

std::vector<std::string> AtomicOutput::commit() {
  std::vector<std::string> targets;
  targets.reserve(entries_.size());
  // Check first that every temporary exists, so a writer that failed silently cannot replace
  // one target and then stop.
  for (const Entry& entry : entries_) {
    std::error_code ec;
    if (!fs::is_regular_file(entry.temp, ec)) {
      throw IoError("cannot commit '" + entry.target + "': its temporary '" + entry.temp +
                    "' was not written");
    }
  }
  for (const Entry& entry : entries_) {
    const fs::path temp(entry.temp);
    const fs::path target(entry.target);
    for (std::string_view ext : sidecars_of(target)) {
      const fs::path temp_sidecar = with_extension(temp, ext);
      const fs::path target_sidecar = with_extension(target, ext);
      std::error_code ec;
      if (fs::exists(temp_sidecar, ec)) {
        rename_or_throw(temp_sidecar, target_sidecar);
      } else if (fs::exists(target_sidecar, ec)) {
        fs::remove(target_sidecar, ec);
        if (ec) {
          throw IoError("cannot remove the stale '" + target_sidecar.string() +
                        "': " + ec.message());
        }
      }
    }
    rename_or_throw(temp, target);
    targets.push_back(entry.target);
  }
  committed_ = true;
  entries_.clear();
  return targets;
}

void AtomicOutput::discard() noexcept {
  for (const Entry& entry : entries_) {
    const fs::path temp(entry.temp);
    remove_quietly(temp);
    for (std::string_view ext : sidecars_of(temp)) remove_quietly(with_extension(temp, ext));
    for (std::string_view suffix : kScratchSuffixes) {
      remove_quietly(fs::path(entry.temp + std::string(suffix)));
    }
  }
  entries_.clear();
}

}  // namespace corridor::geo
