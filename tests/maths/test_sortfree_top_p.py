"""The sort-free (dual-pivot rejection) top-p sampler draws from the sorted reference's nucleus."""

import doctest

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from studykit.maths import sampling, sortfree_top_p, stats


def test_docstring_examples():
    assert doctest.testmod(sortfree_top_p).failed == 0


@st.composite
def rows(draw):
    """Continuous random logits (no ties) and a top_p not within 1e-9 of any partial sum."""
    seed, vocab = draw(st.integers(0, 2**32 - 1)), draw(st.integers(1, 60))
    scale = draw(st.floats(0.1, 8))
    logits = np.random.default_rng(seed).normal(0, scale, vocab)
    top_p = draw(st.floats(0.01, 1.0))
    probs = sampling.softmax(logits)
    partial = np.cumsum(np.sort(probs)[::-1])
    assume(np.min(np.abs(partial - top_p)) > 1e-9)
    return logits, probs, top_p


@settings(max_examples=80, deadline=None)
@given(rows())
def test_the_nucleus_is_the_sorted_references_kept_set(row):
    logits, probs, top_p = row
    np.testing.assert_array_equal(sortfree_top_p.nucleus_mask(probs, top_p),
                                  sampling.kept_mask(logits, top_p=top_p))


@settings(max_examples=60, deadline=None)
@given(rows(), st.integers(0, 1000))
def test_every_draw_lands_in_the_nucleus(row, seed):
    _, probs, top_p = row
    draws = sortfree_top_p.sample_top_p_rejection(probs, top_p, 50, seed=seed)
    assert sortfree_top_p.nucleus_mask(probs, top_p)[draws.tokens].all()
    assert (draws.rounds >= 1).all()


def test_ties_at_the_boundary_are_kept_whole():
    p = np.array([0.4, 0.2, 0.2, 0.2])
    assert sortfree_top_p.nucleus_mask(p, 0.5).tolist() == [True, True, True, True]
    assert sortfree_top_p.nucleus_mask(p, 0.4).tolist() == [True, False, False, False]


@pytest.mark.parametrize("top_p", [0.5, 0.8, 0.95, 1.0])
def test_draws_pass_a_chi_square_test_against_the_renormalised_nucleus(top_p):
    logits = np.random.default_rng(3).normal(0, 2, 200)
    probs = sampling.softmax(logits)
    expected = sampling.softmax(sampling.warp(logits, top_p=top_p))
    draws = sortfree_top_p.sample_top_p_rejection(probs, top_p, 20_000, seed=4)
    assert stats.chi_square_test(np.bincount(draws.tokens, minlength=probs.size), expected).p_value > 1e-3


def test_the_test_catches_drawing_from_the_whole_row():
    logits = np.random.default_rng(3).normal(0, 2, 200)
    probs = sampling.softmax(logits)
    whole = np.random.default_rng(4).choice(probs.size, 20_000, p=probs)
    expected = sampling.softmax(sampling.warp(logits, top_p=0.8))
    assert stats.chi_square_test(np.bincount(whole, minlength=probs.size), expected).p_value < 1e-6


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="top_p"):
        sortfree_top_p.nucleus_mask([0.5, 0.5], 0.0)
    with pytest.raises(ValueError, match="probs"):
        sortfree_top_p.sample_top_p_rejection([0.5, 0.6], 0.9, 1, seed=0)
    with pytest.raises(ValueError, match="num_samples"):
        sortfree_top_p.sample_top_p_rejection([0.5, 0.5], 0.9, 0, seed=0)
