// tradeoff/assignment_hd.hpp: the small bodies of linear assignment that every driver shares:
// the sequential solver (assignment_solve_hd.hpp), the CPU driver's vector scans
// (assignment.hpp) and the CUDA block reductions (cuda/assignment.cu).
//
// The algorithm (python/tradeoff/_fallback/assignment.py is its readable specification) is
// Jonker-Volgenant's augmenting row reduction followed by shortest augmenting paths. Every
// backend makes bit-identical decisions: arithmetic is double, only + and - in the order
// written here, and every choice among equal values goes to the lowest index (a scan in any
// order or a tree reduction must compare (value, index) pairs lexicographically, which is what
// the merge functions below do).
#pragma once

#if !defined(__CUDACC_RTC__)
#include <cmath>
#endif

#include "config.hpp"

namespace tradeoff {
namespace lap {

// Status codes of one instance (the kernel interface's `status` output).
constexpr signed char kSolved = 0;
constexpr signed char kInfeasible = 1;  // no complete matching of the smaller side
constexpr signed char kInvalid = 2;     // NaN, or -inf after the maximize sign flip
// 3 is the CUDA launcher's guard for sizes out of range (never reached through _gpu.py).
constexpr signed char kOverflow = 4;    // solved, but the total or a potential is not finite

// Costs near the largest double can overflow the potentials (sums of costs): status kOverflow
// when the total or any potential of a solved instance is inf or NaN.
TRADEOFF_HD inline bool solution_overflowed(double total, const double* u, index_t n,
                                            const double* v, index_t m) {
  double acc = total * 0.0;  // 0 when finite, NaN otherwise; x * 0 stays 0 only for finite x
  for (index_t i = 0; i < n; ++i) acc += u[i] * 0.0;
  for (index_t j = 0; j < m; ++j) acc += v[j] * 0.0;
  return acc != 0.0;
}

// Augmenting row reduction may process at most this many rows per pending row in one pass.
constexpr index_t kArrStepFactor = 4;

TRADEOFF_HD inline double lap_inf() { return HUGE_VAL; }

// (a, ia) before (b, ib): the smaller value, then the lower index.
TRADEOFF_HD inline bool lex_less(double a, index_t ia, double b, index_t ib) {
  return a < b || (a == b && ia < ib);
}

// An entry that step 2 of the specification rejects: NaN or -inf (after the sign flip).
TRADEOFF_HD inline bool invalid_entry(double s) { return !(s > -lap_inf()); }

// ---- augmenting row reduction: the two smallest reduced costs h_j = S_ij - v_j of a row ------

TRADEOFF_HD inline double arr_reduced(double s, double v) { return s - v; }

struct Top2 {
  double u1, u2;  // smallest and second smallest value (+inf while missing)
  index_t j1, j2; // their columns (-1 while missing)
};

TRADEOFF_HD inline Top2 top2_empty() { return Top2{lap_inf(), lap_inf(), -1, -1}; }

// Push h at column j, columns visited in increasing order (the sequential loop of the spec).
TRADEOFF_HD inline void top2_push(Top2& t, double h, index_t j) {
  if (h < t.u2) {
    if (h < t.u1) {
      t.u2 = t.u1;
      t.j2 = t.j1;
      t.u1 = h;
      t.j1 = j;
    } else {
      t.u2 = h;
      t.j2 = j;
    }
  }
}

// Push in any order: keeps the two lexicographically smallest (value, index) pairs among
// finite-or-inf values. Equal to top2_push over increasing j wherever the spec reads the
// result (u1, u2 always; j1 when u1 < inf; j2 when u2 < inf).
TRADEOFF_HD inline void top2_push_any(Top2& t, double h, index_t j) {
  if (lex_less(h, j, t.u2, t.j2 < 0 ? INT64_MAX : t.j2)) {
    if (lex_less(h, j, t.u1, t.j1 < 0 ? INT64_MAX : t.j1)) {
      t.u2 = t.u1;
      t.j2 = t.j1;
      t.u1 = h;
      t.j1 = j;
    } else {
      t.u2 = h;
      t.j2 = j;
    }
  }
}

// Merge two partial results (lanes, threads, warps) in any order.
TRADEOFF_HD inline Top2 top2_merge(Top2 a, const Top2& b) {
  if (b.j1 >= 0 || b.u1 < lap_inf()) top2_push_any(a, b.u1, b.j1);
  if (b.j2 >= 0 || b.u2 < lap_inf()) top2_push_any(a, b.u2, b.j2);
  return a;
}

// What augmenting row reduction does with row i, given its Top2 t and the rows y_j1, y_j2
// currently matched to columns t.j1 and t.j2 (-1 when free). See the spec's Phase 1.
struct ArrStep {
  enum Kind : int { kDefer = 0, kAssign = 1 } kind;  // kDefer: row i goes to the new free list
  index_t col;          // column that row i takes (kAssign)
  double v_col;         // the new v[col] (equal to the old one unless decreased)
  index_t displaced;    // row that loses `col` (-1 if none)
  bool displaced_next;  // displaced row is processed next (else it joins the new free list)
};

TRADEOFF_HD inline ArrStep arr_step(const Top2& t, index_t y_j1, index_t y_j2, double v_j1,
                                    double v_j2) {
  ArrStep s{ArrStep::kDefer, -1, 0.0, -1, false};
  if (t.u1 == lap_inf()) return s;  // no allowed column
  if (t.u2 == lap_inf()) {          // exactly one allowed column: take it only when free
    if (y_j1 == -1) {
      s.kind = ArrStep::kAssign;
      s.col = t.j1;
      s.v_col = v_j1;
    }
    return s;
  }
  s.kind = ArrStep::kAssign;
  if (t.u1 < t.u2) {
    s.col = t.j1;
    s.v_col = v_j1 - (t.u2 - t.u1);
    s.displaced = y_j1;
    s.displaced_next = true;
  } else if (y_j1 >= 0) {
    s.col = t.j2;
    s.v_col = v_j2;
    s.displaced = y_j2;
    s.displaced_next = false;
  } else {
    s.col = t.j1;
    s.v_col = v_j1;
  }
  return s;
}

// ---- shortest augmenting path: one Dijkstra step's fused scan ---------------------------------

// Candidate distance of column j through row i: (r + S_ij) - v_j with r = min_val - u_i.
TRADEOFF_HD inline double sap_offset(double min_val, double u_i) { return min_val - u_i; }
TRADEOFF_HD inline double sap_candidate(double r, double s, double v) { return (r + s) - v; }

// The smallest distance among unfinished columns, and the smallest among free ones.
struct ScanMin {
  double low, lowf;
  index_t jlow, jf;
};

TRADEOFF_HD inline ScanMin scan_empty() { return ScanMin{lap_inf(), lap_inf(), -1, -1}; }

// Push the (already updated) distance d of unfinished column j; `free_col` when y_j == -1.
// Valid for columns visited in any order.
TRADEOFF_HD inline void scan_push(ScanMin& s, double d, index_t j, bool free_col) {
  if (lex_less(d, j, s.low, s.jlow < 0 ? INT64_MAX : s.jlow)) {
    s.low = d;
    s.jlow = j;
  }
  if (free_col && lex_less(d, j, s.lowf, s.jf < 0 ? INT64_MAX : s.jf)) {
    s.lowf = d;
    s.jf = j;
  }
}

TRADEOFF_HD inline ScanMin scan_merge(ScanMin a, const ScanMin& b) {
  if (lex_less(b.low, b.jlow < 0 ? INT64_MAX : b.jlow, a.low, a.jlow < 0 ? INT64_MAX : a.jlow)) {
    a.low = b.low;
    a.jlow = b.jlow;
  }
  if (lex_less(b.lowf, b.jf < 0 ? INT64_MAX : b.jf, a.lowf, a.jf < 0 ? INT64_MAX : a.jf)) {
    a.lowf = b.lowf;
    a.jf = b.jf;
  }
  return a;
}

// The column the step finishes: at the minimal distance prefer a free column, then the lowest
// index. -1 when every unfinished column is at +inf (the instance is infeasible).
TRADEOFF_HD inline index_t scan_pick(const ScanMin& s) {
  if (!(s.low < lap_inf())) return -1;
  return s.lowf == s.low ? s.jf : s.jlow;
}

// ---- dual updates after a shortest path of length min_val ------------------------------------

TRADEOFF_HD inline double root_dual(double u_cur, double min_val) { return u_cur + min_val; }
// A row reached on the path, matched to a finished column at distance d_col.
TRADEOFF_HD inline double row_dual(double u_i, double min_val, double d_col) {
  return u_i + (min_val - d_col);
}
// A finished column at distance d_j.
TRADEOFF_HD inline double col_dual(double v_j, double min_val, double d_j) {
  return v_j - (min_val - d_j);
}

}  // namespace lap
}  // namespace tradeoff
