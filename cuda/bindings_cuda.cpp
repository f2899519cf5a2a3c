// cuda/bindings_cuda.cpp: the tradeoff._cuda extension module (pybind11).
//
// Compiled by the HOST compiler, like the _core module (cpp/bindings/, its CPU twin): it sees
// only cuda/launchers.hpp, never a CUDA header, and the CUDA code (cuda/*.cu) is linked in from
// the static library tradeoff_cuda_kernels together with the static CUDA runtime. libcuda is
// not linked, so this module imports on machines without a driver; device_count() is 0 there.
//
// Device arrays arrive as raw addresses (Python ints: cupy.ndarray.data.ptr) with their sizes,
// and the stream as cupy.cuda.Stream.ptr. python/tradeoff/_gpu.py is the only intended caller:
// it validates shapes and dtypes, allocates outputs and workspaces with CuPy and picks the
// float32 or float64 entry point. The GIL is released around every launch.
#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>

#include "launchers.hpp"

#ifndef TRADEOFF_CUDA_ARCHS
#define TRADEOFF_CUDA_ARCHS "unknown"
#endif

namespace py = pybind11;

namespace {

using addr_t = std::uintptr_t;  // a device address or a stream handle, as a Python int

template <class T>
void pareto_rank(addr_t points, std::int64_t batch, std::int64_t n, std::int64_t m, addr_t ranks,
                 addr_t counts, addr_t fronts, addr_t front_len, addr_t ranked, addr_t stream,
                 int device) {
  tradeoff::cuda::pareto_rank<T>(
      reinterpret_cast<const T*>(points), batch, n, m, reinterpret_cast<std::int32_t*>(ranks),
      reinterpret_cast<std::int32_t*>(counts), reinterpret_cast<std::int32_t*>(fronts),
      reinterpret_cast<std::int32_t*>(front_len), reinterpret_cast<unsigned long long*>(ranked),
      stream, device);
}

template <class T>
void nondominated(addr_t points, std::int64_t batch, std::int64_t n, std::int64_t m, addr_t mask,
                  addr_t stream, int device) {
  tradeoff::cuda::nondominated<T>(reinterpret_cast<const T*>(points), batch, n, m,
                                  reinterpret_cast<std::uint8_t*>(mask), stream, device);
}

constexpr const char* kRankDoc =
    "Non-dominated sorting of a (batch, n, m) C-contiguous device array (objectives minimized).\n"
    "Writes int32 ranks (batch, n); counts and fronts are int32 (batch, n) workspaces,\n"
    "front_len an int32 (batch,) workspace and ranked a uint64 (1,) workspace. Blocks until\n"
    "the ranking is done (it reads a counter back once per group of fronts).\n"
    "Internal: call tradeoff.pareto_rank (or tradeoff._gpu.pareto_rank).";

constexpr const char* kNondominatedDoc =
    "First Pareto front of a (batch, n, m) C-contiguous device array (objectives minimized):\n"
    "writes one byte per point into mask (batch, n), 1 when no point dominates it.\n"
    "Asynchronous on `stream`. Internal: call tradeoff.nondominated.";

template <class T>
void def_pareto(py::module_& mod, const std::string& suffix) {
  mod.def(("pareto_rank_" + suffix).c_str(), &pareto_rank<T>, py::arg("points"), py::arg("batch"),
          py::arg("n"), py::arg("m"), py::arg("ranks"), py::arg("counts"), py::arg("fronts"),
          py::arg("front_len"), py::arg("ranked"), py::arg("stream"), py::arg("device"),
          py::call_guard<py::gil_scoped_release>(), kRankDoc);
  mod.def(("nondominated_" + suffix).c_str(), &nondominated<T>, py::arg("points"),
          py::arg("batch"), py::arg("n"), py::arg("m"), py::arg("mask"), py::arg("stream"),
          py::arg("device"), py::call_guard<py::gil_scoped_release>(), kNondominatedDoc);
}

// --- hypervolume (cuda/hypervolume.cu): float64 only, small sets --------------------------------

void hypervolume(addr_t points, addr_t ref, std::int64_t batch, std::int64_t n, std::int64_t m,
                 addr_t volumes, addr_t sorted, addr_t counts, addr_t scratch,
                 std::int64_t scratch_size, addr_t stream, int device) {
  tradeoff::cuda::hypervolume(
      reinterpret_cast<const double*>(points), reinterpret_cast<const double*>(ref), batch, n, m,
      reinterpret_cast<double*>(volumes), reinterpret_cast<double*>(sorted),
      reinterpret_cast<std::int64_t*>(counts), reinterpret_cast<double*>(scratch), scratch_size,
      stream, device);
}

void hv_contributions(addr_t points, addr_t ref, std::int64_t batch, std::int64_t n,
                      std::int64_t m, addr_t contributions, addr_t sorted, addr_t counts,
                      addr_t scratch, std::int64_t scratch_size, addr_t stream, int device) {
  tradeoff::cuda::hv_contributions(
      reinterpret_cast<const double*>(points), reinterpret_cast<const double*>(ref), batch, n, m,
      reinterpret_cast<double*>(contributions), reinterpret_cast<double*>(sorted),
      reinterpret_cast<std::int64_t*>(counts), reinterpret_cast<double*>(scratch), scratch_size,
      stream, device);
}

void hv_improvement(addr_t points, addr_t candidates, addr_t ref, std::int64_t batch,
                    std::int64_t n, std::int64_t k, std::int64_t m, addr_t improvement,
                    addr_t sorted, addr_t counts, addr_t scratch, std::int64_t scratch_size,
                    addr_t stream, int device) {
  tradeoff::cuda::hv_improvement(
      reinterpret_cast<const double*>(points), reinterpret_cast<const double*>(candidates),
      reinterpret_cast<const double*>(ref), batch, n, k, m,
      reinterpret_cast<double*>(improvement), reinterpret_cast<double*>(sorted),
      reinterpret_cast<std::int64_t*>(counts), reinterpret_cast<double*>(scratch), scratch_size,
      stream, device);
}

constexpr const char* kHvWorkspaceDoc =
    "Workspaces of every hypervolume launcher (device memory, contents irrelevant): sorted\n"
    "float64 (batch, n, m), counts int64 (batch,), scratch float64 of scratch_size >=\n"
    "hv_scratch_doubles(items, n, m) doubles (may be 0 / null for m <= 2).\n"
    "Asynchronous on `stream`. Internal: call the tradeoff functions (or tradeoff._gpu).";

void def_hypervolume(py::module_& mod) {
  mod.def("hv_max_points", &tradeoff::cuda::hv_max_points, py::arg("m"),
          "Largest n of a set the GPU hypervolume bodies take for m objectives (0: m not "
          "covered; such sets run on the CPU).");
  mod.def("hv_supported", &tradeoff::cuda::hv_supported, py::arg("n"), py::arg("m"),
          "True when the GPU hypervolume bodies cover sets of n points in m objectives.");
  mod.def("hv_scratch_doubles", &tradeoff::cuda::hv_scratch_doubles, py::arg("items"),
          py::arg("n"), py::arg("m"),
          "Doubles of scratch a hypervolume launch needs: items = batch (hypervolume_float64),\n"
          "batch * n (hv_contributions_float64) or batch * k (hv_improvement_float64).");
  mod.def("hypervolume_float64", &hypervolume, py::arg("points"), py::arg("ref"),
          py::arg("batch"), py::arg("n"), py::arg("m"), py::arg("volumes"), py::arg("sorted"),
          py::arg("counts"), py::arg("scratch"), py::arg("scratch_size"), py::arg("stream"),
          py::arg("device"), py::call_guard<py::gil_scoped_release>(),
          (std::string("Hypervolume of each set of a (batch, n, m) float64 device array with\n"
                       "ref (batch, m) (minimization); writes volumes (batch,).\n") +
           kHvWorkspaceDoc)
              .c_str());
  mod.def("hv_contributions_float64", &hv_contributions, py::arg("points"), py::arg("ref"),
          py::arg("batch"), py::arg("n"), py::arg("m"), py::arg("contributions"),
          py::arg("sorted"), py::arg("counts"), py::arg("scratch"), py::arg("scratch_size"),
          py::arg("stream"), py::arg("device"), py::call_guard<py::gil_scoped_release>(),
          (std::string("Exclusive hypervolume contribution of every point of a (batch, n, m)\n"
                       "float64 device array with ref (batch, m); writes (batch, n).\n") +
           kHvWorkspaceDoc)
              .c_str());
  mod.def("hv_improvement_float64", &hv_improvement, py::arg("points"), py::arg("candidates"),
          py::arg("ref"), py::arg("batch"), py::arg("n"), py::arg("k"), py::arg("m"),
          py::arg("improvement"), py::arg("sorted"), py::arg("counts"), py::arg("scratch"),
          py::arg("scratch_size"), py::arg("stream"), py::arg("device"),
          py::call_guard<py::gil_scoped_release>(),
          (std::string("Hypervolume improvement of each candidate (batch, k, m) over its set\n"
                       "(batch, n, m), float64 device arrays, ref (batch, m); writes\n"
                       "(batch, k).\n") +
           kHvWorkspaceDoc)
              .c_str());
}

}  // namespace

PYBIND11_MODULE(_cuda, mod) {
  mod.doc() =
      "tradeoff CUDA kernels (cuda/*.cu), driven by tradeoff._gpu. Imports without a GPU or a "
      "driver: device_count() is then 0.";

  // Device queries: never raise (see cuda/device.cu).
  mod.def("device_count", &tradeoff::cuda::device_count,
          "Number of CUDA devices visible to this module's runtime; 0 without a driver/device.");
  mod.def("device_count_error", &tradeoff::cuda::device_count_error,
          "Why device_count() is 0: the CUDA error of cudaGetDeviceCount ('' when none).");
  mod.def("runtime_version", &tradeoff::cuda::runtime_version,
          "CUDA runtime version linked into this module (1000 * major + 10 * minor).");
  mod.def("driver_version", &tradeoff::cuda::driver_version,
          "Newest CUDA version the installed driver supports (1000 * major + 10 * minor); "
          "0 without a driver.");
  mod.def("probe_device", &tradeoff::cuda::probe_device, py::arg("device"),
          py::call_guard<py::gil_scoped_release>(),
          "'' when the kernels can run on `device`, else the reason (no device, no kernel "
          "image for its architecture, ...).");
  mod.def("device_name", &tradeoff::cuda::device_name, py::arg("device"),
          "Name and compute capability of `device`; '' when it cannot be queried.");

  // Build facts: the CMake architecture list, and the virtual architectures nvcc compiled.
  mod.attr("architectures") = TRADEOFF_CUDA_ARCHS;
  mod.attr("compiled_arch_list") = tradeoff::cuda::compiled_arch_list();

  def_pareto<float>(mod, "float32");
  def_pareto<double>(mod, "float64");
  def_hypervolume(mod);
}
