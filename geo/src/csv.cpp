// corridor::geo (private) — CSV plumbing shared by the readers: see csv.hpp.
#include "csv.hpp"

#include <cpl_csv.h>
#include <cpl_string.h>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <system_error>
#include <utility>

#include "corridor/error.hpp"
#include "gdal_support.hpp"

namespace corridor::geo::detail {

namespace {
constexpr std::size_t kMaxCsvLineBytes = 16 * 1024 * 1024;
}  // namespace

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const std::size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

std::optional<double> parse_double(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);  // from_chars takes no '+'
  if (text.empty() || text.front() == '+') return std::nullopt;
  double value = 0.0;
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, value, std::chars_format::general);
  if (result.ec == std::errc::result_out_of_range) {
    // from_chars leaves `value` unset on overflow; strtod-style +-inf or 0 is what we want.
    const std::string copy(text);
    value = std::strtod(copy.c_str(), nullptr);
    return value;
  }
  if (result.ec != std::errc() || result.ptr != end) return std::nullopt;
  return value;
}

bool path_exists(const std::string& path) {
  VSIStatBufL stat{};
  return VSIStatExL(path.c_str(), &stat, VSI_STAT_EXISTS_FLAG) == 0;
}

void require_exists(const std::string& path) {
  if (!path_exists(path)) throw IoError(path + ": no such file");
}

void Place::fail(std::string_view field, std::string_view problem) const {
  std::string message = where;
  message += ", field '";
  message += field;
  message += "': ";
  message += problem;
  throw InputError(message);
}

Place csv_place(const std::string& path, long line) {
  return Place{path + " line " + std::to_string(line)};
}

CsvReader::CsvReader(std::string path) : path_(std::move(path)) {
  ensure_gdal_registered();
  require_exists(path_);
  VSIStatBufL stat{};
  if (VSIStatL(path_.c_str(), &stat) == 0 && VSI_ISDIR(stat.st_mode)) {
    throw IoError(path_ + ": is a directory, not a CSV file");
  }
  ErrorCapture capture;
  file_ = VSIFOpenExL(path_.c_str(), "rb", TRUE);
  if (file_ == nullptr) capture.throw_io(path_ + ": cannot open", "cannot open the file");
}

CsvReader::~CsvReader() {
  if (file_ != nullptr) VSIFCloseL(file_);
}

bool CsvReader::next(std::vector<std::string>& fields, long& line) {
  while (true) {
    ErrorCapture capture;
    const vsi_l_offset before = VSIFTellL(file_);
    char** tokens = CSVReadParseLine3L(file_, kMaxCsvLineBytes, ",", /*bHonourStrings=*/true,
                                       /*bKeepLeadingAndClosingQuotes=*/false,
                                       /*bMergeDelimiter=*/false, /*bSkipBOM=*/true);
    if (capture.failed()) {
      CSLDestroy(tokens);
      capture.throw_io(path_ + " line " + std::to_string(next_line_));
    }
    if (tokens == nullptr && VSIFTellL(file_) == before) return false;  // end of file
    line = next_line_;
    fields.clear();
    bool blank = true;
    long extra_lines = 0;
    for (char** token = tokens; token != nullptr && *token != nullptr; ++token) {
      std::string_view raw(*token);
      extra_lines += std::count(raw.begin(), raw.end(), '\n');
      if (first_record_ && fields.empty() && raw.substr(0, 3) == "\xEF\xBB\xBF") {
        raw.remove_prefix(3);  // UTF-8 BOM, if the tokenizer left it
      }
      fields.emplace_back(trim(raw));
      if (!fields.back().empty()) blank = false;
    }
    CSLDestroy(tokens);
    next_line_ += 1 + extra_lines;
    if (blank) continue;
    first_record_ = false;
    return true;
  }
}

bool starts_with_hash(const std::vector<std::string>& fields) {
  return !fields.empty() && !fields.front().empty() && fields.front().front() == '#';
}

}  // namespace corridor::geo::detail
