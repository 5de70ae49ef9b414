"""The practice loop, in the terminal (studykit.practice.quiz) and in the notebook (studykit.practice.widgets)."""

from __future__ import annotations

import io
from types import SimpleNamespace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from studykit.practice import widgets as card_widgets
from studykit.practice.progress import FollowUpResult, ProgressError, ProgressStore
from studykit.practice.questions import UnknownQuestionError, load_bank
from studykit.practice.quiz import Terminal, run_quiz
from tests.typing_learner import InterruptingTerminal, integrity

MINI = load_bank(Path(__file__).parents[1] / "data" / "banks" / "mini.yaml")
SOFTMAX, GREEDY = MINI


@pytest.fixture
def store(tmp_path) -> ProgressStore:
    return ProgressStore(tmp_path / "progress.sqlite3", bank=MINI)


def quiz(store, typed: str, questions=MINI):
    out = io.StringIO()
    result = run_quiz(questions, store, Terminal(io.StringIO(typed), out))
    return result, out.getvalue()


# --- the terminal quiz ------------------------------------------------------------------------------

def test_a_full_session_saves_each_graded_answer(store):
    typed = ("Probabilities over the vocabulary.\n\nThey sum to one.\n.\n"  # blank line kept
             "y\nYES\nn\n"
             "\n"                                                            # Enter: follow-up's answer
             "\n"                                                            # Enter: next question
             "The argmax.\n.\n"
             "n\ny\n\n")                                                     # Enter: follow-up
    result, shown = quiz(store, typed)
    assert result.stopped_by is None and len(result.saved) == 2
    first, second = store.attempts()
    assert first.answer == "Probabilities over the vocabulary.\n\nThey sum to one."
    assert (first.question_id, first.rubric_scores) == ("mini-softmax", (True, True, False))
    assert (second.question_id, second.rubric_scores) == ("mini-greedy", (False, True))
    for text in ("What does the softmax turn logits into?", "A probability distribution over the vocabulary.",
                 "Says they sum to one.", "look for: States that the values add up to 1.",
                 "✗ The softmax picks the most likely token.", "Why subtract the maximum logit first?",
                 "exp of a large logit overflows", "Question 2 of 2 · mini-greedy", "Does temperature change it?"):
        assert text in shown
    assert f"Score: 2 of 3 criteria met → Hard. Saved attempt #{first.id}." in shown
    assert f"Score: 1 of 2 criteria met → Hard. Saved attempt #{second.id}." in shown
    assert "2 attempts saved this session" in shown


def test_the_model_answer_is_revealed_only_after_the_answer(store):
    _, shown = quiz(store, "mine\n.\ny\ny\ny\n", [SOFTMAX])
    assert shown.index("finish with a line holding only '.'") < shown.index("Model answer")
    assert shown.index("Model answer") < shown.index("did your answer meet each criterion")


def test_the_next_review_is_announced(store):
    _, shown = quiz(store, "x\n.\nn\nn\nn\n", [SOFTMAX])
    assert "→ Again." in shown and "Next review: in 10 minutes." in shown


def test_anything_but_y_or_n_is_asked_again(store):
    result, shown = quiz(store, "x\n.\nmaybe\ny\n\nn\nno\n", [SOFTMAX])
    assert shown.count("Please type y or n.") == 2
    assert store.attempts()[0].rubric_scores == (True, False, False)


def test_q_stops_between_questions(store):
    result, shown = quiz(store, "x\n.\ny\ny\ny\n\nq\n")
    assert [a.question_id for a in store.attempts()] == ["mini-softmax"]
    assert result.stopped_by is None and "Question 2 of 2" not in shown


@pytest.mark.parametrize("typed, saved", [
    ("", 0),                                   # nothing typed at all
    ("half an answer\n", 0),                   # input ends inside the answer
    ("x\n.\ny\n", 0),                          # input ends during the rubric
    ("x\n.\ny\ny\ny\n", 1),                    # input ends at the follow-up's answer
    ("x\n.\ny\ny\ny\n\n", 1),                  # ... or at "next question?"
    ("x\n.\ny\ny\ny\n\n\nsecond\n", 1),        # ... or inside the second answer
])
def test_end_of_input_stops_cleanly_and_saves_only_whole_attempts(store, typed, saved):
    result, shown = quiz(store, typed)
    assert len(store.attempts()) == len(result.saved) == saved
    assert integrity(store.path) == "ok"
    assert result.stopped_by == "end of input"
    in_progress = typed.count(".\n") > len(result.saved) or typed.endswith("second\n") or saved == 0
    assert ("The question in progress was not saved." in shown) == in_progress


def test_the_review_order_answers_then_criteria_with_look_fors_then_traps_then_follow_ups(store):
    _, shown = quiz(store, "mine\n.\ny\ny\ny\n\n", [SOFTMAX])
    order = [shown.index(t) for t in (
        "Model answer", "1/3 Says probabilities.", "look for: Uses the word probability",
        "Traps: did your answer say any of these?", "Score: 3 of 3", "Follow-ups an interviewer may ask next",
        "1. Why subtract the maximum logit first?", "press Enter to see one", "exp of a large logit overflows")]
    assert order == sorted(order)


def test_a_chapter_question_shows_its_critique_and_a_strong_answer(store, tmp_path):
    bank = load_bank(Path(__file__).parents[1] / "data" / "banks_interview" / "interview.yaml")
    chapter = next(q for q in bank if q.origin == "chapter")
    store = ProgressStore(tmp_path / "chapter.sqlite3", bank=bank)
    _, shown = quiz(store, "mine\n.\ny\ny\n\n\n", [chapter])
    order = [shown.index(t) for t in ("The chapter's answer", "Temperature scaling modifies the logits",
                                      "What an interviewer would mark down", "It never says how",
                                      "A strong answer", "The logits are divided by T, then")]
    assert order == sorted(order)
    (attempt,) = store.attempts()
    assert attempt.mode == "quiz" and attempt.seconds is not None


def test_the_quiz_records_the_seconds_of_each_answer(store):
    clock = iter([100.0, 163.5])
    run_quiz([SOFTMAX], store, Terminal(io.StringIO("x\n.\ny\ny\ny\n\n"), io.StringIO()),
             clock=lambda: next(clock))
    assert store.attempts()[0].seconds == 63.5


@pytest.mark.parametrize("interrupt_at, saved", [(1, 0), (3, 0), (6, 1), (7, 1), (9, 1)])
def test_ctrl_c_keeps_every_saved_attempt_and_nothing_half_done(store, interrupt_at, saved):
    term = InterruptingTerminal(io.StringIO("x\n.\ny\ny\ny\n\n\nz\n.\ny\ny\n"), interrupt_at)
    result = run_quiz(MINI, store, term)
    assert result.stopped_by == "Ctrl-C"
    assert len(store.attempts()) == saved and integrity(store.path) == "ok"


# --- the notebook practice card ----------------------------------------------------------------------

def classes(widget) -> set[str]:
    return set(widget._dom_classes)


def test_card_starts_on_the_next_due_question_with_the_rubric_hidden(store):
    store.record("mini-softmax", [True, True, True], "x")          # answered well: not due
    card = card_widgets.PracticeSession(MINI, store)
    assert card.question is GREEDY and card.picker.value == "mini-greedy"
    assert card.revealed.layout.display == "none"
    assert [box.description for box in card.checkboxes] == GREEDY.rubric
    assert "What does greedy decoding pick?" in card.question_html.value


def test_card_round_trip_saves_the_ticked_criteria(store):
    card = card_widgets.PracticeSession(MINI, store, "mini-softmax")
    card.answer.value = "Probabilities."
    card.reveal_button.click()
    assert card.revealed.layout.display is None and card.reveal_button.disabled
    assert "A probability distribution over the vocabulary." in card.model_answer.value
    card.checkboxes[0].value = True
    card.checkboxes[2].value = True
    assert "2 of 3 criteria met" in card.score.value and "Hard" in card.score.value
    card.save_button.click()
    [attempt] = store.attempts()
    assert (attempt.question_id, attempt.rubric_scores, attempt.answer) == (
        "mini-softmax", (True, False, True), "Probabilities.")
    assert card.status.value.startswith(f"Saved attempt #{attempt.id} for mini-softmax: 2 of 3 criteria met (Hard).")
    assert card.save_button.disabled  # a second click cannot save the same answer twice
    card.save_button.click()
    assert len(store.attempts()) == 1 and "Already saved as attempt" in card.status.value


def test_card_shows_look_fors_and_traps_and_reveals_follow_ups_one_step_at_a_time(store):
    card = card_widgets.PracticeSession(MINI, store, "mini-softmax")
    look_fors = [w.value for w in card.criteria_box.children if "studykit-look-for" in classes(w)]
    assert len(look_fors) == 3 and "States that the values add up to 1." in look_fors[1]
    assert "Traps: did your answer say any of these?" in card.traps.value
    assert "✗ The softmax picks the most likely token." in card.traps.value
    assert card.follow_ups.value == "" and card.follow_up_button.description == "Show follow-up 1 of 1"
    card.follow_up_button.click()
    assert "Why subtract the maximum logit first?" in card.follow_ups.value
    assert "overflows" not in card.follow_ups.value and card.follow_up_button.description == "Show its answer"
    card.follow_up_button.click()
    assert "exp of a large logit overflows" in card.follow_ups.value
    assert card.follow_up_button.layout.display == "none"


def test_card_records_mode_and_the_seconds_until_reveal(store, monkeypatch):
    times = iter([50.0, 92.0])
    monkeypatch.setattr(card_widgets, "time", SimpleNamespace(monotonic=lambda: next(times)))
    card = card_widgets.PracticeSession(MINI, store, "mini-greedy")
    card.reveal()
    card.save()
    (attempt,) = store.attempts()
    assert (attempt.mode, attempt.seconds) == ("notebook", 42.0)


def test_card_widgets_carry_stable_css_classes(store):
    card = card_widgets.PracticeSession(MINI, store)
    assert "studykit-answer" in classes(card.answer)
    assert "studykit-reveal" in classes(card.reveal_button)
    assert "studykit-save" in classes(card.save_button)
    assert "studykit-status" in classes(card.status)
    assert "studykit-next" in classes(card.next_button)
    assert "studykit-picker" in classes(card.picker)
    assert all({"studykit-criterion", f"studykit-criterion-{i}"} <= classes(box)
               for i, box in enumerate(card.checkboxes, 1))


def test_next_and_picker_move_between_questions(store):
    card = card_widgets.PracticeSession(MINI, store, "mini-softmax")
    card.next_button.click()
    assert card.question is GREEDY and card.answer.value == "" and not card.reveal_button.disabled
    card.picker.value = "mini-softmax"
    assert card.question is SOFTMAX
    card.picker.value = card_widgets.NEXT_DUE
    assert card.question is GREEDY and card.picker.value == "mini-greedy"


def test_a_failed_save_is_reported_on_the_card_and_can_be_retried(store, monkeypatch):
    card = card_widgets.PracticeSession(MINI, store, "mini-greedy")
    card.reveal_button.click()
    monkeypatch.setattr(store, "record", lambda *a, **k: (_ for _ in ()).throw(
        ProgressError("could not save the attempt: disk full")))
    assert card.save() is None
    assert "Not saved: could not save the attempt: disk full" in card.status.value
    assert not card.save_button.disabled
    monkeypatch.undo()
    assert card.save() == store.attempts()[0].id


def test_card_refuses_an_unknown_question(store):
    with pytest.raises(UnknownQuestionError, match="did you mean mini-greedy"):
        card_widgets.PracticeSession(MINI, store, "mini-gredy")


def test_saved_notebook_shows_the_question_as_text(store):
    bundle = card_widgets.PracticeSession(MINI, store, "mini-greedy")._repr_mimebundle_()
    assert "What does greedy decoding pick?" in bundle["text/html"]
    assert bundle["text/plain"].startswith("Practice card: mini-greedy")
    assert "application/vnd.jupyter.widget-view+json" in bundle


# --- progress view and the simulated learner ---------------------------------------------------------

START = datetime(2026, 11, 2, 8, tzinfo=timezone.utc)


def test_progress_view_tables_follow_the_summary(store):
    store.record("mini-softmax", [True, False, False], "x", answered_at=START)
    view = card_widgets.ProgressView(store, now=START + timedelta(hours=1))
    assert repr(view) == "ProgressView: 1 attempt on 1 of 2 questions; 2 due now"
    rows = view.due_table().rows
    assert rows[0] == ("mini-softmax", "1", "1/3", "33%", "-", "-", "overdue by 50 minutes")
    assert rows[1] == ("mini-greedy", "0", "-", "-", "-", "-", "new")
    assert [r[2] for r in view.weakest_table().rows] == ["Says they sum to one.", "Says over the vocabulary."]
    assert "<td style='text-align:left'>Says they sum to one.</td>" in view._repr_html_()
    assert view.scores_figure().axes[0].get_title() == "Scores over time"


def test_progress_view_shows_time_per_answer_and_follow_up_results(store):
    store.record("mini-greedy", [True, False], "x", answered_at=START, mode="interview", seconds=83,
                 follow_ups=[FollowUpResult("Does temperature change it?", "no", 20.0, True)])
    view = card_widgets.ProgressView(store, now=START)
    assert view.due_table().rows[-1][4:6] == ("1:23", "1/1")
    assert view.headline().endswith("; median 0:51 per answer over 2 timed answers; "
                                    "mock-interview follow-ups answered well: 1 of 1")


def test_rating_table_lists_every_possible_grade():
    table = card_widgets.rating_table([2, 4])
    assert table.rows[:3] == [("0 of 2", "0%", "Again"), ("1 of 2", "50%", "Hard"), ("2 of 2", "100%", "Easy")]
    assert len(table.rows) == 3 + 5


def test_simulated_learner_is_repeatable_and_improves(tmp_path):
    bank = load_bank(Path(__file__).resolve().parents[1] / "data" / "banks_interview" / "interview.yaml")
    histories = []
    for run in range(2):
        demo = ProgressStore(tmp_path / f"demo{run}.sqlite3", bank=bank)
        count = card_widgets.simulate_learner(demo, bank, START, days=10, per_day=4, seed=3)
        histories.append([(a.question_id, a.answered_at, a.rubric_scores) for a in demo.attempts()])
        assert count == len(histories[-1])
    assert histories[0] == histories[1]
    first = [sum(s) / len(s) for _, when, s in histories[0] if when < START + timedelta(days=5)]
    second = [sum(s) / len(s) for _, when, s in histories[0] if when >= START + timedelta(days=5)]
    assert sum(second) / len(second) > sum(first) / len(first)
