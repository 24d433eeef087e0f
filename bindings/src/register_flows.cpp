// corridor._core — flow estimation: two- and three-way IPF, flows from stocks.
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "corridor/error.hpp"
#include "corridor/flows.hpp"

namespace corridor::bindings {
namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

Array as_array(const py::object& value, py::ssize_t ndim, const char* name) {
  Array a = Array::ensure(value);
  if (!a) throw InputError(std::string(name) + ": not convertible to an array of numbers");
  if (a.ndim() != ndim) {
    throw InputError(std::string(name) + ": expected " + std::to_string(ndim) +
                     " dimensions, got " + std::to_string(a.ndim()));
  }
  return a;
}

Eigen::VectorXd to_vector(const Array& a) {
  Eigen::VectorXd v(a.shape(0));
  const double* p = a.data();
  for (py::ssize_t i = 0; i < a.shape(0); ++i) v(i) = p[i];
  return v;
}

Eigen::MatrixXd to_matrix(const double* p, py::ssize_t rows, py::ssize_t cols) {
  Eigen::MatrixXd m(rows, cols);
  for (py::ssize_t i = 0; i < rows; ++i)
    for (py::ssize_t j = 0; j < cols; ++j) m(i, j) = p[i * cols + j];
  return m;
}

Eigen::MatrixXd to_matrix(const Array& a) { return to_matrix(a.data(), a.shape(0), a.shape(1)); }

py::array_t<double> from_matrix(const Eigen::MatrixXd& m) {
  std::vector<double> out(static_cast<std::size_t>(m.size()));
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j)
      out[static_cast<std::size_t>(i * m.cols() + j)] = m(i, j);
  return to_numpy_2d(std::move(out), static_cast<std::size_t>(m.rows()),
                     static_cast<std::size_t>(m.cols()));
}

/// Stacks matrices of one shape into a [k][rows][cols] array.
py::array_t<double> from_matrices(const std::vector<Eigen::MatrixXd>& ms, Eigen::Index rows,
                                  Eigen::Index cols) {
  py::array_t<double> out({static_cast<py::ssize_t>(ms.size()), static_cast<py::ssize_t>(rows),
                           static_cast<py::ssize_t>(cols)});
  double* p = out.mutable_data();
  for (const auto& m : ms)
    for (Eigen::Index i = 0; i < rows; ++i)
      for (Eigen::Index j = 0; j < cols; ++j) *p++ = m(i, j);
  return out;
}

}  // namespace

void register_flows(py::module_& m) {
  m.def(
      "ipf2",
      [](const py::object& row_totals, const py::object& col_totals, const py::object& seed,
         double tol, int max_iter) {
        const auto rt = to_vector(as_array(row_totals, 1, "row_totals"));
        const auto ct = to_vector(as_array(col_totals, 1, "col_totals"));
        const Eigen::MatrixXd s =
            seed.is_none() ? Eigen::MatrixXd() : to_matrix(as_array(seed, 2, "seed"));
        IpfResult r;
        {
          py::gil_scoped_release release;
          r = ipf2(rt, ct, s, tol, max_iter);
        }
        return py::make_tuple(from_matrix(r.fitted), r.iterations, r.converged, r.max_margin_error);
      },
      py::arg("row_totals"), py::arg("col_totals"), py::arg("seed") = py::none(),
      py::arg("tol") = 1e-10, py::arg("max_iter") = 1000,
      "Two-way IPF: (fitted, iterations, converged, max_margin_error).");

  m.def(
      "ipf3",
      [](const py::object& origin_by_birth, const py::object& destination_by_birth,
         const py::object& seed, double tol, int max_iter) {
        const auto o = to_matrix(as_array(origin_by_birth, 2, "origin_by_birth"));
        const auto d = to_matrix(as_array(destination_by_birth, 2, "destination_by_birth"));
        std::vector<Eigen::MatrixXd> s;
        if (!seed.is_none()) {
          const auto a = as_array(seed, 3, "seed");
          const auto rows = a.shape(1), cols = a.shape(2);
          for (py::ssize_t b = 0; b < a.shape(0); ++b)
            s.push_back(to_matrix(a.data() + b * rows * cols, rows, cols));
        }
        Ipf3Result r;
        {
          py::gil_scoped_release release;
          r = ipf3(o, d, s, tol, max_iter);
        }
        return py::make_tuple(from_matrices(r.fitted, o.cols(), d.cols()), r.iterations,
                              r.converged, r.max_margin_error);
      },
      py::arg("origin_by_birth"), py::arg("destination_by_birth"), py::arg("seed") = py::none(),
      py::arg("tol") = 1e-10, py::arg("max_iter") = 1000,
      "Three-way IPF per place of birth: (fitted[born][origin][destination], iterations, "
      "converged, max_margin_error).");

  m.def(
      "flows_from_stocks",
      [](const py::object& stock_t0, const py::object& stock_t1, const std::string& method,
         double tol, int max_iter) {
        const auto s0 = to_matrix(as_array(stock_t0, 2, "stock_t0"));
        const auto s1 = to_matrix(as_array(stock_t1, 2, "stock_t1"));
        const auto how = parse_stock_method(method);
        StockFlows r;
        {
          py::gil_scoped_release release;
          r = flows_from_stocks(s0, s1, how, tol, max_iter);
        }
        return py::make_tuple(from_matrices(r.by_birth, s0.rows(), s0.rows()), from_matrix(r.od),
                              r.iterations, r.converged, r.max_margin_error);
      },
      py::arg("stock_t0"), py::arg("stock_t1"), py::arg("method") = "demo", py::arg("tol") = 1e-10,
      py::arg("max_iter") = 1000,
      "Flows from stocks: (by_birth[born][origin][destination], od, iterations, converged, "
      "max_margin_error).");
}

}  // namespace corridor::bindings
