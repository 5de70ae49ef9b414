"""Scoring given text with one prefill per distinct prompt: the same numbers as a plain forward pass."""

import numpy as np
import pytest
import torch

from studykit.lm import prompt_cache, scoring


def _plain_log_probs(model, prompt, continuation):
    """log P of each continuation token from one unbatched forward pass over prompt + continuation."""
    with torch.inference_mode():
        logits = model(torch.as_tensor(np.concatenate([prompt, continuation]))[None]).logits[0].double()
    log_probs = torch.log_softmax(logits[len(prompt) - 1: len(prompt) + len(continuation) - 1], dim=-1)
    return log_probs.gather(-1, torch.as_tensor(continuation)[:, None])[:, 0].numpy()


def _rows(tokenizer):
    ids = lambda text: np.array(tokenizer(text).input_ids, dtype=np.int64)  # noqa: E731
    cat, story, one = ids("The cat sat on the"), ids("Once upon a time, in a small village by the sea,"), ids("The")
    prompts = [cat, story, cat, one, story, cat]
    continuations = [ids(" mat and purred."), ids(" there lived an old fisherman."), ids(" sofa"),
                     ids(" end of the story, and then some more words."), np.zeros(0, dtype=np.int64),
                     ids(" roof, where it watched the birds all afternoon.")]
    return prompts, continuations


@pytest.mark.model
def test_log_probs_match_a_plain_forward_pass_for_shared_and_one_token_prompts(lm):
    model, tokenizer = lm
    prompts, continuations = _rows(tokenizer)
    got = scoring.token_log_probs(model, prompts, continuations)
    assert [len(g) for g in got] == [len(c) for c in continuations]  # the empty one stays empty
    for p, c, g in zip(prompts, continuations, got):
        if len(c):
            np.testing.assert_allclose(g, _plain_log_probs(model, p, c), atol=1e-4)


@pytest.mark.model
def test_passes_split_by_the_token_budget_change_nothing(lm):
    model, tokenizer = lm
    prompts, continuations = _rows(tokenizer)
    together = scoring.continuation_states(model, prompts, continuations, layers=[5])
    one_prompt_a_pass = scoring.continuation_states(model, prompts, continuations, layers=[5], tokens_per_pass=1)
    for (final, by_layer), (alone, alone_by_layer) in zip(together, one_prompt_a_pass):
        assert final.shape == alone.shape and by_layer[5].shape == final.shape
        torch.testing.assert_close(final, alone, atol=1e-4, rtol=1e-4)
        torch.testing.assert_close(by_layer[5], alone_by_layer[5], atol=1e-4, rtol=1e-4)


def test_passes_keep_within_the_budget_and_take_every_prompt_once():
    prompt_of = np.array([0, 1, 0, 2, 1, 3])
    lengths = {0: 5, 1: 12, 2: 1, 3: 30}
    continuation_length = [4, 6, 3, 10, 0, 8]
    order = sorted(lengths, key=lengths.get)
    groups = list(scoring._passes(order, prompt_of, [lengths[d] for d in range(4)], continuation_length, 24))
    assert sorted(d for g in groups for d in g) == [0, 1, 2, 3]
    for g in groups:
        rows = [continuation_length[i] for i in np.flatnonzero(np.isin(prompt_of, g))]
        assert len(g) == 1 or (len(g) * max(lengths[d] for d in g) <= 24 and len(rows) * max(rows) <= 24)


def test_bad_rows_are_refused_with_what_is_wrong():
    with pytest.raises(ValueError, match="pair up"):
        scoring.continuation_states(None, [[1, 2]], [])
    with pytest.raises(ValueError, match="at least one token"):
        scoring.continuation_states(None, [[]], [[3]])


def test_left_padding_ends_every_row_in_the_last_column():
    padded, mask = prompt_cache.left_padded([[5, 6, 7], [8]], pad_token_id=0)
    assert padded.tolist() == [[5, 6, 7], [0, 0, 8]] and mask.tolist() == [[1, 1, 1], [0, 0, 1]]
    assert prompt_cache.positions(mask).tolist() == [[0, 1, 2], [0, 0, 0]]


def test_a_prompts_rows_are_split_into_passes_within_the_budget():
    lengths = [4, 6, 3, 10, 1]
    batches = list(scoring._row_batches([0, 1, 2, 3, 4], lengths, 20))
    assert [i for b in batches for i in b] == [0, 1, 2, 3, 4]
    assert all(len(b) == 1 or len(b) * max(lengths[i] for i in b) <= 20 for b in batches)
    assert len(batches) > 1
