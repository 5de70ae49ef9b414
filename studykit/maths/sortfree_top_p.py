"""Top-p sampling without sorting the vocabulary: FlashInfer's dual-pivot rejection sampler.

The sorted reference sorts all V probabilities, takes a cumulative sum and cuts it at ``top_p``.
A GPU kernel would rather make a few passes over the unsorted row. FlashInfer's
``TopPSamplingFromProbKernel`` (``include/flashinfer/sampling.cuh``) does this:

1. keep a lower bound ``low`` (start at 0) and the mass ``q`` of the tokens above it (start at 1);
2. draw a token ``j`` from the tokens with ``p > low``, in proportion to ``p`` (one pass);
3. token ``j`` belongs to the nucleus exactly when the mass of the tokens *more* probable than
   it is below ``top_p``: ``sum(p[p > p_j]) < top_p``. If so, return ``j``;
4. otherwise ``j`` and every token less probable than it are outside the nucleus: raise ``low``
   to ``p_j`` (or, the second pivot, to ``(p_j + high) / 2`` when that is still outside) and
   draw again.

Every round draws in proportion to ``p`` from a superset of the nucleus, and the first token
that lands in the nucleus is returned, so the result is distributed as ``p`` restricted to the
nucleus and renormalised: the sorted reference's distribution, without a sort. The nucleus here
is ``{j : sum(p[p > p_j]) < top_p}``; on ties at the boundary it keeps the whole tie group,
where a sort keeps the members it happens to put first.

>>> p = np.array([0.5, 0.3, 0.15, 0.05])
>>> nucleus_mask(p, 0.7).tolist()
[True, True, False, False]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["nucleus_mask", "TopPDraws", "sample_top_p_rejection"]


def nucleus_mask(probs, top_p: float) -> np.ndarray:
    """True for the tokens whose more probable tokens hold less than ``top_p`` of the mass."""
    p = _as_probs(probs)
    _check_top_p(top_p)
    order = np.argsort(-p, kind="stable")
    sorted_p = p[order]
    # Mass strictly above each value: cumulative sum up to the first member of its tie group.
    above = np.cumsum(sorted_p) - sorted_p
    first_of_group = np.searchsorted(-sorted_p, -sorted_p, side="left")
    keep_sorted = above[first_of_group] < top_p
    mask = np.empty_like(keep_sorted)
    mask[order] = keep_sorted
    return mask


@dataclass(frozen=True)
class TopPDraws:
    """Tokens drawn, and how many rounds (passes that drew a candidate) each draw took."""
    tokens: np.ndarray
    rounds: np.ndarray


def sample_top_p_rejection(probs, top_p: float, num_samples: int, *, seed, chunk: int = 64) -> TopPDraws:
    """``num_samples`` top-p draws from one row of probabilities, by dual-pivot rejection (no sort).

    All draws run together, one vectorised round at a time, as the rows of a batch do on a GPU.
    """
    p = _as_probs(probs)
    _check_top_p(top_p)
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 1:
        raise ValueError(f"num_samples must be a positive integer, got {num_samples!r}")
    rng = np.random.default_rng(seed)
    chunks = [_draw_chunk(p, top_p, min(chunk, num_samples - start), rng)
              for start in range(0, num_samples, chunk)]
    return TopPDraws(tokens=np.concatenate([c[0] for c in chunks]),
                     rounds=np.concatenate([c[1] for c in chunks]))


def _draw_chunk(p: np.ndarray, top_p: float, n: int, rng: np.random.Generator):
    """``n`` draws in lockstep: each round is a few passes over the unsorted row."""
    low = np.zeros(n)
    high = np.ones(n)
    mass = np.full(n, p.sum())                    # q: the mass of the tokens above `low`
    tokens = np.full(n, -1)
    rounds = np.zeros(n, dtype=int)
    active = np.arange(n)
    while active.size:
        rounds[active] += 1
        above_low = p[None, :] > low[active, None]
        candidate = _inverse_transform(np.where(above_low, p[None, :], 0.0),
                                       rng.random(active.size) * mass[active])
        pivot0 = p[candidate]
        pivot1 = (pivot0 + high[active]) / 2
        mass0 = np.where(p[None, :] > pivot0[:, None], p[None, :], 0.0).sum(axis=1)
        mass1 = np.where(p[None, :] > pivot1[:, None], p[None, :], 0.0).sum(axis=1)
        accepted = mass0 < top_p
        tokens[active[accepted]] = candidate[accepted]
        second = ~accepted & (mass1 < top_p)      # the nucleus boundary lies between the pivots
        third = ~accepted & ~second               # it lies above the second pivot too
        rows = active[second]
        low[rows], high[rows], mass[rows] = pivot0[second], pivot1[second], mass0[second]
        rows = active[third]
        low[rows], mass[rows] = pivot1[third], mass1[third]
        active = active[~accepted]
    return tokens, rounds


def _inverse_transform(weights: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per row, the first index whose running sum of ``weights`` exceeds ``target`` (the last
    positive weight if rounding leaves the total just below the target, as FlashInfer does)."""
    running = np.cumsum(weights, axis=1)
    index = (running <= targets[:, None]).sum(axis=1)
    last_positive = weights.shape[1] - 1 - np.argmax(weights[:, ::-1] > 0, axis=1)
    return np.minimum(index, last_positive)


def _as_probs(probs) -> np.ndarray:
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"probs must be one non-empty row, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or not np.isclose(p.sum(), 1.0, atol=1e-6):
        raise ValueError("probs must be finite, non-negative and sum to 1")
    return p


def _check_top_p(top_p) -> None:
    if isinstance(top_p, bool) or not isinstance(top_p, (int, float, np.floating)) or not 0 < top_p <= 1:
        raise ValueError(f"top_p must be a number in (0, 1], got {top_p!r}")
