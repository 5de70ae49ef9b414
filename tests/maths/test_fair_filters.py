"""fair_filters: kept counts agree with studykit.maths.sampling, matching finds the target, bad input is named."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from studykit.maths import sampling
from studykit.maths.fair_filters import RankedPositions, match_mean_kept

ROWS = arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(2, 30)), unique=True,
              elements=st.floats(-15, 15, allow_nan=False, allow_infinity=False))
FAST = settings(max_examples=60, deadline=None)


def _boundary_free(rows, T, top_p):
    mass = np.cumsum(np.sort(sampling.softmax(rows, T), axis=1)[:, ::-1], axis=1)
    return np.abs(mass - top_p).min() > 1e-6


@FAST
@given(ROWS, st.floats(0.2, 5.0), st.integers(1, 30), st.floats(0.05, 0.99), st.floats(0.001, 0.9))
def test_kept_counts_match_sampling_kept_mask(rows, T, k, top_p, min_p):
    ranked = RankedPositions(rows, T)
    assert (ranked.kept_counts(top_k=k) == sampling.kept_mask(rows, temperature=T, top_k=k).sum(axis=1)).all()
    if _boundary_free(rows, T, top_p):
        assert (ranked.kept_counts(top_p=top_p) == sampling.kept_mask(rows, temperature=T, top_p=top_p).sum(axis=1)).all()
    expected_min_p = sampling.kept_mask(rows, temperature=T, min_p=min_p).sum(axis=1)
    assert np.abs(ranked.kept_counts(min_p=min_p) - expected_min_p).max() <= 1  # float32 storage may move a token at the boundary


def test_reference_kept_and_implausible_mass_on_a_small_example():
    logits = np.log(np.array([[0.5, 0.3, 0.1999, 0.0001], [0.25, 0.25, 0.25, 0.25]]))
    ranked = RankedPositions(logits, 1.0, next_ids=[2, 3])
    assert ranked.reference_rank.tolist() == [2, 3]
    assert ranked.reference_kept(top_k=2).tolist() == [False, False]
    assert ranked.reference_kept(top_k=4).tolist() == [True, True]
    # Only token 3 of row 0 is below 1e-3; with all four kept it holds 0.0001 of the mass.
    assert np.allclose(ranked.implausible_mass(top_k=4, threshold=1e-3), [1e-4, 0.0], atol=1e-7)
    assert np.allclose(ranked.kept_mass_at_temperature(top_k=2), [0.8, 0.5], atol=1e-6)


@pytest.mark.parametrize("name", ["top_p", "min_p"])
def test_match_mean_kept_reaches_the_target(name):
    rows = np.random.default_rng(0).normal(0, 3, size=(50, 400))
    ranked = RankedPositions(rows, 2.0)
    value = match_mean_kept(ranked, name, 40.0)
    assert abs(ranked.kept_counts(**{name: value}).mean() - 40.0) < 1.0


@pytest.mark.parametrize("call, message", [
    (lambda r: r.kept_counts(), "exactly one"),
    (lambda r: r.kept_counts(top_k=2, top_p=0.5), "exactly one"),
    (lambda r: r.kept_counts(top_k=0), "top_k must be an integer >= 1"),
    (lambda r: r.kept_counts(top_p=1.5), r"top_p must be a number in \(0, 1\]"),
    (lambda r: r.reference_kept(top_k=1), "needs next_ids"),
    (lambda r: match_mean_kept(r, "top_k", 2), "filter_name must be"),
    (lambda r: match_mean_kept(r, "top_p", 0), "target must be"),
    (lambda r: r.implausible_mass(top_k=1, threshold=2), "threshold must be in"),
])
def test_bad_input_names_the_argument(call, message):
    ranked = RankedPositions(np.array([[1.0, 2.0, 3.0]]), 1.0)
    with pytest.raises(ValueError, match=message):
        call(ranked)


@pytest.mark.parametrize("args, message", [
    ((np.zeros(3), 1.0), "shape"),
    ((np.zeros((2, 3)), 0.0), "temperature must be"),
    ((np.zeros((2, 3)), 1.0, [0]), "one token per position"),
])
def test_bad_construction_is_named(args, message):
    with pytest.raises(ValueError, match=message):
        RankedPositions(*args)
