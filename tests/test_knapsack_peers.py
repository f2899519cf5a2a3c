"""Peers as oracles, with the backend the library picks (or the one TRADEOFF_BACKEND forces):
OR-Tools' ``KnapsackSolver`` (dynamic programming and branch and bound, exact) for the 0/1 and
bounded knapsack, OR-Tools' CP-SAT for the multiple-choice problem, and scipy's HiGHS ``milp``
with ``mip_rel_gap=0`` for both. Each is skipped when not installed (``pytest.importorskip``).

All data are integers (the peers' own input type), so optimal totals are compared exactly; the
chosen sets may differ on ties, so each is checked for feasibility and for reaching the
optimum with exact integer sums.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_knapsack import HAVE_NATIVE, NATIVE_MISSING, pisinger
from test_mckp import pisinger_mckp

import tradeoff
from tradeoff import _backend

if _backend.choose(on_gpu=False) == "native" and not HAVE_NATIVE:
    pytest.skip(NATIVE_MISSING, allow_module_level=True)

FALLBACK = _backend.forced_backend() == "fallback"
N = 60 if FALLBACK else 200  # the fallback's plain state list grows with n * C
CLASSES = ["uncorrelated", "weakly", "strongly", "inverse", "subset-sum"]


def _ortools_knapsack(values, weights, capacity, solver="KNAPSACK_DYNAMIC_PROGRAMMING_SOLVER"):
    ks = pytest.importorskip("ortools.algorithms.python.knapsack_solver")
    s = ks.KnapsackSolver(getattr(ks.SolverType, solver), "oracle")
    s.init([int(v) for v in values], [[int(w) for w in weights]], [int(capacity)])
    best = int(s.solve())
    x = np.array([s.best_solution_contains(i) for i in range(len(values))], dtype=bool)
    return best, x


def _check(values, weights, capacity, res, best, counts=None):
    """res is feasible and reaches ``best``, with exact integer sums."""
    x = res.x.astype(np.int64)
    cnt = np.ones(len(values), dtype=np.int64) if counts is None else np.asarray(counts)
    assert (x >= 0).all() and (x <= cnt).all()
    w = sum(int(a) * int(t) for a, t in zip(weights, x))
    v = sum(int(a) * int(t) for a, t in zip(values, x))
    assert w <= capacity, "infeasible"
    assert v == best, f"value {v}, the peer's optimum {best}"
    assert res.value == best and res.weight == w and bool(res.optimal) is True


@pytest.mark.parametrize("kind", CLASSES)
def test_against_ortools_dynamic_programming(kind):
    rng = np.random.default_rng(CLASSES.index(kind))
    for R, frac in ((1000, 0.5), (1000, 0.1), (100, 0.9)):
        v, w, C = pisinger(kind, N, R, rng, frac)
        best, ox = _ortools_knapsack(v, w, C)
        assert int(w[ox].sum()) <= C and int(v[ox].sum()) == best  # the peer checks itself
        _check(v, w, C, tradeoff.knapsack(v, w, C), best)


@pytest.mark.parametrize("solver", ["KNAPSACK_MULTIDIMENSION_BRANCH_AND_BOUND_SOLVER",
                                    "KNAPSACK_DIVIDE_AND_CONQUER_SOLVER"])
def test_against_ortools_other_exact_solvers(solver):
    rng = np.random.default_rng(7)
    for kind in ("uncorrelated", "weakly", "inverse"):
        v, w, C = pisinger(kind, 40, 1000, rng)
        best, _ = _ortools_knapsack(v, w, C, solver)
        _check(v, w, C, tradeoff.knapsack(v, w, C), best)


def test_bounded_against_ortools_on_expanded_items():
    # every copy of an item as its own 0/1 item (counts <= 5)
    rng = np.random.default_rng(8)
    for kind in ("uncorrelated", "strongly", "subset-sum"):
        v, w, _ = pisinger(kind, 30, 500, rng)
        counts = rng.integers(0, 6, 30)
        C = int((w * counts).sum() // 3)
        ev, ew = np.repeat(v, counts), np.repeat(w, counts)
        best, _ = _ortools_knapsack(ev, ew, C)
        _check(v, w, C, tradeoff.knapsack(v, w, C, counts=counts), best, counts)


def test_batch_against_ortools():
    rng = np.random.default_rng(9)
    B, n = 40, 30
    parts = [pisinger(CLASSES[b % len(CLASSES)], n, 1000, rng) for b in range(B)]
    v = np.stack([p[0] for p in parts])
    w = np.stack([p[1] for p in parts])
    C = np.array([p[2] for p in parts])
    res = tradeoff.knapsack(v, w, C)
    for b in range(B):
        best, _ = _ortools_knapsack(v[b], w[b], C[b])
        x = res.x[b]
        assert int(w[b][x].sum()) <= C[b] and int(v[b][x].sum()) == best == res.value[b]


def _cpsat_mckp(values, weights, budget):
    cp_model = pytest.importorskip("ortools.sat.python.cp_model")
    g, k = values.shape
    m = cp_model.CpModel()
    x = [[m.new_bool_var(f"x{i}_{o}") for o in range(k)] for i in range(g)]
    for i in range(g):
        m.add_exactly_one(x[i])
    m.add(sum(int(weights[i, o]) * x[i][o] for i in range(g) for o in range(k)) <= int(budget))
    m.maximize(sum(int(values[i, o]) * x[i][o] for i in range(g) for o in range(k)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 60.0
    solver.parameters.num_workers = 2
    status = solver.solve(m)
    if status == cp_model.INFEASIBLE:
        return None
    assert status == cp_model.OPTIMAL, solver.status_name(status)
    return round(solver.objective_value)


def _check_mckp(values, weights, budget, res, best):
    g = values.shape[0]
    ch = res.choice
    w = sum(int(weights[i, ch[i]]) for i in range(g))
    v = sum(int(values[i, ch[i]]) for i in range(g))
    assert w <= budget and v == best == res.value and res.weight == w
    assert bool(res.optimal) is True


@pytest.mark.parametrize("kind", ["uncorrelated", "weakly", "strongly", "subset-sum"])
def test_mckp_against_cpsat(kind):
    rng = np.random.default_rng(11)
    g = 10 if FALLBACK else 30
    for _ in range(2):
        v, w, budget = pisinger_mckp(kind, g, 6, 1000, rng)
        best = _cpsat_mckp(v, w, budget)
        _check_mckp(v, w, budget, tradeoff.mckp(v, w, budget), best)


def test_mckp_routing_like_against_cpsat():
    # cost and quality rise together, with negative qualities (penalties) for some models
    rng = np.random.default_rng(12)
    g, k = (10, 5) if FALLBACK else (40, 6)
    cost = np.sort(rng.integers(1, 100, (g, k)), axis=1)
    quality = np.sort(rng.integers(-50, 200, (g, k)), axis=1)
    for frac in (0.2, 0.5, 0.8):
        budget = int(cost[:, 0].sum() + frac * (cost[:, -1].sum() - cost[:, 0].sum()))
        best = _cpsat_mckp(quality, cost, budget)
        _check_mckp(quality, cost, budget, tradeoff.mckp(quality, cost, budget), best)
    # infeasible for both
    budget = int(cost[:, 0].sum()) - 1
    assert _cpsat_mckp(quality, cost, budget) is None
    with pytest.raises(tradeoff.InfeasibleError):
        tradeoff.mckp(quality, cost, budget)


def _milp():
    return pytest.importorskip("scipy.optimize").milp


def test_knapsack_against_scipy_milp():
    milp = _milp()
    from scipy.optimize import Bounds, LinearConstraint

    rng = np.random.default_rng(13)
    for kind in ("uncorrelated", "weakly", "inverse", "subset-sum"):
        v, w, C = pisinger(kind, 30, 1000, rng)
        counts = rng.integers(0, 4, 30)
        for cnt in (None, counts):
            ub = np.ones(30) if cnt is None else cnt.astype(float)
            r = milp(-v.astype(float), integrality=np.ones(30),
                     bounds=Bounds(np.zeros(30), ub),
                     constraints=LinearConstraint(w[None].astype(float), -np.inf, C),
                     options={"mip_rel_gap": 0})
            assert r.status == 0
            x = np.round(r.x).astype(np.int64)
            best = int((v * x).sum())
            assert int((w * x).sum()) <= C
            _check(v, w, C, tradeoff.knapsack(v, w, C, counts=cnt), best, cnt)


def test_mckp_against_scipy_milp():
    milp = _milp()
    from scipy.optimize import Bounds, LinearConstraint

    rng = np.random.default_rng(14)
    g, k = 12, 5
    for kind in ("uncorrelated", "strongly"):
        v, w, budget = pisinger_mckp(kind, g, k, 500, rng)
        one = np.kron(np.eye(g), np.ones(k))  # exactly one option per group
        r = milp(-v.ravel().astype(float), integrality=np.ones(g * k),
                 bounds=Bounds(0, 1),
                 constraints=[LinearConstraint(one, 1, 1),
                              LinearConstraint(w.ravel()[None].astype(float), -np.inf, budget)],
                 options={"mip_rel_gap": 0})
        assert r.status == 0
        x = np.round(r.x).astype(np.int64).reshape(g, k)
        best = int((v * x).sum())
        _check_mckp(v, w, budget, tradeoff.mckp(v, w, budget), best)
