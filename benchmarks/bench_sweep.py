"""A temperature sweep (6 temperatures x 16 samples x 40 new tokens): one batched call vs a loop.

Both sides use studykit.lm.generation with the same warper and count only the tokens each row kept
(up to its end-of-sequence), so the loop is not charged for padding and the batch gets no credit
for it.
"""

from __future__ import annotations

from benchmarks.common import Result, timed
from studykit.lm import generation, models

TEMPERATURES = [0.0, 0.3, 0.7, 1.0, 1.5, 2.0]
SAMPLES = 16
NEW_TOKENS = 40
PROMPT = "The cat sat on the"


def _tokens(continuations) -> int:
    return sum(len(ids) for ids in continuations.token_ids)


def run() -> list[Result]:
    model, tokenizer = models.load()
    common = dict(max_new_tokens=NEW_TOKENS, progress=False)
    generation.sample_continuations(model, tokenizer, PROMPT, temperatures=[1.0], num_samples=2, **common)  # warm-up
    batched_s, batched = timed(lambda: generation.sample_continuations(
        model, tokenizer, PROMPT, temperatures=TEMPERATURES, num_samples=SAMPLES, batch_size=len(TEMPERATURES) * SAMPLES, **common))
    loop_s, loop_tokens = 0.0, 0
    for t in TEMPERATURES:
        for i in range(SAMPLES):
            seconds, one = timed(lambda: generation.sample_continuations(
                model, tokenizer, PROMPT, temperatures=[t], num_samples=1, seed=i, **common))
            loop_s += seconds
            loop_tokens += _tokens(one)
    batched_rate, loop_rate = _tokens(batched) / batched_s, loop_tokens / loop_s
    ratio = batched_rate / loop_rate
    return [
        Result("sweep, one batched call (96 rows)", batched_rate, "tok/s"),
        Result("sweep, one call per sample (96 calls)", loop_rate, "tok/s"),
        Result("batched sweep speed-up in tokens/s", ratio, "x", ">= 8x", ratio >= 8),
    ]
