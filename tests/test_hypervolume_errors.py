"""Every error message of the hypervolume functions, and that bad input never reaches the
kernels."""

from __future__ import annotations

import numpy as np
import pytest

import tradeoff

FUNCS = {
    "hypervolume": lambda pts, ref, **kw: tradeoff.hypervolume(pts, ref, **kw),
    "hv_contributions": lambda pts, ref, **kw: tradeoff.hv_contributions(pts, ref, **kw),
    "hv_improvement": lambda pts, ref, **kw: tradeoff.hv_improvement(
        pts, np.zeros(np.shape(pts)[-1]) if np.ndim(pts) == 2 else np.zeros((len(pts), 1, np.shape(pts)[-1])), ref, **kw
    ),
}


@pytest.fixture(params=sorted(FUNCS))
def func(request):
    return FUNCS[request.param]


def test_ref_of_the_wrong_length(func):
    with pytest.raises(ValueError, match=r"ref must have shape \(2,\) \(one value per objective\); got shape \(3,\)"):
        func([[1.0, 2.0]], [3, 3, 3])


def test_ref_per_problem_needs_a_batch(func):
    with pytest.raises(ValueError, match=r"ref must have shape \(2,\) \(one value per objective\); got shape \(1, 2\)"):
        func([[1.0, 2.0]], [[3, 3]])
    batch = np.ones((2, 3, 2))
    with pytest.raises(
        ValueError,
        match=r"ref must have shape \(2,\) or \(2, 2\) \(one value per objective, or one row per problem\); got shape \(3, 2\)",
    ):
        func(batch, np.ones((3, 2)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_ref_must_be_finite(func, bad):
    with pytest.raises(ValueError, match=r"ref must be finite; got .* at index \(1,\)\. The reference point bounds"):
        func([[1.0, 2.0]], [3.0, bad])


def test_ref_must_be_real(func):
    with pytest.raises(TypeError, match=r"ref must hold real numbers .* got dtype complex128"):
        func([[1.0, 2.0]], [3.0 + 1j, 3.0])
    with pytest.raises(TypeError, match=r"ref must hold real numbers .* got dtype <U1"):
        func([[1.0, 2.0]], ["a", "b"])


def test_nan_points(func):
    with pytest.raises(ValueError, match=r"points contains NaN at index \(1, 0\)"):
        func([[1.0, 2.0], [np.nan, 1.0]], [3, 3])


def test_points_shape(func):
    with pytest.raises(ValueError, match=r"points must be a 2-D array of shape \(n, m\) or a 3-D batch"):
        func([1.0, 2.0], [3, 3])
    with pytest.raises(ValueError, match=r"points must have at least one objective"):
        func(np.zeros((3, 0)), np.zeros(0))


def test_maximize_of_the_wrong_length(func):
    with pytest.raises(ValueError, match=r"maximize must be a bool or a sequence of m=2 bools"):
        func([[1.0, 2.0]], [3, 3], maximize=[True])


def test_candidates_shape():
    with pytest.raises(ValueError, match=r"candidates must have shape \(k, 2\) or \(2,\) to match points of shape \(1, 2\); got shape \(1, 3\)"):
        tradeoff.hv_improvement([[1.0, 2.0]], [[1.0, 2.0, 3.0]], [3, 3])
    with pytest.raises(ValueError, match=r"candidates must have shape \(2, k, 2\) to match points of shape \(2, 3, 2\); got shape \(3, 1, 2\)"):
        tradeoff.hv_improvement(np.ones((2, 3, 2)), np.ones((3, 1, 2)), [3, 3])
    with pytest.raises(ValueError, match=r"candidates must have shape \(k, 2\) or \(2,\) .* got shape \(1, 1, 2\)"):
        tradeoff.hv_improvement([[1.0, 2.0]], [[[1.0, 2.0]]], [3, 3])


def test_candidates_nan():
    with pytest.raises(ValueError, match=r"candidates contains NaN at index \(0, 0\)"):
        tradeoff.hv_improvement([[1.0, 2.0]], [[np.nan, 2.0]], [3, 3])


def test_native_module_refuses_sizes_it_cannot_handle():
    """Direct calls to _core (bypassing the public functions) get an error, not a crash."""
    from tradeoff import _backend

    core = _backend.core_module()
    if core is None:
        pytest.skip("native module not built")
    message = r"points must have 1 to 32768 objectives \(last axis\); got 0"
    with pytest.raises(ValueError, match=message):
        core.hypervolume(np.zeros((1, 3, 0)), np.zeros((1, 0)))
    with pytest.raises(ValueError, match=message):
        core.hv_contributions(np.zeros((1, 3, 0)), np.zeros((1, 0)))
    with pytest.raises(ValueError, match=message):
        core.hv_improvement(np.zeros((1, 3, 0)), np.zeros((1, 2, 0)), np.zeros((1, 0)))
    with pytest.raises(ValueError, match=r"ref must have shape \(B, m\) matching points"):
        core.hypervolume(np.zeros((2, 3, 2)), np.zeros((1, 2)))
    with pytest.raises(ValueError, match=r"candidates must have shape \(B, k, m\) matching points"):
        core.hv_improvement(np.zeros((2, 3, 2)), np.zeros((2, 1, 3)), np.zeros((2, 2)))
