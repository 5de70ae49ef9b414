"""Truncation filters compared fairly: at the same average number of kept tokens.

"top-k = 10 beats top-p = 0.9 at T = 2" compares 10 tokens with thousands. Any filter that keeps
fewer tokens looks safer. A fair comparison first matches the filters on how much they keep, then
asks *where* each spends that budget. Top-k, top-p and min-p all keep a prefix of the ranking (the
highest logits), so one sort per position answers everything:

* :class:`RankedPositions` -- the next-token distributions at many positions of a text, sorted once
  at a temperature; kept counts, the reference token's rank, and the T = 1 probabilities;
* :meth:`RankedPositions.kept_counts` -- how many tokens top-k / top-p / min-p keep at each position;
* :func:`match_mean_kept` -- the top-p or min-p value whose mean kept count equals a target;
* :meth:`RankedPositions.reference_kept` -- does the token the text really continues with survive?
* :meth:`RankedPositions.implausible_mass` -- the filtered, heated probability left on tokens the
  model itself, at T = 1, rates below a threshold (notebook 01's "implausible" stalls).

Pure numpy. The counts equal :func:`studykit.maths.sampling.kept_mask` for logits without ties at the
boundary (tests check this on random logits).
"""

from __future__ import annotations

import numpy as np

from . import sampling

__all__ = ["RankedPositions", "match_mean_kept"]

FILTERS = ("top_k", "top_p", "min_p")


class RankedPositions:
    """Next-token logits at many positions, ranked once, at one temperature.

    ``logits`` is (positions, V); ``next_ids`` (positions,) the token the reference text actually
    continues with at each position (or None).
    """

    def __init__(self, logits, temperature: float, next_ids=None):
        rows = np.asarray(logits, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[0] < 1 or rows.shape[1] < 2:
            raise ValueError(f"logits must have shape (positions, V) with V >= 2, got {rows.shape}")
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not temperature > 0:
            raise ValueError(f"temperature must be a number > 0, got {temperature!r}")
        order = np.argsort(-rows, axis=1, kind="stable")  # highest logit first, lower ids first on ties
        self.temperature = float(temperature)
        # Sorted probabilities at T and at T = 1, kept in float32 (a few hundred positions x 49,152
        # tokens); the running mass is summed in float64 first.
        heated = np.take_along_axis(sampling.softmax(rows, temperature), order, axis=1)
        self._mass = np.cumsum(heated, axis=1).astype(np.float32)
        self.heated = heated.astype(np.float32)
        self.model_probs = np.take_along_axis(sampling.softmax(rows), order, axis=1).astype(np.float32)
        self.reference_rank = None
        if next_ids is not None:
            next_ids = np.asarray(next_ids, dtype=np.int64).reshape(-1)
            if next_ids.shape[0] != rows.shape[0]:
                raise ValueError(f"next_ids must give one token per position: {next_ids.shape[0]} for {rows.shape[0]} positions")
            self.reference_rank = np.argmax(order == next_ids[:, None], axis=1)  # 0 = the top token

    def kept_counts(self, *, top_k=None, top_p=None, min_p=None) -> np.ndarray:
        """Tokens kept at each position by exactly one filter (applied after the temperature)."""
        name, value = _one_filter(top_k=top_k, top_p=top_p, min_p=min_p)
        vocab = self.heated.shape[1]
        if name == "top_k":
            return np.full(len(self.heated), min(int(value), vocab))
        if name == "top_p":
            # The smallest prefix whose heated mass reaches top_p (at least one token).
            return np.minimum((self._mass < value).sum(axis=1) + 1, vocab)
        return (self.heated >= value * self.heated[:, :1]).sum(axis=1)

    def reference_kept(self, **one_filter) -> np.ndarray:
        """(positions,) bool: the reference text's next token survives the filter."""
        if self.reference_rank is None:
            raise ValueError("reference_kept needs next_ids: build RankedPositions with the reference tokens")
        return self.reference_rank < self.kept_counts(**one_filter)

    def kept_mass_at_temperature(self, **one_filter) -> np.ndarray:
        """(positions,) heated probability mass inside the kept set, before renormalising."""
        counts = self.kept_counts(**one_filter)
        return self._mass[np.arange(len(counts)), counts - 1]

    def implausible_mass(self, *, threshold: float = 1e-3, **one_filter) -> np.ndarray:
        """(positions,) after filtering and renormalising: the share of probability on kept tokens
        whose T = 1 probability is below ``threshold``."""
        if not 0 < threshold < 1:
            raise ValueError(f"threshold must be in (0, 1), e.g. 1e-3, got {threshold!r}")
        counts = self.kept_counts(**one_filter)
        kept = np.arange(self.heated.shape[1])[None, :] < counts[:, None]
        implausible = kept & (self.model_probs < threshold)
        return (self.heated * implausible).sum(axis=1) / (self.heated * kept).sum(axis=1)


def match_mean_kept(ranked: RankedPositions, filter_name: str, target: float, *, iterations: int = 60) -> float:
    """The ``top_p`` or ``min_p`` value whose mean kept count over the positions is closest to ``target``.

    Both counts move monotonically with their parameter (more top-p mass keeps more; a higher min-p
    keeps fewer), so a bisection finds it.
    """
    if filter_name not in ("top_p", "min_p"):
        raise ValueError(f"filter_name must be 'top_p' or 'min_p' (top-k is matched by choosing k), got {filter_name!r}")
    if not 1 <= target <= ranked.heated.shape[1]:
        raise ValueError(f"target must be a mean kept count between 1 and V = {ranked.heated.shape[1]}, got {target!r}")
    low, high = 1e-12, 1.0 - 1e-12
    for _ in range(iterations):
        middle = (low + high) / 2
        mean = ranked.kept_counts(**{filter_name: middle}).mean()
        keeps_too_many = mean > target
        if filter_name == "top_p":
            high, low = (middle, low) if keeps_too_many else (high, middle)
        else:
            low, high = (middle, high) if keeps_too_many else (low, middle)
    candidates = (low, high)
    return min(candidates, key=lambda v: abs(ranked.kept_counts(**{filter_name: v}).mean() - target))


def _one_filter(**filters):
    chosen = [(name, value) for name, value in filters.items() if value is not None]
    if len(chosen) != 1:
        raise ValueError(f"give exactly one of top_k, top_p, min_p; got {[name for name, _ in chosen] or 'none'}")
    name, value = chosen[0]
    if name == "top_k":
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"top_k must be an integer >= 1, got {value!r}")
    elif isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not 0 < value <= 1:
        raise ValueError(f"{name} must be a number in (0, 1], got {value!r}")
    return name, value
