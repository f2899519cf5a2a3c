"""tests/gpu: the CUDA path compared with the CPU path (see tests/gpu/test_gpu_pareto.py).

Every test here is marked ``gpu`` and the whole folder is skipped, with the reason, when CuPy
is missing or finds no usable device. The check is ``cupy.is_available()``, not the import:
CuPy imports fine on a machine without a GPU and only fails at the first array operation.

When CuPy does see a device, the tests run, and they fail loudly if tradeoff was built without
its CUDA module (tradeoff._cuda): a GPU machine is exactly where that build must be tested.
"""

from __future__ import annotations

import functools
import warnings

import pytest


@functools.cache
def gpu_skip_reason() -> str | None:
    """None when CuPy has a usable CUDA device, else why the GPU tests are skipped."""
    try:
        import cupy
    except ImportError:
        return "CuPy is not installed (pip install tradeoff[cuda]); GPU tests need CuPy and a GPU"
    try:
        with warnings.catch_warnings():  # CuPy may warn about its CUDA setup here
            warnings.simplefilter("ignore")
            ok = cupy.is_available()
    except Exception as exc:  # noqa: BLE001 - any failure means "no usable device"
        return f"CuPy cannot use a CUDA device (cupy.is_available() raised {exc!r})"
    if not ok:
        return "no usable CUDA device: cupy.is_available() is False (no GPU or no driver)"
    return None


@pytest.fixture(autouse=True)
def _require_gpu():
    reason = gpu_skip_reason()
    if reason is not None:
        pytest.skip(reason)


@pytest.fixture
def cp():
    """The CuPy module (the tests import it through this fixture, never at module level)."""
    import cupy

    return cupy
