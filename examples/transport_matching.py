"""Matching two point clouds with entropic optimal transport, then rounding to pairs.

The use case: the same objects seen twice (two scans to register, detections in two video
frames, two embedding sets to align). The second cloud is a noisy, shuffled copy of the first
plus a few spurious points with no partner. We want the pairing.

1. Soft assignment. ``tradeoff.sinkhorn_points`` solves entropic transport between the clouds
   with the squared Euclidean cost computed on the fly; annealing (``eps_scaling``) brings eps
   down to a small fraction of the typical cost, where the plan is nearly a permutation.
2. Outliers. Balanced transport must move all the mass, so every spurious point receives
   some. Unbalanced transport (``tau``: a KL penalty instead of a hard marginal) lets mass stay
   home where moving it costs more than ``tau`` makes it worth: the spurious points get almost
   none, and their (near-)empty columns say which they are.
3. Rounding. Take the plan's largest entries first, each row and column once (greedy rounding):
   a one-to-one matching, close to the exact assignment at small eps.

Run: ``python examples/transport_matching.py`` (compares with the exact assignment when SciPy is
installed).
"""

from __future__ import annotations

import numpy as np

import tradeoff


def make_scene(n: int = 200, n_spurious: int = 20, noise: float = 0.01, seed: int = 0):
    """x (n, 2); y (n + n_spurious, 2): x's points moved by noise, shuffled, then spurious ones
    (a cluster the first cloud does not have). ``truth[i]`` is the index in y of x_i's copy."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 2))
    perm = rng.permutation(n)
    y = np.empty((n + n_spurious, 2))
    y[perm] = x + noise * rng.normal(size=x.shape)
    y[n:] = rng.normal(loc=(1.4, 1.4), scale=0.1, size=(n_spurious, 2))
    truth = perm  # x_i went to y[perm[i]]
    return x, y, truth


def soft_match(x, y, *, eps_rel: float = 2e-3, tau: float | None = None):
    """The entropic transport plan between uniform weights on x and y.

    eps is ``eps_rel`` times the median squared distance; ``tau`` (in cost units) makes both
    marginals soft. Unbalanced transport does not need equal totals, so each point weighs 1/n
    of the first cloud's mass; balanced transport normalizes both sides to 1."""
    median = float(np.median(((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)))
    n, m = len(x), len(y)
    a = np.full(n, 1.0 / n)
    b = np.full(m, 1.0 / (n if tau is not None else m))
    return tradeoff.sinkhorn_points(
        x, y, a, b, eps=eps_rel * median, tau=tau, eps_scaling=0.5, tol=1e-4,
        max_iter=20_000, return_plan=True,
    )


def round_plan(plan: np.ndarray, min_mass: float = 0.0) -> np.ndarray:
    """Greedy rounding: pairs (i, j) taken by decreasing plan value, each row and column at
    most once, keeping only entries above ``min_mass``. Returns an int array (k, 2)."""
    order = np.argsort(plan, axis=None, kind="stable")[::-1]
    used_r = np.zeros(plan.shape[0], dtype=bool)
    used_c = np.zeros(plan.shape[1], dtype=bool)
    pairs = []
    for flat in order:
        i, j = divmod(int(flat), plan.shape[1])
        if plan[i, j] <= min_mass or len(pairs) == min(plan.shape):
            break  # every later entry is smaller still, or everything is matched
        if used_r[i] or used_c[j]:
            continue
        used_r[i] = used_c[j] = True
        pairs.append((i, j))
    return np.array(pairs, dtype=int).reshape(-1, 2)


def matching_cost(x, y, pairs) -> float:
    return float(((x[pairs[:, 0]] - y[pairs[:, 1]]) ** 2).sum())


def report(x, y, truth, tau, label):
    """Solve, round, and print what a user would check; returns (result, pairs)."""
    n = len(x)
    res = soft_match(x, y, tau=tau)
    pairs = round_plan(res.plan)
    right = int(np.sum(truth[pairs[:, 0]] == pairs[:, 1]))
    spurious = res.plan[:, n:].sum() / res.plan.sum()
    print(
        f"{label:>34}: {right} of {n} true pairs recovered in {len(pairs)} pairs, "
        f"{100 * spurious:5.2f}% of the mass on spurious points ({res.n_iter} iterations)"
    )
    return res, pairs


def main(n: int = 200, n_spurious: int = 20) -> None:
    x, y, truth = make_scene(n, 0)
    _, pairs = report(x, y, truth, None, "clean scene, balanced")
    try:
        from scipy.optimize import linear_sum_assignment

        cost = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
        r, c = linear_sum_assignment(cost)
        print(f"{'exact assignment (scipy)':>34}: {int(np.sum(truth[r] == c))} of {n} true pairs, "
              f"cost {cost[r, c].sum():.5f} vs {matching_cost(x, y, pairs):.5f} rounded")
    except ImportError:
        pass
    x, y, truth = make_scene(n, n_spurious)
    report(x, y, truth, None, f"{n_spurious} spurious points, balanced")
    report(x, y, truth, 0.01, f"{n_spurious} spurious points, tau = 0.01")


if __name__ == "__main__":
    main()
