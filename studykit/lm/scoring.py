"""Scoring given text: the model's states where it predicts each token of a continuation.

To score a continuation ``c`` of a prompt ``p`` (its log-probability, or a draft's view of it), the
model reads ``p + c`` and the positions that predict ``c`` are ``len(p) - 1`` to
``len(p) + len(c) - 2``. Two savings, neither of which changes what is computed beyond float
rounding of a differently shaped batch:

* each distinct prompt is run once (:mod:`studykit.lm.prompt_cache`), however many rows continue
  it, and prompts of similar length share a pass, so little work goes to padding;
* the output head (49,152 logits per position) runs only where a continuation token is predicted,
  not over the prompt.
"""

from __future__ import annotations

import copy
from typing import Sequence

import numpy as np

from .prompt_cache import copied_to_rows, left_padded, prefix_cache

__all__ = ["continuation_states", "states_after_prompts", "token_log_probs", "log_probs_of"]

TOKENS_PER_PASS = 4096  # padded tokens in one forward pass: large enough to keep the CPU busy


def _ids(row) -> np.ndarray:
    return np.asarray(row, dtype=np.int64).reshape(-1)


def _no_states(model, layers):
    """The states of an empty continuation: no positions."""
    import torch

    empty = torch.zeros(0, model.config.hidden_size)
    return empty, {int(l): empty for l in layers}


def states_after_prompts(model, cache, padded, mask, rows: np.ndarray, continuations: Sequence[np.ndarray], *,
                         layers: Sequence[int] = ()):
    """One pass over ``continuations`` after their prompts, given the prompts' :func:`prefix_cache`.

    ``padded``/``mask`` are the prompts, left-padded; ``cache`` their prefix cache (one row per
    prompt, or None for one-token-wide prompts) and ``rows[i]`` the prompt that continuation ``i``
    follows. ``cache`` is used up. Returns, per continuation, ``(final, {layer: states})``: the
    model's last hidden state at the ``len(c)`` positions that predict ``c`` (after the final norm:
    what the output head reads) and the output of each listed layer at the same positions.
    """
    import torch

    rows = np.asarray(rows, dtype=np.int64).reshape(-1)
    lengths = [len(c) for c in continuations]
    steps = max(lengths, default=0)
    if steps == 0:
        return [_no_states(model, layers) for _ in lengths]
    # Row i runs its prompt's last token, then c[:-1]: position j predicts c[j].
    ids = torch.zeros((len(rows), steps), dtype=torch.long)
    step_mask = torch.zeros_like(ids)
    ids[:, 0] = padded[rows, -1]
    for i, c in enumerate(continuations):
        ids[i, 1: len(c)] = torch.as_tensor(_ids(c)[:-1])
        step_mask[i, : max(len(c), 1)] = 1
    attention = torch.cat([mask[rows], step_mask[:, 1:]], dim=-1)
    start = mask[rows].sum(-1, keepdim=True) - 1  # the last prompt token's position
    position_ids = (start + torch.arange(steps)[None]).masked_fill(step_mask == 0, 0)
    with torch.inference_mode():
        out = model.model(ids, attention_mask=attention, position_ids=position_ids,
                          cache=copied_to_rows(cache, rows), use_cache=cache is not None,
                          output_hidden_states=bool(layers))
    return [(out.last_hidden_state[i, :n], {int(l): out.hidden_states[l][i, :n] for l in layers})
            for i, n in enumerate(lengths)]


def continuation_states(model, prompts: Sequence, continuations: Sequence, *, layers: Sequence[int] = (),
                        tokens_per_pass: int = TOKENS_PER_PASS):
    """:func:`states_after_prompts` for any rows: ``continuations[i]`` follows ``prompts[i]`` (token ids).

    Rows with the same prompt share its prefill; prompts are taken shortest first, as many per pass
    as fit ``tokens_per_pass`` padded tokens, and a prompt's rows are split into passes of that
    size. Returns one ``(final, {layer: states})`` per row, in the order given; an empty
    continuation gets empty states.
    """
    if len(prompts) != len(continuations):
        raise ValueError(f"prompts and continuations must pair up, got {len(prompts)} and {len(continuations)}")
    prompts = [_ids(p) for p in prompts]
    continuations = [_ids(c) for c in continuations]
    if any(len(p) == 0 for p in prompts):
        raise ValueError("every prompt needs at least one token (it predicts the first new token)")
    distinct: dict[bytes, int] = {}
    prompt_of = np.array([distinct.setdefault(p.tobytes(), len(distinct)) for p in prompts])
    first = {d: i for i, d in reversed(list(enumerate(prompt_of)))}
    order = sorted(distinct.values(), key=lambda d: len(prompts[first[d]]))
    results: list = [None] * len(prompts)
    for group in _passes(order, prompt_of, [len(prompts[first[d]]) for d in range(len(distinct))],
                         [len(c) for c in continuations], tokens_per_pass):
        members = [i for i in np.flatnonzero(np.isin(prompt_of, group)) if len(continuations[i])]
        if not members:
            continue
        local = {d: j for j, d in enumerate(group)}
        padded, mask = left_padded([prompts[first[d]] for d in group], pad_token_id=0)
        prefix = prefix_cache(model, padded, mask)
        batches = list(_row_batches(members, [len(c) for c in continuations], tokens_per_pass))
        for k, batch in enumerate(batches):
            cache = prefix if k == len(batches) - 1 or prefix is None else copy.deepcopy(prefix)
            states = states_after_prompts(model, cache, padded, mask, np.array([local[prompt_of[i]] for i in batch]),
                                          [continuations[i] for i in batch], layers=layers)
            for i, s in zip(batch, states):
                results[i] = s
    return [r if r is not None else _no_states(model, layers) for r in results]


def _passes(order, prompt_of, prompt_length, continuation_length, budget):
    """Distinct prompts (shortest first) grouped so each pass stays within ``budget`` padded tokens,
    both for the prompts' prefill and for their rows' continuations."""
    group, rows, longest_row = [], 0, 0
    for d in order:
        d_rows = [continuation_length[i] for i in np.flatnonzero(prompt_of == d)]
        new_rows, new_longest = rows + len(d_rows), max([longest_row, *d_rows])
        if group and ((len(group) + 1) * prompt_length[d] > budget or new_rows * new_longest > budget):
            yield group
            group, new_rows, new_longest = [], len(d_rows), max(d_rows, default=0)
        group.append(d)
        rows, longest_row = new_rows, new_longest
    if group:
        yield group


def _row_batches(members, continuation_length, budget):
    """The rows of one pass split so that rows x longest continuation stays within ``budget`` (a
    prompt with thousands of continuations must not take one pass of them all)."""
    batch, longest = [], 0
    for i in members:
        if batch and (len(batch) + 1) * max(longest, continuation_length[i]) > budget:
            yield batch
            batch, longest = [], 0
        batch.append(i)
        longest = max(longest, continuation_length[i])
    if batch:
        yield batch


def token_log_probs(model, prompts: Sequence, continuations: Sequence) -> list[np.ndarray]:
    """log P(token) at T = 1 (float64) of each token of each continuation after its prompt (token ids)."""
    return log_probs_of(model, continuation_states(model, prompts, continuations), continuations)


def log_probs_of(model, states, continuations: Sequence) -> list[np.ndarray]:
    """log P(token) at T = 1 (float64) of each continuation's tokens, given its states (as returned by
    :func:`continuation_states` or :func:`states_after_prompts`): the output head, then a log-softmax."""
    import torch

    lengths = [len(final) for final, _ in states]
    if sum(lengths) == 0:
        return [np.zeros(0) for _ in lengths]
    finals = torch.cat([final for final, _ in states])
    tokens = torch.as_tensor(np.concatenate([_ids(c) for c in continuations]))
    picked = torch.empty(len(tokens), dtype=torch.float64)
    head = model.get_output_embeddings()
    with torch.inference_mode():
        for a in range(0, len(tokens), _HEAD_ROWS):  # the float64 log-softmax of a few hundred rows at a time
            log_probs = torch.log_softmax(head(finals[a: a + _HEAD_ROWS]).double(), dim=-1)
            picked[a: a + _HEAD_ROWS] = log_probs.gather(-1, tokens[a: a + _HEAD_ROWS, None])[:, 0]
    bounds = np.cumsum([0, *lengths])
    return [picked[a:b].numpy().copy() for a, b in zip(bounds[:-1], bounds[1:])]


_HEAD_ROWS = 512
