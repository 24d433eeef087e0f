// corridor — IPF and flows from stocks (see flows.hpp for the design notes).
#include "corridor/flows.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "corridor/error.hpp"
#include "flows_checks.hpp"

namespace corridor {

using namespace flows_detail;

namespace {

/// Checks that every positive total has some non-structural-zero cell to go to.
void check_support(const Eigen::VectorXd& row_totals, const Eigen::VectorXd& col_totals,
                   const Eigen::MatrixXd& seed, const std::string& rows_name,
                   const std::string& cols_name, const std::string& seed_name) {
  const Eigen::VectorXd row_sums = seed.rowwise().sum();
  const Eigen::RowVectorXd col_sums = seed.colwise().sum();
  for (Eigen::Index i = 0; i < seed.rows(); ++i) {
    if (row_totals(i) > 0 && row_sums(i) == 0) {
      throw InputError(rows_name + "[" + std::to_string(i) + "]: total " + num(row_totals(i)) +
                       " but row " + std::to_string(i) + " of " + seed_name +
                       " is all structural zeros");
    }
  }
  for (Eigen::Index j = 0; j < seed.cols(); ++j) {
    if (col_totals(j) > 0 && col_sums(j) == 0) {
      throw InputError(cols_name + "[" + std::to_string(j) + "]: total " + num(col_totals(j)) +
                       " but column " + std::to_string(j) + " of " + seed_name +
                       " is all structural zeros");
    }
  }
}

/// y = S x (transpose = false) or S' x, on up to two threads for large S. Each element is
/// computed by one thread in a fixed order, so the result does not depend on the split.
void gemv(const Eigen::Ref<const Eigen::MatrixXd>& s, const Eigen::VectorXd& x,
          Eigen::VectorXd& y, bool transpose) {
  const Eigen::Index n_out = transpose ? s.cols() : s.rows();
  y.resize(n_out);
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const Eigen::Index parts =
      s.size() >= (1 << 20) && n_out >= 64 ? std::min<Eigen::Index>(hw, 4) : 1;
  auto run = [&](Eigen::Index begin, Eigen::Index end) {
    if (transpose) {
      for (Eigen::Index j = begin; j < end; ++j) y(j) = s.col(j).dot(x);
    } else {
      y.segment(begin, end - begin).noalias() = s.middleRows(begin, end - begin) * x;
    }
  };
  if (parts == 1) {
    run(0, n_out);
    return;
  }
  std::vector<std::thread> pool;
  const Eigen::Index chunk = (n_out + parts - 1) / parts;
  for (Eigen::Index p = 1; p < parts; ++p) {
    const Eigen::Index begin = p * chunk, end = std::min(n_out, begin + chunk);
    if (begin < end) pool.emplace_back(run, begin, end);
  }
  run(0, std::min(n_out, chunk));
  for (auto& t : pool) t.join();
}

/// The fit itself, on validated input. IPF in factor form (Sinkhorn): the fit is
/// diag(a) seed diag(b), and a sweep sets a = rows / (seed b), then b = cols / (seed' a): the
/// same iterates as scaling the table row by row and column by column, in two read-only
/// passes over the seed instead of four read-write ones. A row (column) whose current sum is
/// 0 stays 0.
/// `transposed`: `seed` holds the transpose of the table's seed (columns x rows), as Eigen sees
/// a row-major array; the iterates are the same and `fitted` comes back transposed too.
IpfResult fit(const Eigen::VectorXd& row_totals, const Eigen::VectorXd& col_totals,
              const Eigen::Ref<const Eigen::MatrixXd>& seed, double tol, int max_iter,
              bool transposed = false) {
  IpfResult result;
  const Eigen::Index rows = row_totals.size(), cols = col_totals.size();
  Eigen::VectorXd a(rows), b = Eigen::VectorXd::Ones(cols), rs, cs;
  gemv(seed, b, rs, transposed);
  for (int it = 1; it <= max_iter; ++it) {
    for (Eigen::Index i = 0; i < rows; ++i) a(i) = rs(i) > 0 ? row_totals(i) / rs(i) : 0.0;
    gemv(seed, a, cs, !transposed);
    double error = 0.0;
    for (Eigen::Index j = 0; j < cols; ++j) {
      b(j) = cs(j) > 0 ? col_totals(j) / cs(j) : 0.0;
      error = std::max(error, std::abs(cs(j) * b(j) - col_totals(j)));
    }
    gemv(seed, b, rs, transposed);
    for (Eigen::Index i = 0; i < rows; ++i)
      error = std::max(error, std::abs(a(i) * rs(i) - row_totals(i)));
    result.iterations = it;
    result.max_margin_error = error;
    if (error <= tol) {
      result.converged = true;
      break;
    }
  }
  result.fitted = transposed ? Eigen::MatrixXd(b.asDiagonal() * seed * a.asDiagonal())
                             : Eigen::MatrixXd(a.asDiagonal() * seed * b.asDiagonal());
  return result;
}

}  // namespace

IpfResult ipf2(const Eigen::VectorXd& row_totals, const Eigen::VectorXd& col_totals,
               const Eigen::MatrixXd& seed, double tol, int max_iter) {
  check_vector(row_totals, "row_totals");
  check_vector(col_totals, "col_totals");
  check_controls(tol, max_iter);
  Eigen::MatrixXd m;
  if (seed.size() == 0) {
    m = Eigen::MatrixXd::Ones(row_totals.size(), col_totals.size());
  } else {
    if (seed.rows() != row_totals.size() || seed.cols() != col_totals.size()) {
      throw InputError("seed: shape " + std::to_string(seed.rows()) + " x " +
                       std::to_string(seed.cols()) + ", expected " +
                       std::to_string(row_totals.size()) + " x " +
                       std::to_string(col_totals.size()) + " (row_totals x col_totals)");
    }
    check_counts(seed, "seed");
    m = seed;
  }
  const double rs = row_totals.sum(), cs = col_totals.sum();
  if (!balanced(rs, cs)) {
    throw InputError("col_totals: sum " + num(cs) + " does not balance row_totals' sum " + num(rs));
  }
  check_support(row_totals, col_totals, m, "row_totals", "col_totals", "seed");
  return fit(row_totals, col_totals, m, tol, max_iter);
}

IpfResult ipf2_transposed(const Eigen::VectorXd& row_totals, const Eigen::VectorXd& col_totals,
                          const Eigen::Ref<const Eigen::MatrixXd>& seed_t, double tol,
                          int max_iter) {
  check_vector(row_totals, "row_totals");
  check_vector(col_totals, "col_totals");
  check_controls(tol, max_iter);
  if (seed_t.cols() != row_totals.size() || seed_t.rows() != col_totals.size()) {
    throw InputError("seed: shape " + std::to_string(seed_t.cols()) + " x " +
                     std::to_string(seed_t.rows()) + ", expected " +
                     std::to_string(row_totals.size()) + " x " +
                     std::to_string(col_totals.size()) + " (row_totals x col_totals)");
  }
  if (!(seed_t.allFinite() && seed_t.minCoeff() >= 0)) {
    // Report the first bad cell in reading order of the (untransposed) seed.
    check_counts(seed_t.transpose(), "seed");
  }
  const double rs = row_totals.sum(), cs = col_totals.sum();
  if (!balanced(rs, cs)) {
    throw InputError("col_totals: sum " + num(cs) + " does not balance row_totals' sum " + num(rs));
  }
  const Eigen::VectorXd row_sums = seed_t.colwise().sum().transpose();
  const Eigen::VectorXd col_sums = seed_t.rowwise().sum();
  for (Eigen::Index i = 0; i < row_sums.size(); ++i)
    if (row_totals(i) > 0 && row_sums(i) == 0)
      throw InputError("row_totals[" + std::to_string(i) + "]: total " + num(row_totals(i)) +
                       " but row " + std::to_string(i) + " of seed is all structural zeros");
  for (Eigen::Index j = 0; j < col_sums.size(); ++j)
    if (col_totals(j) > 0 && col_sums(j) == 0)
      throw InputError("col_totals[" + std::to_string(j) + "]: total " + num(col_totals(j)) +
                       " but column " + std::to_string(j) + " of seed is all structural zeros");
  return fit(row_totals, col_totals, seed_t, tol, max_iter, true);
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
    Eigen::MatrixXd m;
    if (seed.empty()) {
      m = Eigen::MatrixXd::Ones(n_o, n_d);
    } else {
      m = seed[static_cast<std::size_t>(b)];
      if (m.rows() != n_o || m.cols() != n_d) {
        throw InputError(slice + ": shape " + std::to_string(m.rows()) + " x " +
                         std::to_string(m.cols()) + ", expected " + std::to_string(n_o) + " x " +
                         std::to_string(n_d) + " (origins x destinations)");
      }
      check_counts(m, slice);
    }
    const Eigen::VectorXd rt = origin_by_birth.row(b).transpose();
    const Eigen::VectorXd ct = destination_by_birth.row(b).transpose();
    if (!balanced(rt.sum(), ct.sum())) {
      throw InputError("destination_by_birth[" + std::to_string(b) + "]: sum " + num(ct.sum()) +
                       " does not balance origin_by_birth[" + std::to_string(b) + "]'s sum " +
                       num(rt.sum()));
    }
    check_support(rt, ct, m, "origin_by_birth[" + std::to_string(b) + "]",
                  "destination_by_birth[" + std::to_string(b) + "]", slice);
    auto one = fit(rt, ct, m, tol, max_iter);
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
    auto one = fit(origin, destination, seed, tol, max_iter);
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
