"""Agreement: native == fallback (same method, same iterations), and log == scaling == auto on
every CPU backend, over inputs hypothesis finds hard: integer costs with many ties, zero
weights, +inf entries (with a feasible remainder), n or m = 1, cost ranges up to 1e6, eps from
1e-3 to 10 times the cost scale, unbalanced and one-sided tau, float32, batches, point clouds.

Tolerances. Runs with tol=0 and a fixed number of iterations (<= 60) compute the same
iterates on every path, up to rounding (SIMD exp vs libm, summation order, and for the scaling
form the stored kernel: float64 here; float32 when the cost is float32). With
S = max(|finite C|, eps, |f|, |g|) the potentials' scale:

* potentials f, g: |difference| <= 1e-9 S (float64 and float32 costs in the log domain;
  potentials are float64 inside, rounded to the cost dtype on return: + 2^-23 |f| for float32);
  the scaling form with a float32 kernel adds its rounding, |difference| <= 1e-5 eps per
  iteration, so up to 60 x 1e-5 eps;
* plan: a potential error d moves log P by d / eps, so |dP| <= (e^{2d/eps} - 1) P + 1e-300
  (the exp cut-off at -708), plus the float32 rounding of the returned plan;
* transport cost and objective: relative 1e-9 (float64) after the same bound on the plan;
  n_iter and the method used are equal (tol=0 also stops where the error is exactly 0: a
  path that stopped there may be fewer iterations in).

Converged runs (tol=1e-10; 1e-6 for float32 costs, whose scaling-form kernel may be stored in
float32) stop at most one iteration apart; their plans agree to 1e-6 of the total mass. Every
run that stops before max_iter has converged.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tradeoff
from tradeoff import _backend

_core = _backend.core_module()
HAVE_NATIVE = _core is not None and hasattr(_core, "sinkhorn_dense")
needs_native = pytest.mark.skipif(not HAVE_NATIVE, reason="native module built without Sinkhorn")

CPU_BACKENDS = (["native"] if HAVE_NATIVE else []) + ["fallback"]

SETTINGS = settings(
    max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# ------------------------------------------------------------------------------- strategies


def _floats(lo, hi, dtype):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False,
                     width=32 if dtype == np.float32 else 64)


@st.composite
def weights(draw, size, batch, allow_zero=True):
    shape = (size,) if batch is None else (batch, size)
    pick = st.one_of(st.just(0.0), st.floats(0.01, 1.0)) if allow_zero else st.floats(0.01, 1.0)
    w = draw(hnp.arrays(np.float64, shape, elements=pick))
    w[..., draw(st.integers(0, size - 1))] = draw(st.floats(0.05, 1.0))  # a positive total
    return w / w.sum(axis=-1, keepdims=True)


def northwest_support(a, b):
    """The support of the north-west corner rule's plan: a feasible balanced plan for any
    weights (with equal totals), so keeping these pairs finite keeps the problem feasible."""
    keep = np.zeros((len(a), len(b)), dtype=bool)
    ra, rb = a.copy(), b.copy()
    i = j = 0
    while i < len(a) and j < len(b):
        keep[i, j] = True
        step = min(ra[i], rb[j])
        ra[i] -= step
        rb[j] -= step
        if ra[i] <= rb[j] and i < len(a) - 1:
            i += 1
        else:
            j += 1
    return keep


@st.composite
def problems(draw, batch=False, max_n=10, unbalanced=True):
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(1, max_n))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    kind = draw(st.sampled_from(["grid", "wide", "huge", "signed"]))
    elements = {
        "grid": st.integers(0, 4).map(float),  # many ties
        "wide": _floats(0.0, 1e3, dtype),
        "huge": st.integers(0, 6).map(lambda k: float(10**k)),  # a range of 1e6
        "signed": _floats(-50.0, 50.0, dtype),
    }[kind]
    n_batch = draw(st.integers(1, 3)) if batch else None
    shape = (n, m) if n_batch is None else (n_batch, n, m)
    cost = draw(hnp.arrays(dtype, shape, elements=elements))
    a = draw(st.one_of(st.none(), weights(n, n_batch)))
    b = draw(st.one_of(st.none(), weights(m, n_batch)))
    if draw(st.booleans()):  # forbidden pairs, off a feasible support
        mask = draw(hnp.arrays(bool, shape, elements=st.booleans()))
        wa = np.broadcast_to(np.full(n, 1 / n) if a is None else a, shape[:-1])
        wb = np.broadcast_to(np.full(m, 1 / m) if b is None else b, shape[:-2] + (m,))
        for k in range(1 if n_batch is None else n_batch):
            idx = () if n_batch is None else (k,)
            keep = northwest_support(wa[idx], wb[idx])
            # every row and column also keeps a pair with a positive-weight partner
            keep[np.arange(n), np.argmax(wb[idx] > 0)] = True
            keep[np.argmax(wa[idx] > 0), np.arange(m)] = True
            mask[idx] &= ~keep
        cost[mask] = np.inf
    finite = cost[np.isfinite(cost)]
    scale = max(float(np.abs(finite).max()), 1.0) if finite.size else 1.0
    eps = draw(st.sampled_from([1e-3, 1e-2, 0.1, 1.0, 10.0])) * scale
    tau = None
    if unbalanced:
        tau = draw(st.one_of(
            st.none(),
            st.sampled_from([0.1, 1.0, 100.0]).map(lambda t: t * scale),
            st.tuples(st.just(math.inf), st.sampled_from([0.5, 5.0]).map(lambda t: t * scale)),
        ))
    # from f = g = 0 (max_iter=0) a negative cost at tiny eps overflows the plan itself
    iters = draw(st.integers(1 if kind == "signed" else 0, 60))
    return {"a": a, "b": b, "cost": cost, "eps": eps, "tau": tau, "max_iter": iters, "scale": scale}


@st.composite
def clouds(draw, batch=False):
    n, m, d = draw(st.integers(1, 9)), draw(st.integers(1, 9)), draw(st.integers(1, 4))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    el = draw(st.sampled_from([st.integers(-2, 2).map(float), _floats(-100.0, 100.0, dtype)]))
    n_batch = draw(st.integers(1, 3)) if batch else None
    lead = () if n_batch is None else (n_batch,)
    x = draw(hnp.arrays(dtype, lead + (n, d), elements=el))
    y = draw(hnp.arrays(dtype, lead + (m, d), elements=el))
    metric = draw(st.sampled_from(["sqeuclidean", "euclidean"]))
    diff = x.astype(float)[..., :, None, :] - y.astype(float)[..., None, :, :]
    sq = (diff**2).sum(-1)
    cost = np.sqrt(sq) if metric == "euclidean" else sq
    scale = max(float(cost.max()), 1.0)
    eps = draw(st.sampled_from([1e-3, 1e-2, 0.1, 1.0])) * scale
    tau = draw(st.one_of(st.none(), st.just(scale)))
    iters = draw(st.integers(0, 40))
    a = draw(st.one_of(st.none(), weights(n, n_batch)))
    return {"x": x, "y": y, "metric": metric, "eps": eps, "tau": tau, "max_iter": iters,
            "scale": scale, "a": a}


# ------------------------------------------------------------------------------- comparison


def converged_tol(cost):
    """1e-10, or 1e-6 for float32 costs: the scaling form may store its kernel in float32,
    whose rounding (6e-8 relative) floors the reachable marginal error."""
    return 1e-6 if cost.dtype == np.float32 else 1e-10


def run(fn, backend, **kw):
    with tradeoff.using_backend(backend), warnings.catch_warnings():
        warnings.simplefilter("ignore", tradeoff.ConvergenceWarning)
        return fn(**kw)


def assert_same(res, ref, eps, scale, float32_kernel_iters=0, a=None, b=None):
    """res agrees with ref to the tolerances of the module docstring. ``a``, ``b``: the weights
    (None = uniform), needed when one path stopped at an exact fit (see same_iter)."""
    same_iter(res, ref)
    f_res, f_ref = np.asarray(res.f, dtype=float), np.asarray(ref.f, dtype=float)
    g_res, g_ref = np.asarray(res.g, dtype=float), np.asarray(ref.g, dtype=float)
    if not np.array_equal(res.n_iter, ref.n_iter):
        # past an exact fit only zero-weight rows and columns still move: compare the rest
        wa = np.broadcast_to(1.0 if a is None else a, f_ref.shape)
        wb = np.broadcast_to(1.0 if b is None else b, g_ref.shape)
        f_res, f_ref = f_res[wa > 0], f_ref[wa > 0]
        g_res, g_ref = g_res[wb > 0], g_ref[wb > 0]
    both = np.concatenate([f_ref.ravel(), g_ref.ravel()])
    both = both[np.isfinite(both)]
    pot = max(scale, eps, float(np.abs(both).max()) if both.size else 0.0)
    f32 = res.f.dtype == np.float32
    d = 1e-9 * pot + (2.0**-23 * pot if f32 else 0.0) + 1e-5 * eps * float32_kernel_iters
    np.testing.assert_allclose(f_res, f_ref, rtol=0, atol=d)
    np.testing.assert_allclose(g_res, g_ref, rtol=0, atol=d)
    if res.plan is not None:
        # the plans follow from float64 potentials inside; the returned f, g are rounded, so
        # bound the plan by the inner accuracy, not by the float32 rounding of f, g
        d_in = 1e-9 * pot + 1e-5 * eps * float32_kernel_iters
        rel = math.expm1(min(2 * d_in / eps, 50.0)) + (2.5e-7 if f32 else 0.0)
        p, q = np.asarray(res.plan, dtype=float), np.asarray(ref.plan, dtype=float)
        assert (p >= 0).all() and np.isfinite(p).all()
        np.testing.assert_allclose(p, q, rtol=rel, atol=1e-300 if not f32 else 1e-37)
        mass = max(float(np.sum(q)), 1e-300)
        # the cost sums terms of either sign: its error is relative to the terms (at most
        # scale * mass in all), not to a total that may cancel to nearly 0
        np.testing.assert_allclose(res.cost, ref.cost, rtol=rel + 1e-9,
                                   atol=(rel + 1e-12) * scale * mass)
        np.testing.assert_allclose(
            res.objective, ref.objective, rtol=rel + 1e-9, atol=(1e-9 + rel) * pot * mass
        )
        np.testing.assert_allclose(res.marginal_error, ref.marginal_error, rtol=0,
                                   atol=rel * mass + 1e-12)


def same_iter(res, ref):
    """Equal iteration counts, except that tol=0 also stops where the error is exactly 0 (a
    fixed point), which rounding may reach on one path and miss by 1e-16 on the other."""
    n_res, n_ref = np.atleast_1d(res.n_iter), np.atleast_1d(ref.n_iter)
    e_res, e_ref = np.atleast_1d(res.marginal_error), np.atleast_1d(ref.marginal_error)
    differ = n_res != n_ref
    stopped_exact = np.where(n_res < n_ref, e_res, e_ref) == 0.0
    assert (~differ | stopped_exact).all(), (n_res, n_ref, e_res, e_ref)


# --------------------------------------------------------------------- native vs fallback


@needs_native
@SETTINGS
@given(problems(), st.sampled_from(["log", "scaling", "auto"]))
def test_native_equals_fallback_dense(case, method):
    scale = case.pop("scale")
    kw = dict(case, method=method, tol=0.0)
    nat = run(lambda **k: tradeoff.sinkhorn(**k), "native", **kw)
    ref = run(lambda **k: tradeoff.sinkhorn(**k), "fallback", **kw)
    f32_iters = case["max_iter"] if method != "log" and case["cost"].dtype == np.float32 else 0
    assert_same(nat, ref, case["eps"], scale, f32_iters, case["a"], case["b"])
    if method != "auto" and case["cost"].dtype == np.float64:
        assert nat.method == ref.method
    else:
        # auto: the choice depends on absorptions, which rounding may shift only near a tie;
        # float32: the native kernel K is float32, whose entries overflow beyond e^88 where the
        # fallback's float64 K does not, sending that iteration to the log domain
        assert nat.method in ("log", "scaling")


@needs_native
@SETTINGS
@given(problems(batch=True), st.sampled_from(["log", "scaling", "auto"]))
def test_native_equals_fallback_dense_batches(case, method):
    scale = case.pop("scale")
    kw = dict(case, method=method, tol=0.0)
    nat = run(lambda **k: tradeoff.sinkhorn(**k), "native", **kw)
    ref = run(lambda **k: tradeoff.sinkhorn(**k), "fallback", **kw)
    f32_iters = case["max_iter"] if method != "log" and case["cost"].dtype == np.float32 else 0
    assert_same(nat, ref, case["eps"], scale, f32_iters, case["a"], case["b"])


@needs_native
@SETTINGS
@given(clouds())
def test_native_equals_fallback_points(case):
    scale = case.pop("scale")
    kw = dict(case, tol=0.0, return_plan=True)
    nat = run(lambda **k: tradeoff.sinkhorn_points(**k), "native", **kw)
    ref = run(lambda **k: tradeoff.sinkhorn_points(**k), "fallback", **kw)
    # the on-the-fly cost may round differently from the fallback's coordinate loop
    assert_same(nat, ref, case["eps"], scale, 0, case["a"])
    assert nat.method == ref.method == "log"


@needs_native
@SETTINGS
@given(clouds(batch=True))
def test_native_equals_fallback_point_batches(case):
    scale = case.pop("scale")
    kw = dict(case, tol=0.0, return_plan=True)
    nat = run(lambda **k: tradeoff.sinkhorn_points(**k), "native", **kw)
    ref = run(lambda **k: tradeoff.sinkhorn_points(**k), "fallback", **kw)
    assert_same(nat, ref, case["eps"], scale, 0, case["a"])


@needs_native
@SETTINGS
@given(problems(max_n=8, unbalanced=False))
def test_native_equals_fallback_to_convergence(case):
    scale = case.pop("scale")
    assume(case["eps"] >= 0.1 * scale)
    kw = dict(case, max_iter=3000, tol=converged_tol(case["cost"]))
    nat = run(lambda **k: tradeoff.sinkhorn(**k), "native", **kw)
    ref = run(lambda **k: tradeoff.sinkhorn(**k), "fallback", **kw)
    assert nat.converged == ref.converged
    assert abs(nat.n_iter - ref.n_iter) <= 1
    mass = float(np.sum(ref.plan, dtype=float))
    np.testing.assert_allclose(nat.plan, ref.plan, rtol=0, atol=1e-6 * mass)


# ---------------------------------------------------------- log == scaling == auto, per backend


@pytest.mark.parametrize("backend_name", CPU_BACKENDS)
@SETTINGS
@given(case=problems())
def test_log_scaling_and_auto_compute_the_same_iterates(backend_name, case):
    scale = case.pop("scale")
    kw = dict(case, tol=0.0)
    ref = run(lambda **k: tradeoff.sinkhorn(**k), backend_name, method="log", **kw)
    assert ref.method == "log"
    f32 = case["cost"].dtype == np.float32 and backend_name == "native"
    for method in ("scaling", "auto"):
        res = run(lambda **k: tradeoff.sinkhorn(**k), backend_name, method=method, **kw)
        f32_iters = case["max_iter"] if f32 else 0
        assert_same(res, ref, case["eps"], scale, f32_iters, case["a"], case["b"])


@pytest.mark.parametrize("backend_name", CPU_BACKENDS)
@SETTINGS
@given(case=problems(max_n=8))
def test_log_scaling_and_auto_converge_to_the_same_plan(backend_name, case):
    scale = case.pop("scale")
    assume(case["eps"] >= 0.1 * scale)
    kw = dict(case, max_iter=3000, tol=converged_tol(case["cost"]))
    plans = []
    for method in ("log", "scaling", "auto"):
        res = run(lambda **k: tradeoff.sinkhorn(**k), backend_name, method=method, **kw)
        assume(res.converged)
        plans.append(np.asarray(res.plan, dtype=float))
    mass = float(plans[0].sum())
    for p in plans[1:]:
        np.testing.assert_allclose(p, plans[0], rtol=0, atol=1e-6 * max(mass, 1e-300))


@pytest.mark.parametrize("backend_name", CPU_BACKENDS)
@SETTINGS
@given(case=problems(), method=st.sampled_from(["log", "scaling", "auto"]),
       tol=st.sampled_from([1e-3, 1e-8, 1e-12]))
def test_a_run_stops_early_only_when_converged(backend_name, case, method, tol):
    # the convergence test inside the loop and the final pass measure the same error: a run
    # that stopped before max_iter must report converged (else the warning blames max_iter)
    case.pop("scale")
    res = run(lambda **k: tradeoff.sinkhorn(**k), backend_name, method=method,
              **dict(case, tol=tol))
    assert res.converged or res.n_iter == case["max_iter"]
    assert res.converged == (res.marginal_error <= tol)
