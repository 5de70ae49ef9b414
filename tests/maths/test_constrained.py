"""Per-step grammar masking is not the model conditioned on the grammar; rejection sampling is."""

import doctest
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studykit.maths import constrained


def test_docstring_examples():
    assert doctest.testmod(constrained).failed == 0


@st.composite
def models_and_grammars(draw):
    """A random two-step model over a small vocabulary with an end step, and an allowed set per step."""
    seed = draw(st.integers(0, 2**32 - 1))
    vocab = draw(st.integers(2, 6))
    rng = np.random.default_rng(seed)
    first = rng.dirichlet(np.full(vocab, 0.5))
    second = rng.dirichlet(np.full(vocab, 0.5), size=vocab)          # p(x2 | x1)
    end = rng.uniform(0.05, 1, size=(vocab, vocab))                  # p(allowed end | x1, x2)
    allowed1 = draw(st.lists(st.integers(0, vocab - 1), min_size=1, max_size=vocab, unique=True))
    allowed2 = draw(st.lists(st.integers(0, vocab - 1), min_size=1, max_size=vocab, unique=True))
    return first, second, end, sorted(allowed1), sorted(allowed2)


def tree(first, second, end, allowed1, allowed2):
    return [first[allowed1], second[np.ix_(allowed1, allowed2)], end[np.ix_(allowed1, allowed2)][..., None]]


@settings(max_examples=80, deadline=None)
@given(models_and_grammars())
def test_conditioned_is_what_rejection_sampling_keeps(case):
    first, second, end, allowed1, allowed2 = case
    vocab = first.size
    # Enumerate every unconstrained outcome (x1, x2, ends-allowed-or-not) and keep the grammatical ones.
    kept = np.zeros((len(allowed1), len(allowed2)))
    for (i, a), (j, b) in itertools.product(enumerate(allowed1), enumerate(allowed2)):
        kept[i, j] = first[a] * second[a, b] * end[a, b]
    total_outcomes = sum(first[a] * second[a, b] for a, b in itertools.product(range(vocab), repeat=2))
    assert total_outcomes == pytest.approx(1.0)
    steps = tree(first, second, end, allowed1, allowed2)
    np.testing.assert_allclose(constrained.conditioned_distribution(steps)[..., 0], kept / kept.sum(), rtol=1e-12)
    assert constrained.allowed_mass(steps) == pytest.approx(kept.sum(), rel=1e-12)


@settings(max_examples=80, deadline=None)
@given(models_and_grammars())
def test_the_ratio_of_conditioned_to_masked_is_the_product_of_allowed_masses(case):
    steps = tree(*case)
    masked, conditioned = constrained.masked_distribution(steps), constrained.conditioned_distribution(steps)
    assert masked.sum() == pytest.approx(1.0) and conditioned.sum() == pytest.approx(1.0)
    a1 = steps[0].sum()
    a2 = steps[1].sum(axis=1)[:, None, None]
    a3 = steps[2].sum(axis=2, keepdims=True)
    product = a1 * a2 * a3
    np.testing.assert_allclose(conditioned / masked, product / (masked * product).sum(), rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 5), st.integers(1, 5))
def test_masking_is_exact_when_every_prefix_keeps_the_same_mass(seed, n1, n2):
    rng = np.random.default_rng(seed)
    first = rng.dirichlet(np.ones(n1)) * 0.7
    second = rng.dirichlet(np.ones(n2), size=n1) * 0.4             # every prefix allows mass 0.4
    steps = [first, second]
    np.testing.assert_allclose(constrained.masked_distribution(steps), constrained.conditioned_distribution(steps),
                               rtol=1e-12)


def test_one_step_masking_is_conditioning():
    step = np.array([0.1, 0.3, 0.05])
    np.testing.assert_allclose(constrained.masked_distribution([step]), constrained.conditioned_distribution([step]))


def test_bad_trees_are_refused():
    with pytest.raises(ValueError, match="axes"):
        constrained.masked_distribution([np.ones((2, 2))])
    with pytest.raises(ValueError, match="one row per prefix"):
        constrained.masked_distribution([np.array([0.5, 0.5]), np.full((3, 2), 0.1)])
    with pytest.raises(ValueError, match="no allowed continuation"):
        constrained.conditioned_distribution([np.array([0.5, 0.0]), np.array([[0.2], [0.0]])])


def test_rejection_sampling_matches_the_conditioned_distribution_and_not_the_masked_one():
    from studykit.maths import stats
    rng = np.random.default_rng(5)
    vocab, allowed = 6, [0, 2, 3]
    probs = [rng.dirichlet(np.ones(vocab)), rng.dirichlet(np.ones(vocab), size=3),
             rng.dirichlet(np.ones(vocab), size=(3, 3))]
    full_logits = [np.log(p) for p in probs]
    steps = constrained.steps_from_logits(full_logits, allowed, 1.0)
    kept, acceptance = constrained.rejection_sample(probs, allowed, 60_000, seed=6)
    assert acceptance == pytest.approx(constrained.allowed_mass(steps), abs=0.01)
    counts = np.bincount(kept[:, 0] * 3 + kept[:, 1], minlength=9)
    assert stats.chi_square_test(counts, constrained.conditioned_distribution(steps).ravel()).p_value > 1e-3
    assert stats.chi_square_test(counts, constrained.masked_distribution(steps).ravel()).p_value < 1e-6
