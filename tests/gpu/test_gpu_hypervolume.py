"""GPU hypervolume (cuda/hypervolume.cu through tradeoff._gpu) against the CPU path.

CPU twin of these checks: tests/test_hypervolume*.py. The GPU runs the small-set sweeps of
cpp/include/tradeoff/hypervolume_hd.hpp (host-tested in cpp/tests/test_hypervolume_hd.cpp);
the CPU runs the O(n log n) / HV4D+ kernels, so the two sum in different orders: results must
agree to RTOL of the set's volume (and exactly on integer grids, where every sum is exact).
The cases aim at the kernels' edges: ties, duplicates, dominated points, points on or beyond
the reference point, empty sets and batches, one point, a different ref per set, the largest
sizes the GPU bodies take (and one past them, which the public layer runs on the CPU), more
work items than threads holding scratch (the grid-stride loops), float32 input and maximize.

Skipped as a whole without CuPy or a device (tests/gpu/conftest.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import tradeoff

pytestmark = pytest.mark.gpu

RTOL = 1e-12  # of the set's volume (max(volume, 1) for tiny sets)


# --- data (NumPy; the tests move it to the GPU) ----------------------------------------------


def _rng(seed):
    return np.random.default_rng(seed)


def _sphere(shape, seed=0):
    """Points on the positive unit sphere: mutually non-dominated; ref 1.1 covers them."""
    v = np.abs(_rng(seed).standard_normal(shape))
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _grid(shape, levels=4, seed=1):
    """Integer grid: ties in every objective, duplicates, dominated points; exact sums."""
    return _rng(seed).integers(0, levels, size=shape).astype(np.float64)


def _uniform(shape, seed=2):
    return _rng(seed).random(shape)


def _with_outside_points(pts, ref, seed=3):
    """Some coordinates moved onto or beyond ref: those points must count for nothing."""
    pts = pts.copy()
    rng = _rng(seed)
    mask = rng.random(pts.shape) < 0.08
    ref_b = np.broadcast_to(np.asarray(ref, dtype=np.float64), pts.shape)
    pts[mask] = ref_b[mask] + rng.integers(0, 2, size=int(mask.sum()))
    return pts


def _ref_for(kind, m, batch=None, seed=4):
    if kind == "grid":
        if batch is None:
            return np.full(m, 4.0)
        return _rng(seed).integers(2, 5, size=(batch, m)).astype(np.float64)
    if batch is None:
        return np.full(m, 1.1)
    return 1.05 + 0.1 * _rng(seed).random((batch, m))


def _case(kind, b, n, m, seed, per_set_ref):
    shape = (b, n, m)
    pts = {"sphere": _sphere, "grid": _grid, "uniform": _uniform}[kind](shape, seed=seed)
    ref = _ref_for(kind, m, b if per_set_ref else None, seed=seed + 100)
    if kind != "sphere":
        pts = _with_outside_points(pts, ref[:, None, :] if per_set_ref else ref, seed + 200)
    cands = {"sphere": _sphere, "grid": _grid, "uniform": _uniform}[kind](
        (b, 7, m), seed=seed + 300
    )
    if n > 0:
        cands[:, 0] = pts[:, 0]  # a candidate equal to a point: improvement 0 unless outside
    return pts, cands, ref


CASES = {}
for _m in (1, 2, 3, 4):
    for _kind in ("sphere", "grid", "uniform"):
        CASES[f"{_kind}-B64-n50-m{_m}"] = (_kind, 64, 50, _m, 10 * _m, False)
        CASES[f"{_kind}-B9-n17-m{_m}-refs"] = (_kind, 9, 17, _m, 10 * _m + 1, True)
    CASES[f"grid-B5-n1-m{_m}"] = ("grid", 5, 1, _m, 10 * _m + 2, True)
    CASES[f"grid-B4-n0-m{_m}"] = ("grid", 4, 0, _m, 10 * _m + 3, False)
    CASES[f"grid-B0-n6-m{_m}"] = ("grid", 0, 6, _m, 10 * _m + 4, False)
# at the GPU bodies' size limits (cuda/launchers.hpp), and more items than scratch threads
CASES["sphere-B3-n1024-m2"] = ("sphere", 3, 1024, 2, 50, False)
CASES["sphere-B20-n512-m3"] = ("sphere", 20, 512, 3, 51, False)
CASES["grid-B20-n512-m3"] = ("grid", 20, 512, 3, 52, True)
CASES["sphere-B120-n128-m4"] = ("sphere", 120, 128, 4, 53, False)
# beyond them: the public layer runs these on the CPU and hands back CuPy arrays
CASES["sphere-B2-n600-m3-cpu"] = ("sphere", 2, 600, 3, 54, False)
CASES["sphere-B2-n40-m5-cpu"] = ("sphere", 2, 40, 5, 55, False)

DTYPES = [np.float64, np.float32]


def _cases():
    return [pytest.param(spec, id=name) for name, spec in CASES.items()]


# --- helpers ---------------------------------------------------------------------------------


def _assert_on_gpu(cp, out, like, want):
    assert isinstance(out, cp.ndarray), f"expected a CuPy array, got {type(out)!r}"
    assert out.device == like.device
    assert out.shape == np.shape(want)
    assert out.dtype == np.asarray(want).dtype


def _assert_close(got, want, scale):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    if got.size == 0:
        return
    err = np.abs(got - want) / np.maximum(scale, 1.0)
    assert float(err.max()) <= RTOL, f"max relative error {float(err.max()):.3g} > {RTOL}"


def _scale(vol, extra_dims):
    return np.asarray(vol, dtype=np.float64).reshape((-1,) + (1,) * extra_dims)


# --- agreement with the CPU path ---------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("spec", _cases())
def test_hypervolume_matches_cpu(cp, spec, dtype):
    pts, _cands, ref = _case(*spec)
    pts = pts.astype(dtype)
    x = cp.asarray(pts)
    got = tradeoff.hypervolume(x, cp.asarray(ref))
    want = tradeoff.hypervolume(pts, ref)
    _assert_on_gpu(cp, got, x, want)
    _assert_close(cp.asnumpy(got), want, _scale(want, 0))
    if spec[0] == "grid":  # integer data: every sum is exact
        np.testing.assert_array_equal(cp.asnumpy(got), want)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("spec", _cases())
def test_hv_contributions_match_cpu(cp, spec, dtype):
    pts, _cands, ref = _case(*spec)
    pts = pts.astype(dtype)
    x = cp.asarray(pts)
    got = tradeoff.hv_contributions(x, cp.asarray(ref))
    want = tradeoff.hv_contributions(pts, ref)
    _assert_on_gpu(cp, got, x, want)
    _assert_close(cp.asnumpy(got), want, _scale(tradeoff.hypervolume(pts, ref), 1))
    assert bool((got >= 0).all())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("spec", _cases())
def test_hv_improvement_matches_cpu(cp, spec, dtype):
    pts, cands, ref = _case(*spec)
    pts, cands = pts.astype(dtype), cands.astype(dtype)
    x = cp.asarray(pts)
    got = tradeoff.hv_improvement(x, cp.asarray(cands), cp.asarray(ref))
    want = tradeoff.hv_improvement(pts, cands, ref)
    _assert_on_gpu(cp, got, x, want)
    _assert_close(cp.asnumpy(got), want, _scale(tradeoff.hypervolume(pts, ref), 1))
    assert bool((got >= 0).all())


def test_batched_bayesian_optimization_size(cp):
    """The motivating workload: 1e4 sets of 50 points in m = 3, one launch per function."""
    pts = _sphere((10_000, 50, 3), seed=60)
    cands = _sphere((10_000, 16, 3), seed=61) * 0.99
    ref = np.full(3, 1.1)
    x, c = cp.asarray(pts), cp.asarray(cands)
    vol = tradeoff.hypervolume(pts, ref)
    _assert_close(cp.asnumpy(tradeoff.hypervolume(x, ref)), vol, vol)
    _assert_close(
        cp.asnumpy(tradeoff.hv_contributions(x, ref)),
        tradeoff.hv_contributions(pts, ref),
        vol[:, None],
    )
    _assert_close(
        cp.asnumpy(tradeoff.hv_improvement(x, c, ref)),
        tradeoff.hv_improvement(pts, cands, ref),
        vol[:, None],
    )


@pytest.mark.parametrize("m", [1, 2, 3, 4])
def test_single_set_and_single_candidate(cp, m):
    pts = _grid((30, m), seed=62 + m)
    ref = np.full(m, 4.0)
    x = cp.asarray(pts)
    vol = tradeoff.hypervolume(x, ref)
    assert isinstance(vol, cp.ndarray) and vol.shape == ()
    assert float(vol) == tradeoff.hypervolume(pts, ref)
    contrib = tradeoff.hv_contributions(x, ref)
    assert contrib.shape == (30,)
    np.testing.assert_array_equal(cp.asnumpy(contrib), tradeoff.hv_contributions(pts, ref))
    cand = np.full(m, 0.5)
    imp = tradeoff.hv_improvement(x, cp.asarray(cand), ref)
    assert isinstance(imp, cp.ndarray) and imp.shape == ()
    assert float(imp) == tradeoff.hv_improvement(pts, cand, ref)


@pytest.mark.parametrize("m", [2, 3, 4])
def test_point_equal_to_ref_counts_for_nothing(cp, m):
    ref = np.full(m, 2.0)
    pts = np.stack([np.full(m, 1.0), ref, np.full(m, 3.0)])  # inside, on ref, beyond ref
    x = cp.asarray(pts[None])
    assert float(tradeoff.hypervolume(x, ref)[0]) == 1.0
    np.testing.assert_array_equal(cp.asnumpy(tradeoff.hv_contributions(x, ref)), [[1.0, 0, 0]])
    cands = cp.asarray(np.stack([ref, np.full(m, 0.5), np.full(m, 1.0)])[None])
    imp = cp.asnumpy(tradeoff.hv_improvement(x, cands, ref))
    np.testing.assert_array_equal(imp, [[0.0, 1.5**m - 1.0, 0.0]])


def test_empty_sets_have_zero_volume(cp):
    x = cp.zeros((3, 0, 3))
    ref = np.ones(3)
    np.testing.assert_array_equal(cp.asnumpy(tradeoff.hypervolume(x, ref)), np.zeros(3))
    assert tradeoff.hv_contributions(x, ref).shape == (3, 0)
    cands = cp.asarray(np.full((3, 2, 3), 0.5))
    np.testing.assert_array_equal(
        cp.asnumpy(tradeoff.hv_improvement(x, cands, ref)), np.full((3, 2), 0.125)
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("maximize", [True, [True, False, True]])
def test_maximize_matches_cpu(cp, dtype, maximize):
    pts = _grid((40, 30, 3), seed=70).astype(dtype)
    cands = _grid((40, 5, 3), seed=71).astype(dtype)
    flips = np.array([True] * 3 if maximize is True else maximize)
    ref = np.where(flips, -1.0, 4.0)  # below the points where maximized
    x, c = cp.asarray(pts), cp.asarray(cands)
    for fn, args_gpu, args_cpu in [
        (tradeoff.hypervolume, (x, ref), (pts, ref)),
        (tradeoff.hv_contributions, (x, ref), (pts, ref)),
        (tradeoff.hv_improvement, (x, c, ref), (pts, cands, ref)),
    ]:
        np.testing.assert_array_equal(
            cp.asnumpy(fn(*args_gpu, maximize=maximize)), fn(*args_cpu, maximize=maximize)
        )


def test_batches_with_different_refs(cp):
    """Each set has its own ref; the same points measured against each must differ."""
    base = _sphere((1, 50, 3), seed=72)
    pts = np.repeat(base, 5, axis=0)
    refs = np.array([[1.1] * 3, [1.5] * 3, [0.8] * 3, [1.1, 0.5, 1.1], [2.0, 1.0, 1.5]])
    got = cp.asnumpy(tradeoff.hypervolume(cp.asarray(pts), cp.asarray(refs)))
    want = [tradeoff.hypervolume(base[0], r) for r in refs]
    _assert_close(got, want, np.asarray(want))
    assert len(set(got.tolist())) == 5


# --- arrays, streams -----------------------------------------------------------------------


def test_inputs_are_not_modified_and_results_do_not_alias(cp):
    pts = _grid((20, 40, 3), seed=80)
    x = cp.asarray(pts)
    c = cp.asarray(_grid((20, 6, 3), seed=81))
    ref = cp.asarray(np.full((20, 3), 3.0))
    before = (x.copy(), c.copy(), ref.copy())
    outs = [
        tradeoff.hypervolume(x, ref),
        tradeoff.hv_contributions(x, ref),
        tradeoff.hv_improvement(x, c, ref),
    ]
    for arr, old in zip((x, c, ref), before):
        assert bool(cp.array_equal(arr, old))
    for out in outs:
        for arr in (x, c, ref):
            assert not cp.shares_memory(out, arr)


def test_non_default_stream(cp):
    pts = _sphere((200, 50, 3), seed=82)
    ref = np.full(3, 1.1)
    stream = cp.cuda.Stream(non_blocking=True)
    with stream:
        x = cp.asarray(pts) * 1.0  # produced on the stream: the kernels must wait for it
        vol = tradeoff.hypervolume(x, ref)
        contrib = tradeoff.hv_contributions(x, ref)
        imp = tradeoff.hv_improvement(x, x[:, :4] * 0.99, ref)
        assert cp.cuda.get_current_stream() == stream
    stream.synchronize()
    want = tradeoff.hypervolume(pts, ref)
    _assert_close(cp.asnumpy(vol), want, want)
    _assert_close(cp.asnumpy(contrib), tradeoff.hv_contributions(pts, ref), want[:, None])
    _assert_close(
        cp.asnumpy(imp), tradeoff.hv_improvement(pts, pts[:, :4] * 0.99, ref), want[:, None]
    )


def test_array_on_another_device(cp):
    if cp.cuda.runtime.getDeviceCount() < 2:
        pytest.skip("needs two CUDA devices")
    pts = _sphere((10, 50, 3), seed=83)
    ref = np.full(3, 1.1)
    with cp.cuda.Device(1):
        x = cp.asarray(pts)
    vol = tradeoff.hypervolume(x, ref)  # current device is 0: the GPU path follows the array
    assert vol.device.id == 1
    want = tradeoff.hypervolume(pts, ref)
    _assert_close(cp.asnumpy(vol), want, want)


def test_forced_cuda_backend_on_numpy_input(cp):
    pts = _sphere((8, 50, 3), seed=84)
    ref = np.full(3, 1.1)
    with tradeoff.using_backend("cuda"):
        got = tradeoff.hypervolume(pts, ref)
    assert isinstance(got, np.ndarray)
    _assert_close(got, tradeoff.hypervolume(pts, ref), got)


# --- the driver module itself ------------------------------------------------------------------


def test_gpu_module_size_limits(cp):
    from tradeoff import _cuda, _gpu

    for m in (1, 2, 3, 4):
        limit = _cuda.hv_max_points(m)
        assert limit >= 128
        assert _gpu.hv_supported(limit, m)
        assert not _gpu.hv_supported(limit + 1, m)
        assert _gpu.hv_supported(0, m)
    assert not _gpu.hv_supported(10, 5)
    assert not _gpu.hv_supported(10, 0)


def test_gpu_module_direct_calls(cp):
    from tradeoff import _gpu

    pts = _grid((30, 20, 3), seed=90)
    cands = _grid((30, 4, 3), seed=91)
    ref = _ref_for("grid", 3, 30, seed=92)
    x, c, r = cp.asarray(pts), cp.asarray(cands), cp.asarray(ref)
    for out, want in [
        (_gpu.hypervolume(x, r), tradeoff.hypervolume(pts, ref)),
        (_gpu.hv_contributions(x, r), tradeoff.hv_contributions(pts, ref)),
        (_gpu.hv_improvement(x, c, r), tradeoff.hv_improvement(pts, cands, ref)),
        # float32 points are cast to float64 inside
        (_gpu.hypervolume(x.astype(cp.float32), r), tradeoff.hypervolume(pts, ref)),
    ]:
        assert out.dtype == cp.float64
        np.testing.assert_array_equal(cp.asnumpy(out), want)


def test_gpu_module_rejects_what_would_be_a_wild_pointer(cp):
    from tradeoff import _gpu

    x = cp.asarray(_uniform((2, 10, 3)))
    r = cp.ones((2, 3))
    with pytest.raises(ValueError, match="beyond the GPU hypervolume bodies"):
        _gpu.hypervolume(cp.asarray(_uniform((2, 600, 3))), r)
    with pytest.raises(ValueError, match="beyond the GPU hypervolume bodies"):
        _gpu.hv_contributions(cp.asarray(_uniform((2, 10, 5))), cp.ones((2, 5)))
    with pytest.raises(ValueError, match=r"expected ref of shape \(2, 3\)"):
        _gpu.hypervolume(x, cp.ones(3))
    with pytest.raises(TypeError, match="cupy.ndarray"):
        _gpu.hypervolume(x, np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"expected candidates of shape \(2, 4, 3\)"):
        _gpu.hv_improvement(x, cp.ones((2, 4, 2)), r)
    with pytest.raises(ValueError, match="C-contiguous"):
        _gpu.hypervolume(x[:, :, ::2], cp.ones((2, 2)))
    with pytest.raises(TypeError, match="float32 or float64"):
        _gpu.hypervolume(x.astype(cp.float16), r)
