"""The plan to the interview date: the scheduler's intervals, a final sweep, a daily limit."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
from fsrs import Rating
from hypothesis import given, settings
from hypothesis import strategies as st

from studykit.practice import scheduling
from studykit.practice.plan import (ASSUMED_FOR_NEW, FINAL_DAYS, assumed_rating, check_plan_settings,
                                    done_today, make_plan, plan_for, study_moment)
from studykit.practice.progress import Attempt
from studykit.practice.readiness import assess, interview_moment

TODAY = date(2026, 12, 6)


@dataclass(frozen=True)
class Q:
    id: str
    tags: list[str]
    rubric: list[str]


def bank(n: int) -> list[Q]:
    return [Q(f"q{i:02d}", [f"topic{i % 5}"], ["c1", "c2", "c3", "c4"]) for i in range(n)]


def attempt(n: int, qid: str, when: datetime, scores: str) -> Attempt:
    return Attempt(n, qid, when, "...", tuple(c == "1" for c in scores))


def simulated_history(questions: list[Q], days: int = 14, seed_skill: float = 0.3) -> list[Attempt]:
    """A learner who worked through the bank for ``days`` before TODAY: question i's criteria are met
    from the first up to a share that grows with practice and differs by question."""
    history, n = [], 0
    start = datetime.combine(TODAY, datetime.min.time(), timezone.utc) - timedelta(days=days)
    for d in range(days):
        for i, q in enumerate(questions):
            if (d + i) % 3:
                continue
            met = min(4, int(4 * seed_skill + d / 4 + (i % 4)))
            n += 1
            history.append(attempt(n, q.id, start + timedelta(days=d, hours=9, minutes=i),
                                   "1" * met + "0" * (4 - met)))
    return history


# --- the rules --------------------------------------------------------------------------------------

def test_an_empty_history_starts_with_the_new_questions_in_bank_order():
    questions = bank(30)
    plan = plan_for(questions, [], TODAY, TODAY + timedelta(days=10), per_day=12)
    assert plan.today.question_ids == tuple(q.id for q in questions[:12])
    assert plan.days[1].question_ids[:12] == tuple(q.id for q in questions[12:24])
    assert plan.days[0].day == TODAY and plan.days[-1].day == TODAY + timedelta(days=9)
    assert assess(questions, [], interview_moment(plan.interview)).recall == 0.0


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 40), span=st.integers(1, 30), per_day=st.integers(1, 15),
       practised=st.integers(0, 40))
def test_no_day_holds_more_than_the_limit_and_every_question_comes_back_at_the_end(
        n, span, per_day, practised):
    questions = bank(n)
    history = simulated_history(questions[:practised])
    plan = plan_for(questions, history, TODAY, TODAY + timedelta(days=span), per_day)
    assert len(plan.days) == span
    assert all(len(d.question_ids) <= per_day for d in plan.days)
    assert all(len(set(d.question_ids)) == len(d.question_ids) for d in plan.days)
    swept = {q for d in plan.days if d.day >= plan.final_from for q in d.question_ids}
    assert plan.final_from <= plan.days[-1].day - timedelta(days=min(FINAL_DAYS, span) - 1)
    if n <= per_day * span:  # room for every question once: none is left out
        assert plan.uncovered == () and swept == {q.id for q in questions}
    else:
        assert len(plan.uncovered) == n - per_day * span and plan.per_day_needed > per_day
        assert swept | set(plan.uncovered) == {q.id for q in questions}


def test_the_gaps_are_the_schedulers_intervals():
    # One new question: the plan must bring it back exactly when the scheduler says it falls due,
    # each review assumed Good (nothing is known about it yet).
    plan = plan_for(bank(1), [], TODAY, TODAY + timedelta(days=60), per_day=5, final_days=1)
    card, expected, day = None, [], TODAY
    while day < TODAY + timedelta(days=59):
        if card is None or card.due < datetime.combine(day + timedelta(days=1), datetime.min.time(),
                                                       timezone.utc):
            expected.append(day)
            card, _ = scheduling.SCHEDULER.review_card(card or scheduling.replay("q00", []),
                                                       Rating.Good, study_moment(day))
        day += timedelta(days=1)
    planned = [d.day for d in plan.days if d.question_ids]
    assert planned[:-1] == expected and planned[-1] == TODAY + timedelta(days=59)
    gaps = [(b - a).days for a, b in zip(expected, expected[1:])]
    assert gaps == [1, 7, 32]  # learning step, then FSRS's intervals at 90% retention: spacing grows


def test_weak_answers_come_back_more_often_than_strong_ones():
    questions = bank(2)
    history = []
    for d in range(3):  # q00: 1 of 4 each time; q01: 4 of 4 each time
        when = study_moment(TODAY - timedelta(days=6 - 2 * d))
        history += [attempt(2 * d + 1, "q00", when, "1000"), attempt(2 * d + 2, "q01", when, "1111")]
    assert assumed_rating([a for a in history if a.question_id == "q00"]) == Rating.Again
    assert assumed_rating([a for a in history if a.question_id == "q01"]) == Rating.Easy
    plan = plan_for(questions, history, TODAY, TODAY + timedelta(days=21), per_day=10)
    assert plan.times_planned("q00") >= 3 * plan.times_planned("q01")
    assert plan.times_planned("q01") >= 1


def test_when_a_day_is_full_the_least_likely_to_be_recalled_go_first():
    questions = bank(3)
    when = study_moment(TODAY - timedelta(days=20))
    history = [attempt(1, "q00", when, "1111"), attempt(2, "q01", when, "1000"),
               attempt(3, "q02", when, "1110")]
    plan = plan_for(questions, history, TODAY, TODAY + timedelta(days=10), per_day=1)
    assert plan.today.question_ids == ("q01",)  # Again 20 days ago: the lowest recall today


def test_assumed_rating_is_the_mean_share_met_of_the_last_three_attempts():
    t = study_moment(TODAY)
    scores = ["0000", "1111", "1100", "1110"]  # the last three: 1, 1/2, 3/4 -> mean 3/4: Good
    assert assumed_rating([attempt(i, "q", t, s) for i, s in enumerate(scores)]) == Rating.Good
    assert assumed_rating([attempt(1, "q", t, "1100"), attempt(2, "q", t, "1000")]) == Rating.Again
    assert assumed_rating([]) == ASSUMED_FOR_NEW == Rating.Good


def test_todays_plan_does_not_move_while_the_learner_works_through_it():
    questions = bank(20)
    history = simulated_history(questions)
    morning = plan_for(questions, history, TODAY, TODAY + timedelta(days=12), per_day=8)
    practised = [attempt(1000 + i, q, study_moment(TODAY) + timedelta(minutes=i), "1111")
                 for i, q in enumerate(morning.today.question_ids[:3])]
    evening = plan_for(questions, history + practised, TODAY, TODAY + timedelta(days=12), per_day=8)
    assert evening.today == morning.today
    assert done_today(evening, history + practised) == set(morning.today.question_ids[:3])


@pytest.mark.parametrize("interview, per_day, words", [
    (TODAY - timedelta(days=1), 12, "is in the past (today is 2026-12-06, UTC)"),
    (TODAY + timedelta(days=5), 0, "at least 1, not 0"),
    (TODAY + timedelta(days=5), True, "at least 1, not True"),
    (datetime(2026, 12, 20, tzinfo=timezone.utc), 12, "must be a date"),
])
def test_bad_settings_are_refused(interview, per_day, words):
    with pytest.raises(ValueError) as error:
        check_plan_settings(TODAY, interview, per_day)
    assert words in str(error.value)


def test_an_interview_today_plans_today_only():
    plan = plan_for(bank(5), [], TODAY, TODAY, per_day=12)
    assert [d.day for d in plan.days] == [TODAY] and len(plan.today.question_ids) == 5


def test_planning_30_days_for_36_questions_takes_under_a_second():
    questions = bank(36)
    history = simulated_history(questions, days=30)
    start = time.perf_counter()
    plan = plan_for(questions, history, TODAY, TODAY + timedelta(days=30), per_day=12)
    seconds = time.perf_counter() - start
    assert len(plan.days) == 30 and plan.uncovered == ()
    assert seconds < 1.0, f"planning took {seconds:.2f} s"


def test_make_plan_needs_a_rating_for_every_question():
    with pytest.raises(ValueError, match="no assumed rating for b; give one for every question id"):
        make_plan(["a", "b"], {}, {"a": Rating.Good}, TODAY, TODAY + timedelta(days=3), 5)
