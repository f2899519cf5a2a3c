"""Route queries to models under a total budget, and trace the quality a budget buys.

Each query (a group) goes to exactly one model (an option); a model costs its price and earns
an expected quality that depends on the query's difficulty. The most total quality within a
total price budget is a multiple-choice knapsack, solved exactly by ``tradeoff.mckp``. A batch
of budgets in one call traces the whole quality-versus-budget curve, which a router uses to
pick its operating point. A greedy router (upgrade the query with the best quality gain per
dollar while the budget lasts) is the usual heuristic; the exact plan is never worse.

SYNTHETIC data: invented models and queries.
"""

from __future__ import annotations

import numpy as np

import tradeoff

# name, price per query (in 1/1000 cent: integers keep budgets exact), accuracy on hard
# queries, accuracy on easy queries
MODELS = [
    ("tiny", 20, 0.35, 0.90),
    ("small", 100, 0.55, 0.95),
    ("medium", 400, 0.75, 0.97),
    ("large", 1500, 0.90, 0.99),
    ("reasoning", 6000, 0.97, 0.99),
]


def problem(n_queries: int = 2000, seed: int = 0):
    """(quality, price) of sending each query to each model: both (n_queries, n_models)."""
    rng = np.random.default_rng(seed)
    difficulty = rng.beta(2.0, 3.0, n_queries)
    hard = np.array([m[2] for m in MODELS])
    easy = np.array([m[3] for m in MODELS])
    quality = (1 - difficulty[:, None]) * easy + difficulty[:, None] * hard
    price = np.broadcast_to(np.array([m[1] for m in MODELS]), quality.shape).copy()
    return quality, price


def greedy(quality, price, budget):
    """The heuristic: start everyone on the cheapest model, then repeatedly apply the upgrade
    with the best quality gain per extra cent that still fits."""
    g = quality.shape[0]
    choice = np.argmin(price, axis=1)
    spent = price[np.arange(g), choice].sum()
    while True:
        gain = quality - quality[np.arange(g), choice][:, None]
        extra = price - price[np.arange(g), choice][:, None]
        ok = (gain > 0) & (extra > 0) & (spent + extra <= budget)
        if not ok.any():
            return choice
        rate = np.where(ok, gain / np.where(extra > 0, extra, 1), -np.inf)
        q, m = np.unravel_index(np.argmax(rate), rate.shape)
        spent += extra[q, m]
        choice[q] = m


def curve(quality, price, budgets):
    """Exact total quality for each budget: one batched call."""
    B = len(budgets)
    plans = tradeoff.mckp(np.broadcast_to(quality, (B, *quality.shape)),
                          np.broadcast_to(price, (B, *price.shape)), np.asarray(budgets))
    return plans


def main(n_queries: int = 2000):
    quality, price = problem(n_queries)
    cheapest, dearest = price.min(axis=1).sum(), price.max(axis=1).sum()
    budgets = np.linspace(cheapest, 0.3 * dearest, 8).astype(np.int64)
    plans = curve(quality, price, budgets)
    print(f"{n_queries} SYNTHETIC queries, {len(MODELS)} models; mean quality per budget:")
    print(f"{'budget':>9}{'exact':>9}{'greedy':>9}  models used (exact)")
    for b, budget in enumerate(budgets):
        g = greedy(quality, price, budget)
        greedy_q = quality[np.arange(n_queries), g].sum()
        used = np.bincount(plans.choice[b], minlength=len(MODELS))
        mix = ", ".join(f"{MODELS[m][0]} {used[m]}" for m in range(len(MODELS)) if used[m])
        print(f"{budget:>9d}{plans.value[b] / n_queries:>9.4f}{greedy_q / n_queries:>9.4f}"
              f"  {mix}")
    return budgets, plans


if __name__ == "__main__":
    main()
