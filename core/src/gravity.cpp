// corridor — gravity and radiation models (see gravity.hpp for the design notes).
#include "corridor/gravity.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "corridor/error.hpp"
#include "corridor/flows.hpp"
#include "flows_checks.hpp"

namespace corridor {

using namespace flows_detail;

Deterrence parse_deterrence(const std::string& name) {
  if (name == "power") return Deterrence::kPower;
  if (name == "exponential") return Deterrence::kExponential;
  throw InputError("deterrence: expected 'power' or 'exponential', got '" + name + "'");
}

std::string to_string(GravityConstraint constraint) {
  switch (constraint) {
    case GravityConstraint::kUnconstrained: return "unconstrained";
    case GravityConstraint::kProduction: return "production";
    case GravityConstraint::kAttraction: return "attraction";
    case GravityConstraint::kDoubly: return "doubly";
  }
  return "unconstrained";
}

namespace {

/// Off-diagonal (or every, with include_self) distance: finite and >= 0; > 0 if `positive`.
void check_distance(double d, Eigen::Index i, Eigen::Index j, bool positive) {
  if (std::isfinite(d) && d >= 0 && (d > 0 || !positive)) return;
  std::string why;
  if (std::isnan(d)) {
    why = "is not a number";
  } else if (std::isinf(d)) {
    why = d > 0 ? "is infinite (an unreachable pair?); distances must be finite"
                : "is not finite";
  } else if (d < 0) {
    why = "is negative";
  } else {
    why = "is 0 between different places; the power law d^-beta needs d > 0";
  }
  throw InputError(cell("distances", i, j) + ": " + num(d) + " km " + why);
}

void check_beta(double beta) {
  if (!(std::isfinite(beta) && beta >= 0))
    throw InputError("beta: must be finite and >= 0, got " + num(beta));
}

}  // namespace

Eigen::MatrixXd deterrence_matrix(const Eigen::MatrixXd& distances_km, double beta,
                                  Deterrence deterrence, bool include_self) {
  check_beta(beta);
  const bool power = deterrence == Deterrence::kPower;
  Eigen::MatrixXd f(distances_km.rows(), distances_km.cols());
  for (Eigen::Index i = 0; i < f.rows(); ++i) {  // row by row: errors in reading order
    for (Eigen::Index j = 0; j < f.cols(); ++j) {
      if (i == j && !include_self) {
        f(i, j) = 0.0;
        continue;
      }
      const double d = distances_km(i, j);
      check_distance(d, i, j, power && beta > 0);
      f(i, j) = power ? (beta == 0 ? 1.0 : std::pow(d, -beta)) : std::exp(-beta * d);
    }
  }
  return f;
}

GravityResult gravity(const Eigen::VectorXd& masses_o, const Eigen::VectorXd& masses_d,
                      const Eigen::MatrixXd& distances_km, double beta,
                      const Eigen::VectorXd& outflows, const Eigen::VectorXd& inflows,
                      const GravityOptions& options) {
  check_vector(masses_o, "masses_o");
  check_vector(masses_d, "masses_d");
  const auto n_o = masses_o.size(), n_d = masses_d.size();
  if (distances_km.rows() != n_o || distances_km.cols() != n_d) {
    throw InputError("distances: shape " + std::to_string(distances_km.rows()) + " x " +
                     std::to_string(distances_km.cols()) + ", expected " + std::to_string(n_o) +
                     " x " + std::to_string(n_d) + " (masses_o x masses_d)");
  }
  if (outflows.size() > 0) check_vector(outflows, n_o, "outflows", "one per origin");
  if (inflows.size() > 0) check_vector(inflows, n_d, "inflows", "one per destination");
  if (!(std::isfinite(options.k) && options.k > 0))
    throw InputError("k: must be finite and > 0, got " + num(options.k));
  if (!std::isfinite(options.exponent_o))
    throw InputError("exponent_o: must be finite, got " + num(options.exponent_o));
  if (!std::isfinite(options.exponent_d))
    throw InputError("exponent_d: must be finite, got " + num(options.exponent_d));

  // Masses to a power; 0^0 = 1 and 0^negative is no attraction rather than infinity.
  auto powered = [](const Eigen::VectorXd& m, double e) {
    Eigen::VectorXd out(m.size());
    for (Eigen::Index i = 0; i < m.size(); ++i)
      out(i) = m(i) == 0 ? (e == 0 ? 1.0 : 0.0) : std::pow(m(i), e);
    return out;
  };
  const Eigen::VectorXd mo = powered(masses_o, options.exponent_o);
  const Eigen::VectorXd md = powered(masses_d, options.exponent_d);
  const Eigen::MatrixXd f =
      deterrence_matrix(distances_km, beta, options.deterrence, options.include_self);

  GravityResult result;
  const bool has_o = outflows.size() > 0, has_d = inflows.size() > 0;
  if (has_o && has_d) {
    result.constraint = GravityConstraint::kDoubly;
    check_controls(options.tol, options.max_iter);
    const Eigen::MatrixXd seed = mo.asDiagonal() * f * md.asDiagonal();
    if (!balanced(outflows.sum(), inflows.sum())) {
      throw InputError("inflows: sum " + num(inflows.sum()) +
                       " does not balance the sum of outflows " + num(outflows.sum()));
    }
    for (Eigen::Index i = 0; i < n_o; ++i)
      if (outflows(i) > 0 && seed.row(i).sum() == 0)
        throw InputError("outflows[" + std::to_string(i) + "]: " + num(outflows(i)) +
                         " people leave origin " + std::to_string(i) +
                         " but no destination attracts any (zero masses or self only)");
    for (Eigen::Index j = 0; j < n_d; ++j)
      if (inflows(j) > 0 && seed.col(j).sum() == 0)
        throw InputError("inflows[" + std::to_string(j) + "]: " + num(inflows(j)) +
                         " people arrive at destination " + std::to_string(j) +
                         " but no origin sends any (zero masses or self only)");
    auto fit = ipf2(outflows, inflows, seed, options.tol, options.max_iter);
    result.flows = std::move(fit.fitted);
    result.iterations = fit.iterations;
    result.converged = fit.converged;
    result.max_margin_error = fit.max_margin_error;
    return result;
  }
  if (has_o) {
    result.constraint = GravityConstraint::kProduction;
    result.flows = f * md.asDiagonal();
    for (Eigen::Index i = 0; i < n_o; ++i) {
      const double sum = result.flows.row(i).sum();
      if (outflows(i) > 0 && sum == 0)
        throw InputError("outflows[" + std::to_string(i) + "]: " + num(outflows(i)) +
                         " people leave origin " + std::to_string(i) +
                         " but no destination attracts any (zero masses or self only)");
      result.flows.row(i) *= sum > 0 ? outflows(i) / sum : 0.0;
    }
    result.max_margin_error = (result.flows.rowwise().sum() - outflows).cwiseAbs().maxCoeff();
    return result;
  }
  if (has_d) {
    result.constraint = GravityConstraint::kAttraction;
    result.flows = mo.asDiagonal() * f;
    for (Eigen::Index j = 0; j < n_d; ++j) {
      const double sum = result.flows.col(j).sum();
      if (inflows(j) > 0 && sum == 0)
        throw InputError("inflows[" + std::to_string(j) + "]: " + num(inflows(j)) +
                         " people arrive at destination " + std::to_string(j) +
                         " but no origin sends any (zero masses or self only)");
      result.flows.col(j) *= sum > 0 ? inflows(j) / sum : 0.0;
    }
    result.max_margin_error =
        (result.flows.colwise().sum().transpose() - inflows).cwiseAbs().maxCoeff();
    return result;
  }
  result.constraint = GravityConstraint::kUnconstrained;
  result.flows = options.k * (mo.asDiagonal() * f * md.asDiagonal());
  return result;
}

Eigen::MatrixXd radiation(const Eigen::VectorXd& masses, const Eigen::MatrixXd& distances_km,
                          const Eigen::VectorXd& outflows, bool finite_size) {
  check_vector(masses, "masses");
  const auto n = masses.size();
  if (distances_km.rows() != n || distances_km.cols() != n) {
    throw InputError("distances: shape " + std::to_string(distances_km.rows()) + " x " +
                     std::to_string(distances_km.cols()) + ", expected " + std::to_string(n) +
                     " x " + std::to_string(n) + " (one row and column per place)");
  }
  check_vector(outflows, n, "outflows", "one per place");
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j)
      if (i != j) check_distance(distances_km(i, j), i, j, false);
  const double total = masses.sum();

  Eigen::MatrixXd flows = Eigen::MatrixXd::Zero(n, n);
  std::vector<Eigen::Index> order;
  order.reserve(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    if (outflows(i) == 0) continue;
    const double m = masses(i);
    const double others = total - m;
    if (!(others > 0)) {
      throw InputError("outflows[" + std::to_string(i) + "]: " + num(outflows(i)) +
                       " people leave place " + std::to_string(i) +
                       " but no other place has any population (masses) to attract them");
    }
    order.clear();
    for (Eigen::Index j = 0; j < n; ++j)
      if (j != i) order.push_back(j);
    std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) {
      return distances_km(i, a) < distances_km(i, b);
    });
    // Row i: T_i times the probability of each destination, normalised by 1 - m/M.
    const double scale = outflows(i) / (finite_size ? others / total : 1.0);
    double s = 0.0;  // population of the places nearer than the current group
    for (std::size_t g = 0; g < order.size();) {
      std::size_t end = g + 1;
      const double d = distances_km(i, order[g]);
      while (end < order.size() && distances_km(i, order[end]) == d) ++end;
      double group = 0.0;
      for (std::size_t q = g; q < end; ++q) group += masses(order[q]);
      if (group > 0) {
        // m n / ((m + s)(m + s + n)) for the group as one place; its m -> 0 limit is 1 for
        // the first group with people (s == 0) and 0 after.
        const double p = m > 0 ? m * group / ((m + s) * (m + s + group)) : (s == 0 ? 1.0 : 0.0);
        for (std::size_t q = g; q < end; ++q)
          flows(i, order[q]) = scale * p * (masses(order[q]) / group);
      }
      s += group;
      g = end;
    }
  }
  return flows;
}

}  // namespace corridor
