"""GPU knapsack family (cuda/knapsack.cu through tradeoff._gpu) against the CPU path.

CPU twin of these checks: tests/test_knapsack_agreement.py. The GPU runs the dense dynamic
program over capacity cells; the CPU a core algorithm (or, without ``_core``, the state-list
fallback). Both are exact, so the optimal VALUE and the STATUS must be equal, bit for bit. The
solutions may differ on ties: the GPU's x (or choice) must be feasible (exactly: rational
arithmetic on the given numbers), achieve the value, and its reported weight must be the exact
total of its own x, correctly rounded.

Oracle: ``tradeoff._core.knapsack_solve`` / ``mckp_solve`` (the fallback's when ``_core``
lacks them) on the same inputs as NumPy arrays.

Cases aim at the GPU's edges: integer and dyadic float numbers (eligible: exact integer
cells), random floats and huge capacities (ineligible: copied to the CPU and back), batches
mixing both, bounded counts (binary pieces, counts capped by the capacity, zero counts, huge
counts), items of weight 0 / value 0 / heavier than the capacity, +inf capacities, gcd-reduced
weights, capacities that need dynamic shared memory above 48 KB and the global-memory rows,
batches whose tables are cut into chunks, the work bound, MCKP with masks, negative values,
infeasible instances, groups without a row, more than 256 options (CPU), empty batches and
instances; CuPy in and out on a non-default stream; the public functions on CuPy input.

Skipped as a whole without CuPy or a device (tests/gpu/conftest.py).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import tradeoff

pytestmark = pytest.mark.gpu

INF = math.inf


# --- helpers ---------------------------------------------------------------------------------


def _cpu(name):
    """The CPU kernel interface: _core when it has the kernel, else the fallback."""
    try:
        from tradeoff import _core as core
    except ImportError:
        core = None
    if core is not None and hasattr(core, name):
        return getattr(core, name)
    from tradeoff._fallback import knapsack as fallback

    return getattr(fallback, name)


def _rng(seed):
    return np.random.default_rng(seed)


def _exact(x) -> Fraction:
    return Fraction(int(x)) if isinstance(x, (int, np.integer)) else Fraction(float(x))


def _reported(total: Fraction, dtype) -> object:
    """An exact total as the kernels report it: int64 as is, float64 correctly rounded."""
    if np.dtype(dtype).kind == "i":
        return int(total)
    return float(total)


def _same_scalar(a, b) -> bool:
    """Equal, floats as bit patterns (so +0.0 and -0.0 differ)."""
    if isinstance(a, float) or isinstance(b, float):
        return np.float64(a).view(np.int64) == np.float64(b).view(np.int64)
    return a == b


def _knap_gpu(cp, values, weights, capacity, counts=None, max_states=2**40):
    from tradeoff import _gpu

    return _gpu.knapsack_solve(
        cp.asarray(values), cp.asarray(weights), cp.asarray(capacity),
        None if counts is None else cp.asarray(counts), max_states,
    )  # fmt: skip


def _check_knapsack(cp, values, weights, capacity, counts=None, where=""):
    """GPU == CPU on value and status; x feasible and achieving the value; weight exact."""
    values = np.ascontiguousarray(values)
    weights = np.ascontiguousarray(weights)
    capacity = np.ascontiguousarray(capacity, dtype=weights.dtype)
    counts = None if counts is None else np.ascontiguousarray(counts, dtype=np.int64)
    want = _cpu("knapsack_solve")(values, weights, capacity, counts, 2**40)
    got = _knap_gpu(cp, values, weights, capacity, counts)
    assert len(got) == 4
    for part in got:
        assert isinstance(part, cp.ndarray), f"{where}: {type(part)!r} is not a CuPy array"
    x, value, weight, status = (cp.asnumpy(p) for p in got)
    B, n = values.shape
    assert x.shape == (B, n) and value.shape == (B,) and weight.shape == (B,)
    assert x.dtype == (np.uint8 if counts is None else np.int64), where
    assert value.dtype == values.dtype and weight.dtype == weights.dtype, where
    assert status.dtype == np.int8, where
    np.testing.assert_array_equal(status, want[3], err_msg=f"{where}: status")
    same_v = value.view(np.int64) == np.asarray(want[1]).view(np.int64)
    assert same_v.all(), (
        f"{where}: value differs at {np.flatnonzero(~same_v)[:5]}: "
        f"{value[~same_v][:5]} vs {np.asarray(want[1])[~same_v][:5]}"
    )
    for b in range(B):
        if status[b] != 0:
            continue
        xb = x[b].astype(np.int64)
        limit = counts[b] if counts is not None else np.ones(n, dtype=np.int64)
        assert (xb >= 0).all() and (xb <= limit).all(), f"{where}[{b}]: x out of range"
        tv = sum((_exact(values[b, j]) * int(xb[j]) for j in range(n) if xb[j]), Fraction(0))
        tw = sum((_exact(weights[b, j]) * int(xb[j]) for j in range(n) if xb[j]), Fraction(0))
        if capacity[b] != INF:
            assert tw <= _exact(capacity[b]), f"{where}[{b}]: x is over the capacity"
        assert _same_scalar(_reported(tv, values.dtype), value[b].item()), f"{where}[{b}]: value"
        assert _same_scalar(_reported(tw, weights.dtype), weight[b].item()), (
            f"{where}[{b}]: weight {weight[b]} is not the total of x ({tw})"
        )
    return got, want


def _mckp_gpu(cp, values, weights, mask, budget, max_states=2**40):
    from tradeoff import _gpu

    return _gpu.mckp_solve(
        cp.asarray(values), cp.asarray(weights), None if mask is None else cp.asarray(mask),
        cp.asarray(budget), max_states,
    )  # fmt: skip


def _check_mckp(cp, values, weights, budget, mask=None, where=""):
    values = np.ascontiguousarray(values)
    weights = np.ascontiguousarray(weights)
    budget = np.ascontiguousarray(budget, dtype=weights.dtype)
    mask = None if mask is None else np.ascontiguousarray(mask, dtype=np.uint8)
    want = _cpu("mckp_solve")(values, weights, mask, budget, 2**40)
    got = _mckp_gpu(cp, values, weights, mask, budget)
    for part in got:
        assert isinstance(part, cp.ndarray)
    choice, value, weight, status = (cp.asnumpy(p) for p in got)
    B, g, k = values.shape
    assert choice.shape == (B, g) and choice.dtype == np.int64
    assert value.dtype == values.dtype and weight.dtype == weights.dtype
    assert status.dtype == np.int8
    np.testing.assert_array_equal(status, want[3], err_msg=f"{where}: status")
    same_v = value.view(np.int64) == np.asarray(want[1]).view(np.int64)
    assert same_v.all(), f"{where}: value differs at {np.flatnonzero(~same_v)[:5]}"
    for b in range(B):
        if status[b] == 2:
            assert (choice[b] == -1).all(), f"{where}[{b}]: infeasible but a choice"
            assert value[b] == 0 and weight[b] == 0
            continue
        if status[b] != 0:
            continue
        c = choice[b]
        assert ((c >= 0) & (c < k)).all(), f"{where}[{b}]: choice out of range"
        if mask is not None:
            assert mask[b, np.arange(g), c].all(), f"{where}[{b}]: a masked option chosen"
        tv = sum((_exact(values[b, i, c[i]]) for i in range(g)), Fraction(0))
        tw = sum((_exact(weights[b, i, c[i]]) for i in range(g)), Fraction(0))
        if budget[b] != INF:
            assert tw <= _exact(budget[b]), f"{where}[{b}]: over the budget"
        assert _same_scalar(_reported(tv, values.dtype), value[b].item()), f"{where}[{b}]"
        assert _same_scalar(_reported(tw, weights.dtype), weight[b].item()), f"{where}[{b}]"
    return got, want


def _dyadic(rng, shape, hi, e):
    """Integers in [0, hi) times 2^-e as float64: exact binary rationals of a small unit."""
    return np.ldexp(rng.integers(0, hi, shape).astype(np.float64), -e)


def _knap_batch(rng, B, n, wmax=100, vmax=1000, kind=("int", "int"), frac=0.5):
    if kind[0] == "int":
        v = rng.integers(0, vmax, (B, n)).astype(np.int64)
    else:
        v = _dyadic(rng, (B, n), vmax, int(rng.integers(0, 6)))
    if kind[1] == "int":
        w = rng.integers(1, wmax, (B, n)).astype(np.int64)
        cap = np.floor(w.sum(axis=1) * frac).astype(np.int64)
    else:
        e = int(rng.integers(0, 6))
        w = _dyadic(rng, (B, n), wmax, e)
        cap = np.floor(w.sum(axis=1) * frac * 2**e) / 2**e
    return v, w, cap


# --- 0/1 knapsack ------------------------------------------------------------------------------


KINDS = [("int", "int"), ("float", "float"), ("int", "float"), ("float", "int")]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", [(1, 1), (1, 12), (7, 33), (64, 50), (300, 20), (5, 200)])
def test_random_01_matches_cpu(cp, kind, shape):
    B, n = shape
    rng = _rng(B * 1000 + n + len(kind[0]) * 7 + len(kind[1]))
    v, w, cap = _knap_batch(rng, B, n, kind=kind)
    _check_knapsack(cp, v, w, cap, where=f"01 {kind} {shape}")


@pytest.mark.parametrize("frac", [0.0, 0.1, 0.5, 0.9, 1.0, 2.0])
def test_capacity_fractions_match_cpu(cp, frac):
    rng = _rng(int(frac * 10) + 3)
    v, w, cap = _knap_batch(rng, 40, 30, frac=frac)
    _check_knapsack(cp, v, w, cap, where=f"frac {frac}")


def test_pisinger_classes_match_cpu(cp):
    """Uncorrelated, weakly / strongly / inverse strongly correlated, subset sum: many ties."""
    rng = _rng(17)
    R, B, n = 1000, 30, 60
    w = rng.integers(1, R + 1, (B, n)).astype(np.int64)
    classes = {
        "uncorrelated": rng.integers(1, R + 1, (B, n)),
        "weak": np.maximum(1, w + rng.integers(-R // 10, R // 10 + 1, (B, n))),
        "strong": w + R // 10,
        "subset sum": w.copy(),
    }
    for name, v in classes.items():
        cap = w.sum(axis=1) // 2
        _check_knapsack(cp, v.astype(np.int64), w, cap, where=name)
    inv_v = rng.integers(1, R + 1, (B, n)).astype(np.int64)
    _check_knapsack(cp, inv_v, inv_v + R // 10, (inv_v + R // 10).sum(axis=1) // 2,
                    where="inverse strong")  # fmt: skip


def test_conventions_zero_weight_zero_value_heavy_items(cp):
    v = np.array([[5, 0, 7, 3, 9, 2], [0, 0, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6]], dtype=np.int64)
    w = np.array([[0, 3, 20, 0, 4, 5], [1, 2, 3, 4, 5, 6], [0, 0, 0, 0, 0, 0]], dtype=np.int64)
    cap = np.array([9, 10, 0], dtype=np.int64)
    got, _ = _check_knapsack(cp, v, w, cap, where="conventions")
    x = cp.asnumpy(got[0])
    assert x[0].tolist() == [1, 0, 0, 1, 1, 1]  # weight 0 taken, 20 > 9 never, value 0 never
    assert x[1].tolist() == [0] * 6
    assert x[2].tolist() == [1] * 6
    assert cp.asnumpy(got[1]).tolist() == [19, 0, 21]


def test_infinite_and_huge_capacities(cp):
    rng = _rng(5)
    v = _dyadic(rng, (6, 25), 50, 2)
    w = _dyadic(rng, (6, 25), 50, 3)
    cap = np.array([INF, 1e300, 0.0, 2.0**-3, 7.3, INF])
    _check_knapsack(cp, v, w, cap, where="inf float")
    vi = rng.integers(0, 100, (3, 25)).astype(np.int64)
    wi = rng.integers(0, 100, (3, 25)).astype(np.int64)
    capi = np.array([2**63 - 1, 2**40, 17], dtype=np.int64)
    _check_knapsack(cp, vi, wi, capi, where="huge int")


def test_gcd_and_scaled_weights(cp):
    """Weights with a common factor, float weights of a tiny unit: small tables, exact."""
    rng = _rng(8)
    w = rng.integers(1, 200, (20, 40)).astype(np.int64) * 1000
    v = rng.integers(1, 500, (20, 40)).astype(np.int64)
    _check_knapsack(cp, v, w, w.sum(axis=1) // 3, where="gcd 1000")
    wf = np.ldexp(rng.integers(1, 200, (20, 40)).astype(np.float64), -40)
    _check_knapsack(cp, v.astype(np.float64) * 0.75, wf, wf.sum(axis=1) / 3, where="2^-40")


def test_random_floats_run_on_the_cpu_and_agree(cp):
    """Uniform floats have 53-bit significands: no small unit, so every instance is the CPU's."""
    rng = _rng(21)
    v = rng.random((8, 30))
    w = rng.random((8, 30))
    _check_knapsack(cp, v, w, w.sum(axis=1) / 2, where="uniform floats")


def test_mixed_batch_some_instances_on_the_cpu(cp):
    rng = _rng(22)
    v = _dyadic(rng, (12, 30), 100, 1)
    w = _dyadic(rng, (12, 30), 100, 2)
    w[[1, 5, 6]] = rng.random((3, 30))  # no small unit: CPU
    v[7, 3] = 2.0**70  # values spanning more than 2^61: CPU
    cap = w.sum(axis=1) / 2
    _check_knapsack(cp, v, w, cap, where="mixed")
    vi = rng.integers(0, 100, (6, 30)).astype(np.int64)
    vi[2, 0] = 2**61  # value sums beyond 2^62: CPU (status 4 if the total overflows int64)
    vi[4, :] = 2**58
    wi = rng.integers(1, 100, (6, 30)).astype(np.int64)
    _check_knapsack(cp, vi, wi, wi.sum(axis=1), where="mixed int")


# --- bounded knapsack --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", [(1, 5), (9, 20), (100, 12)])
def test_random_bounded_matches_cpu(cp, kind, shape):
    B, n = shape
    rng = _rng(B * 31 + n + len(kind[0]))
    v, w, _ = _knap_batch(rng, B, n, wmax=30, kind=kind)
    counts = rng.integers(0, 9, (B, n))
    counts[:, 0] = 0
    cap = (w * counts).sum(axis=1) * 0.4
    if w.dtype.kind == "i":
        cap = np.floor(cap).astype(np.int64)
    _check_knapsack(cp, v, w, cap, counts, where=f"bounded {kind} {shape}")


def test_bounded_huge_counts_are_capped(cp):
    v = np.array([[3, 5, 1], [4, 0, 2]], dtype=np.int64)
    w = np.array([[2, 7, 0], [3, 1, 5]], dtype=np.int64)
    counts = np.array([[2**62, 3, 2**40], [1000, 2**62, 1]], dtype=np.int64)
    cap = np.array([101, 1000], dtype=np.int64)
    got, _ = _check_knapsack(cp, v, w, cap, counts, where="huge counts")
    x = cp.asnumpy(got[0])
    assert x[0, 2] == 2**40  # weight 0: every copy
    assert x[1, 1] == 0  # value 0: never


# --- kernel paths and bounds -------------------------------------------------------------------


@pytest.mark.parametrize("cells", [31, 32, 33, 1000, 3000, 6000, 14000, 40000])
def test_row_buffers_in_shared_and_global_memory(cp, cells):
    """Up to ~3000 cells the rows fit 48 KB of shared memory; up to ~14000 the opt-in shared
    memory; beyond, global memory."""
    rng = _rng(cells)
    B, n = 4, 24
    w = rng.integers(1, cells, (B, n)).astype(np.int64)
    v = rng.integers(1, 10**6, (B, n)).astype(np.int64)
    cap = np.full(B, cells - 1, dtype=np.int64)
    w[:, 0] = 1  # gcd 1
    _check_knapsack(cp, v, w, cap, where=f"cells {cells}")


def test_chunked_tables(cp, monkeypatch):
    from tradeoff import _gpu

    monkeypatch.setattr(_gpu, "KNAPSACK_MAX_TABLE_BYTES", 1 << 20)  # the floor of the limit
    rng = _rng(30)
    v, w, cap = _knap_batch(rng, 300, 100, wmax=200)  # ~300 x 100 x 5000 bits: ~18 MB
    _check_knapsack(cp, v, w, cap, where="chunks")


def test_work_bound_sends_instances_to_the_cpu(cp, monkeypatch):
    from tradeoff import _gpu

    monkeypatch.setattr(_gpu, "KNAPSACK_MAX_WORK", 5000)
    rng = _rng(31)
    v, w, cap = _knap_batch(rng, 10, 40, wmax=60)
    cap[::2] = 50  # small tables stay on the GPU, the others go to the CPU
    _check_knapsack(cp, v, w, cap, where="work bound")


def test_benchmark_shape_batch(cp):
    """10000 instances x 50 items, capacity 1000 (the issue's batch workload): a sample against
    the CPU, every x feasible."""
    rng = _rng(40)
    B, n = 10000, 50
    w = rng.integers(1, 200, (B, n)).astype(np.int64)
    v = rng.integers(1, 1000, (B, n)).astype(np.int64)
    cap = np.full(B, 1000, dtype=np.int64)
    x, value, weight, status = (cp.asnumpy(p) for p in _knap_gpu(cp, v, w, cap))
    assert (status == 0).all()
    assert ((x.astype(np.int64) * w).sum(axis=1) == weight).all()
    assert (weight <= cap).all()
    assert ((x.astype(np.int64) * v).sum(axis=1) == value).all()
    sample = rng.choice(B, 150, replace=False)
    want = _cpu("knapsack_solve")(v[sample], w[sample], cap[sample], None, 2**40)
    np.testing.assert_array_equal(value[sample], want[1])


# --- multiple-choice knapsack ------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", [(1, 1, 1), (1, 6, 4), (20, 30, 8), (100, 10, 3), (3, 60, 17)])
def test_random_mckp_matches_cpu(cp, kind, shape):
    B, g, k = shape
    rng = _rng(B * 100 + g * 10 + k + len(kind[0]))
    if kind[0] == "int":
        v = rng.integers(-50, 200, shape).astype(np.int64)
    else:
        v = np.ldexp(rng.integers(-50, 200, shape).astype(np.float64), -3)
    if kind[1] == "int":
        w = rng.integers(0, 40, shape).astype(np.int64)
    else:
        w = _dyadic(rng, shape, 40, 2)
    if B > 2:
        w[1] += 1  # every option of instance 1 weighs >= 1: its budget below can be infeasible
    light = w.min(axis=2).sum(axis=1)
    heavy = w.max(axis=2).sum(axis=1)
    budget = light + (heavy - light) * rng.random(B)
    budget[0] = light[0]  # exactly the lightest choice
    if B > 2:
        budget[1] = light[1] - 1  # infeasible
    if w.dtype.kind == "i":
        budget = np.floor(budget).astype(np.int64)
    _check_mckp(cp, v, w, budget, where=f"mckp {kind} {shape}")


def test_mckp_masks_and_infeasible_groups(cp):
    rng = _rng(50)
    B, g, k = 30, 12, 6
    v = rng.integers(-20, 100, (B, g, k)).astype(np.int64)
    w = rng.integers(0, 30, (B, g, k)).astype(np.int64)
    mask = rng.random((B, g, k)) < 0.6
    mask[:, :, 0] |= rng.random((B, g)) < 0.9
    mask[3, 4, :] = False  # a group with no option: infeasible
    v = np.where(mask, v, 0)  # the front end zeroes what the mask hides
    w = np.where(mask, w, 0)
    budget = rng.integers(0, 200, B).astype(np.int64)
    got, want = _check_mckp(cp, v, w, budget, mask, where="mask")
    assert cp.asnumpy(got[3])[3] == 2
    assert 2 in set(want[3].tolist()) and 0 in set(want[3].tolist())


def test_mckp_groups_without_rows_and_inf_budget(cp):
    v = np.array([[[3.0, -1.5, 2.5], [-4.0, -2.0, -2.0]], [[1.0, 1.0, 1.0], [0.5, 0.25, 2.0]]])
    w = np.array([[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]], [[2.0, 0.5, 1.0], [1.0, 0.0, 8.0]]])
    budget = np.array([INF, INF])
    got, _ = _check_mckp(cp, v, w, budget, where="no rows")
    assert cp.asnumpy(got[1]).tolist() == [1.0, 3.0]


def test_mckp_many_options_run_on_the_cpu(cp):
    rng = _rng(51)
    v = rng.integers(0, 100, (2, 4, 300)).astype(np.int64)
    w = rng.integers(0, 100, (2, 4, 300)).astype(np.int64)
    _check_mckp(cp, v, w, np.array([150, 40], dtype=np.int64), where="k=300")
    v2 = rng.integers(0, 100, (2, 4, 256)).astype(np.int64)  # the largest k the GPU takes
    _check_mckp(cp, v2, v2 // 2, np.array([100, 7], dtype=np.int64), where="k=256")


def test_mckp_random_floats_and_large_budgets(cp):
    rng = _rng(52)
    v = rng.random((5, 8, 4)) - 0.3
    w = rng.random((5, 8, 4))
    _check_mckp(cp, v, w, w.min(axis=2).sum(axis=1) + 0.7, where="uniform floats")
    wi = rng.integers(0, 1000, (5, 30, 5)).astype(np.int64)
    vi = rng.integers(0, 1000, (5, 30, 5)).astype(np.int64)
    budget = np.array([0, 10**4, 2**62, 2**63 - 1, 14000], dtype=np.int64)
    _check_mckp(cp, vi, wi, budget, where="large budgets")


def test_mckp_routing_like_large(cp, monkeypatch):
    """1000 groups x 8 options, cost and quality rising together (the issue's routing class);
    about 6e7 cell updates: above the default work bound, raised here to run it on the GPU."""
    from tradeoff import _gpu

    monkeypatch.setattr(_gpu, "KNAPSACK_MAX_WORK", 1 << 30)
    rng = _rng(53)
    g, k = 1000, 8
    cost = np.sort(rng.integers(1, 50, (1, g, k)), axis=2).astype(np.int64)
    quality = np.sort(rng.integers(0, 1000, (1, g, k)), axis=2).astype(np.int64)
    budget = np.array([cost[0, :, 0].sum() + 8000], dtype=np.int64)
    _check_mckp(cp, quality, cost, budget, where="routing")


# --- empty inputs, streams, public API ---------------------------------------------------------


@pytest.mark.parametrize("shape", [(0, 0), (0, 5), (3, 0)])
def test_knapsack_empty(cp, shape):
    B = shape[0]
    v = np.zeros(shape, dtype=np.int64)
    _check_knapsack(cp, v, v.copy(), np.zeros(B, dtype=np.int64), where=f"empty {shape}")
    _check_knapsack(cp, v.astype(np.float64), v.astype(np.float64), np.zeros(B),
                    np.zeros(shape, dtype=np.int64), where=f"empty bounded {shape}")  # fmt: skip


@pytest.mark.parametrize("shape", [(0, 3, 2), (2, 0, 3), (2, 3, 0)])
def test_mckp_empty(cp, shape):
    B = shape[0]
    v = np.zeros(shape, dtype=np.int64)
    _check_mckp(cp, v, v.copy(), np.full(B, 5, dtype=np.int64), where=f"empty {shape}")


def test_non_default_stream_and_device_arrays(cp):
    rng = _rng(60)
    v, w, cap = _knap_batch(rng, 20, 30)
    want = _cpu("knapsack_solve")(v, w, cap, None, 2**40)
    stream = cp.cuda.Stream(non_blocking=True)
    with stream:
        got = _knap_gpu(cp, v, w, cap)
        stream.synchronize()
    np.testing.assert_array_equal(cp.asnumpy(got[1]), want[1])


def test_kernel_interface_errors(cp):
    from tradeoff import _gpu

    v = cp.ones((2, 3), dtype=cp.int64)
    with pytest.raises(TypeError, match="cupy.ndarray"):
        _gpu.knapsack_solve(np.ones((2, 3), dtype=np.int64), v, cp.ones(2, dtype=cp.int64),
                            None, 10)  # fmt: skip
    with pytest.raises(ValueError, match="dtype"):
        _gpu.knapsack_solve(v.astype(cp.float32), v, cp.ones(2, dtype=cp.int64), None, 10)
    with pytest.raises(ValueError, match="capacity"):
        _gpu.knapsack_solve(v, v, cp.ones(2, dtype=cp.float64), None, 10)
    with pytest.raises(ValueError, match="shape"):
        _gpu.knapsack_solve(v, v, cp.ones(3, dtype=cp.int64), None, 10)
    with pytest.raises(ValueError, match="counts"):
        _gpu.knapsack_solve(v, v, cp.ones(2, dtype=cp.int64), v[:, :2].copy(), 10)
    m = cp.ones((2, 3, 4), dtype=cp.int64)
    with pytest.raises(ValueError, match="mask"):
        _gpu.mckp_solve(m, m, cp.ones((2, 3, 3), dtype=cp.uint8), cp.ones(2, dtype=cp.int64), 1)


def test_public_functions_on_cupy_input(cp):
    rng = _rng(70)
    v, w, cap = _knap_batch(rng, 5, 20)
    r_gpu = tradeoff.knapsack(cp.asarray(v), cp.asarray(w), cp.asarray(cap))
    want = _cpu("knapsack_solve")(v, w, cap, None, 2**40)
    assert isinstance(r_gpu.x, cp.ndarray) and r_gpu.x.dtype == bool
    np.testing.assert_array_equal(cp.asnumpy(r_gpu.value), want[1])
    single = tradeoff.knapsack(cp.asarray([60, 100, 120]), cp.asarray([10, 20, 30]), 50)
    assert int(single.value) == 220 and int(single.weight) == 50
    mv = rng.integers(0, 50, (3, 6, 4))
    mw = rng.integers(0, 20, (3, 6, 4))
    budget = mw.min(axis=2).sum(axis=1) + 15
    m_gpu = tradeoff.mckp(cp.asarray(mv), cp.asarray(mw), cp.asarray(budget))
    m_want = _cpu("mckp_solve")(mv, mw, None, budget, 2**40)
    assert isinstance(m_gpu.choice, cp.ndarray)
    np.testing.assert_array_equal(cp.asnumpy(m_gpu.value), m_want[1])
