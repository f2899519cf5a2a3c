"""Every input check and every error message of the public API lives here.

Each message says what was expected, what arrived and how to fix it. Checks run once, in
Python, before any native code or allocation; the native modules trust what they receive.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ._xp import cupy_module, is_gpu_array

#: Largest number of points per problem: ranks and indices are int32 in the kernels.
MAX_POINTS = 2**31 - 2
#: Largest number of objectives.
MAX_OBJECTIVES = 2**15


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
