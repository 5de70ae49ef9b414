"""Batched sampling with a per-row temperature, and scoring continuations by their NLL."""

import numpy as np
import pytest
import torch

from studykit import generation, models, sampling

PROMPT = "The cat sat on the"


@pytest.fixture(scope="module")
def lm():
    return models.load()


def test_log_prob_recorder_reads_the_token_chosen_at_each_step():
    recorder = generation._LogProbRecorder()
    scores = [torch.tensor([[0.0, 1.0, 2.0]]), torch.tensor([[3.0, 0.0, 0.0]])]
    chosen = [torch.tensor([[2]]), torch.tensor([[0]])]
    ids = torch.tensor([[5]])
    for step_scores, token in zip(scores, chosen):
        assert recorder(ids, step_scores) is step_scores  # it never changes the scores
        ids = torch.cat([ids, token], dim=1)
    got = recorder.finish(chosen[-1][:, 0])
    expected = [torch.log_softmax(s.double(), -1)[0, c.item()].item() for s, c in zip(scores, chosen)]
    np.testing.assert_allclose(got[0], expected)



@pytest.mark.model
def test_batched_sweep_is_reproducible_and_greedy_rows_match_generate(lm):
    model, tokenizer = lm
    kwargs = dict(temperatures=[0.0, 1.0], num_samples=3, max_new_tokens=8, progress=False)
    first = generation.sample_continuations(model, tokenizer, PROMPT, seed=7, **kwargs)
    again = generation.sample_continuations(model, tokenizer, PROMPT, seed=7, **kwargs)
    assert first.texts == again.texts
    assert list(first.temperatures) == [0.0] * 3 + [1.0] * 3
    ids = tokenizer(PROMPT, return_tensors="pt").input_ids
    greedy = model.generate(ids, do_sample=False, max_new_tokens=8, pad_token_id=tokenizer.pad_token_id)
    expected = tokenizer.decode(greedy[0, ids.shape[1] :], skip_special_tokens=True)
    assert first.at(0.0) == [expected] * 3
    assert len(set(first.at(1.0))) > 1  # sampling rows differ from each other



def test_row_wise_warper_applies_each_rows_own_temperature():
    scores = torch.randn(4, 50, generator=torch.Generator().manual_seed(0))
    temps = [0.0, 0.5, 2.0, 0.5]
    warped = generation.RowWiseWarper(temps, top_p=0.9)(None, scores).double().numpy()
    for row, t in enumerate(temps):
        np.testing.assert_allclose(warped[row], sampling.warp(scores[row].double().numpy(), temperature=t, top_p=0.9), rtol=1e-6)



@pytest.mark.model
def test_sampled_tokens_follow_the_warped_distribution(lm):
    """Every first token sampled with top-k=3 is one of the prompt's top 3 next tokens."""
    model, tokenizer = lm
    dist = models.next_token_distribution(model, tokenizer, PROMPT)
    allowed = set(np.flatnonzero(sampling.kept_mask(dist.logits, top_k=3)))
    out = generation.sample_continuations(
        model, tokenizer, PROMPT, temperatures=[1.5], num_samples=24, max_new_tokens=1, top_k=3, progress=False
    )
    firsts = {int(ids[0]) for ids in out.token_ids}
    assert firsts <= allowed and len(firsts) >= 2



@pytest.mark.model
def test_nll_matches_a_direct_computation(lm):
    model, tokenizer = lm
    out = generation.sample_continuations(
        model, tokenizer, PROMPT, temperatures=[1.0], num_samples=3, max_new_tokens=6, seed=1, progress=False
    )
    nll = generation.continuation_nll(model, out.prompt_ids, out.token_ids)
    for row, cont in enumerate(out.token_ids):
        ids = torch.tensor(np.concatenate([out.prompt_ids, cont]))[None]
        with torch.no_grad():
            logprobs = torch.log_softmax(model(ids).logits.double(), -1)[0]
        n = len(out.prompt_ids)
        direct = -np.mean([logprobs[n - 1 + j, ids[0, n + j]].item() for j in range(len(cont))])
        assert nll[row] == pytest.approx(direct, abs=1e-4)  # fp32 batched vs single forward
    assert np.isnan(generation.continuation_nll(model, out.prompt_ids, [np.array([], dtype=np.int64)])[0])



@pytest.mark.model
@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(temperatures=[-1.0]), "temperature"),
        (dict(temperatures=["hot"]), "temperatures must be numbers"),
        (dict(temperatures=0.7), "temperatures must list"),
        (dict(temperatures=[True]), "temperatures must be numbers"),
        (dict(temperatures=[float("nan")]), "temperature must be a finite number"),
        (dict(temperatures=[]), "temperatures"),
        (dict(temperatures=[1.0], num_samples=0), "num_samples"),
        (dict(temperatures=[1.0], max_new_tokens=0), "max_new_tokens"),
        (dict(temperatures=[1.0], top_p=1.5), "top_p"),
    ],
)
def test_bad_generation_arguments_are_named(lm, kwargs, message):
    with pytest.raises(ValueError, match=message):
        generation.sample_continuations(*lm, PROMPT, progress=False, **kwargs)


@pytest.mark.model
@pytest.mark.parametrize("prompts", ["The cat", [], ()])
def test_prompts_must_be_a_list_of_strings(lm, prompts):
    with pytest.raises(ValueError, match="prompts must be a non-empty list"):
        generation.sample_prompts(*lm, prompts, temperatures=[1.0], progress=False)
