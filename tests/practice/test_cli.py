"""The `studykit` command: check, list, quiz, progress, export."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studykit.practice.cli import main
from studykit.practice.progress import ProgressStore
from tests.practice.cli_run import MINI, run
from tests.typing_learner import FakeClock, TypingStdin, integrity

REPO = Path(__file__).resolve().parents[2]
GOOD_ANSWERS = "x\n.\ny\ny\ny\n\n\nx\n.\ny\ny\n"  # both mini questions, every criterion met;
# each Enter after the rubric shows a follow-up's answer, the next moves on


# --- check and list ----------------------------------------------------------------------------

def test_check_passes_on_the_shipped_bank(capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, "check")
    assert code == 0 and err == ""
    assert out.strip().splitlines() == [f"ok  {REPO / 'questions' / name}: {count} questions"
                                        for name, count in (("ch43_temperature.yaml", 13), ("ch43_temperature_beyond.yaml", 13),
                                                            ("ch43_temperature_coding.yaml", 5),
                                                            ("ch43_temperature_production.yaml", 11))]


def test_check_lists_every_problem_and_fails(capsys, monkeypatch, tmp_path):
    (tmp_path / "a.yaml").write_text(MINI.read_text().replace("mini-", "a-").replace(
        "difficulty: easy", "difficulty: trivial"))
    (tmp_path / "b.yaml").write_text("questions:\n  - id: [oops\n")
    (tmp_path / "c.yaml").write_text(MINI.read_text())
    (tmp_path / "d.yaml").write_text(MINI.read_text())  # the same ids again
    code, out, err = run(capsys, monkeypatch, "check", tmp_path)
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert lines[0] == "studykit: error: the question bank has 4 problem(s):"
    assert lines[1].startswith(f"{tmp_path / 'a.yaml'}:7: question a-softmax: field 'difficulty': must be one of")
    assert lines[2].startswith(f"{tmp_path / 'b.yaml'}:3: YAML syntax error")
    assert lines[3].startswith(f"{tmp_path / 'd.yaml'}:4: question mini-softmax: field 'id': duplicate id, "
                               f"already defined at {tmp_path / 'c.yaml'}:4")
    assert lines[4].startswith(f"{tmp_path / 'd.yaml'}:28: question mini-greedy: field 'id': duplicate id")


def test_check_reminds_about_the_editor_schema_comment(capsys, monkeypatch, tmp_path):
    bank = tmp_path / "bank.yaml"
    bank.write_text("\n".join(MINI.read_text().replace("mini-", "other-").splitlines()[1:]))
    code, out, _ = run(capsys, monkeypatch, "check", bank, MINI)
    assert code == 0
    assert out.splitlines()[1].strip().startswith("note: add '# yaml-language-server: $schema=")
    assert "note:" not in out.split(str(MINI))[1]


def test_list_shows_ids(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "list", "--bank", MINI)
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == ["mini-softmax", "mini-greedy"]


# --- quiz, progress, export --------------------------------------------------------------------

def test_quiz_progress_and_export_share_one_store(capsys, monkeypatch, db, tmp_path):
    code, out, _ = run(capsys, monkeypatch, "quiz", "--bank", MINI, "--db", db,
                       typed="Probabilities.\n.\ny\nn\ny\n\n\nThe argmax.\n.\ny\ny\n")
    assert code == 0 and "2 attempts saved this session" in out
    code, out, _ = run(capsys, monkeypatch, "progress", "--bank", MINI, "--db", db)
    assert code == 0
    assert out.splitlines()[0] == "2 questions · 2 practised · 2 attempts · 0 due now"
    assert "mini-softmax: Says they sum to one." in out  # the one criterion missed
    code, _, err = run(capsys, monkeypatch, "export", "--db", db, "-o", tmp_path / "h.csv")
    assert code == 0 and err.strip() == f"Wrote 2 attempts to {tmp_path / 'h.csv'}"
    rows = list(csv.DictReader((tmp_path / "h.csv").open(newline="")))
    assert [(r["question_id"], r["rubric_scores"], r["answer"]) for r in rows] == [
        ("mini-softmax", "1 0 1", "Probabilities."), ("mini-greedy", "1 1", "The argmax.")]


def test_quiz_question_picks_one(capsys, monkeypatch, db):
    code, out, _ = run(capsys, monkeypatch, "quiz", "--bank", MINI, "--db", db,
                       "--question", "mini-greedy", typed="x\n.\nn\nn\n")
    assert code == 0 and "Question 1 of 1 · mini-greedy" in out
    assert [a.question_id for a in ProgressStore(db).attempts()] == ["mini-greedy"]


def test_quiz_unknown_question_is_a_clear_error(capsys, monkeypatch, db):
    code, out, err = run(capsys, monkeypatch, "quiz", "--bank", MINI, "--db", db, "--question", "mini-gredy")
    assert code == 2 and out == ""  # a usage error, like every bad option value
    assert err.strip() == ("studykit: error: no question with id 'mini-gredy' in the bank; did you mean "
                           "mini-greedy? `studykit list` shows every id")


def test_quiz_due_says_when_nothing_is_due(capsys, monkeypatch, db):
    run(capsys, monkeypatch, "quiz", "--bank", MINI, "--db", db, typed=GOOD_ANSWERS)
    code, out, _ = run(capsys, monkeypatch, "quiz", "--due", "--bank", MINI, "--db", db)
    assert code == 0
    assert out.startswith("Nothing is due. Next review: mini-")
    assert "Run `studykit quiz` without --due to practise anyway." in out


def test_quiz_due_asks_what_is_due(capsys, monkeypatch, db):
    run(capsys, monkeypatch, "quiz", "--bank", MINI, "--db", db, "--question", "mini-softmax",
        typed="x\n.\ny\ny\ny\n")
    code, out, _ = run(capsys, monkeypatch, "quiz", "--due", "--bank", MINI, "--db", db, typed="x\n.\nn\nn\n")
    assert code == 0 and "Question 1 of 1 · mini-greedy" in out  # mini-softmax is not due yet


def test_quiz_limit(capsys, monkeypatch, db):
    code, out, _ = run(capsys, monkeypatch, "quiz", "--limit", "1", "--bank", MINI, "--db", db,
                       typed="x\n.\ny\ny\ny\n")
    assert code == 0 and "Question 1 of 1 · mini-softmax" in out and "Press Enter" not in out


@pytest.mark.parametrize("argv", [["--due", "--question", "mini-greedy"], ["--limit", "0"]])
def test_bad_options_are_usage_errors(capsys, monkeypatch, db, argv):
    with pytest.raises(SystemExit) as exit_:
        run(capsys, monkeypatch, "quiz", "--bank", MINI, "--db", db, *argv)
    assert exit_.value.code == 2


def test_quiz_refuses_a_file_that_is_not_a_progress_database(capsys, monkeypatch, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("precious notes\n")
    code, out, err = run(capsys, monkeypatch, "quiz", "--bank", MINI, "--db", notes, typed=GOOD_ANSWERS)
    assert code == 1 and out == ""
    assert "is not a studykit progress database" in err and "leaves it untouched" in err
    assert notes.read_text() == "precious notes\n"


def test_a_broken_bank_stops_the_quiz_before_any_question(capsys, monkeypatch, db, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(MINI.read_text().replace("    model_answer: The most likely token at every step.\n", ""))
    code, out, err = run(capsys, monkeypatch, "quiz", "--bank", broken, "--db", db)
    assert code == 1 and out == ""
    assert f"{broken}:28: question mini-greedy: field 'model_answer': missing required field" in err


def test_progress_on_an_empty_store(capsys, monkeypatch, db):
    code, out, _ = run(capsys, monkeypatch, "progress", "--bank", MINI, "--db", db)
    assert code == 0
    assert out.splitlines()[0] == "2 questions · 0 practised · 0 attempts · 2 due now"
    assert out.strip().endswith("Next up: mini-softmax (new).")


def test_export_to_stdout(capsys, monkeypatch, db):
    ProgressStore(db).record("anything", [True, False], "a, b")
    code, out, _ = run(capsys, monkeypatch, "export", "--db", db)
    assert code == 0
    assert list(csv.reader(io.StringIO(out)))[1][-2:] == ["1 0", "a, b"]


# --- the real command, driven through its stdin --------------------------------------------------

def _as_in_a_terminal():
    # A shell starts background jobs with Ctrl-C (SIGINT) ignored, and children inherit that; Python
    # then never raises KeyboardInterrupt. A learner's terminal delivers it, so the child gets it back.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def studykit(*argv, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "STUDYKIT_HOME": str(kwargs.pop("home")), "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "studykit.practice.cli", *map(str, argv)], cwd=REPO, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_as_in_a_terminal, **kwargs)


def test_quiz_through_stdin_in_a_real_process(tmp_path):
    quiz = studykit("quiz", "--bank", MINI, home=tmp_path, text=True)
    out, err = quiz.communicate("Probabilities.\n.\ny\ny\nn\n\n\nArgmax.\n.\nn\ny\n", timeout=60)
    assert quiz.returncode == 0, err
    assert "Saved attempt #1" in out and "Saved attempt #2" in out
    store = ProgressStore(tmp_path / "data" / "progress.sqlite3")
    assert [a.rubric_scores for a in store.attempts()] == [(True, True, False), (False, True)]


def read_until(stream, marker: bytes, timeout: float = 30) -> bytes:
    seen, deadline = b"", time.monotonic() + timeout
    while marker not in seen:
        assert time.monotonic() < deadline, seen.decode()
        chunk = os.read(stream.fileno(), 4096)
        assert chunk, seen.decode()
        seen += chunk
    return seen


def test_ctrl_c_in_a_real_process_keeps_the_saved_attempt(tmp_path):
    quiz = studykit("quiz", "--bank", MINI, home=tmp_path)
    quiz.stdin.write(b"first answer\n.\ny\ny\ny\n\n")  # the last Enter: the follow-up's answer
    quiz.stdin.flush()
    read_until(quiz.stdout, b"Press Enter for the next question")
    quiz.stdin.write(b"\nhalf of the second answer\n")
    quiz.stdin.flush()
    read_until(quiz.stdout, b"> > ")  # inside the second answer
    quiz.send_signal(signal.SIGINT)
    out, err = quiz.communicate(timeout=30)
    assert quiz.returncode == 130, err
    assert b"Stopped (Ctrl-C). The question in progress was not saved." in out
    path = tmp_path / "data" / "progress.sqlite3"
    assert [a.answer for a in ProgressStore(path).attempts()] == ["first answer"]
    assert integrity(path) == "ok"


# --- interview, progress with times, export --anki ----------------------------------------------

IV_BANK = Path(__file__).parents[1] / "data" / "banks_interview" / "interview.yaml"


def test_interview_through_stdin_with_an_injected_clock(capsys, monkeypatch, db):
    import studykit.practice.interview_terminal as terminal
    clock = FakeClock()
    monkeypatch.setattr(terminal, "time", clock)  # the interview's clock: each line read moves it 20 s
    monkeypatch.setattr(sys, "stdin", TypingStdin(
        "argmax\n.\n"           # 2 lines read: 40 s
        "yes\nup to ties\n.\n"  # the follow-up: 60 s
        "y\nn\n", clock, seconds_per_line=20))
    code = main(["interview", "--bank", str(IV_BANK), "--db", str(db), "--question", "iv-greedy",
                 "--minutes", "0.75"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "⏱ 0:40 of 0:45" in out and "⏱ 1:00, 0:15 over the 0:45 time box" in out
    assert "0:40 + 1:00 (over)" in out
    (attempt,) = ProgressStore(db).attempts()
    assert (attempt.mode, attempt.seconds, attempt.rubric_scores) == ("interview", 40.0, (True,))
    assert [(f.answer, f.seconds, f.answered_well) for f in attempt.follow_ups] == [
        ("yes\nup to ties", 60.0, False)]

    code, out, _ = run(capsys, monkeypatch, "progress", "--bank", IV_BANK, "--db", db)
    assert code == 0
    assert "Time per answer: median 0:50 over 2 timed answers" in out
    assert "Follow-ups in mock interviews: 0 of 1 answered well" in out
    row = next(line for line in out.splitlines() if line.startswith("iv-greedy"))
    assert row.split()[1:6] == ["1", "1/1", "100%", "0:40", "0/1"]


def test_interview_picks_three_questions_by_default(capsys, monkeypatch, db):
    code, out, _ = run(capsys, monkeypatch, "interview", "--bank", IV_BANK, "--db", db, typed="")
    assert code == 0 and "Mock interview: 3 questions, 2:00 per answer." in out
    assert "Question 1 of 3 · iv-softmax · easy" in out
    assert "Stopped (end of input)" in out and ProgressStore(db).attempts() == []


@pytest.mark.parametrize("argv, message", [
    (["--question", "iv-gredy"], "no question with id 'iv-gredy' in the bank; did you mean iv-greedy?"),
    (["--minutes", "0"], "--minutes must be more than 0 and at most 60, not 0.0"),
    (["--minutes", "two"], "--minutes must be a number of minutes, not 'two'"),
    (["--questions", "0"], "--questions must be a whole number of at least 1, not 0"),
    (["--questions", "-2"], "--questions must be a whole number of at least 1, not '-2'"),
])
def test_bad_interview_input_is_one_clear_line_and_exit_2(capsys, monkeypatch, db, argv, message):
    code, out, err = run(capsys, monkeypatch, "interview", "--bank", IV_BANK, "--db", db, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"studykit: error: {message}")
    assert not db.exists()  # refused before anything was opened


def test_export_anki(capsys, monkeypatch, tmp_path):
    deck = tmp_path / "studykit.apkg"
    code, out, err = run(capsys, monkeypatch, "export", "--bank", IV_BANK, "--anki", deck)
    assert code == 0 and out == ""
    assert err.startswith(f"Wrote 11 Anki notes to {deck}; import it with Anki's File > Import")
    assert deck.stat().st_size > 0


@pytest.mark.parametrize("option, name", [("--anki", "no-such-folder/deck.apkg"), ("--anki", "deck.csv"),
                                          ("-o", "no-such-folder/history.csv"),
                                          ("-o", "")])  # "": tmp_path itself, a directory
def test_an_unwritable_export_path_is_one_clear_line_and_exit_2(capsys, monkeypatch, db, tmp_path, option, name):
    code, out, err = run(capsys, monkeypatch, "export", "--bank", IV_BANK, "--db", db, option, tmp_path / name)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("studykit: error: ") and str(tmp_path / name) in err


def test_the_command_starts_without_heavy_imports():
    # `studykit interview --help` must answer at once: the bank, scheduler, genanki and widgets load
    # only inside the command that uses them.
    probe = ("import sys, studykit.practice.cli\n"
             "heavy = {'yaml', 'fsrs', 'jsonschema', 'genanki', 'ipywidgets', 'numpy', 'sqlite3'}\n"
             "print(sorted(heavy & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO)
    assert result.stdout.strip() == "[]", result.stderr
    help_run = subprocess.run([sys.executable, "-m", "studykit.practice.cli", "interview", "--help"],
                              capture_output=True, text=True, cwd=REPO)
    assert help_run.returncode == 0 and "--minutes M" in help_run.stdout


def test_the_default_bank_is_the_bundled_one():
    from studykit.practice import cli, questions
    assert cli.BUNDLED_BANK == questions.DEFAULT_BANK


def test_interview_in_a_real_process_saves_the_reviewed_answers(tmp_path):
    interview = studykit("interview", "--bank", IV_BANK, "--question", "iv-greedy", home=tmp_path, text=True)
    out, err = interview.communicate("argmax\n.\nyes\n.\ny\ny\n", timeout=60)
    assert interview.returncode == 0, err
    assert "Saved attempt #1" in out and "── Summary" in out
    (attempt,) = ProgressStore(tmp_path / "data" / "progress.sqlite3").attempts()
    assert attempt.mode == "interview" and attempt.follow_ups[0].answered_well
    assert 0 <= attempt.seconds < 30
