"""Beam search, the pure search, on tables of made-up probabilities (the model's: tests/lm/test_beam_search.py)."""

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studykit.maths import beam



def test_greedy_misses_the_most_likely_sequence_that_two_beams_find():
    greedy = beam.greedy_search(beam.BLOG_TREE, steps=2)
    best = beam.all_sequences(beam.BLOG_TREE, steps=2)[0]
    found = beam.beam_search(beam.BLOG_TREE, beam_width=2, steps=2)[0]
    assert greedy.tokens == ("nice", "woman") and math.isclose(greedy.prob, 0.5 * 0.4)
    assert best.tokens == found.tokens == ("dog", "has") and math.isclose(found.prob, 0.4 * 0.9)


def test_finished_prefixes_stay_in_the_beam_with_their_score():
    table = {(): {"a": 0.6, "b": 0.4}, ("b",): {"c": 1.0}}  # "a" ends after one token
    beams = beam.beam_search(table, beam_width=2, steps=3)
    assert [(h.tokens, round(h.prob, 6)) for h in beams] == [(("a",), 0.6), (("b", "c"), 0.4)]


def test_length_penalty_divides_by_a_power_of_the_length():
    short, long = beam.Hypothesis(("a",), -1.0), beam.Hypothesis(("a", "b", "c", "d"), -2.0)
    assert beam.length_normalised(short, 0.0) > beam.length_normalised(long, 0.0)  # plain sums: short wins
    assert beam.length_normalised(long, 1.0) == -0.5 and beam.length_normalised(short, 1.0) == -1.0
    table = {(): {"a": 0.5, "b": 0.5}, ("b",): {"c": 0.9}, ("b", "c"): {"d": 0.9}}
    assert beam.beam_search(table, beam_width=2, steps=3, length_penalty=0.0)[0].tokens == ("a",)
    assert beam.beam_search(table, beam_width=2, steps=3, length_penalty=1.0)[0].tokens == ("b", "c", "d")


@st.composite
def random_tables(draw):
    """A full tree of depth 3 over a few tokens with random next-token probabilities."""
    branching = draw(st.integers(1, 4))
    tokens = [f"t{i}" for i in range(branching)]
    table = {}
    for depth in range(3):
        for prefix in itertools.product(tokens, repeat=depth):
            weights = draw(st.lists(st.floats(0.01, 1.0), min_size=branching, max_size=branching))
            table[prefix] = {t: w / sum(weights) for t, w in zip(tokens, weights)}
    return table, branching


@settings(max_examples=60, deadline=None)
@given(random_tables(), st.integers(1, 6))
def test_beam_never_beats_exhaustive_search_and_a_full_beam_is_exact(data, width):
    table, branching = data
    exact = beam.all_sequences(table, steps=3)
    found = beam.beam_search(table, beam_width=width, steps=3)
    assert found[0].log_prob <= exact[0].log_prob + 1e-12
    assert math.isclose(sum(h.prob for h in exact), 1.0)  # every leaf enumerated once
    if width >= branching**2:  # wide enough to keep every prefix: beam search is exhaustive
        assert found[0].tokens == exact[0].tokens
    assert len(found) == min(width, branching**3)


@pytest.mark.parametrize("kwargs, match", [
    (dict(beam_width=0, steps=2), "beam_width must be a positive integer"),
    (dict(beam_width=2, steps=True), "steps must be a positive integer"),
    (dict(beam_width=2, steps=2, length_penalty=float("nan")), "length_penalty must be a real number"),
])
def test_bad_arguments_name_themselves(kwargs, match):
    with pytest.raises(ValueError, match=match):
        beam.beam_search(beam.BLOG_TREE, **kwargs)


def test_bad_tables_are_refused():
    with pytest.raises(ValueError, match="next_tokens must map a prefix"):
        beam.beam_search([("a", 1.0)], beam_width=1, steps=1)
    with pytest.raises(ValueError, match=r"must be in \(0, 1\]"):
        beam.beam_search({(): {"a": 0.0}}, beam_width=1, steps=1)
