"""Sinkhorn: known answers, invariants, unbalanced transport, convergence reporting, on every
CPU backend.

Known answers come from hand derivations (1 x 1, 2 x 2 with any marginals, the first-order
expansion around the product coupling as eps grows, the tau -> 0 limit, a mass bound for
unbalanced transport) or from an independent method (the exact linear program, scipy's HiGHS).
Where two runs compute the same iterates in exact arithmetic (a constant added to a row,
permutations, cost and eps scaled together, zero-weight rows removed, batch vs single) they
run a fixed number of iterations (tol=0) and agree to 1e-9 relative; where only the limits
agree they run to tol=1e-12 and agree to 1e-8.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from conftest import exact_ot, kl_div, scaling_sinkhorn, sq_dists

import tradeoff

METHODS = ["log", "scaling", "auto"]


def random_problem(n, m, seed, zero_weights=False):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.2, 1.0, n)
    b = rng.uniform(0.2, 1.0, m)
    if zero_weights:
        a[rng.integers(0, n)] = 0.0
        b[rng.integers(0, m)] = 0.0
    a /= a.sum()
    b /= b.sum()
    cost = rng.uniform(0.0, 1.0, (n, m))
    return a, b, cost


def cloud_cost(n, m, seed, d=2):
    rng = np.random.default_rng(seed)
    return sq_dists(rng.random((n, d)), rng.random((m, d)))


def entropic_objective(plan, cost, a, b, eps, tau_a=math.inf, tau_b=math.inf):
    """<P, C> + eps KL(P | a b^T) + marginal terms, straight from the definition."""
    plan = np.asarray(plan, dtype=np.float64)
    finite = np.isfinite(cost)
    value = float(np.sum(plan[finite] * cost[finite])) + eps * kl_div(plan, np.outer(a, b))
    if not math.isinf(tau_a):
        value += tau_a * kl_div(plan.sum(axis=1), a)
    if not math.isinf(tau_b):
        value += tau_b * kl_div(plan.sum(axis=0), b)
    return value


# ---------------------------------------------------------------------------- known answers


@pytest.mark.parametrize("method", METHODS)
def test_one_by_one(backend, method):
    res = tradeoff.sinkhorn(None, None, [[3.7]], eps=0.5, method=method, tol=1e-12)
    assert res.plan.tolist() == [[pytest.approx(1.0, abs=1e-15)]]
    assert res.cost == pytest.approx(3.7, rel=1e-15)
    assert res.objective == pytest.approx(3.7, rel=1e-14)
    assert res.f[0] + res.g[0] == pytest.approx(3.7, rel=1e-14)  # P = exp((f + g - C) / eps)
    # one iteration makes both marginals exact; the next row half-step sees it and stops
    assert res.n_iter == 1 and res.converged and res.marginal_error <= 1e-15
    # weights w: the plan is [[w]] and log P / (a b) = -log w, so f + g = C - eps log w
    w, eps = 2.0, 0.5
    res = tradeoff.sinkhorn([w], [w], [[3.7]], eps=eps, method=method, tol=1e-12)
    assert res.plan[0, 0] == pytest.approx(w, rel=1e-15)
    assert res.cost == pytest.approx(w * 3.7, rel=1e-15)
    assert res.f[0] + res.g[0] == pytest.approx(3.7 - eps * math.log(w), rel=1e-14)
    # <P, C> + eps (w log(w / w^2) - w + w^2)
    expected = w * 3.7 + eps * (-w * math.log(w) - w + w * w)
    assert res.objective == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("tau", [(2.0, 2.0), (0.3, 5.0), (1e-3, 1e3)])
def test_one_by_one_unbalanced_closed_form(backend, tau):
    # min_p p c + eps KL(p | ab) + ta KL(p | a) + tb KL(p | b): setting the derivative to 0,
    # (eps + ta + tb) log p = -c + eps log(ab) + ta log a + tb log b
    ta, tb = tau
    a, b, c, eps = 0.7, 1.6, 0.9, 0.4
    log_p = (-c + eps * math.log(a * b) + ta * math.log(a) + tb * math.log(b)) / (eps + ta + tb)
    p = math.exp(log_p)
    res = tradeoff.sinkhorn([a], [b], [[c]], eps=eps, tau=tau, tol=1e-14, max_iter=10_000)
    assert res.converged
    assert res.plan[0, 0] == pytest.approx(p, rel=1e-12)
    assert res.cost == pytest.approx(p * c, rel=1e-12)
    expected = p * c + eps * (p * math.log(p / (a * b)) - p + a * b)
    expected += ta * (p * math.log(p / a) - p + a) + tb * (p * math.log(p / b) - p + b)
    assert res.objective == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("eps", [0.15, 0.5, 5.0])
def test_two_by_two_uniform_closed_form(backend, method, eps):
    # uniform marginals leave one free entry: P = [[p, 1/2 - p], [1/2 - p, p]]; setting the
    # derivative of <P, C> + eps sum P log(4 P) to 0 gives 2 eps log(p / (1/2 - p)) = -delta,
    # delta = C11 + C22 - C12 - C21, so p = 1 / (2 (1 + exp(delta / (2 eps))))
    cost = np.array([[0.3, 1.7], [1.1, 0.2]])
    delta = 0.3 + 0.2 - 1.7 - 1.1
    p = 1.0 / (2.0 * (1.0 + math.exp(delta / (2.0 * eps))))
    expected = np.array([[p, 0.5 - p], [0.5 - p, p]])
    res = tradeoff.sinkhorn(None, None, cost, eps=eps, method=method, tol=1e-12, max_iter=100_000)
    assert res.converged
    # entries may be off by the remaining marginal error (<= tol)
    np.testing.assert_allclose(res.plan, expected, rtol=1e-10, atol=1e-12)
    assert res.cost == pytest.approx(p * 0.5 + (0.5 - p) * 2.8, rel=1e-10)
    entropy = sum(q * math.log(4 * q) for q in expected.ravel())
    assert res.objective == pytest.approx(res.cost + eps * entropy, rel=1e-10, abs=1e-14)


@pytest.mark.parametrize("a1, b1", [(0.3, 0.6), (0.5, 0.5), (0.9, 0.2)])
def test_two_by_two_any_marginals_closed_form(backend, a1, b1):
    # P = [[p, a1 - p], [b1 - p, a2 - b1 + p]]; the optimality condition (the a, b reference
    # terms cancel) is p (a2 - b1 + p) / ((a1 - p)(b1 - p)) = k = exp(-delta / eps), i.e.
    # (1 - k) p^2 + (a2 - b1 + k (a1 + b1)) p - k a1 b1 = 0 with p in the feasible interval
    a2, b2 = 1 - a1, 1 - b1
    cost = np.array([[0.0, 1.0], [2.0, 0.5]])
    eps = 0.7
    k = math.exp(-(0.0 + 0.5 - 1.0 - 2.0) / eps)
    qa, qb, qc = 1 - k, a2 - b1 + k * (a1 + b1), -k * a1 * b1
    roots = [(-qb + s * math.sqrt(qb * qb - 4 * qa * qc)) / (2 * qa) for s in (1, -1)]
    lo, hi = max(0.0, b1 - a2), min(a1, b1)
    (p,) = [r for r in roots if lo < r < hi]
    expected = np.array([[p, a1 - p], [b1 - p, a2 - b1 + p]])
    res = tradeoff.sinkhorn([a1, a2], [b1, b2], cost, eps=eps, tol=1e-12, max_iter=100_000)
    np.testing.assert_allclose(res.plan, expected, rtol=1e-10, atol=1e-12)


def test_product_coupling_as_eps_grows(backend):
    # eps -> inf: P -> a b^T, and to first order in 1/eps
    # eps (P_ij - a_i b_j) -> a_i b_j (Cr_i + Cc_j - Cm - C_ij) with Cr_i = sum_j b_j C_ij,
    # Cc_j = sum_i a_i C_ij, Cm = sum_ij a_i b_j C_ij (derived from the marginal equations)
    a, b, cost = random_problem(4, 5, seed=3)
    ab = np.outer(a, b)
    row, col, mean = cost @ b, a @ cost, a @ cost @ b
    first_order = ab * (row[:, None] + col[None, :] - mean - cost)
    errors = []
    for eps in (1e2, 1e3, 1e4):
        res = tradeoff.sinkhorn(a, b, cost, eps=eps, tol=1e-15)
        assert res.converged
        gap = np.abs(eps * (res.plan - ab) - first_order).max() / np.abs(first_order).max()
        assert gap <= 1.0 / eps  # the second-order term is O(spread / eps), spread <= 1
        errors.append(gap)
    assert errors[0] > errors[1] > errors[2]
    res = tradeoff.sinkhorn(a, b, cost, eps=1e9, tol=1e-15)
    np.testing.assert_allclose(res.plan, ab, rtol=1e-8)


def test_cost_converges_to_the_exact_linear_program(backend):
    # For the optimal entropic plan P_eps and an exact optimum P*: <P_eps, C> >= OT(C) and
    # <P_eps, C> + eps KL(P_eps | ab) <= <P*, C> + eps KL(P* | ab), so
    # 0 <= <P_eps, C> - OT <= eps KL(P* | ab); <P_eps, C> is nondecreasing in eps.
    a, b, cost = random_problem(5, 6, seed=21)
    ot_cost, ot_plan = exact_ot(a, b, cost)
    kl_star = kl_div(ot_plan, np.outer(a, b))
    median = float(np.median(cost))
    previous = math.inf
    for rel in (1.0, 0.1, 0.01, 0.002):
        eps = rel * median
        res = tradeoff.sinkhorn(a, b, cost, eps=eps, tol=1e-12, max_iter=200_000, eps_scaling=0.5)
        assert res.converged
        slack = 4 * res.marginal_error * cost.max() + 1e-12
        assert ot_cost - slack <= res.cost <= ot_cost + eps * kl_star + slack
        assert res.cost <= previous + slack
        previous = res.cost
    assert res.cost - ot_cost <= 0.002 * median * kl_star + 1e-9
    # the optimal plan is unique for these continuous costs: the entropic plans approach it
    assert np.abs(res.plan - ot_plan).sum() < 1e-3


def test_max_iter_zero_returns_the_gibbs_kernel(backend):
    # no iteration: f = g = 0, so P = a b^T exp(-C / eps) exactly
    a, b, cost = random_problem(3, 4, seed=5)
    res = tradeoff.sinkhorn(a, b, cost, eps=0.3, max_iter=0, tol=0)
    assert res.n_iter == 0 and not res.converged
    np.testing.assert_allclose(res.plan, np.outer(a, b) * np.exp(-cost / 0.3), rtol=1e-14)
    np.testing.assert_array_equal(res.f, 0.0)
    np.testing.assert_array_equal(res.g, 0.0)
    expected_err = np.abs(res.plan.sum(axis=1) - a).sum()
    assert res.marginal_error == pytest.approx(expected_err, rel=1e-12)


# ------------------------------------------------------------------------------ invariants


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("rel_eps", [1.0, 0.05, 0.005])
def test_marginals_plan_and_totals_at_convergence(backend, method, rel_eps):
    a, b, cost = random_problem(9, 12, seed=8, zero_weights=True)
    eps = rel_eps * float(np.median(cost))
    tol = 1e-9
    res = tradeoff.sinkhorn(a, b, cost, eps=eps, tol=tol, method=method, max_iter=100_000)
    plan = res.plan
    assert res.converged and res.marginal_error <= tol
    assert (plan >= 0).all()
    rows, cols = plan.sum(axis=1), plan.sum(axis=0)
    assert np.abs(rows - a).sum() <= tol * (1 + 1e-6) + 1e-15
    assert np.abs(cols - b).sum() <= tol + 1e-15
    # marginal_error describes the returned plan: the L1 distance of its row sums to a
    assert res.marginal_error == pytest.approx(np.abs(rows - a).sum(), rel=1e-6, abs=1e-15)
    # zero weights get exactly zero mass
    assert (plan[a == 0] == 0).all() and (plan[:, b == 0] == 0).all()
    # the plan has the Gibbs form of the returned potentials
    pos = np.outer(a, b) > 0
    gibbs = np.outer(a, b) * np.exp((res.f[:, None] + res.g[None, :] - cost) / eps)
    np.testing.assert_allclose(plan[pos], gibbs[pos], rtol=1e-12)
    assert res.cost == pytest.approx(float(np.sum(plan * cost)), rel=1e-12)
    assert res.objective == pytest.approx(entropic_objective(plan, cost, a, b, eps), rel=1e-10)
    # strong duality at a balanced solution: objective = <a, f> + <b, g> (up to the residual)
    dual = float(a @ res.f + b @ res.g)
    assert res.objective == pytest.approx(dual, abs=10 * tol * (np.abs(res.f).max() + eps))
    assert res.method in ("log", "scaling")
    if method != "auto":
        assert res.method == method


def test_auto_picks_the_log_domain_for_tiny_problems_and_scaling_otherwise(backend):
    assert tradeoff.sinkhorn(None, None, cloud_cost(7, 9, 1), eps=0.1).method == "log"  # 63 < 64
    assert tradeoff.sinkhorn(None, None, cloud_cost(8, 8, 1), eps=0.1).method == "scaling"
    assert tradeoff.sinkhorn(None, None, cloud_cost(8, 8, 1), eps=0.1, method="log").method == "log"


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("max_iter", [1, 2, 5, 30])
def test_columns_fit_exactly_after_every_iteration(backend, method, max_iter):
    # an iteration ends with the column half-step, so the returned plan's column sums are b
    # (balanced) up to rounding, however far the rows are from a. The first case needs a
    # scaling u_i = e^333 in the first iteration: a kernel entry exp(-1000) that a stored
    # kernel flushes to 0 still carries mass exp(-1000) u_i ~ exp(-667) like its column's others
    rng = np.random.default_rng(107)
    cases = [
        (np.array([[2.0, 0, 0, 0, 0], [2, 0, 0, 0, 0], [2, 0, 0, 0, 0], [3, 1, 1, 1, 1]]), 0.003),
        (rng.random((9, 11)), 0.002),
        (cloud_cost(12, 10, 3) * 100.0, 0.05),
    ]
    for cost, eps in cases:
        m = cost.shape[1]
        res = tradeoff.sinkhorn(None, None, cost, eps=eps, tol=0, max_iter=max_iter,
                                method=method)
        assert res.n_iter == max_iter or res.marginal_error == 0.0  # an exact fit stops
        np.testing.assert_allclose(res.plan.sum(axis=0), np.full(m, 1 / m), rtol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_a_constant_added_to_a_row_or_column_changes_only_the_potentials(backend, method):
    a, b, cost = random_problem(8, 11, seed=13)
    eps = 0.05
    shift_r = np.linspace(-3.0, 5.0, 8)
    shift_c = np.linspace(2.0, -4.0, 11)
    base = tradeoff.sinkhorn(a, b, cost, eps=eps, tol=0, max_iter=60, method=method)
    # rows: from f = g = 0 the first row half-step absorbs the shift, the iterates then agree
    rows = tradeoff.sinkhorn(a, b, cost + shift_r[:, None], eps=eps, tol=0, max_iter=60,
                             method=method)
    np.testing.assert_allclose(rows.plan, base.plan, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(rows.f - base.f, shift_r, atol=1e-9)
    np.testing.assert_allclose(rows.g, base.g, atol=1e-9)
    # columns: the same iterates when g starts shifted
    cols = tradeoff.sinkhorn(
        a, b, cost + shift_c[None, :], eps=eps, tol=0, max_iter=60, method=method,
        init=(np.zeros(8), shift_c),
    )
    np.testing.assert_allclose(cols.plan, base.plan, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(cols.g - base.g, shift_c, atol=1e-9)
    # from zeros only the limits agree
    conv = tradeoff.sinkhorn(a, b, cost, eps=eps, tol=1e-12, max_iter=100_000, method=method)
    both = tradeoff.sinkhorn(
        a, b, cost + shift_r[:, None] + shift_c[None, :], eps=eps, tol=1e-12, max_iter=100_000,
        method=method,
    )
    np.testing.assert_allclose(both.plan, conv.plan, rtol=1e-8, atol=1e-14)
    assert both.cost - conv.cost == pytest.approx(a @ shift_r + b @ shift_c, abs=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_permuting_rows_and_columns_permutes_the_plan(backend, method):
    a, b, cost = random_problem(9, 7, seed=17)
    rng = np.random.default_rng(0)
    p, q = rng.permutation(9), rng.permutation(7)
    base = tradeoff.sinkhorn(a, b, cost, eps=0.02, tol=0, max_iter=80, method=method)
    perm = tradeoff.sinkhorn(a[p], b[q], cost[p][:, q], eps=0.02, tol=0, max_iter=80, method=method)
    np.testing.assert_allclose(perm.plan, base.plan[p][:, q], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(perm.f, base.f[p], atol=1e-10)
    np.testing.assert_allclose(perm.g, base.g[q], atol=1e-10)
    assert perm.cost == pytest.approx(base.cost, rel=1e-12)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("s", [1e-3, 7.0, 1e4])
def test_scaling_cost_eps_and_tau_together_leaves_the_plan_unchanged(backend, method, s):
    a, b, cost = random_problem(6, 10, seed=19)
    kw = {"tol": 0, "max_iter": 50, "method": method}
    for tau in (None, (0.5, 3.0)):
        base = tradeoff.sinkhorn(a, b, cost, eps=0.03, tau=tau, **kw)
        tau_s = None if tau is None else (tau[0] * s, tau[1] * s)
        scaled = tradeoff.sinkhorn(a, b, cost * s, eps=0.03 * s, tau=tau_s, **kw)
        np.testing.assert_allclose(scaled.plan, base.plan, rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(scaled.f, base.f * s, rtol=1e-9, atol=1e-12 * s)
        np.testing.assert_allclose(scaled.g, base.g * s, rtol=1e-9, atol=1e-12 * s)
        assert scaled.cost == pytest.approx(base.cost * s, rel=1e-9)
        assert scaled.objective == pytest.approx(base.objective * s, rel=1e-9)
    # annealing scales too: its first stage is the cost spread
    base = tradeoff.sinkhorn(a, b, cost, eps=0.003, eps_scaling=0.5, tol=1e-10, max_iter=50_000)
    scaled = tradeoff.sinkhorn(a, b, cost * s, eps=0.003 * s, eps_scaling=0.5, tol=1e-10,
                               max_iter=50_000)
    np.testing.assert_allclose(scaled.plan, base.plan, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_batch_equals_single_calls(backend, method):
    rng = np.random.default_rng(23)
    batch = 4
    costs = rng.uniform(0, 2, (batch, 8, 9))
    a = rng.uniform(0.1, 1, (batch, 8))
    b = rng.uniform(0.1, 1, (batch, 9))
    a /= a.sum(axis=1, keepdims=True)
    b /= b.sum(axis=1, keepdims=True)
    res = tradeoff.sinkhorn(a, b, costs, eps=0.05, method=method, tol=1e-9, max_iter=50_000)
    assert res.plan.shape == (batch, 8, 9) and res.f.shape == (batch, 8)
    assert res.g.shape == (batch, 9)
    for field in ("cost", "objective", "n_iter", "marginal_error", "converged", "method"):
        assert np.shape(getattr(res, field)) == (batch,)
    for k in range(batch):
        one = tradeoff.sinkhorn(a[k], b[k], costs[k], eps=0.05, method=method, tol=1e-9,
                                max_iter=50_000)
        np.testing.assert_allclose(res.plan[k], one.plan, rtol=1e-12, atol=1e-16)
        np.testing.assert_allclose(res.f[k], one.f, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(res.g[k], one.g, rtol=1e-12, atol=1e-14)
        assert res.cost[k] == pytest.approx(one.cost, rel=1e-12)
        assert res.objective[k] == pytest.approx(one.objective, rel=1e-12)
        assert res.n_iter[k] == one.n_iter  # each problem stops on its own
        assert res.converged[k] == one.converged
        assert res.method[k] == one.method
    assert len(set(res.n_iter.tolist())) > 1
    # shared 1-D weights and per-problem warm starts
    shared_a, shared_b = a[0], b[0]
    init = (rng.normal(size=(batch, 8)), rng.normal(size=(batch, 9)))
    res = tradeoff.sinkhorn(shared_a, shared_b, costs, eps=0.1, method=method, tol=0,
                            max_iter=30, init=init)
    for k in range(batch):
        one = tradeoff.sinkhorn(shared_a, shared_b, costs[k], eps=0.1, method=method, tol=0,
                                max_iter=30, init=(init[0][k], init[1][k]))
        np.testing.assert_allclose(res.plan[k], one.plan, rtol=1e-12, atol=1e-16)
        assert res.n_iter[k] == one.n_iter == 30


@pytest.mark.parametrize("method", METHODS)
def test_float32_in_float32_out(backend, method):
    a, b, cost = random_problem(9, 10, seed=29)
    c32 = cost.astype(np.float32)
    res = tradeoff.sinkhorn(a, b, c32, eps=0.05, method=method, tol=1e-7, max_iter=10_000)
    assert res.plan.dtype == res.f.dtype == res.g.dtype == np.float32
    assert isinstance(res.cost, float) and isinstance(res.objective, float)
    assert isinstance(res.n_iter, int) and isinstance(res.converged, bool)
    ref = tradeoff.sinkhorn(a, b, c32.astype(np.float64), eps=0.05, method="log", tol=1e-7,
                            max_iter=10_000)
    # potentials are float64 inside: the float32 plan is the float64 one rounded (plus, for
    # the scaling form, a kernel stored in float32)
    rtol = 1e-6 if method == "log" else 1e-4
    np.testing.assert_allclose(res.plan, ref.plan, rtol=rtol, atol=1e-9)
    np.testing.assert_allclose(res.f, ref.f, rtol=0, atol=1e-5)
    assert res.cost == pytest.approx(ref.cost, rel=1e-5)
    # a float32 batch
    batch = tradeoff.sinkhorn(a, b, np.stack([c32, c32[::-1]]), eps=0.05, method=method)
    assert batch.plan.dtype == batch.f.dtype == np.float32
    assert batch.cost.dtype == np.float64


def test_integer_and_bool_costs_become_float64(backend):
    res = tradeoff.sinkhorn(None, None, np.array([[0, 3], [2, 1]]), eps=0.5)
    assert res.plan.dtype == res.f.dtype == np.float64
    ref = tradeoff.sinkhorn(None, None, np.array([[0.0, 3.0], [2.0, 1.0]]), eps=0.5)
    np.testing.assert_array_equal(res.plan, ref.plan)
    res = tradeoff.sinkhorn([1, 1], [2, 0], np.array([[True, False], [False, True]]), eps=0.5)
    np.testing.assert_allclose(res.plan, [[1, 0], [1, 0]], atol=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_read_only_and_non_contiguous_inputs_work_and_are_never_modified(backend, method):
    rng = np.random.default_rng(31)
    big = rng.uniform(0, 1, (20, 33))
    cost = big[::2, 1::3]  # (10, 11), strided
    wa = rng.uniform(0.1, 1, 20)
    wa /= wa[::2].sum()
    a = wa[::2]
    b = np.asfortranarray(np.full((11, 2), 1 / 11))[:, 0]
    f0, g0 = rng.normal(size=10), rng.normal(size=22)[::2]
    for arr in (big, wa, f0, g0):
        arr.setflags(write=False)
    saved = [x.copy() for x in (big, wa, b, f0, g0)]
    kw = {"eps": 0.05, "method": method, "tol": 0, "max_iter": 40}
    res = tradeoff.sinkhorn(a, b, cost, init=(f0, g0), **kw)
    ref = tradeoff.sinkhorn(a.copy(), b.copy(), cost.copy(), init=(f0.copy(), g0.copy()), **kw)
    np.testing.assert_array_equal(res.plan, ref.plan)
    np.testing.assert_array_equal(res.f, ref.f)
    fortran = tradeoff.sinkhorn(a, b, np.asfortranarray(cost), init=(f0, g0), **kw)
    np.testing.assert_array_equal(fortran.plan, ref.plan)
    transposed = tradeoff.sinkhorn(b, a, cost.T, **kw)  # a transposed view, also strided
    np.testing.assert_array_equal(
        transposed.plan, tradeoff.sinkhorn(b.copy(), a.copy(), cost.T.copy(), **kw).plan
    )
    for arr, before in zip((big, wa, b, f0, g0), saved):
        np.testing.assert_array_equal(arr, before)
    for out in (res.plan, res.f, res.g):
        for inp in (big, wa, b, f0, g0):
            assert not np.shares_memory(out, inp)
    plan = tradeoff.sinkhorn_plan(res.f, res.g, cost, eps=0.05, a=a, b=b)
    assert not np.shares_memory(plan, big)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("tau", [None, 0.5, (math.inf, 0.2)])
def test_warm_start_from_the_solution_converges_at_once(backend, method, tau):
    a, b, cost = random_problem(10, 12, seed=37)
    res = tradeoff.sinkhorn(a, b, cost, eps=0.01, tau=tau, tol=1e-9, method=method,
                            max_iter=100_000)
    assert res.converged and res.n_iter > 5
    again = tradeoff.sinkhorn(a, b, cost, eps=0.01, tau=tau, tol=1e-9, method=method,
                              init=(res.f, res.g))
    assert again.converged and again.n_iter <= 1
    np.testing.assert_allclose(again.plan, res.plan, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("q", [0.5, 0.1])
@pytest.mark.parametrize("method", METHODS)
def test_eps_scaling_reaches_the_same_answer(backend, q, method):
    a, b, cost = random_problem(15, 20, seed=41)
    eps = 0.004
    kw = {"eps": eps, "tol": 1e-11, "max_iter": 500_000, "method": method}
    plain = tradeoff.sinkhorn(a, b, cost, **kw)
    annealed = tradeoff.sinkhorn(a, b, cost, eps_scaling=q, **kw)
    assert plain.converged and annealed.converged
    np.testing.assert_allclose(annealed.plan, plain.plan, rtol=0, atol=1e-8)
    assert annealed.cost == pytest.approx(plain.cost, rel=1e-8)
    assert annealed.objective == pytest.approx(plain.objective, rel=1e-8)
    # the earlier stages run one iteration each: at least ceil(log(eps / spread) / log q) of them
    spread = cost.max() - cost.min()
    assert annealed.n_iter >= math.ceil(math.log(eps / spread) / math.log(q))


@pytest.mark.parametrize("metric", ["sqeuclidean", "euclidean"])
def test_points_equal_sinkhorn_on_the_explicit_cost(backend, metric):
    rng = np.random.default_rng(43)
    x, y = rng.normal(size=(13, 3)), rng.normal(size=(17, 3)) + 0.5
    cost = sq_dists(x, y)
    if metric == "euclidean":
        cost = np.sqrt(cost)
    a = rng.uniform(0.1, 1, 13)
    a /= a.sum()
    for kw in ({"tol": 0, "max_iter": 70}, {"tol": 1e-10, "max_iter": 100_000, "eps_scaling": 0.5}):
        eps = 0.01 * float(np.median(cost))
        pts = tradeoff.sinkhorn_points(x, y, a, None, eps=eps, metric=metric, return_plan=True,
                                       **kw)
        dense = tradeoff.sinkhorn(a, None, cost, eps=eps, method="log", **kw)
        # potentials are defined up to (f + k, g - k): compare f_i + g_j
        np.testing.assert_allclose(
            pts.f[:, None] + pts.g[None, :], dense.f[:, None] + dense.g[None, :],
            rtol=0, atol=1e-9 * cost.max(),
        )
        np.testing.assert_allclose(pts.plan, dense.plan, rtol=1e-6, atol=1e-14)
        assert pts.cost == pytest.approx(dense.cost, rel=1e-9)
        assert pts.objective == pytest.approx(dense.objective, rel=1e-9)
        assert pts.method == "log"
        if kw["tol"] == 0:  # annealed, the clouds' stages start from their bounding box
            assert pts.n_iter == dense.n_iter == 70
    assert tradeoff.sinkhorn_points(x, y, eps=1.0, metric=metric).plan is None
    # a batch of clouds
    xb, yb = np.stack([x, x[::-1]]), np.stack([y, 2 * y])
    res = tradeoff.sinkhorn_points(xb, yb, eps=0.5, metric=metric, tol=0, max_iter=20,
                                   return_plan=True)
    for k in range(2):
        c = sq_dists(xb[k], yb[k])
        c = np.sqrt(c) if metric == "euclidean" else c
        one = tradeoff.sinkhorn(None, None, c, eps=0.5, tol=0, max_iter=20, method="log")
        np.testing.assert_allclose(res.plan[k], one.plan, rtol=1e-9, atol=1e-15)
    # float32 clouds give float32 results
    res32 = tradeoff.sinkhorn_points(x.astype(np.float32), y.astype(np.float32), eps=0.5,
                                     metric=metric, return_plan=True)
    assert res32.plan.dtype == res32.f.dtype == np.float32


@pytest.mark.parametrize("method", METHODS)
def test_sinkhorn_plan_rebuilds_the_result_plan(backend, method):
    a, b, cost = random_problem(7, 8, seed=47)
    cost[2, 3] = np.inf
    res = tradeoff.sinkhorn(a, b, cost, eps=0.02, method=method, tol=1e-8)
    plan = tradeoff.sinkhorn_plan(res.f, res.g, cost, eps=0.02, a=a, b=b)
    np.testing.assert_allclose(plan, res.plan, rtol=1e-12, atol=1e-300)
    assert plan[2, 3] == 0.0
    lean = tradeoff.sinkhorn(a, b, cost, eps=0.02, method=method, tol=1e-8, return_plan=False)
    assert lean.plan is None
    np.testing.assert_array_equal(lean.f, res.f)
    # default uniform weights, float32 cost, and a batch
    c32 = cost.astype(np.float32)
    res = tradeoff.sinkhorn(None, None, c32, eps=0.1, method=method)
    plan = tradeoff.sinkhorn_plan(res.f, res.g, c32, eps=0.1)
    assert plan.dtype == np.float32
    np.testing.assert_allclose(plan, res.plan, rtol=1e-6, atol=1e-12)
    costs = np.stack([cost, cost + 1, cost[::-1] * 2])
    res = tradeoff.sinkhorn(a, b, costs, eps=0.1, method=method)
    plan = tradeoff.sinkhorn_plan(res.f, res.g, costs, eps=0.1, a=a, b=b)
    np.testing.assert_allclose(plan, res.plan, rtol=1e-12, atol=1e-300)


# --------------------------------------------------------------- forbidden pairs, tiny eps


@pytest.mark.parametrize("method", METHODS)
def test_infinite_costs_get_exactly_zero_mass(backend, method):
    a, b, cost = random_problem(8, 9, seed=53)
    rng = np.random.default_rng(1)
    forbidden = rng.random((8, 9)) < 0.4
    forbidden[np.arange(8), np.arange(8)] = False  # plenty of room: every row keeps a pair
    forbidden[:, 8] = False
    cost[forbidden] = np.inf
    eps = 0.1
    res = tradeoff.sinkhorn(a, b, cost, eps=eps, method=method, tol=1e-12, max_iter=100_000)
    assert res.converged
    assert (res.plan[forbidden] == 0).all()
    assert np.isfinite(res.plan).all() and np.isfinite(res.f).all() and np.isfinite(res.g).all()
    assert math.isfinite(res.cost) and math.isfinite(res.objective)
    np.testing.assert_allclose(res.plan.sum(axis=1), a, atol=1e-11)
    np.testing.assert_allclose(res.plan.sum(axis=0), b, atol=1e-11)
    # the textbook scaling iteration on exp(-C / eps) (zero where C = inf) is an independent oracle
    np.testing.assert_allclose(res.plan, scaling_sinkhorn(a, b, cost, eps, 5000), atol=1e-10)
    allowed = ~forbidden
    assert res.cost == pytest.approx(float(np.sum(res.plan[allowed] * cost[allowed])), rel=1e-12)
    assert res.objective == pytest.approx(entropic_objective(res.plan, cost, a, b, eps), rel=1e-10)
    # at small eps the cost approaches the exact program with the same forbidden pairs
    ot_cost, ot_plan = exact_ot(a, b, cost)
    small = tradeoff.sinkhorn(a, b, cost, eps=1e-3, method=method, tol=1e-9, max_iter=500_000,
                              eps_scaling=0.5)
    assert (small.plan[forbidden] == 0).all()
    assert ot_cost - 1e-8 <= small.cost <= ot_cost + 1e-3 * kl_div(ot_plan, np.outer(a, b)) + 1e-8


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("eps", [0.03, 1e-3])
@pytest.mark.parametrize("row_cost", [9.0, -4.0])
def test_zero_weight_rows_and_columns_change_nothing_else(backend, method, eps, row_cost):
    # a zero-weight row still gets a potential, and exp((f_i + g_j - C_ij) / eps) may overflow
    # there (a cheap row at small eps): its plan entries are a_i (...) = 0 all the same
    a, b, cost = random_problem(6, 7, seed=59)
    a0 = np.insert(a, 2, 0.0)
    b0 = np.insert(b, [0, 5], 0.0)
    cost0 = np.insert(cost, 2, row_cost, axis=0)
    cost0 = np.insert(cost0, [0, 5], -4.0, axis=1)  # a cheap column that nobody may use
    kw = {"eps": eps, "tol": 0, "max_iter": 50, "method": method}
    ref = tradeoff.sinkhorn(a, b, cost, **kw)
    res = tradeoff.sinkhorn(a0, b0, cost0, **kw)
    assert np.isfinite(res.plan).all()
    keep_r = np.flatnonzero(a0 > 0)
    keep_c = np.flatnonzero(b0 > 0)
    np.testing.assert_allclose(res.plan[np.ix_(keep_r, keep_c)], ref.plan, rtol=1e-10, atol=1e-16)
    assert (res.plan[a0 == 0] == 0).all() and (res.plan[:, b0 == 0] == 0).all()
    assert res.cost == pytest.approx(ref.cost, rel=1e-10)
    assert res.objective == pytest.approx(ref.objective, rel=1e-10)
    assert res.marginal_error == pytest.approx(ref.marginal_error, rel=1e-6, abs=1e-15)
    plan = tradeoff.sinkhorn_plan(res.f, res.g, cost0, eps=eps, a=a0, b=b0)
    np.testing.assert_allclose(plan, res.plan, rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("method", METHODS)
def test_a_zero_weight_row_far_from_everything_keeps_a_finite_potential(backend, method):
    # row 3 weighs nothing and its every term exp((f + g - 1) / eps) underflows: its potential
    # is still computed (the log domain's exact log-sum-exp gives f_3 = 1 + eps log 3 - ...),
    # finite, so the result can warm-start another solve
    a = np.zeros(8)
    a[1] = 1.0
    cost = np.zeros((8, 3))
    cost[1, 2] = 1.0
    cost[3] = 1.0
    ref = tradeoff.sinkhorn(a, None, cost, eps=1e-3, max_iter=1, tol=0, method="log")
    res = tradeoff.sinkhorn(a, None, cost, eps=1e-3, max_iter=1, tol=0, method=method)
    assert np.isfinite(res.f).all() and np.isfinite(res.g).all()
    np.testing.assert_allclose(res.f, ref.f, rtol=0, atol=1e-12)
    res = tradeoff.sinkhorn(a, None, cost, eps=1e-3, method=method)
    again = tradeoff.sinkhorn(a, None, cost, eps=1e-3, method=method, init=(res.f, res.g))
    assert again.converged and again.n_iter <= 1


def test_a_zero_weight_row_cheaper_than_the_rest_gets_no_mass(backend):
    # after the column half-step g_1 = 1 - f_1, so row 0's exponent (f_0 + g_1 - 0) / eps is
    # about 1 / eps = 1000: a_0 exp(1000) must be 0, not 0 * inf
    res = tradeoff.sinkhorn([0.0, 1.0], None, [[0.0, 0.0], [0.0, 1.0]], eps=1e-3)
    assert res.plan[0].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(res.plan[1], [0.5, 0.5], rtol=1e-12)
    assert res.cost == pytest.approx(0.5, rel=1e-12)
    assert math.isfinite(res.objective) and res.converged


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("scale", [1.0, 1e6])
def test_tiny_eps_never_gives_nan(backend, method, scale):
    rng = np.random.default_rng(61)
    cost = sq_dists(rng.random((30, 2)), rng.random((25, 2))) * scale
    cost[3, :10] = np.inf
    eps = 1e-4 * float(np.median(cost[np.isfinite(cost)]))
    for kw in ({}, {"eps_scaling": 0.5}):
        res = tradeoff.sinkhorn(None, None, cost, eps=eps, method=method, tol=0, max_iter=300, **kw)
        assert res.n_iter >= 300
        for arr in (res.plan, res.f, res.g):
            assert np.isfinite(arr).all()
        assert (res.plan >= 0).all() and (res.plan[3, :10] == 0).all()
        assert math.isfinite(res.cost) and math.isfinite(res.objective)
        assert math.isfinite(res.marginal_error)
        # the columns fit after each iteration
        assert np.abs(res.plan.sum(axis=0) - 1 / 25).sum() < 1e-9
    # and it converges there, to within eps KL(P* | ab) of the exact transport cost
    small = cost[4:12, 10:18]
    eps = 1e-4 * float(np.median(small[np.isfinite(small)]))
    res = tradeoff.sinkhorn(None, None, small, eps=eps, method=method, eps_scaling=0.7,
                            tol=1e-9, max_iter=200_000)
    uniform = np.full(8, 1 / 8)
    ot_cost, ot_plan = exact_ot(uniform, uniform, small)
    bound = eps * kl_div(ot_plan, np.full((8, 8), 1 / 64))
    assert res.converged
    assert ot_cost - 1e-8 * scale <= res.cost <= ot_cost + bound + 1e-8 * scale


# ---------------------------------------------------------------------------------- unbalanced


def test_unbalanced_approaches_balanced_as_tau_grows(backend):
    # the marginal penalty's optimum deviates from the hard constraint by O(1 / tau)
    a, b, cost = random_problem(7, 9, seed=67)
    eps = 0.2
    bal = tradeoff.sinkhorn(a, b, cost, eps=eps, tol=1e-12, max_iter=100_000)
    gaps = []
    for tau in (1.0, 10.0, 100.0):
        res = tradeoff.sinkhorn(a, b, cost, eps=eps, tau=tau, tol=1e-10, max_iter=100_000)
        assert res.converged
        gaps.append(np.abs(res.plan - bal.plan).sum())
        assert gaps[-1] <= 0.5 / tau  # cost spread <= 1
        assert abs(res.cost - bal.cost) <= 0.1 / tau
    assert gaps[0] > 5 * gaps[1] > 25 * gaps[2] > 0


def test_unbalanced_tau_to_zero_gives_the_gibbs_kernel(backend):
    # tau -> 0: the marginal terms vanish, f = g = 0 and P = a b^T exp(-C / eps)
    a, b, cost = random_problem(5, 6, seed=71)
    res = tradeoff.sinkhorn(a, b, cost, eps=0.2, tau=1e-9, tol=1e-14)
    np.testing.assert_allclose(res.plan, np.outer(a, b) * np.exp(-cost / 0.2), rtol=1e-7)


@pytest.mark.parametrize("tau", [10.0, 1.0, 0.1, (0.05, 3.0)])
def test_unbalanced_mass_shrinks_under_positive_costs(backend, tau):
    # At the optimum the derivative along P -> tP vanishes:
    # <P, C> + eps sum P log(P/ab) + ta sum r log(r/a) + tb sum c log(c/b) = 0; by the log-sum
    # inequality each sum is >= M log M (total mass M, sum a = sum b = 1), so with C >= cmin
    # M <= exp(-cmin / (eps + ta + tb)) (equality for 1 x 1).
    a, b, cost = random_problem(6, 8, seed=73)
    cost += 0.5
    eps = 0.1
    ta, tb = (tau, tau) if np.ndim(tau) == 0 else tau
    res = tradeoff.sinkhorn(a, b, cost, eps=eps, tau=tau, tol=1e-13, max_iter=100_000)
    assert res.converged
    mass = res.plan.sum()
    assert mass <= math.exp(-cost.min() / (eps + ta + tb)) + 1e-12
    # the optimality conditions: r = a exp(-f / ta), c = b exp(-g / tb)
    np.testing.assert_allclose(res.plan.sum(axis=1), a * np.exp(-res.f / ta), atol=1e-12)
    np.testing.assert_allclose(res.plan.sum(axis=0), b * np.exp(-res.g / tb), atol=1e-12)
    assert res.objective == pytest.approx(
        entropic_objective(res.plan, cost, a, b, eps, ta, tb), rel=1e-10
    )
    assert res.cost == pytest.approx(float(np.sum(res.plan * cost)), rel=1e-12)


@pytest.mark.parametrize("t", [0.05, 2.0])
def test_unbalanced_per_side_strengths(backend, t):
    a, b, cost = random_problem(6, 9, seed=79)
    kw = {"eps": 0.05, "tol": 1e-12, "max_iter": 100_000}
    rows_hard = tradeoff.sinkhorn(a, b, cost, tau=(math.inf, t), **kw)
    cols_hard = tradeoff.sinkhorn(a, b, cost, tau=(t, None), **kw)
    assert rows_hard.converged and cols_hard.converged
    np.testing.assert_allclose(rows_hard.plan.sum(axis=1), a, atol=1e-11)
    assert np.abs(rows_hard.plan.sum(axis=0) - b).sum() > 1e-3
    np.testing.assert_allclose(rows_hard.plan.sum(axis=0), b * np.exp(-rows_hard.g / t), atol=1e-12)
    np.testing.assert_allclose(cols_hard.plan.sum(axis=0), b, atol=1e-11)
    assert np.abs(cols_hard.plan.sum(axis=1) - a).sum() > 1e-3
    # mirror symmetry: (a, b, C, (t1, t2)) is (b, a, C^T, (t2, t1)) transposed
    for t1, t2 in ((math.inf, t), (t, 3 * t)):
        one = tradeoff.sinkhorn(a, b, cost, tau=(t1, t2), **kw)
        other = tradeoff.sinkhorn(b, a, cost.T, tau=(t2, t1), **kw)
        np.testing.assert_allclose(other.plan.T, one.plan, atol=1e-10)
        assert other.objective == pytest.approx(one.objective, rel=1e-9)
    # a scalar tau is both sides
    both = tradeoff.sinkhorn(a, b, cost, tau=t, **kw)
    pair = tradeoff.sinkhorn(a, b, cost, tau=(t, t), **kw)
    np.testing.assert_array_equal(both.plan, pair.plan)
    # (inf, inf) is balanced, and so are weights with different totals once a side is soft
    bal = tradeoff.sinkhorn(a, b, cost, tau=(math.inf, math.inf), **kw)
    np.testing.assert_array_equal(bal.plan, tradeoff.sinkhorn(a, b, cost, **kw).plan)
    heavy = tradeoff.sinkhorn(a, 3 * b, cost, tau=(math.inf, t), **kw)
    np.testing.assert_allclose(heavy.plan.sum(axis=1), a, atol=1e-11)


def test_unbalanced_against_the_textbook_scaling_iteration(backend):
    a, b, cost = random_problem(5, 7, seed=83)
    b *= 2.5  # unequal totals are fine when unbalanced
    for ta, tb in ((0.3, 0.3), (1.0, 0.1), (math.inf, 0.5)):
        res = tradeoff.sinkhorn(a, b, cost, eps=0.1, tau=(ta, tb), tol=0, max_iter=400)
        np.testing.assert_allclose(res.plan, scaling_sinkhorn(a, b, cost, 0.1, 400, ta, tb),
                                   rtol=1e-9, atol=1e-15)


# ---------------------------------------------------------------------- convergence reporting


def test_non_convergence_warns_and_says_so(backend):
    a, b, cost = random_problem(10, 10, seed=89)
    with pytest.warns(tradeoff.ConvergenceWarning, match=r"max_iter=3\b") as rec:
        res = tradeoff.sinkhorn(a, b, cost, eps=0.01, max_iter=3, tol=1e-12)
    assert issubclass(tradeoff.ConvergenceWarning, UserWarning)
    assert len(rec) == 1
    assert "eps" in str(rec[0].message)
    assert res.converged is False and res.n_iter == 3 and res.marginal_error > 1e-12
    with pytest.warns(tradeoff.ConvergenceWarning, match=r"max_iter"):
        res = tradeoff.sinkhorn_points(cost[:4, :2], cost[4:9, :2], eps=1e-3, max_iter=2,
                                       tol=1e-12)
    assert res.converged is False
    # a batch: one warning, and each problem says whether it converged
    easy = np.zeros((10, 10))  # a constant cost: f = g = 0 already fits both marginals
    with pytest.warns(tradeoff.ConvergenceWarning, match=r"max_iter=5\b") as rec:
        res = tradeoff.sinkhorn(a, b, np.stack([easy, cost]), eps=0.01, max_iter=5, tol=1e-9)
    assert len(rec) == 1
    assert res.converged.tolist() == [True, False]
    assert res.n_iter.tolist() == [0, 5]
    # with annealing the message still names max_iter
    with pytest.warns(tradeoff.ConvergenceWarning, match=r"max_iter"):
        tradeoff.sinkhorn(a, b, cost, eps=1e-3, max_iter=2, tol=1e-12, eps_scaling=0.5)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("max_iter", [0, 1, 7, 40])
def test_tol_zero_runs_exactly_max_iter_without_warning(backend, method, max_iter):
    a, b, cost = random_problem(9, 8, seed=97)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = tradeoff.sinkhorn(a, b, cost, eps=0.02, tol=0, max_iter=max_iter, method=method)
        batch = tradeoff.sinkhorn(a, b, np.stack([cost, cost * 2]), eps=0.02, tol=0,
                                  max_iter=max_iter, method=method)
        pts = tradeoff.sinkhorn_points(cost[:3, :2], cost[3:7, :2], eps=0.1, tol=0,
                                       max_iter=max_iter)
    # far from converged: no exact fit can stop these early
    assert res.n_iter == max_iter and batch.n_iter.tolist() == [max_iter] * 2
    assert pts.n_iter == max_iter
    assert res.converged is (res.marginal_error <= 0)


@pytest.mark.parametrize("method", METHODS)
def test_tol_zero_stops_early_only_at_an_exact_fit(backend, method):
    # documented: tol=0 runs max_iter iterations, fewer only if the error reaches exactly 0
    # (a 1 x 1 problem or a constant cost can fit both marginals exactly)
    for cost in ([[3.0]], np.zeros((4, 5)), np.full((9, 8), 2.5)):
        res = tradeoff.sinkhorn(None, None, cost, eps=0.1, tol=0, max_iter=9, method=method)
        assert res.n_iter == 9 or res.marginal_error == 0.0
        assert res.marginal_error == pytest.approx(0.0, abs=1e-14)  # a fit up to rounding
        assert res.converged is (res.marginal_error == 0.0)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_run_stops_before_max_iter_only_when_converged(backend, method, dtype):
    # the loop's stopping test and the final pass must measure the same marginal error: else a
    # run stops early yet reports converged=False and a warning that blames max_iter. A
    # float32 cost at a tol below float32 precision is the hard case for a float32 kernel.
    rng = np.random.default_rng(103)
    for cost in (np.zeros((4, 5)), np.ones((8, 8)), rng.random((20, 30))):
        for tol in (1e-6, 1e-8, 1e-10, 1e-13):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", tradeoff.ConvergenceWarning)
                res = tradeoff.sinkhorn(None, None, cost.astype(dtype), eps=0.05, tol=tol,
                                        max_iter=3000, method=method)
            assert res.converged or res.n_iter == 3000, (tol, res)
            assert res.converged == (res.marginal_error <= tol)


def test_converged_means_marginal_error_within_tol(backend):
    a, b, cost = random_problem(12, 10, seed=101)
    for tol in (1e-2, 1e-5, 1e-10):
        res = tradeoff.sinkhorn(a, b, cost, eps=0.02, tol=tol, max_iter=100_000)
        assert res.converged and res.marginal_error <= tol
        assert np.abs(res.plan.sum(axis=1) - a).sum() <= tol * (1 + 1e-9)
    # a looser tol stops no later
    its = [tradeoff.sinkhorn(a, b, cost, eps=0.02, tol=t).n_iter for t in (1e-2, 1e-4, 1e-6)]
    assert its[0] <= its[1] <= its[2] and its[0] < its[2]
