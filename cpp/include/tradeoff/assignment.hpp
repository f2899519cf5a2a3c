// tradeoff/assignment.hpp: the CPU driver of linear assignment (host only).
//
// lap_solve<T>(cost, B, n, m, rows, cols, maximize, out) solves every instance b of a batch,
// cost[b, :rows[b], :cols[b]], exactly as the specification (python/tradeoff/_fallback/
// assignment.py) does, bit for bit: the per-instance algorithm is Core / solve_core of
// assignment_solve_hd.hpp (the body a GPU thread runs), with its two hot scans replaced by vector
// loops that return what the sequential loops return.
//
// * Scans, picked at run time (vexp::isa(); TRADEOFF_SIMD=sse2|avx2|avx512 caps it):
//   x512::Scans (AVX-512, 8 lanes) and x256::Scans (AVX2, 4 lanes) with intrinsics, compiled
//   for their instruction set through #pragma GCC target and inlined into a driver stamped out
//   per instruction set (target + flatten); VecScanner, GCC vector extensions of 2 lanes, is the
//   SSE2 baseline (and the only scanner for compilers other than GCC on x86-64). Two passes per
//   scan, so that the hot loop carries values only (see the x512 comment); every tie is resolved
//   by a search for the lowest column at the winning value, which is the sequential loop's
//   choice. Rows of up to 64 columns are searched through bit masks with no data-dependent
//   branch; longer rows stop at the first hit.
//   - Arrays the scans read (v, d, pred, the free-column mask) are padded to a multiple of 8;
//     the last partial vector of a cost row is a masked load with +inf in the missing lanes.
//   - Scalar writes into those arrays go through Scanner::put, a store of the whole aligned
//     vector, so the next scan's wide load of it is forwarded.
//   - Rows of at least kPrefetchCols columns are read with software prefetches (at n = 3000 the
//     matrix streams from DRAM; 1.3x).
//   - Validation (NaN, -inf after the sign flip) is fused into the first pass over the data:
//     the first row-reduction pass's scans, or the transposed copy.
// * Transposed instances (rows > cols): the block is copied once, transposed by 4 x 4 vector
//   blocks (and validated) into the worker's buffer, so the scans read contiguous rows; the copy
//   keeps the entries' sign (the view negates when maximizing, as for the direct path). The
//   calling thread keeps its buffer between calls (up to kKeepBytes): fresh pages fault.
// * Two instances in flight per worker for small instances (kTwoLaneEntries): the solver is a
//   resumable state machine (Core::step = one scan and its bookkeeping), and the driver
//   alternates the steps of two instances, so the latency chain of one (each step waits on the
//   previous step's minimum) overlaps the other's (1.25x at 16 x 16, 1.35x at 64 x 64).
// * Threads: instances are spread over up to num_threads() workers (parallel_for; each worker
//   takes chunks of instances from a shared counter and allocates its scratch once). A single
//   problem runs on the calling thread: a Dijkstra step (a few microseconds at n = 3000) is too
//   short to share between threads on a busy machine.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "assignment_hd.hpp"
#include "assignment_solve_hd.hpp"
#include "config.hpp"
#include "parallel.hpp"
#include "vexp.hpp"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#endif

namespace tradeoff {
namespace lap {

// Output arrays of a batch (the kernel interface's layout, C-contiguous).
struct BatchOut {
  index_t* col_of_row;  // (B, n)
  index_t* row_of_col;  // (B, m)
  double* u;            // (B, n)
  double* v;            // (B, m)
  double* total;        // (B,)
  signed char* status;  // (B,)
};

// Scan arrays are padded to a multiple of this (the widest vector, in doubles).
constexpr index_t kPad = 8;
inline index_t padded(index_t m) { return (m + kPad - 1) / kPad * kPad; }

// ---- VecScanner: portable scans (GCC vector extensions of W doubles; the SSE2 baseline) ------
//
// One pass per scan with indices in the lanes (as doubles: exact below 2^53):
// * Row reduction: every lane keeps the top two (value, index) of its columns (strict "<" in
//   increasing column order: the lexicographic top two); the lanes are merged lexicographically:
//   the least (value, index) over the lanes' firsts, then the least over the other lanes' firsts
//   and the winner lane's second.
// * Shortest path step: d_j = min(d_j, cand_j) with pred_j, the lane minima of (d_j, j) and the
//   minimum of d_j + f_j (f_j = 0 for a free column, +inf for a matched one), merged
//   lexicographically; only when the least free distance equals the least distance (the
//   search's last step) is the lowest free column at it looked up.
namespace simd {

using vexp::load;
using vexp::store;

template <int W>
using VD = typename vexp::Vec<W>::d;
template <int W>
using VU = typename vexp::Vec<W>::u;
template <int W>
using VF = typename vexp::Vec<W>::f;
template <int W>
struct VecI {
  typedef std::int64_t type __attribute__((vector_size(8 * W)));
};
template <int W>
using VI = typename VecI<W>::type;

// W entries of a cost row as doubles.
template <int W, class T>
TRADEOFF_ALWAYS_INLINE void load_cost(VD<W>& out, const T* p) {
  if constexpr (std::is_same<T, double>::value) {
    load(out, p);
  } else {
    VF<W> f;
    std::memcpy(&f, p, sizeof f);
    out = __builtin_convertvector(f, VD<W>);
  }
}

// The last m - j (< W) entries of a cost row, padded with +inf (as S entries: negated).
template <int W, class T, bool Neg>
TRADEOFF_ALWAYS_INLINE void load_cost_tail(VD<W>& out, const T* p, index_t len) {
  double buf[W];
  for (int k = 0; k < W; ++k) {
    if (k < len) {
      const double s = static_cast<double>(p[k]);
      buf[k] = Neg ? -s : s;
    } else {
      buf[k] = HUGE_VAL;
    }
  }
  load(out, buf);
}

template <int W, class T, bool Neg>
TRADEOFF_ALWAYS_INLINE void load_s(VD<W>& out, const T* row, index_t j, index_t m) {
  if (j + W <= m) {
    load_cost<W, T>(out, row + j);
    if (Neg) out = -out;
  } else {
    load_cost_tail<W, T, Neg>(out, row + j, m - j);
  }
}

// Every lane of a = the minimum over the lanes of x (no NaN). Vectors travel by reference
// (returning them by value changes the ABI between targets: -Wpsabi).
template <int W>
TRADEOFF_ALWAYS_INLINE void lanes_min(VD<W>& a, const VD<W>& x) {
  a = x;
  for (int s = W / 2; s >= 1; s /= 2) {
    VU<W> idx;
    for (int k = 0; k < W; ++k) idx[k] = static_cast<std::uint64_t>(k ^ s);
    const VD<W> b = __builtin_shuffle(a, idx);
    a = b < a ? b : a;
  }
}

template <int W>
TRADEOFF_ALWAYS_INLINE void iota(VD<W>& r) {
  for (int k = 0; k < W; ++k) r[k] = double(k);
}

// The lexicographic top two over the lanes' top twos (see the header).
template <int W>
TRADEOFF_ALWAYS_INLINE Top2 merge_top2(const VD<W>& u1, const VD<W>& j1, const VD<W>& u2,
                                       const VD<W>& j2) {
  const VD<W> inf = VD<W>{} + HUGE_VAL;
  VD<W> m1, i1, m2, i2;
  lanes_min<W>(m1, u1);
  const auto e1 = u1 == m1;
  lanes_min<W>(i1, e1 ? j1 : inf);
  const auto win = e1 & (j1 == i1);
  const VD<W> u1b = win ? u2 : u1;
  const VD<W> j1b = win ? j2 : j1;
  lanes_min<W>(m2, u1b);
  lanes_min<W>(i2, u1b == m2 ? j1b : inf);
  return Top2{m1[0], m2[0], static_cast<index_t>(i1[0]), static_cast<index_t>(i2[0])};
}

// Row reduction's scan: the top two of h_j = S_ij - v_j (v padded to a multiple of W).
template <int W, class T, bool Neg, bool Check>
TRADEOFF_ALWAYS_INLINE Top2 arr_scan(const T* row, const double* v, index_t m, bool& bad) {
  using V = VD<W>;
  const V inf = V{} + HUGE_VAL, ninf = V{} - HUGE_VAL, step = V{} + double(W);
  V u1 = inf, u2 = inf, j1 = V{} - 1.0, j2 = V{} - 1.0, idx;
  iota<W>(idx);
  auto ok = ninf < inf;  // all lanes true while every entry is > -inf (not NaN, not -inf)
  for (index_t j = 0; j < m; j += W) {
    V s, vv;
    load_s<W, T, Neg>(s, row, j, m);
    load(vv, v + j);
    const V h = s - vv;
    if (Check) ok = ok & (s > ninf);
    const auto m1 = h < u1;
    const auto m2 = h < u2;
    u2 = m1 ? u1 : (m2 ? h : u2);
    j2 = m1 ? j1 : (m2 ? idx : j2);
    u1 = m1 ? h : u1;
    j1 = m1 ? idx : j1;
    idx = idx + step;
  }
  if (Check) {
    bool b = false;
    for (int k = 0; k < W; ++k) b = b || !ok[k];
    bad = b;
  }
  return merge_top2<W>(u1, j1, u2, j2);
}

template <int W, class T, bool Neg>
TRADEOFF_ALWAYS_INLINE bool row_invalid(const T* row, index_t m) {
  using V = VD<W>;
  const V ninf = V{} - HUGE_VAL, inf = V{} + HUGE_VAL;
  auto ok = ninf < inf;
  for (index_t j = 0; j < m; j += W) {
    V s;
    load_s<W, T, Neg>(s, row, j, m);
    ok = ok & (s > ninf);
  }
  bool b = false;
  for (int k = 0; k < W; ++k) b = b || !ok[k];
  return b;
}

// The shortest path step's fused scan (d, pred, fm padded to a multiple of W).
template <int W, class T, bool Neg, bool First>
TRADEOFF_ALWAYS_INLINE ScanMin sap_scan(const T* row, index_t i, double r, const double* v,
                                        double* d, index_t* pred, const double* fm, index_t m) {
  using V = VD<W>;
  using I = VI<W>;
  const V inf = V{} + HUGE_VAL, step = V{} + double(W), rv = V{} + r;
  const I iv = I{} + i;
  V low = inf, jlow = V{} - 1.0, lowf = inf, idx;
  iota<W>(idx);
  for (index_t j = 0; j < m; j += W) {
    V s, vv, f;
    load_s<W, T, Neg>(s, row, j, m);
    load(vv, v + j);
    const V cand = (rv + s) - vv;
    V dn;
    if (First) {
      dn = cand < inf ? cand : inf;  // a NaN cand (after an overflow) leaves d at +inf
      store(pred + j, iv);
    } else {
      V dold;
      I pold;
      load(dold, d + j);
      load(pold, pred + j);
      const auto mk = cand < dold;
      dn = mk ? cand : dold;
      store(pred + j, mk ? iv : pold);
    }
    store(d + j, dn);
    const auto ml = dn < low;
    low = ml ? dn : low;
    jlow = ml ? idx : jlow;
    load(f, fm + j);
    const V df = dn + f;
    lowf = df < lowf ? df : lowf;
    idx = idx + step;
  }
  ScanMin out;
  V m1, i1, f1;
  lanes_min<W>(m1, low);
  lanes_min<W>(i1, low == m1 ? jlow : inf);
  lanes_min<W>(f1, lowf);
  out.low = m1[0];
  out.jlow = static_cast<index_t>(i1[0]);
  out.lowf = f1[0];
  out.jf = -1;
  if (out.lowf == out.low && out.low < HUGE_VAL) {
    // the search ends here: the lowest free column at the least distance
    for (index_t j = 0; j < m; j += W) {
      V x, f;
      load(x, d + j);
      load(f, fm + j);
      const auto eq = (x + f) == m1;
      for (int k = 0; k < W; ++k) {
        if (eq[k]) {
          out.jf = j + k;
          return out;
        }
      }
    }
  }
  return out;
}

}  // namespace simd

// The scanner of solve_core (see assignment_solve_hd.hpp) with W-lane vector loops. The view
// must be CostView<T, Neg> with unit column stride; d (the workspace's), v and fm hold
// padded(m) entries.
template <int W, class T, bool Neg>
struct VecScanner {
  double* fm;  // [padded(m)] 0.0 for a free column, +inf for a matched one (and the padding)
  double* d;   // the workspace's d [padded(m)]

  TRADEOFF_ALWAYS_INLINE void begin(index_t m) {
    const index_t mp = padded(m);
    for (index_t j = 0; j < m; ++j) fm[j] = 0.0;
    for (index_t j = m; j < mp; ++j) {
      fm[j] = HUGE_VAL;
      d[j] = HUGE_VAL;
    }
  }
  TRADEOFF_ALWAYS_INLINE void col_taken(index_t j) { put(fm, j, HUGE_VAL); }
  // a[j] = x through the W-aligned vector holding it (see put in assignment_solve_hd.hpp).
  TRADEOFF_ALWAYS_INLINE void put(double* a, index_t j, double x) const {
    simd::VD<W> blk;
    double* p = a + (j - j % W);
    vexp::load(blk, p);
    blk[j % W] = x;
    vexp::store(p, blk);
  }

  template <class View>
  TRADEOFF_ALWAYS_INLINE Top2 arr_row(const View& S, index_t i, const double* v, index_t m,
                                      bool check, bool& bad) const {
    static_assert(View::negated == Neg, "scanner and view disagree on the sign");
    if (check) return simd::arr_scan<W, T, Neg, true>(S.row(i), v, m, bad);
    return simd::arr_scan<W, T, Neg, false>(S.row(i), v, m, bad);
  }

  template <class View>
  TRADEOFF_ALWAYS_INLINE bool row_invalid(const View& S, index_t i, index_t m) const {
    return simd::row_invalid<W, T, Neg>(S.row(i), m);
  }

  template <class View>
  TRADEOFF_ALWAYS_INLINE ScanMin sap_row(const View& S, index_t i, double r, const double* v,
                                         double* dd, index_t* pred, const index_t*, index_t m,
                                         bool first) const {
    if (first) return simd::sap_scan<W, T, Neg, true>(S.row(i), i, r, v, dd, pred, fm, m);
    return simd::sap_scan<W, T, Neg, false>(S.row(i), i, r, v, dd, pred, fm, m);
  }
};

// ---- intrinsics scans (GCC on x86-64): AVX-512 and AVX2 --------------------------------------
//
// Two passes per scan, so that the hot loop carries values only:
// * Row reduction: pass A keeps, per lane, the two smallest h (values, with multiplicity:
//   u2 = min(u2, max(u1, h)), u1 = min(u1, h)); a tree over the lanes merges the pairs into the
//   row's u1 <= u2. Pass B recomputes h (the same operations, so the same bits) and finds the
//   first column with h == u1 (j1) and, on a tie (u2 == u1, the only case in which the solver
//   reads it), the next one (j2): exactly the sequential loop's lexicographic choice. Nothing is
//   searched for a value at +inf. A NaN h (only after an overflow) is ignored, as in the loop.
// * Shortest path step: pass A updates d and pred (masked store) and keeps the lane minima of
//   d and of d + f (f = 0 on free columns, +inf on matched ones); pass B finds the lowest column
//   at the least distance, a free one when the least free distance is the least distance.
// These functions are compiled for their instruction set through #pragma GCC target; the
// solver stamped out for it (flatten) inlines them.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TRADEOFF_LAP_INTRINSICS 1

// Rows of at least this many columns are read with software prefetches kPrefetchAhead doubles
// ahead: a long row streams from DRAM, and the hardware prefetcher restarts at every 4 KiB page
// (measured at n = 3000: 1.3x faster; no change at n = 1000, which sits in L3).
constexpr index_t kPrefetchCols = 512;
constexpr index_t kPrefetchAhead = 256;
template <class T>
inline void prefetch(const T* p, bool on) {  // the two cache lines of 16 entries, ahead
  if (on) {
    _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchAhead), _MM_HINT_T0);
    if (sizeof(T) == 8) _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchAhead + 8), _MM_HINT_T0);
  }
}

// Rows of at most this many columns are searched through bit masks of every vector (64 columns
// a word) and a branch-free pick of the first set bit: an early exit at a random place would be
// mispredicted at every scan (measured: 1.3x at 64 x 64; beyond 64 columns the early exit,
// which reads half the row on average, wins).
constexpr index_t kMaskCols = 64;
// Batches whose rows (the larger of n and m) have at most this many columns run the driver with
// the scans inlined, others the driver that calls them (see Scans::arr_far).
constexpr index_t kInlineCols = 64;
inline index_t first_set(const std::uint64_t* w, int nw) {  // -1 when no bit is set
  int q = 0;
  bool zero = true;
  for (int k = 0; k + 1 < nw; ++k) {
    zero = zero & (w[k] == 0);
    q += zero ? 1 : 0;
  }
  return w[q] ? index_t(64 * q + __builtin_ctzll(w[q])) : -1;
}

#pragma GCC push_options
#pragma GCC target("avx512f")
namespace x512 {

// min / max / lane shuffles / conversions through GCC vector operations: GCC 12's AVX-512
// intrinsics for them pass _mm512_undefined_pd(), which -Wuninitialized flags once inlined.
struct Scans {
  static constexpr int W = 8;

  static inline __m512d vmin(__m512d a, __m512d b) { return a < b ? a : b; }  // vminpd
  static inline __m512d vmax(__m512d a, __m512d b) { return a > b ? a : b; }  // vmaxpd
  template <int K>
  static inline __m512d swap(__m512d a) {  // exchange lanes k and k ^ K
    return __builtin_shuffle(a, __m512i{0 ^ K, 1 ^ K, 2 ^ K, 3 ^ K, 4 ^ K, 5 ^ K, 6 ^ K, 7 ^ K});
  }

  static inline __m512d neg(__m512d s) {
    return _mm512_castsi512_pd(
        _mm512_xor_si512(_mm512_castpd_si512(s), _mm512_set1_epi64(INT64_MIN)));
  }
  // The S entries of row[0, 8) (all there).
  template <class T, bool Neg>
  static inline __m512d load_full(const T* p) {
    __m512d s;
    if constexpr (std::is_same<T, double>::value) {
      s = _mm512_loadu_pd(p);
    } else {
      s = __builtin_convertvector(_mm256_loadu_ps(p), __m512d);
    }
    return Neg ? neg(s) : s;
  }
  // The S entries of row[0, len) (0 < len < 8), +inf beyond.
  template <class T, bool Neg>
  static inline __m512d load_tail(const T* p, index_t len) {
    const __mmask8 k = static_cast<__mmask8>((1u << len) - 1u);
    __m512d s;
    if constexpr (std::is_same<T, double>::value) {
      s = _mm512_maskz_loadu_pd(k, p);
    } else {
      float buf[W] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
      std::memcpy(buf, p, size_t(len) * sizeof(float));
      s = __builtin_convertvector(_mm256_loadu_ps(buf), __m512d);
    }
    if (Neg) s = neg(s);
    return _mm512_mask_blend_pd(k, _mm512_set1_pd(HUGE_VAL), s);
  }
  static inline double hmin(__m512d x) {
    x = vmin(x, swap<4>(x));
    x = vmin(x, swap<2>(x));
    x = vmin(x, swap<1>(x));
    return x[0];
  }
  static inline unsigned eq_bits(__m512d a, __m512d b) {
    return _mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ);
  }
  // a[j] = x as a store of the whole 8-aligned vector holding it (the scans load whole vectors
  // at multiples of 8, which a narrow store cannot forward to).
  static inline void put(double* a, index_t j, double x) {
    double* p = a + (j & ~index_t(7));
    _mm512_storeu_pd(p, _mm512_mask_mov_pd(_mm512_loadu_pd(p), __mmask8(1u << (j & 7)),
                                           _mm512_set1_pd(x)));
  }
  // Per lane, the two smallest values (with multiplicity) seen so far: u1 <= u2.
  // A NaN h (only after an overflow) changes nothing, as in the sequential loop: vmax(u1, h)
  // then gives NaN and vmin(NaN, u2) gives u2; vmin(h, u1) gives u1.
  static inline void push2(__m512d h, __m512d& u1, __m512d& u2) {
    u2 = vmin(vmax(u1, h), u2);
    u1 = vmin(h, u1);
  }
  // The two smallest of the pairs (u1 <= u2) and (b1 <= b2).
  static inline void merge2(__m512d& u1, __m512d& u2, __m512d b1, __m512d b2) {
    u2 = vmin(vmax(u1, b1), vmin(u2, b2));
    u1 = vmin(u1, b1);
  }

  // Row reduction's top two (see above).
  template <class T, bool Neg, bool Check>
  __attribute__((always_inline)) static inline Top2 arr_body(const T* row, const double* v,
                                                            index_t m, bool& bad) {
    const __m512d inf = _mm512_set1_pd(HUGE_VAL), ninf = _mm512_set1_pd(-HUGE_VAL);
    // two accumulator pairs (even / odd vectors) halve the dependency chains
    __m512d u1 = inf, u2 = inf, w1 = inf, w2 = inf;
    __mmask8 ok = 0xFF;
    index_t j = 0;
    const bool pf = m >= kPrefetchCols;
    for (; j + 2 * W <= m; j += 2 * W) {
      prefetch(row + j, pf);
      const __m512d s = load_full<T, Neg>(row + j), t = load_full<T, Neg>(row + j + W);
      if (Check) {
        ok = _mm512_mask_cmp_pd_mask(ok, s, ninf, _CMP_GT_OQ);
        ok = _mm512_mask_cmp_pd_mask(ok, t, ninf, _CMP_GT_OQ);
      }
      push2(_mm512_sub_pd(s, _mm512_loadu_pd(v + j)), u1, u2);
      push2(_mm512_sub_pd(t, _mm512_loadu_pd(v + j + W)), w1, w2);
    }
    for (; j < m; j += W) {
      const __m512d s = j + W <= m ? load_full<T, Neg>(row + j) : load_tail<T, Neg>(row + j, m - j);
      if (Check) ok = _mm512_mask_cmp_pd_mask(ok, s, ninf, _CMP_GT_OQ);
      push2(_mm512_sub_pd(s, _mm512_loadu_pd(v + j)), u1, u2);
    }
    if (Check) bad = ok != 0xFF;
    merge2(u1, u2, w1, w2);
    // merge the lanes' pairs: swap halves, quarters, neighbours
    merge2(u1, u2, swap<4>(u1), swap<4>(u2));
    merge2(u1, u2, swap<2>(u1), swap<2>(u2));
    merge2(u1, u2, swap<1>(u1), swap<1>(u2));
    Top2 t{u1[0], u2[0], -1, -1};
    if (!(t.u1 < HUGE_VAL)) return t;
    // j1 = the first column at u1; on a tie (u2 == u1) j2 = the next one (the solver reads j2
    // only then). Two vectors per branch.
    const bool tie = t.u2 == t.u1;
    if (m <= kMaskCols) {  // short rows: every vector's mask, no data-dependent exit
      std::uint64_t w[kMaskCols / 64] = {};
      for (index_t q = 0; q * 64 < m; ++q) {  // a word in a register, then stored once
        std::uint64_t acc = 0;
        const index_t stop = std::min(m, q * 64 + 64);
        for (j = q * 64; j < stop; j += W) {
          const __m512d s0 =
              j + W <= m ? load_full<T, Neg>(row + j) : load_tail<T, Neg>(row + j, m - j);
          acc |= std::uint64_t(eq_bits(_mm512_sub_pd(s0, _mm512_loadu_pd(v + j)), u1)) << (j & 63);
        }
        w[q] = acc;
      }
      const int nw = int((m + 63) >> 6);
      t.j1 = first_set(w, nw);
      if (tie) {
        w[t.j1 >> 6] &= w[t.j1 >> 6] - 1;
        t.j2 = first_set(w, nw);
      }
      return t;
    }
    for (j = 0; j < m; j += 2 * W) {
      const __m512d s0 = j + W <= m ? load_full<T, Neg>(row + j) : load_tail<T, Neg>(row + j, m - j);
      unsigned k = eq_bits(_mm512_sub_pd(s0, _mm512_loadu_pd(v + j)), u1);
      if (j + W < m) {
        const __m512d s1 = j + 2 * W <= m ? load_full<T, Neg>(row + j + W)
                                          : load_tail<T, Neg>(row + j + W, m - j - W);
        k |= eq_bits(_mm512_sub_pd(s1, _mm512_loadu_pd(v + j + W)), u1) << W;
      }
      if (k) {
        if (t.j1 < 0) {
          t.j1 = j + __builtin_ctz(k);
          if (!tie) return t;
          k &= k - 1;
          if (!k) continue;
        }
        t.j2 = j + __builtin_ctz(k);
        return t;
      }
    }
    return t;
  }

  template <class T, bool Neg>
  static inline bool invalid(const T* row, index_t m) {
    const __m512d ninf = _mm512_set1_pd(-HUGE_VAL);
    __mmask8 ok = 0xFF;
    index_t j = 0;
    for (; j + W <= m; j += W) {
      ok = _mm512_mask_cmp_pd_mask(ok, load_full<T, Neg>(row + j), ninf, _CMP_GT_OQ);
    }
    if (j < m) ok = _mm512_mask_cmp_pd_mask(ok, load_tail<T, Neg>(row + j, m - j), ninf, _CMP_GT_OQ);
    return ok != 0xFF;
  }

  // The first column with d_j == x (Free: and f_j == 0) among the padded arrays.
  template <bool Free>
  static inline index_t find(const double* d, const double* fm, index_t m, double x) {
    const __m512d X = _mm512_set1_pd(x);
    const index_t mp = padded(m);  // the arrays hold padded(m) entries (a multiple of 8)
    index_t j = 0;
    if (mp <= kMaskCols) {  // short rows: every vector's mask, no data-dependent exit
      std::uint64_t w[kMaskCols / 64] = {};
      for (index_t q = 0; q * 64 < mp; ++q) {
        std::uint64_t acc = 0;
        const index_t stop = std::min(mp, q * 64 + 64);
        for (j = q * 64; j < stop; j += W) {
          __m512d dj = _mm512_loadu_pd(d + j);
          if (Free) dj = _mm512_add_pd(dj, _mm512_loadu_pd(fm + j));
          acc |= std::uint64_t(eq_bits(dj, X)) << (j & 63);
        }
        w[q] = acc;
      }
      return first_set(w, int((mp + 63) >> 6));
    }
    for (; j + 2 * W <= mp; j += 2 * W) {
      __m512d d0 = _mm512_loadu_pd(d + j), d1 = _mm512_loadu_pd(d + j + W);
      if (Free) {
        d0 = _mm512_add_pd(d0, _mm512_loadu_pd(fm + j));
        d1 = _mm512_add_pd(d1, _mm512_loadu_pd(fm + j + W));
      }
      const unsigned k = eq_bits(d0, X) | (eq_bits(d1, X) << W);
      if (k) return j + __builtin_ctz(k);
    }
    for (; j < mp; j += W) {
      __m512d dj = _mm512_loadu_pd(d + j);
      if (Free) dj = _mm512_add_pd(dj, _mm512_loadu_pd(fm + j));
      const unsigned k = eq_bits(dj, X);
      if (k) return j + __builtin_ctz(k);
    }
    return -1;
  }

  template <class T, bool Neg, bool First>
  static inline void sap_step(__m512d s, index_t j, __m512d R, __m512i I, const double* v,
                              double* d, index_t* pred, const double* fm, __m512d& low,
                              __m512d& lowf) {
    const __m512d cand = _mm512_sub_pd(_mm512_add_pd(R, s), _mm512_loadu_pd(v + j));
    __m512d dn;
    if (First) {
      dn = vmin(cand, _mm512_set1_pd(HUGE_VAL));  // a NaN cand leaves d at +inf
      _mm512_storeu_si512(pred + j, I);
    } else {
      const __m512d dold = _mm512_loadu_pd(d + j);
      const __mmask8 k = _mm512_cmp_pd_mask(cand, dold, _CMP_LT_OQ);
      dn = _mm512_mask_blend_pd(k, dold, cand);
      _mm512_mask_storeu_epi64(pred + j, k, I);
    }
    _mm512_storeu_pd(d + j, dn);
    low = vmin(dn, low);
    lowf = vmin(_mm512_add_pd(dn, _mm512_loadu_pd(fm + j)), lowf);
  }

  // The shortest path step's scan (see above); d, pred, fm, v padded to a multiple of 8.
  template <class T, bool Neg, bool First>
  __attribute__((always_inline)) static inline ScanMin sap_body(const T* row, index_t i, double r,
                                                                const double* v, double* d,
                                                                index_t* pred, const double* fm,
                                                                index_t m) {
    const __m512d R = _mm512_set1_pd(r);
    const __m512i I = _mm512_set1_epi64(i);
    __m512d low = _mm512_set1_pd(HUGE_VAL), lowf = low, low2 = low, lowf2 = low;
    const bool pf = m >= kPrefetchCols;
    index_t j = 0;
    for (; j + 2 * W <= m; j += 2 * W) {  // two accumulators: half the dependency chains
      prefetch(row + j, pf);
      sap_step<T, Neg, First>(load_full<T, Neg>(row + j), j, R, I, v, d, pred, fm, low, lowf);
      sap_step<T, Neg, First>(load_full<T, Neg>(row + j + W), j + W, R, I, v, d, pred, fm, low2,
                              lowf2);
    }
    for (; j < m; j += W) {
      const __m512d s = j + W <= m ? load_full<T, Neg>(row + j) : load_tail<T, Neg>(row + j, m - j);
      sap_step<T, Neg, First>(s, j, R, I, v, d, pred, fm, low, lowf);
    }
    low = vmin(low, low2);
    lowf = vmin(lowf, lowf2);
    ScanMin out{hmin(low), hmin(lowf), -1, -1};
    if (!(out.low < HUGE_VAL)) return out;
    if (out.lowf == out.low) {
      out.jf = find<true>(d, fm, m, out.low);
    } else {
      out.jlow = find<false>(d, fm, m, out.low);
    }
    return out;
  }

  // Entry points: short rows inline into the driver (a call would cost a fifth of a 16-column
  // scan); long rows out of line (measured: the driver with the long-row scans inlined into it
  // compiles 10% slower at n = 1000, with LTO).
  template <class T, bool Neg, bool Check>
  static inline Top2 arr(const T* row, const double* v, index_t m, bool& bad) {
    return arr_body<T, Neg, Check>(row, v, m, bad);
  }
  template <class T, bool Neg, bool Check>
  __attribute__((noinline)) static Top2 arr_far(const T* row, const double* v, index_t m,
                                                bool& bad) {
    return arr_body<T, Neg, Check>(row, v, m, bad);
  }
  template <class T, bool Neg, bool First>
  static inline ScanMin sap(const T* row, index_t i, double r, const double* v, double* d,
                            index_t* pred, const double* fm, index_t m) {
    return sap_body<T, Neg, First>(row, i, r, v, d, pred, fm, m);
  }
  template <class T, bool Neg, bool First>
  __attribute__((noinline)) static ScanMin sap_far(const T* row, index_t i, double r,
                                                   const double* v, double* d, index_t* pred,
                                                   const double* fm, index_t m) {
    return sap_body<T, Neg, First>(row, i, r, v, d, pred, fm, m);
  }
};

}  // namespace x512
#pragma GCC pop_options
#endif  // intrinsics

#if defined(TRADEOFF_LAP_INTRINSICS)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace x256 {

// The AVX2 twins of x512::Scans (4 lanes, masks as vectors and movemask bits).
struct Scans {
  static constexpr int W = 4;

  static inline __m256d neg(__m256d s) { return _mm256_xor_pd(s, _mm256_set1_pd(-0.0)); }
  template <class T, bool Neg>
  static inline __m256d load_full(const T* p) {
    __m256d s;
    if constexpr (std::is_same<T, double>::value) {
      s = _mm256_loadu_pd(p);
    } else {
      s = _mm256_cvtps_pd(_mm_loadu_ps(p));
    }
    return Neg ? neg(s) : s;
  }
  template <class T, bool Neg>
  static inline __m256d load_tail(const T* p, index_t len) {
    const __m256i lanes = _mm256_set_epi64x(3, 2, 1, 0);
    const __m256i k = _mm256_cmpgt_epi64(_mm256_set1_epi64x(len), lanes);
    __m256d s;
    if constexpr (std::is_same<T, double>::value) {
      s = _mm256_maskload_pd(p, k);
    } else {
      const __m128i k32 = _mm_set_epi32(len > 3 ? -1 : 0, len > 2 ? -1 : 0, len > 1 ? -1 : 0, -1);
      s = _mm256_cvtps_pd(_mm_maskload_ps(p, k32));
    }
    if (Neg) s = neg(s);
    return _mm256_blendv_pd(_mm256_set1_pd(HUGE_VAL), s, _mm256_castsi256_pd(k));
  }
  static inline double hmin(__m256d x) {
    const __m128d a = _mm_min_pd(_mm256_castpd256_pd128(x), _mm256_extractf128_pd(x, 1));
    return _mm_cvtsd_f64(_mm_min_sd(a, _mm_unpackhi_pd(a, a)));
  }
  static inline unsigned eq_bits(__m256d a, __m256d b) {
    return static_cast<unsigned>(_mm256_movemask_pd(_mm256_cmp_pd(a, b, _CMP_EQ_OQ)));
  }
  static inline void put(double* a, index_t j, double x) {  // as x512's, 4-aligned
    double* p = a + (j & ~index_t(3));
    const __m256i lane = _mm256_cmpeq_epi64(_mm256_set1_epi64x(j & 3), _mm256_set_epi64x(3, 2, 1, 0));
    _mm256_storeu_pd(p, _mm256_blendv_pd(_mm256_loadu_pd(p), _mm256_set1_pd(x),
                                         _mm256_castsi256_pd(lane)));
  }
  static inline void push2(__m256d h, __m256d& u1, __m256d& u2) {  // NaN-safe as x512's
    u2 = _mm256_min_pd(_mm256_max_pd(u1, h), u2);
    u1 = _mm256_min_pd(h, u1);
  }
  static inline void merge2(__m256d& u1, __m256d& u2, __m256d b1, __m256d b2) {
    u2 = _mm256_min_pd(_mm256_max_pd(u1, b1), _mm256_min_pd(u2, b2));
    u1 = _mm256_min_pd(u1, b1);
  }

  template <class T, bool Neg, bool Check>
  __attribute__((always_inline)) static inline Top2 arr_body(const T* row, const double* v,
                                                            index_t m, bool& bad) {
    const __m256d inf = _mm256_set1_pd(HUGE_VAL), ninf = _mm256_set1_pd(-HUGE_VAL);
    __m256d u1 = inf, u2 = inf, w1 = inf, w2 = inf, ok = _mm256_cmp_pd(ninf, inf, _CMP_LT_OQ);
    index_t j = 0;
    const bool pf = m >= kPrefetchCols;
    for (; j + 2 * W <= m; j += 2 * W) {
      prefetch(row + j, pf);
      const __m256d s = load_full<T, Neg>(row + j), t = load_full<T, Neg>(row + j + W);
      if (Check) {
        ok = _mm256_and_pd(ok, _mm256_cmp_pd(s, ninf, _CMP_GT_OQ));
        ok = _mm256_and_pd(ok, _mm256_cmp_pd(t, ninf, _CMP_GT_OQ));
      }
      push2(_mm256_sub_pd(s, _mm256_loadu_pd(v + j)), u1, u2);
      push2(_mm256_sub_pd(t, _mm256_loadu_pd(v + j + W)), w1, w2);
    }
    for (; j < m; j += W) {
      const __m256d s = j + W <= m ? load_full<T, Neg>(row + j) : load_tail<T, Neg>(row + j, m - j);
      if (Check) ok = _mm256_and_pd(ok, _mm256_cmp_pd(s, ninf, _CMP_GT_OQ));
      push2(_mm256_sub_pd(s, _mm256_loadu_pd(v + j)), u1, u2);
    }
    if (Check) bad = _mm256_movemask_pd(ok) != 0xF;
    merge2(u1, u2, w1, w2);
    merge2(u1, u2, _mm256_permute2f128_pd(u1, u1, 0x01), _mm256_permute2f128_pd(u2, u2, 0x01));
    merge2(u1, u2, _mm256_permute_pd(u1, 0x5), _mm256_permute_pd(u2, 0x5));
    Top2 t{_mm256_cvtsd_f64(u1), _mm256_cvtsd_f64(u2), -1, -1};
    if (!(t.u1 < HUGE_VAL)) return t;
    // j1 = the first column at u1; on a tie (u2 == u1) j2 = the next one (the solver reads j2
    // only then). Two vectors per branch.
    const bool tie = t.u2 == t.u1;
    if (m <= kMaskCols) {  // short rows: every vector's mask, no data-dependent exit
      std::uint64_t w[kMaskCols / 64] = {};
      for (index_t q = 0; q * 64 < m; ++q) {  // a word in a register, then stored once
        std::uint64_t acc = 0;
        const index_t stop = std::min(m, q * 64 + 64);
        for (j = q * 64; j < stop; j += W) {
          const __m256d s0 =
              j + W <= m ? load_full<T, Neg>(row + j) : load_tail<T, Neg>(row + j, m - j);
          acc |= std::uint64_t(eq_bits(_mm256_sub_pd(s0, _mm256_loadu_pd(v + j)), u1)) << (j & 63);
        }
        w[q] = acc;
      }
      const int nw = int((m + 63) >> 6);
      t.j1 = first_set(w, nw);
      if (tie) {
        w[t.j1 >> 6] &= w[t.j1 >> 6] - 1;
        t.j2 = first_set(w, nw);
      }
      return t;
    }
    for (j = 0; j < m; j += 2 * W) {
      const __m256d s0 = j + W <= m ? load_full<T, Neg>(row + j) : load_tail<T, Neg>(row + j, m - j);
      unsigned k = eq_bits(_mm256_sub_pd(s0, _mm256_loadu_pd(v + j)), u1);
      if (j + W < m) {
        const __m256d s1 = j + 2 * W <= m ? load_full<T, Neg>(row + j + W)
                                          : load_tail<T, Neg>(row + j + W, m - j - W);
        k |= eq_bits(_mm256_sub_pd(s1, _mm256_loadu_pd(v + j + W)), u1) << W;
      }
      if (k) {
        if (t.j1 < 0) {
          t.j1 = j + __builtin_ctz(k);
          if (!tie) return t;
          k &= k - 1;
          if (!k) continue;
        }
        t.j2 = j + __builtin_ctz(k);
        return t;
      }
    }
    return t;
  }

  template <class T, bool Neg>
  static inline bool invalid(const T* row, index_t m) {
    const __m256d ninf = _mm256_set1_pd(-HUGE_VAL);
    __m256d ok = _mm256_cmp_pd(ninf, _mm256_set1_pd(HUGE_VAL), _CMP_LT_OQ);
    index_t j = 0;
    for (; j + W <= m; j += W) {
      ok = _mm256_and_pd(ok, _mm256_cmp_pd(load_full<T, Neg>(row + j), ninf, _CMP_GT_OQ));
    }
    if (j < m) {
      ok = _mm256_and_pd(ok, _mm256_cmp_pd(load_tail<T, Neg>(row + j, m - j), ninf, _CMP_GT_OQ));
    }
    return _mm256_movemask_pd(ok) != 0xF;
  }

  template <bool Free>
  static inline index_t find(const double* d, const double* fm, index_t m, double x) {
    const __m256d X = _mm256_set1_pd(x);
    const index_t mp = padded(m);  // the arrays hold padded(m) entries (a multiple of 8)
    index_t j = 0;
    if (mp <= kMaskCols) {  // short rows: every vector's mask, no data-dependent exit
      std::uint64_t w[kMaskCols / 64] = {};
      for (index_t q = 0; q * 64 < mp; ++q) {
        std::uint64_t acc = 0;
        const index_t stop = std::min(mp, q * 64 + 64);
        for (j = q * 64; j < stop; j += W) {
          __m256d dj = _mm256_loadu_pd(d + j);
          if (Free) dj = _mm256_add_pd(dj, _mm256_loadu_pd(fm + j));
          acc |= std::uint64_t(eq_bits(dj, X)) << (j & 63);
        }
        w[q] = acc;
      }
      return first_set(w, int((mp + 63) >> 6));
    }
    for (; j + 2 * W <= mp; j += 2 * W) {
      __m256d d0 = _mm256_loadu_pd(d + j), d1 = _mm256_loadu_pd(d + j + W);
      if (Free) {
        d0 = _mm256_add_pd(d0, _mm256_loadu_pd(fm + j));
        d1 = _mm256_add_pd(d1, _mm256_loadu_pd(fm + j + W));
      }
      const unsigned k = eq_bits(d0, X) | (eq_bits(d1, X) << W);
      if (k) return j + __builtin_ctz(k);
    }
    for (; j < mp; j += W) {
      __m256d dj = _mm256_loadu_pd(d + j);
      if (Free) dj = _mm256_add_pd(dj, _mm256_loadu_pd(fm + j));
      const unsigned k = eq_bits(dj, X);
      if (k) return j + __builtin_ctz(k);
    }
    return -1;
  }

  template <class T, bool Neg, bool First>
  static inline void sap_step(__m256d s, index_t j, __m256d R, __m256i I, const double* v,
                              double* d, index_t* pred, const double* fm, __m256d& low,
                              __m256d& lowf) {
    const __m256d cand = _mm256_sub_pd(_mm256_add_pd(R, s), _mm256_loadu_pd(v + j));
    __m256d dn;
    if (First) {
      dn = _mm256_min_pd(cand, _mm256_set1_pd(HUGE_VAL));  // a NaN cand leaves d at +inf
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(pred + j), I);
    } else {
      const __m256d dold = _mm256_loadu_pd(d + j);
      const __m256d k = _mm256_cmp_pd(cand, dold, _CMP_LT_OQ);
      dn = _mm256_blendv_pd(dold, cand, k);
      const __m256d pold = _mm256_loadu_pd(reinterpret_cast<const double*>(pred + j));
      _mm256_storeu_pd(reinterpret_cast<double*>(pred + j),
                       _mm256_blendv_pd(pold, _mm256_castsi256_pd(I), k));
    }
    _mm256_storeu_pd(d + j, dn);
    low = _mm256_min_pd(dn, low);
    lowf = _mm256_min_pd(_mm256_add_pd(dn, _mm256_loadu_pd(fm + j)), lowf);
  }

  template <class T, bool Neg, bool First>
  __attribute__((always_inline)) static inline ScanMin sap_body(const T* row, index_t i, double r,
                                                                const double* v, double* d,
                                                                index_t* pred, const double* fm,
                                                                index_t m) {
    const __m256d R = _mm256_set1_pd(r);
    const __m256i I = _mm256_set1_epi64x(i);
    __m256d low = _mm256_set1_pd(HUGE_VAL), lowf = low, low2 = low, lowf2 = low;
    const bool pf = m >= kPrefetchCols;
    index_t j = 0;
    for (; j + 2 * W <= m; j += 2 * W) {
      prefetch(row + j, pf);
      sap_step<T, Neg, First>(load_full<T, Neg>(row + j), j, R, I, v, d, pred, fm, low, lowf);
      sap_step<T, Neg, First>(load_full<T, Neg>(row + j + W), j + W, R, I, v, d, pred, fm, low2,
                              lowf2);
    }
    for (; j < m; j += W) {
      const __m256d s = j + W <= m ? load_full<T, Neg>(row + j) : load_tail<T, Neg>(row + j, m - j);
      sap_step<T, Neg, First>(s, j, R, I, v, d, pred, fm, low, lowf);
    }
    low = _mm256_min_pd(low, low2);
    lowf = _mm256_min_pd(lowf, lowf2);
    ScanMin out{hmin(low), hmin(lowf), -1, -1};
    if (!(out.low < HUGE_VAL)) return out;
    if (out.lowf == out.low) {
      out.jf = find<true>(d, fm, m, out.low);
    } else {
      out.jlow = find<false>(d, fm, m, out.low);
    }
    return out;
  }

  // Entry points: short rows inline into the driver (a call would cost a fifth of a 16-column
  // scan); long rows out of line (measured: the driver with the long-row scans inlined into it
  // compiles 10% slower at n = 1000, with LTO).
  template <class T, bool Neg, bool Check>
  static inline Top2 arr(const T* row, const double* v, index_t m, bool& bad) {
    return arr_body<T, Neg, Check>(row, v, m, bad);
  }
  template <class T, bool Neg, bool Check>
  __attribute__((noinline)) static Top2 arr_far(const T* row, const double* v, index_t m,
                                                bool& bad) {
    return arr_body<T, Neg, Check>(row, v, m, bad);
  }
  template <class T, bool Neg, bool First>
  static inline ScanMin sap(const T* row, index_t i, double r, const double* v, double* d,
                            index_t* pred, const double* fm, index_t m) {
    return sap_body<T, Neg, First>(row, i, r, v, d, pred, fm, m);
  }
  template <class T, bool Neg, bool First>
  __attribute__((noinline)) static ScanMin sap_far(const T* row, index_t i, double r,
                                                   const double* v, double* d, index_t* pred,
                                                   const double* fm, index_t m) {
    return sap_body<T, Neg, First>(row, i, r, v, d, pred, fm, m);
  }
};

}  // namespace x256
#pragma GCC pop_options

// The scanner of solve_core over one of the Scans above (d, v, fm padded to a multiple of 8).
// Far: the scans are calls (batches of long rows), else inlined (short rows; see arr_far).
template <class Scans, class T, bool Neg, bool Far>
struct IsaScanner {
  double* fm;  // [padded(m)] 0.0 for a free column, +inf for a matched one (and the padding)
  double* d;   // the workspace's d [padded(m)]

  inline void begin(index_t m) {
    const index_t mp = padded(m);
    for (index_t j = 0; j < m; ++j) fm[j] = 0.0;
    for (index_t j = m; j < mp; ++j) {
      fm[j] = HUGE_VAL;
      d[j] = HUGE_VAL;
    }
  }
  inline void col_taken(index_t j) { Scans::put(fm, j, HUGE_VAL); }
  inline void put(double* a, index_t j, double x) const { Scans::put(a, j, x); }

  template <class View>
  inline Top2 arr_row(const View& S, index_t i, const double* v, index_t m, bool check,
                      bool& bad) const {
    static_assert(View::negated == Neg, "scanner and view disagree on the sign");
    if (!Far) {
      if (check) return Scans::template arr<T, Neg, true>(S.row(i), v, m, bad);
      return Scans::template arr<T, Neg, false>(S.row(i), v, m, bad);
    }
    if (check) return Scans::template arr_far<T, Neg, true>(S.row(i), v, m, bad);
    return Scans::template arr_far<T, Neg, false>(S.row(i), v, m, bad);
  }
  template <class View>
  inline bool row_invalid(const View& S, index_t i, index_t m) const {
    return Scans::template invalid<T, Neg>(S.row(i), m);
  }
  template <class View>
  inline ScanMin sap_row(const View& S, index_t i, double r, const double* v, double* dd,
                         index_t* pred, const index_t*, index_t m, bool first) const {
    if (!Far) {
      if (first) return Scans::template sap<T, Neg, true>(S.row(i), i, r, v, dd, pred, fm, m);
      return Scans::template sap<T, Neg, false>(S.row(i), i, r, v, dd, pred, fm, m);
    }
    if (first) return Scans::template sap_far<T, Neg, true>(S.row(i), i, r, v, dd, pred, fm, m);
    return Scans::template sap_far<T, Neg, false>(S.row(i), i, r, v, dd, pred, fm, m);
  }
};
#endif  // intrinsics

// Scratch of one worker, sized for the batch's largest instance.
template <class T>
struct Context {
  std::vector<double> v, fm;  // [padded(ms)]
  std::vector<double> ws;     // the workspace, bound for (ns, padded(ms))
  std::vector<T> tbuf;        // transposed copies: ns rows of padded(ms) entries
  Workspace w{};
  index_t cap_n = -1, cap_m = -1;

  // Room for problems S of up to ns rows and ms columns.
  void reserve(index_t ns, index_t ms, bool transposed) {
    const index_t mp = padded(ms);
    if (ns > cap_n || ms > cap_m) {
      cap_n = std::max(cap_n, ns);
      cap_m = std::max(cap_m, ms);
      const index_t cmp = padded(cap_m);
      v.assign(size_t(cmp), 0.0);
      fm.assign(size_t(cmp), HUGE_VAL);
      ws.assign(size_t(workspace_elements(cap_n, cmp)), 0.0);
    }
    if (transposed && tbuf.size() < size_t(ns * mp)) tbuf.resize(size_t(ns * mp));
  }
};

// ---- the transposed copy ------------------------------------------------------------------

// Four T in one vector, and the integer vector that shuffles them.
template <class T>
struct V4;
template <>
struct V4<double> {
  typedef double v __attribute__((vector_size(32)));
  typedef std::int64_t m __attribute__((vector_size(32)));
};
template <>
struct V4<float> {
  typedef float v __attribute__((vector_size(16)));
  typedef std::int32_t m __attribute__((vector_size(16)));
};

// The 4 x 4 block at a (row stride ld), transposed to o (row stride ldo); ok &= "every entry is
// valid": > -inf, or < +inf when Neg (maximizing: the S entries are the negated ones).
template <class T, bool Neg>
TRADEOFF_ALWAYS_INLINE void transpose4(const T* a, index_t ld, T* o, index_t ldo,
                                       typename V4<T>::m& ok) {
  using V = typename V4<T>::v;
  using M = typename V4<T>::m;
  V r0, r1, r2, r3;
  vexp::load(r0, a);
  vexp::load(r1, a + ld);
  vexp::load(r2, a + 2 * ld);
  vexp::load(r3, a + 3 * ld);
  const V inf = V{} + std::numeric_limits<T>::infinity();
  if (Neg) {
    ok &= (r0 < inf) & (r1 < inf) & (r2 < inf) & (r3 < inf);
  } else {
    ok &= (r0 > -inf) & (r1 > -inf) & (r2 > -inf) & (r3 > -inf);
  }
  const V t0 = __builtin_shuffle(r0, r1, M{0, 4, 1, 5});
  const V t1 = __builtin_shuffle(r0, r1, M{2, 6, 3, 7});
  const V t2 = __builtin_shuffle(r2, r3, M{0, 4, 1, 5});
  const V t3 = __builtin_shuffle(r2, r3, M{2, 6, 3, 7});
  vexp::store(o, V(__builtin_shuffle(t0, t2, M{0, 1, 4, 5})));
  vexp::store(o + ldo, V(__builtin_shuffle(t0, t2, M{2, 3, 6, 7})));
  vexp::store(o + 2 * ldo, V(__builtin_shuffle(t1, t3, M{0, 1, 4, 5})));
  vexp::store(o + 3 * ldo, V(__builtin_shuffle(t1, t3, M{2, 3, 6, 7})));
}

// out[j * ldo + i] = A[i * ld + j], i < r, j < c (the entries stay as they are: the solver reads
// the copy through the same view as the original, negated when maximizing; the scans never read
// beyond a row's r entries); false when an entry is NaN, or -inf (+inf when Neg: maximizing
// flips the sign). 4 x 4 blocks in 32 x 32 tiles, the ragged edges entry by entry.
template <class T, bool Neg>
TRADEOFF_ALWAYS_INLINE bool transpose_copy(const T* A, index_t ld, index_t r, index_t c, T* out,
                                           index_t ldo) {
  constexpr index_t kTile = 32;
  const T ninf = -std::numeric_limits<T>::infinity();
  const index_t r4 = r - r % 4, c4 = c - c % 4;
  typename V4<T>::m okv = typename V4<T>::m{} - 1;
  for (index_t i0 = 0; i0 < r4; i0 += kTile) {
    const index_t i1 = std::min(r4, i0 + kTile);
    for (index_t j0 = 0; j0 < c4; j0 += kTile) {
      const index_t j1 = std::min(c4, j0 + kTile);
      for (index_t i = i0; i < i1; i += 4) {
        for (index_t j = j0; j < j1; j += 4) {
          transpose4<T, Neg>(A + i * ld + j, ld, out + j * ldo + i, ldo, okv);
        }
      }
    }
  }
  bool ok = true;
  for (int k = 0; k < 4; ++k) ok &= okv[k] != 0;
  auto one = [&](index_t i, index_t j) {
    const T s = A[i * ld + j];
    ok &= Neg ? s < -ninf : s > ninf;
    out[j * ldo + i] = s;
  };
  for (index_t i = 0; i < r4; ++i) {
    for (index_t j = c4; j < c; ++j) one(i, j);
  }
  for (index_t i = r4; i < r; ++i) {
    for (index_t j = 0; j < c; ++j) one(i, j);
  }
  return ok;
}


// ---- the batch driver --------------------------------------------------------------------------

// A batch and its outputs (the kernel interface).
template <class T>
struct Batch {
  const T* cost;  // (B, n, m)
  index_t B, n, m;
  const std::int64_t *rows, *cols;
  bool maximize;
  BatchOut out;
};

// Instances in flight per worker, at most (measured: 3 or 4 are slower than 2).
constexpr int kMaxLanes = 2;

// The instances a worker takes: chunks of `chunk` from a counter shared by the workers.
struct Queue {
  std::atomic<index_t>* next;
  index_t chunk, at = 0, stop = 0, end = 0;
  bool pop(index_t& b) {
    if (at == stop) {
      at = next->fetch_add(chunk);
      if (at >= end) {
        at = stop = end;
        return false;
      }
      stop = std::min(end, at + chunk);
    }
    b = at++;
    return true;
  }
};

// One instance in progress: its scratch, the solver's state and what finishing it needs.
template <class T, bool Neg, class Scanner>
struct Lane {
  Context<T>* ctx;
  Core<CostView<T, Neg>, Scanner> core;
  Scanner sc;
  InstanceOut o;
  index_t r, c, ns, ms;
  double* vs;  // the output that receives v of S
};

// Steps 1-4 of instance b: the padding of the outputs, empty blocks, the transposed copy (with
// the validation) and the solver's start. False when the instance is already finished.
template <class T, bool Neg, class Scanner>
TRADEOFF_ALWAYS_INLINE bool lane_load(Lane<T, Neg, Scanner>& L, const Batch<T>& bt, index_t b) {
  const index_t n = bt.n, m = bt.m;
  const index_t r = bt.rows[b], c = bt.cols[b];
  const InstanceOut o{bt.out.col_of_row + b * n, bt.out.row_of_col + b * m, bt.out.u + b * n,
                      bt.out.v + b * m,          bt.out.total + b,          bt.out.status + b};
  for (index_t i = r; i < n; ++i) {
    o.col_of_row[i] = -1;
    o.u[i] = 0.0;
  }
  for (index_t j = c; j < m; ++j) {
    o.row_of_col[j] = -1;
    o.v[j] = 0.0;
  }
  if (r == 0 || c == 0) {
    clear_instance(o, n, m);
    *o.status = kSolved;
    return false;
  }
  const bool transposed = r > c;
  const index_t ns = transposed ? c : r, ms = transposed ? r : c, mp = padded(ms);
  Context<T>& ctx = *L.ctx;
  ctx.reserve(ns, ms, transposed);
  const T* A = bt.cost + b * n * m;
  const T* base = A;
  index_t ld = m;
  if (transposed) {
    if (!transpose_copy<T, Neg>(A, m, r, c, ctx.tbuf.data(), mp)) {
      clear_instance(o, n, m);
      *o.status = kInvalid;
      return false;
    }
    base = ctx.tbuf.data();
    ld = mp;
  }
  L.o = o;
  L.r = r;
  L.c = c;
  L.ns = ns;
  L.ms = ms;
  L.vs = transposed ? o.u : o.v;
  const Workspace ws = workspace_bind(ctx.ws.data(), ns, mp);
  double* v = ctx.v.data();
  for (index_t j = ms; j < mp; ++j) v[j] = 0.0;
  L.sc = Scanner{ctx.fm.data(), ws.d};
  L.core.start(CostView<T, Neg>{base, ld, 1}, ns, ms, transposed ? o.row_of_col : o.col_of_row,
               transposed ? o.col_of_row : o.row_of_col, transposed ? o.v : o.u, v, ws,
               !transposed, L.sc);
  return true;
}

// Steps 5-7 once the solver has stopped: v of S out of the padded scratch, the total, the signs;
// -1 / 0 for a status != 0.
template <class T, bool Neg, class Scanner>
TRADEOFF_ALWAYS_INLINE void lane_finish(Lane<T, Neg, Scanner>& L, const Batch<T>& bt) {
  signed char st = L.core.status;
  if (st == kSolved) {
    const double* v = L.core.v;
    for (index_t j = 0; j < L.ms; ++j) L.vs[j] = v[j];
    st = finish_instance(L.core.S, L.ns, L.core.x, Neg, L.o.u, L.r, L.o.v, L.c, L.o.total);
  } else {
    clear_instance(L.o, bt.n, bt.m);
  }
  *L.o.status = st;
}

// Solves the instances of the queue with `lanes` (1 or 2) instances in flight, alternating
// their steps: every step of an instance waits on its previous one (a scan's minimum decides
// the next row), so a second independent instance fills the wait.
template <class T, bool Neg, class Scanner>
TRADEOFF_ALWAYS_INLINE void run_queue(const Batch<T>& bt, Queue& q, Context<T>* ctx, int lanes) {
  Lane<T, Neg, Scanner> L0{}, L1{};
  L0.ctx = ctx;
  L1.ctx = ctx + 1;
  auto fill = [&](Lane<T, Neg, Scanner>& L) {
    index_t b;
    while (q.pop(b)) {
      if (lane_load(L, bt, b)) return true;
    }
    return false;
  };
  bool a0 = fill(L0);
  bool a1 = lanes > 1 && fill(L1);
  while (a0 || a1) {
    if (a0 && !L0.core.step(L0.sc)) {
      lane_finish(L0, bt);
      a0 = fill(L0);
    }
    if (a1 && !L1.core.step(L1.sc)) {
      lane_finish(L1, bt);
      a1 = fill(L1);
    }
  }
}

// One instruction set's driver, stamped out with its target attribute (flatten: the scanner's
// intrinsics functions, compiled for the instruction set, are inlined with everything else).
template <class T>
using RunFn = void (*)(const Batch<T>& bt, Queue& q, Context<T>* ctx, int lanes);

#define TRADEOFF_LAP_STAMP(ATTR, SUF, NEAR, FAR)                                               \
  namespace stamp_##SUF {                                                                      \
  template <class T, bool Neg, bool Far>                                                       \
  ATTR __attribute__((flatten)) void run(const Batch<T>& bt, Queue& q, Context<T>* ctx,        \
                                         int lanes) {                                          \
    if (Far) {                                                                                 \
      run_queue<T, Neg, FAR>(bt, q, ctx, lanes);                                               \
    } else {                                                                                   \
      run_queue<T, Neg, NEAR>(bt, q, ctx, lanes);                                              \
    }                                                                                          \
  }                                                                                            \
  }

#define TRADEOFF_LAP_COMMA ,
TRADEOFF_LAP_STAMP(, sse2, VecScanner<2 TRADEOFF_LAP_COMMA T TRADEOFF_LAP_COMMA Neg>,
                   VecScanner<2 TRADEOFF_LAP_COMMA T TRADEOFF_LAP_COMMA Neg>)
#if defined(TRADEOFF_LAP_INTRINSICS)
TRADEOFF_LAP_STAMP(TRADEOFF_VEXP_TARGET_AVX2, avx2,
                   IsaScanner<x256::Scans TRADEOFF_LAP_COMMA T TRADEOFF_LAP_COMMA Neg
                                  TRADEOFF_LAP_COMMA false>,
                   IsaScanner<x256::Scans TRADEOFF_LAP_COMMA T TRADEOFF_LAP_COMMA Neg
                                  TRADEOFF_LAP_COMMA true>)
TRADEOFF_LAP_STAMP(TRADEOFF_VEXP_TARGET_AVX512, avx512,
                   IsaScanner<x512::Scans TRADEOFF_LAP_COMMA T TRADEOFF_LAP_COMMA Neg
                                  TRADEOFF_LAP_COMMA false>,
                   IsaScanner<x512::Scans TRADEOFF_LAP_COMMA T TRADEOFF_LAP_COMMA Neg
                                  TRADEOFF_LAP_COMMA true>)
#else
TRADEOFF_LAP_STAMP(TRADEOFF_VEXP_TARGET_AVX2, avx2,
                   VecScanner<4 TRADEOFF_LAP_COMMA T TRADEOFF_LAP_COMMA Neg>,
                   VecScanner<4 TRADEOFF_LAP_COMMA T TRADEOFF_LAP_COMMA Neg>)
TRADEOFF_LAP_STAMP(TRADEOFF_VEXP_TARGET_AVX512, avx512,
                   VecScanner<8 TRADEOFF_LAP_COMMA T TRADEOFF_LAP_COMMA Neg>,
                   VecScanner<8 TRADEOFF_LAP_COMMA T TRADEOFF_LAP_COMMA Neg>)
#endif
#undef TRADEOFF_LAP_COMMA
#undef TRADEOFF_LAP_STAMP

template <class T>
struct Kernels {
  RunFn<T> run[2][2];  // [maximize][far: rows longer than kInlineCols]
};

#define TRADEOFF_LAP_TABLE(SUF)                                                                \
  Kernels<T>{{{&stamp_##SUF::run<T, false, false>, &stamp_##SUF::run<T, false, true>},          \
              {&stamp_##SUF::run<T, true, false>, &stamp_##SUF::run<T, true, true>}}}

template <class T>
Kernels<T> kernels_for(vexp::Isa isa) {
  if (isa == vexp::Isa::avx512 && vexp::cpu_has(vexp::Isa::avx512)) return TRADEOFF_LAP_TABLE(avx512);
  if (isa != vexp::Isa::sse2 && vexp::cpu_has(vexp::Isa::avx2)) return TRADEOFF_LAP_TABLE(avx2);
  return TRADEOFF_LAP_TABLE(sse2);
}
#undef TRADEOFF_LAP_TABLE

template <class T>
const Kernels<T>& kernels() {
  static const Kernels<T> table = kernels_for<T>(vexp::isa());
  return table;
}

// The calling thread's transposed-copy buffer is kept between calls up to this size.
constexpr size_t kKeepBytes = size_t(64) << 20;

// Below this many cost entries in the whole batch, one thread (starting threads costs more).
constexpr index_t kParallelEntries = index_t(1) << 15;

// Two instances in flight per worker when an instance has at most this many entries (measured:
// 1.25x at 16 x 16, 1.3x at 32 x 32 and 64 x 64, slower at 128 x 128, where a scan is long
// enough to keep the core busy on its own).
constexpr index_t kTwoLaneEntries = index_t(64) * 64;

// Solves instance b = cost[b, :rows[b], :cols[b]] of the (B, n, m) batch for every b, writing
// the kernel interface's outputs (status kOverflow where a solved instance's potentials or
// total overflowed). rows[b] in [0, n], cols[b] in [0, m] (the caller checks).
// threads: 0 = num_threads(). isa: -1 = the best of this CPU (vexp::isa()), else a vexp::Isa
// value (tests compare the instruction sets; one the CPU lacks falls back to what it has).
// lanes: instances in flight per worker (0 = by size, else 1 or 2; tests compare them).
template <class T>
void lap_solve(const T* cost, index_t B, index_t n, index_t m, const std::int64_t* rows,
               const std::int64_t* cols, bool maximize, const BatchOut& out, int threads = 0,
               int isa = -1, int lanes = 0) {
  if (B <= 0) return;
  const Kernels<T> K = isa < 0 ? kernels<T>() : kernels_for<T>(vexp::Isa(isa));
  const RunFn<T> run = K.run[maximize ? 1 : 0][std::max(n, m) > kInlineCols ? 1 : 0];
  const Batch<T> bt{cost, B, n, m, rows, cols, maximize, out};
  const index_t nm = n * m;
  if (lanes <= 0) lanes = nm <= kTwoLaneEntries ? 2 : 1;
  lanes = std::min(std::max(lanes, 1), kMaxLanes);
  int workers = threads > 0 ? threads : num_threads();
  if (B < 2 || B * nm < kParallelEntries || in_parallel_region()) workers = 1;
  workers = int(std::min<index_t>(workers, B));
  std::atomic<index_t> next{0};
  if (workers <= 1) {
    // The calling thread keeps its scratch between calls: fresh pages cost a fault each (a
    // transposed 2000 x 500 copy faulted for longer than it took to solve), so only a scratch
    // beyond kKeepBytes is given back.
    static thread_local Context<T> kept[kMaxLanes];
    Queue q{&next, B, 0, 0, B};
    run(bt, q, kept, lanes);
    for (auto& c : kept) {
      if (c.tbuf.capacity() * sizeof(T) > kKeepBytes) std::vector<T>().swap(c.tbuf);
    }
    return;
  }
  // One task per worker, each with its own scratch, taking chunks from the shared counter.
  const index_t chunk = std::max<index_t>(1, std::min<index_t>(64, B / (index_t(workers) * 16)));
  parallel_for(workers, [&](index_t) {
    Context<T> ctx[kMaxLanes];
    Queue q{&next, chunk, 0, 0, B};
    run(bt, q, ctx, lanes);
  });
}

}  // namespace lap
}  // namespace tradeoff
