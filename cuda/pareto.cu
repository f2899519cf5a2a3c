// cuda/pareto.cu: the GPU drivers of Pareto ranking (non-dominated sorting and the first front).
//
// CPU twin: cpp/include/tradeoff/pareto.hpp. Shared bodies: cpp/include/tradeoff/pareto_hd.hpp.
// Every dominance test below is a call to a TRADEOFF_HD body of pareto_hd.hpp; the kernels only
// decide which thread looks at which pair of points. Do not add dominance arithmetic here: fix or
// extend pareto_hd.hpp, so that the CPU and the GPU keep giving the same answers.
//
// Data: a batch of B problems, points (B, n, m) row-major, all objectives minimized. Point i of
// problem b starts at points + (b * n + i) * m. All indices are 64-bit (index_t); a point's row
// number within its problem fits rank_t (int32) because n <= INT32_MAX is checked on entry.
//
// Ranking (pareto_rank), the layered form of Kahn's topological sort:
//   1. count kernel    counts[b, i] = number of points of problem b dominating point i
//                      (count_dominators, or `dominates` over a shared-memory tile of rows).
//   2. for k = 0, 1, 2, ...
//        memset        front_len[b] = 0
//        take kernel   every point with rank < 0 and count == 0 gets rank k (peel_take) and is
//                      appended to fronts[b, :] (atomicAdd on front_len[b]); a block-wide count
//                      of the points taken goes into the single counter `ranked`.
//        update kernel every still-unranked point subtracts the number of front-k points of its
//                      problem that dominate it (count_dominators_in, or `dominates` over a
//                      shared-memory tile of the front's rows).
//      The host reads `ranked` (one 8-byte device->host copy) after a group of fronts and stops
//      when all B * n points are ranked. Groups grow 1, 2, 4, ... up to kMaxFrontGroup fronts, so
//      a ranking with F fronts synchronizes about log2(kMaxFrontGroup) + F / kMaxFrontGroup
//      times; the fronts launched after the last point was ranked find nothing to do.
//   Work: the count kernel does B * n^2 dominance tests; each update tests an unranked point
//   against one front, and the fronts of a problem partition its points, so all updates
//   together do at most B * n^2 more. Each test costs at most m comparisons.
//   A point's count reaches 0 exactly when all of its dominators are ranked, and the last of
//   them was ranked in the previous front, so its rank is 1 + the largest rank of its
//   dominators: the definition the CPU driver computes by other means.
//
// First front (nondominated): one thread per point, mask = !is_dominated (stops at the first
// dominator found).
//
// Every launch goes on the caller's stream and every CUDA call is checked; errors become
// std::runtime_error with cudaGetErrorString's text (see launchers.hpp).
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "launchers.hpp"
#include "tradeoff/config.hpp"
#include "tradeoff/pareto_hd.hpp"

namespace tradeoff {
namespace cuda {

namespace {

// Threads per block of the per-point kernels (count, update) and of the flat kernels.
constexpr int kPointThreads = 128;
constexpr int kFlatThreads = 256;
// Flat kernels loop (grid-stride) instead of launching more blocks than this.
constexpr index_t kMaxFlatBlocks = index_t(1) << 20;
// gridDim.y limit: the per-point kernels loop over problems b = blockIdx.y, + gridDim.y, ...
constexpr index_t kMaxGridY = 65535;
// Shared-memory tile of candidate rows: at most this many bytes and rows; below kMinTileRows
// rows (very many objectives) the kernels read the rows from global memory instead.
constexpr index_t kTileBytes = 8192;
constexpr index_t kMaxTileRows = 256;
constexpr index_t kMinTileRows = 16;
// Largest number of fronts launched between two reads of the `ranked` counter.
constexpr int kMaxFrontGroup = 16;

// ---------------------------------------------------------------------------------------------
// Error checks.

[[noreturn]] void fail(cudaError_t err, const char* what) {
  throw std::runtime_error(std::string("tradeoff CUDA: ") + what + " failed: " +
                           cudaGetErrorString(err) + " (" + cudaGetErrorName(err) + ")");
}

inline void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) fail(err, what);
}

// After a <<<...>>> launch: configuration errors are reported by cudaGetLastError.
inline void check_launch(const char* kernel) { check(cudaGetLastError(), kernel); }

// Sizes from Python: validated here once more, because a wrong size is a wild pointer.
void check_sizes(std::int64_t batch, std::int64_t n, std::int64_t m, const char* fn) {
  const std::string where = std::string("tradeoff._cuda.") + fn + ": ";
  if (batch < 0 || n < 0 || m < 0) {
    throw std::invalid_argument(where + "sizes must be >= 0; got batch=" + std::to_string(batch) +
                                ", n=" + std::to_string(n) + ", m=" + std::to_string(m));
  }
  if (n > std::numeric_limits<rank_t>::max() || m > std::numeric_limits<int>::max()) {
    throw std::invalid_argument(where + "n and m must be <= 2147483647; got n=" +
                                std::to_string(n) + ", m=" + std::to_string(m));
  }
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  if ((n > 0 && batch > big / n) || (batch * n > 0 && m > big / (batch * n))) {
    throw std::invalid_argument(where + "batch * n * m overflows int64 (batch=" +
                                std::to_string(batch) + ", n=" + std::to_string(n) +
                                ", m=" + std::to_string(m) + ")");
  }
}

void require_pointer(const void* p, const char* name, const char* fn) {
  if (p == nullptr) {
    throw std::invalid_argument(std::string("tradeoff._cuda.") + fn + ": " + name +
                                " is a null pointer");
  }
}

// The caller's device: CuPy may be working on any device, and this runtime (linked statically,
// separate from CuPy's) starts on device 0 in every thread.
void use_device(int device) {
  int count = 0;
  check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
  if (device < 0 || device >= count) {
    throw std::invalid_argument("tradeoff CUDA: device " + std::to_string(device) +
                                " does not exist (" + std::to_string(count) + " visible)");
  }
  check(cudaSetDevice(device), "cudaSetDevice");
}

inline cudaStream_t as_stream(std::uintptr_t handle) {
  return reinterpret_cast<cudaStream_t>(handle);
}

// Rows per shared-memory tile for m objectives of type T; 0 = no tiling (read global memory).
template <class T>
int tile_rows_for(std::int64_t m) {
  if (m <= 0) return 0;
  const index_t row_bytes = m * index_t(sizeof(T));
  const index_t rows = std::min(kMaxTileRows, kTileBytes / row_bytes);
  return rows < kMinTileRows ? 0 : int(rows);
}

// Grid of the per-point kernels: x = tiles of kPointThreads points of one problem,
// y = problems (looped in the kernel when batch > kMaxGridY).
dim3 point_grid(index_t batch, index_t n) {
  const index_t x = (n + kPointThreads - 1) / kPointThreads;  // n <= INT32_MAX: x < 2^24
  return dim3(static_cast<unsigned>(x), static_cast<unsigned>(std::min(batch, kMaxGridY)), 1);
}

// Grid of the flat kernels over `total` items.
dim3 flat_grid(index_t total) {
  return dim3(static_cast<unsigned>(std::min((total + kFlatThreads - 1) / kFlatThreads,
                                             kMaxFlatBlocks)),
              1, 1);
}

}  // namespace

// Dynamic shared memory of the tiled kernels, declared once (a templated `extern __shared__ T`
// would clash between the float and double instantiations).
extern __shared__ __align__(16) unsigned char tradeoff_pareto_smem[];

// ---------------------------------------------------------------------------------------------
// Kernels. Block (kPointThreads) x grid point_grid for count and update; flat_grid otherwise.

// counts[b, i] = how many points of problem b dominate point i.
// tile_rows == 0: each thread calls count_dominators (the rows come through L1/L2).
// tile_rows > 0: the block walks its problem's rows in tiles staged in shared memory; every
// thread tests its point against each staged row with `dominates` (the same sum as
// count_dominators, taken over the tiles).
template <class T>
__global__ void __launch_bounds__(kPointThreads)
    count_dominators_kernel(const T* __restrict__ points, index_t batch, index_t n, int m,
                            int tile_rows, rank_t* __restrict__ counts) {
  T* tile = reinterpret_cast<T*>(tradeoff_pareto_smem);
  const index_t i = index_t(blockIdx.x) * blockDim.x + threadIdx.x;
  const bool active = i < n;
  for (index_t b = blockIdx.y; b < batch; b += gridDim.y) {  // uniform across the block
    const T* pb = points + b * n * m;
    if (tile_rows == 0) {
      if (active) counts[b * n + i] = pareto::count_dominators(pb, n, m, i);
      continue;
    }
    const T* p = pb + (active ? i : 0) * m;
    rank_t count = 0;
    for (index_t start = 0; start < n; start += tile_rows) {
      const index_t rows = min(index_t(tile_rows), n - start);
      __syncthreads();  // every thread is done with the previous tile
      const T* src = pb + start * m;  // rows start..start+rows-1 are contiguous
      for (index_t e = threadIdx.x; e < rows * m; e += blockDim.x) tile[e] = src[e];
      __syncthreads();
      if (active) {
        for (index_t r = 0; r < rows; ++r) count += pareto::dominates(tile + r * m, p, m) ? 1 : 0;
      }
    }
    if (active) counts[b * n + i] = count;
  }
}

// Kahn step 1: unranked points whose count is zero join front k of their problem.
// Flat over the B * n points; the grid-stride loop keeps `base` uniform within a block so that
// __syncthreads_count (one atomic per block on the global counter) is reached by every thread.
__global__ void __launch_bounds__(kFlatThreads)
    peel_take_kernel(index_t batch, index_t n, rank_t k, rank_t* __restrict__ ranks,
                     const rank_t* __restrict__ counts, rank_t* __restrict__ fronts,
                     rank_t* __restrict__ front_len, unsigned long long* __restrict__ ranked) {
  const index_t total = batch * n;
  const index_t stride = index_t(gridDim.x) * blockDim.x;
  for (index_t base = index_t(blockIdx.x) * blockDim.x; base < total; base += stride) {
    const index_t idx = base + threadIdx.x;
    bool took = false;
    if (idx < total && pareto::peel_take(ranks, counts, idx, k)) {
      took = true;
      const index_t b = idx / n;
      const index_t i = idx - b * n;
      const rank_t slot = atomicAdd(front_len + b, rank_t(1));
      fronts[b * n + slot] = rank_t(i);
    }
    const int taken = __syncthreads_count(took);
    if (threadIdx.x == 0 && taken > 0) atomicAdd(ranked, static_cast<unsigned long long>(taken));
  }
}

// Kahn step 2: every unranked point subtracts the members of the newest front that dominate it.
// tile_rows == 0: count_dominators_in over the front list in global memory.
// tile_rows > 0: the front's rows are gathered into shared memory tile by tile and tested with
// `dominates` (the same sum as count_dominators_in).
template <class T>
__global__ void __launch_bounds__(kPointThreads)
    peel_update_kernel(const T* __restrict__ points, index_t batch, index_t n, int m,
                       int tile_rows, const rank_t* __restrict__ ranks,
                       rank_t* __restrict__ counts, const rank_t* __restrict__ fronts,
                       const rank_t* __restrict__ front_len) {
  T* tile = reinterpret_cast<T*>(tradeoff_pareto_smem);
  const index_t i = index_t(blockIdx.x) * blockDim.x + threadIdx.x;
  for (index_t b = blockIdx.y; b < batch; b += gridDim.y) {
    const index_t len = front_len[b];  // same value for the whole block
    if (len == 0) continue;            // problem finished (or nothing taken): uniform skip
    const index_t idx = b * n + i;
    const bool active = i < n && ranks[idx] < 0;
    if (!__syncthreads_or(active)) continue;  // no unranked point in this block: uniform skip
    const T* pb = points + b * n * m;
    const rank_t* fb = fronts + b * n;
    if (tile_rows == 0) {
      if (active) counts[idx] -= pareto::count_dominators_in(pb, m, fb, len, i);
      continue;
    }
    const T* p = pb + (active ? i : 0) * m;
    rank_t removed = 0;
    for (index_t start = 0; start < len; start += tile_rows) {
      const index_t rows = min(index_t(tile_rows), len - start);
      __syncthreads();  // every thread is done with the previous tile
      for (index_t e = threadIdx.x; e < rows * m; e += blockDim.x) {
        const index_t r = e / m;
        tile[e] = pb[index_t(fb[start + r]) * m + (e - r * m)];
      }
      __syncthreads();
      if (active) {
        for (index_t r = 0; r < rows; ++r) {
          removed += pareto::dominates(tile + r * m, p, m) ? 1 : 0;
        }
      }
    }
    if (active) counts[idx] -= removed;
  }
}

// mask[b, i] = 1 when no point of problem b dominates point i (is_dominated stops at the first
// dominator). Flat over the B * n points.
template <class T>
__global__ void __launch_bounds__(kFlatThreads)
    nondominated_kernel(const T* __restrict__ points, index_t batch, index_t n, int m,
                        std::uint8_t* __restrict__ mask) {
  const index_t total = batch * n;
  const index_t stride = index_t(gridDim.x) * blockDim.x;
  for (index_t idx = index_t(blockIdx.x) * blockDim.x + threadIdx.x; idx < total;
       idx += stride) {
    const index_t b = idx / n;
    const index_t i = idx - b * n;
    mask[idx] = pareto::is_dominated(points + b * n * m, n, m, i) ? 0 : 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Host launchers (declared in launchers.hpp).

template <class T>
void pareto_rank(const T* points, std::int64_t batch, std::int64_t n, std::int64_t m,
                 std::int32_t* ranks, std::int32_t* counts, std::int32_t* fronts,
                 std::int32_t* front_len, unsigned long long* ranked, std::uintptr_t stream,
                 int device) {
  check_sizes(batch, n, m, "pareto_rank");
  const index_t total = batch * n;
  if (total == 0) return;
  require_pointer(ranks, "ranks", "pareto_rank");
  require_pointer(counts, "counts", "pareto_rank");
  require_pointer(fronts, "fronts", "pareto_rank");
  require_pointer(front_len, "front_len", "pareto_rank");
  require_pointer(ranked, "ranked", "pareto_rank");
  if (m > 0) require_pointer(points, "points", "pareto_rank");
  use_device(device);
  const cudaStream_t s = as_stream(stream);
  const int mi = static_cast<int>(m);
  const int tile = tile_rows_for<T>(m);
  const size_t smem = size_t(tile) * size_t(m) * sizeof(T);
  const dim3 pgrid = point_grid(batch, n);
  const dim3 fgrid = flat_grid(total);

  // ranks = -1 (all bytes 0xFF), ranked = 0, counts = dominator counts.
  check(cudaMemsetAsync(ranks, 0xFF, size_t(total) * sizeof(rank_t), s), "cudaMemsetAsync(ranks)");
  check(cudaMemsetAsync(ranked, 0, sizeof(unsigned long long), s), "cudaMemsetAsync(ranked)");
  count_dominators_kernel<T><<<pgrid, kPointThreads, smem, s>>>(points, batch, n, mi, tile, counts);
  check_launch("count_dominators_kernel");

  // Kahn layering, `group` fronts between two reads of the counter.
  unsigned long long done = 0, before = 0;
  index_t k = 0;
  int group = 1;
  for (;;) {
    for (int g = 0; g < group; ++g, ++k) {
      check(cudaMemsetAsync(front_len, 0, size_t(batch) * sizeof(rank_t), s),
            "cudaMemsetAsync(front_len)");
      peel_take_kernel<<<fgrid, kFlatThreads, 0, s>>>(batch, n, rank_t(k), ranks, counts, fronts,
                                                      front_len, ranked);
      check_launch("peel_take_kernel");
      peel_update_kernel<T><<<pgrid, kPointThreads, smem, s>>>(points, batch, n, mi, tile, ranks,
                                                               counts, fronts, front_len);
      check_launch("peel_update_kernel");
    }
    check(cudaMemcpyAsync(&done, ranked, sizeof(done), cudaMemcpyDeviceToHost, s),
          "cudaMemcpyAsync(ranked)");
    check(cudaStreamSynchronize(s), "cudaStreamSynchronize (Pareto fronts)");
    if (done >= static_cast<unsigned long long>(total)) break;
    // Each front ranks at least one point of every unfinished problem (dominance is acyclic),
    // so a group without progress, or more fronts than points, means the input broke that
    // assumption (NaN slipped through validation) or the device misbehaved: stop, never spin.
    if (done == before || k > n) {
      throw std::runtime_error(
          "tradeoff CUDA: pareto_rank made no progress after " + std::to_string(k) +
          " fronts (" + std::to_string(done) + " of " + std::to_string(total) +
          " points ranked); the input must not contain NaN");
    }
    before = done;
    group = std::min(group * 2, kMaxFrontGroup);
  }
}

template <class T>
void nondominated(const T* points, std::int64_t batch, std::int64_t n, std::int64_t m,
                  std::uint8_t* mask, std::uintptr_t stream, int device) {
  check_sizes(batch, n, m, "nondominated");
  const index_t total = batch * n;
  if (total == 0) return;
  require_pointer(mask, "mask", "nondominated");
  if (m > 0) require_pointer(points, "points", "nondominated");
  use_device(device);
  const cudaStream_t s = as_stream(stream);
  nondominated_kernel<T><<<flat_grid(total), kFlatThreads, 0, s>>>(points, batch, n,
                                                                   static_cast<int>(m), mask);
  check_launch("nondominated_kernel");
}

template void pareto_rank<float>(const float*, std::int64_t, std::int64_t, std::int64_t,
                                 std::int32_t*, std::int32_t*, std::int32_t*, std::int32_t*,
                                 unsigned long long*, std::uintptr_t, int);
template void pareto_rank<double>(const double*, std::int64_t, std::int64_t, std::int64_t,
                                  std::int32_t*, std::int32_t*, std::int32_t*, std::int32_t*,
                                  unsigned long long*, std::uintptr_t, int);
template void nondominated<float>(const float*, std::int64_t, std::int64_t, std::int64_t,
                                  std::uint8_t*, std::uintptr_t, int);
template void nondominated<double>(const double*, std::int64_t, std::int64_t, std::int64_t,
                                   std::uint8_t*, std::uintptr_t, int);

}  // namespace cuda
}  // namespace tradeoff
