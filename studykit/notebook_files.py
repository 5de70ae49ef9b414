"""The notebook files: committed ones without volatile metadata, and the learner's own working copies.

Two rules keep a learner's notes safe from ``git pull``:

* The kit's notebooks (``notebooks/``) carry no metadata that changes on every run (nbconvert's
  per-cell execution timestamps, papermill's records): :func:`strip_volatile` removes it, ``make
  notebooks`` applies it, and a test fails on a committed notebook that carries any.
* A learner never works in ``notebooks/``. ``make lab`` opens ``my-notebooks/`` (git-ignored), which
  :func:`sync_working_copies` fills from the kit: a missing notebook is copied, an existing one is
  never overwritten once the learner has changed it. When the kit's version changes upstream, the
  new version is put beside the learner's copy as ``NAME (updated YYYY-MM-DD).ipynb``.

Command line (what the Makefile runs)::

    python -m studykit.notebook_files strip notebooks/*.ipynb
    python -m studykit.notebook_files sync notebooks my-notebooks
"""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import sys
from pathlib import Path

__all__ = ["volatile_metadata", "strip_volatile", "strip_files", "sync_working_copies"]

# Metadata written anew on every execution, so it differs between any two runs of the same notebook.
VOLATILE_CELL_KEYS = ("execution", "papermill")  # nbclient's record_timing timestamps; papermill's per-cell record
VOLATILE_NOTEBOOK_KEYS = ("papermill",)
# Records, per kit notebook, which kit version the learner's copy came from (hidden in JupyterLab).
MANIFEST = ".studykit-copies.json"


# ----------------------------------------------------------------------------- volatile metadata


def volatile_metadata(notebook: dict) -> list[str]:
    """Where ``notebook`` (parsed JSON) carries volatile metadata, e.g. ``["cell 3: execution"]``."""
    found = [f"notebook: {key}" for key in VOLATILE_NOTEBOOK_KEYS if key in notebook.get("metadata", {})]
    for index, cell in enumerate(notebook.get("cells", [])):
        found += [f"cell {index}: {key}" for key in VOLATILE_CELL_KEYS if key in cell.get("metadata", {})]
    return found


def strip_volatile(notebook: dict) -> dict:
    """``notebook`` with its volatile metadata removed (the argument is modified and returned)."""
    for key in VOLATILE_NOTEBOOK_KEYS:
        notebook.get("metadata", {}).pop(key, None)
    for cell in notebook.get("cells", []):
        for key in VOLATILE_CELL_KEYS:
            cell.get("metadata", {}).pop(key, None)
    return notebook


def notebook_text(notebook: dict) -> str:
    """The JSON text nbformat writes (indent 1, sorted keys, UTF-8, final newline): diffs stay minimal."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def strip_files(paths) -> list[Path]:
    """Strip volatile metadata from notebook files in place; returns the files that changed."""
    changed = []
    for path in map(Path, paths):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        if volatile_metadata(notebook):
            path.write_text(notebook_text(strip_volatile(notebook)), encoding="utf-8")
            changed.append(path)
    return changed


# ----------------------------------------------------------------------------- working copies


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _beside(copy: Path, today: datetime.date) -> Path:
    """A free name next to ``copy`` for the kit's updated version."""
    candidate = copy.with_name(f"{copy.stem} (updated {today.isoformat()}){copy.suffix}")
    number = 2
    while candidate.exists():
        candidate = copy.with_name(f"{copy.stem} (updated {today.isoformat()}, {number}){copy.suffix}")
        number += 1
    return candidate


def sync_working_copies(kit_dir, work_dir, *, today: datetime.date | None = None) -> list[str]:
    """Bring ``work_dir`` up to date with the kit's notebooks in ``kit_dir`` without losing a learner's byte.

    For each ``kit_dir/*.ipynb``:

    * no copy in ``work_dir`` yet (or the learner deleted it): copy it;
    * the kit's version is the one the copy came from: leave the copy alone;
    * the kit's version changed and the copy is byte-identical to what was copied: replace it (the old
      version is in git's history, and the learner wrote nothing in it);
    * the kit's version changed and the learner changed the copy: keep the copy and put the kit's new
      version beside it, ``NAME (updated YYYY-MM-DD).ipynb``.

    Files in ``work_dir`` are never deleted or overwritten otherwise. Returns one line per action.
    """
    kit_dir, work_dir = Path(kit_dir), Path(work_dir)
    if not kit_dir.is_dir():
        raise ValueError(f"kit_dir must be the kit's notebooks folder, got {str(kit_dir)!r} (no such folder)")
    today = today or datetime.date.today()
    work_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = work_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    report = []
    for kit in sorted(kit_dir.glob("*.ipynb")):
        copy, kit_sha = work_dir / kit.name, _sha256(kit)
        record = manifest.get(kit.name)
        if not copy.exists():
            shutil.copyfile(kit, copy)
            record = {"kit": kit_sha, "copied": kit_sha}
            report.append(f"copied {kit} -> {copy}")
        elif record is None:
            # A copy this tool has no record of: never touch it; count it as changed from this version.
            record = {"kit": kit_sha, "copied": kit_sha}
        elif record["kit"] == kit_sha:
            continue
        elif _sha256(copy) == record["copied"]:
            shutil.copyfile(kit, copy)
            record = {"kit": kit_sha, "copied": kit_sha}
            report.append(f"updated {copy} (you had not changed it)")
        else:
            offered = _beside(copy, today)
            shutil.copyfile(kit, offered)
            record = {"kit": kit_sha, "copied": record["copied"]}  # the copy still differs from what was copied
            report.append(f"{kit.name} changed in the kit: your copy {copy} is kept as you left it, "
                          f"the new version is {offered}")
        manifest[kit.name] = record
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return report


# ----------------------------------------------------------------------------- command line


def main(argv: list[str]) -> int:
    usage = ("usage: python -m studykit.notebook_files strip NOTEBOOK...\n"
             "       python -m studykit.notebook_files sync KIT_DIR WORK_DIR")
    if len(argv) >= 2 and argv[0] == "strip":
        for path in strip_files(argv[1:]):
            print(f"removed volatile metadata from {path}")
        return 0
    if len(argv) == 3 and argv[0] == "sync":
        for line in sync_working_copies(argv[1], argv[2]):
            print(line)
        return 0
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
