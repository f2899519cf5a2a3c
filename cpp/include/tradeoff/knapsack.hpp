// tradeoff/knapsack.hpp: the CPU solvers of the 0/1 and bounded knapsack (host only), and the
// state-list engine that the multiple-choice solver (mckp.hpp) shares.
//
// Problem: maximize sum v_j x_j subject to sum w_j x_j <= C, x_j in {0..count_j} (0/1: count 1).
// Kernel interface and conventions: python/tradeoff/_fallback/knapsack.py (the readable
// specification and the test oracle); the optimal value here equals the fallback's exactly.
//
// Algorithm (a core algorithm in the line of Pisinger's expknap / minknap and Martello, Pisinger
// and Toth's combo, written from the papers' descriptions):
//  1. Exact scaling (knapsack_hd.hpp): every number becomes an integer (a float array of one
//     instance times 2^-s), the capacity is floored in the same units. Items with w > C or
//     v == 0 are dropped, items with w == 0 taken. Bounded: count capped at floor(C / w), then
//     split into binary multiples 1, 2, 4, ..., remainder (each part a 0/1 item). If the rest
//     fits, everything is taken. The gcd of the weights floors C further.
//     The engine integer type I is int64 when every sum of weights and values stays below 2^61,
//     else __int128 below 2^125, else status 3.
//  2. Break item in O(n) expected: a sample of efficiencies brackets the break efficiency
//     (items surely above go to the base solution with one multiply-compare each), and a
//     weighted quickselect on the efficiencies of the items in the bracket finds the break item
//     b. lambda = v_b / w_b. The base solution H (the items before b) is feasible (exact sums).
//  3. Incumbent z: H plus a first-fit fill of the residual with bracket items after b.
//  4. Reduction (Dembo and Hammer): with the Lagrangian bound U(lambda) = lambda C +
//     sum_j max(0, v_j - lambda w_j) (valid for every lambda >= 0), flipping item j away from its
//     LP value costs |a_j| = |v_j - lambda w_j|; the item is free only if U - |a_j| >= z + 1.
//  5. The state-list dynamic program (class Engine, one engine for both front ends) over the
//     free items in order of increasing |a_j| (the items nearest the break first: an expanding
//     core, sorted lazily in doubling chunks). States are partial solutions relative to the base
//     (w, v), sorted by weight with strictly increasing values (dominance). Each stage merges the
//     list with its shifted copy in one pass. A state survives only if
//         v + lambda (R - w) - delta_next >= z + 1        (R = C - W(H), relative)
//     where delta_next is the smallest |a_j| of the items not yet processed: any completion must
//     flip one of them (or the state itself is a solution and was compared with z). States with
//     w <= R update z. The run ends when the list is empty (all states pruned: z is optimal).
//  6. Cardinality bound (combo's device for strongly correlated instances), computed lazily once
//     the list exceeds kCardStates states: with k_max the most free items that fit and k_min the
//     fewest that can beat z, every improving solution satisfies k_min <= |x cap F| <= k_max, and
//         U(lambda, mu) = min_lambda' [lambda' C_F + max_{k_min <= c <= k_max} (sum of the c
//                                       largest v_j - lambda' w_j over the free items F)]
//     is a valid bound (the Lagrangian dual of the LP with both constraints), minimized over
//     lambda' by a 1-D cutting-plane search (a convex piecewise-linear function). The run stops
//     as soon as z reaches it.
//  7. The solution comes from parent pointers (4 bytes per stored state: the parent's index and
//     the choice), never from solving again; max_states bounds the stored states (status 1,
//     with the incumbent, which is feasible).
// Cost: O(n) expected for scaling, the break item and the reduction, plus the core DP, whose
// size depends on the instance (O(f * L) for f free items and lists of at most L states; L is at
// most the number of distinct weights below C + w_max, as in the plain DP).
//
// Safe bounds (all bound arithmetic is in double, every decision on integers is exact):
//  * lambda is a double; the argument "V(x) <= lambda C + sum_j x_j (v_j - lambda w_j)" holds for
//    the exact real lambda, so only the rounding of the formulas matters, not lambda's.
//  * Per item, a = v - lambda w is computed with an error below err = 2^-49 (v + lambda w) (at
//    most a few units in the last place; 2^-49 is 16 of them). An item whose computed a has the
//    sign of its base membership by more than err has |a| >= cost := |a^| - err exactly. Other
//    items (near-ties of the efficiency order, where double cannot tell) get cost 0, and the
//    total gain they could still bring, sum (err + |a^|) <= 2^-48 sum(v + lambda w) over such
//    items (there lambda w <= v (1 + 2^-47)), is bounded by E = 2^-46 sum_j v_j, added to every
//    bound. So every bound "v + lambda (R - w) - delta + E" is rigorous up to the rounding of
//    that formula itself, at most 4 units in the last place of |v| + |lambda (R - w)| + delta.
//  * A bound ub prunes iff ub + 1e-12 (|v| + |lambda (R - w)| + delta) + E < zT, where zT is z + 1
//    rounded down rigorously (improve_threshold). The 1e-12 relative slack exceeds the formula's
//    rounding by more than 1000x, so pruning never loses an improving solution, and ties (a bound
//    exactly z + 1) are never pruned. This is the spec's slack with its Vtot term replaced by E,
//    which the derivation above shows is enough (it is smaller than 1e-12 Vtot).
//  * The cardinality bound sums up to |F| terms: its computed value gets an explicit error
//    allowance 2^-50 (|F| + 8) times the sum of the magnitudes of its terms.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "config.hpp"
#include "knapsack_hd.hpp"
#include "parallel.hpp"

namespace tradeoff {
namespace knap {

// Statuses of the kernel interface, plus kBadData (a NaN or an infinity where none may be: the
// binding raises ValueError; the Python front end never passes one).
constexpr signed char kOptimal = 0;
constexpr signed char kLimit = 1;
constexpr signed char kInfeasible = 2;
constexpr signed char kTooWide = 3;
constexpr signed char kOverflow = 4;
constexpr signed char kBadData = -1;

// ---- integer helpers (I = std::int64_t or __int128; no std traits: __int128 is not integral
// ---- under -std=c++17)

template <class I>
inline I iabs(I x) {
  return x < I(0) ? -x : x;
}

inline i128 pow2_i128(int k) { return static_cast<i128>(1) << k; }

// Bounds below which an engine type is used: every state's weight and value, every sum of two,
// stays representable.
template <class I>
struct Limits;
template <>
struct Limits<std::int64_t> {
  static std::int64_t fits() { return std::int64_t(1) << 61; }
  static std::int64_t lowest() { return std::numeric_limits<std::int64_t>::min(); }
};
template <>
struct Limits<i128> {
  static i128 fits() { return pow2_i128(125); }
  static i128 lowest() { return -pow2_i128(126); }
};

// z + 1 rounded down rigorously: for the double zd nearest to an integer z, the result is <= z + 1
// (three roundings of at most half an ulp of |z| + 1 each, against a subtracted 2^-50 (|z| + 1)).
inline double improve_threshold(double zd) {
  return (zd + 1.0) - (std::fabs(zd) + 1.0) * 0x1p-50;
}

// ---- the state-list engine --------------------------------------------------------------------

template <class I>
struct State {
  I w, v;  // relative to the base solution
};

template <class I>
struct Opt {
  I dv, dw;           // change of (value, weight) when the stage picks this alternative
  std::uint32_t ref;  // the front end's meaning (an item, an option)
  std::uint32_t grp;  // the ref of its stage
};

struct Stage {
  double key;           // the smallest cost of its alternatives (a rigorous lower bound)
  std::uint32_t first;  // its alternatives: opts[first, first + m)
  std::uint32_t m;
  std::uint32_t ref;    // the front end's meaning (an item, a group)
};

// One engine for both front ends: a stage offers m >= 1 alternatives to every state (alternative
// 0 is "keep the base choice", implicit). Code: the parent pointer type, parent * (m + 1) + choice
// (uint32 for the 0/1 front end, where m = 1; uint64 for MCKP).
template <class I, class Code>
class Engine {
 public:
  // ---- problem (the front end fills these) ----
  std::vector<Stage> stages;
  std::vector<Opt<I>> opts;
  double lam = 0.0;   // Lagrange multiplier of the capacity
  double emis = 0.0;  // E: total possible gain of near-tie items (see the header)
  I R = 0;            // residual capacity of the base solution (>= 0)
  I z = 0;            // incumbent value relative to the base (>= 0)
  double ubound = 0;  // a rigorous upper bound on the best value (relative), lowered by hooks

  // ---- result ----
  bool found = false;  // the incumbent is a state of the engine (else the front end's own)
  std::vector<std::uint32_t> picked_stage;  // after path(): stage refs and alternative refs
  std::vector<std::uint32_t> picked_opt;
  std::int64_t stored = 0;  // states stored (diagnostics)

  static constexpr double kInf = std::numeric_limits<double>::infinity();

  // Runs the DP. hook(): called once when the list first exceeds card_states states (or the
  // stored states min(8 card_states, 2 stages + 64); card_states 0: never); returns a
  // rigorous upper bound on the best relative value (or +inf). Returns kOptimal or kLimit.
  template <class Hook>
  signed char run(std::int64_t max_states, std::size_t card_states, Hook&& hook) {
    found = false;
    steps_.clear();
    par_n_ = 0;
    off_.clear();
    grow(cur_, 1);
    cur_[0] = State<I>{I(0), I(0)};
    curn_ = 1;
    stored = 1;
    sorted_ = 0;
    const std::size_t S = stages.size();
    zT_ = improve_threshold(static_cast<double>(z));
    if (ubound < zT_ || S == 0) return kOptimal;
    // weight the stages can still remove (a heavier state can never become feasible)
    rw_rem_ = 0;
    vabs_ = 0.0;
    wabs_ = 0.0;
    for (const Stage& st : stages) {
      rw_rem_ += removable(st);
      double dv = 0.0, dw = 0.0;
      for (std::uint32_t k = 0; k < st.m; ++k) {
        dv = std::max(dv, std::fabs(static_cast<double>(opts[st.first + k].dv)));
        dw = std::max(dw, std::fabs(static_cast<double>(opts[st.first + k].dw)));
      }
      vabs_ += dv;
      wabs_ += dw;
    }
    vabs_ *= 1.0 + 0x1p-40;  // the sums' own rounding
    wabs_ *= 1.0 + 0x1p-40;
    done_.assign(opts.size(), 0);
    next_pair_ = kFirstPairing;
    bool hooked = false;
    for (std::size_t t = 0; t < S; ++t) {
      ensure_sorted(t + 2);
      const Stage st = stages[t];
      const bool last = t + 1 == S;
      const double dnext = last ? 0.0 : stages[t + 1].key;
      if (t == 0) {
        // the base state itself must survive the first stage's key
        set_delta(st.key);
        if (prune(I(0), I(0))) return kOptimal;
      }
      set_delta(dnext);
      // parent codes must fit Code, and the stored states max_states
      const std::uint64_t L = curn_;
      const std::uint64_t code_cap =
          static_cast<std::uint64_t>(std::numeric_limits<Code>::max()) / (st.m + 1);
      if (L > code_cap) return kLimit;
      const std::int64_t room = max_states - stored;
      if (room < 0) return kLimit;
      rw_rem_ -= removable(st);
      wmax_ = R + rw_rem_;
      for (std::uint32_t k = 0; k < st.m; ++k) done_[st.first + k] = 1;
      bool ok;
      st_first_ = st.first;
      if (st.m == 1) {
        ok = merge1(opts[st.first], dnext, last, t, static_cast<std::uint64_t>(room));
      } else {
        ok = merge_many(st, dnext, last, t, static_cast<std::uint64_t>(room));
      }
      steps_.push_back(st);
      if (!ok) {
        steps_.pop_back();
        return kLimit;
      }
      stored += static_cast<std::int64_t>(nxtn_);
      cur_.swap(nxt_);
      curn_ = nxtn_;
      if (curn_ == 0 || ubound < zT_) return kOptimal;
      if (curn_ >= next_pair_ && !last) {
        next_pair_ = 2 * curn_;
        pairing(t);
        if (ubound < zT_) return kOptimal;
      }
      // the hook costs O(stages) per evaluation: call it once the DP has done comparable work
      if (!hooked && card_states > 0 &&
          (curn_ >= card_states ||
           stored >= static_cast<std::int64_t>(std::min(8 * card_states, 2 * S + 64)))) {
        hooked = true;
        const double u = hook();
        if (u < ubound) ubound = u;
        if (ubound < zT_) return kOptimal;
      }
    }
    return kOptimal;
  }

  // After run(): the alternatives of the incumbent path (stage ref, alternative ref), when found.
  void path() {
    picked_stage.clear();
    picked_opt.clear();
    if (!found) return;
    // the incumbent: state inc_parent_ of the list after step inc_step_ - 1 (the base list when
    // inc_step_ == 0), plus the alternative inc_extra_
    picked_stage.push_back(opts[inc_extra_].grp);
    picked_opt.push_back(opts[inc_extra_].ref);
    std::uint64_t p = inc_parent_;
    for (std::size_t t = inc_step_; t-- > 0;) {
      const std::uint64_t code = par_[off_[t] + p];
      const std::uint64_t m1 = steps_[t].m + 1;
      const std::uint32_t o = static_cast<std::uint32_t>(code % m1);
      p = code / m1;
      if (o > 0) {
        picked_stage.push_back(steps_[t].ref);
        picked_opt.push_back(opts[steps_[t].first + o - 1].ref);
      }
    }
  }

  // Gives memory back after a big instance (the workspace is kept per thread).
  void trim(std::size_t keep_states) {
    if (par_.size() > 4 * keep_states) std::vector<Code>().swap(par_);
    if (cur_.size() > keep_states) std::vector<State<I>>().swap(cur_);
    if (nxt_.size() > keep_states) std::vector<State<I>>().swap(nxt_);
    if (stages.capacity() > keep_states) std::vector<Stage>().swap(stages);
    if (opts.capacity() > keep_states) std::vector<Opt<I>>().swap(opts);
  }

 private:
  // buffers sized by grow() (never shrunk between stages: no zero-filling per stage); the used
  // lengths are curn_, nxtn_, par_n_
  std::vector<State<I>> cur_, nxt_;
  std::size_t curn_ = 0, nxtn_ = 0;
  std::vector<Code> par_;
  std::size_t par_n_ = 0;

  template <class V>
  static void grow(V& vec, std::size_t k) {
    if (vec.size() < k) vec.resize(std::max(k, vec.size() + vec.size() / 2));
  }
  std::vector<std::size_t> off_;  // off_[t]: where step t's parent codes start in par_
  std::vector<Stage> steps_;      // the stages in processing order
  std::size_t sorted_ = 0;
  double zT_ = 0.0;
  std::size_t st_first_ = 0;
  I rw_rem_ = 0;  // sum over unprocessed stages of the most weight one alternative removes
  I wmax_ = 0;    // R + rw_rem_: heavier states are dropped

  I removable(const Stage& st) const {
    I r = 0;
    for (std::uint32_t k = 0; k < st.m; ++k) {
      if (-opts[st.first + k].dw > r) r = -opts[st.first + k].dw;
    }
    return r;
  }
  std::size_t inc_step_ = 0;       // the incumbent: list after step inc_step_ - 1, state
  std::uint64_t inc_parent_ = 0;   // inc_parent_, plus alternative opts[inc_extra_]
  std::size_t inc_extra_ = 0;
  // pairing (combo): every state against single alternatives of the unprocessed stages
  static constexpr std::size_t kFirstPairing = 16;
  std::vector<std::uint8_t> done_;   // per alternative: its stage was processed
  std::size_t next_pair_ = 0;

  // Improves z with the best (state, one alternative of an unprocessed stage) that fits. States
  // are sorted by weight, so the states that can take an alternative of weight change dw are a
  // prefix (room R - w >= dw): each alternative goes to the bucket of the last such state (a
  // binary search), and a suffix maximum over the buckets gives every state its best partner.
  // O(A log L + L), no sort.
  void pairing(std::size_t t) {
    const std::size_t L = curn_;
    const State<I>* S = cur_.data();
    if (pair_best_.size() < L) pair_best_.resize(L);
    std::fill(pair_best_.begin(), pair_best_.begin() + static_cast<std::ptrdiff_t>(L), kNoPair);
    const std::size_t A = opts.size();
    for (std::size_t k = 0; k < A; ++k) {
      if (done_[k]) continue;
      const I dw = opts[k].dw;
      // last state i with R - S[i].w >= dw, i.e. S[i].w <= R - dw
      const I lim = R - dw;
      std::size_t lo = 0, hi = L;  // first state with w > lim
      while (lo < hi) {
        const std::size_t mid = (lo + hi) / 2;
        if (S[mid].w <= lim) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      if (lo == 0) continue;
      std::uint32_t& b = pair_best_[lo - 1];
      if (b == kNoPair || opts[k].dv > opts[b].dv) b = static_cast<std::uint32_t>(k);
    }
    std::uint32_t run = kNoPair;
    I best_v = z;
    std::size_t best_state = 0;
    std::uint32_t best_alt = kNoPair;
    for (std::size_t i = L; i-- > 0;) {
      const std::uint32_t b = pair_best_[i];
      if (b != kNoPair && (run == kNoPair || opts[b].dv > opts[run].dv)) run = b;
      if (run != kNoPair && S[i].v + opts[run].dv > best_v) {
        best_v = S[i].v + opts[run].dv;
        best_state = i;
        best_alt = run;
      }
    }
    if (best_alt != kNoPair) improve(best_v, t + 1, best_state, best_alt);
  }
  static constexpr std::uint32_t kNoPair = 0xFFFFFFFFu;
  std::vector<std::uint32_t> pair_best_;

  // multiway merge scratch
  std::vector<std::uint32_t> heap_;
  std::vector<std::size_t> pos_;

  // stages[0, k) sorted by key and no greater than the rest (lazily, in doubling chunks).
  void ensure_sorted(std::size_t k) {
    const std::size_t S = stages.size();
    if (k > S) k = S;
    auto by_key = [](const Stage& a, const Stage& b) { return a.key < b.key; };
    while (sorted_ < k) {
      const std::size_t chunk = std::max<std::size_t>(32, sorted_);
      const std::size_t end = std::min(S, sorted_ + chunk);
      if (end < S) {
        std::nth_element(stages.begin() + static_cast<std::ptrdiff_t>(sorted_),
                         stages.begin() + static_cast<std::ptrdiff_t>(end), stages.end(), by_key);
      }
      std::sort(stages.begin() + static_cast<std::ptrdiff_t>(sorted_),
                stages.begin() + static_cast<std::ptrdiff_t>(end), by_key);
      sorted_ = end;
    }
  }

  // True when no completion of state (w, v) that changes at least one more stage (each costing
  // at least delta_) can reach z + 1 (see "Safe bounds"): the bound v + lam (R - w) - delta_ + E,
  // written v - lam w < thr_ with thr_ = zT - lam R + delta_ - E - slack. The slack covers the
  // rounding of both forms: 1e-12 (|v| + lam (|w| + R) + delta + |zT|), with |v| <= vabs_ and
  // |w| <= wabs_ for every state (sums of |dv|, |dw| over the stages, plus R).
  bool prune(I w, I v) const {
    return static_cast<double>(v) - lam * static_cast<double>(w) < thr_;
  }
  void set_delta(double delta) {
    delta_ = delta;
    const double lamR = lam * static_cast<double>(R);
    const double slack = 1e-12 * (vabs_ + lam * (wabs_ + static_cast<double>(R)) + delta +
                                  std::fabs(zT_) + lamR);
    thr_ = zT_ - lamR + delta - emis - slack;
  }
  double delta_ = 0.0, thr_ = 0.0, vabs_ = 0.0, wabs_ = 0.0;

  // New incumbent: state `parent` of the list before step t, plus alternative opts[alt].
  void improve(I v, std::size_t t, std::uint64_t parent, std::size_t alt) {
    z = v;
    zT_ = improve_threshold(static_cast<double>(z));
    set_delta(delta_);
    found = true;
    inc_step_ = t;
    inc_parent_ = parent;
    inc_extra_ = alt;
  }

  // Keeps state s (parent code c) unless its bound prunes it; the caller did dominance.
  bool emit(const State<I>& s, Code c, double dnext, bool last, std::size_t& out,
            std::uint64_t room) {
    (void)dnext;
    if (last || s.w > wmax_ || prune(s.w, s.v)) return true;
    if (out >= room) return false;
    nxt_[out] = s;
    par_[par_n_ + out] = c;
    ++out;
    return true;
  }

  // Two-way merge of the list with its copy shifted by one alternative.
  bool merge1(const Opt<I>& op, double dnext, bool last, std::size_t t, std::uint64_t room) {
    const std::size_t L = curn_;
    const I dv = op.dv, dw = op.dw;
    const std::size_t cap = static_cast<std::size_t>(std::min<std::uint64_t>(2 * L, room + 1));
    grow(nxt_, cap);
    grow(par_, par_n_ + cap);
    std::size_t i = 0, j = 0, out = 0;
    I last_v = Limits<I>::lowest();
    const State<I>* S = cur_.data();
    bool ok = true;
    while (i < L || j < L) {
      bool shifted;
      if (i == L) {
        shifted = true;
      } else if (j == L) {
        shifted = false;
      } else {
        const I wj = S[j].w + dw;
        shifted = wj < S[i].w || (wj == S[i].w && S[j].v + dv > S[i].v);
      }
      State<I> s;
      Code c;
      if (shifted) {
        s.w = S[j].w + dw;
        s.v = S[j].v + dv;
        c = static_cast<Code>(2 * j + 1);
        ++j;
        if (s.v <= last_v) continue;
        last_v = s.v;
        if (s.w <= R && s.v > z) improve(s.v, t, j - 1, st_first_);
      } else {
        s = S[i];
        c = static_cast<Code>(2 * i);
        ++i;
        if (s.v <= last_v) continue;
        last_v = s.v;
      }
      if (!emit(s, c, dnext, last, out, room)) {
        ok = false;
        break;
      }
    }
    finish(ok, out);
    return ok;
  }

  void finish(bool ok, std::size_t out) {
    if (!ok) return;
    off_.push_back(par_n_);
    par_n_ += out;
    nxtn_ = out;
  }

  // (m + 1)-way merge through a binary heap of cursors, keyed by (weight up, value down).
  bool merge_many(const Stage& st, double dnext, bool last, std::size_t t, std::uint64_t room) {
    const std::size_t L = curn_;
    const std::size_t m1 = st.m + 1;
    const Opt<I>* op = opts.data() + st.first;
    const State<I>* S = cur_.data();
    auto dv = [&](std::size_t o) { return o == 0 ? I(0) : op[o - 1].dv; };
    auto dw = [&](std::size_t o) { return o == 0 ? I(0) : op[o - 1].dw; };
    pos_.assign(m1, 0);
    heap_.clear();
    // a before b in the heap order: lighter, or as heavy and worth more, or lower choice
    auto before = [&](std::uint32_t a, std::uint32_t b) {
      const I wa = S[pos_[a]].w + dw(a), wb = S[pos_[b]].w + dw(b);
      if (wa != wb) return wa < wb;
      const I va = S[pos_[a]].v + dv(a), vb = S[pos_[b]].v + dv(b);
      if (va != vb) return va > vb;
      return a < b;
    };
    auto sift_down = [&](std::size_t k) {
      const std::size_t n = heap_.size();
      for (;;) {
        std::size_t c = 2 * k + 1;
        if (c >= n) break;
        if (c + 1 < n && before(heap_[c + 1], heap_[c])) ++c;
        if (!before(heap_[c], heap_[k])) break;
        std::swap(heap_[c], heap_[k]);
        k = c;
      }
    };
    for (std::uint32_t o = 0; o < m1; ++o) {
      if (L > 0) heap_.push_back(o);
    }
    for (std::size_t k = heap_.size(); k-- > 0;) sift_down(k);
    const std::size_t cap =
        static_cast<std::size_t>(std::min<std::uint64_t>(m1 * L, room + 1));
    grow(nxt_, cap);
    grow(par_, par_n_ + cap);
    std::size_t out = 0;
    I last_v = Limits<I>::lowest();
    bool ok = true;
    while (!heap_.empty()) {
      const std::uint32_t o = heap_[0];
      const std::size_t p = pos_[o];
      State<I> s{S[p].w + dw(o), S[p].v + dv(o)};
      if (++pos_[o] == L) {
        heap_[0] = heap_.back();
        heap_.pop_back();
      }
      if (!heap_.empty()) sift_down(0);
      if (s.v <= last_v) continue;
      last_v = s.v;
      if (o > 0 && s.w <= R && s.v > z) improve(s.v, t, p, st.first + o - 1);
      if (!emit(s, static_cast<Code>(p * m1 + o), dnext, last, out, room)) {
        ok = false;
        break;
      }
    }
    finish(ok, out);
    return ok;
  }
};

// ---- 0/1 and bounded knapsack: one instance on exact integers ----------------------------------

// The cardinality bound's scratch entry.
struct RW {
  double r, w;
};

// A selection key: efficiency (or slope) and the entry's index. Keys are ordered strictly:
// efficiency descending, then index ascending (so equal efficiencies are taken in index order).
struct Key {
  double e;
  std::uint32_t id;
};
inline bool key_before(const Key& a, const Key& b) {
  return a.e > b.e || (a.e == b.e && a.id < b.id);
}
struct KeyBefore {
  bool operator()(const Key& a, const Key& b) const { return key_before(a, b); }
};

template <class I>
struct CardItem;
struct CardD;

template <class I>
struct Work01 {
  // items (after dropping, taking and splitting): weight, value, original index, multiplicity
  std::size_t n = 0;  // items in w, v (the vectors may be longer)
  std::vector<I> w, v;
  std::vector<double> wd, vd;  // the same, as doubles (converted once)
  std::vector<std::uint32_t> orig;  // the input item of each (split) item
  std::vector<std::int64_t> mult;   // bounded: its multiplicity
  std::vector<std::uint32_t> freebies;  // input items of weight 0 and value > 0
  std::vector<std::uint8_t> cls;  // 1 in the base solution (H), 0 not; bit 1: flipped
  // classification done while materializing (see solve01): H-sure items marked in cls, the
  // bracket's items in win, and their weight sums
  bool pre = false;
  I preWH = 0, preVH = 0, preWwin = 0;
  std::vector<Key> win;
  std::vector<std::uint32_t> greedy;
  std::vector<RW> rw;
  bool bounded = false;  // mult holds the multiplicities
  std::vector<CardItem<I>> card;
  std::vector<CardD> cd;
  Engine<I, std::uint32_t> eng;

  // room for k items (the arrays only grow)
  void reserve(std::size_t k, bool bounded) {
    if (w.size() < k) {
      w.resize(k);
      v.resize(k);
      wd.resize(k);
      vd.resize(k);
      orig.resize(k);
    }
    if (bounded && mult.size() < k) mult.resize(k);
  }

  void trim() {
    constexpr std::size_t keep = std::size_t(1) << 20;
    eng.trim(keep);
    if (w.capacity() > keep) {
      std::vector<I>().swap(w);
      std::vector<I>().swap(v);
      std::vector<double>().swap(wd);
      std::vector<double>().swap(vd);
      std::vector<std::uint32_t>().swap(orig);
      std::vector<std::int64_t>().swap(mult);
      std::vector<std::uint8_t>().swap(cls);
    }
    if (win.capacity() > keep) std::vector<Key>().swap(win);
    if (rw.capacity() > keep) std::vector<RW>().swap(rw);
    if (card.capacity() > keep) std::vector<CardItem<I>>().swap(card);
    if (cd.capacity() > keep) std::vector<CardD>().swap(cd);
  }
};

// States kept before the cardinality bound is computed (combo computes its extra bounds once the
// DP gets big).
constexpr std::size_t kCardStates = 256;

template <class I>
inline I gcd_i(I a, I b) {
  while (b != I(0)) {
    const I t = a % b;
    a = b;
    b = t;
  }
  return a;
}

// Weighted quickselect of the break item among key[lo, hi) in key order (key_before) with the
// capacity rem: rearranges key so that key[lo, b) are the first entries in key order, their
// weights w[id] summing to at most rem (updated), and key[b] does not fit; returns b (hi when
// everything fits). O(hi - lo) expected.
template <class I>
inline std::size_t break_select(Key* key, std::size_t lo, std::size_t hi, const I* w, I& rem) {
  int depth = 0;
  while (hi - lo > 24) {
    if (++depth > 64) break;  // pathological pivots: finish by sorting
    // median of three as the pivot
    Key a = key[lo], b = key[lo + (hi - lo) / 2], c = key[hi - 1];
    if (key_before(b, a)) std::swap(a, b);
    if (key_before(c, b)) std::swap(b, c);
    if (key_before(b, a)) std::swap(a, b);
    const Key p = b;
    // partition: [lo, g) before the pivot, [g, hi) the pivot and after
    std::size_t g = lo;
    I wg = 0;
    for (std::size_t i = lo; i < hi; ++i) {
      if (key_before(key[i], p)) {
        wg += w[key[i].id];
        std::swap(key[i], key[g]);
        ++g;
      }
    }
    if (wg > rem) {
      hi = g;
      continue;
    }
    rem -= wg;
    // the pivot goes first in the rest
    for (std::size_t i = g; i < hi; ++i) {
      if (key[i].id == p.id) {
        std::swap(key[i], key[g]);
        break;
      }
    }
    const I wp = w[key[g].id];
    if (wp > rem) return g;
    rem -= wp;
    lo = g + 1;
  }
  std::sort(key + lo, key + hi, KeyBefore());
  for (std::size_t k = lo; k < hi; ++k) {
    const I wk = w[key[k].id];
    if (wk > rem) return k;
    rem -= wk;
  }
  return hi;
}

// A free item of the cardinality bound: m copies of (w1, v1) (m = 1 for 0/1 items; a binary
// part of a bounded item is m copies of the item). Exact.
template <class I>
struct CardItem {
  I w1, v1, m;
};

// floor of the LP maximum number of copies whose per-copy key (w1, or v1 when by_value) sums to
// at most cap: the greedy by key ascending, the last item fractional. Exact (integer sums, keys
// compared exactly). Reorders it. O(n) expected.
template <class I>
i128 lp_max_copies(CardItem<I>* it, std::size_t n, I cap, bool by_value) {
  auto key = [by_value](const CardItem<I>& c) { return by_value ? c.v1 : c.w1; };
  auto less = [&](const CardItem<I>& a, const CardItem<I>& b) { return key(a) < key(b); };
  std::size_t lo = 0, hi = n;
  i128 count = 0;
  while (hi - lo > 16) {
    const std::size_t mid = lo + (hi - lo) / 2;
    std::nth_element(it + lo, it + mid, it + hi, less);
    i128 s = 0, c = 0;
    for (std::size_t k = lo; k < mid; ++k) {
      s += static_cast<i128>(key(it[k])) * static_cast<i128>(it[k].m);
      c += static_cast<i128>(it[k].m);
    }
    if (s <= static_cast<i128>(cap)) {
      cap -= static_cast<I>(s);
      count += c;
      lo = mid;
    } else {
      hi = mid;
    }
  }
  std::sort(it + lo, it + hi, less);
  for (std::size_t k = lo; k < hi; ++k) {
    const i128 kk = static_cast<i128>(key(it[k])), mm = static_cast<i128>(it[k].m);
    if (kk * mm <= static_cast<i128>(cap)) {
      cap -= static_cast<I>(kk * mm);
      count += mm;
    } else {
      count += kk > 0 ? static_cast<i128>(cap) / kk : mm;
      break;
    }
  }
  return count;
}

// An entry of phi's selection: per-copy reduced value, copies, and the item's r and weight.
struct CardD {
  double key, m, r, w;
};

// The LP maximum of sum r x subject to sum m x <= budget, 0 <= x <= 1: the greedy by key
// descending, the last item fractional. Returns (sum r, sum w) of the taken parts. Reorders e.
inline void frac_top(CardD* e, std::size_t n, double budget, double& top, double& wtop) {
  auto more = [](const CardD& a, const CardD& b) { return a.key > b.key; };
  std::size_t lo = 0, hi = n;
  top = 0.0;
  wtop = 0.0;
  while (hi - lo > 16 && budget > 0.0) {
    const std::size_t mid = lo + (hi - lo) / 2;
    std::nth_element(e + lo, e + mid, e + hi, more);
    double sm = 0.0;
    for (std::size_t k = lo; k < mid; ++k) sm += e[k].m;
    if (sm <= budget) {
      for (std::size_t k = lo; k < mid; ++k) {
        top += e[k].r;
        wtop += e[k].w;
      }
      budget -= sm;
      lo = mid;
    } else {
      hi = mid;
    }
  }
  std::sort(e + lo, e + hi, more);
  for (std::size_t k = lo; k < hi && budget > 0.0; ++k) {
    const double f = e[k].m <= budget ? 1.0 : budget / e[k].m;
    top += f * e[k].r;
    wtop += f * e[k].w;
    budget -= e[k].m;
  }
}

// Cardinality bound of the problem restricted to the free items (see step 6), counting copies
// (a binary part of a bounded item counts its multiplicity). Returns a rigorous upper bound on
// the best value relative to the base solution, or +inf.
template <class I>
double cardinality_bound(Work01<I>& wk, I R, I z_rel, double lam) {
  const auto& opts = wk.eng.opts;
  const std::size_t f = opts.size();
  if (f == 0) return -std::numeric_limits<double>::infinity();
  const bool bounded = wk.bounded;
  // C_F = R + W(F cap H), target value over F = z_rel + 1 + V(F cap H)
  I wFH = 0, vFH = 0;
  auto& ci = wk.card;
  ci.resize(f);
  i128 copies = 0;
  for (std::size_t k = 0; k < f; ++k) {
    const auto& o = opts[k];
    if (o.dw < I(0)) {
      wFH -= o.dw;
      vFH -= o.dv;
    }
    const I m = bounded ? static_cast<I>(wk.mult[o.ref]) : I(1);
    ci[k] = CardItem<I>{iabs(o.dw) / m, iabs(o.dv) / m, m};
    copies += static_cast<i128>(m);
  }
  const I CF = R + wFH;
  const I target = z_rel + I(1) + vFH;
  I vF = 0;
  for (std::size_t k = 0; k < f; ++k) vF += iabs(opts[k].dv);
  if (vF < target) return -std::numeric_limits<double>::infinity();  // nothing can beat z
  // k_max: the most copies that fit in C_F; k_min: the fewest that reach the target (LP bounds;
  // these reorder ci, which is not used afterwards)
  const i128 kmax_i = lp_max_copies(ci.data(), f, CF, false);
  const i128 kmin_i = copies - lp_max_copies(ci.data(), f, static_cast<I>(vF - target), true);
  if (kmin_i > kmax_i) return -std::numeric_limits<double>::infinity();
  const double kmax = static_cast<double>(kmax_i), kmin = static_cast<double>(kmin_i);
  const double CFd = static_cast<double>(CF);
  const double vFHd = static_cast<double>(vFH);
  auto& cd = wk.cd;
  cd.resize(f);
  // phi(l) = l C_F + the LP max of sum_j (v_j - l w_j) x_j with k_min <= copies <= k_max; its
  // subgradient is C_F - W(chosen). Returns phi plus its error allowance.
  auto phi = [&](double l, double& grad) {
    double P = 0.0, sp = 0.0, wp = 0.0, mag = 0.0;
    for (std::size_t k = 0; k < f; ++k) {
      const double vj = static_cast<double>(iabs(opts[k].dv));
      const double wj = static_cast<double>(iabs(opts[k].dw));
      const double m = bounded ? static_cast<double>(wk.mult[opts[k].ref]) : 1.0;
      const double r = vj - l * wj;
      cd[k] = CardD{r / m, m, r, wj};
      mag += vj + l * wj;
      if (r > 0.0) {
        P += m;
        sp += r;
        wp += wj;
      }
    }
    double top, wtop;
    if (P >= kmin && P <= kmax) {
      top = sp;
      wtop = wp;
    } else {
      frac_top(cd.data(), f, P > kmax ? kmax : kmin, top, wtop);
    }
    grad = CFd - wtop;
    const double val = l * CFd + top;
    const double err = 0x1p-48 * static_cast<double>(f + 8) * (mag + l * CFd + std::fabs(val));
    return val + err;
  };
  // Cutting planes on the convex piecewise-linear phi over [0, inf), converged to a quarter
  // unit whatever the incumbent now (z may reach the bound later).
  double glo, ghi;
  double llo = 0.0, flo = phi(0.0, glo);
  double best = flo;
  if (glo < 0.0) {
    double lhi = lam > 0.0 ? lam : 1.0, fhi = phi(lhi, ghi);
    best = std::min(best, fhi);
    for (int it = 0; it < 64 && ghi < 0.0; ++it) {  // a point right of the minimum
      llo = lhi;
      flo = fhi;
      glo = ghi;
      lhi *= 2.0;
      fhi = phi(lhi, ghi);
      best = std::min(best, fhi);
    }
    for (int it = 0; it < 60 && ghi > 0.0 && glo < 0.0; ++it) {
      // the tangents at llo and lhi meet at lx, with the lower bound fx_low on the minimum
      double lx = (fhi - flo + glo * llo - ghi * lhi) / (glo - ghi);
      const double fx_low = flo + glo * (lx - llo);
      if (!(lx > llo && lx < lhi)) lx = 0.5 * (llo + lhi);
      if (best - fx_low < 0.25) break;
      double gx;
      const double fx = phi(lx, gx);
      best = std::min(best, fx);
      if (gx >= 0.0) {
        lhi = lx;
        fhi = fx;
        ghi = gx;
      } else {
        llo = lx;
        flo = fx;
        glo = gx;
      }
    }
  }
  return best - vFHd + 0x1p-50 * (std::fabs(best) + std::fabs(vFHd));
}

// Efficiency thresholds bracketing the break efficiency, from a sample (large instances): items
// with v > thi w are surely before the break, items with v < tlo w surely after it.
struct Bracket {
  bool on = false;
  double thi = std::numeric_limits<double>::infinity();
  double tlo = 0.0;
};
constexpr std::size_t kBracketItems = 4096;  // instances at least this large get a bracket

// at(j, e, w) sets item j's efficiency and weight (doubles) and returns whether it is an item
// (the raw input may hold dropped ones). Deterministic (a fixed LCG picks the sample).
template <class F>
Bracket sample_bracket(std::size_t n, double Cd, std::vector<RW>& buf, F&& at) {
  Bracket br;
  if (n < kBracketItems) return br;
  const std::size_t ns =
      std::min<std::size_t>(n / 4, 1024 + 2 * static_cast<std::size_t>(std::sqrt(double(n))));
  buf.clear();
  std::uint64_t st = 0x9E3779B97F4A7C15ULL;
  for (std::size_t k = 0; k < ns; ++k) {
    st = st * 6364136223846793005ULL + 1442695040888963407ULL;
    const std::size_t j = static_cast<std::size_t>((st >> 33) % n);
    double e, w;
    if (at(j, e, w)) buf.push_back(RW{e, w});
  }
  std::sort(buf.begin(), buf.end(), [](const RW& x, const RW& y) { return x.r > y.r; });
  const double scale = static_cast<double>(n) / static_cast<double>(ns);
  const std::size_t m = buf.size();
  double cum = 0.0;
  std::size_t q = m;
  for (std::size_t k = 0; k < m; ++k) {
    cum += buf[k].w * scale;
    if (cum > Cd) {
      q = k;
      break;
    }
  }
  const std::size_t delta = 8 + 3 * static_cast<std::size_t>(std::sqrt(static_cast<double>(q)));
  br.on = true;
  br.thi = q >= delta ? buf[q - delta].r : std::numeric_limits<double>::infinity();
  br.tlo = q + delta < m ? buf[q + delta].r : 0.0;
  return br;
}

// Solves the 0/1 problem on wk.w, wk.v (n items, every 0 < w_j <= C, v_j > 0, sum w > C).
// On return wk.cls[j] & 1 says whether item j is in the solution. Returns kOptimal or kLimit.
template <class I>
signed char solve01(Work01<I>& wk, I C, I Vsum, std::int64_t max_states) {
  const std::size_t n = wk.n;
  const I* w = wk.w.data();
  const I* v = wk.v.data();
  const double* wdp = wk.wd.data();
  const double* vdp = wk.vd.data();
  // gcd of the weights floors the capacity
  {
    I g = w[0];
    for (std::size_t j = 1; j < n && g != I(1); ++j) g = gcd_i(w[j], g);
    if (g > I(1)) C -= C % g;
  }
  if (wk.cls.size() < n) wk.cls.resize(n);
  std::uint8_t* cls = wk.cls.data();
  auto& win = wk.win;
  I WH = 0, VH = 0;
  // ---- the break item: a sample brackets the break efficiency (large n; the classification
  // ---- may have happened while materializing), then a weighted quickselect ----
  bool bracketed = false;
  if (wk.pre) {
    wk.pre = false;
    WH = wk.preWH;
    VH = wk.preVH;
    bracketed = WH <= C && WH + wk.preWwin > C;
  } else {
    std::fill(cls, cls + n, std::uint8_t(0));
    win.clear();
    const Bracket br = sample_bracket(n, static_cast<double>(C), wk.rw,
                                      [&](std::size_t j, double& e, double& wj) {
                                        e = vdp[j] / wdp[j];
                                        wj = wdp[j];
                                        return true;
                                      });
    if (br.on) {
      I Wwin = 0;
      for (std::size_t j = 0; j < n; ++j) {
        const double vd = vdp[j], wd = wdp[j];
        if (vd > br.thi * wd) {
          cls[j] = 1;
          WH += w[j];
          VH += v[j];
        } else if (vd >= br.tlo * wd) {
          win.push_back({vd / wd, static_cast<std::uint32_t>(j)});
          Wwin += w[j];
        }
      }
      bracketed = WH <= C && WH + Wwin > C;
    }
  }
  if (!bracketed) {  // no bracket, or the sample missed: every item goes to the quickselect
    std::fill(cls, cls + n, std::uint8_t(0));
    WH = 0;
    VH = 0;
    win.resize(n);
    for (std::size_t j = 0; j < n; ++j) win[j] = {vdp[j] / wdp[j], static_cast<std::uint32_t>(j)};
  }
  I rem = C - WH;
  const std::size_t bpos = break_select<I>(win.data(), 0, win.size(), w, rem);
  if (bpos >= win.size()) return kOptimal;  // unreachable: sum w > C
  // bpos < win.size(): sum w > C guarantees a break item
  for (std::size_t k = 0; k < bpos; ++k) {
    const std::uint32_t id = win[k].id;
    cls[id] = 1;
    WH += w[id];
    VH += v[id];
  }
  const std::uint32_t b = win[bpos].id;
  const double lam = static_cast<double>(v[b]) / static_cast<double>(w[b]);
  const I R = C - WH;  // == rem
  // ---- incumbent: first fit of the residual with the bracket's items after the break ----
  wk.greedy.clear();
  I zg = 0;
  {
    I r = R;
    for (std::size_t k = bpos + 1; k < win.size() && r > I(0); ++k) {
      const std::uint32_t id = win[k].id;
      if (w[id] <= r) {
        r -= w[id];
        zg += v[id];
        wk.greedy.push_back(id);
      }
    }
  }
  // ---- reduction: free items become the engine's stages ----
  auto& eng = wk.eng;
  eng.stages.clear();
  eng.opts.clear();
  eng.lam = lam;
  eng.R = R;
  eng.z = zg;
  eng.emis = 0x1p-46 * static_cast<double>(Vsum);
  const double lamR = lam * static_cast<double>(R);
  eng.ubound = lamR + eng.emis + 1e-12 * lamR;
  const double zT = improve_threshold(static_cast<double>(zg));
  // free iff lamR + emis - cost + 1e-12 (lamR + cost) >= zT, i.e. cost <= gap
  const double gap = (lamR * (1.0 + 1e-12) + eng.emis - zT) / (1.0 - 1e-12);
  if (!(eng.ubound < zT)) {
    for (std::size_t j = 0; j < n; ++j) {
      const double vd = vdp[j], wd = wdp[j];
      const double a = vd - lam * wd;
      const double err = 0x1p-49 * (vd + lam * wd);
      const double c = cls[j] ? a : -a;
      double cost = c > err ? c - err : 0.0;
      if (cost <= gap) {
        const std::uint32_t k = static_cast<std::uint32_t>(eng.opts.size());
        if (cls[j]) {
          eng.opts.push_back(
              Opt<I>{-v[j], -w[j], static_cast<std::uint32_t>(j), static_cast<std::uint32_t>(j)});
        } else {
          eng.opts.push_back(
              Opt<I>{v[j], w[j], static_cast<std::uint32_t>(j), static_cast<std::uint32_t>(j)});
        }
        eng.stages.push_back(Stage{cost, k, 1, static_cast<std::uint32_t>(j)});
      }
    }
  }
  const signed char st = eng.run(max_states, kCardStates,
                                 [&] { return cardinality_bound<I>(wk, R, eng.z, lam); });
  // ---- the solution: base, flipped by the engine's path, or the greedy fill ----
  if (eng.found) {
    eng.path();
    for (const std::uint32_t j : eng.picked_stage) cls[j] ^= 1;
  } else {
    for (const std::uint32_t j : wk.greedy) cls[j] ^= 1;
  }
  return st;
}

// ---- the batch driver: scaling, dropping, splitting, outputs -----------------------------------

template <class T>
inline bool finite_num(T x) {
  if constexpr (std::is_same<T, double>::value) {
    return std::isfinite(x);
  } else {
    (void)x;
    return true;
  }
}

struct KnapsackArgs {
  index_t B = 0, n = 0;
  const void* values = nullptr;
  bool values_f64 = false;
  const void* weights = nullptr;
  bool weights_f64 = false;
  const void* capacity = nullptr;      // weights' dtype
  const std::int64_t* counts = nullptr;  // null: 0/1
  std::int64_t max_states = 1;
  std::uint8_t* x01 = nullptr;  // (B, n) when counts is null
  std::int64_t* xb = nullptr;   // (B, n) otherwise
  void* value = nullptr;        // (B,) int64 or float64 (values' dtype)
  void* weight = nullptr;       // (B,) int64 or float64 (weights' dtype)
  signed char* status = nullptr;
};

// Exponent data of one float array over the entries that matter.
struct Expo {
  int lsb = 1 << 20;   // min lowest-set-bit exponent (s)
  int msb = -(1 << 20);
  void add(double x) {
    if (x == 0.0) return;
    const int l = lsb_exponent(x), m = msb_exponent(x);
    if (l < lsb) lsb = l;
    if (m > msb) msb = m;
  }
  int shift() const { return lsb == (1 << 20) ? 0 : lsb; }
  // bits of the largest scaled magnitude
  int bits() const { return msb == -(1 << 20) ? 0 : msb - lsb + 1; }
};

// Scaled integer of an input entry (exact under the preconditions checked by the scan).
template <class I, class T>
inline I scaled(T x, int s) {
  if constexpr (std::is_same<T, double>::value) {
    return scaled_int<I>(x, s);
  } else {
    (void)s;
    return static_cast<I>(x);
  }
}

// Output of a total: int64 (status 4 when it does not fit: 0 written) or the correctly rounded
// double.
template <class T>
inline bool write_total(void* out, index_t b, i128 t, int s) {
  if constexpr (std::is_same<T, double>::value) {
    static_cast<double*>(out)[b] = to_double_scaled<i128>(t, s);
    return true;
  } else {
    (void)s;
    const i128 lo = -(static_cast<i128>(1) << 63), hi = (static_cast<i128>(1) << 63) - 1;
    if (t < lo || t > hi) {
      static_cast<std::int64_t*>(out)[b] = 0;
      return false;
    }
    static_cast<std::int64_t*>(out)[b] = static_cast<std::int64_t>(t);
    return true;
  }
}

template <class I>
inline Work01<I>& work01() {
  static thread_local Work01<I> wk;
  return wk;
}

// Binary split of count c of an item: multiplicities 1, 2, 4, ..., remainder.
template <class F>
inline void split_count(std::int64_t c, F&& emit) {
  std::int64_t k = 1;
  while (c > 0) {
    const std::int64_t t = c < k ? c : k;
    emit(t);
    c -= t;
    if (k <= (std::int64_t(1) << 61)) k *= 2;
  }
}

// Writes the solution held in wk (and the free items) to x, value, weight, status.
template <class TV, class TW, class I>
void write01(const KnapsackArgs& a, index_t b, Work01<I>& wk, const TV* vals,
             const std::int64_t* cnt, int sv, int sw, signed char st) {
  std::uint8_t* x01 = a.x01 ? a.x01 + b * a.n : nullptr;
  std::int64_t* xb = a.xb ? a.xb + b * a.n : nullptr;
  i128 tv = 0, tw = 0;
  for (const std::uint32_t j : wk.freebies) {  // weight 0, value > 0: all of them
    const std::int64_t c0 = cnt ? cnt[j] : 1;
    if (x01) x01[j] = 1;
    if (xb) xb[j] = c0;
    tv += scaled<i128>(vals[j], sv) * c0;
  }
  const std::uint8_t* cls = wk.cls.data();
  for (std::size_t k = 0; k < wk.n; ++k) {
    if ((k & 7) == 0 && k + 8 <= wk.n) {  // skip eight items out of the solution at once
      std::uint64_t word;
      std::memcpy(&word, cls + k, 8);
      if ((word & 0x0101010101010101ULL) == 0) {
        k += 7;
        continue;
      }
    }
    if (!(cls[k] & 1)) continue;
    const std::uint32_t j = wk.orig[k];
    if (x01) x01[j] = 1;
    if (xb) xb[j] += wk.mult[k];
    tv += static_cast<i128>(wk.v[k]);
    tw += static_cast<i128>(wk.w[k]);
  }
  const bool okv = write_total<TV>(a.value, b, tv, sv);
  const bool okw = write_total<TW>(a.weight, b, tw, sw);
  a.status[b] = (okv && okw) ? st : kOverflow;
  wk.trim();
}

// int64 0/1 input in one pass: the items that matter go to the int64 workspace (branch-free
// compaction) with overflow-checked sums; then the engine. Returns false, having written
// nothing, when a sum reaches 2^61 (the general path then decides the engine type).
inline bool knapsack_fast01(const KnapsackArgs& a, index_t b, const std::int64_t* vals,
                            const std::int64_t* wts, std::int64_t cap, std::uint8_t* x01) {
  const index_t n = a.n;
  Work01<std::int64_t>& wk = work01<std::int64_t>();
  wk.reserve(static_cast<std::size_t>(n), false);
  wk.freebies.clear();
  wk.bounded = false;
  std::int64_t* W = wk.w.data();
  std::int64_t* V = wk.v.data();
  double* WD = wk.wd.data();
  double* VD = wk.vd.data();
  std::uint32_t* O = wk.orig.data();
  std::size_t m = 0;
  std::int64_t Vs = 0, Ws = 0, Vz = 0;
  bool ovf = false;
  // large instances: the bracket of the break efficiency from a sample of the raw input, and
  // the classification in the same pass
  const Bracket br = sample_bracket(static_cast<std::size_t>(n), static_cast<double>(cap), wk.rw,
                                    [&](std::size_t j, double& e, double& wj) {
                                      if (!(vals[j] > 0 && wts[j] > 0 && wts[j] <= cap)) {
                                        return false;
                                      }
                                      wj = static_cast<double>(wts[j]);
                                      e = static_cast<double>(vals[j]) / wj;
                                      return true;
                                    });
  if (wk.cls.size() < static_cast<std::size_t>(n)) wk.cls.resize(static_cast<std::size_t>(n));
  std::uint8_t* cls = wk.cls.data();
  wk.win.clear();
  std::int64_t WH = 0, VH = 0, Wwin = 0;
  const double thi = br.thi, tlo = br.tlo;
  for (index_t j = 0; j < n; ++j) {
    const std::int64_t vj = vals[j], wj = wts[j];
    const bool act = vj > 0 && wj > 0 && wj <= cap;
    const double wd = static_cast<double>(wj), vd = static_cast<double>(vj);
    W[m] = wj;
    V[m] = vj;
    WD[m] = wd;
    VD[m] = vd;
    O[m] = static_cast<std::uint32_t>(j);
    ovf |= __builtin_add_overflow(Vs, act ? vj : 0, &Vs);
    ovf |= __builtin_add_overflow(Ws, act ? wj : 0, &Ws);
    if (br.on) {
      const bool h = act && vd > thi * wd;
      cls[m] = h ? 1 : 0;
      WH += h ? wj : 0;  // <= Ws: no overflow unless Ws overflows
      VH += h ? vj : 0;
      if (act && !h && vd >= tlo * wd) {
        wk.win.push_back({vd / wd, static_cast<std::uint32_t>(m)});
        Wwin += wj;
      }
    }
    m += act ? 1 : 0;
    if (wj == 0 && vj > 0) {
      wk.freebies.push_back(static_cast<std::uint32_t>(j));
      ovf |= __builtin_add_overflow(Vz, vj, &Vz);
    }
  }
  const std::int64_t lim = Limits<std::int64_t>::fits();
  if (ovf || Vs >= lim || Ws >= lim || Vz >= lim || Vs + Vz >= lim) return false;
  wk.n = m;
  wk.pre = br.on;
  wk.preWH = WH;
  wk.preVH = VH;
  wk.preWwin = Wwin;
  if (m == 0 || Ws <= cap) {  // everything fits
    wk.pre = false;
    if (wk.cls.size() < m) wk.cls.resize(m);
    std::fill(wk.cls.begin(), wk.cls.begin() + static_cast<std::ptrdiff_t>(m), std::uint8_t(1));
  } else {
    const signed char st = solve01<std::int64_t>(wk, cap, Vs, a.max_states);
    write01<std::int64_t, std::int64_t>(a, b, wk, vals, nullptr, 0, 0, st);
    return true;
  }
  (void)x01;
  write01<std::int64_t, std::int64_t>(a, b, wk, vals, nullptr, 0, 0, kOptimal);
  return true;
}

// One instance of the 0/1 or bounded problem.
template <class TV, class TW>
void knapsack_one(const KnapsackArgs& a, index_t b) {
  const index_t n = a.n;
  const TV* vals = static_cast<const TV*>(a.values) + b * n;
  const TW* wts = static_cast<const TW*>(a.weights) + b * n;
  const TW cap = static_cast<const TW*>(a.capacity)[b];
  const std::int64_t* cnt = a.counts ? a.counts + b * n : nullptr;
  std::uint8_t* x01 = a.x01 ? a.x01 + b * n : nullptr;
  std::int64_t* xb = a.xb ? a.xb + b * n : nullptr;
  if (x01) std::memset(x01, 0, static_cast<std::size_t>(n));
  if (xb) std::memset(xb, 0, static_cast<std::size_t>(n) * sizeof(std::int64_t));
  auto finish_zero = [&](signed char st) {
    write_total<TV>(a.value, b, 0, 0);
    write_total<TW>(a.weight, b, 0, 0);
    a.status[b] = st;
  };
  // ---- int64 0/1 input: one pass, int64 sums (the general path below when they might not fit)
  if constexpr (std::is_same<TV, std::int64_t>::value && std::is_same<TW, std::int64_t>::value) {
    if (!cnt && knapsack_fast01(a, b, vals, wts, cap, x01)) return;
  }
  // ---- pass 1: data check, which items matter, exponents of the float arrays ----
  if (!finite_num(cap) && !(cap > 0)) return finish_zero(kBadData);  // NaN or -inf
  Expo ev, ew;
  index_t nact = 0;
  for (index_t j = 0; j < n; ++j) {
    const TV vj = vals[j];
    const TW wj = wts[j];
    if (!finite_num(vj) || !finite_num(wj)) return finish_zero(kBadData);
    const std::int64_t c = cnt ? cnt[j] : 1;
    if (!(vj > 0) || c <= 0 || wj < 0) continue;
    if (wj == 0) {
      if constexpr (std::is_same<TV, double>::value) ev.add(vj);
      continue;
    }
    if (!(wj <= cap)) continue;
    if constexpr (std::is_same<TV, double>::value) ev.add(vj);
    if constexpr (std::is_same<TW, double>::value) ew.add(static_cast<double>(wj));
    ++nact;
  }
  const int sv = ev.shift(), sw = ew.shift();
  if (ev.bits() > 124 || ew.bits() > 124) return finish_zero(kTooWide);
  // ---- pass 2: exact sums in 128 bits (saturating at the 2^125 limit), capped counts ----
  const i128 wide = pow2_i128(125);
  i128 Cs;
  if constexpr (std::is_same<TW, double>::value) {
    Cs = floor_scaled<i128>(static_cast<double>(cap), sw, wide);
  } else {
    Cs = static_cast<i128>(cap);
  }
  i128 Vsum = 0, Wsum = 0, Vzero = 0;
  bool too_wide = false;
  const bool cs64 = Cs <= static_cast<i128>(std::numeric_limits<std::int64_t>::max());
  // count capped at floor(C / w) (64-bit division when the numbers fit)
  auto capped = [&](index_t j, i128 wj) -> std::int64_t {
    if (!cnt) return 1;
    const std::int64_t c = cnt[j];
    const i128 lim = (cs64 && wj <= static_cast<i128>(std::numeric_limits<std::int64_t>::max()))
                         ? static_cast<i128>(static_cast<std::int64_t>(Cs) /
                                             static_cast<std::int64_t>(wj))
                         : Cs / wj;
    return static_cast<i128>(c) < lim ? c : static_cast<std::int64_t>(lim);
  };
  // vi * c, flagging products of 125 bits or more
  auto times = [&](i128 vi, std::int64_t c) -> i128 {
    if (c == 1) return vi;
    i128 p;
    if (__builtin_mul_overflow(vi, static_cast<i128>(c), &p) || p >= wide) {
      too_wide = true;
      return 0;
    }
    return p;
  };
  for (index_t j = 0; j < n && !too_wide; ++j) {
    const TV vj = vals[j];
    const TW wj = wts[j];
    const std::int64_t c0 = cnt ? cnt[j] : 1;
    if (!(vj > 0) || c0 <= 0 || wj < 0) continue;
    if (wj != 0 && !(wj <= cap)) continue;  // dropped (and not in the exponents: never scale it)
    const i128 vi = scaled<i128>(vj, sv);
    if (wj == 0) {
      Vzero += times(vi, c0);
      if (Vzero >= wide) too_wide = true;
      continue;
    }
    const i128 wi = scaled<i128>(wj, sw);
    const std::int64_t c = capped(j, wi);
    if (c <= 0) continue;
    Vsum += times(vi, c);
    Wsum += wi * c;  // each term is at most Cs (capped count) or cap (0/1): below 2^125
    if (Vsum >= wide || Wsum >= wide) too_wide = true;
  }
  if (too_wide || Vsum + Vzero >= wide) return finish_zero(kTooWide);
  // ---- the solution of the trivial cases, else the engine ----
  auto take_all = [&]() {
    i128 tv = 0, tw = 0;
    for (index_t j = 0; j < n; ++j) {
      const TV vj = vals[j];
      const TW wj = wts[j];
      const std::int64_t c0 = cnt ? cnt[j] : 1;
      if (!(vj > 0) || c0 <= 0 || wj < 0) continue;
      if (wj != 0 && !(wj <= cap)) continue;
      const i128 wi = scaled<i128>(wj, sw);
      const std::int64_t c = wj == 0 ? c0 : capped(j, wi);
      if (c <= 0) continue;
      if (x01) x01[j] = 1;
      if (xb) xb[j] = c;
      tv += scaled<i128>(vj, sv) * c;
      tw += wi * c;
    }
    const bool okv = write_total<TV>(a.value, b, tv, sv);
    const bool okw = write_total<TW>(a.weight, b, tw, sw);
    a.status[b] = (okv && okw) ? kOptimal : kOverflow;
  };
  if (nact == 0 || Wsum <= Cs) return take_all();
  // the engine on integers of type I (the items materialized in wk, sums Vs, Vz)
  auto solve_and_write = [&](auto& wk, auto Vs) {
    using I = decltype(Vs);
    const I C = static_cast<I>(Cs);  // Cs < Wsum < the limit of I
    const signed char st = solve01<I>(wk, C, Vs, a.max_states);
    write01<TV, TW, I>(a, b, wk, vals, cnt, sv, sw, st);
  };
  // materializes the items (dropped, split) as I, with their sums
  auto materialize = [&](auto& wk, auto tag) {
    using I = decltype(tag);
    wk.n = 0;
    wk.pre = false;
    wk.bounded = cnt != nullptr;
    wk.freebies.clear();
    auto push = [&](I wi, I vi, std::uint32_t j, std::int64_t mult) {
      if (wk.w.size() <= wk.n) wk.reserve(std::max<std::size_t>(64, 2 * wk.n), cnt != nullptr);
      if (cnt && wk.mult.size() < wk.w.size()) wk.mult.resize(wk.w.size());
      wk.w[wk.n] = wi;
      wk.v[wk.n] = vi;
      wk.wd[wk.n] = static_cast<double>(wi);
      wk.vd[wk.n] = static_cast<double>(vi);
      wk.orig[wk.n] = j;
      if (cnt) wk.mult[wk.n] = mult;
      ++wk.n;
    };
    for (index_t j = 0; j < n; ++j) {
      const TV vj = vals[j];
      const TW wj = wts[j];
      const std::int64_t c0 = cnt ? cnt[j] : 1;
      if (!(vj > 0) || c0 <= 0 || wj < 0) continue;
      if (wj == 0) {
        wk.freebies.push_back(static_cast<std::uint32_t>(j));
        continue;
      }
      if (!(wj <= cap)) continue;
      const I vi = scaled<I>(vj, sv);
      const I wi = scaled<I>(wj, sw);
      if (!cnt) {
        push(wi, vi, static_cast<std::uint32_t>(j), 1);
        continue;
      }
      const std::int64_t c = capped(j, static_cast<i128>(wi));
      split_count(c, [&](std::int64_t t) {
        push(wi * static_cast<I>(t), vi * static_cast<I>(t), static_cast<std::uint32_t>(j), t);
      });
    }
  };
  if (Vsum + Vzero < static_cast<i128>(Limits<std::int64_t>::fits()) &&
      Wsum < static_cast<i128>(Limits<std::int64_t>::fits())) {
    Work01<std::int64_t>& wk = work01<std::int64_t>();
    materialize(wk, std::int64_t(0));
    solve_and_write(wk, static_cast<std::int64_t>(Vsum));
  } else {
    Work01<i128>& wk = work01<i128>();
    materialize(wk, i128(0));
    solve_and_write(wk, Vsum);
  }
}

// The whole batch: instances across threads (parallel_for), thread-local workspaces.
inline void knapsack_batch(const KnapsackArgs& a) {
  auto one = [&](index_t b) {
    if (a.values_f64) {
      if (a.weights_f64) {
        knapsack_one<double, double>(a, b);
      } else {
        knapsack_one<double, std::int64_t>(a, b);
      }
    } else {
      if (a.weights_f64) {
        knapsack_one<std::int64_t, double>(a, b);
      } else {
        knapsack_one<std::int64_t, std::int64_t>(a, b);
      }
    }
  };
  const index_t grain = a.n >= 4096 ? 1 : std::max<index_t>(1, 4096 / std::max<index_t>(a.n, 1));
  parallel_for(a.B, one, grain);
}

}  // namespace knap
}  // namespace tradeoff
