"""Where studykit keeps its files.

``STUDYKIT_HOME`` (if set) holds everything: ``$STUDYKIT_HOME/cache`` for the de-quantised model
and ``$STUDYKIT_HOME/data`` for the learner's progress. Otherwise the platform's user cache and
data directories are used (``~/.cache/studykit`` and ``~/.local/share/studykit`` on Linux).
"""

from __future__ import annotations

import os
from pathlib import Path

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
