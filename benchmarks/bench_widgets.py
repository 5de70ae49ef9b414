"""Widget latency: from a slider change to the redrawn figure, over the model's full vocabulary.

Both explorers are built on the real next-token logits for the chapter's prompt (49,152 tokens).
Slider observers run synchronously, so setting ``slider.value`` returns only after the state, the
readouts and the figure are updated; the time of that assignment is the latency a learner feels
(plus the browser's repaint of one small SVG). Values cycle so that every assignment is a change.
"""

from __future__ import annotations

import statistics
import time

from benchmarks.common import Result

PROMPT = "The cat sat on the"
TARGET_MS = 50.0
CHANGES = 60


def _median_update_ms(explorer, slider, values) -> float:
    samples = []
    before = explorer.figure.value
    for i in range(CHANGES + 1):
        value = values[i % len(values)]
        start = time.perf_counter()
        slider.value = value
        after = explorer.figure.value
        elapsed = time.perf_counter() - start
        if after == before:
            raise RuntimeError(f"the figure did not change when {slider.description} moved to {value}")
        before = after
        if i > 0:  # the first change warms caches
            samples.append(elapsed)
    return 1000 * statistics.median(samples)


def run() -> list[Result]:
    from studykit.lm import models
    from studykit.views import widgets

    model, tokenizer = models.load()
    dist = models.next_token_distribution(model, tokenizer, PROMPT)
    vocab = f"{len(dist.logits):,} tokens"

    market = widgets.MarketExplorer.from_distribution(dist)
    market_ms = _median_update_ms(market, market.temperature_slider, [0.3, 0.7, 1.0, 1.5, 2.0, 2.5])

    filters = widgets.FilterExplorer.from_distribution(dist, top_k=50, min_p=0.02)
    top_p_ms = _median_update_ms(filters, filters.top_p_slider, [0.5, 0.7, 0.9, 0.95, 0.99])
    # Without top-k every top-p change sorts all 49,152 tokens: the slowest slider.
    no_top_k = widgets.FilterExplorer.from_distribution(dist, top_p=0.9)
    temperature_ms = _median_update_ms(no_top_k, no_top_k.temperature_slider, [0.3, 0.7, 1.0, 1.5, 2.0])

    target = f"< {TARGET_MS:g} ms"
    return [
        Result(f"01 market: T slider -> figure ({vocab}), median", market_ms, "ms",
               target, market_ms < TARGET_MS),
        Result("02 filters: top-p slider -> figure (top-k 50), median", top_p_ms, "ms",
               target, top_p_ms < TARGET_MS),
        Result("02 filters: T slider -> figure (top-p 0.9), median", temperature_ms, "ms",
               target, temperature_ms < TARGET_MS),
    ]
