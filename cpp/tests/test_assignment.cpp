// Host tests of linear assignment: the shared primitives (assignment_hd.hpp), the sequential
// per-instance solver (assignment_solve_hd.hpp) and the CPU driver with its vector scans
// (assignment.hpp).
//
// * Primitives: top2_push_any / top2_merge and scan_push / scan_merge give the sequential
//   (increasing column order) result for shuffled orders and random splits, with ties and +inf;
//   arr_step's cases.
// * Known answers: hand-solved 1x1, 2x2, 3x3, 2x3, 3x2, maximize, forbidden pairs, an
//   infeasible instance, NaN / -inf / +inf-when-maximizing (status 2), empty blocks.
// * Optimality: brute force over all injective maps on small integer matrices (with forbidden
//   pairs): optimal total and the dual certificate (exact on integers).
// * Bit-exactness: a literal transcription of the specification's pseudo-code (done flags, no
//   tricks) equals the sequential solver, which equals the vector driver on every instruction
//   set (x, y, u, v, total, status), on float, tie-heavy integer, forbidden-pair and overflowing
//   data, both orientations, maximize, float32, per-instance sizes; a batch equals single
//   calls whatever the thread count and the number of instances in flight; float32 equals
//   float64 on float32 values.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "test_main.hpp"
#include "tradeoff/assignment.hpp"
#include "tradeoff/assignment_hd.hpp"
#include "tradeoff/assignment_solve_hd.hpp"

namespace {

using tradeoff::index_t;
namespace lp = tradeoff::lap;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---- outputs of a batch ------------------------------------------------------------------

struct Out {
  std::vector<index_t> x, y;  // col_of_row (B, n), row_of_col (B, m)
  std::vector<double> u, v, total;
  std::vector<signed char> status;
  Out(index_t B, index_t n, index_t m)
      : x(size_t(B * n)), y(size_t(B * m)), u(size_t(B * n)), v(size_t(B * m)), total(size_t(B)),
        status(size_t(B)) {}
  lp::BatchOut batch() {
    return lp::BatchOut{x.data(), y.data(), u.data(), v.data(), total.data(), status.data()};
  }
};

// Bitwise equality of doubles (so that NaN == NaN and -0 != +0 would show).
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

bool same(const Out& a, const Out& b) {
  return a.x == b.x && a.y == b.y && same_bits(a.u, b.u) && same_bits(a.v, b.v) &&
         same_bits(a.total, b.total) && a.status == b.status;
}

template <class T>
Out run_driver(const std::vector<T>& C, index_t B, index_t n, index_t m,
               const std::vector<std::int64_t>& rows, const std::vector<std::int64_t>& cols,
               bool maximize, int threads = 1, int isa = -1, int lanes = 0) {
  Out o(B, n, m);
  lp::lap_solve<T>(C.data(), B, n, m, rows.data(), cols.data(), maximize, o.batch(), threads,
                   isa, lanes);
  return o;
}

// The sequential solver (ScalarScanner), instance by instance.
template <class T>
Out run_hd(const std::vector<T>& C, index_t B, index_t n, index_t m,
           const std::vector<std::int64_t>& rows, const std::vector<std::int64_t>& cols,
           bool maximize) {
  Out o(B, n, m);
  std::vector<double> ws(size_t(lp::workspace_elements(n, m)) + 1);
  for (index_t b = 0; b < B; ++b) {
    const lp::Workspace w = lp::workspace_bind(ws.data(), rows[size_t(b)], cols[size_t(b)]);
    lp::InstanceOut io{o.x.data() + b * n, o.y.data() + b * m, o.u.data() + b * n,
                       o.v.data() + b * m, o.total.data() + b, o.status.data() + b};
    lp::solve_instance<T>(C.data() + b * n * m, m, rows[size_t(b)], cols[size_t(b)], maximize, io,
                          n, m, w);
  }
  return o;
}

// ---- the specification, transcribed literally (python/tradeoff/_fallback/assignment.py) ----

struct SpecResult {
  std::vector<index_t> col_of_row, row_of_col;
  std::vector<double> u, v;
  double total = 0.0;
  signed char status = 0;
};

bool spec_solve_S(const std::vector<double>& S, index_t n, index_t m, std::vector<index_t>& x,
                  std::vector<index_t>& y, std::vector<double>& u, std::vector<double>& v) {
  auto at = [&](index_t i, index_t j) { return S[size_t(i * m + j)]; };
  v.assign(size_t(m), 0.0);
  x.assign(size_t(n), -1);
  y.assign(size_t(m), -1);
  std::vector<index_t> free_rows(static_cast<size_t>(n));
  std::iota(free_rows.begin(), free_rows.end(), index_t(0));
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<index_t> pending = free_rows, new_free;
    size_t k = 0;
    index_t steps = 0;
    const index_t budget = 4 * index_t(pending.size());
    while (k < pending.size()) {
      if (steps == budget) {
        new_free.insert(new_free.end(), pending.begin() + std::ptrdiff_t(k), pending.end());
        break;
      }
      ++steps;
      const index_t i = pending[k++];
      double u1 = kInf, u2 = kInf;
      index_t j1 = -1, j2 = -1;
      for (index_t j = 0; j < m; ++j) {
        const double h = at(i, j) - v[size_t(j)];
        if (h < u2) {
          if (h < u1) {
            u2 = u1;
            j2 = j1;
            u1 = h;
            j1 = j;
          } else {
            u2 = h;
            j2 = j;
          }
        }
      }
      if (u1 == kInf) {
        new_free.push_back(i);
        continue;
      }
      if (u2 == kInf) {
        if (y[size_t(j1)] == -1) {
          x[size_t(i)] = j1;
          y[size_t(j1)] = i;
        } else {
          new_free.push_back(i);
        }
        continue;
      }
      index_t i0 = y[size_t(j1)];
      if (u1 < u2) {
        v[size_t(j1)] = v[size_t(j1)] - (u2 - u1);
      } else if (i0 >= 0) {
        j1 = j2;
        i0 = y[size_t(j2)];
      }
      if (i0 >= 0) {
        x[size_t(i0)] = -1;
        if (u1 < u2) {
          pending[--k] = i0;
        } else {
          new_free.push_back(i0);
        }
      }
      x[size_t(i)] = j1;
      y[size_t(j1)] = i;
    }
    free_rows = new_free;
  }
  u.assign(size_t(n), 0.0);
  for (index_t i = 0; i < n; ++i) {
    if (x[size_t(i)] >= 0) u[size_t(i)] = at(i, x[size_t(i)]) - v[size_t(x[size_t(i)])];
  }
  std::vector<double> d(static_cast<size_t>(m));
  std::vector<index_t> pred(static_cast<size_t>(m));
  std::vector<char> done(static_cast<size_t>(m));
  for (index_t cur : free_rows) {
    std::fill(d.begin(), d.end(), kInf);
    std::fill(pred.begin(), pred.end(), index_t(-1));
    std::fill(done.begin(), done.end(), char(0));
    std::vector<index_t> rows_seen, cols_done;
    index_t i = cur, sink = -1;
    double min_val = 0.0;
    for (;;) {
      rows_seen.push_back(i);
      const double r = min_val - u[size_t(i)];
      double low = kInf, lowf = kInf;
      index_t jlow = -1, jf = -1;
      for (index_t j = 0; j < m; ++j) {
        if (done[size_t(j)]) continue;
        const double cand = (r + at(i, j)) - v[size_t(j)];
        if (cand < d[size_t(j)]) {
          d[size_t(j)] = cand;
          pred[size_t(j)] = i;
        }
        if (d[size_t(j)] < low) {
          low = d[size_t(j)];
          jlow = j;
        }
        if (y[size_t(j)] == -1 && d[size_t(j)] < lowf) {
          lowf = d[size_t(j)];
          jf = j;
        }
      }
      if (low == kInf) return false;
      const index_t j = lowf == low ? jf : jlow;
      done[size_t(j)] = 1;
      cols_done.push_back(j);
      min_val = low;
      if (y[size_t(j)] == -1) {
        sink = j;
        break;
      }
      i = y[size_t(j)];
    }
    u[size_t(cur)] = u[size_t(cur)] + min_val;
    for (size_t t = 1; t < rows_seen.size(); ++t) {
      const index_t ii = rows_seen[t];
      u[size_t(ii)] = u[size_t(ii)] + (min_val - d[size_t(x[size_t(ii)])]);
    }
    for (index_t j : cols_done) v[size_t(j)] = v[size_t(j)] - (min_val - d[size_t(j)]);
    index_t j = sink;
    for (;;) {
      const index_t ip = pred[size_t(j)];
      y[size_t(j)] = ip;
      const index_t nxt = x[size_t(ip)];
      x[size_t(ip)] = j;
      j = nxt;
      if (ip == cur) break;
    }
  }
  return true;
}

// Steps 1-7 for one r x c block A (row-major, as double). Outputs -1 / 0 on status != 0.
SpecResult spec_instance(const std::vector<double>& A0, index_t r, index_t c, bool maximize) {
  SpecResult out;
  out.col_of_row.assign(size_t(r), -1);
  out.row_of_col.assign(size_t(c), -1);
  out.u.assign(size_t(r), 0.0);
  out.v.assign(size_t(c), 0.0);
  std::vector<double> A = A0;
  if (maximize) {
    for (double& a : A) a = -a;
  }
  for (double a : A) {
    if (std::isnan(a) || a == -kInf) {
      out.status = 2;
      return out;
    }
  }
  const bool transposed = r > c;
  const index_t ns = transposed ? c : r, ms = transposed ? r : c;
  if (ns == 0) return out;
  std::vector<double> S(size_t(ns * ms));
  for (index_t i = 0; i < ns; ++i) {
    for (index_t j = 0; j < ms; ++j) {
      S[size_t(i * ms + j)] = transposed ? A[size_t(j * c + i)] : A[size_t(i * c + j)];
    }
  }
  std::vector<index_t> x, y;
  std::vector<double> us, vs;
  if (!spec_solve_S(S, ns, ms, x, y, us, vs)) {
    out.status = 1;
    return out;
  }
  if (transposed) {
    out.col_of_row = y;
    out.row_of_col = x;
    out.u = vs;
    out.v = us;
  } else {
    out.col_of_row = x;
    out.row_of_col = y;
    out.u = us;
    out.v = vs;
  }
  double total = 0.0;
  for (index_t k = 0; k < ns; ++k) total = total + S[size_t(k * ms + x[size_t(k)])];
  if (maximize) {
    total = -total;
    for (double& a : out.u) a = -a;
    for (double& a : out.v) a = -a;
  }
  out.total = total;
  return out;
}

// The spec over a batch, in the kernel interface's layout.
template <class T>
Out run_spec(const std::vector<T>& C, index_t B, index_t n, index_t m,
             const std::vector<std::int64_t>& rows, const std::vector<std::int64_t>& cols,
             bool maximize) {
  Out o(B, n, m);
  std::fill(o.x.begin(), o.x.end(), index_t(-1));
  std::fill(o.y.begin(), o.y.end(), index_t(-1));
  for (index_t b = 0; b < B; ++b) {
    const index_t r = rows[size_t(b)], c = cols[size_t(b)];
    std::vector<double> A(size_t(r * c));
    for (index_t i = 0; i < r; ++i) {
      for (index_t j = 0; j < c; ++j) {
        A[size_t(i * c + j)] = double(C[size_t(b * n * m + i * m + j)]);
      }
    }
    const SpecResult s = spec_instance(A, r, c, maximize);
    o.status[size_t(b)] = s.status;
    if (s.status != 0) continue;
    // step 8 (the fallback's): a solved instance whose total or potentials are not finite
    bool finite = std::isfinite(s.total);
    for (const double x : s.u) finite = finite && std::isfinite(x);
    for (const double x : s.v) finite = finite && std::isfinite(x);
    if (!finite) o.status[size_t(b)] = 4;
    o.total[size_t(b)] = s.total;
    for (index_t i = 0; i < r; ++i) {
      o.x[size_t(b * n + i)] = s.col_of_row[size_t(i)];
      o.u[size_t(b * n + i)] = s.u[size_t(i)];
    }
    for (index_t j = 0; j < c; ++j) {
      o.y[size_t(b * m + j)] = s.row_of_col[size_t(j)];
      o.v[size_t(b * m + j)] = s.v[size_t(j)];
    }
  }
  return o;
}

// ---- random data ---------------------------------------------------------------------------

enum Kind { kUniform, kInts, kWide, kForbidden, kHuge };

template <class T>
std::vector<T> random_cost(std::mt19937_64& rng, size_t count, Kind kind) {
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  std::normal_distribution<double> nrm(0.0, 1.0);
  std::vector<T> C(count);
  const double forbid = u01(rng) * 0.7;
  const double scale = std::pow(10.0, double(int(u01(rng) * 12.0) - 4));
  for (auto& c : C) {
    double x = 0.0;
    switch (kind) {
      case kUniform: x = u01(rng); break;
      case kInts: x = double(int(u01(rng) * 5.0)); break;
      case kWide: x = nrm(rng) * scale; break;
      case kForbidden: x = u01(rng) < forbid ? kInf : double(int(u01(rng) * 5.0)); break;
      case kHuge: x = (u01(rng) - 0.5) * 1.7e308 * 2.0; break;  // overflowing sums
    }
    c = T(x);
  }
  return C;
}

// ---- brute force ---------------------------------------------------------------------------

// Least total over injective maps of the smaller side (ns <= 8); +inf when none is allowed.
double brute_force(const std::vector<double>& A, index_t r, index_t c) {
  const bool tr = r > c;
  const index_t ns = tr ? c : r, ms = tr ? r : c;
  auto at = [&](index_t i, index_t j) { return tr ? A[size_t(j * c + i)] : A[size_t(i * c + j)]; };
  double best = kInf;
  std::vector<index_t> perm(static_cast<size_t>(ms));
  std::iota(perm.begin(), perm.end(), index_t(0));
  // every injective map = the first ns entries of a permutation (each map seen (ms-ns)! times)
  do {
    double t = 0.0;
    for (index_t i = 0; i < ns; ++i) t += at(i, perm[size_t(i)]);
    best = std::min(best, t);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

// The certificate of the specification (minimizing; maximize flips every inequality): integer
// data, so exact.
void check_certificate(const std::vector<double>& A, index_t r, index_t c, const Out& o,
                       bool maximize) {
  const double sg = maximize ? -1.0 : 1.0;
  double sum = 0.0, dual = 0.0;
  index_t matched = 0;
  for (index_t i = 0; i < r; ++i) {
    const index_t j = o.x[size_t(i)];
    if (j >= 0) {
      ++matched;
      CHECK(o.y[size_t(j)] == i);
      sum += A[size_t(i * c + j)];
      CHECK(o.u[size_t(i)] + o.v[size_t(j)] == A[size_t(i * c + j)]);  // tight
    }
    dual += o.u[size_t(i)];
    for (index_t jj = 0; jj < c; ++jj) {
      const double a = A[size_t(i * c + jj)];
      if (std::isinf(a)) continue;  // forbidden
      CHECK(sg * (o.u[size_t(i)] + o.v[size_t(jj)]) <= sg * a);
    }
  }
  for (index_t j = 0; j < c; ++j) dual += o.v[size_t(j)];
  CHECK(matched == std::min(r, c));
  CHECK(sum == o.total[0]);
  CHECK(dual == o.total[0]);
  // the larger side's potentials: <= 0 (>= 0 maximizing), 0 where unmatched
  if (r <= c) {
    for (index_t j = 0; j < c; ++j) {
      CHECK(sg * o.v[size_t(j)] <= 0.0);
      if (o.y[size_t(j)] < 0) CHECK(o.v[size_t(j)] == 0.0);
    }
  } else {
    for (index_t i = 0; i < r; ++i) {
      CHECK(sg * o.u[size_t(i)] <= 0.0);
      if (o.x[size_t(i)] < 0) CHECK(o.u[size_t(i)] == 0.0);
    }
  }
}

Out solve_one(const std::vector<double>& A, index_t r, index_t c, bool maximize = false) {
  return run_driver<double>(A, 1, r, c, {r}, {c}, maximize);
}

}  // namespace

// ---- primitives ------------------------------------------------------------------------------

TEST(assignment_top2_any_order_equals_sequential) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 3000; ++trial) {
    const index_t m = 1 + index_t(rng() % 40);
    const int kind = int(rng() % 3);
    std::vector<double> h(static_cast<size_t>(m));
    for (auto& x : h) {
      const unsigned r = unsigned(rng() % 8);
      x = kind == 0 ? double(r % 3) : kind == 1 ? (r < 3 ? kInf : double(r)) : double(rng() % 1000);
    }
    lp::Top2 seq = lp::top2_empty();
    for (index_t j = 0; j < m; ++j) lp::top2_push(seq, h[size_t(j)], j);
    auto agrees = [&](const lp::Top2& t) {
      bool ok = t.u1 == seq.u1 && t.u2 == seq.u2;
      if (seq.u1 < kInf) ok = ok && t.j1 == seq.j1;
      if (seq.u2 < kInf) ok = ok && t.j2 == seq.j2;
      return ok;
    };
    // shuffled order
    std::vector<index_t> order(static_cast<size_t>(m));
    std::iota(order.begin(), order.end(), index_t(0));
    std::shuffle(order.begin(), order.end(), rng);
    lp::Top2 any = lp::top2_empty();
    for (index_t j : order) lp::top2_push_any(any, h[size_t(j)], j);
    CHECK(agrees(any));
    // random split into parts (each shuffled or in order), merged in random order
    const int parts = 1 + int(rng() % 5);
    std::vector<lp::Top2> part(size_t(parts), lp::top2_empty());
    for (index_t j : order) {
      const size_t p = size_t(rng() % unsigned(parts));
      lp::top2_push_any(part[p], h[size_t(j)], j);
    }
    std::shuffle(part.begin(), part.end(), rng);
    lp::Top2 merged = part[0];
    for (int p = 1; p < parts; ++p) merged = lp::top2_merge(merged, part[size_t(p)]);
    CHECK(agrees(merged));
    // strided lanes in increasing order (what a vector lane does), merged
    const int lanes = 1 + int(rng() % 8);
    std::vector<lp::Top2> lane(size_t(lanes), lp::top2_empty());
    for (index_t j = 0; j < m; ++j) lp::top2_push(lane[size_t(j % lanes)], h[size_t(j)], j);
    lp::Top2 lm = lane[size_t(lanes - 1)];
    for (int p = lanes - 2; p >= 0; --p) lm = lp::top2_merge(lm, lane[size_t(p)]);
    CHECK(agrees(lm));
  }
}

TEST(assignment_scan_any_order_equals_sequential) {
  std::mt19937_64 rng(12);
  for (int trial = 0; trial < 3000; ++trial) {
    const index_t m = 1 + index_t(rng() % 40);
    std::vector<double> d(static_cast<size_t>(m));
    std::vector<char> fr(static_cast<size_t>(m));
    const bool inf_heavy = rng() % 2 == 0;
    for (index_t j = 0; j < m; ++j) {
      const unsigned r = unsigned(rng() % 6);
      d[size_t(j)] = inf_heavy && r < 4 ? kInf : double(r % 3);
      fr[size_t(j)] = rng() % 3 == 0;
    }
    // the specification's loop
    double low = kInf, lowf = kInf;
    index_t jlow = -1, jf = -1;
    for (index_t j = 0; j < m; ++j) {
      if (d[size_t(j)] < low) {
        low = d[size_t(j)];
        jlow = j;
      }
      if (fr[size_t(j)] && d[size_t(j)] < lowf) {
        lowf = d[size_t(j)];
        jf = j;
      }
    }
    const index_t want = low == kInf ? -1 : (lowf == low ? jf : jlow);
    std::vector<index_t> order(static_cast<size_t>(m));
    std::iota(order.begin(), order.end(), index_t(0));
    std::shuffle(order.begin(), order.end(), rng);
    lp::ScanMin any = lp::scan_empty();
    for (index_t j : order) lp::scan_push(any, d[size_t(j)], j, fr[size_t(j)] != 0);
    CHECK(lp::scan_pick(any) == want);
    CHECK(any.low == low && any.lowf == lowf);
    const int parts = 1 + int(rng() % 5);
    std::vector<lp::ScanMin> part(size_t(parts), lp::scan_empty());
    for (index_t j : order) {
      lp::scan_push(part[size_t(rng() % unsigned(parts))], d[size_t(j)], j, fr[size_t(j)] != 0);
    }
    std::shuffle(part.begin(), part.end(), rng);
    lp::ScanMin merged = part[0];
    for (int p = 1; p < parts; ++p) merged = lp::scan_merge(merged, part[size_t(p)]);
    CHECK(lp::scan_pick(merged) == want);
    CHECK(merged.low == low && merged.lowf == lowf);
    if (low < kInf) CHECK(merged.jlow == jlow);
    if (lowf < kInf) CHECK(merged.jf == jf);
  }
}

TEST(assignment_arr_step_cases) {
  using lp::ArrStep;
  // no allowed column
  ArrStep s = lp::arr_step(lp::Top2{kInf, kInf, -1, -1}, -1, -1, 0.0, 0.0);
  CHECK(s.kind == ArrStep::kDefer);
  // exactly one allowed column, free: take it, v unchanged
  s = lp::arr_step(lp::Top2{2.0, kInf, 3, -1}, -1, -1, -1.5, 0.0);
  CHECK(s.kind == ArrStep::kAssign && s.col == 3 && s.v_col == -1.5 && s.displaced == -1);
  // exactly one allowed column, taken: defer
  s = lp::arr_step(lp::Top2{2.0, kInf, 3, -1}, 7, -1, -1.5, 0.0);
  CHECK(s.kind == ArrStep::kDefer);
  // strict gap: take j1, lower v by the gap, the holder goes next
  s = lp::arr_step(lp::Top2{1.0, 3.5, 4, 2}, 6, 8, -1.0, -2.0);
  CHECK(s.kind == ArrStep::kAssign && s.col == 4 && s.v_col == -1.0 - (3.5 - 1.0));
  CHECK(s.displaced == 6 && s.displaced_next);
  // strict gap, j1 free
  s = lp::arr_step(lp::Top2{1.0, 3.5, 4, 2}, -1, 8, -1.0, -2.0);
  CHECK(s.kind == ArrStep::kAssign && s.col == 4 && s.v_col == -3.5 && s.displaced == -1);
  // tie, j1 taken: take j2 without changing v; its holder joins the new free list
  s = lp::arr_step(lp::Top2{1.0, 1.0, 4, 2}, 6, 8, -1.0, -2.0);
  CHECK(s.kind == ArrStep::kAssign && s.col == 2 && s.v_col == -2.0 && s.displaced == 8);
  CHECK(!s.displaced_next);
  // tie, j1 taken, j2 free
  s = lp::arr_step(lp::Top2{1.0, 1.0, 4, 2}, 6, -1, -1.0, -2.0);
  CHECK(s.kind == ArrStep::kAssign && s.col == 2 && s.displaced == -1);
  // tie, j1 free: take j1, v unchanged
  s = lp::arr_step(lp::Top2{1.0, 1.0, 4, 2}, -1, 8, -1.0, -2.0);
  CHECK(s.kind == ArrStep::kAssign && s.col == 4 && s.v_col == -1.0 && s.displaced == -1);
}

TEST(assignment_dual_formulas_and_workspace) {
  CHECK(lp::sap_candidate(0.5, 2.0, -1.0) == (0.5 + 2.0) - (-1.0));
  CHECK(lp::root_dual(1.0, 2.5) == 3.5);
  CHECK(lp::row_dual(1.0, 2.5, 0.5) == 1.0 + (2.5 - 0.5));
  CHECK(lp::col_dual(-1.0, 2.5, 0.5) == -1.0 - (2.5 - 0.5));
  CHECK(lp::workspace_elements(3, 5) == lp::workspace_elements(5, 3));
  CHECK(lp::workspace_bytes(3, 5) == 8 * (5 * 5 + 2 * 3));
  // a workspace bound for a smaller block fits in one sized for a larger one
  std::vector<double> mem(size_t(lp::workspace_elements(6, 9)));
  const lp::Workspace w = lp::workspace_bind(mem.data(), 4, 7);
  CHECK(reinterpret_cast<char*>(w.free_b + 4) <=
        reinterpret_cast<char*>(mem.data() + mem.size()));
}

// ---- known answers ---------------------------------------------------------------------------

TEST(assignment_overflow_flag) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> u = {1.0, -2.0, 1e308}, v = {0.0, -1e308};
  CHECK(!tradeoff::lap::solution_overflowed(3.0, u.data(), 3, v.data(), 2));
  CHECK(!tradeoff::lap::solution_overflowed(0.0, nullptr, 0, nullptr, 0));
  CHECK(tradeoff::lap::solution_overflowed(-inf, u.data(), 3, v.data(), 2));
  CHECK(tradeoff::lap::solution_overflowed(nan, u.data(), 3, v.data(), 2));
  u[1] = inf;
  CHECK(tradeoff::lap::solution_overflowed(3.0, u.data(), 3, v.data(), 2));
  u[1] = 0.0;
  v[0] = nan;
  CHECK(tradeoff::lap::solution_overflowed(3.0, u.data(), 3, v.data(), 2));
}

TEST(assignment_known_answers) {
  {
    const Out o = solve_one({5.0}, 1, 1);
    CHECK(o.status[0] == 0 && o.x[0] == 0 && o.y[0] == 0 && o.total[0] == 5.0);
    CHECK(o.u[0] + o.v[0] == 5.0 && o.v[0] == 0.0);
  }
  {
    const std::vector<double> A = {4, 1, 2, 3};
    const Out o = solve_one(A, 2, 2);
    CHECK(o.status[0] == 0 && o.x[0] == 1 && o.x[1] == 0 && o.total[0] == 3.0);
    check_certificate(A, 2, 2, o, false);
    const Out mx = solve_one(A, 2, 2, true);
    CHECK(mx.status[0] == 0 && mx.x[0] == 0 && mx.x[1] == 1 && mx.total[0] == 7.0);
    check_certificate(A, 2, 2, mx, true);
  }
  {
    const std::vector<double> A = {4, 1, 3, 2, 0, 5, 3, 2, 2};  // scipy's example: optimum 5
    const Out o = solve_one(A, 3, 3);
    CHECK(o.status[0] == 0 && o.x[0] == 1 && o.x[1] == 0 && o.x[2] == 2 && o.total[0] == 5.0);
    check_certificate(A, 3, 3, o, false);
  }
  {
    const std::vector<double> A = {3, 1, 4, 1, 5, 9};  // 2 x 3: rows take columns 1 and 0
    const Out o = solve_one(A, 2, 3);
    CHECK(o.status[0] == 0 && o.x[0] == 1 && o.x[1] == 0 && o.total[0] == 2.0);
    CHECK(o.y[0] == 1 && o.y[1] == 0 && o.y[2] == -1 && o.v[2] == 0.0);
    check_certificate(A, 2, 3, o, false);
    const std::vector<double> At = {3, 1, 1, 5, 4, 9};  // its transpose, 3 x 2
    const Out t = solve_one(At, 3, 2);
    CHECK(t.status[0] == 0 && t.x[0] == 1 && t.x[1] == 0 && t.x[2] == -1 && t.total[0] == 2.0);
    CHECK(t.u[2] == 0.0);
    check_certificate(At, 3, 2, t, false);
  }
  {
    const std::vector<double> A = {kInf, 1, 2, kInf};  // forbidden diagonal
    const Out o = solve_one(A, 2, 2);
    CHECK(o.status[0] == 0 && o.x[0] == 1 && o.x[1] == 0 && o.total[0] == 3.0);
    check_certificate(A, 2, 2, o, false);
  }
  {
    const Out o = solve_one({kInf, 1, kInf, 2}, 2, 2);  // both rows need column 1
    CHECK(o.status[0] == 1 && o.x[0] == -1 && o.total[0] == 0.0 && o.u[0] == 0.0);
    CHECK(solve_one({kInf, kInf, kInf}, 1, 3).status[0] == 1);
    CHECK(solve_one({1, kInf, kInf, kInf, kInf, kInf}, 3, 2).status[0] == 1);
  }
  {
    CHECK(solve_one({1, kNaN, 2, 3}, 2, 2).status[0] == 2);
    CHECK(solve_one({1, -kInf, 2, 3}, 2, 2).status[0] == 2);
    CHECK(solve_one({1, kInf, 2, 3}, 2, 2, true).status[0] == 2);  // +inf when maximizing
    const Out o = solve_one({-kInf, 1, 2, 3}, 2, 2, true);           // forbidden when maximizing
    CHECK(o.status[0] == 0 && o.x[0] == 1 && o.x[1] == 0 && o.total[0] == 3.0);
    // NaN in the last row, which row reduction's budget may never reach: still found
    std::vector<double> A(size_t(9 * 9), 0.0);
    A[size_t(9 * 9 - 1)] = kNaN;
    CHECK(solve_one(A, 9, 9).status[0] == 2);
    std::vector<double> At(size_t(12 * 5), 1.0);
    At[size_t(7 * 5 + 2)] = -kInf;  // transposed (12 x 5)
    CHECK(solve_one(At, 12, 5).status[0] == 2);
  }
  {
    // empty blocks, and entries outside the active block (even NaN) are ignored
    const index_t B = 4, n = 3, m = 3;
    std::vector<double> C(size_t(B * n * m), kNaN);
    C[size_t(3 * 9 + 0)] = 7.0;  // instance 3: the 1 x 1 block [7]
    const Out o = run_driver<double>(C, B, n, m, {0, 0, 3, 1}, {0, 3, 0, 1}, false);
    for (index_t b = 0; b < 3; ++b) {
      CHECK(o.status[size_t(b)] == 0 && o.total[size_t(b)] == 0.0);
      for (index_t i = 0; i < n; ++i) CHECK(o.x[size_t(b * n + i)] == -1 && o.u[size_t(b * n + i)] == 0.0);
      for (index_t j = 0; j < m; ++j) CHECK(o.y[size_t(b * m + j)] == -1 && o.v[size_t(b * m + j)] == 0.0);
    }
    CHECK(o.status[3] == 0 && o.total[3] == 7.0 && o.x[9] == 0 && o.x[10] == -1 && o.y[9] == 0);
  }
}

// ---- optimality: brute force and the certificate -----------------------------------------------

TEST(assignment_brute_force_and_certificate) {
  std::mt19937_64 rng(21);
  for (int trial = 0; trial < 1500; ++trial) {
    const index_t r = 1 + index_t(rng() % 6), c = 1 + index_t(rng() % 6);
    const bool maximize = rng() % 4 == 0;
    std::vector<double> A(size_t(r * c));
    const bool forbid = rng() % 3 == 0;
    const unsigned span = 1 + unsigned(rng() % 20);
    for (auto& a : A) {
      a = double(int(rng() % span) - int(span / 3));
      if (forbid && rng() % 4 == 0) a = maximize ? -kInf : kInf;
    }
    const Out o = solve_one(A, r, c, maximize);
    std::vector<double> M = A;
    if (maximize) {
      for (double& a : M) a = -a;
    }
    const double best = brute_force(M, r, c);
    if (best == kInf) {
      CHECK(o.status[0] == 1);
      continue;
    }
    CHECK(o.status[0] == 0);
    CHECK(o.total[0] == (maximize ? -best : best));
    check_certificate(A, r, c, o, maximize);
  }
}

// ---- bit-exactness -----------------------------------------------------------------------------

TEST(assignment_spec_equals_hd_equals_driver) {
  std::mt19937_64 rng(31);
  int checked = 0;
  for (int trial = 0; trial < 700; ++trial) {
    const Kind kind = Kind(trial % 5);
    const index_t B = 1 + index_t(rng() % 3);
    index_t n = index_t(rng() % 14), m = index_t(rng() % 14);
    if (trial % 7 == 0) {
      n = 1 + index_t(rng() % 70);
      m = 1 + index_t(rng() % 70);
    }
    const bool maximize = rng() % 3 == 0;
    std::vector<double> C = random_cost<double>(rng, size_t(B * n * m), kind);
    std::vector<std::int64_t> rows(size_t(B), n), cols(size_t(B), m);
    if (rng() % 3 == 0) {
      for (index_t b = 0; b < B; ++b) {
        rows[size_t(b)] = std::int64_t(rng() % unsigned(n + 1));
        cols[size_t(b)] = std::int64_t(rng() % unsigned(m + 1));
      }
    }
    const Out spec = run_spec(C, B, n, m, rows, cols, maximize);
    const Out hd = run_hd(C, B, n, m, rows, cols, maximize);
    CHECK(same(spec, hd));
    for (int isa = 0; isa < 3; ++isa) {
      const Out drv = run_driver(C, B, n, m, rows, cols, maximize, 1, isa);
      CHECK(same(hd, drv));
      ++checked;
    }
  }
  CHECK(checked > 0);
}

TEST(assignment_driver_equals_hd_larger) {
  std::mt19937_64 rng(41);
  const index_t sizes[][2] = {{100, 100}, {37, 141}, {141, 37}, {257, 250}, {8, 300}, {300, 9}};
  for (const auto& sz : sizes) {
    for (int kind = 0; kind < 5; ++kind) {
      const index_t n = sz[0], m = sz[1];
      const bool maximize = kind == 2;
      std::vector<double> C = random_cost<double>(rng, size_t(n * m), Kind(kind));
      const Out hd = run_hd(C, 1, n, m, {n}, {m}, maximize);
      for (int isa = 0; isa < 3; ++isa) {
        CHECK(same(hd, run_driver(C, 1, n, m, {n}, {m}, maximize, 1, isa)));
      }
      std::vector<float> F = random_cost<float>(rng, size_t(n * m), Kind(kind));
      const Out hdf = run_hd(F, 1, n, m, {n}, {m}, !maximize);
      for (int isa = 0; isa < 3; ++isa) {
        CHECK(same(hdf, run_driver(F, 1, n, m, {n}, {m}, !maximize, 1, isa)));
      }
    }
  }
}

TEST(assignment_batch_equals_single_calls_and_threads) {
  std::mt19937_64 rng(51);
  const index_t B = 40, n = 12, m = 17;
  for (int kind = 0; kind < 4; ++kind) {
    std::vector<double> C = random_cost<double>(rng, size_t(B * n * m), Kind(kind));
    std::vector<std::int64_t> rows(static_cast<size_t>(B)), cols(static_cast<size_t>(B));
    for (index_t b = 0; b < B; ++b) {
      rows[size_t(b)] = std::int64_t(rng() % (n + 1));
      cols[size_t(b)] = std::int64_t(rng() % (m + 1));
    }
    const Out one = run_driver(C, B, n, m, rows, cols, kind == 1, 1, -1, 1);
    CHECK(same(one, run_driver(C, B, n, m, rows, cols, kind == 1, 1, -1, 2)));  // two in flight
    CHECK(same(one, run_driver(C, B, n, m, rows, cols, kind == 1, 3)));         // three workers
    CHECK(same(one, run_driver(C, B, n, m, rows, cols, kind == 1, 2, 1, 2)));
    for (index_t b = 0; b < B; ++b) {
      std::vector<double> Cb(C.begin() + std::ptrdiff_t(b * n * m),
                             C.begin() + std::ptrdiff_t((b + 1) * n * m));
      const Out s = run_driver(Cb, 1, n, m, {rows[size_t(b)]}, {cols[size_t(b)]}, kind == 1);
      CHECK(std::equal(s.x.begin(), s.x.end(), one.x.begin() + std::ptrdiff_t(b * n)));
      CHECK(std::equal(s.y.begin(), s.y.end(), one.y.begin() + std::ptrdiff_t(b * m)));
      CHECK(std::memcmp(s.u.data(), one.u.data() + b * n, size_t(n) * 8) == 0);
      CHECK(std::memcmp(s.v.data(), one.v.data() + b * m, size_t(m) * 8) == 0);
      CHECK(s.total[0] == one.total[size_t(b)] && s.status[0] == one.status[size_t(b)]);
    }
  }
}

TEST(assignment_float32_equals_float64) {
  std::mt19937_64 rng(61);
  for (int trial = 0; trial < 60; ++trial) {
    const index_t B = 2, n = 1 + index_t(rng() % 40), m = 1 + index_t(rng() % 40);
    std::vector<float> F = random_cost<float>(rng, size_t(B * n * m), Kind(trial % 4));
    std::vector<double> D(F.begin(), F.end());
    const std::vector<std::int64_t> rows(size_t(B), n), cols(size_t(B), m);
    const bool maximize = trial % 3 == 0;
    CHECK(same(run_driver(F, B, n, m, rows, cols, maximize),
               run_driver(D, B, n, m, rows, cols, maximize)));
  }
}
