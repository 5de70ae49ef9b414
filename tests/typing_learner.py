"""A learner at the terminal, for the quiz, interview and CLI tests: a clock that moves only when
told, stdin whose lines take time to type, and a terminal that presses Ctrl-C on a chosen prompt."""

import io
import sqlite3
from pathlib import Path

from studykit.practice.quiz import Terminal


class FakeClock:
    """Seconds that pass only when a test says so (``clock.now += 45``). Call it, or hand it over
    where the ``time`` module is used (it has ``monotonic()``)."""

    def __init__(self, now: float = 0.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    monotonic = __call__


class TypingStdin(io.StringIO):
    """What the learner types, one line per ``readline``, then end of input.

    Each line moves ``clock`` on by ``seconds_per_line``; a line written ``"[45] text"`` takes 45
    seconds more to type (and reads as ``"text"``)."""

    def __init__(self, lines: str | list[str], clock: FakeClock | None = None,
                 seconds_per_line: float = 0.0):
        super().__init__()
        self.lines = lines.splitlines() if isinstance(lines, str) else list(lines)
        self.clock = clock if clock is not None else FakeClock()
        self.seconds_per_line = seconds_per_line

    def readline(self, *args) -> str:
        if not self.lines:
            return ""
        line = self.lines.pop(0)
        self.clock.now += self.seconds_per_line
        if line.startswith("[") and "]" in line:
            seconds, line = line[1:].split("]", 1)
            self.clock.now += float(seconds)
            line = line.lstrip(" ")
        return line + "\n"


class InterruptingTerminal(Terminal):
    """A terminal reading ``stdin`` that presses Ctrl-C on the n-th prompt."""

    def __init__(self, stdin: io.StringIO, interrupt_at: int):
        super().__init__(stdin, io.StringIO())
        self.prompts, self.interrupt_at = 0, interrupt_at

    def ask(self, prompt: str) -> str:
        self.prompts += 1
        if self.prompts == self.interrupt_at:
            raise KeyboardInterrupt
        return super().ask(prompt)


def integrity(path: str | Path) -> str:
    """SQLite's own check of the database file: ``"ok"`` when nothing is damaged."""
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
