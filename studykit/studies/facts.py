"""The figures the README and the question bank quote, recorded by the notebook cell that measures them.

    >>> facts = Facts("03_worked_example")                               # doctest: +SKIP
    >>> facts.record("greedy_ppl", [2.1, 2.0, 2.2], rel=0.02)            # doctest: +SKIP

A notebook cell that measures a quoted figure hands it to :meth:`Facts.record` with the tolerance
the figure deserves on another CPU (float noise moves a model's logits in their fifth digit; a
statistic of samples can move more). What happens depends on who runs the notebook:

- ``make notebooks`` (``STUDYKIT_FACTS=write``) writes ``notebooks/facts/<notebook>.json``, the
  committed facts file: one entry per fact with its value and tolerance, nothing else;
- everywhere else (``make test``, a learner's Run All) the fresh value is checked against the
  committed one within the tolerance, and a figure that moved further fails its cell with both
  values, so the claim is re-measured on the learner's machine, not read back.

``tests/test_quoted_figures.py`` then checks every figure the README and the banks quote, marked
``<!--fact:03/greedy_ppl-->`` right after it, against these files (``<!--fact:03/name[1]-->`` picks
one element of an interval). Re-executing a notebook that moves a number makes that test list
exactly the sentences that must change.

A float needs a tolerance (``rel`` and/or ``abs``); an integer without one is exact. Values are
stored to six significant digits, so a re-run on another machine leaves the file unchanged unless a
figure moved.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import tempfile
from pathlib import Path
from typing import Any, Sequence

__all__ = ["Facts", "FACTS_DIR", "load", "within"]

# The committed facts live beside the committed notebooks, wherever the learner runs a copy from.
FACTS_DIR = Path(__file__).resolve().parents[2] / "notebooks" / "facts"
SIGNIFICANT_DIGITS = 6


def _number(value: Any, name: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"fact {name!r}: a number or a list of numbers, not {type(value).__name__}")
    if isinstance(value, numbers.Integral):
        return int(value)
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"fact {name!r}: {value} is not a figure anyone can quote")
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def _normalise(value: Any, name: str) -> int | float | list:
    if all(hasattr(value, a) for a in ("estimate", "low", "high")):  # an interval: [estimate, low, high]
        value = [value.estimate, value.low, value.high]
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError(f"fact {name!r}: an empty list")
        return [_number(v, name) for v in value]
    return _number(value, name)


def within(new: float, committed: float, rel: float, abs_: float) -> bool:
    """Whether ``new`` is within ``max(abs_, rel * |committed|)`` of ``committed`` (plus storage rounding)."""
    stored = abs(committed) * 10.0 ** (1 - SIGNIFICANT_DIGITS)
    return abs(new - committed) <= max(abs_, rel * abs(committed)) + stored


def load(notebook: str, folder: Path = FACTS_DIR) -> dict[str, dict]:
    """The committed facts of one notebook (``{}`` when it has none yet)."""
    path = folder / f"{notebook}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))["facts"]
    except FileNotFoundError:
        return {}


class Facts:
    """The facts file of one notebook: written by ``make notebooks``, checked by every other run."""

    def __init__(self, notebook: str, folder: Path | None = None, mode: str | None = None):
        if not notebook or "/" in notebook or notebook.endswith(".ipynb"):
            raise ValueError(f"Facts({notebook!r}): give the notebook's name without folder or "
                             "suffix, e.g. Facts('03_worked_example')")
        self.notebook = notebook
        self.folder = Path(folder) if folder is not None else FACTS_DIR
        self.mode = mode or os.environ.get("STUDYKIT_FACTS", "check")
        if self.mode not in ("check", "write"):
            raise ValueError(f"STUDYKIT_FACTS={self.mode!r}: use 'write' (make notebooks) or 'check'")
        # Writing starts afresh, so a fact no cell records any more leaves the file.
        self._facts: dict[str, dict] = {} if self.mode == "write" else load(notebook, self.folder)

    @property
    def path(self) -> Path:
        return self.folder / f"{self.notebook}.json"

    def record(self, name: str, value, *, rel: float = 0.0, abs: float = 0.0) -> None:
        """Record (``make notebooks``) or check (any other run) one quoted figure.

        It returns nothing, so a cell that ends with it shows no stray value."""
        if not name or any(c in name for c in "/[]<>- ") :
            raise ValueError(f"fact name {name!r}: use letters, digits, dots and underscores")
        if rel < 0 or abs < 0:
            raise ValueError(f"fact {name!r}: tolerances are >= 0, not rel={rel}, abs={abs}")
        fresh = _normalise(value, name)
        values = fresh if isinstance(fresh, list) else [fresh]
        if rel == 0 and abs == 0 and any(isinstance(v, float) for v in values):
            raise TypeError(f"fact {name!r} is a float: give the tolerance it deserves on another "
                            "CPU, e.g. rel=0.01 or abs=0.5 (only an integer can be exact)")
        if self.mode == "write":
            self._facts[name] = {"value": fresh, "rel": rel, "abs": abs}
            self._write()
        else:
            self._check(name, fresh)

    def _check(self, name: str, fresh) -> None:
        if not self.folder.is_dir():
            return  # an installed copy without the kit's notebooks: nothing committed to check against
        if name not in self._facts:
            raise AssertionError(
                f"fact {name!r} is not in {self.path.name}: record it with "
                f"`make notebooks NB=notebooks/{self.notebook}.ipynb`")
        entry = self._facts[name]
        committed = entry["value"]
        new_values = fresh if isinstance(fresh, list) else [fresh]
        old_values = committed if isinstance(committed, list) else [committed]
        if len(new_values) != len(old_values) or not all(
                within(n, o, entry["rel"], entry["abs"]) for n, o in zip(new_values, old_values)):
            raise AssertionError(
                f"fact {name!r} measured {fresh} here; {self.path.name} says {committed} "
                f"(tolerance rel={entry['rel']}, abs={entry['abs']}). If the change is real, re-run "
                f"`make notebooks NB=notebooks/{self.notebook}.ipynb`, then `make test` lists the "
                "README and bank sentences that quote it")

    def _write(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"notebook": self.notebook, "facts": dict(sorted(self._facts.items()))},
                          indent=1, ensure_ascii=False) + "\n"
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=self.path.name, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, self.path)

    def __getitem__(self, name: str):
        """A committed value (e.g. to print beside the fresh one)."""
        return self._facts[name]["value"]

    def names(self) -> Sequence[str]:
        return sorted(self._facts)
