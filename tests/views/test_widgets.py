"""The live explorers: slider changes update state, readouts and figure; bad parameters are refused."""

import base64
import re

import numpy as np
import pytest

from studykit.maths import sampling
from studykit.views.plots import bar_chart_svg, format_count
from studykit.views.widgets import FilterExplorer, MarketExplorer

from tests.synthetic_market import VOCAB


def _number(readout_value):
    """The first number in a readout, as a browser test would read it ("kept 1,234 of ..." -> 1234)."""
    return float(re.search(r"\d[\d,]*\.?\d*", readout_value).group().replace(",", ""))


def _descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)


# ----------------------------------------------------------------------------- MarketExplorer


def test_temperature_slider_updates_state_readouts_and_figure(market_logits, market_tokens):
    explorer = MarketExplorer(market_logits, market_tokens, stalls=8)
    first_figure = explorer.figure.value
    explorer.temperature_slider.value = 0.45
    probs = sampling.softmax(market_logits, 0.45)
    np.testing.assert_allclose(explorer.market.probs, probs, rtol=0, atol=1e-15)
    assert explorer.entropy_readout.value == f"entropy {float(sampling.entropy(probs)):.2f} nats"
    effective = float(sampling.effective_vocabulary(probs))
    assert explorer.stalls_readout.value == f"≈ {format_count(effective)} equally busy stalls"
    # The figure is the market's chart: the 8 busiest stalls, then the rest of the market.
    chart = explorer.chart()
    top = np.argsort(market_logits)[::-1][:8]
    np.testing.assert_allclose(chart.series[0].values[:8], probs[top])
    assert explorer.figure.value == bar_chart_svg(chart) != first_figure
    assert "T = 0.45 · entropy" in explorer.figure.value


def test_entropy_readout_rises_as_the_slider_moves_up(market_logits, market_tokens):
    explorer = MarketExplorer(market_logits, market_tokens)
    shown = []
    for t in [0.1, 0.5, 1.0, 2.0, 3.0]:
        explorer.temperature_slider.value = t
        shown.append(_number(explorer.entropy_readout.value))
    assert shown == sorted(shown) and len(set(shown)) == len(shown)


def test_button_sends_a_new_crowd_each_press_and_the_dial_clears_it(market_logits, market_tokens):
    explorer = MarketExplorer(market_logits, market_tokens, shoppers=100, seed=5, stalls=6)
    explorer.temperature_slider.value = 1.6
    explorer.shoppers_button.click()
    counts = explorer.market.shopper_counts
    assert counts.sum() == 100 and counts.shape == (7,)
    rng = np.random.default_rng(5)  # the explorer's stream: the same seed gives the same first crowd
    np.testing.assert_array_equal(explorer.market.shopper_ids,
                                  sampling.sample(market_logits, temperature=1.6, num_samples=100, seed=rng))
    assert explorer.shoppers_summary.value == explorer.market.shoppers_summary()
    assert "100 shoppers sent" in explorer.figure.value
    first = explorer.market.shopper_ids.copy()
    explorer.shoppers_button.click()
    assert explorer.market.shopper_counts.sum() == 100 and not np.array_equal(first, explorer.market.shopper_ids)
    explorer.temperature_slider.value = 0.5
    assert explorer.market.shopper_counts is None and "shoppers sent" not in explorer.figure.value
    assert "press to send 100 shoppers at this temperature" in explorer.shoppers_summary.value


# ----------------------------------------------------------------------------- FilterExplorer


def test_each_filter_slider_updates_the_kept_set(market_logits, market_tokens):
    explorer = FilterExplorer(market_logits, market_tokens, stalls=12)
    for slider, value in [(explorer.temperature_slider, 0.6), (explorer.top_k_slider, 40),
                          (explorer.top_p_slider, 0.8), (explorer.min_p_slider, 0.05)]:
        before = explorer.figure.value
        slider.value = value
        mask = sampling.kept_mask(market_logits, **explorer.settings)
        np.testing.assert_array_equal(explorer.market.kept, mask)
        assert explorer.kept_readout.value == f"kept {mask.sum():,} of {VOCAB:,} tokens"
        probs = sampling.softmax(sampling.warp(market_logits, **explorer.settings))
        assert explorer.entropy_readout.value == f"entropy {float(sampling.entropy(probs)):.2f} nats"
        assert explorer.stages_readout.value == _stages_by_hand(market_logits, **explorer.settings)
        assert explorer.figure.value != before
    assert explorer.settings == {"temperature": 0.6, "top_k": 40, "top_p": 0.8, "min_p": 0.05}


def _stages_by_hand(logits, temperature, top_k, top_p, min_p):
    """The stages readout, counted here in plain numpy: temperature, then top-k, top-p and min-p."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    kept, parts = np.ones(z.size, dtype=bool), [f"temperature {z.size:,}"]

    def shares():
        p = np.where(kept, np.exp(z - z[kept].max()), 0.0)
        return p / p.sum()

    if top_k is not None:
        kept &= z >= np.sort(z)[-top_k]
    parts.append("top-k off" if top_k is None else f"top-k {kept.sum():,}")
    if top_p is not None:
        p = shares()
        order = np.argsort(-p)
        smallest = np.searchsorted(np.cumsum(p[order]), top_p) + 1  # the smallest top set reaching top_p
        kept[order[smallest:]] = False
    parts.append("top-p off" if top_p is None else f"top-p {kept.sum():,}")
    if min_p is not None:
        p = shares()
        kept &= p >= min_p * p.max()
    parts.append("min-p off" if min_p is None else f"min-p {kept.sum():,}")
    return "stalls open after each step: " + " → ".join(parts)


def test_moving_top_p_changes_the_kept_count_shown(market_logits, market_tokens):
    explorer = FilterExplorer(market_logits, market_tokens, top_p=0.95)
    before = _number(explorer.kept_readout.value)
    explorer.top_p_slider.value = 0.3
    assert _number(explorer.kept_readout.value) < before


def test_slider_ends_mean_off(market_logits, market_tokens):
    explorer = FilterExplorer(market_logits, market_tokens, top_k=None, top_p=None, min_p=0.0)
    assert explorer.settings == explorer.market.settings == {
        "temperature": 1.0, "top_k": None, "top_p": None, "min_p": None}
    assert explorer.market.kept_count == VOCAB
    assert (explorer.top_k_slider.value, explorer.top_p_slider.value, explorer.min_p_slider.value) == (0, 1.0, 0.0)
    assert explorer.stages_readout.value.endswith("top-k off → top-p off → min-p off")


# ----------------------------------------------------------------------------- display and classes


@pytest.mark.parametrize("make, classes, shown", [
    (MarketExplorer, ["temperature", "display", "shoppers", "shoppers-summary", "market-explorer"],
     ["entropy", "effective-stalls", "figure"]),
    (FilterExplorer, ["temperature", "top-k", "top-p", "min-p", "display", "filter-explorer"],
     ["kept-count", "entropy", "stages", "figure"]),
])
def test_each_css_class_marks_exactly_one_widget_or_piece_of_the_display(market_logits, market_tokens, make,
                                                                         classes, shown):
    explorer = make(market_logits, market_tokens)
    tree = list(_descendants(explorer.widget))
    for name in classes:
        assert sum(f"studykit-{name}" in w._dom_classes for w in tree) == 1, name
    for name in shown:
        assert explorer.display.value.count(f'class="studykit-{name}"') == 1, name


@pytest.mark.parametrize("make, slider", [(MarketExplorer, "temperature_slider"), (FilterExplorer, "top_p_slider"),
                                          (FilterExplorer, "temperature_slider")])
def test_a_slider_change_reaches_the_browser_as_one_display_message(market_logits, market_tokens, make, slider):
    # Every widget that changes is one more message through the server to the browser: a change must
    # update the display only (readouts and chart together), whatever the readouts show.
    explorer = make(market_logits, market_tokens)
    sent = []
    for widget in _descendants(explorer.widget):
        widget.observe(lambda change, widget=widget: sent.append((widget, change["name"])), names=widget.keys)
    getattr(explorer, slider).value = 0.42
    assert [(w, name) for w, name in sent if w is not getattr(explorer, slider)] == [(explorer.display, "value")]
    for readout in explorer.rows[0]:
        assert readout.html() in explorer.display.value
    assert explorer.figure.value in explorer.display.value


@pytest.mark.parametrize("make", [MarketExplorer, FilterExplorer])
def test_notebook_output_has_live_widget_static_png_and_text(market_logits, market_tokens, make):
    explorer = make(market_logits, market_tokens, prompt="A prompt")
    bundle = explorer._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.widget.model_id
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG\r\n\x1a\n")
    assert bundle["text/plain"] == f"{make.__name__} at {explorer.market.summary()} (live widget: run the notebook to move the sliders)"
    assert "“A prompt”" in explorer.chart().title


@pytest.mark.parametrize("make", [MarketExplorer, FilterExplorer])
def test_a_temporary_explorer_closes_all_its_widgets(market_logits, market_tokens, make):
    with make(market_logits, market_tokens) as explorer:
        tree = list(_descendants(explorer.widget))
        assert len(tree) > 5 and all(w.comm is not None for w in tree)
        svg = bar_chart_svg(explorer.chart())
    assert all(w.comm is None for w in tree)
    assert bar_chart_svg(explorer.chart()) == svg  # the state stays readable after closing


# ----------------------------------------------------------------------------- refusing bad input


@pytest.mark.parametrize("options, message", [
    ({"temperature": -0.5}, "temperature must be a number in \\[0, 3.0\\]"),
    ({"temperature": 4.0}, "temperature must be a number in \\[0, 3.0\\]"),
    ({"temperature": float("nan")}, "temperature"),
    ({"max_temperature": 0}, "max_temperature must be a number in \\(0, inf\\)"),
    ({"stalls": 0}, "stalls must be an integer >= 1"),
    ({"shoppers": 0}, "shoppers must be an integer >= 1"),
    ({"shoppers": True}, "shoppers"),
])
def test_market_explorer_rejects_bad_parameters(market_logits, market_tokens, options, message):
    with pytest.raises(ValueError, match=message):
        MarketExplorer(market_logits, market_tokens, **options)


@pytest.mark.parametrize("options, message", [
    ({"top_k": 0}, "top_k must be an integer >= 1 and <= 100, or None"),
    ({"top_k": 101}, "top_k must be an integer >= 1 and <= 100"),
    ({"top_p": 0.0}, "top_p must be a number in \\(0, 1\\]"),
    ({"top_p": 1.2}, "top_p"),
    ({"min_p": -0.1}, "min_p must be a number in \\[0, 1\\]"),
    ({"temperature": -1}, "temperature"),
    ({"max_top_k": 0}, "max_top_k"),
    ({"stalls": VOCAB}, "stalls"),
])
def test_filter_explorer_rejects_bad_parameters(market_logits, market_tokens, options, message):
    with pytest.raises(ValueError, match=message):
        FilterExplorer(market_logits, market_tokens, **options)


@pytest.mark.parametrize("make", [MarketExplorer, FilterExplorer])
def test_mismatched_tokens_are_refused(market_logits, market_tokens, make):
    with pytest.raises(ValueError, match="one string per logit"):
        make(market_logits, market_tokens[:-1])


# ----------------------------------------------------------------------------- the real model


@pytest.mark.model
def test_on_the_real_model_the_kept_set_equals_transformers_warpers():
    import torch

    from studykit.lm import models
    from studykit.lm.generation import transformers_warpers

    dist = models.next_token_distribution(*models.load(), "The cat sat on the")
    explorer = FilterExplorer.from_distribution(dist)
    scores = torch.from_numpy(dist.logits)[None]
    for t, k, p, m in [(1.0, 50, 0.9, 0.05), (0.5, 100, 0.95, 0.0), (1.5, 0, 0.8, 0.1), (0.7, 10, 0.5, 0.2)]:
        explorer.temperature_slider.value = t
        explorer.top_k_slider.value = k
        explorer.top_p_slider.value = p
        explorer.min_p_slider.value = m
        warpers = transformers_warpers(temperature=t, top_k=k or None, top_p=p, min_p=m or None)
        theirs = warpers(None, scores.clone())[0].isfinite().numpy()
        np.testing.assert_array_equal(explorer.market.kept, theirs)
        assert explorer.kept_readout.value == f"kept {theirs.sum():,} of 49,152 tokens"

    market = MarketExplorer.from_distribution(dist)
    market.temperature_slider.value = 0.7
    expected = float(sampling.entropy(sampling.softmax(dist.logits, 0.7)))
    assert market.entropy_readout.value == f"entropy {expected:.2f} nats"
    assert market.chart().labels[0] == "␣" + dist.top(1)[0][0].lstrip()
