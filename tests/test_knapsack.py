"""0/1 and bounded knapsack: known answers, brute force, conventions, exactness on float data,
huge capacities, dtypes, batches, input handling, ``optimal`` and ``max_states``, Pisinger's
instance classes, on every CPU backend.

Oracles (independent of the library's algorithms):

* ``brute_knapsack``: every x in {0..count_j}^n (n <= 15 for 0/1) enumerated with exact Python
  integer sums. Float data is converted exactly: every float is a binary rational, so an array
  times 2**k (k its largest denominator exponent) is an array of Python integers.
* ``table_dp``: the textbook O(n C) table over integer capacities (integer data, small C), for
  the larger instances of Pisinger's classes.

The contract checked (``check_knapsack``): x is in range, its exact weight is <= the capacity,
its exact value equals the exact optimum; ``value`` is that optimum (exact int64 for integer
values, correctly rounded to float64 otherwise: ``float(Fraction)`` rounds correctly) and
``weight`` the exact weight of x, rounded the same way; conventions: items of value 0 are never
chosen, items heavier than the capacity never, items of weight 0 and positive value always (all
of their count).
"""

from __future__ import annotations

import math
import time
from fractions import Fraction

import numpy as np
import pytest
from conftest import cpu_backends

import tradeoff
from tradeoff import _backend

_core = _backend.core_module()
HAVE_NATIVE = getattr(_core, "knapsack_solve", None) is not None
NATIVE_MISSING = "tradeoff._core is built without knapsack_solve (the native knapsack kernel)"


@pytest.fixture(params=cpu_backends())
def backend(request):
    """Runs the test once per CPU backend with that backend forced (native only where _core
    has the knapsack kernel)."""
    if request.param == "native" and not HAVE_NATIVE:
        pytest.skip(NATIVE_MISSING)
    with tradeoff.using_backend(request.param):
        yield request.param


# ------------------------------------------------------------------------------------ oracles


def exact(v) -> Fraction:
    """The exact rational value of one number (Python or NumPy int, bool or float)."""
    if isinstance(v, (bool, np.bool_)):
        return Fraction(int(v))
    if isinstance(v, (int, np.integer)):
        return Fraction(int(v))
    f = float(v)
    assert math.isfinite(f), f
    return Fraction(f)


def exact_list(arr) -> list[Fraction]:
    a = np.asarray(arr)
    if a.dtype.kind == "f":
        return [Fraction(float(t)) for t in a.ravel()]
    return [Fraction(int(t)) for t in a.ravel()]


def to_ints(fracs) -> tuple[list[int], int]:
    """(ints, den): fracs[j] == ints[j] / den exactly, den a power of two (binary rationals)."""
    den = 1
    for f in fracs:
        den = max(den, f.denominator)
    assert den & (den - 1) == 0, "not a binary rational"
    return [int(f * den) for f in fracs], den


def rounded(frac: Fraction, integer: bool):
    """The reported form of an exact total: an int (integer input) or the correctly rounded
    float64 (float input)."""
    if integer:
        return int(frac)
    try:
        return frac.numerator / frac.denominator  # int / int: correctly rounded (CPython)
    except OverflowError:  # beyond the largest float: rounds to infinity
        return math.inf if frac > 0 else -math.inf


def cap_fraction(capacity):
    c = float(capacity) if np.asarray(capacity).dtype.kind == "f" else capacity
    if isinstance(c, float) and math.isinf(c):
        return None  # unlimited
    return exact(c)


def brute_knapsack(values, weights, capacity, counts=None):
    """(best, optimal): the exact optimum (Fraction) and the set of optimal x (tuples), by
    enumerating every x with 0 <= x_j <= counts_j (1 for 0/1) with exact integer sums."""
    V, dv = to_ints(exact_list(values))
    W, dw = to_ints(exact_list(weights))
    n = len(V)
    cnt = [1] * n if counts is None else [int(c) for c in np.asarray(counts).ravel()]
    assert math.prod(c + 1 for c in cnt) <= 200_000, "brute force is exponential"
    cap = cap_fraction(capacity)
    limit = None if cap is None else math.floor(cap * dw)
    # doubling: entry i of the lists is the x whose mixed-radix code is i (item 0 fastest)
    vs, ws = [0], [0]
    for j in range(n):
        nv, nw = [], []
        for t in range(cnt[j] + 1):
            nv += [a + t * V[j] for a in vs]
            nw += [a + t * W[j] for a in ws]
        vs, ws = nv, nw
    best = None
    codes = []
    for code, (a, b) in enumerate(zip(vs, ws)):
        if limit is not None and b > limit:
            continue
        if best is None or a > best:
            best, codes = a, [code]
        elif a == best:
            codes.append(code)
    optimal = set()
    for code in codes:
        x = []
        for j in range(n):
            x.append(code % (cnt[j] + 1))
            code //= cnt[j] + 1
        optimal.add(tuple(x))
    return Fraction(best, dv), optimal


def table_dp(values, weights, capacity, counts=None) -> int:
    """The exact optimum of an integer instance by the O(n C) table (independent of the
    library's state lists): best[c] = the best value of weight <= c. Bounded items are
    expanded into min(count, C // w) copies."""
    v = [int(t) for t in np.asarray(values).ravel()]
    w = [int(t) for t in np.asarray(weights).ravel()]
    C = int(capacity)
    cnt = [1] * len(v) if counts is None else [int(c) for c in np.asarray(counts).ravel()]
    best = np.zeros(C + 1, dtype=object if sum(v) * max(cnt + [1]) >= 2**62 else np.int64)
    for vj, wj, cj in zip(v, w, cnt):
        copies = cj if wj == 0 else min(cj, C // wj)
        for _ in range(copies):
            if wj == 0:
                best = best + vj
            else:
                cand = best[: C + 1 - wj] + vj
                best[wj:] = np.maximum(best[wj:], cand)
    return int(best[C])


def exact_totals(values, weights, x):
    """(value, weight) of x as exact Fractions."""
    V = exact_list(values)
    W = exact_list(weights)
    xs = [int(t) for t in np.asarray(x).ravel()]
    return sum((a * t for a, t in zip(V, xs)), Fraction(0)), sum(
        (b * t for b, t in zip(W, xs)), Fraction(0)
    )


def _is_int(arr) -> bool:
    return np.asarray(arr).dtype.kind in "iub"


def check_instance(values, weights, capacity, counts, x, value, weight, optimal, best,
                   opt_set=None):
    """One instance of a result against the exact optimum ``best`` (a Fraction or int)."""
    values = np.asarray(values)
    weights = np.asarray(weights)
    n = values.shape[-1]
    x = np.asarray(x)
    assert x.shape == (n,)
    if counts is None:
        assert x.dtype == np.bool_
        cnt = np.ones(n, dtype=np.int64)
    else:
        assert x.dtype == np.int64
        cnt = np.asarray(counts, dtype=np.int64)
    xi = x.astype(np.int64)
    assert (xi >= 0).all() and (xi <= cnt).all(), (x, cnt)
    ev, ew = exact_totals(values, weights, xi)
    cap = cap_fraction(capacity)
    assert cap is None or ew <= cap, f"x is infeasible: weight {ew} > capacity {cap}"
    assert bool(optimal) is True
    assert ev == best, f"x has value {ev}, the optimum is {best}"
    if opt_set is not None:
        assert tuple(xi.tolist()) in opt_set
    # reported totals: exact, or correctly rounded
    iv, iw = _is_int(values), _is_int(weights)
    want_v, want_w = rounded(Fraction(best), iv), rounded(ew, iw)
    assert np.ndim(value) == 0 and np.ndim(weight) == 0
    if iv:
        assert isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    else:
        assert isinstance(value, (float, np.floating))
    if iw:
        assert isinstance(weight, (int, np.integer)) and not isinstance(weight, (bool, np.bool_))
    else:
        assert isinstance(weight, (float, np.floating))
    assert value == want_v and type(want_v)(value) == want_v, (value, want_v)
    assert weight == want_w, (weight, want_w)
    # conventions
    V = exact_list(values)
    W = exact_list(weights)
    for j in range(n):
        if V[j] == 0:
            assert xi[j] == 0, f"item {j} of value 0 was chosen"
        elif cap is not None and W[j] > cap:
            assert xi[j] == 0, f"item {j} heavier than the capacity was chosen"
        elif W[j] == 0:
            assert xi[j] == cnt[j], f"item {j} of weight 0 and positive value was not all taken"


def check_knapsack(values, weights, capacity, res, counts=None, best=None, opt_set=None):
    """res (single instance) is optimal: against brute force unless ``best`` is given."""
    if best is None:
        best, opt_set = brute_knapsack(values, weights, capacity, counts)
    check_instance(values, weights, capacity, counts, res.x, res.value, res.weight,
                   res.optimal, best, opt_set)
    return best


def check_batch(values, weights, capacity, res, counts=None, best=None):
    """Every instance of a batch result, against brute force (or ``best``, a list)."""
    values = np.asarray(values)
    weights = np.asarray(weights)
    B, n = values.shape
    cap = np.broadcast_to(np.asarray(capacity), (B,))
    cnt = None if counts is None else np.broadcast_to(np.asarray(counts), (B, n))
    assert res.x.shape == (B, n)
    assert res.x.dtype == (np.bool_ if counts is None else np.int64)
    assert isinstance(res.value, np.ndarray) and res.value.shape == (B,)
    assert res.value.dtype == (np.int64 if _is_int(values) else np.float64)
    assert isinstance(res.weight, np.ndarray) and res.weight.shape == (B,)
    assert res.weight.dtype == (np.int64 if _is_int(weights) else np.float64)
    assert isinstance(res.optimal, np.ndarray) and res.optimal.shape == (B,)
    assert res.optimal.dtype == np.bool_
    for b in range(B):
        c = None if cnt is None else cnt[b]
        if best is None:
            bb, opt = brute_knapsack(values[b], weights[b], cap[b], c)
        else:
            bb, opt = best[b], None
        check_instance(values[b], weights[b], cap[b], c, res.x[b], res.value[b],
                       res.weight[b], res.optimal[b], bb, opt)


# ------------------------------------------------------------------------------ known answers


def test_classic_example_by_hand(backend):
    # items (v, w): (60, 10), (100, 20), (120, 30), capacity 50. Subsets that fit: {0,1} 160,
    # {0,2} 180, {1,2} 220 (weight exactly 50), singles less; all three weigh 60 > 50.
    res = tradeoff.knapsack([60, 100, 120], [10, 20, 30], 50)
    assert res.x.tolist() == [False, True, True]
    assert res.value == 220 and res.weight == 50 and res.optimal
    check_knapsack([60, 100, 120], [10, 20, 30], 50, res)


def test_greedy_by_efficiency_is_not_optimal(backend):
    # efficiencies 2 and 1: greedy takes item 0 (weight 1), then item 1 (weight 3) no longer
    # fits: value 2. The optimum takes item 1 alone: 3.
    res = tradeoff.knapsack([2, 3], [1, 3], 3)
    assert res.x.tolist() == [False, True] and res.value == 3 and res.weight == 3


def test_four_items_by_hand(backend):
    # (v, w) = (10, 5), (40, 4), (30, 6), (50, 3), C = 10. Pairs that fit: {0,1} 50, {0,3} 60,
    # {1,2} 70, {1,3} 90 (w 7), {2,3} 80; triples: {0,1,3} weighs 12, {1,2,3} 13, all > 10.
    # The optimum {1,3} = 90 is unique.
    res = tradeoff.knapsack(np.array([10.0, 40, 30, 50]), np.array([5.0, 4, 6, 3]), 10.0)
    assert res.x.tolist() == [False, True, False, True]
    assert res.value == 90.0 and res.weight == 7.0
    assert isinstance(res.value, float) and isinstance(res.weight, float)


def test_bounded_by_hand(backend):
    # (v, w) = (3, 2), (4, 3), counts 5 and 5, C = 7: x = (a, b) with 2a + 3b <= 7:
    # (3, 0) 9, (2, 1) 10 (weight 7), (0, 2) 8, (1, 1) 7: the unique optimum is (2, 1).
    res = tradeoff.knapsack([3, 4], [2, 3], 7, counts=[5, 5])
    assert res.x.dtype == np.int64 and res.x.tolist() == [2, 1]
    assert res.value == 10 and res.weight == 7 and res.optimal
    # the counts bind: item 0 (the best, 5 per unit weight) at most twice, the rest item 1
    res = tradeoff.knapsack([5, 1], [1, 1], 5, counts=[2, 10])
    assert res.x.tolist() == [2, 3] and res.value == 13 and res.weight == 5
    # count 0 forbids the item
    res = tradeoff.knapsack([5, 1], [1, 1], 5, counts=[0, 10])
    assert res.x.tolist() == [0, 5] and res.value == 5
    # counts of 1 are the 0/1 problem, with int64 x
    res = tradeoff.knapsack([60, 100, 120], [10, 20, 30], 50, counts=[1, 1, 1])
    assert res.x.dtype == np.int64 and res.x.tolist() == [0, 1, 1] and res.value == 220


def test_bounded_huge_counts(backend):
    # count 10**12 capped by the capacity: 10**4 // 7 = 1428 copies of item 0 (weight 9996),
    # then the remaining 4 units take item 1 (weight 2) twice. Optimal and unique: any x has
    # value 10 a + 2 b <= 10 a + (C - 7 a) = C + 3 a <= C + 3 * 1428, with equality here.
    res = tradeoff.knapsack([10, 2], [7, 2], 10**4, counts=[10**12, 10**12])
    assert res.x.tolist() == [1428, 2]
    assert res.value == 14280 + 4 and res.weight == 10**4


def test_bounded_huge_counts_and_capacity(backend):
    # the same at capacity 10**9 (the bound argument above gives x = (142857142, 3)); the plain
    # state-list fallback would list every reachable weight below 10**9
    if backend == "fallback":
        pytest.skip("the fallback's plain state list grows with the capacity here")
    res = tradeoff.knapsack([10, 2], [7, 2], 10**9, counts=[10**12, 10**12])
    assert res.x.tolist() == [142857142, 3]
    assert res.value == 1428571420 + 6 and res.weight == 10**9


def test_subset_sum_by_hand(backend):
    # values = weights: the best fill of 30 by {6, 10, 15}: sums 6, 10, 15, 16, 21, 25, 31:
    # 25 (10 + 15) is the best <= 30.
    res = tradeoff.knapsack([6, 10, 15], [6, 10, 15], 30)
    assert res.x.tolist() == [False, True, True] and res.value == 25 and res.weight == 25


def test_single_item(backend):
    assert tradeoff.knapsack([5], [3], 3).x.tolist() == [True]
    assert tradeoff.knapsack([5], [3], 2).x.tolist() == [False]
    res = tradeoff.knapsack([5], [3], 2)
    assert res.value == 0 and res.weight == 0 and res.optimal
    res = tradeoff.knapsack([5], [3], 10, counts=[4])
    assert res.x.tolist() == [3] and res.value == 15 and res.weight == 9


# ------------------------------------------------------------------------------- conventions


def test_items_of_value_zero_are_never_chosen(backend):
    res = tradeoff.knapsack([0, 5, 0], [1, 1, 0], 10)
    assert res.x.tolist() == [False, True, False] and res.value == 5 and res.weight == 1
    res = tradeoff.knapsack([0.0, 5.0, 0.0], [1.0, 1.0, 0.0], 10.0, counts=[3, 2, 4])
    assert res.x.tolist() == [0, 2, 0] and res.value == 10.0 and res.weight == 2.0
    # all zero values: nothing
    res = tradeoff.knapsack(np.zeros(5), np.ones(5), 3.0)
    assert not res.x.any() and res.value == 0.0 and res.weight == 0.0


def test_items_heavier_than_the_capacity_are_never_chosen(backend):
    res = tradeoff.knapsack([100, 1, 1], [11, 5, 5], 10)
    assert res.x.tolist() == [False, True, True] and res.value == 2
    res = tradeoff.knapsack([100, 1], [11, 5], 10, counts=[5, 5])
    assert res.x.tolist() == [0, 2] and res.value == 2
    # everything too heavy: nothing
    res = tradeoff.knapsack([1, 2, 3], [4, 5, 6], 3)
    assert res.x.tolist() == [False] * 3 and res.value == 0 and res.weight == 0


def test_items_of_weight_zero_are_always_taken(backend):
    res = tradeoff.knapsack([3, 7, 2], [0, 5, 0], 4)
    assert res.x.tolist() == [True, False, True] and res.value == 5 and res.weight == 0
    # even at capacity 0, with all their count
    res = tradeoff.knapsack([3, 7, 2], [0, 5, 0], 0, counts=[4, 9, 10**6])
    assert res.x.tolist() == [4, 0, 10**6] and res.value == 12 + 2 * 10**6 and res.weight == 0
    res = tradeoff.knapsack([0.5, 7.0], [0.0, 5.0], 0.0)
    assert res.x.tolist() == [True, False] and res.value == 0.5 and res.weight == 0.0


def test_negative_zero_is_zero(backend):
    # -0.0 is a valid 0: a weight of -0.0 is free (always taken), a value of -0.0 worthless
    res = tradeoff.knapsack([2.0, -0.0, 1.0], [-0.0, 0.5, 3.0], 1.0)
    assert res.x.tolist() == [True, False, False] and res.value == 2.0 and res.weight == 0.0
    res = tradeoff.knapsack([2.0, 1.0], [1.0, 1.0], -0.0)
    assert not res.x.any() and res.value == 0.0


def test_capacity_zero(backend):
    res = tradeoff.knapsack([1, 2, 3], [1, 2, 3], 0)
    assert not res.x.any() and res.value == 0 and res.weight == 0 and res.optimal


def test_everything_fits(backend):
    rng = np.random.default_rng(0)
    v = rng.integers(1, 100, 500)
    w = rng.integers(1, 100, 500)
    res = tradeoff.knapsack(v, w, int(w.sum()))
    assert res.x.all() and res.value == int(v.sum()) and res.weight == int(w.sum())
    # one unit less: dropping any one item (every weight >= 1) fits, and dropping more loses
    # more (every value >= 1), so the optimum drops one item of the least value
    res = tradeoff.knapsack(v, w, int(w.sum()) - 1)
    assert res.x.sum() == 499 and res.value == int(v.sum()) - int(v.min())
    assert v[~res.x][0] == v.min()


@pytest.mark.parametrize("bounded", [False, True])
def test_empty_item_set(backend, bounded):
    counts = np.zeros(0, dtype=np.int64) if bounded else None
    for v, w in ((np.zeros(0), np.zeros(0)), (np.zeros(0, int), np.zeros(0, int)), ([], [])):
        res = tradeoff.knapsack(v, w, 5, counts=counts)
        assert res.x.shape == (0,) and res.x.dtype == (np.int64 if bounded else np.bool_)
        assert res.value == 0 and res.weight == 0 and bool(res.optimal) is True
    res = tradeoff.knapsack(np.zeros((3, 0)), np.zeros((3, 0)), [1.0, 0.0, np.inf],
                            counts=None if not bounded else np.zeros((3, 0), dtype=np.int64))
    assert res.x.shape == (3, 0)
    assert res.value.tolist() == [0.0] * 3 and res.weight.tolist() == [0.0] * 3
    assert res.optimal.tolist() == [True] * 3


def test_empty_batch(backend):
    res = tradeoff.knapsack(np.zeros((0, 4)), np.zeros((0, 4)), np.zeros(0))
    assert res.x.shape == (0, 4) and res.x.dtype == np.bool_
    assert res.value.shape == (0,) and res.weight.shape == (0,) and res.optimal.shape == (0,)
    assert res.value.dtype == np.float64 and res.optimal.dtype == np.bool_


# ------------------------------------------------------------------------------- brute force


def _random_instance(rng, n, kind):
    if kind == "int":
        v = rng.integers(0, 20, n)
        w = rng.integers(0, 20, n)
        return v, w, int(rng.integers(0, max(1, int(w.sum())) + 1))
    if kind == "ties":  # few distinct numbers: many optimal sets
        v = rng.integers(0, 3, n)
        w = rng.integers(0, 3, n)
        return v, w, int(rng.integers(0, 2 * n + 1))
    if kind == "float":
        v = rng.random(n) * 10
        w = rng.random(n) * 10
        return v, w, float(rng.random() * w.sum())
    if kind == "decimal":  # 0.1-style numbers: float sums differ from the exact ones
        v = rng.integers(1, 10, n) / 10
        w = rng.integers(1, 10, n) / 10
        return v, w, float(rng.integers(0, 5 * n + 1)) / 10
    if kind == "wide":  # exponents from 2^-40 to 2^40
        v = np.ldexp(rng.integers(1, 2**20, n).astype(np.float64), rng.integers(-40, 21, n))
        w = np.ldexp(rng.integers(1, 2**20, n).astype(np.float64), rng.integers(-40, 21, n))
        return v, w, float(np.sort(w)[: n // 2].sum()) if n else 1.0
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["int", "ties", "float", "decimal", "wide"])
def test_zero_one_against_brute_force(backend, kind):
    rng = np.random.default_rng(hash(kind) % 2**32)
    for trial in range(40):
        n = int(rng.integers(0, 13))
        v, w, C = _random_instance(rng, n, kind)
        res = tradeoff.knapsack(v, w, C)
        check_knapsack(v, w, C, res)


@pytest.mark.parametrize("kind", ["int", "ties", "float", "decimal"])
def test_bounded_against_brute_force(backend, kind):
    rng = np.random.default_rng(7 + len(kind))
    for trial in range(30):
        n = int(rng.integers(0, 7))
        v, w, C = _random_instance(rng, n, kind)
        counts = rng.integers(0, 5, n)
        res = tradeoff.knapsack(v, w, C, counts=counts)
        check_knapsack(v, w, C, res, counts=counts)


def test_fifteen_items_against_brute_force(backend):
    rng = np.random.default_rng(15)
    for kind in ("int", "float", "decimal"):
        v, w, C = _random_instance(rng, 15, kind)
        check_knapsack(v, w, C, tradeoff.knapsack(v, w, C))


# ---------------------------------------------------------------------- exactness on floats


def test_a_weight_below_half_an_ulp_still_counts(backend):
    # 1 + 2^-53 rounds to 1.0 in float64, but exactly it exceeds the capacity 1.0: only one of
    # the two items fits. A float-summing solver takes both.
    tiny = 2.0**-53
    res = tradeoff.knapsack([1.0, 1.0], [1.0, tiny], 1.0)
    assert res.x.sum() == 1 and res.value == 1.0
    # the capacity one ulp higher (1 + 2^-52) holds both
    res = tradeoff.knapsack([1.0, 1.0], [1.0, tiny], 1.0 + 2.0**-52)
    assert res.x.tolist() == [True, True] and res.value == 2.0
    assert res.weight == 1.0  # 1 + 2^-53 correctly rounded (to even)


def test_decimal_weights_are_compared_exactly(backend):
    # double(0.1) + double(0.2) = 0.3000000000000000166533453693773481063544750213623046875
    # exactly, above double(0.3) = 0.299999999999999988897769753748434595763683319091796875:
    # the pair does not fit a capacity of 0.3, so the third item (value 2) is the best.
    assert Fraction(0.1) + Fraction(0.2) > Fraction(0.3)
    res = tradeoff.knapsack([1.5, 1.5, 2.0], [0.1, 0.2, 0.3], 0.3)
    assert res.x.tolist() == [False, False, True] and res.value == 2.0 and res.weight == 0.3
    # 0.30000000000000004 (the float sum 0.1 + 0.2) is above the exact sum: the pair fits
    assert Fraction(0.1 + 0.2) > Fraction(0.1) + Fraction(0.2)
    res = tradeoff.knapsack([1.5, 1.5, 2.0], [0.1, 0.2, 0.3], 0.1 + 0.2)
    assert res.x.tolist() == [True, True, False] and res.value == 3.0
    assert res.weight == 0.30000000000000004  # the exact 0.30000000000000001665... rounded


def test_the_value_is_the_exact_optimum_correctly_rounded(backend):
    # values 1, 2^-53, 2^-53: summed left to right in float64 1 + 2^-53 = 1 (ties to even)
    # twice, but the exact total 1 + 2^-52 is a float64.
    t = 2.0**-53
    res = tradeoff.knapsack([1.0, t, t], [1.0, 1.0, 1.0], 3.0)
    assert res.x.all() and res.value == 1.0 + 2.0**-52
    # the order of the items does not matter
    res = tradeoff.knapsack([t, t, 1.0], [1.0, 1.0, 1.0], 3.0)
    assert res.value == 1.0 + 2.0**-52


def test_a_better_set_whose_value_rounds_to_the_same_float(backend):
    # A = 1 + 2^-52 (weight 3) against B + C + D = 1 + 2 (2^-53 + 2^-60) = 1 + 2^-52 + 2^-59
    # (weight 3, capacity 3): BCD is strictly better, though its total rounds to A's value
    # (2^-59 is below half an ulp of 1). Left-to-right float sums give 1 + 2^-51 instead.
    a = 1.0 + 2.0**-52
    c = 2.0**-53 + 2.0**-60
    values = [a, 1.0, c, c]
    res = tradeoff.knapsack(values, [3.0, 1.0, 1.0, 1.0], 3.0)
    assert res.x.tolist() == [False, True, True, True]
    assert res.value == a and res.weight == 3.0
    assert ((1.0 + c) + c) != a  # what naive summation reports
    # with integer weights the same
    res = tradeoff.knapsack(values, [3, 1, 1, 1], 3)
    assert res.x.tolist() == [False, True, True, True] and res.value == a and res.weight == 3


def test_values_spanning_the_whole_float_range(backend):
    # the scaled integers need about 2000 bits: the exact path still decides
    # 2^1000 + 2^-1000 (items 1 and 2) > 2^1000 (item 0), capacity 2
    big, small = 2.0**1000, 2.0**-1000
    res = tradeoff.knapsack([big, big, small], [2.0, 1.0, 1.0], 2.0)
    assert res.x.tolist() == [False, True, True] and res.value == big and res.weight == 2.0
    # on weights: 2^1000 + 2^-1000 rounds to 2^1000 but exceeds the capacity 2^1000, so item 0
    # (value 3) goes alone; a float-summing solver adds item 1 or 2 (value 4)
    res = tradeoff.knapsack([3.0, 1.0, 1.0], [big, small, small], big)
    assert res.x.tolist() == [True, False, False] and res.value == 3.0 and res.weight == big
    # subnormal weights: 2^-1030 + 2^-1074 is a float; a capacity of exactly that holds item 0
    # (value 2) and one of the two smallest subnormals (value 1 each), not both
    w = [2.0**-1030, 5e-324, 5e-324]
    cap = 2.0**-1030 + 5e-324
    assert Fraction(cap) == Fraction(2) ** -1030 + Fraction(2) ** -1074
    res = tradeoff.knapsack([2.0, 1.0, 1.0], w, cap)
    assert res.x.sum() == 2 and res.x[0] and res.value == 3.0 and res.weight == cap
    res = tradeoff.knapsack([2.0, 1.0, 1.0], w, cap + 5e-324)
    assert res.x.all() and res.value == 4.0


def test_a_total_above_the_largest_float_is_inf(backend):
    # each value fits float64, their exact sum 2^1024 (1 - 2^-54) ... rounds past the largest
    # float: the correctly rounded total is +inf
    m = np.finfo(np.float64).max
    res = tradeoff.knapsack([m, m], [1.0, 1.0], 2.0)
    assert res.x.all() and res.value == np.inf
    res = tradeoff.knapsack([m, m], [1.0, 1.0], 1.0)
    assert res.x.sum() == 1 and res.value == m


def test_integer_weights_with_a_fractional_capacity(backend):
    # weights 3 + 4 = 7 fit 7.9 (floored to 7), not 6.999
    res = tradeoff.knapsack([5, 6], [3, 4], 7.9)
    assert res.x.tolist() == [True, True] and res.value == 11 and res.weight == 7
    res = tradeoff.knapsack([5, 6], [3, 4], 6.999)
    assert res.x.tolist() == [False, True] and res.value == 6
    assert isinstance(res.weight, (int, np.integer))


def test_float32_equals_the_same_numbers_in_float64(backend):
    rng = np.random.default_rng(32)
    for _ in range(20):
        v = rng.random(10).astype(np.float32)
        w = rng.random(10).astype(np.float32)
        C = np.float32(w.sum() / 2)
        r32 = tradeoff.knapsack(v, w, C)
        r64 = tradeoff.knapsack(v.astype(np.float64), w.astype(np.float64), float(C))
        assert r32.value == r64.value and r32.weight == r64.weight
        assert isinstance(r32.value, (float, np.float64)) and np.asarray(r32.value).dtype == np.float64
        check_knapsack(v, w, float(C), r32)


def test_scaling_by_powers_of_two_scales_the_answer(backend):
    # the exact problem is invariant under scaling values or weights (and capacity) by 2^k
    rng = np.random.default_rng(2)
    for _ in range(10):
        v = rng.random(12)
        w = rng.random(12)
        C = float(w.sum() / 3)
        base = tradeoff.knapsack(v, w, C)
        for k in (-600, -30, 7, 500):
            s = 2.0**k
            r = tradeoff.knapsack(v * s, w, C)
            assert r.value == base.value * s
            r = tradeoff.knapsack(v, w * s, C * s)
            assert r.value == base.value and r.weight == base.weight * s


# ---------------------------------------------------------------------------- huge capacities


@pytest.mark.parametrize("capacity", [1e300, np.inf, 2**62, np.iinfo(np.int64).max, 1.7e308,
                                      9_300_000_000_000_000_000])
def test_huge_capacity_takes_everything_without_allocating(backend, capacity):
    # everything fits: nothing to search. max_states = 10^6 (far more than such an instance
    # needs) keeps a solver that lists states anyway from running for minutes before failing
    n = 2000
    rng = np.random.default_rng(5)
    v = rng.integers(1, 10**6, n)
    w = rng.integers(1, 10**6, n)
    res = tradeoff.knapsack(v, w, capacity, max_states=10**6)
    assert bool(res.optimal) is True
    assert res.x.all() and res.value == int(v.sum()) and res.weight == int(w.sum())
    res = tradeoff.knapsack(v.astype(float), w * 1.5, capacity, max_states=10**6)
    assert bool(res.optimal) is True
    assert res.x.all() and res.value == float(v.sum()) and res.weight == float((w * 1.5).sum())
    res = tradeoff.knapsack(v, w, capacity, counts=np.full(n, 10**6), max_states=10**6)
    assert bool(res.optimal) is True
    assert (res.x == 10**6).all() and res.value == int(v.sum()) * 10**6


def test_huge_capacity_that_binds(backend):
    # 20 weights of 2^990 and capacity 2^993: exactly 8 fit; the 8 largest values win
    values = np.arange(1, 21, dtype=np.float64)[::-1].copy()
    res = tradeoff.knapsack(values, np.full(20, 2.0**990), 2.0**993)
    assert res.x.tolist() == [True] * 8 + [False] * 12
    assert res.value == sum(range(13, 21)) and res.weight == 2.0**993
    # integer weights near the int64 range (their sum 1.2e19 is not an int64), capacity 9e18:
    # 3 of the 4 fit, the best 3 values win
    w = np.full(4, 3 * 10**18, dtype=np.int64)
    res = tradeoff.knapsack([1, 4, 2, 3], w, 9 * 10**18)
    assert res.x.tolist() == [False, True, True, True] and res.value == 9
    assert res.weight == 9 * 10**18


def test_large_integer_weights_and_capacity(backend):
    # weights around 10^17 with a binding capacity: the instance is small in item count, and
    # a table by capacity would need 10^18 cells
    rng = np.random.default_rng(17)
    for _ in range(10):
        w = rng.integers(10**16, 10**17, 12)
        v = rng.integers(1, 10**6, 12)
        C = int(w.sum() // 2)
        res = tradeoff.knapsack(v, w, C)
        check_knapsack(v, w, C, res)


# ------------------------------------------------------------------------------- integer ranges


def test_int64_values_near_the_limit(backend):
    big = 2**62
    res = tradeoff.knapsack([big, big - 1, 1], [1, 1, 1], 2)
    assert res.x.tolist() == [True, True, False] and res.value == 2**63 - 1
    assert isinstance(res.value, (int, np.integer)) and int(res.value) == 2**63 - 1


def test_bounded_totals_beyond_int64_in_float(backend):
    # float values: counts * values beyond 2^63 are exact rationals, reported rounded
    res = tradeoff.knapsack([2.0**62, 3.0], [1.0, 1.0], 10.0, counts=[4, 100])
    assert res.x.tolist() == [4, 6] and res.value == 2.0**64 + 18.0 and res.weight == 10.0


# ------------------------------------------------------------------------------------ dtypes


INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]


@pytest.mark.parametrize("vdtype", INT_DTYPES + [np.float32, np.float64, np.bool_])
@pytest.mark.parametrize("wdtype", INT_DTYPES + [np.float32, np.float64, np.bool_])
def test_every_real_dtype(backend, vdtype, wdtype):
    if vdtype is np.bool_:
        v = np.array([1, 0, 1, 1, 1], dtype=vdtype)
    else:
        v = np.array([7, 0, 3, 5, 1], dtype=vdtype)
    w = np.array([1, 1, 0, 1, 1], dtype=wdtype) if wdtype is np.bool_ else np.array(
        [4, 2, 0, 3, 5], dtype=wdtype)
    C = 4
    res = tradeoff.knapsack(v, w, C)
    check_knapsack(v, w, C, res)
    assert np.asarray(res.value).dtype == (np.int64 if _is_int(v) else np.float64)
    assert np.asarray(res.weight).dtype == (np.int64 if _is_int(w) else np.float64)
    # the same numbers as int64 / float64 give the same answer
    ref = tradeoff.knapsack(v.astype(np.float64), w.astype(np.float64), float(C))
    assert float(res.value) == ref.value and float(res.weight) == ref.weight


@pytest.mark.parametrize("cdtype", INT_DTYPES + [np.float32, np.float64])
def test_counts_and_capacity_dtypes(backend, cdtype):
    v, w = np.array([3, 4, 1]), np.array([2, 3, 1])
    counts = np.array([5, 5, 2], dtype=cdtype)
    res = tradeoff.knapsack(v, w, np.asarray(7, dtype=cdtype), counts=counts)
    check_knapsack(v, w, 7, res, counts=counts.astype(np.int64))
    assert res.x.dtype == np.int64


def test_uint64_values_beyond_int64(backend):
    # 2^63 + 1 is a valid uint64 value: the exact optimum is reported (or the input refused
    # with a clear error, never wrapped around to a negative number)
    v = np.array([2**63 + 1, 5], dtype=np.uint64)
    w = np.array([1, 1], dtype=np.uint64)
    try:
        res = tradeoff.knapsack(v, w, 1)
    except (ValueError, OverflowError) as exc:
        assert "int64" in str(exc) or "overflow" in str(exc).lower()
        return
    assert res.x.tolist() == [True, False]
    assert int(res.value) == 2**63 + 1


def test_nested_lists_and_scalars(backend):
    res = tradeoff.knapsack([[1, 2], [3, 4]], [[1, 1], [2, 1]], [1, 3])
    assert res.x.tolist() == [[False, True], [True, True]]
    assert res.value.tolist() == [2, 7] and res.value.dtype == np.int64
    res = tradeoff.knapsack((1.0, 2.0), (1.0, 1.0), np.float64(1.0))
    assert res.x.tolist() == [False, True] and res.value == 2.0


# ------------------------------------------------------------------------------------ batches


def test_batch_equals_single_calls(backend):
    rng = np.random.default_rng(11)
    B, n = 12, 10
    for kind in ("int", "float", "decimal"):
        parts = [_random_instance(rng, n, kind) for _ in range(B)]
        v = np.stack([p[0] for p in parts])
        w = np.stack([p[1] for p in parts])
        C = np.array([p[2] for p in parts])
        res = tradeoff.knapsack(v, w, C)
        check_batch(v, w, C, res)
        for b in range(B):
            one = tradeoff.knapsack(v[b], w[b], C[b])
            assert res.x[b].tolist() == one.x.tolist()
            assert res.value[b] == one.value and res.weight[b] == one.weight


def test_batch_bounded_and_scalar_capacity(backend):
    rng = np.random.default_rng(12)
    v = rng.integers(0, 20, (8, 5))
    w = rng.integers(0, 20, (8, 5))
    counts = rng.integers(0, 4, (8, 5))
    res = tradeoff.knapsack(v, w, 25, counts=counts)
    check_batch(v, w, 25, res, counts=counts)
    # a scalar capacity is the same as the repeated one
    again = tradeoff.knapsack(v, w, np.full(8, 25), counts=counts)
    assert np.array_equal(res.x, again.x) and np.array_equal(res.value, again.value)


def test_batch_of_one_keeps_its_axis(backend):
    res = tradeoff.knapsack([[60, 100, 120]], [[10, 20, 30]], [50])
    assert res.x.shape == (1, 3) and res.value.shape == (1,) and res.optimal.shape == (1,)
    assert res.x.tolist() == [[False, True, True]] and res.value.tolist() == [220]


def test_batch_mixes_easy_and_special_instances(backend):
    # capacity 0, inf, items too heavy, zero values, a normal instance
    v = np.array([[1.0, 2.0, 3.0]] * 5)
    w = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [9.0, 9.0, 9.0], [1.0, 1.0, 1.0],
                  [2.0, 2.0, 2.0]])
    v[3] = 0.0
    C = np.array([0.0, np.inf, 5.0, 5.0, 4.0])
    res = tradeoff.knapsack(v, w, C)
    assert res.x.tolist() == [[False] * 3, [True] * 3, [False] * 3, [False] * 3,
                              [False, True, True]]
    assert res.value.tolist() == [0.0, 6.0, 0.0, 0.0, 5.0]
    assert res.weight.tolist() == [0.0, 6.0, 0.0, 0.0, 4.0]
    check_batch(v, w, C, res)


# ----------------------------------------------------------------------------- input handling


def _frozen(*arrays):
    out = []
    for a in arrays:
        a = np.array(a)
        a.setflags(write=False)
        out.append(a)
    return out


def test_inputs_are_never_modified(backend):
    rng = np.random.default_rng(3)
    for kind in ("int", "float", "wide"):
        v, w, C = _random_instance(rng, 12, kind)
        counts = rng.integers(0, 4, 12)
        fv, fw, fc, fk = _frozen(v, w, C, counts)  # read-only: a write raises
        saved = [fv.copy(), fw.copy(), fc.copy(), fk.copy()]
        tradeoff.knapsack(fv, fw, fc)
        tradeoff.knapsack(fv, fw, fc, counts=fk)
        tradeoff.knapsack(np.stack([fv, fv]), np.stack([fw, fw]), np.stack([fc, fc]))
        for a, b in zip((fv, fw, fc, fk), saved):
            assert np.array_equal(a, b)
    # strided views and non-contiguous input
    base = np.arange(40, dtype=np.float64).reshape(4, 10)
    res = tradeoff.knapsack(base[:, ::2], base[:, 1::2], np.full(4, 30.0))
    check_batch(base[:, ::2], base[:, 1::2], np.full(4, 30.0), res)


def test_results_never_alias_the_inputs(backend):
    v = np.array([5.0, 4.0, 3.0])
    w = np.array([1.0, 1.0, 1.0])
    counts = np.array([1, 1, 1], dtype=np.int64)
    for kw in ({}, {"counts": counts}):
        res = tradeoff.knapsack(v, w, 10.0, **kw)
        for field in (res.x, res.value, res.weight, res.optimal):
            for inp in (v, w, counts):
                assert not np.shares_memory(np.asarray(field), inp)
        res.x[...] = 0  # results are writable and owned
        again = tradeoff.knapsack(v, w, 10.0, **kw)
        assert again.x.all() and (v == [5.0, 4.0, 3.0]).all()
        assert not np.shares_memory(res.x, again.x)
    # a batch: result arrays are independent of each other and of the input
    vb, wb = np.ones((3, 4)), np.ones((3, 4))
    res = tradeoff.knapsack(vb, wb, np.full(3, 2.0))
    fields = [res.x, res.value, res.weight, res.optimal]
    for i, a in enumerate(fields):
        assert not np.shares_memory(a, vb) and not np.shares_memory(a, wb)
        for b in fields[i + 1:]:
            assert not np.shares_memory(a, b)


def test_repeated_calls_give_identical_answers(backend):
    rng = np.random.default_rng(9)
    cases = [_random_instance(rng, 40, kind) for kind in ("int", "ties", "float", "wide")]
    first = [tradeoff.knapsack(*c) for c in cases]
    for _ in range(10):
        for c, r in zip(cases, first):
            again = tradeoff.knapsack(*c)
            assert np.array_equal(again.x, r.x)
            assert again.value == r.value and again.weight == r.weight
    # interleaved with a batch of the same instances of the integer kind
    v = np.stack([cases[0][0], cases[1][0]])
    w = np.stack([cases[0][1], cases[1][1]])
    res = tradeoff.knapsack(v, w, [cases[0][2], cases[1][2]])
    assert res.value.tolist() == [first[0].value, first[1].value]


def test_concurrent_calls_from_threads(backend):
    # the native kernels release the GIL: calls from several threads at once give the answers
    # of the same calls made one after another
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(10)
    cases = []
    for t in range(24):
        v, w, C = _random_instance(rng, 30, ("int", "float", "wide")[t % 3])
        cases.append((np.stack([v, v[::-1]]), np.stack([w, w[::-1]]), [C, C]))
    serial = [tradeoff.knapsack(*c) for c in cases]
    name = backend

    def solve(c):
        with tradeoff.using_backend(name):  # the backend choice is per thread
            return tradeoff.knapsack(*c)

    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(3):
            for r, s in zip(pool.map(solve, cases), serial):
                assert np.array_equal(r.x, s.x) and np.array_equal(r.value, s.value)
                assert np.array_equal(r.weight, s.weight)
    # the two instances of each batch are the same items reversed: the same optimum
    for s in serial:
        assert s.value[0] == s.value[1]


def test_result_fields_and_types(backend):
    res = tradeoff.knapsack([1, 2], [1, 1], 1)
    assert isinstance(res, tradeoff.KnapsackResult)
    assert isinstance(res.x, np.ndarray) and res.x.dtype == np.bool_ and res.x.shape == (2,)
    assert np.ndim(res.value) == 0 and np.asarray(res.value).dtype == np.int64
    assert np.ndim(res.weight) == 0 and np.asarray(res.weight).dtype == np.int64
    assert isinstance(res.optimal, (bool, np.bool_)) and bool(res.optimal) is True
    res = tradeoff.knapsack([1, 2], [1.0, 1.0], 1.0, counts=[2, 2])
    assert res.x.dtype == np.int64 and np.asarray(res.value).dtype == np.int64
    assert np.asarray(res.weight).dtype == np.float64
    res = tradeoff.knapsack([1.0, 2.0], [1, 1], 1)
    assert np.asarray(res.value).dtype == np.float64 and np.asarray(res.weight).dtype == np.int64


# ------------------------------------------------------------------------ optimal, max_states


def _hard_subset_sum(seed, n=14):
    """Subset-sum with large random weights: the LP bound is the capacity, which no subset
    reaches (2^14 subset sums spread over 10^10), so proving optimality takes many states."""
    rng = np.random.default_rng(seed)
    w = rng.integers(10**9, 2 * 10**9, n)
    return w.copy(), w, int(w.sum() // 2) + 1


def test_max_states_stops_with_a_feasible_best_found(backend):
    stopped = 0
    for seed in range(6):
        v, w, C = _hard_subset_sum(seed)
        best, _ = brute_knapsack(v, w, C)
        assert best < C  # the bound is not reached: only enumeration proves the optimum
        for limit in (1, 2, 5):
            res = tradeoff.knapsack(v, w, C, max_states=limit)
            assert isinstance(res.optimal, (bool, np.bool_))
            ev, ew = exact_totals(v, w, res.x)
            assert ew <= C, "the best found solution must be feasible"
            assert res.value == ev and res.weight == ew
            assert ev <= best
            if res.optimal:
                assert ev == best
            else:
                stopped += 1
        # without a limit (and with a generous one): optimal
        check_knapsack(v, w, C, tradeoff.knapsack(v, w, C), best=best)
        check_knapsack(v, w, C, tradeoff.knapsack(v, w, C, max_states=2**31 - 1), best=best)
    assert stopped >= 6, "a handful of states never stopped the search of hard subset sums"


def test_max_states_per_instance_of_a_batch(backend):
    v, w, C = _hard_subset_sum(1)
    n = len(v)
    vb = np.stack([v, np.array([3] + [0] * (n - 1)), v])
    wb = np.stack([w, np.ones(n, dtype=np.int64), w])
    res = tradeoff.knapsack(vb, wb, [C, 5, C], max_states=1)
    assert res.optimal.dtype == np.bool_ and res.optimal.shape == (3,)
    if res.optimal[1]:  # one item worth anything: solved, unless one state stopped it
        assert res.value[1] == 3 and res.x[1].tolist() == [True] + [False] * (n - 1)
    for b in (0, 1, 2):
        ev, ew = exact_totals(vb[b], wb[b], res.x[b])
        assert ew <= [C, 5, C][b] and res.value[b] == ev and res.weight[b] == ew
    # equal instances of one batch get equal answers
    assert res.value[0] == res.value[2] and bool(res.optimal[0]) == bool(res.optimal[2])
    assert not res.optimal[0]
    full = tradeoff.knapsack(vb, wb, [C, 5, C])
    assert full.optimal.tolist() == [True] * 3


def test_a_large_max_states_is_optimal(backend):
    rng = np.random.default_rng(4)
    for _ in range(5):
        v, w, C = _random_instance(rng, 12, "int")
        res = tradeoff.knapsack(v, w, C, max_states=10**7)
        assert bool(res.optimal) is True
        check_knapsack(v, w, C, res)


def test_instances_without_a_search_are_optimal_with_one_state(backend):
    # nothing to search: every item too heavy, worth nothing, or free (weight 0); no items
    for v, w, C in (([1, 2, 3], [5, 5, 5], 4), ([0, 0, 3], [1, 2, 0], 4), ([], [], 1),
                    ([0, 7], [9, 0], 0)):
        res = tradeoff.knapsack(v, w, C, max_states=1)
        assert bool(res.optimal) is True
        check_knapsack(v, w, C, res)


# ----------------------------------------------------------------- Pisinger's instance classes


def pisinger(kind, n, R, rng, frac=0.5):
    """Pisinger's classes ("Where are the hard knapsack problems?", 2005), weights in [1, R],
    capacity frac * sum of weights."""
    w = rng.integers(1, R + 1, n)
    if kind == "uncorrelated":
        v = rng.integers(1, R + 1, n)
    elif kind == "weakly":
        v = np.maximum(1, w + rng.integers(-(R // 10), R // 10 + 1, n))
    elif kind == "strongly":
        v = w + R // 10
    elif kind == "inverse":
        v = rng.integers(1, R + 1, n)
        w = v + R // 10
    elif kind == "almost":
        v = w + R // 10 + rng.integers(-(R // 500), R // 500 + 1, n)
    elif kind == "subset-sum":
        v = w.copy()
    else:
        raise AssertionError(kind)
    return v.astype(np.int64), w.astype(np.int64), int(frac * w.sum())


CLASSES = ["uncorrelated", "weakly", "strongly", "inverse", "almost", "subset-sum"]


@pytest.mark.parametrize("kind", CLASSES)
def test_pisinger_classes_small_against_brute_force(backend, kind):
    rng = np.random.default_rng(CLASSES.index(kind))
    for _ in range(4):
        v, w, C = pisinger(kind, 12, 100, rng)
        check_knapsack(v, w, C, tradeoff.knapsack(v, w, C))


@pytest.mark.parametrize("kind", CLASSES)
def test_pisinger_classes_against_the_table(backend, kind):
    rng = np.random.default_rng(100 + CLASSES.index(kind))
    n = 40
    for R, frac in ((100, 0.5), (1000, 0.3), (1000, 0.7)):
        v, w, C = pisinger(kind, n, R, rng, frac)
        best = table_dp(v, w, C)
        res = tradeoff.knapsack(v, w, C)
        check_knapsack(v, w, C, res, best=Fraction(best))
        # the same instance as floats scaled by 2^-10 (exact): the same optimum, rounded
        res = tradeoff.knapsack(v / 1024.0, w / 1024.0, C / 1024.0)
        check_knapsack(v / 1024.0, w / 1024.0, C / 1024.0, res, best=Fraction(best, 1024))


@pytest.mark.parametrize("kind", ["uncorrelated", "strongly", "subset-sum"])
def test_pisinger_classes_bounded_against_the_table(backend, kind):
    rng = np.random.default_rng(200 + CLASSES.index(kind))
    v, w, C = pisinger(kind, 15, 300, rng, 0.5)
    counts = rng.integers(0, 5, 15)
    C = int((w * counts).sum() // 2)
    res = tradeoff.knapsack(v, w, C, counts=counts)
    check_knapsack(v, w, C, res, counts=counts, best=Fraction(table_dp(v, w, C, counts)))


@pytest.mark.parametrize("kind", CLASSES)
def test_pisinger_classes_batch_against_the_fallback(kind):
    # whatever backend runs by default against the fallback forced, on one batch
    if _backend.choose(on_gpu=False) == "native" and not HAVE_NATIVE:
        pytest.skip(NATIVE_MISSING)
    rng = np.random.default_rng(300 + CLASSES.index(kind))
    n = 50
    parts = [pisinger(kind, n, 1000, rng) for _ in range(4)]
    v = np.stack([p[0] for p in parts])
    w = np.stack([p[1] for p in parts])
    C = np.array([p[2] for p in parts])
    res = tradeoff.knapsack(v, w, C)
    with tradeoff.using_backend("fallback"):
        ref = tradeoff.knapsack(v, w, C)
    assert np.array_equal(res.value, ref.value)
    assert res.optimal.all() and ref.optimal.all()
    check_batch(v, w, C, res, best=[Fraction(table_dp(v[b], w[b], C[b])) for b in range(4)])


@pytest.mark.slow
@pytest.mark.parametrize("kind", CLASSES)
def test_pisinger_classes_larger(backend, kind):
    if backend == "fallback":
        pytest.skip("the fallback's plain state list takes tens of seconds at n = 200")
    rng = np.random.default_rng(400 + CLASSES.index(kind))
    for R in (1000, 10000):
        v, w, C = pisinger(kind, 200, R, rng)
        t0 = time.perf_counter()
        res = tradeoff.knapsack(v, w, C)
        assert time.perf_counter() - t0 < 60
        check_knapsack(v, w, C, res, best=Fraction(table_dp(v, w, C)))


def test_many_equal_items(backend):
    # 30 copies of one item: the answer is floor(C / w) of them, any of them
    res = tradeoff.knapsack(np.full(30, 7), np.full(30, 3), 50)
    assert res.x.sum() == 16 and res.value == 112 and res.weight == 48
    res = tradeoff.knapsack(np.full(30, 0.1), np.full(30, 0.1), 1.0)
    # 10 * double(0.1) = 1.0000000000000000555... > 1: only 9 fit
    assert Fraction(0.1) * 10 > 1
    assert res.x.sum() == 9
    assert res.value == float(Fraction(0.1) * 9)


def test_brute_force_oracle_self_check():
    # the oracle itself, on the hand examples
    assert brute_knapsack([60, 100, 120], [10, 20, 30], 50) == (Fraction(220), {(0, 1, 1)})
    assert brute_knapsack([3, 4], [2, 3], 7, [5, 5]) == (Fraction(10), {(2, 1)})
    assert brute_knapsack([], [], 3) == (Fraction(0), {()})
    assert brute_knapsack([1.0, 1.0], [1.0, 2.0**-53], 1.0)[1] == {(1, 0), (0, 1)}
    assert table_dp([60, 100, 120], [10, 20, 30], 50) == 220
    assert table_dp([3, 4], [2, 3], 7, [5, 5]) == 10
    assert table_dp([5, 1], [0, 2], 3, [3, 9]) == 16
