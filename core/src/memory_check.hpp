// corridor (private) — refusing a run whose arrays cannot fit in memory, before allocating them.
//
// Design notes:
// - A run that needs more memory than the machine has is killed by the kernel (OOM) part way,
//   with no message. The engines know their output sizes (days x locations x cohorts) and agent
//   counts before the first day, so they estimate and refuse early with an InputError naming
//   the input and the estimate.
// - The limit is the machine's physical memory (sysconf), or CORRIDOR_MEMORY_LIMIT_BYTES when
//   set (a smaller budget on a shared machine, and how the tests try the check cheaply). Physical
//   memory rather than "available" memory: the kernel frees caches on demand, so only a need
//   beyond the whole machine is certain to fail.
#pragma once

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "corridor/error.hpp"

namespace corridor::detail {

/// Bytes a run may use, and where that figure comes from (for the message).
inline double memory_limit_bytes(std::string& source) {
  if (const char* env = std::getenv("CORRIDOR_MEMORY_LIMIT_BYTES"); env != nullptr && *env) {
    char* end = nullptr;
    const double value = std::strtod(env, &end);
    if (end != env && *end == '\0' && value > 0.0) {
      source = "CORRIDOR_MEMORY_LIMIT_BYTES";
      return value;
    }
  }
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return INFINITY;
  source = "physical memory";
  return static_cast<double>(pages) * static_cast<double>(page_size);
}

inline std::string format_bytes(double bytes) {
  char buffer[64];
  if (bytes >= 1e9) {
    std::snprintf(buffer, sizeof buffer, "%.1f GB", bytes / 1e9);
  } else if (bytes >= 1e6) {
    std::snprintf(buffer, sizeof buffer, "%.1f MB", bytes / 1e6);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.1f kB", bytes / 1e3);
  }
  return buffer;
}

/// Throws InputError("<what>: needs about N GB (<detail>), more than the M GB of <source>")
/// when `need_bytes` exceeds the limit.
inline void check_memory(double need_bytes, const std::string& what, const std::string& detail,
                         const std::string& advice = "shorten the run or split the network") {
  std::string source;
  const double limit = memory_limit_bytes(source);
  if (!(need_bytes > limit)) return;
  throw InputError(what + ": needs about " + format_bytes(need_bytes) + " (" + detail +
                   "), more than the " + format_bytes(limit) + " of " + source +
                   "; " + advice);
}

}  // namespace corridor::detail
