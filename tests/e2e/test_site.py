"""The offline HTML edition (`make site`), opened from file:// in chromium with the network cut off.

The site is built from the committed notebooks into a scratch folder. Every request that is not a local
file is aborted and recorded: there must be none. Each explorer slider is moved with the keyboard: the
readouts must change and say what studykit in Python says for the same setting, computed from the logits
the page holds (the explorer's saved widget state).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from jupyterlab import screenshot

from studykit.views import site
from studykit.views.market import FilteredMarket, Market
from studykit.views.widgets import filter_readouts, market_readouts

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SIZE_BUDGET = 15_000_000  # bytes, the whole site


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "site"
    pages = site.build(out, NOTEBOOKS)
    return out, pages


@pytest.fixture
def offline(browser):
    """A page whose every request off the local file system is aborted (and recorded)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    refused = []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page, refused, errors
    context.close()


def _saved_explorer(notebook_name: str) -> dict:
    notebook = json.loads((ROOT / "notebooks" / notebook_name).read_text(encoding="utf-8"))
    states = list(site.explorer_states(notebook).values())
    assert len(states) == 1, f"{notebook_name} should hold one saved explorer, found {len(states)}"
    state = states[0]
    dtype = "<f4" if state["logits_dtype"] == "float32" else "<f8"
    state["logits"] = np.frombuffer(base64.b64decode(state["logits"]), dtype).astype(np.float64)
    return state


def _tokens(state):
    return [""] * len(state["logits"])  # readouts do not depend on the tokens' text


def _readouts(page, names):
    return {name: page.locator(f".studykit-{name}").first.inner_text() for name in names}


def _value(page, css):
    return float(page.locator(f".studykit-{css} input[type=range]").first.input_value())


def _press(page, css, key, times):
    slider = page.locator(f".studykit-{css} input[type=range]").first
    slider.focus()
    for _ in range(times):
        slider.press(key)


def test_site_has_every_notebook_within_the_size_budget(built):
    out, pages = built
    assert [p.file for p in pages] == [nb.with_suffix(".html").name for nb in NOTEBOOKS]
    assert {p.file: p.explorers for p in pages if p.explorers} == {"01_the_picture.html": 1, "02_the_mechanism.html": 1}
    size = site.site_size(out)
    print(f"site: {size / 1e6:.2f} MB")
    assert size < SIZE_BUDGET
    for file in out.iterdir():
        assert not site.off_machine_references(file.read_text(encoding="utf-8")), file.name


def test_pages_show_the_committed_outputs_and_rendered_math(built, offline):
    out, _ = built
    page, refused, errors = offline
    page.goto((out / "index.html").as_uri())
    links = page.locator("ol a")
    assert links.count() == len(NOTEBOOKS)
    for notebook in NOTEBOOKS:
        page.goto((out / notebook.with_suffix(".html").name).as_uri())
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        figures = sum("image/png" in o.get("data", {}) and "application/vnd.jupyter.widget-view+json" not in o["data"]
                      for c in cells for o in c.get("outputs", []))
        assert page.locator(".jp-OutputArea-output img").count() >= figures, notebook.name
        formulas = sum("".join(c["source"]).count("$$") // 2 for c in cells if c["cell_type"] == "markdown")
        assert page.locator('math[display="block"]').count() == formulas, notebook.name
    assert not refused, f"requests off the machine: {refused}"
    assert not errors, errors


def test_market_explorer_works_from_file_with_the_network_cut_off(built, offline):
    out, _ = built
    page, refused, errors = offline
    state = _saved_explorer("01_the_picture.ipynb")
    page.goto((out / "01_the_picture.html").as_uri())
    explorer = page.locator(".studykit-market-explorer")
    explorer.scroll_into_view_if_needed()
    stalls = len(state["stall_ids"])
    readouts = ["entropy", "effective-stalls"]
    start = _readouts(page, readouts)
    assert start == market_readouts(Market(state["logits"], _tokens(state), temperature=_value(page, "temperature"),
                                           stalls=stalls))
    figure = explorer.locator(".studykit-figure").inner_html()
    _press(page, "temperature", "ArrowLeft", 14)  # 1.00 -> 0.30
    assert _value(page, "temperature") == pytest.approx(0.3)
    moved = _readouts(page, readouts)
    assert moved != start and explorer.locator(".studykit-figure").inner_html() != figure
    assert moved == market_readouts(Market(state["logits"], _tokens(state), temperature=0.3, stalls=stalls))
    page.locator(".studykit-shoppers").click()
    assert page.locator(".studykit-shoppers-summary").inner_text().startswith(f"{state['shoppers']} shoppers at T = 0.30")
    assert not refused, f"requests off the machine: {refused}"
    assert not errors, errors


def test_filter_explorer_works_from_file_with_the_network_cut_off(built, offline):
    out, _ = built
    page, refused, errors = offline
    state = _saved_explorer("02_the_mechanism.ipynb")
    page.goto((out / "02_the_mechanism.html").as_uri())
    explorer = page.locator(".studykit-filter-explorer")
    explorer.scroll_into_view_if_needed()
    readouts = ["kept-count", "entropy", "stages"]
    # Screen readers name each slider by its visible label and read its value as the readout shows it.
    for name, valuetext in [("temperature T", "1.00"), ("top-k (0 = off)", "off"), ("top-p (1 = off)", "0.90"),
                            ("min-p (0 = off)", "off")]:
        slider = page.get_by_role("slider", name=name, exact=True)
        assert slider.get_attribute("aria-valuetext") == valuetext, name
    for css, key, times in [("top-p", "ArrowLeft", 40), ("top-k", "ArrowRight", 50), ("min-p", "ArrowRight", 2),
                            ("temperature", "ArrowLeft", 6)]:
        before = _readouts(page, readouts)
        figure = explorer.locator(".studykit-figure").inner_html()
        _press(page, css, key, times)
        after = _readouts(page, readouts)
        assert after != before and explorer.locator(".studykit-figure").inner_html() != figure, css
        settings = {"temperature": _value(page, "temperature"), "top_k": int(_value(page, "top-k")) or None,
                    "top_p": _value(page, "top-p") if _value(page, "top-p") < 1 else None,
                    "min_p": _value(page, "min-p") or None}
        python = FilteredMarket(state["logits"], _tokens(state), stalls=len(state["stall_ids"]), **settings)
        assert after == filter_readouts(python), settings
    assert settings == pytest.approx({"temperature": 0.7, "top_k": 50, "top_p": 0.5, "min_p": 0.02})
    page.evaluate("() => document.querySelector('.studykit-filter-explorer').closest('.jp-Cell').scrollIntoView()")
    screenshot(page, "site-filter-explorer")
    assert not refused, f"requests off the machine: {refused}"
    assert not errors, errors
