"""Notebook 09 in a real JupyterLab: a learner fills in the drill cell, runs it, presses Check.

nbval runs the notebook but never presses a button; this test checks the path a learner takes:
the Check button finds the newest cell that defines the function (through the kernel's input
history), the failing case appears in the card, a correct version passes and brings the solution,
and both checks are in the progress database.
"""

import pytest
from jupyterlab import (_wait_for, assert_no_widget_errors, open_notebook, screenshot, scroll_into_view, text_of,
                        wait_for_change)

from studykit.practice.drills import find_drill
from studykit.practice.progress import ProgressStore

pytestmark = pytest.mark.e2e

# Run the first code cell whose text holds ``marker``, after replacing its text with ``source`` if
# one is given (the learner typing into the drill cell).
_RUN_CELL = """([marker, source]) => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  const index = notebook.widgets.findIndex(cell => cell.model.type === 'code'
      && cell.model.sharedModel.getSource().includes(marker));
  if (source !== null) notebook.widgets[index].model.sharedModel.setSource(source);
  notebook.activeCellIndex = index;
  window.jupyterapp.commands.execute('notebook:run-cell');
  return index;
}"""

DROPS_THE_CROSSING_TOKEN = """import numpy as np

def top_p_filter(logits, p, min_tokens_to_keep=1):
    z = np.array(logits, dtype=float)
    for row in z.reshape(-1, z.shape[-1]):
        probs = np.exp(row - row.max()); probs /= probs.sum()
        order = np.argsort(-probs, kind="stable")
        keep = np.cumsum(probs[order]) < p
        keep[:min_tokens_to_keep] = True
        row[order[~keep]] = -np.inf
    return z
"""


def _run_cell(page, marker, source=None):
    page.evaluate(_RUN_CELL, [marker, source])
    page.wait_for_timeout(300)  # let the kernel report busy before waiting for idle
    _wait_for(page, lambda s: s and s["kernel"] == "idle", f"the cell with {marker!r} to run", 120)


def _check(page, source, before):
    _run_cell(page, "def top_p_filter(", source)
    card_button = page.locator(".studykit-drill-check button, button.studykit-drill-check").first
    scroll_into_view(page, card_button)
    card_button.click()
    # The card says "Checking…" at once, then the verdict when the check is done.
    verdict = lambda: (lambda text: text if ("PASSED" in text or "FAILED" in text) else before)(  # noqa: E731
        text_of(page, "studykit-drill-result", timeout=0))
    return wait_for_change(page, verdict, before, "the drill card's verdict", timeout=120)


def test_a_drill_cell_is_checked_from_the_card_and_saved(lab, page):
    open_notebook(page, lab, "09_coding_drills.ipynb")
    # What a learner reaching "Your turn" needs: the card's cell (it imports what it uses); the
    # worked examples above it are nbval's to run.
    _run_cell(page, 'DrillCard("top-p", store)')
    page.locator(".studykit-drill-check").first.wait_for(state="attached")
    failed = _check(page, DROPS_THE_CROSSING_TOKEN, text_of(page, "studykit-drill-result", timeout=0))
    assert "FAILED drill-top-p" in failed and "the token that crosses p is kept" in failed, failed
    assert "expected:" in failed and "got:" in failed
    assert text_of(page, "studykit-drill-solution", timeout=0).strip() == ""  # no solution yet
    screenshot(page, "drill-card-failed")

    passed = _check(page, find_drill("top-p").solution, failed)
    assert "PASSED drill-top-p" in passed, passed
    assert "The kit's solution" in text_of(page, "studykit-drill-solution")
    screenshot(page, "drill-card-passed")
    assert_no_widget_errors(page)

    attempts = ProgressStore(lab.home / "data" / "progress.sqlite3").drill_attempts("drill-top-p")
    assert [a.rubric_scores for a in attempts] == [(False,), (True,)]
    assert attempts[0].drill["failure"]["label"].startswith('edge case "the token that crosses p is kept')
    assert "np.cumsum(probs[order]) < p" in attempts[0].answer
