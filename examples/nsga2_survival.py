"""NSGA-II survival selection with tradeoff (a complete, minimal NSGA-II loop).

Problem: ZDT1 (two objectives, 30 variables), minimized. Each generation merges parents and
offspring (2N points), ranks only as many fronts as needed to keep N (``n_stop``), and breaks
the tie in the last front by crowding distance, exactly as Deb et al. (2002) describe.

Run: python examples/nsga2_survival.py [generations]
"""

from __future__ import annotations

import sys

import numpy as np

import tradeoff


def zdt1(x: np.ndarray) -> np.ndarray:
    f1 = x[:, 0]
    g = 1 + 9 * x[:, 1:].mean(axis=1)
    return np.stack([f1, g * (1 - np.sqrt(f1 / g))], axis=1)


def survive(objectives: np.ndarray, n_keep: int) -> np.ndarray:
    """Indices of the n_keep survivors: best fronts first, then the most crowded last."""
    ranks = tradeoff.pareto_rank(objectives, n_stop=n_keep)
    crowd = tradeoff.crowding_distance(objectives, ranks)
    order = np.lexsort((-crowd, ranks))  # by rank, then by decreasing crowding distance
    return order[:n_keep]


def variation(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Uniform crossover of random pairs plus Gaussian mutation, clipped to [0, 1]."""
    parents = x[rng.integers(0, len(x), size=(len(x), 2))]
    child = np.where(rng.random(x.shape) < 0.5, parents[:, 0], parents[:, 1])
    child += rng.normal(scale=0.1, size=child.shape) * (rng.random(child.shape) < 0.1)
    return np.clip(child, 0, 1)


def run(generations: int = 100, pop_size: int = 100, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.random((pop_size, 30))
    for _ in range(generations):
        merged = np.concatenate([x, variation(x, rng)])
        x = merged[survive(zdt1(merged), pop_size)]
    return zdt1(x)


if __name__ == "__main__":
    gens = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    final = run(gens)
    front = final[tradeoff.nondominated(final)]
    # the true ZDT1 front is f2 = 1 - sqrt(f1); report the mean gap to it
    gap = np.mean(front[:, 1] - (1 - np.sqrt(front[:, 0])))
    print(f"after {gens} generations: {len(front)} non-dominated points, mean gap to the true front {gap:.4f}")
