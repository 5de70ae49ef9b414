"""Rounding logits to bf16/fp16: the error bound per logit and the total variation bound per T."""

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from studykit.maths import divergences, precision, sampling

SIGNIFICANT_BITS = {"bfloat16": 8, "float16": 11}


def test_docstring_examples():
    assert doctest.testmod(precision).failed == 0


logit_rows = arrays(np.float64, st.integers(2, 80), elements=st.floats(-60, 60))


@settings(max_examples=80, deadline=None)
@given(logit_rows, st.sampled_from(["bfloat16", "float16"]))
def test_rounding_moves_a_logit_by_at_most_its_magnitude_times_two_to_the_minus_s(z, fmt):
    error = np.abs(precision.round_to(z, fmt) - z)
    # The second term covers fp16's subnormals (|z| < 6.1e-5), spaced 2^-24 apart.
    assert np.all(error <= np.abs(z) * 2.0 ** -SIGNIFICANT_BITS[fmt] + 2.0 ** -25)


@settings(max_examples=80, deadline=None)
@given(logit_rows, st.sampled_from(["bfloat16", "float16"]), st.floats(0.05, 5))
def test_total_variation_never_exceeds_the_bound(z, fmt, temperature):
    delta = precision.max_rounding_error(z, fmt)
    tv = divergences.total_variation(sampling.softmax(z, temperature), precision.softmax_upcast(z, temperature, fmt))
    assert tv <= precision.tv_bound(delta, temperature) + 1e-12


@settings(max_examples=60, deadline=None)
@given(logit_rows, st.floats(0.05, 5))
def test_float32_logits_upcast_lose_nothing(z, temperature):
    z32 = z.astype(np.float32).astype(np.float64)
    np.testing.assert_allclose(precision.softmax_upcast(z32, temperature, "float32"), sampling.softmax(z32, temperature),
                               rtol=1e-9, atol=1e-300)


def test_the_bound_grows_as_temperature_falls():
    bounds = [precision.tv_bound(0.03, t) for t in (2.0, 1.0, 0.5, 0.1)]
    assert bounds == sorted(bounds) and bounds[-1] > 0.4


def test_rounding_creates_a_tie_that_flips_the_arg_max():
    z = np.array([9.99, 10.0])                       # bf16 spacing at 10 is 0.0625
    assert np.argmax(z) == 1 and np.argmax(precision.round_to(z, "bfloat16")) == 0


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="fmt"):
        precision.round_to([1.0], "int8")
    with pytest.raises(ValueError, match="temperature"):
        precision.softmax_upcast([1.0, 2.0], 0.0, "bfloat16")
