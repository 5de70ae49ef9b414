"""A cheap draft from the model itself: exit after fewer layers.

The model's last hidden state goes through a final norm and the output head (``lm_head``) to give
the logits. Applying the same norm and head to the hidden state after layer ``l < L`` gives another
next-token distribution, computed with only ``l`` of the ``L`` layers: a draft made from the model itself. It is worse than
the full model, and how much worse is what speculative sampling's acceptance rate measures.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["num_layers", "exit_logits", "target_and_draft_logits", "continuation_logits"]


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


def continuation_logits(model, prompt_ids, continuation_ids, exit_layers: Sequence[int]):
    """Target and early-exit logits at the positions that predict each continuation token.

    For text the target wrote itself (its own samples after a prompt), this is where speculative
    decoding would run: row ``i`` gives ``(target, drafts)`` with ``target`` of shape
    ``(len(continuation_ids[i]), V)``, its row j predicting continuation token j, and ``drafts[l]``
    the same positions read after layer ``l``. One batched forward pass (rows padded on the right
    and masked, so every position keeps its place).
    """
    import torch

    if len(prompt_ids) != len(continuation_ids):
        raise ValueError(f"prompt_ids and continuation_ids must pair up, got {len(prompt_ids)} and {len(continuation_ids)}")
    if len(prompt_ids) == 0:
        return []
    _check_layers(model, exit_layers)
    prompts = [np.asarray(p, dtype=np.int64).reshape(-1) for p in prompt_ids]
    continuations = [np.asarray(c, dtype=np.int64).reshape(-1) for c in continuation_ids]
    if any(len(p) == 0 for p in prompts):
        raise ValueError("every prompt needs at least one token")
    rows = [np.concatenate([p, c]) for p, c in zip(prompts, continuations)]
    ids = torch.zeros((len(rows), max(len(r) for r in rows)), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.from_numpy(row)
    attention = (torch.arange(ids.shape[1])[None] < torch.tensor([len(r) for r in rows])[:, None]).long()
    # position j predicts token j + 1: the continuation is predicted from len(prompt) - 1 on
    picks = torch.zeros(ids.shape, dtype=torch.bool)
    for i, (p, c) in enumerate(zip(prompts, continuations)):
        picks[i, len(p) - 1: len(p) - 1 + len(c)] = True
    with torch.inference_mode():
        # The layers without the output head, then the head only where a continuation token is
        # predicted: over a prompt three times the continuation's length, a third of the head's work.
        out = model.model(ids, attention_mask=attention, output_hidden_states=True)
        target = model.get_output_embeddings()(out.last_hidden_state[picks]).float().numpy()
        drafts = {int(l): exit_logits(model, out.hidden_states[l][picks]).numpy() for l in exit_layers}
    bounds = np.cumsum([0] + [len(c) for c in continuations])
    return [(target[a:b], {l: d[a:b] for l, d in drafts.items()}) for a, b in zip(bounds[:-1], bounds[1:])]


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
