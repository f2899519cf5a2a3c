"""Pareto ranking: known answers, conventions, invariants, shapes and dtypes."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import brute_crowding, brute_ranks

import tradeoff


# --- known answers (worked out by hand) ----------------------------------------------------


def test_rank_two_objectives_by_hand(backend):
    pts = [[1, 4], [2, 2], [3, 3], [4, 1], [1, 4], [5, 5], [2, 5]]
    # (3,3) is dominated by (2,2); (2,5) by (1,4); (5,5) by (3,3) which is in front 1
    assert tradeoff.pareto_rank(pts).tolist() == [0, 0, 1, 0, 0, 2, 1]


def test_rank_three_objectives_by_hand(backend):
    pts = [[0, 0, 0], [1, 1, 1], [2, 2, 2], [0, 2, 1], [2, 0, 1], [3, 3, 0], [1, 1, 1]]
    # (0,0,0) dominates all but (3,3,0)? (0,0,0) <= (3,3,0) and strictly less: dominated too.
    expected = [0, 1, 2, 1, 1, 1, 1]
    assert tradeoff.pareto_rank(pts).tolist() == expected


def test_rank_one_objective_is_a_dense_sort(backend):
    assert tradeoff.pareto_rank([[3.0], [1.0], [2.0], [1.0], [np.inf]]).tolist() == [2, 0, 1, 0, 3]


def test_rank_chain_every_point_its_own_front(backend):
    pts = np.arange(50, dtype=float)[:, None].repeat(4, axis=1)[::-1]
    assert tradeoff.pareto_rank(pts).tolist() == list(range(49, -1, -1))


def test_rank_antichain_all_first_front(backend):
    t = np.linspace(0, 1, 40)
    pts = np.stack([t, 1 - t, np.full_like(t, 0.5)], axis=1)
    assert (tradeoff.pareto_rank(pts) == 0).all()
    assert tradeoff.nondominated(pts).all()


def test_equal_points_share_a_rank_and_do_not_dominate(backend):
    pts = [[1, 1, 1]] * 5 + [[2, 2, 2]] * 3
    assert tradeoff.pareto_rank(pts).tolist() == [0] * 5 + [1] * 3
    assert tradeoff.nondominated(pts).tolist() == [True] * 5 + [False] * 3


def test_infinities_are_ordered_as_usual(backend):
    pts = [[np.inf, 0], [0, np.inf], [-np.inf, -np.inf], [np.inf, np.inf], [1, 1]]
    assert tradeoff.pareto_rank(pts).tolist() == [1, 1, 0, 2, 1]


def test_maximize_flips_objectives(backend):
    pts = np.array([[1.0, 4.0], [2.0, 2.0], [3.0, 3.0]])
    assert tradeoff.pareto_rank(pts, maximize=True).tolist() == [0, 1, 0]
    assert tradeoff.pareto_rank(pts, maximize=[False, True]).tolist() == [0, 1, 1]
    assert tradeoff.pareto_rank(pts, maximize=[True, False]).tolist() == [1, 0, 0]
    assert tradeoff.pareto_rank(pts, maximize=np.array([True, True])).tolist() == (
        tradeoff.pareto_rank(-pts).tolist()
    )


def test_crowding_distance_by_hand(backend):
    pts = [[0, 4], [1, 2], [2, 1], [4, 0]]
    # objective 0: range 4, (2-0)/4 and (4-1)/4; objective 1: range 4, (4-1)/4 and (2-0)/4
    d = tradeoff.crowding_distance(pts)
    assert d.tolist() == [np.inf, 0.5 + 0.75, 0.75 + 0.5, np.inf]


def test_crowding_distance_per_front_with_given_ranks(backend):
    pts = np.array([[0, 2], [1, 1], [2, 0], [1, 3], [2, 2], [3, 1]], dtype=float)
    ranks = tradeoff.pareto_rank(pts)
    assert ranks.tolist() == [0, 0, 0, 1, 1, 1]
    d = tradeoff.crowding_distance(pts, ranks)
    assert d.tolist() == [np.inf, 2.0, np.inf, np.inf, 2.0, np.inf]


def test_crowding_small_fronts_and_flat_objectives(backend):
    assert tradeoff.crowding_distance([[1.0, 2.0]]).tolist() == [np.inf]
    assert tradeoff.crowding_distance([[1.0, 2.0], [2.0, 1.0]]).tolist() == [np.inf, np.inf]
    # objective 1 is constant (range 0): only objective 0 contributes to the middle point
    d = tradeoff.crowding_distance([[0.0, 5.0], [1.0, 5.0], [4.0, 5.0]], ranks=[0, 0, 0])
    assert d.tolist() == [np.inf, 1.0, np.inf]


def test_crowding_infinite_range_contributes_zero(backend):
    d = tradeoff.crowding_distance([[0.0, np.inf], [1.0, 1.0], [2.0, 0.0]], ranks=[0, 0, 0])
    assert d[1] == 1.0  # objective 1 spans inf: adds 0, objective 0 adds (2-0)/2
    assert np.isinf(d[[0, 2]]).all()


def test_crowding_matches_brute_force(backend):
    rng = np.random.default_rng(3)
    pts = rng.integers(0, 6, size=(80, 3)).astype(float)
    ranks = tradeoff.pareto_rank(pts)
    d = tradeoff.crowding_distance(pts, ranks)
    expected = brute_crowding(pts, ranks)
    np.testing.assert_allclose(d, expected, rtol=1e-12, atol=0)


def test_truncation_max_rank_and_n_stop(backend):
    pts = np.arange(10, dtype=float)[:, None].repeat(2, axis=1)  # a chain: ranks 0..9
    assert tradeoff.pareto_rank(pts, max_rank=3).tolist() == [0, 1, 2, 3] + [tradeoff.UNRANKED] * 6
    assert tradeoff.pareto_rank(pts, n_stop=5).tolist() == [0, 1, 2, 3, 4] + [tradeoff.UNRANKED] * 5
    # n_stop ranks whole fronts: a front of 3 crossing the threshold stays whole
    pts = [[0, 0], [1, 2], [2, 1], [1.5, 1.5], [3, 3]]
    assert tradeoff.pareto_rank(pts, n_stop=2).tolist() == [0, 1, 1, 1, tradeoff.UNRANKED]
    assert tradeoff.pareto_rank(pts, n_stop=100).tolist() == [0, 1, 1, 1, 2]
    assert tradeoff.pareto_rank(pts, n_stop=2, max_rank=0).tolist() == [0] + [tradeoff.UNRANKED] * 4
    assert tradeoff.UNRANKED == np.iinfo(np.int32).max


def test_truncation_in_a_batch_is_per_problem(backend):
    a = np.arange(6, dtype=float)[:, None].repeat(2, axis=1)
    b = np.array([[0, 5], [1, 4], [2, 3], [3, 2], [4, 1], [5, 0]], dtype=float)
    ranks = tradeoff.pareto_rank(np.stack([a, b]), n_stop=3)
    assert ranks[0].tolist() == [0, 1, 2] + [tradeoff.UNRANKED] * 3
    assert ranks[1].tolist() == [0] * 6


# --- shapes, dtypes, empty and size-1 inputs -------------------------------------------------


def test_empty_and_single_point(backend):
    for m in (1, 2, 3, 5):
        empty = np.zeros((0, m))
        assert tradeoff.pareto_rank(empty).shape == (0,)
        assert tradeoff.pareto_rank(empty).dtype == np.int32
        assert tradeoff.nondominated(empty).shape == (0,)
        assert tradeoff.crowding_distance(empty).shape == (0,)
        one = np.ones((1, m))
        assert tradeoff.pareto_rank(one).tolist() == [0]
        assert tradeoff.nondominated(one).tolist() == [True]
        assert tradeoff.crowding_distance(one).tolist() == [np.inf]
    assert tradeoff.pareto_rank(np.zeros((0, 5, 3))).shape == (0, 5)
    assert tradeoff.pareto_rank(np.zeros((4, 0, 3))).shape == (4, 0)
    assert tradeoff.pareto_rank(np.zeros((0, 3)), n_stop=3, max_rank=1).shape == (0,)


def test_batch_equals_loop(backend):
    rng = np.random.default_rng(5)
    pts = rng.integers(0, 5, size=(7, 30, 3)).astype(float)
    ranks = tradeoff.pareto_rank(pts)
    assert ranks.shape == (7, 30)
    for b in range(7):
        assert ranks[b].tolist() == tradeoff.pareto_rank(pts[b]).tolist()
    masks = tradeoff.nondominated(pts)
    assert masks.shape == (7, 30) and masks.dtype == bool
    assert (masks == (ranks == 0)).all()
    crowd = tradeoff.crowding_distance(pts)
    for b in range(7):
        np.testing.assert_array_equal(crowd[b], tradeoff.crowding_distance(pts[b]))


@pytest.mark.parametrize(
    "dtype, out_dtype",
    [
        (np.float64, np.float64),
        (np.float32, np.float32),
        (np.float16, np.float32),
        (np.int64, np.float64),
        (np.int8, np.float64),
        (np.uint16, np.float64),
        (bool, np.float64),
    ],
)
def test_dtypes(backend, dtype, out_dtype):
    pts = np.array([[0, 1], [1, 0], [1, 1]]).astype(dtype)
    assert tradeoff.pareto_rank(pts).tolist() == [0, 0, 1]
    assert tradeoff.pareto_rank(pts).dtype == np.int32
    assert tradeoff.crowding_distance(pts).dtype == out_dtype


def test_lists_and_non_contiguous_input(backend):
    base = np.random.default_rng(0).random((40, 6))
    view = base[::2, ::2]  # strided, not contiguous
    assert not view.flags.c_contiguous
    assert tradeoff.pareto_rank(view).tolist() == tradeoff.pareto_rank(view.copy()).tolist()
    assert tradeoff.pareto_rank(view.tolist()).tolist() == brute_ranks(view).tolist()
    fortran = np.asfortranarray(base[:, :3])
    assert tradeoff.pareto_rank(fortran).tolist() == brute_ranks(base[:, :3]).tolist()


def test_inputs_are_never_modified_and_results_never_alias(backend):
    rng = np.random.default_rng(1)
    pts = rng.random((50, 3))
    pts.flags.writeable = False
    keep = pts.copy()
    ranks = tradeoff.pareto_rank(pts, maximize=[True, False, True], n_stop=10)
    tradeoff.nondominated(pts, maximize=True)
    rk = ranks.copy()
    rk.flags.writeable = False
    d = tradeoff.crowding_distance(pts, rk, maximize=True)
    np.testing.assert_array_equal(pts, keep)
    assert not np.shares_memory(d, pts) and not np.shares_memory(d, rk)


# --- invariants ------------------------------------------------------------------------------


@pytest.mark.parametrize("m", [2, 3, 4, 6])
def test_invariants_on_random_grids(backend, m):
    rng = np.random.default_rng(m)
    pts = rng.integers(0, 4, size=(300, m)).astype(float)
    ranks = tradeoff.pareto_rank(pts)
    assert ranks.tolist() == brute_ranks(pts).tolist()
    dom = (pts[:, None] <= pts[None]).all(2) & (pts[:, None] < pts[None]).any(2)
    for k in range(int(ranks.max()) + 1):
        front = ranks == k
        assert not dom[np.ix_(front, front)].any(), "a point dominates another in its own front"
        if k:
            assert dom[np.ix_(ranks == k - 1, front)].any(axis=0).all(), (
                "a point of front k is not dominated by any point of front k-1"
            )
    perm = rng.permutation(len(pts))
    assert (tradeoff.pareto_rank(pts[perm]) == ranks[perm]).all()


@pytest.mark.slow
def test_large_sphere_and_chain_stay_exact(backend):
    from tradeoff._fallback import _jit

    if backend == "fallback" and _jit.NUMBA_VERSION is None:
        pytest.skip("the plain-Python fallback (TRADEOFF_NUMBA=0) is too slow for n=3000")
    rng = np.random.default_rng(11)
    x = np.abs(rng.normal(size=(3000, 4)))
    sphere = x / np.linalg.norm(x, axis=1, keepdims=True)
    assert (tradeoff.pareto_rank(sphere) == 0).all()
    chain = np.arange(3000, dtype=float)[:, None] + rng.random((3000, 4)) * 0.5
    assert (tradeoff.pareto_rank(chain) == np.arange(3000)).all()


@pytest.mark.parametrize("m", [1, 2, 3, 4])
def test_signed_zeros_are_equal_on_every_path(backend, m):
    """-0.0 == 0.0: equal points, same rank; n large enough for the native radix sort."""
    rng = np.random.default_rng(m)
    pts = rng.choice(np.array([-0.0, 0.0, 1.0]), size=(1500, m))
    expected = brute_ranks(np.where(pts == 0, 0.0, pts))
    assert tradeoff.pareto_rank(pts).tolist() == expected.tolist()
    assert tradeoff.nondominated(pts).tolist() == (expected == 0).tolist()
    pts32 = pts.astype(np.float32)
    assert tradeoff.pareto_rank(pts32).tolist() == expected.tolist()


@pytest.mark.slow
def test_plane_front_with_many_points(backend):
    """All points on a plane (no dominance): a layout that grows the m = 3 staircase at its
    front with every point."""
    from tradeoff._fallback import _jit

    if backend == "fallback" and _jit.NUMBA_VERSION is None:
        pytest.skip("the plain-Python fallback (TRADEOFF_NUMBA=0) is too slow for n=10000")
    t = np.random.default_rng(9).random(5000)
    pts = np.stack([t, 1 - t, t], axis=1)
    assert (tradeoff.pareto_rank(pts) == 0).all()
    shifted = np.concatenate([pts, pts + 0.5])
    ranks = tradeoff.pareto_rank(shifted)
    assert (ranks[:5000] == 0).all() and (ranks[5000:] >= 1).all()


@pytest.mark.skipif(tradeoff._backend.core_module() is None, reason="tradeoff._core is not built")
@pytest.mark.parametrize("m", [2, 3, 4, 5])
@pytest.mark.parametrize("kind", ["uniform", "grid", "sphere"])
def test_native_front_equals_rank_zero_on_large_sets(m, kind):
    """Large enough for the sampled pre-filter of nondominated(); pareto_rank reaches the
    same front through a different path (no pre-filter)."""
    rng = np.random.default_rng(m)
    n = 20000
    if kind == "uniform":
        pts = rng.random((n, m))
    elif kind == "grid":
        pts = rng.integers(0, 6, size=(n, m)).astype(float)
    else:
        x = np.abs(rng.normal(size=(n, m)))
        pts = x / np.linalg.norm(x, axis=1, keepdims=True)
        pts[::7] += 0.01  # some dominated points too
    with tradeoff.using_backend("native"):
        front = tradeoff.nondominated(pts)
        ranks = tradeoff.pareto_rank(pts)
    assert (front == (ranks == 0)).all()
    assert front.any()


@pytest.mark.parametrize("kind", ["sphere", "grid"])
def test_crowding_large_front_matches_brute_force(backend, kind):
    """Fronts large enough for the native radix sort; grids put ties on the boundaries."""
    rng = np.random.default_rng(21)
    if kind == "sphere":
        x = np.abs(rng.normal(size=(3000, 3)))
        pts = x / np.linalg.norm(x, axis=1, keepdims=True)
    else:
        pts = rng.integers(-3, 4, size=(3000, 3)).astype(float)
        pts[rng.random(pts.shape) < 0.1] = -0.0  # signed zeros tie with 0.0
    ranks = np.zeros(len(pts), dtype=np.int32)
    ranks[::5] = 1  # two groups, interleaved rows
    expected = brute_crowding(pts, ranks)
    np.testing.assert_allclose(tradeoff.crowding_distance(pts, ranks), expected, rtol=1e-12, atol=0)


def test_crowding_with_unranked_points_treats_them_as_one_group(backend):
    rng = np.random.default_rng(33)
    pts = rng.random((200, 3))
    ranks = tradeoff.pareto_rank(pts, n_stop=60)
    assert (ranks == tradeoff.UNRANKED).any()
    expected = brute_crowding(pts, ranks)
    np.testing.assert_allclose(tradeoff.crowding_distance(pts, ranks), expected, rtol=1e-12, atol=0)
