"""A small synthetic next-token market for fast tests of market, plots and widgets."""

import numpy as np

VOCAB = 300


def logits() -> np.ndarray:
    return np.random.default_rng(7).normal(0, 2.5, VOCAB)


def tokens() -> list[str]:
    """One token string per logit; two in three start with a space, as words do mid-sentence."""
    return [f" w{i}" if i % 3 else f"w{i}" for i in range(VOCAB)]
