"""Sampling many continuations in one batched ``generate`` call, and scoring them.

A temperature sweep (say 6 temperatures x 16 samples) is one call with 96 rows: each row carries its
own temperature, applied by ``RowWiseWarper`` through ``studykit.sampling.warp`` so the model
samples with exactly the math the notebooks teach. Temperature 0 in a row means greedy decoding.
Batching matters on a CPU: 96 rows decode several times faster per token than 96 separate calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from . import sampling
from .models import encode_prompt


class RowWiseWarper:
    """A transformers logits processor that warps each batch row with its own temperature.

    Top-k / top-p / min-p are shared by all rows. Rows with the same temperature are warped together.
    """

    def __init__(self, temperatures: Sequence[float], *, top_k=None, top_p=None, min_p=None):
        if isinstance(temperatures, str) or any(isinstance(t, (str, bool, np.bool_)) for t in temperatures):
            raise ValueError(f"temperatures must be numbers >= 0 (0 means greedy), got {temperatures!r}")
        try:
            self.temperatures = np.asarray(temperatures, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise ValueError(f"temperatures must be numbers >= 0 (0 means greedy), got {temperatures!r}") from None
        # Validate once, up front, with the same messages as the sampling functions.
        for t in np.unique(self.temperatures):
            sampling.warp(np.zeros(1), temperature=float(t), top_k=top_k, top_p=top_p, min_p=min_p)
        self.options = {"top_k": top_k, "top_p": top_p, "min_p": min_p}

    def __call__(self, input_ids, scores):
        import torch

        if scores.shape[0] != len(self.temperatures):
            raise ValueError(f"batch has {scores.shape[0]} rows but {len(self.temperatures)} temperatures were given")
        logits = scores.detach().double().cpu().numpy()
        warped = np.empty_like(logits)
        for t in np.unique(self.temperatures):
            rows = self.temperatures == t
            warped[rows] = sampling.warp(logits[rows], temperature=float(t), **self.options)
        return torch.from_numpy(warped).to(scores.dtype)


def transformers_warpers(*, temperature=1.0, top_k=None, top_p=None, min_p=None):
    """transformers' own warpers, as ``generate(do_sample=True)`` adds them for these settings.

    The reference :func:`studykit.sampling.warp` is checked against (tests, benchmarks): no
    temperature warper at 1.0, no top-p warper at 1.0, ``None`` switches a filter off.
    """
    from transformers import (LogitsProcessorList, MinPLogitsWarper, TemperatureLogitsWarper,
                              TopKLogitsWarper, TopPLogitsWarper)

    processors = LogitsProcessorList()
    if temperature != 1.0:
        processors.append(TemperatureLogitsWarper(float(temperature)))
    if top_k is not None:
        processors.append(TopKLogitsWarper(top_k=top_k))
    if top_p is not None and top_p < 1.0:
        processors.append(TopPLogitsWarper(top_p=top_p))
    if min_p is not None:
        processors.append(MinPLogitsWarper(min_p=min_p))
    return processors


class _TokenProgress:
    """A stopping criterion that never stops; it only advances a progress bar per decoding step."""

    def __init__(self, bar):
        self.bar = bar

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        self.bar.update(1)
        return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)


class _LogProbRecorder:
    """A logits processor that changes nothing: it notes log P(token) at T=1 of each sampled token.

    Placed before the warper it sees the raw logits. The token drawn from step t's logits shows
    up as the last input id at step t + 1; the final one is read from the output at the end.
    """

    def __init__(self):
        self.previous = None
        self.steps = []

    def __call__(self, input_ids, scores):
        import torch

        if self.previous is not None:
            self.steps.append(self.previous.gather(-1, input_ids[:, -1:])[:, 0])
        self.previous = torch.log_softmax(scores.double(), dim=-1)
        return scores

    def finish(self, last_tokens) -> np.ndarray:
        """(rows, steps) log-probabilities, given the tokens drawn at the last step."""
        import torch

        steps = self.steps + [self.previous.gather(-1, last_tokens[:, None])[:, 0]]
        return torch.stack(steps, dim=1).numpy()


@dataclass(frozen=True)
class Continuations:
    """Sampled continuations of one prompt; row i was sampled at ``temperatures[i]``."""

    prompt: str
    temperatures: np.ndarray  # (N,)
    token_ids: tuple[np.ndarray, ...]  # new tokens per row, cut at the first end-of-sequence token
    texts: tuple[str, ...]
    prompt_ids: np.ndarray  # (L,)
    nll: np.ndarray  # (N,) mean negative log-likelihood per token under the model at T=1; NaN if empty

    def at(self, temperature: float) -> list[str]:
        """The texts sampled at one temperature."""
        return [text for text, t in zip(self.texts, self.temperatures) if t == temperature]

    def token_ids_at(self, temperature: float) -> list[np.ndarray]:
        return [ids for ids, t in zip(self.token_ids, self.temperatures) if t == temperature]


def sample_continuations(model, tokenizer, prompt: str, **options) -> Continuations:
    """Sample continuations of one prompt; see :func:`sample_prompts` for the options.

    >>> out = sample_continuations(model, tokenizer, "The cat sat on the", temperatures=[0, 1.0],
    ...                            num_samples=4, max_new_tokens=10)      # doctest: +SKIP
    >>> out.at(0.0)   # four identical greedy continuations               # doctest: +SKIP
    """
    return sample_prompts(model, tokenizer, [prompt], **options)[0]


def sample_prompts(
    model,
    tokenizer,
    prompts: Sequence[str],
    *,
    temperatures: Sequence[float],
    num_samples: int = 1,
    max_new_tokens: int = 20,
    top_k: int | None = None,
    top_p: float | None = None,
    min_p: float | None = None,
    seed: int = 0,
    chat: bool = False,
    batch_size: int = 128,
    progress: bool = True,
) -> list[Continuations]:
    """Sample ``num_samples`` continuations of every prompt at every temperature, batched.

    All rows go through one ``generate`` call per ``batch_size`` rows; shorter prompts are padded
    on the left (and masked) so each row continues right after its own prompt. Each continuation's
    mean NLL per token at T=1 is read off the raw logits while sampling, so no second pass is
    needed. Returns one :class:`Continuations` per prompt, rows ordered temperature by temperature.
    ``seed`` makes the draw reproducible on one machine.
    """
    import torch
    from tqdm import tqdm  # a text bar: it stays readable in a saved notebook
    from transformers import LogitsProcessorList, StoppingCriteriaList

    if isinstance(prompts, str) or len(prompts) == 0:
        raise ValueError("prompts must be a non-empty list of strings")
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 1:
        raise ValueError(f"num_samples must be a positive integer, got {num_samples!r}")
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be a positive integer, got {max_new_tokens!r}")
    if np.ndim(temperatures) != 1 or len(temperatures) == 0:
        raise ValueError("temperatures must list at least one temperature, e.g. [0, 0.7, 1.5] "
                         f"(0 means greedy), got {temperatures!r}")
    filters = {"top_k": top_k, "top_p": top_p, "min_p": min_p}
    per_prompt = np.repeat(RowWiseWarper(temperatures, **filters).temperatures, num_samples)  # validates up front

    prompt_ids = [encode_prompt(tokenizer, p, chat=chat)[0] for p in prompts]
    width = max(len(ids) for ids in prompt_ids)
    padded = torch.full((len(prompts), width), tokenizer.pad_token_id, dtype=torch.long)
    mask = torch.zeros_like(padded)
    for i, ids in enumerate(prompt_ids):
        padded[i, width - len(ids) :] = ids
        mask[i, width - len(ids) :] = 1
    row_prompt = np.repeat(np.arange(len(prompts)), len(per_prompt))
    row_temperature = np.tile(per_prompt, len(prompts))
    eos = _eos_ids(model, tokenizer)

    starts = range(0, len(row_prompt), batch_size)
    bar = tqdm(total=len(starts) * max_new_tokens, desc="sampling", unit="step", disable=not progress)
    torch.manual_seed(seed)
    new_tokens: list[np.ndarray] = []
    nll: list[float] = []
    try:
        for start in starts:
            rows = slice(start, start + batch_size)
            recorder = _LogProbRecorder()
            with torch.inference_mode():
                out = model.generate(
                    padded[row_prompt[rows]],
                    attention_mask=mask[row_prompt[rows]],
                    do_sample=True,
                    # Our warper does all the warping; switch transformers' own ones off (an unset
                    # top_k would otherwise become 50).
                    temperature=1.0, top_k=None, top_p=None, min_p=None,
                    logits_processor=LogitsProcessorList([recorder, RowWiseWarper(row_temperature[rows], **filters)]),
                    stopping_criteria=StoppingCriteriaList([_TokenProgress(bar)]),
                    max_new_tokens=max_new_tokens,
                    pad_token_id=tokenizer.pad_token_id,
                )
                log_probs = recorder.finish(out[:, -1])
            bar.update(max_new_tokens - (out.shape[1] - width))  # the batch stopped early
            for row, row_log_probs in zip(out[:, width:].numpy(), log_probs):
                kept = _cut_at_eos(row, eos)
                new_tokens.append(kept)
                nll.append(-row_log_probs[: len(kept)].mean() if len(kept) else np.nan)
    finally:
        bar.close()

    result = []
    for i, prompt in enumerate(prompts):
        rows = np.flatnonzero(row_prompt == i)
        ids = tuple(new_tokens[j] for j in rows)
        texts = tuple(tokenizer.decode(t, skip_special_tokens=True) for t in ids)
        scores = np.array([nll[j] for j in rows], dtype=np.float64)
        result.append(Continuations(prompt, per_prompt.copy(), ids, texts, prompt_ids[i].numpy(), scores))
    return result


def _eos_ids(model, tokenizer) -> set[int]:
    eos = model.generation_config.eos_token_id
    ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
    if tokenizer.eos_token_id is not None:
        ids.add(tokenizer.eos_token_id)
    return ids


def _cut_at_eos(row: np.ndarray, eos: set[int]) -> np.ndarray:
    for i, token in enumerate(row):
        if int(token) in eos:
            return row[:i].copy()
    return row.copy()


def continuation_nll(model, prompt_ids: np.ndarray, continuations: Sequence[np.ndarray], batch_size: int = 32) -> np.ndarray:
    """Mean negative log-likelihood (nats per token) of each continuation under the model at T=1.

    A coherence proxy: text the model itself finds likely scores low. Empty continuations give NaN.
    """
    import torch

    prompt = torch.as_tensor(prompt_ids, dtype=torch.long)
    result = np.full(len(continuations), np.nan)
    for start in range(0, len(continuations), batch_size):
        chunk = [np.asarray(c, dtype=np.int64) for c in continuations[start : start + batch_size]]
        width = max((len(c) for c in chunk), default=0)
        if width == 0:
            continue
        ids = torch.zeros(len(chunk), len(prompt) + width, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for row, cont in enumerate(chunk):
            ids[row, : len(prompt)] = prompt
            ids[row, len(prompt) : len(prompt) + len(cont)] = torch.as_tensor(cont)
            mask[row, : len(prompt) + len(cont)] = 1  # right padding: positions stay aligned
        with torch.inference_mode():
            logprobs = torch.log_softmax(model(ids, attention_mask=mask).logits.double(), dim=-1)
        # The token at position j is predicted by the logits at position j - 1.
        targets = ids[:, len(prompt) :]
        picked = logprobs[:, len(prompt) - 1 : -1].gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        counted = mask[:, len(prompt) :].double()
        lengths = counted.sum(dim=1)
        nll = -(picked * counted).sum(dim=1) / lengths.clamp(min=1)
        for row, n in enumerate(lengths.tolist()):
            if n > 0:
                result[start + row] = float(nll[row])
    return result
