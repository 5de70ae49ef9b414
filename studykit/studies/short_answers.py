"""Short questions with one checkable one-token answer: one sample, a majority vote, or any of k.

Drill 5 of notebook 04 asks whether a task with one right answer wants one greedy answer or many
sampled ones (a majority vote, "self-consistency", or "any of k is right", pass@k). The 24
questions were fixed before any model answered them: twelve capitals and twelve small sums written
in words, each asked in a one-shot "Q: ... A: ..." format. Every answer is a single token of the
bundled tokenizer (" Tokyo", " five"), so the model's whole answer is its first token and the
exact chance of each answer at any temperature is one softmax away: no sampled text needs grading.

* :data:`QUESTIONS` -- the questions and their answers, as the text the model should continue with;
* :func:`answer_token_ids` -- each answer's token id (ValueError if an answer is not one token);
* :func:`first_token_logits` -- the model's logits for the first answer token of every question, in
  one left-padded batch;
* :func:`majority_vote_right` -- the chance that a majority vote over k samples is right, estimated
  by drawing many votes of k tokens from the exact next-token distribution;
* :func:`any_right` -- the chance that at least one of k independent samples is right (pass@k).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..lm.models import encode_prompts_left_padded

from ..maths import metrics, sampling

__all__ = ["ShortQuestion", "QUESTIONS", "answer_token_ids", "first_token_logits", "majority_vote_right", "any_right"]


@dataclass(frozen=True)
class ShortQuestion:
    prompt: str  # raw text the model continues
    answer: str  # the right continuation, with its leading space: one token


_CAPITAL_SHOT = "Q: What is the capital of Italy?\nA: Rome\nQ: What is the capital of {}?\nA:"
_SUM_SHOT = "Q: What is one plus one?\nA: two\nQ: What is {}?\nA:"
_CAPITALS = {"Japan": "Tokyo", "France": "Paris", "Germany": "Berlin", "Spain": "Madrid", "Egypt": "Cairo",
             "Russia": "Moscow", "Canada": "Ottawa", "Australia": "Canberra", "Greece": "Athens",
             "Portugal": "Lisbon", "Kenya": "Nairobi", "Peru": "Lima"}
_SUMS = {"two plus three": "five", "four plus four": "eight", "seven minus two": "five", "six plus seven": "thirteen",
         "nine plus eight": "seventeen", "twelve minus five": "seven", "three plus nine": "twelve",
         "ten minus four": "six", "eight plus five": "thirteen", "fourteen minus six": "eight",
         "two plus two": "four", "five plus six": "eleven"}

QUESTIONS: tuple[ShortQuestion, ...] = tuple(
    [ShortQuestion(_CAPITAL_SHOT.format(country), " " + city) for country, city in _CAPITALS.items()]
    + [ShortQuestion(_SUM_SHOT.format(expression), " " + value) for expression, value in _SUMS.items()]
)


def answer_token_ids(tokenizer, questions: Sequence[ShortQuestion]) -> np.ndarray:
    """The token id of each question's answer; ValueError naming the answer if it is not one token."""
    ids = []
    for question in questions:
        encoded = tokenizer.encode(question.answer, add_special_tokens=False)
        if len(encoded) != 1:
            raise ValueError(f"answer {question.answer!r} is {len(encoded)} tokens for this tokenizer; "
                             "these drills need one-token answers (choose another question)")
        ids.append(encoded[0])
    return np.array(ids, dtype=np.int64)


def first_token_logits(model, tokenizer, questions: Sequence[ShortQuestion]) -> np.ndarray:
    """(questions, V) float64 logits for the token after each prompt: one forward pass, prompts
    left-padded and masked (position ids follow the mask, so padding does not shift them)."""
    import torch

    if len(questions) == 0:
        raise ValueError("questions must hold at least one ShortQuestion")
    _, ids, mask = encode_prompts_left_padded(tokenizer, [q.prompt for q in questions])
    positions = (mask.cumsum(dim=1) - 1).clamp(min=0)
    with torch.inference_mode():
        logits = model(ids, attention_mask=mask, position_ids=positions).logits[:, -1]
    return logits.double().numpy()


def any_right(p_right, k: int):
    """Chance that at least one of ``k`` independent samples is right, when one is right with
    probability ``p_right``: ``1 - (1 - p)^k`` (pass@k for a one-token answer).

    >>> float(any_right(0.5, 3))
    0.875
    """
    _check_k(k)
    p = np.asarray(p_right, dtype=np.float64)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p_right must be probabilities in [0, 1]")
    return 1.0 - (1.0 - p) ** k


def majority_vote_right(logits, right_id: int, *, temperature: float, k: int, votes: int = 400, seed: int = 0) -> float:
    """Share of ``votes`` simulated majority votes, each over ``k`` tokens drawn from
    ``softmax(logits / temperature)``, that pick ``right_id`` (ties go to the answer drawn first,
    as :func:`studykit.maths.metrics.majority_vote` breaks them). ``temperature=0`` is greedy: every draw
    is the arg-max.
    """
    _check_k(k)
    if isinstance(votes, bool) or not isinstance(votes, int) or votes < 1:
        raise ValueError(f"votes must be a positive integer, got {votes!r}")
    draws = sampling.sample(logits, temperature=temperature, num_samples=votes * k, seed=seed).reshape(votes, k)
    return float(np.mean([metrics.majority_vote(row.tolist()) == right_id for row in draws]))


def _check_k(k):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer (samples per question), got {k!r}")
