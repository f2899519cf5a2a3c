"""Agreement: native == fallback == brute force, exactly for ranks and masks, and crowding
distance to rtol 1e-12 (float64) / 1e-5 (float32), over inputs hypothesis finds hard:
integer grids with many ties, duplicates, infinities, one objective, float32, mixed maximize,
batches."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from conftest import brute_ranks
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tradeoff
from tradeoff import _backend

NATIVE = _backend.core_module() is not None


@contextlib.contextmanager
def leaves(kind):
    """'tiny' shrinks the native divide and conquer's quadratic leaves to one point, so that
    small inputs run every split and sweep; 'default' keeps the tuned sizes."""
    if kind == "default":
        yield
        return
    core = _backend.core_module()
    old = core._pareto_leaf_sizes(1, 1)
    try:
        yield
    finally:
        core._pareto_leaf_sizes(*old)

grid = st.integers(-2, 2).map(float)
wide = st.floats(-1e6, 1e6, allow_nan=False, width=64)
with_inf = st.one_of(grid, st.sampled_from([np.inf, -np.inf]))


@st.composite
def problems(draw, max_n=40, max_m=5, batch=False):
    m = draw(st.integers(1, max_m))
    n = draw(st.integers(0, max_n))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    elements = draw(st.sampled_from([grid, wide, with_inf]))
    if elements is wide and dtype == np.float32:
        elements = st.floats(-1e6, 1e6, allow_nan=False, width=32)
    shape = (draw(st.integers(0, 4)), n, m) if batch else (n, m)
    pts = draw(hnp.arrays(dtype, shape, elements=elements))
    if n > 1 and draw(st.booleans()):  # force exact duplicates
        src = draw(st.integers(0, n - 1))
        dst = draw(st.integers(0, n - 1))
        pts[..., dst, :] = pts[..., src, :]
    maximize = draw(st.one_of(st.booleans(), st.lists(st.booleans(), min_size=m, max_size=m)))
    return pts, maximize


def flipped(pts, maximize):
    flips = np.broadcast_to(np.asarray(maximize, dtype=bool), (pts.shape[-1],))
    return np.where(flips, -pts.astype(np.float64), pts.astype(np.float64))


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(problems())
def test_ranks_match_brute_force(case):
    pts, maximize = case
    expected = brute_ranks(flipped(pts, maximize))
    with tradeoff.using_backend("fallback"):
        assert tradeoff.pareto_rank(pts, maximize=maximize).tolist() == expected.tolist()
        assert tradeoff.nondominated(pts, maximize=maximize).tolist() == (expected == 0).tolist()


@pytest.mark.skipif(not NATIVE, reason="tradeoff._core is not built (fallback-only run)")
@pytest.mark.parametrize("leaf", ["default", "tiny"])
@SETTINGS
@given(case=problems(max_n=60, batch=True))
def test_native_equals_fallback(leaf, case):
    pts, maximize = case
    with tradeoff.using_backend("native"), leaves(leaf):
        rn = tradeoff.pareto_rank(pts, maximize=maximize)
        fn = tradeoff.nondominated(pts, maximize=maximize)
        cn = tradeoff.crowding_distance(pts, maximize=maximize)
    with tradeoff.using_backend("fallback"):
        rf = tradeoff.pareto_rank(pts, maximize=maximize)
        ff = tradeoff.nondominated(pts, maximize=maximize)
        cf = tradeoff.crowding_distance(pts, rf, maximize=maximize)
    assert rn.dtype == rf.dtype == np.int32
    np.testing.assert_array_equal(rn, rf)
    np.testing.assert_array_equal(fn, ff)
    assert cn.dtype == cf.dtype == np.dtype(pts.dtype)
    rtol = 1e-5 if pts.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(cn, cf, rtol=rtol, atol=0)


@pytest.mark.slow
@pytest.mark.skipif(not NATIVE, reason="tradeoff._core is not built (fallback-only run)")
@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(200, 1500),
    m=st.integers(3, 8),
    levels=st.sampled_from([2, 3, 5, 50, 0]),
    seed=st.integers(0, 2**32 - 1),
)
@pytest.mark.parametrize("leaf", ["default", "tiny"])
def test_native_equals_fallback_on_larger_sets(leaf, n, m, levels, seed):
    """Larger sets, with the default leaves and with leaves of one point."""
    rng = np.random.default_rng(seed)
    pts = rng.integers(0, levels, size=(n, m)).astype(float) if levels else rng.random((n, m))
    with tradeoff.using_backend("native"), leaves(leaf):
        rn = tradeoff.pareto_rank(pts)
        fn = tradeoff.nondominated(pts)
    with tradeoff.using_backend("fallback"):
        rf = tradeoff.pareto_rank(pts)
    np.testing.assert_array_equal(rn, rf)
    np.testing.assert_array_equal(fn, rf == 0)


@SETTINGS
@given(problems(max_n=30))
def test_rank_is_permutation_invariant(case):
    pts, maximize = case
    perm = np.random.default_rng(len(pts)).permutation(len(pts))
    r = tradeoff.pareto_rank(pts, maximize=maximize)
    assert (tradeoff.pareto_rank(pts[perm], maximize=maximize) == r[perm]).all()
