"""CLI start-up: how long `studykit list`, `check` on a small bank and `quiz --help` take as processes.

Each command runs as a fresh process, the way a learner types it, and the median wall-clock time
of several runs is compared with the target. The bare interpreter's start-up and the CPU time of
the same runs are shown beside it: on a machine busy with other work the wall-clock times grow
while the CPU times barely move. A command that fails stops the benchmark.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Result

REPO = Path(__file__).resolve().parent.parent
SMALL_BANK = REPO / "tests" / "data" / "banks" / "mini.yaml"
COMMANDS = {
    "list": ["list"],
    "check (2-question bank)": ["check", str(SMALL_BANK)],
    "quiz --help": ["quiz", "--help"],
    "interview --help": ["interview", "--help"],
}
TARGET_SECONDS = 0.5
REPEATS = 7


def _studykit() -> list[str]:
    script = Path(sys.executable).with_name("studykit")  # the console script a learner runs
    return [str(script)] if script.exists() else [sys.executable, "-m", "studykit.practice.cli"]


def _run(argv: list[str], env: dict[str, str], program: list[str] | None = None) -> tuple[float, float, int]:
    """Wall-clock seconds, CPU seconds (user + system) and exit code of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run((program or _studykit()) + argv, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


def run() -> list[Result]:
    rows: list[Result] = []
    # A fresh STUDYKIT_HOME: no progress database or cache is touched, and the first `check`
    # pays for generating the schema validator once, as on a learner's first run.
    with tempfile.TemporaryDirectory(prefix="studykit-bench-") as home:
        env = dict(os.environ, STUDYKIT_HOME=home)
        bare = statistics.median(_run(["-c", "pass"], env, [sys.executable])[0] for _ in range(REPEATS))
        rows.append(Result("python -c pass: bare interpreter start-up (median)", bare, "s"))
        first_wall, _, _ = _run(["check", str(SMALL_BANK)], env)
        rows.append(Result("studykit check, first run (generates the validator)", first_wall, "s"))
        for name, argv in COMMANDS.items():
            wall, cpu, code = _run(argv, env)  # warm-up
            if code != 0:
                raise RuntimeError(f"studykit {' '.join(argv)} exited with {code}; fix it before timing it")
            runs = [_run(argv, env) for _ in range(REPEATS)]
            median_wall = statistics.median(r[0] for r in runs)
            median_cpu = statistics.median(r[1] for r in runs)
            rows.append(Result(f"studykit {name}: start-up, median of {REPEATS}", median_wall, "s",
                               f"< {TARGET_SECONDS} s", median_wall < TARGET_SECONDS))
            rows.append(Result(f"studykit {name}: CPU time of those runs", median_cpu, "s"))
    return rows
