"""The explorers of notebooks 01 and 02 as front-end widgets: a slider move needs no kernel.

:class:`MarketExplorer` (a temperature dial, shoppers) and :class:`FilterExplorer` (temperature, top-k,
top-p, min-p) show what :mod:`studykit.views.widgets`' explorers show, but the arithmetic runs in the
browser (``studykit/views/js/``, one ES module: :func:`studykit.views.js_bundle.explorer_module`). The model's
logits are computed once in the kernel and sent once, as bytes; each slider move is answered in the
page, within a frame, and keeps working after the kernel stops. The offline site (:mod:`studykit.views.site`)
renders the same module from the widget state saved in a notebook.

anywidget is the widget base: its front end loads the module from the widget's own state (no
JupyterLab extension to build or version for this package), and it is the maintained way to write
a widget in plain JavaScript.

The kernel side stays the source of truth: :mod:`studykit.maths.sampling` defines the numbers, the browser
repeats its steps (tests/e2e/test_explorer_parity.py compares them on the real logits), and slider
values are sent back to the kernel, where ``explorer.market`` follows them. Readouts are the texts of
:func:`studykit.views.widgets.market_readouts` and :func:`~studykit.views.widgets.filter_readouts`.

CSS classes, as in :mod:`studykit.views.widgets`: ``studykit-market-explorer``, ``studykit-filter-explorer``;
``studykit-temperature``, ``studykit-top-k``, ``studykit-top-p``, ``studykit-min-p`` (each a label
holding its native ``input.studykit-slider`` and an ``output`` readout); ``studykit-entropy``,
``studykit-effective-stalls``, ``studykit-kept-count``, ``studykit-stages``, ``studykit-figure`` (the
SVG chart); ``studykit-shoppers`` (button), ``studykit-shoppers-summary``.

>>> explorer = FilterExplorer([3.0, 2.0, 1.0, 0.0], ["a", "b", "c", "d"], top_p=0.9, stalls=2)
>>> explorer.kept_readout.value
'kept 3 of 4 tokens'
>>> explorer.top_p = 0.5  # as a slider move in the browser does
>>> explorer.kept_readout.value
'kept 1 of 4 tokens'
"""

from __future__ import annotations

import anywidget
import numpy as np
import traitlets

from .js_bundle import JS_DIR, explorer_module
from .market import FilteredMarket, Market, check_int, check_number
from .widgets import Readout, check_filter_settings, filter_readouts, market_readouts, static_bundle

__all__ = ["MarketExplorer", "FilterExplorer", "logits_payload"]


def logits_payload(logits) -> tuple[bytes, str]:
    """The logits as little-endian bytes: float32 when that loses nothing (a model's own scores), else float64."""
    logits = np.asarray(logits, dtype=np.float64)
    as_float32 = logits.astype("<f4")
    if np.array_equal(as_float32.astype(np.float64), logits):
        return as_float32.tobytes(), "float32"
    return logits.astype("<f8").tobytes(), "float64"


class _BrowserExplorer(anywidget.AnyWidget):
    """What both explorers send to the browser: the logits, once, and the stalls to label."""

    _esm = explorer_module()
    _css = (JS_DIR / "explorers.css").read_text(encoding="utf-8")

    kind = traitlets.Unicode().tag(sync=True)
    logits = traitlets.Bytes().tag(sync=True)
    logits_dtype = traitlets.Unicode().tag(sync=True)
    stall_ids = traitlets.List(traitlets.Int()).tag(sync=True)
    stall_labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    title = traitlets.Unicode().tag(sync=True)
    temperature = traitlets.Float(1.0).tag(sync=True)
    max_temperature = traitlets.Float(3.0).tag(sync=True)

    _state = None  # the Market or FilteredMarket, brought up to the sliders by `market`

    @classmethod
    def from_distribution(cls, distribution, **options):
        """Build from a :class:`studykit.lm.models.NextTokenDistribution` (logits, tokens and prompt)."""
        return cls(distribution.logits, distribution.tokens, prompt=distribution.prompt, **options)

    def _open(self, state, **traits):
        payload, dtype = logits_payload(state.logits)
        super().__init__(logits=payload, logits_dtype=dtype, stall_ids=[int(i) for i in state.stall_ids],
                         stall_labels=list(state.stall_labels), title=state.title(), **traits)

    @traitlets.validate("temperature")
    def _valid_temperature(self, proposal):
        check_number(proposal["value"], "temperature", 0, self.max_temperature)
        return proposal["value"]

    def chart(self):
        return self.market.chart()

    def _repr_mimebundle_(self, **kwargs):
        # The live widget for JupyterLab, plus a PNG and a text summary for viewers that cannot run it.
        data, metadata = super()._repr_mimebundle_(**kwargs)
        summary = (f"{type(self).__name__} at {self.market.summary()} "
                   "(live widget: computes in the browser, also without a kernel)")
        return static_bundle(data, self.chart(), summary), metadata


class MarketExplorer(_BrowserExplorer):
    """A temperature dial over the next-token market (notebook 01), computed in the browser.

    Arguments as :class:`studykit.views.widgets.MarketExplorer`. ``temperature`` is the dial (set it from Python
    and the page follows; move it in the page and it follows). Each press of the button sends a new crowd
    of ``shoppers``, drawn in the browser from a stream seeded by ``seed``.
    """

    shoppers = traitlets.Int(100).tag(sync=True)
    seed = traitlets.Int(0).tag(sync=True)

    def __init__(self, logits, tokens, *, temperature=1.0, stalls=10, shoppers=100, seed=0, max_temperature=3.0,
                 prompt=None):
        check_number(max_temperature, "max_temperature", 0, None, low_open=True)
        check_number(temperature, "temperature", 0, max_temperature)
        check_int(shoppers, "shoppers", 1, None)
        check_int(seed, "seed", 0, 2**32 - 1)
        self._state = Market(logits, tokens, temperature=temperature, stalls=stalls, prompt=prompt)
        self._open(self._state, kind="market", max_temperature=float(max_temperature), temperature=float(temperature),
                   shoppers=int(shoppers), seed=int(seed))

    @property
    def market(self) -> Market:
        """The :class:`~studykit.views.market.Market` at the dial's current temperature."""
        if self._state.temperature != self.temperature:
            self._state.temperature = self.temperature
        return self._state

    @property
    def readouts(self) -> dict[str, str]:
        return market_readouts(self.market)

    @property
    def entropy_readout(self) -> Readout:
        return _readout("entropy", self.readouts)

    @property
    def stalls_readout(self) -> Readout:
        return _readout("effective-stalls", self.readouts)


class FilterExplorer(_BrowserExplorer):
    """Temperature, top-k, top-p and min-p sliders (notebook 02), computed in the browser.

    Arguments as :class:`studykit.views.widgets.FilterExplorer`; the traits hold the sliders' values, with their
    ends meaning off as in ``generate()``: ``top_k`` 0, ``top_p`` 1.0, ``min_p`` 0.0.
    """

    top_k = traitlets.Int(0).tag(sync=True)
    top_p = traitlets.Float(1.0).tag(sync=True)
    min_p = traitlets.Float(0.0).tag(sync=True)
    max_top_k = traitlets.Int(100).tag(sync=True)

    def __init__(self, logits, tokens, *, temperature=1.0, top_k=None, top_p=0.9, min_p=None, stalls=15,
                 max_temperature=3.0, max_top_k=100, prompt=None):
        check_filter_settings(temperature, top_k, top_p, min_p, max_temperature, max_top_k)
        self._state = FilteredMarket(logits, tokens, temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p,
                                     stalls=stalls, prompt=prompt)
        self._open(self._state, kind="filter", max_temperature=float(max_temperature), max_top_k=int(max_top_k),
                   temperature=float(temperature), top_k=top_k or 0, top_p=1.0 if top_p is None else float(top_p),
                   min_p=float(min_p or 0.0))

    @traitlets.validate("top_k")
    def _valid_top_k(self, proposal):
        check_int(proposal["value"], "top_k", 0, self.max_top_k)
        return proposal["value"]

    @traitlets.validate("top_p")
    def _valid_top_p(self, proposal):
        check_number(proposal["value"], "top_p", 0, 1, low_open=True)
        return proposal["value"]

    @traitlets.validate("min_p")
    def _valid_min_p(self, proposal):
        check_number(proposal["value"], "min_p", 0, 1)
        return proposal["value"]

    @property
    def settings(self) -> dict:
        """The sliders as keyword arguments of :func:`studykit.maths.sampling.warp` (None = off)."""
        return {"temperature": float(self.temperature), "top_k": self.top_k or None,
                "top_p": self.top_p if self.top_p < 1.0 else None, "min_p": self.min_p or None}

    @property
    def market(self) -> FilteredMarket:
        """The :class:`~studykit.views.market.FilteredMarket` at the sliders' current settings."""
        if self._state.settings != self.settings:
            self._state.update(**self.settings)
        return self._state

    @property
    def readouts(self) -> dict[str, str]:
        return filter_readouts(self.market)

    @property
    def kept_readout(self) -> Readout:
        return _readout("kept-count", self.readouts)

    @property
    def entropy_readout(self) -> Readout:
        return _readout("entropy", self.readouts)

    @property
    def stages_readout(self) -> Readout:
        return _readout("stages", self.readouts)


def _readout(name: str, readouts: dict[str, str]) -> Readout:
    """A readout as :mod:`studykit.views.widgets` exposes it (``.value`` is its text)."""
    readout = Readout(name)
    readout.value = readouts[name]
    return readout
