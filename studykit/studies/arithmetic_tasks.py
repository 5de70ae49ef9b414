"""A small task with checkable answers: adding two two-digit numbers, asked in a chat turn.

The bundled 135M model solves some of these and not others, which is what a pass@k curve needs.
The answer is read by one simple rule, :func:`parse_answer`: the last whole number on the first
non-empty line of the reply ("17 + 42 = 59" -> 59, "The answer is 59." -> 59).

>>> addition_tasks(2, seed=0)[0]
AdditionTask(question='What is 44 + 35? Answer with a number.', answer=79)
>>> parse_answer("17 + 42 = 59\\n\\nThis is a classic sum of 3 numbers"), parse_answer("I cannot say.")
(59, None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

__all__ = ["AdditionTask", "addition_tasks", "parse_answer", "is_correct"]


@dataclass(frozen=True)
class AdditionTask:
    question: str
    answer: int


def addition_tasks(count: int, *, seed: int = 0) -> list[AdditionTask]:
    """``count`` questions "What is a + b? Answer with a number." with a, b drawn from 10..49."""
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"count must be a positive integer, e.g. 24, got {count!r}")
    pairs = np.random.default_rng(seed).integers(10, 50, size=(count, 2))
    return [AdditionTask(f"What is {a} + {b}? Answer with a number.", int(a + b)) for a, b in pairs]


def parse_answer(reply: str) -> int | None:
    """The last whole number on the first non-empty line of ``reply``; None if there is none."""
    for line in reply.splitlines():
        if line.strip():
            numbers = re.findall(r"-?\d+", line)
            return int(numbers[-1]) if numbers else None
    return None


def is_correct(reply: str, task: AdditionTask) -> bool:
    return parse_answer(reply) == task.answer
