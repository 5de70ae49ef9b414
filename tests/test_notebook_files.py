"""Committed notebooks carry no volatile metadata, and a learner's notebooks survive `git pull`."""

import datetime
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from studykit.notebook_files import (MANIFEST, notebook_text, strip_files, strip_volatile, sync_working_copies,
                                     volatile_metadata)

ROOT = Path(__file__).resolve().parents[1]
KIT_NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
DAY = datetime.date(2026, 12, 1)


def _notebook(source="print(1)", **cell_metadata) -> dict:
    cell = {"cell_type": "code", "execution_count": 1, "id": "a1", "metadata": dict(cell_metadata),
            "outputs": [{"name": "stdout", "output_type": "stream", "text": ["1\n"]}], "source": [source]}
    return {"cells": [cell], "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}


# ----------------------------------------------------------------------------- volatile metadata


@pytest.mark.parametrize("path", KIT_NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_carry_no_volatile_metadata(path):
    found = volatile_metadata(json.loads(path.read_text(encoding="utf-8")))
    assert not found, (f"{path.name} carries per-run metadata ({', '.join(found[:3])}, ...): "
                       f"run `python -m studykit.notebook_files strip {path.relative_to(ROOT)}`")


def test_strip_removes_execution_timestamps_and_papermill_records_only():
    timing = {"iopub.execute_input": "2026-11-29T09:00:00.1Z", "shell.execute_reply": "2026-11-29T09:00:00.2Z"}
    notebook = _notebook(execution=timing, papermill={"duration": 0.1}, tags=["nbval-ignore-output"])
    notebook["metadata"]["papermill"] = {"start_time": "2026-11-29"}
    assert volatile_metadata(notebook) == ["notebook: papermill", "cell 0: execution", "cell 0: papermill"]
    stripped = strip_volatile(json.loads(json.dumps(notebook)))
    assert volatile_metadata(stripped) == []
    assert stripped["cells"][0]["metadata"] == {"tags": ["nbval-ignore-output"]}
    assert stripped["cells"][0]["outputs"] == notebook["cells"][0]["outputs"]
    assert stripped["metadata"] == {"kernelspec": {"name": "python3"}}


def test_strip_files_rewrites_only_notebooks_that_need_it_in_nbformat_layout(tmp_path):
    dirty, clean = tmp_path / "dirty.ipynb", tmp_path / "clean.ipynb"
    dirty.write_text(notebook_text(_notebook(execution={"iopub.status.busy": "t"})))
    clean.write_text(notebook_text(_notebook()))
    before = clean.stat().st_mtime_ns
    assert strip_files([dirty, clean]) == [dirty]
    assert dirty.read_text() == clean.read_text()
    assert clean.stat().st_mtime_ns == before
    assert strip_files([dirty]) == []  # idempotent


def test_notebook_text_matches_the_committed_layout_byte_for_byte():
    for path in KIT_NOTEBOOKS:
        text = path.read_text(encoding="utf-8")
        assert notebook_text(json.loads(text)) == text, path.name


# ----------------------------------------------------------------------------- working copies


def _write(path: Path, source: str) -> None:
    path.write_text(notebook_text(_notebook(source)))


def test_sync_copies_missing_notebooks_and_never_touches_a_learners_edit(tmp_path):
    kit, work = tmp_path / "kit", tmp_path / "work"
    kit.mkdir()
    _write(kit / "01.ipynb", "kit v1")
    assert sync_working_copies(kit, work, today=DAY) == [f"copied {kit / '01.ipynb'} -> {work / '01.ipynb'}"]
    _write(work / "01.ipynb", "learner's note")
    learner = (work / "01.ipynb").read_bytes()
    assert sync_working_copies(kit, work, today=DAY) == []  # kit unchanged: nothing to do
    assert (work / "01.ipynb").read_bytes() == learner


def test_sync_offers_an_updated_kit_notebook_beside_the_learners_copy(tmp_path):
    kit, work = tmp_path / "kit", tmp_path / "work"
    kit.mkdir()
    _write(kit / "01.ipynb", "kit v1")
    sync_working_copies(kit, work, today=DAY)
    _write(work / "01.ipynb", "learner's note")
    learner = (work / "01.ipynb").read_bytes()

    _write(kit / "01.ipynb", "kit v2")
    report = sync_working_copies(kit, work, today=DAY)
    offered = work / "01 (updated 2026-12-01).ipynb"
    assert len(report) == 1 and "kept as you left it" in report[0] and str(offered) in report[0]
    assert (work / "01.ipynb").read_bytes() == learner
    assert offered.read_bytes() == (kit / "01.ipynb").read_bytes()
    assert sync_working_copies(kit, work, today=DAY) == []  # offered once, not on every start

    _write(offered, "learner also edits the offered copy")
    _write(kit / "01.ipynb", "kit v3")  # a second update the same day gets its own name
    sync_working_copies(kit, work, today=DAY)
    assert (work / "01 (updated 2026-12-01, 2).ipynb").read_text() == (kit / "01.ipynb").read_text()
    assert "learner also edits" in offered.read_text() and (work / "01.ipynb").read_bytes() == learner


def test_sync_replaces_a_copy_the_learner_never_changed_and_recreates_a_deleted_one(tmp_path):
    kit, work = tmp_path / "kit", tmp_path / "work"
    kit.mkdir()
    _write(kit / "01.ipynb", "kit v1")
    sync_working_copies(kit, work, today=DAY)
    _write(kit / "01.ipynb", "kit v2")
    assert sync_working_copies(kit, work, today=DAY) == [f"updated {work / '01.ipynb'} (you had not changed it)"]
    assert (work / "01.ipynb").read_bytes() == (kit / "01.ipynb").read_bytes()
    (work / "01.ipynb").unlink()
    sync_working_copies(kit, work, today=DAY)
    assert (work / "01.ipynb").read_bytes() == (kit / "01.ipynb").read_bytes()
    assert sorted(p.name for p in work.iterdir()) == [MANIFEST, "01.ipynb"]


def test_sync_keeps_a_copy_it_has_no_record_of(tmp_path):
    kit, work = tmp_path / "kit", tmp_path / "work"
    kit.mkdir(), work.mkdir()
    _write(kit / "01.ipynb", "kit v1")
    _write(work / "01.ipynb", "made by hand")
    sync_working_copies(kit, work, today=DAY)
    _write(kit / "01.ipynb", "kit v2")
    sync_working_copies(kit, work, today=DAY)
    assert "made by hand" in (work / "01.ipynb").read_text()
    assert (work / "01 (updated 2026-12-01).ipynb").exists()


def test_sync_rejects_a_missing_kit_folder(tmp_path):
    with pytest.raises(ValueError, match="kit_dir must be the kit's notebooks folder"):
        sync_working_copies(tmp_path / "nope", tmp_path / "work")


def test_make_lab_opens_the_learners_copies_after_syncing_them():
    dry_run = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    lines = [line for line in dry_run.splitlines() if "notebook_files sync" in line or "jupyter lab" in line]
    assert len(lines) == 2, dry_run
    assert lines[0].endswith("-m studykit.notebook_files sync notebooks my-notebooks")
    assert "--notebook-dir=my-notebooks" in lines[1]


# ----------------------------------------------------------------------------- the whole rule, with git


def _git(cwd, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="kit", GIT_AUTHOR_EMAIL="kit@example.org", GIT_COMMITTER_NAME="kit",
               GIT_COMMITTER_EMAIL="kit@example.org", GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout


def _sync(clone):
    # The command `make lab` runs before starting JupyterLab.
    command = [sys.executable, "-m", "studykit.notebook_files", "sync", "notebooks", "my-notebooks"]
    return subprocess.run(command, cwd=clone, capture_output=True, text=True, check=True).stdout


def test_a_learner_who_runs_edits_and_saves_then_pulls_loses_nothing_and_hits_no_conflict(tmp_path):
    upstream, clone = tmp_path / "upstream", tmp_path / "clone"
    (upstream / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / ".gitignore", upstream / ".gitignore")
    name = "02_the_mechanism.ipynb"
    for path in KIT_NOTEBOOKS[:2]:
        shutil.copy(path, upstream / "notebooks" / path.name)
    _git(upstream, "init", "-q", "-b", "main")
    _git(upstream, "add", ".")
    _git(upstream, "commit", "-q", "-m", "kit v1")
    _git(tmp_path, "clone", "-q", str(upstream), str(clone))

    assert "copied" in _sync(clone)
    # The learner runs the notebook (new outputs, execution counts, timestamps) and writes a note.
    mine = clone / "my-notebooks" / name
    notebook = json.loads(mine.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["execution_count"] = 99
            cell["metadata"]["execution"] = {"iopub.execute_input": "2026-12-01T10:00:00Z"}
    notebook["cells"].insert(1, {"cell_type": "markdown", "id": "note1", "metadata": {},
                                 "source": ["My note: top-p adapts to how peaked the market is."]})
    mine.write_text(notebook_text(notebook))
    saved = mine.read_bytes()
    assert _git(clone, "status", "--porcelain") == ""  # nothing of the learner's is in git's view

    # The kit changes that notebook upstream; the learner updates the kit.
    kit_notebook = json.loads((upstream / "notebooks" / name).read_text())
    kit_notebook["cells"][0]["source"] = ["# The mechanism (revised)\n"]
    (upstream / "notebooks" / name).write_text(notebook_text(kit_notebook))
    _git(upstream, "commit", "-q", "-am", "kit v2: revise notebook 02")
    _git(clone, "pull", "-q", "--ff-only")

    report = _sync(clone)
    assert "kept as you left it" in report, report
    assert mine.read_bytes() == saved  # not a byte lost
    offered = list((clone / "my-notebooks").glob("02_the_mechanism (updated *).ipynb"))
    assert len(offered) == 1 and offered[0].read_bytes() == (clone / "notebooks" / name).read_bytes()
    assert _git(clone, "status", "--porcelain") == ""
