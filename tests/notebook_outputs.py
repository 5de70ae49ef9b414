"""Notebook outputs compared with the tolerance their numbers deserve (a pytest plugin over nbval).

The committed outputs were written on one CPU; a learner's CPU computes the same logits with other
vector kernels and sums in another order, so the fifth significant digit moves (7e-5 in SmolLM2's
logits between torch's scalar and AVX-512 kernels). Strict nbval compares printed digits and fails
on that. This plugin keeps nbval's strict comparison of everything else: before nbval compares a
cell's outputs, each printed number of the new output that agrees with the committed one *within
its tolerance* is replaced by the committed text, so only a real difference reaches nbval's diff.

The rule (also in CONTRIBUTING.md):

- the text around the numbers must match exactly;
- a decimal number (``0.099``, ``7.1%``, ``1.4e-04``) and any percentage may differ by one unit of
  its last printed digit: that is what rounding a value that moved in its fifth digit can do;
- an integer (``37 of 49,152``) must match exactly: print integers only where they are exact on
  every machine (exact arithmetic, or counts far from any float boundary);
- a cell tagged ``tolerance:rel=R`` and/or ``tolerance:abs=A`` lets every number in its output,
  integers included, differ by up to ``max(A, R * |committed|)`` as well (for a count that depends
  on where float noise puts a boundary, or a statistic of samples that float noise can flip);
- a cell tagged ``nbval-ignore-output`` (nbval's own tag) is not compared; the cell after it asserts
  what must hold.

The findings themselves are asserted in the notebooks' assert cells with their own tolerances; this
comparison only keeps the printed record honest without demanding bit-identical floats.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pytest

# A number as the notebooks print it: optional sign, thousands separators, decimals, an exponent,
# and a trailing % (rounded like a decimal). Not part of a word ("SmolLM2", "fp16", "v4").
NUMBER = re.compile(
    r"(?<![\w.])[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?%?")
TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex")
TAG_PREFIX = "tolerance:"


@dataclass(frozen=True)
class Tolerance:
    """How far each printed number of one cell may move: ``max(abs, rel * |committed|)``."""

    rel: float = 0.0
    abs: float = 0.0

    @classmethod
    def from_tags(cls, tags) -> "Tolerance":
        rel = abs_ = 0.0
        for tag in tags or ():
            if not tag.startswith(TAG_PREFIX):
                continue
            name, _, value = tag[len(TAG_PREFIX):].partition("=")
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"cell tag {tag!r}: write tolerance:rel=0.01 or tolerance:abs=2") from None
            if name == "rel":
                rel = number
            elif name == "abs":
                abs_ = number
            else:
                raise ValueError(f"cell tag {tag!r}: the tolerance is rel or abs, e.g. tolerance:rel=0.01")
        return cls(rel, abs_)


def printed_number(text: str) -> tuple[Decimal, Decimal, bool]:
    """A printed number (``10,518``, ``−0.31``, ``1.4e-04``, ``7.1%``): its value as printed, one unit
    of its last digit, and whether it is a percentage."""
    percent = text.endswith("%")
    body = text.rstrip("%").replace(",", "").replace("−", "-")
    mantissa, _, exponent = body.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return Decimal(body), Decimal(1).scaleb(-decimals + (int(exponent) if exponent else 0)), percent


def _parse(text: str) -> tuple[Decimal, Decimal | None]:
    """The value of a printed number and one unit of its last digit (None for an exact integer)."""
    value, unit, percent = printed_number(text)
    rounded = percent or "." in text or "e" in text.lower()
    return value, unit if rounded else None


def numbers_agree(new: str, committed: str, tolerance: Tolerance = Tolerance()) -> bool:
    """Whether a newly printed number agrees with the committed one under the rule above."""
    try:
        new_value, _ = _parse(new)
        old_value, unit = _parse(committed)
    except (InvalidOperation, ValueError):
        return new == committed
    if new.endswith("%") != committed.endswith("%"):
        return False
    allowed = max(Decimal(repr(tolerance.abs)), Decimal(repr(tolerance.rel)) * abs(old_value))
    if unit is not None:
        allowed = max(allowed, unit)
    return abs(new_value - old_value) <= allowed


def reconcile_text(new: str, committed: str, tolerance: Tolerance = Tolerance()) -> str:
    """``new`` with each number that agrees with its committed counterpart replaced by the committed
    text; unchanged when the words around the numbers differ (nbval then shows the whole diff)."""
    if new == committed:
        return new
    new_parts = NUMBER.split(new)
    old_parts = NUMBER.split(committed)
    new_numbers = NUMBER.findall(new)
    old_numbers = NUMBER.findall(committed)
    if new_parts != old_parts or len(new_numbers) != len(old_numbers):
        return new
    pieces = [new_parts[0]]
    for i, (fresh, old) in enumerate(zip(new_numbers, old_numbers)):
        pieces.append(old if numbers_agree(fresh, old, tolerance) else fresh)
        pieces.append(new_parts[i + 1])
    return "".join(pieces)


def _texts(output):
    """(key, field path) of every text an output carries, in order."""
    if output.get("output_type") == "stream":
        yield ("stream", output.get("name")), ("text",)
    for mime in TEXT_MIMES:
        if mime in output.get("data", {}):
            yield ("data", mime), ("data", mime)


def _get(output, path):
    value = output
    for part in path:
        value = value[part]
    return "".join(value) if isinstance(value, list) else value


def _set(output, path, text):
    target = output
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = text


def reconcile_outputs(new_outputs, committed_outputs, tolerance: Tolerance = Tolerance()):
    """A copy of ``new_outputs`` reconciled, text by text, with the committed outputs of the cell."""
    committed = defaultdict(list)
    for output in committed_outputs:
        for key, path in _texts(output):
            committed[key].append(_get(output, path))
    seen = defaultdict(int)
    reconciled = []
    for output in new_outputs:
        output = copy.deepcopy(output)
        for key, path in _texts(output):
            index = seen[key]
            seen[key] += 1
            if index < len(committed[key]):
                _set(output, path, reconcile_text(_get(output, path), committed[key][index], tolerance))
        reconciled.append(output)
    return reconciled


# Cells whose printed numbers moved within tolerance this run (shown in the terminal summary, so a
# contributor sees which outputs depend on the machine).
MOVED: list[str] = []


def install() -> None:
    """Wrap nbval's comparison so that numbers are compared with their tolerance first."""
    from nbval.plugin import IPyNbCell

    if getattr(IPyNbCell.compare_outputs, "_with_tolerance", False):
        return
    strict_compare = IPyNbCell.compare_outputs

    def compare_outputs(self, test, ref, skip_compare=None):
        tolerance = Tolerance.from_tags(self.cell.get("metadata", {}).get("tags"))
        reconciled = reconcile_outputs(test, ref, tolerance)
        if reconciled != test:
            MOVED.append(f"{self.fspath.basename}::Cell {self.cell_num}")
        return strict_compare(self, reconciled, ref, skip_compare)

    compare_outputs._with_tolerance = True
    IPyNbCell.compare_outputs = compare_outputs


def pytest_configure(config):
    if config.pluginmanager.hasplugin("nbval"):
        install()


def pytest_sessionfinish(session):
    if hasattr(session.config, "workeroutput"):  # a parallel worker: hand its list to the main process
        session.config.workeroutput["notebook_numbers_moved"] = list(MOVED)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """The main process of a parallel run collects each worker's list (pytest-xdist's hook)."""
    MOVED.extend(getattr(node, "workeroutput", {}).get("notebook_numbers_moved", []))


def pytest_terminal_summary(terminalreporter):
    if MOVED:
        terminalreporter.write_sep("-", "notebook numbers that moved within their tolerance")
        for cell in MOVED:
            terminalreporter.write_line(cell)
