"""short_answers and metrics.majority_vote: one sample, a vote over k, any of k."""

import numpy as np
import pytest

from studykit.maths import metrics

from studykit.studies import short_answers


def test_questions_are_fixed_and_well_formed():
    assert len(short_answers.QUESTIONS) == 24
    assert all(q.prompt.endswith("A:") and q.answer.startswith(" ") and len(q.answer.split()) == 1
               for q in short_answers.QUESTIONS)


def test_any_right_is_one_minus_all_wrong():
    assert short_answers.any_right(np.array([0.0, 1.0, 0.2]), 2).tolist() == pytest.approx([0.0, 1.0, 0.36])


def test_majority_vote_right_matches_the_exact_chance_on_a_small_distribution():
    # Three answers with probabilities 0.5, 0.3, 0.2: the exact chance that a vote of 3 picks answer 0,
    # enumerated over all 27 ordered draws (ties go to the first seen, as in metrics.majority_vote).
    probs = np.array([0.5, 0.3, 0.2])
    exact = 0.0
    for a in range(3):
        for b in range(3):
            for c in range(3):
                exact += probs[a] * probs[b] * probs[c] * (metrics.majority_vote([a, b, c]) == 0)
    estimate = short_answers.majority_vote_right(np.log(probs), 0, temperature=1.0, k=3, votes=20_000, seed=1)
    assert estimate == pytest.approx(exact, abs=0.015)
    assert short_answers.majority_vote_right(np.log(probs), 0, temperature=0.0, k=3, votes=10) == 1.0  # greedy


def test_majority_vote_ties_go_to_the_first_seen():
    assert metrics.majority_vote([3, 1, 1, 3]) == 3
    assert metrics.majority_vote(["a", "b", "b"]) == "b"


@pytest.mark.parametrize("call, message", [
    (lambda: metrics.majority_vote([]), "non-empty list"),
    (lambda: short_answers.any_right(0.5, 0), "k must be a positive integer"),
    (lambda: short_answers.any_right(1.5, 2), r"p_right must be probabilities in \[0, 1\]"),
    (lambda: short_answers.majority_vote_right([0.0, 1.0], 0, temperature=1.0, k=3, votes=0), "votes must be"),
])
def test_bad_input_names_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


class _OneTokenPerWord:
    def encode(self, text, add_special_tokens=False):
        return [len(word) for word in text.split()] or [0, 0]


def test_answer_token_ids_refuses_an_answer_of_several_tokens():
    questions = [short_answers.ShortQuestion("Q: x?\nA:", " Tokyo"), short_answers.ShortQuestion("Q: y?\nA:", " New Delhi")]
    assert short_answers.answer_token_ids(_OneTokenPerWord(), questions[:1]).tolist() == [5]
    with pytest.raises(ValueError, match="' New Delhi' is 2 tokens"):
        short_answers.answer_token_ids(_OneTokenPerWord(), questions)


@pytest.mark.model
def test_every_answer_is_one_token_of_the_bundled_tokenizer():
    from studykit.lm import models

    _, tokenizer = models.load()
    assert len(set(short_answers.answer_token_ids(tokenizer, short_answers.QUESTIONS).tolist())) == 21  # five, eight and thirteen recur
