"""The ``studykit`` command: check question banks, practise in the terminal, see progress.

    studykit check [PATHS ...]          validate banks (exit 1 and list every problem if any)
    studykit list                       the question ids
    studykit quiz [--due | --question ID] [--limit N]
    studykit progress                   scores, what is due, weakest rubric criteria
    studykit export [-o FILE]           the whole history as CSV

``--bank PATH`` picks the bank (default: the repository's ``questions/``), ``--db FILE`` the
progress database (default: the user's data directory, or ``$STUDYKIT_HOME/data``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Sequence

from . import scheduling
from .progress import ProgressError, ProgressStore, ProgressSummary
from .questions import (DEFAULT_BANK, QuestionBankError, UnknownQuestionError, find_question,
                        has_schema_comment, load_bank)
from .quiz import Terminal, run_quiz


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Never crash on a character the terminal's encoding lacks (curly quotes over an old SSH).
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    try:
        return args.run(args)
    except QuestionBankError as e:
        _error(f"the question bank has {len(e.problems)} problem(s):\n{e}")
    except (ProgressError, UnknownQuestionError) as e:
        _error(str(e))
    except KeyboardInterrupt:
        _error("interrupted; every attempt already saved is safe.")
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stdout = open(os.devnull, "w")  # so the interpreter's final flush stays quiet
        return 0
    return 1


def _error(message: str) -> None:
    print(f"studykit: error: {message}", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="studykit", description="Practise the chapter's interview questions and track progress.")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    def command(name: str, run, help: str, bank: bool = True, db: bool = True):
        sub = commands.add_parser(name, help=help, description=help)
        if bank:
            sub.add_argument("--bank", type=Path, default=DEFAULT_BANK, metavar="PATH",
                             help="question bank: a YAML file or a directory of them "
                                  "(default: %(default)s)")
        if db:
            sub.add_argument("--db", type=Path, default=None, metavar="FILE",
                             help="progress database (default: progress.sqlite3 in the studykit "
                                  "data directory; STUDYKIT_HOME overrides)")
        sub.set_defaults(run=run)
        return sub

    check = command("check", _check, "validate question banks", bank=False, db=False)
    check.add_argument("paths", nargs="*", type=Path, default=[DEFAULT_BANK], metavar="PATH",
                       help="bank files or directories (default: %(default)s)")
    command("list", _list, "list the questions in the bank", db=False)
    quiz = command("quiz", _quiz, "practise in the terminal: answer, reveal, self-grade, save")
    which = quiz.add_mutually_exclusive_group()
    which.add_argument("--due", action="store_true",
                       help="only questions due for review (and never practised)")
    which.add_argument("--question", action="append", metavar="ID",
                       help="practise this question (repeat for several)")
    quiz.add_argument("--limit", type=_positive_int, metavar="N", help="stop after N questions")
    command("progress", _progress, "summary: scores, what is due next, weakest rubric criteria")
    export = command("export", _export, "write the whole practice history as CSV", bank=False)
    export.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="CSV file to write (default: standard output)")
    return parser


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return int(text)


def _check(args) -> int:
    questions = load_bank(args.paths)  # raises with every problem found
    counts = Counter(q.source.rsplit(":", 1)[0] for q in questions)
    for file, count in counts.items():
        print(f"ok  {file}: {count} questions")
        if not has_schema_comment(file):
            print("    note: add '# yaml-language-server: $schema=<path to questions/schema.json>' "
                  "as the first line so editors validate the file as you type")
    return 0


def _list(args) -> int:
    for q in load_bank(args.bank):
        origin = "chapter" if q.origin == "chapter" else "own"
        print(f"{q.id:<42} {q.difficulty:<7} {origin:<8} {_shorten(q.question, 60)}")
    return 0


def _quiz(args) -> int:
    bank = load_bank(args.bank)
    store = ProgressStore(args.db, bank=bank)
    if args.question:
        chosen = [find_question(bank, qid) for qid in args.question]
    else:
        ids = store.due() if args.due else store.practice_order()
        by_id = {q.id: q for q in bank}
        chosen = [by_id[qid] for qid in ids]
    if args.limit:
        chosen = chosen[:args.limit]
    if not chosen:
        print(f"Nothing is due. {_next_review(store.summary())} "
              "Run `studykit quiz` without --due to practise anyway.")
        return 0
    result = run_quiz(chosen, store, Terminal())
    return 130 if result.stopped_by == "Ctrl-C" else 0


def _progress(args) -> int:
    store = ProgressStore(args.db, bank=load_bank(args.bank))
    print(format_summary(store.summary(), store))
    return 0


def _export(args) -> int:
    store = ProgressStore(args.db)
    if args.output:
        count = store.export_csv(args.output)
        print(f"Wrote {count} attempts to {args.output}", file=sys.stderr)
    else:
        store.export_csv(sys.stdout)
    return 0


def format_summary(summary: ProgressSummary, store: ProgressStore) -> str:
    """The progress summary as plain text for the terminal."""
    now = summary.now
    in_bank = [q for q in summary.questions if q.in_bank]
    lines = [f"{scheduling.plural(len(in_bank), 'question')} · {len(summary.practised)} practised · "
             f"{scheduling.plural(summary.total_attempts, 'attempt')} · {len(summary.due)} due now",
             f"Progress database: {store.path}", "",
             f"{'question':<42} {'tries':>5} {'last':>5} {'best':>5}  next review"]
    for q in summary.questions:
        last = f"{q.last.met}/{q.last.total}" if q.last else "-"
        best = f"{float(q.best):.0%}" if q.best is not None else "-"
        when = scheduling.describe_due(q.due, now) if q.in_bank else "not in the bank any more"
        lines.append(f"{q.question_id:<42} {q.attempts:>5} {last:>5} {best:>5}  {when}")
    if summary.weakest:
        lines += ["", "Weakest rubric criteria (each question's latest attempts):"]
        for c in summary.weakest:
            lines.append(f"  {c.met}/{c.seen} met  {c.question_id}: {c.criterion}")
    lines += ["", _next_review(summary)]
    return "\n".join(lines)


def _next_review(summary: ProgressSummary) -> str:
    when = lambda q: scheduling.describe_due(q.due, summary.now)  # noqa: E731
    if summary.due:
        return f"Next up: {summary.due[0].question_id} ({when(summary.due[0])})."
    upcoming = [q for q in summary.questions if q.in_bank and q.due is not None]
    if upcoming:
        first = min(upcoming, key=lambda q: q.due)
        return f"Next review: {first.question_id}, {when(first)}."
    return "No questions in the bank."


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


if __name__ == "__main__":
    sys.exit(main())
