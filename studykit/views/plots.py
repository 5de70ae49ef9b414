"""Drawing next-token distributions: one bar-chart description, two renderers, and labelled plots.

A :class:`BarChart` says *what* to show: rows of labelled horizontal bars (one bar per series in each
row) on a 0-100 % probability axis. :func:`bar_chart_svg` draws it as a small SVG string, which a live
widget can swap in well under a millisecond; :func:`draw_bar_chart` draws the same chart on a
matplotlib axes, for static figures that every notebook viewer shows. The market picture of
notebook 01 (top stalls + "the rest of the market") is :func:`market_shares`.

Nothing here computes a probability: the math lives in :mod:`studykit.maths.sampling`.

>>> chart = BarChart("Two stalls", ["␣cat", "␣mat"], [Series("p", [0.75, 0.25], THEORY)])
>>> bar_chart_svg(chart).startswith("<svg")
True
"""

from __future__ import annotations

import html
import io
import math
import textwrap
from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np

__all__ = [
    "THEORY", "SHOPPERS", "BEFORE", "AFTER",
    "visible_token", "format_share", "format_count", "market_shares",
    "Series", "BarChart", "bar_chart_svg", "draw_bar_chart", "bar_chart_png", "figure_png", "show",
    "plot_markets", "plot_entropy_vs_temperature", "plot_log_odds", "plot_nucleus_size",
]

# One colour per meaning, the same in every figure of the package.
THEORY = "#3b6ea8"  # the distribution itself: the share of shoppers each stall should get
SHOPPERS = "#e08a2c"  # what sampled shoppers actually did
BEFORE = "#b9c3cd"  # after temperature, before the filters
AFTER = "#2a8062"  # after the filters, renormalised
_REMOVED_TEXT = "#9aa4ad"
_INK = "#1f2a33"


# ----------------------------------------------------------------------------- text


def visible_token(text: str) -> str:
    """A token's text with its whitespace made visible: ``" mat"`` -> ``"␣mat"``, newline -> ``"↵"``.

    Tokens of a BPE vocabulary usually carry their leading space; without it " mat" and "mat" (a
    different token) would look the same on a plot.

    >>> visible_token(" mat"), visible_token("\\n\\n"), visible_token("")
    ('␣mat', '↵↵', '∅')
    """
    if text == "":
        return "∅"
    shown = text.replace(" ", "␣").replace("\n", "↵").replace("\t", "⇥").replace("\r", "␍")
    # Any other invisible character (e.g. a stray control byte) shows as its code point.
    return "".join(ch if ch.isprintable() else f"<U+{ord(ch):04X}>" for ch in shown)


def _round_significant(x: float, digits: int) -> float:
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))


def format_share(p: float) -> str:
    """A probability as a percentage with 3 significant digits, stable to print in a notebook.

    >>> format_share(0.0713), format_share(0.5), format_share(1.0), format_share(2e-7), format_share(0.0)
    ('7.13%', '50.0%', '100%', '2.00e-5%', '0%')
    """
    percent = _round_significant(100 * float(p), 3)
    if percent == 0:
        return "0%"
    if percent >= 100:
        return "100%"
    if percent < 0.01:
        return f"{percent:.2e}".replace("e-0", "e-") + "%"
    decimals = max(0, 2 - math.floor(math.log10(percent)))
    return f"{percent:.{decimals}f}%"


def format_count(x: float) -> str:
    """A count or an effective number with 3 significant digits and thousands separators.

    >>> format_count(289.72), format_count(34293.1), format_count(3.5124), format_count(1.0)
    ('290', '34,300', '3.51', '1')
    """
    rounded = _round_significant(float(x), 3)
    return f"{int(rounded):,}" if abs(rounded) >= 100 else f"{rounded:.3g}"


# ----------------------------------------------------------------------------- the market


def market_shares(probs, stall_ids) -> np.ndarray:
    """Shares of the given stalls, then one more entry: the rest of the market.

    >>> market_shares([0.5, 0.3, 0.2], [1, 0]).round(3).tolist()
    [0.3, 0.5, 0.2]
    """
    probs = np.asarray(probs, dtype=np.float64)
    shown = probs[np.asarray(stall_ids)]
    rest = max(0.0, 1.0 - float(shown.sum()))  # rounding can push the sum a hair past 1
    return np.append(shown, rest)


# ----------------------------------------------------------------------------- bar charts


@dataclass(frozen=True)
class Series:
    """One bar per row, all in one colour, named in the legend."""

    name: str
    values: Sequence[float]  # probabilities in [0, 1], one per row
    color: str


@dataclass(frozen=True)
class BarChart:
    """Rows of labelled horizontal bars on a 0-100 % axis.

    ``notes`` (optional, one per row) is grey text at the end of a row, e.g. "✗ top-p"; a row with a
    note that starts with "✗" has its label greyed out too.
    """

    title: str
    labels: Sequence[str]
    series: Sequence[Series]
    notes: Sequence[str] = field(default=())
    subtitle: str = ""  # e.g. the current settings, "T = 0.70, top-p 0.9"
    xlabel: str = "probability (share of shoppers)"

    def __post_init__(self):
        if not self.series:
            raise ValueError("a BarChart needs at least one Series")
        for s in self.series:
            if len(s.values) != len(self.labels):
                raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(self.labels)} labels")
        if self.notes and len(self.notes) != len(self.labels):
            raise ValueError(f"notes has {len(self.notes)} entries for {len(self.labels)} labels")

    def note(self, row: int) -> str:
        return self.notes[row] if self.notes else ""

    def removed(self, row: int) -> bool:
        return self.note(row).startswith("✗")


def bar_chart_svg(chart: BarChart, *, width: int = 680) -> str:
    """The chart as a self-contained SVG string (no scripts, no external fonts)."""
    label_w, value_w, note_w = 150, 52, 96
    x0, x1 = label_w, width - value_w - note_w
    n_series = len(chart.series)
    bar_h = 13 if n_series == 1 else 10
    row_h = bar_h * n_series + 9
    head = 26 + (17 if chart.subtitle else 0)
    top = head + (24 if n_series > 1 else 6)
    height = top + row_h * len(chart.labels) + 40
    scale = x1 - x0

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12" '
        f'role="img" aria-label="{_attr(chart.title)}">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="8" y="19" font-size="14" font-weight="bold" fill="{_INK}">{_text(chart.title)}</text>',
    ]
    if chart.subtitle:
        out.append(f'<text x="8" y="37" font-size="13" fill="{_INK}">{_text(chart.subtitle)}</text>')
    if n_series > 1:  # legend under the title
        x = x0
        for s in chart.series:
            out.append(f'<rect x="{x}" y="{head}" width="12" height="12" fill="{s.color}"/>')
            out.append(f'<text x="{x + 17}" y="{head + 10}" fill="{_INK}">{_text(s.name)}</text>')
            x += 30 + 7 * len(s.name)
    bottom = top + row_h * len(chart.labels)
    for tick in (0, 0.25, 0.5, 0.75, 1.0):  # gridlines first, so bars sit on top
        x = x0 + tick * scale
        out.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom}" stroke="#e3e7eb"/>')
        out.append(f'<text x="{x:.1f}" y="{bottom + 15}" text-anchor="middle" fill="#5b6670">{tick:.0%}</text>')
    out.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{bottom + 32}" text-anchor="middle" fill="#5b6670">'
               f'{_text(chart.xlabel)}</text>')

    for row, label in enumerate(chart.labels):
        y = top + row * row_h
        label_color = _REMOVED_TEXT if chart.removed(row) else _INK
        out.append(f'<text x="{x0 - 8}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end" '
                   f'fill="{label_color}">{_text(label)}</text>')
        for i, s in enumerate(chart.series):
            value = float(s.values[row])
            bar_y = y + 4 + i * bar_h
            bar_w = max(value, 0.0) * scale
            out.append(f'<rect x="{x0}" y="{bar_y}" width="{bar_w:.1f}" height="{bar_h - 1}" fill="{s.color}"/>')
            if value > 0 or not chart.removed(row):  # a removed stall's 0 % says nothing the note doesn't
                out.append(f'<text x="{x0 + bar_w + 4:.1f}" y="{bar_y + bar_h - 2}" font-size="10.5" '
                           f'fill="#5b6670">{format_share(value)}</text>')
        if chart.note(row):
            out.append(f'<text x="{x1 + value_w}" y="{y + row_h / 2 + 4:.1f}" font-size="11" '
                       f'fill="{_REMOVED_TEXT}">{_text(chart.note(row))}</text>')
    out.append("</svg>")
    return "".join(out)


def _text(s: str) -> str:
    return html.escape(s, quote=False)


def _attr(s: str) -> str:
    return html.escape(s, quote=True)


def draw_bar_chart(ax, chart: BarChart, *, legend_columns: int | None = None) -> None:
    """Draw the chart on a matplotlib axes (same layout and colours as the SVG).

    The legend sits above the bars in ``legend_columns`` columns (default: one row).
    """
    from matplotlib.ticker import PercentFormatter

    rows = np.arange(len(chart.labels))
    n_series = len(chart.series)
    height = 0.8 / n_series
    for i, s in enumerate(chart.series):
        offset = (i - (n_series - 1) / 2) * height
        values = np.asarray(s.values, dtype=np.float64)
        ax.barh(rows + offset, values, height=height * 0.92, color=s.color, label=s.name)
        for row, value in zip(rows, values):
            if value > 0 or not chart.removed(row):
                ax.text(value + 0.01, row + offset, format_share(value), va="center", fontsize=8, color="#5b6670")
    for row in rows:
        if chart.note(row):  # just right of the axes, clear of any bar and its value
            ax.annotate(chart.note(row), xy=(1.0, row), xycoords=("axes fraction", "data"), xytext=(6, 0),
                        textcoords="offset points", va="center", fontsize=8, color=_REMOVED_TEXT)
    ax.set_yticks(rows, [str(label) for label in chart.labels])
    for row, tick in zip(rows, ax.get_yticklabels()):
        tick.set_color(_REMOVED_TEXT if chart.removed(row) else _INK)
    ax.invert_yaxis()  # most likely stall on top
    ax.set_xlim(0, 1.15)  # room for the value printed after a full bar
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(axis="x", color="#e3e7eb")
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlabel(chart.xlabel)
    columns = legend_columns or n_series
    legend_rows = math.ceil(n_series / columns) if n_series > 1 else 0
    title = f"{chart.title}\n{chart.subtitle}" if chart.subtitle else chart.title
    ax.set_title(title, loc="left", fontsize=10.5, pad=6 + 13 * legend_rows)
    if n_series > 1:  # above the bars, where it never hides one
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=columns, fontsize=8, frameon=False,
                  borderaxespad=0.2)


def bar_chart_png(chart: BarChart, *, dpi: int = 100) -> bytes:
    """The chart rendered by matplotlib as compact PNG bytes (the static snapshot of a live widget)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.6, 1.4 + 0.24 * len(chart.labels) * max(1, len(chart.series) * 0.8)), dpi=dpi)
    draw_bar_chart(fig.add_subplot(), chart)
    fig.tight_layout()
    return figure_png(fig)


def figure_png(fig, *, dpi: int = 100, colors: int = 64) -> bytes:
    """A matplotlib figure as a PNG with a small colour palette.

    Flat charts use few colours, so a palette looks the same as full colour, and the file is about
    a third of the size. Notebooks are committed with their outputs, so this keeps them small.
    """
    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    image = Image.open(buffer).convert("RGB").quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
    compact = io.BytesIO()
    image.save(compact, format="PNG", optimize=True)
    return compact.getvalue()


def show(fig) -> None:
    """Display a pyplot figure in a notebook as a compact PNG (see :func:`figure_png`), then close it."""
    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    data = figure_png(fig)
    plt.close(fig)  # or the notebook would also show the full-colour original
    display(Image(data))


# ----------------------------------------------------------------------------- static figures


def plot_markets(charts: Sequence[BarChart], *, suptitle: str = ""):
    """Several market charts side by side (e.g. one per temperature); returns the figure.

    Each panel is titled by its chart's subtitle (the settings); ``suptitle`` names what they share.
    """
    import matplotlib.pyplot as plt

    rows = max(len(c.labels) * max(1, 0.8 * len(c.series)) for c in charts)
    fig, axes = plt.subplots(1, len(charts), figsize=(5.2 * len(charts), 1.5 + 0.27 * rows))
    for ax, chart in zip(np.atleast_1d(axes), charts):
        # A panel is narrower than a chart: its title (the settings) breaks at " · ", its legend stacks.
        panel_title = "\n".join(textwrap.fill(part, 48) for part in (chart.subtitle or chart.title).split(" · "))
        draw_bar_chart(ax, replace(chart, title=panel_title, subtitle=""), legend_columns=1)
    if suptitle:
        fig.suptitle(suptitle, x=0.01, ha="left", fontsize=12, fontweight="bold")
    fig.tight_layout()
    return fig


def plot_entropy_vs_temperature(temperatures, entropies, *, vocab_size: int, marks: Sequence[float] = (1.0,)):
    """Entropy (nats) against temperature, with the ceiling log V of a uniform market; returns the figure."""
    import matplotlib.pyplot as plt

    temperatures = np.asarray(temperatures, dtype=np.float64)
    entropies = np.asarray(entropies, dtype=np.float64)
    fig, ax = plt.subplots(figsize=(7.2, 3.8))
    ax.plot(temperatures, entropies, color=THEORY, lw=2, label="entropy of softmax(z / T)")
    ceiling = math.log(vocab_size)
    ax.axhline(ceiling, color="#888", ls="--", lw=1, label=f"log V = {ceiling:.2f}: every stall equally busy")
    for t in marks:
        h = float(np.interp(t, temperatures, entropies))
        ax.plot([t], [h], "o", color=SHOPPERS)
        ax.annotate(f"T = {t:g}: {h:.2f} nats", (t, h), textcoords="offset points", xytext=(8, -14))
    ax.set_xscale("log")
    ticks = [t for t in (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50) if temperatures.min() <= t <= temperatures.max()]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel("temperature T (log scale)")
    ax.set_ylabel("entropy (nats)")
    ax.set_ylim(0, ceiling * 1.08)
    ax.set_title("Turning the dial up spreads the shoppers: entropy rises with T", loc="left", fontsize=11)
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.93), frameon=False)  # under the ceiling, above the curve
    ax.grid(color="#eee")
    fig.tight_layout()
    return fig


def plot_log_odds(temperatures, log_odds, *, pair_label: str, logit_gap: float):
    """Measured log(p_i / p_j) against 1/T, with the line (z_i - z_j) / T; returns the figure."""
    import matplotlib.pyplot as plt

    inverse = 1 / np.asarray(temperatures, dtype=np.float64)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    line = np.linspace(0, inverse.max() * 1.05, 50)
    ax.plot(line, logit_gap * line, color="#888", lw=1, ls="--", label=f"(z_i − z_j) / T, gap {logit_gap:.3f}")
    ax.plot(inverse, log_odds, "o", color=THEORY, label="measured log(p_i / p_j)")
    ax.set_xlabel("1 / T")
    ax.set_ylabel("log-odds, nats")
    ax.set_title(f"Temperature scales the log-odds of {pair_label}", loc="left", fontsize=11)
    ax.legend(frameon=False)
    ax.grid(color="#eee")
    fig.tight_layout()
    return fig


def plot_nucleus_size(temperatures, kept_temperature_first, kept_top_p_first, *, top_p: float):
    """How many tokens top-p keeps at each temperature, for both orders; returns the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.8, 3.8))
    ax.plot(temperatures, kept_temperature_first, "o-", color=AFTER,
            label="temperature, then top-p (transformers' order)")
    ax.plot(temperatures, kept_top_p_first, "s--", color=SHOPPERS, label="top-p first, then temperature")
    ax.set_yscale("log")
    ax.set_xlabel("temperature T")
    ax.set_ylabel("tokens kept by top-p (log scale)")
    ax.set_title(f"The order matters: tokens in the top-p = {top_p:g} nucleus", loc="left", fontsize=11)
    ax.legend(frameon=False)
    ax.grid(color="#eee", which="both")
    fig.tight_layout()
    return fig
