"""The learner's practice history: every self-graded attempt, kept safely in SQLite.

    >>> store = ProgressStore()                      # doctest: +SKIP
    >>> store.record("ch43-q1-what-temperature-does", [True, True, False, True], "My answer")
    1
    >>> store.due()                                   # question ids due for review now
    [...]

The database is ``progress.sqlite3`` in the user's data directory (``$STUDYKIT_HOME/data`` when
``STUDYKIT_HOME`` is set). Safety rules, because weeks of practice live in this one file:

- each attempt is one transaction, committed with ``synchronous=FULL`` before ``record`` returns
  its id, so an acknowledged attempt survives a crash or a ``kill -9``;
- writers take the lock up front (``BEGIN IMMEDIATE``) and wait up to 30 s for each other, so two
  kernels or terminals recording at once both keep every attempt;
- a file that is not SQLite, belongs to another program, is damaged or comes from a newer
  studykit raises :class:`ProgressError` and is never modified, let alone recreated;
- nothing is derived and stored: the schedule is replayed from the attempts (``scheduling``);
  the only other thing kept is what the learner set (``settings``: the interview date, the plan's
  questions per day);
- a database written by an older studykit is upgraded in place, in one transaction, on first open
  (``MIGRATIONS``): every attempt is kept, and a failed upgrade leaves the file as it was.

Each attempt keeps how it was made (``mode``: quiz, notebook or interview), the seconds the answer
took where it was timed, and in a mock interview the follow-ups asked, the learner's answers, their
seconds and whether the learner judged each answered well.
"""

from __future__ import annotations

import contextlib
import csv
import json
import sqlite3
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import IO, Iterable, Iterator, Sequence

from fsrs import Card, Rating

from .. import paths
from . import scheduling
from .questions import find_question

DB_FILENAME = "progress.sqlite3"
SCHEMA_VERSION = 4  # PRAGMA user_version; raise it (with a migration) whenever the tables change
APPLICATION_ID = 0x534B5031  # PRAGMA application_id "SKP1": marks the file as ours
BUSY_TIMEOUT_S = 30.0
SQLITE_HEADER = b"SQLite format 3\x00"

_SCHEMA = """
CREATE TABLE attempts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: ids are never reused
    question_id   TEXT NOT NULL,
    answered_at   TEXT NOT NULL,  -- ISO 8601, UTC, microseconds: sorts as text
    answer        TEXT NOT NULL,
    rubric_scores TEXT NOT NULL,  -- JSON list of 0/1, one per rubric criterion
    criteria      TEXT            -- JSON list of the criteria as worded when answered, or NULL
);
CREATE INDEX attempts_by_question ON attempts (question_id, answered_at);
"""  # version 1, as first released; MIGRATIONS bring it to SCHEMA_VERSION

# MIGRATIONS[v]: the statements that take a version v-1 database to version v. A new database is
# created at version 1 and migrated like an old one, so every migration runs on every new file.
MIGRATIONS: dict[int, str] = {
    2: """
    ALTER TABLE attempts ADD COLUMN mode TEXT;        -- quiz, notebook or interview (NULL: not recorded)
    ALTER TABLE attempts ADD COLUMN seconds REAL;     -- time to answer (NULL: not timed)
    ALTER TABLE attempts ADD COLUMN follow_ups TEXT;  -- JSON list of follow-up results, or NULL
    """,
    3: "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    # A coding drill is an attempt like any other (question_id = the drill's id, rubric_scores =
    # [passed], criteria = what was checked, answer = the learner's code); this column holds what
    # only a drill has: the check's report with the first failing case, and the drill's time box.
    4: """
    ALTER TABLE attempts ADD COLUMN drill TEXT;       -- JSON: the check's report, or NULL
    """,
}
MODES = ("quiz", "notebook", "interview", "drill")
INTERVIEW_DATE = "interview_date"  # settings key: the date as YYYY-MM-DD


class ProgressError(RuntimeError):
    """The progress database cannot be used as asked; the message says why and what to do."""


@dataclass(frozen=True)
class FollowUpResult:
    """One follow-up of a mock interview: what was asked, what the learner said, and their mark."""

    question: str
    answer: str
    seconds: float | None
    answered_well: bool


@dataclass(frozen=True)
class Attempt:
    """One saved, self-graded answer."""

    id: int
    question_id: str
    answered_at: datetime
    answer: str
    rubric_scores: tuple[bool, ...]
    criteria: tuple[str, ...] | None = None
    mode: str | None = None  # None: saved before studykit recorded it
    seconds: float | None = None  # None: not timed
    follow_ups: tuple[FollowUpResult, ...] = ()
    drill: dict | None = None  # a coding drill's check report (mode "drill"), else None

    @property
    def follow_ups_well(self) -> int:
        return sum(f.answered_well for f in self.follow_ups)

    @property
    def met(self) -> int:
        return sum(self.rubric_scores)

    @property
    def total(self) -> int:
        return len(self.rubric_scores)

    @property
    def fraction(self) -> Fraction:
        return scheduling.score_fraction(self.rubric_scores)

    @property
    def rating(self) -> Rating:
        return scheduling.rating_for_attempt(self)


def default_path() -> Path:
    """``progress.sqlite3`` in the user's data directory."""
    try:
        return paths.data_dir() / DB_FILENAME
    except OSError as e:
        raise ProgressError(
            f"cannot create the studykit data directory ({e}); set STUDYKIT_HOME to a writable "
            "directory") from e


class ProgressStore:
    """The attempts database. ``bank`` (the loaded questions) makes ``record`` check question ids and
    rubric lengths and makes ``due`` include questions never practised."""

    def __init__(self, path: str | Path | None = None, *, bank: Iterable | None = None):
        self.path = Path(path) if path is not None else default_path()
        self.bank = list(bank) if bank is not None else None
        self._rubrics = {q.id: list(q.rubric) for q in self.bank} if self.bank is not None else None
        self._open_and_check()

    def __repr__(self) -> str:
        return f"ProgressStore({str(self.path)!r})"

    # --- writing ----------------------------------------------------------------------------

    def record(self, question_id: str, rubric_scores: Sequence[bool], answer: str, *,
               answered_at: datetime | None = None, mode: str | None = None,
               seconds: float | None = None,
               follow_ups: Sequence[FollowUpResult] = ()) -> int:
        """Save one attempt and return its id once it is safely on disk.

        ``rubric_scores`` has one True/False (or 1/0) per rubric criterion, in the rubric's order.
        ``mode`` is one of ``MODES``; ``seconds`` the time the answer took; ``follow_ups`` the
        follow-ups of a mock interview with the learner's answers and marks.
        """
        scores = self._check_scores(question_id, rubric_scores)
        if not isinstance(answer, str):
            raise TypeError(f"answer must be text (str), not {type(answer).__name__}")
        if mode is not None and mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)} (or None), not {mode!r}")
        seconds = _check_seconds("seconds", seconds)
        follow_ups = list(follow_ups)
        for i, f in enumerate(follow_ups):
            if not isinstance(f, FollowUpResult):
                raise TypeError(f"follow_ups[{i}] must be a FollowUpResult, not {type(f).__name__}")
            _check_seconds(f"follow_ups[{i}].seconds", f.seconds)
        when = _as_utc(answered_at) if answered_at is not None else scheduling.utc_now()
        criteria = self._rubrics.get(question_id) if self._rubrics is not None else None
        with self._transaction("save the attempt") as db:
            cursor = db.execute(
                "INSERT INTO attempts (question_id, answered_at, answer, rubric_scores, criteria,"
                " mode, seconds, follow_ups) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (question_id, when.isoformat(timespec="microseconds"), answer, json.dumps(scores),
                 json.dumps(criteria, ensure_ascii=False) if criteria is not None else None,
                 mode, seconds,
                 json.dumps([f.__dict__ for f in follow_ups], ensure_ascii=False)
                 if follow_ups else None))
            return cursor.lastrowid

    def record_drill(self, drill_id: str, passed: bool, code: str, *, report: dict,
                     checks: Sequence[str], time_box_seconds: float, seconds: float | None = None,
                     answered_at: datetime | None = None) -> int:
        """Save one check of a coding drill (mode ``drill``) and return its id once it is on disk.

        ``code`` is the learner's file as checked; ``report`` the check's report (JSON-ready: the
        first failing case, or the one-line problem with the file); ``checks`` what was checked;
        ``time_box_seconds`` the drill's time box, which the schedule's rating reads (see
        ``scheduling.drill_rating``); ``seconds`` the time since the drill was opened.
        """
        if not isinstance(drill_id, str) or not drill_id.startswith("drill-"):
            raise ValueError(f"drill_id must be a drill's id such as 'drill-top-p', not {drill_id!r}")
        if not (_is_tick(passed) and passed in (0, 1)):
            raise TypeError(f"passed must be True or False, not {passed!r}")
        if not isinstance(code, str):
            raise TypeError(f"code must be text (str), not {type(code).__name__}")
        seconds = _check_seconds("seconds", seconds)
        box = _check_seconds("time_box_seconds", time_box_seconds)
        if not box:
            raise ValueError(f"time_box_seconds must be more than 0, not {time_box_seconds!r}")
        details = dict(report, time_box_seconds=box)
        when = _as_utc(answered_at) if answered_at is not None else scheduling.utc_now()
        with self._transaction("save the drill attempt") as db:
            cursor = db.execute(
                "INSERT INTO attempts (question_id, answered_at, answer, rubric_scores, criteria,"
                " mode, seconds, follow_ups, drill) VALUES (?, ?, ?, ?, ?, 'drill', ?, NULL, ?)",
                (drill_id, when.isoformat(timespec="microseconds"), code, json.dumps([int(bool(passed))]),
                 json.dumps(list(checks), ensure_ascii=False), seconds,
                 json.dumps(details, ensure_ascii=False)))
            return cursor.lastrowid

    def drill_attempts(self, drill_id: str | None = None) -> list[Attempt]:
        """The coding drills' attempts, oldest first; all of them, or those of one drill."""
        return [a for a in self.attempts(drill_id) if a.mode == "drill"]

    def _check_scores(self, question_id: str, rubric_scores: Sequence[bool]) -> list[int]:
        if not isinstance(question_id, str) or not question_id:
            raise ValueError(f"question_id must be a non-empty str, not {question_id!r}")
        if self._rubrics is not None and question_id not in self._rubrics:
            find_question(self.bank, question_id)  # raises, suggesting close ids
        if isinstance(rubric_scores, (str, bytes, dict)) or not hasattr(rubric_scores, "__iter__"):
            raise TypeError("rubric_scores must be a list with one True/False per rubric criterion, "
                            f"not {type(rubric_scores).__name__}")
        rubric_scores = list(rubric_scores)  # a tuple or a numpy array is fine too
        bad = [s for s in rubric_scores if not (_is_tick(s) and s in (0, 1))]
        if bad:
            raise ValueError(f"rubric_scores must hold True/False (or 1/0) only, got {bad[0]!r}")
        expected = len(self._rubrics[question_id]) if self._rubrics is not None else None
        if expected is not None and len(rubric_scores) != expected:
            raise ValueError(
                f"rubric_scores has {len(rubric_scores)} entries but question {question_id} has "
                f"{expected} rubric criteria; give one True/False per criterion")
        if len(rubric_scores) == 0:
            raise ValueError("rubric_scores is empty; give one True/False per rubric criterion")
        return [int(bool(s)) for s in rubric_scores]

    # --- reading ----------------------------------------------------------------------------

    def attempts(self, question_id: str | None = None) -> list[Attempt]:
        """Saved attempts, oldest first; all of them, or those of one question."""
        query = ("SELECT id, question_id, answered_at, answer, rubric_scores, criteria, mode,"
                 " seconds, follow_ups, drill FROM attempts")
        args: tuple = ()
        if question_id is not None:
            query += " WHERE question_id = ?"
            args = (question_id,)
        with self._reading() as db:
            rows = db.execute(query + " ORDER BY answered_at, id", args).fetchall()
        return [_attempt(row) for row in rows]

    def card(self, question_id: str) -> Card | None:
        """The FSRS card of one question, replayed from its attempts; None if never practised."""
        attempts = self.attempts(question_id)
        return scheduling.replay(question_id, attempts) if attempts else None

    def cards(self) -> dict[str, Card]:
        """The FSRS card of every question practised at least once, replayed from its attempts."""
        return scheduling.cards_by_question(self.attempts())

    def due(self, now: datetime | None = None,
            question_ids: Sequence[str] | None = None) -> list[str]:
        """Ids of questions due for review at ``now``: reviews most overdue first, then questions
        never practised. ``question_ids`` (default: the bank's, else every id with attempts)
        limits the set."""
        now, cards, ids = self._schedule(now, question_ids)
        return [q for q in scheduling.practice_order(cards, ids, now)
                if scheduling.is_due(cards.get(q), now)]

    def practice_order(self, now: datetime | None = None,
                       question_ids: Sequence[str] | None = None) -> list[str]:
        """Every question id in the order to practise it (see ``scheduling.practice_order``)."""
        now, cards, ids = self._schedule(now, question_ids)
        return scheduling.practice_order(cards, ids, now)

    def summary(self, now: datetime | None = None) -> "ProgressSummary":
        """Per-question progress, what is due and the weakest rubric criteria (see ``summarize``)."""
        return summarize(self.attempts(), self.bank or [], self._now(now))

    def _schedule(self, now, question_ids) -> tuple[datetime, dict[str, Card], list[str]]:
        cards = self.cards()
        if question_ids is None:
            question_ids = [q.id for q in self.bank] if self.bank is not None else sorted(cards)
        return self._now(now), cards, list(question_ids)

    @staticmethod
    def _now(now: datetime | None) -> datetime:
        return _as_utc(now) if now is not None else scheduling.utc_now()

    # --- what the learner set ---------------------------------------------------------------

    def setting(self, key: str) -> str | None:
        """A value the learner set (``settings`` table), or None if never set."""
        with self._reading() as db:
            row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str) -> None:
        """Keep ``value`` under ``key``, replacing an earlier one, in one durable transaction."""
        if not isinstance(key, str) or not key or not isinstance(value, str):
            raise TypeError(f"a setting is a non-empty str key and a str value, not {key!r}: {value!r}")
        with self._transaction("save the setting") as db:
            db.execute("INSERT INTO settings (key, value) VALUES (?, ?)"
                       " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    def interview_date(self) -> date | None:
        """The interview date the learner set (``studykit plan --interview``), or None."""
        value = self.setting(INTERVIEW_DATE)
        return date.fromisoformat(value) if value is not None else None

    def set_interview_date(self, day: date) -> None:
        if not isinstance(day, date) or isinstance(day, datetime):
            raise TypeError(f"the interview date must be a datetime.date, not {day!r}")
        self.set_setting(INTERVIEW_DATE, day.isoformat())

    # --- export -----------------------------------------------------------------------------

    CSV_COLUMNS = ("attempt_id", "question_id", "answered_at", "mode", "seconds", "met", "total",
                   "rating", "follow_ups_well", "follow_ups_asked", "rubric_scores", "answer")

    def export_csv(self, destination: str | Path | IO[str]) -> int:
        """Write every attempt as CSV (to a path, atomically, or to an open text file); returns the
        number of attempts written."""
        attempts = self.attempts()
        if not isinstance(destination, (str, Path)):
            _write_csv(destination, attempts)
            return len(attempts)
        with paths.replacing(Path(destination), "w", encoding="utf-8", newline="") as f:
            _write_csv(f, attempts)
        return len(attempts)

    # --- the database file ------------------------------------------------------------------

    def _open_and_check(self) -> None:
        """Refuse anything that is not our database, and create the tables in a new, empty file."""
        if self.path.is_dir():
            raise ProgressError(f"{self.path} is a directory, not a progress database file")
        if self.path.exists() and self.path.stat().st_size > 0:
            try:
                with open(self.path, "rb") as f:
                    header = f.read(len(SQLITE_HEADER))
            except OSError as e:
                raise ProgressError(f"cannot read the progress database {self.path}: {e}") from e
            if header != SQLITE_HEADER:
                raise ProgressError(
                    f"{self.path} is not a studykit progress database (it is not an SQLite file). "
                    "studykit leaves it untouched: move it elsewhere to start a fresh history, or "
                    "point STUDYKIT_HOME at another directory.")
        with self._reading() as db:
            self._check_integrity(db)
            version, app_id, tables = _identity(db)
        if version == 0 and app_id == 0 and not tables:
            self._create_tables()
        else:
            self._check_identity(version, app_id, tables)
            if version < SCHEMA_VERSION:
                self._migrate()

    def _check_integrity(self, db: sqlite3.Connection) -> None:
        try:
            result = [row[0] for row in db.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError as e:
            result = [str(e)]
        if result != ["ok"]:
            raise ProgressError(
                f"the progress database {self.path} is damaged (SQLite reports: "
                f"{'; '.join(' '.join(r.split()) for r in result[:3])}). studykit will not modify it. Keep a copy, then try "
                f"`sqlite3 {self.path} .recover | sqlite3 recovered.sqlite3`, or move it aside to "
                "start a new history.")

    def _check_identity(self, version: int, app_id: int, tables: set[str]) -> None:
        if app_id not in (0, APPLICATION_ID) or (version == 0 and tables):
            raise ProgressError(
                f"{self.path} is an SQLite database of another program (tables: "
                f"{', '.join(sorted(tables)) or 'none'}), not a studykit progress database. "
                "studykit leaves it untouched: choose another path or move the file.")
        if version > SCHEMA_VERSION:
            raise ProgressError(
                f"{self.path} was written by a newer studykit (schema version {version}; this "
                f"studykit reads up to version {SCHEMA_VERSION}). Upgrade studykit to use it; the "
                "file is left untouched.")
        if "attempts" not in tables:
            raise ProgressError(
                f"{self.path} says it is a studykit database but has no attempts table; it is "
                "left untouched. Move it aside to start a new history.")

    def _create_tables(self) -> None:
        with self._transaction("create the progress database") as db:
            version, app_id, tables = _identity(db)  # another process may have just done it
            if version == 0 and app_id == 0 and not tables:
                _run_script(db, _SCHEMA)
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute("PRAGMA user_version = 1")
                _upgrade(db, 1)
        with self._reading() as db:
            self._check_identity(*_identity(db))

    def _migrate(self) -> None:
        """Bring an older database to SCHEMA_VERSION in one transaction: all steps or none."""
        with self._transaction("upgrade the progress database") as db:
            version, app_id, tables = _identity(db)  # another process may have just done it
            self._check_identity(version, app_id, tables)
            _upgrade(db, version)

    def _connect(self) -> sqlite3.Connection:
        try:
            # isolation_level=None: transactions are explicit below, never opened behind our back.
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            db.execute("PRAGMA synchronous = FULL")
            return db
        except sqlite3.Error as e:
            raise ProgressError(self._explain(e, "open the progress database")) from e

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        db = self._connect()
        try:
            yield db
        except sqlite3.DatabaseError as e:
            raise ProgressError(self._explain(e, "read the progress database")) from e
        finally:
            db.close()

    @contextlib.contextmanager
    def _transaction(self, action: str) -> Iterator[sqlite3.Connection]:
        """One all-or-nothing write: committed on success, rolled back on any error (Ctrl-C too)."""
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")  # take the write lock now; waits for other writers
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except sqlite3.Error as e:
            raise ProgressError(self._explain(e, action) + " Nothing was saved.") from e
        finally:
            db.close()

    def _explain(self, error: sqlite3.Error, action: str) -> str:
        text = str(error)
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            hint = ("the file or its directory is read-only or missing; make it writable or set "
                    "STUDYKIT_HOME to a writable directory.")
        elif "locked" in text or "busy" in text:
            hint = (f"another studykit process kept the database busy for {BUSY_TIMEOUT_S:.0f} s; "
                    "try again.")
        elif "full" in text:
            hint = "the disk is full; free some space and try again."
        elif "not a database" in text or "malformed" in text:
            hint = "the file is damaged or not a studykit database; it is left untouched."
        else:
            hint = "see the SQLite message above."
        return f"could not {action} at {self.path}: {text}; {hint}"


def _run_script(db: sqlite3.Connection, script: str) -> None:
    # One statement at a time: executescript() would commit the open transaction first.
    for statement in filter(str.strip, script.split(";")):
        db.execute(statement)


def _upgrade(db: sqlite3.Connection, version: int) -> None:
    """Apply every migration after ``version`` inside the caller's transaction."""
    for target in range(version + 1, SCHEMA_VERSION + 1):
        _run_script(db, MIGRATIONS[target])
        db.execute(f"PRAGMA user_version = {target}")  # transactional: rolled back with the rest


def _identity(db: sqlite3.Connection) -> tuple[int, int, set[str]]:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    tables = {row[0] for row in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
    return version, app_id, tables


def _attempt(row: tuple) -> Attempt:
    attempt_id, question_id, answered_at, answer, scores, criteria, mode, seconds, follow_ups, drill = row
    return Attempt(attempt_id, question_id, datetime.fromisoformat(answered_at), answer,
                   tuple(bool(s) for s in json.loads(scores)),
                   tuple(json.loads(criteria)) if criteria is not None else None,
                   mode, seconds,
                   tuple(FollowUpResult(**f) for f in json.loads(follow_ups)) if follow_ups else (),
                   json.loads(drill) if drill else None)


def _check_seconds(name: str, seconds) -> float | None:
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not (
            0 <= seconds < float("inf")):
        raise ValueError(f"{name} must be a finite number of seconds, 0 or more, not {seconds!r}")
    return float(seconds)


def _is_tick(value) -> bool:
    # bool or int, including numpy's (which are neither): floats and text are refused
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    return isinstance(value, (bool, int)) or kind in ("b", "i", "u")


def _as_utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError(f"{when!r} has no time zone; use an aware datetime, e.g. "
                         "datetime.now(timezone.utc)")
    return when.astimezone(timezone.utc)


def _write_csv(f: IO[str], attempts: Iterable[Attempt]) -> None:
    writer = csv.writer(f)
    writer.writerow(ProgressStore.CSV_COLUMNS)
    for a in attempts:
        writer.writerow([a.id, a.question_id, a.answered_at.isoformat(), a.mode or "",
                         "" if a.seconds is None else f"{a.seconds:.1f}", a.met, a.total,
                         a.rating.name, a.follow_ups_well if a.follow_ups else "",
                         len(a.follow_ups) if a.follow_ups else "",
                         " ".join(str(int(s)) for s in a.rubric_scores), a.answer])


# --- the learner's overview -----------------------------------------------------------------------

RECENT_ATTEMPTS = 3  # weak criteria are judged on each question's latest attempts: old misses fade


@dataclass(frozen=True)
class QuestionSummary:
    question_id: str
    attempts: int
    last: Attempt | None
    best: Fraction | None
    due: datetime | None  # None: never practised, so due now
    in_bank: bool  # False: history of a question no longer in the bank (kept, never deleted)


@dataclass(frozen=True)
class CriterionSummary:
    question_id: str
    index: int  # position in the rubric, from 0
    criterion: str
    met: int
    seen: int

    @property
    def rate(self) -> Fraction:
        return Fraction(self.met, self.seen)


@dataclass(frozen=True)
class ProgressSummary:
    now: datetime
    questions: list[QuestionSummary]  # in the order to practise them
    weakest: list[CriterionSummary]  # lowest share met first; only criteria missed at least once
    total_attempts: int
    timed_answers: int = 0  # answers with a recorded time (follow-ups of mock interviews included)
    median_seconds: float | None = None  # their median; None when nothing was timed
    follow_ups_asked: int = 0  # follow-ups asked in mock interviews, all attempts
    follow_ups_well: int = 0  # of those, the ones the learner marked answered well

    @property
    def due(self) -> list[QuestionSummary]:
        return [q for q in self.questions if q.in_bank and scheduling.is_due_at(q.due, self.now)]

    @property
    def practised(self) -> list[QuestionSummary]:
        return [q for q in self.questions if q.attempts]


def summarize(attempts: Sequence[Attempt], bank: Sequence, now: datetime, *,
              recent: int = RECENT_ATTEMPTS, weakest: int = 5) -> ProgressSummary:
    """Everything a progress view shows, computed from the attempts and the bank.

    Coding drills (mode ``drill``) have their own view (``practice.drills``); they are left out here.
    """
    attempts = [a for a in attempts if a.mode != "drill"]
    by_question: dict[str, list[Attempt]] = {}
    for attempt in sorted(attempts, key=lambda a: (a.answered_at, a.id)):
        by_question.setdefault(attempt.question_id, []).append(attempt)
    cards = scheduling.cards_by_question(attempts)
    bank_ids = [q.id for q in bank]
    order = scheduling.practice_order(cards, bank_ids, now)
    order += sorted(set(by_question) - set(bank_ids))  # history whose question left the bank
    questions = []
    for qid in order:
        history = by_question.get(qid, [])
        questions.append(QuestionSummary(
            qid, len(history), history[-1] if history else None,
            max((a.fraction for a in history), default=None),
            cards[qid].due if qid in cards else None, qid in bank_ids))
    rubrics = {q.id: list(q.rubric) for q in bank}
    criteria = [c for qid, history in by_question.items()
                for c in _criteria(qid, history[-recent:], rubrics.get(qid)) if c.met < c.seen]
    criteria.sort(key=lambda c: (c.rate, -c.seen, c.question_id, c.index))
    times = sorted([a.seconds for a in attempts if a.seconds is not None] +
                   [f.seconds for a in attempts for f in a.follow_ups if f.seconds is not None])
    return ProgressSummary(now, questions, criteria[:weakest], len(attempts),
                           len(times), statistics.median(times) if times else None,
                           sum(len(a.follow_ups) for a in attempts),
                           sum(a.follow_ups_well for a in attempts))


def _criteria(question_id: str, recent: list[Attempt],
              rubric: list[str] | None) -> list[CriterionSummary]:
    # Only attempts graded on a rubric of the latest length count, in case the rubric was edited.
    latest = recent[-1]
    same = [a for a in recent if a.total == latest.total]
    names = (rubric if rubric and len(rubric) == latest.total else
             latest.criteria if latest.criteria else
             [f"criterion {i + 1}" for i in range(latest.total)])
    return [CriterionSummary(question_id, i, names[i],
                             sum(a.rubric_scores[i] for a in same), len(same))
            for i in range(latest.total)]
