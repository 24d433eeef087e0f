// corridor._core — the extension module: one file per area registers its part.
#include "bindings.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "corridor's C++ core: networks, routing and geo I/O (use the corridor package)";
  m.attr("__version__") = CORRIDOR_VERSION;
  corridor::bindings::register_errors(m);
  corridor::bindings::register_network(m);
  corridor::bindings::register_routing(m);
  corridor::bindings::register_geo(m);
  corridor::bindings::register_flee(m);
  corridor::bindings::register_agents(m);
  corridor::bindings::register_projection(m);
  corridor::bindings::register_flows(m);
  corridor::bindings::register_build(m);
}
