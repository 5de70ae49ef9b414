"""Notebook 05's filter menus (tag, notebook, difficulty) on the practice card and the interview panel:
the same filters as `studykit quiz` and `studykit interview`, driven as a learner clicks them."""

from __future__ import annotations

from pathlib import Path

import pytest

from studykit.practice.interview_panel import InterviewPanel
from studykit.practice.progress import ProgressStore
from studykit.practice.questions import DEFAULT_BANK, load_bank
from studykit.practice.selection import QuestionFilter, UnknownFilterValue
from studykit.practice.widgets import NEXT_DUE, PracticeSession

BANK = load_bank(DEFAULT_BANK)
IV_BANK = load_bank(Path(__file__).parents[1] / "data" / "banks_interview" / "interview.yaml")


@pytest.fixture
def store(tmp_path) -> ProgressStore:
    return ProgressStore(tmp_path / "progress.sqlite3", bank=BANK)


def picker_ids(card) -> list[str]:
    return [value for _, value in card.picker.options if value != NEXT_DUE]


def test_the_menus_offer_every_value_of_the_bank_with_its_count(store):
    card = PracticeSession(BANK, store)
    tags = dict(card.filters.tag.options)
    assert tags["any tag"] == "" and len(tags) - 1 == len({t for q in BANK for t in q.tags})
    top_p = sum("top-p" in q.tags for q in BANK)
    assert (f"top-p ({top_p})", "top-p") in card.filters.tag.options
    notebooks = [value for _, value in card.filters.notebook.options]
    assert notebooks == ["", "01", "02", "03", "04", "06", "07", "08", "09"]
    assert card.filters.notebook.options[5][0].startswith("06 · decoding in practice (")
    assert [value for _, value in card.filters.difficulty.options] == ["", "easy", "medium", "hard"]
    assert list(card.filters.origin.options) == [("any origin", ""), ("the chapter (7)", "chapter"),
                                                 (f"this kit ({len(BANK) - 7})", "studykit")]
    assert "studykit-question-filters" in card.filters.widget._dom_classes
    assert card.widget.children[0] is card.filters.widget  # the menus come first on the card


def test_choosing_a_notebook_narrows_the_card_to_its_questions(store):
    card = PracticeSession(BANK, store)
    card.filters.notebook.value = "07"
    expected = [q.id for q in QuestionFilter(notebooks=("07",)).apply(BANK)]
    assert picker_ids(card) == expected
    assert card.question.id in expected
    assert f"{len(expected)} questions match --notebook 07." in card.status.value
    card.next_due()
    assert card.question.id in expected  # "Next due" stays inside the filter


def test_menus_combine_and_a_question_still_matching_keeps_what_was_typed(store):
    card = PracticeSession(BANK, store, notebook="06")
    card.answer.value = "half an answer"
    kept = card.question
    card.filters.difficulty.value = kept.difficulty
    assert card.question is kept and card.answer.value == "half an answer"
    assert picker_ids(card) == [q.id for q in BANK if q.difficulty == kept.difficulty
                                and any(e.notebook.startswith("06_") for e in q.evidence)]


def test_a_combination_that_matches_nothing_says_so_and_changes_nothing(store):
    card = PracticeSession(BANK, store, notebook="07")
    before, question = list(card.picker.options), card.question
    card.filters.tag.value = "greedy"  # no question of notebook 07 is tagged greedy
    assert "No question matches --tag greedy --notebook 07 together" in card.status.value
    assert list(card.picker.options) == before and card.question is question
    card.filters.tag.value = card.filters.ANY
    card.filters.notebook.value = card.filters.ANY
    assert picker_ids(card) == [q.id for q in BANK]


def test_the_card_starts_with_filters_given_as_the_command_line_writes_them(store):
    card = PracticeSession(BANK, store, notebook="6", difficulty="hard")
    assert (card.filters.notebook.value, card.filters.difficulty.value) == ("06", "hard")
    assert card.question.difficulty == "hard"
    with pytest.raises(UnknownFilterValue, match="no question's evidence points into notebook '05'; "
                                                 "notebooks with questions: 01, 02, 03, 04, 06, 07, 08, 09"):
        PracticeSession(BANK, store, notebook="05")
    with pytest.raises(UnknownFilterValue, match="--difficulty must be easy, medium or hard"):
        PracticeSession(BANK, store, difficulty="expert")
    with pytest.raises(ValueError, match="does not match --notebook 07"):
        PracticeSession(BANK, store, "ch43-q2-temperature-in-softmax", notebook="07")


def test_the_origin_menu_narrows_the_card_to_the_books_seven(store):
    card = PracticeSession(BANK, store)
    card.filters.origin.value = "chapter"
    assert picker_ids(card) == [q.id for q in BANK if q.origin == "chapter"] and len(picker_ids(card)) == 7


def test_a_saved_attempt_in_a_filtered_card_is_saved_like_any_other(store):
    card = PracticeSession(BANK, store, tag="calibration")
    card.answer.value = "T fitted on held-out NLL"
    card.reveal()
    card.checkboxes[0].value = True
    attempt = card.save()
    (saved,) = store.attempts()
    assert saved.id == attempt and saved.question_id == "ch43-x-temperature-scaling-calibration"


def test_the_interview_panel_picks_among_the_questions_the_menus_let_through(tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3", bank=IV_BANK)
    panel = InterviewPanel(IV_BANK, store, questions=3)
    assert panel.filters.widget in panel.setup.children
    panel.filters.tag.value = "temperature"
    panel.start()
    assert sorted(q.id for q in panel.questions) == ["iv-chapter-softmax", "iv-limits"]
    panel.close()


def test_the_interview_panel_does_not_start_when_nothing_matches(tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3", bank=IV_BANK)
    panel = InterviewPanel(IV_BANK, store, tag="greedy", difficulty="hard")
    panel.start()
    assert "No question matches --tag greedy --difficulty hard together" in panel.status.value
    assert panel.step is None and panel.setup.layout.display is None and panel.questions == []
    with pytest.raises(UnknownFilterValue, match="no question has the tag 'nope'"):
        InterviewPanel(IV_BANK, store, tag="nope")
