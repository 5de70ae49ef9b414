"""A question's texts as HTML: one builder for the notebook card, the interview panel and Anki."""

import dataclasses
from pathlib import Path

import ipywidgets as widgets

from studykit.practice import anki
from studykit.practice.interview_panel import InterviewPanel
from studykit.practice.progress import ProgressStore
from studykit.practice.question_html import TRAPS_HEADING, answers_html, text_html, traps_html
from studykit.practice.questions import load_bank
from studykit.practice.widgets import PracticeSession, button, styled

BANK = load_bank(Path(__file__).parents[1] / "data" / "banks_interview" / "interview.yaml")
SOFTMAX, LIMITS, CHAPTER, GREEDY = BANK


def test_text_is_escaped_and_keeps_its_line_breaks_without_surrounding_blank_lines():
    assert text_html("\nT < 1 sharpens\nT > 1 flattens\n") == "T &lt; 1 sharpens<br>T &gt; 1 flattens"
    assert text_html("say \"p_i\" & 'z_i'") == "say &quot;p_i&quot; &amp; &#x27;z_i&#x27;"


def test_traps_are_one_list_with_or_without_a_heading():
    assert CHAPTER.traps
    listed = traps_html(CHAPTER, heading=None)
    assert listed.startswith("<ul><li>✗ ") and listed.endswith("</li></ul>")
    assert listed.count("<li>") == len(CHAPTER.traps)
    assert all(text_html(t.claim) in listed and f"→ {text_html(t.correction)}" in listed
               for t in CHAPTER.traps)
    assert traps_html(CHAPTER) == f"<h4>{TRAPS_HEADING}</h4>{listed}"
    assert traps_html(dataclasses.replace(CHAPTER, traps=[])) == ""


def test_the_card_the_panel_and_the_anki_note_show_the_same_traps(tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3", bank=BANK)
    card = PracticeSession(BANK, store, CHAPTER.id)
    assert card.traps.value == traps_html(CHAPTER)
    assert card.model_answer.value == answers_html(CHAPTER)
    panel = InterviewPanel(BANK, store, clock=lambda: 0.0)
    panel.start([CHAPTER.id])
    while panel.step is not None:
        panel.submit()
    assert panel.traps.value == traps_html(CHAPTER)
    panel.close()
    fields = dict(zip(anki.FIELDS, anki.question_note(CHAPTER).fields))
    assert fields["Traps"] == traps_html(CHAPTER, heading=None)


def test_answers_show_the_critique_and_the_strong_answer_only_where_the_bank_has_them():
    chapter = answers_html(CHAPTER)
    assert chapter.startswith("<h4>The chapter's answer</h4><blockquote>")
    assert "What an interviewer would mark down" in chapter and "A strong answer" in chapter
    own = answers_html(SOFTMAX)
    assert own.startswith("<h4>Model answer</h4>") and "<h4>" not in own[4:]


def test_layout_helpers_add_css_classes_and_size_buttons_to_their_labels():
    box = styled(widgets.HTML(), "studykit-a", "studykit-b")
    assert box._dom_classes == ("studykit-a", "studykit-b")
    save = button("studykit-save", "Save", button_style="success", icon="check")
    assert (save.description, save.button_style, save.icon, save.layout.width) == (
        "Save", "success", "check", "auto")
    assert save._dom_classes == ("studykit-save",)
