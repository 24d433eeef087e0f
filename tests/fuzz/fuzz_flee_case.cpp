// libFuzzer target: a whole Flee case directory (geo::read_flee_case): sim_period, locations,
// routes, conflicts, closures, registration corrections, data_layout and the data files it names.
//
// The input is the case's files one after another, each introduced by a line
//   @@ <path inside the case>        e.g. "@@ input_csv/locations.csv"
// (tests/fuzz/make_corpus.py writes the seeds that way). The files go to /vsimem/, which every
// CSV read of the Flee reader goes through. No simsetting.yml: fuzz_flee_settings covers YAML.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "corridor/error.hpp"
#include "corridor/geo/flee_case.hpp"
#include "fuzz_common.hpp"

namespace {
constexpr const char* kCaseDir = "/vsimem/fuzzcase";

/// Splits the input into (path, content) pairs; text before the first "@@ " line is ignored.
std::vector<std::pair<std::string, std::string_view>> split(std::string_view text) {
  std::vector<std::pair<std::string, std::string_view>> files;
  std::size_t pos = 0;
  auto header_at = [&](std::size_t p) { return text.compare(p, 3, "@@ ") == 0; };
  std::size_t start = header_at(0) ? 0 : text.find("\n@@ ");
  if (start != std::string_view::npos && start != 0) start += 1;
  pos = start;
  while (pos != std::string_view::npos && pos < text.size()) {
    const std::size_t eol = text.find('\n', pos);
    std::string name(text.substr(pos + 3, eol == std::string_view::npos ? text.npos : eol - pos - 3));
    if (eol == std::string_view::npos) break;
    std::size_t next = text.find("\n@@ ", eol);
    const std::size_t end = next == std::string_view::npos ? text.size() : next + 1;
    // Only names inside the case: a fuzzer must not write elsewhere in /vsimem/.
    if (!name.empty() && name.find("..") == std::string::npos && name.front() != '/' &&
        name.size() < 200) {
      files.emplace_back(std::move(name), text.substr(eol + 1, end - eol - 1));
    }
    pos = next == std::string_view::npos ? next : next + 1;
  }
  return files;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  corridor::fuzz::init_gdal();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::unique_ptr<corridor::fuzz::MemFile>> files;
  for (const auto& [name, content] : split(corridor::fuzz::as_text(data, size))) {
    files.push_back(
        std::make_unique<corridor::fuzz::MemFile>(std::string(kCaseDir) + "/" + name, content));
  }
  try {
    (void)corridor::geo::read_flee_case(kCaseDir, "", 0);
  } catch (const corridor::Error&) {
  }
  files.clear();
  VSIRmdirRecursive(kCaseDir);
  return 0;
}
