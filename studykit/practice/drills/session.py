"""One sitting at a drill: the clock, each check saved as an attempt, the solution held back until
a pass or a give-up. The terminal (``drills.terminal``) and the notebook (``drills.widget``) both
drive this; neither saves anything itself.

    >>> session = DrillSession(find_drill("top-k"), store)                 # doctest: +SKIP
    >>> report = session.check(source)       # runs the checks, saves the attempt, returns the report
    >>> session.solution                     # None until a pass or a give-up
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from .. import scheduling
from ..progress import ProgressStore
from .catalog import DRILLS, Drill

GAVE_UP = "gave up before the checks passed"


@dataclass(frozen=True)
class DrillStatus:
    """A drill's history in one line: attempts, passes, the last verdict and the next review."""

    drill: Drill
    attempts: int
    passes: int
    last_passed: bool | None
    due: datetime | None  # None: never tried, so due now


class DrillSession:
    def __init__(self, drill: Drill, store: ProgressStore | None, *, clock: Callable[[], float] = time.monotonic,
                 max_examples: int | None = None):
        self.drill, self.store, self.clock = drill, store, clock
        self.started = clock()
        self.max_examples = max_examples
        self.reports: list = []
        self.attempt_ids: list[int] = []
        self.gave_up = False

    @property
    def elapsed(self) -> float:
        return self.clock() - self.started

    @property
    def passed(self) -> bool:
        return any(r.passed for r in self.reports)

    @property
    def solution(self) -> str | None:
        """The kit's solution, once it may be shown: after a pass or a give-up."""
        return self.drill.solution if self.passed or self.gave_up else None

    def check(self, source: str, *, filename: str | None = None):
        """Check ``source`` and save the attempt (time since the drill was opened, verdict, first
        failing case). A file that does not load is a failed attempt too."""
        from .checker import MAX_EXAMPLES, check
        seconds = self.elapsed
        report = check(self.drill, source, filename=filename,
                       max_examples=self.max_examples or MAX_EXAMPLES)
        self.reports.append(report)
        self._save(report.passed, source, report.to_dict(), seconds)
        return report

    def give_up(self, source: str) -> str:
        """Stop and see the solution. Saved as a failed attempt unless this sitting already has
        one (a give-up after a failed check adds nothing new) or a pass."""
        self.gave_up = True
        if not self.reports:
            self._save(False, source, {"passed": False, "problem": GAVE_UP, "failure": None}, self.elapsed)
        return self.drill.solution

    def _save(self, passed: bool, source: str, report: dict, seconds: float) -> None:
        if self.store is None:
            return
        from .checks import SPECS
        self.attempt_ids.append(self.store.record_drill(
            self.drill.id, passed, source, report=report, checks=SPECS[self.drill.id].checks,
            time_box_seconds=self.drill.time_box_seconds, seconds=seconds))

    def next_review(self, now: datetime | None = None) -> str:
        if self.store is None:
            return "not saved (no progress store)"
        attempts = self.store.drill_attempts(self.drill.id)
        if not attempts:
            return "new"
        card = scheduling.replay(self.drill.id, attempts)
        return scheduling.describe_due(card.due, now or scheduling.utc_now())


def drill_statuses(store: ProgressStore, now: datetime | None = None) -> list[DrillStatus]:
    """Every drill in the order to practise it: due reviews first, then new drills, then the rest
    by when they fall due (as questions are ordered)."""
    now = now or scheduling.utc_now()
    attempts = store.drill_attempts()
    cards = scheduling.cards_by_question(attempts)
    order = scheduling.practice_order(cards, [d.id for d in DRILLS], now)
    by_id = {d.id: d for d in DRILLS}
    statuses = []
    for drill_id in order:
        mine = [a for a in attempts if a.question_id == drill_id]
        statuses.append(DrillStatus(by_id[drill_id], len(mine), sum(a.rubric_scores[0] for a in mine),
                                    mine[-1].rubric_scores[0] if mine else None,
                                    cards[drill_id].due if drill_id in cards else None))
    return statuses
