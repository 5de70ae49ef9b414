"""`studykit plan` and `studykit quiz --today`: readiness on the interview date, and a plan to it."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from studykit.practice.progress import ProgressStore
from tests.practice.cli_run import MINI, run

TODAY = datetime.now(timezone.utc).date()


def said_ready(out: str) -> bool:
    return re.search(r"\bready\b", out, re.IGNORECASE) is not None


def recall_line(out: str) -> float:
    return float(re.search(r"predicted recall (\d+)%", out).group(1))


@pytest.mark.parametrize("argv, message", [
    ([], "no interview date set yet; type: studykit plan --interview YYYY-MM-DD"),
    (["--interview", "friday"], "--interview must be a date written YYYY-MM-DD, not 'friday'; e.g. "
                                f"--interview {TODAY + timedelta(days=14)}"),
    (["--interview", "2026-02-30"], "--interview must be a date written YYYY-MM-DD, not '2026-02-30'"),
    (["--interview", str(TODAY - timedelta(days=1))],
     f"--interview {TODAY - timedelta(days=1)} is in the past (today is {TODAY}, UTC); type today or a "
     f"later date, e.g. --interview {TODAY}"),
    (["--interview", str(TODAY + timedelta(days=9)), "--per-day", "0"],
     "--per-day must be a whole number of at least 1, not '0'; e.g. --per-day 12"),
    (["--interview", str(TODAY + timedelta(days=9)), "--per-day", "-3"], "not '-3'; e.g. --per-day 12"),
    (["--interview", str(TODAY + timedelta(days=9)), "--per-day", "ten"], "not 'ten'; e.g. --per-day 12"),
])
def test_bad_input_is_one_line_saying_what_to_type_and_exit_2(capsys, monkeypatch, db, argv, message):
    code, out, err = run(capsys, monkeypatch, "plan", "--bank", MINI, "--db", db, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("studykit: error: ") and message in err
    assert ProgressStore(db).interview_date() is None  # nothing bad was kept


def test_an_empty_history_is_0_percent_and_the_plan_starts_with_the_new_questions(capsys, monkeypatch, db):
    interview = TODAY + timedelta(days=10)
    code, out, err = run(capsys, monkeypatch, "plan", "--bank", MINI, "--db", db,
                         "--interview", interview, "--per-day", "1")
    assert code == 0 and err == ""
    assert out.startswith(f"Interview: {interview:%a %Y-%m-%d} (in 10 days) · plan: at most 1 questions a day")
    assert "Not yet: predicted recall 0% (threshold 90%), criteria met reliably 0% (threshold 75%)." in out
    assert not said_ready(out)
    today_line = next(line for line in out.splitlines() if " today " in line)
    assert today_line.split()[-2:] == ["1", "mini-softmax"]  # the bank's first new question
    assert "every question at least once from" in out and "studykit quiz --today" in out
    store = ProgressStore(db)
    assert store.interview_date() == interview and store.setting("plan_per_day") == "1"
    # the date and the limit are kept: a plain `studykit plan` uses them
    code, again, _ = run(capsys, monkeypatch, "plan", "--bank", MINI, "--db", db)
    assert code == 0 and again == out


def test_quiz_today_practises_exactly_todays_plan_and_the_figure_moves(capsys, monkeypatch, db):
    run(capsys, monkeypatch, "plan", "--bank", MINI, "--db", db, "--interview", TODAY + timedelta(days=3),
        "--per-day", "1")
    code, before, _ = run(capsys, monkeypatch, "plan", "--bank", MINI, "--db", db)
    code, out, _ = run(capsys, monkeypatch, "quiz", "--today", "--bank", MINI, "--db", db,
                       typed="Probabilities over the vocabulary, summing to 1.\n.\ny\ny\ny\n\n")
    assert code == 0 and "Question 1 of 1 · mini-softmax" in out and "1 attempt saved" in out
    code, out, _ = run(capsys, monkeypatch, "quiz", "--today", "--bank", MINI, "--db", db)
    assert code == 0 and out.startswith("Today's plan is done (1 of 1).")
    code, after, _ = run(capsys, monkeypatch, "plan", "--bank", MINI, "--db", db)
    assert recall_line(before) == 0 and recall_line(after) > 20  # one question of two, Easy, 3 days on
    assert "mini-softmax (done)" in after and "(0 left of 1)" in after
    assert [a.question_id for a in ProgressStore(db).attempts()] == ["mini-softmax"]


def test_a_plan_that_cannot_hold_every_question_says_which_and_what_to_type(capsys, monkeypatch, db):
    code, out, _ = run(capsys, monkeypatch, "plan", "--bank", MINI, "--db", db, "--interview", TODAY,
                       "--per-day", "1")
    assert code == 0
    assert ("Plan: 1 day, 1 review; as many questions as fit from" in out
            and "1 question does not fit at 1 a day: mini-greedy; to fit every question, type "
                "--per-day 2" in " ".join(out.split()))
    assert "Interview: " in out and "(today)" in out


def test_quiz_today_without_a_date_says_what_to_type(capsys, monkeypatch, db):
    code, out, err = run(capsys, monkeypatch, "quiz", "--today", "--bank", MINI, "--db", db)
    assert code == 2 and out == ""
    assert err == "studykit: error: no interview date set yet; type: studykit plan --interview YYYY-MM-DD\n"


def test_a_passed_interview_date_asks_for_a_new_one(capsys, monkeypatch, db):
    ProgressStore(db).set_interview_date(TODAY - timedelta(days=2))
    code, _, err = run(capsys, monkeypatch, "plan", "--bank", MINI, "--db", db)
    assert code == 2 and f"your interview date {TODAY - timedelta(days=2)} has passed" in err


def _practise_well(db: Path, days_ago: list[int], scores: dict[str, list[int]]) -> None:
    store = ProgressStore(db)
    for d in days_ago:
        when = datetime.now(timezone.utc) - timedelta(days=d)
        for qid, met in scores.items():
            store.record(qid, met, "well said", answered_at=when)


def test_ready_is_printed_only_when_recall_and_coverage_both_clear(capsys, monkeypatch, db):
    _practise_well(db, [20, 12, 1], {"mini-softmax": [1, 1, 1], "mini-greedy": [1, 1]})
    code, out, _ = run(capsys, monkeypatch, "plan", "--bank", MINI, "--db", db,
                       "--interview", TODAY + timedelta(days=1))
    assert code == 0 and out.splitlines()[2].startswith("Ready: predicted recall ")
    assert recall_line(out) >= 90
    assert "criteria met reliably 100%" in out and "Criteria met in at least 2 of your last 3 attempts (5):" in out
    # the same recall, but one criterion never met: coverage 4/5 still clears 3/4 ...
    other = db.with_name("other.sqlite3")
    _practise_well(other, [20, 12, 1], {"mini-softmax": [1, 1, 0], "mini-greedy": [1, 1]})
    code, out, _ = run(capsys, monkeypatch, "plan", "--bank", MINI, "--db", other,
                       "--interview", TODAY + timedelta(days=1))
    assert out.splitlines()[2].startswith("Ready:")
    # ... two never met: 3/5 does not, whatever the recall
    third = db.with_name("third.sqlite3")
    _practise_well(third, [20, 12, 1], {"mini-softmax": [1, 0, 0], "mini-greedy": [1, 1]})
    code, out, _ = run(capsys, monkeypatch, "plan", "--bank", MINI, "--db", third,
                       "--interview", TODAY + timedelta(days=1))
    assert out.splitlines()[2].startswith("Not yet:") and "criteria met reliably 60%" in out
    assert not said_ready(out)


def test_self_grading_disagreement_is_shown(capsys, monkeypatch, db):
    _practise_well(db, [6, 3], {"mini-softmax": [1, 1, 1]})
    _practise_well(db, [1], {"mini-softmax": [1, 0, 0]})
    code, out, _ = run(capsys, monkeypatch, "plan", "--bank", MINI, "--db", db,
                       "--interview", TODAY + timedelta(days=5))
    assert ("Self-grading check: of 6 criteria you ticked as met and then tried again, you missed 2 "
            "the next time (33%). Most often: mini-softmax, \"Says they sum to one.\" (1 time).") in " ".join(out.split())


def test_plan_for_a_larger_bank_in_a_real_process(tmp_path):
    # 36 questions (the mini bank's two, copied under new ids), 30 days, in a fresh process.
    text = MINI.read_text()
    for i in range(18):
        (tmp_path / f"bank{i:02d}.yaml").write_text(text.replace("mini-", f"b{i:02d}-"))
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "studykit.practice.cli", "plan", "--bank", str(tmp_path),
                             "--db", str(tmp_path / "p.sqlite3"), "--interview", str(TODAY + timedelta(days=30))],
                            capture_output=True, text=True, timeout=60)
    seconds = time.perf_counter() - start
    assert result.returncode == 0, result.stderr
    assert "Plan: 30 days" in result.stdout and "36 questions" in result.stdout
    assert seconds < 5, f"`studykit plan` took {seconds:.1f} s"
