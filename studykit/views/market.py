"""The chapter's marketplace picture of a next-token distribution, as plain state (no widgets).

Each token of the vocabulary is a stall; its probability is the share of shoppers it gets.

* :class:`Market` is the market at one temperature: the busiest stalls plus "the rest of the
  market", its entropy and effective number of stalls, and shoppers (samples) sent into it.
* :class:`FilteredMarket` is the market after temperature, top-k, top-p and min-p, step by step in
  ``generate()``'s order: which stalls survive each step, and the renormalised shares.

All probabilities come from :mod:`studykit.maths.sampling`; :meth:`chart` describes what to draw
(:mod:`studykit.views.plots` draws it). The live explorers in :mod:`studykit.views.widgets` wrap these classes,
and a notebook uses them directly for static figures and checks.

>>> market = Market([2.0, 1.0, 0.0, -1.0], ["a", "b", "c", "d"], stalls=2)
>>> market.shares.round(3).tolist()
[0.644, 0.237, 0.119]
>>> market.temperature = 0.5
>>> round(market.entropy, 3), market.shares.round(3).tolist()
(0.455, [0.865, 0.117, 0.018])
"""

from __future__ import annotations

import numbers

import numpy as np

from ..maths import sampling
from .plots import AFTER, BEFORE, SHOPPERS, THEORY, BarChart, Series, format_count, format_share, market_shares, visible_token

__all__ = ["Market", "FilteredMarket"]

FILTERS = ("top_k", "top_p", "min_p")  # sampling's keyword for each filter, in generate()'s order
STEP_NAMES = {"temperature": "temperature", "top_k": "top-k", "top_p": "top-p", "min_p": "min-p"}


class _Stalls:
    """A next-token distribution with the stalls to show: the busiest ones, most likely first."""

    def __init__(self, logits, tokens, *, stalls: int, prompt: str | None):
        logits = np.asarray(logits, dtype=np.float64) if _is_real_array(logits) else logits
        sampling.softmax(logits)  # rejects NaN, +inf, all -inf and non-numbers with sampling's messages
        if np.ndim(logits) != 1:
            raise ValueError(f"logits must have shape (V,): one next-token distribution, got shape {np.shape(logits)}")
        vocab_size = len(logits)
        if len(tokens) != vocab_size:
            raise ValueError(f"tokens must hold one string per logit: {len(tokens)} tokens for {vocab_size} logits")
        check_int(stalls, "stalls", 1, vocab_size - 1)
        self.logits = logits.copy()  # our own copy: the caller may reuse theirs
        self.tokens = tuple(tokens)
        self.vocab_size = vocab_size
        self.prompt = prompt
        # Temperature never changes the ranking, so the stalls on show are chosen once.
        self.stall_ids = np.argsort(-self.logits, kind="stable")[:stalls]
        self.stall_labels = [visible_token(self.tokens[i]) for i in self.stall_ids]

    @classmethod
    def from_distribution(cls, distribution, **options):
        """Build from a :class:`studykit.lm.models.NextTokenDistribution` (logits, tokens and prompt)."""
        return cls(distribution.logits, distribution.tokens, prompt=distribution.prompt, **options)

    @property
    def rest_count(self) -> int:
        """How many stalls share the last bar, "the rest of the market"."""
        return self.vocab_size - len(self.stall_ids)

    def title(self) -> str:
        return f"The market for the next token after “{self.prompt}”" if self.prompt else "The next-token market"


class Market(_Stalls):
    """The market at one temperature ``T`` (0 = greedy); set ``market.temperature`` to turn the dial.

    After every change: ``probs`` (V,), ``entropy`` (nats), ``effective_stalls`` (exp of the entropy),
    ``shares`` (the ``stalls`` busiest stalls, then the rest of the market). After
    :meth:`send_shoppers`: ``shopper_ids`` and ``shopper_counts`` (same rows as ``shares``), cleared
    when the temperature changes, since they were drawn from another distribution.
    """

    def __init__(self, logits, tokens, *, temperature=1.0, stalls=10, prompt=None):
        super().__init__(logits, tokens, stalls=stalls, prompt=prompt)
        # Where each token id goes on the chart: its own row, or the last row (the rest of the market).
        self._row_of_token = np.full(self.vocab_size, len(self.stall_ids))
        self._row_of_token[self.stall_ids] = np.arange(len(self.stall_ids))
        self.temperature = temperature

    @property
    def temperature(self) -> float:
        return self._temperature

    @temperature.setter
    def temperature(self, value):
        self.probs = sampling.softmax(self.logits, value)  # validates value with sampling's message
        self._temperature = float(value)
        self.entropy = float(sampling.entropy(self.probs))
        self.effective_stalls = float(sampling.effective_vocabulary(self.probs))
        self.shares = market_shares(self.probs, self.stall_ids)
        self.shopper_ids = self.shopper_counts = None

    def send_shoppers(self, count: int = 100, seed=None) -> np.ndarray:
        """Send ``count`` shoppers (samples at the current temperature); returns counts per chart row.

        ``seed``: None, an int or a ``np.random.Generator`` (advanced, so repeated calls differ).
        """
        check_int(count, "count", 1, None)
        self.shopper_ids = sampling.sample(self.logits, temperature=self.temperature, num_samples=count, seed=seed)
        self.shopper_counts = np.bincount(self._row_of_token[self.shopper_ids], minlength=len(self.stall_ids) + 1)
        return self.shopper_counts

    def shoppers_summary(self) -> str:
        """One line on where the last shoppers went, e.g. "100 shoppers at T = 0.30: 98 at the top 10 ..."."""
        if self.shopper_counts is None:
            return "no shoppers sent at this temperature yet"
        count, elsewhere = int(self.shopper_counts.sum()), int(self.shopper_counts[-1])
        visited = len(np.unique(self.shopper_ids))
        return (f"{count} shoppers at T = {self.temperature:.2f}: {count - elsewhere} at the top "
                f"{len(self.stall_ids)} stalls, {elsewhere} elsewhere, {visited} different stall{'s' * (visited != 1)}")

    def chart(self) -> BarChart:
        labels = [*self.stall_labels, "rest of the market"]
        notes = [""] * len(self.stall_ids) + [f"{self.rest_count:,} stalls"]
        series = [Series("theory: probability", self.shares, THEORY)]
        if self.shopper_counts is not None:
            total = int(self.shopper_counts.sum())
            series.append(Series(f"{total} shoppers sent", self.shopper_counts / total, SHOPPERS))
        subtitle = (f"T = {self.temperature:.2f} · entropy {self.entropy:.2f} nats "
                    f"(≈ {format_count(self.effective_stalls)} equally busy stalls)")
        return BarChart(self.title(), labels, series, notes, subtitle=subtitle)

    def summary(self) -> str:
        return (f"T = {self.temperature:.2f}: entropy {self.entropy:.2f} nats, "
                f"≈ {format_count(self.effective_stalls)} equally busy stalls, "
                f"top stall {self.stall_labels[0]} {format_share(self.shares[0])}")


class FilteredMarket(_Stalls):
    """The market after temperature, top-k, top-p and min-p, applied in ``generate()``'s order.

    Settings are :func:`studykit.maths.sampling.warp`'s keywords; ``None`` switches a filter off. Change
    them with :meth:`update`. After every change: ``settings``, ``kept`` (V,) bool, ``kept_count``,
    ``stage_counts`` (stalls still open after each step), ``probs_before`` (temperature only),
    ``probs_after`` (renormalised over the kept stalls), ``entropy`` of that, and ``removed_by`` (per
    stall on show: "", "greedy", "top-k", "top-p" or "min-p": the step that closed it).
    """

    def __init__(self, logits, tokens, *, temperature=1.0, top_k=None, top_p=None, min_p=None, stalls=15,
                 prompt=None):
        super().__init__(logits, tokens, stalls=stalls, prompt=prompt)
        self.settings = {}
        self.update(temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p)

    def update(self, **settings) -> None:
        """Change some of ``temperature``, ``top_k``, ``top_p``, ``min_p`` and recompute."""
        unknown = set(settings) - {"temperature", *FILTERS}
        if unknown:
            raise ValueError(f"unknown setting(s) {sorted(unknown)}; use temperature, top_k, top_p, min_p")
        new = {"temperature": 1.0, "top_k": None, "top_p": None, "min_p": None, **self.settings, **settings}
        # One step at a time, so we can say which step closed each stall. warp() chains the very same
        # steps, so the last stage equals warp(logits, **settings) (and validates every setting).
        # Later stages filter warp's own output (checked when it was made), so they skip the finite check.
        stages = [sampling.warp(self.logits, temperature=new["temperature"])]
        for option in FILTERS:
            stages.append(stages[-1] if new[option] is None
                          else sampling.warp(stages[-1], **{option: new[option]}, check_finite=False))
        self.settings = new
        alive = np.isfinite(np.stack(stages))  # (4, V): open after each step
        self.kept = alive[-1]
        self.kept_count = int(self.kept.sum())
        self.stage_counts = {STEP_NAMES[step]: int(a.sum()) for step, a in zip(["temperature", *FILTERS], alive)}
        self.probs_before = sampling.softmax(stages[0], check_finite=False)
        self.probs_after = sampling.softmax(stages[-1], check_finite=False)
        self.entropy = float(sampling.entropy(self.probs_after))
        closed_at = np.argmin(alive[:, self.stall_ids], axis=0)  # first step at which the stall is closed
        steps = ["greedy", *(STEP_NAMES[f] for f in FILTERS)]  # only T = 0 closes stalls at step 0
        self.removed_by = ["" if self.kept[i] else steps[step] for i, step in zip(self.stall_ids, closed_at)]

    def stages_text(self) -> str:
        """E.g. "stalls open after each step: temperature 49,152 → top-k off → top-p 533 → min-p off"."""
        parts = [f"temperature {self.stage_counts['temperature']:,}"]
        for option in FILTERS:
            name = STEP_NAMES[option]
            parts.append(f"{name} off" if self.settings[option] is None else f"{name} {self.stage_counts[name]:,}")
        return "stalls open after each step: " + " → ".join(parts)

    def settings_text(self) -> str:
        """E.g. "temperature T = 0.70, top-k 50, top-p 0.9" (filters that are off are left out)."""
        s = self.settings
        filters = [f"{STEP_NAMES[f]} {s[f]:g}" for f in FILTERS if s[f] is not None]
        return ", ".join([f"temperature T = {s['temperature']:.2f}", *filters])

    def chart(self) -> BarChart:
        rest = np.ones(self.vocab_size, dtype=bool)
        rest[self.stall_ids] = False
        labels = [*self.stall_labels, "rest of the market"]
        notes = [f"✗ {why}" if why else "" for why in self.removed_by]
        notes.append(f"{int(self.kept[rest].sum()):,} of {self.rest_count:,} kept")
        series = [Series("after temperature only", market_shares(self.probs_before, self.stall_ids), BEFORE),
                  Series("after the filters, renormalised", market_shares(self.probs_after, self.stall_ids), AFTER)]
        subtitle = f"{self.settings_text()} · kept {self.kept_count:,} of {self.vocab_size:,}"
        return BarChart(self.title(), labels, series, notes, subtitle=subtitle)

    def summary(self) -> str:
        return (f"{self.settings_text()}: kept {self.kept_count:,} of {self.vocab_size:,} tokens, "
                f"entropy {self.entropy:.2f} nats")


# ----------------------------------------------------------------------------- checks (also used by widgets)


def _is_real_array(values) -> bool:
    try:
        return np.asarray(values).dtype.kind in "iuf"
    except (ValueError, TypeError):
        return False


def check_int(value, name, low, high, off=""):
    """Raise ValueError naming ``name`` unless ``value`` is an int in [low, high] (high None: no bound)."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))
    if not ok or value < low or (high is not None and value > high):
        upper = "" if high is None else f" and <= {high}"
        extra = f", or {off}" if off else ""
        raise ValueError(f"{name} must be an integer >= {low}{upper}{extra}, got {value!r}")


def check_number(value, name, low, high, *, low_open=False):
    """Raise ValueError naming ``name`` unless ``value`` is a finite real in the interval."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and np.isfinite(value)
    if not ok or value < low or (low_open and value == low) or (high is not None and value > high):
        bracket = "(" if low_open else "["
        upper = "inf)" if high is None else f"{high}]"
        raise ValueError(f"{name} must be a number in {bracket}{low}, {upper}, got {value!r}")
