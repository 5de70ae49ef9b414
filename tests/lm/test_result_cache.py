"""The result cache returns a stored result only for the same model, tokenizer, arguments and code.

These tests are what lets the notebooks read results back (tests/README.md): every component of the
key is changed at its source and must give a new key, and every studykit module the generating code
imports must be hashed. The tests here use an empty STUDYKIT_HOME of their own; every other test in
tests/ runs with the cache off.
"""

import ast
import importlib
import json
import math
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from studykit.lm import result_cache


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
    size = 10

    def __len__(self):
        return self.size


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


def test_a_changed_call_is_computed_again(cache_home):
    tok = FakeTokenizer()
    compute, calls = counting(1)
    result_cache.cached("demo", FakeModel([1.0, 2.0]), tok, {"temperature": 0.7}, compute)
    result_cache.cached("demo", FakeModel([1.0, 2.0]), tok, {"temperature": 1.0}, compute)
    assert len(calls) == 2


# ----------------------------------------------------------------------------- the key, component by component
#
# _description() is everything the key hashes, one entry per component. Each component below is
# changed at its source (the weights, the tokenizer, an argument, a library version, a byte of the
# code) and must give a new key. A component added to the description fails
# test_every_component_of_the_key_is_varied_here until a change of its source is listed here.

BASE_ARGUMENTS = {"prompts": ["The cat", "Once"], "temperatures": [0.7, 1.0], "top_k": [None, 40],
                  "top_p": 0.9, "seed": 0, "chat": False, "scores": np.array([0.5, 1.0])}


def _call():
    """kind, model, tokenizer, arguments of one call; each change below edits one part of it."""
    return "demo", FakeModel([float(i) for i in range(20_000)]), FakeTokenizer(), dict(BASE_ARGUMENTS)


def _arguments(**changed):
    def change(call, monkeypatch, tmp_path):
        kind, model, tokenizer, arguments = call
        return kind, model, tokenizer, {**arguments, **changed}
    return change


def _set_weight(index, value):
    def change(call, monkeypatch, tmp_path):
        call[1].weight[index] = value
        return call
    return change


def _set_config(**attributes):
    def change(call, monkeypatch, tmp_path):
        for name, value in attributes.items():
            setattr(call[1].config, name, value)
        return call
    return change


def _set_tokenizer(**attributes):
    def change(call, monkeypatch, tmp_path):
        for name, value in attributes.items():
            monkeypatch.setattr(call[2], name, value, raising=False)
        return call
    return change


def _set_version(module_name):
    def change(call, monkeypatch, tmp_path):
        module = importlib.import_module(module_name)
        monkeypatch.setattr(module, "__version__", module.__version__ + ".post1")
        return call
    return change


def _set_numerics(which):
    """Another CPU capability (ATEN_CPU_CAPABILITY), thread count or processor."""
    def change(call, monkeypatch, tmp_path):
        import torch

        if which == "capability":
            monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "OTHER")
        elif which == "threads":
            monkeypatch.setattr(torch, "get_num_threads", lambda: 1007)
        else:
            monkeypatch.setattr(result_cache, "_processor", lambda: "another processor")
        return call
    return change


def _edit_code(file_name):
    """A copy of studykit's hashed files with one comment appended to ``file_name``."""
    def change(call, monkeypatch, tmp_path):
        here = Path(result_cache.__file__).resolve().parents[1]
        folder = tmp_path / "studykit"
        for name in result_cache._GENERATING_MODULES:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes((here / name).read_bytes())
        with open(folder / file_name, "a") as f:
            f.write("\n# edited\n")
        monkeypatch.setattr(result_cache, "__file__", str(folder / "lm" / "result_cache.py"))
        return call
    return change


SOURCE_CHANGES = {
    "kind": {"another kind": lambda call, *_: ("other", *call[1:])},
    "model": {
        "a weight in the strided sample": _set_weight(0, -1.0),
        "a weight outside the strided sample (only its tensor's sum sees it)": _set_weight(5, 5.5),
        "the config": _set_config(size=7),
    },
    "tokenizer": {
        "its folder": _set_tokenizer(name_or_path="/cache/models/other-tokenizer"),
        "its vocabulary size": _set_tokenizer(size=11),
        "its chat template": _set_tokenizer(chat_template="{{ messages }}"),
    },
    "arguments": {
        "an integer": _arguments(seed=1),
        "a float (0.7 -> 1.0: rounding would merge them)": _arguments(temperatures=[1.0, 1.0]),
        "a float by one ulp": _arguments(top_p=math.nextafter(0.9, 1.0)),
        "a float -> the string that spells it": _arguments(top_p="0.9"),
        "an int -> the same float": _arguments(seed=0.0),
        "a bool -> the int it equals": _arguments(chat=0),
        "None -> 0": _arguments(top_k=[0, 40]),
        "the order of a list": _arguments(prompts=["Once", "The cat"]),
        "a string": _arguments(prompts=["The cat ", "Once"]),
        "a numpy array": _arguments(scores=np.array([0.5, 1.5])),
        "a numpy float32 -> the float64 it rounds from": _arguments(top_p=np.float32(0.9)),
        "one more argument": _arguments(min_p=None),
        "a nested dict": _arguments(options={"repetition_penalty": 1.3}),
    },
    "versions": {f"{name}'s version": _set_version(name) for name in ("torch", "transformers", "numpy")},
    "code": {f"a byte of {name}": _edit_code(name) for name in result_cache._GENERATING_MODULES},
    "numerics": {"the CPU capability": _set_numerics("capability"), "the thread count": _set_numerics("threads"),
                 "the processor": _set_numerics("processor")},
}


@pytest.fixture
def fresh_code_hash():
    result_cache._code_hash.cache_clear()
    yield
    result_cache._code_hash.cache_clear()


def test_every_component_of_the_key_is_varied_here():
    kind, model, tokenizer, arguments = _call()
    assert set(result_cache._description(kind, model, tokenizer, arguments)) == set(SOURCE_CHANGES), (
        "the key's components changed: list a change of each new component's source in SOURCE_CHANGES")


def test_the_key_hashes_every_component_of_the_description(monkeypatch):
    """Whatever the description holds, changing any one entry of it changes the key."""
    call = _call()
    description = result_cache._description(*call)
    base = result_cache._key(*call)
    for component in description:
        monkeypatch.setattr(result_cache, "_description", lambda *a, c=component: {**description, c: ["changed"]})
        assert result_cache._key(*call) != base, component
    monkeypatch.setattr(result_cache, "_description", lambda *a: dict(description))
    assert result_cache._key(*call) == base


@pytest.mark.parametrize("component, change", [(component, name) for component, changes in SOURCE_CHANGES.items()
                                               for name in changes])
def test_each_change_to_what_the_result_depends_on_gives_a_new_key(component, change, monkeypatch, tmp_path,
                                                                   fresh_code_hash):
    before = result_cache._description(*_call())
    key = result_cache._key(*_call())
    changed = SOURCE_CHANGES[component][change](_call(), monkeypatch, tmp_path)
    result_cache._code_hash.cache_clear()
    after = result_cache._description(*changed)
    assert _hashed(after[component]) != _hashed(before[component]), f"{change} did not change the {component} component"
    assert result_cache._key(*changed) != key
    assert {c for c in after if _hashed(after[c]) != _hashed(before[c])} == {component}  # and only that one


def _hashed(value) -> str:
    """A component as the key hashes it (in Python, False == 0 == 0.0; in the key they must differ)."""
    return json.dumps(value, sort_keys=True)


def test_the_same_call_gives_the_same_key():
    assert result_cache._key(*_call()) == result_cache._key(*_call())


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


# ----------------------------------------------------------------------------- the code the key hashes
#
# Notebook re-runs read results back from the cache (tests/README.md says which tests may): that is
# only honest if a change to any code that runs while a result is computed gives a new key. The
# models, arguments and library versions are described above; the code is every studykit module the
# generating modules import, at the top or inside a function, directly or through another module.

STUDYKIT = Path(result_cache.__file__).resolve().parents[1]
GENERATING_ENTRY_POINTS = ("maths/sampling.py", "lm/generation.py", "lm/beam_search.py", "lm/models.py",
                           "lm/result_cache.py")


def imported_package_files(path: Path, root: Path) -> set[Path]:
    """Files of the package at ``root`` that the module at ``path`` imports anywhere in its body,
    including each package ``__init__.py`` the import runs."""
    own_package = path.parent.relative_to(root.parent).parts
    modules = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = own_package[: len(own_package) - node.level + 1] if node.level else ()
            module = (*base, *(node.module.split(".") if node.module else ()))
            modules += [module, *((*module, alias.name) for alias in node.names)]  # `from . import x`: x a module
        elif isinstance(node, ast.Import):
            modules += [tuple(alias.name.split(".")) for alias in node.names]
    found = set()
    for module in modules:
        if module[:1] != (root.name,):
            continue
        for depth in range(1, len(module) + 1):  # importing a.b.c runs a/__init__ and a/b/__init__ first
            parts = module[:depth]
            for candidate in (root.parent.joinpath(*parts).with_suffix(".py"),
                              root.parent.joinpath(*parts, "__init__.py")):
                if candidate.is_file():
                    found.add(candidate)
    return found


def import_closure(entry_points, root: Path) -> set[Path]:
    todo, seen = [root / name for name in entry_points], set()
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo += imported_package_files(path, root)
    return seen


def test_the_import_walk_finds_imports_at_the_top_inside_functions_and_through_other_modules(tmp_path):
    pkg = tmp_path / "pkg"
    files = {
        "__init__.py": "",
        "a.py": "import os\nfrom . import b\n\ndef f():\n    from .c import g\n    import pkg.d\n",
        "b.py": "from pkg.sub import e\n",
        "c.py": "", "d.py": "", "unused.py": "",
        "sub/__init__.py": "", "sub/e.py": "from .. import d\n",
    }
    for name, text in files.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(text)
    found = {p.relative_to(pkg).as_posix() for p in import_closure(["a.py"], pkg)}
    assert found == {"__init__.py", "a.py", "b.py", "c.py", "d.py", "sub/__init__.py", "sub/e.py"}


def test_the_code_hash_covers_every_studykit_module_the_generating_modules_import():
    closure = {p.relative_to(STUDYKIT).as_posix() for p in import_closure(GENERATING_ENTRY_POINTS, STUDYKIT)}
    missing = closure - {"__init__.py", "_old_paths.py"} - set(result_cache._GENERATING_MODULES)  # both: see below
    assert not missing, f"results depend on {sorted(missing)}, which the cache key does not hash"


def test_the_package_init_left_out_of_the_code_hash_holds_no_code():
    """studykit/__init__.py runs before any generating module; it is not hashed (its docstring, the
    package map, changes often), which is safe only while it holds nothing but constants and the
    line that installs the table of old import paths (it maps names; it computes nothing)."""
    body = ast.parse((STUDYKIT / "__init__.py").read_text()).body
    for node in body:
        is_docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        is_constant = isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        is_old_paths = (isinstance(node, ast.ImportFrom) and node.level == 1 and node.module is None
                        and [a.name for a in node.names] == ["_old_paths"])
        assert is_docstring or is_constant or is_old_paths, f"studykit/__init__.py line {node.lineno} runs code: hash it"
