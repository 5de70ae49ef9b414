"""Where studykit keeps its files, and how it writes one that nobody may see half-written.

``STUDYKIT_HOME`` (if set) holds everything: ``$STUDYKIT_HOME/cache`` for the de-quantised model
and ``$STUDYKIT_HOME/data`` for the learner's progress. Otherwise the platform's user cache and
data directories are used (``~/.cache/studykit`` and ``~/.local/share/studykit`` on Linux).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator

import platformdirs

APP_NAME = "studykit"


def _home() -> Path | None:
    value = os.environ.get("STUDYKIT_HOME", "").strip()
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """Directory for rebuildable files (the model cache). Created on demand."""
    home = _home()
    path = home / "cache" if home else Path(platformdirs.user_cache_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Directory for the learner's own files (progress database). Created on demand."""
    home = _home()
    path = home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_writable(path: Path, option: str) -> None:
    """ValueError naming ``option`` unless a file can be written at ``path``: checked before any
    work, so that a typo costs nothing."""
    if path.is_dir():
        raise ValueError(f"{option} '{path}' is a directory; give a file name inside it")
    folder = path.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"cannot write {option} '{path}': the folder '{folder}' is missing or not "
                         "writable; choose another path")


@contextlib.contextmanager
def replacing(destination: Path, mode: str = "w", **open_args) -> Iterator[IO]:
    """A scratch file beside ``destination``, open for writing; when the block ends it replaces
    ``destination`` in one rename, and if the block fails it is deleted. Either way no reader ever
    sees half a file, and a failed export leaves the previous one as it was."""
    fd, scratch = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.",
                                   suffix=".partial")
    try:
        with os.fdopen(fd, mode, **open_args) as file:
            yield file
        os.replace(scratch, destination)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(scratch)
        raise
