// tradeoff/pareto_hd.hpp: the Pareto bodies that a CPU loop and a GPU thread both run.
//
// Points are rows of a row-major (n, m) array; every objective is minimized (the Python layer
// flips maximized objectives before calling). "a dominates b" means a <= b in every objective
// and a < b in at least one; equal points do not dominate each other.
//
// Used by: pareto.hpp (CPU: small problems, crowding), cuda/pareto.cu (every GPU kernel),
// cpp/tests/test_pareto.cpp (host tests of these exact functions).
#pragma once

#include "config.hpp"

namespace tradeoff {
namespace pareto {

// True when point a dominates point b (both of length m).
template <class T>
TRADEOFF_HD inline bool dominates(const T* a, const T* b, int m) {
  bool strictly = false;
  for (int j = 0; j < m; ++j) {
    if (a[j] > b[j]) return false;
    strictly = strictly || (a[j] < b[j]);
  }
  return strictly;
}

// -1, 0, +1: lexicographic order of two points (objective 0 first).
template <class T>
TRADEOFF_HD inline int lex_compare(const T* a, const T* b, int m) {
  for (int j = 0; j < m; ++j) {
    if (a[j] < b[j]) return -1;
    if (a[j] > b[j]) return 1;
  }
  return 0;
}

// True when some point of pts (n rows) dominates row i; stops at the first dominator.
template <class T>
TRADEOFF_HD inline bool is_dominated(const T* pts, index_t n, int m, index_t i) {
  const T* p = pts + i * m;
  for (index_t j = 0; j < n; ++j) {
    if (dominates(pts + j * m, p, m)) return true;
  }
  return false;
}

// How many points of pts (n rows) dominate row i.
template <class T>
TRADEOFF_HD inline rank_t count_dominators(const T* pts, index_t n, int m, index_t i) {
  const T* p = pts + i * m;
  rank_t count = 0;
  for (index_t j = 0; j < n; ++j) count += dominates(pts + j * m, p, m) ? 1 : 0;
  return count;
}

// How many of the rows listed in front[0..len) dominate row i.
template <class T>
TRADEOFF_HD inline rank_t count_dominators_in(const T* pts, int m, const rank_t* front,
                                              index_t len, index_t i) {
  const T* p = pts + i * m;
  rank_t count = 0;
  for (index_t k = 0; k < len; ++k) count += dominates(pts + index_t(front[k]) * m, p, m) ? 1 : 0;
  return count;
}

// One step of front peeling by dominator counts (Kahn's topological layering):
// a still-unranked point whose dominator count reached zero joins front k.
// Returns true when point i was placed in this step.
TRADEOFF_HD inline bool peel_take(rank_t* ranks, const rank_t* counts, index_t i, rank_t k) {
  if (ranks[i] < 0 && counts[i] == 0) {
    ranks[i] = k;
    return true;
  }
  return false;
}

// Crowding-distance term of one objective for an interior point of a front (NSGA-II, Deb et
// al. 2002): (next - prev) / range, where prev and next are its neighbours' values in the
// front sorted by that objective and range = max - min over the front. A zero or non-finite
// range contributes 0. Boundary points (first and last in the sorted order) get +inf; the
// caller assigns that.
template <class T>
TRADEOFF_HD inline T crowding_term(T prev, T next, T range) {
  if (!(range > T(0)) || !(range - range == T(0))) return T(0);
  return (next - prev) / range;
}

}  // namespace pareto
}  // namespace tradeoff
