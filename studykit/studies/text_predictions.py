"""The model's next-token predictions along a given text (teacher forcing), chunk by chunk.

Calibration and distillation need, at every position of a text the model did *not* write, the
logits the model gives the next token and the token that really comes next. Each chunk (e.g. a
paragraph of the chapter) is run on its own, so a chunk is a contiguous, self-contained unit for
bootstrap intervals. Optionally the hidden state of an earlier layer is kept too: passed through
the model's final norm and output head (``early_exit_logits``) it gives the predictions of a
shallower, weaker copy of the model (an "early exit"), the student of the distillation section.

>>> preds = predict_text(model, tokenizer, ["A first paragraph.", "A second one."])  # doctest: +SKIP
>>> preds.logits[0].shape                     # (tokens - 1, vocabulary)          # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

from .early_exit import exit_logits

__all__ = ["TextPredictions", "predict_text", "early_exit_logits"]


@dataclass(frozen=True)
class TextPredictions:
    """Per chunk: ``logits[c]`` (n_c, V) float32 predicting ``targets[c]`` (n_c,), the chunk's tokens
    after its first; ``exit_hidden[c]`` (n_c, d) the hidden state after layer ``exit_layer`` (if kept)."""

    logits: list[torch.Tensor]
    targets: list[torch.Tensor]
    exit_hidden: list[torch.Tensor] | None = None
    exit_layer: int | None = None

    @property
    def n_tokens(self) -> int:
        return sum(len(t) for t in self.targets)

    def stacked(self, chunk_ids: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits, targets) of the chosen chunks, concatenated in the order given."""
        return (torch.cat([self.logits[i] for i in chunk_ids]), torch.cat([self.targets[i] for i in chunk_ids]))


def predict_text(model, tokenizer, chunks: Sequence[str], *, exit_layer: int | None = None) -> TextPredictions:
    """Run each chunk through the model once and keep its next-token logits (and, if ``exit_layer``
    is given, the hidden state after that decoder layer, 1-based as in ``hidden_states``)."""
    if isinstance(chunks, str) or not chunks or not all(isinstance(c, str) and c.strip() for c in chunks):
        raise ValueError("chunks must be a non-empty list of non-empty strings (e.g. paragraphs)")
    n_layers = model.config.num_hidden_layers
    if exit_layer is not None and (isinstance(exit_layer, bool) or not isinstance(exit_layer, int)
                                   or not 1 <= exit_layer < n_layers):
        raise ValueError(f"exit_layer must be a decoder layer in [1, {n_layers - 1}] (the last one is "
                         f"the model itself), or None; got {exit_layer!r}")
    logits, targets, hidden = [], [], []
    for text in chunks:
        ids = tokenizer(text, return_tensors="pt").input_ids
        if ids.shape[1] < 2:
            raise ValueError(f"chunk {text!r} has fewer than 2 tokens: nothing to predict")
        with torch.inference_mode():
            out = model(ids, output_hidden_states=exit_layer is not None)
        logits.append(out.logits[0, :-1].float().clone())
        targets.append(ids[0, 1:].clone())
        if exit_layer is not None:
            hidden.append(out.hidden_states[exit_layer][0, :-1].float().clone())
    return TextPredictions(logits, targets, hidden if exit_layer is not None else None, exit_layer)


def early_exit_logits(model, hidden: torch.Tensor) -> torch.Tensor:
    """Logits of an early exit (see :func:`studykit.studies.early_exit.exit_logits`, the one definition)."""
    return exit_logits(model, hidden)
