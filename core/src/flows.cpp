// corridor — IPF and flows from stocks (see flows.hpp for the design notes).
#include "corridor/flows.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "corridor/error.hpp"

namespace corridor {
namespace {

/// Sums that agree to this relative tolerance balance; anything further apart is bad input.
constexpr double kBalanceRelTol = 1e-9;

std::string num(double v) {
  std::ostringstream out;
  out.precision(12);
  out << v;
  return out.str();
}

void check_counts(const Eigen::Ref<const Eigen::MatrixXd>& values, const std::string& name) {
  for (Eigen::Index i = 0; i < values.rows(); ++i) {
    for (Eigen::Index j = 0; j < values.cols(); ++j) {
      const double v = values(i, j);
      if (std::isfinite(v) && v >= 0) continue;
      const std::string where = name + "[" + std::to_string(i) + "][" + std::to_string(j) + "]";
      throw InputError(where + ": " + num(v) +
                       (std::isfinite(v) ? " is negative" : " is not finite") +
                       "; counts must be finite and >= 0");
    }
  }
}

void check_vector(const Eigen::VectorXd& values, const std::string& name) {
  if (values.size() == 0) throw InputError(name + ": empty");
  for (Eigen::Index i = 0; i < values.size(); ++i) {
    const double v = values(i);
    if (std::isfinite(v) && v >= 0) continue;
    throw InputError(name + "[" + std::to_string(i) + "]: " + num(v) +
                     (std::isfinite(v) ? " is negative" : " is not finite") +
                     "; totals must be finite and >= 0");
  }
}

void check_controls(double tol, int max_iter) {
  if (!(std::isfinite(tol) && tol > 0))
    throw InputError("tol: must be finite and > 0, got " + num(tol));
  if (max_iter < 1) throw InputError("max_iter: must be >= 1, got " + std::to_string(max_iter));
}

bool balanced(double a, double b) { return std::abs(a - b) <= kBalanceRelTol * std::max(a, b); }

/// Checks that every positive total has some non-structural-zero cell to go to.
void check_support(const Eigen::VectorXd& row_totals, const Eigen::VectorXd& col_totals,
                   const Eigen::MatrixXd& seed, const std::string& rows_name,
                   const std::string& cols_name, const std::string& seed_name) {
  for (Eigen::Index i = 0; i < seed.rows(); ++i) {
    if (row_totals(i) > 0 && seed.row(i).sum() == 0) {
      throw InputError(rows_name + "[" + std::to_string(i) + "]: total " + num(row_totals(i)) +
                       " but row " + std::to_string(i) + " of " + seed_name +
                       " is all structural zeros");
    }
  }
  for (Eigen::Index j = 0; j < seed.cols(); ++j) {
    if (col_totals(j) > 0 && seed.col(j).sum() == 0) {
      throw InputError(cols_name + "[" + std::to_string(j) + "]: total " + num(col_totals(j)) +
                       " but column " + std::to_string(j) + " of " + seed_name +
                       " is all structural zeros");
    }
  }
}

double margin_error(const Eigen::MatrixXd& m, const Eigen::VectorXd& row_totals,
                    const Eigen::VectorXd& col_totals) {
  const double rows = (m.rowwise().sum() - row_totals).cwiseAbs().maxCoeff();
  const double cols = (m.colwise().sum().transpose() - col_totals).cwiseAbs().maxCoeff();
  return std::max(rows, cols);
}

/// The fit itself, on validated input. A row (column) whose current sum is 0 stays 0.
IpfResult fit(const Eigen::VectorXd& row_totals, const Eigen::VectorXd& col_totals,
              Eigen::MatrixXd m, double tol, int max_iter) {
  IpfResult result;
  for (int it = 1; it <= max_iter; ++it) {
    const Eigen::VectorXd rows = m.rowwise().sum();
    for (Eigen::Index i = 0; i < m.rows(); ++i)
      m.row(i) *= rows(i) > 0 ? row_totals(i) / rows(i) : 0.0;
    const Eigen::VectorXd cols = m.colwise().sum().transpose();
    for (Eigen::Index j = 0; j < m.cols(); ++j)
      m.col(j) *= cols(j) > 0 ? col_totals(j) / cols(j) : 0.0;
    result.iterations = it;
    result.max_margin_error = margin_error(m, row_totals, col_totals);
    if (result.max_margin_error <= tol) {
      result.converged = true;
      break;
    }
  }
  result.fitted = std::move(m);
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
  return fit(row_totals, col_totals, std::move(m), tol, max_iter);
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
    auto one = fit(rt, ct, std::move(m), tol, max_iter);
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
  throw InputError("method: expected 'demo' or 'ipf3', got '" + name + "'");
}

StockFlows flows_from_stocks(const Eigen::MatrixXd& stock_t0, const Eigen::MatrixXd& stock_t1,
                             StockMethod method, double tol, int max_iter) {
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
  check_controls(tol, max_iter);
  for (Eigen::Index b = 0; b < n; ++b) {
    const double t0 = stock_t0.row(b).sum(), t1 = stock_t1.row(b).sum();
    if (!balanced(t0, t1)) {
      throw InputError("stock_t1[" + std::to_string(b) + "]: place of birth " + std::to_string(b) +
                       " totals " + num(t1) + " but " + num(t0) +
                       " in stock_t0; without births and deaths they must be equal");
    }
  }

  StockFlows result;
  result.converged = true;
  result.od = Eigen::MatrixXd::Zero(n, n);
  Eigen::MatrixXd seed = Eigen::MatrixXd::Ones(n, n);
  if (method == StockMethod::kDemo) seed.diagonal().setZero();
  for (Eigen::Index b = 0; b < n; ++b) {
    Eigen::VectorXd origin = stock_t0.row(b).transpose();
    Eigen::VectorXd destination = stock_t1.row(b).transpose();
    Eigen::VectorXd stayers = Eigen::VectorXd::Zero(n);
    if (method == StockMethod::kDemo) {
      stayers = origin.cwiseMin(destination);
      origin -= stayers;
      destination -= stayers;
    }
    auto one = fit(origin, destination, seed, tol, max_iter);
    if (method == StockMethod::kDemo) one.fitted.diagonal() = stayers;
    result.iterations = std::max(result.iterations, one.iterations);
    result.converged = result.converged && one.converged;
    result.max_margin_error = std::max(result.max_margin_error, one.max_margin_error);
    result.od += one.fitted;
    result.by_birth.push_back(std::move(one.fitted));
  }
  result.od.diagonal().setZero();
  return result;
}

}  // namespace corridor
