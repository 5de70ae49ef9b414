"""Every notebook ends with "Practise what this notebook showed", and its list is the bank's.

Notebooks are found by glob, so a notebook added later fails here until it has its hand-over cell.
"""

import dataclasses
import json
from pathlib import Path

import pytest

from studykit.practice import handover
from studykit.practice.questions import DEFAULT_BANK, load_bank

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
BANK = load_bank(DEFAULT_BANK)


def last_cells(path: Path) -> tuple[dict, dict]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return cells[-2], cells[-1]


def shown_text(cell: dict) -> str:
    (output,) = cell["outputs"]
    return "".join(output["data"]["text/plain"])


def test_there_are_notebooks_to_check():
    assert len(NOTEBOOKS) >= 7


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_ends_by_handing_over_to_its_questions(path):
    heading, code = last_cells(path)
    assert heading["cell_type"] == "markdown"
    assert "".join(heading["source"]).startswith(f"## {handover.HEADING}")
    assert code["cell_type"] == "code"
    assert "".join(code["source"]).strip().splitlines()[-1] == f'questions_shown_in("{path.stem}")'


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_committed_hand_over_lists_exactly_the_questions_whose_evidence_points_there(path):
    _, code = last_cells(path)
    text = shown_text(code)
    expected = [q.id for q in BANK if any(e.notebook == path.stem for e in q.evidence)]
    listed = [line.split()[0] for line in text.splitlines() if line.startswith("  ")]
    assert listed == expected
    number = path.stem[:2]
    if expected:
        assert f".venv/bin/studykit quiz --notebook {number}" in text
        assert f".venv/bin/studykit interview --notebook {number}" in text
    else:
        assert ".venv/bin/studykit quiz" in text and "--notebook" not in text
    assert text == repr(handover.questions_shown_in(path.stem))  # the bank, read now, agrees


def test_the_command_shown_practises_exactly_the_questions_listed(capsys):
    from studykit.practice.cli import main
    shown = handover.questions_shown_in("06_decoding_in_practice")
    program, command, *options = shown.command.split()
    assert (program, command, options) == (".venv/bin/studykit", "quiz", ["--notebook", "06"])
    assert main(["list", *options]) == 0  # list takes the same filters as quiz
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.splitlines()] == [q.id for q in shown.questions]


def test_a_question_added_to_a_bank_appears_in_its_notebook_hand_over():
    extra = dataclasses.replace(BANK[0], id="added-later", evidence=BANK[-1].evidence)
    notebook = BANK[-1].evidence[0].notebook
    before = handover.questions_shown_in(notebook)
    after = handover.questions_shown_in(notebook, bank=[*BANK, extra])
    assert [q.id for q in after.questions] == [q.id for q in before.questions] + ["added-later"]
    assert "  added-later (" in repr(after)


def test_the_hand_over_in_html_names_the_same_questions_and_commands():
    shown = handover.questions_shown_in("02_the_mechanism")
    page = shown._repr_html_()
    assert all(f"<code>{q.id}</code>" in page for q in shown.questions)
    assert f"<code>{shown.command}</code>" in page and f"<code>{shown.interview_command}</code>" in page


def test_append_to_adds_the_section_to_a_new_notebook_and_leaves_the_rest_alone(tmp_path):
    # A later notebook (08, say) gets its hand-over this way: only the new cell runs.
    from studykit.notebook_files import notebook_text
    original = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))
    original["cells"] = original["cells"][:3]  # a short notebook without the section
    new = tmp_path / NOTEBOOKS[0].name
    new.write_text(notebook_text(original), encoding="utf-8")
    assert handover.append_to(new) is True
    after = json.loads(new.read_text(encoding="utf-8"))
    assert after["cells"][:3] == original["cells"] and len(after["cells"]) == 5
    assert new.read_text(encoding="utf-8") == notebook_text(after)  # the committed layout
    assert shown_text(after["cells"][-1]) == repr(handover.questions_shown_in(new.stem))
    counts = [c["execution_count"] for c in after["cells"] if c["cell_type"] == "code"]
    assert counts[-1] == max(counts[:-1]) + 1
    assert handover.append_to(new) is False  # once only
    assert json.loads(new.read_text(encoding="utf-8")) == after
