// Host tests of the Pareto code: the TRADEOFF_HD bodies in pareto_hd.hpp (the very functions
// the CUDA kernels in cuda/pareto.cu call), the GPU algorithm (dominator counts + Kahn
// layering) driven by a host loop, and the CPU algorithms in pareto.hpp against it.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "test_main.hpp"
#include "tradeoff/pareto.hpp"
#include "tradeoff/pareto_hd.hpp"

using tradeoff::index_t;
using tradeoff::rank_t;
namespace pareto = tradeoff::pareto;

namespace {

// The GPU ranking algorithm, run sequentially on the host over the shared bodies:
// counts = dominators per point; each step takes the points whose count reached zero
// (peel_take) and subtracts the new front's dominations (count_dominators_in).
template <class T>
std::vector<rank_t> kahn_ranks(const std::vector<T>& pts, index_t n, int m) {
  std::vector<rank_t> counts(n), ranks(n, -1), front;
  for (index_t i = 0; i < n; ++i) counts[i] = pareto::count_dominators(pts.data(), n, m, i);
  index_t done = 0;
  for (rank_t k = 0; done < n; ++k) {
    front.clear();
    for (index_t i = 0; i < n; ++i)
      if (pareto::peel_take(ranks.data(), counts.data(), i, k)) front.push_back(rank_t(i));
    if (front.empty()) return {};  // would loop forever: a bug
    done += index_t(front.size());
    for (index_t i = 0; i < n; ++i)
      if (ranks[i] < 0)
        counts[i] -= pareto::count_dominators_in(pts.data(), m, front.data(), index_t(front.size()), i);
  }
  return ranks;
}

template <class T>
std::vector<T> random_points(std::mt19937_64& gen, index_t n, int m, int kind) {
  std::vector<T> p(static_cast<size_t>(n * m));
  std::uniform_int_distribution<int> small(0, 3);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (index_t i = 0; i < n; ++i) {
    double norm = 0;
    for (int j = 0; j < m; ++j) {
      double v = kind == 0 ? small(gen) : kind == 1 ? unit(gen) : std::abs(normal(gen));
      if (kind == 3) v = double(i) + 0.5 * unit(gen);  // a chain
      p[i * m + j] = T(v);
      norm += v * v;
    }
    if (kind == 2)
      for (int j = 0; j < m; ++j) p[i * m + j] = T(p[i * m + j] / std::sqrt(norm + 1e-300));
  }
  return p;
}

}  // namespace

TEST(dominates_follows_the_definition) {
  const double a[] = {1, 2, 3}, b[] = {1, 2, 4}, c[] = {1, 2, 3}, d[] = {0, 5, 3};
  CHECK(pareto::dominates(a, b, 3));
  CHECK(!pareto::dominates(b, a, 3));
  CHECK(!pareto::dominates(a, c, 3));  // equal points do not dominate
  CHECK(!pareto::dominates(a, d, 3));
  CHECK(!pareto::dominates(d, a, 3));
  const double inf = std::numeric_limits<double>::infinity();
  const double e[] = {-inf, 0}, f[] = {0, inf};
  CHECK(pareto::dominates(e, f, 2));
}

TEST(lex_compare_orders_rows) {
  const float a[] = {1, 2}, b[] = {1, 3}, c[] = {0, 9};
  CHECK_EQ(pareto::lex_compare(a, b, 2), -1);
  CHECK_EQ(pareto::lex_compare(b, a, 2), 1);
  CHECK_EQ(pareto::lex_compare(a, a, 2), 0);
  CHECK_EQ(pareto::lex_compare(c, a, 2), -1);
}

TEST(counting_bodies_by_hand) {
  // (0,0) dominates all; (1,1) dominates (2,2); (0,2) and (2,0) dominate (2,2)
  const std::vector<double> p = {0, 0, 1, 1, 2, 2, 0, 2, 2, 0};
  CHECK_EQ(pareto::count_dominators(p.data(), 5, 2, 0), 0);
  CHECK_EQ(pareto::count_dominators(p.data(), 5, 2, 1), 1);
  CHECK_EQ(pareto::count_dominators(p.data(), 5, 2, 2), 4);
  CHECK(pareto::is_dominated(p.data(), 5, 2, 2));
  CHECK(!pareto::is_dominated(p.data(), 5, 2, 0));
  const rank_t front[] = {1, 3};
  CHECK_EQ(pareto::count_dominators_in(p.data(), 2, front, 2, 2), 2);
  rank_t ranks[] = {-1, 0};
  const rank_t counts[] = {0, 0};
  CHECK(pareto::peel_take(ranks, counts, 0, 3));
  CHECK_EQ(ranks[0], 3);
  CHECK(!pareto::peel_take(ranks, counts, 1, 3));  // already ranked
}

TEST(crowding_term_edge_cases) {
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(pareto::crowding_term(1.0, 3.0, 4.0) == 0.5);
  CHECK(pareto::crowding_term(1.0, 3.0, 0.0) == 0.0);
  CHECK(pareto::crowding_term(1.0, 3.0, inf) == 0.0);
  CHECK(pareto::crowding_term(1.0f, 2.0f, 2.0f) == 0.5f);
}

TEST(cpu_rank_equals_kahn_layering) {
  std::mt19937_64 gen(12345);
  int cases = 0;
  const auto defaults = pareto::detail::leaf_sizes();
  // default leaves, then leaves of one point so small inputs run every split and sweep
  for (size_t leaf : {size_t(0), size_t(1)}) {
  if (leaf) pareto::detail::leaf_sizes() = {leaf, leaf};
  for (int m = 1; m <= 8; ++m)
    for (int kind = 0; kind < 4; ++kind)
      for (index_t n : {0, 1, 2, 7, 30, 150, 600}) {
        auto p = random_points<double>(gen, n, m, kind);
        auto expected = kahn_ranks(p, n, m);
        std::vector<rank_t> got(n, -7);
        pareto::rank(p.data(), n, m, got.data());
        CHECK(got == expected);
        std::vector<std::uint8_t> mask(n, 9);
        pareto::nondominated(p.data(), n, m, mask.data());
        bool same = true;
        for (index_t i = 0; i < n; ++i) same = same && (mask[i] == (expected[i] == 0 ? 1 : 0));
        CHECK(same);
        ++cases;
      }
  }
  pareto::detail::leaf_sizes() = defaults;
  CHECK_EQ(cases, 2 * 8 * 4 * 7);
}

TEST(cpu_rank_float32) {
  std::mt19937_64 gen(7);
  for (int m = 2; m <= 5; ++m) {
    auto p = random_points<float>(gen, 400, m, 0);
    auto expected = kahn_ranks(p, 400, m);
    std::vector<rank_t> got(400);
    pareto::rank(p.data(), 400, m, got.data());
    CHECK(got == expected);
  }
}

TEST(crowding_by_hand) {
  const std::vector<double> p = {0, 4, 1, 2, 2, 1, 4, 0};
  const rank_t ranks[] = {0, 0, 0, 0};
  double out[4];
  pareto::crowding(p.data(), 4, 2, ranks, out);
  CHECK(std::isinf(out[0]) && std::isinf(out[3]));
  CHECK(out[1] == 1.25 && out[2] == 1.25);
}

TEST(threaded_divide_and_conquer_equals_serial) {
  // large enough for helper_b to hand subproblems to a second thread (kParallelMin)
  std::mt19937_64 gen(99);
  const int saved = tradeoff::num_threads();
  for (int m : {4, 5}) {
    for (int kind : {1, 2}) {
      const index_t n = 40000;
      auto p = random_points<double>(gen, n, m, kind);
      std::vector<rank_t> serial(n), threaded(n);
      tradeoff::set_num_threads(1);
      pareto::rank(p.data(), n, m, serial.data());
      tradeoff::set_num_threads(4);
      pareto::rank(p.data(), n, m, threaded.data());
      CHECK(serial == threaded);
    }
  }
  tradeoff::set_num_threads(saved);
}

TEST(staircase_beyond_its_flat_size) {
  // points on a plane, visited with y decreasing: every insertion lands at the staircase's
  // front and the staircase outgrows its flat arrays; a shifted copy forms front 1
  const index_t half = 3000;
  std::vector<double> p;
  std::mt19937_64 gen(5);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (index_t i = 0; i < half; ++i) {
    const double t = unit(gen);
    for (double shift : {0.0, 0.5}) {
      p.push_back(t + shift);
      p.push_back(1 - t + shift);
      p.push_back(t + shift);
    }
  }
  const index_t n = 2 * half;
  auto expected = kahn_ranks(p, n, 3);
  std::vector<rank_t> got(n);
  pareto::rank(p.data(), n, 3, got.data());
  CHECK(got == expected);
  rank_t top = 0;
  for (rank_t r : got) top = std::max(top, r);
  CHECK(top >= 1);
  std::vector<std::uint8_t> mask(n);
  pareto::nondominated(p.data(), n, 3, mask.data());
  bool same = true;
  for (index_t i = 0; i < n; ++i) same = same && (mask[i] == (expected[i] == 0 ? 1 : 0));
  CHECK(same);
}

TEST(crowding_groups_any_rank_values) {
  // ranks outside [0, n) (negative, or the UNRANKED sentinel) only name groups
  const std::vector<double> p = {0, 4, 1, 2, 2, 1, 4, 0, 9, 9};
  const rank_t ranks[] = {-3, -3, -3, -3, tradeoff::kUnranked};
  double out[5];
  pareto::crowding(p.data(), 5, 2, ranks, out);
  CHECK(std::isinf(out[0]) && std::isinf(out[3]) && std::isinf(out[4]));
  CHECK(out[1] == 1.25 && out[2] == 1.25);
}
