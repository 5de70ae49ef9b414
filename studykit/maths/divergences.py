"""How far apart two probability distributions are: total variation distance and KL divergence.

* ``total_variation(p, q) = 1/2 * sum |p - q|``: the largest difference in probability the two
  give any event; 0 for equal distributions, 1 for disjoint ones. ``1 - TV = sum min(p, q)``.
* ``kl_divergence(p, q) = sum p log(p / q)`` (nats): the expected extra log-loss of coding draws
  from ``p`` with ``q``; infinite when ``q`` misses something ``p`` allows.

>>> total_variation([0.5, 0.5, 0.0], [0.0, 0.5, 0.5])
0.5
>>> round(kl_divergence([0.5, 0.5], [0.25, 0.75]), 4)
0.1438
"""

from __future__ import annotations

import numpy as np

__all__ = ["total_variation", "kl_divergence"]


def total_variation(p, q) -> float:
    """Total variation distance between two distributions over the same outcomes (same shape)."""
    p, q = _pair(p, q)
    return float(0.5 * np.abs(p - q).sum())


def kl_divergence(p, q) -> float:
    """KL(p || q) in nats; terms with p = 0 count 0, and p > 0 where q = 0 gives infinity."""
    p, q = _pair(p, q)
    support = p > 0
    if np.any(q[support] == 0):
        return float("inf")
    return float(max(0.0, np.sum(p[support] * (np.log(p[support]) - np.log(q[support])))))


def _pair(p, q):
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if p.shape != q.shape or p.size == 0:
        raise ValueError(f"p and q must be distributions over the same outcomes (same shape), got {p.shape} and {q.shape}")
    for name, d in (("p", p), ("q", q)):
        if not np.all(np.isfinite(d)) or np.any(d < 0) or not np.isclose(d.sum(), 1.0, atol=1e-6):
            raise ValueError(f"{name} must hold probabilities >= 0 that sum to 1, got sum {d.sum():.6g}")
    return p, q
