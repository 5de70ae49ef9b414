"""The Anki export: read the .apkg back (a zip holding an SQLite collection) and check every note."""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest

from studykit.practice import anki
from studykit.practice.question_html import text_html
from studykit.practice.questions import DEFAULT_BANK, FollowUp, load_bank

BANK = load_bank(Path(__file__).parents[1] / "data" / "banks_interview" / "interview.yaml")
SOFTMAX, LIMITS, CHAPTER, GREEDY = BANK


def read_apkg(path: Path, scratch: Path) -> dict:
    with zipfile.ZipFile(path) as apkg:
        assert sorted(apkg.namelist()) == ["collection.anki2", "media"]
        apkg.extract("collection.anki2", scratch)
    with sqlite3.connect(scratch / "collection.anki2") as db:
        notes = db.execute("SELECT guid, mid, tags, flds, sfld FROM notes ORDER BY id").fetchall()
        cards = db.execute("SELECT nid, did FROM cards").fetchall()
        models, decks = (json.loads(x) for x in db.execute("SELECT models, decks FROM col").fetchone())
    return {"notes": [dict(guid=g, mid=m, tags=t.split(), fields=f.split("\x1f"), sort=s)
                      for g, m, t, f, s in notes],
            "cards": cards, "models": models, "decks": decks}


def note_for(deck: dict, question_start: str) -> dict[str, str]:
    (note,) = [n for n in deck["notes"] if n["fields"][0].startswith(question_start)]
    return dict(zip(anki.FIELDS, note["fields"]))


@pytest.fixture
def deck(tmp_path) -> dict:
    count = anki.write_deck(BANK, tmp_path / "studykit.apkg")
    read = read_apkg(tmp_path / "studykit.apkg", tmp_path)
    read["count"] = count
    return read


def test_one_note_per_question_and_per_answered_follow_up(deck):
    follow_ups = sum(len(q.follow_ups) for q in BANK)
    assert deck["count"] == len(deck["notes"]) == len(deck["cards"]) == len(BANK) + follow_ups == 11


# The ids in every learner's collection, written out here (never read from the module under test):
# changing any of them makes the next import add a second deck, note type or copy of each note.
DECK_ID = 1463771074
MODEL_ID = 1959466226


def test_fixed_deck_and_note_type_ids(deck):
    assert str(MODEL_ID) in deck["models"] and str(DECK_ID) in deck["decks"]
    assert {n["mid"] for n in deck["notes"]} == {MODEL_ID}
    assert {did for _, did in deck["cards"]} == {DECK_ID}
    assert [f["name"] for f in deck["models"][str(MODEL_ID)]["flds"]] == list(anki.FIELDS)


def test_note_guids_are_the_ones_learners_already_have(deck):
    guid_by_question = {n["fields"][0]: n["guid"] for n in deck["notes"]}
    assert guid_by_question[text_html(SOFTMAX.question)] == "P#8ua)Nj=u"  # iv-softmax
    assert guid_by_question[text_html(SOFTMAX.follow_ups[1].question)] == "zoZhmM$-f2"  # its follow-up 2
    first = load_bank(DEFAULT_BANK)[0]  # the real bank's first question, as learners have it
    assert first.id == "ch43-q1-what-temperature-does"
    assert anki.question_note(first).guid == "iAl%>AhUZz"
    assert anki.follow_up_note(first, 1).guid == "u9rtf.M[:<"


def test_question_fields(deck):
    fields = note_for(deck, "Discuss how temperature scaling")
    assert fields["Question"] == "Discuss how temperature scaling is applied during the softmax operation."
    assert fields["Context"] == ""
    # the strong answer where one exists, not the chapter's model answer
    assert fields["Answer"] == ("The logits are divided by T, then the softmax is taken: T &lt; 1 "
                                "sharpens, T &gt; 1 flattens.")
    assert fields["Critique"].startswith("It never says how: the logits are divided by T")
    assert fields["Rubric"] == (
        "<ol><li>Says the logits are divided by T.<br><i>look for:</i> Writes z_i / T inside the "
        "exponential.</li><li>Says which way T &lt; 1 and T &gt; 1 go.<br><i>look for:</i> Says T "
        "&lt; 1 sharpens and T &gt; 1 flattens.</li></ol>")
    assert fields["Traps"].startswith("<ul><li>✗ Temperature is applied after the softmax, to the "
                                      "probabilities.<br>→ It divides the logits;")
    assert fields["Source"] == "Chapter 43, the book&#x27;s own question · iv-chapter-softmax"
    softmax = note_for(deck, "What does the softmax turn logits into?")
    assert softmax["Answer"].startswith("A probability distribution over the vocabulary")  # model answer
    assert softmax["Critique"] == ""
    assert softmax["Source"] == "studykit, written for this project (chapter 43) · iv-softmax"


def test_follow_up_fields(deck):
    note = note_for(deck, "Is the softmax invertible?")  # iv-softmax's third follow-up
    assert note["Context"] == "Follow-up to: What does the softmax turn logits into?"
    assert note["Answer"] == "Only up to an additive constant on the logits."
    assert (note["Critique"], note["Rubric"], note["Traps"]) == ("", "", "")
    assert note["Source"] == "studykit, written for this project (chapter 43) · iv-softmax"
    # in bank order: each question, then its follow-ups
    assert [n["fields"][0][:22] for n in deck["notes"][:5]] == [
        "What does the softmax ", "Why subtract the maxim", "What happens to p_i wh",
        "Is the softmax inverti", "What happens to sampli"]


def test_text_is_html_escaped(deck):
    by_question = {n["fields"][0]: n for n in deck["notes"]}
    escaped = by_question["What happens to p_i when z_i &lt; z_j for every j?"]
    assert escaped["fields"][2] == "It is the smallest probability, but still &gt; 0."
    # no raw < or > survives outside the tags the export itself writes
    tags = r"</?(ol|ul|li|i|br)>"
    for note in deck["notes"]:
        for field in note["fields"]:
            assert "<" not in re.sub(tags, "", field) and ">" not in re.sub(tags, "", field), field


def test_tags_come_from_the_bank_and_are_valid_anki_tags(deck):
    assert deck["notes"][0]["tags"] == ["softmax", "fundamentals"]  # as in the bank
    assert deck["notes"][1]["tags"] == ["softmax", "fundamentals", "follow-up"]
    for note in deck["notes"]:
        assert note["tags"] and all(t and " " not in t and "\u3000" not in t for t in note["tags"])
    assert anki.anki_tags(["top p", " spaced  out ", "", "a\tb"]) == ["top_p", "spaced_out", "a_b"]


def test_guids_are_stable_when_an_answer_changes_and_differ_between_notes(tmp_path):
    anki.write_deck(BANK, tmp_path / "before.apkg")
    edited = [dataclasses.replace(
        q, model_answer=q.model_answer + " Edited.",
        follow_ups=[FollowUp(f.question, f.answer + " Edited.") for f in q.follow_ups])
        for q in BANK]
    anki.write_deck(edited, tmp_path / "after.apkg")
    before = read_apkg(tmp_path / "before.apkg", tmp_path / "b")
    after = read_apkg(tmp_path / "after.apkg", tmp_path / "a")
    assert [n["guid"] for n in before["notes"]] == [n["guid"] for n in after["notes"]]
    assert before["notes"][0]["fields"][2] != after["notes"][0]["fields"][2]  # the answer did change
    guids = [n["guid"] for n in before["notes"]]
    assert len(set(guids)) == len(guids)  # every question and follow-up has its own
    assert anki.question_note(SOFTMAX).guid != anki.question_note(GREEDY).guid


def test_a_question_note_guid_is_the_kit_name_and_the_question_id():
    import genanki
    assert anki.question_note(SOFTMAX).guid == genanki.guid_for("studykit", "iv-softmax")
    assert anki.follow_up_note(SOFTMAX, 2).guid == genanki.guid_for("studykit", "iv-softmax", "follow-up", 2)


@pytest.mark.parametrize("name, words", [
    ("deck.txt", "needs a file name ending in .apkg"),
    ("missing-folder/deck.apkg", "is missing or not writable"),
])
def test_bad_destinations_are_refused_before_writing(tmp_path, name, words):
    with pytest.raises(ValueError, match=words):
        anki.write_deck(BANK, tmp_path / name)
    assert [p.name for p in tmp_path.iterdir()] == []


def test_a_directory_named_like_a_deck_is_refused(tmp_path):
    (tmp_path / "deck.apkg").mkdir()
    with pytest.raises(ValueError, match="is a directory"):
        anki.write_deck(BANK, tmp_path / "deck.apkg")


def test_writing_leaves_no_scratch_files(tmp_path, monkeypatch):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    anki.write_deck(BANK, tmp_path / "deck.apkg")
    assert list(scratch.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.apkg", "tmp"]


def test_a_failed_write_keeps_the_previous_deck_and_leaves_no_scratch_file(tmp_path, monkeypatch):
    deck = tmp_path / "deck.apkg"
    deck.write_bytes(b"the previous export")

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", fail)  # after the collection went in
    with pytest.raises(OSError, match="disk full"):
        anki.write_deck(BANK, deck)
    assert deck.read_bytes() == b"the previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["deck.apkg"]
