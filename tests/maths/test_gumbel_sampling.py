"""Gumbel-max and the exponential race draw from softmax(z / T); per-row T and seeds are batch-proof."""

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from studykit.maths import gumbel_sampling, sampling, stats

FIXED_ROWS = [np.array([2.0, 1.0, 0.0, -1.0]), np.array([0.0, 0.0, 0.0]), np.array([5.0, 4.9, -3.0, 1.0, 0.5])]


def test_docstring_examples():
    assert doctest.testmod(gumbel_sampling).failed == 0


@pytest.mark.parametrize("row", FIXED_ROWS)
@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_gumbel_max_draws_pass_a_chi_square_test_against_softmax(row, temperature):
    draws = gumbel_sampling.gumbel_max_draws(row, temperature=temperature, num_samples=20_000, seed=1)
    counts = np.bincount(draws, minlength=row.size)
    assert stats.chi_square_test(counts, sampling.softmax(row, temperature)).p_value > 1e-3


def test_the_chi_square_test_catches_a_sampler_that_ignores_temperature():
    row = FIXED_ROWS[0]
    draws = gumbel_sampling.gumbel_max_draws(row, temperature=1.0, num_samples=20_000, seed=1)
    assert stats.chi_square_test(np.bincount(draws, minlength=4), sampling.softmax(row, 0.5)).p_value < 1e-6


@pytest.mark.parametrize("row", FIXED_ROWS)
def test_the_exponential_race_passes_a_chi_square_test(row):
    p = sampling.softmax(row)
    tokens = gumbel_sampling.sample_exponential_race(np.tile(p, (8_000, 1)), seeds=range(8_000))
    assert stats.chi_square_test(np.bincount(tokens, minlength=p.size), p).p_value > 1e-3


@st.composite
def batches(draw):
    rows, vocab = draw(st.integers(1, 6)), draw(st.integers(1, 30))
    logits = draw(arrays(np.float64, (rows, vocab), elements=st.floats(-30, 30)))
    temperatures = draw(arrays(np.float64, rows, elements=st.floats(0.05, 5)))
    seeds = draw(st.lists(st.integers(0, 2**32 - 1), min_size=rows, max_size=rows))
    return logits, temperatures, seeds


@settings(max_examples=60, deadline=None)
@given(batches())
def test_per_row_temperature_equals_separate_calls(batch):
    logits, temperatures, _ = batch
    scaled = gumbel_sampling.scale_rows(logits, temperatures)
    for r in range(len(logits)):
        np.testing.assert_array_equal(scaled[r], logits[r] / temperatures[r])
        np.testing.assert_allclose(sampling.softmax(scaled[r]), sampling.softmax(logits[r], temperatures[r]),
                                   rtol=1e-9, atol=1e-15)


@settings(max_examples=60, deadline=None)
@given(batches())
def test_a_rows_token_depends_only_on_its_logits_and_its_seed(batch):
    logits, temperatures, seeds = batch
    together = gumbel_sampling.sample_gumbel_max(logits, temperatures=temperatures, seeds=seeds)
    alone = [gumbel_sampling.sample_gumbel_max(logits[r], temperatures=[temperatures[r]], seeds=[seeds[r]])[0]
             for r in range(len(logits))]
    np.testing.assert_array_equal(together, alone)
    # ...and reversing the batch order reverses the tokens, nothing else.
    reversed_ = gumbel_sampling.sample_gumbel_max(logits[::-1], temperatures=temperatures[::-1], seeds=seeds[::-1])
    np.testing.assert_array_equal(reversed_, together[::-1])


@settings(max_examples=60, deadline=None)
@given(batches())
def test_gumbel_max_is_the_exponential_race_with_g_equal_to_minus_log_e(batch):
    logits, temperatures, seeds = batch
    for r in range(len(logits)):
        e = gumbel_sampling.exponential_noise(logits.shape[1], seeds[r])
        p = sampling.softmax(logits[r], temperatures[r])
        race = np.argmax(p / e)
        with np.errstate(divide="ignore"):              # p underflows to 0 far down a cold row
            gumbel = np.argmax(np.log(p) - np.log(e))   # log p + g with g = -log E
        if p[race] > 0 and p[gumbel] > 0:
            assert np.isclose(np.log(p[race]) - np.log(e[race]), np.log(p[gumbel]) - np.log(e[gumbel]))


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="temperatures"):
        gumbel_sampling.scale_rows(np.zeros((2, 3)), [1.0])
    with pytest.raises(ValueError, match="temperatures"):
        gumbel_sampling.scale_rows(np.zeros((1, 3)), [0.0])
    with pytest.raises(ValueError, match="seeds"):
        gumbel_sampling.sample_gumbel_max(np.zeros((2, 3)), seeds=[1])
    with pytest.raises(ValueError, match="num_samples"):
        gumbel_sampling.gumbel_max_draws(np.zeros(3), num_samples=0, seed=0)
