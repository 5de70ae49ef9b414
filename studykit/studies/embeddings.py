"""Sentence embeddings from the bundled language model: mean-pooled hidden states.

A causal LM is not trained to embed sentences, but the average of its last hidden states over a
text's tokens is a common, simple baseline; it is what the contrastive-loss section needs: a small
batch of real embeddings whose pairwise similarities have real hard negatives.

>>> vectors = mean_pooled_embeddings(model, tokenizer, ["a question", "an answer"])  # doctest: +SKIP
>>> vectors.shape                                                                     # doctest: +SKIP
torch.Size([2, 576])
"""

from __future__ import annotations

from typing import Sequence

import torch

__all__ = ["mean_pooled_embeddings"]


def mean_pooled_embeddings(model, tokenizer, texts: Sequence[str], *, layer: int = -1) -> torch.Tensor:
    """(len(texts), d) float64: each text's hidden states at ``layer`` (-1: the last, the one the
    output head reads), averaged over its tokens. Texts run one at a time, so no padding enters."""
    if isinstance(texts, str) or not texts or not all(isinstance(t, str) and t.strip() for t in texts):
        raise ValueError("texts must be a non-empty list of non-empty strings")
    n_states = model.config.num_hidden_layers + 1
    if isinstance(layer, bool) or not isinstance(layer, int) or not -n_states <= layer < n_states:
        raise ValueError(f"layer must be an integer in [-{n_states}, {n_states - 1}] (hidden_states index), got {layer!r}")
    rows = []
    for text in texts:
        ids = tokenizer(text, return_tensors="pt").input_ids
        with torch.inference_mode():
            # base_model skips the output head: 49,152 logits per token that an embedding never reads.
            states = model.base_model(ids, output_hidden_states=True).hidden_states[layer]
        rows.append(states[0].double().mean(dim=0))
    return torch.stack(rows)
