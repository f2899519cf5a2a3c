"""Hypervolume: known answers, invariants and batching, on every CPU backend."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import brute_hypervolume, grid_hypervolume

import tradeoff

RNG = np.random.default_rng(7)


def sphere(n, m, rng=RNG):
    x = np.abs(rng.normal(size=(n, m)))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def grid_sets():
    rng = np.random.default_rng(11)
    out = []
    for m in (1, 2, 3, 4, 5):
        for n in (0, 1, 2, 5, 9):
            out.append((rng.integers(0, 4, size=(n, m)), np.full(m, 4)))
    return out


# ---------------------------------------------------------------------------- known answers


def test_single_box(backend):
    assert tradeoff.hypervolume([[1.0, 2.0, 3.0]], ref=[2, 4, 7]) == 1 * 2 * 4
    assert tradeoff.hv_contributions([[1.0, 2.0, 3.0]], ref=[2, 4, 7]).tolist() == [8.0]


def test_two_overlapping_boxes_by_inclusion_exclusion(backend):
    # boxes 2 x 1 and 1 x 2 below ref (3, 3) share the 1 x 1 square [2, 3) x [2, 3)
    assert tradeoff.hypervolume([[1, 2], [2, 1]], ref=[3, 3]) == 2 + 2 - 1
    # 3-D: boxes 2*1*1 and 1*2*1 share 1*1*1
    assert tradeoff.hypervolume([[1, 2, 2], [2, 1, 2]], ref=[3, 3, 3]) == 2 + 2 - 1
    assert tradeoff.hv_contributions([[1, 2], [2, 1]], ref=[3, 3]).tolist() == [1.0, 1.0]


@pytest.mark.parametrize("case", range(25))
def test_integer_sets_match_cell_count_and_inclusion_exclusion(backend, case):
    pts, ref = grid_sets()[case]
    expected = grid_hypervolume(pts, ref)
    assert tradeoff.hypervolume(pts, ref) == expected
    assert tradeoff.hypervolume(pts, ref) == pytest.approx(brute_hypervolume(pts, ref), abs=1e-9)


def test_plane_grid_has_the_closed_form_volume(backend):
    # every point of {i + j + k = N - 1} on an N-grid: the cells not covered are those with
    # a + b + c < N - 1, i.e. C(N + 1, 3) of N^3
    big_n = 24
    pts = np.array(
        [(i, j, big_n - 1 - i - j) for i in range(big_n) for j in range(big_n - i)], dtype=float
    )
    expected = big_n**3 - math.comb(big_n + 1, 3)
    assert tradeoff.hypervolume(pts, ref=[big_n] * 3) == expected
    line = np.array([(i, big_n - 1 - i) for i in range(big_n)], dtype=float)
    assert tradeoff.hypervolume(line, ref=[big_n] * 2) == big_n**2 - math.comb(big_n, 2)


def test_one_objective(backend):
    assert tradeoff.hypervolume([[3.0], [1.0], [2.0]], ref=[5]) == 4.0
    assert tradeoff.hv_contributions([[3.0], [1.0], [2.0]], ref=[5]).tolist() == [0, 1, 0]
    assert tradeoff.hv_contributions([[1.0], [1.0]], ref=[5]).tolist() == [0, 0]


# ------------------------------------------------------------------- defined edge answers


@pytest.mark.parametrize("m", [1, 2, 3, 4, 5])
def test_empty_set_has_volume_zero(backend, m):
    assert tradeoff.hypervolume(np.zeros((0, m)), ref=np.ones(m)) == 0.0
    assert tradeoff.hv_contributions(np.zeros((0, m)), ref=np.ones(m)).shape == (0,)
    assert tradeoff.hypervolume(np.zeros((3, 0, m)), ref=np.ones(m)).tolist() == [0, 0, 0]
    assert tradeoff.hv_improvement(np.zeros((0, m)), np.zeros(m), ref=np.ones(m)) == 1.0


@pytest.mark.parametrize("m", [2, 3, 4, 5])
def test_points_not_strictly_dominating_ref_add_nothing(backend, m):
    ref = np.full(m, 2.0)
    inside = np.ones((1, m))
    on_edge = np.ones((1, m))
    on_edge[0, 0] = 2.0  # equal to ref in one objective: a box of zero width
    beyond = np.zeros((1, m))
    beyond[0, -1] = 5.0
    plus_inf = np.zeros((1, m))
    plus_inf[0, 1] = np.inf
    pts = np.vstack([inside, on_edge, beyond, plus_inf])
    assert tradeoff.hypervolume(pts, ref) == 1.0
    assert tradeoff.hv_contributions(pts, ref).tolist() == [1.0, 0.0, 0.0, 0.0]
    # a reference point no point dominates: volume 0, every contribution 0
    assert tradeoff.hypervolume(pts, np.full(m, -1.0)) == 0.0
    assert tradeoff.hv_contributions(pts, np.full(m, -1.0)).tolist() == [0.0] * 4


@pytest.mark.parametrize("m", [2, 3, 4, 5])
def test_minus_inf_inside_the_box_gives_infinite_volume(backend, m):
    pts = np.array([np.full(m, 0.5), np.r_[-np.inf, np.zeros(m - 1)]])
    assert tradeoff.hypervolume(pts, np.ones(m)) == math.inf
    # outside the box it changes nothing
    pts_out = np.array([np.full(m, 0.5), np.r_[-np.inf, np.full(m - 1, 3.0)]])
    assert tradeoff.hypervolume(pts_out, np.ones(m)) == 0.5**m
    batch = tradeoff.hypervolume(np.stack([pts, pts_out]), np.ones(m))
    assert batch.tolist() == [math.inf, 0.5**m]
    with pytest.raises(ValueError, match=r"points has a point with a -inf coordinate strictly inside"):
        tradeoff.hv_contributions(pts, np.ones(m))
    with pytest.raises(ValueError, match=r"the hypervolume is infinite and improvements are undefined"):
        tradeoff.hv_improvement(pts, np.zeros(m), np.ones(m))
    with pytest.raises(ValueError, match=r"candidates has a point with a -inf coordinate"):
        tradeoff.hv_improvement(pts_out, pts, np.ones(m))
    with pytest.raises(ValueError, match=r"\(problem 0 of the batch\)"):
        tradeoff.hv_contributions(np.stack([pts, pts_out]), np.ones(m))


# ------------------------------------------------------------------------------ invariants


@pytest.mark.parametrize("m", [2, 3, 4, 5])
def test_invariants(backend, m):
    rng = np.random.default_rng(m)
    n = 40 if backend == "native" or m <= 3 else 12
    pts = sphere(n, m, rng)
    ref = np.full(m, 1.1)
    hv = tradeoff.hypervolume(pts, ref)
    tol = 1e-12 * hv
    # permutation, duplicates and dominated points change nothing
    assert tradeoff.hypervolume(pts[rng.permutation(n)], ref) == pytest.approx(hv, abs=tol)
    dominated = pts[:5] + 0.01
    padded = np.vstack([pts, pts[:3], dominated])
    assert tradeoff.hypervolume(padded, ref) == pytest.approx(hv, abs=tol)
    # monotone when a point is added
    extra = sphere(1, m, rng) * 0.9
    assert tradeoff.hypervolume(np.vstack([pts, extra]), ref) > hv
    # a positive per-axis scaling of points and ref scales the volume by the product
    scale = rng.uniform(0.5, 3.0, size=m)
    assert tradeoff.hypervolume(pts * scale, ref * scale) == pytest.approx(
        hv * np.prod(scale), rel=1e-12
    )
    # a translation of points and ref together changes nothing
    assert tradeoff.hypervolume(pts + 3.0, ref + 3.0) == pytest.approx(hv, rel=1e-12)


@pytest.mark.parametrize("m", [1, 2, 3, 4, 5])
def test_contributions_are_the_volume_lost_by_removing_each_point(backend, m):
    rng = np.random.default_rng(100 + m)
    n = 30 if backend == "native" or m <= 3 else 9
    pts = np.vstack([sphere(n, m, rng), rng.integers(0, 3, size=(6, m)) / 3.0])
    pts = np.vstack([pts, pts[:2]])  # duplicates: both copies contribute 0
    ref = np.full(m, 1.1)
    hv = tradeoff.hypervolume(pts, ref)
    contrib = tradeoff.hv_contributions(pts, ref)
    for i in range(len(pts)):
        lost = hv - tradeoff.hypervolume(np.delete(pts, i, axis=0), ref)
        assert contrib[i] == pytest.approx(lost, abs=1e-12 * hv)
    assert contrib[0] == 0.0 and contrib[-1] == 0.0
    assert (contrib >= 0).all()


@pytest.mark.parametrize("m", [1, 2, 3, 4, 5])
def test_improvement_is_the_volume_a_candidate_adds(backend, m):
    rng = np.random.default_rng(200 + m)
    n = 30 if backend == "native" or m <= 3 else 9
    pts = sphere(n, m, rng)
    ref = np.full(m, 1.1)
    cands = np.vstack([sphere(8, m, rng) * rng.uniform(0.8, 1.2, size=(8, 1)), pts[:2], ref])
    hv = tradeoff.hypervolume(pts, ref)
    gains = tradeoff.hv_improvement(pts, cands, ref)
    assert gains.shape == (len(cands),)
    for c, gain in zip(cands, gains):
        added = tradeoff.hypervolume(np.vstack([pts, c]), ref) - hv
        assert gain == pytest.approx(added, abs=1e-12 * hv)
    assert gains[-3:].tolist() == [0.0, 0.0, 0.0]  # points of the set, and ref itself
    assert tradeoff.hv_improvement(pts, cands[0], ref) == gains[0]


# ------------------------------------------------------------- batches, senses and dtypes


@pytest.mark.parametrize("m", [2, 3, 4])
def test_batches_equal_one_call_per_problem(backend, m):
    rng = np.random.default_rng(300 + m)
    pts = rng.random((5, 12, m))
    refs = rng.uniform(0.6, 1.2, size=(5, m))
    cands = rng.random((5, 4, m))
    vols = tradeoff.hypervolume(pts, refs)
    contribs = tradeoff.hv_contributions(pts, refs)
    gains = tradeoff.hv_improvement(pts, cands, refs)
    assert vols.shape == (5,) and contribs.shape == (5, 12) and gains.shape == (5, 4)
    for b in range(5):
        assert vols[b] == tradeoff.hypervolume(pts[b], refs[b])
        assert contribs[b].tolist() == tradeoff.hv_contributions(pts[b], refs[b]).tolist()
        assert gains[b].tolist() == tradeoff.hv_improvement(pts[b], cands[b], refs[b]).tolist()
    shared = tradeoff.hypervolume(pts, refs[0])
    assert shared.tolist() == [tradeoff.hypervolume(p, refs[0]) for p in pts]


def test_maximize_equals_minimizing_the_negation(backend):
    rng = np.random.default_rng(5)
    pts = rng.random((30, 3))
    ref = np.array([-0.1, 1.2, -0.2])
    mixed = [True, False, True]
    flipped = pts * np.array([-1, 1, -1])
    flipped_ref = ref * np.array([-1, 1, -1])
    assert tradeoff.hypervolume(pts, ref, maximize=mixed) == tradeoff.hypervolume(flipped, flipped_ref)
    assert (
        tradeoff.hv_contributions(pts, ref, maximize=mixed).tolist()
        == tradeoff.hv_contributions(flipped, flipped_ref).tolist()
    )
    cands = rng.random((4, 3))
    assert (
        tradeoff.hv_improvement(pts, cands, ref, maximize=mixed).tolist()
        == tradeoff.hv_improvement(flipped, cands * np.array([-1, 1, -1]), flipped_ref).tolist()
    )
    assert tradeoff.hypervolume(-pts, -ref * 0 - 1.5, maximize=True) == tradeoff.hypervolume(
        pts, np.full(3, 1.5)
    )


def test_dtypes_and_inputs_untouched(backend):
    rng = np.random.default_rng(6)
    pts64 = rng.random((50, 3))
    pts32 = pts64.astype(np.float32)
    ref = np.full(3, 1.0)
    exact32 = tradeoff.hypervolume(pts32.astype(np.float64), ref)
    assert tradeoff.hypervolume(pts32, ref) == exact32  # float32 converts exactly
    assert isinstance(tradeoff.hypervolume(pts32, ref), float)
    assert tradeoff.hv_contributions(pts32, ref).dtype == np.float64
    ints = rng.integers(0, 5, size=(20, 3))
    assert tradeoff.hypervolume(ints, [5, 5, 5]) == grid_hypervolume(ints, [5, 5, 5])
    # non-contiguous, read-only input is fine and never modified
    wide = np.asfortranarray(rng.random((40, 6)))[:, ::2]
    wide.flags.writeable = False
    before = wide.copy()
    assert tradeoff.hypervolume(wide, ref, maximize=[True, False, False]) == tradeoff.hypervolume(
        np.ascontiguousarray(wide) * [-1, 1, 1], ref * [-1, 1, 1]
    )
    tradeoff.hv_contributions(wide, ref, maximize=True)
    assert (wide == before).all()
    assert tradeoff.hypervolume([[1, 2], [2, 1]], ref=(3, 3)) == 3.0  # lists and tuples


@pytest.mark.parametrize("m", [2, 3])
def test_relative_error_stays_near_machine_precision_on_large_grids(m):
    """The tolerance documented in the docstrings: a few ulps of the volume, on 1e6 points.

    Points k / N on the plane sum(x) = 1 - 1/N of an N-grid (N not a power of two, so the
    products round); the volume is the count of covered cells over N^m. A plain running sum
    of the 1e6 two-dimensional terms is 4 ulps off; the compensated sums are within 2."""
    big_n = 10**6 if m == 2 else 1000  # 1e6 points in 2-D, 5e5 in 3-D
    if m == 2:
        i = np.arange(big_n)
        pts = np.stack([i, big_n - 1 - i], axis=1).astype(float)
        cells = big_n**2 - math.comb(big_n, 2)
    else:
        i, j = np.triu_indices(big_n)
        i, j = j - i, i  # every (i, j) with i + j <= N - 1
        pts = np.stack([i, j, big_n - 1 - i - j], axis=1).astype(float)
        cells = big_n**3 - math.comb(big_n + 1, 3)
    expected = cells / big_n**m
    got = tradeoff.hypervolume(pts / big_n, ref=np.ones(m))
    assert abs(got - expected) <= 2 * np.finfo(float).eps * expected


@pytest.mark.parametrize("m", [5, 6])
def test_two_thread_split_of_one_large_problem(m):
    """m >= 5 problems of 150+ points run on two threads, split along the last objective:
    the same volume as one thread, and exact on integer sets with ties across the split."""
    if tradeoff._backend.core_module() is None:
        pytest.skip("native module not built")
    rng = np.random.default_rng(400 + m)
    ints = rng.integers(0, 4, size=(300, m))
    front = sphere(400, m, rng)
    previous = tradeoff._backend.core_module().num_threads()
    try:
        with tradeoff.using_backend("native"):
            tradeoff.set_num_threads(2)
            two = [tradeoff.hypervolume(ints, np.full(m, 4)), tradeoff.hypervolume(front, np.full(m, 1.1))]
            tradeoff.set_num_threads(1)
            one = [tradeoff.hypervolume(ints, np.full(m, 4)), tradeoff.hypervolume(front, np.full(m, 1.1))]
    finally:
        tradeoff.set_num_threads(previous)
    assert two[0] == one[0] == grid_hypervolume(ints, np.full(m, 4))
    assert two[1] == pytest.approx(one[1], rel=1e-13)
