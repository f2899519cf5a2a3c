"""Linear assignment: known answers, optimality certificates, batches, ragged sizes, invariants,
input handling, on every CPU backend.

Known answers are derived by hand (the 3 x 3 example enumerated in the comment, |i - j|,
rearrangement-inequality matrices, a lower-triangular feasible set with one matching) or by an
independent method: brute force over every injective map of the smaller side (n, m <= 7),
and scipy.optimize.linear_sum_assignment.

Exactness. On integer-valued costs every operation of the algorithm is exact (spec), so the
certificate is checked with zero tolerance: u_i + v_j <= c_ij on every allowed pair, equality on
the matched pairs, the larger side's potentials <= 0 and exactly 0 where unmatched (signs flip
when maximizing), sum(u) + sum(v) == cost. On general floats the same checks hold to
1e-12 * max|c| * (n + m) (the duals' rounding), and ``cost`` is always exactly the sum of the
chosen entries taken in the spec's order (over the rows when n <= m, over the columns else).
Runs that compute the same operations (batch vs single call, ragged sizes vs the cut-out
problem, maximize vs negated costs, float32 vs the same values in float64, scaling by a power
of two, strided vs contiguous input) agree bit for bit.
"""

from __future__ import annotations

import itertools
import math
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import cpu_backends

import tradeoff
from tradeoff import _backend

_core = _backend.core_module()
HAVE_NATIVE = _core is not None and hasattr(_core, "lap_solve")
NATIVE_MISSING = "tradeoff._core is built without lap_solve (the native assignment kernel)"


@pytest.fixture(params=cpu_backends())
def backend(request):
    """Runs the test once per CPU backend with that backend forced (native only where _core
    has the assignment kernel)."""
    if request.param == "native" and not HAVE_NATIVE:
        pytest.skip(NATIVE_MISSING)
    with tradeoff.using_backend(request.param):
        yield request.param


# ------------------------------------------------------------------------------------ oracles


def brute_force(cost, maximize=False):
    """Exact optimum by enumerating every injective map of the smaller side: (best total, set of
    optimal col_of_row tuples), or (None, set()) when no complete matching exists. Totals are
    summed with math.fsum: exact on integer data, correctly rounded otherwise."""
    c = np.asarray(cost, dtype=np.float64)
    n, m = c.shape
    assert min(n, m) <= 7 and max(n, m) <= 8, "brute force is factorial"
    sign = -1.0 if maximize else 1.0
    best, opt = None, set()
    small, large = (n, m) if n <= m else (m, n)
    for perm in itertools.permutations(range(large), small):
        if n <= m:
            pairs = [(i, perm[i]) for i in range(n)]
        else:
            pairs = [(perm[j], j) for j in range(m)]
        vals = [c[i, j] for i, j in pairs]
        if not all(math.isfinite(val) for val in vals):
            continue
        key = sign * math.fsum(vals)
        col_of_row = [-1] * n
        for i, j in pairs:
            col_of_row[i] = j
        if best is None or key < best:
            best, opt = key, {tuple(col_of_row)}
        elif key == best:
            opt.add(tuple(col_of_row))
    return (None if best is None else sign * best), opt


def spec_total(cost, col_of_row, row_of_col):
    """The total as the spec sums it: in order over the smaller side's indices (over the rows
    when n <= m, over the columns otherwise), left to right in float64. (When maximizing the
    spec sums the negated entries and negates the result: the same number, as rounding to
    nearest is symmetric.)"""
    c = np.asarray(cost, dtype=np.float64)
    n, m = c.shape
    total = 0.0
    if n <= m:
        for i in range(n):
            total = total + float(c[i, col_of_row[i]])
    else:
        for j in range(m):
            total = total + float(c[row_of_col[j], j])
    return total


def float_tol(cost):
    """Tolerance of the certificate on general float data: 1e-12 * max|finite c| * (n + m)
    (plus the smallest subnormal, for data that is all zeros or subnormal)."""
    c = np.asarray(cost, dtype=np.float64)
    finite = np.abs(c[np.isfinite(c)])
    scale = float(finite.max()) if finite.size else 0.0
    return 1e-12 * scale * (c.shape[0] + c.shape[1]) + 5e-324


def check_solution(cost, res, maximize=False, tol=0.0):
    """res (one problem) is a complete matching of the smaller side, never on a forbidden pair,
    its cost is the sum of the chosen entries, and (u, v) certify its optimality: the
    complementary slackness conditions of the module docstring, within ``tol``."""
    c = np.asarray(cost, dtype=np.float64)
    n, m = c.shape
    x, y, u, v = res.col_of_row, res.row_of_col, res.u, res.v
    assert isinstance(x, np.ndarray) and isinstance(u, np.ndarray)
    assert x.shape == (n,) and y.shape == (m,) and u.shape == (n,) and v.shape == (m,)
    assert x.dtype == y.dtype == np.int64 and u.dtype == v.dtype == np.float64
    assert isinstance(res.cost, float)
    # a matching: min(n, m) pairs, both directions consistent
    assert ((x >= -1) & (x < m)).all() and ((y >= -1) & (y < n)).all()
    rows = np.flatnonzero(x >= 0)
    cols = x[rows]
    assert len(rows) == min(n, m)
    assert len(np.unique(cols)) == len(cols)
    assert (y[cols] == rows).all()
    assert (y >= 0).sum() == len(rows)
    chosen = c[rows, cols]
    assert np.isfinite(chosen).all(), "a forbidden pair was chosen"
    assert res.cost == spec_total(c, x, y)
    # the certificate
    assert np.isfinite(u).all() and np.isfinite(v).all()
    sign = -1.0 if maximize else 1.0
    reduced = sign * ((c - u[:, None]) - v[None, :])
    allowed = np.isfinite(c)
    assert (reduced[allowed] >= -tol).all(), "dual infeasible: u_i + v_j > c_ij"
    assert (np.abs(reduced[rows, cols]) <= tol).all(), "a matched pair is not tight"
    large, large_matched = (v, y >= 0) if n <= m else (u, x >= 0)
    assert (sign * large <= tol).all(), "a potential of the larger side has the wrong sign"
    assert (large[~large_matched] == 0).all(), "an unmatched potential is not 0"
    assert abs((u.sum() + v.sum()) - res.cost) <= tol * max(1, min(n, m))


def check_optimal(cost, res, maximize=False):
    """check_solution exactly (integer data), plus agreement with brute force: the optimum
    total and a matching among the optimal ones."""
    best, opt = brute_force(cost, maximize)
    assert best is not None
    check_solution(cost, res, maximize, tol=0.0)
    assert res.cost == best
    assert tuple(res.col_of_row.tolist()) in opt


def int_matrix(rng, n, m, lo=0, hi=10):
    return rng.integers(lo, hi, size=(n, m)).astype(np.float64)


def unique_total(cost, maximize=False):
    """True when the brute-force optimum is unique (for tests asserting one matching)."""
    return len(brute_force(cost, maximize)[1]) == 1


# ------------------------------------------------------------------------------ known answers


EXAMPLE = np.array([[4.0, 1.0, 3.0], [2.0, 0.0, 5.0], [3.0, 2.0, 2.0]])
# The six permutations (col of row 0, 1, 2) and their totals, by hand:
# (0,1,2) 4+0+2=6  (0,2,1) 4+5+2=11  (1,0,2) 1+2+2=5  (1,2,0) 1+5+3=9  (2,0,1) 3+2+2=7
# (2,1,0) 3+0+3=6: the minimum 5 at (1,0,2) and the maximum 11 at (0,2,1), both unique.


def test_three_by_three_by_hand(backend):
    rows, cols = tradeoff.linear_assignment(EXAMPLE)
    assert rows.tolist() == [0, 1, 2] and cols.tolist() == [1, 0, 2]
    assert rows.dtype == cols.dtype == np.int64
    res = tradeoff.assignment(EXAMPLE)
    assert res.col_of_row.tolist() == [1, 0, 2] and res.row_of_col.tolist() == [1, 0, 2]
    assert res.cost == 5.0
    check_solution(EXAMPLE, res)
    rows, cols = tradeoff.linear_assignment(EXAMPLE, maximize=True)
    assert rows.tolist() == [0, 1, 2] and cols.tolist() == [0, 2, 1]
    res = tradeoff.assignment(EXAMPLE, maximize=True)
    assert res.col_of_row.tolist() == [0, 2, 1] and res.row_of_col.tolist() == [0, 2, 1]
    assert res.cost == 11.0
    check_solution(EXAMPLE, res, maximize=True)
    # plain nested lists and integers work the same
    res = tradeoff.assignment(EXAMPLE.astype(int).tolist())
    assert res.col_of_row.tolist() == [1, 0, 2] and res.cost == 5.0


@pytest.mark.parametrize("value", [7.5, -3.0, 0.0, 1e300])
def test_one_by_one(backend, value):
    for maximize in (False, True):
        res = tradeoff.assignment([[value]], maximize=maximize)
        assert res.col_of_row.tolist() == [0] and res.row_of_col.tolist() == [0]
        assert res.cost == value
        check_solution([[value]], res, maximize)
        rows, cols = tradeoff.linear_assignment([[value]], maximize=maximize)
        assert rows.tolist() == [0] and cols.tolist() == [0]


def test_one_row_or_one_column_takes_the_extreme(backend):
    line = np.array([3.0, 1.0, 2.0, 0.5, 4.0])
    res = tradeoff.assignment(line[None, :])
    assert res.col_of_row.tolist() == [3] and res.cost == 0.5
    assert res.row_of_col.tolist() == [-1, -1, -1, 0, -1]
    check_solution(line[None, :], res)
    res = tradeoff.assignment(line[:, None], maximize=True)
    assert res.col_of_row.tolist() == [-1, -1, -1, -1, 0] and res.cost == 4.0
    assert res.row_of_col.tolist() == [4]
    check_solution(line[:, None], res, maximize=True)
    rows, cols = tradeoff.linear_assignment(line[:, None])
    assert rows.tolist() == [3] and cols.tolist() == [0]


@pytest.mark.parametrize("n, m", [(1, 1), (4, 4), (12, 12), (5, 9), (9, 5), (1, 6)])
def test_distance_matrix_is_solved_by_the_identity(backend, n, m):
    # c_ij = |i - j| >= 0 with zeros exactly on the diagonal: the diagonal is the unique optimum
    c = np.abs(np.arange(n)[:, None] - np.arange(m)[None, :]).astype(np.float64)
    res = tradeoff.assignment(c)
    k = min(n, m)
    expect = [i if i < k else -1 for i in range(n)]
    assert res.col_of_row.tolist() == expect and res.cost == 0.0
    check_solution(c, res)


@pytest.mark.parametrize("n, m", [(2, 2), (3, 3), (7, 7), (10, 10), (3, 8), (8, 3), (1, 5)])
def test_rearrangement_inequality(backend, n, m):
    # c_ij = (i + 1)(j + 1). Minimizing (n <= m): only columns 0..n-1 are used (a larger column
    # costs more in any row) and they pair in opposite order (rearrangement inequality, strict
    # for distinct values): row i -> column n-1-i, total sum_k k (n+1-k) = n(n+1)(n+2)/6.
    # Maximizing: the n largest columns in the same order, row i -> m-n+i. Both optima unique.
    # For n > m the same holds with the roles of rows and columns swapped.
    c = np.outer(np.arange(1, n + 1), np.arange(1, m + 1)).astype(np.float64)
    k = min(n, m)
    lo = tradeoff.assignment(c)
    hi = tradeoff.assignment(c, maximize=True)
    if n <= m:
        assert lo.col_of_row.tolist() == [n - 1 - i for i in range(n)]
        assert hi.col_of_row.tolist() == [m - n + i for i in range(n)]
        assert hi.cost == sum((i + 1) * (m - n + i + 1) for i in range(n))
    else:
        assert lo.row_of_col.tolist() == [m - 1 - j for j in range(m)]
        assert hi.row_of_col.tolist() == [n - m + j for j in range(m)]
        assert hi.cost == sum((j + 1) * (n - m + j + 1) for j in range(m))
    assert lo.cost == k * (k + 1) * (k + 2) // 6
    check_solution(c, lo)
    check_solution(c, hi, maximize=True)


def test_rectangular_by_hand(backend):
    # row 0's cheapest is column 1 (1), row 1's is column 2 (1): disjoint, total 2, unique
    c = np.array([[5.0, 1.0, 9.0, 3.0], [2.0, 8.0, 1.0, 7.0]])
    res = tradeoff.assignment(c)
    assert res.col_of_row.tolist() == [1, 2] and res.row_of_col.tolist() == [-1, 0, 1, -1]
    assert res.cost == 2.0
    check_optimal(c, res)
    rows, cols = tradeoff.linear_assignment(c)
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 2]
    res = tradeoff.assignment(c.T)
    assert res.col_of_row.tolist() == [-1, 0, 1, -1] and res.row_of_col.tolist() == [1, 2]
    assert res.cost == 2.0
    check_optimal(c.T, res)
    rows, cols = tradeoff.linear_assignment(c.T)
    assert rows.tolist() == [1, 2] and cols.tolist() == [0, 1]
    # maximizing: row 0 takes 9 (col 2), row 1 takes 8 (col 1): 17 beats 9+7 and 5+... by hand
    res = tradeoff.assignment(c, maximize=True)
    assert res.col_of_row.tolist() == [2, 1] and res.cost == 17.0
    check_optimal(c, res, maximize=True)


@pytest.mark.parametrize("n", [1, 2, 5, 9])
@pytest.mark.parametrize("maximize", [False, True])
def test_a_single_feasible_matching(backend, n, maximize):
    # only pairs j <= i are allowed: row 0 must take column 0, then row 1 column 1, ...: the
    # identity is the only complete matching, whatever the finite values
    rng = np.random.default_rng(n)
    c = rng.uniform(-5, 5, (n, n))
    forbid = np.triu(np.ones((n, n), dtype=bool), 1)
    c[forbid] = -np.inf if maximize else np.inf
    res = tradeoff.assignment(c, maximize=maximize)
    assert res.col_of_row.tolist() == list(range(n))
    assert res.cost == spec_total(c, res.col_of_row, res.row_of_col)
    check_solution(c, res, maximize, tol=float_tol(c))
    # the same with one extra column that every row may use: still optimal, by brute force
    if n <= 6:
        wide = np.hstack([np.round(c), np.arange(n, dtype=float)[:, None]])
        check_optimal(wide, tradeoff.assignment(wide, maximize=maximize), maximize)


# ------------------------------------------------------------------- brute force and certificate


@pytest.mark.parametrize("maximize", [False, True])
def test_small_integer_problems_match_brute_force(backend, maximize):
    rng = np.random.default_rng(1)
    for n in range(0, 7):
        for m in range(0, 7):
            for hi in (3, 20):
                c = int_matrix(rng, n, m, -hi // 2, hi)
                res = tradeoff.assignment(c, maximize=maximize)
                if min(n, m) == 0:
                    assert res.cost == 0.0
                check_optimal(c, res, maximize)


@pytest.mark.parametrize("maximize", [False, True])
def test_forbidden_pairs_match_brute_force(backend, maximize):
    rng = np.random.default_rng(2)
    bad = -np.inf if maximize else np.inf
    checked = infeasible = 0
    for trial in range(120):
        n, m = rng.integers(1, 7, size=2)
        c = int_matrix(rng, n, m, 0, 6)
        c[rng.random((n, m)) < rng.uniform(0.1, 0.7)] = bad
        best, _ = brute_force(c, maximize)
        if best is None:
            infeasible += 1
            with pytest.raises(tradeoff.InfeasibleError, match=r"no complete matching exists"):
                tradeoff.assignment(c, maximize=maximize)
            continue
        checked += 1
        res = tradeoff.assignment(c, maximize=maximize)
        check_optimal(c, res, maximize)
    assert checked > 30 and infeasible > 5  # both branches exercised


@pytest.mark.parametrize("maximize", [False, True])
@pytest.mark.parametrize("shape", [(6, 6), (4, 7), (7, 4), (40, 40), (25, 60), (60, 25)])
def test_float_certificate(backend, maximize, shape):
    rng = np.random.default_rng(shape[0] * 100 + shape[1])
    for c in (rng.random(shape), rng.normal(0, 1e6, shape), np.exp(rng.normal(0, 3, shape))):
        res = tradeoff.assignment(c, maximize=maximize)
        check_solution(c, res, maximize, tol=float_tol(c))
        if max(shape) <= 7:
            best, opt = brute_force(c, maximize)
            assert tuple(res.col_of_row.tolist()) in opt  # continuous data: unique optimum
            assert res.cost == pytest.approx(best, rel=1e-14, abs=1e-300)


def test_certificate_of_integer_problems_is_exact(backend):
    # integer data: every operation is exact, so is the certificate (zero tolerance)
    rng = np.random.default_rng(3)
    for shape in [(30, 30), (20, 45), (45, 20), (1, 30), (30, 1)]:
        for hi in (3, 1000, 2**30):
            c = int_matrix(rng, *shape, -hi, hi)
            for maximize in (False, True):
                res = tradeoff.assignment(c, maximize=maximize)
                check_solution(c, res, maximize, tol=0.0)


@pytest.mark.parametrize("maximize", [False, True])
def test_linear_assignment_equals_scipy_exactly(backend, maximize):
    lsa = pytest.importorskip("scipy.optimize").linear_sum_assignment
    rng = np.random.default_rng(4)
    shapes = [(1, 1), (2, 3), (3, 2), (5, 5), (7, 3), (3, 7), (20, 30), (30, 20), (50, 50)]
    for shape in shapes:
        # continuous data: the optimum is unique, so both outputs are identical
        c = rng.random(shape)
        rows, cols = tradeoff.linear_assignment(c, maximize=maximize)
        srows, scols = lsa(c, maximize=maximize)
        assert rows.dtype == cols.dtype == np.int64
        assert rows.tolist() == srows.tolist() and cols.tolist() == scols.tolist()
        # integer data with many ties: the same rows (n <= m: all of them) and the same total;
        # for n > m the chosen rows may differ between optimal matchings
        for hi in (3, 10):
            c = int_matrix(rng, *shape, 0, hi)
            rows, cols = tradeoff.linear_assignment(c, maximize=maximize)
            srows, scols = lsa(c, maximize=maximize)
            assert len(rows) == len(cols) == min(shape)
            assert (np.diff(rows) > 0).all()
            assert len(np.unique(cols)) == len(cols)
            if shape[0] <= shape[1]:
                assert rows.tolist() == srows.tolist()
            assert c[rows, cols].sum() == c[srows, scols].sum()


def test_linear_assignment_output_layout(backend):
    c = np.array([[1.0, 9.0], [9.0, 1.0], [5.0, 5.0]])  # 3 x 2: rows 0 and 1 match, 2 waits
    rows, cols = tradeoff.linear_assignment(c)
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 1]
    # rows come out sorted whatever the matching's order
    c = np.array([[5.0, 5.0], [9.0, 1.0], [1.0, 9.0]])
    rows, cols = tradeoff.linear_assignment(c)
    assert rows.tolist() == [1, 2] and cols.tolist() == [1, 0]
    for out in (rows, cols):
        assert isinstance(out, np.ndarray) and out.ndim == 1 and out.flags.writeable


# ------------------------------------------------------------------------------------ batches


@pytest.mark.parametrize("shape", [(5, 4, 4), (3, 3, 7), (3, 7, 3), (1, 1, 1), (4, 1, 5)])
@pytest.mark.parametrize("maximize", [False, True])
def test_batch_equals_single_calls(backend, shape, maximize):
    rng = np.random.default_rng(sum(shape))
    B, n, m = shape
    k = min(n, m)
    for c in (rng.random(shape), rng.integers(0, 3, shape).astype(np.float64)):
        res = tradeoff.assignment(c, maximize=maximize)
        assert isinstance(res, tradeoff.AssignmentResult)
        assert res.col_of_row.shape == (B, n) and res.row_of_col.shape == (B, m)
        assert res.u.shape == (B, n) and res.v.shape == (B, m)
        assert isinstance(res.cost, np.ndarray) and res.cost.shape == (B,)
        assert res.col_of_row.dtype == res.row_of_col.dtype == np.int64
        assert res.u.dtype == res.v.dtype == res.cost.dtype == np.float64
        rows, cols = tradeoff.linear_assignment(c, maximize=maximize)
        assert rows.shape == cols.shape == (B, k)
        assert rows.dtype == cols.dtype == np.int64
        for b in range(B):
            one = tradeoff.assignment(c[b], maximize=maximize)
            np.testing.assert_array_equal(res.col_of_row[b], one.col_of_row)
            np.testing.assert_array_equal(res.row_of_col[b], one.row_of_col)
            np.testing.assert_array_equal(res.u[b], one.u)
            np.testing.assert_array_equal(res.v[b], one.v)
            assert res.cost[b] == one.cost
            r1, c1 = tradeoff.linear_assignment(c[b], maximize=maximize)
            np.testing.assert_array_equal(rows[b], r1)
            np.testing.assert_array_equal(cols[b], c1)


def test_batch_of_brute_force_problems(backend):
    rng = np.random.default_rng(5)
    c = rng.integers(-4, 5, (12, 5, 6)).astype(np.float64)
    res = tradeoff.assignment(c)
    for b in range(12):
        one = SimpleNamespace(col_of_row=res.col_of_row[b], row_of_col=res.row_of_col[b],
                              u=res.u[b], v=res.v[b], cost=float(res.cost[b]))
        check_optimal(c[b], one)


# ------------------------------------------------------------------------------- ragged sizes


def _cut_out_matches(res, cost, rows, cols, maximize):
    """Instance b of ``res`` equals the single call on cost[b, :rows[b], :cols[b]], with -1 and 0
    outside its block."""
    for b in range(cost.shape[0]):
        r, c = int(rows[b]), int(cols[b])
        one = tradeoff.assignment(cost[b, :r, :c], maximize=maximize)
        np.testing.assert_array_equal(res.col_of_row[b, :r], one.col_of_row)
        np.testing.assert_array_equal(res.row_of_col[b, :c], one.row_of_col)
        np.testing.assert_array_equal(res.u[b, :r], one.u)
        np.testing.assert_array_equal(res.v[b, :c], one.v)
        assert res.cost[b] == one.cost
        assert (res.col_of_row[b, r:] == -1).all() and (res.row_of_col[b, c:] == -1).all()
        assert (res.u[b, r:] == 0).all() and (res.v[b, c:] == 0).all()


@pytest.mark.parametrize("maximize", [False, True])
def test_ragged_square_sizes_equal_the_cut_out_problems(backend, maximize):
    rng = np.random.default_rng(6)
    B, n = 6, 7
    cost = rng.random((B, n, n))
    sizes = np.array([7, 0, 3, 1, 5, 7])
    for b, s in enumerate(sizes):  # garbage outside: NaN and both infinities are never read
        cost[b, s:, :] = np.nan
        cost[b, :, s:] = [np.inf, -np.inf, np.nan][b % 3]
    res = tradeoff.assignment(cost, sizes=sizes, maximize=maximize)
    _cut_out_matches(res, cost, sizes, sizes, maximize)
    # lists work too
    again = tradeoff.assignment(cost, sizes=sizes.tolist(), maximize=maximize)
    np.testing.assert_array_equal(again.col_of_row, res.col_of_row)


@pytest.mark.parametrize("maximize", [False, True])
def test_ragged_pair_sizes_equal_the_cut_out_problems(backend, maximize):
    rng = np.random.default_rng(7)
    B, n, m = 8, 6, 9
    cost = rng.integers(0, 4, (B, n, m)).astype(np.float64)
    sizes = np.array([[6, 9], [2, 9], [6, 2], [0, 4], [3, 0], [0, 0], [5, 5], [1, 1]])
    for b, (r, c) in enumerate(sizes):
        cost[b, r:, :] = np.nan
        cost[b, :, c:] = np.nan
    res = tradeoff.assignment(cost, sizes=sizes, maximize=maximize)
    _cut_out_matches(res, cost, sizes[:, 0], sizes[:, 1], maximize)
    for b, (r, c) in enumerate(sizes):
        if min(r, c) <= 6 and max(r, c) <= 8:
            best, _ = brute_force(cost[b, :r, :c], maximize)
            assert res.cost[b] == best


def test_sizes_equal_to_the_full_shape_change_nothing(backend):
    rng = np.random.default_rng(8)
    cost = rng.random((3, 4, 6))
    plain = tradeoff.assignment(cost)
    sized = tradeoff.assignment(cost, sizes=[[4, 6]] * 3)
    for field in ("col_of_row", "row_of_col", "u", "v", "cost"):
        np.testing.assert_array_equal(getattr(sized, field), getattr(plain, field))
    # whole-number floats are accepted as sizes
    sized = tradeoff.assignment(cost, sizes=np.array([[4.0, 6.0]] * 3))
    np.testing.assert_array_equal(sized.col_of_row, plain.col_of_row)


# -------------------------------------------------------------------------------- invariants


@pytest.mark.parametrize("shape", [(8, 8), (5, 9), (9, 5)])
def test_permuting_rows_and_columns_permutes_the_answer(backend, shape):
    rng = np.random.default_rng(9)
    n, m = shape
    for trial in range(5):
        p, q = rng.permutation(n), rng.permutation(m)
        c = rng.random(shape)  # a unique optimum: the matching follows the permutation
        base = tradeoff.assignment(c)
        perm = tradeoff.assignment(c[p][:, q])
        qinv = np.argsort(q)
        expect = np.where(base.col_of_row[p] >= 0, qinv[np.maximum(base.col_of_row[p], 0)], -1)
        np.testing.assert_array_equal(perm.col_of_row, expect)
        assert perm.cost == pytest.approx(base.cost, rel=1e-14)
        # ties: the optimum total is unchanged (exact on integers), the matching may differ
        c = rng.integers(0, 3, shape).astype(np.float64)
        base = tradeoff.assignment(c)
        perm = tradeoff.assignment(c[p][:, q])
        assert perm.cost == base.cost
        check_solution(c[p][:, q], perm)


@pytest.mark.parametrize("shape", [(7, 7), (4, 9), (9, 4)])
def test_transposing_swaps_the_two_directions(backend, shape):
    rng = np.random.default_rng(10)
    c = rng.random(shape)
    a = tradeoff.assignment(c)
    t = tradeoff.assignment(c.T)
    np.testing.assert_array_equal(t.col_of_row, a.row_of_col)
    np.testing.assert_array_equal(t.row_of_col, a.col_of_row)
    assert t.cost == pytest.approx(a.cost, rel=1e-14)
    check_solution(c.T, t, tol=float_tol(c))


@pytest.mark.parametrize("shape", [(6, 6), (4, 9), (9, 4)])
def test_maximize_equals_minimizing_the_negated_costs(backend, shape):
    # the spec negates the costs, solves, and negates total and potentials back: exact
    rng = np.random.default_rng(11)
    for c in (rng.normal(size=shape), rng.integers(-1, 2, shape).astype(np.float64)):
        c[rng.random(shape) < 0.15] = -np.inf  # forbidden when maximizing
        try:
            hi = tradeoff.assignment(c, maximize=True)
        except tradeoff.InfeasibleError:
            with pytest.raises(tradeoff.InfeasibleError):
                tradeoff.assignment(-c)
            continue
        lo = tradeoff.assignment(-c)
        np.testing.assert_array_equal(hi.col_of_row, lo.col_of_row)
        np.testing.assert_array_equal(hi.row_of_col, lo.row_of_col)
        np.testing.assert_array_equal(hi.u, -lo.u)
        np.testing.assert_array_equal(hi.v, -lo.v)
        assert hi.cost == -lo.cost
        rh, ch = tradeoff.linear_assignment(c, maximize=True)
        rl, cl = tradeoff.linear_assignment(-c)
        np.testing.assert_array_equal(rh, rl)
        np.testing.assert_array_equal(ch, cl)


@pytest.mark.parametrize("k", [-3, 5, 40])
def test_scaling_by_a_power_of_two_is_exact(backend, k):
    # multiplying by 2^k commutes with every rounding (no overflow or underflow here): the same
    # decisions, potentials and total scaled exactly
    rng = np.random.default_rng(12)
    c = rng.random((10, 13))
    base = tradeoff.assignment(c)
    scaled = tradeoff.assignment(c * 2.0**k)
    np.testing.assert_array_equal(scaled.col_of_row, base.col_of_row)
    np.testing.assert_array_equal(scaled.u, base.u * 2.0**k)
    np.testing.assert_array_equal(scaled.v, base.v * 2.0**k)
    assert scaled.cost == base.cost * 2.0**k


def test_many_ties(backend):
    # integer costs in [0, 3): huge numbers of optimal matchings; the answer is still optimal
    # with an exact certificate, deterministic, and optimal against scipy's total
    lsa = pytest.importorskip("scipy.optimize").linear_sum_assignment
    rng = np.random.default_rng(13)
    for shape in [(10, 10), (30, 30), (12, 30), (30, 12), (60, 60)]:
        c = rng.integers(0, 3, shape).astype(np.float64)
        for maximize in (False, True):
            res = tradeoff.assignment(c, maximize=maximize)
            check_solution(c, res, maximize, tol=0.0)
            srows, scols = lsa(c, maximize=maximize)
            assert res.cost == c[srows, scols].sum()
            again = tradeoff.assignment(c.copy(), maximize=maximize)
            np.testing.assert_array_equal(again.col_of_row, res.col_of_row)
    # a constant matrix: every complete matching is optimal
    res = tradeoff.assignment(np.full((9, 9), 2.0))
    assert res.cost == 18.0 and sorted(res.col_of_row.tolist()) == list(range(9))
    check_solution(np.full((9, 9), 2.0), res)


def test_native_and_fallback_break_ties_identically():
    if not HAVE_NATIVE:
        pytest.skip(NATIVE_MISSING)
    rng = np.random.default_rng(14)
    for shape in [(12, 12), (30, 30), (8, 25), (25, 8), (5, 40, 40), (7, 6, 20)]:
        c = rng.integers(0, 3, shape).astype(np.float64)
        for maximize in (False, True):
            with tradeoff.using_backend("native"):
                nat = tradeoff.assignment(c, maximize=maximize)
            with tradeoff.using_backend("fallback"):
                ref = tradeoff.assignment(c, maximize=maximize)
            for field in ("col_of_row", "row_of_col", "u", "v", "cost"):
                np.testing.assert_array_equal(getattr(nat, field), getattr(ref, field))


@pytest.mark.parametrize("maximize", [False, True])
def test_forbidden_pairs_are_never_chosen(backend, maximize):
    rng = np.random.default_rng(15)
    bad = -np.inf if maximize else np.inf
    for shape in [(20, 20), (15, 30), (30, 15)]:
        n, m = shape
        c = rng.random(shape)
        forbid = rng.random(shape) < 0.6
        k = min(n, m)
        forbid[np.arange(k), np.arange(k)] = False  # the diagonal keeps it feasible
        # tempting forbidden pairs: the best values sit exactly where nothing is allowed
        c[forbid] = bad
        res = tradeoff.assignment(c, maximize=maximize)
        matched = np.flatnonzero(res.col_of_row >= 0)
        assert not forbid[matched, res.col_of_row[matched]].any()
        check_solution(c, res, maximize, tol=float_tol(c))
        rows, cols = tradeoff.linear_assignment(c, maximize=maximize)
        assert not forbid[rows, cols].any()


def test_large_integer_values_stay_exact(backend):
    # |values| < 2^52 / n keeps every sum exact: the total is the exact optimum
    lsa = pytest.importorskip("scipy.optimize").linear_sum_assignment
    rng = np.random.default_rng(16)
    c = rng.integers(-(2**45), 2**45, (20, 20)).astype(np.float64)
    res = tradeoff.assignment(c)
    check_solution(c, res, tol=0.0)
    srows, scols = lsa(c)
    expected = sum(int(v) for v in c[srows, scols])  # Python integers: exact
    assert int(res.cost) == expected and res.cost == float(expected)
    # tiny differences on a huge offset
    c = 2.0**40 + rng.integers(0, 3, (15, 15)).astype(np.float64)
    res = tradeoff.assignment(c)
    check_solution(c, res, tol=0.0)
    srows, scols = lsa(c)
    assert res.cost == sum(int(v) for v in c[srows, scols])


# -------------------------------------------------------------------------------- empty inputs


@pytest.mark.parametrize("shape", [(0, 0), (0, 4), (3, 0)])
def test_empty_single_problems(backend, shape):
    n, m = shape
    for maximize in (False, True):
        res = tradeoff.assignment(np.zeros(shape), maximize=maximize)
        assert res.col_of_row.tolist() == [-1] * n and res.row_of_col.tolist() == [-1] * m
        assert res.u.tolist() == [0.0] * n and res.v.tolist() == [0.0] * m
        assert res.col_of_row.dtype == np.int64 and res.u.dtype == np.float64
        assert isinstance(res.cost, float) and res.cost == 0.0
        rows, cols = tradeoff.linear_assignment(np.zeros(shape), maximize=maximize)
        assert rows.shape == cols.shape == (0,)
        assert rows.dtype == cols.dtype == np.int64


@pytest.mark.parametrize("shape", [(0, 3, 4), (2, 0, 5), (2, 5, 0), (0, 0, 0), (3, 0, 0)])
def test_empty_batches(backend, shape):
    B, n, m = shape
    res = tradeoff.assignment(np.zeros(shape))
    assert res.col_of_row.shape == (B, n) and res.row_of_col.shape == (B, m)
    assert res.u.shape == (B, n) and res.v.shape == (B, m) and res.cost.shape == (B,)
    assert (res.col_of_row == -1).all() and (res.row_of_col == -1).all()
    assert (res.u == 0).all() and (res.v == 0).all() and (res.cost == 0).all()
    assert res.cost.dtype == np.float64 and res.col_of_row.dtype == np.int64
    rows, cols = tradeoff.linear_assignment(np.zeros(shape))
    assert rows.shape == cols.shape == (B, min(n, m))
    assert rows.dtype == cols.dtype == np.int64
    if B == 0:
        res = tradeoff.assignment(np.zeros(shape), sizes=np.zeros(0, dtype=int))
        assert res.cost.shape == (0,)
        res = tradeoff.assignment(np.zeros(shape), sizes=np.zeros((0, 2), dtype=int))
        assert res.col_of_row.shape == (0, n)


def test_a_scipy_style_empty_call_matches_scipy(backend):
    lsa = pytest.importorskip("scipy.optimize").linear_sum_assignment
    for shape in [(0, 0), (0, 3), (3, 0)]:
        rows, cols = tradeoff.linear_assignment(np.zeros(shape))
        srows, scols = lsa(np.zeros(shape))
        assert rows.tolist() == srows.tolist() and cols.tolist() == scols.tolist()


# ---------------------------------------------------------------------------- dtypes, memory


def test_integer_and_bool_costs_become_float64(backend):
    ints = np.array([[4, 1, 3], [2, 0, 5], [3, 2, 2]])
    for dtype in (np.int8, np.int32, np.int64, np.uint16, np.uint64):
        res = tradeoff.assignment(ints.astype(dtype))
        assert res.col_of_row.tolist() == [1, 0, 2] and res.cost == 5.0
        assert res.u.dtype == np.float64
        ref = tradeoff.assignment(ints.astype(np.float64))
        np.testing.assert_array_equal(res.u, ref.u)
        np.testing.assert_array_equal(res.v, ref.v)
    # bools: True costs 1; the unique zero-cost matching is the anti-diagonal
    b = ~np.eye(4, dtype=bool)[::-1]
    res = tradeoff.assignment(b)
    assert res.col_of_row.tolist() == [3, 2, 1, 0] and res.cost == 0.0
    res = tradeoff.assignment(b, maximize=True)
    assert res.cost == 4.0


@pytest.mark.parametrize("maximize", [False, True])
def test_float32_is_exact_on_integer_values(backend, maximize):
    # float32 entries convert to double exactly: identical to the float64 call, bit for bit
    rng = np.random.default_rng(17)
    for shape in [(12, 12), (7, 15), (15, 7), (4, 6, 6)]:
        c32 = rng.integers(-(2**23), 2**23, shape).astype(np.float32)
        c32[rng.random(shape) < 0.1] = -np.inf if maximize else np.inf
        ref = tradeoff.assignment(c32.astype(np.float64), maximize=maximize)
        res = tradeoff.assignment(c32, maximize=maximize)
        assert res.u.dtype == res.v.dtype == np.float64
        for field in ("col_of_row", "row_of_col", "u", "v", "cost"):
            np.testing.assert_array_equal(getattr(res, field), getattr(ref, field))
        if len(shape) == 2:
            check_solution(c32, res, maximize, tol=0.0)
    # general float32 values too (their float64 images are the same numbers)
    c32 = rng.random((9, 11)).astype(np.float32)
    res = tradeoff.assignment(c32, maximize=maximize)
    ref = tradeoff.assignment(c32.astype(np.float64), maximize=maximize)
    np.testing.assert_array_equal(res.col_of_row, ref.col_of_row)
    np.testing.assert_array_equal(res.u, ref.u)
    assert res.cost == ref.cost
    # float16 is widened exactly as well
    c16 = rng.integers(0, 100, (6, 6)).astype(np.float16)
    res = tradeoff.assignment(c16, maximize=maximize)
    check_optimal(c16.astype(np.float64), res, maximize)


def test_non_contiguous_and_read_only_inputs_work_and_are_not_modified(backend):
    rng = np.random.default_rng(18)
    big = rng.random((24, 33))
    big.setflags(write=False)
    saved = big.copy()
    views = [
        big[::2, 1::3],  # strided (12, 11)
        big[:10, :20].T,  # transposed (20, 10)
        big[::-3, ::-2],  # negative strides
        np.asfortranarray(big[:9, :9]),
        big[:5],  # a read-only C-contiguous slice
    ]
    for view in views:
        res = tradeoff.assignment(view)
        ref = tradeoff.assignment(np.ascontiguousarray(view))
        for field in ("col_of_row", "row_of_col", "u", "v", "cost"):
            np.testing.assert_array_equal(getattr(res, field), getattr(ref, field))
        rows, cols = tradeoff.linear_assignment(view)
        rr, rc = tradeoff.linear_assignment(np.ascontiguousarray(view))
        np.testing.assert_array_equal(rows, rr)
        np.testing.assert_array_equal(cols, rc)
    # a strided batch with ragged sizes
    batch = np.stack([big, big[::-1]])[:, ::2, ::3]
    res = tradeoff.assignment(batch, sizes=[[12, 11], [5, 7]])
    ref = tradeoff.assignment(np.ascontiguousarray(batch), sizes=[[12, 11], [5, 7]])
    np.testing.assert_array_equal(res.col_of_row, ref.col_of_row)
    np.testing.assert_array_equal(res.v, ref.v)
    np.testing.assert_array_equal(big, saved)


def test_results_never_alias_the_input(backend):
    rng = np.random.default_rng(19)
    for c in (rng.random((6, 6)), rng.random((3, 5, 8)), np.zeros((0, 3)), np.zeros((2, 0, 2))):
        before = c.copy()
        sizes = None if c.ndim == 2 or c.shape[1] == 0 else np.array([5, 3, 0])
        res = tradeoff.assignment(c, sizes=sizes)
        outs = [res.col_of_row, res.row_of_col, res.u, res.v]
        if c.ndim == 3:
            outs.append(res.cost)
        outs += list(tradeoff.linear_assignment(c))
        for out in outs:
            assert not np.shares_memory(out, c)
            if sizes is not None:
                assert not np.shares_memory(out, sizes)
        # the outputs are independent, writable arrays: changing them changes nothing else
        for out in outs:
            out[...] = 7
        np.testing.assert_array_equal(c, before)
        again = tradeoff.assignment(c, sizes=sizes)
        assert not np.shares_memory(again.u, res.u)
        assert not np.shares_memory(again.col_of_row, res.col_of_row)


def test_maximize_accepts_numpy_bools_and_zero_one(backend):
    c = EXAMPLE
    for flag, expected in ((np.bool_(True), 11.0), (1, 11.0), (0, 5.0), (np.False_, 5.0)):
        assert tradeoff.assignment(c, maximize=flag).cost == expected


def test_result_repr_names_the_shape_and_cost(backend):
    text = repr(tradeoff.assignment(EXAMPLE))
    assert text.startswith("AssignmentResult(") and "(3, 3)" in text and "5.0" in text
    text = repr(tradeoff.assignment(np.stack([EXAMPLE] * 2)[:, :2, :]))
    assert text.startswith("AssignmentResult(") and "2" in text and "(2, 3)" in text


def test_two_hundred_by_two_hundred(backend):
    # larger fixed cases: exact certificate on integer data, scipy's totals
    lsa = pytest.importorskip("scipy.optimize").linear_sum_assignment
    rng = np.random.default_rng(20)
    for c in (rng.integers(0, 1000, (200, 200)).astype(np.float64),
              rng.integers(0, 5, (150, 200)).astype(np.float64),
              rng.integers(0, 100, (200, 120)).astype(np.float64)):
        res = tradeoff.assignment(c)
        check_solution(c, res, tol=0.0)
        srows, scols = lsa(c)
        assert res.cost == c[srows, scols].sum()


@pytest.mark.slow
@pytest.mark.parametrize("shape", [(1000, 1000), (500, 2000), (2000, 500)])
def test_large_problems_against_scipy(backend, shape):
    # the benchmark workloads' shapes: uniform floats (unique optimum: scipy's exact output)
    # and integers with ties (the exact optimum and an exact certificate)
    if backend == "fallback":
        from tradeoff._fallback import _jit

        if _jit.NUMBA_VERSION is None:
            pytest.skip("the plain-Python fallback (TRADEOFF_NUMBA=0) is too slow for n=1000")
    lsa = pytest.importorskip("scipy.optimize").linear_sum_assignment
    rng = np.random.default_rng(21)
    c = rng.random(shape)
    rows, cols = tradeoff.linear_assignment(c)
    srows, scols = lsa(c)
    assert rows.tolist() == srows.tolist() and cols.tolist() == scols.tolist()
    res = tradeoff.assignment(c)
    check_solution(c, res, tol=float_tol(c))
    c = rng.integers(0, 100, shape).astype(np.float64)
    res = tradeoff.assignment(c)
    check_solution(c, res, tol=0.0)
    srows, scols = lsa(c)
    assert res.cost == c[srows, scols].sum()
