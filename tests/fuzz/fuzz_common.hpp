// corridor fuzzing (libFuzzer) — helpers shared by the targets in this folder.
//
// Design notes:
// - Every target feeds its bytes to a reader through an in-memory file (GDAL's /vsimem/, which
//   our CSV tokenizer and OGR both read) so a run touches no disk. The one exception is the
//   YAML settings reader, which reads with std::ifstream: it gets a file in /dev/shm.
// - The contract under test: a reader returns a valid value or throws a corridor::Error
//   (InputError, IoError, CrsError). Any other exception escapes LLVMFuzzerTestOneInput, which
//   libFuzzer reports as a crash ("deadly signal" from std::terminate), as it does for ASan and
//   UBSan findings, hangs (-timeout) and memory blow-ups (-rss_limit_mb, -malloc_limit_mb).
#pragma once

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_vsi.h>
#include <gdal.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace corridor::fuzz {

/// GDAL set up once per process, its messages silenced (the fuzzer's output stays readable; our
/// readers capture GDAL errors themselves through a thread-local handler).
inline void init_gdal() {
  GDALAllRegister();
  CPLSetErrorHandler(CPLQuietErrorHandler);
}

/// An in-memory file holding a copy of `data`, removed when this goes out of scope.
class MemFile {
 public:
  MemFile(std::string path, std::string_view data) : path_(std::move(path)) {
    auto* copy = static_cast<GByte*>(CPLMalloc(data.size() + 1));
    if (!data.empty()) std::memcpy(copy, data.data(), data.size());
    VSIFCloseL(VSIFileFromMemBuffer(path_.c_str(), copy, data.size(), /*bTakeOwnership=*/TRUE));
  }
  ~MemFile() { VSIUnlink(path_.c_str()); }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace corridor::fuzz
