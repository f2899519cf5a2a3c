// tradeoff/hypervolume_hd.hpp: hypervolume bodies for ONE small point set (m = 1..4), run by a
// CPU loop and by a GPU thread alike.
//
// What they compute (minimization, reference point `ref`, every point row-major with m values):
//   volume          the Lebesgue measure of the union of the boxes [p, ref] over the points p
//                   that lie strictly below ref in every coordinate (the others are ignored).
//   improvement(c)  the volume that candidate c would add: vol([c, ref]) minus the volume of the
//                   "limit set" {max(p, c)} (each point clipped to c's box). 0 when c is not
//                   strictly below ref or when some point weakly dominates it (p <= c).
//   contribution(i) the exclusive contribution of point i: the improvement of p_i over the set
//                   without one copy of p_i. Duplicates and dominated points get 0.
//
// Algorithm: dimension sweeps (the textbook "slice along the last objective" scheme, as in
// While, Bradstreet and Barone's HSO and in the 3-D sweep of Beume, Fonseca, Lopez-Ibanez,
// Paquete and Vahrenhold, "On the complexity of computing the hypervolume indicator", 2009),
// written for small n on flat arrays, no allocation and no recursion:
//   * `prepare` copies the points strictly below ref and sorts them by the last coordinate
//     (stable insertion sort; on the GPU `prepared_position` computes the same order with one
//     thread per point by counting).
//   * m = 2: one pass over the y-sorted rows keeping the smallest x seen.          O(n)
//   * m = 3: the rows by z; a 2-D staircase (x ascending, y descending, mutually
//     non-dominated) kept in two arrays; each insertion finds its place by a linear scan and
//     returns the area it adds (Beume et al.'s sweep with an array instead of a tree).
//                                                                    O(n * s), s = staircase size
//   * m = 4: the rows by w; the 3-D non-dominated set S kept sorted by z; each new point adds
//     its exclusive 3-D contribution to S (the m = 3 improvement), then joins S (as in HV4D,
//     Guerreiro and Fonseca, with a quadratic 3-D step).          O(n^2 * s) worst, n <= ~200
//   * improvement(c): the same sweeps over the limit set, accumulating the UNCOVERED measure of
//     c's box slice by slice, so that every term is non-negative and a small improvement keeps
//     its relative precision (no "box minus covered" cancellation). With prepared rows the
//     limit set is still sorted (max(., c) is monotone), so it costs one sweep, no sort.
// Every sum of many terms goes through CompensatedSum (numeric_hd.hpp).
//
// Sizes: these bodies are quadratic in n (and cubic at worst for m = 4); they are meant for
// sets of up to a few hundred points (batched Bayesian optimization: 1e4 sets of 50 points).
// The general O(n log n) kernels are in hv/ (CPU) and take over for large sets.
//
// Workspace: the caller passes it; nothing here allocates, recurses or throws, so a GPU thread
// runs these with a slice of a global buffer. Sizes in doubles:
//   scratch_size(n, m)  for the *_prepared bodies (0 for m <= 2, 2n for m = 3, 5n for m = 4)
//   work_size(n, m)     for the one-call wrappers (the prepared rows n*m + scratch_size)
// Preconditions: 1 <= m <= 4 (else the bodies return NaN), no NaN in the input (the Python
// layer rejects NaN); infinities give infinite or NaN volumes.
//
// Used by: cuda/hypervolume.cu (every GPU hypervolume kernel), the CPU batch driver for small
// sets, cpp/tests/test_hypervolume_hd.cpp (host tests of these exact functions).
#pragma once

#include "config.hpp"
#include "numeric_hd.hpp"

namespace tradeoff {
namespace hv {
namespace hd {

// Largest m these bodies handle.
constexpr int kMaxDim = 4;

TRADEOFF_HD inline bool dim_supported(int m) { return m >= 1 && m <= kMaxDim; }

// Doubles of scratch the *_prepared bodies need for a set of n points in m objectives.
TRADEOFF_HD inline index_t scratch_size(index_t n, int m) {
  return m == 3 ? 2 * n : (m == 4 ? 5 * n : 0);
}

// Doubles of workspace the one-call wrappers (volume, contributions, improvements) need.
TRADEOFF_HD inline index_t work_size(index_t n, int m) { return n * m + scratch_size(n, m); }

namespace detail {

TRADEOFF_HD inline double dmax(double a, double b) { return a < b ? b : a; }

TRADEOFF_HD inline double not_a_number() {
  const double zero = 0.0;
  return zero / zero;
}

// p < ref in every coordinate (false for NaN).
template <int M>
TRADEOFF_HD inline bool strictly_below(const double* p, const double* ref) {
  for (int j = 0; j < M; ++j) {
    if (!(p[j] < ref[j])) return false;
  }
  return true;
}

// a <= b in every coordinate (a weakly dominates b; equal points included).
template <int M>
TRADEOFF_HD inline bool weakly_dominates(const double* a, const double* b) {
  for (int j = 0; j < M; ++j) {
    if (a[j] > b[j]) return false;
  }
  return true;
}

template <int M>
TRADEOFF_HD inline bool equal_rows(const double* a, const double* b) {
  for (int j = 0; j < M; ++j) {
    if (!(a[j] == b[j])) return false;
  }
  return true;
}

// Volume of the box [lo, ref] in the first D coordinates.
template <int D>
TRADEOFF_HD inline double box_volume(const double* lo, const double* ref) {
  double v = 1.0;
  for (int j = 0; j < D; ++j) v *= ref[j] - lo[j];
  return v;
}

// ---------------------------------------------------------------------------------------------
// The 2-D staircase: points (sx[t], sy[t]), t < s, with sx strictly ascending and sy strictly
// descending (mutually non-dominated), held in two caller arrays of capacity >= the number of
// insertions.

// Inserts (px, py) and removes the points it weakly dominates. Returns false (and changes
// nothing) when a staircase point weakly dominates it. When inserted, *gain is the area that
// (px, py) adds to the region the staircase dominates inside the box bounded by (rx, ry).
TRADEOFF_HD inline bool stair_insert(double* sx, double* sy, index_t& s, double px, double py,
                                     double rx, double ry, double* gain) {
  index_t a = 0;  // first point with sx >= px; the ones before have sx < px
  while (a < s && sx[a] < px) ++a;
  if (a > 0 && sy[a - 1] <= py) return false;                // left neighbour dominates
  if (a < s && sx[a] == px && sy[a] <= py) return false;     // same x, lower or equal y
  index_t b = a;  // [a, b): points with sx >= px and sy >= py, dominated by the new one
  while (b < s && sy[b] >= py) ++b;
  // The new area, column by column: between px and the right end the staircase covers down to
  // the y of the last point left of the column; the new point covers down to py.
  double area = 0.0;
  double x = px;
  double h = (a > 0 ? sy[a - 1] : ry) - py;
  for (index_t t = a; t < b; ++t) {
    area += (sx[t] - x) * h;
    x = sx[t];
    h = sy[t] - py;
  }
  area += ((b < s ? sx[b] : rx) - x) * h;
  *gain = area;
  // Replace [a, b) by the new point.
  const index_t removed = b - a;
  if (removed == 0) {
    for (index_t t = s; t > a; --t) {
      sx[t] = sx[t - 1];
      sy[t] = sy[t - 1];
    }
    ++s;
  } else if (removed > 1) {
    const index_t shift = removed - 1;
    for (index_t t = b; t < s; ++t) {
      sx[t - shift] = sx[t];
      sy[t - shift] = sy[t];
    }
    s -= shift;
  }
  sx[a] = px;
  sy[a] = py;
  return true;
}

// Area of the box [cx, rx] x [cy, ry] that the staircase leaves uncovered; every staircase
// point must be >= (cx, cy). A sum of non-negative column areas.
TRADEOFF_HD inline double stair_uncovered(const double* sx, const double* sy, index_t s,
                                          double cx, double cy, double rx, double ry) {
  if (s == 0) return (rx - cx) * (ry - cy);
  double area = (sx[0] - cx) * (ry - cy);
  for (index_t t = 0; t < s; ++t) {
    const double right = t + 1 < s ? sx[t + 1] : rx;
    area += (right - sx[t]) * (sy[t] - cy);
  }
  return area;
}

// ---------------------------------------------------------------------------------------------
// Covered / uncovered measure per dimension D over `rows` (k rows of stride `st` >= D, sorted by
// coordinate D - 1 ascending, every row strictly below ref in the first D coordinates), row
// `skip` left out (-1: none).
//   covered<D>    measure of the union of the boxes [row, ref]
//   uncovered<D>  measure of the box [c, ref] not covered by the boxes [max(row, c), ref]
// `ref` and `c` are read in their first D coordinates.

template <int D>
struct Sweep;

template <>
struct Sweep<1> {
  TRADEOFF_HD static double covered(const double* rows, index_t k, int st, index_t skip,
                                    const double* ref, double*) {
    for (index_t i = 0; i < k; ++i) {
      if (i != skip) return ref[0] - rows[i * st];  // the smallest x comes first
    }
    return 0.0;
  }
  TRADEOFF_HD static double uncovered(const double* rows, index_t k, int st, index_t skip,
                                      const double* c, const double* ref, double*) {
    for (index_t i = 0; i < k; ++i) {
      if (i != skip) return dmax(rows[i * st], c[0]) - c[0];
    }
    return ref[0] - c[0];
  }
};

template <>
struct Sweep<2> {
  // Rows by y ascending: each row whose x beats every earlier x adds the strip
  // [x, best_x) x [y, ry).
  TRADEOFF_HD static double covered(const double* rows, index_t k, int st, index_t skip,
                                    const double* ref, double*) {
    CompensatedSum area;
    double best_x = ref[0];
    for (index_t i = 0; i < k; ++i) {
      if (i == skip) continue;
      const double* r = rows + i * st;
      if (r[0] < best_x) {
        area.add((best_x - r[0]) * (ref[1] - r[1]));
        best_x = r[0];
      }
    }
    return area.value();
  }
  // Slab [y_prev, y) of c's box is uncovered on [cx, best_x): width best_x - cx.
  TRADEOFF_HD static double uncovered(const double* rows, index_t k, int st, index_t skip,
                                      const double* c, const double* ref, double*) {
    CompensatedSum area;
    double best_x = ref[0];
    double y_prev = c[1];
    for (index_t i = 0; i < k; ++i) {
      if (i == skip) continue;
      const double* r = rows + i * st;
      const double y = dmax(r[1], c[1]);
      area.add((best_x - c[0]) * (y - y_prev));
      y_prev = y;
      const double x = dmax(r[0], c[0]);
      if (x < best_x) best_x = x;
      if (best_x == c[0]) return area.value();  // the rest of the box is covered
    }
    area.add((best_x - c[0]) * (ref[1] - y_prev));
    return area.value();
  }
};

template <>
struct Sweep<3> {
  // Rows by z ascending; the (x, y) staircase of the rows seen so far dominates `area`, the
  // cross-section of the union between this row's z and the next one's.
  // scratch: 2k doubles (the staircase).
  TRADEOFF_HD static double covered(const double* rows, index_t k, int st, index_t skip,
                                    const double* ref, double* scratch) {
    double* sx = scratch;
    double* sy = scratch + k;
    index_t s = 0;
    CompensatedSum area, volume;
    double z_prev = 0.0;  // area is 0 until the first row, so the first slab adds nothing
    for (index_t i = 0; i < k; ++i) {
      if (i == skip) continue;
      const double* r = rows + i * st;
      volume.add(area.value() * (r[2] - z_prev));
      z_prev = r[2];
      double gain = 0.0;
      if (stair_insert(sx, sy, s, r[0], r[1], ref[0], ref[1], &gain)) area.add(gain);
    }
    volume.add(area.value() * (ref[2] - z_prev));
    return volume.value();
  }
  // The same sweep over the rows clipped to c; each slab adds the UNCOVERED cross-section of
  // c's box, recomputed from the staircase after every change (non-negative terms only).
  TRADEOFF_HD static double uncovered(const double* rows, index_t k, int st, index_t skip,
                                      const double* c, const double* ref, double* scratch) {
    double* sx = scratch;
    double* sy = scratch + k;
    index_t s = 0;
    CompensatedSum volume;
    double open = (ref[0] - c[0]) * (ref[1] - c[1]);  // uncovered cross-section
    double z_prev = c[2];
    for (index_t i = 0; i < k; ++i) {
      if (i == skip) continue;
      const double* r = rows + i * st;
      const double z = dmax(r[2], c[2]);
      volume.add(open * (z - z_prev));
      z_prev = z;
      double gain = 0.0;
      if (stair_insert(sx, sy, s, dmax(r[0], c[0]), dmax(r[1], c[1]), ref[0], ref[1], &gain)) {
        open = stair_uncovered(sx, sy, s, c[0], c[1], ref[0], ref[1]);
        if (open == 0.0) return volume.value();  // a clipped row reached c: all covered above
      }
    }
    volume.add(open * (ref[2] - z_prev));
    return volume.value();
  }
};

// The 3-D non-dominated set of the 4-D sweep: rows (x, y, z) sorted by z ascending.
struct Front3 {
  double* rows;  // capacity k rows of 3
  index_t size;

  TRADEOFF_HD bool dominates(const double* p) const {
    for (index_t t = 0; t < size; ++t) {
      if (weakly_dominates<3>(rows + 3 * t, p)) return true;
    }
    return false;
  }
  // Drops the rows p weakly dominates and inserts p after the rows with z <= p's z.
  TRADEOFF_HD void insert(const double* p) {
    index_t kept = 0, pos = -1;
    for (index_t t = 0; t < size; ++t) {
      const double* q = rows + 3 * t;
      if (pos < 0 && q[2] > p[2]) pos = kept;
      if (weakly_dominates<3>(p, q)) continue;
      if (kept != t) {
        rows[3 * kept] = q[0];
        rows[3 * kept + 1] = q[1];
        rows[3 * kept + 2] = q[2];
      }
      ++kept;
    }
    if (pos < 0) pos = kept;
    for (index_t t = kept; t > pos; --t) {
      rows[3 * t] = rows[3 * t - 3];
      rows[3 * t + 1] = rows[3 * t - 2];
      rows[3 * t + 2] = rows[3 * t - 1];
    }
    rows[3 * pos] = p[0];
    rows[3 * pos + 1] = p[1];
    rows[3 * pos + 2] = p[2];
    size = kept + 1;
  }
};

template <>
struct Sweep<4> {
  // Rows by w ascending; `cut` is the 3-D volume of the rows seen so far (the cross-section of
  // the union between two consecutive w), grown by each row's exclusive 3-D contribution
  // against the 3-D front of the earlier rows (Sweep<3>::uncovered over that front).
  // scratch: 5k doubles (the front: 3k, the staircase of the 3-D step: 2k).
  TRADEOFF_HD static double covered(const double* rows, index_t k, int st, index_t skip,
                                    const double* ref, double* scratch) {
    Front3 front{scratch, 0};
    double* stair = scratch + 3 * k;
    CompensatedSum cut, volume;
    double w_prev = 0.0;  // cut is 0 until the first row
    for (index_t i = 0; i < k; ++i) {
      if (i == skip) continue;
      const double* r = rows + i * st;
      volume.add(cut.value() * (r[3] - w_prev));
      w_prev = r[3];
      if (front.dominates(r)) continue;
      cut.add(Sweep<3>::uncovered(front.rows, front.size, 3, -1, r, ref, stair));
      front.insert(r);
    }
    volume.add(cut.value() * (ref[3] - w_prev));
    return volume.value();
  }
  // Rows clipped to c; each w-slab adds the uncovered 3-D cross-section of c's box, recomputed
  // by Sweep<3>::uncovered after every change of the front (non-negative terms only).
  TRADEOFF_HD static double uncovered(const double* rows, index_t k, int st, index_t skip,
                                      const double* c, const double* ref, double* scratch) {
    Front3 front{scratch, 0};
    double* stair = scratch + 3 * k;
    CompensatedSum volume;
    double open = box_volume<3>(c, ref);
    double w_prev = c[3];
    for (index_t i = 0; i < k; ++i) {
      if (i == skip) continue;
      const double* r = rows + i * st;
      const double q[4] = {dmax(r[0], c[0]), dmax(r[1], c[1]), dmax(r[2], c[2]),
                           dmax(r[3], c[3])};
      volume.add(open * (q[3] - w_prev));
      w_prev = q[3];
      if (front.dominates(q)) continue;
      front.insert(q);
      open = Sweep<3>::uncovered(front.rows, front.size, 3, -1, c, ref, stair);
      if (open == 0.0) return volume.value();
    }
    volume.add(open * (ref[3] - w_prev));
    return volume.value();
  }
};

template <int M>
TRADEOFF_HD inline double volume_prepared_m(const double* rows, index_t k, const double* ref,
                                            double* scratch) {
  return Sweep<M>::covered(rows, k, M, -1, ref, scratch);
}

// Improvement of c over the rows except `skip`: 0 when c is not strictly below ref or a row
// weakly dominates it, else the uncovered measure of its box.
template <int M>
TRADEOFF_HD inline double improvement_prepared_m(const double* rows, index_t k,
                                                 const double* c, const double* ref,
                                                 index_t skip, double* scratch) {
  if (!strictly_below<M>(c, ref)) return 0.0;
  for (index_t i = 0; i < k; ++i) {
    if (i != skip && weakly_dominates<M>(rows + i * M, c)) return 0.0;
  }
  return Sweep<M>::uncovered(rows, k, M, skip, c, ref, scratch);
}

// Exclusive contribution of p (a point of the set the rows were prepared from): its
// improvement over the rows without ONE row equal to p. A second equal row, or any row
// weakly dominating p, makes it 0.
template <int M>
TRADEOFF_HD inline double contribution_prepared_m(const double* rows, index_t k,
                                                  const double* p, const double* ref,
                                                  double* scratch) {
  if (!strictly_below<M>(p, ref)) return 0.0;
  index_t skip = -1;
  for (index_t i = 0; i < k; ++i) {
    const double* r = rows + i * M;
    if (!weakly_dominates<M>(r, p)) continue;
    if (skip < 0 && equal_rows<M>(r, p)) {
      skip = i;
    } else {
      return 0.0;
    }
  }
  return Sweep<M>::uncovered(rows, k, M, skip, p, ref, scratch);
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Preparing a set: the rows strictly below ref, sorted by the last coordinate (stable).

// Copies the points of pts (n rows of m) that are strictly below ref into `rows` (capacity
// n * m doubles), sorted by coordinate m - 1 ascending, ties in input order (stable insertion
// sort: O(n + inversions)). Returns how many were kept.
TRADEOFF_HD inline index_t prepare(const double* pts, index_t n, int m, const double* ref,
                                   double* rows) {
  index_t k = 0;
  for (index_t i = 0; i < n; ++i) {
    const double* p = pts + i * m;
    bool below = true;
    for (int j = 0; j < m; ++j) below = below && (p[j] < ref[j]);
    if (!below) continue;
    const double key = p[m - 1];
    index_t t = k;
    while (t > 0 && rows[(t - 1) * m + (m - 1)] > key) {
      for (int j = 0; j < m; ++j) rows[t * m + j] = rows[(t - 1) * m + j];
      --t;
    }
    for (int j = 0; j < m; ++j) rows[t * m + j] = p[j];
    ++k;
  }
  return k;
}

// The same order computed for one point at a time (one GPU thread per point): the row of
// point i in prepare's output, or -1 when point i is not strictly below ref. O(n * m).
TRADEOFF_HD inline index_t prepared_position(const double* pts, index_t n, int m,
                                             const double* ref, index_t i) {
  const double* p = pts + i * m;
  for (int j = 0; j < m; ++j) {
    if (!(p[j] < ref[j])) return -1;
  }
  const double key = p[m - 1];
  index_t pos = 0;
  for (index_t t = 0; t < n; ++t) {
    const double* q = pts + t * m;
    const double qk = q[m - 1];
    if (!(qk < key || (qk == key && t < i))) continue;
    bool below = true;
    for (int j = 0; j < m; ++j) below = below && (q[j] < ref[j]);
    pos += below ? 1 : 0;
  }
  return pos;
}

// How many points are strictly below ref (the k of prepare). O(n * m).
TRADEOFF_HD inline index_t count_below(const double* pts, index_t n, int m, const double* ref) {
  index_t k = 0;
  for (index_t i = 0; i < n; ++i) {
    bool below = true;
    for (int j = 0; j < m; ++j) below = below && (pts[i * m + j] < ref[j]);
    k += below ? 1 : 0;
  }
  return k;
}

// ---------------------------------------------------------------------------------------------
// Bodies on prepared rows (k rows of m from prepare or prepared_position; scratch of
// scratch_size(k, m) doubles; m outside 1..4 gives NaN).

// Hypervolume of the rows.
TRADEOFF_HD inline double volume_prepared(const double* rows, index_t k, int m,
                                          const double* ref, double* scratch) {
  switch (m) {
    case 1: return detail::volume_prepared_m<1>(rows, k, ref, scratch);
    case 2: return detail::volume_prepared_m<2>(rows, k, ref, scratch);
    case 3: return detail::volume_prepared_m<3>(rows, k, ref, scratch);
    case 4: return detail::volume_prepared_m<4>(rows, k, ref, scratch);
    default: return detail::not_a_number();
  }
}

// Improvement of candidate c (m values) over the rows.
TRADEOFF_HD inline double improvement_prepared(const double* rows, index_t k, int m,
                                               const double* c, const double* ref,
                                               double* scratch) {
  switch (m) {
    case 1: return detail::improvement_prepared_m<1>(rows, k, c, ref, -1, scratch);
    case 2: return detail::improvement_prepared_m<2>(rows, k, c, ref, -1, scratch);
    case 3: return detail::improvement_prepared_m<3>(rows, k, c, ref, -1, scratch);
    case 4: return detail::improvement_prepared_m<4>(rows, k, c, ref, -1, scratch);
    default: return detail::not_a_number();
  }
}

// Exclusive contribution of point p, one of the points the rows were prepared from (given by
// value: the original row of the input, which need not be below ref; then it is 0).
TRADEOFF_HD inline double contribution_prepared(const double* rows, index_t k, int m,
                                                const double* p, const double* ref,
                                                double* scratch) {
  switch (m) {
    case 1: return detail::contribution_prepared_m<1>(rows, k, p, ref, scratch);
    case 2: return detail::contribution_prepared_m<2>(rows, k, p, ref, scratch);
    case 3: return detail::contribution_prepared_m<3>(rows, k, p, ref, scratch);
    case 4: return detail::contribution_prepared_m<4>(rows, k, p, ref, scratch);
    default: return detail::not_a_number();
  }
}

// ---------------------------------------------------------------------------------------------
// One-call wrappers on raw points (n rows of m, any order, points not below ref allowed);
// `work` holds work_size(n, m) doubles.

TRADEOFF_HD inline double volume(const double* pts, index_t n, int m, const double* ref,
                                 double* work) {
  if (!dim_supported(m)) return detail::not_a_number();
  const index_t k = prepare(pts, n, m, ref, work);
  return volume_prepared(work, k, m, ref, work + n * m);
}

// out[i] = exclusive contribution of point i, for i < n.
TRADEOFF_HD inline void contributions(const double* pts, index_t n, int m, const double* ref,
                                      double* out, double* work) {
  if (!dim_supported(m)) {
    for (index_t i = 0; i < n; ++i) out[i] = detail::not_a_number();
    return;
  }
  const index_t k = prepare(pts, n, m, ref, work);
  for (index_t i = 0; i < n; ++i) {
    out[i] = contribution_prepared(work, k, m, pts + i * m, ref, work + n * m);
  }
}

// out[t] = improvement of candidate t (row t of cands, n_cands rows of m) over the n points.
TRADEOFF_HD inline void improvements(const double* pts, index_t n, int m, const double* cands,
                                     index_t n_cands, const double* ref, double* out,
                                     double* work) {
  if (!dim_supported(m)) {
    for (index_t t = 0; t < n_cands; ++t) out[t] = detail::not_a_number();
    return;
  }
  const index_t k = prepare(pts, n, m, ref, work);
  for (index_t t = 0; t < n_cands; ++t) {
    out[t] = improvement_prepared(work, k, m, cands + t * m, ref, work + n * m);
  }
}

}  // namespace hd
}  // namespace hv
}  // namespace tradeoff
