"""Import paths that notebooks use keep working: the committed notebooks' paths, and the old paths
from before modules moved (into ``studykit.practice``, then into the layers), because learners keep
their own edited copies in my-notebooks/, which an update never rewrites."""

import ast
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from studykit import _old_paths, practice
from studykit.practice import widgets

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))

# Notebook 05's imports before the move, word for word, and every name its cells took from them.
LEARNER_COPY_IMPORTS = """\
from studykit import practice, scheduling
from studykit.progress import Attempt, ProgressStore
from studykit.questions import DEFAULT_BANK, load_bank
from studykit.interview_panel import InterviewPanel
from studykit import interview
"""
LEARNER_COPY_ATTRIBUTES = {
    "practice": ["bank_table", "rating_table", "simulate_learner", "ProgressView", "PracticeSession"],
    "scheduling": ["rating_for", "replay"],
    "interview": ["pick_questions", "Exchange", "Answer", "follow_ups_to_ask", "summary_table",
                  "weakest_criteria"],
}
# Each old module path and the module it now is: the one table in studykit/_old_paths.py.
OLD_PATHS = _old_paths.MOVED


def notebook_imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every name a notebook's code takes from studykit: ``from studykit.x
    import name``, ``import studykit.x``, and ``module.name`` on a studykit module it imported."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    tree = ast.parse("\n".join(line for line in code.splitlines()
                               if not line.lstrip().startswith(("%", "!"))))  # IPython magics
    used, aliases = [], {}  # aliases: a name in the notebook -> what it names in studykit
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "studykit":
            for alias in node.names:
                used.append((node.module, alias.name))
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "studykit":
                    used.append((alias.name, ""))
                    if alias.asname:
                        aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases):
            module = aliases[node.value.id]
            if _is_module(module):
                used.append((module, node.attr))
    return sorted(set(used))


def _provides(module: str, name: str) -> bool:
    """Whether ``from module import name`` works (``import module`` when ``name`` is empty)."""
    if not _is_module(module):
        return False
    return not name or hasattr(sys.modules[module], name) or _is_module(f"{module}.{name}")


def _is_module(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False  # a class or function imported from a module, not a module
    return True


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_name_a_committed_notebook_takes_from_studykit_exists(path):
    used = notebook_imports(path)
    assert used, f"{path.name} imports nothing from studykit"
    missing = [f"{module}.{name}" if name else module for module, name in used
               if not _provides(module, name)]
    assert not missing, f"{path.name} uses names studykit no longer has: {missing}"


def test_the_reader_finds_imports_and_attribute_uses():
    used = notebook_imports(REPO / "notebooks" / "05_practice.ipynb")
    assert ("studykit.practice.questions", "load_bank") in used
    assert ("studykit.practice", "bank_table") in used  # practice.bank_table(bank)


def test_notebook_05_as_learners_kept_it_still_imports_in_a_fresh_process():
    # A fresh interpreter: in this one the new paths are imported already, which could hide a
    # failure of the old ones.
    checks = "\n".join(f"assert callable({module}.{name}), '{module}.{name}'"
                       for module, names in LEARNER_COPY_ATTRIBUTES.items() for name in names)
    script = (LEARNER_COPY_IMPORTS + checks + "\n"
              "assert isinstance(ProgressStore, type) and isinstance(Attempt, type)\n"
              "assert load_bank(DEFAULT_BANK) and isinstance(InterviewPanel, type)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("old, new", OLD_PATHS.items())
def test_an_old_module_path_is_the_moved_module_itself(old, new):
    assert importlib.import_module(old) is importlib.import_module(new)


def test_every_old_path_names_a_module_that_moved_and_nothing_still_lives_there():
    package = Path(importlib.import_module("studykit").__file__).parent
    for old, new in OLD_PATHS.items():
        leaf = old.removeprefix("studykit.")
        assert not (package / f"{leaf}.py").exists(), f"{old} is both a file and an alias"
        assert new.endswith(f".{leaf}"), f"{old} -> {new}: an alias keeps the module's name"


def test_a_learners_flat_imports_from_before_the_layers_still_work_in_a_fresh_process():
    script = ("from studykit import sampling, models, plots, market, facts\n"
              "import studykit.generation as g\n"
              "from studykit.stats import chi_square_test\n"
              "import studykit.maths.sampling, studykit.lm.generation\n"
              "assert sampling is studykit.maths.sampling and g is studykit.lm.generation\n"
              "assert callable(chi_square_test) and callable(sampling.softmax)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr


def test_a_name_that_was_never_a_module_is_still_an_import_error():
    with pytest.raises(ModuleNotFoundError, match="studykit.no_such_module"):
        importlib.import_module("studykit.no_such_module")


def test_the_old_command_paths_still_run(tmp_path):
    from studykit.cli import main
    assert main is importlib.import_module("studykit.practice.cli").main
    old = subprocess.run([sys.executable, "-m", "studykit.cli", "list", "--bank",
                          str(REPO / "tests" / "data" / "banks" / "mini.yaml")],
                         capture_output=True, text=True, cwd=REPO,
                         env={**os.environ, "STUDYKIT_HOME": str(tmp_path)})
    assert old.returncode == 0 and "mini-softmax" in old.stdout, old.stderr


def test_studykit_practice_offers_every_public_name_of_its_widgets_module():
    defined = [name for name, value in vars(widgets).items()
               if not name.startswith("_") and getattr(value, "__module__", None) == widgets.__name__]
    assert defined and not sorted(set(defined) - set(practice._WIDGETS))
    for name in practice._WIDGETS:
        assert getattr(practice, name) is getattr(widgets, name)
    assert set(practice._WIDGETS) <= set(dir(practice))
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        practice.no_such_name


def test_the_terminal_commands_do_not_load_the_widgets():
    probe = "import sys, studykit.practice.cli, studykit.practice\nprint('ipywidgets' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO)
    assert result.stdout.strip() == "False", result.stderr
