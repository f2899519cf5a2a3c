// Host tests of the four-objective kernels in hv/hv4d.hpp: volume4d and contributions4d
// against known answers, against a brute-force cell count (exact on integer coordinates),
// against a slicing oracle on larger sets, and against the definition of a contribution
// (HV(P) - HV(P without the point)); plus the internal pieces (scan passes, rank widths).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "test_main.hpp"
#include "tradeoff/hv/hv4d.hpp"

using tradeoff::index_t;
namespace hv = tradeoff::hv;
namespace d4 = tradeoff::hv::detail4d;

namespace {

using Points = std::vector<double>;  // row-major n x 4

index_t count(const Points& p) { return index_t(p.size() / 4); }

Points without(const Points& p, index_t i) {
  Points q;
  for (index_t r = 0; r < count(p); ++r)
    if (r != i) q.insert(q.end(), p.begin() + r * 4, p.begin() + r * 4 + 4);
  return q;
}

// Exact volume by cells of the grid of all coordinates: O(n^5), for n <= ~14. Exact on
// integer coordinates (every cell volume and sum is a small integer).
double brute_volume(const Points& p, const double* ref) {
  const index_t n = count(p);
  std::vector<double> c[4];
  for (int j = 0; j < 4; ++j) {
    for (index_t i = 0; i < n; ++i) c[j].push_back(p[i * 4 + j]);
    c[j].push_back(ref[j]);
    std::sort(c[j].begin(), c[j].end());
    c[j].erase(std::unique(c[j].begin(), c[j].end()), c[j].end());
  }
  double v = 0;
  for (size_t a = 0; a + 1 < c[0].size(); ++a)
    for (size_t b = 0; b + 1 < c[1].size(); ++b)
      for (size_t d = 0; d + 1 < c[2].size(); ++d)
        for (size_t e = 0; e + 1 < c[3].size(); ++e) {
          bool covered = false;
          for (index_t i = 0; i < n && !covered; ++i)
            covered = p[i * 4] <= c[0][a] && p[i * 4 + 1] <= c[1][b] && p[i * 4 + 2] <= c[2][d] &&
                      p[i * 4 + 3] <= c[3][e];
          if (covered)
            v += (c[0][a + 1] - c[0][a]) * (c[1][b + 1] - c[1][b]) * (c[2][d + 1] - c[2][d]) *
                 (c[3][e + 1] - c[3][e]);
        }
  return v;
}

// Volume by slicing: 4-D = sum over w slabs of 3-D volumes, 3-D = sum over z slabs of 2-D
// staircase areas. O(n^3 log n); an independent oracle for a few hundred points.
double area2d(std::vector<std::pair<double, double>> pts, double rx, double ry) {
  std::sort(pts.begin(), pts.end());
  double a = 0, top = ry;
  for (auto& q : pts) {
    if (q.second < top) {
      a += (rx - q.first) * (top - q.second);
      top = q.second;
    }
  }
  return a;
}
double volume3d(const std::vector<std::array<double, 3>>& pts, const double* ref) {
  std::vector<std::array<double, 3>> s = pts;
  std::sort(s.begin(), s.end(), [](const auto& u, const auto& v) { return u[2] < v[2]; });
  double v = 0;
  std::vector<std::pair<double, double>> slice;
  for (size_t i = 0; i < s.size(); ++i) {
    slice.push_back({s[i][0], s[i][1]});
    const double next = i + 1 < s.size() ? s[i + 1][2] : ref[2];
    if (next > s[i][2]) v += (next - s[i][2]) * area2d(slice, ref[0], ref[1]);
  }
  return v;
}
double slicing_volume(const Points& p, const double* ref) {
  const index_t n = count(p);
  std::vector<index_t> o(static_cast<size_t>(n));
  for (index_t i = 0; i < n; ++i) o[size_t(i)] = i;
  std::sort(o.begin(), o.end(), [&](index_t a, index_t b) { return p[a * 4 + 3] < p[b * 4 + 3]; });
  std::vector<std::array<double, 3>> prefix;
  double v = 0;
  for (index_t t = 0; t < n; ++t) {
    const double* q = &p[o[size_t(t)] * 4];
    prefix.push_back({q[0], q[1], q[2]});
    const double next = t + 1 < n ? p[o[size_t(t + 1)] * 4 + 3] : ref[3];
    if (next > q[3]) v += (next - q[3]) * volume3d(prefix, ref);
  }
  return v;
}

std::vector<double> contributions(const Points& p, const double* ref) {
  std::vector<double> out(static_cast<size_t>(count(p)), -1.0);
  hv::contributions4d(p.data(), count(p), ref, out.data());
  return out;
}

// Random sets: kind 0 integers in [0, range) (ties and duplicates everywhere), kind 1
// uniform, kind 2 on the unit sphere (a front), kind 3 sphere with copies and shifted copies
// of earlier points (duplicates and dominated points).
Points random_points(std::mt19937_64& g, index_t n, int kind, int range) {
  Points p(static_cast<size_t>(n) * 4);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> normal;
  for (index_t i = 0; i < n; ++i) {
    double norm = 0;
    for (int j = 0; j < 4; ++j) {
      const double v = kind == 0 ? double(g() % unsigned(range)) : kind == 1 ? unit(g) : std::fabs(normal(g));
      p[size_t(i * 4 + j)] = v;
      norm += v * v;
    }
    if (kind >= 2)
      for (int j = 0; j < 4; ++j) p[size_t(i * 4 + j)] /= std::sqrt(norm);
    if (kind == 3 && i > 0 && g() % 3 == 0) {
      const index_t r = index_t(g() % unsigned(i));
      const double shift = g() % 2 ? 0.0 : 0.05;
      for (int j = 0; j < 4; ++j) p[size_t(i * 4 + j)] = p[size_t(r * 4 + j)] + (j == int(g() % 4) ? shift : 0.0);
    }
  }
  return p;
}

}  // namespace

TEST(hv4d_empty_and_single) {
  const double ref[4] = {1, 2, 3, 4};
  CHECK_EQ(hv::volume4d(nullptr, 0, ref), 0.0);
  hv::contributions4d(nullptr, 0, ref, nullptr);  // nothing to write, no crash
  const Points one = {0.5, 1, 1.5, 3};
  CHECK_EQ(hv::volume4d(one.data(), 1, ref), 0.5 * 1 * 1.5 * 1);
  CHECK(contributions(one, ref) == std::vector<double>{0.75});
}

TEST(hv4d_two_boxes_by_inclusion_exclusion) {
  const double ref[4] = {4, 4, 4, 4};
  const Points p = {1, 2, 0, 3, 2, 1, 3, 0};
  const double a = 3 * 2 * 4 * 1, b = 2 * 3 * 1 * 4, both = 2 * 2 * 1 * 1;
  CHECK_EQ(hv::volume4d(p.data(), 2, ref), a + b - both);
  CHECK(contributions(p, ref) == (std::vector<double>{a - both, b - both}));
}

TEST(hv4d_duplicates_and_dominated_points_get_zero) {
  const double ref[4] = {10, 10, 10, 10};
  // 0 and 3 are equal; 1 is dominated by 0; 2 differs from 0 only in w (dominated); 4 and 5
  // are nondominated; 6 equals 4 in x, y, z and has a smaller w (so 4 is dominated by 6)
  const Points p = {1, 1, 1, 1,  2, 3, 4, 5,  1, 1, 1, 2,  1, 1, 1, 1,  0, 5, 5, 5,  5, 0, 5, 5,  0, 5, 5, 4};
  const std::vector<double> c = contributions(p, ref);
  CHECK_EQ(c[0], 0.0);
  CHECK_EQ(c[1], 0.0);
  CHECK_EQ(c[2], 0.0);
  CHECK_EQ(c[3], 0.0);
  CHECK_EQ(c[4], 0.0);
  CHECK(c[5] > 0);
  CHECK(c[6] > 0);
  for (index_t i = 0; i < count(p); ++i)
    CHECK_EQ(c[size_t(i)], hv::volume4d(p.data(), count(p), ref) - hv::volume4d(without(p, i).data(), count(p) - 1, ref));
  // every copy of one point: the volume of the box, contributions 0
  const Points same = {1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4};
  CHECK_EQ(hv::volume4d(same.data(), 3, ref), 9.0 * 8 * 7 * 6);
  CHECK(contributions(same, ref) == (std::vector<double>{0, 0, 0}));
}

TEST(hv4d_matches_brute_force_cells) {
  std::mt19937_64 g(20240601);
  int cases = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const index_t n = 1 + index_t(g() % 12);
    const int kind = trial % 2 == 0 ? 0 : 1 + int(g() % 3);
    const int range = 2 + int(g() % 5);
    const Points p = random_points(g, n, kind, range);
    double ref[4];
    for (double& r : ref) r = kind == 0 ? double(range) : 1.1;
    const double exact = brute_volume(p, ref);
    const double v = hv::volume4d(p.data(), n, ref);
    const std::vector<double> c = contributions(p, ref);
    if (kind == 0) {  // integer coordinates: every step is exact
      CHECK_EQ(v, exact);
      for (index_t i = 0; i < n; ++i) CHECK_EQ(c[size_t(i)], exact - brute_volume(without(p, i), ref));
    } else {
      CHECK(std::fabs(v - exact) <= 1e-13 * exact);
      for (index_t i = 0; i < n; ++i)
        CHECK(std::fabs(c[size_t(i)] - (exact - brute_volume(without(p, i), ref))) <= 1e-13 * exact);
    }
    ++cases;
  }
  CHECK_EQ(cases, 400);
}

TEST(hv4d_larger_sets_against_slicing_and_definition) {
  std::mt19937_64 g(99);
  for (int trial = 0; trial < 16; ++trial) {
    const int kind = trial % 4;
    const index_t n = 60 + index_t(g() % 140);
    const int range = 3 + int(g() % 12);
    const Points p = random_points(g, n, kind, range);
    double ref[4];
    for (double& r : ref) r = kind == 0 ? double(range) : 1.1;
    const double oracle = slicing_volume(p, ref);
    const double v = hv::volume4d(p.data(), n, ref);
    if (kind == 0) {
      CHECK_EQ(v, oracle);
    } else {
      CHECK(std::fabs(v - oracle) <= 1e-13 * oracle);
    }
    const std::vector<double> c = contributions(p, ref);
    for (index_t i = 0; i < n; ++i) {
      const double lost = v - hv::volume4d(without(p, i).data(), n - 1, ref);
      if (kind == 0) {
        CHECK_EQ(c[size_t(i)], lost);
      } else {
        CHECK(std::fabs(c[size_t(i)] - lost) <= 1e-13 * v);
      }
      CHECK(c[size_t(i)] >= 0);
    }
  }
}

TEST(hv4d_invariant_to_permutation_and_scaling) {
  std::mt19937_64 g(5);
  const double ref[4] = {1.1, 1.1, 1.1, 1.1};
  Points p = random_points(g, 300, 2, 0);
  const double v = hv::volume4d(p.data(), 300, ref);
  const std::vector<double> c = contributions(p, ref);
  std::vector<index_t> perm(300);
  for (index_t i = 0; i < 300; ++i) perm[size_t(i)] = i;
  std::shuffle(perm.begin(), perm.end(), g);
  Points q(p.size());
  for (index_t i = 0; i < 300; ++i)
    for (int j = 0; j < 4; ++j) q[size_t(i * 4 + j)] = p[size_t(perm[size_t(i)] * 4 + j)];
  CHECK(std::fabs(hv::volume4d(q.data(), 300, ref) - v) <= 1e-14 * v);
  const std::vector<double> cq = contributions(q, ref);
  for (index_t i = 0; i < 300; ++i) CHECK(std::fabs(cq[size_t(i)] - c[size_t(perm[size_t(i)])]) <= 1e-14 * v);
  // powers of two scale exactly
  const double scale[4] = {2, 0.5, 4, 8}, ref2[4] = {2.2, 0.55, 4.4, 8.8};
  for (index_t i = 0; i < 300; ++i)
    for (int j = 0; j < 4; ++j) q[size_t(i * 4 + j)] = p[size_t(i * 4 + j)] * scale[j];
  CHECK_EQ(hv::volume4d(q.data(), 300, ref2), v * 32);
  const std::vector<double> cs = contributions(q, ref2);
  for (index_t i = 0; i < 300; ++i) CHECK_EQ(cs[size_t(i)], c[size_t(i)] * 32);
}

// Many points inside one point's box at once: long candidate lists (the bit-set and
// comparison-sort branches of the sweeps) and long staircases.
TEST(hv4d_long_staircases) {
  const index_t m = 600;
  Points p;
  for (index_t i = 0; i < m; ++i) {  // an anti-diagonal in (x, y) at several heights, w = 0
    p.insert(p.end(), {double(i + 1), double(m - i), double(i % 7), 0.0});
  }
  for (index_t i = 0; i < 40; ++i)  // later points whose boxes hold much of it
    p.insert(p.end(), {double(i * 17 % m), double((i * 29) % m), double(i % 5), double(1 + i % 3)});
  const double ref[4] = {double(m + 2), double(m + 2), 10, 5};
  const index_t n = count(p);
  const double v = hv::volume4d(p.data(), n, ref);
  CHECK_EQ(v, slicing_volume(p, ref));
  const std::vector<double> c = contributions(p, ref);
  for (index_t i = 0; i < n; i += 7) CHECK_EQ(c[size_t(i)], v - hv::volume4d(without(p, i).data(), n - 1, ref));
}

TEST(hv4d_rank_widths_agree) {
  // the 16-bit path (n < 32767) and the 32-bit path give identical results
  std::mt19937_64 g(11);
  for (int kind = 0; kind < 4; ++kind) {
    const index_t n = 500;
    const Points p = random_points(g, n, kind, 6);
    double ref[4];
    for (double& r : ref) r = kind == 0 ? 6.0 : 1.1;
    d4::VolumeWork vw;
    vw.in.prepare(p.data(), n, ref);
    CHECK_EQ(d4::volume_sweep<std::int16_t>(vw, ref), d4::volume_sweep<std::int32_t>(vw, ref));
    d4::ContribWork cw;
    cw.in.prepare(p.data(), n, ref);
    std::vector<double> a(static_cast<size_t>(n)), b(static_cast<size_t>(n));
    d4::contrib_sweep<std::int16_t>(cw, ref, a.data());
    d4::contrib_sweep<std::int32_t>(cw, ref, b.data());
    CHECK(a == b);
  }
}

TEST(hv4d_scan_passes_match_scalar) {
  // the vector passes (whichever this build dispatches to) against the scalar loops, on
  // ranks with many ties (z ranks start at 1), for every length around the vector widths;
  // the arrays carry the neutral padding the vector loops read
  std::mt19937_64 g(3);
  int mismatches = 0;
  for (std::int32_t L = 0; L < 70; ++L) {
    for (int rep = 0; rep < 20; ++rep) {
      const size_t cap = size_t(L) + d4::kPad;
      std::vector<std::int32_t> x(cap), y(cap), z(cap);
      std::vector<std::int16_t> x16(cap), y16(cap), z16(cap);
      for (size_t t = 0; t < cap; ++t) {
        d4::set_neutral(x.data(), y.data(), z.data(), t);
        d4::set_neutral(x16.data(), y16.data(), z16.data(), t);
      }
      for (std::int32_t t = 0; t < L; ++t) {
        x16[size_t(t)] = std::int16_t(x[size_t(t)] = std::int32_t(g() % 9));
        y16[size_t(t)] = std::int16_t(y[size_t(t)] = std::int32_t(g() % 9));
        z16[size_t(t)] = std::int16_t(z[size_t(t)] = 1 + std::int32_t(g() % 9));
      }
      const std::int32_t px = std::int32_t(g() % 9), py = std::int32_t(g() % 9), pz = 1 + std::int32_t(g() % 9);
      auto w = [](std::int32_t v) { return d4::widen<std::int32_t>(v); };
      const d4::Bounds1 s = d4::pass1_scalar(x.data(), y.data(), z.data(), L, px, py, pz);
      for (const d4::Bounds1& a : {d4::pass1(x.data(), y.data(), z.data(), L, px, py, pz),
                                   d4::pass1(x16.data(), y16.data(), z16.data(), L, px, py, pz)})
        mismatches += !(a.ylm == w(s.ylm) && a.xbm == w(s.xbm) && a.zst == w(s.zst));
      const d4::Bounds2 sc = d4::pass1c_scalar(x.data(), y.data(), z.data(), L, px, py, pz);
      for (const d4::Bounds2& b : {d4::pass1c(x.data(), y.data(), z.data(), L, px, py, pz),
                                   d4::pass1c(x16.data(), y16.data(), z16.data(), L, px, py, pz)})
        mismatches += !(b.y1 == w(sc.y1) && b.y2 == w(sc.y2) && b.x1 == w(sc.x1) && b.x2 == w(sc.x2) &&
                        b.z1 == w(sc.z1) && b.z2 == w(sc.z2) && b.dominators == sc.dominators);
      std::int32_t bnd[6];
      for (int j = 0; j < 6; ++j) bnd[j] = g() % 4 == 0 ? d4::kNone : std::int32_t(g() % 10);
      std::vector<std::int32_t> h1(cap), h2(cap), h3(cap);
      for (int c = 0; c < 2; ++c) {
        const std::int32_t k1 = c ? d4::pass2c(x.data(), y.data(), z.data(), L, px, py, pz, bnd, h1.data())
                                  : d4::pass2(x.data(), y.data(), z.data(), L, px, py, pz, bnd, h1.data());
        const std::int32_t k2 = c ? d4::pass2c(x16.data(), y16.data(), z16.data(), L, px, py, pz, bnd, h2.data())
                                  : d4::pass2(x16.data(), y16.data(), z16.data(), L, px, py, pz, bnd, h2.data());
        const std::int32_t k3 = c ? d4::pass2c_scalar(x.data(), y.data(), z.data(), L, px, py, pz, bnd, h3.data())
                                  : d4::pass2_scalar(x.data(), y.data(), z.data(), L, px, py, pz, bnd, h3.data());
        mismatches += !(k1 == k3 && k2 == k3 && std::equal(h1.begin(), h1.begin() + k3, h3.begin()) &&
                        std::equal(h2.begin(), h2.begin() + k3, h3.begin()));
      }
    }
  }
  CHECK_EQ(mismatches, 0);
}

TEST(hv4d_accuracy_on_a_front) {
  // a 4-D sphere front of 2000 points: contributions agree with the definition to 1e-13 of
  // the volume (the bound the Python tests use is 1e-12)
  std::mt19937_64 g(8);
  const double ref[4] = {1.1, 1.1, 1.1, 1.1};
  const index_t n = 2000;
  const Points p = random_points(g, n, 2, 0);
  const double v = hv::volume4d(p.data(), n, ref);
  const std::vector<double> c = contributions(p, ref);
  for (index_t i = 0; i < n; i += 97)
    CHECK(std::fabs(c[size_t(i)] - (v - hv::volume4d(without(p, i).data(), n - 1, ref))) <= 1e-13 * v);
}

TEST(hv4d_predecessor_set) {
  // the 64-ary bit tree against a sorted vector, over sizes that need 1 to 3 levels
  std::mt19937_64 g(21);
  int mismatches = 0;
  for (std::int32_t size : {1, 2, 63, 64, 65, 4095, 4096, 4097, 300000}) {
    tradeoff::RankSet set;
    set.reset(size_t(size));
    std::vector<std::uint8_t> in(static_cast<size_t>(size), 0);
    for (int op = 0; op < 3000; ++op) {
      const std::int32_t i = std::int32_t(g() % std::uint64_t(size));
      if (g() % 3) {
        set.insert(size_t(i));
        in[size_t(i)] = 1;
      } else {
        set.erase(size_t(i));
        in[size_t(i)] = 0;
      }
      const std::int32_t q = std::int32_t(g() % std::uint64_t(size));
      std::int32_t expected = q - 1;
      while (expected >= 0 && !in[size_t(expected)]) --expected;
      mismatches += set.pred(size_t(q)) != expected;
    }
  }
  CHECK_EQ(mismatches, 0);
}
