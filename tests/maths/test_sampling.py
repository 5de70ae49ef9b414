"""studykit.maths.sampling: examples, shapes, the sampler's statistics, and numerical safety."""

import doctest
import math

import numpy as np
import pytest

import studykit.maths.sampling as sampling
from studykit.maths.sampling import effective_vocabulary, entropy, kept_mask, sample, softmax, warp


def test_docstring_examples_run():
    result = doctest.testmod(sampling)
    assert result.attempted >= 10 and result.failed == 0


# ----------------------------------------------------------------------------- chi-square


def chi_square_survival(statistic, dof):
    """P(X >= statistic) for X ~ chi-square(dof): the regularized upper incomplete gamma Q(dof/2, statistic/2)."""
    a, x = dof / 2, statistic / 2
    if x <= 0:
        return 1.0
    log_prefactor = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:  # the series for the lower part P converges fast here
        term = total = 1 / a
        n = a
        while abs(term) > 1e-16 * abs(total):
            n += 1
            term *= x / n
            total += term
        return max(0.0, 1 - total * math.exp(log_prefactor))
    # Otherwise the continued fraction for Q (modified Lentz).
    tiny = 1e-300
    b = x + 1 - a
    c, d = 1 / tiny, 1 / b
    fraction = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1 / (d if abs(d) > tiny else tiny)
        c = b + an / c
        c = c if abs(c) > tiny else tiny
        fraction *= c * d
        if abs(c * d - 1) < 1e-16:
            break
    return math.exp(log_prefactor) * fraction


@pytest.mark.parametrize("statistic", [0.01, 0.5, 1.0, 3.84, 7.0, 20.0, 60.0])
def test_chi_square_survival_matches_closed_forms(statistic):
    # dof 1: erfc(sqrt(x/2)); dof 2: exp(-x/2); dof 4: exp(-x/2)(1 + x/2).
    assert math.isclose(chi_square_survival(statistic, 1), math.erfc(math.sqrt(statistic / 2)), rel_tol=1e-9)
    assert math.isclose(chi_square_survival(statistic, 2), math.exp(-statistic / 2), rel_tol=1e-9)
    expected = math.exp(-statistic / 2) * (1 + statistic / 2)
    assert math.isclose(chi_square_survival(statistic, 4), expected, rel_tol=1e-9)


def goodness_of_fit(token_ids, probs):
    """p-value of the chi-square test that token_ids were drawn from probs (zero-probability tokens excluded)."""
    counts = np.bincount(token_ids, minlength=len(probs))
    possible = probs > 0
    expected = len(token_ids) * probs[possible]
    statistic = float(((counts[possible] - expected) ** 2 / expected).sum())
    return chi_square_survival(statistic, int(possible.sum()) - 1)


LOGITS = np.array([2.0, 1.5, 1.0, 0.7, 0.3, 0.0, -0.4, -1.0, -1.5, -3.0])  # 10 tokens
DRAWS = 20_000
FILTERS = [{}, {"top_k": 4}, {"top_p": 0.8}, {"min_p": 0.1}, {"top_k": 7, "top_p": 0.9, "min_p": 0.05}]


@pytest.mark.parametrize("filters", FILTERS, ids=str)
@pytest.mark.parametrize("temperature", [0.7, 1.0, 1.6])
def test_sample_frequencies_match_the_warped_softmax(filters, temperature):
    token_ids = sample(LOGITS, temperature=temperature, num_samples=DRAWS, seed=1234, **filters)
    probs = softmax(warp(LOGITS, temperature=temperature, **filters))
    assert probs.sum() == pytest.approx(1.0)
    assert goodness_of_fit(token_ids, probs) > 1e-3
    removed = ~kept_mask(LOGITS, temperature=temperature, **filters)
    assert not np.isin(token_ids, np.flatnonzero(removed)).any(), "a removed token was sampled"
    # The same test has the power to see a wrong temperature, in both directions:
    wrong = softmax(warp(LOGITS, temperature=temperature * 1.25, **filters))
    assert goodness_of_fit(token_ids, wrong) < 1e-6
    drawn_too_hot = sample(LOGITS, temperature=temperature * 1.25, num_samples=DRAWS, seed=1234, **filters)
    assert goodness_of_fit(drawn_too_hot, probs) < 1e-6


def test_each_row_of_a_batch_is_sampled_from_its_own_distribution():
    rows = np.stack([LOGITS, LOGITS[::-1], np.zeros(10)])
    token_ids = sample(rows, temperature=0.9, top_p=0.95, num_samples=DRAWS, seed=7)
    assert token_ids.shape == (3, DRAWS) and token_ids.dtype == np.int64
    probs = softmax(warp(rows, temperature=0.9, top_p=0.95))
    for row_ids, row_probs in zip(token_ids, probs):
        assert goodness_of_fit(row_ids, row_probs) > 1e-3
        assert np.all(row_probs[row_ids] > 0)
    assert goodness_of_fit(token_ids[1], probs[0]) < 1e-6  # rows are not mixed up


def test_impossible_and_underflowing_tokens_are_never_drawn():
    logits = np.array([-np.inf, 0.0, -np.inf, -900.0, 0.0, -np.inf])  # exp(-900) is 0.0 in float64
    token_ids = sample(logits, num_samples=5_000, seed=0)
    assert set(np.unique(token_ids)) == {1, 4}


def test_inverse_cdf_at_the_ends_of_the_unit_interval():
    """Uniforms at 0 and just below 1 are rare in practice but must still land on a possible token."""
    below_one = np.nextafter(1.0, 0.0)
    tenths = np.full((1, 10), 0.1)  # cumulative sum 0.9999999999999999 in float64: below u
    assert sampling._inverse_cdf(tenths, np.array([[below_one]])).tolist() == [[9]]
    gaps = np.array([[0.0, 0.5, 0.0, 0.5, 0.0]])
    drawn = sampling._inverse_cdf(gaps, np.array([[0.0, 0.25, 0.5, 0.75, below_one]]))
    assert drawn.tolist() == [[1, 1, 3, 3, 3]]


def test_greedy_sampling_picks_the_argmax_and_splits_ties_evenly():
    assert set(sample(LOGITS, temperature=0, num_samples=100, seed=0)) == {0}
    tied = np.array([1.0, 5.0, 0.0, 5.0])
    token_ids = sample(tied, temperature=0, num_samples=DRAWS, seed=3)
    assert goodness_of_fit(token_ids, np.array([0.0, 0.5, 0.0, 0.5])) > 1e-3


def test_seed_makes_draws_reproducible_and_a_generator_is_advanced():
    first = sample(LOGITS, num_samples=50, seed=42)
    np.testing.assert_array_equal(first, sample(LOGITS, num_samples=50, seed=42))
    assert not np.array_equal(first, sample(LOGITS, num_samples=50, seed=43))
    rng = np.random.default_rng(42)
    np.testing.assert_array_equal(sample(LOGITS, num_samples=50, seed=rng), first)
    assert not np.array_equal(sample(LOGITS, num_samples=50, seed=rng), first)


def test_shapes_and_dtypes():
    assert sample(LOGITS, seed=0).shape == (1,)
    assert sample(LOGITS, num_samples=5, seed=0).shape == (5,)
    assert sample(LOGITS[None], num_samples=5, seed=0).shape == (1, 5)
    for logits in (LOGITS, np.stack([LOGITS] * 3), LOGITS.astype(np.float32), LOGITS.astype(np.int64).tolist()):
        shape = np.shape(logits)
        dtype = np.float32 if np.asarray(logits).dtype == np.float32 else np.float64  # float32 stays float32
        for result in (softmax(logits), softmax(logits, 0), warp(logits, top_k=3), warp(logits, temperature=0)):
            assert result.shape == shape and result.dtype == dtype
        assert kept_mask(logits, top_p=0.5).shape == shape and kept_mask(logits).dtype == bool
        assert np.shape(entropy(softmax(logits))) == shape[:-1]


def test_warp_with_no_filter_is_division_by_temperature():
    np.testing.assert_array_equal(warp(LOGITS), LOGITS)
    np.testing.assert_array_equal(warp(LOGITS, temperature=2.0), LOGITS / 2.0)
    assert kept_mask(LOGITS, top_k=len(LOGITS) + 5, top_p=1.0, min_p=0.0).all()


@pytest.mark.parametrize("layout", ["c", "fortran", "reversed", "strided", "read-only", "int16"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_division_is_numpys_bit_for_bit_in_any_memory_layout(layout, dtype):
    """warp divides with torch's kernel; the result must be exactly numpy's, in the input's layout."""
    base = np.random.default_rng(0).normal(0, 20, size=(6, 1000)).astype(dtype)
    logits = {"c": base, "fortran": np.asfortranarray(base), "reversed": base[::-1, ::-1],
              "strided": base[:, ::3], "int16": base.astype(np.int16), "read-only": base.copy()}[layout]
    logits.setflags(write=layout != "read-only")
    before = logits.copy()
    for temperature in (0.7, 0.123, 1.0, 3.3):
        result = warp(logits, temperature=temperature)
        expected = np.divide(logits, temperature, dtype=np.float32 if logits.dtype == np.float32 else np.float64)
        assert result.dtype == expected.dtype and result.flags.writeable
        np.testing.assert_array_equal(result, expected)
    if layout == "fortran":
        assert result.flags.f_contiguous  # as np.divide would lay it out
    np.testing.assert_array_equal(logits, before)


def test_read_only_logits_are_divided_without_a_warning(recwarn):
    logits = LOGITS.astype(np.float32)
    logits.setflags(write=False)
    warp(logits, temperature=0.5)
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]


@pytest.mark.parametrize("logits, temperature", [
    (np.array([1.0, 0.0], dtype=np.float32), 1e-320),  # float32 rounds T to 0: 1/0 and 0/0
    (np.array([-10.0, 1.0], dtype=np.float32), 1e-38),  # only the smallest score overflows, to -inf
    (np.array([-1e300, 1.0]), 1e-10),
])
def test_an_overflow_anywhere_in_a_row_is_refused(logits, temperature):
    with pytest.raises(ValueError, match=r"is too small for these logits: logits / temperature overflows"):
        warp(logits, temperature=temperature)


def test_huge_finite_scores_whose_sum_overflows_are_fine():
    logits = np.full(8, 3e38, dtype=np.float32)
    np.testing.assert_array_equal(warp(logits, temperature=1.0), logits)


def test_greedy_warp_keeps_tied_maxima_at_zero():
    logits = np.array([[1.0, 4.0, 4.0, -np.inf], [0.0, 0.0, 0.0, 0.0]])
    expected = np.array([[-np.inf, 0.0, 0.0, -np.inf], [0.0, 0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(warp(logits, temperature=0), expected)
    np.testing.assert_array_equal(softmax(logits, 0), [[0, 0.5, 0.5, 0], [0.25] * 4])


def test_entropy_and_effective_vocabulary():
    for k in (1, 2, 7, 50):
        uniform_over_k = np.r_[np.full(k, 1 / k), np.zeros(5)]
        assert entropy(uniform_over_k) == pytest.approx(math.log(k), abs=1e-12)
        assert effective_vocabulary(uniform_over_k) == pytest.approx(k)
    probs = softmax(LOGITS, 1.3)
    assert entropy(probs) == pytest.approx(-sum(p * math.log(p) for p in probs), rel=1e-12)
    batch = np.stack([probs, np.eye(10)[3]])
    np.testing.assert_allclose(entropy(batch), [entropy(probs), 0.0])
    assert entropy(np.eye(10)[3]) == 0.0 and not np.signbit(entropy(np.eye(10)[3]))


# ----------------------------------------------------------------------------- numerical safety

EXTREME_LOGITS = [
    np.array([1e4, -1e4, 0.0]),
    np.array([1e4, 1e4 - 1e-3, -np.inf, -1e4]),
    np.array([-1e4, -1e4, -1e4]),
    np.array([1e4]),
    np.array([-np.inf, -1e4, -np.inf]),
    np.random.default_rng(0).uniform(-1e4, 1e4, size=(3, 64)),
    np.linspace(-1e4, 1e4, 101),
]


@pytest.mark.parametrize("logits", EXTREME_LOGITS, ids=lambda a: f"shape{a.shape}")
def test_no_nan_or_inf_probability_from_temperature_1e_minus_4_to_1e4(logits):
    for temperature in np.r_[0.0, np.logspace(-4, 4, 33)]:
        for filters in ({}, {"top_k": 2}, {"top_p": 0.9}, {"min_p": 0.1}, {"top_k": 50, "top_p": 0.5, "min_p": 0.01}):
            probs = softmax(warp(logits, temperature=temperature, **filters))
            context = f"T={temperature} {filters}"
            assert np.all(np.isfinite(probs)) and np.all(probs >= 0), context
            np.testing.assert_allclose(probs.sum(axis=-1), 1.0, atol=1e-12, err_msg=context)
            assert np.all(np.isfinite(entropy(probs))), context
            assert np.all(kept_mask(logits, temperature=temperature, **filters).any(axis=-1)), context
        plain = softmax(logits, temperature)
        assert np.all(np.isfinite(plain)) and np.allclose(plain.sum(axis=-1), 1.0, atol=1e-12)
        token_ids = sample(logits, temperature=temperature, num_samples=20, seed=0)
        assert np.all((0 <= token_ids) & (token_ids < logits.shape[-1]))


def test_check_finite_false_skips_only_the_logits_check():
    """As scipy's check_finite: same result on good logits, no scan of them, parameters still checked."""
    logits = np.random.default_rng(1).normal(size=(3, 50)).astype(np.float32)
    for settings in ({"temperature": 0.7}, {"temperature": 0}, {"temperature": 1.3, "top_k": 5, "top_p": 0.8, "min_p": 0.1}):
        np.testing.assert_array_equal(warp(logits, **settings, check_finite=False), warp(logits, **settings))
    np.testing.assert_array_equal(softmax(logits, 0.5, check_finite=False), softmax(logits, 0.5))
    bad = np.array([1.0, np.nan])
    with pytest.raises(ValueError, match="NaN"):
        warp(bad)
    assert np.isnan(warp(bad, check_finite=False)).any()  # not scanned: the caller vouched for them
    with pytest.raises(ValueError, match=r"^temperature must be a finite number"):
        warp(logits, temperature=-1, check_finite=False)
    with pytest.raises(ValueError, match=r"^check_finite must be True or False, got 'no'"):
        softmax(logits, check_finite="no")
