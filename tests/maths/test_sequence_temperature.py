"""Temperature as a power of probabilities; per-token vs sequence-level temperature; TV and KL."""

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from studykit.maths import divergences, sampling, sequence_temperature as st_mod

temperatures = st.floats(0.05, 20.0)


def test_docstring_examples():
    assert doctest.testmod(st_mod).failed == 0 and doctest.testmod(divergences).failed == 0


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, 30, elements=st.floats(-30, 30)), temperatures)
def test_softmax_of_z_over_t_is_p_to_the_one_over_t(z, T):
    np.testing.assert_allclose(st_mod.power_of_probabilities(sampling.softmax(z), T), sampling.softmax(z, T),
                               rtol=1e-6, atol=1e-12)


@st.composite
def two_steps(draw):
    a, b = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    first = draw(arrays(np.float64, a, elements=st.floats(0.01, 1.0)))
    second = draw(arrays(np.float64, (a, b), elements=st.floats(0.01, 1.0)))
    return first / first.sum(), second / second.sum(axis=1, keepdims=True)


@settings(max_examples=100, deadline=None)
@given(two_steps(), temperatures)
def test_both_joints_are_distributions_and_agree_at_t_one(steps, T):
    first, second = steps
    for joint in (st_mod.per_token_joint(first, second, T), st_mod.sequence_level_joint(first, second, T)):
        assert joint.shape == second.shape and np.isclose(joint.sum(), 1.0) and (joint >= 0).all()
    np.testing.assert_allclose(st_mod.per_token_joint(first, second, 1.0), first[:, None] * second)
    np.testing.assert_allclose(st_mod.sequence_level_joint(first, second, 1.0), first[:, None] * second)


@settings(max_examples=100, deadline=None)
@given(two_steps(), temperatures)
def test_they_differ_exactly_by_the_second_steps_normaliser(steps, T):
    """Sequence-level: P_T(a) is proportional to p_T(a) * Z_T(a), Z_T(a) = sum_b p(b|a)^(1/T); given a, both
    sample b from the same p_T(b | a). So they coincide whenever every Z_T(a) is the same."""
    first, second = steps
    seq = st_mod.sequence_level_joint(first, second, T)
    z = (second ** (1 / T)).sum(axis=1)
    marginal = first ** (1 / T) * z
    np.testing.assert_allclose(seq.sum(axis=1), marginal / marginal.sum(), rtol=1e-6)
    np.testing.assert_allclose(seq / seq.sum(axis=1, keepdims=True), st_mod.power_of_probabilities(second, T), rtol=1e-6)


def test_equal_normalisers_make_them_equal_and_unequal_ones_do_not():
    first = np.array([0.7, 0.3])
    same_shape = np.array([[0.9, 0.1], [0.1, 0.9]])  # both rows equally peaked: same Z_T
    assert divergences.total_variation(st_mod.per_token_joint(first, same_shape, 0.5),
                                       st_mod.sequence_level_joint(first, same_shape, 0.5)) < 1e-12
    different = np.array([[0.5, 0.5], [1.0, 0.0]])
    assert divergences.total_variation(st_mod.per_token_joint(first, different, 0.5),
                                       st_mod.sequence_level_joint(first, different, 0.5)) > 0.05


@settings(max_examples=100, deadline=None)
@given(two_steps())
def test_tv_and_kl_basic_properties(steps):
    p = steps[1][0]
    q = np.roll(p, 1)
    assert divergences.total_variation(p, p) == 0 and divergences.kl_divergence(p, p) == pytest.approx(0, abs=1e-12)
    tv = divergences.total_variation(p, q)
    assert 0 <= tv <= 1 and tv == pytest.approx(1 - np.minimum(p, q).sum())
    assert divergences.kl_divergence(p, q) >= 2 * tv**2 - 1e-12  # Pinsker's inequality


@pytest.mark.parametrize("call, match", [
    (lambda: st_mod.power_of_probabilities([0.5, 0.5], 0), "temperature must be a number > 0"),
    (lambda: st_mod.per_token_joint([0.5, 0.5], [[1.0]], 1.0), r"first must be p\(a\) of shape"),
    (lambda: st_mod.power_of_probabilities([0.5, 0.6], 1.0), "must hold probabilities"),
    (lambda: divergences.total_variation([1.0], [0.5, 0.5]), "same outcomes"),
])
def test_bad_arguments_name_themselves(call, match):
    with pytest.raises(ValueError, match=match):
        call()
