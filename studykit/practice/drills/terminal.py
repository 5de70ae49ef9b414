"""``studykit drill``: write a drill in your own editor, against the clock, and have it checked.

The starter file goes to ``drills/<name>.py`` in the studykit data directory (or ``--file``). A
file that already exists is the learner's work and is never overwritten: the drill continues from
it. With ``$VISUAL`` or ``$EDITOR`` set on a terminal, the editor opens on the file and the check
runs when it closes; otherwise the file's path is printed for any editor. Then, at the prompt:

    Enter   check now          (also: saving the file checks it, on a terminal)
    e       open the editor again
    g       give up and see the solution
    q       stop; the file is kept and the drill continues next time

Each check is saved as an attempt (mode ``drill``); the solution is shown only after a pass or a
give-up.
"""

from __future__ import annotations

import os
import select
import shlex
import subprocess
import time
from pathlib import Path

from ... import paths
from ..clock import AnswerTimer, format_seconds
from ..progress import ProgressStore
from ..quiz import Terminal
from .catalog import Drill
from .session import DrillSession, drill_statuses

WATCH_EVERY_S = 0.5  # how often the file's modification time is read while waiting at the prompt


def default_file(drill: Drill) -> Path:
    return paths.data_dir() / "drills" / f"{drill.id.removeprefix('drill-')}.py"


def prepare_file(drill: Drill, path: Path) -> bool:
    """Write the starter to ``path`` unless a file is there already; True if one was written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with paths.replacing(path, "w", encoding="utf-8") as f:
        f.write(drill.starter())
    return True


def run_drill(drill: Drill, store: ProgressStore, term: Terminal, path: Path, *,
              editor: str | None = None, max_examples: int | None = None) -> DrillSession:
    """The whole sitting; returns the session (its reports and saved attempt ids)."""
    fresh = prepare_file(drill, path)
    session = DrillSession(drill, store, max_examples=max_examples)
    timer = AnswerTimer(drill.time_box_seconds)
    term.say(f"Drill {drill.id.removeprefix('drill-')}: {drill.title}  (time box {drill.minutes} min)")
    term.say("")
    term.say(f"def {drill.signature}:")
    for line in drill.contract.splitlines():
        term.say(f"    {line}" if line else "")
    term.say("")
    term.say(f"{'Starter written to' if fresh else 'Continuing your file'} {path}")
    use_editor = bool(editor) and term.interactive
    if use_editor:
        _edit(editor, path, term)
        action = "check"
    else:
        term.say("Open it in any editor. Saving the file checks it; or press Enter to check.")
        action = None
    last_seen = _mtime(path)
    while True:
        if action is None:
            try:
                action, last_seen = _next_action(term, path, last_seen, timer, bool(editor))
            except EOFError:
                action = "quit"
        if action == "check":
            if prepare_file(drill, path):  # the file was deleted or moved meanwhile
                term.say(f"{path} was gone; the starter is written there again.")
                action = None
                continue
            source = path.read_text(encoding="utf-8", errors="replace")
            term.say(f"Checking ({timer.status()}) ...")
            started = time.monotonic()
            report = session.check(source, filename=str(path))
            term.say(str(report))
            term.say(f"  ({time.monotonic() - started:.1f} s; attempt saved)")
            if report.passed:
                _reveal(term, session, "Passed in " + format_seconds(timer.elapsed) + ".")
                return session
        elif action == "edit" and editor:
            _edit(editor, path, term)
            action = "check"
            continue
        elif action == "give up":
            source = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
            session.give_up(source)
            _reveal(term, session, "Gave up after " + format_seconds(timer.elapsed) + ".")
            return session
        elif action == "quit":
            term.say(f"Stopped. Your file stays at {path}; `studykit drill {drill.id.removeprefix('drill-')}` "
                     "continues from it.")
            return session
        action = None


def _reveal(term: Terminal, session: DrillSession, headline: str) -> None:
    term.say("")
    term.say(f"{headline} The kit's solution:")
    term.say("")
    for line in session.solution.rstrip().splitlines():
        term.say(f"    {line}")
    term.say("")
    term.wrapped(f"What the interviewer listens for: {session.drill.listen_for}")
    term.say(f"Next review: {session.next_review()}.")


def _next_action(term: Terminal, path: Path, last_seen, timer: AnswerTimer, has_editor: bool):
    prompt = f"[{timer.status()}] Enter check{' · e edit' if has_editor else ''} · g give up · q quit > "
    if not term.interactive:
        return _parse(term.ask(prompt)), last_seen
    # On a terminal: wait for a line or for the file to be saved, whichever comes first.
    term.stdout.write(prompt)
    term.stdout.flush()
    while True:
        ready, _, _ = select.select([term.stdin], [], [], WATCH_EVERY_S)
        if ready:
            line = term.stdin.readline()
            if not line:
                raise EOFError
            return _parse(line.strip()), _mtime(path)
        now_seen = _mtime(path)
        if now_seen != last_seen:
            term.say("\n(saved: checking)")
            return "check", now_seen


def _parse(answer: str) -> str | None:
    answer = answer.strip().lower()
    return {"": "check", "c": "check", "e": "edit", "g": "give up", "q": "quit"}.get(answer)


def _mtime(path: Path):
    try:
        stat = path.stat()
        return (stat.st_mtime_ns, stat.st_size)
    except OSError:
        return None


def _edit(editor: str, path: Path, term: Terminal) -> None:
    try:
        subprocess.run([*shlex.split(editor), str(path)], check=False)
    except OSError as e:
        term.say(f"could not start the editor {editor!r} ({e}); edit {path} in any editor instead.")


def editor_command() -> str | None:
    return os.environ.get("VISUAL") or os.environ.get("EDITOR") or None


def format_statuses(store: ProgressStore) -> str:
    """The drills as a table: name, time box, attempts, passes, last verdict, next review."""
    from .. import scheduling
    now = scheduling.utc_now()
    lines = [f"{'drill':<22} {'min':>3} {'tries':>5} {'passed':>6} {'last':>6}  next review   title"]
    for s in drill_statuses(store, now):
        last = "-" if s.last_passed is None else ("pass" if s.last_passed else "fail")
        lines.append(f"{s.drill.id.removeprefix('drill-'):<22} {s.drill.minutes:>3} {s.attempts:>5} {s.passes:>6} "
                     f"{last:>6}  {scheduling.describe_due(s.due, now):<13} {s.drill.title}")
    return "\n".join(lines)
