"""What sampling in bfloat16 or float16 does to the distribution, and why engines upcast first.

A model served in bf16 produces bf16 logits. Rounding a logit ``z`` to a format with ``s``
significant bits moves it by up to half a unit in the last place, at most ``|z| * 2^-s`` (bf16:
s = 8, so up to 0.031 on a logit between 8 and 16; fp16: s = 11, up to 0.0039 there). Dividing by T divides the error by T too, so the
*log-odds* between two tokens, (z_i - z_j) / T, carry an error of up to 2 * delta / T: the colder
the sampling, the larger the damage. That bound gives, for every token,
``exp(-2 delta / T) <= q_i / p_i <= exp(2 delta / T)`` and so a total variation distance of at most
``1 - exp(-2 delta / T)`` (:func:`tv_bound`). Rounding also creates ties at the top, where an
arg-max can flip to the other token.

Computing the softmax itself in the low format adds a second error: every probability is
rounded to 8 (bf16) significant bits, and a sum over 49,152 of them drifts. transformers'
``generate()`` copies the last position's logits to float32 before any processor runs, and vLLM's
sampler casts to float32 before dividing by the temperature, for these reasons.

>>> z = np.array([10.0, 9.99, 0.0])
>>> round_to(z, "bfloat16").tolist()
[10.0, 10.0, 0.0]
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["FORMATS", "round_to", "max_rounding_error", "softmax_upcast", "softmax_in_format",
           "tv_bound"]

FORMATS = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}


def round_to(logits, fmt: str) -> np.ndarray:
    """``logits`` rounded to ``fmt`` (round to nearest even), returned as float64."""
    return torch.as_tensor(np.asarray(logits, dtype=np.float64)).to(_dtype(fmt)).double().numpy()


def max_rounding_error(logits, fmt: str) -> float:
    """The largest ``|round_to(z) - z|`` over the entries of ``logits``."""
    z = np.asarray(logits, dtype=np.float64)
    return float(np.max(np.abs(round_to(z, fmt) - z)))


def softmax_upcast(logits, temperature: float, fmt: str) -> np.ndarray:
    """Logits stored in ``fmt``, then divided by T and normalised in float64 (the upcast path)."""
    _check_temperature(temperature)
    z = round_to(logits, fmt) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_in_format(logits, temperature: float, fmt: str) -> np.ndarray:
    """Logits stored in ``fmt``, divided by T and normalised by torch *in* ``fmt`` (no upcast)."""
    _check_temperature(temperature)
    dtype = _dtype(fmt)
    z = torch.as_tensor(np.asarray(logits, dtype=np.float64)).to(dtype)
    probs = torch.softmax(z / torch.tensor(temperature, dtype=dtype), dim=-1)
    return probs.double().numpy()


def tv_bound(delta: float, temperature: float) -> float:
    """Upper bound ``1 - exp(-2 delta / T)`` on the total variation distance between
    ``softmax(z / T)`` and ``softmax(z' / T)`` when every ``|z'_i - z_i| <= delta``."""
    _check_temperature(temperature)
    return float(-np.expm1(-2.0 * delta / temperature))


def _dtype(fmt: str):
    try:
        return FORMATS[fmt]
    except KeyError:
        raise ValueError(f"fmt must be one of {sorted(FORMATS)}, got {fmt!r}") from None


def _check_temperature(temperature) -> None:
    if not (isinstance(temperature, (int, float, np.floating)) and np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}")
