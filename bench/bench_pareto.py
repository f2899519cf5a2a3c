"""Pareto ranking benchmarks: tradeoff (native, fallback, CUDA) against every installed peer.

One pytest-benchmark group per workload ("rank-uniform-m2-n100000", "front-sphere-m3-n10000",
"rank-batch-1000x100x3", ...). Inside a group every implementation runs on the same read-only
array (bench/_data.py) and its answer is checked against tradeoff's native result, outside the
timed region. Run ``python bench/compare.py`` for a table of medians and ratios; see
bench/README.md.

Environment:

* ``TRADEOFF_BENCH_SIZES``: ``small`` (n <= 1e3), ``medium`` (n <= 1e4) or ``full`` (default),
  or an integer maximum n.
* ``TRADEOFF_BENCH_TARGET_S``: seconds of timed calls per benchmark (default 1.0); the number of
  rounds is derived from one untimed warm-up call.
* ``TRADEOFF_BENCH_PEERS``: comma-separated implementation names to run (default: all).

With ``--benchmark-disable`` (CI) every body runs once, the agreement checks still run, and
workloads with n > 1e4 are skipped.

Peers, each optional (skipped when not installed), timed through one public call on inputs
converted once outside the timing (versions measured when this was written):

* moocore 0.3.2: ``moocore.pareto_rank`` / ``moocore.is_nondominated``
* pymoo 0.6.2: ``pymoo.util.nds.non_dominated_sorting.NonDominatedSorting().do``
* deap 1.4.4: ``deap.tools.emo.sortLogNondominated`` (on a list of individuals)
* optuna 5.0.0: ``optuna.study._multi_objective._fast_non_domination_rank`` / ``_is_pareto_front``
* botorch 0.18.1 (torch 2.13): front only, ``botorch.utils.multi_objective.pareto.is_non_dominated``
* paretoset 1.2.5: ``paretoset.paretorank`` / ``paretoset.paretoset``
* pygmo 2.20.0: ``pygmo.fast_non_dominated_sorting`` / ``pygmo.non_dominated_front_2d`` (m = 2)

Size limits per peer are in the ``_limit_*`` functions with the measured reason for each: a
peer is left out of a group rather than run for minutes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import time
import warnings
from collections.abc import Callable
from typing import Any

import _data
import numpy as np
import pytest

# --------------------------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Workload:
    task: str  # "rank" (full non-dominated sorting) or "front" (first-front mask)
    dist: str  # "uniform", "sphere", "chain" or "batch"
    m: int
    n: int
    b: int = 0  # batch size, for dist == "batch"

    @property
    def group(self) -> str:
        if self.dist == "batch":
            return f"{self.task}-batch-{self.b}x{self.n}x{self.m}"
        return f"{self.task}-{self.dist}-m{self.m}-n{self.n}"

    def data(self) -> np.ndarray:
        return _data.make(self.dist, self.n, self.m, self.b)


def _max_n_from_env() -> int:
    raw = os.environ.get("TRADEOFF_BENCH_SIZES", "full").strip().lower()
    named = {"small": 1_000, "medium": 10_000, "full": 10**9, "": 10**9}
    if raw in named:
        return named[raw]
    try:
        return int(float(raw))
    except ValueError:
        raise pytest.UsageError(
            f"TRADEOFF_BENCH_SIZES must be small, medium, full or an integer; got {raw!r}"
        ) from None


#: Above this n, workloads are skipped when benchmarks are disabled (CI correctness pass).
DISABLED_MAX_N = 10_000


def _workloads() -> list[Workload]:
    out = []
    for task in ("rank", "front"):
        for dist in ("uniform", "sphere"):
            for m in (2, 3, 5):
                sizes = [1_000, 10_000, 100_000] + ([1_000_000] if m == 2 else [])
                out += [Workload(task, dist, m, n) for n in sizes]
        # Every point in its own front: the worst case for peeling fronts one by one.
        out += [Workload(task, "chain", m, n) for m in (2, 3) for n in (1_000, 10_000)]
        out.append(Workload(task, "batch", 3, 100, b=1000))
    max_n = _max_n_from_env()
    return [w for w in out if w.n <= max_n]


# --------------------------------------------------------------------------------------------
# Implementations
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Prepared:
    call: Callable[[], Any]  # the timed call: one public call on prebuilt inputs
    convert: Callable[[Any], np.ndarray]  # its output -> int ranks / bool mask like tradeoff's
    context: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext


def _import(name: str):
    """Import an optional peer (skip when missing), silencing its import-time warnings
    (pytest runs with filterwarnings=error; e.g. botorch triggers torch.jit deprecations)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip(name)


def _mask_from_indices(idx, n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[np.asarray(idx, dtype=np.intp)] = True
    return mask


def _per_problem(w: Workload, x: np.ndarray, make_call):
    """For a batch workload, a peer without batch support is called once per problem in a
    Python loop (that loop is how a user would have to use it); the problems are split into a
    list outside the timing. make_call(points) -> (zero-argument call, convert)."""
    if w.dist != "batch":
        return make_call(x)
    parts = [make_call(np.ascontiguousarray(p)) for p in x]
    calls = [c for c, _ in parts]
    converts = [f for _, f in parts]

    def call():
        return [c() for c in calls]

    def convert(outs):
        return np.stack([f(o) for f, o in zip(converts, outs)])

    return call, convert


# --- tradeoff ---------------------------------------------------------------------------------


def _tradeoff_cpu(backend: str):
    def prepare(w: Workload, x: np.ndarray) -> Prepared:
        tradeoff = _import("tradeoff")
        from tradeoff import _backend

        if backend == "native" and _backend.core_module() is None:
            pytest.skip("tradeoff._core (native module) is not built")
        fn = tradeoff.pareto_rank if w.task == "rank" else tradeoff.nondominated
        return Prepared(
            call=functools.partial(fn, x),
            convert=np.asarray,
            context=functools.partial(tradeoff.using_backend, backend),
        )

    return prepare


def _prepare_tradeoff_cuda(w: Workload, x: np.ndarray) -> Prepared:
    tradeoff = _import("tradeoff")
    from tradeoff import _backend

    if _backend.cuda_module() is None:
        pytest.skip("tradeoff._cuda is not built")
    cp = _import("cupy")
    if not cp.is_available():
        pytest.skip("no CUDA device")
    xd = cp.asarray(x)  # device-resident input, copied once outside the timing
    fn = tradeoff.pareto_rank if w.task == "rank" else tradeoff.nondominated
    stream = cp.cuda.get_current_stream()

    def call():
        out = fn(xd)
        stream.synchronize()
        return out

    return Prepared(
        call=call, convert=cp.asnumpy, context=functools.partial(tradeoff.using_backend, "cuda")
    )


# --- peers ----------------------------------------------------------------------------------


def _prepare_moocore(w: Workload, x: np.ndarray) -> Prepared:
    moocore = _import("moocore")

    def make(p):
        if w.task == "rank":
            return functools.partial(moocore.pareto_rank, p), np.asarray
        # keep_weakly=True keeps duplicated points (tradeoff's convention); no cost difference.
        return functools.partial(moocore.is_nondominated, p, keep_weakly=True), np.asarray

    return Prepared(*_per_problem(w, x, make))


def _prepare_pymoo(w: Workload, x: np.ndarray) -> Prepared:
    _import("pymoo")
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    # pymoo 0.6.2: NonDominatedSorting (without a custom dominator) ignores `method` and calls
    # moocore.pareto_rank, then splits the ranks into fronts; `only_non_dominated_front=True`
    # also computes the full ranking first. It copies F (F.astype(float)) on every call.
    nds = NonDominatedSorting()

    def make(p):
        n = p.shape[0]
        if w.task == "rank":
            return functools.partial(nds.do, p, return_rank=True), lambda out: out[1]
        return (
            functools.partial(nds.do, p, only_non_dominated_front=True),
            lambda out: _mask_from_indices(out, n),
        )

    return Prepared(*_per_problem(w, x, make))


@functools.cache
def _deap_fitness_class(m: int):
    from deap import base

    return type(f"FitnessMin{m}", (base.Fitness,), {"weights": (-1.0,) * m})


class _DeapIndividual:
    """The least DEAP needs: an object with a ``fitness`` (a real deap.base.Fitness)."""

    __slots__ = ("fitness", "idx")

    def __init__(self, fitness, idx: int):
        self.fitness = fitness
        self.idx = idx


def _prepare_deap(w: Workload, x: np.ndarray) -> Prepared:
    _import("deap")
    from deap.tools.emo import sortLogNondominated

    fit_cls = _deap_fitness_class(w.m)

    def make(p):
        # DEAP sorts a list of individuals; they are built once, outside the timing.
        inds = []
        for i, row in enumerate(p.tolist()):
            f = fit_cls()
            f.values = tuple(row)
            inds.append(_DeapIndividual(f, i))
        n = len(inds)
        if w.task == "rank":

            def convert(fronts):
                ranks = np.full(n, -1, dtype=np.int32)
                for r, front in enumerate(fronts):
                    ranks[[ind.idx for ind in front]] = r
                return ranks

            # k = n: all fronts.
            return functools.partial(sortLogNondominated, inds, n), convert
        return (
            functools.partial(sortLogNondominated, inds, n, first_front_only=True),
            lambda front: _mask_from_indices([ind.idx for ind in front], n),
        )

    return Prepared(*_per_problem(w, x, make))


def _prepare_optuna(w: Workload, x: np.ndarray) -> Prepared:
    _import("optuna")
    # Private helpers that optuna's NSGA-II/III samplers and Study.best_trials use (optuna 5.0).
    from optuna.study import _multi_objective as mo

    def make(p):
        if w.task == "rank":
            return functools.partial(mo._fast_non_domination_rank, p), np.asarray
        return functools.partial(mo._is_pareto_front, p, assume_unique_lexsorted=False), np.asarray

    return Prepared(*_per_problem(w, x, make))


def _prepare_botorch(w: Workload, x: np.ndarray) -> Prepared:
    torch = _import("torch")
    _import("botorch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from botorch.utils.multi_objective.pareto import is_non_dominated

    # float64 tensor (a copy: torch refuses read-only arrays), made once outside the timing;
    # batches (B, n, m) are native. maximize=False instead of negating.
    # deduplicate=True (the default) gives the same mask on this duplicate-free data, while
    # deduplicate=False adds a second O(n^2) pass for n > 1000.
    y = torch.from_numpy(np.array(x))
    return Prepared(
        call=functools.partial(is_non_dominated, y, maximize=False),
        convert=lambda t: t.numpy(),
    )


def _prepare_paretoset(w: Workload, x: np.ndarray) -> Prepared:
    paretoset = _import("paretoset")
    sense = ["min"] * w.m
    # distinct=True (default) only differs on duplicated rows, which this data has none of.

    def make(p):
        if w.task == "rank":
            # paretorank is 1-based.
            return functools.partial(paretoset.paretorank, p, sense=sense), lambda r: r - 1
        return functools.partial(paretoset.paretoset, p, sense=sense), np.asarray

    return Prepared(*_per_problem(w, x, make))


def _prepare_pygmo(w: Workload, x: np.ndarray) -> Prepared:
    pygmo = _import("pygmo")

    # pygmo converts the array to std::vector<std::vector<double>> inside each call (no way to
    # do it ahead). fast_non_dominated_sorting also returns the full domination lists: O(n^2)
    # memory, so it is only used up to n = 1e4.
    def make(p):
        n = p.shape[0]
        if w.task == "rank":
            return functools.partial(pygmo.fast_non_dominated_sorting, p), lambda out: out[3]
        if w.m == 2:
            return (
                functools.partial(pygmo.non_dominated_front_2d, p),
                lambda idx: _mask_from_indices(idx, n),
            )
        # No m > 2 first-front function: the full sort, keeping front 0.
        return (
            functools.partial(pygmo.fast_non_dominated_sorting, p),
            lambda out: _mask_from_indices(out[0][0], n),
        )

    return Prepared(*_per_problem(w, x, make))


# --------------------------------------------------------------------------------------------
# Which implementation runs on which workload
# --------------------------------------------------------------------------------------------

_UNLIMITED = 10**9


def _limit_tradeoff_fallback(w: Workload) -> int:
    return 10_000  # pure Python / numba reference path: slow by design


def _limit_tradeoff_cuda(w: Workload) -> int:
    return 100_000  # O(n^2 m) dominance counting


# Largest n per peer and workload, so that no single call takes more than about 10 s on the
# shared 2-core machine. Timings quoted are single calls measured there in 2026-11 (under
# load from parallel builds: upper bounds; an idle machine is up to several times faster).
def _limit_moocore(w: Workload) -> int:
    return _UNLIMITED  # at most ~1 s (rank-uniform-m5-n100000)


def _limit_pymoo(w: Workload) -> int:
    return _UNLIMITED  # moocore plus front splitting: at most ~1 s


def _limit_deap(w: Workload) -> int:
    # Pure Python, and the list of individuals is built per workload: rank-uniform-m2-n1000000
    # did not finish in 90 s, rank-uniform-m5-n100000 took 25 s, m = 3 at 1e5 took 5-13 s.
    # first_front_only=True still sorts everything, so the limits are the same for both tasks.
    return 10_000 if w.m >= 5 else 100_000


def _limit_optuna(w: Workload) -> int:
    # Peels fronts one by one with NumPy; the m >= 3 first-front filter loops over the front
    # points, O(n * front size).
    if w.m >= 3 and (w.dist == "sphere" or w.task == "rank"):
        return 10_000  # rank-uniform-m3-n100000: 28 s; sphere m >= 3 at 1e5: > 90 s
    if w.task == "rank" and w.dist == "uniform":
        return 100_000  # rank-uniform-m2-n1000000: 14 s (about 2000 fronts of 1e6 points)
    return _UNLIMITED  # m = 2 sphere ranks and uniform fronts: ~1 s at 1e6


def _limit_botorch(w: Workload) -> int:
    if w.task == "rank":
        return 0  # botorch has no non-dominated sorting, only the first front
    if w.dist == "sphere":
        return 10_000  # O(n * front size) loop for n > 1000: 1-2 s at 1e4, so ~100 s at 1e5
    return 100_000  # a Python loop over all n points: 0.3-4 s at 1e5, 1e6 is out of reach


def _limit_paretoset(w: Workload) -> int:
    if w.dist == "sphere":
        return 10_000  # O(n * front size): 0.9 s at 1e4, 82 s at 1e5
    if w.task == "rank" and (w.m >= 5 or w.n >= 1_000_000):
        # front peeling: rank-uniform-m5-n100000 12 s, rank-uniform-m2-n1000000 52 s
        return 10_000 if w.m >= 5 else 100_000
    return _UNLIMITED  # uniform first front: 0.05 s at 1e6


def _limit_pygmo(w: Workload) -> int:
    if w.task == "front" and w.m == 2 and w.dist != "sphere":
        return _UNLIMITED  # non_dominated_front_2d: 0.4 s at 1e6 on uniform data
    # non_dominated_front_2d is O(n * front size) (front-sphere-m2-n100000: 24 s), and
    # fast_non_dominated_sorting is O(n^2) in time and memory (0.3-1 s at 1e4).
    return 10_000


@dataclasses.dataclass(frozen=True)
class Impl:
    name: str
    prepare: Callable[[Workload, np.ndarray], Prepared]
    limit: Callable[[Workload], int]


IMPLS = [
    Impl("tradeoff-native", _tradeoff_cpu("native"), lambda w: _UNLIMITED),
    Impl("tradeoff-fallback", _tradeoff_cpu("fallback"), _limit_tradeoff_fallback),
    Impl("tradeoff-cuda", _prepare_tradeoff_cuda, _limit_tradeoff_cuda),
    Impl("moocore", _prepare_moocore, _limit_moocore),
    Impl("pymoo", _prepare_pymoo, _limit_pymoo),
    Impl("deap", _prepare_deap, _limit_deap),
    Impl("optuna", _prepare_optuna, _limit_optuna),
    Impl("botorch", _prepare_botorch, _limit_botorch),
    Impl("paretoset", _prepare_paretoset, _limit_paretoset),
    Impl("pygmo", _prepare_pygmo, _limit_pygmo),
]
IMPLS_BY_NAME = {impl.name: impl for impl in IMPLS}


def selected_impls(impls: list, by_name: dict) -> list:
    """The implementations TRADEOFF_BENCH_PEERS names (all when unset); shared by bench/*.
    Names belong to different families (e.g. "tradeoff-log" only to Sinkhorn), so a family
    runs the named implementations it has; a misspelled name simply selects nothing."""
    raw = os.environ.get("TRADEOFF_BENCH_PEERS", "").strip()
    if not raw:
        return impls
    names = {s.strip() for s in raw.split(",") if s.strip()}
    return [impl for impl in impls if impl.name in names]


def params_for(workloads, impls) -> list:
    """One pytest param per (workload, implementation) within the implementation's size limit,
    in the workload's benchmark group."""
    params = []
    for w in workloads:
        for impl in impls:
            if w.n <= impl.limit(w):
                mark = pytest.mark.benchmark(group=w.group)
                params.append(pytest.param(w, impl, id=f"{w.group}-{impl.name}", marks=mark))
    return params


def run_timed(benchmark, benchmark_disabled: bool, prepared, check) -> None:
    """Times prepared.call (once, untimed, when benchmarks are disabled) and checks its
    answer with check(output) before and after the timing."""
    with prepared.context():
        if benchmark_disabled:
            out = benchmark(prepared.call)  # runs once, untimed
        else:
            # One untimed call: warms up JIT/caches, checks the answer, sizes the rounds.
            t0 = time.perf_counter()
            out = prepared.call()
            elapsed = time.perf_counter() - t0
            check(prepared.convert(out))
            if _COLD_CALL_S[0] <= elapsed < _COLD_CALL_S[1]:
                # A slow first call may be one-time costs (CuPy compiling its kernels, memory
                # pool growth, lazy imports): size the rounds from a second, warm call, else
                # a 2 ms GPU call would be timed once (measured on the first H100 run).
                t0 = time.perf_counter()
                prepared.call()
                elapsed = min(elapsed, time.perf_counter() - t0)
            out = benchmark.pedantic(
                prepared.call, rounds=_rounds(elapsed), iterations=1, warmup_rounds=0
            )
    check(prepared.convert(out))


def _params():
    return params_for(_workloads(), selected_impls(IMPLS, IMPLS_BY_NAME))


# --------------------------------------------------------------------------------------------
# Reference and timing
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=2)
def _reference(w: Workload) -> np.ndarray:
    """tradeoff's answer (native backend when built), computed once per workload."""
    tradeoff = _import("tradeoff")
    from tradeoff import _backend

    fn = tradeoff.pareto_rank if w.task == "rank" else tradeoff.nondominated
    backend = "native" if _backend.core_module() is not None else "fallback"
    with tradeoff.using_backend(backend):
        out = np.asarray(fn(w.data()))
    out.setflags(write=False)
    return out


def _check(w: Workload, impl: Impl, got: np.ndarray) -> None:
    expected = _reference(w)
    got = np.asarray(got)
    assert got.shape == expected.shape, f"{impl.name}: shape {got.shape} != {expected.shape}"
    if w.task == "rank":
        got = got.astype(np.int64)
        bad = np.flatnonzero((got != expected).ravel())
        assert bad.size == 0, (
            f"{impl.name} disagrees with tradeoff on {bad.size} of {got.size} ranks in "
            f"{w.group}; first at flat index {bad[0]}: {got.ravel()[bad[0]]} != "
            f"{expected.ravel()[bad[0]]}"
        )
    else:
        assert got.dtype == np.bool_, f"{impl.name}: mask dtype {got.dtype}"
        bad = np.flatnonzero((got != expected).ravel())
        assert bad.size == 0, (
            f"{impl.name} disagrees with tradeoff on {bad.size} of {got.size} mask entries "
            f"in {w.group}; first at flat index {bad[0]}"
        )


#: First-call times (s) that get a second untimed call before the rounds are sized (see
#: run_timed): from where _rounds stops asking for 5 rounds up to calls too long to repeat.
_COLD_CALL_S = (0.2, 2.0)


def _target_seconds() -> float:
    return float(os.environ.get("TRADEOFF_BENCH_TARGET_S", "1.0"))


def _rounds(seconds_per_call: float) -> int:
    """Rounds so the timed calls take about the target time: at least 5 for calls under
    0.2 s (a meaningful median), down to a single round for calls over the target."""
    t = max(seconds_per_call, 1e-7)
    rounds = int(_target_seconds() / t)
    if t < 0.2:
        rounds = max(rounds, 5)
    return max(1, min(rounds, 500))


@pytest.mark.parametrize(("workload", "impl"), _params())
def test_pareto(benchmark, benchmark_disabled, workload: Workload, impl: Impl):
    if benchmark_disabled and workload.n > DISABLED_MAX_N:
        pytest.skip(f"n > {DISABLED_MAX_N} skipped with --benchmark-disable")
    x = workload.data()
    prepared = impl.prepare(workload, x)
    _reference(workload)  # computed before the timing
    benchmark.extra_info.update(
        impl=impl.name,
        workload=workload.group,
        task=workload.task,
        dist=workload.dist,
        m=workload.m,
        n=workload.n,
        b=workload.b,
    )
    run_timed(benchmark, benchmark_disabled, prepared, functools.partial(_check, workload, impl))
