"""The readiness report and the plan as plain text, for ``studykit plan`` in a terminal.

The word "ready" is printed only when ``Readiness.ready`` holds: both figures clear their thresholds.
"""

from __future__ import annotations

import textwrap
from datetime import date

from . import scheduling
from .plan import Plan
from .readiness import READY_COVERAGE, READY_RECALL, RELIABLE_MIN_MET, RELIABLE_OF_LAST, Readiness

WIDTH = 88


def verdict(report: Readiness) -> str:
    """One line: the two figures against their thresholds, and the verdict."""
    figures = (f"predicted recall {report.recall:.0%} (threshold {READY_RECALL:.0%}), criteria met "
               f"reliably {float(report.coverage):.0%} (threshold {float(READY_COVERAGE):.0%})")
    if report.ready:
        return f"Ready: {figures}."
    return f"Not yet: {figures}."


def format_report(report: Readiness, plan: Plan, done: set[str], today: date) -> str:
    day = report.interview.date()
    lines = [f"Interview: {day:%a %Y-%m-%d} ({_in_days(day, today)}) · plan: at most "
             f"{plan.per_day} questions a day", ""]
    notes = [f"predicted recall: the mean over {scheduling.plural(len(report.questions), 'question')}"
             f" of FSRS's recall probability on {day:%Y-%m-%d}, each question counted once, a "
             "question never practised as 0",
             f"criteria met reliably: {report.reliable} of {report.criteria}, each ticked in at "
             f"least {RELIABLE_MIN_MET} of its question's last {RELIABLE_OF_LAST} attempts",
             "weakest topics: " + (", ".join(f"{t.tag} {t.recall:.0%}" for t in report.weakest_topics)
                                   or "none"),
             "Self-graded, and a model of memory, not of skill (README: 'what the figure is not')."]
    lines += [_wrap(verdict(report), "", "  "), *(_wrap(n, "  ", "    ") for n in notes),
              "", _self_grading(report), "",
              f"Predicted recall by topic on {day:%Y-%m-%d} (tags shared by several questions)"]
    lines += _table(("topic", "questions", "recall", "criteria reliably met"),
                    [(t.tag, str(len(t.question_ids)), f"{t.recall:.0%}", f"{t.reliable}/{t.criteria}")
                     for t in report.shared_topics])
    single = len(report.topics) - len(report.shared_topics)
    if single:
        lines.append(f"  ({scheduling.plural(single, 'more tag')} on one question each: see the "
                     "question's own row below)")
    lines += ["", f"Predicted recall by question on {day:%Y-%m-%d} (criteria: + met reliably, - not)"]
    lines += _table(("question", "tries", "recall", "criteria"),
                    [(q.question_id, str(q.attempts), f"{q.recall:.0%}",
                      "".join("+" if r else "-" for r in q.reliable) + f" {sum(q.reliable)}/{len(q.reliable)}")
                     for q in report.questions])
    met = [(q.question_id, c) for q in report.questions for c, r in zip(q.criteria, q.reliable) if r]
    lines += ["", f"Criteria met in at least {RELIABLE_MIN_MET} of your last {RELIABLE_OF_LAST} "
                  f"attempts ({len(met)}):"]
    lines += [_wrap(f"{qid}: {criterion}", "  ", "    ") for qid, criterion in met] or ["  none yet"]
    lines += ["", format_plan(plan, done, today)]
    return "\n".join(lines)


def format_plan(plan: Plan, done: set[str], today: date) -> str:
    sweep = "as many questions as fit" if plan.uncovered else "every question at least once"
    lines = [f"Plan: {scheduling.plural(len(plan.days), 'day')}, "
             f"{scheduling.plural(plan.reviews, 'review')}; {sweep} from {plan.final_from:%a %Y-%m-%d}"]
    if plan.uncovered:
        verb = "does" if len(plan.uncovered) == 1 else "do"
        lines.append(_wrap(f"{scheduling.plural(len(plan.uncovered), 'question')} {verb} not fit at "
                           f"{plan.per_day} a day: {', '.join(plan.uncovered)}; to fit every "
                           f"question, type --per-day {plan.per_day_needed}", "  ", "    "))
    for d in plan.days:
        label = f"{d.day:%a %d %b}" + (" today" if d.day == today else "")
        ids = ", ".join(q + (" (done)" if d.day == today and q in done else "") for q in d.question_ids)
        lines.append(_wrap(f"{label:<16} {len(d.question_ids):>3}  {ids or '-'}", "  ", " " * 24))
    todo = [q for q in plan.today.question_ids if q not in done]
    lines += ["", f"Practise today's plan ({len(todo)} left of {len(plan.today.question_ids)}): "
                  "studykit quiz --today"]
    return "\n".join(lines)


def _self_grading(report: Readiness) -> str:
    check = report.self_grading
    if check.rate is None:
        return _wrap("Self-grading check: no question tried twice yet, so no tick of yours has "
                     "been tested by a later attempt.", "", "  ")
    text = (f"Self-grading check: of {check.met_then_tried} criteria you ticked as met and then "
            f"tried again, you missed {check.met_then_missed} the next time ({check.rate:.0%}).")
    if check.worst:
        qid, index, times = check.worst[0]
        rubric = next((q.criteria for q in report.questions if q.question_id == qid), ())
        name = f'"{rubric[index]}"' if index < len(rubric) else f"criterion {index + 1}"
        text += f" Most often: {qid}, {name} ({scheduling.plural(times, 'time')})."
    return _wrap(text, "", "  ")


def _in_days(day: date, today: date) -> str:
    days = (day - today).days
    return "today" if days == 0 else f"in {scheduling.plural(days, 'day')}"


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(x) for x in column) for column in zip(header, *rows)]
    return ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
            for row in (header, *rows)]


def _wrap(text: str, indent: str, hanging: str) -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=hanging,
                         break_on_hyphens=False)
