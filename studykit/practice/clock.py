"""A running clock for answers typed in a plain terminal: no curses, fine over SSH and in tmux.

    >>> timer = AnswerTimer(time_box=120, clock=iter([0.0, 42.0]).__next__)
    >>> timer.status()
    '0:42 of 2:00'

On a real terminal, :class:`StatusLine` keeps the clock on the bottom row while ``input()`` reads
lines above it: it shrinks the scrolling region by one row (DECSTBM, the way apt draws its progress
bar) and a background thread redraws that row every half second between cursor save and restore,
so the line being typed is never touched. When output is not a terminal (a pipe, a test), nothing
is redrawn: the clock is written as timestamps when an answer starts and ends.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from typing import IO, Callable

Clock = Callable[[], float]  # seconds from some fixed point, like time.monotonic (tests inject one)

REDRAW_EVERY_S = 0.5


def format_seconds(seconds: float) -> str:
    """``75.4`` -> ``'1:15'``; whole seconds, rounded down, so the clock never runs ahead."""
    whole = int(max(seconds, 0))
    return f"{whole // 60}:{whole % 60:02d}"


class AnswerTimer:
    """Times one answer against a time box; going over is noted, never cut off."""

    def __init__(self, time_box: float, clock: Clock = time.monotonic):
        if not time_box > 0:
            raise ValueError(f"time_box must be more than 0 seconds, not {time_box!r}")
        self.time_box, self.clock = float(time_box), clock
        self.started = clock()

    @property
    def elapsed(self) -> float:
        return self.clock() - self.started

    def status(self, elapsed: float | None = None) -> str:
        """'0:42 of 2:00' while inside the time box; '2:15, 0:15 over the 2:00 time box' after."""
        elapsed = self.elapsed if elapsed is None else elapsed
        box = format_seconds(self.time_box)
        if elapsed <= self.time_box:
            return f"{format_seconds(elapsed)} of {box}"
        return f"{format_seconds(elapsed)}, {format_seconds(elapsed - self.time_box)} over the {box} time box"


class StatusLine:
    """The clock on the terminal's bottom row while the answer is typed (a context manager).

    ``live=False`` (output is not a terminal) draws nothing; the caller prints timestamps instead.
    """

    def __init__(self, timer: AnswerTimer, stream: IO[str], live: bool):
        self.timer, self.stream, self.live = timer, stream, live
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._rows = 0

    def __enter__(self) -> "StatusLine":
        if self.live:
            self.stream.flush()
            self._reserve_bottom_row()
            self._draw()
            self._thread = threading.Thread(target=self._run, name="studykit-clock", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            # Clear the clock's row, then give the whole screen back to scrolling.
            self._write(f"\0337\033[{self._rows};1H\033[2K\033[r\0338")

    def _run(self) -> None:
        while not self._stop.wait(REDRAW_EVERY_S):
            if shutil.get_terminal_size().lines != self._rows:  # the window was resized
                self._reserve_bottom_row(make_room=False)
            self._draw()

    def _reserve_bottom_row(self, make_room: bool = True) -> None:
        self._rows = max(shutil.get_terminal_size().lines, 3)
        # Setting the region moves the cursor to the top, so it is saved and restored around it. At
        # the start (cursor at the start of an empty line) a newline first makes room in case the
        # cursor sits on the last row, and the cursor then goes back up to where it was.
        room, back = ("\n", "\033[1A") if make_room else ("", "")
        self._write(f"{room}\0337\033[1;{self._rows - 1}r\0338{back}")

    def _draw(self) -> None:
        text = f"⏱ {self.timer.status()}   (finish with a line holding only '.')"
        self._write(f"\0337\033[{self._rows};1H\033[2K{text}\0338")

    def _write(self, text: str) -> None:
        # One write() call per redraw: it cannot be split by the characters the learner types.
        os.write(self.stream.fileno(), text.encode(getattr(self.stream, "encoding", None) or "utf-8",
                                                   errors="replace"))
