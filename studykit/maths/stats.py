"""Uncertainty for findings measured on samples: bootstrap intervals and a chi-square test.

A finding such as "greedy repeats in 38% of continuations" rests on a handful of prompts; a reader
should see how much it could move with other prompts. ``bootstrap_ci`` resamples the *units* the
data were drawn as (prompts, not tokens), so rows from one prompt move together.
``bootstrap_groups_ci`` does the same for groups of unequal size (e.g. the tokens of each paragraph
of a text), whose statistic is computed on the groups pooled.

>>> bootstrap_ci([0.0, 1.0, 1.0, 0.0, 1.0], seed=0)          # doctest: +ELLIPSIS
Interval(estimate=0.6, low=0.2, high=1.0, confidence=0.95)
>>> chi_square_test([48, 52], [0.5, 0.5]).p_value > 0.05
True
>>> groups = [[1.0, 1.0], [0.0], [1.0, 0.0, 1.0]]
>>> bootstrap_groups_ci(groups, lambda gs: float(np.mean(np.concatenate(gs)))).estimate
0.6666666666666666

A share counted on few texts gets a Wilson score interval (approximate) instead of a bootstrap, which
collapses to a point on zero counts ("0% [0%, 0%]" says nothing): ``wilson_interval(0, 36)`` reaches
up to about 10%. (Two shares measured on the same prompts: McNemar's exact test, in
:mod:`studykit.maths.paired_tests`.)

>>> str(wilson_interval(0, 36))
'0 [0, 0.0964]'

Pure numpy; the chi-square tail probability is the regularised upper incomplete gamma function,
computed with ``math.lgamma`` and a continued fraction (no scipy needed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence, TypeVar

import numpy as np

__all__ = ["Interval", "bootstrap_ci", "bootstrap_diff_ci", "bootstrap_groups_ci", "ChiSquare",
           "chi_square_test", "chi_square_sf", "wilson_interval"]

Group = TypeVar("Group")


@dataclass(frozen=True)
class Interval:
    """A statistic and its bootstrap percentile interval."""

    estimate: float
    low: float
    high: float
    confidence: float = 0.95

    def __str__(self) -> str:
        return f"{self.estimate:.3g} [{self.low:.3g}, {self.high:.3g}]"

    def excludes(self, value: float) -> bool:
        """Whether ``value`` lies outside the interval (a difference interval excluding 0 separates)."""
        return value < self.low or value > self.high

    def above(self, other: "Interval") -> bool:
        """Whether this interval lies entirely above ``other`` (the two do not overlap)."""
        return self.low > other.high


def bootstrap_ci(values, statistic: Callable[[np.ndarray], float] = np.mean, *,
                 n_resamples: int = 2000, confidence: float = 0.95, seed: int = 0) -> Interval:
    """Percentile bootstrap interval of ``statistic`` over the units along axis 0 of ``values``.

    ``values`` holds one entry (or one row) per independent unit, e.g. one number per prompt, or a
    (prompts, samples) array whose rows are resampled whole. NaN entries are the caller's to drop.
    """
    data = _as_units(values, "values")
    _check_options(n_resamples, confidence)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(data), size=(n_resamples, len(data)))
    replicates = np.array([statistic(data[p]) for p in picks], dtype=np.float64)
    return _interval(float(statistic(data)), replicates, confidence)


def bootstrap_diff_ci(a, b, statistic: Callable[[np.ndarray], float] = np.mean, *,
                      n_resamples: int = 2000, confidence: float = 0.95, seed: int = 0) -> Interval:
    """Interval of ``statistic(a) - statistic(b)`` for *paired* units (``a[i]`` and ``b[i]`` share
    unit i, e.g. the same prompt under two decoders): the same resampled units feed both sides."""
    first, second = _as_units(a, "a"), _as_units(b, "b")
    if len(first) != len(second):
        raise ValueError(f"a and b must pair up unit by unit, got {len(first)} and {len(second)} units")
    _check_options(n_resamples, confidence)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(first), size=(n_resamples, len(first)))
    replicates = np.array([statistic(first[p]) - statistic(second[p]) for p in picks], dtype=np.float64)
    return _interval(float(statistic(first) - statistic(second)), replicates, confidence)


def bootstrap_groups_ci(groups: Sequence[Group], statistic: Callable[[list[Group]], float], *,
                        n_resamples: int = 2000, confidence: float = 0.95, seed: int = 0) -> Interval:
    """Percentile interval of ``statistic(list_of_groups)`` over whole groups resampled with replacement.

    For data whose independent units are groups of unequal size: the tokens of one paragraph are
    not independent draws (a paragraph that is hard for the model makes all its tokens hard), so
    resampling single tokens would give intervals that are too narrow. ``statistic`` receives a
    list of groups (the originals, or a resample that may repeat some) and returns one number,
    e.g. the ECE of all their tokens pooled. A group may be any object, e.g. a pair of arrays for
    a paired difference: the same resampled groups then feed both sides.
    """
    if isinstance(groups, (str, bytes)) or len(groups) < 2:
        raise ValueError(f"groups must hold at least 2 groups to resample, got {len(groups)}")
    ids = np.arange(len(groups), dtype=np.float64)  # bootstrap_ci resamples these group ids
    return bootstrap_ci(ids, lambda picked: statistic([groups[int(i)] for i in picked]),
                        n_resamples=n_resamples, confidence=confidence, seed=seed)


@dataclass(frozen=True)
class ChiSquare:
    """Pearson's goodness-of-fit statistic, its degrees of freedom and the upper-tail p-value."""

    statistic: float
    dof: int
    p_value: float
    bins: int  # bins after pooling those with small expected counts


def chi_square_test(observed, expected_probs, *, min_expected: float = 5.0) -> ChiSquare:
    """Do ``observed`` counts fit the distribution ``expected_probs``?

    Bins whose expected count is below ``min_expected`` are pooled into one (the usual rule that
    keeps the chi-square approximation honest); if that pooled bin is itself too small it joins
    the smallest remaining bin. A small p-value says the counts did not come from that distribution.
    """
    counts = np.asarray(observed, dtype=np.float64).reshape(-1)
    probs = np.asarray(expected_probs, dtype=np.float64).reshape(-1)
    if counts.shape != probs.shape or counts.size < 2:
        raise ValueError("observed and expected_probs must be 1-D of the same length (>= 2 bins), "
                         f"got {counts.shape} and {probs.shape}")
    if np.any(counts < 0) or not np.all(np.isfinite(counts)):
        raise ValueError("observed must be finite counts >= 0")
    if np.any(probs < 0) or not np.isclose(probs.sum(), 1.0, atol=1e-6):
        raise ValueError(f"expected_probs must be >= 0 and sum to 1, got sum {probs.sum():.6g}")
    total = counts.sum()
    if total == 0:
        raise ValueError("observed holds no counts")
    if np.any((probs == 0) & (counts > 0)):
        return ChiSquare(math.inf, int(np.count_nonzero(probs)) - 1, 0.0, int(np.count_nonzero(probs)))
    expected = probs * total
    small = expected < min_expected
    obs_bins, exp_bins = list(counts[~small]), list(expected[~small])
    if small.any():
        obs_bins.append(counts[small].sum())
        exp_bins.append(expected[small].sum())
        if exp_bins[-1] < min_expected and len(exp_bins) > 1:
            j = int(np.argmin(exp_bins[:-1]))
            obs_bins[j] += obs_bins.pop()
            exp_bins[j] += exp_bins.pop()
    o, e = np.array(obs_bins), np.array(exp_bins)
    keep = e > 0
    o, e = o[keep], e[keep]
    dof = len(e) - 1
    if dof < 1:
        raise ValueError("too few counts for a chi-square test: every bin pooled into one; draw more samples")
    statistic = float(((o - e) ** 2 / e).sum())
    return ChiSquare(statistic, dof, chi_square_sf(statistic, dof), len(e))


def chi_square_sf(statistic: float, dof: int) -> float:
    """P(X >= statistic) for X ~ chi-square(dof): the regularised upper incomplete gamma Q(dof/2, x/2)."""
    if dof < 1:
        raise ValueError(f"dof must be a positive integer, got {dof!r}")
    if statistic <= 0:
        return 1.0
    return _gamma_q(dof / 2.0, statistic / 2.0)


# --- shares of few texts -------------------------------------------------------------------------

_Z95 = 1.959963984540054  # the standard normal's 97.5% quantile


def wilson_interval(successes: int, n: int, *, confidence: float = 0.95) -> Interval:
    """Wilson's score interval for a binomial share ``successes / n`` (Wilson 1927).

    Unlike a bootstrap over the texts, it does not collapse to a point at 0 or n successes: 0 of 36
    gives [0, 0.096]. It is an approximation, not an exact interval: its coverage is near the
    nominal level on average but dips below it for some true shares (to about 0.90 at n = 36).
    Only 95% is supported (no quantile function without scipy).
    """
    if isinstance(successes, bool) or isinstance(n, bool) or int(successes) != successes or int(n) != n:
        raise ValueError(f"successes and n must be whole counts, got {successes!r} and {n!r}")
    if n < 1 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n and n >= 1, got {successes} of {n}")
    if confidence != 0.95:
        raise ValueError(f"only confidence=0.95 is supported, got {confidence!r}")
    z2 = _Z95 ** 2
    share = successes / n
    centre = (share + z2 / (2 * n)) / (1 + z2 / n)
    half = _Z95 / (1 + z2 / n) * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n))
    # At 0 or n successes the bound is exactly 0 or 1; rounding must not move it.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return Interval(share, low, high, confidence)


def binomial_tail(successes: int, n: int, p: float) -> float:
    """P(X >= successes) for X ~ Binomial(n, p), summed exactly: the one-sided exact test of a share
    against a rate ``p`` (e.g. 5 hits of 21 against a random pick's 1/21 gives 0.0026).

    >>> round(binomial_tail(5, 21, 1 / 21), 4)
    0.0026
    """
    if isinstance(successes, bool) or isinstance(n, bool) or int(successes) != successes or int(n) != n:
        raise ValueError(f"successes and n must be whole counts, got {successes!r} and {n!r}")
    if n < 1 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n and n >= 1, got {successes} of {n}")
    if not 0 <= p <= 1:
        raise ValueError(f"p must be a probability in [0, 1], got {p!r}")
    return min(1.0, math.fsum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(int(successes), int(n) + 1)))


# --- helpers -------------------------------------------------------------------------------------

def _as_units(values, name: str) -> np.ndarray:
    data = np.asarray(values, dtype=np.float64)
    if data.ndim == 0 or len(data) < 2:
        raise ValueError(f"{name} must hold at least 2 units to resample, got {np.shape(values)}")
    if not np.all(np.isfinite(data)):
        raise ValueError(f"{name} contains NaN or infinity; drop those units first")
    return data


def _check_options(n_resamples: int, confidence: float) -> None:
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 100:
        raise ValueError(f"n_resamples must be an integer >= 100, got {n_resamples!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), e.g. 0.95, got {confidence!r}")


def _interval(estimate: float, replicates: np.ndarray, confidence: float) -> Interval:
    tail = (1 - confidence) / 2
    low, high = np.quantile(replicates, [tail, 1 - tail])
    return Interval(estimate, float(low), float(high), confidence)


def _gamma_q(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x) (Numerical Recipes: series below a+1, else a
    continued fraction), accurate to ~1e-12 for the a and x of chi-square tests."""
    log_prefix = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        n = a
        for _ in range(10_000):
            n += 1
            term *= x / n
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return max(0.0, 1.0 - total * math.exp(log_prefix))
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return min(1.0, math.exp(log_prefix) * h)
