// Sinkhorn bindings: batch drivers over tradeoff/sinkhorn.hpp.
//
//   sinkhorn_dense(cost, a, b, f0, g0, eps_stages, tau_a, tau_b, max_iter, tol, method,
//                  stage_iter, want_plan)
//   sinkhorn_points(x, y, a, b, f0, g0, eps_stages, tau_a, tau_b, max_iter, tol, metric,
//                   stage_iter, want_plan)
//   -> (plan or None, f, g, cost, objective, n_iter, err, method_used)
//
// cost (B, n, m), x (B, n, d), y (B, m, d): C-contiguous float32 or float64 (the "cost dtype"
// T; the plan comes back in T). a (B, n), b (B, m), f0 (B, n), g0 (B, m), eps_stages (S,):
// C-contiguous float64, never modified. python/tradeoff/transport.py validates the data and
// documents the conventions; here every shape and scalar is checked again so that a direct
// call to _core raises ValueError instead of crashing.
//
// Threads: a batch of small problems runs one problem per thread (parallel_for over B); a
// problem with n m >= 2^20 entries runs alone on a team of num_threads() threads.
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "common.hpp"
#include "tradeoff/parallel.hpp"
#include "tradeoff/sinkhorn.hpp"

namespace tradeoff {
namespace bindings {

namespace {

using sinkhorn::Options;
using sinkhorn::Result;

std::string shape_str(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t k = 0; k < a.ndim(); ++k) {
    if (k) s += ", ";
    s += std::to_string(a.shape(k));
  }
  return s + (a.ndim() == 1 ? ",)" : ")");
}

void require_shape2(const carray<double>& a, index_t d0, index_t d1, const char* name) {
  require_ndim(a, 2, name);
  if (a.shape(0) != d0 || a.shape(1) != d1) {
    throw std::invalid_argument(std::string(name) + " must have shape (" + std::to_string(d0) +
                                ", " + std::to_string(d1) + "); got " + shape_str(a) +
                                " (internal: call the public tradeoff functions)");
  }
}

// n * m * B (and the plan's bytes) must not overflow: checked before allocating anything.
index_t checked_product(index_t x, index_t y, const char* what) {
  if (x > 0 && y > std::numeric_limits<index_t>::max() / x) {
    throw std::invalid_argument(std::string(what) + " is too large (size overflows 64 bits)");
  }
  return x * y;
}

// The scalars and the shapes shared by both entry points. Fills opt and the sizes.
void check_common(const carray<double>& a, const carray<double>& b, const carray<double>& f0,
                  const carray<double>& g0, const carray<double>& eps_stages, double tau_a,
                  double tau_b, std::int64_t max_iter, double tol, std::int64_t stage_iter,
                  index_t B, index_t n, index_t m, Options& opt) {
  if (B < 1 || n < 1 || m < 1) {
    throw std::invalid_argument("sinkhorn kernels need B, n, m >= 1; got B=" + std::to_string(B) +
                                ", n=" + std::to_string(n) + ", m=" + std::to_string(m) +
                                " (the public functions handle empty inputs)");
  }
  require_shape2(a, B, n, "a");
  require_shape2(b, B, m, "b");
  require_shape2(f0, B, n, "f0");
  require_shape2(g0, B, m, "g0");
  require_ndim(eps_stages, 1, "eps_stages");
  const index_t S = eps_stages.shape(0);
  if (S < 1) throw std::invalid_argument("eps_stages must hold at least one eps");
  const double* eps = eps_stages.data();
  for (index_t s = 0; s < S; ++s) {
    if (!(eps[s] > 0.0) || !std::isfinite(eps[s])) {
      throw std::invalid_argument("eps_stages must be positive and finite; entry " +
                                  std::to_string(s) + " is " + std::to_string(eps[s]));
    }
  }
  if (!(tau_a > 0.0) || !(tau_b > 0.0)) {
    throw std::invalid_argument("tau_a and tau_b must be > 0 (math.inf for a hard marginal)");
  }
  if (max_iter < 0 || stage_iter < 0) {
    throw std::invalid_argument("max_iter and stage_iter must be >= 0");
  }
  if (!(tol >= 0.0)) throw std::invalid_argument("tol must be >= 0");
  opt.eps_stages = eps;
  opt.n_stages = S;
  opt.tau_a = tau_a;
  opt.tau_b = tau_b;
  opt.max_iter = max_iter;
  opt.stage_iter = stage_iter;
  opt.tol = tol;
}

// Runs solve(problem, threads) over the batch: problems across threads when they are small,
// one after the other on a team of threads when they are large.
template <class Solve>
void run_batch(index_t B, index_t n, index_t m, Solve&& solve) {
  const bool big = n * m >= sinkhorn::kTeamEntries;
  if (big || B == 1 || num_threads() <= 1) {
    for (index_t p = 0; p < B; ++p) solve(p, big ? num_threads() : 1);
  } else {
    parallel_for(B, [&](index_t p) { solve(p, 1); });
  }
}

// The outputs of a batch, allocated once (with the GIL held).
template <class T>
struct Outputs {
  py::object plan = py::none();
  T* plan_ptr = nullptr;
  py::array_t<double> f, g, cost, objective, err;
  py::array_t<std::int64_t> n_iter;
  py::array_t<std::uint8_t> method_used;

  Outputs(index_t B, index_t n, index_t m, bool want_plan)
      : f({B, n}), g({B, m}), cost(B), objective(B), err(B), n_iter(B), method_used(B) {
    if (want_plan) {
      const index_t entries = checked_product(checked_product(B, n, "the plan"), m, "the plan");
      checked_product(entries, index_t(sizeof(T)), "the plan");
      py::array_t<T> p({B, n, m});
      plan_ptr = p.mutable_data();
      plan = std::move(p);
    }
  }

  py::tuple tuple() const {
    return py::make_tuple(plan, f, g, cost, objective, n_iter, err, method_used);
  }

  // Runs solve(p, f, g, plan, threads) -> Result for every problem p of the batch with the GIL
  // released: f and g start as copies of f0 and g0 and end as the returned potentials.
  template <class Solve>
  py::tuple run(const carray<double>& f0, const carray<double>& g0, Solve&& solve) {
    const index_t B = f.shape(0), n = f.shape(1), m = g.shape(1);
    const double *pf0 = f0.data(), *pg0 = g0.data();
    double *pf = f.mutable_data(), *pg = g.mutable_data();
    double *pcost = cost.mutable_data(), *pobj = objective.mutable_data();
    double* perr = err.mutable_data();
    std::int64_t* pit = n_iter.mutable_data();
    std::uint8_t* pmu = method_used.mutable_data();
    T* pplan = plan_ptr;
    {
      py::gil_scoped_release release;
      run_batch(B, n, m, [&](index_t p, int threads) {
        double* fp = pf + p * n;
        double* gp = pg + p * m;
        std::copy(pf0 + p * n, pf0 + (p + 1) * n, fp);
        std::copy(pg0 + p * m, pg0 + (p + 1) * m, gp);
        const Result r = solve(p, fp, gp, pplan ? pplan + p * n * m : nullptr, threads);
        pcost[p] = r.cost;
        pobj[p] = r.objective;
        perr[p] = r.err;
        pit[p] = r.n_iter;
        pmu[p] = r.method_used;
      });
    }
    return tuple();
  }
};

template <class T>
py::tuple dense_typed(const py::array& cost_any, const carray<double>& a,
                      const carray<double>& b, const carray<double>& f0,
                      const carray<double>& g0, const carray<double>& eps_stages, double tau_a,
                      double tau_b, std::int64_t max_iter, double tol, int method,
                      std::int64_t stage_iter, bool want_plan) {
  const auto cost = py::reinterpret_borrow<carray<T>>(cost_any);
  const index_t B = cost.shape(0), n = cost.shape(1), m = cost.shape(2);
  Options opt;
  check_common(a, b, f0, g0, eps_stages, tau_a, tau_b, max_iter, tol, stage_iter, B, n, m, opt);
  if (method < 0 || method > 2) {
    throw std::invalid_argument("method must be 0 (auto), 1 (log) or 2 (scaling); got " +
                                std::to_string(method));
  }
  opt.method = method;
  checked_product(checked_product(B, n, "the cost"), m, "the cost");
  Outputs<T> out(B, n, m, want_plan);
  const T* C = cost.data();
  const double *pa = a.data(), *pb = b.data();
  return out.run(f0, g0, [&](index_t p, double* f, double* g, T* plan, int threads) {
    return sinkhorn::solve_dense<T>(C + p * n * m, n, m, pa + p * n, pb + p * m, f, g, opt, plan,
                                    threads);
  });
}

template <class T>
py::tuple points_typed(const py::array& x_any, const py::array& y_any, const carray<double>& a,
                       const carray<double>& b, const carray<double>& f0,
                       const carray<double>& g0, const carray<double>& eps_stages, double tau_a,
                       double tau_b, std::int64_t max_iter, double tol, int metric,
                       std::int64_t stage_iter, bool want_plan) {
  const auto x = py::reinterpret_borrow<carray<T>>(x_any);
  const auto y = py::reinterpret_borrow<carray<T>>(y_any);
  const index_t B = x.shape(0), n = x.shape(1), d = x.shape(2), m = y.shape(1);
  if (y.shape(0) != B || y.shape(2) != d) {
    throw std::invalid_argument("y must have shape (B, m, d) matching x " + shape_str(x) +
                                "; got " + shape_str(y));
  }
  if (d > 65536) throw std::invalid_argument("at most 65536 coordinates per point");
  Options opt;
  check_common(a, b, f0, g0, eps_stages, tau_a, tau_b, max_iter, tol, stage_iter, B, n, m, opt);
  if (metric < 0 || metric > 1) {
    throw std::invalid_argument("metric must be 0 (sqeuclidean) or 1 (euclidean); got " +
                                std::to_string(metric));
  }
  opt.metric = metric;
  opt.method = sinkhorn::kLog;
  checked_product(n, m, "the cost");
  Outputs<T> out(B, n, m, want_plan);
  const T *px = x.data(), *py_ = y.data();
  const double *pa = a.data(), *pb = b.data();
  return out.run(f0, g0, [&](index_t p, double* f, double* g, T* plan, int threads) {
    return sinkhorn::solve_points<T>(px + p * n * d, py_ + p * m * d, n, m, int(d), pa + p * n,
                                     pb + p * m, f, g, opt, plan, threads);
  });
}

// float32 or float64, C-contiguous, of the given ndim: which one (4 or 8), else an error.
int cost_itemsize(const py::array& arr, int ndim, const char* name) {
  require_ndim(arr, ndim, name);
  if (!(arr.flags() & py::array::c_style)) {
    throw std::invalid_argument(std::string(name) + " must be C-contiguous (internal)");
  }
  if (arr.dtype().is(py::dtype::of<double>())) return 8;
  if (arr.dtype().is(py::dtype::of<float>())) return 4;
  throw std::invalid_argument(std::string(name) + " must be float32 or float64; got " +
                              std::string(py::str(arr.dtype())));
}

py::tuple sinkhorn_dense(const py::array& cost, const carray<double>& a, const carray<double>& b,
                         const carray<double>& f0, const carray<double>& g0,
                         const carray<double>& eps_stages, double tau_a, double tau_b,
                         std::int64_t max_iter, double tol, int method, std::int64_t stage_iter,
                         bool want_plan) {
  if (cost_itemsize(cost, 3, "cost") == 8) {
    return dense_typed<double>(cost, a, b, f0, g0, eps_stages, tau_a, tau_b, max_iter, tol,
                               method, stage_iter, want_plan);
  }
  return dense_typed<float>(cost, a, b, f0, g0, eps_stages, tau_a, tau_b, max_iter, tol, method,
                            stage_iter, want_plan);
}

py::tuple sinkhorn_points(const py::array& x, const py::array& y, const carray<double>& a,
                          const carray<double>& b, const carray<double>& f0,
                          const carray<double>& g0, const carray<double>& eps_stages,
                          double tau_a, double tau_b, std::int64_t max_iter, double tol,
                          int metric, std::int64_t stage_iter, bool want_plan) {
  const int sx = cost_itemsize(x, 3, "x"), sy = cost_itemsize(y, 3, "y");
  if (sx != sy) throw std::invalid_argument("x and y must have the same dtype (internal)");
  if (sx == 8) {
    return points_typed<double>(x, y, a, b, f0, g0, eps_stages, tau_a, tau_b, max_iter, tol,
                                metric, stage_iter, want_plan);
  }
  return points_typed<float>(x, y, a, b, f0, g0, eps_stages, tau_a, tau_b, max_iter, tol, metric,
                             stage_iter, want_plan);
}

}  // namespace

void register_sinkhorn(py::module_& m) {
  m.def("sinkhorn_dense", &sinkhorn_dense, py::arg("cost").noconvert(), py::arg("a").noconvert(),
        py::arg("b").noconvert(), py::arg("f0").noconvert(), py::arg("g0").noconvert(),
        py::arg("eps_stages").noconvert(), py::arg("tau_a"), py::arg("tau_b"),
        py::arg("max_iter"), py::arg("tol"), py::arg("method"), py::arg("stage_iter"),
        py::arg("want_plan"));
  m.def("sinkhorn_points", &sinkhorn_points, py::arg("x").noconvert(), py::arg("y").noconvert(),
        py::arg("a").noconvert(), py::arg("b").noconvert(), py::arg("f0").noconvert(),
        py::arg("g0").noconvert(), py::arg("eps_stages").noconvert(), py::arg("tau_a"),
        py::arg("tau_b"), py::arg("max_iter"), py::arg("tol"), py::arg("metric"),
        py::arg("stage_iter"), py::arg("want_plan"));
}

}  // namespace bindings
}  // namespace tradeoff
