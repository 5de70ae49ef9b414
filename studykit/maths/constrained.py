"""Constrained decoding: what masking forbidden tokens at each step does to the distribution.

A grammar allows some continuations and forbids the rest. A constrained decoder masks, at each
step, every token that cannot continue an allowed string, and renormalises over the rest. That is
**not** the model's distribution conditioned on the grammar. For an allowed sequence
``x = x_1 ... x_n``, with ``p`` the model's next-token probabilities:

* conditioned (what rejection sampling gives: sample freely, throw away what the grammar forbids):
  ``P(x | grammar) = prod_t p(x_t | x_<t) / Z``, with ``Z`` the total mass of allowed sequences;
* per-step masking: ``Q(x) = prod_t p(x_t | x_<t) / A(x_<t)``, where ``A(x_<t)`` is the mass of
  the tokens the grammar allows after the prefix ``x_<t``.

So ``P(x | grammar) / Q(x) = prod_t A(x_<t) / Z``: masking over-weights prefixes whose allowed
continuations the model finds unlikely, because it renormalises them away instead of paying for
them. Park et al. (2024, "Grammar-Aligned Decoding", NeurIPS 2024) name this the distortion of
grammar-constrained decoding and correct it with expected future grammaticality (ASAp).

The distributions here are over a small tree enumerated exactly: ``steps[t]`` holds, for every
allowed prefix of length ``t`` (as leading axes), the model's probabilities of the allowed next
tokens (last axis), *not* renormalised. The last step may have a single entry per prefix: the
mass of the allowed ways to end.

>>> first = np.array([0.4, 0.1])               # two allowed first tokens (0.5 of the mass elsewhere)
>>> second = np.array([[0.1], [0.9]])          # the allowed ending after each of them
>>> masked_distribution([first, second]).round(3).tolist()
[[0.8], [0.2]]
>>> conditioned_distribution([first, second]).round(3).tolist()
[[0.308], [0.692]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["masked_distribution", "conditioned_distribution", "allowed_mass", "steps_from_logits",
           "full_probabilities", "rejection_sample"]


def masked_distribution(steps: Sequence) -> np.ndarray:
    """``Q(x) = prod_t p(x_t | x_<t) / A(x_<t)``: per-step masking and renormalisation."""
    joint = np.ones(())
    for step in _check_steps(steps):
        local = step / step.sum(axis=-1, keepdims=True)
        joint = joint[..., None] * local
    return joint


def conditioned_distribution(steps: Sequence) -> np.ndarray:
    """``P(x | grammar) = prod_t p(x_t | x_<t) / Z``: the model conditioned on the grammar."""
    joint = np.ones(())
    for step in _check_steps(steps):
        joint = joint[..., None] * step
    return joint / joint.sum()


def allowed_mass(steps: Sequence) -> float:
    """``Z``: the probability that unconstrained sampling produces an allowed string (the
    acceptance rate of rejection sampling)."""
    joint = np.ones(())
    for step in _check_steps(steps):
        joint = joint[..., None] * step
    return float(joint.sum())


def full_probabilities(logits_by_step: Sequence, temperature: float) -> list[np.ndarray]:
    """``softmax(z / T)`` over the full vocabulary (last axis) at every step of the tree."""
    if not (np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be finite and > 0, got {temperature!r}")
    out = []
    for logits in logits_by_step:
        z = np.asarray(logits, dtype=np.float64) / temperature
        probs = np.exp(z - z.max(axis=-1, keepdims=True))
        out.append(probs / probs.sum(axis=-1, keepdims=True))
    return out


def steps_from_logits(logits_by_step: Sequence, allowed_ids, temperature: float) -> list[np.ndarray]:
    """The tree for the grammar "exactly ``len(logits_by_step) - 1`` tokens from ``allowed_ids``,
    then any other token", from the model's logits at each step (as ``exact_outcomes.token_tree_logits``
    returns them), at temperature T over the full vocabulary."""
    allowed = np.asarray(allowed_ids, dtype=int)
    probs_by_step = full_probabilities(logits_by_step, temperature)
    steps = [probs[..., allowed] for probs in probs_by_step[:-1]]
    # The end: any token outside the allowed set (summed directly: 1 - sum would cancel).
    outside = np.ones(probs_by_step[-1].shape[-1], dtype=bool)
    outside[allowed] = False
    steps.append(probs_by_step[-1][..., outside].sum(axis=-1, keepdims=True))
    return steps


def rejection_sample(probs_by_step: Sequence, allowed_ids, num_samples: int, *, seed):
    """Sample freely from the full vocabulary and keep what the grammar allows (as steps_from_logits).

    ``probs_by_step[t]`` has shape ``(A,) * t + (V,)``: the model's full next-token probabilities
    after each allowed prefix. Returns ``(kept, acceptance)``: the kept strings as rows of indices
    into ``allowed_ids`` (shape (kept, steps - 1)), and the share of draws kept.
    """
    allowed = np.asarray(allowed_ids, dtype=int)
    position = np.full(np.asarray(probs_by_step[0]).shape[-1], -1)
    position[allowed] = np.arange(allowed.size)
    rng = np.random.default_rng(seed)
    prefixes = np.zeros((num_samples, 0), dtype=int)
    for t, probs in enumerate(probs_by_step):
        probs = np.asarray(probs, dtype=np.float64)
        tokens = np.empty(len(prefixes), dtype=int)
        groups: dict[tuple, list[int]] = {}
        for row, prefix in enumerate(map(tuple, prefixes)):
            groups.setdefault(prefix, []).append(row)
        for prefix, rows in groups.items():
            p = probs[prefix] if prefix else probs
            tokens[rows] = rng.choice(p.size, size=len(rows), p=p / p.sum())
        index = position[tokens]
        if t < len(probs_by_step) - 1:
            keep = index >= 0                      # an allowed token continues the string
            prefixes = np.column_stack([prefixes[keep], index[keep]])
        else:
            prefixes = prefixes[index < 0]         # the string must end: any token not allowed
    return prefixes, len(prefixes) / num_samples


def _check_steps(steps: Sequence) -> list[np.ndarray]:
    arrays = [np.asarray(step, dtype=np.float64) for step in steps]
    if not arrays:
        raise ValueError("steps must hold at least one step")
    for t, step in enumerate(arrays):
        if step.ndim != t + 1:
            raise ValueError(f"steps[{t}] must have {t + 1} axes (prefix axes, then the next token), "
                             f"got shape {step.shape}")
        if t and step.shape[:-1] != arrays[t - 1].shape:
            raise ValueError(f"steps[{t}] must have one row per prefix {arrays[t - 1].shape}, got {step.shape}")
        if not np.all(np.isfinite(step)) or np.any(step < 0) or np.any(step.sum(axis=-1) > 1 + 1e-9):
            raise ValueError(f"steps[{t}] must hold probabilities (non-negative, summing to at most 1)")
        if np.any(step.sum(axis=-1) <= 0):
            raise ValueError(f"steps[{t}] has a prefix with no allowed continuation")
    return arrays
