"""Ready by the interview date: predicted recall per question and topic, criteria met reliably,
and one readiness figure that says what it means.

    >>> report = assess(bank, [], interview_moment(date(2026, 12, 18)))  # doctest: +SKIP
    >>> report.recall, report.coverage, report.ready                     # doctest: +SKIP
    (0.0, Fraction(0, 1), False)

- **Predicted recall** of a question on the date is FSRS's retrievability of its card then
  (``Scheduler.get_card_retrievability``): the probability the scheduler's memory model gives that
  you recall the answer, if you stopped practising now. A question never practised counts 0.
- **The readiness figure** is the mean predicted recall over the bank, every question weighted the
  same: the share of the bank you are expected to recall if the interviewer picks any question of
  it, each equally likely. Nothing tells us which questions an interviewer favours, so no question
  (or topic with many questions) is given more weight than another.
- **A topic** is a tag; its recall is the mean over its questions. The weakest topics are chosen
  among tags shared by at least two questions (a tag on one question is just that question).
- **A criterion met reliably** is one ticked in at least 2 of the question's last 3 attempts
  (graded on its current rubric). **Coverage** is the share of all the bank's criteria met reliably;
  a question never practised has none.
- **Ready** only when both clear their thresholds: predicted recall at least ``READY_RECALL`` (the
  scheduler's own target retention, 90 %: the level FSRS keeps a practised card at) and coverage at
  least ``READY_COVERAGE`` (3/4: on average the rubric share that FSRS rates *Good*).

What it is not: every tick is the learner's own judgement (self-graded), and FSRS models memory of
an answer you have rehearsed, not the skill of explaining it to a stranger under questioning. The
self-grading check (``SelfGradingCheck``) shows how often a criterion ticked as met was missed at
the next attempt, so over-generous grading is visible.

Pure computation: attempts and cards in, figures out (no I/O, no UI).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from fractions import Fraction
from typing import Mapping, Sequence

from fsrs import Card

from . import scheduling

READY_RECALL = 0.90  # = scheduling.SCHEDULER.desired_retention (a test keeps them equal)
READY_COVERAGE = Fraction(3, 4)  # the rubric share rated Good (scheduling.RATING_THRESHOLDS)
RELIABLE_OF_LAST = 3  # a criterion is met reliably when ticked in at least
RELIABLE_MIN_MET = 2  # this many of the question's last RELIABLE_OF_LAST attempts
WEAKEST_TOPICS = 3
TOPIC_MIN_QUESTIONS = 2  # a tag on one question only is that question: the question row says it all
INTERVIEW_TIME = time(9, 0, tzinfo=timezone.utc)  # recall is predicted for 09:00 UTC on the date


def interview_moment(day: date) -> datetime:
    """When recall is predicted for an interview on ``day``: 09:00 UTC that day."""
    return datetime.combine(day, INTERVIEW_TIME)


def recall_on(cards: Mapping[str, Card], question_ids: Sequence[str],
              when: datetime) -> dict[str, float]:
    """FSRS's predicted recall probability of each question at ``when``; 0 for one never practised."""
    return {q: scheduling.SCHEDULER.get_card_retrievability(cards[q], when) if q in cards else 0.0
            for q in question_ids}


def reliable_criteria(history: Sequence, total: int) -> tuple[bool, ...]:
    """For each of a question's ``total`` rubric criteria: was it ticked in at least
    ``RELIABLE_MIN_MET`` of the last ``RELIABLE_OF_LAST`` attempts? ``history`` is the question's
    attempts, oldest first. Attempts graded on a rubric of another length (an edited rubric) do not
    count: their ticks belong to other criteria."""
    recent = [a for a in history[-RELIABLE_OF_LAST:] if len(a.rubric_scores) == total]
    return tuple(sum(bool(a.rubric_scores[i]) for a in recent) >= RELIABLE_MIN_MET
                 for i in range(total))


@dataclass(frozen=True)
class SelfGradingCheck:
    """How often a criterion ticked as met was missed at the question's next attempt."""

    met_then_missed: int  # ticked met, then not met at the next attempt
    met_then_tried: int  # ticked met in an attempt that has a next attempt (same rubric length)
    worst: tuple[tuple[str, int, int], ...] = ()  # (question id, criterion index, times), most first

    @property
    def rate(self) -> float | None:
        """The share of "met" ticks not confirmed next time; None before any question is retried."""
        return self.met_then_missed / self.met_then_tried if self.met_then_tried else None


def self_grading_check(attempts: Sequence) -> SelfGradingCheck:
    """Count, over consecutive attempts of each question, the criteria met then missed."""
    by_question: dict[str, list] = {}
    for a in sorted(attempts, key=lambda a: (a.answered_at, a.id)):
        by_question.setdefault(a.question_id, []).append(a)
    missed: dict[tuple[str, int], int] = {}
    tried = 0
    for qid, history in by_question.items():
        for earlier, later in zip(history, history[1:]):
            if len(earlier.rubric_scores) != len(later.rubric_scores):
                continue  # the rubric was edited between them: criteria do not line up
            for i, (then, next_time) in enumerate(zip(earlier.rubric_scores, later.rubric_scores)):
                if then:
                    tried += 1
                    if not next_time:
                        missed[(qid, i)] = missed.get((qid, i), 0) + 1
    worst = sorted(((q, i, n) for (q, i), n in missed.items()), key=lambda t: (-t[2], t[0], t[1]))
    return SelfGradingCheck(sum(missed.values()), tried, tuple(worst))


@dataclass(frozen=True)
class QuestionReadiness:
    question_id: str
    tags: tuple[str, ...]
    attempts: int
    recall: float  # predicted recall on the interview date, 0 if never practised
    criteria: tuple[str, ...]  # the rubric
    reliable: tuple[bool, ...]  # per criterion: met in at least 2 of the last 3 attempts


@dataclass(frozen=True)
class TopicReadiness:
    tag: str
    question_ids: tuple[str, ...]
    recall: float  # mean predicted recall of the topic's questions
    reliable: int  # criteria met reliably, over the topic's questions
    criteria: int


@dataclass(frozen=True)
class Readiness:
    """Everything the readiness view shows, for one interview moment."""

    interview: datetime
    questions: tuple[QuestionReadiness, ...]  # in bank order
    topics: tuple[TopicReadiness, ...]  # weakest (lowest recall) first
    self_grading: SelfGradingCheck

    @property
    def recall(self) -> float:
        """Mean predicted recall over the bank, each question weighted the same (0 for an empty bank)."""
        return sum(q.recall for q in self.questions) / len(self.questions) if self.questions else 0.0

    @property
    def reliable(self) -> int:
        return sum(sum(q.reliable) for q in self.questions)

    @property
    def criteria(self) -> int:
        return sum(len(q.criteria) for q in self.questions)

    @property
    def coverage(self) -> Fraction:
        """The share of the bank's rubric criteria met reliably."""
        return Fraction(self.reliable, self.criteria) if self.criteria else Fraction(0)

    @property
    def shared_topics(self) -> tuple[TopicReadiness, ...]:
        """Topics of at least ``TOPIC_MIN_QUESTIONS`` questions, weakest first."""
        return tuple(t for t in self.topics if len(t.question_ids) >= TOPIC_MIN_QUESTIONS)

    @property
    def weakest_topics(self) -> tuple[TopicReadiness, ...]:
        """The weakest shared topics (all topics, if no tag is shared)."""
        return (self.shared_topics or self.topics)[:WEAKEST_TOPICS]

    @property
    def ready(self) -> bool:
        return self.recall >= READY_RECALL and self.coverage >= READY_COVERAGE


def assess(bank: Sequence, attempts: Sequence, interview: datetime,
           cards: Mapping[str, Card] | None = None) -> Readiness:
    """The readiness of ``bank`` (questions with ``id``, ``tags``, ``rubric``) at ``interview``,
    from the learner's ``attempts``. ``cards`` replaces the cards replayed from the attempts (for
    example, cards after the reviews a plan foresees); criteria are always judged on the attempts."""
    by_question: dict[str, list] = {}
    for a in sorted(attempts, key=lambda a: (a.answered_at, a.id)):
        by_question.setdefault(a.question_id, []).append(a)
    if cards is None:
        cards = scheduling.cards_by_question(attempts)
    recall = recall_on(cards, [q.id for q in bank], interview)
    questions = tuple(
        QuestionReadiness(q.id, tuple(q.tags), len(by_question.get(q.id, ())), recall[q.id],
                          tuple(q.rubric), reliable_criteria(by_question.get(q.id, []), len(q.rubric)))
        for q in bank)
    return Readiness(interview, questions, topic_readiness(questions),
                     self_grading_check([a for a in attempts if a.question_id in recall]))


def topic_readiness(questions: Sequence[QuestionReadiness]) -> tuple[TopicReadiness, ...]:
    """One row per tag (a question with several tags counts in each), weakest recall first."""
    by_tag: dict[str, list[QuestionReadiness]] = {}
    for q in questions:
        for tag in q.tags:
            by_tag.setdefault(tag, []).append(q)
    topics = [TopicReadiness(tag, tuple(q.question_id for q in qs),
                             sum(q.recall for q in qs) / len(qs),
                             sum(sum(q.reliable) for q in qs), sum(len(q.criteria) for q in qs))
              for tag, qs in by_tag.items()]
    return tuple(sorted(topics, key=lambda t: (t.recall, Fraction(t.reliable, t.criteria), t.tag)))
