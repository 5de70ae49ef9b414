"""The model cache is built once, published atomically, verified on every use and rebuilt when broken.

These tests use a small stand-in build so they run in seconds; tests/test_models.py does the same
with the real model.
"""

import json
import multiprocessing
import os
import time
from pathlib import Path

import pytest

from studykit.lm import model_cache
from studykit.lm.model_cache import MANIFEST, CorruptCacheError, ensure_entry, verify

PAYLOAD = os.urandom(1 << 16)


def _build(out: Path) -> None:
    (out / "weights.bin").write_bytes(PAYLOAD)
    (out / "config.json").write_text('{"a": 1}')


def _build_in_process(entry: str, log: str, delay: float, payload: bytes, queue) -> None:
    """Run ensure_entry in a child process with a slow build that logs who built."""

    def build(out: Path) -> None:
        with open(log, "a") as f:
            f.write(f"{os.getpid()}\n")
        (out / "weights.bin").write_bytes(payload)
        time.sleep(delay)  # widen the window in which a second builder could interfere
        (out / "config.json").write_text('{"a": 1}')

    try:
        result = ensure_entry(Path(entry), build)
        queue.put(("ok", (result / "weights.bin").read_bytes() == payload))
    except Exception as exc:  # reported to the parent, which fails the test
        queue.put(("error", repr(exc)))


def test_builds_once_and_verifies(tmp_path):
    entry = tmp_path / "models" / "m"
    calls = []
    assert ensure_entry(entry, lambda out: (calls.append(1), _build(out))) == entry
    assert ensure_entry(entry, lambda out: (calls.append(1), _build(out))) == entry
    assert calls == [1]
    verify(entry)
    manifest = json.loads((entry / MANIFEST).read_text())
    assert set(manifest["files"]) == {"weights.bin", "config.json"}


@pytest.mark.parametrize(
    "damage",
    [
        lambda e: (e / "weights.bin").write_bytes(PAYLOAD[:100]),  # truncated
        lambda e: (e / "weights.bin").write_bytes(b"x" + PAYLOAD[1:]),  # same size, flipped byte
        lambda e: (e / "config.json").unlink(),  # missing file
        lambda e: (e / MANIFEST).write_text("{not json"),  # corrupt manifest
        lambda e: (e / MANIFEST).unlink(),  # interrupted before the manifest was written
    ],
    ids=["truncated", "flipped-byte", "missing-file", "corrupt-manifest", "no-manifest"],
)
def test_damaged_entry_is_detected_and_rebuilt(tmp_path, damage):
    entry = tmp_path / "m"
    ensure_entry(entry, _build)
    damage(entry)
    with pytest.raises(CorruptCacheError):
        verify(entry)
    rebuilt = []
    ensure_entry(entry, lambda out: (rebuilt.append(1), _build(out)))
    assert rebuilt == [1]
    assert (entry / "weights.bin").read_bytes() == PAYLOAD
    verify(entry)


def test_failed_build_leaves_nothing_behind(tmp_path):
    entry = tmp_path / "m"

    def failing(out: Path) -> None:
        (out / "weights.bin").write_bytes(b"partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        ensure_entry(entry, failing)
    assert not entry.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["m.lock"]


def _build_while_another_waits(entry: str, log: str, arrivals: str, payload: bytes, queue) -> None:
    """ensure_entry in a child process whose build cannot finish before both processes have asked for
    the lock: each notes its arrival (it found no cache and is about to lock), and a build waits
    until two have arrived. So the two always overlap, however loaded the machine."""
    from contextlib import contextmanager

    real_lock = model_cache._exclusive_lock

    @contextmanager
    def noted_lock(path):
        (Path(arrivals) / str(os.getpid())).touch()
        with real_lock(path):
            yield

    def build(out: Path) -> None:
        with open(log, "a") as f:
            f.write(f"{os.getpid()}\n")
        deadline = time.monotonic() + 30
        while len(list(Path(arrivals).iterdir())) < 2:
            if time.monotonic() > deadline:
                raise TimeoutError("the other process never asked for the lock")
            time.sleep(0.01)
        (out / "weights.bin").write_bytes(payload)
        (out / "config.json").write_text('{"a": 1}')

    model_cache._exclusive_lock = noted_lock
    try:
        result = ensure_entry(Path(entry), build)
        queue.put(("ok", (result / "weights.bin").read_bytes() == payload))
    except Exception as exc:  # reported to the parent, which fails the test
        queue.put(("error", repr(exc)))


def test_two_processes_at_once_build_once_and_both_succeed(tmp_path):
    entry, log, arrivals = tmp_path / "m", tmp_path / "builders.log", tmp_path / "arrivals"
    arrivals.mkdir()
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_build_while_another_waits, args=(str(entry), str(log), str(arrivals), PAYLOAD, queue))
             for _ in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=90) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert results == [("ok", True), ("ok", True)]
    assert len(list(arrivals.iterdir())) == 2  # both found no cache and asked for the lock: they overlapped
    assert len(log.read_text().split()) == 1  # the second waited for the lock, then found the cache
    verify(entry)
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert leftovers == ["arrivals", "builders.log", "m", "m.lock"]


def test_killed_builder_never_publishes_a_partial_entry(tmp_path):
    entry, log = tmp_path / "m", tmp_path / "builders.log"
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    victim = ctx.Process(target=_build_in_process, args=(str(entry), str(log), 30.0, PAYLOAD, queue))
    victim.start()
    deadline = time.monotonic() + 30
    while not log.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    victim.kill()  # SIGKILL mid-build
    victim.join()
    assert not entry.exists()
    # The next user builds a good entry; the lock died with the killed process.
    ensure_entry(entry, _build)
    verify(entry)


def test_published_entry_keeps_parent_permissions(tmp_path):
    tmp_path.chmod(0o755)
    entry = ensure_entry(tmp_path / "m", _build)
    assert entry.stat().st_mode & 0o777 == 0o755


def test_unknown_format_is_not_trusted(tmp_path):
    entry = ensure_entry(tmp_path / "m", _build)
    manifest = json.loads((entry / MANIFEST).read_text())
    manifest["format"] = model_cache.FORMAT_VERSION + 1
    (entry / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(CorruptCacheError, match="format"):
        verify(entry)
