"""The explorers' JavaScript (``studykit/views/js/``) as one ES module, for anywidget and the offline site.

Each file under ``js/`` is a small ES module with one concept (number formatting, the sampling
arithmetic, the SVG bar chart, the explorer views) and imports the others by relative path, so that each
can be read and tested alone. A widget's ``_esm`` and a page opened from ``file://`` cannot resolve
relative imports, so :func:`explorer_module` joins the files in dependency order and drops those import
lines: the names they import are then defined earlier in the same module.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

__all__ = ["JS_DIR", "FILES", "explorer_module"]

JS_DIR = Path(__file__).with_name("js")
FILES = ("format.js", "sampling.js", "bar_chart.js", "explorers.js")  # each after what it imports
_RELATIVE_IMPORT = re.compile(r'^import\s*\{[^}]*\}\s*from\s*"\./([\w.]+)";\n', re.MULTILINE)


@functools.cache
def explorer_module() -> str:
    """The four files as one module whose default export is anywidget's ``{render}``."""
    parts = []
    for position, name in enumerate(FILES):
        source = (JS_DIR / name).read_text(encoding="utf-8")
        for imported in _RELATIVE_IMPORT.findall(source):
            if imported not in FILES[:position]:
                raise ValueError(f"{name} imports {imported}, which is not bundled before it")
        parts.append(f"// ---- {name}\n" + _RELATIVE_IMPORT.sub("", source))
    module = "\n".join(parts)
    if re.search(r"^import\b", module, re.MULTILINE):
        raise ValueError("the explorer module must not import anything: it has to work offline, from one file")
    return module
