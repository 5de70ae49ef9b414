"""The browser explorers' Python half: what they send once, and the state that follows the sliders.

Their arithmetic in the browser is checked against studykit.maths.sampling in tests/e2e/test_explorer_parity.py.
"""

import base64
import re

import numpy as np
import pytest

from studykit.views import js_bundle

from studykit.maths import sampling
from studykit.views.browser_explorers import FilterExplorer, MarketExplorer, logits_payload
from studykit.views.market import FilteredMarket, Market
from studykit.views.widgets import filter_readouts, market_readouts


def test_logits_are_sent_as_float32_only_when_that_loses_nothing():
    model_scores = np.array([1.5, -2.25, 3.0e-3], dtype=np.float32).astype(np.float64)
    payload, dtype = logits_payload(model_scores)
    assert dtype == "float32" and np.array_equal(np.frombuffer(payload, "<f4"), model_scores)
    precise = np.array([0.1, 1 / 3, 2.0])
    payload, dtype = logits_payload(precise)
    assert dtype == "float64" and np.array_equal(np.frombuffer(payload, "<f8"), precise)


def test_market_explorer_sends_its_logits_stalls_and_title(market_logits, market_tokens):
    explorer = MarketExplorer(market_logits, market_tokens, stalls=8, prompt="The cat sat on the")
    sent = np.frombuffer(explorer.logits, "<f4" if explorer.logits_dtype == "float32" else "<f8")
    np.testing.assert_array_equal(sent, np.asarray(market_logits, dtype=np.float64))
    market = Market(market_logits, market_tokens, stalls=8, prompt="The cat sat on the")
    assert explorer.stall_ids == market.stall_ids.tolist() and explorer.stall_labels == market.stall_labels
    assert explorer.title == market.title() and explorer.kind == "market"


def test_market_state_follows_the_dial_set_from_the_browser(market_logits, market_tokens):
    explorer = MarketExplorer(market_logits, market_tokens)
    explorer.temperature = 0.45  # what a slider move in the page sends back
    np.testing.assert_array_equal(explorer.market.probs, sampling.softmax(market_logits, 0.45))
    assert explorer.entropy_readout.value == market_readouts(Market(market_logits, market_tokens, temperature=0.45))["entropy"]
    explorer.temperature = 1  # JSON sends 1.0 as 1
    assert explorer.market.temperature == 1.0


def test_filter_state_follows_the_sliders_and_their_off_ends(market_logits, market_tokens):
    explorer = FilterExplorer(market_logits, market_tokens, top_p=0.9)
    assert explorer.top_k == 0 and explorer.top_p == 0.9 and explorer.min_p == 0.0
    explorer.temperature, explorer.top_k, explorer.top_p, explorer.min_p = 0.7, 20, 1.0, 0.05
    expected = FilteredMarket(market_logits, market_tokens, temperature=0.7, top_k=20, min_p=0.05)
    assert explorer.settings == {"temperature": 0.7, "top_k": 20, "top_p": None, "min_p": 0.05}
    np.testing.assert_array_equal(explorer.market.kept, expected.kept)
    assert explorer.kept_readout.value == filter_readouts(expected)["kept-count"]
    assert explorer.stages_readout.value == filter_readouts(expected)["stages"]


@pytest.mark.parametrize("trait, value, message", [
    ("temperature", 3.5, "temperature must be a number in [0, 3.0]"),
    ("top_k", 101, "top_k must be an integer >= 0 and <= 100"),
    ("top_p", 0.0, "top_p must be a number in (0, 1]"),
    ("min_p", -0.1, "min_p must be a number in [0, 1]"),
])
def test_out_of_range_slider_values_are_refused(market_logits, market_tokens, trait, value, message):
    explorer = FilterExplorer(market_logits, market_tokens)
    with pytest.raises(ValueError, match=re.escape(message)):
        setattr(explorer, trait, value)


def test_bad_arguments_are_refused_with_the_argument_named(market_logits, market_tokens):
    with pytest.raises(ValueError, match="temperature must be a number in"):
        MarketExplorer(market_logits, market_tokens, temperature=4.0)
    with pytest.raises(ValueError, match="top_k must be an integer >= 1 and <= 100"):
        FilterExplorer(market_logits, market_tokens, top_k=0)
    with pytest.raises(ValueError, match="seed must be an integer"):
        MarketExplorer(market_logits, market_tokens, seed=-1)


def test_notebook_output_carries_a_snapshot_and_a_summary_for_viewers_without_javascript(market_logits, market_tokens):
    explorer = FilterExplorer(market_logits, market_tokens, top_p=0.9)
    data, _metadata = explorer._repr_mimebundle_()
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.model_id
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")
    assert data["text/plain"].startswith(f"FilterExplorer at {explorer.market.summary()}")


def test_the_browser_module_is_one_file_with_no_imports_and_every_part():
    module = js_bundle.explorer_module()
    assert not re.search(r"^\s*import\b", module, re.MULTILINE)
    for name in js_bundle.FILES:
        assert f"// ---- {name}" in module
    assert module.count("export default") == 1
    assert MarketExplorer._esm == module
