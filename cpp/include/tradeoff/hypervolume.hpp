// tradeoff/hypervolume.hpp: exact hypervolume on the CPU (host only; the GPU path for batches
// of small sets is cuda/hypervolume.cu over hypervolume_hd.hpp).
//
// Public entry points (one problem; the batch drivers in cpp/bindings loop over these):
//   volume(pts, n, m, ref)                       the volume dominated by pts and bounded by ref
//   contributions(pts, n, m, ref, out)           each point's exclusive contribution
//   Improvement(pts, n, m, ref).of(c)            the volume candidate c would add to pts
//
// All objectives are minimized. Points that do not strictly dominate ref (p_j < ref_j for every
// j) are removed first and contribute nothing; the kernels below then see only points strictly
// inside the box. A point with a -inf coordinate inside the box makes the volume +inf.
//
// Kernels, by number of objectives m (each file states its algorithm and paper):
//   m = 1, 2, 3   hv/low.hpp        volume O(n), O(n log n), O(n log n); contributions m <= 2
//   m = 3         hv/contrib3d.hpp  all contributions, O(n log n)
//   m = 4         hv/hv4d.hpp       volume O(n^2) (HV4D+), all contributions (HVC4D)
//   m >= 5        hv/wfg.hpp        WFG recursion with bounding, exponential in m
//   small sets    hypervolume_hd.hpp  the GPU's bodies, for m = 2, 3 and n <= kSmallSet
// The improvement of a candidate c is vol([c, ref]) minus the volume of the "limit set"
// {max(p, c) : p in P}, computed by the same kernels on the nondominated points of P (the
// small-set bodies accumulate the uncovered part directly).
// The readable specification of every result is python/tradeoff/_fallback/hypervolume.py.
#pragma once

#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <thread>
#include <vector>

#include "config.hpp"
#include "parallel.hpp"
#include "hv/contrib3d.hpp"
#include "hv/hv4d.hpp"
#include "hv/low.hpp"
#include "hv/wfg.hpp"
#include "hypervolume_hd.hpp"
#include "numeric_hd.hpp"
#include "pareto.hpp"

namespace tradeoff {
namespace hv {

namespace detail {

// Sets of up to this many points (m = 2, 3) go through the small-set bodies of
// hypervolume_hd.hpp, the ones the GPU runs: flat arrays and no allocation make them 1.5-2x
// faster than the general kernels for n = 10..100, and even at 200 (measured, one thread).
constexpr index_t kSmallSet = 128;

// The small-set bodies' workspace, kept per thread between calls.
inline double* small_work(index_t n, int m) {
  thread_local std::vector<double> work;
  const size_t need = static_cast<size_t>(hd::work_size(n, m));
  if (work.size() < need) work.resize(need);
  return work.data();
}

inline bool has_minus_inf_inside(const double* p, index_t n, int m, const double* ref) {
  for (index_t i = 0; i < n; ++i) {
    bool inside = true, minus_inf = false;
    for (int j = 0; j < m; ++j) {
      inside = inside && p[i * m + j] < ref[j];
      minus_inf = minus_inf || std::isinf(p[i * m + j]);
    }
    if (inside && minus_inf) return true;
  }
  return false;
}

// Copies the points strictly below ref into `kept` (row-major) and their indices into `rows`
// (when given). Returns true when one of them has a -inf coordinate (infinite volume).
inline bool gather_inside(const double* p, index_t n, int m, const double* ref,
                          std::vector<double>& kept, std::vector<index_t>* rows) {
  kept.clear();
  if (rows) rows->clear();
  bool infinite = false;
  for (index_t i = 0; i < n; ++i) {
    const double* q = p + i * m;
    bool inside = true;
    for (int j = 0; j < m; ++j) inside = inside && q[j] < ref[j];
    if (!inside) continue;
    for (int j = 0; j < m; ++j) infinite = infinite || std::isinf(q[j]);
    kept.insert(kept.end(), q, q + m);
    if (rows) rows->push_back(i);
  }
  return infinite;
}

// Fraction of the points (by the last objective) the first of two threads takes in
// volume_two_threads, and the smallest set worth a second thread (measured on 5- and
// 6-objective fronts, where the cost of a point grows with the number before it).
constexpr double kSplitFraction = 0.72;
constexpr index_t kMinSplit = 150;

// The m >= 5 volume on two threads, for one large problem (batches already run one problem
// per thread). With the points sorted by the last objective z and z_h the value at the split,
// the volume is the integral over z of the (m-1)-volume A(z) of the points at or below z:
//   below z_h: the first h points alone, with ref's z lowered to z_h;
//   above z_h: every point, the first h with z raised to z_h (their projections are present
//              from z_h on, so they cost one (m-1)-objective volume, not m-objective ones).
// The two parts are independent WFG runs. Returns false (nothing computed) when no clean split
// exists (z tied across the split).
inline bool volume_two_threads(const double* p, index_t n, int m, const double* ref, double* out) {
  std::vector<rank_t> rows(static_cast<size_t>(n));
  for (index_t i = 0; i < n; ++i) rows[size_t(i)] = rank_t(i);
  pareto::detail::sort_rows_by_columns(p, m, rows, m - 1, m);
  index_t h = index_t(double(n) * kSplitFraction);
  const auto z_at = [&](index_t t) { return p[index_t(rows[size_t(t)]) * m + m - 1]; };
  while (h < n && z_at(h) == z_at(h - 1)) ++h;  // every point of the first part below z_h
  if (h <= 0 || h >= n) return false;
  const double z_split = z_at(h);
  std::vector<double> low(static_cast<size_t>(h) * size_t(m)), all(static_cast<size_t>(n) * size_t(m));
  for (index_t t = 0; t < n; ++t) {
    const double* q = p + index_t(rows[size_t(t)]) * m;
    std::copy(q, q + m, all.begin() + t * m);
    if (t < h) {
      std::copy(q, q + m, low.begin() + t * m);
      all[size_t(t * m + m - 1)] = z_split;
    }
  }
  std::vector<double> low_ref(ref, ref + m);
  low_ref[size_t(m - 1)] = z_split;
  // The smaller first part goes to a new thread, whose start and fresh per-thread workspace
  // then overlap the larger second part on this thread (whose workspace is warm).
  double below = 0.0;
  std::exception_ptr error;
  std::thread helper([&] {
    in_parallel_region() = true;
    try {
      below = volume_wfg(low.data(), h, m, low_ref.data());
    } catch (...) {
      error = std::current_exception();
    }
  });
  double above = 0.0;
  try {
    above = volume_wfg(all.data(), n, m, ref);
  } catch (...) {
    helper.join();
    throw;
  }
  helper.join();
  if (error) std::rethrow_exception(error);
  *out = below + above;
  return true;
}

// Volume of points already strictly inside the box, all finite.
inline double volume_inside(const double* p, index_t n, int m, const double* ref) {
  switch (m) {
    case 1: return volume1d(p, n, ref);
    case 2: return volume2d(p, n, ref);
    case 3: return volume3d(p, n, ref);
    case 4: return volume4d(p, n, ref);
    default: {
      double v;
      if (n >= kMinSplit && num_threads() > 1 && !in_parallel_region() &&
          volume_two_threads(p, n, m, ref, &v)) {
        return v;
      }
      return volume_wfg(p, n, m, ref);
    }
  }
}

inline double box_volume(const double* c, int m, const double* ref) {
  double v = 1.0;
  for (int j = 0; j < m; ++j) v *= ref[j] - c[j];
  return v;
}

}  // namespace detail

inline double volume(const double* p, index_t n, int m, const double* ref) {
  if (n <= detail::kSmallSet && (m == 2 || m == 3)) {
    if (detail::has_minus_inf_inside(p, n, m, ref)) return std::numeric_limits<double>::infinity();
    return hd::volume(p, n, m, ref, detail::small_work(n, m));
  }
  std::vector<double> kept;
  if (detail::gather_inside(p, n, m, ref, kept, nullptr)) {
    return std::numeric_limits<double>::infinity();
  }
  return detail::volume_inside(kept.data(), index_t(kept.size() / size_t(m)), m, ref);
}

// The volume a candidate point would add to a fixed set: built once per set (its points inside
// the box, reduced to the nondominated ones), then asked for any number of candidates, from
// any number of threads (of() is const).
class Improvement {
 public:
  Improvement(const double* p, index_t n, int m, const double* ref) : m_(m), ref_(ref, ref + m) {
    std::vector<double> kept;
    infinite_ = detail::gather_inside(p, n, m, ref, kept, nullptr);
    const index_t k = index_t(kept.size() / size_t(m));
    std::vector<std::uint8_t> mask(static_cast<size_t>(k));
    pareto::nondominated(kept.data(), k, m, mask.data());
    for (index_t i = 0; i < k; ++i) {
      if (!mask[size_t(i)]) continue;
      // one copy of each point: duplicates change nothing in a union of boxes
      front_.insert(front_.end(), kept.begin() + i * m, kept.begin() + (i + 1) * m);
    }
    const index_t size = index_t(front_.size() / size_t(m));
    if (size <= detail::kSmallSet && hd::dim_supported(m)) {  // sorted once for the small bodies
      rows_.resize(front_.size());
      hd::prepare(front_.data(), size, m, ref, rows_.data());
    }
  }

  // vol([c, ref]) - vol(limit set of the front by c); 0 when c is not strictly inside the box
  // or some point weakly dominates it. NaN when the set's volume is infinite.
  double of(const double* c) const {
    const int m = m_;
    for (int j = 0; j < m; ++j) {
      if (!(c[j] < ref_[size_t(j)])) return 0.0;
    }
    if (infinite_) return std::numeric_limits<double>::quiet_NaN();
    const index_t n = index_t(front_.size() / size_t(m));
    if (!rows_.empty() || (n == 0 && hd::dim_supported(m))) {
      return hd::improvement_prepared(rows_.data(), n, m, c, ref_.data(), detail::small_work(n, m));
    }
    std::vector<double> limited(front_.size());
    for (index_t i = 0; i < n; ++i) {
      const double* q = front_.data() + i * m;
      bool covers = true;
      for (int j = 0; j < m; ++j) {
        const double v = q[j] > c[j] ? q[j] : c[j];
        limited[size_t(i * m + j)] = v;
        covers = covers && q[j] <= c[j];
      }
      if (covers) return 0.0;
    }
    const double box = detail::box_volume(c, m, ref_.data());
    const double covered = detail::volume_inside(limited.data(), n, m, ref_.data());
    const double gain = box - covered;
    return gain > 0 ? gain : 0.0;
  }

 private:
  int m_;
  std::vector<double> ref_;
  std::vector<double> front_;  // the nondominated points inside the box, one copy each
  std::vector<double> rows_;   // front_ sorted by the last objective, for small fronts
  bool infinite_ = false;
};

// out[i] = the volume lost when point i alone is removed (0 for points outside the box,
// dominated points and every copy of a duplicated point). NaN everywhere when the volume is
// infinite (the Python layer refuses -inf before calling).
inline void contributions(const double* p, index_t n, int m, const double* ref, double* out) {
  for (index_t i = 0; i < n; ++i) out[i] = 0.0;
  std::vector<double> kept;
  std::vector<index_t> rows;
  if (detail::gather_inside(p, n, m, ref, kept, &rows)) {
    for (index_t i = 0; i < n; ++i) out[i] = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  const index_t k = index_t(rows.size());
  std::vector<double> local(static_cast<size_t>(k));
  switch (m) {
    case 1: contributions1d(kept.data(), k, ref, local.data()); break;
    case 2: contributions2d(kept.data(), k, ref, local.data()); break;
    case 3: contributions3d(kept.data(), k, ref, local.data()); break;
    case 4: contributions4d(kept.data(), k, ref, local.data()); break;
    default: contributions_wfg(kept.data(), k, m, ref, local.data());
  }
  for (index_t t = 0; t < k; ++t) out[rows[size_t(t)]] = local[size_t(t)];
}

}  // namespace hv
}  // namespace tradeoff
