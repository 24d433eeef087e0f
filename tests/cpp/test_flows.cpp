// Flow estimation: the published IPF and flows-from-stocks examples (../shared/data/flows/
// README.md), the demographic account of the open methods, stock differencing, gravity and
// radiation (hand-worked rows, margins, doubly constrained = IPF), PPML (exact recovery of a
// noise-free model, margins with fixed effects, singular designs), assignment, and bad input.
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "corridor/assignment.hpp"
#include "corridor/error.hpp"
#include "corridor/flows.hpp"
#include "corridor/gravity.hpp"
#include "corridor/network.hpp"
#include "corridor/ppml.hpp"

using namespace corridor;
using corridor::test::approx;
using corridor::test::contains;

namespace {

Eigen::MatrixXd mat(std::initializer_list<std::initializer_list<double>> rows) {
  Eigen::MatrixXd m(static_cast<Eigen::Index>(rows.size()),
                    static_cast<Eigen::Index>(rows.begin()->size()));
  Eigen::Index i = 0;
  for (const auto& row : rows) {
    Eigen::Index j = 0;
    for (double v : row) m(i, j++) = v;
    ++i;
  }
  return m;
}

Eigen::VectorXd vec(std::initializer_list<double> values) {
  Eigen::VectorXd v(static_cast<Eigen::Index>(values.size()));
  Eigen::Index i = 0;
  for (double x : values) v(i++) = x;
  return v;
}

void check_matrix(const Eigen::MatrixXd& actual, const Eigen::MatrixXd& expected, double tol) {
  REQUIRE(actual.rows() == expected.rows());
  REQUIRE(actual.cols() == expected.cols());
  for (Eigen::Index i = 0; i < actual.rows(); ++i)
    for (Eigen::Index j = 0; j < actual.cols(); ++j)
      CHECK(actual(i, j) == approx(expected(i, j), tol));
}

// Abel (2013): stocks of four regions, rows place of birth, columns residence.
const Eigen::MatrixXd kS1 =
    mat({{1000, 100, 10, 0}, {55, 555, 50, 5}, {80, 40, 800, 40}, {20, 25, 20, 200}});
const Eigen::MatrixXd kS2 =
    mat({{950, 100, 60, 0}, {80, 505, 75, 5}, {90, 30, 800, 40}, {40, 45, 0, 180}});

}  // namespace

TEST_CASE("ipf2 reproduces Willekens' example with a seed", "[flows]") {
  const auto r = ipf2(vec({18, 20}), vec({16, 22}), mat({{5, 2}, {1, 7}}), 1e-5);
  CHECK(r.converged);
  CHECK(r.max_margin_error <= 1e-5);
  check_matrix(r.fitted, mat({{13.2502, 4.7498}, {2.7498, 17.2502}}), 5e-5);
  // The converged fit keeps the seed's odds ratio 35/2: x(4 + x) = 17.5 (18 - x)(16 - x).
  const auto exact = ipf2(vec({18, 20}), vec({16, 22}), mat({{5, 2}, {1, 7}}), 1e-12);
  const double x = (599 - std::sqrt(599.0 * 599 - 4 * 16.5 * 5040)) / 33;
  check_matrix(exact.fitted, mat({{x, 18 - x}, {16 - x, 4 + x}}), 1e-10);
}

TEST_CASE("ipf2 on a seed of ones is independence", "[flows]") {
  const auto r = ipf2(vec({18, 20}), vec({16, 22}));
  CHECK(r.converged);
  CHECK(r.iterations == 1);
  check_matrix(r.fitted, mat({{7.58, 10.42}, {8.42, 11.58}}), 0.005);
  check_matrix(r.fitted, mat({{18 * 16 / 38.0, 18 * 22 / 38.0}, {20 * 16 / 38.0, 20 * 22 / 38.0}}),
               1e-12);
}

TEST_CASE("ipf2 reproduces margins on random tables and keeps structural zeros", "[flows]") {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(0.1, 10.0);
  std::bernoulli_distribution zero(0.2);
  for (int trial = 0; trial < 20; ++trial) {
    const int rows = 2 + trial % 5, cols = 3 + trial % 4;
    Eigen::MatrixXd seed(rows, cols), target(rows, cols);
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < cols; ++j) {
        seed(i, j) = (zero(rng) && i != j) ? 0.0 : u(rng);
        // Margins of a table with the same zeros, so a fit exists.
        target(i, j) = seed(i, j) == 0 ? 0.0 : 100 * u(rng);
      }
    const Eigen::VectorXd rt = target.rowwise().sum(), ct = target.colwise().sum().transpose();
    const auto r = ipf2(rt, ct, seed, 1e-9, 10000);
    INFO("trial " << trial);
    REQUIRE(r.converged);
    for (int i = 0; i < rows; ++i) CHECK(r.fitted.row(i).sum() == approx(rt(i), 1e-9));
    for (int j = 0; j < cols; ++j) CHECK(r.fitted.col(j).sum() == approx(ct(j), 1e-9));
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < cols; ++j)
        if (seed(i, j) == 0) CHECK(r.fitted(i, j) == 0.0);
  }
}

TEST_CASE("ipf2 reports a fit that does not converge", "[flows]") {
  const auto r = ipf2(vec({18, 20}), vec({16, 22}), mat({{5, 2}, {1, 7}}), 1e-12, 2);
  CHECK_FALSE(r.converged);
  CHECK(r.iterations == 2);
  CHECK(r.max_margin_error > 1e-12);
}

TEST_CASE("ipf2 rejects bad input, naming the argument", "[flows]") {
  const auto seed = mat({{5, 2}, {1, 7}});
  CHECK_THROWS_AS(ipf2(vec({18, 20}), vec({16, 23}), seed), InputError);
  CHECK_THROWS_WITH(ipf2(vec({18, 20}), vec({16, 23}), seed), contains("col_totals"));
  CHECK_THROWS_WITH(ipf2(vec({18, -1}), vec({16, 1}), seed), contains("row_totals[1]"));
  CHECK_THROWS_WITH(ipf2(vec({18, 20}), vec({16, 22}), mat({{1, 2, 3}, {4, 5, 6}})),
                    contains("seed: shape"));
  CHECK_THROWS_WITH(ipf2(vec({18, 20}), vec({16, 22}), mat({{1, -2}, {4, 5}})),
                    contains("seed[0][1]"));
  CHECK_THROWS_WITH(ipf2(vec({18, 20}), vec({16, 22}), mat({{0, 0}, {4, 5}})),
                    contains("row_totals[0]"));
  CHECK_THROWS_WITH(ipf2(vec({18, 20}), vec({16, 22}), seed, 0.0), contains("tol"));
  CHECK_THROWS_WITH(ipf2(vec({18, 20}), vec({16, 22}), seed, 1e-6, 0), contains("max_iter"));
  CHECK_THROWS_WITH(ipf2(vec({18, std::nan("")}), vec({16, 22}), seed), contains("not finite"));
}

TEST_CASE("ipf3 fits each place of birth's margins", "[flows]") {
  // Margins of the demo example: origin by birth = stock_t0, destination by birth = stock_t1.
  const auto r = ipf3(kS1, kS2);
  REQUIRE(r.converged);
  REQUIRE(r.fitted.size() == 4);
  for (int b = 0; b < 4; ++b) {
    for (int i = 0; i < 4; ++i) CHECK(r.fitted[b].row(i).sum() == approx(kS1(b, i), 1e-9));
    for (int j = 0; j < 4; ++j) CHECK(r.fitted[b].col(j).sum() == approx(kS2(b, j), 1e-9));
    // A seed of ones is independence within each place of birth.
    const double total = kS1.row(b).sum();
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j)
        CHECK(r.fitted[b](i, j) == approx(kS1(b, i) * kS2(b, j) / total, 1e-9));
  }
  // An offset with structural zeros on the diagonal.
  std::vector<Eigen::MatrixXd> seed(4, Eigen::MatrixXd::Ones(4, 4));
  for (auto& m : seed) m.diagonal().setZero();
  const Eigen::MatrixXd o = mat({{0, 0, 20, 20}}), d = mat({{20, 20, 0, 0}});
  const auto z = ipf3(o, d, {seed[0]});
  check_matrix(z.fitted[0], mat({{0, 0, 0, 0}, {0, 0, 0, 0}, {10, 10, 0, 0}, {10, 10, 0, 0}}),
               1e-12);
  CHECK_THROWS_WITH(ipf3(kS1, kS2.topRows(3)), contains("destination_by_birth"));
  CHECK_THROWS_WITH(ipf3(kS1, kS1 * 2), contains("destination_by_birth[0]"));
  CHECK_THROWS_WITH(ipf3(kS1, kS2, {seed[0]}), contains("seed"));
}

TEST_CASE("flows_from_stocks demo reproduces Abel (2013)", "[flows]") {
  const auto r = flows_from_stocks(kS1, kS2);
  REQUIRE(r.converged);
  check_matrix(r.od, mat({{0, 0, 50, 0}, {35, 0, 25, 0}, {10, 10, 0, 0}, {10, 10, 0, 0}}), 1e-9);
  const Eigen::RowVectorXd col_sums = r.od.colwise().sum();
  CHECK(col_sums(0) == approx(55, 1e-9));
  CHECK(col_sums(1) == approx(20, 1e-9));
  CHECK(col_sums(2) == approx(75, 1e-9));
  CHECK(col_sums(3) == approx(0, 1e-9));
  CHECK(r.od.sum() == approx(150, 1e-9));
  REQUIRE(r.by_birth.size() == 4);
  check_matrix(r.by_birth[0], mat({{950, 0, 50, 0}, {0, 100, 0, 0}, {0, 0, 10, 0}, {0, 0, 0, 0}}),
               1e-9);
  check_matrix(r.by_birth[1], mat({{55, 0, 0, 0}, {25, 505, 25, 0}, {0, 0, 50, 0}, {0, 0, 0, 5}}),
               1e-9);
  check_matrix(r.by_birth[2], mat({{80, 0, 0, 0}, {10, 30, 0, 0}, {0, 0, 800, 0}, {0, 0, 0, 40}}),
               1e-9);
  check_matrix(r.by_birth[3], mat({{20, 0, 0, 0}, {0, 25, 0, 0}, {10, 10, 0, 0}, {10, 10, 0, 180}}),
               1e-9);
}

TEST_CASE("flows_from_stocks ipf3 is independence per place of birth", "[flows]") {
  const auto r = flows_from_stocks(kS1, kS2, StockMethod::kIpf3);
  const auto direct = ipf3(kS1, kS2);
  REQUIRE(r.converged);
  for (int b = 0; b < 4; ++b) check_matrix(r.by_birth[b], direct.fitted[b], 1e-12);
  for (int i = 0; i < 4; ++i) CHECK(r.od(i, i) == 0.0);
  CHECK(parse_stock_method("demo") == StockMethod::kDemo);
  CHECK(parse_stock_method("open-dr") == StockMethod::kOpenDr);
  CHECK(to_string(StockMethod::kDiffReturn) == "diff-return");
  CHECK_THROWS_WITH(parse_stock_method("rates"), contains("method"));
}

TEST_CASE("flows_from_stocks rejects bad stocks, naming the argument", "[flows]") {
  CHECK_THROWS_AS(flows_from_stocks(kS1, kS2.topRows(3)), InputError);
  CHECK_THROWS_WITH(flows_from_stocks(kS1, kS2.topRows(3)), contains("stock_t1: shape"));
  CHECK_THROWS_WITH(flows_from_stocks(kS1.leftCols(3), kS2), contains("stock_t0: shape"));
  Eigen::MatrixXd negative = kS2;
  negative(1, 2) = -5;
  CHECK_THROWS_WITH(flows_from_stocks(kS1, negative),
                    contains("stock_t1[1][2]") && contains("negative"));
  Eigen::MatrixXd unbalanced = kS2;
  unbalanced(3, 3) += 1;
  CHECK_THROWS_WITH(flows_from_stocks(kS1, unbalanced), contains("stock_t1[3]"));
}

namespace {

// Abel (2013, Demographic Research) example with births and deaths (as in migest's ffs_demo
// examples): stocks by place of birth x residence, births and deaths per place of residence.
const Eigen::MatrixXd kB1 =
    mat({{1000, 55, 80, 20}, {100, 555, 40, 25}, {10, 50, 800, 20}, {0, 5, 40, 200}});
const Eigen::MatrixXd kB2 =
    mat({{1060, 45, 70, 30}, {60, 540, 75, 30}, {10, 40, 770, 20}, {10, 0, 70, 230}});
const Eigen::VectorXd kBirths = vec({80, 20, 40, 60});
const Eigen::VectorXd kDeaths = vec({70, 30, 50, 10});

/// Everyone at t0 died, left, or is somewhere at t1; everyone at t1 was born, entered, or was
/// somewhere at t0 (per place of birth and place).
void check_account(const StockFlows& r, const Eigen::MatrixXd& s0, const Eigen::MatrixXd& s1) {
  const auto n = s0.rows();
  for (Eigen::Index b = 0; b < n; ++b) {
    const auto& f = r.by_birth[static_cast<std::size_t>(b)];
    for (Eigen::Index j = 0; j < n; ++j) {
      INFO("born " << b << ", place " << j);
      CHECK(r.deaths(b, j) + r.left(b, j) + f.row(j).sum() == approx(s0(b, j), 1e-8));
      CHECK(r.births(b, j) + r.entered(b, j) + f.col(j).sum() == approx(s1(b, j), 1e-8));
      for (Eigen::Index k = 0; k < n; ++k) CHECK(f(j, k) >= 0.0);
    }
  }
}

}  // namespace

TEST_CASE("flows_from_stocks open-dr and open keep the demographic account", "[flows]") {
  // Abel's births-and-deaths example with open-dr; open on the no-births example with more
  // B-born people at t1 (some entered). On Abel's example, open would leave a negative stock.
  Eigen::MatrixXd s2b = kS2;
  s2b.row(1) *= 1.1;
  const std::vector<std::tuple<StockMethod, Eigen::MatrixXd, Eigen::MatrixXd, Eigen::VectorXd,
                               Eigen::VectorXd>>
      cases{{StockMethod::kOpenDr, kB1, kB2, kBirths, kDeaths},
            {StockMethod::kOpen, kS1, s2b, Eigen::VectorXd::Zero(4), Eigen::VectorXd::Zero(4)},
            {StockMethod::kOpenDr, kS1, s2b, Eigen::VectorXd(), Eigen::VectorXd()}};
  for (const auto& [method, t0, t1, births, deaths] : cases) {
    INFO(to_string(method));
    const auto r = flows_from_stocks(t0, t1, births, deaths, method);
    REQUIRE(r.converged);
    check_account(r, t0, t1);
    const Eigen::VectorXd b = births.size() ? births : Eigen::VectorXd::Zero(4);
    const Eigen::VectorXd d = deaths.size() ? deaths : Eigen::VectorXd::Zero(4);
    // Births are native born where the native stock allows (all of them here).
    for (Eigen::Index j = 0; j < 4; ++j) CHECK(r.births(j, j) == approx(b(j), 1e-12));
    CHECK(r.births.sum() == approx(b.sum(), 1e-9));
    // Deaths spread over the residents at t0.
    for (Eigen::Index j = 0; j < 4; ++j) {
      CHECK(r.deaths.col(j).sum() == approx(d(j), 1e-9));
      for (Eigen::Index o = 0; o < 4; ++o)
        CHECK(r.deaths(o, j) == approx(t0(o, j) * d(j) / t0.col(j).sum(), 1e-9));
    }
    // Per place of birth, what is left of t0 minus what is left of t1 entered or left.
    for (Eigen::Index o = 0; o < 4; ++o) {
      const double gap = (t0.row(o).sum() - r.deaths.row(o).sum()) -
                         (t1.row(o).sum() - r.births.row(o).sum());
      CHECK(r.left.row(o).sum() - r.entered.row(o).sum() == approx(gap, 1e-8));
      CHECK((r.left.row(o).sum() == 0.0 || r.entered.row(o).sum() == 0.0));
    }
    // The diagonal holds the stayers: the smaller of the adjusted stocks.
    for (Eigen::Index o = 0; o < 4; ++o) {
      const auto& f = r.by_birth[static_cast<std::size_t>(o)];
      for (Eigen::Index j = 0; j < 4; ++j) {
        const double a0 = t0(o, j) - r.deaths(o, j) - r.left(o, j);
        const double a1 = t1(o, j) - r.births(o, j) - r.entered(o, j);
        CHECK(f(j, j) == approx(std::min(a0, a1), 1e-8));
      }
    }
  }
  // open on Abel's example: entrants of the D-born spread like t0 land where t1 has none.
  CHECK_THROWS_WITH(flows_from_stocks(kB1, kB2, kBirths, kDeaths, StockMethod::kOpen),
                    contains("stock_t1[3][1]") && contains("negative") && contains("open-dr"));
  // open-dr spreads leavers like the t0 stock and entrants like t1; open the other way.
  const auto dr = flows_from_stocks(kB1, kB2, kBirths, kDeaths, StockMethod::kOpenDr);
  for (Eigen::Index b = 0; b < 4; ++b) {
    const Eigen::RowVectorXd m1 = kB1.row(b) - dr.deaths.row(b);
    const Eigen::RowVectorXd m2 = kB2.row(b) - dr.births.row(b);
    for (Eigen::Index j = 0; j < 4; ++j) {
      CHECK(dr.left(b, j) == approx(m1(j) * dr.left.row(b).sum() / m1.sum(), 1e-9));
      CHECK(dr.entered(b, j) == approx(m2(j) * dr.entered.row(b).sum() / m2.sum(), 1e-9));
    }
  }
  const auto op = flows_from_stocks(kS1, s2b, Eigen::VectorXd(), Eigen::VectorXd(),
                                    StockMethod::kOpen);
  CHECK(op.entered.row(1).sum() == approx(0.1 * kS2.row(1).sum(), 1e-9));
  for (Eigen::Index j = 0; j < 4; ++j)
    CHECK(op.entered(1, j) == approx(kS1(1, j) * 0.1 * kS2.row(1).sum() / kS1.row(1).sum(), 1e-9));
}

TEST_CASE("flows_from_stocks guards births, deaths and negative open adjustments", "[flows]") {
  // open: people who left are taken from where the t1 stock is, which is empty at t0.
  const Eigen::MatrixXd s0 = mat({{10, 0}, {0, 10}}), s1 = mat({{0, 5}, {0, 10}});
  CHECK_THROWS_WITH(flows_from_stocks(s0, s1, Eigen::VectorXd(), Eigen::VectorXd(),
                                      StockMethod::kOpen),
                    contains("stock_t0[0][1]") && contains("negative") && contains("open-dr"));
  const auto dr = flows_from_stocks(s0, s1, Eigen::VectorXd(), Eigen::VectorXd(),
                                    StockMethod::kOpenDr);
  check_matrix(dr.od, mat({{0, 5}, {0, 0}}), 1e-12);
  check_matrix(dr.left, mat({{5, 0}, {0, 0}}), 1e-12);
  // More births than the t1 stock of the place; more deaths than the t0 stock.
  CHECK_THROWS_WITH(flows_from_stocks(kB1, kB2, vec({80, 20, 40, 1000}), kDeaths,
                                      StockMethod::kOpenDr),
                    contains("births[3]") && contains("cannot exceed"));
  CHECK_THROWS_WITH(flows_from_stocks(kB1, kB2, kBirths, vec({70, 30, 50, 10000}),
                                      StockMethod::kOpenDr),
                    contains("deaths[3]") && contains("cannot exceed"));
  CHECK_THROWS_WITH(flows_from_stocks(kB1, kB2, vec({1, 2}), kDeaths, StockMethod::kOpenDr),
                    contains("births: 2 values"));
  CHECK_THROWS_WITH(flows_from_stocks(kB1, kB2, vec({-1, 2, 3, 4}), kDeaths,
                                      StockMethod::kOpenDr),
                    contains("births[0]") && contains("negative"));
  // Births above the native stock but within the place's stock: spread over its residents.
  const Eigen::MatrixXd t1 = mat({{5, 10}, {20, 15}});
  const auto spread = flows_from_stocks(mat({{5, 0}, {20, 0}}), t1, vec({0, 25}),
                                        Eigen::VectorXd(), StockMethod::kDemo);
  CHECK(spread.births(0, 1) == approx(10.0, 1e-12));
  CHECK(spread.births(1, 1) == approx(15.0, 1e-12));
  // demo needs the account to balance; the message points at the open methods.
  CHECK_THROWS_WITH(flows_from_stocks(kB1, kB2, kBirths, kDeaths, StockMethod::kDemo),
                    contains("births and deaths") && contains("open"));
  CHECK_THROWS_WITH(flows_from_stocks(kB1, kB2, kBirths, kDeaths, StockMethod::kDiffZero),
                    contains("births: method 'diff-zero'"));
}

TEST_CASE("flows_from_stocks stock differencing (migest ffs_diff example data)", "[flows]") {
  const Eigen::MatrixXd s1 =
      mat({{100, 10, 10, 0}, {20, 55, 25, 10}, {10, 40, 140, 65}, {20, 25, 20, 200}});
  const Eigen::MatrixXd s2 =
      mat({{75, 25, 5, 15}, {20, 45, 30, 15}, {30, 40, 150, 35}, {10, 50, 5, 200}});
  const auto zero = flows_from_stocks(s1, s2, StockMethod::kDiffZero);
  check_matrix(zero.od, mat({{0, 15, 0, 15}, {0, 0, 5, 5}, {20, 0, 0, 0}, {0, 25, 0, 0}}), 0);
  const auto ret = flows_from_stocks(s1, s2, StockMethod::kDiffReturn);
  check_matrix(ret.od, mat({{0, 15, 0, 25}, {0, 0, 5, 5}, {25, 0, 0, 15}, {0, 25, 30, 0}}), 0);
  // Per place of birth: the 3-born left place 2 for home (3), 2 -> 3, 15 people.
  CHECK(ret.by_birth[3](2, 3) == 15.0);
  CHECK(ret.by_birth[3].diagonal().isZero());
  // No balance needed: stocks of different totals are fine.
  CHECK_NOTHROW(flows_from_stocks(s1, s2 * 2, StockMethod::kDiffReturn));
}

// ---------------------------------------------------------------------------------- gravity

TEST_CASE("gravity: the four constraints", "[flows]") {
  const Eigen::VectorXd mass = vec({100, 50, 30, 20});
  const Eigen::MatrixXd d =
      mat({{0, 10, 20, 30}, {10, 0, 15, 25}, {20, 15, 0, 12}, {30, 25, 12, 0}});
  GravityOptions o;
  o.k = 0.5;
  const auto u = gravity(mass, mass, d, 2.0, {}, {}, o);
  CHECK(u.constraint == GravityConstraint::kUnconstrained);
  CHECK(u.flows(0, 1) == approx(0.5 * 100 * 50 / 100.0, 1e-12));
  CHECK(u.flows(2, 3) == approx(0.5 * 30 * 20 / 144.0, 1e-12));
  CHECK(u.flows.diagonal().isZero());

  const Eigen::VectorXd out = vec({10, 20, 30, 40}), in = vec({25, 25, 25, 25});
  const auto p = gravity(mass, mass, d, 2.0, out, {});
  CHECK(p.constraint == GravityConstraint::kProduction);
  for (int i = 0; i < 4; ++i) CHECK(p.flows.row(i).sum() == approx(out(i), 1e-12));
  // Row 0: shares proportional to n_j / d_0j^2.
  const double w1 = 50 / 100.0, w2 = 30 / 400.0, w3 = 20 / 900.0;
  CHECK(p.flows(0, 2) == approx(10 * w2 / (w1 + w2 + w3), 1e-12));
  const auto a = gravity(mass, mass, d, 2.0, {}, in);
  CHECK(a.constraint == GravityConstraint::kAttraction);
  for (int j = 0; j < 4; ++j) CHECK(a.flows.col(j).sum() == approx(in(j), 1e-12));

  // Doubly constrained equals IPF on a d^-beta seed (the masses cancel), exponential too.
  for (auto det : {Deterrence::kPower, Deterrence::kExponential}) {
    GravityOptions od;
    od.deterrence = det;
    od.tol = 1e-12;
    const auto g = gravity(mass, mass, d, 0.7, out, in, od);
    CHECK(g.constraint == GravityConstraint::kDoubly);
    REQUIRE(g.converged);
    const auto seed = deterrence_matrix(d, 0.7, det);
    const auto ipf = ipf2(out, in, seed, 1e-12);
    check_matrix(g.flows, ipf.fitted, 1e-9);
    for (int i = 0; i < 4; ++i) CHECK(g.flows.row(i).sum() == approx(out(i), 1e-10));
    for (int j = 0; j < 4; ++j) CHECK(g.flows.col(j).sum() == approx(in(j), 1e-10));
  }
  CHECK(deterrence_matrix(d, 0.1, Deterrence::kExponential)(0, 1) ==
        approx(std::exp(-1.0), 1e-15));
  CHECK(parse_deterrence("exponential") == Deterrence::kExponential);
}

TEST_CASE("gravity rejects bad input, naming the argument", "[flows]") {
  const Eigen::VectorXd mass = vec({100, 50, 30});
  Eigen::MatrixXd d = mat({{0, 10, 20}, {10, 0, 15}, {20, 15, 0}});
  CHECK_THROWS_WITH(gravity(mass, mass, d, -1), contains("beta"));
  CHECK_THROWS_WITH(gravity(mass, vec({1, 2}), d, 1), contains("distances: shape"));
  CHECK_THROWS_WITH(gravity(mass, mass, d, 1, vec({1, 2, 3}), vec({1, 2, 4})),
                    contains("inflows: sum"));
  CHECK_THROWS_WITH(gravity(vec({1, -2, 3}), mass, d, 1), contains("masses_o[1]"));
  Eigen::MatrixXd bad = d;
  bad(0, 2) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(gravity(mass, mass, bad, 1), contains("distances[0][2]") &&
                                                     contains("infinite"));
  bad(0, 2) = std::nan("");
  CHECK_THROWS_WITH(gravity(mass, mass, bad, 1), contains("distances[0][2]"));
  bad(0, 2) = 0;
  CHECK_THROWS_WITH(gravity(mass, mass, bad, 1), contains("distances[0][2]") && contains("d > 0"));
  CHECK_NOTHROW(gravity(mass, mass, bad, 0.1, {}, {},
                        GravityOptions{Deterrence::kExponential, 1, 1, 1, false, 1e-10, 1000}));
  // A positive outflow with nowhere to go.
  CHECK_THROWS_WITH(gravity(mass, vec({0, 0, 5}), d, 1, vec({0, 0, 4}), {}),
                    contains("outflows[2]"));
  d(1, 1) = std::nan("");  // the diagonal is not read
  CHECK_NOTHROW(gravity(mass, mass, d, 1));
}

TEST_CASE("radiation: hand-worked rows, the tie rule and the finite-size correction",
          "[flows]") {
  const Eigen::VectorXd m = vec({100, 50, 30, 20});
  const Eigen::MatrixXd d = mat({{0, 1, 2, 3}, {1, 0, 1, 2}, {2, 1, 0, 1}, {3, 2, 1, 0}});
  const Eigen::VectorXd out = vec({10, 0, 0, 0});
  const auto r = radiation(m, d, out);
  // m n / ((m+s)(m+n+s)): 1/3, 1/9, 1/18, summing to 1/2 = 1 - 100/200.
  CHECK(r(0, 1) == approx(10 * (1.0 / 3) * 2, 1e-12));
  CHECK(r(0, 2) == approx(10 * (1.0 / 9) * 2, 1e-12));
  CHECK(r(0, 3) == approx(10 * (1.0 / 18) * 2, 1e-12));
  const auto raw = radiation(m, d, out, false);
  CHECK(raw.row(0).sum() == approx(10 * 0.5, 1e-12));
  // Ties: places 2 and 3 both 2 km away share what one place of 50 would get, 30:20.
  Eigen::MatrixXd tie = d;
  tie(0, 3) = 2;
  const auto t = radiation(m, tie, out);
  CHECK(t(0, 1) == approx(20.0 / 3, 1e-12));
  CHECK(t(0, 2) == approx(10 * 2 * (1.0 / 6) * 0.6, 1e-12));
  CHECK(t(0, 3) == approx(10 * 2 * (1.0 / 6) * 0.4, 1e-12));
  // Rows sum to the outflows on random problems with many ties, whatever the order.
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> km(1, 6);
  std::uniform_real_distribution<double> u(0.0, 100.0);
  for (int trial = 0; trial < 10; ++trial) {
    const int n = 6 + trial;
    Eigen::VectorXd pop(n), tot(n);
    Eigen::MatrixXd dist(n, n);
    for (int i = 0; i < n; ++i) {
      pop(i) = trial % 3 == 0 && i == 1 ? 0.0 : u(rng);
      tot(i) = u(rng);
      for (int j = 0; j < n; ++j) dist(i, j) = i == j ? 0 : km(rng);
    }
    const auto f = radiation(pop, dist, tot);
    for (int i = 0; i < n; ++i) CHECK(f.row(i).sum() == approx(tot(i), 1e-10, 1e-12));
    CHECK(f.diagonal().isZero());
    CHECK(f.minCoeff() >= 0.0);
  }
  CHECK_THROWS_WITH(radiation(vec({10, 0}), mat({{0, 1}, {1, 0}}), vec({5, 0})),
                    contains("outflows[0]"));
  CHECK_THROWS_WITH(radiation(m, d, vec({1, 2})), contains("outflows: 2 values"));
}

// ---------------------------------------------------------------------------------- PPML

namespace {

struct Synthetic {
  Eigen::MatrixXd y, log_d, border;
  Eigen::VectorXd a, g;
};

/// y = exp(beta_d log d + beta_b border + a_i + g_j) exactly (no noise), diagonal included.
Synthetic synthetic(int n_o, int n_d, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> km(10, 1000), eff(-1, 1);
  Synthetic s;
  s.a.resize(n_o);
  s.g.resize(n_d);
  for (auto& v : s.a) v = eff(rng);
  for (auto& v : s.g) v = eff(rng);
  s.y.resize(n_o, n_d);
  s.log_d.resize(n_o, n_d);
  s.border.resize(n_o, n_d);
  for (int i = 0; i < n_o; ++i)
    for (int j = 0; j < n_d; ++j) {
      s.log_d(i, j) = std::log(km(rng));
      s.border(i, j) = (i + j) % 3 == 0 ? 1.0 : 0.0;
      s.y(i, j) = std::exp(8.0 - 1.3 * s.log_d(i, j) + 0.4 * s.border(i, j) + s.a(i) + s.g(j));
    }
  return s;
}

}  // namespace

TEST_CASE("fit_ppml recovers a noise-free model and reproduces the margins", "[flows]") {
  for (auto [n_o, n_d] : {std::pair{12, 9}, std::pair{7, 15}}) {
    const auto s = synthetic(n_o, n_d, 3);
    const auto r = fit_ppml(s.y, {s.log_d, s.border}, {"log_distance", "border"});
    INFO(n_o << " x " << n_d);
    REQUIRE(r.converged);
    CHECK(r.names == std::vector<std::string>{"log_distance", "border"});
    CHECK(r.coef(0) == approx(-1.3, 1e-9));
    CHECK(r.coef(1) == approx(0.4, 1e-9));
    CHECK(r.deviance == approx(0.0, 1e-6));
    check_matrix(r.fitted, s.y, 1e-6);
    // Effects, normalised so the first destination's is 0.
    for (int i = 0; i < n_o; ++i)
      CHECK(r.origin_effects(i) == approx(8.0 + s.a(i) + s.g(0), 1e-8));
    for (int j = 0; j < n_d; ++j)
      CHECK(r.destination_effects(j) == approx(s.g(j) - s.g(0), 1e-8));
    CHECK(r.r2 == approx(1.0, 1e-9));
    CHECK(r.pseudo_r2 > 0.5);  // McFadden's is below 1 even for a perfect fit (log y! terms)
  }
}

TEST_CASE("fit_ppml with noise: fixed effects reproduce the observed margins", "[flows]") {
  auto s = synthetic(20, 20, 7);
  std::mt19937 rng(1);
  CellMask sample = CellMask::Constant(20, 20, true);
  for (int i = 0; i < 20; ++i) {
    sample(i, i) = false;
    for (int j = 0; j < 20; ++j) {
      std::poisson_distribution<int> pois(s.y(i, j) * 5.0);
      s.y(i, j) = pois(rng);  // zeros included
    }
  }
  for (auto fe : {FixedEffects::kBoth, FixedEffects::kOrigin, FixedEffects::kDestination}) {
    PpmlOptions o;
    o.fixed_effects = fe;
    const auto r = fit_ppml(s.y, {s.log_d}, {"log_distance"}, sample, o);
    REQUIRE(r.converged);
    CHECK(r.n_obs == 380);
    CHECK(r.coef(0) == approx(-1.3, 0.15));
    const Eigen::MatrixXd ym = s.y.array() * sample.cast<double>();
    if (fe != FixedEffects::kDestination)
      for (int i = 0; i < 20; ++i) CHECK(r.fitted.row(i).sum() == approx(ym.row(i).sum(), 1e-7));
    if (fe != FixedEffects::kOrigin)
      for (int j = 0; j < 20; ++j) CHECK(r.fitted.col(j).sum() == approx(ym.col(j).sum(), 1e-7));
    CHECK(r.fitted.diagonal().isZero());
    CHECK(r.cov_robust(0, 0) > 0);
    CHECK(r.cov_model(0, 0) > 0);
  }
  // No fixed effects: a constant, and the total is reproduced (Poisson with an intercept).
  PpmlOptions none;
  none.fixed_effects = FixedEffects::kNone;
  const auto r = fit_ppml(s.y, {s.log_d}, {"log_distance"}, sample, none);
  CHECK(r.names.front() == "const");
  const Eigen::MatrixXd ym = s.y.array() * sample.cast<double>();
  CHECK(r.fitted.sum() == approx(ym.sum(), 1e-7));
}

TEST_CASE("fit_ppml drops all-zero origins and rejects singular designs", "[flows]") {
  auto s = synthetic(10, 10, 5);
  s.y.row(4).setZero();
  const auto r = fit_ppml(s.y, {s.log_d, s.border}, {"log_distance", "border"});
  REQUIRE(r.dropped_origins == std::vector<Eigen::Index>{4});
  CHECK(std::isnan(r.origin_effects(4)));
  CHECK(r.fitted.row(4).isZero());
  CHECK(r.coef(0) == approx(-1.3, 1e-8));
  CHECK(r.n_obs == 90);

  // A regressor constant within each origin, with origin effects.
  Eigen::MatrixXd per_origin(10, 10);
  for (int i = 0; i < 10; ++i) per_origin.row(i).setConstant(i * 0.3);
  CHECK_THROWS_WITH(fit_ppml(s.y, {s.log_d, per_origin}, {"log_distance", "log_mass_o"}),
                    contains("singular design") && contains("'log_mass_o'"));
  // Two collinear regressors.
  const Eigen::MatrixXd twice = 2.0 * s.log_d;
  CHECK_THROWS_WITH(fit_ppml(s.y, {s.log_d, twice}, {"a", "b"}),
                    contains("singular design") && contains("'a'") && contains("'b'"));
  PpmlOptions none;
  none.fixed_effects = FixedEffects::kNone;
  CHECK_THROWS_WITH(fit_ppml(s.y, {Eigen::MatrixXd::Constant(10, 10, 3.0)}, {"c"}, {}, none),
                    contains("singular design"));
  // Non-finite regressors in the sample; negative flows; shapes.
  Eigen::MatrixXd logd = s.log_d;
  logd(2, 3) = -std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(fit_ppml(s.y, {logd}, {"log_distance"}),
                    contains("regressors['log_distance'][2][3]"));
  CellMask skip = CellMask::Constant(10, 10, true);
  skip(2, 3) = false;
  CHECK_NOTHROW(fit_ppml(s.y, {logd}, {"log_distance"}, skip));
  Eigen::MatrixXd neg = s.y;
  neg(0, 1) = -1;
  CHECK_THROWS_WITH(fit_ppml(neg, {s.log_d}, {"log_distance"}), contains("flows[0][1]"));
  CHECK_THROWS_WITH(fit_ppml(s.y, {s.log_d.topRows(3)}, {"log_distance"}),
                    contains("regressors['log_distance']: shape"));
  CHECK_THROWS_WITH(fit_ppml(s.y.topRows(1), {s.log_d.topRows(1)}, {"x"}), contains("flows:"));
  CHECK_THROWS_WITH(parse_fixed_effects("year"), contains("fixed_effects"));
}

// ---------------------------------------------------------------------------------- assignment

namespace {

/// A - B - C in a line (10 km each, B-C crosses a border) and a direct A - C of 25 km.
Network border_network() {
  NetworkBuilder b;
  const char* names[] = {"A", "B", "C"};
  const char* countries[] = {"Home", "Home", "Abroad"};
  for (int i = 0; i < 3; ++i) {
    Location loc;
    loc.name = names[i];
    loc.country = countries[i];
    loc.position = {0.1 * i, 0};
    b.add_location(loc);
  }
  Route r;
  r.distance_km = 10;
  b.add_route("A", "B", r);
  b.add_route("B", "C", r);
  r.distance_km = 25;
  b.add_route("A", "C", r);
  return b.build();
}

}  // namespace

TEST_CASE("assign: all-or-nothing and logit over the k shortest routes", "[flows]") {
  const auto net = border_network();
  const std::vector<LocationId> ids{0, 1, 2};
  const Eigen::MatrixXd od = mat({{5, 10, 100}, {0, 0, 20}, {30, 0, 0}});
  const auto s = assign(net, ids, ids, od);
  // A->C (100) goes A-B-C (20 km < 25 km); B->C 20; C->A 30 back along C-B-A; A->B 10.
  CHECK(s.forward[0] == approx(110, 1e-12));  // A -> B
  CHECK(s.forward[1] == approx(120, 1e-12));  // B -> C
  CHECK(s.backward[1] == approx(30, 1e-12));  // C -> B
  CHECK(s.backward[0] == approx(30, 1e-12));  // B -> A
  CHECK(s.forward[2] == 0.0);
  CHECK(s.intrazonal == approx(5, 1e-12));
  CHECK(s.assigned == approx(160, 1e-12));
  CHECK(s.paths.size() == 4);

  AssignOptions o;
  o.method = AssignMethod::kLogit;
  o.theta = 0.1;
  o.k = 3;
  const auto l = assign(net, ids, ids, od, o);
  // Every pair has two routes: A->C and C->A 20 km (via B) or 25 km (direct), share p of the
  // shorter; A->B and B->C 10 km direct or 35 km round the other way, share q.
  const double p = 1.0 / (1.0 + std::exp(-0.5)), q = 1.0 / (1.0 + std::exp(-2.5));
  CHECK(l.forward[2] == approx(100 * (1 - p) + 10 * (1 - q) + 20 * (1 - q), 1e-10));  // A -> C
  CHECK(l.forward[0] == approx(10 * q + 100 * p, 1e-10));                             // A -> B
  CHECK(l.forward[1] == approx(100 * p + 20 * q, 1e-10));                             // B -> C
  CHECK(l.backward[1] == approx(30 * p + 10 * (1 - q), 1e-10));                       // C -> B
  CHECK(l.backward[2] == approx(30 * (1 - p), 1e-10));                                // C -> A
  CHECK(l.assigned == approx(160, 1e-10));
  double total_share = 0;
  for (const auto& ap : l.paths)
    if (ap.od_row == 0 && ap.od_col == 2) total_share += ap.share;
  CHECK(total_share == approx(1.0, 1e-12));
  o.theta = 0;  // equal shares
  const auto eq = assign(net, ids, ids, od, o);
  CHECK(eq.forward[2] == approx(50 + 5 + 10, 1e-10));
}

TEST_CASE("assign reports unreachable pairs and rejects bad input", "[flows]") {
  NetworkBuilder b;
  for (const char* name : {"A", "B", "C"}) {
    Location loc;
    loc.name = name;
    b.add_location(loc);
  }
  Route r;
  r.distance_km = 5;
  b.add_route("A", "B", r);
  const auto net = b.build();
  const std::vector<LocationId> ids{0, 1, 2};
  const auto a = assign(net, ids, ids, mat({{0, 4, 6}, {0, 0, 0}, {0, 0, 0}}));
  CHECK(a.assigned == approx(4, 1e-12));
  CHECK(a.unassigned == approx(6, 1e-12));
  REQUIRE(a.unreachable.size() == 1);
  CHECK(a.unreachable[0] == std::pair<std::uint32_t, std::uint32_t>{0, 2});
  CHECK_THROWS_WITH(assign(net, ids, ids, mat({{0, -4, 6}, {0, 0, 0}, {0, 0, 0}})),
                    contains("od[0][1]"));
  CHECK_THROWS_WITH(assign(net, ids, ids, mat({{0, 4}})), contains("od: shape"));
  const std::vector<LocationId> bad{0, 1, 7};
  CHECK_THROWS_WITH(assign(net, bad, ids, Eigen::MatrixXd::Zero(3, 3)), contains("origins[2]"));
  AssignOptions o;
  o.method = AssignMethod::kLogit;
  o.theta = -1;
  CHECK_THROWS_WITH(assign(net, ids, ids, Eigen::MatrixXd::Zero(3, 3), o), contains("theta"));
}

TEST_CASE("ipf2_transposed gives ipf2's fit on a transposed (row-major) seed", "[flows]") {
  std::mt19937 rng(17);
  std::uniform_real_distribution<double> u(0.0, 10.0);
  Eigen::MatrixXd seed(7, 5);
  for (Eigen::Index i = 0; i < seed.size(); ++i) seed.data()[i] = u(rng) < 1.0 ? 0.0 : u(rng);
  const Eigen::VectorXd rows = seed.rowwise().sum() * 3.0;
  const Eigen::VectorXd cols = (seed.colwise().sum() * 3.0).transpose();
  const auto a = ipf2(rows, cols, seed * 0 + Eigen::MatrixXd::Ones(7, 5), 1e-11, 50);
  const auto b = ipf2_transposed(rows, cols, Eigen::MatrixXd::Ones(5, 7), 1e-11, 50);
  CHECK(a.iterations == b.iterations);
  check_matrix(b.fitted.transpose(), a.fitted, 1e-12);
  const auto c = ipf2(rows, cols, seed, 1e-9, 30);
  const Eigen::MatrixXd seed_t = seed.transpose();
  const auto d = ipf2_transposed(rows, cols, seed_t, 1e-9, 30);
  CHECK(c.iterations == d.iterations);
  CHECK(c.converged == d.converged);
  check_matrix(d.fitted.transpose(), c.fitted, 1e-12);
  Eigen::MatrixXd bad = seed_t;
  bad(3, 1) = -1;  // seed[1][3]
  CHECK_THROWS_WITH(ipf2_transposed(rows, cols, bad), contains("seed[1][3]"));
}

namespace {

// A d^-2 seed between random points (zero diagonal) and log-normal margins: the
// benchmark's problem, at a size given by the caller.
std::tuple<Eigen::MatrixXd, Eigen::VectorXd, Eigen::VectorXd> gravity_problem(int rows, int cols,
                                                                              unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 2000.0);
  std::lognormal_distribution<double> mass(8.0, 1.0);
  std::vector<double> x(static_cast<std::size_t>(std::max(rows, cols))), y(x.size());
  for (std::size_t k = 0; k < x.size(); ++k) x[k] = u(rng), y[k] = u(rng);
  Eigen::MatrixXd s(rows, cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) {
      const double dx = x[i] - x[j], dy = y[i] - y[j];
      s(i, j) = i == j ? 0.0 : 1.0 / (dx * dx + dy * dy);
    }
  Eigen::VectorXd r(rows), c(cols);
  for (auto& v : r) v = mass(rng);
  for (auto& v : c) v = mass(rng);
  c *= r.sum() / c.sum();
  return {s, r, c};
}

// The textbook IPF on the table: scale rows, scale columns, check the margins. The table and
// the sweeps made.
std::pair<Eigen::MatrixXd, int> textbook_ipf(Eigen::MatrixXd m, const Eigen::VectorXd& rows,
                                             const Eigen::VectorXd& cols, double tol,
                                             int max_iter) {
  for (int sweep = 1; sweep <= max_iter; ++sweep) {
    const Eigen::VectorXd r = m.rowwise().sum();
    m = (rows.array() / r.array()).matrix().asDiagonal() * m;
    const Eigen::RowVectorXd c = m.colwise().sum();
    m = m * (cols.transpose().array() / c.array()).matrix().asDiagonal();
    const double error = std::max((m.rowwise().sum() - rows).cwiseAbs().maxCoeff(),
                                  (m.colwise().sum() - cols.transpose()).cwiseAbs().maxCoeff());
    if (error <= tol) return {m, sweep};
  }
  return {m, max_iter};
}

}  // namespace

TEST_CASE("ipf2 makes the textbook IPF's sweeps on the table", "[flows]") {
  // Odd sizes, so no line is a whole number of vector lanes or groups of lines.
  const auto [seed, rows, cols] = gravity_problem(301, 263, 3);
  const auto [m, sweeps] = textbook_ipf(seed, rows, cols, 1e-6, 1000);
  REQUIRE(sweeps > 10);
  const auto a = ipf2(rows, cols, seed, 1e-6, 1000);
  const Eigen::MatrixXd seed_t = seed.transpose();
  const auto b = ipf2_transposed(rows, cols, seed_t, 1e-6, 1000);
  CHECK(a.converged);
  CHECK(b.converged);
  CHECK(a.iterations == sweeps);
  CHECK(b.iterations == sweeps);
  CHECK((a.fitted - m).cwiseAbs().maxCoeff() <= 1e-12 * m.maxCoeff());
  CHECK((b.fitted.transpose() - m).cwiseAbs().maxCoeff() <= 1e-12 * m.maxCoeff());
}

TEST_CASE("ipf2 gives the same fit to the last bit on any number of threads", "[flows]") {
  // Large enough to be read on several threads and to have the table written past the caches
  // (over 2^20 values).
  const auto [seed, rows, cols] = gravity_problem(1031, 1019, 11);
  const Eigen::MatrixXd seed_t = seed.transpose();
  const auto a1 = ipf2(rows, cols, seed, 1e-9, 30, 1);
  const auto b1 = ipf2_transposed(rows, cols, seed_t, 1e-9, 30, 1);
  const auto [m, sweeps] = textbook_ipf(seed, rows, cols, 1e-9, 30);
  CHECK(a1.iterations == sweeps);
  CHECK(b1.iterations == sweeps);
  CHECK((a1.fitted - m).cwiseAbs().maxCoeff() <= 1e-12 * m.maxCoeff());
  CHECK((b1.fitted.transpose() - m).cwiseAbs().maxCoeff() <= 1e-12 * m.maxCoeff());
  for (unsigned threads : {2u, 3u, 5u, 0u}) {
    INFO("threads " << threads);
    const auto a = ipf2(rows, cols, seed, 1e-9, 30, threads);
    const auto b = ipf2_transposed(rows, cols, seed_t, 1e-9, 30, threads);
    CHECK(a.iterations == a1.iterations);
    CHECK(a.max_margin_error == a1.max_margin_error);
    CHECK((a.fitted.array() == a1.fitted.array()).all());
    CHECK(b.iterations == b1.iterations);
    CHECK(b.max_margin_error == b1.max_margin_error);
    CHECK((b.fitted.array() == b1.fitted.array()).all());
  }
}

TEST_CASE("ipf2_transposed without a seed is ipf2 without a seed", "[flows]") {
  const Eigen::VectorXd rows = vec({18, 20, 0, 7}), cols = vec({16, 22, 7});
  const auto a = ipf2(rows, cols, Eigen::MatrixXd(), 1e-12, 10);
  const auto b = ipf2_transposed(rows, cols, Eigen::MatrixXd(), 1e-12, 10);
  CHECK(a.iterations == b.iterations);
  check_matrix(b.fitted.transpose(), a.fitted, 1e-12);
  check_matrix(a.fitted, rows * cols.transpose() / 45.0, 1e-12);
}

TEST_CASE("ipf2_transposed writes the same fit into the caller's memory", "[flows]") {
  const auto [seed, rows, cols] = gravity_problem(37, 29, 5);
  const Eigen::MatrixXd seed_t = seed.transpose();
  const auto a = ipf2_transposed(rows, cols, seed_t, 1e-9, 100);
  std::vector<double> memory(static_cast<std::size_t>(seed.size()));
  const auto b = ipf2_transposed(rows, cols, seed_t,
                                 Eigen::Map<Eigen::MatrixXd>(memory.data(), 29, 37), 1e-9, 100);
  CHECK(b.fitted.size() == 0);
  CHECK(b.iterations == a.iterations);
  CHECK((Eigen::Map<Eigen::MatrixXd>(memory.data(), 29, 37).array() == a.fitted.array()).all());
  const auto c = ipf2_transposed(rows, cols, Eigen::MatrixXd(),
                                 Eigen::Map<Eigen::MatrixXd>(memory.data(), 29, 37), 1e-9, 100);
  const auto d = ipf2_transposed(rows, cols, Eigen::MatrixXd(), 1e-9, 100);
  CHECK((Eigen::Map<Eigen::MatrixXd>(memory.data(), 29, 37).array() == d.fitted.array()).all());
  CHECK(c.iterations == d.iterations);
  CHECK_THROWS_WITH(
      ipf2_transposed(rows, cols, seed_t, Eigen::Map<Eigen::MatrixXd>(memory.data(), 37, 29)),
      contains("fitted_t: shape"));
}
