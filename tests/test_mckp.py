"""Multiple-choice knapsack: known answers, brute force over every choice, the mask and groups
forms of ragged groups, negative values, infeasibility, exactness on float data, huge budgets,
dtypes, batches, input handling, ``optimal`` and ``max_states``, on every CPU backend.

Oracles (independent of the library's algorithms):

* ``brute_mckp``: every choice (one available option per group) enumerated with exact Python
  integer sums (floats converted exactly, as in test_knapsack.py).
* ``table_mckp``: the textbook O(g k C) table over integer budgets, for larger instances.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from conftest import cpu_backends
from test_knapsack import (
    INT_DTYPES,
    _is_int,
    cap_fraction,
    exact_list,
    rounded,
    to_ints,
)

import tradeoff
from tradeoff import _backend

_core = _backend.core_module()
HAVE_NATIVE = getattr(_core, "mckp_solve", None) is not None
NATIVE_MISSING = "tradeoff._core is built without mckp_solve (the native multiple-choice kernel)"


@pytest.fixture(params=cpu_backends())
def backend(request):
    if request.param == "native" and not HAVE_NATIVE:
        pytest.skip(NATIVE_MISSING)
    with tradeoff.using_backend(request.param):
        yield request.param


# ------------------------------------------------------------------------------------ oracles


def options_of(values, mask=None):
    """The available option indices of each group of a (g, k) instance."""
    g, k = np.asarray(values).shape
    if mask is None:
        return [list(range(k)) for _ in range(g)]
    m = np.asarray(mask, dtype=bool)
    return [[o for o in range(k) if m[i, o]] for i in range(g)]


def brute_mckp(values, weights, budget, mask=None):
    """(best, optimal choices) by enumerating every choice, exactly; (None, set()) when no
    choice fits the budget (or a group has no option)."""
    values = np.asarray(values)
    weights = np.asarray(weights)
    k = values.shape[1]
    V, dv = to_ints(exact_list(values))
    W, dw = to_ints(exact_list(weights))
    cap = cap_fraction(budget)
    limit = None if cap is None else math.floor(cap * dw)
    opts = options_of(values, mask)
    assert math.prod(len(o) for o in opts) <= 200_000, "brute force is exponential"
    best, optimal = None, set()
    for choice in itertools.product(*opts):
        wt = sum(W[i * k + o] for i, o in enumerate(choice))
        if limit is not None and wt > limit:
            continue
        val = sum(V[i * k + o] for i, o in enumerate(choice))
        if best is None or val > best:
            best, optimal = val, {choice}
        elif val == best:
            optimal.add(choice)
    return (None if best is None else Fraction(best, dv)), optimal


def table_mckp(values, weights, budget, mask=None):
    """Exact optimum of an integer instance by the O(g k C) table, or None if infeasible."""
    values = np.asarray(values)
    weights = np.asarray(weights)
    C = int(budget)
    neg = -(2**62)
    best = np.zeros(C + 1, dtype=np.int64)  # best value with weight <= c, before any group
    for i, opts in enumerate(options_of(values, mask)):
        new = np.full(C + 1, neg, dtype=np.int64)
        for o in opts:
            w, v = int(weights[i, o]), int(values[i, o])
            if w > C:
                continue
            cand = np.where(best[: C + 1 - w] > neg, best[: C + 1 - w] + v, neg)
            new[w:] = np.maximum(new[w:], cand)
        best = new
    return None if best[C] <= neg // 2 else int(best[C])


def exact_totals(values, weights, choice):
    V = exact_list(values)
    W = exact_list(weights)
    k = np.asarray(values).shape[1]
    return (sum((V[i * k + int(o)] for i, o in enumerate(choice)), Fraction(0)),
            sum((W[i * k + int(o)] for i, o in enumerate(choice)), Fraction(0)))


def check_instance(values, weights, budget, mask, choice, value, weight, optimal, best,
                   opt_set=None):
    values = np.asarray(values)
    g, k = values.shape
    choice = np.asarray(choice)
    assert choice.shape == (g,) and choice.dtype == np.int64
    assert ((choice >= 0) & (choice < k)).all(), choice
    if mask is not None:
        assert np.asarray(mask, dtype=bool)[np.arange(g), choice].all(), "a masked option"
    ev, ew = exact_totals(values, weights, choice)
    cap = cap_fraction(budget)
    assert cap is None or ew <= cap, f"choice is infeasible: weight {ew} > budget {cap}"
    assert bool(optimal) is True
    assert ev == best, f"choice has value {ev}, the optimum is {best}"
    if opt_set is not None:
        assert tuple(choice.tolist()) in opt_set
    iv, iw = _is_int(values), _is_int(weights)
    assert np.ndim(value) == 0 and np.ndim(weight) == 0
    assert np.asarray(value).dtype == (np.int64 if iv else np.float64)
    assert np.asarray(weight).dtype == (np.int64 if iw else np.float64)
    assert value == rounded(Fraction(best), iv), (value, best)
    assert weight == rounded(ew, iw), (weight, ew)


def check_mckp(values, weights, budget, res, mask=None, best=None, opt_set=None):
    if best is None:
        best, opt_set = brute_mckp(values, weights, budget, mask)
        assert best is not None, "the test expects a feasible instance"
    check_instance(values, weights, budget, mask, res.choice, res.value, res.weight,
                   res.optimal, best, opt_set)
    return best


def check_mckp_batch(values, weights, budget, res, mask=None):
    values = np.asarray(values)
    weights = np.asarray(weights)
    B, g, _ = values.shape
    cap = np.broadcast_to(np.asarray(budget), (B,))
    assert res.choice.shape == (B, g) and res.choice.dtype == np.int64
    assert isinstance(res.value, np.ndarray) and res.value.shape == (B,)
    assert isinstance(res.weight, np.ndarray) and res.weight.shape == (B,)
    assert res.optimal.shape == (B,) and res.optimal.dtype == np.bool_
    assert res.value.dtype == (np.int64 if _is_int(values) else np.float64)
    assert res.weight.dtype == (np.int64 if _is_int(weights) else np.float64)
    for b in range(B):
        m = None if mask is None else np.asarray(mask)[b]
        best, opt = brute_mckp(values[b], weights[b], cap[b], m)
        assert best is not None
        check_instance(values[b], weights[b], cap[b], m, res.choice[b], res.value[b],
                       res.weight[b], res.optimal[b], best, opt)


# ------------------------------------------------------------------------------ known answers


def test_two_groups_by_hand(backend):
    # choices (option of group 0, of group 1): (0, 0) v 3 w 1; (0, 1) v 4 w 2;
    # (1, 0) v 7 w 5; (1, 1) v 8 w 6 > 5. The unique optimum is (1, 0).
    res = tradeoff.mckp([[1, 5], [2, 3]], [[0, 4], [1, 2]], 5)
    assert res.choice.tolist() == [1, 0] and res.choice.dtype == np.int64
    assert res.value == 7 and res.weight == 5 and bool(res.optimal) is True
    check_mckp([[1, 5], [2, 3]], [[0, 4], [1, 2]], 5, res)
    # a larger budget takes the best of each group
    res = tradeoff.mckp([[1, 5], [2, 3]], [[0, 4], [1, 2]], 6)
    assert res.choice.tolist() == [1, 1] and res.value == 8 and res.weight == 6
    # the lightest choice when the budget is tight
    res = tradeoff.mckp([[1, 5], [2, 3]], [[0, 4], [1, 2]], 1)
    assert res.choice.tolist() == [0, 0] and res.value == 3 and res.weight == 1


def test_negative_values_by_hand(backend):
    # (0, 0) -8 w 0; (0, 1) -3 w 2; (1, 0) -4 w 3; (1, 1) 1 w 5 > 4: the optimum is (0, 1) = -3
    res = tradeoff.mckp([[-5, -1], [-3, 2]], [[0, 3], [0, 2]], 4)
    assert res.choice.tolist() == [0, 1] and res.value == -3 and res.weight == 2
    # every value negative, one group: the only option that fits
    res = tradeoff.mckp([[-1.0, -2.0]], [[5.0, 0.0]], 3.0)
    assert res.choice.tolist() == [1] and res.value == -2.0 and res.weight == 0.0
    # a constant added to one group's values shifts the value only
    v = np.array([[-5, -1], [-3, 2]])
    shifted = tradeoff.mckp(v + np.array([[100], [-7]]), [[0, 3], [0, 2]], 4)
    assert shifted.choice.tolist() == [0, 1] and shifted.value == -3 + 93


def test_routing_like_by_hand(backend):
    # three queries, three models with (cost, quality) (1, 1), (2, 2), (5, 4), budget 8: one
    # query on the big model leaves 3 for two queries, (2, 1) -> quality 4 + 2 + 1 = 7; without
    # the big model at most 2 + 2 + 2 = 6. Optima: the permutations of (2, 1, 0).
    v = np.array([[1, 2, 4]] * 3)
    w = np.array([[1, 2, 5]] * 3)
    res = tradeoff.mckp(v, w, 8)
    assert sorted(res.choice.tolist()) == [0, 1, 2] and res.value == 7 and res.weight == 8
    check_mckp(v, w, 8, res)


def test_one_option_per_group(backend):
    res = tradeoff.mckp([[3], [4], [-1]], [[1], [2], [3]], 6)
    assert res.choice.tolist() == [0, 0, 0] and res.value == 6 and res.weight == 6
    with pytest.raises(tradeoff.InfeasibleError):
        tradeoff.mckp([[3], [4], [-1]], [[1], [2], [3]], 5)


def test_zero_groups(backend):
    for v in (np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int64)):
        res = tradeoff.mckp(v, v, 0)
        assert res.choice.shape == (0,) and res.choice.dtype == np.int64
        assert res.value == 0 and res.weight == 0 and bool(res.optimal) is True
    res = tradeoff.mckp(np.zeros((2, 0, 3)), np.zeros((2, 0, 3)), [1.0, 0.0])
    assert res.choice.shape == (2, 0) and res.value.tolist() == [0.0, 0.0]
    assert res.optimal.tolist() == [True, True]


def test_empty_batch(backend):
    res = tradeoff.mckp(np.zeros((0, 2, 3)), np.zeros((0, 2, 3)), np.zeros(0))
    assert res.choice.shape == (0, 2) and res.value.shape == (0,) and res.optimal.shape == (0,)


def test_dominated_and_equal_options(backend):
    # option 1 dominates 0 and 2 (lighter and better); option 3 equals option 1
    v = [[1, 5, 2, 5]]
    w = [[4, 2, 3, 2]]
    res = tradeoff.mckp(v, w, 10)
    assert res.choice.tolist()[0] in (1, 3) and res.value == 5 and res.weight == 2
    # every option of weight 0: the best value
    res = tradeoff.mckp([[3, 9, 1], [2, 2, 8]], np.zeros((2, 3)), 0.0)
    assert res.choice.tolist() == [1, 2] and res.value == 17 and res.weight == 0.0


# ------------------------------------------------------------------------------- brute force


def lightest_total(weights, mask=None) -> float:
    """The smallest float64 >= the exact total of every group's lightest option: the least
    feasible budget (float data: numpy's rounded sum may fall below the exact one)."""
    w = np.asarray(weights)
    exact = sum((min(Fraction(float(t)) for t, ok in zip(row, keep) if ok)
                 for row, keep in zip(w, np.ones(w.shape, bool) if mask is None else mask)),
                Fraction(0))
    f = float(exact)
    return f if Fraction(f) >= exact else math.nextafter(f, math.inf)


def _random_mckp(rng, g, k, kind):
    if kind == "int":
        v = rng.integers(-10, 20, (g, k))
        w = rng.integers(0, 20, (g, k))
    elif kind == "ties":
        v = rng.integers(0, 3, (g, k))
        w = rng.integers(0, 3, (g, k))
    elif kind == "float":
        v = rng.normal(size=(g, k)) * 10
        w = rng.random((g, k)) * 10
    elif kind == "decimal":
        v = rng.integers(-9, 10, (g, k)) / 10
        w = rng.integers(0, 10, (g, k)) / 10
    elif kind == "wide":
        v = np.ldexp(rng.integers(-2**20, 2**20, (g, k)).astype(float),
                     rng.integers(-40, 21, (g, k)))
        w = np.ldexp(rng.integers(1, 2**20, (g, k)).astype(float), rng.integers(-40, 21, (g, k)))
    else:
        raise AssertionError(kind)
    lo = w.min(axis=1).sum() if g and k else 0
    hi = w.max(axis=1).sum() if g and k else 0
    budget = lo + (hi - lo) * rng.random()
    if kind in ("int", "ties"):
        budget = math.ceil(budget)
    elif g and k:
        budget = max(float(budget), lightest_total(w))
    return v, w, budget


@pytest.mark.parametrize("kind", ["int", "ties", "float", "decimal", "wide"])
def test_against_brute_force(backend, kind):
    rng = np.random.default_rng(len(kind) * 31)
    for _ in range(40):
        g = int(rng.integers(1, 6))
        k = int(rng.integers(1, 6))
        v, w, budget = _random_mckp(rng, g, k, kind)
        res = tradeoff.mckp(v, w, budget)
        check_mckp(v, w, budget, res)


@pytest.mark.parametrize("kind", ["int", "float"])
def test_masks_against_brute_force(backend, kind):
    rng = np.random.default_rng(5 + len(kind))
    for _ in range(40):
        g = int(rng.integers(1, 6))
        k = int(rng.integers(1, 6))
        v, w, _ = _random_mckp(rng, g, k, kind)
        mask = rng.random((g, k)) < 0.6
        mask[np.arange(g), rng.integers(0, k, g)] = True  # every group keeps an option
        avail = [w[i][mask[i]] for i in range(g)]
        lo = sum(a.min() for a in avail)
        budget = lo + (sum(a.max() for a in avail) - lo) * rng.random()
        budget = math.ceil(budget) if kind == "int" else max(budget,
                                                                   lightest_total(w, mask))
        res = tradeoff.mckp(v, w, budget, mask=mask)
        check_mckp(v, w, budget, res, mask=mask)


def test_larger_against_the_table(backend):
    rng = np.random.default_rng(77)
    g = 30
    for kind in ("uncorrelated", "correlated", "subset-sum"):
        w = rng.integers(1, 200, (g, 8))
        if kind == "uncorrelated":
            v = rng.integers(1, 200, (g, 8))
        elif kind == "correlated":
            v = w + 20
        else:
            v = w.copy()
        budget = int((w.min(axis=1).sum() + w.max(axis=1).sum()) // 2)
        best = table_mckp(v, w, budget)
        res = tradeoff.mckp(v, w, budget)
        check_mckp(v, w, budget, res, best=Fraction(best))


# ------------------------------------------------------------------------------ ragged: mask


def test_mask_by_hand(backend):
    # option (0, 1) (value 100) does not exist: the best is (0, 1) = 1 + 3
    res = tradeoff.mckp([[1, 100], [2, 3]], [[0, 0], [0, 0]], 0, mask=[[True, False],
                                                                        [True, True]])
    assert res.choice.tolist() == [0, 1] and res.value == 4 and res.weight == 0
    # entries outside the mask are never read: any number there (NaN included) is ignored
    v = np.array([[1.0, np.nan], [2.0, 3.0]])
    w = np.array([[0.0, -5.0], [0.0, np.inf]])
    mask = np.array([[True, False], [True, False]])
    res = tradeoff.mckp(v, w, 0.0, mask=mask)
    assert res.choice.tolist() == [0, 0] and res.value == 3.0 and res.weight == 0.0


def test_mask_all_true_equals_no_mask(backend):
    rng = np.random.default_rng(8)
    v, w, budget = _random_mckp(rng, 5, 4, "int")
    a = tradeoff.mckp(v, w, budget)
    b = tradeoff.mckp(v, w, budget, mask=np.ones((5, 4), dtype=bool))
    assert a.value == b.value and a.choice.tolist() == b.choice.tolist()
    # nested lists of bools work the same
    c = tradeoff.mckp(v.tolist(), w.tolist(), budget, mask=[[True] * 4] * 5)
    assert c.value == a.value and c.choice.tolist() == a.choice.tolist()


def test_mask_batch(backend):
    rng = np.random.default_rng(9)
    B, g, k = 6, 4, 5
    v = rng.integers(-5, 20, (B, g, k))
    w = rng.integers(0, 10, (B, g, k))
    mask = rng.random((B, g, k)) < 0.5
    mask[:, :, 0] = True
    budget = (w[:, :, 0].sum(axis=1) + 10).astype(np.int64)
    res = tradeoff.mckp(v, w, budget, mask=mask)
    check_mckp_batch(v, w, budget, res, mask=mask)


# ---------------------------------------------------------------------------- ragged: groups


def test_groups_by_hand(backend):
    # flat options (v, w): 0 (5, 4), 1 (1, 1) in group 0; 2 (2, 1), 3 (6, 5), 4 (3, 2) in
    # group 1, budget 6: (0, 2) 7 w 5; (0, 3) w 9; (0, 4) 8 w 6; (1, 2) 3; (1, 3) 7; (1, 4) 4.
    # The unique optimum takes flat options 0 and 4.
    v = [5, 1, 2, 6, 3]
    w = [4, 1, 1, 5, 2]
    res = tradeoff.mckp(v, w, 6, groups=[0, 0, 1, 1, 1])
    assert res.choice.tolist() == [0, 4] and res.choice.dtype == np.int64
    assert res.value == 8 and res.weight == 6 and bool(res.optimal) is True
    # the same options in another order: choice holds indices into the flat arrays
    order = [3, 0, 4, 1, 2]
    res = tradeoff.mckp([v[i] for i in order], [w[i] for i in order], 6,
                        groups=[1, 0, 1, 0, 1])
    assert res.choice.tolist() == [1, 2]  # flat option 0 sits at 1, flat option 4 at 2
    assert res.value == 8 and res.weight == 6


def _groups_to_padded(v, w, groups):
    g = int(max(groups)) + 1 if len(groups) else 0
    members = [[i for i, t in enumerate(groups) if t == q] for q in range(g)]
    k = max((len(m) for m in members), default=0)
    pv = np.zeros((g, k), dtype=np.asarray(v).dtype)
    pw = np.zeros((g, k), dtype=np.asarray(w).dtype)
    mask = np.zeros((g, k), dtype=bool)
    for q, m in enumerate(members):
        pv[q, : len(m)] = np.asarray(v)[m]
        pw[q, : len(m)] = np.asarray(w)[m]
        mask[q, : len(m)] = True
    return pv, pw, mask, members


@pytest.mark.parametrize("kind", ["int", "float"])
def test_groups_against_brute_force(backend, kind):
    rng = np.random.default_rng(12 + len(kind))
    for _ in range(30):
        g = int(rng.integers(1, 5))
        N = g + int(rng.integers(0, 10))
        groups = np.concatenate([np.arange(g), rng.integers(0, g, N - g)])
        rng.shuffle(groups)
        v, w, _ = _random_mckp(rng, 1, N, kind)
        v, w = v[0], w[0]
        pv, pw, mask, members = _groups_to_padded(v, w, groups)
        lo = lightest_total(pw, mask)
        budget = lo + rng.random() * 5
        if kind == "int":
            budget = int(budget)
        best, opt = brute_mckp(pv, pw, budget, mask)
        res = tradeoff.mckp(v, w, budget, groups=groups)
        assert res.choice.shape == (g,) and res.choice.dtype == np.int64
        # choice[q] is a flat index of an option of group q
        assert all(groups[int(c)] == q for q, c in enumerate(res.choice))
        padded_choice = [members[q].index(int(c)) for q, c in enumerate(res.choice)]
        check_instance(pv, pw, budget, mask, np.array(padded_choice), res.value, res.weight,
                       res.optimal, best, opt)


# ------------------------------------------------------------------------------ infeasibility


def test_infeasible_budget_raises(backend):
    assert issubclass(tradeoff.InfeasibleError, ValueError)
    # the lightest options weigh 1 + 2 = 3 > 2
    with pytest.raises(tradeoff.InfeasibleError):
        tradeoff.mckp([[1, 2], [3, 4]], [[1, 5], [2, 9]], 2)
    # float weights: exactly 0.1 + 0.2 > 0.3
    with pytest.raises(tradeoff.InfeasibleError):
        tradeoff.mckp([[1.0], [1.0]], [[0.1], [0.2]], 0.3)
    res = tradeoff.mckp([[1.0], [1.0]], [[0.1], [0.2]], 0.1 + 0.2)
    assert res.choice.tolist() == [0, 0] and res.value == 2.0


def test_infeasible_batch_names_the_index(backend):
    v = np.ones((4, 2, 2))
    w = np.ones((4, 2, 2))
    budget = np.array([2.0, 2.0, 1.0, 0.0])  # instances 2 and 3 need at least 2
    with pytest.raises(tradeoff.InfeasibleError, match=r"batch index 2\b"):
        tradeoff.mckp(v, w, budget)
    budget[2] = 5.0
    with pytest.raises(tradeoff.InfeasibleError, match=r"batch index 3\b"):
        tradeoff.mckp(v, w, budget)
    budget[3] = 2.0
    res = tradeoff.mckp(v, w, budget)
    assert res.value.tolist() == [2.0] * 4


def test_a_group_with_no_option_is_infeasible(backend):
    mask = np.array([[True, True], [False, False], [True, False]])
    with pytest.raises(tradeoff.InfeasibleError, match=r"group 1\b"):
        tradeoff.mckp(np.ones((3, 2)), np.ones((3, 2)), 10.0, mask=mask)
    maskb = np.ones((3, 3, 2), dtype=bool)
    maskb[2, 0] = False
    with pytest.raises(tradeoff.InfeasibleError, match=r"group 0 of batch index 2\b"):
        tradeoff.mckp(np.ones((3, 3, 2)), np.ones((3, 3, 2)), 10.0, mask=maskb)


def test_infeasible_with_every_option_too_heavy(backend):
    with pytest.raises(tradeoff.InfeasibleError):
        tradeoff.mckp([[5, 6]], [[3, 4]], 2)
    with pytest.raises(tradeoff.InfeasibleError):
        tradeoff.mckp([5, 6, 1], [3, 4, 0], 2, groups=[1, 1, 0])


# ---------------------------------------------------------------------- exactness on floats


def test_a_better_choice_whose_value_rounds_to_the_same_float(backend):
    # group 0: (1, w 1) or (1 + 2^-52, w 3); groups 1 and 2: (c, w 1) or (0, w 0), with
    # c = 2^-53 + 2^-60; budget 3. (0, 0, 0) is worth 1 + 2^-52 + 2^-59 exactly, strictly more
    # than (1, 1, 1) = 1 + 2^-52; both round to 1 + 2^-52.
    a = 1.0 + 2.0**-52
    c = 2.0**-53 + 2.0**-60
    v = [[1.0, a], [c, 0.0], [c, 0.0]]
    w = [[1.0, 3.0], [1.0, 0.0], [1.0, 0.0]]
    res = tradeoff.mckp(v, w, 3.0)
    assert res.choice.tolist() == [0, 0, 0] and res.value == a and res.weight == 3.0
    check_mckp(v, w, 3.0, res)


def test_a_weight_below_half_an_ulp_still_counts(backend):
    tiny = 2.0**-53
    v = np.array([[1.0, 1.0], [5.0, 0.0]])
    w = np.array([[1.0, 1.0], [tiny, 0.0]])
    res = tradeoff.mckp(v, w, 1.0)  # 1 + 2^-53 > 1: group 1 takes the empty-weight option
    assert res.choice[1] == 1 and res.value == 1.0 and res.weight == 1.0
    res = tradeoff.mckp(v, w, 1.0 + 2.0**-52)
    assert res.choice[1] == 0 and res.value == 6.0 and res.weight == 1.0


def test_values_spanning_the_whole_float_range(backend):
    big, small = 2.0**1000, 2.0**-1000
    # (0, 0): 2^1000 + 2^-1000 beats (1, 1): 2^1000 + 0 by 2^-1000, within budget 2
    v = [[big, big], [small, 0.0]]
    w = [[1.0, 2.0], [1.0, 0.0]]
    res = tradeoff.mckp(v, w, 2.0)
    assert res.choice.tolist() == [0, 0] and res.value == big
    # negative and positive values spanning the range: the exact best is -2^-1000 + 2^-1000 = 0
    v = [[-big, -small], [small, big]]
    w = [[0.0, 1.0], [0.0, 5.0]]
    res = tradeoff.mckp(v, w, 1.0)
    assert res.choice.tolist() == [1, 0] and res.value == 0.0


def test_integer_weights_with_a_fractional_budget(backend):
    res = tradeoff.mckp([[1, 5], [1, 5]], [[0, 3], [0, 4]], 7.9)
    assert res.choice.tolist() == [1, 1] and res.value == 10 and res.weight == 7
    res = tradeoff.mckp([[1, 5], [1, 5]], [[0, 3], [0, 4]], 6.999)
    assert res.value == 6 and res.weight in (3, 4)
    assert np.asarray(res.weight).dtype == np.int64


# ---------------------------------------------------------------------------- huge budgets


@pytest.mark.parametrize("budget", [1e300, np.inf, 2**62, np.iinfo(np.int64).max])
def test_huge_budget_takes_the_best_of_each_group(backend, budget):
    # the best option of every group fits: nothing to search. max_states = 10^6 (far more
    # than such an instance needs) keeps a solver that lists states anyway from running for
    # minutes before failing
    rng = np.random.default_rng(1)
    g, k = 1000, 8
    v = rng.integers(-10**6, 10**6, (g, k))
    w = rng.integers(0, 10**6, (g, k))
    res = tradeoff.mckp(v, w, budget, max_states=10**6)
    assert bool(res.optimal) is True
    assert res.value == int(v.max(axis=1).sum())
    assert (v[np.arange(g), res.choice] == v.max(axis=1)).all()
    assert res.weight == int(w[np.arange(g), res.choice].sum())
    res = tradeoff.mckp(v.astype(float), w * 0.5, budget, max_states=10**6)
    assert bool(res.optimal) is True and res.value == float(v.max(axis=1).sum())


def test_a_huge_budget_that_binds(backend):
    # weights 2^990 or 2^991 per group, budget 2^993: 8 units of 2^990; value 1 for the heavy
    # option: at most ... 4 groups of 6 can take the heavy option (6 + 4 = 10 > 8: 2 groups)
    g = 6
    v = np.tile([0.0, 1.0], (g, 1))
    w = np.tile([2.0**990, 2.0**991], (g, 1))
    res = tradeoff.mckp(v, w, 2.0**993)
    # base weight 6 * 2^990, budget 8 * 2^990: two groups upgrade
    assert res.choice.sum() == 2 and res.value == 2.0 and res.weight == 2.0**993


# ------------------------------------------------------------------------------------ dtypes


@pytest.mark.parametrize("vdtype", INT_DTYPES + [np.float32, np.float64, np.bool_])
@pytest.mark.parametrize("wdtype", INT_DTYPES + [np.float32, np.float64, np.bool_])
def test_every_real_dtype(backend, vdtype, wdtype):
    v = np.array([[1, 0, 1], [0, 1, 1]]) if vdtype is np.bool_ else np.array(
        [[7, 0, 3], [5, 1, 2]])
    w = np.array([[1, 0, 1], [1, 1, 0]]) if wdtype is np.bool_ else np.array(
        [[4, 0, 3], [3, 5, 1]])
    v, w = v.astype(vdtype), w.astype(wdtype)
    res = tradeoff.mckp(v, w, 4)
    check_mckp(v, w, 4, res)
    ref = tradeoff.mckp(v.astype(np.float64), w.astype(np.float64), 4.0)
    assert float(res.value) == ref.value


def test_signed_integer_values_keep_their_sign(backend):
    for dtype in (np.int8, np.int16, np.int32, np.int64):
        v = np.array([[-100, -3], [-7, -50]], dtype=dtype)
        res = tradeoff.mckp(v, np.array([[0, 1], [1, 0]]), 1)
        # (1, 1) -53 w 1, (0, 1) -150 w 0, (1, 0) -10 w 2 > 1, (0, 0) -107 w 1
        assert res.choice.tolist() == [1, 1] and res.value == -53


# ------------------------------------------------------------------------------------ batches


def test_batch_equals_single_calls(backend):
    rng = np.random.default_rng(21)
    B, g, k = 10, 4, 5
    for kind in ("int", "float", "decimal"):
        parts = [_random_mckp(rng, g, k, kind) for _ in range(B)]
        v = np.stack([p[0] for p in parts])
        w = np.stack([p[1] for p in parts])
        budget = np.array([p[2] for p in parts])
        res = tradeoff.mckp(v, w, budget)
        check_mckp_batch(v, w, budget, res)
        for b in range(B):
            one = tradeoff.mckp(v[b], w[b], budget[b])
            assert res.choice[b].tolist() == one.choice.tolist()
            assert res.value[b] == one.value and res.weight[b] == one.weight


def test_batch_scalar_budget(backend):
    rng = np.random.default_rng(22)
    v = rng.integers(0, 9, (5, 3, 3))
    w = rng.integers(0, 9, (5, 3, 3))
    res = tradeoff.mckp(v, w, 30)
    check_mckp_batch(v, w, 30, res)
    again = tradeoff.mckp(v, w, np.full(5, 30))
    assert np.array_equal(res.choice, again.choice)


def test_batch_of_one_keeps_its_axis(backend):
    res = tradeoff.mckp([[[1, 5], [2, 3]]], [[[0, 4], [1, 2]]], [5])
    assert res.choice.shape == (1, 2) and res.value.shape == (1,)
    assert res.choice.tolist() == [[1, 0]] and res.value.tolist() == [7]


# ----------------------------------------------------------------------------- input handling


def test_inputs_are_never_modified_and_results_never_alias(backend):
    rng = np.random.default_rng(23)
    v, w, _ = _random_mckp(rng, 4, 5, "float")
    mask = rng.random((4, 5)) < 0.7
    mask[:, 0] = True
    b = float(w[:, 0].sum() + 1.0)  # the first options fit
    frozen = []
    for a in (v, w, mask, np.asarray(b)):
        a = np.array(a)
        a.setflags(write=False)
        frozen.append(a)
    fv, fw, fm, fb = frozen
    saved = [a.copy() for a in frozen]
    groups = np.repeat(np.arange(4), 5)
    groups.setflags(write=False)
    res = tradeoff.mckp(fv, fw, fb, mask=fm)
    res2 = tradeoff.mckp(fv.ravel(), fw.ravel(), b, groups=groups)
    for a, s in zip(frozen, saved):
        assert np.array_equal(a, s)
    assert (groups == np.repeat(np.arange(4), 5)).all()
    for r in (res, res2):
        for field in (r.choice, r.value, r.weight, r.optimal):
            for inp in (fv, fw, fm, groups):
                assert not np.shares_memory(np.asarray(field), inp)
    res.choice[...] = -5  # writable and owned
    again = tradeoff.mckp(fv, fw, b, mask=fm)
    assert (again.choice >= 0).all()


def test_repeated_calls_give_identical_answers(backend):
    rng = np.random.default_rng(24)
    cases = [_random_mckp(rng, 12, 6, kind) for kind in ("int", "ties", "float", "wide")]
    first = [tradeoff.mckp(*c) for c in cases]
    for _ in range(10):
        for c, r in zip(cases, first):
            again = tradeoff.mckp(*c)
            assert again.choice.tolist() == r.choice.tolist()
            assert again.value == r.value and again.weight == r.weight


def test_result_fields_and_types(backend):
    res = tradeoff.mckp([[1, 2]], [[1, 1]], 1)
    assert isinstance(res, tradeoff.MCKPResult)
    assert isinstance(res.choice, np.ndarray) and res.choice.shape == (1,)
    assert np.ndim(res.value) == 0 and np.asarray(res.value).dtype == np.int64
    assert isinstance(res.optimal, (bool, np.bool_))
    res = tradeoff.mckp([[1.5, 2.0]], [[1, 1]], 1)
    assert np.asarray(res.value).dtype == np.float64 and np.asarray(res.weight).dtype == np.int64


# ------------------------------------------------------------------------ optimal, max_states


def _hard_mckp(seed, g=6, k=5):
    rng = np.random.default_rng(seed)
    w = rng.integers(10**9, 2 * 10**9, (g, k))
    budget = int((w.min(axis=1).sum() + w.max(axis=1).sum()) // 2) + 1
    return w.copy(), w, budget


def test_max_states_stops_with_a_feasible_best_found(backend):
    stopped = 0
    for seed in range(4):
        v, w, budget = _hard_mckp(seed)
        best, _ = brute_mckp(v, w, budget)
        for limit in (1, 2, 5):
            res = tradeoff.mckp(v, w, budget, max_states=limit)
            ev, ew = exact_totals(v, w, res.choice)
            assert ew <= budget and res.value == ev and res.weight == ew and ev <= best
            if res.optimal:
                assert ev == best
            else:
                stopped += 1
        check_mckp(v, w, budget, tradeoff.mckp(v, w, budget), best=best)
    assert stopped >= 4


# ------------------------------------------------------------------- Pisinger's MCKP classes


def pisinger_mckp(kind, g, k, R, rng):
    """Classes of Pisinger's mcknap paper: uncorrelated, weakly correlated, strongly
    correlated (values rise with weights), subset-sum; budget halfway between the lightest and
    the heaviest choice."""
    w = rng.integers(1, R + 1, (g, k))
    if kind == "uncorrelated":
        v = rng.integers(1, R + 1, (g, k))
    elif kind == "weakly":
        v = np.maximum(1, w + rng.integers(-(R // 10), R // 10 + 1, (g, k)))
    elif kind == "strongly":
        w = np.sort(w, axis=1)
        v = np.cumsum(rng.integers(1, R // 10 + 1, (g, k)), axis=1) + w
    elif kind == "subset-sum":
        v = w.copy()
    else:
        raise AssertionError(kind)
    budget = int((w.min(axis=1).sum() + w.max(axis=1).sum()) // 2)
    return v.astype(np.int64), w.astype(np.int64), budget


@pytest.mark.parametrize("kind", ["uncorrelated", "weakly", "strongly", "subset-sum"])
def test_pisinger_classes(backend, kind):
    rng = np.random.default_rng(["uncorrelated", "weakly", "strongly", "subset-sum"].index(kind))
    for _ in range(3):
        v, w, budget = pisinger_mckp(kind, 5, 6, 100, rng)
        check_mckp(v, w, budget, tradeoff.mckp(v, w, budget))
    g = 25
    v, w, budget = pisinger_mckp(kind, g, 10, 1000, rng)
    res = tradeoff.mckp(v, w, budget)
    check_mckp(v, w, budget, res, best=Fraction(table_mckp(v, w, budget)))


def test_oracles_self_check():
    assert brute_mckp([[1, 5], [2, 3]], [[0, 4], [1, 2]], 5) == (Fraction(7), {(1, 0)})
    assert brute_mckp([[1, 5]], [[3, 4]], 2) == (None, set())
    assert table_mckp([[1, 5], [2, 3]], [[0, 4], [1, 2]], 5) == 7
    assert table_mckp([[1, 5]], [[3, 4]], 2) is None
    assert table_mckp([[-5, -1], [-3, 2]], [[0, 3], [0, 2]], 4) == -3
