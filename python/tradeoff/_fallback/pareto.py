"""Pareto ranking, reference version (fallback backend and test oracle).

Conventions (shared with the native and CUDA paths): every objective is minimized (callers
flip maximized ones); point a dominates b when a <= b in every objective and a < b in one;
equal points do not dominate each other and share a rank.

Inputs here are validated C-contiguous (B, n, m) float arrays; outputs are (B, n).
"""

from __future__ import annotations

import numpy as np

from ._jit import jit


# --- one problem -------------------------------------------------------------------------


@jit
def _dominates(pts, a, b):
    """True when row a dominates row b."""
    strictly = False
    for j in range(pts.shape[1]):
        if pts[a, j] > pts[b, j]:
            return False
        if pts[a, j] < pts[b, j]:
            strictly = True
    return strictly


@jit
def _rank_sweep_2d(pts, order):
    """m = 2 in O(n log n): visit points in lexicographic order; front k keeps the smallest
    second objective seen so far (nondecreasing in k); a point joins the first front whose
    smallest second objective exceeds its own. Equal points share the rank."""
    n = order.shape[0]
    ranks = np.empty(n, dtype=np.int32)
    front_min = np.empty(n, dtype=pts.dtype)
    n_fronts = 0
    prev = -1
    for t in range(n):
        p = order[t]
        if prev >= 0 and pts[p, 0] == pts[prev, 0] and pts[p, 1] == pts[prev, 1]:
            ranks[p] = ranks[prev]
            continue
        y = pts[p, 1]
        k = np.searchsorted(front_min[:n_fronts], y, side="right")
        front_min[k] = y
        if k == n_fronts:
            n_fronts += 1
        ranks[p] = k
        prev = p
    return ranks


@jit
def _rank_longest_chain(pts, order):
    """Any m in O(n^2 m): the rank of a point is one more than the largest rank among the
    points that dominate it (0 when none does). Dominators precede a point in lexicographic
    order, so one pass in that order sees every dominator's final rank."""
    n = order.shape[0]
    ranks = np.zeros(n, dtype=np.int32)
    for t in range(n):
        p = order[t]
        best = -1
        for s in range(t):
            q = order[s]
            if ranks[q] > best and _dominates(pts, q, p):
                best = ranks[q]
        ranks[p] = best + 1
    return ranks


@jit
def _front_mask(pts, order):
    """First front in O(n f m) (f = front size): in lexicographic order, a point is on the
    front unless a front point found so far dominates it (any dominator is itself dominated
    by, or is, an earlier front point)."""
    n = order.shape[0]
    mask = np.zeros(n, dtype=np.bool_)
    front = np.empty(n, dtype=np.int64)
    size = 0
    for t in range(n):
        p = order[t]
        dominated = False
        for s in range(size):
            if _dominates(pts, front[s], p):
                dominated = True
                break
        if not dominated:
            front[size] = p
            size += 1
            mask[p] = True
    return mask


def lex_order(pts: np.ndarray) -> np.ndarray:
    """Row indices sorted lexicographically (objective 0 first); stable for equal rows."""
    return np.lexsort(pts.T[::-1]).astype(np.int64)


def rank_one(pts: np.ndarray) -> np.ndarray:
    """Ranks of one (n, m) problem: 0 for the non-dominated front, 1 for the next, ..."""
    n, m = pts.shape
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    if m == 1:  # a sort: the rank is the index of the distinct value
        return np.unique(pts[:, 0], return_inverse=True)[1].reshape(n).astype(np.int32)
    order = lex_order(pts)
    if m == 2:
        return _rank_sweep_2d(pts, order)
    return _rank_longest_chain(pts, order)


def front_one(pts: np.ndarray) -> np.ndarray:
    """Bool mask of the first front of one (n, m) problem."""
    if pts.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    return _front_mask(pts, lex_order(pts))


# --- batch drivers (B, n, m) -> (B, n) -----------------------------------------------------


def pareto_rank(points: np.ndarray) -> np.ndarray:
    out = np.empty(points.shape[:2], dtype=np.int32)
    for b in range(points.shape[0]):
        out[b] = rank_one(points[b])
    return out


def nondominated(points: np.ndarray) -> np.ndarray:
    out = np.empty(points.shape[:2], dtype=bool)
    for b in range(points.shape[0]):
        out[b] = front_one(points[b])
    return out


def crowding_distance(points, ranks):
    """NSGA-II crowding distance (Deb et al. 2002) within each group of equal rank.

    For each objective, the points of a group are sorted by (value, index); the first and last
    get +inf, every other point adds (next - prev) / (max - min) of that group, where a zero
    or non-finite range adds 0. Terms are added objective by objective, 0 first.

    Array-module generic: works on NumPy and CuPy arrays alike (the GPU path calls it).
    points (B, n, m) float, ranks (B, n) int32 -> (B, n) of the points' dtype.
    """
    from .._xp import array_module

    xp = array_module(points)
    n_batch, n, m = points.shape
    dtype = points.dtype
    out = xp.zeros((n_batch, n), dtype=dtype)
    if n == 0 or n_batch == 0:
        return out
    # one key per (problem, rank) group: groups never mix across problems
    group = (xp.arange(n_batch, dtype=xp.int64)[:, None] * 2**31 + ranks.astype(xp.int64)).ravel()
    flat = points.reshape(n_batch * n, m)
    dist = out.ravel()
    for j in range(m):
        # positions sorted by (group, value, index): two stable sorts
        order = xp.argsort(flat[:, j], kind="stable")  # by (value, index)
        order = order[xp.argsort(group[order], kind="stable")]  # by (group, value, index)
        g = group[order]
        v = flat[order, j]
        edge = g[1:] != g[:-1]
        first = xp.concatenate([xp.ones(1, dtype=bool), edge])
        last = xp.concatenate([edge, xp.ones(1, dtype=bool)])
        gid = xp.cumsum(first) - 1  # group number of each sorted position
        lo = v[xp.nonzero(first)[0]][gid]
        hi = v[xp.nonzero(last)[0]][gid]
        with np.errstate(invalid="ignore", over="ignore"):
            span = hi - lo
            use = ~(first | last) & (span > 0) & xp.isfinite(span)
            prev = xp.where(use, xp.concatenate([v[:1], v[:-1]]), 0)
            nxt = xp.where(use, xp.concatenate([v[1:], v[-1:]]), 0)
            term = xp.where(use, (nxt - prev) / xp.where(use, span, 1), 0).astype(dtype)
        dist[order] += term
        dist[order[first | last]] = xp.inf
    return dist.reshape(n_batch, n)
