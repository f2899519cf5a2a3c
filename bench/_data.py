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


# --- knapsack and multiple-choice knapsack (bench_knapsack.py) ---------------------------------
#
# Integer data (int64), Pisinger's classes with the range R tied to the capacity: R = C // 10,
# weights uniform integers in [1, R]; "uncorrelated": values uniform in [1, R]; "strong"
# (strongly correlated): v = w + R // 10. Every generator has its own seeded stream, so the same
# arguments give the same arrays in every process; the arrays are cached and read-only.

_KNAPSACK_CLASSES = {"uncorrelated": 0, "strong": 1}


def _knapsack_arrays(rng: np.random.Generator, shape, capacity: int, kind: str):
    r = max(int(capacity) // 10, 1)
    w = rng.integers(1, r, size=shape, endpoint=True, dtype=np.int64)
    if kind == "uncorrelated":
        v = rng.integers(1, r, size=shape, endpoint=True, dtype=np.int64)
    elif kind == "strong":
        v = w + max(r // 10, 1)
    else:
        raise ValueError(f"knapsack class must be one of {sorted(_KNAPSACK_CLASSES)}; got {kind!r}")
    return v, w


@lru_cache(maxsize=8)
def _knapsack_cached(kind: str, n: int, capacity: int, b: int, max_count: int, seed: int):
    rng = _rng(seed, 8, _KNAPSACK_CLASSES[kind], n, capacity, b, max_count)
    shape = (b, n) if b else (n,)
    v, w = _knapsack_arrays(rng, shape, capacity, kind)
    counts = None
    if max_count:
        counts = rng.integers(1, max_count, size=shape, endpoint=True, dtype=np.int64)
    for a in (v, w, counts):
        if a is not None:
            a.setflags(write=False)
    return v, w, counts


def knapsack_instance(
    kind: str, n: int, capacity: int, b: int = 0, max_count: int = 0, seed: int = DEFAULT_SEED
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(values, weights, counts) of a knapsack instance of Pisinger's class ``kind``
    ("uncorrelated" or "strong"), each int64 of shape (n,), or (b, n) for a batch of b
    independent instances with the same capacity. R = capacity // 10, weights uniform in
    [1, R]; uncorrelated values uniform in [1, R]; strongly correlated v = w + R // 10.
    ``max_count`` > 0 adds bounded counts uniform in [1, max_count] (else counts is None).
    Cached and read-only."""
    return _knapsack_cached(str(kind), int(n), int(capacity), int(b), int(max_count), int(seed))


_MCKP_CLASSES = {"uncorrelated": 0, "routing": 1}


@lru_cache(maxsize=4)
def _mckp_cached(kind: str, g: int, k: int, r: int, b: int, seed: int):
    rng = _rng(seed, 9, _MCKP_CLASSES[kind], g, k, r, b)
    shape = (b, g, k) if b else (g, k)
    if kind == "uncorrelated":
        w = rng.integers(1, r, size=shape, endpoint=True, dtype=np.int64)
        v = rng.integers(1, r, size=shape, endpoint=True, dtype=np.int64)
    elif kind == "routing":
        # Cost and quality rise together: per group sorted increasing weights (a cheap model
        # ... an expensive one) and concave increasing values a_g * sqrt(w) (diminishing
        # returns), a_g a per-group (per-query) scale in [10, 40], rounded to integers.
        w = np.sort(rng.integers(1, r, size=shape, endpoint=True, dtype=np.int64), axis=-1)
        a = rng.uniform(10.0, 40.0, size=shape[:-1] + (1,))
        v = np.rint(a * np.sqrt(w.astype(np.float64))).astype(np.int64)
    else:
        raise ValueError(f"mckp class must be one of {sorted(_MCKP_CLASSES)}; got {kind!r}")
    # Budget: the sum over the groups of each group's median option weight (floor), per instance.
    budget = np.floor(np.median(w, axis=-1)).astype(np.int64).sum(axis=-1)
    for a_ in (v, w, budget):
        a_.setflags(write=False)
    return v, w, budget


def mckp_instance(
    kind: str, g: int, k: int, r: int = 1000, b: int = 0, seed: int = DEFAULT_SEED
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, weights, budget) of a multiple-choice knapsack: g groups of k options, int64
    arrays of shape (g, k) (or (b, g, k)), weights in [1, r]. "uncorrelated": values uniform in
    [1, r]; "routing": per group sorted increasing weights and concave increasing values
    rint(a_g sqrt(w)) with a_g uniform in [10, 40]. budget (int64 scalar array, or (b,)) = sum
    over the groups of the floor of the group's median option weight. Cached and read-only."""
    return _mckp_cached(str(kind), int(g), int(k), int(r), int(b), int(seed))
