// corridor — flow estimation: iterative proportional fitting (two- and three-way) and
// origin-destination flows estimated from two sets of migrant stocks.
//
// Design notes:
// - IPF alternates row and column scaling (Deming-Stephan); a zero in the seed is a structural
//   zero and stays exactly zero. It stops when the largest absolute margin error is <= tol (in
//   the units of the totals, as migest's `tol`), after the column step, so column margins hold
//   to rounding and the reported error is the row margins'. Not converging within max_iter is
//   reported (converged = false), not thrown: the fit so far is still useful.
// - The fit runs in factor form, fitted = diag(a) seed diag(b): each sweep reads the seed once
//   and never writes it, and the table is written once at the end (flows.cpp). Large seeds are
//   read on several threads with the same result to the last bit as on one.
// - Totals that cannot balance (row and column sums differing by more than 1e-9 relative), a
//   positive total whose seed row or column is all structural zeros, negative or non-finite
//   values and mismatched shapes throw InputError naming the argument.
// - Three-way IPF fits, for each place of birth, the origin and destination margins of that
//   place: the slices are independent, so it runs the two-way fit per slice and reports the
//   most iterations any slice needed.
// - flows_from_stocks "demo" (Abel 2013; migest's ffs_demo default): for each place of birth the
//   stayers are fixed at min(stock_t0, stock_t1) of each place, and the rest of the stocks is
//   balanced by IPF on a seed of ones with a zero diagonal: the fewest moves consistent with the
//   stocks. "ipf3" is plain independence (seed of ones, no stayer constraint). Both need each
//   place of birth to have the same total at both dates once births and deaths are taken out.
// - Births and deaths (migest's birth_mat "native" and death_mat "proportion"): the births of a
//   place of residence j are native-born people of j at t1, unless j's native born at t1 are
//   fewer than its births; then they are spread over j's residents at t1 in proportion (migest's
//   non_negative rule). Deaths in j are spread over j's residents at t0 in proportion. More
//   births (deaths) in j than people living in j at t1 (t0) is an InputError: no split can
//   give non-negative stocks.
// - "open" and "open-dr" (migest's match_pob_tot): what is left of a place of birth's total
//   after births and deaths may still differ between the dates; the difference is people who
//   entered or left the system of places. "open" spreads those who entered like the place of
//   birth's stock at t0 and those who left like its stock at t1 (migest's choice, kept for
//   reproducibility); "open-dr" (Abel 2013, Demographic Research) the other way round. The
//   adjusted stocks then go through the "demo" fit. "open-dr" can never make a stock negative;
//   "open" can, and then throws InputError naming the cell (migest returns negative flows
//   there), pointing at "open-dr".
// - "diff-zero" and "diff-return" (stock differencing, migest ffs_diff; Beine, Bertoli and
//   Fernandez-Huertas Moraga 2016): the increase of the b-born stock in j (j != b) is a flow
//   b -> j; a decrease is dropped ("zero") or counted as a return j -> b ("return"). They use
//   no births or deaths, need no balance, and give movers only: by_birth holds the flow of
//   each place of birth with a zero diagonal.
// - Every function is pure and reentrant.
#pragma once

#include <Eigen/Dense>
#include <string>
#include <vector>

namespace corridor {

/// A fitted two-way table and how the fit went.
struct IpfResult {
  Eigen::MatrixXd fitted;         ///< rows x columns, people
  int iterations = 0;             ///< row-then-column sweeps done
  bool converged = false;         ///< max_margin_error <= tol
  double max_margin_error = 0.0;  ///< largest |margin - total| of the fit, people
};

/// Fits `seed` to row and column totals by iterative proportional fitting.
/// @param row_totals  origin totals, >= 0, finite; size = rows of the table
/// @param col_totals  destination totals, >= 0, finite; same sum as row_totals (1e-9 relative)
/// @param seed        prior table, rows x columns, >= 0; zeros are structural; empty = all ones
/// @param tol         stop when every margin is within tol of its total, people, > 0
/// @param max_iter    most row-then-column sweeps, >= 1
/// @param threads     most threads for a large seed, 0 = one per hardware thread; the result
///                    is bit-identical whatever the number
/// @throws InputError naming `row_totals`, `col_totals`, `seed`, `tol` or `max_iter`
IpfResult ipf2(const Eigen::VectorXd& row_totals, const Eigen::VectorXd& col_totals,
               const Eigen::MatrixXd& seed = Eigen::MatrixXd(), double tol = 1e-10,
               int max_iter = 1000, unsigned threads = 0);

/// ipf2 with the seed given transposed (columns x rows: how Eigen sees a row-major array,
/// e.g. numpy's, without copying it; empty = all ones). The same checks, iterates and result
/// as ipf2, except that `fitted` is transposed too (columns x rows).
IpfResult ipf2_transposed(const Eigen::VectorXd& row_totals, const Eigen::VectorXd& col_totals,
                          const Eigen::Ref<const Eigen::MatrixXd>& seed_t, double tol = 1e-10,
                          int max_iter = 1000, unsigned threads = 0);

/// ipf2_transposed writing the fit into `fitted_t` (columns x rows, e.g. a numpy array's memory)
/// and leaving IpfResult::fitted empty. For large tables: numpy's allocator asks for huge
/// pages, where a fresh 32 MB matrix costs some 8,000 page faults.
/// @throws InputError naming `fitted_t` if its shape is not columns x rows, or as ipf2
IpfResult ipf2_transposed(const Eigen::VectorXd& row_totals, const Eigen::VectorXd& col_totals,
                          const Eigen::Ref<const Eigen::MatrixXd>& seed_t,
                          Eigen::Map<Eigen::MatrixXd> fitted_t, double tol = 1e-10,
                          int max_iter = 1000, unsigned threads = 0);

/// A fitted three-way table [born][origin][destination] and how the fit went.
struct Ipf3Result {
  std::vector<Eigen::MatrixXd> fitted;  ///< one origin x destination matrix per place of birth
  int iterations = 0;                   ///< the most sweeps any place of birth needed
  bool converged = false;               ///< every place of birth converged
  double max_margin_error = 0.0;        ///< largest margin error over all places, people
};

/// Three-way IPF (migest's ipf3 with per-birthplace margins): for each place of birth b, fits
/// seed[b] so that its row sums are origin_by_birth(b, :) and its column sums
/// destination_by_birth(b, :).
/// @param origin_by_birth       born x origin totals, >= 0
/// @param destination_by_birth  born x destination totals, >= 0; each row sums as the
///                              matching row of origin_by_birth
/// @param seed                  one origin x destination matrix per place of birth, >= 0,
///                              zeros structural; empty = all ones
/// @param tol, max_iter         as ipf2
/// @throws InputError naming the argument
Ipf3Result ipf3(const Eigen::MatrixXd& origin_by_birth, const Eigen::MatrixXd& destination_by_birth,
                const std::vector<Eigen::MatrixXd>& seed = {}, double tol = 1e-10,
                int max_iter = 1000);

/// How flows_from_stocks splits each place of birth's stocks into stayers and movers.
enum class StockMethod {
  kDemo,        ///< stayers fixed at min(stock_t0, stock_t1), the rest by IPF (migest ffs_demo)
  kIpf3,        ///< independence: IPF on a seed of ones, no stayer constraint
  kOpen,        ///< demo, with moves into and out of the system (migest "open")
  kOpenDr,      ///< demo, with moves into and out of the system (migest "open-dr", Abel 2013)
  kDiffZero,    ///< stock differencing, decreases dropped (migest ffs_diff "zero")
  kDiffReturn,  ///< stock differencing, decreases are returns (migest ffs_diff "return")
};

/// Parses "demo", "ipf3", "open", "open-dr", "diff-zero" or "diff-return"; anything else
/// throws InputError naming `method`.
StockMethod parse_stock_method(const std::string& name);

/// The name parse_stock_method reads, e.g. "open-dr".
std::string to_string(StockMethod method);

/// Flows per place of birth and summed, estimated from stocks at two dates.
struct StockFlows {
  std::vector<Eigen::MatrixXd> by_birth;  ///< per place of birth: origin x destination, people;
                                          ///< the diagonal holds the stayers
  Eigen::MatrixXd od;                     ///< summed over places of birth, diagonal 0, people
  /// The demographic account, place of birth x place of residence, people (zero where the
  /// method has no such term):
  Eigen::MatrixXd births;   ///< born during the period, by where they live at t1
  Eigen::MatrixXd deaths;   ///< died during the period, by where they lived at t0
  Eigen::MatrixXd entered;  ///< came from outside the places ("open", "open-dr"), at t1
  Eigen::MatrixXd left;     ///< went outside the places ("open", "open-dr"), from t0
  int iterations = 0;
  bool converged = false;
  double max_margin_error = 0.0;
};

/// Estimates origin-destination flows between two dates from migrant stocks.
/// @param stock_t0  place of birth x place of residence at the first date, n x n, >= 0
/// @param stock_t1  the same at the second date; each place of birth has the same total as in
///                  stock_t0 (1e-9 relative), since there are no births or deaths here
/// @param method    StockMethod::kDemo (default) or kIpf3
/// @param tol, max_iter  as ipf2
/// @throws InputError naming `stock_t0` or `stock_t1` (shape, negative or non-finite counts,
///         totals that differ) or `tol`/`max_iter`
StockFlows flows_from_stocks(const Eigen::MatrixXd& stock_t0, const Eigen::MatrixXd& stock_t1,
                             StockMethod method = StockMethod::kDemo, double tol = 1e-10,
                             int max_iter = 1000);

/// The same with births and deaths during the period (see the design notes).
/// @param births  people born during the period, per place of residence, n, >= 0 and at most
///                the stock living there at t1; empty = none
/// @param deaths  people who died during the period, per place of residence, n, >= 0 and at
///                most the stock living there at t0; empty = none
/// For "demo" and "ipf3" each place of birth must then balance: t0 - deaths = t1 - births
/// (1e-9 relative); "open" and "open-dr" let the difference enter or leave the system; the
/// "diff-*" methods take no births or deaths (InputError naming `births`/`deaths`).
/// @throws InputError naming the argument, or the cell an "open" adjustment would make
///         negative
StockFlows flows_from_stocks(const Eigen::MatrixXd& stock_t0, const Eigen::MatrixXd& stock_t1,
                             const Eigen::VectorXd& births, const Eigen::VectorXd& deaths,
                             StockMethod method = StockMethod::kDemo, double tol = 1e-10,
                             int max_iter = 1000);

}  // namespace corridor
