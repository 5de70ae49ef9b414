"""The mock interview panel of notebook 05, driven through its methods as the buttons do."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets
import pytest

from studykit.practice.interview_panel import InterviewPanel
from studykit.practice.progress import FollowUpResult, ProgressStore
from studykit.practice.questions import load_bank
from tests.typing_learner import FakeClock

BANK = load_bank(Path(__file__).parents[1] / "data" / "banks_interview" / "interview.yaml")
SOFTMAX, LIMITS, CHAPTER, GREEDY = BANK


@pytest.fixture
def store(tmp_path) -> ProgressStore:
    return ProgressStore(tmp_path / "progress.sqlite3", bank=BANK)


def answer(panel, clock, text: str, seconds: float) -> None:
    panel.answer.value = text
    clock.now += seconds
    panel.done_button.click()


def test_a_whole_interview_in_the_panel(store):
    clock = FakeClock()
    panel = InterviewPanel(BANK, store, questions=2, minutes=1, clock=clock)
    assert panel.setup.layout.display is None and panel.asking.layout.display == "none"
    panel.start_button.click()
    assert [q.id for q in panel.questions] == ["iv-softmax", "iv-limits"]  # new: easy, then hard
    assert panel.asking.layout.display is None and panel.ticker.playing
    assert "What does the softmax turn logits into?" in panel.prompt.value
    assert panel.review_html.value == "" and panel.reviewing_box.layout.display == "none"  # nothing revealed

    answer(panel, clock, "Probabilities <p_i>.", 45)
    assert "follow-up 1" in panel.prompt.value and "Why subtract the maximum" in panel.prompt.value
    assert panel.ticker.playing and panel.ticker.value == -1  # a fresh clock per answer: the first step lands on 0
    answer(panel, clock, "Overflow.", 70)
    assert "Answered in 1:10, 0:10 over the 1:00 time box." in panel.status.value
    answer(panel, clock, "Smallest.", 5)
    assert "Question 2 of 2" in panel.prompt.value
    answer(panel, clock, "Greedy and uniform.", 30)
    answer(panel, clock, "Junk tokens.", 20)

    # the review of question 1
    assert panel.reviewing == 0 and panel.reviewing_box.layout.display is None
    assert "Your answer (0:45)" in panel.review_html.value and "&lt;p_i&gt;" in panel.review_html.value
    assert "Model answer" in panel.review_html.value
    checks = [w for w in panel.criteria.children if isinstance(w, widgets.Checkbox)]
    looks = [w for w in panel.criteria.children if "studykit-look-for" in w._dom_classes]
    assert len(checks) == len(looks) == 2
    assert "Traps: did your answer say any of these?" in panel.traps.value
    wells = [w for w in panel.follow_up_box.children if isinstance(w, widgets.Checkbox)]
    assert len(wells) == 2
    checks[0].value = True
    wells[1].value = True
    panel.save_button.click()
    assert panel.reviewing == 1
    checks = [w for w in panel.criteria.children if isinstance(w, widgets.Checkbox)]
    for box in checks:
        box.value = True
    panel.save_button.click()

    first, second = store.attempts()
    assert (first.mode, first.seconds, first.rubric_scores) == ("interview", 45.0, (True, False))
    assert first.answer == "Probabilities <p_i>."
    assert first.follow_ups == (
        FollowUpResult("Why subtract the maximum logit first?", "Overflow.", 70.0, False),
        FollowUpResult("What happens to p_i when z_i < z_j for every j?", "Smallest.", 5.0, True))
    assert (second.seconds, second.follow_ups[0].seconds, second.rubric_scores) == (30.0, 20.0, (True,) * 3)

    assert "0:45 + 1:10 (over) + 0:05" in panel.summary.value
    assert "iv-softmax: Says they sum to one." in panel.summary.value
    assert panel.status.value.startswith("Interview over: 2 attempts saved")
    assert panel.setup.layout.display is None and panel.reviewing_box.layout.display == "none"


def test_the_clock_readout_follows_the_browser_ticks_and_marks_going_over(store):
    panel = InterviewPanel(BANK, store, questions=1, minutes=0.5, clock=FakeClock())
    panel.start(["iv-greedy"])
    panel.ticker.value = 12  # what the browser's Play sends every second
    assert "Clock: 0:12 of 0:30" in panel.clock_label.value and panel.bar.bar_style == "info"
    panel.ticker.value = 41
    assert "0:41, 0:11 over the 0:30 time box" in panel.clock_label.value
    assert panel.bar.bar_style == "danger" and panel.bar.max == 30


def test_a_failed_save_is_reported_and_can_be_retried(store, monkeypatch):
    clock = FakeClock()
    panel = InterviewPanel(BANK, store, clock=clock)
    panel.start(["iv-greedy"])
    answer(panel, clock, "argmax", 10)
    answer(panel, clock, "yes", 10)
    monkeypatch.setattr(store, "record", lambda *a, **k: (_ for _ in ()).throw(
        ValueError("disk on fire")))
    assert panel.save() is None and "Not saved: disk on fire" in panel.status.value
    assert panel.reviewing == 0
    monkeypatch.undo()
    assert panel.save() == 1 and len(store.attempts()) == 1


def test_bad_settings_are_refused(store):
    with pytest.raises(ValueError, match="--minutes must be more than 0"):
        InterviewPanel(BANK, store, minutes=0)


def test_the_saved_notebook_shows_text_where_widgets_do_not_run(store):
    bundle = InterviewPanel(BANK, store)._repr_mimebundle_()
    assert "Mock interview panel" in bundle["text/html"]
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_close_closes_every_widget_of_the_panel(store):
    clock = FakeClock()
    panel = InterviewPanel(BANK, store, clock=clock)
    panel.start(["iv-greedy"])
    answer(panel, clock, "argmax", 10)
    answer(panel, clock, "yes", 10)
    def tree(w):
        return [w] + [x for child in getattr(w, "children", ()) for x in tree(child)]

    every = tree(panel.widget)
    assert len(every) > 20 and panel.ticker in every and panel.criteria_boxes[0] in every
    panel.close()
    assert all(w.comm is None for w in every) and panel._link.comm is None
