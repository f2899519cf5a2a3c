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
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <vector>

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

// --- Sinkhorn (cuda/sinkhorn.cu): log domain, float32 / float64 cost -------------------------

template <class T>
void sinkhorn_dense(addr_t cost, addr_t a, addr_t b, addr_t f0, addr_t g0,
                    const std::vector<double>& eps_stages, double tau_a, double tau_b,
                    std::int64_t max_iter, double tol, std::int64_t stage_iter,
                    std::int64_t batch, std::int64_t n, std::int64_t m, addr_t plan, addr_t f,
                    addr_t g, addr_t cost_out, addr_t objective, addr_t err, addr_t n_iter,
                    addr_t method_used, addr_t workspace, std::int64_t workspace_bytes,
                    addr_t stream, int device) {
  tradeoff::cuda::sinkhorn_dense<T>(
      reinterpret_cast<const T*>(cost), reinterpret_cast<const double*>(a),
      reinterpret_cast<const double*>(b), reinterpret_cast<const double*>(f0),
      reinterpret_cast<const double*>(g0), eps_stages.data(),
      static_cast<std::int64_t>(eps_stages.size()), tau_a, tau_b, max_iter, tol, stage_iter,
      batch, n, m, reinterpret_cast<T*>(plan), reinterpret_cast<double*>(f),
      reinterpret_cast<double*>(g), reinterpret_cast<double*>(cost_out),
      reinterpret_cast<double*>(objective), reinterpret_cast<double*>(err),
      reinterpret_cast<std::int64_t*>(n_iter), reinterpret_cast<std::uint8_t*>(method_used),
      reinterpret_cast<void*>(workspace), workspace_bytes, stream, device);
}

template <class T>
void sinkhorn_points(addr_t x, addr_t y, addr_t a, addr_t b, addr_t f0, addr_t g0,
                     const std::vector<double>& eps_stages, double tau_a, double tau_b,
                     std::int64_t max_iter, double tol, std::int64_t metric,
                     std::int64_t stage_iter, std::int64_t batch, std::int64_t n, std::int64_t m,
                     std::int64_t d, addr_t plan, addr_t f, addr_t g, addr_t cost_out,
                     addr_t objective, addr_t err, addr_t n_iter, addr_t method_used,
                     addr_t workspace, std::int64_t workspace_bytes, addr_t stream, int device) {
  tradeoff::cuda::sinkhorn_points<T>(
      reinterpret_cast<const T*>(x), reinterpret_cast<const T*>(y),
      reinterpret_cast<const double*>(a), reinterpret_cast<const double*>(b),
      reinterpret_cast<const double*>(f0), reinterpret_cast<const double*>(g0),
      eps_stages.data(), static_cast<std::int64_t>(eps_stages.size()), tau_a, tau_b, max_iter,
      tol, metric, stage_iter, batch, n, m, d, reinterpret_cast<T*>(plan),
      reinterpret_cast<double*>(f), reinterpret_cast<double*>(g),
      reinterpret_cast<double*>(cost_out), reinterpret_cast<double*>(objective),
      reinterpret_cast<double*>(err), reinterpret_cast<std::int64_t*>(n_iter),
      reinterpret_cast<std::uint8_t*>(method_used), reinterpret_cast<void*>(workspace),
      workspace_bytes, stream, device);
}

constexpr const char* kSinkhornDoc =
    "a, f0 (batch, n) and b, g0 (batch, m) float64 device arrays; eps_stages a list of floats\n"
    "(decreasing, the last = eps); tau = inf for a hard marginal. Writes f (batch, n), g (batch,\n"
    "m), cost_out, objective, err (batch,) float64, n_iter (batch,) int64, method_used (batch,)\n"
    "uint8 (always 0: the GPU runs the log domain) and the plan (batch, n, m) when plan != 0.\n"
    "workspace: device memory of workspace_bytes >= sinkhorn_workspace_bytes(batch, n, m,\n"
    "len(eps_stages)). Small problems (sinkhorn_fused(n, m)) run in one asynchronous launch;\n"
    "larger ones block until the iterations are done (a convergence counter is read back every\n"
    "sinkhorn_check_every() iterations), the final pass queued on `stream`.\n"
    "Internal: call tradeoff.sinkhorn / tradeoff.sinkhorn_points (or tradeoff._gpu).";

template <class T>
void def_sinkhorn(py::module_& mod, const std::string& suffix) {
  mod.def(("sinkhorn_dense_" + suffix).c_str(), &sinkhorn_dense<T>, py::arg("cost"), py::arg("a"),
          py::arg("b"), py::arg("f0"), py::arg("g0"), py::arg("eps_stages"), py::arg("tau_a"),
          py::arg("tau_b"), py::arg("max_iter"), py::arg("tol"), py::arg("stage_iter"),
          py::arg("batch"), py::arg("n"), py::arg("m"), py::arg("plan"), py::arg("f"),
          py::arg("g"), py::arg("cost_out"), py::arg("objective"), py::arg("err"),
          py::arg("n_iter"), py::arg("method_used"), py::arg("workspace"),
          py::arg("workspace_bytes"), py::arg("stream"), py::arg("device"),
          py::call_guard<py::gil_scoped_release>(),
          (std::string("Log-domain Sinkhorn on a (batch, n, m) C-contiguous " + suffix +
                       " cost device array\n(+inf = forbidden pair). ") +
           kSinkhornDoc)
              .c_str());
  mod.def(("sinkhorn_points_" + suffix).c_str(), &sinkhorn_points<T>, py::arg("x"), py::arg("y"),
          py::arg("a"), py::arg("b"), py::arg("f0"), py::arg("g0"), py::arg("eps_stages"),
          py::arg("tau_a"), py::arg("tau_b"), py::arg("max_iter"), py::arg("tol"),
          py::arg("metric"), py::arg("stage_iter"), py::arg("batch"), py::arg("n"), py::arg("m"),
          py::arg("d"), py::arg("plan"), py::arg("f"), py::arg("g"), py::arg("cost_out"),
          py::arg("objective"), py::arg("err"), py::arg("n_iter"), py::arg("method_used"),
          py::arg("workspace"), py::arg("workspace_bytes"), py::arg("stream"), py::arg("device"),
          py::call_guard<py::gil_scoped_release>(),
          (std::string("Log-domain Sinkhorn between point clouds x (batch, n, d) and y\n"
                       "(batch, m, d), C-contiguous " + suffix + " device arrays, the cost\n"
                       "computed on the fly (metric 0 = squared Euclidean, 1 = Euclidean). ") +
           kSinkhornDoc)
              .c_str());
}

void def_sinkhorn_common(py::module_& mod) {
  mod.def("sinkhorn_workspace_bytes", &tradeoff::cuda::sinkhorn_workspace_bytes, py::arg("batch"),
          py::arg("n"), py::arg("m"), py::arg("n_stages"),
          "Bytes of device workspace a Sinkhorn launch on (batch, n, m) with n_stages eps stages\n"
          "needs (dense or points).");
  mod.def("sinkhorn_fused", &tradeoff::cuda::sinkhorn_fused, py::arg("n"), py::arg("m"),
          "True when (n, m) problems run the fused solver (one block per problem, one launch).");
  mod.def("sinkhorn_check_every", &tradeoff::cuda::sinkhorn_check_every,
          "Iterations between two reads of the Sinkhorn convergence counter by the host.");
}

// --- linear assignment (cuda/assignment.cu): float32 / float64 cost ------------------------------

template <class T>
void lap_solve(addr_t cost, addr_t rows, addr_t cols, std::int64_t batch, std::int64_t n,
               std::int64_t m, bool maximize, addr_t col_of_row, addr_t row_of_col, addr_t u,
               addr_t v, addr_t total, addr_t status, addr_t workspace,
               std::int64_t workspace_bytes, addr_t stream, int device, int path) {
  tradeoff::cuda::lap_solve<T>(
      reinterpret_cast<const T*>(cost), reinterpret_cast<const std::int64_t*>(rows),
      reinterpret_cast<const std::int64_t*>(cols), batch, n, m, maximize,
      reinterpret_cast<std::int64_t*>(col_of_row), reinterpret_cast<std::int64_t*>(row_of_col),
      reinterpret_cast<double*>(u), reinterpret_cast<double*>(v),
      reinterpret_cast<double*>(total), reinterpret_cast<std::int8_t*>(status),
      reinterpret_cast<void*>(workspace), workspace_bytes, stream, device, path);
}

template <class T>
void def_assignment(py::module_& mod, const std::string& suffix) {
  mod.def(("lap_solve_" + suffix).c_str(), &lap_solve<T>, py::arg("cost"), py::arg("rows"),
          py::arg("cols"), py::arg("batch"), py::arg("n"), py::arg("m"), py::arg("maximize"),
          py::arg("col_of_row"), py::arg("row_of_col"), py::arg("u"), py::arg("v"),
          py::arg("total"), py::arg("status"), py::arg("workspace"), py::arg("workspace_bytes"),
          py::arg("stream"), py::arg("device"), py::arg("path") = 0,
          py::call_guard<py::gil_scoped_release>(),
          ("Exact linear assignment of each active block cost[b, :rows[b], :cols[b]] of a\n"
           "(batch, n, m) C-contiguous " + suffix + " device array (+inf = forbidden pair);\n"
           "rows, cols (batch,) int64 device arrays. Writes col_of_row (batch, n) and\n"
           "row_of_col (batch, m) int64, u (batch, n) and v (batch, m) float64, total (batch,)\n"
           "float64 and status (batch,) int8 (0 solved, 1 infeasible, 2 invalid entry, 3 sizes\n"
           "out of range). workspace: device memory of workspace_bytes >=\n"
           "lap_workspace_bytes(batch, n, m, path). path: 0 automatic (lap_path), 1 warp,\n"
           "2 block + shared memory, 3 block + device workspace, 4 thread per instance (every\n"
           "path gives the same results). Asynchronous on `stream`.\n"
           "Internal: call tradeoff.assignment (or tradeoff._gpu.lap_solve).")
              .c_str());
}

void def_assignment_common(py::module_& mod) {
  mod.def("lap_workspace_bytes", &tradeoff::cuda::lap_workspace_bytes, py::arg("batch"),
          py::arg("n"), py::arg("m"), py::arg("path") = 0,
          "Bytes of device workspace a lap_solve launch on (batch, n, m) with `path` needs (0\n"
          "unless the path taken is 3).");
  mod.def("lap_path", &tradeoff::cuda::lap_path, py::arg("batch"), py::arg("n"), py::arg("m"),
          "Path lap_solve takes on its own for (batch, n, m): 4 one thread per instance, 1 one\n"
          "warp per instance, 2 one block per instance (workspace in shared memory), 3 one\n"
          "block per instance (device workspace).");
  mod.def("lap_path_fits", &tradeoff::cuda::lap_path_fits, py::arg("path"), py::arg("n"),
          py::arg("m"), "Whether path 1..4 can serve (n, m) arrays.");
  mod.def("lap_block_threads", &tradeoff::cuda::lap_block_threads, py::arg("path"),
          py::arg("n"), py::arg("m"), "Threads per instance of `path` on (n, m) arrays.");
}

// --- knapsack family (cuda/knapsack.cu): values / weights int64 or float64 each -----------------

template <class TV, class TW>
void knapsack_plan(addr_t values, addr_t weights, addr_t capacity, addr_t counts,
                   std::int64_t batch, std::int64_t n, std::int64_t max_work,
                   std::int64_t max_bytes, addr_t plan, addr_t stream, int device) {
  tradeoff::cuda::knapsack_plan<TV, TW>(
      reinterpret_cast<const TV*>(values), reinterpret_cast<const TW*>(weights),
      reinterpret_cast<const TW*>(capacity), reinterpret_cast<const std::int64_t*>(counts),
      batch, n, max_work, max_bytes, reinterpret_cast<std::int64_t*>(plan), stream, device);
}

template <class TV, class TW>
void knapsack_dense(addr_t values, addr_t weights, addr_t capacity, addr_t counts,
                    std::int64_t batch, std::int64_t n, addr_t plan, addr_t offsets,
                    std::int64_t base, std::int64_t first, std::int64_t count,
                    std::int64_t max_cells, addr_t table, std::int64_t table_bytes, addr_t x,
                    addr_t value, addr_t weight, addr_t status, addr_t workspace,
                    std::int64_t workspace_bytes, addr_t stream, int device) {
  const bool bounded = counts != 0;
  tradeoff::cuda::knapsack_dense<TV, TW>(
      reinterpret_cast<const TV*>(values), reinterpret_cast<const TW*>(weights),
      reinterpret_cast<const TW*>(capacity), reinterpret_cast<const std::int64_t*>(counts),
      batch, n, reinterpret_cast<const std::int64_t*>(plan),
      reinterpret_cast<const std::int64_t*>(offsets), base, first, count, max_cells,
      reinterpret_cast<void*>(table), table_bytes,
      bounded ? nullptr : reinterpret_cast<std::uint8_t*>(x),
      bounded ? reinterpret_cast<std::int64_t*>(x) : nullptr, reinterpret_cast<TV*>(value),
      reinterpret_cast<TW*>(weight), reinterpret_cast<std::int8_t*>(status),
      reinterpret_cast<void*>(workspace), workspace_bytes, stream, device);
}

template <class TV, class TW>
void mckp_plan(addr_t values, addr_t weights, addr_t mask, addr_t budget, std::int64_t batch,
               std::int64_t g, std::int64_t k, std::int64_t max_work, std::int64_t max_bytes,
               addr_t plan, addr_t stream, int device) {
  tradeoff::cuda::mckp_plan<TV, TW>(
      reinterpret_cast<const TV*>(values), reinterpret_cast<const TW*>(weights),
      reinterpret_cast<const std::uint8_t*>(mask), reinterpret_cast<const TW*>(budget), batch,
      g, k, max_work, max_bytes, reinterpret_cast<std::int64_t*>(plan), stream, device);
}

template <class TV, class TW>
void mckp_dense(addr_t values, addr_t weights, addr_t mask, addr_t budget, std::int64_t batch,
                std::int64_t g, std::int64_t k, addr_t plan, addr_t offsets, std::int64_t base,
                std::int64_t first, std::int64_t count, std::int64_t max_cells, addr_t table,
                std::int64_t table_bytes, addr_t choice, addr_t value, addr_t weight,
                addr_t status, addr_t workspace, std::int64_t workspace_bytes, addr_t stream,
                int device) {
  tradeoff::cuda::mckp_dense<TV, TW>(
      reinterpret_cast<const TV*>(values), reinterpret_cast<const TW*>(weights),
      reinterpret_cast<const std::uint8_t*>(mask), reinterpret_cast<const TW*>(budget), batch,
      g, k, reinterpret_cast<const std::int64_t*>(plan),
      reinterpret_cast<const std::int64_t*>(offsets), base, first, count, max_cells,
      reinterpret_cast<void*>(table), table_bytes, reinterpret_cast<std::int64_t*>(choice),
      reinterpret_cast<TV*>(value), reinterpret_cast<TW*>(weight),
      reinterpret_cast<std::int8_t*>(status), reinterpret_cast<void*>(workspace),
      workspace_bytes, stream, device);
}

template <class TV, class TW>
void def_knapsack(py::module_& mod, const std::string& suffix) {
  mod.def(("knapsack_plan_" + suffix).c_str(), &knapsack_plan<TV, TW>, py::arg("values"),
          py::arg("weights"), py::arg("capacity"), py::arg("counts"), py::arg("batch"),
          py::arg("n"), py::arg("max_work"), py::arg("max_bytes"), py::arg("plan"),
          py::arg("stream"), py::arg("device"), py::call_guard<py::gil_scoped_release>(),
          "Plans the dense knapsack DP of each instance of (batch, n) device arrays values /\n"
          "weights, capacity (batch,), counts (batch, n) int64 or 0 (0/1): writes plan\n"
          "(batch, 8) int64 (plan[:, 0]: 0 solve on the GPU, 2..4 leave to the CPU; plan[:, 4]\n"
          "+ 1 cells, plan[:, 7] table bytes). Asynchronous on `stream`.\n"
          "Internal: call tradeoff.knapsack (or tradeoff._gpu.knapsack_solve).");
  mod.def(("knapsack_dense_" + suffix).c_str(), &knapsack_dense<TV, TW>, py::arg("values"),
          py::arg("weights"), py::arg("capacity"), py::arg("counts"), py::arg("batch"),
          py::arg("n"), py::arg("plan"), py::arg("offsets"), py::arg("base"), py::arg("first"),
          py::arg("count"), py::arg("max_cells"), py::arg("table"), py::arg("table_bytes"),
          py::arg("x"), py::arg("value"), py::arg("weight"), py::arg("status"),
          py::arg("workspace"), py::arg("workspace_bytes"), py::arg("stream"),
          py::arg("device"), py::call_guard<py::gil_scoped_release>(),
          "Runs the dense knapsack DP of the planned instances [first, first + count) (plan\n"
          "code 0): x (batch, n) uint8 (counts == 0) or int64, value, weight, status (batch,).\n"
          "Instance b's decision records start at table + offsets[b] - base. Asynchronous on\n"
          "`stream`. Internal: call tradeoff.knapsack (or tradeoff._gpu.knapsack_solve).");
  mod.def(("mckp_plan_" + suffix).c_str(), &mckp_plan<TV, TW>, py::arg("values"),
          py::arg("weights"), py::arg("mask"), py::arg("budget"), py::arg("batch"), py::arg("g"),
          py::arg("k"), py::arg("max_work"), py::arg("max_bytes"), py::arg("plan"),
          py::arg("stream"), py::arg("device"), py::call_guard<py::gil_scoped_release>(),
          "Plans the dense MCKP DP of each instance of (batch, g, k) device arrays (mask uint8\n"
          "or 0): writes plan (batch, 8) int64 (plan[:, 0]: 0 solve, 1 infeasible, 2..4 leave\n"
          "to the CPU). Asynchronous on `stream`. Internal: call tradeoff.mckp.");
  mod.def(("mckp_dense_" + suffix).c_str(), &mckp_dense<TV, TW>, py::arg("values"),
          py::arg("weights"), py::arg("mask"), py::arg("budget"), py::arg("batch"), py::arg("g"),
          py::arg("k"), py::arg("plan"), py::arg("offsets"), py::arg("base"), py::arg("first"),
          py::arg("count"), py::arg("max_cells"), py::arg("table"), py::arg("table_bytes"),
          py::arg("choice"), py::arg("value"), py::arg("weight"), py::arg("status"),
          py::arg("workspace"), py::arg("workspace_bytes"), py::arg("stream"),
          py::arg("device"), py::call_guard<py::gil_scoped_release>(),
          "Runs the dense MCKP DP of the planned instances [first, first + count) (plan code 0\n"
          "or 1): choice (batch, g) int64, value, weight, status (batch,). Asynchronous on\n"
          "`stream`. Internal: call tradeoff.mckp (or tradeoff._gpu.mckp_solve).");
}

void def_knapsack_common(py::module_& mod) {
  mod.def("knapsack_workspace_bytes", &tradeoff::cuda::knapsack_workspace_bytes,
          py::arg("count"), py::arg("max_cells"), py::arg("device"),
          "Bytes of device workspace a knapsack_dense / mckp_dense launch of `count` instances\n"
          "of at most max_cells DP cells needs (0 when the DP rows fit in shared memory).");
  mod.def("knapsack_max_cells", &tradeoff::cuda::knapsack_max_cells,
          "DP cells of one instance at most on the GPU.");
  mod.def("knapsack_max_options", &tradeoff::cuda::knapsack_max_options,
          "MCKP options per group at most on the GPU.");
  mod.attr("knapsack_plan_width") = tradeoff::cuda::kKnapsackPlanWidth;
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
  def_sinkhorn<float>(mod, "float32");
  def_sinkhorn<double>(mod, "float64");
  def_sinkhorn_common(mod);
  def_assignment<float>(mod, "float32");
  def_assignment<double>(mod, "float64");
  def_assignment_common(mod);
  def_knapsack<std::int64_t, std::int64_t>(mod, "int64_int64");
  def_knapsack<std::int64_t, double>(mod, "int64_float64");
  def_knapsack<double, std::int64_t>(mod, "float64_int64");
  def_knapsack<double, double>(mod, "float64_float64");
  def_knapsack_common(mod);
}
