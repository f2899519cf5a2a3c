"""Entropic optimal transport benchmarks: tradeoff.sinkhorn / sinkhorn_points against POT
(NumPy and torch), OTT-JAX and GeomLoss.

One pytest-benchmark group per workload; every implementation in a group runs on the same
read-only arrays (bench/_data.py: two uniform clouds in [0, 1]^d and their squared Euclidean
cost, C_ij = ||x_i - y_j||^2), and its answer is checked against tradeoff's outside the timed
region. ``python bench/compare.py -k sinkhorn`` prints the table (see bench/README.md).

Workloads (group names):

* ``sinkhorn-dense-d{d}-n{n}-eps{r}-iter100``: cost (n, n), eps = r x median cost, exactly 100
  iterations (ours ``tol=0, max_iter=100``; POT ``numItermax=100, stopThr=0``; OTT
  ``min_iterations = max_iterations = 100, threshold=0``). d in {2, 64}, n in {500, 2000, 5000},
  r in {0.1, 0.01}; plus r in {1e-3, 1e-4} at n = 500 (beyond the issue's list: where the
  plain scaling underflows).
* ``sinkhorn-dense-...-tol1e-06``: the same problems solved to a marginal error of 1e-6, each
  implementation with its own error definition (below).
* ``sinkhorn-batch-1000x32x32-d2-eps{r}-{iter100|tol1e-06}``: 1000 independent problems of 32
  points in 2-D in one (1000, 32, 32) array; eps = r x the median over the whole batch.
* ``sinkhorn-points-d3-n{n}-iter{k}``: clouds of n = 1e4 (10 iterations) and 1e5 (3 iterations,
  marked slow) points in 3-D, eps = 0.005 (= 2 blur^2 with GeomLoss's blur = 0.05, about 0.01 x
  the median cost), the cost computed on the fly (ours ``sinkhorn_points``; OTT's ``PointCloud``
  stores the cost matrix, since its on-the-fly ``batch_size`` mode fails with jax 0.10).
* ``sinkhorn-anneal-d3-n10000-blur0.05``: GeomLoss's ``SamplesLoss("sinkhorn")`` with its
  eps-scaling schedule (``scaling=0.9``) against ours with ``eps_scaling=0.81`` (its eps ratio
  per step is scaling^p) and as many iterations in total.

Agreement (asserted for tradeoff's variants; recorded for peers, see below):

* Fixed iterations: every implementation runs the same iteration from the same start, so the
  transport cost <P, C> agrees to rounding (measured: 1e-15 relative against our fallback);
  asserted to RTOL_SAME = 1e-6. POT's and OTT's loops update the column potential first and the
  row potential last, ours the row first: they get the transposed problem (C^T, b, a), on which
  their order is ours (a C-contiguous copy of C^T made outside the timing; the work per
  iteration is the same). ``ot.batch`` updates rows first and gets C itself.
* To tolerance: ours stops when sum_i |(P 1)_i - a_i| <= 1e-6, tested every iteration; POT
  (sinkhorn, sinkhorn_log, sinkhorn_stabilized) when the L2 norm of the same marginal's error
  is below stopThr = 1e-6, tested every 10 iterations; ``ot.batch`` when the largest L2 error
  over the batch is below tol, every 10 iterations (all problems stop together); OTT when the
  L1 error is below threshold, every ``inner_iterations = 10``. The plans then differ by about
  the marginal error: costs are compared to RTOL_TOL (relative).
* Points: potentials (centred, over eps) to 1e-6 for OTT (same iteration, transposed);
  GeomLoss's symmetric, averaged updates on its own schedule reach a different point of the
  annealing path: its objective (2 x the returned value: its cost is ||x - y||^2 / 2 and its eps
  blur^2) is compared with ours to RTOL_ANNEAL.

A peer whose answer is NaN or off (POT's plain scaling underflows at small eps; its stabilized
variant returns a wrong cost at eps = 0.01 x median) is not an error of the suite: the test
records ``agreement = "wrong: ..."`` in the benchmark's extra_info (compare.py marks the cell)
and ends as xfail. A disagreement of tradeoff's own variants fails the test.

Environment: ``TRADEOFF_BENCH_SIZES`` (largest n collected), ``TRADEOFF_BENCH_TARGET_S`` and
``TRADEOFF_BENCH_PEERS`` as in bench_pareto.py. With ``--benchmark-disable`` (CI) every body runs
once with n <= 500, batches of 100 problems, no point-cloud workload, no log-domain peer at the
small-eps workloads, and no call estimated above DISABLED_MAX_S seconds; the agreement checks
still run (about 50 s on 2 busy cores).

Peers, each optional (skipped when not installed), inputs converted once outside the timing
(versions measured when this was written: POT 0.9.7, torch 2.13 CPU, jax 0.10 + ott-jax 0.6,
GeomLoss 0.3.1; no pykeops):

* ``pot-sinkhorn``, ``pot-log``, ``pot-stabilized``: ``ot.sinkhorn(method="sinkhorn")``
  (sinkhorn_knopp), ``ot.bregman.sinkhorn_log``, ``ot.bregman.sinkhorn_stabilized`` on NumPy
  float64; batches: a Python loop over the problems.
* ``pot-torch-sinkhorn``, ``pot-torch-log``, ``pot-torch-stabilized``: the same calls on
  torch.float64 CPU tensors.
* ``pot-batch-log``, ``pot-batch-sinkhorn``: ``ot.batch.solve_batch(method="log_sinkhorn" /
  "sinkhorn")`` (new in POT 0.9.7), batches only.
* ``ott``: ``Sinkhorn(...)(LinearProblem(Geometry(cost_matrix=C^T, epsilon=eps)))`` jitted
  (compiled outside the timing; ``jax.vmap`` for batches), returning <P, C> computed inside the
  jitted function; ``PointCloud(y, x, epsilon=eps)`` for point clouds (cost stored).
* ``ott-online``: ``PointCloud(..., batch_size=1024)``, OTT's on-the-fly cost; skipped with the
  error it raises under jax 0.10 (``jax.interpreters.batching`` has no ``is_vmappable``).
* ``geomloss``: ``SamplesLoss("sinkhorn", p=2, blur=0.05, scaling=0.9, debias=False,
  backend="tensorized")`` on float64 tensors, 1e4 points only (the "online" backend needs
  pykeops, not installed; tensorized at 1e5 would need 80 GB).

Size limits: each implementation has a cost per matrix entry and iteration (``_NS_PER_ENTRY``,
measured) and each workload an expected iteration count (``_EXPECTED_ITERS``, measured with our
stopping rule); a peer is left out of a workload when the estimate exceeds MAX_CALL_S seconds
(``TRADEOFF_BENCH_MAX_CALL_S``, default 20) for one call (GeomLoss: 300 s, so that it runs at
1e4 points). tradeoff's own variants always run (the fallback at n = 500 only).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
import os
import warnings
from collections.abc import Callable
from typing import Any

import _data
import numpy as np
import pytest
from bench_pareto import _import, _max_n_from_env, run_timed, selected_impls

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    try:  # float64 in JAX: must be set before any JAX array exists
        import jax

        jax.config.update("jax_enable_x64", True)
    except ImportError:
        jax = None

RTOL_SAME = 1e-6
RTOL_TOL = 1e-3
RTOL_ANNEAL = 1e-2
TOL = 1e-6
POINTS_EPS = 0.005  # = 2 * blur^2 for GeomLoss's blur = 0.05
GEOMLOSS_SCALING = 0.9
OTT_BATCH_SIZE = 1024  # rows per tile of OTT's online point-cloud geometry
MAX_CALL_S = float(os.environ.get("TRADEOFF_BENCH_MAX_CALL_S", "20"))
DISABLED_MAX_N = 500
DISABLED_BATCH = 100
DISABLED_MAX_S = 1.0


# --------------------------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Workload:
    task: str  # "dense", "batch", "points" (fixed iterations) or "anneal" (GeomLoss schedule)
    d: int
    n: int  # n = m
    rel_eps: float = 0.0  # eps = rel_eps * median cost (dense, batch)
    iters: int = 0  # fixed iteration count; 0 = to tolerance TOL
    b: int = 0  # number of problems (batch)

    @property
    def mode(self) -> str:
        return f"iter{self.iters}" if self.iters else f"tol{TOL:g}"

    @property
    def group(self) -> str:
        if self.task == "dense":
            return f"sinkhorn-dense-d{self.d}-n{self.n}-eps{self.rel_eps:g}-{self.mode}"
        if self.task == "batch":
            shape = f"{self.b}x{self.n}x{self.n}"
            return f"sinkhorn-batch-{shape}-d{self.d}-eps{self.rel_eps:g}-{self.mode}"
        if self.task == "points":
            return f"sinkhorn-points-d{self.d}-n{self.n}-{self.mode}"
        return f"sinkhorn-anneal-d{self.d}-n{self.n}-blur{math.sqrt(POINTS_EPS / 2):g}"

    @property
    def dense(self) -> bool:
        return self.task in ("dense", "batch")

    def cost(self) -> np.ndarray:
        return _data.transport_cost(self.n, self.d, self.b)[0]

    def clouds(self) -> tuple[np.ndarray, np.ndarray]:
        return _data.clouds(self.n, self.d, self.b)

    @property
    def eps(self) -> float:
        if self.dense:
            return self.rel_eps * _data.transport_cost(self.n, self.d, self.b)[1]
        return POINTS_EPS

    @property
    def expected_iters(self) -> int:
        if self.iters:
            return self.iters
        if self.task == "anneal":
            return _anneal_schedule(self)[0]
        return _EXPECTED_ITERS.get((self.task, self.d, self.n, self.rel_eps), 10_000)

    @property
    def max_iter(self) -> int:
        """The iteration cap of every implementation: the fixed count, or 5x the expected count
        to tolerance (a peer that never gets there, e.g. on NaN, stops in bounded time)."""
        return self.iters or max(1_000, 5 * self.expected_iters)

    @property
    def entries(self) -> int:
        """Matrix entries one iteration touches (per half-step)."""
        return self.n * self.n * max(self.b, 1)


#: Iterations to a marginal error of 1e-6 with our rule (sum of |row sum - a_i|, tested every
#: iteration), measured with tradeoff's fallback (method="scaling") on these data sets. Sets
#: the size limits only; the runs themselves stop on their own criteria.
_EXPECTED_ITERS = {
    ("dense", 2, 500, 0.1): 87, ("dense", 2, 500, 0.01): 858,
    ("dense", 64, 500, 0.1): 5, ("dense", 64, 500, 0.01): 5863,
    ("dense", 2, 2000, 0.1): 83, ("dense", 2, 2000, 0.01): 839,
    ("dense", 64, 2000, 0.1): 4, ("dense", 64, 2000, 0.01): 1675,
    ("dense", 2, 5000, 0.1): 71, ("dense", 2, 5000, 0.01): 716,
    ("dense", 64, 5000, 0.1): 4, ("dense", 64, 5000, 0.01): 2278,
    ("batch", 2, 32, 0.1): 192,  # the slowest of the batch (median 104)
}


def _workloads() -> list[Workload]:
    out = []
    for iters in (100, 0):
        for d in (2, 64):
            for rel in (0.1, 0.01):
                out += [Workload("dense", d, n, rel, iters) for n in (500, 2000, 5000)]
    # Small eps, where the scaling form underflows (beyond the list; n = 500 only).
    out += [Workload("dense", d, 500, rel, 100) for d in (2, 64) for rel in (1e-3, 1e-4)]
    out += [Workload("batch", 2, 32, rel, 100, b=1000) for rel in (0.1, 0.01)]
    # To tolerance at eps = 0.01 x median, half of these 32-point problems need more than 15000
    # iterations and a tenth more than 1e5 (measured): only eps = 0.1 x median.
    out.append(Workload("batch", 2, 32, 0.1, 0, b=1000))
    out.append(Workload("points", 3, 10_000, iters=10))
    out.append(Workload("points", 3, 100_000, iters=3))
    out.append(Workload("anneal", 3, 10_000))
    max_n = _max_n_from_env()
    return [w for w in out if w.n <= max_n]


def _anneal_schedule(w: Workload) -> tuple[int, int]:
    """(GeomLoss's iteration count, our max_iter for the final stage) for the anneal workload.

    GeomLoss (p = 2): eps_list = [D^2] + [exp(e) for e in arange(2 log D, 2 log blur,
    2 log scaling)] + [blur^2] on its cost ||x - y||^2 / 2, D the bounding box diagonal, one
    symmetric update per entry. Ours: stages D^2 q^k (q = scaling^2) while above eps, one
    iteration each, then max_iter iterations at eps; max_iter makes the totals equal."""
    x, y = w.clouds()
    hi = np.maximum(x.max(axis=0), y.max(axis=0))
    lo = np.minimum(x.min(axis=0), y.min(axis=0))
    diam = float(np.sqrt(((hi - lo) ** 2).sum()))
    blur = math.sqrt(POINTS_EPS / 2)
    p, s = 2, GEOMLOSS_SCALING
    geomloss_n = 2 + len(np.arange(p * math.log(diam), p * math.log(blur), p * math.log(s)))
    q, e, ours_stages = s**p, diam**2, 0
    while e > POINTS_EPS:
        ours_stages += 1
        e *= q
    return geomloss_n, max(1, geomloss_n - ours_stages)


# --------------------------------------------------------------------------------------------
# Implementations
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Answer:
    """What an implementation returned, in tradeoff's terms (float64 arrays, one entry per
    problem): the transport cost, or for points the potentials / the objective."""

    cost: np.ndarray | None = None
    objective: np.ndarray | None = None
    f: np.ndarray | None = None  # our row potential (up to a constant)
    g: np.ndarray | None = None
    n_iter: Any = None
    converged: Any = None


@dataclasses.dataclass
class Prepared:
    call: Callable[[], Any]
    convert: Callable[[Any], Answer]
    context: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext


@contextlib.contextmanager
def _quiet(inner=contextlib.nullcontext):
    """Peers warn on non-convergence (POT, every 100-iteration run) and pytest turns warnings
    into errors: silence them around the call. tradeoff's own convergence is checked."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with inner():
            yield


def _uniform(n: int, b: int = 0) -> np.ndarray:
    return np.full((b, n) if b else (n,), 1.0 / n)


def _transposed(c: np.ndarray) -> np.ndarray:
    """C^T (per problem), C-contiguous: see the module docstring (update order)."""
    return np.ascontiguousarray(np.swapaxes(c, -1, -2))


# --- tradeoff ---------------------------------------------------------------------------------


def _has_sinkhorn(backend: str) -> None:
    tradeoff = _import("tradeoff")
    from tradeoff import _backend

    if not hasattr(tradeoff, "sinkhorn"):
        pytest.skip("tradeoff.sinkhorn is not available in this build")
    if backend == "native":
        core = _backend.core_module()
        if core is None or not hasattr(core, "sinkhorn_dense"):
            pytest.skip("tradeoff._core (native module) is not built with the Sinkhorn kernels")
    if backend == "cuda":
        if _backend.cuda_module() is None:
            pytest.skip("tradeoff._cuda is not built")
        cp = _import("cupy")
        if not cp.is_available():
            pytest.skip("no CUDA device")
    return tradeoff


def _tradeoff_kwargs(w: Workload) -> dict:
    if w.task == "anneal":
        return dict(eps=w.eps, tol=0.0, max_iter=_anneal_schedule(w)[1],
                    eps_scaling=GEOMLOSS_SCALING**2)
    if w.iters:
        return dict(eps=w.eps, tol=0.0, max_iter=w.iters)
    return dict(eps=w.eps, tol=TOL, max_iter=w.max_iter)


def _answer_from_result(r, to_numpy=np.asarray) -> Answer:
    return Answer(
        cost=np.atleast_1d(to_numpy(r.cost)).astype(float),
        objective=np.atleast_1d(to_numpy(r.objective)).astype(float),
        f=to_numpy(r.f), g=to_numpy(r.g),
        n_iter=to_numpy(r.n_iter), converged=to_numpy(r.converged),
    )


def _tradeoff(method: str, backend: str):
    """tradeoff.sinkhorn(method=...) on the dense workloads (the plan is returned, as POT
    does), tradeoff.sinkhorn_points (log domain, no plan) on the point clouds."""

    def prepare(w: Workload) -> Prepared:
        tradeoff = _has_sinkhorn(backend)
        kwargs = _tradeoff_kwargs(w)
        convert, xp = _answer_from_result, np
        if backend == "cuda":
            cp = _import("cupy")
            xp, stream = cp, cp.cuda.get_current_stream()
            convert = functools.partial(_answer_from_result, to_numpy=cp.asnumpy)
        if w.dense:
            fn = functools.partial(tradeoff.sinkhorn, None, None, xp.asarray(w.cost()),
                                   method=method, **kwargs)
        else:
            x, y = w.clouds()
            fn = functools.partial(tradeoff.sinkhorn_points, xp.asarray(x), xp.asarray(y),
                                   **kwargs)
        call = fn
        if backend == "cuda":

            def call():
                out = fn()
                stream.synchronize()
                return out

        return Prepared(call, convert, functools.partial(_quiet, functools.partial(
            tradeoff.using_backend, backend)))

    return prepare


# --- POT --------------------------------------------------------------------------------------


def _pot_function(name: str):
    ot = _import("ot")
    if name == "sinkhorn":
        return functools.partial(ot.sinkhorn, method="sinkhorn")
    return {"log": ot.bregman.sinkhorn_log, "stabilized": ot.bregman.sinkhorn_stabilized}[name]


def _pot(name: str, lib: str):
    """POT's single-problem solvers on the transposed problem; a Python loop for batches."""

    def prepare(w: Workload) -> Prepared:
        fn = _pot_function(name)
        ct = _transposed(w.cost())
        iters = dict(numItermax=w.iters, stopThr=0.0) if w.iters else dict(
            numItermax=w.max_iter, stopThr=TOL)
        problems = list(ct) if w.b else [ct]
        if lib == "torch":
            torch = _import("torch")
            problems = [torch.from_numpy(np.array(c)) for c in problems]
            weights = torch.from_numpy(_uniform(w.n))
        else:
            weights = _uniform(w.n)
        # log=True only to read POT's iteration count (it computes the error anyway).
        calls = [functools.partial(fn, weights, weights, c, w.eps, log=True, **iters)
                 for c in problems]

        def call():
            return [c() for c in calls]

        def convert(outs):
            plans = [p.numpy() if lib == "torch" else p for p, _ in outs]
            iters = [log.get("niter", log.get("n_iter")) for _, log in outs]
            return Answer(cost=np.array([float((p * np.asarray(c)).sum())
                                         for p, c in zip(plans, problems)]),
                          n_iter=np.array([-1 if k is None else int(k) for k in iters]))

        return Prepared(call, convert, _quiet)

    return prepare


def _pot_batch(method: str):
    def prepare(w: Workload) -> Prepared:
        _import("ot")
        try:
            from ot.batch import solve_batch
        except ImportError:
            pytest.skip("ot.batch (POT >= 0.9.6) is not available")
        c = w.cost()
        a = _uniform(w.n, w.b)
        iters = dict(max_iter=w.iters, tol=0.0) if w.iters else dict(max_iter=w.max_iter, tol=TOL)
        call = functools.partial(solve_batch, c, w.eps, a, a, method=method, grad="detach",
                                 **iters)

        def convert(res):
            return Answer(cost=np.asarray(res.value_linear, dtype=float),
                          n_iter=res.log.get("n_iter"))

        return Prepared(call, convert, _quiet)

    return prepare


# --- OTT-JAX ----------------------------------------------------------------------------------


def _ott_solver(w: Workload):
    if jax is None:
        pytest.skip("jax is not installed")
    _import("ott")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ott.solvers.linear import sinkhorn

    if w.iters:
        return sinkhorn.Sinkhorn(max_iterations=w.iters, min_iterations=w.iters, threshold=0.0,
                                 inner_iterations=min(10, w.iters))
    return sinkhorn.Sinkhorn(max_iterations=-(-w.max_iter // 10) * 10, threshold=TOL,
                             inner_iterations=10)


def _prepare_ott(w: Workload, online: bool = False) -> Prepared:
    solver = _ott_solver(w)
    import jax.numpy as jnp
    from ott.geometry import geometry, pointcloud
    from ott.problems.linear import linear_problem

    eps = w.eps
    if w.dense:

        def solve(c, a, b):
            geom = geometry.Geometry(cost_matrix=c, epsilon=eps)
            out = solver(linear_problem.LinearProblem(geom, a=a, b=b))
            return jnp.sum(out.matrix * c), out.n_iters, out.converged

        ct = jnp.asarray(_transposed(w.cost()))
        a = jnp.asarray(_uniform(w.n, w.b))
        fn = jax.jit(jax.vmap(solve) if w.b else solve)
        args = (ct, a, a)

        def convert(out):
            cost, n_iter, conv = (np.asarray(o) for o in out)
            return Answer(cost=np.atleast_1d(cost).astype(float), n_iter=n_iter, converged=conv)

    else:
        x, y = w.clouds()

        def solve(y, x, a, b):
            # transposed: OTT's first (column) update is our row update
            geom = pointcloud.PointCloud(y, x, epsilon=eps,
                                         batch_size=OTT_BATCH_SIZE if online else None)
            out = solver(linear_problem.LinearProblem(geom, a=a, b=b))
            return out.f, out.g, out.n_iters

        fn = jax.jit(solve)
        args = (jnp.asarray(y), jnp.asarray(x), jnp.asarray(_uniform(w.n)),
                jnp.asarray(_uniform(w.n)))

        def convert(out):
            f_y, g_x, n_iter = (np.asarray(o) for o in out)
            return Answer(f=g_x, g=f_y, n_iter=n_iter)

    try:
        jax.block_until_ready(fn(*args))  # compile outside the timing
    except AttributeError as exc:
        if not online:
            raise
        # ott-jax 0.6 with jax 0.10: "module 'jax.interpreters.batching' has no attribute
        # 'is_vmappable'" in its batched (online) point-cloud kernels.
        pytest.skip(f"OTT's online PointCloud (batch_size) fails with this jax: {exc}")

    def call():
        return jax.block_until_ready(fn(*args))

    return Prepared(call, convert, _quiet)


# --- GeomLoss ---------------------------------------------------------------------------------


def _prepare_geomloss(w: Workload) -> Prepared:
    torch = _import("torch")
    geomloss = _import("geomloss")
    x, y = w.clouds()
    loss = geomloss.SamplesLoss("sinkhorn", p=2, blur=math.sqrt(POINTS_EPS / 2),
                                scaling=GEOMLOSS_SCALING, debias=False, backend="tensorized")
    xt, yt = torch.from_numpy(np.array(x)), torch.from_numpy(np.array(y))

    def call():
        with torch.no_grad():
            return loss(xt, yt)

    def convert(value):
        # GeomLoss's cost is ||x-y||^2 / 2 with eps = blur^2 = POINTS_EPS / 2: its value (the
        # dual objective) is half of ours.
        return Answer(objective=np.array([2.0 * float(value)]))

    return Prepared(call, convert, _quiet)


# --------------------------------------------------------------------------------------------
# Which implementation runs on which workload
# --------------------------------------------------------------------------------------------

#: Nanoseconds per matrix entry and iteration (both half-steps), single calls on this 2-core
#: machine, 2026-11, measured at n = 2000, d = 2 with 20 iterations (setup included) while
#: another process used one core, rounded up: POT sinkhorn 0.7-3.0, log 17-22, stabilized
#: 0.7-5.0; with torch 1.0-1.4, 3.3-4.2, 1.3; OTT 2.0-2.3 (but 5-9 at n = 5000); our
#: fallback (scaling) 1.7-4.7.
#: The issue's figures at n = 5000 (loaded machine): 0.76 (NumPy scaling), 33 (POT log), 8.4
#: (torch log), 7.4-11 (OTT). Only the size limits use these.
_NS_PER_ENTRY = {
    "tradeoff-native": 1.0,
    "tradeoff-log": 2.0,
    "tradeoff-scaling": 1.0,
    "tradeoff-fallback": 5.0,
    "tradeoff-cuda": 0.1,
    "pot-sinkhorn": 1.5,
    "pot-log": 25.0,
    "pot-stabilized": 3.0,
    "pot-torch-sinkhorn": 2.0,
    "pot-torch-log": 6.0,
    "pot-torch-stabilized": 2.5,
    "pot-batch-log": 40.0,
    "pot-batch-sinkhorn": 3.0,
    "ott": 9.0,  # 100 iterations at n = 5000: 13-23 s
    "ott-online": 12.0,
    "geomloss": 42.0,  # tensorized, float64: 13.5 s for the 36 iterations at n = 3000
}
#: Per-implementation call limits above MAX_CALL_S: GeomLoss's tensorized backend is the only
#: one that runs at 1e4 points (the issue's workload), about 150 s a call on a busy machine.
_MAX_CALL_S_OVERRIDE = {"geomloss": 300.0}
#: Fixed seconds per problem and iteration of a Python loop (batches: POT's per-call overhead).
_LOOP_S = {"pot-sinkhorn": 10e-6, "pot-log": 40e-6, "pot-stabilized": 30e-6}


#: POT's stabilized variant at eps <= 0.01 x median: it absorbs (recomputes the kernel) almost
#: every iteration, and to tolerance it never converges where its cost is wrong, running to the
#: iteration cap. Measured: 100 iterations at n = 5000, d = 64 took 31 s (NumPy) and 107 s
#: (torch); to tolerance at n = 2000, d = 2: 144 s and 190 s.
_NS_STABILIZED_SMALL_EPS = {"pot-stabilized": 15.0, "pot-torch-stabilized": 45.0}


def estimate_seconds(impl: str, w: Workload) -> float:
    ns, iters = _NS_PER_ENTRY.get(impl, 10.0), w.expected_iters
    if impl in _NS_STABILIZED_SMALL_EPS and w.dense and w.rel_eps < 0.1:
        ns = _NS_STABILIZED_SMALL_EPS[impl]
        iters = w.max_iter
    return iters * (w.entries * ns * 1e-9 + max(w.b, 1) * _LOOP_S.get(impl, 0.0))


def _runs_on(impl: str, w: Workload) -> bool:
    if impl == "tradeoff-fallback" and (w.n > 500 or not w.dense):
        return False  # the NumPy oracle: the smallest dense size only
    if impl in ("tradeoff-log", "tradeoff-scaling") and not w.dense:
        return False  # sinkhorn_points has one method
    if impl.startswith("pot") and not w.dense:
        return False
    if impl.startswith("pot-batch") and w.task != "batch":
        return False
    if impl.startswith("pot-torch") and w.task == "batch":
        return False  # the NumPy loop already shows the per-call overhead
    if impl == "ott-online" and w.task != "points":
        return False
    if impl == "geomloss" and w.task != "anneal":
        return False
    if w.task == "anneal" and impl not in ("tradeoff-native", "tradeoff-cuda", "geomloss"):
        return False
    return True


@dataclasses.dataclass(frozen=True)
class Impl:
    name: str
    prepare: Callable[[Workload], Prepared]
    peer: bool = True

    def limit(self, w: Workload) -> int:
        """params_for-style limit: the workload's n when it runs there, else 0."""
        if not _runs_on(self.name, w):
            return 0
        if self.name.startswith("tradeoff-") and self.name != "tradeoff-fallback":
            return w.n  # ours runs everywhere (the point of the suite)
        limit = max(MAX_CALL_S, _MAX_CALL_S_OVERRIDE.get(self.name, 0.0))
        return w.n if estimate_seconds(self.name, w) <= limit else 0


IMPLS = [
    Impl("tradeoff-native", _tradeoff("auto", "native"), peer=False),
    Impl("tradeoff-log", _tradeoff("log", "native"), peer=False),
    Impl("tradeoff-scaling", _tradeoff("scaling", "native"), peer=False),
    Impl("tradeoff-fallback", _tradeoff("auto", "fallback"), peer=False),
    Impl("tradeoff-cuda", _tradeoff("auto", "cuda"), peer=False),
    Impl("pot-sinkhorn", _pot("sinkhorn", "numpy")),
    Impl("pot-log", _pot("log", "numpy")),
    Impl("pot-stabilized", _pot("stabilized", "numpy")),
    Impl("pot-torch-sinkhorn", _pot("sinkhorn", "torch")),
    Impl("pot-torch-log", _pot("log", "torch")),
    Impl("pot-torch-stabilized", _pot("stabilized", "torch")),
    Impl("pot-batch-log", _pot_batch("log_sinkhorn")),
    Impl("pot-batch-sinkhorn", _pot_batch("sinkhorn")),
    Impl("ott", _prepare_ott),
    Impl("ott-online", functools.partial(_prepare_ott, online=True)),
    Impl("geomloss", _prepare_geomloss),
]
IMPLS_BY_NAME = {impl.name: impl for impl in IMPLS}


def _params():
    params = []
    for w in _workloads():
        for impl in selected_impls(IMPLS, IMPLS_BY_NAME):
            if impl.limit(w) >= w.n:
                marks = [pytest.mark.benchmark(group=w.group)]
                if w.n > 10_000:
                    marks.append(pytest.mark.slow)
                params.append(pytest.param(w, impl, id=f"{w.group}-{impl.name}", marks=marks))
    return params


# --------------------------------------------------------------------------------------------
# Reference and agreement
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _reference(w: Workload) -> Answer:
    """tradeoff's answer: the native log domain when built, else the fallback's scaling form
    (the same iterates to rounding, and fast in NumPy)."""
    tradeoff = _import("tradeoff")
    from tradeoff import _backend

    core = _backend.core_module()
    native = core is not None and hasattr(core, "sinkhorn_dense")
    backend = "native" if native else "fallback"
    if not native and not w.dense and w.n > 2_000:
        pytest.skip("the reference needs tradeoff's native module at this size")
    method = "log" if native else "scaling"
    prepared = _tradeoff(method if w.dense else "auto", backend)(w)
    with prepared.context():
        return prepared.convert(prepared.call())


def _disagreement(w: Workload, impl: Impl, got: Answer) -> str | None:
    """None when ``got`` agrees with the reference, else what is wrong."""
    ref = _reference(w)
    if w.task == "points":
        errs = []
        for mine, theirs in ((ref.f, got.f), (ref.g, got.g)):
            mine, theirs = np.ravel(mine), np.ravel(theirs)
            if not np.all(np.isfinite(theirs)):
                return "NaN or inf potentials"
            d = (theirs - theirs.mean()) - (mine - mine.mean())
            errs.append(float(np.max(np.abs(d))) / w.eps)
        worst, rtol = max(errs), RTOL_SAME
        what = "potentials (centred) / eps"
    else:
        key = "objective" if w.task == "anneal" else "cost"
        mine, theirs = getattr(ref, key), getattr(got, key)
        if theirs is None or theirs.shape != mine.shape:
            return f"{key}: shape {None if theirs is None else theirs.shape} != {mine.shape}"
        if not np.all(np.isfinite(theirs)):
            return f"NaN or inf {key} ({int(np.sum(~np.isfinite(theirs)))} of {theirs.size})"
        rel = np.abs(theirs - mine) / np.abs(mine)
        k = int(np.argmax(rel))
        worst = float(rel[k])
        rtol = RTOL_ANNEAL if w.task == "anneal" else (RTOL_SAME if w.iters else RTOL_TOL)
        what = f"{key} {theirs[k]:.10g} vs ours {mine[k]:.10g}, relative difference"
    if not worst <= rtol:
        return f"{what} {worst:.3g} > {rtol:g}"
    if not impl.peer and not w.iters and w.task != "anneal" and got.converged is not None:
        if not np.all(got.converged):
            return "did not converge"
    return None


def _check(w: Workload, impl: Impl, record: dict, got: Answer) -> None:
    problem = _disagreement(w, impl, got)
    record["agreement"] = "ok" if problem is None else f"wrong: {problem}"
    if problem is not None and not impl.peer:
        pytest.fail(f"{impl.name} disagrees with tradeoff's reference in {w.group}: {problem}")


@pytest.mark.parametrize(("workload", "impl"), _params())
def test_sinkhorn(benchmark, benchmark_disabled, workload: Workload, impl: Impl):
    if benchmark_disabled:
        if workload.task in ("points", "anneal"):
            pytest.skip("point-cloud workloads are skipped with --benchmark-disable")
        if workload.n > DISABLED_MAX_N:
            pytest.skip(f"n > {DISABLED_MAX_N} skipped with --benchmark-disable")
        if workload.b:
            workload = dataclasses.replace(workload, b=DISABLED_BATCH)
        if impl.peer and impl.name.endswith("-log") and workload.rel_eps < 0.01:
            pytest.skip("log-domain peers at eps < 0.01 x median: skipped with --benchmark-disable")
        if estimate_seconds(impl.name, workload) > DISABLED_MAX_S:
            pytest.skip(f"estimated above {DISABLED_MAX_S} s: skipped with --benchmark-disable")
    _reference(workload)  # before the timing
    prepared = impl.prepare(workload)
    record = {}
    benchmark.extra_info.update(
        impl=impl.name, workload=workload.group, task=f"sinkhorn-{workload.task}",
        dist=workload.mode, m=workload.d, n=workload.n, b=workload.b, eps=workload.eps,
        rel_eps=workload.rel_eps,
    )
    answers = []

    def check(got: Answer) -> None:
        answers.append(got)
        _check(workload, impl, record, got)

    run_timed(benchmark, benchmark_disabled, prepared, check)
    got = answers[-1]
    if got.n_iter is not None:
        benchmark.extra_info["n_iter"] = int(np.max(got.n_iter))
    benchmark.extra_info["agreement"] = record["agreement"]
    if record["agreement"] != "ok":
        pytest.xfail(f"{impl.name} in {workload.group}: {record['agreement']}")
