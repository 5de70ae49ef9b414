"""Identities the notebooks show on the real model, checked here on random logits.

Each one holds for *any* logits, so a notebook cell that asserts it on SmolLM2 cannot fail and
proves nothing about the model. The notebooks label these cells as identities and point here;
what could have come out otherwise on the model is asserted there as a finding.
"""

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from transformers import TemperatureLogitsWarper

from studykit.maths import sampling

LOGITS = arrays(np.float64, st.integers(2, 40), elements=st.floats(-20, 20, allow_nan=False, allow_infinity=False))
DISTINCT_LOGITS = arrays(np.float64, st.integers(2, 40), unique=True,
                         elements=st.floats(-20, 20, allow_nan=False, allow_infinity=False))
TEMPERATURE = st.floats(0.05, 20.0)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
FAST = settings(max_examples=60, deadline=None)  # each property is cheap; 60 random cases each keeps the file quick


def _two_temperatures():
    return st.tuples(TEMPERATURE, TEMPERATURE).map(sorted)


@FAST
@given(LOGITS, TEMPERATURE)
def test_probabilities_are_positive_and_sum_to_one(z, T):
    p = sampling.softmax(z, T)
    assert (p >= 0).all() and np.isclose(p.sum(), 1.0, atol=1e-12)


@FAST
@given(LOGITS, TEMPERATURE, st.floats(-1e3, 1e3))
def test_adding_a_constant_to_every_logit_changes_nothing(z, T, shift):
    assert np.allclose(sampling.softmax(z, T), sampling.softmax(z + shift, T), rtol=1e-9, atol=1e-12)


@FAST
@given(st.integers(1, 5000))
def test_exp_entropy_of_a_uniform_choice_among_k_is_k(k):
    assert np.isclose(sampling.effective_vocabulary(np.full(k, 1 / k)), k, rtol=1e-9)


@FAST
@given(LOGITS)
def test_temperature_one_is_a_no_op_here_and_in_transformers(z):
    assert np.array_equal(sampling.softmax(z, 1.0), sampling.softmax(z))
    scores = torch.from_numpy(z.astype(np.float32))[None]
    assert torch.equal(TemperatureLogitsWarper(1.0)(None, scores.clone()), scores)


@FAST
# T >= 0.5 keeps every probability far from underflow, so the logs are exact enough.
@given(arrays(np.float64, st.integers(2, 40), elements=st.floats(-8, 8)), st.floats(0.5, 20.0))
def test_log_odds_are_the_logit_gap_divided_by_temperature(z, T):
    p = sampling.softmax(z, T)
    log_odds = np.log(p[:, None]) - np.log(p[None, :])
    assert np.allclose(log_odds, (z[:, None] - z[None, :]) / T, atol=1e-9)


@FAST
@given(DISTINCT_LOGITS, TEMPERATURE)
def test_temperature_never_reorders_the_tokens(z, T):
    p = sampling.softmax(z, T)
    # Probabilities tied after rounding may swap; compare the order of the logits on strict gaps only.
    order = np.argsort(-z)
    assert (np.diff(p[order]) <= 1e-15).all()


@FAST
@given(LOGITS, _two_temperatures())
def test_the_arg_max_token_loses_probability_as_temperature_rises(z, temperatures):
    cold, hot = temperatures
    top = int(np.argmax(z))
    assert sampling.softmax(z, hot)[top] <= sampling.softmax(z, cold)[top] + 1e-12


@FAST
@given(LOGITS, _two_temperatures())
def test_entropy_never_falls_as_temperature_rises(z, temperatures):
    cold, hot = temperatures
    assert sampling.entropy(sampling.softmax(z, hot)) >= sampling.entropy(sampling.softmax(z, cold)) - 1e-9


@FAST
@given(LOGITS, _two_temperatures(), st.integers(1, 40))
def test_top_k_keeps_the_same_tokens_at_every_temperature(z, temperatures, k):
    cold, hot = temperatures
    assert np.array_equal(sampling.kept_mask(z, temperature=cold, top_k=k), sampling.kept_mask(z, temperature=hot, top_k=k))


@FAST
@given(LOGITS, TEMPERATURE, st.integers(1, 40))
def test_entropy_after_top_k_is_at_most_log_k(z, T, k):
    kept = sampling.kept_mask(z, temperature=T, top_k=k)  # k, or more when tied with the k-th
    p = sampling.softmax(sampling.warp(z, temperature=T, top_k=k))
    assert sampling.entropy(p) <= np.log(kept.sum()) + 1e-9
    assert sampling.entropy(sampling.softmax(z, T)) <= np.log(len(z)) + 1e-9


@FAST
@given(DISTINCT_LOGITS, _two_temperatures(), st.floats(0.05, 0.99))
def test_the_top_p_nucleus_never_shrinks_as_temperature_rises(z, temperatures, top_p):
    cold, hot = temperatures
    # Mass within rounding of the boundary can go either way; those cases say nothing about T.
    for T in temperatures:
        mass = np.cumsum(np.sort(sampling.softmax(z, T))[::-1])
        assume(np.abs(mass - top_p).min() > 1e-9)
    cold_size = sampling.kept_mask(z, temperature=cold, top_p=top_p).sum()
    assert sampling.kept_mask(z, temperature=hot, top_p=top_p).sum() >= cold_size


def _expected_nll(z, T, **one_filter):
    """Mean -log p(token) at T = 1 when sampling from the filtered distribution at T."""
    q = sampling.softmax(sampling.warp(z, temperature=T, **one_filter))
    return float(-(q * np.log(sampling.softmax(z))).sum())


@FAST
@given(DISTINCT_LOGITS, TEMPERATURE, st.floats(0.0, 1.0), st.floats(0.05, 0.99))
def test_top_k_gives_a_lower_expected_nll_than_a_top_p_set_that_contains_it(z, T, share, top_p):
    # The notebook's case: k at most the nucleus's size, so top-k's set lies inside it. Drawing k that
    # way (not filtering random k) keeps every generated example: both sets are the top-ranked tokens.
    top_p_set = sampling.kept_mask(z, temperature=T, top_p=top_p)
    k = max(1, int(np.ceil(share * top_p_set.sum())))
    top_k_set = sampling.kept_mask(z, temperature=T, top_k=k)
    assert (top_p_set >= top_k_set).all()
    assert _expected_nll(z, T, top_k=k) <= _expected_nll(z, T, top_p=top_p) + 1e-9


@FAST
@given(DISTINCT_LOGITS, st.floats(0.3, 1.0))
def test_float32_underflow_closes_tokens_that_float64_keeps_open(z, T):
    # The identity is the float64 one: for T > 0 every token keeps a probability above 0 ...
    assert (sampling.softmax(z, T) > 0).all()
    # ... while in float32 exp() underflows below about 1e-45: a logit gap over about 104 * T closes a token.
    wide = np.append(z, z.max() - 110.0 * T).astype(np.float32)
    assert sampling.softmax(wide, T)[-1] == 0.0


@FAST
@given(LOGITS, _two_temperatures(), st.integers(1, 40))
def test_the_m_busiest_tokens_together_lose_mass_as_temperature_rises(z, temperatures, m):
    # d/dT of their mass is -(mass / T^2) * (their mean logit - the overall mean logit) <= 0.
    cold, hot = temperatures
    order = np.argsort(-z, kind="stable")[:m]
    assert sampling.softmax(z, hot)[order].sum() <= sampling.softmax(z, cold)[order].sum() + 1e-12
