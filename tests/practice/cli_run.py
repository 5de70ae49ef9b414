"""Running the ``studykit`` command in-process, as a learner types at it (the CLI tests share this)."""

import io
import sys
from pathlib import Path

from studykit.practice.cli import main

MINI = Path(__file__).parents[1] / "data" / "banks" / "mini.yaml"  # a two-question bank


def run(capsys, monkeypatch, *argv, typed: str = ""):
    """``studykit *argv`` with ``typed`` on stdin: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(typed))
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err
