"""Peers as oracles where installed: moocore, pymoo, DEAP (skipped when missing)."""

from __future__ import annotations

import numpy as np
import pytest

import tradeoff


def cases():
    rng = np.random.default_rng(2024)
    out = []
    for m in (2, 3, 4):
        out.append(rng.random((400, m)))
        out.append(rng.integers(0, 4, size=(300, m)).astype(float))
        x = np.abs(rng.normal(size=(300, m)))
        out.append(x / np.linalg.norm(x, axis=1, keepdims=True))
    return out


def test_against_moocore():
    moocore = pytest.importorskip("moocore")
    for pts in cases():
        assert (tradeoff.pareto_rank(pts) == moocore.pareto_rank(pts)).all()
        assert (tradeoff.nondominated(pts) == moocore.is_nondominated(pts, keep_weakly=True)).all()
        assert (tradeoff.pareto_rank(pts, maximize=True) == moocore.pareto_rank(pts, maximise=True)).all()


def test_against_pymoo():
    nds = pytest.importorskip("pymoo.util.nds.non_dominated_sorting")
    for pts in cases():
        fronts = nds.NonDominatedSorting().do(pts)
        ranks = np.empty(len(pts), dtype=np.int32)
        for k, front in enumerate(fronts):
            ranks[front] = k
        assert (tradeoff.pareto_rank(pts) == ranks).all()


def test_crowding_against_deap():
    deap_emo = pytest.importorskip("deap.tools.emo")
    from deap import base, creator

    if not hasattr(creator, "TradeoffFitness"):
        creator.create("TradeoffFitness", base.Fitness, weights=(-1.0, -1.0, -1.0))
        creator.create("TradeoffIndividual", list, fitness=creator.TradeoffFitness)
    rng = np.random.default_rng(8)
    pts = rng.random((60, 3))  # continuous values: no ties, so boundary choice is unambiguous
    ranks = tradeoff.pareto_rank(pts)
    for k in range(int(ranks.max()) + 1):
        idx = np.flatnonzero(ranks == k)
        inds = []
        for i in idx:
            ind = creator.TradeoffIndividual(pts[i].tolist())
            ind.fitness.values = tuple(pts[i])
            inds.append(ind)
        deap_emo.assignCrowdingDist(inds)
        theirs = np.array([ind.fitness.crowding_dist for ind in inds])
        # DEAP (like pymoo) averages the objectives' terms; Deb et al. and tradeoff sum them
        ours = tradeoff.crowding_distance(pts[idx], np.zeros(len(idx), dtype=int))
        np.testing.assert_allclose(ours / 3, theirs, rtol=1e-12)
