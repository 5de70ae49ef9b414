"""Readiness by the interview date: the figures of a small learner's history, worked out by hand.

The hand computation uses FSRS-6's published formulas and the default parameters fsrs 6.3 ships
(written out below, so a change of defaults shows up here instead of passing silently):
a first review rated r gives stability S = w[r - 1]; a review the same day in learning multiplies
S by max(1, e^(w17 (G - 3 + w18)) S^(-w19)); and recall after t whole days is
R = (1 + F t / S)^(-w20) with F = 0.9^(-1 / w20) - 1 (so R = 0.9 at t = S).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction

import pytest

from studykit.practice import scheduling
from studykit.practice.progress import Attempt
from studykit.practice.readiness import (READY_COVERAGE, READY_RECALL, QuestionReadiness, Readiness,
                                         SelfGradingCheck, assess, interview_moment,
                                         reliable_criteria, self_grading_check, topic_readiness)

W = [0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796, 1.4835,
     0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542]
F = 0.9 ** (-1 / W[20]) - 1
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
INTERVIEW = interview_moment(date(2026, 11, 12))  # 10 whole days after T0


def recall(stability: float, days: int) -> float:
    return (1 + F * days / stability) ** -W[20]


def same_day_good(stability: float) -> float:
    return stability * max(1.0, math.exp(W[17] * (3 - 3 + W[18])) * stability ** -W[19])


@dataclass(frozen=True)
class Q:
    id: str
    tags: list[str]
    rubric: list[str]


BANK = [Q("A", ["softmax", "basics"], ["a1", "a2", "a3", "a4"]),
        Q("B", ["basics"], ["b1", "b2", "b3", "b4"]),
        Q("C", ["sampling"], ["c1", "c2", "c3", "c4"]),
        Q("D", ["sampling"], ["d1", "d2", "d3", "d4"])]


def attempt(n: int, qid: str, when: datetime, scores: str) -> Attempt:
    return Attempt(n, qid, when, "...", tuple(c == "1" for c in scores))


# A: once, 3 of 4 (Good). B: once, 4 of 4 (Easy). C: never. D: three times one morning, 20 minutes
# apart: 2 of 4 (Hard), 3 of 4 (Good), 3 of 4 (Good).
HISTORY = [attempt(1, "A", T0, "1110"), attempt(2, "B", T0, "1111"),
           attempt(3, "D", T0 - timedelta(minutes=20), "1100"),
           attempt(4, "D", T0 - timedelta(minutes=10), "1110"),
           attempt(5, "D", T0, "1011")]


def test_the_parameters_written_out_here_are_the_schedulers():
    assert list(scheduling.SCHEDULER.parameters) == pytest.approx(W, abs=1e-12)
    assert READY_RECALL == pytest.approx(scheduling.SCHEDULER.desired_retention, abs=1e-12)


def test_a_small_history_gives_the_figures_worked_out_by_hand():
    report = assess(BANK, HISTORY, INTERVIEW)
    r_a = recall(W[2], 10)                                   # first review Good: S = w2
    r_b = recall(W[3], 10)                                   # first review Easy: S = w3
    r_d = recall(same_day_good(same_day_good(W[1])), 10)     # Hard (S = w1), then Good twice that morning
    assert r_a == pytest.approx(0.7744, abs=1e-4)            # the same numbers by calculator
    assert r_b == pytest.approx(0.8867, abs=1e-4)
    assert r_d == pytest.approx(0.7240, abs=1e-4)            # S = 1.3772 after the morning
    assert {q.question_id: q.recall for q in report.questions} == pytest.approx(
        {"A": r_a, "B": r_b, "C": 0.0, "D": r_d}, abs=1e-9)
    assert report.recall == pytest.approx((r_a + r_b + 0 + r_d) / 4, abs=1e-9)
    # D's criteria over its last three attempts 1100, 1110, 1011: met 3, 2, 2 and 1 times
    assert [q.reliable for q in report.questions] == [
        (False,) * 4, (False,) * 4, (False,) * 4, (True, True, True, False)]
    assert (report.reliable, report.criteria, report.coverage) == (3, 16, Fraction(3, 16))
    topics = {t.tag: t for t in report.topics}
    assert topics["softmax"].recall == pytest.approx(r_a, abs=1e-9)
    assert topics["basics"].recall == pytest.approx((r_a + r_b) / 2, abs=1e-9)
    assert topics["sampling"].recall == pytest.approx(r_d / 2, abs=1e-9)
    assert [t.tag for t in report.topics] == ["sampling", "softmax", "basics"]
    assert [t.tag for t in report.weakest_topics] == ["sampling", "basics"]  # softmax: one question
    assert (topics["sampling"].reliable, topics["sampling"].criteria) == (3, 8)
    assert not report.ready


def test_the_self_grading_check_counts_met_then_missed_by_hand():
    check = assess(BANK, HISTORY, INTERVIEW).self_grading
    # D: 1100 -> 1110 confirms both ticks; 1110 -> 1011 confirms d1 and d3 and misses d2.
    assert (check.met_then_missed, check.met_then_tried) == (1, 5)
    assert check.rate == pytest.approx(0.2, abs=1e-12)
    assert check.worst == (("D", 1, 1),)
    assert self_grading_check(HISTORY[:2]).rate is None  # nothing retried yet


def test_an_edited_rubric_does_not_line_up_old_ticks_with_new_criteria():
    history = [attempt(1, "A", T0, "111"), attempt(2, "A", T0 + timedelta(days=1), "1111"),
               attempt(3, "A", T0 + timedelta(days=2), "1101")]
    assert reliable_criteria(history, 4) == (True, True, False, True)
    assert reliable_criteria(history[:1], 4) == (False,) * 4  # graded on another rubric: nothing counts
    assert self_grading_check(history).met_then_tried == 4  # only the pair graded on 4 criteria


def test_only_the_last_three_attempts_count():
    history = [attempt(i, "A", T0 + timedelta(days=i), s)
               for i, s in enumerate(["1111", "1111", "0001", "0011", "1011"])]
    assert reliable_criteria(history, 4) == (False, False, True, True)


def test_an_empty_history_is_zero_everywhere():
    report = assess(BANK, [], INTERVIEW)
    assert report.recall == 0.0 and report.coverage == 0 and not report.ready
    assert all(t.recall == 0.0 for t in report.topics)
    assert assess([], [], INTERVIEW).recall == 0.0


def _report(recall: float, reliable: int) -> Readiness:
    questions = tuple(QuestionReadiness(f"q{i}", ("t",), 3, recall, ("c1", "c2", "c3", "c4"),
                                        tuple(j < reliable for j in range(4))) for i in range(3))
    return Readiness(INTERVIEW, questions, topic_readiness(questions), SelfGradingCheck(0, 0))


@pytest.mark.parametrize("recall, reliable, ready", [
    (READY_RECALL, 3, True),            # both exactly at their thresholds
    (READY_RECALL - 1e-9, 4, False),    # recall just short
    (0.99, 2, False),                   # coverage 1/2 < 3/4
    (1.0, 4, True),
])
def test_ready_only_when_both_figures_clear_their_thresholds(recall, reliable, ready):
    report = _report(recall, reliable)
    assert report.coverage == Fraction(reliable, 4)
    assert report.ready is ready
    assert READY_COVERAGE == Fraction(3, 4)


def test_reviewing_before_the_date_raises_predicted_recall():
    cards = scheduling.cards_by_question(HISTORY)
    later, _ = scheduling.SCHEDULER.review_card(cards["A"], scheduling.rating_for([1, 1, 1, 1]),
                                                T0 + timedelta(days=8))
    before = assess(BANK, HISTORY, INTERVIEW)
    after = assess(BANK, HISTORY, INTERVIEW, cards={**cards, "A": later})
    assert after.questions[0].recall > before.questions[0].recall + 0.1
    assert after.coverage == before.coverage  # criteria come from attempts, not from cards
