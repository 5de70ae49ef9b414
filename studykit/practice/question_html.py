"""A question's texts as HTML, built once for the notebook card, the interview panel and the Anki deck.

    >>> text_html("p_i < 1\\nfor every i")
    'p_i &lt; 1<br>for every i'

Every text is escaped (answers contain ``<`` and ``>``) and keeps its line breaks. No ipywidgets
here: the Anki export runs in a terminal.
"""

from __future__ import annotations

import html

from .questions import Question

TRAPS_HEADING = "Traps: did your answer say any of these?"


def text_html(text: str) -> str:
    """``text`` escaped, without surrounding blank lines, each line break a ``<br>``."""
    return html.escape(text.strip()).replace("\n", "<br>")


def traps_html(q: Question, heading: str | None = TRAPS_HEADING) -> str:
    """Each trap as ``✗ claim → correction`` in a list under ``heading`` (None: no heading, as
    in the Anki card, whose template has its own); empty when the question has no traps."""
    if not q.traps:
        return ""
    items = "".join(f"<li>✗ {text_html(t.claim)}<br>→ {text_html(t.correction)}</li>" for t in q.traps)
    return (f"<h4>{html.escape(heading)}</h4>" if heading else "") + f"<ul>{items}</ul>"


def answers_html(q: Question) -> str:
    """The model answer; where the bank has them, its critique and a strong answer."""
    title = "The chapter's answer" if q.origin == "chapter" else "Model answer"
    parts = [f"<h4>{title}</h4><blockquote>{text_html(q.model_answer)}</blockquote>"]
    if q.critique:
        parts.append(f"<h4>What an interviewer would mark down</h4><blockquote>"
                     f"{text_html(q.critique)}</blockquote>")
    if q.strong_answer:
        parts.append(f"<h4>A strong answer</h4><blockquote>{text_html(q.strong_answer)}</blockquote>")
    return "".join(parts)
