"""Sampling many continuations in one batched ``generate`` call, and scoring them.

A temperature sweep (say 6 temperatures x 16 samples) is one call with 96 rows: each row carries its
own temperature, applied by ``RowWiseWarper`` through ``studykit.maths.sampling.warp`` so the model
samples with exactly the math the notebooks teach. Temperature 0 in a row means greedy decoding.
Batching matters on a CPU: 96 rows decode several times faster per token than 96 separate calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from . import result_cache
from ..maths import sampling
from .models import encode_prompts_left_padded
from .prompt_cache import positions as prompt_positions, shared_prompt_cache
from .scoring import token_log_probs


class RowWiseWarper:
    """A transformers logits processor that warps each batch row with its own settings.

    ``temperatures`` has one entry per row. ``top_k`` / ``top_p`` / ``min_p`` are either one value
    shared by all rows or a sequence with one value per row (``None`` switches a filter off), so rows
    of different decoders (pure sampling, top-k, nucleus, min-p) can share one ``generate`` call.
    Rows with the same settings are warped together.
    """

    def __init__(self, temperatures: Sequence[float], *, top_k=None, top_p=None, min_p=None):
        if isinstance(temperatures, str) or any(isinstance(t, (str, bool, np.bool_)) for t in temperatures):
            raise ValueError(f"temperatures must be numbers >= 0 (0 means greedy), got {temperatures!r}")
        try:
            self.temperatures = np.asarray(temperatures, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise ValueError(f"temperatures must be numbers >= 0 (0 means greedy), got {temperatures!r}") from None
        rows = len(self.temperatures)
        filters = {name: _per_row(value, rows, name) for name, value in
                   (("top_k", top_k), ("top_p", top_p), ("min_p", min_p))}
        self.settings = [(float(t), k, p, m) for t, k, p, m in
                         zip(self.temperatures, filters["top_k"], filters["top_p"], filters["min_p"])]
        # Validate once, up front, with the same messages as the sampling functions.
        for t, k, p, m in set(self.settings):
            sampling.warp(np.zeros(1), temperature=t, top_k=k, top_p=p, min_p=m)

    def __call__(self, input_ids, scores):
        import torch

        if scores.shape[0] != len(self.settings):
            raise ValueError(f"batch has {scores.shape[0]} rows but {len(self.settings)} row settings were given")
        logits = scores.detach().double().cpu().numpy()
        warped = np.empty_like(logits)
        groups: dict[tuple, list[int]] = {}
        for row, setting in enumerate(self.settings):
            groups.setdefault(setting, []).append(row)
        for (t, k, p, m), rows in groups.items():
            warped[rows] = sampling.warp(logits[rows], temperature=t, top_k=k, top_p=p, min_p=m)
        return torch.from_numpy(warped).to(scores.dtype)


def _per_row(value, rows: int, name: str) -> list:
    """One filter value per row: a shared scalar (or None) repeated, or a sequence checked for length."""
    if value is None or np.ndim(value) == 0:
        return [None if value is None else value.item() if isinstance(value, np.generic) else value] * rows
    values = list(value)
    if len(values) != rows:
        raise ValueError(f"{name} must be one value shared by all rows or one value per row "
                         f"({rows}), got {len(values)} values")
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def transformers_warpers(*, temperature=1.0, top_k=None, top_p=None, min_p=None):
    """transformers' own warpers, as ``generate(do_sample=True)`` adds them for these settings.

    The reference :func:`studykit.maths.sampling.warp` is checked against (tests, benchmarks): no
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


class ParagraphBreak:
    """A stopping criterion: a row is done once its new text holds a blank line (``"\\n\\n"``).

    A blank line ends a paragraph, so a decoder continuing a paragraph can end it, and its length
    becomes a measurement rather than the token limit. The break shows up either inside one token
    (``"\\n\\n"``, ``".\\n\\n"``) or as a token ending in ``"\\n"`` followed by one starting with
    it; both are looked up in tables built once from the vocabulary.
    """

    def __init__(self, tokenizer, vocab_size: int):
        from .models import token_strings

        texts = token_strings(tokenizer, vocab_size)
        self.contains = np.array(["\n\n" in t for t in texts])
        self.ends_newline = np.array([t.endswith("\n") for t in texts])
        self.starts_newline = np.array([t.startswith("\n") for t in texts])
        self.prompt_width = 0

    def for_prompt_width(self, width: int) -> "ParagraphBreak":
        """This criterion for a batch whose prompts take ``width`` positions (they never count)."""
        self.prompt_width = width
        return self

    def break_at(self, tokens: np.ndarray) -> int | None:
        """Index of the first token of the first blank line in ``tokens`` (the token that holds it,
        or the first of two that share it), or None: the text before it is the paragraph."""
        tokens = np.asarray(tokens, dtype=np.int64)
        if len(tokens) == 0:
            return None
        starts = self.contains[tokens].copy()
        starts[:-1] |= self.ends_newline[tokens[:-1]] & self.starts_newline[tokens[1:]]
        found = np.flatnonzero(starts)
        return int(found[0]) if len(found) else None

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        last = input_ids[:, -1].numpy()
        done = self.contains[last].copy()
        if input_ids.shape[1] - self.prompt_width > 1:  # a break across the last two *new* tokens
            done |= self.ends_newline[input_ids[:, -2].numpy()] & self.starts_newline[last]
        return torch.from_numpy(done).to(input_ids.device)


class SuppressTokens:
    """A logits processor that gives the listed token ids a score of ``-inf``: they are never drawn.

    Placed after :class:`_LogProbRecorder` (which reads the raw logits) and before the warper, it
    makes every decoder choose among the remaining tokens, as transformers' ``suppress_tokens``
    and ``min_new_tokens`` do for the end-of-sequence token. Suppressing the end-of-sequence token
    and every token holding a line break (:func:`line_break_token_ids`) gives continuations of
    exactly ``max_new_tokens`` tokens of running text: none can end the paragraph early.
    """

    def __init__(self, token_ids: Sequence[int]):
        self.token_ids = sorted({int(t) for t in token_ids})

    def __call__(self, input_ids, scores):
        if self.token_ids:
            scores = scores.clone()
            scores[:, self.token_ids] = -float("inf")
        return scores


def line_break_token_ids(tokenizer, vocab_size: int) -> list[int]:
    """Ids of every token whose text holds a line break (``"\\n"``): with them suppressed, a
    continuation cannot end its paragraph (no blank line can form) nor leave its line."""
    from .models import token_strings

    return [i for i, text in enumerate(token_strings(tokenizer, vocab_size)) if "\n" in text]


def fixed_length_suppressed(model, tokenizer) -> list[int]:
    """The token ids to suppress so that every continuation runs to the token limit: the
    end-of-sequence token(s) and every token holding a line break."""
    return sorted(_eos_ids(model, tokenizer) | set(line_break_token_ids(tokenizer, model.config.vocab_size)))


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
    """Sampled continuations of one prompt; row i was sampled at ``temperatures[i]``.

    Rows come setting by setting in the order given to :func:`sample_prompts` (``num_samples``
    consecutive rows per setting); ``at`` groups rows by temperature alone.
    """

    prompt: str
    temperatures: np.ndarray  # (N,)
    token_ids: tuple[np.ndarray, ...]  # new tokens per row, cut at the first end-of-sequence token
    texts: tuple[str, ...]
    prompt_ids: np.ndarray  # (L,)
    nll: np.ndarray  # (N,) mean negative log-likelihood per token under the model at T=1; NaN if empty
    ended: np.ndarray | None = None  # (N,) True where the row ended on its own, not at the token limit

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
    top_k=None,
    top_p=None,
    min_p=None,
    seed: int = 0,
    chat: bool = False,
    end_at_paragraph: bool = False,
    suppress_tokens: Sequence[int] | None = None,
    batch_size: int = 128,
    progress: bool = True,
) -> list[Continuations]:
    """Sample ``num_samples`` continuations of every prompt at every setting, batched.

    A *setting* is one entry of ``temperatures`` (0 means greedy); ``top_k`` / ``top_p`` / ``min_p``
    are either shared by all settings or lists with one value per setting, so several decoders
    (e.g. pure sampling, top-k 40 and nucleus 0.95) share one call: ``temperatures=[1, 1, 1],
    top_k=[None, 40, None], top_p=[None, None, 0.95]``.

    All rows go through one batched decoding loop per ``batch_size`` rows (:func:`decode`: the
    loop of ``generate(do_sample=True)``, draw for draw, without its repeated work); shorter prompts are padded
    on the left (and masked) so each row continues right after its own prompt. Each continuation's
    mean NLL per token at T=1 is read off the raw logits while sampling, so no second pass is
    needed. A row ends at an end-of-sequence token, at the token limit, or (``end_at_paragraph``)
    just before the token that completes a blank line: the break itself is not kept.
    ``suppress_tokens`` (token ids) are never drawn (:class:`SuppressTokens`); the NLL is still read
    off the raw, unsuppressed logits. With :func:`fixed_length_suppressed` every row runs to
    ``max_new_tokens``.
    Returns one :class:`Continuations` per prompt, rows ordered setting by setting.
    ``seed`` makes the draw reproducible on one machine.
    """
    arguments = dict(prompts=list(prompts) if not isinstance(prompts, str) else prompts,
                     temperatures=temperatures, num_samples=num_samples, max_new_tokens=max_new_tokens,
                     top_k=top_k, top_p=top_p, min_p=min_p, seed=seed, chat=chat,
                     end_at_paragraph=end_at_paragraph, batch_size=batch_size)
    if suppress_tokens is not None:  # only then part of the cache key, so earlier entries stay valid
        if isinstance(suppress_tokens, (str, bytes)) or not all(
                isinstance(t, (int, np.integer)) and not isinstance(t, bool) and t >= 0 for t in suppress_tokens):
            raise ValueError(f"suppress_tokens must be a list of token ids (non-negative integers), got {suppress_tokens!r}")
        arguments["suppress_tokens"] = sorted({int(t) for t in suppress_tokens})
    # Sampling hundreds of rows takes minutes on a CPU: the same call on the same model and code is
    # read back from the result cache (see studykit.lm.result_cache for what the key covers).
    return result_cache.cached("sample_prompts", model, tokenizer, arguments,
                               lambda: _sample_prompts(model, tokenizer, progress=progress, **arguments))


def _sample_prompts(
    model,
    tokenizer,
    prompts: Sequence[str],
    *,
    temperatures: Sequence[float],
    num_samples: int,
    max_new_tokens: int,
    top_k,
    top_p,
    min_p,
    seed: int,
    chat: bool,
    end_at_paragraph: bool,
    batch_size: int,
    progress: bool,
    suppress_tokens: Sequence[int] = (),
) -> list[Continuations]:
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
    settings = RowWiseWarper(temperatures, top_k=top_k, top_p=top_p, min_p=min_p).settings  # validates up front
    per_prompt = [setting for setting in settings for _ in range(num_samples)]

    prompt_ids, padded, mask = encode_prompts_left_padded(tokenizer, prompts, chat=chat)
    width = padded.shape[1]
    row_prompt = np.repeat(np.arange(len(prompts)), len(per_prompt))
    row_settings = per_prompt * len(prompts)
    eos = _eos_ids(model, tokenizer)
    paragraph = ParagraphBreak(tokenizer, model.config.vocab_size) if end_at_paragraph else None

    starts = range(0, len(row_prompt), batch_size)
    bar = tqdm(total=len(starts) * max_new_tokens, desc="sampling", unit="step", disable=not progress)
    torch.manual_seed(seed)
    new_tokens: list[np.ndarray] = []
    ended: list[bool] = []
    nll: list[float] = []
    try:
        for start in starts:
            rows = slice(start, start + batch_size)
            t, k, p, m = (list(column) for column in zip(*row_settings[rows]))
            recorder = _LogProbRecorder()
            stops = [_TokenProgress(bar)] + ([paragraph.for_prompt_width(width)] if paragraph else [])
            with torch.inference_mode():
                out = decode(model, padded, mask, row_prompt[rows],
                             LogitsProcessorList([recorder, SuppressTokens(suppress_tokens),
                                                      RowWiseWarper(t, top_k=k, top_p=p, min_p=m)]),
                             StoppingCriteriaList(stops), max_new_tokens=max_new_tokens, eos=eos,
                             pad_token_id=tokenizer.pad_token_id)
                log_probs = recorder.finish(out[:, -1])
            bar.update(max_new_tokens - (out.shape[1] - width))  # the batch stopped early
            for row, row_log_probs in zip(out[:, width:].numpy(), log_probs):
                kept, stopped = _cut_at_end(row, eos, paragraph)
                new_tokens.append(kept)
                ended.append(stopped)
                nll.append(-row_log_probs[: len(kept)].mean() if len(kept) else np.nan)
    finally:
        bar.close()

    temps = np.array([setting[0] for setting in per_prompt], dtype=np.float64)
    result = []
    for i, prompt in enumerate(prompts):
        rows = np.flatnonzero(row_prompt == i)
        ids = tuple(new_tokens[j] for j in rows)
        texts = tuple(tokenizer.decode(t, skip_special_tokens=True) for t in ids)
        scores = np.array([nll[j] for j in rows], dtype=np.float64)
        result.append(Continuations(prompt, temps.copy(), ids, texts, prompt_ids[i].numpy(), scores,
                                    np.array([ended[j] for j in rows], dtype=bool)))
    return result


def decode(model, padded, mask, rows: np.ndarray, logits_processor, stopping_criteria, *, max_new_tokens: int,
           eos: set[int], pad_token_id: int):
    """``model.generate(do_sample=True)``'s sampling loop for the batch ``padded[rows]``, minus wasted work.

    Per step, as transformers does it: the raw logits (float32) go through ``logits_processor``,
    one token per row is drawn with ``torch.multinomial`` over the softmax, a row that has finished
    gets the padding token, and a row finishes at an end-of-sequence token or when
    ``stopping_criteria`` says so. Two things differ, and neither changes a draw:

    * each distinct prompt is prefilled once (:func:`shared_prompt_cache`), not once per row;
    * a finished row leaves the model's batch: only unfinished rows are run through the model. The
      finished ones still get a (dummy, uniform) row of scores, so ``multinomial`` draws for the
      same batch shape and every unfinished row gets the random numbers ``generate`` would give it.

    Returns the ``(len(rows), width + steps)`` token ids, prompts included, like ``generate``.
    """
    import torch

    rows = np.asarray(rows)
    sequences = padded[rows]
    attention = mask[rows]
    cache = shared_prompt_cache(model, padded, mask, rows)
    step_ids = sequences[:, -1:] if cache is not None else sequences
    positions = prompt_positions(attention)  # as generate() numbers them
    step_positions = positions[:, -step_ids.shape[1]:]
    next_position = positions[:, -1] + 1
    unfinished = torch.ones(len(rows), dtype=torch.bool)
    active = torch.arange(len(rows))  # rows still in the model's batch
    eos_ids = torch.as_tensor(sorted(eos), dtype=torch.long)
    for _ in range(max_new_tokens):
        out = model(step_ids, attention_mask=attention[active], position_ids=step_positions, cache=cache,
                    use_cache=True, logits_to_keep=1)
        cache = out.cache if getattr(out, "cache", None) is not None else out.past_key_values
        logits = torch.zeros(len(rows), out.logits.shape[-1])
        logits[active] = out.logits[:, -1].to(torch.float32)
        scores = logits_processor(sequences, logits)
        tokens = torch.multinomial(torch.softmax(scores, dim=-1), num_samples=1).squeeze(1)
        tokens = torch.where(unfinished, tokens, torch.full_like(tokens, pad_token_id))
        sequences = torch.cat([sequences, tokens[:, None]], dim=-1)
        attention = torch.cat([attention, torch.ones_like(attention[:, :1])], dim=-1)
        unfinished &= ~torch.isin(tokens, eos_ids) & ~stopping_criteria(sequences, scores)
        if not unfinished.any():
            break
        still = unfinished[active]
        if not still.all():
            cache.batch_select_indices(torch.nonzero(still).squeeze(1))
            active = active[still]
        step_ids = sequences[active, -1:]
        step_positions = next_position[active, None]
        next_position = next_position + 1
    return sequences


def _eos_ids(model, tokenizer) -> set[int]:
    eos = model.generation_config.eos_token_id
    ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
    if tokenizer.eos_token_id is not None:
        ids.add(tokenizer.eos_token_id)
    return ids


def _cut_at_end(row: np.ndarray, eos: set[int], paragraph: "ParagraphBreak | None") -> tuple[np.ndarray, bool]:
    """The new tokens up to (not including) the first end-of-sequence token or paragraph break,
    and whether the row ended there rather than at the token limit."""
    ends = [i for i, token in enumerate(row) if int(token) in eos][:1]
    if paragraph is not None:
        found = paragraph.break_at(row)
        if found is not None:
            ends.append(found)
    if ends:
        return row[: min(ends)].copy(), True
    return row.copy(), False


def continuation_nll(model, prompt_ids: np.ndarray, continuations: Sequence[np.ndarray]) -> np.ndarray:
    """Mean negative log-likelihood (nats per token) of each continuation of one prompt under the
    model at T=1: the model's average surprise per token (``exp`` of it is the perplexity).

    It says how likely *this* model finds the text, not whether the text is good: text the model
    wrote itself greedily scores lowest by construction. Empty continuations give NaN.
    """
    return pair_nll(model, [prompt_ids] * len(continuations), continuations)


def pair_nll(model, prompts: Sequence[np.ndarray], continuations: Sequence[np.ndarray]) -> np.ndarray:
    """Like :func:`continuation_nll`, with its own prompt for each continuation (token ids).

    The token at position j is scored by the logits at position j - 1 (:mod:`studykit.lm.scoring`:
    one prefill per distinct prompt, batched). Empty continuations give NaN.
    """
    if len(prompts) != len(continuations):
        raise ValueError(f"prompts and continuations must pair up, got {len(prompts)} and {len(continuations)}")
    return np.array([-lp.mean() if len(lp) else np.nan for lp in token_log_probs(model, prompts, continuations)],
                    dtype=np.float64)
