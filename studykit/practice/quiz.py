"""The practice loop in a plain terminal (stdin/stdout only, so it works over SSH and in tmux).

For each question: ask, read a multi-line answer ending with a line holding only ``.``, reveal the
model answer (for the chapter's questions also its critique and a strong answer), ask y/n for each
rubric criterion (shown with what to look for), list the traps, save the attempt, then show the
score, the next review and the follow-ups, each answer revealed on Enter. Ctrl-C or end of input
stops cleanly: an attempt is saved whole or not at all, so the store stays consistent.

The pieces of the review (``show_answers``, ``grade_rubric``, ``show_traps``) are shared with the
mock interview (``interview_terminal``).
"""

from __future__ import annotations

import shutil
import sys
import textwrap
import time
from dataclasses import dataclass, field
from typing import IO, Sequence

from . import scheduling
from .clock import Clock, format_seconds
from .progress import ProgressStore
from .questions import Question

END_OF_ANSWER = "."
YES, NO = ("y", "yes"), ("n", "no")


class Terminal:
    """Line-based input and output; ``input()`` with line editing when attached to a real terminal."""

    def __init__(self, stdin: IO[str] | None = None, stdout: IO[str] | None = None):
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.interactive = (self.stdin is sys.stdin and self.stdout is sys.stdout
                            and self.stdin.isatty())
        if self.interactive:
            try:
                import readline  # noqa: F401  (gives input() arrow keys and history)
            except ImportError:
                pass
        # A fixed width when not on a terminal, so piped output does not depend on the caller's window.
        columns = shutil.get_terminal_size((88, 24)).columns if self.interactive else 88
        self.width = max(min(columns, 88), 50) - 2

    def say(self, text: str = "") -> None:
        print(text, file=self.stdout, flush=True)

    def wrapped(self, text: str, indent: str = "", hanging: str | None = None) -> None:
        """``text`` filled to the width, each of its lines on its own (a list stays a list);
        ``hanging`` indents the continuation lines (default: as ``indent``)."""
        more = indent if hanging is None else hanging
        self.say("\n".join(textwrap.fill(line, self.width, initial_indent=indent,
                                          subsequent_indent=more) or indent.rstrip()
                           for line in text.splitlines() or [""]))

    def ask(self, prompt: str) -> str:
        """One line, without its newline; EOFError at end of input."""
        if self.interactive:
            return input(prompt)
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\r\n")


@dataclass
class QuizResult:
    saved: list[int] = field(default_factory=list)  # attempt ids, in order
    stopped_by: str | None = None  # "end of input", "Ctrl-C" or None when every question was done


def run_quiz(questions: Sequence[Question], store: ProgressStore,
             terminal: Terminal | None = None, clock: Clock = time.monotonic) -> QuizResult:
    """Practise ``questions`` in order, saving each graded attempt to ``store``."""
    term = terminal or Terminal()
    result = QuizResult()
    in_progress = False  # a question asked but not yet saved
    try:
        for number, question in enumerate(questions, 1):
            in_progress = True
            result.saved.append(practise(question, store, term, f"{number} of {len(questions)}",
                                         clock))
            in_progress = False
            reveal_follow_ups(term, question)
            if number < len(questions):
                if term.ask("\nPress Enter for the next question, or q then Enter to stop: "
                            ).strip().lower() in ("q", "quit"):
                    break
    except (EOFError, KeyboardInterrupt) as stop:
        result.stopped_by = "end of input" if isinstance(stop, EOFError) else "Ctrl-C"
        term.say(f"\n\nStopped ({result.stopped_by})."
                 + (" The question in progress was not saved." if in_progress else ""))
    term.say(f"\n{scheduling.plural(len(result.saved), 'attempt')} saved this session"
             f" in {store.path}." if result.saved else "\nNo attempts saved this session.")
    return result


def practise(question: Question, store: ProgressStore, term: Terminal, position: str = "",
             clock: Clock = time.monotonic) -> int:
    """One question, from asking to saving; returns the saved attempt's id. (The follow-ups come
    after, in ``run_quiz``: the attempt is safe by then.)"""
    show_question(term, question, f"Question {position}")
    started = clock()
    answer = read_answer(term)
    seconds = clock() - started

    show_answers(term, question)
    scores = grade_rubric(term, question)
    show_traps(term, question)

    attempt_id = store.record(question.id, scores, answer, mode="quiz", seconds=seconds)
    next_review = scheduling.describe_due(store.card(question.id).due, scheduling.utc_now())
    term.say(f"\nScore: {sum(scores)} of {len(scores)} criteria met → "
             f"{scheduling.rating_for(scores).name}. Saved attempt #{attempt_id}."
             f" Next review: {next_review}. Your answer took {format_seconds(seconds)}.")
    return attempt_id


def heading(term: Terminal, title: str) -> None:
    term.say(f"\n── {title} {'─' * max(term.width - len(title) - 4, 2)}")


def show_question(term: Terminal, question: Question, title: str) -> None:
    rule = "─" * term.width
    term.say(f"\n{rule}\n{title} · {question.id} · {question.difficulty}"
             f" · {', '.join(question.tags)}\n{rule}")
    term.wrapped(question.question)


def show_answers(term: Terminal, question: Question) -> None:
    """The model answer; where the bank has them, its critique and a strong answer."""
    heading(term, "The chapter's answer" if question.origin == "chapter" else "Model answer")
    term.wrapped(question.model_answer)
    if question.critique:
        heading(term, "What an interviewer would mark down")
        term.wrapped(question.critique)
    if question.strong_answer:
        heading(term, "A strong answer")
        term.wrapped(question.strong_answer)


def grade_rubric(term: Terminal, question: Question) -> list[bool]:
    """Each criterion with what to look for; the learner answers y/n for each."""
    heading(term, "Rubric: did your answer meet each criterion?")
    scores = []
    for i, (criterion, look_for) in enumerate(zip(question.rubric, question.look_for), 1):
        term.wrapped(f"{i}/{len(question.rubric)} {criterion}", "  ", "      ")
        if look_for:
            term.wrapped(f"look for: {look_for}", "      ")
        scores.append(ask_met(term))
    return scores


def show_traps(term: Terminal, question: Question) -> None:
    if not question.traps:
        return
    heading(term, "Traps: did your answer say any of these?")
    for trap in question.traps:
        term.wrapped(f"✗ {trap.claim}", "  ", "    ")
        term.wrapped(f"→ {trap.correction}", "    ", "      ")


def reveal_follow_ups(term: Terminal, question: Question) -> None:
    """What an interviewer asks next: each follow-up, its answer shown when Enter is pressed."""
    if not question.follow_ups:
        return
    heading(term, "Follow-ups an interviewer may ask next")
    for i, follow_up in enumerate(question.follow_ups, 1):
        term.wrapped(f"{i}. {follow_up.question}", "  ", "     ")
        if follow_up.answer:
            term.ask("     (think of your answer, then press Enter to see one) ")
            term.wrapped(follow_up.answer, "     ")


def read_answer(term: Terminal) -> str:
    """Lines up to one holding only ``.``; blank lines inside the answer are kept."""
    term.say(f"\nYour answer (as many lines as you like; finish with a line holding only "
             f"'{END_OF_ANSWER}'):")
    lines = []
    while (line := term.ask("> ")).strip() != END_OF_ANSWER:
        lines.append(line)
    return "\n".join(lines).strip("\n")


def ask_met(term: Terminal, prompt: str = "  met? [y/n] ") -> bool:
    while True:
        reply = term.ask(prompt).strip().lower()
        if reply in YES or reply in NO:
            return reply in YES
        term.say("  Please type y or n.")
