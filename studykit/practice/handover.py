"""Each notebook's last section, "Practise what this notebook showed": its questions and the command.

The questions are those whose ``evidence`` points into the notebook, read from the bank each time
(never a list kept by hand), so a question added to the bank shows up in its notebooks at once::

    >>> questions_shown_in("06_decoding_in_practice").command
    '.venv/bin/studykit quiz --notebook 06'

The text it shows holds only ids, question texts and commands, so a notebook's committed output
stays the same on every machine.

A notebook without the section gets it, with its output, by running only the new cell (the rest of
the notebook and its outputs stay as they are)::

    python -m studykit.practice.handover notebooks/08_new_notebook.ipynb
"""

from __future__ import annotations

import html
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .questions import DEFAULT_BANK, Question, load_bank
from .selection import QuestionFilter, notebook_number

HEADING = "Practise what this notebook showed"
INTRO = ("The questions of the bank whose answers this notebook demonstrates (their evidence points "
         "here), and the commands that practise just them.")
STUDYKIT = ".venv/bin/studykit"  # as the README writes it: from the kit's folder, venv not activated
PRACTICE_NOTEBOOK = "05_practice"


@dataclass(frozen=True)
class NotebookQuestions:
    """The questions whose evidence points into ``notebook`` (a file stem), and how to practise them."""

    notebook: str
    questions: Sequence[Question]

    @property
    def number(self) -> str:
        return notebook_number(self.notebook)

    @property
    def command(self) -> str:
        return f"{STUDYKIT} quiz {QuestionFilter(notebooks=(self.number,)).as_options()}"

    @property
    def interview_command(self) -> str:
        return f"{STUDYKIT} interview {QuestionFilter(notebooks=(self.number,)).as_options()}"

    def commands(self) -> list[tuple[str, str]]:
        """(what it does, the command), the way to practise these questions."""
        if not self.questions:
            return [("Every question, the most due first", f"{STUDYKIT} quiz"),
                    ("Only what is due today", f"{STUDYKIT} quiz --due")]
        return [("Practise them in a terminal, from the kit's folder", self.command),
                ("As a timed mock interview", self.interview_command)]

    def _headline(self) -> str:
        if not self.questions:
            return (f"No question's evidence points into {self.notebook}: this is where you practise "
                    "the others.")
        return f"{len(self.questions)} questions of the bank point into {self.notebook}:"

    def _in_the_practice_notebook(self) -> str:
        return (f"In {PRACTICE_NOTEBOOK}.ipynb: choose notebook {self.number} in the practice card's "
                "Notebook menu." if self.questions else "")

    def lines(self) -> list[str]:
        """The hand-over as plain text, one line each."""
        return [self._headline(),
                *(f"  {q.id} ({q.difficulty}): {q.question}" for q in self.questions),
                *(f"{what}:  {command}" for what, command in self.commands()),
                *filter(None, [self._in_the_practice_notebook()])]

    def __repr__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        items = "".join(f"<li><code>{html.escape(q.id)}</code> ({q.difficulty}): "
                        f"{html.escape(q.question)}</li>" for q in self.questions)
        commands = "".join(f"<li>{html.escape(what)}: <code>{html.escape(command)}</code></li>"
                           for what, command in self.commands())
        return (f"<p>{html.escape(self._headline())}</p>" + (f"<ul>{items}</ul>" if items else "")
                + f"<ul>{commands}</ul>"
                + (f"<p>{html.escape(self._in_the_practice_notebook())}</p>" if self.questions else ""))


def questions_shown_in(notebook: str, bank: Sequence[Question] | None = None) -> NotebookQuestions:
    """The hand-over for ``notebook`` (a file stem such as ``"01_the_picture"``), from the bundled
    bank unless ``bank`` is given."""
    stem = Path(notebook).stem
    questions = load_bank(DEFAULT_BANK) if bank is None else bank
    return NotebookQuestions(stem, [q for q in questions if stem in {e.notebook for e in q.evidence}])


def code_for(notebook: str) -> str:
    """The hand-over cell's code for ``notebook`` (a file stem)."""
    return f'from studykit.practice.handover import questions_shown_in\nquestions_shown_in("{notebook}")'


def append_to(path: str | Path) -> bool:
    """Append the hand-over section (heading, then its code cell with the output it gives) to a
    notebook that lacks one, running only that cell, in the notebook's folder. False if it has one."""
    import nbformat  # notebook tooling: needed only here
    from nbclient import NotebookClient
    from nbformat.v4.rwbase import split_lines

    from ..notebook_files import notebook_text

    path = Path(path)
    notebook = json.loads(path.read_text(encoding="utf-8"))
    if any(cell["cell_type"] == "markdown" and "".join(cell["source"]).startswith(f"## {HEADING}")
           for cell in notebook["cells"]):
        return False
    heading = nbformat.v4.new_markdown_cell(f"## {HEADING}\n\n{INTRO}")
    scratch = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code_for(path.stem))],
                                       metadata=notebook["metadata"])
    NotebookClient(scratch, record_timing=False,
                   resources={"metadata": {"path": str(path.parent.resolve())}}).execute()
    code = scratch.cells[0]
    # The count a run of the whole notebook gives it: one more than the last cell's.
    code.execution_count = 1 + max((c.get("execution_count") or 0 for c in notebook["cells"]), default=0)
    for output in code.outputs:
        if "execution_count" in output:
            output.execution_count = code.execution_count
    # Text as lists of lines, the way nbformat writes it (and the other cells are written).
    notebook["cells"] += split_lines(nbformat.v4.new_notebook(cells=[heading, code])).cells
    path.write_text(notebook_text(notebook), encoding="utf-8")
    return True


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{name}: {'hand-over appended' if append_to(name) else 'has its hand-over already'}")
