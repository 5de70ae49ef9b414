"""A verified on-disk copy of a de-quantised model, written atomically.

Loading the bundled GGUF file de-quantises every tensor (~15-20 s). Saving the result once as
safetensors makes later loads take well under a second. The cache must never hand a learner a
broken model, so:

- it is built in a private temporary directory and published with one atomic ``rename``; a
  process killed mid-write leaves only a temporary directory, never a half-written cache;
- a manifest (written last) records every file's size and SHA-256; a cache whose files do not
  match is moved aside and rebuilt, never loaded;
- an exclusive lock serialises builders, so two kernels starting at once build it once and
  both load the same good copy.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

MANIFEST = "studykit-manifest.json"
# Bump when the layout of a cache entry changes, so old entries are ignored, not misread.
FORMAT_VERSION = 1


class CorruptCacheError(Exception):
    """A cache entry exists but does not match its manifest."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def verify(entry: Path) -> None:
    """Raise CorruptCacheError unless every file listed in the manifest is intact."""
    try:
        manifest = json.loads((entry / MANIFEST).read_text())
        files = manifest["files"]
        if manifest.get("format") != FORMAT_VERSION or not files:
            raise CorruptCacheError(f"{entry}: unknown cache format")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CorruptCacheError(f"{entry}: unreadable manifest ({exc})") from None
    for name, expected in files.items():
        path = entry / name
        if not path.is_file() or path.stat().st_size != expected["size"]:
            raise CorruptCacheError(f"{path}: missing or wrong size")
        if _sha256(path) != expected["sha256"]:
            raise CorruptCacheError(f"{path}: checksum mismatch")


def _write_manifest(entry: Path) -> None:
    files = {}
    for path in sorted(entry.iterdir()):
        with open(path, "rb") as f:
            os.fsync(f.fileno())  # data on disk before the manifest vouches for it
        files[path.name] = {"size": path.stat().st_size, "sha256": _sha256(path)}
    manifest = entry / MANIFEST
    manifest.write_text(json.dumps({"format": FORMAT_VERSION, "files": files}, indent=1))
    with open(manifest, "rb") as f:
        os.fsync(f.fileno())
    _fsync_dir(entry)


@contextmanager
def _exclusive_lock(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "a+") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _discard(path: Path) -> None:
    """Move a bad entry out of the way first (atomic), then delete it."""
    trash = path.with_name(f".discard-{path.name}-{os.getpid()}-{os.urandom(4).hex()}")
    try:
        path.rename(trash)
    except FileNotFoundError:
        return
    shutil.rmtree(trash, ignore_errors=True)


def ensure_entry(entry: Path, build: Callable[[Path], None]) -> Path:
    """Return ``entry``, a verified cache directory, building it with ``build(tmpdir)`` if needed.

    ``build`` writes the entry's files into the empty directory it is given.
    """
    entry.parent.mkdir(parents=True, exist_ok=True)
    try:
        verify(entry)
        return entry
    except CorruptCacheError:
        pass
    with _exclusive_lock(entry.with_name(entry.name + ".lock")):
        # Another process may have built it while we waited for the lock.
        try:
            verify(entry)
            return entry
        except CorruptCacheError:
            _discard(entry)
        tmp = Path(tempfile.mkdtemp(prefix=f".build-{entry.name}-", dir=entry.parent))
        try:
            tmp.chmod(entry.parent.stat().st_mode & 0o777)  # mkdtemp is private; the cache need not be
            build(tmp)
            _write_manifest(tmp)
            tmp.rename(entry)
            _fsync_dir(entry.parent)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    verify(entry)
    return entry
