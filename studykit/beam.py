"""Beam search: keep the ``B`` most probable partial sequences instead of only the best one.

Greedy decoding takes the most likely token at every step, so a likely sequence that starts with a
less likely token is never seen. Beam search keeps ``beam_width`` prefixes alive, extends each by
every next token, and keeps the ``beam_width`` best by total log-probability. It is still a
heuristic: it can miss the most likely sequence too, only less often than greedy.

Two halves:

* :func:`beam_search` / :func:`greedy_search` / :func:`all_sequences` are pure and run on any
  "next-token table", e.g. a tiny tree of made-up probabilities (:data:`BLOG_TREE`, the word tree of
  the Hugging Face blog post "How to generate text", von Platen 2020) where greedy misses the best
  sequence and beam search with two beams finds it;
* :func:`beam_search_prompts` runs transformers' own beam search on a real model for a batch of
  prompts and recomputes each result's log-probability with one forward pass.

>>> greedy_search(BLOG_TREE, steps=2)
Hypothesis(tokens=('nice', 'woman'), log_prob=-1.6094379124341003)
>>> beam_search(BLOG_TREE, beam_width=2, steps=2)[0].tokens
('dog', 'has')
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Hashable, Mapping, Sequence

import numpy as np

__all__ = ["BLOG_TREE", "Hypothesis", "greedy_search", "beam_search", "all_sequences", "length_normalised",
           "BeamResult", "beam_search_prompts", "sequence_log_probs"]

# A tree of made-up next-word probabilities after the prompt "The" (the HF blog's example): greedy
# takes "nice" (0.5) then "woman" (0.4), P = 0.20; "dog" (0.4) then "has" (0.9) has P = 0.36.
BLOG_TREE: dict[tuple, dict[str, float]] = {
    (): {"nice": 0.5, "dog": 0.4, "car": 0.1},
    ("nice",): {"woman": 0.4, "house": 0.3, "guy": 0.3},
    ("dog",): {"has": 0.9, "and": 0.05, "runs": 0.05},
    ("car",): {"is": 0.3, "drives": 0.5, "turns": 0.2},
}

NextTokens = Callable[[tuple], Mapping[Hashable, float]] | Mapping[tuple, Mapping[Hashable, float]]


@dataclass(frozen=True)
class Hypothesis:
    """A token sequence and its total log-probability (the sum of its tokens' log-probabilities)."""

    tokens: tuple
    log_prob: float

    @property
    def prob(self) -> float:
        return math.exp(self.log_prob)


def length_normalised(hypothesis: Hypothesis, length_penalty: float) -> float:
    """transformers' beam score: ``log_prob / len(tokens) ** length_penalty``.

    Log-probabilities are negative, so dividing by a larger power of the length makes long
    sequences score higher: ``length_penalty > 0`` favours longer output, ``< 0`` shorter, ``0``
    compares plain sums.
    """
    if not _is_real(length_penalty):
        raise ValueError(f"length_penalty must be a real number (1.0 is transformers' default), got {length_penalty!r}")
    return hypothesis.log_prob / max(len(hypothesis.tokens), 1) ** length_penalty


def greedy_search(next_tokens: NextTokens, steps: int) -> Hypothesis:
    """Take the most likely next token at every step (ties go to the first listed)."""
    return beam_search(next_tokens, beam_width=1, steps=steps)[0]


def beam_search(next_tokens: NextTokens, beam_width: int, steps: int, *, length_penalty: float = 0.0) -> list[Hypothesis]:
    """The ``beam_width`` best sequences beam search finds in ``steps`` steps, best first.

    ``next_tokens`` maps a prefix (a tuple of tokens) to ``{token: probability}``: a dict like
    :data:`BLOG_TREE` or a function. A prefix with no entry (or an empty one) is finished: it
    stays in the beam with its score. Candidates are ranked by their total log-probability, or by
    :func:`length_normalised` scores when ``length_penalty`` is not 0. Ties keep listing order.
    """
    lookup = _as_lookup(next_tokens)
    _check_positive_int(beam_width, "beam_width", "e.g. 2")
    _check_positive_int(steps, "steps", "e.g. 3")
    length_normalised(Hypothesis((), 0.0), length_penalty)  # validates length_penalty

    beams = [Hypothesis((), 0.0)]
    for _ in range(steps):
        candidates = []
        for beam in beams:
            options = lookup(beam.tokens)
            if not options:
                candidates.append(beam)  # finished: it competes with its final score
                continue
            for token, p in options.items():
                candidates.append(Hypothesis(beam.tokens + (token,), beam.log_prob + _log(p, beam.tokens, token)))
        # sorted() is stable, so equal scores keep the order in which they were listed.
        beams = sorted(candidates, key=lambda h: -length_normalised(h, length_penalty))[:beam_width]
    return beams


def all_sequences(next_tokens: NextTokens, steps: int) -> list[Hypothesis]:
    """Every sequence of up to ``steps`` tokens in the table, most likely first (exhaustive search)."""
    return beam_search(next_tokens, beam_width=10**9, steps=steps)


# --- transformers' beam search on a real model --------------------------------------------------------


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
    from . import result_cache

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
    import torch

    from .generation import _eos_ids, shared_prompt_cache
    from .models import encode_prompts_left_padded

    if isinstance(prompts, str) or len(prompts) == 0:
        raise ValueError("prompts must be a non-empty list of strings, e.g. ['The cat sat on the']")
    _check_positive_int(num_beams, "num_beams", "1 is greedy, e.g. 4")
    _check_positive_int(max_new_tokens, "max_new_tokens", "e.g. 30")
    length_normalised(Hypothesis((), 0.0), length_penalty)
    if early_stopping not in (True, False, "never"):
        raise ValueError(f"early_stopping must be True, False or 'never' (transformers' options), got {early_stopping!r}")

    prompt_ids, padded, mask = encode_prompts_left_padded(tokenizer, prompts, chat=chat)
    width = padded.shape[1]
    options = dict(num_beams=num_beams, length_penalty=float(length_penalty), early_stopping=early_stopping) if num_beams > 1 else {}
    # Each prompt is prefilled once and its cache copied to its beams (generate() would prefill
    # every beam's copy of the prompt); generate() then runs only each prompt's last token.
    cache = shared_prompt_cache(model, padded, mask, np.repeat(np.arange(len(prompts)), num_beams))
    with torch.inference_mode():
        out = model.generate(padded, attention_mask=mask, cache=cache, do_sample=False, num_return_sequences=1,
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
    per_token = _token_log_probs(model, padded, mask, scored)
    log_probs = per_token.sum(dim=1).numpy()
    if num_beams > 1:
        beam_scores = out.sequences_scores.double().numpy()
    else:
        beam_scores = log_probs  # greedy has no length penalty
    return [BeamResult(p, k, tokenizer.decode(k, skip_special_tokens=True), float(lp), bool(e), float(s),
                       per_token[i, : len(k)].numpy().copy())
            for i, (p, k, lp, e, s) in enumerate(zip(prompts, kept, log_probs, ended, beam_scores))]


def sequence_log_probs(model, prompt_ids, prompt_mask, continuations: Sequence[np.ndarray]) -> np.ndarray:
    """Sum of log P(token) at T=1 of each continuation after its (left-padded) prompt, one forward pass.

    ``prompt_ids``/``prompt_mask`` are ``(N, L)`` tensors padded on the left; continuation ``i``
    follows row ``i``. Continuations are padded on the right and masked; positions are counted
    from each row's first real token, as ``generate`` counts them.
    """
    return _token_log_probs(model, prompt_ids, prompt_mask, continuations).sum(dim=1).numpy()


def _token_log_probs(model, prompt_ids, prompt_mask, continuations: Sequence[np.ndarray]):
    """``(N, longest)`` float64 tensor: log P(token) at T=1 of each continuation token, 0 past its end."""
    import torch

    n, width = prompt_ids.shape
    if len(continuations) != n:
        raise ValueError(f"continuations must give one sequence per prompt row: {n} rows, {len(continuations)} sequences")
    longest = max((len(c) for c in continuations), default=0)
    if longest == 0:
        return torch.zeros(n, 0, dtype=torch.float64)
    ids = torch.full((n, width + longest), 0, dtype=torch.long)
    ids[:, :width] = prompt_ids
    mask = torch.zeros_like(ids)
    mask[:, :width] = prompt_mask
    for row, cont in enumerate(continuations):
        ids[row, width: width + len(cont)] = torch.as_tensor(np.asarray(cont, dtype=np.int64))
        mask[row, width: width + len(cont)] = 1
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    with torch.inference_mode():
        logits = model(ids, attention_mask=mask, position_ids=positions).logits
    log_probs = torch.log_softmax(logits[:, width - 1: -1].double(), dim=-1)  # position j predicts token j + 1
    picked = log_probs.gather(-1, ids[:, width:, None])[..., 0]
    return picked * mask[:, width:].double()


# --- helpers -------------------------------------------------------------------------------------------


def _as_lookup(next_tokens) -> Callable[[tuple], Mapping]:
    if callable(next_tokens):
        return lambda prefix: next_tokens(prefix) or {}
    if isinstance(next_tokens, Mapping):
        return lambda prefix: next_tokens.get(prefix) or {}
    raise ValueError("next_tokens must map a prefix tuple to {token: probability}: a dict like BLOG_TREE "
                     f"or a function, got {type(next_tokens).__name__}")


def _log(p, prefix, token) -> float:
    if not _is_real(p) or not 0 < p <= 1:
        raise ValueError(f"probability of {token!r} after {prefix!r} must be in (0, 1], got {p!r}; "
                         "leave impossible tokens out of the table")
    return math.log(p)


def _is_real(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)) \
        and math.isfinite(value)


def _check_positive_int(value, name, example) -> None:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer ({example}), got {value!r}")
