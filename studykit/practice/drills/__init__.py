"""Coding drills with automatic checking: write the sampler yourself, under the clock, and get the
first failing case back.

Interviews on sampling are often live coding: "implement top-p in numpy", "write a stable
cross-entropy", "write speculative sampling's accept/reject step". Prose cannot be checked offline;
code can, exactly. Each drill is a function with a contract (``catalog``); the checker (``checker``)
runs the learner's function in a separate process with a time and a memory limit (``sandbox``)
against the kit's own implementation, on named edge cases, on random cases that hypothesis shrinks
to a minimal failing input, and, where the answer is a random draw, on statistical tests
(``checks``). A sitting (``session``) saves every check as an attempt (mode ``drill``) that FSRS
schedules like a question; ``terminal`` is ``studykit drill`` and ``widget`` the notebook's drill
card (notebook 09).

Only the catalog loads here: ``studykit drill --list`` and writing a starter stay cheap.
"""

from .catalog import BY_ID, DRILLS, Drill, UnknownDrillError, find_drill

__all__ = ["BY_ID", "DRILLS", "Drill", "UnknownDrillError", "find_drill", "check"]


def check(drill, source, **options):
    """Check ``source`` against ``drill`` (a Drill or its name); see ``checker.check``."""
    from .checker import check as _check
    return _check(drill if isinstance(drill, Drill) else find_drill(drill), source, **options)
