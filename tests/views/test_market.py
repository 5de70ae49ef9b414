"""The market state behind the explorers: every number agrees with studykit.maths.sampling."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studykit.maths import sampling
from studykit.views.market import FilteredMarket, Market
from studykit.views.plots import format_count

from tests.synthetic_market import VOCAB


# ----------------------------------------------------------------------------- Market


def test_market_at_a_temperature_matches_sampling(market_logits, market_tokens):
    market = Market(market_logits, market_tokens, stalls=8, temperature=0.45)
    probs = sampling.softmax(market_logits, 0.45)
    np.testing.assert_allclose(market.probs, probs, rtol=0, atol=1e-15)
    assert market.entropy == pytest.approx(float(sampling.entropy(probs)), abs=1e-12)
    assert market.effective_stalls == pytest.approx(float(np.exp(sampling.entropy(probs))))
    top = np.argsort(market_logits)[::-1][:8]  # the 8 highest logits, most likely first
    np.testing.assert_array_equal(market.stall_ids, top)
    assert market.stall_labels == [market_tokens[i].replace(" ", "␣") for i in top]
    np.testing.assert_allclose(market.shares[:-1], probs[top])
    assert market.shares[-1] == pytest.approx(1 - probs[top].sum())
    assert market.rest_count == VOCAB - 8


def test_turning_the_dial_up_spreads_the_shoppers(market_logits, market_tokens):
    market = Market(market_logits, market_tokens)
    readings = []
    for t in [0.2, 0.5, 1.0, 2.0, 3.0]:
        market.temperature = t
        readings.append((market.entropy, market.effective_stalls, market.shares[0], market.shares[-1]))
    entropy, effective, busiest, rest = map(np.array, zip(*readings))
    assert (np.diff(entropy) > 0).all() and (np.diff(effective) > 0).all()
    assert (np.diff(busiest) < 0).all() and (np.diff(rest) > 0).all()


def test_shoppers_are_sampling_draws_counted_once_per_row(market_logits, market_tokens):
    market = Market(market_logits, market_tokens, stalls=5, temperature=1.7)
    counts = market.send_shoppers(100, seed=3)
    assert counts.sum() == 100 and counts.shape == (6,)
    # Shoppers are draws from softmax(z / T), computed here by hand: 20,000 of them land on each
    # chart row in proportion to its probability (within 5 binomial standard errors).
    z = market_logits / 1.7
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    theory = np.r_[p[market.stall_ids], 1 - p[market.stall_ids].sum()]
    many = Market(market_logits, market_tokens, stalls=5, temperature=1.7).send_shoppers(20_000, seed=3) / 20_000
    assert np.all(np.abs(many - theory) <= 5 * np.sqrt(theory * (1 - theory) / 20_000))
    assert np.array_equal(Market(market_logits, market_tokens, stalls=5, temperature=1.7).send_shoppers(100, seed=3),
                          counts)  # the seed fixes the draw
    rows = [list(market.stall_ids).index(i) if i in market.stall_ids else 5 for i in market.shopper_ids]
    np.testing.assert_array_equal(counts, np.bincount(rows, minlength=6))
    summary = market.shoppers_summary()
    assert f"100 shoppers at T = 1.70: {100 - counts[-1]} at the top 5 stalls, {counts[-1]} elsewhere" in summary
    assert summary.endswith(f"{len(set(market.shopper_ids.tolist()))} different stalls")
    chart = market.chart()
    assert [s.name for s in chart.series] == ["theory: probability", "100 shoppers sent"]
    np.testing.assert_allclose(chart.series[1].values, counts / 100)


def test_a_new_temperature_forgets_the_old_shoppers(market_logits, market_tokens):
    market = Market(market_logits, market_tokens)
    market.send_shoppers(50, seed=0)
    market.temperature = 0.5
    assert market.shopper_counts is None and len(market.chart().series) == 1
    assert market.shoppers_summary() == "no shoppers sent at this temperature yet"


def test_greedy_market_sends_everyone_to_the_busiest_stall(market_logits, market_tokens):
    market = Market(market_logits, market_tokens, temperature=0)
    assert market.send_shoppers(100, seed=1)[0] == 100 and market.entropy == 0.0
    assert market.shoppers_summary().endswith("1 different stall")


def test_market_chart_shows_the_busiest_stalls_and_the_rest(market_logits, market_tokens):
    market = Market(market_logits, market_tokens, stalls=4, temperature=0.8, prompt="A cat")
    chart = market.chart()
    assert chart.labels == [*market.stall_labels, "rest of the market"]
    assert chart.notes[-1] == f"{VOCAB - 4:,} stalls"
    assert chart.subtitle == (f"T = 0.80 · entropy {market.entropy:.2f} nats "
                              f"(≈ {format_count(market.effective_stalls)} equally busy stalls)")
    assert "“A cat”" in chart.title
    np.testing.assert_allclose(chart.series[0].values, market.shares)


# ----------------------------------------------------------------------------- FilteredMarket


def test_filtered_market_matches_warp_and_kept_mask(market_logits, market_tokens):
    options = {"temperature": 0.6, "top_k": 40, "top_p": 0.8, "min_p": 0.05}
    market = FilteredMarket(market_logits, market_tokens, **options)
    np.testing.assert_array_equal(market.kept, sampling.kept_mask(market_logits, **options))
    assert market.kept_count == sampling.kept_mask(market_logits, **options).sum()
    np.testing.assert_allclose(market.probs_after, sampling.softmax(sampling.warp(market_logits, **options)), atol=1e-15)
    np.testing.assert_allclose(market.probs_before, sampling.softmax(market_logits, 0.6), atol=1e-15)
    assert market.entropy == pytest.approx(float(sampling.entropy(market.probs_after)))


def test_stage_counts_and_which_step_closed_each_stall(market_logits, market_tokens):
    market = FilteredMarket(market_logits, market_tokens, top_k=6, top_p=0.99, stalls=10)
    assert market.stage_counts == {"temperature": VOCAB, "top-k": 6, "top-p": market.kept_count,
                                   "min-p": market.kept_count}
    assert market.removed_by[6:] == ["top-k"] * 4
    assert market.stages_text() == (f"stalls open after each step: temperature {VOCAB} → top-k 6 → "
                                    f"top-p {market.kept_count} → min-p off")
    market.update(top_k=None, min_p=0.5)
    kept_by_p = sampling.kept_mask(market_logits, top_p=0.99)
    kept_by_both = sampling.kept_mask(market_logits, top_p=0.99, min_p=0.5)
    for token_id, why in zip(market.stall_ids, market.removed_by):
        assert why == ("" if kept_by_both[token_id] else "top-p" if not kept_by_p[token_id] else "min-p")
    assert "min-p" in market.removed_by
    market.update(temperature=0)
    assert market.removed_by == [""] + ["greedy"] * 9 and market.kept_count == 1


def test_update_changes_only_what_it_names_and_refuses_bad_settings(market_logits, market_tokens):
    market = FilteredMarket(market_logits, market_tokens, temperature=0.7, top_p=0.9)
    market.update(min_p=0.1)
    assert market.settings == {"temperature": 0.7, "top_k": None, "top_p": 0.9, "min_p": 0.1}
    before = market.kept.copy()
    with pytest.raises(ValueError, match="top_p must be a number in \\(0, 1\\]"):
        market.update(top_p=0)
    with pytest.raises(ValueError, match="unknown setting"):
        market.update(top_q=0.5)
    assert market.settings["top_p"] == 0.9 and np.array_equal(market.kept, before)  # unchanged on error


def test_filtered_chart_marks_closed_stalls(market_logits, market_tokens):
    market = FilteredMarket(market_logits, market_tokens, top_k=3, stalls=5)
    chart = market.chart()
    assert chart.notes[:5] == ["", "", "", "✗ top-k", "✗ top-k"]
    assert chart.notes[-1] == f"0 of {VOCAB - 5:,} kept"
    assert chart.subtitle == f"temperature T = 1.00, top-k 3 · kept 3 of {VOCAB}"
    np.testing.assert_allclose(sum(chart.series[1].values), 1.0)


@settings(max_examples=60, deadline=None)
@given(
    temperature=st.sampled_from([0.0, 0.05, 0.3, 1.0, 2.2, 3.0]),
    top_k=st.one_of(st.none(), st.integers(1, 400)),
    top_p=st.one_of(st.none(), st.floats(0.01, 1.0)),
    min_p=st.one_of(st.none(), st.floats(0.0, 1.0)),
)
def test_kept_set_always_equals_kept_mask(market_logits, market_tokens, temperature, top_k, top_p, min_p):
    options = {"temperature": temperature, "top_k": top_k, "top_p": top_p, "min_p": min_p}
    market = FilteredMarket(market_logits, market_tokens, **options)
    np.testing.assert_array_equal(market.kept, sampling.kept_mask(market_logits, **options))
    counts = list(market.stage_counts.values())
    assert counts == sorted(counts, reverse=True) and counts[-1] == market.kept_count >= 1
    assert market.probs_after[~market.kept].sum() == 0


# ----------------------------------------------------------------------------- refusing bad input


@pytest.mark.parametrize("make", [Market, FilteredMarket])
def test_bad_logits_tokens_or_stalls_are_refused(market_logits, market_tokens, make):
    with pytest.raises(ValueError, match="one string per logit: 299 tokens for 300 logits"):
        make(market_logits, market_tokens[:-1])
    with pytest.raises(ValueError, match="shape \\(V,\\)"):
        make(np.stack([market_logits, market_logits]), market_tokens)
    with pytest.raises(ValueError, match="NaN"):
        make(np.where(np.arange(VOCAB) == 3, np.nan, market_logits), market_tokens)
    with pytest.raises(ValueError, match="real numbers"):
        make(["a"] * VOCAB, market_tokens)
    with pytest.raises(ValueError, match="stalls must be an integer >= 1 and <= 299"):
        make(market_logits, market_tokens, stalls=VOCAB)
    with pytest.raises(ValueError, match="stalls must be an integer >= 1"):
        make(market_logits, market_tokens, stalls=0)


def test_market_refuses_bad_temperature_and_shopper_counts(market_logits, market_tokens):
    with pytest.raises(ValueError, match="temperature must be a finite number >= 0"):
        Market(market_logits, market_tokens, temperature=-1)
    market = Market(market_logits, market_tokens)
    with pytest.raises(ValueError, match="temperature"):
        market.temperature = float("inf")
    assert market.temperature == 1.0  # unchanged on error
    with pytest.raises(ValueError, match="count must be an integer >= 1"):
        market.send_shoppers(0)
    with pytest.raises(ValueError, match="count"):
        market.send_shoppers(2.5)


def test_market_keeps_its_own_copy_of_the_logits(market_logits, market_tokens):
    mine = market_logits.copy()
    market = Market(mine, market_tokens)
    mine[:] = 0
    market.temperature = 0.5
    assert market.entropy < np.log(VOCAB) - 0.5
