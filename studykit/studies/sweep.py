"""A temperature sweep: sample many continuations of several prompts, then measure them.

``temperature_sweep`` samples every prompt at every temperature in one batched ``generate`` call
(prompts of different lengths are left-padded), notes each continuation's mean negative
log-likelihood under the model at T=1 (its surprisal: how surprised the model is by the text; not
a quality score, since the model's own greedy text scores lowest by construction), and
``Sweep.table()`` condenses the result into one row of statistics per temperature (see
:mod:`studykit.maths.metrics` for the definitions). :mod:`studykit.studies.degeneration` judges decoders
against a reference text instead.

>>> sweep = temperature_sweep(model, tokenizer, ["The cat sat on the"], temperatures=[0, 1.0],
...                           num_samples=4, max_new_tokens=20)        # doctest: +SKIP
>>> print(format_table(sweep.table()))                                 # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..maths import metrics, sampling
from ..lm.generation import Continuations, sample_prompts
from ..lm.models import encode_prompt

__all__ = [
    "TemperatureStats",
    "Sweep",
    "temperature_sweep",
    "summarize",
    "format_table",
    "log_prob_by_temperature",
]


@dataclass(frozen=True)
class TemperatureStats:
    """What the continuations sampled at one temperature look like, pooled over all prompts.

    Diversity and repetition count *words* (the text split at whitespace), so that a long word
    cut into several tokens, or a number spelled digit by digit, is not mistaken for a repeated
    phrase. Length counts the model's tokens, the unit of ``max_new_tokens``.
    """

    temperature: float
    samples: int
    distinct_1: float  # distinct-1 of the pooled continuations (words)
    distinct_2: float  # distinct-2 of the pooled continuations (words)
    repetition: float  # share of continuations that repeat a 4-word phrase
    mean_length: float  # tokens per continuation (below the limit only if the model stopped)
    mean_nll: float  # mean over continuations of their NLL per token at T=1, in nats

    @property
    def perplexity(self) -> float:
        """``exp(mean_nll)``: the model's average surprise per token, as a number of choices."""
        return float(np.exp(self.mean_nll))


def summarize(temperature: float, texts: Sequence[str], token_counts: Sequence[int], nll: Sequence[float]) -> TemperatureStats:
    """The statistics of one temperature's continuations (``texts[i]`` has ``token_counts[i]``
    tokens and mean NLL ``nll[i]``). Empty continuations have NaN NLL and are left out of its mean.
    """
    if not len(texts) == len(token_counts) == len(nll):
        raise ValueError(f"texts, token_counts and nll must have the same length, got {len(texts)}, {len(token_counts)}, {len(nll)}")
    if len(texts) == 0:
        raise ValueError("summarize needs at least one continuation")
    words = [text.split() for text in texts]
    nll = np.asarray(nll, dtype=np.float64)
    return TemperatureStats(
        temperature=float(temperature),
        samples=len(texts),
        distinct_1=metrics.distinct_n(words, 1),
        distinct_2=metrics.distinct_n(words, 2),
        repetition=metrics.repetition_rate(words, n=4),
        mean_length=float(np.mean(token_counts)),
        mean_nll=float(np.nanmean(nll)) if np.isfinite(nll).any() else float("nan"),
    )


@dataclass(frozen=True)
class Sweep:
    """Continuations of each prompt (``continuations[i]`` for ``prompts[i]``), each with its NLL."""

    prompts: tuple[str, ...]
    temperatures: tuple[float, ...]
    continuations: tuple[Continuations, ...]

    def texts_at(self, temperature: float) -> list[str]:
        """All continuations sampled at ``temperature``, prompt by prompt."""
        return [text for c in self.continuations for text in c.at(temperature)]

    def token_ids_at(self, temperature: float) -> list[np.ndarray]:
        return [ids for c in self.continuations for ids in c.token_ids_at(temperature)]

    def nll_at(self, temperature: float) -> np.ndarray:
        return np.concatenate([c.nll[c.temperatures == temperature] for c in self.continuations])

    def table(self) -> list[TemperatureStats]:
        """One row of statistics per temperature, in sweep order."""
        return [
            summarize(t, self.texts_at(t), [len(ids) for ids in self.token_ids_at(t)], self.nll_at(t))
            for t in self.temperatures
        ]


def temperature_sweep(
    model,
    tokenizer,
    prompts: Sequence[str],
    *,
    temperatures: Sequence[float],
    num_samples: int,
    max_new_tokens: int = 40,
    seed: int = 0,
    chat: bool = False,
    batch_size: int = 96,
    progress: bool = True,
) -> Sweep:
    """Sample ``num_samples`` continuations of every prompt at every temperature, with their NLL,
    in batched calls (:func:`studykit.lm.generation.sample_prompts`)."""
    continuations = sample_prompts(
        model, tokenizer, prompts, temperatures=temperatures, num_samples=num_samples,
        max_new_tokens=max_new_tokens, seed=seed, chat=chat, batch_size=batch_size, progress=progress,
    )
    return Sweep(tuple(prompts), tuple(float(t) for t in temperatures), tuple(continuations))


def format_table(stats: Sequence[TemperatureStats]) -> str:
    """A plain-text table, one line per temperature, rounded so that it reads (and diffs) well."""
    header = f"{'T':>6} {'samples':>7} {'distinct-1':>10} {'distinct-2':>10} {'repetitive':>10} {'length':>7} {'NLL':>6}"
    lines = [header, "-" * len(header)]
    for s in stats:
        name = "greedy" if s.temperature == 0 else f"{s.temperature:g}"
        lines.append(
            f"{name:>6} {s.samples:>7d} {s.distinct_1:>10.2f} {s.distinct_2:>10.2f} "
            f"{s.repetition:>10.0%} {s.mean_length:>7.1f} {s.mean_nll:>6.2f}"
        )
    return "\n".join(lines)


def log_prob_by_temperature(model, tokenizer, prompt: str, continuation: str, temperatures: Sequence[float]) -> np.ndarray:
    """log P_T(continuation | prompt) in nats, for each T: how likely sampling at T makes this text.

    One forward pass gives the logits at every position; each temperature then rescales them with
    :func:`studykit.maths.sampling.softmax`, the same function the sampler uses. The continuation is
    tokenized as it would follow the prompt (``continuation`` should start with its space).
    """
    import torch

    prompt_ids = encode_prompt(tokenizer, prompt)[0]
    full_ids = encode_prompt(tokenizer, prompt + continuation)[0]
    if len(full_ids) <= len(prompt_ids) or not torch.equal(full_ids[: len(prompt_ids)], prompt_ids):
        raise ValueError(f"{prompt + continuation!r} does not tokenize as the prompt followed by new tokens")
    with torch.inference_mode():
        logits = model(full_ids[None]).logits[0].double().numpy()
    targets = full_ids[len(prompt_ids) :].numpy()
    positions = logits[len(prompt_ids) - 1 : -1]  # the logits at j - 1 predict the token at j
    result = []
    for t in temperatures:
        probs = sampling.softmax(positions, temperature=float(t))
        with np.errstate(divide="ignore"):  # at T=0 a non-arg-max token has probability 0: log 0 = -inf
            result.append(float(np.log(probs[np.arange(len(targets)), targets]).sum()))
    return np.array(result)
