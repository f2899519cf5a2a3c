"""Deterministic point sets for the Pareto benchmarks.

Every generator takes an explicit seed and uses its own ``numpy.random.Generator``, so the
same (kind, m, n, seed) always yields the same float64 array, in every process. Arrays are
C-contiguous float64, which is what every peer expects (no hidden conversion in the timings).

* ``uniform``: i.i.d. uniform in [0, 1]^m. Many fronts (on the order of n^(1/m)) and a small
  first front (about ln(n)^(m-1) / (m-1)! points): the typical "random population" case.
* ``sphere``: points on the unit sphere in the positive orthant (DTLZ2-like front). All points
  are mutually non-dominated: one front of size n, the worst case for algorithms whose cost
  grows with the front size.
* ``chain``: point i is i + jitter in every objective (jitter < 0.5 keeps the order), rows
  shuffled: n fronts of one point each, the worst case for front-peeling algorithms.
* ``batch``: B independent uniform problems of n points, shape (B, n, m).
* ``nondom``: a random mutually non-dominated set: points drawn uniformly on the simplex
  (sum = 1), pushed outwards by a random factor in [1, 1 + delta] with delta about the point
  spacing, then the first n non-dominated ones kept. Irregular, unlike ``sphere``.
* ``sphere-batch``: B independent ``sphere`` problems of n points, shape (B, n, m).
* ``clouds`` / ``transport_cost`` (bench_sinkhorn.py): two independent uniform clouds in
  [0, 1]^d and their squared Euclidean cost matrix (n, n) or batch (B, n, n), with its median.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

DEFAULT_SEED = 20261122

__all__ = [
    "DEFAULT_SEED",
    "batch",
    "brute_force_ranks",
    "chain",
    "clouds",
    "make",
    "nondom",
    "sphere",
    "sphere_batch",
    "sqeuclidean",
    "transport_cost",
    "uniform",
]


def _rng(seed: int, *salt: int) -> np.random.Generator:
    # Different (kind, m, n) get independent streams from one user-facing seed.
    return np.random.default_rng([seed, *salt])


def uniform(n: int, m: int, seed: int = DEFAULT_SEED) -> np.ndarray:
    """n points uniform in [0, 1]^m."""
    return _rng(seed, 1, m, n).random((n, m))


def sphere(n: int, m: int, seed: int = DEFAULT_SEED) -> np.ndarray:
    """n points with |x| = 1, x >= 0: all mutually non-dominated (a single front)."""
    x = np.abs(_rng(seed, 2, m, n).standard_normal((n, m)))
    # Keep away from the axes so no coordinate is (close to) zero: ties on a zero coordinate
    # could otherwise make two distinct points comparable after rounding.
    x += 1e-3
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return np.ascontiguousarray(x)


def chain(n: int, m: int, seed: int = DEFAULT_SEED) -> np.ndarray:
    """n points in n distinct fronts: point i is i + jitter (jitter in [0, 0.5)) per objective.

    Rows are shuffled, so the rank of row r is ``order[r]`` where ``order`` is the hidden
    chain position; use :func:`brute_force_ranks` or any reference to recover it.
    """
    rng = _rng(seed, 3, m, n)
    base = np.arange(n, dtype=np.float64)[:, None]
    x = base + 0.5 * rng.random((n, m))
    return np.ascontiguousarray(x[rng.permutation(n)])


def batch(b: int, n: int, m: int, seed: int = DEFAULT_SEED) -> np.ndarray:
    """b independent uniform problems, shape (b, n, m)."""
    return _rng(seed, 4, m, n, b).random((b, n, m))


def nondom(n: int, m: int, seed: int = DEFAULT_SEED) -> np.ndarray:
    """n mutually non-dominated points near the simplex, in an irregular pattern."""
    import tradeoff

    rng = _rng(seed, 5, m, n)
    delta = min(0.05, 1.0 / max(n, 1) ** (1.0 / max(m - 1, 1)))
    k = 2 * n + 16
    while True:
        x = rng.dirichlet(np.ones(m), size=k) + 1e-3
        x *= 1.0 + delta * rng.random((k, 1))
        front = x[tradeoff.nondominated(x)]
        if len(front) >= n:
            return np.ascontiguousarray(front[:n])
        k *= 2


def sphere_batch(b: int, n: int, m: int, seed: int = DEFAULT_SEED) -> np.ndarray:
    """b independent sphere problems, shape (b, n, m)."""
    x = np.abs(_rng(seed, 6, m, n, b).standard_normal((b, n, m))) + 1e-3
    x /= np.linalg.norm(x, axis=2, keepdims=True)
    return np.ascontiguousarray(x)


_GENERATORS = {"uniform": uniform, "sphere": sphere, "chain": chain, "nondom": nondom}


@lru_cache(maxsize=8)
def _make_cached(dist: str, n: int, m: int, b: int, seed: int) -> np.ndarray:
    if dist == "batch":
        x = batch(b, n, m, seed)
    elif dist == "sphere-batch":
        x = sphere_batch(b, n, m, seed)
    else:
        x = _GENERATORS[dist](n, m, seed)
    x.setflags(write=False)  # shared between benchmarks: nobody may modify it in place
    return x


def make(dist: str, n: int, m: int, b: int = 0, seed: int = DEFAULT_SEED) -> np.ndarray:
    """Cached, read-only data set for a workload (``dist`` in uniform/sphere/chain/batch)."""
    return _make_cached(dist, int(n), int(m), int(b), int(seed))


def brute_force_ranks(points: np.ndarray) -> np.ndarray:
    """O(n^2 m) reference ranks (0 = first front) by repeated peeling; for small n only."""
    x = np.asarray(points, dtype=np.float64)
    n = x.shape[0]
    le = np.all(x[:, None, :] <= x[None, :, :], axis=2)
    lt = np.any(x[:, None, :] < x[None, :, :], axis=2)
    dom = le & lt  # dom[i, j]: i dominates j
    ranks = np.full(n, -1, dtype=np.int32)
    remaining = np.ones(n, dtype=bool)
    r = 0
    while remaining.any():
        dominated = np.any(dom[remaining][:, remaining], axis=0)
        idx = np.flatnonzero(remaining)[~dominated]
        ranks[idx] = r
        remaining[idx] = False
        r += 1
    return ranks


# --- entropic transport (bench_sinkhorn.py) ----------------------------------------------------


@lru_cache(maxsize=4)
def _clouds_cached(n: int, d: int, b: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = _rng(seed, 7, d, n, b)
    shape = (b, n, d) if b else (n, d)
    x, y = rng.random(shape), rng.random(shape)
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


def clouds(n: int, d: int, b: int = 0, seed: int = DEFAULT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Two independent clouds of n points uniform in [0, 1]^d, shapes (n, d) each, or (b, n, d)
    each for a batch of b problems. Cached and read-only."""
    return _clouds_cached(int(n), int(d), int(b), int(seed))


def sqeuclidean(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """C_ij = ||x_i - y_j||^2 (POT's ot.dist default; no 1/2 factor), shape (..., n, m), computed
    as |x|^2 + |y|^2 - 2 x.y and clipped at 0 (the rounding of the expansion can go below)."""
    xx = np.einsum("...id,...id->...i", x, x)
    yy = np.einsum("...jd,...jd->...j", y, y)
    c = xx[..., :, None] + yy[..., None, :] - 2.0 * (x @ np.swapaxes(y, -1, -2))
    np.maximum(c, 0.0, out=c)
    return c


@lru_cache(maxsize=2)
def _transport_cost_cached(n: int, d: int, b: int, seed: int) -> tuple[np.ndarray, float]:
    x, y = clouds(n, d, b, seed)
    c = np.ascontiguousarray(sqeuclidean(x, y))
    c.setflags(write=False)
    return c, float(np.median(c))


def transport_cost(
    n: int, d: int, b: int = 0, seed: int = DEFAULT_SEED
) -> tuple[np.ndarray, float]:
    """The squared Euclidean cost between :func:`clouds` (n, n) (or (b, n, n)), read-only, and
    its median over all entries (the scale the benchmark's eps is relative to)."""
    return _transport_cost_cached(int(n), int(d), int(b), int(seed))
