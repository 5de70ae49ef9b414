"""Imports point one way through the package's layers (the map in ``studykit/__init__.py``).

shared (top level) <- maths <- lm <- studies <- views, and practice beside them on shared only.
Every import statement counts, at the top of a module or inside a function: an import that runs
late still ties the layers together. The one exception is written down below.
"""

import ast
from pathlib import Path

import pytest

import studykit

ROOT = Path(studykit.__file__).resolve().parent

# What each layer may import from studykit (its own layer is always allowed).
MAY_IMPORT = {
    "shared": set(),
    "maths": set(),
    "lm": {"maths", "shared"},
    "studies": {"maths", "lm", "shared"},
    "views": {"maths", "lm", "studies", "shared"},
    "practice": {"shared"},
}
# Libraries a layer must never import, anywhere in it.
NEVER = {
    "maths": {"transformers", "ipywidgets", "anywidget", "traitlets", "IPython", "matplotlib"},
    "practice": {"torch", "transformers"},
}
# A drill is checked against the chapter's own function: the checks import maths (and torch) inside
# the function that runs the check, never when practice is imported.
LATE_IMPORTS_ALLOWED = {"practice/drills/checks.py": {"maths", "torch"}}


def layer_of(path: Path, root: Path) -> str:
    parts = path.relative_to(root).parts
    return parts[0] if len(parts) > 1 else "shared"


def _imports(path: Path, root: Path):
    """(line, imported module as a tuple, whether inside a function) for every import in the file."""
    package = path.parent.relative_to(root.parent).parts
    tree = ast.parse(path.read_text(encoding="utf-8"))
    in_function = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for n in ast.walk(f)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = (*base, *(node.module.split(".") if node.module else ()))
            targets = [module] if node.module else [(*module, a.name) for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [tuple(a.name.split(".")) for a in node.names]
        else:
            continue
        for target in targets:
            yield node.lineno, target, id(node) in in_function


def violations(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        layer, name = layer_of(path, root), path.relative_to(root).as_posix()
        late_ok = LATE_IMPORTS_ALLOWED.get(name, set())
        for line, target, late in _imports(path, root):
            if target[0] == root.name and len(target) > 1:
                into = target[1] if (root / target[1]).is_dir() else "shared"
                allowed = into == layer or into in MAY_IMPORT[layer] or (late and into in late_ok)
                if not allowed:
                    found.append(f"{name}:{line}: the {layer} layer imports {'.'.join(target)} ({into})")
            elif target[0] in NEVER.get(layer, set()) and not (late and target[0] in late_ok):
                found.append(f"{name}:{line}: the {layer} layer imports {target[0]}")
    return found


def test_every_import_points_down_the_layers():
    assert not violations(ROOT), "\n".join(violations(ROOT))


def test_the_layers_on_the_map_are_the_folders():
    folders = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()}
    assert folders == set(MAY_IMPORT) - {"shared"}


@pytest.mark.parametrize("module, line, complaint", [
    ("maths/a.py", "from ..views import plots", "the maths layer imports pkg.views (views)"),
    ("maths/a.py", "def f():\n    from ..lm.models import load", "the maths layer imports pkg.lm.models (lm)"),
    ("maths/a.py", "import transformers", "the maths layer imports transformers"),
    ("maths/a.py", "from .. import paths", "the maths layer imports pkg.paths (shared)"),
    ("views/a.py", "from ..practice import questions", "the views layer imports pkg.practice (practice)"),
    ("practice/a.py", "import torch", "the practice layer imports torch"),
    ("practice/a.py", "from ..studies import facts", "the practice layer imports pkg.studies (studies)"),
    ("lm/a.py", "from ..views.plots import BarChart", "the lm layer imports pkg.views.plots (views)"),
])
def test_an_import_against_the_direction_is_named(tmp_path, module, line, complaint):
    root = tmp_path / "pkg"
    for layer in MAY_IMPORT:
        if layer != "shared":
            (root / layer).mkdir(parents=True)
            (root / layer / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "paths.py").write_text("")
    (root / module).write_text(line + "\n")
    assert [v.split(": ", 1)[1] for v in violations(root)] == [complaint]


def test_imports_that_follow_the_direction_pass(tmp_path):
    root = tmp_path / "pkg"
    files = {"__init__.py": "", "paths.py": "", "maths/__init__.py": "", "lm/__init__.py": "",
             "views/__init__.py": "", "studies/__init__.py": "", "practice/__init__.py": "",
             "maths/a.py": "import torch\nfrom . import b\n", "maths/b.py": "",
             "lm/m.py": "from ..maths import a\nfrom .. import paths\n",
             "views/v.py": "from ..lm import m\nfrom ..maths.a import x\nimport ipywidgets\n",
             "practice/p.py": "from .. import paths\n"}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    assert violations(root) == []
