"""The real bundled model, loaded offline, and what the notebooks ask of it."""

import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import torch

from studykit import generation, models, sampling
from studykit.model_cache import verify

pytestmark = pytest.mark.model
PROMPT = "The cat sat on the"


@pytest.fixture(scope="module")
def lm():
    return models.load()


def test_bundled_model_loads_offline_as_a_real_pretrained_lm(lm):
    model, tokenizer = lm
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert type(model).__name__ == "LlamaForCausalLM"
    assert not model.training
    assert 130e6 < sum(p.numel() for p in model.parameters()) < 140e6
    assert model.config.vocab_size == 49152
    assert models.load() is lm  # one load per process
    verify(models.bundled_cache_dir())


def test_next_token_distribution_for_the_chapter_prompt_is_proper(lm):
    dist = models.next_token_distribution(*lm, PROMPT)
    assert dist.logits.shape == (49152,) and dist.logits.dtype == np.float64
    assert np.isfinite(dist.logits).all()
    probs = sampling.softmax(dist.logits)
    assert abs(probs.sum() - 1) < 1e-9 and (probs >= 0).all()
    # A trained model is confident about cats and mats: far from uniform (entropy << log V).
    assert sampling.entropy(probs) < 0.7 * np.log(49152)
    top = dist.top(5)
    assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)
    assert all(isinstance(t, str) and t for t, _ in top)
    assert len(dist.tokens) == 49152 and dist.tokens[lm[1].encode(" cat")[0]] == " cat"


def test_logits_match_a_direct_forward_pass(lm):
    model, tokenizer = lm
    dist = models.next_token_distribution(model, tokenizer, PROMPT)
    with torch.no_grad():
        direct = model(tokenizer(PROMPT, return_tensors="pt").input_ids).logits[0, -1].double().numpy()
    np.testing.assert_allclose(dist.logits, direct, rtol=0, atol=1e-5)


def test_chat_prompt_uses_the_chat_template(lm):
    _, tokenizer = lm
    ids = models.encode_prompt(tokenizer, "Hello", chat=True)[0].tolist()
    text = tokenizer.decode(ids)
    assert "<|im_start|>user\nHello<|im_end|>" in text and text.rstrip().endswith("<|im_start|>assistant")


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


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(temperatures=[-1.0]), "temperature"),
        (dict(temperatures=[]), "temperatures"),
        (dict(temperatures=[1.0], num_samples=0), "num_samples"),
        (dict(temperatures=[1.0], max_new_tokens=0), "max_new_tokens"),
        (dict(temperatures=[1.0], top_p=1.5), "top_p"),
    ],
)
def test_bad_generation_arguments_are_named(lm, kwargs, message):
    with pytest.raises(ValueError, match=message):
        generation.sample_continuations(*lm, PROMPT, progress=False, **kwargs)


def test_unavailable_model_gives_one_clear_error_fast():
    start = time.monotonic()
    with pytest.raises(models.ModelUnavailableError) as info:
        models.load("gpt2")
    assert time.monotonic() - start < 10
    message = str(info.value)
    assert "gpt2" in message and "STUDYKIT_MODEL" in message and "bundled" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_studykit_model_sets_the_default(monkeypatch):
    monkeypatch.setenv("STUDYKIT_MODEL", "no-such-org/no-such-model")
    with pytest.raises(models.ModelUnavailableError, match="no-such-org/no-such-model"):
        models.load()
    monkeypatch.setenv("STUDYKIT_MODEL", "bundled")
    assert models.default_model_name() == "bundled" and models.is_bundled(models.default_model_name())


def test_a_local_model_directory_loads(lm, tmp_path):
    """Any local directory works: a tiny random Llama with the bundled tokenizer."""
    from transformers import LlamaConfig, LlamaForCausalLM

    _, tokenizer = lm
    config = LlamaConfig(vocab_size=49152, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1)
    LlamaForCausalLM(config).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    model, tok = models.load(str(tmp_path))
    assert model.config.hidden_size == 16 and not model.training
    assert models.next_token_distribution(model, tok, PROMPT).logits.shape == (49152,)
    with pytest.raises(models.ModelUnavailableError, match="file"):
        models.load(str(tmp_path / "config.json"))


_LOAD_SCRIPT = textwrap.dedent(
    """
    from studykit import models
    model, tokenizer = models.load()
    ids = tokenizer("The cat sat on the", return_tensors="pt").input_ids
    print(float(model(ids).logits[0, -1, :3].sum()))
    """
)


def _load_in_subprocesses(home, count):
    env = dict(os.environ, STUDYKIT_HOME=str(home))
    procs = [
        subprocess.Popen([sys.executable, "-c", _LOAD_SCRIPT], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    results = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0, err[-2000:]
    return [float(out.strip().splitlines()[-1]) for out, _ in results]


def test_cold_cache_two_kernels_at_once_then_corruption_is_rebuilt(lm, tmp_path):
    """Two processes loading into an empty cache both succeed and leave one good entry;
    a truncated cache is detected and rebuilt, never loaded."""
    model, tokenizer = lm
    with torch.no_grad():
        reference = float(model(tokenizer(PROMPT, return_tensors="pt").input_ids).logits[0, -1, :3].sum())
    values = _load_in_subprocesses(tmp_path, 2)
    assert values == pytest.approx([reference] * 2, abs=1e-4)
    entries = [p for p in (tmp_path / "cache" / "models").iterdir() if not p.name.endswith(".lock")]
    assert len(entries) == 1
    verify(entries[0])
    weights = entries[0] / "model.safetensors"
    with open(weights, "r+b") as f:
        f.truncate(weights.stat().st_size // 2)
    assert _load_in_subprocesses(tmp_path, 1) == pytest.approx([reference], abs=1e-4)
    verify(entries[0])
