"""Penalties for tokens that already appeared: repetition (transformers), frequency and presence (OpenAI).

* **Repetition penalty** (Keskar et al. 2019, "CTRL"; transformers' ``RepetitionPenaltyLogitsProcessor``):
  for every token id that occurs in the text so far (prompt included, by default), a positive logit
  is *divided* by ``penalty`` and a negative one *multiplied* by it, so both move towards "less likely".
  Each token is penalised once, however often it occurred.
* **Frequency and presence penalties** (OpenAI API parameter details):
  ``logit - count * frequency_penalty - (count > 0) * presence_penalty``, where ``count`` is how often
  the token was sampled before this position. Frequency grows with every repeat; presence is paid once.

The repetition penalty depends on where zero lies on the logit scale, which softmax ignores: adding
the same constant to every logit changes no probability, but it can flip a logit's sign and so the
penalty's effect. The additive penalties are shift-invariant but not scale-invariant: run before
temperature (as transformers runs all penalties), a penalty of 1 becomes ``1 / T`` after the division.

>>> repetition_penalty([2.0, -2.0, 1.0], previous_ids=[0, 1, 1], penalty=2.0)
array([ 1., -4.,  1.])
>>> frequency_presence_penalty([2.0, -2.0, 1.0], previous_ids=[0, 1, 1], frequency_penalty=0.5, presence_penalty=1.0)
array([ 0.5, -4. ,  1. ])
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["repetition_penalty", "frequency_presence_penalty", "token_counts", "FrequencyPresencePenalty",
           "PerRowProcessors"]


def token_counts(previous_ids, vocab_size: int) -> np.ndarray:
    """How often each token id occurs in ``previous_ids`` (an array of length ``vocab_size``)."""
    ids = np.asarray(previous_ids, dtype=np.int64).reshape(-1)
    if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        raise ValueError(f"previous_ids must be token ids in [0, {vocab_size}), got values from {ids.min()} to {ids.max()}")
    return np.bincount(ids, minlength=vocab_size)


def repetition_penalty(logits, previous_ids, penalty: float) -> np.ndarray:
    """transformers' rule on one row of logits: seen tokens get ``z / penalty`` if ``z > 0``, else ``z * penalty``.

    ``penalty > 1`` discourages repeats, ``1`` changes nothing, ``(0, 1)`` encourages them.
    """
    z = _logits(logits)
    if not _real(penalty) or penalty <= 0:
        raise ValueError(f"penalty must be a number > 0 (1.0 is off; CTRL suggests about 1.2), got {penalty!r}")
    seen = token_counts(previous_ids, z.shape[-1]) > 0
    # transformers: torch.where(score < 0, score * penalty, score / penalty), on seen tokens only.
    penalised = np.where(z < 0, z * penalty, z / penalty)
    return np.where(seen, penalised, z)


def frequency_presence_penalty(logits, previous_ids, frequency_penalty: float = 0.0, presence_penalty: float = 0.0) -> np.ndarray:
    """OpenAI's rule: ``z - count * frequency_penalty - (count > 0) * presence_penalty``.

    The API accepts each penalty in [-2, 2]; negative values encourage repeats.
    """
    z = _logits(logits)
    for name, value in (("frequency_penalty", frequency_penalty), ("presence_penalty", presence_penalty)):
        if not _real(value) or not -2.0 <= value <= 2.0:
            raise ValueError(f"{name} must be a number in [-2, 2] (OpenAI's range; 0 is off), got {value!r}")
    counts = token_counts(previous_ids, z.shape[-1]).astype(np.float64)
    return z - counts * frequency_penalty - (counts > 0) * presence_penalty


class FrequencyPresencePenalty:
    """A transformers logits processor applying :func:`frequency_presence_penalty` to each row.

    transformers has no frequency or presence penalty; this adds them. Only tokens generated after
    the first ``prompt_length`` positions are counted, as OpenAI counts sampled tokens; left as None,
    it is the input width at the first call (the padded prompt), so one instance serves one
    ``generate`` call. transformers runs processors passed to ``generate`` before its temperature warper.
    """

    def __init__(self, prompt_length: int | None = None, *, frequency_penalty: float = 0.0, presence_penalty: float = 0.0):
        if prompt_length is not None and (isinstance(prompt_length, bool) or not isinstance(prompt_length, numbers.Integral)
                                          or prompt_length < 0):
            raise ValueError(f"prompt_length must be an integer >= 0 (the padded prompt width) or None, got {prompt_length!r}")
        frequency_presence_penalty([0.0], [], frequency_penalty, presence_penalty)  # validates both
        self.prompt_length = prompt_length
        self.frequency_penalty, self.presence_penalty = float(frequency_penalty), float(presence_penalty)

    def __call__(self, input_ids, scores):
        import torch

        if self.prompt_length is None:
            self.prompt_length = input_ids.shape[1]
        generated = input_ids[:, self.prompt_length:]
        counts = torch.zeros_like(scores).scatter_add_(1, generated, torch.ones_like(generated, dtype=scores.dtype))
        return scores - counts * self.frequency_penalty - (counts > 0).to(scores.dtype) * self.presence_penalty


class PerRowProcessors:
    """Several settings in one batch, as a server batches requests: ``[(rows, processor), ...]``.

    Each logits processor sees only its own rows (their tokens so far and their scores), so each row
    gets the scores a separate call with that processor alone would give; rows no entry names are
    left as they are. One ``generate`` call then serves every setting at once.
    """

    def __init__(self, groups):
        self.groups = []
        taken: set[int] = set()
        for rows, processor in groups:
            rows = list(rows)
            if not rows or any(isinstance(r, bool) or not isinstance(r, numbers.Integral) or r < 0 for r in rows):
                raise ValueError(f"each group needs row indices >= 0, e.g. range(0, 6), got {rows!r}")
            if taken & set(rows):
                raise ValueError(f"rows {sorted(taken & set(rows))} are named by two groups; give each row one setting")
            if not callable(processor):
                raise ValueError(f"each group needs a logits processor (called with input_ids, scores), got {processor!r}")
            taken |= set(rows)
            self.groups.append((rows, processor))

    def __call__(self, input_ids, scores):
        import torch

        out = scores.clone()
        for rows, processor in self.groups:
            index = torch.as_tensor(rows, device=scores.device)
            out[index] = processor(input_ids[index], scores[index])
        return out


def _logits(logits) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 1 or z.size == 0 or np.isnan(z).any() or np.isposinf(z).any():
        raise ValueError(f"logits must be one non-empty row of real scores (-inf allowed), got shape {z.shape}")
    return z


def _real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
