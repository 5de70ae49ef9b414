"""Readiness in notebook 05: the report, a chart of recall by topic, a calendar of the plan, and a
panel where the learner sets the interview date.

    >>> ReadinessPanel(bank, ProgressStore(bank=bank))                     # doctest: +SKIP

Everything computed comes from ``readiness`` and ``plan``; this module only shows it. Widgets carry
``studykit-readiness-*`` CSS classes so that browser tests can find them.
"""

from __future__ import annotations

import calendar
import html
from datetime import date, timedelta
from typing import Sequence

import ipywidgets as widgets
from IPython.display import display

from . import plan as planning
from .plan import Plan
from .progress import ProgressError, ProgressStore
from .readiness import READY_COVERAGE, READY_RECALL, Readiness, assess, interview_moment
from .readiness_text import verdict
from .scheduling import utc_now
from .widgets import button, styled
from ..tables import HTMLTable

DEFAULT_DAYS_AHEAD = 14  # the date first offered when none is set yet


class ReadinessReport:
    """A ``Readiness`` shown as its verdict, the weakest topics and the per-question table."""

    def __init__(self, report: Readiness):
        self.report = report

    def topics_table(self) -> HTMLTable:
        rows = [(t.tag, str(len(t.question_ids)), f"{t.recall:.0%}", f"{t.reliable}/{t.criteria}")
                for t in self.report.shared_topics]
        return HTMLTable(("topic", "questions", "predicted recall", "criteria met reliably"), rows,
                         caption="Topics shared by several questions, weakest first")

    def questions_table(self) -> HTMLTable:
        rows = [(q.question_id, str(q.attempts), f"{q.recall:.0%}",
                 "".join("+" if r else "-" for r in q.reliable)) for q in self.report.questions]
        return HTMLTable(("question", "tries", "predicted recall", "criteria (+ met reliably)"), rows,
                         caption=f"On {self.report.interview:%Y-%m-%d}")

    def _repr_html_(self) -> str:
        return (f"<p><b>{html.escape(verdict(self.report))}</b></p>"
                f"<p>{html.escape(self_grading_text(self.report))}</p>"
                f"{self.topics_table()._repr_html_()}{self.questions_table()._repr_html_()}")

    def __repr__(self) -> str:
        return f"{verdict(self.report)}\n{self_grading_text(self.report)}\n{self.topics_table()!r}"


def self_grading_text(report: Readiness) -> str:
    check = report.self_grading
    if check.rate is None:
        return "Self-grading check: no question tried twice yet."
    return (f"Self-grading check: {check.met_then_missed} of {check.met_then_tried} criteria ticked "
            f"as met were missed at the next attempt ({check.rate:.0%}).")


def topic_recall_figure(now: Readiness, after: Readiness):
    """Predicted recall by shared topic on the interview date: as things stand, and after today's
    plan (a matplotlib Figure)."""
    from matplotlib import pyplot as plt  # pyplot sets up inline display in a notebook

    topics = [t.tag for t in now.shared_topics]
    later = {t.tag: t.recall for t in after.topics}
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(topics) + 1.4), layout="constrained")
    plt.close(fig)  # shown once, where the figure is returned
    y = range(len(topics))
    ax.barh([i - 0.2 for i in y], [t.recall * 100 for t in now.shared_topics], height=0.4,
            color="C0", label="as things stand")
    ax.barh([i + 0.2 for i in y], [later[t] * 100 for t in topics], height=0.4, color="C2",
            label="after today's plan")
    ax.axvline(READY_RECALL * 100, color="0.3", linestyle="--", linewidth=1,
               label=f"threshold {READY_RECALL:.0%}")
    ax.set_yticks(list(y), topics)
    ax.invert_yaxis()  # weakest at the top
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"predicted recall on {now.interview:%Y-%m-%d} (%)")
    ax.set_title(f"Recall by topic: {now.recall:.0%} overall now, {after.recall:.0%} after today")
    fig.legend(loc="outside lower center", ncols=3, frameon=False, fontsize="small")
    return fig


class PlanCalendar:
    """The plan as a month-style calendar: questions per day, the final sweep shaded, the interview
    day marked; hover a day for its question ids."""

    def __init__(self, plan: Plan, done: set[str] = frozenset()):
        self.plan = plan
        self.done = set(done)

    def _repr_html_(self) -> str:
        plan = self.plan
        by_day = {d.day: d.question_ids for d in plan.days}
        first = plan.days[0].day - timedelta(days=plan.days[0].day.weekday())
        last = plan.interview + timedelta(days=6 - plan.interview.weekday())
        head = "".join(f"<th>{name}</th>" for name in calendar.day_abbr)
        rows, day = [], first
        while day <= last:
            cells = []
            for _ in range(7):
                cells.append(self._cell(day, by_day.get(day)))
                day += timedelta(days=1)
            rows.append("<tr>" + "".join(cells) + "</tr>")
        return (f"<p>Plan to {plan.interview:%a %Y-%m-%d}: at most {plan.per_day} questions a day; "
                "shaded: every question at least once (hover a day for its questions)</p>"
                f"<table class='studykit-plan-calendar'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
                f"<p><b>Today:</b> {html.escape(self._today_text())}</p>")

    def _cell(self, day: date, ids: tuple[str, ...] | None) -> str:
        style = "padding:2px 6px;text-align:center;min-width:4em;border:1px solid #ddd;"
        if day == self.plan.interview:
            return f"<td style='{style}background:#fde2c6'>{day:%d %b}<br><b>interview</b></td>"
        if ids is None:
            return f"<td style='{style}color:#bbb'>{day:%d %b}</td>"
        if day >= self.plan.final_from:
            style += "background:#e3eefb;"
        title = html.escape(", ".join(ids) or "nothing due", quote=True)
        return f"<td style='{style}' title='{title}'>{day:%d %b}<br><b>{len(ids)}</b></td>"

    def _today_text(self) -> str:
        ids = self.plan.today.question_ids
        return ", ".join(q + (" (done)" if q in self.done else "") for q in ids) or "nothing due"

    def __repr__(self) -> str:
        lines = [f"Plan to {self.plan.interview:%Y-%m-%d}, at most {self.plan.per_day} a day"]
        lines += [f"{d.day:%a %d %b}  {len(d.question_ids):>3}" for d in self.plan.days]
        return "\n".join(lines)


class ReadinessPanel:
    """Set the interview date and the daily limit, see the readiness figure and the plan.

    **Save and plan** keeps the date and the limit in the progress database (as ``studykit plan
    --interview`` does); **Update** recomputes after you saved answers in the card above."""

    def __init__(self, bank: Sequence, store: ProgressStore, today: date | None = None):
        self.bank = list(bank)
        self.store = store
        self.today = today
        kept = store.interview_date()
        per_day = store.setting(planning.PER_DAY_SETTING)
        self.date = styled(widgets.DatePicker(
            description="Interview", value=kept or self._today() + timedelta(days=DEFAULT_DAYS_AHEAD),
            style={"description_width": "initial"}), "studykit-readiness-date")
        self.per_day = styled(widgets.BoundedIntText(
            description="At most per day", value=int(per_day) if per_day else planning.DEFAULT_PER_DAY,
            min=1, max=500, style={"description_width": "initial"},
            layout=widgets.Layout(width="12em")), "studykit-readiness-per-day")
        self.save_button = button("studykit-readiness-save", "Save and plan", button_style="info",
                                  icon="calendar")
        self.update_button = button("studykit-readiness-update", "Update", icon="refresh")
        self.figure = styled(widgets.HTML(), "studykit-readiness-figure")
        self.status = styled(widgets.HTML(), "studykit-readiness-status")
        self.details = styled(widgets.HTML(), "studykit-readiness-details")
        self.chart = styled(widgets.Output(), "studykit-readiness-chart")
        self.widget = styled(widgets.VBox(
            [widgets.HBox([self.date, self.per_day, self.save_button, self.update_button]),
             self.figure, self.status, self.chart, self.details]), "studykit-readiness")
        self.save_button.on_click(lambda _: self.save())
        self.update_button.on_click(lambda _: self.update())
        self.report: Readiness | None = None
        self.after_today: Readiness | None = None
        self.plan: Plan | None = None
        if kept is not None and kept >= self._today():
            self.update()
        else:
            self.status.value = "Pick your interview date and the most questions a day, then <b>Save and plan</b>."

    def _today(self) -> date:
        return self.today or utc_now().date()

    def save(self) -> None:
        """Keep the date and the limit (refusing a date in the past), then update."""
        day, per_day, today = self.date.value, self.per_day.value, self._today()
        try:
            planning.check_plan_settings(today, day, per_day)
        except ValueError as e:
            self.status.value = f"<span style='color:#b00'>{html.escape(str(e))}.</span>"
            return
        try:
            self.store.set_interview_date(day)
            self.store.set_setting(planning.PER_DAY_SETTING, str(per_day))
        except ProgressError as e:
            self.status.value = f"<span style='color:#b00'>Not saved: {html.escape(str(e))}</span>"
            return
        self.update()

    def update(self) -> None:
        """Recompute the figure and the plan from the store's attempts."""
        day, today = self.store.interview_date(), self._today()
        if day is None or day < today:
            self.status.value = "Pick your interview date (today or later), then <b>Save and plan</b>."
            return
        attempts = self.store.attempts()
        self.plan = planning.plan_for(self.bank, attempts, today, day, self._per_day())
        self.report = assess(self.bank, attempts, interview_moment(day))
        self.after_today = planning.readiness_after_today(self.bank, attempts, self.plan)
        r = self.report
        self.figure.value = (
            f"<b>{'Ready' if r.ready else 'Not yet'}</b>: predicted recall on {day:%Y-%m-%d} "
            f"<b>{r.recall:.1%}</b> ({self.after_today.recall:.1%} after today's plan; threshold "
            f"{READY_RECALL:.0%}) · criteria met reliably "
            f"<b>{float(r.coverage):.1%}</b> (threshold {float(READY_COVERAGE):.0%}) · weakest topics: "
            + html.escape(", ".join(f"{t.tag} {t.recall:.0%}" for t in r.weakest_topics)))
        done = planning.done_today(self.plan, attempts)
        self.status.value = (f"Saved for {day:%a %Y-%m-%d}. {html.escape(self_grading_text(r))} "
                             "Practise today's plan in a terminal with <code>studykit quiz --today</code>.")
        self.details.value = PlanCalendar(self.plan, done)._repr_html_()
        self.chart.clear_output(wait=True)
        with self.chart:
            display(topic_recall_figure(r, self.after_today))

    def _per_day(self) -> int:
        kept = self.store.setting(planning.PER_DAY_SETTING)
        return int(kept) if kept else planning.DEFAULT_PER_DAY

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = "Readiness panel: set your interview date, then Save and plan"
        bundle["text/html"] = ("<p><b>Readiness panel</b></p><p><i>Run the notebook to set your "
                               "interview date and see your plan.</i></p>")
        return bundle
