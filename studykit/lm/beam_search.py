"""transformers' beam search on a real model, for a batch of prompts, scored with one forward pass.

The search itself, and why it keeps ``B`` prefixes, is the pure :mod:`studykit.maths.beam`; this is
the same search run by ``generate()`` on the model, with each result's log-probability recomputed
(transformers reports it divided by ``length ** length_penalty``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from ..maths.beam import Hypothesis, check_positive_int, length_normalised
from . import result_cache
from .generation import _eos_ids
from .models import encode_prompts_left_padded
from .prompt_cache import copied_to_rows, prefix_cache
from .scoring import log_probs_of, states_after_prompts, token_log_probs

__all__ = ["BeamResult", "beam_search_prompts", "sequence_log_probs"]


@dataclass(frozen=True)
class BeamResult:
    """The sequence beam search returned for one prompt."""

    prompt: str
    token_ids: np.ndarray  # new tokens, cut before the first end-of-sequence token
    text: str
    log_prob: float  # sum of log P(token) at T=1 over token_ids, plus the end token if it ended
    ended: bool  # whether the model emitted end-of-sequence within max_new_tokens
    beam_score: float  # transformers' own score: the log-probability divided by length ** length_penalty
    token_log_probs: np.ndarray | None = None  # log P(token) at T=1 of each token of token_ids


def beam_search_prompts(model, tokenizer, prompts: Sequence[str], *, num_beams: int, max_new_tokens: int = 30,
                        length_penalty: float = 1.0, early_stopping: bool | str = False, chat: bool = False,
                        **generate_options) -> list[BeamResult]:
    """transformers' beam search (no sampling, one returned sequence) for every prompt, in one batch.

    Prompts are padded on the left so each continues right after its own text. ``num_beams=1``
    is greedy decoding. ``generate_options`` go to ``generate`` as they are (e.g.
    ``repetition_penalty=1.3`` or ``logits_processor=[...]``). The returned ``log_prob`` is recomputed with one forward pass over the
    outputs (float64 log-softmax), because the beam score transformers reports is divided by
    ``length ** length_penalty``.

    >>> out = beam_search_prompts(model, tokenizer, ["The cat sat on the"], num_beams=4)  # doctest: +SKIP
    >>> out[0].text, out[0].log_prob                                                      # doctest: +SKIP
    """
    arguments = dict(prompts=list(prompts) if not isinstance(prompts, str) else prompts, num_beams=num_beams,
                     max_new_tokens=max_new_tokens, length_penalty=length_penalty,
                     early_stopping=early_stopping, chat=chat, **generate_options)
    # Beam search over a batch takes a while on a CPU: the same call is read back from the result
    # cache (a logits-processor object has no stable key, so such calls are always computed).
    return result_cache.cached("beam_search_prompts", model, tokenizer, arguments,
                               lambda: _beam_search_prompts(model, tokenizer, **arguments))


def _beam_search_prompts(model, tokenizer, prompts: Sequence[str], *, num_beams: int, max_new_tokens: int,
                         length_penalty: float, early_stopping: bool | str, chat: bool,
                         **generate_options) -> list[BeamResult]:
    if isinstance(prompts, str) or len(prompts) == 0:
        raise ValueError("prompts must be a non-empty list of strings, e.g. ['The cat sat on the']")
    check_positive_int(num_beams, "num_beams", "1 is greedy, e.g. 4")
    check_positive_int(max_new_tokens, "max_new_tokens", "e.g. 30")
    length_normalised(Hypothesis((), 0.0), length_penalty)
    if early_stopping not in (True, False, "never"):
        raise ValueError(f"early_stopping must be True, False or 'never' (transformers' options), got {early_stopping!r}")

    prompt_ids, padded, mask = encode_prompts_left_padded(tokenizer, prompts, chat=chat)
    width = padded.shape[1]
    options = dict(num_beams=num_beams, length_penalty=float(length_penalty), early_stopping=early_stopping) if num_beams > 1 else {}
    # Each prompt is prefilled once: a copy of its cache goes to its beams (generate() would prefill
    # every beam's copy of the prompt; given the cache it runs only each prompt's last token), and
    # the prefill itself scores the results below.
    prefix = prefix_cache(model, padded, mask)
    beams = copied_to_rows(prefix, np.repeat(np.arange(len(prompts)), num_beams), keep=True)
    with torch.inference_mode():
        out = model.generate(padded, attention_mask=mask, cache=beams, do_sample=False, num_return_sequences=1,
                             max_new_tokens=max_new_tokens, pad_token_id=tokenizer.pad_token_id,
                             return_dict_in_generate=True, output_scores=num_beams > 1,
                             # an unset top_k/temperature in the model's generation config only warns here
                             temperature=None, top_k=None, top_p=None, **options, **generate_options)
    eos = _eos_ids(model, tokenizer)
    new = out.sequences[:, width:].numpy()
    kept, ended = [], []
    for row in new:
        stop = next((j for j, t in enumerate(row) if int(t) in eos), None)
        kept.append(row[: len(row) if stop is None else stop].copy())
        ended.append(stop is not None)
    # Score each kept continuation, plus its end token when there is one.
    scored = [np.append(k, row[len(k)]) if e else k for k, row, e in zip(kept, new, ended)]
    per_token = _scored_after(model, prefix, padded, mask, scored)
    log_probs = per_token.sum(dim=1).numpy()
    if num_beams > 1:
        beam_scores = out.sequences_scores.double().numpy()
    else:
        beam_scores = log_probs  # greedy has no length penalty
    return [BeamResult(p, k, tokenizer.decode(k, skip_special_tokens=True), float(lp), bool(e), float(s),
                       per_token[i, : len(k)].numpy().copy())
            for i, (p, k, lp, e, s) in enumerate(zip(prompts, kept, log_probs, ended, beam_scores))]


def sequence_log_probs(model, prompt_ids, prompt_mask, continuations: Sequence[np.ndarray]) -> np.ndarray:
    """Sum of log P(token) at T=1 of each continuation after its (left-padded) prompt.

    ``prompt_ids``/``prompt_mask`` are ``(N, L)`` tensors padded on the left; continuation ``i``
    follows row ``i`` (:func:`studykit.lm.scoring.token_log_probs`).
    """
    if len(continuations) != prompt_ids.shape[0]:
        raise ValueError(f"continuations must give one sequence per prompt row: {prompt_ids.shape[0]} rows, "
                         f"{len(continuations)} sequences")
    prompts = [row[m.bool()].numpy() for row, m in zip(prompt_ids, prompt_mask)]
    return np.array([lp.sum() for lp in token_log_probs(model, prompts, continuations)], dtype=np.float64)


def _scored_after(model, prefix, padded, mask, continuations: Sequence[np.ndarray]):
    """``(N, longest)`` float64 tensor: log P(token) at T=1 of each continuation token after prompt
    row ``i`` (whose :func:`~studykit.lm.prompt_cache.prefix_cache` is ``prefix``, used up), 0 past its end."""
    picked = torch.zeros(len(continuations), max((len(c) for c in continuations), default=0), dtype=torch.float64)
    states = states_after_prompts(model, prefix, padded, mask, np.arange(len(continuations)), continuations)
    for i, log_probs in enumerate(log_probs_of(model, states, continuations)):
        picked[i, : len(log_probs)] = torch.from_numpy(log_probs)
    return picked
