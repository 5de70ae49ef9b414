"""The question bank as an Anki deck (``.apkg``), built with genanki, for practice on a phone.

    >>> write_deck(load_bank(DEFAULT_BANK), "studykit.apkg")     # doctest: +SKIP
    20

One note per question and one per follow-up that has an answer. Fields: the question (and, for a
follow-up, the question it follows), the answer (the strong answer where the bank has one, else the
model answer), the critique, the rubric with what to look for, the traps, and the source. Tags come
from the bank (spaces, which Anki reads as separators, become underscores); follow-up notes also
carry ``follow-up``. Every text is HTML-escaped: answers contain ``<`` and ``>``.

Identity is stable, so importing a newer export updates the notes instead of adding copies: the
deck and note-type ids are the fixed constants below, and each note's GUID is derived from
``KIT_NAME`` and the question id. A follow-up note's GUID adds the follow-up's position in the
question's list (``"follow-up", 1``), not a hash of its text: the edits a bank sees are rewordings
of a follow-up or its answer, and with a text hash a reworded follow-up would arrive as a second
note while the old one stayed in the learner's collection. Append new follow-ups at the end of the
list: moving one to another position hands its note (and review history) to another follow-up.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Sequence

import genanki

from .. import paths
from .question_html import text_html, traps_html
from .questions import Question

KIT_NAME = "studykit"
# Fixed once, at random in genanki's suggested range; never change them, or every learner's
# next import creates a second deck and note type.
DECK_ID = 1463771074
MODEL_ID = 1959466226
DECK_NAME = "studykit: sampling temperature, top-k and top-p"
FIELDS = ("Question", "Context", "Answer", "Critique", "Rubric", "Traps", "Source")

_BACK = """{{FrontSide}}<hr id="answer">
<div class="answer">{{Answer}}</div>
{{#Critique}}<h4>What an interviewer would mark down in the chapter's answer</h4>{{Critique}}{{/Critique}}
{{#Rubric}}<h4>Rubric: what a grader looks for</h4>{{Rubric}}{{/Rubric}}
{{#Traps}}<h4>Traps</h4>{{Traps}}{{/Traps}}
<p class="source">{{Source}}</p>"""

MODEL = genanki.Model(
    MODEL_ID, "studykit interview question",
    fields=[{"name": name} for name in FIELDS],
    templates=[{"name": "Answer it aloud",
                "qfmt": "{{#Context}}<p class=\"context\">{{Context}}</p>{{/Context}}{{Question}}",
                "afmt": _BACK}],
    css=".card { font-family: sans-serif; font-size: 18px; text-align: left; }\n"
        ".context, .source { color: #666; font-size: 14px; }\n"
        "li { margin-bottom: 0.4em; }",
)


def build_deck(bank: Sequence[Question]) -> genanki.Deck:
    """The deck: one note per question, then one per answered follow-up, in bank order."""
    deck = genanki.Deck(DECK_ID, DECK_NAME, description=(
        "Interview questions on sampling temperature (chapter 43), with rubrics, traps and "
        "answered follow-ups. Re-import a newer export to update the notes."))
    for q in bank:
        deck.add_note(question_note(q))
        for index, follow_up in enumerate(q.follow_ups, 1):
            if follow_up.answer:
                deck.add_note(follow_up_note(q, index))
    return deck


def question_note(q: Question) -> genanki.Note:
    return genanki.Note(
        model=MODEL, guid=genanki.guid_for(KIT_NAME, q.id), tags=anki_tags(q.tags),
        fields=[text_html(q.question), "", text_html(q.best_answer), text_html(q.critique or ""),
                _rubric(q), traps_html(q, heading=None), _source(q)])


def follow_up_note(q: Question, index: int) -> genanki.Note:
    """The note of ``q.follow_ups[index - 1]`` (positions count from 1)."""
    follow_up = q.follow_ups[index - 1]
    return genanki.Note(
        model=MODEL, guid=genanki.guid_for(KIT_NAME, q.id, "follow-up", index),
        tags=anki_tags([*q.tags, "follow-up"]),
        fields=[text_html(follow_up.question), text_html(f"Follow-up to: {q.question}"),
                text_html(follow_up.answer), "", "", "", _source(q)])


def anki_tags(tags: Sequence[str]) -> list[str]:
    """Anki splits tags on spaces: any run of whitespace inside a tag becomes one underscore."""
    return [re.sub(r"\s+", "_", tag.strip()) for tag in tags if tag.strip()]


def write_deck(bank: Sequence[Question], destination: str | Path) -> int:
    """Write the deck as an ``.apkg`` file, atomically; returns the number of notes.

    ValueError if ``destination`` does not end in ``.apkg`` or its folder is missing or not
    writable (checked before any work, so a typo costs nothing)."""
    destination = Path(destination)
    check_destination(destination)
    deck = build_deck(bank)
    # genanki's Package.write_to_file leaves its scratch collection in the temp folder; the same
    # two steps here clean up after themselves, and the rename means no half-written .apkg.
    with tempfile.TemporaryDirectory() as scratch:
        collection = Path(scratch) / "collection.anki2"
        db = sqlite3.connect(collection)
        try:
            now = time.time()
            genanki.Package(deck).write_to_db(db.cursor(), now, itertools.count(int(now * 1000)))
            db.commit()
        finally:
            db.close()
        with (paths.replacing(destination, "wb") as file,
              zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as apkg):
            apkg.write(collection, "collection.anki2")
            apkg.writestr("media", "{}")
    return len(deck.notes)


def check_destination(destination: Path) -> None:
    if destination.suffix != ".apkg":
        raise ValueError(f"--anki needs a file name ending in .apkg (Anki imports those), not "
                         f"'{destination}'; e.g. --anki studykit.apkg")
    if destination.is_dir():
        raise ValueError(f"--anki '{destination}' is a directory; give a file name such as "
                         f"{destination / 'studykit.apkg'}")
    paths.check_writable(destination, "--anki")


def _rubric(q: Question) -> str:
    items = "".join(f"<li>{text_html(criterion)}" + (f"<br><i>look for:</i> {text_html(look_for)}"
                                                  if look_for else "") + "</li>"
                    for criterion, look_for in zip(q.rubric, q.look_for))
    return f"<ol>{items}</ol>"


def _source(q: Question) -> str:
    origin = (f"Chapter {q.chapter}, the book's own question" if q.origin == "chapter" else
              f"studykit, written for this project (chapter {q.chapter})")
    shown = "; ".join(f"{e.notebook} § {e.section}" for e in q.evidence)
    return text_html(f"{origin} · {q.id}" + (f" · shown in {shown}" if shown else ""))
