"""The ``tradeoff`` command.

Subcommands register themselves with :func:`command`; adding one is a function and a
decorator. ``tradeoff demo`` runs every implemented function on built-in synthetic data;
``tradeoff info`` prints ``show_config()``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import numpy as np

_COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], str, Callable | None]] = {}


def command(name: str, help: str, arguments: Callable[[argparse.ArgumentParser], None] | None = None):
    """Register ``fn(args) -> exit code`` as subcommand ``name``."""

    def register(fn):
        _COMMANDS[name] = (fn, help, arguments)
        return fn

    return register


def _backend_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        choices=("native", "fallback", "cuda"),
        default=None,
        help="force a backend (default: native when built, else fallback)",
    )


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    _backend_argument(parser)
    parser.add_argument(
        "--n",
        type=int,
        default=None,
        help="population size for the timing part (default 1e5 on the native backend, 2000 on "
        "the fallback, 0 skips it)",
    )


@command("info", "print versions, loaded backends, threads and CUDA facts")
def _info(args: argparse.Namespace) -> int:
    import tradeoff

    tradeoff.show_config()
    return 0


@command("demo", "run every implemented function on built-in synthetic example data", _demo_arguments)
def _demo(args: argparse.Namespace) -> int:
    import tradeoff
    from tradeoff import _backend, _demo_data

    if args.n is not None and args.n < 0:
        print(f"tradeoff demo: --n must be >= 0; got {args.n}", file=sys.stderr)
        return 2
    with _backend.using_backend(args.backend):
        backend = _backend.choose(on_gpu=False)
        n = args.n if args.n is not None else (2000 if backend == "fallback" else 100_000)
        names, values = _demo_data.table()
        print("tradeoff demo: Pareto ranking of a SYNTHETIC table of language models")
        print("(invented names and numbers; minimize price and latency, maximize accuracy)")
        print(f"backend: {backend}\n")
        ranks = tradeoff.pareto_rank(values, maximize=_demo_data.MAXIMIZE)
        front = tradeoff.nondominated(values, maximize=_demo_data.MAXIMIZE)
        crowd = tradeoff.crowding_distance(values, ranks, maximize=_demo_data.MAXIMIZE)
        ref = _demo_data.REF
        volume = tradeoff.hypervolume(values, ref, maximize=_demo_data.MAXIMIZE)
        share = 100 * tradeoff.hv_contributions(values, ref, maximize=_demo_data.MAXIMIZE) / volume
        header = (
            f"{'model':<14}{'price $/1M':>11}{'latency ms':>12}{'accuracy %':>12}{'rank':>6}"
            f"{'front':>7}{'crowding':>10}{'hv share %':>12}"
        )
        print(header)
        print("-" * len(header))
        for i in np.lexsort((-crowd, ranks)):
            price, latency, accuracy = values[i]
            print(
                f"{names[i]:<14}{price:>11.2f}{latency:>12.0f}{accuracy:>12.1f}{ranks[i]:>6d}"
                f"{'yes' if front[i] else '':>7}{crowd[i]:>10.3f}{share[i]:>12.2f}"
            )
        best = [names[i] for i in np.flatnonzero(front)]
        print(f"\nnon-dominated models ({len(best)}): {', '.join(best)}")
        print(
            f"hypervolume of the table (reference point {ref}): {volume:.6g}; 'hv share' is the "
            "part only that model covers"
        )
        front_idx = np.flatnonzero(front)
        queries = _demo_data.query_difficulty(2000, seed=7)
        route_cost = _demo_data.routing_cost(queries, values[front_idx])
        cap = _demo_data.capacities(values[front_idx])
        routed = tradeoff.sinkhorn(None, cap, route_cost, eps=0.01, max_iter=5000, tol=1e-9)
        print(
            f"\nrouting 2000 SYNTHETIC queries to the non-dominated models by entropic transport "
            f"(eps 0.01, capacity ~ 1/latency): {routed.n_iter} iterations, marginal error "
            f"{routed.marginal_error:.1e}, mean cost {routed.cost:.4f}"
        )
        share_q = routed.plan.sum(axis=0)
        mean_d = (routed.plan * queries[:, None]).sum(axis=0) / share_q
        print(f"{'model':<14}{'capacity %':>11}{'routed %':>10}{'mean difficulty':>17}")
        for k, i in enumerate(front_idx):
            print(f"{names[i]:<14}{100 * cap[k]:>11.1f}{100 * share_q[k]:>10.1f}{mean_d[k]:>17.3f}")
        slots = _demo_data.slots(cap, 200)
        batch_q = queries[:200]
        slot_cost = _demo_data.routing_cost(batch_q, values[front_idx])[:, slots]
        rows, cols = tradeoff.linear_assignment(slot_cost)
        print(
            "\nthe same routing as an exact assignment: the first 200 queries to 200 slots (each "
            "model's slots ~ its capacity), one query per slot"
        )
        print(f"{'model':<14}{'slots':>6}{'mean difficulty':>17}")
        for k, i in enumerate(front_idx):
            mine = rows[slots[cols] == k]
            print(f"{names[i]:<14}{int((slots == k).sum()):>6}{batch_q[mine].mean():>17.3f}")
        quality, price = _demo_data.routing_budget(batch_q, values[front_idx])
        budget = 0.25 * float(price.max(axis=1).sum())
        plan = tradeoff.mckp(quality, price, budget)
        print(
            f"\nrouting the same 200 queries under a total price budget (multiple-choice "
            f"knapsack, exact): budget {budget:.3f}, spent {plan.weight:.3f}, mean quality "
            f"{plan.value / len(batch_q):.2f} (all to the best model: "
            f"{quality.max(axis=1).mean():.2f} at {price.max(axis=1).sum():.3f})"
        )
        print(f"{'model':<14}{'queries':>8}{'mean difficulty':>17}")
        for k, i in enumerate(front_idx):
            mine = plan.choice == k
            if mine.any():
                print(f"{names[i]:<14}{int(mine.sum()):>8}{batch_q[mine].mean():>17.3f}")
        if n:
            print(f"\ntiming on a synthetic random population ({n} points, uniform in [0,1)^m):")
            for m in (2, 3, 5):
                pop = _demo_data.random_population(n, m, seed=m)
                t0 = time.perf_counter()
                r = tradeoff.pareto_rank(pop)
                t1 = time.perf_counter()
                f = tradeoff.nondominated(pop)
                t2 = time.perf_counter()
                print(
                    f"  m={m}: pareto_rank {1e3 * (t1 - t0):8.1f} ms ({int(r.max()) + 1} fronts), "
                    f"nondominated {1e3 * (t2 - t1):7.1f} ms ({int(f.sum())} points on the front)"
                )
            print("timing on a synthetic converged front (points on the unit sphere, ref 1.1):")
            # the fallback's slicing is O(n^(m-1)): smaller fronts there
            sizes = (1000, 100, 30) if backend == "fallback" else (10**9, 10_000, 1000)
            for m, cap in zip((3, 4, 5), sizes):
                size = min(n, cap)
                pop = _demo_data.front_population(size, m, seed=m)
                t0 = time.perf_counter()
                hv = tradeoff.hypervolume(pop, [1.1] * m)
                t1 = time.perf_counter()
                print(f"  m={m}: hypervolume of {size} points {1e3 * (t1 - t0):8.1f} ms (= {hv:.6f})")
            size = min(n, 500 if backend == "fallback" else 10_000)
            rng = np.random.default_rng(3)
            x, y = rng.random((size, 3)), rng.random((size, 3))
            t0 = time.perf_counter()
            ot = tradeoff.sinkhorn_points(x, y, eps=0.01, max_iter=100, tol=0)
            t1 = time.perf_counter()
            print(
                f"entropic transport between two random clouds of {size} points in 3-D (eps 0.01, "
                f"100 iterations, cost on the fly): {1e3 * (t1 - t0):8.1f} ms "
                f"(cost {ot.cost:.5f}, marginal error {ot.marginal_error:.1e})"
            )
            size = min(n, 200 if backend == "fallback" else 2000)
            cost = rng.random((size, size))
            t0 = time.perf_counter()
            rows, cols = tradeoff.linear_assignment(cost)
            t1 = time.perf_counter()
            print(
                f"linear assignment of a random {size} x {size} cost (uniform in [0, 1)): "
                f"{1e3 * (t1 - t0):8.1f} ms (total {cost[rows, cols].sum():.5f})"
            )
            batch = rng.random((10_000 if backend != "fallback" else 100, 16, 16))
            t0 = time.perf_counter()
            tradeoff.linear_assignment(batch)
            t1 = time.perf_counter()
            print(
                f"linear assignment of a batch of {len(batch)} random 16 x 16 costs: "
                f"{1e3 * (t1 - t0):8.1f} ms ({1e6 * (t1 - t0) / len(batch):.2f} us per problem)"
            )
            size = min(n, 200 if backend == "fallback" else 100_000)
            w = rng.integers(1, 1001, size)
            v = w + 100  # strongly correlated: the hard class for bounds-based solvers
            t0 = time.perf_counter()
            ks = tradeoff.knapsack(v, w, int(w.sum()) // 2)
            t1 = time.perf_counter()
            print(
                f"0/1 knapsack of {size} strongly correlated items (weights 1..1000, capacity "
                f"half the total): {1e3 * (t1 - t0):8.1f} ms (value {ks.value}, optimal "
                f"{ks.optimal})"
            )
            batch = 10_000 if backend != "fallback" else 50
            w = rng.integers(1, 101, (batch, 50))
            v = rng.integers(1, 101, (batch, 50))
            t0 = time.perf_counter()
            tradeoff.knapsack(v, w, 1000)
            t1 = time.perf_counter()
            print(
                f"0/1 knapsack of a batch of {batch} random problems of 50 items (capacity "
                f"1000): {1e3 * (t1 - t0):8.1f} ms ({1e6 * (t1 - t0) / batch:.2f} us per problem)"
            )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tradeoff",
        description="Fast exact Pareto ranking, hypervolume and entropic transport (and, later, "
        "knapsack and assignment). Run `tradeoff demo` for an example.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (fn, help_text, arguments) in _COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if arguments is not None:
            arguments(p)
        p.set_defaults(_fn=fn)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    return args._fn(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
