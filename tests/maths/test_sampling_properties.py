"""Properties the chapter claims about temperature, checked on many generated logit vectors."""

import numpy as np
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from studykit.maths.sampling import effective_vocabulary, entropy, kept_mask, softmax, warp

FAST = settings(max_examples=80, deadline=None)

# Bounded so that no probability underflows at the temperatures used below:
# (max - min) / T <= 20 / 0.2 = 100, far from exp's float64 limit of about 745.
bounded_logits = arrays(np.float64, st.integers(2, 20), elements=st.floats(-10, 10))
temperatures = st.floats(0.2, 50)


@FAST
@given(logits=bounded_logits, temperature=temperatures)
def test_temperature_never_changes_the_ranking(logits, temperature):
    probs = softmax(logits, temperature)
    p_i, p_j = np.meshgrid(probs, probs, indexing="ij")
    z_i, z_j = np.meshgrid(logits, logits, indexing="ij")
    assert np.all(p_i[z_i >= z_j] >= p_j[z_i >= z_j])
    assert np.all(p_i[z_i == z_j] == p_j[z_i == z_j])
    # Strictly, once the gap is above rounding: p_i / p_j = exp((z_i - z_j) / T).
    clear = (z_i - z_j) / temperature > 1e-10
    assert np.all(p_i[clear] > p_j[clear])


@FAST
@given(logits=bounded_logits, low=temperatures, factor=st.floats(1.0, 10))
def test_entropy_never_falls_as_temperature_rises(logits, low, factor):
    h_low, h_high = entropy(softmax(logits, low)), entropy(softmax(logits, low * factor))
    assert h_low <= h_high + 1e-12
    assert h_high <= np.log(len(logits)) + 1e-12  # the uniform distribution is the ceiling


@FAST
@given(
    logits=arrays(np.float64, st.integers(2, 20), elements=st.floats(-3, 3)),
    low=st.floats(0.5, 5),
    factor=st.floats(1.1, 10),
)
def test_entropy_rises_strictly_unless_uniform(logits, low, factor):
    # In this band every probability is >= exp(-12) / 20, so the rise is far above rounding.
    h_low, h_high = entropy(softmax(logits, low)), entropy(softmax(logits, low * factor))
    if np.ptp(logits) == 0:
        np.testing.assert_allclose([h_low, h_high], np.log(len(logits)), rtol=1e-12)
    else:
        assume(np.ptp(logits) > 1e-2)  # a hair from uniform, the rise hides under rounding
        assert h_low < h_high


@FAST
@given(logits=arrays(np.float64, st.integers(1, 30), elements=st.floats(-1e4, 1e4)))
def test_temperature_one_is_the_models_own_softmax(logits):
    np.testing.assert_allclose(softmax(logits), torch.softmax(torch.tensor(logits), dim=-1).numpy(), rtol=1e-9, atol=1e-300)


@FAST
@given(
    logits=arrays(
        np.float64, st.tuples(st.integers(1, 4), st.integers(1, 30)),
        elements=st.one_of(st.just(-np.inf), st.floats(-1e4, 1e4)),
    ),
    temperature=st.one_of(st.just(0.0), st.floats(1e-4, 1e4)),
)
def test_probabilities_are_a_distribution(logits, temperature):
    logits[:, 0] = np.where(np.isfinite(logits).any(axis=1), logits[:, 0], 0.0)  # every row stays valid
    probs = softmax(logits, temperature)
    assert np.all(probs >= 0) and np.all(np.isfinite(probs))
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    assert np.all(probs[np.isneginf(logits)] == 0.0)


@FAST
@given(logits=bounded_logits, temperature=temperatures)
def test_log_probability_gaps_are_logit_gaps_over_temperature(logits, temperature):
    log_probs = np.log(softmax(logits, temperature))
    expected = (logits[:, None] - logits[None, :]) / temperature
    np.testing.assert_allclose(log_probs[:, None] - log_probs[None, :], expected, rtol=1e-9, atol=1e-9)


@FAST
@given(logits=bounded_logits, winner=st.integers(0, 19), gap=st.floats(0.05, 10))
def test_cold_limit_is_one_hot_on_the_argmax(logits, winner, gap):
    # A clear winner, drawn rather than filtered for: exp(-0.05 / 1e-4) = exp(-500).
    winner %= len(logits)
    logits[winner] = np.delete(logits, winner).max() + gap
    one_hot = np.eye(len(logits))[np.argmax(logits)]
    np.testing.assert_array_equal(softmax(logits, 0.0), one_hot)
    np.testing.assert_allclose(softmax(logits, 1e-4), one_hot, rtol=0, atol=1e-200)


@FAST
@given(logits=bounded_logits)
def test_greedy_shares_the_mass_among_tied_maxima(logits):
    logits[: max(2, len(logits) // 2)] = logits.max()  # at least two tied maxima
    winners = logits == logits.max()
    np.testing.assert_array_equal(softmax(logits, 0.0), winners / winners.sum())
    np.testing.assert_array_equal(kept_mask(logits, temperature=0.0), winners)


@FAST
@given(logits=bounded_logits)
def test_hot_limit_is_uniform(logits):
    np.testing.assert_allclose(softmax(logits, 1e6), 1 / len(logits), rtol=1e-4)
    np.testing.assert_allclose(effective_vocabulary(softmax(logits, 1e6)), len(logits), rtol=1e-4)


@FAST
@given(logits=bounded_logits, temperature=temperatures, top_p=st.floats(0.01, 1.0))
def test_top_p_keeps_the_smallest_top_set_reaching_p(logits, temperature, top_p):
    probs = softmax(logits, temperature)
    kept = kept_mask(logits, temperature=temperature, top_p=top_p)
    # The kept set is a top set: nothing removed is more likely than something kept.
    assert kept.any() and (not (~kept).any() or probs[~kept].max() <= probs[kept].min())
    # It reaches p, and without its least likely member it would not (up to rounding).
    assert probs[kept].sum() >= top_p - 1e-12
    if kept.sum() > 1:
        assert probs[kept].sum() - probs[kept].min() < top_p + 1e-12


@FAST
@given(logits=bounded_logits, temperature=temperatures, top_k=st.integers(1, 25), min_p=st.floats(0, 1))
def test_top_k_and_min_p_keep_what_they_promise(logits, temperature, top_k, min_p):
    scaled = logits / temperature  # what the filters see, after temperature
    by_k = kept_mask(logits, temperature=temperature, top_k=top_k)
    kth = np.sort(scaled)[::-1][min(top_k, len(logits)) - 1]
    np.testing.assert_array_equal(by_k, scaled >= kth)  # ties with the k-th stay
    probs = softmax(scaled)
    by_min_p = kept_mask(logits, temperature=temperature, min_p=min_p)
    np.testing.assert_array_equal(by_min_p, probs >= min_p * probs.max())


@FAST
@given(
    logits=arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 12)), elements=st.floats(-50, 50)),
    temperature=st.one_of(st.just(0.0), temperatures),
    top_k=st.one_of(st.none(), st.integers(1, 12)),
    top_p=st.one_of(st.none(), st.floats(0.01, 1.0)),
)
def test_a_batch_is_its_rows_and_the_input_is_untouched(logits, temperature, top_k, top_p):
    before = logits.copy()
    batched = warp(logits, temperature=temperature, top_k=top_k, top_p=top_p)
    rows = np.stack([warp(row, temperature=temperature, top_k=top_k, top_p=top_p) for row in logits])
    np.testing.assert_array_equal(batched, rows)
    np.testing.assert_array_equal(logits, before)
    assert batched.dtype == np.float64 and batched.shape == logits.shape
