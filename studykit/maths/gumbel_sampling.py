"""How a server draws one token per row of a batch: Gumbel-max, the exponential race, per-row T.

Three identities that let serving engines sample without a cumulative sum or a per-row loop:

* **Gumbel-max.** With ``g_i = -log(-log u_i)`` for independent uniforms ``u_i``,
  ``argmax_i (z_i / T + g_i)`` is distributed as ``softmax(z / T)``. FlashInfer's
  ``sampling_from_logits`` kernel adds Gumbel noise to the logits and takes one arg-max.
* **The exponential race.** With independent ``E_i ~ Exp(1)``, ``argmax_i p_i / E_i`` (the first
  of the "clocks" ``E_i / p_i`` to ring) is distributed as ``p``. It is Gumbel-max in disguise:
  ``log(p_i / E_i) = log p_i - log E_i``, and ``-log E`` is a Gumbel variable. vLLM's
  ``random_sample`` draws ``q.exponential_()`` and returns ``probs.div_(q).argmax()``.
* **Per-row temperature.** ``logits / T[:, None]`` divides each row by its own T, which is what
  separate calls would do, row by row.

Because the noise of row ``r`` is drawn from row ``r``'s own generator, a row's token depends only
on its logits and its seed, never on which other requests share the batch.

>>> rows = np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 5.0]])
>>> sample_gumbel_max(rows, temperatures=[1.0, 0.5], seeds=[7, 8]).tolist()
[1, 2]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["scale_rows", "gumbel_noise", "exponential_noise", "sample_gumbel_max",
           "sample_exponential_race", "gumbel_max_draws"]


def scale_rows(logits, temperatures) -> np.ndarray:
    """``logits / T[:, None]``: every row divided by its own temperature (all T > 0)."""
    logits = _as_rows(logits)
    t = np.asarray(temperatures, dtype=np.float64).reshape(-1)
    if t.shape[0] != logits.shape[0]:
        raise ValueError(f"temperatures must give one T per row: {logits.shape[0]} rows, {t.shape[0]} values")
    if not np.all(np.isfinite(t) & (t > 0)):
        raise ValueError(f"temperatures must be finite and > 0 (greedy rows take an arg-max instead), got {t}")
    return logits / t[:, None]


def gumbel_noise(size: int, seed) -> np.ndarray:
    """``size`` standard Gumbel variables ``-log(-log u)`` from a generator seeded with ``seed``."""
    u = np.random.default_rng(seed).random(size)
    # u = 0 has probability 2^-53 per draw; nudge it so that the log is finite.
    return -np.log(-np.log(np.maximum(u, np.finfo(np.float64).tiny)))


def exponential_noise(size: int, seed) -> np.ndarray:
    """``size`` Exp(1) variables from a generator seeded with ``seed``."""
    return np.random.default_rng(seed).standard_exponential(size)


def sample_gumbel_max(logits, *, temperatures=None, seeds: Sequence) -> np.ndarray:
    """One token per row: ``argmax(z / T + g)`` with row ``r``'s noise drawn from ``seeds[r]`` alone."""
    logits = _as_rows(logits)
    scaled = logits if temperatures is None else scale_rows(logits, temperatures)
    noise = np.stack([gumbel_noise(scaled.shape[1], seed) for seed in _row_seeds(seeds, scaled)])
    return np.argmax(scaled + noise, axis=1)


def sample_exponential_race(probs, *, seeds: Sequence) -> np.ndarray:
    """One token per row: ``argmax(p / E)`` with ``E ~ Exp(1)`` drawn from ``seeds[r]`` for row ``r``."""
    probs = _as_rows(probs)
    if np.any(probs < 0):
        raise ValueError("probs must be non-negative")
    noise = np.stack([exponential_noise(probs.shape[1], seed) for seed in _row_seeds(seeds, probs)])
    return np.argmax(probs / noise, axis=1)


def gumbel_max_draws(logits, *, temperature: float = 1.0, num_samples: int, seed, chunk: int = 200) -> np.ndarray:
    """``num_samples`` independent Gumbel-max draws from one row of logits (in chunks, to bound memory)."""
    z = _as_rows(logits)
    if z.shape[0] != 1:
        raise ValueError("gumbel_max_draws takes one row of logits")
    if not (np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be finite and > 0, got {temperature}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 1:
        raise ValueError(f"num_samples must be a positive integer, got {num_samples!r}")
    scaled = z[0] / temperature
    rng = np.random.default_rng(seed)
    draws = []
    for start in range(0, num_samples, chunk):
        u = np.maximum(rng.random((min(chunk, num_samples - start), scaled.size)), np.finfo(np.float64).tiny)
        draws.append(np.argmax(scaled - np.log(-np.log(u)), axis=1))
    return np.concatenate(draws)


def _as_rows(values) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueError(f"expected a (rows, vocabulary) array, got shape {array.shape}")
    return array


def _row_seeds(seeds, rows: np.ndarray) -> list:
    seeds = list(seeds)
    if len(seeds) != rows.shape[0]:
        raise ValueError(f"seeds must give one seed per row: {rows.shape[0]} rows, {len(seeds)} seeds")
    return seeds
