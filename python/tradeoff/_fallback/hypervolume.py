"""Reference hypervolume: the readable specification and the test oracle of the native code.

Everything is minimization with float64 points and a reference point ``ref``. Only points that
strictly dominate ``ref`` (``p < ref`` in every objective) count. The volume is computed by
slicing along the last objective (Hypervolume by Slicing Objectives): between two consecutive
values of the last objective, the volume is the slab height times the (m-1)-dimensional volume
of the points below the slab, down to the two-dimensional staircase, O(n^(m-1) log n). Every
sum goes through ``math.fsum``, so the only rounding is in the products.

Contributions and improvements use the identity
``HV(P + {c}) - HV(P) = vol([c, ref]) - HV({max(p, c) : p in P})``: the part of c's box that P
already covers is the volume of P limited by c.
"""

from __future__ import annotations

import math

import numpy as np


def _inside(points: np.ndarray, ref: np.ndarray) -> np.ndarray:
    return points[np.all(points < ref, axis=1)]


def _volume_inside(points: np.ndarray, ref: np.ndarray) -> float:
    """Volume of points that are all strictly inside the box below ``ref``."""
    n, m = points.shape
    if n == 0:
        return 0.0
    if np.isneginf(points).any():
        return math.inf
    if m == 1:
        return float(ref[0] - points[:, 0].min())
    if m == 2:
        order = np.lexsort((points[:, 1], points[:, 0]))  # by x, then y
        x, y = points[order, 0], points[order, 1]
        # the lowest y seen before each point (ref[1] before the first): the staircase top
        top = np.minimum.accumulate(np.concatenate(([ref[1]], y)))[:-1]
        heights = np.maximum(top - y, 0.0)
        return math.fsum((ref[0] - x) * heights)
    order = np.argsort(points[:, -1], kind="stable")
    last = points[order, -1]
    rest = points[order, :-1]
    slabs = []
    for i in range(n):
        upper = last[i + 1] if i + 1 < n else ref[-1]
        if upper > last[i]:
            slabs.append((upper - last[i]) * _volume_inside(rest[: i + 1], ref[:-1]))
    return math.fsum(slabs)


def _box(c: np.ndarray, ref: np.ndarray) -> float:
    return float(np.prod(ref - c))


def _gain(points: np.ndarray, c: np.ndarray, ref: np.ndarray) -> float:
    """The volume c adds to ``points``: 0 when c is not strictly inside the box or a point
    weakly dominates it (exactly 0, not a rounded difference)."""
    if not np.all(c < ref):
        return 0.0
    inside = _inside(points, ref)
    if np.all(inside <= c, axis=1).any():  # a point of the set covers c's whole box
        return 0.0
    limited = np.maximum(inside, c)
    return max(_box(c, ref) - _volume_inside(limited, ref), 0.0)


def volume(points: np.ndarray, ref: np.ndarray) -> float:
    """Hypervolume of one (n, m) problem."""
    return _volume_inside(_inside(points, ref), ref)


def contributions(points: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Exclusive contribution of each point of one (n, m) problem."""
    out = np.zeros(points.shape[0])
    for i in range(points.shape[0]):
        others = np.delete(points, i, axis=0)
        out[i] = _gain(others, points[i], ref)
    return out


def improvement(points: np.ndarray, candidates: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Volume each candidate (k, m) would add to one (n, m) problem on its own."""
    return np.array([_gain(points, c, ref) for c in candidates], dtype=float)


# Batch entry points with the native module's signatures: points (B, n, m), ref (B, m).
def hypervolume(points, ref):
    return np.array([volume(p, r) for p, r in zip(points, ref)], dtype=float)


def hv_contributions(points, ref):
    out = np.zeros(points.shape[:2])
    for b, (p, r) in enumerate(zip(points, ref)):
        out[b] = contributions(p, r)
    return out


def hv_improvement(points, candidates, ref):
    out = np.zeros(candidates.shape[:2])
    for b, (p, c, r) in enumerate(zip(points, candidates, ref)):
        out[b] = improvement(p, c, r)
    return out
