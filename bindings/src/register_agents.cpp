// corridor._core — the agent engine.
//
// Design notes: the engine runs with the GIL released; once a day it calls back on the
// calling thread, which takes the GIL only to update a progress bar and to check for Ctrl-C
// (PyErr_CheckSignals). A Python exception in the callback stops the run at the end of that
// day and is re-raised here.
#include <cstdint>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "corridor/agents.hpp"
#include "corridor/error.hpp"
#include "corridor/flee_case.hpp"

namespace corridor::bindings {

void register_agents(py::module_& m) {
  m.def(
      "run_agents",
      [](const FleeCase& c, std::uint64_t seed, unsigned threads, const py::object& on_day) {
        AgentRunOptions options;
        options.seed = seed;
        options.threads = threads;
        DayCallback callback{on_day};
        options.on_day = [&callback](int day) { return callback(day); };
        AgentResult r;
        {
          py::gil_scoped_release release;
          r = run_agents(c, options);
        }
        if (callback.python_error) throw py::error_already_set();
        const std::size_t days = static_cast<std::size_t>(r.days);
        py::dict out;
        out["days"] = r.days;
        out["population"] = to_numpy_2d(std::move(r.population), days, r.num_locations);
        out["in_transit"] = to_numpy(std::move(r.in_transit));
        out["spawned"] = to_numpy(std::move(r.spawned));
        out["departed"] = to_numpy(std::move(r.departed));
        out["refugee_debt"] = to_numpy(std::move(r.refugee_debt));
        out["peak_agents"] = r.peak_agents;
        out["bytes_per_agent"] = r.bytes_per_agent;
        return out;
      },
      py::arg("case"), py::arg("seed") = 0, py::arg("threads") = 0,
      py::arg("on_day") = py::none(),
      "Runs the agent engine; returns per-day counts (population: days x locations).");
}

}  // namespace corridor::bindings
