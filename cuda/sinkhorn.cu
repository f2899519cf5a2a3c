// cuda/sinkhorn.cu: the GPU drivers of entropic optimal transport (Sinkhorn, log domain).
//
// CPU twin: cpp/include/tradeoff/sinkhorn.hpp. Shared bodies: cpp/include/tradeoff/sinkhorn_hd.hpp
// (lse_push / lse_merge / lse_value, exponent, damping, updated_potential, marginal_residual,
// kl_term, point_cost). Every log-sum-exp term, potential update, residual and KL term below is
// a call of one of those bodies; the kernels only decide which thread handles which entries and
// how partial log-sum-exp states are merged (warp shuffles, shared memory). The conventions
// (plan P_ij = a_i b_j exp((f_i + g_j - C_ij)/eps), C_ij = +inf forbidden, lam = damping(tau, e),
// the stop rule, the final pass) are those of the specification the CPU driver follows.
//
// Data: B problems; cost (B, n, m) of T (float or double) row-major, or point clouds x (B, n, d)
// and y (B, m, d) of T with the cost computed on the fly (point_cost); a, f (B, n), b, g (B, m)
// float64. All indices are 64-bit.
//
// Two drivers, chosen by the problem size (n, m) only, never by the batch size, so a problem
// gives the same bits alone or in any batch:
//
// SMALL problems (n m <= kFusedMaxEntries and n <= kFusedMaxRows, e.g. the 1000 x (32 x 32)
// batch): sk_fused_kernel, one block per problem running every stage, the stop test and the
// final pass in ONE launch (__syncthreads between the half-steps; warps over rows as below,
// columns in tiles of 32 columns x 8 row lanes). Nothing is read back: the call is
// asynchronous on the stream.
//
// LARGER problems: one iteration (one eps stage e) is four launches on the caller's stream:
//   1. sk_row_kernel          one WARP per (problem, row): the lanes stream the row with lse_push
//                             (online max + sum), merge their states with warp shuffles; lane 0
//                             writes the candidate potential fn_i = updated_potential(..) into
//                             f_next and the row's marginal residual into res.
//   2. sk_decide_kernel       one BLOCK per problem: sums the residuals in a fixed order (so the
//                             result is reproducible), applies the stop test of the final stage
//                             (tol > 0 and err <= tol: the problem is done and keeps (f, g),
//                             WITHOUT fn),
//                             else copies f_next into f and counts the iteration.
//   3. sk_col_partial_kernel  blocks of 32 columns x 8 row lanes over a chunk of rows: thread
//                             (tx, ty) streams column j = tile + tx over rows ty, ty + 8, ... of
//                             the chunk (a warp reads 32 consecutive entries of a row: coalesced),
//                             the 8 states of a column are merged in shared memory and written
//                             as one partial state per (problem, chunk, column).
//   4. sk_col_merge_kernel    one thread per (problem, column): merges the chunk partials in
//                             order and updates g_j.
//   Problems whose flag `done` is set skip every kernel, so a batch whose problems converge at
//   different iterations stops each one at ITS iteration: the stop rule is applied on the
//   device at every iteration of the final stage, exactly as the CPU applies it (n_iter and the
//   returned potentials are the CPU's, up to rounding). The host only needs to know when every
//   problem is done, to stop launching: it reads a 4-byte counter of active problems back every
//   kCheckEvery iterations (a synchronization per iteration would dominate small problems).
//   After the last problem converges at most kCheckEvery - 1 further iterations are LAUNCHED,
//   but they find every problem done and change nothing.
//
// Final pass (always, with the target eps, on the returned potentials):
//   sk_row_kernel (final mode)  log S_i, the residual, the row's transport cost sum_j P_ij C_ij
//                               and, when asked, the plan row (written by the whole warp:
//                               coalesced).
//   sk_col_partial_kernel + sk_col_merge_kernel (final mode): c_j = sum_i P_ij.
//   sk_reduce_kernel            one block per problem: marginal error, transport cost, objective.
//
// Scaling form: the GPU runs the log domain only, whatever `method` asks (method_used = 0 for
// every problem). Estimate for an H100 (not measured): one pass reads the cost (8 or 4 bytes an
// entry at ~3 TB/s) and does one FP64 exp (~20-40 FP64 operations at ~30 TFLOP/s) per entry,
// about the same time, so the scaling form would gain well under 2x there; on GPUs with slow
// FP64 (consumer cards, 1/64 rate) the exp dominates and a scaling form would pay. Measure
// first (bench/bench_sinkhorn.py on a GPU machine).
//
// Point clouds: the same kernels with the cost functor PointCost (point_cost of x_i and y_j);
// memory O((n + m) d) besides the optional plan. Rows of x and y are read through the L1 cache
// (a warp's lanes read the same x_i: a broadcast); tiles of y are not staged in shared memory
// yet (a measured follow-up on a GPU machine).
//
// Launchers never allocate: outputs and the workspace (sinkhorn_workspace_bytes) come from the
// caller (CuPy in python/tradeoff/_gpu.py). Bad sizes or arguments raise std::invalid_argument
// before anything touches the device; CUDA errors raise std::runtime_error with
// cudaGetErrorString's text (see launchers.hpp).
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "launchers.hpp"
#include "tradeoff/config.hpp"
#include "tradeoff/sinkhorn_hd.hpp"

namespace tradeoff {
namespace cuda {

namespace {

namespace sk = ::tradeoff::sinkhorn;
using sk::LseState;

// Threads per block of the row kernel (8 warps = 8 rows per block), of the per-problem
// reductions and of the flat kernels.
constexpr int kRowThreads = 256;
constexpr int kReduceThreads = 256;
constexpr int kFlatThreads = 256;
// Column kernel blocks: kColTile consecutive columns x kColLanes row lanes.
constexpr int kColTile = 32;
constexpr int kColLanes = 8;
// Grid-stride loops instead of more blocks than this (x dimension), and gridDim.y's limit.
constexpr index_t kMaxBlocks = index_t(1) << 20;
constexpr index_t kMaxGridY = 65535;
// Column chunks: enough blocks to fill a large GPU, but at least kMinChunkRows rows per chunk.
constexpr index_t kColTargetBlocks = 2048;
constexpr index_t kMinChunkRows = 64;
// The host reads the count of active problems back every kCheckEvery iterations.
constexpr std::int64_t kCheckEvery = 10;
// Alignment of the regions carved out of the workspace.
constexpr index_t kAlign = 256;

constexpr unsigned kFullMask = 0xffffffffu;

// ---------------------------------------------------------------------------------------------
// Errors and argument checks.

[[noreturn]] void sk_fail(cudaError_t err, const char* what) {
  throw std::runtime_error(std::string("tradeoff CUDA: ") + what + " failed: " +
                           cudaGetErrorString(err) + " (" + cudaGetErrorName(err) + ")");
}

inline void sk_check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) sk_fail(err, what);
}

inline void sk_check_launch(const char* kernel) { sk_check(cudaGetLastError(), kernel); }

std::string sk_where(const char* fn) { return std::string("tradeoff._cuda.") + fn + ": "; }

void sk_require(const void* p, const char* name, const char* fn) {
  if (p == nullptr) throw std::invalid_argument(sk_where(fn) + name + " is a null pointer");
}

void sk_use_device(int device) {
  int count = 0;
  sk_check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
  if (device < 0 || device >= count) {
    throw std::invalid_argument("tradeoff CUDA: device " + std::to_string(device) +
                                " does not exist (" + std::to_string(count) + " visible)");
  }
  sk_check(cudaSetDevice(device), "cudaSetDevice");
}

// a * b, or -1 when it overflows int64 (both >= 0).
index_t mul_or_neg(index_t a, index_t b) {
  if (a < 0 || b < 0) return -1;
  if (a != 0 && b > std::numeric_limits<index_t>::max() / a) return -1;
  return a * b;
}

// Row chunks of the column kernels for an (n, m) problem: enough blocks to fill a large GPU
// with ONE problem, at least kMinChunkRows rows per chunk. A pure function of (n, m), not of the
// batch size: a problem gives the same bits alone or in a batch (and the workspace size
// depends on it).
index_t col_chunks(index_t n, index_t m) {
  const index_t tiles = std::max<index_t>(1, (m + kColTile - 1) / kColTile);
  const index_t wanted = (kColTargetBlocks + tiles - 1) / tiles;
  const index_t most = std::max<index_t>(1, (n + kMinChunkRows - 1) / kMinChunkRows);
  return std::max<index_t>(1, std::min(wanted, most));
}

// Problems with at most kFusedMaxEntries cost entries run the whole solve in ONE launch, one
// block per problem (sk_fused_kernel); larger ones run the four-launch iteration. The choice
// depends on (n, m) only, never on the batch size (same bits alone or in a batch).
// Tall problems (n > kFusedMaxRows) keep the four-launch path: the fused block walks its rows
// with 8 warps, one row at a time.
constexpr index_t kFusedMaxEntries = 16384;
constexpr index_t kFusedMaxRows = 1024;
bool use_fused(index_t n, index_t m) {
  const index_t entries = mul_or_neg(n, m);
  return entries >= 0 && entries <= kFusedMaxEntries && n <= kFusedMaxRows;
}

// Regions of the workspace, in bytes from its start (each kAlign-aligned).
struct Layout {
  index_t chunks = 1;
  index_t f_next = 0;   // double (B, n): candidate potentials; log S_i in the final pass
  index_t res = 0;      // double (B, n): per-row marginal residuals
  index_t rowcost = 0;  // double (B, n): sum_j P_ij C_ij (final pass)
  index_t colmass = 0;  // double (B, m): c_j = sum_i P_ij (final pass)
  index_t part = 0;     // LseState (B, chunks, m): column partial states
  index_t done = 0;     // int (B,): 1 once a problem has met the stop test
  index_t active = 0;   // int (1,): problems not done
  index_t stages = 0;   // double (n_stages,): the eps stages (read by the fused kernel)
  index_t total = 0;    // bytes; -1 when a size overflows
};

index_t align_up(index_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

Layout make_layout(index_t batch, index_t n, index_t m, index_t n_stages) {
  Layout l;
  l.chunks = col_chunks(n, m);
  const index_t bn = mul_or_neg(batch, n);
  const index_t bm = mul_or_neg(batch, m);
  // the column partial states serve the four-launch path only
  const index_t bcm = use_fused(n, m) ? 0 : mul_or_neg(mul_or_neg(batch, l.chunks), m);
  const index_t sizes[8] = {
      mul_or_neg(bn, 8), mul_or_neg(bn, 8), mul_or_neg(bn, 8), mul_or_neg(bm, 8),
      mul_or_neg(bcm, index_t(sizeof(LseState))), mul_or_neg(batch, 4), 4,
      mul_or_neg(n_stages, 8)};
  index_t* offsets[8] = {&l.f_next, &l.res,  &l.rowcost, &l.colmass,
                         &l.part,   &l.done, &l.active,  &l.stages};
  const index_t limit = std::numeric_limits<index_t>::max() / 4;
  index_t at = 0;
  for (int k = 0; k < 8; ++k) {
    if (sizes[k] < 0 || sizes[k] > limit || at > limit - sizes[k]) {
      l.total = -1;
      return l;
    }
    *offsets[k] = at;
    at = align_up(at + sizes[k]);
  }
  l.total = at;
  return l;
}

// What the fused kernel needs besides the arrays (eps points into the workspace).
struct SolveParams {
  const double* eps;
  std::int64_t n_stages, stage_iter, max_iter;
  double tol, tau_a, tau_b;
};

// The checks every launcher makes before touching the device.
void check_problem(std::int64_t batch, std::int64_t n, std::int64_t m, const double* eps_stages,
                   std::int64_t n_stages, double tau_a, double tau_b, std::int64_t max_iter,
                   double tol, std::int64_t stage_iter, const char* fn) {
  if (batch < 0 || n < 0 || m < 0) {
    throw std::invalid_argument(sk_where(fn) + "sizes must be >= 0; got batch=" +
                                std::to_string(batch) + ", n=" + std::to_string(n) +
                                ", m=" + std::to_string(m));
  }
  constexpr std::int64_t kMaxSide = std::numeric_limits<std::int32_t>::max();
  if (batch > kMaxSide || n > kMaxSide || m > kMaxSide) {
    throw std::invalid_argument(sk_where(fn) + "batch, n and m must be <= 2147483647; got batch=" +
                                std::to_string(batch) + ", n=" + std::to_string(n) +
                                ", m=" + std::to_string(m));
  }
  if (n_stages < 1 || eps_stages == nullptr) {
    throw std::invalid_argument(sk_where(fn) + "eps_stages must hold at least one value; got " +
                                std::to_string(n_stages));
  }
  for (std::int64_t s = 0; s < n_stages; ++s) {
    const double e = eps_stages[s];
    if (!(e > 0.0) || !std::isfinite(e)) {
      throw std::invalid_argument(sk_where(fn) + "eps_stages must be finite and > 0; entry " +
                                  std::to_string(s) + " is " + std::to_string(e));
    }
  }
  if (!(tau_a > 0.0) || !(tau_b > 0.0)) {
    throw std::invalid_argument(sk_where(fn) + "tau_a and tau_b must be > 0 (inf = hard); got " +
                                std::to_string(tau_a) + ", " + std::to_string(tau_b));
  }
  if (max_iter < 0 || stage_iter < 0) {
    throw std::invalid_argument(sk_where(fn) + "max_iter and stage_iter must be >= 0; got " +
                                std::to_string(max_iter) + ", " + std::to_string(stage_iter));
  }
  if (!(tol >= 0.0)) {
    throw std::invalid_argument(sk_where(fn) + "tol must be >= 0; got " + std::to_string(tol));
  }
}

// ---------------------------------------------------------------------------------------------
// Device helpers (GPU-specific: warp and block reductions; the arithmetic is sinkhorn_hd's).

// Cost of entry (i, j) of problem b: a dense (B, n, m) array of T.
template <class T>
struct DenseCost {
  const T* c;
  index_t n, m;
  __device__ double operator()(index_t b, index_t i, index_t j) const {
    return double(c[(b * n + i) * m + j]);
  }
};

// Cost computed on the fly from point clouds x (B, n, d) and y (B, m, d).
template <class T>
struct PointCost {
  const T* x;
  const T* y;
  index_t n, m;
  int d, metric;
  __device__ double operator()(index_t b, index_t i, index_t j) const {
    return sk::point_cost(x + (b * n + i) * d, index_t(1), y + (b * m + j) * d, index_t(1), d,
                          metric);
  }
};


__device__ inline LseState warp_merge(LseState s) {
  for (int off = 16; off > 0; off >>= 1) {
    LseState o;
    o.max = __shfl_xor_sync(kFullMask, s.max, off);
    o.sum = __shfl_xor_sync(kFullMask, s.sum, off);
    s = sk::lse_merge(s, o);
  }
  return s;
}

__device__ inline double warp_sum(double v) {
  for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(kFullMask, v, off);
  return v;
}

// Sum over the block (blockDim.x == kReduceThreads) in a fixed order; every thread gets it.
// `scratch` holds kReduceThreads / 32 doubles; every thread of the block must call this.
__device__ double block_sum(double v, double* scratch) {
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  v = warp_sum(v);
  __syncthreads();  // scratch is free (a previous call may still be reading it)
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  double total = 0.0;
  for (int w = 0; w < kReduceThreads / 32; ++w) total += scratch[w];
  return total;
}

// ---------------------------------------------------------------------------------------------
// Kernels.

// Every problem active, no iteration counted, active = batch.
__global__ void sk_init_kernel(index_t batch, int* __restrict__ done, int* __restrict__ active,
                               std::int64_t* __restrict__ n_iter,
                               std::uint8_t* __restrict__ method_used) {
  const index_t stride = index_t(gridDim.x) * blockDim.x;
  const index_t t0 = index_t(blockIdx.x) * blockDim.x + threadIdx.x;
  for (index_t b = t0; b < batch; b += stride) {
    done[b] = 0;
    n_iter[b] = 0;
    method_used[b] = 0;  // the GPU runs the log domain only
  }
  if (t0 == 0) *active = int(batch);
}

// One row half-step by one WARP (every lane calls this with the same (b, i)): log S_i over the
// row with lse_push, the lanes' states merged by shuffles. Returns the row's residual on every
// lane; lane 0 writes out_f (iteration: the candidate fn_i; final: log S_i). Final mode
// (rowcost != nullptr) also gives sum_j P_ij C_ij (lane 0 writes *rowcost) and writes the plan
// row when prow != nullptr (consecutive lanes, consecutive entries: coalesced).
template <class Cost, class T>
__device__ double row_pass(const Cost& cost, const double* __restrict__ a,
                           const double* __restrict__ bw, const double* f, const double* g,
                           index_t b, index_t i, index_t n, index_t m, double eps, double lam,
                           double tau, double* out_f, double* rowcost, T* prow) {
  const int lane = threadIdx.x & 31;
  const index_t w = b * n + i;
  const double inv_eps = 1.0 / eps;
  const double fi = f[w];
  const double ai = a[w];
  const double* gb = g + b * m;
  const double* bb = bw + b * m;
  LseState s = sk::lse_empty();
  double pc = 0.0;  // sum_j P_ij C_ij (final mode)
  if (rowcost == nullptr) {
    for (index_t j = lane; j < m; j += 32) {
      sk::lse_push(s, sk::exponent(fi, gb[j], cost(b, i, j), inv_eps), bb[j]);
    }
  } else {
    for (index_t j = lane; j < m; j += 32) {
      const double c = cost(b, i, j);
      const double x = sk::exponent(fi, gb[j], c, inv_eps);
      sk::lse_push(s, x, bb[j]);
      const double p = sk::plan_entry(ai, bb[j], x);
      if (p != 0.0) pc += p * c;  // p != 0 only where c is finite
      if (prow != nullptr) prow[j] = T(p);
    }
    pc = warp_sum(pc);
  }
  s = warp_merge(s);  // every lane holds the same merged state
  const double log_s = sk::lse_value(s);
  const double fn = sk::updated_potential(fi, log_s, lam, eps);
  const double r = sk::marginal_residual(ai, log_s, fn, tau);
  if (lane == 0) {
    *out_f = rowcost == nullptr ? fn : log_s;
    if (rowcost != nullptr) *rowcost = pc;
  }
  return r;
}

// Row half-step, one warp per (problem, row); rows of done problems are skipped.
// Iteration mode (rowcost == nullptr): f_next = fn, res = residual. Final mode: f_next =
// log S_i, res = residual, rowcost = sum_j P_ij C_ij, and the plan when plan != nullptr.
template <class Cost, class T>
__global__ void __launch_bounds__(kRowThreads)
    sk_row_kernel(Cost cost, const double* __restrict__ a, const double* __restrict__ bw,
                  const double* __restrict__ f, const double* __restrict__ g, index_t batch,
                  index_t n, index_t m, double eps, double lam, double tau,
                  const int* __restrict__ done, double* __restrict__ f_next,
                  double* __restrict__ res, double* __restrict__ rowcost, T* __restrict__ plan) {
  const index_t warps = kRowThreads / 32;
  const index_t total = batch * n;
  const index_t stride = index_t(gridDim.x) * warps;
  for (index_t w = index_t(blockIdx.x) * warps + (threadIdx.x >> 5); w < total; w += stride) {
    const index_t b = w / n;
    const index_t i = w - b * n;
    if (done != nullptr && done[b] != 0) continue;  // warp-uniform
    const double r = row_pass<Cost, T>(
        cost, a, bw, f, g, b, i, n, m, eps, lam, tau, f_next + w,
        rowcost == nullptr ? nullptr : rowcost + w, plan == nullptr ? nullptr : plan + w * m);
    if ((threadIdx.x & 31) == 0) res[w] = r;
  }
}

// After the row half-step, one block per problem: err = sum of the residuals (fixed order);
// in the final stage (test != 0) with tol > 0, a problem with err <= tol is done (f stays, f_next is
// dropped); otherwise f = f_next and the iteration is counted (the column step follows).
__global__ void __launch_bounds__(kReduceThreads)
    sk_decide_kernel(index_t batch, index_t n, const double* __restrict__ res,
                     const double* __restrict__ f_next, double* __restrict__ f, double tol,
                     int test, int* __restrict__ done, int* __restrict__ active,
                     std::int64_t* __restrict__ n_iter) {
  __shared__ double scratch[kReduceThreads / 32];
  __shared__ int stop;
  for (index_t b = blockIdx.x; b < batch; b += gridDim.x) {
    if (done[b] != 0) continue;  // block-uniform
    double part = 0.0;
    for (index_t i = threadIdx.x; i < n; i += kReduceThreads) part += res[b * n + i];
    const double err = block_sum(part, scratch);
    if (threadIdx.x == 0) stop = (test != 0 && tol > 0.0 && err <= tol) ? 1 : 0;
    __syncthreads();
    if (stop != 0) {
      if (threadIdx.x == 0) {
        done[b] = 1;
        atomicSub(active, 1);
      }
    } else {
      for (index_t i = threadIdx.x; i < n; i += kReduceThreads) f[b * n + i] = f_next[b * n + i];
      if (threadIdx.x == 0) n_iter[b] += 1;
    }
    __syncthreads();  // `stop` is rewritten for the next problem
  }
}

// Column partial states: block (kColTile, kColLanes) over columns tile * kColTile + tx and the
// rows of chunk `chunk`; part[b, chunk, j] = lse over those rows of a_i exp(x_ij).
template <class Cost>
__global__ void __launch_bounds__(kColTile* kColLanes)
    sk_col_partial_kernel(Cost cost, const double* __restrict__ a,
                          const double* __restrict__ f, const double* __restrict__ g,
                          index_t batch, index_t n, index_t m, index_t chunks,
                          index_t chunk_rows, double eps, const int* __restrict__ done,
                          LseState* __restrict__ part) {
  __shared__ LseState states[kColLanes][kColTile];
  const index_t tile = blockIdx.x / chunks;
  const index_t chunk = blockIdx.x - tile * chunks;
  const int tx = threadIdx.x;
  const int ty = threadIdx.y;
  const index_t j = tile * kColTile + tx;
  const index_t r0 = chunk * chunk_rows;
  const index_t r1 = r0 + chunk_rows < n ? r0 + chunk_rows : n;
  const double inv_eps = 1.0 / eps;
  for (index_t b = blockIdx.y; b < batch; b += gridDim.y) {
    if (done != nullptr && done[b] != 0) continue;  // block-uniform
    LseState s = sk::lse_empty();
    if (j < m) {
      const double gj = g[b * m + j];
      for (index_t i = r0 + ty; i < r1; i += kColLanes) {
        sk::lse_push(s, sk::exponent(f[b * n + i], gj, cost(b, i, j), inv_eps), a[b * n + i]);
      }
    }
    states[ty][tx] = s;
    __syncthreads();
    if (ty == 0 && j < m) {
      for (int k = 1; k < kColLanes; ++k) s = sk::lse_merge(s, states[k][tx]);
      part[(b * chunks + chunk) * m + j] = s;
    }
    __syncthreads();  // states is rewritten for the next problem
  }
}

// Column merge, one thread per (problem, column): log T_j from the chunk partials (in order).
// Iteration mode (colmass == nullptr): g_j = updated_potential(g_j, log T_j); done problems are
// skipped. Final mode: colmass_j = c_j = b_j T_j.
__global__ void __launch_bounds__(kFlatThreads)
    sk_col_merge_kernel(const LseState* __restrict__ part, const double* __restrict__ bw,
                        index_t batch, index_t m, index_t chunks, double eps, double lam,
                        const int* __restrict__ done, double* __restrict__ g,
                        double* __restrict__ colmass) {
  const index_t total = batch * m;
  const index_t stride = index_t(gridDim.x) * blockDim.x;
  for (index_t idx = index_t(blockIdx.x) * blockDim.x + threadIdx.x; idx < total;
       idx += stride) {
    const index_t b = idx / m;
    const index_t j = idx - b * m;
    if (done != nullptr && done[b] != 0) continue;
    LseState s = sk::lse_empty();
    for (index_t r = 0; r < chunks; ++r) s = sk::lse_merge(s, part[(b * chunks + r) * m + j]);
    const double log_t = sk::lse_value(s);
    if (colmass == nullptr) {
      g[idx] = sk::updated_potential(g[idx], log_t, lam, eps);
    } else {
      colmass[idx] = bw[idx] > 0.0 ? bw[idx] * exp(log_t) : 0.0;
    }
  }
}

// Final reduction of problem b by one block (every thread calls this): marginal error,
// transport cost and objective
//   sum_i r_i f_i + sum_j c_j g_j - eps sum_ij P_ij + eps (sum a)(sum b)
//   + [tau_a < inf] tau_a KL(r | a) + [tau_b < inf] tau_b KL(c | b),
// with r_i = a_i S_i = a_i exp(log S_i) and c_j from the column pass. Terms of zero mass add
// nothing (no 0 * inf for a potential left infinite by an empty row or column).
__device__ void reduce_problem(index_t b, index_t n, index_t m, const double* __restrict__ a,
                               const double* __restrict__ bw, const double* f, const double* g,
                               const double* log_s, const double* res, const double* rowcost,
                               const double* colmass, double eps, double tau_a, double tau_b,
                               double* __restrict__ cost_out, double* __restrict__ objective,
                               double* __restrict__ err, double* scratch) {
  double e = 0.0, tc = 0.0, mass = 0.0, rf = 0.0, kla = 0.0, sa = 0.0;
  for (index_t i = threadIdx.x; i < n; i += kReduceThreads) {
    const index_t k = b * n + i;
    const double ai = a[k];
    const double r = ai > 0.0 ? ai * exp(log_s[k]) : 0.0;
    e += res[k];
    tc += rowcost[k];
    mass += r;
    if (r > 0.0) rf += r * f[k];
    if (tau_a != HUGE_VAL) kla += sk::kl_term(r, ai);
    sa += ai;
  }
  double cg = 0.0, klb = 0.0, sb = 0.0;
  for (index_t j = threadIdx.x; j < m; j += kReduceThreads) {
    const index_t k = b * m + j;
    const double c = colmass[k];
    if (c > 0.0) cg += c * g[k];
    if (tau_b != HUGE_VAL) klb += sk::kl_term(c, bw[k]);
    sb += bw[k];
  }
  e = block_sum(e, scratch);
  tc = block_sum(tc, scratch);
  mass = block_sum(mass, scratch);
  rf = block_sum(rf, scratch);
  kla = block_sum(kla, scratch);
  sa = block_sum(sa, scratch);
  cg = block_sum(cg, scratch);
  klb = block_sum(klb, scratch);
  sb = block_sum(sb, scratch);
  if (threadIdx.x == 0) {
    double obj = rf + cg - eps * mass + eps * sa * sb;
    if (tau_a != HUGE_VAL) obj += tau_a * kla;
    if (tau_b != HUGE_VAL) obj += tau_b * klb;
    err[b] = e;
    cost_out[b] = tc;
    objective[b] = obj;
  }
}

__global__ void __launch_bounds__(kReduceThreads)
    sk_reduce_kernel(index_t batch, index_t n, index_t m, const double* __restrict__ a,
                     const double* __restrict__ bw, const double* __restrict__ f,
                     const double* __restrict__ g, const double* __restrict__ log_s,
                     const double* __restrict__ res, const double* __restrict__ rowcost,
                     const double* __restrict__ colmass, double eps, double tau_a,
                     double tau_b, double* __restrict__ cost_out,
                     double* __restrict__ objective, double* __restrict__ err) {
  __shared__ double scratch[kReduceThreads / 32];
  for (index_t b = blockIdx.x; b < batch; b += gridDim.x) {
    reduce_problem(b, n, m, a, bw, f, g, log_s, res, rowcost, colmass, eps, tau_a, tau_b,
                   cost_out, objective, err, scratch);
  }
}

// ---------------------------------------------------------------------------------------------
// The fused solver for SMALL problems (use_fused): one block of
// kReduceThreads threads per problem runs every stage, the stop test and the final pass in ONE
// launch, with __syncthreads between the half-steps instead of kernel boundaries (a batch of
// 1000 problems of 32 x 32 is one launch, not four per iteration). Same bodies, same order of
// operations per row as the four-launch path (row_pass; the residuals summed per warp, then
// over the warps); the columns in tiles of 32 columns x 8 row lanes (no row chunks).
// f, g and the workspace rows are written and read again inside this one kernel: they are
// never `const __restrict__` on the way (that would allow loads through the non-coherent
// read-only cache, which may return values from before a write of the same launch).

// Column half-step of problem b by the whole block (kReduceThreads = kColTile x kColLanes
// threads): tiles of kColTile columns, thread (tx, ty) streams column tile + tx over rows ty,
// ty + kColLanes, ... (a warp reads kColTile consecutive entries of a row), the kColLanes
// states of a column merged in order in shared memory. Iteration mode (colmass == nullptr):
// g_j = updated_potential(g_j, log T_j). Final mode: colmass_j = c_j = b_j T_j.
template <class Cost>
__device__ void fused_columns(const Cost& cost, const double* __restrict__ a,
                              const double* __restrict__ bw, const double* f, double* g,
                              index_t b, index_t n, index_t m, double eps, double lam,
                              double* colmass, LseState (*states)[kColTile]) {
  static_assert(kColTile * kColLanes == kReduceThreads, "one column tile per block");
  const int tx = threadIdx.x % kColTile;
  const int ty = threadIdx.x / kColTile;
  const double inv_eps = 1.0 / eps;
  for (index_t j0 = 0; j0 < m; j0 += kColTile) {
    const index_t j = j0 + tx;
    LseState s = sk::lse_empty();
    if (j < m) {
      const double gj = g[b * m + j];
      for (index_t i = ty; i < n; i += kColLanes) {
        sk::lse_push(s, sk::exponent(f[b * n + i], gj, cost(b, i, j), inv_eps), a[b * n + i]);
      }
    }
    states[ty][tx] = s;
    __syncthreads();
    if (ty == 0 && j < m) {
      for (int k = 1; k < kColLanes; ++k) s = sk::lse_merge(s, states[k][tx]);
      const index_t k = b * m + j;
      const double log_t = sk::lse_value(s);
      if (colmass == nullptr) {
        g[k] = sk::updated_potential(g[k], log_t, lam, eps);
      } else {
        colmass[k] = bw[k] > 0.0 ? bw[k] * exp(log_t) : 0.0;
      }
    }
    __syncthreads();  // states is rewritten by the next tile; g_j is read by the next rows
  }
}

// Row half-step of problem b by the whole block; returns err on every thread. Final mode as in
// row_pass (out_f = log S_i, rowcost and the plan).
template <class Cost, class T>
__device__ double fused_rows(const Cost& cost, const double* __restrict__ a,
                             const double* __restrict__ bw, const double* f, const double* g,
                             index_t b, index_t n, index_t m, double eps, double lam,
                             double tau, double* out_f, double* res, double* rowcost, T* plan,
                             double* scratch) {
  const int warp = threadIdx.x >> 5;
  double part = 0.0;  // this warp's rows, in order (meaningful on every lane)
  for (index_t i = warp; i < n; i += kReduceThreads / 32) {
    const index_t w = b * n + i;
    const double r = row_pass<Cost, T>(cost, a, bw, f, g, b, i, n, m, eps, lam, tau, out_f + w,
                                       rowcost == nullptr ? nullptr : rowcost + w,
                                       plan == nullptr ? nullptr : plan + w * m);
    if (res != nullptr && (threadIdx.x & 31) == 0) res[w] = r;
    part += r;
  }
  // block_sum would add the 32 lanes' copies: keep lane 0's only
  return block_sum((threadIdx.x & 31) == 0 ? part : 0.0, scratch);
}

template <class Cost, class T>
__global__ void __launch_bounds__(kReduceThreads)
    sk_fused_kernel(Cost cost, const double* __restrict__ a, const double* __restrict__ bw,
                    const double* __restrict__ f0, const double* __restrict__ g0,
                    index_t batch, index_t n, index_t m, SolveParams prm, T* __restrict__ plan,
                    double* f, double* g, double* f_next, double* res, double* rowcost,
                    double* colmass, double* __restrict__ cost_out, double* __restrict__ objective,
                    double* __restrict__ err, std::int64_t* __restrict__ n_iter,
                    std::uint8_t* __restrict__ method_used) {
  __shared__ double scratch[kReduceThreads / 32];
  __shared__ LseState states[kColLanes][kColTile];
  for (index_t b = blockIdx.x; b < batch; b += gridDim.x) {
    for (index_t i = threadIdx.x; i < n; i += kReduceThreads) f[b * n + i] = f0[b * n + i];
    for (index_t j = threadIdx.x; j < m; j += kReduceThreads) g[b * m + j] = g0[b * m + j];
    __syncthreads();
    std::int64_t it = 0;
    // One iteration at eps e; false (nothing changed) when the stop test holds.
    auto iterate = [&](double e, bool test) {
      const double lam_a = sk::damping(prm.tau_a, e);
      const double lam_b = sk::damping(prm.tau_b, e);
      const double e_err = fused_rows<Cost, T>(cost, a, bw, f, g, b, n, m, e, lam_a,
                                               prm.tau_a, f_next, nullptr, nullptr, nullptr,
                                               scratch);
      // uniform: every thread has the same err; tol = 0 never stops early
      if (test && prm.tol > 0.0 && e_err <= prm.tol) return false;
      for (index_t i = threadIdx.x; i < n; i += kReduceThreads) f[b * n + i] = f_next[b * n + i];
      __syncthreads();
      fused_columns(cost, a, bw, f, g, b, n, m, e, lam_b, nullptr, states);
      ++it;
      return true;
    };
    for (std::int64_t st = 0; st + 1 < prm.n_stages; ++st) {
      for (std::int64_t k = 0; k < prm.stage_iter; ++k) iterate(prm.eps[st], false);
    }
    const double eps = prm.eps[prm.n_stages - 1];
    for (std::int64_t k = 0; k < prm.max_iter; ++k) {
      if (!iterate(eps, true)) break;
    }
    // Final pass on the returned potentials.
    const double lam_a = sk::damping(prm.tau_a, eps);
    fused_rows<Cost, T>(cost, a, bw, f, g, b, n, m, eps, lam_a, prm.tau_a, f_next, res,
                        rowcost, plan, scratch);
    fused_columns(cost, a, bw, f, g, b, n, m, eps, 1.0, colmass, states);
    reduce_problem(b, n, m, a, bw, f, g, f_next, res, rowcost, colmass, eps, prm.tau_a,
                   prm.tau_b, cost_out, objective, err, scratch);
    if (threadIdx.x == 0) {
      n_iter[b] = it;
      method_used[b] = 0;
    }
    __syncthreads();  // the next problem of this block reuses scratch
  }
}

// ---------------------------------------------------------------------------------------------
// The host driver shared by the dense and the point launchers.

struct Outputs {
  double* f;
  double* g;
  double* cost;
  double* objective;
  double* err;
  std::int64_t* n_iter;
  std::uint8_t* method_used;
};

template <class T, class Cost>
void solve(const Cost& cost, const double* a, const double* b, const double* f0,
           const double* g0, const double* eps_stages, std::int64_t n_stages, double tau_a,
           double tau_b, std::int64_t max_iter, double tol, std::int64_t stage_iter,
           std::int64_t batch, std::int64_t n, std::int64_t m, T* plan, const Outputs& out,
           void* workspace, std::int64_t workspace_bytes, std::uintptr_t stream, int device,
           const char* fn) {
  const Layout l = make_layout(batch, n, m, n_stages);
  if (l.total < 0) {
    throw std::invalid_argument(sk_where(fn) + "the workspace size overflows int64 (batch=" +
                                std::to_string(batch) + ", n=" + std::to_string(n) +
                                ", m=" + std::to_string(m) + ")");
  }
  if (batch == 0 || n == 0 || m == 0) return;  // the Python layer handles empty problems
  if (workspace_bytes < l.total) {
    throw std::invalid_argument(sk_where(fn) + "workspace holds " +
                                std::to_string(workspace_bytes) + " bytes; this launch needs " +
                                std::to_string(l.total) +
                                " (sinkhorn_workspace_bytes(batch, n, m, n_stages))");
  }
  sk_require(workspace, "workspace", fn);
  sk_require(a, "a", fn);
  sk_require(b, "b", fn);
  sk_require(f0, "f0", fn);
  sk_require(g0, "g0", fn);
  sk_require(out.f, "f", fn);
  sk_require(out.g, "g", fn);
  sk_require(out.cost, "cost_out", fn);
  sk_require(out.objective, "objective", fn);
  sk_require(out.err, "err", fn);
  sk_require(out.n_iter, "n_iter", fn);
  sk_require(out.method_used, "method_used", fn);
  sk_use_device(device);
  const cudaStream_t s = reinterpret_cast<cudaStream_t>(stream);

  char* ws = static_cast<char*>(workspace);
  double* f_next = reinterpret_cast<double*>(ws + l.f_next);
  double* res = reinterpret_cast<double*>(ws + l.res);
  double* rowcost = reinterpret_cast<double*>(ws + l.rowcost);
  double* colmass = reinterpret_cast<double*>(ws + l.colmass);
  LseState* part = reinterpret_cast<LseState*>(ws + l.part);
  int* done = reinterpret_cast<int*>(ws + l.done);
  int* active = reinterpret_cast<int*>(ws + l.active);

  const index_t bn = batch * n;
  const index_t bm = batch * m;

  if (use_fused(n, m)) {  // small problems: the whole solve in one launch, nothing read back
    double* stages = reinterpret_cast<double*>(ws + l.stages);
    // From pageable memory: returns once the values are staged (eps_stages may then go).
    sk_check(cudaMemcpyAsync(stages, eps_stages, size_t(n_stages) * sizeof(double),
                             cudaMemcpyHostToDevice, s),
             "cudaMemcpyAsync(eps_stages)");
    const SolveParams prm{stages, n_stages, stage_iter, max_iter, tol, tau_a, tau_b};
    sk_fused_kernel<Cost, T><<<dim3(unsigned(std::min<index_t>(batch, kMaxBlocks))),
                               kReduceThreads, 0, s>>>(
        cost, a, b, f0, g0, batch, n, m, prm, plan, out.f, out.g, f_next, res, rowcost, colmass,
        out.cost, out.objective, out.err, out.n_iter, out.method_used);
    sk_check_launch("sk_fused_kernel");
    return;
  }

  sk_check(cudaMemcpyAsync(out.f, f0, size_t(bn) * sizeof(double), cudaMemcpyDeviceToDevice, s),
           "cudaMemcpyAsync(f0)");
  sk_check(cudaMemcpyAsync(out.g, g0, size_t(bm) * sizeof(double), cudaMemcpyDeviceToDevice, s),
           "cudaMemcpyAsync(g0)");
  const dim3 flat_b(unsigned(std::min((batch + kFlatThreads - 1) / kFlatThreads, kMaxBlocks)));
  sk_init_kernel<<<flat_b, kFlatThreads, 0, s>>>(batch, done, active, out.n_iter,
                                                 out.method_used);
  sk_check_launch("sk_init_kernel");

  // Launch geometry (host logic kept trivial: block counts from the sizes).
  const index_t warps = kRowThreads / 32;
  const dim3 row_grid(unsigned(std::min((bn + warps - 1) / warps, kMaxBlocks)));
  const dim3 per_problem(unsigned(std::min<index_t>(batch, kMaxBlocks)));
  const index_t tiles = (m + kColTile - 1) / kColTile;
  const index_t chunk_rows = (n + l.chunks - 1) / l.chunks;
  const dim3 col_grid(unsigned(tiles * l.chunks), unsigned(std::min(batch, kMaxGridY)));
  const dim3 col_block(kColTile, kColLanes);
  const dim3 merge_grid(unsigned(std::min((bm + kFlatThreads - 1) / kFlatThreads, kMaxBlocks)));

  auto iterate = [&](double e, bool test) {
    const double lam_a = sk::damping(tau_a, e);
    const double lam_b = sk::damping(tau_b, e);
    sk_row_kernel<Cost, T><<<row_grid, kRowThreads, 0, s>>>(
        cost, a, b, out.f, out.g, batch, n, m, e, lam_a, tau_a, done, f_next, res, nullptr,
        nullptr);
    sk_check_launch("sk_row_kernel");
    sk_decide_kernel<<<per_problem, kReduceThreads, 0, s>>>(batch, n, res, f_next, out.f, tol,
                                                            test ? 1 : 0, done, active,
                                                            out.n_iter);
    sk_check_launch("sk_decide_kernel");
    sk_col_partial_kernel<Cost><<<col_grid, col_block, 0, s>>>(
        cost, a, out.f, out.g, batch, n, m, l.chunks, chunk_rows, e, done, part);
    sk_check_launch("sk_col_partial_kernel");
    sk_col_merge_kernel<<<merge_grid, kFlatThreads, 0, s>>>(part, b, batch, m, l.chunks, e,
                                                            lam_b, done, out.g, nullptr);
    sk_check_launch("sk_col_merge_kernel");
  };

  for (std::int64_t st = 0; st + 1 < n_stages; ++st) {
    for (std::int64_t k = 0; k < stage_iter; ++k) iterate(eps_stages[st], false);
  }
  const double eps = eps_stages[n_stages - 1];
  for (std::int64_t k = 0; k < max_iter; ++k) {
    iterate(eps, true);
    if ((k + 1) % kCheckEvery == 0 && k + 1 < max_iter) {
      int host_active = 0;
      sk_check(cudaMemcpyAsync(&host_active, active, sizeof(int), cudaMemcpyDeviceToHost, s),
               "cudaMemcpyAsync(active)");
      sk_check(cudaStreamSynchronize(s), "cudaStreamSynchronize");
      if (host_active <= 0) break;
    }
  }

  // Final pass on the returned potentials, target eps, every problem.
  const double lam_a = sk::damping(tau_a, eps);
  sk_row_kernel<Cost, T><<<row_grid, kRowThreads, 0, s>>>(
      cost, a, b, out.f, out.g, batch, n, m, eps, lam_a, tau_a, nullptr, f_next, res, rowcost,
      plan);
  sk_check_launch("sk_row_kernel(final)");
  sk_col_partial_kernel<Cost><<<col_grid, col_block, 0, s>>>(
      cost, a, out.f, out.g, batch, n, m, l.chunks, chunk_rows, eps, nullptr, part);
  sk_check_launch("sk_col_partial_kernel(final)");
  sk_col_merge_kernel<<<merge_grid, kFlatThreads, 0, s>>>(part, b, batch, m, l.chunks, eps, 1.0,
                                                          nullptr, out.g, colmass);
  sk_check_launch("sk_col_merge_kernel(final)");
  sk_reduce_kernel<<<per_problem, kReduceThreads, 0, s>>>(
      batch, n, m, a, b, out.f, out.g, f_next, res, rowcost, colmass, eps, tau_a, tau_b,
      out.cost, out.objective, out.err);
  sk_check_launch("sk_reduce_kernel");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Host launchers (declared in launchers.hpp).

std::int64_t sinkhorn_workspace_bytes(std::int64_t batch, std::int64_t n, std::int64_t m,
                                      std::int64_t n_stages) {
  const char* fn = "sinkhorn_workspace_bytes";
  if (batch < 0 || n < 0 || m < 0 || n_stages < 0) {
    throw std::invalid_argument(sk_where(fn) + "sizes must be >= 0; got batch=" +
                                std::to_string(batch) + ", n=" + std::to_string(n) +
                                ", m=" + std::to_string(m) +
                                ", n_stages=" + std::to_string(n_stages));
  }
  const Layout l = make_layout(batch, n, m, n_stages);
  if (l.total < 0) {
    throw std::invalid_argument(sk_where(fn) + "the workspace size overflows int64 (batch=" +
                                std::to_string(batch) + ", n=" + std::to_string(n) +
                                ", m=" + std::to_string(m) + ")");
  }
  return l.total;
}

bool sinkhorn_fused(std::int64_t n, std::int64_t m) noexcept { return use_fused(n, m); }

std::int64_t sinkhorn_check_every() noexcept { return kCheckEvery; }

template <class T>
void sinkhorn_dense(const T* cost, const double* a, const double* b, const double* f0,
                    const double* g0, const double* eps_stages, std::int64_t n_stages,
                    double tau_a, double tau_b, std::int64_t max_iter, double tol,
                    std::int64_t stage_iter, std::int64_t batch, std::int64_t n, std::int64_t m,
                    T* plan, double* f, double* g, double* cost_out, double* objective,
                    double* err, std::int64_t* n_iter, std::uint8_t* method_used,
                    void* workspace, std::int64_t workspace_bytes, std::uintptr_t stream,
                    int device) {
  const char* fn = "sinkhorn_dense";
  check_problem(batch, n, m, eps_stages, n_stages, tau_a, tau_b, max_iter, tol, stage_iter, fn);
  if (mul_or_neg(mul_or_neg(batch, n), m) < 0) {
    throw std::invalid_argument(sk_where(fn) + "batch * n * m overflows int64");
  }
  if (batch > 0 && n > 0 && m > 0) sk_require(cost, "cost", fn);
  const DenseCost<T> c{cost, n, m};
  solve<T>(c, a, b, f0, g0, eps_stages, n_stages, tau_a, tau_b, max_iter, tol, stage_iter, batch,
           n, m, plan, Outputs{f, g, cost_out, objective, err, n_iter, method_used}, workspace,
           workspace_bytes, stream, device, fn);
}

template <class T>
void sinkhorn_points(const T* x, const T* y, const double* a, const double* b, const double* f0,
                     const double* g0, const double* eps_stages, std::int64_t n_stages,
                     double tau_a, double tau_b, std::int64_t max_iter, double tol,
                     std::int64_t metric, std::int64_t stage_iter, std::int64_t batch,
                     std::int64_t n, std::int64_t m, std::int64_t d, T* plan, double* f,
                     double* g, double* cost_out, double* objective, double* err,
                     std::int64_t* n_iter, std::uint8_t* method_used, void* workspace,
                     std::int64_t workspace_bytes, std::uintptr_t stream, int device) {
  const char* fn = "sinkhorn_points";
  check_problem(batch, n, m, eps_stages, n_stages, tau_a, tau_b, max_iter, tol, stage_iter, fn);
  if (d < 1 || d > std::numeric_limits<int>::max()) {
    throw std::invalid_argument(sk_where(fn) + "d must be in [1, 2147483647]; got " +
                                std::to_string(d));
  }
  if (metric != 0 && metric != 1) {
    throw std::invalid_argument(sk_where(fn) +
                                "metric must be 0 (sqeuclidean) or 1 (euclidean); got " +
                                std::to_string(metric));
  }
  if (mul_or_neg(mul_or_neg(batch, std::max(n, m)), d) < 0 ||
      (plan != nullptr && mul_or_neg(mul_or_neg(batch, n), m) < 0)) {
    throw std::invalid_argument(sk_where(fn) + "batch * max(n, m) * d or batch * n * m "
                                "overflows int64");
  }
  if (batch > 0 && n > 0 && m > 0) {
    sk_require(x, "x", fn);
    sk_require(y, "y", fn);
  }
  const PointCost<T> c{x, y, n, m, static_cast<int>(d), static_cast<int>(metric)};
  solve<T>(c, a, b, f0, g0, eps_stages, n_stages, tau_a, tau_b, max_iter, tol, stage_iter, batch,
           n, m, plan, Outputs{f, g, cost_out, objective, err, n_iter, method_used}, workspace,
           workspace_bytes, stream, device, fn);
}

#define TRADEOFF_SK_INSTANTIATE(T)                                                              \
  template void sinkhorn_dense<T>(const T*, const double*, const double*, const double*,       \
                                  const double*, const double*, std::int64_t, double, double,  \
                                  std::int64_t, double, std::int64_t, std::int64_t,            \
                                  std::int64_t, std::int64_t, T*, double*, double*, double*,   \
                                  double*, double*, std::int64_t*, std::uint8_t*, void*,       \
                                  std::int64_t, std::uintptr_t, int);                          \
  template void sinkhorn_points<T>(const T*, const T*, const double*, const double*,           \
                                   const double*, const double*, const double*, std::int64_t,  \
                                   double, double, std::int64_t, double, std::int64_t,         \
                                   std::int64_t, std::int64_t, std::int64_t, std::int64_t,     \
                                   std::int64_t, T*, double*, double*, double*, double*,       \
                                   double*, std::int64_t*, std::uint8_t*, void*, std::int64_t, \
                                   std::uintptr_t, int);

TRADEOFF_SK_INSTANTIATE(float)
TRADEOFF_SK_INSTANTIATE(double)

#undef TRADEOFF_SK_INSTANTIATE

}  // namespace cuda
}  // namespace tradeoff
