"""Shared fixtures: the CPU backends to run known-answer tests on, and a brute-force oracle."""

from __future__ import annotations

import os

import numpy as np
import pytest

import tradeoff
from tradeoff import _backend


def cpu_backends() -> list[str]:
    forced = os.environ.get("TRADEOFF_BACKEND", "").strip().lower()
    if forced in ("native", "fallback"):
        return [forced]
    names = ["fallback"]
    if _backend.core_module() is not None:
        names.insert(0, "native")
    return names


@pytest.fixture(params=cpu_backends())
def backend(request):
    """Runs the test once per available CPU backend, with that backend forced."""
    with tradeoff.using_backend(request.param):
        yield request.param


def brute_ranks(points: np.ndarray) -> np.ndarray:
    """Independent oracle: full dominance matrix, then peel fronts one at a time."""
    p = np.asarray(points, dtype=np.float64)
    n = p.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    le = (p[:, None, :] <= p[None, :, :]).all(axis=2)
    lt = (p[:, None, :] < p[None, :, :]).any(axis=2)
    dom = le & lt  # dom[i, j]: i dominates j
    ranks = np.full(n, -1, dtype=np.int32)
    alive = np.ones(n, dtype=bool)
    k = 0
    while alive.any():
        dominated = (dom & alive[:, None]).any(axis=0)
        front = alive & ~dominated
        ranks[front] = k
        alive &= ~front
        k += 1
    return ranks


def brute_crowding(points: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Independent oracle for crowding distance: per front, per objective, a Python loop."""
    p = np.asarray(points, dtype=np.float64)
    out = np.zeros(p.shape[0])
    for r in np.unique(ranks):
        idx = [int(i) for i in np.flatnonzero(ranks == r)]
        for j in range(p.shape[1]):
            srt = sorted(idx, key=lambda i: (p[i, j], i))
            lo, hi = p[srt[0], j], p[srt[-1], j]
            span = hi - lo
            for t in range(1, len(srt) - 1):
                if np.isfinite(span) and span > 0:
                    out[srt[t]] += (p[srt[t + 1], j] - p[srt[t - 1], j]) / span
            out[srt[0]] = np.inf
            out[srt[-1]] = np.inf
    return out


def brute_hypervolume(points, ref) -> float:
    """Independent oracle for small sets: inclusion-exclusion over every non-empty subset of
    the points strictly inside the box (the volume of a union of boxes anchored at ref)."""
    import itertools
    import math

    p = np.asarray(points, dtype=np.float64)
    r = np.asarray(ref, dtype=np.float64)
    p = p[np.all(p < r, axis=1)]
    assert len(p) <= 14, "brute_hypervolume is exponential in n"
    terms = []
    for k in range(1, len(p) + 1):
        for subset in itertools.combinations(range(len(p)), k):
            corner = p[list(subset)].max(axis=0)
            terms.append((-1) ** (k + 1) * float(np.prod(r - corner)))
    return math.fsum(terms)


def grid_hypervolume(points, ref) -> int:
    """Independent oracle for integer points: the number of unit cells [c, c+1) below ref
    that some point dominates (a cell is covered when its lower corner is)."""
    p = np.asarray(points, dtype=np.int64)
    r = np.asarray(ref, dtype=np.int64)
    lo = p.min(axis=0) if len(p) else r
    axes = [np.arange(lo[j], r[j]) for j in range(len(r))]
    cells = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(r))
    covered = np.zeros(len(cells), dtype=bool)
    for q in p:
        covered |= np.all(cells >= q, axis=1)
    return int(covered.sum())
