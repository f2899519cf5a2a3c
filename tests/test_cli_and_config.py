"""The tradeoff command, show_config, backend forcing, threads, and the docstring examples."""

from __future__ import annotations

import doctest
import io
import subprocess
import sys

import numpy as np
import pytest

import tradeoff
import tradeoff.hv
import tradeoff.pareto
import tradeoff.budgets
import tradeoff.matching
import tradeoff.transport
from tradeoff import _backend, cli


@pytest.mark.parametrize(
    ("module", "examples"), [
        (tradeoff.pareto, 4), (tradeoff.hv, 8), (tradeoff.transport, 6), (tradeoff.matching, 8),
        (tradeoff.budgets, 5),
    ]
)
def test_docstring_examples_run(module, examples):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= examples
    assert result.failed == 0


def test_demo_prints_the_synthetic_table_and_backend(capsys):
    assert cli.main(["demo", "--n", "2000"]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out
    assert "backend: " + _backend.choose(on_gpu=False) in out
    for name in ("atlas-xl", "ember-tiny", "delta-reason"):
        assert name in out
    assert "non-dominated models" in out
    assert "m=5: pareto_rank" in out
    assert "m=5: hypervolume of " in out


def test_demo_routing_table_is_the_transport_plan(capsys):
    from tradeoff import _demo_data

    names, values = _demo_data.table()
    front = tradeoff.nondominated(values, maximize=_demo_data.MAXIMIZE)
    idx = np.flatnonzero(front)
    cap = _demo_data.capacities(values[idx])
    assert cli.main(["demo", "--n", "0"]) == 0
    out = capsys.readouterr().out
    assert "routing 2000 SYNTHETIC queries" in out
    table = out.split("routing 2000 SYNTHETIC queries", 1)[1]
    table = table.split("the same routing as an exact assignment", 1)[0].splitlines()
    rows = {ln.split()[0]: ln.split() for ln in table if ln.split() and ln.split()[0] in names}
    assert sorted(rows) == sorted(names[i] for i in idx)
    for k, i in enumerate(idx):
        capacity, routed, difficulty = (float(v) for v in rows[names[i]][1:])
        assert capacity == round(100 * cap[k], 1)
        assert abs(routed - capacity) <= 0.051  # balanced: every model gets its capacity
        assert 0.0 < difficulty < 1.0
    # the most accurate model takes the hardest queries on average
    best = max(idx, key=lambda i: values[i, 2])
    worst = min(idx, key=lambda i: values[i, 2])
    assert float(rows[names[best]][3]) > float(rows[names[worst]][3])


def test_demo_assignment_table_matches_scipy(capsys):
    """The exact routing table: slot counts follow the capacities, and each model's mean query
    difficulty is the one of scipy's optimal assignment (an independent solver)."""
    scipy_optimize = pytest.importorskip("scipy.optimize")
    from tradeoff import _demo_data

    names, values = _demo_data.table()
    idx = np.flatnonzero(tradeoff.nondominated(values, maximize=_demo_data.MAXIMIZE))
    cap = _demo_data.capacities(values[idx])
    slots = _demo_data.slots(cap, 200)
    assert len(slots) == 200 and np.all(np.abs(np.bincount(slots) - 200 * cap) < 1)
    queries = _demo_data.query_difficulty(2000, seed=7)[:200]
    cost = _demo_data.routing_cost(queries, values[idx])[:, slots]
    r, c = scipy_optimize.linear_sum_assignment(cost)
    assert cli.main(["demo", "--n", "0"]) == 0
    out = capsys.readouterr().out
    table = out.split("the same routing as an exact assignment", 1)[1]
    table = table.split("under a total price budget", 1)[0].splitlines()
    rows = {ln.split()[0]: ln.split() for ln in table if ln.split() and ln.split()[0] in names}
    assert sorted(rows) == sorted(names[i] for i in idx)
    for k, i in enumerate(idx):
        count, difficulty = int(rows[names[i]][1]), float(rows[names[i]][2])
        assert count == int((slots == k).sum())
        assert difficulty == pytest.approx(queries[r[slots[c] == k]].mean(), abs=6e-4)


def test_demo_budget_routing_matches_an_independent_milp(capsys):
    """The budget routing (multiple-choice knapsack): the demo's mean quality and spend are those
    of scipy's HiGHS MILP optimum on the same data (an independent exact solver; floats, so
    compared to HiGHS's feasibility tolerance), and each printed count is the plan's."""
    optimize = pytest.importorskip("scipy.optimize")
    from tradeoff import _demo_data

    names, values = _demo_data.table()
    idx = np.flatnonzero(tradeoff.nondominated(values, maximize=_demo_data.MAXIMIZE))
    queries = _demo_data.query_difficulty(2000, seed=7)[:200]
    quality, price = _demo_data.routing_budget(queries, values[idx])
    budget = 0.25 * float(price.max(axis=1).sum())
    g, k = quality.shape
    rows = np.kron(np.eye(g), np.ones(k))  # exactly one option per group
    cons = [optimize.LinearConstraint(rows, 1, 1),
            optimize.LinearConstraint(price.ravel()[None, :], -np.inf, budget)]
    ref = optimize.milp(-quality.ravel(), constraints=cons, integrality=np.ones(g * k),
                        bounds=optimize.Bounds(0, 1), options={"mip_rel_gap": 0})
    assert ref.success
    assert cli.main(["demo", "--n", "0"]) == 0
    out = capsys.readouterr().out
    head, table = out.split("under a total price budget", 1)
    line = table.splitlines()[0]
    spent = float(line.split("spent ")[1].split(",")[0])
    mean_quality = float(line.split("mean quality ")[1].split()[0])
    assert spent <= budget + 1e-3
    assert mean_quality == pytest.approx(-ref.fun / g, abs=0.006)
    plan = tradeoff.mckp(quality, price, budget)
    counts = {ln.split()[0]: int(ln.split()[1]) for ln in table.splitlines()[1:]
              if ln.split() and ln.split()[0] in names}
    assert counts == {names[i]: int((plan.choice == kk).sum())
                      for kk, i in enumerate(idx) if (plan.choice == kk).any()}


def test_demo_hypervolume_shares_are_the_library_contributions():
    from tradeoff import _demo_data

    names, values = _demo_data.table()
    volume = tradeoff.hypervolume(values, _demo_data.REF, maximize=_demo_data.MAXIMIZE)
    share = tradeoff.hv_contributions(values, _demo_data.REF, maximize=_demo_data.MAXIMIZE)
    buf = io.StringIO()
    from contextlib import redirect_stdout

    with redirect_stdout(buf):
        cli.main(["demo", "--n", "0"])
    out = buf.getvalue()
    assert f"hypervolume of the table (reference point {_demo_data.REF}): {volume:.6g}" in out
    rows = {}  # the first table: the routing table below repeats some names
    for ln in out.splitlines():
        if ln.split() and ln.split()[0] in names:
            rows.setdefault(ln.split()[0], ln.split())
    for i, name in enumerate(names):
        assert float(rows[name][-1]) == round(100 * share[i] / volume, 2)
    # dominated models cover nothing alone
    assert float(rows["cobalt-70b"][-1]) == 0.0


def test_demo_front_is_what_the_library_says():
    from tradeoff import _demo_data

    names, values = _demo_data.table()
    front = tradeoff.nondominated(values, maximize=_demo_data.MAXIMIZE)
    buf = io.StringIO()
    from contextlib import redirect_stdout

    with redirect_stdout(buf):
        cli.main(["demo", "--n", "0"])
    line = [ln for ln in buf.getvalue().splitlines() if ln.startswith("non-dominated models")][0]
    listed = line.split(": ", 1)[1].split(", ")
    assert listed == [names[i] for i in np.flatnonzero(front)]
    # a hand check on the synthetic table: cobalt-70b (2.80, 1500, 84.0) is dominated by
    # atlas-m (2.50, 800, 84.0); ember-tiny is the cheapest and fastest, so on the front
    assert "cobalt-70b" not in listed and "ember-tiny" in listed


def test_demo_with_fallback_backend(capsys):
    assert cli.main(["demo", "--backend", "fallback", "--n", "300"]) == 0
    assert "backend: fallback" in capsys.readouterr().out


def test_demo_rejects_negative_n(capsys):
    assert cli.main(["demo", "--n", "-1"]) == 2
    assert "--n must be >= 0; got -1" in capsys.readouterr().err


def test_info_prints_config(capsys):
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    for key in ("tradeoff", "numpy", "native", "fallback", "cuda"):
        assert key in out


def test_no_subcommand_prints_help(capsys):
    assert cli.main([]) == 2
    assert "tradeoff demo" in capsys.readouterr().out


def test_console_script_entry_point():
    out = subprocess.run(
        [sys.executable, "-m", "tradeoff.cli", "info"], capture_output=True, text=True, check=True
    ).stdout
    assert "tradeoff" in out


def test_config_reports_backends():
    info = tradeoff.config()
    assert info["tradeoff"] == tradeoff.__version__
    if _backend.core_module() is not None:
        assert info["native"].startswith("loaded")
    else:
        assert info["native"].startswith("not available")


def test_using_backend_forces_and_restores():
    before = _backend.forced_backend()
    with tradeoff.using_backend("fallback"):
        assert _backend.choose(on_gpu=False) == "fallback"
    assert _backend.forced_backend() == before


@pytest.mark.skipif(_backend.core_module() is None, reason="tradeoff._core is not built")
def test_threads_setting_round_trips():
    core = _backend.core_module()
    old = core.num_threads()
    try:
        tradeoff.set_num_threads(1)
        assert core.num_threads() == 1
        pts = np.random.default_rng(0).random((64, 50, 3))
        one = tradeoff.pareto_rank(pts)
        tradeoff.set_num_threads(3)
        assert (tradeoff.pareto_rank(pts) == one).all()
    finally:
        tradeoff.set_num_threads(old)


def test_forcing_native_without_core_explains(monkeypatch):
    monkeypatch.setitem(_backend._cache, "_core", ImportError("simulated missing module"))
    with tradeoff.using_backend("native"):
        with pytest.raises(ImportError, match=r"native backend was requested .*not built: simulated"):
            tradeoff.pareto_rank(np.zeros((2, 2)))
    # the automatic choice falls back quietly
    monkeypatch.delenv("TRADEOFF_BACKEND", raising=False)
    assert _backend.choose(on_gpu=False) == "fallback"
    assert tradeoff.pareto_rank([[0, 1], [1, 0], [1, 1]]).tolist() == [0, 0, 1]


def test_forcing_cuda_without_cuda_module_explains(monkeypatch):
    monkeypatch.setitem(_backend._cache, "_cuda", ImportError("simulated"))
    with tradeoff.using_backend("cuda"):
        with pytest.raises(ImportError, match=r"cuda backend was requested but tradeoff._cuda is not built"):
            tradeoff.pareto_rank(np.zeros((2, 2)))


def test_plain_python_fallback_runs_in_a_subprocess():
    """TRADEOFF_NUMBA=0 keeps the fallback in plain Python; it must give the same answers."""
    code = (
        "import numpy as np, tradeoff\n"
        "from tradeoff._fallback import _jit\n"
        "assert _jit.NUMBA_VERSION is None\n"
        "p = np.random.default_rng(1).integers(0, 4, size=(60, 3)).astype(float)\n"
        "with tradeoff.using_backend('fallback'):\n"
        "    print(tradeoff.pareto_rank(p).tolist())\n"
    )
    import os

    env = dict(os.environ, TRADEOFF_NUMBA="0")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    p = np.random.default_rng(1).integers(0, 4, size=(60, 3)).astype(float)
    assert out.stdout.strip() == str(tradeoff.pareto_rank(p).tolist())


@pytest.mark.slow
@pytest.mark.skipif(_backend.core_module() is None, reason="tradeoff._core is not built")
def test_one_large_problem_same_ranks_with_threads():
    """Large problems split their divide and conquer across threads: same answer."""
    core = _backend.core_module()
    old = core.num_threads()
    rng = np.random.default_rng(2)
    pts = rng.random((30000, 4))
    try:
        tradeoff.set_num_threads(1)
        serial = tradeoff.pareto_rank(pts)
        tradeoff.set_num_threads(2)
        assert (tradeoff.pareto_rank(pts) == serial).all()
    finally:
        tradeoff.set_num_threads(old)


@pytest.mark.slow
def test_demo_default_size_depends_on_the_backend(capsys):
    assert cli.main(["demo", "--backend", "fallback"]) == 0
    assert "(2000 points" in capsys.readouterr().out
