// Host tests of hv/contrib3d.hpp (exclusive hypervolume contributions in 3-D) against known
// answers and two independent oracles: a cell count on the grid of coordinate values (each
// cell dominated by exactly one point belongs to that point's contribution) and differences
// of full hypervolumes computed by a slow slice sweep.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "test_main.hpp"
#include "tradeoff/hv/contrib3d.hpp"
#include "tradeoff/numeric_hd.hpp"

using tradeoff::index_t;

namespace {

std::vector<double> contrib(const std::vector<double>& p, const double* ref) {
  const index_t n = index_t(p.size() / 3);
  std::vector<double> out(static_cast<size_t>(n), -1.0);
  tradeoff::hv::contributions3d(p.data(), n, ref, out.data());
  return out;
}

// Grid oracle: the distinct coordinate values (and ref) cut the box into cells; a cell whose
// lower corner is weakly dominated by exactly one point is volume only that point adds.
std::vector<double> grid_contrib(const std::vector<double>& p, const double* ref) {
  const size_t n = p.size() / 3;
  std::vector<double> axis[3];
  for (int j = 0; j < 3; ++j) {
    for (size_t i = 0; i < n; ++i) axis[j].push_back(p[3 * i + j]);
    axis[j].push_back(ref[j]);
    std::sort(axis[j].begin(), axis[j].end());
    axis[j].erase(std::unique(axis[j].begin(), axis[j].end()), axis[j].end());
  }
  std::vector<tradeoff::CompensatedSum> acc(n);
  for (size_t a = 0; a + 1 < axis[0].size(); ++a)
    for (size_t b = 0; b + 1 < axis[1].size(); ++b)
      for (size_t c = 0; c + 1 < axis[2].size(); ++c) {
        const double cx = axis[0][a], cy = axis[1][b], cz = axis[2][c];
        size_t count = 0, who = 0;
        for (size_t i = 0; i < n && count < 2; ++i)
          if (p[3 * i] <= cx && p[3 * i + 1] <= cy && p[3 * i + 2] <= cz) ++count, who = i;
        if (count == 1)
          acc[who].add((axis[0][a + 1] - cx) * (axis[1][b + 1] - cy) * (axis[2][c + 1] - cz));
      }
  std::vector<double> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = acc[i].value();
  return out;
}

// Slow hypervolume: for each z slab, the 2-D area of the points at or below it.
double slow_volume(const std::vector<double>& p, const double* ref) {
  const size_t n = p.size() / 3;
  std::vector<double> zs;
  for (size_t i = 0; i < n; ++i) zs.push_back(p[3 * i + 2]);
  zs.push_back(ref[2]);
  std::sort(zs.begin(), zs.end());
  zs.erase(std::unique(zs.begin(), zs.end()), zs.end());
  tradeoff::CompensatedSum vol;
  for (size_t k = 0; k + 1 < zs.size(); ++k) {
    std::vector<std::pair<double, double>> pts;
    for (size_t i = 0; i < n; ++i)
      if (p[3 * i + 2] <= zs[k]) pts.push_back({p[3 * i], p[3 * i + 1]});
    std::sort(pts.begin(), pts.end());
    // the staircase: points (by x, then y) that lower the running minimum of y
    std::vector<std::pair<double, double>> stair;
    for (const auto& q : pts)
      if (stair.empty() || q.second < stair.back().second) stair.push_back(q);
    tradeoff::CompensatedSum area;
    for (size_t i = 0; i < stair.size(); ++i) {
      const double xe = i + 1 < stair.size() ? stair[i + 1].first : ref[0];
      area.add((xe - stair[i].first) * (ref[1] - stair[i].second));
    }
    vol.add(area.value() * (zs[k + 1] - zs[k]));
  }
  return vol.value();
}

std::vector<double> random_points(std::mt19937_64& gen, size_t n, int kind) {
  std::vector<double> p(3 * n);
  std::uniform_int_distribution<int> small(0, 3);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (size_t i = 0; i < n; ++i) {
    double v[3], norm = 0;
    for (int j = 0; j < 3; ++j) {
      v[j] = kind == 0 ? small(gen) : kind == 1 ? unit(gen) : std::abs(normal(gen));
      norm += v[j] * v[j];
    }
    for (int j = 0; j < 3; ++j) p[3 * i + j] = kind == 2 ? v[j] / std::sqrt(norm + 1e-300) : v[j];
  }
  return p;
}

bool close_rel(const std::vector<double>& a, const std::vector<double>& b, double scale,
               double tol) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!(std::abs(a[i] - b[i]) <= tol * scale)) return false;
  return true;
}

}  // namespace

TEST(contrib3d_empty_and_single) {
  const double ref[] = {1, 1, 1};
  tradeoff::hv::contributions3d(nullptr, 0, ref, nullptr);  // no-op
  const std::vector<double> one = {0.5, 0.25, 0.0};
  const auto c = contrib(one, ref);
  CHECK_EQ(c[0], 0.5 * 0.75 * 1.0);
}

TEST(contrib3d_two_overlapping_boxes) {
  // Boxes [0,2]x[1,2]x[0,2] (point a) and [1,2]x[0,2]x[0,2] (point b) overlap in
  // [1,2]x[1,2]x[0,2]: each contributes its volume minus 2.
  const double ref[] = {2, 2, 2};
  const std::vector<double> p = {0, 1, 0, 1, 0, 0};
  const auto c = contrib(p, ref);
  CHECK_EQ(c[0], 4.0 - 2.0);
  CHECK_EQ(c[1], 4.0 - 2.0);
  // The same with different heights: a starts at z = 1.
  const std::vector<double> p2 = {0, 1, 1, 1, 0, 0};
  const auto c2 = contrib(p2, ref);
  CHECK_EQ(c2[0], 2.0 * 1.0 * 1.0 - 1.0 * 1.0 * 1.0);             // 2 - overlap 1
  CHECK_EQ(c2[1], 1.0 * 2.0 * 2.0 - 1.0 * 1.0 * 1.0);             // 4 - overlap 1
}

TEST(contrib3d_duplicates_and_dominated_are_zero) {
  const double ref[] = {4, 4, 4};
  // two copies of (1,1,1), a dominated point, and a point dominated only in 2-D
  const std::vector<double> p = {1, 1, 1, 2, 2, 2, 1, 1, 1, 0, 3, 3, 1.5, 1.5, 0.5};
  const auto c = contrib(p, ref);
  const auto g = grid_contrib(p, ref);
  CHECK_EQ(c[0], 0.0);
  CHECK_EQ(c[2], 0.0);
  CHECK_EQ(c[1], 0.0);
  for (size_t i = 0; i < c.size(); ++i) CHECK_EQ(c[i], g[i]);
  // (1.5, 1.5, 0.5) alone below z = 1 and not dominated: its slab [0.5, 1) is exclusive.
  CHECK(c[4] > 0.0);
}

TEST(contrib3d_projection_dominated_points) {
  // A point dominated in (x, y) by an earlier point but lower in z, and points inside the
  // boxes of staircase points only in projection.
  const double ref[] = {10, 10, 10};
  const std::vector<double> p = {1, 1, 5, 2, 2, 1, 3, 1.5, 2, 1.5, 3, 3, 0, 9, 9, 9, 0, 9};
  const auto c = contrib(p, ref);
  const auto g = grid_contrib(p, ref);
  for (size_t i = 0; i < c.size(); ++i) CHECK_EQ(c[i], g[i]);
}

TEST(contrib3d_integer_grid_sets_match_cell_count_exactly) {
  std::mt19937_64 gen(42);
  for (int trial = 0; trial < 600; ++trial) {
    const size_t n = 1 + gen() % 24;
    auto p = random_points(gen, n, 0);
    const double ref[] = {4, 4, 4};
    const auto c = contrib(p, ref);
    const auto g = grid_contrib(p, ref);
    for (size_t i = 0; i < n; ++i) CHECK_EQ(c[i], g[i]);  // integers: exact
  }
}

TEST(contrib3d_wider_integer_grids_match) {
  std::mt19937_64 gen(7);
  std::uniform_int_distribution<int> v(0, 9);
  for (int trial = 0; trial < 150; ++trial) {
    const size_t n = 1 + gen() % 40;
    std::vector<double> p(3 * n);
    for (auto& x : p) x = v(gen);
    // some exact duplicates of earlier rows
    for (size_t i = 1; i < n; ++i)
      if (gen() % 5 == 0) {
        const size_t j = gen() % i;
        for (int d = 0; d < 3; ++d) p[3 * i + d] = p[3 * j + d];
      }
    const double ref[] = {10, 11, 12};
    const auto c = contrib(p, ref);
    const auto g = grid_contrib(p, ref);
    for (size_t i = 0; i < n; ++i) CHECK_EQ(c[i], g[i]);
  }
}

TEST(contrib3d_real_sets_match_cell_count) {
  std::mt19937_64 gen(3);
  for (int trial = 0; trial < 200; ++trial) {
    const size_t n = 1 + gen() % 30;
    const int kind = 1 + int(gen() % 2);
    auto p = random_points(gen, n, kind);
    const double ref[] = {1.1, 1.1, 1.1};
    const auto c = contrib(p, ref);
    const auto g = grid_contrib(p, ref);
    CHECK(close_rel(c, g, 1.331, 1e-14));
  }
}

TEST(contrib3d_equals_volume_differences) {
  // HV(P) - HV(P without i) by a slow slice sweep, on nondominated and mixed sets of 200.
  std::mt19937_64 gen(11);
  for (int kind = 1; kind <= 2; ++kind) {
    const size_t n = 200;
    auto p = random_points(gen, n, kind);
    const double ref[] = {1.1, 1.1, 1.1};
    const auto c = contrib(p, ref);
    const double all = slow_volume(p, ref);
    for (size_t i = 0; i < n; i += 7) {
      std::vector<double> q;
      for (size_t j = 0; j < n; ++j)
        if (j != i) q.insert(q.end(), p.begin() + 3 * j, p.begin() + 3 * j + 3);
      const double diff = all - slow_volume(q, ref);
      CHECK(std::abs(diff - c[i]) <= 1e-13 * all);
    }
  }
}

TEST(contrib3d_permutation_and_power_of_two_scaling) {
  std::mt19937_64 gen(5);
  for (int trial = 0; trial < 50; ++trial) {
    const size_t n = 1 + gen() % 300;
    auto p = random_points(gen, n, trial % 3);
    const double ref[] = {4, 4, 4};
    const auto c = contrib(p, ref);
    // permuted rows
    std::vector<size_t> perm(n);
    std::iota(perm.begin(), perm.end(), size_t(0));
    std::shuffle(perm.begin(), perm.end(), gen);
    std::vector<double> q(3 * n);
    for (size_t i = 0; i < n; ++i)
      for (int d = 0; d < 3; ++d) q[3 * i + d] = p[3 * perm[i] + d];
    const auto cq = contrib(q, ref);
    for (size_t i = 0; i < n; ++i) CHECK(std::abs(cq[i] - c[perm[i]]) <= 1e-13 * 64);
    // scale x by 2, y by 4, z by 1/2 (exact): contributions scale by 4 exactly
    std::vector<double> s(p);
    for (size_t i = 0; i < n; ++i) s[3 * i] *= 2, s[3 * i + 1] *= 4, s[3 * i + 2] *= 0.5;
    const double sref[] = {8, 16, 2};
    const auto cs = contrib(s, sref);
    for (size_t i = 0; i < n; ++i) CHECK_EQ(cs[i], 4 * c[i]);
  }
}

TEST(contrib3d_large_integer_sets_equal_volume_differences_exactly) {
  // Integer coordinates: every volume and contribution is an integer well below 2^53, so
  // the contributions of a 3000-point set with many ties, duplicates and dominated points
  // must equal the differences of full volumes exactly (checked for a few points).
  std::mt19937_64 gen(9);
  std::uniform_int_distribution<int> v(0, 50);
  const size_t n = 3000;
  std::vector<double> p(3 * n);
  for (auto& x : p) x = v(gen);
  const double ref[] = {51, 51, 51};
  const auto c = contrib(p, ref);
  const double all = slow_volume(p, ref);
  for (size_t i = 0; i < n; i += 499) {
    std::vector<double> q;
    for (size_t j = 0; j < n; ++j)
      if (j != i) q.insert(q.end(), p.begin() + 3 * j, p.begin() + 3 * j + 3);
    CHECK_EQ(c[i], all - slow_volume(q, ref));
  }
  for (double x : c) CHECK(x >= 0.0);
}

TEST(contrib3d_negative_coordinates_and_signed_zero) {
  // Shifting every coordinate and ref by the same power-of-two-friendly amount changes
  // nothing; -0.0 and +0.0 are the same value.
  std::mt19937_64 gen(13);
  for (int trial = 0; trial < 100; ++trial) {
    const size_t n = 1 + gen() % 30;
    auto p = random_points(gen, n, 0);  // integers 0..3
    const double ref[] = {4, 4, 4};
    const auto c = contrib(p, ref);
    std::vector<double> s(p);
    for (auto& x : s) x = x == 2 ? -0.0 : x - 2;  // 2 -> -0.0, everything else shifted by -2
    const double sref[] = {2, 2, 2};
    const auto cs = contrib(s, sref);
    for (size_t i = 0; i < n; ++i) CHECK_EQ(cs[i], c[i]);
  }
}

TEST(contrib3d_wide_index_instantiation_matches) {
  // The int64 instantiation (used only for n >= 2^31 - 2) on small sets.
  std::mt19937_64 gen(17);
  for (int trial = 0; trial < 100; ++trial) {
    const size_t n = 1 + gen() % 200;
    auto p = random_points(gen, n, trial % 3);
    const double ref[] = {4, 4, 4};
    const auto c = contrib(p, ref);
    std::vector<double> w(n);
    tradeoff::hv::detail_contrib3d::contributions3d<std::int64_t>(p.data(), std::int64_t(n), ref,
                                                                 w.data());
    for (size_t i = 0; i < n; ++i) CHECK_EQ(w[i], c[i]);
  }
}

TEST(contrib3d_radix_sizes_with_ties_match_cell_count) {
  // Sizes that take the 8-bit and the 11-bit radix sorts, on a coarse grid (many ties in
  // x, y and z) checked against the cell count (the grid keeps it cheap: at most 6^3 cells).
  std::mt19937_64 gen(19);
  std::uniform_int_distribution<int> v(0, 5);
  for (size_t n : {size_t(64), size_t(500), size_t(2047), size_t(2048), size_t(5000)}) {
    std::vector<double> p(3 * n);
    for (auto& x : p) x = v(gen) * 0.25;
    const double ref[] = {1.5, 1.5, 1.5};
    const auto c = contrib(p, ref);
    const auto g = grid_contrib(p, ref);
    for (size_t i = 0; i < n; ++i) CHECK_EQ(c[i], g[i]);
  }
  // and on continuous data, against differences of volumes for a few points
  for (size_t n : {size_t(3000)}) {
    auto p = random_points(gen, n, 2);
    const double ref[] = {1.1, 1.1, 1.1};
    const auto c = contrib(p, ref);
    const double all = slow_volume(p, ref);
    for (size_t i = 0; i < n; i += 601) {
      std::vector<double> q;
      for (size_t j = 0; j < n; ++j)
        if (j != i) q.insert(q.end(), p.begin() + 3 * j, p.begin() + 3 * j + 3);
      CHECK(std::abs(all - slow_volume(q, ref) - c[i]) <= 1e-13 * all);
    }
  }
}
