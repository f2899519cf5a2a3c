"""GPU linear assignment (cuda/assignment.cu through tradeoff._gpu) against the CPU path.

CPU twin of these checks: tests/test_assignment_agreement.py. The kernels make the CPU's
decisions bit for bit (same double arithmetic in the same order, every tie broken by
(value, index)), so every output of the kernel interface must EQUAL the CPU's: the matching
both ways, the potentials u and v and the total compared as bit patterns (so even the sign of a
zero must agree), and the status.

Oracle: ``tradeoff._core.lap_solve`` (``tradeoff._fallback.assignment.lap_solve`` when the
native module lacks it) on the same inputs as NumPy arrays.

Cases aim at the kernels' edges: every path (one thread, one warp, one block with its workspace
in shared memory or in the device workspace) on the same data, sizes around a warp and around
the path limits, rectangular both ways (the transposed solve), tie-heavy integer costs,
forbidden pairs (+inf; -inf when maximizing), infeasible and invalid instances mixed into one
batch, ragged per-instance sizes (NaN outside the active blocks), float32, maximize, batches of
1 to 20000 instances, n up to 1200; CuPy in and out on the current (non-default) stream; the
public functions ``tradeoff.assignment`` / ``tradeoff.linear_assignment`` on CuPy input.

Skipped as a whole without CuPy or a device (tests/gpu/conftest.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tradeoff

pytestmark = pytest.mark.gpu

INF = math.inf
FIELDS = ("col_of_row", "row_of_col", "u", "v", "total", "status")
DTYPES = {"col_of_row": np.int64, "row_of_col": np.int64, "u": np.float64, "v": np.float64,
          "total": np.float64, "status": np.int8}  # fmt: skip
# Kernel paths of lap_solve's launcher (cuda/launchers.hpp): 0 = its own choice.
AUTO, WARP, BLOCK_SHARED, BLOCK_GLOBAL, THREAD = 0, 1, 2, 3, 4


# --- helpers ---------------------------------------------------------------------------------


def _cpu():
    """The CPU kernel interface: _core when it has lap_solve, else the fallback."""
    try:
        from tradeoff import _core as core
    except ImportError:
        core = None
    if core is not None and hasattr(core, "lap_solve"):
        return core.lap_solve
    from tradeoff._fallback.assignment import lap_solve

    return lap_solve


def _full_sizes(b, n, m):
    return np.full(b, n, dtype=np.int64), np.full(b, m, dtype=np.int64)


def _gpu_run(cp, cost, rows, cols, maximize, path=AUTO):
    from tradeoff import _gpu

    c = cp.asarray(cost)
    if path == AUTO:
        return _gpu.lap_solve(c, cp.asarray(rows), cp.asarray(cols), maximize)
    return _gpu._lap_run(c, cp.asarray(rows), cp.asarray(cols), maximize, path)


def _assert_same(cp, got, want, where=""):
    """Every output equal; floats as bit patterns."""
    assert len(got) == 6
    for name, g, w in zip(FIELDS, got, want):
        assert isinstance(g, cp.ndarray), f"{name} is {type(g)!r}, not a CuPy array"
        g = cp.asnumpy(g)
        w = np.asarray(w)
        assert g.dtype == DTYPES[name], (name, g.dtype)
        assert g.shape == w.shape, (name, g.shape, w.shape)
        if g.dtype == np.float64:
            same = g.view(np.int64) == w.astype(np.float64).view(np.int64)
        else:
            same = g == w.astype(g.dtype)
        if not np.all(same):
            bad = np.argwhere(~same)[:5]
            detail = [(tuple(int(i) for i in k), g[tuple(k)], w[tuple(k)]) for k in bad]
            raise AssertionError(f"{where}: {name} differs from the CPU at {detail}")


def _check(cp, cost, rows=None, cols=None, maximize=False, paths=(AUTO,), where=""):
    """GPU (each path) == CPU on the same inputs; returns the CPU result."""
    cost = np.ascontiguousarray(cost)
    b, n, m = cost.shape
    if rows is None:
        rows, cols = _full_sizes(b, n, m)
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    want = _cpu()(cost, rows, cols, maximize)
    for path in paths:
        got = _gpu_run(cp, cost, rows, cols, maximize, path)
        _assert_same(cp, got, want, f"{where} path={path} shape={cost.shape} max={maximize}")
    return want


def _paths_for(n, m):
    """Every path that can serve (n, m) arrays."""
    from tradeoff import _gpu

    mod = _gpu._cuda_module()
    return [AUTO] + [
        p for p in (WARP, BLOCK_SHARED, BLOCK_GLOBAL, THREAD) if mod.lap_path_fits(p, n, m)
    ]


def _rng(seed):
    return np.random.default_rng(seed)


# --- agreement on random data ----------------------------------------------------------------

SHAPES = [(1, 1), (1, 7), (7, 1), (2, 3), (5, 5), (16, 16), (31, 33), (32, 32), (33, 31),
          (64, 64), (100, 128), (129, 129), (150, 200), (200, 150), (256, 256)]  # fmt: skip


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("maximize", [False, True])
def test_random_float_every_path_matches_cpu(cp, shape, maximize):
    n, m = shape
    cost = _rng(n * 1000 + m).random((3, n, m))
    _check(cp, cost, maximize=maximize, paths=_paths_for(n, m), where="float")


@pytest.mark.parametrize("shape", SHAPES)
def test_tie_heavy_integers_every_path_matches_cpu(cp, shape):
    n, m = shape
    rng = _rng(n * 7 + m)
    for hi in (2, 4):  # few distinct values: many equal reduced costs and distances
        cost = rng.integers(0, hi, (3, n, m)).astype(np.float64)
        _check(cp, cost, paths=_paths_for(n, m), where=f"ties<{hi}")
        _check(cp, cost, maximize=True, paths=_paths_for(n, m), where=f"ties<{hi} max")


@pytest.mark.parametrize("shape", [(8, 8), (40, 40), (100, 100), (300, 300), (512, 512)])
def test_float32_matches_cpu(cp, shape):
    n, m = shape
    cost = _rng(n + 3).random((2, n, m)).astype(np.float32)
    _check(cp, cost, paths=_paths_for(n, m), where="float32")
    _check(cp, cost, maximize=True, where="float32 max")


@pytest.mark.parametrize(
    "shape", [(3, 50), (50, 3), (20, 130), (130, 20), (100, 300), (300, 100), (200, 1500),
              (1500, 200), (500, 2000)],
)  # fmt: skip
def test_rectangular_both_ways_match_cpu(cp, shape):
    n, m = shape
    rng = _rng(n * 31 + m)
    _check(cp, rng.random((2, n, m)), paths=_paths_for(n, m), where="rect float")
    cost = rng.integers(0, 5, (2, n, m)).astype(np.float64)
    _check(cp, cost, maximize=True, where="rect ties max")


@pytest.mark.parametrize("n", [384, 512, 1200])
def test_medium_square_matches_cpu(cp, n):
    rng = _rng(n)
    _check(cp, rng.random((1, n, n)), paths=_paths_for(n, n), where="medium float")
    cost = rng.integers(0, 1000, (1, n, n)).astype(np.float64)
    want = _check(cp, cost, where="medium int")
    assert want[5][0] == 0


def test_large_integer_costs_are_exact(cp):
    """Integer costs up to 2^40: every operation exact, the total equals the matched sum."""
    rng = _rng(11)
    cost = rng.integers(-(2**40), 2**40, (4, 60, 70)).astype(np.float64)
    want = _check(cp, cost, where="big ints")
    rows = np.arange(60)
    for b in range(4):
        assert want[4][b] == cost[b, rows, want[0][b]].sum()


def test_matches_scipy_optimum(cp):
    scipy_opt = pytest.importorskip("scipy.optimize")
    rng = _rng(5)
    for n, m in [(30, 30), (20, 45), (45, 20), (200, 200)]:
        cost = rng.integers(0, 50, (1, n, m)).astype(np.float64)
        got = _gpu_run(cp, cost, *_full_sizes(1, n, m), False)
        r, c = scipy_opt.linear_sum_assignment(cost[0])
        assert float(cp.asnumpy(got[4])[0]) == cost[0, r, c].sum()


# --- forbidden pairs, infeasible and invalid instances -----------------------------------------


@pytest.mark.parametrize("shape", [(6, 6), (30, 40), (40, 30), (90, 90), (200, 260)])
@pytest.mark.parametrize("density", [0.3, 0.7])
def test_forbidden_pairs_match_cpu(cp, shape, density):
    n, m = shape
    rng = _rng(n + m + int(density * 10))
    cost = rng.integers(0, 20, (6, n, m)).astype(np.float64)
    cost[rng.random(cost.shape) < density] = INF  # some instances become infeasible
    want = _check(cp, cost, paths=_paths_for(n, m), where="forbidden")
    flipped = -cost  # +inf -> -inf: forbidden when maximizing
    _check(cp, flipped, maximize=True, paths=_paths_for(n, m), where="forbidden max")
    assert set(np.unique(want[5])) <= {0, 1}


def test_infeasible_instances_mixed_into_a_batch(cp):
    rng = _rng(9)
    cost = rng.random((5, 12, 15))
    cost[1, 4, :] = INF  # a row with no allowed column
    cost[3, :, :] = INF
    cost[3, :, 0] = 1.0  # every row can only take column 0
    want = _check(cp, cost, paths=_paths_for(12, 15), where="infeasible")
    assert want[5].tolist() == [0, 1, 0, 1, 0]
    tall = np.ascontiguousarray(np.swapaxes(cost, 1, 2))  # the same, transposed
    want = _check(cp, tall, paths=_paths_for(15, 12), where="infeasible transposed")
    assert want[5].tolist() == [0, 1, 0, 1, 0]


def test_invalid_entries_flagged_per_instance(cp):
    cost = _rng(4).random((6, 5, 6))
    cost[0, 2, 3] = np.nan
    cost[1, 4, 5] = -INF  # invalid when minimizing
    cost[2, 0, 0] = INF  # forbidden when minimizing, invalid when maximizing
    cost[3, 1, 1] = -INF
    cost[3, 2, 2] = np.nan
    want = _check(cp, cost, paths=_paths_for(5, 6), where="invalid min")
    assert want[5].tolist() == [2, 2, 0, 2, 0, 0]
    want = _check(cp, cost, maximize=True, paths=_paths_for(5, 6), where="invalid max")
    assert want[5].tolist() == [2, 0, 2, 2, 0, 0]


# --- ragged sizes and empty instances ------------------------------------------------------------


@pytest.mark.parametrize("shape", [(9, 11), (32, 32), (70, 50), (200, 200)])
def test_ragged_sizes_with_nan_padding(cp, shape):
    n, m = shape
    rng = _rng(n * m)
    b = 24
    cost = rng.integers(0, 6, (b, n, m)).astype(np.float64)
    rows = rng.integers(0, n + 1, b)
    cols = rng.integers(0, m + 1, b)
    rows[:4] = [0, n, 0, n]
    cols[:4] = [0, 0, m, m]
    for k in range(b):  # NaN everywhere outside the active blocks: never read
        cost[k, rows[k] :, :] = np.nan
        cost[k, :, cols[k] :] = np.nan
    want = _check(cp, cost, rows, cols, paths=_paths_for(n, m), where="ragged")
    assert np.all(want[5] == 0)
    _check(cp, cost, rows, cols, maximize=True, paths=_paths_for(n, m), where="ragged max")


@pytest.mark.parametrize("shape", [(0, 0), (0, 5), (5, 0), (3, 4)])
def test_empty_and_zero_sized_instances(cp, shape):
    n, m = shape
    cost = np.ones((3, n, m))
    rows = np.minimum([0, n, n], n)
    cols = np.minimum([m, 0, m], m)
    _check(cp, cost, rows, cols, where="empty")


def test_empty_batch(cp):
    from tradeoff import _gpu

    got = _gpu.lap_solve(cp.zeros((0, 4, 5)), cp.zeros(0, dtype=cp.int64),
                         cp.zeros(0, dtype=cp.int64), False)  # fmt: skip
    shapes = [(0, 4), (0, 5), (0, 4), (0, 5), (0,), (0,)]
    for g, s, name in zip(got, shapes, FIELDS):
        assert isinstance(g, cp.ndarray) and g.shape == s and g.dtype == DTYPES[name]


# --- batch sizes and paths -------------------------------------------------------------------------


@pytest.mark.parametrize("batch", [1, 2, 5, 33, 1000, 4097])
@pytest.mark.parametrize("size", [4, 16, 50])
def test_batch_sizes(cp, batch, size):
    rng = _rng(batch + size)
    cost = rng.integers(0, 10, (batch, size, size)).astype(np.float64)
    _check(cp, cost, where="batch")


def test_huge_batch_of_tiny_problems_takes_the_thread_path(cp):
    from tradeoff import _gpu

    mod = _gpu._cuda_module()
    b, n = 20000, 16
    assert mod.lap_path(b, n, n) == THREAD
    assert mod.lap_path(b, 17, 17) == WARP  # the warp path is faster from 17 columns (H100)
    assert mod.lap_path(b, 32, 32) == WARP
    assert mod.lap_path(b, 40, 40) == WARP
    assert mod.lap_path_fits(THREAD, 32, 32)  # forcing the thread path still serves 32 x 32
    rng = _rng(20000)
    cost = rng.integers(0, 8, (b, n, n)).astype(np.float64)
    cost[rng.random(cost.shape) < 0.05] = INF
    _check(cp, cost, paths=(AUTO, WARP), where="huge batch")
    cost32 = rng.random((b, 9, 12)).astype(np.float32)
    _check(cp, cost32, maximize=True, where="huge batch f32")


def test_path_geometry(cp):
    from tradeoff import _gpu

    mod = _gpu._cuda_module()
    assert mod.lap_path(10, 128, 128) == WARP
    assert mod.lap_path(10, 129, 129) == BLOCK_SHARED
    assert mod.lap_path(10, 1000, 1000) == BLOCK_SHARED
    assert mod.lap_path(10, 1100, 1100) == BLOCK_GLOBAL
    assert mod.lap_workspace_bytes(10, 1000, 1000, 0) == 0
    assert mod.lap_workspace_bytes(10, 1100, 1100, 0) > 0
    assert mod.lap_workspace_bytes(10, 50, 50, BLOCK_GLOBAL) > 0
    assert not mod.lap_path_fits(THREAD, 33, 10)
    with pytest.raises(ValueError, match="cannot serve"):
        mod.lap_workspace_bytes(10, 100, 100, THREAD)
    assert mod.lap_block_threads(WARP, 10, 10) == 32
    assert mod.lap_block_threads(BLOCK_SHARED, 1024, 1024) == 256


# --- CuPy in and out, streams, inputs untouched ------------------------------------------------


def test_non_default_stream(cp):
    rng = _rng(77)
    cost = rng.integers(0, 30, (64, 40, 40)).astype(np.float64)
    rows, cols = _full_sizes(64, 40, 40)
    want = _cpu()(cost, rows, cols, False)
    from tradeoff import _gpu

    stream = cp.cuda.Stream(non_blocking=True)
    with stream:
        c = cp.asarray(cost) * 1.0  # produced on the stream: the kernel must wait for it
        r = cp.asarray(rows) + 0
        k = cp.asarray(cols) + 0
        got = _gpu.lap_solve(c, r, k, False)
        assert cp.cuda.get_current_stream() == stream
    stream.synchronize()
    _assert_same(cp, got, want, "stream")


def test_inputs_are_not_modified_and_results_do_not_alias(cp):
    from tradeoff import _gpu

    cost = cp.asarray(_rng(3).random((4, 20, 25)))
    rows, cols = cp.full(4, 20, dtype=cp.int64), cp.full(4, 25, dtype=cp.int64)
    before = (cost.copy(), rows.copy(), cols.copy())
    got = _gpu.lap_solve(cost, rows, cols, True)
    assert bool(cp.all(cost == before[0])) and bool(cp.all(rows == before[1]))
    assert bool(cp.all(cols == before[2]))
    for g in got:
        for a in (cost, rows, cols):
            assert g.data.ptr != a.data.ptr


def test_numpy_sizes_accepted(cp):
    from tradeoff import _gpu

    cost = _rng(8).random((3, 6, 7))
    rows = np.array([6, 3, 0])
    cols = np.array([7, 7, 2], dtype=np.int32)
    got = _gpu.lap_solve(cp.asarray(cost), rows, cols, False)
    _assert_same(cp, got, _cpu()(cost, rows.astype(np.int64), cols.astype(np.int64), False),
                 "numpy sizes")  # fmt: skip


def test_bad_arguments_raise(cp):
    from tradeoff import _gpu

    cost = cp.asarray(_rng(1).random((2, 3, 4)))
    ok = cp.asarray([3, 3])
    with pytest.raises(TypeError, match="cupy.ndarray"):
        _gpu.lap_solve(cp.asnumpy(cost), ok, ok, False)
    with pytest.raises(ValueError, match="float32 or float64"):
        _gpu.lap_solve(cost.astype(cp.int64), ok, ok, False)
    with pytest.raises(ValueError, match="C-contiguous"):
        _gpu.lap_solve(cost[:, :, ::2], ok, ok, False)
    with pytest.raises(ValueError, match="C-contiguous"):
        _gpu.lap_solve(cost[0], ok, ok, False)
    with pytest.raises(ValueError, match=r"rows\[1\] = 4 is outside \[0, 3\]"):
        _gpu.lap_solve(cost, cp.asarray([3, 4]), cp.asarray([4, 4]), False)
    with pytest.raises(ValueError, match=r"cols\[0\] = -1 is outside \[0, 4\]"):
        _gpu.lap_solve(cost, np.array([3, 3]), np.array([-1, 4]), False)
    with pytest.raises(ValueError, match="shape"):
        _gpu.lap_solve(cost, cp.asarray([3, 3, 3]), ok, False)
    with pytest.raises(ValueError, match="integer"):
        _gpu.lap_solve(cost, cp.asarray([3.0, 3.0]), ok, False)


def test_wild_pointers_are_refused_by_the_launcher(cp):
    from tradeoff import _gpu

    mod = _gpu._cuda_module()
    with pytest.raises(ValueError, match="null pointer"):
        mod.lap_solve_float64(0, 0, 0, 2, 3, 3, False, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    with pytest.raises(ValueError, match="workspace"):
        mod.lap_solve_float64(1, 1, 1, 2, 1200, 1200, False, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0)
    with pytest.raises(ValueError, match="2147483647"):
        mod.lap_workspace_bytes(1, 2**31, 2, 0)


# --- the public functions on CuPy input ---------------------------------------------------------


def _public():
    if not hasattr(tradeoff, "assignment") or not hasattr(tradeoff, "linear_assignment"):
        pytest.skip("tradeoff.assignment / linear_assignment not available in this build")
    return tradeoff.assignment, tradeoff.linear_assignment


def test_public_assignment_cupy_in_cupy_out(cp):
    assignment, _ = _public()
    rng = _rng(12)
    cost = rng.integers(0, 9, (30, 25)).astype(np.float64)
    on_cpu = assignment(cost)
    on_gpu = assignment(cp.asarray(cost))
    for name in ("col_of_row", "row_of_col", "u", "v"):
        g = getattr(on_gpu, name)
        assert isinstance(g, cp.ndarray), name
        np.testing.assert_array_equal(cp.asnumpy(g), getattr(on_cpu, name), err_msg=name)
    assert float(on_gpu.cost) == float(on_cpu.cost)


def test_public_batch_with_sizes_and_maximize(cp):
    assignment, _ = _public()
    rng = _rng(13)
    cost = rng.random((8, 12, 14)).astype(np.float32)
    sizes = np.array([[12, 14], [3, 9], [9, 3], [0, 5], [12, 1], [1, 14], [7, 7], [12, 14]])
    on_cpu = assignment(cost, maximize=True, sizes=sizes)
    on_gpu = assignment(cp.asarray(cost), maximize=True, sizes=sizes)
    for name in ("col_of_row", "row_of_col", "u", "v", "cost"):
        np.testing.assert_array_equal(
            cp.asnumpy(getattr(on_gpu, name)), np.asarray(getattr(on_cpu, name)), err_msg=name
        )


def test_public_linear_assignment_cupy(cp):
    _, linear_assignment = _public()
    rng = _rng(14)
    for shape in [(20, 20), (10, 30), (30, 10), (5, 40, 33)]:
        cost = rng.random(shape)
        r_cpu, c_cpu = linear_assignment(cost)
        r_gpu, c_gpu = linear_assignment(cp.asarray(cost))
        assert isinstance(r_gpu, cp.ndarray) and isinstance(c_gpu, cp.ndarray)
        np.testing.assert_array_equal(cp.asnumpy(r_gpu), r_cpu)
        np.testing.assert_array_equal(cp.asnumpy(c_gpu), c_cpu)


def test_public_errors_name_the_batch_index(cp):
    assignment, _ = _public()
    cost = _rng(15).random((4, 5, 5))
    cost[2, 1, :] = INF
    with pytest.raises(tradeoff.InfeasibleError, match="batch index 2"):
        assignment(cp.asarray(cost))
    cost[3, 0, 0] = np.nan
    with pytest.raises(ValueError, match="3"):
        assignment(cp.asarray(cost))
