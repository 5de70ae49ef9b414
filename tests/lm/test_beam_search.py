"""transformers' beam search on the model, checked against the pure search and one forward pass."""

import pytest

from studykit.lm import beam_search, generation
from studykit.maths import beam

PROMPTS = ["The cat sat on the", "Once upon a time, there was a"]


@pytest.mark.model
def test_model_beam_scores_are_the_recomputed_log_prob_over_length_to_the_penalty(lm):
    model, tokenizer = lm
    for penalty in (0.0, 1.0):
        results = beam_search.beam_search_prompts(model, tokenizer, PROMPTS, num_beams=3, max_new_tokens=8,
                                           length_penalty=penalty)
        for r in results:
            length = len(r.token_ids) + r.ended
            assert r.beam_score == pytest.approx(r.log_prob / length**penalty, abs=2e-3)
            assert r.text == tokenizer.decode(r.token_ids, skip_special_tokens=True)
    # The per-token scores (what the decoder table averages) are the model's own, token by token.
    direct = generation.pair_nll(model, [tokenizer(p, return_tensors="pt").input_ids[0].numpy() for p in PROMPTS],
                                 [r.token_ids for r in results])
    for r, nll in zip(results, direct):
        assert len(r.token_log_probs) == len(r.token_ids)
        assert -r.token_log_probs.mean() == pytest.approx(nll, abs=1e-4)
        if r.ended:  # log_prob also counts the end token, one more negative term
            assert r.log_prob < r.token_log_probs.sum()
        else:
            assert r.token_log_probs.sum() == pytest.approx(r.log_prob)


@pytest.mark.model
def test_model_batch_rows_match_one_prompt_at_a_time_and_greedy_is_one_beam(lm):
    model, tokenizer = lm
    eos = model.generation_config.eos_token_id
    eos = set(eos if isinstance(eos, list) else [eos])
    batched = beam_search.beam_search_prompts(model, tokenizer, PROMPTS, num_beams=1, max_new_tokens=8)
    for prompt, row in zip(PROMPTS, batched):
        ids = tokenizer(prompt, return_tensors="pt").input_ids
        greedy = model.generate(ids, do_sample=False, max_new_tokens=8, pad_token_id=tokenizer.pad_token_id,
                                temperature=None, top_k=None, top_p=None)
        expected = greedy[0, ids.shape[1]:].tolist()
        end = next((j for j, t in enumerate(expected) if t in eos), None)
        # The whole greedy continuation: 8 tokens, or everything before the end token (never a prefix of it).
        assert list(row.token_ids) == expected[:end] and len(row.token_ids) >= 1
        assert row.ended == (end is not None) and (row.ended or len(row.token_ids) == 8)
        alone = beam_search.beam_search_prompts(model, tokenizer, [prompt], num_beams=1, max_new_tokens=8)[0]
        assert alone.log_prob == pytest.approx(row.log_prob, abs=1e-3)  # left padding changes nothing


@pytest.mark.model
def test_transformers_beam_search_agrees_with_the_pure_search_on_the_model(lm):
    """Our pure beam search, fed the model's next-token probabilities, finds the sequence
    transformers' beam search returns (no end token within 4 tokens, no length penalty). Each beam
    only ever extends by one of its own top-``B`` tokens, so the table lists only those."""
    import torch

    model, tokenizer = lm
    width, steps = 3, 4
    prompt_ids = tokenizer(PROMPTS[0], return_tensors="pt").input_ids[0].tolist()

    def next_tokens(prefix):
        with torch.inference_mode():
            logits = model(torch.tensor([prompt_ids + list(prefix)])).logits[0, -1].double()
        probs = torch.softmax(logits, -1)
        top = torch.topk(probs, width)
        return {int(i): float(p) for i, p in zip(top.indices, top.values)}

    ours = beam.beam_search(next_tokens, beam_width=width, steps=steps)[0]
    theirs = beam_search.beam_search_prompts(model, tokenizer, PROMPTS[:1], num_beams=width, max_new_tokens=steps,
                                      length_penalty=0.0)[0]
    assert not theirs.ended
    assert list(ours.tokens) == theirs.token_ids.tolist()
    assert ours.log_prob == pytest.approx(theirs.log_prob, abs=1e-4)


def test_model_arguments_are_checked_before_loading_anything():
    with pytest.raises(ValueError, match="prompts must be a non-empty list"):
        beam_search.beam_search_prompts(None, None, "The cat", num_beams=2)
    with pytest.raises(ValueError, match="num_beams must be a positive integer"):
        beam_search.beam_search_prompts(None, None, ["The cat"], num_beams=0)
    with pytest.raises(ValueError, match="early_stopping must be True, False or 'never'"):
        beam_search.beam_search_prompts(None, None, ["The cat"], num_beams=2, early_stopping="soon")
