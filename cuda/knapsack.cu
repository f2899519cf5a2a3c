// cuda/knapsack.cu: the GPU driver of the knapsack family: the dense dynamic program over
// capacity cells for batches of 0/1, bounded and multiple-choice knapsacks.
//
// CPU twin: cpp/include/tradeoff/knapsack.hpp (a core algorithm, not this table). Shared bodies:
// cpp/include/tradeoff/knapsack_dense_hd.hpp (the plan passes, the cell updates, the record
// layout, the backtrack, the totals), host-tested in cpp/tests/test_knapsack_dense.cpp by a
// sequential driver that does what these kernels do. The readable specification of the
// results is python/tradeoff/_fallback/knapsack.py.
//
// TWO LAUNCHES per batch (python/tradeoff/_gpu.py drives them):
//   1. plan kernel (knap_plan_kernel / mckp_plan_kernel): ONE BLOCK PER INSTANCE
//      (kPlanThreads threads, grid-stride over the batch). The threads push the items (or
//      groups) into per-thread accumulators and the block merges them with a tree in shared
//      memory, three times (the passes of knapsack_dense_hd.hpp), then thread 0 writes the
//      instance's plan: code, scales, gcd, capacity in DP units, rows, record stride and table
//      bytes. Instances the GPU does not take (bad data, numbers too wide for int64 cells, a
//      table or work over the bounds) say so in the plan; the caller reads the plans back (a
//      few reductions), sizes the decision table, and sends those instances to the CPU kernel.
//   2. dense kernel (knap_dense_kernel / mckp_dense_kernel): ONE BLOCK PER INSTANCE
//      (grid-stride over a range [first, first + count) of the batch, so that the caller can
//      cut a batch into chunks whose tables fit its memory bound). Per instance:
//        * the DP row (cred + 1 int64 cells) is double-buffered in dynamic shared memory when
//          two rows of the largest instance fit (dense_shared_fits), else in a per-block region
//          of the workspace the caller passes (knapsack_workspace_bytes);
//        * 0/1 and bounded: every thread walks the items (the same decode of each item, a
//          broadcast read), each binary piece of a DP item is one row: thread 0 writes the
//          record header, warp w computes the cells of the bit words w, w + warps, ... (one
//          cell a lane) and the warp's __ballot_sync is the decision word; one barrier a row;
//        * MCKP: per group, threads o < k decode the options into shared memory, thread 0
//          shifts them by the lightest weight (m_shift_group), a group with some positive
//          reduced weight is one row (thread c % T computes cell c over the k options and
//          writes the option byte), a group without one is decided on the spot (m_pick_free);
//        * thread 0 walks the records back (knap_backtrack / mckp_backtrack: one table read
//          per row), then the block sums the totals of the solution (scaled int64, exact) and
//          thread 0 writes value, weight and status.
// The records of instance b start at table + offsets[b] - base (offsets: the exclusive prefix
// sum of the plans' table bytes, computed by the caller); an instance whose records would not
// fit the table it was given is left alone with status -1 (never through _gpu.py).
//
// Launchers never allocate: outputs, plans, offsets, the table and the workspace come from the
// caller (CuPy). Bad sizes or arguments raise std::invalid_argument before anything touches
// the device; CUDA errors raise std::runtime_error with cudaGetErrorString's text. Everything
// is asynchronous on `stream`.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "launchers.hpp"
#include "tradeoff/config.hpp"
#include "tradeoff/knapsack_dense_hd.hpp"

namespace tradeoff {
namespace cuda {

namespace {

namespace kd = ::tradeoff::knapd;
using kd::i64;

static_assert(kd::kPlanWidth == kKnapsackPlanWidth, "launchers.hpp and the bodies disagree");

// ---------------------------------------------------------------------------------------------
// Launch geometry and limits.

constexpr int kKnWarp = 32;
constexpr unsigned kKnFullMask = 0xffffffffu;
constexpr int kPlanThreads = 128;          // plan kernels (a power of two: tree reduction)
constexpr int kDenseMaxThreads = 1024;     // dense kernels, few instances
constexpr int kDenseBatchThreads = 256;    // dense kernels, many instances
constexpr i64 kDenseBatchCount = 512;      // "many"
constexpr i64 kKnMaxBlocks = i64(1) << 20; // grid-stride loops beyond this
constexpr i64 kKnGlobalBlocks = 1024;      // blocks of the global-row path at most
constexpr i64 kKnGlobalBytes = i64(1) << 30;  // their workspace at most
constexpr i64 kKnRegionAlign = 256;
// Static shared memory of the dense kernels and a margin, left out of the opt-in limit.
constexpr i64 kKnSharedReserve = 8 * 1024;
constexpr i64 kKnSharedDefault = 48 * 1024;  // dynamic shared memory without an opt-in
// The plan kernels' reduction slot (the largest accumulator).
constexpr int kRedSlot = 64;
static_assert(sizeof(kd::KScan1) <= kRedSlot && sizeof(kd::KScan2) <= kRedSlot &&
                  sizeof(kd::KScan3) <= kRedSlot && sizeof(kd::MScan1) <= kRedSlot &&
                  sizeof(kd::MScan2) <= kRedSlot,
              "plan accumulators must fit the reduction slot");

// ---------------------------------------------------------------------------------------------
// Block-level helpers.

// Tree reduction of one accumulator per thread (blockDim.x == kPlanThreads); every thread gets
// the result. Starts and ends with a barrier-safe state (the buffer is free on return).
template <class A>
__device__ A block_merge(A acc, unsigned char* buf) {
  A* s = reinterpret_cast<A*>(buf);
  const int t = static_cast<int>(threadIdx.x);
  s[t] = acc;
  __syncthreads();
  for (int h = kPlanThreads / 2; h > 0; h >>= 1) {
    if (t < h) {
      A x = s[t];
      kd::merge(x, s[t + h]);
      s[t] = x;
    }
    __syncthreads();
  }
  const A r = s[0];
  __syncthreads();
  return r;
}

// Sums a and b over the block; the result is valid on thread 0. slots: 2 * 32 int64 of shared
// memory. The caller puts a barrier between two uses.
__device__ void block_sum2(i64& a, i64& b, i64* slots) {
  for (int off = kKnWarp / 2; off > 0; off >>= 1) {
    a += __shfl_down_sync(kKnFullMask, a, off);
    b += __shfl_down_sync(kKnFullMask, b, off);
  }
  const int t = static_cast<int>(threadIdx.x);
  if ((t & (kKnWarp - 1)) == 0) {
    slots[2 * (t / kKnWarp)] = a;
    slots[2 * (t / kKnWarp) + 1] = b;
  }
  __syncthreads();
  if (t == 0) {
    a = 0;
    b = 0;
    const int warps = static_cast<int>(blockDim.x) / kKnWarp;
    for (int w = 0; w < warps; ++w) {
      a += slots[2 * w];
      b += slots[2 * w + 1];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Arguments.

template <class TV, class TW>
struct KnapIn {
  const TV* values;     // (batch, n)
  const TW* weights;    // (batch, n)
  const TW* capacity;   // (batch,)
  const i64* counts;    // (batch, n) or null (0/1)
  i64 batch, n;
};

template <class TV, class TW>
struct KnapOut {
  std::uint8_t* x01;  // (batch, n) when counts is null
  i64* xb;            // (batch, n) when counts is given
  TV* value;
  TW* weight;
  std::int8_t* status;
};

template <class TV, class TW>
struct MckpIn {
  const TV* values;         // (batch, g, k)
  const TW* weights;        // (batch, g, k)
  const std::uint8_t* mask; // (batch, g, k) or null
  const TW* budget;         // (batch,)
  i64 batch, g, k;
};

template <class TV, class TW>
struct MckpOut {
  i64* choice;  // (batch, g)
  TV* value;
  TW* weight;
  std::int8_t* status;
};

struct DenseCtl {
  const i64* plan;        // (batch, kPlanWidth)
  const i64* offsets;     // (batch,) table offsets (exclusive prefix sum of the table bytes)
  i64 base;               // offsets[first]: the table holds offsets [base, base + table_bytes)
  i64 first, count;       // the instances of this launch
  unsigned char* table;
  i64 table_bytes;
  i64 max_cells;          // cells of the largest instance: the size of one DP row buffer
  unsigned char* gws;     // null: rows in dynamic shared memory; else per-block regions
  i64 region;
};

// Whether the instance's records fit what the launch was given; `tab` = where they start
// (unused when the instance has no DP row).
__device__ bool instance_table(const DenseCtl& ctl, const kd::Plan& p, i64 b,
                               unsigned char*& tab) {
  tab = ctl.table;
  if (p.rows == 0) return true;
  const i64 off = ctl.offsets[b] - ctl.base;
  if (ctl.table == nullptr || off < 0 || off > ctl.table_bytes ||
      p.bytes > ctl.table_bytes - off || p.cred + 1 > ctl.max_cells || p.cred < 0) {
    return false;
  }
  tab = ctl.table + off;
  return true;
}

__device__ i64* row_buffer(const DenseCtl& ctl, unsigned char* smem) {
  unsigned char* base = ctl.gws == nullptr ? smem : ctl.gws + i64(blockIdx.x) * ctl.region;
  return reinterpret_cast<i64*>(base);
}

// ---------------------------------------------------------------------------------------------
// Plan kernels.

template <class TV, class TW>
__global__ void __launch_bounds__(kPlanThreads)
    knap_plan_kernel(KnapIn<TV, TW> in, i64 max_work, i64 max_bytes, i64* plan) {
  __shared__ __align__(16) unsigned char red[kPlanThreads * kRedSlot];
  const i64 t = threadIdx.x;
  const i64 n = in.n;
  for (i64 b = blockIdx.x; b < in.batch; b += gridDim.x) {
    const TV* v = in.values + b * n;
    const TW* w = in.weights + b * n;
    const i64* cnt = in.counts == nullptr ? nullptr : in.counts + b * n;
    const TW cap = in.capacity[b];
    kd::KScan1 s1 = kd::kscan1_empty();
    for (i64 j = t; j < n; j += kPlanThreads) {
      kd::kscan1_push(s1, v[j], w[j], cap, cnt == nullptr ? i64(1) : cnt[j]);
    }
    s1 = block_merge(s1, red);
    kd::Plan p{};
    kd::kscan1_finish(s1, cap, p);
    if (p.code == kd::kSolve) {
      kd::KScan2 s2 = kd::kscan2_empty();
      for (i64 j = t; j < n; j += kPlanThreads) {
        kd::kscan2_push(s2, v[j], w[j], cap, cnt == nullptr ? i64(1) : cnt[j], p);
      }
      s2 = block_merge(s2, red);
      kd::i128 base = 0;
      kd::kscan2_finish(s2, cap, p, base);
      if (p.code == kd::kSolve) {
        kd::KScan3 s3 = kd::kscan3_empty();
        for (i64 j = t; j < n; j += kPlanThreads) {
          kd::kscan3_push(s3, v[j], w[j], cap, cnt == nullptr ? i64(1) : cnt[j], p);
        }
        s3 = block_merge(s3, red);
        kd::kscan3_finish(s3, base, max_work, max_bytes, p);
      }
    }
    if (t == 0) kd::plan_store(p, plan + b * kd::kPlanWidth);
  }
}

template <class TV, class TW>
__global__ void __launch_bounds__(kPlanThreads)
    mckp_plan_kernel(MckpIn<TV, TW> in, i64 max_work, i64 max_bytes, i64* plan) {
  __shared__ __align__(16) unsigned char red[kPlanThreads * kRedSlot];
  const i64 t = threadIdx.x;
  const i64 g = in.g;
  const i64 k = in.k;
  for (i64 b = blockIdx.x; b < in.batch; b += gridDim.x) {
    const TW budget = in.budget[b];
    const i64 at = b * g * k;
    kd::MScan1 s1 = kd::mscan1_empty();
    for (i64 i = t; i < g; i += kPlanThreads) {
      kd::mscan1_group(s1, in.values + at + i * k, in.weights + at + i * k,
                       in.mask == nullptr ? nullptr : in.mask + at + i * k, k, budget);
    }
    s1 = block_merge(s1, red);
    kd::Plan p{};
    kd::mscan1_finish(s1, budget, p);
    if (p.code == kd::kSolve) {
      kd::MScan2 s2 = kd::mscan2_empty();
      for (i64 i = t; i < g; i += kPlanThreads) {
        kd::mscan2_group(s2, in.values + at + i * k, in.weights + at + i * k,
                         in.mask == nullptr ? nullptr : in.mask + at + i * k, k, budget, p);
      }
      s2 = block_merge(s2, red);
      kd::mscan2_finish(s2, budget, k, max_work, max_bytes, p);
    }
    if (t == 0) kd::plan_store(p, plan + b * kd::kPlanWidth);
  }
}

// ---------------------------------------------------------------------------------------------
// Dense kernels.

template <class TV, class TW>
__global__ void __launch_bounds__(kDenseMaxThreads)
    knap_dense_kernel(KnapIn<TV, TW> in, KnapOut<TV, TW> out, DenseCtl ctl) {
  extern __shared__ __align__(16) unsigned char kn_smem[];
  __shared__ i64 sums[2 * (kDenseMaxThreads / kKnWarp)];
  const i64 t = threadIdx.x;
  const i64 T = blockDim.x;
  const int lane = static_cast<int>(threadIdx.x) & (kKnWarp - 1);
  const i64 warp = t / kKnWarp;
  const i64 nwarps = T / kKnWarp;
  const i64 n = in.n;
  i64* const rows = row_buffer(ctl, kn_smem);
  for (i64 b = ctl.first + blockIdx.x; b < ctl.first + ctl.count; b += gridDim.x) {
    const kd::Plan p = kd::plan_load(ctl.plan + b * kd::kPlanWidth);
    if (p.code != kd::kSolve) continue;  // the CPU's (uniform over the block)
    unsigned char* tab = nullptr;
    if (!instance_table(ctl, p, b, tab)) {
      if (t == 0) out.status[b] = -1;
      continue;
    }
    const TV* v = in.values + b * n;
    const TW* w = in.weights + b * n;
    const i64* cnt = in.counts == nullptr ? nullptr : in.counts + b * n;
    const TW cap = in.capacity[b];
    std::uint8_t* x01 = out.x01 == nullptr ? nullptr : out.x01 + b * n;
    i64* xb = out.xb == nullptr ? nullptr : out.xb + b * n;

    for (i64 j = t; j < n; j += T) {
      const kd::KItem it = kd::k_item(v[j], w[j], cap, cnt == nullptr ? i64(1) : cnt[j], p);
      const i64 x0 = kd::k_initial_x(it);
      if (xb != nullptr) {
        xb[j] = x0;
      } else {
        x01[j] = static_cast<std::uint8_t>(x0);
      }
    }
    if (p.rows > 0) {
      const i64 cells = p.cred + 1;
      const i64 words = kd::knap_words(cells);
      i64* prev = rows;
      i64* next = rows + ctl.max_cells;
      for (i64 c = t; c < cells; c += T) prev[c] = 0;
      __syncthreads();
      i64 r = 0;
      for (i64 j = 0; j < n; ++j) {
        const kd::KItem it = kd::k_item(v[j], w[j], cap, cnt == nullptr ? i64(1) : cnt[j], p);
        if (it.kind != kd::kDp) continue;
        const int np = kd::piece_count(it.cnt);
        for (int q = 0; q < np; ++q) {
          const i64 m = kd::piece_mult(it.cnt, q);
          const i64 step = m * it.wred;
          const i64 gain = m * it.V;
          unsigned char* rec = tab + r * p.stride;
          if (t == 0) {
            *reinterpret_cast<kd::KRecord*>(rec) =
                kd::KRecord{step, static_cast<std::int32_t>(j), static_cast<std::int32_t>(m)};
          }
          std::uint32_t* bits = kd::knap_bits(rec);
          for (i64 word = warp; word < words; word += nwarps) {
            const i64 c = word * kKnWarp + lane;
            bool took = false;
            if (c < cells) {
              i64 o = 0;
              took = kd::knap_cell(prev, c, step, gain, o);
              next[c] = o;
            }
            const unsigned ballot = __ballot_sync(kKnFullMask, took);
            if (lane == 0) bits[word] = ballot;
          }
          __syncthreads();
          i64* tmp = prev;
          prev = next;
          next = tmp;
          ++r;
        }
      }
      if (t == 0) {
        if (xb != nullptr) {
          kd::knap_backtrack(tab, p.stride, p.rows, p.cred, xb);
        } else {
          kd::knap_backtrack(tab, p.stride, p.rows, p.cred, x01);
        }
      }
    }
    __syncthreads();  // x complete
    i64 vt = 0, wt = 0;
    for (i64 j = t; j < n; j += T) {
      const i64 xj = xb != nullptr ? xb[j] : i64(x01[j]);
      kd::k_item_totals(v[j], w[j], xj, p, vt, wt);
    }
    block_sum2(vt, wt, sums);
    if (t == 0) {
      out.value[b] = kd::Num<TV>::total(vt, static_cast<int>(p.sv));
      out.weight[b] = kd::Num<TW>::total(wt, static_cast<int>(p.sw));
      out.status[b] = 0;
    }
    __syncthreads();  // the rows, the sums and the records are free for the next instance
  }
}

template <class TV, class TW>
__global__ void __launch_bounds__(kDenseMaxThreads)
    mckp_dense_kernel(MckpIn<TV, TW> in, MckpOut<TV, TW> out, DenseCtl ctl) {
  extern __shared__ __align__(16) unsigned char mk_smem[];
  __shared__ i64 sums[2 * (kDenseMaxThreads / kKnWarp)];
  __shared__ i64 s_ow[kd::kMaxOptions];
  __shared__ i64 s_ov[kd::kMaxOptions];
  __shared__ int s_row;
  const i64 t = threadIdx.x;
  const i64 T = blockDim.x;
  const i64 g = in.g;
  const i64 k = in.k;
  i64* const rows = row_buffer(ctl, mk_smem);
  for (i64 b = ctl.first + blockIdx.x; b < ctl.first + ctl.count; b += gridDim.x) {
    const kd::Plan p = kd::plan_load(ctl.plan + b * kd::kPlanWidth);
    i64* const choice = out.choice + b * g;
    if (p.code == kd::kInfeasible) {  // the fallback's answer: -1 everywhere, zero totals
      for (i64 i = t; i < g; i += T) choice[i] = -1;
      if (t == 0) {
        out.value[b] = TV(0);
        out.weight[b] = TW(0);
        out.status[b] = 2;
      }
      continue;
    }
    if (p.code != kd::kSolve) continue;
    unsigned char* tab = nullptr;
    if (!instance_table(ctl, p, b, tab) || k > kd::kMaxOptions) {
      if (t == 0) out.status[b] = -1;
      continue;
    }
    const TW budget = in.budget[b];
    const i64 at = b * g * k;
    const i64 cells = p.cred + 1;
    i64* prev = rows;
    i64* next = rows + ctl.max_cells;
    if (p.rows > 0) {
      for (i64 c = t; c < cells; c += T) prev[c] = 0;
    }
    i64 r = 0;
    for (i64 i = 0; i < g; ++i) {
      for (i64 o = t; o < k; o += T) {
        const i64 e = at + i * k + o;
        i64 W = 0, V = 0;
        const bool ok = kd::m_option(in.values[e], in.weights[e],
                                     in.mask == nullptr || in.mask[e] != 0, budget, p, W, V);
        s_ow[o] = ok ? W : -1;
        s_ov[o] = V;
      }
      __syncthreads();
      if (t == 0) {
        kd::m_shift_group(s_ow, k, p.g);
        bool row = false;
        for (i64 o = 0; o < k; ++o) row = row || s_ow[o] > 0;
        s_row = row ? 1 : 0;
        if (!row) choice[i] = kd::m_pick_free(s_ow, s_ov, k);
      }
      __syncthreads();
      if (s_row != 0) {
        unsigned char* rec = tab + r * p.stride;
        if (t == 0) *reinterpret_cast<i64*>(rec) = i;
        i64* wred = kd::mckp_rec_wred(rec);
        for (i64 o = t; o < k; o += T) wred[o] = s_ow[o];
        unsigned char* ch = kd::mckp_rec_choice(rec, k);
        for (i64 c = t; c < cells; c += T) {
          i64 val = 0;
          const int o = kd::mckp_cell(prev, c, s_ow, s_ov, k, val);
          next[c] = val;
          ch[c] = static_cast<unsigned char>(o);
        }
        __syncthreads();
        i64* tmp = prev;
        prev = next;
        next = tmp;
        ++r;
      }
    }
    if (t == 0 && p.rows > 0) kd::mckp_backtrack(tab, p.stride, p.rows, p.cred, k, choice);
    __syncthreads();  // choice complete
    i64 vt = 0, wt = 0;
    for (i64 i = t; i < g; i += T) {
      const i64 e = at + i * k + choice[i];
      kd::m_choice_totals(in.values[e], in.weights[e], p, vt, wt);
    }
    block_sum2(vt, wt, sums);
    if (t == 0) {
      out.value[b] = kd::Num<TV>::total(vt, static_cast<int>(p.sv));
      out.weight[b] = kd::Num<TW>::total(wt, static_cast<int>(p.sw));
      out.status[b] = 0;
    }
    __syncthreads();
  }
}

// ---------------------------------------------------------------------------------------------
// Host side.

[[noreturn]] void kn_fail(cudaError_t err, const char* what) {
  throw std::runtime_error(std::string("tradeoff CUDA: ") + what + " failed: " +
                           cudaGetErrorString(err) + " (" + cudaGetErrorName(err) + ")");
}

inline void kn_check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) kn_fail(err, what);
}

std::string kn_where(const char* fn) { return std::string("tradeoff._cuda.") + fn + ": "; }

void kn_require(const void* p, const char* name, const char* fn) {
  if (p == nullptr) throw std::invalid_argument(kn_where(fn) + name + " is a null pointer");
}

void kn_use_device(int device) {
  int count = 0;
  kn_check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
  if (device < 0 || device >= count) {
    throw std::invalid_argument("tradeoff CUDA: device " + std::to_string(device) +
                                " does not exist (" + std::to_string(count) + " visible)");
  }
  kn_check(cudaSetDevice(device), "cudaSetDevice");
}

// a * b, or -1 when it overflows int64 (both >= 0).
i64 kn_mul(i64 a, i64 b) {
  if (a < 0 || b < 0) return -1;
  if (a != 0 && b > std::numeric_limits<i64>::max() / a) return -1;
  return a * b;
}

// batch, and the sizes of one instance (n, or g and k), in range and with products in int64.
void kn_check_sizes(i64 batch, i64 n, i64 k, const char* fn) {
  constexpr i64 kMaxSide = std::numeric_limits<std::int32_t>::max();
  if (batch < 0 || n < 0 || k < 0 || n > kMaxSide || k > kMaxSide) {
    throw std::invalid_argument(kn_where(fn) + "sizes must be >= 0 and at most 2147483647 per "
                                "instance; got batch=" + std::to_string(batch) + ", n=" +
                                std::to_string(n) + ", k=" + std::to_string(k));
  }
  if (kn_mul(kn_mul(batch, n), k) < 0) {
    throw std::invalid_argument(kn_where(fn) + "the element count overflows int64");
  }
}

void kn_check_range(i64 batch, i64 first, i64 count, const char* fn) {
  if (first < 0 || count < 0 || first > batch || count > batch - first) {
    throw std::invalid_argument(kn_where(fn) + "instances [" + std::to_string(first) + ", " +
                                std::to_string(first) + " + " + std::to_string(count) +
                                ") are not inside the batch of " + std::to_string(batch));
  }
}

// Dynamic shared memory a dense block may use on `device` (the opt-in limit less the static
// shared memory of the kernels and a margin).
i64 dense_shared_limit(int device) {
  int optin = 0;
  if (cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device) !=
          cudaSuccess ||
      optin <= 0) {
    (void)cudaGetLastError();
    optin = static_cast<int>(kKnSharedDefault);
  }
  return std::max<i64>(0, i64(optin) - kKnSharedReserve);
}

i64 dense_row_bytes(i64 max_cells) { return 2 * 8 * max_cells; }

bool dense_shared_fits(i64 max_cells, int device) {
  return dense_row_bytes(max_cells) <= dense_shared_limit(device);
}

i64 dense_region(i64 max_cells) {
  return (dense_row_bytes(max_cells) + kKnRegionAlign - 1) / kKnRegionAlign * kKnRegionAlign;
}

i64 dense_global_blocks(i64 count, i64 max_cells) {
  const i64 by_bytes = std::max<i64>(1, kKnGlobalBytes / dense_region(max_cells));
  return std::min(std::min(count, kKnGlobalBlocks), by_bytes);
}

i64 workspace_need(i64 count, i64 max_cells, int device) {
  if (count <= 0 || max_cells <= 0 || dense_shared_fits(max_cells, device)) return 0;
  return dense_global_blocks(count, max_cells) * dense_region(max_cells);
}

void check_max_cells(i64 max_cells, const char* fn) {
  if (max_cells < 0 || max_cells > kd::kMaxCells) {
    throw std::invalid_argument(kn_where(fn) + "max_cells must be in [0, " +
                                std::to_string(kd::kMaxCells) + "]; got " +
                                std::to_string(max_cells));
  }
}

int dense_threads(i64 count, i64 max_cells) {
  const i64 cap = count >= kDenseBatchCount ? kDenseBatchThreads : kDenseMaxThreads;
  const i64 want = (std::max<i64>(max_cells, 1) + kKnWarp - 1) / kKnWarp * kKnWarp;
  return static_cast<int>(std::min(cap, want));
}

// Launch geometry of a dense launch: blocks, threads, dynamic shared bytes, region (0 when the
// rows live in shared memory). Checks the workspace; sets the shared-memory opt-in.
struct DenseGeom {
  i64 blocks;
  int threads;
  i64 smem;
  i64 region;
};

template <class Kernel>
DenseGeom dense_geometry(Kernel kernel, i64 count, i64 max_cells, void* workspace,
                         i64 workspace_bytes, int device, const char* fn) {
  DenseGeom gm{0, dense_threads(count, max_cells), 0, 0};
  const i64 need = workspace_need(count, max_cells, device);
  if (workspace_bytes < need) {
    throw std::invalid_argument(kn_where(fn) + "workspace holds " +
                                std::to_string(workspace_bytes) + " bytes; this launch needs " +
                                std::to_string(need) + " (knapsack_workspace_bytes)");
  }
  if (need > 0) {
    kn_require(workspace, "workspace", fn);
    gm.region = dense_region(max_cells);
    gm.blocks = need / gm.region;
  } else {
    gm.smem = dense_row_bytes(max_cells);
    gm.blocks = std::min(count, kKnMaxBlocks);
    if (gm.smem > kKnSharedDefault) {
      kn_check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    static_cast<int>(gm.smem)),
               "cudaFuncSetAttribute");
    }
  }
  return gm;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Host launchers (declared in launchers.hpp).

std::int64_t knapsack_workspace_bytes(std::int64_t count, std::int64_t max_cells, int device) {
  const char* fn = "knapsack_workspace_bytes";
  if (count < 0) throw std::invalid_argument(kn_where(fn) + "count must be >= 0");
  check_max_cells(max_cells, fn);
  kn_use_device(device);
  return workspace_need(count, max_cells, device);
}

std::int64_t knapsack_max_cells() noexcept { return kd::kMaxCells; }
std::int64_t knapsack_max_options() noexcept { return kd::kMaxOptions; }

template <class TV, class TW>
void knapsack_plan(const TV* values, const TW* weights, const TW* capacity,
                   const std::int64_t* counts, std::int64_t batch, std::int64_t n,
                   std::int64_t max_work, std::int64_t max_bytes, std::int64_t* plan,
                   std::uintptr_t stream, int device) {
  const char* fn = "knapsack_plan";
  kn_check_sizes(batch, n, 1, fn);
  if (batch == 0) return;
  if (n > 0) {
    kn_require(values, "values", fn);
    kn_require(weights, "weights", fn);
  }
  kn_require(capacity, "capacity", fn);
  kn_require(plan, "plan", fn);
  kn_use_device(device);
  const cudaStream_t s = reinterpret_cast<cudaStream_t>(stream);
  const KnapIn<TV, TW> in{values, weights, capacity, counts, batch, n};
  const i64 blocks = std::min(batch, kKnMaxBlocks);
  knap_plan_kernel<TV, TW><<<dim3(static_cast<unsigned>(blocks)), kPlanThreads, 0, s>>>(
      in, max_work, max_bytes, plan);
  kn_check(cudaGetLastError(), "knap_plan_kernel");
}

template <class TV, class TW>
void knapsack_dense(const TV* values, const TW* weights, const TW* capacity,
                    const std::int64_t* counts, std::int64_t batch, std::int64_t n,
                    const std::int64_t* plan, const std::int64_t* offsets, std::int64_t base,
                    std::int64_t first, std::int64_t count, std::int64_t max_cells, void* table,
                    std::int64_t table_bytes, std::uint8_t* x01, std::int64_t* xb, TV* value,
                    TW* weight, std::int8_t* status, void* workspace,
                    std::int64_t workspace_bytes, std::uintptr_t stream, int device) {
  const char* fn = "knapsack_dense";
  kn_check_sizes(batch, n, 1, fn);
  kn_check_range(batch, first, count, fn);
  check_max_cells(max_cells, fn);
  if (count == 0) return;
  if (n > 0) {
    kn_require(values, "values", fn);
    kn_require(weights, "weights", fn);
    kn_require(counts == nullptr ? static_cast<const void*>(x01) : xb, "x", fn);
  }
  kn_require(capacity, "capacity", fn);
  kn_require(plan, "plan", fn);
  kn_require(offsets, "offsets", fn);
  kn_require(value, "value", fn);
  kn_require(weight, "weight", fn);
  kn_require(status, "status", fn);
  if (table_bytes < 0) throw std::invalid_argument(kn_where(fn) + "table_bytes must be >= 0");
  kn_use_device(device);
  const DenseGeom gm = dense_geometry(knap_dense_kernel<TV, TW>, count, max_cells, workspace,
                                      workspace_bytes, device, fn);
  const cudaStream_t s = reinterpret_cast<cudaStream_t>(stream);
  const KnapIn<TV, TW> in{values, weights, capacity, counts, batch, n};
  const KnapOut<TV, TW> out{counts == nullptr ? x01 : nullptr, counts == nullptr ? nullptr : xb,
                            value, weight, status};
  const DenseCtl ctl{plan, offsets, base, first, count, static_cast<unsigned char*>(table),
                     table_bytes, max_cells,
                     gm.region > 0 ? static_cast<unsigned char*>(workspace) : nullptr,
                     gm.region};
  knap_dense_kernel<TV, TW><<<dim3(static_cast<unsigned>(gm.blocks)), gm.threads,
                              static_cast<size_t>(gm.smem), s>>>(in, out, ctl);
  kn_check(cudaGetLastError(), "knap_dense_kernel");
}

template <class TV, class TW>
void mckp_plan(const TV* values, const TW* weights, const std::uint8_t* mask, const TW* budget,
               std::int64_t batch, std::int64_t g, std::int64_t k, std::int64_t max_work,
               std::int64_t max_bytes, std::int64_t* plan, std::uintptr_t stream, int device) {
  const char* fn = "mckp_plan";
  kn_check_sizes(batch, g, k, fn);
  if (batch == 0) return;
  if (g > 0 && k > 0) {
    kn_require(values, "values", fn);
    kn_require(weights, "weights", fn);
  }
  kn_require(budget, "budget", fn);
  kn_require(plan, "plan", fn);
  kn_use_device(device);
  const cudaStream_t s = reinterpret_cast<cudaStream_t>(stream);
  const MckpIn<TV, TW> in{values, weights, mask, budget, batch, g, k};
  const i64 blocks = std::min(batch, kKnMaxBlocks);
  mckp_plan_kernel<TV, TW><<<dim3(static_cast<unsigned>(blocks)), kPlanThreads, 0, s>>>(
      in, max_work, max_bytes, plan);
  kn_check(cudaGetLastError(), "mckp_plan_kernel");
}

template <class TV, class TW>
void mckp_dense(const TV* values, const TW* weights, const std::uint8_t* mask, const TW* budget,
                std::int64_t batch, std::int64_t g, std::int64_t k, const std::int64_t* plan,
                const std::int64_t* offsets, std::int64_t base, std::int64_t first,
                std::int64_t count, std::int64_t max_cells, void* table,
                std::int64_t table_bytes, std::int64_t* choice, TV* value, TW* weight,
                std::int8_t* status, void* workspace, std::int64_t workspace_bytes,
                std::uintptr_t stream, int device) {
  const char* fn = "mckp_dense";
  kn_check_sizes(batch, g, k, fn);
  kn_check_range(batch, first, count, fn);
  check_max_cells(max_cells, fn);
  if (count == 0) return;
  if (g > 0) {
    if (k > 0) {
      kn_require(values, "values", fn);
      kn_require(weights, "weights", fn);
    }
    kn_require(choice, "choice", fn);
  }
  kn_require(budget, "budget", fn);
  kn_require(plan, "plan", fn);
  kn_require(offsets, "offsets", fn);
  kn_require(value, "value", fn);
  kn_require(weight, "weight", fn);
  kn_require(status, "status", fn);
  if (table_bytes < 0) throw std::invalid_argument(kn_where(fn) + "table_bytes must be >= 0");
  kn_use_device(device);
  const DenseGeom gm = dense_geometry(mckp_dense_kernel<TV, TW>, count, max_cells, workspace,
                                      workspace_bytes, device, fn);
  const cudaStream_t s = reinterpret_cast<cudaStream_t>(stream);
  const MckpIn<TV, TW> in{values, weights, mask, budget, batch, g, k};
  const MckpOut<TV, TW> out{choice, value, weight, status};
  const DenseCtl ctl{plan, offsets, base, first, count, static_cast<unsigned char*>(table),
                     table_bytes, max_cells,
                     gm.region > 0 ? static_cast<unsigned char*>(workspace) : nullptr,
                     gm.region};
  mckp_dense_kernel<TV, TW><<<dim3(static_cast<unsigned>(gm.blocks)), gm.threads,
                              static_cast<size_t>(gm.smem), s>>>(in, out, ctl);
  kn_check(cudaGetLastError(), "mckp_dense_kernel");
}

#define TRADEOFF_KN_INSTANTIATE(TV, TW)                                                          \
  template void knapsack_plan<TV, TW>(const TV*, const TW*, const TW*, const std::int64_t*,     \
                                      std::int64_t, std::int64_t, std::int64_t, std::int64_t,   \
                                      std::int64_t*, std::uintptr_t, int);                      \
  template void knapsack_dense<TV, TW>(                                                         \
      const TV*, const TW*, const TW*, const std::int64_t*, std::int64_t, std::int64_t,         \
      const std::int64_t*, const std::int64_t*, std::int64_t, std::int64_t, std::int64_t,       \
      std::int64_t, void*, std::int64_t, std::uint8_t*, std::int64_t*, TV*, TW*, std::int8_t*,  \
      void*, std::int64_t, std::uintptr_t, int);                                                \
  template void mckp_plan<TV, TW>(const TV*, const TW*, const std::uint8_t*, const TW*,         \
                                  std::int64_t, std::int64_t, std::int64_t, std::int64_t,       \
                                  std::int64_t, std::int64_t*, std::uintptr_t, int);            \
  template void mckp_dense<TV, TW>(                                                             \
      const TV*, const TW*, const std::uint8_t*, const TW*, std::int64_t, std::int64_t,         \
      std::int64_t, const std::int64_t*, const std::int64_t*, std::int64_t, std::int64_t,       \
      std::int64_t, std::int64_t, void*, std::int64_t, std::int64_t*, TV*, TW*, std::int8_t*,   \
      void*, std::int64_t, std::uintptr_t, int);
TRADEOFF_KN_INSTANTIATE(std::int64_t, std::int64_t)
TRADEOFF_KN_INSTANTIATE(std::int64_t, double)
TRADEOFF_KN_INSTANTIATE(double, std::int64_t)
TRADEOFF_KN_INSTANTIATE(double, double)
#undef TRADEOFF_KN_INSTANTIATE

}  // namespace cuda
}  // namespace tradeoff
