// corridor._core — shared helpers for the pybind11 registration files.
//
// Design notes: every function casts its Python arguments first, then releases the GIL around
// the compute (py::gil_scoped_release), so threads and Dask workers run engines in parallel.
// Large results cross without copies: a std::vector is moved into a capsule that owns it.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "corridor/flee_case.hpp"
#include "corridor/routing.hpp"

namespace corridor::bindings {

namespace py = pybind11;

/// Moves a vector into a 1-D numpy array without copying; the array owns the storage.
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& values) {
  auto* owned = new std::vector<T>(std::move(values));
  py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  const std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(owned->size())};
  const std::vector<py::ssize_t> strides{static_cast<py::ssize_t>(sizeof(T))};
  return py::array_t<T>(shape, strides, owned->data(), owner);
}

/// Moves a row-major rows x cols buffer into a 2-D numpy array without copying.
template <class T>
py::array_t<T> to_numpy_2d(std::vector<T>&& values, std::size_t rows, std::size_t cols) {
  auto* owned = new std::vector<T>(std::move(values));
  py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  const std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(rows),
                                       static_cast<py::ssize_t>(cols)};
  const std::vector<py::ssize_t> strides{static_cast<py::ssize_t>(cols * sizeof(T)),
                                         static_cast<py::ssize_t>(sizeof(T))};
  return py::array_t<T>(shape, strides, owned->data(), owner);
}

/// Re-raises the GDAL warnings stored on this thread (geo/gdal_messages.hpp) as Python
/// RuntimeWarnings; call after each geo call, with the GIL held.
void raise_gdal_warnings();

/// The names of MoveRules' keys: Flee's simsetting.yml (`max_move_speed`, a FleeCase's settings)
/// or a scenario's [movement] table (`max_move_speed_km`); the other keys are the same.
enum class MoveKeys { kFlee, kScenario };

/// MoveRules as a dict of Python numbers and bools, keyed as `keys` says.
py::dict move_rules_dict(const MoveRules& rules, MoveKeys keys);

void register_errors(py::module_& m);
void register_network(py::module_& m);
void register_routing(py::module_& m);
void register_geo(py::module_& m);
void register_flee(py::module_& m);
void register_agents(py::module_& m);
void register_projection(py::module_& m);
void register_flows(py::module_& m);
void register_build(py::module_& m);

/// Routing options from Python arguments: `weight` "distance" or "time", `speeds` a dict of
/// km per day by mode (or None). Throws InputError on an unknown weight or mode.
RoutingOptions routing_options(const std::string& weight, bool include_closed,
                               const py::object& speeds);

/// A day callback for an engine: takes the GIL, stops on Ctrl-C or a Python exception (which
/// stays set, to be re-raised by the caller once the engine has returned).
struct DayCallback {
  py::object on_day;
  bool python_error = false;

  bool operator()(int day) {
    py::gil_scoped_acquire acquire;
    if (PyErr_CheckSignals() != 0) {
      python_error = true;
      return false;
    }
    if (!on_day.is_none()) {
      try {
        on_day(day);
      } catch (py::error_already_set& e) {
        e.restore();
        python_error = true;
        return false;
      }
    }
    return true;
  }
};

}  // namespace corridor::bindings
