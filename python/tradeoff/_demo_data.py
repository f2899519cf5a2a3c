"""Built-in example data for ``tradeoff demo``.

SYNTHETIC: the model names and numbers below are invented for the demo; they describe no
real product. Each row is a model a router could send a query to: price in dollars per
million tokens, median latency in milliseconds, and accuracy (%) on an imaginary benchmark.
"""

from __future__ import annotations

import numpy as np

MODELS = [
    # name,            $/1M tok, latency ms, accuracy %
    ("atlas-xl",         15.00,  2400,  91.0),
    ("atlas-l",           6.00,  1300,  88.5),
    ("atlas-m",           2.50,   800,  84.0),
    ("atlas-s",           0.60,   350,  76.5),
    ("breeze-pro",       10.00,  1900,  89.0),
    ("breeze-fast",       3.00,   420,  82.0),
    ("breeze-mini",       0.40,   300,  71.0),
    ("cobalt-70b",        2.80,  1500,  84.0),
    ("cobalt-8b",         0.20,   380,  66.0),
    ("delta-reason",     20.00,  6200,  93.5),
    ("delta-chat",        4.00,  1100,  83.0),
    ("ember-tiny",        0.10,   150,  58.0),
    ("ember-small",       0.45,   260,  70.0),
    ("flux-large",        8.00,  2600,  87.0),
    ("gamma-legacy",     12.00,  3100,  80.0),
    ("helix-13b",         1.50,   900,  72.0),
    ("iris-base",         0.90,   700,  68.0),
]

COLUMNS = ("price $/1M", "latency ms", "accuracy %")
#: price and latency are minimized, accuracy maximized
MAXIMIZE = (False, False, True)
#: The reference point of the hypervolume: slightly worse than the worst model in every column.
REF = (25.0, 7000.0, 50.0)


def table() -> tuple[list[str], np.ndarray]:
    """Names and a (n, 3) float64 array of the synthetic model table."""
    names = [row[0] for row in MODELS]
    values = np.array([row[1:] for row in MODELS], dtype=np.float64)
    return names, values


def random_population(n: int, m: int, seed: int = 0) -> np.ndarray:
    """A synthetic optimizer population: n points with m objectives, uniform in [0, 1)."""
    return np.random.default_rng(seed).random((n, m))


def front_population(n: int, m: int, seed: int = 0) -> np.ndarray:
    """A synthetic converged front: n points on the unit sphere in the positive orthant."""
    x = np.abs(np.random.default_rng(seed).standard_normal((n, m))) + 1e-3
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def query_difficulty(n: int, seed: int = 0) -> np.ndarray:
    """SYNTHETIC: n queries' difficulty in [0, 1) (a Beta(2, 3) draw: most queries are easy)."""
    return np.random.default_rng(seed).beta(2.0, 3.0, size=n)


def routing_cost(difficulty: np.ndarray, values: np.ndarray) -> np.ndarray:
    """SYNTHETIC cost of sending each query to each model: price (dollars per 1M tokens, / 20)
    plus the expected quality loss, difficulty x the model's error rate (1 - accuracy / 100) x 4.
    Shape (queries, models)."""
    price, accuracy = values[:, 0], values[:, 2]
    return price[None, :] / 20.0 + 4.0 * difficulty[:, None] * (1.0 - accuracy[None, :] / 100.0)


def capacities(values: np.ndarray) -> np.ndarray:
    """SYNTHETIC share of traffic each model can serve: proportional to 1 / latency, sums to 1."""
    speed = 1.0 / values[:, 1]
    return speed / speed.sum()


def slots(capacity: np.ndarray, total: int) -> np.ndarray:
    """SYNTHETIC: ``total`` serving slots shared among models in proportion to ``capacity``
    (largest remainders); returns each slot's model index, sorted."""
    share = capacity / capacity.sum() * total
    counts = np.floor(share).astype(np.int64)
    counts[np.argsort(counts - share)[: total - int(counts.sum())]] += 1
    return np.repeat(np.arange(len(capacity)), counts)


def routing_budget(difficulty: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SYNTHETIC multiple-choice routing data: for each query (group) and model (option), the
    value (expected quality: 100 minus the quality loss of :func:`routing_cost`, in points)
    and the weight (price in dollars per 1M tokens / 20, as in :func:`routing_cost`). Both
    (queries, models)."""
    price, accuracy = values[:, 0], values[:, 2]
    quality = 100.0 - 400.0 * difficulty[:, None] * (1.0 - accuracy[None, :] / 100.0)
    cost = np.broadcast_to(price[None, :] / 20.0, quality.shape).copy()
    return quality, cost
