"""Agreement on inputs hypothesis finds hard: integer grids with many ties, duplicated items,
n = 0 and 1, float weights with wide exponents (subnormals and numbers near the largest float
included), huge counts, capacities equal to a subset's weight (and one unit either side),
integers whose totals approach or pass int64, batches.

* The kernels (``knapsack_solve`` / ``mckp_solve`` of ``tradeoff._core`` and of
  ``tradeoff._fallback.knapsack``, called directly): on every instance the statuses agree (the
  native status 3, "too wide for 128 bits", is the one exception: the front end re-solves those
  with the fallback) and, where solved, the optimal values are equal bit for bit, and each
  backend's own x has an exact weight <= the capacity and an exact value whose correct rounding
  is the reported value (x may differ on ties). Skipped, with the reason, while ``_core`` has no
  such kernel.
* The fallback kernel against brute force (exact rational enumeration), where small enough.
* The public functions, on every CPU backend, against brute force.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from conftest import cpu_backends
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra import numpy as hnp
from test_knapsack import (
    HAVE_NATIVE,
    NATIVE_MISSING,
    brute_knapsack,
    check_knapsack,
    exact_list,
    rounded,
)
from test_mckp import brute_mckp, check_mckp

import tradeoff
from tradeoff import _backend
from tradeoff._fallback import knapsack as fallback_kernel

_core = _backend.core_module()
native_knapsack = getattr(_core, "knapsack_solve", None)
native_mckp = getattr(_core, "mckp_solve", None)
needs_native_knapsack = pytest.mark.skipif(native_knapsack is None, reason=NATIVE_MISSING)
needs_native_mckp = pytest.mark.skipif(
    native_mckp is None,
    reason="tradeoff._core is built without mckp_solve (the native multiple-choice kernel)")
BACKENDS = [b for b in cpu_backends() if b == "fallback" or HAVE_NATIVE]

SETTINGS = settings(
    max_examples=150, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
BIG_STATES = 10**7  # far more than any instance here needs


def _event(text):
    """A hypothesis event (statistics: how often each status came up); no-op outside @given."""
    try:
        event(text)
    except InvalidArgument:
        pass
OPTIMAL, LIMIT, INFEASIBLE, WIDE, OVERFLOW = 0, 1, 2, 3, 4


# ------------------------------------------------------------------------------- strategies

INT_KINDS = ("ties", "grid", "dup", "large", "huge")
FLOAT_KINDS = ("decimal", "dyadic", "wide", "extreme", "uniform")


def _elements(kind):
    return {
        "ties": st.integers(0, 3),
        "grid": st.integers(0, 20),
        "dup": st.sampled_from([0, 5, 7]),  # few distinct numbers: duplicated items
        "large": st.integers(0, 2**40),
        "huge": st.integers(2**58, 2**61),  # totals of a few pass int64
        "decimal": st.integers(0, 30).map(lambda k: k / 10),  # 0.1-style: float sums differ
        "dyadic": st.integers(0, 64).map(lambda k: k / 16),
        # exponents over 120 bits: still 128-bit integers once scaled, or just beyond
        "wide": st.builds(lambda m, e: math.ldexp(m, e), st.integers(0, 2**20),
                          st.integers(-60, 60)),
        # the whole float range, subnormals and numbers near the largest float included: the
        # scaled integers need thousands of bits (native status 3, re-solved by the fallback)
        "extreme": st.one_of(
            st.floats(0, 1e308, allow_nan=False, allow_infinity=False),
            st.sampled_from([5e-324, 1e-320, 2.0**-1022, 1.7976931348623157e308, 1.0, 0.0])),
        "uniform": st.floats(0, 100, allow_nan=False, allow_infinity=False),
    }[kind]


def _dtype(kind):
    return np.int64 if kind in INT_KINDS else np.float64


_FMAX = 1.7976931348623157e308
_IMAX = 2**63 - 1


def _float_floor(q: Fraction) -> float:
    """The largest float64 <= q (q >= 0), the largest finite float when q is beyond it."""
    try:
        f = float(q)
    except OverflowError:
        return _FMAX
    if math.isinf(f):
        return _FMAX
    return math.nextafter(f, 0.0) if Fraction(f) > q else f


@st.composite
def capacities(draw, weights, counts, kind):
    """One capacity per instance: the weight of a random sub-multiset (exactly reachable), one
    unit (or one ulp) either side of it, a random fraction of the total, 0, or unlimited."""
    B, n = weights.shape
    out = []
    for b in range(B):
        cnt = [1] * n if counts is None else [int(c) for c in counts[b]]
        take = [draw(st.integers(0, min(c, 3))) for c in cnt]
        W = exact_list(weights[b])
        sub = sum((w * t for w, t in zip(W, take)), Fraction(0))
        total = sum((w * min(c, 3) for w, c in zip(W, cnt)), Fraction(0))
        # (no unlimited capacity with huge counts: the plain state list of the fallback, the
        # reference here, would list every multiple of such an item)
        hows = ["subset", "below", "above", "fraction", "zero"] + (
            ["inf"] if max(cnt, default=0) <= 3 else [])
        how = draw(st.sampled_from(hows))
        frac = Fraction(draw(st.integers(0, 8)), 8)
        if kind in INT_KINDS:
            c = {"subset": int(sub), "below": max(0, int(sub) - 1), "above": int(sub) + 1,
                 "fraction": math.floor(total * frac), "zero": 0, "inf": _IMAX}[how]
            c = min(c, _IMAX)
        else:
            f = _float_floor(sub)
            c = {"subset": f, "below": math.nextafter(f, 0.0) if f > 0 else 0.0,
                 "above": math.nextafter(f, math.inf) if f < _FMAX else f,
                 "fraction": _float_floor(total * frac), "zero": 0.0, "inf": math.inf}[how]
        out.append(c)
    return np.array(out, dtype=_dtype(kind))


@st.composite
def knap_batches(draw, max_n=10, max_batch=3, min_batch=0, bounded=None):
    """(values, weights, capacity, counts, kinds) in the kernel interface's form."""
    B = draw(st.integers(min_batch, max_batch))
    n = draw(st.one_of(st.sampled_from([0, 1, 1, 2]), st.integers(0, max_n)))
    vkind = draw(st.sampled_from(INT_KINDS + FLOAT_KINDS))
    # weights: the same kind as values most of the time, any kind sometimes
    wkind = vkind if draw(st.booleans()) else draw(st.sampled_from(INT_KINDS + FLOAT_KINDS))
    values = draw(hnp.arrays(_dtype(vkind), (B, n), elements=_elements(vkind)))
    weights = draw(hnp.arrays(_dtype(wkind), (B, n), elements=_elements(wkind)))
    if draw(st.booleans()) and B > 1:  # equal instances in one batch
        values[1:] = values[0]
        weights[1:] = weights[0]
    if bounded is None:
        bounded = draw(st.booleans())
    counts = None
    if bounded:
        # huge counts only with weights of one magnitude: the plain state list of the fallback
        # (the reference) lists up to capacity / (smallest weight) states per item
        small = st.integers(0, 3)
        huge = wkind in ("ties", "grid", "dup", "decimal", "dyadic")
        counts = draw(hnp.arrays(np.int64, (B, n), elements=st.one_of(
            small, small, st.sampled_from([10**12, 2**62])) if huge else small))
    capacity = draw(capacities(weights, counts, wkind))
    return values, weights, capacity, counts, (vkind, wkind)


def _brute_ok(n, counts):
    if counts is None:
        return n <= 12
    return math.prod(int(c) + 1 for c in counts) <= 5000


def _exact_xw(values, weights, x):
    V, W = exact_list(values), exact_list(weights)
    xs = [int(t) for t in np.asarray(x).ravel()]
    return (sum((a * t for a, t in zip(V, xs)), Fraction(0)),
            sum((b * t for b, t in zip(W, xs)), Fraction(0)))


def check_kernel_solution(values, weights, capacity, counts, x, value, weight):
    """One instance of a kernel's output: x in range, feasible exactly, its exact totals rounded
    as the reported ones, the conventions. Returns the exact value of x."""
    n = values.shape[0]
    x = np.asarray(x).astype(np.int64)
    cnt = np.ones(n, dtype=np.int64) if counts is None else counts
    assert x.shape == (n,) and (x >= 0).all() and (x <= cnt).all()
    ev, ew = _exact_xw(values, weights, x)
    cap = None if (weights.dtype.kind == "f" and math.isinf(capacity)) else Fraction(
        float(capacity) if weights.dtype.kind == "f" else int(capacity))
    assert cap is None or ew <= cap, f"infeasible: {ew} > {cap}"
    iv, iw = values.dtype.kind == "i", weights.dtype.kind == "i"
    want_v, want_w = rounded(ev, iv), rounded(ew, iw)
    assert value == want_v, (value, want_v)
    assert weight == want_w, (weight, want_w)
    V, W = exact_list(values), exact_list(weights)
    for j in range(n):
        if V[j] == 0 or (cap is not None and W[j] > cap):
            assert x[j] == 0
        elif W[j] == 0:
            assert x[j] == cnt[j]
    return ev


def _bits(a):
    a = np.ascontiguousarray(a)
    return a.view(np.int64) if a.dtype == np.float64 else a


def _run_kernel(kernel, values, weights, capacity, counts, max_states):
    saved = [a.copy() for a in (values, weights, capacity) + (() if counts is None else (counts,))]
    out = kernel(values, weights, capacity, counts, max_states)
    for a, s in zip((values, weights, capacity) + (() if counts is None else (counts,)), saved):
        assert np.array_equal(a, s, equal_nan=True), "the kernel wrote its input"
    x, value, weight, status = out
    B, n = values.shape
    assert x.shape == (B, n) and x.dtype == (np.uint8 if counts is None else np.int64)
    assert value.shape == weight.shape == status.shape == (B,)
    assert value.dtype == (np.int64 if values.dtype.kind == "i" else np.float64)
    assert weight.dtype == (np.int64 if weights.dtype.kind == "i" else np.float64)
    assert status.dtype == np.int8
    return out


# ------------------------------------------------------------------------- kernels: knapsack


@SETTINGS
@given(knap_batches())
def test_fallback_kernel_against_brute_force(case):
    values, weights, capacity, counts, _ = case
    x, value, weight, status = _run_kernel(fallback_kernel.knapsack_solve, values, weights,
                                           capacity, counts, BIG_STATES)
    for b in range(values.shape[0]):
        cb = None if counts is None else counts[b]
        assert status[b] in (OPTIMAL, OVERFLOW)
        ev = check_kernel_solution(values[b], weights[b], capacity[b], cb, x[b],
                                   value[b], weight[b]) if status[b] == OPTIMAL else None
        if status[b] == OVERFLOW:
            ev, ew = _exact_xw(values[b], weights[b], x[b])
            assert (values.dtype.kind == "i" and not -2**63 <= ev < 2**63) or (
                weights.dtype.kind == "i" and not -2**63 <= ew < 2**63)
        if _brute_ok(values.shape[1], cb):
            best, _ = brute_knapsack(values[b], weights[b],
                                     float(capacity[b]) if weights.dtype.kind == "f"
                                     else int(capacity[b]), cb)
            assert ev == best


def _compare_knapsack(values, weights, capacity, counts):
    nat = _run_kernel(native_knapsack, values, weights, capacity, counts, BIG_STATES)
    ref = _run_kernel(fallback_kernel.knapsack_solve, values, weights, capacity, counts,
                      BIG_STATES)
    for b in range(values.shape[0]):
        cb = None if counts is None else counts[b]
        _event(f"native status {int(nat[3][b])}")
        if nat[3][b] == WIDE:
            assert ref[3][b] != WIDE
            continue
        assert nat[3][b] == ref[3][b], (b, nat[3][b], ref[3][b])
        if ref[3][b] == OPTIMAL:
            assert _bits(nat[1][b:b + 1]).tolist() == _bits(ref[1][b:b + 1]).tolist(), (
                "optimal values differ", nat[1][b], ref[1][b])
            ev_nat = check_kernel_solution(values[b], weights[b], capacity[b], cb, nat[0][b],
                                           nat[1][b], nat[2][b])
            ev_ref = check_kernel_solution(values[b], weights[b], capacity[b], cb, ref[0][b],
                                           ref[1][b], ref[2][b])
            assert ev_nat == ev_ref, "the exact optima differ"
        elif ref[3][b] == OVERFLOW:
            # x is still the optimum: the same exact value
            assert _exact_xw(values[b], weights[b], nat[0][b])[0] == _exact_xw(
                values[b], weights[b], ref[0][b])[0]


@needs_native_knapsack
@SETTINGS
@given(knap_batches())
def test_native_knapsack_kernel_equals_fallback(case):
    values, weights, capacity, counts, _ = case
    _compare_knapsack(values, weights, capacity, counts)


@needs_native_knapsack
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(knap_batches(max_n=40, max_batch=2, min_batch=1))
def test_native_knapsack_kernel_equals_fallback_larger(case):
    values, weights, capacity, counts, kinds = case
    assume(counts is None or "huge" not in kinds)
    _compare_knapsack(values, weights, capacity, counts)


@needs_native_knapsack
@pytest.mark.parametrize("seed", range(4))
def test_native_knapsack_kernel_equals_fallback_on_tie_batches(seed):
    # many small integer instances with many ties in one batch (threads across the batch)
    rng = np.random.default_rng(seed)
    B, n = 400, 12
    values = rng.integers(0, 4, (B, n)).astype(np.int64)
    weights = rng.integers(0, 4, (B, n)).astype(np.int64)
    capacity = rng.integers(0, 2 * n, B).astype(np.int64)
    _compare_knapsack(values, weights, capacity, None)
    counts = rng.integers(0, 4, (B, n)).astype(np.int64)
    _compare_knapsack(values, weights, capacity, counts)
    _compare_knapsack(values / 8.0, weights / 4.0, capacity / 4.0, None)


@needs_native_knapsack
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(knap_batches(max_n=16, min_batch=1), st.integers(1, 6))
def test_native_knapsack_kernel_with_a_small_state_limit(case, limit):
    # status 1 may differ between the algorithms; whatever comes back is feasible and its
    # totals are exact, and an instance reported optimal has the fallback's optimum
    values, weights, capacity, counts, _ = case
    nat = _run_kernel(native_knapsack, values, weights, capacity, counts, limit)
    ref = _run_kernel(fallback_kernel.knapsack_solve, values, weights, capacity, counts,
                      BIG_STATES)
    for b in range(values.shape[0]):
        cb = None if counts is None else counts[b]
        st_n = nat[3][b]
        assert st_n in (OPTIMAL, LIMIT, WIDE, OVERFLOW)
        if st_n in (OPTIMAL, LIMIT) and ref[3][b] == OPTIMAL:
            ev = check_kernel_solution(values[b], weights[b], capacity[b], cb, nat[0][b],
                                       nat[1][b], nat[2][b])
            best = _exact_xw(values[b], weights[b], ref[0][b])[0]
            assert ev <= best
            if st_n == OPTIMAL:
                assert ev == best


# ----------------------------------------------------------------------------- kernels: mckp


@st.composite
def mckp_batches(draw, max_g=4, max_k=4, max_batch=3, min_batch=0):
    """(values, weights, mask, budget, kinds) in the kernel interface's form. Values of any
    sign; budgets around the lightest choice's weight, sometimes below (infeasible)."""
    B = draw(st.integers(min_batch, max_batch))
    g = draw(st.one_of(st.sampled_from([0, 1, 1, 2]), st.integers(0, max_g)))
    k = draw(st.one_of(st.sampled_from([1, 1, 2]), st.integers(1, max_k)))
    vkind = draw(st.sampled_from(INT_KINDS + FLOAT_KINDS))
    wkind = vkind if draw(st.booleans()) else draw(st.sampled_from(INT_KINDS + FLOAT_KINDS))
    values = draw(hnp.arrays(_dtype(vkind), (B, g, k), elements=_elements(vkind)))
    if draw(st.booleans()):  # negative values
        sign = draw(hnp.arrays(np.int64, (B, g, k), elements=st.sampled_from([-1, 1])))
        values = values * sign.astype(values.dtype)
    weights = draw(hnp.arrays(_dtype(wkind), (B, g, k), elements=_elements(wkind)))
    mask = None
    if draw(st.booleans()):
        mask = draw(hnp.arrays(np.uint8, (B, g, k), elements=st.sampled_from([0, 1, 1])))
    budget = []
    for b in range(B):
        rows = []
        for i in range(g):
            opts = [Fraction(float(t)) if wkind in FLOAT_KINDS else Fraction(int(t))
                    for o, t in enumerate(weights[b, i]) if mask is None or mask[b, i, o]]
            rows.append(opts)
        if any(not r for r in rows):
            budget.append(0)
            continue
        lo = sum((min(r) for r in rows), Fraction(0))
        hi = sum((max(r) for r in rows), Fraction(0))
        t = Fraction(draw(st.integers(-1, 9)), 8)
        c = lo + (hi - lo) * t if t >= 0 else lo - 1
        if wkind in INT_KINDS:
            budget.append(min(_IMAX, max(0, math.floor(c)) if t >= 0 else max(0, int(lo) - 1)))
        else:
            f = _float_floor(c) if t >= 0 else (
                math.nextafter(_float_floor(lo), 0.0) if lo > 0 else 0.0)
            if t < 0 and Fraction(f) >= lo and f > 0:
                f = math.nextafter(f, 0.0)
            if draw(st.integers(0, 9)) == 0:
                f = math.inf
            budget.append(f)
    budget = np.array(budget, dtype=_dtype(wkind)).reshape(B)
    return values, weights, mask, budget, (vkind, wkind)


def _run_mckp(kernel, values, weights, mask, budget, max_states):
    arrays = (values, weights, budget) + (() if mask is None else (mask,))
    saved = [a.copy() for a in arrays]
    out = kernel(values, weights, mask, budget, max_states)
    for a, s in zip(arrays, saved):
        assert np.array_equal(a, s), "the kernel wrote its input"
    choice, value, weight, status = out
    B, g, _ = values.shape
    assert choice.shape == (B, g) and choice.dtype == np.int64
    assert value.shape == weight.shape == status.shape == (B,) and status.dtype == np.int8
    assert value.dtype == (np.int64 if values.dtype.kind == "i" else np.float64)
    assert weight.dtype == (np.int64 if weights.dtype.kind == "i" else np.float64)
    return out


def check_mckp_kernel_solution(values, weights, mask, budget, choice, value, weight):
    g, k = values.shape
    assert ((choice >= 0) & (choice < k)).all()
    if mask is not None:
        assert mask[np.arange(g), choice].all()
    V, W = exact_list(values), exact_list(weights)
    ev = sum((V[i * k + int(o)] for i, o in enumerate(choice)), Fraction(0))
    ew = sum((W[i * k + int(o)] for i, o in enumerate(choice)), Fraction(0))
    if not (weights.dtype.kind == "f" and math.isinf(budget)):
        cap = Fraction(float(budget)) if weights.dtype.kind == "f" else Fraction(int(budget))
        assert ew <= cap
    assert value == rounded(ev, values.dtype.kind == "i")
    assert weight == rounded(ew, weights.dtype.kind == "i")
    return ev


def _brute_budget(budget, weights):
    return float(budget) if weights.dtype.kind == "f" else int(budget)


@SETTINGS
@given(mckp_batches())
def test_fallback_mckp_kernel_against_brute_force(case):
    values, weights, mask, budget, _ = case
    choice, value, weight, status = _run_mckp(fallback_kernel.mckp_solve, values, weights, mask,
                                              budget, BIG_STATES)
    for b in range(values.shape[0]):
        m = None if mask is None else mask[b]
        best, _ = brute_mckp(values[b], weights[b], _brute_budget(budget[b], weights), m)
        if best is None:
            assert status[b] == INFEASIBLE and (choice[b] == -1).all()
            continue
        assert status[b] in (OPTIMAL, OVERFLOW)
        if status[b] == OPTIMAL:
            ev = check_mckp_kernel_solution(values[b], weights[b], m, budget[b], choice[b],
                                            value[b], weight[b])
            assert ev == best


def _compare_mckp(values, weights, mask, budget):
    nat = _run_mckp(native_mckp, values, weights, mask, budget, BIG_STATES)
    ref = _run_mckp(fallback_kernel.mckp_solve, values, weights, mask, budget, BIG_STATES)
    for b in range(values.shape[0]):
        m = None if mask is None else mask[b]
        _event(f"native status {int(nat[3][b])}")
        if nat[3][b] == WIDE:
            assert ref[3][b] != WIDE and (nat[0][b] == -1).all()
            continue
        assert nat[3][b] == ref[3][b], (b, nat[3][b], ref[3][b])
        if ref[3][b] == INFEASIBLE:
            assert (nat[0][b] == -1).all()
        elif ref[3][b] == OPTIMAL:
            assert _bits(nat[1][b:b + 1]).tolist() == _bits(ref[1][b:b + 1]).tolist(), (
                "optimal values differ", nat[1][b], ref[1][b])
            e1 = check_mckp_kernel_solution(values[b], weights[b], m, budget[b], nat[0][b],
                                            nat[1][b], nat[2][b])
            e2 = check_mckp_kernel_solution(values[b], weights[b], m, budget[b], ref[0][b],
                                            ref[1][b], ref[2][b])
            assert e1 == e2


@needs_native_mckp
@SETTINGS
@given(mckp_batches())
def test_native_mckp_kernel_equals_fallback(case):
    values, weights, mask, budget, _ = case
    _compare_mckp(values, weights, mask, budget)


@needs_native_mckp
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mckp_batches(max_g=12, max_k=8, max_batch=2, min_batch=1))
def test_native_mckp_kernel_equals_fallback_larger(case):
    values, weights, mask, budget, _ = case
    _compare_mckp(values, weights, mask, budget)


@needs_native_mckp
@pytest.mark.parametrize("seed", range(3))
def test_native_mckp_kernel_equals_fallback_on_tie_batches(seed):
    rng = np.random.default_rng(seed)
    B, g, k = 300, 6, 4
    values = rng.integers(-2, 3, (B, g, k)).astype(np.int64)
    weights = rng.integers(0, 3, (B, g, k)).astype(np.int64)
    budget = rng.integers(0, 2 * g, B).astype(np.int64)
    mask = (rng.random((B, g, k)) < 0.8).astype(np.uint8)
    mask[:, :, 0] = 1
    _compare_mckp(values, weights, None, budget)
    _compare_mckp(values, weights, mask, budget)
    _compare_mckp(values / 4.0, weights / 8.0, mask, budget / 8.0)


# ------------------------------------------------------------------- public API vs brute force


@st.composite
def problems(draw, max_n=10):
    values, weights, capacity, counts, kinds = draw(knap_batches(max_n=max_n, min_batch=1,
                                                                 max_batch=1))
    assume(counts is None or _brute_ok(values.shape[1], counts[0]))
    cnt = None if counts is None else counts[0]
    return values[0], weights[0], capacity[0].item(), cnt, kinds


@pytest.mark.parametrize("backend_name", BACKENDS)
@SETTINGS
@given(case=problems())
def test_knapsack_agrees_with_brute_force(backend_name, case):
    values, weights, capacity, counts, _ = case
    best, opt = brute_knapsack(values, weights, capacity, counts)
    with tradeoff.using_backend(backend_name):
        try:
            res = tradeoff.knapsack(values, weights, capacity, counts=counts)
        except ValueError as exc:  # an int64 total: the exact optimum (or its weight) overflows
            assert "does not fit int64" in str(exc)
            heavy = weights.dtype.kind == "i" and any(
                sum(int(w) * t for w, t in zip(weights, x)) > _IMAX for x in opt)
            assert (values.dtype.kind == "i" and best > _IMAX) or heavy, str(exc)
            return
    if values.dtype.kind == "i":
        assert -2**63 <= best < 2**63
    check_knapsack(values, weights, capacity, res, counts=counts, best=best, opt_set=opt)


@pytest.mark.parametrize("backend_name", BACKENDS)
@SETTINGS
@given(case=mckp_batches(min_batch=1, max_batch=1))
def test_mckp_agrees_with_brute_force(backend_name, case):
    values, weights, mask, budget, _ = case
    v, w = values[0], weights[0]
    m = None if mask is None else mask[0].astype(bool)
    b = _brute_budget(budget[0], weights)
    best, opt = brute_mckp(v, w, b, m)
    with tradeoff.using_backend(backend_name):
        if best is None:
            with pytest.raises(tradeoff.InfeasibleError):
                tradeoff.mckp(v, w, b, mask=m)
            return
        try:
            res = tradeoff.mckp(v, w, b, mask=m)
        except ValueError as exc:  # the exact optimum overflows int64
            assert "does not fit int64" in str(exc)
            assert values.dtype.kind == "i" and not -2**63 <= best <= _IMAX, str(exc)
            return
    check_mckp(v, w, b, res, mask=m, best=best, opt_set=opt)


@pytest.mark.parametrize("backend_name", BACKENDS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=knap_batches(max_n=8, min_batch=1, max_batch=4))
def test_knapsack_batches_equal_single_calls(backend_name, case):
    values, weights, capacity, counts, _ = case
    with tradeoff.using_backend(backend_name):
        try:
            res = tradeoff.knapsack(values, weights, capacity, counts=counts)
        except ValueError:
            return  # an int64 total somewhere; single calls are covered above
        for b in range(values.shape[0]):
            one = tradeoff.knapsack(values[b], weights[b], capacity[b],
                                    counts=None if counts is None else counts[b])
            assert _bits(np.asarray(res.value[b])).tolist() == _bits(
                np.asarray(one.value, dtype=res.value.dtype)).tolist()
            assert res.x[b].tolist() == one.x.tolist()  # the same instance, the same answer
            assert res.optimal[b] and one.optimal


# --------------------------------------------------------- kernels: overflow and width statuses


def _knapsack_kernels():
    out = [pytest.param(fallback_kernel.knapsack_solve, id="fallback")]
    out.append(pytest.param(native_knapsack, id="native", marks=needs_native_knapsack))
    return out


def _mckp_kernels():
    out = [pytest.param(fallback_kernel.mckp_solve, id="fallback")]
    out.append(pytest.param(native_mckp, id="native", marks=needs_native_mckp))
    return out


@pytest.mark.parametrize("kernel", _knapsack_kernels())
def test_knapsack_kernels_flag_int64_overflow_per_instance(kernel):
    # instance 0: 2^62 + 2^62 = 2^63 does not fit int64 (status 4, x still the optimum);
    # instance 1: 2^62 + (2^62 - 1) = 2^63 - 1 fits; instance 2: bounded-like through the
    # weights: the optimum's weight is fine, its value overflows through three items
    values = np.array([[2**62, 2**62, 1], [2**62, 2**62 - 1, 0], [2**61, 2**61, 2**62]],
                      dtype=np.int64)
    weights = np.ones((3, 3), dtype=np.int64)
    capacity = np.array([3, 3, 3], dtype=np.int64)
    x, value, weight, status = kernel(values, weights, capacity, None, BIG_STATES)
    assert status.tolist() == [OVERFLOW, OPTIMAL, OVERFLOW]
    assert x[0].tolist() == [1, 1, 1] and x[2].tolist() == [1, 1, 1]
    assert x[1].tolist() == [1, 1, 0] and value[1] == 2**63 - 1 and weight[1] == 2
    # bounded: 2 copies of 2^62
    x, value, weight, status = kernel(values[:1, :1].copy(), weights[:1, :1].copy(),
                                      capacity[:1], np.array([[2]], dtype=np.int64), BIG_STATES)
    assert status.tolist() == [OVERFLOW] and x.tolist() == [[2]]
    # the same values as floats: exact totals, correctly rounded, no overflow
    x, value, weight, status = kernel(values.astype(np.float64), weights, capacity, None,
                                      BIG_STATES)
    assert status.tolist() == [OPTIMAL] * 3
    assert value.tolist() == [2.0**63 + 1, 2.0**63, 2.0**63]


@pytest.mark.parametrize("kernel", _mckp_kernels())
def test_mckp_kernels_flag_int64_overflow_per_instance(kernel):
    values = np.array([[[2**62, 0], [2**62, 0]], [[2**62, 0], [2**62 - 1, 0]]], dtype=np.int64)
    weights = np.zeros((2, 2, 2), dtype=np.int64)
    budget = np.zeros(2, dtype=np.int64)
    choice, value, weight, status = kernel(values, weights, None, budget, BIG_STATES)
    assert status.tolist() == [OVERFLOW, OPTIMAL]
    assert choice.tolist() == [[0, 0], [0, 0]] and value[1] == 2**63 - 1
    # negative totals below int64's minimum overflow too (one option per group: forced);
    # -2^63 itself fits
    neg = np.array([[[-2**62], [-2**62 - 1]], [[-2**62], [-2**62]]], dtype=np.int64)
    choice, value, weight, status = kernel(neg, np.zeros((2, 2, 1), dtype=np.int64), None,
                                           budget, BIG_STATES)
    assert status.tolist() == [OVERFLOW, OPTIMAL] and value[1] == -2**63
    assert choice.tolist() == [[0, 0], [0, 0]] and weight.tolist()[1] == 0


@needs_native_knapsack
def test_native_knapsack_kernel_reports_too_wide_instances():
    # 2^1000 and 2^-1000 need 2000-bit integers: status 3 (x zeros) from the native kernel,
    # solved exactly by the fallback; the instance beside it is unaffected
    values = np.array([[2.0**1000, 2.0**-1000, 1.0], [3.0, 1.0, 1.0]])
    weights = np.array([[1.0, 1.0, 5.0], [1.0, 1.0, 1.0]])
    capacity = np.array([2.0, 2.0])
    x, value, weight, status = native_knapsack(values, weights, capacity, None, BIG_STATES)
    assert status[1] == OPTIMAL and value[1] == 4.0 and weight[1] == 2.0
    assert status[0] in (OPTIMAL, WIDE)
    if status[0] == WIDE:
        assert (x[0] == 0).all()
    else:
        assert x[0].tolist() == [1, 1, 0] and value[0] == 2.0**1000
    fx, fv, fw, fs = fallback_kernel.knapsack_solve(values, weights, capacity, None, BIG_STATES)
    assert fs.tolist() == [OPTIMAL, OPTIMAL] and fx[0].tolist() == [1, 1, 0]
    assert fv[0] == 2.0**1000 and fw[0] == 2.0
    # the same through the public function: the front end re-solves the wide instance
    with tradeoff.using_backend("native"):
        res = tradeoff.knapsack(values, weights, capacity)
    assert res.x.tolist() == [[True, True, False], [True, True, False]]
    assert res.value.tolist() == [2.0**1000, 4.0] and res.optimal.all()


@needs_native_mckp
def test_native_mckp_kernel_reports_too_wide_instances():
    values = np.array([[[2.0**1000, 0.0], [2.0**-1000, 0.0]]])
    weights = np.array([[[1.0, 0.0], [1.0, 0.0]]])
    budget = np.array([2.0])
    choice, value, weight, status = native_mckp(values, weights, None, budget, BIG_STATES)
    assert status[0] in (OPTIMAL, WIDE)
    if status[0] == WIDE:
        assert (choice[0] == -1).all()
    else:
        assert choice[0].tolist() == [0, 0] and value[0] == 2.0**1000 and weight[0] == 2.0
    with tradeoff.using_backend("native"):
        res = tradeoff.mckp(values, weights, budget)
    assert res.choice.tolist() == [[0, 0]] and res.value.tolist() == [2.0**1000]


@pytest.mark.parametrize("kernel", _knapsack_kernels())
def test_knapsack_kernels_with_no_items_or_no_instances(kernel):
    for B, n in ((0, 3), (2, 0), (0, 0)):
        for counts in (None, np.zeros((B, n), dtype=np.int64)):
            x, value, weight, status = kernel(np.zeros((B, n)), np.zeros((B, n)),
                                              np.ones(B), counts, BIG_STATES)
            assert x.shape == (B, n) and value.shape == (B,) and status.tolist() == [0] * B
            assert value.tolist() == [0.0] * B and weight.tolist() == [0.0] * B


@pytest.mark.parametrize("kernel", _mckp_kernels())
def test_mckp_kernels_with_no_groups_or_no_instances(kernel):
    for B, g, k in ((0, 2, 2), (2, 0, 3)):
        choice, value, weight, status = kernel(np.zeros((B, g, k)), np.zeros((B, g, k)), None,
                                               np.ones(B), BIG_STATES)
        assert choice.shape == (B, g) and status.tolist() == [0] * B
        assert value.tolist() == [0.0] * B and weight.tolist() == [0.0] * B
