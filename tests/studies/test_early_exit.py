"""The early-exit draft: the full model's logits, and a cheaper read-out after fewer layers."""

import numpy as np
import pytest
import torch

from studykit.studies import early_exit


@pytest.mark.model
def test_target_rows_are_the_models_logits_and_drafts_differ(lm):
    model, tokenizer = lm
    texts = ["The cat sat on the mat.", "A longer sentence pads the first one on the right."]
    target, drafts = early_exit.target_and_draft_logits(model, tokenizer, texts, exit_layers=[10])
    lengths = [len(tokenizer(t).input_ids) for t in texts]
    assert target.shape == (sum(lengths), model.config.vocab_size) and drafts[10].shape == target.shape
    with torch.inference_mode():
        alone = model(tokenizer(texts[0], return_tensors="pt").input_ids).logits[0].numpy()
    np.testing.assert_allclose(target[: lengths[0]], alone, atol=1e-3)  # padding changed nothing
    assert np.abs(drafts[10] - target).max() > 1.0


def test_exit_layer_must_be_inside_the_model():
    class Config:
        num_hidden_layers = 30

    class Fake:
        config = Config()

    with pytest.raises(ValueError, match=r"exit_layers must be integers in \[1, 29\]"):
        early_exit.target_and_draft_logits(Fake(), None, ["x"], exit_layers=[30])


@pytest.mark.model
def test_continuation_logits_are_the_rows_that_predict_the_continuation(lm):
    model, tokenizer = lm
    prompt = tokenizer("The cat sat on the").input_ids
    continuation = tokenizer(" mat and purred.").input_ids
    [(target, drafts)] = early_exit.continuation_logits(model, [prompt], [continuation], exit_layers=[12, 29])
    assert target.shape == (len(continuation), model.config.vocab_size)
    with torch.inference_mode():
        full = model(torch.tensor([prompt + continuation])).logits[0].numpy()
    # row j predicts continuation token j: it is the full text's logits at position len(prompt) - 1 + j
    np.testing.assert_allclose(target, full[len(prompt) - 1: len(prompt) - 1 + len(continuation)], atol=1e-3)
    # the last layer but one is closer to the target than an early one
    assert np.abs(drafts[29] - target).mean() < np.abs(drafts[12] - target).mean()
    # batched with a longer row (right padding), the first row's logits do not move
    longer = tokenizer(" mat, and then it slept for a very long time in the sun.").input_ids
    rows = early_exit.continuation_logits(model, [prompt, prompt], [continuation, longer], exit_layers=[12, 29])
    np.testing.assert_allclose(rows[0][0], target, atol=1e-3)
    np.testing.assert_allclose(rows[0][1][29], drafts[29], atol=1e-3)
    assert rows[1][0].shape == (len(longer), model.config.vocab_size)
    with pytest.raises(ValueError, match="pair up"):
        early_exit.continuation_logits(model, [prompt], [], exit_layers=[12])


@pytest.mark.model
def test_states_read_a_subset_of_rows_and_layers_as_the_whole_would(lm):
    model, tokenizer = lm
    prompt = tokenizer("The cat sat on the").input_ids
    continuations = [tokenizer(" mat.").input_ids, tokenizer(" roof, in the sun.").input_ids]
    states = early_exit.continuation_states(model, [prompt, prompt], continuations, exit_layers=[12, 29])
    everything = states.logits()
    [(target, drafts)] = states.logits([1], exit_layers=[29])
    np.testing.assert_allclose(target, everything[1][0], atol=1e-4)
    assert list(drafts) == [29]
    np.testing.assert_allclose(drafts[29], everything[1][1][29], atol=1e-4)
    with pytest.raises(ValueError, match=r"exit layers \[6\] were not computed"):
        states.logits(exit_layers=[6])
