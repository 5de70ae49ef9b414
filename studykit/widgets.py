"""Live explorers: sliders that reshape a real next-token distribution.

* :class:`MarketExplorer` (notebook 01, the picture): a temperature dial over the market of next
  tokens. The top stalls are bars, plus one bar for the rest of the market; readouts show the entropy
  and the effective number of stalls; a button sends shoppers (samples) and shows where they went.
* :class:`FilterExplorer` (notebook 02, the mechanism): temperature, top-k, top-p and min-p sliders;
  which stalls survive each filter, and the renormalised distribution of the survivors.

Every number comes from :mod:`studykit.sampling`; these classes only wire sliders to it and draw.
A change redraws one small SVG inside an ``ipywidgets.HTML`` (no plotting library per change), so an
update over the full 49,152-token vocabulary takes milliseconds (``python -m benchmarks widgets``).
Slider observers run synchronously: after ``explorer.temperature_slider.value = 0.5`` the state and
the figure are already updated.

Shown in a notebook, an explorer is the live widget; its output also carries a static PNG snapshot
and a one-line text summary, which viewers without a running kernel show instead.

CSS classes, for browser tests and styling: ``studykit-temperature``, ``studykit-top-k``,
``studykit-top-p``, ``studykit-min-p`` (sliders), ``studykit-entropy`` ("entropy 5.67 nats"),
``studykit-effective-stalls`` ("≈ 290 equally busy stalls"), ``studykit-kept-count`` ("kept 533 of
49,152 tokens"), ``studykit-stages``, ``studykit-figure`` (the chart), ``studykit-shoppers`` (button),
``studykit-shoppers-summary``.
"""

from __future__ import annotations

import base64
import numbers

import numpy as np

from . import sampling
from .plots import (AFTER, BEFORE, SHOPPERS, THEORY, BarChart, Series, bar_chart_png, bar_chart_svg,
                    format_count, format_share, market_shares, visible_token)

__all__ = ["MarketExplorer", "FilterExplorer"]

_SPACED = {"margin": "0 0 0 20px"}  # a readout's distance from the control before it


class _Explorer:
    """What both explorers share: input checks, the notebook display, the static snapshot."""

    widget = None  # the ipywidgets container, set by subclasses

    def __init__(self, logits, tokens, *, stalls: int, prompt: str | None):
        logits = np.asarray(logits, dtype=np.float64) if _is_real_array(logits) else logits
        sampling.softmax(logits)  # rejects NaN, +inf, all -inf, wrong types, with sampling's messages
        if np.ndim(logits) != 1:
            raise ValueError(f"logits must have shape (V,): one next-token distribution, got shape {np.shape(logits)}")
        vocab_size = len(logits)
        if len(tokens) != vocab_size:
            raise ValueError(f"tokens must hold one string per logit: {len(tokens)} tokens for {vocab_size} logits")
        _check_int(stalls, "stalls", 1, vocab_size - 1)
        self.logits = logits.copy()
        self.tokens = tuple(tokens)
        self.vocab_size = vocab_size
        self.prompt = prompt
        # Temperature never changes the ranking, so the stalls on show are fixed once, most likely first.
        self.stall_ids = np.argsort(-self.logits, kind="stable")[:stalls]
        self.stall_labels = [visible_token(self.tokens[i]) for i in self.stall_ids]

    @classmethod
    def from_distribution(cls, distribution, **options):
        """Build from a :class:`studykit.models.NextTokenDistribution` (logits, tokens and prompt)."""
        return cls(distribution.logits, distribution.tokens, prompt=distribution.prompt, **options)

    # Subclasses provide chart() -> BarChart and summary() -> str.

    @property
    def figure_svg(self) -> str:
        return self.figure.value

    def snapshot_png(self) -> bytes:
        """The current chart as a PNG (what a notebook viewer without a kernel shows)."""
        return bar_chart_png(self.chart())

    def _repr_mimebundle_(self, **kwargs):
        # The live widget for JupyterLab, plus a PNG and a text summary for static viewers
        # (GitHub, an untrusted notebook, nbconvert) that cannot run it.
        bundle = dict(self.widget._repr_mimebundle_(**kwargs))
        bundle["text/plain"] = self.summary()
        bundle["image/png"] = base64.b64encode(self.snapshot_png()).decode("ascii")
        return bundle

    def _title(self) -> str:
        return f"The market for the next token after “{self.prompt}”" if self.prompt else "The next-token market"


class MarketExplorer(_Explorer):
    """A temperature dial over the next-token market (notebook 01).

    Parameters: ``logits`` (V,) and ``tokens`` (V strings) of one next-token distribution;
    ``temperature`` the starting dial setting (0 = greedy) within ``[0, max_temperature]``; ``stalls``
    how many of the most likely tokens get their own bar; ``shoppers`` how many samples the button
    draws; ``seed`` for those draws; ``prompt`` for the title.

    State after every change: ``temperature``, ``probs`` (V,), ``entropy`` (nats),
    ``effective_stalls`` (exp of the entropy), ``shares`` (top stalls + rest), and, after
    :meth:`send_shoppers`, ``shopper_counts`` (same rows as ``shares``) until the temperature moves.

    >>> explorer = MarketExplorer([2.0, 1.0, 0.0, -1.0], ["a", "b", "c", "d"], stalls=2)
    >>> explorer.temperature_slider.value = 0.5
    >>> explorer.entropy_readout.value
    'entropy 0.46 nats'
    """

    def __init__(self, logits, tokens, *, temperature=1.0, stalls=10, shoppers=100, seed=0,
                 max_temperature=3.0, prompt=None):
        import ipywidgets as w

        super().__init__(logits, tokens, stalls=stalls, prompt=prompt)
        _check_number(max_temperature, "max_temperature", 0, None, low_open=True)
        _check_number(temperature, "temperature", 0, max_temperature)
        _check_int(shoppers, "shoppers", 1, None)
        self.shoppers = int(shoppers)
        self._rng = np.random.default_rng(seed)  # one stream per explorer: every click sends new shoppers
        # Where each token id goes on the chart: its own row, or the last row (the rest of the market).
        self._row_of_token = np.full(self.vocab_size, len(self.stall_ids))
        self._row_of_token[self.stall_ids] = np.arange(len(self.stall_ids))
        self.shopper_counts = None
        self.shopper_ids = None

        self.temperature_slider = w.FloatSlider(
            value=temperature, min=0.0, max=max_temperature, step=0.05, description="temperature T",
            readout_format=".2f", style={"description_width": "initial"}, layout=w.Layout(width="420px"))
        self.entropy_readout = w.HTML(layout=_SPACED)
        self.stalls_readout = w.HTML(layout=_SPACED)
        self.figure = w.HTML()
        self.shoppers_button = w.Button(description=f"Send {self.shoppers} shoppers", icon="users",
                                        button_style="warning", layout=w.Layout(width="180px"))
        self.shoppers_summary = w.HTML(layout=_SPACED)
        for widget, name in [(self.temperature_slider, "temperature"), (self.entropy_readout, "entropy"),
                             (self.stalls_readout, "effective-stalls"), (self.figure, "figure"),
                             (self.shoppers_button, "shoppers"), (self.shoppers_summary, "shoppers-summary")]:
            widget.add_class(f"studykit-{name}")
        self.widget = w.VBox([
            w.HBox([self.temperature_slider, self.entropy_readout, self.stalls_readout],
                   layout=w.Layout(align_items="center")),
            self.figure,
            w.HBox([self.shoppers_button, self.shoppers_summary], layout=w.Layout(align_items="center")),
        ])
        self.widget.add_class("studykit-market-explorer")
        self.temperature_slider.observe(self._on_temperature, names="value")
        self.shoppers_button.on_click(lambda _button: self.send_shoppers())
        self._on_temperature()

    @property
    def temperature(self) -> float:
        return float(self.temperature_slider.value)

    def _on_temperature(self, change=None):
        self.probs = sampling.softmax(self.logits, self.temperature)
        self.entropy = float(sampling.entropy(self.probs))
        self.effective_stalls = float(sampling.effective_vocabulary(self.probs))
        self.shares = market_shares(self.probs, self.stall_ids)
        # Shoppers sent at another temperature would be compared with the wrong theory: drop them.
        self.shopper_counts = self.shopper_ids = None
        self.entropy_readout.value = f"entropy {self.entropy:.2f} nats"
        self.stalls_readout.value = f"≈ {format_count(self.effective_stalls)} equally busy stalls"
        self.shoppers_summary.value = f"<i>press to send {self.shoppers} shoppers at T = {self.temperature:.2f}</i>"
        self.figure.value = bar_chart_svg(self.chart())

    def send_shoppers(self) -> np.ndarray:
        """Draw ``shoppers`` samples at the current temperature; returns counts per chart row."""
        ids = sampling.sample(self.logits, temperature=self.temperature, num_samples=self.shoppers, seed=self._rng)
        self.shopper_ids = ids
        self.shopper_counts = np.bincount(self._row_of_token[ids], minlength=len(self.stall_ids) + 1)
        elsewhere = int(self.shopper_counts[-1])
        self.shoppers_summary.value = (
            f"{self.shoppers} shoppers at T = {self.temperature:.2f}: {self.shoppers - elsewhere} at the top "
            f"{len(self.stall_ids)} stalls, {elsewhere} elsewhere, {len(np.unique(ids))} different stalls")
        self.figure.value = bar_chart_svg(self.chart())
        return self.shopper_counts

    def chart(self) -> BarChart:
        rest = self.vocab_size - len(self.stall_ids)
        labels = [*self.stall_labels, "rest of the market"]
        notes = [""] * len(self.stall_ids) + [f"{rest:,} stalls"]
        series = [Series("theory: probability", self.shares, THEORY)]
        if self.shopper_counts is not None:
            series.append(Series(f"{self.shoppers} shoppers sent", self.shopper_counts / self.shoppers, SHOPPERS))
        return BarChart(self._title(), labels, series, notes, subtitle=f"temperature T = {self.temperature:.2f}")

    def summary(self) -> str:
        top = self.stall_labels[0]
        return (f"MarketExplorer at T = {self.temperature:.2f}: entropy {self.entropy:.2f} nats, "
                f"≈ {format_count(self.effective_stalls)} equally busy stalls, top stall {top} "
                f"{format_share(self.shares[0])} (live widget: run the notebook to move the dial)")


class FilterExplorer(_Explorer):
    """Temperature, top-k, top-p and min-p on one distribution, in transformers' order (notebook 02).

    Slider conventions follow ``generate()``: top-k 0 = off, top-p 1.0 = off, min-p 0 = off
    (``None`` in the constructor means off too). ``stalls`` is how many of the most likely tokens
    get their own row.

    State after every change: ``settings`` (the sampling keyword arguments), ``kept`` (V,) bool,
    ``kept_count``, ``stage_counts`` (tokens alive after each step), ``probs_before`` (after
    temperature only), ``probs_after`` (renormalised over the kept tokens), ``entropy`` of that,
    ``removed_by`` (per shown stall: "", "greedy", "top-k", "top-p" or "min-p").

    >>> explorer = FilterExplorer([3.0, 2.0, 1.0, 0.0], ["a", "b", "c", "d"], top_p=0.9, stalls=2)
    >>> explorer.kept_readout.value
    'kept 3 of 4 tokens'
    >>> explorer.top_p_slider.value = 0.5
    >>> explorer.kept_readout.value
    'kept 1 of 4 tokens'
    """

    STEPS = ("temperature", "top-k", "top-p", "min-p")

    def __init__(self, logits, tokens, *, temperature=1.0, top_k=None, top_p=0.9, min_p=None, stalls=15,
                 max_temperature=3.0, max_top_k=100, prompt=None):
        import ipywidgets as w

        super().__init__(logits, tokens, stalls=stalls, prompt=prompt)
        _check_number(max_temperature, "max_temperature", 0, None, low_open=True)
        _check_number(temperature, "temperature", 0, max_temperature)
        _check_int(max_top_k, "max_top_k", 1, None)
        if top_k is not None:
            _check_int(top_k, "top_k", 1, max_top_k, off="None (or 0 on the slider) for off")
        if top_p is not None:
            _check_number(top_p, "top_p", 0, 1, low_open=True)
        if min_p is not None:
            _check_number(min_p, "min_p", 0, 1)

        wide = {"style": {"description_width": "initial"}, "layout": w.Layout(width="340px")}
        self.temperature_slider = w.FloatSlider(value=temperature, min=0.0, max=max_temperature, step=0.05,
                                                description="temperature T", readout_format=".2f", **wide)
        self.top_k_slider = w.IntSlider(value=top_k or 0, min=0, max=max_top_k, description="top-k (0 = off)", **wide)
        self.top_p_slider = w.FloatSlider(value=1.0 if top_p is None else top_p, min=0.01, max=1.0, step=0.01,
                                          description="top-p (1 = off)", readout_format=".2f", **wide)
        self.min_p_slider = w.FloatSlider(value=min_p or 0.0, min=0.0, max=1.0, step=0.01,
                                          description="min-p (0 = off)", readout_format=".2f", **wide)
        self.kept_readout = w.HTML()
        self.entropy_readout = w.HTML(layout=_SPACED)
        self.stages_readout = w.HTML()
        self.figure = w.HTML()
        for widget, name in [(self.temperature_slider, "temperature"), (self.top_k_slider, "top-k"),
                             (self.top_p_slider, "top-p"), (self.min_p_slider, "min-p"),
                             (self.kept_readout, "kept-count"), (self.entropy_readout, "entropy"),
                             (self.stages_readout, "stages"), (self.figure, "figure")]:
            widget.add_class(f"studykit-{name}")
        sliders = [self.temperature_slider, self.top_k_slider, self.top_p_slider, self.min_p_slider]
        self.widget = w.VBox([
            w.HBox([w.VBox(sliders[:2]), w.VBox(sliders[2:])]),
            w.HBox([self.kept_readout, self.entropy_readout]),
            self.stages_readout,
            self.figure,
        ])
        self.widget.add_class("studykit-filter-explorer")
        for slider in sliders:
            slider.observe(self._on_change, names="value")
        self._on_change()

    @property
    def settings(self) -> dict:
        """The current sliders as keyword arguments of :func:`studykit.sampling.warp` (None = off)."""
        top_k, top_p, min_p = self.top_k_slider.value, self.top_p_slider.value, self.min_p_slider.value
        return {
            "temperature": float(self.temperature_slider.value),
            "top_k": int(top_k) if top_k > 0 else None,
            "top_p": float(top_p) if top_p < 1.0 else None,
            "min_p": float(min_p) if min_p > 0.0 else None,
        }

    def _on_change(self, change=None):
        s = self.settings
        # One step at a time, in generate()'s order, so we can say which step removed each token.
        # warp() chains the same steps, so the last stage equals warp(logits, **settings).
        stages = [sampling.warp(self.logits, temperature=s["temperature"])]
        for step, option in [("top-k", "top_k"), ("top-p", "top_p"), ("min-p", "min_p")]:
            stages.append(stages[-1] if s[option] is None else sampling.warp(stages[-1], **{option: s[option]}))
        alive = [np.isfinite(stage) for stage in stages]
        self.kept = alive[-1]
        self.kept_count = int(self.kept.sum())
        self.stage_counts = {step: int(a.sum()) for step, a in zip(self.STEPS, alive)}
        self.probs_before = sampling.softmax(stages[0])
        self.probs_after = sampling.softmax(stages[-1])
        self.entropy = float(sampling.entropy(self.probs_after))
        removed_at = np.argmin(np.stack(alive)[:, self.stall_ids], axis=0)  # first step where a stall is dead
        self.removed_by = ["" if self.kept[i] else ("greedy" if step == 0 else self.STEPS[step])
                           for i, step in zip(self.stall_ids, removed_at)]

        self.kept_readout.value = f"kept {self.kept_count:,} of {self.vocab_size:,} tokens"
        self.entropy_readout.value = f"entropy {self.entropy:.2f} nats"
        switched_off = {"top-k": s["top_k"] is None, "top-p": s["top_p"] is None, "min-p": s["min_p"] is None}
        self.stages_readout.value = "tokens left after each step: " + " → ".join(
            f"{step} {'off' if switched_off.get(step) else f'{n:,}'}" for step, n in self.stage_counts.items())
        self.figure.value = bar_chart_svg(self.chart())

    def chart(self) -> BarChart:
        rest_ids = np.ones(self.vocab_size, dtype=bool)
        rest_ids[self.stall_ids] = False
        rest = int(rest_ids.sum())
        labels = [*self.stall_labels, f"other {rest:,} stalls"]
        before = market_shares(self.probs_before, self.stall_ids)
        after = market_shares(self.probs_after, self.stall_ids)
        notes = [f"✗ {why}" if why else "" for why in self.removed_by]
        notes.append(f"{int(self.kept[rest_ids].sum()):,} kept")
        series = [Series("after temperature only", before, BEFORE),
                  Series("after the filters, renormalised", after, AFTER)]
        return BarChart(self._title(), labels, series, notes, subtitle=self._settings_text())

    def _settings_text(self) -> str:
        s = self.settings
        filters = [f"{name} {s[key]:g}" for name, key in [("top-k", "top_k"), ("top-p", "top_p"), ("min-p", "min_p")]
                   if s[key] is not None]
        return ", ".join([f"temperature T = {s['temperature']:.2f}", *filters])

    def summary(self) -> str:
        return (f"FilterExplorer at {self._settings_text()}: kept {self.kept_count:,} of "
                f"{self.vocab_size:,} tokens, entropy {self.entropy:.2f} nats "
                f"(live widget: run the notebook to move the sliders)")


# ----------------------------------------------------------------------------- checks


def _is_real_array(values) -> bool:
    try:
        return np.asarray(values).dtype.kind in "iuf"
    except (ValueError, TypeError):
        return False


def _check_int(value, name, low, high, off=""):
    ok = isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))
    if not ok or value < low or (high is not None and value > high):
        upper = "" if high is None else f" and <= {high}"
        extra = f", or {off}" if off else ""
        raise ValueError(f"{name} must be an integer >= {low}{upper}{extra}, got {value!r}")


def _check_number(value, name, low, high, *, low_open=False):
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and np.isfinite(value)
    if not ok or value < low or (low_open and value == low) or (high is not None and value > high):
        bracket = "(" if low_open else "["
        upper = "inf)" if high is None else f"{high}]"
        raise ValueError(f"{name} must be a number in {bracket}{low}, {upper}, got {value!r}")
