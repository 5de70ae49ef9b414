"""Is greedy decoding repeatable when the batch around a request changes? (batch invariance)

"T = 0 is deterministic" holds for the *math*: the arg-max of fixed logits is fixed. A serving
system does not compute fixed logits. It batches requests, pads them to a common length and picks
kernels by shape, and floating-point sums taken in a different order round differently. If the top
two logits of some step are closer than that rounding noise, the arg-max can flip and the rest of
the answer follows another path ("Defeating Nondeterminism in LLM Inference", He et al., Thinking
Machines Lab, 2025, traces serving nondeterminism to kernels that are not batch-invariant).

This module runs the same greedy requests under several batch compositions and compares:

* :func:`greedy_run` -- greedy decoding of many prompts, ``batch_size`` at a time, left-padded
  (plus optional ``extra_padding`` columns), keeping the raw float32 logits of every step;
* :func:`compare_runs` -- which prompts came out different, and how far the logits moved while the
  tokens still agreed, next to the gap between the top two logits (the margin an arg-max has);
* :func:`none_seen_upper_bound` -- what "0 differences in n prompts" still allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["GreedyRun", "RunComparison", "greedy_run", "compare_runs", "first_divergence",
           "top_two_gap", "none_seen_upper_bound"]


@dataclass(frozen=True)
class GreedyRun:
    """Greedy continuations of several prompts under one batch composition."""

    label: str
    tokens: tuple[np.ndarray, ...]  # new token ids per prompt, cut at the first end-of-sequence token
    logits: tuple[np.ndarray, ...]  # (steps, V) float32 raw logits per prompt, one row per new token


@dataclass(frozen=True)
class RunComparison:
    """How a run differs from a reference run of the same prompts."""

    label: str
    differs: np.ndarray  # (prompts,) bool: the greedy tokens are not identical
    first_difference: np.ndarray  # (prompts,) step of the first different token, -1 if none
    max_abs_logit_diff: np.ndarray  # (prompts,) largest |logit difference| over the steps whose prefixes agree
    smallest_top_two_gap: np.ndarray  # (prompts,) smallest top-1 minus top-2 logit gap of the reference over those steps


def greedy_run(model, tokenizer, prompts: Sequence[str], *, label: str, batch_size: int,
               max_new_tokens: int = 16, extra_padding: int = 0) -> GreedyRun:
    """Greedy-decode every prompt (raw text, no chat template), ``batch_size`` prompts per call.

    Prompts are left-padded to the longest one in their batch, plus ``extra_padding`` more pad
    columns, and masked, as a server would batch them. ``do_sample=False`` is passed explicitly:
    it is transformers' library default, but a model's ``generation_config.json`` may override it.
    """
    import torch

    if isinstance(prompts, str) or len(prompts) == 0:
        raise ValueError("prompts must be a non-empty list of strings")
    for name, value, low in (("batch_size", batch_size, 1), ("max_new_tokens", max_new_tokens, 1),
                             ("extra_padding", extra_padding, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    eos = model.generation_config.eos_token_id
    eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
    encoded = [tokenizer(p, return_tensors="pt").input_ids[0] for p in prompts]
    tokens, logits = [], []
    for start in range(0, len(encoded), batch_size):
        group = encoded[start : start + batch_size]
        width = max(len(ids) for ids in group) + extra_padding
        ids = torch.full((len(group), width), tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for row, prompt_ids in enumerate(group):
            ids[row, width - len(prompt_ids) :] = prompt_ids
            mask[row, width - len(prompt_ids) :] = 1
        with torch.inference_mode():
            out = model.generate(ids, attention_mask=mask, do_sample=False, temperature=None, top_k=None,
                                 top_p=None, max_new_tokens=max_new_tokens, output_logits=True,
                                 return_dict_in_generate=True, pad_token_id=tokenizer.pad_token_id)
        steps = torch.stack(out.logits, dim=1).float().numpy()  # (rows, steps, V)
        for row, new in enumerate(out.sequences[:, width:].numpy()):
            cut = next((i for i, t in enumerate(new) if int(t) in eos_ids), len(new))
            tokens.append(new[:cut].copy())
            logits.append(steps[row, : max(cut, 1)].copy())  # the logits that chose each kept token
    return GreedyRun(label, tuple(tokens), tuple(logits))


def first_divergence(a: Sequence[int], b: Sequence[int]) -> int:
    """Index of the first position where two token sequences differ (including one ending early);
    -1 if they are identical.

    >>> first_divergence([1, 2, 3], [1, 2, 3]), first_divergence([1, 2, 3], [1, 5, 3]), first_divergence([1, 2], [1, 2, 3])
    (-1, 1, 2)
    """
    for i, (x, y) in enumerate(zip(a, b)):
        if int(x) != int(y):
            return i
    return -1 if len(a) == len(b) else min(len(a), len(b))


def top_two_gap(logits) -> np.ndarray:
    """Top-1 minus top-2 logit along the last axis: how far the arg-max is from a tie.

    >>> top_two_gap(np.array([[1.0, 3.0, 2.5], [0.0, 0.0, -1.0]])).tolist()
    [0.5, 0.0]
    """
    values = np.asarray(logits, dtype=np.float64)
    if values.shape[-1] < 2:
        raise ValueError(f"logits need at least 2 entries on the last axis, got shape {values.shape}")
    top_two = np.sort(values, axis=-1)[..., -2:]
    return top_two[..., 1] - top_two[..., 0]


def compare_runs(reference: GreedyRun, other: GreedyRun) -> RunComparison:
    """Compare ``other`` with ``reference`` prompt by prompt.

    Logits are compared only over the steps whose prefixes still agree (after a different token the
    two runs condition on different text, and their logits differ for that reason alone). The step
    that first differs is included: its logits were computed from the same prefix.
    """
    if len(reference.tokens) != len(other.tokens):
        raise ValueError(f"runs must cover the same prompts: {len(reference.tokens)} and {len(other.tokens)} prompts")
    differs, first, diffs, gaps = [], [], [], []
    for ref_tokens, ref_logits, oth_tokens, oth_logits in zip(reference.tokens, reference.logits,
                                                              other.tokens, other.logits):
        where = first_divergence(ref_tokens, oth_tokens)
        shared = min(len(ref_logits), len(oth_logits)) if where < 0 else min(where + 1, len(ref_logits), len(oth_logits))
        differs.append(where >= 0)
        first.append(where)
        diffs.append(float(np.abs(ref_logits[:shared] - oth_logits[:shared]).max()))
        gaps.append(float(top_two_gap(ref_logits[:shared]).min()))
    return RunComparison(other.label, np.array(differs), np.array(first), np.array(diffs), np.array(gaps))


def none_seen_upper_bound(n: int, confidence: float = 0.95) -> float:
    """Largest rate still consistent with 0 events in ``n`` independent trials (exact one-sided
    Clopper-Pearson bound, ``1 - (1 - confidence)^(1/n)``; about 3/n at 95%, the "rule of three").

    A bootstrap interval of n zeros is [0, 0]: it cannot say how large a rare rate might be.

    >>> round(none_seen_upper_bound(100), 4)
    0.0295
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer (the number of trials), got {n!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), e.g. 0.95, got {confidence!r}")
    return float(1 - (1 - confidence) ** (1 / n))
