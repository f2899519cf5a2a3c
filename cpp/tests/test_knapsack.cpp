// Host tests of tradeoff/knapsack_hd.hpp (exact scaling, correctly rounded totals),
// tradeoff/knapsack.hpp (0/1 and bounded) and tradeoff/mckp.hpp (multiple choice).
//
// * knapsack_hd: to_double_scaled against exact cases (ties to even, carries, subnormals,
//   overflow), floor_scaled / floor_scaled_signed, lsb / msb exponents.
// * 0/1 and bounded: brute force over every x on random instances with n <= 12 of Pisinger's
//   classes (uncorrelated, weakly, strongly and inverse strongly correlated, subset sum) plus
//   zero weights and values, dropped items, huge capacities; int64 and float data (integers
//   scaled by powers of two, a capacity that is not a multiple of the scale); huge counts. The
//   optimal value equals the brute force exactly; x is feasible and its totals are the ones
//   reported.
// * Larger instances (n up to 200) against a plain dominance-pruned DP (an independent oracle).
// * The 128-bit engine (sums beyond 2^61), status 3 (more than 125 bits), status 4 (an int64 total
//   overflows), max_states (status 1, x feasible), NaN (kBadData), batches on several threads
//   equal to single calls.
// * MCKP: brute force with ragged masks, negative values, ties, infeasible budgets, empty groups.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "test_main.hpp"
#include "tradeoff/knapsack.hpp"
#include "tradeoff/knapsack_hd.hpp"
#include "tradeoff/mckp.hpp"

namespace {

namespace kn = tradeoff::knap;
using i128 = __int128;
using std::int64_t;

std::string str128(i128 x) {
  if (x == 0) return "0";
  const bool neg = x < 0;
  std::string s;
  unsigned __int128 m = neg ? static_cast<unsigned __int128>(-x) : static_cast<unsigned __int128>(x);
  while (m) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  }
  return neg ? "-" + s : s;
}
#define CHECK_EQ128(a, b)                                                                     \
  do {                                                                                        \
    const i128 tt_a = (a), tt_b = (b);                                                        \
    if (tt_a != tt_b)                                                                         \
      tt::fail(__FILE__, __LINE__, std::string(#a " == " #b " (") + str128(tt_a) + " vs " +   \
                                       str128(tt_b) + ")");                                   \
  } while (0)

// ---- knapsack_hd -------------------------------------------------------------------------------

TEST(knapsack_hd_to_double_scaled) {
  CHECK(kn::to_double_scaled<int64_t>(0, 5) == 0.0);
  CHECK(kn::to_double_scaled<int64_t>(3, -1) == 1.5);
  CHECK(kn::to_double_scaled<int64_t>(-7, 2) == -28.0);
  // 2^53 + 1 rounds to even (2^53), 2^53 + 3 rounds up to 2^53 + 4
  CHECK(kn::to_double_scaled<int64_t>((int64_t(1) << 53) + 1, 0) == 9007199254740992.0);
  CHECK(kn::to_double_scaled<int64_t>((int64_t(1) << 53) + 3, 0) == 9007199254740996.0);
  // all ones over 60 bits: carries into the next binade
  CHECK(kn::to_double_scaled<int64_t>((int64_t(1) << 60) - 1, 0) == std::ldexp(1.0, 60));
  // 128-bit values: (2^100 + 2^47) is a tie (rounds to even 2^100); + 1 breaks it upwards
  const i128 big = (i128(1) << 100) + (i128(1) << 47);
  CHECK(kn::to_double_scaled<i128>(big, 0) == std::ldexp(1.0, 100));
  CHECK(kn::to_double_scaled<i128>(big + 1, 0) == std::ldexp(1.0, 100) + std::ldexp(1.0, 48));
  // subnormals: 3 * 2^-1076 = 0.75 * 2^-1074 rounds to 2^-1074; 2^-1075 (a tie) to 0
  CHECK(kn::to_double_scaled<int64_t>(3, -1076) == std::ldexp(1.0, -1074));
  CHECK(kn::to_double_scaled<int64_t>(1, -1075) == 0.0);
  CHECK(kn::to_double_scaled<int64_t>(5, -1075) == std::ldexp(1.0, -1073));  // 2.5 -> 2
  CHECK(kn::to_double_scaled<int64_t>(7, -1075) == std::ldexp(4.0, -1074));  // 3.5 -> 4
  // overflow to infinity, and the largest finite double
  CHECK(std::isinf(kn::to_double_scaled<int64_t>(1, 1024)));
  const int64_t m53 = (int64_t(1) << 53) - 1;
  CHECK(kn::to_double_scaled<int64_t>(m53, 971) == 1.7976931348623157e308);
  CHECK(std::isinf(kn::to_double_scaled<int64_t>(2 * m53 + 1, 970)));  // rounds up past max
  // random agreement with the hardware conversion where that is exact-then-scaled
  std::mt19937_64 rng(1);
  for (int it = 0; it < 2000; ++it) {
    const int64_t t = static_cast<int64_t>(rng() >> (rng() % 60));
    const int s = static_cast<int>(rng() % 200) - 100;
    CHECK(kn::to_double_scaled<int64_t>(t, s) == std::ldexp(static_cast<double>(t), s));
  }
}

TEST(knapsack_hd_floor_scaled) {
  const i128 cap = i128(1) << 125;
  CHECK_EQ128(kn::floor_scaled<i128>(10.75, -2, cap), 43);
  CHECK_EQ128(kn::floor_scaled<i128>(10.75, 0, cap), 10);
  CHECK_EQ128(kn::floor_scaled<i128>(0.1, 3, cap), 0);
  CHECK_EQ128(kn::floor_scaled<i128>(INFINITY, 0, cap), cap);
  CHECK_EQ128(kn::floor_scaled<i128>(1e300, 0, cap), cap);
  CHECK_EQ128(kn::floor_scaled_signed<i128>(-10.75, -2, cap), -43);
  CHECK_EQ128(kn::floor_scaled_signed<i128>(-10.75, 0, cap), -11);
  CHECK_EQ128(kn::floor_scaled_signed<i128>(-0.1, 3, cap), -1);
  CHECK_EQ128(kn::floor_scaled_signed<i128>(-8.0, 3, cap), -1);
  CHECK_EQ128(kn::floor_scaled_signed<i128>(-INFINITY, 0, cap), -cap);
  CHECK_EQ(kn::lsb_exponent(0.375), -3);
  CHECK_EQ(kn::msb_exponent(0.375), -2);
}

// ---- 0/1 and bounded: drivers and oracles ------------------------------------------------------

template <class TV, class TW>
struct Run {
  std::vector<uint8_t> x01;
  std::vector<int64_t> xb;
  std::vector<TV> value;
  std::vector<TW> weight;
  std::vector<signed char> status;
};

template <class TV, class TW>
Run<TV, TW> solve(const std::vector<TV>& v, const std::vector<TW>& w, const std::vector<TW>& cap,
                  const std::vector<int64_t>* cnt, int64_t n, int64_t max_states = int64_t(1) << 40,
                  int threads = 1) {
  const int64_t B = static_cast<int64_t>(cap.size());
  Run<TV, TW> r;
  r.x01.assign(static_cast<size_t>(B * n), 7);
  r.xb.assign(static_cast<size_t>(B * n), -7);
  r.value.assign(static_cast<size_t>(B), TV(-1));
  r.weight.assign(static_cast<size_t>(B), TW(-1));
  r.status.assign(static_cast<size_t>(B), 9);
  kn::KnapsackArgs a;
  a.B = B;
  a.n = n;
  a.values = v.data();
  a.values_f64 = std::is_same<TV, double>::value;
  a.weights = w.data();
  a.weights_f64 = std::is_same<TW, double>::value;
  a.capacity = cap.data();
  a.counts = cnt ? cnt->data() : nullptr;
  a.max_states = max_states;
  if (cnt) {
    a.xb = r.xb.data();
  } else {
    a.x01 = r.x01.data();
  }
  a.value = r.value.data();
  a.weight = r.weight.data();
  a.status = r.status.data();
  const int old = tradeoff::num_threads();
  tradeoff::set_num_threads(threads);
  kn::knapsack_batch(a);
  tradeoff::set_num_threads(old);
  return r;
}

// Best value over every x (0/1: cnt null; bounded: x_j in 0..cnt_j, small counts).
i128 brute(const int64_t* v, const int64_t* w, int64_t C, const int64_t* cnt, int n) {
  i128 best = 0;
  std::vector<int64_t> x(static_cast<size_t>(n), 0);
  for (;;) {
    i128 tv = 0, tw = 0;
    for (int j = 0; j < n; ++j) {
      tv += i128(v[j]) * x[j];
      tw += i128(w[j]) * x[j];
    }
    if (tw <= C && tv > best) best = tv;
    int j = 0;
    while (j < n && x[j] == (cnt ? cnt[j] : 1)) x[j++] = 0;
    if (j == n) break;
    ++x[j];
  }
  return best;
}

// A plain dominance-pruned state-list DP (the oracle for larger instances; 0/1 items).
i128 plain_dp(const int64_t* v, const int64_t* w, int64_t C, int n) {
  std::vector<std::pair<i128, i128>> L{{0, 0}}, M;
  for (int j = 0; j < n; ++j) {
    if (v[j] <= 0 || w[j] < 0 || w[j] > C) continue;
    M.clear();
    for (auto& s : L) M.push_back(s);
    for (auto& s : L) {
      if (s.first + w[j] <= C) M.push_back({s.first + w[j], s.second + v[j]});
    }
    std::sort(M.begin(), M.end(), [](const auto& a, const auto& b) {
      return a.first < b.first || (a.first == b.first && a.second > b.second);
    });
    L.clear();
    for (auto& s : M) {
      if (L.empty() || s.second > L.back().second) L.push_back(s);
    }
  }
  return L.back().second;
}

// Pisinger's classes on [1, R]; class 5: zeros and dropped items.
void instance(std::mt19937_64& rng, int cls, int n, int64_t R, std::vector<int64_t>& v,
              std::vector<int64_t>& w) {
  v.resize(static_cast<size_t>(n));
  w.resize(static_cast<size_t>(n));
  for (int j = 0; j < n; ++j) {
    int64_t wj = 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(R)), vj = 0;
    switch (cls) {
      case 0: vj = 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(R)); break;
      case 1:
        vj = std::max<int64_t>(1, wj - R / 10 + static_cast<int64_t>(rng() % uint64_t(R / 5 + 1)));
        break;
      case 2: vj = wj + R / 10; break;
      case 3: vj = wj; wj = vj + R / 10; break;
      case 4: vj = wj; break;
      default:
        vj = static_cast<int64_t>(rng() % 3);
        wj = static_cast<int64_t>(rng() % 3);
    }
    v[static_cast<size_t>(j)] = vj;
    w[static_cast<size_t>(j)] = wj;
  }
}

// x feasible, within its bounds, and its exact totals (int64 data).
void check_x(const std::vector<int64_t>& v, const std::vector<int64_t>& w, int64_t C,
             const int64_t* cnt, const int64_t* x, const uint8_t* x01, int n, i128 value,
             i128 weight) {
  i128 tv = 0, tw = 0;
  bool in_range = true;
  for (int j = 0; j < n; ++j) {
    const int64_t xj = x ? x[j] : x01[j];
    if (xj < 0 || xj > (cnt ? cnt[j] : 1)) in_range = false;
    tv += i128(v[static_cast<size_t>(j)]) * xj;
    tw += i128(w[static_cast<size_t>(j)]) * xj;
  }
  CHECK(in_range);
  CHECK(tw <= C || tw == 0);
  CHECK_EQ128(tv, value);
  CHECK_EQ128(tw, weight);
}

// ---- 0/1 and bounded: tests --------------------------------------------------------------------

TEST(knapsack_known_answers) {
  // Pisinger's small example: optimum 9 + 11 (weights 2 + 6 = 8 <= 9... ) checked by brute force
  const std::vector<int64_t> v{6, 5, 8, 9, 6, 7, 3}, w{2, 3, 6, 7, 5, 9, 4};
  const auto r = solve<int64_t, int64_t>(v, w, {9}, nullptr, 7);
  CHECK_EQ(r.status[0], 0);
  CHECK_EQ128(r.value[0], brute(v.data(), w.data(), 9, nullptr, 7));
  CHECK_EQ(r.value[0], 15);  // items 0 and 3 (6 + 9, weight 9) or 0, 1, 4 (17? weight 10: no)
  // empty instance, and everything fitting
  const auto e = solve<int64_t, int64_t>({}, {}, {5}, nullptr, 0);
  CHECK_EQ(e.value[0], 0);
  CHECK_EQ(e.status[0], 0);
  const auto all = solve<int64_t, int64_t>(v, w, {1000}, nullptr, 7);
  CHECK_EQ(all.value[0], 44);
  CHECK_EQ(all.weight[0], 36);
  // zero-weight items are taken even with capacity 0; zero-value items never
  const auto z = solve<int64_t, int64_t>({4, 0, 3}, {0, 0, 1}, {0}, nullptr, 3);
  CHECK_EQ(z.value[0], 4);
  CHECK(z.x01[0] == 1 && z.x01[1] == 0 && z.x01[2] == 0);
}

TEST(knapsack_brute_force_classes) {
  std::mt19937_64 rng(11);
  for (int it = 0; it < 1500; ++it) {
    const int cls = it % 6;
    const int n = static_cast<int>(rng() % 13);
    const int64_t R = (rng() % 2) ? 12 : 1000;
    std::vector<int64_t> v, w;
    instance(rng, cls, n, R, v, w);
    int64_t sw = 0;
    for (const int64_t x : w) sw += x;
    const int64_t C = static_cast<int64_t>(rng() % static_cast<uint64_t>(sw + 2));
    const bool bounded = it % 3 == 0;
    std::vector<int64_t> cnt(static_cast<size_t>(n));
    for (auto& c : cnt) c = static_cast<int64_t>(rng() % 4);
    const auto r = solve<int64_t, int64_t>(v, w, {C}, bounded ? &cnt : nullptr, n);
    CHECK_EQ(r.status[0], 0);
    CHECK_EQ128(r.value[0], brute(v.data(), w.data(), C, bounded ? cnt.data() : nullptr, n));
    check_x(v, w, C, bounded ? cnt.data() : nullptr, bounded ? r.xb.data() : nullptr,
            r.x01.data(), n, r.value[0], r.weight[0]);
  }
}

TEST(knapsack_float_data) {
  // integers times powers of two: the exact optimum is the integer optimum times the scale;
  // the capacity gets a fraction below the scale's unit (floored)
  std::mt19937_64 rng(12);
  for (int it = 0; it < 400; ++it) {
    const int cls = it % 6;
    const int n = static_cast<int>(rng() % 12);
    std::vector<int64_t> v, w;
    instance(rng, cls, n, 500, v, w);
    int64_t sw = 0;
    for (const int64_t x : w) sw += x;
    const int64_t C = static_cast<int64_t>(rng() % static_cast<uint64_t>(sw + 2));
    const int ev = static_cast<int>(rng() % 40) - 20, ew = static_cast<int>(rng() % 40) - 20;
    std::vector<double> vd(v.size()), wd(w.size());
    for (size_t j = 0; j < v.size(); ++j) {
      vd[j] = std::ldexp(static_cast<double>(v[j]), ev);
      wd[j] = std::ldexp(static_cast<double>(w[j]), ew);
    }
    const double Cd = std::ldexp(static_cast<double>(C) + 0.75, ew);
    const i128 best = brute(v.data(), w.data(), C, nullptr, n);
    const auto r = solve<double, double>(vd, wd, {Cd}, nullptr, n);
    CHECK_EQ(r.status[0], 0);
    CHECK(r.value[0] == std::ldexp(static_cast<double>(best), ev));
    const auto ri = solve<int64_t, double>(v, wd, {Cd}, nullptr, n);  // mixed dtypes
    CHECK_EQ128(ri.value[0], best);
    const auto rf = solve<double, int64_t>(vd, w, {C}, nullptr, n);
    CHECK(rf.value[0] == std::ldexp(static_cast<double>(best), ev));
    double tw = 0.0;
    for (int j = 0; j < n; ++j) tw += r.x01[static_cast<size_t>(j)] ? wd[static_cast<size_t>(j)] : 0.0;
    CHECK(tw <= Cd);
    CHECK(tw == r.weight[0]);
  }
  // unlimited capacity (+inf) takes everything; weights spanning more than 125 bits are too
  // wide (the front end re-solves those with the fallback); dropped items' values never matter
  const auto inf = solve<double, double>({1.5, 2.25}, {1e30, 3.0}, {INFINITY}, nullptr, 2);
  CHECK(inf.value[0] == 3.75);
  CHECK(inf.weight[0] == 1e30);
  CHECK_EQ(inf.status[0], 0);
  const auto wide = solve<double, double>({1.5, 2.25}, {1e300, 3.0}, {INFINITY}, nullptr, 2);
  CHECK_EQ(wide.status[0], kn::kTooWide);
  const auto dropped = solve<double, double>({1e-300, 2.0}, {5.0, 1.0}, {2.0}, nullptr, 2);
  CHECK(dropped.value[0] == 2.0);
  CHECK_EQ(dropped.status[0], 0);
  const auto nan = solve<double, double>({1.0}, {NAN}, {1.0}, nullptr, 1);
  CHECK_EQ(nan.status[0], kn::kBadData);
}

TEST(knapsack_larger_vs_plain_dp) {
  std::mt19937_64 rng(13);
  for (int it = 0; it < 120; ++it) {
    const int cls = it % 5;
    const int n = 20 + static_cast<int>(rng() % 180);
    const int64_t R = (it % 2) ? 100 : 1000;
    std::vector<int64_t> v, w;
    instance(rng, cls, n, R, v, w);
    int64_t sw = 0;
    for (const int64_t x : w) sw += x;
    const int64_t C = sw / (2 + static_cast<int64_t>(rng() % 8));
    const auto r = solve<int64_t, int64_t>(v, w, {C}, nullptr, n);
    CHECK_EQ(r.status[0], 0);
    CHECK_EQ128(r.value[0], plain_dp(v.data(), w.data(), C, n));
    check_x(v, w, C, nullptr, nullptr, r.x01.data(), n, r.value[0], r.weight[0]);
  }
}

TEST(knapsack_bounded_huge_counts) {
  // huge counts are capped at floor(C / w); the bounded optimum equals the 0/1 optimum over the
  // expanded items, checked by brute force over counts capped small enough to enumerate
  std::mt19937_64 rng(14);
  for (int it = 0; it < 200; ++it) {
    const int n = 1 + static_cast<int>(rng() % 5);
    std::vector<int64_t> v(static_cast<size_t>(n)), w(static_cast<size_t>(n)),
        cnt(static_cast<size_t>(n)), capped(static_cast<size_t>(n));
    const int64_t C = 1 + static_cast<int64_t>(rng() % 60);
    for (int j = 0; j < n; ++j) {
      v[static_cast<size_t>(j)] = 1 + static_cast<int64_t>(rng() % 50);
      w[static_cast<size_t>(j)] = 1 + static_cast<int64_t>(rng() % 25);
      cnt[static_cast<size_t>(j)] = (rng() % 2) ? int64_t(1) << 62 : static_cast<int64_t>(rng() % 9);
      capped[static_cast<size_t>(j)] = std::min(cnt[static_cast<size_t>(j)], C / w[static_cast<size_t>(j)]);
    }
    const auto r = solve<int64_t, int64_t>(v, w, {C}, &cnt, n);
    CHECK_EQ(r.status[0], 0);
    CHECK_EQ128(r.value[0], brute(v.data(), w.data(), C, capped.data(), n));
    check_x(v, w, C, cnt.data(), r.xb.data(), nullptr, n, r.value[0], r.weight[0]);
  }
}

TEST(knapsack_wide_numbers) {
  // sums beyond 2^61 run on the 128-bit engine; totals beyond int64 give status 4 with x optimal
  const int64_t big = (int64_t(1) << 62) - 100;
  std::vector<int64_t> v{big + 5, big + 3, big + 9, 1}, w{3, 4, 5, 1};
  auto r = solve<int64_t, int64_t>(v, w, {8}, nullptr, 4);  // best: items 0 and 2
  CHECK_EQ(r.status[0], 0);
  CHECK_EQ(r.value[0], 2 * big + 14);
  CHECK(r.x01[0] == 1 && r.x01[2] == 1 && r.x01[1] == 0);
  r = solve<int64_t, int64_t>(v, w, {13}, nullptr, 4);  // three big items: past int64
  CHECK_EQ(r.status[0], kn::kOverflow);
  CHECK_EQ(r.value[0], 0);
  CHECK(r.x01[0] == 1 && r.x01[1] == 1 && r.x01[2] == 1 && r.x01[3] == 1);
  // float values spanning 2^-60 .. 2^60: 121 bits, exact on the 128-bit engine
  const std::vector<double> vd{std::ldexp(1.0, 60), std::ldexp(1.0, -60), 1.0};
  const auto rf = solve<double, int64_t>(vd, {2, 1, 1}, {3}, nullptr, 3);
  CHECK_EQ(rf.status[0], 0);
  CHECK(rf.value[0] == std::ldexp(1.0, 60) + std::ldexp(1.0, -60) + 0.0 ||
        rf.value[0] == std::ldexp(1.0, 60));  // correctly rounded: 2^60 + 2^-60 -> 2^60
  CHECK(rf.x01[0] == 1 && rf.x01[2] == 1 && rf.x01[1] == 0);
  // more than 125 bits: status 3, x zero
  const std::vector<double> vw{std::ldexp(1.0, 100), std::ldexp(1.0, -100)};
  const auto r3 = solve<double, int64_t>(vw, {1, 1}, {1}, nullptr, 2);
  CHECK_EQ(r3.status[0], kn::kTooWide);
  CHECK(r3.x01[0] == 0 && r3.x01[1] == 0);
}

TEST(knapsack_max_states_and_batches) {
  std::mt19937_64 rng(15);
  std::vector<int64_t> v, w, V, W, caps;
  const int n = 60, B = 40;
  for (int b = 0; b < B; ++b) {
    instance(rng, 2 + b % 3, n, 1000, v, w);  // strongly / inverse / subset sum
    int64_t sw = 0;
    for (const int64_t x : w) sw += x;
    V.insert(V.end(), v.begin(), v.end());
    W.insert(W.end(), w.begin(), w.end());
    caps.push_back(sw / 3);
  }
  const auto one = solve<int64_t, int64_t>(V, W, caps, nullptr, n, int64_t(1) << 40, 1);
  const auto many = solve<int64_t, int64_t>(V, W, caps, nullptr, n, int64_t(1) << 40, 4);
  CHECK(one.value == many.value);
  CHECK(one.status == many.status);
  for (int b = 0; b < B; ++b) {
    const int64_t* vb = V.data() + b * n;
    const int64_t* wb = W.data() + b * n;
    CHECK_EQ128(one.value[static_cast<size_t>(b)], plain_dp(vb, wb, caps[static_cast<size_t>(b)], n));
  }
  // a tiny state budget: status 1 or 0, x feasible, never better than the optimum
  const auto lim = solve<int64_t, int64_t>(V, W, caps, nullptr, n, 3, 2);
  int limited = 0;
  for (int b = 0; b < B; ++b) {
    const size_t sb = static_cast<size_t>(b);
    CHECK(lim.status[sb] == 0 || lim.status[sb] == 1);
    limited += lim.status[sb] == 1;
    CHECK(lim.value[sb] <= one.value[sb]);
    if (lim.status[sb] == 0) CHECK_EQ(lim.value[sb], one.value[sb]);
    std::vector<int64_t> vb(V.begin() + b * n, V.begin() + (b + 1) * n),
        wb(W.begin() + b * n, W.begin() + (b + 1) * n);
    check_x(vb, wb, caps[sb], nullptr, nullptr, lim.x01.data() + b * n, n, lim.value[sb],
            lim.weight[sb]);
  }
  CHECK(limited > 0);
}

// ---- MCKP ----------------------------------------------------------------------------------------

template <class TV, class TW>
struct RunMC {
  std::vector<int64_t> choice;
  std::vector<TV> value;
  std::vector<TW> weight;
  std::vector<signed char> status;
};

template <class TV, class TW>
RunMC<TV, TW> solve_mc(const std::vector<TV>& v, const std::vector<TW>& w,
                       const std::vector<uint8_t>* mask, TW budget, int64_t g, int64_t k,
                       int64_t max_states = int64_t(1) << 40) {
  RunMC<TV, TW> r;
  r.choice.assign(static_cast<size_t>(g), -7);
  r.value.assign(1, TV(-1));
  r.weight.assign(1, TW(-1));
  r.status.assign(1, 9);
  kn::MckpArgs a;
  a.B = 1;
  a.g = g;
  a.k = k;
  a.values = v.data();
  a.values_f64 = std::is_same<TV, double>::value;
  a.weights = w.data();
  a.weights_f64 = std::is_same<TW, double>::value;
  a.mask = mask ? mask->data() : nullptr;
  a.budget = &budget;
  a.max_states = max_states;
  a.choice = r.choice.data();
  a.value = r.value.data();
  a.weight = r.weight.data();
  a.status = r.status.data();
  kn::mckp_batch(a);
  return r;
}

// Best total value over every choice (or "infeasible": returns false).
bool brute_mc(const std::vector<int64_t>& v, const std::vector<int64_t>& w,
              const std::vector<uint8_t>* mask, int64_t B, int g, int k, i128& best) {
  std::vector<int> c(static_cast<size_t>(g), 0);
  bool any = false;
  for (;;) {
    bool ok = true;
    i128 tv = 0, tw = 0;
    for (int i = 0; i < g && ok; ++i) {
      const size_t t = static_cast<size_t>(i * k + c[static_cast<size_t>(i)]);
      if (mask && !(*mask)[t]) ok = false;
      tv += v[t];
      tw += w[t];
    }
    if (ok && tw <= B && (!any || tv > best)) {
      best = tv;
      any = true;
    }
    int i = 0;
    while (i < g && c[static_cast<size_t>(i)] == k - 1) c[static_cast<size_t>(i++)] = 0;
    if (i == g) break;
    ++c[static_cast<size_t>(i)];
  }
  return any;
}

TEST(mckp_brute_force) {
  std::mt19937_64 rng(21);
  int infeasible = 0;
  for (int it = 0; it < 1200; ++it) {
    const int g = static_cast<int>(rng() % 6), k = 1 + static_cast<int>(rng() % 4);
    const int cls = it % 3;
    std::vector<int64_t> v(static_cast<size_t>(g * k)), w(static_cast<size_t>(g * k));
    for (int i = 0; i < g; ++i) {
      int64_t cw = 0, cv = 0;
      for (int o = 0; o < k; ++o) {
        const size_t t = static_cast<size_t>(i * k + o);
        if (cls == 0) {  // uncorrelated, negative values too
          w[t] = static_cast<int64_t>(rng() % 50);
          v[t] = static_cast<int64_t>(rng() % 80) - 30;
        } else if (cls == 1) {  // routing-like: both rise, concave
          cw += 1 + static_cast<int64_t>(rng() % 20);
          cv += 40 / (o + 1) + static_cast<int64_t>(rng() % 5);
          w[t] = cw;
          v[t] = cv;
        } else {  // ties
          w[t] = static_cast<int64_t>(rng() % 3);
          v[t] = static_cast<int64_t>(rng() % 3);
        }
      }
    }
    std::vector<uint8_t> mask(static_cast<size_t>(g * k), 1);
    const bool masked = it % 2 == 1;
    if (masked) {
      for (auto& m : mask) m = (rng() % 10) < 7;
    }
    int64_t lo = 0, hi = 0;
    for (int i = 0; i < g; ++i) {
      lo += *std::min_element(w.begin() + i * k, w.begin() + (i + 1) * k);
      hi += *std::max_element(w.begin() + i * k, w.begin() + (i + 1) * k);
    }
    const int64_t B = lo - 3 + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 6));
    const auto r = solve_mc<int64_t, int64_t>(v, w, masked ? &mask : nullptr, B, g, k);
    i128 best = 0;
    const bool feasible = brute_mc(v, w, masked ? &mask : nullptr, B, g, k, best);
    if (!feasible) {
      ++infeasible;
      CHECK_EQ(r.status[0], kn::kInfeasible);
      for (const int64_t c : r.choice) CHECK_EQ(c, -1);
      continue;
    }
    CHECK_EQ(r.status[0], 0);
    CHECK_EQ128(r.value[0], best);
    i128 tv = 0, tw = 0;
    for (int i = 0; i < g; ++i) {
      const int64_t c = r.choice[static_cast<size_t>(i)];
      CHECK(c >= 0 && c < k && mask[static_cast<size_t>(i * k + c)]);
      tv += v[static_cast<size_t>(i * k + c)];
      tw += w[static_cast<size_t>(i * k + c)];
    }
    CHECK_EQ128(tv, r.value[0]);
    CHECK_EQ128(tw, r.weight[0]);
    CHECK(tw <= B);
  }
  CHECK(infeasible > 0);
}

TEST(mckp_float_and_larger) {
  // float data: integer data scaled, a budget with a fraction; a larger routing-like instance
  // against brute force over a DP (here: the plain state-list DP on groups)
  std::mt19937_64 rng(22);
  for (int it = 0; it < 60; ++it) {
    const int g = 30 + static_cast<int>(rng() % 40), k = 2 + static_cast<int>(rng() % 6);
    std::vector<int64_t> v(static_cast<size_t>(g * k)), w(static_cast<size_t>(g * k));
    for (auto& x : v) x = static_cast<int64_t>(rng() % 1000);
    for (auto& x : w) x = static_cast<int64_t>(rng() % 1000);
    int64_t lo = 0, hi = 0;
    for (int i = 0; i < g; ++i) {
      lo += *std::min_element(w.begin() + i * k, w.begin() + (i + 1) * k);
      hi += *std::max_element(w.begin() + i * k, w.begin() + (i + 1) * k);
    }
    const int64_t B = (lo + hi) / 2;
    // plain DP over groups
    std::vector<std::pair<i128, i128>> L{{0, 0}}, M;
    for (int i = 0; i < g; ++i) {
      M.clear();
      for (auto& s : L) {
        for (int o = 0; o < k; ++o) {
          const size_t t = static_cast<size_t>(i * k + o);
          if (s.first + w[t] <= B) M.push_back({s.first + w[t], s.second + v[t]});
        }
      }
      std::sort(M.begin(), M.end(), [](const auto& a, const auto& b) {
        return a.first < b.first || (a.first == b.first && a.second > b.second);
      });
      L.clear();
      for (auto& s : M) {
        if (L.empty() || s.second > L.back().second) L.push_back(s);
      }
    }
    const auto r = solve_mc<int64_t, int64_t>(v, w, nullptr, B, g, k);
    CHECK_EQ(r.status[0], 0);
    CHECK_EQ128(r.value[0], L.back().second);
    std::vector<double> vd(v.size()), wd(w.size());
    for (size_t t = 0; t < v.size(); ++t) {
      vd[t] = std::ldexp(static_cast<double>(v[t]), -7);
      wd[t] = std::ldexp(static_cast<double>(w[t]), 5);
    }
    const auto rf = solve_mc<double, double>(vd, wd, nullptr, std::ldexp(double(B) + 0.5, 5), g, k);
    CHECK_EQ(rf.status[0], 0);
    CHECK(rf.value[0] == std::ldexp(static_cast<double>(L.back().second), -7));
    // a tiny state budget: a feasible choice, status 0 or 1
    const auto lim = solve_mc<int64_t, int64_t>(v, w, nullptr, B, g, k, 2);
    CHECK(lim.status[0] == 0 || lim.status[0] == 1);
    CHECK(lim.weight[0] <= B);
    CHECK(lim.value[0] <= r.value[0]);
  }
  // a group without an option: infeasible; no group: value 0
  std::vector<uint8_t> mask{1, 1, 0, 0};
  const auto e = solve_mc<int64_t, int64_t>({1, 2, 3, 4}, {1, 1, 1, 1}, &mask, 10, 2, 2);
  CHECK_EQ(e.status[0], kn::kInfeasible);
  const auto z = solve_mc<int64_t, int64_t>({}, {}, nullptr, 0, 0, 3);
  CHECK_EQ(z.status[0], 0);
  CHECK_EQ(z.value[0], 0);
}

}  // namespace
