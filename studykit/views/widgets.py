"""Live explorers: sliders that reshape a real next-token market, computed in the kernel.

Notebooks 01 and 02 show :mod:`studykit.views.browser_explorers`, the same explorers computed in the browser
(no kernel round trip per move); these kernel-side ones stay for driving an explorer from Python (a
slider set in a loop, as 02's check against transformers does) and share their readout texts
(:func:`market_readouts`, :func:`filter_readouts`) and static snapshot (:func:`static_bundle`).

* :class:`MarketExplorer` (notebook 01, the picture): a temperature dial over a
  :class:`~studykit.views.market.Market`, with entropy and effective-stall readouts and a button that
  sends shoppers.
* :class:`FilterExplorer` (notebook 02, the mechanism): temperature, top-k, top-p and min-p sliders
  over a :class:`~studykit.views.market.FilteredMarket`: which stalls survive each filter, and the
  renormalised shares of the survivors.

The explorers only wire sliders to the market state (``explorer.market``) and redraw. A change
redraws one small SVG (no plotting library per change), so an update over the full 49,152-token
vocabulary takes milliseconds in the kernel (``python -m benchmarks widgets``). The readouts and the
figure are drawn in one ``ipywidgets.HTML`` (``explorer.display``): each widget that changes costs a
message from the kernel through the server to the browser, and on a busy 2-core machine each
message added several milliseconds to what the learner feels (``python -m benchmarks browser``).
Slider observers run synchronously: right after ``explorer.temperature_slider.value = 0.5`` the
state, the readouts (``explorer.entropy_readout.value``, ...) and the figure are updated.

Shown in a notebook, an explorer is the live widget; its output also carries a static PNG snapshot
and a one-line text summary, which viewers without a running kernel show instead.

CSS classes, for browser tests and styling (text formats in brackets):

* sliders: ``studykit-temperature``, ``studykit-top-k``, ``studykit-top-p``, ``studykit-min-p``
* inside the display: ``studykit-entropy`` ("entropy 5.67 nats"), ``studykit-effective-stalls`` ("≈ 290 equally busy
  stalls"), ``studykit-kept-count`` ("kept 533 of 49,152 tokens"), ``studykit-stages`` ("stalls open
  after each step: temperature 49,152 → top-k off → top-p 533 → min-p off")
  and ``studykit-figure`` (the chart)
* ``studykit-display`` (the widget holding them), ``studykit-shoppers`` (the button),
  ``studykit-shoppers-summary``
* the containers: ``studykit-market-explorer``, ``studykit-filter-explorer``
"""

from __future__ import annotations

import base64

import numpy as np

from .market import FilteredMarket, Market, check_int, check_number
from .plots import bar_chart_png, bar_chart_svg, format_count

__all__ = ["MarketExplorer", "FilterExplorer", "Readout", "market_readouts", "filter_readouts", "static_bundle"]

_SPACED = {"margin": "0 0 0 20px"}  # a readout's distance from the control before it
_WIDE = {"description_width": "initial"}  # slider descriptions are sentences, not single words


def market_readouts(market) -> dict[str, str]:
    """The market explorer's readouts for a :class:`~studykit.views.market.Market`, by CSS name."""
    stalls = format_count(market.effective_stalls)
    return {"entropy": f"entropy {market.entropy:.2f} nats",
            "effective-stalls": f"≈ {stalls} equally busy stall{'' if stalls == '1' else 's'}"}


def filter_readouts(market) -> dict[str, str]:
    """The filter explorer's readouts for a :class:`~studykit.views.market.FilteredMarket`, by CSS name."""
    return {"kept-count": f"kept {market.kept_count:,} of {market.vocab_size:,} tokens",
            "entropy": f"entropy {market.entropy:.2f} nats",
            "stages": market.stages_text()}


def check_filter_settings(temperature, top_k, top_p, min_p, max_temperature, max_top_k) -> None:
    """A filter explorer's settings, checked before any widget exists (both explorers use this)."""
    check_number(max_temperature, "max_temperature", 0, None, low_open=True)
    check_number(temperature, "temperature", 0, max_temperature)
    check_int(max_top_k, "max_top_k", 1, None)
    if top_k is not None:
        check_int(top_k, "top_k", 1, max_top_k, off="None (0 on the slider) for off")
    if top_p is not None:
        check_number(top_p, "top_p", 0, 1, low_open=True)
    if min_p is not None:
        check_number(min_p, "min_p", 0, 1)


def static_bundle(bundle: dict, chart, summary: str) -> dict:
    """A widget's MIME bundle plus what viewers without a kernel show: a PNG of ``chart`` and ``summary``."""
    bundle = dict(bundle)
    bundle["text/plain"] = summary
    bundle["image/png"] = base64.b64encode(bar_chart_png(chart)).decode("ascii")
    return bundle


class Readout:
    """One piece of an explorer's display: ``value`` is its HTML, as in ``ipywidgets.HTML``."""

    def __init__(self, name: str, style: str = ""):
        self.name, self.style, self.value = name, style, ""

    def html(self) -> str:
        style = f' style="{self.style}"' if self.style else ""
        return f'<div class="studykit-{self.name}"{style}>{self.value}</div>'


class _Explorer:
    """What both explorers share: the display, the notebook output, the static snapshot, closing."""

    market = None  # the state: a Market or FilteredMarket
    widget = None  # the ipywidgets container
    display = None  # the one ipywidgets.HTML that shows the readouts and the chart
    figure = None  # the Readout holding the chart's SVG
    rows = ()  # the display's rows of Readouts, top to bottom

    @classmethod
    def from_distribution(cls, distribution, **options):
        """Build from a :class:`studykit.lm.models.NextTokenDistribution` (logits, tokens and prompt)."""
        return cls(distribution.logits, distribution.tokens, prompt=distribution.prompt, **options)

    def chart(self):
        return self.market.chart()

    def snapshot_png(self) -> bytes:
        """The current chart as a PNG (what a notebook viewer without a kernel shows)."""
        return bar_chart_png(self.chart())

    def summary(self) -> str:
        return (f"{type(self).__name__} at {self.market.summary()} "
                "(live widget: run the notebook to move the sliders)")

    def _repr_mimebundle_(self, **kwargs):
        # The live widget for JupyterLab, plus a PNG and a text summary for static viewers
        # (GitHub, an untrusted notebook, nbconvert) that cannot run it.
        return static_bundle(self.widget._repr_mimebundle_(**kwargs), self.chart(), self.summary())

    def _redraw(self):
        """Redraw the chart and send the whole display to the browser: one message per change."""
        self.figure.value = bar_chart_svg(self.chart())
        self.display.value = "".join(
            f'<div style="display: flex; gap: 20px; align-items: baseline">{"".join(r.html() for r in row)}</div>'
            for row in self.rows)

    def close(self):
        """Close every widget of the explorer (a kernel keeps open widgets alive)."""
        stack = [self.widget]
        while stack:
            widget = stack.pop()
            stack.extend(getattr(widget, "children", ()))
            widget.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def _label(widgets_and_names):
    for widget, name in widgets_and_names:
        widget.add_class(f"studykit-{name}")


class MarketExplorer(_Explorer):
    """A temperature dial over the next-token market (notebook 01).

    ``logits`` (V,) and ``tokens`` (V strings): one next-token distribution. ``temperature``: where
    the dial starts, in ``[0, max_temperature]`` (0 = greedy). ``stalls``: how many of the busiest
    stalls get their own bar. ``shoppers``: how many samples the button sends, from a stream
    seeded by ``seed`` (each press sends a new crowd). ``prompt``: for the title.

    >>> explorer = MarketExplorer([2.0, 1.0, 0.0, -1.0], ["a", "b", "c", "d"], stalls=2)
    >>> explorer.temperature_slider.value = 0.5
    >>> explorer.entropy_readout.value
    'entropy 0.46 nats'
    """

    def __init__(self, logits, tokens, *, temperature=1.0, stalls=10, shoppers=100, seed=0,
                 max_temperature=3.0, prompt=None):
        import ipywidgets as w

        check_number(max_temperature, "max_temperature", 0, None, low_open=True)
        check_number(temperature, "temperature", 0, max_temperature)
        check_int(shoppers, "shoppers", 1, None)
        self.market = Market(logits, tokens, temperature=temperature, stalls=stalls, prompt=prompt)
        self.shoppers = int(shoppers)
        self._rng = np.random.default_rng(seed)

        self.temperature_slider = w.FloatSlider(value=temperature, min=0.0, max=max_temperature, step=0.05,
                                                description="temperature T", readout_format=".2f", style=_WIDE,
                                                layout=w.Layout(width="420px"))
        self.entropy_readout, self.stalls_readout = Readout("entropy"), Readout("effective-stalls")
        self.figure = Readout("figure")
        self.rows = [[self.entropy_readout, self.stalls_readout], [self.figure]]
        self.display = w.HTML()
        self.shoppers_button = w.Button(description=f"Send {self.shoppers} shoppers", icon="users",
                                        button_style="warning", layout=w.Layout(width="180px"))
        self.shoppers_summary = w.HTML(layout=_SPACED)
        _label([(self.temperature_slider, "temperature"), (self.display, "display"),
                (self.shoppers_button, "shoppers"), (self.shoppers_summary, "shoppers-summary")])
        center = w.Layout(align_items="center")
        self.widget = w.VBox([
            self.temperature_slider,
            self.display,
            w.HBox([self.shoppers_button, self.shoppers_summary], layout=center),
        ])
        self.widget.add_class("studykit-market-explorer")
        self.temperature_slider.observe(self._on_temperature, names="value")
        self.shoppers_button.on_click(lambda _button: self.send_shoppers())
        self._show_readouts()

    def _on_temperature(self, change):
        self.market.temperature = change["new"]  # also forgets shoppers sent at the old temperature
        self._show_readouts()

    def _show_readouts(self):
        readouts = market_readouts(self.market)
        self.entropy_readout.value = readouts["entropy"]
        self.stalls_readout.value = readouts["effective-stalls"]
        # The same text at every temperature, so that moving the slider sends no message for it.
        self.shoppers_summary.value = f"<i>press to send {self.shoppers} shoppers at this temperature</i>"
        self._redraw()

    def send_shoppers(self) -> np.ndarray:
        """Send ``shoppers`` samples at the current temperature; returns the counts per chart row."""
        counts = self.market.send_shoppers(self.shoppers, seed=self._rng)
        self.shoppers_summary.value = self.market.shoppers_summary()
        self._redraw()
        return counts


class FilterExplorer(_Explorer):
    """Temperature, top-k, top-p and min-p sliders on one distribution, in transformers' order (notebook 02).

    Slider ends follow ``generate()``: top-k 0 = off, top-p 1.0 = off, min-p 0 = off (``None`` in
    the constructor means off too). ``stalls``: how many of the busiest stalls get their own row.

    >>> explorer = FilterExplorer([3.0, 2.0, 1.0, 0.0], ["a", "b", "c", "d"], top_p=0.9, stalls=2)
    >>> explorer.kept_readout.value
    'kept 3 of 4 tokens'
    >>> explorer.top_p_slider.value = 0.5
    >>> explorer.kept_readout.value
    'kept 1 of 4 tokens'
    """

    def __init__(self, logits, tokens, *, temperature=1.0, top_k=None, top_p=0.9, min_p=None, stalls=15,
                 max_temperature=3.0, max_top_k=100, prompt=None):
        import ipywidgets as w

        check_filter_settings(temperature, top_k, top_p, min_p, max_temperature, max_top_k)
        wide = {"style": _WIDE, "layout": w.Layout(width="340px")}
        self.temperature_slider = w.FloatSlider(value=temperature, min=0.0, max=max_temperature, step=0.05,
                                                description="temperature T", readout_format=".2f", **wide)
        self.top_k_slider = w.IntSlider(value=top_k or 0, min=0, max=max_top_k, description="top-k (0 = off)", **wide)
        self.top_p_slider = w.FloatSlider(value=1.0 if top_p is None else top_p, min=0.01, max=1.0, step=0.01,
                                          description="top-p (1 = off)", readout_format=".2f", **wide)
        self.min_p_slider = w.FloatSlider(value=min_p or 0.0, min=0.0, max=1.0, step=0.01,
                                          description="min-p (0 = off)", readout_format=".2f", **wide)
        self.kept_readout, self.entropy_readout = Readout("kept-count"), Readout("entropy")
        self.stages_readout, self.figure = Readout("stages"), Readout("figure")
        self.rows = [[self.kept_readout, self.entropy_readout], [self.stages_readout], [self.figure]]
        self.display = w.HTML()
        _label([(self.temperature_slider, "temperature"), (self.top_k_slider, "top-k"),
                (self.top_p_slider, "top-p"), (self.min_p_slider, "min-p"), (self.display, "display")])
        sliders = [self.temperature_slider, self.top_k_slider, self.top_p_slider, self.min_p_slider]
        # Built from the sliders, so that "off" reads the same (None) in the state and in self.settings.
        self.market = FilteredMarket(logits, tokens, stalls=stalls, prompt=prompt, **self.settings)
        self.widget = w.VBox([
            w.HBox([w.VBox(sliders[:2]), w.VBox(sliders[2:])]),
            self.display,
        ])
        self.widget.add_class("studykit-filter-explorer")
        for slider in sliders:
            slider.observe(self._on_change, names="value")
        self._show_readouts()

    @property
    def settings(self) -> dict:
        """The sliders as keyword arguments of :func:`studykit.maths.sampling.warp` (None = off)."""
        top_k, top_p, min_p = self.top_k_slider.value, self.top_p_slider.value, self.min_p_slider.value
        return {
            "temperature": float(self.temperature_slider.value),
            "top_k": int(top_k) if top_k > 0 else None,
            "top_p": float(top_p) if top_p < 1.0 else None,
            "min_p": float(min_p) if min_p > 0.0 else None,
        }

    def _on_change(self, change):
        self.market.update(**self.settings)
        self._show_readouts()

    def _show_readouts(self):
        readouts = filter_readouts(self.market)
        self.kept_readout.value = readouts["kept-count"]
        self.entropy_readout.value = readouts["entropy"]
        self.stages_readout.value = readouts["stages"]
        self._redraw()
