// corridor._core — flow estimation: IPF, flows from stocks, gravity and radiation models, PPML
// fitting, assignment of OD matrices to routes, and geodesic distance matrices.
//
// Design notes: arguments are cast to Eigen (one copy from the row-major numpy buffer) with the
// GIL held, the compute runs with it released, and results go back as numpy arrays that own a
// moved std::vector (no second copy). ipf2, whose tables are the largest, copies neither way:
// the seed is read in place as its transpose, and the fit is written into a numpy array.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "corridor/assignment.hpp"
#include "corridor/error.hpp"
#include "corridor/flows.hpp"
#include "corridor/geo/geodesic.hpp"
#include "corridor/gravity.hpp"
#include "corridor/ppml.hpp"
#include "corridor/routing.hpp"

namespace corridor::bindings {
namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;
using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Array as_array(const py::object& value, py::ssize_t ndim, const std::string& name) {
  Array a;
  try {
    a = Array::ensure(value);
  } catch (const py::error_already_set&) {
    a = Array();
  }
  if (!a) {
    PyErr_Clear();
    throw InputError(name + ": not convertible to an array of numbers");
  }
  if (a.ndim() != ndim) {
    throw InputError(name + ": expected " + std::to_string(ndim) + " dimensions, got " +
                     std::to_string(a.ndim()));
  }
  return a;
}

Eigen::VectorXd to_vector(const Array& a) {
  return Eigen::Map<const Eigen::VectorXd>(a.data(), a.shape(0));
}

Eigen::VectorXd optional_vector(const py::object& value, const std::string& name) {
  return value.is_none() ? Eigen::VectorXd() : to_vector(as_array(value, 1, name));
}

Eigen::MatrixXd to_matrix(const double* p, py::ssize_t rows, py::ssize_t cols) {
  return Eigen::Map<const RowMajor>(p, rows, cols);
}

Eigen::MatrixXd to_matrix(const Array& a) { return to_matrix(a.data(), a.shape(0), a.shape(1)); }

Eigen::MatrixXd matrix_arg(const py::object& value, const std::string& name) {
  return to_matrix(as_array(value, 2, name));
}

py::array_t<double> from_matrix(const Eigen::MatrixXd& m) {
  std::vector<double> out(static_cast<std::size_t>(m.size()));
  Eigen::Map<RowMajor>(out.data(), m.rows(), m.cols()) = m;
  return to_numpy_2d(std::move(out), static_cast<std::size_t>(m.rows()),
                     static_cast<std::size_t>(m.cols()));
}

py::array_t<double> from_vector(const Eigen::VectorXd& v) {
  return to_numpy(std::vector<double>(v.data(), v.data() + v.size()));
}

/// Stacks matrices of one shape into a [k][rows][cols] array.
py::array_t<double> from_matrices(const std::vector<Eigen::MatrixXd>& ms, Eigen::Index rows,
                                  Eigen::Index cols) {
  py::array_t<double> out({static_cast<py::ssize_t>(ms.size()), static_cast<py::ssize_t>(rows),
                           static_cast<py::ssize_t>(cols)});
  double* p = out.mutable_data();
  for (const auto& m : ms) {
    Eigen::Map<RowMajor>(p, rows, cols) = m;
    p += rows * cols;
  }
  return out;
}

std::vector<LocationId> location_ids(const py::object& values, const std::string& name,
                                     std::size_t n) {
  auto a = values.cast<py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>>();
  std::vector<LocationId> out(static_cast<std::size_t>(a.size()));
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto v = a.data()[i];
    if (v < 0 || static_cast<std::size_t>(v) >= n)
      throw InputError(name + "[" + std::to_string(i) + "]: location id " + std::to_string(v) +
                       " is not in the network");
    out[i] = static_cast<LocationId>(v);
  }
  return out;
}


py::dict stock_flows_dict(const StockFlows& r, Eigen::Index n) {
  py::dict out;
  out["by_birth"] = from_matrices(r.by_birth, n, n);
  out["od"] = from_matrix(r.od);
  out["births"] = from_matrix(r.births);
  out["deaths"] = from_matrix(r.deaths);
  out["entered"] = from_matrix(r.entered);
  out["left"] = from_matrix(r.left);
  out["iterations"] = r.iterations;
  out["converged"] = r.converged;
  out["max_margin_error"] = r.max_margin_error;
  return out;
}

void register_estimation(py::module_& m) {
  m.def(
      "ipf2",
      [](const py::object& row_totals, const py::object& col_totals, const py::object& seed,
         double tol, int max_iter) -> py::tuple {
        const auto rt = to_vector(as_array(row_totals, 1, "row_totals"));
        const auto ct = to_vector(as_array(col_totals, 1, "col_totals"));
        // The row-major seed is read in place as its transpose, and the transposed fit is the
        // row-major result: no copies of a large table either way.
        const bool given = !seed.is_none();
        const Array s = given ? as_array(seed, 2, "seed") : Array();
        const Eigen::Map<const Eigen::MatrixXd> seed_t(
            given ? s.data() : nullptr, given ? s.shape(1) : 0, given ? s.shape(0) : 0);
        // numpy allocates the result (in huge pages when large), and the fit is written there.
        py::array_t<double> fitted({rt.size(), ct.size()});
        const Eigen::Map<Eigen::MatrixXd> fitted_t(fitted.mutable_data(), ct.size(), rt.size());
        IpfResult r;
        {
          py::gil_scoped_release release;
          r = ipf2_transposed(rt, ct, seed_t, fitted_t, tol, max_iter);
        }
        return py::make_tuple(fitted, r.iterations, r.converged, r.max_margin_error);
      },
      py::arg("row_totals"), py::arg("col_totals"), py::arg("seed") = py::none(),
      py::arg("tol") = 1e-10, py::arg("max_iter") = 1000,
      "Two-way IPF: (fitted, iterations, converged, max_margin_error).");

  m.def(
      "ipf3",
      [](const py::object& origin_by_birth, const py::object& destination_by_birth,
         const py::object& seed, double tol, int max_iter) {
        const auto o = matrix_arg(origin_by_birth, "origin_by_birth");
        const auto d = matrix_arg(destination_by_birth, "destination_by_birth");
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
         const py::object& births, const py::object& deaths, double tol, int max_iter) {
        const auto s0 = matrix_arg(stock_t0, "stock_t0");
        const auto s1 = matrix_arg(stock_t1, "stock_t1");
        const auto b = optional_vector(births, "births");
        const auto d = optional_vector(deaths, "deaths");
        const auto how = parse_stock_method(method);
        StockFlows r;
        {
          py::gil_scoped_release release;
          r = flows_from_stocks(s0, s1, b, d, how, tol, max_iter);
        }
        return stock_flows_dict(r, s0.rows());
      },
      py::arg("stock_t0"), py::arg("stock_t1"), py::arg("method") = "demo",
      py::arg("births") = py::none(), py::arg("deaths") = py::none(), py::arg("tol") = 1e-10,
      py::arg("max_iter") = 1000,
      "Flows from stocks: a dict of by_birth[born][origin][destination], od, births, deaths, "
      "entered, left (born x place), iterations, converged, max_margin_error.");
}

void register_models(py::module_& m) {
  m.def(
      "gravity",
      [](const py::object& masses_o, const py::object& masses_d, const py::object& distances,
         double beta, const std::string& deterrence, const py::object& outflows,
         const py::object& inflows, double k, double exponent_o, double exponent_d,
         bool include_self, double tol, int max_iter) {
        const auto mo = to_vector(as_array(masses_o, 1, "masses_o"));
        const auto md = to_vector(as_array(masses_d, 1, "masses_d"));
        const auto dist = matrix_arg(distances, "distances");
        const auto out = optional_vector(outflows, "outflows");
        const auto in = optional_vector(inflows, "inflows");
        GravityOptions options;
        options.deterrence = parse_deterrence(deterrence);
        options.k = k;
        options.exponent_o = exponent_o;
        options.exponent_d = exponent_d;
        options.include_self = include_self;
        options.tol = tol;
        options.max_iter = max_iter;
        GravityResult r;
        {
          py::gil_scoped_release release;
          r = gravity(mo, md, dist, beta, out, in, options);
        }
        py::dict result;
        result["flows"] = from_matrix(r.flows);
        result["constraint"] = to_string(r.constraint);
        result["iterations"] = r.iterations;
        result["converged"] = r.converged;
        result["max_margin_error"] = r.max_margin_error;
        return result;
      },
      py::arg("masses_o"), py::arg("masses_d"), py::arg("distances"), py::arg("beta"),
      py::arg("deterrence") = "power", py::arg("outflows") = py::none(),
      py::arg("inflows") = py::none(), py::arg("k") = 1.0, py::arg("exponent_o") = 1.0,
      py::arg("exponent_d") = 1.0, py::arg("include_self") = false, py::arg("tol") = 1e-10,
      py::arg("max_iter") = 1000,
      "Gravity model: a dict of flows, constraint, iterations, converged, max_margin_error.");

  m.def(
      "radiation",
      [](const py::object& masses, const py::object& distances, const py::object& outflows,
         bool finite_size) {
        const auto ms = to_vector(as_array(masses, 1, "masses"));
        const auto dist = matrix_arg(distances, "distances");
        const auto out = to_vector(as_array(outflows, 1, "outflows"));
        Eigen::MatrixXd r;
        {
          py::gil_scoped_release release;
          r = radiation(ms, dist, out, finite_size);
        }
        return from_matrix(r);
      },
      py::arg("masses"), py::arg("distances"), py::arg("outflows"),
      py::arg("finite_size") = true, "Radiation model flows (Simini et al. 2012).");

  m.def(
      "fit_ppml",
      [](const py::object& flows, const py::list& regressors, const std::vector<std::string>& names,
         const py::object& sample, const std::string& fixed_effects, double tol, int max_iter) {
        const auto y = matrix_arg(flows, "flows");
        std::vector<Eigen::MatrixXd> x;
        for (std::size_t k = 0; k < regressors.size(); ++k) {
          const std::string name =
              k < names.size() ? "regressors['" + names[k] + "']" : "regressors";
          x.push_back(matrix_arg(regressors[k], name));
        }
        CellMask mask;
        if (!sample.is_none()) {
          auto a = sample.cast<py::array_t<bool, py::array::c_style | py::array::forcecast>>();
          if (a.ndim() != 2) throw InputError("sample: expected 2 dimensions");
          mask = Eigen::Map<const Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic,
                                               Eigen::RowMajor>>(a.data(), a.shape(0),
                                                                 a.shape(1));
        }
        PpmlOptions options;
        options.fixed_effects = parse_fixed_effects(fixed_effects);
        options.tol = tol;
        options.max_iter = max_iter;
        PpmlResult r;
        {
          py::gil_scoped_release release;
          r = fit_ppml(y, x, names, mask, options);
        }
        py::dict out;
        out["names"] = r.names;
        out["coef"] = from_vector(r.coef);
        out["cov_robust"] = from_matrix(r.cov_robust);
        out["cov_model"] = from_matrix(r.cov_model);
        out["origin_effects"] = from_vector(r.origin_effects);
        out["destination_effects"] = from_vector(r.destination_effects);
        out["fitted"] = from_matrix(r.fitted);
        out["deviance"] = r.deviance;
        out["null_deviance"] = r.null_deviance;
        out["log_likelihood"] = r.log_likelihood;
        out["null_log_likelihood"] = r.null_log_likelihood;
        out["pseudo_r2"] = r.pseudo_r2;
        out["r2"] = r.r2;
        out["iterations"] = r.iterations;
        out["converged"] = r.converged;
        out["n_obs"] = r.n_obs;
        out["dropped_origins"] = r.dropped_origins;
        out["dropped_destinations"] = r.dropped_destinations;
        return out;
      },
      py::arg("flows"), py::arg("regressors"), py::arg("names"), py::arg("sample") = py::none(),
      py::arg("fixed_effects") = "both", py::arg("tol") = 1e-12, py::arg("max_iter") = 100,
      "PPML fit with concentrated fixed effects: a dict of names, coef, cov_robust, cov_model, "
      "origin_effects, destination_effects, fitted, deviance, null_deviance, log_likelihood, "
      "null_log_likelihood, pseudo_r2, r2, iterations, converged, n_obs, dropped_origins, "
      "dropped_destinations.");
}

void register_assignment(py::module_& m) {
  m.def(
      "assign",
      [](const Network& net, const py::object& origins, const py::object& destinations,
         const py::object& od, const std::string& method, double theta, std::size_t k,
         const std::string& weight, bool include_closed, const py::object& speeds,
         bool keep_paths) {
        const auto src = location_ids(origins, "origins", net.num_locations());
        const auto dst = location_ids(destinations, "destinations", net.num_locations());
        const auto matrix = matrix_arg(od, "od");
        AssignOptions options;
        options.method = parse_assign_method(method);
        options.theta = theta;
        options.k = k;
        options.routing = routing_options(weight, include_closed, speeds);
        options.keep_paths = keep_paths;
        Assignment r;
        std::vector<std::uint32_t> row, col, path_offsets{0}, path_locations, path_routes;
        std::vector<double> flow, share, cost, distance;
        {
          py::gil_scoped_release release;
          r = assign(net, src, dst, matrix, options);
          for (const auto& p : r.paths) {
            row.push_back(p.od_row);
            col.push_back(p.od_col);
            flow.push_back(p.flow);
            share.push_back(p.share);
            cost.push_back(p.path.cost);
            distance.push_back(p.path.distance_km);
            path_locations.insert(path_locations.end(), p.path.locations.begin(),
                                  p.path.locations.end());
            path_routes.insert(path_routes.end(), p.path.routes.begin(), p.path.routes.end());
            path_offsets.push_back(static_cast<std::uint32_t>(path_routes.size()));
          }
        }
        py::dict out;
        out["forward"] = to_numpy(std::move(r.forward));
        out["backward"] = to_numpy(std::move(r.backward));
        out["od_row"] = to_numpy(std::move(row));
        out["od_col"] = to_numpy(std::move(col));
        out["flow"] = to_numpy(std::move(flow));
        out["share"] = to_numpy(std::move(share));
        out["cost"] = to_numpy(std::move(cost));
        out["distance_km"] = to_numpy(std::move(distance));
        // Path q: routes[offsets[q]:offsets[q+1]], locations[offsets[q]+q:offsets[q+1]+q+1].
        out["path_offsets"] = to_numpy(std::move(path_offsets));
        out["path_locations"] = to_numpy(std::move(path_locations));
        out["path_routes"] = to_numpy(std::move(path_routes));
        out["assigned"] = r.assigned;
        out["unassigned"] = r.unassigned;
        out["intrazonal"] = r.intrazonal;
        out["unreachable"] = r.unreachable;
        return out;
      },
      py::arg("network"), py::arg("origins"), py::arg("destinations"), py::arg("od"),
      py::arg("method") = "shortest", py::arg("theta") = 0.01, py::arg("k") = 3,
      py::arg("weight") = "distance", py::arg("include_closed") = false,
      py::arg("speeds") = py::none(), py::arg("keep_paths") = true,
      "Assigns an OD matrix to routes: a dict of forward/backward flow per route, the paths "
      "used (od_row, od_col, flow, share, cost, distance_km, path_offsets, path_locations, "
      "path_routes), assigned, unassigned, intrazonal and unreachable (row, col) pairs.");

  m.def(
      "geodesic_matrix",
      [](const py::object& lon_o, const py::object& lat_o, const py::object& lon_d,
         const py::object& lat_d) {
        const auto xo = to_vector(as_array(lon_o, 1, "lon_o"));
        const auto yo = to_vector(as_array(lat_o, 1, "lat_o"));
        const auto xd = to_vector(as_array(lon_d, 1, "lon_d"));
        const auto yd = to_vector(as_array(lat_d, 1, "lat_d"));
        if (xo.size() != yo.size() || xd.size() != yd.size())
          throw InputError("lon/lat: different lengths");
        Eigen::MatrixXd d(xo.size(), xd.size());
        {
          py::gil_scoped_release release;
          for (Eigen::Index j = 0; j < xd.size(); ++j)
            for (Eigen::Index i = 0; i < xo.size(); ++i)
              d(i, j) = geo::geodesic_distance_km({xo(i), yo(i)}, {xd(j), yd(j)});
        }
        return from_matrix(d);
      },
      py::arg("lon_o"), py::arg("lat_o"), py::arg("lon_d"), py::arg("lat_d"),
      "Geodesic km on WGS84 from each origin (lon_o, lat_o) to each destination.");
}

}  // namespace

void register_flows(py::module_& m) {
  register_estimation(m);
  register_models(m);
  register_assignment(m);
}

}  // namespace corridor::bindings
