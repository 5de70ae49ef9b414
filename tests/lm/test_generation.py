"""Batched sampling with a per-row temperature, and scoring continuations by their NLL.

Every call here samples: the result cache is off for tests/ (tests/conftest.py, tests/README.md),
so the reproducibility test compares two real draws, not one draw and its stored copy.
"""

import numpy as np
import pytest
import torch

from studykit.lm import generation, models, result_cache

from studykit.maths import sampling

PROMPT = "The cat sat on the"


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
    assert not result_cache.enabled()  # both calls sample (tests/conftest.py): the second reads nothing back
    first = generation.sample_continuations(model, tokenizer, PROMPT, seed=7, **kwargs)
    again = generation.sample_continuations(model, tokenizer, PROMPT, seed=7, **kwargs)
    assert first.texts == again.texts
    other_seed = generation.sample_continuations(model, tokenizer, PROMPT, seed=8, **kwargs)
    assert other_seed.at(1.0) != first.at(1.0) and other_seed.at(0.0) == first.at(0.0)
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


def test_row_wise_warper_takes_filters_per_row():
    scores = torch.randn(3, 60, generator=torch.Generator().manual_seed(1))
    warper = generation.RowWiseWarper([1.0, 1.0, 0.7], top_k=[None, 5, None], top_p=[None, None, 0.9], min_p=None)
    warped = warper(None, scores).double().numpy()
    expected = [sampling.warp(scores[0].double().numpy()),
                sampling.warp(scores[1].double().numpy(), top_k=5),
                sampling.warp(scores[2].double().numpy(), temperature=0.7, top_p=0.9)]
    for row in range(3):
        np.testing.assert_allclose(warped[row], expected[row], rtol=1e-6)
    with pytest.raises(ValueError, match="top_k must be one value shared by all rows or one value per row"):
        generation.RowWiseWarper([1.0, 1.0], top_k=[5])
    with pytest.raises(ValueError):
        generation.RowWiseWarper([1.0, 1.0], top_p=[None, 1.5])


class _FakeTokenizer:
    """Token i decodes to VOCAB[i]."""

    VOCAB = ["a", " b", ".", "\n", "\n\n", ".\n\n", "\nc", "<end>"]

    def __len__(self):
        return len(self.VOCAB)

    def decode(self, ids, **kwargs):
        return "".join(self.VOCAB[i] for i in ids)


def test_paragraph_break_finds_the_first_blank_line_in_one_token_or_across_two():
    brk = generation.ParagraphBreak(_FakeTokenizer(), len(_FakeTokenizer.VOCAB))
    assert brk.break_at([0, 1, 2]) is None
    assert brk.break_at([0, 4, 1]) == 1          # "\n\n" as one token
    assert brk.break_at([0, 5]) == 1             # ".\n\n"
    assert brk.break_at([0, 3, 6, 4]) == 1       # "\n" then "\nc": the paragraph ends before both
    assert brk.break_at([3, 0, 3]) is None       # two single newlines apart are no blank line
    assert brk.break_at([]) is None
    ids = torch.tensor([[0, 1, 3], [0, 1, 5], [0, 3, 6]])
    assert brk.for_prompt_width(1)(ids, None).tolist() == [False, True, True]
    assert brk.for_prompt_width(2)(ids, None).tolist() == [False, True, False]  # id 3 at 1 is the prompt's


@pytest.mark.model
def test_rows_end_at_the_paragraph_break_and_say_so(lm):
    model, tokenizer = lm
    prompts = ["Paris is the capital of France.", "The cat sat on the mat."]
    out = generation.sample_prompts(model, tokenizer, prompts, temperatures=[0, 1.0], top_k=[None, 40],
                                    max_new_tokens=60, end_at_paragraph=True, seed=0, progress=False)
    brk = generation.ParagraphBreak(tokenizer, model.config.vocab_size)
    for c in out:
        assert c.ended is not None and len(c.ended) == 2
        for ids, text, ended in zip(c.token_ids, c.texts, c.ended):
            assert "\n\n" not in text and brk.break_at(ids) is None
            assert ended or len(ids) == 60
    free = generation.sample_prompts(model, tokenizer, prompts, temperatures=[0], max_new_tokens=60, progress=False)
    for c, f in zip(out, free):  # greedy is the same text up to the break
        assert f.token_ids[0][: len(c.token_ids[0])].tolist() == c.token_ids[0].tolist()


@pytest.mark.model
def test_pair_nll_scores_each_continuation_after_its_own_prompt(lm):
    model, tokenizer = lm
    a = generation.sample_continuations(model, tokenizer, PROMPT, temperatures=[1.0], num_samples=2,
                                        max_new_tokens=5, seed=2, progress=False)
    b = generation.sample_continuations(model, tokenizer, "Once upon a time there was", temperatures=[1.0],
                                        max_new_tokens=7, seed=3, progress=False)
    got = generation.pair_nll(model, [a.prompt_ids, a.prompt_ids, b.prompt_ids], [*a.token_ids, b.token_ids[0]])
    np.testing.assert_allclose(got[:2], a.nll, atol=1e-3)
    np.testing.assert_allclose(got[2:], b.nll, atol=1e-3)
    assert np.isnan(generation.pair_nll(model, [a.prompt_ids], [np.array([], dtype=np.int64)])[0])
    with pytest.raises(ValueError, match="pair up"):
        generation.pair_nll(model, [a.prompt_ids], [])


class _StopRowAfter:
    """A stopping criterion that ends row i after ``steps[i]`` new tokens: rows leave the batch at set times."""

    def __init__(self, steps, width):
        self.steps, self.width = torch.as_tensor(steps), width

    def __call__(self, input_ids, scores, **kwargs):
        return (input_ids.shape[1] - self.width) >= self.steps


@pytest.mark.model
def test_decode_draws_exactly_what_generate_draws_while_rows_leave_the_batch(lm):
    """decode() shares each prompt's prefill and drops finished rows from the model's batch; every
    draw, and every log-probability the recorder notes, must still be generate()'s own."""
    from transformers import LogitsProcessorList, StoppingCriteriaList

    model, tokenizer = lm
    prompts = ["The cat sat on the", "Once upon a time, in a small village by the sea, there lived"]
    _, padded, mask = models.encode_prompts_left_padded(tokenizer, prompts)
    rows = np.array([0, 0, 1, 1, 0, 1])
    temperatures = [0.0, 1.0, 1.0, 1.5, 0.7, 0.0]
    width = padded.shape[1]
    outputs = []
    for run in ("generate", "decode"):
        recorder = generation._LogProbRecorder()
        processors = LogitsProcessorList([recorder, generation.RowWiseWarper(temperatures, top_k=[None, 40, None, None, None, None])])
        stops = StoppingCriteriaList([_StopRowAfter([2, 9, 5, 12, 1, 7], width)])
        torch.manual_seed(11)
        with torch.inference_mode():
            if run == "generate":
                out = model.generate(padded[rows], attention_mask=mask[rows], do_sample=True, temperature=1.0,
                                     top_k=None, top_p=None, min_p=None, logits_processor=processors,
                                     stopping_criteria=stops, max_new_tokens=12, pad_token_id=tokenizer.pad_token_id)
            else:
                out = generation.decode(model, padded, mask, rows, processors, stops, max_new_tokens=12,
                                        eos=generation._eos_ids(model, tokenizer), pad_token_id=tokenizer.pad_token_id)
        outputs.append((out, recorder.finish(out[:, -1])))
    (expected, expected_lp), (got, got_lp) = outputs
    assert got.shape == expected.shape == (6, width + 12)
    assert torch.equal(got, expected)
    lengths = [2, 9, 5, 12, 1, 7]
    for row, n in enumerate(lengths):  # scores of the tokens each row really drew (later ones are padding)
        np.testing.assert_allclose(got_lp[row, :n], expected_lp[row, :n], atol=1e-4)
    assert torch.rand(1).item() == pytest.approx(_after_seed(11, expected.shape[0], model.config.vocab_size, 12))


def _after_seed(seed, rows, vocab, steps):
    """The next random number after ``steps`` multinomial draws over a (rows, vocab) batch from ``seed``:
    decode() must leave the random state where generate() leaves it."""
    torch.manual_seed(seed)
    for _ in range(steps):
        torch.multinomial(torch.full((rows, vocab), 1.0 / vocab), 1)
    return torch.rand(1).item()
