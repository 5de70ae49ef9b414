"""Reference text not written by the model: the chapter's own prose.

Decoders are judged the way Holtzman et al. (2020) judge them: by how close their text comes to
human-written reference text, not by how much the generating model likes it. The reference here
is the prose of chapter 43 itself (``questions/sources/ch43_token_dynamics.txt``, shipped with the
package): written for the book, after the bundled model was trained, so the model has not seen it.
Headings, code, rubric and follow-up lists are left out: only running prose paragraphs remain.

>>> paragraphs = chapter_prose_paragraphs()
>>> len(paragraphs) >= 20 and all(len(p.split()) >= 20 for p in paragraphs)
True
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

__all__ = ["CHAPTER_TEXT", "SOURCE", "chapter_prose_paragraphs"]

CHAPTER_TEXT = Path(__file__).resolve().parent.parent / "questions" / "sources" / "ch43_token_dynamics.txt"
SOURCE = ("Chapter 43, 'Navigating the Landscape of Token Dynamics in AI Models', "
          "The 4-Hour AI Engineer Interview Book (questions/sources/ch43_token_dynamics.txt)")

# Paragraphs that are lists or labels, not running prose: the chapter's practice-question parts.
_NOT_PROSE = re.compile(r"^(Q\d+\.|Rubric:|Follow-ups:)")
_MIN_WORDS = 20  # shorter blocks are headings, captions or code lines


@functools.lru_cache(maxsize=1)
def chapter_prose_paragraphs() -> tuple[str, ...]:
    """The chapter's running-prose paragraphs, in order, each on one line.

    A model answer keeps its text without the ``Model answer:`` label. Code blocks (lines with
    ``=``, ``(`` or ``import``) are excluded.
    """
    text = CHAPTER_TEXT.read_text(encoding="utf-8")
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        block = " ".join(block.split())
        block = block.removeprefix("Model answer: ")
        if len(block.split()) < _MIN_WORDS or _NOT_PROSE.match(block) or _looks_like_code(block):
            continue
        paragraphs.append(block)
    return tuple(paragraphs)


def _looks_like_code(block: str) -> bool:
    return block.startswith(("import ", "from ", "#")) or " = " in block and "(" in block
