"""studykit.maths.sampling.warp must behave like transformers' own warpers, run as generate() runs them.

The reference is transformers itself: TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper
and MinPLogitsWarper in generate()'s order, on float64 tensors. Float64, because at an exact top-p
boundary float32 rounding decides differently: with probabilities (0.1, 0.2, 0.7) and top_p=0.9,
float64 computes 1 - 0.9 = 0.09999999999999998 < 0.1 and keeps the 0.1 token, while float32 rounds
both sides to the same 0.1f and drops it (test_float32_rounding_flips_exact_top_p_boundaries).
Our code works in float64, so the comparison is made in float64 on both sides.

torch.sort is not stable on CPU for rows longer than 16, so when a group of tied tokens straddles
the top-p boundary transformers keeps an unspecified subset of the group. We split such groups by
token id (a stable sort). The exact comparisons therefore run transformers with a stable
torch.sort; the unpatched comparison checks that the kept scores agree as a multiset, and agree
exactly for rows of up to 16 tokens, where torch's sort happens to be stable.
"""

import functools
import itertools
from contextlib import contextmanager
from unittest import mock

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from transformers import (
    GenerationConfig,
    LlamaConfig,
    LlamaForCausalLM,
    TemperatureLogitsWarper,
    TopPLogitsWarper,
)

from studykit.lm.generation import transformers_warpers
from studykit.maths.sampling import kept_mask, softmax, warp

INF = np.inf


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Tiny tensors: with several threads torch spends milliseconds per call synchronising."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def transformers_warp(logits, temperature=1.0, top_k=None, top_p=None, min_p=None):
    logits = np.asarray(logits, dtype=np.float64)
    scores = torch.tensor(np.atleast_2d(logits), dtype=torch.float64)
    input_ids = torch.zeros((scores.shape[0], 1), dtype=torch.long)
    out = transformers_warpers(temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p)(input_ids, scores).numpy()
    return out[0] if logits.ndim == 1 else out


@contextmanager
def stable_torch_sort():
    """Make TopPLogitsWarper's torch.sort keep tied tokens in index order, as ours does."""
    with mock.patch.object(torch, "sort", functools.partial(torch.sort, stable=True)):
        yield


def assert_same_warp(ours, theirs, context):
    np.testing.assert_array_equal(np.isfinite(ours), np.isfinite(theirs), err_msg=f"kept set differs: {context}")
    kept = np.isfinite(theirs)
    np.testing.assert_allclose(ours[kept], theirs[kept], rtol=1e-12, atol=0, err_msg=f"values differ: {context}")
    assert np.all(ours[~kept] == -INF), context


def assert_same_up_to_tie_order(ours, theirs, context):
    """Same number of kept tokens per row, and the same kept scores as a multiset."""
    for our_row, their_row in zip(np.atleast_2d(ours), np.atleast_2d(theirs)):
        our_kept = np.sort(our_row[np.isfinite(our_row)])
        their_kept = np.sort(their_row[np.isfinite(their_row)])
        assert our_kept.shape == their_kept.shape, context
        np.testing.assert_allclose(our_kept, their_kept, rtol=1e-12, atol=0, err_msg=context)


# Adversarial rows: ties at the k-th value, ties across the top-p boundary, -inf, +-1e4, tiny
# differences, vocabulary 1, rows longer than 16 (where torch's sort is unstable), batches.
_rng = np.random.default_rng(20241)
LOGIT_CASES = {
    "random_10": _rng.normal(0, 3, 10),
    "random_60": _rng.normal(0, 2, 60),
    "ties_at_kth": np.array([5.0, 3, 3, 3, 3, 3, 1, 0]),
    "ties_at_top": np.array([2.0, 7, 7, 7, -1]),
    "all_equal_8": np.zeros(8),
    "all_equal_20": np.zeros(20),  # top-p splits the tie; longer than torch's stable range
    "four_equal_and_minus_inf": np.array([0.0, -INF, 0, 0, -INF, 0, -INF]),  # exact 0.25 masses
    "two_groups": np.array([1.0, 1, 1, 0, 0, 0, 0, 0, 0]),
    "minus_inf_mix": np.array([-INF, 0.0, 1.0, -INF, 2.0]),
    "huge": np.array([1e4, -1e4, 0.0, 9999.5, 1e4]),
    "huge_negative": np.array([-1e4, -1e4 + 3, -1e4 + 1]),
    "tiny_differences": np.array([1e-12, 0.0, -1e-12, 2e-12, 0.0]),
    "underflow_at_low_t": np.array([0.0, -800.0, -5.0, 10.0, 9.0]),
    "exact_masses": np.log([0.1, 0.2, 0.7]),
    "vocab_1": np.array([3.0]),
    "vocab_1_negative": np.array([-1e4]),
    "vocab_2_tied": np.array([1.0, 1.0]),
    "integers": np.array([3, 1, 4, 1, 5, 9, 2, 6]),
    "batch": np.vstack([_rng.normal(0, 2, 12), np.zeros(12), np.r_[[-INF] * 11, 0.0], np.arange(12.0)]),
    "batch_ties_long": np.vstack([np.repeat([2.0, 1.0, 0.0], 10), np.zeros(30)]),
}

TEMPERATURES = [0.05, 0.5, 1.0, 1.7, 10.0]
TOP_PS = [None, 1e-300, 0.01, 0.3, 0.9, 1.0]  # 1e-300: only the keep-one rule saves a token
MIN_PS = [None, 0.0, 0.05, 0.5]


@pytest.mark.parametrize("name", LOGIT_CASES)
def test_warp_equals_transformers_on_adversarial_rows(name):
    logits = LOGIT_CASES[name]
    vocab = logits.shape[-1]
    top_ks = [None, 1, 2, 5, vocab, vocab + 3]
    combos = list(itertools.product(TEMPERATURES, top_ks, TOP_PS, MIN_PS))
    ours = [warp(logits, temperature=t, top_k=k, top_p=p, min_p=m) for t, k, p, m in combos]
    with stable_torch_sort():
        for our_warp, setting in zip(ours, combos):
            assert_same_warp(our_warp, transformers_warp(logits, *setting), f"{name} (T, k, p, min_p)={setting}")
    if vocab > 16:  # below that torch's sort keeps ties in order anyway (see the test below)
        for our_warp, setting in zip(ours, combos):
            context = f"{name} (T, k, p, min_p)={setting} with torch's own sort"
            assert_same_up_to_tie_order(our_warp, transformers_warp(logits, *setting), context)


def test_the_adversarial_rows_do_split_ties_and_remove_tokens():
    """Guard for the test above: its cases really exercise tie splitting and removal."""
    ours = kept_mask(LOGIT_CASES["all_equal_20"], top_p=0.3)
    assert 1 < ours.sum() < 20  # top-p splits the 20-way tie
    assert kept_mask(LOGIT_CASES["four_equal_and_minus_inf"], top_p=0.3).sum() == 2  # 2 x 0.25 reach 0.3
    assert kept_mask(LOGIT_CASES["ties_at_kth"], top_k=2).sum() == 6  # the k-th value is tied 5 ways
    # With torch's own sort the split tie keeps as many tokens, but other ones, for rows longer than 16;
    # up to 16 torch's sort keeps ties in order, so transformers as it is agrees exactly.
    theirs = np.isfinite(transformers_warp(LOGIT_CASES["all_equal_20"], top_p=0.3))
    assert theirs.sum() == ours.sum() and not np.array_equal(theirs, ours)
    for vocab in range(1, 17):
        as_is = transformers_warp(np.zeros(vocab), top_p=0.3)
        assert_same_warp(warp(np.zeros(vocab), top_p=0.3), as_is, f"{vocab} tied tokens")


# Elements drawn from a pool that makes ties, -inf and extreme values likely.
_special_values = st.sampled_from([-INF, -1e4, -50.0, -1.0, 0.0, 0.5, 1.0, 3.0, 1e4])
_elements = st.one_of(_special_values, st.floats(-30, 30, allow_nan=False, allow_infinity=False))


@st.composite
def logit_arrays(draw):
    shape = draw(st.one_of(st.tuples(st.integers(1, 24)), st.tuples(st.integers(1, 3), st.integers(1, 24))))
    logits = draw(arrays(np.float64, shape, elements=_elements))
    row = logits if logits.ndim == 1 else logits[draw(st.integers(0, shape[0] - 1))]
    row[draw(st.integers(0, shape[-1] - 1))] = draw(st.floats(-30, 30))  # every row stays valid
    if logits.ndim == 2:
        logits[~np.isfinite(logits).any(axis=-1), 0] = 0.0
    return logits


@settings(max_examples=200, deadline=None)
@given(
    logits=logit_arrays(),
    temperature=st.one_of(st.sampled_from(TEMPERATURES), st.floats(0.05, 20)),
    top_k=st.one_of(st.none(), st.integers(1, 30)),
    top_p=st.one_of(st.sampled_from(TOP_PS), st.floats(0.0, 1.0, exclude_min=True)),
    min_p=st.one_of(st.sampled_from(MIN_PS), st.floats(0.0, 1.0)),
)
def test_warp_equals_transformers_property(logits, temperature, top_k, top_p, min_p):
    context = f"T={temperature} top_k={top_k} top_p={top_p} min_p={min_p} logits={logits!r}"
    ours = warp(logits, temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p)
    with stable_torch_sort():
        theirs = transformers_warp(logits, temperature, top_k, top_p, min_p)
    assert_same_warp(ours, theirs, context)


def test_reference_builds_the_same_warpers_as_generate():
    """transformers_warpers mirrors generate(): e.g. no top-p warper for 1.0, none for top_k=None."""
    config = LlamaConfig(
        vocab_size=8, hidden_size=8, intermediate_size=8, num_hidden_layers=1, num_attention_heads=1,
        num_key_value_heads=1,
    )
    model = LlamaForCausalLM(config)
    for temperature, top_k, top_p, min_p in itertools.product([0.5, 1.0], [None, 3], [None, 0.9, 1.0], [None, 0.0]):
        generation_config = GenerationConfig(
            do_sample=True, temperature=temperature, top_k=0 if top_k is None else top_k,  # generate: 0 = off
            top_p=1.0 if top_p is None else top_p, min_p=min_p,
        )
        generated = [type(p).__name__ for p in model._get_logits_processor(generation_config=generation_config)]
        mirrored = [type(p).__name__ for p in transformers_warpers(temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p)]
        assert generated == mirrored, (temperature, top_k, top_p, min_p)


def test_top_p_one_keeps_what_a_bare_top_p_warper_would_drop_only_at_probability_zero():
    """generate() skips top-p at 1.0; a bare TopPLogitsWarper(1.0) drops underflowed tokens."""
    logits = np.array([0.0, -800.0, -5.0, 10.0, -INF])  # exp(-810) underflows to 0 in float64
    bare = TopPLogitsWarper(top_p=1.0)(None, torch.tensor(logits[None]))[0].numpy()
    ours = warp(logits, top_p=1.0)
    differs = np.isfinite(ours) != np.isfinite(bare)
    assert differs.any(), "the case must show the difference it documents"
    assert np.all(softmax(logits)[differs] == 0.0)
    np.testing.assert_array_equal(ours, logits)


def test_temperature_zero_is_the_limit_of_transformers_small_temperatures():
    logits = np.array([[0.3, 2.0, -1.0, 1.99, -INF], [4.0, 1.0, 4.5, 0.0, 4.49]])
    for filters in [{}, {"top_k": 2}, {"top_p": 0.9}, {"min_p": 0.05}, {"top_k": 3, "top_p": 0.5, "min_p": 0.1}]:
        greedy = softmax(warp(logits, temperature=0.0, **filters))
        near_zero = softmax(transformers_warp(logits, 1e-5, **filters))
        np.testing.assert_allclose(greedy, near_zero, atol=1e-12, err_msg=str(filters))
    with pytest.raises(ValueError):  # the deliberate difference: transformers refuses 0
        TemperatureLogitsWarper(0.0)


def test_float32_rounding_flips_exact_top_p_boundaries():
    """Why the comparison feeds transformers float64: float32 decides this boundary the other way,
    and so do we when given float32 logits."""
    logits = np.log([0.1, 0.2, 0.7])
    in_float32 = TopPLogitsWarper(top_p=0.9)(None, torch.tensor(logits[None], dtype=torch.float32))[0]
    assert np.isfinite(in_float32.numpy()).tolist() == [False, True, True]
    assert kept_mask(logits.astype(np.float32), top_p=0.9).tolist() == [False, True, True]
    assert kept_mask(logits, top_p=0.9).tolist() == [True, True, True]
    assert_same_warp(warp(logits, top_p=0.9), transformers_warp(logits, top_p=0.9), "float64")


@pytest.mark.parametrize("name", ["random_10", "random_60", "ties_at_kth", "minus_inf_mix", "huge", "batch"])
def test_float32_logits_are_warped_in_float32_as_generate_does(name):
    logits = np.asarray(LOGIT_CASES[name], dtype=np.float32)
    for temperature, top_k, top_p in itertools.product([0.5, 1.7], [None, 2], [None, 0.3, 0.9]):
        ours = warp(logits, temperature=temperature, top_k=top_k, top_p=top_p)
        scores = torch.tensor(np.atleast_2d(logits))
        theirs = transformers_warpers(temperature=temperature, top_k=top_k, top_p=top_p, min_p=None)(None, scores).numpy().reshape(logits.shape)
        assert ours.dtype == np.float32
        np.testing.assert_array_equal(np.isfinite(ours), np.isfinite(theirs), err_msg=f"{name} {temperature} {top_k} {top_p}")
        np.testing.assert_allclose(ours[np.isfinite(ours)], theirs[np.isfinite(theirs)], rtol=1e-6)
