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


# --- hypervolume (cuda/hypervolume.cu over cpp/include/tradeoff/hypervolume_hd.hpp) ----------
#
# Batches of SMALL sets: the GPU bodies are O(n^2) sweeps (O(n^3) at worst for m = 4), one
# sequential sweep per thread, so they cover m <= 4 and n <= _cuda.hv_max_points(m) (the
# limits live in cuda/launchers.hpp). ``hv_supported`` tells the public layer; larger sets run
# on the CPU. Every function takes float64 (float32 is cast), C-contiguous CuPy arrays in
# minimization form with one reference point per set, and is asynchronous on CuPy's current
# stream of the points' device. Workspaces (allocated here, never by the C++ side): the
# prepared rows (B, n, m), their counts (B,) and the per-thread sweep scratch, bounded by the
# launcher (about 64 MiB) whatever the batch size.


def hv_supported(n: int, m: int) -> bool:
    """True when the GPU hypervolume bodies cover sets of ``n`` points in ``m`` objectives
    (1 <= m <= 4 and n <= the per-m limit of cuda/launchers.hpp); False as well when
    ``tradeoff._cuda`` is not built."""
    try:
        mod = _cuda_module()
    except ImportError:
        return False
    return bool(mod.hv_supported(int(n), int(m)))


def _hv_array(cp, arr, points, fn: str, name: str, shape: tuple[int, ...]):
    """``arr`` as a C-contiguous float64 CuPy array of ``shape`` on the points' device."""
    if not isinstance(arr, cp.ndarray):
        raise TypeError(f"tradeoff._gpu.{fn}: expected {name} as a cupy.ndarray; got {type(arr)!r}")
    if arr.device != points.device:
        raise ValueError(
            f"tradeoff._gpu.{fn}: {name} is on device {arr.device.id} but the points are on "
            f"device {points.device.id}"
        )
    if tuple(arr.shape) != shape:
        raise ValueError(
            f"tradeoff._gpu.{fn}: expected {name} of shape {shape}; got {tuple(arr.shape)} "
            "(internal: call the public tradeoff functions)"
        )
    if arr.dtype not in (cp.float32, cp.float64):
        raise TypeError(f"tradeoff._gpu.{fn}: expected float32 or float64 {name}; got {arr.dtype}")
    return cp.ascontiguousarray(arr, dtype=cp.float64)


def _hv_prepare(points, ref, fn: str, candidates=None):
    """Checks and casts; returns (cp, mod, points, ref, candidates, B, n, k, m)."""
    cp, mod, batch, n, m, _suffix = _prepare(points, fn)
    if not mod.hv_supported(n, m):
        raise ValueError(
            f"tradeoff._gpu.{fn}: sets of n={n} points in m={m} objectives are beyond the GPU "
            f"hypervolume bodies (hv_max_points({m}) = {mod.hv_max_points(m)}); the public "
            "functions run them on the CPU (check hv_supported first)"
        )
    with points.device:
        pts = cp.ascontiguousarray(points, dtype=cp.float64)
        r = _hv_array(cp, ref, points, fn, "ref", (batch, m))
        k = 0
        if candidates is not None:
            if getattr(candidates, "ndim", None) != 3:
                raise ValueError(
                    f"tradeoff._gpu.{fn}: expected candidates of shape (B, k, m); got "
                    f"{getattr(candidates, 'shape', None)}"
                )
            k = int(candidates.shape[1])
            candidates = _hv_array(cp, candidates, points, fn, "candidates", (batch, k, m))
    return cp, mod, pts, r, candidates, batch, n, k, m


def _hv_workspaces(cp, mod, batch, n, m, items):
    sorted_rows = cp.empty((batch, n, m), dtype=cp.float64)
    counts = cp.empty(batch, dtype=cp.int64)
    size = int(mod.hv_scratch_doubles(items, n, m))
    scratch = cp.empty(max(size, 1), dtype=cp.float64)
    return sorted_rows, counts, scratch, size


def hypervolume(points, ref):
    """Hypervolume of each set on the GPU: float64 array of shape (B,).

    points: (B, n, m) CuPy array (minimization), ref: (B, m), with hv_supported(n, m).
    Each set's points below its ref are placed in sorted order by one thread per point, then
    one thread per set sweeps them (hypervolume_hd.hpp): O(n^2) work per set for m <= 3.
    """
    cp, mod, pts, r, _c, batch, n, _k, m = _hv_prepare(points, ref, "hypervolume")
    with points.device:
        volumes = cp.zeros(batch, dtype=cp.float64)
        if batch == 0:
            return volumes
        device_id = points.device.id
        _ensure_device(mod, device_id)
        sorted_rows, counts, scratch, size = _hv_workspaces(cp, mod, batch, n, m, batch)
        stream = cp.cuda.get_current_stream()
        mod.hypervolume_float64(
            pts.data.ptr, r.data.ptr, batch, n, m, volumes.data.ptr,
            sorted_rows.data.ptr, counts.data.ptr, scratch.data.ptr, size,
            stream.ptr, device_id,
        )  # fmt: skip
    return volumes


def hv_contributions(points, ref):
    """Exclusive contribution of every point on the GPU: float64 array of shape (B, n).

    points: (B, n, m) CuPy array (minimization), ref: (B, m), with hv_supported(n, m).
    One thread per point: its box minus what the rest of its set covers inside it, summed as
    non-negative slabs (no cancellation); O(n s) per point for m = 3 (s = staircase size).
    """
    cp, mod, pts, r, _c, batch, n, _k, m = _hv_prepare(points, ref, "hv_contributions")
    with points.device:
        out = cp.zeros((batch, n), dtype=cp.float64)
        if batch * n == 0:
            return out
        device_id = points.device.id
        _ensure_device(mod, device_id)
        sorted_rows, counts, scratch, size = _hv_workspaces(cp, mod, batch, n, m, batch * n)
        stream = cp.cuda.get_current_stream()
        mod.hv_contributions_float64(
            pts.data.ptr, r.data.ptr, batch, n, m, out.data.ptr,
            sorted_rows.data.ptr, counts.data.ptr, scratch.data.ptr, size,
            stream.ptr, device_id,
        )  # fmt: skip
    return out


def hv_improvement(points, candidates, ref):
    """Hypervolume improvement of each candidate over its set on the GPU: float64 (B, k).

    points: (B, n, m) CuPy array (minimization), candidates: (B, k, m), ref: (B, m), with
    hv_supported(n, m). One thread per candidate sweeps its set limited by the candidate;
    0 for candidates not strictly below ref or weakly dominated by a point.
    """
    cp, mod, pts, r, cands, batch, n, k, m = _hv_prepare(
        points, ref, "hv_improvement", candidates=candidates
    )
    with points.device:
        out = cp.zeros((batch, k), dtype=cp.float64)
        if batch * k == 0:
            return out
        device_id = points.device.id
        _ensure_device(mod, device_id)
        sorted_rows, counts, scratch, size = _hv_workspaces(cp, mod, batch, n, m, batch * k)
        stream = cp.cuda.get_current_stream()
        mod.hv_improvement_float64(
            pts.data.ptr, cands.data.ptr, r.data.ptr, batch, n, k, m, out.data.ptr,
            sorted_rows.data.ptr, counts.data.ptr, scratch.data.ptr, size,
            stream.ptr, device_id,
        )  # fmt: skip
    return out


__all__ += ["hv_contributions", "hv_improvement", "hv_supported", "hypervolume"]


# --- Sinkhorn (cuda/sinkhorn.cu over cpp/include/tradeoff/sinkhorn_hd.hpp) ---------------------
#
# The kernel interface shared with ``tradeoff._core`` and ``tradeoff._fallback.sinkhorn`` (see
# python/tradeoff/transport.py): CuPy arrays in, a tuple (plan, f, g, cost, objective, n_iter,
# err, method_used) of CuPy arrays out, on the cost's (or x's) device. Notes:
# * the GPU runs the log domain only: ``method`` is accepted (0 auto, 1 log, 2 scaling) and
#   ignored, and ``method_used`` is 0 for every problem;
# * the stop rule is the CPU's, applied on the device at every iteration of the final stage
#   (each problem of a batch stops at its own iteration and then stays untouched), so n_iter
#   and the potentials are the CPU log domain's up to rounding;
# * small problems (``_cuda.sinkhorn_fused(n, m)``: n m <= 16384, n <= 1024) run the whole
#   solve in one launch, one block per problem, asynchronous on the current stream; larger ones
#   launch four kernels per iteration and read a counter of unconverged problems back every
#   ``_cuda.sinkhorn_check_every()`` iterations to stop launching (the call blocks until the
#   iterations are done; the final pass is queued on the current stream).
# The path depends on (n, m) only: a problem gives the same bits alone or in any batch.
# Every device workspace is allocated here with CuPy (the C++ launchers never allocate).


def _sk_host_floats(values, fn: str, name: str):
    """A 1-D list of Python floats from a NumPy / CuPy array or a sequence (host copy)."""
    import numpy as np

    if hasattr(values, "__cuda_array_interface__"):
        values = _cupy().asnumpy(values)
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"tradeoff._gpu.{fn}: expected {name} as a non-empty 1-D array; got shape {arr.shape}"
        )
    return [float(v) for v in arr]


def _sk_main(cp, arr, fn: str, name: str, axes: str, dtype_error=TypeError):
    """Checks the array that decides the device and dtype: (B, n, k) C-contiguous float
    (the Sinkhorn and assignment kernels share it)."""
    if not isinstance(arr, cp.ndarray):
        raise TypeError(f"tradeoff._gpu.{fn}: expected {name} as a cupy.ndarray; got {type(arr)!r}")
    if arr.ndim != 3 or not arr.flags.c_contiguous:
        raise ValueError(
            f"tradeoff._gpu.{fn}: expected {name} as a C-contiguous {axes} array; got shape "
            f"{arr.shape}, c_contiguous={arr.flags.c_contiguous} (internal: call the public "
            "tradeoff functions)"
        )
    if arr.dtype not in (cp.float32, cp.float64):
        raise dtype_error(
            f"tradeoff._gpu.{fn}: expected float32 or float64 {name}; got {arr.dtype} "
            "(internal: call the public tradeoff functions)"
        )
    return tuple(int(s) for s in arr.shape)


def _sk_vector(cp, arr, like, fn: str, name: str, shape: tuple[int, int]):
    """``arr`` as a C-contiguous float64 CuPy array of ``shape`` on ``like``'s device (a NumPy
    array is copied over; the caller's array is never modified)."""
    if isinstance(arr, cp.ndarray) and arr.device != like.device:
        raise ValueError(
            f"tradeoff._gpu.{fn}: {name} is on device {arr.device.id} but the data are on "
            f"device {like.device.id}"
        )
    with like.device:
        out = cp.ascontiguousarray(cp.asarray(arr), dtype=cp.float64)
    if tuple(out.shape) != shape:
        raise ValueError(
            f"tradeoff._gpu.{fn}: expected {name} of shape {shape}; got {tuple(out.shape)} "
            "(internal: call the public tradeoff functions)"
        )
    return out


def _sk_scalars(fn, tau_a, tau_b, max_iter, tol, stage_iter, want_plan):
    # float()/int()/bool() also take 0-d CuPy arrays (the forced-cuda path converts scalars).
    tau_a, tau_b, tol = float(tau_a), float(tau_b), float(tol)
    max_iter, stage_iter, want_plan = int(max_iter), int(stage_iter), bool(want_plan)
    if not (tau_a > 0 and tau_b > 0):
        raise ValueError(
            f"tradeoff._gpu.{fn}: tau_a and tau_b must be > 0 (inf = hard); got {tau_a}, {tau_b}"
        )
    if max_iter < 0 or stage_iter < 0 or not tol >= 0:
        raise ValueError(
            f"tradeoff._gpu.{fn}: need max_iter >= 0, stage_iter >= 0, tol >= 0; got "
            f"{max_iter}, {stage_iter}, {tol}"
        )
    return tau_a, tau_b, max_iter, tol, stage_iter, want_plan


def _sk_run(cp, mod, fn, main, batch, n, m, n_stages, dtype, want_plan, launch):
    """Allocates the outputs and the workspace, launches, returns the kernel-interface tuple."""
    with main.device:
        plan = cp.empty((batch, n, m), dtype=dtype) if want_plan else None
        f = cp.empty((batch, n), dtype=cp.float64)
        g = cp.empty((batch, m), dtype=cp.float64)
        cost = cp.empty(batch, dtype=cp.float64)
        objective = cp.empty(batch, dtype=cp.float64)
        err = cp.empty(batch, dtype=cp.float64)
        n_iter = cp.empty(batch, dtype=cp.int64)
        method_used = cp.zeros(batch, dtype=cp.uint8)
        if batch == 0:
            cost.fill(0.0)
            objective.fill(0.0)
            err.fill(0.0)
            n_iter.fill(0)
            return plan, f, g, cost, objective, n_iter, err, method_used
        if n == 0 or m == 0:
            raise ValueError(
                f"tradeoff._gpu.{fn}: the GPU kernels need n, m >= 1; got n={n}, m={m} (the "
                "public functions handle empty inputs)"
            )
        device_id = main.device.id
        _ensure_device(mod, device_id)
        nbytes = int(mod.sinkhorn_workspace_bytes(batch, n, m, n_stages))
        workspace = cp.empty(max(nbytes, 1), dtype=cp.uint8)
        stream = cp.cuda.get_current_stream()
        launch(
            0 if plan is None else plan.data.ptr,
            f.data.ptr, g.data.ptr, cost.data.ptr, objective.data.ptr, err.data.ptr,
            n_iter.data.ptr, method_used.data.ptr, workspace.data.ptr, nbytes,
            stream.ptr, device_id,
        )  # fmt: skip
    return plan, f, g, cost, objective, n_iter, err, method_used


def sinkhorn_dense(cost, a, b, f0, g0, eps_stages, tau_a, tau_b, max_iter, tol, method,
                   stage_iter, want_plan):  # fmt: skip
    """Entropic transport on the GPU, dense cost, log domain (cuda/sinkhorn.cu).

    cost: C-contiguous (B, n, m) float32/float64 CuPy array (+inf = forbidden pair);
    a, f0 (B, n) and b, g0 (B, m) float64 (other floats are cast, NumPy arrays copied over);
    eps_stages: 1-D float64 NumPy or CuPy array (decreasing, the last = eps); tau_a, tau_b
    (inf = hard marginal), max_iter, tol, method (ignored: always the log domain), stage_iter,
    want_plan. Returns (plan or None, f, g, cost, objective, n_iter, err, method_used) as CuPy
    arrays on the cost's device: plan (B, n, m) of the cost dtype, f (B, n), g (B, m),
    cost/objective/err (B,) float64, n_iter (B,) int64, method_used (B,) uint8 (all 0).
    One warp per row and blocks of 32 columns per column half-step: O(B n m) work and cost
    reads per iteration; see cuda/sinkhorn.cu.
    """
    fn = "sinkhorn_dense"
    cp, mod = _cupy(), _cuda_module()
    batch, n, m = _sk_main(cp, cost, fn, "cost", "(B, n, m)")
    tau_a, tau_b, max_iter, tol, stage_iter, want_plan = _sk_scalars(
        fn, tau_a, tau_b, max_iter, tol, stage_iter, want_plan
    )
    if int(method) not in (0, 1, 2):
        raise ValueError(f"tradeoff._gpu.{fn}: method must be 0, 1 or 2; got {method}")
    eps = _sk_host_floats(eps_stages, fn, "eps_stages")
    a = _sk_vector(cp, a, cost, fn, "a", (batch, n))
    b = _sk_vector(cp, b, cost, fn, "b", (batch, m))
    f0 = _sk_vector(cp, f0, cost, fn, "f0", (batch, n))
    g0 = _sk_vector(cp, g0, cost, fn, "g0", (batch, m))
    launcher = getattr(mod, "sinkhorn_dense_" + cost.dtype.name)

    def launch(plan, f, g, c, obj, err, n_iter, used, ws, nbytes, stream, device):
        launcher(
            cost.data.ptr, a.data.ptr, b.data.ptr, f0.data.ptr, g0.data.ptr, eps, tau_a, tau_b,
            max_iter, tol, stage_iter, batch, n, m, plan, f, g, c, obj, err, n_iter, used, ws,
            nbytes, stream, device,
        )  # fmt: skip

    return _sk_run(cp, mod, fn, cost, batch, n, m, len(eps), cost.dtype, want_plan, launch)


def sinkhorn_points(x, y, a, b, f0, g0, eps_stages, tau_a, tau_b, max_iter, tol, metric,
                    stage_iter, want_plan):  # fmt: skip
    """Entropic transport on the GPU between point clouds, cost computed on the fly.

    x: C-contiguous (B, n, d), y: (B, m, d) CuPy arrays of the same float dtype; metric 0 =
    squared Euclidean distance (no 1/2), 1 = Euclidean. Other arguments and the returned tuple
    as :func:`sinkhorn_dense` (log domain, method_used 0). Memory O(B (n + m) d) besides the
    optional plan; O(B n m d) work per iteration.
    """
    fn = "sinkhorn_points"
    cp, mod = _cupy(), _cuda_module()
    batch, n, d = _sk_main(cp, x, fn, "x", "(B, n, d)")
    by, m, dy = _sk_main(cp, y, fn, "y", "(B, m, d)")
    if (by, dy) != (batch, d):
        raise ValueError(
            f"tradeoff._gpu.{fn}: x {tuple(x.shape)} and y {tuple(y.shape)} must share B and d"
        )
    if y.dtype != x.dtype or y.device != x.device:
        raise ValueError(f"tradeoff._gpu.{fn}: x and y must share dtype and device")
    tau_a, tau_b, max_iter, tol, stage_iter, want_plan = _sk_scalars(
        fn, tau_a, tau_b, max_iter, tol, stage_iter, want_plan
    )
    metric = int(metric)
    if metric not in (0, 1):
        raise ValueError(f"tradeoff._gpu.{fn}: metric must be 0 or 1; got {metric}")
    if batch > 0 and n > 0 and m > 0 and d == 0:
        raise ValueError(f"tradeoff._gpu.{fn}: the GPU kernels need d >= 1; got d=0")
    eps = _sk_host_floats(eps_stages, fn, "eps_stages")
    a = _sk_vector(cp, a, x, fn, "a", (batch, n))
    b = _sk_vector(cp, b, x, fn, "b", (batch, m))
    f0 = _sk_vector(cp, f0, x, fn, "f0", (batch, n))
    g0 = _sk_vector(cp, g0, x, fn, "g0", (batch, m))
    launcher = getattr(mod, "sinkhorn_points_" + x.dtype.name)

    def launch(plan, f, g, c, obj, err, n_iter, used, ws, nbytes, stream, device):
        launcher(
            x.data.ptr, y.data.ptr, a.data.ptr, b.data.ptr, f0.data.ptr, g0.data.ptr, eps,
            tau_a, tau_b, max_iter, tol, metric, stage_iter, batch, n, m, d, plan, f, g, c, obj,
            err, n_iter, used, ws, nbytes, stream, device,
        )  # fmt: skip

    return _sk_run(cp, mod, fn, x, batch, n, m, len(eps), x.dtype, want_plan, launch)


__all__ += ["sinkhorn_dense", "sinkhorn_points"]


# --- Linear assignment (cuda/assignment.cu over cpp/include/tradeoff/assignment_hd.hpp) -------
#
# The kernel interface shared with ``tradeoff._core.lap_solve`` and
# ``tradeoff._fallback.assignment.lap_solve`` (python/tradeoff/assignment.py calls it through
# ``tradeoff._backend.run``): CuPy arrays in, a tuple (col_of_row, row_of_col, u, v, total,
# status) of CuPy arrays out, on the cost's device, status an int8 array. The decisions are the
# CPU's bit for bit (same arithmetic, same tie rules), so every output equals the CPU's exactly.
# One warp per instance when max(n, m) <= 128, else one block per instance (workspace in
# shared memory up to about max(n, m) = 1000, else in a device workspace allocated here); one
# thread per instance for max(n, m) <= 16 in batches of 16384 or more (``_cuda.lap_path``). One launch, asynchronous on the current stream; the only
# synchronization is the check of ``rows`` / ``cols`` when they arrive as CuPy arrays (one
# reduction read back: an out-of-range size would make the kernel read out of bounds).


def _lap_cost(cp, cost, fn: str):
    # ValueError for a wrong dtype, as _core.lap_solve raises (the kernel interface's rule)
    return _sk_main(cp, cost, fn, "cost", "(B, n, m)", dtype_error=ValueError)


def _lap_sizes(cp, sizes, cost, fn: str, name: str, batch: int, bound: int):
    """``sizes`` as a C-contiguous int64 CuPy array of shape (B,) on the cost's device.

    NumPy input (or a sequence) is checked on the host and copied over; CuPy input is checked
    on the device (one value read back). Values must lie in [0, bound]."""
    import numpy as np

    on_device = isinstance(sizes, cp.ndarray)
    if on_device and sizes.device != cost.device:
        raise ValueError(
            f"tradeoff._gpu.{fn}: {name} is on device {sizes.device.id} but the cost is on "
            f"device {cost.device.id}"
        )
    host = None if on_device else np.asarray(sizes)
    dtype = sizes.dtype if on_device else host.dtype
    shape = tuple(sizes.shape) if on_device else host.shape
    if shape != (batch,):
        raise ValueError(f"tradeoff._gpu.{fn}: expected {name} of shape ({batch},); got {shape}")
    if dtype.kind not in "iu":
        raise ValueError(f"tradeoff._gpu.{fn}: expected integer {name} (int64); got {dtype}")
    with cost.device:
        if host is not None:  # checked here, then copied over on the current stream
            checked = host
            out = cp.ascontiguousarray(cp.asarray(host.astype(np.int64, copy=False)))
        else:
            out = cp.ascontiguousarray(sizes, dtype=cp.int64)
            bad_any = batch > 0 and bool(cp.any((out < 0) | (out > bound)))
            checked = cp.asnumpy(out) if bad_any else None
    if checked is not None:
        bad = np.flatnonzero((checked < 0) | (checked > bound))
        if bad.size:
            first = int(bad[0])
            raise ValueError(
                f"tradeoff._gpu.{fn}: {name}[{first}] = {int(checked[first])} is outside "
                f"[0, {bound}] (an instance's active block must fit the cost array)"
            )
    return out


def lap_solve(cost, rows, cols, maximize):
    """Exact linear assignment of a batch on the GPU (cuda/assignment.cu).

    cost: C-contiguous (B, n, m) float32/float64 CuPy array (+inf = forbidden pair); rows,
    cols: (B,) integers (CuPy or NumPy), instance b is ``cost[b, :rows[b], :cols[b]]``;
    maximize: bool. Returns CuPy arrays on the cost's device: col_of_row (B, n) int64,
    row_of_col (B, m) int64, u (B, n) float64, v (B, m) float64, total (B,) float64,
    status (B,) int8 (0 solved, 1 no complete matching, 2 NaN or -inf after the maximize sign
    flip in the active block). Outside an instance's active block, and for status != 0, the
    matching is -1 and the potentials 0 (total 0). Jonker-Volgenant augmenting row reduction
    then shortest augmenting paths, one thread, warp or block per instance; O(n^2 m) per
    instance at worst. Asynchronous on the current stream (see the section comment).
    """
    return _lap_run(cost, rows, cols, maximize, 0)


def _lap_run(cost, rows, cols, maximize, path: int):
    """lap_solve on a given kernel path (0 = the launcher's choice; 1 warp, 2 block + shared
    memory, 3 block + device workspace, 4 thread: the tests compare them)."""
    fn = "lap_solve"
    cp, mod = _cupy(), _cuda_module()
    batch, n, m = _lap_cost(cp, cost, fn)
    maximize = bool(maximize)
    rows = _lap_sizes(cp, rows, cost, fn, "rows", batch, n)
    cols = _lap_sizes(cp, cols, cost, fn, "cols", batch, m)
    with cost.device:
        col_of_row = cp.empty((batch, n), dtype=cp.int64)
        row_of_col = cp.empty((batch, m), dtype=cp.int64)
        u = cp.empty((batch, n), dtype=cp.float64)
        v = cp.empty((batch, m), dtype=cp.float64)
        total = cp.empty(batch, dtype=cp.float64)
        status = cp.empty(batch, dtype=cp.int8)
        if batch == 0:
            return col_of_row, row_of_col, u, v, total, status
        device_id = cost.device.id
        _ensure_device(mod, device_id)
        nbytes = int(mod.lap_workspace_bytes(batch, n, m, path))
        workspace = cp.empty(max(nbytes, 1), dtype=cp.uint8)
        stream = cp.cuda.get_current_stream()
        launcher = getattr(mod, "lap_solve_" + cost.dtype.name)
        launcher(
            cost.data.ptr, rows.data.ptr, cols.data.ptr, batch, n, m, maximize,
            col_of_row.data.ptr, row_of_col.data.ptr, u.data.ptr, v.data.ptr, total.data.ptr,
            status.data.ptr, workspace.data.ptr, nbytes, stream.ptr, device_id, path,
        )  # fmt: skip
        # status 4 (as _core and the fallback): solved, but a potential or the total overflowed
        finite = cp.isfinite(total) & cp.isfinite(u).all(axis=1) & cp.isfinite(v).all(axis=1)
        status[(status == 0) & ~finite] = 4
    return col_of_row, row_of_col, u, v, total, status


__all__ += ["lap_solve"]


# --- Knapsack family (cuda/knapsack.cu over cpp/include/tradeoff/knapsack_dense_hd.hpp) ------
#
# The kernel interface shared with ``tradeoff._core.knapsack_solve`` / ``mckp_solve`` and
# ``tradeoff._fallback.knapsack`` (python/tradeoff/budgets.py calls it through
# ``tradeoff._backend.run``): CuPy arrays in, a tuple of CuPy arrays out on the input's device.
# The GPU runs the plain dense dynamic program over capacity cells, one block per instance:
# the value and the status equal the CPU's exactly; x / choice are feasible and achieve the
# value (they may differ from the CPU's on ties); weight is the exact total of the returned x.
# ``max_states`` has no meaning for the dense program (status 1 never comes from the GPU); it
# is passed on to the CPU kernel for the instances that run there.
#
# Eligibility, per instance, decided on the device by the plan kernel (knapsack_dense_hd.hpp):
# every number of the instance scales exactly to an integer (a power of two per array, as the
# CPU does), the capacity in those units (capped at the total weight of the items that fit,
# divided by the gcd of their weights) gives at most knapsack_max_cells() cells, every sum of
# values and weights stays below 2^62 (int64 cells never overflow), the dynamic program does at
# most KNAPSACK_MAX_WORK cell updates and its decision table (one bit per piece and cell, or
# one byte per group and cell) takes at most KNAPSACK_INSTANCE_TABLE_BYTES (and at most a
# quarter of the device's free memory): all checked before anything is allocated. The other
# instances (and NaN / inf / negative entries, which the public API rejects first) are copied
# to the host and solved by ``_core`` (the fallback when ``_core`` lacks the kernel), and their
# results copied back into the outputs. A batch whose tables together exceed the table bound
# runs in chunks of consecutive instances. Synchronization: one small read-back after the plan
# (a few reductions), more only for chunking or for instances left to the CPU.

#: Cell updates (rows x cells, x options for MCKP) of one instance at most on the GPU. One block
#: (one SM) does them, about 2.7e9 a second on an H100 (n = 1000 items, capacity 1e5: 37 ms),
#: while the CPU's core algorithm does not depend on the capacity (well under a millisecond for
#: such an instance): instances above this bound (about 6 ms of one SM) go to the CPU. To be
#: re-tuned against ``_core.knapsack_solve`` side by side (bench/bench_knapsack.py).
KNAPSACK_MAX_WORK = 1 << 24
#: Decision-table bytes of one instance at most on the GPU.
KNAPSACK_INSTANCE_TABLE_BYTES = 1 << 28
#: Decision-table bytes of one launch at most (larger batches run in chunks).
KNAPSACK_MAX_TABLE_BYTES = 1 << 30


def _kn_array(cp, arr, fn: str, name: str, shape_text: str, ndim: int, dtypes, device=None):
    """A C-contiguous CuPy array of one of ``dtypes`` (TypeError for another array type,
    ValueError for a wrong shape or dtype, as _core)."""
    if not isinstance(arr, cp.ndarray):
        raise TypeError(
            f"tradeoff._gpu.{fn}: {name} must be a cupy.ndarray; got {type(arr).__name__} "
            "(internal: call the public tradeoff functions)"
        )
    if arr.ndim != ndim or not arr.flags.c_contiguous or arr.dtype.name not in dtypes:
        raise ValueError(
            f"tradeoff._gpu.{fn}: {name} must be a C-contiguous {shape_text} array of dtype "
            f"{' or '.join(dtypes)}; got shape {tuple(arr.shape)}, dtype {arr.dtype}, "
            f"c_contiguous={arr.flags.c_contiguous} (internal: call the public tradeoff "
            "functions)"
        )
    if device is not None and arr.device != device:
        raise ValueError(
            f"tradeoff._gpu.{fn}: {name} is on device {arr.device.id}, the values on device "
            f"{device.id}"
        )
    return arr


def _kn_check_shape(fn: str, name: str, arr, shape) -> None:
    if tuple(arr.shape) != tuple(shape):
        raise ValueError(
            f"tradeoff._gpu.{fn}: {name} has shape {tuple(arr.shape)}; expected {tuple(shape)}"
        )


def _kn_cpu_kernel(name: str):
    """The CPU kernel interface: ``_core`` when it has the kernel, else the fallback."""
    from ._backend import core_module

    core = core_module()
    if core is not None and hasattr(core, name):
        return getattr(core, name)
    from ._fallback import knapsack as fallback

    return getattr(fallback, name)


def _kn_table_limit(cp) -> int:
    """Decision-table bytes one launch may use: the fixed bound, and a quarter of the free
    device memory (CuPy's pool counted as free)."""
    free, _total = cp.cuda.runtime.memGetInfo()
    free += cp.get_default_memory_pool().free_bytes()
    return int(max(1 << 20, min(KNAPSACK_MAX_TABLE_BYTES, free // 4)))


def _kn_dense(cp, mod, device_id: int, plan, limit: int, launch):
    """Runs ``launch`` (the dense kernel) over the planned batch in chunks whose decision tables
    fit ``limit`` bytes; returns the host indices of the instances left to the CPU."""
    import numpy as np

    batch = int(plan.shape[0])
    code = plan[:, 0]
    solve = code == 0
    sizes = cp.where(solve, plan[:, 7], 0)
    ends = cp.cumsum(sizes)
    offsets = ends - sizes
    cells = cp.where(solve, plan[:, 4] + 1, 0)
    cpu_mask = code > 1
    summary = cp.stack([cpu_mask.sum(dtype=cp.int64), ends[-1], cells.max()]).get()
    n_cpu, total, max_cells = (int(t) for t in summary)
    if n_cpu < batch:
        if total <= limit:
            chunks = [(0, batch, 0)]
        else:
            ends_h = cp.asnumpy(ends)
            sizes_h = cp.asnumpy(sizes)
            chunks = []
            b0 = 0
            while b0 < batch:
                base = int(ends_h[b0] - sizes_h[b0])
                b1 = max(b0 + 1, int(np.searchsorted(ends_h, base + limit, side="right")))
                chunks.append((b0, b1 - b0, base))
                b0 = b1
        table = cp.empty(max(8, min(total, limit)), dtype=cp.uint8)
        ws_bytes = int(mod.knapsack_workspace_bytes(batch, max_cells, device_id))
        workspace = cp.empty(max(ws_bytes, 1), dtype=cp.uint8)
        for first, count, base in chunks:
            launch(offsets.data.ptr, base, first, count, max_cells, table.data.ptr,
                   int(table.nbytes), workspace.data.ptr, ws_bytes)  # fmt: skip
    if n_cpu == 0:
        return np.empty(0, dtype=np.int64)
    return cp.asnumpy(cp.flatnonzero(cpu_mask))


def _kn_to_cpu(cp, kernel: str, idx, inputs, outputs, extra) -> None:
    """Solves instances ``idx`` (host indices) with the CPU kernel and writes their results
    into the GPU outputs."""
    at = cp.asarray(idx)
    host = [None if a is None else cp.asnumpy(a[at]) for a in inputs]
    results = _kn_cpu_kernel(kernel)(*host, *extra)
    for out, res in zip(outputs, results):
        out[at] = cp.asarray(res, dtype=out.dtype)


def knapsack_solve(values, weights, capacity, counts, max_states):
    """0/1 (counts None) or bounded knapsack of every instance of a batch on the GPU.

    values, weights: C-contiguous (B, n) int64 or float64 CuPy arrays (each dtype independent);
    capacity (B,) in the weights' dtype (float64 +inf = unlimited); counts (B, n) int64 or None;
    max_states: passed on to the CPU kernel for the instances that run there. Returns CuPy
    arrays x (B, n) uint8 (0/1) or int64, value (B,) in the values' dtype, weight (B,) in the
    weights' dtype, status (B,) int8 (0 optimal; the CPU kernel's status for the instances it
    solved). The dense dynamic program over capacity cells, O(pieces x cells) per instance (see
    the section comment for which instances run here).
    """
    fn = "knapsack_solve"
    cp, mod = _cupy(), _cuda_module()
    dt = ("int64", "float64")
    values = _kn_array(cp, values, fn, "values", "(B, n)", 2, dt)
    dev = values.device
    weights = _kn_array(cp, weights, fn, "weights", "(B, n)", 2, dt, dev)
    capacity = _kn_array(cp, capacity, fn, "capacity", "(B,)", 1, (weights.dtype.name,), dev)
    batch, n = (int(s) for s in values.shape)
    _kn_check_shape(fn, "weights", weights, (batch, n))
    _kn_check_shape(fn, "capacity", capacity, (batch,))
    if counts is not None:
        counts = _kn_array(cp, counts, fn, "counts", "(B, n)", 2, ("int64",), dev)
        _kn_check_shape(fn, "counts", counts, (batch, n))
    with dev:
        x = cp.empty((batch, n), dtype=cp.uint8 if counts is None else cp.int64)
        value = cp.empty(batch, dtype=values.dtype)
        weight = cp.empty(batch, dtype=weights.dtype)
        status = cp.empty(batch, dtype=cp.int8)
        if batch == 0:
            return x, value, weight, status
        device_id = dev.id
        _ensure_device(mod, device_id)
        stream = cp.cuda.get_current_stream()
        suffix = f"{values.dtype.name}_{weights.dtype.name}"
        cnt = 0 if counts is None else counts.data.ptr
        limit = _kn_table_limit(cp)
        plan = cp.empty((batch, int(mod.knapsack_plan_width)), dtype=cp.int64)
        if n > 2147483647:  # beyond the kernels' int32 item index: the CPU's
            plan[:, 0] = 4
        else:
            getattr(mod, "knapsack_plan_" + suffix)(
                values.data.ptr, weights.data.ptr, capacity.data.ptr, cnt, batch, n,
                KNAPSACK_MAX_WORK, min(KNAPSACK_INSTANCE_TABLE_BYTES, limit), plan.data.ptr,
                stream.ptr, device_id,
            )  # fmt: skip
        dense = getattr(mod, "knapsack_dense_" + suffix)

        def launch(offsets, base, first, count, max_cells, table, table_bytes, ws, ws_bytes):
            dense(
                values.data.ptr, weights.data.ptr, capacity.data.ptr, cnt, batch, n,
                plan.data.ptr, offsets, base, first, count, max_cells, table, table_bytes,
                x.data.ptr, value.data.ptr, weight.data.ptr, status.data.ptr, ws, ws_bytes,
                stream.ptr, device_id,
            )  # fmt: skip

        cpu = _kn_dense(cp, mod, device_id, plan, limit, launch)
        if cpu.size:
            _kn_to_cpu(cp, "knapsack_solve", cpu, (values, weights, capacity, counts),
                       (x, value, weight, status), (max_states,))  # fmt: skip
    return x, value, weight, status


def mckp_solve(values, weights, mask, budget, max_states):
    """Multiple-choice knapsack of every instance of a batch on the GPU.

    values, weights: C-contiguous (B, g, k) int64 or float64 CuPy arrays (each dtype
    independent); mask (B, g, k) uint8 / bool (True = the option exists) or None; budget (B,)
    in the weights' dtype (float64 +inf = unlimited); max_states: passed on to the CPU kernel
    for the instances that run there. Returns CuPy arrays choice (B, g) int64 (-1 everywhere
    when infeasible), value (B,) in the values' dtype, weight (B,) in the weights' dtype,
    status (B,) int8 (0 optimal, 2 infeasible: a group without an option or the lightest
    options over the budget, value = weight = 0; the CPU kernel's status for the instances it
    solved). The dense dynamic program over budget cells, O(g x cells x k) per instance.
    """
    fn = "mckp_solve"
    cp, mod = _cupy(), _cuda_module()
    dt = ("int64", "float64")
    values = _kn_array(cp, values, fn, "values", "(B, g, k)", 3, dt)
    dev = values.device
    weights = _kn_array(cp, weights, fn, "weights", "(B, g, k)", 3, dt, dev)
    budget = _kn_array(cp, budget, fn, "budget", "(B,)", 1, (weights.dtype.name,), dev)
    batch, g, k = (int(s) for s in values.shape)
    _kn_check_shape(fn, "weights", weights, (batch, g, k))
    _kn_check_shape(fn, "budget", budget, (batch,))
    if mask is not None:
        mask = _kn_array(cp, mask, fn, "mask", "(B, g, k)", 3, ("uint8", "bool"), dev)
        _kn_check_shape(fn, "mask", mask, (batch, g, k))
    with dev:
        choice = cp.empty((batch, g), dtype=cp.int64)
        value = cp.empty(batch, dtype=values.dtype)
        weight = cp.empty(batch, dtype=weights.dtype)
        status = cp.empty(batch, dtype=cp.int8)
        if batch == 0:
            return choice, value, weight, status
        device_id = dev.id
        _ensure_device(mod, device_id)
        stream = cp.cuda.get_current_stream()
        suffix = f"{values.dtype.name}_{weights.dtype.name}"
        mptr = 0 if mask is None else mask.data.ptr
        limit = _kn_table_limit(cp)
        plan = cp.empty((batch, int(mod.knapsack_plan_width)), dtype=cp.int64)
        if k > int(mod.knapsack_max_options()) or g > 2147483647:
            plan[:, 0] = 4  # more options than a byte indexes: the CPU's
        else:
            getattr(mod, "mckp_plan_" + suffix)(
                values.data.ptr, weights.data.ptr, mptr, budget.data.ptr, batch, g, k,
                KNAPSACK_MAX_WORK, min(KNAPSACK_INSTANCE_TABLE_BYTES, limit), plan.data.ptr,
                stream.ptr, device_id,
            )  # fmt: skip
        dense = getattr(mod, "mckp_dense_" + suffix)

        def launch(offsets, base, first, count, max_cells, table, table_bytes, ws, ws_bytes):
            dense(
                values.data.ptr, weights.data.ptr, mptr, budget.data.ptr, batch, g, k,
                plan.data.ptr, offsets, base, first, count, max_cells, table, table_bytes,
                choice.data.ptr, value.data.ptr, weight.data.ptr, status.data.ptr, ws,
                ws_bytes, stream.ptr, device_id,
            )  # fmt: skip

        cpu = _kn_dense(cp, mod, device_id, plan, limit, launch)
        if cpu.size:
            host_mask = None if mask is None else mask.view(cp.uint8)
            _kn_to_cpu(cp, "mckp_solve", cpu, (values, weights, host_mask, budget),
                       (choice, value, weight, status), (max_states,))  # fmt: skip
    return choice, value, weight, status


__all__ += ["knapsack_solve", "mckp_solve"]
