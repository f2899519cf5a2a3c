"""Linear assignment, the readable way: the fallback and the test oracle.

The native kernels (cpp/include/tradeoff/assignment*.hpp, cuda/assignment.cu) make exactly the
decisions this module makes, bit for bit; tests/test_assignment_agreement.py checks it.

A problem is a cost matrix S with n <= m rows (the caller transposes when n > m); +inf marks a
forbidden pair. Every row is matched to a distinct column at the least total cost. Two phases:

1. **Augmenting row reduction** (Jonker & Volgenant 1987), twice, starting from column
   potentials v = 0: a free row i takes the column j1 of its smallest reduced cost
   h_j = S_ij - v_j and lowers v_j1 by the gap to the second smallest, so that row i is tight at
   both; the row it displaces is processed next. Rows left free go to phase 2. A step budget
   (ARR_STEP_FACTOR per pending row) bounds the pass.
2. **Shortest augmenting paths** (Dijkstra on the reduced costs S_ij - u_i - v_j >= 0, as in
   Crouse 2016), one free row at a time: finish the unfinished column at the least distance until
   a free one is reached, update the potentials of everything finished, flip the path.

Both phases keep u_i + v_j <= S_ij for every pair, with equality on matched pairs, and v only
decreases from 0, so v <= 0 everywhere and v = 0 on the columns left unmatched: (u, v) is the
certificate of optimality of a rectangular problem.

Determinism (part of the specification, so that every backend gives the same matching): all
arithmetic is double with only + and -, in the order written; every choice among equal values
takes the lowest index, except that the shortest-path step prefers a free column among the
columns at the least distance.

Entry point: :func:`lap_solve`, with the kernel signature ``tradeoff._core`` and ``tradeoff._gpu``
share (python/tradeoff/assignment.py calls it).
"""

from __future__ import annotations

import numpy as np

from ._jit import jit

#: Status codes of one instance (3 is the CUDA launcher's guard for sizes out of range).
SOLVED, INFEASIBLE, INVALID, OVERFLOW = 0, 1, 2, 4
#: Augmenting row reduction processes at most this many rows per pending row in one pass.
ARR_STEP_FACTOR = 4

_INF = np.inf


@jit
def _arr_pass(S, v, x, y, pending):
    """One pass of augmenting row reduction over the rows in ``pending``; returns the rows left
    free, in order."""
    n_pending = pending.shape[0]
    m = S.shape[1]
    new_free = np.empty(n_pending, dtype=np.int64)
    n_free = 0
    budget = ARR_STEP_FACTOR * n_pending
    steps = 0
    k = 0
    while k < n_pending:
        if steps == budget:  # out of steps: the rest waits for shortest paths
            while k < n_pending:
                new_free[n_free] = pending[k]
                n_free += 1
                k += 1
            break
        steps += 1
        i = pending[k]
        k += 1
        # the two smallest reduced costs of row i, lowest index first among equals
        u1 = _INF
        u2 = _INF
        j1 = -1
        j2 = -1
        for j in range(m):
            h = S[i, j] - v[j]
            if h < u2:
                if h < u1:
                    u2 = u1
                    j2 = j1
                    u1 = h
                    j1 = j
                else:
                    u2 = h
                    j2 = j
        if u1 == _INF:  # no allowed column at all
            new_free[n_free] = i
            n_free += 1
            continue
        if u2 == _INF:  # exactly one allowed column: take it only when it is free
            if y[j1] == -1:
                x[i] = j1
                y[j1] = i
            else:
                new_free[n_free] = i
                n_free += 1
            continue
        i0 = y[j1]
        if u1 < u2:
            v[j1] = v[j1] - (u2 - u1)  # row i becomes tight at j1 and j2
        elif i0 >= 0:  # a tie, and j1 is taken: take j2 without changing v
            j1 = j2
            i0 = y[j2]
        if i0 >= 0:
            x[i0] = -1
            if u1 < u2:  # v[j1] dropped, so the displaced row is processed next
                k -= 1
                pending[k] = i0
            else:
                new_free[n_free] = i0
                n_free += 1
        x[i] = j1
        y[j1] = i
    return new_free[:n_free].copy()


@jit
def _shortest_path(S, u, v, x, y, cur, d, pred, done, rows_seen, cols_done):
    """Augment from free row ``cur`` along a shortest path; False when no free column is
    reachable (the problem has no complete matching)."""
    m = S.shape[1]
    for j in range(m):
        d[j] = _INF
        pred[j] = -1
        done[j] = False
    n_rows = 0
    n_cols = 0
    i = cur
    min_val = 0.0
    sink = -1
    while sink < 0:
        rows_seen[n_rows] = i
        n_rows += 1
        r = min_val - u[i]
        low = _INF
        lowf = _INF
        jlow = -1
        jf = -1
        for j in range(m):
            if done[j]:
                continue
            cand = (r + S[i, j]) - v[j]
            if cand < d[j]:
                d[j] = cand
                pred[j] = i
            if d[j] < low:
                low = d[j]
                jlow = j
            if y[j] == -1 and d[j] < lowf:
                lowf = d[j]
                jf = j
        if low == _INF:
            return False
        j = jf if lowf == low else jlow  # prefer a free column at the least distance
        done[j] = True
        cols_done[n_cols] = j
        n_cols += 1
        min_val = low
        if y[j] == -1:
            sink = j
        else:
            i = y[j]
    # potentials: every finished row and column moves by its slack to the path length
    u[cur] = u[cur] + min_val
    for t in range(1, n_rows):
        i = rows_seen[t]
        u[i] = u[i] + (min_val - d[x[i]])
    for t in range(n_cols):
        j = cols_done[t]
        v[j] = v[j] - (min_val - d[j])
    # flip the path
    j = sink
    while True:
        i = pred[j]
        y[j] = i
        nxt = x[i]
        x[i] = j
        j = nxt
        if i == cur:
            break
    return True


@jit
def _solve(S):
    """Solve one problem S (n <= m rows, entries finite or +inf). Returns (x, y, u, v, ok)."""
    n, m = S.shape
    v = np.zeros(m)
    u = np.zeros(n)
    x = np.full(n, -1, dtype=np.int64)
    y = np.full(m, -1, dtype=np.int64)
    free = np.arange(n, dtype=np.int64)
    for _ in range(2):
        free = _arr_pass(S, v, x, y, free)
    for i in range(n):
        if x[i] >= 0:
            u[i] = S[i, x[i]] - v[x[i]]
    d = np.empty(m)
    pred = np.empty(m, dtype=np.int64)
    done = np.empty(m, dtype=np.bool_)
    rows_seen = np.empty(n, dtype=np.int64)
    cols_done = np.empty(m, dtype=np.int64)
    for t in range(free.shape[0]):
        if not _shortest_path(S, u, v, x, y, free[t], d, pred, done, rows_seen, cols_done):
            return x, y, u, v, False
    return x, y, u, v, True


def _instance(A, maximize):
    """Steps 1-7 of the specification for one active block A (r, c). Returns
    (col_of_row, row_of_col, u, v, total, status)."""
    r, c = A.shape
    col_of_row = np.full(r, -1, dtype=np.int64)
    row_of_col = np.full(c, -1, dtype=np.int64)
    u = np.zeros(r)
    v = np.zeros(c)
    A = np.asarray(A, dtype=np.float64)
    if maximize:
        A = -A
    if np.isnan(A).any() or np.isneginf(A).any():
        return col_of_row, row_of_col, u, v, 0.0, INVALID
    transposed = r > c
    S = np.ascontiguousarray(A.T if transposed else A)
    ns = S.shape[0]
    if ns == 0:
        return col_of_row, row_of_col, u, v, 0.0, SOLVED
    with np.errstate(over="ignore", invalid="ignore"):  # costs near the largest float: status 4
        x, y, us, vs, ok = _solve(S)
    if not ok:
        return col_of_row, row_of_col, u, v, 0.0, INFEASIBLE
    if transposed:
        col_of_row, row_of_col, u, v = y, x, vs, us
    else:
        col_of_row, row_of_col, u, v = x, y, us, vs
    total = 0.0
    for k in range(ns):  # in order, so that every backend rounds the same way
        total = total + float(S[k, x[k]])  # Python floats: overflow gives inf, no warning
    if maximize:
        total, u, v = -total, -u, -v
    if not (np.isfinite(total) and np.isfinite(u).all() and np.isfinite(v).all()):
        return col_of_row, row_of_col, u, v, total, OVERFLOW  # costs near the largest float
    return col_of_row, row_of_col, u, v, total, SOLVED


def _checked(cost, rows, cols):
    """The kernel's argument checks (the public functions never fail them): a direct call with
    malformed arguments raises ValueError, like the native kernel."""
    cost, rows, cols = np.asarray(cost), np.asarray(rows), np.asarray(cols)
    if cost.ndim != 3 or cost.dtype not in (np.float32, np.float64):
        raise ValueError(
            f"lap_solve needs a (B, n, m) float32 or float64 cost; got shape {cost.shape} and "
            f"dtype {cost.dtype} (internal: call tradeoff.assignment)"
        )
    B, n, m = cost.shape
    for name, arr, limit in (("rows", rows, n), ("cols", cols, m)):
        if arr.shape != (B,) or arr.dtype != np.int64:
            raise ValueError(
                f"lap_solve needs {name} of shape ({B},) and dtype int64; got shape {arr.shape} "
                f"and dtype {arr.dtype} (internal: call tradeoff.assignment)"
            )
        if B and (arr.min() < 0 or arr.max() > limit):
            raise ValueError(
                f"lap_solve needs 0 <= {name} <= {limit}; got values from {arr.min()} to "
                f"{arr.max()} (internal: call tradeoff.assignment)"
            )
    return cost, rows, cols


def lap_solve(cost, rows, cols, maximize):
    """The kernel interface: a batch ``cost`` (B, n, m), active sizes ``rows``, ``cols`` (B,).

    Returns ``(col_of_row (B, n), row_of_col (B, m), u (B, n), v (B, m), total (B,),
    status (B,) int8)``; outside an instance's active block the matching is -1 and the
    potentials 0. ``status`` is 0 (solved), 1 (no complete matching) or 2 (NaN, or -inf after the
    maximize sign flip, in the active block). The whole batch is always processed.
    """
    cost, rows, cols = _checked(cost, rows, cols)
    B, n, m = cost.shape
    col_of_row = np.full((B, n), -1, dtype=np.int64)
    row_of_col = np.full((B, m), -1, dtype=np.int64)
    u = np.zeros((B, n))
    v = np.zeros((B, m))
    total = np.zeros(B)
    status = np.zeros(B, dtype=np.int8)
    for b in range(B):
        r, c = int(rows[b]), int(cols[b])
        x, y, ub, vb, tb, sb = _instance(cost[b, :r, :c], bool(maximize))
        status[b] = sb
        if sb != SOLVED and sb != OVERFLOW:
            continue
        col_of_row[b, :r] = x
        row_of_col[b, :c] = y
        u[b, :r] = ub
        v[b, :c] = vb
        total[b] = tb
    return col_of_row, row_of_col, u, v, total, status
