"""A decoder is a named setting of the next-token choice; run several over the same prompts at once.

Holtzman et al. (2020, "The Curious Case of Neural Text Degeneration", Table 1) compare decoders
by the text they write from the same prompts. Here a :class:`Decoder` names one setting (greedy,
beam search, a temperature, top-k, top-p, min-p) and :func:`run_decoders` runs a list of them:

* every sampled decoder and greedy share **one** batched call of
  :func:`studykit.lm.generation.sample_prompts` (each row carries its own temperature and filters);
* greedy and beam search are deterministic, so they get one row per prompt, never copies;
* beam search runs through :func:`studykit.lm.beam_search.beam_search_prompts` (transformers' own).

By default every continuation ends where the model ends it (a blank line, i.e. the end of the
paragraph, or the end-of-sequence token) or at ``max_new_tokens``, whichever comes first;
``Decoded.ended`` records which. With ``fixed_length=True`` (Holtzman et al.'s setting: every
decoder writes the same number of tokens) the end-of-sequence token and every token holding a line
break are suppressed for every decoder, beam search included, so each continuation has exactly
``max_new_tokens`` tokens of running text: perplexity and repetition are then compared on the same
prompts *and* the same positions, and no decoder can avoid a loop by stopping. Each continuation's NLL per token is
measured under the model at T=1, unfiltered, whatever the decoder was.

>>> run_decoders(model, tokenizer, ["The cat sat on the"], [GREEDY, NUCLEUS_095], max_new_tokens=40)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..maths import sampling
from ..lm.generation import ParagraphBreak, fixed_length_suppressed, sample_prompts

__all__ = ["Decoder", "Decoded", "run_decoders", "GREEDY", "BEAM_4", "PURE_SAMPLING", "TEMPERATURE_07",
           "TOP_K_40", "NUCLEUS_095", "MIN_P_01", "HOLTZMAN_DECODERS"]


@dataclass(frozen=True)
class Decoder:
    """One way of choosing tokens. ``temperature=0`` is greedy; ``num_beams > 1`` is beam search
    (deterministic: temperature and filters do not apply to it)."""

    name: str
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    min_p: float | None = None
    num_beams: int = 1

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string, e.g. 'top-k 40', got {self.name!r}")
        if isinstance(self.num_beams, bool) or not isinstance(self.num_beams, int) or self.num_beams < 1:
            raise ValueError(f"num_beams must be a positive integer (1: no beam search, e.g. 4), got {self.num_beams!r}")
        if self.num_beams > 1 and (self.temperature != 1.0 or self.top_k or self.top_p or self.min_p):
            raise ValueError(f"{self.name}: beam search here is deterministic; leave temperature at 1.0 "
                             "and top_k/top_p/min_p unset")
        # The same checks, and messages, as the sampler itself.
        sampling.warp(np.zeros(1), temperature=self.temperature, top_k=self.top_k, top_p=self.top_p, min_p=self.min_p)

    @property
    def deterministic(self) -> bool:
        """Greedy and beam search write one text per prompt; sampling again would copy it."""
        return self.temperature == 0 or self.num_beams > 1


GREEDY = Decoder("greedy", temperature=0.0)
BEAM_4 = Decoder("beam search, 4 beams", num_beams=4)
PURE_SAMPLING = Decoder("pure sampling, T=1")
TEMPERATURE_07 = Decoder("T=0.7", temperature=0.7)
TOP_K_40 = Decoder("top-k 40", top_k=40)
NUCLEUS_095 = Decoder("top-p 0.95", top_p=0.95)
MIN_P_01 = Decoder("min-p 0.1", min_p=0.1)
# The rows of Holtzman et al.'s Table 1 that fit a 2-core CPU, plus min-p (Nguyen et al., 2024).
HOLTZMAN_DECODERS = (GREEDY, BEAM_4, PURE_SAMPLING, TEMPERATURE_07, TOP_K_40, NUCLEUS_095, MIN_P_01)


@dataclass(frozen=True)
class Decoded:
    """What one decoder wrote: ``token_ids[i][s]`` is sample ``s`` for prompt ``i``."""

    decoder: Decoder
    token_ids: tuple[tuple[np.ndarray, ...], ...]
    texts: tuple[tuple[str, ...], ...]
    nll: np.ndarray  # (prompts, samples) mean NLL per token at T=1; NaN for an empty continuation
    ended: np.ndarray  # (prompts, samples) True where the model ended the text before the limit


def run_decoders(model, tokenizer, prompts: Sequence[str], decoders: Sequence[Decoder], *, max_new_tokens: int,
                 num_samples: int = 1, seed: int = 0, fixed_length: bool = False, batch_size: int = 128,
                 progress: bool = True) -> dict[str, Decoded]:
    """Continue every prompt with every decoder; ``{decoder.name: Decoded}`` in the order given.

    Sampled decoders write ``num_samples`` continuations per prompt, deterministic ones one. All
    non-beam rows go through one batched sampling call; beam search decoders run after it.
    ``fixed_length=True``: no continuation may end early (end-of-sequence and line-break tokens are
    suppressed), so every one has exactly ``max_new_tokens`` tokens.
    """
    if isinstance(prompts, str) or len(prompts) == 0:
        raise ValueError("prompts must be a non-empty list of strings")
    if len(decoders) == 0 or not all(isinstance(d, Decoder) for d in decoders):
        raise ValueError("decoders must be a non-empty list of Decoder, e.g. [GREEDY, NUCLEUS_095]")
    names = [d.name for d in decoders]
    if len(set(names)) != len(names):
        raise ValueError(f"decoder names must be unique, got {names}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 1:
        raise ValueError(f"num_samples must be a positive integer, got {num_samples!r}")
    if not isinstance(fixed_length, bool):
        raise ValueError(f"fixed_length must be True or False, got {fixed_length!r}")

    # Rows are batched prompt by prompt; sorting the prompts by length keeps the left padding (and
    # the work spent on it) small in every batch. Results are put back in the caller's order.
    from ..lm.models import encode_prompt

    order = np.argsort([len(encode_prompt(tokenizer, p)[0]) for p in prompts], kind="stable")
    back = np.argsort(order)
    ordered = [prompts[i] for i in order]

    suppress = fixed_length_suppressed(model, tokenizer) if fixed_length else None
    result: dict[str, Decoded] = {}
    sampled = [d for d in decoders if d.num_beams == 1]
    if sampled:
        copies = [1 if d.deterministic else num_samples for d in sampled]
        settings = [d for d, n in zip(sampled, copies) for _ in range(n)]
        out = sample_prompts(
            model, tokenizer, ordered, temperatures=[d.temperature for d in settings],
            top_k=[d.top_k for d in settings], top_p=[d.top_p for d in settings], min_p=[d.min_p for d in settings],
            num_samples=1, max_new_tokens=max_new_tokens, seed=seed, end_at_paragraph=not fixed_length,
            suppress_tokens=suppress, batch_size=batch_size, progress=progress,
        )
        out = [out[i] for i in back]
        first = np.cumsum([0] + copies)
        for d, lo, hi in zip(sampled, first[:-1], first[1:]):
            result[d.name] = Decoded(
                d,
                tuple(tuple(c.token_ids[lo:hi]) for c in out),
                tuple(tuple(c.texts[lo:hi]) for c in out),
                np.array([c.nll[lo:hi] for c in out]),
                np.array([c.ended[lo:hi] for c in out]),
            )
    for d in decoders:
        if d.num_beams > 1:
            beams = []
            for start in range(0, len(ordered), _BEAM_PROMPTS):  # length-sorted groups, as above
                beams += _beam(model, tokenizer, ordered[start : start + _BEAM_PROMPTS], d, max_new_tokens, suppress)
            result[d.name] = _decoded(d, [beams[i] for i in back])
    return {name: result[name] for name in names}


_BEAM_PROMPTS = 36  # prompts per beam-search call: fewer calls, fewer decoding steps (36 prompts x 4 beams fit one batch)


def _decoded(decoder: Decoder, rows) -> Decoded:
    """A deterministic decoder's rows ``(token_ids, text, nll, ended)``, one per prompt."""
    return Decoded(decoder, tuple((r[0],) for r in rows), tuple((r[1],) for r in rows),
                   np.array([[r[2]] for r in rows]), np.array([[r[3]] for r in rows]))


def _beam(model, tokenizer, prompts, decoder: Decoder, max_new_tokens: int, suppress=None) -> list[tuple]:
    """Beam search, its text cut at the first paragraph break and scored under the model at T=1:
    one ``(token_ids, text, nll, ended)`` per prompt. The scores are the per-token log-probabilities
    beam search already computed for its own output, averaged up to the cut (no second pass).
    ``suppress``: token ids beam search may never choose (transformers' ``suppress_tokens``)."""
    from ..lm.beam_search import beam_search_prompts

    # transformers' defaults: finished beams ranked by log-probability / length (length_penalty 1.0).
    options = {} if suppress is None else {"suppress_tokens": list(suppress)}
    beams = beam_search_prompts(model, tokenizer, list(prompts), num_beams=decoder.num_beams,
                                max_new_tokens=max_new_tokens, **options)
    paragraph = ParagraphBreak(tokenizer, model.config.vocab_size)
    kept, ended, nll = [], [], []
    for b in beams:
        cut = paragraph.break_at(b.token_ids)
        kept.append(b.token_ids if cut is None else b.token_ids[:cut].copy())
        ended.append(b.ended or cut is not None)
        nll.append(-float(np.mean(b.token_log_probs[: len(kept[-1])])) if len(kept[-1]) else np.nan)
    return [(k, tokenizer.decode(k, skip_special_tokens=True), v, e) for k, v, e in zip(kept, nll, ended)]
