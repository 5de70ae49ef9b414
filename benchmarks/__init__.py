"""Benchmarks: `make bench` (python -m benchmarks) runs every benchmarks/bench_*.py and prints one table.

Each module exposes ``run() -> list[Result]``. Targets are ratios measured within one run, so they
hold on any machine; absolute timings are printed for context.
"""
