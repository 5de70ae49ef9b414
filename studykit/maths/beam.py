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
* :func:`studykit.lm.beam_search.beam_search_prompts` (the model layer) runs transformers' own beam
  search on a real model for a batch of prompts.

>>> greedy_search(BLOG_TREE, steps=2)
Hypothesis(tokens=('nice', 'woman'), log_prob=-1.6094379124341003)
>>> beam_search(BLOG_TREE, beam_width=2, steps=2)[0].tokens
('dog', 'has')
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Hashable, Mapping

import numpy as np

__all__ = ["BLOG_TREE", "Hypothesis", "greedy_search", "beam_search", "all_sequences", "length_normalised"]

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
    check_positive_int(beam_width, "beam_width", "e.g. 2")
    check_positive_int(steps, "steps", "e.g. 3")
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


def check_positive_int(value, name, example) -> None:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer ({example}), got {value!r}")
