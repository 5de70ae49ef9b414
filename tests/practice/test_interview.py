"""The mock interview: picking questions, the clock, the terminal session, what is saved."""

from __future__ import annotations

import io
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from studykit.practice import interview
from studykit.practice.clock import AnswerTimer, StatusLine, format_seconds
from studykit.practice.interview_terminal import run_interview
from studykit.practice.progress import FollowUpResult, ProgressStore
from studykit.practice.questions import load_bank
from studykit.practice.quiz import Terminal
from tests.typing_learner import FakeClock, InterruptingTerminal, TypingStdin, integrity

BANK_PATH = Path(__file__).parents[1] / "data" / "banks_interview" / "interview.yaml"
BANK = load_bank(BANK_PATH)
BY_ID = {q.id: q for q in BANK}
SOFTMAX, LIMITS, CHAPTER, GREEDY = BANK
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path) -> ProgressStore:
    return ProgressStore(tmp_path / "progress.sqlite3", bank=BANK)


def interview_session(store, lines, questions=(SOFTMAX,), minutes=2.0, terminal=None):
    clock = FakeClock()
    out = io.StringIO()
    term = terminal or Terminal(TypingStdin(lines, clock), out)
    result = run_interview(list(questions), store, term, minutes, clock)
    return result, (out.getvalue() if terminal is None else term.stdout.getvalue())


# One question with two follow-ups, then its review: 2 criteria, 2 follow-up marks.
SOFTMAX_SESSION = [
    "[30] Probabilities over the vocabulary,", "[20] p_i = exp(z_i) / sum <exp>.", ".",   # 50 s
    "[150] Overflow.", ".",                                                               # 150 s
    "[12] It is the smallest.", ".",                                                      # 12 s
    "y", "n",          # rubric
    "y", "n",          # follow-ups answered well?
]


# --- the session in the terminal -------------------------------------------------------------------

def test_a_full_interview_saves_answer_times_and_follow_up_marks(store):
    result, shown = interview_session(store, SOFTMAX_SESSION)
    assert result.stopped_by is None and len(result.saved) == 1
    (attempt,) = store.attempts()
    assert attempt.mode == "interview" and attempt.seconds == 50.0
    assert attempt.answer == "Probabilities over the vocabulary,\np_i = exp(z_i) / sum <exp>."
    assert attempt.rubric_scores == (True, False)
    assert attempt.follow_ups == (
        FollowUpResult("Why subtract the maximum logit first?", "Overflow.", 150.0, True),
        FollowUpResult("What happens to p_i when z_i < z_j for every j?", "It is the smallest.", 12.0, False))
    # the third follow-up is never asked: at most two
    assert "Is the softmax invertible?" not in shown


def test_timestamps_when_not_a_terminal_and_going_over_is_noted_not_cut_off(store):
    _, shown = interview_session(store, SOFTMAX_SESSION)
    assert "Clock started: 2:00 time box." in shown
    assert "⏱ 0:50 of 2:00" in shown
    assert "⏱ 2:30, 0:30 over the 2:00 time box" in shown  # the answer was still taken whole
    assert "⏱ 0:12 of 2:00" in shown
    assert "\033[" not in shown  # nothing is redrawn on a pipe


def test_follow_ups_are_asked_before_any_answer_is_revealed(store):
    _, shown = interview_session(store, SOFTMAX_SESSION)
    order = [shown.index(text) for text in (
        SOFTMAX.question, "Follow-up 1:", "Why subtract the maximum logit first?", "Follow-up 2:",
        "That is the interview.", "Model answer", SOFTMAX.look_for[0], "Traps: did your answer say",
        SOFTMAX.follow_ups[0].answer[:30])]
    assert order == sorted(order)
    interview_part = shown[:shown.index("That is the interview.")]
    for revealed in (SOFTMAX.model_answer[:30], SOFTMAX.follow_ups[0].answer, SOFTMAX.traps[0].claim):
        assert revealed not in interview_part


def test_the_review_shows_critique_strong_answer_look_fors_and_traps(store):
    lines = ["[10] divide by T", ".", "[10] no", ".", "[10] grows", ".", "y", "y", "y", "y"]
    _, shown = interview_session(store, lines, [CHAPTER])
    for text in ("The chapter's answer", "What an interviewer would mark down", "It never says how",
                 "A strong answer", "look for: Writes z_i / T inside the exponential.",
                 "✗ Temperature is applied after the softmax", "answered well? [y/n]",
                 "Answer: No. Dividing by a positive T keeps the order of the logits."):
        assert text in shown, text


def test_the_summary_has_times_criteria_follow_ups_weakest_criteria_and_next_review(store):
    lines = SOFTMAX_SESSION[:7] + ["[70] greedy", ".", "[200] yes", "."] + SOFTMAX_SESSION[7:] + ["n", "y"]
    result, shown = interview_session(store, lines, [SOFTMAX, GREEDY])
    assert len(result.saved) == 2
    summary = shown[shown.index("── Summary"):]
    rows = {line.split()[0]: line for line in summary.splitlines() if line.startswith("iv-")}
    assert rows["iv-softmax"].split("  ")[0] == "iv-softmax"
    assert "0:50 + 2:30 (over) + 0:12" in rows["iv-softmax"]
    assert "1/2" in rows["iv-softmax"] and "in 35 minutes" in rows["iv-softmax"]  # Hard
    assert "1:10 + 3:20 (over)" in rows["iv-greedy"] and "0/1" in rows["iv-greedy"]
    assert "in 10 minutes" in rows["iv-greedy"]  # a miss comes back in the same sitting
    assert "Criteria you missed, to work on:" in summary
    assert "iv-softmax: Says they sum to one. (look for: States that the values add up to 1.)" in summary
    assert "iv-greedy: Says the most likely token." in summary
    assert "2 attempts saved" in summary


@pytest.mark.parametrize("lines_kept, saved", [
    (0, 0),     # nothing typed
    (2, 0),     # inside the first answer
    (5, 0),     # inside the follow-ups
    (8, 0),     # inside the review's rubric
    (10, 0),    # after the follow-up mark 1 of 2
    (11, 1),    # the whole review: saved
])
def test_end_of_input_at_any_point_saves_only_whole_reviews(store, lines_kept, saved):
    result, shown = interview_session(store, SOFTMAX_SESSION[:lines_kept])
    assert len(store.attempts()) == len(result.saved) == saved and integrity(store.path) == "ok"
    if saved == 0:
        assert result.stopped_by == "end of input" and "No attempts saved this session." in shown


# prompts: 1-7 question 1 and its follow-ups, 8-11 question 2 and its follow-up, 12-15 the review
# of question 1 (saved after 15), 16 on the review of question 2
@pytest.mark.parametrize("interrupt_at, saved", [(1, 0), (4, 0), (9, 0), (13, 0), (15, 0), (16, 1)])
def test_ctrl_c_at_any_point_saves_nothing_partial(store, interrupt_at, saved):
    # two questions: Ctrl-C in the second's review keeps the first, reviewed and saved
    lines = SOFTMAX_SESSION[:7] + ["[5] g", "."] + ["[5] yes", "."] + SOFTMAX_SESSION[7:] + ["y", "y"]
    clock = FakeClock()
    term = InterruptingTerminal(TypingStdin(lines, clock), interrupt_at)
    result = run_interview([SOFTMAX, GREEDY], store, term, 2.0, clock)
    assert result.stopped_by == "Ctrl-C"
    assert len(store.attempts()) == saved and integrity(store.path) == "ok"
    assert "Stopped (Ctrl-C). Questions not yet reviewed were not saved." in term.stdout.getvalue()


# --- picking the questions -------------------------------------------------------------------------

def test_a_new_learner_gets_one_question_of_each_difficulty_first(store):
    picks = interview.pick_questions(BANK, store, 3, T0)
    assert [q.difficulty for q in picks] == ["easy", "hard", "medium"]
    assert [q.id for q in picks] == ["iv-softmax", "iv-limits", "iv-chapter-softmax"]


def test_due_questions_come_first_then_difficulties_mix(store):
    # iv-limits and iv-chapter-softmax were answered well yesterday: not due today
    for q in (LIMITS, CHAPTER):
        store.record(q.id, [True] * len(q.rubric), "x", answered_at=T0)
    store.record(GREEDY.id, [False], "x", answered_at=T0)  # missed: due again in 10 minutes
    now = T0 + timedelta(hours=2)
    picks = interview.pick_questions(BANK, store, 4, now)
    assert [q.id for q in picks][:2] == ["iv-greedy", "iv-softmax"]  # due (overdue first), then new
    assert {q.id for q in picks[2:]} == {"iv-limits", "iv-chapter-softmax"}
    assert len(interview.pick_questions(BANK, store, 10, now)) == len(BANK)


def test_at_most_two_follow_ups_and_only_answered_ones():
    assert [f.question for f in interview.follow_ups_to_ask(SOFTMAX)] == [
        "Why subtract the maximum logit first?", "What happens to p_i when z_i < z_j for every j?"]
    assert len(interview.follow_ups_to_ask(GREEDY)) == 1


@pytest.mark.parametrize("questions, minutes, words", [
    (0, 2, "--questions must be a whole number of at least 1, not 0"),
    (True, 2, "--questions must be a whole number"),
    (3, 0, "--minutes must be more than 0 and at most 60, not 0"),
    (3, -1.5, "not -1.5"),
    (3, 61, "not 61"),
    (3, float("nan"), "not nan"),
])
def test_bad_settings_name_the_option_and_the_range(questions, minutes, words):
    with pytest.raises(ValueError, match=words):
        interview.check_settings(questions, minutes)


def test_an_exchange_cannot_be_saved_before_its_review(store):
    exchange = interview.Exchange(SOFTMAX, interview.Answer("x", 3.0))
    with pytest.raises(ValueError, match="review iv-softmax before saving it"):
        exchange.save(store)
    exchange.rubric_scores, exchange.follow_up_marks = [True, True], [True]
    with pytest.raises(ValueError, match="follow_up_marks has 1 marks for 0 follow-ups"):
        exchange.save(store)
    assert store.attempts() == []


# --- the clock -------------------------------------------------------------------------------------

@pytest.mark.parametrize("seconds, text", [(0, "0:00"), (59.99, "0:59"), (60, "1:00"), (754.2, "12:34"), (-3, "0:00")])
def test_format_seconds(seconds, text):
    assert format_seconds(seconds) == text


def test_the_timer_notes_going_over_the_time_box():
    clock = FakeClock()
    timer = AnswerTimer(90, clock)
    clock.now += 89.5
    assert timer.status() == "1:29 of 1:30"
    clock.now += 41
    assert timer.elapsed == 130.5 and timer.status() == "2:10, 0:40 over the 1:30 time box"
    with pytest.raises(ValueError, match="time_box must be more than 0 seconds"):
        AnswerTimer(0)


def test_the_live_status_line_draws_on_the_bottom_row_and_gives_the_screen_back(monkeypatch):
    monkeypatch.setenv("LINES", "30")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setattr("studykit.practice.clock.REDRAW_EVERY_S", 0.05)
    import threading

    from studykit.practice import clock as clock_module

    redrawn_later, draw = threading.Event(), clock_module.StatusLine._draw

    def noting_draw(line):
        draw(line)
        if line.timer.elapsed >= 65:
            redrawn_later.set()

    monkeypatch.setattr(clock_module.StatusLine, "_draw", noting_draw)
    read, write = os.pipe()
    clock = FakeClock()
    with open(write, "w", encoding="utf-8") as stream:
        with StatusLine(AnswerTimer(120, clock), stream, live=True):
            clock.now += 65
            assert redrawn_later.wait(timeout=10)  # the background thread redrew the later time
    drawn = os.read(read, 100_000).decode()
    os.close(read)
    assert drawn.startswith("\n\0337\033[1;29r\0338\033[1A")  # rows 1-29 scroll; row 30 is the clock's
    assert "\0337\033[30;1H\033[2K⏱ 0:00 of 2:00" in drawn
    assert "⏱ 1:05 of 2:00" in drawn
    assert drawn.endswith("\0337\033[30;1H\033[2K\033[r\0338")  # cleared, whole screen scrolls again


def test_no_status_line_when_not_live():
    with StatusLine(AnswerTimer(60, FakeClock()), io.StringIO(), live=False) as line:
        assert line._thread is None
