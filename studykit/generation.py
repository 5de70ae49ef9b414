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
        self.temperatures = np.asarray(temperatures, dtype=np.float64)
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


class _TokenProgress:
    """A stopping criterion that never stops; it only advances a progress bar per decoding step."""

    def __init__(self, bar):
        self.bar = bar

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        self.bar.update(1)
        return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)


@dataclass(frozen=True)
class Continuations:
    """Sampled continuations of one prompt; row i was sampled at ``temperatures[i]``."""

    prompt: str
    temperatures: np.ndarray  # (N,)
    token_ids: tuple[np.ndarray, ...]  # new tokens per row, cut at the first end-of-sequence token
    texts: tuple[str, ...]
    prompt_ids: np.ndarray  # (L,)

    def at(self, temperature: float) -> list[str]:
        """The texts sampled at one temperature."""
        return [text for text, t in zip(self.texts, self.temperatures) if t == temperature]

    def token_ids_at(self, temperature: float) -> list[np.ndarray]:
        return [ids for ids, t in zip(self.token_ids, self.temperatures) if t == temperature]


def sample_continuations(
    model,
    tokenizer,
    prompt: str,
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
) -> Continuations:
    """Sample ``num_samples`` continuations of ``prompt`` at each temperature, in batched calls.

    Rows are ordered temperature by temperature. ``seed`` makes the draw reproducible on one machine.
    """
    import torch
    from tqdm.auto import tqdm
    from transformers import LogitsProcessorList, StoppingCriteriaList

    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 1:
        raise ValueError(f"num_samples must be a positive integer, got {num_samples!r}")
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be a positive integer, got {max_new_tokens!r}")
    if len(temperatures) == 0:
        raise ValueError("temperatures must list at least one temperature (0 means greedy)")
    row_temperatures = np.repeat(np.asarray(temperatures, dtype=np.float64), num_samples)
    RowWiseWarper(np.unique(row_temperatures), top_k=top_k, top_p=top_p, min_p=min_p)  # validates
    prompt_ids = encode_prompt(tokenizer, prompt, chat=chat)
    eos = _eos_ids(model, tokenizer)

    batches = [row_temperatures[i : i + batch_size] for i in range(0, len(row_temperatures), batch_size)]
    bar = tqdm(total=len(batches) * max_new_tokens, desc="sampling", unit="step", disable=not progress)
    torch.manual_seed(seed)
    new_tokens: list[np.ndarray] = []
    try:
        for batch in batches:
            warper = RowWiseWarper(batch, top_k=top_k, top_p=top_p, min_p=min_p)
            with torch.inference_mode():
                out = model.generate(
                    prompt_ids.repeat(len(batch), 1),
                    attention_mask=torch.ones(len(batch), prompt_ids.shape[1], dtype=torch.long),
                    do_sample=True,
                    # Our warper does all the warping; switch transformers' own ones off.
                    temperature=1.0, top_k=None, top_p=None, min_p=None,
                    logits_processor=LogitsProcessorList([warper]),
                    stopping_criteria=StoppingCriteriaList([_TokenProgress(bar)]),
                    max_new_tokens=max_new_tokens,
                    pad_token_id=tokenizer.pad_token_id,
                )
            bar.update(max_new_tokens - (out.shape[1] - prompt_ids.shape[1]))  # batch stopped early
            new_tokens.extend(_cut_at_eos(row, eos) for row in out[:, prompt_ids.shape[1] :].numpy())
    finally:
        bar.close()
    texts = tuple(tokenizer.decode(ids, skip_special_tokens=True) for ids in new_tokens)
    return Continuations(prompt, row_temperatures, tuple(new_tokens), texts, prompt_ids[0].numpy())


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
