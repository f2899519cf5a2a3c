"""Which models are worth routing to? The Pareto front of a (synthetic) model table.

Objectives: price and latency minimized, accuracy maximized. Models off the front are never
the right choice for any weighting of the three, so a router can drop them up front. The
numbers are the invented ones of ``tradeoff demo``.

Run: python examples/route_models_front.py
"""

from __future__ import annotations

import numpy as np

import tradeoff
from tradeoff import _demo_data


def main() -> list[str]:
    names, table = _demo_data.table()
    ranks = tradeoff.pareto_rank(table, maximize=_demo_data.MAXIMIZE)
    keep = [names[i] for i in np.flatnonzero(ranks == 0)]
    dropped = [f"{names[i]} (front {ranks[i]})" for i in np.flatnonzero(ranks > 0)]
    print("route among:", ", ".join(keep))
    print("never optimal:", ", ".join(dropped))
    return keep


if __name__ == "__main__":
    main()
