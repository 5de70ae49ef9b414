"""Top-nσ keeps the same tokens at every temperature; top-p and min-p do not."""

import doctest

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from studykit.maths import sampling, truncation_nsigma


def test_docstring_examples():
    assert doctest.testmod(truncation_nsigma).failed == 0


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 200), st.floats(0, 4), st.floats(0.05, 20))
def test_the_kept_set_is_the_same_at_every_temperature(seed, vocab, n, temperature):
    z = np.random.default_rng(seed).normal(0, 3, vocab)
    gap = z.max() - z - n * z.std()
    assume(np.min(np.abs(gap)) > 1e-9)          # no logit sits on the threshold, up to rounding
    np.testing.assert_array_equal(truncation_nsigma.top_n_sigma_mask(z, n, temperature),
                                  truncation_nsigma.top_n_sigma_mask(z, n, 1.0))


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 200), st.floats(0, 4), st.floats(0, 4))
def test_the_arg_max_is_kept_and_a_larger_n_keeps_more(seed, vocab, n1, n2):
    z = np.random.default_rng(seed).normal(0, 3, vocab)
    small, large = sorted((n1, n2))
    kept_small = truncation_nsigma.top_n_sigma_mask(z, small)
    assert kept_small[np.argmax(z)]
    assert np.all(kept_small <= truncation_nsigma.top_n_sigma_mask(z, large))


def test_top_p_and_min_p_widen_with_temperature_where_top_n_sigma_does_not():
    z = np.random.default_rng(0).normal(0, 2, 1000)
    counts = {t: (truncation_nsigma.top_n_sigma_mask(z, 1.0, t).sum(), sampling.kept_mask(z, temperature=t, top_p=0.9).sum(),
                  sampling.kept_mask(z, temperature=t, min_p=0.1).sum()) for t in (0.5, 1.0, 2.0)}
    assert counts[0.5][0] == counts[1.0][0] == counts[2.0][0]
    assert counts[0.5][1] < counts[1.0][1] < counts[2.0][1]
    assert counts[0.5][2] < counts[1.0][2] < counts[2.0][2]


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="n must"):
        truncation_nsigma.top_n_sigma_mask([1.0, 2.0], -1)
    with pytest.raises(ValueError, match="temperature"):
        truncation_nsigma.top_n_sigma_mask([1.0, 2.0], 1.0, 0.0)
    with pytest.raises(ValueError, match="finite"):
        truncation_nsigma.top_n_sigma_mask([1.0, np.inf], 1.0)
