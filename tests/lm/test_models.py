"""The real bundled model, loaded offline, and what the notebooks ask of it."""

import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import torch

from studykit.lm import models

from studykit.maths import sampling
from studykit.lm.model_cache import verify

pytestmark = pytest.mark.model
PROMPT = "The cat sat on the"


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
    from studykit.lm import models
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
