// tradeoff/knapsack_dense_hd.hpp: the bodies of the DENSE dynamic program over capacity cells,
// the GPU shape of the knapsack family (cuda/knapsack.cu is its only production driver; the
// host tests in cpp/tests/test_knapsack_dense.cpp drive the same bodies sequentially).
//
// Problems (the kernel interface of python/tradeoff/_fallback/knapsack.py, the specification):
//   0/1 and bounded knapsack: maximize sum v_j x_j, sum w_j x_j <= C, x_j in 0..count_j;
//   multiple-choice knapsack (MCKP): one option per group, maximize the sum of the chosen
//   values with the sum of the chosen weights <= budget.
//
// EXACT INTEGERS. Every number is an exact binary rational: an instance's float array becomes
// integers when multiplied by 2^-s (s = the lowest set bit exponent over the entries that
// matter, knapsack_hd.hpp), the capacity is floored in the same units. All cell values are
// int64 and every sum provably stays below 2^62 (kFit), so nothing rounds or overflows. An
// instance whose numbers do not fit that (or whose table is too large) is NOT solved here:
// its plan says so and the caller (python/tradeoff/_gpu.py) runs the CPU kernel on it.
//
// THE PLAN (one per instance, kPlanWidth int64, written by the plan pass, read by the solve
// pass): reductions over the items (or groups) that decide the scales, the capacity in DP
// units, the number of DP rows and the size of the instance's decision table:
//   pass 1  relevance, bad data, smallest set-bit exponents and largest magnitudes (the
//           scales sw, sv and the width checks);
//   pass 2  exact sums (saturating int128) and the gcd of the weights: the capacity in DP
//           units cred = floor(min(C_s, sum W count) / gcd);
//   pass 3  (0/1 and bounded) counts capped at floor(cred / W'), binary pieces, value sums.
// Each pass is a push per item plus an associative merge: the CUDA plan kernel pushes items
// on many threads and merges with a tree; the result does not depend on the split.
//
// Reductions that make the table small (all exact):
//   * items with v = 0, count 0, or w > C are never chosen; items with w = 0 (and v > 0) are
//     always taken, all their count (the family's conventions);
//   * the capacity is capped at the total weight of the remaining items (so C = +inf works);
//   * the weights are divided by their gcd g: sum W x <= C  <=>  sum (W/g) x <= floor(C/g);
//   * MCKP: each group's lightest option weight is subtracted from its options (and their sum
//     from the budget), so every group has an option of weight 0 and every cell is reachable:
//     no -inf is needed; a budget below the sum of the lightest options is infeasible.
//
// THE DYNAMIC PROGRAM. dp[c] = the best value with total (reduced) weight <= c, for c in
// 0..cred, starting from dp = 0. A 0/1 row (one binary piece of an item: weight step, value
// gain) makes dp'[c] = max(dp[c], dp[c - step] + gain), taking only on a strict improvement;
// a group row makes dp'[c] = max over its options o with W'_o <= c of dp[c - W'_o] + V_o (the
// first option on ties). Every cell of a row is independent of the others (the row reads
// only the previous row), so a GPU block computes a row's cells in parallel (double buffer).
//
// DECISION TABLE. Each DP row writes one RECORD to the instance's table, never re-solving:
//   0/1 / bounded: [int64 step][int32 item][int32 multiplicity][uint32 bits[ceil(cells/32)]],
//                  bit c = "the piece was taken at cell c";
//   MCKP:          [int64 group][int64 reduced weight of each option (k)][uint8 option[cells]].
// Records are kRecordAlign-aligned; the backtrack walks them from the last row to the first
// starting at c = cred: one table read per row, and the records carry everything it needs.
// The totals (value and weight of the returned solution) are then summed from x / choice.
#pragma once

#include "config.hpp"
#include "knapsack_hd.hpp"

namespace tradeoff {
namespace knapd {

using i64 = std::int64_t;
using u64 = unsigned long long;
using i128 = knap::i128;

// ---------------------------------------------------------------------------------------------
// Limits.

// Every eligible sum (values, weights, capacity in scaled units) stays below 2^62, so that the
// sum of two stays below 2^63: int64 cells never overflow.
constexpr i64 kFit = i64(1) << 62;
// A scaled entry x 2^-s has at most this many bits above the lowest (msb - s <= 61: < 2^62).
constexpr int kMaxBits = 61;
// Scales above this could overflow a float64 total (t 2^s with t < 2^62): left to the CPU.
constexpr int kMaxScale = 960;
// "no exponent yet" in the min / max reductions.
constexpr int kNoExp = 1 << 20;
// Saturation point of the int128 sums of the plan (far above kFit, far below 2^126).
constexpr i128 kSat = i128(1) << 100;
// Cells of one DP row at most (two int64 rows: 256 MiB); also bounds the piece multiplicities.
constexpr i64 kMaxCells = i64(1) << 24;
// MCKP: options per group at most (the decision table stores an option index in a byte).
constexpr i64 kMaxOptions = 256;
// Alignment of a record.
constexpr i64 kRecordAlign = 8;

// Plan codes (plan[0]). kSolve and kInfeasible are answered on the GPU; the others are left to
// the CPU kernel (the caller copies those instances over).
enum PlanCode : i64 {
  kSolve = 0,       // run the dynamic program
  kInfeasible = 1,  // MCKP: no choice fits (answer: status 2, choice -1, value = weight = 0)
  kBadData = 2,     // NaN / inf / negative entry, or a negative / NaN capacity
  kWide = 3,        // some number or sum does not fit the int64 cells (or a huge scale)
  kLarge = 4,       // the table or the work is over the bounds the caller passed
};

constexpr int kPlanWidth = 8;
struct Plan {
  i64 code;    // PlanCode
  i64 sv, sw;  // scales of the values and the weights (0 for integer arrays)
  i64 g;       // gcd of the DP weights (>= 1)
  i64 cred;    // capacity in DP units: the DP has cred + 1 cells
  i64 rows;    // DP rows (binary pieces, or groups with a positive reduced weight)
  i64 stride;  // bytes of one record of the decision table
  i64 bytes;   // bytes of the instance's decision table (rows * stride)
};

TRADEOFF_HD inline Plan plan_load(const i64* p) {
  return Plan{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]};
}
TRADEOFF_HD inline void plan_store(const Plan& q, i64* p) {
  p[0] = q.code;
  p[1] = q.sv;
  p[2] = q.sw;
  p[3] = q.g;
  p[4] = q.cred;
  p[5] = q.rows;
  p[6] = q.stride;
  p[7] = q.bytes;
}
TRADEOFF_HD inline Plan plan_empty() { return Plan{kSolve, 0, 0, 1, 0, 0, 0, 0}; }

// ---------------------------------------------------------------------------------------------
// Integer helpers.

// Leading / trailing zero count of x != 0.
TRADEOFF_HD inline int clz64(u64 x) {
#if defined(__CUDA_ARCH__)
  return __clzll(static_cast<long long>(x));
#else
  return __builtin_clzll(x);
#endif
}
TRADEOFF_HD inline int ctz64(u64 x) {
#if defined(__CUDA_ARCH__)
  return __ffsll(static_cast<long long>(x)) - 1;
#else
  return __builtin_ctzll(x);
#endif
}
// floor(log2 x) for x >= 1.
TRADEOFF_HD inline int floor_log2(u64 x) { return 63 - clz64(x); }

// Binary gcd; gcd(0, b) = b.
TRADEOFF_HD inline u64 gcd_u64(u64 a, u64 b) {
  if (a == 0) return b;
  if (b == 0) return a;
  const int shift = ctz64(a | b);
  a >>= ctz64(a);
  while (b != 0) {
    b >>= ctz64(b);
    if (a > b) {
      const u64 t = a;
      a = b;
      b = t;
    }
    b -= a;
  }
  return a << shift;
}

// Saturating int128 arithmetic on values in [0, kSat] (inputs of sat_mul in [0, 2^63)).
TRADEOFF_HD inline i128 sat(i128 a) { return a > kSat ? kSat : a; }
TRADEOFF_HD inline i128 sat_add(i128 a, i128 b) { return sat(a + b); }
TRADEOFF_HD inline i128 sat_mul(i64 a, i64 b) { return sat(i128(a) * i128(b)); }

TRADEOFF_HD inline i64 round_up(i64 v, i64 a) { return (v + a - 1) / a * a; }

// 2^s as a double, for -1074 <= s <= 1023.
TRADEOFF_HD inline double pow2(int s) {
  union {
    u64 u;
    double d;
  } b{};
  b.u = s >= -1022 ? u64(s + 1023) << 52 : u64(1) << (s + 1074);
  return b.d;
}

template <class T>
TRADEOFF_HD inline T min_of(T a, T b) {
  return b < a ? b : a;
}
template <class T>
TRADEOFF_HD inline T max_of(T a, T b) {
  return a < b ? b : a;
}

// ---------------------------------------------------------------------------------------------
// The two element types of the kernel interface (int64 and float64), behind one face.

template <class T>
struct Num;

template <>
struct Num<i64> {
  // Integer arrays are exact as they are: scale 0.
  TRADEOFF_HD static bool finite(i64) { return true; }
  TRADEOFF_HD static int lsb(i64) { return 0; }
  TRADEOFF_HD static int msb(i64 x) {  // floor(log2 |x|), x != 0
    return floor_log2(x < 0 ? u64(0) - u64(x) : u64(x));
  }
  TRADEOFF_HD static i64 scaled(i64 x, int) { return x; }
  // min(c, cap) for c >= 0.
  TRADEOFF_HD static i128 floor_cap(i64 c, int, i128 cap) { return i128(c) < cap ? i128(c) : cap; }
  TRADEOFF_HD static i64 total(i64 t, int) { return t; }
};

template <>
struct Num<double> {
  TRADEOFF_HD static bool finite(double x) { return x - x == 0.0; }
  TRADEOFF_HD static int lsb(double x) { return knap::lsb_exponent(x); }
  TRADEOFF_HD static int msb(double x) { return knap::msb_exponent(x); }
  // x 2^-s; precondition: s <= lsb(x) and msb(x) - s <= kMaxBits (checked by the plan).
  TRADEOFF_HD static i64 scaled(double x, int s) { return knap::scaled_int<i64>(x, s); }
  // floor(c 2^-s) saturated at cap, for c >= 0 (+inf gives cap).
  TRADEOFF_HD static i128 floor_cap(double c, int s, i128 cap) {
    return knap::floor_scaled<i128>(c, s, cap);
  }
  // t 2^s correctly rounded: the int64 -> double conversion rounds once; the product by a
  // power of two is exact (s <= kMaxScale keeps it finite; a result below 2^-1022 comes from
  // t < 2^52, converted exactly, and is a multiple of 2^-1074: representable).
  TRADEOFF_HD static double total(i64 t, int s) { return static_cast<double>(t) * pow2(s); }
};

// ---------------------------------------------------------------------------------------------
// 0/1 and bounded knapsack: the plan.

// An item that can be in an optimal solution: some count, some value, fits the capacity.
// (Exact: w <= C in the input type  <=>  W <= floor(C 2^-s) for the integer W = w 2^-s.)
template <class TV, class TW>
TRADEOFF_HD inline bool k_relevant(TV v, TW w, TW cap, i64 cnt) {
  return cnt > 0 && v > TV(0) && w <= cap;
}

struct KScan1 {
  int sw, sv;      // smallest set-bit exponents of the relevant weights > 0 / values
  int wtop, vtop;  // largest magnitudes (floor log2)
  bool bad;        // a NaN / inf / negative entry or count
};

TRADEOFF_HD inline KScan1 kscan1_empty() { return KScan1{kNoExp, kNoExp, -kNoExp, -kNoExp, false}; }

template <class TV, class TW>
TRADEOFF_HD inline void kscan1_push(KScan1& a, TV v, TW w, TW cap, i64 cnt) {
  if (!Num<TV>::finite(v) || !Num<TW>::finite(w) || !(v >= TV(0)) || !(w >= TW(0)) || cnt < 0) {
    a.bad = true;
    return;
  }
  if (!k_relevant(v, w, cap, cnt)) return;
  if (w > TW(0)) {
    a.sw = min_of(a.sw, Num<TW>::lsb(w));
    a.wtop = max_of(a.wtop, Num<TW>::msb(w));
  }
  a.sv = min_of(a.sv, Num<TV>::lsb(v));
  a.vtop = max_of(a.vtop, Num<TV>::msb(v));
}

TRADEOFF_HD inline void merge(KScan1& a, const KScan1& b) {
  a.sw = min_of(a.sw, b.sw);
  a.sv = min_of(a.sv, b.sv);
  a.wtop = max_of(a.wtop, b.wtop);
  a.vtop = max_of(a.vtop, b.vtop);
  a.bad = a.bad || b.bad;
}

// The scales and the width checks; p.code != kSolve ends the plan.
template <class TW>
TRADEOFF_HD inline void kscan1_finish(const KScan1& a, TW cap, Plan& p) {
  p = plan_empty();
  if (a.bad || !(cap >= TW(0))) {
    p.code = kBadData;
    return;
  }
  const int sw = a.sw == kNoExp ? 0 : a.sw;
  const int sv = a.sv == kNoExp ? 0 : a.sv;
  p.sw = sw;
  p.sv = sv;
  if ((a.sw != kNoExp && (a.wtop - sw > kMaxBits || sw > kMaxScale)) ||
      (a.sv != kNoExp && (a.vtop - sv > kMaxBits || sv > kMaxScale))) {
    p.code = kWide;
  }
}

struct KScan2 {
  i128 sumw;  // sum of W count over the relevant items of positive weight (saturating)
  i128 base;  // sum of V count over the relevant items of weight 0 (always taken)
  u64 g;      // gcd of their W
};

TRADEOFF_HD inline KScan2 kscan2_empty() { return KScan2{0, 0, 0}; }

template <class TV, class TW>
TRADEOFF_HD inline void kscan2_push(KScan2& a, TV v, TW w, TW cap, i64 cnt, const Plan& p) {
  if (!k_relevant(v, w, cap, cnt)) return;
  const i64 W = Num<TW>::scaled(w, static_cast<int>(p.sw));
  const i64 V = Num<TV>::scaled(v, static_cast<int>(p.sv));
  if (W == 0) {
    a.base = sat_add(a.base, sat_mul(V, cnt));
  } else {
    a.sumw = sat_add(a.sumw, sat_mul(W, cnt));
    a.g = gcd_u64(a.g, static_cast<u64>(W));
  }
}

TRADEOFF_HD inline void merge(KScan2& a, const KScan2& b) {
  a.sumw = sat_add(a.sumw, b.sumw);
  a.base = sat_add(a.base, b.base);
  a.g = gcd_u64(a.g, b.g);
}

// The capacity in DP units. `base` keeps pass 2's sum for pass 3's check.
template <class TW>
TRADEOFF_HD inline void kscan2_finish(const KScan2& a, TW cap, Plan& p, i128& base) {
  base = a.base;
  const i128 cs = Num<TW>::floor_cap(cap, static_cast<int>(p.sw), a.sumw);  // <= sumw
  const i128 craw = cs < a.sumw ? cs : a.sumw;
  if (craw >= i128(kFit) || a.base >= i128(kFit)) {
    p.code = kWide;
    return;
  }
  p.g = a.g == 0 ? 1 : static_cast<i64>(a.g);
  p.cred = static_cast<i64>(craw) / p.g;
}

// One item as the dynamic program sees it (valid once passes 1 and 2 are done).
enum ItemKind : int { kNever = 0, kTakeAll = 1, kDp = 2 };
struct KItem {
  int kind;
  i64 W, V;  // scaled weight and value
  i64 cnt;   // kTakeAll: the count; kDp: the count capped at floor(cred / wred) (>= 1)
  i64 wred;  // W / g
};

template <class TV, class TW>
TRADEOFF_HD inline KItem k_item(TV v, TW w, TW cap, i64 cnt, const Plan& p) {
  KItem it{kNever, 0, 0, 0, 0};
  if (!k_relevant(v, w, cap, cnt)) return it;
  it.W = Num<TW>::scaled(w, static_cast<int>(p.sw));
  it.V = Num<TV>::scaled(v, static_cast<int>(p.sv));
  if (it.W == 0) {
    it.kind = kTakeAll;
    it.cnt = cnt;
    return it;
  }
  it.kind = kDp;
  it.wred = it.W / p.g;
  const i64 fit = p.cred / it.wred;  // >= 1: W <= floor(C 2^-s) and W <= sum W count
  it.cnt = cnt < fit ? cnt : fit;
  return it;
}

// Binary pieces of a count c >= 1: 1, 2, 4, ..., 2^(t-1), then the remainder c - (2^t - 1)
// when it is positive (t = floor(log2(c + 1))); every amount 0..c is a sum of a subset. The
// same split as the fallback's _split.
TRADEOFF_HD inline int piece_count(i64 c) {
  const int t = floor_log2(u64(c) + 1);
  return t + ((u64(c) + 1) != (u64(1) << t) ? 1 : 0);
}
TRADEOFF_HD inline i64 piece_mult(i64 c, int k) {
  const int t = floor_log2(u64(c) + 1);
  return k < t ? (i64(1) << k) : c - ((i64(1) << t) - 1);
}

struct KScan3 {
  i128 sumv;  // sum of V * capped count over the DP items (saturating)
  i64 rows;   // DP rows: binary pieces
};

TRADEOFF_HD inline KScan3 kscan3_empty() { return KScan3{0, 0}; }

template <class TV, class TW>
TRADEOFF_HD inline void kscan3_push(KScan3& a, TV v, TW w, TW cap, i64 cnt, const Plan& p) {
  const KItem it = k_item(v, w, cap, cnt, p);
  if (it.kind != kDp) return;
  a.rows += piece_count(it.cnt);
  a.sumv = sat_add(a.sumv, sat_mul(it.V, it.cnt));
}

TRADEOFF_HD inline void merge(KScan3& a, const KScan3& b) {
  a.sumv = sat_add(a.sumv, b.sumv);
  a.rows += b.rows;
}

// Bytes of a 0/1 record for `cells` cells: header (16) + one bit per cell.
TRADEOFF_HD inline i64 knap_words(i64 cells) { return (cells + 31) / 32; }
TRADEOFF_HD inline i64 knap_stride(i64 cells) {
  return round_up(16 + 4 * knap_words(cells), kRecordAlign);
}

// The value check and the sizes. max_work bounds rows * cells (cell updates of the instance),
// max_bytes its decision table.
TRADEOFF_HD inline void kscan3_finish(const KScan3& a, i128 base, i64 max_work, i64 max_bytes,
                                      Plan& p) {
  if (sat_add(a.sumv, base) >= i128(kFit)) {
    p.code = kWide;
    return;
  }
  p.rows = a.rows;
  if (a.rows == 0) {
    p.cred = 0;  // nothing to decide: no table
    return;
  }
  const i64 cells = p.cred + 1;
  p.stride = knap_stride(min_of(cells, kMaxCells + 1));
  const i128 work = i128(a.rows) * i128(cells);
  const i128 bytes = i128(a.rows) * i128(p.stride);
  if (cells > kMaxCells || work > i128(max_work) || bytes > i128(max_bytes)) {
    p.code = kLarge;
    return;
  }
  p.bytes = static_cast<i64>(bytes);
}

// ---------------------------------------------------------------------------------------------
// 0/1 and bounded knapsack: the dynamic program and the backtrack.

// One cell of a piece row (weight `step`, value `gain`): next[c] = max(prev[c], prev[c-step] +
// gain), taken only on a strict improvement. Returns whether the piece is taken at c.
TRADEOFF_HD inline bool knap_cell(const i64* prev, i64 c, i64 step, i64 gain, i64& out) {
  const i64 keep = prev[c];
  if (c >= step) {
    const i64 take = prev[c - step] + gain;
    if (take > keep) {
      out = take;
      return true;
    }
  }
  out = keep;
  return false;
}

// The record header of a piece row.
struct KRecord {
  i64 step;           // m * wred
  std::int32_t item;  // index of the item in the instance
  std::int32_t mult;  // m (< kMaxCells)
};

TRADEOFF_HD inline std::uint32_t* knap_bits(unsigned char* rec) {
  return reinterpret_cast<std::uint32_t*>(rec + sizeof(KRecord));
}
TRADEOFF_HD inline const std::uint32_t* knap_bits(const unsigned char* rec) {
  return reinterpret_cast<const std::uint32_t*>(rec + sizeof(KRecord));
}
TRADEOFF_HD inline bool bit_get(const std::uint32_t* bits, i64 c) {
  return ((bits[c >> 5] >> (c & 31)) & 1u) != 0u;
}

// x of an item before the backtrack: its whole count when always taken, else 0.
TRADEOFF_HD inline i64 k_initial_x(const KItem& it) { return it.kind == kTakeAll ? it.cnt : 0; }

// Walks the records from the last row to the first from c = cred, adding each taken piece's
// multiplicity to x[item] (x holds k_initial_x on entry). XT: uint8 (0/1) or int64 (bounded).
template <class XT>
TRADEOFF_HD inline void knap_backtrack(const unsigned char* table, i64 stride, i64 rows, i64 cred,
                                       XT* x) {
  i64 c = cred;
  for (i64 r = rows - 1; r >= 0; --r) {
    const unsigned char* rec = table + r * stride;
    const KRecord h = *reinterpret_cast<const KRecord*>(rec);
    if (bit_get(knap_bits(rec), c)) {
      x[h.item] = static_cast<XT>(x[h.item] + h.mult);
      c -= h.step;
    }
  }
}

// Adds item j's share of the totals of a solution (xj of it) to vt / wt (scaled units).
template <class TV, class TW>
TRADEOFF_HD inline void k_item_totals(TV v, TW w, i64 xj, const Plan& p, i64& vt, i64& wt) {
  if (xj == 0) return;
  vt += Num<TV>::scaled(v, static_cast<int>(p.sv)) * xj;
  wt += Num<TW>::scaled(w, static_cast<int>(p.sw)) * xj;
}

// ---------------------------------------------------------------------------------------------
// Multiple-choice knapsack: the plan.
//
// An option is VALID when it exists (mask) and its weight fits the budget (w <= budget, exact
// as above); the others are never chosen. A group without an existing option, or whose lightest
// option exceeds the budget, makes the instance infeasible.

struct MScan1 {
  int sw, sv, wtop, vtop;  // over the valid options: weights > 0, values != 0
  bool bad, infeasible;
};

TRADEOFF_HD inline MScan1 mscan1_empty() {
  return MScan1{kNoExp, kNoExp, -kNoExp, -kNoExp, false, false};
}

// Group i: k options at v[0..k), w[0..k), mask[0..k) (mask may be null: every option exists).
template <class TV, class TW>
TRADEOFF_HD inline void mscan1_group(MScan1& a, const TV* v, const TW* w,
                                     const std::uint8_t* mask, i64 k, TW budget) {
  bool any = false;
  TW light = TW(0);
  for (i64 o = 0; o < k; ++o) {
    if (mask != nullptr && mask[o] == 0) continue;
    const TV vo = v[o];
    const TW wo = w[o];
    if (!Num<TV>::finite(vo) || !Num<TW>::finite(wo) || !(wo >= TW(0))) {
      a.bad = true;
      continue;
    }
    if (!any || wo < light) light = wo;
    any = true;
    if (!(wo <= budget)) continue;
    if (wo > TW(0)) {
      a.sw = min_of(a.sw, Num<TW>::lsb(wo));
      a.wtop = max_of(a.wtop, Num<TW>::msb(wo));
    }
    if (vo != TV(0)) {
      a.sv = min_of(a.sv, Num<TV>::lsb(vo));
      a.vtop = max_of(a.vtop, Num<TV>::msb(vo));
    }
  }
  if (!any || !(light <= budget)) a.infeasible = true;
}

TRADEOFF_HD inline void merge(MScan1& a, const MScan1& b) {
  a.sw = min_of(a.sw, b.sw);
  a.sv = min_of(a.sv, b.sv);
  a.wtop = max_of(a.wtop, b.wtop);
  a.vtop = max_of(a.vtop, b.vtop);
  a.bad = a.bad || b.bad;
  a.infeasible = a.infeasible || b.infeasible;
}

template <class TW>
TRADEOFF_HD inline void mscan1_finish(const MScan1& a, TW budget, Plan& p) {
  p = plan_empty();
  if (a.bad || !(budget >= TW(0))) {
    p.code = kBadData;
    return;
  }
  if (a.infeasible) {
    p.code = kInfeasible;
    return;
  }
  const int sw = a.sw == kNoExp ? 0 : a.sw;
  const int sv = a.sv == kNoExp ? 0 : a.sv;
  p.sw = sw;
  p.sv = sv;
  if ((a.sw != kNoExp && (a.wtop - sw > kMaxBits || sw > kMaxScale)) ||
      (a.sv != kNoExp && (a.vtop - sv > kMaxBits || sv > kMaxScale))) {
    p.code = kWide;
  }
}

// Option o of a group: whether it is valid, and then its scaled weight and value.
template <class TV, class TW>
TRADEOFF_HD inline bool m_option(TV v, TW w, bool exists, TW budget, const Plan& p, i64& W,
                                 i64& V) {
  if (!exists || !(w <= budget)) return false;
  W = Num<TW>::scaled(w, static_cast<int>(p.sw));
  V = Num<TV>::scaled(v, static_cast<int>(p.sv));
  return true;
}

// ow[o] holds the scaled weight of each valid option (-1: not valid) on entry and W - Wmin on
// return (divided by g when g > 0); returns Wmin (-1 when no option is valid).
TRADEOFF_HD inline i64 m_shift_group(i64* ow, i64 k, i64 g) {
  i64 wmin = -1;
  for (i64 o = 0; o < k; ++o) {
    if (ow[o] >= 0 && (wmin < 0 || ow[o] < wmin)) wmin = ow[o];
  }
  for (i64 o = 0; o < k; ++o) {
    if (ow[o] >= 0) ow[o] = g > 0 ? (ow[o] - wmin) / g : ow[o] - wmin;
  }
  return wmin;
}

struct MScan2 {
  i128 lsum;  // sum of the lightest weights
  i128 span;  // sum of the largest W - Wmin
  i128 vabs;  // sum of the largest |V|
  u64 g;      // gcd of every W - Wmin
  i64 rows;   // groups with some W - Wmin > 0
};

TRADEOFF_HD inline MScan2 mscan2_empty() { return MScan2{0, 0, 0, 0, 0}; }

template <class TV, class TW>
TRADEOFF_HD inline void mscan2_group(MScan2& a, const TV* v, const TW* w,
                                     const std::uint8_t* mask, i64 k, TW budget, const Plan& p) {
  i64 wmin = -1;
  for (i64 o = 0; o < k; ++o) {  // the lightest valid weight
    i64 W = 0, V = 0;
    if (m_option(v[o], w[o], mask == nullptr || mask[o] != 0, budget, p, W, V) &&
        (wmin < 0 || W < wmin)) {
      wmin = W;
    }
  }
  i64 span = 0, vmax = 0;
  for (i64 o = 0; o < k; ++o) {
    i64 W = 0, V = 0;
    if (!m_option(v[o], w[o], mask == nullptr || mask[o] != 0, budget, p, W, V)) continue;
    const i64 d = W - wmin;
    span = max_of(span, d);
    a.g = gcd_u64(a.g, static_cast<u64>(d));
    vmax = max_of(vmax, V < 0 ? -V : V);
  }
  a.lsum = sat_add(a.lsum, i128(wmin));
  a.span = sat_add(a.span, i128(span));
  a.vabs = sat_add(a.vabs, i128(vmax));
  a.rows += span > 0 ? 1 : 0;
}

TRADEOFF_HD inline void merge(MScan2& a, const MScan2& b) {
  a.lsum = sat_add(a.lsum, b.lsum);
  a.span = sat_add(a.span, b.span);
  a.vabs = sat_add(a.vabs, b.vabs);
  a.g = gcd_u64(a.g, b.g);
  a.rows += b.rows;
}

// Bytes of an MCKP record: group (8) + k reduced weights (8 k) + one byte per cell.
TRADEOFF_HD inline i64 mckp_stride(i64 cells, i64 k) {
  return round_up(8 + 8 * k + cells, kRecordAlign);
}

template <class TW>
TRADEOFF_HD inline void mscan2_finish(const MScan2& a, TW budget, i64 k, i64 max_work,
                                      i64 max_bytes, Plan& p) {
  const i128 bs = Num<TW>::floor_cap(budget, static_cast<int>(p.sw), sat_add(a.lsum, a.span));
  if (a.lsum > bs) {
    p.code = kInfeasible;
    return;
  }
  const i128 broad = bs - a.lsum;
  const i128 craw = broad < a.span ? broad : a.span;
  if (sat_add(a.lsum, craw) >= i128(kFit) || a.vabs >= i128(kFit)) {
    p.code = kWide;
    return;
  }
  p.g = a.g == 0 ? 1 : static_cast<i64>(a.g);
  p.cred = static_cast<i64>(craw) / p.g;
  p.rows = a.rows;
  if (a.rows == 0) {
    p.cred = 0;
    return;
  }
  const i64 cells = p.cred + 1;
  p.stride = mckp_stride(min_of(cells, kMaxCells + 1), k);
  const i128 work = i128(a.rows) * i128(cells) * i128(k);
  const i128 bytes = i128(a.rows) * i128(p.stride);
  if (k > kMaxOptions || cells > kMaxCells || work > i128(max_work) || bytes > i128(max_bytes)) {
    p.code = kLarge;
    return;
  }
  p.bytes = static_cast<i64>(bytes);
}

// ---------------------------------------------------------------------------------------------
// Multiple-choice knapsack: the dynamic program and the backtrack.

// One cell of a group row: the best option o (reduced weight ow[o] >= 0, value ov[o]) with
// ow[o] <= c, the first on ties; next value in `out`. A group row always has an option of
// reduced weight 0, so some option qualifies.
TRADEOFF_HD inline int mckp_cell(const i64* prev, i64 c, const i64* ow, const i64* ov, i64 k,
                                 i64& out) {
  int best = -1;
  i64 bv = 0;
  for (i64 o = 0; o < k; ++o) {
    const i64 wo = ow[o];
    if (wo < 0 || wo > c) continue;
    const i64 val = prev[c - wo] + ov[o];
    if (best < 0 || val > bv) {
      best = static_cast<int>(o);
      bv = val;
    }
  }
  out = bv;
  return best;
}

// The choice in a group without a row (every valid option of reduced weight 0): the first
// option of the largest value.
TRADEOFF_HD inline i64 m_pick_free(const i64* ow, const i64* ov, i64 k) {
  i64 best = -1;
  for (i64 o = 0; o < k; ++o) {
    if (ow[o] >= 0 && (best < 0 || ov[o] > ov[best])) best = o;
  }
  return best;
}

// Record layout helpers.
TRADEOFF_HD inline i64* mckp_rec_wred(unsigned char* rec) {
  return reinterpret_cast<i64*>(rec + 8);
}
TRADEOFF_HD inline const i64* mckp_rec_wred(const unsigned char* rec) {
  return reinterpret_cast<const i64*>(rec + 8);
}
TRADEOFF_HD inline unsigned char* mckp_rec_choice(unsigned char* rec, i64 k) {
  return rec + 8 + 8 * k;
}
TRADEOFF_HD inline const unsigned char* mckp_rec_choice(const unsigned char* rec, i64 k) {
  return rec + 8 + 8 * k;
}

// Walks the records from the last row to the first from c = cred, setting choice[group].
TRADEOFF_HD inline void mckp_backtrack(const unsigned char* table, i64 stride, i64 rows, i64 cred,
                                       i64 k, i64* choice) {
  i64 c = cred;
  for (i64 r = rows - 1; r >= 0; --r) {
    const unsigned char* rec = table + r * stride;
    const i64 group = *reinterpret_cast<const i64*>(rec);
    const i64 o = mckp_rec_choice(rec, k)[c];
    choice[group] = o;
    c -= mckp_rec_wred(rec)[o];
  }
}

// Adds a chosen option's share of the totals (scaled units).
template <class TV, class TW>
TRADEOFF_HD inline void m_choice_totals(TV v, TW w, const Plan& p, i64& vt, i64& wt) {
  vt += Num<TV>::scaled(v, static_cast<int>(p.sv));
  wt += Num<TW>::scaled(w, static_cast<int>(p.sw));
}

}  // namespace knapd
}  // namespace tradeoff
