"""Test-session set-up shared by unit tests and notebooks (nbval kernels inherit this environment).

Tests must never touch the learner's own progress, so STUDYKIT_HOME points at a fresh temporary
folder for the whole session. Its cache/ links to the real model cache so the de-quantised model is
built once per machine, not once per test run.
"""

import os
import shutil
import tempfile
from pathlib import Path

# Notebook outputs are compared with the tolerance their printed numbers deserve, not digit for
# digit: see tests/notebook_outputs.py and CONTRIBUTING.md.
pytest_plugins = ("tests.notebook_outputs",)

# torch's OpenMP threads busy-wait between operations by default; on a 2-core machine where a
# kernel, a JupyterLab server and a browser run beside the test process, that spin made sampling
# several times slower. Set before any torch import; nbval's kernels inherit it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def pytest_configure(config):
    from studykit import paths

    # Resolved before STUDYKIT_HOME is redirected (a parallel worker inherits the main process's
    # redirected home: follow its link to the real cache).
    real_cache = Path(os.path.realpath(paths.cache_dir()))
    home = Path(tempfile.mkdtemp(prefix="studykit-test-home-"))
    (home / "cache").symlink_to(real_cache, target_is_directory=True)
    config._studykit_home = home
    os.environ["STUDYKIT_HOME"] = str(home)
    os.environ.pop("STUDYKIT_MODEL", None)  # tests and committed outputs are for the bundled model
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never wait on an unreachable hub
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def pytest_unconfigure(config):
    home = getattr(config, "_studykit_home", None)
    if home is not None:
        shutil.rmtree(home, ignore_errors=True)
