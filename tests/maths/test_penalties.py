"""Repetition, frequency and presence penalties: transformers' rule, OpenAI's rule, and their order."""

import doctest

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from transformers import RepetitionPenaltyLogitsProcessor

from studykit.maths import penalties

V = 12
logit_rows = arrays(np.float64, V, elements=st.floats(-20, 20, allow_nan=False))
histories = st.lists(st.integers(0, V - 1), max_size=15)


def test_docstring_examples():
    assert doctest.testmod(penalties).failed == 0


@settings(max_examples=80, deadline=None)
@given(logit_rows, histories, st.floats(0.1, 3.0))
def test_repetition_penalty_is_transformers_rule(z, history, penalty):
    ids = torch.tensor([history or [0]])
    expected = RepetitionPenaltyLogitsProcessor(float(penalty))(ids, torch.from_numpy(z.copy())[None])[0].numpy()
    np.testing.assert_allclose(penalties.repetition_penalty(z, history or [0], penalty), expected, rtol=1e-12)


@settings(max_examples=80, deadline=None)
@given(logit_rows, histories, st.floats(1.01, 3.0))
def test_a_penalty_above_one_never_raises_a_seen_token_and_leaves_unseen_ones(z, history, penalty):
    out = penalties.repetition_penalty(z, history, penalty)
    seen = np.isin(np.arange(V), history)
    assert np.all(out[seen] <= z[seen]) and np.array_equal(out[~seen], z[~seen])


def test_repetition_penalty_depends_on_where_zero_is_which_softmax_ignores():
    z, history = np.array([1.0, 0.5, -1.0]), [0]
    shifted = z - 2.0  # the same distribution: softmax ignores a shift...
    softmax = lambda x: np.exp(x - x.max()) / np.exp(x - x.max()).sum()
    np.testing.assert_allclose(softmax(z), softmax(shifted))
    a = softmax(penalties.repetition_penalty(z, history, 2.0))
    b = softmax(penalties.repetition_penalty(shifted, history, 2.0))
    assert a[0] > b[0] + 0.1  # ...but token 0 is divided in one case and multiplied in the other


@settings(max_examples=80, deadline=None)
@given(logit_rows, histories, st.floats(-2, 2), st.floats(-2, 2), st.floats(-50, 50))
def test_frequency_presence_is_openais_formula_and_shift_invariant(z, history, freq, pres, shift):
    counts = np.bincount(np.asarray(history, dtype=int), minlength=V)
    expected = z - counts * freq - (counts > 0) * pres
    out = penalties.frequency_presence_penalty(z, history, freq, pres)
    np.testing.assert_allclose(out, expected)
    np.testing.assert_allclose(penalties.frequency_presence_penalty(z + shift, history, freq, pres), out + shift,
                               rtol=1e-9, atol=1e-9)


def test_before_temperature_an_additive_penalty_is_divided_by_t():
    z, history, T = np.array([2.0, 1.0, 0.0]), [0, 0], 0.5
    before = penalties.frequency_presence_penalty(z, history, 0.5, 0.25) / T
    after = penalties.frequency_presence_penalty(z / T, history, 0.5, 0.25)
    assert before[0] == pytest.approx(z[0] / T - (2 * 0.5 + 0.25) / T)
    assert after[0] == pytest.approx(z[0] / T - (2 * 0.5 + 0.25))


def test_processor_counts_only_generated_tokens_per_row():
    scores = torch.zeros(2, 5)
    ids = torch.tensor([[1, 1, 2, 2, 2], [1, 1, 3, 4, 3]])  # prompt width 2: the 1s are not counted
    out = penalties.FrequencyPresencePenalty(2, frequency_penalty=0.5, presence_penalty=1.0)(ids, scores)
    for row in range(2):
        np.testing.assert_allclose(out[row].numpy(), penalties.frequency_presence_penalty(
            scores[row].numpy(), ids[row, 2:].numpy(), 0.5, 1.0))


@pytest.mark.parametrize("call, match", [
    (lambda: penalties.repetition_penalty([1.0], [0], 0.0), "penalty must be a number > 0"),
    (lambda: penalties.frequency_presence_penalty([1.0], [0], frequency_penalty=3.0), r"frequency_penalty must be a number in \[-2, 2\]"),
    (lambda: penalties.frequency_presence_penalty([1.0], [5]), r"previous_ids must be token ids in \[0, 1\)"),
    (lambda: penalties.repetition_penalty([[1.0]], [0], 1.2), "logits must be one non-empty row"),
    (lambda: penalties.FrequencyPresencePenalty(-1), "prompt_length must be an integer >= 0"),
    (lambda: penalties.FrequencyPresencePenalty(presence_penalty=2.5), r"presence_penalty must be a number in \[-2, 2\]"),
])
def test_bad_arguments_name_themselves(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_processor_takes_the_prompt_width_from_its_first_call():
    processor = penalties.FrequencyPresencePenalty(frequency_penalty=1.0)
    first = processor(torch.tensor([[3, 3]]), torch.zeros(1, 4))
    assert torch.equal(first, torch.zeros(1, 4))  # nothing generated yet
    later = processor(torch.tensor([[3, 3, 1, 1]]), torch.zeros(1, 4))
    assert later[0].tolist() == [0.0, -2.0, 0.0, 0.0]


@settings(max_examples=80, deadline=None)
@given(logit_rows, histories, st.floats(0.1, 3.0), st.floats(0.05, 5.0))
def test_the_repetition_penalty_commutes_with_temperature(z, history, penalty, t):
    """06 shows this on the model's logits; it holds for any: dividing by T > 0 keeps every sign."""
    np.testing.assert_allclose(penalties.repetition_penalty(z / t, history, penalty),
                               penalties.repetition_penalty(z, history, penalty) / t, rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 5), st.integers(2, 6))
def test_per_row_processors_give_each_row_what_its_own_call_gives(seed, per_group, steps):
    generator = torch.Generator().manual_seed(seed)
    vocab, prompt = 23, 4
    settings_ = [None, RepetitionPenaltyLogitsProcessor(1.3),
                 penalties.FrequencyPresencePenalty(prompt, frequency_penalty=0.5),
                 penalties.FrequencyPresencePenalty(prompt, presence_penalty=0.7)]
    n = per_group * len(settings_)
    input_ids = torch.randint(0, vocab, (n, prompt + steps), generator=generator)
    scores = torch.randn(n, vocab, generator=generator, dtype=torch.float64)
    before = scores.clone()
    batched = penalties.PerRowProcessors(
        [(range(i * per_group, (i + 1) * per_group), p) for i, p in enumerate(settings_) if p is not None])(input_ids, scores)
    for i, p in enumerate(settings_):
        rows = slice(i * per_group, (i + 1) * per_group)
        alone = scores[rows] if p is None else p(input_ids[rows], scores[rows])
        assert torch.equal(batched[rows], alone)
    assert torch.equal(scores, before)  # the input is not modified


def test_per_row_processors_refuse_overlapping_or_empty_groups():
    noop = lambda ids, scores: scores  # noqa: E731
    with pytest.raises(ValueError, match="named by two groups"):
        penalties.PerRowProcessors([(range(0, 3), noop), (range(2, 4), noop)])
    with pytest.raises(ValueError, match="row indices >= 0"):
        penalties.PerRowProcessors([([], noop)])
    with pytest.raises(ValueError, match="logits processor"):
        penalties.PerRowProcessors([(range(2), "not callable")])
