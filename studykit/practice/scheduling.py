"""When to practise each question again: FSRS spaced repetition driven by rubric scores.

A self-graded attempt becomes an FSRS rating through the fraction of rubric criteria met, so
rubrics of any length work:

=====================  ===========  =============================
fraction met           rating       with 4 criteria
=====================  ===========  =============================
below 1/2              ``Again``    0 or 1 met
1/2 up to below 3/4    ``Hard``     2 met
3/4 up to below 1      ``Good``     3 met
all                    ``Easy``     4 met
=====================  ===========  =============================

    >>> rating_for([True, True, False, True]).name
    'Good'

A coding drill is scheduled the same way, as a card keyed by the drill's id, rated by
:func:`drill_rating` (passed or not, and the time against the drill's time box).

A question's schedule is never stored: it is replayed from its attempts, oldest first, so it can
never disagree with the history. Fuzzing is off, which makes the replay deterministic.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Iterable, Protocol, Sequence

from fsrs import Card, Rating, Scheduler

# (lowest fraction met, rating), checked from the top.
RATING_THRESHOLDS = (
    (Fraction(1), Rating.Easy),
    (Fraction(3, 4), Rating.Good),
    (Fraction(1, 2), Rating.Hard),
    (Fraction(0), Rating.Again),
)

# A written answer needs a few minutes away before a retry means anything, so a missed question
# comes back 10 minutes later in the same sitting, then after an hour, before FSRS's day-scale
# intervals take over. Fuzzing would make replays disagree with each other.
SCHEDULER = Scheduler(
    learning_steps=(timedelta(minutes=10), timedelta(hours=1)),
    relearning_steps=(timedelta(minutes=10),),
    enable_fuzzing=False,
)


class Graded(Protocol):
    """What replay needs from an attempt (``progress.Attempt`` is one)."""

    question_id: str
    answered_at: datetime
    rubric_scores: Sequence[bool]


def score_fraction(rubric_scores: Sequence[bool]) -> Fraction:
    """Fraction of rubric criteria met."""
    if len(rubric_scores) == 0:
        raise ValueError("rubric_scores is empty: give one True/False per rubric criterion")
    return Fraction(sum(bool(s) for s in rubric_scores), len(rubric_scores))


def rating_for(rubric_scores: Sequence[bool]) -> Rating:
    """The FSRS rating for one attempt (see the table in the module docstring)."""
    return rating_for_fraction(score_fraction(rubric_scores))


def rating_for_fraction(fraction: Fraction) -> Rating:
    """The FSRS rating for a fraction of rubric criteria met, from 0 to 1."""
    return next(rating for lowest, rating in RATING_THRESHOLDS if fraction >= lowest)


def drill_rating(passed: bool, seconds: float | None, time_box_seconds: float) -> Rating:
    """The FSRS rating of one check of a coding drill, a card keyed by the drill's id.

    FSRS's four buttons mean: Again, forgotten; Hard, recalled with serious difficulty; Good,
    recalled after some hesitation; Easy, recalled without effort. A check maps onto them by its
    verdict and by the time the learner had spent on the drill when it was checked, against the
    drill's time box (roughly what a live-coding round allows):

    - failed (a wrong case, or a file that does not load): ``Again``; in an interview this is a
      wrong answer;
    - passed, over the time box: ``Hard``; right, but too slow for the round;
    - passed within the time box: ``Good``; what the round expects;
    - passed within half the time box: ``Easy``; fluent, so the interval may grow fast;
    - passed, time not recorded: ``Good``; no evidence of either extreme.

    A failed check is always Again, however quick: a drill is graded on correctness first, as the
    code in an interview is. Each check is one review, so failing twice and then passing reads
    Again, Again, then the pass's rating; FSRS's 10-minute learning step absorbs a sitting's retries.

    >>> drill_rating(True, 170.0, 300.0).name, drill_rating(False, 30.0, 300.0).name
    ('Good', 'Again')
    """
    if not passed:
        return Rating.Again
    if seconds is None:
        return Rating.Good
    if seconds <= time_box_seconds / 2:
        return Rating.Easy
    return Rating.Good if seconds <= time_box_seconds else Rating.Hard


def rating_for_attempt(attempt) -> Rating:
    """An attempt's rating: a drill's from :func:`drill_rating`, a question's from its rubric."""
    if getattr(attempt, "mode", None) == "drill" and getattr(attempt, "drill", None):
        return drill_rating(bool(attempt.rubric_scores[0]), attempt.seconds,
                            float(attempt.drill["time_box_seconds"]))
    return rating_for(attempt.rubric_scores)


def replay(question_id: str, attempts: Iterable[Graded]) -> Card:
    """The FSRS card after reviewing ``attempts`` (of one question or drill) in time order."""
    card = Card(card_id=zlib.crc32(question_id.encode()))  # a fixed id: Card() would sleep 1 ms
    for attempt in sorted(attempts, key=lambda a: a.answered_at):
        card, _ = SCHEDULER.review_card(card, rating_for_attempt(attempt), attempt.answered_at)
    return card


def cards_by_question(attempts: Iterable[Graded]) -> dict[str, Card]:
    """One replayed card per question that has at least one attempt."""
    grouped: dict[str, list[Graded]] = {}
    for attempt in attempts:
        grouped.setdefault(attempt.question_id, []).append(attempt)
    return {qid: replay(qid, group) for qid, group in grouped.items()}


def practice_order(cards: dict[str, Card], question_ids: Sequence[str],
                   now: datetime) -> list[str]:
    """All ``question_ids`` in the order to practise them: reviews that are due (most overdue
    first), then questions never practised (in bank order), then the rest by when they fall due."""
    due = sorted((cards[q].due, q) for q in question_ids if q in cards and cards[q].due <= now)
    new = [q for q in question_ids if q not in cards]
    later = sorted((cards[q].due, q) for q in question_ids if q in cards and cards[q].due > now)
    return [q for _, q in due] + new + [q for _, q in later]


def is_due(card: Card | None, now: datetime) -> bool:
    """A question is due if it was never practised or its review time has come."""
    return is_due_at(card.due if card is not None else None, now)


def is_due_at(due: datetime | None, now: datetime) -> bool:
    """Same, from the due time alone (None: never practised)."""
    return due is None or due <= now


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def describe_due(due: datetime | None, now: datetime) -> str:
    """``due`` relative to ``now`` in words: 'new', 'due now', 'in 3 days', 'overdue by 2 hours'."""
    if due is None:
        return "new"
    seconds = (due - now).total_seconds()
    if abs(seconds) < 60:
        return "due now"
    span = _span(abs(seconds))
    return f"in {span}" if seconds > 0 else f"overdue by {span}"


def _span(seconds: float) -> str:
    # Each unit is rounded before choosing the next, so 59.9 minutes reads "1 hour", 23.9 hours "1 day".
    minutes = round(seconds / 60)
    if minutes < 60:
        return plural(minutes, "minute") if minutes else "under a minute"
    hours = round(minutes / 60)
    return plural(hours, "hour") if hours < 24 else plural(round(hours / 24), "day")


def plural(count: int, noun: str) -> str:
    """'1 day', '3 days'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
