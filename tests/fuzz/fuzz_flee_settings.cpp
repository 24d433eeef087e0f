// libFuzzer target: a Flee simsetting.yml (geo::read_flee_settings, yaml-cpp underneath). The
// reader takes a path and reads it with std::ifstream, so the bytes go to a file in /dev/shm
// (memory, not disk), one per process.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "corridor/error.hpp"
#include "corridor/geo/flee_case.hpp"
#include "fuzz_common.hpp"

namespace {
const std::string& settings_path() {
  // Never destroyed: the atexit handler below runs after static destructors would have.
  static const auto* path = new std::string(
      (access("/dev/shm", W_OK) == 0 ? std::string("/dev/shm") : std::string("/tmp")) +
      "/corridor-fuzz-settings-" + std::to_string(getpid()) + ".yml");
  return *path;
}
void remove_file() { std::remove(settings_path().c_str()); }
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  corridor::fuzz::init_gdal();
  (void)settings_path();
  std::atexit(remove_file);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  {
    std::ofstream out(settings_path(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    (void)corridor::geo::read_flee_settings(settings_path());
  } catch (const corridor::Error&) {
  }
  return 0;
}
