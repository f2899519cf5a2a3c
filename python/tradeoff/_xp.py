"""Array-module helpers: NumPy on the CPU, CuPy on the GPU.

Anything exposing ``__cuda_array_interface__`` (CuPy, PyTorch CUDA tensors, Numba device
arrays) is treated as a GPU array and viewed as a CuPy array without a copy.
"""

from __future__ import annotations

import numpy as np


def is_gpu_array(x) -> bool:
    """True for GPU arrays (objects exposing ``__cuda_array_interface__``)."""
    return not isinstance(x, np.ndarray) and hasattr(x, "__cuda_array_interface__")


def cupy_module():
    """Import CuPy or raise an ImportError that says how to get it."""
    try:
        import cupy
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise ImportError(
            "a GPU array was given but CuPy is not installed; "
            "install it with `pip install tradeoff[cuda]` (CuPy for CUDA 13)"
        ) from exc
    return cupy


def array_module(x):
    """The array module (numpy or cupy) that owns ``x``."""
    if is_gpu_array(x):
        return cupy_module()
    return np


def to_numpy(x) -> np.ndarray:
    """A host copy of a GPU array (or the array itself when already on the host)."""
    if is_gpu_array(x):
        return cupy_module().asnumpy(x)
    return np.asarray(x)
