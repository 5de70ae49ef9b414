"""Per-token temperature is not sequence-level temperature.

At one step, temperature is a power of the probabilities: ``softmax(z / T)`` is proportional to
``p ** (1 / T)`` with ``p = softmax(z)`` (:func:`power_of_probabilities`). One might expect that
sampling every token at ``T`` draws whole sequences from ``P(x) ** (1 / T)``, renormalised over
sequences. It does not. For two tokens ``a`` then ``b``:

* per-token sampling gives ``p_T(a) * p_T(b | a)``, each factor renormalised on its own step
  (:func:`per_token_joint`);
* the sequence-level distribution is ``p(a) ** (1/T) * p(b | a) ** (1/T) / Z`` with one ``Z`` over
  all pairs (:func:`sequence_level_joint`).

They differ by the factor ``Z_T(a) = sum_b p(b | a) ** (1/T)``, the normaliser of the second step,
which per-token sampling never sees: at ``T < 1`` the sequence-level distribution favours first
tokens whose continuation is sure (peaked), at ``T > 1`` those whose continuation is open. At T = 1
both are the model's own joint distribution.

>>> first = np.array([0.6, 0.4]); second = np.array([[0.5, 0.5], [1.0, 0.0]])
>>> per_token_joint(first, second, 0.5).round(3)
array([[0.346, 0.346],
       [0.308, 0.   ]])
>>> sequence_level_joint(first, second, 0.5).round(3)
array([[0.265, 0.265],
       [0.471, 0.   ]])
"""

from __future__ import annotations

import numpy as np

__all__ = ["power_of_probabilities", "per_token_joint", "sequence_level_joint"]


def power_of_probabilities(probs, temperature: float) -> np.ndarray:
    """``p ** (1 / T)`` renormalised along the last axis; equals ``softmax(log p / T)``.

    Works in log space so tiny probabilities and small ``T`` do not underflow to 0 / 0.
    """
    p = _probs(probs, "probs")
    _check_temperature(temperature)
    with np.errstate(divide="ignore"):
        scaled = np.log(p) / temperature
    scaled = scaled - scaled.max(axis=-1, keepdims=True)
    weights = np.exp(scaled)
    return weights / weights.sum(axis=-1, keepdims=True)


def per_token_joint(first, second, temperature: float) -> np.ndarray:
    """``(A, B)`` joint of two tokens when each step is sampled at ``temperature`` on its own.

    ``first`` is ``p(a)`` over ``A`` first tokens; row ``a`` of ``second`` is ``p(b | a)``.
    """
    first, second = _pair(first, second)
    return power_of_probabilities(first, temperature)[:, None] * power_of_probabilities(second, temperature)


def sequence_level_joint(first, second, temperature: float) -> np.ndarray:
    """``(A, B)`` joint ``P(a, b) ** (1 / T)`` renormalised over all pairs: temperature on sequences."""
    first, second = _pair(first, second)
    joint = first[:, None] * second
    return power_of_probabilities(joint.reshape(-1), temperature).reshape(joint.shape)


def _pair(first, second):
    first, second = _probs(first, "first"), _probs(second, "second")
    if first.ndim != 1 or second.ndim != 2 or second.shape[0] != first.shape[0]:
        raise ValueError("first must be p(a) of shape (A,) and second p(b | a) of shape (A, B), one row per first "
                         f"token; got {first.shape} and {second.shape}")
    return first, second


def _probs(values, name):
    p = np.asarray(values, dtype=np.float64)
    if p.ndim == 0 or p.shape[-1] == 0:
        raise ValueError(f"{name} must be an array of probabilities, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or not np.allclose(p.sum(axis=-1), 1.0, atol=1e-6):
        raise ValueError(f"{name} must hold probabilities >= 0 summing to 1 along the last axis")
    return p


def _check_temperature(temperature):
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.integer, np.floating)) \
            or not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a number > 0 (1 leaves the distribution unchanged), got {temperature!r}")
