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


# --- Sinkhorn (cuda/sinkhorn.cu) ---------------------------------------------------------------

_INF = float("inf")


def _sk_args(**over):
    """Arguments of sinkhorn_dense_float64 for a (1, 4, 3) problem; fake non-null addresses
    (8) that no check dereferences: every case below must raise before touching the device."""
    args = dict(
        cost=8, a=8, b=8, f0=8, g0=8, eps_stages=[1.0], tau_a=_INF, tau_b=_INF, max_iter=10,
        tol=1e-6, stage_iter=1, batch=1, n=4, m=3, plan=0, f=8, g=8, cost_out=8, objective=8,
        err=8, n_iter=8, method_used=8, workspace=8, workspace_bytes=10**6, stream=0, device=0,
    )  # fmt: skip
    args.update(over)
    return args


def test_sinkhorn_functions_exist_with_docstrings(cuda_module):
    for suffix in ("float32", "float64"):
        for kind in ("dense", "points"):
            fn = getattr(cuda_module, f"sinkhorn_{kind}_{suffix}")
            assert "Sinkhorn" in fn.__doc__ and "sinkhorn_workspace_bytes" in fn.__doc__
            assert "log domain" in fn.__doc__
    assert "workspace" in cuda_module.sinkhorn_workspace_bytes.__doc__
    assert cuda_module.sinkhorn_check_every() >= 1


def test_sinkhorn_workspace_size(cuda_module):
    size = cuda_module.sinkhorn_workspace_bytes
    assert size(0, 0, 0, 0) >= 0
    small, big = size(1, 100, 200, 1), size(4, 100, 200, 1)
    assert small >= 8 * (3 * 100 + 200) and big > small
    assert size(1, 100, 200, 50) > small  # the eps stages travel in the workspace
    assert size(1, 5000, 5000, 1) < 64 * 2**20  # no (n, m) buffer: O(n + m * chunks)
    with pytest.raises(ValueError, match="sizes must be >= 0"):
        size(-1, 3, 3, 1)
    with pytest.raises(ValueError, match="sizes must be >= 0"):
        size(1, 3, 3, -1)
    with pytest.raises(ValueError, match="overflows"):
        size(2**40, 2**30, 2**30, 1)


def test_sinkhorn_fused_choice_depends_on_the_problem_size_only(cuda_module):
    fused = cuda_module.sinkhorn_fused
    assert fused(1, 1) and fused(32, 32) and fused(128, 128)
    assert not fused(129, 128) and not fused(5000, 5000)
    assert not fused(2048, 1)  # tall: rows one at a time per warp would be slow
    assert not fused(2**31, 2**31)  # no overflow


@pytest.mark.parametrize(
    "over, match",
    [
        ({"batch": -1}, "sizes must be >= 0"),
        ({"n": 2**31}, "batch, n and m must be <= 2147483647"),
        ({"batch": 2**31}, "batch, n and m must be <= 2147483647"),
        ({"eps_stages": []}, "eps_stages must hold at least one value"),
        ({"eps_stages": [1.0, 0.0]}, "eps_stages must be finite and > 0; entry 1"),
        ({"eps_stages": [float("nan")]}, "eps_stages must be finite and > 0"),
        ({"eps_stages": [_INF]}, "eps_stages must be finite and > 0"),
        ({"tau_a": 0.0}, "tau_a and tau_b must be > 0"),
        ({"tau_b": float("nan")}, "tau_a and tau_b must be > 0"),
        ({"max_iter": -1}, "max_iter and stage_iter must be >= 0"),
        ({"stage_iter": -2}, "max_iter and stage_iter must be >= 0"),
        ({"tol": float("nan")}, "tol must be >= 0"),
        ({"tol": -1e-3}, "tol must be >= 0"),
        ({"workspace_bytes": 16}, "workspace holds 16 bytes; this launch needs"),
        ({"workspace": 0}, "workspace is a null pointer"),
        ({"cost": 0}, "cost is a null pointer"),
        ({"a": 0}, "a is a null pointer"),
        ({"g0": 0}, "g0 is a null pointer"),
        ({"f": 0}, "f is a null pointer"),
        ({"method_used": 0}, "method_used is a null pointer"),
    ],
)
def test_sinkhorn_launchers_check_before_touching_the_device(cuda_module, over, match):
    with pytest.raises(ValueError, match=match):
        cuda_module.sinkhorn_dense_float64(**_sk_args(**over))
    with pytest.raises(ValueError, match=match):
        cuda_module.sinkhorn_dense_float32(**_sk_args(**over))


def test_sinkhorn_points_launcher_checks(cuda_module):
    def points(**over):
        args = _sk_args(**over)
        cost = args.pop("cost")
        return cuda_module.sinkhorn_points_float64(
            x=cost, y=8, metric=over.get("metric", 0), d=over.get("d", 3),
            **{k: v for k, v in args.items() if k not in ("metric", "d")},
        )  # fmt: skip

    with pytest.raises(ValueError, match="d must be in"):
        points(d=0)
    with pytest.raises(ValueError, match="metric must be 0"):
        points(metric=2)
    with pytest.raises(ValueError, match="x is a null pointer"):
        points(cost=0)
    with pytest.raises(ValueError, match="eps_stages must be finite"):
        points(eps_stages=[-1.0])


def test_sinkhorn_empty_problems_launch_nothing(cuda_module):
    # nothing to do: null pointers and an empty workspace are fine, the device is never used
    nulls = {k: 0 for k in ("cost", "a", "b", "f0", "g0", "f", "g", "cost_out", "objective",
                            "err", "n_iter", "method_used", "workspace")}  # fmt: skip
    cuda_module.sinkhorn_dense_float64(**_sk_args(batch=0, workspace_bytes=0, **nulls))
    cuda_module.sinkhorn_dense_float32(**_sk_args(n=0, workspace_bytes=0, **nulls))


def test_gpu_sinkhorn_wrappers_exist_and_check_types(cuda_module):
    from tradeoff import _gpu

    for name in ("sinkhorn_dense", "sinkhorn_points"):
        fn = getattr(_gpu, name)
        assert "log domain" in fn.__doc__ and name in _gpu.__all__
    pytest.importorskip("cupy")
    import numpy as np

    with pytest.raises(TypeError, match="cupy.ndarray"):
        _gpu.sinkhorn_dense(np.ones((1, 2, 2)), None, None, None, None, np.array([1.0]), _INF,
                            _INF, 10, 0.0, 0, 1, True)  # fmt: skip
