"""Generated text cached on disk, keyed by everything that affects it.

Sampling a few hundred continuations on a 2-core CPU takes minutes; re-running a notebook or the
test suite should not pay that again for the same result. A cache entry is keyed by:

- a fingerprint of the model (its config, a strided sample and the sum of every weight tensor) and of the
  tokenizer (its folder's name, vocabulary size, chat template);
- every argument of the call (prompts, temperatures, filters, seed, lengths, batch size);
- the versions of torch, transformers and numpy, and the source of the studykit modules that
  generate (``sampling``, ``generation``, ``beam``, ``models`` and this one) and of every studykit
  module they import (``model_cache``, ``paths``);
- the numerical kernels that computed it: torch's CPU capability (``ATEN_CPU_CAPABILITY``), its
  thread count and the processor. Another kernel moves the logits in their fifth digit, so its
  result is another result: a test run under other kernels recomputes instead of reading back.

Change any of them and the entry is simply not found. The global torch random state after the
call is stored too and restored on a hit, so the cells that follow draw exactly what they would
have drawn. Entries live in ``studykit.paths.cache_dir() / "results"``, are written atomically,
and a damaged entry is recomputed. ``STUDYKIT_RESULT_CACHE=0`` switches the cache off.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any, Callable, TypeVar

import numpy as np

from .. import paths

__all__ = ["cached", "model_fingerprint", "enabled", "numerics"]

T = TypeVar("T")
# The modules that generate and every studykit module they import (tests/test_result_cache.py checks
# that none is missing): a change to any of them can change a result.
# Paths from the package folder (studykit/); the layers' __init__ files hold only docstrings.
_GENERATING_MODULES = ("maths/sampling.py", "maths/beam.py", "lm/generation.py", "lm/beam_search.py",
                       "lm/models.py", "lm/result_cache.py", "lm/model_cache.py", "paths.py",
                       "maths/__init__.py", "lm/__init__.py", "lm/prompt_cache.py", "lm/scoring.py")
_FORMAT = 1


class _Uncacheable(Exception):
    """An argument has no stable description (e.g. a logits-processor object): compute, don't cache."""


def enabled() -> bool:
    return os.environ.get("STUDYKIT_RESULT_CACHE", "1").strip() not in ("0", "false", "no", "off")


def cached(kind: str, model, tokenizer, arguments: dict[str, Any], compute: Callable[[], T]) -> T:
    """``compute()``, or its stored result for the same model, tokenizer, ``arguments`` and code."""
    if not enabled():
        return compute()
    try:
        key = _key(kind, model, tokenizer, arguments)
    except (_Uncacheable, AttributeError, TypeError):
        # No stable description (an object argument, or not a real model: compute() then says
        # what is wrong with the arguments, as it would without a cache).
        return compute()
    import torch

    path = paths.cache_dir() / "results" / f"{kind}-{key}.pkl"
    try:
        with open(path, "rb") as f:
            entry = pickle.load(f)
        if entry.get("format") == _FORMAT and entry.get("key") == key:
            torch.set_rng_state(entry["rng_state"])
            return entry["result"]
    except FileNotFoundError:
        pass
    except Exception:  # a damaged or foreign entry: recompute and replace it
        pass
    result = compute()
    _store(path, {"format": _FORMAT, "key": key, "result": result, "rng_state": torch.get_rng_state()})
    return result


def model_fingerprint(model) -> str:
    """A hash of the model's config, a strided sample of each weight tensor and each tensor's sum."""
    known = getattr(model, "_studykit_fingerprint", None)
    if known is not None:
        return known
    import torch

    digest = hashlib.sha256(model.config.to_json_string().encode())
    with torch.no_grad():
        for name, parameter in sorted(model.state_dict().items()):
            sample = parameter.detach().reshape(-1)[:: 9973].to(torch.float64).cpu().numpy()
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(sample).tobytes())
            digest.update(repr(float(parameter.detach().to(torch.float64).sum())).encode())  # every weight counts
    fingerprint = digest.hexdigest()
    try:
        model._studykit_fingerprint = fingerprint
    except AttributeError:
        pass
    return fingerprint


def _key(kind: str, model, tokenizer, arguments: dict[str, Any]) -> str:
    description = _description(kind, model, tokenizer, arguments)
    return hashlib.sha256(json.dumps(description, sort_keys=True).encode()).hexdigest()[:32]


def _description(kind: str, model, tokenizer, arguments: dict[str, Any]) -> dict[str, Any]:
    """Everything the key hashes, one entry per component (a test varies each one)."""
    import torch
    import transformers

    return {
        "kind": kind,
        "model": model_fingerprint(model),
        # The folder's name, not its path: the same model cache reached through another home
        # (the test session links one) must give the same key.
        "tokenizer": [Path(str(getattr(tokenizer, "name_or_path", ""))).name, len(tokenizer),
                      hashlib.sha256(str(getattr(tokenizer, "chat_template", "")).encode()).hexdigest()],
        "arguments": _canonical(arguments),
        "versions": [torch.__version__, transformers.__version__, np.__version__],
        "code": _code_hash(),
        "numerics": numerics(),
    }


def numerics() -> list:
    """What decides the last digits of a float result here: kernels, threads, processor."""
    import torch

    return [torch.backends.cpu.get_cpu_capability(), torch.get_num_threads(), _processor()]


@functools.lru_cache(maxsize=1)
def _processor() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    import platform

    return f"{platform.machine()} {platform.processor()}".strip()


def _canonical(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)  # a JSON number, written exactly (repr), never equal to a string
    if isinstance(value, np.ndarray):
        return [_canonical(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    raise _Uncacheable(type(value).__name__)


@functools.lru_cache(maxsize=1)
def _code_hash() -> str:
    here = Path(__file__).resolve().parents[1]  # studykit/
    digest = hashlib.sha256()
    for name in _GENERATING_MODULES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def _store(path: Path, entry: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(entry, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only or full cache only costs time
