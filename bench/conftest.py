"""Fixtures and report header for the benchmarks in bench/ (see bench/README.md)."""

from __future__ import annotations

import importlib.metadata
import os

import pytest

_PEERS = (
    "moocore", "pymoo", "deap", "optuna", "torch", "botorch", "paretoset", "pygmo", "hvwfg", "numba",
    "POT", "jax", "ott-jax", "geomloss", "pykeops",
    "scipy", "lap", "lapx", "laprust", "lapcpp", "lapjv", "torch-linear-assignment", "ortools",
    "mknapsack",
)


def pytest_report_header(config):
    versions = []
    for name in _PEERS:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name} -")
    sizes = os.environ.get("TRADEOFF_BENCH_SIZES", "full")
    return [
        f"bench peers: {', '.join(versions)}",
        f"bench sizes: TRADEOFF_BENCH_SIZES={sizes}, cpus={os.cpu_count()}",
    ]


@pytest.fixture
def benchmark_disabled(benchmark) -> bool:
    """True when pytest-benchmark will not time (``--benchmark-disable``, or xdist): each body
    then runs once, the agreement checks still run, and large workloads are skipped."""
    return bool(benchmark.disabled)
