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

}  // namespace cuda
}  // namespace tradeoff

// C-style alias the brief names; same as tradeoff::cuda::device_count().
inline int tradeoff_cuda_device_count() noexcept { return tradeoff::cuda::device_count(); }
