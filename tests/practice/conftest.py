"""Fixtures shared by the practice tests."""

from pathlib import Path

import pytest

from tests.practice.bank_file import questions_of


@pytest.fixture
def db(tmp_path) -> Path:
    """A progress database path in a fresh folder (the file is created on first use)."""
    return tmp_path / "progress.sqlite3"


@pytest.fixture(scope="module")
def questions(request) -> list[dict]:
    """The questions of the bank file a test module names as ``BANK``."""
    return questions_of(request.module.BANK)

