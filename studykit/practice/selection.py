"""Which questions to practise: filters by tag, notebook, difficulty and origin, checked against the bank.

A question's notebooks are the ones its ``evidence`` points into, named by their two-digit number
(``06`` for ``06_decoding_in_practice``), so the notebooks' hand-over cells, ``studykit quiz
--notebook 06`` and notebook 05's dropdowns all read the same field of the bank.

Values given for one filter are alternatives (``--tag top-k --tag top-p``: either tag); different
filters must all hold (``--tag top-p --difficulty hard``: hard questions tagged top-p)::

    >>> from studykit.practice.questions import DEFAULT_BANK, load_bank
    >>> bank = load_bank(DEFAULT_BANK)
    >>> [q.id for q in QuestionFilter(notebooks=("06",), difficulties=("medium",)).apply(bank)][:2]
    ['ch43-x-greedy-beam-sampling', 'ch43-x-repetition-penalties']

A value no question carries is refused by :meth:`QuestionFilter.check` with one line that lists the
valid ones.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from .questions import Question

DIFFICULTIES = ("easy", "medium", "hard")  # the schema's order, easiest first
ORIGINS = ("chapter", "studykit")  # the book's own questions; those written for this kit


def notebook_number(notebook: str) -> str:
    """The number a notebook file stem starts with: ``"06_decoding_in_practice"`` -> ``"06"``."""
    return notebook.split("_", 1)[0]


def notebooks_of(question: Question) -> list[str]:
    """The numbers of the notebooks the question's evidence points into, in order."""
    return sorted({notebook_number(e.notebook) for e in question.evidence})


def tag_counts(bank: Iterable[Question]) -> dict[str, int]:
    """Every tag in the bank with how many questions carry it, alphabetically."""
    return dict(sorted(Counter(t for q in bank for t in q.tags).items()))


def notebook_counts(bank: Iterable[Question]) -> dict[str, int]:
    """Every notebook some question's evidence points into, with how many questions do, by number."""
    return dict(sorted(Counter(n for q in bank for n in notebooks_of(q)).items()))


def notebook_names(bank: Iterable[Question]) -> dict[str, str]:
    """Notebook number -> file stem, for the notebooks the bank's evidence names."""
    return {notebook_number(e.notebook): e.notebook for q in bank for e in q.evidence}


class UnknownFilterValue(ValueError):
    """A tag, notebook or difficulty that no question in the bank has (one line, listing the valid)."""


@dataclass(frozen=True)
class QuestionFilter:
    """Tags, notebook numbers, difficulties and origins; empty means that filter is off."""

    tags: tuple[str, ...] = ()
    notebooks: tuple[str, ...] = ()
    difficulties: tuple[str, ...] = ()
    origins: tuple[str, ...] = ()

    def __post_init__(self):
        # "6" and "06_decoding_in_practice" both mean notebook 06.
        object.__setattr__(self, "notebooks", tuple(_as_notebook_number(n) for n in self.notebooks))
        object.__setattr__(self, "tags", tuple(self.tags))
        object.__setattr__(self, "difficulties", tuple(self.difficulties))
        object.__setattr__(self, "origins", tuple(self.origins))

    def __bool__(self) -> bool:
        return bool(self.tags or self.notebooks or self.difficulties or self.origins)

    def matches(self, question: Question) -> bool:
        return ((not self.tags or any(t in question.tags for t in self.tags))
                and (not self.notebooks or any(n in notebooks_of(question) for n in self.notebooks))
                and (not self.difficulties or question.difficulty in self.difficulties)
                and (not self.origins or question.origin in self.origins))

    def apply(self, bank: Iterable[Question]) -> list[Question]:
        """The matching questions, in bank order."""
        return [q for q in bank if self.matches(q)]

    def check(self, bank: Sequence[Question]) -> None:
        """:class:`UnknownFilterValue` for the first value that no question in ``bank`` has."""
        for difficulty in self.difficulties:
            if difficulty not in DIFFICULTIES:
                raise UnknownFilterValue(
                    f"--difficulty must be {', '.join(DIFFICULTIES[:-1])} or {DIFFICULTIES[-1]}, "
                    f"not {difficulty!r}; e.g. --difficulty {DIFFICULTIES[1]}")
        for origin in self.origins:
            if origin not in ORIGINS:
                raise UnknownFilterValue(
                    f"--origin must be chapter (the book's own questions) or studykit (written for "
                    f"this kit), not {origin!r}; e.g. --origin chapter")
        notebooks = notebook_counts(bank)
        for notebook in self.notebooks:
            if notebook not in notebooks:
                raise UnknownFilterValue(
                    f"no question's evidence points into notebook {notebook!r}; notebooks with "
                    f"questions: {', '.join(notebooks) or 'none'}; e.g. --notebook "
                    f"{next(iter(notebooks), '01')}")
        tags = tag_counts(bank)
        for tag in self.tags:
            if tag not in tags:
                close = difflib.get_close_matches(tag, tags, n=3, cutoff=0.6)
                hint = f"did you mean {' or '.join(close)}? " if close else ""
                raise UnknownFilterValue(
                    f"no question has the tag {tag!r}; {hint}tags: {', '.join(tags) or 'none'}; "
                    f"e.g. --tag {close[0] if close else next(iter(tags), 'temperature')}")

    def as_options(self) -> str:
        """The filter as command-line options: ``--tag top-p --notebook 06``."""
        return " ".join([*(f"--tag {t}" for t in self.tags), *(f"--notebook {n}" for n in self.notebooks),
                         *(f"--difficulty {d}" for d in self.difficulties),
                         *(f"--origin {o}" for o in self.origins)])


def _as_notebook_number(value: str) -> str:
    value = str(value).strip()
    number = notebook_number(value)
    return number.zfill(2) if number.isdigit() else value
