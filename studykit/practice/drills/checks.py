"""How each drill is checked: named edge cases, random cases (hypothesis) and, where the answer is a
random draw, a statistical test. Every expected value comes from the kit's own functions.

For each drill, :data:`SPECS` gives

* ``edge_cases``: named inputs an interviewer would try (ties, extreme temperatures, -inf logits, a
  vocabulary of one, batches), as ``(label, args)``;
* ``cases``: a hypothesis strategy of argument tuples, for random cases that are shrunk to a minimal
  failing input;
* ``reference(args)``: what the kit computes for those arguments (an array, a number, or whatever
  ``compare`` needs to judge a random draw);
* ``compare(args, expected, actual)``: None, or one sentence on what is wrong. Floating-point values
  are compared with tolerances, never digit for digit; filters whose kept set is ambiguous (tied
  probabilities at the boundary, a running total within rounding of p) accept any of the right sets;
* ``statistical``: for drills that return random draws, tests of the draws' distribution (see
  :data:`ALPHA` for the false-alarm rate).

The chapter's modules (``studykit.maths.sampling`` imports torch) load on first use, inside the checker,
never when the practice half is imported.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
from hypothesis import strategies as st

from .catalog import BY_ID

# Each statistical test rejects a correct implementation with probability ALPHA (chi-square
# goodness of fit at significance ALPHA). A drill runs STAT_TESTS[drill] such tests, so a correct
# solution fails its statistical checks with probability at most STAT_TESTS * ALPHA (Bonferroni):
# 4e-4 for sampling, 6e-4 for speculative sampling. The seeds are fixed, so for one solution the
# verdict is repeatable; the bound is over solutions that use the generator differently.
ALPHA = 1e-4
DRAWS = 3000  # per distribution: enough to see a temperature ignored or a residual skipped

INF = math.inf
REL = 1e-9  # relative slack for a running total or a threshold decided at the boundary


@dataclass(frozen=True)
class StatResult:
    """A statistical check that failed: what was drawn and what was expected."""

    label: str
    arguments: str
    expected: str
    actual: str
    reason: str


@dataclass(frozen=True)
class Spec:
    arg_names: tuple[str, ...]
    edge_cases: Callable[[], list[tuple[str, tuple]]]
    cases: Callable[[], st.SearchStrategy]
    reference: Callable[[tuple], Any]
    compare: Callable[[tuple, Any, Any], str | None]
    statistical: Callable[[Callable, int], StatResult | None] | None = None  # (run, draws)
    stat_tests: int = 0
    show_expected: Callable[[tuple, Any], str] | None = None  # how to print the expected value
    checks: tuple[str, ...] = field(default=())  # what is checked, in words, stored with an attempt


# --- formatting ------------------------------------------------------------------------------------

def fmt(value) -> str:
    if isinstance(value, np.random.Generator):
        return "rng"
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return fmt(value.item())
        if value.ndim > 1:
            return "[" + ", ".join(fmt(row) for row in value) + "]"
        shown = [_number(x) for x in value[:40]]
        return "[" + ", ".join(shown) + (", ...]" if value.size > 40 else "]")
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.9g}"
    if isinstance(value, tuple):
        return "(" + ", ".join(fmt(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    return repr(value)


def _number(x) -> str:
    """One array entry, on one line: 6 significant digits, ints as ints."""
    if isinstance(x, (np.integer, int, np.bool_)):
        return str(x)
    return f"{float(x):.6g}"


def fmt_args(names: Sequence[str], args: tuple) -> str:
    return ", ".join(f"{n}={fmt(a)}" for n, a in zip(names, args))


# --- comparing results -----------------------------------------------------------------------------

def as_float_array(actual, shape) -> tuple[np.ndarray | None, str | None]:
    try:
        array = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"returned {fmt(actual)}, expected a float array of shape {shape}"
    if array.shape != tuple(shape):
        return None, f"returned shape {array.shape}, expected shape {tuple(shape)}"
    return array, None


def array_problem(expected: np.ndarray, actual, *, rtol=1e-6, atol=1e-9) -> str | None:
    """None when ``actual`` matches ``expected`` within tolerances; -inf must be -inf exactly."""
    expected = np.asarray(expected, dtype=np.float64)
    array, problem = as_float_array(actual, expected.shape)
    if problem:
        return problem
    where = lambda mask: np.unravel_index(int(np.argmax(mask)), expected.shape)  # noqa: E731
    bad = np.isnan(array)
    if bad.any():
        i = where(bad)
        return f"nan at index {_index(i)} (an overflow, or inf - inf?); expected {fmt(expected[i])}"
    bad = np.isneginf(expected) != np.isneginf(array)
    if bad.any():
        i = where(bad)
        return f"at index {_index(i)}: expected {fmt(expected[i])}, got {fmt(array[i])}"
    finite = np.isfinite(expected)
    bad = finite & ~(np.isfinite(array) & np.isclose(array, expected, rtol=rtol, atol=atol))
    if bad.any():
        i = where(bad)
        return f"at index {_index(i)}: expected {fmt(expected[i])}, got {fmt(array[i])}"
    return None


def scalar_problem(expected: float, actual, *, rtol=1e-6, atol=1e-9) -> str | None:
    try:
        value = float(np.asarray(actual, dtype=np.float64).reshape(()))
    except (TypeError, ValueError):
        return f"returned {fmt(actual)}, expected one number"
    if math.isnan(value):
        return f"returned nan (an overflow, or 0 * log 0?); expected {expected:.9g}"
    if not (math.isfinite(value) and math.isclose(value, expected, rel_tol=rtol, abs_tol=atol)):
        return f"returned {value:.9g}, expected {expected:.9g}"
    return None


def token_id(actual, vocab: int) -> tuple[int | None, str | None]:
    if isinstance(actual, (bool, np.bool_)):
        return None, f"returned {actual!r}, expected a token id (an int)"
    try:
        value = operator.index(np.asarray(actual).item() if isinstance(actual, np.ndarray) and actual.ndim == 0
                               else actual)
    except (TypeError, ValueError):
        return None, f"returned {fmt(actual)}, expected a token id (an int)"
    if not 0 <= value < vocab:
        return None, f"returned token {value}, outside the vocabulary [0, {vocab})"
    return int(value), None


def _index(i) -> str:
    return str(int(i[0])) if len(i) == 1 else str(tuple(int(j) for j in i))


def top_set_problem(logits: np.ndarray, actual, bands: Sequence[tuple[int, int]]) -> str | None:
    """``actual`` keeps a top set of each row whose size lies in the row's band, logits unchanged.

    Tied logits can go either way: any kept token must score at least as high as any dropped one.
    """
    array, problem = as_float_array(actual, logits.shape)
    if problem:
        return problem
    rows_in, rows_out = np.atleast_2d(logits), np.atleast_2d(array)
    for r, (row, out, (low, high)) in enumerate(zip(rows_in, rows_out, bands)):
        where = f" in row {r}" if logits.ndim == 2 else ""
        if np.isnan(out).any():
            return f"nan at index {int(np.argmax(np.isnan(out)))}{where}"
        kept = np.isfinite(out)
        changed = kept & ~np.isclose(out, row, rtol=1e-12, atol=0)
        if changed.any():
            i = int(np.argmax(changed))
            return f"a kept logit changed{where}: index {i} holds {fmt(out[i])}, the input {fmt(row[i])}"
        if (np.isposinf(out)).any():
            return f"+inf in the result{where}"
        count = int(kept.sum())
        if not low <= count <= high:
            want = f"{low}" if low == high else f"{low} to {high}"
            return (f"kept {count} token(s){where}: {fmt(np.flatnonzero(kept))}; expected {want} "
                    f"(the most likely ones)")
        dropped = np.isfinite(row) & ~kept
        lowest_kept, highest_dropped = (row[kept].min(), row[dropped].max()) if count and dropped.any() else (0, 0)
        if count and dropped.any() and lowest_kept < highest_dropped - 1e-9 * max(1.0, abs(highest_dropped)):
            i, j = int(np.flatnonzero(kept)[np.argmin(row[kept])]), int(np.flatnonzero(dropped)[np.argmax(row[dropped])])
            return f"kept token {i} (logit {fmt(row[i])}) but dropped the more likely token {j} (logit {fmt(row[j])}){where}"
    return None


# --- random inputs ---------------------------------------------------------------------------------

def _element(scale: float, neg_inf: bool) -> st.SearchStrategy:
    # Quarter steps: exact in binary, readable when a case is printed, and tied values are common
    # (where filters go wrong). Shrinking moves towards 0.
    finite = st.integers(-int(4 * scale), int(4 * scale)).map(lambda i: i / 4)
    if not neg_inf:
        return finite
    # One value in ten is -inf; shrinking goes towards the finite choice (index 0), never to -inf.
    return st.tuples(finite, st.integers(0, 9)).map(lambda t: -INF if t[1] == 9 else t[0])


@st.composite
def logits_arrays(draw, *, max_vocab=7, batch=True, scale=30.0, neg_inf=True, min_vocab=1):
    vocab = draw(st.integers(min_vocab, max_vocab))
    rows = draw(st.integers(1, 3)) if batch and draw(st.booleans()) else None
    shape = (vocab,) if rows is None else (rows, vocab)
    flat = draw(st.lists(_element(scale, neg_inf), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    z = np.array(flat, dtype=np.float64).reshape(shape)
    rows_2d = np.atleast_2d(z)
    for row in rows_2d:
        if not np.isfinite(row).any():
            row[-1] = 0.0  # every row needs one finite logit
    return rows_2d.reshape(shape)


TEMPERATURES = st.one_of(st.floats(0.05, 20.0), st.sampled_from([1.0, 1e-3, 1e3]))


def _probs(draw, vocab, *, zeros=True) -> np.ndarray:
    weights = np.array(draw(st.lists(st.integers(0 if zeros else 1, 9), min_size=vocab, max_size=vocab)), float)
    if weights.sum() == 0:
        weights[-1] = 1.0
    return weights / weights.sum()


# --- the drills ------------------------------------------------------------------------------------

def _softmax(logits, temperature=1.0):
    from ...maths.sampling import softmax  # the chapter's own function (imports torch: loaded on first use)
    return softmax(np.asarray(logits, dtype=np.float64), temperature)


BIG = np.array([1000.0, 999.0, -1000.0])


def _softmax_spec() -> Spec:
    def edge():
        return [
            ("large logits (no overflow)", (BIG.copy(), 1.0)),
            ("very negative logits (no underflow to 0/0)", (np.array([-1000.0, -1001.0]), 1.0)),
            ("-inf is probability 0", (np.array([0.0, -INF, 1.0]), 1.0)),
            ("a vocabulary of one", (np.array([3.0]), 1.0)),
            ("ties share the mass", (np.array([2.0, 2.0, 0.0]), 1.0)),
            ("T = 0.001 is nearly greedy", (np.array([1.0, 2.0, 0.5]), 1e-3)),
            ("T = 1000 is nearly uniform", (np.array([1.0, 2.0, 0.5]), 1e3)),
            ("a batch: each row on its own", (np.array([[0.0, 1.0, 2.0], [5.0, 5.0, -INF]]), 0.7)),
        ]

    return Spec(("logits", "temperature"), edge,
                lambda: st.tuples(logits_arrays(scale=1000.0), TEMPERATURES),
                lambda a: _softmax(a[0], a[1]), lambda a, e, x: array_problem(e, x),
                checks=("rows sum to 1 and match softmax(logits / T)", "large logits, -inf, V = 1, ties",
                        "T = 0.001 and T = 1000", "batches"))


def _log_softmax_ref(logits):
    import torch
    return torch.log_softmax(torch.as_tensor(np.asarray(logits, dtype=np.float64)), dim=-1).numpy()


def _log_softmax_spec() -> Spec:
    def edge():
        return [
            ("a probability that underflows: log of it is still finite", (np.array([0.0, 1000.0]),)),
            ("large logits (no overflow)", (BIG.copy(),)),
            ("-inf stays -inf", (np.array([0.0, -INF, 2.0]),)),
            ("a vocabulary of one", (np.array([-7.0]),)),
            ("a batch: each row on its own", (np.array([[0.0, 1.0], [1000.0, -1000.0]]),)),
        ]

    return Spec(("logits",), edge, lambda: st.tuples(logits_arrays(scale=1000.0)),
                lambda a: _log_softmax_ref(a[0]), lambda a, e, x: array_problem(e, x, rtol=1e-9, atol=1e-9),
                checks=("matches log softmax", "underflow and overflow", "-inf, V = 1, batches"))


def _cross_entropy_ref(logits, targets):
    import torch
    z = torch.as_tensor(np.asarray(logits, dtype=np.float64))
    return float(torch.nn.functional.cross_entropy(z, torch.as_tensor(np.asarray(targets, dtype=np.int64))))


@st.composite
def _cross_entropy_cases(draw):
    rows, vocab = draw(st.integers(1, 4)), draw(st.integers(1, 6))
    z = np.array(draw(st.lists(st.lists(_element(1000.0, True), min_size=vocab, max_size=vocab),
                               min_size=rows, max_size=rows)), dtype=np.float64)
    targets = np.array(draw(st.lists(st.integers(0, vocab - 1), min_size=rows, max_size=rows)), dtype=np.int64)
    picked = z[np.arange(rows), targets]
    z[np.arange(rows), targets] = np.where(np.isfinite(picked), picked, 0.0)  # a target is always possible
    return z, targets


def _cross_entropy_spec() -> Spec:
    def edge():
        return [
            ("a target whose probability underflows: the loss is 1000, not inf",
             (np.array([[0.0, 1000.0]]), np.array([0]))),
            ("large logits (no overflow)", (np.array([[1000.0, 999.0]]), np.array([0]))),
            ("a batch: the mean over rows, each with its own target",
             (np.array([[2.0, 0.0, -1.0], [0.0, 3.0, 0.0]]), np.array([0, 2]))),
            ("-inf logits that are not targets", (np.array([[1.0, -INF, 0.0]]), np.array([2]))),
            ("a vocabulary of one: the loss is 0", (np.array([[4.0], [-2.0]]), np.array([0, 0]))),
        ]

    return Spec(("logits", "targets"), edge, _cross_entropy_cases,
                lambda a: _cross_entropy_ref(*a), lambda a, e, x: scalar_problem(e, x, rtol=1e-9, atol=1e-9),
                checks=("mean NLL of the targets", "stable for extreme logits", "batches, -inf, V = 1"))


def _warp(logits, **kw):
    from ...maths.sampling import warp
    return warp(np.asarray(logits, dtype=np.float64), **kw)


def _kept_count(logits, **kw) -> np.ndarray:
    from ...maths.sampling import kept_mask
    return np.atleast_1d(kept_mask(np.asarray(logits, dtype=np.float64), **kw).sum(axis=-1))


def _top_k_spec() -> Spec:
    def edge():
        return [
            ("ties at the k-th value are all kept", (np.array([3.0, 1.0, 2.0, 2.0, 0.0]), 2)),
            ("k larger than the vocabulary keeps everything", (np.array([0.5, -1.0, 2.0]), 5)),
            ("k = 1 keeps the arg-max", (np.array([0.0, 4.0, 1.0]), 1)),
            ("-inf logits stay -inf", (np.array([-INF, 1.0, -INF, 0.0]), 3)),
            ("a vocabulary of one", (np.array([2.0]), 1)),
            ("a batch: k per row", (np.array([[0.0, 1.0, 2.0], [9.0, 8.0, 7.0]]), 2)),
        ]

    @st.composite
    def cases(draw):
        z = draw(logits_arrays(scale=5.0))
        return z, draw(st.integers(1, z.shape[-1] + 2))

    return Spec(("logits", "k"), edge, cases, lambda a: _warp(a[0], top_k=a[1]),
                lambda a, e, x: array_problem(e, x, rtol=0, atol=0),
                checks=("the k highest logits and every tie with the k-th", "k > V", "-inf, V = 1, batches"))


def _top_p_bands(logits, p, min_keep) -> list[tuple[int, int]]:
    counts = _kept_count(logits, top_p=p) if p < 1 else None
    bands = []
    for r, row in enumerate(np.atleast_2d(logits)):
        finite = int(np.isfinite(row).sum())
        if p >= 1:
            low = high = finite
        else:
            mass = np.cumsum(np.sort(_softmax(row))[::-1][:finite])
            low = int(np.searchsorted(mass, p * (1 - REL))) + 1  # first count whose mass reaches p
            high = int(np.searchsorted(mass, p * (1 + REL))) + 1
            low, high = min(low, int(counts[r]), finite), min(max(high, int(counts[r])), finite)
        keep = min(min_keep, finite)
        bands.append((max(low, keep), max(high, keep)))
    return bands


def _top_p_spec() -> Spec:
    def edge():
        return [
            ("the token that crosses p is kept (probabilities 0.5, 0.3, 0.2)", (np.log(np.array([0.5, 0.3, 0.2])), 0.6, 1)),
            ("p = 1 keeps every finite token", (np.array([0.0, -1.0, -2.0, -INF]), 1.0, 1)),
            ("a tiny p keeps only the arg-max", (np.array([0.0, 3.0, 1.0]), 0.01, 1)),
            ("min_tokens_to_keep overrides p", (np.array([5.0, 0.0, -1.0, -2.0]), 0.5, 3)),
            ("ties at the boundary: the count must be right (probabilities 0.4, 0.2, 0.2, 0.2)",
             (np.log(np.array([0.4, 0.2, 0.2, 0.2])), 0.7, 1)),
            ("-inf logits stay -inf", (np.array([-INF, 1.0, 0.0, -INF]), 0.9, 1)),
            ("a vocabulary of one", (np.array([1.5]), 0.3, 1)),
            ("a batch: each row its own nucleus", (np.array([[3.0, 0.0, 0.0], [1.0, 1.0, 1.0]]), 0.8, 1)),
        ]

    @st.composite
    def cases(draw):
        z = draw(logits_arrays(scale=4.0))
        p = draw(st.one_of(st.floats(0.01, 1.0), st.just(1.0)))
        return z, p, draw(st.integers(1, 4))

    def compare(a, expected_bands, actual):
        return top_set_problem(a[0], actual, expected_bands)

    return Spec(("logits", "p", "min_tokens_to_keep"), edge, cases, lambda a: _top_p_bands(*a), compare,
                show_expected=lambda a, bands: "keep the " + " / ".join(
                    f"{lo}" if lo == hi else f"{lo}-{hi}" for lo, hi in bands) + " most likely token(s)",
                checks=("the smallest top set reaching p", "the crossing token kept", "p = 1, min_tokens_to_keep",
                        "ties, -inf, V = 1, batches"))


def _min_p_bands(logits, min_p, min_keep) -> list[tuple[int, int]]:
    counts = _kept_count(logits, min_p=min_p)
    bands = []
    for r, row in enumerate(np.atleast_2d(logits)):
        finite = int(np.isfinite(row).sum())
        probs = _softmax(row)
        threshold = min_p * probs.max()
        low = int((probs > threshold * (1 + REL)).sum()) if min_p > 0 else finite
        high = int((probs >= threshold * (1 - REL)).sum()) if min_p > 0 else finite
        low, high = min(low, int(counts[r])), max(high, int(counts[r]))
        keep = min(min_keep, finite)
        bands.append((max(low, keep), min(max(high, keep), finite)))
    return bands


def _min_p_spec() -> Spec:
    def edge():
        return [
            ("relative to the top probability, not absolute (probabilities 0.3, 0.3, 0.2, 0.2)",
             (np.log(np.array([0.3, 0.3, 0.2, 0.2])), 0.5, 1)),
            ("a threshold on probabilities, not logits", (np.array([4.0, 3.0, 1.0, -2.0]), 0.3, 1)),
            ("min_p = 0 keeps every finite token", (np.array([0.0, -30.0, -INF]), 0.0, 1)),
            ("min_p = 1 keeps the tied maxima", (np.array([2.0, 2.0, 1.0]), 1.0, 1)),
            ("min_tokens_to_keep overrides min_p", (np.array([9.0, 0.0, -1.0]), 0.9, 2)),
            ("a vocabulary of one", (np.array([0.25]), 0.5, 1)),
            ("a batch: each row its own threshold", (np.array([[0.0, -0.5, -3.0], [0.0, 0.0, 0.0]]), 0.5, 1)),
        ]

    @st.composite
    def cases(draw):
        z = draw(logits_arrays(scale=4.0))
        return z, draw(st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 0.1, 1.0]))), draw(st.integers(1, 4))

    return Spec(("logits", "min_p", "min_tokens_to_keep"), edge, cases, lambda a: _min_p_bands(*a),
                lambda a, bands, x: top_set_problem(a[0], x, bands),
                show_expected=lambda a, bands: "keep the " + " / ".join(
                    f"{lo}" if lo == hi else f"{lo}-{hi}" for lo, hi in bands) + " most likely token(s)",
                checks=("p >= min_p * p_max", "min_p = 0 and 1, min_tokens_to_keep", "ties, -inf, V = 1, batches"))


# --- draws: sampling and speculative sampling ------------------------------------------------------

def _draw_problem(args, probs, actual) -> str | None:
    token, problem = token_id(actual, len(probs))
    if problem:
        return problem
    if probs[token] == 0:
        return f"drew token {token}, whose probability is 0 (a -inf logit or a token that cannot occur)"
    return None


SAMPLING_DISTRIBUTIONS = (
    ("T = 1", np.array([2.0, 1.0, 0.0, -1.0]), 1.0),
    ("T = 0.5 sharpens", np.array([2.0, 1.0, 0.0, -1.0]), 0.5),
    ("T = 2 flattens", np.array([2.0, 1.0, 0.0, -1.0]), 2.0),
    ("large logits and a -inf token", np.array([1000.0, 999.0, -INF, 998.5]), 1.0),
)


def _chi_square_failure(label, arguments, counts, probs, what) -> StatResult | None:
    from ...maths.stats import chi_square_test
    result = chi_square_test(counts, probs)
    if result.p_value >= ALPHA:
        return None
    return StatResult(
        label, arguments, f"counts near {fmt(np.round(probs * counts.sum(), 1))} ({what})",
        f"counts {fmt(counts.astype(int))} out of {int(counts.sum())}",
        f"chi-square {result.statistic:.1f} on {result.dof} degrees of freedom, p = {result.p_value:.2g} "
        f"< {ALPHA:g}: these draws do not follow {what}")


def _sampling_statistical(run, draws: int = DRAWS) -> StatResult | None:
    # Reproducible: the same seed must give the same tokens (and only the generator given is used).
    first = [o for o in run([(SAMPLING_DISTRIBUTIONS[0][1], 1.0, rng) for rng in [np.random.default_rng(7)] * 20])]
    second = [o for o in run([(SAMPLING_DISTRIBUTIONS[0][1], 1.0, rng) for rng in [np.random.default_rng(7)] * 20])]
    for outcomes in (first, second):
        if any(not o.ok for o in outcomes):
            bad = next(o for o in outcomes if not o.ok)
            return StatResult("reproducible with a seeded generator", "20 calls sharing rng = default_rng(7)",
                              "token ids", bad.message, bad.message)
    a, b = [o.value for o in first], [o.value for o in second]
    if [token_id(v, 4)[0] for v in a] != [token_id(v, 4)[0] for v in b]:
        return StatResult("reproducible with a seeded generator",
                          f"logits={fmt(SAMPLING_DISTRIBUTIONS[0][1])}, temperature=1.0, 20 calls with "
                          "rng = np.random.default_rng(7), twice", f"the same tokens both times: {a}", f"{b}",
                          "the same seed gave different tokens: draw from rng, not np.random's global state")
    for seed, (label, logits, temperature) in enumerate(SAMPLING_DISTRIBUTIONS, start=1):
        rng = np.random.default_rng(seed)
        outcomes = list(run([(logits, temperature, rng)] * draws, time_limit=10.0))
        arguments = (f"logits={fmt(logits)}, temperature={temperature:g}, {draws} calls sharing "
                     f"rng = np.random.default_rng({seed})")
        probs = _softmax(logits, temperature)
        tokens = []
        for o in outcomes:
            problem = o.message if not o.ok else _draw_problem(None, probs, o.value)
            if problem:
                return StatResult(f"draws follow softmax(logits / T): {label}", arguments, "valid token ids",
                                  o.describe(), problem)
            tokens.append(token_id(o.value, len(probs))[0])
        counts = np.bincount(tokens, minlength=len(probs)).astype(float)
        failure = _chi_square_failure(f"draws follow softmax(logits / T): {label}", arguments, counts, probs,
                                      "softmax(logits / T)")
        if failure:
            return failure
    return None


def _sampling_spec() -> Spec:
    def edge():
        return [
            ("-inf tokens are never drawn", (np.array([-INF, 0.0, -INF]), 1.0, np.random.default_rng(0))),
            ("large logits (no overflow)", (np.array([1000.0, -1000.0]), 1.0, np.random.default_rng(1))),
            ("T = 0.001 picks the arg-max", (np.array([0.0, 1.0, 0.5]), 1e-3, np.random.default_rng(2))),
            ("a vocabulary of one", (np.array([5.0]), 2.0, np.random.default_rng(3))),
        ]

    @st.composite
    def cases(draw):
        z = draw(logits_arrays(batch=False, scale=50.0))
        return z, draw(TEMPERATURES), np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    def reference(a):
        return _softmax(a[0], a[1])

    def compare(a, probs, actual):
        problem = _draw_problem(a, probs, actual)
        if problem is None and a[1] <= 1e-3 and probs.max() > 1 - 1e-12 and token_id(actual, len(probs))[0] != int(np.argmax(probs)):
            return f"drew token {token_id(actual, len(probs))[0]}; at this temperature only the arg-max {int(np.argmax(probs))} has any mass"
        return problem

    return Spec(("logits", "temperature", "rng"), edge, cases, reference, compare,
                statistical=_sampling_statistical, stat_tests=len(SAMPLING_DISTRIBUTIONS),
                show_expected=lambda a, probs: f"a token with probability > 0 under softmax(logits / T) = {fmt(probs)}",
                checks=("a valid token with probability > 0", "-inf never drawn, large logits, V = 1",
                        "same seed, same tokens", f"chi-square on {DRAWS} draws at T = 0.5, 1, 2"))


SPECULATIVE_PAIRS = (
    ("a draft that over-proposes token 3", np.array([0.5, 0.3, 0.2, 0.0]), np.array([0.2, 0.3, 0.1, 0.4])),
    ("target and draft disagree on the top token", np.array([0.1, 0.6, 0.3]), np.array([0.6, 0.1, 0.3])),
    ("a peaked draft for a flat target", np.array([0.25, 0.25, 0.25, 0.25]), np.array([0.7, 0.1, 0.1, 0.1])),
)


def _speculative_statistical(run, draws: int = DRAWS) -> StatResult | None:
    from ...maths.speculative import acceptance_probability, output_distribution
    for seed, (label, p, q) in enumerate(SPECULATIVE_PAIRS, start=11):
        drafts = np.random.default_rng(seed).choice(len(q), size=draws, p=q)
        rng = np.random.default_rng(seed + 100)
        outcomes = list(run([(p, q, int(x), rng) for x in drafts], time_limit=10.0))
        arguments = (f"p={fmt(p)}, q={fmt(q)}, {draws} steps, draft tokens drawn from q, "
                     f"rng = np.random.default_rng({seed + 100}) shared")
        tokens, accepted = [], []
        for x, o in zip(drafts, outcomes):
            problem = o.message if not o.ok else _step_problem((p, q, int(x)), o.value)
            if problem:
                return StatResult(f"one step: {label}", arguments, "(token, accepted)", o.describe(), problem)
            tokens.append(token_id(o.value[0], len(p))[0])
            accepted.append(bool(o.value[1]))
        target = output_distribution(p, q)  # the kit's: exactly p
        failure = _chi_square_failure(f"emitted tokens follow p: {label}", arguments,
                                      np.bincount(tokens, minlength=len(p)).astype(float), target,
                                      "the target p")
        if failure:
            return failure
        alpha = acceptance_probability(p, q)
        n_acc = sum(accepted)
        failure = _chi_square_failure(f"acceptance rate is sum min(p, q) = {alpha:.2f}: {label}", arguments,
                                      np.array([n_acc, draws - n_acc], dtype=float), np.array([alpha, 1 - alpha]),
                                      f"an acceptance rate of {alpha:.2f}")
        if failure:
            return failure
    return None


def _step_problem(a, actual) -> str | None:
    p, q, x = a[0], a[1], a[2]
    if not (isinstance(actual, (tuple, list)) and len(actual) == 2):
        return f"returned {fmt(actual)}, expected a pair (token, accepted)"
    token, problem = token_id(actual[0], len(p))
    if problem:
        return problem
    if not isinstance(actual[1], (bool, np.bool_)):
        return f"accepted is {fmt(actual[1])}, expected True or False"
    accepted = bool(actual[1])
    if accepted and token != x:
        return f"accepted the draft token {x} but returned token {token}"
    if p[x] >= q[x] and not accepted:
        return f"rejected draft token {x} although p[{x}] = {fmt(p[x])} >= q[{x}] = {fmt(q[x])} (accept with min(1, p/q) = 1)"
    if p[x] == 0 and accepted:
        return f"accepted draft token {x} whose target probability p[{x}] is 0"
    if not accepted and p[token] <= q[token]:
        return (f"after a rejection returned token {token}, where p - q = {fmt(p[token] - q[token])} <= 0; "
                "resample from max(0, p - q)")
    return None


def _speculative_spec() -> Spec:
    def edge():
        rng = np.random.default_rng(5)
        return ([("p(x) >= q(x): always accepted", (np.array([0.6, 0.4]), np.array([0.5, 0.5]), 0, rng))] * 10
                + [("p(x) = 0: always rejected, resampled where p > q",
                    (np.array([0.0, 0.5, 0.5]), np.array([0.5, 0.5, 0.0]), 0, rng))] * 10
                + [("p = q: every draft accepted", (np.array([0.2, 0.8]), np.array([0.2, 0.8]), 1, rng))] * 5
                + [("a vocabulary of one", (np.array([1.0]), np.array([1.0]), 0, rng))])

    @st.composite
    def cases(draw):
        vocab = draw(st.integers(1, 6))
        p, q = _probs(draw, vocab), _probs(draw, vocab)
        x = draw(st.sampled_from([int(i) for i in np.flatnonzero(q > 0)]))
        return p, q, x, np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    return Spec(("p", "q", "draft_token", "rng"), edge, cases, lambda a: None,
                lambda a, _, x: _step_problem(a, x), statistical=_speculative_statistical,
                stat_tests=2 * len(SPECULATIVE_PAIRS),
                show_expected=lambda a, _: "accept x with probability min(1, p[x]/q[x]), else a token where p > q",
                checks=("accepted when p(x) >= q(x), never when p(x) = 0", "rejections resample where p > q",
                        f"chi-square on {DRAWS} steps: tokens follow p, acceptance rate sum min(p, q)"))


def _beam_reference(beam_scores, next_log_probs, beam_width):
    from ...maths.beam import beam_search
    # One step of the kit's beam search from a root whose children are every (beam, token) pair,
    # each with probability exp(beam score + token log-probability); impossible pairs are left out.
    totals = np.asarray(beam_scores, dtype=np.float64)[:, None] + np.asarray(next_log_probs, dtype=np.float64)
    table = {(): {(b, t): math.exp(totals[b, t]) for b, t in zip(*np.nonzero(np.isfinite(totals)))}}
    best = beam_search(table, beam_width=int(beam_width), steps=1)
    return np.array([h.log_prob for h in best])


def _beam_compare(a, expected, actual) -> str | None:
    beam_scores, next_lp, width = a
    if not (isinstance(actual, (tuple, list)) and len(actual) == 3):
        return f"returned {fmt(actual)}, expected (scores, beam_ids, token_ids)"
    scores, problem = as_float_array(actual[0], (width,))
    if problem:
        return "scores: " + problem
    try:
        beams, tokens = np.asarray(actual[1]), np.asarray(actual[2])
        if beams.shape != (width,) or tokens.shape != (width,) or beams.dtype.kind not in "iu" or tokens.dtype.kind not in "iu":
            raise ValueError
    except ValueError:
        return f"beam_ids and token_ids must be int arrays of length {width}, got {fmt(actual[1])} and {fmt(actual[2])}"
    B, V = next_lp.shape
    if beams.min() < 0 or beams.max() >= B or tokens.min() < 0 or tokens.max() >= V:
        return f"beam_ids {fmt(beams)} / token_ids {fmt(tokens)} out of range (B = {B}, V = {V})"
    pairs = list(zip(beams.tolist(), tokens.tolist()))
    if len(set(pairs)) < len(pairs):
        return f"the same (beam, token) pair twice: {pairs}"
    true = beam_scores[beams] + next_lp[beams, tokens]
    bad = ~np.isclose(scores, true, rtol=1e-9, atol=1e-9)
    if bad.any():
        i = int(np.argmax(bad))
        return (f"score {fmt(scores[i])} for (beam {beams[i]}, token {tokens[i]}), whose total log-prob is "
                f"beam_scores[{beams[i]}] + next_log_probs[{beams[i]}, {tokens[i]}] = {fmt(true[i])}")
    problem = array_problem(expected, scores, rtol=1e-9, atol=1e-9)
    if problem:
        return f"not the {width} best extensions, best first: scores {fmt(scores)}, expected {fmt(expected)}"
    return None


def _beam_spec() -> Spec:
    def lp(*rows):
        with np.errstate(divide="ignore"):  # log 0 = -inf: an impossible token
            return np.log(np.array(rows, dtype=np.float64))

    def edge():
        return [
            ("two children of one beam beat the other beam", (np.log([0.6, 0.4]), lp([0.5, 0.5], [0.9, 0.1]), 2)),
            ("the beam's own score counts, not only the next token",
             (np.log([0.9, 0.1]), lp([0.4, 0.6], [0.0 + 1e-9, 1 - 1e-9]), 2)),
            ("ties: any order, the right scores", (np.log([0.5, 0.5]), lp([0.5, 0.5], [0.5, 0.5]), 3)),
            ("one beam (the first step)", (np.array([0.0]), lp([0.1, 0.2, 0.3, 0.4]), 2)),
            ("more tokens than beams: flat index = b * V + t",
             (np.log([0.7, 0.3]), lp([0.1, 0.2, 0.7], [0.05, 0.05, 0.9]), 3)),
            ("-inf: an impossible token is never chosen", (np.log([0.5, 0.5]), lp([1.0, 0.0], [0.0, 1.0]), 2)),
            ("beam_width = every candidate", (np.log([0.3, 0.7]), lp([0.25, 0.75], [0.5, 0.5]), 4)),
        ]

    @st.composite
    def cases(draw):
        beams, vocab = draw(st.integers(1, 3)), draw(st.integers(1, 4))
        scores = np.array(draw(st.lists(st.floats(-20.0, 0.0), min_size=beams, max_size=beams)))
        z = np.array(draw(st.lists(st.lists(st.floats(-10.0, 10.0), min_size=vocab, max_size=vocab),
                                   min_size=beams, max_size=beams)))
        next_lp = _log_softmax_ref(z)
        width = draw(st.integers(1, beams * vocab))
        return scores, next_lp, width

    return Spec(("beam_scores", "next_log_probs", "beam_width"), edge, cases, lambda a: _beam_reference(*a),
                _beam_compare, checks=("the beam_width best of all B x V extensions, best first",
                                       "scores add in log space", "ties, -inf, one beam"))


def _repetition_spec() -> Spec:
    def reference(a):
        from ...maths.penalties import repetition_penalty
        return repetition_penalty(np.asarray(a[0], dtype=np.float64), list(a[1]), float(a[2]))

    def edge():
        return [
            ("a negative logit is multiplied (made less likely)", (np.array([2.0, -2.0, 1.0]), [1], 2.0)),
            ("a token seen three times is penalised once", (np.array([3.0, 1.0]), [0, 0, 0], 1.5)),
            ("no history changes nothing", (np.array([1.0, -1.0]), [], 1.3)),
            ("penalty 1 changes nothing", (np.array([2.0, -3.0, 0.5]), [0, 1, 2], 1.0)),
            ("a penalty below 1 encourages repeats", (np.array([2.0, -2.0]), [0, 1], 0.5)),
            ("-inf stays -inf", (np.array([-INF, 1.0]), [0, 1], 1.2)),
            ("a vocabulary of one", (np.array([0.5]), [0], 1.2)),
        ]

    @st.composite
    def cases(draw):
        z = draw(logits_arrays(batch=False, scale=10.0))
        ids = draw(st.lists(st.integers(0, z.shape[0] - 1), max_size=8))
        return z, ids, draw(st.one_of(st.floats(0.1, 5.0), st.sampled_from([1.0, 1.2, 2.0])))

    return Spec(("logits", "previous_ids", "penalty"), edge, cases, reference,
                lambda a, e, x: array_problem(e, x, rtol=1e-12, atol=1e-12),
                checks=("seen positive logits divided, negative multiplied", "once per token", "penalty 1, < 1, -inf"))


def _pass_at_k_spec() -> Spec:
    def reference(a):
        from ...maths.passk import pass_at_k
        return pass_at_k(*a)

    def edge():
        return [
            ("no correct sample: 0", (10, 0, 3)),
            ("every sample correct: 1", (5, 5, 2)),
            ("k = 1 is the fraction correct", (10, 3, 1)),
            ("thousands of samples (no overflow)", (2000, 7, 100)),
        ]

    @st.composite
    def cases(draw):
        n = draw(st.integers(1, 60))
        return n, draw(st.integers(0, n)), draw(st.integers(1, n))

    return Spec(("n", "c", "k"), edge, cases, reference, lambda a, e, x: scalar_problem(e, x, rtol=1e-9, atol=1e-12),
                checks=("1 - C(n - c, k) / C(n, k)", "c = 0, c = n, k = 1", "n in the thousands"))


def _distillation_spec() -> Spec:
    def reference(a):
        from ...maths.distillation import soft_target_loss
        return float(soft_target_loss(a[0], a[1], a[2]))

    def edge():
        z, v = np.array([[1.0, 0.0, -1.0]]), np.array([[2.0, 0.5, -2.0]])
        return [
            ("T = 1 is the plain soft cross-entropy", (z, v, 1.0)),
            ("T = 4: both models softened, loss times T^2", (z, v, 4.0)),
            ("equal uniform logits: T^2 log V", (np.zeros((1, 4)), np.zeros((1, 4)), 3.0)),
            ("large logits (no overflow, no 0 * log 0)", (np.array([[500.0, -500.0]]), np.array([[500.0, -500.0]]), 1.0)),
            ("a batch: the mean over rows", (np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 3.0]]),
                                               np.array([[0.0, 1.0], [1.0, 1.0], [2.0, -2.0]]), 2.0)),
        ]

    @st.composite
    def cases(draw):
        rows, vocab = draw(st.integers(1, 3)), draw(st.integers(2, 5))
        grid = st.lists(st.lists(st.floats(-20.0, 20.0), min_size=vocab, max_size=vocab), min_size=rows, max_size=rows)
        return (np.array(draw(grid)), np.array(draw(grid)),
                draw(st.one_of(st.floats(0.5, 10.0), st.sampled_from([1.0, 2.0]))))

    return Spec(("student_logits", "teacher_logits", "temperature"), edge, cases, reference,
                lambda a, e, x: scalar_problem(e, x, rtol=1e-7, atol=1e-9),
                checks=("T^2 x mean soft cross-entropy", "teacher and student both at T", "large logits, batches"))


SPECS: dict[str, Spec] = {
    "drill-softmax-temperature": _softmax_spec(),
    "drill-log-softmax": _log_softmax_spec(),
    "drill-cross-entropy": _cross_entropy_spec(),
    "drill-top-k": _top_k_spec(),
    "drill-top-p": _top_p_spec(),
    "drill-min-p": _min_p_spec(),
    "drill-sample-token": _sampling_spec(),
    "drill-beam-step": _beam_spec(),
    "drill-repetition-penalty": _repetition_spec(),
    "drill-speculative-step": _speculative_spec(),
    "drill-pass-at-k": _pass_at_k_spec(),
    "drill-distillation-loss": _distillation_spec(),
}
assert set(SPECS) == set(BY_ID), "every drill needs its checks"
