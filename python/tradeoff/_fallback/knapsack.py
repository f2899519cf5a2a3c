"""Knapsack and multiple-choice knapsack: the readable specification and the test oracle.

The plain dominance-pruned dynamic program over state lists (Nemhauser and Ullmann, 1969):
after each item (or group) the list holds every undominated (weight, value) pair reachable
with the items seen so far, sorted by weight with strictly increasing values; a state is
dominated when another weighs no more and is worth at least as much. The last state is the
optimum. Nothing is sized by the capacity, so float weights and huge capacities cost nothing
extra; the price is that the list can grow with the number of distinct sums.

Exact on every input: numbers are converted to Python integers first (a float array of one
instance is multiplied by the power of two that makes all its entries integers, and the
capacity is floored in the same units; see :func:`_exact`), so sums and comparisons never
round. NumPy int64 arrays carry the states when every sum provably fits, object arrays of
Python integers otherwise.

Solutions come from parent pointers stored per stage (each state remembers the state it was
extended from and whether the stage's item was taken), never from solving again. Bounded
items are split into binary multiples (1, 2, 4, ..., remainder) of the item, after capping the
count at floor(capacity / weight).

Kernel interface (shared with ``tradeoff._core`` and ``tradeoff._gpu``)::

    knapsack_solve(values, weights, capacity, counts, max_states)
        -> (x, value, weight, status)
    mckp_solve(values, weights, mask, budget, max_states)
        -> (choice, value, weight, status)

values and weights are C-contiguous (B, n) (or (B, g, k)) int64 or float64 arrays, each dtype
independent; capacity/budget (B,) has the weights' dtype (float64 may be +inf: unlimited);
counts (B, n) int64 or None (0/1); mask (B, g, k) uint8 or None. Results: x (B, n) uint8 (0/1)
or int64 (bounded), choice (B, g) int64, value and weight (B,) int64 for integer input and
float64 (the exact total, correctly rounded) for float input, status (B,) int8:
0 optimal, 1 ``max_states`` reached (the best solution found, feasible, not proven optimal),
2 infeasible (mckp: no choice fits the budget, or a group has no option), 3 too wide for the
native exact arithmetic (never here: Python integers have no width), 4 an int64 total
overflows (the solution is still returned; the front end raises).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

OPTIMAL, LIMIT, INFEASIBLE, WIDE, OVERFLOW = 0, 1, 2, 3, 4
_INT64_MAX = 2**63 - 1
_FITS = 2**62  # sums below this are safe in int64 states (a sum of two stays below 2^63)


# ---------------------------------------------------------------------------------------------
# Exact numbers


def _exact(row) -> tuple[list[int], int]:
    """The entries of one instance's array as exact integers and the exponent s of the scale:
    ``row[j] == ints[j] * 2**s`` exactly. Integer arrays: s = 0. Float arrays: s is the lowest
    set bit over the nonzero entries (every float is an odd integer times a power of two)."""
    if row.dtype.kind in "iu":
        return [int(t) for t in row.tolist()], 0
    ratios = [float(t).as_integer_ratio() for t in row.tolist()]  # p / q, q a power of two
    lsbs = [(abs(p) & -abs(p)).bit_length() - q.bit_length() for p, q in ratios if p != 0]
    if not lsbs:
        return [0] * len(ratios), 0
    s = min(lsbs)
    # p / q / 2**s = p * 2**(-s - log2 q): an integer, since s <= the lowest set bit of p / q
    return [_shift(p, -s - (q.bit_length() - 1)) for p, q in ratios], s


def _shift(p: int, k: int) -> int:
    """p * 2**k for an integer result (k < 0 only drops zero bits)."""
    a = abs(p) << k if k >= 0 else abs(p) >> -k
    return a if p >= 0 else -a


def _floor_capacity(c, s: int):
    """floor(c / 2**s) for c >= 0 (an int or a float; +inf gives None: unlimited)."""
    if isinstance(c, float) and c == float("inf"):
        return None
    return int((Fraction(c) / Fraction(2) ** s).__floor__())


def _total(t: int, s: int, integer: bool):
    """The exact total t * 2**s reported in the output dtype: an int64 for integer input (None
    when it does not fit), else the correctly rounded float64 (inf when it overflows)."""
    if integer:
        return t if -_INT64_MAX - 1 <= t <= _INT64_MAX else None
    try:
        return float(Fraction(t) * Fraction(2) ** s)  # Fraction -> float rounds correctly
    except OverflowError:
        return float("inf") if t > 0 else float("-inf")


# ---------------------------------------------------------------------------------------------
# The state-list engine: one stage adds a set of alternatives to every state.


class _States:
    """The undominated states after the stages seen so far, plus each stage's parent links."""

    def __init__(self, use_object: bool):
        dtype = object if use_object else np.int64
        self.W = np.zeros(1, dtype=dtype)
        self.V = np.zeros(1, dtype=dtype)
        self.stages: list[tuple[np.ndarray, np.ndarray]] = []  # (parent, alternative)
        self.stored = 1

    def stage(self, alternatives, limit) -> None:
        """Extend every state by each alternative (dw, dv) (alternative 0 is the first, and
        wins exact ties); keep the states with weight <= limit (None: no limit) that no other
        state dominates."""
        Ws, Vs, parents, alts = [], [], [], []
        index = np.arange(self.W.size)
        for a, (dw, dv) in enumerate(alternatives):
            W = self.W + dw
            V = self.V + dv
            keep = None if limit is None else W <= limit
            if keep is not None and not keep.all():
                W, V, idx = W[keep], V[keep], index[keep]
            else:
                idx = index
            Ws.append(W)
            Vs.append(V)
            parents.append(idx)
            alts.append(np.full(idx.size, a, dtype=np.int64))
        W = np.concatenate(Ws)
        V = np.concatenate(Vs)
        parent = np.concatenate(parents)
        alt = np.concatenate(alts)
        if W.size:
            # weight ascending, then value descending, then the earlier alternative: the first
            # state of each weight is the best one, and a state survives when it is worth more
            # than every lighter (or equally heavy, earlier) state
            order = np.lexsort((alt, -V, W))
            W, V, parent, alt = W[order], V[order], parent[order], alt[order]
            best_before = np.maximum.accumulate(V)
            keep = np.ones(W.size, dtype=bool)
            keep[1:] = V[1:] > best_before[:-1]
            W, V, parent, alt = W[keep], V[keep], parent[keep], alt[keep]
        self.W, self.V = W, V
        self.stages.append((parent, alt))
        self.stored += W.size

    def path(self, state: int) -> list[int]:
        """The alternative each stage chose on the way to ``state`` (of the current list)."""
        chosen = [0] * len(self.stages)
        for t in range(len(self.stages) - 1, -1, -1):
            parent, alt = self.stages[t]
            chosen[t] = int(alt[state])
            state = int(parent[state])
        return chosen


# ---------------------------------------------------------------------------------------------
# 0/1 and bounded knapsack


def _split(count: int) -> list[int]:
    """Binary multiples 1, 2, 4, ..., remainder summing to ``count``: every amount 0..count is
    a sum of a subset of them."""
    parts, k = [], 1
    while count > 0:
        take = min(k, count)
        parts.append(take)
        count -= take
        k *= 2
    return parts


def _knapsack_instance(values, weights, capacity, counts, max_states):
    """One instance: (x as a list of amounts, exact value, exact weight, status)."""
    n = values.size
    v, sv = _exact(values)
    w, sw = _exact(weights)
    cnt = [1] * n if counts is None else [int(t) for t in counts.tolist()]
    C = _floor_capacity(capacity.item(), sw)
    x = [0] * n
    base_w = base_v = 0
    parts = []  # (item, multiplicity)
    for j in range(n):
        if v[j] == 0 or cnt[j] == 0:
            continue  # worthless (or absent) items are never chosen
        if w[j] == 0:
            x[j] = cnt[j]  # free and worth something: all of them
            base_v += v[j] * cnt[j]
            continue
        c = cnt[j] if C is None else min(cnt[j], C // w[j])
        parts.extend((j, m) for m in _split(c))
    total = sum(w[j] * m for j, m in parts)
    if C is None or total <= C:  # everything fits: take it all
        for j, m in parts:
            x[j] += m
        return x, (base_v + sum(v[j] * m for j, m in parts), sv), (total, sw), OPTIMAL
    top = max(sum(w[j] * m for j, m in parts), sum(v[j] * m for j, m in parts) + base_v)
    states = _States(use_object=top >= _FITS)
    status = OPTIMAL
    done = 0
    for j, m in parts:
        if states.stored + 2 * states.W.size > max_states:
            status = LIMIT  # the best state so far, the remaining parts left out
            break
        states.stage([(0, 0), (w[j] * m, v[j] * m)], C)
        done += 1
    best = states.W.size - 1  # values increase along the list: the last state is the best
    for (j, m), a in zip(parts[:done], states.path(best)):
        x[j] += m * a
    total_v = base_v + int(states.V[best])
    total_w = base_w + int(states.W[best])
    return x, (total_v, sv), (total_w, sw), status


def knapsack_solve(values, weights, capacity, counts, max_states):
    """0/1 (counts None) or bounded knapsack of every instance of a batch (see the module)."""
    values, weights, capacity, counts = _check_knapsack(values, weights, capacity, counts)
    B, n = values.shape
    x = np.zeros((B, n), dtype=np.uint8 if counts is None else np.int64)
    int_v, int_w = values.dtype.kind == "i", weights.dtype.kind == "i"
    value = np.zeros(B, dtype=np.int64 if int_v else np.float64)
    weight = np.zeros(B, dtype=np.int64 if int_w else np.float64)
    status = np.zeros(B, dtype=np.int8)
    for b in range(B):
        xb, (tv, sv), (tw, sw), st = _knapsack_instance(
            values[b], weights[b], capacity[b], None if counts is None else counts[b],
            int(max_states),
        )
        x[b] = xb
        rv, rw = _total(tv, sv, int_v), _total(tw, sw, int_w)
        if rv is None or rw is None:
            st = OVERFLOW
        value[b] = 0 if rv is None else rv
        weight[b] = 0 if rw is None else rw
        status[b] = st
    return x, value, weight, status


# ---------------------------------------------------------------------------------------------
# Multiple-choice knapsack


def _mckp_instance(values, weights, mask, budget, max_states):
    """One instance: (choice per group, exact value, exact weight, status)."""
    g, k = values.shape
    v, sv = _exact(values.ravel())
    w, sw = _exact(weights.ravel())
    B = _floor_capacity(budget.item(), sw)
    options = []
    for i in range(g):
        opts = [o for o in range(k) if mask is None or mask[i, o]]
        if not opts:
            return [-1] * g, (0, sv), (0, sw), INFEASIBLE
        options.append(opts)
    lightest = [min(w[i * k + o] for o in opts) for i, opts in enumerate(options)]
    if B is not None and sum(lightest) > B:
        return [-1] * g, (0, sv), (0, sw), INFEASIBLE
    # the best option of every group (ties: the lighter, then the first) may fit as it is
    best = [max(opts, key=lambda o, i=i: (v[i * k + o], -w[i * k + o], -o))
            for i, opts in enumerate(options)]
    best_w = sum(w[i * k + o] for i, o in enumerate(best))
    if B is None or best_w <= B:
        return best, (sum(v[i * k + o] for i, o in enumerate(best)), sv), (best_w, sw), OPTIMAL
    top = max(sum(max(w[i * k + o] for o in opts) for i, opts in enumerate(options)),
              sum(max(abs(v[i * k + o]) for o in opts) for i, opts in enumerate(options)))
    states = _States(use_object=top >= _FITS)
    status = OPTIMAL
    done = 0
    for i, opts in enumerate(options):
        if states.stored + len(opts) * states.W.size > max_states:
            status = LIMIT
            break
        states.stage([(w[i * k + o], v[i * k + o]) for o in opts], B)
        done += 1
    choice = [-1] * g
    if status == LIMIT:
        # complete every state with the lightest option of each remaining group; keep the best
        rest = list(range(done, g))
        light = [min(options[i], key=lambda o, i=i: (w[i * k + o], -v[i * k + o])) for i in rest]
        add_w = sum(w[i * k + o] for i, o in zip(rest, light))
        add_v = sum(v[i * k + o] for i, o in zip(rest, light))
        fits = [s for s in range(states.W.size) if B is None or int(states.W[s]) + add_w <= B]
        best = max(fits, key=lambda s: (int(states.V[s]), -s))
        for i, o in zip(rest, light):
            choice[i] = o
    else:
        add_w = add_v = 0
        best = states.W.size - 1
    for i, a in zip(range(done), states.path(best)):
        choice[i] = options[i][a]
    return choice, (int(states.V[best]) + add_v, sv), (int(states.W[best]) + add_w, sw), status


def mckp_solve(values, weights, mask, budget, max_states):
    """Multiple-choice knapsack of every instance of a batch (see the module docstring)."""
    values, weights, mask, budget = _check_mckp(values, weights, mask, budget)
    B, g, _ = values.shape
    choice = np.full((B, g), -1, dtype=np.int64)
    int_v, int_w = values.dtype.kind == "i", weights.dtype.kind == "i"
    value = np.zeros(B, dtype=np.int64 if int_v else np.float64)
    weight = np.zeros(B, dtype=np.int64 if int_w else np.float64)
    status = np.zeros(B, dtype=np.int8)
    for b in range(B):
        ch, (tv, sv), (tw, sw), st = _mckp_instance(
            values[b], weights[b], None if mask is None else mask[b], budget[b], int(max_states)
        )
        if st == INFEASIBLE:
            status[b] = st
            continue
        choice[b] = ch
        rv, rw = _total(tv, sv, int_v), _total(tw, sw, int_w)
        if rv is None or rw is None:
            st = OVERFLOW
        value[b] = 0 if rv is None else rv
        weight[b] = 0 if rw is None else rw
        status[b] = st
    return choice, value, weight, status


# ---------------------------------------------------------------------------------------------
# Argument checks of the kernel interface (the public API validated the data already; these
# keep a direct call from doing something undefined, like the native binding does)


_I, _F = np.dtype(np.int64), np.dtype(np.float64)
_NUMBERS = (_I, _F)


def _array(a, name, ndim, dtypes):
    if not isinstance(a, np.ndarray) or a.ndim != ndim or a.dtype not in dtypes:
        raise ValueError(
            f"{name} must be a {ndim}-D NumPy array of dtype "
            f"{' or '.join(d.name for d in dtypes)}; got "
            f"{type(a).__name__} {getattr(a, 'shape', '')} {getattr(a, 'dtype', '')}"
        )
    return a


def _check_knapsack(values, weights, capacity, counts):
    values = _array(values, "values", 2, _NUMBERS)
    weights = _array(weights, "weights", 2, _NUMBERS)
    capacity = _array(capacity, "capacity", 1, (weights.dtype,))
    if weights.shape != values.shape or capacity.shape != values.shape[:1]:
        raise ValueError(
            f"shapes disagree: values {values.shape}, weights {weights.shape}, capacity "
            f"{capacity.shape}"
        )
    if counts is not None:
        counts = _array(counts, "counts", 2, (_I,))
        if counts.shape != values.shape:
            raise ValueError(f"counts has shape {counts.shape}; values has {values.shape}")
    return values, weights, capacity, counts


def _check_mckp(values, weights, mask, budget):
    values = _array(values, "values", 3, _NUMBERS)
    weights = _array(weights, "weights", 3, _NUMBERS)
    budget = _array(budget, "budget", 1, (weights.dtype,))
    if weights.shape != values.shape or budget.shape != values.shape[:1]:
        raise ValueError(
            f"shapes disagree: values {values.shape}, weights {weights.shape}, budget "
            f"{budget.shape}"
        )
    if mask is not None:
        mask = _array(mask, "mask", 3, (np.dtype(np.uint8), np.dtype(np.bool_)))
        if mask.shape != values.shape:
            raise ValueError(f"mask has shape {mask.shape}; values has {values.shape}")
    return values, weights, mask, budget
