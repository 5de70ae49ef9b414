"""Shared pieces for the benchmarks: a result row and a timer."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Result:
    name: str  # what was measured
    value: float  # the measured figure
    unit: str  # e.g. "s", "ms", "x", "tok/s"
    target: str = ""  # e.g. ">= 4x"; empty when the row is context only
    met: bool | None = None  # None when there is no target


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """Wall-clock seconds of one call, and its result."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median_seconds(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    return statistics.median(timed(fn)[0] for _ in range(repeats))
