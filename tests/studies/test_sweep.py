"""The temperature sweep: statistics per temperature, and (on the real model) batched sampling.

Every sweep here is sampled: the result cache is off for tests/ (tests/conftest.py, tests/README.md),
so the same-seed test compares two real draws, not one draw and its stored copy.
"""

import math

import numpy as np
import pytest

from studykit.maths import metrics

from studykit.lm import result_cache

from studykit.studies import sweep
from studykit.lm.generation import continuation_nll, sample_continuations

# ----------------------------------------------------------------------------- no model needed


def test_summarize_applies_the_metric_definitions_to_words():
    texts = [" the cat sat on the mat", " the cat sat on the cat sat on the mat", ""]
    stats = sweep.summarize(0.7, texts, token_counts=[6, 10, 0], nll=[1.0, 2.0, np.nan])
    words = [t.split() for t in texts]
    assert stats.temperature == 0.7 and stats.samples == 3
    assert stats.distinct_1 == metrics.distinct_n(words, 1)
    assert stats.distinct_2 == metrics.distinct_n(words, 2)
    assert stats.repetition == pytest.approx(1 / 3)  # only the second text repeats a 4-word phrase
    assert stats.mean_length == pytest.approx(16 / 3)
    assert stats.mean_nll == pytest.approx(1.5)  # the empty text has no NLL and is left out
    assert stats.perplexity == pytest.approx(math.exp(1.5))


def test_a_long_word_split_into_tokens_is_not_a_repeated_phrase():
    # Token-level 4-grams would flag a word of four tokens used twice; words do not.
    stats = sweep.summarize(1.0, [" exoplanets orbit; exoplanets glow"], [8], [2.0])
    assert stats.repetition == 0.0


@pytest.mark.parametrize(
    "args",
    [
        (["a"], [1, 2], [1.0]),  # lengths differ
        ([], [], []),  # nothing to summarize
    ],
)
def test_summarize_rejects_mismatched_or_empty_input(args):
    with pytest.raises(ValueError):
        sweep.summarize(1.0, *args)


def test_format_table_has_one_rounded_line_per_temperature():
    rows = [
        sweep.summarize(t, ["a b c d a b c d", "e f"], [8, 2], [0.123456, 0.2]) for t in (0.0, 1.5)
    ]
    lines = sweep.format_table(rows).splitlines()
    assert len(lines) == 2 + len(rows)
    assert lines[2].split()[0] == "greedy" and lines[3].split()[0] == "1.5"
    assert lines[2].split()[-3:] == ["50%", "5.0", "0.16"]


# ----------------------------------------------------------------------------- the real model

PROMPTS = ["The cat sat on the", "Once upon a time there was a"]  # different token lengths


@pytest.fixture(scope="module")
def small_sweep(lm):
    return sweep.temperature_sweep(
        *lm, PROMPTS, temperatures=[0, 1.0, 2.0], num_samples=2, max_new_tokens=6, seed=3, progress=False
    )


@pytest.mark.model
def test_sweep_rows_are_grouped_by_prompt_then_temperature(small_sweep):
    assert small_sweep.prompts == tuple(PROMPTS) and small_sweep.temperatures == (0.0, 1.0, 2.0)
    for prompt, c in zip(PROMPTS, small_sweep.continuations):
        assert c.prompt == prompt
        assert c.temperatures.tolist() == [0, 0, 1, 1, 2, 2]
        assert len(c.token_ids) == len(c.texts) == len(c.nll) == 6
        assert all(1 <= len(ids) <= 6 for ids in c.token_ids)
    assert len(small_sweep.texts_at(1.0)) == len(small_sweep.nll_at(1.0)) == 4
    assert [row.samples for row in small_sweep.table()] == [4, 4, 4]


@pytest.mark.model
def test_greedy_rows_are_copies_and_match_unpadded_greedy(lm, small_sweep):
    # The shorter prompt was left-padded in the batch; its greedy text must not notice.
    for c in small_sweep.continuations:
        first, second = c.token_ids_at(0)
        assert first.tolist() == second.tolist()
        alone = sample_continuations(*lm, c.prompt, temperatures=[0], max_new_tokens=6, progress=False)
        assert alone.token_ids[0].tolist() == first.tolist()


@pytest.mark.model
def test_recorded_nll_matches_a_separate_scoring_pass(lm, small_sweep):
    model, _ = lm
    for c in small_sweep.continuations:
        np.testing.assert_allclose(c.nll, continuation_nll(model, c.prompt_ids, c.token_ids), atol=1e-3)
    table = small_sweep.table()
    assert table[0].mean_nll < table[2].mean_nll  # greedy text is far likelier than T=2 text


@pytest.mark.model
def test_same_seed_same_sample(lm, small_sweep):
    assert not result_cache.enabled()  # the sweep is sampled again (tests/conftest.py), not read back
    again = sweep.temperature_sweep(
        *lm, PROMPTS, temperatures=[0, 1.0, 2.0], num_samples=2, max_new_tokens=6, seed=3, progress=False
    )
    assert [c.texts for c in again.continuations] == [c.texts for c in small_sweep.continuations]


@pytest.mark.model
def test_log_prob_by_temperature_agrees_with_the_model(lm):
    model, tokenizer = lm
    prompt = "The cat sat on the"
    greedy = sample_continuations(model, tokenizer, prompt, temperatures=[0], max_new_tokens=4, progress=False)
    text = greedy.texts[0]
    log_probs = sweep.log_prob_by_temperature(model, tokenizer, prompt, text, [0, 0.5, 1.0, 2.0])
    # At T=1 it is minus the NLL per token times the number of tokens.
    ids = greedy.token_ids[0]
    nll = continuation_nll(model, greedy.prompt_ids, [ids])[0]
    assert log_probs[2] == pytest.approx(-nll * len(ids), abs=1e-3)
    # The greedy text is the arg-max at every step: certain at T=0, less likely as T grows.
    assert log_probs[0] == 0.0
    assert np.all(np.diff(log_probs) < 0)


@pytest.mark.model
def test_bad_sweep_arguments_raise(lm):
    with pytest.raises(ValueError):
        sweep.temperature_sweep(*lm, "a bare string", temperatures=[1.0], num_samples=1)
    with pytest.raises(ValueError):
        sweep.temperature_sweep(*lm, PROMPTS, temperatures=[-1.0], num_samples=1)
    with pytest.raises(ValueError):
        sweep.temperature_sweep(*lm, PROMPTS, temperatures=[1.0], num_samples=0)
    with pytest.raises(ValueError):
        sweep.log_prob_by_temperature(*lm, "The cat", "", [1.0])
