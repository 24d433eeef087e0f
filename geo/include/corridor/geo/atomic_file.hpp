// corridor::geo — atomic output files: write under a temporary name in the target's folder,
// then rename into place.
//
// Design notes: rename(2) within one file system is atomic, so readers see either the old file
// or the complete new one. A temporary that is not committed is removed by the destructor;
// after a SIGKILL it may remain as a hidden ".name.tmp-*" file, never under the target name.
#pragma once

#include <string>
#include <vector>

namespace corridor::geo {

/// A set of output files committed together (one rename each, after all were written).
/// Not thread-safe.
class AtomicOutput {
 public:
  AtomicOutput() = default;
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  /// Registers `target` and returns the temporary path to write it under (same folder and
  /// extension, hidden name). Sidecar files written by a driver next to the temporary (a
  /// Shapefile's .shx/.dbf/.prj/.cpg) are renamed with it.
  std::string add(const std::string& target);

  /// Renames every temporary into place (and its sidecars); throws IoError on failure.
  /// Returns the target paths.
  std::vector<std::string> commit();

  /// Removes the temporaries (also done by the destructor when not committed).
  void discard() noexcept;

 private:
  struct Entry {
    std::string target;
    std::string temp;
  };
  std::vector<Entry> entries_;
  bool committed_ = false;
};

}  // namespace corridor::geo
