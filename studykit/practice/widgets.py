"""Practising in the notebook: the practice card, the progress view, and a simulated learner.

    >>> session = PracticeSession(bank, ProgressStore(bank=bank))   # doctest: +SKIP
    >>> session                                                      # shows the card

The card works like the terminal quiz (``studykit quiz``): write an answer, reveal the model
answer (for the chapter's questions also its critique and a strong answer), tick the rubric
criteria your answer met (each shown with what to look for), check it against the traps, save, then
step through the follow-ups, each answer revealed on its own. Its menus (``FilterBar``: tag,
notebook, difficulty, origin) are the quiz's filters (``selection``) and narrow the questions it
offers; the mock interview panel has them too. Every widget carries a ``studykit-*`` CSS class so
that scripts and browser tests can find it (``styled``, ``button``: the layout helpers the mock
interview panel, ``interview_panel``, builds with too). The texts come from ``question_html``.
"""

from __future__ import annotations

import html
import random
import time
from datetime import datetime, timedelta
from typing import Sequence

import ipywidgets as widgets

from . import scheduling
from .clock import format_seconds
from .progress import Attempt, ProgressError, ProgressStore, ProgressSummary
from .question_html import answers_html, text_html, traps_html
from .questions import Question, find_question
from .selection import (DIFFICULTIES, ORIGINS, QuestionFilter, notebook_counts, notebook_names,
                        tag_counts)
from ..tables import HTMLTable

NEXT_DUE = "__next_due__"


class PracticeSession:
    """One practice card: pick a question (or the next due), answer, reveal, tick, save."""

    def __init__(self, bank: Sequence[Question], store: ProgressStore,
                 question_id: str | None = None, *, tag: str | None = None,
                 notebook: str | None = None, difficulty: str | None = None,
                 origin: str | None = None):
        self.bank = list(bank)
        self.by_id = {q.id: q for q in self.bank}
        self.store = store
        self.question: Question | None = None
        self.saved_attempt: int | None = None

        # The filters of `studykit quiz` (--tag, --notebook, --difficulty, --origin): they narrow
        # the picker and "Next due" to the questions that match.
        self.filters = FilterBar(self.bank, tag=tag, notebook=notebook, difficulty=difficulty,
                                 origin=origin)
        self.pool = self.filters.matching()
        if not self.pool:
            raise ValueError(f"no question matches {self.filters.filter.as_options()} together; "
                             "leave one of them as any")
        self._updating_picker = False
        self.picker = styled(widgets.Dropdown(
            options=self._picker_options(), description="Question",
            style={"description_width": "initial"}, layout=widgets.Layout(width="auto")),
            "studykit-picker")
        self.question_html = styled(widgets.HTML(), "studykit-question")
        self.answer = styled(widgets.Textarea(
            placeholder="Write your answer as you would say it in the interview, then reveal.",
            description="Your answer", style={"description_width": "initial"},
            layout=widgets.Layout(width="100%", height="12em")), "studykit-answer")
        self.reveal_button = button("studykit-reveal", "Reveal model answer", button_style="info",
                                    icon="eye")
        self.model_answer = styled(widgets.HTML(), "studykit-model-answer")
        self.rubric_heading = widgets.HTML("<h4>Which criteria did your answer meet?</h4>")
        self.criteria_box = styled(widgets.VBox(), "studykit-rubric")
        self.traps = styled(widgets.HTML(), "studykit-traps")
        self.score = styled(widgets.HTML(), "studykit-score")
        self.save_button = button("studykit-save", "Save attempt", button_style="success",
                                  icon="check")
        self.follow_ups = styled(widgets.HTML(), "studykit-follow-ups")
        self.follow_up_button = button("studykit-follow-up-next")  # its label follows the steps
        self.next_button = button("studykit-next", "Next due question", icon="forward")
        self.status = styled(widgets.HTML(), "studykit-status")
        self.revealed = styled(widgets.VBox(
            [self.model_answer, self.rubric_heading, self.criteria_box, self.traps, self.score,
             self.save_button, self.follow_ups, self.follow_up_button]),
            "studykit-revealed")
        self.widget = styled(widgets.VBox(
            [self.filters.widget, self.picker, self.question_html, self.answer, self.reveal_button,
             self.revealed, widgets.HBox([self.next_button]), self.status]), "studykit-practice")

        self.picker.observe(self._on_pick, names="value")
        self.reveal_button.on_click(lambda _: self.reveal())
        self.save_button.on_click(lambda _: self.save())
        self.next_button.on_click(lambda _: self.next_due())
        self.follow_up_button.on_click(lambda _: self.show_next_follow_up())
        self.filters.on_change(self._on_filter)
        if question_id is not None:
            find_question(self.bank, question_id)  # an unknown id raises, suggesting close ones
            if question_id not in {q.id for q in self.pool}:
                raise ValueError(f"{question_id} does not match {self.filters.filter.as_options()}; "
                                 "leave the filters as any to open it")
        self.load(question_id or self._next_due_id())

    # --- actions (the buttons call these; tests and scripts may too) ----------------------------

    def load(self, question_id: str) -> None:
        """Show a question with an empty answer, its rubric hidden until revealed."""
        self.question = q = self.by_id[question_id]
        self.saved_attempt = None
        if self.picker.value != q.id:
            self.picker.value = q.id  # re-enters through _on_pick, which sees it is loaded
        self.question_html.value = (
            f"<h3>{html.escape(q.question)}</h3><p><small>{html.escape(q.id)} · {q.difficulty} · "
            f"{html.escape(', '.join(q.tags))} · {_practised(self.store, q.id)}</small></p>")
        self.answer.value = ""
        self.answer.disabled = False
        self.model_answer.value = answers_html(q)
        self.criteria_box.children = criteria_checkboxes(q, on_change=lambda _: self._show_score())
        self.traps.value = traps_html(q)
        self.follow_up_step = 0
        self._show_follow_ups()
        self.started = time.monotonic()
        self.seconds: float | None = None
        self.revealed.layout.display = "none"
        self.reveal_button.disabled = False
        self.save_button.disabled = False
        self.status.value = ""
        self._show_score()

    def reveal(self) -> None:
        if self.seconds is None:
            self.seconds = time.monotonic() - self.started  # the answer's time: shown until revealed
        self.revealed.layout.display = None
        self.reveal_button.disabled = True

    def show_next_follow_up(self) -> None:
        """Each press shows one more step: a follow-up's question, then its answer."""
        self.follow_up_step = min(self.follow_up_step + 1, 2 * len(self.question.follow_ups))
        self._show_follow_ups()

    def _show_follow_ups(self) -> None:
        follow_ups, step = self.question.follow_ups, self.follow_up_step
        items = []
        for i, f in enumerate(follow_ups[:(step + 1) // 2]):
            answer = (f"<br><i>Answer:</i> {text_html(f.answer or '(no answer in the bank yet)')}"
                      if step >= 2 * (i + 1) else "")
            items.append(f"<li>{text_html(f.question)}{answer}</li>")
        self.follow_ups.value = ("<h4>Follow-ups an interviewer may ask next</h4>"
                                 f"<ol>{''.join(items)}</ol>" if items else "")
        more = self.follow_up_button
        if step >= 2 * len(follow_ups):
            more.layout.display, more.disabled = "none", True
        else:
            more.layout.display, more.disabled = None, False
            more.description = (f"Show follow-up {step // 2 + 1} of {len(follow_ups)}"
                                if step % 2 == 0 else "Show its answer")

    @property
    def checkboxes(self) -> list[widgets.Checkbox]:
        return [w for w in self.criteria_box.children if isinstance(w, widgets.Checkbox)]

    def save(self) -> int | None:
        """Record the attempt; the status line says what happened (errors included)."""
        q = self.question
        if self.saved_attempt is not None:  # the button is disabled, but scripts can still call
            self.status.value = (f"Already saved as attempt #{self.saved_attempt}; "
                                 "use Next due question to practise again.")
            return None
        scores = [box.value for box in self.checkboxes]
        try:
            attempt_id = self.store.record(q.id, scores, self.answer.value, mode="notebook",
                                           seconds=self.seconds)
        except (ProgressError, ValueError, TypeError) as e:
            self.status.value = f"<span style='color:#b00020'>Not saved: {html.escape(str(e))}</span>"
            return None
        self.saved_attempt = attempt_id
        self.save_button.disabled = True  # one attempt per answer; "Next" starts another
        self.answer.disabled = True
        next_review = scheduling.describe_due(self.store.card(q.id).due, scheduling.utc_now())
        self.status.value = (
            f"Saved attempt #{attempt_id} for {html.escape(q.id)}: {sum(scores)} of {len(scores)} "
            f"criteria met ({scheduling.rating_for(scores).name}). Next review {next_review}.")
        return attempt_id

    def next_due(self) -> None:
        self.load(self._next_due_id(skip=self.question.id if self.question else None))

    # --- helpers ------------------------------------------------------------------------------

    def _picker_options(self) -> list[tuple[str, str]]:
        return [("Next due", NEXT_DUE)] + [(f"{q.id} ({q.difficulty})", q.id) for q in self.pool]

    def _on_filter(self) -> None:
        """A filter moved: narrow the picker; keep the question on screen if it still matches."""
        pool = self.filters.matching()
        if not pool:
            self.status.value = (f"No question matches {html.escape(self.filters.describe())} "
                                 "together; set one of the menus back to any.")
            return
        self.pool = pool
        keep = self.question if self.question in pool else None
        self._updating_picker = True  # new options would otherwise fire _on_pick with "Next due"
        try:
            self.picker.options = self._picker_options()
            self.picker.value = keep.id if keep else NEXT_DUE
        finally:
            self._updating_picker = False
        if keep is None:
            self.load(self._next_due_id())
        self.status.value = (f"{scheduling.plural(len(pool), 'question')} match "
                             f"{html.escape(self.filters.describe())}." if self.filters.filter
                             else f"Every question ({len(pool)}) is in the menu again.")

    def _on_pick(self, change) -> None:
        if self._updating_picker:
            return
        if change["new"] == NEXT_DUE:
            self.next_due()
        elif self.question is None or change["new"] != self.question.id:
            self.load(change["new"])

    def _next_due_id(self, skip: str | None = None) -> str:
        order = self.store.practice_order(question_ids=[q.id for q in self.pool])
        return next((qid for qid in order if qid != skip), order[0])

    def _show_score(self) -> None:
        scores = [box.value for box in self.checkboxes]
        rating = scheduling.rating_for(scores)
        self.score.value = (f"<b>Score: {sum(scores)} of {len(scores)} criteria met</b> → "
                            f"FSRS rating <b>{rating.name}</b>")

    def _repr_mimebundle_(self, **kwargs):
        # The live card where widgets run; readable text where they do not (a saved notebook).
        bundle = self.widget._repr_mimebundle_(**kwargs)
        q = self.question
        bundle["text/plain"] = f"Practice card: {q.id}\n{q.question}"
        bundle["text/html"] = (f"<p><b>Practice card</b> ({html.escape(q.id)})</p>"
                               f"<p>{html.escape(q.question)}</p>"
                               "<p><i>Run the notebook to answer, reveal and save.</i></p>")
        return bundle


def criteria_checkboxes(q: Question, on_change=None) -> list[widgets.Widget]:
    """One checkbox per rubric criterion, with what to look for beneath it."""
    rows = []
    for i, (criterion, look_for) in enumerate(zip(q.rubric, q.look_for), 1):
        box = styled(widgets.Checkbox(value=False, description=criterion, indent=False,
                                       layout=widgets.Layout(width="100%")),
                      "studykit-criterion", f"studykit-criterion-{i}")
        if on_change is not None:
            box.observe(on_change, names="value")
        rows.append(box)
        if look_for:
            rows.append(styled(widgets.HTML(
                f"<div style='margin:-0.3em 0 0.5em 1.8em;color:#555'><i>look for:</i> "
                f"{text_html(look_for)}</div>"), "studykit-look-for"))
    return rows


# --- widget layout, shared with the interview panel -----------------------------------------------

def styled(widget: widgets.Widget, *classes: str) -> widgets.Widget:
    """``widget`` with these CSS classes (``studykit-*``, by which scripts and browser tests find it)."""
    for name in classes:
        widget.add_class(name)
    return widget


def button(css_class: str, description: str = "", *, button_style: str = "",
           icon: str = "") -> widgets.Button:
    """A button as wide as its label, carrying ``css_class``."""
    return styled(widgets.Button(description=description, button_style=button_style, icon=icon,
                                 layout=widgets.Layout(width="auto")), css_class)


class FilterBar:
    """Four menus, tag, notebook, difficulty and origin, each "any" or one value: the filters of
    ``studykit quiz`` and ``studykit interview`` (``selection``), for the card and the interview panel."""

    ANY = ""

    def __init__(self, bank: Sequence[Question], *, tag: str | None = None,
                 notebook: str | None = None, difficulty: str | None = None,
                 origin: str | None = None):
        self.bank = list(bank)
        start = QuestionFilter(*((value,) if value else ()
                                 for value in (tag, notebook, difficulty, origin)))
        start.check(self.bank)  # the command line's check and message for a value no question has
        names = notebook_names(self.bank)
        difficulties = {d: sum(q.difficulty == d for q in self.bank) for d in DIFFICULTIES}
        origins = {o: sum(q.origin == o for q in self.bank) for o in ORIGINS}

        def menu(what: str, choices: list[tuple[str, str]], value: tuple[str, ...]):
            return styled(widgets.Dropdown(
                options=[(f"any {what}", self.ANY)] + choices, value=value[0] if value else self.ANY,
                description=what.capitalize(), layout=widgets.Layout(width="auto")),
                "studykit-question-filter", f"studykit-question-filter-{what}")

        self.tag = menu("tag", [(f"{t} ({n})", t) for t, n in tag_counts(self.bank).items()],
                        start.tags)
        self.notebook = menu(
            "notebook", [(f"{n} · {names[n].split('_', 1)[-1].replace('_', ' ')} ({count})", n)
                         for n, count in notebook_counts(self.bank).items()], start.notebooks)
        self.difficulty = menu("difficulty", [(f"{d} ({n})", d) for d, n in difficulties.items()],
                               start.difficulties)
        self.origin = menu("origin", [(f"{'the chapter' if o == 'chapter' else 'this kit'} ({n})", o)
                                      for o, n in origins.items()], start.origins)
        self.menus = (self.tag, self.notebook, self.difficulty, self.origin)
        self.widget = styled(widgets.HBox(list(self.menus),
                                          layout=widgets.Layout(flex_flow="row wrap")),
                             "studykit-question-filters")

    @property
    def filter(self) -> QuestionFilter:
        return QuestionFilter(*((menu.value,) if menu.value else () for menu in self.menus))

    def matching(self) -> list[Question]:
        return self.filter.apply(self.bank)

    def describe(self) -> str:
        """The filters as the command line writes them (empty when every menu is "any")."""
        return self.filter.as_options()

    def on_change(self, callback) -> None:
        """Call ``callback()`` whenever one of the menus changes."""
        for menu in self.menus:
            menu.observe(lambda _: callback(), names="value")


def _practised(store: ProgressStore, question_id: str) -> str:
    attempts = store.attempts(question_id)
    if not attempts:
        return "never practised"
    last = attempts[-1]
    return f"practised {len(attempts)}×, last {last.met}/{last.total}"


# --- tables --------------------------------------------------------------------------------------

def bank_table(bank: Sequence[Question]) -> "HTMLTable":
    """The bank as a table: id, where it comes from, difficulty, criteria, the question."""
    rows = [(q.id, "chapter" if q.origin == "chapter" else "studykit", q.difficulty,
             str(len(q.rubric)), q.question) for q in bank]
    return HTMLTable(("id", "from", "difficulty", "criteria", "question"), rows)


def rating_table(rubric_lengths: Sequence[int] = (3, 4, 5)) -> "HTMLTable":
    """Every possible self-grade for rubrics of these lengths and the FSRS rating it becomes."""
    rows = []
    for total in rubric_lengths:
        for met in range(total + 1):
            rating = scheduling.rating_for([True] * met + [False] * (total - met))
            rows.append((f"{met} of {total}", f"{met / total:.0%}", rating.name))
    return HTMLTable(("criteria met", "fraction", "rating"), rows)


# --- the progress view ---------------------------------------------------------------------------

class ProgressView:
    """Scores over time, what is due next and the weakest rubric criteria, for one store."""

    def __init__(self, store: ProgressStore, now: datetime | None = None):
        self.store = store
        self.attempts: list[Attempt] = store.attempts()
        self.summary: ProgressSummary = store.summary(now)

    def due_table(self) -> HTMLTable:
        s = self.summary
        rows = [(q.question_id, str(q.attempts),
                 f"{q.last.met}/{q.last.total}" if q.last else "-",
                 f"{float(q.best):.0%}" if q.best is not None else "-",
                 format_seconds(q.last.seconds) if q.last and q.last.seconds is not None else "-",
                 f"{q.last.follow_ups_well}/{len(q.last.follow_ups)}"
                 if q.last and q.last.follow_ups else "-",
                 scheduling.describe_due(q.due, s.now) if q.in_bank else "not in the bank")
                for q in s.questions]
        return HTMLTable(("question", "tries", "last", "best", "last time", "follow-ups well",
                          "next review"), rows,
                         caption="In the order to practise them (last time and follow-ups: the "
                                 "latest attempt)")

    def weakest_table(self) -> HTMLTable:
        rows = [(f"{c.met}/{c.seen}", c.question_id, c.criterion) for c in self.summary.weakest]
        return HTMLTable(("met", "question", "criterion"), rows,
                         caption="Weakest rubric criteria (each question's latest attempts)")

    def headline(self) -> str:
        s = self.summary
        in_bank = sum(q.in_bank for q in s.questions)
        text = (f"{scheduling.plural(s.total_attempts, 'attempt')} on {len(s.practised)} of "
                f"{in_bank} questions; {len(s.due)} due now")
        if s.timed_answers:
            text += (f"; median {format_seconds(s.median_seconds)} per answer over "
                     f"{scheduling.plural(s.timed_answers, 'timed answer')}")
        if s.follow_ups_asked:
            text += f"; mock-interview follow-ups answered well: {s.follow_ups_well} of {s.follow_ups_asked}"
        return text

    def _repr_html_(self) -> str:
        weakest = (self.weakest_table()._repr_html_() if self.summary.weakest
                   else "<p>No rubric criterion missed yet.</p>")
        return f"<p><b>{html.escape(self.headline())}</b></p>{self.due_table()._repr_html_()}{weakest}"

    def __repr__(self) -> str:
        return f"ProgressView: {self.headline()}"

    def scores_figure(self):
        """Every attempt's score over time, with the mean of each practice day (a matplotlib Figure)."""
        from matplotlib import pyplot as plt  # pyplot sets up inline display in a notebook

        fig, ax = plt.subplots(figsize=(9, 3.4), layout="constrained")
        plt.close(fig)  # shown once, where the figure is returned, not again at the cell's end
        if self.attempts:
            times = [a.answered_at for a in self.attempts]
            scores = [float(a.fraction) * 100 for a in self.attempts]
            ax.scatter(times, scores, s=18, color="0.6", alpha=0.6, label="one attempt")
            days: dict = {}
            for when, score in zip(times, scores):
                days.setdefault(when.date(), []).append(score)
            ax.plot([datetime.combine(d, datetime.min.time(), times[0].tzinfo) + timedelta(hours=12)
                     for d in days], [sum(v) / len(v) for v in days.values()],
                    marker="o", color="C0", linewidth=2, label="mean of the day")
            ax.legend(loc="lower right", frameon=False)
            fig.autofmt_xdate()
        else:
            ax.text(0.5, 0.5, "No attempts yet: practise a question above, then run this cell again",
                    ha="center", va="center", transform=ax.transAxes)
        ax.set_ylim(-5, 105)
        ax.set_ylabel("rubric criteria met (%)")
        ax.set_title("Scores over time")
        return fig


# --- a simulated learner, to show what weeks of practice look like --------------------------------

def simulate_learner(store: ProgressStore, bank: Sequence[Question], start: datetime, *,
                     days: int = 21, per_day: int = 6, seed: int = 0) -> int:
    """Fill ``store`` with a made-up learner who practises the due questions each morning and
    gets better with each attempt (later rubric criteria are harder). Deterministic for a seed.
    Returns the number of attempts recorded."""
    rng = random.Random(seed)
    skill = {q.id: 0.3 for q in bank}
    by_id = {q.id: q for q in bank}
    count = 0
    for day in range(days):
        when = start + timedelta(days=day)
        for qid in store.due(when)[:per_day]:
            rubric = by_id[qid].rubric
            scores = [rng.random() < skill[qid] - 0.1 * i for i in range(len(rubric))]
            store.record(qid, scores, f"(simulated answer, day {day + 1})", answered_at=when)
            skill[qid] = min(0.97, skill[qid] + 0.12)
            when += timedelta(minutes=5)
            count += 1
    return count
