"""A drill in a notebook: the contract, a **Check** button and a **Give up** button (notebook 09).

    >>> card = DrillCard("top-p", ProgressStore())        # doctest: +SKIP
    >>> card                                               # shows the card

The learner writes the function in a code cell below the card and runs it; **Check** takes the
latest cell that defines the function (the whole cell, so helpers and imports beside it come too)
and checks it in a separate process, like ``studykit drill``; every check is saved as an attempt
(mode ``drill``). The kit's solution appears only after a pass or a give-up. ``card.check(source)``
does the same from code.
"""

from __future__ import annotations

import html
import re

import ipywidgets as widgets

from ..clock import format_seconds
from ..progress import ProgressStore
from ..widgets import button, styled
from .catalog import Drill, find_drill
from .session import DrillSession


class DrillCard:
    def __init__(self, drill: Drill | str, store: ProgressStore | None = None, *, max_examples: int | None = None):
        self.drill = drill if isinstance(drill, Drill) else find_drill(drill)
        self.session = DrillSession(self.drill, store, max_examples=max_examples)
        d = self.drill
        self.contract = styled(widgets.HTML(
            f"<h4>Drill {html.escape(d.id.removeprefix('drill-'))}: {html.escape(d.title)} "
            f"(time box {d.minutes} min)</h4>"
            f"<pre>def {html.escape(d.signature)}:\n{html.escape(_indent(d.contract))}</pre>"
            f"<p>Write <code>{html.escape(d.function)}</code> in a code cell below, run that cell, then "
            f"press <b>Check</b>. numpy and the standard library are available.</p>"), "studykit-drill-contract")
        self.check_button = button("studykit-drill-check", "Check", button_style="primary", icon="check")
        self.give_up_button = button("studykit-drill-give-up", "Give up and show the solution", icon="flag")
        self.result = styled(widgets.HTML(), "studykit-drill-result")
        self.solution_html = styled(widgets.HTML(), "studykit-drill-solution")
        self.check_button.on_click(lambda _: self._check_clicked())
        self.give_up_button.on_click(lambda _: self._give_up_clicked())
        self.widget = widgets.VBox([self.contract, widgets.HBox([self.check_button, self.give_up_button]),
                                    self.result, self.solution_html])

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # --- actions ------------------------------------------------------------------------------------

    def check(self, source: str):
        """Check ``source``, save the attempt, show the report; returns the report."""
        self.result.value = "<p><i>Checking…</i></p>"
        report = self.session.check(source)
        colour = "#1a7f37" if report.passed else "#b3261e"
        self.result.value = (f"<p style='color:{colour}'><b>{html.escape(report.headline)}</b> "
                             f"({format_seconds(self.session.elapsed)} since the card opened; saved)</p>"
                             + ("" if report.failure is None else f"<pre>{html.escape(str(report.failure))}</pre>"))
        if report.passed:
            self._show_solution()
        return report

    def give_up(self, source: str = "") -> str:
        solution = self.session.give_up(source)
        self._show_solution()
        return solution

    def _check_clicked(self) -> None:
        source = latest_cell_defining(self.drill.function)
        if source is None:
            self.result.value = (f"<p>No cell defines <code>{html.escape(self.drill.function)}</code> yet: "
                                 "write it in a code cell below, run the cell, then press Check.</p>")
            return
        self.check(source)

    def _give_up_clicked(self) -> None:
        self.give_up(latest_cell_defining(self.drill.function) or "")

    def _show_solution(self) -> None:
        self.solution_html.value = (
            f"<h4>The kit's solution</h4><pre>{html.escape(self.session.solution)}</pre>"
            f"<p><b>What the interviewer listens for:</b> {html.escape(self.drill.listen_for)}</p>"
            f"<p>Next review: {html.escape(self.session.next_review())}.</p>")


def latest_cell_defining(function: str, history: list[str] | None = None) -> str | None:
    """The newest cell of this kernel's input history that defines ``function``, as Python source
    (IPython's magics turned into Python), or None."""
    if history is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return None
        shell = get_ipython()
        if shell is None:
            return None
        history = shell.user_ns.get("In", [])
        transform = shell.transform_cell
    else:
        transform = lambda cell: cell  # noqa: E731
    pattern = re.compile(rf"^\s*def\s+{re.escape(function)}\s*\(", re.MULTILINE)
    for cell in reversed(history):
        if pattern.search(cell):
            return transform(cell)
    return None


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.splitlines())
