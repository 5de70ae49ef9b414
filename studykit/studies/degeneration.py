"""Decoders judged against a reference text: Holtzman et al. (2020)'s Table 1 in miniature.

"The Curious Case of Neural Text Degeneration" (Holtzman et al., ICLR 2020) judges a decoder by
how close its text comes to human text written from the same prompts, not by "lower is better":
greedy and beam text is *more* likely under the model than human text and loops; pure sampling is
*less* likely. The columns here, each measured per prompt and bootstrapped over prompts:

* **perplexity** -- ``exp`` of the mean NLL per token under the model at T=1, pooled over all tokens
  of the row (Σ NLL / Σ tokens): the model's average surprise per token as an effective number
  of equally likely choices. The reference text gets the same measurement, so "closest to the
  reference" is the target, not "lowest";
* **repetition** -- the share of continuations in which some 4-word phrase occurs twice
  (:func:`studykit.maths.metrics.is_repetitive`); a loop always qualifies, and the reference row shows
  how often ordinary prose does by chance;
* **distinct-2** -- word bigrams that differ from one another, divided by all word bigrams (Li et al.,
  2016), counted *within* each continuation and summed over prompts. Li et al. pool all responses;
  pooling here would count a prompt drawn twice by the bootstrap as repetition, and the reference
  has one continuation per prompt, so diversity *across* samples has nothing to compare with;
* **length** -- tokens per continuation, where the decoder ended it (paragraph break or
  end-of-sequence) or the token limit. A text cut at the limit is *censored*: its true length is
  unknown, only "more than the limit". So two censoring-aware statistics are shown: the share of
  texts that **ended before the limit** (observed for every text, censored or not; Wilson interval),
  and the mean length counting a censored text as the limit (the *restricted* mean, a lower bound
  on the uncensored mean). The reference is capped at the same limit exactly like a decoder
  (:func:`reference_units`), so its text can hit the limit too.

Intervals: perplexity, distinct-2 and length get 95% percentile bootstraps over prompts
(:mod:`studykit.maths.stats`); the shares (repetitive, ended before the limit) get Wilson score intervals,
which do not collapse to a point on zero counts. A decoder is called above or below the reference
only when the paired bootstrap interval of its difference excludes 0 (surprisal, in nats per token)
or McNemar's exact paired test gives p < 0.05 (the shares, one text per prompt).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..maths import metrics, sampling
from ..maths.paired_tests import discordant_counts, mcnemar_exact
from ..maths.stats import Interval, bootstrap_ci, bootstrap_diff_ci, wilson_interval

__all__ = ["expected_surprise", "PromptUnits", "units_of", "reference_units", "continuation_tokens", "long_enough", "TableRow", "summarize", "compare", "Comparison",
           "format_table", "html_table", "REPEAT_NGRAM"]

REPEAT_NGRAM = 4  # a repeated 4-word phrase marks a continuation as repetitive
DISTINCT_N = 2


@dataclass(frozen=True)
class PromptUnits:
    """One row of the table as per-prompt numbers: the units the bootstrap resamples."""

    name: str
    nll_sum: np.ndarray  # (P,) total NLL in nats of the prompt's continuations under the model at T=1
    tokens: np.ndarray  # (P,) their total number of tokens
    repetitive: np.ndarray  # (P,) share of the prompt's continuations that repeat a 4-word phrase
    distinct: np.ndarray  # (P,) distinct word bigrams within each continuation, summed
    bigrams: np.ndarray  # (P,) word bigrams, summed
    length: np.ndarray  # (P,) mean tokens per continuation
    capped: np.ndarray  # (P,) share of continuations that hit the token limit (censored)
    samples: int  # continuations per prompt

    @property
    def prompts(self) -> int:
        return len(self.tokens)


def units(name: str, token_ids, texts, nll, ended) -> PromptUnits:
    """Per-prompt units from nested lists: ``token_ids[i][s]`` etc. for sample ``s`` of prompt ``i``.

    ``nll[i][s]`` is the mean NLL per token (NaN for an empty continuation), ``ended[i][s]`` whether
    the text ended before the token limit.
    """
    if not len(token_ids) == len(texts) == len(nll) == len(ended) or len(token_ids) < 2:
        raise ValueError("token_ids, texts, nll and ended need one entry per prompt, for at least 2 prompts")
    samples = {len(row) for row in token_ids}
    if len(samples) != 1 or 0 in samples:
        raise ValueError(f"every prompt needs the same number (>= 1) of continuations, got {sorted(samples)}")
    rows = []
    for ids, words_texts, scores, done in zip(token_ids, texts, nll, ended):
        lengths = np.array([len(t) for t in ids], dtype=np.float64)
        scores = np.nan_to_num(np.asarray(scores, dtype=np.float64), nan=0.0)  # empty texts add no tokens
        words = [text.split() for text in words_texts]
        counts = np.array([metrics.distinct_ngram_counts(w, DISTINCT_N) for w in words], dtype=np.float64)
        rows.append((float((scores * lengths).sum()), lengths.sum(),
                     float(np.mean([metrics.is_repetitive(w, REPEAT_NGRAM) for w in words])),
                     counts[:, 0].sum(), counts[:, 1].sum(), lengths.mean(),
                     1.0 - float(np.mean(np.asarray(done, dtype=bool)))))
    columns = np.array(rows, dtype=np.float64).T
    return PromptUnits(name, *columns, samples=samples.pop())


def units_of(decoded) -> PromptUnits:
    """The units of a :class:`studykit.studies.decoders.Decoded`."""
    return units(decoded.decoder.name, decoded.token_ids, decoded.texts, decoded.nll, decoded.ended)


def continuation_tokens(tokenizer, pair) -> np.ndarray:
    """The author's continuation as the tokens that follow its prompt (the prompt's tokens must be a
    prefix of the tokens of prompt + continuation)."""
    from ..lm.models import encode_prompt

    head = encode_prompt(tokenizer, pair.prompt)[0].numpy()
    full = encode_prompt(tokenizer, pair.prompt + pair.continuation)[0].numpy()
    if len(full) <= len(head) or not np.array_equal(full[: len(head)], head):
        raise ValueError(f"continuation of {pair.prompt[:40]!r}... does not tokenize as new tokens after its prompt")
    return full[len(head):]


def long_enough(tokenizer, pairs, *, tokens: int, count: int) -> tuple:
    """The first ``count`` of ``pairs`` whose author's continuation has at least ``tokens`` tokens,
    so that a fixed-length comparison over the first ``tokens`` positions is defined for every prompt.
    Raises ValueError if fewer qualify. The rule looks only at the author's text, never at a decoder's.
    """
    kept = [p for p in pairs if len(continuation_tokens(tokenizer, p)) >= tokens][:count]
    if len(kept) < count:
        raise ValueError(f"only {len(kept)} of {len(pairs)} pairs have a continuation of {tokens}+ tokens; {count} were asked for")
    return tuple(kept)


def reference_units(model, tokenizer, pairs, *, max_new_tokens: int, name: str = "reference",
                    fixed_length: bool = False) -> PromptUnits:
    """The reference row: the author's continuation of each prompt, measured like the decoders' text.

    Each continuation is tokenized as it follows its prompt (the prompt's tokens must be a prefix
    of the tokens of prompt + continuation) and **capped exactly like a decoder**: a decoder's text
    ends before the limit only if its paragraph break fits within ``max_new_tokens`` tokens, so the
    author's paragraph "ends before the limit" only if it has fewer than ``max_new_tokens`` tokens
    (the break would be the next one); otherwise only its first ``max_new_tokens`` tokens count, as
    for a decoder cut at the limit. The kept tokens are scored under the model at T=1.

    ``fixed_length=True`` (decoders run with ``fixed_length=True``): every continuation must have at
    least ``max_new_tokens`` tokens (select the pairs with :func:`long_enough`), and exactly its first
    ``max_new_tokens`` are kept, the same positions as every decoder's.
    """
    from ..lm.generation import pair_nll
    from ..lm.models import encode_prompt

    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be a positive integer (the decoders' limit), got {max_new_tokens!r}")
    prompt_ids, continuation_ids, ended = [], [], []
    for pair in pairs:
        head = encode_prompt(tokenizer, pair.prompt)[0].numpy()
        tail = continuation_tokens(tokenizer, pair)
        if fixed_length and len(tail) < max_new_tokens:
            raise ValueError(f"continuation of {pair.prompt[:40]!r}... has {len(tail)} tokens, fewer than the fixed "
                             f"length {max_new_tokens}: select the pairs with long_enough()")
        prompt_ids.append(head)
        ended.append(bool(pair.ends_paragraph) and len(tail) < max_new_tokens)
        continuation_ids.append(tail[:max_new_tokens])
    texts = [tokenizer.decode(c) for c in continuation_ids]
    nll = pair_nll(model, prompt_ids, continuation_ids)
    return units(name, [(c,) for c in continuation_ids], [(t,) for t in texts],
                 [(v,) for v in nll], [(e,) for e in ended])


# --- the identity behind "greedy text has the lowest perplexity" -----------------------------------


def expected_surprise(logits, *, temperature: float = 1.0, top_k=None, top_p=None, min_p=None) -> float:
    """E_q[-log p(token)] in nats for one next-token step: the NLL under the model at T=1 (``p``)
    of a token drawn by the decoder (``q``, the warped distribution; ``temperature=0`` is greedy).

    Identities, true for every logits vector (property-tested in ``tests/test_degeneration.py``):
    greedy gives the minimum, ``-log max p``; the value rises with the temperature; a filter
    (top-k, top-p, min-p) never raises it above the unfiltered value at the same temperature,
    because it keeps the most likely tokens. So "greedy, or a filter, gives text of lower
    perplexity" is not a finding about a model: it holds step by step by construction.
    """
    p = sampling.softmax(np.asarray(logits, dtype=np.float64))
    q = sampling.softmax(sampling.warp(np.asarray(logits, dtype=np.float64), temperature=temperature,
                                       top_k=top_k, top_p=top_p, min_p=min_p))
    with np.errstate(divide="ignore"):
        surprise = -np.log(p)
    kept = q > 0
    return float((q[kept] * surprise[kept]).sum())


# --- one row of the table, with intervals ---------------------------------------------------------


def _perplexity(units_array: np.ndarray) -> float:
    return float(np.exp(units_array[:, 0].sum() / units_array[:, 1].sum()))


def _nats(units_array: np.ndarray) -> float:
    return float(units_array[:, 0].sum() / units_array[:, 1].sum())


def _ratio(units_array: np.ndarray) -> float:
    # A redrawn set of prompts whose texts hold no word pair has nothing that could repeat: 1.0.
    total = units_array[:, 1].sum()
    return float(units_array[:, 0].sum() / total) if total else 1.0


@dataclass(frozen=True)
class TableRow:
    """A decoder's (or the reference's) statistics with 95% intervals (bootstrap over prompts; Wilson for shares)."""

    name: str
    perplexity: Interval
    repetition: Interval
    distinct_2: Interval
    length: Interval  # restricted mean: a text cut at the limit counts as the limit
    ended: Interval  # share of texts that ended before the limit (Wilson interval)
    continuations: int

    @property
    def capped(self) -> float:
        """The share of texts cut at the limit (censored)."""
        return 1.0 - self.ended.estimate


def _share(per_prompt: np.ndarray, samples: int) -> Interval:
    # Wilson over all texts (approximate coverage: at n = 36 its actual coverage dips to about 90% for
    # some rates); with several texts per prompt it ignores that they move together (the notebooks use one).
    count = int(round(float(per_prompt.sum()) * samples))
    return wilson_interval(count, len(per_prompt) * samples)


def summarize(u: PromptUnits, *, seed: int = 0) -> TableRow:
    """The table row of ``u``: every statistic with its bootstrap interval over prompts."""
    return TableRow(
        u.name,
        bootstrap_ci(np.column_stack([u.nll_sum, u.tokens]), _perplexity, seed=seed),
        _share(u.repetitive, u.samples),
        bootstrap_ci(np.column_stack([u.distinct, u.bigrams]), _ratio, seed=seed),
        bootstrap_ci(u.length, seed=seed),
        _share(1.0 - u.capped, u.samples),
        u.prompts * u.samples,
    )


@dataclass(frozen=True)
class Comparison:
    """A decoder against the reference on the same prompts: paired differences.

    ``nats`` is a paired bootstrap interval; the shares are compared with McNemar's exact test on
    the prompts' paired yes/no outcomes (one text per prompt), whose p-value stays honest where a
    bootstrap of two all-zero columns would give the empty interval [0, 0].
    """

    name: str
    nats: Interval  # mean NLL per token, decoder minus reference (log of the perplexity ratio)
    repetition: float  # share repetitive, decoder minus reference
    repetition_p: float  # McNemar's exact two-sided p-value
    ended: float  # share that ended before the limit, decoder minus reference
    ended_p: float

    @staticmethod
    def side(diff: Interval) -> str:
        """'below' / 'above' the reference when the interval excludes 0, else 'overlaps'."""
        return "below" if diff.high < 0 else "above" if diff.low > 0 else "overlaps"

    @staticmethod
    def share_side(diff: float, p_value: float, alpha: float = 0.05) -> str:
        """'below' / 'above' when McNemar's test separates the shares at level ``alpha``, else 'overlaps'."""
        return "overlaps" if p_value >= alpha else "below" if diff < 0 else "above"

    @property
    def perplexity_side(self) -> str:
        return self.side(self.nats)

    @property
    def repetition_side(self) -> str:
        return self.share_side(self.repetition, self.repetition_p)

    @property
    def ended_side(self) -> str:
        return self.share_side(self.ended, self.ended_p)


def compare(u: PromptUnits, reference: PromptUnits, *, seed: int = 0) -> Comparison:
    """Paired comparison of ``u`` with ``reference`` on the same prompts (one text per prompt each)."""
    if u.prompts != reference.prompts:
        raise ValueError(f"{u.name} has {u.prompts} prompts and the reference {reference.prompts}: compare on the same prompts")
    if u.samples != 1 or reference.samples != 1:
        raise ValueError("compare pairs one text per prompt on each side (McNemar's test); "
                         f"got {u.samples} and {reference.samples} per prompt")
    return Comparison(
        u.name,
        bootstrap_diff_ci(np.column_stack([u.nll_sum, u.tokens]), np.column_stack([reference.nll_sum, reference.tokens]),
                          _nats, seed=seed),
        float(u.repetitive.mean() - reference.repetitive.mean()),
        mcnemar_exact(*discordant_counts(u.repetitive > 0.5, reference.repetitive > 0.5)),
        float(reference.capped.mean() - u.capped.mean()),
        mcnemar_exact(*discordant_counts(u.capped < 0.5, reference.capped < 0.5)),
    )


# --- showing the table ---------------------------------------------------------------------------


def _cells(row: TableRow, lengths: bool = True) -> list[str]:
    p, r, d, n, e = row.perplexity, row.repetition, row.distinct_2, row.length, row.ended
    cells = [row.name, f"{p.estimate:.1f} [{p.low:.1f}, {p.high:.1f}]",
             f"{r.estimate:.0%} [{r.low:.0%}, {r.high:.0%}]",
             f"{d.estimate:.2f} [{d.low:.2f}, {d.high:.2f}]",
             f"{n.estimate:.0f} [{n.low:.0f}, {n.high:.0f}]",
             f"{e.estimate:.0%} [{e.low:.0%}, {e.high:.0%}]", str(row.continuations)]
    return cells if lengths else cells[:4] + cells[6:]


HEADER = ["", "perplexity", "repetitive", "distinct-2", "length, capped", "ended before limit", "texts"]


def _header(lengths: bool) -> list[str]:
    return HEADER if lengths else HEADER[:4] + HEADER[6:]


def format_table(rows: Sequence[TableRow], *, lengths: bool = True) -> str:
    """A plain-text table, one line per row, each statistic with its 95% interval in brackets.
    ``lengths=False`` leaves out the two length columns (for fixed-length texts they say nothing)."""
    header = _header(lengths)
    cells = [header] + [_cells(r, lengths) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    lines = ["  ".join(c[i].ljust(widths[i]) if i == 0 else c[i].rjust(widths[i]) for i in range(len(c)))
             for c in cells]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def html_table(rows: Sequence[TableRow], *, highlight: str | None = None, lengths: bool = True) -> str:
    """The same table as HTML (for ``IPython.display.HTML``); the ``highlight`` row is shaded."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in _header(lengths))
    body = []
    for r in rows:
        style = ' style="background:#eef4ea"' if r.name == highlight else ""
        cells = _cells(r, lengths)
        body.append(f"<tr{style}><td style='text-align:left'>{html.escape(cells[0])}</td>"
                    + "".join(f"<td>{html.escape(c)}</td>" for c in cells[1:]) + "</tr>")
    return ("<table style='font-variant-numeric:tabular-nums'><thead><tr>" + head + "</tr></thead><tbody>"
            + "".join(body) + "</tbody></table>")
