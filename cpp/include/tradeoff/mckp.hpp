// tradeoff/mckp.hpp: the CPU solver of the multiple-choice knapsack problem (host only).
//
// Problem: g groups of options (value, weight); choose exactly one option per group, maximize the
// total value with total weight <= B. Kernel interface and conventions:
// python/tradeoff/_fallback/knapsack.py (the specification and the test oracle).
//
// Algorithm (Pisinger's mcknap line of work, written from the paper's description; the state-list
// engine is the one of knapsack.hpp: a group is a stage whose alternatives are its options):
//  1. Exact scaling to integers (knapsack_hd.hpp); a group without an option, or a budget below
//     the sum of the lightest options, is infeasible (status 2).
//  2. Per group: sort the options by weight, drop the dominated ones (another weighs no more and
//     is worth at least as much); the lightest kept option is the group's reference. If the
//     heaviest kept options all fit, they are the optimum (each is its group's best value).
//  3. LP relaxation: the upper convex hull of each group (exact integer cross products), its
//     segments' slopes, and a weighted quickselect of the slopes with the budget (O(total
//     options) expected) give the break segment and lambda (its slope). The base solution takes
//     every hull segment before the break (the LP solution rounded down): feasible.
//  4. Incumbent: the base, then one pass upgrading each group to its best option that still fits.
//  5. Lagrangian bound U = lambda B + sum_g max_o (v_go - lambda w_go) (valid for every lambda);
//     an option costs its deficit d_go = max_o' (v - lambda w) - (v_go - lambda w_go) and
//     survives only if U - d_go >= z + 1 (option reduction).
//  6. The state-list engine over the groups with two or more surviving options, in order of
//     increasing smallest deficit, with the per-state bound v + lambda (R - w) - delta_next, the
//     same pruning and termination, parent pointers (8 bytes per state: parent * (m + 1) + choice).
// Cost: O(total options) expected for scaling, hulls and the LP (plus a sort of each group's
// options, O(k log k) per group), plus the core DP over the groups that reduction leaves.
//
// Safe bounds: as in knapsack.hpp, except that the near-tie allowance E is computed exactly per
// instance: per group, the largest (err + max(0, computed gain)) over the options whose computed
// deficit does not exceed its error bound err = 2^-49 (|dv| + lambda |dw|) (one option per group
// can be chosen, so E = the sum over groups bounds their total gain).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "config.hpp"
#include "knapsack.hpp"
#include "knapsack_hd.hpp"
#include "parallel.hpp"

namespace tradeoff {
namespace knap {

// sign(a b - c d) for nonnegative a, b, c, d of type I (exact: 128-bit or 256-bit products).
inline int cmp_prod(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t d) {
  const i128 x = static_cast<i128>(a) * b, y = static_cast<i128>(c) * d;
  return x < y ? -1 : (x > y ? 1 : 0);
}
inline int cmp_prod(i128 a, i128 b, i128 c, i128 d) {
  using u128 = unsigned __int128;
  auto full = [](u128 p, u128 q, u128& hi, u128& lo) {
    const std::uint64_t p0 = static_cast<std::uint64_t>(p), p1 = static_cast<std::uint64_t>(p >> 64);
    const std::uint64_t q0 = static_cast<std::uint64_t>(q), q1 = static_cast<std::uint64_t>(q >> 64);
    const u128 p00 = static_cast<u128>(p0) * q0, p01 = static_cast<u128>(p0) * q1;
    const u128 p10 = static_cast<u128>(p1) * q0, p11 = static_cast<u128>(p1) * q1;
    const u128 mid = (p00 >> 64) + static_cast<std::uint64_t>(p01) + static_cast<std::uint64_t>(p10);
    lo = (mid << 64) | static_cast<std::uint64_t>(p00);
    hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
  };
  u128 xh, xl, yh, yl;
  full(static_cast<u128>(a), static_cast<u128>(b), xh, xl);
  full(static_cast<u128>(c), static_cast<u128>(d), yh, yl);
  if (xh != yh) return xh < yh ? -1 : 1;
  if (xl != yl) return xl < yl ? -1 : 1;
  return 0;
}

template <class I>
struct WorkMC {
  // kept (undominated) options, group after group: weight, value, option index in the group
  std::vector<I> w, v;
  std::vector<std::uint32_t> opt;
  std::vector<std::uint32_t> goff;  // group g's options: [goff[g], goff[g + 1])
  std::vector<std::uint32_t> base;  // per group: the chosen kept option (index into w, v)
  std::vector<std::uint32_t> inc;   // per group: the incumbent's kept option
  // hull segments: weight and value steps, group, the kept option the segment ends at
  std::vector<I> segw;
  std::vector<std::uint32_t> seg_group, seg_end;
  std::vector<Key> keys;
  std::vector<double> cost;  // per kept option
  std::vector<std::uint32_t> hull;
  struct Tmp {
    I w, v;
    std::uint32_t o;
  };
  std::vector<Tmp> tmp;
  Engine<I, std::uint64_t> eng;

  void trim() {
    constexpr std::size_t keep = std::size_t(1) << 20;
    eng.trim(keep);
    if (w.capacity() > keep) {
      std::vector<I>().swap(w);
      std::vector<I>().swap(v);
      std::vector<std::uint32_t>().swap(opt);
      std::vector<double>().swap(cost);
      std::vector<I>().swap(segw);
      std::vector<std::uint32_t>().swap(seg_group);
      std::vector<std::uint32_t>().swap(seg_end);
      std::vector<Key>().swap(keys);
    }
    if (goff.capacity() > keep) {
      std::vector<std::uint32_t>().swap(goff);
      std::vector<std::uint32_t>().swap(base);
      std::vector<std::uint32_t>().swap(inc);
    }
  }
};

template <class I>
inline WorkMC<I>& work_mc() {
  static thread_local WorkMC<I> wk;
  return wk;
}

// Solves the instance held in wk (kept options per group, the reference = the first of each
// group, budget Bp relative to the references, Bp >= 0). On return wk.inc holds the choice.
template <class I>
signed char solve_mckp(WorkMC<I>& wk, I Bp, std::int64_t max_states) {
  const std::size_t g = wk.goff.size() - 1;
  const I* w = wk.w.data();
  const I* v = wk.v.data();
  const std::uint32_t* goff = wk.goff.data();
  wk.base.resize(g);
  wk.inc.resize(g);
  // ---- everything fits: the best option of every group ----
  {
    I span = 0;
    for (std::size_t i = 0; i < g; ++i) span += w[goff[i + 1] - 1] - w[goff[i]];
    if (span <= Bp) {
      for (std::size_t i = 0; i < g; ++i) wk.inc[i] = goff[i + 1] - 1;
      return kOptimal;
    }
  }
  // ---- hulls and their segments ----
  wk.segw.clear();
  wk.seg_group.clear();
  wk.seg_end.clear();
  wk.keys.clear();
  for (std::size_t i = 0; i < g; ++i) {
    const std::uint32_t a = goff[i], b = goff[i + 1];
    auto& h = wk.hull;
    h.clear();
    h.push_back(a);
    for (std::uint32_t p = a + 1; p < b; ++p) {
      // pop while the last hull point is not strictly above the chord to p
      while (h.size() >= 2) {
        const std::uint32_t q0 = h[h.size() - 2], q1 = h.back();
        const I aw = w[q1] - w[q0], av = v[q1] - v[q0];
        const I bw = w[p] - w[q0], bv = v[p] - v[q0];
        if (cmp_prod(aw, bv, av, bw) >= 0) {
          h.pop_back();
        } else {
          break;
        }
      }
      h.push_back(p);
    }
    for (std::size_t k = 1; k < h.size(); ++k) {
      const I dw = w[h[k]] - w[h[k - 1]], dv = v[h[k]] - v[h[k - 1]];
      const std::uint32_t id = static_cast<std::uint32_t>(wk.segw.size());
      wk.segw.push_back(dw);
      wk.seg_group.push_back(static_cast<std::uint32_t>(i));
      wk.seg_end.push_back(h[k]);
      wk.keys.push_back(Key{static_cast<double>(dv) / static_cast<double>(dw), id});
    }
  }
  // ---- LP: the break segment ----
  I rem = Bp;
  const std::size_t bpos = break_select<I>(wk.keys.data(), 0, wk.keys.size(), wk.segw.data(), rem);
  for (std::size_t i = 0; i < g; ++i) wk.base[i] = goff[i];
  // the taken segments form a prefix of each hull (key order is slope desc, then id, and ids
  // run along each hull); the base of a group is the end of its last taken segment
  for (std::size_t k = 0; k < bpos; ++k) {
    const std::uint32_t id = wk.keys[k].id;
    const std::uint32_t grp = wk.seg_group[id];
    if (w[wk.seg_end[id]] > w[wk.base[grp]]) wk.base[grp] = wk.seg_end[id];
  }
  I W = 0;
  for (std::size_t i = 0; i < g; ++i) W += w[wk.base[i]] - w[goff[i]];
  // a safety net for slopes that double cannot order: drop taken segments until feasible
  // (never happens when the selection took prefixes: then W = Bp - rem)
  while (W > Bp) {
    for (std::size_t i = 0; i < g && W > Bp; ++i) {
      if (wk.base[i] != goff[i]) {
        W -= w[wk.base[i]] - w[goff[i]];
        wk.base[i] = goff[i];
      }
    }
  }
  const double lam = bpos < wk.keys.size() ? wk.keys[bpos].e : 0.0;
  const I R = Bp - W;
  // ---- incumbent: upgrade each group to its best option that still fits ----
  I zr = 0;
  {
    I r = R;
    for (std::size_t i = 0; i < g; ++i) {
      const std::uint32_t bo = wk.base[i];
      std::uint32_t best = bo;
      for (std::uint32_t o = bo + 1; o < goff[i + 1]; ++o) {
        if (w[o] - w[bo] <= r) best = o;  // values increase along the kept options
      }
      wk.inc[i] = best;
      if (best != bo) {
        r -= w[best] - w[bo];
        zr += v[best] - v[bo];
      }
    }
  }
  // ---- costs (deficits) of every kept option, the near-tie allowance E ----
  const std::size_t nk = wk.w.size();
  wk.cost.resize(nk);
  double emis = 0.0;
  for (std::size_t i = 0; i < g; ++i) {
    const std::uint32_t bo = wk.base[i];
    double eg = 0.0;
    for (std::uint32_t o = goff[i]; o < goff[i + 1]; ++o) {
      if (o == bo) {
        wk.cost[o] = 0.0;
        continue;
      }
      const double dv = static_cast<double>(v[o] - v[bo]);
      const double dw = static_cast<double>(w[o] - w[bo]);
      const double gain = dv - lam * dw;
      const double err = 0x1p-49 * (std::fabs(dv) + lam * std::fabs(dw));
      if (-gain > err) {
        wk.cost[o] = -gain - err;
      } else {
        wk.cost[o] = 0.0;
        eg = std::max(eg, err + std::max(0.0, gain));
      }
    }
    emis += eg;
  }
  emis *= 1.0 + 0x1p-40;  // the sum's own rounding
  // ---- reduction: stages for the groups with surviving alternatives ----
  auto& eng = wk.eng;
  eng.stages.clear();
  eng.opts.clear();
  eng.lam = lam;
  eng.R = R;
  eng.z = zr;
  eng.emis = emis;
  const double lamR = lam * static_cast<double>(R);
  eng.ubound = lamR + emis + 1e-12 * lamR;
  const double zT = improve_threshold(static_cast<double>(zr));
  const double gap = (lamR * (1.0 + 1e-12) + emis - zT) / (1.0 - 1e-12);
  if (!(eng.ubound < zT)) {
    for (std::size_t i = 0; i < g; ++i) {
      const std::uint32_t bo = wk.base[i];
      const std::uint32_t first = static_cast<std::uint32_t>(eng.opts.size());
      double key = std::numeric_limits<double>::infinity();
      for (std::uint32_t o = goff[i]; o < goff[i + 1]; ++o) {
        if (o == bo || wk.cost[o] > gap) continue;
        eng.opts.push_back(Opt<I>{v[o] - v[bo], w[o] - w[bo], o, static_cast<std::uint32_t>(i)});
        key = std::min(key, wk.cost[o]);
      }
      const std::uint32_t m = static_cast<std::uint32_t>(eng.opts.size()) - first;
      if (m > 0) eng.stages.push_back(Stage{key, first, m, static_cast<std::uint32_t>(i)});
    }
  }
  const signed char st =
      eng.run(max_states, 0, [] { return std::numeric_limits<double>::infinity(); });
  if (eng.found) {
    for (std::size_t i = 0; i < g; ++i) wk.inc[i] = wk.base[i];
    eng.path();
    for (std::size_t k = 0; k < eng.picked_stage.size(); ++k) {
      wk.inc[eng.picked_stage[k]] = eng.picked_opt[k];
    }
  }
  return st;
}

struct MckpArgs {
  index_t B = 0, g = 0, k = 0;
  const void* values = nullptr;
  bool values_f64 = false;
  const void* weights = nullptr;
  bool weights_f64 = false;
  const std::uint8_t* mask = nullptr;  // (B, g, k) or null
  const void* budget = nullptr;        // weights' dtype
  std::int64_t max_states = 1;
  std::int64_t* choice = nullptr;  // (B, g)
  void* value = nullptr;
  void* weight = nullptr;
  signed char* status = nullptr;
};

template <class TV, class TW>
void mckp_one(const MckpArgs& a, index_t b) {
  const index_t g = a.g, k = a.k, gk = g * k;
  const TV* vals = static_cast<const TV*>(a.values) + b * gk;
  const TW* wts = static_cast<const TW*>(a.weights) + b * gk;
  const std::uint8_t* mask = a.mask ? a.mask + b * gk : nullptr;
  const TW budget = static_cast<const TW*>(a.budget)[b];
  std::int64_t* choice = a.choice + b * g;
  auto fail = [&](signed char st) {
    for (index_t i = 0; i < g; ++i) choice[i] = -1;
    write_total<TV>(a.value, b, 0, 0);
    write_total<TW>(a.weight, b, 0, 0);
    a.status[b] = st;
  };
  // ---- pass 1: data check (every entry, as the fallback converts every entry), exponents of
  // ---- the options that exist, groups without an option ----
  if (!finite_num(budget) && !(budget > 0)) return fail(kBadData);
  for (index_t t = 0; t < gk; ++t) {
    if (!finite_num(vals[t]) || !finite_num(wts[t])) return fail(kBadData);
  }
  Expo ev, ew;
  bool empty_group = false;
  for (index_t i = 0; i < g; ++i) {
    bool any = false;
    for (index_t o = 0; o < k; ++o) {
      const index_t t = i * k + o;
      if (mask && !mask[t]) continue;
      any = true;
      if constexpr (std::is_same<TV, double>::value) ev.add(vals[t]);
      if constexpr (std::is_same<TW, double>::value) ew.add(wts[t]);
    }
    if (!any) empty_group = true;
  }
  if (empty_group) return fail(kInfeasible);
  const int sv = ev.shift(), sw = ew.shift();
  if (ev.bits() > 124 || ew.bits() > 124) return fail(kTooWide);
  // ---- pass 2: sums in 128 bits: lightest, heaviest, largest |value| per group (below 2^124:
  // ---- relative state weights reach 4 times the sum) ----
  const i128 wide = pow2_i128(124);
  i128 Wmin = 0, Wabs = 0, Vabs = 0;
  bool too_wide = false;
  for (index_t i = 0; i < g && !too_wide; ++i) {
    i128 wmin = 0, wabs = 0, vabs = 0;
    bool first = true;
    for (index_t o = 0; o < k; ++o) {
      const index_t t = i * k + o;
      if (mask && !mask[t]) continue;
      const i128 wi = scaled<i128>(wts[t], sw), vi = scaled<i128>(vals[t], sv);
      if (first || wi < wmin) wmin = wi;
      wabs = std::max(wabs, iabs(wi));
      vabs = std::max(vabs, iabs(vi));
      first = false;
    }
    Wmin += wmin;
    Wabs += wabs;
    Vabs += vabs;
    if (Wabs >= wide || Vabs >= wide) too_wide = true;
  }
  if (too_wide) return fail(kTooWide);
  i128 Bs;
  if constexpr (std::is_same<TW, double>::value) {
    Bs = floor_scaled_signed<i128>(static_cast<double>(budget), sw, wide);
  } else {
    Bs = static_cast<i128>(budget);
  }
  if (Bs < Wmin) return fail(kInfeasible);
  // budget relative to the lightest options, capped at the widest possible span (2 Wabs)
  i128 Bp = Bs - Wmin;
  if (Bp > 2 * Wabs) Bp = 2 * Wabs;
  auto run = [&](auto tag) {
    using I = decltype(tag);
    WorkMC<I>& wk = work_mc<I>();
    wk.w.clear();
    wk.v.clear();
    wk.opt.clear();
    wk.goff.assign(1, 0);
    for (index_t i = 0; i < g; ++i) {
      auto& tmp = wk.tmp;
      tmp.clear();
      for (index_t o = 0; o < k; ++o) {
        const index_t t = i * k + o;
        if (mask && !mask[t]) continue;
        tmp.push_back({scaled<I>(wts[t], sw), scaled<I>(vals[t], sv),
                       static_cast<std::uint32_t>(o)});
      }
      // weight up, value down, option index up
      auto before = [](const typename WorkMC<I>::Tmp& x, const typename WorkMC<I>::Tmp& y) {
        if (x.w != y.w) return x.w < y.w;
        if (x.v != y.v) return x.v > y.v;
        return x.o < y.o;
      };
      if (tmp.size() <= 16) {
        for (std::size_t p = 1; p < tmp.size(); ++p) {
          const auto x = tmp[p];
          std::size_t q = p;
          while (q > 0 && before(x, tmp[q - 1])) {
            tmp[q] = tmp[q - 1];
            --q;
          }
          tmp[q] = x;
        }
      } else {
        std::sort(tmp.begin(), tmp.end(), before);
      }
      bool have = false;
      I last = 0;
      for (const auto& x : tmp) {
        if (have && x.v <= last) continue;  // dominated
        have = true;
        last = x.v;
        wk.w.push_back(x.w);
        wk.v.push_back(x.v);
        wk.opt.push_back(x.o);
      }
      wk.goff.push_back(static_cast<std::uint32_t>(wk.w.size()));
    }
    const signed char st = solve_mckp<I>(wk, static_cast<I>(Bp), a.max_states);
    i128 tv = 0, tw = 0;
    for (index_t i = 0; i < g; ++i) {
      const std::uint32_t o = wk.inc[static_cast<std::size_t>(i)];
      choice[i] = wk.opt[o];
      tv += static_cast<i128>(wk.v[o]);
      tw += static_cast<i128>(wk.w[o]);
    }
    const bool okv = write_total<TV>(a.value, b, tv, sv);
    const bool okw = write_total<TW>(a.weight, b, tw, sw);
    a.status[b] = (okv && okw) ? st : kOverflow;
    wk.trim();
  };
  if (g == 0) {
    write_total<TV>(a.value, b, 0, 0);
    write_total<TW>(a.weight, b, 0, 0);
    a.status[b] = kOptimal;
    return;
  }
  const i128 lim = static_cast<i128>(Limits<std::int64_t>::fits());
  if (4 * Wabs < lim && 2 * Vabs < lim && g < (index_t(1) << 31) && gk < (index_t(1) << 32)) {
    run(std::int64_t(0));
  } else {
    run(i128(0));
  }
}

inline void mckp_batch(const MckpArgs& a) {
  auto one = [&](index_t b) {
    if (a.values_f64) {
      if (a.weights_f64) {
        mckp_one<double, double>(a, b);
      } else {
        mckp_one<double, std::int64_t>(a, b);
      }
    } else {
      if (a.weights_f64) {
        mckp_one<std::int64_t, double>(a, b);
      } else {
        mckp_one<std::int64_t, std::int64_t>(a, b);
      }
    }
  };
  const index_t gk = a.g * a.k;
  const index_t grain = gk >= 4096 ? 1 : std::max<index_t>(1, 4096 / std::max<index_t>(gk, 1));
  parallel_for(a.B, one, grain);
}

}  // namespace knap
}  // namespace tradeoff
