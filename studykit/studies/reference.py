"""The chapter's own prose: text the bundled model did not write, of **unverified provenance**.

Decoders are judged the way Holtzman et al. (2020) judge them: by how close their text comes to
human-written reference text. The chapter (``questions/sources/ch43_token_dynamics.txt``, shipped
with the package) cannot be shown to be human-written: it carries hash citations such as
``[0fb3585bfefcc79c]``, formulaic model answers and a buggy code example, signs of machine writing.
So it is *not* the human reference: that is :mod:`studykit.studies.human_reference` (a public-domain text
of 1992). This module keeps the chapter's paragraphs for what needs no human author: text the model
did not write (calibration, predictions along a text).
Headings, code, rubric and follow-up lists are left out: only running prose paragraphs remain.

>>> paragraphs = chapter_prose_paragraphs()
>>> len(paragraphs) >= 20 and all(len(p.split()) >= 20 for p in paragraphs)
True
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CHAPTER_TEXT", "SOURCE", "chapter_prose_paragraphs", "ReferencePair", "prompt_continuation_pairs"]

CHAPTER_TEXT = Path(__file__).resolve().parents[2] / "questions" / "sources" / "ch43_token_dynamics.txt"
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


# --- prompt / continuation pairs ------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")
_CITATION = re.compile(r"\s*\[[0-9a-f]{16}\]")  # the book's source markers, not prose


@dataclass(frozen=True)
class ReferencePair:
    """A prompt cut from one paragraph and the text that followed it in the source.

    ``continuation`` starts with the space that followed the prompt. ``paragraph`` is the index into
    :func:`chapter_prose_paragraphs`; ``ends_paragraph`` says whether the author's text ended there
    (the second cut of a paragraph) or went on (the first cut of a paragraph cut twice).
    """

    prompt: str
    continuation: str
    paragraph: int
    ends_paragraph: bool


@functools.lru_cache(maxsize=1)
def prompt_continuation_pairs() -> tuple[ReferencePair, ...]:
    """The reference for judging decoders: 36 prompt/continuation pairs from the chapter's prose.

    How the pairs are cut (fixed before any decoder was run on them):

    * a paragraph is split into sentences (a sentence ends at ``.``, ``!`` or ``?`` followed by a
      space and a capital letter or an opening quote);
    * a paragraph of 2 sentences gives one pair: prompt = the first sentence, continuation = the second;
    * a paragraph of 3 or more sentences gives two pairs with a cut near its middle: prompt = the
      first sentence, continuation = the sentences up to the cut; then prompt = the last sentence
      before the cut, continuation = the rest of the paragraph. The two continuations never
      overlap, so no sentence of the author's is counted twice;
    * one-sentence paragraphs give no pair (there is no sentence boundary to cut at).

    Every prompt is one sentence: short prompts keep a run of many decoders over all pairs within
    a notebook's time budget (the model's cost per row grows with the prompt), at the price of less
    context than a reader of the paragraph has. The book's ``[0123abcd...]`` source markers are
    removed; they are citations, not prose.

    >>> pairs = prompt_continuation_pairs()
    >>> len(pairs) >= 32 and all(p.continuation.startswith(" ") for p in pairs)
    True
    """
    pairs = []
    for index, paragraph in enumerate(chapter_prose_paragraphs()):
        sentences = _SENTENCE_END.split(_CITATION.sub("", paragraph))
        if len(sentences) < 2:
            continue
        # The cut after sentence `middle` leaves at least one sentence on each side of it.
        middle = len(sentences) if len(sentences) == 2 else max(2, (len(sentences) + 1) // 2)
        pairs.append(ReferencePair(sentences[0], " " + " ".join(sentences[1:middle]), index,
                                   ends_paragraph=middle == len(sentences)))
        if middle < len(sentences):
            pairs.append(ReferencePair(sentences[middle - 1], " " + " ".join(sentences[middle:]),
                                       index, ends_paragraph=True))
    return tuple(pairs)
