// Host tests of tradeoff/knapsack_dense_hd.hpp: the bodies of the dense dynamic program that
// cuda/knapsack.cu runs on the GPU.
//
// A sequential driver below does what the CUDA kernels do, with the same bodies and the same
// record layout: the plan passes (items pushed into several partial accumulators in random
// chunks, merged in random order, as the block reduction does), one DP row per binary piece /
// group written as a record, the backtrack over the records, the totals from x / choice.
// Checked against brute force (every subset, every bounded amount, every MCKP choice) on
// small random instances with int64 and float64 (dyadic) values and weights: the optimal value
// exactly, x / choice feasible and achieving it, the totals exact; plus the conventions (items
// of weight 0, value 0, heavier than the capacity, +inf capacity), the plan codes (bad data,
// too wide, too large, infeasible) and the small helpers (pieces, gcd, pow2, totals).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

#include "test_main.hpp"
#include "tradeoff/knapsack_dense_hd.hpp"

namespace {

namespace kd = tradeoff::knapd;
using kd::i64;
using kd::Plan;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr i64 kWork = i64(1) << 30;
constexpr i64 kBytes = i64(1) << 28;

// ---- the sequential driver ----------------------------------------------------------------

// Pushes items [0, n) into `parts` accumulators in random chunks and merges them in a random
// order: the result must not depend on the split (the GPU reduces with a tree).
template <class Acc, class Push>
Acc reduce_split(Acc empty, i64 n, std::mt19937_64& rng, Push push) {
  const int parts = 1 + static_cast<int>(rng() % 4);
  std::vector<Acc> acc(static_cast<size_t>(parts), empty);
  for (i64 j = 0; j < n; ++j) push(acc[rng() % acc.size()], j);
  std::shuffle(acc.begin(), acc.end(), rng);
  Acc r = acc[0];
  for (size_t i = 1; i < acc.size(); ++i) kd::merge(r, acc[i]);
  return r;
}

template <class TV, class TW>
struct KnapOut {
  Plan plan{};
  std::vector<i64> x;
  TV value{};
  TW weight{};
};

template <class TV, class TW>
Plan knap_plan(const std::vector<TV>& v, const std::vector<TW>& w, TW cap,
               const std::vector<i64>* cnt, std::mt19937_64& rng, i64 max_work = kWork,
               i64 max_bytes = kBytes) {
  const i64 n = static_cast<i64>(v.size());
  auto count = [&](i64 j) { return cnt == nullptr ? i64(1) : (*cnt)[size_t(j)]; };
  Plan p{};
  const kd::KScan1 s1 = reduce_split(kd::kscan1_empty(), n, rng, [&](kd::KScan1& a, i64 j) {
    kd::kscan1_push(a, v[size_t(j)], w[size_t(j)], cap, count(j));
  });
  kd::kscan1_finish(s1, cap, p);
  if (p.code != kd::kSolve) return p;
  const kd::KScan2 s2 = reduce_split(kd::kscan2_empty(), n, rng, [&](kd::KScan2& a, i64 j) {
    kd::kscan2_push(a, v[size_t(j)], w[size_t(j)], cap, count(j), p);
  });
  kd::i128 base = 0;
  kd::kscan2_finish(s2, cap, p, base);
  if (p.code != kd::kSolve) return p;
  const kd::KScan3 s3 = reduce_split(kd::kscan3_empty(), n, rng, [&](kd::KScan3& a, i64 j) {
    kd::kscan3_push(a, v[size_t(j)], w[size_t(j)], cap, count(j), p);
  });
  kd::kscan3_finish(s3, base, max_work, max_bytes, p);
  return p;
}

// The kernel's work for one planned instance (p.code == kSolve).
template <class TV, class TW>
KnapOut<TV, TW> knap_solve(const std::vector<TV>& v, const std::vector<TW>& w, TW cap,
                           const std::vector<i64>* cnt, const Plan& p) {
  const i64 n = static_cast<i64>(v.size());
  auto count = [&](i64 j) { return cnt == nullptr ? i64(1) : (*cnt)[size_t(j)]; };
  KnapOut<TV, TW> out;
  out.plan = p;
  out.x.assign(size_t(n), 0);
  const i64 cells = p.cred + 1;
  std::vector<i64> prev(size_t(cells), 0), next(size_t(cells), 0);
  std::vector<std::uint64_t> table(size_t(p.bytes / 8 + 1), 0xABABABABABABABABull);
  auto* base = reinterpret_cast<unsigned char*>(table.data());
  for (i64 j = 0; j < n; ++j) {
    out.x[size_t(j)] = kd::k_initial_x(kd::k_item(v[size_t(j)], w[size_t(j)], cap, count(j), p));
  }
  i64 r = 0;
  for (i64 j = 0; j < n; ++j) {
    const kd::KItem it = kd::k_item(v[size_t(j)], w[size_t(j)], cap, count(j), p);
    if (it.kind != kd::kDp) continue;
    const int np = kd::piece_count(it.cnt);
    for (int k = 0; k < np; ++k) {
      const i64 m = kd::piece_mult(it.cnt, k);
      unsigned char* rec = base + r * p.stride;
      *reinterpret_cast<kd::KRecord*>(rec) =
          kd::KRecord{m * it.wred, static_cast<std::int32_t>(j), static_cast<std::int32_t>(m)};
      std::uint32_t* bits = kd::knap_bits(rec);
      for (i64 word = 0; word < kd::knap_words(cells); ++word) {
        std::uint32_t b = 0;  // the ballot of the 32 lanes of a warp
        for (int lane = 0; lane < 32; ++lane) {
          const i64 c = word * 32 + lane;
          if (c >= cells) continue;
          i64 o = 0;
          if (kd::knap_cell(prev.data(), c, m * it.wred, m * it.V, o)) b |= 1u << lane;
          next[size_t(c)] = o;
        }
        bits[word] = b;
      }
      prev.swap(next);
      ++r;
    }
  }
  CHECK_EQ(r, p.rows);
  kd::knap_backtrack(base, p.stride, p.rows, p.cred, out.x.data());
  i64 vt = 0, wt = 0;
  for (i64 j = 0; j < n; ++j) {
    kd::k_item_totals(v[size_t(j)], w[size_t(j)], out.x[size_t(j)], p, vt, wt);
  }
  out.value = kd::Num<TV>::total(vt, static_cast<int>(p.sv));
  out.weight = kd::Num<TW>::total(wt, static_cast<int>(p.sw));
  // the DP's own optimum agrees with the backtracked solution
  i64 base_v = 0;
  for (i64 j = 0; j < n; ++j) {
    const kd::KItem it = kd::k_item(v[size_t(j)], w[size_t(j)], cap, count(j), p);
    if (it.kind == kd::kTakeAll) base_v += it.V * it.cnt;
  }
  CHECK_EQ(base_v + prev[size_t(p.cred)], vt);
  return out;
}

// ---- brute force --------------------------------------------------------------------------

// Best value over every x in 0..cnt_j (numbers small dyadics or integers: sums exact in double).
double brute_knap(const std::vector<double>& v, const std::vector<double>& w, double cap,
                  const std::vector<i64>& cnt) {
  const size_t n = v.size();
  std::vector<i64> x(n, 0);
  double best = 0.0;
  for (;;) {
    double sv = 0.0, sw = 0.0;
    for (size_t j = 0; j < n; ++j) {
      sv += v[j] * double(x[j]);
      sw += w[j] * double(x[j]);
    }
    if (sw <= cap && sv > best) best = sv;
    size_t j = 0;
    while (j < n && x[j] == cnt[j]) x[j++] = 0;
    if (j == n) break;
    ++x[j];
  }
  return best;
}

template <class T>
std::vector<double> as_double(const std::vector<T>& a) {
  return std::vector<double>(a.begin(), a.end());
}

// One random instance per call: n items, integer or dyadic numbers, some zero weights / values,
// some items heavier than the capacity.
template <class TV, class TW>
void check_random_knapsack(std::mt19937_64& rng, bool bounded) {
  const i64 n = static_cast<i64>(rng() % (bounded ? 6 : 11));
  const int ev = static_cast<int>(rng() % 4);  // float numbers are multiples of 2^-e
  const int ew = static_cast<int>(rng() % 4);
  const i64 wmax = 1 + static_cast<i64>(rng() % 40);
  auto num_v = [&](i64 i) -> TV {
    if (std::is_same<TV, double>::value) return static_cast<TV>(std::ldexp(double(i), -ev));
    return static_cast<TV>(i);
  };
  auto num_w = [&](i64 i) -> TW {
    if (std::is_same<TW, double>::value) return static_cast<TW>(std::ldexp(double(i), -ew));
    return static_cast<TW>(i);
  };
  std::vector<TV> v(static_cast<size_t>(n));
  std::vector<TW> w(static_cast<size_t>(n));
  std::vector<i64> cnt(size_t(n), 1);
  for (i64 j = 0; j < n; ++j) {
    v[size_t(j)] = num_v(rng() % 8 == 0 ? 0 : static_cast<i64>(rng() % 60));
    w[size_t(j)] = num_w(rng() % 8 == 0 ? 0 : 1 + static_cast<i64>(rng() % wmax));
    if (bounded) cnt[size_t(j)] = static_cast<i64>(rng() % 6);
  }
  const i64 total = [&] {
    i64 t = 0;
    for (i64 j = 0; j < n; ++j) t += static_cast<i64>(rng() % (wmax + 1));
    return t;
  }();
  TW cap = num_w(total / 2 + static_cast<i64>(rng() % 3));
  if (rng() % 10 == 0 && std::is_same<TW, double>::value) cap = static_cast<TW>(kInf);
  if (rng() % 10 == 0 && std::is_same<TW, double>::value) {
    cap = static_cast<TW>(double(cap) + 0.3);  // not a multiple of the weights' unit: floored
  }
  const std::vector<i64>* cp = bounded ? &cnt : nullptr;
  const Plan p = knap_plan(v, w, cap, cp, rng);
  CHECK_EQ(p.code, i64(kd::kSolve));
  if (p.code != kd::kSolve) return;
  // the plan does not depend on the split of the reduction
  for (int rep = 0; rep < 2; ++rep) {
    const Plan q = knap_plan(v, w, cap, cp, rng);
    CHECK(std::memcmp(&p, &q, sizeof(Plan)) == 0);
  }
  const KnapOut<TV, TW> o = knap_solve(v, w, cap, cp, p);
  const std::vector<double> vd = as_double(v), wd = as_double(w);
  const double best = brute_knap(vd, wd, double(cap), cnt);
  CHECK(double(o.value) == best);
  double sv = 0.0, sw = 0.0;
  for (i64 j = 0; j < n; ++j) {
    const i64 xj = o.x[size_t(j)];
    CHECK(xj >= 0 && xj <= cnt[size_t(j)]);
    if (vd[size_t(j)] == 0.0) CHECK_EQ(xj, i64(0));  // worthless items never chosen
    if (wd[size_t(j)] > double(cap)) CHECK_EQ(xj, i64(0));
    if (wd[size_t(j)] == 0.0 && vd[size_t(j)] > 0.0) CHECK_EQ(xj, cnt[size_t(j)]);
    sv += vd[size_t(j)] * double(xj);
    sw += wd[size_t(j)] * double(xj);
  }
  CHECK(sw <= double(cap));
  CHECK(sv == double(o.value));
  CHECK(sw == double(o.weight));
}

// ---- MCKP ---------------------------------------------------------------------------------

template <class TV, class TW>
struct MckpOut {
  Plan plan{};
  std::vector<i64> choice;
  TV value{};
  TW weight{};
};

template <class TV, class TW>
Plan mckp_plan(const std::vector<TV>& v, const std::vector<TW>& w,
               const std::vector<std::uint8_t>* mask, TW budget, i64 g, i64 k,
               std::mt19937_64& rng, i64 max_work = kWork, i64 max_bytes = kBytes) {
  auto mk = [&](i64 i) { return mask == nullptr ? nullptr : mask->data() + i * k; };
  Plan p{};
  const kd::MScan1 s1 = reduce_split(kd::mscan1_empty(), g, rng, [&](kd::MScan1& a, i64 i) {
    kd::mscan1_group(a, v.data() + i * k, w.data() + i * k, mk(i), k, budget);
  });
  kd::mscan1_finish(s1, budget, p);
  if (p.code != kd::kSolve) return p;
  const kd::MScan2 s2 = reduce_split(kd::mscan2_empty(), g, rng, [&](kd::MScan2& a, i64 i) {
    kd::mscan2_group(a, v.data() + i * k, w.data() + i * k, mk(i), k, budget, p);
  });
  kd::mscan2_finish(s2, budget, k, max_work, max_bytes, p);
  return p;
}

template <class TV, class TW>
MckpOut<TV, TW> mckp_solve(const std::vector<TV>& v, const std::vector<TW>& w,
                           const std::vector<std::uint8_t>* mask, TW budget, i64 g, i64 k,
                           const Plan& p) {
  MckpOut<TV, TW> out;
  out.plan = p;
  out.choice.assign(size_t(g), -1);
  const i64 cells = p.cred + 1;
  std::vector<i64> prev(size_t(cells), 0), next(size_t(cells), 0);
  std::vector<std::uint64_t> table(size_t(p.bytes / 8 + 1), 0xCDCDCDCDCDCDCDCDull);
  auto* base = reinterpret_cast<unsigned char*>(table.data());
  std::vector<i64> ow(static_cast<size_t>(k)), ov(static_cast<size_t>(k));
  i64 r = 0;
  for (i64 i = 0; i < g; ++i) {
    for (i64 o = 0; o < k; ++o) {  // the kernel: one thread per option
      i64 W = 0, V = 0;
      const bool ex = mask == nullptr || (*mask)[size_t(i * k + o)] != 0;
      const bool ok = kd::m_option(v[size_t(i * k + o)], w[size_t(i * k + o)], ex, budget, p,
                                   W, V);
      ow[size_t(o)] = ok ? W : -1;
      ov[size_t(o)] = V;
    }
    kd::m_shift_group(ow.data(), k, p.g);
    bool row = false;
    for (i64 o = 0; o < k; ++o) row = row || ow[size_t(o)] > 0;
    if (!row) {
      out.choice[size_t(i)] = kd::m_pick_free(ow.data(), ov.data(), k);
      continue;
    }
    unsigned char* rec = base + r * p.stride;
    *reinterpret_cast<i64*>(rec) = i;
    for (i64 o = 0; o < k; ++o) kd::mckp_rec_wred(rec)[o] = ow[size_t(o)];
    unsigned char* ch = kd::mckp_rec_choice(rec, k);
    for (i64 c = 0; c < cells; ++c) {
      i64 val = 0;
      const int o = kd::mckp_cell(prev.data(), c, ow.data(), ov.data(), k, val);
      CHECK(o >= 0);
      ch[c] = static_cast<unsigned char>(o);
      next[size_t(c)] = val;
    }
    prev.swap(next);
    ++r;
  }
  CHECK_EQ(r, p.rows);
  kd::mckp_backtrack(base, p.stride, p.rows, p.cred, k, out.choice.data());
  i64 vt = 0, wt = 0;
  for (i64 i = 0; i < g; ++i) {
    const i64 o = out.choice[size_t(i)];
    kd::m_choice_totals(v[size_t(i * k + o)], w[size_t(i * k + o)], p, vt, wt);
  }
  out.value = kd::Num<TV>::total(vt, static_cast<int>(p.sv));
  out.weight = kd::Num<TW>::total(wt, static_cast<int>(p.sw));
  return out;
}

// Best value over every choice (-inf when none fits), numbers exact in double.
double brute_mckp(const std::vector<double>& v, const std::vector<double>& w,
                  const std::vector<std::uint8_t>* mask, double budget, i64 g, i64 k) {
  double best = -kInf;
  std::vector<i64> ch(size_t(g), 0);
  if (k == 0) return g == 0 ? 0.0 : -kInf;
  for (;;) {
    bool ok = true;
    double sv = 0.0, sw = 0.0;
    for (i64 i = 0; i < g; ++i) {
      const size_t at = size_t(i * k + ch[size_t(i)]);
      if (mask != nullptr && (*mask)[at] == 0) ok = false;
      sv += v[at];
      sw += w[at];
    }
    if (ok && sw <= budget && sv > best) best = sv;
    i64 i = 0;
    while (i < g && ch[size_t(i)] == k - 1) ch[size_t(i++)] = 0;
    if (i == g) break;
    ++ch[size_t(i)];
  }
  return best;
}

template <class TV, class TW>
void check_random_mckp(std::mt19937_64& rng) {
  const i64 g = static_cast<i64>(rng() % 6);
  const i64 k = 1 + static_cast<i64>(rng() % 4);
  const int ev = static_cast<int>(rng() % 4);
  const int ew = static_cast<int>(rng() % 4);
  auto num_v = [&](i64 i) -> TV {
    if (std::is_same<TV, double>::value) return static_cast<TV>(std::ldexp(double(i), -ev));
    return static_cast<TV>(i);
  };
  auto num_w = [&](i64 i) -> TW {
    if (std::is_same<TW, double>::value) return static_cast<TW>(std::ldexp(double(i), -ew));
    return static_cast<TW>(i);
  };
  const bool use_mask = rng() % 2 == 0;
  std::vector<TV> v(size_t(g * k));
  std::vector<TW> w(size_t(g * k));
  std::vector<std::uint8_t> mask(size_t(g * k), 1);
  i64 wsum = 0;
  const i64 wmax = 1 + static_cast<i64>(rng() % 30);
  for (i64 t = 0; t < g * k; ++t) {
    v[size_t(t)] = num_v(static_cast<i64>(rng() % 81) - 30);  // any sign
    const i64 wi = rng() % 6 == 0 ? 0 : static_cast<i64>(rng() % wmax);
    w[size_t(t)] = num_w(wi);
    wsum += wi;
    if (use_mask) {
      mask[size_t(t)] = rng() % 4 != 0;
      if (t % k == 0 && rng() % 8 != 0) mask[size_t(t)] = 1;  // mostly a first option
    }
    if (use_mask && mask[size_t(t)] == 0 && std::is_same<TW, double>::value && rng() % 2) {
      w[size_t(t)] = static_cast<TW>(std::nan(""));  // masked entries are never read as numbers
    }
  }
  TW budget = num_w(static_cast<i64>(rng() % (wsum / std::max<i64>(k, 1) + 3)));
  if (rng() % 10 == 0 && std::is_same<TW, double>::value) budget = static_cast<TW>(kInf);
  const std::vector<std::uint8_t>* mp = use_mask ? &mask : nullptr;
  const Plan p = mckp_plan(v, w, mp, budget, g, k, rng);
  std::vector<double> vd = as_double(v), wd = as_double(w);
  const double best = brute_mckp(vd, wd, mp, double(budget), g, k);
  if (best == -kInf) {
    CHECK_EQ(p.code, i64(kd::kInfeasible));
    return;
  }
  CHECK_EQ(p.code, i64(kd::kSolve));
  if (p.code != kd::kSolve) return;
  for (int rep = 0; rep < 2; ++rep) {
    const Plan q = mckp_plan(v, w, mp, budget, g, k, rng);
    CHECK(std::memcmp(&p, &q, sizeof(Plan)) == 0);
  }
  const MckpOut<TV, TW> o = mckp_solve(v, w, mp, budget, g, k, p);
  CHECK(double(o.value) == best);
  double sv = 0.0, sw = 0.0;
  for (i64 i = 0; i < g; ++i) {
    const i64 c = o.choice[size_t(i)];
    CHECK(c >= 0 && c < k);
    if (c < 0 || c >= k) return;
    CHECK(mp == nullptr || mask[size_t(i * k + c)] != 0);
    sv += vd[size_t(i * k + c)];
    sw += wd[size_t(i * k + c)];
  }
  CHECK(sw <= double(budget));
  CHECK(sv == double(o.value));
  CHECK(sw == double(o.weight));
}

// ---- tests --------------------------------------------------------------------------------

TEST(knapd_helpers) {
  // binary pieces: 1, 2, 4, ..., remainder; every amount 0..c reachable, sum c
  for (i64 c = 1; c <= 300; ++c) {
    const int np = kd::piece_count(c);
    i64 sum = 0;
    std::vector<i64> parts;
    i64 k2 = 1, rest = c;
    while (rest > 0) {  // the fallback's _split
      parts.push_back(std::min(k2, rest));
      rest -= parts.back();
      k2 *= 2;
    }
    CHECK_EQ(np, static_cast<int>(parts.size()));
    for (int k = 0; k < np; ++k) {
      CHECK_EQ(kd::piece_mult(c, k), parts[size_t(k)]);
      sum += kd::piece_mult(c, k);
    }
    CHECK_EQ(sum, c);
  }
  CHECK_EQ(kd::piece_count((i64(1) << 24) - 1), 24);
  // gcd
  CHECK_EQ(kd::gcd_u64(0, 0), 0ull);
  CHECK_EQ(kd::gcd_u64(0, 12), 12ull);
  CHECK_EQ(kd::gcd_u64(12, 18), 6ull);
  CHECK_EQ(kd::gcd_u64(1ull << 40, 3ull << 38), 1ull << 38);
  CHECK_EQ(kd::gcd_u64(1000000007ull, 998244353ull), 1ull);
  // powers of two, normal and subnormal
  CHECK(kd::pow2(0) == 1.0);
  CHECK(kd::pow2(-3) == 0.125);
  CHECK(kd::pow2(960) == std::ldexp(1.0, 960));
  CHECK(kd::pow2(-1074) == std::ldexp(1.0, -1074));
  CHECK(kd::pow2(-1030) == std::ldexp(1.0, -1030));
  // totals: one correct rounding (2^53 + 1 -> 2^53, ties to even), exact subnormals
  CHECK(kd::Num<double>::total((i64(1) << 53) + 1, 0) == 9007199254740992.0);
  CHECK(kd::Num<double>::total((i64(1) << 53) + 3, -2) == std::ldexp(9007199254740996.0, -2));
  CHECK(kd::Num<double>::total(5, -1074) == 5 * std::ldexp(1.0, -1074));
  CHECK(kd::Num<double>::total(-3, -1) == -1.5);
  CHECK(kd::Num<i64>::total(i64(1) << 61, 0) == i64(1) << 61);
  CHECK_EQ(kd::Num<i64>::msb(-1), 0);
  CHECK_EQ(kd::Num<i64>::msb(std::numeric_limits<i64>::min()), 63);
  CHECK_EQ(kd::Num<i64>::msb(std::numeric_limits<i64>::max()), 62);
}

TEST(knapd_cells) {
  const std::vector<i64> prev = {0, 0, 5, 5, 7};
  i64 o = 0;
  CHECK(!kd::knap_cell(prev.data(), 1, 2, 3, o));
  CHECK_EQ(o, i64(0));
  CHECK(!kd::knap_cell(prev.data(), 2, 2, 3, o));  // 0 + 3 < 5: kept
  CHECK_EQ(o, i64(5));
  CHECK(kd::knap_cell(prev.data(), 4, 2, 3, o));   // 5 + 3 > 7
  CHECK_EQ(o, i64(8));
  CHECK(!kd::knap_cell(prev.data(), 4, 2, 2, o));  // 5 + 2 == 7: a tie keeps
  CHECK_EQ(o, i64(7));
  const std::vector<i64> ow = {0, 2, -1, 1};
  const std::vector<i64> ov = {1, 4, 100, 2};
  CHECK_EQ(kd::mckp_cell(prev.data(), 0, ow.data(), ov.data(), 4, o), 0);
  CHECK_EQ(o, i64(1));
  CHECK_EQ(kd::mckp_cell(prev.data(), 3, ow.data(), ov.data(), 4, o), 3);  // 5+1, 0+4, 5+2
  CHECK_EQ(o, i64(7));
  const std::vector<i64> ow2 = {0, 0, 0}, ov2 = {3, 7, 7};
  CHECK_EQ(kd::m_pick_free(ow2.data(), ov2.data(), 3), i64(1));  // first of the largest
}

TEST(knapd_known_answers) {
  std::mt19937_64 rng(7);
  // the classic: v = (60, 100, 120), w = (10, 20, 30), C = 50 -> 220 with items 1, 2
  {
    const std::vector<i64> v = {60, 100, 120}, w = {10, 20, 30};
    const Plan p = knap_plan<i64, i64>(v, w, 50, nullptr, rng);
    CHECK_EQ(p.code, i64(kd::kSolve));
    CHECK_EQ(p.g, i64(10));  // weights divided by their gcd: 6 cells
    CHECK_EQ(p.cred, i64(5));
    const auto o = knap_solve<i64, i64>(v, w, 50, nullptr, p);
    CHECK_EQ(o.value, i64(220));
    CHECK_EQ(o.weight, i64(50));
    CHECK(o.x == (std::vector<i64>{0, 1, 1}));
  }
  // float weights with a capacity that is not a multiple of the unit: floored
  {
    const std::vector<double> v = {1.5, 2.0, 2.5}, w = {0.25, 0.5, 0.75};
    const Plan p = knap_plan<double, double>(v, w, 1.1, nullptr, rng);
    CHECK_EQ(p.sw, i64(-2));
    CHECK_EQ(p.sv, i64(-1));
    const auto o = knap_solve<double, double>(v, w, 1.1, nullptr, p);
    CHECK(o.value == 4.0);  // 1.5 + 2.5 (weight 1.0)
    CHECK(o.weight == 1.0);
  }
  // +inf capacity: everything positive is taken; zero-weight items all their count
  {
    const std::vector<double> v = {1.0, 0.0, 3.0, 4.0}, w = {1e300, 2.0, 0.0, 1e-300};
    const std::vector<i64> cnt = {2, 5, 7, 1};
    const Plan p = knap_plan<double, double>(v, w, kInf, &cnt, rng);
    CHECK_EQ(p.code, i64(kd::kWide));  // 1e300 / 1e-300 does not fit int64: the CPU's job
    const std::vector<double> w2 = {0.5, 2.0, 0.0, 0.25};
    const Plan q = knap_plan<double, double>(v, w2, kInf, &cnt, rng);
    CHECK_EQ(q.code, i64(kd::kSolve));
    const auto o = knap_solve<double, double>(v, w2, kInf, &cnt, q);
    CHECK(o.x == (std::vector<i64>{2, 0, 7, 1}));
    CHECK(o.value == 2.0 + 21.0 + 4.0);
    CHECK(o.weight == 1.25);
  }
  // a huge integer capacity is capped at the total weight: a tiny table
  {
    const std::vector<i64> v = {5, 6}, w = {3, 4};
    const Plan p = knap_plan<i64, i64>(v, w, std::numeric_limits<i64>::max(), nullptr, rng);
    CHECK_EQ(p.code, i64(kd::kSolve));
    CHECK_EQ(p.cred, i64(7));
    const auto o = knap_solve<i64, i64>(v, w, std::numeric_limits<i64>::max(), nullptr, p);
    CHECK_EQ(o.value, i64(11));
  }
  // empty instance, zero capacity
  {
    const std::vector<i64> v, w;
    const Plan p = knap_plan<i64, i64>(v, w, 10, nullptr, rng);
    CHECK_EQ(p.code, i64(kd::kSolve));
    CHECK_EQ(p.rows, i64(0));
    const auto o = knap_solve<i64, i64>(v, w, 10, nullptr, p);
    CHECK_EQ(o.value, i64(0));
    const std::vector<i64> v1 = {3}, w1 = {1};
    const Plan q = knap_plan<i64, i64>(v1, w1, 0, nullptr, rng);
    CHECK_EQ(q.rows, i64(0));
    const auto o1 = knap_solve<i64, i64>(v1, w1, 0, nullptr, q);
    CHECK_EQ(o1.value, i64(0));
    CHECK_EQ(o1.x[0], i64(0));
  }
}

TEST(knapd_plan_codes) {
  std::mt19937_64 rng(11);
  const double nan = std::nan("");
  // bad data: NaN, negative, negative count, negative or NaN capacity
  CHECK_EQ((knap_plan<double, double>({1.0, nan}, {1.0, 1.0}, 3.0, nullptr, rng).code),
           i64(kd::kBadData));
  CHECK_EQ((knap_plan<double, double>({1.0, 1.0}, {1.0, -1.0}, 3.0, nullptr, rng).code),
           i64(kd::kBadData));
  CHECK_EQ((knap_plan<double, double>({1.0, 1.0}, {1.0, 1.0}, nan, nullptr, rng).code),
           i64(kd::kBadData));
  CHECK_EQ((knap_plan<i64, i64>({1, 1}, {1, 1}, -1, nullptr, rng).code), i64(kd::kBadData));
  const std::vector<i64> neg = {1, -2};
  CHECK_EQ((knap_plan<i64, i64>({1, 1}, {1, 1}, 3, &neg, rng).code), i64(kd::kBadData));
  CHECK_EQ((knap_plan<double, i64>({1.0, kInf}, {1, 1}, 3, nullptr, rng).code),
           i64(kd::kBadData));
  // too wide: values spanning more than 2^61, value sums reaching 2^62, huge scales
  CHECK_EQ((knap_plan<double, i64>({1.0, std::ldexp(1.0, 70)}, {1, 1}, 3, nullptr, rng).code),
           i64(kd::kWide));
  CHECK_EQ((knap_plan<i64, i64>({i64(1) << 61, i64(1) << 61}, {1, 1}, 3, nullptr, rng).code),
           i64(kd::kWide));
  CHECK_EQ((knap_plan<i64, i64>({i64(1) << 60, i64(1) << 60}, {1, 1}, 3, nullptr, rng).code),
           i64(kd::kSolve));
  const std::vector<i64> many = {i64(1) << 40};
  CHECK_EQ((knap_plan<i64, i64>({i64(1) << 30}, {1}, i64(1) << 50, &many, rng).code),
           i64(kd::kWide));  // 2^30 * 2^40 = 2^70 of value
  CHECK_EQ((knap_plan<double, double>({1.0}, {std::ldexp(1.0, 1000)}, kInf, nullptr, rng).code),
           i64(kd::kWide));  // scale 1000 > kMaxScale
  // but a value of 2^1000 alone is fine for the values? no: its scale is 1000 as well
  CHECK_EQ((knap_plan<double, double>({std::ldexp(1.0, 1000)}, {1.0}, 2.0, nullptr, rng).code),
           i64(kd::kWide));
  // weights whose capacity in units is >= 2^62
  CHECK_EQ((knap_plan<i64, i64>({1, 1}, {i64(1) << 62, i64(1) << 62},
                               std::numeric_limits<i64>::max(), nullptr, rng).code),
           i64(kd::kWide));
  // too large: cells over kMaxCells, work or table bytes over the caller's bounds
  CHECK_EQ((knap_plan<i64, i64>({1, 1}, {1, i64(1) << 25}, i64(1) << 26, nullptr, rng).code),
           i64(kd::kLarge));
  CHECK_EQ((knap_plan<i64, i64>({1, 1}, {1, 3}, 4, nullptr, rng, 9).code), i64(kd::kLarge));
  CHECK_EQ((knap_plan<i64, i64>({1, 1}, {1, 3}, 4, nullptr, rng, 10).code), i64(kd::kSolve));
  CHECK_EQ((knap_plan<i64, i64>({1, 1}, {1, 3}, 4, nullptr, rng, kWork, 47).code),
           i64(kd::kLarge));
  CHECK_EQ((knap_plan<i64, i64>({1, 1}, {1, 3}, 4, nullptr, rng, kWork, 48).code),
           i64(kd::kSolve));
  // irrelevant items do not count: a NaN-free heavy item of value 0 with a tiny scale
  CHECK_EQ((knap_plan<double, double>({0.0, 1.0}, {1e-300, 1.0}, 1.0, nullptr, rng).code),
           i64(kd::kSolve));
  // bounded counts are capped at floor(cred / W): a count of 2^62 is fine
  const std::vector<i64> big = {i64(1) << 62};
  const Plan pc = knap_plan<i64, i64>({3}, {2}, 9, &big, rng);
  CHECK_EQ(pc.code, i64(kd::kSolve));
  CHECK_EQ(pc.rows, i64(kd::piece_count(4)));
  const auto oc = knap_solve<i64, i64>({3}, {2}, 9, &big, pc);
  CHECK_EQ(oc.x[0], i64(4));
  CHECK_EQ(oc.value, i64(12));
  CHECK_EQ(oc.weight, i64(8));
}

TEST(knapd_random_knapsack) {
  std::mt19937_64 rng(12345);
  for (int rep = 0; rep < 300; ++rep) {
    const bool bounded = rep % 2 == 1;
    switch (rep % 8 / 2) {
      case 0: check_random_knapsack<i64, i64>(rng, bounded); break;
      case 1: check_random_knapsack<double, double>(rng, bounded); break;
      case 2: check_random_knapsack<i64, double>(rng, bounded); break;
      default: check_random_knapsack<double, i64>(rng, bounded); break;
    }
  }
}

TEST(knapd_mckp_known_answers) {
  std::mt19937_64 rng(3);
  // 2 groups x 3 options, budget 5
  const std::vector<i64> v = {1, 5, 9, 2, 3, 8}, w = {1, 3, 5, 0, 2, 4};
  const Plan p = mckp_plan<i64, i64>(v, w, nullptr, 5, 2, 3, rng);
  CHECK_EQ(p.code, i64(kd::kSolve));
  const auto o = mckp_solve<i64, i64>(v, w, nullptr, 5, 2, 3, p);
  CHECK_EQ(o.value, i64(11));  // 9 (w 5) + 2 (w 0); 1 + 8 and 5 + 3 are worse
  CHECK_EQ(o.weight, i64(5));
  CHECK(o.choice == (std::vector<i64>{2, 0}));
  // infeasible: the lightest options exceed the budget; a group without an option
  CHECK_EQ((mckp_plan<i64, i64>(v, w, nullptr, 0, 2, 3, rng).code), i64(kd::kInfeasible));
  const std::vector<std::uint8_t> mask = {1, 1, 1, 0, 0, 0};
  CHECK_EQ((mckp_plan<i64, i64>(v, w, &mask, 100, 2, 3, rng).code), i64(kd::kInfeasible));
  // no groups: value 0
  const Plan e = mckp_plan<i64, i64>({}, {}, nullptr, 3, 0, 4, rng);
  CHECK_EQ(e.code, i64(kd::kSolve));
  CHECK_EQ((mckp_solve<i64, i64>({}, {}, nullptr, 3, 0, 4, e).value), i64(0));
  // bad data and too wide
  CHECK_EQ((mckp_plan<double, double>({1.0, std::nan("")}, {1.0, 1.0}, nullptr, 3.0, 1, 2, rng)
                .code),
           i64(kd::kBadData));
  CHECK_EQ((mckp_plan<double, double>({1.0, 2.0}, {1.0, -1.0}, nullptr, 3.0, 1, 2, rng).code),
           i64(kd::kBadData));
  CHECK_EQ((mckp_plan<double, double>({1.0, std::ldexp(1.0, -70)}, {1.0, 1.0}, nullptr, 3.0, 1,
                                      2, rng)
                .code),
           i64(kd::kWide));
  // a budget of +inf, all options weight 0 (no rows), negative values
  const std::vector<double> vn = {-3.0, -1.5, -2.0, -7.0}, wn = {0.0, 0.0, 1.0, 1.0};
  const Plan q = mckp_plan<double, double>(vn, wn, nullptr, kInf, 2, 2, rng);
  CHECK_EQ(q.code, i64(kd::kSolve));
  CHECK_EQ(q.rows, i64(0));
  const auto oq = mckp_solve<double, double>(vn, wn, nullptr, kInf, 2, 2, q);
  CHECK(oq.value == -3.5);
  CHECK(oq.choice == (std::vector<i64>{1, 0}));
  CHECK(oq.weight == 1.0);
  // too large for the work bound
  CHECK_EQ((mckp_plan<i64, i64>(v, w, nullptr, 5, 2, 3, rng, 5).code), i64(kd::kLarge));
}

TEST(knapd_random_mckp) {
  std::mt19937_64 rng(777);
  for (int rep = 0; rep < 300; ++rep) {
    switch (rep % 4) {
      case 0: check_random_mckp<i64, i64>(rng); break;
      case 1: check_random_mckp<double, double>(rng); break;
      case 2: check_random_mckp<i64, double>(rng); break;
      default: check_random_mckp<double, i64>(rng); break;
    }
  }
}

}  // namespace
