"""The practice loop in a plain terminal (stdin/stdout only, so it works over SSH and in tmux).

For each question: ask, read a multi-line answer ending with a line holding only ``.``, reveal the
model answer, ask y/n for each rubric criterion, save the attempt, then show the score, the next
review and the follow-ups. Ctrl-C or end of input stops cleanly: an attempt is saved whole or not
at all, so the store stays consistent.
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from dataclasses import dataclass, field
from typing import IO, Sequence

from . import scheduling
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

    def wrapped(self, text: str, indent: str = "") -> None:
        self.say(textwrap.fill(text, self.width, initial_indent=indent, subsequent_indent=indent))

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
             terminal: Terminal | None = None) -> QuizResult:
    """Practise ``questions`` in order, saving each graded attempt to ``store``."""
    term = terminal or Terminal()
    result = QuizResult()
    try:
        for number, question in enumerate(questions, 1):
            result.saved.append(practise(question, store, term, f"{number} of {len(questions)}"))
            if number < len(questions):
                if term.ask("\nPress Enter for the next question, or q then Enter to stop: "
                            ).strip().lower() in ("q", "quit"):
                    break
    except (EOFError, KeyboardInterrupt) as stop:
        result.stopped_by = "end of input" if isinstance(stop, EOFError) else "Ctrl-C"
        term.say(f"\n\nStopped ({result.stopped_by}). The question in progress was not saved.")
    term.say(f"\n{scheduling.plural(len(result.saved), 'attempt')} saved this session"
             f" in {store.path}." if result.saved else "\nNo attempts saved this session.")
    return result


def practise(question: Question, store: ProgressStore, term: Terminal, position: str = "") -> int:
    """One question, from asking to saving; returns the saved attempt's id."""
    rule = "─" * term.width
    term.say(f"\n{rule}\nQuestion {position} · {question.id} · {question.difficulty}"
             f" · {', '.join(question.tags)}\n{rule}")
    term.wrapped(question.question)
    answer = read_answer(term)

    term.say(f"\n── Model answer {'─' * (term.width - 16)}")
    term.wrapped(question.model_answer)
    term.say(f"\n── Rubric: did your answer meet each criterion? {'─' * (term.width - 48)}")
    scores = [ask_yes_no(term, f"{i}/{len(question.rubric)} {criterion}")
              for i, criterion in enumerate(question.rubric, 1)]

    attempt_id = store.record(question.id, scores, answer)
    next_review = scheduling.describe_due(store.card(question.id).due, scheduling.utc_now())
    term.say(f"\nScore: {sum(scores)} of {len(scores)} criteria met → "
             f"{scheduling.rating_for(scores).name}. Saved attempt #{attempt_id}."
             f" Next review: {next_review}.")
    term.say("\nFollow-ups to think about:")
    for follow_up in question.follow_ups:
        term.wrapped(follow_up, "  • ")
    return attempt_id


def read_answer(term: Terminal) -> str:
    """Lines up to one holding only ``.``; blank lines inside the answer are kept."""
    term.say(f"\nYour answer (as many lines as you like; finish with a line holding only "
             f"'{END_OF_ANSWER}'):")
    lines = []
    while (line := term.ask("> ")).strip() != END_OF_ANSWER:
        lines.append(line)
    return "\n".join(lines).strip("\n")


def ask_yes_no(term: Terminal, criterion: str) -> bool:
    term.wrapped(criterion, "  ")
    while True:
        reply = term.ask("  met? [y/n] ").strip().lower()
        if reply in YES or reply in NO:
            return reply in YES
        term.say("  Please type y or n.")
