"""Filters by tag, notebook and difficulty: what each lets through, how they combine, bad values."""

from pathlib import Path

import pytest

from studykit.practice.questions import DEFAULT_BANK, load_bank
from studykit.practice.selection import (QuestionFilter, UnknownFilterValue, notebook_counts, notebook_number,
                                         notebooks_of, tag_counts)

IV_BANK = load_bank(Path(__file__).parents[1] / "data" / "banks_interview" / "interview.yaml")
BANK = load_bank(DEFAULT_BANK)


def ids(questions):
    return [q.id for q in questions]


def test_a_notebook_is_named_by_the_number_its_file_starts_with():
    assert notebook_number("06_decoding_in_practice") == "06"
    assert QuestionFilter(notebooks=("6",)).notebooks == ("06",)
    assert QuestionFilter(notebooks=("06_decoding_in_practice",)).notebooks == ("06",)


def test_each_filter_alone_reads_its_field_of_the_bank():
    for question in BANK:
        for tag in question.tags:
            assert question in QuestionFilter(tags=(tag,)).apply(BANK)
        for number in {e.notebook[:2] for e in question.evidence}:
            assert question in QuestionFilter(notebooks=(number,)).apply(BANK)
        assert question in QuestionFilter(difficulties=(question.difficulty,)).apply(BANK)
    # and lets nothing else through
    assert all("top-p" in q.tags for q in QuestionFilter(tags=("top-p",)).apply(BANK))
    assert all("06" in notebooks_of(q) for q in QuestionFilter(notebooks=("06",)).apply(BANK))
    assert all(q.difficulty == "hard" for q in QuestionFilter(difficulties=("hard",)).apply(BANK))


def test_the_counts_offered_in_the_menus_are_what_each_filter_matches():
    for tag, count in tag_counts(BANK).items():
        assert len(QuestionFilter(tags=(tag,)).apply(BANK)) == count
    for number, count in notebook_counts(BANK).items():
        assert len(QuestionFilter(notebooks=(number,)).apply(BANK)) == count
    assert "05" not in notebook_counts(BANK)  # the practice notebook is not any question's evidence


def test_values_of_one_filter_are_alternatives_and_different_filters_must_all_hold():
    either = QuestionFilter(tags=("softmax", "greedy")).apply(IV_BANK)
    assert ids(either) == ["iv-softmax", "iv-chapter-softmax", "iv-greedy"]
    both = QuestionFilter(tags=("softmax",), difficulties=("easy",)).apply(IV_BANK)
    assert ids(both) == ["iv-softmax"]
    notebook_and_level = QuestionFilter(notebooks=("06",), difficulties=("hard",)).apply(BANK)
    assert notebook_and_level and all(q.difficulty == "hard" and "06" in notebooks_of(q) for q in notebook_and_level)
    assert len(notebook_and_level) < len(QuestionFilter(notebooks=("06",)).apply(BANK))


def test_no_filter_lets_every_question_through_in_bank_order():
    assert not QuestionFilter()
    assert QuestionFilter().apply(BANK) == BANK


@pytest.mark.parametrize("chosen, message", [
    (QuestionFilter(difficulties=("expert",)),
     "--difficulty must be easy, medium or hard, not 'expert'; e.g. --difficulty medium"),
    (QuestionFilter(notebooks=("05",)),
     "no question's evidence points into notebook '05'; notebooks with questions: 01, 02, 03, 04, 06, 07, 08, 09; "
     "e.g. --notebook 01"),
    (QuestionFilter(notebooks=("99",)), "no question's evidence points into notebook '99'"),
    (QuestionFilter(tags=("topp",)), "no question has the tag 'topp'; did you mean top-p or top-k? tags: "),
])
def test_a_value_no_question_has_is_one_line_listing_the_valid_ones(chosen, message):
    with pytest.raises(UnknownFilterValue) as error:
        chosen.check(BANK)
    assert str(error.value).startswith(message) and "\n" not in str(error.value)
    if chosen.tags:
        assert all(tag in str(error.value) for tag in tag_counts(BANK))


def test_origin_picks_the_books_own_questions_or_this_kits():
    chapter = QuestionFilter(origins=("chapter",)).apply(BANK)
    assert [q.id.split("-")[1] for q in chapter] == [f"q{i}" for i in range(1, 8)]  # the book's q1 .. q7
    assert len(chapter) == 7 and all(q.critique and q.strong_answer for q in chapter)
    assert len(QuestionFilter(origins=("studykit",)).apply(BANK)) == len(BANK) - 7
    with pytest.raises(UnknownFilterValue, match="--origin must be chapter .* or studykit .*, not 'book'"):
        QuestionFilter(origins=("book",)).check(BANK)


def test_the_filter_writes_itself_as_command_line_options():
    chosen = QuestionFilter(tags=("top-p", "top-k"), notebooks=("2",), difficulties=("hard",), origins=("chapter",))
    assert chosen.as_options() == "--tag top-p --tag top-k --notebook 02 --difficulty hard --origin chapter"
    assert QuestionFilter().as_options() == ""
