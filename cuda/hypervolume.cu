// cuda/hypervolume.cu: the GPU drivers of the hypervolume family for batches of many SMALL
// point sets (batched Bayesian optimization: e.g. 1e4 sets of 50 points in m = 3).
//
// Shared bodies: cpp/include/tradeoff/hypervolume_hd.hpp (namespace tradeoff::hv::hd). Every
// volume, contribution and improvement below is one call of a TRADEOFF_HD body there; the
// kernels only decide which thread runs which call and where its scratch lives. Do not add
// hypervolume arithmetic here: fix or extend hypervolume_hd.hpp, whose host tests
// (cpp/tests/test_hypervolume_hd.cpp) replay exactly this sequence of calls.
//
// Data: B sets, points (B, n, m) float64 row-major (minimization), ref (B, m) float64, one
// reference point per set. Candidates (B, k, m). Outputs (B,), (B, n), (B, k) float64.
//
// Shape of the work, and why:
//   1. prepare_kernel      one thread per POINT: its row in the set's "prepared" copy (the
//                          points strictly below ref, stably sorted by the last coordinate) by
//                          counting (hd::prepared_position, O(n m)); thread 0 of each set writes
//                          the set's count (hd::count_below). A per-set insertion sort would
//                          leave n - 1 of every n threads idle; counting is O(n^2) work per set
//                          but only O(n) depth and fully parallel.
//   2. volume_kernel       one thread per SET: hd::volume_prepared, a sequential sweep
//                          (O(n s) for m = 3, s = staircase size).
//   3. contributions_kernel / improvement_kernel
//                          one thread per POINT / per CANDIDATE: hd::contribution_prepared /
//                          hd::improvement_prepared, each an independent sweep over its set's
//                          prepared rows clipped to that point (O(n s) for m = 3).
//   Why not a warp or a block per set: the sweeps are sequential (each step depends on the
//   staircase left by the previous one), so a warp would parallelize only the linear scans
//   inside a step, and it would need a second, warp-cooperative version of the bodies (two
//   copies to keep in agreement). One thread per independent sweep keeps ONE body for the CPU
//   and the GPU and still exposes B n threads for contributions and B k for improvements;
//   threads of a warp read the same set's rows (consecutive indices share a set), which the
//   cache broadcasts. The volume has only B independent sweeps: with B = 1e4 that is ~80 blocks
//   of 128 threads, enough to finish in tens of microseconds for n = 50; small B is the CPU's
//   job anyway (the Python layer decides).
//   Scratch (the staircase for m = 3, the 3-D front + staircase for m = 4) is global memory
//   handed in by the caller, hd::scratch_size(n, m) doubles per thread. The number of threads
//   that hold scratch is capped (kScratchBudgetBytes), and the kernels loop (grid-stride) over
//   their items, so the scratch never grows with B. It is private to a thread, so it stays in
//   L1/L2; m <= 2 needs none.
//
// Every launch goes on the caller's stream, nothing is allocated and nothing synchronizes; every
// CUDA call is checked, errors become std::runtime_error with cudaGetErrorString's text, and bad
// sizes std::invalid_argument (see launchers.hpp).
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "launchers.hpp"
#include "tradeoff/config.hpp"
#include "tradeoff/hypervolume_hd.hpp"

namespace tradeoff {
namespace cuda {

namespace {

namespace hd = ::tradeoff::hv::hd;

// Threads per block of every hypervolume kernel.
constexpr int kHvThreads = 128;
// Grid-stride loops instead of more blocks than this.
constexpr index_t kHvMaxBlocks = index_t(1) << 20;
// Most bytes of per-thread scratch one launch uses; more work items loop over fewer threads.
constexpr index_t kScratchBudgetBytes = index_t(64) << 20;

[[noreturn]] void hv_fail(cudaError_t err, const char* what) {
  throw std::runtime_error(std::string("tradeoff CUDA: ") + what + " failed: " +
                           cudaGetErrorString(err) + " (" + cudaGetErrorName(err) + ")");
}

inline void hv_check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) hv_fail(err, what);
}

inline void hv_check_launch(const char* kernel) { hv_check(cudaGetLastError(), kernel); }

std::string hv_where(const char* fn) { return std::string("tradeoff._cuda.") + fn + ": "; }

// Sizes from Python, checked again here: a wrong size is a wild pointer.
void hv_check_sizes(std::int64_t batch, std::int64_t n, std::int64_t k, std::int64_t m,
                    const char* fn) {
  if (batch < 0 || n < 0 || k < 0 || m < 0) {
    throw std::invalid_argument(hv_where(fn) + "sizes must be >= 0; got batch=" +
                                std::to_string(batch) + ", n=" + std::to_string(n) +
                                ", k=" + std::to_string(k) + ", m=" + std::to_string(m));
  }
  if (!hv_supported(n, m)) {
    throw std::invalid_argument(
        hv_where(fn) + "the GPU hypervolume bodies take 1 <= m <= 4 and n <= " +
        "hv_max_points(m) (1: " + std::to_string(hv_max_points(1)) + ", 2: " +
        std::to_string(hv_max_points(2)) + ", 3: " + std::to_string(hv_max_points(3)) +
        ", 4: " + std::to_string(hv_max_points(4)) + "); got n=" + std::to_string(n) +
        ", m=" + std::to_string(m) + " (larger sets run on the CPU)");
  }
  const std::int64_t big = std::numeric_limits<std::int64_t>::max() / 8;  // bytes fit too
  const std::int64_t rows = std::max(n, k);
  if ((rows > 0 && batch > big / rows) || (batch * rows > 0 && m > big / (batch * rows))) {
    throw std::invalid_argument(hv_where(fn) + "batch * n * m overflows int64 (batch=" +
                                std::to_string(batch) + ", n=" + std::to_string(n) +
                                ", k=" + std::to_string(k) + ", m=" + std::to_string(m) + ")");
  }
}

void hv_require(const void* p, const char* name, const char* fn) {
  if (p == nullptr) throw std::invalid_argument(hv_where(fn) + name + " is a null pointer");
}

void hv_use_device(int device) {
  int count = 0;
  hv_check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
  if (device < 0 || device >= count) {
    throw std::invalid_argument("tradeoff CUDA: device " + std::to_string(device) +
                                " does not exist (" + std::to_string(count) + " visible)");
  }
  hv_check(cudaSetDevice(device), "cudaSetDevice");
}

// Threads (a multiple of kHvThreads) that a launch over `items` work items uses: one per item,
// capped so that their scratch stays within kScratchBudgetBytes.
index_t hv_threads(index_t items, index_t per_thread) {
  const index_t blocks_needed = (items + kHvThreads - 1) / kHvThreads;
  index_t blocks = std::min(blocks_needed, kHvMaxBlocks);
  if (per_thread > 0) {
    const index_t bytes_per_block = per_thread * index_t(sizeof(double)) * kHvThreads;
    blocks = std::min(blocks, std::max<index_t>(1, kScratchBudgetBytes / bytes_per_block));
  }
  return std::max<index_t>(blocks, 1) * kHvThreads;
}

// The caller's scratch must hold what hv_scratch_doubles promised for this launch.
void hv_check_scratch(const double* scratch, std::int64_t scratch_size, index_t needed,
                      const char* fn) {
  if (scratch_size < needed) {
    throw std::invalid_argument(hv_where(fn) + "scratch holds " + std::to_string(scratch_size) +
                                " doubles; this launch needs " + std::to_string(needed) +
                                " (hv_scratch_doubles)");
  }
  if (needed > 0) hv_require(scratch, "scratch", fn);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Kernels. Flat grids of kHvThreads-thread blocks; `threads` = gridDim.x * blockDim.x, and the
// thread with global id t owns scratch[t * per_thread, (t + 1) * per_thread).

// sorted[b, pos] = point i of set b, pos = its place in the prepared order; counts[b] = rows.
__global__ void __launch_bounds__(kHvThreads)
    hv_prepare_kernel(const double* __restrict__ points, const double* __restrict__ ref,
                      index_t batch, index_t n, int m, double* __restrict__ sorted,
                      index_t* __restrict__ counts) {
  const index_t total = batch * n;
  const index_t stride = index_t(gridDim.x) * blockDim.x;
  for (index_t idx = index_t(blockIdx.x) * blockDim.x + threadIdx.x; idx < total;
       idx += stride) {
    const index_t b = idx / n;
    const index_t i = idx - b * n;
    const double* pb = points + b * n * m;
    const double* rb = ref + b * m;
    const index_t pos = hd::prepared_position(pb, n, m, rb, i);
    if (pos >= 0) {
      double* dst = sorted + (b * n + pos) * m;
      for (int j = 0; j < m; ++j) dst[j] = pb[i * m + j];
    }
    if (i == 0) counts[b] = hd::count_below(pb, n, m, rb);
  }
}

// volumes[b] = hypervolume of set b (one thread per set).
__global__ void __launch_bounds__(kHvThreads)
    hv_volume_kernel(const double* __restrict__ sorted, const index_t* __restrict__ counts,
                     const double* __restrict__ ref, index_t batch, index_t n, int m,
                     double* __restrict__ volumes, double* __restrict__ scratch,
                     index_t per_thread) {
  const index_t t = index_t(blockIdx.x) * blockDim.x + threadIdx.x;
  const index_t stride = index_t(gridDim.x) * blockDim.x;
  double* mine = scratch + t * per_thread;  // not dereferenced when per_thread == 0
  for (index_t b = t; b < batch; b += stride) {
    volumes[b] = hd::volume_prepared(sorted + b * n * m, counts[b], m, ref + b * m, mine);
  }
}

// contributions[b, i] = exclusive contribution of point i of set b (one thread per point).
__global__ void __launch_bounds__(kHvThreads)
    hv_contributions_kernel(const double* __restrict__ points,
                            const double* __restrict__ sorted,
                            const index_t* __restrict__ counts, const double* __restrict__ ref,
                            index_t batch, index_t n, int m, double* __restrict__ contributions,
                            double* __restrict__ scratch, index_t per_thread) {
  const index_t t = index_t(blockIdx.x) * blockDim.x + threadIdx.x;
  const index_t stride = index_t(gridDim.x) * blockDim.x;
  const index_t total = batch * n;
  double* mine = scratch + t * per_thread;
  for (index_t idx = t; idx < total; idx += stride) {
    const index_t b = idx / n;
    contributions[idx] = hd::contribution_prepared(sorted + b * n * m, counts[b], m,
                                                   points + idx * m, ref + b * m, mine);
  }
}

// improvement[b, c] = what candidate c of set b adds to set b (one thread per candidate).
__global__ void __launch_bounds__(kHvThreads)
    hv_improvement_kernel(const double* __restrict__ sorted, const index_t* __restrict__ counts,
                          const double* __restrict__ candidates,
                          const double* __restrict__ ref, index_t batch, index_t n, index_t k,
                          int m, double* __restrict__ improvement,
                          double* __restrict__ scratch, index_t per_thread) {
  const index_t t = index_t(blockIdx.x) * blockDim.x + threadIdx.x;
  const index_t stride = index_t(gridDim.x) * blockDim.x;
  const index_t total = batch * k;
  double* mine = scratch + t * per_thread;
  for (index_t idx = t; idx < total; idx += stride) {
    const index_t b = idx / k;
    improvement[idx] = hd::improvement_prepared(sorted + b * n * m, counts[b], m,
                                                candidates + idx * m, ref + b * m, mine);
  }
}

// ---------------------------------------------------------------------------------------------
// Host launchers (declared in launchers.hpp).

std::int64_t hv_scratch_doubles(std::int64_t items, std::int64_t n, std::int64_t m) {
  if (items < 0 || n < 0 || !hv_supported(n, m)) {
    throw std::invalid_argument(hv_where("hv_scratch_doubles") +
                                "needs items >= 0 and a size the GPU bodies cover "
                                "(hv_supported(n, m)); got items=" + std::to_string(items) +
                                ", n=" + std::to_string(n) + ", m=" + std::to_string(m));
  }
  const index_t per = hd::scratch_size(n, static_cast<int>(m));
  if (items == 0 || per == 0) return 0;
  return hv_threads(items, per) * per;  // <= kScratchBudgetBytes / 8 + one block's worth
}

namespace {

// The inputs every launcher reads; checked before anything touches the device.
void hv_require_inputs(const double* points, const double* ref, std::int64_t n,
                       const double* sorted, const std::int64_t* counts, const char* fn) {
  hv_require(ref, "ref", fn);
  hv_require(counts, "counts", fn);
  if (n > 0) {
    hv_require(points, "points", fn);
    hv_require(sorted, "sorted", fn);
  }
}

// The first step of every launch: the prepared rows `sorted` (B, n, m) and their counts (B,)
// (with n == 0 there are no rows: the counts are zeroed).
void hv_prepare(const double* points, const double* ref, std::int64_t batch, std::int64_t n,
                std::int64_t m, double* sorted, std::int64_t* counts, cudaStream_t s) {
  static_assert(sizeof(index_t) == sizeof(std::int64_t), "counts are int64");
  index_t* cnt = reinterpret_cast<index_t*>(counts);
  if (n == 0) {
    hv_check(cudaMemsetAsync(cnt, 0, size_t(batch) * sizeof(index_t), s),
             "cudaMemsetAsync(counts)");
    return;
  }
  const index_t total = batch * n;
  const index_t blocks = std::min((total + kHvThreads - 1) / kHvThreads, kHvMaxBlocks);
  hv_prepare_kernel<<<dim3(unsigned(blocks)), kHvThreads, 0, s>>>(
      points, ref, batch, n, static_cast<int>(m), sorted, cnt);
  hv_check_launch("hv_prepare_kernel");
}

}  // namespace

void hypervolume(const double* points, const double* ref, std::int64_t batch, std::int64_t n,
                 std::int64_t m, double* volumes, double* sorted, std::int64_t* counts,
                 double* scratch, std::int64_t scratch_size, std::uintptr_t stream,
                 int device) {
  const char* fn = "hypervolume";
  hv_check_sizes(batch, n, 0, m, fn);
  if (batch == 0) return;
  hv_require(volumes, "volumes", fn);
  const index_t per = hd::scratch_size(n, static_cast<int>(m));
  const index_t threads = hv_threads(batch, per);
  hv_check_scratch(scratch, scratch_size, per > 0 ? threads * per : 0, fn);
  hv_require_inputs(points, ref, n, sorted, counts, fn);
  hv_use_device(device);
  const cudaStream_t s = reinterpret_cast<cudaStream_t>(stream);
  hv_prepare(points, ref, batch, n, m, sorted, counts, s);
  hv_volume_kernel<<<dim3(unsigned(threads / kHvThreads)), kHvThreads, 0, s>>>(
      sorted, reinterpret_cast<const index_t*>(counts), ref, batch, n, static_cast<int>(m),
      volumes, scratch, per);
  hv_check_launch("hv_volume_kernel");
}

void hv_contributions(const double* points, const double* ref, std::int64_t batch,
                      std::int64_t n, std::int64_t m, double* contributions, double* sorted,
                      std::int64_t* counts, double* scratch, std::int64_t scratch_size,
                      std::uintptr_t stream, int device) {
  const char* fn = "hv_contributions";
  hv_check_sizes(batch, n, 0, m, fn);
  const index_t total = batch * n;
  if (total == 0) return;
  hv_require(contributions, "contributions", fn);
  const index_t per = hd::scratch_size(n, static_cast<int>(m));
  const index_t threads = hv_threads(total, per);
  hv_check_scratch(scratch, scratch_size, per > 0 ? threads * per : 0, fn);
  hv_require_inputs(points, ref, n, sorted, counts, fn);
  hv_use_device(device);
  const cudaStream_t s = reinterpret_cast<cudaStream_t>(stream);
  hv_prepare(points, ref, batch, n, m, sorted, counts, s);
  hv_contributions_kernel<<<dim3(unsigned(threads / kHvThreads)), kHvThreads, 0, s>>>(
      points, sorted, reinterpret_cast<const index_t*>(counts), ref, batch, n,
      static_cast<int>(m), contributions, scratch, per);
  hv_check_launch("hv_contributions_kernel");
}

void hv_improvement(const double* points, const double* candidates, const double* ref,
                    std::int64_t batch, std::int64_t n, std::int64_t k, std::int64_t m,
                    double* improvement, double* sorted, std::int64_t* counts, double* scratch,
                    std::int64_t scratch_size, std::uintptr_t stream, int device) {
  const char* fn = "hv_improvement";
  hv_check_sizes(batch, n, k, m, fn);
  const index_t total = batch * k;
  if (total == 0) return;
  hv_require(improvement, "improvement", fn);
  hv_require(candidates, "candidates", fn);
  const index_t per = hd::scratch_size(n, static_cast<int>(m));
  const index_t threads = hv_threads(total, per);
  hv_check_scratch(scratch, scratch_size, per > 0 ? threads * per : 0, fn);
  hv_require_inputs(points, ref, n, sorted, counts, fn);
  hv_use_device(device);
  const cudaStream_t s = reinterpret_cast<cudaStream_t>(stream);
  hv_prepare(points, ref, batch, n, m, sorted, counts, s);
  hv_improvement_kernel<<<dim3(unsigned(threads / kHvThreads)), kHvThreads, 0, s>>>(
      sorted, reinterpret_cast<const index_t*>(counts), candidates, ref, batch, n, k,
      static_cast<int>(m), improvement, scratch, per);
  hv_check_launch("hv_improvement_kernel");
}

}  // namespace cuda
}  // namespace tradeoff
