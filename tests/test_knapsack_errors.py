"""Every error message of the budget functions (knapsack and mckp), the order in which a
batch's problems are reported, the default state bound (MemoryError), int64 overflow, and that
the kernels called directly with malformed arguments raise instead of crashing."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import cpu_backends
from test_knapsack import HAVE_NATIVE, NATIVE_MISSING

import tradeoff
from tradeoff import _backend, _validation
from tradeoff._fallback import knapsack as fallback_kernel

HAVE_NATIVE_MCKP = getattr(_backend.core_module(), "mckp_solve", None) is not None
NATIVE_MCKP_MISSING = "tradeoff._core is built without mckp_solve"


@pytest.fixture(params=cpu_backends())
def backend(request):
    if request.param == "native" and not (HAVE_NATIVE and HAVE_NATIVE_MCKP):
        pytest.skip(NATIVE_MISSING)
    with tradeoff.using_backend(request.param):
        yield request.param


V = np.array([3.0, 4.0, 5.0])
W = np.array([1.0, 2.0, 3.0])
MV = np.array([[1.0, 2.0], [3.0, 4.0]])
MW = np.array([[0.0, 1.0], [1.0, 2.0]])


# --------------------------------------------------------------- values and weights: entries


@pytest.mark.parametrize("name", ["values", "weights"])
@pytest.mark.parametrize("bad, text", [(np.nan, "NaN"), (np.inf, r"\+inf"), (-np.inf, "-inf")])
def test_knapsack_non_finite_entries_name_the_first(name, bad, text):
    arr = (V if name == "values" else W).copy()
    arr[1] = bad
    arr[2] = np.nan
    args = {"values": V, "weights": W, name: arr}
    with pytest.raises(ValueError, match=rf"^{name}\[1\] is {text}; every entry of {name} must "
                       r"be a finite number\. Replace it, or leave the item \(option\) out$"):
        tradeoff.knapsack(args["values"], args["weights"], 5.0)
    # a batch names the instance too: the first bad entry in row-major order
    batch = np.stack([V, V, V]) if name == "values" else np.stack([W, W, W])
    batch[2, 0] = bad
    batch[1, 2] = bad
    args = {"values": np.stack([V] * 3), "weights": np.stack([W] * 3), name: batch}
    with pytest.raises(ValueError, match=rf"^{name}\[1, 2\] is {text}; "):
        tradeoff.knapsack(args["values"], args["weights"], 5.0)
    # float32 too
    with pytest.raises(ValueError, match=rf"^{name}\[0\] is NaN"):
        tradeoff.knapsack(np.full(2, np.nan, dtype=np.float32) if name == "values" else [1, 1],
                          np.full(2, np.nan, dtype=np.float32) if name == "weights" else [1, 1],
                          1)


@pytest.mark.parametrize("name", ["values", "weights"])
def test_knapsack_negative_entries(backend, name):
    arr = (V if name == "values" else W).copy()
    arr[2] = -0.5
    args = {"values": V, "weights": W, name: arr}
    with pytest.raises(ValueError, match=rf"^{name}\[2\] = -0\.5 is negative; {name} must be "
                       r">= 0 \(an item worth nothing, or costing nothing, is fine: 0\)$"):
        tradeoff.knapsack(args["values"], args["weights"], 5.0)
    ints = np.array([[1, 2], [3, -4]], dtype=np.int8)
    ok = np.ones((2, 2), dtype=np.int8)
    args = {"values": ok, "weights": ok, name: ints}
    with pytest.raises(ValueError, match=rf"^{name}\[1, 1\] = -4 is negative"):
        tradeoff.knapsack(args["values"], args["weights"], 5)
    # -0.0 is zero, not negative
    arr[2] = -0.0
    args = {"values": V, "weights": W, name: arr}
    tradeoff.knapsack(args["values"], args["weights"], 5.0)


def test_mckp_entries(backend):
    bad = MV.copy()
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match=r"^values\[1, 0\] is NaN; every entry of values must be "
                       r"a finite number"):
        tradeoff.mckp(bad, MW, 5.0)
    bad[1, 0] = -np.inf
    with pytest.raises(ValueError, match=r"^values\[1, 0\] is -inf"):
        tradeoff.mckp(bad, MW, 5.0)
    # negative values are fine in mckp; negative weights are not
    tradeoff.mckp(-MV, MW, 5.0)
    w = MW.copy()
    w[0, 1] = -1.0
    with pytest.raises(ValueError, match=r"^weights\[0, 1\] = -1\.0 is negative; weights must "
                       r"be >= 0"):
        tradeoff.mckp(MV, w, 5.0)
    w[0, 1] = np.inf
    with pytest.raises(ValueError, match=r"^weights\[0, 1\] is \+inf"):
        tradeoff.mckp(MV, w, 5.0)
    # batch and flat forms name the position in the caller's array
    with pytest.raises(ValueError, match=r"^weights\[1, 0, 1\] is \+inf"):
        tradeoff.mckp(np.stack([MV, MV]), np.stack([MW, w]), 5.0)
    with pytest.raises(ValueError, match=r"^values\[3\] is NaN"):
        tradeoff.mckp([1.0, 2.0, 3.0, np.nan], [0, 0, 0, 0], 1, groups=[0, 0, 1, 1])
    with pytest.raises(ValueError, match=r"^weights\[2\] = -3 is negative"):
        tradeoff.mckp([1, 2, 3, 4], [0, 0, -3, 0], 1, groups=[0, 0, 1, 1])


def test_mckp_entries_under_the_mask_are_checked_and_the_others_ignored(backend):
    v = np.array([[1.0, np.nan], [np.inf, 2.0]])
    w = np.array([[-1.0, 0.0], [0.0, np.nan]])
    mask = np.array([[False, True], [True, False]])
    with pytest.raises(ValueError, match=r"^values\[0, 1\] is NaN"):
        tradeoff.mckp(v, np.zeros((2, 2)), 1.0, mask=mask)
    mask = np.array([[True, False], [False, True]])
    with pytest.raises(ValueError, match=r"^weights\[1, 1\] is NaN"):
        tradeoff.mckp(v, w, 1.0, mask=mask)
    w[1, 1] = 0.5
    with pytest.raises(ValueError, match=r"^weights\[0, 0\] = -1\.0 is negative"):
        tradeoff.mckp(v, w, 1.0, mask=mask)
    w[0, 0] = 0.0
    res = tradeoff.mckp(v, w, 1.0, mask=mask)
    assert res.choice.tolist() == [0, 1] and res.value == 3.0 and res.weight == 0.5


def test_uint64_beyond_int64(backend):
    big = np.array([2**63 + 1, 1], dtype=np.uint64)
    with pytest.raises(ValueError, match=r"^values\[0\] = 9223372036854775809 exceeds the int64 "
                       r"range the kernels use; pass smaller numbers or floats$"):
        tradeoff.knapsack(big, [1, 1], 3)
    with pytest.raises(ValueError, match=r"^weights\[0, 1\] = 18446744073709551615 exceeds"):
        tradeoff.mckp([[1, 1]], np.array([[0, 2**64 - 1]], dtype=np.uint64), 3)
    # 2^63 - 1 itself is fine
    res = tradeoff.knapsack(np.array([2**63 - 1, 1], dtype=np.uint64), [1, 1], 1)
    assert res.value == 2**63 - 1


# ------------------------------------------------------------------------------ shape and dtype


@pytest.mark.parametrize("shape", [(), (2, 2, 2)])
def test_knapsack_shapes(shape):
    text = re.escape("(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")")
    with pytest.raises(ValueError, match=r"^values must be a 1-D array \(n,\) or a 2-D batch "
                       rf"\(B, n\); got shape {text}$"):
        tradeoff.knapsack(np.ones(shape), np.ones(shape), 1.0)
    with pytest.raises(ValueError, match=rf"^weights must be a 1-D array .*; got shape {text}$"):
        tradeoff.knapsack(np.ones(3), np.ones(shape), 1.0)


def test_knapsack_mismatched_shapes():
    with pytest.raises(ValueError, match=r"^values and weights must have the same shape \(one "
                       r"value and one weight per item\); got values \(3,\) and weights \(2,\)$"):
        tradeoff.knapsack(V, W[:2], 1.0)
    with pytest.raises(ValueError, match=r"got values \(2, 3\) and weights \(3,\)$"):
        tradeoff.knapsack(np.stack([V, V]), W, 1.0)


@pytest.mark.parametrize("shape", [(3,), (1, 2, 2, 2)])
def test_mckp_shapes(shape):
    text = re.escape("(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")")
    with pytest.raises(ValueError, match=r"^values must be a 2-D array \(groups, options\) or a "
                       rf"3-D batch \(B, groups, options\); got shape {text}$"):
        tradeoff.mckp(np.ones(shape), np.ones(shape), 1.0)


def test_mckp_mismatched_shapes():
    with pytest.raises(ValueError, match=r"^values and weights must have the same shape \(one "
                       r"value and one weight per option\); got values \(2, 2\) and weights "
                       r"\(2, 3\)$"):
        tradeoff.mckp(MV, np.ones((2, 3)), 1.0)


@pytest.mark.parametrize("value, dtype", [
    (V + 1j, "complex128"),
    (V.astype(object), "object"),
    (np.array(["a", "b", "c"]), "<U1"),
    (np.zeros(3, dtype="datetime64[s]"), r"datetime64\[s\]"),
    (np.ones(3, dtype=np.longdouble), np.dtype(np.longdouble).name),
])
def test_real_dtypes_only(value, dtype):
    if np.dtype(np.longdouble).itemsize <= 8 and "float" in str(dtype):
        pytest.skip("long double is float64 on this platform")
    with pytest.raises(TypeError, match=rf"^values must hold real numbers \(integers, bools, "
                       rf"float16/32/64\); got dtype {dtype}\. Convert it, e\.g\. "
                       r"np\.asarray\(values, dtype=float\)$"):
        tradeoff.knapsack(value, W, 1.0)
    with pytest.raises(TypeError, match=rf"^weights must hold real numbers .*got dtype {dtype}"):
        tradeoff.knapsack(V, value, 1.0)
    with pytest.raises(TypeError, match=rf"^values must hold real numbers .*got dtype {dtype}"):
        tradeoff.mckp(value[None], W[None], 1.0)


def test_float16_is_exact(backend):
    # float16 numbers are exact in float64: accepted
    res = tradeoff.knapsack(np.array([1.5, 2.25], dtype=np.float16), [1, 1], 1)
    assert res.x.tolist() == [False, True] and res.value == 2.25


def test_ragged_nested_lists():
    with pytest.raises(ValueError, match=r"^values must be a rectangular array \(every row the "
                       r"same length\); got a ragged sequence .*Pad or trim the rows, or pass a "
                       r"NumPy array\.$"):
        tradeoff.knapsack([[1, 2], [3]], [[1, 1], [1]], [1, 1])
    with pytest.raises(ValueError, match=r"^weights must be a rectangular array"):
        tradeoff.mckp([[1, 2], [3, 4]], [[1, 1], [1]], 1)


# ------------------------------------------------------------------------------------ capacity


@pytest.mark.parametrize("solve, name", [
    (lambda c: tradeoff.knapsack(V, W, c), "capacity"),
    (lambda c: tradeoff.mckp(MV, MW, c), "budget"),
])
def test_capacity_and_budget(backend, solve, name):
    with pytest.raises(ValueError, match=rf"^{name} is NaN; it must be a number >= 0 \(\+inf "
                       r"means unlimited\)$"):
        solve(np.nan)
    with pytest.raises(ValueError, match=rf"^{name} = -1\.5 is negative; it must be >= 0 "
                       r"\(\+inf means unlimited\)$"):
        solve(-1.5)
    with pytest.raises(ValueError, match=rf"^{name} = -inf is negative"):
        solve(-np.inf)
    with pytest.raises(ValueError, match=rf"^{name} = -3 is negative"):
        solve(-3)
    with pytest.raises(ValueError, match=rf"^{name} must be a number \(a single problem\); got "
                       r"shape \(2,\)$"):
        solve([1.0, 2.0])
    with pytest.raises(TypeError, match=rf"^{name} must be a real number; got 'a' \(dtype "
                       r"<U1\)$"):
        solve("a")
    with pytest.raises(TypeError, match=rf"^{name} must be a real number; got None"):
        solve(None)
    with pytest.raises(TypeError, match=rf"^{name} must be a real number; got \(1\+2j\)"):
        solve(1 + 2j)
    # -0.0 is not negative (mckp's lightest choice here weighs 1: infeasible, not invalid)
    try:
        solve(-0.0)
    except tradeoff.InfeasibleError as exc:
        assert name == "budget" and "more than the budget" in str(exc)


def test_batched_capacity():
    vb, wb = np.stack([V, V, V]), np.stack([W, W, W])
    with pytest.raises(ValueError, match=r"^capacity must be a number or an array of shape "
                       r"\(3,\), one per instance; got shape \(2,\)$"):
        tradeoff.knapsack(vb, wb, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"got shape \(3, 1\)$"):
        tradeoff.knapsack(vb, wb, np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"^capacity\[2\] is NaN; it must be a number >= 0"):
        tradeoff.knapsack(vb, wb, [1.0, 2.0, np.nan])
    with pytest.raises(ValueError, match=r"^capacity\[1\] = -2 is negative"):
        tradeoff.knapsack(vb, wb, [1, -2, -3])
    with pytest.raises(ValueError, match=r"^budget\[0\] = -1\.0 is negative"):
        tradeoff.mckp(np.stack([MV, MV]), np.stack([MW, MW]), [-1.0, 1.0])
    with pytest.raises(ValueError, match=r"^budget must be a number or an array of shape \(2,\)"):
        tradeoff.mckp(np.stack([MV, MV]), np.stack([MW, MW]), [1.0, 1.0, 1.0])


def test_integer_capacity_beyond_int64(backend):
    # integer weights whose total exceeds int64 with a capacity beyond int64: not exact in the
    # int64 kernels; refused with the way out
    w = np.full(4, 3 * 10**18, dtype=np.int64)
    with pytest.raises(ValueError, match=r"^capacity = 9300000000000000000 exceeds the int64 range, and so "
                       r"does the total weight of the instance: integer weights and capacities "
                       r"must stay below 2\*\*63\. Scale the weights down$"):
        tradeoff.knapsack([1, 4, 2, 3], w, 9_300_000_000_000_000_000)
    with pytest.raises(ValueError, match=r"^capacity\[1\] = 1e\+300 exceeds the int64 range"):
        tradeoff.knapsack(np.ones((2, 4), dtype=np.int64), np.stack([w, w]), [1, 1e300])
    # as floats the same problem is fine: 3 of the 4 fit
    res = tradeoff.knapsack([1, 4, 2, 3], w.astype(float), 9.3e18)
    assert res.x.tolist() == [False, True, True, True] and res.value == 9


# -------------------------------------------------------------------------------------- counts


def test_counts_errors():
    with pytest.raises(ValueError, match=r"^counts must have the shape of values, \(3,\) \(how "
                       r"many copies of each item may be taken\); got \(2,\)$"):
        tradeoff.knapsack(V, W, 5.0, counts=[1, 2])
    with pytest.raises(ValueError, match=r"^counts must have the shape of values, \(3,\) .*got "
                       r"\(1, 3\)$"):
        tradeoff.knapsack(V, W, 5.0, counts=[[1, 2, 3]])
    with pytest.raises(ValueError, match=r"^counts must have the shape of values, \(2, 3\) .*got "
                       r"\(3,\)$"):
        tradeoff.knapsack(np.stack([V, V]), np.stack([W, W]), 5.0, counts=[1, 2, 3])
    with pytest.raises(ValueError, match=r"^counts\[1\] = -1 is negative; counts must be >= 0 "
                       r"\(0 leaves the item out\)$"):
        tradeoff.knapsack(V, W, 5.0, counts=[3, -1, -2])
    with pytest.raises(ValueError, match=r"^counts\[1, 0\] = -1\.0 is negative"):
        tradeoff.knapsack(np.stack([V, V]), np.stack([W, W]), 5.0,
                          counts=np.array([[1.0, 2.0, 3.0], [-1.0, 2.0, 3.0]]))
    with pytest.raises(ValueError, match=r"^counts\[1\] = 2\.5 is not a whole number; counts are "
                       r"how many copies of an item may be taken$"):
        tradeoff.knapsack(V, W, 5.0, counts=[1.0, 2.5, 3.0])
    with pytest.raises(ValueError, match=r"^counts\[2\] is not finite; counts must be whole "
                       r"numbers >= 0$"):
        tradeoff.knapsack(V, W, 5.0, counts=[1.0, 2.0, np.inf])
    with pytest.raises(ValueError, match=r"^counts\[0\] is not finite"):
        tradeoff.knapsack(V, W, 5.0, counts=[np.nan, 2.0, 1.0])
    for bad, dtype in (([1, None, 2], "object"), (["1", "2", "3"], "<U1"),
                       (np.ones(3, dtype=complex), "complex128")):
        with pytest.raises(TypeError, match=rf"^counts must hold whole numbers >= 0; got dtype "
                           rf"{dtype}$"):
            tradeoff.knapsack(V, W, 5.0, counts=bad)


def test_whole_float_and_bool_counts_are_accepted(backend):
    res = tradeoff.knapsack([3, 4], [2, 3], 7, counts=[5.0, 5.0])
    assert res.x.tolist() == [2, 1] and res.x.dtype == np.int64
    res = tradeoff.knapsack([3, 4], [2, 3], 7, counts=[True, False])
    assert res.x.tolist() == [1, 0]
    # counts beyond int64 (uint64, or huge floats): more copies than could ever fit
    for counts in (np.array([2**64 - 1, 1], dtype=np.uint64), [1e30, 1.0]):
        res = tradeoff.knapsack([3, 4], [2, 3], 7, counts=counts)
        assert res.x.tolist() == [2, 1] and res.value == 10


# ---------------------------------------------------------------------------------- max_states


@pytest.mark.parametrize("bad", [True, 1.5, "10", 2.0, np.float64(3)])
def test_max_states_type(bad):
    text = re.escape(repr(bad))
    with pytest.raises(TypeError, match=rf"^max_states must be a positive integer or None; got "
                       rf"{text}$"):
        tradeoff.knapsack(V, W, 5.0, max_states=bad)
    with pytest.raises(TypeError, match=r"^max_states must be a positive integer or None"):
        tradeoff.mckp(MV, MW, 5.0, max_states=bad)


@pytest.mark.parametrize("bad", [0, -1, np.int64(-5)])
def test_max_states_value(bad):
    with pytest.raises(ValueError, match=rf"^max_states must be >= 1 \(states the search may "
                       rf"store\); got {int(bad)}$"):
        tradeoff.knapsack(V, W, 5.0, max_states=bad)
    with pytest.raises(ValueError, match=r"^max_states must be >= 1"):
        tradeoff.mckp(MV, MW, 5.0, max_states=bad)


def test_numpy_integer_max_states_accepted(backend):
    res = tradeoff.knapsack(V, W, 5.0, max_states=np.int32(1000))
    assert res.value == 9.0 and bool(res.optimal) is True


def _hard(seed, n=14):
    rng = np.random.default_rng(seed)
    w = rng.integers(10**9, 2 * 10**9, n)
    return w.copy(), w, int(w.sum() // 2) + 1


def test_the_default_state_bound_raises_memory_error(backend, monkeypatch):
    # a machine with memory for 4 states: the default bound stops the search, and the caller
    # hears about it (with the way out) instead of getting a non-optimal answer silently
    per_state = _validation._memory_limit() // max(1, _validation.max_states_arg(None)[0])
    monkeypatch.setattr(_validation, "_memory_limit", lambda: 4 * per_state)
    assert _validation.max_states_arg(None) == (4, False)
    v, w, C = _hard(3)
    with pytest.raises(MemoryError, match=r"^the search for this problem needs more than 4 "
                       r"stored states, the default bound from this machine's memory\. Pass "
                       r"max_states= to accept the best solution found within a limit \(the "
                       r"result then says optimal=False\)$"):
        tradeoff.knapsack(v, w, C)
    with pytest.raises(MemoryError, match=r"^the search for batch index 1 needs more than 4 "):
        # instance 0 needs no search (every value 0)
        tradeoff.knapsack(np.stack([[0] * 14, v, v]), np.stack([[1] * 14, w, w]), [3, C, C])
    mv, mw = v.reshape(7, 2), w.reshape(7, 2)
    budget = int(mw.min(axis=1).sum() + mw.max(axis=1).sum()) // 2 + 1
    with pytest.raises(MemoryError, match=r"^the search for this problem needs more than 4"):
        tradeoff.mckp(mv, mw, budget)
    # the caller's own limit: no error, optimal=False
    res = tradeoff.knapsack(v, w, C, max_states=4)
    assert bool(res.optimal) is False


# ---------------------------------------------------------------------------- int64 overflow


def test_integer_totals_beyond_int64(backend):
    with pytest.raises(ValueError, match=r"^the optimal total of this problem does not fit "
                       r"int64: the integer values or weights are too large for exact int64 "
                       r"totals\. Pass them as floats \(the totals then come back correctly "
                       r"rounded to float64\) or scale them down$"):
        tradeoff.knapsack([2**62, 2**62], [1, 1], 3)
    with pytest.raises(ValueError, match=r"^the optimal total of batch index 1 does not fit "
                       r"int64"):
        tradeoff.knapsack([[1, 1], [2**62, 2**62]], [[1, 1], [1, 1]], 3)
    with pytest.raises(ValueError, match=r"does not fit int64"):
        tradeoff.knapsack([2**62, 1], [1, 1], 3, counts=[2, 1])
    with pytest.raises(ValueError, match=r"does not fit int64"):
        tradeoff.mckp([[2**62, 0], [2**62, 0]], [[1, 0], [1, 0]], 3)
    # weights: an unlimited capacity, and the weight of the optimum overflows
    with pytest.raises(ValueError, match=r"^capacity = inf exceeds the int64 range, and so does "
                       r"the total weight of the instance"):
        tradeoff.knapsack([1, 1], [2**62, 2**62], np.inf)
    # as floats: correctly rounded totals
    res = tradeoff.knapsack([2.0**62, 2.0**62], [1, 1], 3)
    assert res.value == 2.0**63
    # just below the limit is fine
    res = tradeoff.knapsack([2**62, 2**62 - 1], [1, 1], 3)
    assert res.value == 2**63 - 1


def test_mckp_unlimited_budget_with_heavy_integer_options(backend):
    # every choice weighs 2^62 (one option per group): an unlimited budget is exact in int64,
    # although the sum over all the options (3 * 2^62) is not
    res = tradeoff.mckp([[1, 2, 3]], [[2**62] * 3], np.inf)
    assert res.choice.tolist() == [2] and res.value == 3 and res.weight == 2**62
    res = tradeoff.mckp([[1, 2], [5, 4]], [[2**61, 2**61], [2**61, 2**61]], 1e300)
    assert res.choice.tolist() == [1, 0] and res.value == 7 and res.weight == 2**62


# ------------------------------------------------------------------------- mckp mask and groups


def test_mask_errors():
    with pytest.raises(ValueError, match=r"^mask must have the shape of values, \(2, 2\) \(True "
                       r"where an option exists\); got \(2, 3\)$"):
        tradeoff.mckp(MV, MW, 5.0, mask=np.ones((2, 3), dtype=bool))
    for bad, dtype in ((np.ones((2, 2), dtype=np.int64), "int64"),
                       (np.ones((2, 2)), "float64"), ([[1, 0], [1, 1]], "int64")):
        with pytest.raises(TypeError, match=rf"^mask must be a bool array \(True where an option "
                           rf"exists\); got dtype {dtype}$"):
            tradeoff.mckp(MV, MW, 5.0, mask=bad)


def test_groups_errors():
    v, w = [1.0, 2.0, 3.0], [0.0, 1.0, 1.0]
    with pytest.raises(ValueError, match=r"^pass either mask \(padded form\) or groups \(flat "
                       r"form\), not both$"):
        tradeoff.mckp(v, w, 5.0, groups=[0, 1, 1], mask=[True, True, True])
    with pytest.raises(ValueError, match=r"^values, weights and groups must have the same shape "
                       r"\(N,\), one entry per option; got \(3,\), \(3,\) and \(2,\)$"):
        tradeoff.mckp(v, w, 5.0, groups=[0, 1])
    with pytest.raises(ValueError, match=r"got \(3,\), \(2,\) and \(3,\)$"):
        tradeoff.mckp(v, w[:2], 5.0, groups=[0, 1, 1])
    with pytest.raises(ValueError, match=r"^values must be a 1-D array \(N,\) of options when "
                       r"groups is given; got shape \(1, 3\)$"):
        tradeoff.mckp([v], [w], 5.0, groups=[0, 1, 1])
    for bad, dtype in (([0.0, 1.0, 1.0], "float64"), ([True, False, False], "bool"),
                       (["0", "1", "1"], "<U1")):
        with pytest.raises(TypeError, match=rf"^groups must hold integer group ids 0\.\.g-1; got "
                           rf"dtype {dtype}$"):
            tradeoff.mckp(v, w, 5.0, groups=bad)
    with pytest.raises(ValueError, match=r"^groups\[1\] = -1 is negative; group ids are "
                       r"0\.\.g-1$"):
        tradeoff.mckp(v, w, 5.0, groups=[0, -1, 1])
    with pytest.raises(ValueError, match=r"^budget must be a number \(a single problem\); got "
                       r"shape \(1,\)$"):
        tradeoff.mckp(v, w, [5.0], groups=[0, 1, 1])


def test_groups_with_a_missing_id_are_infeasible(backend):
    with pytest.raises(tradeoff.InfeasibleError, match=r"^group 1 has no option \(groups holds "
                       r"ids up to 2 but never 1\); every group needs at least one option, since "
                       r"exactly one is chosen per group\. Renumber the groups 0\.\.g-1$"):
        tradeoff.mckp([1, 2, 3], [1, 1, 1], 10.0, groups=[0, 2, 2])
    # an empty flat problem has no groups: value 0
    res = tradeoff.mckp([], [], 10.0, groups=[])
    assert res.choice.shape == (0,) and res.value == 0


# ------------------------------------------------------------------------------ infeasibility


def test_infeasible_messages(backend):
    with pytest.raises(tradeoff.InfeasibleError, match=r"^no choice fits the budget of this "
                       r"problem: even the lightest option of every group weighs 3 in total, more "
                       r"than the budget 2\. Raise the budget or add cheaper options$"):
        tradeoff.mckp([[1, 2], [3, 4]], [[1, 5], [2, 9]], 2)
    # float weights: the exact sum, shown to 25 digits
    with pytest.raises(tradeoff.InfeasibleError, match=r"weighs 0\.3000000000000000166533454 "
                       r"\(exactly, as the sum of the given floats\) in total, more than the "
                       r"budget 0\.3\."):
        tradeoff.mckp([[1.0], [1.0]], [[0.1], [0.2]], 0.3)
    # a batch names the lowest infeasible index
    v = np.ones((4, 2, 2))
    with pytest.raises(tradeoff.InfeasibleError, match=r"^no choice fits the budget of batch "
                       r"index 1: even the lightest option of every group weighs 2 in total, "
                       r"more than the budget 1\.5\."):
        tradeoff.mckp(v, v, [2.0, 1.5, 0.0, 2.0])
    # masks: only the options that exist count
    mask = np.array([[True, False], [False, True]])
    with pytest.raises(tradeoff.InfeasibleError, match=r"weighs 7 in total, more than the budget "
                       r"6\."):
        tradeoff.mckp([[1, 1], [1, 1]], [[3, 0], [0, 4]], 6, mask=mask)


def test_groups_without_an_option(backend):
    mask = np.array([[True, True], [False, False], [True, False]])
    with pytest.raises(tradeoff.InfeasibleError, match=r"^group 1 of this problem has no option "
                       r"\(its mask row is all False\); exactly one option is chosen per group, "
                       r"so every group needs one$"):
        tradeoff.mckp(np.ones((3, 2)), np.ones((3, 2)), 10.0, mask=mask)
    maskb = np.ones((3, 3, 2), dtype=bool)
    maskb[2, 0] = False
    maskb[1, 2] = False
    with pytest.raises(tradeoff.InfeasibleError, match=r"^group 2 of batch index 1 has no "
                       r"option"):
        tradeoff.mckp(np.ones((3, 3, 2)), np.ones((3, 3, 2)), 10.0, mask=maskb)
    with pytest.raises(tradeoff.InfeasibleError, match=r"^every group has no option \(values has "
                       r"shape \(1, 2, 0\)\); exactly one option is chosen per group, so every "
                       r"group needs one$"):
        tradeoff.mckp(np.ones((1, 2, 0)), np.ones((1, 2, 0)), 10.0)
    # a single problem: the caller's shape
    with pytest.raises(tradeoff.InfeasibleError, match=r"^every group has no option \(values has "
                       r"shape \(2, 0\)\)"):
        tradeoff.mckp(np.ones((2, 0)), np.ones((2, 0)), 10.0)


def test_invalid_entries_are_reported_before_infeasibility(backend):
    # instance 0 is infeasible, instance 1 holds NaN: the NaN is the error
    v = np.ones((2, 2, 2))
    v[1, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"^values\[1, 0, 0\] is NaN") as info:
        tradeoff.mckp(v, np.ones((2, 2, 2)), [0.0, 5.0])
    assert not isinstance(info.value, tradeoff.InfeasibleError)


# ------------------------------------------------------------------- the kernels, called directly


def _kernels(name):
    out = [pytest.param(getattr(fallback_kernel, name), id="fallback")]
    core = _backend.core_module()
    fn = getattr(core, name, None) if core is not None else None
    out.append(pytest.param(fn, id="native", marks=pytest.mark.skipif(
        fn is None, reason=f"tradeoff._core is built without {name}")))
    return out


def _kargs(B=2, n=3, **over):
    args = {"values": np.ones((B, n)), "weights": np.ones((B, n)),
            "capacity": np.full(B, 2.0), "counts": None, "max_states": 1000}
    args.update(over)
    return args


KNAP_MALFORMED = {
    "values-1d": {"values": np.ones(3)},
    "values-3d": {"values": np.ones((2, 3, 1))},
    "weights-short": {"weights": np.ones((2, 2))},
    "weights-long-batch": {"weights": np.ones((3, 3))},
    "capacity-short": {"capacity": np.ones(1)},
    "capacity-2d": {"capacity": np.ones((2, 1))},
    "counts-shape": {"counts": np.ones((2, 2), dtype=np.int64)},
    "counts-1d": {"counts": np.ones(3, dtype=np.int64)},
}
KNAP_MALFORMED_DTYPE = {
    "values-int32": {"values": np.ones((2, 3), dtype=np.int32)},
    "values-float32": {"values": np.ones((2, 3), dtype=np.float32)},
    "values-complex": {"values": np.ones((2, 3), dtype=np.complex128)},
    "values-object": {"values": np.ones((2, 3)).astype(object)},
    "weights-bool": {"weights": np.ones((2, 3), dtype=bool)},
    "capacity-int-for-float-weights": {"capacity": np.full(2, 2, dtype=np.int64)},
    "capacity-float-for-int-weights": {"weights": np.ones((2, 3), dtype=np.int64)},
    "counts-float": {"counts": np.ones((2, 3))},
    "counts-int32": {"counts": np.ones((2, 3), dtype=np.int32)},
}


@pytest.mark.parametrize("kernel", _kernels("knapsack_solve"))
@pytest.mark.parametrize("case", sorted(KNAP_MALFORMED) + sorted(KNAP_MALFORMED_DTYPE))
def test_knapsack_kernels_refuse_malformed_arguments(kernel, case):
    over = KNAP_MALFORMED.get(case) or KNAP_MALFORMED_DTYPE[case]
    with pytest.raises((ValueError, TypeError)):
        kernel(**_kargs(**over))


def _margs(B=2, g=3, k=2, **over):
    args = {"values": np.ones((B, g, k)), "weights": np.ones((B, g, k)), "mask": None,
            "budget": np.full(B, 5.0), "max_states": 1000}
    args.update(over)
    return args


MCKP_MALFORMED = {
    "values-2d": {"values": np.ones((3, 2))},
    "weights-shape": {"weights": np.ones((2, 3, 3))},
    "budget-short": {"budget": np.ones(1)},
    "budget-2d": {"budget": np.ones((2, 1))},
    "mask-shape": {"mask": np.ones((2, 3, 1), dtype=np.uint8)},
    "values-int32": {"values": np.ones((2, 3, 2), dtype=np.int32)},
    "values-complex": {"values": np.ones((2, 3, 2), dtype=np.complex128)},
    "budget-int-for-float-weights": {"budget": np.full(2, 5, dtype=np.int64)},
    "mask-float": {"mask": np.ones((2, 3, 2))},
}


@pytest.mark.parametrize("kernel", _kernels("mckp_solve"))
@pytest.mark.parametrize("case", sorted(MCKP_MALFORMED))
def test_mckp_kernels_refuse_malformed_arguments(kernel, case):
    with pytest.raises((ValueError, TypeError)):
        kernel(**_margs(**MCKP_MALFORMED[case]))


@pytest.mark.parametrize("kernel", _kernels("knapsack_solve"))
def test_knapsack_kernels_accept_well_formed_calls_and_never_write_their_inputs(kernel):
    values = np.array([[60, 100, 120], [1, 2, 3], [5, 0, 7]], dtype=np.int64)
    weights = np.array([[10, 20, 30], [1, 1, 1], [0, 1, 9]], dtype=np.int64)
    capacity = np.array([50, 2, 8], dtype=np.int64)
    counts = np.array([[1, 1, 1], [2, 2, 2], [3, 1, 1]], dtype=np.int64)
    arrays = (values, weights, capacity, counts)
    for a in arrays:
        a.setflags(write=False)
    saved = [a.copy() for a in arrays]
    x, value, weight, status = kernel(values, weights, capacity, None, 1000)
    assert x.shape == (3, 3) and x.dtype == np.uint8
    assert value.dtype == weight.dtype == np.int64 and status.dtype == np.int8
    assert x.tolist() == [[0, 1, 1], [0, 1, 1], [1, 0, 0]]
    assert value.tolist() == [220, 5, 5] and weight.tolist() == [50, 2, 0]
    assert status.tolist() == [0, 0, 0]
    x, value, weight, status = kernel(values, weights, capacity, counts, 1000)
    assert x.dtype == np.int64 and x.tolist() == [[0, 1, 1], [0, 0, 2], [3, 0, 0]]
    assert value.tolist() == [220, 6, 15] and weight.tolist() == [50, 2, 0]
    # float arrays, +inf capacity
    fx, fv, fw, fs = kernel(values.astype(float), weights.astype(float),
                            np.array([50.0, np.inf, 8.0]), None, 1000)
    assert fv.dtype == fw.dtype == np.float64
    assert fx.tolist() == [[0, 1, 1], [1, 1, 1], [1, 0, 0]]
    assert fv.tolist() == [220.0, 6.0, 5.0] and fs.tolist() == [0, 0, 0]
    for a, s in zip(arrays, saved):
        np.testing.assert_array_equal(a, s)


@pytest.mark.parametrize("kernel", _kernels("mckp_solve"))
def test_mckp_kernels_report_status_per_instance(kernel):
    values = np.array([[[1, 5], [2, 3]], [[1, 5], [2, 3]], [[1, 5], [2, 3]]], dtype=np.int64)
    weights = np.array([[[0, 4], [1, 2]]] * 3, dtype=np.int64)
    budget = np.array([5, 0, 6], dtype=np.int64)  # instance 1 infeasible (lightest weighs 1)
    mask = np.ones((3, 2, 2), dtype=np.uint8)
    choice, value, weight, status = kernel(values, weights, None, budget, 1000)
    assert choice.dtype == np.int64 and status.dtype == np.int8
    assert status.tolist() == [2 if b == 1 else 0 for b in range(3)]
    assert choice[0].tolist() == [1, 0] and value[0] == 7 and weight[0] == 5
    assert choice[1].tolist() == [-1, -1]
    assert choice[2].tolist() == [1, 1] and value[2] == 8
    mask[2, 1, 1] = 0  # (1, 1) gone in instance 2: the best is (1, 0)
    mask[0, 0, :] = 0  # group 0 of instance 0 has no option: infeasible
    choice, value, weight, status = kernel(values, weights, mask, budget, 1000)
    assert status.tolist() == [2, 2, 0]
    assert choice[2].tolist() == [1, 0] and value[2] == 7
    assert (choice[:2] == -1).all()
