// tradeoff/pareto.hpp: Pareto ranking on the CPU (host only; the GPU path is cuda/pareto.cu).
//
// Public entry points (one problem; the batch drivers in cpp/bindings loop over these):
//   rank(pts, n, m, ranks)            non-dominated sorting, ranks 0 = first front
//   nondominated(pts, n, m, mask)     first front only, through a cheaper path
//   crowding(pts, n, m, ranks, out)   NSGA-II crowding distance within each rank group
//
// Algorithms (all objectives minimized, equal points never dominate each other):
//   m = 1   sort, dense rank of the distinct values                     O(n log n)
//   m = 2   lexicographic sort, then a sweep that places each point in the first front whose
//           smallest second objective exceeds it (binary search)        O(n log n)
//   m >= 3  lexicographic sort, duplicate collapse, per-objective rank compression, then the
//           divide-and-conquer of Jensen (2003) in the corrected and generalized form of
//           Fortin, Grenier & Parizeau (2013) and Buzdalov & Shalyto (2014):
//           O(n log^(m-1) n) for ranking. Front-only mode keeps one bit per point, so the
//           final sweeps drop their Fenwick tree and dominated points leave the recursion
//           early (Kung et al. 1975 flavour), after a linear pre-filter by a few candidates.
// The readable specification of every result is python/tradeoff/_fallback/pareto.py.
#pragma once

#include <algorithm>
#include <atomic>
#include <exception>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <map>
#include <numeric>
#include <thread>
#include <vector>

#include "config.hpp"
#include "ordering.hpp"
#include "parallel.hpp"
#include "pareto_hd.hpp"

namespace tradeoff {
namespace pareto {

namespace detail {

// Sorts the row indices in `rows` by columns j_begin..j_end-1 of pts (lexicographically,
// j_begin first), stably: rows that tie keep their order. Large inputs use an LSD radix sort
// on order-preserving keys (11-bit digits, digits that are equal for all rows skipped), small
// ones std::stable_sort (size thresholds measured by wall time for m = 2..5, n = 300..1000,
// for ranking; `radix_from` overrides them: the hypervolume sweeps measured radix faster from
// 256 rows).
template <class T>
void sort_rows_by_columns(const T* pts, int m, std::vector<rank_t>& rows, int j_begin, int j_end,
                          size_t radix_from = 0) {
  const size_t n = rows.size();
  const int cols = j_end - j_begin;
  if (radix_from == 0) radix_from = (cols == 2 || cols == 3) ? size_t(1024) : size_t(512);
  if (n < radix_from) {
    std::stable_sort(rows.begin(), rows.end(), [pts, m, j_begin, j_end](rank_t a, rank_t b) {
      for (int j = j_begin; j < j_end; ++j) {
        const T va = pts[index_t(a) * m + j], vb = pts[index_t(b) * m + j];
        if (va < vb) return true;
        if (vb < va) return false;
      }
      return false;
    });
    return;
  }
  using Key = decltype(order_key(T()));
  constexpr int kBits = 11;
  constexpr size_t kBuckets = size_t(1) << kBits;
  // Buffers kept per thread between calls (up to 2^22 rows): fresh pages from the kernel
  // cost more than the sort itself in repeated calls.
  thread_local std::vector<std::pair<Key, rank_t>> keep_a, keep_b;
  std::vector<std::pair<Key, rank_t>> own_a, own_b;
  const bool reuse = n <= (size_t(1) << 22);
  std::vector<std::pair<Key, rank_t>>& a = reuse ? keep_a : own_a;
  std::vector<std::pair<Key, rank_t>>& b = reuse ? keep_b : own_b;
  a.resize(n);
  b.resize(n);
  std::vector<size_t> count(kBuckets);
  for (int j = j_end - 1; j >= j_begin; --j) {
    for (size_t i = 0; i < n; ++i) a[i] = {order_key(pts[index_t(rows[i]) * m + j]), rows[i]};
    for (int shift = 0; shift < int(8 * sizeof(Key)); shift += kBits) {
      std::fill(count.begin(), count.end(), size_t(0));
      for (size_t i = 0; i < n; ++i) ++count[(a[i].first >> shift) & (kBuckets - 1)];
      if (count[(a[0].first >> shift) & (kBuckets - 1)] == n) continue;  // one digit: no-op
      size_t sum = 0;
      for (size_t d = 0; d < kBuckets; ++d) {
        const size_t c = count[d];
        count[d] = sum;
        sum += c;
      }
      for (size_t i = 0; i < n; ++i) b[count[(a[i].first >> shift) & (kBuckets - 1)]++] = a[i];
      a.swap(b);
    }
    for (size_t i = 0; i < n; ++i) rows[i] = a[i].second;
  }
}

// Row indices 0..n-1 sorted lexicographically by their points; equal points by index.
template <class T>
void lex_order(const T* pts, index_t n, int m, std::vector<rank_t>& order) {
  order.resize(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), rank_t(0));
  sort_rows_by_columns(pts, m, order, 0, m);
}

template <class T>
bool rows_equal(const T* pts, int m, rank_t a, rank_t b) {
  return lex_compare(pts + index_t(a) * m, pts + index_t(b) * m, m) == 0;
}

// Candidates for the pre-filter, chosen among `rows` (a strided sample of at most 2048 of
// them): the minimizers of weighted sums of the range-normalized objectives (equal weights
// first: on typical data that point dominates almost everything; then each objective weighted
// 4x up and 4x down, which picks points spread along the front) and a minimizer of each
// objective. Objectives whose sampled range is zero or not finite are left out of the sums.
template <class T>
std::vector<index_t> prefilter_candidates(const T* pts, int m, const std::vector<rank_t>& rows) {
  const size_t step = std::max<size_t>(1, rows.size() / 2048);
  std::vector<T> lo(m, std::numeric_limits<T>::infinity());
  std::vector<T> hi(m, -std::numeric_limits<T>::infinity());
  for (size_t t = 0; t < rows.size(); t += step) {
    for (int j = 0; j < m; ++j) {
      const T v = pts[index_t(rows[t]) * m + j];
      lo[j] = std::min(lo[j], v);
      hi[j] = std::max(hi[j], v);
    }
  }
  std::vector<T> scale(m, T(0));
  for (int j = 0; j < m; ++j) {
    const T range = hi[j] - lo[j];
    if (std::isfinite(range) && range > T(0)) scale[j] = T(1) / range;
  }
  const int n_weights = 1 + 2 * m;  // weighting w: 0 = equal, 1 + 2j: j up, 2 + 2j: j down
  std::vector<T> best(n_weights, std::numeric_limits<T>::infinity());
  std::vector<index_t> best_row(n_weights, rows[0]), min_row(m, rows[0]);
  std::vector<T> z(m);
  for (size_t t = 0; t < rows.size(); t += step) {
    const index_t i = rows[t];
    const T* p = pts + i * m;
    T sum = T(0);
    for (int j = 0; j < m; ++j) {
      z[j] = scale[j] > T(0) ? (p[j] - lo[j]) * scale[j] : T(0);
      sum += z[j];
      if (p[j] < pts[min_row[j] * m + j]) min_row[j] = i;
    }
    for (int w = 0; w < n_weights; ++w) {
      T value = sum;
      if (w > 0) {
        const int j = (w - 1) / 2;
        value = (w % 2 == 1) ? sum + T(3) * z[j] : T(4) * sum - T(3) * z[j];
      }
      if (value < best[w]) {
        best[w] = value;
        best_row[w] = i;
      }
    }
  }
  std::vector<index_t> cand;
  auto add = [&cand](index_t i) {
    if (std::find(cand.begin(), cand.end(), i) == cand.end()) cand.push_back(i);
  };
  for (index_t i : best_row) add(i);
  for (index_t i : min_row) add(i);
  return cand;
}

// Pre-filter for the first front: drops every point dominated by one of a few candidates,
// then the exact algorithm runs on the survivors. A dropped point is dominated, and every
// point dominated by a dropped point is dominated by the candidate that dropped it, so the
// front of the survivors is the front of all points. Two rounds: candidates from a sample of
// all rows filter all rows, then (when that removed most points) candidates from the
// survivors filter the survivors. About
// one pass over the data; the survivors' row indices come back in increasing order.
template <class T>
void prefilter(const T* pts, index_t n, int m, std::vector<rank_t>& keep) {
  keep.resize(static_cast<size_t>(n));
  std::iota(keep.begin(), keep.end(), rank_t(0));
  for (int round = 0; round < 2 && keep.size() > 64; ++round) {
    const std::vector<index_t> cand = prefilter_candidates(pts, m, keep);
    size_t out = 0;
    for (size_t t = 0; t < keep.size(); ++t) {
      const T* p = pts + index_t(keep[t]) * m;
      bool dominated = false;
      for (index_t c : cand) {
        if (dominates(pts + c * m, p, m)) {
          dominated = true;
          break;
        }
      }
      if (!dominated) keep[out++] = keep[t];
    }
    const bool effective = out * 2 < keep.size();
    keep.resize(out);
    if (!effective) break;  // front-like data (most points survive): a second round is waste
  }
}

// The inner loop of the divide and conquer's quadratic leaves: the largest rank among the
// first `end` packed L points that are <= q in all D columns (col[j * nl + i]), or -1.
// Branch-free so it vectorizes; on x86-64 with GCC an AVX2 clone is picked at load time.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__CUDACC__)
#define TRADEOFF_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define TRADEOFF_VECTOR_CLONES
#endif
template <int D>
TRADEOFF_VECTOR_CLONES rank_t best_dominator_rank(const rank_t* col, size_t nl, const rank_t* rk,
                                                  size_t end, const rank_t* qc) {
  rank_t best = -1;
  for (size_t i = 0; i < end; ++i) {
    std::int32_t ok = -1;  // all ones while L point i is <= q in every column
    for (int j = 0; j < D; ++j) ok &= -std::int32_t(col[size_t(j) * nl + i] <= qc[j]);
    const rank_t cand = rk[i] | ~ok;  // its rank, or -1
    best = cand > best ? cand : best;
  }
  return best;
}

// Prefix-maximum Fenwick tree over slots 1..size (values start at -1).
struct FenwickMax {
  std::vector<rank_t> tree;
  void reset(size_t size) { tree.assign(size + 1, rank_t(-1)); }
  void update(size_t slot, rank_t value) {
    for (; slot < tree.size(); slot += slot & (~slot + 1)) tree[slot] = std::max(tree[slot], value);
  }
  rank_t query(size_t slot) const {  // max over slots 1..slot
    rank_t best = -1;
    for (; slot > 0; slot -= slot & (~slot + 1)) best = std::max(best, tree[slot]);
    return best;
  }
};

// Sizes below which the divide and conquer stops splitting and runs its quadratic leaves.
// Defaults tuned by wall time (one thread, uniform and spherical sets, m = 4..8, n = 1e4..1e6):
// the leaf of helper_b is branch-free and vectorized, so it pays to stop splitting early.
// Tests shrink them (set_leaf_sizes_for_testing) so that small inputs exercise every split
// and sweep; nothing else should change them.
struct LeafSizes {
  size_t brute_a = 24;               // |S| in helper_a
  size_t brute_b = size_t(1) << 22;  // |L| * |H| in helper_b
};
inline LeafSizes& leaf_sizes() {
  static LeafSizes sizes;
  return sizes;
}

// The divide-and-conquer over distinct points in lexicographic order.
// Positions 0..nu-1 are the distinct points sorted lexicographically; coord[j * nu + p] is the
// dense rank of objective j (j >= 1) of position p. Objective 0 is implied by the position
// order: for distinct points, "a dominates b" <=> pos(a) < pos(b) and a_j <= b_j for j >= 1.
//
// helper_a(S, k): all points of S agree on objectives k..m-1; apply every domination inside S
//   (objectives 0..k-1). On entry, dominations from outside S have been applied.
// helper_b(L, H, k): every point of L is <= every point of H on objectives k..m-1 and L's ranks
//   are final; apply every domination of an H point by an L point (objectives 0..k-1).
// FrontOnly: ranks are 0/1 flags ("dominated"), so sweeps need a running minimum only, and
//   dominated points are dropped from helper_b (their dominators dominate what they would).
template <bool FrontOnly>
class DivideAndConquer {
 public:
  DivideAndConquer(const rank_t* coord, index_t nu, int m, rank_t* r)
      : coord_(coord), nu_(nu), m_(m), r_(r) {}

  void run() {
    std::vector<rank_t> all(static_cast<size_t>(nu_));
    std::iota(all.begin(), all.end(), rank_t(0));
    helper_a(all, m_);
  }

 private:
  const size_t brute_a_ = leaf_sizes().brute_a;  // |S| at or below: quadratic loop
  const size_t brute_b_ = leaf_sizes().brute_b;  // |L| * |H| at or below: quadratic loop

  const rank_t* coord_;
  index_t nu_;
  int m_;
  rank_t* r_;
  FenwickMax fenwick_;
  std::vector<rank_t> keys_;
  std::vector<rank_t> scratch_;
  std::vector<rank_t> pack_;

  rank_t c(int j, rank_t p) const { return coord_[index_t(p) * m_ + j]; }

  // a precedes b in position order; true when a <= b on objectives 1..k-1.
  bool dom(rank_t a, rank_t b, int k) const {
    for (int j = 1; j < k; ++j)
      if (c(j, a) > c(j, b)) return false;
    return true;
  }

  // Only a dominator of rank >= r[h] can raise r[h]: a cheap test before the dominance test.
  bool can_raise(rank_t h, rank_t l) const { return FrontOnly || r_[l] >= r_[h]; }

  void raise(rank_t h, rank_t l) {
    if (FrontOnly) {
      r_[h] = 1;
    } else if (r_[h] <= r_[l]) {
      r_[h] = r_[l] + 1;
    }
  }

  rank_t median(const std::vector<rank_t>& a, const std::vector<rank_t>& b, int j) {
    scratch_.clear();
    for (rank_t p : a) scratch_.push_back(c(j, p));
    for (rank_t p : b) scratch_.push_back(c(j, p));
    auto mid = scratch_.begin() + scratch_.size() / 2;
    std::nth_element(scratch_.begin(), mid, scratch_.end());
    return *mid;
  }

  void split(const std::vector<rank_t>& s, int j, rank_t med, std::vector<rank_t>& lo,
             std::vector<rank_t>& eq, std::vector<rank_t>& hi) const {
    for (rank_t p : s) {
      rank_t v = c(j, p);
      (v < med ? lo : (v == med ? eq : hi)).push_back(p);
    }
  }

  void helper_a(const std::vector<rank_t>& s, int k) {
    const size_t n = s.size();
    if (n < 2) return;
    if (n <= brute_a_) {
      for (size_t i = 1; i < n; ++i)
        for (size_t j = 0; j < i; ++j)
          if (can_raise(s[i], s[j]) && dom(s[j], s[i], k)) {
            raise(s[i], s[j]);
            if (FrontOnly) break;
          }
      return;
    }
    if (k == 2) {
      sweep_a(s);
      return;
    }
    const int j = k - 1;
    rank_t lo = c(j, s[0]), hi = lo;
    for (rank_t p : s) {
      lo = std::min(lo, c(j, p));
      hi = std::max(hi, c(j, p));
    }
    if (lo == hi) {
      helper_a(s, k - 1);
      return;
    }
    static const std::vector<rank_t> none;
    const rank_t med = median(s, none, j);
    std::vector<rank_t> l, e, h;
    split(s, j, med, l, e, h);
    helper_a(l, k);
    helper_b(l, e, k - 1);
    helper_a(e, k - 1);
    std::vector<rank_t> le(l.size() + e.size());
    std::merge(l.begin(), l.end(), e.begin(), e.end(), le.begin());
    helper_b(le, h, k - 1);
    helper_a(h, k);
  }

  void helper_b(const std::vector<rank_t>& l_in, const std::vector<rank_t>& h_in, int k) {
    if (l_in.empty() || h_in.empty()) return;
    const std::vector<rank_t>* lp = &l_in;
    const std::vector<rank_t>* hp = &h_in;
    std::vector<rank_t> l_alive, h_alive;
    if (FrontOnly) {
      // dominated points leave (copies only when some are dominated)
      auto alive = [this](const std::vector<rank_t>& in, std::vector<rank_t>& out)
          -> const std::vector<rank_t>* {
        size_t dead = 0;
        for (rank_t p : in) dead += size_t(r_[p] != 0);
        if (dead == 0) return &in;
        out.reserve(in.size() - dead);
        for (rank_t p : in)
          if (r_[p] == 0) out.push_back(p);
        return &out;
      };
      lp = alive(l_in, l_alive);
      hp = alive(h_in, h_alive);
      if (lp->empty() || hp->empty()) return;
    } else {
      // L's ranks are final and an L point can only raise an H point of rank <= its own.
      rank_t l_top = -1, h_low = std::numeric_limits<rank_t>::max();
      for (rank_t p : l_in) l_top = std::max(l_top, r_[p]);
      for (rank_t p : h_in) h_low = std::min(h_low, r_[p]);
      if (l_top < h_low) return;
    }
    const std::vector<rank_t>& l = *lp;
    const std::vector<rank_t>& h = *hp;
    if (l.size() * h.size() <= brute_b_) {
      brute_b(l, h, k);
      return;
    }
    if (k == 2) {
      sweep_b(l, h);
      return;
    }
    const int j = k - 1;
    rank_t lmin = c(j, l[0]), lmax = lmin, hmin = c(j, h[0]), hmax = hmin;
    for (rank_t p : l) {
      lmin = std::min(lmin, c(j, p));
      lmax = std::max(lmax, c(j, p));
    }
    for (rank_t p : h) {
      hmin = std::min(hmin, c(j, p));
      hmax = std::max(hmax, c(j, p));
    }
    if (lmax <= hmin) {
      helper_b(l, h, k - 1);
      return;
    }
    if (lmin > hmax) return;
    const rank_t med = median(l, h, j);
    std::vector<rank_t> l1, l2, l3, h1, h2, h3;
    split(l, j, med, l1, l2, l3);
    split(h, j, med, h1, h2, h3);
    // (l1, h1) writes only h1, the rest only h2 and h3: the first part may run on another
    // thread while this one does the rest (L is never written inside helper_b).
    std::thread worker;
    std::exception_ptr worker_error;
    if (l1.size() + h1.size() >= kParallelMin && claim_thread()) {
      worker = std::thread([&] {
        try {
          DivideAndConquer child(coord_, nu_, m_, r_);
          child.helper_b(l1, h1, k);
        } catch (...) {
          worker_error = std::current_exception();
        }
      });
    } else {
      helper_b(l1, h1, k);
    }
    helper_b(l1, h2, k - 1);
    helper_b(l2, h2, k - 1);
    std::vector<rank_t> l12(l1.size() + l2.size());
    std::merge(l1.begin(), l1.end(), l2.begin(), l2.end(), l12.begin());
    helper_b(l12, h3, k - 1);
    helper_b(l3, h3, k);
    if (worker.joinable()) {
      worker.join();
      busy_threads().fetch_sub(1);
      if (worker_error) std::rethrow_exception(worker_error);
    }
  }

  // Threads for one large problem: at most num_threads() - 1 helpers in the whole process,
  // and none when the caller already runs problems in parallel (a batch).
  static constexpr size_t kParallelMin = 20000;  // |L| + |H| worth a thread
  static std::atomic<int>& busy_threads() {
    static std::atomic<int> busy{0};
    return busy;
  }
  static bool claim_thread() {
    if (in_parallel_region()) return false;
    int busy = busy_threads().load();
    while (busy < num_threads() - 1) {
      if (busy_threads().compare_exchange_weak(busy, busy + 1)) return true;
    }
    return false;
  }

  // Quadratic leaf of helper_b: L is copied into contiguous columns (objectives 1..k-1 and
  // ranks) so the inner loop over L is branch-free and vectorizes; each H point takes the
  // best rank among the L points before it (in position order) that are <= it.
  void brute_b(const std::vector<rank_t>& l, const std::vector<rank_t>& h, int k) {
    switch (k - 1) {
      case 1: return brute_b_dims<1>(l, h, 1);
      case 2: return brute_b_dims<2>(l, h, 2);
      case 3: return brute_b_dims<3>(l, h, 3);
      case 4: return brute_b_dims<4>(l, h, 4);
      case 5: return brute_b_dims<5>(l, h, 5);
      case 6: return brute_b_dims<6>(l, h, 6);
      case 7: return brute_b_dims<7>(l, h, 7);
      default: return brute_b_dims<0>(l, h, k - 1);
    }
  }

  template <int D>  // D > 0: dimensions known at compile time; D == 0: runtime `dims`
  void brute_b_dims(const std::vector<rank_t>& l, const std::vector<rank_t>& h, int dims) {
    const int nd = D > 0 ? D : dims;
    const size_t nl = l.size();
    pack_.resize(nl * size_t(nd + 1));
    for (size_t i = 0; i < nl; ++i) {
      for (int j = 0; j < nd; ++j) pack_[size_t(j) * nl + i] = c(j + 1, l[i]);
      pack_[size_t(nd) * nl + i] = FrontOnly ? 0 : r_[l[i]];
    }
    const rank_t* col = pack_.data();
    const rank_t* rk = pack_.data() + size_t(nd) * nl;
    rank_t qc[D > 0 ? D : 64];
    size_t end = 0;
    for (rank_t q : h) {
      while (end < nl && l[end] < q) ++end;  // only earlier positions can dominate q
      if (end == 0) continue;
      if (D > 0) {
        for (int j = 0; j < nd; ++j) qc[j] = c(j + 1, q);
      }
      rank_t best = -1;
      if (D > 0) {
        best = best_dominator_rank<D>(col, nl, rk, end, qc);
      } else {
        for (size_t i = 0; i < end; ++i) {
          bool d = true;
          for (int j = 0; j < nd && d; ++j) d = col[size_t(j) * nl + i] <= c(j + 1, q);
          if (d && rk[i] > best) best = rk[i];
        }
      }
      if (best >= 0) {
        if (FrontOnly) {
          r_[q] = 1;
        } else if (best >= r_[q]) {
          r_[q] = best + 1;
        }
      }
    }
  }

  // The distinct objective-1 values of `s` in keys_ (sorted), and an empty Fenwick tree over
  // them: slot i + 1 stands for keys_[i].
  void reset_keys(const std::vector<rank_t>& s) {
    keys_.clear();
    for (rank_t p : s) keys_.push_back(c(1, p));
    std::sort(keys_.begin(), keys_.end());
    keys_.erase(std::unique(keys_.begin(), keys_.end()), keys_.end());
    fenwick_.reset(keys_.size());
  }

  // k == 2 inside one set: each point against the earlier points by objective 1.
  void sweep_a(const std::vector<rank_t>& s) {
    if (FrontOnly) {
      rank_t best = std::numeric_limits<rank_t>::max();
      for (rank_t p : s) {
        if (best <= c(1, p)) r_[p] = 1;
        best = std::min(best, c(1, p));
      }
      return;
    }
    reset_keys(s);
    for (rank_t p : s) {
      const rank_t v = c(1, p);
      const size_t slot = size_t(std::lower_bound(keys_.begin(), keys_.end(), v) - keys_.begin()) + 1;
      const rank_t q = fenwick_.query(slot);
      if (q >= 0 && r_[p] <= q) r_[p] = q + 1;
      fenwick_.update(slot, r_[p]);
    }
  }

  // k == 2 across two sets: each H point against the earlier L points by objective 1.
  void sweep_b(const std::vector<rank_t>& l, const std::vector<rank_t>& h) {
    size_t i = 0;
    if (FrontOnly) {
      rank_t best = std::numeric_limits<rank_t>::max();
      for (rank_t q : h) {
        while (i < l.size() && l[i] < q) best = std::min(best, c(1, l[i++]));
        if (best <= c(1, q)) r_[q] = 1;
      }
      return;
    }
    reset_keys(l);
    for (rank_t q : h) {
      while (i < l.size() && l[i] < q) {
        const rank_t p = l[i++];
        const size_t slot =
            size_t(std::lower_bound(keys_.begin(), keys_.end(), c(1, p)) - keys_.begin()) + 1;
        fenwick_.update(slot, r_[p]);
      }
      const size_t count =
          size_t(std::upper_bound(keys_.begin(), keys_.end(), c(1, q)) - keys_.begin());
      const rank_t best = fenwick_.query(count);
      if (best >= 0 && r_[q] <= best) r_[q] = best + 1;
    }
  }
};

// m = 3: the lexicographic sweep with one 2-D staircase per front.
// Visiting distinct points in lexicographic order, a point's dominators are all visited
// already, and it is dominated by a member of front k iff front k's staircase (the minimal
// (y, z) pairs of its members so far: y ascending, z strictly descending) has a pair <= its
// own. Fronts are nested (a member of front k is dominated by one of front k-1), so the rank
// is found by binary search over the fronts: O(n log F log n) for F fronts, plus the
// staircase updates (see Staircase).
// FrontOnly keeps one staircase and returns 0/1 flags.
template <class T>
class Staircase {
 public:
  bool dominates(T py, T pz) const {
    if (big_) {
      auto it = tree_.upper_bound(py);
      if (it == tree_.begin()) return false;
      return std::prev(it)->second <= pz;
    }
    // outside the staircase's y or z extent: nothing here is <= (py, pz)
    if (y_.empty() || py < y_.front() || pz < z_.back()) return false;
    // branch-free upper bound: the last y <= py (y_.front() <= py, so it exists)
    const T* base = y_.data();
    size_t len = y_.size();
    while (len > 1) {
      const size_t half = len / 2;
      base = (base[half] <= py) ? base + half : base;
      len -= half;
    }
    return z_[size_t(base - y_.data())] <= pz;
  }

  void insert(T py, T pz) {  // (py, pz) is dominated by no pair already here
    if (big_) {
      auto it = tree_.lower_bound(py);
      while (it != tree_.end() && it->second >= pz) it = tree_.erase(it);
      tree_.emplace_hint(it, py, pz);
      return;
    }
    const size_t lo = size_t(std::lower_bound(y_.begin(), y_.end(), py) - y_.begin());
    size_t hi = lo;
    while (hi < y_.size() && z_[hi] >= pz) ++hi;  // pairs that (py, pz) dominates
    if (hi > lo) {
      y_[lo] = py;
      z_[lo] = pz;
      y_.erase(y_.begin() + lo + 1, y_.begin() + hi);
      z_.erase(z_.begin() + lo + 1, z_.begin() + hi);
    } else {
      y_.insert(y_.begin() + lo, py);
      z_.insert(z_.begin() + lo, pz);
      if (y_.size() > kMaxFlat) to_tree();
    }
  }

 private:
  // Contiguous arrays while small (a query is a binary search over cache lines, an insertion
  // a short memmove); a balanced tree once large, so that a staircase growing at its front
  // (points on a plane) stays O(log n) per insertion instead of O(n).
  static constexpr size_t kMaxFlat = 2048;
  bool big_ = false;
  std::vector<T> y_, z_;  // y ascending, z strictly descending
  std::map<T, T> tree_;

  void to_tree() {
    for (size_t i = 0; i < y_.size(); ++i) tree_.emplace_hint(tree_.end(), y_[i], z_[i]);
    y_.clear();
    y_.shrink_to_fit();
    z_.clear();
    z_.shrink_to_fit();
    big_ = true;
  }
};

template <bool FrontOnly, class T>
void rank_rows_staircase(const T* pts, std::vector<rank_t>& rows, rank_t* out) {
  if (rows.empty()) return;
  sort_rows_by_columns(pts, 3, rows, 0, 3);
  std::vector<Staircase<T>> fronts;
  for (size_t i = 0; i < rows.size(); ++i) {
    const rank_t p = rows[i];
    if (i > 0 && rows_equal(pts, 3, rows[i - 1], p)) {
      out[p] = out[rows[i - 1]];
      continue;
    }
    const T y = pts[index_t(p) * 3 + 1], z = pts[index_t(p) * 3 + 2];
    size_t lo = 0, hi = fronts.size();
    if (FrontOnly && hi > 0) hi = 1;
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (fronts[mid].dominates(y, z)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    out[p] = rank_t(lo);
    if (FrontOnly && lo > 0) continue;
    if (lo == fronts.size()) fronts.emplace_back();
    fronts[lo].insert(y, z);
  }
}

// Sorts, collapses duplicates, rank-compresses objectives 1..m-1 and runs the
// divide-and-conquer on the rows listed in `rows` (all rows when empty-handed callers pass
// 0..n-1). Writes out[row] for every listed row: the rank, or in FrontOnly mode 0/1.
template <bool FrontOnly, class T>
void rank_rows_dc(const T* pts, int m, const std::vector<rank_t>& rows, rank_t* out) {
  const index_t n_rows = index_t(rows.size());
  if (n_rows == 0) return;
  // lexicographic order of the listed rows
  std::vector<rank_t> order(rows);
  sort_rows_by_columns(pts, m, order, 0, m);
  // distinct points: rep[u] = a row, group[i] = the distinct position of order[i]
  std::vector<rank_t> rep;
  std::vector<rank_t> group(static_cast<size_t>(n_rows));
  rep.reserve(static_cast<size_t>(n_rows));
  for (index_t i = 0; i < n_rows; ++i) {
    if (i == 0 || !rows_equal(pts, m, order[i - 1], order[i])) rep.push_back(order[i]);
    group[i] = rank_t(rep.size() - 1);
  }
  const index_t nu = index_t(rep.size());
  // dense ranks of objectives 1..m-1 over the distinct points
  std::vector<rank_t> coord(static_cast<size_t>(nu * m), 0);
  std::vector<rank_t> position(static_cast<size_t>(*std::max_element(rep.begin(), rep.end())) + 1);
  for (index_t u = 0; u < nu; ++u) position[rep[u]] = rank_t(u);
  std::vector<rank_t> by_value;
  for (int j = 1; j < m; ++j) {
    by_value = rep;
    sort_rows_by_columns(pts, m, by_value, j, j + 1);
    rank_t dense = 0;
    for (index_t t = 0; t < nu; ++t) {
      if (t > 0 && pts[index_t(by_value[t - 1]) * m + j] < pts[index_t(by_value[t]) * m + j]) ++dense;
      coord[index_t(position[by_value[t]]) * m + j] = dense;
    }
  }
  std::vector<rank_t> r(static_cast<size_t>(nu), 0);
  DivideAndConquer<FrontOnly>(coord.data(), nu, m, r.data()).run();
  for (index_t i = 0; i < n_rows; ++i) out[order[i]] = r[group[i]];
}

}  // namespace detail

// Non-dominated sorting of one problem: ranks[i] = 0 for the first front, 1 for the next...
template <class T>
void rank(const T* pts, index_t n, int m, rank_t* ranks) {
  if (n <= 0) return;
  if (m == 1) {
    std::vector<rank_t> order;
    detail::lex_order(pts, n, 1, order);
    rank_t k = 0;
    for (index_t i = 0; i < n; ++i) {
      if (i > 0 && pts[order[i - 1]] < pts[order[i]]) ++k;
      ranks[order[i]] = k;
    }
    return;
  }
  if (m == 2) {
    std::vector<rank_t> order;
    detail::lex_order(pts, n, 2, order);
    std::vector<T> front_min;  // smallest objective-1 value in each front so far (nondecreasing)
    for (index_t t = 0; t < n; ++t) {
      const rank_t p = order[t];
      const T y = pts[2 * index_t(p) + 1];
      if (t > 0 && detail::rows_equal(pts, 2, order[t - 1], p)) {
        ranks[p] = ranks[order[t - 1]];
        continue;
      }
      const size_t k =
          size_t(std::upper_bound(front_min.begin(), front_min.end(), y) - front_min.begin());
      if (k == front_min.size()) {
        front_min.push_back(y);
      } else {
        front_min[k] = y;
      }
      ranks[p] = rank_t(k);
    }
    return;
  }
  std::vector<rank_t> rows(static_cast<size_t>(n));
  std::iota(rows.begin(), rows.end(), rank_t(0));
  if (m == 3) {
    detail::rank_rows_staircase<false>(pts, rows, ranks);
  } else {
    detail::rank_rows_dc<false>(pts, m, rows, ranks);
  }
}

// The first front of one problem: mask[i] = 1 when no point dominates point i.
template <class T>
void nondominated(const T* pts, index_t n, int m, std::uint8_t* mask) {
  if (n <= 0) return;
  if (m == 1) {
    T best = pts[0];
    for (index_t i = 1; i < n; ++i) best = std::min(best, pts[i]);
    for (index_t i = 0; i < n; ++i) mask[i] = pts[i] == best ? 1 : 0;
    return;
  }
  std::fill(mask, mask + n, std::uint8_t(0));
  std::vector<rank_t> keep;
  detail::prefilter(pts, n, m, keep);
  if (m == 2) {
    detail::sort_rows_by_columns(pts, 2, keep, 0, 2);
    // a point is on the front when no earlier distinct point has a smaller-or-equal objective 1
    T best = std::numeric_limits<T>::infinity();
    bool any = false;
    size_t i = 0;
    while (i < keep.size()) {
      size_t e = i + 1;
      while (e < keep.size() && detail::rows_equal(pts, 2, keep[i], keep[e])) ++e;
      const T y = pts[index_t(keep[i]) * 2 + 1];
      const bool on_front = !any || y < best;
      for (size_t t = i; t < e; ++t) mask[keep[t]] = on_front ? 1 : 0;
      if (!any || y < best) best = y;
      any = true;
      i = e;
    }
    return;
  }
  std::vector<rank_t> flag(static_cast<size_t>(n), 1);
  if (m == 3) {
    detail::rank_rows_staircase<true>(pts, keep, flag.data());
  } else {
    detail::rank_rows_dc<true>(pts, m, keep, flag.data());
  }
  for (rank_t row : keep) mask[row] = flag[row] == 0 ? 1 : 0;
}

// NSGA-II crowding distance within each group of equal rank (see crowding_term).
// Within a group and objective, points are ordered by (value, row index); the first and last
// get +inf. Terms are added objective by objective, 0 first (the fallback adds in the same
// order, so both give the same floating result).
template <class T>
void crowding(const T* pts, index_t n, int m, const rank_t* ranks, T* out) {
  if (n <= 0) return;
  // rows grouped by rank, increasing row index inside a group: a counting sort when the
  // ranks lie in [0, n) (the usual case), a stable sort otherwise (UNRANKED present, or any
  // other integers: the groups are what matters, so no rank value can index out of bounds)
  std::vector<rank_t> order(static_cast<size_t>(n));
  const auto [low, top] = std::minmax_element(ranks, ranks + n);
  if (*low >= 0 && index_t(*top) < n) {
    std::vector<index_t> start_of(size_t(*top) + 2, 0);
    for (index_t i = 0; i < n; ++i) ++start_of[size_t(ranks[i]) + 1];
    for (size_t r = 1; r < start_of.size(); ++r) start_of[r] += start_of[r - 1];
    for (index_t i = 0; i < n; ++i) order[start_of[size_t(ranks[i])]++] = rank_t(i);
  } else {
    std::iota(order.begin(), order.end(), rank_t(0));
    std::stable_sort(order.begin(), order.end(),
                     [ranks](rank_t a, rank_t b) { return ranks[a] < ranks[b]; });
  }
  const T inf = std::numeric_limits<T>::infinity();
  std::vector<rank_t> front;
  std::vector<std::pair<T, rank_t>> vals;
  for (index_t i = 0; i < n; ++i) out[i] = T(0);
  index_t start = 0;
  while (start < n) {
    index_t stop = start + 1;
    while (stop < n && ranks[order[stop]] == ranks[order[start]]) ++stop;
    const size_t len = size_t(stop - start);
    for (int j = 0; j < m; ++j) {
      // the front's (value, row) pairs sorted by value, then row (-0.0 and 0.0 tie)
      if (len < 1024) {
        vals.resize(len);
        for (size_t t = 0; t < len; ++t) {
          const rank_t row = order[size_t(start) + t];
          vals[t] = {pts[index_t(row) * m + j], row};
        }
        std::sort(vals.begin(), vals.end());
      } else {
        front.assign(order.begin() + start, order.begin() + stop);
        detail::sort_rows_by_columns(pts, m, front, j, j + 1);
        vals.resize(len);
        for (size_t t = 0; t < len; ++t) vals[t] = {pts[index_t(front[t]) * m + j], front[t]};
      }
      const T range = vals[len - 1].first - vals[0].first;
      for (size_t t = 1; t + 1 < len; ++t) {
        out[vals[t].second] += crowding_term(vals[t - 1].first, vals[t + 1].first, range);
      }
      out[vals[0].second] = inf;
      out[vals[len - 1].second] = inf;
    }
    start = stop;
  }
}

}  // namespace pareto
}  // namespace tradeoff
