// tradeoff/hv/wfg.hpp: exact hypervolume and exclusive contributions for many objectives
// (used for m >= 5; correct for any m >= 1), host only.
//
//   volume_wfg(p, n, m, ref)             the volume dominated by the n points, bounded by ref
//   contributions_wfg(p, n, m, ref, out) out[i] = HV(P) - HV(P without point i)
//
// Algorithm: WFG (While, Bradstreet & Barone, "A fast way of calculating exact hypervolumes",
// IEEE TEVC 16(1), 2012). Sort the points by the last objective z; the volume is the sum of
// each point's exclusive volume with respect to the points before it,
//     HV(S) = sum_i (ref_z - z_i) * (vol([s_i, ref)) - HV'(limit set of s_i)),
// where the limit set {max(s_j, s_i) : j < i} is taken on the other m - 1 objectives (its z
// would all be z_i) and its volume HV' comes from the same recursion in m - 1 objectives.
// What this implementation adds to the paper (each measured on sphere and random fronts):
//  * Candidates from a front: only the points on the (m-1)-objective front F of the points
//    before s_i can give nondominated limit points, so each level keeps F (s_i enters, what
//    its projection weakly dominates leaves), column-major and sorted by the objective the
//    next level sweeps, so that limit sets come out in the order the next level needs.
//  * Bounding: a candidate worse than s_i in one objective c only covers the part of s_i's
//    box where x_c >= f_c, so the smallest such f_c becomes the bound of the box in c, and
//    every candidate at or past a bound drops out (two branch-free SIMD passes over F). On
//    fronts this removes most candidates and leaves the next level a smaller box.
//  * Light filtering: the limit set is not reduced to its nondominated points. Large ones
//    lose what the 2-D staircases of their two-objective candidates cover; the rest of the
//    dominated points cost the next level one pass over its front each, which measured
//    cheaper than WFG's full filter.
//  * Sweep choice: each limit set is swept along the objective in which most of its points
//    lie above s_i (25-30% faster than a fixed objective on 4-objective limit sets).
//  * Base cases: 4 objectives by this recursion written out for small sets (a 3-D front in
//    SIMD columns, the same bounding, 0-3 remaining points by inclusion-exclusion, more by a
//    3-D sweep), 2 and 3 objectives by sweeps; large sets go to volume4d (hv4d.hpp, HV4D+)
//    and volume3d (low.hpp). detail_wfg::base_volume is the one place where they are chosen.
//
// Contributions: out[i] = vol([p_i, ref)) - HV(limit set of p_i against all other points), the
// limit set (all m objectives) built and bounded as above and measured by the same recursion;
// a point weakly dominated by another one (a copy included) gets 0 at once. O(n^2 m) to build
// the n limit sets plus n volumes of (bounded, usually small) m-objective sets: against the
// peers' n + 1 full hypervolumes (moocore), 50x faster at m = 5, n = 200 and 360x at m = 6.
//
// Complexity: the work is exponential in m. WFG's worst case is O(n^(m-1)) (Lacour, Klamroth
// & Fonseca 2017); on real fronts the limit sets are far smaller than n. Measured on one core
// (points on the positive unit sphere, the hardest of the usual test sets, ref = 1.1), about
// one second is reached near m = 5: n = 40000, m = 6: n = 13000, m = 7: n = 3000,
// m = 8: n = 800, m = 9: n = 350, m = 10: n = 170; random nondominated sets run 3-5x faster.
// One problem runs on one thread (batches run problems on several threads); the outer loop of
// a level is a sum of independent exclusive volumes and would split across threads, each
// rebuilding F for its share of the points.
//
// Contract (as every kernel under hv/): row-major double points, minimization, every point
// strictly below ref in every coordinate and finite (the dispatcher in ../hypervolume.hpp
// filters the others out), n < 2^31 (rows are indexed by int32); duplicates, dominated points
// and ties are allowed and handled exactly. Sums over points use CompensatedSum; an exclusive
// volume is a box minus a volume, so the relative error is a few ulps times (sum of the
// boxes) / HV: tested at 1e-12 relative (exact on integer grids). Thread-safe: scratch memory
// is per thread (thread_local, freed after calls with n * m > 2^20). Throws nothing but
// std::bad_alloc.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "../config.hpp"
#include "../numeric_hd.hpp"
#include "hv4d.hpp"
#include "low.hpp"

namespace tradeoff {
namespace hv {

namespace detail_wfg {

using mask_t = std::uint64_t;  // bit c set for each free objective c (see limit_set; dl <= 64)

template <class T>
inline void grow(std::vector<T>& v, size_t size) {
  if (v.size() < size) v.resize(size);
}

// Portable SIMD for the branch-free passes over a front: GCC/Clang vector extensions of two
// doubles (one SSE2 instruction per operation on baseline x86-64, NEON on ARM); a scalar loop
// does the rest. Measured here: 1.4x faster than the scalar loop on the 4-D level.
// Build with -DTRADEOFF_WFG_VECTOR=0 to test the scalar path.
#if !defined(TRADEOFF_WFG_VECTOR)
#if defined(__GNUC__) && !defined(__CUDACC__)
#define TRADEOFF_WFG_VECTOR 1
#else
#define TRADEOFF_WFG_VECTOR 0
#endif
#endif
#if TRADEOFF_WFG_VECTOR
typedef double v2d __attribute__((vector_size(16)));
typedef long long v2i __attribute__((vector_size(16)));
inline v2d vload(const double* p) {
  v2d v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline v2d vsplat(double x) { return v2d{x, x}; }
inline v2i vgt(v2d a, v2d b) { return (v2i)(a > b); }  // all ones where true
inline v2i vge(v2d a, v2d b) { return (v2i)(a >= b); }
inline v2d vsel(v2i m, v2d a, v2d b) { return (v2d)((m & (v2i)a) | (~m & (v2i)b)); }
inline v2d vmin(v2d a, v2d b) { return vsel(vgt(b, a), a, b); }
#endif

// The two hot kernels (limit_set, volume4_sorted) are also compiled for AVX2 and picked at load
// time, as in pareto.hpp (about 15% faster here). Define TRADEOFF_WFG_CLONES empty to turn
// this off (ThreadSanitizer builds need it: the clone resolver runs before TSan starts).
#if !defined(TRADEOFF_WFG_CLONES)
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__CUDACC__)
#define TRADEOFF_WFG_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define TRADEOFF_WFG_CLONES
#endif
#endif

// Scratch for one recursion depth, sized once per call of `level` and reused from one point
// to the next (and by later calls at the same depth).
struct Level {
  std::vector<double> in;          // this depth's points (row-major), written by the caller
  std::vector<double> ref;         // and its reference point (the caller's bound)
  std::vector<double> cols;        // the front F, column-major (objective c at c * cap); in
                                   // `level` ascending in its last objective
  std::vector<std::int32_t> idx;   // F entries that step 1 leaves
  std::vector<double> cand;        // their limit points (row-major)
  std::vector<mask_t> cmask;
  std::vector<std::int32_t> cpop, cgroup;
  // step 2: the candidates with two free objectives, grouped by mask; group h holds the
  // entries gstart[h] .. gstart[h] + gsize[h] of slot (candidate ids), pair_a and pair_b
  // (their values in the two objectives ga[h] < gb[h])
  std::vector<mask_t> gmask;
  std::vector<std::int32_t> gstart, gsize, ga, gb;
  std::vector<std::int32_t> slot;
  std::vector<double> pair_a, pair_b;
  std::vector<std::int32_t> table;  // free mask -> group, valid where table_stamp == stamp
  std::vector<std::uint32_t> table_stamp;
  std::uint32_t stamp = 0;
  std::vector<std::pair<double, std::int32_t>> sort_keys;
  std::vector<double> sort_tmp;
  std::vector<double> stair;       // 3-objective base: the 2-D staircase
};

// One Level per recursion depth, created up front (references to levels stay valid while
// deeper calls run), and the input's sort order.
struct Workspace {
  std::vector<Level> levels;
  std::vector<std::int32_t> rows;
  Level& at(int depth) { return levels[size_t(depth)]; }
};

// The calling thread's workspace, kept between calls: batches of small sets then allocate
// nothing (20-30% faster at n = 10). Each thread has its own, so calls stay thread-safe.
inline Workspace& thread_workspace(int m) {
  thread_local Workspace ws;
  if (ws.levels.size() < size_t(m) + 2) ws.levels.resize(size_t(m) + 2);
  return ws;
}

// Frees the workspace after a large call rather than holding its memory in the thread.
inline void trim(Workspace& ws, index_t n, int m) {
  if (n * index_t(m) > (index_t(1) << 20)) ws = Workspace();
}

constexpr int kTableBits = 12;  // free masks of up to 12 objectives index the group table
constexpr index_t kFilterFrom = 80;  // limit_set runs its step 2 above this many candidates

inline double box(const double* s, int d, const double* ref) {
  double v = 1.0;
  for (int c = 0; c < d; ++c) v *= ref[c] - s[c];
  return v;
}

// 2 objectives, points ascending in y: the slab [y_i, y_{i+1}) is covered from the smallest x
// seen so far to ref_x. O(k).
inline double volume2_sorted(const double* s, index_t k, const double* ref) {
  CompensatedSum area;
  double min_x = ref[0];
  for (index_t i = 0; i < k; ++i) {
    const double x = s[2 * i];
    min_x = x < min_x ? x : min_x;
    const double y_next = i + 1 < k ? s[2 * i + 3] : ref[1];
    area.add((ref[0] - min_x) * (y_next - s[2 * i + 1]));
  }
  return area.value();
}

// 3 objectives, points ascending in z: the sweep of Beume, Fonseca, Lopez-Ibanez, Paquete &
// Vahrenhold (2009) with the 2-D staircase of the points seen so far in a flat array
// (x strictly ascending, y strictly descending), the fastest layout for the small sets of the
// recursion: O(k log k) searches plus O(k^2) element moves in the worst case.
inline double volume3_sorted(const double* s, index_t k, const double* ref,
                             std::vector<double>& stair_buf) {
  grow(stair_buf, size_t(2 * k + 2));
  double* st = stair_buf.data();  // st[2t] = x, st[2t+1] = y
  index_t len = 0;
  CompensatedSum volume;
  double area = 0.0;  // area under the staircase: a sum of positive terms
  for (index_t i = 0; i < k; ++i) {
    const double x = s[3 * i], y = s[3 * i + 1], z = s[3 * i + 2];
    index_t lo = 0, hi = len;  // first entry with x' > x
    while (lo < hi) {
      const index_t mid = (lo + hi) / 2;
      if (st[2 * mid] <= x) lo = mid + 1; else hi = mid;
    }
    const index_t pos = lo;
    if (!(pos > 0 && st[2 * (pos - 1) + 1] <= y)) {  // not under the staircase
      // entries from `first` on with y' >= y are covered by (x, y); an entry with x' == x is
      // at pos - 1 (its y' > y) and is covered too
      const index_t first = (pos > 0 && st[2 * (pos - 1)] == x) ? pos - 1 : pos;
      double top = first > 0 ? st[2 * (first - 1) + 1] : ref[1];
      double left = x, added = 0.0;
      index_t last = first;
      while (last < len && st[2 * last + 1] >= y) {
        added += (st[2 * last] - left) * (top - y);
        left = st[2 * last];
        top = st[2 * last + 1];
        ++last;
      }
      added += ((last < len ? st[2 * last] : ref[0]) - left) * (top - y);
      area += added;
      const index_t removed = last - first;  // entries [first, last) become (x, y)
      if (removed != 1) {
        std::memmove(st + 2 * (first + 1), st + 2 * last,
                     sizeof(double) * size_t(2 * (len - last)));
        len += 1 - removed;
      }
      st[2 * first] = x;
      st[2 * first + 1] = y;
    }
    const double z_next = i + 1 < k ? s[3 * i + 5] : ref[2];
    volume.add(area * (z_next - z));
  }
  return volume.value();
}

// Sorts the k rows (width w) of a ascending in column `key` (ties in any order).
inline void sort_rows(double* a, index_t k, int w, int key, Level& lv) {
  if (k <= 16) {  // insertion sort, moving whole rows
    double row_small[64];
    std::vector<double> row_big;
    double* row = row_small;
    if (w > 64) {
      row_big.resize(size_t(w));
      row = row_big.data();
    }
    for (index_t i = 1; i < k; ++i) {
      if (!(a[i * w + key] < a[(i - 1) * w + key])) continue;
      std::memcpy(row, a + i * w, sizeof(double) * size_t(w));
      index_t j = i;
      while (j > 0 && row[key] < a[(j - 1) * w + key]) {
        std::memcpy(a + j * w, a + (j - 1) * w, sizeof(double) * size_t(w));
        --j;
      }
      std::memcpy(a + j * w, row, sizeof(double) * size_t(w));
    }
    return;
  }
  grow(lv.sort_keys, size_t(k));
  grow(lv.sort_tmp, size_t(k * w));
  std::pair<double, std::int32_t>* keys = lv.sort_keys.data();
  for (index_t i = 0; i < k; ++i) keys[i] = {a[i * w + key], std::int32_t(i)};
  using Key = std::pair<double, std::int32_t>;
  std::sort(keys, keys + k, [](const Key& x, const Key& y) { return x.first < y.first; });
  double* tmp = lv.sort_tmp.data();
  for (index_t i = 0; i < k; ++i)
    std::memcpy(tmp + i * w, a + index_t(keys[i].second) * w, sizeof(double) * size_t(w));
  std::memcpy(a, tmp, sizeof(double) * size_t(k * w));
}

inline int lowest_bit(mask_t x) { return __builtin_ctzll(x); }

// Sizes every buffer of `lv` for fronts of up to cap entries in dl objectives, and `out` for
// the limit sets they produce.
inline void prepare(Level& lv, index_t cap, int dl, std::vector<double>& out) {
  const size_t c = size_t(cap), w = size_t(dl);
  grow(lv.cols, c * w);
  grow(lv.idx, c);
  grow(lv.cand, c * w);
  grow(lv.cmask, c);
  grow(lv.cpop, c);
  grow(lv.cgroup, c);
  grow(lv.gmask, c);
  grow(lv.gstart, c);
  grow(lv.gsize, c);
  grow(lv.ga, c);
  grow(lv.gb, c);
  grow(lv.slot, c);
  grow(lv.pair_a, c);
  grow(lv.pair_b, c);
  if (dl <= kTableBits) {
    grow(lv.table, size_t(1) << dl);
    grow(lv.table_stamp, size_t(1) << dl);
  }
  grow(out, (c + w) * w);
}

// Step 2 on a group of two free objectives a < b: its survivors are a 2-D staircase, their
// values in a and b stored in va, vb (ascending in a, so descending in b) and their candidate
// ids in slot. True when one of them weakly dominates (la, lb).
inline bool pair_dominates(const double* va, const double* vb, index_t size, double la, double lb) {
  index_t lo = 0;  // rows with va <= la
  if (size > 8) {
    index_t hi = size;
    while (lo < hi) {
      const index_t mid = (lo + hi) / 2;
      if (va[mid] <= la) lo = mid + 1; else hi = mid;
    }
  } else {
    while (lo < size && va[lo] <= la) ++lo;
  }
  return lo > 0 && vb[lo - 1] <= lb;
}

// Inserts candidate u with values (la, lb), dominated by no row, removing the rows it dominates.
inline void pair_insert(double* va, double* vb, std::int32_t* slot, std::int32_t& size, double la,
                        double lb, index_t u) {
  index_t first = 0;
  while (first < size && va[first] < la) ++first;
  index_t last = first;
  while (last < size && vb[last] >= lb) ++last;
  if (last == first) {  // open a gap (groups are small: plain loops beat memmove calls)
    for (index_t j = size; j > first; --j) {
      va[j] = va[j - 1];
      vb[j] = vb[j - 1];
      slot[j] = slot[j - 1];
    }
    ++size;
  } else if (last > first + 1) {  // close the gap left by the removed rows
    index_t w = first + 1;
    for (index_t j = last; j < size; ++j, ++w) {
      va[w] = va[j];
      vb[w] = vb[j];
      slot[w] = slot[j];
    }
    size = std::int32_t(w);
  }
  va[first] = la;
  vb[first] = lb;
  slot[first] = std::int32_t(u);
}

// Volume of k <= 3 points in 3 objectives by inclusion-exclusion (dominated and repeated
// points allowed).
inline double volume3_few(const double* p, index_t k, const double* u) {
  auto box3 = [u](double x, double y, double z) { return (u[0] - x) * (u[1] - y) * (u[2] - z); };
  auto mx = [](double a, double b) { return a > b ? a : b; };
  if (k <= 0) return 0.0;
  const double* a = p;
  if (k == 1) return box3(a[0], a[1], a[2]);
  const double* b = p + 3;
  const double ab = box3(mx(a[0], b[0]), mx(a[1], b[1]), mx(a[2], b[2]));
  if (k == 2) return box3(a[0], a[1], a[2]) + box3(b[0], b[1], b[2]) - ab;
  const double* c = p + 6;
  const double ac = box3(mx(a[0], c[0]), mx(a[1], c[1]), mx(a[2], c[2]));
  const double bc = box3(mx(b[0], c[0]), mx(b[1], c[1]), mx(b[2], c[2]));
  const double abc =
      box3(mx(mx(a[0], b[0]), c[0]), mx(mx(a[1], b[1]), c[1]), mx(mx(a[2], b[2]), c[2]));
  return box3(a[0], a[1], a[2]) + box3(b[0], b[1], b[2]) + box3(c[0], c[1], c[2]) - ab - ac -
         bc + abc;
}

// 4 objectives, points ascending in w (objective 3): the recursion's level for d = 4 written
// out for small sets. Each point's exclusive volume against the 3-D front F of the points
// before it is vol([p, u)) - HV3(limit points; u), where u lowers ref by the thresholds of
// the one-free candidates (see limit_set); what remains is usually 0-3 points, measured by
// inclusion-exclusion, else swept. O(k * |F|) plus the few larger remainders.
template <class = void>  // a template, so that the clones live in one COMDAT per program
TRADEOFF_WFG_CLONES double volume4_sorted(const double* s, index_t n, const double* ref,
                                          Level& lv) {
  const index_t cap = n + 4;
  grow(lv.cols, size_t(3 * cap));
  grow(lv.cand, size_t(3 * n));
  double* fx = lv.cols.data();  // the front, one column per objective
  double* fy = fx + cap;
  double* fz = fy + cap;
  double* cand = lv.cand.data();
  const double inf = std::numeric_limits<double>::infinity();
  index_t nf = 0;
  CompensatedSum volume;
  for (index_t i = 0; i < n; ++i) {
    const double* p = s + 4 * i;
    const double px = p[0], py = p[1], pz = p[2];
    double excl;
    if (nf == 0) {
      excl = (ref[0] - px) * (ref[1] - py) * (ref[2] - pz);
    } else {
      double t0 = inf, t1 = inf, t2 = inf;
      bool covered = false, leaving = false;
      index_t t = 0;
#if TRADEOFF_WFG_VECTOR
      {
        const v2d vpx = vsplat(px), vpy = vsplat(py), vpz = vsplat(pz), vinf = vsplat(inf);
        v2d m0 = vinf, m1 = vinf, m2 = vinf;
        v2i cov = v2i{0, 0}, leave = cov;
        for (; t + 2 <= nf; t += 2) {
          const v2d x = vload(fx + t), y = vload(fy + t), z = vload(fz + t);
          const v2i gx = vgt(x, vpx), gy = vgt(y, vpy), gz = vgt(z, vpz);
          cov |= ~(gx | gy | gz);
          leave |= vge(x, vpx) & vge(y, vpy) & vge(z, vpz);
          m0 = vmin(m0, vsel(gx & ~gy & ~gz, x, vinf));
          m1 = vmin(m1, vsel(~gx & gy & ~gz, y, vinf));
          m2 = vmin(m2, vsel(~gx & ~gy & gz, z, vinf));
        }
        for (int j = 0; j < 2; ++j) {
          covered = covered || cov[j] != 0;
          leaving = leaving || leave[j] != 0;
          t0 = m0[j] < t0 ? m0[j] : t0;
          t1 = m1[j] < t1 ? m1[j] : t1;
          t2 = m2[j] < t2 ? m2[j] : t2;
        }
      }
#endif
      for (; t < nf; ++t) {  // pass 1 (what the vector loop left)
        const double x = fx[t], y = fy[t], z = fz[t];
        const bool gx = x > px, gy = y > py, gz = z > pz;
        covered = covered || !(gx || gy || gz);
        leaving = leaving || (x >= px && y >= py && z >= pz);
        const double v0 = (gx && !gy && !gz) ? x : inf;
        const double v1 = (!gx && gy && !gz) ? y : inf;
        const double v2 = (!gx && !gy && gz) ? z : inf;
        t0 = v0 < t0 ? v0 : t0;
        t1 = v1 < t1 ? v1 : t1;
        t2 = v2 < t2 ? v2 : t2;
      }
      if (covered) continue;  // weakly dominated: no volume, F unchanged
      const double u[3] = {t0 < ref[0] ? t0 : ref[0], t1 < ref[1] ? t1 : ref[1],
                           t2 < ref[2] ? t2 : ref[2]};
      index_t k = 0;
      for (t = 0; t < nf; ++t) {  // the limit points inside [p, u)
        const double x = fx[t], y = fy[t], z = fz[t];
        cand[3 * k] = x > px ? x : px;
        cand[3 * k + 1] = y > py ? y : py;
        cand[3 * k + 2] = z > pz ? z : pz;
        k += (x < u[0]) & (y < u[1]) & (z < u[2]);
      }
      excl = (u[0] - px) * (u[1] - py) * (u[2] - pz);
      if (k <= 3) {
        excl -= volume3_few(cand, k, u);
      } else {
        sort_rows(cand, k, 3, 2, lv);
        excl -= volume3_sorted(cand, k, u, lv.stair);
      }
      if (leaving) {  // F loses the entries p weakly dominates
        index_t w = 0;
        for (t = 0; t < nf; ++t) {
          const double x = fx[t], y = fy[t], z = fz[t];
          fx[w] = x;
          fy[w] = y;
          fz[w] = z;
          w += (x < px) | (y < py) | (z < pz);
        }
        nf = w;
      }
    }
    volume.add((ref[3] - p[3]) * excl);
    fx[nf] = px;
    fy[nf] = py;
    fz[nf] = pz;
    ++nf;
  }
  return volume.value();
}

// The exclusive volume of s against the nf candidates stored column-major in cols (objective c
// of candidate t at cols[c * cap + t]), in the first dl objectives, reduced to a smaller
// problem: exclusive volume = vol([s, bound)) - HV(out; reference point bound), where `out`
// (written row-major, sized by prepare, ascending in objective dl - 1) is what remains of the
// limit set {max(f, s) : f a candidate} after the filtering below. Returns the size of out, or
// -1 when a candidate weakly dominates s (the exclusive volume is then 0). Sets *leaving when
// s weakly dominates a candidate. DL is dl when known at compile time, else 0.
//
// With free(f) = {c : f_c > s_c} (the limit point equals s elsewhere):
// max(f, s) <= max(g, s) iff free(f) is a subset of free(g) and f_c <= g_c on free(f).
//  1. A candidate with one free objective c covers exactly the part of [s, ref) where
//     x_c >= f_c. So the smallest such f_c (th_c) lowers the bound: bound_c = min(th_c, ref_c),
//     and every candidate g with g_c >= th_c for some c lies outside [s, bound) and is
//     dropped. Two passes over the columns do this; on fronts it removes most candidates
//     (this bounding is what keeps the limit sets of the recursion small).
//  2. Above kFilterFrom remaining candidates, those with two free objectives a, b are grouped
//     by mask, each group is filtered to its 2-D staircase, and a candidate with more free
//     objectives is dropped when the staircase of one of its pairs covers it (a lookup and a
//     short search per pair). What is left may still hold dominated points: the next level
//     drops each at the cost of one pass over its front, which measured cheaper than complete
//     filtering here (and, below kFilterFrom candidates, cheaper than step 2 itself; tuned on
//     5- to 7-objective fronts, where the staircases catch most dominated candidates).
template <int DL>
TRADEOFF_WFG_CLONES index_t limit_set(const double* s, const double* cols, index_t cap, index_t nf,
                         const int dl_rt, const double* ref, Level& lv, double* out,
                         double* bound, bool* leaving) {
  const int dl = DL > 0 ? DL : dl_rt;  // 1 <= dl <= 64: masks are exact
  const double inf = std::numeric_limits<double>::infinity();
  double th[64];
  for (int c = 0; c < dl; ++c) th[c] = inf;
  bool covered = false, any_leaving = false;
  index_t t0 = 0;
#if TRADEOFF_WFG_VECTOR
  if (DL > 0) {  // pass 1, two candidates at a time
    v2d sc[DL > 0 ? DL : 1], m[DL > 0 ? DL : 1];
    for (int c = 0; c < DL; ++c) {
      sc[c] = vsplat(s[c]);
      m[c] = vsplat(inf);
    }
    v2i cov = v2i{0, 0}, leave = cov;
    for (; t0 + 2 <= nf; t0 += 2) {
      v2d x[DL > 0 ? DL : 1];
      v2i g[DL > 0 ? DL : 1];
      v2i none = ~v2i{0, 0}, all_ge = none;
      for (int c = 0; c < DL; ++c) {
        x[c] = vload(cols + c * cap + t0);
        g[c] = vgt(x[c], sc[c]);
        none &= ~g[c];
        all_ge &= vge(x[c], sc[c]);
      }
      cov |= none;
      leave |= all_ge;
      for (int c = 0; c < DL; ++c) {
        v2i single = g[c];
        for (int j = 0; j < DL; ++j)
          if (j != c) single &= ~g[j];
        m[c] = vmin(m[c], vsel(single, x[c], vsplat(inf)));
      }
    }
    for (int j = 0; j < 2; ++j) {
      covered = covered || cov[j] != 0;
      any_leaving = any_leaving || leave[j] != 0;
      for (int c = 0; c < DL; ++c) th[c] = m[c][j] < th[c] ? m[c][j] : th[c];
    }
  }
#endif
  for (index_t t = t0; t < nf; ++t) {  // pass 1: thresholds, covered and leaving tests
    int pop = 0, below = 0, last = 0;
    for (int c = 0; c < dl; ++c) {
      const double v = cols[c * cap + t];
      const bool g = v > s[c];
      pop += g;
      last = g ? c : last;
      below |= v < s[c];
    }
    covered = covered || pop == 0;
    any_leaving = any_leaving || !below;
    if (pop == 1) {
      const double v = cols[last * cap + t];
      th[last] = v < th[last] ? v : th[last];
    }
  }
  if (covered) return -1;
  *leaving = any_leaving;
  std::int32_t* idx = lv.idx.data();
  index_t n_cand = 0;
  t0 = 0;
#if TRADEOFF_WFG_VECTOR
  if (DL > 0) {  // pass 2, two at a time
    v2d tv[DL > 0 ? DL : 1];
    for (int c = 0; c < DL; ++c) tv[c] = vsplat(th[c]);
    for (; t0 + 2 <= nf; t0 += 2) {
      v2i dom = v2i{0, 0};
      for (int c = 0; c < DL; ++c) dom |= vge(vload(cols + c * cap + t0), tv[c]);
      idx[n_cand] = std::int32_t(t0);
      n_cand += 1 + dom[0];
      idx[n_cand] = std::int32_t(t0 + 1);
      n_cand += 1 + dom[1];
    }
  }
#endif
  for (index_t t = t0; t < nf; ++t) {  // pass 2: what no threshold dominates
    int dom = 0;
    for (int c = 0; c < dl; ++c) dom |= cols[c * cap + t] >= th[c];
    idx[n_cand] = std::int32_t(t);
    n_cand += 1 - dom;
  }
  index_t k = 0;
  if (n_cand <= kFilterFrom) {  // step 2 would cost more than it saves the next level
    for (index_t u = 0; u < n_cand; ++u) {
      const index_t t = idx[u];
      for (int c = 0; c < dl; ++c) {
        const double v = cols[c * cap + t];
        out[k * dl + c] = v > s[c] ? v : s[c];
      }
      ++k;
    }
  } else {
    // limit points, masks and counts; the candidates with two free objectives a < b go to
    // the group of their mask (found through the table, or by search past kTableBits)
    double* cand = lv.cand.data();
    mask_t* cmask = lv.cmask.data();
    std::int32_t* cpop = lv.cpop.data();
    std::int32_t* cgroup = lv.cgroup.data();
    mask_t* gmask = lv.gmask.data();
    std::int32_t* gstart = lv.gstart.data();
    std::int32_t* gsize = lv.gsize.data();
    std::int32_t* ga = lv.ga.data();
    std::int32_t* gb = lv.gb.data();
    const bool use_table = dl <= kTableBits;
    if (use_table && ++lv.stamp == 0) {  // stamps wrapped: forget every entry
      std::fill(lv.table_stamp.begin(), lv.table_stamp.end(), 0u);
      lv.stamp = 1;
    }
    std::int32_t* table = use_table ? lv.table.data() : nullptr;
    std::uint32_t* table_stamp = use_table ? lv.table_stamp.data() : nullptr;
    const std::uint32_t stamp = lv.stamp;
    index_t n_groups = 0;
    for (index_t u = 0; u < n_cand; ++u) {
      const index_t t = idx[u];
      std::int32_t pop = 0;
      mask_t mask = 0;
      for (int c = 0; c < dl; ++c) {
        const double v = cols[c * cap + t];
        cand[u * dl + c] = v > s[c] ? v : s[c];
        pop += v > s[c];
        mask |= mask_t(v > s[c]) << c;
      }
      cmask[u] = mask;
      cpop[u] = pop;
      if (pop != 2) continue;
      index_t gid = -1;
      if (use_table) {
        if (table_stamp[mask] == stamp) gid = table[mask];
      } else {
        for (index_t h = 0; h < n_groups && gid < 0; ++h) gid = gmask[h] == mask ? h : -1;
      }
      if (gid < 0) {
        gid = n_groups++;
        if (use_table) {
          table_stamp[mask] = stamp;
          table[mask] = std::int32_t(gid);
        }
        gmask[gid] = mask;
        gsize[gid] = 0;
        ga[gid] = lowest_bit(mask);
        gb[gid] = lowest_bit(mask & (mask - 1));
      }
      cgroup[u] = std::int32_t(gid);
      ++gsize[gid];
    }
    for (index_t h = 0, start = 0; h < n_groups; ++h) {
      gstart[h] = std::int32_t(start);
      start += gsize[h];
      gsize[h] = 0;
    }
    // each group's staircase
    std::int32_t* slot = lv.slot.data();
    double* pva = lv.pair_a.data();
    double* pvb = lv.pair_b.data();
    for (index_t u = 0; u < n_cand; ++u) {
      if (cpop[u] != 2) continue;
      const index_t h = cgroup[u];
      const double la = cand[u * dl + ga[h]], lb = cand[u * dl + gb[h]];
      double* va = pva + gstart[h];
      double* vb = pvb + gstart[h];
      if (!pair_dominates(va, vb, gsize[h], la, lb))
        pair_insert(va, vb, slot + gstart[h], gsize[h], la, lb, u);
    }
    // the survivors in candidate order (so ascending in objective dl - 1, as F is): the
    // staircase points, and the others no staircase of a pair of their free objectives covers
    std::int32_t* keep = cgroup;  // reused: cgroup is not needed past this point for pop != 2
    for (index_t u = 0; u < n_cand; ++u) keep[u] = cpop[u] == 2 ? 0 : 1;
    for (index_t h = 0; h < n_groups; ++h)
      for (index_t q = 0; q < gsize[h]; ++q) keep[slot[gstart[h] + q]] = 1;
    for (index_t u = 0; u < n_cand; ++u) {
      if (!keep[u]) continue;
      const double* l = cand + u * dl;
      const mask_t g = cmask[u];
      bool dominated = false;
      if (cpop[u] > 2) {
        if (use_table) {
          for (mask_t ra = g; ra && !dominated; ra &= ra - 1) {
            const int a = lowest_bit(ra);
            for (mask_t rb = ra & (ra - 1); rb && !dominated; rb &= rb - 1) {
              const int b = lowest_bit(rb);
              const mask_t pm = (mask_t(1) << a) | (mask_t(1) << b);
              if (table_stamp[pm] != stamp) continue;
              const index_t h = table[pm];
              dominated = pair_dominates(pva + gstart[h], pvb + gstart[h], gsize[h], l[a], l[b]);
            }
          }
        } else {
          for (index_t h = 0; h < n_groups && !dominated; ++h)
            if ((gmask[h] & ~g) == 0)
              dominated = pair_dominates(pva + gstart[h], pvb + gstart[h], gsize[h], l[ga[h]],
                                         l[gb[h]]);
        }
      }
      if (dominated) continue;
      for (int c = 0; c < dl; ++c) out[k * dl + c] = l[c];
      ++k;
    }
  }
  for (int c = 0; c < dl; ++c) bound[c] = th[c] < ref[c] ? th[c] : ref[c];
  return k;
}

// Picks the objective the next level sweeps: the one in which the most limit points are free
// (above s), moved last by swapping two columns of the rows and of the bound, then the rows
// re-sorted by it. Measured on 4-D limit sets of 5-D fronts: the next level runs 25-30% faster
// than when it sweeps a fixed objective (fewer points start tied at the bottom of the sweep).
inline void sweep_most_free(double* rows, index_t k, int dl, const double* s, double* bound,
                            Level& lv) {
  int best = dl - 1;
  index_t best_count = -1;
  for (int c = dl - 1; c >= 0; --c) {
    index_t count = 0;
    for (index_t i = 0; i < k; ++i) count += rows[i * dl + c] > s[c];
    if (count > best_count) {
      best_count = count;
      best = c;
    }
  }
  if (best == dl - 1) return;
  for (index_t i = 0; i < k; ++i) std::swap(rows[i * dl + best], rows[i * dl + dl - 1]);
  std::swap(bound[best], bound[dl - 1]);
  sort_rows(rows, k, dl, dl - 1, lv);
}

// limit_set for dl > 64 objectives (absurd sizes for an exponential algorithm, kept correct
// and simple): no bounding (bound = ref), every limit point against every other, O(nf^2 dl).
inline index_t limit_set_plain(const double* s, const double* cols, index_t cap, index_t nf,
                               int dl, const double* ref, Level& lv, double* out, double* bound,
                               bool* leaving) {
  for (int c = 0; c < dl; ++c) bound[c] = ref[c];
  grow(lv.cand, size_t(nf * dl));
  double* cand = lv.cand.data();
  *leaving = false;
  const double inf = std::numeric_limits<double>::infinity();
  index_t nc = 0;
  for (index_t t = 0; t < nf; ++t) {
    bool any_gt = false, any_lt = false, hidden = false;
    for (int c = 0; c < dl; ++c) {
      const double v = cols[c * cap + t];
      any_gt = any_gt || v > s[c];
      any_lt = any_lt || v < s[c];
      hidden = hidden || v == inf;  // a point contributions_wfg hides
      cand[nc * dl + c] = v > s[c] ? v : s[c];
    }
    if (!any_gt) return -1;
    *leaving = *leaving || !any_lt;
    nc += hidden ? 0 : 1;
  }
  nf = nc;
  double* o = out;
  index_t k = 0;
  for (index_t t = 0; t < nf; ++t) {
    const double* l = cand + t * dl;
    bool dominated = false;
    for (index_t u = 0; u < nf && !dominated; ++u) {
      if (u == t) continue;
      const double* w = cand + u * dl;
      bool le = true, lt = false;
      for (int c = 0; c < dl && le; ++c) {
        le = w[c] <= l[c];
        lt = lt || w[c] < l[c];
      }
      dominated = le && (lt || u < t);  // a repeated point: keep its first copy
    }
    if (dominated) continue;
    std::memcpy(o + k * dl, l, sizeof(double) * size_t(dl));
    ++k;
  }
  return k;
}

inline double volume_sorted(const double* s, index_t n, int d, const double* ref, Workspace& ws,
                            int depth);

// One level of the recursion: the volume of the n points s (d = DL + 1 objectives, row-major,
// strictly below ref) ascending in the last objective. Depth `depth` of the workspace is this
// call's scratch.
template <int DL>
inline double level(const double* s, index_t n, const int d, const double* ref, Workspace& ws,
                    int depth) {
  const int dl = DL > 0 ? DL : d - 1;
  Level& lv = ws.at(depth);
  Level& child = ws.at(depth + 1);
  const index_t cap = n;
  prepare(lv, cap, dl, child.in);
  grow(child.ref, size_t(dl));
  double* cols = lv.cols.data();  // the front F of the projections seen so far
  double* bound = child.ref.data();
  index_t nf = 0;
  CompensatedSum volume;
  const double z_ref = ref[d - 1];
  for (index_t i = 0; i < n; ++i) {
    const double* si = s + i * d;
    double excl;
    if (nf == 0) {
      excl = box(si, dl, ref);
    } else {
      bool leaving = false;
      double* out = child.in.data();
      const index_t k = dl <= 64
                            ? limit_set<DL>(si, cols, cap, nf, dl, ref, lv, out, bound, &leaving)
                            : limit_set_plain(si, cols, cap, nf, dl, ref, lv, out, bound, &leaving);
      if (k < 0) continue;  // weakly dominated: no volume, and F does not change
      excl = box(si, dl, bound);
      if (k > 2) sweep_most_free(child.in.data(), k, dl, si, bound, lv);
      excl -= volume_sorted(child.in.data(), k, dl, bound, ws, depth + 1);
      if (leaving) {  // F loses the entries si weakly dominates
        index_t w = 0;
        for (index_t t = 0; t < nf; ++t) {
          std::int64_t below = 0;
          for (int c = 0; c < dl; ++c) {
            const double v = cols[c * cap + t];
            below |= std::int64_t(v < si[c]);
            cols[c * cap + w] = v;
          }
          w += below;
        }
        nf = w;
      }
    }
    volume.add((z_ref - si[d - 1]) * excl);
    // insert si into F, which stays ascending in objective dl - 1: the limit sets then come
    // out in the order the next level needs
    const double* key_col = cols + (dl - 1) * cap;
    const double key = si[dl - 1];
    index_t lo = 0, hi = nf;
    while (lo < hi) {
      const index_t mid = (lo + hi) / 2;
      if (key_col[mid] <= key) lo = mid + 1; else hi = mid;
    }
    for (int c = 0; c < dl; ++c) {
      double* col = cols + c * cap;
      std::memmove(col + lo + 1, col + lo, sizeof(double) * size_t(nf - lo));
      col[lo] = si[c];
    }
    ++nf;
  }
  return volume.value();
}

// The base cases, d <= 4 objectives, points ascending in the last one: the one place where the
// lower-dimensional kernels are chosen. The recursion's own small-set kernels win on the
// bounded limit sets it produces (measured: 2x faster than volume4d up to 64+ points); the
// kernels of low.hpp and hv4d.hpp, O(n log n) and O(n^2), take large sets, which only a
// direct call with m <= 4 produces (`top` is true at depth 0).
inline double base_volume(const double* s, index_t n, int d, const double* ref, Level& lv,
                          bool top) {
  if (d == 1) return ref[0] - s[0];
  if (d == 2) return volume2_sorted(s, n, ref);
  if (d == 3) return n > 64 ? volume3d(s, n, ref) : volume3_sorted(s, n, ref, lv.stair);
  return n > (top ? 32 : 128) ? volume4d(s, n, ref) : volume4_sorted<>(s, n, ref, lv);
}

// Volume of the n points s (d objectives, row-major, strictly below ref), ascending in the
// last objective.
inline double volume_sorted(const double* s, index_t n, int d, const double* ref, Workspace& ws,
                            int depth) {
  if (n <= 0) return 0.0;
  if (n == 1) return box(s, d, ref);
  if (n == 2) {
    double both = 1.0;
    for (int c = 0; c < d; ++c) both *= ref[c] - (s[c] > s[d + c] ? s[c] : s[d + c]);
    return box(s, d, ref) + box(s + d, d, ref) - both;
  }
  if (d <= 4) return base_volume(s, n, d, ref, ws.at(depth), depth == 0);
  switch (d) {
    case 5: return level<4>(s, n, d, ref, ws, depth);
    case 6: return level<5>(s, n, d, ref, ws, depth);
    case 7: return level<6>(s, n, d, ref, ws, depth);
    case 8: return level<7>(s, n, d, ref, ws, depth);
    default: return level<0>(s, n, d, ref, ws, depth);
  }
}

// limit_set with the objective count known at compile time where it is small.
inline index_t limit_set_any(const double* s, const double* cols, index_t cap, index_t nf, int dl,
                             const double* ref, Level& lv, double* out, double* bound,
                             bool* leaving) {
  switch (dl) {
    case 2: return limit_set<2>(s, cols, cap, nf, dl, ref, lv, out, bound, leaving);
    case 3: return limit_set<3>(s, cols, cap, nf, dl, ref, lv, out, bound, leaving);
    case 4: return limit_set<4>(s, cols, cap, nf, dl, ref, lv, out, bound, leaving);
    case 5: return limit_set<5>(s, cols, cap, nf, dl, ref, lv, out, bound, leaving);
    case 6: return limit_set<6>(s, cols, cap, nf, dl, ref, lv, out, bound, leaving);
    case 7: return limit_set<7>(s, cols, cap, nf, dl, ref, lv, out, bound, leaving);
    default:
      return dl <= 64 ? limit_set<0>(s, cols, cap, nf, dl, ref, lv, out, bound, leaving)
                      : limit_set_plain(s, cols, cap, nf, dl, ref, lv, out, bound, leaving);
  }
}

// Row indices sorted by the last objective, ties lexicographically (so that a point comes
// before the points it weakly dominates), and the rows copied in that order into `sorted`.
inline void sort_by_last(const double* p, index_t n, int m, std::vector<std::int32_t>& rows,
                         std::vector<double>& sorted) {
  rows.resize(static_cast<size_t>(n));
  for (index_t i = 0; i < n; ++i) rows[size_t(i)] = std::int32_t(i);
  std::sort(rows.begin(), rows.end(), [p, m](std::int32_t a, std::int32_t b) {
    const double* pa = p + index_t(a) * m;
    const double* pb = p + index_t(b) * m;
    if (pa[m - 1] != pb[m - 1]) return pa[m - 1] < pb[m - 1];
    for (int c = 0; c < m - 1; ++c)
      if (pa[c] != pb[c]) return pa[c] < pb[c];
    return a < b;
  });
  grow(sorted, static_cast<size_t>(n) * size_t(m));
  for (index_t i = 0; i < n; ++i)
    std::memcpy(sorted.data() + i * m, p + index_t(rows[size_t(i)]) * m,
                sizeof(double) * size_t(m));
}

}  // namespace detail_wfg

// Hypervolume of n points in m >= 1 objectives (see the header comment).
inline double volume_wfg(const double* p, index_t n, int m, const double* ref) {
  if (n <= 0 || m <= 0) return 0.0;
  detail_wfg::Workspace& ws = detail_wfg::thread_workspace(m);
  detail_wfg::sort_by_last(p, n, m, ws.rows, ws.at(0).in);
  const double v = detail_wfg::volume_sorted(ws.at(0).in.data(), n, m, ref, ws, 0);
  detail_wfg::trim(ws, n, m);
  return v;
}

// Exclusive contribution of each of n points in m >= 1 objectives: out[i] = HV(P) -
// HV(P without point i) = vol([p_i, ref)) - HV(limit set of p_i against the other points).
// Each limit set is built and filtered as in the recursion (all m objectives kept) and
// measured by it; a point weakly dominated by another one (a copy included) gets 0 at once.
// O(n^2 m) to build the limit sets plus n volumes of (bounded, usually small) limit sets.
inline void contributions_wfg(const double* p, index_t n, int m, const double* ref, double* out) {
  if (n <= 0) return;
  if (m <= 0) {
    for (index_t i = 0; i < n; ++i) out[i] = 0.0;
    return;
  }
  detail_wfg::Workspace& ws = detail_wfg::thread_workspace(m + 1);
  detail_wfg::Level& lv = ws.at(0);
  detail_wfg::Level& child = ws.at(1);
  std::vector<std::int32_t>& rows = ws.rows;
  detail_wfg::sort_by_last(p, n, m, rows, lv.in);  // limit sets then come out sorted
  const double* s = lv.in.data();
  detail_wfg::prepare(lv, n, m, child.in);
  detail_wfg::grow(child.ref, size_t(m));
  double* cols = lv.cols.data();
  for (index_t t = 0; t < n; ++t)
    for (int c = 0; c < m; ++c) cols[c * n + t] = s[t * m + c];
  const double inf = std::numeric_limits<double>::infinity();
  double* bound = child.ref.data();
  for (index_t i = 0; i < n; ++i) {
    const double* si = s + i * m;
    // hide point i from its own limit set: +inf is past every threshold, so dropped at once
    for (int c = 0; c < m; ++c) cols[c * n + i] = inf;
    bool leaving = false;
    const index_t k =
        detail_wfg::limit_set_any(si, cols, n, n, m, ref, lv, child.in.data(), bound, &leaving);
    double v = 0.0;
    if (k >= 0) {
      v = detail_wfg::box(si, m, bound);
      if (k > 2) detail_wfg::sweep_most_free(child.in.data(), k, m, si, bound, lv);
      v -= detail_wfg::volume_sorted(child.in.data(), k, m, bound, ws, 1);
    }
    out[rows[size_t(i)]] = v > 0.0 ? v : 0.0;
    for (int c = 0; c < m; ++c) cols[c * n + i] = si[c];
  }
  detail_wfg::trim(ws, n, m);
}

}  // namespace hv
}  // namespace tradeoff
