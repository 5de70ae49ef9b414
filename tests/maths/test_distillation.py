"""Soft-target gradients and the T^2 factor (Hinton, Vinyals and Dean 2015), on generated logits."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from studykit.maths import distillation, sampling

FAST = settings(max_examples=60, deadline=None)

logit_pairs = st.integers(2, 40).flatmap(lambda v: st.tuples(
    arrays(np.float64, (3, v), elements=st.floats(-10, 10)),
    arrays(np.float64, (3, v), elements=st.floats(-10, 10))))
temperatures = st.floats(0.2, 50)


@FAST
@given(pair=logit_pairs, temperature=temperatures, scaled=st.booleans())
def test_analytic_gradient_equals_autograd(pair, temperature, scaled):
    student, teacher = pair
    z = torch.tensor(student, requires_grad=True)
    loss = distillation.soft_target_loss(z, teacher, temperature, scale_by_t_squared=scaled)
    (loss * len(student)).backward()  # the loss is a mean over rows; the analytic gradient is per row
    expected = distillation.soft_target_gradient(student, teacher, temperature, scale_by_t_squared=scaled)
    torch.testing.assert_close(z.grad, expected, rtol=1e-9, atol=1e-12)


@FAST
@given(pair=logit_pairs, temperature=temperatures)
def test_gradient_is_q_minus_p_over_t_and_sums_to_zero(pair, temperature):
    student, teacher = pair
    grad = distillation.soft_target_gradient(student, teacher, temperature).numpy()
    q, p = sampling.softmax(student, temperature), sampling.softmax(teacher, temperature)
    np.testing.assert_allclose(grad, (q - p) / temperature, atol=1e-12)
    np.testing.assert_allclose(grad.sum(axis=-1), 0.0, atol=1e-12)  # a shift of all logits changes nothing
    scaled = distillation.soft_target_gradient(student, teacher, temperature, scale_by_t_squared=True).numpy()
    np.testing.assert_allclose(scaled, grad * temperature**2, rtol=1e-12, atol=1e-15)


@FAST
@given(pair=logit_pairs)
def test_high_temperature_gradient_approaches_hinton_eq_4(pair):
    """(q - p) / T -> (z - v) / (N T^2) for zero-meaned logits: the error shrinks like 1/T."""
    student, teacher = pair
    errors = []
    for t in (1e3, 1e4):
        exact = distillation.soft_target_gradient(student, teacher, t) * t * t
        approx = distillation.high_temperature_gradient(student, teacher, t) * t * t
        errors.append(float((exact - approx).abs().max()))
    # The leading term is bounded by max|z - v| / N <= 20 / N; the error is O(1/T) of that scale.
    assert errors[0] <= 40 * 20 / 1e3 + 1e-12
    assert errors[1] <= errors[0] / 5 + 1e-10


@FAST
@given(pair=logit_pairs, temperature=temperatures, k=st.integers(1, 5))
def test_mass_beyond_top_k_and_gradient_share_are_fractions(pair, temperature, k):
    student, teacher = pair
    k = min(k, teacher.shape[1] - 1)
    probs = distillation.soft_targets(teacher, temperature)
    mass = distillation.mass_beyond_top(probs, k).numpy()
    np.testing.assert_allclose(mass, 1 - np.sort(probs.numpy(), axis=1)[:, ::-1][:, :k].sum(axis=1), atol=1e-12)
    grad = distillation.soft_target_gradient(student, teacher, temperature)
    if torch.all(grad.abs().sum(-1) > 0):
        share = distillation.gradient_share_outside_top(grad, teacher, k).numpy()
        assert np.all((share >= 0) & (share <= 1 + 1e-12))


@FAST
@given(logits=arrays(np.float64, (2, 12), elements=st.integers(-40, 40).map(lambda n: n / 4)),
       low=st.floats(0.2, 10), factor=st.floats(1.01, 10))
def test_mass_beyond_the_top_token_never_falls_as_t_rises(logits, low, factor):
    cold = distillation.mass_beyond_top(distillation.soft_targets(logits, low), 1)
    hot = distillation.mass_beyond_top(distillation.soft_targets(logits, low * factor), 1)
    assert torch.all(hot >= cold - 1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: distillation.soft_target_gradient([[0.0, 1.0]], [[0.0, 1.0, 2.0]], 2.0), "same shape"),
    (lambda: distillation.soft_target_loss([[0.0, 1.0]], [[0.0, 1.0]], 0.0), "temperature must be a finite number > 0"),
    (lambda: distillation.soft_targets([[0.0, float("inf")]], 1.0), "logits must be finite"),
    (lambda: distillation.mass_beyond_top([[0.5, 0.5]], 2), r"k must be an integer in \[1, 1\]"),
    (lambda: distillation.soft_targets([1.0], 1.0), "V >= 2 classes"),
])
def test_bad_input_is_refused_with_a_message_naming_it(call, message):
    with pytest.raises(ValueError, match=message):
        call()
