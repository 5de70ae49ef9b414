"""Notebook 05 in a real JupyterLab: the practice card is the first thing to use, and its menus work.

A learner opens 05 to answer a question, so the card must be the first widget on the page, with no
code cell before it; the mechanics of scheduling come after the card, the mock interview and the
progress view.
"""

import pytest
from jupyterlab import assert_no_widget_errors, open_notebook, run_all_cells, screenshot, text_of, wait_for_change

from studykit.practice.questions import DEFAULT_BANK, load_bank
from studykit.practice.selection import QuestionFilter, notebook_counts

pytestmark = pytest.mark.e2e

# Where the card sits among the notebook's cells, and which widget the page shows first.
_CARD_PLACE = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets;
  const card = cells.findIndex(cell => cell.node.querySelector('.studykit-practice'));
  const first = document.querySelector('.jp-Notebook .jupyter-widgets');
  const headings = cells.filter(cell => cell.model.type === 'markdown')
                        .map(cell => cell.model.sharedModel.getSource().split('\\n')[0]);
  return {card, codeBefore: cells.slice(0, card).filter(cell => cell.model.type === 'code').length,
          firstWidgetIsCard: !!first && first.classList.contains('studykit-practice'), headings};
}"""


def _labels(select) -> list[str]:
    """A dropdown's option labels (the value attributes: the shown text has non-breaking spaces)."""
    return select.locator("option").evaluate_all("options => options.map(option => option.value)")


def test_the_practice_card_is_the_first_widget_and_its_notebook_menu_narrows_it(lab, page):
    open_notebook(page, lab, "05_practice.ipynb")
    run_all_cells(page, timeout=120)
    page.locator(".jp-Notebook .jp-Cell").first.scroll_into_view_if_needed()  # back at the top, as opened
    place = page.evaluate(_CARD_PLACE)
    assert place["card"] >= 0 and place["codeBefore"] == 0, place
    assert place["firstWidgetIsCard"], place
    headings = place["headings"]
    order = ["## Your turn", "## A mock interview", "## Your progress", "## How scheduling works",
             "## Practise what this notebook showed"]
    assert [h for h in headings if h in order] == order, headings
    screenshot(page, "practice-first")

    bank = load_bank(DEFAULT_BANK)
    card = page.locator(".studykit-practice").first
    menu = card.locator(".studykit-question-filter-notebook select")
    label = next(text for text in _labels(menu) if text.startswith("07 · "))
    assert label.endswith(f"({notebook_counts(bank)['07']})")
    before = text_of(page, "studykit-status", timeout=0)
    menu.select_option(value=label)
    status = wait_for_change(page, lambda: text_of(page, "studykit-status", timeout=0), before, "status after the menu")
    expected = [q.id for q in QuestionFilter(notebooks=("07",)).apply(bank)]
    assert f"{len(expected)} questions match --notebook 07." in status
    shown = text_of(page, "studykit-question")
    assert any(qid in shown for qid in expected), shown
    offered = _labels(card.locator(".studykit-picker select"))
    assert [text.split(" (")[0] for text in offered[1:]] == expected
    assert_no_widget_errors(page)
