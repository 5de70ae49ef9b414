"""Comparing two sampling settings on the same tasks: the noise of pass@1, and a paired test.

With N tasks, task i solved with probability p_i at a given temperature, and n samples per task,
the pass@1 estimate ``mean_i (c_i / n)`` has, for these tasks, the variance
``sum_i p_i (1 - p_i) / (n N^2)`` (:func:`pass1_variance`). Two settings run on the *same* tasks
differ by ``mean_i (d_i)``; its sampling variance is the sum of the two settings' variances, and
:func:`samples_per_task_for` solves for the n at which a given difference is detected with a
two-sided test at level alpha and the requested power (normal approximation).

Pairing by task also gives exact tests that need no normal approximation. With one sample per
task and setting, only the *discordant* tasks carry information: b solved at A only, c at B
only. Under "no difference", b is Binomial(b + c, 1/2): McNemar's exact test
(:func:`mcnemar_exact`).

>>> mcnemar_exact(0, 6)
0.03125
>>> samples_per_task_for([0.5] * 100, [0.45] * 100, power=0.8)
16
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

__all__ = ["pass1_variance", "difference_standard_error", "samples_per_task_for", "mcnemar_exact",
           "discordant_counts"]


def pass1_variance(p_tasks, n: int) -> float:
    """Variance of the pass@1 estimate over these tasks with ``n`` samples each."""
    p = _as_probabilities(p_tasks)
    _check_count(n, "n")
    return float(np.sum(p * (1 - p)) / (n * p.size**2))


def difference_standard_error(p_a, p_b, n: int) -> float:
    """Standard error of pass@1(A) - pass@1(B) on the same tasks, n independent samples each."""
    a, b = _as_probabilities(p_a), _as_probabilities(p_b)
    if a.shape != b.shape:
        raise ValueError("p_a and p_b must give one probability per task, for the same tasks")
    return math.sqrt(pass1_variance(a, n) + pass1_variance(b, n))


def samples_per_task_for(p_a, p_b, *, difference: float | None = None, alpha: float = 0.05,
                         power: float = 0.8, task_standard_error: float = 0.0) -> int | None:
    """Smallest n at which a difference in pass@1 is detected with this power.

    The noise comes from ``p_a`` and ``p_b`` (one probability per task); the difference to detect
    is their true one, ``mean(p_a - p_b)``, unless ``difference`` names another (e.g. 0.05).
    With ``task_standard_error = 0`` the answer is for *these* tasks (a test conditional on them).
    A test that also covers which tasks were drawn (a paired bootstrap over tasks) carries that
    standard error at every n: pass it, and the n grows; ``None`` when no n is enough, because the
    task noise alone exceeds what the difference allows.

    >>> samples_per_task_for([0.5] * 100, [0.45] * 100, task_standard_error=0.01)
    23
    >>> samples_per_task_for([0.5] * 100, [0.45] * 100, task_standard_error=0.02) is None
    True
    """
    a, b = _as_probabilities(p_a), _as_probabilities(p_b)
    if a.shape != b.shape:
        raise ValueError("p_a and p_b must give one probability per task, for the same tasks")
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ValueError(f"alpha and power must lie in (0, 1), got {alpha}, {power}")
    delta = abs(float(np.mean(a - b))) if difference is None else abs(float(difference))
    if delta == 0:
        raise ValueError("the two settings have the same pass@1: no n detects a zero difference")
    if not (math.isfinite(task_standard_error) and task_standard_error >= 0):
        raise ValueError(f"task_standard_error must be 0 or more, got {task_standard_error!r}")
    z = NormalDist().inv_cdf(1 - alpha / 2) + NormalDist().inv_cdf(power)
    per_sample_variance = float(np.sum(a * (1 - a) + b * (1 - b))) / a.size**2
    room = (delta / z) ** 2 - task_standard_error**2  # the variance left for sampling noise
    if room <= 0:
        return None
    return max(1, math.ceil(per_sample_variance / room))


def discordant_counts(solved_a, solved_b) -> tuple[int, int]:
    """(b, c): tasks solved under A but not B, and under B but not A."""
    a, b = np.asarray(solved_a, dtype=bool), np.asarray(solved_b, dtype=bool)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("solved_a and solved_b must be one outcome per task, for the same tasks")
    return int(np.sum(a & ~b)), int(np.sum(~a & b))


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value: 2 * P(X <= min(b, c)) for X ~ Binomial(b + c, 1/2), capped at 1."""
    _check_count(b, "b", allow_zero=True)
    _check_count(c, "c", allow_zero=True)
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(b, c) + 1)) / 2**n
    return min(1.0, 2 * tail)


def _as_probabilities(values) -> np.ndarray:
    p = np.asarray(values, dtype=np.float64)
    if p.ndim != 1 or p.size == 0 or not np.all((p >= 0) & (p <= 1)):
        raise ValueError("expected one probability in [0, 1] per task")
    return p


def _check_count(value, name: str, allow_zero: bool = False) -> None:
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
