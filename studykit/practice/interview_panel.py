"""The mock interview as a notebook panel: the same session as ``studykit interview``.

    >>> panel = InterviewPanel(bank, ProgressStore(bank=bank))     # doctest: +SKIP
    >>> panel                                                        # shows the panel

Start, answer each question against the clock, answer its follow-ups (no answer is shown until the
interview is over), then review each question: tick the criteria met and the follow-ups answered
well, and save it (one attempt, ``mode="interview"``). The summary table comes last.

The clock ticks in the browser: an ipywidgets ``Play`` counts the seconds in the front end, and a
``jslink`` moves the progress bar without a round trip to the kernel, so the kernel is never
blocked. The kernel hears each tick only to write the ``0:42 of 2:00`` readout; the seconds that are
saved are measured in the kernel (``clock``), from showing the question to "Done". Every widget
carries a ``studykit-interview-*`` CSS class for scripts and browser tests.
"""

from __future__ import annotations

import html
import time
from typing import Sequence

import ipywidgets as widgets

from . import interview, scheduling
from .clock import AnswerTimer, Clock, format_seconds
from .question_html import answers_html, text_html, traps_html
from .progress import ProgressError, ProgressStore
from .questions import Question
from .widgets import FilterBar, button, criteria_checkboxes, styled

A_DAY_S = 24 * 3600  # the Play widget stops at its max: far beyond any answer


class InterviewPanel:
    """Setup, then one answer at a time against the clock, then the reviews, then the summary."""

    def __init__(self, bank: Sequence[Question], store: ProgressStore,
                 questions: int = interview.DEFAULT_QUESTIONS,
                 minutes: float = interview.DEFAULT_MINUTES, clock: Clock | None = None, *,
                 tag: str | None = None, notebook: str | None = None,
                 difficulty: str | None = None, origin: str | None = None):
        interview.check_settings(questions, minutes)
        self.bank, self.store = list(bank), store
        # The filters of `studykit interview` (--tag, --notebook, --difficulty, --origin): the
        # questions are picked among those that match.
        self.filters = FilterBar(self.bank, tag=tag, notebook=notebook, difficulty=difficulty,
                                 origin=origin)
        self.clock = clock or time.monotonic
        self.exchanges: list[interview.Exchange] = []
        self.questions: list[Question] = []
        self.step: tuple[int, int] | None = None  # (question index, follow-up index or -1)
        self.reviewing: int | None = None  # index of the exchange under review
        self.timer: AnswerTimer | None = None

        self.count = styled(widgets.BoundedIntText(
            value=questions, min=1, max=len(self.bank), description="Questions",
            layout=widgets.Layout(width="11em")), "studykit-interview-count")
        self.minutes = styled(widgets.BoundedFloatText(
            value=minutes, min=0.25, max=interview.MAX_MINUTES, step=0.25,
            description="Minutes each", style={"description_width": "initial"},
            layout=widgets.Layout(width="12em")), "studykit-interview-minutes")
        self.start_button = button("studykit-interview-start", "Start the interview",
                                   button_style="primary", icon="play")
        self.setup = widgets.VBox([self.filters.widget,
                                   widgets.HBox([self.count, self.minutes, self.start_button])])

        self.prompt = styled(widgets.HTML(), "studykit-interview-prompt")
        # The front end's Play steps once the moment it starts, then once per interval: starting
        # it from -1 makes that first step land on 0, so the clock does not run a second ahead.
        self.ticker = styled(widgets.Play(value=-1, min=-1, max=A_DAY_S, step=1, interval=1000,
                                           show_repeat=False, layout=widgets.Layout(display="none")),
                              "studykit-interview-ticker")
        self.bar = styled(widgets.IntProgress(value=0, min=0, max=60,
                                               layout=widgets.Layout(width="16em")),
                           "studykit-interview-clock-bar")
        # The bar moves with no kernel round trip.
        self._link = widgets.jslink((self.ticker, "value"), (self.bar, "value"))
        self.clock_label = styled(widgets.HTML(), "studykit-interview-clock")
        self.ticker.observe(lambda change: self._show_clock(change["new"]), names="value")
        self.answer = styled(widgets.Textarea(
            placeholder="Answer as you would aloud; the clock is running.",
            layout=widgets.Layout(width="100%", height="9em")), "studykit-interview-answer")
        self.done_button = button("studykit-interview-done", "Done with this answer",
                                  button_style="info", icon="check")
        self.asking = widgets.VBox([self.prompt, widgets.HBox([self.bar, self.clock_label]),
                                    self.answer, widgets.HBox([self.done_button]), self.ticker])

        self.review_html = styled(widgets.HTML(), "studykit-interview-review-text")
        self.criteria = styled(widgets.VBox(), "studykit-rubric")
        self.traps = styled(widgets.HTML(), "studykit-traps")
        self.follow_up_box = styled(widgets.VBox(), "studykit-interview-follow-ups")
        self.save_button = button("studykit-interview-save", "Save this review",
                                  button_style="success", icon="save")
        self.reviewing_box = styled(widgets.VBox(
            [self.review_html, widgets.HTML("<h4>Which criteria did your answer meet?</h4>"),
             self.criteria, self.traps, self.follow_up_box, widgets.HBox([self.save_button])]),
            "studykit-interview-review")

        self.summary = styled(widgets.HTML(), "studykit-interview-summary")
        self.status = styled(widgets.HTML(), "studykit-interview-status")
        self.widget = styled(widgets.VBox(
            [widgets.HTML("<b>Mock interview</b>: due questions first, difficulties mixed; the "
                          "menus narrow the questions it picks from."),
             self.setup, self.asking, self.reviewing_box, self.summary, self.status]),
            "studykit-interview")

        self.start_button.on_click(lambda _: self.start())
        self.done_button.on_click(lambda _: self.submit())
        self.save_button.on_click(lambda _: self.save())
        self._show(setup=True)

    # --- actions (the buttons call these; tests and scripts may too) ----------------------------

    def start(self, question_ids: Sequence[str] | None = None) -> None:
        """Pick the questions (or take ``question_ids``) and ask the first."""
        self.exchanges, self.reviewing = [], None
        self.summary.value = self.status.value = ""
        if question_ids is not None:
            by_id = {q.id: q for q in self.bank}
            self.questions = [by_id[qid] for qid in question_ids]
        else:
            pool = self.filters.matching()
            if not pool:
                self.status.value = (f"No question matches {html.escape(self.filters.describe())} "
                                     "together; set one of the menus back to any.")
                return
            self.questions = interview.pick_questions(pool, self.store, self.count.value)
        self.time_box = self.minutes.value * 60
        self.bar.max = int(self.time_box)
        self._ask(0, -1)

    def submit(self) -> None:
        """Done with the current answer: stop its clock, keep it, and ask what comes next."""
        if self.step is None:
            return
        seconds = self.timer.elapsed
        self.ticker.playing = False
        answer = interview.Answer(self.answer.value.strip("\n"), seconds)
        q_index, f_index = self.step
        question = self.questions[q_index]
        if f_index < 0:
            self.exchanges.append(interview.Exchange(question, answer))
        else:
            follow_up = interview.follow_ups_to_ask(question)[f_index]
            self.exchanges[-1].follow_ups.append((follow_up, answer))
        self.status.value = f"Answered in {html.escape(self.timer.status(seconds))}."
        if f_index + 1 < len(interview.follow_ups_to_ask(question)):
            self._ask(q_index, f_index + 1)
        elif q_index + 1 < len(self.questions):
            self._ask(q_index + 1, -1)
        else:
            self.step = None
            self._review(0)

    def save(self) -> int | None:
        """Save the review on screen as one attempt, then show the next review or the summary."""
        if self.reviewing is None:
            return None
        exchange = self.exchanges[self.reviewing]
        exchange.rubric_scores = [box.value for box in self.criteria_boxes]
        exchange.follow_up_marks = [box.value for box in self.follow_up_boxes]
        try:
            attempt_id = exchange.save(self.store)
        except (ProgressError, ValueError) as e:
            self.status.value = f"<span style='color:#b00020'>Not saved: {html.escape(str(e))}</span>"
            return None
        self.status.value = f"Saved attempt #{attempt_id} for {html.escape(exchange.question.id)}."
        if self.reviewing + 1 < len(self.exchanges):
            self._review(self.reviewing + 1)
        else:
            self.reviewing = None
            self._show_summary()
        return attempt_id

    @property
    def criteria_boxes(self) -> list[widgets.Checkbox]:
        """The rubric checkboxes of the review on screen."""
        return [w for w in self.criteria.children if isinstance(w, widgets.Checkbox)]

    @property
    def follow_up_boxes(self) -> list[widgets.Checkbox]:
        """The 'answered well' checkboxes of the review on screen, one per follow-up asked."""
        return [w for w in self.follow_up_box.children if isinstance(w, widgets.Checkbox)]

    # --- the stages ---------------------------------------------------------------------------

    def _ask(self, q_index: int, f_index: int) -> None:
        self.step = (q_index, f_index)
        question = self.questions[q_index]
        where = f"Question {q_index + 1} of {len(self.questions)}"
        if f_index < 0:
            self.prompt.value = (f"<h4>{where}</h4><p style='font-size:1.1em'>"
                                 f"{text_html(question.question)}</p><p><small>{html.escape(question.id)}"
                                 f" · {question.difficulty}</small></p>")
        else:
            follow_up = interview.follow_ups_to_ask(question)[f_index]
            self.prompt.value = (f"<h4>{where}, follow-up {f_index + 1}</h4><p style='font-size:1.1em'>"
                                 f"{text_html(follow_up.question)}</p>")
        self.answer.value = ""
        self.timer = AnswerTimer(self.time_box, self.clock)
        self.ticker.playing = False
        self.ticker.value = -1
        self._show_clock(0)
        self._show(asking=True)
        self.ticker.playing = True  # the browser counts from here

    def _show_clock(self, seconds: int) -> None:
        if self.timer is None:
            return
        seconds = max(seconds, 0)
        over = seconds > self.time_box
        self.bar.bar_style = "danger" if over else "info"
        # Words, not a stopwatch symbol: not every browser font has one.
        self.clock_label.value = (f"<b style='color:{'#b00020' if over else 'inherit'}'>Clock: "
                                  f"{html.escape(self.timer.status(seconds))}</b>")

    def _review(self, index: int) -> None:
        self.reviewing = index
        exchange = self.exchanges[index]
        q = exchange.question
        self.review_html.value = (
            f"<h4>Review {index + 1} of {len(self.exchanges)}: {text_html(q.question)}</h4>"
            f"<p><i>Your answer ({format_seconds(exchange.answer.seconds)}):</i><br>"
            f"{text_html(exchange.answer.text or '(no answer)')}</p>" + answers_html(q))
        _replace_children(self.criteria, criteria_checkboxes(q))
        self.traps.value = traps_html(q)
        rows: list[widgets.Widget] = []
        for i, (follow_up, answer) in enumerate(exchange.follow_ups, 1):
            rows.append(widgets.HTML(
                f"<h4>Follow-up {i}: {text_html(follow_up.question)}</h4>"
                f"<p><i>You ({format_seconds(answer.seconds)}):</i> {text_html(answer.text or '(no answer)')}"
                f"<br><i>Answer:</i> {text_html(follow_up.answer)}</p>"))
            rows.append(styled(widgets.Checkbox(value=False, description="answered well",
                                                 indent=False), "studykit-follow-up-well",
                                f"studykit-follow-up-well-{i}"))
        _replace_children(self.follow_up_box, rows)
        self._show(reviewing=True)

    def _show_summary(self) -> None:
        table = interview.summary_table(self.exchanges, self.store, self.time_box)
        missed = interview.weakest_criteria(self.exchanges)
        items = "".join(f"<li>{html.escape(qid)}: {text_html(c)}"
                        + (f" <i>(look for: {text_html(look)})</i>" if look else "") + "</li>"
                        for qid, c, look in missed)
        self.summary.value = (table._repr_html_() +
                              (f"<h4>Criteria you missed, to work on</h4><ul>{items}</ul>"
                               if missed else "<p>Every criterion met.</p>"))
        saved = sum(x.attempt_id is not None for x in self.exchanges)
        self.status.value = (f"Interview over: {scheduling.plural(saved, 'attempt')} saved in "
                             f"{html.escape(str(self.store.path))}. Start again for another round.")
        self._show(setup=True)

    def _show(self, setup: bool = False, asking: bool = False, reviewing: bool = False) -> None:
        for box, visible in ((self.setup, setup), (self.asking, asking),
                             (self.reviewing_box, reviewing)):
            box.layout.display = None if visible else "none"
        self.ticker.layout.display = "none"  # its buttons would let the clock be paused

    def close(self) -> None:
        """Close every widget of the panel (a notebook keeps the state of open ones)."""
        self.ticker.playing = False
        self._link.close()
        _close_tree(self.widget)

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = "Mock interview panel"
        bundle["text/html"] = ("<p><b>Mock interview panel</b></p>"
                               "<p><i>Run the notebook to start an interview.</i></p>")
        return bundle


def _replace_children(box: widgets.Box, children: list[widgets.Widget]) -> None:
    old = box.children
    box.children = children
    for child in old:
        _close_tree(child)


def _close_tree(widget: widgets.Widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()
