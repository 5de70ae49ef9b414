"""The variance of pass@1, the samples a difference needs, and McNemar's exact test."""

import doctest
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statistics import NormalDist

from studykit.maths import paired_tests


def test_docstring_examples():
    assert doctest.testmod(paired_tests).failed == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=6), st.integers(1, 8))
def test_the_variance_formula_matches_exact_enumeration(p, n):
    # Var(mean_i c_i / n) with c_i ~ Binomial(n, p_i) independent, from the pmf itself.
    variance_each = []
    for pi in p:
        values = np.arange(n + 1) / n
        pmf = np.array([math.comb(n, c) * pi**c * (1 - pi) ** (n - c) for c in range(n + 1)])
        mean = (pmf * values).sum()
        variance_each.append((pmf * (values - mean) ** 2).sum())
    assert paired_tests.pass1_variance(p, n) == pytest.approx(sum(variance_each) / len(p) ** 2, abs=1e-15)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.02, 0.2))
def test_the_returned_sample_size_is_the_smallest_with_enough_power(seed, difference):
    rng = np.random.default_rng(seed)
    p_a = rng.uniform(0.05, 0.95, 40)
    p_b = np.clip(p_a - difference, 0, 1)
    n = paired_tests.samples_per_task_for(p_a, p_b, difference=difference)
    z_alpha = NormalDist().inv_cdf(0.975)

    def power(m):
        se = paired_tests.difference_standard_error(p_a, p_b, m)
        return 1 - NormalDist().cdf(z_alpha - difference / se)

    assert power(n) >= 0.8 - 1e-9
    assert n == 1 or power(n - 1) < 0.8 + 1e-9


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40), st.integers(0, 40))
def test_mcnemar_is_symmetric_and_a_probability(b, c):
    p = paired_tests.mcnemar_exact(b, c)
    assert p == paired_tests.mcnemar_exact(c, b) and 0 < p <= 1


@pytest.mark.parametrize("discordant", [5, 12, 30])
def test_mcnemar_never_rejects_more_often_than_alpha_under_the_null(discordant):
    # Under "no difference" b ~ Binomial(m, 1/2): the chance of p <= 0.05 is at most 0.05.
    size = sum(math.comb(discordant, b) / 2**discordant for b in range(discordant + 1)
               if paired_tests.mcnemar_exact(b, discordant - b) <= 0.05)
    assert size <= 0.05


def test_discordant_counts():
    assert paired_tests.discordant_counts([1, 1, 0, 0, 1], [1, 0, 1, 0, 0]) == (2, 1)


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="zero difference"):
        paired_tests.samples_per_task_for([0.5], [0.5])
    with pytest.raises(ValueError, match="b must"):
        paired_tests.mcnemar_exact(-1, 2)
    with pytest.raises(ValueError, match="same tasks"):
        paired_tests.discordant_counts([1, 0], [1])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.03, 0.2), st.floats(0.0, 0.05))
def test_with_task_noise_the_sample_size_is_the_smallest_with_enough_power_or_none(seed, difference, task_se):
    rng = np.random.default_rng(seed)
    p_a = rng.uniform(0.05, 0.95, 40)
    p_b = np.clip(p_a - difference, 0, 1)
    n = paired_tests.samples_per_task_for(p_a, p_b, difference=difference, task_standard_error=task_se)
    z = NormalDist().inv_cdf(0.975) + NormalDist().inv_cdf(0.8)

    def detectable(m):  # the whole standard error: sampling noise at m samples plus the tasks'
        se = math.hypot(paired_tests.difference_standard_error(p_a, p_b, m), task_se)
        return z * se <= difference * (1 + 1e-9)

    if n is None:
        assert z * task_se >= difference * (1 - 1e-9)   # the tasks alone use up the margin
    else:
        assert detectable(n) and (n == 1 or not detectable(n - 1))
        assert n >= paired_tests.samples_per_task_for(p_a, p_b, difference=difference)
