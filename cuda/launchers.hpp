// cuda/launchers.hpp: the host entry points of the CUDA kernels, in plain C++ types.
//
// This header is what separates the CUDA translation units (cuda/*.cu, compiled by nvcc) from
// the pybind11 module (cuda/bindings_cuda.cpp, compiled by the host compiler). It includes no
// CUDA header and no pybind11 header: device memory arrives as plain pointers (allocated by
// CuPy on the Python side, see python/tradeoff/_gpu.py), sizes as int64 and the CUDA stream as
// an integer handle (std::uintptr_t, the value of cupy.cuda.Stream.ptr; 0 = legacy default).
//
// The launchers never allocate device memory: every output and workspace is passed in.
// Errors: std::invalid_argument for bad sizes (pybind11 turns it into ValueError) and
// std::runtime_error carrying cudaGetErrorString's text for CUDA failures (RuntimeError).
//
// CPU twins: cpp/include/tradeoff/pareto.hpp (the CPU driver) and
// cpp/include/tradeoff/pareto_hd.hpp (the bodies both drivers share).
#pragma once

#include <cstdint>
#include <string>

namespace tradeoff {
namespace cuda {

// ---------------------------------------------------------------------------------------------
// Device queries (cuda/device.cu). None of these throws: they are called at import time and by
// tradeoff.show_config() on machines without a driver or a GPU.

// Number of CUDA devices the runtime sees; 0 when cudaGetDeviceCount fails (no driver,
// cudaErrorInsufficientDriver when the driver is older than the runtime, no device, ...).
int device_count() noexcept;

// Why device_count() is 0: cudaGetErrorString of cudaGetDeviceCount's error ("" when it
// succeeded).
std::string device_count_error() noexcept;

// CUDA runtime version linked into _cuda (e.g. 13000 for 13.0); works without a driver.
int runtime_version() noexcept;

// Newest CUDA version the installed driver supports (e.g. 13000); 0 without a driver.
int driver_version() noexcept;

// The virtual architectures nvcc compiled device code for, from __CUDA_ARCH_LIST__
// (e.g. "750,800,900"); "" if the compiler does not define it.
std::string compiled_arch_list() noexcept;

// Checks that the kernels can run on `device`: the device exists and this build holds a
// kernel image (SASS or PTX) for it. Returns "" when they can, else the reason.
std::string probe_device(int device) noexcept;

// "NVIDIA H100 80GB HBM3 (compute capability 9.0)", or "" when the device cannot be queried.
std::string device_name(int device) noexcept;

// ---------------------------------------------------------------------------------------------
// Pareto ranking (cuda/pareto.cu). All objectives are minimized; points are a C-contiguous
// (batch, n, m) array of T on `device`. Every call is asynchronous on `stream` except
// pareto_rank, which reads one counter back per group of fronts (see pareto.cu).
//
// Preconditions checked here (std::invalid_argument): batch >= 0, 0 <= n <= INT32_MAX,
// 0 <= m <= INT32_MAX, batch * n * m does not overflow int64. Pointers may be null only when
// batch * n == 0 (then nothing is launched).

// Non-dominated sorting: ranks[b, i] = 0 for the first front of problem b, 1 for the next...
// Workspaces (device memory, contents on entry irrelevant):
//   counts     int32  (batch, n)   dominator counts
//   fronts     int32  (batch, n)   the current front of each problem (row indices)
//   front_len  int32  (batch,)     length of the current front of each problem
//   ranked     uint64 (1,)         number of points ranked so far
template <class T>
void pareto_rank(const T* points, std::int64_t batch, std::int64_t n, std::int64_t m,
                 std::int32_t* ranks, std::int32_t* counts, std::int32_t* fronts,
                 std::int32_t* front_len, unsigned long long* ranked, std::uintptr_t stream,
                 int device);

// First front only: mask[b, i] = 1 when no point of problem b dominates point i, else 0
// (one byte per point, the layout of a CuPy bool array).
template <class T>
void nondominated(const T* points, std::int64_t batch, std::int64_t n, std::int64_t m,
                  std::uint8_t* mask, std::uintptr_t stream, int device);

// The instantiations live in cuda/pareto.cu.
extern template void pareto_rank<float>(const float*, std::int64_t, std::int64_t, std::int64_t,
                                        std::int32_t*, std::int32_t*, std::int32_t*,
                                        std::int32_t*, unsigned long long*, std::uintptr_t, int);
extern template void pareto_rank<double>(const double*, std::int64_t, std::int64_t,
                                         std::int64_t, std::int32_t*, std::int32_t*,
                                         std::int32_t*, std::int32_t*, unsigned long long*,
                                         std::uintptr_t, int);
extern template void nondominated<float>(const float*, std::int64_t, std::int64_t,
                                         std::int64_t, std::uint8_t*, std::uintptr_t, int);
extern template void nondominated<double>(const double*, std::int64_t, std::int64_t,
                                          std::int64_t, std::uint8_t*, std::uintptr_t, int);

// ---------------------------------------------------------------------------------------------
// Hypervolume of batches of SMALL sets (cuda/hypervolume.cu; bodies shared with the CPU in
// cpp/include/tradeoff/hypervolume_hd.hpp). float64 only (the Python layer casts), minimization.
// Set b: points (batch, n, m) row-major, its own reference point ref[b] (ref is (batch, m));
// points not strictly below ref[b] in every coordinate count for nothing. Every call is
// asynchronous on `stream` and allocates nothing.
//
// Size limits: the GPU bodies are O(n^2) per set (O(n^3) at worst for m = 4) and run one
// sequential sweep per thread, so they serve sets up to hv_max_points(m) points; larger sets
// (or m >= 5) go to the CPU's O(n log n) / O(n^2) kernels (the Python layer asks
// hv_supported first). The limits keep one thread's sweep under about a millisecond.
constexpr std::int64_t kHvMaxPoints1 = 1024;  // m = 1: prepare is O(n) per thread
constexpr std::int64_t kHvMaxPoints2 = 1024;  // m = 2: O(n) sweeps
constexpr std::int64_t kHvMaxPoints3 = 512;   // m = 3: O(n s) sweeps, s = staircase size
constexpr std::int64_t kHvMaxPoints4 = 128;   // m = 4: O(n^2 s) sweeps

// Largest n the GPU bodies take for m objectives; 0 when they do not cover m at all.
constexpr std::int64_t hv_max_points(std::int64_t m) noexcept {
  return m == 1 ? kHvMaxPoints1
                : m == 2 ? kHvMaxPoints2 : m == 3 ? kHvMaxPoints3 : m == 4 ? kHvMaxPoints4 : 0;
}

// True when the GPU bodies cover sets of n points in m objectives.
constexpr bool hv_supported(std::int64_t n, std::int64_t m) noexcept {
  return n >= 0 && m >= 1 && n <= hv_max_points(m);
}

// Doubles of `scratch` a launch needs: items = batch for hypervolume, batch * n for
// hv_contributions, batch * k for hv_improvement. Bounded (about 64 MiB) whatever the batch:
// the kernels loop over the items with as many threads as that scratch serves. 0 for m <= 2.
// std::invalid_argument when !hv_supported(n, m) or items < 0.
std::int64_t hv_scratch_doubles(std::int64_t items, std::int64_t n, std::int64_t m);

// Preconditions checked here (std::invalid_argument): sizes >= 0, hv_supported(n, m), the
// element counts fit int64, scratch_size >= hv_scratch_doubles(items, n, m), and non-null
// pointers wherever something is read or written (nothing is launched when the output is
// empty). Workspaces (device memory, contents on entry irrelevant):
//   sorted   float64 (batch, n, m)  each set's points below ref, sorted by the last objective
//   counts   int64   (batch,)       how many rows of `sorted` each set uses
//   scratch  float64 (scratch_size) per-thread sweep scratch (may be null when 0 is needed)

// volumes[b] = hypervolume of set b.
void hypervolume(const double* points, const double* ref, std::int64_t batch, std::int64_t n,
                 std::int64_t m, double* volumes, double* sorted, std::int64_t* counts,
                 double* scratch, std::int64_t scratch_size, std::uintptr_t stream, int device);

// contributions[b, i] = exclusive contribution of point i of set b (the volume lost when it
// alone is removed; 0 for duplicates, dominated points and points not below ref).
void hv_contributions(const double* points, const double* ref, std::int64_t batch,
                      std::int64_t n, std::int64_t m, double* contributions, double* sorted,
                      std::int64_t* counts, double* scratch, std::int64_t scratch_size,
                      std::uintptr_t stream, int device);

// improvement[b, c] = volume that candidate c of set b (candidates is (batch, k, m)) adds to
// set b on its own: vol([c, ref]) minus the volume of {max(p, c)}; 0 when c is not strictly
// below ref[b] or a point weakly dominates it.
void hv_improvement(const double* points, const double* candidates, const double* ref,
                    std::int64_t batch, std::int64_t n, std::int64_t k, std::int64_t m,
                    double* improvement, double* sorted, std::int64_t* counts, double* scratch,
                    std::int64_t scratch_size, std::uintptr_t stream, int device);

// ---------------------------------------------------------------------------------------------
// Entropic optimal transport, Sinkhorn in the log domain (cuda/sinkhorn.cu; bodies shared with
// the CPU in cpp/include/tradeoff/sinkhorn_hd.hpp). The conventions, the eps stages and the stop
// rule are the CPU kernel's (cpp/include/tradeoff/sinkhorn.hpp): plan
// P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps), C_ij = +inf a forbidden pair, tau = +inf a hard
// marginal; every stage but the last runs stage_iter iterations, the last up to max_iter with
// the test "marginal error <= tol" before each f update, applied per problem on the device at
// every iteration (each problem of a batch stops at its own iteration); a final pass on the
// returned potentials gives err, the transport cost sum P_ij C_ij, the entropic objective and
// the plan.
// The GPU always runs the log domain (method_used = 0): there is no `method` argument.
//
// Device arrays (C-contiguous, on `device`): a, f0 (batch, n) and b, g0 (batch, m) float64
// (read only); outputs f (batch, n), g (batch, m), cost_out, objective, err (batch,) float64,
// n_iter (batch,) int64, method_used (batch,) uint8, plan (batch, n, m) of T or null (not
// written). eps_stages is HOST memory (n_stages >= 1 values, the last = the target eps).
// workspace: device memory of workspace_bytes >= sinkhorn_workspace_bytes(batch, n, m,
// n_stages) (contents on entry irrelevant; 256-byte aligned, as CuPy allocates).
//
// Synchronization: small problems (sinkhorn_fused) run in one launch, asynchronous on
// `stream` (the eps stages are copied from pageable host memory first). Larger ones: the
// launcher reads a 4-byte counter of unconverged problems back every sinkhorn_check_every()
// iterations of the final stage (so it blocks the calling thread while the solve runs), and
// returns with the final pass queued on `stream`.
//
// Preconditions checked here (std::invalid_argument) before the device is touched: sizes >= 0,
// batch, n, m <= INT32_MAX, the element counts fit int64, eps_stages finite and > 0,
// tau_a, tau_b > 0 (inf allowed), max_iter, stage_iter >= 0, tol >= 0, the workspace large
// enough, non-null
// pointers for everything read or written (nothing runs when batch * n * m == 0: the Python
// layer handles empty problems); for points also 1 <= d <= INT32_MAX and metric in {0, 1}.

// Bytes of workspace a launch on (batch, n, m) with n_stages eps stages needs: about
// 8 (3 n + m) + 16 m * chunks bytes per problem (chunks = row chunks of the column pass, few;
// none for fused problems) + 8 n_stages. std::invalid_argument for negative sizes or a size
// that overflows.
std::int64_t sinkhorn_workspace_bytes(std::int64_t batch, std::int64_t n, std::int64_t m,
                                      std::int64_t n_stages);

// True when problems of (n, m) run the fused solver: one block per problem and ONE launch for
// the whole solve (nothing read back, fully asynchronous); else four launches per iteration
// and a counter read every sinkhorn_check_every() iterations. Depends on (n, m) only, so a
// problem gives the same bits alone or in a batch.
bool sinkhorn_fused(std::int64_t n, std::int64_t m) noexcept;

// Iterations between two reads of the convergence counter by the host.
std::int64_t sinkhorn_check_every() noexcept;

// Dense cost (batch, n, m) of T.
template <class T>
void sinkhorn_dense(const T* cost, const double* a, const double* b, const double* f0,
                    const double* g0, const double* eps_stages, std::int64_t n_stages,
                    double tau_a, double tau_b, std::int64_t max_iter, double tol,
                    std::int64_t stage_iter, std::int64_t batch, std::int64_t n, std::int64_t m,
                    T* plan, double* f, double* g, double* cost_out, double* objective,
                    double* err, std::int64_t* n_iter, std::uint8_t* method_used,
                    void* workspace, std::int64_t workspace_bytes, std::uintptr_t stream,
                    int device);

// Point clouds x (batch, n, d), y (batch, m, d) of T; C_ij computed on the fly: metric 0 =
// squared Euclidean distance (no 1/2), 1 = Euclidean distance. Memory O((n + m) d) besides the
// optional plan.
template <class T>
void sinkhorn_points(const T* x, const T* y, const double* a, const double* b, const double* f0,
                     const double* g0, const double* eps_stages, std::int64_t n_stages,
                     double tau_a, double tau_b, std::int64_t max_iter, double tol,
                     std::int64_t metric, std::int64_t stage_iter, std::int64_t batch,
                     std::int64_t n, std::int64_t m, std::int64_t d, T* plan, double* f,
                     double* g, double* cost_out, double* objective, double* err,
                     std::int64_t* n_iter, std::uint8_t* method_used, void* workspace,
                     std::int64_t workspace_bytes, std::uintptr_t stream, int device);

// The instantiations live in cuda/sinkhorn.cu.
#define TRADEOFF_SK_DECLARE(T)                                                                  \
  extern template void sinkhorn_dense<T>(                                                      \
      const T*, const double*, const double*, const double*, const double*, const double*,     \
      std::int64_t, double, double, std::int64_t, double, std::int64_t, std::int64_t,          \
      std::int64_t, std::int64_t, T*, double*, double*, double*, double*, double*,             \
      std::int64_t*, std::uint8_t*, void*, std::int64_t, std::uintptr_t, int);                 \
  extern template void sinkhorn_points<T>(                                                     \
      const T*, const T*, const double*, const double*, const double*, const double*,          \
      const double*, std::int64_t, double, double, std::int64_t, double, std::int64_t,         \
      std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t, T*, double*,       \
      double*, double*, double*, double*, std::int64_t*, std::uint8_t*, void*, std::int64_t,   \
      std::uintptr_t, int);
TRADEOFF_SK_DECLARE(float)
TRADEOFF_SK_DECLARE(double)
#undef TRADEOFF_SK_DECLARE

// ---------------------------------------------------------------------------------------------
// Linear assignment (cuda/assignment.cu; bodies shared with the CPU in
// cpp/include/tradeoff/assignment_hd.hpp): Jonker-Volgenant augmenting row reduction + shortest
// augmenting paths, exact, the decisions bit-identical to the CPU's (the specification is
// python/tradeoff/_fallback/assignment.py). The kernel interface of tradeoff._core.lap_solve:
//   cost (batch, n, m) of T, C-contiguous, on `device`; rows, cols (batch,) int64 on `device`
//   (instance b is cost[b, :rows[b], :cols[b]]); outputs col_of_row (batch, n) int64,
//   row_of_col (batch, m) int64, u (batch, n) float64, v (batch, m) float64, total (batch,)
//   float64, status (batch,) int8: 0 solved, 1 infeasible, 2 invalid entry (NaN, or -inf after
//   the maximize sign flip), 3 rows[b] / cols[b] outside [0, n] / [0, m] (the caller checks the
//   sizes first; 3 only keeps a bad call from reading out of bounds). Outside the active block
//   (and for status != 0): -1 and 0; total 0 for status != 0.
// One thread (tiny problems in huge batches), one warp (max(n, m) <= 128) or one block per
// instance; see lap_path. `path` = 0 chooses (lap_path); 1..4 forces a path (tests), with
// std::invalid_argument when it cannot serve (n, m) (lap_path_fits). Asynchronous on `stream`;
// nothing is read back.
// Preconditions checked here (std::invalid_argument) before the device is touched:
// 0 <= batch, n, m <= INT32_MAX, batch * n * m fits int64, workspace_bytes >=
// lap_workspace_bytes(batch, n, m), non-null pointers for everything read or written (cost may
// be null when n * m == 0, the workspace when 0 bytes are needed). Nothing runs for batch == 0.

// Bytes of device workspace a launch on (batch, n, m) with `path` (0 = automatic) needs: 0
// unless the path is 3, then min(batch, 1024) regions of about 25 max(n, m) + 20 min(n, m)
// bytes.
std::int64_t lap_workspace_bytes(std::int64_t batch, std::int64_t n, std::int64_t m, int path);

// The path lap_solve takes on its own for a (batch, n, m) launch: 4 = one thread per instance
// (max(n, m) <= 16 and batch >= 16384), 1 = one warp per instance (max(n, m) <= 128, workspace
// in shared memory), 2 = one block per instance, workspace in shared memory (up to about
// 45 KB), 3 = one block per instance, workspace in the device workspace; 0 for negative
// sizes. Every path makes the same decisions: the results never depend on it.
int lap_path(std::int64_t batch, std::int64_t n, std::int64_t m) noexcept;

// Whether path 1..4 can serve (n, m) arrays (its workspace fits where it keeps it).
bool lap_path_fits(int path, std::int64_t n, std::int64_t m) noexcept;

// Threads per instance of `path` on (n, m) arrays (1, 32, or 64..256 for the block paths).
int lap_block_threads(int path, std::int64_t n, std::int64_t m) noexcept;

template <class T>
void lap_solve(const T* cost, const std::int64_t* rows, const std::int64_t* cols,
               std::int64_t batch, std::int64_t n, std::int64_t m, bool maximize,
               std::int64_t* col_of_row, std::int64_t* row_of_col, double* u, double* v,
               double* total, std::int8_t* status, void* workspace,
               std::int64_t workspace_bytes, std::uintptr_t stream, int device, int path);

// The instantiations live in cuda/assignment.cu.
#define TRADEOFF_LAP_DECLARE(T)                                                                 \
  extern template void lap_solve<T>(const T*, const std::int64_t*, const std::int64_t*,         \
                                    std::int64_t, std::int64_t, std::int64_t, bool,             \
                                    std::int64_t*, std::int64_t*, double*, double*, double*,    \
                                    std::int8_t*, void*, std::int64_t, std::uintptr_t, int,     \
                                    int);
TRADEOFF_LAP_DECLARE(float)
TRADEOFF_LAP_DECLARE(double)
#undef TRADEOFF_LAP_DECLARE

// ---------------------------------------------------------------------------------------------
// Knapsack family (cuda/knapsack.cu; bodies shared with the host tests in
// cpp/include/tradeoff/knapsack_dense_hd.hpp): the dense dynamic program over capacity cells for
// 0/1, bounded and multiple-choice knapsacks, exact (int64 cells on exactly scaled numbers).
// The kernel interface is tradeoff._core.knapsack_solve / mckp_solve's; python/tradeoff/_gpu.py
// runs two launches per batch:
//   1. *_plan: one block per instance writes plan[b] (kKnapsackPlanWidth int64): plan[b, 0] is
//      0 (solve here), 1 (MCKP infeasible: answered here), or 2..4 (bad data / numbers too wide
//      for int64 cells / table or work over max_bytes / max_work: the caller runs the CPU
//      kernel on the instance); plan[b, 4] + 1 = its DP cells, plan[b, 7] = its decision-table
//      bytes (0 unless plan[b, 0] == 0).
//   2. *_dense on instances [first, first + count): the instance's records start at
//      table + offsets[b] - base (offsets: exclusive prefix sum of plan[:, 7]); table_bytes
//      is the table's size; max_cells >= the cells of every instance with plan code 0 in the
//      range; workspace: knapsack_workspace_bytes(count, max_cells, device) bytes (0 when the
//      DP rows fit in shared memory). Writes x / choice, value, weight, status of the instances
//      with plan code 0 or 1 and leaves the others alone (status -1 if the table is too small
//      for an instance: never through _gpu.py).
// Element types: values TV and weights TW each int64 or double; value has TV's type, weight
// TW's (the totals of the returned solution: exact int64, or correctly rounded doubles).
// counts (0/1 when null: x01 is written; else xb) and mask (null: every option exists) may be
// null. Every call is asynchronous on `stream`. Preconditions checked here
// (std::invalid_argument) before the device is touched: sizes >= 0, n, g, k <= INT32_MAX, the
// element counts fit int64, [first, first + count) inside the batch, 0 <= max_cells <=
// knapsack_max_cells(), the workspace large enough, non-null pointers for everything read or
// written.
constexpr int kKnapsackPlanWidth = 8;

// Bytes of device workspace a *_dense launch of `count` instances with max_cells cells needs.
std::int64_t knapsack_workspace_bytes(std::int64_t count, std::int64_t max_cells, int device);
// Cells of one DP row at most (instances above it get plan code 4), options per group at most.
std::int64_t knapsack_max_cells() noexcept;
std::int64_t knapsack_max_options() noexcept;

template <class TV, class TW>
void knapsack_plan(const TV* values, const TW* weights, const TW* capacity,
                   const std::int64_t* counts, std::int64_t batch, std::int64_t n,
                   std::int64_t max_work, std::int64_t max_bytes, std::int64_t* plan,
                   std::uintptr_t stream, int device);

template <class TV, class TW>
void knapsack_dense(const TV* values, const TW* weights, const TW* capacity,
                    const std::int64_t* counts, std::int64_t batch, std::int64_t n,
                    const std::int64_t* plan, const std::int64_t* offsets, std::int64_t base,
                    std::int64_t first, std::int64_t count, std::int64_t max_cells, void* table,
                    std::int64_t table_bytes, std::uint8_t* x01, std::int64_t* xb, TV* value,
                    TW* weight, std::int8_t* status, void* workspace,
                    std::int64_t workspace_bytes, std::uintptr_t stream, int device);

template <class TV, class TW>
void mckp_plan(const TV* values, const TW* weights, const std::uint8_t* mask, const TW* budget,
               std::int64_t batch, std::int64_t g, std::int64_t k, std::int64_t max_work,
               std::int64_t max_bytes, std::int64_t* plan, std::uintptr_t stream, int device);

template <class TV, class TW>
void mckp_dense(const TV* values, const TW* weights, const std::uint8_t* mask, const TW* budget,
                std::int64_t batch, std::int64_t g, std::int64_t k, const std::int64_t* plan,
                const std::int64_t* offsets, std::int64_t base, std::int64_t first,
                std::int64_t count, std::int64_t max_cells, void* table,
                std::int64_t table_bytes, std::int64_t* choice, TV* value, TW* weight,
                std::int8_t* status, void* workspace, std::int64_t workspace_bytes,
                std::uintptr_t stream, int device);

// The instantiations live in cuda/knapsack.cu.
#define TRADEOFF_KN_DECLARE(TV, TW)                                                              \
  extern template void knapsack_plan<TV, TW>(                                                   \
      const TV*, const TW*, const TW*, const std::int64_t*, std::int64_t, std::int64_t,         \
      std::int64_t, std::int64_t, std::int64_t*, std::uintptr_t, int);                          \
  extern template void knapsack_dense<TV, TW>(                                                  \
      const TV*, const TW*, const TW*, const std::int64_t*, std::int64_t, std::int64_t,         \
      const std::int64_t*, const std::int64_t*, std::int64_t, std::int64_t, std::int64_t,       \
      std::int64_t, void*, std::int64_t, std::uint8_t*, std::int64_t*, TV*, TW*, std::int8_t*,  \
      void*, std::int64_t, std::uintptr_t, int);                                                \
  extern template void mckp_plan<TV, TW>(const TV*, const TW*, const std::uint8_t*, const TW*,  \
                                         std::int64_t, std::int64_t, std::int64_t,              \
                                         std::int64_t, std::int64_t, std::int64_t*,             \
                                         std::uintptr_t, int);                                  \
  extern template void mckp_dense<TV, TW>(                                                      \
      const TV*, const TW*, const std::uint8_t*, const TW*, std::int64_t, std::int64_t,         \
      std::int64_t, const std::int64_t*, const std::int64_t*, std::int64_t, std::int64_t,       \
      std::int64_t, std::int64_t, void*, std::int64_t, std::int64_t*, TV*, TW*, std::int8_t*,   \
      void*, std::int64_t, std::uintptr_t, int);
TRADEOFF_KN_DECLARE(std::int64_t, std::int64_t)
TRADEOFF_KN_DECLARE(std::int64_t, double)
TRADEOFF_KN_DECLARE(double, std::int64_t)
TRADEOFF_KN_DECLARE(double, double)
#undef TRADEOFF_KN_DECLARE

}  // namespace cuda
}  // namespace tradeoff

// C-style alias the brief names; same as tradeoff::cuda::device_count().
inline int tradeoff_cuda_device_count() noexcept { return tradeoff::cuda::device_count(); }
