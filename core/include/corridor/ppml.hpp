// corridor — fitting gravity models by Poisson pseudo-maximum likelihood (PPML; Santos Silva
// and Tenreyro 2006) with origin and/or destination fixed effects.
//
// Design notes:
// - Model: E[y_ij] = exp(x_ij' b + a_i + g_j) over the cells in the sample (zeros kept: that is
//   the point of PPML). The fixed effects are never put in a design matrix. For a given b, the
//   Poisson likelihood is maximised over a and g exactly when the fitted margins equal the
//   observed ones, so the effects are concentrated out by scaling (origin only or destination
//   only: one division per row or column; both: IPF on the seed exp(x' b), warm-started).
//   b then follows Newton's method on the concentrated (profile) likelihood, whose gradient
//   is X'(y - mu) and whose Hessian is -X~' W X~, W = diag(mu), X~ = X with the fixed effects
//   partialled out by weighted least squares (Frisch-Waugh-Lovell). Steps are halved until the
//   likelihood does not fall.
// - Partialling out both effects solves the (n_o + n_d) normal equations of the dummies by
//   eliminating the larger side: a dense Schur complement of size min(n_o, n_d) - 1 (one
//   effect is fixed at 0), formed with one rank update, O(n_o n_d min(n_o, n_d)) per iteration
//   and no n_o n_d x (n_o + n_d) design. 500 x 500 takes well under a second.
// - Without fixed effects a constant is estimated as an ordinary coefficient ("const").
// - Covariances: the model one (X~' W X~)^-1 and the robust sandwich (HC0, no small-sample
//   factor) H^-1 (sum (y - mu)^2 x~ x~') H^-1, both for b only; by Frisch-Waugh-Lovell they
//   equal the b block of a fit with dummy variables (statsmodels' GLM Poisson, cov_type HC0).
// - An origin (destination) whose observed flows are all zero has no finite effect (its
//   maximum likelihood effect is -infinity); with that fixed effect it is dropped from the
//   sample, fitted 0, and reported.
// - Bad input (shapes, negative or non-finite flows, non-finite regressors in the sample, too
//   few observations) and a singular design (a regressor constant within the fixed effects, or
//   collinear regressors) throw InputError naming the regressor.
// - The function is pure and reentrant.
#pragma once

#include <Eigen/Dense>
#include <string>
#include <vector>

namespace corridor {

/// Which fixed effects a PPML fit absorbs.
enum class FixedEffects { kNone, kOrigin, kDestination, kBoth };

/// Parses "none", "origin", "destination" or "both"; else InputError naming `fixed_effects`.
FixedEffects parse_fixed_effects(const std::string& name);

/// Settings of fit_ppml.
struct PpmlOptions {
  FixedEffects fixed_effects = FixedEffects::kBoth;
  /// Stop when the Newton decrement g' H^-1 g (about twice the log-likelihood still to gain)
  /// is <= tol * (1 + |deviance|), > 0.
  double tol = 1e-12;
  int max_iter = 100;  ///< most Newton iterations, >= 1
};

/// A PPML fit.
struct PpmlResult {
  std::vector<std::string> names;  ///< coefficient names: "const" first without fixed effects
  Eigen::VectorXd coef;            ///< b
  Eigen::MatrixXd cov_robust;      ///< HC0 sandwich covariance of b
  Eigen::MatrixXd cov_model;       ///< model-based covariance of b, (X~' W X~)^-1
  Eigen::VectorXd origin_effects;  ///< a_i (NaN for dropped origins; empty without)
  /// g_j (NaN for dropped destinations; empty without). With both effects the first kept
  /// destination's is 0.
  Eigen::VectorXd destination_effects;
  Eigen::MatrixXd fitted;           ///< mu, n_o x n_d, 0 outside the sample
  double deviance = 0.0;            ///< 2 sum (y log(y / mu) - (y - mu))
  double null_deviance = 0.0;       ///< the same for the constant-only model
  double log_likelihood = 0.0;      ///< Poisson, with the log(y!) term (lgamma(y + 1))
  double null_log_likelihood = 0.0;  ///< of the constant-only model
  double pseudo_r2 = 0.0;           ///< McFadden: 1 - log_likelihood / null_log_likelihood
  double r2 = 0.0;                  ///< squared correlation of y and mu over the sample
  int iterations = 0;
  bool converged = false;
  Eigen::Index n_obs = 0;                    ///< cells in the sample after dropping
  std::vector<Eigen::Index> dropped_origins;       ///< all-zero origins dropped
  std::vector<Eigen::Index> dropped_destinations;  ///< all-zero destinations dropped
};

/// Cells in the sample: true = used. Empty = every cell.
using CellMask = Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic>;

/// Fits E[y] = exp(X b + effects) by PPML.
/// @param flows       y, n_o x n_d, finite and >= 0 in the sample (people; need not be
///                    whole); cells outside the sample are not read
/// @param regressors  one n_o x n_d matrix per regressor (e.g. log distance), finite in the
///                    sample
/// @param names       one name per regressor, used in errors and results; not "const"
/// @param sample      cells to use, n_o x n_d, or empty for all
/// @throws InputError naming the argument or the regressor
PpmlResult fit_ppml(const Eigen::MatrixXd& flows, const std::vector<Eigen::MatrixXd>& regressors,
                    const std::vector<std::string>& names, const CellMask& sample = CellMask(),
                    const PpmlOptions& options = {});

}  // namespace corridor
