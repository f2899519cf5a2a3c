"""Every error message of the Sinkhorn functions, and that bad input never reaches the kernels
(direct calls to the native kernels with inconsistent shapes raise instead of crashing)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tradeoff
from tradeoff import _backend

COST = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0]])


def dense(cost=COST, a=None, b=None, **kw):
    kw.setdefault("eps", 0.1)
    return tradeoff.sinkhorn(a, b, cost, **kw)


def points(x=None, y=None, a=None, b=None, **kw):
    kw.setdefault("eps", 0.1)
    x = np.zeros((2, 2)) if x is None else x
    y = np.ones((3, 2)) if y is None else y
    return tradeoff.sinkhorn_points(x, y, a, b, **kw)


# both solvers share the validation of weights and parameters
SOLVERS = {"sinkhorn": dense, "sinkhorn_points": points}


@pytest.fixture(params=sorted(SOLVERS))
def solve(request):
    return SOLVERS[request.param]


# ------------------------------------------------------------------------------------- cost


def test_cost_nan_names_the_index():
    cost = COST.copy()
    cost[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"cost contains NaN at index \(1, 2\); .*Use \+inf for a forbidden pair"):
        dense(cost)
    with pytest.raises(ValueError, match=r"cost contains NaN at index \(1, 1, 2\)"):
        dense(np.stack([COST, cost]))
    with pytest.raises(ValueError, match=r"cost contains NaN at index \(0, 0\)"):
        dense(np.full((2, 3), np.nan, dtype=np.float32))


def test_cost_minus_inf_names_the_index():
    cost = COST.copy()
    cost[0, 1] = -np.inf
    with pytest.raises(ValueError, match=r"cost contains -inf at index \(0, 1\); a cost of -inf would make the transport cost unbounded"):
        dense(cost)
    with pytest.raises(ValueError, match=r"cost contains -inf at index \(1, 0, 1\)"):
        dense(np.stack([COST, cost]))


def test_cost_shape_and_dtype():
    with pytest.raises(ValueError, match=r"cost must be a 2-D array of shape \(n, m\) or a 3-D batch of shape \(B, n, m\); got shape \(3,\)"):
        dense(np.zeros(3))
    with pytest.raises(ValueError, match=r"got shape \(1, 1, 2, 2\)"):
        dense(np.zeros((1, 1, 2, 2)))
    with pytest.raises(TypeError, match=r"cost must hold real numbers .* got dtype complex128"):
        dense(COST + 1j)
    with pytest.raises(ValueError, match=r"cost must be a rectangular array"):
        dense([[0.0, 1.0], [1.0]])


@pytest.mark.parametrize("shape", [(0, 3), (2, 0), (0, 0, 2), (2, 0, 3)])
def test_empty_cost(shape):
    with pytest.raises(ValueError, match=r"cost is empty \(shape .*\): transport needs at least one point on each side"):
        dense(np.zeros(shape))


def test_infeasible_rows_and_columns():
    cost = COST.copy()
    cost[1] = np.inf
    with pytest.raises(tradeoff.InfeasibleError, match=r"row 1 has no finite cost to any column of positive weight .*no transport plan exists"):
        dense(cost)
    assert issubclass(tradeoff.InfeasibleError, ValueError)
    cost = COST.copy()
    cost[:, 2] = np.inf
    with pytest.raises(tradeoff.InfeasibleError, match=r"column 2 has no finite cost to any row of positive weight"):
        dense(cost)
    # a row whose only finite pairs go to zero-weight columns has nowhere to send its mass
    cost = COST.copy()
    cost[0, :2] = np.inf
    with pytest.raises(tradeoff.InfeasibleError, match=r"row 0 has no finite cost"):
        dense(cost, a=[0.5, 0.5], b=[0.5, 0.5, 0.0])
    with pytest.raises(tradeoff.InfeasibleError, match=r"row 0 has no finite cost"):
        dense(cost, a=[0.5, 0.5], b=[0.5, 0.5, 0.0], tau=1.0)  # also unbalanced
    # the batch index is named
    bad = COST.copy()
    bad[0] = np.inf
    with pytest.raises(tradeoff.InfeasibleError, match=r"row 0 of problem 1 has no finite cost"):
        dense(np.stack([COST, bad]))


# ----------------------------------------------------------------------------------- weights


@pytest.mark.parametrize("bad, what", [(-0.25, r"must be nonnegative \(weights are masses\); got -0\.25"),
                                       (np.nan, r"must be finite; got nan"),
                                       (np.inf, r"must be finite; got inf")])
def test_bad_weight_values_name_the_index(solve, bad, what):
    a = np.array([0.5, 0.5])
    a[1] = bad
    with pytest.raises(ValueError, match=rf"a {what} at index \(1,\)"):
        solve(a=a, b=[1 / 3] * 3)
    b = np.array([0.5, 0.25, 0.25])
    b[2] = bad
    with pytest.raises(ValueError, match=rf"b {what} at index \(2,\)"):
        solve(a=[0.5, 0.5], b=b)


def test_bad_weight_in_a_batch_names_problem_and_index():
    a = np.full((2, 2), 0.5)
    a[1, 0] = -1.0
    with pytest.raises(ValueError, match=r"a must be nonnegative .* at index \(1, 0\)"):
        dense(np.stack([COST, COST]), a=a)


def test_weights_with_zero_total(solve):
    with pytest.raises(ValueError, match=r"a must have a positive total mass; got all zeros"):
        solve(a=[0.0, 0.0], tau=1.0)
    with pytest.raises(ValueError, match=r"b must have a positive total mass; got all zeros"):
        solve(b=[0.0, 0.0, 0.0], tau=1.0)
    with pytest.raises(ValueError, match=r"b must have a positive total mass \(problem 1 of the batch\)"):
        dense(np.stack([COST, COST]), b=[[1, 1, 1], [0, 0, 0]], tau=1.0)


def test_balanced_totals_must_agree(solve):
    with pytest.raises(ValueError, match=r"a and b must have equal totals for balanced transport; got sum\(a\) = 1 and sum\(b\) = 2\. Normalize both \(a / a\.sum\(\), b / b\.sum\(\)\), or pass tau= for unbalanced"):
        solve(a=[0.5, 0.5], b=[1.0, 0.5, 0.5])
    with pytest.raises(ValueError, match=r"equal totals for balanced transport \(problem 1 of the batch\)"):
        dense(np.stack([COST, COST]), a=[[0.5, 0.5], [0.5, 0.6]])
    # within the tolerance (relative 1e-6 in float64, 1e-4 in float32) they are accepted
    solve(a=[0.5, 0.5], b=[0.4, 0.3, 0.3 + 5e-7])
    with pytest.raises(ValueError, match=r"equal totals"):
        solve(a=[0.5, 0.5], b=[0.4, 0.3, 0.3 + 5e-6])
    solve(a=np.array([0.5, 0.5], np.float32), b=np.array([0.4, 0.3, 0.30005], np.float32))
    with pytest.raises(ValueError, match=r"equal totals"):
        solve(a=np.array([0.5, 0.5], np.float32), b=np.array([0.4, 0.3, 0.3005], np.float32))
    # one soft side accepts any totals
    solve(a=[0.5, 0.5], b=[1.0, 0.5, 0.5], tau=(math.inf, 1.0))


def test_weights_shape(solve):
    with pytest.raises(ValueError, match=r"a must have shape \(2,\) to match the problem; got shape \(3,\)"):
        solve(a=[1 / 3] * 3)
    with pytest.raises(ValueError, match=r"b must have shape \(3,\) to match the problem; got shape \(1, 3\)"):
        solve(b=[[1 / 3] * 3])
    with pytest.raises(ValueError, match=r"a must have shape \(2,\) or \(2, 2\) to match the problem; got shape \(3, 2\)"):
        dense(np.stack([COST, COST]), a=np.full((3, 2), 0.5))
    with pytest.raises(TypeError, match=r"a must hold real numbers"):
        solve(a=["x", "y"])


# -------------------------------------------------------------------------------- parameters


@pytest.mark.parametrize("eps", [0.0, -1.0, np.inf, np.nan])
def test_eps_must_be_positive_and_finite(solve, eps):
    with pytest.raises(ValueError, match=r"eps must be a positive finite number; got .*POT's reg"):
        solve(eps=eps)


def test_eps_must_be_a_number(solve):
    with pytest.raises(TypeError, match=r"eps must be a positive number; got '0\.1'"):
        solve(eps="0.1")
    with pytest.raises(TypeError, match=r"eps must be a positive number; got True"):
        solve(eps=True)


@pytest.mark.parametrize("tau", [0.0, -2.0, (1.0, 0.0), (-1.0, None)])
def test_tau_must_be_positive(solve, tau):
    with pytest.raises(ValueError, match=r"tau must be positive \(the strength of the KL penalty on a marginal; inf for a hard marginal\)"):
        solve(tau=tau)


@pytest.mark.parametrize("tau", [(1.0, 2.0, 3.0), (1.0,), "strong", np.nan, (True, 1.0)])
def test_tau_must_be_a_number_or_a_pair(solve, tau):
    with pytest.raises((ValueError, TypeError), match=r"tau must be None, a number or a pair \(tau_a, tau_b\)"):
        solve(tau=tau)


def test_method_and_metric_strings():
    with pytest.raises(ValueError, match=r"method must be one of 'auto', 'log', 'scaling'; got 'stabilized'"):
        dense(method="stabilized")
    with pytest.raises(ValueError, match=r"method must be one of .*; got None"):
        dense(method=None)
    with pytest.raises(ValueError, match=r"metric must be one of 'sqeuclidean', 'euclidean'; got 'cosine'"):
        points(metric="cosine")
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'method'"):
        points(method="log")  # the point-cloud solver is log-domain only


@pytest.mark.parametrize("q", [0.0, 1.0, 1.5, -0.5, np.nan])
def test_eps_scaling_outside_the_unit_interval(solve, q):
    with pytest.raises(ValueError, match=r"eps_scaling must be None or a factor in \(0, 1\) .*e\.g\. 0\.5"):
        solve(eps_scaling=q)
    with pytest.raises(TypeError, match=r"eps_scaling must be None or a factor in \(0, 1\); got '0\.5'"):
        solve(eps_scaling="0.5")


def test_eps_scaling_with_too_many_stages_is_refused_before_running():
    cost = np.array([[0.0, 1.0], [1.0, 0.0]])
    # spread 1 down to 1e-6 by factors 0.99999: ceil(ln(1e6) / -ln(0.99999)) stages
    need = math.ceil(math.log(1e6) / -math.log(0.99999))
    with pytest.raises(ValueError, match=rf"eps_scaling=0\.99999 would need {need} annealing stages .*"
                       r"at most 10000 are allowed\. Use a smaller factor \(e\.g\. 0\.5\)"):
        tradeoff.sinkhorn(None, None, cost, eps=1e-6, eps_scaling=0.99999)
    # costs spanning more than float64: the spread overflows (this used to loop forever)
    wide = np.array([[-1e308, 1e308], [1e308, -1e308]])
    with pytest.raises(ValueError, match=r"would need more than float64 can count annealing stages"):
        tradeoff.sinkhorn(None, None, wide, eps=1.0, eps_scaling=0.5)
    # a modest schedule still runs: 1 -> 1e-3 by halves is 10 stages + the target
    res = tradeoff.sinkhorn(None, None, cost, eps=1e-3, eps_scaling=0.5, tol=1e-9)
    assert res.converged and res.n_iter >= 10


def test_too_many_coordinates():
    x = np.zeros((1, 2**16 + 1))
    with pytest.raises(ValueError, match=r"x and y have 65537 coordinates per point .*at most "
                       r"65536 are supported\. Did you pass the transpose\?"):
        tradeoff.sinkhorn_points(x, x, eps=0.1)


def test_max_iter_and_tol(solve):
    with pytest.raises(ValueError, match=r"max_iter must be None or an integer >= 0; got -1"):
        solve(max_iter=-1)
    with pytest.raises(TypeError, match=r"max_iter must be .*an integer >= 0; got None"):
        solve(max_iter=None)
    with pytest.raises(TypeError, match=r"max_iter must be None or an integer >= 0; got 2\.5"):
        solve(max_iter=2.5)
    with pytest.raises(ValueError, match=r"tol must be a number >= 0; got -1e-06"):
        solve(tol=-1e-6)
    with pytest.raises(ValueError, match=r"tol must be a number >= 0; got nan"):
        solve(tol=np.nan)
    with pytest.raises(TypeError, match=r"tol must be a number >= 0; got '1e-6'"):
        solve(tol="1e-6")


def test_init_shapes_and_values(solve):
    with pytest.raises(ValueError, match=r"init potential f must have shape \(2,\); got shape \(3,\)"):
        solve(init=(np.zeros(3), np.zeros(3)))
    with pytest.raises(ValueError, match=r"init potential g must have shape \(3,\); got shape \(2,\)"):
        solve(init=(np.zeros(2), np.zeros(2)))
    with pytest.raises(ValueError, match=r"init potential f must be finite; got nan at \(1,\)"):
        solve(init=(np.array([0.0, np.nan]), np.zeros(3)))
    with pytest.raises(ValueError, match=r"init potential g must be finite; got -inf at \(0,\)"):
        solve(init=(np.zeros(2), np.array([-np.inf, 0.0, 0.0])))
    with pytest.raises(TypeError, match=r"init must be None or a pair \(f, g\) of potentials, e\.g\. init=\(result\.f, result\.g\); got ndarray"):
        solve(init=np.zeros(2))
    with pytest.raises(TypeError, match=r"init must be None or a pair \(f, g\)"):
        solve(init=(np.zeros(2),))


def test_init_shapes_in_a_batch():
    with pytest.raises(ValueError, match=r"init potential f must have shape \(2,\) or \(2, 2\); got shape \(3, 2\)"):
        dense(np.stack([COST, COST]), init=(np.zeros((3, 2)), np.zeros(3)))


# ------------------------------------------------------------------------------ point clouds


def test_point_cloud_shapes():
    with pytest.raises(ValueError, match=r"x must be a 2-D array of points, shape \(n, d\), or a 3-D batch \(B, n, d\); got shape \(4,\)"):
        points(x=np.zeros(4))
    with pytest.raises(ValueError, match=r"y must be a 2-D array of points, shape \(m, d\), or a 3-D batch \(B, m, d\); got shape \(1, 1, 1, 1\)"):
        points(y=np.zeros((1, 1, 1, 1)))
    with pytest.raises(ValueError, match=r"x and y must have the same number of coordinates d \(last axis\) .*got shapes \(2, 2\) and \(3, 3\)"):
        points(y=np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"x and y must have the same .* the same batch size; got shapes \(2, 2, 2\) and \(3, 3, 2\)"):
        points(x=np.zeros((2, 2, 2)), y=np.zeros((3, 3, 2)))
    with pytest.raises(ValueError, match=r"got shapes \(2, 2\) and \(1, 3, 2\)"):
        points(y=np.zeros((1, 3, 2)))


@pytest.mark.parametrize("shape", [(0, 2), (2, 0)])
def test_empty_point_clouds(shape):
    with pytest.raises(ValueError, match=r"x is empty \(shape .*\): transport needs at least one point"):
        points(x=np.zeros(shape))
    with pytest.raises(ValueError, match=r"y is empty"):
        points(y=np.zeros(shape))


def test_point_clouds_must_be_finite():
    with pytest.raises(ValueError, match=r"x contains NaN at index \(1, 0\); points must be finite"):
        points(x=np.array([[0.0, 0.0], [np.nan, 0.0]]))
    with pytest.raises(ValueError, match=r"y contains an infinite coordinate at index \(2, 1\); points must be finite"):
        points(y=np.array([[0.0, 0.0], [1.0, 1.0], [0.0, -np.inf]]))
    with pytest.raises(TypeError, match=r"x must hold real numbers"):
        points(x=np.zeros((2, 2), dtype=complex))


def test_point_cloud_plan_too_large_is_refused_before_allocating():
    x = np.zeros((100_000, 1))
    with pytest.raises(MemoryError, match=r"return_plan=True would need 74\.5 GiB for the plan \(1 x 100000 x 100000\); the limit is 2 GiB"):
        tradeoff.sinkhorn_points(x, x, eps=0.1, return_plan=True)


# ------------------------------------------------------------------------------ sinkhorn_plan


def test_sinkhorn_plan_checks_its_inputs():
    f, g = np.zeros(2), np.zeros(3)
    with pytest.raises(ValueError, match=r"eps must be a positive finite number; got 0\.0\. use the eps the potentials were computed with"):
        tradeoff.sinkhorn_plan(f, g, COST, eps=0.0)
    with pytest.raises(ValueError, match=r"potential f must have shape \(2,\); got shape \(3,\)"):
        tradeoff.sinkhorn_plan(np.zeros(3), g, COST, eps=0.1)
    with pytest.raises(ValueError, match=r"potential g must be finite"):
        tradeoff.sinkhorn_plan(f, np.full(3, np.nan), COST, eps=0.1)
    with pytest.raises(ValueError, match=r"cost contains NaN at index \(0, 0\)"):
        tradeoff.sinkhorn_plan(f, g, np.full((2, 3), np.nan), eps=0.1)
    with pytest.raises(ValueError, match=r"b must have shape \(3,\) to match the problem"):
        tradeoff.sinkhorn_plan(f, g, COST, eps=0.1, b=[0.5, 0.5])
    with pytest.raises(ValueError, match=r"a must be nonnegative"):
        tradeoff.sinkhorn_plan(f, g, COST, eps=0.1, a=[-0.5, 1.5])


# ------------------------------------------------------------------- the kernels, called directly


def _kernels():
    core = _backend.core_module()
    if core is None or not hasattr(core, "sinkhorn_dense"):
        pytest.skip("native module built without the Sinkhorn kernels")
    return core


def _args(batch=1, n=2, m=3, **over):
    args = {
        "cost": np.zeros((batch, n, m)), "a": np.full((batch, n), 1 / n), "b": np.full((batch, m), 1 / m),
        "f0": np.zeros((batch, n)), "g0": np.zeros((batch, m)), "eps_stages": np.array([0.1]),
        "tau_a": math.inf, "tau_b": math.inf, "max_iter": 10, "tol": 1e-6, "method": 0, "stage_iter": 1,
        "want_plan": True,
    }
    args.update(over)
    return list(args.values())


@pytest.mark.parametrize(
    "over",
    [
        {"a": np.full((1, 3), 0.5)},
        {"b": np.full((2, 3), 0.5)},
        {"f0": np.zeros((1, 5))},
        {"g0": np.zeros((1, 2))},
        {"eps_stages": np.zeros(0)},
        {"cost": np.zeros((1, 0, 3)), "a": np.zeros((1, 0)), "f0": np.zeros((1, 0))},
    ],
    ids=["a", "b", "f0", "g0", "no-stage", "empty"],
)
def test_native_dense_kernel_refuses_inconsistent_arguments(over):
    core = _kernels()
    with pytest.raises((ValueError, TypeError)):
        core.sinkhorn_dense(*_args(**over))


def test_native_points_kernel_refuses_inconsistent_arguments():
    core = _kernels()
    args = _args()
    x, y = np.zeros((1, 2, 2)), np.zeros((1, 3, 3))  # d differs
    with pytest.raises((ValueError, TypeError)):
        core.sinkhorn_points(x, y, *args[1:10], 0, 1, True)
