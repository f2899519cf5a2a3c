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


# ------------------------------------------------------------------ entropic transport oracles


def sq_dists(x, y) -> np.ndarray:
    """Squared Euclidean distances ||x_i - y_j||^2 by explicit differences (float64)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return ((x[..., :, None, :] - y[..., None, :, :]) ** 2).sum(axis=-1)


def kl_div(p, q) -> float:
    """Generalized KL(p | q) = sum p log(p / q) - p + q, with 0 log 0 = 0."""
    p = np.asarray(p, dtype=np.float64).ravel()
    q = np.asarray(q, dtype=np.float64).ravel()
    pos = p > 0
    return float(np.sum(p[pos] * np.log(p[pos] / q[pos])) - p.sum() + q.sum())


def exact_ot(a, b, cost):
    """Exact optimal transport by the linear program (scipy's HiGHS): (cost, plan).
    +inf entries are forbidden pairs (upper bound 0). Skips the test when SciPy is missing."""
    linprog = pytest.importorskip("scipy.optimize").linprog

    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    c = np.asarray(cost, dtype=np.float64)
    n, m = c.shape
    rows = np.kron(np.eye(n), np.ones((1, m)))
    cols = np.kron(np.ones((1, n)), np.eye(m))
    finite = np.isfinite(c).ravel()
    bounds = [(0, None) if ok else (0, 0) for ok in finite]
    res = linprog(
        np.where(finite, c.ravel(), 0.0),
        A_eq=np.vstack([rows, cols]),
        b_eq=np.concatenate([a, b]),
        bounds=bounds,
        method="highs",
    )
    assert res.status == 0, res.message
    return float(res.fun), res.x.reshape(n, m)


def scaling_sinkhorn(a, b, cost, eps, iters, tau_a=np.inf, tau_b=np.inf):
    """Independent textbook oracle (moderate eps only): the plain scaling form
    u <- (a / K v)^la, v <- (b / K^T u)^lb with K = exp(-C / eps) (0 where C = +inf), written
    for the plan diag(u) K diag(v), i.e. without the a b^T reference; the same plan as the
    KL(P | a b^T) problem. Returns the plan after `iters` iterations."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    kern = np.exp(-np.asarray(cost, dtype=np.float64) / eps)
    la = 1.0 if np.isinf(tau_a) else tau_a / (tau_a + eps)
    lb = 1.0 if np.isinf(tau_b) else tau_b / (tau_b + eps)
    if not (np.isinf(tau_a) and np.isinf(tau_b)):
        # the unbalanced problem's reference measure a b^T enters the kernel
        kern = kern * np.outer(a, b)
        u, v = np.ones_like(a), np.ones_like(b)
        for _ in range(iters):
            with np.errstate(divide="ignore", invalid="ignore"):
                u = np.where(a > 0, (a / (kern @ v)) ** la, 0.0)
                v = np.where(b > 0, (b / (kern.T @ u)) ** lb, 0.0)
        return u[:, None] * kern * v[None, :]
    u, v = np.ones_like(a), np.ones_like(b)
    for _ in range(iters):
        with np.errstate(divide="ignore", invalid="ignore"):
            u = np.where(a > 0, a / (kern @ v), 0.0)
            v = np.where(b > 0, b / (kern.T @ u), 0.0)
    return u[:, None] * kern * v[None, :]
