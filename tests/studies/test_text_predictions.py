"""Next-token predictions along a text, early exits and mean-pooled embeddings, on the bundled model."""

import numpy as np
import pytest
import torch

from studykit.studies import embeddings, text_predictions

TEXT = "Temperature divides every logit by the same number before the softmax."


@pytest.mark.model
def test_predictions_along_a_text_are_the_next_token_distributions_of_its_prefixes(lm):
    model, tokenizer = lm
    preds = text_predictions.predict_text(model, tokenizer, [TEXT, "A second, shorter chunk."], exit_layer=10)
    ids = tokenizer(TEXT).input_ids
    assert preds.targets[0].tolist() == ids[1:] and preds.logits[0].shape == (len(ids) - 1, model.config.vocab_size)
    assert preds.n_tokens == len(ids) - 1 + len(tokenizer("A second, shorter chunk.").input_ids) - 1
    with torch.inference_mode():  # the logits at position 3 are those of the first 4 tokens alone
        expected = model(torch.tensor([ids[:4]])).logits[0, -1]
    np.testing.assert_allclose(preds.logits[0][3].numpy(), expected.numpy(), rtol=1e-4, atol=1e-3)
    logits, targets = preds.stacked([1, 0])
    assert torch.equal(targets, torch.cat([preds.targets[1], preds.targets[0]])) and logits.shape[0] == len(targets)
    # An exit after layer 10 is a different, shallower predictor of the same shape.
    student = text_predictions.early_exit_logits(model, preds.exit_hidden[0])
    assert student.shape == preds.logits[0].shape and not torch.allclose(student, preds.logits[0])


@pytest.mark.model
def test_predict_text_refuses_bad_chunks_and_layers(lm):
    model, tokenizer = lm
    with pytest.raises(ValueError, match="non-empty list of non-empty strings"):
        text_predictions.predict_text(model, tokenizer, "one string, not a list")
    with pytest.raises(ValueError, match=r"exit_layer must be a decoder layer in \[1, 29\]"):
        text_predictions.predict_text(model, tokenizer, [TEXT], exit_layer=30)


@pytest.mark.model
def test_mean_pooled_embedding_is_the_average_last_hidden_state(lm):
    model, tokenizer = lm
    vectors = embeddings.mean_pooled_embeddings(model, tokenizer, [TEXT, "Another sentence."])
    ids = tokenizer(TEXT, return_tensors="pt").input_ids
    with torch.inference_mode():
        states = model(ids, output_hidden_states=True).hidden_states[-1][0]
    torch.testing.assert_close(vectors[0], states.double().mean(0), rtol=1e-5, atol=1e-5)
    assert vectors.shape == (2, model.config.hidden_size)
    with pytest.raises(ValueError, match="layer must be an integer"):
        embeddings.mean_pooled_embeddings(model, tokenizer, [TEXT], layer=99)
