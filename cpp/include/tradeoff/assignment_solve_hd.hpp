// tradeoff/assignment_solve_hd.hpp: one linear assignment instance, start to finish, as a
// sequential TRADEOFF_HD function (one CPU thread or one GPU thread per instance).
//
// The algorithm is the specification's (python/tradeoff/_fallback/assignment.py is its readable
// form): steps 1-7 (sign flip, validation, transposition, map back, total) around augmenting
// row reduction (two passes from v = 0) and shortest augmenting paths (Dijkstra on reduced
// costs), with every decision taken by the shared bodies of assignment_hd.hpp, so the result is
// bit-identical to the fallback, to the CPU driver's vector scans (assignment.hpp) and to the
// CUDA kernels.
//
// Entry points:
//   solve_instance<T>(cost, ld, rows, cols, maximize, ...)   steps 1-7 of one active block
//   solve_core(S, n, m, x, y, u, v, ws, scanner, validate)   one problem S with n <= m rows
//
// Two implementation choices that keep the decisions of the specification with less work:
// * Finished columns. The specification skips columns with done[j] during a shortest path
//   search. Here a finished column j gets v[j] = NaN and d[j] = +inf until the search ends:
//   its candidate (r + S_ij) - NaN is NaN, "cand < d_j" is false, and +inf never wins the
//   minimum (a minimum at +inf means infeasible, whatever the index). So a scan visits every
//   column with no test, and the scanner (scalar, vector or a GPU block) needs no done flags.
//   The distance and the old v of the k-th finished column are kept in dfin[k] and vsave[k]
//   (its distance is the step's min_val); the dual updates read them, then v is restored.
//   The row reached through the k-th finished column (k >= 0) is rows_seen[k + 1], and its
//   column x[i] is that column, so the spec's d[x[i]] is dfin[k].
// * The first scan of a search writes d_j = min(cand, +inf) and pred_j = i for every column
//   (d = +inf before it, and pred of a column at +inf is never read), so d needs no reset pass.
//   (cand is NaN only when the arithmetic overflowed; "min" keeps such a column at +inf.)
// * Validation (step 2) is fused into the first pass of row reduction: every scan of pass 1
//   checks the entries it reads (a displaced row is checked again: cheaper than a branch); the
//   rows its step budget left unread (rows k.. of the pending list, still in order) are checked
//   after it. An invalid entry stops the instance with status 2 before anything is returned.
//
// Pluggable scans. The two hot loops (row reduction's top two of a row, the shortest path
// step's fused update + argmin) are members of a Scanner; ScalarScanner is the sequential loop
// of the specification. The CPU driver substitutes vector scanners (assignment.hpp); any
// scanner must return what the sequential loop returns wherever the solver reads it (Top2: u1,
// u2 always, j1 when u1 < inf, j2 only when u1 == u2 < inf: arr_step reads the second column
// only on a tie, so a vector scan need not look for it otherwise; ScanMin: whatever scan_pick
// reads).
// Scanner interface (all TRADEOFF_HD, View is the cost accessor below):
//   void begin(index_t m)                    an instance starts: every column is free
//   void col_taken(index_t j)                free column j was just matched (never freed again)
//   void put(double* a, index_t j, double x) a[j] = x for the arrays the scans read (v, d): a
//        vector scanner writes the whole vector holding a[j], so that its next full-width load
//        of it is forwarded from the store (a narrow store under a wide load stalls it)
//   Top2 arr_row(const View& S, index_t i, const double* v, index_t m, bool check, bool& bad)
//        top two of h_j = S_ij - v_j; with check, bad = some S_ij is NaN or -inf
//   bool row_invalid(const View& S, index_t i, index_t m)
//   ScanMin sap_row(const View& S, index_t i, double r, const double* v, double* d,
//                   index_t* pred, const index_t* y, index_t m, bool first)
//        d_j, pred_j updated with cand = (r + S_ij) - v_j (first: d_j = cand, pred_j = i for
//        all j), then the minimum of d over all columns and over free columns (y_j == -1)
//
// Workspace (one per concurrently solved instance): 5 ms + 2 ns 8-byte elements for a problem
// with ns = min(rows, cols) and ms = max(rows, cols): see Workspace and workspace_bind. The
// outputs x, y, u, v of solve_core are the caller's arrays (solve_instance writes straight into
// the kernel interface's col_of_row, row_of_col, u, v, swapping them when it transposes).
#pragma once

#if !defined(__CUDACC_RTC__)
#include <cmath>
#endif

#include "assignment_hd.hpp"
#include "config.hpp"

#if defined(__CUDACC__)
#define TRADEOFF_LAP_INLINE __forceinline__
#elif defined(__GNUC__) || defined(__clang__)
// The CPU driver stamps the whole solver out once per instruction set (target attributes):
// always_inline lets a target function inline these bodies and the scans they call.
#define TRADEOFF_LAP_INLINE inline __attribute__((always_inline))
#else
#define TRADEOFF_LAP_INLINE inline
#endif

namespace tradeoff {
namespace lap {

TRADEOFF_HD inline double lap_nan() { return static_cast<double>(NAN); }

// ---- cost access -------------------------------------------------------------------------------

// S_ij = (Neg ? -1 : 1) * double(base[i * rs + j * cs]): the problem S of step 3 read in place
// (rs = ld, cs = 1 for S = A; rs = 1, cs = ld for S = A^T; Neg for maximize: negation is exact).
template <class T, bool Neg>
struct CostView {
  using value_type = T;
  static constexpr bool negated = Neg;
  const T* base;
  index_t rs, cs;
  TRADEOFF_HD double at(index_t i, index_t j) const {
    const double s = static_cast<double>(base[i * rs + j * cs]);
    return Neg ? -s : s;
  }
  // Row i as contiguous memory (only when cs == 1: the vector scanners need it).
  TRADEOFF_HD const T* row(index_t i) const { return base + i * rs; }
};

// ---- workspace ---------------------------------------------------------------------------------

// Scratch of one instance with ns rows and ms columns in S (ns <= ms). 8-byte elements only,
// so any 8-byte aligned block of workspace_bytes(rows, cols) bytes can be bound.
struct Workspace {
  double* d;        // [ms] distances of the current shortest path search (+inf when finished)
  double* dfin;     // [ms] distance of the k-th column finished in the search
  double* vsave;    // [ms] v of the k-th finished column (v holds NaN while it is finished)
  index_t* pred;    // [ms] row through which column j was reached
  index_t* cols;    // [ms] columns finished in the search, in order
  index_t* free_a;  // [ns] free rows (pending list of row reduction, then Dijkstra's roots)
  index_t* free_b;  // [ns] new free rows of a reduction pass; rows reached in a search
};

// Elements (8 bytes each) for an active block of rows x cols (either orientation).
TRADEOFF_HD inline index_t workspace_elements(index_t rows, index_t cols) {
  const index_t ns = rows < cols ? rows : cols;
  const index_t ms = rows < cols ? cols : rows;
  return 5 * ms + 2 * ns;
}
TRADEOFF_HD inline index_t workspace_bytes(index_t rows, index_t cols) {
  return 8 * workspace_elements(rows, cols);
}

// Carves a Workspace for a rows x cols block out of mem (8-byte aligned, at least
// workspace_bytes(rows, cols) bytes; a block bound for larger sizes also fits).
TRADEOFF_HD inline Workspace workspace_bind(void* mem, index_t rows, index_t cols) {
  const index_t ns = rows < cols ? rows : cols;
  const index_t ms = rows < cols ? cols : rows;
  double* p = static_cast<double*>(mem);
  Workspace w;
  w.d = p;
  w.dfin = p + ms;
  w.vsave = p + 2 * ms;
  index_t* q = reinterpret_cast<index_t*>(p + 3 * ms);
  w.pred = q;
  w.cols = q + ms;
  w.free_a = q + 2 * ms;
  w.free_b = q + 2 * ms + ns;
  return w;
}

// ---- the sequential scans ----------------------------------------------------------------------

// The loops of the specification, column by column in increasing order.
struct ScalarScanner {
  TRADEOFF_HD void begin(index_t) {}
  TRADEOFF_HD void col_taken(index_t) {}
  TRADEOFF_HD void put(double* a, index_t j, double x) const { a[j] = x; }

  template <class View>
  TRADEOFF_HD Top2 arr_row(const View& S, index_t i, const double* v, index_t m, bool check,
                           bool& bad) const {
    Top2 t = top2_empty();
    bool b = false;
    for (index_t j = 0; j < m; ++j) {
      const double s = S.at(i, j);
      if (check && invalid_entry(s)) b = true;
      top2_push(t, arr_reduced(s, v[j]), j);
    }
    bad = b;
    return t;
  }

  template <class View>
  TRADEOFF_HD bool row_invalid(const View& S, index_t i, index_t m) const {
    for (index_t j = 0; j < m; ++j) {
      if (invalid_entry(S.at(i, j))) return true;
    }
    return false;
  }

  template <class View>
  TRADEOFF_HD ScanMin sap_row(const View& S, index_t i, double r, const double* v, double* d,
                              index_t* pred, const index_t* y, index_t m, bool first) const {
    ScanMin s = scan_empty();
    for (index_t j = 0; j < m; ++j) {
      const double cand = sap_candidate(r, S.at(i, j), v[j]);
      if (first) {  // d_j was +inf: it takes cand unless cand is NaN (then "cand < d_j" fails)
        d[j] = cand < lap_inf() ? cand : lap_inf();
        pred[j] = i;
      } else if (cand < d[j]) {
        d[j] = cand;
        pred[j] = i;
      }
      scan_push(s, d[j], j, y[j] == -1);
    }
    return s;
  }
};

// ---- one problem S with n <= m -----------------------------------------------------------------

// The solver of one problem S (n rows <= m columns, n >= 1) as a resumable state machine:
// start() initializes, every step() performs one scan (a row reduction step or a shortest path
// step) with its bookkeeping and returns false once the problem is finished (status set). A
// GPU thread or a CPU loop simply runs step() until it returns false (solve_core); the CPU batch
// driver alternates the steps of two instances, so that the latency of one instance's scan
// overlaps the other's (every step waits on the previous one's result within an instance).
//
// Writes x[n] (column of each row), y[m] (row of each column), u[n], v[m]. With validate,
// entries are checked on the way (fused, see the header): kInvalid when one is NaN or -inf.
// kInfeasible when some row cannot be matched (x, y, u, v are then unspecified; v may hold NaN).
template <class View, class Scanner>
struct Core {
  enum Phase : int { kArr = 0, kSap = 1, kDone = 2 };

  // the problem
  View S;
  index_t n, m;
  index_t *x, *y;
  double *u, *v;
  Workspace ws;
  bool validate;
  // where it stands
  int phase;
  signed char status;
  // row reduction: pass, the pending list (read at k) and the new free list (n_new entries)
  int pass;
  index_t *pending, *fresh;
  index_t n_free, unread, len, budget, k, steps, n_new;
  // shortest paths: root f of n_free (the roots are `pending`, the rows reached `fresh`)
  index_t f, cur, i, n_rows, n_cols;
  double min_val;
  bool first;

  TRADEOFF_HD TRADEOFF_LAP_INLINE void start(const View& S_, index_t n_, index_t m_, index_t* x_,
                                             index_t* y_, double* u_, double* v_,
                                             const Workspace& ws_, bool validate_, Scanner& sc) {
    S = S_;
    n = n_;
    m = m_;
    x = x_;
    y = y_;
    u = u_;
    v = v_;
    ws = ws_;
    validate = validate_;
    for (index_t j = 0; j < m; ++j) {
      v[j] = 0.0;
      y[j] = -1;
    }
    for (index_t r = 0; r < n; ++r) {
      x[r] = -1;
      ws.free_a[r] = r;
    }
    sc.begin(m);
    phase = kArr;
    status = kSolved;
    pending = ws.free_a;
    fresh = ws.free_b;
    n_free = n;
    unread = n;  // pass 1 never read rows [unread, n) (its step budget ran out first)
    pass = 0;
    f = cur = i = n_rows = n_cols = 0;
    min_val = 0.0;
    first = true;
    begin_pass();
  }

  TRADEOFF_HD TRADEOFF_LAP_INLINE void begin_pass() {
    len = n_free;
    budget = kArrStepFactor * len;
    k = 0;
    steps = 0;
    n_new = 0;
  }

  TRADEOFF_HD TRADEOFF_LAP_INLINE bool stop(signed char st) {
    status = st;
    phase = kDone;
    return false;
  }

  TRADEOFF_HD TRADEOFF_LAP_INLINE void begin_search() {
    cur = pending[f];
    i = cur;
    n_rows = 0;
    n_cols = 0;
    min_val = 0.0;
    first = true;
  }

  TRADEOFF_HD TRADEOFF_LAP_INLINE bool step(Scanner& sc) {
    if (phase == kArr) return arr_step_(sc);
    if (phase == kSap) return sap_step_(sc);
    return false;
  }

  // ---- Phase 1: augmenting row reduction, two passes ----
  TRADEOFF_HD TRADEOFF_LAP_INLINE bool arr_step_(Scanner& sc) {
    const double inf = lap_inf();
    if (k < len && steps < budget) {
      ++steps;
      const index_t r = pending[k++];
      const bool check = validate && pass == 0;  // pass 1 reads every row it meets: check them
      bool bad = false;
      const Top2 t = sc.arr_row(S, r, v, m, check, bad);
      if (check && bad) return stop(kInvalid);
      // arr_step reads column j1 when u1 < inf and column j2 only when u1 == u2 < inf
      const bool has1 = t.u1 < inf, has2 = has1 && t.u2 == t.u1;
      const ArrStep st = arr_step(t, has1 ? y[t.j1] : -1, has2 ? y[t.j2] : -1,
                                  has1 ? v[t.j1] : 0.0, has2 ? v[t.j2] : 0.0);
      if (st.kind == ArrStep::kDefer) {
        fresh[n_new++] = r;
        return true;
      }
      // The list updates without data-dependent branches (they would mispredict half the
      // time): pending[k - 1] is row r's consumed slot, so writing the displaced row there is
      // harmless unless it goes next; fresh[n_new] is in bounds (row r is not in it).
      const index_t dsp = st.displaced;  // -1: the column was free
      const bool has_d = dsp >= 0;
      const bool next = has_d && st.displaced_next;
      sc.put(v, st.col, st.v_col);
      x[has_d ? dsp : r] = -1;
      pending[k - 1] = dsp;
      k -= next ? 1 : 0;
      fresh[n_new] = dsp;
      n_new += (has_d && !next) ? 1 : 0;
      sc.col_taken(st.col);  // matched from now on (already marked when it was not free)
      x[r] = st.col;
      y[st.col] = r;
      return true;
    }
    // the end of a pass: rows the budget did not reach wait for shortest paths
    if (k < len) {
      if (pass == 0) unread = k;  // pending[k..] are still rows k.. (untouched, in order)
      while (k < len) fresh[n_new++] = pending[k++];
    }
    if (pass == 0 && validate) {
      for (index_t r = unread; r < n; ++r) {
        if (sc.row_invalid(S, r, m)) return stop(kInvalid);
      }
    }
    n_free = n_new;
    index_t* tmp = pending;
    pending = fresh;
    fresh = tmp;
    if (++pass < 2) {
      begin_pass();
      return true;
    }
    for (index_t r = 0; r < n; ++r) {
      const index_t j = x[r];
      u[r] = j >= 0 ? S.at(r, j) - v[j] : 0.0;
    }
    if (n_free == 0) return stop(kSolved);
    phase = kSap;
    f = 0;
    begin_search();
    return true;
  }

  // ---- Phase 2: shortest augmenting paths from the free rows (pending), in order ----
  TRADEOFF_HD TRADEOFF_LAP_INLINE bool sap_step_(Scanner& sc) {
    index_t* rows_seen = fresh;
    rows_seen[n_rows++] = i;
    const double r = sap_offset(min_val, u[i]);
    const ScanMin s = sc.sap_row(S, i, r, v, ws.d, ws.pred, y, m, first);
    first = false;
    const index_t j = scan_pick(s);
    if (j < 0) return stop(kInfeasible);
    min_val = s.low;  // == d[j]
    ws.cols[n_cols] = j;
    ws.dfin[n_cols] = min_val;
    ws.vsave[n_cols] = v[j];
    ++n_cols;
    sc.put(v, j, lap_nan());  // finished: never updated nor picked again in this search
    sc.put(ws.d, j, lap_inf());
    if (y[j] != -1) {
      i = y[j];
      return true;
    }
    // a free column: update the potentials, flip the path
    u[cur] = root_dual(u[cur], min_val);
    for (index_t q = 1; q < n_rows; ++q) {
      const index_t iq = rows_seen[q];
      u[iq] = row_dual(u[iq], min_val, ws.dfin[q - 1]);
    }
    for (index_t q = 0; q < n_cols; ++q) {
      v[ws.cols[q]] = col_dual(ws.vsave[q], min_val, ws.dfin[q]);
    }
    sc.col_taken(j);
    index_t jj = j;
    for (;;) {
      const index_t ip = ws.pred[jj];
      y[jj] = ip;
      const index_t nxt = x[ip];
      x[ip] = jj;
      jj = nxt;
      if (ip == cur) break;
    }
    if (++f == n_free) return stop(kSolved);
    begin_search();
    return true;
  }
};

// Solves S (n rows <= m columns, n >= 1) to the end; returns the status (see Core).
template <class View, class Scanner>
TRADEOFF_HD TRADEOFF_LAP_INLINE signed char solve_core(const View& S, index_t n, index_t m,
                                                       index_t* x, index_t* y, double* u,
                                                       double* v, const Workspace& ws,
                                                       Scanner& sc, bool validate) {
  Core<View, Scanner> c;
  c.start(S, n, m, x, y, u, v, ws, validate, sc);
  while (c.step(sc)) {
  }
  return c.status;
}

// ---- steps 1-7 of one instance ----------------------------------------------------------------

// The outputs of one instance in the kernel interface's layout (n_all, m_all: the batch's
// padded sizes; entries beyond the active block are set to -1 / 0).
struct InstanceOut {
  index_t* col_of_row;  // [n_all]
  index_t* row_of_col;  // [m_all]
  double* u;            // [n_all]
  double* v;            // [m_all]
  double* total;
  signed char* status;
};

// -1 / 0 everywhere (outside the active block, and for an instance with status != 0, so that
// every backend returns the same arrays whatever the status).
TRADEOFF_HD inline void clear_instance(const InstanceOut& o, index_t n_all, index_t m_all) {
  for (index_t i = 0; i < n_all; ++i) {
    o.col_of_row[i] = -1;
    o.u[i] = 0.0;
  }
  for (index_t j = 0; j < m_all; ++j) {
    o.row_of_col[j] = -1;
    o.v[j] = 0.0;
  }
  *o.total = 0.0;
}

// Steps 5-7 once S (through view S, ns x ms) is solved into the S-space arrays (which already
// are the output arrays, swapped when transposed): total in row order, signs for maximize.
template <class View>
TRADEOFF_HD TRADEOFF_LAP_INLINE signed char finish_instance(const View& S, index_t ns,
                                                            const index_t* xs, bool maximize,
                                                            double* u_out, index_t r,
                                                            double* v_out, index_t c,
                                                            double* total) {
  double t = 0.0;
  for (index_t k = 0; k < ns; ++k) t = t + S.at(k, xs[k]);
  if (maximize) {
    t = -t;
    for (index_t i = 0; i < r; ++i) u_out[i] = -u_out[i];
    for (index_t j = 0; j < c; ++j) v_out[j] = -v_out[j];
  }
  *total = t;
  // costs near the largest double can overflow the potentials (the outputs stay as computed)
  return solution_overflowed(t, u_out, r, v_out, c) ? kOverflow : kSolved;
}

// Solves S = A (or A^T when r > c) read through strides and writes the instance's outputs.
template <class T, bool Neg, class Scanner>
TRADEOFF_HD TRADEOFF_LAP_INLINE signed char solve_instance_signed(const T* cost, index_t ld,
                                                                  index_t r, index_t c,
                                                                  const InstanceOut& o,
                                                                  const Workspace& ws,
                                                                  Scanner& sc) {
  const bool transposed = r > c;
  const index_t ns = transposed ? c : r, ms = transposed ? r : c;
  CostView<T, Neg> S;
  S.base = cost;
  S.rs = transposed ? 1 : ld;
  S.cs = transposed ? ld : 1;
  // S-space outputs: x [ns], y [ms], us [ns], vs [ms].
  index_t* xs = transposed ? o.row_of_col : o.col_of_row;
  index_t* ys = transposed ? o.col_of_row : o.row_of_col;
  double* us = transposed ? o.v : o.u;
  double* vs = transposed ? o.u : o.v;
  const signed char st = solve_core(S, ns, ms, xs, ys, us, vs, ws, sc, true);
  if (st != kSolved) return st;
  return finish_instance(S, ns, xs, Neg, o.u, r, o.v, c, o.total);
}

// Steps 1-7 of the specification for the active block cost[:r, :c] of row stride ld
// (cost = &batch[b][0][0], ld = the batch's m). Writes the whole padded output rows (n_all,
// m_all), the total and the status; returns the status. ws must fit (r, c). On status != 0 the
// outputs are -1 / 0 (the same arrays as the fallback returns).
template <class T, class Scanner = ScalarScanner>
TRADEOFF_HD inline signed char solve_instance(const T* cost, index_t ld, index_t r, index_t c,
                                              bool maximize, const InstanceOut& o,
                                              index_t n_all, index_t m_all, const Workspace& ws,
                                              Scanner& sc) {
  for (index_t i = r; i < n_all; ++i) {
    o.col_of_row[i] = -1;
    o.u[i] = 0.0;
  }
  for (index_t j = c; j < m_all; ++j) {
    o.row_of_col[j] = -1;
    o.v[j] = 0.0;
  }
  signed char st = kSolved;
  if (r == 0 || c == 0) {
    clear_instance(o, n_all, m_all);
  } else {
    st = maximize ? solve_instance_signed<T, true>(cost, ld, r, c, o, ws, sc)
                  : solve_instance_signed<T, false>(cost, ld, r, c, o, ws, sc);
    if (st != kSolved && st != kOverflow) clear_instance(o, n_all, m_all);
  }
  *o.status = st;
  return st;
}

template <class T>
TRADEOFF_HD inline signed char solve_instance(const T* cost, index_t ld, index_t r, index_t c,
                                              bool maximize, const InstanceOut& o,
                                              index_t n_all, index_t m_all,
                                              const Workspace& ws) {
  ScalarScanner sc;
  return solve_instance<T, ScalarScanner>(cost, ld, r, c, maximize, o, n_all, m_all, ws, sc);
}

}  // namespace lap
}  // namespace tradeoff
