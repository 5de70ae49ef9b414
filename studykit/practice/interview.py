"""A timed mock interview: which questions to ask, what was said, and what to save.

An interview differs from the quiz in its order: each question is answered against a clock, then
up to two of its follow-ups are asked, also timed, before any answer is revealed. The review comes
afterwards, and each reviewed question is saved as one attempt (``mode="interview"``) holding the
answer, its seconds and the follow-ups with the learner's answers, seconds and marks.

This module holds no terminal or widget code: ``interview_terminal`` and ``interview_panel`` drive
the same steps.

    >>> picks = pick_questions(bank, store, count=3)      # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Sequence

from . import scheduling
from .clock import format_seconds
from .progress import FollowUpResult, ProgressStore
from .questions import FollowUp, Question
from .selection import DIFFICULTIES
from ..tables import HTMLTable

DEFAULT_QUESTIONS = 3
DEFAULT_MINUTES = 2.0
MAX_MINUTES = 60.0
MAX_FOLLOW_UPS = 2


def check_settings(questions: int, minutes: float) -> None:
    """ValueError naming the setting, its accepted range and how to fix it."""
    if isinstance(questions, bool) or not isinstance(questions, int) or questions < 1:
        raise ValueError(f"--questions must be a whole number of at least 1, not {questions!r}; "
                         f"e.g. --questions {DEFAULT_QUESTIONS}")
    if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not (
            0 < minutes <= MAX_MINUTES):
        raise ValueError(f"--minutes must be more than 0 and at most {MAX_MINUTES:g}, not "
                         f"{minutes!r}; e.g. --minutes {DEFAULT_MINUTES:g} (1.5 is 90 seconds)")


def pick_questions(bank: Sequence[Question], store: ProgressStore, count: int,
                   now: datetime | None = None) -> list[Question]:
    """``count`` questions: due ones first, then the rest; within each, difficulties take turns.

    Each pick is the question that is due, whose difficulty has been picked least so far, and that
    comes first in the practice order (most overdue, then never practised, then soonest due)."""
    now = now or scheduling.utc_now()
    order = store.practice_order(now, [q.id for q in bank])
    due = set(store.due(now, [q.id for q in bank]))
    rank = {qid: i for i, qid in enumerate(order)}
    left = sorted(bank, key=lambda q: rank[q.id])
    picked: list[Question] = []
    while left and len(picked) < count:
        counts = {d: sum(p.difficulty == d for p in picked) for d in DIFFICULTIES}
        best = min(left, key=lambda q: (q.id not in due, counts.get(q.difficulty, 0), rank[q.id]))
        picked.append(best)
        left.remove(best)
    return picked


def follow_ups_to_ask(question: Question) -> list[FollowUp]:
    """The first follow-ups that have an answer to review against (at most ``MAX_FOLLOW_UPS``)."""
    return [f for f in question.follow_ups if f.answer][:MAX_FOLLOW_UPS]


@dataclass(frozen=True)
class Answer:
    text: str
    seconds: float


@dataclass
class Exchange:
    """One question of the interview: the learner's answer and follow-up answers, then the review."""

    question: Question
    answer: Answer
    follow_ups: list[tuple[FollowUp, Answer]] = field(default_factory=list)
    rubric_scores: list[bool] | None = None  # set by the review
    follow_up_marks: list[bool] | None = None  # answered well, one per follow-up asked
    attempt_id: int | None = None  # set once saved

    def save(self, store: ProgressStore, answered_at: datetime | None = None) -> int:
        """Record the reviewed exchange as one attempt (one transaction); returns its id."""
        if self.rubric_scores is None or self.follow_up_marks is None:
            raise ValueError(f"review {self.question.id} before saving it: mark every rubric "
                             "criterion and every follow-up")
        if len(self.follow_up_marks) != len(self.follow_ups):
            raise ValueError(f"follow_up_marks has {len(self.follow_up_marks)} marks for "
                             f"{len(self.follow_ups)} follow-ups; give one True/False per follow-up")
        results = [FollowUpResult(f.question, a.text, a.seconds, bool(well))
                   for (f, a), well in zip(self.follow_ups, self.follow_up_marks)]
        self.attempt_id = store.record(self.question.id, self.rubric_scores, self.answer.text,
                                       answered_at=answered_at, mode="interview",
                                       seconds=self.answer.seconds, follow_ups=results)
        return self.attempt_id


def summary_table(exchanges: Sequence[Exchange], store: ProgressStore, time_box: float,
                  now: datetime | None = None) -> HTMLTable:
    """One row per saved question: time per answer (follow-ups after the '+'), criteria met,
    follow-ups answered well, and when the question comes back."""
    now = now or scheduling.utc_now()
    rows = []
    for x in exchanges:
        if x.attempt_id is None:
            continue
        times = " + ".join(_time(a.seconds, time_box) for a in [x.answer, *(a for _, a in x.follow_ups)])
        card = store.card(x.question.id)
        rows.append((x.question.id, times, f"{sum(x.rubric_scores)}/{len(x.rubric_scores)}",
                     f"{sum(x.follow_up_marks)}/{len(x.follow_up_marks)}" if x.follow_ups else "-",
                     scheduling.describe_due(card.due if card else None, now)))
    return HTMLTable(("question", "time (answer + follow-ups)", "criteria met", "follow-ups well",
                      "comes back"), rows,
                     caption=f"Mock interview, {format_seconds(time_box)} per answer")


def weakest_criteria(exchanges: Sequence[Exchange]) -> list[tuple[str, str, str]]:
    """(question id, criterion, what to look for) for every criterion missed in this session."""
    return [(x.question.id, criterion, look_for)
            for x in exchanges if x.attempt_id is not None
            for criterion, look_for, met in zip(x.question.rubric, x.question.look_for, x.rubric_scores)
            if not met]


def _time(seconds: float, time_box: float) -> str:
    return format_seconds(seconds) + (" (over)" if seconds > time_box else "")
