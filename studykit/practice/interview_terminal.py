"""The mock interview in a plain terminal: ``studykit interview``.

First the interview: each question with a running clock, then its follow-ups, one at a time and
timed the same way, with no answer shown. Then the review, question by question: the answers, the
critique, each rubric criterion with what to look for (y/n), the traps, and each follow-up's
answer beside yours (answered well? y/n); each reviewed question is saved at once as one attempt.
Last, the summary table. Ctrl-C or end of input stops cleanly: what was saved stays saved, and the
question under review is not saved in part.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Sequence

from . import interview, scheduling
from .clock import AnswerTimer, Clock, StatusLine, format_seconds
from .progress import ProgressStore
from .questions import Question
from .quiz import (END_OF_ANSWER, Terminal, ask_met, grade_rubric, heading, show_answers,
                   show_question, show_traps)


@dataclass
class InterviewResult:
    exchanges: list[interview.Exchange] = field(default_factory=list)
    stopped_by: str | None = None  # "end of input", "Ctrl-C" or None when the session was finished

    @property
    def saved(self) -> list[int]:
        return [x.attempt_id for x in self.exchanges if x.attempt_id is not None]


def run_interview(questions: Sequence[Question], store: ProgressStore, terminal: Terminal,
                  minutes: float = interview.DEFAULT_MINUTES,
                  clock: Clock | None = None) -> InterviewResult:
    """Interview on ``questions``, review each answer, save it, and end with the summary.
    ``clock`` (default ``time.monotonic``) times the answers; tests pass a fake one."""
    interview.check_settings(len(questions) or 1, minutes)
    term, time_box, clock = terminal, minutes * 60, clock or time.monotonic
    result = InterviewResult()
    try:
        term.say(f"Mock interview: {scheduling.plural(len(questions), 'question')}, "
                 f"{format_seconds(time_box)} per answer. Answers are revealed only after the "
                 "interview. Going over the time box is noted, not cut off.")
        for number, question in enumerate(questions, 1):
            show_question(term, question, f"Question {number} of {len(questions)}")
            exchange = interview.Exchange(question, timed_answer(term, time_box, clock))
            for i, follow_up in enumerate(interview.follow_ups_to_ask(question), 1):
                term.say(f"\nFollow-up {i}:")
                term.wrapped(follow_up.question, "  ")
                exchange.follow_ups.append((follow_up, timed_answer(term, time_box, clock)))
            result.exchanges.append(exchange)
        term.say("\nThat is the interview. Now the review: the answers, and your marks.")
        for number, exchange in enumerate(result.exchanges, 1):
            review(term, exchange, f"{number} of {len(result.exchanges)}")
            exchange.save(store)
            card = store.card(exchange.question.id)
            term.say(f"\nSaved attempt #{exchange.attempt_id}. {exchange.question.id} comes back "
                     f"{scheduling.describe_due(card.due, scheduling.utc_now())}.")
    except (EOFError, KeyboardInterrupt) as stop:
        result.stopped_by = "end of input" if isinstance(stop, EOFError) else "Ctrl-C"
        term.say(f"\n\nStopped ({result.stopped_by}). Questions not yet reviewed were not saved.")
    show_summary(term, result, store, time_box)
    return result


def timed_answer(term: Terminal, time_box: float, clock: Clock) -> interview.Answer:
    """Read one answer with the clock running: a live status line on a terminal, else timestamps."""
    timer = AnswerTimer(time_box, clock)
    term.say(f"\nYour answer (finish with a line holding only '{END_OF_ANSWER}'). "
             f"Clock started: {format_seconds(time_box)} time box.")
    lines = []
    # Redraw only on a real terminal: `studykit interview | tee log` gets timestamps, no escapes.
    with StatusLine(timer, term.stdout, live=term.interactive and term.stdout.isatty()):
        while (line := term.ask("> ")).strip() != END_OF_ANSWER:
            lines.append(line)
    seconds = timer.elapsed
    term.say(f"⏱ {timer.status(seconds)}")
    return interview.Answer("\n".join(lines).strip("\n"), seconds)


def review(term: Terminal, exchange: interview.Exchange, position: str) -> None:
    """Show the answers, ask for the marks and set them on ``exchange`` (nothing is saved here)."""
    q = exchange.question
    show_question(term, q, f"Review {position}")
    heading(term, f"Your answer ({format_seconds(exchange.answer.seconds)})")
    term.wrapped(exchange.answer.text or "(no answer)", "  ")
    show_answers(term, q)
    scores = grade_rubric(term, q)
    show_traps(term, q)
    marks = []
    for i, (follow_up, answer) in enumerate(exchange.follow_ups, 1):
        heading(term, f"Follow-up {i}: {follow_up.question}")
        term.wrapped(f"You ({format_seconds(answer.seconds)}): {answer.text or '(no answer)'}", "  ")
        term.wrapped(f"Answer: {follow_up.answer}", "  ")
        marks.append(ask_met(term, "  answered well? [y/n] "))
    exchange.rubric_scores, exchange.follow_up_marks = scores, marks


def show_summary(term: Terminal, result: InterviewResult, store: ProgressStore,
                 time_box: float) -> None:
    if not result.saved:
        term.say("\nNo attempts saved this session.")
        return
    heading(term, "Summary")
    term.say(repr(interview.summary_table(result.exchanges, store, time_box)))
    missed = interview.weakest_criteria(result.exchanges)
    if missed:
        term.say("\nCriteria you missed, to work on:")
        for qid, criterion, look_for in missed:
            term.wrapped(f"{qid}: {criterion}" + (f" (look for: {look_for})" if look_for else ""),
                         "  • ", "    ")
    term.say(f"\n{scheduling.plural(len(result.saved), 'attempt')} saved in {store.path}.")
