"""POT as an oracle where installed (skipped when missing): ot.sinkhorn and
ot.bregman.sinkhorn_log for balanced plans and costs, ot.unbalanced.sinkhorn_unbalanced(reg=eps,
reg_m=tau) for unbalanced ones, ot.emd for the exact transport eps -> 0 approaches, ot.dist for
the point-cloud costs.

Tolerances: both sides run to a marginal error of about 1e-12, so plans agree to 1e-9 of the
total mass and transport costs to 1e-9 relative; potentials are compared as f_i + g_j (both
libraries fix the constant shift (f + k, g - k) differently), to 1e-8 of the cost scale.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from conftest import kl_div, sq_dists

import tradeoff

ot = pytest.importorskip("ot")


def problem(n, m, seed, d=2):
    rng = np.random.default_rng(seed)
    x, y = rng.random((n, d)), rng.random((m, d)) + 0.2
    a = rng.uniform(0.1, 1.0, n)
    b = rng.uniform(0.1, 1.0, m)
    return a / a.sum(), b / b.sum(), sq_dists(x, y), x, y


def quiet(fn, *args, **kw):
    """POT warns when it stops at numItermax; these calls run to convergence, but keep its
    warnings out of the strict filter all the same (our own are asserted elsewhere)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


@pytest.mark.parametrize("rel_eps", [1.0, 0.1])
@pytest.mark.parametrize("method", ["log", "scaling", "auto"])
def test_balanced_plan_and_cost_match_pot_sinkhorn(rel_eps, method):
    a, b, cost, _, _ = problem(30, 40, seed=1)
    eps = rel_eps * float(np.median(cost))
    expected = quiet(ot.sinkhorn, a, b, cost, reg=eps, numItermax=200_000, stopThr=1e-14)
    res = tradeoff.sinkhorn(a, b, cost, eps=eps, tol=1e-12, max_iter=200_000, method=method)
    assert res.converged
    np.testing.assert_allclose(res.plan, expected, rtol=0, atol=1e-9)
    assert res.cost == pytest.approx(float(np.sum(expected * cost)), rel=1e-9)
    pot_cost = quiet(ot.sinkhorn2, a, b, cost, reg=eps, numItermax=200_000, stopThr=1e-14)
    assert res.cost == pytest.approx(float(pot_cost), rel=1e-9)


@pytest.mark.parametrize("rel_eps", [0.01, 1e-3])
def test_small_eps_matches_pot_sinkhorn_log(rel_eps):
    a, b, cost, _, _ = problem(25, 20, seed=2)
    eps = rel_eps * float(np.median(cost))
    expected, log = quiet(ot.bregman.sinkhorn_log, a, b, cost, reg=eps, numItermax=500_000,
                          stopThr=1e-13, log=True)
    # POT's plan is exp(log_u - M / reg + log_v): f + g = eps (log_u - log a + log_v - log b)
    pot_sum = eps * ((log["log_u"] - np.log(a))[:, None] + (log["log_v"] - np.log(b))[None, :])
    mass = expected > 1e-12  # elsewhere the potentials are barely determined
    for method in ("log", "scaling", "auto"):
        res = tradeoff.sinkhorn(a, b, cost, eps=eps, tol=1e-11, max_iter=500_000, method=method,
                                eps_scaling=0.5)
        assert res.converged
        assert np.isfinite(res.plan).all()
        np.testing.assert_allclose(res.plan, expected, rtol=0, atol=1e-8)
        assert res.cost == pytest.approx(float(np.sum(expected * cost)), rel=1e-8)
        ours = res.f[:, None] + res.g[None, :]
        np.testing.assert_allclose(ours[mass], pot_sum[mass], rtol=0, atol=1e-6 * cost.max())


@pytest.mark.parametrize("tau", [0.05, 1.0, (0.2, 3.0), (math.inf, 0.5), (0.5, math.inf)])
@pytest.mark.parametrize("method", ["log", "scaling"])
def test_unbalanced_matches_pot_sinkhorn_unbalanced(tau, method):
    a, b, cost, _, _ = problem(15, 18, seed=3)
    b = 1.7 * b  # unequal totals: only one side may be hard
    if tau == (0.5, math.inf):
        a = a * 1.7
    eps = 0.05
    reg_m = tau
    expected = quiet(ot.unbalanced.sinkhorn_unbalanced, a, b, cost, reg=eps, reg_m=reg_m,
                     reg_type="kl", numItermax=200_000, stopThr=1e-15)
    res = tradeoff.sinkhorn(a, b, cost, eps=eps, tau=tau, tol=1e-13, max_iter=200_000,
                            method=method)
    assert res.converged
    np.testing.assert_allclose(res.plan, expected, rtol=0, atol=1e-9 * expected.sum())
    assert res.cost == pytest.approx(float(np.sum(expected * cost)), rel=1e-8)
    # the objective <P, C> + eps KL(P | ab) + marginal KL terms, evaluated on POT's plan (POT's
    # own returnCost="total" drops the mass terms of the generalized KL)
    ta, tb = (tau, tau) if np.ndim(tau) == 0 else tau
    value = float(np.sum(expected * cost)) + eps * kl_div(expected, np.outer(a, b))
    if not math.isinf(ta):
        value += ta * kl_div(expected.sum(axis=1), a)
    if not math.isinf(tb):
        value += tb * kl_div(expected.sum(axis=0), b)
    assert res.objective == pytest.approx(value, rel=1e-8)


def test_cost_approaches_exact_transport_from_ot_emd():
    a, b, cost, _, _ = problem(12, 14, seed=4)
    exact_plan = ot.emd(a, b, cost)
    exact = float(np.sum(exact_plan * cost))
    kl_star = kl_div(exact_plan, np.outer(a, b))
    median = float(np.median(cost))
    gaps = []
    for rel in (0.3, 0.03, 0.003, 3e-4):
        eps = rel * median
        res = tradeoff.sinkhorn(a, b, cost, eps=eps, tol=1e-10, max_iter=1_000_000,
                                eps_scaling=0.5)
        assert res.converged
        # 0 <= <P_eps, C> - OT <= eps KL(P* | ab) (up to the marginal error's effect)
        slack = 4 * res.marginal_error * cost.max() + 1e-12
        assert exact - slack <= res.cost <= exact + eps * kl_star + slack
        gaps.append(res.cost - exact)
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[-1] < 1e-4 * exact
    # the exact optimum is unique here (continuous random costs): the plans converge to it
    assert np.abs(res.plan - exact_plan).sum() < 1e-3


@pytest.mark.parametrize("metric", ["sqeuclidean", "euclidean"])
def test_points_match_sinkhorn_on_ot_dist(metric):
    a, b, _, x, y = problem(20, 30, seed=5, d=3)
    cost = ot.dist(x, y, metric=metric)
    eps = 0.05 * float(np.median(cost))
    pts = tradeoff.sinkhorn_points(x, y, a, b, eps=eps, metric=metric, tol=1e-11,
                                   max_iter=100_000, return_plan=True)
    expected = quiet(ot.bregman.sinkhorn_log, a, b, cost, reg=eps, numItermax=100_000,
                     stopThr=1e-13)
    np.testing.assert_allclose(pts.plan, expected, rtol=0, atol=1e-9)
    assert pts.cost == pytest.approx(float(np.sum(expected * cost)), rel=1e-8)


def test_correct_where_the_plain_scaling_iteration_underflows():
    # POT's default method multiplies by exp(-M / reg): at eps = 1e-3 x median most of the
    # kernel underflows to 0 and the plan is garbage or NaN; the stable methods agree with
    # POT's log-domain solver
    a, b, cost, _, _ = problem(20, 20, seed=6)
    cost = cost * 50.0
    eps = 1e-3 * float(np.median(cost))
    naive = quiet(ot.sinkhorn, a, b, cost, reg=eps, numItermax=2000)
    assert not (np.isfinite(naive).all() and np.abs(naive.sum(axis=0) - b).sum() < 1e-3)
    expected = quiet(ot.bregman.sinkhorn_log, a, b, cost, reg=eps, numItermax=500_000,
                     stopThr=1e-12)
    for method in ("log", "scaling", "auto"):
        res = tradeoff.sinkhorn(a, b, cost, eps=eps, tol=1e-10, max_iter=500_000, method=method,
                                eps_scaling=0.5)
        assert res.converged and np.isfinite(res.plan).all()
        np.testing.assert_allclose(res.plan, expected, rtol=0, atol=1e-7)
