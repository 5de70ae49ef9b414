"""A daily plan to the interview date, worked out by running the scheduler forward.

    >>> plan = plan_for(bank, store.attempts(), date(2026, 12, 6), date(2026, 12, 18), per_day=12)  # doctest: +SKIP
    >>> plan.today.question_ids                                                       # doctest: +SKIP
    ('ch43-q1-what-temperature-does', ...)

How the plan is made, day by day from today to the eve of the interview:

1. **The scheduler decides what comes back.** Each question's FSRS card is replayed from the
   attempts, then every planned review is fed to the same scheduler (``scheduling.SCHEDULER``) as
   if it had happened at noon UTC that day. A question enters a day when its card falls due by the
   end of that day, so the gaps are FSRS's own intervals, not a fixed rule.
2. **Weak answers come back most often.** A planned review is assumed to be graded as the learner's
   recent attempts were (``assumed_rating``: the mean share of criteria met over the last 3), so a
   question whose criteria are often missed gets a lower rating and a shorter interval. A question
   never tried is assumed *Good* (nothing is known about it yet) and comes first: its recall is 0.
   When more is due than a day holds, the least likely to be recalled that day go first.
3. **Everything once at the end.** The last ``FINAL_DAYS`` days before the date (more if the bank
   does not fit into them at ``per_day``) review every question at least once, the strongest first,
   so the weakest are reviewed nearest the date.
4. **No day holds more than ``per_day``.** If even the whole span cannot hold every question once,
   the plan says which are left out and how many a day would fit them (``Plan.uncovered``,
   ``Plan.per_day_needed``).

Today's plan is made from the attempts before today (UTC), so it stays the same all day while the
learner works through it; what was practised today counts from tomorrow's plan on.

Pure computation: cards and dates in, a plan out (no I/O, no UI).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from fractions import Fraction
from typing import Mapping, Sequence

from fsrs import Card, Rating

from . import scheduling
from .readiness import RELIABLE_OF_LAST, Readiness, assess, interview_moment, recall_on

FINAL_DAYS = 3  # every question is reviewed at least once in the last days before the interview
DEFAULT_PER_DAY = 12
PER_DAY_SETTING = "plan_per_day"  # the progress store's settings key for the learner's limit
STUDY_TIME = time(12, 0, tzinfo=timezone.utc)  # planned reviews are simulated at noon UTC
ASSUMED_FOR_NEW = Rating.Good


@dataclass(frozen=True)
class PlanDay:
    day: date
    question_ids: tuple[str, ...]  # in the order to practise them


@dataclass(frozen=True)
class Plan:
    interview: date
    per_day: int
    days: tuple[PlanDay, ...]  # from today to the eve of the interview (today only, if it is today)
    final_from: date  # first day of the final sweep (every question at least once from then)
    uncovered: tuple[str, ...]  # questions the final sweep could not fit at per_day
    question_count: int

    @property
    def today(self) -> PlanDay:
        return self.days[0]

    @property
    def reviews(self) -> int:
        return sum(len(d.question_ids) for d in self.days)

    @property
    def per_day_needed(self) -> int:
        """The smallest per_day at which every question fits into the days left at least once."""
        return math.ceil(self.question_count / len(self.days))

    def times_planned(self, question_id: str) -> int:
        return sum(question_id in d.question_ids for d in self.days)


def check_plan_settings(today: date, interview: date, per_day: int) -> None:
    """Raise ValueError naming what is wrong and what to give instead."""
    if not isinstance(interview, date) or isinstance(interview, datetime):
        raise ValueError(f"the interview date must be a date such as 2026-12-18, not {interview!r}")
    if interview < today:
        raise ValueError(f"the interview date {interview.isoformat()} is in the past (today is "
                         f"{today.isoformat()}, UTC); give today or a later date")
    if isinstance(per_day, bool) or not isinstance(per_day, int) or per_day < 1:
        raise ValueError(f"questions per day must be a whole number of at least 1, not {per_day!r}")


def study_moment(day: date) -> datetime:
    return datetime.combine(day, STUDY_TIME)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0, tzinfo=timezone.utc))


def assumed_rating(history: Sequence) -> Rating:
    """The rating a planned review of this question is assumed to get: the mean share of criteria
    met over its last attempts (those graded on the latest rubric length), or ``ASSUMED_FOR_NEW``."""
    if not history:
        return ASSUMED_FOR_NEW
    total = len(history[-1].rubric_scores)
    recent = [a for a in history[-RELIABLE_OF_LAST:] if len(a.rubric_scores) == total]
    mean = sum(Fraction(sum(map(bool, a.rubric_scores)), total) for a in recent) / len(recent)
    return scheduling.rating_for_fraction(mean)


def review_all(cards: Mapping[str, Card], question_ids: Sequence[str],
               ratings: Mapping[str, Rating], when: datetime) -> dict[str, Card]:
    """``cards`` after reviewing ``question_ids`` at ``when`` with the given ratings (a new dict)."""
    after = dict(cards)
    for q in question_ids:
        card = after.get(q) or scheduling.replay(q, [])  # a fresh card with the question's fixed id
        after[q], _ = scheduling.SCHEDULER.review_card(card, ratings[q], when)
    return after


def make_plan(question_ids: Sequence[str], cards: Mapping[str, Card],
              ratings: Mapping[str, Rating], today: date, interview: date, per_day: int,
              final_days: int = FINAL_DAYS) -> Plan:
    """The plan from ``today`` to the eve of ``interview`` (see the module docstring).

    ``cards`` holds the card of each question practised before today; ``ratings`` the rating each
    planned review is assumed to get (every id in ``question_ids``)."""
    check_plan_settings(today, interview, per_day)
    ids = list(question_ids)
    missing = [q for q in ids if q not in ratings]
    if missing:
        raise ValueError(f"ratings has no assumed rating for {', '.join(missing[:3])}; give one "
                         "for every question id (assumed_ratings computes them)")
    span = max((interview - today).days, 1)
    days = [today + timedelta(days=d) for d in range(span)]
    window = min(span, max(final_days, math.ceil(len(ids) / per_day)))
    final_from = days[span - window]
    at_interview = interview_moment(interview)
    cards = dict(cards)
    swept: set[str] = set()
    planned = []
    for i, day in enumerate(days):
        moment = study_moment(day)
        chosen: list[str] = []
        if day >= final_from:
            left = [q for q in ids if q not in swept]
            quota = min(per_day, math.ceil(len(left) / (span - i)))
            recall_then = recall_on(cards, left, at_interview)
            chosen = sorted(left, key=lambda q: -recall_then[q])[:quota]  # the weakest come last
        end = day_start(day + timedelta(days=1))
        due = [q for q in ids if q not in chosen and (q not in cards or cards[q].due < end)]
        recall_now = recall_on(cards, ids, moment)
        due.sort(key=lambda q: recall_now[q])  # never practised (0) first, then the most forgotten
        chosen += due[:per_day - len(chosen)]
        chosen.sort(key=lambda q: recall_now[q])
        cards = review_all(cards, chosen, ratings, moment)
        if day >= final_from:
            swept.update(chosen)
        planned.append(PlanDay(day, tuple(chosen)))
    return Plan(interview, per_day, tuple(planned), final_from,
                tuple(q for q in ids if q not in swept), len(ids))


def plan_for(bank: Sequence, attempts: Sequence, today: date, interview: date, per_day: int,
             final_days: int = FINAL_DAYS) -> Plan:
    """The plan for a bank and the learner's attempts: only attempts before ``today`` (UTC) count,
    so today's plan does not move while the learner works through it."""
    before = [a for a in attempts if a.answered_at < day_start(today)]
    ratings = assumed_ratings(bank, before)
    cards = {q: c for q, c in scheduling.cards_by_question(before).items() if q in ratings}
    return make_plan(list(ratings), cards, ratings, today, interview, per_day, final_days)


def assumed_ratings(bank: Sequence, attempts: Sequence) -> dict[str, Rating]:
    """``assumed_rating`` of every question of ``bank`` (in bank order) from ``attempts``."""
    by_question: dict[str, list] = {}
    for a in sorted(attempts, key=lambda a: (a.answered_at, a.id)):
        by_question.setdefault(a.question_id, []).append(a)
    return {q.id: assumed_rating(by_question.get(q.id, [])) for q in bank}


def done_today(plan: Plan, attempts: Sequence) -> set[str]:
    """Today's planned questions already practised today."""
    start = day_start(plan.today.day)
    practised = {a.question_id for a in attempts if a.answered_at >= start}
    return set(plan.today.question_ids) & practised


def readiness_after_today(bank: Sequence, attempts: Sequence, plan: Plan) -> Readiness:
    """The readiness on the interview date once today's planned questions still to do are
    practised, each graded as ``assumed_rating`` says (criteria still judged on real attempts)."""
    todo = [q for q in plan.today.question_ids if q not in done_today(plan, attempts)]
    cards = review_all(scheduling.cards_by_question(attempts), todo, assumed_ratings(bank, attempts),
                       max([study_moment(plan.today.day), *(a.answered_at for a in attempts)]))
    return assess(bank, attempts, interview_moment(plan.interview), cards=cards)
