// corridor._core — the exception hierarchy, registered once.
//
// Design notes: Python classes with two bases (InputError is both corridor.Error and
// ValueError; IoError is both corridor.Error and OSError) cannot be made with
// py::register_exception, so they are created with PyErr_NewException and a translator maps
// the C++ types onto them. The class objects live as long as the interpreter (module attrs).
#include <exception>

#include "bindings.hpp"
#include "corridor/error.hpp"

namespace corridor::bindings {
namespace {

PyObject* g_error = nullptr;
PyObject* g_input_error = nullptr;
PyObject* g_io_error = nullptr;
PyObject* g_crs_error = nullptr;

PyObject* make_exception(py::module_& m, const char* name, py::tuple bases, const char* doc) {
  const std::string qualified = std::string("corridor.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (type == nullptr) throw py::error_already_set();
  m.attr(name) = py::handle(type);  // the module keeps a reference; so do we (never freed)
  return type;
}

}  // namespace

void register_errors(py::module_& m) {
  py::handle runtime_error(PyExc_RuntimeError);
  py::handle value_error(PyExc_ValueError);
  py::handle os_error(PyExc_OSError);
  g_error = make_exception(m, "Error", py::make_tuple(runtime_error),
                           "Base of every error corridor raises.");
  py::handle base(g_error);
  g_input_error = make_exception(
      m, "InputError", py::make_tuple(base, value_error),
      "Bad input data; the message names the file, the line or feature, and the field.");
  g_io_error = make_exception(m, "IoError", py::make_tuple(base, os_error),
                              "A file or layer could not be opened, read or written.");
  g_crs_error = make_exception(m, "CrsError", py::make_tuple(base, value_error),
                               "A coordinate reference system is unknown or a transformation failed.");

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      PyErr_SetString(g_input_error, e.what());
    } catch (const IoError& e) {
      PyErr_SetString(g_io_error, e.what());
    } catch (const CrsError& e) {
      PyErr_SetString(g_crs_error, e.what());
    } catch (const Error& e) {
      PyErr_SetString(g_error, e.what());
    }
  });
}

}  // namespace corridor::bindings
