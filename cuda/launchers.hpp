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

}  // namespace cuda
}  // namespace tradeoff

// C-style alias the brief names; same as tradeoff::cuda::device_count().
inline int tradeoff_cuda_device_count() noexcept { return tradeoff::cuda::device_count(); }
