"""`studykit quiz`, `interview` and `list` with --tag, --notebook and --difficulty, alone, together,
with --due, and with values no question has."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from studykit.practice import interview_terminal, quiz
from studykit.practice.cli import main
from studykit.practice.progress import ProgressStore
from studykit.practice.questions import DEFAULT_BANK, load_bank

BANK = load_bank(DEFAULT_BANK)
MINI = Path(__file__).parents[1] / "data" / "banks" / "mini.yaml"


def with_tag(tag):
    return {q.id for q in BANK if tag in q.tags}


def in_notebook(number):
    return {q.id for q in BANK if any(e.notebook.startswith(f"{number}_") for e in q.evidence)}


def of_level(level):
    return {q.id for q in BANK if q.difficulty == level}


def of_origin(origin):
    return {q.id for q in BANK if q.origin == origin}


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "progress.sqlite3"


@pytest.fixture
def asked(monkeypatch):
    """The ids each session was given, in order; the real quiz and interview still run (on no input)."""
    seen: dict[str, list[str]] = {}

    def spy(name, real):
        def run(questions, *args, **kwargs):
            seen[name] = [q.id for q in questions]
            return real(questions, *args, **kwargs)
        return run

    monkeypatch.setattr(quiz, "run_quiz", spy("quiz", quiz.run_quiz))
    monkeypatch.setattr(interview_terminal, "run_interview", spy("interview", interview_terminal.run_interview))
    return seen


def run(capsys, monkeypatch, *argv, typed: str = ""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(typed))
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# --- each filter, then together -----------------------------------------------------------------

@pytest.mark.parametrize("options, expected", [
    (["--tag", "top-p"], with_tag("top-p")),
    (["--notebook", "06"], in_notebook("06")),
    (["--notebook", "7"], in_notebook("07")),  # the number as typed without its zero
    (["--difficulty", "hard"], of_level("hard")),
    (["--origin", "chapter"], of_origin("chapter")),  # the book's seven: the README's hour path
    (["--tag", "top-k", "--tag", "top-p"], with_tag("top-k") | with_tag("top-p")),  # either tag
    (["--difficulty", "easy", "--difficulty", "hard"], of_level("easy") | of_level("hard")),
    (["--notebook", "06", "--difficulty", "hard"], in_notebook("06") & of_level("hard")),  # both
    (["--origin", "chapter", "--notebook", "02"], of_origin("chapter") & in_notebook("02")),
    (["--tag", "temperature", "--notebook", "04", "--difficulty", "easy"],
     with_tag("temperature") & in_notebook("04") & of_level("easy")),
])
def test_quiz_asks_exactly_the_questions_the_filters_let_through(capsys, monkeypatch, db, asked, options, expected):
    assert expected and len(expected) < len(BANK)  # each case really filters
    code, out, err = run(capsys, monkeypatch, "quiz", "--db", db, *options)
    assert code == 0, err
    assert len(asked["quiz"]) == len(expected) and set(asked["quiz"]) == expected
    assert f"Question 1 of {len(expected)} · {asked['quiz'][0]}" in out


def test_filters_combine_with_due(capsys, monkeypatch, db, asked):
    chapter_06 = sorted(in_notebook("06"))
    answered = chapter_06[0]
    rubric = next(q for q in BANK if q.id == answered).rubric
    ProgressStore(db, bank=BANK).record(answered, [True] * len(rubric), "a full answer")
    code, _, err = run(capsys, monkeypatch, "quiz", "--due", "--notebook", "06", "--db", db)
    assert code == 0, err
    assert set(asked["quiz"]) == set(chapter_06) - {answered}  # the one just answered well is not due


def test_nothing_due_among_the_filtered_says_which_and_what_comes_next(capsys, monkeypatch, tmp_path):
    db = tmp_path / "progress.sqlite3"
    store = ProgressStore(db, bank=load_bank(MINI))
    store.record("mini-softmax", [True, True, True], "all of it")  # mini-softmax: notebook 02's only question
    for command in ("quiz", "interview"):
        code, out, err = run(capsys, monkeypatch, command, "--due", "--notebook", "02", "--bank", MINI, "--db", db)
        assert code == 0 and err == ""
        assert out.startswith("Nothing matching --notebook 02 is due. Next review: mini-softmax, ")
        assert f"Run `studykit {command}` without --due to practise anyway." in out


def test_interview_picks_among_the_filtered_only(capsys, monkeypatch, db, asked):
    code, out, err = run(capsys, monkeypatch, "interview", "--notebook", "07", "--questions", "5", "--db", db)
    assert code == 0, err
    assert set(asked["interview"]) == in_notebook("07") and len(in_notebook("07")) < 5
    assert f"Mock interview: {len(in_notebook('07'))} questions" in out


def test_interview_with_due_and_a_difficulty(capsys, monkeypatch, db, asked):
    easy = sorted(of_level("easy"))
    store = ProgressStore(db, bank=BANK)
    for qid in easy[:-1]:  # all but one easy question answered in full: not due
        store.record(qid, [True] * 4, "a full answer")
    code, _, err = run(capsys, monkeypatch, "interview", "--due", "--difficulty", "easy", "--db", db)
    assert code == 0, err
    assert asked["interview"] == [easy[-1]]


def test_list_takes_the_same_filters(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "list", "--tag", "calibration")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == [q.id for q in BANK if "calibration" in q.tags]


def test_a_filtered_quiz_in_the_terminal_saves_only_what_it_asked(capsys, monkeypatch, db):
    # mini-softmax is the mini bank's only question with evidence (notebook 02)
    code, out, _ = run(capsys, monkeypatch, "quiz", "--notebook", "02", "--bank", MINI, "--db", db,
                       typed="Probabilities.\n.\ny\ny\ny\n\n")
    assert code == 0 and "1 attempt saved this session" in out
    assert [a.question_id for a in ProgressStore(db).attempts()] == ["mini-softmax"]


# --- bad values: one line, exit 2, nothing opened -------------------------------------------------

BAD = [
    (["--tag", "topp"], "no question has the tag 'topp'; did you mean top-p or top-k? tags: "),
    (["--notebook", "05"], "no question's evidence points into notebook '05'; notebooks with questions: "
                           "01, 02, 03, 04, 06, 07, 08, 09; e.g. --notebook 01"),
    (["--notebook", "x1"], "no question's evidence points into notebook 'x1'; notebooks with questions: 01,"),
    (["--difficulty", "expert"], "--difficulty must be easy, medium or hard, not 'expert'; e.g. --difficulty medium"),
    (["--difficulty", "Hard"], "--difficulty must be easy, medium or hard, not 'Hard'"),
    (["--origin", "book"], "--origin must be chapter (the book's own questions) or studykit (written for this kit), "
                           "not 'book'; e.g. --origin chapter"),
    (["--tag", "top-p", "--tag", "nope"], "no question has the tag 'nope';"),
    (["--notebook", "07", "--difficulty", "easy", "--tag", "greedy"],
     "no question matches --tag greedy --notebook 07 --difficulty easy together; drop one of them"),
    (["--question", "ch43-q2-temperature-in-softmax", "--tag", "softmax"],
     "--question picks questions by id, so it takes no --tag, --notebook, --difficulty or --origin"),
]


@pytest.mark.parametrize("command", ["quiz", "interview"])
@pytest.mark.parametrize("options, message", BAD)
def test_a_bad_filter_is_one_line_naming_the_valid_values_and_exit_2(capsys, monkeypatch, db, command, options, message):
    code, out, err = run(capsys, monkeypatch, command, "--db", db, *options)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"studykit: error: {message}")
    assert not db.exists()  # refused before the progress database was opened


def test_an_unknown_tag_lists_every_valid_tag(capsys, monkeypatch, db):
    _, _, err = run(capsys, monkeypatch, "quiz", "--db", db, "--tag", "no-such-tag")
    valid = err.split("tags: ", 1)[1].split("; e.g.")[0].split(", ")
    assert valid == sorted({t for q in BANK for t in q.tags})


def test_interview_refuses_due_beside_question(capsys, monkeypatch, db):
    code, out, err = run(capsys, monkeypatch, "interview", "--db", db, "--due", "--question",
                         "ch43-q2-temperature-in-softmax")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "give --question or --due, not both" in err and not db.exists()
