"""Drawing: token labels, rounding for stable notebook output, and the two bar-chart renderers."""

import re
import xml.etree.ElementTree as ET

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from studykit.views import plots
from studykit.views.plots import BarChart, Series

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("token, shown", [
    (" mat", "␣mat"), ("mat", "mat"), ("  ", "␣␣"), ("\n", "↵"), ("\t x", "⇥␣x"), ("", "∅"),
    ("<|endoftext|>", "<|endoftext|>"), ("a\x00", "a<U+0000>"),
])
def test_visible_token_makes_whitespace_visible(token, shown):
    assert plots.visible_token(token) == shown


@given(st.floats(1e-12, 1.0))
def test_format_share_keeps_three_significant_digits(p):
    text = plots.format_share(p)
    assert text.endswith("%")
    value = float(text[:-1])
    assert value == pytest.approx(100 * p, rel=5e-3)
    assert len(re.sub(r"[^0-9]", "", text.split("e")[0]).lstrip("0")) <= 3


@given(st.floats(1.0, 1e6))
def test_format_count_keeps_three_significant_digits(x):
    text = plots.format_count(x)
    assert float(text.replace(",", "")) == pytest.approx(x, rel=5e-3)
    assert len(re.sub(r"[^0-9]", "", text).rstrip("0").lstrip("0")) <= 3


def test_market_shares_add_the_rest_of_the_market():
    probs = np.array([0.1, 0.4, 0.2, 0.3])
    shares = plots.market_shares(probs, [1, 3])
    np.testing.assert_allclose(shares, [0.4, 0.3, 0.3])
    assert shares.sum() == pytest.approx(1.0)


def test_bar_chart_checks_its_shape():
    with pytest.raises(ValueError, match="at least one Series"):
        BarChart("t", ["a"], [])
    with pytest.raises(ValueError, match="series 'p' has 1 values for 2 labels"):
        BarChart("t", ["a", "b"], [Series("p", [0.5], plots.THEORY)])
    with pytest.raises(ValueError, match="notes has 1 entries for 2 labels"):
        BarChart("t", ["a", "b"], [Series("p", [0.5, 0.5], plots.THEORY)], notes=["x"])


def _chart():
    return BarChart("A <title> & more", ["␣cat", "<|endoftext|>", "rest"],
                    [Series("theory", [0.6, 0.3, 0.1], plots.THEORY), Series("shoppers", [0.5, 0.0, 0.5], plots.SHOPPERS)],
                    notes=["", "✗ top-p", "12 stalls"], subtitle="T = 0.70")


def test_svg_is_well_formed_with_one_bar_per_value_at_the_right_length():
    svg = plots.bar_chart_svg(_chart(), width=680)
    root = ET.fromstring(svg)  # escaped labels keep it valid XML
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "A <title> & more" in texts and "<|endoftext|>" in texts and "T = 0.70" in texts
    assert "theory" in texts and "shoppers" in texts and "✗ top-p" in texts
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("height") in ("9",)]
    assert len(bars) == 6
    gridlines = [float(line.get("x1")) for line in root.iter(f"{SVG}line")]
    x0, x100 = gridlines[0], gridlines[-1]
    widths = [float(b.get("width")) for b in bars]
    expected = [0.6, 0.5, 0.3, 0.0, 0.1, 0.5]  # row by row, theory then shoppers
    np.testing.assert_allclose(widths, [v * (x100 - x0) for v in expected], atol=0.06)
    # A removed stall's empty bar gets no "0%" label: the only "0%" left is the axis tick.
    assert texts.count("0%") == 1


def test_matplotlib_renderer_draws_the_same_chart():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    plots.draw_bar_chart(ax, _chart())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["␣cat", "<|endoftext|>", "rest"]
    widths = sorted(round(p.get_width(), 6) for p in ax.patches)
    assert widths == sorted([0.6, 0.3, 0.1, 0.5, 0.0, 0.5])
    assert ax.get_xlabel() and "T = 0.70" in ax.get_title(loc="left")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["theory", "shoppers"]
    assert plots.bar_chart_png(_chart()).startswith(b"\x89PNG")


def test_static_figures_are_labelled():
    import matplotlib.pyplot as plt

    temperatures = np.geomspace(0.1, 10, 20)
    figures = [
        plots.plot_entropy_vs_temperature(temperatures, np.log1p(temperatures), vocab_size=100),
        plots.plot_log_odds(temperatures, 2.0 / temperatures, pair_label="a vs b", logit_gap=2.0),
        plots.plot_nucleus_size([0.5, 1, 2], [3, 30, 300], [30, 30, 30], top_p=0.9),
        plots.plot_markets([_chart(), _chart()], suptitle="Two markets"),
    ]
    for fig in figures[:3]:
        ax = fig.axes[0]
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title(loc="left")
        assert len(ax.get_legend().get_texts()) == 2
    assert len(figures[3].axes) == 2
    for fig in figures:
        plt.close(fig)


def test_figure_png_is_a_compact_palette_png_of_the_same_picture():
    import io

    import matplotlib.pyplot as plt
    from PIL import Image

    fig = plots.plot_nucleus_size([0.5, 1, 2], [3, 30, 300], [30, 30, 30], top_p=0.9)
    full = io.BytesIO()
    fig.savefig(full, format="png", dpi=100, facecolor="white")
    compact = plots.figure_png(fig)
    plt.close(fig)
    a = np.asarray(Image.open(full).convert("RGB"), dtype=float)
    b = np.asarray(Image.open(io.BytesIO(compact)).convert("RGB"), dtype=float)
    assert Image.open(io.BytesIO(compact)).mode == "P" and a.shape == b.shape
    assert len(compact) < 0.6 * len(full.getvalue())
    assert np.abs(a - b).mean() < 2.0  # the same picture, to the eye


def test_show_displays_one_png_and_closes_the_figure(monkeypatch):
    import IPython.display
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    fig = plots.plot_nucleus_size([0.5, 1], [3, 30], [30, 30], top_p=0.9)
    plots.show(fig)
    assert len(shown) == 1 and shown[0].data.startswith(b"\x89PNG")
    assert not plt.fignum_exists(fig.number)
