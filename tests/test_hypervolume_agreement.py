"""Agreement: native == fallback (== inclusion-exclusion on small sets) for volumes,
contributions and improvements, over inputs hypothesis finds hard: integer grids with many
ties, duplicates, points on and beyond the reference point, +inf, wide floats, float32, mixed
maximize, batches with one reference point per problem.

Tolerance: 1e-12 of the problem's total volume (absolute), for every value; the sums are
compensated on both sides, so only the products' roundings differ."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import brute_hypervolume
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tradeoff
from tradeoff import _backend

pytestmark = pytest.mark.skipif(_backend.core_module() is None, reason="native module not built")

# the fallback is O(n^(m-1)) per volume: keep sets small where m is large
MAX_N = {1: 30, 2: 40, 3: 30, 4: 12, 5: 9, 6: 7}

grid = st.integers(0, 4).map(float)
wide = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=64)
with_inf = st.one_of(grid, st.just(np.inf))


@st.composite
def problems(draw, batch=False, max_m=6, min_n=0, max_n=None):
    m = draw(st.integers(1, max_m))
    n = draw(st.integers(min_n, MAX_N[m] if max_n is None else min(max_n, MAX_N[m])))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    elements = draw(st.sampled_from([grid, wide, with_inf]))
    if elements is wide and dtype == np.float32:
        elements = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=32)
    n_batch = draw(st.integers(0, 3)) if batch else None
    shape = (n_batch, n, m) if batch else (n, m)
    pts = draw(hnp.arrays(dtype, shape, elements=elements))
    if n > 1 and draw(st.booleans()):  # force exact duplicates
        src, dst = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        pts[..., dst, :] = pts[..., src, :]
    ref_shape = (n_batch, m) if batch and draw(st.booleans()) else (m,)
    ref_el = st.integers(1, 5).map(float) if elements is not wide else st.floats(-500, 1e3, width=64)
    ref = draw(hnp.arrays(np.float64, ref_shape, elements=ref_el))
    maximize = draw(st.one_of(st.booleans(), st.lists(st.booleans(), min_size=m, max_size=m)))
    if maximize is True or (isinstance(maximize, list) and any(maximize)):
        flips = np.ones(m, bool) if maximize is True else np.asarray(maximize)
        ref = np.where(flips, -ref, ref)
        pts = np.where(flips, -pts, pts).astype(dtype)
    return pts, ref, maximize


def both(fn, *args, **kw):
    with tradeoff.using_backend("native"):
        a = fn(*args, **kw)
    with tradeoff.using_backend("fallback"):
        b = fn(*args, **kw)
    return np.asarray(a, dtype=float), np.asarray(b, dtype=float)


def scale(pts, ref, maximize):
    with tradeoff.using_backend("native"):
        hv = tradeoff.hypervolume(pts, ref, maximize=maximize)
    return np.maximum(np.max(np.atleast_1d(hv)), 1e-300)


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(problems())
def test_volume(case):
    pts, ref, maximize = case
    a, b = both(tradeoff.hypervolume, pts, ref, maximize=maximize)
    assert abs(a - b) <= 1e-12 * max(abs(b), 1e-300)
    if pts.shape[0] <= 10:
        flips = np.ones(pts.shape[1], bool) if maximize is True else np.asarray(maximize, bool)
        sign = np.where(flips, -1.0, 1.0) if maximize is not False else 1.0
        exact = brute_hypervolume(pts.astype(float) * sign, ref * sign)
        assert abs(a - exact) <= 1e-12 * max(abs(exact), 1e-300)


@SETTINGS
@given(problems(batch=True, max_m=5))
def test_volume_batches(case):
    pts, ref, maximize = case
    a, b = both(tradeoff.hypervolume, pts, ref, maximize=maximize)
    assert a.shape == b.shape == (pts.shape[0],)
    assert (np.abs(a - b) <= 1e-12 * np.maximum(np.abs(b), 1e-300)).all()


@SETTINGS
@given(problems(max_m=5))
def test_contributions(case):
    pts, ref, maximize = case
    a, b = both(tradeoff.hv_contributions, pts, ref, maximize=maximize)
    assert a.shape == b.shape == (pts.shape[0],)
    assert (np.abs(a - b) <= 1e-12 * scale(pts, ref, maximize)).all()
    assert (a >= 0).all()


@SETTINGS
@given(problems(batch=True, max_m=4))
def test_contributions_batches(case):
    pts, ref, maximize = case
    a, b = both(tradeoff.hv_contributions, pts, ref, maximize=maximize)
    assert a.shape == b.shape == pts.shape[:2]
    for k in range(pts.shape[0]):
        r = ref if ref.ndim == 1 else ref[k]
        assert (np.abs(a[k] - b[k]) <= 1e-12 * scale(pts[k], r, maximize)).all()


@SETTINGS
@given(problems(max_m=5), st.data())
def test_improvement(case, data):
    pts, ref, maximize = case
    m = pts.shape[1]
    k = data.draw(st.integers(0, 6))
    cands = data.draw(hnp.arrays(np.float64, (k, m), elements=st.integers(-1, 5).map(float)))
    if maximize is not False:
        flips = np.ones(m, bool) if maximize is True else np.asarray(maximize, bool)
        cands = np.where(flips, -cands, cands)
    if pts.shape[0] > 0 and k > 0 and data.draw(st.booleans()):
        cands[0] = pts[0]  # a candidate equal to a point of the set adds nothing
    a, b = both(tradeoff.hv_improvement, pts, cands, ref, maximize=maximize)
    assert a.shape == b.shape == (k,)
    with tradeoff.using_backend("native"):
        box = tradeoff.hypervolume(cands, ref, maximize=maximize) if k else 0.0
    tol = 1e-12 * max(scale(pts, ref, maximize), box, 1e-300)
    assert (np.abs(a - b) <= tol).all()
