"""Speculative sampling keeps the target distribution; pass@k; the addition task's parser."""

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from studykit.studies import arithmetic_tasks

from studykit.maths import passk, speculative, stats
from math import comb


def test_docstring_examples():
    for module in (speculative, passk, arithmetic_tasks):
        assert doctest.testmod(module).failed == 0


@st.composite
def pairs(draw):
    v = draw(st.integers(2, 12))
    p = draw(arrays(np.float64, v, elements=st.floats(0, 1)).filter(lambda a: a.sum() > 0.01))
    q = draw(arrays(np.float64, v, elements=st.floats(0, 1)).filter(lambda a: a.sum() > 0.01))
    return p / p.sum(), q / q.sum()


@settings(max_examples=150, deadline=None)
@given(pairs())
def test_the_output_distribution_is_the_target_exactly(pq):
    p, q = pq
    np.testing.assert_allclose(speculative.output_distribution(p, q), p, atol=1e-12)
    alpha = speculative.acceptance_probability(p, q)
    assert alpha == pytest.approx(1 - 0.5 * np.abs(p - q).sum())


def test_sampled_outputs_pass_a_chi_square_test_and_raw_drafts_fail_it():
    p, q = np.array([0.5, 0.3, 0.15, 0.05]), np.array([0.1, 0.2, 0.3, 0.4])
    tokens, accepted = speculative.speculative_sample(p, q, 20_000, seed=0)
    assert stats.chi_square_test(np.bincount(tokens, minlength=4), p).p_value > 0.01
    assert accepted.mean() == pytest.approx(speculative.acceptance_probability(p, q), abs=0.015)
    drafts = np.random.default_rng(1).choice(4, size=20_000, p=q)
    assert stats.chi_square_test(np.bincount(drafts, minlength=4), p).p_value < 1e-6  # the test has power


def test_a_draft_that_misses_tokens_still_gives_the_target():
    p, q = np.array([0.2, 0.3, 0.5]), np.array([0.0, 0.5, 0.5])  # the draft never proposes token 0
    tokens, _ = speculative.speculative_sample(p, q, 20_000, seed=2)
    assert stats.chi_square_test(np.bincount(tokens, minlength=3), p).p_value > 0.01


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 1), st.integers(1, 10))
def test_expected_tokens_per_block_is_a_capped_geometric_sum(alpha, gamma):
    value = speculative.expected_tokens_per_block(alpha, gamma)
    assert 1 <= value <= gamma + 1 + 1e-12
    if alpha < 0.999:
        assert value == pytest.approx((1 - alpha ** (gamma + 1)) / (1 - alpha), rel=1e-9)


def test_expected_tokens_per_block_matches_a_simulation():
    rng = np.random.default_rng(0)
    alpha, gamma = 0.6, 4
    accepts = rng.random((200_000, gamma)) < alpha
    produced = np.where(accepts.all(axis=1), gamma, np.argmin(accepts, axis=1)) + 1  # kept drafts + one from the target
    assert produced.mean() == pytest.approx(speculative.expected_tokens_per_block(alpha, gamma), abs=0.01)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), st.data())
def test_pass_at_k_equals_the_binomial_formula(n, data):
    c = data.draw(st.integers(0, n))
    k = data.draw(st.integers(1, n))
    assert passk.pass_at_k(n, c, k) == pytest.approx(1 - comb(n - c, k) / comb(n, k), abs=1e-12)


def test_pass_at_k_is_unbiased_for_the_chance_one_of_k_fresh_samples_is_right():
    """Average the estimator over many draws of n samples with success rate s: it equals 1 - (1 - s)^k."""
    rng = np.random.default_rng(0)
    s, n, k = 0.2, 10, 4
    estimates = [passk.pass_at_k(n, int(c), k) for c in rng.binomial(n, s, size=40_000)]
    assert np.mean(estimates) == pytest.approx(1 - (1 - s) ** k, abs=0.005)


@pytest.mark.parametrize("call, match", [
    (lambda: passk.pass_at_k(5, 2, 6), r"k must be in \[1, n\]"),
    (lambda: passk.pass_at_k(5, 6, 1), "c .correct samples. cannot exceed n"),
    (lambda: speculative.expected_tokens_per_block(1.5, 3), r"alpha must be an acceptance rate in \[0, 1\]"),
    (lambda: speculative.expected_tokens_per_block(0.5, 0), "gamma .draft tokens per block. must be a positive integer"),
    (lambda: speculative.speculative_sample([1.0, 0.0], [0.5], 10), "same vocabulary"),
    (lambda: arithmetic_tasks.addition_tasks(0), "count must be a positive integer"),
])
def test_bad_arguments_name_themselves(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("reply, expected", [
    ("44 + 35 = 79", 79), ("The answer is 79.", 79), ("79", 79), ("\n\n12 + 9 = 11\n\nThis is 3", 11),
    ("To add 7 and 5, you add them: 7", 7), ("I don't know", None), ("", None),
])
def test_parse_answer_reads_the_last_number_of_the_first_line(reply, expected):
    assert arithmetic_tasks.parse_answer(reply) == expected


# --- the negative control: the classic bug must fail where the check is run -----------------------

@settings(max_examples=150, deadline=None)
@given(pairs())
def test_the_bugs_output_distribution_is_what_the_docstring_says(pq):
    p, q = pq
    bug = speculative.buggy_output_distribution(p, q)
    assert bug.sum() == pytest.approx(1.0)
    alpha = speculative.acceptance_probability(p, q)
    # its distance from p: 0.5 * sum |min(p, q) - alpha * p|
    assert 0.5 * np.abs(bug - p).sum() == pytest.approx(0.5 * np.abs(np.minimum(p, q) - alpha * p).sum(), abs=1e-12)


def test_the_bug_is_invisible_at_low_acceptance_and_plain_at_middling_acceptance():
    p = np.array([0.5, 0.3, 0.15, 0.047, 0.003])
    far = np.array([0.001, 0.001, 0.001, 0.001, 0.996])  # alpha = 0.007: almost every token is a fallback
    middling = np.array([0.1, 0.2, 0.3, 0.2, 0.2])       # alpha = 0.5
    assert speculative.acceptance_probability(p, far) == pytest.approx(0.007)
    tv = {name: 0.5 * np.abs(speculative.buggy_output_distribution(p, q) - p).sum()
          for name, q in (("far", far), ("middling", middling))}
    assert tv["far"] <= 0.007 + 1e-12 and tv["middling"] > 0.1  # the bug moves at most alpha of the mass
    tokens, _ = speculative.speculative_sample_with_bug(p, middling, 20_000, seed=0)
    assert stats.chi_square_test(np.bincount(tokens, minlength=5), p).p_value < 1e-6   # the check catches it here
    right, _ = speculative.speculative_sample(p, middling, 20_000, seed=0)
    assert stats.chi_square_test(np.bincount(right, minlength=5), p).p_value > 0.01
    # A fresh draw of the bug, counted against its own formula.
    buggy_counts = np.bincount(speculative.speculative_sample_with_bug(p, middling, 20_000, seed=1)[0], minlength=5)
    expected = speculative.buggy_output_distribution(p, middling)
    assert stats.chi_square_test(buggy_counts, expected).p_value > 0.01  # and it emits what the formula says


def test_the_bug_uses_the_same_random_numbers_and_differs_only_after_a_rejection():
    p, q = np.array([0.5, 0.3, 0.15, 0.05]), np.array([0.1, 0.2, 0.3, 0.4])
    right, kept = speculative.speculative_sample(p, q, 5_000, seed=3)
    wrong, kept_too = speculative.speculative_sample_with_bug(p, q, 5_000, seed=3)
    np.testing.assert_array_equal(kept, kept_too)
    np.testing.assert_array_equal(right[kept], wrong[kept])


# --- the cost of a block when the draft shares the target's first layers --------------------------

def test_self_speculative_cost_matches_a_simulation_of_layer_steps():
    rng = np.random.default_rng(0)
    L, l = 30, 12
    for alpha, gamma in ((0.5, 3), (0.9, 4), (0.2, 2)):
        layers = tokens = 0
        for _ in range(40_000):
            layers += gamma * l + (L - l)                     # gamma draft steps, then layers l+1..L once
            accepts = rng.random(gamma) < alpha
            kept = gamma if accepts.all() else int(np.argmin(accepts))
            tokens += kept + (0 if kept == gamma else 1)      # a residual token at the first rejection
        simulated = layers / L / tokens
        assert simulated == pytest.approx(speculative.self_speculative_cost_per_token(alpha, gamma, l, L), rel=0.01)


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1), st.integers(1, 30))
def test_one_draft_per_block_breaks_even_whatever_the_acceptance(alpha, layers):
    assert speculative.self_speculative_cost_per_token(alpha, 1, min(layers, 29), 30) == pytest.approx(1.0)


def test_self_speculative_cost_rejects_impossible_settings():
    for args in ((0.5, 0, 10, 30), (0.5, 2, 30, 30), (1.5, 2, 10, 30), (0.5, 2, 0, 30)):
        with pytest.raises(ValueError):
            speculative.self_speculative_cost_per_token(*args)
