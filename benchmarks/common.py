"""Shared pieces for the benchmarks: a result row and timers."""

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


def best_of_interleaved(contenders: dict[str, Callable[[], object]], *, min_rounds: int = 5, max_rounds: int = 100,
                        patience: int = 5, tolerance: float = 0.02, max_seconds: float = 60.0) -> dict[str, float]:
    """Best wall-clock seconds of each contender, timed in turn until the best times are stable.

    A round calls every contender once, in turn, so a slow spell on a shared machine hits all of them
    alike. Timing stops after ``patience`` rounds in a row in which no contender's best time improved by
    more than ``tolerance`` (relative), after at least ``min_rounds``, or at ``max_rounds`` or
    ``max_seconds``. The best time is the one least disturbed by other work on the machine.
    """
    for fn in contenders.values():  # warm-up: first calls pay for caches and allocations
        fn()
    best = {name: float("inf") for name in contenders}
    quiet, start = 0, time.perf_counter()
    for round_number in range(1, max_rounds + 1):
        improved = False
        for name, fn in contenders.items():
            seconds = timed(fn)[0]
            if seconds < best[name] * (1 - tolerance):
                improved = True
            best[name] = min(best[name], seconds)
        quiet = 0 if improved else quiet + 1
        if round_number >= min_rounds and quiet >= patience or time.perf_counter() - start > max_seconds:
            break
    return best
