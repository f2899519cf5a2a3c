// tradeoff/hv/contrib3d.hpp: every point's exclusive hypervolume contribution in three
// objectives, in O(n log n) (host only).
//
//   contributions3d(p, n, ref, out)   out[i] = HV(P) - HV(P without point i)
//
// Algorithm: the z-sweep of Emmerich & Fonseca ("Computing hypervolume contributions in low
// dimensions: asymptotically optimal algorithm and complexity results", EMO 2011), in the
// form of HVC3D (Guerreiro & Fonseca, "Computing and updating hypervolume contributions in up
// to four dimensions", IEEE TEVC 2018). Points are visited by increasing z. At every height
// the points seen so far, projected on (x, y), form
//   - a staircase: the points not weakly dominated in 2-D, by increasing x (decreasing y).
//     Staircase point s owns the box [s.x, next.x) x [s.y, prev.y) of the slice (ref closes
//     the first and the last box): exactly the part of the slice dominated by s alone among
//     staircase points. Every other point is dominated by some staircase point.
//   - for each staircase point s, its delimiters: the points that fall inside the box of s
//     and are not dominated by another such point (a staircase of their own). The slice area
//     only s dominates is the box minus the quadrants of its delimiters.
// A point dominated by two staircase points, or by a delimiter, never matters again. The
// area a staircase point owns alone is cut into vertical strips, one per item (s itself and
// each delimiter d): [d.x, x of the next item) x [s.y, top), top = the box top for s and d.y
// for a delimiter. A strip's area times the height over which it stays unchanged is added to
// its owner's contribution when it changes (the sweep closes and reopens it), so every term
// added is a product of positive differences of input coordinates: contributions keep a
// relative error of a few ulps, without any cancellation, and exact zeros stay exact.
// A new point q either (A) lands in one box and becomes a delimiter there (removing the
// delimiters it dominates), or (B) joins the staircase: the staircase points it dominates
// become its delimiters (their own delimiters are dropped), and the boxes of its two
// neighbours shrink (dropping their delimiters that q dominates). Every point enters and
// leaves the staircase and the delimiter sets at most once, so the sweep does O(n) list
// operations plus one predecessor query per point.
//
// Data structures (flat arrays): points are ranked by (x, y, order of visit); staircase
// points and delimiters together form one list sorted by rank, in which each staircase
// point is followed by its own delimiters. The predecessor of a new point in that list comes
// from a 64-ary tree of bit words over ranks (O(log_64 n) word operations); everything else
// follows list links. A node is one cache line; the sweep reads the visited point's
// coordinates from an array in visit order and touches its node only when it matters.
// Sorting is an LSD radix sort on order-preserving 64-bit keys (a y-then-x pass only when x
// has ties). Each point's contribution is a CompensatedSum (numeric_hd.hpp).
// Complexity: O(n log n) time (the sort; the sweep is O(n log_64 n)), O(n) memory; buffers
// are kept per thread between calls up to 2^17 points.
//
// Contract (as every kernel under hv/): row-major double points (n x 3), minimization,
// every point strictly below ref in every coordinate and finite (the dispatcher in
// ../hypervolume.hpp filters the others out). Duplicates (contribution 0 each), dominated
// points (0), ties in any coordinate, n = 0 and 1 are handled exactly. Thread-safe (no
// mutable globals). Throws only std::bad_alloc.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "../config.hpp"
#include "../numeric_hd.hpp"
#include "../ordering.hpp"

namespace tradeoff {
namespace hv {

namespace detail_contrib3d {

// One ranked point (one cache line). An active item (staircase point or delimiter) is in the
// list `next`; `owner` is the staircase point whose box holds it (itself for a staircase
// point). `strip` is the area of its strip of the owner's exclusive region, unchanged since
// height `since`; `contrib` accumulates the point's own contribution.
template <class I>
struct alignas(64) Node {
  double x, y;
  double strip, since;
  CompensatedSum contrib;
  double top;  // staircase points only: the top of the box (y of the staircase point before)
  I next, owner;
};

// The k-th point visited, read in order by the sweep (no cache miss on its node when it
// turns out not to matter).
template <class I>
struct Visit {
  double x, y, z;
  I rank;
};

// Buffers of one call; kept per thread between calls for small n (fresh pages cost more
// than the sweep there), allocated per call above that.
template <class I>
struct Workspace {
  std::vector<std::pair<std::uint64_t, I>> byz, byx, tmp;
  std::vector<Node<I>> node;
  std::vector<Visit<I>> visit;
  std::vector<I> count;
  RankSet active;
};

template <class I>
void contributions3d(const double* p, I n, const double* ref, double* out, Workspace<I>& ws) {
  using Pair = std::pair<std::uint64_t, I>;
  const std::size_t un = static_cast<std::size_t>(n);
  // Visit order: by z (ties in any order: points at the same height add volume 0 to each
  // other's strips). Rank order: by x, then y, then visit order, so that an active item
  // weakly dominating a new point in 2-D always comes before it, and 2-D duplicates are
  // ranked in the order they are visited.
  std::vector<Pair>& byz = ws.byz;
  std::vector<Pair>& byx = ws.byx;
  byz.resize(un);
  byx.resize(un);
  for (I i = 0; i < n; ++i) byz[i] = {order_key(p[3 * std::size_t(i) + 2]), i};
  auto coord = [p, &byz](I v, int j) { return p[3 * std::size_t(byz[v].second) + j]; };
  if (n < 64) {  // small: comparison sorts, no histograms (pairs compare by key, then index)
    std::sort(byz.begin(), byz.end());
    for (I k = 0; k < n; ++k) byx[k] = {order_key(coord(k, 0)), k};
    std::sort(byx.begin(), byx.end(), [&coord](const Pair& u, const Pair& v) {
      if (u.first != v.first) return u.first < v.first;
      const double yu = coord(u.second, 1), yv = coord(v.second, 1);
      return yu < yv || (!(yv < yu) && u.second < v.second);
    });
  } else {
    radix_sort_pairs(byz, ws.tmp, ws.count, 2048);
    for (I k = 0; k < n; ++k) byx[k] = {order_key(coord(k, 0)), k};
    radix_sort_pairs(byx, ws.tmp, ws.count, 2048);  // stable: equal x stay in visit order
    bool x_ties = false;
    for (I k = 1; k < n && !x_ties; ++k) x_ties = byx[k].first == byx[k - 1].first;
    if (x_ties) {  // sort by y, then stably by x: (x, y, visit) order
      for (I k = 0; k < n; ++k) byx[k] = {order_key(coord(k, 1)), k};
      radix_sort_pairs(byx, ws.tmp, ws.count, 2048);
      for (I k = 0; k < n; ++k) byx[k].first = order_key(coord(byx[k].second, 0));
      radix_sort_pairs(byx, ws.tmp, ws.count, 2048);
    }
  }

  // Ranks 1..n are the points; rank 0 is a sentinel staircase point L = (-inf, ref.y) that
  // dominates nothing, rank n + 1 a sentinel R = (ref.x, -inf) that nothing dominates.
  const I L = 0, R = n + 1;
  const double inf = std::numeric_limits<double>::infinity();
  ws.node.resize(un + 2);
  ws.visit.resize(un);
  Node<I>* nd = ws.node.data();
  Visit<I>* visit = ws.visit.data();
  for (I k = 0; k < n; ++k) {
    const I v = byx[k].second;
    const std::size_t i = std::size_t(byz[v].second);
    const double x = p[3 * i], y = p[3 * i + 1];
    visit[v] = {x, y, from_order_key(byz[v].first), k + 1};
    nd[k + 1] = {x, y, 0.0, 0.0, CompensatedSum{}, 0.0, R, R};
  }
  nd[L] = {-inf, ref[1], 0.0, 0.0, CompensatedSum{}, inf, R, L};
  nd[R] = {ref[0], -inf, 0.0, 0.0, CompensatedSum{}, ref[1], R, R};
  RankSet& active = ws.active;
  active.reset(n + 2);
  active.insert(L);
  active.insert(R);

  // Closes the strip of item d (owned by `own`) at height z, adding its volume.
  auto close = [nd](I d, I own, double z) { nd[own].contrib.add(nd[d].strip * (z - nd[d].since)); };
  // Closes and reopens the strip of item d at height z with area `area`.
  auto reopen = [nd](I d, I own, double z, double area) {
    nd[own].contrib.add(nd[d].strip * (z - nd[d].since));
    nd[d].strip = area;
    nd[d].since = z;
  };

  for (I k = 0; k < n; ++k) {
    const I q = visit[k].rank;
    const double z = visit[k].z, qx = visit[k].x, qy = visit[k].y;
    const I a = I(active.pred(std::size_t(q)));  // the active item just before q in x order
    const I s = nd[a].owner;      // the staircase point with the largest x <= q.x
    if (nd[s].y <= qy) {
      // (A) q is dominated in 2-D by s. It matters only inside the box of s (below the
      // staircase point before s) and when no delimiter of s dominates it.
      const double top = nd[s].top;
      if (qy >= top || (a != s && nd[a].y <= qy)) continue;
      I b = nd[a].next;
      while (nd[b].owner == s && nd[b].y >= qy) {  // delimiters of s that q dominates
        close(b, s, z);
        active.erase(b);
        b = nd[b].next;
      }
      nd[a].next = q;
      nd[q].next = b;
      nd[q].owner = s;
      active.insert(q);
      reopen(a, s, z, (qx - nd[a].x) * ((a == s ? top : nd[a].y) - nd[s].y));
      nd[q].strip = (nd[b].x - qx) * (qy - nd[s].y);
      nd[q].since = z;
      continue;
    }
    // (B) q joins the staircase after s (its new upper neighbour).
    const I up = s;
    I b = nd[a].next;
    while (nd[b].owner == up) {  // delimiters of `up` right of q: dominated by q
      close(b, up, z);
      active.erase(b);
      b = nd[b].next;
    }
    if (up != L)
      reopen(a, up, z, (qx - nd[a].x) * ((a == up ? nd[up].top : nd[a].y) - nd[up].y));
    // Staircase points q dominates leave the staircase and become delimiters of q.
    I last = q;
    while (b != R && nd[b].y >= qy) {  // (b != R only guards input outside the contract)
      close(b, b, z);
      I c = nd[b].next;
      while (nd[c].owner == b) {  // their delimiters are dominated by them: dropped
        close(c, b, z);
        active.erase(c);
        c = nd[c].next;
      }
      nd[b].owner = q;
      nd[last].next = b;
      last = b;
      b = c;
    }
    const I down = b;
    nd[last].next = down;
    // The box of `down` now ends at q.y: its delimiters at or above q.y are dominated by q.
    if (down != R) {
      I c = nd[down].next;
      while (nd[c].owner == down && nd[c].y >= qy) {
        close(c, down, z);
        active.erase(c);
        c = nd[c].next;
      }
      nd[down].next = c;
      reopen(down, down, z, (nd[c].x - nd[down].x) * (qy - nd[down].y));
    }
    nd[a].next = q;
    nd[q].owner = q;
    nd[q].top = nd[up].y;
    nd[down].top = qy;
    active.insert(q);
    nd[q].strip = (nd[nd[q].next].x - qx) * (nd[up].y - qy);
    nd[q].since = z;
    for (I d = nd[q].next; d != down; d = nd[d].next) {
      nd[d].strip = (nd[nd[d].next].x - nd[d].x) * (nd[d].y - qy);
      nd[d].since = z;
    }
  }
  // Close every open strip at ref.z.
  for (I d = nd[L].next; d != R; d = nd[d].next) close(d, nd[d].owner, ref[2]);
  for (I k = 0; k < n; ++k) out[byz[k].second] = nd[visit[k].rank].contrib.value();
}

template <class I>
void contributions3d(const double* p, I n, const double* ref, double* out) {
  constexpr I kKeep = I(1) << 17;  // per-thread buffers up to about 19 MB (144 B a point)
  if (n <= kKeep) {
    thread_local Workspace<I> ws;
    contributions3d(p, n, ref, out, ws);
  } else {
    Workspace<I> ws;
    contributions3d(p, n, ref, out, ws);
  }
}

}  // namespace detail_contrib3d

// out[i] = the volume dominated by point i alone (HV(P) - HV(P without i)); p is n x 3.
inline void contributions3d(const double* p, index_t n, const double* ref, double* out) {
  if (n <= 0) return;
  if (n < index_t(std::numeric_limits<std::int32_t>::max()) - 2)
    detail_contrib3d::contributions3d<std::int32_t>(p, std::int32_t(n), ref, out);
  else
    detail_contrib3d::contributions3d<index_t>(p, n, ref, out);
}

}  // namespace hv
}  // namespace tradeoff
