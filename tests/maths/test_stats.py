"""Bootstrap intervals and the chi-square test, against closed forms and their defining properties."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from studykit.maths import stats


@given(st.floats(0.01, 60))
def test_chi_square_sf_matches_closed_forms(x):
    assert math.isclose(stats.chi_square_sf(x, 1), math.erfc(math.sqrt(x / 2)), rel_tol=1e-9, abs_tol=1e-15)
    assert math.isclose(stats.chi_square_sf(x, 2), math.exp(-x / 2), rel_tol=1e-9, abs_tol=1e-15)
    assert math.isclose(stats.chi_square_sf(x, 4), math.exp(-x / 2) * (1 + x / 2), rel_tol=1e-9, abs_tol=1e-15)


def test_chi_square_test_accepts_draws_from_the_distribution_and_rejects_others():
    rng = np.random.default_rng(1)
    probs = np.array([0.5, 0.3, 0.15, 0.05])
    counts = np.bincount(rng.choice(4, size=4000, p=probs), minlength=4)
    assert stats.chi_square_test(counts, probs).p_value > 0.01
    assert stats.chi_square_test(counts, [0.25] * 4).p_value < 1e-10


def test_chi_square_pools_small_bins_and_flags_impossible_counts():
    result = stats.chi_square_test([45, 44, 7, 4], [0.45, 0.45, 0.06, 0.04])  # expected 4 joins the 6
    assert result.bins == 3 and result.dof == 2
    assert stats.chi_square_test([5, 5, 1], [0.5, 0.5, 0.0]).p_value == 0.0


@pytest.mark.parametrize("observed, probs, message", [
    ([1, 2], [0.5, 0.3], "sum to 1"),
    ([1, 2, 3], [0.5, 0.5], "same length"),
    ([0, 0], [0.5, 0.5], "no counts"),
    ([-1, 2], [0.5, 0.5], "counts >= 0"),
])
def test_chi_square_bad_input_names_the_problem(observed, probs, message):
    with pytest.raises(ValueError, match=message):
        stats.chi_square_test(observed, probs)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-100, 100), min_size=2, max_size=30))
def test_bootstrap_interval_contains_the_estimate_and_lies_within_the_data(values):
    interval = stats.bootstrap_ci(values, n_resamples=200)
    assert min(values) - 1e-9 <= interval.low <= interval.estimate + 1e-9
    assert interval.estimate - 1e-9 <= interval.high <= max(values) + 1e-9


def test_bootstrap_interval_covers_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    hits = sum(stats.bootstrap_ci(rng.normal(3.0, 1.0, size=40), n_resamples=400, seed=i).excludes(3.0) is False
               for i in range(200))
    assert 0.88 <= hits / 200 <= 0.99


def test_paired_difference_resamples_units_together():
    a = np.arange(20.0)
    b = a - 1.0  # differs by exactly 1 on every unit: a paired interval has no width
    interval = stats.bootstrap_diff_ci(a, b, n_resamples=200)
    assert np.allclose([interval.estimate, interval.low, interval.high], 1.0)
    with pytest.raises(ValueError, match="pair up"):
        stats.bootstrap_diff_ci(a, b[:5])


def test_rows_of_a_two_dimensional_array_are_resampled_whole():
    per_prompt = np.array([[1.0, 1.0], [0.0, 0.0], [1.0, 1.0]])
    interval = stats.bootstrap_ci(per_prompt, np.mean, n_resamples=300)
    assert math.isclose(interval.estimate, 2 / 3)


def test_groups_are_resampled_whole_however_unequal_their_sizes():
    # Three ones in one group, one zero in the other: every resample is a mix of whole groups, so the
    # pooled mean can only be 0, 1 or the share set by the group sizes (3 of 4 -> 0.75).
    groups = [np.ones(3), np.zeros(1)]
    seen = set()
    interval = stats.bootstrap_groups_ci(groups, lambda gs: seen.add(float(np.mean(np.concatenate(gs)))) or 0.0,
                                         n_resamples=200)
    assert interval.estimate == 0.0
    assert seen == {0.0, 1.0, 0.75}


@settings(max_examples=20, deadline=None)
@given(st.lists(st.lists(st.floats(-100, 100), min_size=1, max_size=5), min_size=2, max_size=10))
def test_groups_of_one_value_each_give_the_plain_bootstrap(values):
    # With one value per group, resampling groups is resampling values: the same seed, the same interval.
    groups = [np.array([v[0]]) for v in values]
    pooled = stats.bootstrap_groups_ci(groups, lambda gs: float(np.mean(np.concatenate(gs))), n_resamples=200)
    plain = stats.bootstrap_ci([v[0] for v in values], n_resamples=200)
    assert np.allclose([pooled.estimate, pooled.low, pooled.high], [plain.estimate, plain.low, plain.high])


def test_groups_bootstrap_pairs_whatever_a_group_holds():
    # A group may be a pair (before, after): a paired difference that is exactly 1 everywhere has no width.
    pairs = [(np.arange(n, dtype=float), np.arange(n, dtype=float) - 1) for n in (1, 3, 5, 2)]
    diff = stats.bootstrap_groups_ci(pairs, lambda ps: float(np.concatenate([a for a, _ in ps]).mean()
                                                             - np.concatenate([b for _, b in ps]).mean()),
                                     n_resamples=200)
    assert np.allclose([diff.estimate, diff.low, diff.high], 1.0)


def test_groups_bootstrap_needs_two_groups():
    with pytest.raises(ValueError, match="at least 2 groups"):
        stats.bootstrap_groups_ci([np.ones(3)], lambda gs: 0.0)


@pytest.mark.parametrize("values, kwargs, message", [
    ([1.0], {}, "at least 2 units"),
    ([1.0, float("nan")], {}, "NaN"),
    ([1.0, 2.0], {"n_resamples": 10}, "n_resamples"),
    ([1.0, 2.0], {"confidence": 95}, "confidence"),
])
def test_bootstrap_bad_input_names_the_argument(values, kwargs, message):
    with pytest.raises(ValueError, match=message):
        stats.bootstrap_ci(values, **kwargs)


def test_chapter_prose_is_running_text_only():
    from studykit.studies import reference

    paragraphs = reference.chapter_prose_paragraphs()
    assert len(paragraphs) >= 20
    assert not any(p.startswith(("Q1.", "Rubric:", "Follow-ups:", "import ", "model =")) for p in paragraphs)
    assert paragraphs[0].startswith("Imagine you’re at a bustling marketplace")


# --- shares of few texts: Wilson intervals ------------------------------

def test_wilson_interval_on_zero_counts_is_not_a_point():
    zero = stats.wilson_interval(0, 36)
    assert zero.estimate == 0 and zero.low == 0
    assert zero.high == pytest.approx(1.959963984540054 ** 2 / (36 + 1.959963984540054 ** 2))  # closed form at 0
    assert 0.09 < zero.high < 0.10
    full = stats.wilson_interval(36, 36)
    assert full.high == 1 and full.low == pytest.approx(1 - zero.high)


def test_wilson_interval_matches_a_published_value():
    # Newcombe (1998), Table I: 81 of 263 gives the Wilson interval 0.2553 to 0.3662.
    w = stats.wilson_interval(81, 263)
    assert w.low == pytest.approx(0.2553, abs=5e-4) and w.high == pytest.approx(0.3662, abs=5e-4)


def test_wilson_interval_covers_the_true_share_about_95_percent_of_the_time():
    rng = np.random.default_rng(1)
    for true in (0.02, 0.2, 0.5):
        counts = rng.binomial(36, true, size=4000)
        covered = np.mean([stats.wilson_interval(int(k), 36).low <= true <= stats.wilson_interval(int(k), 36).high
                           for k in counts])
        assert 0.92 < covered < 0.99, (true, covered)


@pytest.mark.parametrize("successes, n", [(-1, 5), (6, 5), (1, 0), (1.5, 4)])
def test_wilson_interval_rejects_impossible_counts(successes, n):
    with pytest.raises(ValueError):
        stats.wilson_interval(successes, n)


def test_binomial_tail_is_the_exact_sum_and_a_test_of_chance():
    # independent expectation: the complement of P(X <= 4) by hand for Binomial(21, 1/21)
    p = 1 / 21
    below = sum(math.comb(21, k) * p**k * (1 - p) ** (21 - k) for k in range(5))
    assert stats.binomial_tail(5, 21, p) == pytest.approx(1 - below, rel=1e-9)
    assert stats.binomial_tail(0, 21, p) == pytest.approx(1.0)
    assert stats.binomial_tail(21, 21, 0.5) == pytest.approx(0.5**21)
    assert stats.binomial_tail(3, 10, 0.0) == 0.0 and stats.binomial_tail(10, 10, 1.0) == 1.0
    with pytest.raises(ValueError, match="successes and n must be whole counts"):
        stats.binomial_tail(1.5, 4, 0.5)
    with pytest.raises(ValueError, match=r"need 0 <= successes <= n"):
        stats.binomial_tail(5, 4, 0.5)
    with pytest.raises(ValueError, match="p must be a probability"):
        stats.binomial_tail(1, 4, 1.5)
