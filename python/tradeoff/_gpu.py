"""The GPU path: runs the CUDA kernels of ``tradeoff._cuda`` on CuPy arrays.

CPU twin: the ``_core`` calls made by ``pareto.py`` (cpp/bindings/register_pareto.cpp over
cpp/include/tradeoff/pareto.hpp). Kernels: cuda/pareto.cu, launched through the plain-pointer
launchers of cuda/launchers.hpp, bound in cuda/bindings_cuda.cpp.

Callers (the public functions in ``pareto.py``) hand over validated input: CuPy arrays,
C-contiguous, float32 or float64, shape (B, n, m), objectives already flipped to minimization.
This module allocates the outputs and every device workspace with CuPy (the C++ side never
allocates), launches on CuPy's current stream of the array's device, and returns CuPy arrays on
that device. ``pareto_rank`` waits for its kernels (it reads one counter per group of fronts);
``nondominated`` is asynchronous on the stream like any CuPy operation.

``_cuda`` and CuPy are imported lazily, so importing this module never fails.
"""

from __future__ import annotations

import importlib
import threading

_NOT_BUILT = (
    "tradeoff was built without its CUDA module (tradeoff._cuda): nvcc was not found when the "
    "package was built, or TRADEOFF_CUDA=OFF was set. Rebuild it with the CUDA toolkit on PATH: "
    "`TRADEOFF_CUDA=ON pip install .` (ON fails loudly when nvcc is missing); "
    "`pip install tradeoff[cuda]` installs CuPy. Or pass NumPy arrays to run on the CPU."
)

_lock = threading.Lock()
_probed: set[int] = set()  # devices on which the kernels were found to run


def _cuda_module():
    """``tradeoff._cuda``, or ImportError saying why it is missing and how to get it."""
    try:
        return importlib.import_module("tradeoff._cuda")
    except ModuleNotFoundError as exc:
        if exc.name != "tradeoff._cuda":
            raise
        raise ImportError(_NOT_BUILT) from exc
    except ImportError as exc:  # the file is there but does not load (broken build)
        raise ImportError(
            f"tradeoff._cuda is installed but failed to load: {exc}. Reinstall tradeoff "
            "(`TRADEOFF_CUDA=ON pip install --force-reinstall .`), or pass NumPy arrays to run "
            "on the CPU."
        ) from exc


def _cupy():
    """The CuPy module, or ImportError naming the extra that installs it."""
    try:
        import cupy
    except ImportError as exc:
        raise ImportError(
            "the GPU path needs CuPy, which is not installed; install it with "
            "`pip install tradeoff[cuda]` (CuPy for CUDA 13)"
        ) from exc
    return cupy


def _version_text(v: int) -> str:
    return f"{v // 1000}.{(v % 1000) // 10}"


def unavailable_reason() -> str | None:
    """None when the GPU path can run here, else a sentence saying why not."""
    try:
        mod = _cuda_module()
    except ImportError as exc:
        return str(exc)
    try:
        _cupy()
    except ImportError as exc:
        return str(exc)
    if mod.device_count() > 0:
        return None
    runtime, driver = mod.runtime_version(), mod.driver_version()
    why = mod.device_count_error() or "no device"
    if driver == 0:
        return f"no CUDA device visible to tradeoff._cuda ({why}; no NVIDIA driver found)"
    if driver < runtime:
        return (
            f"the NVIDIA driver supports CUDA {_version_text(driver)} but tradeoff._cuda was "
            f"built with the CUDA {_version_text(runtime)} runtime ({why}); update the driver "
            "or rebuild tradeoff with an older CUDA toolkit"
        )
    return f"no CUDA device visible to tradeoff._cuda ({why})"


def available() -> bool:
    """True when ``tradeoff._cuda`` is built, sees a device, and CuPy is importable."""
    return unavailable_reason() is None


def _ensure_device(mod, device_id: int) -> None:
    """Raise RuntimeError (once per device, with the reason) when our kernels cannot run on
    the device: no kernel image for its architecture, driver too old for our runtime, ..."""
    if device_id in _probed:
        return
    with _lock:
        reason = mod.probe_device(device_id)
        if reason:
            if mod.device_count() == 0:
                reason = unavailable_reason() or reason
            raise RuntimeError(f"tradeoff cannot run on CUDA device {device_id}: {reason}")
        _probed.add(device_id)


def _prepare(points, fn: str, need_cuda: bool = True):
    """Checks the caller's promises (cheaply: a wrong pointer would crash the process) and
    returns (cupy, _cuda or None, B, n, m, dtype suffix)."""
    cp = _cupy()
    mod = _cuda_module() if need_cuda else None
    if not isinstance(points, cp.ndarray):
        raise TypeError(f"tradeoff._gpu.{fn}: expected a cupy.ndarray; got {type(points)!r}")
    if points.ndim != 3 or not points.flags.c_contiguous:
        raise ValueError(
            f"tradeoff._gpu.{fn}: expected a C-contiguous (B, n, m) array; got shape "
            f"{points.shape}, c_contiguous={points.flags.c_contiguous} (internal: call "
            "the public tradeoff functions)"
        )
    if points.dtype not in (cp.float32, cp.float64):
        raise TypeError(
            f"tradeoff._gpu.{fn}: expected float32 or float64 points; got {points.dtype} "
            "(internal: call the public tradeoff functions)"
        )
    batch, n, m = (int(s) for s in points.shape)
    return cp, mod, batch, n, m, points.dtype.name


def pareto_rank(points):
    """Non-dominated sorting on the GPU: int32 ranks of shape (B, n), 0 = first front.

    points: C-contiguous (B, n, m) float32/float64 CuPy array, objectives minimized.
    Kahn layering over dominator counts (cuda/pareto.cu); O(B n^2 m) work. Returns after the
    kernels finished (the launcher reads a counter back to know when every point is ranked).
    """
    cp, mod, batch, n, m, suffix = _prepare(points, "pareto_rank")
    with points.device:
        ranks = cp.empty((batch, n), dtype=cp.int32)
        if batch == 0 or n == 0:
            return ranks
        device_id = points.device.id
        _ensure_device(mod, device_id)
        counts = cp.empty((batch, n), dtype=cp.int32)  # dominators not yet ranked
        fronts = cp.empty((batch, n), dtype=cp.int32)  # the current front of each problem
        front_len = cp.empty(batch, dtype=cp.int32)  # its length
        ranked = cp.empty(1, dtype=cp.uint64)  # points ranked so far, all problems
        stream = cp.cuda.get_current_stream()
        launch = getattr(mod, "pareto_rank_" + suffix)
        launch(
            points.data.ptr, batch, n, m,
            ranks.data.ptr, counts.data.ptr, fronts.data.ptr, front_len.data.ptr,
            ranked.data.ptr, stream.ptr, device_id,
        )  # fmt: skip
    return ranks


def nondominated(points):
    """Mask of the first front on the GPU: bool array of shape (B, n).

    points: C-contiguous (B, n, m) float32/float64 CuPy array, objectives minimized.
    One thread per point testing the others until it finds a dominator: O(B n^2 m) at worst.
    Asynchronous on CuPy's current stream.
    """
    cp, mod, batch, n, m, suffix = _prepare(points, "nondominated")
    with points.device:
        mask = cp.empty((batch, n), dtype=cp.bool_)  # one byte per point, written as 0/1
        if batch == 0 or n == 0:
            return mask
        device_id = points.device.id
        _ensure_device(mod, device_id)
        stream = cp.cuda.get_current_stream()
        getattr(mod, "nondominated_" + suffix)(
            points.data.ptr, batch, n, m, mask.data.ptr, stream.ptr, device_id
        )
    return mask


def crowding_distance(points, ranks):
    """NSGA-II crowding distance on the GPU: (B, n) array of the points' dtype.

    points: (B, n, m) float32/float64 CuPy array; ranks: (B, n) int32 CuPy array.
    Runs the array-module-generic reference implementation (tradeoff._fallback.pareto) with
    CuPy: sorts and scans, no custom kernel, one definition of the result for every backend.
    """
    cp, _mod, batch, n, _m, _suffix = _prepare(points, "crowding_distance", need_cuda=False)
    from ._fallback import pareto as _ref

    with points.device:
        if batch == 0 or n == 0:
            return cp.zeros((batch, n), dtype=points.dtype)
        return _ref.crowding_distance(points, ranks)


__all__ = ["available", "crowding_distance", "nondominated", "pareto_rank", "unavailable_reason"]
