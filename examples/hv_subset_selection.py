"""Hypervolume subset selection: keep the k points of a front that cover the most volume.

Two classic heuristics, each a few lines on top of tradeoff:

* greedy forward selection (start empty, add the candidate with the largest hypervolume
  improvement, ``tradeoff.hv_improvement``), which has the (1 - 1/e) guarantee of monotone
  submodular maximization;
* backward elimination (start with all, drop the point with the smallest exclusive
  contribution, ``tradeoff.hv_contributions``), what SMS-EMOA's survival step does.

Run: ``python examples/hv_subset_selection.py``
"""

from __future__ import annotations

import numpy as np

import tradeoff


def greedy_forward(points: np.ndarray, k: int, ref: np.ndarray) -> np.ndarray:
    """Indices of k points chosen one at a time by largest hypervolume improvement."""
    chosen: list[int] = []
    left = list(range(len(points)))
    for _ in range(min(k, len(points))):
        gains = tradeoff.hv_improvement(points[chosen], points[left], ref)
        chosen.append(left.pop(int(np.argmax(gains))))
    return np.array(chosen, dtype=int)


def backward_elimination(points: np.ndarray, k: int, ref: np.ndarray) -> np.ndarray:
    """Indices of k points left after dropping, one at a time, the least contributing one."""
    keep = np.arange(len(points))
    while len(keep) > k:
        contrib = tradeoff.hv_contributions(points[keep], ref)
        keep = np.delete(keep, int(np.argmin(contrib)))
    return keep


def main() -> None:
    rng = np.random.default_rng(1)
    x = np.abs(rng.normal(size=(300, 3))) + 1e-3
    front = x / np.linalg.norm(x, axis=1, keepdims=True)  # a synthetic 3-objective front
    ref = np.full(3, 1.1)
    total = tradeoff.hypervolume(front, ref)
    for name, pick in (("greedy forward", greedy_forward), ("backward elimination", backward_elimination)):
        keep = pick(front, 20, ref)
        share = tradeoff.hypervolume(front[keep], ref) / total
        print(f"{name:>21}: 20 of 300 points keep {100 * share:.2f}% of the hypervolume")


if __name__ == "__main__":
    main()
