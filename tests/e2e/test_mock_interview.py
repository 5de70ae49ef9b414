"""One full mock interview in a real JupyterLab: answer, follow-ups, review, save, then the database.

The panel's clock is a Play widget counting in the browser; the test checks that it ticks while the
kernel is idle (nothing blocks it), that each stage appears in turn, and that the saved attempt
holds the answers, their seconds and the self-marks.
"""

import time

import pytest
from jupyterlab import (_NOTEBOOK_STATE, assert_no_widget_errors, open_notebook, run_all_cells, screenshot, text_of,
                        wait_for_change, wait_until_the_kernel_has_answered)

from studykit.practice.progress import ProgressStore

pytestmark = pytest.mark.e2e


def _button(panel, css_class: str):
    return panel.locator(f"button.{css_class}, .{css_class} button").first


def _wait_for_text(page, css_class: str, needle: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    text = text_of(page, css_class, timeout=0)
    while needle not in text and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        text = text_of(page, css_class, timeout=0)
    assert needle in text, f"{needle!r} did not appear in .{css_class} within {timeout:.0f} s: {text!r}"
    return text


def _answer(page, panel, text: str, stage: str) -> None:
    """Type an answer and press Done, once the prompt shows ``stage``."""
    _wait_for_text(page, "studykit-interview-prompt", stage)
    panel.locator(".studykit-interview-answer textarea").fill(text)
    _button(panel, "studykit-interview-done").click()


def test_a_mock_interview_in_the_notebook_is_timed_reviewed_and_saved(lab, page):
    open_notebook(page, lab, "05_practice.ipynb")
    run_all_cells(page, timeout=120)
    panel = page.locator(".studykit-interview").first
    panel.scroll_into_view_if_needed()

    count = panel.locator(".studykit-interview-count input")
    count.fill("1")
    count.press("Enter")
    wait_until_the_kernel_has_answered(page)  # the value has reached the kernel before Start reads it
    _button(panel, "studykit-interview-start").click()

    # The clock on screen never runs ahead of the kernel's timing of the answer: once it shows
    # 0:01, an answer given at once has taken at least a second.
    at_zero = _wait_for_text(page, "studykit-interview-clock", "0:00 of 2:00")
    ticked = wait_for_change(page, lambda: text_of(page, "studykit-interview-clock"), at_zero,
                             "the interview clock")
    assert "0:01 of 2:00" in ticked, ticked
    answer = "Temperature divides the logits by T before the softmax: T < 1 sharpens, T > 1 flattens."
    _answer(page, panel, answer, "Question 1 of 1")
    # the follow-ups come before anything is revealed
    assert not panel.locator(".studykit-interview-review").first.is_visible()

    # The clock ticks in the browser while the kernel sits idle.
    _wait_for_text(page, "studykit-interview-prompt", "follow-up 1")
    first = _wait_for_text(page, "studykit-interview-clock", "of 2:00")
    wait_for_change(page, lambda: text_of(page, "studykit-interview-clock"), first, "the interview clock")
    assert page.evaluate(_NOTEBOOK_STATE)["kernel"] == "idle"
    screenshot(page, "mock-interview-clock")
    _answer(page, panel, "First follow-up, answered.", "follow-up 1")
    _answer(page, panel, "Second follow-up, answered.", "follow-up 2")

    review = panel.locator(".studykit-interview-review").first
    review.wait_for(state="visible")
    assert "Your answer" in review.inner_text() and "look for:" in review.inner_text()
    boxes = review.locator(".studykit-criterion input[type=checkbox]")
    criteria = boxes.count()
    boxes.nth(0).check()
    boxes.nth(1).check()
    review.locator(".studykit-follow-up-well-1 input[type=checkbox]").check()
    review.scroll_into_view_if_needed()
    screenshot(page, "mock-interview-review")
    _button(panel, "studykit-interview-save").click()

    _wait_for_text(page, "studykit-interview-status", "Interview over: 1 attempt saved")
    summary = text_of(page, "studykit-interview-summary")
    assert "criteria met" in summary and "comes back" in summary and f"2/{criteria}" in summary
    panel.locator(".studykit-interview-summary").first.scroll_into_view_if_needed()
    screenshot(page, "mock-interview-summary")
    assert_no_widget_errors(page)

    attempts = [a for a in ProgressStore(lab.home / "data" / "progress.sqlite3").attempts() if a.mode == "interview"]
    assert len(attempts) == 1
    attempt = attempts[0]
    assert attempt.answer == answer
    assert attempt.seconds >= 1.0  # the clock had ticked to a later second before the answer was given
    assert list(attempt.rubric_scores) == [True, True] + [False] * (criteria - 2)
    assert [f.answer for f in attempt.follow_ups] == ["First follow-up, answered.", "Second follow-up, answered."]
    assert [f.answered_well for f in attempt.follow_ups] == [True, False]
    assert all(f.seconds is not None and f.seconds >= 0 for f in attempt.follow_ups)
