"""Crowding-distance benchmarks: tradeoff against pymoo and DEAP on the same fronts.

Groups: ``crowd-front-{m}-n{n}`` (one front of n points on a sphere, all mutually
non-dominated: the NSGA-II case where crowding breaks the tie in the last front),
``crowd-ranked-uniform-m3-n10000`` (a ranked population, distances within each front) and
``crowd-batch-1000x100x3`` (1000 ranked populations). Peers work on one front per call, so
they are called once per front (and per problem) in a Python loop, the way pymoo's
RankAndCrowding survival and DEAP's selNSGA2 call them.

Conventions: tradeoff sums the objectives' terms (Deb et al. 2002); pymoo 0.6.2
(``calc_crowding_distance``) and DEAP 1.4.4 (``assignCrowdingDist``) divide that sum by m. The
agreement check compares tradeoff / m with them (rtol 1e-9), boundary infinities exactly
(pymoo gives a one-point front 0 where the others give inf; the check maps that).
Data are continuous (no ties), so the boundary points are unambiguous.
"""

from __future__ import annotations

import functools
import time

import _data
import numpy as np
import pytest

from bench_pareto import DISABLED_MAX_N, _import, _max_n_from_env, _rounds

WORKLOADS = (
    [("front", m, n, 0) for m in (2, 3, 5) for n in (1_000, 10_000, 100_000)]
    + [("ranked", 3, 10_000, 0), ("batch", 3, 100, 1000)]
)


def _group(kind, m, n, b):
    if kind == "front":
        return f"crowd-front-m{m}-n{n}"
    if kind == "ranked":
        return f"crowd-ranked-uniform-m{m}-n{n}"
    return f"crowd-batch-{b}x{n}x{m}"


@functools.lru_cache(maxsize=4)
def _problem(kind, m, n, b):
    """(points, ranks) as tradeoff takes them: (n, m) and (n,), or (B, n, m) and (B, n)."""
    import tradeoff

    if kind == "front":
        pts = _data.make("sphere", n, m, 0)
        ranks = np.zeros(n, dtype=np.int32)
    elif kind == "ranked":
        pts = _data.make("uniform", n, m, 0)
        ranks = tradeoff.pareto_rank(pts)
    else:
        pts = _data.make("batch", n, m, b)
        ranks = tradeoff.pareto_rank(pts)
    pts.setflags(write=False)
    ranks.setflags(write=False)
    return pts, ranks


def _fronts(pts, ranks):
    """Index arrays of the fronts of every problem, as a flat list of (problem, indices)."""
    if pts.ndim == 2:
        pts, ranks = pts[None], ranks[None]
    return [(b, np.flatnonzero(ranks[b] == r)) for b in range(len(pts)) for r in np.unique(ranks[b])]


def _prepare_tradeoff(pts, ranks):
    import tradeoff

    return functools.partial(tradeoff.crowding_distance, pts, ranks), lambda out: np.asarray(out)


def _prepare_pymoo(pts, ranks):
    _import("pymoo")
    from pymoo.operators.survival.rank_and_crowding.metrics import calc_crowding_distance

    batch = pts if pts.ndim == 3 else pts[None]
    parts = [(b, idx, np.ascontiguousarray(batch[b][idx])) for b, idx in _fronts(pts, ranks)]

    def call():
        return [calc_crowding_distance(f) for _, _, f in parts]

    def convert(outs):
        dist = np.zeros(batch.shape[:2])
        for (b, idx, _), d in zip(parts, outs):
            # pymoo gives a one-point front 0 (its range is 0); Deb et al. and tradeoff: inf
            dist[b, idx] = np.inf if len(idx) == 1 else d
        return dist if pts.ndim == 3 else dist[0]

    return call, convert


class _Ind:
    __slots__ = ("fitness",)

    def __init__(self, fitness):
        self.fitness = fitness


def _prepare_deap(pts, ranks):
    _import("deap")
    from deap import base
    from deap.tools.emo import assignCrowdingDist

    m = pts.shape[-1]
    fit_cls = type(f"CrowdFitness{m}", (base.Fitness,), {"weights": (-1.0,) * m})
    batch = pts if pts.ndim == 3 else pts[None]
    parts = []
    for b, idx in _fronts(pts, ranks):
        inds = []
        for row in batch[b][idx].tolist():
            f = fit_cls()
            f.values = tuple(row)
            inds.append(_Ind(f))
        parts.append((b, idx, inds))

    def call():
        for _, _, inds in parts:
            assignCrowdingDist(inds)
        return parts

    def convert(done):
        dist = np.zeros(batch.shape[:2])
        for b, idx, inds in done:
            dist[b, idx] = [ind.fitness.crowding_dist for ind in inds]
        return dist if pts.ndim == 3 else dist[0]

    return call, convert


IMPLS = {"tradeoff-native": _prepare_tradeoff, "pymoo": _prepare_pymoo, "deap": _prepare_deap}
LIMITS = {"deap": 10_000}  # a Python loop over every point and objective: seconds at 1e5


def _params():
    out = []
    for w in WORKLOADS:
        if w[2] > _max_n_from_env():
            continue
        for name in IMPLS:
            if w[2] <= LIMITS.get(name, 10**9):
                mark = pytest.mark.benchmark(group=_group(*w))
                out.append(pytest.param(w, name, id=f"{_group(*w)}-{name}", marks=mark))
    return out


@pytest.mark.parametrize(("workload", "impl"), _params())
def test_crowding(benchmark, benchmark_disabled, workload, impl):
    kind, m, n, b = workload
    if benchmark_disabled and n > DISABLED_MAX_N:
        pytest.skip(f"n > {DISABLED_MAX_N} skipped with --benchmark-disable")
    tradeoff = _import("tradeoff")
    from tradeoff import _backend

    if _backend.core_module() is None:
        pytest.skip("tradeoff._core (native module) is not built")
    pts, ranks = _problem(*workload)
    call, convert = IMPLS[impl](pts, ranks)
    dist = {"front": "sphere", "ranked": "uniform", "batch": "batch"}[kind]
    benchmark.extra_info.update(
        impl=impl, workload=_group(*workload), task="crowd", dist=dist, m=m, n=n, b=b
    )
    with tradeoff.using_backend("native"):
        expected = np.asarray(tradeoff.crowding_distance(pts, ranks))
        if benchmark_disabled:
            out = benchmark(call)
        else:
            t0 = time.perf_counter()
            out = call()
            out = benchmark.pedantic(call, rounds=_rounds(time.perf_counter() - t0), iterations=1)
    got = convert(out)
    scale = 1.0 if impl.startswith("tradeoff") else m  # peers average the m terms
    assert got.shape == expected.shape
    inf = np.isinf(expected)
    assert (np.isinf(got) == inf).all(), f"{impl}: boundary points differ"
    np.testing.assert_allclose(got[~inf] * scale, expected[~inf], rtol=1e-9, atol=0)
