"""GPU Sinkhorn (cuda/sinkhorn.cu through tradeoff._gpu) against the CPU path.

CPU twin of these checks: tests/test_sinkhorn*.py. The GPU runs the log domain only (warp per
row, column blocks over row chunks; bodies of cpp/include/tradeoff/sinkhorn_hd.hpp) and sums in
another order than the CPU, so floating results agree to a stated tolerance (RTOL_F of the cost
scale for potentials, RTOL_PLAN of the largest plan entry), while the iteration counts are the
CPU's exactly when the CPU also runs the log domain: the stop rule (marginal error <= tol,
tested before each f update of the final stage) is applied on the device at every iteration,
per problem.

Oracle: the kernel interface of ``tradeoff._core`` (``tradeoff._fallback.sinkhorn`` when the
native module lacks it) with method 1 (log), same arguments, NumPy arrays.

Cases aim at the kernels' edges: 1 x 1, sizes that are not multiples of a warp, columns split
into several row chunks, batches whose problems stop at different iterations, forbidden pairs
(+inf), zero weights, unbalanced marginals (one side and both), eps stages, warm starts,
max_iter = 0, tiny eps (no NaN), float32 costs, point clouds in 3 and 64 dimensions and both
metrics, CuPy in and out on the current (non-default) stream.

Skipped as a whole without CuPy or a device (tests/gpu/conftest.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tradeoff

pytestmark = pytest.mark.gpu

INF = math.inf
RTOL_F = 1e-9  # potentials, of max |C| (float64 arithmetic on the same inputs, other order)
RTOL_PLAN = {np.float64: 1e-9, np.float32: 2e-6}  # of the largest plan entry
RTOL_TOTAL = 1e-9  # cost, objective: of max(|value|, scale)
LOG = 1  # method code: the CPU runs the log domain too, so the iterates match the GPU's


# --- data ------------------------------------------------------------------------------------


def _rng(seed):
    return np.random.default_rng(seed)


def _clouds(b, n, m, d, seed):
    rng = _rng(seed)
    return rng.standard_normal((b, n, d)), rng.standard_normal((b, m, d)) + 0.5


def _sqdist(x, y):
    diff = x[:, :, None, :] - y[:, None, :, :]
    return (diff * diff).sum(axis=-1)


def _weights(b, n, seed, zeros=False):
    w = _rng(seed).random((b, n)) + 0.1
    if zeros and n > 2:
        w[:, 1] = 0.0  # a zero weight: its potential is still computed, it adds nothing
    return w / w.sum(axis=1, keepdims=True)


def _problem(b, n, m, seed, *, forbidden=False, zeros=False, scale=1.0):
    x, y = _clouds(b, n, m, 3, seed)
    cost = _sqdist(x, y) * scale
    if forbidden and n > 1 and m > 1:
        mask = _rng(seed + 1).random(cost.shape) < 0.15
        mask[:, :, 0] = False  # every row keeps a finite pair
        mask[:, 0, :] = False  # and every column
        cost[mask] = INF
    a = _weights(b, n, seed + 2, zeros)
    bw = _weights(b, m, seed + 3, zeros)
    return cost, a, bw


def _median(cost):
    finite = cost[np.isfinite(cost)]
    return float(np.median(finite)) if finite.size else 1.0


def _cpu():
    """The CPU kernel interface: _core when it has the Sinkhorn kernels, else the fallback."""
    core = getattr(tradeoff, "_core", None)
    if core is None:
        try:
            from tradeoff import _core as core
        except ImportError:
            core = None
    if core is not None and hasattr(core, "sinkhorn_dense"):
        return core
    from tradeoff._fallback import sinkhorn as ref

    return ref


FIELDS = ("plan", "f", "g", "cost", "objective", "n_iter", "err", "method_used")


def _as_dict(raw, cp=None):
    out = {}
    for name, value in zip(FIELDS, raw):
        if value is not None and cp is not None:
            assert isinstance(value, cp.ndarray), f"{name} is {type(value)!r}, not a CuPy array"
            value = cp.asnumpy(value)
        out[name] = value
    return out


def _dense_both(cp, cost, a, b, *, eps_stages, tau=(INF, INF), max_iter=50, tol=0.0,
                stage_iter=1, want_plan=True, f0=None, g0=None, dtype=np.float64):  # fmt: skip
    """(gpu, cpu) dicts of the kernel interface on the same inputs."""
    cost = np.ascontiguousarray(cost, dtype=dtype)
    bsz, n, m = cost.shape
    f0 = np.zeros((bsz, n)) if f0 is None else f0
    g0 = np.zeros((bsz, m)) if g0 is None else g0
    stages = np.asarray(eps_stages, dtype=np.float64)
    args = (stages, tau[0], tau[1], max_iter, tol, LOG, stage_iter, want_plan)
    from tradeoff import _gpu

    gpu = _gpu.sinkhorn_dense(
        cp.asarray(cost), cp.asarray(a), cp.asarray(b), cp.asarray(f0), cp.asarray(g0), *args
    )
    cpu = _cpu().sinkhorn_dense(cost, a, b, f0, g0, *args)
    return _as_dict(gpu, cp), _as_dict(cpu)


def _assert_agree(gpu, cpu, scale, dtype=np.float64, same_iters=True):
    scale = max(float(scale), 1e-300)
    for name in ("f", "g"):
        got, want = gpu[name], cpu[name]
        assert got.shape == want.shape and got.dtype == np.float64
        finite = np.isfinite(want)
        np.testing.assert_array_equal(np.isfinite(got), finite, err_msg=name)
        np.testing.assert_allclose(got[finite], want[finite], rtol=0, atol=RTOL_F * scale,
                                   err_msg=name)  # fmt: skip
    for name in ("cost", "objective"):
        tol = RTOL_TOTAL * np.maximum(np.abs(cpu[name]), scale)
        assert np.all(np.abs(gpu[name] - cpu[name]) <= tol), (name, gpu[name], cpu[name])
    # the marginal error is a difference of nearly equal sums: compare it absolutely
    np.testing.assert_allclose(gpu["err"], cpu["err"], rtol=1e-6, atol=1e-12)
    if same_iters:
        # tol = 0 stops only at an exactly zero error, which tiny problems reach at rounding
        # level: a different summation order may stop one side an iteration or more earlier,
        # at the same fixed point
        differ = gpu["n_iter"] != cpu["n_iter"]
        assert np.all(gpu["err"][differ] <= 1e-14) and np.all(cpu["err"][differ] <= 1e-14), (
            gpu["n_iter"], cpu["n_iter"], gpu["err"], cpu["err"]
        )
    assert gpu["n_iter"].dtype == np.int64
    assert gpu["method_used"].dtype == np.uint8
    np.testing.assert_array_equal(gpu["method_used"], 0)  # the GPU runs the log domain
    if cpu["plan"] is None:
        assert gpu["plan"] is None
    else:
        assert gpu["plan"].dtype == np.dtype(dtype) and gpu["plan"].shape == cpu["plan"].shape
        top = max(float(np.abs(cpu["plan"]).max()), 1e-300)
        np.testing.assert_allclose(gpu["plan"], cpu["plan"], rtol=0,
                                   atol=RTOL_PLAN[dtype] * top)  # fmt: skip
        assert bool((gpu["plan"] >= 0).all())


# --- dense problems: the same iterates as the CPU ----------------------------------------------

DENSE = {
    "1x1": (1, 1, 1, {}),
    "7x5": (1, 7, 5, {}),
    "B3-64x48": (3, 64, 48, {}),
    "B2-300x257-chunks": (2, 300, 257, {}),
    "1-2000x33-tall": (1, 2000, 33, {}),
    "1-33x2000-wide": (1, 33, 2000, {}),
    "B50-17x9": (50, 17, 9, {}),
    "B4-40x30-forbidden": (4, 40, 30, {"forbidden": True}),
    "B3-40x30-zero-weights": (3, 40, 30, {"zeros": True}),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("spec", list(DENSE.values()), ids=list(DENSE))
def test_dense_fixed_iterations_match_cpu(cp, spec, dtype):
    b, n, m, kw = spec
    cost, a, bw = _problem(b, n, m, seed=n + 3 * m, **kw)
    cost = cost.astype(dtype).astype(np.float64)  # the values both sides read
    eps = 0.05 * _median(cost)
    gpu, cpu = _dense_both(cp, cost, a, bw, eps_stages=[eps], max_iter=60, dtype=dtype)
    _assert_agree(gpu, cpu, np.abs(cost[np.isfinite(cost)]).max(), dtype)
    # tol = 0 stops only at an exactly zero error (1 x 1 after one iteration)
    assert np.all(gpu["n_iter"] <= 60) and (n * m == 1 or np.all(gpu["n_iter"] >= 50))


@pytest.mark.parametrize("tau", [(0.5, 0.5), (0.2, INF), (INF, 3.0)], ids=str)
def test_unbalanced_matches_cpu(cp, tau):
    cost, a, bw = _problem(3, 50, 40, seed=11)
    bw = bw * 1.7  # unequal totals: allowed when a marginal is relaxed
    eps = 0.05 * _median(cost)
    gpu, cpu = _dense_both(cp, cost, a, bw, eps_stages=[eps], tau=tau, max_iter=80)
    _assert_agree(gpu, cpu, cost.max())


def test_to_tolerance_stops_where_the_cpu_stops(cp):
    cost, a, bw = _problem(2, 120, 90, seed=12)
    eps = 0.05 * _median(cost)
    gpu, cpu = _dense_both(cp, cost, a, bw, eps_stages=[eps], max_iter=5000, tol=1e-8)
    assert np.all(cpu["err"] <= 1e-8)
    assert np.all(gpu["err"] <= 1e-8)
    # same rule at the same iteration; a rounding flip at the threshold could move it by one
    assert np.all(np.abs(gpu["n_iter"] - cpu["n_iter"]) <= 1), (gpu["n_iter"], cpu["n_iter"])
    if np.array_equal(gpu["n_iter"], cpu["n_iter"]):
        _assert_agree(gpu, cpu, cost.max())


SCALES = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
BATCH_MAX_ITER = 20000


@pytest.mark.parametrize("size", [(60, 50), (160, 130)], ids=["fused", "four-launch"])
def test_batch_problems_stop_at_their_own_iteration(cp, size):
    """Problems of very different difficulty in one batch: each stops at its iteration (not
    when the worst converges), converged problems stay untouched, and each equals the problem
    solved alone (the kernels' choices depend on (n, m), never on the batch size)."""
    from tradeoff import _cuda

    assert _cuda.sinkhorn_fused(*size) == (size == (60, 50))
    cost, a, bw = _problem(6, *size, seed=13)
    cost = cost * SCALES[:, None, None]
    eps = 0.5 * _median(cost[0])  # from 0.5 x the median cost down to 0.5 / 32 x
    gpu, cpu = _dense_both(cp, cost, a, bw, eps_stages=[eps], max_iter=BATCH_MAX_ITER, tol=1e-9)
    assert len(set(gpu["n_iter"].tolist())) > 3, gpu["n_iter"]
    assert np.all(np.abs(gpu["n_iter"] - cpu["n_iter"]) <= 1), (gpu["n_iter"], cpu["n_iter"])
    assert np.all(cpu["err"] <= 1e-9) and np.all(gpu["err"] <= 1e-9)
    assert np.all(gpu["n_iter"] < BATCH_MAX_ITER)
    for k in range(6):
        one = slice(k, k + 1)
        alone, _cpu_k = _dense_both(cp, cost[one], a[one], bw[one], eps_stages=[eps],
                                    max_iter=BATCH_MAX_ITER, tol=1e-9)  # fmt: skip
        # same per-problem kernels and reduction orders: the same bits
        assert alone["n_iter"][0] == gpu["n_iter"][k]
        np.testing.assert_array_equal(alone["f"][0], gpu["f"][k])
        np.testing.assert_array_equal(alone["g"][0], gpu["g"][k])
        np.testing.assert_array_equal(alone["plan"][0], gpu["plan"][k])


def test_fused_and_four_launch_paths_agree(cp):
    """128 x 128 runs fused (one launch); the same problem with one more column of weight 0
    (which changes nothing) has 128 x 129 entries and runs the four-launch path."""
    from tradeoff import _cuda, _gpu

    assert _cuda.sinkhorn_fused(128, 128) and not _cuda.sinkhorn_fused(128, 129)
    cost, a, bw = _problem(2, 128, 128, seed=23)
    eps = 0.05 * _median(cost)
    wide = np.concatenate([cost, cost[:, :, :1] + 1.0], axis=2)
    bw_wide = np.concatenate([bw, np.zeros((2, 1))], axis=1)
    out = {}
    for name, c, w in (("fused", cost, bw), ("tiled", wide, bw_wide)):
        n, m = c.shape[1:]
        raw = _gpu.sinkhorn_dense(cp.asarray(c), cp.asarray(a), cp.asarray(w),
                                  cp.zeros((2, n)), cp.zeros((2, m)), np.array([eps]), INF, INF,
                                  5000, 1e-9, 0, 1, True)  # fmt: skip
        out[name] = _as_dict(raw, cp)
    fused, tiled = out["fused"], out["tiled"]
    assert np.all(np.abs(fused["n_iter"] - tiled["n_iter"]) <= 1)
    np.testing.assert_allclose(tiled["f"], fused["f"], rtol=0, atol=1e-9 * cost.max())
    np.testing.assert_allclose(tiled["g"][:, :128], fused["g"], rtol=0, atol=1e-9 * cost.max())
    np.testing.assert_array_equal(tiled["plan"][:, :, 128], 0.0)
    np.testing.assert_allclose(tiled["plan"][:, :, :128], fused["plan"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(tiled["cost"], fused["cost"], rtol=1e-9)
    np.testing.assert_allclose(tiled["objective"], fused["objective"], rtol=1e-9, atol=1e-12)


def test_eps_stages_and_warm_start_match_cpu(cp):
    cost, a, bw = _problem(2, 70, 45, seed=14)
    eps = 0.01 * _median(cost)
    stages = [cost.max(), cost.max() / 4, cost.max() / 16, eps]
    rng = _rng(15)
    f0, g0 = rng.standard_normal((2, 70)) * 0.1, rng.standard_normal((2, 45)) * 0.1
    for stage_iter in (1, 3):
        gpu, cpu = _dense_both(cp, cost, a, bw, eps_stages=stages, stage_iter=stage_iter,
                               max_iter=40, f0=f0, g0=g0)  # fmt: skip
        _assert_agree(gpu, cpu, cost.max())
        np.testing.assert_array_equal(gpu["n_iter"], 3 * stage_iter + 40)


def test_max_iter_zero_returns_the_initial_potentials(cp):
    cost, a, bw = _problem(2, 20, 10, seed=16)
    f0, g0 = _rng(17).random((2, 20)), _rng(18).random((2, 10))
    gpu, cpu = _dense_both(cp, cost, a, bw, eps_stages=[0.3], max_iter=0, f0=f0, g0=g0)
    np.testing.assert_array_equal(gpu["f"], f0)
    np.testing.assert_array_equal(gpu["g"], g0)
    np.testing.assert_array_equal(gpu["n_iter"], 0)
    _assert_agree(gpu, cpu, cost.max())


def test_converged_warm_start_runs_no_iteration(cp):
    cost, a, bw = _problem(1, 30, 25, seed=19)
    eps = 0.1 * _median(cost)
    first, _ = _dense_both(cp, cost, a, bw, eps_stages=[eps], max_iter=5000, tol=1e-10)
    again, _ = _dense_both(cp, cost, a, bw, eps_stages=[eps], max_iter=5000, tol=1e-10,
                           f0=first["f"], g0=first["g"])  # fmt: skip
    np.testing.assert_array_equal(again["n_iter"], 0)
    np.testing.assert_array_equal(again["f"], first["f"])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tiny_eps_never_gives_nan(cp, dtype):
    cost, a, bw = _problem(2, 200, 150, seed=20)
    eps = 1e-4 * _median(cost)
    gpu, cpu = _dense_both(cp, cost.astype(dtype), a, bw, eps_stages=[eps], max_iter=200,
                           dtype=dtype)  # fmt: skip
    for name in ("f", "g", "plan", "cost", "objective", "err"):
        assert np.all(np.isfinite(gpu[name])), name
    assert bool((gpu["plan"] >= 0).all())
    # potentials of size ~cost / eps * eps: compare at the cost scale, a little looser
    np.testing.assert_allclose(gpu["f"], cpu["f"], rtol=0, atol=1e-7 * cost.max())
    np.testing.assert_allclose(gpu["cost"], cpu["cost"], rtol=1e-7)


def test_forbidden_pairs_get_exactly_zero_mass(cp):
    cost, a, bw = _problem(2, 40, 35, seed=21, forbidden=True)
    gpu, _ = _dense_both(cp, cost, a, bw, eps_stages=[0.5], max_iter=5000, tol=1e-9)
    assert np.all(gpu["err"] <= 1e-9)
    assert np.all(gpu["plan"][np.isinf(cost)] == 0.0)
    np.testing.assert_allclose(gpu["plan"].sum(axis=2), a, atol=1e-8)
    np.testing.assert_allclose(gpu["plan"].sum(axis=1), bw, atol=1e-8)


def test_large_batch_of_small_problems(cp):
    """The batch benchmark's shape: 1000 problems of 32 x 32 in one call."""
    cost, a, bw = _problem(1000, 32, 32, seed=22)
    eps = 0.05 * _median(cost)
    gpu, cpu = _dense_both(cp, cost, a, bw, eps_stages=[eps], max_iter=30)
    _assert_agree(gpu, cpu, cost.max())


# --- point clouds -----------------------------------------------------------------------------


def _points_both(cp, x, y, a, b, *, eps_stages, metric=0, tau=(INF, INF), max_iter=50,
                 tol=0.0, want_plan=True):  # fmt: skip
    bsz, n, _d = x.shape
    m = y.shape[1]
    f0, g0 = np.zeros((bsz, n)), np.zeros((bsz, m))
    args = (np.asarray(eps_stages, dtype=np.float64), tau[0], tau[1], max_iter, tol, metric, 1,
            want_plan)  # fmt: skip
    from tradeoff import _gpu

    gpu = _gpu.sinkhorn_points(
        cp.asarray(x), cp.asarray(y), cp.asarray(a), cp.asarray(b), cp.asarray(f0),
        cp.asarray(g0), *args,
    )  # fmt: skip
    cpu = _cpu().sinkhorn_points(x, y, a, b, f0, g0, *args)
    return _as_dict(gpu, cp), _as_dict(cpu)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("metric", [0, 1], ids=["sqeuclidean", "euclidean"])
@pytest.mark.parametrize("shape", [(2, 200, 150, 3), (1, 70, 90, 64), (3, 2, 5, 2)], ids=str)
def test_points_match_cpu(cp, shape, metric, dtype):
    bsz, n, m, d = shape
    x, y = _clouds(bsz, n, m, d, seed=n + m + d)
    x, y = x.astype(dtype), y.astype(dtype)
    a, bw = _weights(bsz, n, 30), _weights(bsz, m, 31)
    cost = _sqdist(x.astype(np.float64), y.astype(np.float64))
    if metric == 1:
        cost = np.sqrt(cost)
    eps = 0.05 * _median(cost)
    gpu, cpu = _points_both(cp, x, y, a, bw, eps_stages=[eps], metric=metric, max_iter=60)
    _assert_agree(gpu, cpu, cost.max(), dtype)


def test_points_equal_dense_on_the_same_cost(cp):
    x, y = _clouds(2, 150, 120, 3, seed=32)
    a, bw = _weights(2, 150, 33), _weights(2, 120, 34)
    cost = np.ascontiguousarray(_sqdist(x, y))
    eps = 0.05 * _median(cost)
    pts, _ = _points_both(cp, x, y, a, bw, eps_stages=[eps], max_iter=5000, tol=1e-9)
    dense, _ = _dense_both(cp, cost, a, bw, eps_stages=[eps], max_iter=5000, tol=1e-9)
    assert np.all(np.abs(pts["n_iter"] - dense["n_iter"]) <= 1)
    np.testing.assert_allclose(pts["f"], dense["f"], rtol=0, atol=1e-8 * cost.max())
    np.testing.assert_allclose(pts["cost"], dense["cost"], rtol=1e-8)


def test_points_without_plan(cp):
    x, y = _clouds(1, 500, 400, 3, seed=35)
    a, bw = _weights(1, 500, 36), _weights(1, 400, 37)
    gpu, cpu = _points_both(cp, x, y, a, bw, eps_stages=[0.5], max_iter=30, want_plan=False)
    assert gpu["plan"] is None
    _assert_agree(gpu, cpu, 30.0)


# --- the public functions: CuPy in and out, streams, inputs untouched ---------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_public_sinkhorn_cupy_in_cupy_out(cp, dtype):
    cost, a, bw = _problem(1, 60, 45, seed=40)
    cost = cost[0].astype(dtype)
    eps = 0.05 * _median(cost)
    c = cp.asarray(cost)
    res = tradeoff.sinkhorn(cp.asarray(a[0]), cp.asarray(bw[0]), c, eps=eps, tol=1e-9,
                            max_iter=5000)  # fmt: skip
    want = tradeoff.sinkhorn(a[0], bw[0], cost, eps=eps, tol=1e-9, max_iter=5000, method="log")
    for name in ("plan", "f", "g"):
        arr = getattr(res, name)
        assert isinstance(arr, cp.ndarray), name
        assert arr.device == c.device
        assert arr.dtype == np.dtype(dtype), name  # float32 stays float32
    assert res.method == "log"
    assert bool(res.converged)
    assert abs(int(res.n_iter) - want.n_iter) <= 1
    tol = 1e-6 if dtype == np.float32 else 1e-9
    np.testing.assert_allclose(cp.asnumpy(res.f), want.f, rtol=0, atol=tol * cost.max())
    np.testing.assert_allclose(float(res.cost), want.cost, rtol=tol)
    np.testing.assert_allclose(float(res.objective), want.objective, rtol=tol, atol=tol)
    plan = cp.asnumpy(res.plan)
    np.testing.assert_allclose(plan.sum(axis=1), a[0], atol=1e-6)
    np.testing.assert_allclose(plan.sum(axis=0), bw[0], atol=1e-6)


def test_public_batch_and_no_plan(cp):
    cost, a, bw = _problem(5, 30, 20, seed=41)
    res = tradeoff.sinkhorn(cp.asarray(a), cp.asarray(bw), cp.asarray(cost), eps=1.0,
                            return_plan=False)  # fmt: skip
    want = tradeoff.sinkhorn(a, bw, cost, eps=1.0, return_plan=False, method="log")
    assert res.plan is None
    assert res.f.shape == (5, 30) and res.g.shape == (5, 20)
    assert list(res.method) == ["log"] * 5
    np.testing.assert_allclose(cp.asnumpy(res.cost), want.cost, rtol=1e-8)
    assert np.all(np.abs(cp.asnumpy(res.n_iter) - want.n_iter) <= 1)


def test_public_sinkhorn_points_cupy(cp):
    x, y = _clouds(1, 300, 200, 3, seed=42)
    res = tradeoff.sinkhorn_points(cp.asarray(x[0]), cp.asarray(y[0]), eps=0.5, tol=1e-8,
                                   max_iter=5000)  # fmt: skip
    want = tradeoff.sinkhorn_points(x[0], y[0], eps=0.5, tol=1e-8, max_iter=5000)
    assert res.plan is None
    assert isinstance(res.f, cp.ndarray)
    np.testing.assert_allclose(float(res.cost), want.cost, rtol=1e-7)
    np.testing.assert_allclose(cp.asnumpy(res.g), want.g, rtol=0, atol=1e-7 * 30)


def test_non_default_stream(cp):
    cost, a, bw = _problem(4, 100, 80, seed=43)
    eps = 0.05 * _median(cost)
    stream = cp.cuda.Stream(non_blocking=True)
    with stream:
        c = cp.asarray(cost) * 1.0  # produced on the stream: the kernels must wait for it
        res = tradeoff.sinkhorn(cp.asarray(a), cp.asarray(bw), c, eps=eps, max_iter=70, tol=0)
        assert cp.cuda.get_current_stream() == stream
    stream.synchronize()
    want = _cpu().sinkhorn_dense(cost, a, bw, np.zeros((4, 100)), np.zeros((4, 80)),
                                 np.array([eps]), INF, INF, 70, 0.0, LOG, 1, True)  # fmt: skip
    np.testing.assert_allclose(cp.asnumpy(res.f), want[1], rtol=0, atol=RTOL_F * cost.max())
    np.testing.assert_allclose(cp.asnumpy(res.plan), want[0], rtol=0, atol=1e-9)


def test_inputs_are_not_modified_and_results_do_not_alias(cp):
    cost, a, bw = _problem(2, 30, 25, seed=44)
    c, ca, cb = cp.asarray(cost), cp.asarray(a), cp.asarray(bw)
    f0, g0 = cp.asarray(_rng(45).random((2, 30))), cp.asarray(_rng(46).random((2, 25)))
    before = [arr.copy() for arr in (c, ca, cb, f0, g0)]
    res = tradeoff.sinkhorn(ca, cb, c, eps=0.3, init=(f0, g0), max_iter=20, tol=0)
    for arr, old in zip((c, ca, cb, f0, g0), before):
        assert bool(cp.array_equal(arr, old))
    for out in (res.plan, res.f, res.g):
        for arr in (c, ca, cb, f0, g0):
            assert not cp.shares_memory(out, arr)


def test_array_on_another_device(cp):
    if cp.cuda.runtime.getDeviceCount() < 2:
        pytest.skip("needs two CUDA devices")
    cost, a, bw = _problem(1, 40, 30, seed=47)
    with cp.cuda.Device(1):
        c = cp.asarray(cost[0])
    res = tradeoff.sinkhorn(None, None, c, eps=0.3, max_iter=30, tol=0)
    assert res.f.device.id == 1
    want = tradeoff.sinkhorn(None, None, cost[0], eps=0.3, max_iter=30, tol=0, method="log")
    np.testing.assert_allclose(cp.asnumpy(res.f), want.f, rtol=0, atol=RTOL_F * cost.max())


def test_forced_cuda_backend_on_numpy_input(cp):
    cost, a, bw = _problem(1, 40, 30, seed=48)
    with tradeoff.using_backend("cuda"):
        got = tradeoff.sinkhorn(a[0], bw[0], cost[0], eps=0.3, max_iter=30, tol=0)
    want = tradeoff.sinkhorn(a[0], bw[0], cost[0], eps=0.3, max_iter=30, tol=0, method="log")
    assert isinstance(got.plan, np.ndarray) and isinstance(got.f, np.ndarray)
    np.testing.assert_allclose(got.f, want.f, rtol=0, atol=RTOL_F * cost.max())


# --- the driver module itself ------------------------------------------------------------------


def test_gpu_module_rejects_what_would_be_a_wild_pointer(cp):
    from tradeoff import _gpu

    cost = cp.ones((2, 4, 3))
    a, b = cp.full((2, 4), 0.25), cp.full((2, 3), 1 / 3)
    f0, g0 = cp.zeros((2, 4)), cp.zeros((2, 3))
    stages = np.array([0.5])
    args = (stages, INF, INF, 10, 0.0, 0, 1, True)
    with pytest.raises(TypeError, match="cupy.ndarray"):
        _gpu.sinkhorn_dense(np.ones((2, 4, 3)), a, b, f0, g0, *args)
    with pytest.raises(ValueError, match="C-contiguous"):
        _gpu.sinkhorn_dense(cp.ones((2, 4, 6))[:, :, ::2], a, b, f0, g0, *args)
    with pytest.raises(TypeError, match="float32 or float64"):
        _gpu.sinkhorn_dense(cost.astype(cp.float16), a, b, f0, g0, *args)
    with pytest.raises(ValueError, match=r"expected b of shape \(2, 3\)"):
        _gpu.sinkhorn_dense(cost, a, cp.ones(3), f0, g0, *args)
    with pytest.raises(ValueError, match="eps_stages"):
        _gpu.sinkhorn_dense(cost, a, b, f0, g0, np.array([]), *args[1:])
    with pytest.raises(ValueError, match="eps_stages must be finite and > 0"):
        _gpu.sinkhorn_dense(cost, a, b, f0, g0, np.array([1.0, -1.0]), *args[1:])
    with pytest.raises(ValueError, match="tau_a and tau_b must be > 0"):
        _gpu.sinkhorn_dense(cost, a, b, f0, g0, stages, 0.0, INF, *args[3:])
    x, y = cp.ones((2, 4, 3)), cp.ones((2, 3, 2))
    pargs = (stages, INF, INF, 10, 0.0, 0, 1, False)
    with pytest.raises(ValueError, match="must share B and d"):
        _gpu.sinkhorn_points(x, y, a, b, f0, g0, *pargs)
    with pytest.raises(ValueError, match="metric must be 0 or 1"):
        _gpu.sinkhorn_points(x, cp.ones((2, 3, 3)), a, b, f0, g0, *pargs[:5], 2, 1, False)


def test_gpu_module_empty_batch(cp):
    from tradeoff import _gpu

    out = _gpu.sinkhorn_dense(cp.ones((0, 4, 3)), cp.ones((0, 4)), cp.ones((0, 3)),
                              cp.zeros((0, 4)), cp.zeros((0, 3)), np.array([0.5]), INF, INF,
                              10, 0.0, 0, 1, True)  # fmt: skip
    assert out[0].shape == (0, 4, 3) and out[1].shape == (0, 4) and out[5].shape == (0,)
