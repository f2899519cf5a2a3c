// Host tests of the small-set hypervolume bodies in hypervolume_hd.hpp: the very functions the
// CUDA kernels in cuda/hypervolume.cu call. The oracle counts the cells of the grid spanned by
// the points' coordinates (exact for integer data, where every body must agree bit for bit).
// The GPU path (prepared_position + count_below, then the *_prepared bodies with a per-thread
// scratch) is replayed on the host and compared with the one-call wrappers.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "test_main.hpp"
#include "tradeoff/hypervolume_hd.hpp"

using tradeoff::index_t;
namespace hd = tradeoff::hv::hd;

namespace {

using Points = std::vector<double>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Oracle: the union of the boxes [p, ref] over the points strictly below ref, measured cell by
// cell on the grid of their coordinates (and ref's). Sums in long double.
double grid_volume(const Points& pts, int m, const double* ref) {
  const index_t n = index_t(pts.size()) / m;
  std::vector<const double*> below;
  for (index_t i = 0; i < n; ++i) {
    bool ok = true;
    for (int j = 0; j < m; ++j) ok = ok && pts[i * m + j] < ref[j];
    if (ok) below.push_back(&pts[i * m]);
  }
  if (below.empty()) return 0.0;
  std::vector<std::vector<double>> axes(m);
  for (int j = 0; j < m; ++j) {
    for (const double* p : below) axes[j].push_back(p[j]);
    axes[j].push_back(ref[j]);
    std::sort(axes[j].begin(), axes[j].end());
    axes[j].erase(std::unique(axes[j].begin(), axes[j].end()), axes[j].end());
  }
  std::vector<size_t> cell(m, 0);
  long double total = 0;
  for (;;) {
    double lo[4], vol = 1.0;
    bool inside = true;
    for (int j = 0; j < m; ++j) {
      if (cell[j] + 1 >= axes[j].size()) inside = false;
    }
    if (inside) {
      for (int j = 0; j < m; ++j) {
        lo[j] = axes[j][cell[j]];
        vol *= axes[j][cell[j] + 1] - lo[j];
      }
      for (const double* p : below) {
        bool dom = true;
        for (int j = 0; j < m; ++j) dom = dom && p[j] <= lo[j];
        if (dom) {
          total += vol;
          break;
        }
      }
    }
    int j = 0;
    while (j < m && ++cell[j] >= axes[j].size()) cell[j++] = 0;
    if (j == m) break;
  }
  return double(total);
}

Points without(const Points& pts, int m, index_t i) {
  Points out(pts);
  out.erase(out.begin() + i * m, out.begin() + (i + 1) * m);
  return out;
}

Points with(const Points& pts, const double* c, int m) {
  Points out(pts);
  out.insert(out.end(), c, c + m);
  return out;
}

// Workspace filled with NaN: a body reading what it did not write shows up in the results.
std::vector<double> dirty_work(index_t n, int m) {
  return std::vector<double>(size_t(std::max<index_t>(hd::work_size(n, m), 1)), kNaN);
}

double body_volume(const Points& pts, int m, const double* ref) {
  const index_t n = index_t(pts.size()) / m;
  auto work = dirty_work(n, m);
  return hd::volume(pts.data(), n, m, ref, work.data());
}

std::vector<double> body_contributions(const Points& pts, int m, const double* ref) {
  const index_t n = index_t(pts.size()) / m;
  auto work = dirty_work(n, m);
  std::vector<double> out(size_t(n), -1.0);
  hd::contributions(pts.data(), n, m, ref, out.data(), work.data());
  return out;
}

std::vector<double> body_improvements(const Points& pts, const Points& cands, int m,
                                      const double* ref) {
  const index_t n = index_t(pts.size()) / m;
  const index_t k = index_t(cands.size()) / m;
  auto work = dirty_work(n, m);
  std::vector<double> out(size_t(k), -1.0);
  hd::improvements(pts.data(), n, m, cands.data(), k, ref, out.data(), work.data());
  return out;
}

// The GPU path replayed on the host: rows placed by prepared_position (one "thread" per
// point), k = count_below, then every body with its own scratch of scratch_size(n, m).
struct GpuReplay {
  double volume;
  std::vector<double> contributions;
  std::vector<double> improvements;
};

GpuReplay gpu_replay(const Points& pts, const Points& cands, int m, const double* ref) {
  const index_t n = index_t(pts.size()) / m;
  const index_t nc = index_t(cands.size()) / m;
  std::vector<double> rows(size_t(std::max<index_t>(n * m, 1)), kNaN);
  for (index_t i = 0; i < n; ++i) {
    const index_t pos = hd::prepared_position(pts.data(), n, m, ref, i);
    if (pos >= 0) std::copy(&pts[i * m], &pts[i * m] + m, &rows[pos * m]);
  }
  const index_t k = hd::count_below(pts.data(), n, m, ref);
  std::vector<double> scratch(size_t(std::max<index_t>(hd::scratch_size(n, m), 1)), kNaN);
  GpuReplay r;
  r.volume = hd::volume_prepared(rows.data(), k, m, ref, scratch.data());
  for (index_t i = 0; i < n; ++i) {
    r.contributions.push_back(
        hd::contribution_prepared(rows.data(), k, m, &pts[i * m], ref, scratch.data()));
  }
  for (index_t t = 0; t < nc; ++t) {
    r.improvements.push_back(
        hd::improvement_prepared(rows.data(), k, m, &cands[t * m], ref, scratch.data()));
  }
  return r;
}

bool close(double a, double b, double rtol, double atol) {
  return std::abs(a - b) <= atol + rtol * std::abs(b);
}

// Random points with integer coordinates in [0, levels), ref = levels in every coordinate,
// plus a few copies of earlier points and a few points on or beyond the reference box.
Points grid_points(std::mt19937_64& gen, index_t n, int m, int levels) {
  std::uniform_int_distribution<int> coord(0, levels - 1);
  std::uniform_int_distribution<int> kind(0, 9);
  Points p(size_t(n * m));
  for (index_t i = 0; i < n; ++i) {
    const int what = kind(gen);
    for (int j = 0; j < m; ++j) p[i * m + j] = double(coord(gen));
    if (what == 0 && i > 0) {  // duplicate of an earlier point
      const index_t src = std::uniform_int_distribution<index_t>(0, i - 1)(gen);
      for (int j = 0; j < m; ++j) p[i * m + j] = p[src * m + j];
    } else if (what == 1) {  // on the reference box in one coordinate, or beyond it
      p[i * m + coord(gen) % m] = double(levels + (coord(gen) % 2));
    }
  }
  return p;
}

Points sphere_points(std::mt19937_64& gen, index_t n, int m) {
  std::normal_distribution<double> normal(0.0, 1.0);
  Points p(size_t(n * m));
  for (index_t i = 0; i < n; ++i) {
    double norm = 0.0;
    for (int j = 0; j < m; ++j) {
      p[i * m + j] = std::abs(normal(gen));
      norm += p[i * m + j] * p[i * m + j];
    }
    for (int j = 0; j < m; ++j) p[i * m + j] /= std::sqrt(norm) + 1e-300;
  }
  return p;
}

// Every body on (pts, cands) against the grid oracle and against the GPU replay.
// exact: integer data, results must be bitwise equal to the oracle.
void check_all(const Points& pts, const Points& cands, int m, const double* ref, bool exact) {
  const index_t n = index_t(pts.size()) / m;
  const double rtol = exact ? 0.0 : 1e-12;
  const double want = grid_volume(pts, m, ref);
  const double scale = exact ? 0.0 : 1e-13 * want;
  const double got = body_volume(pts, m, ref);
  CHECK(close(got, want, rtol, scale));
  if (!close(got, want, rtol, scale))
    std::printf("    m=%d n=%lld volume %.17g vs %.17g\n", m, (long long)n, got, want);

  const auto contrib = body_contributions(pts, m, ref);
  for (index_t i = 0; i < n; ++i) {
    const double w = want - grid_volume(without(pts, m, i), m, ref);
    const double atol = exact ? 0.0 : 1e-12 * want;
    CHECK(close(contrib[i], w, 0.0, atol));
    if (!close(contrib[i], w, 0.0, atol))
      std::printf("    m=%d n=%lld contribution %lld: %.17g vs %.17g\n", m, (long long)n,
                  (long long)i, contrib[i], w);
    CHECK(contrib[i] >= 0.0);
  }

  const auto impr = body_improvements(pts, cands, m, ref);
  for (index_t t = 0; t < index_t(cands.size()) / m; ++t) {
    const double w = grid_volume(with(pts, &cands[t * m], m), m, ref) - want;
    const double atol = exact ? 0.0 : 1e-12 * std::max(want, 1.0);
    CHECK(close(impr[t], w, 0.0, atol));
    if (!close(impr[t], w, 0.0, atol))
      std::printf("    m=%d n=%lld improvement %lld: %.17g vs %.17g\n", m, (long long)n,
                  (long long)t, impr[t], w);
    CHECK(impr[t] >= 0.0);
  }

  // The GPU path gives the very same numbers (same bodies, same order of the rows).
  const GpuReplay r = gpu_replay(pts, cands, m, ref);
  CHECK_EQ(r.volume, got);
  for (index_t i = 0; i < n; ++i) CHECK_EQ(r.contributions[i], contrib[i]);
  for (size_t t = 0; t < impr.size(); ++t) CHECK_EQ(r.improvements[t], impr[t]);
}

}  // namespace

TEST(hv_hd_sizes) {
  CHECK(!hd::dim_supported(0));
  CHECK(hd::dim_supported(1));
  CHECK(hd::dim_supported(4));
  CHECK(!hd::dim_supported(5));
  CHECK_EQ(hd::scratch_size(10, 2), index_t(0));
  CHECK_EQ(hd::scratch_size(10, 3), index_t(20));
  CHECK_EQ(hd::scratch_size(10, 4), index_t(50));
  CHECK_EQ(hd::work_size(10, 3), index_t(50));
  CHECK_EQ(hd::work_size(0, 4), index_t(0));
}

TEST(hv_hd_single_box) {
  const double ref[4] = {4.0, 5.0, 6.0, 7.0};
  const double p[4] = {1.0, 2.0, 3.0, 4.0};
  const double want[4] = {3.0, 9.0, 27.0, 81.0};
  for (int m = 1; m <= 4; ++m) {
    const Points pts(p, p + m);
    CHECK_EQ(body_volume(pts, m, ref), want[m - 1]);
    CHECK_EQ(body_contributions(pts, m, ref)[0], want[m - 1]);
    // a candidate at the point adds nothing; one below it adds the difference of the boxes
    CHECK_EQ(body_improvements(pts, pts, m, ref)[0], 0.0);
    Points c(p, p + m);
    for (double& v : c) v -= 1.0;
    double box = 1.0;
    for (int j = 0; j < m; ++j) box *= ref[j] - c[j];
    CHECK_EQ(body_improvements(pts, c, m, ref)[0], box - want[m - 1]);
  }
}

TEST(hv_hd_two_boxes_inclusion_exclusion) {
  // m = 3: boxes [a, r] and [b, r] overlap in [max(a, b), r].
  const double ref[3] = {10.0, 10.0, 10.0};
  const Points pts = {1.0, 5.0, 2.0, 4.0, 1.0, 3.0};
  const double va = 9.0 * 5.0 * 8.0, vb = 6.0 * 9.0 * 7.0, vab = 6.0 * 5.0 * 7.0;
  CHECK_EQ(body_volume(pts, 3, ref), va + vb - vab);
  const auto c = body_contributions(pts, 3, ref);
  CHECK_EQ(c[0], va - vab);
  CHECK_EQ(c[1], vb - vab);
  // m = 2
  const Points p2 = {1.0, 5.0, 4.0, 1.0};
  CHECK_EQ(body_volume(p2, 2, ref), 9.0 * 5.0 + 6.0 * 9.0 - 6.0 * 5.0);
}

TEST(hv_hd_empty_set) {
  const double ref[4] = {1.0, 1.0, 1.0, 1.0};
  const double c[4] = {0.5, 0.5, 0.5, 0.5};
  for (int m = 1; m <= 4; ++m) {
    const Points none;
    CHECK_EQ(body_volume(none, m, ref), 0.0);
    CHECK(body_contributions(none, m, ref).empty());
    const Points cand(c, c + m);
    CHECK_EQ(body_improvements(none, cand, m, ref)[0], std::pow(0.5, m));
    // with zero candidates nothing is written
    CHECK(body_improvements(none, Points(), m, ref).empty());
  }
}

TEST(hv_hd_points_not_below_ref_are_ignored) {
  const double ref[3] = {1.0, 1.0, 1.0};
  // on the reference plane, beyond it, equal to ref: none counts
  const Points pts = {1.0, 0.0, 0.0, 0.0, 2.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0};
  CHECK_EQ(body_volume(pts, 3, ref), 0.0);
  for (double v : body_contributions(pts, 3, ref)) CHECK_EQ(v, 0.0);
  // a candidate equal to ref, or on its plane, improves nothing
  const Points cands = {1.0, 1.0, 1.0, 0.5, 1.0, 0.5, 0.5, 0.5, 0.5};
  const auto imp = body_improvements(pts, cands, 3, ref);
  CHECK_EQ(imp[0], 0.0);
  CHECK_EQ(imp[1], 0.0);
  CHECK_EQ(imp[2], 0.125);
  // mixed with one valid point
  const Points mixed = {0.5, 0.5, 0.5, 1.0, 0.0, 0.0};
  CHECK_EQ(body_volume(mixed, 3, ref), 0.125);
  const auto c = body_contributions(mixed, 3, ref);
  CHECK_EQ(c[0], 0.125);
  CHECK_EQ(c[1], 0.0);
}

TEST(hv_hd_duplicates_and_dominated) {
  const double ref[4] = {4.0, 4.0, 4.0, 4.0};
  for (int m = 1; m <= 4; ++m) {
    Points a(size_t(m), 1.0), b(size_t(m), 2.0);
    Points pts = a;
    pts.insert(pts.end(), a.begin(), a.end());  // duplicate
    pts.insert(pts.end(), b.begin(), b.end());  // dominated
    const double want = std::pow(3.0, m);
    CHECK_EQ(body_volume(pts, m, ref), want);
    for (double v : body_contributions(pts, m, ref)) CHECK_EQ(v, 0.0);
    // without the duplicate, a keeps what b does not cover: 3^m - 2^m
    const Points two = with(a, b.data(), m);
    const auto c = body_contributions(two, m, ref);
    CHECK_EQ(c[0], want - std::pow(2.0, m));
    CHECK_EQ(c[1], 0.0);
  }
}

TEST(hv_hd_unsupported_dimension_gives_nan) {
  const double ref[5] = {1, 1, 1, 1, 1};
  const Points pts(5, 0.5);
  std::vector<double> work(64, 0.0);
  CHECK(std::isnan(hd::volume(pts.data(), 1, 5, ref, work.data())));
  CHECK(std::isnan(hd::volume_prepared(pts.data(), 1, 5, ref, work.data())));
  CHECK(std::isnan(hd::improvement_prepared(pts.data(), 1, 5, pts.data(), ref, work.data())));
  CHECK(std::isnan(hd::contribution_prepared(pts.data(), 1, 5, pts.data(), ref, work.data())));
  double out = 0.0;
  hd::contributions(pts.data(), 1, 5, ref, &out, work.data());
  CHECK(std::isnan(out));
  hd::improvements(pts.data(), 1, 5, pts.data(), 1, ref, &out, work.data());
  CHECK(std::isnan(out));
}

TEST(hv_hd_prepare_matches_prepared_position) {
  std::mt19937_64 gen(7);
  for (int m = 1; m <= 4; ++m) {
    for (index_t n : {0, 1, 2, 7, 40}) {
      const Points pts = grid_points(gen, n, m, 3);
      const double ref[4] = {3.0, 3.0, 3.0, 3.0};
      std::vector<double> rows(size_t(std::max<index_t>(n * m, 1)), kNaN);
      const index_t k = hd::prepare(pts.data(), n, m, ref, rows.data());
      CHECK_EQ(k, hd::count_below(pts.data(), n, m, ref));
      std::vector<double> placed(rows.size(), kNaN);
      for (index_t i = 0; i < n; ++i) {
        const index_t pos = hd::prepared_position(pts.data(), n, m, ref, i);
        CHECK(pos < k);
        if (pos >= 0) std::copy(&pts[i * m], &pts[i * m] + m, &placed[pos * m]);
      }
      for (index_t t = 0; t < k * m; ++t) CHECK_EQ(placed[t], rows[t]);
      for (index_t t = 1; t < k; ++t) CHECK(rows[(t - 1) * m + m - 1] <= rows[t * m + m - 1]);
    }
  }
}

TEST(hv_hd_integer_grids_exact) {
  std::mt19937_64 gen(11);
  const index_t sizes[] = {1, 2, 3, 5, 8, 13, 20, 31};
  for (int m = 1; m <= 4; ++m) {
    for (int levels : {2, 3, 5}) {
      const double ref[4] = {double(levels), double(levels), double(levels), double(levels)};
      for (index_t n : sizes) {
        if (m == 4 && n > 20) continue;  // the oracle's grid grows as n^m
        for (int rep = 0; rep < 4; ++rep) {
          const Points pts = grid_points(gen, n, m, levels);
          Points cands = grid_points(gen, 6, m, levels);
          cands.insert(cands.end(), pts.begin(), pts.begin() + m);  // a copy of a point
          check_all(pts, cands, m, ref, true);
        }
      }
    }
  }
}

TEST(hv_hd_real_values_close_to_oracle) {
  std::mt19937_64 gen(12);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int m = 2; m <= 4; ++m) {
    const double ref[4] = {1.1, 1.1, 1.1, 1.1};
    for (index_t n : {5, 17, 30}) {
      if (m == 4 && n > 17) continue;
      Points pts = sphere_points(gen, n, m);
      Points cands = sphere_points(gen, 5, m);
      for (double& v : cands) v *= 1.0 + 0.05 * (unit(gen) - 0.5);
      check_all(pts, cands, m, ref, false);
      Points uniform(size_t(n * m));
      for (double& v : uniform) v = unit(gen);
      check_all(uniform, cands, m, ref, false);
    }
  }
}

TEST(hv_hd_invariants_on_sphere_fronts) {
  // Permutation invariance, monotonicity, contributions = volume drops; n = 50 (the batched BO
  // size) and 200, beyond the oracle's reach.
  std::mt19937_64 gen(13);
  for (int m = 2; m <= 4; ++m) {
    const double ref[4] = {1.1, 1.1, 1.1, 1.1};
    for (index_t n : {50, 200}) {
      if (m == 4 && n > 50) continue;
      const Points pts = sphere_points(gen, n, m);
      const double v = body_volume(pts, m, ref);
      Points shuffled(pts);
      std::vector<index_t> perm(static_cast<size_t>(n));
      for (index_t i = 0; i < n; ++i) perm[i] = i;
      std::shuffle(perm.begin(), perm.end(), gen);
      for (index_t i = 0; i < n; ++i)
        std::copy(&pts[perm[i] * m], &pts[perm[i] * m] + m, &shuffled[i * m]);
      CHECK(close(body_volume(shuffled, m, ref), v, 1e-14, 0.0));
      const auto c = body_contributions(pts, m, ref);
      for (index_t i = 0; i < n; i += 7) {
        const double drop = v - body_volume(without(pts, m, i), m, ref);
        CHECK(close(c[i], drop, 1e-9, 1e-14 * v));
        CHECK(c[i] > 0.0);  // points on a sphere are mutually non-dominated
      }
      // improvement of a point of the set over the others = its contribution
      const Points rest = without(pts, m, 3);
      const Points c3(&pts[3 * m], &pts[3 * m] + m);
      CHECK(close(body_improvements(rest, c3, m, ref)[0], c[3], 1e-12, 0.0));
    }
  }
}

TEST(hv_hd_ties_in_sort_key_and_planes) {
  // All points share the last coordinate (a plane): the sweep sees one slab.
  const double ref[3] = {4.0, 4.0, 4.0};
  const Points plane = {0.0, 3.0, 1.0, 1.0, 2.0, 1.0, 2.0, 1.0, 1.0, 3.0, 0.0, 1.0};
  // the staircase (0,3), (1,2), (2,1), (3,0) at z = 1: area 10, times a height of 3
  CHECK_EQ(body_volume(plane, 3, ref), 30.0);
  check_all(plane, plane, 3, ref, true);
  const Points line = {1.0, 1.0, 2.0, 1.0, 1.0, 3.0, 1.0, 1.0, 0.0};  // same x and y
  check_all(line, line, 3, ref, true);
  const double ref4[4] = {4.0, 4.0, 4.0, 4.0};
  const Points p4 = {0.0, 3.0, 1.0, 2.0, 3.0, 0.0, 1.0, 2.0,
                     1.0, 1.0, 3.0, 2.0, 1.0, 1.0, 3.0, 2.0};
  check_all(p4, p4, 4, ref4, true);
}

TEST(hv_hd_negative_and_large_coordinates) {
  std::mt19937_64 gen(14);
  for (int m = 1; m <= 4; ++m) {
    Points pts = grid_points(gen, 12, m, 4);
    // scaled and shifted, still exact in double: volumes stay below 2^53
    for (double& v : pts) v = v * 1e3 - 3e3;
    const double ref[4] = {1e3, 1e3, 1e3, 1e3};
    Points cands = grid_points(gen, 4, m, 4);
    for (double& v : cands) v = v * 1e3 - 3e3;
    check_all(pts, cands, m, ref, true);
  }
}
