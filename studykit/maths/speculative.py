"""Speculative sampling: draw from a cheap draft ``q``, keep the target ``p`` exactly.

One step (Leviathan et al. 2023, "Fast Inference from Transformers via Speculative Decoding";
Chen et al. 2023, "Accelerating Large Language Model Decoding with Speculative Sampling"):

1. draw ``x ~ q``;
2. accept it with probability ``min(1, p(x) / q(x))``;
3. otherwise draw from the residual ``max(0, p - q)``, renormalised.

The output is distributed exactly as ``p``: ``P(x) = min(p(x), q(x)) + (1 - alpha) * residual(x)``
with ``alpha = sum_x min(p(x), q(x))`` the acceptance probability, and ``(1 - alpha) * residual(x)
= max(0, p(x) - q(x))``, so ``P(x) = p(x)`` (:func:`output_distribution`). ``alpha = 1 - TV(p, q)``.

With a draft block of ``gamma`` tokens whose acceptances are independent with probability
``alpha``, the expected number of tokens one target pass yields is ``(1 - alpha ** (gamma + 1)) /
(1 - alpha)`` (:func:`expected_tokens_per_block`). An early-exit draft shares its layers with the
target, which changes what a block costs (:func:`self_speculative_cost_per_token`).

The classic bug resamples a rejected draft from ``p`` instead of the residual
(:func:`speculative_sample_with_bug`, kept as a negative control): its output is ``min(p, q) + (1 -
alpha) * p`` (:func:`buggy_output_distribution`), which differs from ``p`` by little when ``alpha`` is
near 0 (almost every token then comes from the fallback, right or wrong) and most at middling
``alpha``. A test meant to rule the bug out must be run where it can see it.

>>> p, q = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5])
>>> acceptance_probability(p, q)
0.7
>>> residual_distribution(p, q).round(3)
array([1., 0., 0.])
>>> np.allclose(output_distribution(p, q), p)
True
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["acceptance_probability", "residual_distribution", "output_distribution", "speculative_sample",
           "speculative_sample_with_bug", "buggy_output_distribution", "expected_tokens_per_block",
           "self_speculative_cost_per_token"]


def acceptance_probability(p, q) -> float:
    """``sum_x min(p(x), q(x))``: the chance a draft token ``x ~ q`` is accepted for target ``p``."""
    p, q = _pair(p, q)
    return float(np.minimum(p, q).sum(axis=-1)) if p.ndim == 1 else np.minimum(p, q).sum(axis=-1)


def residual_distribution(p, q) -> np.ndarray:
    """``max(0, p - q)`` renormalised: where a rejected draft is resampled from.

    Undefined when ``p == q`` (nothing is ever rejected); then ``p`` itself is returned.
    """
    p, q = _pair(p, q)
    excess = np.maximum(p - q, 0.0)
    total = excess.sum(axis=-1, keepdims=True)
    return np.where(total > 0, excess / np.where(total > 0, total, 1.0), p)


def output_distribution(p, q) -> np.ndarray:
    """The exact distribution of the token one speculative step emits (it equals ``p``)."""
    p, q = _pair(p, q)
    accepted = np.minimum(p, q)  # q(x) * min(1, p(x) / q(x))
    rejected_mass = 1.0 - accepted.sum(axis=-1, keepdims=True)
    return accepted + rejected_mass * residual_distribution(p, q)


def speculative_sample(p, q, num_samples: int, *, seed=None):
    """``num_samples`` independent speculative steps for one position: ``(tokens, accepted)``.

    ``tokens`` are the emitted token ids, ``accepted`` whether the draft token was kept.
    """
    return _speculative_steps(p, q, num_samples, seed, buggy=False)


def speculative_sample_with_bug(p, q, num_samples: int, *, seed=None):
    """The classic mistake, as a negative control: a rejected draft is resampled from the target
    ``p`` instead of the residual ``max(0, p - q)``. Same random numbers as :func:`speculative_sample`
    with the same seed; only the fallback differs. Its tokens follow :func:`buggy_output_distribution`."""
    return _speculative_steps(p, q, num_samples, seed, buggy=True)


def buggy_output_distribution(p, q) -> np.ndarray:
    """The distribution the bug emits: ``min(p, q) + (1 - alpha) * p``. It equals ``p`` only when
    ``min(p, q) = alpha * p``, e.g. when ``q == p`` (alpha = 1) or when the supports are disjoint (alpha = 0)."""
    p, q = _pair(p, q)
    accepted = np.minimum(p, q)
    return accepted + (1.0 - accepted.sum(axis=-1, keepdims=True)) * p


def _speculative_steps(p, q, num_samples, seed, *, buggy: bool):
    p, q = _pair(p, q)
    if p.ndim != 1:
        raise ValueError("speculative_sample takes one position: p and q of shape (V,)")
    if isinstance(num_samples, bool) or not isinstance(num_samples, numbers.Integral) or num_samples < 1:
        raise ValueError(f"num_samples must be a positive integer, got {num_samples!r}")
    rng = np.random.default_rng(seed)
    draft = _draw(q, rng.random(num_samples))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(q[draft] > 0, p[draft] / q[draft], 0.0)
    accepted = rng.random(num_samples) < np.minimum(1.0, ratio)
    resampled = _draw(p if buggy else residual_distribution(p, q), rng.random(num_samples))
    return np.where(accepted, draft, resampled), accepted


def expected_tokens_per_block(alpha, gamma: int):
    """``(1 - alpha ** (gamma + 1)) / (1 - alpha)``: tokens per target pass with ``gamma`` drafted tokens.

    Between 1 (every draft rejected: the target still yields one token) and ``gamma + 1`` (all kept).
    """
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Integral) or gamma < 1:
        raise ValueError(f"gamma (draft tokens per block) must be a positive integer, got {gamma!r}")
    a = np.asarray(alpha, dtype=np.float64)
    if not np.all((a >= 0) & (a <= 1)):
        raise ValueError(f"alpha must be an acceptance rate in [0, 1], got {alpha!r}")
    # sum_{i=0..gamma} alpha^i, the same value without dividing 0 by 0 at alpha = 1
    result = np.sum(a[..., None] ** np.arange(gamma + 1), axis=-1)
    return float(result) if result.ndim == 0 else result


def self_speculative_cost_per_token(alpha, gamma: int, draft_layers: int, total_layers: int):
    """Cost per emitted token, in full target passes, of speculation with an early-exit draft.

    The draft is the target's own first ``l = draft_layers`` of ``L = total_layers`` layers, so the
    two share those layers (self-speculative decoding; Elhoushi et al. 2024, "LayerSkip"). One block:

    * ``gamma`` draft steps in sequence, each running layers 1..l on one token: ``gamma * l`` layers;
    * one verification pass over the ``gamma`` drafted positions that runs only layers l+1..L,
      reusing the first l layers the draft already computed: ``L - l`` layers. A pass over several
      positions costs what a pass over one does (decoding is memory-bound: the cost is reading each
      layer's weights once).

    It yields the kept drafts and, at the first rejection, one token from the residual; when all
    ``gamma`` are kept there is no extra token (the last draft's own first layers were never run), so
    ``1 + alpha + ... + alpha ** (gamma - 1)`` tokens per block. Plain decoding costs 1 pass per
    token; a value below 1 is a speed-up. With ``gamma = 1`` the cost is exactly 1 whatever ``alpha``.
    """
    for name, value in (("gamma", gamma), ("draft_layers", draft_layers), ("total_layers", total_layers)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if draft_layers >= total_layers:
        raise ValueError(f"draft_layers must be below total_layers ({total_layers}), got {draft_layers}")
    a = np.asarray(alpha, dtype=np.float64)
    if not np.all((a >= 0) & (a <= 1)):
        raise ValueError(f"alpha must be an acceptance rate in [0, 1], got {alpha!r}")
    block = (gamma * draft_layers + (total_layers - draft_layers)) / total_layers
    tokens = np.sum(a[..., None] ** np.arange(gamma), axis=-1)
    result = block / tokens
    return float(result) if result.ndim == 0 else result


def _draw(probs, uniforms):
    cdf = np.cumsum(probs)
    return np.minimum(np.searchsorted(cdf, uniforms * cdf[-1], side="right"), len(probs) - 1)


def _pair(p, q):
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if p.shape != q.shape or p.ndim not in (1, 2) or p.shape[-1] == 0:
        raise ValueError(f"p (target) and q (draft) must be distributions over the same vocabulary, got {p.shape} and {q.shape}")
    for name, d in (("p", p), ("q", q)):
        # float32 softmax over a large vocabulary sums to 1 only within ~1e-5
        if not np.all(np.isfinite(d)) or np.any(d < 0) or not np.allclose(d.sum(axis=-1), 1.0, atol=1e-4):
            raise ValueError(f"{name} must hold probabilities >= 0 summing to 1 (within 1e-4)")
    return p, q
