// tradeoff/hv/hv4d.hpp: hypervolume and all exclusive contributions in four objectives
// (host only).
//
//   volume4d(p, n, ref)               the volume dominated by the n points (row-major n x 4)
//   contributions4d(p, n, ref, out)   out[i] = HV(P) - HV(P without point i)
//
// Both sweep along the fourth objective w, as HV4D+ and HVC4D do (Guerreiro & Fonseca,
// "Computing and updating hypervolume contributions in up to four dimensions", IEEE TEVC
// 22(3), 2018): the points enter a three-dimensional set A by increasing w, and between two
// consecutive w values the 4-D volume grows by the 3-D volume of A times the gap.
//
// volume4d (HV4D+). When p enters, the 3-D volume of A grows by the 3-D contribution of p,
// found by a z-sweep inside p's box [p, ref): at height z, the part of p's (x, y) box that no
// point of A below z covers is bounded by a staircase, and the contribution is the sum of
// uncovered area times height between the heights where the staircase changes. A keeps only
// the points no other point of A weakly dominates (no other can ever cover anything new), so
// the points p dominates leave A for good when p enters.
// Where this differs from the paper is in finding the few points that shape p's staircase.
// HV4D+ walks lists sorted by z whose neighbour links it repairs at every insertion. Here A is
// a flat array of coordinate ranks (ties share a rank, so every comparison is exact), 16-bit
// when n < 32767, and two branch-free vector passes scan it, 16 (AVX2) or 8 (SSE2) points per
// instruction:
//   pass 1 finds, among the points of A with z <= p.z, the lowest y of those with x <= p.x
//          and the lowest x of those with y <= p.y (the points closing p's staircase on its
//          left and bottom edges; p is dominated when either reaches p), and the lowest z
//          above p.z of a point whose (x, y) dominates p's (where p's uncovered area drops to
//          zero and the sweep stops);
//   pass 2 lists the points strictly inside the region those three bounds leave open (no
//          other point can shape the staircase) and the points p dominates.
// Typically about ten points are listed. Those below p.z build the initial staircase; those
// above, sorted by z, are inserted one by one as the sweep rises.
// Complexity: per point, O(|A|) for the passes, O(k) to sort its k listed points (insertion
// sort when short, a bit set over positions when long: O(n / 64 + k)) and the staircase
// work. A staircase insertion strictly inside p's box (the only kind that is not O(1) plus
// removals) inserts a point p dominates, which then leaves A, so those cost O(n) at most n
// times in all: O(n^2) time, O(n) memory. On a 4-D sphere front of 20000 points, A holds
// about 1300 points on average and a point costs under 1 us.
//
// contributions4d (HVC4D). The 4-D contribution of q is the integral over w >= q.w of its
// 3-D contribution in A. Each 3-D contribution is kept current as points enter and
// integrated over w lazily (advanced only when it changes). When r enters, every q in A loses
// the volume only q and r cover: the exclusive contribution of max(q, r) among the points of
// A limited to r's box. One z-sweep inside r's box (ContribSweep below) gives all of these at
// once, and r's own contribution (the volume left uncovered). A here keeps every point that
// at most one other point of A dominates (ties broken by order of entry: of two equal points
// the later one is dominated), since a point two others dominate lies where three points
// overlap and can never change an exclusive contribution; the points only one other point
// dominates carve that point's exclusive region. The passes become: the two lowest values on
// each edge and the two lowest z of the (x, y)-dominators of r (beyond the second, r's box is
// covered twice and nothing changes), and the points below those bounds.
// Complexity: per point, O(|A|) for the passes, O(k log k) to sort its k listed points and
// O(k log_64 n) for the sweep over them: O(n^2 log n) in the worst case, with small constants
// (about 30 listed points per entering point on sphere fronts). The peers compute 4-D
// contributions as n + 1 full hypervolumes.
//
// Numerics: every term is a product of differences of input coordinates; the 4-D sums are
// compensated (Neumaier). Two quantities are updated by subtraction: the uncovered area
// inside one volume sweep, and the 3-D contributions of contributions4d (each entering point
// subtracts what it takes), so their absolute error is a few ulps of the value they started
// from per update. Measured: volumes within 1e-15 of the slicing oracle, contributions within
// 2e-15 of each contribution's exact value (rational arithmetic, sampled points of 5000-point
// fronts, the smallest included); the tests bound the error by 1e-13 of the volume, and
// require exact results on integer coordinates. Weakly dominated points, and every copy of a
// duplicated point, get exactly 0.
//
// Contract (as every kernel under hv/): row-major double points (n x 4), minimization, every
// point strictly below ref in every coordinate and finite (the dispatcher in ../hypervolume.hpp
// filters the others out). Duplicates (contribution 0 each), dominated points (0), ties in any
// coordinate, n = 0 (volume 0) and n = 1 are handled exactly. n >= 2^30 throws std::bad_alloc
// (the 32-bit indices would overflow; such a set would need over 100 GB anyway). Thread-safe:
// buffers are per thread, kept between calls (released above 2^20 points). Throws only
// std::bad_alloc. Uses GCC/Clang builtins and vector types; on x86-64 builds without AVX2 the
// scan passes are compiled twice and the AVX2 copy is chosen at run time
// (TRADEOFF_HV4D_NO_DISPATCH turns that off, TRADEOFF_HV4D_SCALAR uses scalar passes).
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <utility>
#include <vector>

#include "../config.hpp"
#include "../numeric_hd.hpp"
#include "../ordering.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && !defined(__AVX2__) && \
    !defined(TRADEOFF_HV4D_NO_DISPATCH)
#define TRADEOFF_HV4D_AVX2_DISPATCH 1
#endif

namespace tradeoff {
namespace hv {

namespace detail4d {

using Key = std::pair<std::uint64_t, std::int32_t>;
constexpr std::int32_t kNone = INT32_MAX;  // "no such point" for a rank bound

// Stable sort by key for 128 keys or more (the callers sort fewer by comparisons).
inline void sort_keys(std::vector<Key>& a, std::vector<Key>& tmp, std::vector<std::uint32_t>& count) {
  radix_sort_pairs(a, tmp, count, 4096);
}

// ---------------------------------------------------------------------------------------
// Input preparation: the points in increasing w, their coordinate ranks, and tables from
// ranks back to coordinates.
// ---------------------------------------------------------------------------------------
struct Prepared {
  std::int32_t n = 0;
  std::vector<double> X, Y, Z, W;          // coordinates, in order of increasing w (W[n] = ref w)
  std::vector<std::int32_t> orig;          // input row of each point in that order
  std::vector<std::int32_t> xr, yr, zr;    // dense ranks (equal values share one; z from 1)
  std::vector<std::int32_t> uy, ux, uz;    // distinct positions: by y, by (x, y) and by z
  std::vector<double> xv, yv, zv;          // rank -> coordinate
  std::vector<double> uxx, uxy;            // position by (x, y) -> x, y
  std::vector<double> uzx, uzy, uzz;       // position by z -> x, y, z
  std::vector<Key> keys, tmp;
  std::vector<std::uint32_t> count;

  // Ranks the values v[0..n) in the current order of `keys` (which must hold the indices
  // 0..n-1 in an order consistent with ties to break): dense ranks, value table and the
  // distinct position of each index.
  void rank_by(const std::vector<double>& v, std::vector<std::int32_t>& rank, std::vector<double>& values,
               std::vector<std::int32_t>* pos, const std::vector<std::int32_t>* tie = nullptr) {
    for (auto& k : keys) k.first = order_key(v[std::size_t(k.second)]);
    if (keys.size() < 128) {  // a comparison sort, ties by `tie`, then by index
      std::sort(keys.begin(), keys.end(), [tie](const Key& a, const Key& b) {
        if (a.first != b.first) return a.first < b.first;
        if (tie && (*tie)[std::size_t(a.second)] != (*tie)[std::size_t(b.second)])
          return (*tie)[std::size_t(a.second)] < (*tie)[std::size_t(b.second)];
        return a.second < b.second;
      });
    } else {
      sort_keys(keys, tmp, count);  // stable: ties keep the order of the previous sort
    }
    values.clear();
    rank.resize(std::size_t(n));
    if (pos) pos->resize(std::size_t(n));
    for (std::int32_t t = 0; t < n; ++t) {
      const std::int32_t i = keys[std::size_t(t)].second;
      if (t == 0 || keys[std::size_t(t)].first != keys[std::size_t(t) - 1].first) values.push_back(v[std::size_t(i)]);
      rank[std::size_t(i)] = std::int32_t(values.size()) - 1;
      if (pos) (*pos)[std::size_t(i)] = t;
    }
  }

  void prepare(const double* p, index_t n_in, const double* ref) {
    n = std::int32_t(n_in);
    const std::size_t N = std::size_t(n);
    keys.resize(N);
    for (std::size_t i = 0; i < N; ++i) keys[i] = Key(order_key(p[i * 4 + 3]), std::int32_t(i));
    if (N < 128) {
      std::sort(keys.begin(), keys.end());  // (key, index): ties by index
    } else {
      sort_keys(keys, tmp, count);
    }
    X.resize(N);
    Y.resize(N);
    Z.resize(N);
    W.resize(N + 1);
    orig.resize(N);
    for (std::size_t t = 0; t < N; ++t) {
      const std::size_t i = std::size_t(keys[t].second);
      orig[t] = std::int32_t(i);
      X[t] = p[i * 4];
      Y[t] = p[i * 4 + 1];
      Z[t] = p[i * 4 + 2];
      W[t] = p[i * 4 + 3];
    }
    W[N] = ref[3];
    for (std::size_t t = 0; t < N; ++t) keys[t].second = std::int32_t(t);
    rank_by(Y, yr, yv, &uy);          // leaves keys ordered by y: the stable x sort breaks
    rank_by(X, xr, xv, &ux, &yr);     // ties of x by y
    rank_by(Z, zr, zv, &uz);
    // z ranks start at 1, so that the neutral point of the scans can have z rank 0
    for (auto& r : zr) ++r;
    zv.insert(zv.begin(), 0.0);
    uxx.resize(N);
    uxy.resize(N);
    uzx.resize(N);
    uzy.resize(N);
    uzz.resize(N);
    for (std::size_t t = 0; t < N; ++t) {
      uxx[std::size_t(ux[t])] = X[t];
      uxy[std::size_t(ux[t])] = Y[t];
      uzx[std::size_t(uz[t])] = X[t];
      uzy[std::size_t(uz[t])] = Y[t];
      uzz[std::size_t(uz[t])] = Z[t];
    }
  }
};

// ---------------------------------------------------------------------------------------
// Scan passes over the live set A: the ranks of its points in three arrays lx, ly, lz of
// type R (std::int16_t when n < 32767, so that a vector holds twice as many, else
// std::int32_t). The loops test a vector of ranks at a time with GCC/Clang vector types;
// on x86-64 builds without AVX2 each pass is compiled a second time for AVX2 and chosen at
// run time. Other compilers get the scalar loops. Rank bounds are int32 outside the passes,
// kNone meaning "none"; inside, "none" is the largest value of R.
// The vector loops read whole vectors: the arrays hold kPad entries past the last point of A,
// each the neutral point (none, none, 0) (z ranks start at 1), which no test selects and no
// bound takes.
// ---------------------------------------------------------------------------------------
constexpr std::int32_t kPad = 16;

// Writes the neutral point at position t of the rank arrays.
template <class R>
inline void set_neutral(R* lx, R* ly, R* lz, std::size_t t) {
  lx[t] = ly[t] = std::numeric_limits<R>::max();
  lz[t] = R(0);
}

struct Bounds1 {  // volume: one bound per edge
  std::int32_t ylm, xbm, zst;
};
struct Bounds2 {  // contributions: the two lowest values per edge, and the dominator count
  std::int32_t y1, y2, x1, x2, z1, z2, dominators;
};

template <class R>
constexpr std::int32_t none_of() {
  return std::int32_t(std::numeric_limits<R>::max());
}
template <class R>
inline std::int32_t widen(std::int32_t v) {  // R's "none" -> kNone
  return v == none_of<R>() ? kNone : v;
}
template <class R>
inline std::int32_t narrow(std::int32_t v) {  // kNone -> R's "none"
  return v == kNone ? none_of<R>() : v;
}

// (m1, m2) <- the two smallest of {m1, m2, v}.
inline void keep_two(std::int32_t& m1, std::int32_t& m2, std::int32_t v) {
  const std::int32_t hi = v < m1 ? m1 : v;
  m1 = v < m1 ? v : m1;
  m2 = hi < m2 ? hi : m2;
}

// Scalar bodies for element t of A (the scalar passes and the tails of the vector loops).
#define TRADEOFF_HV4D_P1_SCALAR(t)                                                      \
  {                                                                                     \
    const std::int32_t x = lx[t], y = ly[t], z = lz[t];                                 \
    if (z <= pz) {                                                                      \
      if (x <= px && y < r.ylm) r.ylm = y;                                              \
      if (y <= py && x < r.xbm) r.xbm = x;                                              \
    } else if (x <= px && y <= py && z < r.zst) {                                       \
      r.zst = z;                                                                        \
    }                                                                                   \
  }
#define TRADEOFF_HV4D_P1C_SCALAR(t)                                                     \
  {                                                                                     \
    const std::int32_t x = lx[t], y = ly[t], z = lz[t];                                 \
    if (z <= pz) {                                                                      \
      if (x <= px) keep_two(r.y1, r.y2, y);                                             \
      if (y <= py) keep_two(r.x1, r.x2, x);                                             \
      if (x <= px && y <= py) ++r.dominators;                                           \
    } else if (x <= px && y <= py) {                                                    \
      keep_two(r.z1, r.z2, z);                                                          \
    }                                                                                   \
  }
// The bounds of pass 2 (in R's scale): bnd = {x bound, y bound, z bound, and for
// contributions the three lowest values whose combinations also mean "covered twice"}.
#define TRADEOFF_HV4D_BOUNDS                                                            \
  const std::int32_t xbm = bnd[0], ylm = bnd[1], zst = bnd[2], xa = bnd[3], ya = bnd[4], \
                     za = bnd[5];                                                       \
  (void)xa;                                                                             \
  (void)ya;                                                                             \
  (void)za;
// volume: the points strictly inside the region the bounds leave open, and those p weakly
// dominates
#define TRADEOFF_HV4D_P2_TEST(x, y, z)                                                  \
  (((x) < xbm && (y) < ylm && ((z) > pz ? (z) < zst : ((x) > px && (y) > py))) ||       \
   ((x) >= px && (y) >= py && (z) >= pz))
// contributions: the points below the depth-2 bounds, and those p weakly dominates
#define TRADEOFF_HV4D_P2C_TEST(x, y, z)                                                 \
  (((x) <= xbm && (y) <= ylm && (z) < zst && !((x) >= xa && (y) >= ya) &&               \
    !((z) > za && ((x) >= xa || (y) >= ya))) ||                                         \
   ((x) >= px && (y) >= py && (z) >= pz))

template <class R>
inline Bounds1 pass1_scalar(const R* lx, const R* ly, const R* lz, std::int32_t L, std::int32_t px,
                            std::int32_t py, std::int32_t pz) {
  Bounds1 r{none_of<R>(), none_of<R>(), none_of<R>()};
  for (std::int32_t t = 0; t < L; ++t) TRADEOFF_HV4D_P1_SCALAR(t)
  return r;
}
template <class R>
inline Bounds2 pass1c_scalar(const R* lx, const R* ly, const R* lz, std::int32_t L, std::int32_t px,
                             std::int32_t py, std::int32_t pz) {
  const std::int32_t nn = none_of<R>();
  Bounds2 r{nn, nn, nn, nn, nn, nn, 0};
  for (std::int32_t t = 0; t < L; ++t) TRADEOFF_HV4D_P1C_SCALAR(t)
  return r;
}
template <class R>
inline std::int32_t pass2_scalar(const R* lx, const R* ly, const R* lz, std::int32_t L, std::int32_t px,
                                 std::int32_t py, std::int32_t pz, const std::int32_t* bnd, std::int32_t* hit) {
  TRADEOFF_HV4D_BOUNDS
  std::int32_t k = 0;
  for (std::int32_t t = 0; t < L; ++t) {
    const std::int32_t x = lx[t], y = ly[t], z = lz[t];
    if (TRADEOFF_HV4D_P2_TEST(x, y, z)) hit[k++] = t;
  }
  return k;
}
template <class R>
inline std::int32_t pass2c_scalar(const R* lx, const R* ly, const R* lz, std::int32_t L, std::int32_t px,
                                  std::int32_t py, std::int32_t pz, const std::int32_t* bnd, std::int32_t* hit) {
  TRADEOFF_HV4D_BOUNDS
  std::int32_t k = 0;
  for (std::int32_t t = 0; t < L; ++t) {
    const std::int32_t x = lx[t], y = ly[t], z = lz[t];
    if (TRADEOFF_HV4D_P2C_TEST(x, y, z)) hit[k++] = t;
  }
  return k;
}

#if (defined(__GNUC__) || defined(__clang__)) && !defined(TRADEOFF_HV4D_SCALAR)
#define TRADEOFF_HV4D_VECTOR 1
typedef std::int32_t v4i32_t __attribute__((vector_size(16)));  // SSE2, NEON, ...
typedef std::int16_t v8i16_t __attribute__((vector_size(16)));
typedef std::int32_t v8i32_t __attribute__((vector_size(32)));  // AVX2
typedef std::int16_t v16i16_t __attribute__((vector_size(32)));

#define TRADEOFF_HV4D_SEL(m, a, b) (((a) & (m)) | ((b) & ~(m)))
#define TRADEOFF_HV4D_VMIN(a, b) TRADEOFF_HV4D_SEL((a) < (b), (a), (b))
#define TRADEOFF_HV4D_VMAX(a, b) TRADEOFF_HV4D_SEL((a) < (b), (b), (a))
#define TRADEOFF_HV4D_LOAD3(VT, t)                                                      \
  VT x, y, z;                                                                           \
  std::memcpy(&x, lx + (t), sizeof(VT));                                                \
  std::memcpy(&y, ly + (t), sizeof(VT));                                                \
  std::memcpy(&z, lz + (t), sizeof(VT));
// A lane whose test fails is replaced by "none" (ranks are >= 0 and none is 0x7f..f, so an
// OR with the complemented mask does it).
#define TRADEOFF_HV4D_PASS1_VBODY(R, VT, W)                                             \
  const VT big = VT{} + R(none_of<R>());                                                \
  VT vy = big, vx = big, vz = big;                                                      \
  for (std::int32_t t = 0; t < L; t += W) {                                             \
    TRADEOFF_HV4D_LOAD3(VT, t)                                                          \
    const VT below = z <= R(pz), xle = x <= R(px), yle = y <= R(py);                    \
    vy = TRADEOFF_HV4D_VMIN(vy, y | (~(below & xle) & big));                            \
    vx = TRADEOFF_HV4D_VMIN(vx, x | (~(below & yle) & big));                            \
    vz = TRADEOFF_HV4D_VMIN(vz, z | (~(~below & xle & yle) & big));                     \
  }                                                                                     \
  Bounds1 r{none_of<R>(), none_of<R>(), none_of<R>()};                                  \
  for (int l = 0; l < W; ++l) {                                                         \
    r.ylm = std::min(r.ylm, std::int32_t(vy[l]));                                       \
    r.xbm = std::min(r.xbm, std::int32_t(vx[l]));                                       \
    r.zst = std::min(r.zst, std::int32_t(vz[l]));                                       \
  }                                                                                     \
  return r;
#define TRADEOFF_HV4D_PASS1C_VBODY(R, VT, W)                                            \
  const VT big = VT{} + R(none_of<R>());                                                \
  VT y1 = big, y2 = big, x1 = big, x2 = big, z1 = big, z2 = big, cnt = VT{};            \
  for (std::int32_t t = 0; t < L; t += W) {                                             \
    TRADEOFF_HV4D_LOAD3(VT, t)                                                          \
    const VT below = z <= R(pz), xle = x <= R(px), yle = y <= R(py);                    \
    const VT a = y | (~(below & xle) & big);                                            \
    const VT b = x | (~(below & yle) & big);                                            \
    const VT c = z | (~(~below & xle & yle) & big);                                     \
    cnt -= below & xle & yle;                                                           \
    y2 = TRADEOFF_HV4D_VMIN(y2, TRADEOFF_HV4D_VMAX(y1, a));                             \
    y1 = TRADEOFF_HV4D_VMIN(y1, a);                                                     \
    x2 = TRADEOFF_HV4D_VMIN(x2, TRADEOFF_HV4D_VMAX(x1, b));                             \
    x1 = TRADEOFF_HV4D_VMIN(x1, b);                                                     \
    z2 = TRADEOFF_HV4D_VMIN(z2, TRADEOFF_HV4D_VMAX(z1, c));                             \
    z1 = TRADEOFF_HV4D_VMIN(z1, c);                                                     \
  }                                                                                     \
  const std::int32_t nn = none_of<R>();                                                 \
  Bounds2 r{nn, nn, nn, nn, nn, nn, 0};                                                 \
  for (int l = 0; l < W; ++l) {                                                         \
    keep_two(r.y1, r.y2, y1[l]);                                                        \
    keep_two(r.y1, r.y2, y2[l]);                                                        \
    keep_two(r.x1, r.x2, x1[l]);                                                        \
    keep_two(r.x1, r.x2, x2[l]);                                                        \
    keep_two(r.z1, r.z2, z1[l]);                                                        \
    keep_two(r.z1, r.z2, z2[l]);                                                        \
    r.dominators += cnt[l];                                                             \
  }                                                                                     \
  return r;
// MASKBITS(m, bits): bit SHIFT*l... of bits set when lane l of m is set (SHIFT = log2 of
// the bits per lane the mask instruction gives).
#define TRADEOFF_HV4D_PASS2_VBODY(R, VT, W, TEST_VEC, MASKBITS, SHIFT)                  \
  TRADEOFF_HV4D_BOUNDS                                                                  \
  std::int32_t k = 0;                                                                   \
  for (std::int32_t t = 0; t < L; t += W) {                                             \
    TRADEOFF_HV4D_LOAD3(VT, t)                                                          \
    const VT vpx = VT{} + R(px), vpy = VT{} + R(py), vpz = VT{} + R(pz);                \
    const VT vxb = VT{} + R(xbm), vyl = VT{} + R(ylm), vzs = VT{} + R(zst);             \
    const VT vxa = VT{} + R(xa), vya = VT{} + R(ya), vza = VT{} + R(za);                \
    (void)vxa;                                                                          \
    (void)vya;                                                                          \
    (void)vza;                                                                          \
    const VT m = TEST_VEC;                                                              \
    unsigned bits;                                                                      \
    MASKBITS(m, bits)                                                                   \
    /* the first hit without a branch (most vectors have none or one) */                \
    hit[k] = t + (__builtin_ctz(bits | 0x80000000u) >> SHIFT);                          \
    k += bits != 0;                                                                     \
    bits &= bits - 1;                                                                   \
    while (bits) {                                                                      \
      hit[k++] = t + (__builtin_ctz(bits) >> SHIFT);                                    \
      bits &= bits - 1;                                                                 \
    }                                                                                   \
  }                                                                                     \
  return k;
#define TRADEOFF_HV4D_P2_VEC                                                            \
  ((x < vxb) & (y < vyl) & TRADEOFF_HV4D_SEL(z > vpz, z < vzs, (x > vpx) & (y > vpy))) | \
      ((x >= vpx) & (y >= vpy) & (z >= vpz))
#define TRADEOFF_HV4D_P2C_VEC                                                           \
  ((x <= vxb) & (y <= vyl) & (z < vzs) & ~((x >= vxa) & (y >= vya)) &                   \
   ~((z > vza) & ((x >= vxa) | (y >= vya)))) |                                          \
      ((x >= vpx) & (y >= vpy) & (z >= vpz))

#if defined(__SSE2__)
#define TRADEOFF_HV4D_MASK_SSE_32(m, bits) \
  bits = unsigned(_mm_movemask_ps(_mm_castsi128_ps(reinterpret_cast<__m128i>(m))));
#define TRADEOFF_HV4D_MASK_SSE_16(m, bits) \
  bits = unsigned(_mm_movemask_epi8(reinterpret_cast<__m128i>(m))) & 0x5555u;
#else
#define TRADEOFF_HV4D_MASK_SSE_32(m, bits)                                              \
  bits = 0;                                                                             \
  for (int l = 0; l < 4; ++l) bits |= unsigned(m[l] != 0) << l;
#define TRADEOFF_HV4D_MASK_SSE_16(m, bits)                                              \
  bits = 0;                                                                             \
  for (int l = 0; l < 8; ++l) bits |= unsigned(m[l] != 0) << (2 * l);
#endif

// Stamps out the four passes for one rank type and one vector type.
#define TRADEOFF_HV4D_PASSES(ATTR, SUFFIX, R, VT, W, MASKBITS, SHIFT)                    \
  ATTR inline Bounds1 pass1_##SUFFIX(const R* lx, const R* ly, const R* lz, std::int32_t L, \
                                     std::int32_t px, std::int32_t py, std::int32_t pz) { \
    TRADEOFF_HV4D_PASS1_VBODY(R, VT, W)                                                 \
  }                                                                                     \
  ATTR inline Bounds2 pass1c_##SUFFIX(const R* lx, const R* ly, const R* lz, std::int32_t L, \
                                      std::int32_t px, std::int32_t py, std::int32_t pz) { \
    TRADEOFF_HV4D_PASS1C_VBODY(R, VT, W)                                                \
  }                                                                                     \
  ATTR inline std::int32_t pass2_##SUFFIX(const R* lx, const R* ly, const R* lz, std::int32_t L, \
                                          std::int32_t px, std::int32_t py, std::int32_t pz, \
                                          const std::int32_t* bnd, std::int32_t* hit) {  \
    TRADEOFF_HV4D_PASS2_VBODY(R, VT, W, TRADEOFF_HV4D_P2_VEC, MASKBITS, SHIFT) \
  }                                                                                     \
  ATTR inline std::int32_t pass2c_##SUFFIX(const R* lx, const R* ly, const R* lz, std::int32_t L, \
                                           std::int32_t px, std::int32_t py, std::int32_t pz, \
                                           const std::int32_t* bnd, std::int32_t* hit) { \
    TRADEOFF_HV4D_PASS2_VBODY(R, VT, W, TRADEOFF_HV4D_P2C_VEC, MASKBITS, SHIFT) \
  }

#if defined(__AVX2__) || defined(TRADEOFF_HV4D_AVX2_DISPATCH)
#include <immintrin.h>
#define TRADEOFF_HV4D_MASK_AVX_32(m, bits) \
  bits = unsigned(_mm256_movemask_ps(_mm256_castsi256_ps(reinterpret_cast<__m256i>(m))));
#define TRADEOFF_HV4D_MASK_AVX_16(m, bits) \
  bits = unsigned(_mm256_movemask_epi8(reinterpret_cast<__m256i>(m))) & 0x55555555u;
#endif

#if defined(__AVX2__)  // the whole build targets AVX2: the default passes use it
TRADEOFF_HV4D_PASSES(, vec, std::int32_t, v8i32_t, 8, TRADEOFF_HV4D_MASK_AVX_32, 0)
TRADEOFF_HV4D_PASSES(, vec, std::int16_t, v16i16_t, 16, TRADEOFF_HV4D_MASK_AVX_16, 1)
#else
TRADEOFF_HV4D_PASSES(, vec, std::int32_t, v4i32_t, 4, TRADEOFF_HV4D_MASK_SSE_32, 0)
TRADEOFF_HV4D_PASSES(, vec, std::int16_t, v8i16_t, 8, TRADEOFF_HV4D_MASK_SSE_16, 1)
#endif

#if defined(TRADEOFF_HV4D_AVX2_DISPATCH)
TRADEOFF_HV4D_PASSES(__attribute__((target("avx2"))), avx2, std::int32_t, v8i32_t, 8, TRADEOFF_HV4D_MASK_AVX_32, 0)
TRADEOFF_HV4D_PASSES(__attribute__((target("avx2"))), avx2, std::int16_t, v16i16_t, 16, TRADEOFF_HV4D_MASK_AVX_16, 1)
inline bool has_avx2() {
  static const bool yes = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return yes;
}
#define TRADEOFF_HV4D_CALL(name, ...) return has_avx2() ? name##_avx2(__VA_ARGS__) : name##_vec(__VA_ARGS__)
#else
#define TRADEOFF_HV4D_CALL(name, ...) return name##_vec(__VA_ARGS__)
#endif
#else  // no vector types
#define TRADEOFF_HV4D_CALL(name, ...) return name##_scalar(__VA_ARGS__)
#endif

// The passes, by rank type. pass1 / pass1c return int32 bounds with kNone for "none";
// pass2 / pass2c take them the same way.
template <class R>
inline Bounds1 pass1(const R* lx, const R* ly, const R* lz, std::int32_t L, std::int32_t px, std::int32_t py,
                     std::int32_t pz) {
  const Bounds1 b = [&]() -> Bounds1 { TRADEOFF_HV4D_CALL(pass1, lx, ly, lz, L, px, py, pz); }();
  return Bounds1{widen<R>(b.ylm), widen<R>(b.xbm), widen<R>(b.zst)};
}
template <class R>
inline Bounds2 pass1c(const R* lx, const R* ly, const R* lz, std::int32_t L, std::int32_t px, std::int32_t py,
                      std::int32_t pz) {
  const Bounds2 b = [&]() -> Bounds2 { TRADEOFF_HV4D_CALL(pass1c, lx, ly, lz, L, px, py, pz); }();
  return Bounds2{widen<R>(b.y1), widen<R>(b.y2), widen<R>(b.x1), widen<R>(b.x2),
                 widen<R>(b.z1), widen<R>(b.z2), b.dominators};
}
template <class R>
inline std::int32_t pass2(const R* lx, const R* ly, const R* lz, std::int32_t L, std::int32_t px, std::int32_t py,
                          std::int32_t pz, const std::int32_t* bounds, std::int32_t* hit) {
  std::int32_t bnd[6];
  for (int j = 0; j < 6; ++j) bnd[j] = narrow<R>(bounds[j]);
  TRADEOFF_HV4D_CALL(pass2, lx, ly, lz, L, px, py, pz, bnd, hit);
}
template <class R>
inline std::int32_t pass2c(const R* lx, const R* ly, const R* lz, std::int32_t L, std::int32_t px, std::int32_t py,
                           std::int32_t pz, const std::int32_t* bounds, std::int32_t* hit) {
  std::int32_t bnd[6];
  for (int j = 0; j < 6; ++j) bnd[j] = narrow<R>(bounds[j]);
  TRADEOFF_HV4D_CALL(pass2c, lx, ly, lz, L, px, py, pz, bnd, hit);
}

// (the helper macros of the passes end here)
#undef TRADEOFF_HV4D_BOUNDS
#undef TRADEOFF_HV4D_CALL
#undef TRADEOFF_HV4D_LOAD3
#undef TRADEOFF_HV4D_MASK_AVX_16
#undef TRADEOFF_HV4D_MASK_AVX_32
#undef TRADEOFF_HV4D_MASK_SSE_16
#undef TRADEOFF_HV4D_MASK_SSE_32
#undef TRADEOFF_HV4D_P1C_SCALAR
#undef TRADEOFF_HV4D_P1_SCALAR
#undef TRADEOFF_HV4D_P2C_TEST
#undef TRADEOFF_HV4D_P2C_VEC
#undef TRADEOFF_HV4D_P2_TEST
#undef TRADEOFF_HV4D_P2_VEC
#undef TRADEOFF_HV4D_PASS1C_VBODY
#undef TRADEOFF_HV4D_PASS1_VBODY
#undef TRADEOFF_HV4D_PASS2_VBODY
#undef TRADEOFF_HV4D_PASSES
#undef TRADEOFF_HV4D_SEL
#undef TRADEOFF_HV4D_VMAX
#undef TRADEOFF_HV4D_VMIN

// Sorts 64-bit keys (insertion sort when short).
inline void sort_u64(std::vector<std::uint64_t>& v) {
  const std::size_t k = v.size();
  if (k > 40) {
    std::sort(v.begin(), v.end());
    return;
  }
  for (std::size_t i = 1; i < k; ++i) {
    const std::uint64_t t = v[i];
    std::size_t j = i;
    for (; j > 0 && v[j - 1] > t; --j) v[j] = v[j - 1];
    v[j] = t;
  }
}

// Sorts a list of distinct positions in [0, n): a comparison sort when short, a bit set
// when long (O(n / 64 + k)).
inline void sort_positions(std::vector<std::int32_t>& v, std::vector<std::uint64_t>& bits) {
  const std::size_t k = v.size();
  if (k <= 24) {
    for (std::size_t i = 1; i < k; ++i) {
      const std::int32_t t = v[i];
      std::size_t j = i;
      for (; j > 0 && v[j - 1] > t; --j) v[j] = v[j - 1];
      v[j] = t;
    }
    return;
  }
  if (k < 256) {
    std::sort(v.begin(), v.end());
    return;
  }
  std::int32_t lo = v[0], hi = v[0];
  for (std::int32_t r : v) {
    bits[std::size_t(r) >> 6] |= std::uint64_t(1) << (r & 63);
    lo = std::min(lo, r);
    hi = std::max(hi, r);
  }
  v.clear();
  for (std::int32_t w = lo >> 6; w <= (hi >> 6); ++w) {
    std::uint64_t b = bits[std::size_t(w)];
    bits[std::size_t(w)] = 0;
    while (b) {
      v.push_back(w * 64 + __builtin_ctzll(b));
      b &= b - 1;
    }
  }
}

// ---------------------------------------------------------------------------------------
// The staircase of one sweep: points (x, y) by increasing x and decreasing y, in a buffer
// with room on both sides (insertions at either end are O(1), inside O(distance to the
// nearer end)). The box is [x0, rx) x [y0, ry).
// ---------------------------------------------------------------------------------------
struct Stairs {
  std::vector<double> xs, ys;
  std::size_t b = 0, e = 0;
  double x0 = 0, y0 = 0, rx = 0, ry = 0;

  void reset(std::size_t capacity, double x0_, double y0_, double rx_, double ry_) {
    if (xs.size() < 2 * capacity + 4) {
      xs.resize(2 * capacity + 4);
      ys.resize(2 * capacity + 4);
    }
    b = e = xs.size() / 2;
    x0 = x0_;
    y0 = y0_;
    rx = rx_;
    ry = ry_;
  }
  void push_back(double x, double y) {
    xs[e] = x;
    ys[e] = y;
    ++e;
  }
  // Uncovered area of the box.
  double uncovered() const {
    if (b == e) return (rx - x0) * (ry - y0);
    double a = (xs[b] - x0) * (ry - y0);
    for (std::size_t t = b; t + 1 < e; ++t) a += (xs[t + 1] - xs[t]) * (ys[t] - y0);
    return a + (rx - xs[e - 1]) * (ys[e - 1] - y0);
  }
  // Adds the point (sx, sy) of the box; returns the area it newly covers.
  double insert(double sx, double sy) {
    const std::size_t j = std::size_t(std::lower_bound(xs.begin() + std::ptrdiff_t(b), xs.begin() + std::ptrdiff_t(e), sx) - xs.begin());
    if (j > b && ys[j - 1] <= sy) return 0.0;
    if (j < e && xs[j] == sx && ys[j] <= sy) return 0.0;
    std::size_t k = j;
    double level = j > b ? ys[j - 1] : ry, xc = sx, added = 0.0;
    for (; k < e && ys[k] >= sy; ++k) {
      added += (xs[k] - xc) * (level - sy);
      xc = xs[k];
      level = ys[k];
    }
    added += ((k < e ? xs[k] : rx) - xc) * (level - sy);
    replace(j, k, sx, sy);
    return added;
  }
  // Replaces the points [j, k) by the one point (x, y).
  void replace(std::size_t j, std::size_t k, double x, double y) {
    if (k > j) {
      xs[j] = x;
      ys[j] = y;
      const std::size_t gap = k - j - 1;
      if (gap) {
        if (j - b < e - k) {  // move the left part right
          std::memmove(&xs[b + gap], &xs[b], (j + 1 - b) * sizeof(double));
          std::memmove(&ys[b + gap], &ys[b], (j + 1 - b) * sizeof(double));
          b += gap;
        } else {
          std::memmove(&xs[j + 1], &xs[k], (e - k) * sizeof(double));
          std::memmove(&ys[j + 1], &ys[k], (e - k) * sizeof(double));
          e -= gap;
        }
      }
    } else if (j - b < e - j) {  // open a slot on the left
      std::memmove(&xs[b - 1], &xs[b], (j - b) * sizeof(double));
      std::memmove(&ys[b - 1], &ys[b], (j - b) * sizeof(double));
      --b;
      xs[j - 1] = x;
      ys[j - 1] = y;
    } else {
      std::memmove(&xs[j + 1], &xs[j], (e - j) * sizeof(double));
      std::memmove(&ys[j + 1], &ys[j], (e - j) * sizeof(double));
      ++e;
      xs[j] = x;
      ys[j] = y;
    }
  }
};

// The ranks of the points of the live set A, as R.
template <class R>
struct LiveRanks {
  std::vector<R> buf;  // the three arrays, each starting on a 64-byte boundary
  R* x = nullptr;
  R* y = nullptr;
  R* z = nullptr;
  // Room for n points plus the padding, every entry the neutral point.
  void reset(std::size_t n) {
    const std::size_t per = (n + kPad + 64 / sizeof(R) - 1) / (64 / sizeof(R)) * (64 / sizeof(R));
    buf.resize(3 * per + 64 / sizeof(R));
    R* base = buf.data();
    const std::size_t misalign = std::size_t(reinterpret_cast<std::uintptr_t>(base) % 64) / sizeof(R);
    if (misalign) base += 64 / sizeof(R) - misalign;
    x = base;
    y = base + per;
    z = base + 2 * per;
    std::fill(x, x + per, std::numeric_limits<R>::max());
    std::fill(y, y + per, std::numeric_limits<R>::max());
    std::fill(z, z + per, R(0));
  }
};

// Per-thread buffers of the volume sweep.
struct VolumeWork {
  Prepared in;
  LiveRanks<std::int16_t> r16;
  LiveRanks<std::int32_t> r32;
  LiveRanks<std::int16_t>& ranks(std::int16_t) { return r16; }
  LiveRanks<std::int32_t>& ranks(std::int32_t) { return r32; }
  std::vector<std::int32_t> lux, luz;  // per point of A: its positions by (x, y) and by z
  std::vector<std::int32_t> hit;
  std::vector<std::uint64_t> bits;
  std::vector<std::int32_t> below, above, dead;
  Stairs st;
};

template <class R>
inline double volume_sweep(VolumeWork& wk, const double* ref) {
  Prepared& in = wk.in;
  const std::int32_t n = in.n;
  const std::size_t N = std::size_t(n);
  LiveRanks<R>& live = wk.ranks(R());
  live.reset(N);
  wk.lux.resize(N);
  wk.luz.resize(N);
  wk.hit.resize(N + 8);
  wk.bits.assign(N / 64 + 1, 0);
  R* lx = live.x;
  R* ly = live.y;
  R* lz = live.z;
  std::int32_t L = 0;
  const double rx = ref[0], ry = ref[1], rz = ref[2];
  CompensatedSum v3, v4;
  for (std::int32_t i = 0; i < n; ++i) {
    const std::size_t I = std::size_t(i);
    const std::int32_t px = in.xr[I], py = in.yr[I], pz = in.zr[I];
    const Bounds1 bd = pass1(lx, ly, lz, L, px, py, pz);
    if (bd.ylm > py) {  // else p is weakly dominated by a point of A and adds nothing
      const std::int32_t bnd[6] = {bd.xbm, bd.ylm, bd.zst, kNone, kNone, kNone};
      const std::int32_t nhit = pass2(lx, ly, lz, L, px, py, pz, bnd, wk.hit.data());
      wk.below.clear();
      wk.above.clear();
      wk.dead.clear();
      for (std::int32_t h = 0; h < nhit; ++h) {
        const std::int32_t t = wk.hit[std::size_t(h)];
        const std::int32_t x = lx[t], y = ly[t], z = lz[t];
        if (z <= pz) {
          if (x > px && y > py && x < bd.xbm && y < bd.ylm) wk.below.push_back(wk.lux[std::size_t(t)]);
        } else if (z < bd.zst && x < bd.xbm && y < bd.ylm) {
          wk.above.push_back(wk.luz[std::size_t(t)]);
        }
        if (x >= px && y >= py && z >= pz) wk.dead.push_back(t);
      }
      // remove the points p dominates (in decreasing position: swap with the last)
      for (std::size_t k = wk.dead.size(); k-- > 0;) {
        const std::size_t t = std::size_t(wk.dead[k]);
        --L;
        lx[t] = lx[L];
        ly[t] = ly[L];
        lz[t] = lz[L];
        wk.lux[t] = wk.lux[std::size_t(L)];
        wk.luz[t] = wk.luz[std::size_t(L)];
        set_neutral(lx, ly, lz, std::size_t(L));
      }
      const double x0 = in.X[I], y0 = in.Y[I], z0 = in.Z[I];
      Stairs& st = wk.st;
      st.reset(wk.below.size() + wk.above.size() + 2, x0, y0, rx, ry);
      // the staircase at p.z: the left-edge point, the listed points below p, the bottom-edge one
      double level = ry;
      if (bd.ylm != kNone) {
        level = in.yv[std::size_t(bd.ylm)];
        st.push_back(x0, level);
      }
      if (wk.below.size() <= 32) {  // few: inserted in any order
        if (bd.xbm != kNone) st.push_back(in.xv[std::size_t(bd.xbm)], y0);
        for (std::int32_t u : wk.below) st.insert(in.uxx[std::size_t(u)], in.uxy[std::size_t(u)]);
      } else {  // many: by x, each appended
        sort_positions(wk.below, wk.bits);
        for (std::int32_t u : wk.below) {
          const double y = in.uxy[std::size_t(u)];
          if (y < level) {
            level = y;
            st.push_back(in.uxx[std::size_t(u)], y);
          }
        }
        if (bd.xbm != kNone) st.push_back(in.xv[std::size_t(bd.xbm)], y0);
      }
      double area = st.uncovered();
      // sweep up in z through the listed points above p
      sort_positions(wk.above, wk.bits);
      double c = 0, zprev = z0;  // a few positive terms
      for (std::int32_t u : wk.above) {
        const double z = in.uzz[std::size_t(u)];
        c += area * (z - zprev);
        zprev = z;
        area -= st.insert(std::max(in.uzx[std::size_t(u)], x0), std::max(in.uzy[std::size_t(u)], y0));
      }
      c += area * ((bd.zst != kNone ? in.zv[std::size_t(bd.zst)] : rz) - zprev);
      v3.add(c);
      lx[L] = R(px);
      ly[L] = R(py);
      lz[L] = R(pz);
      wk.lux[std::size_t(L)] = in.ux[I];
      wk.luz[std::size_t(L)] = in.uz[I];
      ++L;
    }
    const double gap = in.W[I + 1] - in.W[I];
    if (gap > 0) v4.add(v3.value() * gap);
  }
  return v4.value();
}

// ---------------------------------------------------------------------------------------
// Contributions: the sweep inside the box of an entering point r.
// ---------------------------------------------------------------------------------------

// The sweep of contributions4d inside the box B = [x0, rx) x [y0, ry) x [z0, rz) of the
// entering point r, over the candidate points clipped to B (each with the id of its point).
// At every height the points seen so far form, in (x, y):
//   - the staircase T1 of points not dominated by another (ties: the earlier one dominates),
//     by increasing x. Item s of T1 owns alone the box [s.x, next T1 x) x [s.y, previous T1 y);
//   - for each s in T1, the points inside that box not dominated by another such point
//     (a staircase S2 of its own, by increasing x): the part s owns alone is its box minus
//     their quadrants. A point dominated twice never matters again and is dropped.
// Both live in one list sorted by (x, y): each T1 item followed by its S2 items, between the
// sentinels H = (x0, ry) and T = (rx, y0). The area below T1 (owned by nobody: r's own
// contribution) and the area each T1 item owns alone are cut into vertical strips:
//   - T1 item s, depth 0: [s.x, next T1 x) x [y0, s.y)      (H included)
//   - T1 item s, owned:   [s.x, next item x) x [s.y, previous T1 y)
//   - S2 item d of s:     [d.x, next item x) x [s.y, d.y)
// A strip is closed (area times the height it lasted added to its owner) whenever it changes,
// so every term is a product of positive coordinate differences.
// A new point is located in the list by its predecessor among the present items: each item
// has a fixed position in one (x, y) order of all clipped points (the points left of r, all
// clipped to x = r.x, by y; then the others by (x, y)), and the present positions form a
// RankSet. The first item before the new point e and its T1 owner s tell everything: e's
// corner is uncovered unless s dominates e; covered twice if the T1 item before s or the S2
// item before e dominates e too. Every item enters and leaves the list and T1 at most once.
struct ContribSweep {
  std::vector<double> x, y, zo, zo0;
  std::vector<std::int32_t> next, prev, nt, pt, owner, who;
  std::vector<std::int32_t> pos;  // item -> its position in the (x, y) order of all points
  std::vector<std::uint8_t> t1;
  // The present items as a set of positions (kept empty between sweeps but for the two
  // sentinels at 0 and size - 1), and position -> item.
  RankSet present;
  std::vector<std::int32_t> item_at;
  double y0 = 0;
  CompensatedSum uncovered;  // r's own contribution
  double* delta = nullptr;   // delta[id]: volume only the item's point and r cover
  std::vector<std::int32_t>* touched = nullptr;

  void give(std::int32_t id, double v) {
    if (v == 0.0) return;
    if (delta[id] == 0.0) touched->push_back(id);
    delta[id] += v;
  }
  // Closes the strip of item u at height z (its shape is about to change) and reopens it.
  void close(std::int32_t u, double z) {
    if (t1[std::size_t(u)]) {
      if (who[std::size_t(u)] >= 0)
        give(who[std::size_t(u)], (x[std::size_t(next[std::size_t(u)])] - x[std::size_t(u)]) *
                                      (y[std::size_t(pt[std::size_t(u)])] - y[std::size_t(u)]) * (z - zo[std::size_t(u)]));
    } else {
      const std::size_t o = std::size_t(owner[std::size_t(u)]);
      give(who[o], (x[std::size_t(next[std::size_t(u)])] - x[std::size_t(u)]) * (y[std::size_t(u)] - y[o]) *
                       (z - zo[std::size_t(u)]));
    }
    zo[std::size_t(u)] = z;
  }
  // Same for the depth-0 strip of T1 item u.
  void close0(std::int32_t u, double z) {
    const std::size_t U = std::size_t(u);
    uncovered.add((x[std::size_t(nt[U])] - x[U]) * (y[U] - y0) * (z - zo0[U]));
    zo0[U] = z;
  }
  void unlink(std::int32_t u) {
    next[std::size_t(prev[std::size_t(u)])] = next[std::size_t(u)];
    prev[std::size_t(next[std::size_t(u)])] = prev[std::size_t(u)];
    present.erase(pos[std::size_t(u)]);
  }
  void link_after(std::int32_t a, std::int32_t e) {
    const std::int32_t b = next[std::size_t(a)];
    next[std::size_t(e)] = b;
    prev[std::size_t(e)] = a;
    prev[std::size_t(b)] = e;
    next[std::size_t(a)] = e;
    present.insert(pos[std::size_t(e)]);
    item_at[std::size_t(pos[std::size_t(e)])] = e;
  }

  // Positions run over [0, size): 0 and size - 1 are the sentinels.
  void prepare(std::int32_t size) {
    present.reset(size);
    present.insert(0);
    present.insert(size - 1);
    item_at.resize(std::size_t(size));
  }

  // Items 1..k hold the candidates (x, y, who and pos set); 0 and k+1 are the sentinels.
  void start(std::int32_t k, double x0, double y0_, double z0, double rx, double ry) {
    const std::size_t K = std::size_t(k) + 2;
    for (auto* v : {&zo, &zo0}) v->resize(K);
    for (auto* v : {&next, &prev, &nt, &pt, &owner}) v->resize(K);
    t1.assign(K, 0);
    y0 = y0_;
    uncovered = CompensatedSum();
    const std::int32_t T = k + 1;
    x[0] = x0;
    y[0] = ry;
    x[std::size_t(T)] = rx;
    y[std::size_t(T)] = y0;
    who[0] = who[std::size_t(T)] = -1;
    t1[0] = t1[std::size_t(T)] = 1;
    next[0] = nt[0] = T;
    prev[std::size_t(T)] = pt[std::size_t(T)] = 0;
    prev[0] = pt[0] = -1;
    next[std::size_t(T)] = nt[std::size_t(T)] = -1;
    zo0[0] = z0;
    pos[0] = 0;
    pos[std::size_t(T)] = std::int32_t(item_at.size()) - 1;
    item_at[0] = 0;
    item_at[item_at.size() - 1] = T;
  }

  // Item e enters at height z.
  void enter(std::int32_t e, double z, std::int32_t T) {
    const std::size_t E = std::size_t(e);
    const double ex = x[E], ey = y[E];
    (void)ex;
    const std::int32_t a = item_at[std::size_t(present.pred(std::size_t(pos[E])))];
    const std::int32_t s = t1[std::size_t(a)] ? a : owner[std::size_t(a)];
    if (s != 0 && y[std::size_t(s)] <= ey) {
      // e's corner is covered by s: e matters only if nothing else covers it
      if (ey >= y[std::size_t(pt[std::size_t(s)])]) return;
      if (a != s && y[std::size_t(a)] <= ey) return;
      close(a, z);
      for (std::int32_t u = next[std::size_t(a)]; !t1[std::size_t(u)] && y[std::size_t(u)] >= ey; u = next[std::size_t(a)]) {
        close(u, z);
        unlink(u);
      }
      link_after(a, e);
      t1[E] = 0;
      owner[E] = s;
      zo[E] = z;
      return;
    }
    // e joins the staircase
    if (a != 0) close(a, z);
    close0(s, z);
    std::int32_t u = next[std::size_t(a)];
    for (; !t1[std::size_t(u)]; u = next[std::size_t(a)]) {  // S2 items of s beyond e.x
      close(u, z);
      unlink(u);
    }
    while (u != T && y[std::size_t(u)] >= ey) {  // staircase items e dominates: now e's S2 items
      close(u, z);
      close0(u, z);
      const std::int32_t v = nt[std::size_t(u)];
      for (std::int32_t w = next[std::size_t(u)]; w != v; w = next[std::size_t(u)]) {
        close(w, z);
        unlink(w);
      }
      t1[std::size_t(u)] = 0;
      owner[std::size_t(u)] = e;
      u = v;
    }
    if (u != T) {  // the next staircase item: its box now ends at e.y
      close(u, z);
      for (std::int32_t w = next[std::size_t(u)]; !t1[std::size_t(w)] && y[std::size_t(w)] >= ey; w = next[std::size_t(u)]) {
        close(w, z);
        unlink(w);
      }
    }
    link_after(a, e);
    t1[E] = 1;
    owner[E] = e;
    zo[E] = zo0[E] = z;
    pt[E] = s;
    nt[E] = u;
    nt[std::size_t(s)] = e;
    pt[std::size_t(u)] = e;
  }

  // Closes every strip at height z (the end of the sweep) and empties the position set.
  void finish(double z, std::int32_t T) {
    for (std::int32_t u = 0; u != T; u = next[std::size_t(u)]) {
      if (t1[std::size_t(u)]) close0(u, z);
      if (u != 0) {
        close(u, z);
        present.erase(pos[std::size_t(u)]);
      }
    }
  }
};

// Per-thread buffers of the contributions sweep.
struct ContribWork {
  Prepared in;
  LiveRanks<std::int16_t> r16;
  LiveRanks<std::int32_t> r32;
  LiveRanks<std::int16_t>& ranks(std::int16_t) { return r16; }
  LiveRanks<std::int32_t>& ranks(std::int32_t) { return r32; }
  std::vector<std::int32_t> lid;              // per point of A: the point (its index in w order)
  std::vector<std::uint8_t> layer;            // per point: 1 dominated by none, 2 by one, 0 out
  std::vector<double> c3, wlast, delta;       // per point
  std::vector<CompensatedSum> acc;            // per point: the 4-D contribution so far
  std::vector<std::int32_t> hit, dom, dead, touched;
  std::vector<std::uint64_t> keys;
  ContribSweep sw;
};

template <class R>
inline void contrib_sweep(ContribWork& wk, const double* ref, double* out) {
  Prepared& in = wk.in;
  const std::int32_t n = in.n;
  const std::size_t N = std::size_t(n);
  LiveRanks<R>& live = wk.ranks(R());
  live.reset(N);
  wk.lid.resize(N);
  wk.hit.resize(N + 8);
  wk.layer.assign(N, 0);
  wk.c3.assign(N, 0.0);
  wk.wlast.assign(N, 0.0);
  wk.delta.assign(N, 0.0);
  wk.acc.assign(N, CompensatedSum());
  R* lx = live.x;
  R* ly = live.y;
  R* lz = live.z;
  std::int32_t L = 0;
  const double rx = ref[0], ry = ref[1], rz = ref[2];
  ContribSweep& sw = wk.sw;
  sw.prepare(2 * n + 2);
  sw.delta = wk.delta.data();
  sw.touched = &wk.touched;
  auto flush = [&](std::int32_t id, double w) {
    const std::size_t I = std::size_t(id);
    if (wk.c3[I] != 0.0 && w > wk.wlast[I]) wk.acc[I].add(wk.c3[I] * (w - wk.wlast[I]));
    wk.wlast[I] = w;
  };
  for (std::int32_t i = 0; i < n; ++i) {
    const std::size_t I = std::size_t(i);
    const std::int32_t px = in.xr[I], py = in.yr[I], pz = in.zr[I];
    const Bounds2 bd = pass1c(lx, ly, lz, L, px, py, pz);
    if (bd.dominators >= 2) continue;  // r lies where two points overlap: it changes nothing
    // Above the second (x, y)-dominator of r, or beyond the second point on an edge, r's box
    // is covered twice; without a dominator of r, so is what both first edge points cover,
    // and what one of them covers above the first (x, y)-dominator.
    const bool free = bd.dominators == 0;
    const std::int32_t bnd[6] = {bd.x2, bd.y2, bd.z2, free ? bd.x1 : kNone, free ? bd.y1 : kNone,
                                 free ? bd.z1 : kNone};
    const std::int32_t nhit = pass2c(lx, ly, lz, L, px, py, pz, bnd, wk.hit.data());
    // the candidates, as items 1..k of the sweep: those below r first (they all enter at
    // r.z, in any order), then those above in order of z
    const double x0 = in.X[I], y0 = in.Y[I], z0 = in.Z[I], wr = in.W[I];
    sw.x.resize(1);
    sw.y.resize(1);
    sw.who.resize(1);
    sw.pos.resize(1);
    wk.keys.clear();
    wk.dom.clear();
    auto add_item = [&](std::int32_t id, std::int32_t x) {
      const std::size_t J = std::size_t(id);
      sw.x.push_back(std::max(in.X[J], x0));
      sw.y.push_back(std::max(in.Y[J], y0));
      sw.who.push_back(id);
      // order of the clipped (x, y): the points left of r (clipped to x = r.x) by y, then
      // the others by (x, y)
      sw.pos.push_back(1 + (x <= px ? in.uy[J] : n + in.ux[J]));
    };
    for (std::int32_t h = 0; h < nhit; ++h) {
      const std::int32_t t = wk.hit[std::size_t(h)];
      const std::int32_t x = lx[t], y = ly[t], z = lz[t];
      if (x <= bd.x2 && y <= bd.y2 && z < bd.z2 && !(x >= bnd[3] && y >= bnd[4]) &&
          !(z > bnd[5] && (x >= bnd[3] || y >= bnd[4]))) {
        if (z <= pz) {
          add_item(wk.lid[std::size_t(t)], x);
        } else {
          wk.keys.push_back((std::uint64_t(z) << 32) | std::uint64_t(t));
        }
      }
      if (x >= px && y >= py && z >= pz) wk.dom.push_back(t);
    }
    const std::int32_t kb = std::int32_t(sw.x.size()) - 1;
    sort_u64(wk.keys);
    for (std::uint64_t key : wk.keys) {
      const std::int32_t t = std::int32_t(key & 0xffffffffu);
      add_item(wk.lid[std::size_t(t)], lx[t]);
    }
    const std::int32_t k = std::int32_t(sw.x.size()) - 1, T = k + 1;
    for (auto* v : {&sw.x, &sw.y}) v->push_back(0.0);
    sw.who.push_back(-1);
    sw.pos.push_back(0);
    sw.start(k, x0, y0, z0, rx, ry);
    for (std::int32_t e = 1; e <= kb; ++e) sw.enter(e, z0, T);
    for (std::int32_t e = kb + 1; e <= k; ++e) {
      const std::uint64_t key = wk.keys[std::size_t(e - kb - 1)];
      sw.enter(e, in.zv[std::size_t(key >> 32)], T);
    }
    sw.finish(bd.z2 != kNone ? in.zv[std::size_t(bd.z2)] : rz, T);
    // every point loses what only it and r cover
    for (std::int32_t id : wk.touched) {
      const std::size_t J = std::size_t(id);
      if (wk.layer[J] == 1) {
        flush(id, wr);
        const double c = wk.c3[J] - wk.delta[J];
        wk.c3[J] = c > 0 ? c : 0.0;
      }
      wk.delta[J] = 0.0;
    }
    wk.touched.clear();
    // the points r dominates: dominated once more
    wk.dead.clear();
    for (std::int32_t t : wk.dom) {
      const std::int32_t id = wk.lid[std::size_t(t)];
      const std::size_t J = std::size_t(id);
      if (lx[t] == px && ly[t] == py && lz[t] == pz) {  // equal to r: r covers all of it
        flush(id, wr);
        wk.c3[J] = 0.0;
      } else if (wk.layer[J] == 1) {
        flush(id, wr);
        wk.c3[J] = 0.0;
        wk.layer[J] = 2;
      } else {
        wk.layer[J] = 0;
        wk.dead.push_back(t);
      }
    }
    std::sort(wk.dead.begin(), wk.dead.end());
    for (std::size_t d = wk.dead.size(); d-- > 0;) {
      const std::int32_t t = wk.dead[d];
      --L;
      lx[t] = lx[L];
      ly[t] = ly[L];
      lz[t] = lz[L];
      wk.lid[std::size_t(t)] = wk.lid[std::size_t(L)];
      set_neutral(lx, ly, lz, std::size_t(L));
    }
    wk.layer[I] = bd.dominators == 0 ? 1 : 2;
    wk.c3[I] = bd.dominators == 0 ? sw.uncovered.value() : 0.0;
    wk.wlast[I] = wr;
    lx[L] = R(px);
    ly[L] = R(py);
    lz[L] = R(pz);
    wk.lid[std::size_t(L)] = i;
    ++L;
  }
  for (std::int32_t t = 0; t < L; ++t) {
    const std::int32_t id = wk.lid[std::size_t(t)];
    if (wk.layer[std::size_t(id)] == 1) flush(id, in.W[N]);
  }
  for (std::size_t t = 0; t < N; ++t) {
    const double v = wk.acc[t].value();
    out[in.orig[t]] = v > 0 ? v : 0.0;
  }
}

// Keeps per-thread buffers between calls unless they grew past 2^20 points.
template <class Work>
inline Work& thread_work(index_t n) {
  thread_local Work wk;
  if (n > (index_t(1) << 20)) wk = Work();
  return wk;
}
template <class Work>
inline void trim_work(Work& wk, index_t n) {
  if (n > (index_t(1) << 20)) wk = Work();
}

}  // namespace detail4d

// Hypervolume of n points (row-major n x 4), every point strictly below ref.
inline double volume4d(const double* p, index_t n, const double* ref) {
  if (n <= 0) return 0.0;
  if (n >= (index_t(1) << 30)) throw std::bad_alloc();
  if (n == 1) return (ref[0] - p[0]) * (ref[1] - p[1]) * (ref[2] - p[2]) * (ref[3] - p[3]);
  auto& wk = detail4d::thread_work<detail4d::VolumeWork>(n);
  wk.in.prepare(p, n, ref);
  const double v = n < 32767 ? detail4d::volume_sweep<std::int16_t>(wk, ref)
                             : detail4d::volume_sweep<std::int32_t>(wk, ref);
  detail4d::trim_work(wk, n);
  return v;
}

// Exclusive contribution of each of n points (row-major n x 4, every point strictly below
// ref): out[i] = HV(P) - HV(P without point i).
inline void contributions4d(const double* p, index_t n, const double* ref, double* out) {
  if (n <= 0) return;
  if (n >= (index_t(1) << 30)) throw std::bad_alloc();
  if (n == 1) {
    out[0] = (ref[0] - p[0]) * (ref[1] - p[1]) * (ref[2] - p[2]) * (ref[3] - p[3]);
    return;
  }
  auto& wk = detail4d::thread_work<detail4d::ContribWork>(n);
  wk.in.prepare(p, n, ref);
  if (n < 32767)
    detail4d::contrib_sweep<std::int16_t>(wk, ref, out);
  else
    detail4d::contrib_sweep<std::int32_t>(wk, ref, out);
  detail4d::trim_work(wk, n);
}

}  // namespace hv
}  // namespace tradeoff
