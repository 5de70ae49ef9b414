"""Exact probabilities of short sampled outcomes on the model, computed instead of sampled.

Two things notebook 08 needs from the model, each from one batched forward pass:

* :func:`token_tree_logits`: the logits at every step of every continuation of a prompt made of
  ``length`` tokens from a small allowed set (10 digits, two steps: 100 continuations), plus the
  step after them. Enough to enumerate a grammar's whole language exactly.
* :func:`answer_probabilities`: the probability that a reply sampled at temperature T (no other
  filter) *begins* with a given answer and then stops it (its next token is not in
  ``continue_ids``). Drawing a Bernoulli variable with this probability has exactly the
  distribution of "sample a reply, check whether it starts with the answer", at a fraction of the
  cost of generating text.
"""

from __future__ import annotations


import numpy as np

from ..lm import models
from ..maths import sampling

__all__ = ["token_tree_logits", "answer_probabilities", "context_ids"]


def context_ids(tokenizer, prompt: str, *, chat: bool = False, prefill: str = "") -> list[int]:
    """The prompt's token ids (as a chat user turn if ``chat``), then the reply's forced start."""
    ids = models.encode_prompt(tokenizer, prompt, chat=chat)[0].tolist()
    if prefill:
        ids += tokenizer(prefill, add_special_tokens=False).input_ids
    return ids


def token_tree_logits(model, tokenizer, prompt: str, allowed_ids, *, length: int = 2) -> list[np.ndarray]:
    """Logits (float64) at each step of every ``length``-token continuation drawn from ``allowed_ids``.

    Entry ``t`` has shape ``(A,) * t + (V,)``: the next-token logits after each allowed prefix of
    length ``t`` (A = len(allowed_ids)); entry ``length`` holds the step after the full prefix.
    The prompt is run once; each step feeds one new token per prefix through the key-value cache,
    so the work is the prompt plus A + A^2 + ... tokens, not A^length copies of the prompt.
    """
    import torch

    allowed = [int(i) for i in allowed_ids]
    if length < 1 or not allowed:
        raise ValueError("length must be >= 1 and allowed_ids non-empty")
    base = models.encode_prompt(tokenizer, prompt)
    a = len(allowed)
    with torch.inference_mode():
        out = model(base, use_cache=True, logits_to_keep=1)
        steps = [out.logits[0, -1].double().numpy()]
        cache, rows = out.cache, 1
        for t in range(1, length + 1):
            cache.batch_repeat_interleave(a)          # row r becomes rows r*A ... r*A + A - 1 (C order)
            tokens = torch.tensor(allowed * rows)[:, None]
            out = model(tokens, cache=cache, use_cache=True)
            cache, rows = out.cache, rows * a
            steps.append(out.logits[:, -1].double().numpy().reshape((a,) * t + (-1,)))
    return steps


def answer_probabilities(model, contexts, answers, continue_ids, temperatures) -> np.ndarray:
    """``P(reply starts with answer, then a token outside continue_ids)`` per temperature and task.

    ``contexts`` and ``answers`` are lists of token-id lists; returns shape (len(temperatures), N).
    The prefix all rows share (a chat template's system turn) runs once through the key-value cache;
    rows of equal length then share one forward pass (no padding, so no position shifts).
    """
    import copy

    import torch

    if len(contexts) != len(answers) or not contexts:
        raise ValueError("contexts and answers must pair up, one answer per context")
    temperatures = [float(t) for t in temperatures]
    stop = np.ones(model.config.vocab_size, dtype=bool)
    stop[[int(i) for i in continue_ids]] = False
    rows = [list(c) + list(a) for c, a in zip(contexts, answers)]
    shared = min(_common_prefix(rows), min(len(c) for c in contexts) - 1)
    result = np.empty((len(temperatures), len(rows)))
    by_length: dict[int, list[int]] = {}
    for i, row in enumerate(rows):
        by_length.setdefault(len(row), []).append(i)
    with torch.inference_mode():
        prefix_cache = model(torch.tensor([rows[0][:shared]]), use_cache=True, logits_to_keep=1).cache \
            if shared else None
        for members in by_length.values():
            keep = max(len(answers[i]) for i in members) + 1
            cache = None
            if prefix_cache is not None:
                cache = copy.deepcopy(prefix_cache)
                cache.batch_repeat_interleave(len(members))
            tails = torch.tensor([rows[i][shared:] for i in members])
            logits = model(tails, cache=cache, use_cache=cache is not None,
                           logits_to_keep=keep).logits.double().numpy()
            for row_logits, i in zip(logits, members):
                k = len(answers[i])
                steps = row_logits[-k - 1:]                   # predicts answer[0], ..., answer[-1], then the stop
                for j, t in enumerate(temperatures):
                    probs = sampling.softmax(steps, t)
                    p_answer = np.prod(probs[np.arange(k), answers[i]])
                    result[j, i] = p_answer * probs[-1][stop].sum()
    return result


def _common_prefix(rows) -> int:
    first = rows[0]
    n = min(len(r) for r in rows)
    for k in range(n):
        if any(r[k] != first[k] for r in rows):
            return k
    return n
