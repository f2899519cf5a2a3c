// tradeoff/sinkhorn_hd.hpp: the per-element and per-row bodies of entropic transport that the
// CPU driver (sinkhorn.hpp) and the CUDA kernels (cuda/sinkhorn.cu) both run.
//
// Conventions (python/tradeoff/transport.py documents them for users): potentials f, g give the
// plan P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps); C_ij = +inf is a forbidden pair (P_ij = 0).
// A row half-step computes log S_i = log sum_j b_j exp((f_i + g_j - C_ij)/eps), where a_i S_i is
// the row sum of the current plan, then f_i <- lam_a (f_i - eps log S_i) with
// lam_a = tau_a / (tau_a + eps) (1 for a hard marginal, tau_a = inf). The column half-step is the
// same with the roles of (f, a) and (g, b) swapped.
#pragma once

#if !defined(__CUDACC_RTC__)
#include <cmath>
#endif

#include "config.hpp"

namespace tradeoff {
namespace sinkhorn {

// Exponents below this are flushed to a zero term: exp(-708.39) is the smallest normal double,
// and denormal terms cannot change a sum that matters (the caller recomputes sums this small).
constexpr double kMinExponent = -708.0;

// A streaming log-sum-exp: sum_k w_k exp(x_k) held as exp(max) * sum without overflow.
struct LseState {
  double max;  // -inf while empty
  double sum;  // sum of w_k exp(x_k - max)
};

TRADEOFF_HD inline LseState lse_empty() { return LseState{-HUGE_VAL, 0.0}; }

// Adds w * exp(x); w >= 0, x may be -inf (a forbidden pair: nothing is added).
TRADEOFF_HD inline void lse_push(LseState& s, double x, double w) {
  if (!(w > 0.0) || x == -HUGE_VAL) return;
  if (x <= s.max) {
    s.sum += w * exp(x - s.max);
  } else {
    s.sum = s.sum * exp(s.max - x) + w;
    s.max = x;
  }
}

TRADEOFF_HD inline LseState lse_merge(LseState a, LseState b) {
  if (b.sum == 0.0) return a;
  if (a.sum == 0.0) return b;
  if (a.max >= b.max) return LseState{a.max, a.sum + b.sum * exp(b.max - a.max)};
  return LseState{b.max, b.sum + a.sum * exp(a.max - b.max)};
}

// log(sum); -inf for an empty sum.
TRADEOFF_HD inline double lse_value(LseState s) {
  return s.sum > 0.0 ? s.max + log(s.sum) : -HUGE_VAL;
}

// The exponent (f + g - c) / eps of one entry; -inf for a forbidden pair (c = +inf).
TRADEOFF_HD inline double exponent(double f, double g, double c, double inv_eps) {
  return c == HUGE_VAL ? -HUGE_VAL : (f + g - c) * inv_eps;
}

// lam = tau / (tau + eps): 1 for a hard marginal (tau = inf).
TRADEOFF_HD inline double damping(double tau, double eps) {
  return tau == HUGE_VAL ? 1.0 : tau / (tau + eps);
}

// The updated potential from log S (see the header comment).
TRADEOFF_HD inline double updated_potential(double f, double log_s, double lam, double eps) {
  return lam * (f - eps * log_s);
}

// |row sum now - row sum after the update| for one row of weight a: the row's part of the
// marginal error. The row sum now is a * S; after the update it is a * exp(-fn / tau) (= a
// for a hard marginal). Rows of weight 0 contribute 0.
TRADEOFF_HD inline double marginal_residual(double a, double log_s, double fn, double tau) {
  if (!(a > 0.0)) return 0.0;
  const double target = tau == HUGE_VAL ? a : a * exp(-fn / tau);
  return fabs(a * exp(log_s) - target);
}

// One plan entry a b exp(x) for the exponent x = (f + g - C) / eps: exactly 0 for a zero
// weight (whatever x is: never 0 * inf), a forbidden pair (x = -inf) or x below kMinExponent.
TRADEOFF_HD inline double plan_entry(double a, double b, double x) {
  if (!(a > 0.0) || !(b > 0.0) || !(x >= kMinExponent)) return 0.0;
  return a * b * exp(x);
}

// The generalized KL term r log(r / a) - r + a of one marginal entry (0 log 0 = 0).
TRADEOFF_HD inline double kl_term(double r, double a) {
  if (r > 0.0) return a > 0.0 ? r * log(r / a) - r + a : HUGE_VAL;
  return a;
}

// Ground cost between x (d coordinates, stride xs) and y (stride ys): metric 0 is the squared
// Euclidean distance (no 1/2 factor), 1 the Euclidean distance.
template <class T>
TRADEOFF_HD inline double point_cost(const T* x, index_t xs, const T* y, index_t ys, int d,
                                     int metric) {
  double s = 0.0;
  for (int k = 0; k < d; ++k) {
    const double t = double(x[k * xs]) - double(y[k * ys]);
    s += t * t;
  }
  return metric == 1 ? sqrt(s) : s;
}

}  // namespace sinkhorn
}  // namespace tradeoff
