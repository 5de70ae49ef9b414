"""Text statistics: definitions on hand-made examples, then properties on random sequences."""

import doctest
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studykit.maths import metrics
from studykit.maths.metrics import (
    distinct_count,
    distinct_n,
    is_repetitive,
    mean_length,
    ngrams,
    pairwise_agreement,
    pairwise_overlap,
    repeated_ngram_share,
    repeated_ngrams,
    repetition_rate,
)

tokens = st.lists(st.integers(0, 5), max_size=30)  # a small alphabet, so repeats do happen
corpora = st.lists(tokens, min_size=1, max_size=6)
sizes = st.integers(1, 5)


def test_docstring_examples_run():
    assert doctest.testmod(metrics).failed == 0


# ----------------------------------------------------------------------------- definitions


def test_ngrams_slide_one_token_at_a_time():
    assert ngrams("a b c d".split(), 3) == [("a", "b", "c"), ("b", "c", "d")]
    assert ngrams(np.array([7, 8]), 1) == [(7,), (8,)]
    assert ngrams([1, 2, 3], 4) == []


def test_distinct_n_counts_pooled_ngrams():
    # bigrams: (a b) (b a) (a b) | (a b) -> 2 distinct among 4
    assert distinct_n([["a", "b", "a", "b"], ["a", "b"]], 2) == pytest.approx(2 / 4)
    assert distinct_n([[1, 2, 3]], 1) == 1.0
    assert math.isnan(distinct_n([[1], [2]], 2))  # no sequence has a bigram


def test_copies_lower_distinct_n_but_not_within_text_repetition():
    text = "the cat sat on the mat".split()
    assert distinct_n([text] * 4, 1) == pytest.approx(distinct_n([text], 1) / 4)
    assert repetition_rate([text] * 4) == repetition_rate([text]) == 0.0


def test_a_loop_is_repetitive_and_fluent_text_is_not():
    loop = "I told her about my family. I told her about my family.".split()
    assert is_repetitive(loop)
    assert not is_repetitive("She opened the door and stepped into the quiet room.".split())
    # One repeated phrase in a long text is enough, however small a share of the text it is.
    long_text = list(range(40)) + [0, 1, 2, 3]
    assert 0 < repeated_ngram_share(long_text) < 0.05 and is_repetitive(long_text)
    # A phrase of three words repeated is not a repeated 4-gram ...
    assert not is_repetitive("on the mat and on the sofa".split())
    # ... but is one when asked about 3-grams.
    assert is_repetitive("on the mat and on the mat".split(), n=3)


def test_repeated_ngrams_lists_each_repeat_once_in_order():
    text = "a b c a b c a b".split()
    assert repeated_ngrams(text, 2) == [("a", "b"), ("b", "c"), ("c", "a")]
    assert repeated_ngrams(text, 6) == []


def test_repeated_ngram_share_grows_with_the_loop():
    # "a b c" repeated k times: 3k - 2 trigrams, of which only the first three differ.
    shares = [repeated_ngram_share(list("abc" * k), 3) for k in range(1, 6)]
    assert shares == pytest.approx([1 - min(3, 3 * k - 2) / (3 * k - 2) for k in range(1, 6)])
    assert shares[0] == 0 and shares == sorted(shares)


def test_repetition_rate_is_the_share_of_repetitive_texts():
    texts = [[1, 2, 3, 4, 1, 2, 3, 4], [1, 2, 3, 4, 5], [9, 9, 9, 9, 9], [1]]
    assert repetition_rate(texts) == pytest.approx(2 / 4)
    assert math.isnan(repetition_rate([]))


def test_agreement_counts_identical_pairs():
    answers = [["yes"], ["yes"], ["yes"], ["no"]]
    assert pairwise_agreement(answers) == pytest.approx(3 / 6)  # 3 of the 6 pairs are yes-yes
    assert distinct_count(answers) == 2
    assert pairwise_agreement([[1, 2], [1, 2]]) == 1.0
    assert pairwise_agreement([[1], [2], [3]]) == 0.0


def test_overlap_is_the_mean_jaccard_of_word_sets():
    a, b, c = "the cat sat".split(), "the cat ran".split(), "dogs bark".split()
    assert pairwise_overlap([a, b, c]) == pytest.approx((2 / 4 + 0 + 0) / 3)
    assert pairwise_overlap([a, a[::-1]]) == 1.0  # order and counts do not matter, only the words
    assert pairwise_overlap([[], []]) == 1.0


def test_mean_length():
    assert mean_length([[1, 2, 3], [], [4]]) == pytest.approx(4 / 3)
    assert math.isnan(mean_length([]))


@pytest.mark.parametrize(
    "call",
    [
        lambda: ngrams([1, 2], 0),
        lambda: ngrams([1, 2], 1.5),
        lambda: ngrams([1, 2], True),
        lambda: distinct_n("a plain string", 1),
        lambda: distinct_n(["a plain string"], 1),
        lambda: is_repetitive("a plain string"),
        lambda: pairwise_agreement([[1]]),
        lambda: pairwise_overlap([[1]]),
    ],
)
def test_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


# ----------------------------------------------------------------------------- properties


@given(corpora, sizes)
def test_distinct_n_is_a_share(corpus, n):
    score = distinct_n(corpus, n)
    if all(len(seq) < n for seq in corpus):
        assert math.isnan(score)
    else:
        assert 0 < score <= 1


@given(st.lists(st.integers(), unique=True, min_size=1, max_size=30), sizes)
def test_distinct_n_is_one_for_all_distinct_tokens(seq, n):
    if len(seq) >= n:
        assert distinct_n([seq], n) == 1.0
        assert not is_repetitive(seq, n)
        assert repeated_ngram_share(seq, n) == 0.0


@given(corpora, sizes)
def test_distinct_n_ignores_the_order_of_texts(corpus, n):
    score = distinct_n(corpus, n)
    reordered = distinct_n(corpus[::-1], n)
    assert (math.isnan(score) and math.isnan(reordered)) or score == pytest.approx(reordered)


@given(tokens, sizes)
def test_repeating_a_text_makes_it_repetitive(seq, n):
    if len(seq) >= n:
        assert is_repetitive(seq + seq, n)
        # Every n-gram inside the second copy repeats one inside the first.
        total = 2 * len(seq) - n + 1
        assert repeated_ngram_share(seq + seq, n) >= (len(seq) - n + 1) / total - 1e-12


@given(tokens, sizes)
def test_repetitive_exactly_when_some_ngram_repeats(seq, n):
    repeats = repeated_ngrams(seq, n)
    assert is_repetitive(seq, n) == bool(repeats)
    assert all(ngrams(seq, n).count(gram) >= 2 for gram in repeats)
    assert len(set(repeats)) == len(repeats)


@given(tokens, st.integers(1, 4))
def test_repeated_ngrams_imply_repeated_shorter_ngrams(seq, n):
    # A repeated n-gram contains repeated (n-1)-grams: repetition can only grow as n shrinks.
    if is_repetitive(seq, n + 1):
        assert is_repetitive(seq, n)


@given(corpora)
def test_agreement_and_distinct_count_are_consistent(corpus):
    if len(corpus) >= 2:
        agreement = pairwise_agreement(corpus)
        assert 0 <= agreement <= 1
        assert (agreement == 1) == (distinct_count(corpus) == 1)
        assert (agreement == 0) == (distinct_count(corpus) == len(corpus))


@given(corpora)
def test_overlap_is_a_share_and_one_for_copies(corpus):
    if len(corpus) >= 2:
        assert 0 <= pairwise_overlap(corpus) <= 1
        assert pairwise_overlap(corpus) == pytest.approx(pairwise_overlap(corpus[::-1]))
    assert pairwise_overlap([corpus[0]] * 3) == 1.0
    # Identical answers agree exactly, so they overlap fully; the reverse need not hold.
    if len(corpus) >= 2 and pairwise_agreement(corpus) == 1:
        assert pairwise_overlap(corpus) == 1.0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 5), max_size=30), st.integers(1, 4))
def test_distinct_ngram_counts_are_the_parts_of_distinct_n_for_one_text(tokens, n):
    distinct, total = metrics.distinct_ngram_counts(tokens, n)
    assert total == max(0, len(tokens) - n + 1) and 0 <= distinct <= total
    if total:
        assert distinct / total == pytest.approx(metrics.distinct_n([tokens], n))
