"""Coding drills: the checker accepts correct solutions (the kit's own function, the solution it
shows, one written differently) and rejects plausible wrong ones; bad files, endless loops and
crashes are one line and a failed attempt; attempts are saved and scheduled like questions.

Speed: one learner process is shared by all checks here (``reuse_process``), random cases are
limited to ``EXAMPLES`` per check and draws to ``DRAWS`` per distribution.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from fsrs import Rating

from tests.drill_solutions import CORRECT, REFERENCE, WRONG
from studykit.practice import scheduling
from studykit.practice.drills import DRILLS, find_drill
from studykit.practice.drills.checker import check
from studykit.practice.drills.checks import ALPHA, SPECS
from studykit.practice.drills.sandbox import Sandbox
from studykit.practice.drills.session import DrillSession, drill_statuses
from studykit.practice.progress import ProgressStore

EXAMPLES = 12
DRAWS = 1000  # a wrong sampler's chi-square is in the hundreds at 1000 draws; p < ALPHA by far


@pytest.fixture(scope="module")
def box():
    with Sandbox(reuse_process=True) as sandbox:
        yield sandbox


def run_check(box, drill_id, source, **options):
    options.setdefault("max_examples", EXAMPLES)
    options.setdefault("draws", DRAWS)
    return check(find_drill(drill_id), source, sandbox=box, **options)


def test_every_drill_has_its_checks_and_solutions():
    assert len(DRILLS) >= 10
    for drill in DRILLS:
        assert drill.id in SPECS and drill.id in REFERENCE
        assert len(WRONG[drill.id]) >= 3, f"{drill.id}: keep at least three wrong solutions"
        assert CORRECT[drill.id], f"{drill.id}: keep a correct solution written differently"
        assert f"def {drill.function}(" in drill.solution and f"def {drill.signature}:" in drill.starter()


CORRECT_CASES = ([pytest.param(d.id, "the solution the kit shows", d.solution, id=f"{d.id}-shown") for d in DRILLS]
                 + [pytest.param(did, "the kit's own function", src, id=f"{did}-kit") for did, src in REFERENCE.items()]
                 + [pytest.param(did, name, src, id=f"{did}-{name}") for did, sources in CORRECT.items()
                    for name, src in sources.items()])


@pytest.mark.parametrize("drill_id, name, source", CORRECT_CASES)
def test_correct_solutions_pass(box, drill_id, name, source):
    report = run_check(box, drill_id, source)
    assert report.passed, f"{name} was rejected:\n{report}"
    assert report.failure is None and report.problem is None
    assert report.edge_cases == len(SPECS[drill_id].edge_cases()) and report.random_cases >= EXAMPLES


WRONG_CASES = [pytest.param(did, name, src, id=f"{did}-{name}") for did, sources in WRONG.items()
               for name, src in sources.items()]


@pytest.mark.parametrize("drill_id, name, source", WRONG_CASES)
def test_plausible_wrong_solutions_are_rejected_with_the_failing_case(box, drill_id, name, source):
    report = run_check(box, drill_id, source)
    assert not report.passed, f"the wrong solution {name!r} passed"
    failure = report.failure
    assert report.problem is None and failure is not None
    # the case comes back with its call, what was expected and what the function gave
    assert failure.call and failure.expected and failure.actual and failure.reason
    assert str(failure).count("\n") == 4 and "expected:" in str(failure) and "got:" in str(failure)


def test_the_overflowing_softmax_is_caught_on_large_logits(box):
    report = run_check(box, "drill-softmax-temperature", WRONG["drill-softmax-temperature"]["no max subtraction: overflows"])
    assert "large logits" in report.failure.label and "nan" in report.failure.actual


def test_top_p_that_drops_the_crossing_token_is_caught(box):
    report = run_check(box, "drill-top-p", WRONG["drill-top-p"]["drops the token that crosses p"])
    assert "crosses p" in report.failure.label and "expected 2" in report.failure.reason


def test_random_cases_alone_find_the_biased_pass_at_k_and_shrink_it(box):
    report = run_check(box, "drill-pass-at-k", WRONG["drill-pass-at-k"]["1 - (1 - c/n)^k: samples with replacement"],
                       edge_cases=False)
    assert report.failure.label == "random case (shrunk by hypothesis)"
    # shrunk to a minimal input: the smallest n where sampling with replacement differs is 2
    assert report.failure.call == "pass_at_k(n=2, c=1, k=2)", report.failure.call
    assert report.failure.expected == "1" and float(report.failure.actual) == pytest.approx(0.75)


def test_a_wrong_sampler_fails_the_statistical_test_and_says_why(box):
    report = run_check(box, "drill-sample-token", WRONG["drill-sample-token"]["ignores the temperature"])
    assert report.failure.label.startswith("statistical check: draws follow softmax(logits / T)")
    assert f"< {ALPHA:g}" in report.failure.reason and "chi-square" in report.failure.reason


def test_the_false_alarm_rate_is_stated_and_bounded():
    # ALPHA per test, Bonferroni over a drill's tests: a correct sampler fails with probability <= 1e-3
    assert SPECS["drill-sample-token"].stat_tests * ALPHA <= 1e-3
    assert SPECS["drill-speculative-step"].stat_tests * ALPHA <= 1e-3
    from studykit.practice.drills import checks
    assert "false-alarm rate" in checks.__doc__ and "4e-4" in _source(checks) and "6e-4" in _source(checks)
    assert (SPECS["drill-sample-token"].stat_tests, SPECS["drill-speculative-step"].stat_tests) == (4, 6)


def _source(module) -> str:
    import inspect
    return inspect.getsource(module)


def test_modifying_the_input_in_place_fails(box):
    source = ("import numpy as np\n\ndef top_k_filter(logits, k):\n"
              "    kth = np.sort(logits, axis=-1)[..., -min(k, logits.shape[-1]), None]\n"
              "    logits[logits < kth] = -np.inf\n    return logits\n")
    report = run_check(box, "drill-top-k", source)
    assert not report.passed and "in place" in report.failure.reason


# --- bad files: one line, a failed attempt ---------------------------------------------------------

@pytest.mark.parametrize("source, words", [
    ("def top_k_filter(logits, k)\n    return logits\n", "syntax error on line 1"),
    ("import numpy as np\n\ndef top_k(logits, k):\n    return logits\n", "does not define top_k_filter"),
    ("import cupy\n\ndef top_k_filter(logits, k):\n    return logits\n", "line 1: cannot import 'cupy'"),
    ("top_k_filter = 3\n", "is a int, not a function"),
    ("raise SystemExit('bye')\n", "running the file raised SystemExit"),
])
def test_a_file_that_cannot_be_used_is_one_line(box, source, words):
    report = run_check(box, "drill-top-k", source)
    assert not report.passed and report.failure is None
    assert words in report.problem and "\n" not in report.problem
    assert report.headline == f"FAILED drill-top-k: {report.problem}"


def test_an_endless_loop_is_stopped_within_the_time_limit_and_the_store_is_intact(tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3")
    store.record("q-kept", [True, False], "an earlier answer")
    session = DrillSession(find_drill("pass-at-k"), store)
    with Sandbox(time_limit=1.0) as box:
        started = time.monotonic()
        report = check(find_drill("pass-at-k"), "def pass_at_k(n, c, k):\n    while True:\n        pass\n",
                       sandbox=box, max_examples=EXAMPLES)
        took = time.monotonic() - started
    assert not report.passed and "time limit" in report.failure.reason and report.failure.label.startswith("edge case")
    assert took < 1.0 + 5.0  # the limit, plus starting the process on a loaded machine
    session.reports.append(report)
    session._save(False, "while True", report.to_dict(), 3.0)
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [a.answer for a in store.attempts()] == ["an earlier answer", "while True"]


@pytest.mark.parametrize("body, words", [
    ("    import os\n    os._exit(3)\n", "exit code 3"),
    ("    import numpy as np\n    return float(np.ones(10**10).sum())\n", "memory limit"),
    ("    return pass_at_k(n, c, k)\n", "RecursionError"),
])
def test_a_crash_or_a_memory_hog_is_a_failed_case_not_a_dead_checker(box, body, words):
    report = run_check(box, "drill-pass-at-k", f"def pass_at_k(n, c, k):\n{body}")
    assert not report.passed and words in str(report.failure)
    assert run_check(box, "drill-pass-at-k", find_drill("pass-at-k").solution).passed  # the next file is fine


def test_the_starter_file_fails_until_it_is_written(box):
    drill = find_drill("top-p")
    report = run_check(box, drill.id, drill.starter())
    assert not report.passed and "NotImplementedError" in report.failure.actual


# --- attempts and their schedule --------------------------------------------------------------------

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def test_a_check_is_saved_as_a_drill_attempt_with_its_failing_case(tmp_path, box, monkeypatch):
    store = ProgressStore(tmp_path / "p.sqlite3")
    ticks = iter([0.0, 95.0, 240.0])
    session = DrillSession(find_drill("top-k"), store, clock=lambda: next(ticks), max_examples=EXAMPLES)
    monkeypatch.setattr("studykit.practice.drills.checker.Sandbox", lambda: _Shared(box))
    wrong = WRONG["drill-top-k"]["exactly k indices from argsort: drops ties"]
    assert session.solution is None
    first = session.check(wrong)
    assert not first.passed and session.solution is None  # no solution before a pass or a give-up
    second = session.check(find_drill("top-k").solution)
    assert second.passed and session.solution == find_drill("top-k").solution
    failed, passed = store.drill_attempts("drill-top-k")
    assert (failed.mode, failed.rubric_scores, failed.seconds, failed.answer) == ("drill", (False,), 95.0, wrong)
    assert failed.drill["failure"]["label"] == 'edge case "ties at the k-th value are all kept"'
    assert failed.drill["failure"]["actual"] and failed.drill["time_box_seconds"] == 360.0
    assert failed.criteria == SPECS["drill-top-k"].checks
    assert passed.rubric_scores == (True,) and passed.seconds == 240.0 and passed.drill["failure"] is None
    assert failed.rating == Rating.Again and passed.rating == Rating.Good  # 4:00 within the 6:00 box
    # drills stay out of the questions' summary
    assert store.summary().total_attempts == 0


class _Shared:
    """The module's shared sandbox, handed to code that opens and closes its own."""

    def __init__(self, box):
        self.box = box

    def __getattr__(self, name):
        return getattr(self.box, name)

    def close(self):
        pass


@pytest.mark.parametrize("passed, seconds, rating", [
    (False, 10.0, Rating.Again), (False, None, Rating.Again), (True, 100.0, Rating.Easy),
    (True, 150.0, Rating.Easy), (True, 299.0, Rating.Good), (True, 301.0, Rating.Hard), (True, None, Rating.Good)])
def test_drill_rating_reads_the_verdict_then_the_time_box(passed, seconds, rating):
    assert scheduling.drill_rating(passed, seconds, 300.0) == rating


def test_drills_are_scheduled_like_questions(tmp_path):
    store = ProgressStore(tmp_path / "p.sqlite3")
    report = {"passed": True, "failure": None}
    store.record_drill("drill-top-p", True, "code", report=report, checks=["c"], time_box_seconds=600,
                       seconds=200, answered_at=T0)
    store.record_drill("drill-pass-at-k", False, "code", report={"passed": False}, checks=["c"],
                       time_box_seconds=300, seconds=200, answered_at=T0)
    order = [s.drill.id for s in drill_statuses(store, T0 + timedelta(hours=2))]
    # the failed drill is due again (learning step), new drills next, the passed one comes later
    assert order[0] == "drill-pass-at-k" and order[-1] == "drill-top-p"
    assert set(order) == {d.id for d in DRILLS}
    mastered = scheduling.replay("drill-top-p", store.drill_attempts("drill-top-p"))
    missed = scheduling.replay("drill-pass-at-k", store.drill_attempts("drill-pass-at-k"))
    assert missed.due < mastered.due


def test_record_drill_refuses_bad_input_and_saves_nothing(tmp_path):
    store = ProgressStore(tmp_path / "p.sqlite3")
    good = dict(report={}, checks=[], time_box_seconds=300)
    for args, kwargs, error in [
        (("top-p", True, "x"), good, ValueError),
        (("drill-top-p", "yes", "x"), good, TypeError),
        (("drill-top-p", True, b"x"), good, TypeError),
        (("drill-top-p", True, "x"), dict(good, time_box_seconds=0), ValueError),
        (("drill-top-p", True, "x"), dict(good, seconds=-1), ValueError),
    ]:
        with pytest.raises(error):
            store.record_drill(*args, **kwargs)
    assert store.attempts() == []
    assert store.record_drill("drill-top-p", np.bool_(True), "x", **good) == 1


# --- studykit drill -----------------------------------------------------------------------------------

def drill_cli(capsys, monkeypatch, tmp_path, *argv, typed=""):
    import io
    import sys

    from studykit.practice.cli import main
    monkeypatch.setattr(sys, "stdin", io.StringIO(typed))
    monkeypatch.setattr("studykit.practice.drills.checker.MAX_EXAMPLES", EXAMPLES)
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    code = main(["drill", *map(str, argv), "--db", str(tmp_path / "p.sqlite3")])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_lists_the_drills(capsys, monkeypatch, tmp_path):
    code, out, err = drill_cli(capsys, monkeypatch, tmp_path, "--list")
    assert code == 0 and err == ""
    assert len(out.strip().splitlines()) == 1 + len(DRILLS) and "top-p" in out and "new" in out


@pytest.mark.parametrize("argv, words", [
    (["top-q"], "no drill named 'top-q'; did you mean top-p"),
    (["top-p", "--list"], "give a drill NAME or --list, not both"),
    (["top-p", "--file", "/nonexistent-folder/x.py"], "does not exist"),
])
def test_cli_usage_errors_are_one_line_and_exit_2(capsys, monkeypatch, tmp_path, argv, words):
    code, out, err = drill_cli(capsys, monkeypatch, tmp_path, *argv)
    assert code == 2 and out == "" and words in err and err.count("\n") == 1


def test_cli_sitting_checks_the_file_saves_and_shows_the_solution_after_the_pass(capsys, monkeypatch, tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(CORRECT["drill-pass-at-k"]["exact binomials with math.comb"])
    code, out, err = drill_cli(capsys, monkeypatch, tmp_path, "pass-at-k", "--file", path, typed="\n")
    assert code == 0, err
    assert f"Continuing your file {path}" in out and "PASSED drill-pass-at-k" in out
    assert out.index("PASSED") < out.index("The kit's solution") and "What the interviewer listens for" in out
    (attempt,) = ProgressStore(tmp_path / "p.sqlite3").drill_attempts()
    assert attempt.rubric_scores == (True,) and attempt.answer == path.read_text()


def test_cli_keeps_the_learners_file_and_a_broken_file_is_one_line_and_a_failed_attempt(capsys, monkeypatch, tmp_path):
    path = tmp_path / "mine.py"
    path.write_text("def pass_at_k(n, c, k)\n    return 0\n")
    before = path.read_text()
    code, out, err = drill_cli(capsys, monkeypatch, tmp_path, "pass-at-k", "--file", path, typed="\nq\n")
    assert code == 0 and path.read_text() == before
    assert "FAILED drill-pass-at-k: syntax error on line 1" in out and "The kit's solution" not in out
    (attempt,) = ProgressStore(tmp_path / "p.sqlite3").drill_attempts()
    assert attempt.rubric_scores == (False,) and "syntax error" in attempt.drill["problem"]


def test_cli_writes_the_starter_and_a_give_up_shows_the_solution(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("STUDYKIT_HOME", str(tmp_path / "home"))
    code, out, err = drill_cli(capsys, monkeypatch, tmp_path, "top-k", typed="g\n")
    starter = tmp_path / "home" / "data" / "drills" / "top-k.py"
    assert code == 0 and starter.read_text() == find_drill("top-k").starter()
    assert f"Starter written to {starter}" in out and "Gave up" in out and "def top_k_filter" in out
    (attempt,) = ProgressStore(tmp_path / "p.sqlite3").drill_attempts()
    assert attempt.rubric_scores == (False,) and attempt.rating == Rating.Again


# --- the notebook's drill card ---------------------------------------------------------------------

def test_the_card_checks_the_newest_cell_that_defines_the_function():
    from studykit.practice.drills.widget import latest_cell_defining
    history = ["import numpy as np", "def top_k_filter(logits, k):\n    return 1", "x = 2",
               "# try again\ndef top_k_filter(logits, k):\n    return 2", "print(top_k_filter)"]
    assert latest_cell_defining("top_k_filter", history) == history[3]
    assert latest_cell_defining("top_p_filter", history) is None
    assert latest_cell_defining("top_k_filter") is None  # outside a kernel: nothing to read


def test_the_card_shows_the_failing_case_then_the_solution_only_after_a_pass(tmp_path, box, monkeypatch):
    from studykit.practice.drills.widget import DrillCard
    monkeypatch.setattr("studykit.practice.drills.checker.Sandbox", lambda: _Shared(box))
    store = ProgressStore(tmp_path / "p.sqlite3")
    card = DrillCard("repetition-penalty", store, max_examples=EXAMPLES)
    assert "repetition_penalty(logits, previous_ids, penalty)" in card.contract.value
    card.check(WRONG["drill-repetition-penalty"]["subtracts the penalty"])
    assert "FAILED" in card.result.value and "expected:" in card.result.value and card.solution_html.value == ""
    card.check(find_drill("repetition-penalty").solution)
    assert "PASSED" in card.result.value and "The kit's solution" in card.solution_html.value
    assert [a.rubric_scores for a in store.drill_attempts()] == [(False,), (True,)]
    other = DrillCard("pass-at-k", store)
    other.give_up("def pass_at_k(n, c, k):\n    pass\n")
    assert "def pass_at_k" in other.solution_html.value and store.drill_attempts("drill-pass-at-k")[0].drill["problem"]


def test_the_editor_opens_on_the_starter_and_closing_it_checks_the_file(tmp_path, monkeypatch):
    import io
    import sys

    from studykit.practice.drills.terminal import run_drill
    from studykit.practice.quiz import Terminal
    # An "editor" that writes a correct solution over the file it is given, as a learner would.
    editor = tmp_path / "editor.py"
    editor.write_text("import sys\nsys.argv[1:] and open(sys.argv[1], 'w').write(" +
                      repr(CORRECT["drill-pass-at-k"]["exact binomials with math.comb"]) + ")\n")
    monkeypatch.setattr("studykit.practice.drills.checker.MAX_EXAMPLES", EXAMPLES)
    out = io.StringIO()
    term = Terminal(stdin=io.StringIO(""), stdout=out)
    term.interactive = True  # as on a real terminal, where the editor takes over the screen
    store = ProgressStore(tmp_path / "p.sqlite3")
    path = tmp_path / "drills" / "pass-at-k.py"
    session = run_drill(find_drill("pass-at-k"), store, term, path, editor=f"{sys.executable} {editor}")
    assert session.passed and "Starter written to" in out.getvalue() and "PASSED drill-pass-at-k" in out.getvalue()
    assert path.read_text() == CORRECT["drill-pass-at-k"]["exact binomials with math.comb"]
    assert [a.rubric_scores for a in store.drill_attempts()] == [(True,)]


def test_a_version_3_database_with_settings_is_upgraded_in_place_keeping_everything(tmp_path):
    # Version 3 is the settings table another branch adds ("CREATE TABLE settings ..."); a learner
    # who ran that version first must keep both their attempts and their settings.
    import shutil

    from studykit.practice.progress import MIGRATIONS, SCHEMA_VERSION
    path = tmp_path / "progress.sqlite3"
    shutil.copy(Path(__file__).parents[1] / "data" / "progress" / "schema_v1.sqlite3", path)
    with sqlite3.connect(path) as db:
        for version in (2, 3):
            for statement in filter(str.strip, MIGRATIONS[version].split(";")):
                db.execute(statement)
        db.execute("PRAGMA user_version = 3")
        db.execute("INSERT INTO settings (key, value) VALUES ('exam_date', '2026-12-24')")
        before = db.execute("SELECT id, question_id, answer, rubric_scores FROM attempts ORDER BY id").fetchall()
    assert MIGRATIONS[3].strip().rstrip(";") == "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
    store = ProgressStore(path)
    store.record_drill("drill-top-k", True, "code", report={"passed": True}, checks=["c"], time_box_seconds=360)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
        assert db.execute("SELECT key, value FROM settings").fetchall() == [("exam_date", "2026-12-24")]
        assert db.execute("SELECT id, question_id, answer, rubric_scores FROM attempts WHERE mode IS NOT 'drill'"
                          " ORDER BY id").fetchall() == before
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [a.question_id for a in store.drill_attempts()] == ["drill-top-k"]
