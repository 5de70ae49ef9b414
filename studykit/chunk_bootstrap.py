"""Bootstrap intervals for statistics of a text, resampling whole contiguous chunks, not tokens.

Neighbouring tokens of one text are not independent draws: a paragraph about top-p makes every one
of its tokens easier or harder together. Resampling single tokens would pretend otherwise and give
intervals that are too narrow. ``bootstrap_over_chunks`` resamples whole chunks (e.g. paragraphs)
with replacement, rebuilds the token-level data from them, and recomputes the statistic, using
``studykit.stats.bootstrap_ci`` for the percentile interval.

>>> chunks = [[1.0, 1.0], [0.0], [1.0, 0.0, 1.0]]
>>> bootstrap_over_chunks(chunks, lambda parts: float(np.mean(np.concatenate(parts)))).estimate
0.6666666666666666
"""

from __future__ import annotations

from typing import Callable, Sequence, TypeVar

import numpy as np

from .stats import Interval, bootstrap_ci

__all__ = ["bootstrap_over_chunks"]

Chunk = TypeVar("Chunk")


def bootstrap_over_chunks(chunks: Sequence[Chunk], statistic: Callable[[list[Chunk]], float], *,
                          n_resamples: int = 2000, confidence: float = 0.95, seed: int = 0) -> Interval:
    """Percentile interval of ``statistic(list_of_chunks)`` over chunks resampled with replacement.

    ``statistic`` receives a list of chunks (the originals, or a resample of them that may repeat
    some) and returns one number, e.g. the ECE of all their tokens pooled.
    """
    if len(chunks) < 2:
        raise ValueError(f"chunks must hold at least 2 chunks to resample, got {len(chunks)}")
    ids = np.arange(len(chunks), dtype=np.float64)  # bootstrap_ci resamples these chunk ids
    return bootstrap_ci(ids, lambda picked: statistic([chunks[int(i)] for i in picked]),
                        n_resamples=n_resamples, confidence=confidence, seed=seed)
