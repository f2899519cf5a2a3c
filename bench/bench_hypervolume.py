"""Hypervolume benchmarks: tradeoff (native, fallback, CUDA) against every installed peer.

One pytest-benchmark group per workload ("hv-sphere-m3-n100000", "hvc-nondom-m3-n10000",
"hv-batch-10000x50x3", ...). Every implementation runs on the same read-only array
(bench/_data.py: ``sphere`` fronts, ``nondom`` random non-dominated sets, ``sphere-batch``);
the reference point is 1.1 in every objective. Each answer is checked against tradeoff's
native result outside the timed region, to a relative 1e-9 of the total volume.
``python bench/compare.py`` prints the table of medians and ratios (see bench/README.md).

Tasks: ``hv`` the volume, ``hvc`` every point's contribution, ``hvi`` the improvement of 100
candidates (scaled copies of front points, half inside, half outside the dominated region).

Environment: ``TRADEOFF_BENCH_SIZES``, ``TRADEOFF_BENCH_TARGET_S`` and ``TRADEOFF_BENCH_PEERS``
as in bench_pareto.py. With ``--benchmark-disable`` (CI) every body runs once, the agreement
checks still run, and workloads with n > 1e4 are skipped.

Peers, each optional (skipped when not installed), timed through their public call on inputs
prepared once outside the timing (versions measured when this was written):

* moocore 0.3.2: ``moocore.hypervolume``, ``moocore.hv_contributions`` (its default ignores
  dominated points: the same answer on these non-dominated sets);
* pygmo 2.20.0: ``pygmo.hypervolume(x).compute(ref)`` / ``.contributions(ref)`` (it picks its
  own algorithm per dimension; building the object converts the points, inside the timing);
* pymoo 0.6.2: ``pymoo.indicators.hv.HV(ref_point=ref)(x)`` (calls moocore);
* botorch 0.18.1: ``DominatedPartitioning(ref, Y).compute_hypervolume()`` on a float64 tensor
  of the negated points (botorch maximizes);
* hvwfg 1.0.2: ``hvwfg.wfg(x, ref)`` (the WFG code of While et al.).

Peers without batch or improvement calls run a Python loop over the problems (or over
candidates, as ``hv(P + c) - hv(P)``), which is what a user would have to write.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import warnings
from collections.abc import Callable
from typing import Any

import _data
import numpy as np
import pytest
from bench_pareto import (
    DISABLED_MAX_N,
    _import,
    _max_n_from_env,
    params_for,
    run_timed,
    selected_impls,
)

REF = 1.1
N_CANDIDATES = 100


@dataclasses.dataclass(frozen=True)
class Workload:
    task: str  # "hv", "hvc" or "hvi"
    dist: str  # "sphere", "nondom" or "batch"
    m: int
    n: int
    b: int = 0  # number of problems, for dist == "batch"

    @property
    def group(self) -> str:
        if self.dist == "batch":
            return f"{self.task}-batch-{self.b}x{self.n}x{self.m}"
        return f"{self.task}-{self.dist}-m{self.m}-n{self.n}"

    @property
    def size(self) -> int:
        """What the size limits compare: points per problem, or all points of a batch."""
        return self.n * max(self.b, 1)

    def data(self) -> np.ndarray:
        if self.dist == "batch":
            return _data.make("sphere-batch", self.n, self.m, self.b)
        return _data.make(self.dist, self.n, self.m)

    def ref(self) -> np.ndarray:
        return np.full(self.m, REF)

    def candidates(self) -> np.ndarray:
        """Front points scaled by factors in [0.9, 1.1]: about half add volume."""
        x = self.data()
        rng = np.random.default_rng(self.n * 31 + self.m)
        rows = rng.integers(0, x.shape[0], size=N_CANDIDATES)
        c = x[rows] * rng.uniform(0.9, 1.1, size=(N_CANDIDATES, 1))
        c.setflags(write=False)
        return c


def _workloads() -> list[Workload]:
    out = []
    for dist in ("sphere", "nondom"):
        out += [Workload("hv", dist, 3, n) for n in (1_000, 10_000, 100_000, 1_000_000)]
        out += [Workload("hv", dist, 4, n) for n in (1_000, 5_000, 20_000)]
        out += [Workload("hv", dist, m, n) for m in (5, 6) for n in (200, 1_000)]
        out += [Workload("hvc", dist, 3, n) for n in (1_000, 10_000, 100_000)]
        out += [Workload("hvc", dist, 4, n) for n in (200, 1_000)]
        out += [Workload("hvi", dist, m, 1_000) for m in (3, 4)]
    out.append(Workload("hv", "batch", 3, 50, b=10_000))
    out.append(Workload("hvc", "batch", 3, 50, b=1_000))
    max_n = _max_n_from_env()
    return [w for w in out if w.n <= max_n]


# --------------------------------------------------------------------------------------------
# Implementations
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Prepared:
    call: Callable[[], Any]
    convert: Callable[[Any], np.ndarray] = np.asarray
    context: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext


def _loop(w: Workload, x: np.ndarray, make) -> Prepared:
    """A peer without batches: a Python loop over the problems, split outside the timing."""
    if w.dist != "batch":
        return Prepared(make(x))
    calls = [make(np.ascontiguousarray(p)) for p in x]
    return Prepared(lambda: [c() for c in calls], lambda outs: np.stack([np.asarray(o) for o in outs]))


def _improvements_by_difference(volume: Callable[[np.ndarray], float], x, cands):
    """hv(P + c) - hv(P) per candidate: what peers without an improvement call need."""
    stacked = [np.ascontiguousarray(np.vstack([x, c])) for c in cands]

    def call():
        base = volume(x)
        return np.array([volume(s) - base for s in stacked])

    return call


def _tradeoff_cpu(backend: str):
    def prepare(w: Workload, x: np.ndarray) -> Prepared:
        tradeoff = _import("tradeoff")
        from tradeoff import _backend

        if backend == "native" and _backend.core_module() is None:
            pytest.skip("tradeoff._core (native module) is not built")
        ref = w.ref()
        if w.task == "hv":
            call = functools.partial(tradeoff.hypervolume, x, ref)
        elif w.task == "hvc":
            call = functools.partial(tradeoff.hv_contributions, x, ref)
        else:
            call = functools.partial(tradeoff.hv_improvement, x, w.candidates(), ref)
        return Prepared(call, context=functools.partial(tradeoff.using_backend, backend))

    return prepare


def _prepare_tradeoff_cuda(w: Workload, x: np.ndarray) -> Prepared:
    tradeoff = _import("tradeoff")
    from tradeoff import _backend

    if _backend.cuda_module() is None:
        pytest.skip("tradeoff._cuda is not built")
    cp = _import("cupy")
    if not cp.is_available():
        pytest.skip("no CUDA device")
    xd, refd = cp.asarray(x), cp.asarray(w.ref())
    stream = cp.cuda.get_current_stream()
    fn = {"hv": tradeoff.hypervolume, "hvc": tradeoff.hv_contributions}[w.task]

    def call():
        out = fn(xd, refd)
        stream.synchronize()
        return out

    return Prepared(call, convert=cp.asnumpy, context=functools.partial(tradeoff.using_backend, "cuda"))


def _prepare_moocore(w: Workload, x: np.ndarray) -> Prepared:
    moocore = _import("moocore")
    ref = w.ref()
    if w.task == "hvi":
        return Prepared(
            _improvements_by_difference(lambda p: moocore.hypervolume(p, ref=ref), x, w.candidates())
        )
    fn = moocore.hypervolume if w.task == "hv" else moocore.hv_contributions
    return _loop(w, x, lambda p: functools.partial(fn, p, ref=ref))


def _prepare_pygmo(w: Workload, x: np.ndarray) -> Prepared:
    pygmo = _import("pygmo")
    ref = w.ref()

    def volume(p):
        return pygmo.hypervolume(p).compute(ref)

    if w.task == "hvi":
        return Prepared(_improvements_by_difference(volume, x, w.candidates()))
    if w.task == "hv":
        return _loop(w, x, lambda p: functools.partial(volume, p))
    return _loop(w, x, lambda p: lambda: pygmo.hypervolume(p).contributions(ref))


def _prepare_pymoo(w: Workload, x: np.ndarray) -> Prepared:
    _import("pymoo")
    from pymoo.indicators.hv import HV

    indicator = HV(ref_point=w.ref())
    if w.task == "hvi":
        return Prepared(_improvements_by_difference(indicator, x, w.candidates()))
    return _loop(w, x, lambda p: functools.partial(indicator, p))


def _prepare_botorch(w: Workload, x: np.ndarray) -> Prepared:
    torch = _import("torch")
    _import("botorch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from botorch.utils.multi_objective.box_decompositions.dominated import (
            DominatedPartitioning,
        )

    ref = torch.from_numpy(-w.ref())

    def volume(y):
        return DominatedPartitioning(ref_point=ref, Y=y).compute_hypervolume().item()

    def make(p):
        y = torch.from_numpy(-np.array(p))  # botorch maximizes
        return functools.partial(volume, y)

    return _loop(w, x, make)


def _prepare_hvwfg(w: Workload, x: np.ndarray) -> Prepared:
    hvwfg = _import("hvwfg")
    ref = w.ref()
    if w.task == "hvi":
        return Prepared(_improvements_by_difference(lambda p: hvwfg.wfg(p, ref), x, w.candidates()))
    return _loop(w, x, lambda p: functools.partial(hvwfg.wfg, p, ref))


# --------------------------------------------------------------------------------------------
# Which implementation runs on which workload
# --------------------------------------------------------------------------------------------

_UNLIMITED = 10**9


def _limit_fallback(w: Workload) -> int:
    # O(n^(m-1)) slicing in NumPy, times n for contributions
    if w.task == "hv":
        return {3: 1_000}.get(w.m, 0) if w.dist != "batch" else 0
    return 0


def _limit_cuda(w: Workload) -> int:
    return _UNLIMITED if w.dist == "batch" else 0  # the GPU kernels serve batches of small sets


# Largest size per peer and workload so that no call takes more than ~10 s on the shared
# 2-core machine (single calls measured there, 2026-11).
def _limit_moocore(w: Workload) -> int:
    if w.task == "hvc" and w.m >= 4:
        return 200  # n + 1 full volumes: ~0.6 s at m = 4, n = 200; ~90 s at n = 1000
    if w.task == "hv" and w.m >= 6:
        return 200  # m = 6, n = 1000: 2.4-3.2 s per call
    return _UNLIMITED


def _limit_pygmo(w: Workload) -> int:
    if w.task == "hv":
        return 200 if w.m >= 6 else _UNLIMITED
    if w.task == "hvc":
        return _UNLIMITED if w.m == 3 else 200
    return _UNLIMITED if w.m == 3 else 0


def _limit_pymoo(w: Workload) -> int:
    return _limit_moocore(w) if w.task != "hvc" else 0  # no contributions call


def _limit_botorch(w: Workload) -> int:
    # box decompositions: 2.6 s at m = 3, n = 1000 and 9.8 s at m = 4, n = 1000; batches of
    # m = 3 sets have no batched call (2-objective only) and 1e4 loops would take minutes
    if w.task != "hv" or w.dist == "batch":
        return 0
    return 1_000 if w.m == 3 else 0


def _limit_hvwfg(w: Workload) -> int:
    if w.task == "hvc":
        return 0  # no contributions call
    if w.m == 3:
        return 10_000  # 46 ms at 1e4; O(n^2)-like growth beyond
    return _UNLIMITED if w.task == "hv" else 0


@dataclasses.dataclass(frozen=True)
class Impl:
    name: str
    prepare: Callable[[Workload, np.ndarray], Prepared]
    limit: Callable[[Workload], int]


IMPLS = [
    Impl("tradeoff-native", _tradeoff_cpu("native"), lambda w: _UNLIMITED),
    Impl("tradeoff-fallback", _tradeoff_cpu("fallback"), _limit_fallback),
    Impl("tradeoff-cuda", _prepare_tradeoff_cuda, _limit_cuda),
    Impl("moocore", _prepare_moocore, _limit_moocore),
    Impl("pygmo", _prepare_pygmo, _limit_pygmo),
    Impl("pymoo", _prepare_pymoo, _limit_pymoo),
    Impl("botorch", _prepare_botorch, _limit_botorch),
    Impl("hvwfg", _prepare_hvwfg, _limit_hvwfg),
]


IMPLS_BY_NAME = {impl.name: impl for impl in IMPLS}


def _params():
    return params_for(_workloads(), selected_impls(IMPLS, IMPLS_BY_NAME))


@functools.lru_cache(maxsize=2)
def _reference(w: Workload) -> np.ndarray:
    """tradeoff's answer (native backend when built), computed once per workload."""
    tradeoff = _import("tradeoff")
    from tradeoff import _backend

    backend = "native" if _backend.core_module() is not None else "fallback"
    with tradeoff.using_backend(backend):
        out = np.asarray(_tradeoff_cpu(backend)(w, w.data()).call(), dtype=float)
    out.setflags(write=False)
    return out


def _check(w: Workload, impl: Impl, got) -> None:
    expected = _reference(w)
    got = np.asarray(got, dtype=float)
    assert got.shape == expected.shape, f"{impl.name}: shape {got.shape} != {expected.shape}"
    x = w.data()
    scale = float(np.prod(REF - x.min(axis=-2), axis=-1).max())  # bounds every volume here
    worst = float(np.max(np.abs(got - expected), initial=0.0))
    assert worst <= 1e-9 * scale, (
        f"{impl.name} disagrees with tradeoff in {w.group}: max difference {worst:.3g} "
        f"(scale {scale:.3g})"
    )


@pytest.mark.parametrize(("workload", "impl"), _params())
def test_hypervolume(benchmark, benchmark_disabled, workload: Workload, impl: Impl):
    if benchmark_disabled and workload.size > DISABLED_MAX_N * 10:
        pytest.skip(f"more than {DISABLED_MAX_N * 10} points skipped with --benchmark-disable")
    if benchmark_disabled and workload.n > DISABLED_MAX_N:
        pytest.skip(f"n > {DISABLED_MAX_N} skipped with --benchmark-disable")
    x = workload.data()
    prepared = impl.prepare(workload, x)
    _reference(workload)
    benchmark.extra_info.update(
        impl=impl.name, workload=workload.group, task=workload.task, dist=workload.dist,
        m=workload.m, n=workload.n, b=workload.b,
    )
    run_timed(benchmark, benchmark_disabled, prepared, functools.partial(_check, workload, impl))
