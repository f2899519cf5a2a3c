// Host tests of hv/wfg.hpp (volume_wfg, contributions_wfg): known answers, inclusion-exclusion
// over subsets (n <= 12, m = 5..7, and m = 70 for the path past 64 objectives), a plain slicing
// recursion on random sets with many ties, duplicates and dominated points, invariances on
// larger fronts, and contributions against HV(P) - HV(P without i).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "test_main.hpp"
#include "tradeoff/hv/wfg.hpp"

using tradeoff::index_t;
namespace hv = tradeoff::hv;

namespace {

using Points = std::vector<double>;

// Inclusion-exclusion over the non-empty subsets: sum of (-1)^(|S|+1) vol([max S, ref)).
double volume_ie(const Points& p, index_t n, int m, const std::vector<double>& ref) {
  double total = 0.0;
  std::vector<double> hi(static_cast<size_t>(m));
  for (std::uint32_t mask = 1; mask < (std::uint32_t(1) << n); ++mask) {
    std::fill(hi.begin(), hi.end(), -INFINITY);
    int bits = 0;
    for (index_t i = 0; i < n; ++i) {
      if (!(mask >> i & 1u)) continue;
      ++bits;
      for (int c = 0; c < m; ++c) hi[size_t(c)] = std::max(hi[size_t(c)], p[size_t(i * m + c)]);
    }
    double v = 1.0;
    for (int c = 0; c < m; ++c) v *= ref[size_t(c)] - hi[size_t(c)];
    total += (bits % 2 == 1) ? v : -v;
  }
  return total;
}

// The slicing recursion (HSO): sort by the last objective; each slab between consecutive values
// is covered by the (m-1)-objective volume of the points at or below it. Obviously right, slow.
double volume_slice(Points p, index_t n, int m, const double* ref) {
  if (n == 0) return 0.0;
  if (m == 1) {
    double best = ref[0];
    for (index_t i = 0; i < n; ++i) best = std::min(best, p[size_t(i)]);
    return ref[0] - best;
  }
  std::vector<index_t> order(static_cast<size_t>(n));
  for (index_t i = 0; i < n; ++i) order[size_t(i)] = i;
  std::sort(order.begin(), order.end(), [&](index_t a, index_t b) {
    return p[size_t(a * m + m - 1)] < p[size_t(b * m + m - 1)];
  });
  double total = 0.0;
  Points below;
  for (size_t t = 0; t < order.size(); ++t) {
    const index_t i = order[t];
    below.insert(below.end(), p.begin() + i * m, p.begin() + i * m + m - 1);
    const double z = p[size_t(i * m + m - 1)];
    const double z_next = t + 1 < order.size() ? p[size_t(order[t + 1] * m + m - 1)] : ref[m - 1];
    if (z_next > z) total += (z_next - z) * volume_slice(below, index_t(t + 1), m - 1, ref);
  }
  return total;
}

Points random_points(std::mt19937_64& gen, index_t n, int m, int kind) {
  Points p(static_cast<size_t>(n * m));
  std::uniform_int_distribution<int> grid(0, 3);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (index_t i = 0; i < n; ++i) {
    double norm = 0.0;
    for (int c = 0; c < m; ++c) {
      double v = kind == 0 ? grid(gen) : kind == 1 ? unit(gen) : std::abs(normal(gen));
      p[size_t(i * m + c)] = v;
      norm += v * v;
    }
    if (kind == 2)  // on the positive unit sphere: a front
      for (int c = 0; c < m; ++c) p[size_t(i * m + c)] /= std::sqrt(norm) + 1e-300;
  }
  return p;
}

std::vector<double> ref_for(int kind, int m) {
  return std::vector<double>(static_cast<size_t>(m), kind == 0 ? 4.0 : 1.1);
}

bool close(double a, double b, double rel = 1e-12) {
  return std::abs(a - b) <= rel * std::max({std::abs(a), std::abs(b), 1e-300});
}

std::vector<double> contributions_by_removal(const Points& p, index_t n, int m,
                                             const std::vector<double>& ref) {
  const double all = volume_slice(p, n, m, ref.data());
  std::vector<double> out(static_cast<size_t>(n));
  for (index_t i = 0; i < n; ++i) {
    Points rest;
    for (index_t j = 0; j < n; ++j)
      if (j != i) rest.insert(rest.end(), p.begin() + j * m, p.begin() + j * m + m);
    out[size_t(i)] = all - volume_slice(rest, n - 1, m, ref.data());
  }
  return out;
}

}  // namespace

TEST(wfg_empty_and_single) {
  const std::vector<double> ref(6, 2.0);
  CHECK_EQ(hv::volume_wfg(nullptr, 0, 6, ref.data()), 0.0);
  hv::contributions_wfg(nullptr, 0, 6, ref.data(), nullptr);  // nothing to write, no crash
  const Points one = {0.5, 1.0, 1.5, 0.0, 1.0, 1.9};
  const double box = 1.5 * 1.0 * 0.5 * 2.0 * 1.0 * 0.1;
  CHECK(close(hv::volume_wfg(one.data(), 1, 6, ref.data()), box));
  double c = -1.0;
  hv::contributions_wfg(one.data(), 1, 6, ref.data(), &c);
  CHECK(close(c, box));
}

TEST(wfg_one_objective) {
  const double ref = 5.0;
  const Points p = {3.0, 1.0, 2.0, 1.0};
  CHECK_EQ(hv::volume_wfg(p.data(), 4, 1, &ref), 4.0);
  std::vector<double> c(4, -1.0);
  hv::contributions_wfg(p.data(), 4, 1, &ref, c.data());
  for (double v : c) CHECK_EQ(v, 0.0);  // the best value is held twice
  hv::contributions_wfg(p.data(), 3, 1, &ref, c.data());
  CHECK_EQ(c[1], 1.0);  // 1 alone is best, up to the next value 2
  CHECK_EQ(c[0], 0.0);
  CHECK_EQ(c[2], 0.0);
}

TEST(wfg_two_boxes_inclusion_exclusion) {
  // vol(a) + vol(b) - vol(max(a, b)) in 5 objectives, reference point 10
  const Points p = {1, 2, 3, 4, 5, 5, 4, 3, 2, 1};
  const std::vector<double> ref(5, 10.0);
  const double a = 9.0 * 8 * 7 * 6 * 5, b = 5.0 * 6 * 7 * 8 * 9, both = 5.0 * 6 * 7 * 6 * 5;
  CHECK_EQ(hv::volume_wfg(p.data(), 2, 5, ref.data()), a + b - both);
  std::vector<double> c(2);
  hv::contributions_wfg(p.data(), 2, 5, ref.data(), c.data());
  CHECK_EQ(c[0], a - both);
  CHECK_EQ(c[1], b - both);
}

TEST(wfg_grid_points_exact) {
  // points of an integer grid: every volume is an integer, computed exactly
  std::mt19937_64 gen(7);
  for (int m = 5; m <= 7; ++m) {
    for (int rep = 0; rep < 20; ++rep) {
      const index_t n = 1 + index_t(rep % 12);
      const Points p = random_points(gen, n, m, 0);
      const std::vector<double> ref = ref_for(0, m);
      CHECK_EQ(hv::volume_wfg(p.data(), n, m, ref.data()), volume_ie(p, n, m, ref));
    }
  }
}

TEST(wfg_against_inclusion_exclusion) {
  std::mt19937_64 gen(11);
  for (int m = 5; m <= 7; ++m) {
    for (int kind = 1; kind <= 2; ++kind) {
      for (index_t n = 1; n <= 12; ++n) {
        const Points p = random_points(gen, n, m, kind);
        const std::vector<double> ref = ref_for(kind, m);
        const double want = volume_ie(p, n, m, ref);
        const double got = hv::volume_wfg(p.data(), n, m, ref.data());
        CHECK(close(got, want, 1e-10));  // inclusion-exclusion itself cancels heavily
      }
    }
  }
}

TEST(wfg_many_objectives_inclusion_exclusion) {
  // m = 10 (runtime-width kernels) and m = 70 (the path past 64 objectives)
  std::mt19937_64 gen(13);
  for (int m : {10, 70}) {
    for (int kind = 0; kind <= 2; ++kind) {
      for (index_t n = 1; n <= 6; ++n) {
        const Points p = random_points(gen, n, m, kind);
        const std::vector<double> ref = ref_for(kind, m);
        const double want = volume_ie(p, n, m, ref);
        CHECK(close(hv::volume_wfg(p.data(), n, m, ref.data()), want, 1e-10));
        std::vector<double> c(static_cast<size_t>(n));
        hv::contributions_wfg(p.data(), n, m, ref.data(), c.data());
        for (index_t i = 0; i < n; ++i) {
          Points rest;
          for (index_t j = 0; j < n; ++j)
            if (j != i) rest.insert(rest.end(), p.begin() + j * m, p.begin() + j * m + m);
          const double ci = want - volume_ie(rest, n - 1, m, ref);
          CHECK(std::abs(c[size_t(i)] - ci) <= 1e-10 * std::max(want, 1e-300));
        }
      }
    }
  }
}

TEST(wfg_against_slicing_with_ties) {
  // integer coordinates in 0..3: ties everywhere, duplicates and dominated points
  std::mt19937_64 gen(17);
  for (int m = 2; m <= 6; ++m) {
    for (int rep = 0; rep < 60; ++rep) {
      const index_t n = index_t(rep % 25);
      const Points p = random_points(gen, n, m, rep % 3 == 0 ? 1 : 0);
      const std::vector<double> ref = ref_for(rep % 3 == 0 ? 1 : 0, m);
      const double want = volume_slice(p, n, m, ref.data());
      const double got = hv::volume_wfg(p.data(), n, m, ref.data());
      if (rep % 3 == 0) {
        CHECK(close(got, want));
      } else {
        CHECK_EQ(got, want);  // integers: exact
      }
    }
  }
}

TEST(wfg_fronts_against_slicing) {
  std::mt19937_64 gen(19);
  for (int m = 3; m <= 6; ++m) {
    const index_t n = m <= 4 ? 60 : (m == 5 ? 40 : 22);
    for (int rep = 0; rep < 3; ++rep) {
      const Points p = random_points(gen, n, m, 2);
      const std::vector<double> ref = ref_for(2, m);
      CHECK(close(hv::volume_wfg(p.data(), n, m, ref.data()), volume_slice(p, n, m, ref.data())));
    }
  }
}

TEST(wfg_contributions_against_removal) {
  std::mt19937_64 gen(23);
  for (int m = 2; m <= 6; ++m) {
    for (int rep = 0; rep < 24; ++rep) {
      const int kind = rep % 3;
      const index_t n = 1 + index_t(rep % (m <= 4 ? 16 : 10));
      Points p = random_points(gen, n, m, kind);
      if (n >= 3 && rep % 2 == 0)  // a copy of point 0 and a point it dominates
        for (int c = 0; c < m; ++c) {
          p[size_t(1 * m + c)] = p[size_t(c)];
          p[size_t(2 * m + c)] = std::min(p[size_t(c)] + 0.5, ref_for(kind, m)[0] - 0.01);
        }
      const std::vector<double> ref = ref_for(kind, m);
      std::vector<double> got(static_cast<size_t>(n));
      hv::contributions_wfg(p.data(), n, m, ref.data(), got.data());
      const std::vector<double> want = contributions_by_removal(p, n, m, ref);
      const double scale = volume_slice(p, n, m, ref.data());
      for (index_t i = 0; i < n; ++i)
        CHECK(std::abs(got[size_t(i)] - want[size_t(i)]) <= 1e-12 * scale);
      if (n >= 3 && rep % 2 == 0) {
        CHECK_EQ(got[0], 0.0);  // duplicates share their volume: each adds nothing alone
        CHECK_EQ(got[1], 0.0);
        CHECK_EQ(got[2], 0.0);  // dominated
      }
    }
  }
}

TEST(wfg_large_front_uses_every_base_case) {
  // n = 2500 at m = 5: limit sets large enough for volume4d and volume3d to take part; the
  // volume is invariant under rotating the objectives (each rotation recurses differently),
  // below the reference box, and grows when points are added
  std::mt19937_64 gen(31);
  const int m = 5;
  const index_t n = 2500;
  const Points p = random_points(gen, n, m, 2);
  const std::vector<double> ref = ref_for(2, m);
  const double base = hv::volume_wfg(p.data(), n, m, ref.data());
  CHECK(base > 0.0 && base < std::pow(1.1, m));
  for (int shift = 1; shift < m; ++shift) {
    Points rot(p.size());
    for (index_t i = 0; i < n; ++i)
      for (int c = 0; c < m; ++c) rot[size_t(i * m + c)] = p[size_t(i * m + (c + shift) % m)];
    CHECK(close(hv::volume_wfg(rot.data(), n, m, ref.data()), base, 1e-12));
  }
  const double fewer = hv::volume_wfg(p.data(), n - 500, m, ref.data());
  CHECK(fewer < base);
}

TEST(wfg_invariances_on_larger_fronts) {
  // permuting objectives, duplicating points and adding dominated ones change nothing; a
  // positive per-objective scaling scales the volume
  std::mt19937_64 gen(29);
  for (int m = 5; m <= 7; ++m) {
    const index_t n = m == 5 ? 300 : (m == 6 ? 120 : 50);
    const Points p = random_points(gen, n, m, 2);
    const std::vector<double> ref = ref_for(2, m);
    const double base = hv::volume_wfg(p.data(), n, m, ref.data());
    CHECK(base > 0.0);
    Points rot(p.size());  // objectives rotated by one
    std::vector<double> rref(ref.size());
    for (index_t i = 0; i < n; ++i)
      for (int c = 0; c < m; ++c) rot[size_t(i * m + c)] = p[size_t(i * m + (c + 1) % m)];
    for (int c = 0; c < m; ++c) rref[size_t(c)] = ref[size_t((c + 1) % m)];
    CHECK(close(hv::volume_wfg(rot.data(), n, m, rref.data()), base, 1e-12));
    Points more = p;  // copies of the first 20 points and points they dominate
    for (index_t i = 0; i < 20; ++i) {
      more.insert(more.end(), p.begin() + i * m, p.begin() + i * m + m);
      for (int c = 0; c < m; ++c) more.push_back(std::min(p[size_t(i * m + c)] + 0.05, 1.09));
    }
    CHECK(close(hv::volume_wfg(more.data(), n + 40, m, ref.data()), base, 1e-12));
    Points scaled = p;
    std::vector<double> sref = ref;
    double factor = 1.0;
    for (int c = 0; c < m; ++c) {
      const double f = 0.5 + c;
      factor *= f;
      sref[size_t(c)] *= f;
      for (index_t i = 0; i < n; ++i) scaled[size_t(i * m + c)] *= f;
    }
    CHECK(close(hv::volume_wfg(scaled.data(), n, m, sref.data()), base * factor, 1e-12));
    // removing a point loses exactly its contribution
    std::vector<double> contrib(static_cast<size_t>(n));
    hv::contributions_wfg(p.data(), n, m, ref.data(), contrib.data());
    for (index_t i : {index_t(0), n / 2, n - 1}) {
      Points rest;
      for (index_t j = 0; j < n; ++j)
        if (j != i) rest.insert(rest.end(), p.begin() + j * m, p.begin() + j * m + m);
      const double without = hv::volume_wfg(rest.data(), n - 1, m, ref.data());
      CHECK(std::abs(base - without - contrib[size_t(i)]) <= 1e-12 * base);
    }
  }
}

TEST(wfg_threads_do_not_share_scratch) {
  // each thread keeps its own workspace: concurrent calls give the serial answers
  std::mt19937_64 gen(37);
  std::vector<Points> sets;
  std::vector<double> serial;
  const std::vector<double> ref = ref_for(2, 6);
  for (int t = 0; t < 4; ++t) {
    sets.push_back(random_points(gen, 60 + 20 * t, 6, 2));
    serial.push_back(hv::volume_wfg(sets.back().data(), 60 + 20 * t, 6, ref.data()));
  }
  std::vector<double> got(4, 0.0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 5; ++rep)
        got[size_t(t)] = hv::volume_wfg(sets[size_t(t)].data(), 60 + 20 * t, 6, ref.data());
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) CHECK_EQ(got[size_t(t)], serial[size_t(t)]);
}
