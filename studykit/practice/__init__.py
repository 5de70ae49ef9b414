"""Practice: answering, grading, remembering (the half of studykit that never imports torch).

The bank (``questions``) and the learner's history (``progress``, scheduled by ``scheduling``)
stand apart from the chapter's math; the terminal (``quiz``, ``interview_terminal``), the notebook
(``widgets``, ``interview_panel``), the Anki deck (``anki``) and the ``studykit`` command (``cli``)
sit on top of them. The map with one line per module is in ``help(studykit)``.

Notebook 05 writes ``practice.bank_table(bank)``, ``practice.PracticeSession(bank, store)``: the
public names of ``widgets`` resolve here too, as they did when ``studykit.practice`` was one module
(learners' own copies of the notebook still use them). They load on first use, because the terminal
commands import this package and must not pay for ipywidgets.
"""

# The public names of ``widgets`` (a test keeps this list complete).
_WIDGETS = ("FilterBar", "NEXT_DUE", "PracticeSession", "ProgressView", "answers_html", "bank_table", "button",
            "criteria_checkboxes", "rating_table", "simulate_learner", "styled", "traps_html")


def __getattr__(name: str):
    if name in _WIDGETS:
        from . import widgets
        return getattr(widgets, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_WIDGETS})
