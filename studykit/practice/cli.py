"""The ``studykit`` command: check question banks, practise in the terminal, see progress.

    studykit check [PATHS ...]          validate banks (exit 1 and list every problem if any)
    studykit list [FILTERS]             the question ids
    studykit quiz [--due | --today | --question ID] [--limit N] [FILTERS]
    studykit interview [--questions N] [--minutes M] [--due] [--question ID] [FILTERS]
                                        a timed mock interview
    studykit progress                   scores, times, follow-ups, what is due, weakest criteria
    studykit plan [--interview YYYY-MM-DD] [--per-day N]   readiness on the date, a plan to it
    studykit export [-o FILE] [--anki FILE.apkg]   the history as CSV; the bank as an Anki deck
    studykit drill [NAME] [--list] [--file PATH]    a coding drill, checked against the kit

FILTERS narrow the questions: ``--tag TAG``, ``--notebook NN`` (the questions whose evidence points
into notebook NN), ``--difficulty easy|medium|hard`` and ``--origin chapter|studykit`` (the book's
own questions, or those written for this kit). Each may be repeated (any of the values);
different filters must all hold, and they combine with ``--due``. A value no question has is a usage
error whose one line lists the valid values (``selection``).

``--bank PATH`` picks the bank (default: the repository's ``questions/``), ``--db FILE`` the
progress database (default: the user's data directory, or ``$STUDYKIT_HOME/data``).

Only argparse and the standard library are imported at the top: the bank, the scheduler and
genanki load inside the command that needs them, so ``--help`` answers at once. A bad option value
is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Sequence

from .usage import USAGE_ERROR, UsageError

BUNDLED_BANK = Path(__file__).resolve().parents[2] / "questions"  # questions.DEFAULT_BANK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Never crash on a character the terminal's encoding lacks (curly quotes over an old SSH).
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    from .progress import ProgressError
    from .drills.catalog import UnknownDrillError
    from .questions import QuestionBankError, UnknownQuestionError
    try:
        return args.run(args)
    except QuestionBankError as e:
        _error(f"the question bank has {len(e.problems)} problem(s):\n{e}")
    except (UsageError, UnknownQuestionError, UnknownDrillError) as e:
        _error(str(e))
        return USAGE_ERROR
    except ProgressError as e:
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
            sub.add_argument("--bank", type=Path, default=BUNDLED_BANK, metavar="PATH",
                             help="question bank: a YAML file or a directory of them "
                                  "(default: the bundled questions/)")
        if db:
            sub.add_argument("--db", type=Path, default=None, metavar="FILE",
                             help="progress database (default: progress.sqlite3 in the studykit "
                                  "data directory; STUDYKIT_HOME overrides)")
        sub.set_defaults(run=run)
        return sub

    check = command("check", _check, "validate question banks", bank=False, db=False)
    check.add_argument("paths", nargs="*", type=Path, default=[BUNDLED_BANK], metavar="PATH",
                       help="bank files or directories (default: the bundled questions/)")
    _add_filters(command("list", _list, "list the questions in the bank", db=False))
    quiz = command("quiz", _quiz, "practise in the terminal: answer, reveal, self-grade, save")
    which = quiz.add_mutually_exclusive_group()
    which.add_argument("--due", action="store_true",
                       help="only questions due for review (and never practised)")
    which.add_argument("--question", action="append", metavar="ID",
                       help="practise this question (repeat for several)")
    which.add_argument("--today", action="store_true",
                       help="exactly today's plan to the interview date (see studykit plan), "
                            "minus what you practised today")
    quiz.add_argument("--limit", type=_positive_int, metavar="N", help="stop after N questions")
    _add_filters(quiz)
    interview = command(
        "interview", _interview,
        "a timed mock interview: each answer against a clock, the follow-ups before any answer "
        "is revealed, then the review and a summary")
    picks = interview.add_mutually_exclusive_group()
    # Numbers are checked in _interview, not by argparse, so a bad one is a single clear line.
    picks.add_argument("--questions", default="3", metavar="N",
                       help="how many questions: due ones first, difficulties mixed (default: 3)")
    picks.add_argument("--question", action="append", metavar="ID",
                       help="ask this question (repeat for several) instead of picking")
    interview.add_argument("--minutes", default="2", metavar="M",
                           help="time box per answer, in minutes; 1.5 is 90 s (default: 2); "
                                "going over is noted, not cut off")
    interview.add_argument("--due", action="store_true",
                           help="pick only questions due for review (and never practised)")
    _add_filters(interview)
    command("progress", _progress,
            "summary: scores, time per answer, follow-ups, what is due next, weakest criteria")
    plan = command("plan", _plan,
                   "readiness on your interview date (predicted recall per question and topic, "
                   "criteria met reliably) and a daily plan to it")
    # Checked in _plan, not by argparse, so a bad value is one line that says what to type.
    plan.add_argument("--interview", metavar="YYYY-MM-DD",
                      help="your interview date (kept in the progress database; default: the one "
                           "set before)")
    plan.add_argument("--per-day", metavar="N",
                      help="at most N questions a day (kept; default: the one set before, or "
                           "12)")
    export = command("export", _export,
                     "write the practice history as CSV, or the question bank as an Anki deck")
    export.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="CSV file to write (default: standard output, unless --anki)")
    export.add_argument("--anki", type=Path, metavar="FILE.apkg",
                        help="write the question bank as an Anki deck; re-importing a newer one "
                             "updates the notes")
    drill = command("drill", _drill,
                    "a coding drill: write the function in your editor against the clock; each check "
                    "runs it against the kit's own implementation and shows the first failing case",
                    bank=False)
    drill.add_argument("name", nargs="?", metavar="NAME",
                       help="the drill, e.g. top-p (default: the one most due); --list shows them all")
    drill.add_argument("--list", action="store_true", help="list the drills with their history and next review")
    drill.add_argument("--file", type=Path, metavar="PATH",
                       help="where to write the starter / your solution (default: drills/NAME.py in the "
                            "studykit data directory); an existing file is continued, never overwritten")
    drill.add_argument("--no-editor", action="store_true",
                       help="do not open $VISUAL/$EDITOR; print the file's path instead")
    return parser


def _add_filters(sub: argparse.ArgumentParser) -> None:
    filters = sub.add_argument_group(
        "filters", "repeat one for any of several values; different filters must all hold")
    # Values are checked against the bank in _filtered, not by argparse: a bad one is a single line
    # that lists the valid ones.
    filters.add_argument("--tag", action="append", default=[], metavar="TAG",
                         help="questions with this tag (an unknown one lists every tag)")
    filters.add_argument("--notebook", action="append", default=[], metavar="NN",
                         help="questions whose evidence points into notebook NN, e.g. 06")
    filters.add_argument("--difficulty", action="append", default=[], metavar="LEVEL",
                         help="easy, medium or hard")
    filters.add_argument("--origin", action="append", default=[], metavar="FROM",
                         help="chapter (the book's seven questions) or studykit (written for this kit)")


def _filtered(args, bank):
    """(the filter, the questions of ``bank`` it lets through); a UsageError for a value no question
    has, a filter beside --question, or filters that together match nothing."""
    from .selection import QuestionFilter, UnknownFilterValue
    chosen = QuestionFilter(tuple(args.tag), tuple(args.notebook), tuple(args.difficulty),
                            tuple(args.origin))
    if not chosen:
        return chosen, list(bank)
    if getattr(args, "question", None):
        raise UsageError("--question picks questions by id, so it takes no --tag, --notebook, "
                         "--difficulty or --origin; give one or the other")
    try:
        chosen.check(bank)
    except UnknownFilterValue as e:
        raise UsageError(str(e)) from None
    matching = chosen.apply(bank)
    if not matching:
        raise UsageError(f"no question matches {chosen.as_options()} together; drop one of them "
                         f"(`studykit list` takes the same options and shows what each matches)")
    return chosen, matching


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return int(text)


def _check(args) -> int:
    from .questions import has_schema_comment, load_bank
    questions = load_bank(args.paths)  # raises with every problem found
    counts = Counter(q.source.rsplit(":", 1)[0] for q in questions)
    for file, count in counts.items():
        print(f"ok  {file}: {count} questions")
        if not has_schema_comment(file):
            print("    note: add '# yaml-language-server: $schema=<path to questions/schema.json>' "
                  "as the first line so editors validate the file as you type")
    return 0


def _list(args) -> int:
    from .questions import load_bank
    _, questions = _filtered(args, load_bank(args.bank))
    for q in questions:
        origin = "chapter" if q.origin == "chapter" else "own"
        print(f"{q.id:<42} {q.difficulty:<7} {origin:<8} {_shorten(q.question, 60)}")
    return 0


def _quiz(args) -> int:
    from .progress import ProgressStore
    from .questions import find_question, load_bank
    from .quiz import Terminal, run_quiz
    bank = load_bank(args.bank)
    only, pool = _filtered(args, bank)
    store = ProgressStore(args.db, bank=bank)
    if args.question:
        chosen = [find_question(bank, qid) for qid in args.question]
    elif args.today:
        from .plan_command import todays_questions
        planned = todays_questions(bank, store)
        if not planned:
            return 0
        allowed = {q.id for q in pool}
        chosen = [q for q in planned if q.id in allowed]  # the filters narrow today's plan
        if not chosen:
            print(f"None of today's {len(planned)} planned questions matches {only.as_options()}.")
            return 0
    else:
        ids = [q.id for q in pool]
        ids = store.due(question_ids=ids) if args.due else store.practice_order(question_ids=ids)
        by_id = {q.id: q for q in bank}
        chosen = [by_id[qid] for qid in ids]
    if args.limit:
        chosen = chosen[:args.limit]
    if not chosen:
        _say_nothing_is_due(store, only, pool, "quiz")
        return 0
    result = run_quiz(chosen, store, Terminal())
    return 130 if result.stopped_by == "Ctrl-C" else 0


def _interview(args) -> int:
    from . import interview
    from .interview_terminal import run_interview
    from .progress import ProgressStore
    from .questions import find_question, load_bank
    from .quiz import Terminal
    count, minutes = _whole_number(args.questions, "--questions"), _number(args.minutes, "--minutes")
    try:
        interview.check_settings(count, minutes)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if args.question and args.due:
        raise UsageError("--question asks those questions whether they are due or not; give "
                         "--question or --due, not both")
    bank = load_bank(args.bank)
    if args.question:
        _filtered(args, bank)  # refuses filters beside --question
        chosen = [find_question(bank, qid) for qid in args.question]  # before opening the store
        store = ProgressStore(args.db, bank=bank)
    else:
        only, pool = _filtered(args, bank)
        store = ProgressStore(args.db, bank=bank)
        if args.due:
            due = set(store.due(question_ids=[q.id for q in pool]))
            if not due:
                _say_nothing_is_due(store, only, pool, "interview")
                return 0
            pool = [q for q in pool if q.id in due]
        chosen = interview.pick_questions(pool, store, count)
    result = run_interview(chosen, store, Terminal(), minutes)
    return 130 if result.stopped_by == "Ctrl-C" else 0


def _say_nothing_is_due(store, only, pool, command: str) -> None:
    which = f"matching {only.as_options()} " if only else ""
    print(f"Nothing {which}is due. {_next_review(store.summary(), {q.id for q in pool})} "
          f"Run `studykit {command}` without --due to practise anyway.")


def _whole_number(text: str, option: str) -> int:
    if not text.strip().isdigit():
        raise UsageError(f"{option} must be a whole number of at least 1, not {text!r}; "
                         f"e.g. {option} 3")
    return int(text)


def _number(text: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"{option} must be a number of minutes, not {text!r}; e.g. {option} 2 "
                         "(1.5 is 90 seconds)") from None


def _progress(args) -> int:
    from .progress import ProgressStore
    from .questions import load_bank
    store = ProgressStore(args.db, bank=load_bank(args.bank))
    print(format_summary(store.summary(), store))
    return 0


def _plan(args) -> int:
    from .plan_command import run_plan
    return run_plan(args)


def _export(args) -> int:
    from .progress import ProgressStore
    if args.anki:
        from . import anki
        from .questions import load_bank
        _usage_checked(anki.check_destination, args.anki)  # before the bank loads: a typo costs nothing
        count = anki.write_deck(load_bank(args.bank), args.anki)
        print(f"Wrote {count} Anki notes to {args.anki}; import it with Anki's File > Import "
              "(importing a newer export updates the notes).", file=sys.stderr)
    if args.output:
        from .. import paths
        _usage_checked(paths.check_writable, args.output, "-o")
        count = ProgressStore(args.db).export_csv(args.output)
        print(f"Wrote {count} attempts to {args.output}", file=sys.stderr)
    elif not args.anki:
        ProgressStore(args.db).export_csv(sys.stdout)
    return 0


def _drill(args) -> int:
    from .drills.catalog import find_drill
    from .drills.session import drill_statuses
    from .drills.terminal import default_file, editor_command, format_statuses, run_drill
    from .progress import ProgressStore
    from .quiz import Terminal
    if args.list and args.name:
        raise UsageError("give a drill NAME or --list, not both; e.g. `studykit drill top-p`")
    drill = find_drill(args.name) if args.name else None  # an unknown name costs nothing
    if args.file is not None:
        if args.file.is_dir():
            raise UsageError(f"--file '{args.file}' is a directory; give a .py file name inside it")
        if not args.file.parent.is_dir():
            raise UsageError(f"--file '{args.file}': the folder '{args.file.parent}' does not exist")
    store = ProgressStore(args.db)
    if args.list:
        print(format_statuses(store))
        return 0
    if drill is None:
        drill = drill_statuses(store)[0].drill
    path = args.file if args.file is not None else default_file(drill)
    editor = None if args.no_editor else editor_command()
    session = run_drill(drill, store, Terminal(), path, editor=editor)
    return 0


def _usage_checked(check, *args) -> None:
    """Run a check that raises ValueError; its message becomes a one-line usage error."""
    try:
        check(*args)
    except ValueError as e:
        raise UsageError(str(e)) from None


def format_summary(summary, store) -> str:
    """The progress summary (a ``progress.ProgressSummary``) as plain text for the terminal."""
    from . import scheduling
    from .clock import format_seconds
    now = summary.now
    in_bank = [q for q in summary.questions if q.in_bank]
    lines = [f"{scheduling.plural(len(in_bank), 'question')} · {len(summary.practised)} practised · "
             f"{scheduling.plural(summary.total_attempts, 'attempt')} · {len(summary.due)} due now",
             f"Progress database: {store.path}"]
    if summary.timed_answers:
        lines.append(f"Time per answer: median {format_seconds(summary.median_seconds)} over "
                     f"{scheduling.plural(summary.timed_answers, 'timed answer')}")
    if summary.follow_ups_asked:
        lines.append(f"Follow-ups in mock interviews: {summary.follow_ups_well} of "
                     f"{summary.follow_ups_asked} answered well")
    lines += ["", f"{'question':<42} {'tries':>5} {'last':>5} {'best':>5} {'time':>5} "
                  f"{'f-ups':>5}  next review"]
    for q in summary.questions:
        last = f"{q.last.met}/{q.last.total}" if q.last else "-"
        best = f"{float(q.best):.0%}" if q.best is not None else "-"
        took = format_seconds(q.last.seconds) if q.last and q.last.seconds is not None else "-"
        ups = (f"{q.last.follow_ups_well}/{len(q.last.follow_ups)}" if q.last and q.last.follow_ups
               else "-")
        when = scheduling.describe_due(q.due, now) if q.in_bank else "not in the bank any more"
        lines.append(f"{q.question_id:<42} {q.attempts:>5} {last:>5} {best:>5} {took:>5} {ups:>5}"
                     f"  {when}")
    if summary.weakest:
        lines += ["", "Weakest rubric criteria (each question's latest attempts):"]
        for c in summary.weakest:
            lines.append(f"  {c.met}/{c.seen} met  {c.question_id}: {c.criterion}")
    lines += ["", _next_review(summary)]
    return "\n".join(lines)


def _next_review(summary, only: set[str] | None = None) -> str:
    """What comes next, among the questions ``only`` names (default: the whole bank)."""
    from . import scheduling
    when = lambda q: scheduling.describe_due(q.due, summary.now)  # noqa: E731
    due = [q for q in summary.due if only is None or q.question_id in only]
    if due:
        return f"Next up: {due[0].question_id} ({when(due[0])})."
    upcoming = [q for q in summary.questions if q.in_bank and q.due is not None
                and (only is None or q.question_id in only)]
    if upcoming:
        first = min(upcoming, key=lambda q: q.due)
        return f"Next review: {first.question_id}, {when(first)}."
    return "No questions in the bank."


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


if __name__ == "__main__":
    sys.exit(main())
