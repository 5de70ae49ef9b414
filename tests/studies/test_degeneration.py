"""The table of decoders against a reference: its identities (on random logits) and its statistics."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from studykit.studies import degeneration

logit_rows = arrays(np.float64, st.integers(2, 40), elements=st.floats(-20, 20, allow_nan=False))
temperatures = st.floats(0.05, 5.0)


@settings(max_examples=200, deadline=None)
@given(logit_rows, temperatures)
def test_greedy_has_the_least_expected_surprise(logits, t):
    greedy = degeneration.expected_surprise(logits, temperature=0)
    assert greedy == pytest.approx(-np.log(np.exp(logits - logits.max()).max() / np.exp(logits - logits.max()).sum()))
    assert greedy <= degeneration.expected_surprise(logits, temperature=t) + 1e-9


@settings(max_examples=200, deadline=None)
@given(logit_rows, temperatures, temperatures)
def test_expected_surprise_never_falls_as_temperature_rises(logits, a, b):
    low, high = sorted((a, b))
    assert degeneration.expected_surprise(logits, temperature=low) <= degeneration.expected_surprise(logits, temperature=high) + 1e-9


@settings(max_examples=200, deadline=None)
@given(logit_rows, temperatures, st.integers(1, 50), st.floats(0.01, 1.0), st.floats(0.0, 1.0))
def test_a_filter_never_raises_expected_surprise(logits, t, k, p, m):
    free = degeneration.expected_surprise(logits, temperature=t)
    for options in ({"top_k": k}, {"top_p": p}, {"min_p": m}):
        assert degeneration.expected_surprise(logits, temperature=t, **options) <= free + 1e-9


@settings(max_examples=100, deadline=None)
@given(logit_rows, temperatures, st.integers(1, 50), st.integers(1, 50))
def test_a_tighter_top_k_never_raises_expected_surprise(logits, t, k1, k2):
    small, large = sorted((k1, k2))
    assert (degeneration.expected_surprise(logits, temperature=t, top_k=small)
            <= degeneration.expected_surprise(logits, temperature=t, top_k=large) + 1e-9)


def _units(name, texts, nll, tokens, ended=None):
    ids = [[np.arange(n) for n in row] for row in tokens]
    ended = ended if ended is not None else [[True] * len(row) for row in tokens]
    return degeneration.units(name, ids, texts, nll, ended)


def test_units_pool_tokens_and_count_repetition_per_prompt():
    u = _units("x", [["a b c d a b c d", "e f g"], ["h i", "j k"]], [[1.0, 3.0], [2.0, np.nan]],
               [[8, 3], [2, 0]], ended=[[False, True], [True, True]])
    assert u.samples == 2 and u.prompts == 2
    np.testing.assert_allclose(u.nll_sum, [1.0 * 8 + 3.0 * 3, 2.0 * 2])  # the empty text adds nothing
    np.testing.assert_allclose(u.tokens, [11, 2])
    np.testing.assert_allclose(u.repetitive, [0.5, 0.0])
    np.testing.assert_allclose(u.distinct, [4 + 2, 1 + 1])  # bigrams within each text, never across
    np.testing.assert_allclose(u.bigrams, [7 + 2, 1 + 1])
    np.testing.assert_allclose(u.capped, [0.5, 0.0])
    row = degeneration.summarize(u)
    assert row.perplexity.estimate == pytest.approx(np.exp((17 + 4) / 13))
    assert row.continuations == 4
    assert row.ended.estimate == pytest.approx(0.75) and row.capped == pytest.approx(0.25)
    assert row.repetition.estimate == pytest.approx(0.25) and row.repetition.high < 1


def test_units_reject_ragged_or_too_few_prompts():
    with pytest.raises(ValueError, match="same number"):
        _units("x", [["a"], ["b", "c"]], [[1.0], [1.0, 1.0]], [[1], [1, 1]])
    with pytest.raises(ValueError, match="at least 2 prompts"):
        _units("x", [["a"]], [[1.0]], [[1]])


def test_compare_separates_a_clear_difference_and_not_noise():
    rng = np.random.default_rng(0)
    n = 36
    texts = [["w x y z"]] * n
    tokens = [[10]] * n
    ref = _units("ref", texts, [[v] for v in rng.normal(3.0, 0.3, n)], tokens)
    low = _units("low", texts, [[v] for v in rng.normal(1.0, 0.3, n)], tokens)
    same = _units("same", texts, [[v] for v in rng.normal(3.0, 0.3, n)], tokens)
    assert degeneration.compare(low, ref).perplexity_side == "below"
    assert degeneration.compare(same, ref).perplexity_side == "overlaps"
    assert degeneration.compare(ref, low).perplexity_side == "above"
    with pytest.raises(ValueError, match="same prompts"):
        degeneration.compare(low, _units("short", texts[:3], [[1.0]] * 3, tokens[:3]))


def test_shares_on_zero_counts_get_an_interval_that_is_not_a_point():
    n = 36
    u = _units("x", [["a b c d"]] * n, [[1.0]] * n, [[4]] * n)
    row = degeneration.summarize(u)
    assert row.repetition.estimate == 0 and 0.09 < row.repetition.high < 0.10  # Wilson: 0 of 36 is up to ~10%
    assert row.ended.estimate == 1 and row.ended.low < 0.91


def test_compare_shares_with_an_exact_paired_test():
    n = 36
    texts_loop = [["a b c d a b c d"]] * 8 + [["a b c d"]] * (n - 8)
    plain = [["a b c d"]] * n
    ref = _units("ref", plain, [[2.0]] * n, [[8]] * n, ended=[[True]] * 10 + [[False]] * (n - 10))
    loops = _units("loops", texts_loop, [[2.0]] * n, [[8]] * n, ended=[[True]] * 30 + [[False]] * (n - 30))
    same = _units("same", plain, [[2.0]] * n, [[8]] * n, ended=[[True]] * 10 + [[False]] * (n - 10))
    c = degeneration.compare(loops, ref)
    assert c.repetition_side == "above" and c.repetition_p == pytest.approx(2 * 0.5 ** 8)
    assert c.ended_side == "above" and c.ended == pytest.approx(20 / 36)
    # All-zero columns on both sides: nothing to conclude (p = 1), not a degenerate [0, 0] interval.
    d = degeneration.compare(same, ref)
    assert d.repetition_p == 1.0 and d.repetition_side == "overlaps" and d.ended_side == "overlaps"
    several = _units("two per prompt", [["a", "b"]] * n, [[1.0, 1.0]] * n, [[1, 1]] * n)
    with pytest.raises(ValueError, match="one text per prompt"):
        degeneration.compare(several, ref)


@pytest.mark.model
def test_reference_is_capped_exactly_like_a_decoder(lm):
    from studykit.studies.reference import ReferencePair

    model, tokenizer = lm
    short = ReferencePair("The cat sat on the mat.", " It slept.", 0, ends_paragraph=True)
    long = ReferencePair("The cat sat on the mat.", " It slept" + " and slept" * 30 + ".", 1, ends_paragraph=True)
    cut = ReferencePair("The dog ran.", " It ran far.", 2, ends_paragraph=False)  # the author went on
    limit = 8
    u = degeneration.reference_units(model, tokenizer, [short, long, cut], max_new_tokens=limit)
    def tokens(pair):
        return len(tokenizer(pair.prompt + pair.continuation).input_ids) - len(tokenizer(pair.prompt).input_ids)

    assert tokens(short) < limit and tokens(cut) < limit < tokens(long)
    np.testing.assert_allclose(u.tokens, [tokens(short), limit, tokens(cut)])  # the long paragraph is cut at the limit ...
    np.testing.assert_allclose(u.capped, [0, 1, 1])  # ... and counted as censored, as is a mid-paragraph cut
    row = degeneration.summarize(u)
    assert row.ended.estimate == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="max_new_tokens"):
        degeneration.reference_units(model, tokenizer, [short, long], max_new_tokens=0)


def test_tables_show_every_row_with_intervals():
    u = _units("greedy", [["a b a b a b c d"], ["e f g h"]], [[0.5], [0.7]], [[8], [4]])
    rows = [degeneration.summarize(u)]
    text = degeneration.format_table(rows)
    assert "greedy" in text and "[" in text and len(text.splitlines()) == 3
    assert "<table" in degeneration.html_table(rows, highlight="greedy") and "#eef4ea" in degeneration.html_table(rows, highlight="greedy")


def test_long_enough_keeps_pairs_by_the_authors_length_only(monkeypatch):
    from studykit.studies.reference import ReferencePair

    pairs = [ReferencePair("A b.", " " + "x" * n, i, ends_paragraph=True) for i, n in enumerate([3, 12, 20, 5, 15])]
    # A tokenizer stand-in: one token per character of the continuation.
    monkeypatch.setattr(degeneration, "continuation_tokens", lambda tokenizer, pair: np.zeros(len(pair.continuation) - 1))
    assert [p.paragraph for p in degeneration.long_enough(None, pairs, tokens=10, count=3)] == [1, 2, 4]
    with pytest.raises(ValueError, match="only 3 of 5"):
        degeneration.long_enough(None, pairs, tokens=10, count=4)
