"""Temperature scaling and the expected calibration error (Guo et al. 2017), on generated data."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from studykit.maths import calibration, sampling

FAST = settings(max_examples=60, deadline=None)

# Logits on a grid of 1/8 (exact in binary) so two different logits stay different after dividing
# by any T in [0.05, 50]: their gap is >= 1/400, far above float64 rounding.
grid_logits = arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(2, 15)),
                     elements=st.integers(-80, 80).map(lambda k: k / 8))
temperatures = st.floats(0.05, 50)
probabilities = st.floats(0.0, 1.0)


def _labels(logits, seed):
    return np.random.default_rng(seed).integers(0, logits.shape[1], size=logits.shape[0])


@FAST
@given(logits=grid_logits, temperature=temperatures, seed=st.integers(0, 10**6))
def test_temperature_scaling_never_changes_the_predicted_class(logits, temperature, seed):
    labels = _labels(logits, seed)
    _, correct_1 = calibration.top1_confidence(logits, labels, 1.0)
    _, correct_t = calibration.top1_confidence(logits, labels, temperature)
    # Right at every T exactly where the raw logits' arg-max is the label: T never moves the prediction.
    assert np.array_equal(correct_t, np.argmax(logits, axis=1) == labels)
    assert np.array_equal(correct_1, correct_t)  # so top-1 accuracy is exactly unchanged


@FAST
@given(logits=grid_logits, temperature=temperatures, seed=st.integers(0, 10**6))
def test_confidence_is_the_top_probability_of_softmax_over_t(logits, temperature, seed):
    conf, _ = calibration.top1_confidence(logits, _labels(logits, seed), temperature)
    np.testing.assert_allclose(conf, sampling.softmax(logits, temperature).max(axis=1), rtol=1e-12)


@FAST
@given(logits=grid_logits, seed=st.integers(0, 10**6), other=st.floats(0.05, 20))
def test_fitted_temperature_minimises_the_nll(logits, seed, other):
    labels = _labels(logits, seed)
    label_scores = logits[np.arange(len(labels)), labels]
    exists = (label_scores < logits.max(axis=1)).any() and (logits.mean(axis=1) - label_scores).mean() < 0
    if not exists:  # the NLL is monotone in T: no finite best temperature, and the fit says so
        with pytest.raises(ValueError, match="no (finite )?temperature is best"):
            calibration.fit_temperature(logits, labels)
        return
    fitted = calibration.fit_temperature(logits, labels)
    assert fitted > 0
    best = calibration.nll(logits, labels, fitted)
    assert best <= calibration.nll(logits, labels, other) + 1e-9
    assert best <= calibration.nll(logits, labels, 1.0) + 1e-9


def test_nll_matches_torch_cross_entropy():
    logits = torch.randn(50, 30, generator=torch.Generator().manual_seed(1)) * 3
    labels = torch.randint(0, 30, (50,), generator=torch.Generator().manual_seed(2))
    for t in (0.5, 1.0, 2.5):
        expected = torch.nn.functional.cross_entropy(logits.double() / t, labels).item()
        assert calibration.nll(logits.double(), labels, t) == pytest.approx(expected, rel=1e-12)
        assert calibration.nll(logits, labels, t) == pytest.approx(expected, rel=1e-6)  # float32 stays float32
        per_token = calibration.token_nlls(logits.double(), labels, t)
        expected_each = torch.nn.functional.cross_entropy(logits.double() / t, labels, reduction="none").numpy()
        np.testing.assert_allclose(per_token, expected_each, rtol=1e-12)


def test_fit_recovers_the_temperature_that_generated_the_labels():
    """Labels drawn from softmax(z / 2) are best explained by T = 2 (up to sampling noise)."""
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, size=(20_000, 10))
    probs = sampling.softmax(logits, 2.0)
    labels = np.array([rng.choice(10, p=p) for p in probs])
    assert calibration.fit_temperature(logits, labels) == pytest.approx(2.0, rel=0.05)


@FAST
@given(conf=arrays(np.float64, st.integers(1, 200), elements=probabilities), seed=st.integers(0, 10**6),
       n_bins=st.integers(1, 30))
def test_ece_is_a_weighted_gap_between_0_and_1(conf, seed, n_bins):
    correct = np.random.default_rng(seed).random(len(conf)) < 0.5
    bins = calibration.reliability_bins(conf, correct, n_bins)
    assert bins.counts.sum() == len(conf)
    assert 0.0 <= bins.ece <= 1.0
    # Each bin holds exactly the confidences in (lo, hi] (the first also 0).
    for i, (lo, hi) in enumerate(zip(bins.edges[:-1], bins.edges[1:])):
        inside = (conf > lo) & (conf <= hi) if i else (conf <= hi)
        assert bins.counts[i] == inside.sum()
    # Reordering the predictions changes nothing.
    order = np.random.default_rng(seed).permutation(len(conf))
    assert calibration.expected_calibration_error(conf[order], correct[order], n_bins) == pytest.approx(bins.ece)


@FAST
@given(conf=arrays(np.float64, st.integers(1, 200), elements=probabilities), seed=st.integers(0, 10**6))
def test_one_bin_ece_is_the_gap_between_accuracy_and_mean_confidence(conf, seed):
    correct = np.random.default_rng(seed).random(len(conf)) < 0.7
    assert calibration.expected_calibration_error(conf, correct, 1) == pytest.approx(abs(correct.mean() - conf.mean()))


def test_ece_is_zero_when_accuracy_matches_confidence_in_every_bin():
    conf = np.array([0.25] * 4 + [0.9] * 10)
    correct = np.array([1, 0, 0, 0] + [1] * 9 + [0])
    assert calibration.expected_calibration_error(conf, correct) == pytest.approx(0.0, abs=1e-12)
    # Always right at 60% confidence: the gap is 0.4 on every prediction.
    assert calibration.expected_calibration_error([0.6] * 5, [1] * 5) == pytest.approx(0.4)


def test_guo_et_al_bins_are_fifteen_equal_width_bins():
    bins = calibration.reliability_bins([0.5], [1])
    assert calibration.GUO_BINS == 15 and len(bins.counts) == 15
    np.testing.assert_allclose(np.diff(bins.edges), 1 / 15)
    # A confidence exactly on an inner edge falls in the bin below it: bins are (lo, hi].
    assert calibration.reliability_bins([2 / 15], [1]).counts[1] == 1


@pytest.mark.parametrize("call, message", [
    (lambda: calibration.reliability_bins([0.5, 1.2], [1, 0]), "confidences must be probabilities"),
    (lambda: calibration.reliability_bins([0.5], [1, 0]), "same length"),
    (lambda: calibration.reliability_bins([0.5], [2]), "correct must hold only"),
    (lambda: calibration.reliability_bins([0.5], [1], n_bins=0), "n_bins must be a positive integer"),
    (lambda: calibration.nll([[0.0, 1.0]], [0], temperature=0), "temperature must be a finite number > 0"),
    (lambda: calibration.nll([[0.0, 1.0]], [2]), r"labels must be class ids in \[0, 1\]"),
    (lambda: calibration.nll([0.0, 1.0], [0]), r"logits must be \(N, V\)"),
    (lambda: calibration.fit_temperature([[0.0, float("nan")]], [0]), "logits must be finite"),
])
def test_bad_input_is_refused_with_a_message_naming_it(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_calibrated_model_still_scores_a_positive_ece_that_shrinks_with_more_predictions():
    rng = np.random.default_rng(0)
    small, large = rng.uniform(0.2, 1.0, 300), rng.uniform(0.2, 1.0, 30_000)
    floor_small, floor_large = calibration.calibrated_ece(small), calibration.calibrated_ece(large, draws=20)
    assert floor_small > 0.02 > floor_large > 0      # the bias falls roughly like 1 / sqrt(n)
    assert floor_small / floor_large > 5
    # a model that is off by 10 points everywhere scores well above the floor
    assert calibration.expected_calibration_error(large, rng.random(large.size) < large - 0.1) > 0.09
