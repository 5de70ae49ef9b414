"""The explorers of 01 and 02 in a real JupyterLab keep working after the kernel is stopped.

Their arithmetic runs in the page (studykit.views.browser_explorers): after the notebook has run, the kernel is
shut down, and each slider is moved with the keyboard. The figure must redraw, and the readouts must say
what studykit in Python says for the slider's new value.
"""

from urllib.parse import urlparse

import pytest
from jupyterlab import (assert_no_widget_errors, open_notebook, press_slider_key, run_all_cells, screenshot,
                        slider_value, text_of, wait_for_change)

from studykit.lm import models
from studykit.views.market import FilteredMarket, Market
from studykit.views.widgets import filter_readouts, market_readouts

pytestmark = [pytest.mark.e2e, pytest.mark.model]

PROMPT = "The cat sat on the"  # the prompt of both notebooks' explorers

_SHUT_DOWN_KERNEL = """async () => {
  const panel = window.jupyterapp.shell.currentWidget;
  await panel.sessionContext.session.kernel.shutdown();
}"""
_KERNEL_STATUS = """() => {
  const session = window.jupyterapp.shell.currentWidget.sessionContext.session;
  const kernel = session && session.kernel;
  return kernel ? kernel.status : 'none';
}"""


def _stop_kernel(page):
    page.evaluate(_SHUT_DOWN_KERNEL)
    page.wait_for_function(f"() => ['dead', 'none', 'unknown'].includes(({_KERNEL_STATUS})())", timeout=30_000)
    return page.evaluate(_KERNEL_STATUS)


def _record_requests_off_the_machine(page) -> list[str]:
    outside = []
    page.on("request", lambda r: urlparse(r.url).hostname not in ("127.0.0.1", "localhost", None)
            and not r.url.startswith(("data:", "blob:")) and outside.append(r.url))
    return outside


def _readouts(page, names):
    return {name: text_of(page, f"studykit-{name}") for name in names}


@pytest.fixture(scope="module")
def dist(lm):
    model, tokenizer = lm
    return models.next_token_distribution(model, tokenizer, PROMPT)


def test_market_explorer_redraws_with_the_kernel_stopped(lab, page, dist):
    outside = _record_requests_off_the_machine(page)
    open_notebook(page, lab, "01_the_picture.ipynb")
    run_all_cells(page)
    status = _stop_kernel(page)
    figure = page.locator(".studykit-market-explorer .studykit-figure").first
    before = figure.inner_html()
    press_slider_key(page, "studykit-temperature", "ArrowLeft", times=8)  # 1.00 -> 0.60
    after = wait_for_change(page, figure.inner_html, before, "the figure after the kernel stopped")
    assert slider_value(page, "studykit-temperature") == pytest.approx(0.6)
    python = Market(dist.logits, dist.tokens, temperature=slider_value(page, "studykit-temperature"))
    assert _readouts(page, ["entropy", "effective-stalls"]) == market_readouts(python)
    assert "T = 0.60" in after and status != "idle"
    page.locator(".studykit-shoppers").first.click()
    assert "100 shoppers at T = 0.60" in text_of(page, "studykit-shoppers-summary")
    screenshot(page, "picture-without-kernel")
    assert_no_widget_errors(page)
    assert outside == [], f"the explorer reached outside this machine: {outside[:5]}"


def test_filter_explorer_redraws_with_the_kernel_stopped(lab, page, dist):
    outside = _record_requests_off_the_machine(page)
    open_notebook(page, lab, "02_the_mechanism.ipynb")
    run_all_cells(page)
    _stop_kernel(page)
    explorer = page.locator(".studykit-filter-explorer").first
    for slider, key, times in [("studykit-top-p", "ArrowLeft", 20), ("studykit-top-k", "ArrowRight", 40),
                               ("studykit-min-p", "ArrowRight", 3), ("studykit-temperature", "ArrowRight", 6)]:
        before = explorer.locator(".studykit-figure").inner_html()
        press_slider_key(page, slider, key, times=times)
        wait_for_change(page, explorer.locator(".studykit-figure").inner_html, before, f"the figure after {slider} moved")
    settings = {name: slider_value(page, f"studykit-{css}") for name, css in
                [("temperature", "temperature"), ("top_k", "top-k"), ("top_p", "top-p"), ("min_p", "min-p")]}
    assert settings == pytest.approx({"temperature": 1.3, "top_k": 40, "top_p": 0.7, "min_p": 0.03})
    python = FilteredMarket(dist.logits, dist.tokens, temperature=settings["temperature"], top_k=int(settings["top_k"]),
                            top_p=settings["top_p"], min_p=settings["min_p"])
    assert _readouts(page, ["kept-count", "entropy", "stages"]) == filter_readouts(python)
    assert_no_widget_errors(page)
    assert outside == [], f"the explorer reached outside this machine: {outside[:5]}"
