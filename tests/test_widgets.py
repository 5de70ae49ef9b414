"""The live explorers: their state after slider changes matches studykit.sampling, and bad input is refused."""

import base64
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studykit import sampling
from studykit.plots import bar_chart_svg
from studykit.widgets import FilterExplorer, MarketExplorer

VOCAB = 300


@pytest.fixture(scope="module")
def logits():
    return np.random.default_rng(7).normal(0, 2.5, VOCAB)


@pytest.fixture(scope="module")
def tokens():
    return [f" w{i}" if i % 3 else f"w{i}" for i in range(VOCAB)]


def _number(readout_value):
    return float(re.search(r"[-+]?\d[\d,]*\.?\d*", readout_value).group().replace(",", ""))


def _descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)


# ----------------------------------------------------------------------------- MarketExplorer


def test_market_state_follows_the_temperature_slider(logits, tokens):
    explorer = MarketExplorer(logits, tokens, stalls=8)
    first_figure = explorer.figure.value
    explorer.temperature_slider.value = 0.45
    probs = sampling.softmax(logits, 0.45)
    np.testing.assert_allclose(explorer.probs, probs, rtol=0, atol=1e-15)
    assert explorer.entropy == pytest.approx(float(sampling.entropy(probs)), abs=1e-12)
    assert explorer.entropy_readout.value == f"entropy {float(sampling.entropy(probs)):.2f} nats"
    assert explorer.effective_stalls == pytest.approx(float(np.exp(sampling.entropy(probs))))
    # The bars: the 8 highest logits, most likely first, then the rest of the market.
    top = np.argsort(logits)[::-1][:8]
    np.testing.assert_array_equal(explorer.stall_ids, top)
    np.testing.assert_allclose(explorer.shares[:-1], probs[top])
    assert explorer.shares[-1] == pytest.approx(1 - probs[top].sum())
    chart = explorer.chart()
    np.testing.assert_allclose(chart.series[0].values, explorer.shares)
    assert chart.labels[:8] == [tokens[i].replace(" ", "␣") for i in top]
    assert explorer.figure.value == bar_chart_svg(chart) != first_figure
    assert "T = 0.45" in explorer.figure.value


def test_market_readouts_rise_with_temperature(logits, tokens):
    explorer = MarketExplorer(logits, tokens)
    readings = []
    for t in [0.2, 0.5, 1.0, 2.0, 3.0]:
        explorer.temperature_slider.value = t
        readings.append((_number(explorer.entropy_readout.value), explorer.effective_stalls, explorer.shares[0]))
    entropies, effective, top_share = map(np.array, zip(*readings))
    assert (np.diff(entropies) > 0).all() and (np.diff(effective) > 0).all()
    assert (np.diff(top_share) < 0).all()  # the busiest stall loses shoppers as the dial goes up


def test_shoppers_histogram_counts_every_shopper_once(logits, tokens):
    explorer = MarketExplorer(logits, tokens, stalls=5, shoppers=100, seed=3)
    explorer.temperature_slider.value = 1.7
    counts = explorer.send_shoppers()
    assert counts.sum() == 100 and counts.shape == (6,)
    rows = [list(explorer.stall_ids).index(i) if i in explorer.stall_ids else 5 for i in explorer.shopper_ids]
    np.testing.assert_array_equal(counts, np.bincount(rows, minlength=6))
    # The draw is sampling.sample's, with the explorer's own seeded stream.
    expected = sampling.sample(logits, temperature=1.7, num_samples=100, seed=np.random.default_rng(3))
    np.testing.assert_array_equal(explorer.shopper_ids, expected)
    chart = explorer.chart()
    assert [s.name for s in chart.series] == ["theory: probability", "100 shoppers sent"]
    np.testing.assert_allclose(chart.series[1].values, counts / 100)
    summary = explorer.shoppers_summary.value
    assert f"{100 - counts[-1]} at the top 5 stalls, {counts[-1]} elsewhere" in summary
    assert f"{len(set(explorer.shopper_ids.tolist()))} different stalls" in summary


def test_button_sends_new_shoppers_and_moving_the_dial_clears_them(logits, tokens):
    explorer = MarketExplorer(logits, tokens, shoppers=40, seed=0)
    explorer.shoppers_button.click()
    first = explorer.shopper_ids.copy()
    explorer.shoppers_button.click()
    assert explorer.shopper_counts.sum() == 40 and not np.array_equal(first, explorer.shopper_ids)
    explorer.temperature_slider.value = 0.5
    assert explorer.shopper_counts is None and len(explorer.chart().series) == 1


def test_greedy_dial_sends_every_shopper_to_the_busiest_stall(logits, tokens):
    explorer = MarketExplorer(logits, tokens, temperature=0.0)
    counts = explorer.send_shoppers()
    assert counts[0] == 100 and explorer.entropy_readout.value == "entropy 0.00 nats"


# ----------------------------------------------------------------------------- FilterExplorer


def test_filter_state_matches_sampling_after_each_slider(logits, tokens):
    explorer = FilterExplorer(logits, tokens, stalls=12)
    for slider, value in [(explorer.temperature_slider, 0.6), (explorer.top_k_slider, 40),
                          (explorer.top_p_slider, 0.8), (explorer.min_p_slider, 0.05)]:
        slider.value = value
        s = explorer.settings
        mask = sampling.kept_mask(logits, **s)
        np.testing.assert_array_equal(explorer.kept, mask)
        assert explorer.kept_readout.value == f"kept {mask.sum():,} of {VOCAB:,} tokens"
        np.testing.assert_allclose(explorer.probs_after, sampling.softmax(sampling.warp(logits, **s)), atol=1e-15)
        assert explorer.entropy_readout.value == f"entropy {float(sampling.entropy(explorer.probs_after)):.2f} nats"
    assert explorer.settings == {"temperature": 0.6, "top_k": 40, "top_p": 0.8, "min_p": 0.05}


def test_moving_top_p_changes_the_kept_count_and_figure(logits, tokens):
    explorer = FilterExplorer(logits, tokens, top_p=0.95)
    before_count, before_figure = explorer.kept_readout.value, explorer.figure.value
    explorer.top_p_slider.value = 0.3
    assert _number(explorer.kept_readout.value) < _number(before_count)
    assert explorer.figure.value != before_figure


def test_stage_counts_and_removal_reasons(logits, tokens):
    explorer = FilterExplorer(logits, tokens, temperature=1.0, top_k=6, top_p=0.99, min_p=None, stalls=10)
    assert explorer.stage_counts == {"temperature": VOCAB, "top-k": 6, "top-p": explorer.kept_count,
                                     "min-p": explorer.kept_count}
    assert explorer.removed_by[6:] == ["top-k"] * 4
    explorer.top_k_slider.value = 0  # off
    explorer.min_p_slider.value = 0.5
    kept_by_p = sampling.kept_mask(logits, top_p=0.99)
    kept_by_min_p = sampling.kept_mask(logits, top_p=0.99, min_p=0.5)
    for token_id, why in zip(explorer.stall_ids, explorer.removed_by):
        assert why == ("" if kept_by_min_p[token_id] else "top-p" if not kept_by_p[token_id] else "min-p")
    assert "min-p" in explorer.removed_by
    assert "top-k off" in explorer.stages_readout.value
    explorer.temperature_slider.value = 0.0
    assert explorer.removed_by == [""] + ["greedy"] * 9 and explorer.kept_count == 1


def test_slider_ends_mean_off(logits, tokens):
    explorer = FilterExplorer(logits, tokens, top_k=None, top_p=None, min_p=None)
    assert explorer.settings == {"temperature": 1.0, "top_k": None, "top_p": None, "min_p": None}
    assert explorer.kept_count == VOCAB
    assert (explorer.top_k_slider.value, explorer.top_p_slider.value, explorer.min_p_slider.value) == (0, 1.0, 0.0)


@settings(max_examples=40, deadline=None)
@given(
    temperature=st.sampled_from([0.0, 0.05, 0.3, 1.0, 2.2, 3.0]),
    top_k=st.integers(0, 100),
    top_p=st.floats(0.01, 1.0),
    min_p=st.floats(0.0, 1.0),
)
def test_kept_set_always_equals_kept_mask(logits, tokens, temperature, top_k, top_p, min_p):
    explorer = FilterExplorer(logits, tokens)
    explorer.temperature_slider.value = temperature
    explorer.top_k_slider.value = top_k
    explorer.top_p_slider.value = top_p
    explorer.min_p_slider.value = min_p
    s = explorer.settings
    np.testing.assert_array_equal(explorer.kept, sampling.kept_mask(logits, **s))
    counts = list(explorer.stage_counts.values())
    assert counts == sorted(counts, reverse=True) and counts[-1] == explorer.kept_count >= 1


# ----------------------------------------------------------------------------- display and classes


@pytest.mark.parametrize("make, classes", [
    (lambda z, t: MarketExplorer(z, t), ["temperature", "entropy", "effective-stalls", "figure", "shoppers",
                                         "shoppers-summary"]),
    (lambda z, t: FilterExplorer(z, t), ["temperature", "top-k", "top-p", "min-p", "kept-count", "entropy",
                                         "stages", "figure"]),
])
def test_each_css_class_marks_exactly_one_widget(logits, tokens, make, classes):
    explorer = make(logits, tokens)
    tree = list(_descendants(explorer.widget))
    for name in classes:
        marked = [w for w in tree if f"studykit-{name}" in w._dom_classes]
        assert len(marked) == 1, name
    assert explorer.figure._dom_classes == ("studykit-figure",)


@pytest.mark.parametrize("make", [MarketExplorer, FilterExplorer])
def test_notebook_output_has_live_widget_static_png_and_text(logits, tokens, make):
    explorer = make(logits, tokens, prompt="A prompt")
    bundle = explorer._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.widget.model_id
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG\r\n\x1a\n")
    assert bundle["text/plain"] == explorer.summary()
    assert "live widget" in bundle["text/plain"] and "entropy" in bundle["text/plain"]
    assert "“A prompt”" in explorer.chart().title


# ----------------------------------------------------------------------------- refusing bad input


@pytest.mark.parametrize("options, message", [
    ({"temperature": -0.5}, "temperature must be a number in \\[0, 3.0\\]"),
    ({"temperature": 4.0}, "temperature must be a number in \\[0, 3.0\\]"),
    ({"temperature": float("nan")}, "temperature"),
    ({"max_temperature": 0}, "max_temperature must be a number in \\(0"),
    ({"stalls": 0}, "stalls must be an integer >= 1"),
    ({"stalls": VOCAB}, f"stalls must be an integer >= 1 and <= {VOCAB - 1}"),
    ({"stalls": 2.5}, "stalls"),
    ({"shoppers": 0}, "shoppers must be an integer >= 1"),
    ({"shoppers": True}, "shoppers"),
])
def test_market_rejects_bad_parameters(logits, tokens, options, message):
    with pytest.raises(ValueError, match=message):
        MarketExplorer(logits, tokens, **options)


@pytest.mark.parametrize("options, message", [
    ({"top_k": 0}, "top_k must be an integer >= 1 and <= 100, or None"),
    ({"top_k": 101}, "top_k must be an integer >= 1 and <= 100"),
    ({"top_p": 0.0}, "top_p must be a number in \\(0, 1\\]"),
    ({"top_p": 1.2}, "top_p"),
    ({"min_p": -0.1}, "min_p must be a number in \\[0, 1\\]"),
    ({"temperature": -1}, "temperature"),
    ({"max_top_k": 0}, "max_top_k"),
])
def test_filters_reject_bad_parameters(logits, tokens, options, message):
    with pytest.raises(ValueError, match=message):
        FilterExplorer(logits, tokens, **options)


@pytest.mark.parametrize("make", [MarketExplorer, FilterExplorer])
def test_bad_logits_or_tokens_are_refused(logits, tokens, make):
    with pytest.raises(ValueError, match="one string per logit: 299 tokens for 300 logits"):
        make(logits, tokens[:-1])
    with pytest.raises(ValueError, match="shape \\(V,\\)"):
        make(np.stack([logits, logits]), tokens)
    with pytest.raises(ValueError, match="NaN"):
        make(np.where(np.arange(VOCAB) == 3, np.nan, logits), tokens)
    with pytest.raises(ValueError, match="real numbers"):
        make(["a"] * VOCAB, tokens)


def test_explorer_keeps_its_own_copy_of_the_logits(logits, tokens):
    mine = logits.copy()
    explorer = MarketExplorer(mine, tokens)
    mine[:] = 0
    explorer.temperature_slider.value = 0.5
    assert explorer.entropy < np.log(VOCAB) - 0.5


# ----------------------------------------------------------------------------- the real model


@pytest.mark.model
def test_on_the_real_model_the_kept_set_equals_transformers_warpers():
    import torch
    from transformers import (LogitsProcessorList, MinPLogitsWarper, TemperatureLogitsWarper, TopKLogitsWarper,
                              TopPLogitsWarper)

    from studykit import models

    dist = models.next_token_distribution(*models.load(), "The cat sat on the")
    explorer = FilterExplorer.from_distribution(dist)
    scores = torch.from_numpy(dist.logits)[None]
    for t, k, p, m in [(1.0, 50, 0.9, 0.05), (0.5, 100, 0.95, 0.0), (1.5, 0, 0.8, 0.1), (0.7, 10, 0.5, 0.2)]:
        explorer.temperature_slider.value = t
        explorer.top_k_slider.value = k
        explorer.top_p_slider.value = p
        explorer.min_p_slider.value = m
        warpers = [TemperatureLogitsWarper(t)] + ([TopKLogitsWarper(k)] if k else []) + [TopPLogitsWarper(p)]
        warpers += [MinPLogitsWarper(m)] if m else []
        theirs = LogitsProcessorList(warpers)(None, scores.clone())[0].isfinite().numpy()
        np.testing.assert_array_equal(explorer.kept, theirs)
        assert explorer.kept_readout.value == f"kept {theirs.sum():,} of 49,152 tokens"

    market = MarketExplorer.from_distribution(dist)
    market.temperature_slider.value = 0.7
    assert market.entropy_readout.value == f"entropy {float(sampling.entropy(sampling.softmax(dist.logits, 0.7))):.2f} nats"
    assert market.chart().labels[0] == "␣" + dist.top(1)[0][0].lstrip()
