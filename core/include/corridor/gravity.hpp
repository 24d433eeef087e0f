// corridor — spatial interaction models: the gravity model (unconstrained, production-,
// attraction- and doubly constrained) and the radiation model.
//
// Design notes:
// - Gravity: T_ij = k * m_i^a * n_j^g * f(d_ij), with f(d) = d^-beta ("power") or
//   exp(-beta d) ("exponential"). The totals given choose the family (Wilson 1971): outflows
//   only -> production-constrained, T_ij = O_i * n_j^g f(d_ij) / sum_j' n_j'^g f(d_ij');
//   inflows only -> attraction-constrained (the same by columns); both -> doubly constrained,
//   T_ij = A_i O_i B_j D_j f(d_ij), whose balancing factors are found by IPF on the seed
//   m_i^a n_j^g f(d_ij) (the masses cancel: it equals IPF on f(d) alone). k only matters
//   when unconstrained.
// - Radiation (Simini, Gonzalez, Maritan and Barabasi 2012, Nature 484:96) with the finite-size
//   correction (Masucci et al. 2013, Phys. Rev. E 88:022812):
//     T_ij = T_i / (1 - m_i / M) * m_i n_j / ((m_i + s_ij) (m_i + n_j + s_ij)),
//   M the total population, s_ij the population of the other places closer to i than j. As
//   m_i n_j / ((m_i + s)(m_i + s + n_j)) = m_i / (m_i + s) - m_i / (m_i + s + n_j), the terms
//   telescope over the places in order of distance to 1 - m_i / M, so each row sums to T_i
//   exactly once corrected.
// - Tie rule (radiation): places at exactly the same distance from i form one group. The group
//   gets what one place of their combined population would get at that distance, shared in
//   proportion to population. This keeps the telescoping (rows still sum to T_i), does not
//   depend on the order of the places, and reduces to the formula above when there are no
//   ties. A place with m_i = 0 sends everything to the nearest group with people (the limit
//   m_i -> 0).
// - Self-flows: the diagonal is excluded (T_ii = 0) unless asked for; distances on the
//   diagonal are then not read. Off-diagonal distances must be finite and >= 0, and > 0 for
//   the power law (d^-beta is infinite at 0).
// - Every function is pure and reentrant.
#pragma once

#include <Eigen/Dense>
#include <string>

namespace corridor {

/// The distance-deterrence function of a gravity model.
enum class Deterrence {
  kPower,        ///< f(d) = d^-beta
  kExponential,  ///< f(d) = exp(-beta d)
};

/// Parses "power" or "exponential"; anything else throws InputError naming `deterrence`.
Deterrence parse_deterrence(const std::string& name);

/// Which totals a gravity model reproduces.
enum class GravityConstraint { kUnconstrained, kProduction, kAttraction, kDoubly };

/// "unconstrained", "production", "attraction" or "doubly".
std::string to_string(GravityConstraint constraint);

/// Settings of a gravity model besides the masses, distances and totals.
struct GravityOptions {
  Deterrence deterrence = Deterrence::kPower;
  double k = 1.0;            ///< scale of the unconstrained model, > 0
  double exponent_o = 1.0;   ///< a, the exponent of the origin masses, finite
  double exponent_d = 1.0;   ///< g, the exponent of the destination masses, finite
  bool include_self = false; ///< keep the diagonal (i == j) flows; needs d_ii > 0 for "power"
  double tol = 1e-10;        ///< doubly constrained: IPF margin tolerance, people, > 0
  int max_iter = 1000;       ///< doubly constrained: most IPF sweeps, >= 1
};

/// A gravity model's flows and how the balancing went.
struct GravityResult {
  Eigen::MatrixXd flows;  ///< origins x destinations, people
  GravityConstraint constraint = GravityConstraint::kUnconstrained;
  int iterations = 0;             ///< IPF sweeps (doubly constrained), else 0
  bool converged = true;          ///< doubly constrained: margins within tol
  double max_margin_error = 0.0;  ///< largest |margin - total| of the given totals, people
};

/// f(d) for every cell, 0 on the diagonal unless include_self.
/// @param distances_km  origins x destinations, km; finite and >= 0 off the diagonal
///                      (> 0 for kPower)
/// @param beta          distance decay, finite and >= 0 (per km for kExponential)
/// @throws InputError naming `distances[i][j]` or `beta`
Eigen::MatrixXd deterrence_matrix(const Eigen::MatrixXd& distances_km, double beta,
                                  Deterrence deterrence, bool include_self = false);

/// A gravity model; the totals given choose the constraint (see the design notes).
/// @param masses_o      origin masses (e.g. population), n_o, finite and >= 0
/// @param masses_d      destination masses, n_d, finite and >= 0
/// @param distances_km  n_o x n_d, km (see deterrence_matrix)
/// @param beta          distance decay, >= 0
/// @param outflows      people leaving each origin, n_o, >= 0; empty = not constrained
/// @param inflows       people arriving at each destination, n_d, >= 0; empty = not
///                      constrained; with outflows, the same sum (1e-9 relative)
/// @throws InputError naming the argument: shapes, negative or non-finite values, totals that
///         do not balance, or a positive total with no destination (origin) to go to
GravityResult gravity(const Eigen::VectorXd& masses_o, const Eigen::VectorXd& masses_d,
                      const Eigen::MatrixXd& distances_km, double beta,
                      const Eigen::VectorXd& outflows = Eigen::VectorXd(),
                      const Eigen::VectorXd& inflows = Eigen::VectorXd(),
                      const GravityOptions& options = {});

/// The radiation model with the finite-size correction and the tie rule of the design notes.
/// @param masses        population of each place, n, finite and >= 0, positive sum
/// @param distances_km  n x n, km, finite and >= 0 off the diagonal (the diagonal is not read);
///                      need not be symmetric (row i ranks the places as seen from i)
/// @param outflows      people leaving each place, n, finite and >= 0
/// @param finite_size   apply the 1 / (1 - m_i / M) correction (rows then sum to outflows)
/// @throws InputError naming the argument, or `outflows[i]` when a place with outflows has no
///         other place with people to go to
Eigen::MatrixXd radiation(const Eigen::VectorXd& masses, const Eigen::MatrixXd& distances_km,
                          const Eigen::VectorXd& outflows, bool finite_size = true);

}  // namespace corridor
