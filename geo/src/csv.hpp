// corridor::geo (private) — CSV plumbing shared by the readers: GDAL's CPL tokenizer with exact
// line numbers, strict number parsing, and the "<where>, field '<name>': <problem>" message style.
//
// Design notes:
// - CSV is tokenised by GDAL's CPL CSV reader (quoted fields, embedded newlines, any VSI path)
//   rather than through OGR's CSV driver, which would guess types and lose line numbers. Line
//   numbers count physical lines, header = 1, including blank lines and the extra lines of a
//   quoted field that spans several.
// - Numbers are parsed strictly (std::from_chars on the whole trimmed cell): "12abc", "1,5"
//   and "" with junk are errors, never silently 12 or 0.
#pragma once

#include <cpl_vsi.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace corridor::geo::detail {

/// `text` without leading and trailing white space.
std::string_view trim(std::string_view text);

/// Strict decimal parsing of a whole string: nullopt unless every character is used. A leading
/// '+' is accepted; out-of-range values give +-infinity or 0 like strtod.
std::optional<double> parse_double(std::string_view text);

/// True if `path` exists (VSI-aware, so /vsizip/ paths work).
bool path_exists(const std::string& path);

/// Throws IoError("<path>: no such file") if `path` does not exist.
void require_exists(const std::string& path);

/// Where a record is, and how to complain about one of its fields.
struct Place {
  std::string where;  ///< "<path> line N" or "<path> layer 'l' feature F"

  /// Throws InputError("<where>, field '<field>': <problem>").
  [[noreturn]] void fail(std::string_view field, std::string_view problem) const;
};

/// The Place of line `line` (1-based) of the CSV file `path`.
Place csv_place(const std::string& path, long line);

/// Records of a CSV file through GDAL's CPL tokenizer, with exact physical line numbers.
/// Not thread-safe (one reader per thread); throws IoError if the file cannot be opened.
class CsvReader {
 public:
  explicit CsvReader(std::string path);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  /// The next record that is not blank, its fields trimmed, with the 1-based line it starts
  /// on. Returns false at the end of the file.
  bool next(std::vector<std::string>& fields, long& line);

  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  VSILFILE* file_ = nullptr;
  long next_line_ = 1;
  bool first_record_ = true;
};

/// True if the record's first field starts with '#' (a Flee header or comment).
bool starts_with_hash(const std::vector<std::string>& fields);

}  // namespace corridor::geo::detail
