"""The temperature of a contrastive loss, and why a small one hunts the hardest negatives.

A batch holds B pairs (a_i, b_i), e.g. a question and its answer. With cosine similarities
s_ij = cos(a_i, b_j), the InfoNCE-style loss of row i is a B-way classification: which b is a_i's
partner? Its logits are s_ij / tau:

    L_i = -log( exp(s_ii / tau) / sum_j exp(s_ij / tau) ).

(van den Oord et al. 2018 score pairs with exp of a learned bilinear form and no separate tau; the
tau dividing cosine similarities comes with instance discrimination, Wu et al. 2018, and CLIP,
Radford et al. 2021, which learns 1/tau as a "logit scale", averaging the loss over rows and columns.)

The gradient on a negative is dL_i/ds_ij = P_ij / tau with P_i = softmax(s_i / tau), so the push
is shared among the negatives j != i in proportion to exp(s_ij / tau): a Boltzmann distribution over
negatives, the same form as sampling temperature over tokens. Wang and Liu (2021), "Understanding
the Behaviour of Contrastive Loss", call the loss *hardness-aware*: the smaller tau, the more of
that push lands on the hardest (most similar) negative.

>>> import torch
>>> s = torch.tensor([[0.9, 0.8, 0.1], [0.2, 0.9, 0.0], [0.1, 0.3, 0.9]])
>>> negative_weights(s, 0.1)[0].round(decimals=3)
tensor([0.0000, 0.9990, 0.0010], dtype=torch.float64)

Pure torch.
"""

from __future__ import annotations

import math

import numpy as np
import torch

__all__ = ["cosine_similarities", "info_nce_loss", "negative_weights", "hardest_negative_share",
           "retrieval_hits"]


def cosine_similarities(first, second) -> torch.Tensor:
    """(B, B) matrix of cosine similarities between the rows of ``first`` and of ``second``."""
    a, b = (torch.as_tensor(x).double() for x in (first, second))
    if a.ndim != 2 or a.shape != b.shape or a.shape[0] < 2:
        raise ValueError(f"first and second must both be (B, d) with B >= 2 pairs, got {tuple(a.shape)} and {tuple(b.shape)}")
    a = torch.nn.functional.normalize(a, dim=-1)
    b = torch.nn.functional.normalize(b, dim=-1)
    return a @ b.T


def info_nce_loss(similarities, temperature: float, *, symmetric: bool = False) -> torch.Tensor:
    """Mean InfoNCE loss with logits s / tau, the partner of row i being column i.

    ``symmetric=True`` averages the row-wise (a -> b) and column-wise (b -> a) losses, as CLIP does.
    """
    s = _as_square(similarities)
    tau = _check_temperature(temperature)
    target = torch.arange(s.shape[0])
    rows = torch.nn.functional.cross_entropy(s / tau, target)
    if not symmetric:
        return rows
    return (rows + torch.nn.functional.cross_entropy(s.T / tau, target)) / 2


def negative_weights(similarities, temperature: float) -> torch.Tensor:
    """(B, B): row i holds how row i's gradient push is shared among its negatives j != i,
    exp(s_ij / tau) / sum_{k != i} exp(s_ik / tau); the diagonal (the positive) is 0."""
    s = _as_square(similarities)
    tau = _check_temperature(temperature)
    eye = torch.eye(s.shape[0], dtype=torch.bool)
    return torch.softmax((s / tau).masked_fill(eye, -math.inf), dim=-1)


def hardest_negative_share(similarities, temperature: float) -> torch.Tensor:
    """Per row, the share of the push on negatives that lands on the most similar negative."""
    return negative_weights(similarities, temperature).max(dim=-1).values


def retrieval_hits(similarities) -> torch.Tensor:
    """Per row, whether the partner (column i) is the most similar column: a top-1 retrieval hit."""
    s = _as_square(similarities)
    return s.argmax(dim=-1) == torch.arange(s.shape[0])


# --- helpers -------------------------------------------------------------------------------------

def _as_square(similarities) -> torch.Tensor:
    s = torch.as_tensor(similarities).double()
    if s.ndim != 2 or s.shape[0] != s.shape[1] or s.shape[0] < 2:
        raise ValueError(f"similarities must be a square (B, B) matrix with B >= 2, got {tuple(s.shape)}")
    if not torch.isfinite(s).all():
        raise ValueError("similarities must be finite (no NaN or infinity)")
    return s


def _check_temperature(temperature) -> float:
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.floating, np.integer)) \
            or not math.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a finite number > 0 (CLIP's starts at 0.07), got {temperature!r}")
    return float(temperature)
