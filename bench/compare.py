#!/usr/bin/env python3
"""Markdown table of the benchmarks (Pareto ranking, crowding distance, hypervolume): tradeoff
against its peers, per workload.

Usage::

    python bench/compare.py [--json FILE] [--save FILE] [--output FILE] [pytest args...]

Without ``--json`` it runs ``python -m pytest bench/`` (Pareto ranking and crowding distance) (extra arguments go to
pytest, e.g. ``-k m2`` or ``--benchmark-min-rounds=3``) with ``--benchmark-json`` and reads the
result; with ``--json FILE`` it reads an existing pytest-benchmark JSON file instead and runs
nothing. Medians are in milliseconds with 3 significant digits; each ratio is
peer median / tradeoff native median (above 1: tradeoff is faster). "fastest peer" is the
fastest implementation outside tradeoff in that workload, and its ratio is measured the same
way. A dash means the implementation did not run there (not installed, no such function, or
left out at that size because a single call would take too long; see bench_pareto.py).
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
]
_TASK_ORDER = {"rank": 0, "front": 1, "crowd": 2, "hv": 3, "hvc": 4, "hvi": 5}
_DIST_ORDER = {"uniform": 0, "sphere": 1, "nondom": 2, "chain": 3, "batch": 4}


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


def _row_key(group: str, info: dict):
    if {"task", "dist", "m", "n"} <= info.keys():
        return (
            0,
            _TASK_ORDER.get(info["task"], 9),
            _DIST_ORDER.get(info["dist"], 9),
            info["m"],
            info["n"],
            info.get("b", 0),
            group,
        )
    return (1, 0, 0, 0, 0, 0, group)


def build_table(data: dict) -> str:
    medians: dict[str, dict[str, float]] = {}  # group -> impl -> median seconds
    keys: dict[str, tuple] = {}
    for bench in data.get("benchmarks", []):
        group = bench.get("group") or bench.get("name", "?")
        impl = _impl_of(bench)
        medians.setdefault(group, {})[impl] = bench["stats"]["median"]
        keys.setdefault(group, _row_key(group, bench.get("extra_info") or {}))
    if not medians:
        return "(no benchmark results)"

    seen = {impl for by_impl in medians.values() for impl in by_impl} - {BASELINE}
    columns = [c for c in KNOWN_ORDER if c in seen] + sorted(seen - set(KNOWN_ORDER))
    peers = [c for c in columns if not c.startswith("tradeoff")]

    header = ["workload", f"{BASELINE} (ms)"] + [f"{c} (ms, ratio)" for c in columns]
    header += ["fastest peer", "ratio"]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join([":---"] + ["---:"] * (len(header) - 3) + [":---", "---:"]) + "|",
    ]
    for group in sorted(medians, key=keys.__getitem__):
        by_impl = medians[group]
        base = by_impl.get(BASELINE)
        cells = [group, sig3(base * 1e3) if base else "–"]
        for col in columns:
            t = by_impl.get(col)
            if t is None:
                cells.append("–")
            elif base:
                cells.append(f"{sig3(t * 1e3)} ({sig3(t / base)}x)")
            else:
                cells.append(sig3(t * 1e3))
        present = [(by_impl[p], p) for p in peers if p in by_impl]
        if present:
            t, name = min(present)
            cells += [name, f"{sig3(t / base)}x" if base else "–"]
        else:
            cells += ["–", "–"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


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

    table = build_table(data)
    text = (
        f"{describe_run(data)}\n\n"
        f"Median time in ms; ratio = implementation median / {BASELINE} median "
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
