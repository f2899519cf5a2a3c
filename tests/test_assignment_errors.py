"""Every error message of the linear-assignment functions, the order in which a batch's
problems are reported, refusal of absurd sizes before allocating, and that the kernels called
directly with malformed arguments raise instead of crashing."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import cpu_backends
from test_assignment import HAVE_NATIVE, NATIVE_MISSING

import tradeoff
from tradeoff import _backend
from tradeoff._fallback import assignment as fallback_kernel

COST = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 2.0, 1.0]])
SOLVERS = {"assignment": tradeoff.assignment, "linear_assignment": tradeoff.linear_assignment}


@pytest.fixture(params=cpu_backends())
def backend(request):
    if request.param == "native" and not HAVE_NATIVE:
        pytest.skip(NATIVE_MISSING)
    with tradeoff.using_backend(request.param):
        yield request.param


@pytest.fixture(params=sorted(SOLVERS))
def solve(request):
    return SOLVERS[request.param]


# ------------------------------------------------------------------------- NaN and infinities


def test_nan_names_the_first_bad_entry(backend, solve):
    cost = COST.copy()
    cost[2, 0] = np.nan
    cost[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"^cost\[1, 2\] is NaN; every cost must be a number\. "
                       r"Mark a forbidden pair with \+inf, or replace NaN$"):
        solve(cost)
    with pytest.raises(ValueError, match=r"^cost\[1, 2\] is NaN; .* Mark a forbidden pair with "
                       r"-inf \(maximize=True\), or replace NaN$"):
        solve(cost, maximize=True)
    # a batch names the problem too: the lowest problem with a bad entry, its first entry
    batch = np.stack([COST, COST, cost, cost])
    with pytest.raises(ValueError, match=r"^cost\[2, 1, 2\] is NaN"):
        solve(batch)
    # float32, and an all-NaN matrix
    with pytest.raises(ValueError, match=r"^cost\[0, 0\] is NaN"):
        solve(np.full((2, 3), np.nan, dtype=np.float32))


def test_minus_inf_when_minimizing(backend, solve):
    cost = COST.copy()
    cost[0, 1] = -np.inf
    with pytest.raises(ValueError, match=r"^cost\[0, 1\] is -inf, which would make the total "
                       r"unbounded; mark a forbidden pair with \+inf \(or -inf with "
                       r"maximize=True\), or clip the values$"):
        solve(cost)
    with pytest.raises(ValueError, match=r"^cost\[1, 0, 1\] is -inf"):
        solve(np.stack([COST, cost]))
    # -inf is a forbidden pair when maximizing: accepted
    rows, cols = tradeoff.linear_assignment(cost, maximize=True)
    assert not ((rows == 0) & (cols == 1)).any()


def test_plus_inf_when_maximizing(backend, solve):
    cost = COST.copy()
    cost[2, 2] = np.inf
    with pytest.raises(ValueError, match=r"^cost\[2, 2\] is \+inf with maximize=True, which would "
                       r"make the total unbounded; mark a forbidden pair with -inf when "
                       r"maximizing, or clip the values$"):
        solve(cost, maximize=True)
    with pytest.raises(ValueError, match=r"^cost\[0, 2, 2\] is \+inf with maximize=True"):
        solve(np.stack([cost, COST]), maximize=True)
    # +inf is a forbidden pair when minimizing: accepted
    res = tradeoff.assignment(cost)
    assert res.col_of_row[2] != 2


def test_bad_entries_outside_the_sizes_are_ignored_but_inside_are_named(backend):
    cost = np.zeros((2, 4, 4))
    cost[0, 3, 3] = np.nan  # outside instance 0 (3 x 3)
    cost[1, 1, 1] = -np.inf  # inside instance 1 (2 x 2)
    with pytest.raises(ValueError, match=r"^cost\[1, 1, 1\] is -inf"):
        tradeoff.assignment(cost, sizes=[3, 2])
    res = tradeoff.assignment(cost, sizes=[3, 1])
    assert res.cost.tolist() == [0.0, 0.0]
    # the first bad entry of the active block, in row-major order of the block
    cost[1, 0, 1] = np.nan
    cost[1, 1, 0] = np.inf
    with pytest.raises(ValueError, match=r"^cost\[1, 0, 1\] is NaN"):
        tradeoff.assignment(cost, sizes=[[3, 3], [2, 2]], maximize=True)
    with pytest.raises(ValueError, match=r"^cost\[1, 1, 0\] is \+inf with maximize=True"):
        tradeoff.assignment(cost, sizes=[[3, 3], [2, 1]], maximize=True)


# ------------------------------------------------------------------------------- infeasibility


def test_infeasible_single_problems(backend, solve):
    assert issubclass(tradeoff.InfeasibleError, ValueError)
    cost = COST.copy()
    cost[:2, 1:] = np.inf  # rows 0 and 1 may only use column 0
    with pytest.raises(tradeoff.InfeasibleError, match=r"^no complete matching exists for this "
                       r"3 x 3 cost: the forbidden pairs \(\+inf\) leave no way to give each of "
                       r"the 3 rows its own column\. Allow more pairs \(a large finite cost "
                       r"instead of the infinity keeps them as a last resort\)$"):
        solve(cost)
    with pytest.raises(tradeoff.InfeasibleError, match=r"forbidden pairs \(-inf\) leave no way "
                       r"to give each of the 3 rows its own column"):
        solve(np.where(np.isinf(cost), -np.inf, cost), maximize=True)
    # a rectangular problem needs only its smaller side matched
    wide = np.full((2, 5), np.inf)
    wide[:, 3] = 1.0
    with pytest.raises(tradeoff.InfeasibleError, match=r"for this 2 x 5 cost: .* each of the 2 "
                       r"rows its own column"):
        solve(wide)
    with pytest.raises(tradeoff.InfeasibleError, match=r"for this 5 x 2 cost: .* each of the 2 "
                       r"columns its own row"):
        solve(wide.T)
    wide[1, 4] = 7.0  # now feasible
    rows, cols = tradeoff.linear_assignment(wide)
    assert cols.tolist() == [3, 4]
    # a row with no allowed pair at all
    with pytest.raises(tradeoff.InfeasibleError, match=r"this 1 x 3 cost"):
        solve(np.full((1, 3), np.inf))


def test_infeasible_batches_name_the_index(backend, solve):
    bad = COST.copy()
    bad[:, 0] = np.inf
    bad[:, 2] = np.inf  # every row may only use column 1
    batch = np.stack([COST, COST, bad, bad])
    with pytest.raises(tradeoff.InfeasibleError, match=r"^no complete matching exists for batch "
                       r"index 2 \(a 3 x 3 instance\): the forbidden pairs \(\+inf\) leave no "
                       r"way to give each of the 3 rows its own column"):
        solve(batch)


def test_infeasible_ragged_instances_name_their_own_sizes(backend):
    cost = np.full((3, 4, 5), np.inf)
    cost[:, :, 0] = 1.0  # only column 0 is allowed: any instance with 2+ rows and cols fails
    res = tradeoff.assignment(cost, sizes=[[1, 5], [4, 1], [0, 3]])
    assert res.cost.tolist() == [1.0, 1.0, 0.0]
    with pytest.raises(tradeoff.InfeasibleError, match=r"batch index 1 \(a 2 x 3 instance\): "
                       r".* each of the 2 rows its own column"):
        tradeoff.assignment(cost, sizes=[[1, 5], [2, 3], [4, 4]])
    with pytest.raises(tradeoff.InfeasibleError, match=r"batch index 2 \(a 4 x 2 instance\): "
                       r".* each of the 2 columns its own row"):
        tradeoff.assignment(cost, sizes=[[1, 5], [4, 1], [4, 2]])


def test_invalid_entries_are_reported_before_infeasibility(backend, solve):
    # problem 0 is infeasible, problem 1 holds NaN: the NaN is the error, whatever the order
    bad = np.full((3, 3), np.inf)
    nan = COST.copy()
    nan[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"^cost\[1, 0, 0\] is NaN") as info:
        solve(np.stack([bad, nan]))
    assert not isinstance(info.value, tradeoff.InfeasibleError)
    with pytest.raises(ValueError, match=r"^cost\[0, 0, 0\] is NaN"):
        solve(np.stack([nan, bad]))
    # two infeasible problems: the lowest index
    with pytest.raises(tradeoff.InfeasibleError, match=r"batch index 1 "):
        solve(np.stack([COST, bad, COST, bad]))


# ------------------------------------------------------------------------------ shape and dtype


@pytest.mark.parametrize("shape", [(3,), (), (1, 2, 2, 2)])
def test_cost_must_be_2d_or_3d(solve, shape):
    text = re.escape("(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")")
    with pytest.raises(ValueError, match=r"^cost must be a 2-D array of shape \(n, m\) or a 3-D "
                       rf"batch of shape \(B, n, m\); got shape {text}$"):
        solve(np.zeros(shape))


@pytest.mark.parametrize("value, dtype", [
    (COST + 1j, "complex128"),
    (COST.astype(object), "object"),
    (np.array([["a", "b"], ["c", "d"]]), "<U1"),
    (np.zeros((2, 2), dtype="datetime64[s]"), r"datetime64\[s\]"),
])
def test_cost_must_hold_real_numbers(solve, value, dtype):
    with pytest.raises(TypeError, match=r"^cost must hold real numbers \(float32, float64, "
                       rf"integers or bools\); got dtype {dtype}\. Convert it, e\.g\. "
                       r"np\.asarray\(cost, dtype=float\)$"):
        solve(value)


def test_ragged_nested_lists(solve):
    with pytest.raises(ValueError, match=r"^cost must be a rectangular array \(every row the same "
                       r"length\); got a ragged sequence .*Pad or trim the rows, or pass a NumPy "
                       r"array\.$"):
        solve([[0.0, 1.0], [1.0]])


@pytest.mark.parametrize("flag", ["yes", None, 2, 0.5, [True]])
def test_maximize_must_be_a_bool(solve, flag):
    text = re.escape(repr(flag))
    with pytest.raises(TypeError, match=rf"^maximize must be True or False; got {text}$"):
        solve(COST, maximize=flag)


def test_linear_assignment_takes_no_sizes():
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'sizes'"):
        tradeoff.linear_assignment(np.zeros((2, 3, 3)), sizes=[1, 2])


# ------------------------------------------------------------------------------------- sizes


def test_sizes_need_a_batch():
    with pytest.raises(ValueError, match=r"^sizes applies to a batch: give a 3-D cost \(B, n, m\) "
                       r"with sizes of shape \(B,\) or \(B, 2\), or drop sizes and pass the "
                       r"instance's own \(n, m\) cost$"):
        tradeoff.assignment(COST, sizes=[2])


@pytest.mark.parametrize("sizes, shape", [
    ([1, 2, 3], r"\(3,\)"),
    (np.ones((2, 3), int), r"\(2, 3\)"),
    (np.ones((2, 2, 2), int), r"\(2, 2, 2\)"),
    (2, r"\(\)"),
    ([[1, 1]], r"\(1, 2\)"),
])
def test_sizes_shape(sizes, shape):
    with pytest.raises(ValueError, match=r"^sizes must have shape \(2,\) \(square instances\) or "
                       r"\(2, 2\) \(rows and columns of each instance\) for a batch of 2 "
                       rf"problems; got shape {shape}$"):
        tradeoff.assignment(np.zeros((2, 3, 4)), sizes=sizes)


@pytest.mark.parametrize("sizes, text", [([2.5, 1.0], r"float64 \(\[2\.5, 1\.0\]\.\.\.\)"),
                                         ([np.nan, 1.0], r"float64 \(\[nan, 1\.0\]\.\.\.\)"),
                                         ([True, False], r"bool \(\[True, False\]\.\.\.\)"),
                                         (["2", "1"], r"<U1 \(\['2', '1'\]\.\.\.\)")])
def test_sizes_must_be_integers(sizes, text):
    with pytest.raises(TypeError, match=rf"^sizes must hold integers; got dtype {text}\. Pass "
                       r"whole numbers of rows and columns$"):
        tradeoff.assignment(np.zeros((2, 3, 3)), sizes=sizes)


def test_sizes_must_be_nonnegative():
    with pytest.raises(ValueError, match=r"^sizes must be >= 0; instance 1 has -1 rows$"):
        tradeoff.assignment(np.zeros((2, 3, 3)), sizes=[2, -1])
    with pytest.raises(ValueError, match=r"^sizes must be >= 0; instance 0 has -2 columns$"):
        tradeoff.assignment(np.zeros((2, 3, 3)), sizes=[[1, -2], [1, 1]])


def test_sizes_must_fit_inside_the_cost():
    with pytest.raises(ValueError, match=r"^sizes ask for 5 rows in instance 1, but the cost has "
                       r"only 4 rows \(shape \(2, 4, 6\)\); sizes must fit inside it$"):
        tradeoff.assignment(np.zeros((2, 4, 6)), sizes=[[4, 6], [5, 1]])
    with pytest.raises(ValueError, match=r"^sizes ask for 7 columns in instance 0, but the cost "
                       r"has only 6 columns \(shape \(2, 4, 6\)\)"):
        tradeoff.assignment(np.zeros((2, 4, 6)), sizes=[[4, 7], [1, 1]])
    with pytest.raises(ValueError, match=r"^sizes ask for 4 rows in instance 0, but the cost has "
                       r"only 3 rows \(shape \(2, 3, 3\)\)"):
        tradeoff.assignment(np.zeros((2, 3, 3)), sizes=[4, 1])
    # square sizes on a rectangular batch: s <= min(n, m)
    with pytest.raises(ValueError, match=r"^sizes\[1\] = 5 exceeds the cost's shape: a square "
                       r"instance of size s uses cost\[b, :s, :s\], so s must be at most "
                       r"min\(n, m\) = 4$"):
        tradeoff.assignment(np.zeros((2, 4, 6)), sizes=[4, 5])
    with pytest.raises(ValueError, match=r"min\(n, m\) = 4$"):
        tradeoff.assignment(np.zeros((2, 6, 4)), sizes=[1, 6])


# ------------------------------------------------------------------------- absurd sizes, memory


def test_a_huge_broadcast_view_is_refused_before_allocating(solve):
    huge = np.broadcast_to(0.0, (10**6, 10**6))
    with pytest.raises(MemoryError, match=r"^cost of shape \(1000000, 1000000\) and dtype float64 "
                       r"needs a contiguous float64 copy of 7450\.6 GiB, more than this "
                       r"machine's [0-9.]+ GiB of memory; pass a smaller problem \(a broadcast "
                       r"or strided view is copied before solving\)$"):
        solve(huge)
    # integers need the float64 copy too; a batch view
    with pytest.raises(MemoryError, match=r"^cost of shape \(1000, 10000, 100000\) and dtype "
                       r"int8 needs a contiguous float64 copy of 7450\.6 GiB"):
        solve(np.broadcast_to(np.int8(1), (1000, 10_000, 100_000)))


def test_more_rows_than_indices_allow_are_refused():
    limit = 2**31 - 2
    view = np.broadcast_to(0.0, (limit + 1, 1))
    with pytest.raises(ValueError, match=rf"^cost has {limit + 1} rows; at most {limit} are "
                       r"supported \(indices are 32-bit in the kernels\)$"):
        tradeoff.assignment(view)
    with pytest.raises(ValueError, match=rf"^cost has {limit + 1} columns; at most {limit}"):
        tradeoff.linear_assignment(np.broadcast_to(0.0, (2, 1, limit + 1)))


def test_a_small_broadcast_view_is_solved(backend):
    res = tradeoff.assignment(np.broadcast_to(np.arange(5.0), (4, 5)))  # every row the same
    assert res.cost == 0.0 + 1.0 + 2.0 + 3.0
    assert sorted(res.col_of_row.tolist()) == [0, 1, 2, 3]


# ------------------------------------------------------------------- the kernels, called directly


def _kernels():
    out = [pytest.param(fallback_kernel.lap_solve, id="fallback")]
    core = _backend.core_module()
    lap = getattr(core, "lap_solve", None) if core is not None else None
    out.append(pytest.param(lap, id="native", marks=pytest.mark.skipif(
        lap is None, reason=NATIVE_MISSING)))
    return out


def _args(B=2, n=3, m=4, **over):
    args = {"cost": np.zeros((B, n, m)), "rows": np.full(B, n, dtype=np.int64),
            "cols": np.full(B, m, dtype=np.int64), "maximize": False}
    args.update(over)
    return args


MALFORMED = {
    "cost-2d": {"cost": np.zeros((3, 4))},
    "cost-4d": {"cost": np.zeros((2, 3, 4, 1))},
    "rows-short": {"rows": np.full(1, 3, dtype=np.int64)},
    "rows-long": {"rows": np.full(3, 3, dtype=np.int64)},
    "cols-short": {"cols": np.full(1, 4, dtype=np.int64)},
    "rows-2d": {"rows": np.full((2, 1), 3, dtype=np.int64)},
    "rows-too-large": {"rows": np.array([3, 4], dtype=np.int64)},
    "cols-too-large": {"cols": np.array([5, 4], dtype=np.int64)},
    "rows-negative": {"rows": np.array([3, -1], dtype=np.int64)},
    "cols-negative": {"cols": np.array([-4, 4], dtype=np.int64)},
}
MALFORMED_DTYPE = {
    "cost-int64": {"cost": np.zeros((2, 3, 4), dtype=np.int64)},
    "cost-complex": {"cost": np.zeros((2, 3, 4), dtype=np.complex128)},
    "cost-object": {"cost": np.zeros((2, 3, 4)).astype(object)},
    "rows-float": {"rows": np.full(2, 3.0)},
}


@pytest.mark.parametrize("kernel", _kernels())
@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_kernels_refuse_malformed_shapes_and_sizes(kernel, case):
    with pytest.raises(ValueError):
        kernel(**_args(**MALFORMED[case]))


@pytest.mark.parametrize("kernel", _kernels())
@pytest.mark.parametrize("case", sorted(MALFORMED_DTYPE))
def test_kernels_refuse_malformed_dtypes(kernel, case):
    with pytest.raises((ValueError, TypeError)):
        kernel(**_args(**MALFORMED_DTYPE[case]))


@pytest.mark.parametrize("kernel", _kernels())
def test_kernels_accept_well_formed_calls_and_never_write_their_inputs(kernel):
    rng = np.random.default_rng(0)
    cost = rng.random((3, 4, 5))
    cost[1, 3, :] = np.nan  # outside instance 1's block: never read
    rows, cols = np.array([4, 3, 0], dtype=np.int64), np.array([5, 2, 5], dtype=np.int64)
    for arr in (cost, rows, cols):
        arr.setflags(write=False)
    saved = [cost.copy(), rows.copy(), cols.copy()]
    for dtype in (np.float64, np.float32):
        c = cost.astype(dtype)
        c.setflags(write=False)
        out = kernel(c, rows, cols, False)
        assert len(out) == 6
        x, y, u, v, total, status = out
        assert x.shape == u.shape == (3, 4) and y.shape == v.shape == (3, 5)
        assert total.shape == status.shape == (3,)
        assert x.dtype == y.dtype == np.int64 and u.dtype == v.dtype == total.dtype == np.float64
        assert status.dtype == np.int8 and status.tolist() == [0, 0, 0]
        assert (x[1, 3:] == -1).all() and (y[1, 2:] == -1).all() and (x[2] == -1).all()
        assert (u[1, 3:] == 0).all() and (v[1, 2:] == 0).all() and total[2] == 0.0
    for arr, before in zip((cost, rows, cols), saved):
        np.testing.assert_array_equal(arr, before)
    # maximize passed as a NumPy bool works the same
    a = kernel(cost, rows, cols, np.True_)
    b = kernel(cost, rows, cols, True)
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("kernel", _kernels())
def test_kernels_report_status_per_instance_and_process_the_whole_batch(kernel):
    cost = np.zeros((4, 2, 2))
    cost[0, 0, 0] = np.nan  # invalid
    cost[1] = np.inf  # infeasible
    cost[2, 1, 1] = -np.inf  # invalid when minimizing, forbidden when maximizing
    cost[3] = [[1.0, 2.0], [3.0, 5.0]]  # solved after the bad ones: total 2 + 3
    rows = cols = np.full(4, 2, dtype=np.int64)
    x, y, u, v, total, status = kernel(cost, rows, cols, False)
    assert status.tolist() == [2, 1, 2, 0]
    assert x[3].tolist() == [1, 0] and total[3] == 5.0
    x, y, u, v, total, status = kernel(cost, rows, cols, True)
    assert status.tolist() == [2, 2, 0, 0]  # maximizing, +inf is the invalid infinity
    assert x[2].tolist() == [1, 0] and total[2] == 0.0  # (1, 1) is forbidden: 0 + 0
    assert x[3].tolist() == [0, 1] and total[3] == 6.0


@pytest.mark.parametrize("batched", [False, True])
def test_costs_near_the_largest_float_raise_instead_of_returning_inf(backend, batched):
    # the optimum -2e308 is not a float64: the total and the potentials overflow
    bad = np.array([[1e308, -1e308], [-1e308, 1e308]])
    cost = np.stack([np.eye(2), bad]) if batched else bad
    where = "batch index 1" if batched else "this cost"
    with pytest.raises(ValueError, match=f"the potentials of {where} overflow float64.*Scale"):
        tradeoff.assignment(cost)
    with pytest.raises(ValueError, match="overflow float64"):
        tradeoff.linear_assignment(cost)
    # a tenth of it is fine
    res = tradeoff.assignment(cost / 10)
    assert np.all(np.isfinite(res.u)) and np.all(np.isfinite(res.v))
