"""Readiness in a real JupyterLab: set the interview date, answer a question, see the figure move."""

import re
from datetime import datetime, timedelta, timezone

import pytest
from jupyterlab import assert_no_widget_errors, open_notebook, run_all_cells, screenshot, text_of, wait_for_change

from studykit.practice.progress import ProgressStore

pytestmark = pytest.mark.e2e


def _button(container, css_class: str):
    return container.locator(f"button.{css_class}, .{css_class} button").first


def _recall(text: str) -> float:
    return float(re.search(r"predicted recall on \S+ ([\d.]+)%", text).group(1))


def test_setting_a_date_and_answering_a_question_moves_the_readiness_figure(lab, page):
    open_notebook(page, lab, "05_practice.ipynb")
    run_all_cells(page)
    interview = datetime.now(timezone.utc).date() + timedelta(days=10)

    panel = page.locator(".studykit-readiness").first
    panel.scroll_into_view_if_needed()
    panel.locator(".studykit-readiness-date input").fill(interview.isoformat())
    page.wait_for_timeout(300)  # the date reaches the kernel before Save reads it
    _button(panel, "studykit-readiness-save").click()
    before = wait_for_change(page, lambda: text_of(page, "studykit-readiness-figure", timeout=0), "",
                             "the readiness figure after saving the date")
    assert f"predicted recall on {interview.isoformat()} 0.0%" in before, before
    assert ProgressStore(lab.home / "data" / "progress.sqlite3").interview_date() == interview

    card = page.locator(".studykit-practice").first
    card.scroll_into_view_if_needed()
    card.locator(".studykit-answer textarea").fill(
        "Temperature divides the logits by T before the softmax: T < 1 sharpens, T > 1 flattens.")
    _button(card, "studykit-reveal").click()
    boxes = card.locator(".studykit-criterion input[type=checkbox]")
    boxes.first.wait_for(state="visible")
    for i in range(boxes.count()):
        boxes.nth(i).check()
    status = text_of(page, "studykit-status", timeout=0)
    _button(card, "studykit-save").click()
    assert "Saved attempt" in wait_for_change(page, lambda: text_of(page, "studykit-status"), status,
                                              "status after saving")

    panel.scroll_into_view_if_needed()
    _button(panel, "studykit-readiness-update").click()
    after = wait_for_change(page, lambda: text_of(page, "studykit-readiness-figure"), before,
                            "the readiness figure after answering")
    assert _recall(after) > _recall(before) == 0.0, (before, after)
    assert "(done)" in text_of(page, "studykit-readiness-details")
    chart = panel.locator(".studykit-readiness-chart img")  # recall by topic, now and after today
    chart.first.wait_for(state="visible")
    assert chart.count() == 1
    panel.locator(".studykit-readiness-figure").scroll_into_view_if_needed()
    screenshot(page, "readiness-after-an-answer")
    assert_no_widget_errors(page)
