"""determinism: comparing greedy runs, the rule-of-three bound, and one real batched run."""

import numpy as np
import pytest

from studykit.studies import determinism
from studykit.studies.determinism import GreedyRun, compare_runs, first_divergence, none_seen_upper_bound, top_two_gap


def _run(label, tokens, logits):
    return GreedyRun(label, tuple(np.array(t) for t in tokens), tuple(np.array(l, dtype=np.float32) for l in logits))


def test_compare_runs_counts_differences_and_compares_logits_only_on_shared_prefixes():
    ref = _run("a", [[1, 2], [3, 4]], [[[0.0, 1.0], [2.0, 0.0]], [[0.0, 5.0], [5.0, 0.0]]])
    other = _run("b", [[1, 2], [3, 0]], [[[0.0, 1.5], [2.0, 0.0]], [[0.0, 5.0], [4.9, 5.0]]])
    result = compare_runs(ref, other)
    assert result.differs.tolist() == [False, True]
    assert result.first_difference.tolist() == [-1, 1]
    assert np.allclose(result.max_abs_logit_diff, [0.5, 5.0])  # the differing step's logits are compared too
    assert np.allclose(result.smallest_top_two_gap, [1.0, 5.0])


def test_helpers():
    assert first_divergence([1, 2], [1, 2]) == -1 and first_divergence([1, 2], [1]) == 1
    assert top_two_gap(np.array([3.0, 1.0, 2.5])) == pytest.approx(0.5)
    assert none_seen_upper_bound(12) == pytest.approx(1 - 0.05 ** (1 / 12))
    assert none_seen_upper_bound(1000) == pytest.approx(3 / 1000, rel=0.01)  # the rule of three


@pytest.mark.parametrize("call, message", [
    (lambda: none_seen_upper_bound(0), "n must be a positive integer"),
    (lambda: none_seen_upper_bound(5, confidence=1.0), "confidence must be in"),
    (lambda: top_two_gap(np.array([1.0])), "at least 2 entries"),
    (lambda: compare_runs(_run("a", [[1]], [[[0.0, 1.0]]]), _run("b", [], [])), "same prompts"),
    (lambda: determinism.greedy_run(None, None, "a prompt", label="x", batch_size=1), "non-empty list"),
    (lambda: determinism.greedy_run(None, None, ["a"], label="x", batch_size=0), "batch_size must be an integer >= 1"),
    (lambda: determinism.greedy_run(None, None, ["a"], label="x", batch_size=1, extra_padding=-1), "extra_padding"),
])
def test_bad_input_names_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.model
def test_a_prompt_alone_and_in_a_padded_batch_decode_greedily_with_close_logits():
    from studykit.lm import models

    model, tokenizer = models.load()
    prompts = ["The cat sat on the", "Water boils at a temperature of"]
    alone = determinism.greedy_run(model, tokenizer, prompts, label="alone", batch_size=1, max_new_tokens=4)
    padded = determinism.greedy_run(model, tokenizer, prompts, label="padded", batch_size=2, max_new_tokens=4,
                                    extra_padding=5)
    result = compare_runs(alone, padded)
    assert all(len(t) >= 1 for t in alone.tokens)
    assert alone.logits[0].shape[1] == model.config.vocab_size
    # Rounding noise, not a different computation: padding and batching change the order of float32
    # sums, which moved these logits (magnitude up to ~33) by at most 6.4e-5 on an AMD EPYC (up to 13
    # pad columns); 5e-4 leaves room for other CPUs' kernels, while a computation that differs (a pad
    # column attended to, a lower precision) moves them far more.
    assert result.max_abs_logit_diff.max() < 5e-4
    # Greedy agrees, token for token: the arg-max of every step has a margin (the smallest top-two
    # gap, 0.048 here) far wider than the noise, so no CPU's rounding can flip it.
    assert result.smallest_top_two_gap.min() > 20 * 5e-4
    assert not result.differs.any()
    assert [t.tolist() for t in padded.tokens] == [t.tolist() for t in alone.tokens]


from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(arrays(np.float64, st.integers(2, 30), elements=st.floats(-10, 10, allow_nan=False)),
       st.floats(1e-6, 2.0), st.integers(0, 2**32 - 1))
def test_an_arg_max_flip_needs_a_top_two_gap_within_twice_the_jitter(logits, jitter, seed):
    """The rule notebook 04's Drill 4 relies on (moved here from the notebook, where no prompt flipped
    and the check ran on empty arrays): if noise of size at most ``jitter`` changes the arg-max, the
    top-two gap was at most 2 * jitter."""
    noise = np.random.default_rng(seed).uniform(-jitter, jitter, logits.shape)
    if np.argmax(logits + noise) != np.argmax(logits):
        assert top_two_gap(logits) <= 2 * jitter + 1e-12


def test_the_flip_rule_is_tight():
    # a gap just under 2 * jitter can flip when the two leaders move in opposite directions
    logits, jitter = np.array([1.0, 1.0 - 1.9e-3, -5.0]), 1e-3
    assert np.argmax(logits + np.array([-jitter, jitter, 0.0])) == 1 and top_two_gap(logits) <= 2 * jitter
