"""A small table that shows as HTML in a notebook and as aligned text in a terminal."""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class HTMLTable:
    """A small table that shows as HTML in the notebook and as aligned text elsewhere."""

    header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    caption: str = ""

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in self.header)
        body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{html.escape(c)}</td>"
                                        for c in row) + "</tr>" for row in self.rows)
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def __repr__(self) -> str:
        widths = [max(len(str(x)) for x in column) for column in zip(self.header, *self.rows)]
        lines = [self.caption] if self.caption else []
        for row in (self.header, *self.rows):
            lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
        return "\n".join(lines)
