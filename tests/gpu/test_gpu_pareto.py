"""GPU Pareto ranking (cuda/pareto.cu through tradeoff._gpu) against the CPU path.

CPU twin of these checks: tests/test_pareto*.py. Ranks and masks must agree exactly with
tradeoff.pareto_rank / tradeoff.nondominated on NumPy copies of the same points; crowding
distances to rtol 1e-12 (float64) or 1e-5 (float32). The cases aim at the kernels' edges:
ties and duplicates, empty and single-point problems, one objective, many fronts (the host
loop that groups fronts), rows wider than the shared-memory tile (the untiled path), problems
longer than a tile or a block, and batches larger than gridDim.y allows (the problem loop).

Skipped as a whole without CuPy or a device (tests/gpu/conftest.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import tradeoff

pytestmark = pytest.mark.gpu

RTOL = {np.dtype(np.float64): 1e-12, np.dtype(np.float32): 1e-5}


# --- data (NumPy, built at collection; the tests move it to the GPU) -------------------------


def _rng(seed):
    return np.random.default_rng(seed)


def _uniform(n, m, seed=0):
    return _rng(seed).random((n, m))


def _grid(n, m, levels=4, seed=1):
    """Integer grid: many ties in each objective and many duplicate points."""
    return _rng(seed).integers(0, levels, size=(n, m)).astype(np.float64)


def _duplicates(n, m, seed=2):
    base = _rng(seed).integers(0, 3, size=(max(1, n // 8), m)).astype(np.float64)
    return base[_rng(seed + 1).integers(0, base.shape[0], size=n)]


def _sphere(n, m, seed=3):
    """Points on the positive orthant of the unit sphere: all mutually non-dominated, plus a
    scaled copy (each point dominated by its original) to get a second front."""
    v = np.abs(_rng(seed).standard_normal((n, m)))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return np.concatenate([v, 1.5 * v[: n // 2]])


def _chain(n, m, seed=4):
    """Every point in its own front (point i dominates point i + 1), shuffled: n fronts."""
    pts = np.repeat(np.arange(n, dtype=np.float64)[:, None], m, axis=1)
    return pts[_rng(seed).permutation(n)]


def _with_inf(n, m, seed=5):
    pts = _grid(n, m, levels=3, seed=seed)
    pts[_rng(seed).random((n, m)) < 0.1] = np.inf
    pts[_rng(seed + 1).random((n, m)) < 0.05] = -np.inf
    return pts


def _near_ties_f32(n, m, seed=6):
    eps = np.finfo(np.float32).eps
    steps = _rng(seed).integers(0, 4, size=(n, m))
    return (np.float32(1) + steps.astype(np.float32) * eps).astype(np.float32)


def _signed_zero(n, m, seed=7):
    pts = _grid(n, m, levels=2, seed=seed) - 1.0  # values -1 and 0
    pts[_rng(seed).random((n, m)) < 0.5] *= -1.0  # -0.0 and +0.0 are equal
    return pts


CASES = {
    "uniform-n100-m1": _uniform(100, 1),
    "uniform-n100-m2": _uniform(100, 2),
    "uniform-n100-m3": _uniform(100, 3),
    "uniform-n100-m5": _uniform(100, 5),
    "uniform-n1000-m3": _uniform(1000, 3, seed=10),
    "grid-n200-m1": _grid(200, 1),
    "grid-n200-m2": _grid(200, 2),
    "grid-n200-m3": _grid(200, 3),
    "grid-n300-m5": _grid(300, 5, levels=3),
    "duplicates-n150-m3": _duplicates(150, 3),
    "all-equal-n50-m3": np.ones((50, 3)),
    "sphere-n200-m3": _sphere(200, 3),
    "sphere-n100-m5": _sphere(100, 5),
    "chain-n2000-m1": _chain(2000, 1),
    "chain-n700-m2": _chain(700, 2),
    "inf-n120-m3": _with_inf(120, 3),
    "signed-zero-n100-m2": _signed_zero(100, 2),
    "n0-m3": np.empty((0, 3)),
    "n1-m1": np.array([[1.0]]),
    "n1-m3": np.array([[1.0, 2.0, 3.0]]),
    "n2-equal": np.array([[1.0, 2.0], [1.0, 2.0]]),
    # n around the block (128 threads) and the tile (up to 256 rows) sizes
    "grid-n129-m2": _grid(129, 2, seed=11),
    "grid-n257-m3": _grid(257, 3, seed=12),
    "uniform-n513-m4": _uniform(513, 4, seed=13),
    # wide rows: 64 float64 objectives still fit a 16-row tile, 65 and 100 take the untiled path
    "grid-n300-m64": _grid(300, 64, levels=2, seed=14),
    "grid-n300-m65": _grid(300, 65, levels=2, seed=15),
    "uniform-n60-m100": _uniform(60, 100, seed=16),
}

BATCHES = {
    "uniform-B50-n100-m3": _rng(20).random((50, 100, 3)),
    "grid-B50-n100-m3": _rng(21).integers(0, 4, size=(50, 100, 3)).astype(np.float64),
    "grid-B7-n40-m2": _rng(22).integers(0, 5, size=(7, 40, 2)).astype(np.float64),
    "B0-n10-m3": np.empty((0, 10, 3)),
    "B4-n0-m3": np.empty((4, 0, 3)),
    "B3-n1-m2": _rng(23).random((3, 1, 2)),
}

DTYPES = [np.float64, np.float32]


def _cases():
    params = [
        pytest.param(pts.astype(dtype), id=f"{name}-{np.dtype(dtype).name}")
        for name, pts in {**CASES, **BATCHES}.items()
        for dtype in DTYPES
    ]
    params.append(pytest.param(_near_ties_f32(200, 3), id="near-ties-f32-n200-m3"))
    return params


# --- helpers ---------------------------------------------------------------------------------


def _assert_gpu_result(cp, out, like, dtype, shape):
    assert isinstance(out, cp.ndarray), f"expected a CuPy array, got {type(out)!r}"
    assert out.device == like.device
    assert out.dtype == np.dtype(dtype)
    assert out.shape == shape


def _assert_crowding_close(got, want, dtype):
    got, want = np.asarray(got), np.asarray(want)
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    np.testing.assert_allclose(got, want, rtol=RTOL[np.dtype(dtype)], atol=0)


# --- agreement with the CPU path ---------------------------------------------------------------


@pytest.mark.parametrize("pts", _cases())
def test_pareto_rank_matches_cpu(cp, pts):
    x = cp.asarray(pts)
    got = tradeoff.pareto_rank(x)
    _assert_gpu_result(cp, got, x, np.int32, pts.shape[:-1])
    np.testing.assert_array_equal(cp.asnumpy(got), tradeoff.pareto_rank(pts))


@pytest.mark.parametrize("pts", _cases())
def test_nondominated_matches_cpu(cp, pts):
    x = cp.asarray(pts)
    got = tradeoff.nondominated(x)
    _assert_gpu_result(cp, got, x, np.bool_, pts.shape[:-1])
    want = tradeoff.nondominated(pts)
    np.testing.assert_array_equal(cp.asnumpy(got), want)
    np.testing.assert_array_equal(want, tradeoff.pareto_rank(pts) == 0)


@pytest.mark.parametrize("pts", _cases())
def test_crowding_distance_matches_cpu(cp, pts):
    x = cp.asarray(pts)
    got = tradeoff.crowding_distance(x)
    _assert_gpu_result(cp, got, x, pts.dtype, pts.shape[:-1])
    _assert_crowding_close(cp.asnumpy(got), tradeoff.crowding_distance(pts), pts.dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_crowding_distance_with_given_ranks(cp, dtype):
    pts = _grid(300, 3, seed=30).astype(dtype)
    ranks = tradeoff.pareto_rank(pts)
    got = tradeoff.crowding_distance(cp.asarray(pts), cp.asarray(ranks))
    _assert_crowding_close(cp.asnumpy(got), tradeoff.crowding_distance(pts, ranks), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("maximize", [True, [True, False, True]])
def test_maximize_matches_cpu(cp, dtype, maximize):
    pts = _rng(31).integers(0, 5, size=(50, 100, 3)).astype(dtype)
    x = cp.asarray(pts)
    np.testing.assert_array_equal(
        cp.asnumpy(tradeoff.pareto_rank(x, maximize=maximize)),
        tradeoff.pareto_rank(pts, maximize=maximize),
    )
    np.testing.assert_array_equal(
        cp.asnumpy(tradeoff.nondominated(x, maximize=maximize)),
        tradeoff.nondominated(pts, maximize=maximize),
    )
    _assert_crowding_close(
        cp.asnumpy(tradeoff.crowding_distance(x, maximize=maximize)),
        tradeoff.crowding_distance(pts, maximize=maximize),
        dtype,
    )


@pytest.mark.parametrize(("max_rank", "n_stop"), [(0, None), (2, None), (None, 30), (3, 50)])
def test_truncated_ranking_matches_cpu(cp, max_rank, n_stop):
    pts = _grid(200, 3, seed=32)
    got = tradeoff.pareto_rank(cp.asarray(pts), max_rank=max_rank, n_stop=n_stop)
    want = tradeoff.pareto_rank(pts, max_rank=max_rank, n_stop=n_stop)
    np.testing.assert_array_equal(cp.asnumpy(got), want)


def test_batch_larger_than_grid_y_limit(cp):
    """70000 problems > 65535 (gridDim.y): the kernels loop over problems."""
    pts = _rng(33).integers(0, 3, size=(70000, 3, 2)).astype(np.float64)
    x = cp.asarray(pts)
    np.testing.assert_array_equal(cp.asnumpy(tradeoff.pareto_rank(x)), tradeoff.pareto_rank(pts))
    np.testing.assert_array_equal(cp.asnumpy(tradeoff.nondominated(x)), tradeoff.nondominated(pts))


def test_batch_with_different_front_counts(cp):
    """Problems finish after different numbers of fronts; finished ones must stay put."""
    chain = _chain(300, 2)
    flat = np.zeros((300, 2))  # one front
    pts = np.stack([flat, chain, _grid(300, 2, seed=34), chain[::-1].copy()])
    np.testing.assert_array_equal(
        cp.asnumpy(tradeoff.pareto_rank(cp.asarray(pts))), tradeoff.pareto_rank(pts)
    )


def test_ranks_are_permutation_invariant(cp):
    pts = _grid(400, 3, seed=35)
    perm = _rng(36).permutation(400)
    ranks = cp.asnumpy(tradeoff.pareto_rank(cp.asarray(pts)))
    permuted = cp.asnumpy(tradeoff.pareto_rank(cp.asarray(pts[perm])))
    np.testing.assert_array_equal(permuted, ranks[perm])


# --- arrays, devices, streams --------------------------------------------------------------


def test_inputs_are_not_modified(cp):
    pts = _grid(200, 3, seed=40)
    for dtype in DTYPES:
        x = cp.asarray(pts.astype(dtype))
        before = x.copy()
        for maximize in (False, True):
            tradeoff.nondominated(x, maximize=maximize)
            ranks = tradeoff.pareto_rank(x, maximize=maximize)
            ranks_before = ranks.copy()
            tradeoff.crowding_distance(x, ranks, maximize=maximize)
            assert bool(cp.array_equal(ranks, ranks_before))
        assert bool(cp.array_equal(x, before))


def test_results_do_not_alias_inputs(cp):
    x = cp.asarray(_uniform(64, 2, seed=41))
    ranks = tradeoff.pareto_rank(x)
    for out in (ranks, tradeoff.nondominated(x), tradeoff.crowding_distance(x, ranks)):
        assert not cp.shares_memory(out, x)
    assert not cp.shares_memory(tradeoff.crowding_distance(x, ranks), ranks)


def test_non_default_stream(cp):
    pts = _rng(42).integers(0, 4, size=(20, 300, 3)).astype(np.float64)
    stream = cp.cuda.Stream(non_blocking=True)
    with stream:
        x = cp.asarray(pts) * 1.0  # produced on the stream: the kernels must wait for it
        ranks = tradeoff.pareto_rank(x)
        mask = tradeoff.nondominated(x)
        dist = tradeoff.crowding_distance(x, ranks)
        assert cp.cuda.get_current_stream() == stream
    stream.synchronize()
    np.testing.assert_array_equal(cp.asnumpy(ranks), tradeoff.pareto_rank(pts))
    np.testing.assert_array_equal(cp.asnumpy(mask), tradeoff.nondominated(pts))
    _assert_crowding_close(cp.asnumpy(dist), tradeoff.crowding_distance(pts), np.float64)


def test_array_on_another_device(cp):
    if cp.cuda.runtime.getDeviceCount() < 2:
        pytest.skip("needs two CUDA devices")
    pts = _grid(200, 3, seed=43)
    with cp.cuda.Device(1):
        x = cp.asarray(pts)
    # the current device is 0 here: the GPU path must follow the array to device 1
    ranks = tradeoff.pareto_rank(x)
    mask = tradeoff.nondominated(x)
    assert ranks.device.id == 1 and mask.device.id == 1
    np.testing.assert_array_equal(cp.asnumpy(ranks), tradeoff.pareto_rank(pts))
    np.testing.assert_array_equal(cp.asnumpy(mask), tradeoff.nondominated(pts))


def test_forced_cuda_backend_on_numpy_input(cp):
    pts = _grid(150, 3, seed=44)
    with tradeoff.using_backend("cuda"):
        got = tradeoff.pareto_rank(pts)
    assert isinstance(got, np.ndarray)
    np.testing.assert_array_equal(got, tradeoff.pareto_rank(pts))


# --- the driver module itself ------------------------------------------------------------------


def test_gpu_module_reports_available(cp):
    from tradeoff import _gpu

    assert _gpu.unavailable_reason() is None
    assert _gpu.available() is True


@pytest.mark.parametrize("shape", [(0, 5, 3), (4, 0, 3), (0, 0, 1)])
def test_gpu_module_empty_shapes(cp, shape):
    from tradeoff import _gpu

    x = cp.empty(shape, dtype=cp.float64)
    assert _gpu.pareto_rank(x).shape == shape[:2]
    assert _gpu.pareto_rank(x).dtype == cp.int32
    assert _gpu.nondominated(x).shape == shape[:2]
    assert _gpu.nondominated(x).dtype == cp.bool_
    ranks = cp.zeros(shape[:2], dtype=cp.int32)
    assert _gpu.crowding_distance(x, ranks).shape == shape[:2]


def test_gpu_module_matches_core_on_batches(cp):
    from tradeoff import _gpu

    pts = _rng(45).integers(0, 4, size=(50, 100, 3)).astype(np.float32)
    x = cp.asarray(pts)
    np.testing.assert_array_equal(cp.asnumpy(_gpu.pareto_rank(x)), tradeoff.pareto_rank(pts))
    np.testing.assert_array_equal(cp.asnumpy(_gpu.nondominated(x)), tradeoff.nondominated(pts))


def test_gpu_module_rejects_what_would_be_a_wild_pointer(cp):
    from tradeoff import _gpu

    x = cp.asarray(_uniform(10, 4))
    with pytest.raises(ValueError, match="C-contiguous"):
        _gpu.pareto_rank(x[None, :, ::2])
    with pytest.raises(ValueError, match=r"\(B, n, m\)"):
        _gpu.nondominated(x)
    with pytest.raises(TypeError, match="float32 or float64"):
        _gpu.pareto_rank(x.astype(cp.float16)[None])
    with pytest.raises(TypeError, match="cupy.ndarray"):
        _gpu.pareto_rank(np.zeros((1, 2, 2)))
