"""A learner in a real JupyterLab: runs the notebooks, moves the sliders, answers and saves a question.

nbval runs every cell but never renders a widget; these tests catch a broken widget front end
("Error displaying widget") and sliders that do not reach the kernel.
"""

import json
import urllib.request
from urllib.parse import urlparse

import pytest
from jupyterlab import (assert_no_widget_errors, drag_slider, number_in, open_notebook, run_all_cells, screenshot,
                        scroll_into_view, text_of, wait_for_change, wait_until_the_kernel_has_answered)

from studykit.practice.progress import ProgressStore

pytestmark = pytest.mark.e2e


def _move_and_read(page, slider_class, fraction, readout_class, what):
    """Drag a slider; wait until the kernel has updated the readout; return its settled text."""
    before = text_of(page, readout_class)
    drag_slider(page, slider_class, fraction)
    wait_for_change(page, lambda: text_of(page, readout_class), before, what)
    wait_until_the_kernel_has_answered(page)  # a drag sends several values: read after the last one
    return text_of(page, readout_class)


def test_temperature_slider_reshapes_the_market(lab, page):
    open_notebook(page, lab, "01_the_picture.ipynb")
    run_all_cells(page)
    figure = page.locator(".studykit-figure").first

    cold = number_in(_move_and_read(page, "studykit-temperature", 0.0, "studykit-entropy", "entropy at low T"))
    cold_figure = figure.inner_html()
    scroll_into_view(page, figure)
    screenshot(page, "picture-cold")

    hot = number_in(_move_and_read(page, "studykit-temperature", 1.0, "studykit-entropy", "entropy at high T"))
    hot_figure = figure.inner_html()
    screenshot(page, "picture-hot")

    assert hot > cold, f"entropy should rise with temperature: {cold} -> {hot}"
    assert "<svg" in hot_figure and hot_figure != cold_figure
    assert_no_widget_errors(page)


def test_top_p_slider_changes_how_many_stalls_survive(lab, page):
    open_notebook(page, lab, "02_the_mechanism.ipynb")
    run_all_cells(page)
    before = number_in(text_of(page, "studykit-kept-count"))
    after = number_in(_move_and_read(page, "studykit-top-p", 0.3, "studykit-kept-count", "kept-token count"))
    page.locator(".studykit-filter-explorer").first.scroll_into_view_if_needed()
    screenshot(page, "mechanism-top-p")
    assert after != before and 1 <= after <= 49152
    assert_no_widget_errors(page)


def test_an_answer_graded_in_the_practice_notebook_is_saved(lab, page):
    open_notebook(page, lab, "05_practice.ipynb")
    run_all_cells(page)
    card = page.locator(".studykit-practice").first
    card.scroll_into_view_if_needed()
    answer = "Temperature divides the logits before the softmax: below 1 it sharpens, above 1 it flattens."
    card.locator(".studykit-answer textarea").fill(answer)
    card.locator(".studykit-reveal button, button.studykit-reveal").first.click()
    boxes = card.locator(".studykit-criterion input[type=checkbox]")
    boxes.first.wait_for(state="visible")
    criteria = boxes.count()
    boxes.nth(0).check()
    boxes.nth(2).check()
    before = text_of(page, "studykit-status", timeout=0)  # may rightly be empty before saving
    card.locator(".studykit-save button, button.studykit-save").first.click()
    status = wait_for_change(page, lambda: text_of(page, "studykit-status"), before, "status after saving")
    assert "Saved attempt" in status, status
    screenshot(page, "practice-saved")
    assert_no_widget_errors(page)

    attempts = [a for a in ProgressStore(lab.home / "data" / "progress.sqlite3").attempts() if a.answer == answer]
    assert len(attempts) == 1
    expected = [1 if i in (0, 2) else 0 for i in range(criteria)]
    assert list(attempts[0].rubric_scores) == expected


def test_jupyterlab_asks_nothing_about_news_and_stays_on_this_machine(lab, page):
    # The kit's JupyterLab settings (jupyter/, installed into the venv by `make install`) turn off the
    # "Would you like to get notified about official Jupyter news?" prompt and the lookups behind it.
    outside = []
    page.on("request", lambda request: outside.append(request.url)
            if urlparse(request.url).hostname not in ("127.0.0.1", "localhost") and request.url.startswith("http") else None)
    open_notebook(page, lab, "01_the_picture.ipynb")
    page.wait_for_timeout(5000)  # the news prompt used to appear within a second or two of loading
    assert "official Jupyter news" not in page.inner_text("body")
    assert page.locator(".jp-toast-message, .Toastify__toast").count() == 0
    screenshot(page, "lab-without-news-prompt")

    def api(path):
        with urllib.request.urlopen(f"{lab.url}/lab/api/{path}?token={lab.token}") as response:
            return json.load(response)

    # The server applies the overrides as the settings' defaults.
    defaults = api("settings/@jupyterlab/apputils-extension:notification")["schema"]["properties"]
    assert defaults["fetchNews"]["default"] == "false" and defaults["checkForUpdates"]["default"] is False
    assert api("news") == {"news": []} and api("update") == {"notification": None}
    assert outside == [], f"JupyterLab reached outside this machine: {outside[:5]}"
