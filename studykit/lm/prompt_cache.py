"""One prefill per distinct prompt: its key/value cache, copied to every row that continues it.

A sweep repeats every prompt for each setting and sample (3 temperatures x 6 samples: 18 rows), a
beam search for each beam, and a scoring pass for each continuation it scores. Running each copy
of the prompt through the model again was most of the work when prompts are long next to what
follows them. Here the prompts (left-padded, so every prompt ends in the last column) are run once
without their last token; each row then runs only its prompt's last token and what follows, and
sees the same keys and values as a prefill of its own (up to float rounding of a differently
shaped batch). No random number is drawn here.
"""

from __future__ import annotations

import copy
from typing import Sequence

import numpy as np

__all__ = ["left_padded", "positions", "prefix_cache", "copied_to_rows", "shared_prompt_cache"]


def left_padded(rows: Sequence, pad_token_id: int):
    """``(padded, mask)``: token-id rows padded on the left (and masked) to one width, so every row
    ends in the last column."""
    import torch

    rows = [torch.as_tensor(np.asarray(r, dtype=np.int64).reshape(-1)) for r in rows]
    width = max(len(r) for r in rows)
    padded = torch.full((len(rows), width), int(pad_token_id), dtype=torch.long)
    mask = torch.zeros_like(padded)
    for i, r in enumerate(rows):
        padded[i, width - len(r):] = r
        mask[i, width - len(r):] = 1
    return padded, mask


def positions(mask):
    """Positions as ``generate()`` numbers them: from each row's first real token, padding at 0."""
    return (mask.cumsum(-1) - 1).masked_fill(mask == 0, 0)


def prefix_cache(model, padded, mask):
    """The key/value cache of every (left-padded) prompt but its last token, one row per prompt.
    None when the prompts are one token wide (nothing to share)."""
    import torch

    if padded.shape[1] < 2:
        return None
    ids, prefix_mask = padded[:, :-1], mask[:, :-1]
    with torch.inference_mode():
        out = model(ids, attention_mask=prefix_mask, position_ids=positions(prefix_mask), use_cache=True,
                    logits_to_keep=1)
    return out.cache if getattr(out, "cache", None) is not None else out.past_key_values


def copied_to_rows(cache, rows: np.ndarray, *, keep: bool = False):
    """The cache with row ``i`` holding prompt ``rows[i]``'s entry. ``keep=True`` leaves ``cache``
    as it was (a copy is expanded); otherwise it is expanded in place, for a caller done with it."""
    import torch

    if cache is None:
        return None
    if keep:
        cache = copy.deepcopy(cache)
    cache.batch_select_indices(torch.as_tensor(np.asarray(rows).reshape(-1), dtype=torch.long))
    return cache


def shared_prompt_cache(model, padded, mask, rows: np.ndarray):
    """The cache of each row's prompt but its last token, computed once per distinct prompt.

    ``padded``/``mask`` hold the distinct prompts (left-padded), ``rows`` the prompt of each batch
    row. ``generate`` given this cache runs only each row's last prompt token, then decodes as
    usual. Returns None when the prompts are one token wide.
    """
    distinct, row_of = np.unique(np.asarray(rows), return_inverse=True)
    return copied_to_rows(prefix_cache(model, padded[distinct], mask[distinct]), row_of)
