// Flow estimation: the published IPF and flows-from-stocks examples (../shared/data/flows/
// README.md), margins on random tables, structural zeros, and bad input.
#include <random>
#include <vector>

#include "catch.hpp"
#include "corridor/error.hpp"
#include "corridor/flows.hpp"

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
  CHECK_THROWS_WITH(parse_stock_method("open"), contains("method"));
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
