"""Short questions with one checkable answer, and how sampled answers to them score.

Drill 5 of notebook 04 asks whether a task with one right answer wants one greedy answer or many
sampled ones (a majority vote, "self-consistency", or "any of k is right", pass@k). The questions
here were fixed before any model answered them: twelve capitals and twelve small sums, each asked
in a one-shot "Q: ... A: ..." format so the answer is the first word the model writes.

* :data:`QUESTIONS` -- the 24 questions and their answers;
* :func:`first_word` -- the normalised first word of a reply (what is graded);
* :func:`grade` -- sampled continuations in, a table of answers and right/wrong per sample out.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from . import metrics

__all__ = ["ShortQuestion", "QUESTIONS", "first_word", "Graded", "grade"]


@dataclass(frozen=True)
class ShortQuestion:
    prompt: str  # raw text the model continues; the answer is its first word
    answer: str  # normalised as by first_word


_CAPITAL_SHOT = "Q: What is the capital of Italy?\nA: Rome\nQ: What is the capital of {}?\nA:"
_SUM_SHOT = "Q: What is 1 + 1?\nA: 2\nQ: What is {}?\nA:"
_CAPITALS = {"Japan": "tokyo", "France": "paris", "Germany": "berlin", "Spain": "madrid", "Egypt": "cairo",
             "Russia": "moscow", "Canada": "ottawa", "Australia": "canberra", "Greece": "athens",
             "Portugal": "lisbon", "Kenya": "nairobi", "Peru": "lima"}
_SUMS = {"2 + 3": "5", "4 + 4": "8", "7 - 2": "5", "6 + 7": "13", "9 + 8": "17", "12 - 5": "7",
         "15 + 6": "21", "20 - 13": "7", "3 + 9": "12", "10 - 4": "6", "8 + 5": "13", "14 - 6": "8"}

QUESTIONS: tuple[ShortQuestion, ...] = tuple(
    [ShortQuestion(_CAPITAL_SHOT.format(country), city) for country, city in _CAPITALS.items()]
    + [ShortQuestion(_SUM_SHOT.format(expression), value) for expression, value in _SUMS.items()]
)


def first_word(text: str) -> str:
    """The first whitespace-separated word of ``text``, lower-cased, surrounding punctuation removed
    ("" if there is none).

    >>> first_word(" Tokyo.\\nQ: What"), first_word("  13, I think"), first_word("")
    ('tokyo', '13', '')
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    words = text.split()
    return words[0].strip(string.punctuation).lower() if words else ""


@dataclass(frozen=True)
class Graded:
    """Answers to every question at one temperature: ``answers[q][s]`` is sample s of question q."""

    temperature: float
    answers: tuple[tuple[str, ...], ...]
    truths: tuple[str, ...]  # the right answer of each question
    correct: np.ndarray  # (questions, samples) bool

    def single_sample_accuracy(self) -> np.ndarray:
        """(questions,) share of samples that are right: pass@1 per question."""
        return self.correct.mean(axis=1)

    def majority_correct(self) -> np.ndarray:
        """(questions,) bool: the majority vote over all samples is right."""
        return np.array([metrics.majority_vote(list(row)) == truth
                         for row, truth in zip(self.answers, self.truths)])

    def pass_at(self, k: int) -> np.ndarray:
        """(questions,) unbiased pass@k per question from the samples drawn."""
        n = self.correct.shape[1]
        return np.array([metrics.pass_at_k(n, int(c), k) for c in self.correct.sum(axis=1)])


def grade(continuations: Sequence, questions: Sequence[ShortQuestion], temperature: float) -> Graded:
    """Grade the samples drawn at ``temperature`` (``continuations[i]`` answers ``questions[i]``,
    as :func:`studykit.generation.sample_prompts` returns them)."""
    if len(continuations) != len(questions):
        raise ValueError(f"one Continuations per question: got {len(continuations)} for {len(questions)} questions")
    answers = tuple(tuple(first_word(text) for text in c.at(temperature)) for c in continuations)
    if any(len(row) == 0 for row in answers):
        raise ValueError(f"no samples at temperature {temperature!r}; sample it first")
    correct = np.array([[a == q.answer for a in row] for row, q in zip(answers, questions)])
    return Graded(float(temperature), answers, tuple(q.answer for q in questions), correct)
