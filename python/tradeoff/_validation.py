"""Every input check and every error message of the public API lives here.

Each message says what was expected, what arrived and how to fix it. Checks run once, in
Python, before any native code or allocation; the native modules trust what they receive.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from ._xp import cupy_module, is_gpu_array

#: Largest number of points per problem: ranks and indices are int32 in the kernels.
MAX_POINTS = 2**31 - 2
#: Largest number of objectives.
MAX_OBJECTIVES = 2**15
#: Largest number of coordinates per point of a transport point cloud (the native kernels' limit).
MAX_COORDINATES = 2**16


def _shape_text(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def as_array(x, name: str):
    """``x`` as a NumPy or CuPy array, without copying when it already is one."""
    if is_gpu_array(x):
        return cupy_module().asarray(x)
    if isinstance(x, np.ndarray):
        return x
    try:
        return np.asarray(x)
    except ValueError as exc:  # ragged nested sequences
        raise ValueError(
            f"{name} must be a rectangular array (every row the same length); got a ragged "
            f"sequence ({exc}). Pad or trim the rows, or pass a NumPy array."
        ) from None


def real_dtype(arr, name: str):
    """The floating dtype the kernels use for ``arr``: float32 and float64 stay, float16 goes
    to float32, integers, bools and long double go to float64. Others raise TypeError."""
    kind = arr.dtype.kind
    if kind == "f":
        if arr.dtype.itemsize == 4 or arr.dtype.itemsize == 2:
            return np.dtype(np.float32)
        return np.dtype(np.float64)
    if kind in "iub":
        return np.dtype(np.float64)
    raise TypeError(
        f"{name} must hold real numbers (float32, float64, integers or bools); got dtype "
        f"{arr.dtype}. Convert it, e.g. np.asarray({name}, dtype=float)"
    )


def first_nan_index(arr):
    """Index tuple of the first NaN in ``arr`` (NumPy or CuPy), or None."""
    if arr.dtype.kind != "f" or arr.size == 0:
        return None
    xp = cupy_module() if is_gpu_array(arr) else np
    if not bool(xp.isnan(arr.min())):  # min propagates NaN: one pass, no temporary array
        return None
    bad = xp.isnan(arr)
    if not bool(bad.any()):
        return None
    flat = int(xp.argmax(bad.ravel()))
    return tuple(int(i) for i in np.unravel_index(flat, arr.shape))


@dataclass(frozen=True)
class Points:
    """Validated points: a C-contiguous (B, n, m) float array in minimization form."""

    data: object  # numpy.ndarray or cupy.ndarray, never the caller's buffer when flipped
    batched: bool
    on_gpu: bool

    @property
    def shape(self):
        return self.data.shape


def points(x, maximize=False, name: str = "points", dtype=None) -> Points:
    """Validate an (n, m) problem or a (B, n, m) batch and flip maximized objectives.

    ``dtype`` forces the working dtype (e.g. float64 for hypervolumes); by default float32
    stays float32 and the rest follows :func:`real_dtype`."""
    arr = as_array(x, name)
    if arr.ndim not in (2, 3):
        raise ValueError(
            f"{name} must be a 2-D array of shape (n, m) or a 3-D batch of shape (B, n, m); "
            f"got shape {_shape_text(arr.shape)}"
        )
    m = arr.shape[-1]
    if m == 0:
        raise ValueError(
            f"{name} must have at least one objective (last axis m >= 1); "
            f"got shape {_shape_text(arr.shape)}"
        )
    if m > MAX_OBJECTIVES:
        raise ValueError(
            f"{name} has {m} objectives (last axis); at most {MAX_OBJECTIVES} are supported. "
            "Did you pass the transpose? Points are rows: shape (n, m)"
        )
    if arr.shape[-2] > MAX_POINTS:
        raise ValueError(
            f"{name} has {arr.shape[-2]} points per problem; at most {MAX_POINTS} are supported"
        )
    dtype = real_dtype(arr, name) if dtype is None else np.dtype(dtype)
    bad = first_nan_index(arr)
    if bad is not None:
        raise ValueError(
            f"{name} contains NaN at index {bad}; NaN objectives cannot be ordered. "
            "Remove those points or replace NaN (e.g. by +inf for a failed evaluation)"
        )
    flips = maximize_mask(maximize, m)
    on_gpu = is_gpu_array(arr)
    xp = cupy_module() if on_gpu else np
    if flips is None:
        data = xp.ascontiguousarray(arr, dtype=dtype)
    else:  # a new array: the caller's points are never modified
        sign = xp.asarray(np.where(flips, -1.0, 1.0).astype(dtype))
        data = xp.ascontiguousarray(xp.asarray(arr, dtype=dtype) * sign)
    batched = arr.ndim == 3
    if not batched:
        data = data[None, :, :]
    return Points(data=data, batched=batched, on_gpu=on_gpu)


def maximize_mask(maximize, m: int):
    """None when every objective is minimized, else a bool array of length m (True = flip)."""
    if isinstance(maximize, (bool, np.bool_)):
        return np.ones(m, dtype=bool) if maximize else None
    try:
        flags = np.asarray(maximize)
    except ValueError:
        flags = np.asarray([None])
    if flags.ndim != 1 or flags.dtype.kind not in "biu" or (
        flags.dtype.kind in "iu" and not np.isin(flags, (0, 1)).all()
    ):
        raise TypeError(
            f"maximize must be a bool or a sequence of {m} bools (one per objective); "
            f"got {maximize!r}"
        )
    if flags.shape[0] != m:
        raise ValueError(
            f"maximize must be a bool or a sequence of m={m} bools (one per objective); "
            f"got {flags.shape[0]} values"
        )
    flags = flags.astype(bool)
    return flags if flags.any() else None


def optional_count(value, name: str, minimum: int):
    """None, or an int >= minimum (bools are refused: they are a common slip)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be None or an integer >= {minimum}; got {value!r}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be None or an integer >= {minimum}; got {value}")
    return value


def ranks_for(ranks, pts: Points, unranked: int, name: str = "ranks"):
    """Validate ranks matching validated points; returns a C-contiguous int32 (B, n) array."""
    arr = as_array(ranks, name)
    if is_gpu_array(arr) != pts.on_gpu:
        where = "GPU" if pts.on_gpu else "CPU"
        raise TypeError(
            f"{name} must live on the same device as points ({where}); got a "
            f"{'GPU' if is_gpu_array(arr) else 'CPU'} array. Move one of them"
        )
    expected = pts.shape[:2] if pts.batched else pts.shape[1:2]
    if tuple(arr.shape) != tuple(expected):
        raise ValueError(
            f"{name} must have shape {_shape_text(expected)} to match points of shape "
            f"{_shape_text(pts.shape if pts.batched else pts.shape[1:])}; "
            f"got shape {_shape_text(arr.shape)}"
        )
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must be an integer array (e.g. the output of pareto_rank); got dtype "
            f"{arr.dtype}"
        )
    if arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi > unranked:
            raise ValueError(
                f"{name} must hold ranks in [0, {unranked}] (0 = first front, {unranked} = "
                f"tradeoff.UNRANKED); got values from {lo} to {hi}"
            )
    xp = cupy_module() if pts.on_gpu else np
    out = xp.ascontiguousarray(arr, dtype=np.int32)
    if not pts.batched:
        out = out[None, :]
    return out


def reference(ref, pts: Points, maximize=False, name: str = "ref"):
    """Validate a reference point for validated points: shape (m,) or, for a batch, (B, m);
    finite. Returns a C-contiguous float64 (B, m) array in minimization form, on the points'
    device (a small host array is moved to the GPU and back as needed)."""
    arr = as_array(ref, name)
    n_batch, _, m = pts.shape
    if arr.dtype.kind not in "fiub":
        real_dtype(arr, name)  # raises the dtype message
    allowed = [(m,)] + ([(n_batch, m)] if pts.batched else [])
    if tuple(arr.shape) not in allowed:
        expected = " or ".join(_shape_text(s) for s in allowed)
        raise ValueError(
            f"{name} must have shape {expected} (one value per objective"
            f"{', or one row per problem' if pts.batched else ''}); got shape "
            f"{_shape_text(arr.shape)}"
        )
    host = np.asarray(arr.get() if is_gpu_array(arr) else arr, dtype=np.float64)
    if not np.isfinite(host).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(host))[0])
        raise ValueError(
            f"{name} must be finite; got {host[bad]} at index {bad}. The reference point bounds "
            "the volume: use a point slightly worse than the worst value of each objective"
        )
    flips = maximize_mask(maximize, m)
    if flips is not None:
        host = np.where(flips, -host, host)
    host = np.ascontiguousarray(np.broadcast_to(host, (n_batch, m)), dtype=np.float64)
    return cupy_module().asarray(host) if pts.on_gpu else host


def candidates_for(x, pts: Points, maximize=False, name: str = "candidates"):
    """Validate candidate points for validated points: (m,) or (k, m) for one problem,
    (B, k, m) for a batch. Returns (float64 (B, k, m) array in minimization form, single)
    where ``single`` says a lone (m,) candidate was given."""
    arr = as_array(x, name)
    n_batch, _, m = pts.shape
    single = arr.ndim == 1 and not pts.batched
    if single:
        arr = arr[None, :]
    expected_ndim = 3 if pts.batched else 2
    if arr.ndim != expected_ndim or arr.shape[-1] != m or (
        pts.batched and arr.shape[0] != n_batch
    ):
        expected = f"({n_batch}, k, {m})" if pts.batched else f"(k, {m}) or ({m},)"
        raise ValueError(
            f"{name} must have shape {expected} to match points of shape "
            f"{_shape_text(pts.shape if pts.batched else pts.shape[1:])}; got shape "
            f"{_shape_text(arr.shape)}"
        )
    if is_gpu_array(arr) != pts.on_gpu:
        arr = cupy_module().asarray(arr) if pts.on_gpu else np.asarray(arr.get())
    cands = points(arr, maximize, name=name, dtype=np.float64)
    return cands.data, single


# --- entropic transport (transport.py) ----------------------------------------------------------


@dataclass(frozen=True)
class Transport:
    """A validated transport input: a C-contiguous (B, n, m) cost, or (B, n, d) and (B, m, d)
    point clouds, in float32 or float64."""

    data: object  # the cost (B, n, m), or the first cloud (B, n, d)
    other: object  # None, or the second cloud (B, m, d)
    batched: bool
    on_gpu: bool
    n: int
    m: int
    has_inf: bool = False  # the cost holds +inf (forbidden pairs)
    lo: float = 0.0  # the smallest cost

    @property
    def batch(self) -> int:
        return self.data.shape[0]


def _xp(on_gpu):
    return cupy_module() if on_gpu else np


def transport_cost(cost, name: str = "cost") -> Transport:
    """A cost matrix (n, m) or batch (B, n, m): real, no NaN, no -inf (+inf = forbidden pair),
    not empty."""
    arr = as_array(cost, name)
    if arr.ndim not in (2, 3):
        raise ValueError(
            f"{name} must be a 2-D array of shape (n, m) or a 3-D batch of shape (B, n, m); "
            f"got shape {_shape_text(arr.shape)}"
        )
    dtype = real_dtype(arr, name)
    if 0 in arr.shape:
        raise ValueError(
            f"{name} is empty (shape {_shape_text(arr.shape)}): transport needs at least one "
            "point on each side (n >= 1 and m >= 1) and one problem"
        )
    on_gpu = is_gpu_array(arr)
    xp = _xp(on_gpu)
    lo, hi = float(arr.min()), float(arr.max())  # two reductions find NaN, -inf and +inf
    if math.isnan(lo) or math.isnan(hi):
        bad = first_nan_index(arr)
        raise ValueError(
            f"{name} contains NaN at index {bad}; NaN costs have no meaning. Use +inf for a "
            "forbidden pair, or replace NaN"
        )
    if lo == -math.inf:
        idx = tuple(int(i) for i in np.unravel_index(int(xp.argmin(arr)), arr.shape))
        raise ValueError(
            f"{name} contains -inf at index {idx}; a cost of -inf would make the transport cost "
            "unbounded. Use +inf for a forbidden pair, or clip the costs"
        )
    data = xp.ascontiguousarray(arr, dtype=dtype)
    batched = arr.ndim == 3
    if not batched:
        data = data[None]
    return Transport(data, None, batched, on_gpu, data.shape[1], data.shape[2],
                     has_inf=hi == math.inf, lo=lo)


def point_clouds(x, y) -> Transport:
    """Point clouds x (n, d), y (m, d) or batches (B, n, d), (B, m, d): finite, same d."""
    arrs = []
    for arr, name in ((as_array(x, "x"), "x"), (as_array(y, "y"), "y")):
        if arr.ndim not in (2, 3):
            raise ValueError(
                f"{name} must be a 2-D array of points, shape ({'n' if name == 'x' else 'm'}, d), "
                f"or a 3-D batch (B, {'n' if name == 'x' else 'm'}, d); got shape "
                f"{_shape_text(arr.shape)}"
            )
        real_dtype(arr, name)
        if 0 in arr.shape:
            raise ValueError(
                f"{name} is empty (shape {_shape_text(arr.shape)}): transport needs at least one "
                "point with at least one coordinate on each side"
            )
        bad = first_nan_index(arr)
        if bad is not None:
            raise ValueError(f"{name} contains NaN at index {bad}; points must be finite")
        if arr.dtype.kind == "f" and not bool(_xp(is_gpu_array(arr)).isfinite(arr).all()):
            idx = tuple(int(i) for i in np.argwhere(~np.isfinite(to_host(arr)))[0])
            raise ValueError(f"{name} contains an infinite coordinate at index {idx}; points "
                             "must be finite")
        arrs.append(arr)
    xa, ya = arrs
    if xa.ndim != ya.ndim or xa.shape[-1] != ya.shape[-1] or (
        xa.ndim == 3 and xa.shape[0] != ya.shape[0]
    ):
        raise ValueError(
            f"x and y must have the same number of coordinates d (last axis) and, for a batch, "
            f"the same batch size; got shapes {_shape_text(xa.shape)} and {_shape_text(ya.shape)}"
        )
    if is_gpu_array(xa) != is_gpu_array(ya):
        raise TypeError("x and y must live on the same device (both NumPy or both CuPy arrays)")
    if xa.shape[-1] > MAX_COORDINATES:
        raise ValueError(
            f"x and y have {xa.shape[-1]} coordinates per point (last axis); at most "
            f"{MAX_COORDINATES} are supported. Did you pass the transpose? Points are rows: "
            "shape (n, d)"
        )
    dtype = np.result_type(real_dtype(xa, "x"), real_dtype(ya, "y"))
    on_gpu = is_gpu_array(xa)
    xp = _xp(on_gpu)
    xd, yd = xp.ascontiguousarray(xa, dtype=dtype), xp.ascontiguousarray(ya, dtype=dtype)
    batched = xa.ndim == 3
    if not batched:
        xd, yd = xd[None], yd[None]
    return Transport(xd, yd, batched, on_gpu, xd.shape[1], yd.shape[1])


def to_host(arr) -> np.ndarray:
    return arr.get() if is_gpu_array(arr) else np.asarray(arr)


def transport_weights(w, name: str, size: int, prob: Transport):
    """Weights for one side: None (uniform 1/size), (size,) shared by the batch, or (B, size).
    Nonnegative, finite, with a positive total per problem. Returns float64 (B, size)."""
    xp = _xp(prob.on_gpu)
    if w is None:
        return xp.full((prob.batch, size), 1.0 / size, dtype=np.float64)
    arr = as_array(w, name)
    if arr.dtype.kind not in "fiub":
        real_dtype(arr, name)  # raises the dtype message
    allowed = [(size,)] + ([(prob.batch, size)] if prob.batched else [])
    if tuple(arr.shape) not in allowed:
        expected = " or ".join(_shape_text(s) for s in allowed)
        raise ValueError(
            f"{name} must have shape {expected} to match the problem; got shape "
            f"{_shape_text(arr.shape)}"
        )
    host = np.asarray(to_host(arr), dtype=np.float64)
    if not np.isfinite(host).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(host))[0])
        raise ValueError(f"{name} must be finite; got {host[bad]} at index {bad}")
    if (host < 0).any():
        bad = tuple(int(i) for i in np.argwhere(host < 0)[0])
        raise ValueError(
            f"{name} must be nonnegative (weights are masses); got {host[bad]} at index {bad}"
        )
    host = np.ascontiguousarray(np.broadcast_to(host, (prob.batch, size)))
    totals = host.sum(axis=1)
    if (totals <= 0).any():
        k = int(np.argmin(totals > 0))
        where = f" (problem {k} of the batch)" if prob.batched else ""
        raise ValueError(
            f"{name} must have a positive total mass{where}; got all zeros. Give at least one "
            "point a positive weight"
        )
    return xp.asarray(host) if prob.on_gpu else host


def balanced_weights(a, b, prob: Transport, dtypes):
    """Balanced transport needs equal totals: they must agree to a relative 1e-6 (1e-4 when a
    weight array is float32); b is then rescaled to a's total exactly. Returns b."""
    rtol = 1e-4 if any(np.dtype(d) in (np.float32, np.float16) for d in dtypes) else 1e-6
    sa, sb = to_host(a).sum(axis=1), to_host(b).sum(axis=1)
    off = np.abs(sa - sb) > rtol * np.maximum(sa, sb)
    if off.any():
        k = int(np.argmax(off))
        where = f" (problem {k} of the batch)" if prob.batched else ""
        raise ValueError(
            f"a and b must have equal totals for balanced transport{where}; got sum(a) = "
            f"{sa[k]:.17g} and sum(b) = {sb[k]:.17g}. Normalize both (a / a.sum(), "
            "b / b.sum()), or pass tau= for unbalanced transport"
        )
    scale = _xp(prob.on_gpu).asarray((sa / sb)[:, None])
    return b * scale


def positive_finite(value, name: str, hint: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive number; got {value!r}")
    value = float(value)
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a positive finite number; got {value}. {hint}")
    return value


def kl_strengths(tau):
    """tau: None or inf (balanced), a positive number (both sides) or a pair (tau_a, tau_b);
    inf on a side makes that marginal hard."""
    pair = tau if isinstance(tau, (tuple, list)) else (tau, tau)
    if len(pair) != 2:
        raise ValueError(f"tau must be None, a number or a pair (tau_a, tau_b); got {tau!r}")
    out = []
    for t in pair:
        if t is None:
            out.append(math.inf)
            continue
        if isinstance(t, (bool, np.bool_)) or not isinstance(t, numbers.Real) or math.isnan(t):
            raise TypeError(f"tau must be None, a number or a pair (tau_a, tau_b); got {tau!r}")
        if not t > 0:
            raise ValueError(
                f"tau must be positive (the strength of the KL penalty on a marginal; inf for a "
                f"hard marginal); got {t}"
            )
        out.append(float(t))
    return out[0], out[1]


def choice(value, name: str, options: dict) -> int:
    if not isinstance(value, str) or value not in options:
        raise ValueError(
            f"{name} must be one of {', '.join(repr(k) for k in options)}; got {value!r}"
        )
    return options[value]


def nonnegative_float(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number >= 0; got {value!r}")
    value = float(value)
    if not value >= 0:
        raise ValueError(f"{name} must be a number >= 0; got {value}")
    return value


def annealing_factor(value):
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"eps_scaling must be None or a factor in (0, 1); got {value!r}")
    value = float(value)
    if not 0 < value < 1:
        raise ValueError(
            f"eps_scaling must be None or a factor in (0, 1) (each stage multiplies eps by it, "
            f"e.g. 0.5); got {value}"
        )
    return value


def initial_potentials(init, prob: Transport):
    """``init``: None (zeros) or a pair (f, g) of shapes (n,), (m,) or, for a batch, (B, n),
    (B, m); finite. Returns float64 (B, n), (B, m) copies."""
    xp = _xp(prob.on_gpu)
    if init is None:
        return xp.zeros((prob.batch, prob.n)), xp.zeros((prob.batch, prob.m))
    if not isinstance(init, (tuple, list)) or len(init) != 2:
        raise TypeError(
            "init must be None or a pair (f, g) of potentials, e.g. init=(result.f, result.g); "
            f"got {type(init).__name__}"
        )
    out = []
    for value, name, size in ((init[0], "f", prob.n), (init[1], "g", prob.m)):
        arr = as_array(value, f"init {name}")
        allowed = [(size,)] + ([(prob.batch, size)] if prob.batched else [])
        if tuple(arr.shape) not in allowed:
            expected = " or ".join(_shape_text(s) for s in allowed)
            raise ValueError(
                f"init potential {name} must have shape {expected}; got shape "
                f"{_shape_text(arr.shape)}"
            )
        real_dtype(arr, f"init potential {name}")
        host = np.asarray(to_host(arr), dtype=np.float64)
        if not np.isfinite(host).all():
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(host))[0])
            raise ValueError(f"init potential {name} must be finite; got {host[bad]} at {bad}")
        host = np.ascontiguousarray(np.broadcast_to(host, (prob.batch, size)), dtype=np.float64)
        out.append(xp.asarray(host) if prob.on_gpu else host)
    return out[0], out[1]


def feasible_support(prob: Transport, a, b, error):
    """Every row must have a finite cost to some column of positive weight, and every column to
    some row of positive weight (else its potential is infinite and, with positive weight, the
    balanced problem is infeasible): raises ``error`` (InfeasibleError) naming the first."""
    if not prob.has_inf:
        return
    cost, batched = prob.data, prob.batched
    xp = _xp(prob.on_gpu)
    finite = xp.isfinite(cost)
    for axis, w, side, other in ((2, b, "row", "column"), (1, a, "column", "row")):
        wpos = (w > 0)[:, None, :] if axis == 2 else (w > 0)[:, :, None]
        ok = xp.any(finite & wpos, axis=axis)
        if not bool(ok.all()):
            k, i = (int(v) for v in np.argwhere(~to_host(ok))[0])
            where = f" of problem {k}" if batched else ""
            raise error(
                f"{side} {i}{where} has no finite cost to any {other} of positive weight (every "
                f"such pair is forbidden by +inf): no transport plan exists. Allow at least one "
                f"pair for it, or remove the {side}"
            )


# --- linear assignment ----------------------------------------------------------------------


class Assignment:
    """A validated assignment input: a C-contiguous (B, n, m) cost in float32 or float64 and the
    active size (rows, cols) of every instance. (A slotted class, not a dataclass: it is built
    on every call, and small problems take microseconds.)"""

    __slots__ = ("cost", "rows", "cols", "batched", "on_gpu", "maximize")

    def __init__(self, cost, rows, cols, batched: bool, on_gpu: bool, maximize: bool):
        self.cost = cost
        self.rows = rows  # (B,) int64 on the cost's device
        self.cols = cols
        self.batched = batched
        self.on_gpu = on_gpu
        self.maximize = maximize

    @property
    def shape(self):
        return self.cost.shape


def _memory_limit() -> int:
    """Bytes a copy of the input may take: the machine's physical memory (a copy larger than that
    cannot succeed), or 2**40 where it cannot be read."""
    try:
        import os

        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 2**40


def flag(value, name: str) -> bool:
    """A True/False switch (bool, numpy bool, or the integers 0 and 1)."""
    if isinstance(value, (bool, np.bool_)) or (
        isinstance(value, numbers.Integral) and int(value) in (0, 1)
    ):
        return bool(value)
    raise TypeError(f"{name} must be True or False; got {value!r}")


def _sizes(sizes, batch: int, n: int, m: int, xp):
    """Per-instance active sizes: None (every instance is the full (n, m)), (B,) square sizes or
    (B, 2) (rows, cols) pairs."""
    if sizes is None:
        rows = xp.full(batch, n, dtype=np.int64)
        cols = xp.full(batch, m, dtype=np.int64)
        return rows, cols
    arr = np.asarray(to_host(sizes) if is_gpu_array(sizes) else sizes)
    shape = _shape_text(arr.shape)
    if arr.ndim == 0 or arr.ndim > 2 or arr.shape[0] != batch or (
        arr.ndim == 2 and arr.shape[1] != 2
    ):
        raise ValueError(
            f"sizes must have shape ({batch},) (square instances) or ({batch}, 2) (rows and "
            f"columns of each instance) for a batch of {batch} problems; got shape {shape}"
        )
    if arr.size and arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(
                f"sizes must hold integers; got dtype {arr.dtype} "
                f"({arr.ravel()[:5].tolist()}...). Pass whole numbers of rows and columns"
            )
    arr = arr.astype(np.int64, copy=False)
    if arr.ndim == 1:
        if n != m and arr.size and arr.max() > min(n, m):
            b = int(np.argmax(arr > min(n, m)))
            raise ValueError(
                f"sizes[{b}] = {int(arr[b])} exceeds the cost's shape: a square instance of "
                f"size s uses cost[b, :s, :s], so s must be at most min(n, m) = {min(n, m)}"
            )
        rows, cols = arr, arr
    else:
        rows, cols = arr[:, 0], arr[:, 1]
    for vals, name, limit in ((rows, "rows", n), (cols, "columns", m)):
        if vals.size == 0:
            continue
        if vals.min() < 0:
            b = int(np.argmin(vals))
            raise ValueError(
                f"sizes must be >= 0; instance {b} has {int(vals[b])} {name}"
            )
        if vals.max() > limit:
            b = int(np.argmax(vals))
            raise ValueError(
                f"sizes ask for {int(vals[b])} {name} in instance {b}, but the cost has only "
                f"{limit} {name} (shape {_shape_text((batch, n, m))}); sizes must fit inside it"
            )
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    cols = np.ascontiguousarray(cols, dtype=np.int64)
    return xp.asarray(rows), xp.asarray(cols)


def assignment_cost(cost, maximize, sizes=None) -> Assignment:
    """A cost matrix (n, m) or batch (B, n, m) of real numbers, with optional per-instance sizes.

    NaN and the wrong infinity are found by the kernels (status 2, see
    :func:`invalid_assignment_entry`) so that valid input is read once.
    """
    if (  # the common case, checked in a few microseconds: a contiguous float NumPy array
        sizes is None
        and type(cost) is np.ndarray
        and type(maximize) is bool
        and cost.dtype.char in "df"
        and cost.flags.c_contiguous
        and 2 <= cost.ndim <= 3
        and cost.shape[-1] <= MAX_POINTS
        and cost.shape[-2] <= MAX_POINTS
    ):
        batched = cost.ndim == 3
        data = cost if batched else cost[None]
        B, n, m = data.shape
        rows = np.full(B, n, dtype=np.int64) if B > 1 else np.array([n] * B, dtype=np.int64)
        cols = np.full(B, m, dtype=np.int64) if B > 1 else np.array([m] * B, dtype=np.int64)
        return Assignment(data, rows, cols, batched, False, maximize)
    maximize = flag(maximize, "maximize")
    arr = as_array(cost, "cost")
    if arr.ndim not in (2, 3):
        raise ValueError(
            f"cost must be a 2-D array of shape (n, m) or a 3-D batch of shape (B, n, m); "
            f"got shape {_shape_text(arr.shape)}"
        )
    dtype = real_dtype(arr, "cost")
    batched = arr.ndim == 3
    if not batched and sizes is not None:
        raise ValueError(
            "sizes applies to a batch: give a 3-D cost (B, n, m) with sizes of shape (B,) or "
            "(B, 2), or drop sizes and pass the instance's own (n, m) cost"
        )
    n, m = arr.shape[-2], arr.shape[-1]
    for size, what in ((n, "rows"), (m, "columns")):
        if size > MAX_POINTS:
            raise ValueError(
                f"cost has {size} {what}; at most {MAX_POINTS} are supported (indices are 32-bit "
                "in the kernels)"
            )
    needs_copy = arr.dtype != dtype or not arr.flags.c_contiguous
    if needs_copy:
        nbytes = int(np.prod(arr.shape, dtype=object)) * dtype.itemsize
        limit = _memory_limit()
        if nbytes > limit:
            raise MemoryError(
                f"cost of shape {_shape_text(arr.shape)} and dtype {arr.dtype} needs a contiguous "
                f"{dtype} copy of {nbytes / 2**30:.1f} GiB, more than this machine's "
                f"{limit / 2**30:.1f} GiB of memory; pass a smaller problem (a broadcast or "
                "strided view is copied before solving)"
            )
    on_gpu = is_gpu_array(arr)
    xp = _xp(on_gpu)
    data = xp.ascontiguousarray(arr, dtype=dtype)
    if not batched:
        data = data[None]
    rows, cols = _sizes(sizes, data.shape[0], n, m, xp)
    return Assignment(data, rows, cols, batched, on_gpu, maximize)


def invalid_assignment_entry(prob: Assignment, b: int) -> ValueError:
    """The error for instance ``b`` whose kernel status said it holds NaN or the wrong infinity:
    names the first bad entry."""
    r, c = int(to_host(prob.rows[b : b + 1])[0]), int(to_host(prob.cols[b : b + 1])[0])
    block = to_host(prob.cost[b, :r, :c])
    wrong = np.inf if prob.maximize else -np.inf
    bad = np.isnan(block) | (block == wrong)
    i, j = (int(t) for t in np.unravel_index(int(np.argmax(bad.ravel())), block.shape))
    where = f"[{b}, {i}, {j}]" if prob.batched else f"[{i}, {j}]"
    value = block[i, j]
    if np.isnan(value):
        return ValueError(
            f"cost{where} is NaN; every cost must be a number. Mark a forbidden pair with "
            f"{'-inf (maximize=True)' if prob.maximize else '+inf'}, or replace NaN"
        )
    if prob.maximize:
        return ValueError(
            f"cost{where} is +inf with maximize=True, which would make the total unbounded; "
            "mark a forbidden pair with -inf when maximizing, or clip the values"
        )
    return ValueError(
        f"cost{where} is -inf, which would make the total unbounded; mark a forbidden pair "
        "with +inf (or -inf with maximize=True), or clip the values"
    )


# ---------------------------------------------------------------------------------------------
# Budgets: knapsack and multiple-choice knapsack

_INT64_MAX = 2**63 - 1
#: Bytes one stored state costs the native state-list engine, with its working lists.
_STATE_BYTES = 64


class Budget:
    """A validated knapsack or multiple-choice knapsack input, in the kernel interface's form:
    C-contiguous int64 or float64 ``values`` and ``weights`` with a leading batch axis, the
    capacity (or budget) per instance in the weights' dtype, and the rest of the call."""

    __slots__ = ("batched", "capacity", "counts", "flat_index", "groups", "mask", "max_states",
                 "on_gpu", "user_limit", "values", "weights")

    def __init__(self, values, weights, capacity, counts, mask, batched, on_gpu, max_states,
                 user_limit, flat_index=None, groups=None):
        self.values = values
        self.weights = weights
        self.capacity = capacity
        self.counts = counts
        self.mask = mask
        self.batched = batched
        self.on_gpu = on_gpu
        self.max_states = max_states
        self.user_limit = user_limit
        self.flat_index = flat_index  # mckp with `groups`: (g, kmax) index into the flat input
        self.groups = groups


def _exact_dtype(arr, name: str):
    """int64 for integers and bools, float64 for floats (both exact); TypeError otherwise."""
    kind = arr.dtype.kind
    if kind in "iub":
        return np.dtype(np.int64)
    if kind == "f" and arr.dtype.itemsize <= 8:
        return np.dtype(np.float64)
    raise TypeError(
        f"{name} must hold real numbers (integers, bools, float16/32/64); got dtype {arr.dtype}. "
        f"Convert it, e.g. np.asarray({name}, dtype=float)"
    )


def _at(idx) -> str:
    """``[i, j]`` for an index tuple (the position in the caller's own array)."""
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


def _first(bad, xp):
    """Index tuple of the first True entry of ``bad``, or None."""
    if not bool(bad.any()):
        return None
    flat = int(xp.argmax(bad.ravel()))
    return tuple(int(i) for i in np.unravel_index(flat, bad.shape))


def _numbers(x, name: str, ndim_ok, what: str, *, negative_ok: bool, valid=None):
    """An array of exact numbers (int64 or float64, C-contiguous, never the caller's buffer
    when a copy is needed), checked finite and (unless ``negative_ok``) >= 0 where ``valid``."""
    arr = as_array(x, name)
    if arr.ndim not in ndim_ok:
        raise ValueError(f"{name} must be {what}; got shape {_shape_text(arr.shape)}")
    dtype = _exact_dtype(arr, name)
    if arr.dtype.kind == "u" and arr.size and arr.dtype.itemsize == 8:
        xp0 = cupy_module() if is_gpu_array(arr) else np
        if bool((arr > _INT64_MAX).any()):
            idx = _first(arr > _INT64_MAX, xp0)
            raise ValueError(
                f"{name}{_at(idx)} = {int(arr[idx])} exceeds the int64 range the "
                "kernels use; pass smaller numbers or floats"
            )
    on_gpu = is_gpu_array(arr)
    xp = _xp(on_gpu)
    data = xp.ascontiguousarray(arr, dtype=dtype)
    if dtype.kind == "f" and data.size:
        check = data if valid is None else xp.where(valid, data, 0.0)
        if not bool(xp.isfinite(check).all()):
            idx = _first(~xp.isfinite(check), xp)
            val = float(data[idx])
            kind = "NaN" if math.isnan(val) else ("+inf" if val > 0 else "-inf")
            raise ValueError(
                f"{name}{_at(idx)} is {kind}; every entry of {name} must be a finite number. "
                "Replace it, or leave the item (option) out"
            )
    if not negative_ok and data.size:
        check = data if valid is None else xp.where(valid, data, 0)
        if bool((check < 0).any()):
            idx = _first(check < 0, xp)
            raise ValueError(
                f"{name}{_at(idx)} = {data[idx].item()!r} is negative; {name} "
                "must be >= 0 (an item worth nothing, or costing nothing, is fine: 0)"
            )
    return data, on_gpu


def _limit(capacity, name: str, batch: int, batched: bool, weights, on_gpu: bool, counts=None,
           groups: bool = False, values=None):
    """The capacity (or budget): a number >= 0 (+inf = unlimited) or one per instance, in the
    weights' dtype. Integer weights take floor(capacity); a capacity beyond int64 is only exact
    when the total weight is smaller, and then becomes that total."""
    arr = np.asarray(to_host(capacity) if is_gpu_array(capacity) else capacity)
    if arr.dtype == object and all(isinstance(c, numbers.Integral) for c in arr.ravel()):
        # Python integers beyond int64: the nearest float64 not above each (floor semantics)
        flat = [float(c) if float(c) <= c else math.nextafter(float(c), 0.0) for c in arr.ravel()]
        arr = np.array(flat, dtype=np.float64).reshape(arr.shape)
    if arr.dtype.kind not in "iubf" or (arr.dtype.kind == "f" and arr.dtype.itemsize > 8):
        raise TypeError(f"{name} must be a real number; got {capacity!r} (dtype {arr.dtype})")
    if arr.ndim == 0:
        arr = np.full(batch, arr.item(), dtype=arr.dtype)
    elif not batched or arr.shape != (batch,):
        expect = f"a number or an array of shape ({batch},), one per instance" if batched else (
            "a number (a single problem)")
        raise ValueError(f"{name} must be {expect}; got shape {_shape_text(arr.shape)}")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        b = int(np.argmax(np.isnan(arr)))
        where = f"{name}[{b}]" if batched else name
        raise ValueError(f"{where} is NaN; it must be a number >= 0 (+inf means unlimited)")
    if (arr < 0).any():
        b = int(np.argmax(arr < 0))
        where = f"{name}[{b}]" if batched else name
        raise ValueError(
            f"{where} = {arr[b].item()!r} is negative; it must be >= 0 (+inf means unlimited)"
        )
    if weights.dtype.kind == "f":
        out = arr.astype(np.float64)
    else:
        big = arr.astype(np.float64) >= 2.0**63 if arr.dtype.kind == "f" else (
            arr > _INT64_MAX if arr.dtype.kind == "u" else np.zeros(batch, dtype=bool))
        out = np.empty(batch, dtype=np.int64)
        small = ~big
        out[small] = np.floor(arr[small]) if arr.dtype.kind == "f" else arr[small]
        for b in np.flatnonzero(big):
            w = to_host(weights[b]).astype(object)
            if counts is not None:
                w = w * to_host(counts[b]).astype(object)
            if values is not None:  # worthless items are never chosen
                w = np.where(to_host(values[b]) > 0, w, 0)
            if groups:  # one option per group: the heaviest choice (masked options are 0)
                w = w.max(axis=-1) if w.size else w
            total = int(np.sum(w)) if w.size else 0
            if total > _INT64_MAX:
                where = f"{name}[{b}]" if batched else name
                raise ValueError(
                    f"{where} = {arr[b].item()!r} exceeds the int64 range, and so does the total "
                    "weight of the instance: integer weights and capacities must stay below "
                    "2**63. Scale the weights down"
                )
            out[b] = total
    return _xp(on_gpu).asarray(out)


def max_states_arg(max_states):
    """The state budget per instance: the caller's (the search may then stop early and say
    optimal=False), or a default from memory (exceeding it raises MemoryError)."""
    if max_states is None:
        return max(1, min(2**62, _memory_limit() // (_STATE_BYTES * 4))), False
    if isinstance(max_states, (bool, np.bool_)) or not isinstance(max_states, numbers.Integral):
        raise TypeError(f"max_states must be a positive integer or None; got {max_states!r}")
    if int(max_states) < 1:
        raise ValueError(f"max_states must be >= 1 (states the search may store); got {max_states}")
    return min(int(max_states), 2**62), True


def knapsack_inputs(values, weights, capacity, counts, max_states) -> Budget:
    """Validated 0/1 or bounded knapsack input (see :func:`tradeoff.knapsack`)."""
    what = "a 1-D array (n,) or a 2-D batch (B, n)"
    v, on_gpu = _numbers(values, "values", (1, 2), what, negative_ok=False)
    w, w_gpu = _numbers(weights, "weights", (1, 2), what, negative_ok=False)
    if w_gpu != on_gpu:
        raise ValueError(
            "values and weights must be on the same device (both NumPy or both CuPy); got "
            f"values on {'GPU' if on_gpu else 'CPU'} and weights on {'GPU' if w_gpu else 'CPU'}"
        )
    if v.shape != w.shape:
        raise ValueError(
            f"values and weights must have the same shape (one value and one weight per item); "
            f"got values {_shape_text(v.shape)} and weights {_shape_text(w.shape)}"
        )
    batched = v.ndim == 2
    if not batched:
        v, w = v[None], w[None]
    B = v.shape[0]
    cnt = None
    if counts is not None:
        arr = as_array(counts, "counts")
        expected = v.shape if batched else v.shape[1:]
        if tuple(arr.shape) != tuple(expected):
            raise ValueError(
                f"counts must have the shape of values, {_shape_text(expected)} (how many copies "
                f"of each item may be taken); got {_shape_text(arr.shape)}"
            )
        xp = _xp(is_gpu_array(arr))
        if arr.dtype.kind == "f":
            if arr.size and not bool(xp.isfinite(arr).all()):
                idx = _first(~xp.isfinite(arr), xp)
                raise ValueError(f"counts{_at(idx)} is not finite; counts must be "
                                 "whole numbers >= 0")
            if arr.size and bool((arr != xp.floor(arr)).any()):
                idx = _first(arr != xp.floor(arr), xp)
                raise ValueError(
                    f"counts{_at(idx)} = {arr[idx].item()!r} is not a whole number; "
                    "counts are how many copies of an item may be taken"
                )
        elif arr.dtype.kind not in "iub":
            raise TypeError(f"counts must hold whole numbers >= 0; got dtype {arr.dtype}")
        if arr.size and bool((arr < 0).any()):
            idx = _first(arr < 0, xp)
            raise ValueError(
                f"counts{_at(idx)} = {arr[idx].item()!r} is negative; counts must "
                "be >= 0 (0 leaves the item out)"
            )
        if arr.dtype.kind == "f" and arr.size and bool((arr >= 2.0**63).any()):
            arr = xp.minimum(arr, 2.0**62)  # more copies than 2^62 never fit anything nonzero
        if arr.dtype.kind == "u" and arr.size and bool((arr > _INT64_MAX).any()):
            arr = xp.minimum(arr, _INT64_MAX)
        cnt = _xp(on_gpu).ascontiguousarray(_xp(on_gpu).asarray(arr), dtype=np.int64)
        if not batched:
            cnt = cnt[None]
        if is_gpu_array(arr) != on_gpu:
            raise ValueError("counts must be on the same device as values and weights")
    cap = _limit(capacity, "capacity", B, batched, w, on_gpu, cnt, values=v)
    limit, user = max_states_arg(max_states)
    return Budget(v, w, cap, cnt, None, batched, on_gpu, limit, user)


def mckp_inputs(values, weights, budget, mask, groups, max_states) -> Budget:
    """Validated multiple-choice knapsack input (see :func:`tradeoff.mckp`)."""
    if groups is not None:
        return _mckp_grouped(values, weights, budget, mask, groups, max_states)
    what = "a 2-D array (groups, options) or a 3-D batch (B, groups, options)"
    arr_v = as_array(values, "values")
    valid = None
    on_gpu_mask = None
    if mask is not None:
        m = as_array(mask, "mask")
        if tuple(m.shape) != tuple(arr_v.shape):
            raise ValueError(
                f"mask must have the shape of values, {_shape_text(arr_v.shape)} (True where an "
                f"option exists); got {_shape_text(m.shape)}"
            )
        if m.dtype.kind != "b":
            raise TypeError(f"mask must be a bool array (True where an option exists); got "
                            f"dtype {m.dtype}")
        valid = m
        on_gpu_mask = is_gpu_array(m)
    v, on_gpu = _numbers(arr_v, "values", (2, 3), what, negative_ok=True, valid=valid)
    w, w_gpu = _numbers(weights, "weights", (2, 3), what, negative_ok=False, valid=valid)
    if w_gpu != on_gpu or (on_gpu_mask is not None and on_gpu_mask != on_gpu):
        raise ValueError("values, weights (and mask) must be on the same device")
    if v.shape != w.shape:
        raise ValueError(
            f"values and weights must have the same shape (one value and one weight per "
            f"option); got values {_shape_text(v.shape)} and weights {_shape_text(w.shape)}"
        )
    xp = _xp(on_gpu)
    msk = None
    if valid is not None:
        msk = xp.ascontiguousarray(valid, dtype=np.uint8)
        zero = xp.zeros((), dtype=v.dtype)
        v = xp.ascontiguousarray(xp.where(valid, v, zero))  # the kernels never see the rest
        w = xp.ascontiguousarray(xp.where(valid, w, xp.zeros((), dtype=w.dtype)))
    batched = v.ndim == 3
    if not batched:
        v, w = v[None], w[None]
        msk = None if msk is None else msk[None]
    cap = _limit(budget, "budget", v.shape[0], batched, w, on_gpu, groups=True)
    limit, user = max_states_arg(max_states)
    return Budget(v, w, cap, None, msk, batched, on_gpu, limit, user)


def _mckp_grouped(values, weights, budget, mask, groups, max_states) -> Budget:
    """The ragged form: flat options (N,) with their group ids; padded to (1, g, kmax)."""
    if mask is not None:
        raise ValueError("pass either mask (padded form) or groups (flat form), not both")
    what = "a 1-D array (N,) of options when groups is given"
    v, on_gpu = _numbers(values, "values", (1,), what, negative_ok=True)
    w, _ = _numbers(weights, "weights", (1,), what, negative_ok=False)
    g_arr = np.asarray(to_host(groups) if is_gpu_array(groups) else groups)
    if g_arr.shape != tuple(v.shape) or w.shape != v.shape:
        raise ValueError(
            f"values, weights and groups must have the same shape (N,), one entry per option; "
            f"got {_shape_text(v.shape)}, {_shape_text(w.shape)} and {_shape_text(g_arr.shape)}"
        )
    if g_arr.size and g_arr.dtype.kind not in "iu":
        raise TypeError(f"groups must hold integer group ids 0..g-1; got dtype {g_arr.dtype}")
    g_arr = g_arr.astype(np.int64)
    if g_arr.size and g_arr.min() < 0:
        j = int(np.argmin(g_arr))
        raise ValueError(f"groups[{j}] = {int(g_arr[j])} is negative; group ids are 0..g-1")
    n = g_arr.size
    g = int(g_arr.max()) + 1 if n else 0
    sizes = np.bincount(g_arr, minlength=g)
    empty = np.flatnonzero(sizes == 0)
    if empty.size:
        from ._errors import InfeasibleError

        raise InfeasibleError(
            f"group {int(empty[0])} has no option (groups holds ids up to {g - 1} but never "
            f"{int(empty[0])}); every group needs at least one option, since exactly one is "
            "chosen per group. Renumber the groups 0..g-1"
        )
    kmax = int(sizes.max()) if g else 0
    order = np.argsort(g_arr, kind="stable")
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    pos = np.arange(n) - starts[g_arr[order]]
    flat = np.full((g, kmax), -1, dtype=np.int64)
    flat[g_arr[order], pos] = order
    xp = _xp(on_gpu)
    idx = xp.asarray(flat)
    valid = idx >= 0
    safe = xp.where(valid, idx, 0)
    pv = xp.ascontiguousarray(xp.where(valid, v[safe], xp.zeros((), dtype=v.dtype)))[None]
    pw = xp.ascontiguousarray(xp.where(valid, w[safe], xp.zeros((), dtype=w.dtype)))[None]
    msk = xp.ascontiguousarray(valid, dtype=np.uint8)[None]
    cap = _limit(budget, "budget", 1, False, pw, on_gpu, groups=True)
    limit, user = max_states_arg(max_states)
    return Budget(pv, pw, cap, None, msk, False, on_gpu, limit, user, flat_index=idx,
                  groups=g)
