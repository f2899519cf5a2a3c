// tradeoff/sinkhorn.hpp: the CPU driver of entropic optimal transport (host only).
//
// Problem (python/tradeoff/transport.py documents it for users):
//   min_P <P, C> + eps KL(P | a x b) + tau_a KL(P 1 | a) + tau_b KL(P^T 1 | b)
// solved through the dual potentials f (n), g (m): P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps).
// C_ij = +inf is a forbidden pair (P_ij = 0; it never enters a sum, never 0 * inf).
//
// Algorithms (Cuturi 2013; Schmitzer 2019; Feydy's thesis for the annealing)
// * Log domain (Sinkhorn in log-sum-exp form, stable at any eps). One iteration is
//     row half-step   S_i = sum_j b_j exp((f_i + g_j - C_ij)/e),  f_i <- lam_a (f_i - e log S_i)
//     column half-step T_j = sum_i a_i exp((f_i + g_j - C_ij)/e), g_j <- lam_b (g_j - e log T_j)
//   with lam = tau / (tau + e) (1 for a hard marginal). The exponent carries the current
//   potentials, so once the iteration settles the terms are O(1): ONE fused pass per half-step
//   (read C, exponent ((f + g) - C) / e exactly as sinkhorn::exponent, SIMD exp (vexp.hpp),
//   weighted sum) suffices. A sum that under- or overflowed (S < 1e-290, S > 1e290, or an
//   exponent above 700) is recomputed exactly with the max shift (one more pass over that row:
//   the fused pass already returned the max exponent). The marginal error
//   sum_i |a_i S_i - a_i exp(-fn_i / tau_a)| falls out of the row sums at O(n); in the final
//   eps stage the iteration stops when it is <= tol, before applying fn.
//   - Row half-step: each thread owns a block of rows; one pass over each cost row.
//   - Column half-step: streaming over the rows (the cost is row-major): each thread owns a
//     block of columns and accumulates a_i exp(...) of four rows at a time into its columns,
//     vectorized along j.
// * Scaling form with absorption (Schmitzer 2019, "Stabilized sparse scaling algorithms"):
//   K_ij = exp((alpha_i + beta_j - C_ij)/e) is stored once (in the cost dtype) and each
//   iteration is two bandwidth-bound passes, Kv = K (b v) and Ku = K^T (a u), with
//   f = alpha + e log u, g = beta + e log v (balanced: u = 1 / Kv, v = 1 / Ku, no exp or log
//   in the loop). When |log u| (after the row half-step) or |log v| (after the column
//   half-step) exceeds 50 the scalings are absorbed into alpha, beta and K is rebuilt; when a
//   sum is 0 or not finite the iteration runs in the log domain instead and K is rebuilt; when
//   the stop test passes it is confirmed by an exact log-domain row half-step (a float32 K
//   cannot resolve a tol near 1e-8). The iterates equal the log domain's up to rounding.
//   "auto" picks it per problem (see choose_method), runs up to 3 log-domain iterations first
//   (fewer once the marginal error is below 0.1 x sum(a)), scales only while at least 10
//   iterations remain (predicted from the error ratio when tol > 0), and falls back to the log
//   domain after more than 8 absorptions, when they came more often than once every 4
//   iterations.
// * eps stages (annealing): every stage but the last runs exactly stage_iter log-domain
//   iterations; the last runs up to max_iter iterations with the stop test.
// * Final pass (always, at the target eps, on the returned f, g): the row sums computed as the
//   row half-step computes them (so the reported marginal error is the one the stop test saw),
//   the column sums, the transport cost <P, C> over finite C, the objective and optionally the
//   plan, in one pass.
// * Point clouds (solve_points): log domain only; the squared Euclidean cost is computed in
//   registers (the Euclidean one in tiles of 256 columns) from structure-of-arrays copies of
//   x and y (O((n + m) d) memory); the column half-step is the row half-step of the transposed
//   problem.
//
// Bounds (measured on the 2-core AMD EPYC of the issue, AVX-512): the log domain is bound by
// exp throughput (2 n m exps per iteration, ~0.4 ns per exp per core; the fused passes run at
// 1.0-1.2x that), the scaling form by memory bandwidth (2 n m reads of K per iteration,
// ~24 GB/s). Instruction sets: the kernels are stamped out for SSE2 (baseline), AVX2+FMA and
// AVX-512 and picked at run time (vexp::isa(); TRADEOFF_SIMD=sse2|avx2 caps it).
//
// Threads: a batch of small problems runs one problem per thread (each cache resident, with a
// thread-local workspace, so no heap allocation per problem once warm). A large problem
// (n m >= kTeamEntries) runs on a team of num_threads() threads started once per solve, with a
// spinning barrier between half-steps (parallel_for would start threads per call).
// Workers never throw: every allocation happens before the team starts.
//
// Contract of solve_dense / solve_points: sizes n, m >= 1, weights >= 0 and finite,
// eps_stages > 0 decreasing, tau in (0, inf], finite initial potentials; the Python layer has
// validated the data (and rejected rows or columns of positive weight without a finite cost).
// Infeasible data never crashes or hangs: it gives inf / NaN potentials and an infinite or NaN
// error. Zero-weight rows and columns still get a potential (+inf when all their pairs are
// forbidden; they then drop out of every sum).
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <thread>
#include <type_traits>
#include <vector>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#include "config.hpp"
#include "parallel.hpp"
#include "sinkhorn_hd.hpp"
#include "vexp.hpp"

namespace tradeoff {
namespace sinkhorn {

// ------------------------------------------------------------------------------------------
// Options and results of one problem
// ------------------------------------------------------------------------------------------

enum Method : int { kAuto = 0, kLog = 1, kScaling = 2 };

struct Options {
  const double* eps_stages = nullptr;  // decreasing, last = target eps
  index_t n_stages = 1;
  double tau_a = HUGE_VAL, tau_b = HUGE_VAL;
  index_t max_iter = 1000;
  index_t stage_iter = 1;
  double tol = 1e-6;
  int method = kAuto;
  int metric = 0;  // points only: 0 squared Euclidean, 1 Euclidean
};

struct Result {
  double cost = 0.0, objective = 0.0, err = 0.0;
  std::int64_t n_iter = 0;
  std::uint8_t method_used = 0;
};

// Problems at least this large (n * m entries) run on a team of threads; smaller ones on one
// thread (measured here: below ~1e6 entries one thread beats two).
constexpr index_t kTeamEntries = index_t(1) << 20;

// Sums outside [kTiny, kHuge] (or an exponent above kMaxExp) are recomputed with a max shift.
constexpr double kTiny = 1e-290, kHuge = 1e290, kMaxExp = 700.0;

// "auto": log domain when K would exceed this many bytes or the problem is tiny.
constexpr double kMaxKernelBytes = 1073741824.0;  // 1 GiB
constexpr index_t kMinScalingEntries = 64;
// auto switches to the log domain after more than kMaxAutoAbsorptions absorptions that came
// more often than once every kAutoAbsorbEvery iterations (each costs an exp pass, half a
// log-domain iteration: rare absorptions in a long solve are cheap)
constexpr int kMaxAutoAbsorptions = 8;
constexpr index_t kAutoWarmIters = 3;     // auto: log-domain iterations before scaling ...
constexpr double kAutoWarmError = 0.1;    // ... (fewer once the error is below 0.1 x sum(a))
constexpr double kAutoMinScalingIters = 10.0;  // ... and only if this many iterations remain
constexpr std::int64_t kAutoAbsorbEvery = 4;
constexpr double kAbsorbLog = 50.0;     // absorb when |log u| or |log v| exceeds this

// ------------------------------------------------------------------------------------------
// SIMD kernels (templates on the vector width W; stamped out per instruction set below)
// ------------------------------------------------------------------------------------------
namespace simd {

using vexp::Vec;

template <int W, class T>
TRADEOFF_ALWAYS_INLINE void load_d(typename Vec<W>::d& v, const T* p) {
  if constexpr (std::is_same<T, double>::value) {
    vexp::load(v, p);
  } else {
    typename Vec<W>::f x;
    vexp::load(x, p);
    v = __builtin_convertvector(x, typename Vec<W>::d);
  }
}

template <int W, class T>
TRADEOFF_ALWAYS_INLINE void store_t(T* p, const typename Vec<W>::d& v) {
  if constexpr (std::is_same<T, double>::value) {
    vexp::store(p, v);
  } else {
    const typename Vec<W>::f x = __builtin_convertvector(v, typename Vec<W>::f);
    vexp::store(p, x);
  }
}

// The last partial vector of a row: lanes past the end get c = +inf, g = 0, w = 0 (a zero
// term); w may be null (then wv is 0).
template <int W, class T>
TRADEOFF_ALWAYS_INLINE void load_tail(typename Vec<W>::d& c, typename Vec<W>::d& g,
                                      typename Vec<W>::d& wv, const T* cp, const double* gp,
                                      const double* wp, index_t len) {
  double cb[W], gb[W], wb[W];
  for (int k = 0; k < W; ++k) {
    cb[k] = k < len ? double(cp[k]) : HUGE_VAL;
    gb[k] = k < len ? gp[k] : 0.0;
    wb[k] = k < len && wp ? wp[k] : 0.0;
  }
  vexp::load(c, cb);
  vexp::load(g, gb);
  vexp::load(wv, wb);
}

// Software prefetch distance (elements) for the cost rows streamed by the fused passes.
constexpr index_t kPrefetch = 512;

// The exponent of one entry, exactly as sinkhorn::exponent computes it: ((f + g) - c) / eps,
// with +inf costs (and g = -inf, the mark of a zero-weight column) giving -inf.
template <int W>
TRADEOFF_ALWAYS_INLINE void expo(typename Vec<W>::d& t, const typename Vec<W>::d& f,
                                 const typename Vec<W>::d& g, const typename Vec<W>::d& c,
                                 const typename Vec<W>::d& inv) {
  t = ((f + g) - c) * inv;
}

// Row sum of the log domain: sum_j w_j exp(t_j - shift), t_j = ((f + g_j) - c_j) / eps (terms
// with exponent < -708 are 0); *tmax = the largest t_j (-inf if none). Exponents above 709 are
// not clamped: the sum is garbage then, and the caller recomputes with shift = *tmax whenever
// *tmax > kMaxExp (lse_col and exp_row work the same way). Zero-weight columns carry g = -inf.
template <int W, class T, bool kShift>
TRADEOFF_ALWAYS_INLINE double lse_row(const T* c, const double* g, const double* w, index_t m,
                                      double f, double inv, double shift, double* tmax) {
  using V = typename Vec<W>::d;
  const V vf = V{} + f, vi = V{} + inv, vs = V{} + shift;
  V acc0{}, acc1{}, mx0 = V{} - HUGE_VAL, mx1 = V{} - HUGE_VAL;
  index_t j = 0;
  for (; j + 2 * W <= m; j += 2 * W) {
    V c0, c1, g0, g1, w0, w1, t0, t1, e0, e1;
    if ((j & 7) == 0) {  // the cost streams from memory: one prefetch per 64-byte line
      __builtin_prefetch(c + j + kPrefetch);
      if (2 * W > 8) __builtin_prefetch(c + j + kPrefetch + 8);
    }
    load_d<W>(c0, c + j);
    load_d<W>(c1, c + j + W);
    vexp::load(g0, g + j);
    vexp::load(g1, g + j + W);
    vexp::load(w0, w + j);
    vexp::load(w1, w + j + W);
    expo<W>(t0, vf, g0, c0, vi);
    expo<W>(t1, vf, g1, c1, vi);
    mx0 = t0 > mx0 ? t0 : mx0;
    mx1 = t1 > mx1 ? t1 : mx1;
    if constexpr (kShift) {
      t0 = t0 - vs;
      t1 = t1 - vs;
    }
    vexp::exp_masked<W, false>(t0, e0);
    vexp::exp_masked<W, false>(t1, e1);
    acc0 += w0 * e0;
    acc1 += w1 * e1;
  }
  for (; j < m; j += W) {
    V c0, g0, w0, t0, e0;
    if (j + W <= m) {
      load_d<W>(c0, c + j);
      vexp::load(g0, g + j);
      vexp::load(w0, w + j);
    } else {
      load_tail<W>(c0, g0, w0, c + j, g + j, w + j, m - j);
    }
    expo<W>(t0, vf, g0, c0, vi);
    mx0 = t0 > mx0 ? t0 : mx0;
    if constexpr (kShift) t0 = t0 - vs;
    vexp::exp_masked<W, false>(t0, e0);
    acc0 += w0 * e0;
  }
  mx0 = mx1 > mx0 ? mx1 : mx0;
  *tmax = vexp::hmax<W>(mx0);
  acc0 += acc1;
  return vexp::hsum<W>(acc0);
}

// Column sums over one row: acc_j += wr exp(t_j - shift_j) with t_j = ((f + g_j) - c_j) / eps
// (shift null: no shift); *tmax = max(*tmax, t_j).
template <int W, class T>
TRADEOFF_ALWAYS_INLINE void lse_col(const T* c, const double* g, index_t m, double f, double wr,
                                    double inv, const double* shift, double* acc,
                                    double* tmax) {
  using V = typename Vec<W>::d;
  const V vf = V{} + f, vi = V{} + inv, vw = V{} + wr;
  V mx = V{} - HUGE_VAL;
  for (index_t j = 0; j < m; j += W) {
    V c0, g0, s0{}, t0, e0;
    const bool full = j + W <= m;
    if (full) {
      load_d<W>(c0, c + j);
      vexp::load(g0, g + j);
      if (shift) vexp::load(s0, shift + j);
    } else {
      load_tail<W>(c0, g0, s0, c + j, g + j, shift ? shift + j : nullptr, m - j);
    }
    expo<W>(t0, vf, g0, c0, vi);
    mx = t0 > mx ? t0 : mx;
    t0 = t0 - s0;
    vexp::exp_masked<W, false>(t0, e0);
    e0 = vw * e0;
    if (full) {
      V a0;
      vexp::load(a0, acc + j);
      a0 += e0;
      vexp::store(acc + j, a0);
    } else {
      for (index_t k = 0; j + k < m; ++k) acc[j + k] += e0[k];
    }
  }
  const double t = vexp::hmax<W>(mx);
  if (t > *tmax) *tmax = t;
}

// The column half-step over four rows at once (c[r] = row r with potential f[r] and weight
// w[r]; padding rows repeat a row with f = -inf): acc_j += sum_r w_r exp(t_rj). One load and
// store of acc per four terms, four independent exp chains per vector.
template <int W, class T>
TRADEOFF_ALWAYS_INLINE void lse_col4(const T* const* c, const double* f, const double* w,
                                     const double* g, index_t m, double inv, double* acc,
                                     double* tmax) {
  using V = typename Vec<W>::d;
  const V vi = V{} + inv;
  const V f0 = V{} + f[0], f1 = V{} + f[1], f2 = V{} + f[2], f3 = V{} + f[3];
  const V w0 = V{} + w[0], w1 = V{} + w[1], w2 = V{} + w[2], w3 = V{} + w[3];
  const T *c0 = c[0], *c1 = c[1], *c2 = c[2], *c3 = c[3];
  V mx = V{} - HUGE_VAL;
  index_t j = 0;
  for (; j + W <= m; j += W) {
    V g0, a0, x0, x1, x2, x3, t0, t1, t2, t3, e0, e1, e2, e3;
    if ((j & 7) == 0) {  // one prefetch per 64-byte line of each row
      __builtin_prefetch(c0 + j + kPrefetch);
      __builtin_prefetch(c1 + j + kPrefetch);
      __builtin_prefetch(c2 + j + kPrefetch);
      __builtin_prefetch(c3 + j + kPrefetch);
    }
    vexp::load(g0, g + j);
    vexp::load(a0, acc + j);
    load_d<W>(x0, c0 + j);
    load_d<W>(x1, c1 + j);
    load_d<W>(x2, c2 + j);
    load_d<W>(x3, c3 + j);
    expo<W>(t0, f0, g0, x0, vi);
    expo<W>(t1, f1, g0, x1, vi);
    expo<W>(t2, f2, g0, x2, vi);
    expo<W>(t3, f3, g0, x3, vi);
    mx = t0 > mx ? t0 : mx;
    mx = t1 > mx ? t1 : mx;
    mx = t2 > mx ? t2 : mx;
    mx = t3 > mx ? t3 : mx;
    vexp::exp_masked<W, false>(t0, e0);
    vexp::exp_masked<W, false>(t1, e1);
    vexp::exp_masked<W, false>(t2, e2);
    vexp::exp_masked<W, false>(t3, e3);
    a0 += (w0 * e0 + w1 * e1) + (w2 * e2 + w3 * e3);
    vexp::store(acc + j, a0);
  }
  const double t = vexp::hmax<W>(mx);
  if (t > *tmax) *tmax = t;
  if (j < m) {
    for (int r = 0; r < 4; ++r) {
      lse_col<W, T>(c[r] + j, g + j, m - j, f[r], w[r], inv, nullptr, acc + j, tmax);
    }
  }
}

// acc_j += sum_r s_r k[r]_j over four rows (the scaling form's column half-step).
template <int W, class T>
TRADEOFF_ALWAYS_INLINE void axpy4(const T* const* k, const double* s, double* acc, index_t m) {
  using V = typename Vec<W>::d;
  const V s0 = V{} + s[0], s1 = V{} + s[1], s2 = V{} + s[2], s3 = V{} + s[3];
  const T *k0 = k[0], *k1 = k[1], *k2 = k[2], *k3 = k[3];
  index_t j = 0;
  for (; j + W <= m; j += W) {
    V a0, x0, x1, x2, x3;
    vexp::load(a0, acc + j);
    load_d<W>(x0, k0 + j);
    load_d<W>(x1, k1 + j);
    load_d<W>(x2, k2 + j);
    load_d<W>(x3, k3 + j);
    a0 += (s0 * x0 + s1 * x1) + (s2 * x2 + s3 * x3);
    vexp::store(acc + j, a0);
  }
  for (; j < m; ++j) {
    acc[j] += (s[0] * double(k0[j]) + s[1] * double(k1[j])) +
              (s[2] * double(k2[j]) + s[3] * double(k3[j]));
  }
}

// cmax_j = max(cmax_j, t_j) with t_j = ((f + g_j) - c_j) / eps.
template <int W, class T>
TRADEOFF_ALWAYS_INLINE void max_col(const T* c, const double* g, index_t m, double f, double inv,
                                    double* cmax) {
  for (index_t j = 0; j < m; ++j) {
    const double t = ((f + g[j]) - double(c[j])) * inv;
    if (t > cmax[j]) cmax[j] = t;
  }
}

// The scaling form's kernel row: out_j = exp(((f + g_j) - c_j) / eps) stored as T, exactly 0
// below lo (no denormal float32); returns the largest exponent.
template <int W, class T>
TRADEOFF_ALWAYS_INLINE double exp_row(const T* c, const double* g, index_t m, double f,
                                      double inv, double lo, T* out) {
  using V = typename Vec<W>::d;
  const V vf = V{} + f, vi = V{} + inv, vlo = V{} + lo;
  V mx = V{} - HUGE_VAL;
  for (index_t j = 0; j < m; j += W) {
    V c0, g0, w0, t0, e0;
    const bool full = j + W <= m;
    if (full) {
      load_d<W>(c0, c + j);
      vexp::load(g0, g + j);
    } else {
      load_tail<W>(c0, g0, w0, c + j, g + j, nullptr, m - j);
    }
    expo<W>(t0, vf, g0, c0, vi);
    mx = t0 > mx ? t0 : mx;
    vexp::exp_masked<W, false>(t0, e0);
    e0 = t0 < vlo ? V{} : e0;
    if (full) {
      store_t<W, T>(out + j, e0);
    } else {
      for (index_t k = 0; j + k < m; ++k) out[j + k] = T(e0[k]);
    }
  }
  return vexp::hmax<W>(mx);
}

// sum_j k_j w_j.
template <int W, class T>
TRADEOFF_ALWAYS_INLINE double dot_row(const T* k, const double* w, index_t m) {
  using V = typename Vec<W>::d;
  V acc0{}, acc1{};
  index_t j = 0;
  for (; j + 2 * W <= m; j += 2 * W) {
    V k0, k1, w0, w1;
    load_d<W>(k0, k + j);
    load_d<W>(k1, k + j + W);
    vexp::load(w0, w + j);
    vexp::load(w1, w + j + W);
    acc0 += k0 * w0;
    acc1 += k1 * w1;
  }
  acc0 += acc1;
  double s = vexp::hsum<W>(acc0);
  for (; j < m; ++j) s += double(k[j]) * w[j];
  return s;
}

// acc_j += s k_j.
template <int W, class T>
TRADEOFF_ALWAYS_INLINE void axpy_row(const T* k, double s, double* acc, index_t m) {
  using V = typename Vec<W>::d;
  const V vs = V{} + s;
  index_t j = 0;
  for (; j + W <= m; j += W) {
    V k0, a0;
    load_d<W>(k0, k + j);
    vexp::load(a0, acc + j);
    a0 += vs * k0;
    vexp::store(acc + j, a0);
  }
  for (; j < m; ++j) acc[j] += s * double(k[j]);
}

// The final pass over one row: the row half-step's terms E_j = w_j exp(t_j) and the plan
// entries P_j = scale E_j (scale = a_i). Returns sum_j E_j (= S_i, as the row half-step sums
// it), adds sum_j P_j c_j (finite c only) to *cost, P_j to col[j], stores P_j in plan (if not
// null); *tmax = the largest exponent. Exponents are clamped at 709 here (never garbage).
template <int W, class T>
TRADEOFF_ALWAYS_INLINE double plan_row(const T* c, const double* g, const double* w, index_t m,
                                       double f, double inv, double scale, double* col,
                                       double* cost, T* plan, double* tmax) {
  using V = typename Vec<W>::d;
  const V vf = V{} + f, vi = V{} + inv, vinf = V{} + HUGE_VAL, vs = V{} + scale;
  V acc{}, cacc{}, mx = V{} - HUGE_VAL;
  for (index_t j = 0; j < m; j += W) {
    V c0, g0, w0, t0, p0;
    const bool full = j + W <= m;
    if (full) {
      load_d<W>(c0, c + j);
      vexp::load(g0, g + j);
      vexp::load(w0, w + j);
    } else {
      load_tail<W>(c0, g0, w0, c + j, g + j, w + j, m - j);
    }
    expo<W>(t0, vf, g0, c0, vi);
    mx = t0 > mx ? t0 : mx;
    vexp::exp_masked<W>(t0, p0);
    p0 = w0 * p0;
    acc += p0;
    p0 = vs * p0;
    const V pc = p0 * c0;
    cacc += c0 == vinf ? V{} : pc;  // never 0 * inf
    if (full) {
      V a0;
      vexp::load(a0, col + j);
      a0 += p0;
      vexp::store(col + j, a0);
      if (plan) store_t<W, T>(plan + j, p0);
    } else {
      for (index_t k = 0; j + k < m; ++k) {
        col[j + k] += p0[k];
        if (plan) plan[j + k] = T(p0[k]);
      }
    }
  }
  *tmax = vexp::hmax<W>(mx);
  *cost += vexp::hsum<W>(cacc);
  return vexp::hsum<W>(acc);
}

// Point-cloud cost of one point p (d coordinates) against points [j0, j0 + len) of a
// structure-of-arrays cloud (coordinate k of point j at q[k * stride + j]) into out (len).
// Same arithmetic as point_cost in sinkhorn_hd.hpp.
template <int W>
TRADEOFF_ALWAYS_INLINE void tile_cost(const double* p, const double* q, index_t stride,
                                      index_t j0, index_t len, int d, int metric, double* out) {
  for (index_t j = 0; j < len; ++j) out[j] = 0.0;
  for (int k = 0; k < d; ++k) {
    const double pk = p[k];
    const double* qk = q + k * stride + j0;
    for (index_t j = 0; j < len; ++j) {
      const double t = pk - qk[j];
      out[j] += t * t;
    }
  }
  if (metric == 1) {
    for (index_t j = 0; j < len; ++j) out[j] = std::sqrt(out[j]);
  }
}

constexpr index_t kTile = 256;

// lse_row for the squared Euclidean point cost, the cost computed in registers: for each
// vector of columns c = sum_k (p_k - q_kj)^2 (the order of point_cost), then the fused sum.
// D > 0: the dimension known at compile time (1 to 4: the loop over coordinates unrolls).
template <int W, bool kShift, int D>
TRADEOFF_ALWAYS_INLINE double points_lse_row_sq(const double* p, const double* q, index_t m,
                                                int d_runtime, const double* g, const double* w,
                                                double f, double inv, double shift,
                                                double* tmax) {
  const int d = D > 0 ? D : d_runtime;
  using V = typename Vec<W>::d;
  const V vf = V{} + f, vi = V{} + inv, vs = V{} + shift;
  V acc{}, mx = V{} - HUGE_VAL;
  index_t j = 0;
  for (; j + W <= m; j += W) {
    V c0{}, g0, w0, t0, e0;
    for (int k = 0; k < d; ++k) {
      V qk;
      vexp::load(qk, q + k * m + j);
      const V dk = (V{} + p[k]) - qk;
      c0 += dk * dk;
    }
    vexp::load(g0, g + j);
    vexp::load(w0, w + j);
    expo<W>(t0, vf, g0, c0, vi);
    mx = t0 > mx ? t0 : mx;
    if constexpr (kShift) t0 = t0 - vs;
    vexp::exp_masked<W, false>(t0, e0);
    acc += w0 * e0;
  }
  if (j < m) {  // the last partial vector: padding lanes get c = +inf, w = 0 (no term)
    double cb[W], gb[W], wb[W];
    for (int k = 0; k < W; ++k) {
      cb[k] = HUGE_VAL;
      gb[k] = 0.0;
      wb[k] = 0.0;
      if (j + k < m) {
        double c = 0.0;
        for (int q_k = 0; q_k < d; ++q_k) {
          const double t = p[q_k] - q[q_k * m + j + k];
          c += t * t;
        }
        cb[k] = c;
        gb[k] = g[j + k];
        wb[k] = w[j + k];
      }
    }
    V c0, g0, w0, t0, e0;
    vexp::load(c0, cb);
    vexp::load(g0, gb);
    vexp::load(w0, wb);
    expo<W>(t0, vf, g0, c0, vi);
    mx = t0 > mx ? t0 : mx;
    if constexpr (kShift) t0 = t0 - vs;
    vexp::exp_masked<W, false>(t0, e0);
    acc += w0 * e0;
  }
  *tmax = vexp::hmax<W>(mx);
  return vexp::hsum<W>(acc);
}

// Row sum of the point-cloud problem (lse_row over cost tiles computed on the fly; the
// squared Euclidean cost in registers).
template <int W, bool kShift>
TRADEOFF_ALWAYS_INLINE double points_lse_row(const double* p, const double* q, index_t m, int d,
                                             int metric, const double* g, const double* w,
                                             double f, double inv, double shift, double* tmax) {
  if (metric == 0) {
    switch (d) {
      case 1:
        return points_lse_row_sq<W, kShift, 1>(p, q, m, d, g, w, f, inv, shift, tmax);
      case 2:
        return points_lse_row_sq<W, kShift, 2>(p, q, m, d, g, w, f, inv, shift, tmax);
      case 3:
        return points_lse_row_sq<W, kShift, 3>(p, q, m, d, g, w, f, inv, shift, tmax);
      case 4:
        return points_lse_row_sq<W, kShift, 4>(p, q, m, d, g, w, f, inv, shift, tmax);
      default:
        return points_lse_row_sq<W, kShift, 0>(p, q, m, d, g, w, f, inv, shift, tmax);
    }
  }
  double buf[kTile];
  double s = 0.0, mx = -HUGE_VAL;
  for (index_t j0 = 0; j0 < m; j0 += kTile) {
    const index_t len = std::min(kTile, m - j0);
    tile_cost<W>(p, q, m, j0, len, d, metric, buf);
    double t;
    s += lse_row<W, double, kShift>(buf, g + j0, w + j0, len, f, inv, shift, &t);
    if (t > mx) mx = t;
  }
  *tmax = mx;
  return s;
}

// The final pass over one row of the point-cloud problem (see plan_row).
template <int W, class T>
TRADEOFF_ALWAYS_INLINE double points_plan_row(const double* p, const double* q, index_t m, int d,
                                              int metric, const double* g, const double* w,
                                              double f, double inv, double scale, double* col,
                                              double* cost, T* plan, double* tmax) {
  double buf[kTile];
  double s = 0.0, mx = -HUGE_VAL;
  for (index_t j0 = 0; j0 < m; j0 += kTile) {
    const index_t len = std::min(kTile, m - j0);
    tile_cost<W>(p, q, m, j0, len, d, metric, buf);
    double t;
    if constexpr (std::is_same<T, double>::value) {
      s += plan_row<W, double>(buf, g + j0, w + j0, len, f, inv, scale, col + j0, cost,
                               plan ? plan + j0 : nullptr, &t);
    } else if (plan) {  // float32 plan: through a double tile
      double pbuf[kTile];
      s += plan_row<W, double>(buf, g + j0, w + j0, len, f, inv, scale, col + j0, cost, pbuf, &t);
      for (index_t j = 0; j < len; ++j) plan[j0 + j] = T(pbuf[j]);
    } else {
      s += plan_row<W, double>(buf, g + j0, w + j0, len, f, inv, scale, col + j0, cost, nullptr,
                               &t);
    }
    if (t > mx) mx = t;
  }
  *tmax = mx;
  return s;
}

}  // namespace simd

// One function-pointer table per cost dtype and instruction set, picked once (vexp::isa()).
template <class T>
struct Kernels {
  double (*lse_row)(const T*, const double*, const double*, index_t, double, double, double,
                    double*);
  double (*lse_row_shift)(const T*, const double*, const double*, index_t, double, double, double,
                          double*);
  void (*lse_col)(const T*, const double*, index_t, double, double, double, const double*,
                  double*, double*);
  void (*lse_col4)(const T* const*, const double*, const double*, const double*, index_t, double,
                   double*, double*);
  void (*max_col)(const T*, const double*, index_t, double, double, double*);
  double (*exp_row)(const T*, const double*, index_t, double, double, double, T*);
  double (*dot_row)(const T*, const double*, index_t);
  void (*axpy_row)(const T*, double, double*, index_t);
  void (*axpy4)(const T* const*, const double*, double*, index_t);
  double (*plan_row)(const T*, const double*, const double*, index_t, double, double, double,
                     double*, double*, T*, double*);
  double (*points_lse_row)(const double*, const double*, index_t, int, int, const double*,
                           const double*, double, double, double, double*);
  double (*points_lse_row_shift)(const double*, const double*, index_t, int, int, const double*,
                                 const double*, double, double, double, double*);
  double (*points_plan_row)(const double*, const double*, index_t, int, int, const double*,
                            const double*, double, double, double, double*, double*, T*,
                            double*);
};

// Stamps out the kernels of one instruction set (ATTR: its target attribute, W: doubles per
// vector) as plain functions whose addresses go into a Kernels table.
#define TRADEOFF_SINKHORN_STAMP(ATTR, SUF, W)                                                    \
  namespace stamp_##SUF {                                                                        \
  template <class T, bool S>                                                                     \
  ATTR double lse_row(const T* c, const double* g, const double* w, index_t m, double f,         \
                      double inv, double shift, double* tmax) {                                  \
    return simd::lse_row<W, T, S>(c, g, w, m, f, inv, shift, tmax);                              \
  }                                                                                              \
  template <class T>                                                                             \
  ATTR void lse_col(const T* c, const double* g, index_t m, double f, double wr, double inv,     \
                    const double* shift, double* acc, double* tmax) {                            \
    simd::lse_col<W, T>(c, g, m, f, wr, inv, shift, acc, tmax);                                  \
  }                                                                                              \
  template <class T>                                                                             \
  ATTR void lse_col4(const T* const* c, const double* f, const double* w, const double* g,       \
                     index_t m, double inv, double* acc, double* tmax) {                         \
    simd::lse_col4<W, T>(c, f, w, g, m, inv, acc, tmax);                                         \
  }                                                                                              \
  template <class T>                                                                             \
  ATTR void max_col(const T* c, const double* g, index_t m, double f, double inv,                \
                    double* cmax) {                                                              \
    simd::max_col<W, T>(c, g, m, f, inv, cmax);                                                  \
  }                                                                                              \
  template <class T>                                                                             \
  ATTR double exp_row(const T* c, const double* g, index_t m, double f, double inv, double lo,   \
                      T* out) {                                                                  \
    return simd::exp_row<W, T>(c, g, m, f, inv, lo, out);                                        \
  }                                                                                              \
  template <class T>                                                                             \
  ATTR double dot_row(const T* k, const double* w, index_t m) {                                  \
    return simd::dot_row<W, T>(k, w, m);                                                         \
  }                                                                                              \
  template <class T>                                                                             \
  ATTR void axpy_row(const T* k, double s, double* acc, index_t m) {                             \
    simd::axpy_row<W, T>(k, s, acc, m);                                                          \
  }                                                                                              \
  template <class T>                                                                             \
  ATTR void axpy4(const T* const* k, const double* s, double* acc, index_t m) {                  \
    simd::axpy4<W, T>(k, s, acc, m);                                                             \
  }                                                                                              \
  template <class T>                                                                             \
  ATTR double plan_row(const T* c, const double* g, const double* w, index_t m, double f,        \
                       double inv, double scale, double* col, double* cost, T* plan,             \
                       double* tmax) {                                                           \
    return simd::plan_row<W, T>(c, g, w, m, f, inv, scale, col, cost, plan, tmax);               \
  }                                                                                              \
  template <bool S>                                                                              \
  ATTR double points_lse_row(const double* p, const double* q, index_t m, int d, int metric,     \
                             const double* g, const double* w, double f, double inv,             \
                             double shift, double* tmax) {                                       \
    return simd::points_lse_row<W, S>(p, q, m, d, metric, g, w, f, inv, shift, tmax);            \
  }                                                                                              \
  template <class T>                                                                             \
  ATTR double points_plan_row(const double* p, const double* q, index_t m, int d, int metric,    \
                              const double* g, const double* w, double f, double inv,            \
                              double scale, double* col, double* cost, T* plan, double* tmax) {  \
    return simd::points_plan_row<W, T>(p, q, m, d, metric, g, w, f, inv, scale, col, cost, plan, \
                                       tmax);                                                    \
  }                                                                                              \
  template <class T>                                                                             \
  Kernels<T> table() {                                                                           \
    Kernels<T> k;                                                                                \
    k.lse_row = &lse_row<T, false>;                                                              \
    k.lse_row_shift = &lse_row<T, true>;                                                         \
    k.lse_col = &lse_col<T>;                                                                     \
    k.lse_col4 = &lse_col4<T>;                                                                   \
    k.max_col = &max_col<T>;                                                                     \
    k.exp_row = &exp_row<T>;                                                                     \
    k.dot_row = &dot_row<T>;                                                                     \
    k.axpy_row = &axpy_row<T>;                                                                   \
    k.axpy4 = &axpy4<T>;                                                                         \
    k.plan_row = &plan_row<T>;                                                                   \
    k.points_lse_row = &points_lse_row<false>;                                                   \
    k.points_lse_row_shift = &points_lse_row<true>;                                              \
    k.points_plan_row = &points_plan_row<T>;                                                     \
    return k;                                                                                    \
  }                                                                                              \
  }

TRADEOFF_SINKHORN_STAMP(, sse2, 2)
TRADEOFF_SINKHORN_STAMP(TRADEOFF_VEXP_TARGET_AVX2, avx2, 4)
TRADEOFF_SINKHORN_STAMP(TRADEOFF_VEXP_TARGET_AVX512, avx512, 8)
#undef TRADEOFF_SINKHORN_STAMP

// The kernels for an instruction set (falls back to what the CPU has).
template <class T>
Kernels<T> kernels_for(vexp::Isa isa) {
  if (isa == vexp::Isa::avx512 && vexp::cpu_has(vexp::Isa::avx512)) return stamp_avx512::table<T>();
  if (isa != vexp::Isa::sse2 && vexp::cpu_has(vexp::Isa::avx2)) return stamp_avx2::table<T>();
  return stamp_sse2::table<T>();
}

// The table of the best instruction set of this CPU (decided once; immutable afterwards).
template <class T>
const Kernels<T>& kernels() {
  static const Kernels<T> table = kernels_for<T>(vexp::isa());
  return table;
}

// ------------------------------------------------------------------------------------------
// Threads: a team started once per solve, with a spinning barrier between half-steps
// ------------------------------------------------------------------------------------------

// Sense-reversing barrier: spins briefly, then yields (the machine may be oversubscribed).
class Barrier {
 public:
  explicit Barrier(int n) : n_(n) {}
  void wait() {
    if (n_ <= 1) return;
    const unsigned gen = gen_.load(std::memory_order_acquire);
    if (count_.fetch_add(1, std::memory_order_acq_rel) == n_ - 1) {
      count_.store(0, std::memory_order_relaxed);
      gen_.fetch_add(1, std::memory_order_release);
      return;
    }
    // A short spin (the other threads usually arrive within microseconds), then yield: on an
    // oversubscribed machine a spinning waiter would steal the core of the thread it awaits.
    for (int spin = 0; gen_.load(std::memory_order_acquire) == gen; ++spin) {
      if (spin > 200) std::this_thread::yield();
    }
  }

 private:
  int n_;
  std::atomic<int> count_{0};
  std::atomic<unsigned> gen_{0};
};

// Per-thread reduction slots. reduce() writes this thread's values, waits at the barrier and
// returns the combination over all threads in thread order (so every thread computes the same
// value and takes the same branch). Two alternating slot sets make a slot safe to rewrite at
// the next reduce (every thread has passed the barrier in between).
constexpr int kRedWidth = 6;
struct alignas(64) RedSlot {
  double v[kRedWidth];
};

class Team {
 public:
  Team(int n, RedSlot* slots) : n_(n), barrier_(n), slots_(slots) {}
  int size() const { return n_; }
  void sync() { barrier_.wait(); }
  // ops[k]: 0 = sum, 1 = max. Round r uses slot set r & 1.
  void reduce(int tid, unsigned& round, const double* vals, const int* ops, int k, double* out) {
    RedSlot* set = slots_ + (round & 1u) * unsigned(n_);
    ++round;
    for (int q = 0; q < k; ++q) set[tid].v[q] = vals[q];
    barrier_.wait();
    for (int q = 0; q < k; ++q) {
      double acc = ops[q] == 0 ? 0.0 : -HUGE_VAL;
      for (int t = 0; t < n_; ++t) {
        const double x = set[t].v[q];
        if (ops[q] == 0) {
          acc += x;
        } else if (x > acc || x != x) {
          acc = x;  // NaN wins (a broken state is never hidden)
        }
      }
      out[q] = acc;
    }
  }

 private:
  int n_;
  Barrier barrier_;
  RedSlot* slots_;
};

// Runs fn(tid, team) on `threads` threads (the caller is thread 0). If a thread cannot be
// started, the team is simply smaller: the workers learn the final size before starting.
template <class Fn>
void run_team(int threads, Fn&& fn) {
  if (threads <= 1) {
    RedSlot slots[2];
    Team team(1, slots);
    fn(0, team);
    return;
  }
  std::vector<RedSlot> slots(2 * size_t(threads));  // may throw bad_alloc: before any thread
  std::atomic<int> size{0};
  std::vector<std::thread> workers;
  workers.reserve(size_t(threads - 1));
  Team* team_ptr = nullptr;
  auto worker = [&](int tid) {
    int n;
    while ((n = size.load(std::memory_order_acquire)) == 0) std::this_thread::yield();
    if (tid < n) fn(tid, *team_ptr);
  };
  for (int t = 1; t < threads; ++t) {
    try {
      workers.emplace_back(worker, t);
    } catch (...) {
      break;  // fewer threads
    }
  }
  Team team(int(workers.size()) + 1, slots.data());
  team_ptr = &team;
  size.store(team.size(), std::memory_order_release);
  fn(0, team);
  for (auto& w : workers) w.join();
}

// Flushes denormals to zero (FTZ + DAZ) on this thread for the lifetime of the guard: the
// scaling form can multiply tiny K entries by tiny weights.
class DenormalGuard {
 public:
#if defined(__SSE2__)
  DenormalGuard() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040u); }
  ~DenormalGuard() { _mm_setcsr(saved_); }

 private:
  unsigned saved_;
#else
  DenormalGuard() {}
#endif
};

// The block [lo, hi) of n items owned by thread t of nt (contiguous, balanced, multiples of 8
// so that column blocks start on whole vectors).
inline void block_of(index_t n, int t, int nt, index_t& lo, index_t& hi) {
  const index_t units = (n + 7) / 8;
  lo = std::min(n, (units * t / nt) * 8);
  hi = std::min(n, (units * (t + 1) / nt) * 8);
}

// ------------------------------------------------------------------------------------------
// The solver of one problem
// ------------------------------------------------------------------------------------------

// Workspace sizes (doubles) for one problem solved by `threads` threads.
inline index_t workspace_doubles(index_t n, index_t m, int threads) {
  // f-side: fnew, rbn, au, alpha, u (5 n); g-side: gs, hb, colacc, cmax, hshift, gnew, bv,
  // beta, v (9 m); final pass column sums per thread (threads m).
  return 5 * n + 9 * m + index_t(threads) * m + 64;
}

// Which method runs the final stage of a problem with n * m entries of `itemsize` bytes.
inline int choose_method(int method, index_t n, index_t m, size_t itemsize, bool points) {
  if (points) return kLog;
  if (method == kLog || method == kScaling) return method;
  const double bytes = double(n) * double(m) * double(itemsize);
  if (bytes > kMaxKernelBytes || n * m < kMinScalingEntries) return kLog;
  return kScaling;
}

// Cost source for a dense matrix (row-major n x m).
template <class T>
struct DenseCost {
  static constexpr bool kPoints = false;
  const T* c;
};

// Cost source for point clouds: structure-of-arrays copies xs[k n + i], ys[k m + j] (the tile
// side) and row-major copies xa[i d + k], ya[j d + k] (the single point), all in double.
struct PointsCost {
  static constexpr bool kPoints = true;
  const double* xs;
  const double* ys;
  const double* xa;
  const double* ya;
  int d;
  int metric;
};

template <class T, class Src>
class Solver {
 public:
  // f, g: in/out potentials (initialized by the caller with f0, g0); K: n m entries of T for
  // the scaling form (may be null when it does not run); plan: n m or null.
  Solver(const Src& src, index_t n, index_t m, const double* a, const double* b, double* f,
         double* g, const Options& opt, int method, double* ws, T* K, T* plan, int threads,
         const Kernels<T>& kern)
      : src_(src), n_(n), m_(m), a_(a), b_(b), f_(f), g_(g), opt_(opt), method_(method),
        K_(K), plan_(plan), threads_(threads), kern_(kern) {
    double* p = ws;
    auto take = [&](index_t len) {
      double* q = p;
      p += len;
      return q;
    };
    fnew_ = take(n);
    rbn_ = take(n);
    au_ = take(n);
    alpha_ = take(n);
    u_ = take(n);
    gs_ = take(m);
    hb_ = take(m);
    colacc_ = take(m);
    cmax_ = take(m);
    hshift_ = take(m);
    gnew_ = take(m);
    bv_ = take(m);
    beta_ = take(m);
    v_ = take(m);
    colsum_ = take(index_t(threads) * m);
  }

  Result solve() {
    run_team(threads_, [&](int tid, Team& team) { this->run(tid, team); });
    return result_;
  }

 private:
  // ---- state shared by the team (each thread writes only its own rows / columns) ----
  const Src src_;
  index_t n_, m_;
  const double *a_, *b_;
  double *f_, *g_;
  const Options opt_;
  int method_;
  T* K_;
  T* plan_;
  int threads_;
  const Kernels<T> kern_;
  double *fnew_, *rbn_, *au_, *alpha_, *u_;
  double *gs_, *hb_, *colacc_, *cmax_, *hshift_, *gnew_, *bv_, *beta_, *v_, *colsum_;
  Result result_;

  // ---- what each thread knows about itself ----
  struct Local {
    int tid = 0;
    Team* team = nullptr;
    index_t r0 = 0, r1 = 0, c0 = 0, c1 = 0;  // own rows, own columns
    unsigned round = 0;                      // reduction round
    double e = 1.0, inv = 1.0;               // current eps
    double lam_a = 1.0, lam_b = 1.0;         // damping of the current eps
    std::int64_t n_iter = 0;
  };

  double reduce1(Local& L, double v, int op) {
    double out;
    L.team->reduce(L.tid, L.round, &v, &op, 1, &out);
    return out;
  }

  // log S_i = log sum_j b_j exp(((f + g_j) - C_ij) / e) for row i (f = the row's potential,
  // -inf to drop the row; hb_ = g masked to -inf on zero-weight columns), with the exact
  // max-shifted recomputation when the fused sum under- or overflowed. *sum (if given)
  // receives S_i itself.
  double row_log_sum(index_t i, double f, double inv, double* sum = nullptr) const {
    double tmax, s, t2, dummy;
    if (sum == nullptr) sum = &dummy;
    if constexpr (Src::kPoints) {
      const int d = src_.d;
      const double* xp = src_.xa + i * d;
      s = kern_.points_lse_row(xp, src_.ys, m_, d, src_.metric, hb_, b_, f, inv, 0.0, &tmax);
      *sum = s;
      if (s >= kTiny && s <= kHuge && tmax <= kMaxExp) return std::log(s);
      if (!(tmax > -HUGE_VAL)) return *sum = 0.0, -HUGE_VAL;
      s = kern_.points_lse_row_shift(xp, src_.ys, m_, d, src_.metric, hb_, b_, f, inv, tmax, &t2);
    } else {
      const T* c = src_.c + i * m_;
      s = kern_.lse_row(c, hb_, b_, m_, f, inv, 0.0, &tmax);
      *sum = s;
      if (s >= kTiny && s <= kHuge && tmax <= kMaxExp) return std::log(s);
      if (!(tmax > -HUGE_VAL)) return *sum = 0.0, -HUGE_VAL;
      s = kern_.lse_row_shift(c, hb_, b_, m_, f, inv, tmax, &t2);
    }
    const double logs = tmax + std::log(s);
    *sum = std::exp(logs);
    return logs;
  }

  // The row's part of the marginal error (marginal_residual; for a hard marginal straight
  // from the sum S, saving an exp per row).
  double row_residual(index_t i, double logs, double sum, double fn, double tau) const {
    if (tau == HUGE_VAL) return a_[i] > 0.0 ? std::fabs(a_[i] * sum - a_[i]) : 0.0;
    return marginal_residual(a_[i], logs, fn, tau);
  }

  // log T_j for column j of a point-cloud problem: the row sum of the transposed problem,
  // sum_i a_i exp(((g_j + f_i) - C_ij) / e) with f from rbn_ (-inf on zero-weight rows).
  double col_log_sum_points(index_t j, double g, double inv) const {
    if constexpr (Src::kPoints) {
      const int d = src_.d;
      const double* yp = src_.ya + j * d;
      double tmax, t2;
      double s = kern_.points_lse_row(yp, src_.xs, n_, d, src_.metric, rbn_, a_, g, inv, 0.0,
                                      &tmax);
      if (s >= kTiny && s <= kHuge && tmax <= kMaxExp) return std::log(s);
      if (!(tmax > -HUGE_VAL)) return -HUGE_VAL;
      s = kern_.points_lse_row_shift(yp, src_.xs, n_, d, src_.metric, rbn_, a_, g, inv, tmax,
                                     &t2);
      return tmax + std::log(s);
    } else {
      (void)j, (void)g, (void)inv;
      return 0.0;
    }
  }

  // The potential as the kernels take it: -inf when it is not finite (a zero-weight row or
  // column with only forbidden pairs), so it drops out instead of giving inf - inf = NaN.
  static double finite_or_drop(double f) { return std::isfinite(f) ? f : -HUGE_VAL; }

  // gs_ = g and hb_ = g on positive-weight columns (else -inf) for the own columns, after g
  // changed.
  void refresh_cols(Local& L) {
    for (index_t j = L.c0; j < L.c1; ++j) {
      gs_[j] = finite_or_drop(g_[j]);
      hb_[j] = b_[j] > 0.0 ? gs_[j] : -HUGE_VAL;
    }
  }

  // The column half-step's potential of row i: -inf for a zero weight (no terms).
  double row_for_columns(index_t i, double f) const {
    return a_[i] > 0.0 ? finite_or_drop(f) : -HUGE_VAL;
  }

  // Row half-step over the own rows. Returns the marginal error (all threads); fills fnew_
  // and rbn_ (the new potentials as the column half-step takes them).
  double log_row_step(Local& L) {
    double err = 0.0;
    for (index_t i = L.r0; i < L.r1; ++i) {
      double sum;
      const double logs = row_log_sum(i, finite_or_drop(f_[i]), L.inv, &sum);
      const double fn = updated_potential(f_[i], logs, L.lam_a, L.e);
      err += row_residual(i, logs, sum, fn, opt_.tau_a);
      fnew_[i] = fn;
      rbn_[i] = row_for_columns(i, fn);
    }
    return reduce1(L, err, 0);
  }

  void apply_rows(Local& L) {
    for (index_t i = L.r0; i < L.r1; ++i) f_[i] = fnew_[i];
  }

  // Column half-step over the own columns, from rbn_ (all rows) and gs_; updates g, gs, hb.
  // Ends with a barrier (the next row half-step reads every hb_).
  void log_col_step(Local& L) {
    const index_t c0 = L.c0, len = L.c1 - L.c0;
    if constexpr (Src::kPoints) {
      for (index_t j = c0; j < L.c1; ++j) {
        const double logt = col_log_sum_points(j, gs_[j], L.inv);
        g_[j] = updated_potential(g_[j], logt, L.lam_b, L.e);
      }
    } else if (len > 0) {
      double* acc = colacc_ + c0;
      for (index_t j = 0; j < len; ++j) acc[j] = 0.0;
      double tmax = -HUGE_VAL;
      const T* c = src_.c + c0;
      // Rows of positive weight, four at a time (a_i = 0 rows have no terms).
      const T* rows[4];
      double fs[4], ws[4];
      int k = 0;
      for (index_t i = 0; i < n_; ++i) {
        if (rbn_[i] == -HUGE_VAL) continue;
        rows[k] = c + i * m_;
        fs[k] = rbn_[i];
        ws[k] = a_[i];
        if (++k == 4) {
          kern_.lse_col4(rows, fs, ws, gs_ + c0, len, L.inv, acc, &tmax);
          k = 0;
        }
      }
      for (int r = 0; r < k; ++r) {
        kern_.lse_col(rows[r], gs_ + c0, len, fs[r], ws[r], L.inv, nullptr, acc, &tmax);
      }
      // Columns whose sum under- or overflowed: exact max-shifted recomputation of the span
      // [lo, hi] (every column when an exponent exceeded kMaxExp); the others: log of the sum.
      index_t lo = len, hi = -1;
      for (index_t j = 0; j < len; ++j) {
        if (!(acc[j] >= kTiny && acc[j] <= kHuge) || tmax > kMaxExp) {
          lo = std::min(lo, j);
          hi = j;
        }
      }
      for (index_t j = 0; j < len; ++j) {
        if (j < lo || j > hi) acc[j] = std::log(acc[j]);
      }
      if (hi >= lo) exact_columns(L, c0 + lo, hi - lo + 1);
      for (index_t j = c0; j < L.c1; ++j) g_[j] = updated_potential(g_[j], colacc_[j], L.lam_b, L.e);
    }
    refresh_cols(L);
    L.team->sync();
  }

  // Exact log T_j into colacc_[j] for columns [j0, j0 + len): a streaming max pass, then the
  // sums shifted by each column's max.
  void exact_columns(Local& L, index_t j0, index_t len) {
    const T* c = src_.c + j0;
    for (index_t j = j0; j < j0 + len; ++j) cmax_[j] = -HUGE_VAL;
    for (index_t i = 0; i < n_; ++i) {
      if (rbn_[i] == -HUGE_VAL) continue;
      kern_.max_col(c + i * m_, gs_ + j0, len, rbn_[i], L.inv, cmax_ + j0);
    }
    for (index_t j = j0; j < j0 + len; ++j) {
      hshift_[j] = cmax_[j] > -HUGE_VAL ? cmax_[j] : 0.0;  // empty column: no terms anyway
      colacc_[j] = 0.0;
    }
    double tmax = -HUGE_VAL;
    for (index_t i = 0; i < n_; ++i) {
      if (rbn_[i] == -HUGE_VAL) continue;
      kern_.lse_col(c + i * m_, gs_ + j0, len, rbn_[i], a_[i], L.inv, hshift_ + j0, colacc_ + j0,
                    &tmax);
    }
    for (index_t j = j0; j < j0 + len; ++j) {
      colacc_[j] = cmax_[j] > -HUGE_VAL ? cmax_[j] + std::log(colacc_[j]) : -HUGE_VAL;
    }
  }

  // "auto" after its warm-up: too few iterations left to repay building K (about two log
  // iterations' worth)? With tol > 0 they are predicted from the last error ratio err / prev.
  bool auto_stays_log(index_t left, double err, double prev) const {
    double remaining = double(left);
    if (opt_.tol > 0.0 && err > 0.0 && prev > err && prev < HUGE_VAL) {
      remaining = std::min(remaining, std::log(opt_.tol / err) / std::log(err / prev));
    }
    return remaining < kAutoMinScalingIters;
  }

  // The stop test of the final stage: tol = 0 never stops (exactly max_iter iterations), as
  // the fallback oracle does.
  bool converged(double err) const { return opt_.tol > 0.0 && err <= opt_.tol; }

  // One log-domain iteration. Returns false when the stop test ended the solve (final stage).
  bool log_iteration(Local& L, bool final_stage) {
    const double err = log_row_step(L);
    if (final_stage && converged(err)) return false;
    apply_rows(L);
    log_col_step(L);
    ++L.n_iter;
    return true;
  }

  // ---- scaling form ----
  //
  // State: absorbed potentials alpha, beta, the kernel K = exp((alpha + beta - C)/e) and the
  // scalings u, v, so that f = alpha + e log u, g = beta + e log v. The potentials f_, g_ are
  // only materialized at absorptions, log-domain fallbacks and the end of the stage, so a
  // balanced iteration has no transcendental function at all: u = 1 / Kv, v = 1 / Ku, and the
  // row sums of the plan are a_i u_i Kv_i (unbalanced: u = exp((fn - alpha)/e) with
  // fn = lam (alpha - e log Kv), as in the log domain).

  // Rebuilds K from alpha = f, beta = g (absorption) for the own rows; u = v = 1.
  // Returns true when every exponent stayed below the overflow limit of T (all threads).
  bool rebuild_kernel(Local& L) {
    const double lo = std::is_same<T, float>::value ? -87.3 : vexp::kLo;
    const double hi = std::is_same<T, float>::value ? 80.0 : kMaxExp;
    for (index_t i = L.r0; i < L.r1; ++i) {
      alpha_[i] = f_[i];
      u_[i] = 1.0;
      au_[i] = a_[i];
    }
    for (index_t j = L.c0; j < L.c1; ++j) {
      beta_[j] = g_[j];
      v_[j] = 1.0;
      bv_[j] = b_[j];
    }
    L.team->sync();  // every beta_ (read through gs_ = beta) and bv_ ready
    double tmax = -HUGE_VAL;
    for (index_t i = L.r0; i < L.r1; ++i) {
      const double t = kern_.exp_row(src_c() + i * m_, gs_, m_, finite_or_drop(alpha_[i]), L.inv,
                                     lo, K_ + i * m_);
      if (t > tmax || t != t) tmax = t;
    }
    const double all = reduce1(L, tmax, 1);
    return all <= hi;
  }

  const T* src_c() const {
    if constexpr (Src::kPoints) {
      return nullptr;
    } else {
      return src_.c;
    }
  }

  // f = alpha + e log u (own rows, with rbn_ for a column half-step) and g = beta + e log v
  // (own columns, with gs_, hb_); ends with a barrier.
  void materialize(Local& L) {
    for (index_t i = L.r0; i < L.r1; ++i) {
      f_[i] = alpha_[i] + L.e * std::log(u_[i]);
      rbn_[i] = row_for_columns(i, f_[i]);
    }
    for (index_t j = L.c0; j < L.c1; ++j) g_[j] = beta_[j] + L.e * std::log(v_[j]);
    refresh_cols(L);
    L.team->sync();
  }

  // After a log-domain fallback or an absorption: rebuild K (or give up on scaling when
  // "auto" has absorbed too often for the `done` iterations of this stage). Returns the new
  // need_log flag.
  bool after_absorption(Local& L, int& absorptions, bool& use_log, std::int64_t done) {
    ++absorptions;
    if (opt_.method == kAuto && absorptions > kMaxAutoAbsorptions &&
        kAutoAbsorbEvery * absorptions > done) {
      use_log = true;
      return false;
    }
    return !rebuild_kernel(L);
  }

  // The final stage in scaling form (with the log-domain fallbacks of the header comment).
  void scaling_stage(Local& L, index_t iters, index_t& scaling_iters) {
    const bool balanced_a = L.lam_a == 1.0, balanced_b = L.lam_b == 1.0;
    const double big = std::exp(kAbsorbLog), small = std::exp(-kAbsorbLog);
    int absorptions = 0;
    bool use_log = false;   // auto gave up on scaling for the rest of the solve
    bool need_log = false;  // the next iteration runs in the log domain, then K is rebuilt
    bool scaled = true;     // f_, g_ are stale (alpha, beta, u, v hold the state)
    need_log = !rebuild_kernel(L);  // alpha = f, beta = g (gs_ is current: run() refreshed it)
    const std::int64_t start = L.n_iter, stop_at = L.n_iter + iters;
    while (L.n_iter < stop_at) {  // every pass but a confirmation completes one iteration
      if (use_log || need_log) {
        if (scaled) materialize(L);
        scaled = false;
        if (!log_iteration(L, true)) return;
        if (use_log) continue;
        need_log = after_absorption(L, absorptions, use_log, L.n_iter - start);
        scaled = !use_log;
        continue;
      }
      // Row half-step: Kv = K (b v); S_i = u_i Kv_i.
      double err = 0.0, bad = 0.0, absorb = 0.0;
      for (index_t i = L.r0; i < L.r1; ++i) {
        const double kv = kern_.dot_row(K_ + i * m_, bv_, m_);
        const double ai = a_[i];
        // A zero or non-finite sum (zero-weight rows included: their potential is still
        // computed, finite, as the log domain does) sends the iteration to the log domain.
        if (!(kv > 0.0 && kv <= std::numeric_limits<double>::max())) bad = 1.0;
        double un;
        if (balanced_a) {
          un = 1.0 / kv;
          if (ai > 0.0) err += std::fabs(ai * (u_[i] * kv) - ai);
        } else {
          const double logkv = std::log(kv);
          const double fn = updated_potential(alpha_[i], logkv, L.lam_a, L.e);
          err += marginal_residual(ai, std::log(u_[i]) + logkv, fn, opt_.tau_a);
          un = std::exp((fn - alpha_[i]) * L.inv);
        }
        fnew_[i] = un;
        au_[i] = ai > 0.0 ? ai * un : 0.0;  // never 0 * inf
        if (!(un <= big && un >= small)) absorb = 1.0;  // every row, as the fallback checks
      }
      double vals[3] = {err, bad, absorb}, out[3];
      const int ops[3] = {0, 1, 1};
      L.team->reduce(L.tid, L.round, vals, ops, 3, out);
      if (out[1] != 0.0 || out[2] != 0.0) {
        // A row sum is 0 or not finite, or |log u| would exceed 50 (such a scaling would meet
        // kernel entries flushed to 0 in the column half-step): absorb, run this iteration in
        // the log domain, rebuild K.
        materialize(L);
        scaled = false;
        if (!log_iteration(L, true)) return;
        need_log = after_absorption(L, absorptions, use_log, L.n_iter - start);
        scaled = !use_log;
        continue;
      }
      if (converged(out[0])) {
        // Confirm with the exact log-domain row half-step (the same state: it stops at once
        // unless K's rounding fooled the test, as a float32 K can at a tol near 1e-8), and stay
        // in the log domain for the rest of the solve.
        materialize(L);
        scaled = false;
        use_log = true;
        continue;
      }
      for (index_t i = L.r0; i < L.r1; ++i) u_[i] = fnew_[i];
      // Column half-step: Ku = K^T (a u), streaming over the rows into the own columns.
      const index_t c0 = L.c0, len = L.c1 - L.c0;
      for (index_t j = c0; j < L.c1; ++j) colacc_[j] = 0.0;
      if (len > 0) {
        const T* rows[4];
        double scale[4];
        int k = 0;
        for (index_t i = 0; i < n_; ++i) {
          if (au_[i] == 0.0) continue;
          rows[k] = K_ + i * m_ + c0;
          scale[k] = au_[i];
          if (++k == 4) {
            kern_.axpy4(rows, scale, colacc_ + c0, len);
            k = 0;
          }
        }
        for (int r = 0; r < k; ++r) kern_.axpy_row(rows[r], scale[r], colacc_ + c0, len);
      }
      double cbad = 0.0, cabsorb = 0.0;
      for (index_t j = c0; j < L.c1; ++j) {
        const double ku = colacc_[j];
        if (!(ku > 0.0 && ku <= std::numeric_limits<double>::max())) cbad = 1.0;
        double vn;
        if (balanced_b) {
          vn = 1.0 / ku;
        } else {
          const double gn = updated_potential(beta_[j], std::log(ku), L.lam_b, L.e);
          vn = std::exp((gn - beta_[j]) * L.inv);
        }
        gnew_[j] = vn;
        if (!(vn <= big && vn >= small)) cabsorb = 1.0;
      }
      double v2[2] = {cbad, cabsorb}, o2[2];
      const int ops2[2] = {1, 1};
      L.team->reduce(L.tid, L.round, v2, ops2, 2, o2);
      if (o2[0] != 0.0) {  // a column sum is 0 or not finite: this half-step in the log domain
        materialize(L);    // f from the new u, g from the old v
        scaled = false;
        log_col_step(L);
        ++L.n_iter;
        need_log = after_absorption(L, absorptions, use_log, L.n_iter - start);
        scaled = !use_log;
        continue;
      }
      for (index_t j = c0; j < L.c1; ++j) {
        v_[j] = gnew_[j];
        bv_[j] = b_[j] > 0.0 ? b_[j] * v_[j] : 0.0;
      }
      ++L.n_iter;
      ++scaling_iters;
      if (o2[1] != 0.0) {  // |log u| or |log v| above 50: absorb into alpha, beta
        materialize(L);
        scaled = false;
        need_log = after_absorption(L, absorptions, use_log, L.n_iter - start);
        scaled = !use_log;
      } else {
        L.team->sync();  // every bv_ ready for the next row half-step
      }
    }
    if (scaled) materialize(L);
  }

  // ---- the final pass ----
  void final_pass(Local& L) {
    const double inv = L.inv, e = L.e;
    double* col = colsum_ + index_t(L.tid) * m_;
    for (index_t j = 0; j < m_; ++j) col[j] = 0.0;
    double err = 0.0, cost = 0.0, mass = 0.0, rf = 0.0, kla = 0.0;
    for (index_t i = L.r0; i < L.r1; ++i) {
      // The row half-step's terms E_ij = b_j exp((f_i + g_j - C_ij)/e), so S_i (hence the
      // error) is computed exactly as the stop test did; P_ij = a_i E_ij.
      double tmax;
      T* prow = plan_ ? plan_ + i * m_ : nullptr;
      const double base = row_for_columns(i, f_[i]);
      double S;
      if constexpr (Src::kPoints) {
        const double* xp = src_.xa + i * src_.d;
        S = kern_.points_plan_row(xp, src_.ys, m_, src_.d, src_.metric, hb_, b_, base, inv,
                                  a_[i], col, &cost, prow, &tmax);
      } else {
        S = kern_.plan_row(src_.c + i * m_, hb_, b_, m_, base, inv, a_[i], col, &cost, prow,
                           &tmax);
      }
      double r = 0.0;  // a_i S_i: the row sum of the plan
      if (a_[i] > 0.0) {
        double logs, sum = S;
        if (S >= kTiny && S <= kHuge && tmax <= kMaxExp) {
          logs = std::log(S);
        } else {
          logs = row_log_sum(i, base, inv, &sum);
        }
        const double fn = updated_potential(f_[i], logs, L.lam_a, e);
        err += row_residual(i, logs, sum, fn, opt_.tau_a);
        r = a_[i] * sum;
      }
      mass += r;
      if (r > 0.0) rf += r * f_[i];
      if (opt_.tau_a != HUGE_VAL) kla += kl_term(r, a_[i]);
    }
    double v1[5] = {err, cost, mass, rf, kla}, o1[5];
    const int ops1[5] = {0, 0, 0, 0, 0};
    L.team->reduce(L.tid, L.round, v1, ops1, 5, o1);
    // Column sums: thread t adds up every thread's partial sums for its own columns.
    double cg = 0.0, klb = 0.0;
    for (index_t j = L.c0; j < L.c1; ++j) {
      double cj = 0.0;
      for (int t = 0; t < L.team->size(); ++t) cj += colsum_[index_t(t) * m_ + j];
      if (cj > 0.0) cg += cj * g_[j];
      if (opt_.tau_b != HUGE_VAL) klb += kl_term(cj, b_[j]);
    }
    double v2[2] = {cg, klb}, o2[2];
    const int ops2[2] = {0, 0};
    L.team->reduce(L.tid, L.round, v2, ops2, 2, o2);
    if (L.tid == 0) {
      double sa = 0.0, sb = 0.0;
      for (index_t i = 0; i < n_; ++i) sa += a_[i];
      for (index_t j = 0; j < m_; ++j) sb += b_[j];
      double obj = o1[3] + o2[0] - e * o1[2] + e * sa * sb;
      if (opt_.tau_a != HUGE_VAL) obj += opt_.tau_a * o1[4];
      if (opt_.tau_b != HUGE_VAL) obj += opt_.tau_b * o2[1];
      result_.err = o1[0];
      result_.cost = o1[1];
      result_.objective = obj;
      result_.n_iter = L.n_iter;
    }
  }

  // ---- one thread of the team ----
  void run(int tid, Team& team) {
    DenormalGuard denormals;
    Local L;
    L.tid = tid;
    L.team = &team;
    block_of(n_, tid, team.size(), L.r0, L.r1);
    block_of(m_, tid, team.size(), L.c0, L.c1);
    for (index_t j = L.c0; j < L.c1; ++j) hshift_[j] = 0.0;
    const index_t S = opt_.n_stages;
    index_t scaling_iters = 0, final_iters_start = 0;
    for (index_t s = 0; s < S; ++s) {
      const bool final_stage = s == S - 1;
      L.e = opt_.eps_stages[s];
      L.inv = 1.0 / L.e;
      L.lam_a = damping(opt_.tau_a, L.e);
      L.lam_b = damping(opt_.tau_b, L.e);
      refresh_cols(L);
      team.sync();
      const index_t iters = final_stage ? opt_.max_iter : opt_.stage_iter;
      if (final_stage) final_iters_start = L.n_iter;
      if (final_stage && method_ == kScaling && K_ != nullptr) {
        // "auto" starts in the log domain: from zero (or far) potentials the first iterations
        // move them by many eps, which in scaling form would cost an absorption (an exp pass)
        // per iteration. After kAutoWarmIters iterations (or once the marginal error is below
        // 0.1 x sum(a)) it moves to the scaling form as soon as enough iterations remain to
        // repay building K: all that are left with tol = 0, else the count the last error
        // ratio predicts (a solve about to converge finishes in the log domain).
        index_t left = iters;
        bool done = false;
        if (opt_.method == kAuto) {
          double mass = 0.0, prev = HUGE_VAL, err = HUGE_VAL;
          for (index_t i = 0; i < n_; ++i) mass += a_[i];
          for (index_t warm = 0; left > 0; ++warm) {
            if (warm >= kAutoWarmIters || err <= kAutoWarmError * mass) {
              if (!auto_stays_log(left, err, prev)) break;
            }
            prev = err;
            err = log_row_step(L);
            if (converged(err)) {
              done = true;
              break;
            }
            apply_rows(L);
            log_col_step(L);
            ++L.n_iter;
            --left;
          }
          if (left == 0) done = true;
        }
        if (!done) scaling_stage(L, left, scaling_iters);
      } else {
        for (index_t it = 0; it < iters; ++it) {
          if (!log_iteration(L, final_stage)) break;
        }
      }
      team.sync();
    }
    // Final pass at the target eps (f, g as returned).
    refresh_cols(L);
    team.sync();
    final_pass(L);
    if (tid == 0) {
      const std::int64_t final_iters = L.n_iter - final_iters_start;
      result_.method_used =
          (K_ != nullptr && method_ != kLog && 2 * scaling_iters >= final_iters) ? 1 : 0;
    }
  }
};

// ------------------------------------------------------------------------------------------
// Public entry points: one problem each (the bindings loop over a batch)
// ------------------------------------------------------------------------------------------

// Thread-local scratch of small problems (grown, never shrunk): no heap allocation per problem
// once warm. Large problems allocate their own (so a thread does not keep 100s of MB).
// Tag: 0 = workspace, 1 = kernel matrix K, 2 = point copies (separate buffers).
template <class U, int Tag>
std::vector<U>& scratch() {
  static thread_local std::vector<U> buf;
  return buf;
}

template <int Tag, class U>
U* scratch_or_own(std::vector<U>& own, index_t len, bool small) {
  std::vector<U>& v = small ? scratch<U, Tag>() : own;
  if (index_t(v.size()) < len) v.resize(size_t(len));
  return v.data();
}

// Solves one dense problem. cost: n x m row-major of T; a, b: weights; f, g: in/out (filled with
// the initial potentials by the caller); plan: n x m of T or null. threads: team size (1 inside
// a batch); problems below team_entries entries run on one thread (tests lower it).
template <class T>
Result solve_dense(const T* cost, index_t n, index_t m, const double* a, const double* b,
                   double* f, double* g, const Options& opt, T* plan, int threads,
                   index_t team_entries = kTeamEntries) {
  const bool small = n * m < team_entries;
  if (small) threads = 1;
  threads = int(std::max<index_t>(1, std::min<index_t>(threads, std::max(n, m) / 8)));
  const int method = choose_method(opt.method, n, m, sizeof(T), false);
  std::vector<double> own_ws;
  double* ws = scratch_or_own<0>(own_ws, workspace_doubles(n, m, threads), small);
  // A large K is left uninitialized: its pages cost nothing until "auto" decides to scale.
  std::unique_ptr<T[]> own_k;
  T* K = nullptr;
  if (method != kLog) {
    if (small) {
      std::vector<T>& v = scratch<T, 1>();
      if (index_t(v.size()) < n * m) v.resize(size_t(n * m));
      K = v.data();
    } else {
      own_k.reset(new T[size_t(n * m)]);
      K = own_k.get();
    }
  }
  DenseCost<T> src{cost};
  Solver<T, DenseCost<T>> solver(src, n, m, a, b, f, g, opt, method, ws, K, plan, threads,
                                 kernels<T>());
  return solver.solve();
}

// Solves one point-cloud problem: x (n x d), y (m x d) row-major of T (log domain only).
template <class T>
Result solve_points(const T* x, const T* y, index_t n, index_t m, int d, const double* a,
                    const double* b, double* f, double* g, const Options& opt, T* plan,
                    int threads, index_t team_entries = kTeamEntries) {
  const bool small = n * m < team_entries;
  if (small) threads = 1;
  threads = int(std::max<index_t>(1, std::min<index_t>(threads, std::max(n, m) / 8)));
  std::vector<double> own_ws, own_pts;
  double* ws = scratch_or_own<0>(own_ws, workspace_doubles(n, m, threads), small);
  // Structure-of-arrays copies in double (computations in double, as point_cost does).
  double* xs = scratch_or_own<2>(own_pts, 2 * (n + m) * index_t(d) + 1, small);
  double* ys = xs + n * d;
  double* xa = ys + m * d;
  double* ya = xa + n * d;
  for (index_t i = 0; i < n; ++i) {
    for (int k = 0; k < d; ++k) xs[k * n + i] = xa[i * d + k] = double(x[i * d + k]);
  }
  for (index_t j = 0; j < m; ++j) {
    for (int k = 0; k < d; ++k) ys[k * m + j] = ya[j * d + k] = double(y[j * d + k]);
  }
  PointsCost src{xs, ys, xa, ya, d, opt.metric};
  Solver<T, PointsCost> solver(src, n, m, a, b, f, g, opt, kLog, ws, nullptr, plan, threads,
                               kernels<T>());
  return solver.solve();
}

}  // namespace sinkhorn
}  // namespace tradeoff
