"""Scoring given text, as notebook 06's speculative study does: 24 prompts, 5 continuations of 24 tokens each.

``studykit.lm.scoring`` runs each distinct prompt once and the output head only where a
continuation token is predicted. The baseline is what the kit did before: one batched pass over
every row's prompt + continuation (right-padded), the head at every position. Both return the same
log-probabilities (tests/lm/test_scoring.py); this times them in turn.
"""

from __future__ import annotations

import numpy as np
import torch

from benchmarks.common import Result, best_of_interleaved
from studykit.lm import models, scoring
from studykit.studies import human_reference

PROMPTS, PER_PROMPT, TOKENS = 24, 5, 24


def _rows(tokenizer, vocab_size: int):
    rng = np.random.default_rng(0)
    prompts = [np.array(tokenizer(pair.prompt).input_ids) for pair in human_reference.prompt_continuation_pairs()[:PROMPTS]]
    return ([p for p in prompts for _ in range(PER_PROMPT)],
            [rng.integers(0, vocab_size, TOKENS) for _ in range(PROMPTS * PER_PROMPT)])


def full_rows_log_probs(model, prompts, continuations):
    """The baseline: every row's prompt + continuation in one right-padded pass, head everywhere."""
    width = max(len(p) + len(c) for p, c in zip(prompts, continuations))
    ids = torch.zeros(len(prompts), width, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, (p, c) in enumerate(zip(prompts, continuations)):
        ids[row, : len(p) + len(c)] = torch.as_tensor(np.concatenate([p, c]))
        mask[row, : len(p) + len(c)] = 1
    with torch.inference_mode():
        logits = model(ids, attention_mask=mask).logits
    result = []
    for row, (p, c) in enumerate(zip(prompts, continuations)):
        log_probs = torch.log_softmax(logits[row, len(p) - 1: len(p) + len(c) - 1].double(), dim=-1)
        result.append(log_probs.gather(-1, torch.as_tensor(c)[:, None])[:, 0].numpy())
    return result


def run() -> list[Result]:
    model, tokenizer = models.load()
    prompts, continuations = _rows(tokenizer, model.config.vocab_size)
    shared = scoring.token_log_probs(model, prompts, continuations)
    full = full_rows_log_probs(model, prompts, continuations)
    worst = max(float(np.abs(a - b).max()) for a, b in zip(shared, full))
    best = best_of_interleaved({
        "shared": lambda: scoring.token_log_probs(model, prompts, continuations),
        "full": lambda: full_rows_log_probs(model, prompts, continuations),
    }, min_rounds=2, patience=2, max_seconds=90)
    ratio = best["full"] / best["shared"]
    name = f"scoring {PROMPTS} x {PER_PROMPT} continuations of {TOKENS} tokens"
    return [
        Result(f"{name}: one prefill per prompt", best["shared"], "s"),
        Result(f"{name}: full rows", best["full"], "s"),
        Result("largest log-probability difference, the two ways", worst, "", "< 1e-3", worst < 1e-3),
        Result("shared-prefill scoring speed-up", ratio, "x", ">= 1.5x", ratio >= 1.5),
    ]
