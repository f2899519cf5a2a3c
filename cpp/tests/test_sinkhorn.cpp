// Host tests of the Sinkhorn bodies (sinkhorn_hd.hpp), the vector exp (vexp.hpp) and the CPU
// driver (sinkhorn.hpp): known answers (1 x 1, a hand-solved 2 x 2, product coupling at large
// eps), agreement (log vs scaling, points vs dense, team vs one thread, every instruction set,
// a batch vs single calls, float32 vs float64) and robustness (forbidden pairs, tiny eps,
// an infeasible row: no crash, no hang, no NaN where the problem is feasible).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "test_main.hpp"
#include "tradeoff/sinkhorn.hpp"
#include "tradeoff/sinkhorn_hd.hpp"
#include "tradeoff/vexp.hpp"

namespace {

using tradeoff::index_t;
namespace sk = tradeoff::sinkhorn;
namespace vx = tradeoff::vexp;

constexpr double kInf = std::numeric_limits<double>::infinity();

// A problem with its outputs.
struct Run {
  std::vector<double> f, g, plan;
  sk::Result r;
};

template <class T>
Run run_dense(const std::vector<T>& C, index_t n, index_t m, const std::vector<double>& a,
              const std::vector<double>& b, double eps, int method, double tol = 1e-10,
              index_t max_iter = 5000, int threads = 1, index_t team_entries = sk::kTeamEntries,
              double tau_a = kInf, double tau_b = kInf) {
  Run out;
  out.f.assign(size_t(n), 0.0);
  out.g.assign(size_t(m), 0.0);
  std::vector<T> plan(size_t(n * m));
  sk::Options opt;
  opt.eps_stages = &eps;
  opt.n_stages = 1;
  opt.max_iter = max_iter;
  opt.tol = tol;
  opt.method = method;
  opt.tau_a = tau_a;
  opt.tau_b = tau_b;
  out.r = sk::solve_dense<T>(C.data(), n, m, a.data(), b.data(), out.f.data(), out.g.data(), opt,
                             plan.data(), threads, team_entries);
  out.plan.assign(plan.begin(), plan.end());
  return out;
}

// Squared Euclidean costs between two random 2-D clouds (row-major x, y kept for points tests).
struct Clouds {
  std::vector<double> x, y, C;
};

Clouds clouds(index_t n, index_t m, int d, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Clouds c;
  c.x.resize(size_t(n * d));
  c.y.resize(size_t(m * d));
  for (auto& v : c.x) v = u(rng);
  for (auto& v : c.y) v = u(rng);
  c.C.resize(size_t(n * m));
  for (index_t i = 0; i < n; ++i) {
    for (index_t j = 0; j < m; ++j) {
      c.C[size_t(i * m + j)] = sk::point_cost(c.x.data() + i * d, 1, c.y.data() + j * d, 1, d, 0);
    }
  }
  return c;
}

std::vector<double> uniform(index_t n) { return std::vector<double>(size_t(n), 1.0 / double(n)); }

double max_abs_diff(const std::vector<double>& x, const std::vector<double>& y) {
  double d = 0.0;
  for (size_t k = 0; k < x.size(); ++k) d = std::max(d, std::fabs(x[k] - y[k]));
  return d;
}

bool all_finite(const std::vector<double>& v) {
  for (double x : v) {
    if (!std::isfinite(x)) return false;
  }
  return true;
}

// L1 distance between the plan's marginals and (a, b).
double marginal_gap(const std::vector<double>& P, index_t n, index_t m,
                    const std::vector<double>& a, const std::vector<double>& b) {
  double gap = 0.0;
  std::vector<double> col(size_t(m), 0.0);
  for (index_t i = 0; i < n; ++i) {
    double r = 0.0;
    for (index_t j = 0; j < m; ++j) {
      r += P[size_t(i * m + j)];
      col[size_t(j)] += P[size_t(i * m + j)];
    }
    gap += std::fabs(r - a[size_t(i)]);
  }
  for (index_t j = 0; j < m; ++j) gap += std::fabs(col[size_t(j)] - b[size_t(j)]);
  return gap;
}

}  // namespace

// ---- vexp ----

TEST(sinkhorn_vexp_accuracy_every_isa) {
  const index_t N = 1000000;
  std::vector<double> x(static_cast<size_t>(N)), y(static_cast<size_t>(N));
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-708.0, 709.0);
  for (auto& v : x) v = u(rng);
  // Edges and special points.
  const double edges[] = {-708.0, 709.0, 0.0, -0.0, 1e-300, -1e-300, 0.34657359, -0.34657359,
                          0.6931471805599453, 1.0, -1.0, 700.0, -700.0, 708.9999, -707.9999};
  for (size_t k = 0; k < sizeof(edges) / sizeof(edges[0]); ++k) x[k] = edges[k];
  for (int is = 0; is < 3; ++is) {
    if (!vx::cpu_has(vx::Isa(is))) continue;
    vx::exp_array(x.data(), y.data(), N, vx::Isa(is));
    double worst = 0.0;
    for (index_t i = 0; i < N; ++i) {
      const double e = std::exp(x[size_t(i)]);
      worst = std::max(worst, std::fabs(y[size_t(i)] - e) / e);
    }
    CHECK(worst <= 2.3e-16);  // measured 2.22e-16 (1 ulp at a mantissa just above 1)
    // Below -708 (and -inf): exactly zero, never a denormal.
    const double low[] = {-708.0001, -709.0, -745.2, -1e6, -kInf, -1e308};
    double out[6];
    vx::exp_array(low, out, 6, vx::Isa(is));
    for (double v : out) CHECK(v == 0.0);
    // Odd lengths go through the tail path.
    double odd_in[7] = {0.0, 1.0, 2.0, -1.0, 3.0, -2.0, 0.5}, odd_out[7];
    vx::exp_array(odd_in, odd_out, 7, vx::Isa(is));
    for (int k = 0; k < 7; ++k) CHECK(std::fabs(odd_out[k] - std::exp(odd_in[k])) <= 3e-16 * std::exp(odd_in[k]));
  }
}

// ---- the shared bodies ----

TEST(sinkhorn_hd_lse_and_residual) {
  sk::LseState s = sk::lse_empty();
  CHECK(sk::lse_value(s) == -kInf);
  sk::lse_push(s, 1000.0, 1.0);
  sk::lse_push(s, 1000.0, 1.0);
  sk::lse_push(s, -kInf, 1.0);  // forbidden pair: nothing
  sk::lse_push(s, 5.0, 0.0);    // zero weight: nothing
  CHECK(std::fabs(sk::lse_value(s) - (1000.0 + std::log(2.0))) < 1e-12);
  sk::LseState t = sk::lse_empty();
  sk::lse_push(t, 999.0, 2.0);
  const sk::LseState u = sk::lse_merge(s, t);
  CHECK(std::fabs(sk::lse_value(u) - (1000.0 + std::log(2.0 + 2.0 * std::exp(-1.0)))) < 1e-12);
  CHECK(sk::exponent(1.0, 2.0, kInf, 3.0) == -kInf);
  CHECK(sk::damping(kInf, 0.1) == 1.0);
  CHECK(std::fabs(sk::damping(1.0, 1.0) - 0.5) < 1e-15);
  CHECK(sk::marginal_residual(0.0, 5.0, 1.0, kInf) == 0.0);
  CHECK(std::fabs(sk::marginal_residual(0.5, std::log(1.2), 0.0, kInf) - 0.1) < 1e-15);
  CHECK(sk::kl_term(0.0, 0.3) == 0.3);
  CHECK(std::fabs(sk::kl_term(0.3, 0.3)) < 1e-15);
}

// ---- the kernels: every instruction set gives the same sums ----

TEST(sinkhorn_kernels_agree_across_isas) {
  const index_t m = 37;  // odd: tails in every width
  std::vector<double> c(static_cast<size_t>(m)), g(static_cast<size_t>(m));
  std::vector<double> w(static_cast<size_t>(m));
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0.0, 5.0);
  for (auto& v : c) v = u(rng);
  for (auto& v : g) v = -u(rng);
  for (auto& v : w) v = u(rng) / 5.0;
  c[4] = kInf;   // a forbidden pair
  g[9] = -kInf;  // a zero-weight column
  w[9] = 0.0;
  double ref = 0.0, refmax = -kInf, refcol4 = 0.0;
  for (index_t j = 0; j < m; ++j) {
    const double t = sk::exponent(0.3, g[size_t(j)], c[size_t(j)], 2.0);
    if (t > refmax) refmax = t;
    ref += t < -708.0 ? 0.0 : w[size_t(j)] * std::exp(t);
    refcol4 += t < -708.0 ? 0.0 : std::exp(t);
  }
  for (int is = 0; is < 3; ++is) {
    const sk::Kernels<double> k = sk::kernels_for<double>(vx::Isa(is));
    double tmax;
    const double s = k.lse_row(c.data(), g.data(), w.data(), m, 0.3, 2.0, 0.0, &tmax);
    CHECK(std::fabs(s - ref) <= 1e-14 * ref);
    CHECK(tmax == refmax);
    double t2;
    const double s2 = k.lse_row_shift(c.data(), g.data(), w.data(), m, 0.3, 2.0, tmax, &t2);
    CHECK(std::fabs(s2 * std::exp(tmax) - ref) <= 1e-14 * ref);
    // Column sums: four rows at once equal four single rows.
    std::vector<double> acc(static_cast<size_t>(m), 1.0), acc4(static_cast<size_t>(m), 1.0);
    double cm = -kInf, cm4 = -kInf;
    for (int r = 0; r < 4; ++r) k.lse_col(c.data(), g.data(), m, 0.3, 0.25, 2.0, nullptr, acc.data(), &cm);
    const double* rows[4] = {c.data(), c.data(), c.data(), c.data()};
    const double fs[4] = {0.3, 0.3, 0.3, 0.3}, ws[4] = {0.25, 0.25, 0.25, 0.25};
    k.lse_col4(rows, fs, ws, g.data(), m, 2.0, acc4.data(), &cm4);
    CHECK(cm == refmax && cm4 == refmax);
    CHECK(acc[4] == 1.0 && acc[9] == 1.0 && acc4[4] == 1.0);
    double total = 0.0;
    for (index_t j = 0; j < m; ++j) {
      CHECK(std::fabs(acc[size_t(j)] - acc4[size_t(j)]) <= 1e-15 * acc[size_t(j)]);
      total += acc4[size_t(j)] - 1.0;
    }
    CHECK(std::fabs(total - refcol4) <= 1e-14 * refcol4);
    std::vector<double> out(static_cast<size_t>(m)), col(static_cast<size_t>(m), 0.0);
    double cost = 0.0;
    const double r = k.plan_row(c.data(), g.data(), w.data(), m, 0.3, 2.0, 0.5, col.data(), &cost,
                                out.data(), &tmax);
    CHECK(std::fabs(r - ref) <= 1e-14 * ref);
    CHECK(out[4] == 0.0 && out[9] == 0.0);
    CHECK(std::isfinite(cost));  // the forbidden pair never gives 0 * inf
    const double dot = k.dot_row(c.data(), g.data(), 3);
    CHECK(std::fabs(dot - (c[0] * g[0] + c[1] * g[1] + c[2] * g[2])) < 1e-12);
  }
}

// ---- known answers ----

TEST(sinkhorn_one_by_one) {
  for (int method = 0; method < 3; ++method) {
    const std::vector<double> C = {3.5}, a = {0.7}, b = {0.7};
    const Run run = run_dense(C, 1, 1, a, b, 0.25, method);
    CHECK(std::fabs(run.plan[0] - 0.7) < 1e-12);
    CHECK(std::fabs(run.r.cost - 0.7 * 3.5) < 1e-12);
    CHECK(run.r.err <= 1e-10);
    // P = a b exp((f + g - C)/eps) = a  =>  f + g = C - eps log b.
    CHECK(std::fabs(run.f[0] + run.g[0] - (3.5 - 0.25 * std::log(0.7))) < 1e-12);
  }
}

TEST(sinkhorn_two_by_two_closed_form) {
  // a = b = (1/2, 1/2): P = [[p, 1/2 - p], [1/2 - p, p]] and P00 P11 / (P01 P10) =
  // exp((c01 + c10 - c00 - c11)/eps) (the potentials cancel), so p / (1/2 - p) = exp(D / (2 eps)).
  const std::vector<double> C = {0.2, 1.0, 0.7, 0.1}, a = {0.5, 0.5}, b = {0.5, 0.5};
  for (double eps : {1.0, 0.3, 0.15}) {
    const double q = std::exp((1.0 + 0.7 - 0.2 - 0.1) / (2.0 * eps));
    const double p = 0.5 * q / (1.0 + q);
    for (int method = 1; method <= 2; ++method) {
      const Run run = run_dense(C, 2, 2, a, b, eps, method, 1e-14, 100000);
      CHECK(std::fabs(run.plan[0] - p) < 1e-12);
      CHECK(std::fabs(run.plan[3] - p) < 1e-12);
      CHECK(std::fabs(run.plan[1] - (0.5 - p)) < 1e-12);
      CHECK(std::fabs(run.r.cost - (p * 0.3 + (0.5 - p) * 1.7)) < 1e-12);
      // objective = <P, C> + eps KL(P | a b^T) (balanced)
      double kl = 0.0;
      for (double v : run.plan) kl += v * std::log(v / 0.25) - v + 0.25;
      CHECK(std::fabs(run.r.objective - (run.r.cost + eps * kl)) < 1e-11);
    }
  }
}

TEST(sinkhorn_large_eps_is_product_coupling) {
  const Clouds c = clouds(9, 7, 2, 11);
  std::vector<double> a = {0.05, 0.1, 0.2, 0.05, 0.1, 0.1, 0.15, 0.15, 0.1};
  std::vector<double> b = uniform(7);
  for (int method = 1; method <= 2; ++method) {
    const Run run = run_dense(c.C, 9, 7, a, b, 1e7, method);
    for (index_t i = 0; i < 9; ++i) {
      for (index_t j = 0; j < 7; ++j) {
        CHECK(std::fabs(run.plan[size_t(i * 7 + j)] - a[size_t(i)] * b[size_t(j)]) < 1e-7);
      }
    }
  }
}

// ---- invariants and agreement ----

TEST(sinkhorn_marginals_log_scaling_team_agree) {
  const index_t n = 60, m = 45;
  const Clouds c = clouds(n, m, 2, 5);
  const std::vector<double> a = uniform(n), b = uniform(m);
  const double eps = 0.02;
  const Run lg = run_dense(c.C, n, m, a, b, eps, sk::kLog, 1e-10);
  const Run sc = run_dense(c.C, n, m, a, b, eps, sk::kScaling, 1e-10);
  const Run au = run_dense(c.C, n, m, a, b, eps, sk::kAuto, 1e-10);
  const Run team = run_dense(c.C, n, m, a, b, eps, sk::kLog, 1e-10, 5000, 2, 0);
  const Run team_sc = run_dense(c.C, n, m, a, b, eps, sk::kScaling, 1e-10, 5000, 2, 0);
  CHECK(lg.r.err <= 1e-10 && sc.r.err <= 1e-10);
  CHECK(marginal_gap(lg.plan, n, m, a, b) <= 2e-10);
  CHECK(marginal_gap(sc.plan, n, m, a, b) <= 2e-10);
  CHECK(lg.r.method_used == 0 && sc.r.method_used == 1 && au.r.method_used == 1);
  CHECK(lg.r.n_iter == sc.r.n_iter);
  CHECK(max_abs_diff(lg.f, sc.f) < 1e-12 && max_abs_diff(lg.g, sc.g) < 1e-12);
  CHECK(max_abs_diff(lg.plan, sc.plan) < 1e-12);
  CHECK(max_abs_diff(lg.f, team.f) < 1e-13 && team.r.n_iter == lg.r.n_iter);
  CHECK(max_abs_diff(sc.f, team_sc.f) < 1e-12 && team_sc.r.n_iter == sc.r.n_iter);
  CHECK(std::fabs(lg.r.cost - team.r.cost) < 1e-13);
  CHECK(std::fabs(lg.r.objective - team_sc.r.objective) < 1e-12);
  // Each instruction set gives the same solve (up to rounding).
  for (int is = 0; is < 3; ++is) {
    std::vector<double> f(size_t(n), 0.0), g(size_t(m), 0.0);
    double eps_v = eps;
    sk::Options opt;
    opt.eps_stages = &eps_v;
    opt.tol = 1e-10;
    opt.max_iter = 5000;
    opt.method = sk::kLog;
    const sk::Kernels<double> k = sk::kernels_for<double>(vx::Isa(is));
    std::vector<double> ws(size_t(sk::workspace_doubles(n, m, 1)));
    sk::Solver<double, sk::DenseCost<double>> solver(sk::DenseCost<double>{c.C.data()}, n, m,
                                                    a.data(), b.data(), f.data(), g.data(), opt,
                                                    sk::kLog, ws.data(), nullptr, nullptr, 1, k);
    const sk::Result r = solver.solve();
    CHECK(max_abs_diff(f, lg.f) < 1e-12);
    CHECK(r.n_iter == lg.r.n_iter);
  }
}

TEST(sinkhorn_unbalanced_log_scaling_agree) {
  const index_t n = 30, m = 20;
  const Clouds c = clouds(n, m, 2, 8);
  std::vector<double> a = uniform(n), b(size_t(m), 2.0 / double(m));
  const Run lg = run_dense(c.C, n, m, a, b, 0.05, sk::kLog, 1e-11, 5000, 1, sk::kTeamEntries,
                           0.5, 2.0);
  const Run sc = run_dense(c.C, n, m, a, b, 0.05, sk::kScaling, 1e-11, 5000, 1,
                           sk::kTeamEntries, 0.5, 2.0);
  CHECK(lg.r.err <= 1e-11);
  CHECK(max_abs_diff(lg.f, sc.f) < 1e-11 && max_abs_diff(lg.plan, sc.plan) < 1e-12);
  CHECK(std::fabs(lg.r.objective - sc.r.objective) < 1e-11);
  // Stationarity of the unbalanced problem: row sums = a exp(-f / tau_a).
  for (index_t i = 0; i < n; ++i) {
    double r = 0.0;
    for (index_t j = 0; j < m; ++j) r += lg.plan[size_t(i * m + j)];
    CHECK(std::fabs(r - a[size_t(i)] * std::exp(-lg.f[size_t(i)] / 0.5)) < 1e-10);
  }
}

TEST(sinkhorn_forbidden_pairs_get_zero_mass) {
  const index_t n = 12, m = 10;
  Clouds c = clouds(n, m, 2, 4);
  for (index_t i = 0; i < n; ++i) c.C[size_t(i * m + (i % m))] = kInf;
  c.C[size_t(3 * m + 7)] = kInf;
  const std::vector<double> a = uniform(n), b = uniform(m);
  for (int method = 1; method <= 2; ++method) {
    for (int threads : {1, 2}) {
      const Run run = run_dense(c.C, n, m, a, b, 0.01, method, 1e-10, 20000, threads, 0);
      CHECK(run.r.err <= 1e-10);
      CHECK(std::isfinite(run.r.cost) && std::isfinite(run.r.objective));
      for (index_t i = 0; i < n; ++i) CHECK(run.plan[size_t(i * m + (i % m))] == 0.0);
      CHECK(run.plan[size_t(3 * m + 7)] == 0.0);
      CHECK(all_finite(run.f) && all_finite(run.g));
    }
  }
}

TEST(sinkhorn_tiny_eps_never_nan) {
  const index_t n = 40, m = 35;
  const Clouds c = clouds(n, m, 2, 9);
  std::vector<double> sorted = c.C;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  const double median = sorted[sorted.size() / 2];
  const std::vector<double> a = uniform(n), b = uniform(m);
  for (int method = 0; method <= 2; ++method) {
    const Run run = run_dense(c.C, n, m, a, b, 1e-4 * median, method, 1e-9, 300);
    CHECK(all_finite(run.f) && all_finite(run.g) && all_finite(run.plan));
    CHECK(std::isfinite(run.r.err) && std::isfinite(run.r.cost) && std::isfinite(run.r.objective));
  }
  // Negative costs and a bad start (exponents far above 709 in the first pass).
  std::vector<double> neg = c.C;
  for (auto& v : neg) v = -50.0 * v;
  const Run run = run_dense(neg, n, m, a, b, 1e-3, sk::kLog, 1e-9, 200);
  CHECK(all_finite(run.f) && all_finite(run.plan));
  const Run runs = run_dense(neg, n, m, a, b, 1e-3, sk::kScaling, 1e-9, 200);
  CHECK(all_finite(runs.f) && all_finite(runs.plan));
  CHECK(max_abs_diff(run.plan, runs.plan) < 1e-9);
}

TEST(sinkhorn_points_equal_dense) {
  const index_t n = 23, m = 300;  // more than one tile of columns
  const Clouds c = clouds(n, m, 3, 12);
  std::vector<double> a = uniform(n), b = uniform(m);
  for (int metric = 0; metric <= 1; ++metric) {
    std::vector<double> C = c.C;
    if (metric == 1) {
      for (auto& v : C) v = std::sqrt(v);
    }
    const Run dense = run_dense(C, n, m, a, b, 0.05, sk::kLog, 1e-10);
    for (int threads : {1, 2}) {
      std::vector<double> f(size_t(n), 0.0), g(size_t(m), 0.0), plan(size_t(n * m));
      double eps = 0.05;
      sk::Options opt;
      opt.eps_stages = &eps;
      opt.tol = 1e-10;
      opt.max_iter = 5000;
      opt.metric = metric;
      const sk::Result r = sk::solve_points<double>(c.x.data(), c.y.data(), n, m, 3, a.data(),
                                                     b.data(), f.data(), g.data(), opt,
                                                     plan.data(), threads, 0);
      CHECK(r.n_iter == dense.r.n_iter);
      CHECK(max_abs_diff(f, dense.f) < 1e-12 && max_abs_diff(g, dense.g) < 1e-12);
      CHECK(max_abs_diff(plan, dense.plan) < 1e-13);
      CHECK(std::fabs(r.cost - dense.r.cost) < 1e-13);
      CHECK(r.method_used == 0);
    }
  }
}

TEST(sinkhorn_repeated_calls_and_eps_stages) {
  // A batch runs the same driver problem after problem on reused thread-local workspaces:
  // solving A, B, A again must give A's answer bit for bit.
  const Clouds c1 = clouds(20, 25, 2, 1), c2 = clouds(31, 17, 2, 2);
  const Run first = run_dense(c1.C, 20, 25, uniform(20), uniform(25), 0.03, sk::kAuto);
  const Run other = run_dense(c2.C, 31, 17, uniform(31), uniform(17), 0.01, sk::kAuto);
  const Run again = run_dense(c1.C, 20, 25, uniform(20), uniform(25), 0.03, sk::kAuto);
  CHECK(max_abs_diff(first.f, again.f) == 0.0 && first.r.n_iter == again.r.n_iter);
  CHECK(other.r.err <= 1e-10);
  // eps stages: every stage but the last runs stage_iter iterations; n_iter counts them all.
  std::vector<double> f(20, 0.0), g(25, 0.0), plan(500);
  const double stages[3] = {1.0, 0.1, 0.03};
  sk::Options opt;
  opt.eps_stages = stages;
  opt.n_stages = 3;
  opt.stage_iter = 4;
  opt.max_iter = 5000;
  opt.tol = 1e-10;
  const std::vector<double> a = uniform(20), b = uniform(25);
  const sk::Result r = sk::solve_dense<double>(c1.C.data(), 20, 25, a.data(), b.data(), f.data(),
                                                g.data(), opt, plan.data(), 1);
  CHECK(r.err <= 1e-10);
  CHECK(max_abs_diff(plan, first.plan) < 1e-10);  // the same plan (potentials: up to a shift)
  // max_iter = 0: no iteration, the final pass only.
  const Run none = run_dense(c1.C, 20, 25, a, b, 0.03, sk::kScaling, 1e-10, 0);
  CHECK(none.r.n_iter == 0 && none.r.err > 0.0 && all_finite(none.plan));
  // tol = 0 runs exactly max_iter iterations, even at an exact fit (as the fallback oracle).
  const Run fixed = run_dense(c1.C, 20, 25, a, b, 0.03, sk::kLog, 0.0, 17);
  CHECK(fixed.r.n_iter == 17);
  for (int method = 0; method <= 2; ++method) {
    const Run one = run_dense(std::vector<double>{3.0}, 1, 1, {1.0}, {1.0}, 0.5, method, 0.0, 9);
    CHECK(one.r.err == 0.0 && one.r.n_iter == 9);
  }
}

TEST(sinkhorn_float32_path) {
  const index_t n = 40, m = 30;
  const Clouds c = clouds(n, m, 2, 21);
  std::vector<float> C32(c.C.begin(), c.C.end());
  std::vector<double> C64(C32.begin(), C32.end());  // the same numbers
  const std::vector<double> a = uniform(n), b = uniform(m);
  const Run d = run_dense(C64, n, m, a, b, 0.02, sk::kLog, 1e-10);
  const Run l = run_dense(C32, n, m, a, b, 0.02, sk::kLog, 1e-10);
  const Run s = run_dense(C32, n, m, a, b, 0.02, sk::kScaling, 1e-10);
  CHECK(max_abs_diff(d.f, l.f) < 1e-12);  // float32 costs read exactly, computed in double
  CHECK(max_abs_diff(l.plan, d.plan) < 1e-7);
  CHECK(s.r.err < 1e-6);  // K in float32: potentials to about eps * 1e-7
  // The scaling form's stop test with a float32 K is confirmed by an exact log-domain row
  // half-step: a run stops early only when the reported (exact) error meets tol.
  for (double tol : {1e-6, 1e-8, 1e-10, 1e-13}) {
    for (int method = 0; method <= 2; ++method) {
      const std::vector<float> ones(64, 1.0f);
      const Run r1 = run_dense(ones, 8, 8, uniform(8), uniform(8), 0.05, method, tol, 3000);
      CHECK(r1.r.err <= tol || r1.r.n_iter == 3000);
      const Run r2 = run_dense(C32, n, m, a, b, 0.05, method, tol, 3000);
      CHECK(r2.r.err <= tol || r2.r.n_iter == 3000);
    }
  }
  CHECK(max_abs_diff(s.f, d.f) < 1e-6);
  std::vector<float> x32(c.x.begin(), c.x.end()), y32(c.y.begin(), c.y.end());
  std::vector<double> f(size_t(n), 0.0), g(size_t(m), 0.0);
  std::vector<float> plan(size_t(n * m));
  double eps = 0.02;
  sk::Options opt;
  opt.eps_stages = &eps;
  opt.tol = 1e-10;
  opt.max_iter = 5000;
  sk::solve_points<float>(x32.data(), y32.data(), n, m, 2, a.data(), b.data(), f.data(), g.data(),
                          opt, plan.data(), 1);
  CHECK(max_abs_diff(f, d.f) < 1e-6);  // the float32 cloud's costs differ slightly
}

TEST(sinkhorn_infeasible_row_does_not_crash) {
  // Row 1 has weight but only forbidden pairs (the Python layer raises InfeasibleError first):
  // the driver must still return, with a non-finite error.
  const std::vector<double> C = {1.0, 2.0, 0.7, kInf, kInf, kInf};
  const std::vector<double> a = {0.5, 0.5}, b = {0.4, 0.3, 0.3};
  for (int method = 1; method <= 2; ++method) {
    const Run run = run_dense(C, 2, 3, a, b, 0.1, method, 1e-9, 50);
    CHECK(!(run.r.err <= 1e-9));
    CHECK(run.r.n_iter <= 50);
  }
  // A zero-weight row with only forbidden pairs is fine: it drops out.
  const std::vector<double> a0 = {1.0, 0.0};
  const std::vector<double> b0 = {0.4, 0.3, 0.3};
  for (int method = 1; method <= 2; ++method) {
    const Run run = run_dense(C, 2, 3, a0, b0, 0.1, method, 1e-10, 5000);
    CHECK(run.r.err <= 1e-10);
    CHECK(run.plan[3] == 0.0 && run.plan[4] == 0.0 && run.plan[5] == 0.0);
    CHECK(std::fabs(run.plan[0] + run.plan[1] + run.plan[2] - 1.0) < 1e-9);
    CHECK(all_finite(run.g));
  }
}

TEST(plan_entry_guards_zero_weights_forbidden_pairs_and_underflow) {
  using tradeoff::sinkhorn::plan_entry;
  CHECK(plan_entry(0.5, 0.25, 0.0) == 0.125);
  CHECK(std::fabs(plan_entry(0.5, 0.25, std::log(2.0)) - 0.25) < 1e-16);
  CHECK(plan_entry(0.0, 0.25, HUGE_VAL) == 0.0);   // zero weight: never 0 * inf
  CHECK(plan_entry(0.5, 0.0, 1.0) == 0.0);
  CHECK(plan_entry(0.5, 0.25, -HUGE_VAL) == 0.0);  // forbidden pair
  CHECK(plan_entry(0.5, 0.25, -709.0) == 0.0);     // below kMinExponent: flushed
  CHECK(plan_entry(1.0, 1.0, -708.0) > 0.0);
}
