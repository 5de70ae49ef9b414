"""Slider latency as the learner feels it: key press on a slider in chromium -> redrawn figure in the page.

Runs the browser test tests/e2e/test_slider_latency.py (a real JupyterLab from the venv, notebooks 01
and 02 run in full, every slider moved 24 times one step at a time) and reads the latencies it
recorded. The explorers compute in the page (studykit.views.browser_explorers): each sample is the key press,
the arithmetic over all 49,152 tokens in JavaScript and the redrawn figure, with no kernel round trip.
The targets: one frame (16 ms) at the median, 50 ms at the 95th percentile. Medians and 95th
percentiles depend on the machine and on what else runs on it: the header of `make bench` names both.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import Result

ROOT = Path(__file__).resolve().parents[1]
TEST = ROOT / "tests" / "e2e" / "test_slider_latency.py"
MEDIAN_MS, P95_MS = 16.0, 50.0  # one frame at 60 Hz; a stutter a learner would notice


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


def measure() -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory(prefix="studykit-latency-") as folder:
        results = Path(folder) / "latency.json"
        env = dict(os.environ, STUDYKIT_LATENCY_RESULTS=str(results))
        run = subprocess.run([sys.executable, "-m", "pytest", str(TEST), "-q", "-p", "no:cacheprovider"],
                             cwd=ROOT, env=env, capture_output=True, text=True)
        if run.returncode != 0 or not results.exists():
            raise RuntimeError(f"the slider latency browser test failed:\n{run.stdout[-3000:]}{run.stderr[-2000:]}")
        return json.loads(results.read_text())


def run() -> list[Result]:
    chromium = Path(os.environ.get("STUDYKIT_CHROMIUM", "/usr/bin/chromium"))
    if not os.access(chromium, os.X_OK):  # make bench installs it where it can (root with apt-get)
        print(f"skipping the browser rows: no chromium at {chromium} (apt-get install chromium, or set "
              "STUDYKIT_CHROMIUM)", file=sys.stderr)
        return []
    rows = []
    for slider, samples in measure().items():
        median, high = statistics.median(samples), p95(samples)
        rows.append(Result(f"{slider} slider -> figure in chromium, median of {len(samples)}", median, "ms",
                           f"<= {MEDIAN_MS:g} ms", median <= MEDIAN_MS))
        rows.append(Result(f"{slider} slider -> figure in chromium, p95", high, "ms",
                           f"<= {P95_MS:g} ms", high <= P95_MS))
    return rows
