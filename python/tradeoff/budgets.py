"""Budgets: the 0/1 and bounded knapsack, and the multiple-choice knapsack.

Exact on every input, integer or float: every number is an exact binary rational, so each
instance is scaled by a power of two into integers and solved with exact integer arithmetic
(64 or 128 bits); the capacity is floored in the same units. The reported optimum is the exact
optimum of the numbers given (for float input, correctly rounded to float64). With floats this
is stricter than summing in floating point: 0.1 + 0.2 does not fit a capacity of 0.3, because
the doubles nearest 0.1 and 0.2 add up to slightly more than the double nearest 0.3.

CPU path: core algorithms in the line of Pisinger's minknap / combo (0/1, bounded by binary
splitting) and mcknap (multiple choice): the LP relaxation around the break item, Lagrangian
bounds that fix most items, and a dominance-pruned dynamic program over the few items (groups)
left, with the solution read back from stored parent links. GPU path: the dense dynamic program
over capacity units, one block per instance, for instances whose capacity in weight units is
small; others run on the CPU. The pure-Python fallback (``tradeoff._fallback.knapsack``) is the
plain state-list dynamic program: the specification and the test oracle.

(The module is not named ``knapsack`` so that ``tradeoff.knapsack`` stays the function.)
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np

from . import _backend, _validation
from ._errors import InfeasibleError
from ._fallback import knapsack as _fallback
from ._xp import cupy_module, to_numpy

_LIMIT, _INFEASIBLE, _WIDE, _OVERFLOW = 1, 2, 3, 4


class KnapsackResult:
    """The answer of :func:`knapsack`.

    Attributes
    ----------
    x : ndarray (n,) or (B, n)
        Amount chosen of each item: bool for the 0/1 problem, int64 with ``counts``.
    value : int, float or ndarray (B,)
        Total value of ``x``: the exact optimum (int64 for integer values, else float64,
        correctly rounded).
    weight : int, float or ndarray (B,)
        Total weight of ``x`` (exact, same dtype rule), at most the capacity.
    optimal : bool or ndarray (B,) of bool
        True when ``x`` is proven optimal; False only when ``max_states`` stopped the search,
        and ``x`` is then the best solution found.
    """

    __slots__ = ("optimal", "value", "weight", "x")

    def __init__(self, x, value, weight, optimal):
        self.x = x
        self.value = value
        self.weight = weight
        self.optimal = optimal

    def __repr__(self) -> str:
        return (
            f"KnapsackResult(value={self.value!r}, weight={self.weight!r}, "
            f"optimal={self.optimal!r}, x={self.x!r})"
        )


class MCKPResult:
    """The answer of :func:`mckp`.

    Attributes
    ----------
    choice : ndarray (g,) or (B, g) of int64
        The option chosen in each group (with ``groups=``: the index into the flat input).
    value, weight : int, float or ndarray (B,)
        Totals of the chosen options (exact; int64 for integer input, else float64).
    optimal : bool or ndarray (B,) of bool
        False only when ``max_states`` stopped the search (``choice`` is then the best found).
    """

    __slots__ = ("choice", "optimal", "value", "weight")

    def __init__(self, choice, value, weight, optimal):
        self.choice = choice
        self.value = value
        self.weight = weight
        self.optimal = optimal

    def __repr__(self) -> str:
        return (
            f"MCKPResult(value={self.value!r}, weight={self.weight!r}, "
            f"optimal={self.optimal!r}, choice={self.choice!r})"
        )


def _scalar(a):
    """A single instance's total as a Python int or float."""
    return a.item()


def _host(a) -> np.ndarray:
    return a if isinstance(a, np.ndarray) else to_numpy(a)


def _resolve_wide(prob, out, status, kernel, args_of):
    """Instances the native or GPU kernels found too wide for 128-bit integers (status 3: float
    data spanning an enormous range of magnitudes) are solved by the fallback, whose Python
    integers have no width limit. Returns the outputs with those instances replaced."""
    wide = np.flatnonzero(status == _WIDE)
    if not wide.size:
        return out
    out = list(out)
    for b in wide.tolist():
        sub = getattr(_fallback, kernel)(*args_of(b))
        for t, part in enumerate(sub):
            if prob.on_gpu:
                out[t][b] = cupy_module().asarray(part[0])
            else:
                out[t][b] = part[0]
    return tuple(out)


def _host_slice(a, b):
    return None if a is None else np.ascontiguousarray(_host(a[b : b + 1]))


def _check_status(prob, status, what):
    """Raise for statuses the caller must hear about; returns the ``optimal`` flags."""
    over = np.flatnonzero(status == _OVERFLOW)
    if over.size:
        b = int(over[0])
        where = f"batch index {b}" if prob.batched else "this problem"
        raise ValueError(
            f"the optimal total of {where} does not fit int64: the integer {what} are too large "
            "for exact int64 totals. Pass them as floats (the totals then come back correctly "
            "rounded to float64) or scale them down"
        )
    limit = status == _LIMIT
    if limit.any() and not prob.user_limit:
        b = int(np.flatnonzero(limit)[0])
        where = f"batch index {b}" if prob.batched else "this problem"
        raise MemoryError(
            f"the search for {where} needs more than {prob.max_states} stored states, the default "
            "bound from this machine's memory. Pass max_states= to accept the best solution "
            "found within a limit (the result then says optimal=False)"
        )
    return ~limit


def knapsack(values, weights, capacity, *, counts=None, max_states=None) -> KnapsackResult:
    """Solve the 0/1 knapsack problem (or the bounded one with ``counts``), exactly.

    Maximize ``sum(values * x)`` subject to ``sum(weights * x) <= capacity`` with x in {0, 1}
    (or ``0 <= x <= counts``, integer).

    Parameters
    ----------
    values, weights : array_like (n,) or (B, n)
        Value and weight of each item: finite numbers >= 0, integers or floats (each array
        keeps its own kind). NumPy or CuPy.
    capacity : float or array_like (B,)
        Capacity (one per instance, or one for all); >= 0, ``inf`` means unlimited.
    counts : array_like (n,) or (B, n) of int, optional
        Most copies of each item (the bounded knapsack). Whole numbers >= 0.
    max_states : int, optional
        Stop the search after storing this many states per instance and return the best
        solution found with ``optimal=False``. By default the bound comes from this machine's
        memory and exceeding it raises MemoryError (it takes adversarial instances).

    Returns
    -------
    KnapsackResult
        ``x``, ``value``, ``weight``, ``optimal``.

    Raises
    ------
    ValueError
        NaN, inf or negative values or weights, a negative capacity, counts that are negative
        or not whole, mismatched shapes, or an integer total beyond int64.
    TypeError
        Non-real dtypes.
    MemoryError
        When the search would need more states than memory allows (see ``max_states``).

    Notes
    -----
    Exact for integers and floats alike (see the module docstring). Conventions: items heavier
    than the capacity and items of value 0 are never chosen; items of weight 0 and value > 0
    are always chosen (all their copies); an empty item set has value 0.

    Complexity: O(n) to find the break item and fix most items by bounds, then a dynamic
    program over the items the bounds leave open, whose states never exceed the number of
    distinct weights below the capacity; far below the O(n C) table on typical instances, and
    independent of the capacity's magnitude. Bounded items are split into O(log count) parts.
    A batch runs its instances in parallel.

    Examples
    --------
    >>> import tradeoff
    >>> r = tradeoff.knapsack([60, 100, 120], [10, 20, 30], 50)
    >>> r.x.tolist(), r.value, r.weight, r.optimal
    ([False, True, True], 220, 50, True)
    >>> tradeoff.knapsack([0.1, 0.2, 0.3], [0.1, 0.2, 0.3], 0.3).value  # exact: 0.1 + 0.2 > 0.3
    0.3
    >>> tradeoff.knapsack([60, 100, 120], [10, 20, 30], 50, counts=[5, 1, 1]).x.tolist()
    [5, 0, 0]
    """
    prob = _validation.knapsack_inputs(values, weights, capacity, counts, max_states)
    B, n = prob.values.shape
    bounded = prob.counts is not None
    if B == 0 or n == 0:
        xp = cupy_module() if prob.on_gpu else np
        x = xp.zeros((B, n), dtype=np.int64 if bounded else np.uint8)
        value = xp.zeros(B, dtype=prob.values.dtype)
        weight = xp.zeros(B, dtype=prob.weights.dtype)
        status = np.zeros(B, dtype=np.int8)
    else:
        args = (prob.values, prob.weights, prob.capacity, prob.counts, prob.max_states)
        x, value, weight, status = _backend.run(
            "knapsack_solve", args, on_gpu=prob.on_gpu, fallback=_fallback
        )
        status = _host(status)
        x, value, weight, status = _resolve_wide(
            prob, (x, value, weight, status), status, "knapsack_solve",
            lambda b: tuple(_host_slice(a, b) for a in args[:4]) + (prob.max_states,),
        )
        status = _host(status)
    optimal = _check_status(prob, status, "values or weights")
    if not bounded:
        x = x.view(bool)
    if prob.batched:
        return KnapsackResult(x, value, weight, optimal)
    return KnapsackResult(x[0], _scalar(value[0]), _scalar(weight[0]), bool(optimal[0]))


def _infeasible(prob, b: int) -> InfeasibleError:
    """Why instance ``b`` of a multiple-choice problem has no feasible choice."""
    where = f"batch index {b}" if prob.batched else "this problem"
    mask = None if prob.mask is None else _host(prob.mask[b]).astype(bool)
    if mask is not None:
        empty = np.flatnonzero(~mask.any(axis=1))
        if empty.size:
            return InfeasibleError(
                f"group {int(empty[0])} of {where} has no option (its mask row is all False); "
                "exactly one option is chosen per group, so every group needs one"
            )
    w = _host(prob.weights[b])
    rows = w.tolist() if mask is None else [
        [t for t, ok in zip(row, keep) if ok] for row, keep in zip(w.tolist(), mask.tolist())]
    total = sum(Fraction(min(row)) for row in rows)  # exact: the sum of the given numbers
    budget = _host(prob.capacity[b : b + 1])[0].item()
    shown = str(total.numerator) if total.denominator == 1 else (
        f"{Decimal(total.numerator) / Decimal(total.denominator):.25g} (exactly, as the sum of "
        "the given floats)")
    return InfeasibleError(
        f"no choice fits the budget of {where}: even the lightest option of every group weighs "
        f"{shown} in total, more than the budget {budget!r}. Raise the budget or add cheaper "
        "options"
    )


def mckp(values, weights, budget, *, mask=None, groups=None, max_states=None) -> MCKPResult:
    """Solve the multiple-choice knapsack problem exactly: one option per group, the most total
    value within a total weight budget.

    Maximize ``sum_g values[g, choice[g]]`` subject to ``sum_g weights[g, choice[g]] <= budget``
    with exactly one option chosen in every group. Routing each query to one model under a total
    cost budget is this problem (groups = queries, options = models).

    Parameters
    ----------
    values, weights : array_like (g, k) or (B, g, k)
        Value and weight of option o of group g. Values are finite numbers of any sign (one
        option per group is chosen, so only their differences matter); weights are finite and
        >= 0. Integers or floats, NumPy or CuPy.
    budget : float or array_like (B,)
        Total weight allowed (one per instance or one for all); >= 0, ``inf`` means unlimited.
    mask : array_like of bool, optional
        Same shape as ``values``: False marks an option that does not exist (ragged groups).
        Entries under False are never read.
    groups : array_like (N,) of int, optional
        The flat ragged form (a single problem): ``values`` and ``weights`` are (N,) and
        ``groups[i]`` is the group of option i (ids 0..g-1). ``choice`` then holds indices into
        the flat arrays.
    max_states : int, optional
        As in :func:`knapsack`.

    Returns
    -------
    MCKPResult
        ``choice``, ``value``, ``weight``, ``optimal``.

    Raises
    ------
    InfeasibleError
        When even the lightest options exceed the budget, or a group has no option (names the
        batch index and the group).
    ValueError, TypeError, MemoryError
        As in :func:`knapsack`.

    Notes
    -----
    Exact for integers and floats alike. Complexity: the LP relaxation on each group's upper
    convex hull (O(g k log k)), Lagrangian bounds that fix most groups, and a dominance-pruned
    dynamic program over the groups left open; a batch runs its instances in parallel.

    Examples
    --------
    >>> import tradeoff
    >>> r = tradeoff.mckp([[1, 5, 6], [2, 7, 9]], [[1, 4, 6], [1, 5, 8]], 10)
    >>> r.choice.tolist(), r.value, r.weight
    ([1, 1], 12, 9)
    >>> tradeoff.mckp([3, 4, 1, 8], [1, 2, 1, 6], 7, groups=[0, 0, 1, 1]).choice.tolist()
    [0, 3]
    """
    prob = _validation.mckp_inputs(values, weights, budget, mask, groups, max_states)
    B, g, k = prob.values.shape
    xp = cupy_module() if prob.on_gpu else np
    if B == 0 or g == 0:
        choice = xp.zeros((B, g), dtype=np.int64)
        value = xp.zeros(B, dtype=prob.values.dtype)
        weight = xp.zeros(B, dtype=prob.weights.dtype)
        status = np.zeros(B, dtype=np.int8)
    elif k == 0:
        raise InfeasibleError(
            f"every group has no option (values has shape "
            f"{tuple(prob.values.shape[0 if prob.batched else 1:])}); exactly "
            "one option is chosen per group, so every group needs one"
        )
    else:
        args = (prob.values, prob.weights, prob.mask, prob.capacity, prob.max_states)
        choice, value, weight, status = _backend.run(
            "mckp_solve", args, on_gpu=prob.on_gpu, fallback=_fallback
        )
        status = _host(status)
        choice, value, weight, status = _resolve_wide(
            prob, (choice, value, weight, status), status, "mckp_solve",
            lambda b: tuple(_host_slice(a, b) for a in args[:4]) + (prob.max_states,),
        )
        status = _host(status)
        bad = np.flatnonzero(status == _INFEASIBLE)
        if bad.size:
            raise _infeasible(prob, int(bad[0]))
    optimal = _check_status(prob, status, "values or weights")
    if prob.flat_index is not None and g:
        choice = prob.flat_index[xp.arange(g), choice[0]][None]
    if prob.batched:
        return MCKPResult(choice, value, weight, optimal)
    return MCKPResult(choice[0], _scalar(value[0]), _scalar(weight[0]), bool(optimal[0]))
