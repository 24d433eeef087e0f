// corridor — input checks shared by the flow-estimation sources (flows, gravity, ppml,
// assignment). Private to core/src. Each throws InputError whose message starts with the
// argument's name, e.g. "distances[2][5]: -1 is negative".
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "corridor/error.hpp"

namespace corridor::flows_detail {

/// Sums that agree to this relative tolerance balance; anything further apart is bad input.
inline constexpr double kBalanceRelTol = 1e-9;

/// A number as text with 12 significant digits.
inline std::string num(double v) {
  std::ostringstream out;
  out.precision(12);
  out << v;
  return out.str();
}

inline std::string cell(const std::string& name, Eigen::Index i, Eigen::Index j) {
  return name + "[" + std::to_string(i) + "][" + std::to_string(j) + "]";
}

/// Every value finite and >= 0.
inline void check_counts(const Eigen::Ref<const Eigen::MatrixXd>& values, const std::string& name) {
  if (values.allFinite() && (values.size() == 0 || values.minCoeff() >= 0)) return;  // fast path
  for (Eigen::Index i = 0; i < values.rows(); ++i) {  // row by row: errors in reading order
    for (Eigen::Index j = 0; j < values.cols(); ++j) {
      const double v = values(i, j);
      if (std::isfinite(v) && v >= 0) continue;
      throw InputError(cell(name, i, j) + ": " + num(v) +
                       (std::isfinite(v) ? " is negative" : " is not finite") +
                       "; counts must be finite and >= 0");
    }
  }
}

/// A non-empty vector of finite values >= 0.
inline void check_vector(const Eigen::VectorXd& values, const std::string& name) {
  if (values.size() == 0) throw InputError(name + ": empty");
  for (Eigen::Index i = 0; i < values.size(); ++i) {
    const double v = values(i);
    if (std::isfinite(v) && v >= 0) continue;
    throw InputError(name + "[" + std::to_string(i) + "]: " + num(v) +
                     (std::isfinite(v) ? " is negative" : " is not finite") +
                     "; values must be finite and >= 0");
  }
}

/// A vector of `size` values (see check_vector).
inline void check_vector(const Eigen::VectorXd& values, Eigen::Index size, const std::string& name,
                         const std::string& what) {
  if (values.size() != size) {
    throw InputError(name + ": " + std::to_string(values.size()) + " values, expected " +
                     std::to_string(size) + " (" + what + ")");
  }
  check_vector(values, name);
}

inline void check_controls(double tol, int max_iter) {
  if (!(std::isfinite(tol) && tol > 0))
    throw InputError("tol: must be finite and > 0, got " + num(tol));
  if (max_iter < 1) throw InputError("max_iter: must be >= 1, got " + std::to_string(max_iter));
}

inline bool balanced(double a, double b) {
  return std::abs(a - b) <= kBalanceRelTol * std::max(a, b);
}

}  // namespace corridor::flows_detail
