"""The result cache returns a stored result only for the same model, tokenizer, arguments and code."""

import pickle

import pytest
import torch

from studykit import result_cache


class FakeConfig:
    def __init__(self, size):
        self.size = size

    def to_json_string(self):
        return f'{{"size": {self.size}}}'


class FakeModel:
    def __init__(self, weight):
        self.config = FakeConfig(len(weight))
        self.weight = torch.tensor(weight, dtype=torch.float32)

    def state_dict(self):
        return {"weight": self.weight}


class FakeTokenizer:
    name_or_path = "fake"
    chat_template = None

    def __len__(self):
        return 10


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDYKIT_HOME", str(tmp_path))
    monkeypatch.delenv("STUDYKIT_RESULT_CACHE", raising=False)
    return tmp_path


def counting(value):
    calls = []

    def compute():
        calls.append(1)
        torch.rand(3)  # consumes random numbers, as sampling does
        return value

    return compute, calls


def test_same_call_is_computed_once_and_restores_the_random_state(cache_home):
    model, tok = FakeModel([1.0, 2.0]), FakeTokenizer()
    compute, calls = counting({"texts": ["a"]})
    torch.manual_seed(0)
    first = result_cache.cached("demo", model, tok, {"seed": 0, "prompts": ["x"]}, compute)
    after_compute = torch.rand(1)
    torch.manual_seed(0)
    second = result_cache.cached("demo", model, tok, {"seed": 0, "prompts": ["x"]}, compute)
    after_hit = torch.rand(1)
    assert first == second and len(calls) == 1
    assert torch.equal(after_compute, after_hit)  # the next draw is the one a computed run would make


@pytest.mark.parametrize("change", ["arguments", "model", "kind"])
def test_anything_that_affects_the_result_changes_the_key(cache_home, change):
    tok = FakeTokenizer()
    compute, calls = counting(1)
    result_cache.cached("demo", FakeModel([1.0, 2.0]), tok, {"seed": 0}, compute)
    other = {
        "arguments": ("demo", FakeModel([1.0, 2.0]), {"seed": 1}),
        "model": ("demo", FakeModel([1.0, 2.5]), {"seed": 0}),
        "kind": ("other", FakeModel([1.0, 2.0]), {"seed": 0}),
    }[change]
    result_cache.cached(other[0], other[1], tok, other[2], compute)
    assert len(calls) == 2


def test_damaged_entry_is_recomputed_and_replaced(cache_home):
    model, tok = FakeModel([1.0]), FakeTokenizer()
    compute, calls = counting([1, 2])
    result_cache.cached("demo", model, tok, {}, compute)
    (entry,) = (cache_home / "cache" / "results").glob("demo-*.pkl")
    entry.write_bytes(b"not a pickle")
    assert result_cache.cached("demo", model, tok, {}, compute) == [1, 2] and len(calls) == 2
    assert pickle.loads(entry.read_bytes())["result"] == [1, 2]


def test_arguments_without_a_stable_description_are_always_computed(cache_home):
    compute, calls = counting("x")
    for _ in range(2):
        result_cache.cached("demo", FakeModel([1.0]), FakeTokenizer(), {"logits_processor": [object()]}, compute)
    assert len(calls) == 2


def test_the_cache_can_be_switched_off(cache_home, monkeypatch):
    monkeypatch.setenv("STUDYKIT_RESULT_CACHE", "0")
    compute, calls = counting("x")
    for _ in range(2):
        result_cache.cached("demo", FakeModel([1.0]), FakeTokenizer(), {}, compute)
    assert len(calls) == 2 and not (cache_home / "cache" / "results").exists()


def test_the_key_does_not_depend_on_where_the_model_folder_is_reached_from(cache_home):
    first, second = FakeTokenizer(), FakeTokenizer()
    first.name_or_path = "/home/a/.cache/studykit/models/SmolLM2-0.1.2-abc"
    second.name_or_path = "/tmp/test-home/cache/models/SmolLM2-0.1.2-abc"  # the same cache, linked
    compute, calls = counting(1)
    result_cache.cached("demo", FakeModel([1.0]), first, {}, compute)
    result_cache.cached("demo", FakeModel([1.0]), second, {}, compute)
    assert len(calls) == 1
