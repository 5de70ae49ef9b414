"""A cheap draft from the model itself: exit after fewer layers.

The model's last hidden state goes through a final norm and the output head (``lm_head``) to give
the logits. Applying the same norm and head to the hidden state after layer ``l < L`` gives another
next-token distribution, computed with only ``l`` of the ``L`` layers: a draft made from the model itself. It is worse than
the full model, and how much worse is what speculative sampling's acceptance rate measures.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["num_layers", "exit_logits", "target_and_draft_logits", "continuation_logits", "continuation_states",
           "ContinuationStates"]


def num_layers(model) -> int:
    return int(model.config.num_hidden_layers)


def exit_logits(model, hidden):
    """Logits of an early exit: the model's final norm and output head applied to an earlier hidden state."""
    import torch

    with torch.inference_mode():
        return model.get_output_embeddings()(model.model.norm(hidden)).float()


def _check_layers(model, exit_layers) -> None:
    total = num_layers(model)
    for layer in exit_layers:
        if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 1 <= layer < total:
            raise ValueError(f"exit_layers must be integers in [1, {total - 1}] (the model has {total} layers), got {layer!r}")


class ContinuationStates:
    """The model's states where it predicts each token of some continuations, read as logits on demand.

    One pass gives the hidden states (small: 576 numbers per position for the bundled model); the logits (49,152 per
    position, per layer) are computed only for the rows and layers asked for, one batched head
    call each, so a study can score many continuations in one pass and read them a few at a time.
    """

    def __init__(self, model, states, exit_layers):
        self.model, self.states, self.exit_layers = model, states, tuple(exit_layers)

    def __len__(self) -> int:
        return len(self.states)

    def logits(self, rows=None, exit_layers=None):
        """``[(target, {layer: draft})]`` for ``rows`` (all by default) and ``exit_layers`` (a subset of
        those computed; all by default): ``target`` is ``(len(continuation), V)`` float32, row j
        predicting continuation token j, ``draft[l]`` the same positions read after layer ``l``."""
        import torch

        rows = range(len(self.states)) if rows is None else list(rows)
        layers = self.exit_layers if exit_layers is None else tuple(int(l) for l in exit_layers)
        missing = set(layers) - set(self.exit_layers)
        if missing:
            raise ValueError(f"exit layers {sorted(missing)} were not computed; continuation_states() was given "
                             f"{list(self.exit_layers)}")
        picked = [self.states[i] for i in rows]
        if not picked:
            return []
        bounds = np.cumsum([0] + [len(final) for final, _ in picked])
        head = self.model.get_output_embeddings()
        with torch.inference_mode():
            target = head(torch.cat([final for final, _ in picked])).float().numpy()
            drafts = {l: exit_logits(self.model, torch.cat([by_layer[l] for _, by_layer in picked])).numpy()
                      for l in layers}
        return [(target[a:b], {l: d[a:b] for l, d in drafts.items()}) for a, b in zip(bounds[:-1], bounds[1:])]


def continuation_states(model, prompt_ids, continuation_ids, exit_layers: Sequence[int]) -> ContinuationStates:
    """The states behind :func:`continuation_logits` for every row, from one batched pass with one
    prefill per distinct prompt (:mod:`studykit.lm.scoring`); read them with ``.logits(rows, exit_layers)``."""
    from ..lm.scoring import continuation_states as states_of

    if len(prompt_ids) != len(continuation_ids):
        raise ValueError(f"prompt_ids and continuation_ids must pair up, got {len(prompt_ids)} and {len(continuation_ids)}")
    _check_layers(model, exit_layers)
    layers = [int(l) for l in exit_layers]
    if len(prompt_ids) == 0:
        return ContinuationStates(model, [], layers)
    return ContinuationStates(model, states_of(model, prompt_ids, continuation_ids, layers=layers), layers)


def continuation_logits(model, prompt_ids, continuation_ids, exit_layers: Sequence[int]):
    """Target and early-exit logits at the positions that predict each continuation token.

    For text the target wrote itself (its own samples after a prompt), this is where speculative
    decoding would run: row ``i`` gives ``(target, drafts)`` with ``target`` of shape
    ``(len(continuation_ids[i]), V)``, its row j predicting continuation token j, and ``drafts[l]``
    the same positions read after layer ``l``. :func:`continuation_states` read all at once.
    """
    states = continuation_states(model, prompt_ids, continuation_ids, exit_layers)
    return states.logits() if len(states) else []


def target_and_draft_logits(model, tokenizer, texts: Sequence[str], exit_layers: Sequence[int]):
    """Next-token logits at every position of ``texts`` from the full model and from early exits.

    Returns ``(target, drafts)``: ``target`` is ``(N, V)`` float32 over all N positions of all texts
    (position j predicts token j + 1), ``drafts[l]`` the same positions read after layer ``l``.
    One batched forward pass (texts padded on the right and masked).
    """
    import torch

    if isinstance(texts, str) or len(texts) == 0:
        raise ValueError("texts must be a non-empty list of strings")
    _check_layers(model, exit_layers)
    rows = [tokenizer(text).input_ids for text in texts]
    ids = torch.full((len(rows), max(len(r) for r in rows)), tokenizer.pad_token_id, dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row)  # right padding: positions start at 0 in every row
    attention = (torch.arange(ids.shape[1])[None] < torch.tensor([len(r) for r in rows])[:, None]).long()
    mask = attention.bool()
    with torch.inference_mode():
        out = model(ids, attention_mask=attention, output_hidden_states=True)
        # hidden_states[0] is the embedding output, [l] the output of layer l; the last one is already normed.
        target = out.logits[mask].float().numpy()
        drafts = {int(l): exit_logits(model, out.hidden_states[l][mask]).numpy() for l in exit_layers}
    return target, drafts
