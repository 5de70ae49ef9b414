"""The temperature of an InfoNCE/CLIP-style loss and its hardest-negative focus, on generated data."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from studykit.maths import contrastive, sampling

FAST = settings(max_examples=60, deadline=None)

similarity_matrices = st.integers(2, 10).flatmap(
    lambda b: arrays(np.float64, (b, b), elements=st.floats(-1, 1)))
temperatures = st.floats(0.02, 5)


@FAST
@given(s=similarity_matrices, tau=temperatures)
def test_negative_weights_are_the_normalised_gradient_on_negatives(s, tau):
    """dL_i/ds_ij = P_ij / tau for j != i, so the push on negatives is shared as exp(s_ij / tau)."""
    sim = torch.tensor(s, requires_grad=True)
    (contrastive.info_nce_loss(sim, tau) * len(s)).backward()
    grad = sim.grad.numpy()
    off = ~np.eye(len(s), dtype=bool)
    assert np.all(grad[off] >= 0) and np.all(np.diag(grad) <= 0)  # negatives pushed down, positives up
    weights = contrastive.negative_weights(s, tau).numpy()
    np.testing.assert_allclose(weights[off].reshape(len(s), -1),
                               (grad[off] / grad[off].reshape(len(s), -1).sum(1).repeat(len(s) - 1)).reshape(len(s), -1),
                               rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(np.diag(weights), 0.0)


@FAST
@given(s=similarity_matrices, tau=temperatures)
def test_negative_weights_are_sampling_temperature_over_the_negatives(s, tau):
    weights = contrastive.negative_weights(s, tau).numpy()
    for i in range(len(s)):
        negatives = np.delete(s[i], i)
        np.testing.assert_allclose(np.delete(weights[i], i), sampling.softmax(negatives, tau), rtol=1e-9, atol=1e-15)


@FAST
@given(s=similarity_matrices, low=temperatures, factor=st.floats(1.0, 20))
def test_a_smaller_tau_never_spreads_the_push_more_evenly(s, low, factor):
    cold = contrastive.hardest_negative_share(s, low)
    hot = contrastive.hardest_negative_share(s, low * factor)
    assert torch.all(cold >= hot - 1e-12)
    assert torch.all(hot >= 1 / (len(s) - 1) - 1e-12)  # never below an even split


def test_limits_all_on_the_hardest_negative_and_an_even_split():
    s = torch.tensor([[0.9, 0.5, 0.4, 0.1], [0.2, 0.8, 0.3, 0.0], [0.6, 0.1, 0.7, 0.2], [0.0, 0.1, 0.2, 0.3]])
    assert torch.allclose(contrastive.hardest_negative_share(s, 1e-3), torch.ones(4, dtype=torch.float64))
    assert torch.allclose(contrastive.hardest_negative_share(s, 1e4), torch.full((4,), 1 / 3, dtype=torch.float64), atol=1e-4)


@FAST
@given(s=similarity_matrices, tau=temperatures)
def test_loss_is_cross_entropy_and_symmetric_version_averages_both_directions(s, tau):
    rows = contrastive.info_nce_loss(s, tau).item()
    expected = np.mean([-(s[i, i] / tau - math.log(np.exp(s[i] / tau).sum())) for i in range(len(s))])
    assert rows == pytest.approx(expected, rel=1e-9, abs=1e-12)
    both = contrastive.info_nce_loss(s, tau, symmetric=True).item()
    assert both == pytest.approx((rows + contrastive.info_nce_loss(s.T, tau).item()) / 2, rel=1e-9, abs=1e-12)


def test_cosine_similarities_and_retrieval_hits():
    a = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    b = torch.tensor([[3.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    s = contrastive.cosine_similarities(a, b)
    torch.testing.assert_close(s.diagonal(), torch.tensor([1.0, 0.0, 1.0], dtype=torch.float64))
    assert contrastive.retrieval_hits(s).tolist() == [True, False, True]


@pytest.mark.parametrize("call, message", [
    (lambda: contrastive.info_nce_loss(torch.zeros(2, 3), 0.1), "square"),
    (lambda: contrastive.info_nce_loss(torch.zeros(2, 2), 0.0), "temperature must be a finite number > 0"),
    (lambda: contrastive.negative_weights(torch.full((2, 2), float("nan")), 0.1), "finite"),
    (lambda: contrastive.cosine_similarities(torch.zeros(3, 4), torch.zeros(2, 4)), r"\(B, d\)"),
])
def test_bad_input_is_refused_with_a_message_naming_it(call, message):
    with pytest.raises(ValueError, match=message):
        call()
