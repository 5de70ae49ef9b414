"""Beam search: the pure search on tables of made-up probabilities, and transformers' on the model."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studykit import beam, generation

PROMPTS = ["The cat sat on the", "Once upon a time, there was a"]


def test_greedy_misses_the_most_likely_sequence_that_two_beams_find():
    greedy = beam.greedy_search(beam.BLOG_TREE, steps=2)
    best = beam.all_sequences(beam.BLOG_TREE, steps=2)[0]
    found = beam.beam_search(beam.BLOG_TREE, beam_width=2, steps=2)[0]
    assert greedy.tokens == ("nice", "woman") and math.isclose(greedy.prob, 0.5 * 0.4)
    assert best.tokens == found.tokens == ("dog", "has") and math.isclose(found.prob, 0.4 * 0.9)


def test_finished_prefixes_stay_in_the_beam_with_their_score():
    table = {(): {"a": 0.6, "b": 0.4}, ("b",): {"c": 1.0}}  # "a" ends after one token
    beams = beam.beam_search(table, beam_width=2, steps=3)
    assert [(h.tokens, round(h.prob, 6)) for h in beams] == [(("a",), 0.6), (("b", "c"), 0.4)]


def test_length_penalty_divides_by_a_power_of_the_length():
    short, long = beam.Hypothesis(("a",), -1.0), beam.Hypothesis(("a", "b", "c", "d"), -2.0)
    assert beam.length_normalised(short, 0.0) > beam.length_normalised(long, 0.0)  # plain sums: short wins
    assert beam.length_normalised(long, 1.0) == -0.5 and beam.length_normalised(short, 1.0) == -1.0
    table = {(): {"a": 0.5, "b": 0.5}, ("b",): {"c": 0.9}, ("b", "c"): {"d": 0.9}}
    assert beam.beam_search(table, beam_width=2, steps=3, length_penalty=0.0)[0].tokens == ("a",)
    assert beam.beam_search(table, beam_width=2, steps=3, length_penalty=1.0)[0].tokens == ("b", "c", "d")


@st.composite
def random_tables(draw):
    """A full tree of depth 3 over a few tokens with random next-token probabilities."""
    branching = draw(st.integers(1, 4))
    tokens = [f"t{i}" for i in range(branching)]
    table = {}
    for depth in range(3):
        for prefix in itertools.product(tokens, repeat=depth):
            weights = draw(st.lists(st.floats(0.01, 1.0), min_size=branching, max_size=branching))
            table[prefix] = {t: w / sum(weights) for t, w in zip(tokens, weights)}
    return table, branching


@settings(max_examples=60, deadline=None)
@given(random_tables(), st.integers(1, 6))
def test_beam_never_beats_exhaustive_search_and_a_full_beam_is_exact(data, width):
    table, branching = data
    exact = beam.all_sequences(table, steps=3)
    found = beam.beam_search(table, beam_width=width, steps=3)
    assert found[0].log_prob <= exact[0].log_prob + 1e-12
    assert math.isclose(sum(h.prob for h in exact), 1.0)  # every leaf enumerated once
    if width >= branching**2:  # wide enough to keep every prefix: beam search is exhaustive
        assert found[0].tokens == exact[0].tokens
    assert len(found) == min(width, branching**3)


@pytest.mark.parametrize("kwargs, match", [
    (dict(beam_width=0, steps=2), "beam_width must be a positive integer"),
    (dict(beam_width=2, steps=True), "steps must be a positive integer"),
    (dict(beam_width=2, steps=2, length_penalty=float("nan")), "length_penalty must be a real number"),
])
def test_bad_arguments_name_themselves(kwargs, match):
    with pytest.raises(ValueError, match=match):
        beam.beam_search(beam.BLOG_TREE, **kwargs)


def test_bad_tables_are_refused():
    with pytest.raises(ValueError, match="next_tokens must map a prefix"):
        beam.beam_search([("a", 1.0)], beam_width=1, steps=1)
    with pytest.raises(ValueError, match=r"must be in \(0, 1\]"):
        beam.beam_search({(): {"a": 0.0}}, beam_width=1, steps=1)


@pytest.mark.model
def test_model_beam_scores_are_the_recomputed_log_prob_over_length_to_the_penalty(lm):
    model, tokenizer = lm
    for penalty in (0.0, 1.0):
        results = beam.beam_search_prompts(model, tokenizer, PROMPTS, num_beams=3, max_new_tokens=8,
                                           length_penalty=penalty)
        for r in results:
            length = len(r.token_ids) + r.ended
            assert r.beam_score == pytest.approx(r.log_prob / length**penalty, abs=2e-3)
            assert r.text == tokenizer.decode(r.token_ids, skip_special_tokens=True)
    # The per-token scores (what the decoder table averages) are the model's own, token by token.
    direct = generation.pair_nll(model, [tokenizer(p, return_tensors="pt").input_ids[0].numpy() for p in PROMPTS],
                                 [r.token_ids for r in results])
    for r, nll in zip(results, direct):
        assert len(r.token_log_probs) == len(r.token_ids)
        assert -r.token_log_probs.mean() == pytest.approx(nll, abs=1e-4)
        if r.ended:  # log_prob also counts the end token, one more negative term
            assert r.log_prob < r.token_log_probs.sum()
        else:
            assert r.token_log_probs.sum() == pytest.approx(r.log_prob)


@pytest.mark.model
def test_model_batch_rows_match_one_prompt_at_a_time_and_greedy_is_one_beam(lm):
    model, tokenizer = lm
    eos = model.generation_config.eos_token_id
    eos = set(eos if isinstance(eos, list) else [eos])
    batched = beam.beam_search_prompts(model, tokenizer, PROMPTS, num_beams=1, max_new_tokens=8)
    for prompt, row in zip(PROMPTS, batched):
        ids = tokenizer(prompt, return_tensors="pt").input_ids
        greedy = model.generate(ids, do_sample=False, max_new_tokens=8, pad_token_id=tokenizer.pad_token_id,
                                temperature=None, top_k=None, top_p=None)
        expected = greedy[0, ids.shape[1]:].tolist()
        end = next((j for j, t in enumerate(expected) if t in eos), None)
        # The whole greedy continuation: 8 tokens, or everything before the end token (never a prefix of it).
        assert list(row.token_ids) == expected[:end] and len(row.token_ids) >= 1
        assert row.ended == (end is not None) and (row.ended or len(row.token_ids) == 8)
        alone = beam.beam_search_prompts(model, tokenizer, [prompt], num_beams=1, max_new_tokens=8)[0]
        assert alone.log_prob == pytest.approx(row.log_prob, abs=1e-3)  # left padding changes nothing


@pytest.mark.model
def test_transformers_beam_search_agrees_with_the_pure_search_on_the_model(lm):
    """Our pure beam search, fed the model's next-token probabilities, finds the sequence
    transformers' beam search returns (no end token within 4 tokens, no length penalty). Each beam
    only ever extends by one of its own top-``B`` tokens, so the table lists only those."""
    import torch

    model, tokenizer = lm
    width, steps = 3, 4
    prompt_ids = tokenizer(PROMPTS[0], return_tensors="pt").input_ids[0].tolist()

    def next_tokens(prefix):
        with torch.inference_mode():
            logits = model(torch.tensor([prompt_ids + list(prefix)])).logits[0, -1].double()
        probs = torch.softmax(logits, -1)
        top = torch.topk(probs, width)
        return {int(i): float(p) for i, p in zip(top.indices, top.values)}

    ours = beam.beam_search(next_tokens, beam_width=width, steps=steps)[0]
    theirs = beam.beam_search_prompts(model, tokenizer, PROMPTS[:1], num_beams=width, max_new_tokens=steps,
                                      length_penalty=0.0)[0]
    assert not theirs.ended
    assert list(ours.tokens) == theirs.token_ids.tolist()
    assert ours.log_prob == pytest.approx(theirs.log_prob, abs=1e-4)


def test_model_arguments_are_checked_before_loading_anything():
    with pytest.raises(ValueError, match="prompts must be a non-empty list"):
        beam.beam_search_prompts(None, None, "The cat", num_beams=2)
    with pytest.raises(ValueError, match="num_beams must be a positive integer"):
        beam.beam_search_prompts(None, None, ["The cat"], num_beams=0)
    with pytest.raises(ValueError, match="early_stopping must be True, False or 'never'"):
        beam.beam_search_prompts(None, None, ["The cat"], num_beams=2, early_stopping="soon")
