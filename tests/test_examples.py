"""The scripts in examples/ run and do what they say."""

from __future__ import annotations

import importlib.util
import math
import pathlib

import numpy as np
import pytest

import tradeoff

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_nsga2_converges_towards_the_zdt1_front():
    nsga2 = load("nsga2_survival")
    start = nsga2.run(generations=0, pop_size=60)
    final = nsga2.run(generations=60, pop_size=60)
    gap = lambda f: float(np.mean(f[:, 1] - (1 - np.sqrt(f[:, 0]))))  # noqa: E731
    assert gap(final) < 0.5 * gap(start)
    assert final.shape == (60, 2)


def test_nsga2_survivors_are_whole_fronts_plus_the_least_crowded_cut():
    nsga2 = load("nsga2_survival")
    pts = np.random.default_rng(4).random((40, 2))
    keep = nsga2.survive(pts, 15)
    ranks = tradeoff.pareto_rank(pts)
    worst_kept = ranks[keep].max()
    assert (ranks[np.setdiff1d(np.arange(40), keep)] >= worst_kept).all()
    assert len(set(keep.tolist())) == 15


def test_route_models_front(capsys):
    keep = load("route_models_front").main()
    out = capsys.readouterr().out
    assert "route among:" in out and "ember-tiny" in keep and "cobalt-70b" not in keep


def test_hv_subset_selection_beats_random_subsets_and_is_consistent():
    sel = load("hv_subset_selection")
    rng = np.random.default_rng(9)
    x = np.abs(rng.normal(size=(60, 3))) + 1e-3
    front = x / np.linalg.norm(x, axis=1, keepdims=True)
    ref = np.full(3, 1.1)
    forward = sel.greedy_forward(front, 8, ref)
    backward = sel.backward_elimination(front, 8, ref)
    assert len(set(forward.tolist())) == 8 and len(set(backward.tolist())) == 8
    best_random = max(
        tradeoff.hypervolume(front[rng.choice(60, 8, replace=False)], ref) for _ in range(200)
    )
    assert tradeoff.hypervolume(front[forward], ref) > best_random
    assert tradeoff.hypervolume(front[backward], ref) > best_random
    # the first greedy pick is the point with the largest box
    assert forward[0] == int(np.argmax(np.prod(ref - front, axis=1)))


def test_transport_matching_rounds_to_the_exact_assignment_and_ignores_spurious_points(capsys):
    tm = load("transport_matching")
    x, y, truth = tm.make_scene(60, 0, seed=3)
    res = tm.soft_match(x, y)
    assert res.converged
    pairs = tm.round_plan(res.plan)
    # a one-to-one matching of every point, nearly all of them the true pairs
    assert len(pairs) == 60
    assert len(set(pairs[:, 0].tolist())) == 60 and len(set(pairs[:, 1].tolist())) == 60
    right = int(np.sum(truth[pairs[:, 0]] == pairs[:, 1]))
    assert right >= 54
    # the rounded plan costs within 1% of the exact assignment (an independent solver) and
    # finds as many true pairs, give or take one
    linear_sum_assignment = pytest.importorskip("scipy.optimize").linear_sum_assignment
    cost = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    r, c = linear_sum_assignment(cost)
    assert tm.matching_cost(x, y, pairs) <= 1.01 * cost[r, c].sum()
    assert right >= int(np.sum(truth[r] == c)) - 1

    # with spurious points balanced transport must give them their full weight (6 of 66
    # columns); unbalanced transport leaves them nearly empty and recovers the true pairs
    x, y, truth = tm.make_scene(60, 6, seed=3)
    bal = tm.soft_match(x, y)
    unb = tm.soft_match(x, y, tau=0.01)
    assert bal.plan[:, 60:].sum() == pytest.approx(6 / 66, abs=1e-3)
    assert unb.plan[:, 60:].sum() < 1e-3 * unb.plan.sum()
    right = {}
    for name, res in (("balanced", bal), ("unbalanced", unb)):
        pairs = tm.round_plan(res.plan)
        right[name] = int(np.sum(truth[pairs[:, 0]] == pairs[:, 1]))
    assert right["unbalanced"] >= 54 and right["balanced"] + 10 < right["unbalanced"]
    assert (tm.round_plan(unb.plan)[:, 1] < 60).all()

    tm.main(40, 4)
    out = capsys.readouterr().out
    assert "4 spurious points, tau = 0.01: 40 of 40 true pairs" in out


def test_track_association_batches_ragged_frames_like_a_scipy_loop():
    ta = load("track_association")
    frames = ta.make_frames(60, seed=4)
    matches = ta.associate(frames)
    for (tracks, dets, truth), m in zip(frames, matches):
        assert m.shape == (len(tracks),)
        used = m[m >= 0]
        assert len(set(used.tolist())) == len(used)  # a detection serves one track at most
        near = np.sqrt(((tracks[m >= 0] - dets[used]) ** 2).sum(axis=1))
        assert np.all(near <= 0.05)  # the gate holds
    right = sum(int(np.sum(m == f[2])) for m, f in zip(matches, frames))
    assert right >= 0.95 * sum(len(f[2]) for f in frames)
    pytest.importorskip("scipy.optimize")
    ref = ta.associate_with_scipy(frames)  # an independent solver, one frame at a time
    assert all(np.array_equal(a, b) for a, b in zip(matches, ref))


def test_budget_routing_curve_is_exact_and_never_below_greedy(capsys):
    ex = load("budget_routing")
    quality, price = ex.problem(120, seed=3)
    budgets = np.array([price.min(axis=1).sum(), 9000, 40000, 120000], dtype=np.int64)
    plans = ex.curve(quality, price, budgets)
    for b, budget in enumerate(budgets):
        chosen = plans.choice[b]
        spent = int(price[np.arange(120), chosen].sum())
        assert spent == plans.weight[b] <= budget
        assert plans.value[b] == math.fsum(quality[np.arange(120), chosen])  # exact, rounded once
        g = ex.greedy(quality, price, budget)
        assert price[np.arange(120), g].sum() <= budget
        assert plans.value[b] >= quality[np.arange(120), g].sum() - 1e-12
        with tradeoff.using_backend("fallback"):  # the oracle
            ref = tradeoff.mckp(quality, price, budget)
        assert ref.value == plans.value[b]
    budgets_run, _ = ex.main(200)
    out = capsys.readouterr().out
    assert "mean quality per budget" in out and len(budgets_run) == 8
