// corridor — PPML with concentrated fixed effects (see ppml.hpp for the design notes).
#include "corridor/ppml.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "corridor/error.hpp"
#include "flows_checks.hpp"

namespace corridor {

using namespace flows_detail;

FixedEffects parse_fixed_effects(const std::string& name) {
  if (name == "none") return FixedEffects::kNone;
  if (name == "origin") return FixedEffects::kOrigin;
  if (name == "destination") return FixedEffects::kDestination;
  if (name == "both") return FixedEffects::kBoth;
  throw InputError("fixed_effects: expected 'none', 'origin', 'destination' or 'both', got '" +
                   name + "'");
}

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

/// The working state of a fit: the data in the sample, weights 0 outside it.
class Problem {
 public:
  Problem(const Eigen::MatrixXd& y, const Eigen::ArrayXXd& in, std::vector<Eigen::MatrixXd> x,
          FixedEffects fe)
      : y_(y), in_(in), x_(std::move(x)), fe_(fe), n_o_(y.rows()), n_d_(y.cols()) {
    row_y_ = (y_.array() * in_).rowwise().sum().matrix();
    col_y_ = (y_.array() * in_).colwise().sum().transpose().matrix();
    a_ = Eigen::VectorXd::Ones(n_o_);
    b_ = Eigen::VectorXd::Ones(n_d_);
  }

  Eigen::Index p() const { return static_cast<Eigen::Index>(x_.size()); }

  /// mu for coefficients `coef`, with the fixed effects concentrated out; returns the log
  /// likelihood without the log(y!) term (-inf if it overflows).
  double evaluate(const Eigen::VectorXd& coef) {
    Eigen::ArrayXXd eta = Eigen::ArrayXXd::Zero(n_o_, n_d_);
    for (Eigen::Index k = 0; k < p(); ++k) eta += coef(k) * x_[static_cast<std::size_t>(k)].array();
    shift_ = 0.0;
    if (fe_ != FixedEffects::kNone) {
      // The effects absorb any constant: centre for range (exp of large eta overflows).
      double hi = -std::numeric_limits<double>::infinity();
      for (Eigen::Index j = 0; j < n_d_; ++j)
        for (Eigen::Index i = 0; i < n_o_; ++i)
          if (in_(i, j) > 0) hi = std::max(hi, eta(i, j));
      shift_ = std::isfinite(hi) ? hi : 0.0;
    }
    seed_ = (eta - shift_).exp() * in_;
    if (!seed_.allFinite()) return -std::numeric_limits<double>::infinity();
    switch (fe_) {
      case FixedEffects::kNone: mu_ = seed_; break;
      case FixedEffects::kOrigin: scale_rows(); break;
      case FixedEffects::kDestination: scale_cols(); break;
      case FixedEffects::kBoth: balance(); break;
    }
    if (!mu_.allFinite()) return -std::numeric_limits<double>::infinity();
    double ll = 0.0;
    for (Eigen::Index j = 0; j < n_d_; ++j) {
      for (Eigen::Index i = 0; i < n_o_; ++i) {
        if (in_(i, j) == 0) continue;
        const double m = mu_(i, j), yy = y_(i, j);
        if (yy > 0) {
          if (!(m > 0)) return -std::numeric_limits<double>::infinity();
          ll += yy * std::log(m);
        }
        ll -= m;
      }
    }
    return ll;
  }

  /// X with the fixed effects partialled out by least squares weighted with mu.
  std::vector<Eigen::ArrayXXd> partial_out() const {
    std::vector<Eigen::ArrayXXd> out;
    out.reserve(x_.size());
    const Eigen::ArrayXXd& w = mu_;
    switch (fe_) {
      case FixedEffects::kNone:
        for (const auto& x : x_) out.emplace_back(x.array());
        break;
      case FixedEffects::kOrigin: {
        const Eigen::ArrayXd ws = w.rowwise().sum();
        for (const auto& x : x_) {
          const Eigen::ArrayXd mean = (w * x.array()).rowwise().sum() / ws.max(1e-300);
          out.emplace_back(x.array().colwise() - mean);
        }
        break;
      }
      case FixedEffects::kDestination: {
        const Eigen::ArrayXXd ws = w.colwise().sum();
        for (const auto& x : x_) {
          const Eigen::ArrayXXd mean = (w * x.array()).colwise().sum() / ws.max(1e-300);
          out.emplace_back(x.array().rowwise() - mean.row(0));
        }
        break;
      }
      case FixedEffects::kBoth: out = partial_out_both(); break;
    }
    return out;
  }

  const Eigen::ArrayXXd& mu() const { return mu_; }
  const Eigen::MatrixXd& y() const { return y_; }
  const Eigen::ArrayXXd& in() const { return in_; }
  const Eigen::VectorXd& a() const { return a_; }
  const Eigen::VectorXd& b() const { return b_; }
  double shift() const { return shift_; }

 private:
  void scale_rows() {
    const Eigen::ArrayXd s = seed_.rowwise().sum();
    for (Eigen::Index i = 0; i < n_o_; ++i) a_(i) = s(i) > 0 ? row_y_(i) / s(i) : 0.0;
    mu_ = seed_.colwise() * a_.array();
  }

  void scale_cols() {
    const Eigen::ArrayXXd s = seed_.colwise().sum();
    for (Eigen::Index j = 0; j < n_d_; ++j) b_(j) = s(0, j) > 0 ? col_y_(j) / s(0, j) : 0.0;
    mu_ = seed_.rowwise() * b_.transpose().array();
  }

  /// IPF of seed_ to the observed margins, warm-started from the last factors.
  void balance() {
    const double total = row_y_.sum();
    for (int sweep = 0; sweep < 10000; ++sweep) {
      // Rows: a_i = r_i / sum_j seed_ij b_j.
      const Eigen::VectorXd rs = seed_.matrix() * b_;
      for (Eigen::Index i = 0; i < n_o_; ++i) a_(i) = rs(i) > 0 ? row_y_(i) / rs(i) : 0.0;
      const Eigen::VectorXd cs = seed_.matrix().transpose() * a_;
      double err = 0.0;
      for (Eigen::Index j = 0; j < n_d_; ++j) {
        const double now = cs(j) * b_(j);
        err = std::max(err, std::abs(now - col_y_(j)));
        b_(j) = cs(j) > 0 ? col_y_(j) / cs(j) : 0.0;
      }
      // Keep the factors in range: move a common scale from b to a.
      const double bmax = b_.maxCoeff();
      if (bmax > 0 && (bmax > 1e100 || bmax < 1e-100)) {
        b_ /= bmax;
        a_ *= bmax;
      }
      if (err <= 1e-14 * std::max(total, 1.0)) break;
    }
    mu_ = (seed_.colwise() * a_.array()).rowwise() * b_.transpose().array();
  }

  /// Both effects: solve the dummies' normal equations per column of X by eliminating the
  /// larger side (see the design notes).
  std::vector<Eigen::ArrayXXd> partial_out_both() const {
    const bool rows_small = n_o_ <= n_d_;
    // W is small x large after the transpose, so the small side stays in the Schur system.
    Eigen::MatrixXd w = rows_small ? Eigen::MatrixXd(mu_.matrix())
                                   : Eigen::MatrixXd(mu_.matrix().transpose());
    const Eigen::Index ns = w.rows(), nl = w.cols();
    // One small-side effect is fixed at 0 (the effects are identified up to a constant): the
    // last one that is in the sample, moved to the end.
    Eigen::Index pin = ns - 1;
    while (pin > 0 && !(w.row(pin).sum() > 0)) --pin;
    if (pin != ns - 1) w.row(pin).swap(w.row(ns - 1));
    const Eigen::VectorXd ws = w.rowwise().sum();                // small side
    const Eigen::VectorXd wl = w.colwise().sum().transpose();    // large side
    Eigen::VectorXd wl_inv(nl);
    for (Eigen::Index j = 0; j < nl; ++j) wl_inv(j) = wl(j) > 0 ? 1.0 / wl(j) : 0.0;
    // S = diag(ws) - W diag(1 / wl) W' without the pinned effect; an effect out of the sample
    // (ws = 0) gets a 1 on the diagonal and stays 0.
    const Eigen::MatrixXd v = w * wl_inv.cwiseSqrt().asDiagonal();
    const Eigen::Index m = ns - 1;
    Eigen::MatrixXd s = Eigen::MatrixXd::Zero(m, m);
    s.selfadjointView<Eigen::Lower>().rankUpdate(v.topRows(m), -1.0);
    for (Eigen::Index k = 0; k < m; ++k) s(k, k) += ws(k) > 0 ? ws(k) : 1.0;
    Eigen::LLT<Eigen::MatrixXd> llt;
    Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd> cod;
    if (m > 0) {
      llt.compute(s.selfadjointView<Eigen::Lower>());
      if (llt.info() != Eigen::Success) {
        // A sample whose cells do not connect every origin and destination: more than one
        // effect is free; the minimum-norm solution still partials them out.
        cod.compute(Eigen::MatrixXd(s.selfadjointView<Eigen::Lower>()));
      }
    }
    std::vector<Eigen::ArrayXXd> out;
    out.reserve(x_.size());
    for (const auto& x0 : x_) {
      Eigen::MatrixXd x = rows_small ? x0 : Eigen::MatrixXd(x0.transpose());
      if (pin != ns - 1) x.row(pin).swap(x.row(ns - 1));
      const Eigen::MatrixXd wx = w.cwiseProduct(x);
      const Eigen::VectorXd rs = wx.rowwise().sum();                // small side
      const Eigen::VectorXd rl = wx.colwise().sum().transpose();    // large side
      // (S) c = rs - W diag(1/wl) rl; then large-side effects e = (rl - W' c) / wl.
      Eigen::VectorXd c = Eigen::VectorXd::Zero(ns);
      if (m > 0) {
        const Eigen::VectorXd rhs = (rs - w * wl_inv.cwiseProduct(rl)).head(m);
        c.head(m) = llt.info() == Eigen::Success ? Eigen::VectorXd(llt.solve(rhs))
                                                 : Eigen::VectorXd(cod.solve(rhs));
      }
      const Eigen::VectorXd e = wl_inv.cwiseProduct(rl - w.transpose() * c);
      x.colwise() -= c;
      x.rowwise() -= e.transpose();
      if (pin != ns - 1) x.row(pin).swap(x.row(ns - 1));
      out.emplace_back(rows_small ? x.array() : Eigen::ArrayXXd(x.transpose().array()));
    }
    return out;
  }

  const Eigen::MatrixXd& y_;
  const Eigen::ArrayXXd& in_;
  std::vector<Eigen::MatrixXd> x_;
  FixedEffects fe_;
  Eigen::Index n_o_, n_d_;
  Eigen::VectorXd row_y_, col_y_;
  Eigen::VectorXd a_, b_;  // row and column factors of the effects
  double shift_ = 0.0;
  Eigen::ArrayXXd seed_, mu_;
};

/// Sum of f(y) over the sample for the log(y!) and y log y terms.
double sum_in(const Eigen::MatrixXd& y, const Eigen::ArrayXXd& in, double (*f)(double)) {
  double s = 0.0;
  for (Eigen::Index j = 0; j < y.cols(); ++j)
    for (Eigen::Index i = 0; i < y.rows(); ++i)
      if (in(i, j) > 0) s += f(y(i, j));
  return s;
}

double lgamma1(double v) { return std::lgamma(v + 1.0); }
double ylogy(double v) { return v > 0 ? v * std::log(v) : 0.0; }

/// Names the regressors behind a (near) singular X~' W X~.
[[noreturn]] void throw_singular(const Eigen::MatrixXd& h, const std::vector<std::string>& names,
                                 const std::vector<double>& raw_norm, FixedEffects fe) {
  const auto p = h.rows();
  // A regressor with nothing left after the effects: constant within them.
  for (Eigen::Index k = 0; k < p; ++k) {
    if (h(k, k) <= 1e-12 * std::max(raw_norm[static_cast<std::size_t>(k)], 1e-300)) {
      const std::string within = fe == FixedEffects::kOrigin        ? "each origin"
                                 : fe == FixedEffects::kDestination ? "each destination"
                                 : fe == FixedEffects::kBoth
                                     ? "the origin and destination fixed effects"
                                     : "the sample";
      throw InputError("regressors: singular design: '" + names[static_cast<std::size_t>(k)] +
                       "' is constant within " + within +
                       " (collinear with the fixed effects); drop it or change fixed_effects");
    }
  }
  Eigen::VectorXd d = h.diagonal().cwiseSqrt().cwiseInverse();
  const Eigen::MatrixXd corr = d.asDiagonal() * h * d.asDiagonal();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(corr);
  const Eigen::VectorXd v = eig.eigenvectors().col(0);
  std::string which;
  for (Eigen::Index k = 0; k < p; ++k) {
    if (std::abs(v(k)) < 0.1) continue;
    which += (which.empty() ? "'" : ", '") + names[static_cast<std::size_t>(k)] + "'";
  }
  throw InputError("regressors: singular design: " + which +
                   " are collinear (given the fixed effects); drop one");
}

}  // namespace

PpmlResult fit_ppml(const Eigen::MatrixXd& observed,
                    const std::vector<Eigen::MatrixXd>& regressors,
                    const std::vector<std::string>& names, const CellMask& sample,
                    const PpmlOptions& options) {
  const auto n_o = observed.rows(), n_d = observed.cols();
  if (n_o == 0 || n_d == 0) throw InputError("flows: empty");
  check_controls(options.tol, options.max_iter);
  if (names.size() != regressors.size()) {
    throw InputError("names: " + std::to_string(names.size()) + " names for " +
                     std::to_string(regressors.size()) + " regressors");
  }
  for (std::size_t k = 0; k < names.size(); ++k) {
    if (names[k].empty() || names[k] == "const")
      throw InputError("names[" + std::to_string(k) + "]: '" + names[k] +
                       "' is not a usable regressor name");
    for (std::size_t q = 0; q < k; ++q)
      if (names[q] == names[k]) throw InputError("names: '" + names[k] + "' given twice");
  }
  Eigen::ArrayXXd in = Eigen::ArrayXXd::Ones(n_o, n_d);
  if (sample.size() > 0) {
    if (sample.rows() != n_o || sample.cols() != n_d) {
      throw InputError("sample: shape " + std::to_string(sample.rows()) + " x " +
                       std::to_string(sample.cols()) + ", expected " + std::to_string(n_o) +
                       " x " + std::to_string(n_d) + " as flows");
    }
    in = sample.cast<double>();
  }
  // Flows are read in the sample only (a NaN on an excluded diagonal is fine).
  Eigen::MatrixXd flows = observed;
  for (Eigen::Index i = 0; i < n_o; ++i) {
    for (Eigen::Index j = 0; j < n_d; ++j) {
      if (in(i, j) == 0) {
        flows(i, j) = 0.0;
        continue;
      }
      const double v = flows(i, j);
      if (!(std::isfinite(v) && v >= 0))
        throw InputError(cell("flows", i, j) + ": " + num(v) +
                         (std::isfinite(v) ? " is negative" : " is not finite") +
                         "; flows must be finite and >= 0");
    }
  }
  const FixedEffects fe = options.fixed_effects;
  PpmlResult result;

  // Origins (destinations) with no flow have no finite effect: drop them.
  if (fe == FixedEffects::kOrigin || fe == FixedEffects::kBoth) {
    for (Eigen::Index i = 0; i < n_o; ++i) {
      if ((in.row(i) > 0).any() && (flows.row(i).array() * in.row(i)).sum() == 0) {
        result.dropped_origins.push_back(i);
        in.row(i).setZero();
      }
    }
  }
  if (fe == FixedEffects::kDestination || fe == FixedEffects::kBoth) {
    for (Eigen::Index j = 0; j < n_d; ++j) {
      if ((in.col(j) > 0).any() && (flows.col(j).array() * in.col(j)).sum() == 0) {
        result.dropped_destinations.push_back(j);
        in.col(j).setZero();
      }
    }
  }
  const auto n_obs = static_cast<Eigen::Index>((in > 0).count());

  std::vector<Eigen::MatrixXd> x;
  std::vector<std::string> all_names;
  if (fe == FixedEffects::kNone) {
    x.emplace_back(Eigen::MatrixXd::Ones(n_o, n_d));
    all_names.emplace_back("const");
  }
  for (std::size_t k = 0; k < regressors.size(); ++k) {
    const auto& r = regressors[k];
    const std::string name = "regressors['" + names[k] + "']";
    if (r.rows() != n_o || r.cols() != n_d) {
      throw InputError(name + ": shape " + std::to_string(r.rows()) + " x " +
                       std::to_string(r.cols()) + ", expected " + std::to_string(n_o) + " x " +
                       std::to_string(n_d) + " as flows");
    }
    Eigen::MatrixXd clean = r;
    for (Eigen::Index j = 0; j < n_d; ++j) {
      for (Eigen::Index i = 0; i < n_o; ++i) {
        if (in(i, j) == 0) {
          clean(i, j) = 0.0;  // outside the sample: never read
        } else if (!std::isfinite(r(i, j))) {
          throw InputError(cell(name, i, j) + ": " + num(r(i, j)) +
                           " is not finite (log of a zero distance or mass?)");
        }
      }
    }
    x.push_back(std::move(clean));
    all_names.push_back(names[k]);
  }
  const auto p = static_cast<Eigen::Index>(x.size());
  Eigen::Index n_effects = 0;
  if (fe == FixedEffects::kOrigin || fe == FixedEffects::kBoth)
    n_effects += n_o - static_cast<Eigen::Index>(result.dropped_origins.size());
  if (fe == FixedEffects::kDestination || fe == FixedEffects::kBoth)
    n_effects += n_d - static_cast<Eigen::Index>(result.dropped_destinations.size());
  if (fe == FixedEffects::kBoth) n_effects -= 1;
  if (n_obs <= p + n_effects) {
    throw InputError("flows: " + std::to_string(n_obs) + " cells in the sample for " +
                     std::to_string(p) + " coefficients and " + std::to_string(n_effects) +
                     " fixed effects; the model needs more observations than parameters");
  }
  const double ysum = (flows.array() * in).sum();
  if (!(ysum > 0)) throw InputError("flows: all zero in the sample; nothing to fit");

  // Raw weighted scale of each regressor, to tell "nothing left after the effects" apart.
  std::vector<double> raw_norm;
  for (const auto& m : x) raw_norm.push_back((m.array().square() * in).sum() * ysum / n_obs);

  Problem problem(flows, in, x, fe);
  Eigen::VectorXd coef = Eigen::VectorXd::Zero(p);
  if (fe == FixedEffects::kNone) coef(0) = std::log(ysum / static_cast<double>(n_obs));
  double ll = problem.evaluate(coef);
  const double y_terms = sum_in(flows, in, ylogy);
  const double lgam = sum_in(flows, in, lgamma1);
  auto deviance_of = [&](double l) { return 2.0 * (y_terms - ysum - l); };

  Eigen::MatrixXd h(p, p), h_inv(p, p);
  std::vector<Eigen::ArrayXXd> xt;
  auto hessian = [&]() {
    xt = problem.partial_out();
    const Eigen::ArrayXXd& mu = problem.mu();
    for (Eigen::Index k = 0; k < p; ++k)
      for (Eigen::Index q = 0; q <= k; ++q)
        h(k, q) = h(q, k) = (mu * xt[static_cast<std::size_t>(k)] *
                             xt[static_cast<std::size_t>(q)]).sum();
    if (p == 0) return;
    // Singular: a regressor with (almost) nothing left once the effects are out, or
    // regressors collinear among themselves (the correlation form has a zero eigenvalue).
    for (Eigen::Index k = 0; k < p; ++k)
      if (!(h(k, k) > 1e-12 * raw_norm[static_cast<std::size_t>(k)]))
        throw_singular(h, all_names, raw_norm, fe);
    const Eigen::VectorXd dinv = h.diagonal().cwiseSqrt().cwiseInverse();
    const Eigen::MatrixXd corr = dinv.asDiagonal() * h * dinv.asDiagonal();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(corr);
    if (!(eig.eigenvalues()(0) > 1e-12)) throw_singular(h, all_names, raw_norm, fe);
    h_inv = dinv.asDiagonal() *
            (eig.eigenvectors() * eig.eigenvalues().cwiseInverse().asDiagonal() *
             eig.eigenvectors().transpose()) *
            dinv.asDiagonal();
  };
  auto gradient = [&]() {
    Eigen::VectorXd g(p);
    const Eigen::ArrayXXd resid = (problem.y().array() - problem.mu()) * problem.in();
    for (Eigen::Index k = 0; k < p; ++k) g(k) = (resid * xt[static_cast<std::size_t>(k)]).sum();
    return g;
  };

  int it = 0;
  bool converged = p == 0;
  while (!converged && it < options.max_iter) {
    ++it;
    hessian();
    const Eigen::VectorXd g = gradient();
    const Eigen::VectorXd step = h_inv * g;
    const double decrement = g.dot(step);
    // Step halving: never let the likelihood fall (up to rounding).
    double t = 1.0, ll_new = -std::numeric_limits<double>::infinity();
    Eigen::VectorXd trial;
    for (int half = 0; half < 60; ++half, t *= 0.5) {
      trial = coef + t * step;
      ll_new = problem.evaluate(trial);
      if (ll_new >= ll - 1e-12 * (1.0 + std::abs(ll))) break;
    }
    if (!(ll_new >= ll - 1e-12 * (1.0 + std::abs(ll)))) {
      problem.evaluate(coef);  // no better point along the step: stay
      converged = decrement <= 1e-6 * (1.0 + std::abs(deviance_of(ll)));
      break;
    }
    coef = trial;
    ll = ll_new;
    if (!(decrement > options.tol * (1.0 + std::abs(deviance_of(ll))))) converged = true;
  }
  if (p > 0) hessian();  // at the final point: covariances and partialled-out X
  result.iterations = it;
  result.converged = converged;

  const Eigen::ArrayXXd& mu = problem.mu();
  const Eigen::ArrayXXd resid = (flows.array() - mu) * in;
  Eigen::MatrixXd meat = Eigen::MatrixXd::Zero(p, p);
  for (Eigen::Index k = 0; k < p; ++k)
    for (Eigen::Index q = 0; q <= k; ++q)
      meat(k, q) = meat(q, k) = (resid.square() * xt[static_cast<std::size_t>(k)] *
                                 xt[static_cast<std::size_t>(q)]).sum();
  result.names = all_names;
  result.coef = coef;
  result.cov_model = h_inv;
  result.cov_robust = h_inv * meat * h_inv;
  result.fitted = mu.matrix();
  result.log_likelihood = ll - lgam;
  result.deviance = deviance_of(ll);
  const double ybar = ysum / static_cast<double>(n_obs);
  const double ll0 = ysum * std::log(ybar) - ysum;
  result.null_log_likelihood = ll0 - lgam;
  result.null_deviance = deviance_of(ll0);
  result.pseudo_r2 = 1.0 - result.log_likelihood / result.null_log_likelihood;
  {
    double sy = 0, sm = 0, syy = 0, smm = 0, sym = 0;
    for (Eigen::Index j = 0; j < n_d; ++j)
      for (Eigen::Index i = 0; i < n_o; ++i) {
        if (in(i, j) == 0) continue;
        const double yy = flows(i, j), m = mu(i, j);
        sy += yy, sm += m, syy += yy * yy, smm += m * m, sym += yy * m;
      }
    const double nn = static_cast<double>(n_obs);
    const double cov = sym - sy * sm / nn, vy = syy - sy * sy / nn, vm = smm - sm * sm / nn;
    result.r2 = vy > 0 && vm > 0 ? cov * cov / (vy * vm) : kNan;
  }
  result.n_obs = n_obs;

  // The effects: mu = a_i exp(eta - shift) b_j.
  auto log_or_nan = [](double v) { return v > 0 ? std::log(v) : kNan; };
  const double shift = problem.shift();
  if (fe == FixedEffects::kOrigin) {
    result.origin_effects.resize(n_o);
    for (Eigen::Index i = 0; i < n_o; ++i)
      result.origin_effects(i) = log_or_nan(problem.a()(i)) - shift;
  } else if (fe == FixedEffects::kDestination) {
    result.destination_effects.resize(n_d);
    for (Eigen::Index j = 0; j < n_d; ++j)
      result.destination_effects(j) = log_or_nan(problem.b()(j)) - shift;
  } else if (fe == FixedEffects::kBoth) {
    result.origin_effects.resize(n_o);
    result.destination_effects.resize(n_d);
    double ref = 0.0;
    for (Eigen::Index j = 0; j < n_d; ++j)
      if (problem.b()(j) > 0) {
        ref = std::log(problem.b()(j));
        break;
      }
    for (Eigen::Index i = 0; i < n_o; ++i)
      result.origin_effects(i) = log_or_nan(problem.a()(i)) - shift + ref;
    for (Eigen::Index j = 0; j < n_d; ++j)
      result.destination_effects(j) = log_or_nan(problem.b()(j)) - ref;
  }
  for (auto i : result.dropped_origins) result.origin_effects(i) = kNan;
  for (auto j : result.dropped_destinations) result.destination_effects(j) = kNan;
  return result;
}

}  // namespace corridor
