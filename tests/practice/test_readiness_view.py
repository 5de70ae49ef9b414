"""Notebook 05's readiness panel, report, chart and calendar, driven from Python."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from studykit.practice import plan
from studykit.practice.progress import ProgressStore
from studykit.practice.questions import DEFAULT_BANK, load_bank
from studykit.practice.readiness import assess, interview_moment
from studykit.practice.readiness_view import (PlanCalendar, ReadinessPanel, ReadinessReport,
                                              topic_recall_figure)

BANK = load_bank(DEFAULT_BANK)
TODAY = date(2026, 12, 6)


@pytest.fixture
def store(tmp_path) -> ProgressStore:
    return ProgressStore(tmp_path / "progress.sqlite3", bank=BANK)


def test_the_panel_keeps_the_date_and_the_figure_moves_after_an_answer(store):
    panel = ReadinessPanel(BANK, store, today=TODAY)
    assert panel.report is None and "Save and plan" in panel.status.value
    panel.date.value, panel.per_day.value = TODAY + timedelta(days=12), 9
    panel.save()
    assert store.interview_date() == TODAY + timedelta(days=12) and store.setting("plan_per_day") == "9"
    assert "predicted recall on 2026-12-18 <b>0.0%</b>" in panel.figure.value
    assert f"<b>0.0%</b> ({panel.after_today.recall:.1%} after today's plan" in panel.figure.value
    assert panel.after_today.recall > 0  # today's nine new questions, once practised
    assert panel.figure.value.startswith("<b>Not yet</b>")
    assert len(panel.plan.today.question_ids) == 9 and "studykit-plan-calendar" in panel.details.value
    store.record(BANK[0].id, [1, 1, 1, 1], "an answer",
                 answered_at=datetime(2026, 12, 6, 10, tzinfo=timezone.utc))
    panel.update()
    expected = assess(BANK, store.attempts(), interview_moment(TODAY + timedelta(days=12))).recall
    assert expected > 0 and f"<b>{expected:.1%}</b>" in panel.figure.value
    assert f"{BANK[0].id} (done)" in panel.details.value
    reopened = ReadinessPanel(BANK, store, today=TODAY)  # the kept date and limit come back
    assert reopened.date.value == TODAY + timedelta(days=12) and reopened.per_day.value == 9
    assert reopened.report is not None


def test_the_panel_refuses_a_date_in_the_past_and_keeps_nothing(store):
    panel = ReadinessPanel(BANK, store, today=TODAY)
    panel.date.value = TODAY - timedelta(days=1)
    panel.save()
    assert "is in the past" in panel.status.value and store.interview_date() is None
    assert panel.report is None


def test_report_chart_and_calendar_show_what_was_computed(store):
    interview = TODAY + timedelta(days=10)
    store.record(BANK[0].id, [1, 1, 1, 0], "x", answered_at=datetime(2026, 12, 1, tzinfo=timezone.utc))
    attempts = store.attempts()
    report = assess(BANK, attempts, interview_moment(interview))
    the_plan = plan.plan_for(BANK, attempts, TODAY, interview, per_day=10)
    after = plan.readiness_after_today(BANK, attempts, the_plan)
    assert after.recall > report.recall
    figure = topic_recall_figure(report, after)
    bars = figure.axes[0].patches
    assert len(bars) == 2 * len(report.shared_topics)
    assert [b.get_width() for b in bars[:len(report.shared_topics)]] == pytest.approx(
        [t.recall * 100 for t in report.shared_topics], abs=1e-9)
    html = PlanCalendar(the_plan)._repr_html_()
    assert html.count("<b>interview</b>") == 1 and html.count("<tr>") >= 3
    assert repr(PlanCalendar(the_plan)).splitlines()[1] == "Sun 06 Dec   10"
    text = repr(ReadinessReport(report))
    assert text.startswith(f"Not yet: predicted recall {report.recall:.0%} (threshold 90%)")
    assert 0 < report.recall < 0.05  # one question of 26, 15 days after one Good answer
