"""Entropic optimal transport: Sinkhorn iterations on a dense cost matrix or on point clouds,
balanced or unbalanced, stable at small eps, one problem or a batch.

CPU path: ``_core`` (cpp/include/tradeoff/sinkhorn.hpp over sinkhorn_hd.hpp and vexp.hpp, bound
in cpp/bindings/register_sinkhorn.cpp). GPU path: ``_gpu`` -> ``_cuda`` (cuda/sinkhorn.cu over
sinkhorn_hd.hpp). Fallback and oracle: ``_fallback/sinkhorn.py``. Tests:
tests/test_sinkhorn*.py, tests/gpu/test_gpu_sinkhorn.py. Benchmarks: bench/bench_sinkhorn.py.

Conventions
-----------
For a cost C (n, m), weights a (n,), b (m,) and eps > 0, :func:`sinkhorn` solves ::

    min_P  <P, C> + eps KL(P | a b^T) + tau_a KL(P 1 | a) + tau_b KL(P^T 1 | b)

with KL(p | q) = sum p log(p / q) - p + q. Balanced transport (``tau=None``) makes both marginals
hard: P 1 = a, P^T 1 = b. The plan is P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps) for the dual
potentials f, g that the result returns; ``C_ij = +inf`` forbids a pair (P_ij = 0 exactly).

Mapping to POT: ``ot.sinkhorn(a, b, M, reg=eps)`` gives the same plan for balanced problems,
``ot.unbalanced.sinkhorn_unbalanced(a, b, M, reg=eps, reg_m=tau)`` (its default
``reg_type="kl"``) for unbalanced ones; POT's ``log_u = f / eps + log a`` up to a constant shift.
GeomLoss and OTT-JAX use the same potentials f, g; GeomLoss's default cost for p = 2 is
||x - y||^2 / 2 and its eps is blur^p.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np

from . import _backend, _validation
from ._errors import ConvergenceWarning, InfeasibleError
from ._fallback import sinkhorn as _ref
from ._xp import array_module, is_gpu_array

_METHODS = {"auto": 0, "log": 1, "scaling": 2}
_METRICS = {"sqeuclidean": 0, "euclidean": 1}
#: Largest plan the point-cloud solver materializes (return_plan=True): 2 GiB.
MAX_PLAN_BYTES = 1 << 31


@dataclasses.dataclass(frozen=True, repr=False)
class SinkhornResult:
    """The result of :func:`sinkhorn` / :func:`sinkhorn_points`.

    For one problem the scalar fields are Python scalars; for a batch of B problems they are
    arrays of shape (B,). On GPU input the arrays are CuPy arrays (0-d for one problem).

    Attributes
    ----------
    plan : array (n, m) or (B, n, m), or None
        The transport plan in the input's dtype (None when ``return_plan=False``; build it later
        with :func:`sinkhorn_plan` from ``f`` and ``g``).
    cost : float
        The transport cost <P, C> (forbidden pairs carry no mass and add nothing).
    objective : float
        The entropic objective <P, C> + eps KL(P | a b^T) (+ the marginal KL terms when
        unbalanced), the quantity Sinkhorn minimizes.
    f, g : arrays (n,), (m,) (or (B, n), (B, m))
        Dual potentials: P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps). Pass ``init=(f, g)`` to
        warm-start another solve.
    n_iter : int
        Iterations run (all eps stages together).
    marginal_error : float
        For the returned potentials: sum_i |(P 1)_i - a_i| (balanced; the column sums are exact
        after each iteration up to rounding), or in general the L1 distance between the plan's
        row sums and the row sums one more iteration would give (zero at the solution).
    converged : bool
        ``marginal_error <= tol``.
    method : str (or array of str)
        "log" or "scaling": the form the final stage ran in (what ``method="auto"`` chose).
    """

    plan: object
    cost: object
    objective: object
    f: object
    g: object
    n_iter: object
    marginal_error: object
    converged: object
    method: object

    def __repr__(self) -> str:
        plan = "None" if self.plan is None else f"array{tuple(self.plan.shape)}"
        return (
            f"SinkhornResult(cost={self.cost!r}, objective={self.objective!r}, "
            f"n_iter={self.n_iter!r}, marginal_error={self.marginal_error!r}, "
            f"converged={self.converged!r}, method={self.method!r}, plan={plan})"
        )


#: Most annealing stages eps_scaling may ask for (one iteration each).
MAX_STAGES = 10_000


def _stages(eps: float, factor, spread: float) -> np.ndarray:
    """eps0 = spread, eps0 * factor, ... down to eps (the last stage is eps itself). The count
    is checked before anything is built: a factor near 1 or a cost spread beyond float64 would
    otherwise ask for millions of stages (or never end)."""
    if factor is None or not spread > eps:
        return np.asarray([eps], dtype=np.float64)
    count = math.ceil(math.log(spread / eps) / -math.log(factor)) if math.isfinite(spread) else None
    if count is None or count > MAX_STAGES:
        need = "more than float64 can count" if count is None else str(count)
        raise ValueError(
            f"eps_scaling={factor} would need {need} annealing stages to go from the cost spread "
            f"{spread:.3g} down to eps={eps:.3g}; at most {MAX_STAGES} are allowed. Use a smaller "
            "factor (e.g. 0.5), or rescale the costs"
        )
    stages = spread * factor ** np.arange(count, dtype=np.float64)
    return np.append(stages[stages > eps], eps)


def _finite_spread(prob) -> float:
    """max - min over the finite costs of the whole batch."""
    cost = prob.data
    xp = array_module(cost)
    hi = float(xp.max(xp.where(xp.isfinite(cost), cost, -xp.inf))) if prob.has_inf else float(
        cost.max()
    )
    return max(hi - prob.lo, 0.0)


def _cloud_spread(x, y, metric: int) -> float:
    """An upper bound of the cost between the clouds: the bounding box's diagonal (squared for
    the squared Euclidean cost)."""
    xp = array_module(x)
    hi = xp.maximum(x.max(axis=(0, 1)), y.max(axis=(0, 1))).astype(np.float64)
    lo = xp.minimum(x.min(axis=(0, 1)), y.min(axis=(0, 1))).astype(np.float64)
    sq = float(((hi - lo) ** 2).sum())
    return math.sqrt(sq) if metric == 1 else sq


def _prepare(prob, a, b, tau, eps, max_iter, tol, eps_scaling, init):
    """Validation shared by both solvers. Returns (a, b, f0, g0, tau_a, tau_b, eps, max_iter,
    tol, factor)."""
    eps = _validation.positive_finite(
        eps, "eps", "eps is the entropic regularization (POT's reg); try 0.05 x the median cost"
    )
    tau_a, tau_b = _validation.kl_strengths(tau)
    max_iter = _validation.optional_count(max_iter, "max_iter", 0)
    if max_iter is None:
        raise TypeError("max_iter must be an integer >= 0; got None")
    tol = _validation.nonnegative_float(tol, "tol")
    factor = _validation.annealing_factor(eps_scaling)
    wa = _validation.transport_weights(a, "a", prob.n, prob)
    wb = _validation.transport_weights(b, "b", prob.m, prob)
    if math.isinf(tau_a) and math.isinf(tau_b):
        dtypes = [np.asarray(w).dtype if not is_gpu_array(w) else w.dtype
                  for w in (a, b) if w is not None and hasattr(w, "dtype")]
        wb = _validation.balanced_weights(wa, wb, prob, dtypes)
    f0, g0 = _validation.initial_potentials(init, prob)
    return wa, wb, f0, g0, tau_a, tau_b, eps, max_iter, tol, factor


def _finish(raw, prob, dtype, tol, what: str, max_iter: int, eps_scaling) -> SinkhornResult:
    """Kernel tuple -> SinkhornResult (dtypes, single-problem scalars) + the warning."""
    plan, f, g, cost, objective, n_iter, err, used = raw
    xp = array_module(f)
    converged = err <= tol
    conv_host = np.asarray(converged.get() if is_gpu_array(converged) else converged)
    if tol > 0 and not conv_host.all():
        err_host = np.asarray(err.get() if is_gpu_array(err) else err)
        k = int(np.argmin(conv_host))
        where = (
            f" (problem {k} of the batch; {int((~conv_host).sum())} of {conv_host.size} did not "
            "converge)" if prob.batched else ""
        )
        anneal = "" if eps_scaling is not None else ", or anneal with eps_scaling=0.5"
        warnings.warn(
            f"{what} did not converge within max_iter={max_iter} iterations: marginal error "
            f"{err_host[k]:.3g} > tol={tol:g}{where}. Raise max_iter, raise eps or tol{anneal}",
            ConvergenceWarning,
            stacklevel=3,
        )
    used_host = np.asarray(used.get() if is_gpu_array(used) else used)
    names = np.where(used_host == 1, "scaling", "log")
    f, g = f.astype(dtype, copy=False), g.astype(dtype, copy=False)
    if plan is not None:
        plan = plan.astype(dtype, copy=False)
    if prob.batched:
        return SinkhornResult(plan, cost, objective, f, g, n_iter, err, converged, names)
    if prob.on_gpu:
        return SinkhornResult(
            None if plan is None else plan[0], cost[0], objective[0], f[0], g[0], n_iter[0],
            err[0], converged[0], str(names[0]),
        )
    del xp
    return SinkhornResult(
        None if plan is None else plan[0], float(cost[0]), float(objective[0]), f[0], g[0],
        int(n_iter[0]), float(err[0]), bool(converged[0]), str(names[0]),
    )


def sinkhorn(a, b, cost, *, eps, tau=None, max_iter=1000, tol=1e-6, method="auto",
             eps_scaling=None, init=None, return_plan=True) -> SinkhornResult:
    """Entropic optimal transport on a cost matrix (Sinkhorn iterations, stable at any eps).

    Parameters
    ----------
    a, b : array_like (n,) and (m,), or None
        Nonnegative weights of the rows and columns (None: uniform, 1/n and 1/m). For a batch,
        (B, n) and (B, m), or 1-D weights shared by every problem. Balanced transport needs
        equal totals (to a relative 1e-6; 1e-4 for float32 weights): b is then rescaled to a's
        total exactly. Weights may be zero.
    cost : array_like (n, m) or (B, n, m)
        The ground cost; float32 stays float32 (potentials are computed in float64), other
        numbers become float64. ``+inf`` forbids a pair; NaN and ``-inf`` are errors.
    eps : float
        Entropic regularization (POT's ``reg``), > 0. Smaller is closer to exact transport and
        needs more iterations; every method stays finite at any eps.
    tau : None, float or (float, float)
        Unbalanced transport: the KL strength on the row and column marginals (POT's
        ``reg_m``). None or inf makes a marginal hard (balanced).
    max_iter : int
        Iterations of the final eps stage (the earlier annealing stages run one each).
    tol : float
        Stop when ``marginal_error <= tol`` (tested every iteration at O(n) cost; see
        :class:`SinkhornResult`). ``tol=0`` runs exactly ``max_iter`` iterations.
    method : {"auto", "log", "scaling"}
        "log": log-domain iterations (stable at any eps; exp-bound). "scaling": the kernel
        exp(-C/eps) stored once and scaled (memory-bound, needs n*m extra numbers), absorbing
        the scalings into the potentials when they grow, so it never overflows or returns NaN.
        "auto" (default) picks scaling where the kernel fits and leaves it for the log domain
        when absorptions become frequent (small eps). GPU input always runs the log domain.
    eps_scaling : None or float in (0, 1)
        Annealing: run one iteration at each eps0 * q**k (eps0 = the cost spread) before the
        target eps; often cuts the iterations needed at small eps.
    init : None or (f, g)
        Warm start from potentials (e.g. a previous result's ``f``, ``g``).
    return_plan : bool
        Materialize the plan (n * m numbers); False returns only potentials and totals.

    Returns
    -------
    SinkhornResult
        ``plan``, ``cost``, ``objective``, ``f``, ``g``, ``n_iter``, ``marginal_error``,
        ``converged``, ``method``. Not converging with ``tol > 0`` warns
        (:class:`tradeoff.ConvergenceWarning`, naming ``max_iter``); the result says so.

    Raises
    ------
    ValueError
        Bad shapes or values (each message says which and how to fix it).
    tradeoff.InfeasibleError
        A row or column whose every pair with a positive-weight partner is forbidden.

    Notes
    -----
    Each iteration costs O(n m): one fused pass per half-step (log domain, exp-bound) or a
    matrix-vector product per half-step (scaling, memory-bound). Batches run across threads.

    Examples
    --------
    >>> import numpy as np, tradeoff
    >>> cost = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> res = tradeoff.sinkhorn(None, None, cost, eps=0.01)
    >>> np.round(res.plan, 6)
    array([[0.5, 0. ],
           [0. , 0.5]])
    >>> round(res.cost, 6), res.converged
    (0.0, True)
    """
    prob = _validation.transport_cost(cost)
    method_code = _validation.choice(method, "method", _METHODS)
    wa, wb, f0, g0, tau_a, tau_b, eps, max_iter, tol, factor = _prepare(
        prob, a, b, tau, eps, max_iter, tol, eps_scaling, init
    )
    _validation.feasible_support(prob, wa, wb, InfeasibleError)
    spread = _finite_spread(prob) if factor is not None else 0.0
    stages = _stages(eps, factor, spread)
    raw = _backend.run(
        "sinkhorn_dense",
        (prob.data, wa, wb, f0, g0, stages, tau_a, tau_b, max_iter, tol, method_code, 1,
         bool(return_plan)),
        on_gpu=prob.on_gpu,
        fallback=_ref,
    )
    return _finish(raw, prob, prob.data.dtype, tol, "sinkhorn", max_iter, factor)


def sinkhorn_points(x, y, a=None, b=None, *, eps, metric="sqeuclidean", tau=None, max_iter=1000,
                    tol=1e-6, eps_scaling=None, init=None, return_plan=False) -> SinkhornResult:
    """Entropic optimal transport between point clouds, the cost computed on the fly.

    Memory is O((n + m) d): the cost matrix is never stored (the plan only when
    ``return_plan=True`` and it fits in 2 GiB), so n = m = 1e5 runs on a laptop.

    Parameters
    ----------
    x, y : array_like (n, d) and (m, d), or batches (B, n, d) and (B, m, d)
        Finite coordinates; float32 stays float32.
    a, b : array_like or None
        Weights as in :func:`sinkhorn` (None: uniform).
    metric : {"sqeuclidean", "euclidean"}
        C_ij = ||x_i - y_j||^2 (no 1/2 factor, like POT's ``ot.dist``; GeomLoss's p = 2 cost is
        half of it) or ||x_i - y_j||.
    eps, tau, max_iter, tol, eps_scaling, init
        As in :func:`sinkhorn` (always the log domain here).
    return_plan : bool, default False
        Materialize the (n, m) plan.

    Returns
    -------
    SinkhornResult
        As :func:`sinkhorn`; ``plan`` is None unless asked.

    Examples
    --------
    >>> import numpy as np, tradeoff
    >>> x = np.array([[0.0], [1.0]]); y = np.array([[0.1], [1.1]])
    >>> res = tradeoff.sinkhorn_points(x, y, eps=0.01)
    >>> round(res.cost, 6)
    0.01
    """
    prob = _validation.point_clouds(x, y)
    metric_code = _validation.choice(metric, "metric", _METRICS)
    wa, wb, f0, g0, tau_a, tau_b, eps, max_iter, tol, factor = _prepare(
        prob, a, b, tau, eps, max_iter, tol, eps_scaling, init
    )
    if return_plan:
        need = prob.batch * prob.n * prob.m * prob.data.dtype.itemsize
        if need > MAX_PLAN_BYTES:
            raise MemoryError(
                f"return_plan=True would need {need / 2**30:.1f} GiB for the plan "
                f"({prob.batch} x {prob.n} x {prob.m}); the limit is {MAX_PLAN_BYTES >> 30} GiB. "
                "Use return_plan=False and build the parts you need from the potentials"
            )
    spread = _cloud_spread(prob.data, prob.other, metric_code) if factor is not None else 0.0
    stages = _stages(eps, factor, spread)
    raw = _backend.run(
        "sinkhorn_points",
        (prob.data, prob.other, wa, wb, f0, g0, stages, tau_a, tau_b, max_iter, tol,
         metric_code, 1, bool(return_plan)),
        on_gpu=prob.on_gpu,
        fallback=_ref,
    )
    return _finish(raw, prob, prob.data.dtype, tol, "sinkhorn_points", max_iter, factor)


def sinkhorn_plan(f, g, cost, *, eps, a=None, b=None):
    """The plan P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps) of potentials (f, g).

    Use it after ``sinkhorn(..., return_plan=False)`` (or on a slice of the cost: pass the
    matching slices of f, g, a and b). Shapes and weights as in :func:`sinkhorn`; the result has
    the cost's dtype; forbidden pairs (+inf) get exactly 0.

    Examples
    --------
    >>> import numpy as np, tradeoff
    >>> cost = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> res = tradeoff.sinkhorn(None, None, cost, eps=0.5, return_plan=False)
    >>> plan = tradeoff.sinkhorn_plan(res.f, res.g, cost, eps=0.5)
    >>> bool(np.allclose(plan.sum(axis=1), 0.5))
    True
    """
    prob = _validation.transport_cost(cost)
    eps = _validation.positive_finite(eps, "eps", "use the eps the potentials were computed with")
    wa = _validation.transport_weights(a, "a", prob.n, prob)
    wb = _validation.transport_weights(b, "b", prob.m, prob)
    fa, gb = _validation.initial_potentials((f, g), prob)
    xp = array_module(prob.data)
    c = prob.data.astype(np.float64)
    forbidden = xp.isposinf(c)
    x = (fa[:, :, None] + gb[:, None, :] - xp.where(forbidden, 0.0, c)) / eps
    weight = wa[:, :, None] * wb[:, None, :]
    keep = ~forbidden & (x >= _ref.MIN_EXPONENT) & (weight > 0)  # zero weight: zero mass
    plan = xp.where(keep, weight * xp.exp(xp.where(keep, x, 0.0)), 0.0).astype(prob.data.dtype)
    return plan if prob.batched else plan[0]
