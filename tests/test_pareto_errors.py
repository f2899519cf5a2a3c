"""Every error message of the Pareto functions: what was expected, what arrived, how to fix."""

from __future__ import annotations

import numpy as np
import pytest

import tradeoff

FUNCS = [tradeoff.pareto_rank, tradeoff.nondominated, tradeoff.crowding_distance]


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize(
    "bad, shape_text",
    [(np.zeros(5), r"\(5,\)"), (np.zeros((2, 2, 2, 2)), r"\(2, 2, 2, 2\)"), (np.float64(3.0), r"\(\)")],
)
def test_wrong_ndim(fn, bad, shape_text):
    with pytest.raises(ValueError, match=r"points must be a 2-D array of shape \(n, m\) or a 3-D "
                       r"batch of shape \(B, n, m\); got shape " + shape_text):
        fn(bad)


@pytest.mark.parametrize("fn", FUNCS)
def test_zero_objectives(fn):
    with pytest.raises(ValueError, match=r"at least one objective \(last axis m >= 1\); got shape \(4, 0\)"):
        fn(np.zeros((4, 0)))


@pytest.mark.parametrize("fn", FUNCS)
def test_too_many_objectives_hints_at_transpose(fn):
    with pytest.raises(ValueError, match=r"has 40000 objectives .* Did you pass the transpose"):
        fn(np.zeros((2, 40000)))


@pytest.mark.parametrize("fn", FUNCS)
def test_nan_names_the_first_bad_index(fn):
    pts = np.zeros((4, 3))
    pts[2, 1] = np.nan
    pts[3, 0] = np.nan
    with pytest.raises(ValueError, match=r"points contains NaN at index \(2, 1\); .*replace NaN"):
        fn(pts)
    batch = np.zeros((2, 3, 2), dtype=np.float32)
    batch[1, 0, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN at index \(1, 0, 1\)"):
        fn(batch)


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize(
    "bad, dtype_text",
    [
        (np.array([[1 + 2j, 0]]), "complex128"),
        (np.array([["a", "b"]]), "<U1"),
        (np.array([[object(), 1]], dtype=object), "object"),
        (np.array([[1, 2]], dtype="datetime64[s]"), r"datetime64\[s\]"),
    ],
)
def test_non_numeric_dtypes(fn, bad, dtype_text):
    with pytest.raises(TypeError, match=r"points must hold real numbers .*; got dtype " + dtype_text):
        fn(bad)


@pytest.mark.parametrize("fn", FUNCS)
def test_ragged_lists(fn):
    with pytest.raises(ValueError, match=r"points must be a rectangular array .*got a ragged"):
        fn([[1, 2], [3]])


@pytest.mark.parametrize("fn", FUNCS)
def test_maximize_of_the_wrong_length(fn):
    with pytest.raises(ValueError, match=r"sequence of m=3 bools \(one per objective\); got 2 values"):
        fn(np.zeros((4, 3)), maximize=[True, False])


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("bad", ["yes", [0.5, 1.0], [[True, False]], [2, 0], None])
def test_maximize_of_the_wrong_type(fn, bad):
    with pytest.raises(TypeError, match=r"maximize must be a bool or a sequence of 2 bools"):
        fn(np.zeros((4, 2)), maximize=bad)


def test_maximize_accepts_zero_one_integers():
    assert tradeoff.pareto_rank([[1, 4], [2, 2]], maximize=[1, 0]).tolist() == [1, 0]


@pytest.mark.parametrize("name", ["max_rank", "n_stop"])
@pytest.mark.parametrize("bad", [1.5, "3", True, np.float64(2.0)])
def test_truncation_arguments_must_be_integers(name, bad):
    with pytest.raises(TypeError, match=rf"{name} must be None or an integer >= \d; got"):
        tradeoff.pareto_rank(np.zeros((3, 2)), **{name: bad})


def test_truncation_arguments_ranges():
    with pytest.raises(ValueError, match=r"max_rank must be None or an integer >= 0; got -1"):
        tradeoff.pareto_rank(np.zeros((3, 2)), max_rank=-1)
    with pytest.raises(ValueError, match=r"n_stop must be None or an integer >= 1; got 0"):
        tradeoff.pareto_rank(np.zeros((3, 2)), n_stop=0)
    assert tradeoff.pareto_rank(np.zeros((3, 2)), n_stop=np.int64(1), max_rank=np.int32(0)).tolist() == [0, 0, 0]


def test_ranks_not_matching_points():
    pts = np.zeros((5, 2))
    with pytest.raises(ValueError, match=r"ranks must have shape \(5,\) to match points of shape \(5, 2\); got shape \(4,\)"):
        tradeoff.crowding_distance(pts, np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match=r"ranks must have shape \(2, 5\) to match points of shape \(2, 5, 2\); got shape \(5,\)"):
        tradeoff.crowding_distance(np.zeros((2, 5, 2)), np.zeros(5, dtype=int))


def test_ranks_must_be_integers_in_range():
    pts = np.zeros((3, 2))
    with pytest.raises(TypeError, match=r"ranks must be an integer array .*; got dtype float64"):
        tradeoff.crowding_distance(pts, np.zeros(3))
    with pytest.raises(ValueError, match=r"ranks must hold ranks in \[0, 2147483647\] .*got values from -1 to 0"):
        tradeoff.crowding_distance(pts, np.array([0, -1, 0]))
    with pytest.raises(ValueError, match=r"got values from 0 to 2147483648"):
        tradeoff.crowding_distance(pts, np.array([0, 2**31, 0], dtype=np.int64))


def test_unknown_backend_names():
    with pytest.raises(ValueError, match=r"backend must be one of native, fallback, cuda .*; got 'gpu'"):
        tradeoff.set_backend("gpu")
    with pytest.raises(ValueError, match=r"backend must be one of"):
        with tradeoff.using_backend("fast"):
            pass


def test_unknown_backend_in_environment(monkeypatch):
    monkeypatch.setenv("TRADEOFF_BACKEND", "turbo")
    with pytest.raises(ValueError, match=r"the environment variable TRADEOFF_BACKEND must be one of .*got 'turbo'"):
        tradeoff.pareto_rank(np.zeros((2, 2)))


def test_set_num_threads_rejects_bad_values():
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match=r"set_num_threads expects an integer >= 1; got"):
            tradeoff.set_num_threads(bad)


@pytest.mark.parametrize("fn", FUNCS)
def test_too_many_points_is_refused_before_any_copy(fn):
    # a broadcast view: 2**31 rows that take no memory; validation must refuse it up front
    huge = np.broadcast_to(np.zeros((1, 2)), (2**31, 2))
    with pytest.raises(ValueError, match=r"has 2147483648 points per problem; at most 2147483646"):
        fn(huge)
