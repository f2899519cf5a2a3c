"""The compiled CUDA module (tradeoff._cuda, from cuda/bindings_cuda.cpp) on any machine.

Not marked ``gpu``: this runs everywhere the module was built, GPU or not, because the build
promises that _cuda imports without a driver (CUDA runtime linked statically, libcuda never
linked) and reports 0 devices instead of raising. CI's CUDA compile-only job relies on it.
The GPU behaviour itself is tested in tests/gpu/.
"""

from __future__ import annotations

import importlib
import importlib.util

import pytest


@pytest.fixture
def cuda_module():
    if importlib.util.find_spec("tradeoff._cuda") is None:
        pytest.skip("tradeoff._cuda was not built (no nvcc at build time, or TRADEOFF_CUDA=OFF)")
    # Present but broken (missing symbol, libcuda dependency, ...) must fail, not skip.
    return importlib.import_module("tradeoff._cuda")


def test_device_count_never_raises(cuda_module):
    count = cuda_module.device_count()
    assert isinstance(count, int)
    assert count >= 0
    assert isinstance(cuda_module.device_count_error(), str)
    if count == 0:
        assert cuda_module.device_count_error() != ""


def test_build_facts(cuda_module):
    assert isinstance(cuda_module.architectures, str)
    assert cuda_module.architectures
    assert isinstance(cuda_module.compiled_arch_list, str)
    assert cuda_module.runtime_version() >= 12000  # 1000 * major + 10 * minor
    assert cuda_module.driver_version() >= 0


def test_probe_reports_instead_of_raising(cuda_module):
    count = cuda_module.device_count()
    assert cuda_module.probe_device(count) != ""  # one past the last device never exists
    assert cuda_module.probe_device(-1) != ""


def test_launchers_check_sizes_before_touching_the_device(cuda_module):
    launch = cuda_module.pareto_rank_float64
    with pytest.raises(ValueError, match="sizes must be >= 0"):
        launch(0, -1, 5, 2, 0, 0, 0, 0, 0, 0, 0)
    with pytest.raises(ValueError, match="ranks is a null pointer"):
        launch(8, 1, 5, 2, 0, 8, 8, 8, 8, 0, 0)
    with pytest.raises(ValueError, match="n and m must be"):
        cuda_module.nondominated_float32(8, 1, 2**40, 2, 8, 0, 0)
    # empty problems launch nothing, so null pointers are fine
    launch(0, 0, 5, 2, 0, 0, 0, 0, 0, 0, 0)
    cuda_module.nondominated_float32(0, 3, 0, 2, 0, 0, 0)


def test_gpu_driver_explains_missing_device(cuda_module):
    from tradeoff import _gpu

    if cuda_module.device_count() == 0:
        assert _gpu.available() is False
        reason = _gpu.unavailable_reason()
        assert reason and ("CUDA" in reason or "CuPy" in reason)


def test_hypervolume_launchers_check_sizes_before_touching_the_device(cuda_module):
    assert cuda_module.hv_supported(128, 4) is True
    assert cuda_module.hv_supported(129, 4) is False
    assert cuda_module.hv_supported(10, 5) is False
    assert cuda_module.hv_max_points(3) >= 128
    # points=8, ref=0 (null), batch=1, n=5, m=3, then workspaces and scratch
    with pytest.raises(ValueError, match="ref is a null pointer"):
        cuda_module.hypervolume_float64(8, 0, 1, 5, 3, 8, 8, 8, 8, 10**6, 0, 0)
