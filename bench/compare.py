#!/usr/bin/env python3
"""Markdown tables of the benchmarks (Pareto ranking, crowding distance, hypervolume, entropic
transport, linear assignment, knapsack and multiple-choice knapsack): tradeoff against its
peers, per workload, one table per family.

Usage::

    python bench/compare.py [--json FILE] [--save FILE] [--output FILE] [--baseline NAME]
                            [pytest args...]

Without ``--json`` it runs ``python -m pytest bench/`` (every family; extra arguments go to
pytest, e.g. ``-k m2``, ``-k sinkhorn``, ``-k assignment``, ``-k knapsack`` or
``--benchmark-min-rounds=3``) with
``--benchmark-json`` and reads the result; with ``--json FILE`` it reads an existing
pytest-benchmark JSON file instead and runs nothing. Medians are in milliseconds with 3
significant digits; each ratio is peer median / tradeoff-native median (above 1: tradeoff is
faster). "fastest peer" is the fastest implementation outside tradeoff in that workload, and
its ratio is measured the same way. A dash means the implementation did not run there (not
installed, no such function, or left out at that size because a single call would take too
long; see bench_pareto.py).

A benchmark whose answer disagreed with tradeoff's (``extra_info["agreement"]`` starting with
"wrong", recorded by bench_sinkhorn.py for peers that return NaN or a wrong cost, and by
bench_assignment.py for a matching that is invalid or not optimal, and by bench_knapsack.py for
a solution that is infeasible or not optimal) is marked "wrong" in its cell, is never the
"fastest peer", and is listed under the table. A solver stopped by its time limit before
proving optimality (``agreement`` starting with "timeout", bench_knapsack.py) is marked "timed
out" the same way: its median is then about the time limit, a lower bound of its time.
``--baseline NAME`` divides by another implementation (e.g. ``tradeoff-fallback`` when the
native module is not built).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
BASELINE = "tradeoff-native"
#: Column order; implementations not listed here follow in alphabetical order.
KNOWN_ORDER = [
    "tradeoff-native",
    "tradeoff-assignment",
    "tradeoff-log",
    "tradeoff-scaling",
    "tradeoff-fallback",
    "tradeoff-cuda",
    "moocore",
    "pymoo",
    "deap",
    "optuna",
    "botorch",
    "paretoset",
    "pygmo",
    "hvwfg",
    "pot-sinkhorn",
    "pot-log",
    "pot-stabilized",
    "pot-torch-sinkhorn",
    "pot-torch-log",
    "pot-torch-stabilized",
    "pot-batch-sinkhorn",
    "pot-batch-log",
    "ott",
    "geomloss",
    # linear assignment
    "scipy",
    "lap",
    "lapx-lapjvx",
    "lapx-lapjvc",
    "lapx-lapjvs",
    "lapx-lapjvr",
    "lapx-lapjvh",
    "laprust",
    "lapcpp",
    "lapjv",
    "torch-linear-assignment",
    "ortools",
    # knapsack and multiple-choice knapsack
    "ortools-dp",
    "ortools-dc",
    "ortools-bb",
    "ortools-cbc",
    "ortools-64items",
    "ortools-cpsat",
    "scipy-milp",
    "mknapsack",
    "numba-dp",
]
_TASK_ORDER = {
    "rank": 0, "front": 1, "crowd": 2, "hv": 3, "hvc": 4, "hvi": 5,
    "sinkhorn-dense": 6, "sinkhorn-batch": 7, "sinkhorn-points": 8, "sinkhorn-anneal": 9,
    "lap": 10, "lap-rect": 11, "lap-batch": 12,
    "knap": 13, "knap-bounded": 14, "knap-batch": 15, "mckp": 16,
}
_DIST_ORDER = {
    "uniform": 0, "sphere": 1, "nondom": 2, "chain": 3, "batch": 4,
    "uncorrelated": 0, "strong": 1, "routing": 1,  # knapsack classes
}
#: Tables, in print order: family name and the tasks it holds.
_FAMILIES = [
    ("Pareto ranking and crowding distance", ("rank", "front", "crowd")),
    ("Hypervolume", ("hv", "hvc", "hvi")),
    ("Entropic transport (Sinkhorn)", ("sinkhorn-dense", "sinkhorn-batch", "sinkhorn-points",
                                       "sinkhorn-anneal")),
    ("Linear assignment", ("lap", "lap-rect", "lap-batch")),
    ("Knapsack and multiple-choice knapsack", ("knap", "knap-bounded", "knap-batch", "mckp")),
]


def sig3(value: float) -> str:
    """``value`` with 3 significant digits, in plain (not scientific) notation."""
    if value is None or not math.isfinite(value):
        return "–"
    if value == 0:
        return "0"
    digits = 2 - math.floor(math.log10(abs(value)))
    rounded = round(value, digits)
    if rounded == 0:
        return "0"
    digits = 2 - math.floor(math.log10(abs(rounded)))  # 9.996 -> 10.0, not 10.00
    if digits > 0:
        return f"{rounded:.{digits}f}"
    return f"{round(rounded, digits):.0f}"


def run_suite(pytest_args: list[str], json_path: Path) -> int:
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        str(BENCH_DIR),
        f"--benchmark-json={json_path}",
        "-q",
        *pytest_args,
    ]
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.call(cmd, cwd=REPO_ROOT)


def _impl_of(bench: dict) -> str:
    info = bench.get("extra_info") or {}
    if "impl" in info:
        return info["impl"]
    # Not from bench_pareto.py: use the parametrization id, or the test name.
    return bench.get("param") or bench.get("name", "?")


def _dist_order(dist: str) -> int:
    if dist in _DIST_ORDER:
        return _DIST_ORDER[dist]
    if dist.startswith("iter"):  # Sinkhorn: a fixed iteration count, before "tol..."
        return 5
    return 6 if dist.startswith("tol") else 9


def _row_key(group: str, info: dict):
    if {"task", "dist", "m", "n"} <= info.keys():
        return (
            0,
            _TASK_ORDER.get(info["task"], 99),
            _dist_order(str(info["dist"])),
            info["m"],
            -float(info.get("rel_eps") or 0.0),  # Sinkhorn: eps = 0.1 x median before 0.01
            info["n"],
            info.get("capacity", 0),  # knapsack: C = 1e4 before 1e6
            info.get("b", 0),
            group,
        )
    return (1, 0, 0, 0, 0.0, 0, 0, 0, group)


def _family(info: dict) -> int:
    task = info.get("task")
    for k, (_, tasks) in enumerate(_FAMILIES):
        if task in tasks:
            return k
    return len(_FAMILIES)


def _collect(data: dict):
    """group -> impl -> median seconds, group -> sort key, group -> family, and the
    disagreements ((group, impl) -> what)."""
    medians: dict[str, dict[str, float]] = {}
    keys: dict[str, tuple] = {}
    families: dict[str, int] = {}
    wrong: dict[tuple[str, str], str] = {}
    for bench in data.get("benchmarks", []):
        group = bench.get("group") or bench.get("name", "?")
        impl = _impl_of(bench)
        info = bench.get("extra_info") or {}
        medians.setdefault(group, {})[impl] = bench["stats"]["median"]
        keys.setdefault(group, _row_key(group, info))
        families.setdefault(group, _family(info))
        agreement = str(info.get("agreement", "ok"))
        if agreement != "ok":
            wrong[(group, impl)] = agreement
    return medians, keys, families, wrong


def _mark(agreement: str) -> str:
    """The cell's mark for a recorded agreement other than "ok"."""
    return "timed out" if agreement.startswith("timeout") else "wrong"


def _one_table(medians, keys, wrong, baseline: str) -> str:
    seen = {impl for by_impl in medians.values() for impl in by_impl} - {baseline}
    columns = [c for c in KNOWN_ORDER if c in seen] + sorted(seen - set(KNOWN_ORDER))
    peers = [c for c in columns if not c.startswith("tradeoff")]

    header = ["workload", f"{baseline} (ms)"] + [f"{c} (ms, ratio)" for c in columns]
    header += ["fastest peer", "ratio"]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join([":---"] + ["---:"] * (len(header) - 3) + [":---", "---:"]) + "|",
    ]
    for group in sorted(medians, key=keys.__getitem__):
        by_impl = medians[group]
        base = by_impl.get(baseline)
        cells = [group, sig3(base * 1e3) if base else "–"]
        if base and (group, baseline) in wrong:
            cells[1] += f" {_mark(wrong[(group, baseline)])}"
        for col in columns:
            t = by_impl.get(col)
            mark = f", {_mark(wrong[(group, col)])}" if (group, col) in wrong else ""
            if t is None:
                cells.append("–")
            elif base:
                cells.append(f"{sig3(t * 1e3)} ({sig3(t / base)}x{mark})")
            else:
                cells.append(sig3(t * 1e3) + (f" ({mark[2:]})" if mark else ""))
        present = [(by_impl[p], p) for p in peers if p in by_impl and (group, p) not in wrong]
        if present:
            t, name = min(present)
            cells += [name, f"{sig3(t / base)}x" if base else "–"]
        else:
            cells += ["–", "–"]
        lines.append("| " + " | ".join(cells) + " |")
    failures = sorted((g, i, w) for (g, i), w in wrong.items() if g in medians)
    if failures:
        lines.append("")
        lines.append("Answers that disagreed with tradeoff's or timed out (not counted as fastest "
                     "peer):")
        lines.append("")
        lines += [f"* {g}, {i}: {w}" for g, i, w in failures]
    return "\n".join(lines)


def build_table(data: dict, baseline: str = BASELINE) -> str:
    medians, keys, families, wrong = _collect(data)
    if not medians:
        return "(no benchmark results)"
    present = sorted(set(families.values()))
    parts = []
    for fam in present:
        groups = {g: v for g, v in medians.items() if families[g] == fam}
        table = _one_table(groups, keys, wrong, baseline)
        if len(present) > 1:
            title = _FAMILIES[fam][0] if fam < len(_FAMILIES) else "Other"
            table = f"### {title}\n\n{table}"
        parts.append(table)
    return "\n\n".join(parts)


def describe_run(data: dict) -> str:
    machine = data.get("machine_info") or {}
    cpu = machine.get("cpu") or {}
    commit = data.get("commit_info") or {}
    parts = [
        f"{data.get('datetime', '?')}",
        f"{cpu.get('brand_raw', machine.get('processor', '?'))}",
        f"{cpu.get('count', os.cpu_count())} cpus",
        f"Python {machine.get('python_version', '?')}",
    ]
    if commit.get("id"):
        parts.append(f"commit {commit['id'][:10]}{' (dirty)' if commit.get('dirty') else ''}")
    return "Run: " + ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Any other arguments are passed to pytest.",
    )
    parser.add_argument("--json", type=Path, help="read this pytest-benchmark JSON, run nothing")
    parser.add_argument("--save", type=Path, help="keep the JSON of a fresh run here")
    parser.add_argument("--output", type=Path, help="also write the markdown table here")
    parser.add_argument("--baseline", default=BASELINE,
                        help=f"implementation the ratios divide by (default {BASELINE})")
    args, pytest_args = parser.parse_known_args(argv)

    rc = 0
    if args.json is not None:
        if pytest_args:
            parser.error(f"--json reads results and runs nothing; unexpected {pytest_args}")
        data = json.loads(args.json.read_text())
    else:
        with tempfile.TemporaryDirectory() as tmp:
            path = args.save or Path(tmp) / "bench.json"
            rc = run_suite(pytest_args, path)
            if not path.exists():
                print(f"pytest exited with {rc} and wrote no results", file=sys.stderr)
                return rc or 1
            data = json.loads(path.read_text())

    table = build_table(data, args.baseline)
    text = (
        f"{describe_run(data)}\n\n"
        f"Median time in ms; ratio = implementation median / {args.baseline} median "
        f"(above 1: tradeoff is faster).\n\n{table}\n"
    )
    print(text)
    if args.output is not None:
        args.output.write_text(text)
    if rc:
        print(f"note: pytest exited with {rc} (see its output above)", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
