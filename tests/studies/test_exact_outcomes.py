"""Exact outcome probabilities on the bundled model agree with plain forward passes."""

import numpy as np
import pytest
import torch

from studykit.studies import exact_outcomes

from studykit.lm import models

from studykit.maths import sampling

pytestmark = pytest.mark.model


def next_logits(model, ids):
    with torch.inference_mode():
        return model(torch.tensor([ids])).logits[0, -1].double().numpy()


def test_the_tree_holds_the_logits_after_every_prefix(lm):
    model, tokenizer = lm
    digits = [tokenizer.convert_tokens_to_ids(str(d)) for d in (1, 7)]
    tree = exact_outcomes.token_tree_logits(model, tokenizer, "Room number: ", digits, length=2)
    base = models.encode_prompt(tokenizer, "Room number: ")[0].tolist()
    assert [t.shape[:-1] for t in tree] == [(), (2,), (2, 2)]
    np.testing.assert_allclose(tree[0], next_logits(model, base), atol=1e-4)
    np.testing.assert_allclose(tree[1][1], next_logits(model, base + [digits[1]]), atol=1e-4)
    np.testing.assert_allclose(tree[2][1, 0], next_logits(model, base + [digits[1], digits[0]]), atol=1e-4)


def test_answer_probability_is_the_product_of_the_steps_then_a_stop(lm):
    model, tokenizer = lm
    digits = [tokenizer.convert_tokens_to_ids(str(d)) for d in range(10)]
    context = exact_outcomes.context_ids(tokenizer, "What is 12 + 30? Answer with a number.", chat=True,
                                         prefill="12 + 30 = ")
    answer = tokenizer("42", add_special_tokens=False).input_ids
    p = exact_outcomes.answer_probabilities(model, [context, context], [answer, answer], digits, [0.5, 1.0])
    assert p.shape == (2, 2) and np.allclose(p[:, 0], p[:, 1], rtol=1e-4)
    for row, t in zip(p, (0.5, 1.0)):
        first = sampling.softmax(next_logits(model, context), t)[answer[0]]
        second = sampling.softmax(next_logits(model, context + answer[:1]), t)[answer[1]]
        stop = 1 - sampling.softmax(next_logits(model, context + answer), t)[digits].sum()
        assert row[0] == pytest.approx(first * second * stop, rel=1e-3)
