// A fresh folder under the system temp directory for one test, removed at the end.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <system_error>

namespace corridor::test {

class TempDir {
 public:
  /// @param prefix  start of the folder's name, e.g. "corridor-geo-read"
  explicit TempDir(const std::string& prefix) {
    std::random_device random;
    path = std::filesystem::temp_directory_path() /
           (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    // A test may have made the folder read-only to provoke a failed write.
    std::filesystem::permissions(path, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ignored);
    std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// The path of `name` in the folder.
  std::string operator/(const std::string& name) const { return (path / name).string(); }

  /// Writes `text` (bytes as given) to `name` in the folder and returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    const std::filesystem::path file = path / name;
    std::ofstream(file, std::ios::binary) << text;
    return file.string();
  }

  /// The bytes of `name` in the folder.
  std::string read(const std::string& name) const {
    std::ifstream in(path / name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  /// Names of the files in the folder, sorted.
  std::set<std::string> files() const {
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(path)) {
      names.insert(entry.path().filename().string());
    }
    return names;
  }

  /// Whether an atomic writer's temporary (".name.tmp-...") is left in the folder.
  bool has_temporaries() const {
    for (const std::string& name : files()) {
      if (name.find(".tmp-") != std::string::npos) return true;
    }
    return false;
  }

  std::filesystem::path path;
};

}  // namespace corridor::test
