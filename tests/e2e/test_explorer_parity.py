"""The explorers' JavaScript against studykit in Python, in chromium, on the real model's logits.

The browser explorers (studykit/views/js/, studykit.views.browser_explorers) repeat studykit.maths.sampling's steps so that
a slider needs no kernel. Python stays the source of truth: for many settings (temperature from greedy to
extreme, top-k, top-p, min-p, ties) the probabilities must agree within 1e-6, the kept sets must be
identical, and the readouts and the SVG figure must be the very text Python gives.
"""

from __future__ import annotations

import base64
import itertools

import numpy as np
import pytest

from studykit.lm import models

from studykit.maths import sampling
from studykit.views.js_bundle import explorer_module
from studykit.views.market import FilteredMarket, Market
from studykit.views.plots import bar_chart_svg, format_count, format_share
from studykit.views.widgets import filter_readouts, market_readouts

pytestmark = [pytest.mark.e2e, pytest.mark.model]

PROMPT = "The cat sat on the"
TOLERANCE = 1e-6

# In the page: the module's functions, and one call that returns what Python checks, compactly.
_SETUP = """
window.parity = {
  load(name, b64, stallIds, stallLabels, title) {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const logits = new Float64Array(bytes.buffer);
    (window.rows ||= {})[name] = {logits, order: ascendingOrder(logits), stallIds: Uint32Array.from(stallIds),
                                  stallLabels, title};
  },
  encode(array) {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    let text = "";
    for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
    return btoa(text);
  },
  filter(name, settings) {
    const state = filterState(window.rows[name], settings);
    return {before: this.encode(state.probsBefore), after: this.encode(state.probsAfter),
            kept: this.encode(Uint8Array.from(state.kept)), readouts: state.readouts, svg: barChartSvg(state.chart)};
  },
  market(name, temperature) {
    const state = marketState(window.rows[name], temperature);
    return {probs: this.encode(state.probs), readouts: state.readouts, svg: barChartSvg(state.chart)};
  },
  shoppers(name, temperature, uniforms) {
    const data = window.rows[name];
    const state = marketState(data, temperature);
    const sent = sendShoppers(data, state.probs, temperature, uniforms);
    return {ids: sent.ids, summary: sent.summary,
            svg: barChartSvg(marketState(data, temperature, sent).chart)};
  },
  format(values) {
    return values.map((x) => [formatShare(x), formatCount(Math.max(x, 1e-300)), general(x), fixed(x, 2), fixed(x, 1)]);
  },
};
"""


def _decode(text: str, dtype) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype)


@pytest.fixture(scope="module")
def js(browser):
    context = browser.new_context()
    page = context.new_page()
    page.route("**/*", lambda route: route.abort())  # nothing may be fetched: the module is self-contained
    page.set_content("<!doctype html><title>parity</title>")
    page.add_script_tag(content=explorer_module() + _SETUP, type="module")
    page.wait_for_function("() => window.parity !== undefined")
    yield page
    context.close()


def _load(js, name, logits, tokens, stalls):
    """Send one row of logits to the page; returns a FilteredMarket's stalls for the same row (ids, labels)."""
    logits = np.asarray(logits, dtype=np.float64)
    shape = FilteredMarket(logits, tokens, stalls=stalls, prompt=name)
    js.evaluate("([n, b, ids, labels, title]) => parity.load(n, b, ids, labels, title)",
                [name, base64.b64encode(logits.tobytes()).decode(), shape.stall_ids.tolist(), shape.stall_labels,
                 shape.title()])
    return logits


@pytest.fixture(scope="module")
def real(js, lm):
    model, tokenizer = lm
    dist = models.next_token_distribution(model, tokenizer, PROMPT)
    _load(js, "real", dist.logits, dist.tokens, 15)
    _load(js, "real-market", dist.logits, dist.tokens, 10)
    return dist


def _tied_logits():
    """6,000 tokens in few distinct values (many ties, top-p's candidate path) with a tied maximum."""
    rng = np.random.default_rng(7)
    logits = np.round(rng.normal(0, 2, 6000), 1)
    logits[[10, 4000, 5999]] = logits.max() + 1.0  # three tied maxima, far apart
    return logits


def _check_filter(js, name, logits, tokens, stalls, settings):
    python = FilteredMarket(logits, tokens, stalls=stalls, prompt=name, **settings)
    browser = js.evaluate("([n, s]) => parity.filter(n, s)", [name, {
        "temperature": settings["temperature"], "topK": settings["top_k"], "topP": settings["top_p"],
        "minP": settings["min_p"]}])
    kept = _decode(browser["kept"], np.uint8).astype(bool)
    assert np.array_equal(kept, python.kept), f"{settings}: kept sets differ at ids {np.flatnonzero(kept != python.kept)[:10]}"
    np.testing.assert_allclose(_decode(browser["before"], np.float64), python.probs_before, rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(_decode(browser["after"], np.float64), python.probs_after, rtol=0, atol=TOLERANCE)
    assert browser["readouts"] == filter_readouts(python), settings
    assert browser["svg"] == bar_chart_svg(python.chart()), settings


def _settings_grid():
    """Every filter alone and together, at temperatures from greedy to extreme, slider ends included."""
    temperatures = [0.0, 0.05, 0.3, 0.7, 1.0, 1.5, 3.0]
    filters = [(None, None, None), (1, None, None), (50, None, None), (100, None, None), (None, 0.01, None),
               (None, 0.5, None), (None, 0.9, None), (None, 0.99, None), (None, None, 0.02), (None, None, 0.1),
               (None, None, 1.0), (50, 0.9, 0.05), (10, 0.5, 0.1), (100, 0.95, 0.02), (None, 0.8, 0.3)]
    for temperature, (top_k, top_p, min_p) in itertools.product(temperatures, filters):
        yield {"temperature": temperature, "top_k": top_k, "top_p": top_p, "min_p": min_p}


def test_filter_explorer_arithmetic_matches_python_on_the_real_logits(js, real):
    for settings in _settings_grid():
        _check_filter(js, "real", real.logits, real.tokens, 15, settings)


def test_filter_explorer_arithmetic_matches_python_on_tied_logits_and_extreme_temperatures(js):
    logits = _tied_logits()
    tokens = [f"t{i}" for i in range(len(logits))]
    _load(js, "tied", logits, tokens, 15)
    grid = list(_settings_grid())
    grid += [{"temperature": t, "top_k": k, "top_p": p, "min_p": m}
             for t, k, p, m in [(1e-3, None, 0.9, None), (100.0, None, 0.9, None), (1e4, 5, None, 0.5),
                                (0.02, 3, 0.3, None), (1.0, 2, None, None), (1.0, 3, None, None),
                                (1.0, None, 0.34, None), (0.0, None, 0.5, None), (0.0, 2, 0.7, 1.0)]]
    for settings in grid:
        _check_filter(js, "tied", logits, tokens, 15, settings)
    # Ties with exact probabilities: four equal tokens, so top-p's boundary falls exactly inside a tie group.
    small = np.array([0.0, 1.0, 1.0, 1.0, 1.0, -2.0, 0.5])
    _load(js, "small", small, list("abcdefg"), 3)
    for top_p in (0.25, 0.5, 0.75, 0.9, 1.0):
        for top_k in (None, 2, 4):
            _check_filter(js, "small", small, list("abcdefg"), 3,
                          {"temperature": 1.0, "top_k": top_k, "top_p": top_p, "min_p": None})


def test_market_explorer_arithmetic_matches_python(js, real):
    for temperature in [0.0, 0.05, 0.3, 0.5, 0.7, 1.0, 1.25, 2.0, 3.0]:
        python = Market(real.logits, real.tokens, temperature=temperature, stalls=10, prompt="real-market")
        browser = js.evaluate("([n, t]) => parity.market(n, t)", ["real-market", temperature])
        np.testing.assert_allclose(_decode(browser["probs"], np.float64), python.probs, rtol=0, atol=TOLERANCE)
        assert browser["readouts"] == market_readouts(python)
        assert browser["svg"] == bar_chart_svg(python.chart())


def test_shoppers_drawn_in_the_browser_are_python_draws_for_the_same_uniforms(js, real):
    for temperature, seed in [(0.3, 1), (1.0, 2), (2.0, 3)]:
        uniforms = np.random.default_rng(seed).random((1, 500))[0]
        expected = sampling.sample(real.logits, temperature=temperature, num_samples=500, seed=np.random.default_rng(seed))
        browser = js.evaluate("([n, t, u]) => parity.shoppers(n, t, u)", ["real-market", temperature, uniforms.tolist()])
        assert browser["ids"] == expected.tolist()
        python = Market(real.logits, real.tokens, temperature=temperature, stalls=10, prompt="real-market")
        python.send_shoppers(500, seed=np.random.default_rng(seed))
        assert browser["summary"] == python.shoppers_summary()
        assert browser["svg"] == bar_chart_svg(python.chart())


def test_numbers_are_formatted_as_python_formats_them(js):
    values = [0.0, 1.0, 0.5, 0.25, 0.125, 0.0713, 2.5, 12.125, 0.35, 99.96, 9.996, 289.72, 34293.1, 49152.0,
              1e-7, 2e-7, 1e-300, 0.99999, 0.123456, 1.00049, 0.005, 0.015, 0.045, 3.5124, 0.9, 0.95, 1e-5]
    values += np.random.default_rng(0).lognormal(0, 4, 200).tolist()
    for x, (share, count, general, two, one) in zip(values, js.evaluate("(v) => parity.format(v)", values)):
        assert (share, count, general, two, one) == (
            format_share(x), format_count(max(x, 1e-300)), f"{x:g}", f"{x:.2f}", f"{x:.1f}"), x
