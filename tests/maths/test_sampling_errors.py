"""Bad input is refused up front with a ValueError that names the argument and what it accepts."""

import numpy as np
import pytest

from studykit.maths.sampling import effective_vocabulary, entropy, kept_mask, sample, softmax, warp

LOGITS = np.array([1.0, 2.0, 3.0])

BAD_PARAMETERS = [
    # (argument, bad value, words the message must contain)
    ("temperature", -1.0, ">= 0"),
    ("temperature", -1e-300, ">= 0"),
    ("temperature", float("nan"), ">= 0"),
    ("temperature", float("inf"), "finite"),
    ("temperature", True, "number"),
    ("temperature", np.bool_(False), "number"),
    ("temperature", "1.0", "number"),
    ("temperature", None, "number"),
    ("top_k", 0, "positive integer"),
    ("top_k", -3, "positive integer"),
    ("top_k", 2.5, "positive integer"),
    ("top_k", 2.0, "positive integer"),
    ("top_k", True, "positive integer"),
    ("top_k", "5", "positive integer"),
    ("top_p", 0.0, "(0, 1]"),
    ("top_p", -0.1, "(0, 1]"),
    ("top_p", 1.5, "(0, 1]"),
    ("top_p", float("nan"), "(0, 1]"),
    ("top_p", True, "(0, 1]"),
    ("min_p", -0.01, "[0, 1]"),
    ("min_p", 1.01, "[0, 1]"),
    ("min_p", float("nan"), "[0, 1]"),
    ("min_p", float("inf"), "[0, 1]"),
    ("min_p", False, "[0, 1]"),
]


@pytest.mark.parametrize("name, value, accepted", BAD_PARAMETERS)
def test_bad_parameters_are_refused_by_every_function(name, value, accepted):
    calls = [lambda **kw: warp(LOGITS, **kw), lambda **kw: kept_mask(LOGITS, **kw), lambda **kw: sample(LOGITS, **kw)]
    if name == "temperature":
        calls.append(lambda **kw: softmax(LOGITS, **kw))
    for call in calls:
        with pytest.raises(ValueError) as caught:
            call(**{name: value})
        message = str(caught.value)
        assert message.startswith(name) and accepted in message, message
        assert repr(value) in message, message  # the offending value is shown


BAD_LOGITS = [
    ([], "empty"),
    (np.zeros((2, 0)), "empty"),
    (np.zeros((0, 3)), "empty"),
    (3.0, "shape"),
    (np.zeros((2, 2, 2)), "shape"),
    (["a", "b"], "real numbers"),
    (np.array([1, "x"], dtype=object), "real numbers"),
    (np.array([1 + 2j, 3]), "real numbers"),
    (np.array([True, False]), "real numbers"),
    ([[1.0, 2.0], [3.0]], "array of real numbers"),
    ([1.0, float("nan")], "NaN"),
    ([1.0, float("inf")], "+inf"),
    ([-np.inf, -np.inf], "finite value in every row"),
    ([[0.0, 1.0], [-np.inf, -np.inf]], "finite value in every row"),
]


@pytest.mark.parametrize("logits, problem", BAD_LOGITS)
def test_bad_logits_are_refused_by_every_function(logits, problem):
    for call in (softmax, warp, kept_mask, sample):
        with pytest.raises(ValueError) as caught:
            call(logits)
        message = str(caught.value)
        assert message.startswith("logits") and problem in message, message


BAD_PROBS = [
    ([], "empty"),
    (np.ones((1, 1, 1)), "shape"),
    (["0.5", "0.5"], "real numbers"),
    ([0.5, float("nan")], "NaN"),
    ([0.5, float("inf")], "finite"),
    ([1.5, -0.5], ">= 0"),
    ([0.5, 0.4], "sum to 1"),
    ([[0.5, 0.5], [1.0, 1.0]], "sum to 1"),
]


@pytest.mark.parametrize("probs, problem", BAD_PROBS)
def test_bad_probabilities_are_refused(probs, problem):
    for call in (entropy, effective_vocabulary):
        with pytest.raises(ValueError) as caught:
            call(probs)
        message = str(caught.value)
        assert message.startswith("probs") and problem in message, message


@pytest.mark.parametrize("num_samples", [0, -1, 2.0, True, "3", None])
def test_num_samples_must_be_a_positive_integer(num_samples):
    with pytest.raises(ValueError, match=r"^num_samples must be a positive integer \(>= 1\), got"):
        sample(LOGITS, num_samples=num_samples)


@pytest.mark.parametrize("seed", [-1, 1.5, "seed", True, np.random.RandomState(0)])
def test_seed_must_be_none_a_natural_number_or_a_generator(seed):
    with pytest.raises(ValueError, match=r"^seed must be None, an integer >= 0 or a numpy Generator"):
        sample(LOGITS, seed=seed)


def test_a_temperature_too_small_for_the_logits_is_refused_not_turned_into_nan():
    with pytest.raises(ValueError, match=r"^temperature=1e-320 is too small .* \(use temperature=0 for greedy\)"):
        softmax([1e4, 0.0], temperature=1e-320)


def test_the_message_reads_as_documented():
    with pytest.raises(ValueError) as caught:
        softmax(LOGITS, temperature=-1.0)
    assert str(caught.value) == "temperature must be a finite number >= 0 (0 means greedy), got -1.0"


def test_good_edge_values_are_accepted():
    """The ends of each accepted range, and numpy scalar types, are fine."""
    warp(LOGITS, temperature=0, top_k=np.int64(1), top_p=1.0, min_p=0.0)
    warp(LOGITS, temperature=np.float32(1e4), top_k=10**9, top_p=np.float64(1e-300), min_p=1)
    sample(LOGITS, num_samples=np.int32(2), seed=np.uint8(3))
    softmax(np.array([1, 2, 3], dtype=np.int8), temperature=2)
    softmax(np.array([1, 2, 3], dtype=np.float16))
