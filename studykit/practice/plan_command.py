"""The ``studykit plan`` command and ``studykit quiz --today``: the interview date and the daily
limit read from the command line or the progress database, checked, then handed to ``readiness``,
``plan`` and ``readiness_text``. A bad value is a ``usage.UsageError``: one line, exit code 2.
"""

from __future__ import annotations

from datetime import date, timedelta

from . import plan, readiness
from .progress import ProgressStore
from .questions import load_bank
from .readiness_text import format_report
from .scheduling import utc_now
from .usage import UsageError


def run_plan(args) -> int:
    """`studykit plan`: keep the date and the limit given, then print the report and the plan."""
    today = _utc_today()
    interview = _interview_date(args.interview, today) if args.interview is not None else None
    per_day = _per_day(args.per_day) if args.per_day is not None else None
    bank = load_bank(args.bank)
    store = ProgressStore(args.db, bank=bank)
    if interview is not None:
        store.set_interview_date(interview)
    if per_day is not None:
        store.set_setting(plan.PER_DAY_SETTING, str(per_day))
    interview, per_day = _plan_settings(store, today)
    attempts = store.attempts()
    the_plan = plan.plan_for(bank, attempts, today, interview, per_day)
    report = readiness.assess(bank, attempts, readiness.interview_moment(interview))
    print(format_report(report, the_plan, plan.done_today(the_plan, attempts), today))
    return 0


def _utc_today() -> date:
    return utc_now().date()


def _interview_date(text: str, today):
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--interview must be a date written YYYY-MM-DD, not {text!r}; e.g. "
                         f"--interview {(today + timedelta(days=14)).isoformat()}") from None
    if day < today:
        raise UsageError(f"--interview {day.isoformat()} is in the past (today is "
                         f"{today.isoformat()}, UTC); type today or a later date, e.g. "
                         f"--interview {today.isoformat()}")
    return day


def _per_day(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise UsageError(f"--per-day must be a whole number of at least 1, not {text!r}; "
                         "e.g. --per-day 12")
    return int(text)


def _plan_settings(store, today):
    """The interview date and questions per day kept in ``store``; a usage error if unset or past."""
    interview = store.interview_date()
    if interview is None:
        raise UsageError("no interview date set yet; type: studykit plan --interview YYYY-MM-DD")
    if interview < today:
        raise UsageError(f"your interview date {interview.isoformat()} has passed; type: studykit "
                         "plan --interview YYYY-MM-DD")
    kept = store.setting(plan.PER_DAY_SETTING)
    return interview, int(kept) if kept is not None else plan.DEFAULT_PER_DAY


def todays_questions(bank, store) -> list:
    """Today's planned questions not yet practised today (printing why when there are none)."""
    today = _utc_today()
    interview, per_day = _plan_settings(store, today)
    attempts = store.attempts()
    the_plan = plan.plan_for(bank, attempts, today, interview, per_day)
    done = plan.done_today(the_plan, attempts)
    by_id = {q.id: q for q in bank}
    todo = [by_id[q] for q in the_plan.today.question_ids if q not in done]
    if not todo:
        print(f"Today's plan is done ({len(done)} of {len(the_plan.today.question_ids)}). "
              "See what comes next with `studykit plan`.")
    return todo
