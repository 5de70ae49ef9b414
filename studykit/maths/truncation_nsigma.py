"""Top-nσ truncation: keep the logits within n standard deviations of the largest one.

Tang et al. (2024, "Top-nσ: Not All Logits Are You Need", arXiv 2411.07641) keep token i when
``z_i >= max(z) - n * std(z)``, with the (population) standard deviation taken over the whole row
of logits, as llama.cpp's ``llama_sampler_top_n_sigma_apply`` computes it.
Dividing every logit by T divides the maximum, the gap ``max(z) - z_i`` and the standard deviation
alike, so the kept set is the same at every T > 0: temperature only reweights the survivors.
Top-p and min-p read the *tempered* probabilities and widen as T rises.

>>> z = np.array([5.0, 4.0, 0.0, -1.0, -2.0])
>>> top_n_sigma_mask(z, 1.0).tolist(), top_n_sigma_mask(z / 3, 1.0).tolist()
([True, True, False, False, False], [True, True, False, False, False])
"""

from __future__ import annotations

import numpy as np

__all__ = ["top_n_sigma_mask", "top_n_sigma_threshold"]


def top_n_sigma_threshold(logits, n: float, temperature: float = 1.0) -> np.ndarray:
    """``max(z / T) - n * std(z / T)`` per row (finite logits only, population std)."""
    z = _scaled(logits, temperature)
    return z.max(axis=-1) - n * z.std(axis=-1)


def top_n_sigma_mask(logits, n: float, temperature: float = 1.0) -> np.ndarray:
    """True for the tokens top-nσ keeps; the arg-max is always kept."""
    if isinstance(n, bool) or not isinstance(n, (int, float, np.floating)) or not (np.isfinite(n) and n >= 0):
        raise ValueError(f"n must be a finite number >= 0, got {n!r}")
    z = _scaled(logits, temperature)
    threshold = z.max(axis=-1, keepdims=True) - n * z.std(axis=-1, keepdims=True)
    return z >= threshold


def _scaled(logits, temperature) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim == 0 or z.shape[-1] == 0 or not np.all(np.isfinite(z)):
        raise ValueError("logits must be a non-empty array of finite numbers")
    if not (isinstance(temperature, (int, float, np.floating)) and np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}")
    return z / temperature
