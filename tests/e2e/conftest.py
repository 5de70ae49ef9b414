"""A real JupyterLab from the project's venv, and headless chromium driving it with Playwright.

Each notebook gets its own server (started the first time a test opens it, shared by the tests of
that notebook) on a free loopback port with a random token, serving a scratch copy of notebooks/
(running cells in the browser autosaves; the committed notebooks stay untouched) and its own
STUDYKIT_HOME (so progress lands in a fresh database; the model cache is shared). Each test's
kernels are shut down when it ends; the servers at the end of the session, kernels included.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("STUDYKIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # no connections out of this machine
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Lab:
    url: str
    token: str
    root: Path  # the folder the server serves
    home: Path  # STUDYKIT_HOME of the server and its kernels

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, token: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen, url: str, token: str) -> None:
    """Ask the server to shut down (it stops its kernels), then make sure the whole group is gone."""
    if process.poll() is None:
        try:
            request = urllib.request.Request(f"{url}/api/shutdown?token={token}", method="POST")
            urllib.request.urlopen(request, timeout=5).close()
            process.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # our own process group: the server and its kernels
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


def _start_lab(folder: Path) -> tuple[Lab, subprocess.Popen]:
    root, home, settings = folder / "notebooks", folder / "home", folder / "lab-settings"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    home.mkdir()
    (home / "cache").symlink_to(Path(os.environ["STUDYKIT_HOME"]) / "cache", target_is_directory=True)
    settings.mkdir()  # an empty user-settings folder: only the kit's own settings (in the venv) apply
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        STUDYKIT_HOME=str(home),
        JUPYTER_PREFER_ENV_PATH="1",
        JUPYTER_CONFIG_DIR=str(folder / "jupyter-config"),
        JUPYTER_RUNTIME_DIR=str(folder / "jupyter-runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(folder / "lab-workspaces"),
    )
    log = folder / "jupyterlab.log"
    jupyter_lab = Path(sys.executable).parent / "jupyter-lab"  # the project's venv
    with open(log, "w") as log_file:
        process = subprocess.Popen(
            [str(jupyter_lab), "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
             "--LabApp.expose_app_in_browser=True", *(["--allow-root"] if os.geteuid() == 0 else [])],
            env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, token, process, log)
    except BaseException:
        _stop(process, url, token)
        raise
    return Lab(url, token, root, home), process


def _shut_down_kernels(lab: Lab) -> None:
    """End every session (and its kernel) on the server, so the next test starts a fresh kernel."""
    def call(path: str, method: str = "GET"):
        request = urllib.request.Request(f"{lab.url}/api/{path}?token={lab.token}", method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response) if method == "GET" else None

    for session in call("sessions"):
        call(f"sessions/{session['id']}", "DELETE")


@pytest.fixture(scope="session")
def _lab_per_notebook(tmp_path_factory):
    """One server per notebook for the whole session, started the first time a test opens it."""
    started: dict[str, tuple[Lab, subprocess.Popen]] = {}

    def lab_for(notebook: str) -> Lab:
        if notebook not in started:
            started[notebook] = _start_lab(tmp_path_factory.mktemp(f"lab-{Path(notebook).stem}"))
        return started[notebook][0]

    yield lab_for
    for lab, process in started.values():
        _stop(process, lab.url, lab.token)


class LabForTheNotebook:
    """What a test sees as ``lab``: the server of the notebook it opens (``notebook_url``), which
    ``url``, ``token``, ``root`` and ``home`` then refer to."""

    def __init__(self, lab_for):
        self._lab_for, self.current = lab_for, None

    def notebook_url(self, name: str) -> str:
        self.current = self._lab_for(name)
        return self.current.notebook_url(name)

    def __getattr__(self, name):
        if name in ("url", "token", "root", "home"):
            if self.current is None:
                raise AttributeError(f"lab.{name}: open a notebook first (its server is started then)")
            return getattr(self.current, name)
        raise AttributeError(name)


@pytest.fixture
def lab(_lab_per_notebook):
    """A real JupyterLab serving the notebook the test opens. Tests of one notebook share its server
    (starting one is the slow part); each test's kernels are shut down when it ends, so every test
    runs the notebook in a fresh kernel."""
    view = LabForTheNotebook(_lab_per_notebook)
    yield view
    if view.current is not None:
        _shut_down_kernels(view.current)


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"The browser tests need chromium at {CHROMIUM}. Install it (Debian/Ubuntu: apt-get install chromium; "
            "`make test` does this when run as root) or set STUDYKIT_CHROMIUM to a Chromium binary."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()
