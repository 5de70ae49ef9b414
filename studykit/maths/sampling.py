"""Temperature, top-k, top-p and min-p as small pure functions on numpy arrays.

A language model gives one score (logit) per vocabulary token. Sampling turns the
scores into probabilities and draws a token; the knobs reshape the distribution first:

* temperature ``T`` divides the logits: ``T < 1`` sharpens, ``T > 1`` flattens;
* top-k keeps the ``k`` highest scores (and every token tied with the k-th);
* top-p keeps the smallest set of most likely tokens whose mass reaches ``p``;
* min-p keeps tokens at least ``min_p`` times as likely as the most likely one.

They run in the order transformers' ``generate()`` uses: temperature, top-k, top-p,
min-p. A removed token gets the score ``-inf``, i.e. probability 0.

Conventions
-----------
* ``logits`` is a real array of shape ``(V,)`` or ``(B, V)`` (a batch of rows); lists
  are accepted. ``-inf`` marks an impossible token. NaN, ``+inf`` and a row of only
  ``-inf`` are rejected with ``ValueError``, as are out-of-range parameters.
* float32 logits are worked on in float32, as ``generate()`` does with a model's scores,
  and give float32 results; any other input is worked on and returned in float64. Token
  ids are int64 and entropies float64. Inputs are never modified.
* The division by ``T`` runs in torch's kernel, the one transformers' warper uses: the
  results are bit-identical to numpy's division, but it uses every core.

Where this deliberately differs from transformers 5
---------------------------------------------------
* ``temperature=0`` is allowed and means its limit, greedy decoding: only the arg-max
  token(s) survive, tied maxima share the mass equally. transformers raises instead.
* ``top_p=1.0`` keeps every token, as ``generate()`` does (it adds no top-p warper for
  1.0). A bare ``TopPLogitsWarper(1.0)`` would also drop tokens whose probability
  underflows to exactly 0, which changes no probability but would change ``kept_mask``.
* ``top_k=0`` and ``top_p=0`` are errors; ``generate()`` reads ``top_k=0`` as "off"
  (use ``None`` here) and transformers' own check lets ``top_p=0`` through.
* A group of tied tokens straddling the top-p boundary is split by token id (lower
  ids go first, as in a stable ascending sort; this also applies to tied maxima left
  by ``temperature=0``). transformers splits the same number of tokens off the group,
  but which ones depends on torch's sort, which keeps ties in order only up to 16 tokens.
* Top-p decides an exact boundary in the working precision, as transformers does: for
  probabilities (0.1, 0.2, 0.7) and ``top_p=0.9`` float64 keeps all three (1 - 0.9
  rounds to just below 0.1) and float32 two. On a full vocabulary a mass within
  rounding error of the boundary may still be summed in a different order than torch's.
"""

from __future__ import annotations

import contextlib
import math
import numbers

import numpy as np
import torch

__all__ = ["softmax", "warp", "kept_mask", "sample", "entropy", "effective_vocabulary"]


# ----------------------------------------------------------------------------- the concepts


def softmax(logits, temperature=1.0, *, check_finite=True):
    """Probabilities ``softmax(logits / temperature)`` along the last axis.

    ``temperature=0`` is the limit T -> 0: all mass on the arg-max, shared equally by
    tied maxima. ``check_finite`` as in :func:`warp`.

    >>> softmax([1.0, 2.0, 3.0]).round(4)
    array([0.09  , 0.2447, 0.6652])
    >>> softmax([1.0, 2.0, 3.0], temperature=10).round(4)
    array([0.3006, 0.3322, 0.3672])
    >>> softmax([1.0, 3.0, 3.0], temperature=0)
    array([0. , 0.5, 0.5])
    """
    scores = _as_real_array(logits, "logits")
    with _logits_reported_first(scores):
        temperature = _check_temperature(temperature)
        check_finite = _check_flag(check_finite, "check_finite")
    return _softmax_rows(_apply_temperature(scores, temperature, check_finite))


def warp(logits, *, temperature=1.0, top_k=None, top_p=None, min_p=None, check_finite=True):
    """The logits after temperature, top-k, top-p and min-p, in ``generate()``'s order.

    Kept tokens hold ``logits / temperature``; removed ones hold ``-inf``, as
    transformers' warpers leave them. With ``temperature=0`` the arg-max token(s) hold
    ``0.0`` (equal scores, so tied maxima stay equally likely) and all others ``-inf``.
    ``None`` switches a filter off. Returns an array of the input's shape.

    ``check_finite=False`` skips the one check that reads every logit (NaN, +inf, a row of
    only -inf, and ``logits / T`` overflowing), as scipy's ``check_finite`` does: for logits
    already checked, e.g. this function's own output or a slider's fixed row. Given bad
    logits the result is then undefined. Parameters are always checked.

    >>> warp([1.0, 2.0, 3.0, 4.0], temperature=2.0, top_k=2)
    array([-inf, -inf,  1.5,  2. ])
    >>> warp([1.0, 2.0, 3.0, 4.0], top_p=0.9)  # mass of the top 3 is 0.968 >= 0.9
    array([-inf,   2.,   3.,   4.])
    >>> warp([1.0, 2.0, 3.0, 4.0], min_p=0.3)  # keep p >= 0.3 * p_max
    array([-inf, -inf,   3.,   4.])
    >>> warp([1.0, 4.0, 2.0, 4.0], temperature=0)
    array([-inf,   0., -inf,   0.])
    """
    scores = _as_real_array(logits, "logits")
    with _logits_reported_first(scores):
        temperature = _check_temperature(temperature)
        top_k = _check_top_k(top_k)
        top_p = _check_fraction(top_p, "top_p", low_open=True)
        min_p = _check_fraction(min_p, "min_p", low_open=False)
        check_finite = _check_flag(check_finite, "check_finite")

    scores = _apply_temperature(scores, temperature, check_finite)  # also checks the logits
    if top_k is not None:
        scores = _keep_top_k(scores, top_k)
    if top_p is not None and top_p < 1.0:  # generate() adds no top-p warper for 1.0
        scores = _keep_top_p(scores, top_p)
    if min_p is not None:
        scores = _keep_min_p(scores, min_p)
    return scores


def kept_mask(logits, *, temperature=1.0, top_k=None, top_p=None, min_p=None):
    """Boolean mask, True for the tokens that survive :func:`warp` (same arguments).

    >>> kept_mask([1.0, 2.0, 3.0, 4.0], top_k=2)
    array([False, False,  True,  True])
    >>> int(kept_mask([0.0] * 5 + [1.0], top_k=1, temperature=0.5).sum())
    1
    """
    return np.isfinite(warp(logits, temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p))


def sample(logits, *, temperature=1.0, top_k=None, top_p=None, min_p=None, num_samples=1, seed=None):
    """Draw token ids from the warped distribution ``softmax(warp(logits, ...))``.

    Returns int64 ids of shape ``(num_samples,)`` for ``(V,)`` logits and
    ``(B, num_samples)`` for ``(B, V)`` logits; draws are independent (with
    replacement). ``seed`` is ``None``, an int (``np.random.default_rng(seed)``) or a
    ``np.random.Generator``, which is advanced. Removed tokens are never drawn.

    >>> sample([0.0, 5.0, 1.0], num_samples=4, seed=0, temperature=0)
    array([1, 1, 1, 1])
    >>> sample([[0.0, 1.0, 2.0], [3.0, 0.0, 0.0]], top_k=1, num_samples=3, seed=0)
    array([[2, 2, 2],
           [0, 0, 0]])
    """
    num_samples = _check_num_samples(num_samples)
    rng = _check_seed(seed)
    probs = _softmax_rows(warp(logits, temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p))
    rows = np.atleast_2d(probs)
    ids = _inverse_cdf(rows, rng.random((rows.shape[0], num_samples)))
    return ids[0] if probs.ndim == 1 else ids


def entropy(probs):
    """Shannon entropy in nats along the last axis, with ``0 * log 0 = 0``.

    ``probs`` is a distribution of shape ``(V,)`` or ``(B, V)`` (non-negative, rows
    summing to 1 within 1e-6); returns a float64 scalar or shape ``(B,)``.

    >>> round(float(entropy([0.25, 0.25, 0.25, 0.25])), 6)  # log 4
    1.386294
    >>> float(entropy([0.0, 1.0, 0.0]))
    0.0
    """
    p = _as_probs(probs)
    terms = np.zeros_like(p)
    np.log(p, out=terms, where=p > 0)  # log only where p > 0: 0 * log 0 counts as 0
    np.multiply(p, terms, out=terms)
    return -terms.sum(axis=-1) + 0.0  # + 0.0 turns -0.0 (one-hot rows) into 0.0


def effective_vocabulary(probs):
    """``exp(entropy)``: how many equally likely tokens would be as uncertain (perplexity).

    A uniform choice among k tokens gives exactly k; a certain choice gives 1.

    >>> round(float(effective_vocabulary([0.5, 0.5, 0.0, 0.0])), 6)
    2.0
    >>> round(float(effective_vocabulary(softmax([2.0, 1.0, 0.0]))), 3)
    2.299
    """
    return np.exp(entropy(probs))


# ----------------------------------------------------------------------------- the steps
# Inputs here are already validated real arrays with at least one finite value per row.
# _apply_temperature always makes a new array; the filters after it remove tokens from that
# array in place (never from the caller's).


def _working_dtype(logits):
    """float32 stays float32 (a model's own scores; half the memory traffic); all else float64."""
    return np.float32 if logits.dtype == np.float32 else np.float64


def _apply_temperature(logits, temperature, check_finite=True):
    """A new array ``logits / temperature`` in the working dtype, after checking the logits (as _as_logits).

    The caller's array is never modified.
    """
    dtype = _working_dtype(logits)
    if temperature == 0:
        if check_finite:
            _as_logits(logits)
        # The limit T -> 0: only the arg-max survives; equal scores keep tied maxima equal.
        is_max = logits == logits.max(axis=-1, keepdims=True)
        return np.where(is_max, 0.0, -np.inf).astype(dtype)
    # torch's division kernel, the one transformers' warper runs: correctly rounded like numpy's (the
    # results are bit-identical) but vectorised over all cores, where numpy's divide uses one. Its
    # result keeps the input's memory layout, as np.divide's would; the array shares its memory.
    scores = torch.div(_readable_tensor(logits, dtype), temperature).numpy()
    # One read checks everything: the sum is finite only if every entry is (NaN, +inf or -inf make it
    # NaN or infinite). Only a failing sum pays for finding out why.
    if check_finite and not math.isfinite(torch.from_numpy(scores).sum()):
        _check_scaled(logits, scores, temperature)
    return scores


def _readable_tensor(array, dtype):
    """A torch tensor that reads ``array`` in ``dtype`` without copying where torch can share the memory."""
    if array.dtype != dtype or not array.flags.writeable or min(array.strides, default=0) < 0:
        # torch cannot view read-only memory (it warns) or negative strides; ints and halves convert.
        array = np.array(array, dtype=dtype)
    return torch.from_numpy(array)


def _check_scaled(logits, scores, temperature):
    """Why ``scores = logits / temperature`` has a non-finite entry: bad logits, or an overflow."""
    _as_logits(logits)  # NaN, +inf or an all -inf row in the logits is reported first
    # What is left are finite logits that became +-inf or NaN: T is too small for them (float32 may
    # even round it to 0), or the sum overflowed on huge but finite scores, which is fine.
    if (~np.isfinite(scores) & np.isfinite(logits)).any():
        raise ValueError(
            f"temperature={temperature!r} is too small for these logits: logits / temperature "
            f"overflows {np.dtype(scores.dtype).name} (use temperature=0 for greedy)"
        )


def _softmax_rows(scores):
    # Subtracting the row maximum makes the largest exponent exp(0) = 1: no overflow, no 0/0.
    # In place on one new array: a slider redraw computes several softmaxes over the vocabulary.
    weights = scores - scores.max(axis=-1, keepdims=True)
    np.exp(weights, out=weights)
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights


def _inverse_cdf(probs, uniforms):
    """Per row of ``probs``, the first token whose cumulative mass exceeds each u in [0, 1)."""
    cdf = np.cumsum(probs, axis=-1, dtype=np.float64)  # float64: no token loses its width to rounding
    cdf /= cdf[:, -1:]  # the last entry becomes exactly 1.0 > u: u always lands on a token
    # side="right": a token of probability 0 adds no width to the CDF, so no u can pick it.
    return np.stack([np.searchsorted(c, u, side="right") for c, u in zip(cdf, uniforms)]).astype(np.int64)


def _keep_top_k(scores, top_k):
    top_k = min(top_k, scores.shape[-1])  # as transformers: k beyond the vocabulary keeps all
    # Compare by value, so every token tied with the k-th score stays.
    np.copyto(scores, -np.inf, where=scores < _kth_largest(scores, top_k))
    return scores


def _kth_largest(scores, k):
    """Each row's k-th largest score, shape (..., 1)."""
    width = scores.shape[-1] // 32
    if k * 4 > width:
        return np.partition(scores, -k, axis=-1)[..., -k, None]
    # Selecting from a whole 50k-token row is the slow part. The k-th largest of any k or more of a
    # row's scores is a lower bound for the row's own, so select from the first 1/32 of each
    # row first, then only among the scores at or above that bound: they include the row's top k.
    rows = np.atleast_2d(scores)
    bounds = np.partition(rows[:, :width], -k, axis=-1)[:, -k, None]
    is_candidate = rows >= bounds
    values, ends = rows[is_candidate], np.cumsum(is_candidate.sum(axis=-1))  # candidates, row by row
    kth = [np.partition(values[end - count : end], -k)[-k] for end, count in zip(ends, np.diff(ends, prepend=0))]
    return np.reshape(kth, scores.shape[:-1] + (1,))


def _keep_top_p(scores, top_p):
    # As transformers: sort ascending, and drop the low tail whose total mass is at most
    # 1 - top_p; what is left is the smallest top set whose mass reaches top_p.
    rows = np.atleast_2d(scores)
    probs = _softmax_rows(rows)
    drop = np.stack([_top_p_drop(row, row_probs, top_p) for row, row_probs in zip(rows, probs)])
    np.copyto(scores, -np.inf, where=drop.reshape(scores.shape))
    return scores


# Sorting a whole 50k-token row is the slow part of top-p, and the nucleus is usually far smaller,
# so a row first tries sorting only its highest-scoring candidates, then more, then everything.
_TOP_P_CANDIDATE_COUNTS = (1024, 8192)


def _top_p_drop(scores, probs, top_p):
    """Boolean drop mask for one row."""
    drop = np.ones(scores.size, dtype=bool)
    # -inf tokens have probability 0 and come first in the ascending order: always dropped.
    finite = np.flatnonzero(scores > -np.inf)
    for count in _TOP_P_CANDIDATE_COUNTS:
        if count * 4 > finite.size:
            break
        # Candidates are every token scoring at least the count-th highest score, ties included,
        # so every other token scores strictly lower and comes before them in the ascending order.
        threshold = np.partition(scores[finite], finite.size - count)[finite.size - count]
        is_candidate = scores[finite] >= threshold
        tail_mass = probs[finite[~is_candidate]].sum()
        if tail_mass <= 1 - top_p:  # all non-candidates are dropped: the boundary is among the candidates
            candidates = finite[is_candidate]
            drop[candidates] = _top_p_drop_sorted(scores[candidates], probs[candidates], top_p, tail_mass)
            return drop
    drop[finite] = _top_p_drop_sorted(scores[finite], probs[finite], top_p, 0.0)
    return drop


def _top_p_drop_sorted(scores, probs, top_p, mass_below):
    """Drop mask over these tokens, given the mass of lower-scoring tokens already dropped."""
    order = np.argsort(scores, kind="stable")  # stable: ties split by token id
    tail_mass = mass_below + np.cumsum(probs[order])
    drop_sorted = tail_mass <= 1 - top_p
    drop_sorted[-1] = False  # the most likely token always survives
    drop = np.empty_like(drop_sorted)
    drop[order] = drop_sorted
    return drop


def _keep_min_p(scores, min_p):
    probs = _softmax_rows(scores)
    threshold = min_p * probs.max(axis=-1, keepdims=True)
    # The top token is never below min_p (<= 1) times itself, so one token always survives.
    np.copyto(scores, -np.inf, where=probs < threshold)
    return scores


# ----------------------------------------------------------------------------- validation


def _is_real_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _is_integer(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _check_temperature(temperature):
    if not _is_real_number(temperature) or not np.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature must be a finite number >= 0 (0 means greedy), got {temperature!r}")
    return float(temperature)


def _check_top_k(top_k):
    if top_k is None:
        return None
    if not _is_integer(top_k) or top_k < 1:
        raise ValueError(f"top_k must be a positive integer (>= 1) or None, got {top_k!r}")
    return int(top_k)


def _check_fraction(value, name, *, low_open):
    """top_p lives in (0, 1] and min_p in [0, 1], as in transformers."""
    if value is None:
        return None
    interval = "(0, 1]" if low_open else "[0, 1]"
    if not _is_real_number(value) or not (0 <= value <= 1) or (low_open and value == 0):
        raise ValueError(f"{name} must be a number in {interval} or None, got {value!r}")
    return float(value)


def _check_flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _check_num_samples(num_samples):
    if not _is_integer(num_samples) or num_samples < 1:
        raise ValueError(f"num_samples must be a positive integer (>= 1), got {num_samples!r}")
    return int(num_samples)


def _check_seed(seed):
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (_is_integer(seed) and seed >= 0):
        return np.random.default_rng(seed)
    raise ValueError(f"seed must be None, an integer >= 0 or a numpy Generator, got {seed!r}")


def _as_real_array(values, name):
    try:
        array = np.asarray(values)
    except (ValueError, TypeError) as err:  # e.g. ragged nested lists
        raise ValueError(f"{name} must be an array of real numbers, shape (V,) or (B, V): {err}") from None
    if array.dtype.kind not in "iuf":
        raise ValueError(f"{name} must hold real numbers (int or float), got dtype {array.dtype}")
    if array.ndim not in (1, 2):
        raise ValueError(f"{name} must have shape (V,) or (B, V), got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    # Not copied or converted here: callers only read it, and the first step that computes
    # (_apply_temperature, or entropy's conversion) makes a new array.
    return array


def _as_logits(logits):
    z = _as_real_array(logits, "logits")
    _check_row_maxima(z.max(axis=-1))
    return z


@contextlib.contextmanager
def _logits_reported_first(logits):
    """Bad parameters raise after a bad logits array is reported, as when the logits were checked first."""
    try:
        yield
    except ValueError:
        _as_logits(logits)
        raise


def _check_row_maxima(row_max):
    # One pass over the data finds all three problems: a row's max is NaN if the row holds a
    # NaN, +inf if it holds +inf, and -inf only if every entry is -inf.
    if np.isnan(row_max).any():
        raise ValueError("logits must not contain NaN")
    if np.isposinf(row_max).any():
        raise ValueError("logits must not contain +inf (-inf is allowed and means probability 0)")
    if np.isneginf(row_max).any():
        raise ValueError("logits must have a finite value in every row (a row of only -inf is no distribution)")


def _as_probs(probs):
    p = np.asarray(_as_real_array(probs, "probs"), dtype=np.float64)  # read only: no copy needed
    # The smallest value is NaN if any is; with none, the extremes tell whether all are finite and >= 0.
    lowest, highest = p.min(), p.max()
    if np.isnan(lowest):
        raise ValueError("probs must not contain NaN")
    if not np.isfinite(highest) or lowest < 0:
        raise ValueError("probs must be finite and >= 0 (pass softmax(logits), not logits)")
    sums = p.sum(axis=-1)
    if not np.allclose(sums, 1.0, rtol=0, atol=1e-6):
        raise ValueError(f"probs must sum to 1 along the last axis (within 1e-6), got sums {sums}")
    return p
