"""Peers as oracles on larger random problems: scipy.optimize.linear_sum_assignment (in the test
extra) and lap.lapjv (the ``lap`` package, or ``lapx`` which installs the same module; skipped
when missing), with the backend the library picks (or the one TRADEOFF_BACKEND forces).

Problems go up to n = 100 (n = 40 when the fallback is forced: the plain-Python fallback of
the TRADEOFF_NUMBA=0 pass is slow). On continuous random data the optimum is unique, so the
matchings are identical; on integer data (many ties) the optimal totals are equal, exactly.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_assignment import HAVE_NATIVE, NATIVE_MISSING, check_solution, float_tol

import tradeoff
from tradeoff import _backend

if _backend.choose(on_gpu=False) == "native" and not HAVE_NATIVE:
    pytest.skip(NATIVE_MISSING, allow_module_level=True)

N = 40 if _backend.forced_backend() == "fallback" else 100
SHAPES = [(N, N), (N // 2, N), (N, N // 2), (1, N), (N, 1), (N // 4, N // 4)]


def _cases(seed):
    rng = np.random.default_rng(seed)
    for n, m in SHAPES:
        yield "uniform", rng.random((n, m))
        yield "normal", rng.normal(0.0, 1e4, (n, m))
        yield "ties", rng.integers(0, 3, (n, m)).astype(np.float64)
        yield "grid", rng.integers(-500, 500, (n, m)).astype(np.float64)


@pytest.mark.parametrize("maximize", [False, True])
def test_against_scipy(maximize):
    lsa = pytest.importorskip("scipy.optimize").linear_sum_assignment
    for kind, c in _cases(1):
        rows, cols = tradeoff.linear_assignment(c, maximize=maximize)
        srows, scols = lsa(c, maximize=maximize)
        res = tradeoff.assignment(c, maximize=maximize)
        if kind in ("uniform", "normal"):
            assert rows.tolist() == srows.tolist() and cols.tolist() == scols.tolist()
            check_solution(c, res, maximize, tol=float_tol(c))
            assert res.cost == pytest.approx(c[srows, scols].sum(), rel=1e-12)
        else:
            if c.shape[0] <= c.shape[1]:
                assert rows.tolist() == srows.tolist()
            assert c[rows, cols].sum() == c[srows, scols].sum()
            check_solution(c, res, maximize, tol=0.0)
            assert res.cost == c[srows, scols].sum()


@pytest.mark.parametrize("maximize", [False, True])
def test_against_scipy_with_forbidden_pairs(maximize):
    lsa = pytest.importorskip("scipy.optimize").linear_sum_assignment
    rng = np.random.default_rng(2)
    bad = -np.inf if maximize else np.inf
    seen = {"feasible": 0, "infeasible": 0}
    for n, m in SHAPES:
        for density in (0.5, 0.9, 0.97):
            c = rng.integers(0, 50, (n, m)).astype(np.float64)
            c[rng.random((n, m)) < density] = bad
            try:
                srows, scols = lsa(c, maximize=maximize)
            except ValueError as exc:
                assert "infeasible" in str(exc)
                seen["infeasible"] += 1
                with pytest.raises(tradeoff.InfeasibleError):
                    tradeoff.linear_assignment(c, maximize=maximize)
                continue
            seen["feasible"] += 1
            res = tradeoff.assignment(c, maximize=maximize)
            check_solution(c, res, maximize, tol=0.0)
            assert res.cost == c[srows, scols].sum()
    assert seen["feasible"] >= 5 and seen["infeasible"] >= 3


def test_batches_against_scipy():
    lsa = pytest.importorskip("scipy.optimize").linear_sum_assignment
    rng = np.random.default_rng(3)
    for shape in [(16, N // 2, N // 2), (8, N // 4, N // 2), (8, N // 2, N // 4)]:
        c = rng.random(shape)
        rows, cols = tradeoff.linear_assignment(c)
        for b in range(shape[0]):
            srows, scols = lsa(c[b])
            assert rows[b].tolist() == srows.tolist() and cols[b].tolist() == scols.tolist()
        c = rng.integers(0, 4, shape).astype(np.float64)
        sizes = np.stack([rng.integers(0, shape[1] + 1, shape[0]),
                          rng.integers(0, shape[2] + 1, shape[0])], axis=1)
        res = tradeoff.assignment(c, sizes=sizes)
        for b, (r, k) in enumerate(sizes):
            srows, scols = lsa(c[b, :r, :k])
            assert res.cost[b] == c[b, :r, :k][srows, scols].sum()


def test_against_lap():
    lap = pytest.importorskip("lap")
    for kind, c in _cases(4):
        total, x, y = lap.lapjv(np.ascontiguousarray(c), extend_cost=c.shape[0] != c.shape[1])
        res = tradeoff.assignment(c)
        if kind in ("uniform", "normal"):
            assert res.col_of_row.tolist() == x.tolist()
            assert res.row_of_col.tolist() == y.tolist()
            assert res.cost == pytest.approx(total, rel=1e-12)
        else:
            matched = np.flatnonzero(x >= 0)
            assert res.cost == c[matched, x[matched]].sum()
