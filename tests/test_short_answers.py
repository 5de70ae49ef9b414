"""short_answers and the appended metrics (majority vote, pass@k): grading sampled answers."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studykit import metrics, short_answers
from studykit.generation import Continuations


def _continuations(prompt, texts_by_temperature):
    temps = np.array([t for t, texts in texts_by_temperature.items() for _ in texts])
    texts = tuple(x for texts in texts_by_temperature.values() for x in texts)
    return Continuations(prompt, temps, tuple(np.array([1]) for _ in texts), texts, np.array([1]), np.zeros(len(texts)))


def test_questions_are_fixed_and_well_formed():
    assert len(short_answers.QUESTIONS) == 24
    assert all(q.prompt.endswith("A:") and q.answer == short_answers.first_word(q.answer) for q in short_answers.QUESTIONS)


def test_grade_scores_each_sample_and_votes():
    questions = short_answers.QUESTIONS[:2]  # Tokyo, Paris
    conts = [_continuations(questions[0].prompt, {0.7: [" Tokyo.", " Kyoto", " Tokyo\nQ"]}),
             _continuations(questions[1].prompt, {0.7: [" Lyon", " Paris", " Lyon"]})]
    graded = short_answers.grade(conts, questions, 0.7)
    assert graded.correct.tolist() == [[True, False, True], [False, True, False]]
    assert graded.majority_correct().tolist() == [True, False]
    assert np.allclose(graded.single_sample_accuracy(), [2 / 3, 1 / 3])
    assert graded.pass_at(3).tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="no samples at temperature"):
        short_answers.grade(conts, questions, 1.0)
    with pytest.raises(ValueError, match="one Continuations per question"):
        short_answers.grade(conts[:1], questions, 0.7)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n), st.integers(1, n))))
def test_pass_at_k_equals_its_combinatorial_definition(case):
    n, c, k = case
    exact = 1 - math.comb(n - c, k) / math.comb(n, k)
    assert metrics.pass_at_k(n, c, k) == pytest.approx(exact, abs=1e-12)


def test_majority_vote_and_its_errors():
    assert metrics.majority_vote([3, 1, 1, 3]) == 3  # tie: first seen
    with pytest.raises(ValueError, match="non-empty list"):
        metrics.majority_vote([])
    with pytest.raises(ValueError, match="need 0 <= correct <= n"):
        metrics.pass_at_k(3, 4, 1)
    with pytest.raises(ValueError, match="k must be a non-negative integer"):
        metrics.pass_at_k(3, 1, -1)
