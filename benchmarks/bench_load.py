"""Model load: cold (de-quantise the bundled GGUF file, build the cache) vs warm (verified cache).

Each load runs in a fresh process with transformers already imported, so only loading is timed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from benchmarks.common import Result

_CHILD = """
import time
import transformers, studykit.models as models
start = time.perf_counter()
models.load()
print(time.perf_counter() - start)
"""


def _load_seconds(home: str) -> float:
    env = dict(os.environ, STUDYKIT_HOME=home, HF_HUB_OFFLINE="1")
    env.pop("STUDYKIT_MODEL", None)
    out = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def run() -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="studykit-bench-") as home:
        cold = _load_seconds(home)
        warm = min(_load_seconds(home) for _ in range(3))
    ratio = cold / warm
    return [
        Result("model load, cold (GGUF de-quantise + build cache)", cold, "s"),
        Result("model load, warm (verified safetensors cache)", warm, "s"),
        Result("warm load speed-up over cold", ratio, "x", ">= 4x", ratio >= 4),
    ]
