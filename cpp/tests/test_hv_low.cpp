// Host tests of tradeoff/hv/low.hpp (m = 1, 2, 3) and the dispatcher in hypervolume.hpp:
// the rank set against std::set, volumes and 2-D contributions against inclusion-exclusion
// on integer sets with ties, duplicates and dominated points.
#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "test_main.hpp"
#include "tradeoff/hv/low.hpp"
#include "tradeoff/hypervolume.hpp"

using tradeoff::index_t;

namespace {

// Inclusion-exclusion over the subsets of the points strictly below ref (n <= 12).
double brute_volume(const std::vector<double>& p, int m, const std::vector<double>& ref) {
  std::vector<const double*> in;
  for (size_t i = 0; i < p.size() / size_t(m); ++i) {
    bool inside = true;
    for (int j = 0; j < m; ++j) inside = inside && p[i * m + j] < ref[size_t(j)];
    if (inside) in.push_back(&p[i * m]);
  }
  double total = 0.0;
  const size_t k = in.size();
  for (size_t mask = 1; mask < (size_t(1) << k); ++mask) {
    double vol = 1.0;
    int bits = 0;
    for (int j = 0; j < m; ++j) {
      double corner = -INFINITY;
      for (size_t i = 0; i < k; ++i) {
        if (mask >> i & 1) corner = std::max(corner, in[i][j]);
      }
      vol *= ref[size_t(j)] - corner;
    }
    for (size_t i = 0; i < k; ++i) bits += int(mask >> i & 1);
    total += (bits % 2 ? 1.0 : -1.0) * vol;
  }
  return total;
}

std::vector<double> random_grid(std::mt19937& g, size_t n, int m, int hi) {
  std::vector<double> p(n * size_t(m));
  for (auto& v : p) v = double(g() % unsigned(hi + 1));
  return p;
}

}  // namespace

TEST(rank_set_matches_std_set) {
  std::mt19937 g(1);
  for (int trial = 0; trial < 100; ++trial) {
    const size_t n = 1 + g() % 5000;
    tradeoff::RankSet rs(n);
    std::set<size_t> ref;
    for (int op = 0; op < 2000; ++op) {
      const size_t r = g() % n;
      switch (g() % 4) {
        case 0: rs.insert(r); ref.insert(r); break;
        case 1: rs.erase(r); ref.erase(r); break;
        case 2: {
          auto it = ref.lower_bound(r);
          CHECK_EQ(rs.pred(r), it == ref.begin() ? -1 : std::int64_t(*std::prev(it)));
          break;
        }
        default: {
          auto it = ref.upper_bound(r);
          CHECK_EQ(rs.succ(r), it == ref.end() ? -1 : std::int64_t(*it));
        }
      }
    }
  }
}

TEST(volumes_match_inclusion_exclusion) {
  std::mt19937 g(2);
  for (int m = 1; m <= 5; ++m) {
    for (int trial = 0; trial < 300; ++trial) {
      const size_t n = g() % 11;
      const auto p = random_grid(g, n, m, 4);
      const std::vector<double> ref(size_t(m), 4.0);
      CHECK_EQ(tradeoff::hv::volume(p.data(), index_t(n), m, ref.data()), brute_volume(p, m, ref));
    }
  }
}

TEST(contributions_are_volume_differences) {
  std::mt19937 g(3);
  for (int m = 1; m <= 4; ++m) {
    for (int trial = 0; trial < 200; ++trial) {
      const size_t n = g() % 10;
      const auto p = random_grid(g, n, m, 4);
      const std::vector<double> ref(size_t(m), 4.0);
      std::vector<double> out(n);
      tradeoff::hv::contributions(p.data(), index_t(n), m, ref.data(), out.data());
      const double all = brute_volume(p, m, ref);
      for (size_t i = 0; i < n; ++i) {
        std::vector<double> rest(p);
        rest.erase(rest.begin() + long(i) * m, rest.begin() + long(i + 1) * m);
        CHECK_EQ(out[i], all - brute_volume(rest, m, ref));
      }
    }
  }
}

TEST(minus_inf_inside_makes_the_volume_infinite) {
  const std::vector<double> p = {0.5, 0.5, 0.5, -INFINITY, 0.0, 0.0};
  const std::vector<double> ref = {1.0, 1.0, 1.0};
  CHECK(std::isinf(tradeoff::hv::volume(p.data(), 2, 3, ref.data())));
  std::vector<double> out(2);
  tradeoff::hv::contributions(p.data(), 2, 3, ref.data(), out.data());
  CHECK(std::isnan(out[0]) && std::isnan(out[1]));
}

TEST(compensated_sum_keeps_small_terms) {
  tradeoff::CompensatedSum s;
  s.add(1.0);
  for (int i = 0; i < 1000; ++i) s.add(1e-17);
  CHECK(s.value() > 1.0);
  tradeoff::CompensatedSum inf;
  inf.add(1.0);
  inf.add(INFINITY);
  CHECK(std::isinf(inf.value()));
}

TEST(two_thread_split_equals_one_thread_on_integer_sets) {
  // m >= 5 problems of 150+ points are split along the last objective over two threads;
  // integer sets with many ties across the split must give the exact same volume.
  std::mt19937 g(4);
  const int saved = tradeoff::num_threads();
  for (int m = 5; m <= 6; ++m) {
    for (int trial = 0; trial < 10; ++trial) {
      const size_t n = 150 + g() % 200;
      const auto p = random_grid(g, n, m, 3);
      const std::vector<double> ref(size_t(m), 4.0);
      tradeoff::set_num_threads(2);
      const double two = tradeoff::hv::volume(p.data(), index_t(n), m, ref.data());
      tradeoff::set_num_threads(1);
      const double one = tradeoff::hv::volume(p.data(), index_t(n), m, ref.data());
      CHECK_EQ(two, one);
    }
  }
  tradeoff::set_num_threads(saved);
}
