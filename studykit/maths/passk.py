"""pass@k: the chance that at least one of ``k`` sampled answers is correct.

Drawing exactly ``k`` samples per task and checking "any correct" is a high-variance estimate.
Chen et al. 2021 ("Evaluating Large Language Models Trained on Code", the Codex paper) draw
``n >= k`` samples, count the ``c`` correct ones and use the unbiased estimator

    pass@k = 1 - C(n - c, k) / C(n, k),

the chance that a random ``k``-subset of the ``n`` samples holds at least one correct answer. The
binomials overflow for large ``n``; the paper computes the ratio as a product,
``C(n - c, k) / C(n, k) = prod_{i = n - c + 1}^{n} (1 - k / i)``.

>>> round(pass_at_k(n=10, c=3, k=1), 12)
0.3
>>> round(pass_at_k(n=10, c=3, k=5), 4)
0.9167
>>> pass_at_k(n=10, c=0, k=5), pass_at_k(n=10, c=6, k=5)
(0.0, 1.0)
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["pass_at_k"]


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from ``n`` samples of which ``c`` are correct (Chen et al. 2021)."""
    for name, value in (("n", n), ("c", c), ("k", k)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    if not 1 <= k <= n:
        raise ValueError(f"k must be in [1, n] = [1, {n}]: pass@k needs at least k samples per task, got k={k}")
    if c > n:
        raise ValueError(f"c (correct samples) cannot exceed n (samples), got c={c}, n={n}")
    if n - c < k:
        return 1.0  # every k-subset contains a correct sample
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))
