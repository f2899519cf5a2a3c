"""Pareto ranking: non-dominated sorting, the first front, and crowding distance.

CPU path: ``_core`` (cpp/include/tradeoff/pareto.hpp, bound in cpp/bindings/register_pareto.cpp).
GPU path: ``_gpu`` -> ``_cuda`` (cuda/pareto.cu). Fallback and oracle: ``_fallback/pareto.py``.
Tests: tests/test_pareto*.py, tests/gpu/. Benchmarks: bench/bench_pareto.py.
"""

from __future__ import annotations

import numpy as np

from . import _backend, _validation
from ._fallback import pareto as _ref
from ._xp import array_module

#: Rank given to the points a truncated ranking (``max_rank`` / ``n_stop``) left unranked.
#: It is the largest int32, so sorting by rank puts unranked points last.
UNRANKED = 2**31 - 1


def _run(name: str, pts: _validation.Points, *extra):
    """Run kernel ``name`` on validated (B, n, m) points with the chosen backend; the result
    comes back on the device the points came from."""
    return _backend.run(name, (pts.data, *extra), on_gpu=pts.on_gpu, fallback=_ref)


def _truncate(ranks, max_rank, n_stop):
    """Set UNRANKED beyond the front that reaches ``n_stop`` points, or beyond ``max_rank``."""
    if max_rank is None and n_stop is None:
        return ranks
    xp = array_module(ranks)
    n_batch, n = ranks.shape
    if n == 0:
        return ranks
    cut = xp.full(n_batch, UNRANKED, dtype=xp.int64)
    if n_stop is not None:
        k = min(n_stop, n) - 1  # the smallest rank r with count(ranks <= r) >= n_stop
        cut = xp.partition(ranks, k, axis=1)[:, k].astype(xp.int64)
    if max_rank is not None:
        cut = xp.minimum(cut, max_rank)
    return xp.where(ranks > cut[:, None], xp.int32(UNRANKED), ranks).astype(xp.int32)


def pareto_rank(points, *, maximize=False, max_rank=None, n_stop=None):
    """Non-dominated sorting: the Pareto front index of every point.

    Parameters
    ----------
    points : array_like, shape (n, m) or (B, n, m)
        One problem of n points with m objectives, or a batch of B problems. NumPy arrays
        (and anything convertible) run on the CPU; CuPy arrays (or any object with
        ``__cuda_array_interface__``) run on the GPU and the result is a CuPy array.
        float32 and float64 are used as given; integers and bools are cast to float64
        (exact up to 2**53), float16 to float32. ``inf`` is allowed; NaN is an error.
    maximize : bool or sequence of bool, default False
        Objectives are minimized; True flips all, a sequence of m bools flips some.
    max_rank : int, optional
        Rank only fronts 0..max_rank; later points get :data:`UNRANKED`.
    n_stop : int, optional
        Rank whole fronts until at least ``n_stop`` points are ranked (what NSGA-II's survival
        step needs); later points get :data:`UNRANKED`.

    Returns
    -------
    ranks : int32 array, shape (n,) or (B, n)
        0 for the non-dominated points, 1 for those dominated only by rank-0 points, and so
        on. Point a dominates b when a is no worse in every objective and better in one, so
        points equal in every objective never dominate each other and share a rank.

    Notes
    -----
    Algorithms (the CPU kernels; fronts are computed in full, ``max_rank`` and ``n_stop``
    only mark the result, since one full sort is cheaper than peeling fronts):

    * m = 1: a sort, O(n log n).
    * m = 2: lexicographic sort and a sweep placing each point in the first front whose
      smallest second objective exceeds its own (binary search), O(n log n).
    * m >= 3: divide and conquer (Jensen 2003; Fortin et al. 2013; Buzdalov & Shalyto 2014),
      O(n log^(m-1) n), with no quadratic worst case: all points on one front or every point
      in its own front both stay fast.

    Batches run across threads (``tradeoff.set_num_threads``). The GPU path counts dominators
    and peels fronts (O(B n^2 m) work spread over the device).

    Examples
    --------
    >>> import tradeoff
    >>> tradeoff.pareto_rank([[1, 4], [2, 2], [3, 3], [4, 1], [1, 4]]).tolist()
    [0, 0, 1, 0, 0]
    >>> tradeoff.pareto_rank([[1, 4], [2, 2], [3, 3]], maximize=True).tolist()
    [0, 1, 0]
    """
    pts = _validation.points(points, maximize)
    max_rank = _validation.optional_count(max_rank, "max_rank", 0)
    n_stop = _validation.optional_count(n_stop, "n_stop", 1)
    ranks = _truncate(_run("pareto_rank", pts), max_rank, n_stop)
    return ranks if pts.batched else ranks[0]


def nondominated(points, *, maximize=False):
    """Mask of the first Pareto front (the points no other point dominates).

    Same inputs and conventions as :func:`pareto_rank`; returns a bool array of shape (n,)
    or (B, n), equal to ``pareto_rank(points) == 0`` but computed through a cheaper path:
    a linear pre-filter by a few candidate points (on typical data it removes almost every
    dominated point), then, on the survivors, a sort and sweep for m = 2 (O(n log n)) or the
    divide and conquer with one bit per point for m >= 3 (O(n log^(m-2) n), Kung et al.).

    Examples
    --------
    >>> import tradeoff
    >>> tradeoff.nondominated([[1, 4], [2, 2], [3, 3], [4, 1]]).tolist()
    [True, True, False, True]
    """
    pts = _validation.points(points, maximize)
    mask = _run("nondominated", pts)
    return mask if pts.batched else mask[0]


def crowding_distance(points, ranks=None, *, maximize=False):
    """NSGA-II crowding distance of every point within its front (Deb et al. 2002).

    Parameters
    ----------
    points : array_like, shape (n, m) or (B, n, m)
        As for :func:`pareto_rank`.
    ranks : int array, shape (n,) or (B, n), optional
        Front index of each point (e.g. from :func:`pareto_rank`, :data:`UNRANKED` allowed);
        computed when omitted. Each group of equal rank is treated as one front.
    maximize : bool or sequence of bool, default False
        Used to compute ``ranks`` when they are omitted (distances do not depend on it
        otherwise, apart from which of several tied extreme points counts as the boundary).

    Returns
    -------
    distance : float array, shape (n,) or (B, n), dtype float64 (float32 for float32 input)
        For each objective, a front is sorted by (value, index); its first and last points
        get ``inf``, every other point adds (next - prev) / (max - min) of that objective over
        the front. An objective whose range over the front is zero or not finite adds 0.
        Fronts of one or two points are all ``inf``. O(m n log n). This is the sum of Deb et
        al.; pymoo and DEAP divide it by m (the same order, so the same selection).

    Examples
    --------
    >>> import tradeoff
    >>> tradeoff.crowding_distance([[0, 4], [1, 2], [2, 1], [4, 0]]).tolist()
    [inf, 1.25, 1.25, inf]
    """
    pts = _validation.points(points, maximize)
    if ranks is None:
        rk = _run("pareto_rank", pts)
    else:
        rk = _validation.ranks_for(ranks, pts, UNRANKED)
    dist = _run("crowding_distance", pts, rk)
    return dist if pts.batched else dist[0]


__all__ = ["UNRANKED", "crowding_distance", "nondominated", "pareto_rank"]
