"""Backend choice: the native CPU module, the pure-Python fallback, or CUDA.

Order for NumPy input: ``_core`` (C++) when it imported, else ``_fallback``. GPU input runs on
``_cuda``. ``TRADEOFF_BACKEND=native|fallback|cuda`` in the environment, or
:func:`set_backend` / :func:`using_backend` in code, force one backend; forcing a CPU backend
for GPU input (or ``cuda`` for NumPy input) copies the data across and back, which is meant for
testing and debugging.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import threading

from ._xp import cupy_module, to_numpy

BACKENDS = ("native", "fallback", "cuda")

_state = threading.local()
_lock = threading.Lock()
_cache: dict[str, object] = {}


def _import(name: str):
    """Import tradeoff.<name> once; cache the module or the ImportError."""
    cached = _cache.get(name)  # lock-free once imported: this runs on every call
    if cached is not None:
        return cached
    with _lock:
        if name not in _cache:
            try:
                _cache[name] = importlib.import_module(f"tradeoff.{name}")
            except ImportError as exc:
                _cache[name] = exc
    return _cache[name]


def _import_core():
    return _import("_core")


def _import_cuda():
    return _import("_cuda")


def core_module():
    """The ``_core`` extension module, or None when it is not built."""
    mod = _import_core()
    return None if isinstance(mod, ImportError) else mod


def cuda_module():
    """The ``_cuda`` extension module, or None when it is not built."""
    mod = _import_cuda()
    return None if isinstance(mod, ImportError) else mod


def _check_name(name: str, origin: str) -> str:
    if name not in BACKENDS:
        raise ValueError(
            f"{origin} must be one of {', '.join(BACKENDS)} (or unset for automatic choice); "
            f"got {name!r}"
        )
    return name


def forced_backend() -> str | None:
    """The backend forced by :func:`using_backend`, :func:`set_backend` or the environment."""
    name = getattr(_state, "forced", None)
    if name is not None:
        return name
    env = os.environ.get("TRADEOFF_BACKEND", "").strip().lower()
    if env in ("", "auto"):
        return None
    return _check_name(env, "the environment variable TRADEOFF_BACKEND")


def set_backend(name: str | None) -> None:
    """Force a backend for this thread (``None`` restores the automatic choice)."""
    _state.forced = None if name is None else _check_name(name, "backend")


@contextlib.contextmanager
def using_backend(name: str | None):
    """Context manager forcing a backend for the calls inside it (this thread only)."""
    previous = getattr(_state, "forced", None)
    set_backend(name)
    try:
        yield
    finally:
        _state.forced = previous


def choose(on_gpu: bool) -> str:
    """The backend that runs a call on this input: 'native', 'fallback' or 'cuda'."""
    forced = forced_backend()
    if forced == "native" and core_module() is None:
        raise ImportError(
            "the native backend was requested (TRADEOFF_BACKEND=native or using_backend) but "
            f"tradeoff._core is not built: {_import_core()}; reinstall with a C++17 compiler "
            "(`pip install .`) or use the fallback backend"
        )
    if forced == "cuda" and cuda_module() is None:
        raise ImportError(
            "the cuda backend was requested but tradeoff._cuda is not built (nvcc was not found "
            "when the package was built); rebuild with `TRADEOFF_CUDA=ON pip install .` and "
            "install CuPy with `pip install tradeoff[cuda]`"
        )
    if forced is not None:
        return forced
    if on_gpu:
        return "cuda"
    return "native" if core_module() is not None else "fallback"


def run(name: str, arrays, *, on_gpu: bool, fallback, gpu_supported=None):
    """Run kernel ``name`` on already validated arrays with the chosen backend.

    ``fallback`` is the family's module in ``tradeoff._fallback``; the native and CUDA modules
    expose the same name with the same signature. The result comes back on the device the
    input came from. ``gpu_supported``, a callable asked only when CUDA would run, returns
    False for a size the GPU kernels do not cover: the CPU backend then runs it, copying GPU
    input across and back.
    """
    backend = choose(on_gpu)
    if backend == "cuda" and gpu_supported is not None and not gpu_supported():
        backend = "native" if core_module() is not None else "fallback"
    if backend == "cuda":
        from . import _gpu

        if on_gpu:
            return getattr(_gpu, name)(*arrays)
        cp = cupy_module()
        result = getattr(_gpu, name)(*(_move(a, cp.asarray) for a in arrays))
        return _map_result(result, cp.asnumpy)
    module = core_module() if backend == "native" else fallback
    if on_gpu:  # a CPU backend for GPU data: copy over and back
        result = getattr(module, name)(*(_move(a, to_numpy) for a in arrays))
        return _map_result(result, cupy_module().asarray)
    return getattr(module, name)(*arrays)


def _move(value, convert):
    """Arrays cross devices; Python scalars and None (kernel parameters) stay as they are."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return convert(value)


def _map_result(result, convert):
    """A kernel returns an array or a tuple of arrays (None for an output not asked for)."""
    if isinstance(result, tuple):
        return tuple(None if r is None else convert(r) for r in result)
    return convert(result)
