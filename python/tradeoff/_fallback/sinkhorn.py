"""Entropic optimal transport, the readable way: the fallback and the test oracle.

The native kernels (cpp/include/tradeoff/sinkhorn.hpp, cuda/sinkhorn.cu) implement exactly what
this module does, faster; tests/test_sinkhorn_agreement.py checks that they agree.

Conventions (python/tradeoff/transport.py documents them for users). A problem is a cost
matrix C (n, m), weights a (n,), b (m,), a regularization eps and KL strengths tau_a, tau_b
(inf = hard marginal). The plan is P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps) for the
potentials f, g; C_ij = +inf is a forbidden pair and gets P_ij = 0.

One iteration (log domain), with lam = tau / (tau + eps) (1 for a hard marginal):

* row half-step: log S_i = log sum_j b_j exp((f_i + g_j - C_ij) / eps), so a_i S_i is row i's
  mass in the current plan; f_i <- lam_a (f_i - eps log S_i). The marginal error of the current
  plan is sum_i |a_i S_i - a_i exp(-f_new_i / tau_a)| (the second term is a_i for a hard
  marginal): how far the row sums are from what the update would make them. The convergence
  test happens here, before f is replaced.
* column half-step: the same for g with the roles of rows and columns swapped.

The scaling form (method 2) runs the same iterates as products with a stored kernel
K_ij = exp((alpha_i + beta_j - C_ij) / eps), absorbing the scalings into alpha, beta when they
grow (Schmitzer 2019), and falling back to a log-domain iteration when a product underflows.

Entry points: :func:`sinkhorn_dense` and :func:`sinkhorn_points`, with the kernel signature that
``tradeoff._core`` and ``tradeoff._gpu`` share (python/tradeoff/transport.py calls them).
"""

from __future__ import annotations

import math

import numpy as np

#: Exponents below this give a zero term (exp(-708.4) is the smallest normal double).
MIN_EXPONENT = -708.0
#: The scaling form absorbs its scalings into the potentials when |log u| or |log v| exceeds this.
ABSORB_LOG = 50.0
#: "auto" leaves the scaling form for the log domain once it has absorbed more than this many
#: times AND more often than once every AUTO_ABSORB_EVERY iterations: each absorption costs an
#: exp pass (half a log-domain iteration), so rare absorptions in a long solve are cheap.
AUTO_MAX_ABSORPTIONS = 8
AUTO_ABSORB_EVERY = 4
#: See AUTO_WARM_ITERS.
AUTO_WARM_ERROR = 0.1
#: "auto" runs this many log-domain iterations first (fewer once the error is below
#: AUTO_WARM_ERROR x sum(a)): from far potentials they would absorb at every iteration ...
AUTO_WARM_ITERS = 3
#: ... then scales as soon as at least this many iterations remain (all that are left with
#: tol = 0, else predicted from the last error ratio): fewer do not repay building the kernel.
AUTO_MIN_SCALING_ITERS = 10.0
#: "auto" uses the log domain when the stored kernel would exceed this many bytes.
AUTO_MAX_KERNEL_BYTES = 1 << 30

LOG, SCALING, AUTO = 1, 2, 0  # method codes of the kernel interface


def _exponents(f, g, cost, eps):
    """(f_i + g_j - C_ij) / eps, -inf for forbidden pairs (C = +inf)."""
    with np.errstate(invalid="ignore", over="ignore"):
        x = (f[:, None] + g[None, :] - cost) / eps
    x[np.isposinf(cost)] = -np.inf
    return x


def _log_weighted_sum(x, w, axis):
    """log sum_k w_k exp(x_k) along ``axis`` with the max shifted out; -inf for empty sums.
    Terms of zero weight and terms below MIN_EXPONENT (after the shift) count as zero."""
    with np.errstate(divide="ignore"):
        logw = np.log(w)
    z = x + (logw[None, :] if axis == 1 else logw[:, None])
    z[~np.isfinite(z)] = -np.inf  # zero weights and forbidden pairs
    top = z.max(axis=axis)
    safe_top = np.where(np.isfinite(top), top, 0.0)
    shifted = z - (safe_top[:, None] if axis == 1 else safe_top[None, :])
    terms = np.where(shifted >= MIN_EXPONENT, np.exp(np.maximum(shifted, MIN_EXPONENT)), 0.0)
    total = terms.sum(axis=axis)
    with np.errstate(divide="ignore"):
        return np.where(total > 0, safe_top + np.log(total), -np.inf)


def _damping(tau, eps):
    return 1.0 if math.isinf(tau) else tau / (tau + eps)


def _residual(w, log_s, new, tau):
    """sum_i |w_i S_i - w_i exp(-new_i / tau)| over the rows of positive weight (inf when a
    row sum overflows: far from converged)."""
    pos = w > 0
    if not pos.any():
        return 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        now = w[pos] * np.exp(log_s[pos])
        target = w[pos] if math.isinf(tau) else w[pos] * np.exp(-new[pos] / tau)
        total = float(np.abs(now - target).sum())
    return total if not math.isnan(total) else math.inf


class _Problem:
    """One transport problem: the cost as a callable block (dense or from points)."""

    def __init__(self, cost, a, b, tau_a, tau_b):
        self.cost, self.a, self.b = cost, a, b
        self.tau_a, self.tau_b = tau_a, tau_b

    def row_step(self, f, g, eps):
        """(new f, marginal error of the plan (f, g))."""
        x = _exponents(f, g, self.cost, eps)
        log_s = _log_weighted_sum(x, self.b, axis=1)
        new = _damping(self.tau_a, eps) * (f - eps * log_s)
        return new, _residual(self.a, log_s, new, self.tau_a)

    def col_step(self, f, g, eps):
        x = _exponents(f, g, self.cost, eps)
        log_t = _log_weighted_sum(x, self.a, axis=0)
        return _damping(self.tau_b, eps) * (g - eps * log_t)

    def log_iterations(self, f, g, eps, count, tol=0.0):
        """Up to ``count`` log-domain iterations; with ``tol > 0``, stop (before updating f) once
        the marginal error is <= tol. Returns (f, g, iterations run, converged)."""
        for it in range(count):
            new, err = self.row_step(f, g, eps)
            if tol > 0 and err <= tol:
                return f, g, it, True
            f = new
            g = self.col_step(f, g, eps)
        return f, g, count, False

    def scaling_iterations(self, f, g, eps, count, tol, auto):
        """The final stage in scaling form with absorption. Returns
        (f, g, iterations run, iterations run in scaling form)."""
        a, b, cost = self.a, self.b, self.cost
        lam_a, lam_b = _damping(self.tau_a, eps), _damping(self.tau_b, eps)
        alpha, beta = f.copy(), g.copy()
        kernel = None
        u, v = np.ones_like(f), np.ones_like(g)
        absorptions, scaled, it = 0, 0, 0

        def rebuild(alpha, beta):
            x = _exponents(alpha, beta, cost, eps)
            keep = x >= MIN_EXPONENT
            with np.errstate(over="ignore"):
                return np.where(keep, np.exp(np.where(keep, x, 0.0)), 0.0)

        kernel = rebuild(alpha, beta)
        while it < count:
            if (auto and absorptions > AUTO_MAX_ABSORPTIONS
                    and AUTO_ABSORB_EVERY * absorptions > it):  # still moving a lot: log domain
                f, g = alpha + eps * np.log(u), beta + eps * np.log(v)
                f, g, ran, _ = self.log_iterations(f, g, eps, count - it, tol)
                return f, g, it + ran, scaled
            with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
                kv = kernel @ (b * v)
                ok = bool(np.all(np.isfinite(kv) & (kv > 0)))
                if ok:
                    log_s = np.log(u) + np.log(kv)
                    new = lam_a * (alpha - eps * np.log(kv))
                    err = _residual(a, log_s, new, self.tau_a)
                    if tol > 0 and err <= tol:
                        return alpha + eps * np.log(u), beta + eps * np.log(v), it, scaled
                    log_u_new = (new - alpha) / eps
                    # a scaling this large would meet kernel entries flushed to 0: absorb first
                    ok = bool(np.all(np.abs(log_u_new) <= ABSORB_LOG))
                    if ok:
                        u_new = np.exp(log_u_new)
                        ku = kernel.T @ (a * u_new)
                        ok = bool(np.all(np.isfinite(ku) & (ku > 0)))
            if not ok:  # a product underflowed or a scaling grew: absorb, log iteration, rebuild
                f, g = alpha + eps * np.log(u), beta + eps * np.log(v)
                f, g, ran, done = self.log_iterations(f, g, eps, 1, tol)
                if done:
                    return f, g, it, scaled
                it += 1
                alpha, beta = f, g
                u, v = np.ones_like(f), np.ones_like(g)
                kernel = rebuild(alpha, beta)
                absorptions += 1
                continue
            u = u_new
            g_new = lam_b * (beta - eps * np.log(ku))
            v = np.exp((g_new - beta) / eps)
            it += 1
            scaled += 1
            if max(np.abs(np.log(u)).max(), np.abs(np.log(v)).max()) > ABSORB_LOG:
                alpha, beta = alpha + eps * np.log(u), beta + eps * np.log(v)
                u, v = np.ones_like(f), np.ones_like(g)
                kernel = rebuild(alpha, beta)
                absorptions += 1
        return alpha + eps * np.log(u), beta + eps * np.log(v), it, scaled

    def final(self, f, g, eps, want_plan):
        """(plan or None, transport cost, objective, marginal error) of the potentials (f, g)."""
        a, b, cost = self.a, self.b, self.cost
        x = _exponents(f, g, cost, eps)
        log_s = _log_weighted_sum(x, b, axis=1)
        new = _damping(self.tau_a, eps) * (f - eps * log_s)
        err = _residual(a, log_s, new, self.tau_a)
        weight = a[:, None] * b[None, :]
        with np.errstate(over="ignore", invalid="ignore"):
            keep = (x >= MIN_EXPONENT) & (weight > 0)  # zero weight: zero mass, whatever x is
            plan = np.where(keep, weight * np.exp(np.where(keep, x, 0.0)), 0.0)
        finite = np.isfinite(cost)
        transport = float(np.sum(plan[finite] * cost[finite]))
        rows, cols = plan.sum(axis=1), plan.sum(axis=0)
        objective = (
            float(np.sum(rows[rows > 0] * f[rows > 0]))
            + float(np.sum(cols[cols > 0] * g[cols > 0]))
            - eps * float(plan.sum())
            + eps * float(a.sum()) * float(b.sum())
        )
        if not math.isinf(self.tau_a):
            objective += self.tau_a * _kl(rows, a)
        if not math.isinf(self.tau_b):
            objective += self.tau_b * _kl(cols, b)
        return (plan if want_plan else None), transport, objective, err


def _kl(r, w):
    """Generalized KL(r | w) = sum r log(r / w) - r + w, with 0 log 0 = 0."""
    pos = r > 0
    with np.errstate(divide="ignore"):
        head = np.sum(r[pos] * np.log(r[pos] / w[pos]) - r[pos] + w[pos])
    return float(head + np.sum(w[~pos]))


def _auto_stays_log(left, err, prev, tol):
    """After auto's warm-up: too few iterations left to repay building the kernel?"""
    remaining = float(left)
    if tol > 0 and err > 0 and math.inf > prev > err:
        remaining = min(remaining, math.log(tol / err) / math.log(err / prev))
    return remaining < AUTO_MIN_SCALING_ITERS


def _solve(problem, f, g, eps_stages, max_iter, tol, method, stage_iter, want_plan, itemsize):
    """Stages, then the final stage in the chosen form, then the final pass."""
    n_iter = 0
    for e in eps_stages[:-1]:
        f, g, ran, _ = problem.log_iterations(f, g, float(e), stage_iter)
        n_iter += ran
    eps = float(eps_stages[-1])
    n, m = problem.cost.shape
    use_scaling = method == SCALING or (
        method == AUTO and n * m >= 64 and n * m * itemsize <= AUTO_MAX_KERNEL_BYTES
    )
    used = 0
    if use_scaling:
        warm, done = 0, False
        if method == AUTO:  # start in the log domain (see AUTO_WARM_ITERS)
            limit = AUTO_WARM_ERROR * float(problem.a.sum())
            err = prev = math.inf
            while warm < max_iter:
                if (warm >= AUTO_WARM_ITERS or err <= limit) and not _auto_stays_log(
                    max_iter - warm, err, prev, tol
                ):
                    break
                prev = err
                new, err = problem.row_step(f, g, eps)
                if tol > 0 and err <= tol:
                    done = True
                    break
                f = new
                g = problem.col_step(f, g, eps)
                warm += 1
            done = done or warm == max_iter
        ran = scaled = 0
        if not done:
            f, g, ran, scaled = problem.scaling_iterations(
                f, g, eps, max_iter - warm, tol, auto=method == AUTO
            )
        ran += warm
        used = 1 if 2 * scaled >= ran else 0
    else:
        f, g, ran, _ = problem.log_iterations(f, g, eps, max_iter, tol)
    n_iter += ran
    plan, transport, objective, err = problem.final(f, g, eps, want_plan)
    return plan, f, g, transport, objective, n_iter, err, used


def _run_batch(costs, a, b, f0, g0, eps_stages, tau_a, tau_b, max_iter, tol, method, stage_iter,
               want_plan, dtype):
    """Shared driver: ``costs(k)`` gives problem k's (n, m) float64 cost matrix."""
    batch, n = a.shape
    m = b.shape[1]
    stages = np.asarray(eps_stages, dtype=np.float64).ravel()
    plans = np.empty((batch, n, m), dtype=dtype) if want_plan else None
    f_out, g_out = np.empty((batch, n)), np.empty((batch, m))
    transport, objective, err = np.empty(batch), np.empty(batch), np.empty(batch)
    n_iter, used = np.empty(batch, dtype=np.int64), np.empty(batch, dtype=np.uint8)
    itemsize = np.dtype(dtype).itemsize
    for k in range(batch):
        problem = _Problem(costs(k), a[k], b[k], float(tau_a), float(tau_b))
        plan, f, g, t, o, it, e, u = _solve(
            problem, f0[k].astype(np.float64), g0[k].astype(np.float64), stages, int(max_iter),
            float(tol), int(method), int(stage_iter), bool(want_plan), itemsize,
        )
        if want_plan:
            plans[k] = plan
        f_out[k], g_out[k], transport[k], objective[k] = f, g, t, o
        n_iter[k], err[k], used[k] = it, e, u
    return plans, f_out, g_out, transport, objective, n_iter, err, used


def sinkhorn_dense(cost, a, b, f0, g0, eps_stages, tau_a, tau_b, max_iter, tol, method,
                   stage_iter, want_plan):
    """Kernel interface: cost (B, n, m); see the module docstring and transport.py."""
    def costs(k):
        return np.asarray(cost[k], dtype=np.float64)

    return _run_batch(costs, a, b, f0, g0, eps_stages, tau_a, tau_b, max_iter, tol, method,
                      stage_iter, want_plan, cost.dtype)


def point_costs(x, y, metric):
    """The (n, m) cost matrix between the rows of x and y: squared Euclidean (metric 0, no 1/2
    factor) or Euclidean (metric 1), computed coordinate by coordinate (no cancellation)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    total = np.zeros((x.shape[0], y.shape[0]))
    for k in range(x.shape[1]):
        diff = x[:, k, None] - y[None, :, k]
        total += diff * diff
    return np.sqrt(total) if metric == 1 else total


def sinkhorn_points(x, y, a, b, f0, g0, eps_stages, tau_a, tau_b, max_iter, tol, metric,
                    stage_iter, want_plan):
    """Kernel interface: x (B, n, d), y (B, m, d); the log domain on the explicit cost."""
    def costs(k):
        return point_costs(x[k], y[k], metric)

    return _run_batch(costs, a, b, f0, g0, eps_stages, tau_a, tau_b, max_iter, tol, LOG,
                      stage_iter, want_plan, x.dtype)
