// corridor — IPF and flows from stocks (see flows.hpp for the design notes).
//
// Design notes on the IPF passes: the fit is kept in factor form (Sinkhorn), fitted =
// diag(a) seed diag(b), so the seed is only read, and the table is written once, at the end.
// The seed is read as "lines", the contiguous columns of the matrix as Eigen stores it: the
// columns of a column-major seed, the rows of a row-major (numpy) one read as its transpose.
// One pass over the lines does a whole half-step and the matrix-vector product of the next:
// for each line l, dot(l) = line_l . x, f(l) = t(l) / dot(l), and acc += f(l) line_l, the line
// still in cache for the second use. A column-major seed thus costs one read per sweep (column
// step, then the row sums for the check and the next row step); a row-major one too (row step
// with the row sums of the last check, then column sums), plus one pass at the end for the
// last check.
// Threads: the lines are cut into blocks by the seed's shape alone; each block sums into its
// own partial, and the partials are added in block order, so the result is bit-identical
// whatever the number of threads (and which thread takes which block).
#include "corridor/flows.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "corridor/error.hpp"
#include "flows_checks.hpp"
#include "worker_pool.hpp"

namespace corridor {

using namespace flows_detail;

namespace {

/// A pass cuts the lines into at most kMaxBlocks blocks of at least kMinBlockLines lines.
constexpr Eigen::Index kMaxBlocks = 16;
constexpr Eigen::Index kMinBlockLines = 64;
/// Seeds with fewer values than this are read by the calling thread alone.
constexpr Eigen::Index kMinParallelValues = Eigen::Index{1} << 18;
/// How long the threads of a pass poll for the next pass, or for each other, before sleeping:
/// passes come back to back, about a millisecond each on a 2,000 x 2,000 seed.
constexpr std::chrono::microseconds kPoll{300};
/// Fitted tables this large (8 MB) or larger are written past the caches.
constexpr Eigen::Index kStreamValues = Eigen::Index{1} << 20;
/// Lines whose updates of a block's partial sum are made in one sweep over it (in line order:
/// the same sums as one line at a time, with an eighth of the traffic).
constexpr int kGroup = 8;
/// Interleaved partial sums of a dot product: the compiler keeps them in vector registers
/// without reordering any addition, so the sums are the same whatever the vector width.
constexpr int kLanes = 16;

/// line . x (x = nullptr: the sum of the line) over len values, and the smallest value if
/// `low` is not null; in a fixed order.
[[gnu::always_inline]] inline double line_dot(const double* line, const double* x, Eigen::Index len,
                                              double* low = nullptr) {
  double lane[kLanes] = {};
  double least[kLanes];
  std::fill(least, least + kLanes, std::numeric_limits<double>::infinity());
  Eigen::Index k = 0;
  if (x != nullptr) {
    for (; k + kLanes <= len; k += kLanes)
      for (int q = 0; q < kLanes; ++q) lane[q] += line[k + q] * x[k + q];
  } else {
    for (; k + kLanes <= len; k += kLanes)
      for (int q = 0; q < kLanes; ++q) {
        const double v = line[k + q];
        lane[q] += v;
        least[q] = v < least[q] ? v : least[q];
      }
  }
  for (int width = kLanes / 2; width >= 1; width /= 2)
    for (int q = 0; q < width; ++q) lane[q] += lane[q + width];
  double sum = lane[0];
  double m = *std::min_element(least, least + kLanes);
  for (; k < len; ++k) {
    const double v = line[k];
    sum += x != nullptr ? v * x[k] : v;
    m = v < m ? v : m;
  }
  if (low != nullptr) *low = m;
  return sum;
}

/// part += f[0] lines[0] + ... + f[n - 1] lines[n - 1] (n <= kGroup; f = nullptr: all ones),
/// added in that order.
[[gnu::always_inline]] inline void add_group(const double* lines, Eigen::Index stride,
                                             Eigen::Index len, const double* f, int n,
                                             double* __restrict part) {
  double g[kGroup];
  for (int q = 0; q < kGroup; ++q) g[q] = f == nullptr ? 1.0 : q < n ? f[q] : 0.0;
  if (n < kGroup) {
    for (int q = 0; q < n; ++q)
      for (Eigen::Index k = 0; k < len; ++k) part[k] += g[q] * lines[q * stride + k];
    return;
  }
  for (Eigen::Index k = 0; k < len; ++k) {
    double c = part[k];
    for (int q = 0; q < kGroup; ++q) c += g[q] * lines[q * stride + k];
    part[k] = c;
  }
}

/// What one pass over lines [begin, end) of a seed reads and writes (arrays indexed by line,
/// except the partial sums, indexed along the lines). Null pointers: not wanted.
struct PassArgs {
  const double* m;      ///< the seed as stored, lines `stride` apart
  Eigen::Index stride;  ///< distance between lines
  Eigen::Index len;     ///< values in a line
  const double* x;      ///< dots = line . x; null: x = all ones (the line sums)
  const double* t;      ///< totals for the factors f = t / dots (0 where dots is 0)
  double* dots;         ///< line . x
  double* mins;         ///< smallest value of each line (with x null only)
  double* f;            ///< the factors (with t)
  double* scaled;       ///< partial sum of f[l] line_l over the block
  double* plain;        ///< partial sum of the lines over the block
};

/// One pass over lines [begin, end), a group of lines at a time, so the lines are still in
/// cache when they are summed.
[[gnu::always_inline]] inline void pass_lines(const PassArgs& p, Eigen::Index begin,
                                              Eigen::Index end) {
  if (p.scaled != nullptr) std::fill(p.scaled, p.scaled + p.len, 0.0);
  if (p.plain != nullptr) std::fill(p.plain, p.plain + p.len, 0.0);
  for (Eigen::Index l0 = begin; l0 < end; l0 += kGroup) {
    const int n = static_cast<int>(std::min<Eigen::Index>(kGroup, end - l0));
    const double* group = p.m + l0 * p.stride;
    for (Eigen::Index l = l0; l < l0 + n; ++l) {
      const double d =
          line_dot(p.m + l * p.stride, p.x, p.len, p.mins != nullptr ? p.mins + l : nullptr);
      p.dots[l] = d;
      if (p.t != nullptr) p.f[l] = d > 0 ? p.t[l] / d : 0.0;
    }
    if (p.scaled != nullptr) add_group(group, p.stride, p.len, p.f + l0, n, p.scaled);
    if (p.plain != nullptr) add_group(group, p.stride, p.len, nullptr, n, p.plain);
  }
}

/// out(:, l) = (x .* line_l) f[l] for lines [begin, end) of m (`len` values, `stride` apart);
/// out is len x lines, contiguous. `stream`: write past the caches (non-temporal stores, on
/// x86-64): the table is not read again here, and this saves reading each of its cache lines
/// before writing it. The same products either way.
void product_lines(const double* m, Eigen::Index stride, Eigen::Index len, Eigen::Index begin,
                   Eigen::Index end, const double* x, const double* f, double* out, bool stream) {
  for (Eigen::Index l = begin; l < end; ++l) {
    const double* in = m + l * stride;
    double* __restrict o = out + l * len;
    const double fl = f[l];
    Eigen::Index k = 0;
#if defined(__SSE2__)
    if (stream) {
      if (reinterpret_cast<std::uintptr_t>(o) % 16 != 0 && len > 0) {
        o[0] = (x[0] * in[0]) * fl;
        k = 1;
      }
      const __m128d vf = _mm_set1_pd(fl);
      for (; k + 2 <= len; k += 2)
        _mm_stream_pd(o + k, _mm_mul_pd(_mm_mul_pd(_mm_loadu_pd(x + k), _mm_loadu_pd(in + k)), vf));
    }
#endif
    for (; k < len; ++k) o[k] = (x[k] * in[k]) * fl;
  }
#if defined(__SSE2__)
  if (stream) _mm_sfence();
#endif
}

using PassKernel = void (*)(const PassArgs&, Eigen::Index, Eigen::Index);

void pass_generic(const PassArgs& p, Eigen::Index begin, Eigen::Index end) {
  pass_lines(p, begin, end);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// The pass with 256-bit vectors and fused multiply-adds where the CPU has them: with the seed
// in cache, a pass is bound by arithmetic as much as by memory (4% faster on 2,000 x 2,000
// than AVX2 alone). The fused products round once instead of twice, so the last bits of a fit
// depend on which build runs (as numpy's do on its SIMD paths), never on the threads.
__attribute__((target("avx2,fma"))) void pass_avx2(const PassArgs& p, Eigen::Index begin,
                                                   Eigen::Index end) {
  pass_lines(p, begin, end);
}

PassKernel pass_kernel() {
  static const PassKernel k =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? pass_avx2 : pass_generic;
  return k;
}
#else
PassKernel pass_kernel() { return pass_generic; }
#endif

/// What a seed's check pass gives the fit: its row and column sums, and, when its lines are
/// the table's rows, the first row step as well (a = row totals / row sums, and the column
/// sums after it), which needs the same reads.
struct SeedSums {
  Eigen::VectorXd rows, cols;
  Eigen::VectorXd a, cols_after_a;  ///< empty unless row totals were given
};

/// Reads a seed line by line, in a fixed partition into blocks (see the design notes).
/// Not thread-safe: one pass at a time.
class LinePasses {
 public:
  /// @param m        the seed as stored: len x lines, columns contiguous
  /// @param threads  most threads, 0 = one per hardware thread
  LinePasses(const Eigen::Ref<const Eigen::MatrixXd>& m, unsigned threads)
      : m_(m), len_(m.rows()), lines_(m.cols()) {
    const Eigen::Index want = std::clamp<Eigen::Index>(lines_ / kMinBlockLines, 1, kMaxBlocks);
    block_lines_ = std::max<Eigen::Index>(1, (lines_ + want - 1) / want);
    blocks_ = std::max<Eigen::Index>(1, (lines_ + block_lines_ - 1) / block_lines_);
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    const auto used = static_cast<unsigned>(std::min<Eigen::Index>(threads, blocks_));
    if (used > 1 && m.size() >= kMinParallelValues)
      pool_ = std::make_unique<detail::WorkerPool>(used, kPoll);
  }

  /// The check pass: the sum and smallest value of each line (`mins`), and the sum of the
  /// lines. With `line_totals`, also the first step on the lines from a seed of all-ones
  /// factors: a = line_totals / line sums, and the sum of a(l) line_l.
  SeedSums check(const Eigen::VectorXd* line_totals, Eigen::VectorXd& mins, bool lines_are_rows) {
    Eigen::VectorXd line_sums(lines_), plain, f, scaled;
    mins.resize(lines_);
    if (line_totals != nullptr) f.resize(lines_);
    PassArgs p = args(nullptr, line_totals, line_sums);
    p.mins = mins.data();
    p.f = line_totals != nullptr ? f.data() : nullptr;
    run(p, line_totals != nullptr ? &scaled : nullptr, &plain);
    if (lines_are_rows)
      return {std::move(line_sums), std::move(plain), std::move(f), std::move(scaled)};
    return {std::move(plain), std::move(line_sums), {}, {}};
  }

  /// For each line l: dots(l) = line_l . x, f(l) = t(l) / dots(l) (0 where dots(l) is 0); and,
  /// if acc is not null, *acc = sum of f(l) line_l.
  void scale(const Eigen::VectorXd& x, const Eigen::VectorXd& t, Eigen::VectorXd& dots,
             Eigen::VectorXd& f, Eigen::VectorXd* acc) {
    dots.resize(lines_);
    f.resize(lines_);
    PassArgs p = args(x.data(), &t, dots);
    p.f = f.data();
    run(p, acc, nullptr);
  }

  /// out = diag(x) m diag(f), (x(k) m(k, l)) f(l); out: len x lines, contiguous.
  void product(const Eigen::VectorXd& x, const Eigen::VectorXd& f, double* out) {
    const bool stream = len_ * lines_ >= kStreamValues;
    for_blocks([&](Eigen::Index, Eigen::Index begin, Eigen::Index end) {
      product_lines(m_.data(), m_.outerStride(), len_, begin, end, x.data(), f.data(), out, stream);
    });
  }

 private:
  PassArgs args(const double* x, const Eigen::VectorXd* t, Eigen::VectorXd& dots) const {
    PassArgs p{};
    p.m = m_.data();
    p.stride = m_.outerStride();
    p.len = len_;
    p.x = x;
    p.t = t != nullptr ? t->data() : nullptr;
    p.dots = dots.data();
    return p;
  }

  /// A pass over every block; *scaled and *plain (if not null) are the sums over all lines,
  /// the blocks' partial sums added in block order.
  void run(const PassArgs& p, Eigen::VectorXd* scaled, Eigen::VectorXd* plain) {
    const Eigen::Index parts = (scaled != nullptr) + (plain != nullptr);
    partial_.resize(len_, blocks_ * parts);
    const PassKernel pass = pass_kernel();
    for_blocks([&](Eigen::Index b, Eigen::Index begin, Eigen::Index end) {
      PassArgs q = p;
      Eigen::Index c = b * parts;
      q.scaled = scaled != nullptr ? partial_.col(c++).data() : nullptr;
      q.plain = plain != nullptr ? partial_.col(c).data() : nullptr;
      pass(q, begin, end);
    });
    Eigen::Index c = 0;
    for (Eigen::VectorXd* acc : {scaled, plain}) {
      if (acc == nullptr) continue;
      *acc = partial_.col(c);
      for (Eigen::Index b = 1; b < blocks_; ++b) *acc += partial_.col(b * parts + c);
      ++c;
    }
  }

  /// body(block, begin, end) for every block, on the pool's threads if any.
  template <class F>
  void for_blocks(F&& body) {
    auto block = [&](Eigen::Index b) {
      const Eigen::Index begin = b * block_lines_;
      body(b, begin, std::min(lines_, begin + block_lines_));
    };
    if (!pool_) {
      for (Eigen::Index b = 0; b < blocks_; ++b) block(b);
      return;
    }
    std::atomic<Eigen::Index> next{0};
    pool_->each([&](unsigned) {
      for (Eigen::Index b; (b = next.fetch_add(1)) < blocks_;) block(b);
    });
  }

  Eigen::Ref<const Eigen::MatrixXd> m_;
  Eigen::Index len_, lines_, block_lines_ = 1, blocks_ = 1;
  std::unique_ptr<detail::WorkerPool> pool_;
  Eigen::MatrixXd partial_;  // len x (blocks x the sums a pass makes)
};

/// LinePasses over a len x lines seed of ones, without storing it: O(len + lines) a pass.
class OnesPasses {
 public:
  OnesPasses(Eigen::Index len, Eigen::Index lines) : len_(len), lines_(lines) {}

  SeedSums check(const Eigen::VectorXd* line_totals, Eigen::VectorXd& mins,
                 bool lines_are_rows) const {
    Eigen::VectorXd line_sums = Eigen::VectorXd::Constant(lines_, static_cast<double>(len_));
    Eigen::VectorXd plain = Eigen::VectorXd::Constant(len_, static_cast<double>(lines_));
    mins.setOnes(lines_);
    Eigen::VectorXd f, scaled;
    if (line_totals != nullptr) {
      Eigen::VectorXd dots;
      scale(Eigen::VectorXd::Ones(len_), *line_totals, dots, f, &scaled);
    }
    if (lines_are_rows)
      return {std::move(line_sums), std::move(plain), std::move(f), std::move(scaled)};
    return {std::move(plain), std::move(line_sums), {}, {}};
  }

  void scale(const Eigen::VectorXd& x, const Eigen::VectorXd& t, Eigen::VectorXd& dots,
             Eigen::VectorXd& f, Eigen::VectorXd* acc) const {
    const double d = line_dot(x.data(), nullptr, len_);
    dots.setConstant(lines_, d);
    f.resize(lines_);
    for (Eigen::Index l = 0; l < lines_; ++l) f(l) = d > 0 ? t(l) / d : 0.0;
    if (acc != nullptr) acc->setConstant(len_, line_dot(f.data(), nullptr, lines_));
  }

  void product(const Eigen::VectorXd& x, const Eigen::VectorXd& f, double* out) const {
    Eigen::Map<Eigen::MatrixXd>(out, len_, lines_).noalias() = x * f.transpose();
  }

 private:
  Eigen::Index len_, lines_;
};

/// The check pass of a seed: `seed` as stored (transposed: its transpose); `name` names it in
/// errors. With row totals (transposed only), the first row step too (SeedSums).
template <class Passes>
SeedSums checked_sums(Passes& passes, const Eigen::Ref<const Eigen::MatrixXd>& seed,
                      bool transposed, const Eigen::VectorXd* row_totals, const std::string& name) {
  Eigen::VectorXd mins;
  SeedSums sums = passes.check(row_totals, mins, transposed);
  // A negative minimum or a sum that is not finite (a NaN or an infinity in the line): find
  // the first bad cell in reading order of the (untransposed) seed.
  const Eigen::VectorXd& line_sums = transposed ? sums.rows : sums.cols;
  if (line_sums.size() > 0 && !(line_sums.allFinite() && mins.minCoeff() >= 0)) {
    if (transposed)
      check_counts(seed.transpose(), name);
    else
      check_counts(seed, name);
  }
  return sums;
}

/// Checks that every positive total has some non-structural-zero cell to go to.
void check_support(const Eigen::VectorXd& row_totals, const Eigen::VectorXd& col_totals,
                   const SeedSums& sums, const std::string& rows_name, const std::string& cols_name,
                   const std::string& seed_name) {
  for (Eigen::Index i = 0; i < row_totals.size(); ++i) {
    if (row_totals(i) > 0 && sums.rows(i) == 0) {
      throw InputError(rows_name + "[" + std::to_string(i) + "]: total " + num(row_totals(i)) +
                       " but row " + std::to_string(i) + " of " + seed_name +
                       " is all structural zeros");
    }
  }
  for (Eigen::Index j = 0; j < col_totals.size(); ++j) {
    if (col_totals(j) > 0 && sums.cols(j) == 0) {
      throw InputError(cols_name + "[" + std::to_string(j) + "]: total " + num(col_totals(j)) +
                       " but column " + std::to_string(j) + " of " + seed_name +
                       " is all structural zeros");
    }
  }
}

/// The fit itself, on validated input: IPF in factor form. A sweep sets a = rows / (seed b),
/// then b = cols / (seed' a): the same iterates as scaling the table row by row and column by
/// column. A row (column) whose current sum is 0 stays 0. The error of a sweep is the largest
/// |margin - total| of the table after it, rows and columns.
/// `transposed`: the passes read the seed's transpose (lines = the table's rows), and the fit
/// comes back transposed too. `sums`: from the check pass, with the first row step when
/// transposed. `out`: where to write the fit (contiguous), or null for IpfResult::fitted.
template <class Passes>
IpfResult fit(const Eigen::VectorXd& row_totals, const Eigen::VectorXd& col_totals, Passes& passes,
              bool transposed, double tol, int max_iter, const SeedSums& sums, double* out) {
  IpfResult result;
  const Eigen::Index rows = row_totals.size(), cols = col_totals.size();
  Eigen::VectorXd a(rows), b(cols), rs, cs;
  auto finish = [&](const Eigen::VectorXd& x, const Eigen::VectorXd& f) {
    if (out == nullptr) {
      result.fitted.resize(x.size(), f.size());
      out = result.fitted.data();
    }
    passes.product(x, f, out);
  };
  auto record = [&](int it, double error) {
    result.iterations = it;
    result.max_margin_error = error;
    result.converged = error <= tol;
    return result.converged || it == max_iter;
  };
  if (!transposed) {
    // Lines are the table's columns: one pass does the column step and the row sums after it.
    rs = sums.rows;
    for (int it = 1; it <= max_iter; ++it) {
      for (Eigen::Index i = 0; i < rows; ++i) a(i) = rs(i) > 0 ? row_totals(i) / rs(i) : 0.0;
      passes.scale(a, col_totals, cs, b, &rs);
      double error = 0.0;
      for (Eigen::Index j = 0; j < cols; ++j)
        error = std::max(error, std::abs(cs(j) * b(j) - col_totals(j)));
      for (Eigen::Index i = 0; i < rows; ++i)
        error = std::max(error, std::abs(a(i) * rs(i) - row_totals(i)));
      if (record(it, error)) break;
    }
    finish(a, b);
    return result;
  }
  // Lines are the table's rows: one pass does the row sums (the check of the last sweep), the
  // row step of the next sweep, and the column sums after it. The check pass did the first.
  Eigen::VectorXd a_next;
  a = sums.a;
  cs = sums.cols_after_a;
  for (int it = 1; it <= max_iter; ++it) {
    double error = 0.0;
    for (Eigen::Index j = 0; j < cols; ++j) {
      b(j) = cs(j) > 0 ? col_totals(j) / cs(j) : 0.0;
      error = std::max(error, std::abs(cs(j) * b(j) - col_totals(j)));
    }
    passes.scale(b, row_totals, rs, a_next, it < max_iter ? &cs : nullptr);
    for (Eigen::Index i = 0; i < rows; ++i)
      error = std::max(error, std::abs(a(i) * rs(i) - row_totals(i)));
    if (record(it, error)) break;
    a.swap(a_next);
  }
  finish(b, a);
  return result;
}

/// Checks a seed (empty: all ones) against its validated totals, then fits it.
IpfResult checked_fit(const Eigen::VectorXd& row_totals, const Eigen::VectorXd& col_totals,
                      const Eigen::Ref<const Eigen::MatrixXd>& seed, bool transposed, double tol,
                      int max_iter, unsigned threads, const std::string& rows_name,
                      const std::string& cols_name, const std::string& seed_name,
                      double* out = nullptr) {
  const Eigen::Index rows = row_totals.size(), cols = col_totals.size();
  const Eigen::VectorXd* first_step = transposed ? &row_totals : nullptr;
  const auto check_balance = [&] {
    const double rs = row_totals.sum(), cs = col_totals.sum();
    if (!balanced(rs, cs)) {
      throw InputError(cols_name + ": sum " + num(cs) + " does not balance " + rows_name +
                       (rows_name.back() == 's' ? "'" : "'s") + " sum " + num(rs));
    }
  };
  if (seed.size() == 0) {
    check_balance();
    OnesPasses passes(transposed ? cols : rows, transposed ? rows : cols);
    Eigen::VectorXd mins;
    return fit(row_totals, col_totals, passes, transposed, tol, max_iter,
               passes.check(first_step, mins, transposed), out);
  }
  LinePasses passes(seed, threads);
  const SeedSums sums = checked_sums(passes, seed, transposed, first_step, seed_name);
  check_balance();
  check_support(row_totals, col_totals, sums, rows_name, cols_name, seed_name);
  return fit(row_totals, col_totals, passes, transposed, tol, max_iter, sums, out);
}

std::string shape_error(Eigen::Index rows, Eigen::Index cols, Eigen::Index want_rows,
                        Eigen::Index want_cols) {
  return "seed: shape " + std::to_string(rows) + " x " + std::to_string(cols) + ", expected " +
         std::to_string(want_rows) + " x " + std::to_string(want_cols) +
         " (row_totals x col_totals)";
}

}  // namespace

IpfResult ipf2(const Eigen::VectorXd& row_totals, const Eigen::VectorXd& col_totals,
               const Eigen::MatrixXd& seed, double tol, int max_iter, unsigned threads) {
  check_vector(row_totals, "row_totals");
  check_vector(col_totals, "col_totals");
  check_controls(tol, max_iter);
  if (seed.size() != 0 && (seed.rows() != row_totals.size() || seed.cols() != col_totals.size()))
    throw InputError(shape_error(seed.rows(), seed.cols(), row_totals.size(), col_totals.size()));
  return checked_fit(row_totals, col_totals, seed, false, tol, max_iter, threads, "row_totals",
                     "col_totals", "seed");
}

namespace {

IpfResult transposed_fit(const Eigen::VectorXd& row_totals, const Eigen::VectorXd& col_totals,
                         const Eigen::Ref<const Eigen::MatrixXd>& seed_t, double tol, int max_iter,
                         unsigned threads, double* out) {
  check_vector(row_totals, "row_totals");
  check_vector(col_totals, "col_totals");
  check_controls(tol, max_iter);
  if (seed_t.size() != 0 &&
      (seed_t.cols() != row_totals.size() || seed_t.rows() != col_totals.size()))
    throw InputError(
        shape_error(seed_t.cols(), seed_t.rows(), row_totals.size(), col_totals.size()));
  return checked_fit(row_totals, col_totals, seed_t, true, tol, max_iter, threads, "row_totals",
                     "col_totals", "seed", out);
}

}  // namespace

IpfResult ipf2_transposed(const Eigen::VectorXd& row_totals, const Eigen::VectorXd& col_totals,
                          const Eigen::Ref<const Eigen::MatrixXd>& seed_t, double tol, int max_iter,
                          unsigned threads) {
  return transposed_fit(row_totals, col_totals, seed_t, tol, max_iter, threads, nullptr);
}

IpfResult ipf2_transposed(const Eigen::VectorXd& row_totals, const Eigen::VectorXd& col_totals,
                          const Eigen::Ref<const Eigen::MatrixXd>& seed_t,
                          Eigen::Map<Eigen::MatrixXd> fitted_t, double tol, int max_iter,
                          unsigned threads) {
  if (fitted_t.rows() != col_totals.size() || fitted_t.cols() != row_totals.size()) {
    throw InputError("fitted_t: shape " + std::to_string(fitted_t.rows()) + " x " +
                     std::to_string(fitted_t.cols()) + ", expected " +
                     std::to_string(col_totals.size()) + " x " + std::to_string(row_totals.size()) +
                     " (col_totals x row_totals)");
  }
  return transposed_fit(row_totals, col_totals, seed_t, tol, max_iter, threads, fitted_t.data());
}

Ipf3Result ipf3(const Eigen::MatrixXd& origin_by_birth, const Eigen::MatrixXd& destination_by_birth,
                const std::vector<Eigen::MatrixXd>& seed, double tol, int max_iter) {
  if (origin_by_birth.size() == 0) throw InputError("origin_by_birth: empty");
  if (destination_by_birth.size() == 0) throw InputError("destination_by_birth: empty");
  if (destination_by_birth.rows() != origin_by_birth.rows()) {
    throw InputError("destination_by_birth: " + std::to_string(destination_by_birth.rows()) +
                     " places of birth, origin_by_birth has " +
                     std::to_string(origin_by_birth.rows()));
  }
  check_counts(origin_by_birth, "origin_by_birth");
  check_counts(destination_by_birth, "destination_by_birth");
  check_controls(tol, max_iter);
  const auto births = origin_by_birth.rows();
  const auto n_o = origin_by_birth.cols(), n_d = destination_by_birth.cols();
  if (!seed.empty() && static_cast<Eigen::Index>(seed.size()) != births) {
    throw InputError("seed: " + std::to_string(seed.size()) + " places of birth, expected " +
                     std::to_string(births));
  }
  Ipf3Result result;
  result.converged = true;
  for (Eigen::Index b = 0; b < births; ++b) {
    const std::string slice = "seed[" + std::to_string(b) + "]";
    const Eigen::MatrixXd no_seed;
    const Eigen::MatrixXd& m = seed.empty() ? no_seed : seed[static_cast<std::size_t>(b)];
    if (!seed.empty() && (m.rows() != n_o || m.cols() != n_d)) {
      throw InputError(slice + ": shape " + std::to_string(m.rows()) + " x " +
                       std::to_string(m.cols()) + ", expected " + std::to_string(n_o) + " x " +
                       std::to_string(n_d) + " (origins x destinations)");
    }
    const Eigen::VectorXd rt = origin_by_birth.row(b).transpose();
    const Eigen::VectorXd ct = destination_by_birth.row(b).transpose();
    auto one = checked_fit(rt, ct, m, false, tol, max_iter, 0,
                           "origin_by_birth[" + std::to_string(b) + "]",
                           "destination_by_birth[" + std::to_string(b) + "]", slice);
    result.iterations = std::max(result.iterations, one.iterations);
    result.converged = result.converged && one.converged;
    result.max_margin_error = std::max(result.max_margin_error, one.max_margin_error);
    result.fitted.push_back(std::move(one.fitted));
  }
  return result;
}

StockMethod parse_stock_method(const std::string& name) {
  if (name == "demo") return StockMethod::kDemo;
  if (name == "ipf3") return StockMethod::kIpf3;
  if (name == "open") return StockMethod::kOpen;
  if (name == "open-dr") return StockMethod::kOpenDr;
  if (name == "diff-zero") return StockMethod::kDiffZero;
  if (name == "diff-return") return StockMethod::kDiffReturn;
  throw InputError(
      "method: expected 'demo', 'ipf3', 'open', 'open-dr', 'diff-zero' or 'diff-return', got '" +
      name + "'");
}

std::string to_string(StockMethod method) {
  switch (method) {
    case StockMethod::kDemo: return "demo";
    case StockMethod::kIpf3: return "ipf3";
    case StockMethod::kOpen: return "open";
    case StockMethod::kOpenDr: return "open-dr";
    case StockMethod::kDiffZero: return "diff-zero";
    case StockMethod::kDiffReturn: return "diff-return";
  }
  return "demo";
}

namespace {

void check_stocks(const Eigen::MatrixXd& stock_t0, const Eigen::MatrixXd& stock_t1) {
  const auto n = stock_t0.rows();
  if (n == 0 || stock_t0.cols() != n) {
    throw InputError("stock_t0: shape " + std::to_string(stock_t0.rows()) + " x " +
                     std::to_string(stock_t0.cols()) +
                     ", expected a square place of birth x place of residence matrix");
  }
  if (stock_t1.rows() != n || stock_t1.cols() != n) {
    throw InputError("stock_t1: shape " + std::to_string(stock_t1.rows()) + " x " +
                     std::to_string(stock_t1.cols()) + ", expected " + std::to_string(n) + " x " +
                     std::to_string(n) + " as stock_t0");
  }
  check_counts(stock_t0, "stock_t0");
  check_counts(stock_t1, "stock_t1");
}

/// Sets values within rounding of zero (relative to `scale`) to exactly zero; they come from
/// subtracting a proportional share that is the whole cell.
void clean_rounding(Eigen::MatrixXd& m, double scale) {
  const double eps = 1e-12 * std::max(scale, 1.0);
  for (Eigen::Index i = 0; i < m.size(); ++i)
    if (std::abs(m.data()[i]) <= eps) m.data()[i] = 0.0;
}

/// Births per place of residence as a place of birth x residence matrix (migest birth_mat,
/// "native" with non_negative).
Eigen::MatrixXd birth_matrix(const Eigen::VectorXd& births, const Eigen::MatrixXd& stock_t1) {
  const auto n = stock_t1.rows();
  Eigen::MatrixXd b = Eigen::MatrixXd::Zero(n, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    if (births(j) == 0) continue;
    const double living = stock_t1.col(j).sum();
    if (births(j) <= stock_t1(j, j)) {
      b(j, j) = births(j);
    } else if (births(j) <= living * (1 + kBalanceRelTol)) {
      b.col(j) = stock_t1.col(j) * (births(j) / living);
    } else {
      throw InputError("births[" + std::to_string(j) + "]: " + num(births(j)) +
                       " births in place " + std::to_string(j) + " but only " + num(living) +
                       " people live there in stock_t1; births cannot exceed the stock");
    }
  }
  return b;
}

/// Deaths per place of residence, spread over the residents at t0 (migest death_mat,
/// "proportion").
Eigen::MatrixXd death_matrix(const Eigen::VectorXd& deaths, const Eigen::MatrixXd& stock_t0) {
  const auto n = stock_t0.rows();
  Eigen::MatrixXd d = Eigen::MatrixXd::Zero(n, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    if (deaths(j) == 0) continue;
    const double living = stock_t0.col(j).sum();
    if (deaths(j) > living * (1 + kBalanceRelTol)) {
      throw InputError("deaths[" + std::to_string(j) + "]: " + num(deaths(j)) +
                       " deaths in place " + std::to_string(j) + " but only " + num(living) +
                       " people live there in stock_t0; deaths cannot exceed the stock");
    }
    d.col(j) = stock_t0.col(j) * (deaths(j) / living);
  }
  return d;
}

/// Each row of `seed` scaled to `totals` (rows with a zero total stay zero).
Eigen::MatrixXd scale_rows(const Eigen::MatrixXd& seed, const Eigen::VectorXd& totals,
                           const std::string& seed_name, const std::string& method) {
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(seed.rows(), seed.cols());
  for (Eigen::Index b = 0; b < seed.rows(); ++b) {
    if (totals(b) <= 0) continue;
    const double sum = seed.row(b).sum();
    if (sum <= 0) {
      throw InputError(seed_name + "[" + std::to_string(b) + "]: method '" + method +
                       "' spreads " + num(totals(b)) + " people of place of birth " +
                       std::to_string(b) + " like this row, which is all zeros" +
                       (method == "open" ? "; use method='open-dr'" : ""));
    }
    out.row(b) = seed.row(b) * (totals(b) / sum);
  }
  return out;
}

StockFlows stock_differences(const Eigen::MatrixXd& stock_t0, const Eigen::MatrixXd& stock_t1,
                             bool returns) {
  const auto n = stock_t0.rows();
  StockFlows result;
  result.converged = true;
  result.od = Eigen::MatrixXd::Zero(n, n);
  result.by_birth.assign(static_cast<std::size_t>(n), Eigen::MatrixXd::Zero(n, n));
  for (Eigen::Index b = 0; b < n; ++b) {
    auto& flows = result.by_birth[static_cast<std::size_t>(b)];
    for (Eigen::Index j = 0; j < n; ++j) {
      if (j == b) continue;
      const double change = stock_t1(b, j) - stock_t0(b, j);
      if (change > 0) {
        flows(b, j) = change;  // b-born people more in j: moved b -> j
      } else if (change < 0 && returns) {
        flows(j, b) = -change;  // fewer: went home, j -> b
      }
    }
    result.od += flows;
  }
  return result;
}

}  // namespace

StockFlows flows_from_stocks(const Eigen::MatrixXd& stock_t0, const Eigen::MatrixXd& stock_t1,
                             StockMethod method, double tol, int max_iter) {
  return flows_from_stocks(stock_t0, stock_t1, Eigen::VectorXd(), Eigen::VectorXd(), method, tol,
                           max_iter);
}

StockFlows flows_from_stocks(const Eigen::MatrixXd& stock_t0, const Eigen::MatrixXd& stock_t1,
                             const Eigen::VectorXd& births, const Eigen::VectorXd& deaths,
                             StockMethod method, double tol, int max_iter) {
  check_stocks(stock_t0, stock_t1);
  const auto n = stock_t0.rows();
  const bool vital = births.size() > 0 || deaths.size() > 0;
  for (const auto& [v, name] : {std::pair{&births, "births"}, std::pair{&deaths, "deaths"}}) {
    if (v->size() == 0) continue;
    if (v->size() != n) {
      throw InputError(std::string(name) + ": " + std::to_string(v->size()) +
                       " values, expected one per place (" + std::to_string(n) + ")");
    }
    check_vector(*v, name);
  }
  const auto zero = Eigen::MatrixXd::Zero(n, n);
  if (method == StockMethod::kDiffZero || method == StockMethod::kDiffReturn) {
    if (vital) {
      throw InputError(std::string(births.size() > 0 ? "births" : "deaths") + ": method '" +
                       to_string(method) + "' does not use births or deaths");
    }
    auto result = stock_differences(stock_t0, stock_t1, method == StockMethod::kDiffReturn);
    result.births = result.deaths = result.entered = result.left = zero;
    return result;
  }
  check_controls(tol, max_iter);

  // The demographic account: take births and deaths out of the stocks.
  const double scale = std::max(stock_t0.maxCoeff(), stock_t1.maxCoeff());
  const Eigen::MatrixXd born =
      births.size() > 0 ? birth_matrix(births, stock_t1) : Eigen::MatrixXd(zero);
  const Eigen::MatrixXd died =
      deaths.size() > 0 ? death_matrix(deaths, stock_t0) : Eigen::MatrixXd(zero);
  Eigen::MatrixXd m1 = stock_t0 - died, m2 = stock_t1 - born;
  clean_rounding(m1, scale);
  clean_rounding(m2, scale);
  Eigen::MatrixXd entered = zero, left = zero;

  if (method == StockMethod::kOpen || method == StockMethod::kOpenDr) {
    const Eigen::VectorXd gap = m1.rowwise().sum() - m2.rowwise().sum();  // > 0: left the system
    const bool open = method == StockMethod::kOpen;
    const std::string how = to_string(method);
    entered = scale_rows(open ? m1 : m2, (-gap).cwiseMax(0.0),
                         open ? "stock_t0" : "stock_t1", how);
    left = scale_rows(open ? m2 : m1, gap.cwiseMax(0.0), open ? "stock_t1" : "stock_t0", how);
    m1 -= left;
    m2 -= entered;
    clean_rounding(m1, scale);
    clean_rounding(m2, scale);
    for (const auto& [m, name] : {std::pair{&m1, "stock_t0"}, std::pair{&m2, "stock_t1"}}) {
      for (Eigen::Index b = 0; b < n; ++b) {
        for (Eigen::Index j = 0; j < n; ++j) {
          if ((*m)(b, j) >= 0) continue;
          throw InputError(std::string(name) + "[" + std::to_string(b) + "][" +
                           std::to_string(j) + "]: method 'open' takes " +
                           num((m == &m1 ? left : entered)(b, j)) +
                           " people who " + (m == &m1 ? "left" : "entered") +
                           " the system out of this cell, leaving " + num((*m)(b, j)) +
                           " (a negative stock, so negative flows); use method='open-dr'");
        }
      }
    }
  }

  for (Eigen::Index b = 0; b < n; ++b) {
    const double t0 = m1.row(b).sum(), t1 = m2.row(b).sum();
    if (!balanced(t0, t1)) {
      throw InputError(
          "stock_t1[" + std::to_string(b) + "]: place of birth " + std::to_string(b) +
          " totals " + num(t1) + " but " + num(t0) + " in stock_t0" +
          (vital ? " once births and deaths are taken out; method '" + to_string(method) +
                       "' needs them equal (use 'open' or 'open-dr' to let people enter or "
                       "leave the system)"
                 : "; without births and deaths they must be equal"));
    }
  }

  StockFlows result;
  result.converged = true;
  result.od = zero;
  const bool stayers_fixed = method != StockMethod::kIpf3;
  Eigen::MatrixXd seed = Eigen::MatrixXd::Ones(n, n);
  if (stayers_fixed) seed.diagonal().setZero();
  LinePasses passes(seed, 0);
  Eigen::VectorXd mins;
  const SeedSums sums = passes.check(nullptr, mins, false);
  for (Eigen::Index b = 0; b < n; ++b) {
    Eigen::VectorXd origin = m1.row(b).transpose();
    Eigen::VectorXd destination = m2.row(b).transpose();
    Eigen::VectorXd stayers = Eigen::VectorXd::Zero(n);
    if (stayers_fixed) {
      stayers = origin.cwiseMin(destination);
      origin -= stayers;
      destination -= stayers;
    }
    // Rounding from the adjustments: make the two totals equal to the last bit.
    const double so = origin.sum(), sd = destination.sum();
    if (so > 0 && sd > 0) destination *= so / sd;
    auto one = fit(origin, destination, passes, false, tol, max_iter, sums, nullptr);
    if (stayers_fixed) one.fitted.diagonal() = stayers;
    result.iterations = std::max(result.iterations, one.iterations);
    result.converged = result.converged && one.converged;
    result.max_margin_error = std::max(result.max_margin_error, one.max_margin_error);
    result.od += one.fitted;
    result.by_birth.push_back(std::move(one.fitted));
  }
  result.od.diagonal().setZero();
  result.births = born;
  result.deaths = died;
  result.entered = std::move(entered);
  result.left = std::move(left);
  return result;
}

}  // namespace corridor
