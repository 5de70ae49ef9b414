"""The progress store: attempts recorded, scheduled by FSRS, and never lost."""

from __future__ import annotations

import csv
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path

import pytest
from fsrs import Rating, State
from hypothesis import given
from hypothesis import strategies as st

from studykit.practice import scheduling
from studykit.practice.progress import (APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, FollowUpResult,
                               ProgressError, ProgressStore, default_path, summarize)
from studykit.practice.questions import DEFAULT_BANK, UnknownQuestionError, load_bank

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
BANK = load_bank(DEFAULT_BANK)
Q1, Q2, Q3 = (q.id for q in BANK[:3])


@pytest.fixture
def store(tmp_path) -> ProgressStore:
    return ProgressStore(tmp_path / "progress.sqlite3", bank=BANK)


def file_bytes(path: Path) -> bytes:
    return path.read_bytes()


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


# --- recording and reading --------------------------------------------------------------------------

def test_record_returns_ids_and_attempts_reads_them_back(store):
    first = store.record(Q1, [True, False, True, True], "Temperature divides the logits.",
                         answered_at=T0)
    second = store.record(Q2, [1, 1, 0, 0], "Second\nanswer, with “quotes”", answered_at=T0 + timedelta(hours=1))
    assert second > first
    a, b = store.attempts()
    assert (a.id, a.question_id, a.answered_at, a.rubric_scores) == (first, Q1, T0, (True, False, True, True))
    assert (a.met, a.total, a.fraction, a.rating) == (3, 4, Fraction(3, 4), Rating.Good)
    assert a.criteria == tuple(BANK[0].rubric)  # the wording graded against is kept with the attempt
    assert b.answer == "Second\nanswer, with “quotes”"
    assert [x.id for x in store.attempts(Q2)] == [second]
    assert store.attempts("never-practised") == []


def test_attempts_survive_reopening(tmp_path):
    path = tmp_path / "p.sqlite3"
    ids = [ProgressStore(path).record(Q1, [1, 0], f"answer {i}") for i in range(3)]
    assert [a.id for a in ProgressStore(path).attempts()] == ids


def test_attempts_come_back_in_time_order_whatever_the_order_recorded(store):
    store.record(Q1, [1, 1, 1, 1], "later", answered_at=T0 + timedelta(days=2))
    store.record(Q1, [0, 0, 0, 0], "earlier", answered_at=T0)
    assert [a.answer for a in store.attempts(Q1)] == ["earlier", "later"]


def test_default_location_honours_studykit_home(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDYKIT_HOME", str(tmp_path / "home"))
    assert default_path() == tmp_path / "home" / "data" / "progress.sqlite3"
    store = ProgressStore()
    store.record("anything", [True], "x")
    assert store.path == default_path() and store.path.is_file()


def test_new_database_is_marked_with_version_and_application_id(store):
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


# --- bad input -------------------------------------------------------------------------------------

@pytest.mark.parametrize("scores, error, words", [
    ([True, True], ValueError, "has 2 entries but question ch43-q1-what-temperature-does has 4 rubric criteria"),
    ([], ValueError, "has 0 entries"),
    ([1, 2, 0, 1], ValueError, "True/False (or 1/0) only, got 2"),
    ([1, 0.5, 0, 1], ValueError, "got 0.5"),
    ([1, 1.0, 0, 1], ValueError, "got 1.0"),
    (["y", "n", "y", "y"], ValueError, "got 'y'"),
    ("1101", TypeError, "must be a list with one True/False per rubric criterion, not str"),
    (None, TypeError, "not NoneType"),
    ({"a": 1}, TypeError, "not dict"),
])
def test_bad_rubric_scores_are_refused_and_nothing_is_saved(store, scores, error, words):
    with pytest.raises(error) as raised:
        store.record(Q1, scores, "answer")
    assert words in str(raised.value)
    assert store.attempts() == []


def test_numpy_booleans_and_arrays_are_fine(store):
    import numpy as np

    store.record(Q1, list(np.array([1, 0, 1, 1]) > 0), "x")
    store.record(Q1, np.array([0, 0, 1, 1]), "y")
    assert [a.rubric_scores for a in store.attempts()] == [(True, False, True, True),
                                                          (False, False, True, True)]


def test_unknown_question_id_is_refused_with_a_suggestion(store):
    with pytest.raises(UnknownQuestionError, match="did you mean ch43-q1-what-temperature-does"):
        store.record("ch43-q1-what-temperature", [1, 1, 1, 1], "x")
    assert store.attempts() == []


def test_without_a_bank_any_rubric_length_is_accepted(tmp_path):
    plain = ProgressStore(tmp_path / "p.sqlite3")
    plain.record("my-own-question", [True, False, True], "x")
    assert plain.attempts()[0].criteria is None
    with pytest.raises(ValueError, match="rubric_scores is empty"):
        plain.record("my-own-question", [], "x")
    with pytest.raises(ValueError, match="non-empty str"):
        plain.record("", [True], "x")


def test_answer_must_be_text_and_times_must_be_aware(store):
    with pytest.raises(TypeError, match="answer must be text"):
        store.record(Q1, [1, 1, 1, 1], None)
    with pytest.raises(ValueError, match="has no time zone"):
        store.record(Q1, [1, 1, 1, 1], "x", answered_at=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="has no time zone"):
        store.due(now=datetime(2026, 1, 1))
    assert store.attempts() == []


def test_times_in_other_zones_are_stored_as_utc(store):
    paris = timezone(timedelta(hours=1))
    store.record(Q1, [1, 1, 1, 1], "x", answered_at=datetime(2026, 11, 2, 10, 0, tzinfo=paris))
    assert store.attempts()[0].answered_at == T0


# --- files that are not ours -----------------------------------------------------------------------

def test_a_file_that_is_not_sqlite_is_refused_and_untouched(tmp_path):
    path = tmp_path / "progress.sqlite3"
    path.write_text("my notes, not a database\n" * 50)
    before = file_bytes(path)
    with pytest.raises(ProgressError, match="is not a studykit progress database .it is not an SQLite file"):
        ProgressStore(path)
    assert file_bytes(path) == before


def test_another_programs_database_is_refused_and_untouched(tmp_path):
    path = tmp_path / "progress.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE recipes (name TEXT)")
        db.execute("INSERT INTO recipes VALUES ('soup')")
    before = file_bytes(path)
    with pytest.raises(ProgressError, match=r"SQLite database of another program \(tables: recipes\)"):
        ProgressStore(path)
    assert file_bytes(path) == before


def test_a_database_from_a_newer_studykit_is_refused_and_untouched(store):
    store.record(Q1, [1, 1, 1, 1], "keep me")
    with sqlite3.connect(store.path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = file_bytes(store.path)
    with pytest.raises(ProgressError, match=rf"newer studykit \(schema version {SCHEMA_VERSION + 1}; this studykit "
                                            rf"reads up to version {SCHEMA_VERSION}\)"):
        ProgressStore(store.path)
    assert file_bytes(store.path) == before


def fill(store: ProgressStore, rows: int) -> None:
    """Many attempts in one transaction (record() would fsync each): a database of many pages."""
    with sqlite3.connect(store.path) as db:
        db.executemany("INSERT INTO attempts (question_id, answered_at, answer, rubric_scores)"
                       " VALUES (?, ?, ?, '[1, 0, 1, 0]')",
                       [(Q1, T0.isoformat(), f"answer {i} " + "x" * 200) for i in range(rows)])


def test_a_damaged_database_is_refused_and_untouched(store):
    fill(store, 300)
    assert len(store.attempts()) == 300
    with sqlite3.connect(store.path) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
    with open(store.path, "r+b") as f:  # scribble over a page in the middle of the table
        f.seek(page_size * 5)
        f.write(b"\xff" * page_size)
    before = file_bytes(store.path)
    # (?s): SQLite's report can span lines, depending on which page the scribble hit
    with pytest.raises(ProgressError, match="(?s)is damaged .SQLite reports.*will not modify it.*recover"):
        ProgressStore(store.path)
    assert file_bytes(store.path) == before


def test_a_truncated_database_is_refused_and_untouched(store):
    fill(store, 300)
    store.path.write_bytes(file_bytes(store.path)[: 4096 * 3])
    before = file_bytes(store.path)
    with pytest.raises(ProgressError, match="damaged"):
        ProgressStore(store.path)
    assert file_bytes(store.path) == before


def test_an_empty_file_becomes_a_new_database(tmp_path):
    path = tmp_path / "progress.sqlite3"
    path.touch()  # e.g. made by `touch`: nothing in it to lose
    ProgressStore(path).record(Q1, [1], "x")
    assert len(ProgressStore(path).attempts()) == 1


def test_a_directory_in_the_way_is_a_clear_error(tmp_path):
    with pytest.raises(ProgressError, match="is a directory"):
        ProgressStore(tmp_path)


def test_an_unwritable_data_location_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("STUDYKIT_HOME", "/proc/studykit-cannot-be-here")  # read-only even for root
    with pytest.raises(ProgressError, match="cannot create the studykit data directory.*set STUDYKIT_HOME"):
        ProgressStore()


def test_a_read_only_database_can_be_read_but_refuses_to_save(tmp_path, monkeypatch):
    directory = tmp_path / "read-only"
    directory.mkdir()
    path = directory / "progress.sqlite3"
    ProgressStore(path).record("q", [True], "mine")
    before = file_bytes(path)
    if os.geteuid() == 0:
        # root writes through file modes, so open the file the way SQLite opens an unwritable one
        connect = sqlite3.connect
        monkeypatch.setattr(sqlite3, "connect",
                            lambda db, **kw: connect(f"file:{db}?mode=ro", uri=True, **kw))
    os.chmod(path, 0o444)
    os.chmod(directory, 0o555)
    try:
        store = ProgressStore(path)
        assert [a.answer for a in store.attempts()] == ["mine"]
        with pytest.raises(ProgressError, match="could not save the attempt .* read-only .*Nothing was saved"):
            store.record("q", [True], "should not be saved")
    finally:
        os.chmod(directory, 0o755)
        os.chmod(path, 0o644)
    assert file_bytes(path) == before


# --- nothing acknowledged is ever lost -------------------------------------------------------------

WRITER = """
import sys, time
from pathlib import Path
from studykit.practice.progress import ProgressStore
path, name, count, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
store = ProgressStore(path)   # both processes may create the database at the same moment
Path(f"{start}.{name}-ready").touch()
while not start.exists():
    time.sleep(0.001)
i = 0
while count == 0 or i < count:
    attempt_id = store.record(f"{name}-q{i % 3}", [i % 2 == 0, True, False], f"{name} answer {i}")
    print(attempt_id, flush=True)   # acknowledged: record() has returned
    i += 1
"""


def spawn_writer(path: Path, name: str, count: int, start: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, str(count), str(start)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})


def test_two_processes_recording_at_once_keep_every_attempt(tmp_path):
    path, start, count = tmp_path / "shared.sqlite3", tmp_path / "go", 40
    writers = [spawn_writer(path, name, count, start) for name in ("alpha", "beta")]
    deadline = time.monotonic() + 60
    while not all(Path(f"{start}.{name}-ready").exists() for name in ("alpha", "beta")):  # both opened it
        assert time.monotonic() < deadline and all(w.poll() is None for w in writers), "a writer did not start"
        time.sleep(0.01)
    start.touch()  # both record from the same moment
    acknowledged = {}
    for name, writer in zip(("alpha", "beta"), writers):
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        acknowledged[name] = [int(line) for line in out.split()]
        assert len(acknowledged[name]) == count
    attempts = ProgressStore(path).attempts()
    assert sorted(a.id for a in attempts) == sorted(acknowledged["alpha"] + acknowledged["beta"])
    for name in ("alpha", "beta"):
        answers = {a.answer for a in attempts if a.answer.startswith(name)}
        assert answers == {f"{name} answer {i}" for i in range(count)}
    assert integrity(path) == "ok"


@pytest.mark.parametrize("kill_after", [3, 20, 60])
def test_kill_9_mid_stream_loses_no_acknowledged_attempt(tmp_path, kill_after):
    path, start = tmp_path / "killed.sqlite3", tmp_path / "go"
    start.touch()
    writer = spawn_writer(path, "victim", 0, start)  # records until killed
    acknowledged = []
    while len(acknowledged) < kill_after:
        line = writer.stdout.readline()
        assert line, writer.stderr.read()
        acknowledged.append(int(line))
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    # Printed before the kill landed. Read through writer.stdout, not communicate(): communicate reads
    # the pipe itself and would miss the lines readline() already pulled into the stream's buffer.
    rest = writer.stdout.read()
    acknowledged += [int(line) for line in rest.split()]
    assert writer.returncode == -signal.SIGKILL
    store = ProgressStore(path)  # opens cleanly; SQLite rolls back any half-written transaction
    saved = [a.id for a in store.attempts()]
    assert set(acknowledged) <= set(saved)
    assert len(saved) - len(acknowledged) <= 1  # at most one committed just before its print
    assert integrity(path) == "ok"
    assert store.record("after-the-crash", [True], "still works") > max(saved)


def test_every_write_is_synced_to_disk_before_it_is_acknowledged(store, monkeypatch):
    """kill -9 cannot show durability: the OS keeps a killed process's writes even with
    synchronous=OFF. What survives a power cut is what SQLite synced before COMMIT returned, so the
    connection every write uses must say FULL (2)."""
    modes = []
    connect = store._connect

    def noting_connect():
        db = connect()
        modes.append(db.execute("PRAGMA synchronous").fetchone()[0])
        return db

    monkeypatch.setattr(store, "_connect", noting_connect)
    store.record(Q1, [1, 1, 0, 0], "synced")
    assert modes and set(modes) == {2}
    assert store.attempts()[-1].answer == "synced"


# --- scheduling ------------------------------------------------------------------------------------

@pytest.mark.parametrize("scores, rating", [
    ([0, 0, 0, 0], Rating.Again), ([1, 0, 0, 0], Rating.Again), ([1, 1, 0, 0], Rating.Hard),
    ([1, 1, 1, 0], Rating.Good), ([1, 1, 1, 1], Rating.Easy),
    ([0, 0, 1], Rating.Again), ([1, 1, 0], Rating.Hard), ([1, 1, 1], Rating.Easy),
    ([1, 1, 1, 0, 0], Rating.Hard), ([1, 1, 1, 1, 0], Rating.Good),
    ([0], Rating.Again), ([1], Rating.Easy), ([1, 0], Rating.Hard),
])
def test_rubric_fraction_maps_to_rating(scores, rating):
    assert scheduling.rating_for(scores) == rating


@given(st.integers(1, 12).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n), st.integers(0, n))))
def test_more_criteria_met_never_rates_lower(sample):
    total, a, b = sample
    low, high = sorted((a, b))
    rate = lambda met: scheduling.rating_for([True] * met + [False] * (total - met))
    assert rate(low) <= rate(high)
    assert rate(total) == Rating.Easy and (total < 2 or rate(0) == Rating.Again)


def test_never_practised_questions_are_due_in_bank_order(store):
    assert store.due(T0) == [q.id for q in BANK]


def test_a_missed_question_comes_back_sooner_than_a_mastered_one(store):
    store.record(Q1, [0, 0, 0, 1], "weak", answered_at=T0)
    store.record(Q2, [1, 1, 1, 1], "strong", answered_at=T0)
    cards = store.cards()
    assert cards[Q1].due == T0 + timedelta(minutes=10)  # Again: the first learning step
    assert cards[Q2].state == State.Review and cards[Q2].due >= T0 + timedelta(days=2)
    assert Q1 not in store.due(T0 + timedelta(minutes=9))
    due = store.due(T0 + timedelta(minutes=11))
    assert due[0] == Q1 and Q2 not in due and Q3 in due
    assert Q2 in store.due(cards[Q2].due)


def test_intervals_grow_while_answers_stay_good(store):
    when, intervals = T0, []
    for _ in range(5):
        store.record(Q1, [1, 1, 1, 0], "good", answered_at=when)
        due = store.cards()[Q1].due
        intervals.append(due - when)
        when = due
    # The last learning step, then FSRS's whole-day intervals (its default parameters, fuzzing off).
    assert intervals == [timedelta(hours=1), timedelta(days=2), timedelta(days=11), timedelta(days=46),
                         timedelta(days=163)]


def test_schedule_is_a_replay_of_the_attempts(store):
    for i, scores in enumerate(([0, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 1])):
        store.record(Q1, scores, "x", answered_at=T0 + timedelta(hours=i))
    card = scheduling.replay(Q1, store.attempts(Q1))
    assert store.cards()[Q1] == store.card(Q1) == card == scheduling.replay(Q1, reversed(store.attempts(Q1)))
    assert store.card(Q2) is None
    assert card.last_review == T0 + timedelta(hours=2)


def test_practice_order_puts_due_then_new_then_later(store):
    store.record(Q1, [1, 1, 1, 1], "x", answered_at=T0)        # due in days
    store.record(Q2, [0, 0, 0, 0], "x", answered_at=T0)        # due in 10 minutes
    order = store.practice_order(T0 + timedelta(hours=1))
    assert order[0] == Q2 and order[-1] == Q1 and order[1] == Q3 and len(order) == len(BANK)


@pytest.mark.parametrize("seconds, words", [
    (0, "due now"), (30, "due now"), (600, "in 10 minutes"), (3599.9, "in 1 hour"),
    (7200, "in 2 hours"), (86400 * 3, "in 3 days"), (-5400, "overdue by 2 hours"),
    (-86340, "overdue by 1 day"), (86400 * 1.5 + 60, "in 2 days"), (-50, "due now"),
])
def test_describe_due(seconds, words):
    assert scheduling.describe_due(T0 + timedelta(seconds=seconds), T0) == words
    assert scheduling.describe_due(None, T0) == "new"


# --- summary and export ----------------------------------------------------------------------------

def test_summary_names_the_weakest_criteria_from_recent_attempts(store):
    store.record(Q1, [0, 0, 0, 0], "old, long forgotten", answered_at=T0)
    for day in range(1, 4):
        store.record(Q1, [1, 1, 0, 1], "x", answered_at=T0 + timedelta(days=day))
    store.record(Q2, [1, 0, 1, 1], "x", answered_at=T0)
    summary = store.summary(T0 + timedelta(days=4))
    weakest = [(c.question_id, c.index, c.met, c.seen) for c in summary.weakest]
    # Q1's criterion 3 was missed in all of the last three attempts; the first attempt has aged out.
    assert weakest == [(Q1, 2, 0, 3), (Q2, 1, 0, 1)]
    assert summary.weakest[0].criterion == BANK[0].rubric[2]
    q1 = next(q for q in summary.questions if q.question_id == Q1)
    assert (q1.attempts, q1.best, q1.last.met) == (4, Fraction(3, 4), 3)
    assert summary.total_attempts == 5 and len(summary.practised) == 2


def test_summary_keeps_history_of_questions_no_longer_in_the_bank(store):
    ProgressStore(store.path).record("retired-question", [True, False], "x", answered_at=T0)
    summary = store.summary(T0)
    retired = summary.questions[-1]
    assert (retired.question_id, retired.in_bank, retired.attempts) == ("retired-question", False, 1)
    assert "retired-question" not in [q.question_id for q in summary.due]
    assert [c.criterion for c in summarize(store.attempts(), [], T0).weakest] == ["criterion 2"]


def test_export_csv_round_trips_every_attempt(store, tmp_path):
    store.record(Q1, [1, 0, 1, 1], 'line one\nline "two", with commas ’', answered_at=T0)
    store.record(Q2, [0, 0, 0, 0], "", answered_at=T0 + timedelta(minutes=1))
    out = tmp_path / "history.csv"
    out.write_text("old export")
    assert store.export_csv(out) == 2
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert [r["question_id"] for r in rows] == [Q1, Q2]
    assert rows[0]["answer"] == 'line one\nline "two", with commas ’'
    assert (rows[0]["met"], rows[0]["total"], rows[0]["rating"], rows[0]["rubric_scores"]) == ("3", "4", "Good", "1 0 1 1")
    assert rows[1]["answered_at"] == "2026-11-02T09:01:00+00:00"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no scratch file
    buffer = io.StringIO()
    store.export_csv(buffer)
    with open(out, encoding="utf-8", newline="") as f:
        assert buffer.getvalue() == f.read()


def test_a_failed_export_keeps_the_previous_file_and_leaves_no_scratch_file(store, tmp_path, monkeypatch):
    import studykit.practice.progress as progress
    store.record(Q1, [1, 0, 1, 1], "an answer", answered_at=T0)
    out = tmp_path / "history.csv"
    out.write_text("old export")

    def half_written(file, attempts):
        file.write("attempt_id,question_id\n")
        raise OSError("disk full")

    monkeypatch.setattr(progress, "_write_csv", half_written)
    with pytest.raises(OSError, match="disk full"):
        store.export_csv(out)
    assert out.read_text() == "old export"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# --- what each attempt records since schema version 2, and the upgrade of older files ---------------

def test_mode_seconds_and_follow_up_marks_are_kept(store):
    asked = [FollowUpResult("Why subtract the max?", "Overflow <exp>", 31.5, True),
             FollowUpResult("And top-p?", "", 12.0, False)]
    first = store.record(Q1, [1, 1, 0, 0], "mine", answered_at=T0, mode="interview", seconds=95.25,
                         follow_ups=asked)
    store.record(Q2, [1, 1, 1, 1], "quiz answer", answered_at=T0, mode="quiz", seconds=40)
    store.record(Q3, [1, 0, 0, 0], "untimed", answered_at=T0)
    a, b, c = store.attempts()
    assert (a.id, a.mode, a.seconds, a.follow_ups, a.follow_ups_well) == (first, "interview", 95.25, tuple(asked), 1)
    assert (b.mode, b.seconds, b.follow_ups) == ("quiz", 40.0, ())
    assert (c.mode, c.seconds) == (None, None)
    summary = store.summary(T0)
    assert (summary.timed_answers, summary.median_seconds) == (4, 35.75)  # 12, 31.5, 40, 95.25
    assert (summary.follow_ups_asked, summary.follow_ups_well) == (2, 1)
    rows = list(csv.DictReader(io.StringIO(_csv(store))))
    assert [(r["mode"], r["seconds"], r["follow_ups_well"], r["follow_ups_asked"]) for r in rows] == [
        ("interview", "95.2", "1", "2"), ("quiz", "40.0", "", ""), ("", "", "", "")]


def _csv(store) -> str:
    buffer = io.StringIO()
    store.export_csv(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("kwargs, words", [
    ({"mode": "exam"}, "mode must be one of quiz, notebook, interview"),
    ({"seconds": -1}, "seconds must be a finite number of seconds, 0 or more, not -1"),
    ({"seconds": float("nan")}, "not nan"),
    ({"seconds": "12"}, "not '12'"),
    ({"follow_ups": [FollowUpResult("q", "a", -2.0, True)]}, r"follow_ups\[0\].seconds must be"),
    ({"follow_ups": ["q"]}, r"follow_ups\[0\] must be a FollowUpResult"),
])
def test_bad_mode_seconds_or_follow_ups_are_refused_and_nothing_is_saved(store, kwargs, words):
    with pytest.raises((ValueError, TypeError), match=words):
        store.record(Q1, [1, 1, 1, 1], "x", **kwargs)
    assert store.attempts() == []


# The tables exactly as studykit's first release created them (schema version 1).
SCHEMA_V1 = """
CREATE TABLE attempts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id   TEXT NOT NULL,
    answered_at   TEXT NOT NULL,
    answer        TEXT NOT NULL,
    rubric_scores TEXT NOT NULL,
    criteria      TEXT
);
CREATE INDEX attempts_by_question ON attempts (question_id, answered_at);
"""
V1_FIXTURE = REPO / "tests" / "data" / "progress" / "schema_v1.sqlite3"  # written by the v1 code


def v1_database(path: Path) -> Path:
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA_V1)
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute("PRAGMA user_version = 1")
        db.execute("INSERT INTO attempts (question_id, answered_at, answer, rubric_scores, criteria)"
                   " VALUES (?, ?, ?, ?, NULL)", (Q1, T0.isoformat(), "old <answer>", "[1, 0, 1, 1]"))
    return path


def columns(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[1] for row in db.execute("PRAGMA table_info(attempts)")]


def test_a_database_written_by_the_first_release_is_upgraded_keeping_every_attempt(tmp_path):
    path = tmp_path / "progress.sqlite3"
    path.write_bytes(V1_FIXTURE.read_bytes())
    with sqlite3.connect(path) as db:
        old_rows = db.execute("SELECT * FROM attempts ORDER BY id").fetchall()
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    store = ProgressStore(path, bank=BANK)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
        assert db.execute("SELECT id, question_id, answered_at, answer, rubric_scores, criteria"
                          " FROM attempts ORDER BY id").fetchall() == old_rows
    assert integrity(path) == "ok"
    attempts = store.attempts()
    assert [a.id for a in attempts] == [1, 2, 3] and attempts[0].answer == "Temperature divides the logits <z/T>."
    assert all(a.mode is None and a.seconds is None and a.follow_ups == () for a in attempts)
    # the schedule replays exactly as before, and new attempts carry the new fields
    new = store.record(Q1, [1, 1, 1, 1], "after the upgrade", mode="quiz", seconds=12.5)
    assert new == 4 and store.attempts(Q1)[-1].seconds == 12.5


def test_the_upgrade_gives_the_same_tables_as_a_new_database(tmp_path):
    upgraded = v1_database(tmp_path / "old.sqlite3")
    ProgressStore(upgraded)
    fresh = ProgressStore(tmp_path / "new.sqlite3").path
    assert columns(upgraded) == columns(fresh) == [
        "id", "question_id", "answered_at", "answer", "rubric_scores", "criteria", "mode", "seconds",
        "follow_ups", "drill"]


def test_a_failed_upgrade_leaves_the_old_file_exactly_as_it_was(tmp_path, monkeypatch):
    path = v1_database(tmp_path / "progress.sqlite3")
    before = file_bytes(path)
    # the second statement of the migration fails, after the first one has run
    broken = MIGRATIONS[2].replace("ADD COLUMN seconds REAL", "ADD COLUMN seconds REAL REFERENCES")
    monkeypatch.setitem(MIGRATIONS, 2, broken)
    with pytest.raises(ProgressError, match="could not upgrade the progress database.*Nothing was saved"):
        ProgressStore(path)
    assert file_bytes(path) == before and columns(path)[-1] == "criteria"
    monkeypatch.undo()
    assert [a.answer for a in ProgressStore(path).attempts()] == ["old <answer>"]


OPENER = """
import os, sys, time
from pathlib import Path
from studykit.practice import progress
path, arrivals = sys.argv[1], Path(sys.argv[2])
upgrade = progress.ProgressStore._migrate

def upgrade_once_both_have_seen_version_1(self):
    # This process read version 1 without the lock; wait until the other one has too.
    (arrivals / str(os.getpid())).touch()
    deadline = time.monotonic() + 30
    while len(list(arrivals.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    upgrade(self)

progress.ProgressStore._migrate = upgrade_once_both_have_seen_version_1
print(len(progress.ProgressStore(path).attempts()))
"""


def test_two_processes_opening_an_old_database_at_once_upgrade_it_once(tmp_path):
    """Both see version 1 before either takes the lock; the one that waited must read the version
    again under the lock and find the upgrade done, not run the migration a second time."""
    path, arrivals = v1_database(tmp_path / "progress.sqlite3"), tmp_path / "arrivals"
    arrivals.mkdir()
    openers = [subprocess.Popen([sys.executable, "-c", OPENER, str(path), str(arrivals)], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": str(REPO)}) for _ in range(2)]
    for opener in openers:
        out, err = opener.communicate(timeout=120)
        assert opener.returncode == 0, err
        assert out.split() == ["1"]
    assert len(list(arrivals.iterdir())) == 2  # both really reached the upgrade having seen version 1
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert columns(path) == columns(ProgressStore(tmp_path / "new.sqlite3").path)
    assert [a.answer for a in ProgressStore(path).attempts()] == ["old <answer>"]
    assert integrity(path) == "ok"


def test_an_upgrade_interrupted_by_ctrl_c_changes_nothing(tmp_path, monkeypatch):
    path = v1_database(tmp_path / "progress.sqlite3")
    before = file_bytes(path)
    import studykit.practice.progress as progress

    real = progress._run_script

    def interrupted(db, script):
        real(db, script)
        raise KeyboardInterrupt  # after the columns were added, before the version is written

    monkeypatch.setattr(progress, "_run_script", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ProgressStore(path)
    assert file_bytes(path) == before



# --- version 3: what the learner set (the interview date) ------------------------------------------

def v2_database(path: Path) -> Path:
    """A database as studykit wrote it at schema version 2: version 1 plus its one migration."""
    v1_database(path)
    with sqlite3.connect(path) as db:
        for statement in filter(str.strip, MIGRATIONS[2].split(";")):
            db.execute(statement)
        db.execute("PRAGMA user_version = 2")
        db.execute("INSERT INTO attempts (question_id, answered_at, answer, rubric_scores, mode, seconds)"
                   " VALUES (?, ?, ?, ?, 'quiz', 12.5)", (Q2, T0.isoformat(), "v2 answer", "[1, 1, 0, 1]"))
    return path


def tables(path: Path) -> dict[str, list[tuple]]:
    """Each table and index with its columns (name, type, not null, primary key)."""
    with sqlite3.connect(path) as db:
        names = [row[0] for row in db.execute(
            "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {name: [(c[1], c[2], c[3], c[5]) for c in db.execute(f"PRAGMA table_info({name})")]
                for name in names}


def test_the_interview_date_is_kept_and_replaced(store, tmp_path):
    assert store.interview_date() is None and store.setting("plan_per_day") is None
    store.set_interview_date(date(2026, 12, 18))
    store.set_setting("plan_per_day", "12")
    store.set_interview_date(date(2026, 12, 20))
    reopened = ProgressStore(store.path)
    assert reopened.interview_date() == date(2026, 12, 20) and reopened.setting("plan_per_day") == "12"
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT key, value FROM settings ORDER BY key").fetchall() == [
            ("interview_date", "2026-12-20"), ("plan_per_day", "12")]
    with pytest.raises(TypeError, match="datetime.date"):
        store.set_interview_date("2026-12-20")
    assert reopened.interview_date() == date(2026, 12, 20)


def test_a_version_2_database_is_upgraded_in_place_keeping_every_attempt(tmp_path):
    path = v2_database(tmp_path / "progress.sqlite3")
    with sqlite3.connect(path) as db:
        old_columns = [row[1] for row in db.execute("PRAGMA table_info(attempts)")]
        old_rows = db.execute("SELECT * FROM attempts ORDER BY id").fetchall()
    store = ProgressStore(path, bank=BANK)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        # every old column keeps every value; later versions only add columns
        assert db.execute(f"SELECT {', '.join(old_columns)} FROM attempts ORDER BY id").fetchall() == old_rows
    assert integrity(path) == "ok"
    assert [(a.answer, a.mode, a.seconds) for a in store.attempts()] == [
        ("old <answer>", None, None), ("v2 answer", "quiz", 12.5)]
    assert store.interview_date() is None
    store.set_interview_date(date(2026, 12, 18))
    assert ProgressStore(path).interview_date() == date(2026, 12, 18)


def test_every_upgrade_path_gives_the_same_tables_as_a_new_database(tmp_path):
    fresh = ProgressStore(tmp_path / "new.sqlite3").path
    for old in (v1_database(tmp_path / "v1.sqlite3"), v2_database(tmp_path / "v2.sqlite3")):
        ProgressStore(old)
        assert tables(old) == tables(fresh)
    assert "settings" in tables(fresh)


def test_a_failed_version_3_upgrade_leaves_the_version_2_file_as_it_was(tmp_path, monkeypatch):
    path = v2_database(tmp_path / "progress.sqlite3")
    before = file_bytes(path)
    monkeypatch.setitem(MIGRATIONS, 3, MIGRATIONS[3] + " CREATE TABLE settings (oops TEXT);")
    with pytest.raises(ProgressError, match="could not upgrade the progress database.*Nothing was saved"):
        ProgressStore(path)
    assert file_bytes(path) == before and "settings" not in tables(path)
    monkeypatch.undo()
    assert len(ProgressStore(path).attempts()) == 2
