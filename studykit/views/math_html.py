"""LaTeX in a notebook's markdown, rendered to MathML when the offline site is built.

Browsers draw MathML themselves (MathML Core), so a page needs no math script, no font download and no
network. :func:`protect_math` swaps each ``$...$`` and ``$$...$$`` outside code for a placeholder before
the markdown is rendered (so that ``_`` and ``*`` inside formulas are not read as emphasis), and
:func:`restore_math` puts the MathML in its place afterwards.

>>> text, formulas = protect_math("Divide by $T$; `$HOME` is code.")
>>> text
'Divide by STUDYKITMATH0X; `$HOME` is code.'
>>> restore_math(text, formulas).startswith('Divide by <math')
True
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

__all__ = ["protect_math", "restore_math", "to_mathml"]

_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.DOTALL)  # fenced blocks and code spans stay as written
_MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.DOTALL)
_PLACEHOLDER = re.compile(r"STUDYKITMATH(\d+)X")


def to_mathml(latex: str, *, display: bool) -> str:
    """One formula as a ``<math>`` element, with its LaTeX kept as the annotation screen readers may use."""
    mathml = convert(latex.strip(), display="block" if display else "inline")
    return mathml.replace("<math ", f'<math alttext="{html.escape(latex.strip(), quote=True)}" ', 1)


def protect_math(markdown: str) -> tuple[str, list[str]]:
    """``markdown`` with each formula outside code replaced by a placeholder, and the formulas' MathML."""
    formulas: list[str] = []

    def swap(match: re.Match) -> str:
        display = match.group(1) is not None
        formulas.append(to_mathml(match.group(1) if display else match.group(2), display=display))
        return f"STUDYKITMATH{len(formulas) - 1}X"

    parts = _CODE.split(markdown)  # odd indices are code
    return "".join(part if i % 2 else _MATH.sub(swap, part) for i, part in enumerate(parts)), formulas


def restore_math(rendered: str, formulas: list[str]) -> str:
    """The rendered HTML with each placeholder replaced by its MathML."""
    return _PLACEHOLDER.sub(lambda m: formulas[int(m.group(1))], rendered)
