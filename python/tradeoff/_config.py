"""``show_config()``: versions, which backends loaded, threads and CUDA facts."""

from __future__ import annotations

import platform
import sys

import numpy as np

from . import _backend


def set_num_threads(n: int) -> None:
    """Threads the native CPU driver uses across a batch (default: all cores, or the
    ``TRADEOFF_NUM_THREADS`` environment variable)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads expects an integer >= 1; got {n!r}")
    core = _backend.core_module()
    if core is None:
        raise RuntimeError("the native module tradeoff._core is not built; threads do not apply")
    core.set_num_threads(n)


def config() -> dict:
    """What loaded and how, as a dict (``show_config`` prints it)."""
    from . import __version__
    from ._fallback import _jit

    info: dict = {
        "tradeoff": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "numpy": np.__version__,
        "backend (forced)": _backend.forced_backend() or "auto",
    }
    core = _backend.core_module()
    if core is None:
        info["native"] = f"not available ({_backend._import_core()})"
    else:
        info["native"] = f"loaded ({core.compiler}), {core.num_threads()} threads"
    info["fallback"] = (
        f"numba {_jit.NUMBA_VERSION} (JIT)" if _jit.NUMBA_VERSION else "plain Python + NumPy"
    )
    cuda = _backend.cuda_module()
    if cuda is None:
        info["cuda"] = "not built (no nvcc at build time, or TRADEOFF_CUDA=OFF)"
    else:
        from . import _gpu

        count = cuda.device_count()
        reason = None if count else _gpu.unavailable_reason()
        info["cuda"] = (
            f"built for architectures {cuda.architectures}; CUDA runtime "
            f"{cuda.runtime_version()}; {count} device(s)" + (f" ({reason})" if reason else "")
        )
    try:
        import cupy

        info["cupy"] = cupy.__version__
    except ImportError:
        info["cupy"] = "not installed (pip install tradeoff[cuda])"
    return info


def show_config(file=None) -> None:
    """Print :func:`config` as aligned ``key: value`` lines."""
    info = config()
    width = max(len(k) for k in info)
    for key, value in info.items():
        print(f"{key:<{width}} : {value}", file=file or sys.stdout)
