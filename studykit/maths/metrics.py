"""Text statistics for sampled continuations: diversity, repetition, length, agreement.

Everything here works on token-id sequences (any sequence of hashable items: ints, strings),
is pure Python/numpy, and never touches a model. Counting in tokens rather than words keeps
the numbers independent of how a text happens to be split by whitespace.

* ``distinct_n`` -- diversity of a *set* of texts (Li et al., 2016): the share of all n-grams
  that are different from one another. 1.0 means no n-gram ever recurs; copies of one text
  drive it towards 0. ``distinct_ngram_counts`` gives the same two counts within one text.
* ``is_repetitive`` / ``repetition_rate`` / ``repeated_ngrams`` -- degeneration in the sense of Holtzman et al.
  (2020): a text that falls into a loop repeats a phrase word for word. A continuation
  counts as repetitive when some n-gram (4 tokens by default) occurs in it twice or more.
* ``repeated_ngram_share`` -- how much of one text is such repetition (Welleck et al., 2019,
  "seq-rep-n").
* ``mean_length`` -- average number of tokens.
* ``pairwise_agreement`` / ``distinct_count`` / ``pairwise_overlap`` -- consistency of several
  answers to one prompt: exact matches, and how much vocabulary two answers share.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations
from typing import Hashable, Iterable, Sequence

import numpy as np

__all__ = [
    "ngrams",
    "distinct_n",
    "distinct_ngram_counts",
    "repeated_ngram_share",
    "repeated_ngrams",
    "is_repetitive",
    "repetition_rate",
    "mean_length",
    "distinct_count",
    "pairwise_agreement",
    "pairwise_overlap",
]

Tokens = Sequence[Hashable]


def ngrams(tokens: Tokens, n: int) -> list[tuple]:
    """The ``len(tokens) - n + 1`` contiguous n-grams of one sequence, in order (none if shorter).

    >>> ngrams([1, 2, 3, 4], 2)
    [(1, 2), (2, 3), (3, 4)]
    >>> ngrams([1, 2], 3)
    []
    """
    n = _check_n(n)
    items = _as_items(tokens)
    return [tuple(items[i : i + n]) for i in range(len(items) - n + 1)]


def distinct_n(sequences: Iterable[Tokens], n: int) -> float:
    """Distinct-n (Li et al., 2016): distinct n-grams / all n-grams, pooled over ``sequences``.

    Pooled means one n-gram repeated across two texts counts once among the distinct ones
    but twice in the total, so identical texts lower the score. The score falls as more text
    is pooled, so compare sets of the same size. Returns NaN when no sequence has n tokens.

    >>> distinct_n([[1, 2, 3], [1, 2, 4]], 1)  # 4 distinct tokens among 6
    0.6666666666666666
    >>> distinct_n([[1, 2, 3], [1, 2, 3]], 2)  # a copy adds no new bigram
    0.5
    """
    grams = [g for seq in _as_sequences(sequences) for g in ngrams(seq, n)]
    if not grams:
        return float("nan")
    return len(set(grams)) / len(grams)


def distinct_ngram_counts(tokens: Tokens, n: int) -> tuple[int, int]:
    """``(distinct, total)`` n-grams *within one* sequence: the parts of distinct-n for one text.

    Summing both parts over texts and dividing gives a distinct-n that, unlike :func:`distinct_n`,
    never counts the same n-gram in two different texts as a repeat, so a set of prompts can be
    resampled (bootstrap) without duplicated prompts looking like repetition.

    >>> distinct_ngram_counts([1, 2, 1, 2], 2)  # (1,2) (2,1) (1,2): two distinct among three
    (2, 3)
    """
    grams = ngrams(tokens, n)
    return len(set(grams)), len(grams)


def repeated_ngram_share(tokens: Tokens, n: int = 4) -> float:
    """Share of the n-grams of one sequence that repeat an earlier n-gram of the same sequence.

    ``1 - distinct / total`` within the sequence (Welleck et al. 2019's seq-rep-n). 0 means
    no n-gram recurs; a text stuck in a loop approaches 1. Returns 0.0 when there are no
    n-grams (nothing can repeat).

    >>> repeated_ngram_share([5, 6, 5, 6, 5, 6], n=2)  # (5,6) (6,5) (5,6) (6,5) (5,6)
    0.6
    """
    grams = ngrams(tokens, n)
    return 1.0 - len(set(grams)) / len(grams) if grams else 0.0


def repeated_ngrams(tokens: Tokens, n: int = 4) -> list[tuple]:
    """The n-grams that occur more than once in ``tokens``, in order of first appearance.

    >>> repeated_ngrams("she had the eyes of a cat she had the ears of a cat".split(), 3)
    [('she', 'had', 'the'), ('of', 'a', 'cat')]
    """
    counts = Counter(ngrams(tokens, n))
    return [gram for gram, count in counts.items() if count > 1]


def is_repetitive(tokens: Tokens, n: int = 4) -> bool:
    """True when some n-gram occurs at least twice in ``tokens``: the text repeats a phrase.

    With ``n=4``, fluent short text rarely qualifies, while a text caught in a loop ("I told
    her about my family. I told her about my family.") always does.

    >>> is_repetitive("the cat sat on the mat".split())
    False
    >>> is_repetitive("the cat sat on the cat sat on".split())
    True
    """
    return repeated_ngram_share(tokens, n) > 0


def repetition_rate(sequences: Iterable[Tokens], n: int = 4) -> float:
    """Share of ``sequences`` that are repetitive (see :func:`is_repetitive`); NaN if empty.

    >>> repetition_rate([[1, 2, 3, 4, 1, 2, 3, 4], [1, 2, 3, 4, 5]])
    0.5
    """
    flags = [is_repetitive(seq, n) for seq in _as_sequences(sequences)]
    return float(np.mean(flags)) if flags else float("nan")


def mean_length(sequences: Iterable[Tokens]) -> float:
    """Mean number of tokens per sequence; NaN if there are none.

    >>> mean_length([[1, 2, 3], [1]])
    2.0
    """
    lengths = [len(seq) for seq in _as_sequences(sequences)]
    return float(np.mean(lengths)) if lengths else float("nan")


def distinct_count(sequences: Iterable[Tokens]) -> int:
    """How many different sequences there are (exact, token for token).

    >>> distinct_count([[1, 2], [1, 2], [3]])
    2
    """
    return len({tuple(seq) for seq in _as_sequences(sequences)})


def pairwise_agreement(sequences: Iterable[Tokens]) -> float:
    """Share of the pairs of sequences that are identical: the chance that two answers agree.

    1.0 when all answers are the same, 0.0 when all differ. Needs at least two sequences.

    >>> pairwise_agreement([[1], [1], [2]])  # 3 pairs, one identical
    0.3333333333333333
    """
    items = [tuple(seq) for seq in _as_sequences(sequences)]
    if len(items) < 2:
        raise ValueError(f"pairwise_agreement needs at least two sequences, got {len(items)}")
    counts = Counter(items)
    same = sum(c * (c - 1) // 2 for c in counts.values())
    return same / (len(items) * (len(items) - 1) // 2)


def pairwise_overlap(sequences: Iterable[Tokens]) -> float:
    """Mean Jaccard similarity ``|A & B| / |A | B|`` of the item sets of every pair of sequences.

    A softer consistency score than :func:`pairwise_agreement`: two answers that say the same
    thing in slightly different words still overlap a lot. 1.0 for identical vocabularies, 0.0
    when no pair shares an item. Two empty sequences count as identical. Needs two sequences.

    >>> pairwise_overlap(["the cat sat".split(), "the cat ran".split()])  # 2 shared of 4 words
    0.5
    """
    sets = [set(seq) for seq in _as_sequences(sequences)]
    if len(sets) < 2:
        raise ValueError(f"pairwise_overlap needs at least two sequences, got {len(sets)}")
    scores = [len(a & b) / len(a | b) if a | b else 1.0 for a, b in combinations(sets, 2)]
    return float(np.mean(scores))


# ----------------------------------------------------------------------------- validation


def _check_n(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer (the n-gram size), got {n!r}")
    return int(n)


def _as_items(tokens) -> list:
    if isinstance(tokens, str):
        # A bare string would silently become characters; say what is expected instead.
        raise ValueError("tokens must be a sequence of tokens (e.g. token ids or text.split()), not a str")
    return list(tokens.tolist() if isinstance(tokens, np.ndarray) else tokens)


def _as_sequences(sequences) -> list[list]:
    if isinstance(sequences, str):
        raise ValueError("sequences must be a collection of token sequences, not a str")
    return [_as_items(seq) for seq in sequences]


# ----------------------------------------------------------------------------- many samples, one answer
# Appended for questions with one checkable answer: self-consistency (Wang et al., 2023) takes a
# majority vote over several sampled answers.


def majority_vote(answers: Sequence[Hashable]) -> Hashable:
    """The most frequent answer; a tie goes to the tied answer seen first.

    >>> majority_vote(["paris", "lyon", "paris"])
    'paris'
    >>> majority_vote(["lyon", "paris"])  # tie: the first one seen
    'lyon'
    """
    if isinstance(answers, str) or len(answers) == 0:
        raise ValueError("answers must be a non-empty list of answers (e.g. one normalised word per sample)")
    counts = Counter(answers)
    best = max(counts.values())
    return next(answer for answer in answers if counts[answer] == best)

