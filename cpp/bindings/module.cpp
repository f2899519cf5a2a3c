// The _core extension module: one register_* call per kernel family, plus build facts that
// tradeoff.show_config() reports.
#include <pybind11/pybind11.h>

#include "tradeoff/parallel.hpp"

namespace py = pybind11;

namespace tradeoff {
namespace bindings {
void register_pareto(py::module_& m);
void register_hypervolume(py::module_& m);
void register_sinkhorn(py::module_& m);
void register_assignment(py::module_& m);
void register_knapsack(py::module_& m);
}  // namespace bindings
}  // namespace tradeoff

PYBIND11_MODULE(_core, m) {
  m.doc() = "tradeoff native CPU kernels (C++17, header-only core in cpp/include/tradeoff)";
  m.def("num_threads", &tradeoff::num_threads, "Threads the CPU driver uses for batches.");
  m.def("set_num_threads", &tradeoff::set_num_threads, py::arg("n"),
        "Set the number of threads the CPU driver uses for batches (n >= 1).");
#if defined(__clang__)
  m.attr("compiler") = "clang " __clang_version__;
#elif defined(__GNUC__)
  m.attr("compiler") = "gcc " __VERSION__;
#else
  m.attr("compiler") = "unknown";
#endif
  m.attr("unranked") = tradeoff::kUnranked;
  tradeoff::bindings::register_pareto(m);
  tradeoff::bindings::register_hypervolume(m);
  tradeoff::bindings::register_sinkhorn(m);
  tradeoff::bindings::register_assignment(m);
  tradeoff::bindings::register_knapsack(m);
}
