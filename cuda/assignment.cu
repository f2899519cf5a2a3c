// cuda/assignment.cu: the GPU driver of linear assignment (Jonker-Volgenant augmenting row
// reduction + shortest augmenting paths), for batches of small and medium problems.
//
// CPU twin: cpp/include/tradeoff/assignment.hpp. Shared bodies: cpp/include/tradeoff/
// assignment_hd.hpp (top2_push_any / top2_merge / arr_step for the row reduction, sap_offset /
// sap_candidate / scan_push / scan_merge / scan_pick for a Dijkstra step, root_dual / row_dual /
// col_dual for the potentials). The readable specification is
// python/tradeoff/_fallback/assignment.py; every decision below is bit-identical to it: double
// arithmetic, only + and - in the order written there, and every tie broken by comparing
// (value, index) pairs lexicographically (the merges of assignment_hd.hpp), so the choice does
// not depend on how the columns are spread over threads.
//
// ONE GROUP OF THREADS PER INSTANCE. A group is one warp (small problems) or one block (larger
// ones); the solver (solve_instance) is written once for both, SPMD over the group:
//   * column j is OWNED by thread j % G of the group (G threads): only its owner reads and
//     writes d[j], pred[j], done[j], and only its owner reads v[j] / y[j] in a scan, so a
//     Dijkstra step needs no barrier besides the one inside its reduction;
//   * Phase 1, per row: every thread pushes the reduced costs h_j = S_ij - v_j of its columns
//     into a Top2 (top2_push_any), the group merges them (top2_merge: warp shuffles, then one
//     slot per warp in shared memory), the winners' y and v are read by a lane of the warp that
//     owns them and travel with the merge (ArrPick), so every thread computes the same arr_step
//     and the owner of the chosen column applies it (v, y, x) - no second barrier;
//   * Phase 2, per Dijkstra step: every thread relaxes its unfinished columns through the
//     current row (sap_candidate) and pushes them into a ScanMin (scan_push), the group merges
//     (scan_merge) and every thread takes the same scan_pick; the owner marks the column done;
//   * after a path: the owners update the potentials of their finished columns (col_dual) and of
//     the rows matched to them (row_dual), thread 0 updates the root (root_dual) and walks the
//     path back (the augmentation), two barriers;
//   * the total S[k, x[k]] is summed by thread 0 in order k = 0..ns-1 (the specification's order).
// The lists of the specification need no storage: the rows reached on a path are the rows
// matched to its finished columns, and the pending / new-free lists of the row reduction are two
// arrays that swap between passes (a displaced row processed next is kept in a register).
//
// Paths, chosen from the array's (n, m) and the batch size (M = max(n, m), N = min(n, m));
// every path makes the same decisions, so the bits never depend on the path:
//   kPathThread        M <= kThreadAutoMaxCols (16) and batch >= kThreadMinBatch (16384): one
//                      THREAD per instance running the sequential solver of
//                      cpp/include/tradeoff/assignment_solve_hd.hpp (the CPU's own body), its
//                      scratch in local memory (0.9 or 1.8 KB a thread), x / y / u / v written
//                      straight into the outputs. 32x fewer warps than the warp path for huge
//                      batches of tiny problems; a forced path 4 serves M <= kThreadMaxCols
//                      (32), but from M = 17 the warp path is faster (H100 measurements at
//                      kThreadAutoMaxCols).
//   kPathWarp          M <= kWarpMaxCols (128): one WARP per instance, kWarpsPerBlock (4)
//                      instances per block, the workspace in shared memory (< 6 KB a warp).
//   kPathBlockShared   larger, workspace_bytes(M, N) <= kBlockSharedMax (45 KB, M up to about
//                      1000 when square): one BLOCK per instance, block_threads(M) threads
//                      (64..256, about 4 columns a thread), workspace in shared memory.
//   kPathBlockGlobal   larger still: the same block solver with its workspace in the device
//                      workspace the caller passes (lap_workspace_bytes), one region per block,
//                      at most kGlobalBlocks blocks (grid-stride over the instances).
// lap_solve's `path` argument forces one (tests run every path on the same data).
// Instances of one batch may have any active size (rows[b], cols[b]); the group size and the
// workspace are set by the padded (n, m).
//
// Workspace of one instance of the warp / block paths (sized by the padded M, N): v, d (double,
// M), u (double, N), y, pred (int32, M), x, free lists A and B (int32, N), done (uint8, M):
// 16 M + 8 N + 8 M + 12 N + M = 25 M + 20 N bytes, rounded up to 16 (work_bytes).
//
// Launchers never allocate: outputs and the workspace come from the caller (CuPy in
// python/tradeoff/_gpu.py). Bad sizes or arguments raise std::invalid_argument before anything
// touches the device; CUDA errors raise std::runtime_error with cudaGetErrorString's text.
// Everything is asynchronous on `stream`.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "launchers.hpp"
#include "tradeoff/assignment_hd.hpp"
#include "tradeoff/assignment_solve_hd.hpp"
#include "tradeoff/config.hpp"

namespace tradeoff {
namespace cuda {

namespace {

namespace lp = ::tradeoff::lap;

// ---------------------------------------------------------------------------------------------
// Launch geometry and limits.

constexpr int kWarp = 32;
constexpr unsigned kLapFullMask = 0xffffffffu;
// Warp path: instances with max(n, m) <= kWarpMaxCols, kWarpsPerBlock warps (instances) a block.
constexpr index_t kWarpMaxCols = 128;
constexpr int kWarpsPerBlock = 4;
// Block path: at most kMaxBlockThreads threads (kMaxWarps warps) per instance.
constexpr int kMaxBlockThreads = 256;
constexpr int kMaxWarps = kMaxBlockThreads / kWarp;
constexpr int kMinBlockThreads = 64;
constexpr index_t kColsPerThread = 4;  // block size: about this many columns a thread
// Dynamic shared memory the block path may use for one instance's workspace (static slots
// take about 1.5 KB more; 48 KB is the limit without an opt-in).
constexpr index_t kBlockSharedMax = 45 * 1024;
// Blocks of the global-workspace path (each owns one workspace region).
constexpr index_t kGlobalBlocks = 1024;
// Grid-stride loops instead of more blocks than this.
constexpr index_t kLapMaxBlocks = index_t(1) << 20;
// Alignment of a workspace region.
constexpr index_t kRegionAlign = 256;

// Status written for sizes outside [0, n] x [0, m] (never produced through python/tradeoff/
// _gpu.py, which checks them first: this only keeps a bad direct call from reading out of bounds).
constexpr std::int8_t kBadSizes = 3;

// Thread path: one thread per instance, for M <= kThreadMaxCols (what its local scratch is
// sized for; a forced path 4 serves up to this). The automatic choice takes it only for
// M <= kThreadAutoMaxCols when the batch is large. Measured on an H100 (2026-11, uniform
// costs, square instances, median of 5 launches): M = 16 thread 0.80 / 2.05 ms against warp
// 0.96 / 2.93 ms at batches of 16384 / 65536 (even at 10000, warp ahead below); M = 32 thread
// 3.34 / 10.1 ms against warp 2.15 / 6.90 ms, slower at every batch from 1024 to 65536.
constexpr index_t kThreadMaxCols = 32;
constexpr index_t kThreadAutoMaxCols = 16;
constexpr index_t kThreadMinBatch = 16384;
constexpr int kThreadBlock = 128;
// Shared memory a block may use without an opt-in.
constexpr index_t kSharedLimit = 48 * 1024;

enum LapPath : int { kPathAuto = 0, kPathWarp = 1, kPathBlockShared = 2, kPathBlockGlobal = 3,
                     kPathThread = 4 };

// ---------------------------------------------------------------------------------------------
// Workspace of one instance (M = max(n, m) columns at most, N = min(n, m) rows at most).

struct Work {
  double* v;            // column potentials (M)
  double* d;            // Dijkstra distances (M)
  double* u;            // row potentials (N)
  int* y;               // row of each column, -1 free (M)
  int* pred;            // row through which a column was reached (M)
  int* x;               // column of each row, -1 free (N)
  int* fa;              // free-row lists of the row reduction, swapped between passes (N)
  int* fb;              // (N)
  unsigned char* done;  // column finished in the current Dijkstra (M)
};

TRADEOFF_HD inline index_t round_up(index_t v, index_t a) { return (v + a - 1) / a * a; }

// Bytes of one instance's workspace, a multiple of 16.
TRADEOFF_HD inline index_t work_bytes(index_t M, index_t N) {
  return round_up(8 * (2 * M + N) + 4 * (2 * M + 3 * N) + M, 16);
}

TRADEOFF_HD inline Work carve_work(void* base, index_t M, index_t N) {
  char* p = static_cast<char*>(base);
  Work w;
  w.v = reinterpret_cast<double*>(p);
  w.d = w.v + M;
  w.u = w.d + M;
  w.y = reinterpret_cast<int*>(w.u + N);
  w.pred = w.y + M;
  w.x = w.pred + M;
  w.fa = w.x + N;
  w.fb = w.fa + N;
  w.done = reinterpret_cast<unsigned char*>(w.fb + N);
  return w;
}

// ---------------------------------------------------------------------------------------------
// The cost matrix S of the solver: the active block of the (n, m) array A, transposed when it
// has more rows than columns, negated when maximizing; entries converted to double (exact).

template <class T>
struct CostRow {
  const T* p;
  index_t stride;
  bool neg;
  TRADEOFF_HD double operator[](int j) const {
    const double s = static_cast<double>(p[index_t(j) * stride]);
    return neg ? -s : s;
  }
};

template <class T>
struct CostView {
  const T* a;    // A[0, 0] of this instance
  index_t lda;   // m (row stride of A)
  bool tr, neg;  // S = A^T; S = -A
  TRADEOFF_HD CostRow<T> row(int i) const {
    return tr ? CostRow<T>{a + i, lda, neg} : CostRow<T>{a + index_t(i) * lda, 1, neg};
  }
};

// ---------------------------------------------------------------------------------------------
// Group reductions. P supplies the primitives: warp shuffles and barriers (DevicePrims on the
// GPU; a host emulation can supply others to exercise the same group code on threads).

// The result of Phase 1's reduction: the two smallest reduced costs and, for their columns, y
// and v as they were before this step (so that every thread computes the same arr_step).
struct ArrPick {
  lp::Top2 t;
  index_t y1, y2;
  double v1, v2;
};

TRADEOFF_HD inline ArrPick arr_pick(const lp::Top2& t, const int* y, const double* v) {
  ArrPick a;
  a.t = t;
  a.y1 = t.j1 >= 0 ? y[t.j1] : -1;
  a.v1 = t.j1 >= 0 ? v[t.j1] : 0.0;
  a.y2 = t.j2 >= 0 ? y[t.j2] : -1;
  a.v2 = t.j2 >= 0 ? v[t.j2] : 0.0;
  return a;
}

// y and v of column j, found among the entries of a or b (column indices are unique, so the
// payload follows its index whatever the merge kept).
TRADEOFF_HD inline void arr_payload(index_t j, const ArrPick& a, const ArrPick& b, index_t& yj,
                                    double& vj) {
  if (j < 0) {
    yj = -1;
    vj = 0.0;
  } else if (j == a.t.j1) {
    yj = a.y1;
    vj = a.v1;
  } else if (j == a.t.j2) {
    yj = a.y2;
    vj = a.v2;
  } else if (j == b.t.j1) {
    yj = b.y1;
    vj = b.v1;
  } else {
    yj = b.y2;
    vj = b.v2;
  }
}

TRADEOFF_HD inline ArrPick arr_merge(const ArrPick& a, const ArrPick& b) {
  ArrPick r;
  r.t = lp::top2_merge(a.t, b.t);
  arr_payload(r.t.j1, a, b, r.y1, r.v1);
  arr_payload(r.t.j2, a, b, r.y2, r.v2);
  return r;
}

// Butterfly over the 32 lanes of a warp: every lane ends with the lexicographic top 2 of the
// union (unique: the column indices are distinct), whatever the order of its merges.
template <class P>
TRADEOFF_HD inline lp::Top2 warp_top2(lp::Top2 t) {
  for (int off = kWarp / 2; off > 0; off >>= 1) {
    lp::Top2 o;
    o.u1 = P::shfl_xor(t.u1, off);
    o.u2 = P::shfl_xor(t.u2, off);
    o.j1 = P::shfl_xor(static_cast<int>(t.j1), off);
    o.j2 = P::shfl_xor(static_cast<int>(t.j2), off);
    t = lp::top2_merge(t, o);
  }
  return t;
}

template <class P>
TRADEOFF_HD inline lp::ScanMin warp_scan(lp::ScanMin s) {
  for (int off = kWarp / 2; off > 0; off >>= 1) {
    lp::ScanMin o;
    o.low = P::shfl_xor(s.low, off);
    o.lowf = P::shfl_xor(s.lowf, off);
    o.jlow = P::shfl_xor(static_cast<int>(s.jlow), off);
    o.jf = P::shfl_xor(static_cast<int>(s.jf), off);
    s = lp::scan_merge(s, o);
  }
  return s;
}

// One warp per instance. Every member is called by all 32 lanes (warp-uniform control flow).
template <class P>
struct WarpGroup {
  int lane;
  TRADEOFF_HD int rank() const { return lane; }
  TRADEOFF_HD int size() const { return kWarp; }
  TRADEOFF_HD void sync() { P::sync_warp(); }
  TRADEOFF_HD bool any(bool p) { return P::warp_any(p); }
  // Contract of arr_reduce (both groups): the result is the same on every thread, and once it
  // returns, the owner of a column may write its y / v (nobody reads them again in this step).
  TRADEOFF_HD ArrPick arr_reduce(lp::Top2 t, const int* y, const double* v) {
    t = warp_top2<P>(t);
    P::sync_warp();  // the owners' writes of the previous step are visible
    const ArrPick a = arr_pick(t, y, v);
    P::sync_warp();  // every lane has read before an owner writes
    return a;
  }
  TRADEOFF_HD lp::ScanMin scan_reduce(lp::ScanMin s) { return warp_scan<P>(s); }
};

// One block per instance (blockDim.x a multiple of 32, at most kMaxBlockThreads). The slots
// are shared memory of 2 * kMaxWarps entries each, used alternately (double buffering: one
// barrier per reduction suffices, since a slot is rewritten two reductions later, after
// every thread has passed the barrier of the reduction in between).
template <class P>
struct BlockGroup {
  int tid, nthreads;
  ArrPick* arr_slots;
  lp::ScanMin* scan_slots;
  int parity;
  TRADEOFF_HD int rank() const { return tid; }
  TRADEOFF_HD int size() const { return nthreads; }
  TRADEOFF_HD void sync() { P::sync_block(); }
  TRADEOFF_HD bool any(bool p) { return P::block_any(p); }
  TRADEOFF_HD ArrPick arr_reduce(lp::Top2 t, const int* y, const double* v) {
    t = warp_top2<P>(t);
    ArrPick* slots = arr_slots + parity * kMaxWarps;
    // The warp's winners are columns of its own lanes: lane 0 reads their y / v (their owners
    // wrote them before this point in the previous step; the sync orders it).
    P::sync_warp();
    if ((tid & (kWarp - 1)) == 0) slots[tid / kWarp] = arr_pick(t, y, v);
    P::sync_block();
    ArrPick r = slots[0];
    const int warps = nthreads / kWarp;
    for (int w = 1; w < warps; ++w) r = arr_merge(r, slots[w]);
    parity ^= 1;
    return r;
  }
  TRADEOFF_HD lp::ScanMin scan_reduce(lp::ScanMin s) {
    s = warp_scan<P>(s);
    lp::ScanMin* slots = scan_slots + parity * kMaxWarps;
    if ((tid & (kWarp - 1)) == 0) slots[tid / kWarp] = s;
    P::sync_block();
    lp::ScanMin r = slots[0];
    const int warps = nthreads / kWarp;
    for (int w = 1; w < warps; ++w) r = lp::scan_merge(r, slots[w]);
    parity ^= 1;
    return r;
  }
};

struct DevicePrims {
  static __device__ __forceinline__ double shfl_xor(double v, int off) {
    return __shfl_xor_sync(kLapFullMask, v, off);
  }
  static __device__ __forceinline__ int shfl_xor(int v, int off) {
    return __shfl_xor_sync(kLapFullMask, v, off);
  }
  static __device__ __forceinline__ void sync_warp() { __syncwarp(kLapFullMask); }
  static __device__ __forceinline__ void sync_block() { __syncthreads(); }
  static __device__ __forceinline__ bool warp_any(bool p) {
    return __any_sync(kLapFullMask, p ? 1 : 0) != 0;
  }
  static __device__ __forceinline__ bool block_any(bool p) {
    return __syncthreads_or(p ? 1 : 0) != 0;
  }
};

// ---------------------------------------------------------------------------------------------
// The solver: S (ns rows <= ms columns, entries finite or +inf), SPMD over the group g.
// Returns kSolved or kInfeasible (the same on every thread); on kSolved the workspace holds x,
// y, u, v. Ends with a barrier.

template <class Grp, class T>
TRADEOFF_HD signed char solve_instance(Grp& g, const CostView<T>& S, int ns, int ms,
                                       const Work& w) {
  const int t = g.rank();
  const int G = g.size();
  double* const v = w.v;
  double* const d = w.d;
  double* const u = w.u;
  int* const y = w.y;
  int* const pred = w.pred;
  int* const x = w.x;
  unsigned char* const done = w.done;
  const double inf = lp::lap_inf();

  for (int j = t; j < ms; j += G) {
    v[j] = 0.0;
    y[j] = -1;
    d[j] = inf;
    done[j] = 0;
  }
  for (int i = t; i < ns; i += G) {
    x[i] = -1;
    u[i] = 0.0;
    w.fa[i] = i;
  }
  g.sync();

  // ---- Phase 1: augmenting row reduction, two passes ----
  int* pend = w.fa;
  int* nfree = w.fb;
  int npend = ns;
  for (int pass = 0; pass < 2; ++pass) {
    const index_t budget = lp::kArrStepFactor * index_t(npend);
    index_t steps = 0;
    int k = 0;       // next entry of pend
    int carry = -1;  // a displaced row processed next (the spec's pending[k] after k -= 1)
    int nf = 0;      // length of nfree (the same on every thread; thread 0 writes the entries)
    while (carry >= 0 || k < npend) {
      if (steps == budget) {  // out of steps: the rest waits for shortest paths
        if (carry >= 0) {
          if (t == 0) nfree[nf] = carry;
          ++nf;
        }
        for (int q = t; q < npend - k; q += G) nfree[nf + q] = pend[k + q];
        nf += npend - k;
        break;
      }
      ++steps;
      int i;
      if (carry >= 0) {
        i = carry;
        carry = -1;
      } else {
        i = pend[k];
        ++k;
      }
      const CostRow<T> row = S.row(i);
      lp::Top2 tl = lp::top2_empty();
      for (int j = t; j < ms; j += G) lp::top2_push_any(tl, lp::arr_reduced(row[j], v[j]), j);
      const ArrPick p = g.arr_reduce(tl, y, v);
      const lp::ArrStep s = lp::arr_step(p.t, p.y1, p.y2, p.v1, p.v2);
      if (s.kind == lp::ArrStep::kDefer) {
        if (t == 0) nfree[nf] = i;
        ++nf;
        continue;
      }
      const int col = static_cast<int>(s.col);
      const int disp = static_cast<int>(s.displaced);
      if (col % G == t) {  // the owner of the column applies the step
        v[col] = s.v_col;
        y[col] = i;
        x[i] = col;
        if (disp >= 0) x[disp] = -1;
      }
      if (disp >= 0) {
        if (s.displaced_next) {
          carry = disp;
        } else {
          if (t == 0) nfree[nf] = disp;
          ++nf;
        }
      }
    }
    g.sync();  // nfree complete; pend may be rewritten
    int* tmp = pend;
    pend = nfree;
    nfree = tmp;
    npend = nf;
  }

  for (int i = t; i < ns; i += G) {
    const int xi = x[i];
    if (xi >= 0) u[i] = S.row(i)[xi] - v[xi];
  }
  g.sync();

  // ---- Phase 2: shortest augmenting paths from the rows left free, in order ----
  for (int f = 0; f < npend; ++f) {
    const int cur = pend[f];
    int i = cur;
    double min_val = 0.0;
    int sink = -1;
    while (sink < 0) {
      const double r = lp::sap_offset(min_val, u[i]);
      const CostRow<T> row = S.row(i);
      lp::ScanMin sm = lp::scan_empty();
      for (int j = t; j < ms; j += G) {
        if (done[j]) continue;
        const double cand = lp::sap_candidate(r, row[j], v[j]);
        double dj = d[j];
        if (cand < dj) {
          dj = cand;
          d[j] = cand;
          pred[j] = i;
        }
        lp::scan_push(sm, dj, j, y[j] == -1);
      }
      sm = g.scan_reduce(sm);
      const index_t jp = lp::scan_pick(sm);
      if (jp < 0) {  // every unfinished column at +inf: no complete matching
        g.sync();
        return lp::kInfeasible;
      }
      const int jc = static_cast<int>(jp);
      if (jc % G == t) done[jc] = 1;
      min_val = sm.low;
      const int yj = y[jc];  // y is not written during a Dijkstra
      if (yj == -1) {
        sink = jc;
      } else {
        i = yj;
      }
    }
    // Potentials of the finished columns and of the rows matched to them (the rows reached on
    // the path besides cur); every unfinished distance back to +inf for the next path.
    for (int j = t; j < ms; j += G) {
      if (done[j]) {
        const double dj = d[j];
        const int yj = y[j];
        if (yj >= 0) u[yj] = lp::row_dual(u[yj], min_val, dj);
        v[j] = lp::col_dual(v[j], min_val, dj);
        done[j] = 0;
      }
      d[j] = inf;
    }
    g.sync();  // pred, u complete
    if (t == 0) {
      u[cur] = lp::root_dual(u[cur], min_val);
      int j = sink;
      for (;;) {  // flip the path
        const int pi = pred[j];
        y[j] = pi;
        const int nxt = x[pi];
        x[pi] = j;
        j = nxt;
        if (pi == cur) break;
      }
    }
    g.sync();
  }
  return lp::kSolved;
}

// ---------------------------------------------------------------------------------------------
// One instance of the batch: sizes, validation, transposition, solve, outputs (steps 1-7 of
// the specification). Called by every thread of the group; ends with a barrier.

template <class T>
struct LapArgs {
  const T* cost;
  const std::int64_t* rows;
  const std::int64_t* cols;
  index_t batch, n, m;
  bool maximize;
  std::int64_t* col_of_row;
  std::int64_t* row_of_col;
  double* u;
  double* v;
  double* total;
  std::int8_t* status;
};

template <class Grp, class T>
TRADEOFF_HD void run_instance(Grp& g, const LapArgs<T>& a, index_t b, const Work& w) {
  const int t = g.rank();
  const int G = g.size();
  const index_t n = a.n;
  const index_t m = a.m;
  std::int64_t* const xo = a.col_of_row + b * n;
  std::int64_t* const yo = a.row_of_col + b * m;
  double* const uo = a.u + b * n;
  double* const vo = a.v + b * m;

  const index_t r64 = a.rows[b];
  const index_t c64 = a.cols[b];
  signed char status = lp::kSolved;
  if (!(r64 >= 0 && r64 <= n && c64 >= 0 && c64 <= m)) status = kBadSizes;
  const int r = status == lp::kSolved ? static_cast<int>(r64) : 0;
  const int c = status == lp::kSolved ? static_cast<int>(c64) : 0;
  const bool neg = a.maximize;
  const T* const A = a.cost + b * n * m;

  // Step 2: NaN or -inf (after the sign flip) anywhere in the active block.
  bool bad = false;
  for (int i = 0; i < r; ++i) {
    const T* arow = A + index_t(i) * m;
    for (int j = t; j < c; j += G) {
      const double s0 = static_cast<double>(arow[j]);
      bad = bad || lp::invalid_entry(neg ? -s0 : s0);
    }
  }
  if (g.any(bad)) status = lp::kInvalid;

  const bool tr = r > c;
  const int ns = tr ? c : r;
  const int ms = tr ? r : c;
  if (status == lp::kSolved && ns > 0) {
    const CostView<T> S{A, m, tr, neg};
    status = solve_instance(g, S, ns, ms, w);
  }

  const bool solved = status == lp::kSolved;
  const bool filled = solved && ns > 0;  // else: nothing matched, potentials 0
  // Step 6: map back (transposed: the rows of A are the columns of S).
  const int* const xs = tr ? w.y : w.x;  // column of each row of A
  const int* const ys = tr ? w.x : w.y;  // row of each column of A
  const double* const us = tr ? w.v : w.u;
  const double* const vs = tr ? w.u : w.v;
  for (index_t i = t; i < n; i += G) {
    if (filled && i < r) {
      xo[i] = xs[i];
      uo[i] = neg ? -us[i] : us[i];
    } else {
      xo[i] = -1;
      uo[i] = 0.0;
    }
  }
  for (index_t j = t; j < m; j += G) {
    if (filled && j < c) {
      yo[j] = ys[j];
      vo[j] = neg ? -vs[j] : vs[j];
    } else {
      yo[j] = -1;
      vo[j] = 0.0;
    }
  }
  if (t == 0) {
    // Step 7: the total in order k = 0..ns-1.
    double tot = 0.0;
    if (filled) {
      const CostView<T> S{A, m, tr, neg};
      for (int k = 0; k < ns; ++k) tot = tot + S.row(k)[w.x[k]];
      if (neg) tot = -tot;
    }
    a.total[b] = tot;
    a.status[b] = static_cast<std::int8_t>(status);
  }
  g.sync();  // the workspace is free for the group's next instance
}

// One instance by one thread: the sequential solver of assignment_solve_hd.hpp, scratch in
// `local` (at least lap::workspace_elements(rows, cols) doubles). The sizes are checked as in
// run_instance.

template <class T>
TRADEOFF_HD void thread_instance(const LapArgs<T>& a, index_t b, double* local) {
  const index_t n = a.n;
  const index_t m = a.m;
  const lp::InstanceOut o{a.col_of_row + b * n, a.row_of_col + b * m, a.u + b * n,
                          a.v + b * m, a.total + b,
                          reinterpret_cast<signed char*>(a.status + b)};
  const index_t r = a.rows[b];
  const index_t c = a.cols[b];
  if (!(r >= 0 && r <= n && c >= 0 && c <= m)) {
    lp::clear_instance(o, n, m);
    *o.status = kBadSizes;
    return;
  }
  const lp::Workspace ws = lp::workspace_bind(local, r, c);
  lp::solve_instance<T>(a.cost + b * n * m, m, r, c, a.maximize, o, n, m, ws);
}

// ---------------------------------------------------------------------------------------------
// Kernels.

// One thread per instance, max(n, m) <= MaxCols. The scratch is a local array of
// 7 MaxCols doubles (the driver reserves that much local memory for every thread that can be
// resident: about 0.25 GB on an H100 for MaxCols = 16, 0.5 GB for 32), hence two sizes.
constexpr index_t kThreadSmallCols = 16;

template <class T, int MaxCols>
__global__ void __launch_bounds__(kThreadBlock) lap_thread_kernel(LapArgs<T> a) {
  double local[7 * MaxCols];
  const index_t stride = index_t(gridDim.x) * kThreadBlock;
  for (index_t b = index_t(blockIdx.x) * kThreadBlock + threadIdx.x; b < a.batch; b += stride) {
    thread_instance(a, b, local);
  }
}

// One warp per instance, kWarpsPerBlock instances per block, workspace in dynamic shared
// memory (kWarpsPerBlock regions of ws_bytes).
template <class T>
__global__ void __launch_bounds__(kWarpsPerBlock* kWarp)
    lap_warp_kernel(LapArgs<T> a, index_t M, index_t N, index_t ws_bytes) {
  extern __shared__ __align__(16) unsigned char lap_smem[];
  const int warp = static_cast<int>(threadIdx.x) / kWarp;
  WarpGroup<DevicePrims> g{static_cast<int>(threadIdx.x) & (kWarp - 1)};
  const Work w = carve_work(lap_smem + warp * ws_bytes, M, N);
  const index_t stride = index_t(gridDim.x) * kWarpsPerBlock;
  for (index_t b = index_t(blockIdx.x) * kWarpsPerBlock + warp; b < a.batch; b += stride) {
    run_instance(g, a, b, w);
  }
}

// One block per instance; the workspace in dynamic shared memory (global_ws == nullptr) or in
// region blockIdx.x of global_ws (ws_bytes apart).
template <class T>
__global__ void __launch_bounds__(kMaxBlockThreads)
    lap_block_kernel(LapArgs<T> a, index_t M, index_t N, unsigned char* global_ws,
                     index_t ws_bytes) {
  extern __shared__ __align__(16) unsigned char lap_smem[];
  __shared__ ArrPick arr_slots[2 * kMaxWarps];
  __shared__ lp::ScanMin scan_slots[2 * kMaxWarps];
  BlockGroup<DevicePrims> g{static_cast<int>(threadIdx.x), static_cast<int>(blockDim.x),
                            arr_slots, scan_slots, 0};
  unsigned char* base =
      global_ws == nullptr ? lap_smem : global_ws + index_t(blockIdx.x) * ws_bytes;
  const Work w = carve_work(base, M, N);
  for (index_t b = blockIdx.x; b < a.batch; b += gridDim.x) run_instance(g, a, b, w);
}

// ---------------------------------------------------------------------------------------------
// Host side.

[[noreturn]] void lap_fail(cudaError_t err, const char* what) {
  throw std::runtime_error(std::string("tradeoff CUDA: ") + what + " failed: " +
                           cudaGetErrorString(err) + " (" + cudaGetErrorName(err) + ")");
}

inline void lap_check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) lap_fail(err, what);
}

std::string lap_where(const char* fn) { return std::string("tradeoff._cuda.") + fn + ": "; }

void lap_require(const void* p, const char* name, const char* fn) {
  if (p == nullptr) throw std::invalid_argument(lap_where(fn) + name + " is a null pointer");
}

void lap_use_device(int device) {
  int count = 0;
  lap_check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
  if (device < 0 || device >= count) {
    throw std::invalid_argument("tradeoff CUDA: device " + std::to_string(device) +
                                " does not exist (" + std::to_string(count) + " visible)");
  }
  lap_check(cudaSetDevice(device), "cudaSetDevice");
}

// a * b, or -1 when it overflows int64 (both >= 0).
index_t lap_mul(index_t a, index_t b) {
  if (a < 0 || b < 0) return -1;
  if (a != 0 && b > std::numeric_limits<index_t>::max() / a) return -1;
  return a * b;
}

void lap_check_sizes(index_t batch, index_t n, index_t m, const char* fn) {
  constexpr index_t kMaxSide = std::numeric_limits<std::int32_t>::max();
  if (batch < 0 || n < 0 || m < 0 || batch > kMaxSide || n > kMaxSide || m > kMaxSide) {
    throw std::invalid_argument(lap_where(fn) + "batch, n and m must be in [0, 2147483647]; got "
                                "batch=" + std::to_string(batch) + ", n=" + std::to_string(n) +
                                ", m=" + std::to_string(m));
  }
  if (lap_mul(lap_mul(batch, n), m) < 0) {
    throw std::invalid_argument(lap_where(fn) + "batch * n * m overflows int64");
  }
}

LapPath choose_path(index_t batch, index_t n, index_t m) {
  const index_t M = std::max(n, m);
  const index_t N = std::min(n, m);
  if (M <= kThreadAutoMaxCols && batch >= kThreadMinBatch) return kPathThread;
  if (M <= kWarpMaxCols) return kPathWarp;
  if (work_bytes(M, N) <= kBlockSharedMax) return kPathBlockShared;
  return kPathBlockGlobal;
}

// Whether `path` can serve (n, m) arrays: its workspace fits where that path keeps it.
bool path_fits(int path, index_t n, index_t m) {
  const index_t M = std::max(n, m);
  const index_t N = std::min(n, m);
  switch (path) {
    case kPathWarp: return kWarpsPerBlock * work_bytes(M, N) <= kSharedLimit;
    case kPathBlockShared: return work_bytes(M, N) <= kBlockSharedMax;
    case kPathBlockGlobal: return true;
    case kPathThread: return M <= kThreadMaxCols;
    default: return false;
  }
}

int block_threads(index_t M) {
  const index_t want = round_up((M + kColsPerThread - 1) / kColsPerThread, kWarp);
  return static_cast<int>(std::min<index_t>(kMaxBlockThreads, std::max<index_t>(kMinBlockThreads,
                                                                                want)));
}

// Blocks and bytes of the global workspace (0 unless kPathBlockGlobal).
index_t global_blocks(index_t batch) { return std::min(batch, kGlobalBlocks); }
index_t region_bytes(index_t n, index_t m) {
  return round_up(work_bytes(std::max(n, m), std::min(n, m)), kRegionAlign);
}

index_t workspace_bytes_of(LapPath path, index_t batch, index_t n, index_t m) {
  if (batch == 0 || path != kPathBlockGlobal) return 0;
  return lap_mul(global_blocks(batch), region_bytes(n, m));
}

// The path a launch takes: `path` when it asks for one (std::invalid_argument when it cannot
// serve (n, m)), else choose_path.
LapPath resolve_path(int path, index_t batch, index_t n, index_t m, const char* fn) {
  if (path == kPathAuto) return choose_path(batch, n, m);
  if (!path_fits(path, n, m)) {
    throw std::invalid_argument(lap_where(fn) + "path " + std::to_string(path) +
                                " cannot serve n=" + std::to_string(n) + ", m=" +
                                std::to_string(m) + " (1 warp, 2 block + shared memory, "
                                "3 block + device workspace, 4 thread; 0 = automatic)");
  }
  return static_cast<LapPath>(path);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Host launchers (declared in launchers.hpp).

std::int64_t lap_workspace_bytes(std::int64_t batch, std::int64_t n, std::int64_t m,
                                 int path) {
  const char* fn = "lap_workspace_bytes";
  lap_check_sizes(batch, n, m, fn);
  const index_t bytes = workspace_bytes_of(resolve_path(path, batch, n, m, fn), batch, n, m);
  if (bytes < 0) throw std::invalid_argument(lap_where(fn) + "the workspace size overflows");
  return bytes;
}

int lap_path(std::int64_t batch, std::int64_t n, std::int64_t m) noexcept {
  if (batch < 0 || n < 0 || m < 0) return 0;
  return static_cast<int>(choose_path(batch, n, m));
}

bool lap_path_fits(int path, std::int64_t n, std::int64_t m) noexcept {
  return n >= 0 && m >= 0 && path_fits(path, n, m);
}

int lap_block_threads(int path, std::int64_t n, std::int64_t m) noexcept {
  if (n < 0 || m < 0) return 0;
  switch (path) {
    case kPathWarp: return kWarp;
    case kPathBlockShared:
    case kPathBlockGlobal: return block_threads(std::max(n, m));
    case kPathThread: return 1;
    default: return 0;
  }
}

template <class T>
void lap_solve(const T* cost, const std::int64_t* rows, const std::int64_t* cols,
               std::int64_t batch, std::int64_t n, std::int64_t m, bool maximize,
               std::int64_t* col_of_row, std::int64_t* row_of_col, double* u, double* v,
               double* total, std::int8_t* status, void* workspace,
               std::int64_t workspace_bytes, std::uintptr_t stream, int device, int path) {
  const char* fn = "lap_solve";
  lap_check_sizes(batch, n, m, fn);
  const LapPath chosen = resolve_path(path, batch, n, m, fn);
  const index_t need = workspace_bytes_of(chosen, batch, n, m);
  if (need < 0) throw std::invalid_argument(lap_where(fn) + "the workspace size overflows");
  if (batch == 0) return;
  if (workspace_bytes < need) {
    throw std::invalid_argument(lap_where(fn) + "workspace holds " +
                                std::to_string(workspace_bytes) + " bytes; this launch needs " +
                                std::to_string(need) + " (lap_workspace_bytes(batch, n, m))");
  }
  if (n > 0 && m > 0) lap_require(cost, "cost", fn);
  lap_require(rows, "rows", fn);
  lap_require(cols, "cols", fn);
  if (n > 0) {
    lap_require(col_of_row, "col_of_row", fn);
    lap_require(u, "u", fn);
  }
  if (m > 0) {
    lap_require(row_of_col, "row_of_col", fn);
    lap_require(v, "v", fn);
  }
  lap_require(total, "total", fn);
  lap_require(status, "status", fn);
  if (need > 0) lap_require(workspace, "workspace", fn);
  lap_use_device(device);
  const cudaStream_t s = reinterpret_cast<cudaStream_t>(stream);

  const LapArgs<T> args{cost, rows, cols, batch, n, m, maximize,
                        col_of_row, row_of_col, u, v, total, status};
  const index_t M = std::max(n, m);
  const index_t N = std::min(n, m);
  const index_t ws = work_bytes(M, N);
  switch (chosen) {
    case kPathThread: {
      const index_t blocks = std::min((batch + kThreadBlock - 1) / kThreadBlock, kLapMaxBlocks);
      if (M <= kThreadSmallCols) {
        lap_thread_kernel<T, kThreadSmallCols>
            <<<dim3(static_cast<unsigned>(blocks)), kThreadBlock, 0, s>>>(args);
      } else {
        lap_thread_kernel<T, kThreadMaxCols>
            <<<dim3(static_cast<unsigned>(blocks)), kThreadBlock, 0, s>>>(args);
      }
      lap_check(cudaGetLastError(), "lap_thread_kernel");
      break;
    }
    case kPathWarp: {
      const index_t blocks =
          std::min((batch + kWarpsPerBlock - 1) / kWarpsPerBlock, kLapMaxBlocks);
      lap_warp_kernel<T><<<dim3(static_cast<unsigned>(blocks)), kWarpsPerBlock * kWarp,
                           static_cast<size_t>(kWarpsPerBlock * ws), s>>>(args, M, N, ws);
      lap_check(cudaGetLastError(), "lap_warp_kernel");
      break;
    }
    case kPathBlockShared: {
      const index_t blocks = std::min(batch, kLapMaxBlocks);
      lap_block_kernel<T><<<dim3(static_cast<unsigned>(blocks)), block_threads(M),
                            static_cast<size_t>(ws), s>>>(args, M, N, nullptr, ws);
      lap_check(cudaGetLastError(), "lap_block_kernel(shared)");
      break;
    }
    case kPathBlockGlobal: {
      const index_t blocks = global_blocks(batch);
      lap_block_kernel<T><<<dim3(static_cast<unsigned>(blocks)), block_threads(M), 0, s>>>(
          args, M, N, static_cast<unsigned char*>(workspace), region_bytes(n, m));
      lap_check(cudaGetLastError(), "lap_block_kernel(global)");
      break;
    }
    case kPathAuto:
      break;
  }
}

template void lap_solve<float>(const float*, const std::int64_t*, const std::int64_t*,
                               std::int64_t, std::int64_t, std::int64_t, bool, std::int64_t*,
                               std::int64_t*, double*, double*, double*, std::int8_t*, void*,
                               std::int64_t, std::uintptr_t, int, int);
template void lap_solve<double>(const double*, const std::int64_t*, const std::int64_t*,
                                std::int64_t, std::int64_t, std::int64_t, bool, std::int64_t*,
                                std::int64_t*, double*, double*, double*, std::int8_t*, void*,
                                std::int64_t, std::uintptr_t, int, int);

}  // namespace cuda
}  // namespace tradeoff
