"""Linear assignment (the matching family): pair rows with columns at the least (or greatest)
total cost, exactly.

* :func:`linear_assignment` is a drop-in for ``scipy.optimize.linear_sum_assignment``: the same
  ``(row_ind, col_ind)`` output for an (n, m) cost, square or rectangular either way, plus batches
  (B, n, m).
* :func:`assignment` returns an :class:`AssignmentResult` with the matching in both directions,
  the total cost and the dual potentials that certify optimality; a batch may hold instances of
  different sizes (``sizes=``) without padding them.

Conventions:

* Every row is matched to a distinct column when n <= m (every column to a distinct row when
  n > m): min(n, m) pairs, the rest unmatched (-1).
* ``+inf`` marks a forbidden pair (``-inf`` when ``maximize=True``); when the forbidden pairs
  leave no complete matching, :class:`~tradeoff.InfeasibleError` (a ``ValueError``) names the
  batch index. NaN, and the opposite infinity, are rejected with a ``ValueError`` naming the
  entry.
* Costs are float64 or float32 (integers and bools become float64, float16 becomes float32); the
  solvers compute in float64.
* Exactness: on integer-valued costs (sums below 2**53) every operation is exact, so the total is
  the exact optimum; on general floats the matching is optimal up to the rounding of the
  potentials, like every shortest-augmenting-path code (scipy's included).
* Ties are broken the same way on every backend (CPU, fallback, GPU): the same input gives the
  same matching everywhere.

The module is named ``matching`` so that ``tradeoff.assignment`` stays the function.

Algorithm: Jonker-Volgenant's augmenting row reduction, then shortest augmenting paths (Dijkstra
on reduced costs) for the rows left free; O(n^2 m) in the worst case, far less on typical data,
with O(n + m) memory beyond the cost. Rectangular problems are solved as they are (never padded
to square). The readable specification is python/tradeoff/_fallback/assignment.py; the CPU path
is cpp/include/tradeoff/assignment.hpp, the GPU path cuda/assignment.cu.
"""

from __future__ import annotations

import numpy as np

from . import _backend, _validation
from ._errors import InfeasibleError
from ._fallback import assignment as _fallback
from ._xp import to_numpy

__all__ = ["AssignmentResult", "assignment", "linear_assignment"]

_SOLVED, _INFEASIBLE, _INVALID, _OVERFLOW = 0, 1, 2, 4


class AssignmentResult:
    """The optimal matching of :func:`assignment`, with its certificate.

    For one problem the arrays are 1-D and ``cost`` is a float; for a batch every field has a
    leading batch axis (``cost`` has shape (B,)). Arrays are NumPy or CuPy, like the input.

    Attributes
    ----------
    col_of_row : int64 array (n,) or (B, n)
        The column matched to each row; -1 for an unmatched row (n > m) and outside an
        instance's ``sizes``.
    row_of_col : int64 array (m,) or (B, m)
        The row matched to each column; -1 where unmatched.
    cost : float or float64 array (B,)
        The total cost of the matching: the optimum.
    u, v : float64 arrays (n,), (m,) or (B, n), (B, m)
        Dual potentials. Minimizing: ``u[i] + v[j] <= cost[i, j]`` for every allowed pair,
        with equality on matched pairs; the potentials of the larger side (v when n <= m) are
        <= 0 and exactly 0 where unmatched; ``u.sum() + v.sum()`` equals the total. Maximizing,
        every inequality flips. Zero outside an instance's ``sizes``.
    """

    __slots__ = ("col_of_row", "row_of_col", "cost", "u", "v")

    def __init__(self, col_of_row, row_of_col, cost, u, v):
        self.col_of_row = col_of_row
        self.row_of_col = row_of_col
        self.cost = cost
        self.u = u
        self.v = v

    def __repr__(self) -> str:
        shape = tuple(self.col_of_row.shape) + tuple(self.row_of_col.shape[-1:])
        if self.col_of_row.ndim == 1:
            return f"AssignmentResult(shape={shape}, cost={self.cost!r})"
        return f"AssignmentResult(batch={shape[0]}, shape={shape[1:]})"


def _empty_solution(prob):
    """Outputs of the kernel interface for a batch with no work (B, n or m is 0)."""
    xp = _validation._xp(prob.on_gpu)
    B, n, m = prob.shape
    return (
        xp.full((B, n), -1, dtype=np.int64),
        xp.full((B, m), -1, dtype=np.int64),
        xp.zeros((B, n)),
        xp.zeros((B, m)),
        xp.zeros(B),
        np.zeros(B, dtype=np.int8),
    )


def _solve(cost, maximize, sizes):
    prob = _validation.assignment_cost(cost, maximize, sizes)
    B, n, m = prob.shape
    if B == 0 or n == 0 or m == 0:
        out = _empty_solution(prob)
    else:
        out = _backend.run(
            "lap_solve",
            (prob.cost, prob.rows, prob.cols, prob.maximize),
            on_gpu=prob.on_gpu,
            fallback=_fallback,
        )
    status = out[5] if isinstance(out[5], np.ndarray) else to_numpy(out[5])
    if np.count_nonzero(status):
        _raise_for(prob, status)
    return prob, out


def _raise_for(prob, status):
    bad = np.flatnonzero(status == _INVALID)
    if bad.size:
        raise _validation.invalid_assignment_entry(prob, int(bad[0]))
    over = np.flatnonzero(status == _OVERFLOW)
    if over.size and not (status == _INFEASIBLE).any():
        b = int(over[0])
        where = f"batch index {b}" if prob.batched else "this cost"
        raise ValueError(
            f"the potentials of {where} overflow float64: the costs are too close to the largest "
            "float (about 1.8e308) for the sums the solver forms. Scale them down, e.g. divide "
            "by their largest magnitude; the matching does not change"
        )
    b = int(np.flatnonzero(status == _INFEASIBLE)[0])
    r = int(to_numpy(prob.rows[b : b + 1])[0])
    c = int(to_numpy(prob.cols[b : b + 1])[0])
    side, count, other = ("row", r, "column") if r <= c else ("column", c, "row")
    mark = "-inf" if prob.maximize else "+inf"
    where = f"batch index {b} (a {r} x {c} instance)" if prob.batched else f"this {r} x {c} cost"
    raise InfeasibleError(
        f"no complete matching exists for {where}: the forbidden pairs ({mark}) leave no way to "
        f"give each of the {count} {side}s its own {other}. Allow more pairs (a large finite "
        "cost instead of the infinity keeps them as a last resort)"
    )


def assignment(cost, *, maximize=False, sizes=None) -> AssignmentResult:
    """Solve the linear assignment problem, with the matching both ways and a certificate.

    Parameters
    ----------
    cost : array_like (n, m) or (B, n, m)
        Cost of pairing row i with column j; ``+inf`` forbids the pair (``-inf`` when
        maximizing). NumPy or CuPy; integers and bools become float64.
    maximize : bool
        Maximize the total instead of minimizing it.
    sizes : array_like (B,) or (B, 2) of int, optional
        Batch only: instance b is ``cost[b, :rows_b, :cols_b]`` with ``(rows_b, cols_b) =
        sizes[b]`` (or ``(s, s)`` for a 1-D ``sizes``). Entries outside are never read, so a
        batch of differently sized problems needs no meaningful padding.

    Returns
    -------
    AssignmentResult
        ``col_of_row``, ``row_of_col``, ``cost``, ``u``, ``v`` (see the class).

    Raises
    ------
    InfeasibleError
        When forbidden pairs leave an instance without a complete matching (names the index).
    ValueError
        For NaN, the wrong infinity, a bad shape or bad ``sizes``.
    TypeError
        For a non-real dtype or ``maximize`` that is not a bool.
    MemoryError
        When a strided or broadcast ``cost`` would need a contiguous copy larger than memory.

    Notes
    -----
    Jonker-Volgenant augmenting row reduction, then shortest augmenting paths: O(n^2 m) worst
    case for n <= m (much less on typical data), O(n + m) extra memory. A batch runs its
    instances in parallel (threads on the CPU, one thread, warp or block per instance on the GPU).

    Examples
    --------
    >>> import numpy as np, tradeoff
    >>> r = tradeoff.assignment([[4, 1, 3], [2, 0, 5], [3, 2, 2]])
    >>> r.col_of_row.tolist(), r.cost
    ([1, 0, 2], 5.0)
    >>> bool(np.all(r.u[:, None] + r.v[None, :] <= np.array([[4, 1, 3], [2, 0, 5], [3, 2, 2]])))
    True
    """
    prob, (col_of_row, row_of_col, u, v, total, _) = _solve(cost, maximize, sizes)
    if prob.batched:
        return AssignmentResult(col_of_row, row_of_col, total, u, v)
    return AssignmentResult(col_of_row[0], row_of_col[0], float(total[0]), u[0], v[0])


def linear_assignment(cost, *, maximize=False):
    """Drop-in for ``scipy.optimize.linear_sum_assignment``: ``(row_ind, col_ind)``.

    Parameters
    ----------
    cost : array_like (n, m) or (B, n, m)
        Cost of pairing row i with column j; ``+inf`` forbids the pair (``-inf`` when
        maximizing). NumPy or CuPy.
    maximize : bool
        Maximize the total instead of minimizing it.

    Returns
    -------
    row_ind, col_ind : int64 arrays (min(n, m),), or (B, min(n, m)) for a batch
        The matched pairs ``(row_ind[k], col_ind[k])``, sorted by row, as scipy returns them;
        ``cost[row_ind, col_ind].sum()`` is the optimum.

    Raises
    ------
    InfeasibleError
        (a ``ValueError``, like scipy's "cost matrix is infeasible") when forbidden pairs leave
        no complete matching; it names the batch index.

    See :func:`assignment` for the potentials, per-instance sizes and the conventions.

    Examples
    --------
    >>> import tradeoff
    >>> rows, cols = tradeoff.linear_assignment([[4, 1, 3], [2, 0, 5], [3, 2, 2]])
    >>> rows.tolist(), cols.tolist()
    ([0, 1, 2], [1, 0, 2])
    >>> rows, cols = tradeoff.linear_assignment([[1, 9], [9, 1], [5, 5]])  # 3 x 2
    >>> rows.tolist(), cols.tolist()
    ([0, 1], [0, 1])
    """
    prob, (col_of_row, _, _, _, _, _) = _solve(cost, maximize, None)
    B, n, m = prob.shape
    xp = _validation._xp(prob.on_gpu)
    k = min(n, m)
    if n <= m:
        if not prob.batched:
            return xp.arange(n, dtype=np.int64), col_of_row[0]
        row_ind = xp.broadcast_to(xp.arange(n, dtype=np.int64), (B, n)).copy()
        col_ind = col_of_row
    else:
        matched = col_of_row >= 0
        row_ind = xp.nonzero(matched)[1].astype(np.int64).reshape(B, k)
        col_ind = col_of_row[matched].reshape(B, k)
    if not prob.batched:
        return row_ind[0], col_ind[0]
    return row_ind, col_ind
