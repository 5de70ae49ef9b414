"""The question bank: the chapter's questions word for word, and clear errors for every bad bank."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import studykit.practice.questions as questions_module
from studykit.practice.questions import (DEFAULT_BANK, NOTEBOOKS_DIR, SCHEMA_PATH, Evidence, FollowUp,
                                Question, QuestionBankError, Trap, UnknownQuestionError,
                                find_question, has_schema_comment, load_bank)

REPO = Path(__file__).resolve().parents[2]
# The chapter as the book gives it, kept beside the bank so every clone can check the bank against it.
CHAPTER = REPO / "questions" / "sources" / "ch43_token_dynamics.txt"


def chapter_text() -> str:
    return CHAPTER.read_text(encoding="utf-8")


def chapter_questions() -> list[dict]:
    """The chapter's "Practice questions", parsed from its text: rubric criteria are separated by
    ';' on one line, follow-ups are consecutive questions on one line."""
    pattern = re.compile(r"^Q(\d+)\. (.+?)\n\nModel answer: (.+?)\n\nRubric: (.+?)\n\n"
                         r"Follow-ups: (.+?)$", re.M)
    return [{"number": int(m[1]), "question": m[2], "model_answer": m[3],
             "rubric": [c.strip() for c in m[4].split(";")],
             "follow_ups": re.split(r"(?<=\?) +", m[5].strip())}
            for m in pattern.finditer(chapter_text())]


def chapter_connections() -> list[str]:
    section = chapter_text().split("\nWhere this connects\n", 1)[1]
    return [title.rstrip(",.") for title in re.findall(r"“([^”]+)”", section)]


@pytest.fixture(scope="module")
def bank() -> list[Question]:
    return load_bank(DEFAULT_BANK)


# --- the shipped bank ------------------------------------------------------------------------------

def test_the_chapter_parser_finds_the_seven_questions():
    parsed = chapter_questions()
    assert [q["number"] for q in parsed] == [1, 2, 3, 4, 5, 6, 7]
    assert all(len(q["rubric"]) == 4 and len(q["follow_ups"]) == 2 for q in parsed)


def test_chapter_questions_match_the_chapter_word_for_word(bank):
    ours = [q for q in bank if q.origin == "chapter"]
    parsed = chapter_questions()
    assert len(ours) == len(parsed) == 7
    for mine, theirs in zip(ours, parsed):
        assert mine.id.startswith(f"ch43-q{theirs['number']}-")
        assert mine.question == theirs["question"]
        assert mine.model_answer == theirs["model_answer"]
        assert mine.rubric == theirs["rubric"]
        assert [f.question for f in mine.follow_ups] == theirs["follow_ups"]
        assert mine.connects == chapter_connections()
        assert mine.chapter == 43


def test_typographic_characters_survive(bank):
    # The chapter writes model’s with a curly apostrophe; a straight one would be a silent edit.
    first = next(q for q in bank if q.id == "ch43-q1-what-temperature-does")  # files load in name order
    assert "AI model’s predictions" in first.model_answer
    assert "'" not in first.model_answer


def test_project_questions_cover_what_the_issue_asks(bank):
    own = [q for q in bank if q.origin == "studykit"]
    assert len(own) >= 5
    text = chapter_text()
    follow_ups = re.findall(r"“(Why would you choose[^”]+|How does temperature scaling interact[^”]+)”",
                            text)
    assert len(follow_ups) == 2
    for follow_up in follow_ups:  # the interview section's follow-ups, quoted exactly
        assert any(follow_up in q.question for q in own), follow_up
    questions = " ".join(q.question for q in own).lower()
    for topic in ("ranking", "top-p", "model.generate("):
        assert topic in questions
    for q in own:
        assert q.chapter == 43 and len(q.rubric) >= 4 and q.follow_ups and q.model_answer


def test_ids_are_unique_and_every_question_is_complete(bank):
    assert len({q.id for q in bank}) == len(bank) == 42  # 13 on the chapter, 13 beyond it, 5 with the drills, 11 in production
    for q in bank:
        assert isinstance(q.rubric, list) and all(isinstance(c, str) and c for c in q.rubric)
        assert len(q.look_for) == len(q.rubric) and all(q.look_for)
        assert q.traps and all(isinstance(t, Trap) and t.claim and t.correction for t in q.traps)
        assert q.follow_ups and all(isinstance(f, FollowUp) and f.question and f.answer
                                    for f in q.follow_ups)
        assert q.evidence and all(isinstance(e, Evidence) for e in q.evidence)
        assert q.tags and q.difficulty in ("easy", "medium", "hard")


def test_chapter_questions_carry_a_critique_and_a_strong_answer(bank):
    for q in bank:
        if q.origin == "chapter":
            assert q.critique and q.strong_answer and q.best_answer == q.strong_answer
            assert q.strong_answer != q.model_answer
        else:
            assert q.best_answer == (q.strong_answer or q.model_answer)


def test_every_evidence_reference_names_an_existing_notebook_heading(bank):
    # load_bank checks this; reading the notebooks here again makes the test independent of it.
    for q in bank:
        for e in q.evidence:
            notebook = json.loads((NOTEBOOKS_DIR / f"{e.notebook}.ipynb").read_text(encoding="utf-8"))
            headings = [line.lstrip("#").strip() for cell in notebook["cells"]
                        if cell["cell_type"] == "markdown"
                        for line in "".join(cell["source"]).splitlines() if line.startswith("#")]
            assert e.section in headings, (q.id, e)


def test_the_traps_the_issue_names_are_covered(bank):
    claims = " ".join(t.claim for q in bank for t in q.traps).lower()
    for trap in ("deterministic", "hallucinat", "probabilities", "ranking", "order", "do_sample"):
        assert trap in claims, trap


def test_bank_files_carry_the_editor_schema_comment():
    files = sorted(DEFAULT_BANK.glob("*.yaml"))
    assert files
    for file in files:
        assert has_schema_comment(file), file
        first = file.read_text(encoding="utf-8").splitlines()[0]
        target = first.split("$schema=", 1)[1]
        assert (file.parent / target).resolve() == SCHEMA_PATH.resolve()


def test_schema_is_valid_json_schema_and_accepts_the_bank():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    for file in DEFAULT_BANK.glob("*.yaml"):
        jsonschema.validate(yaml.safe_load(file.read_text(encoding="utf-8")), schema)


def test_find_question_suggests_close_ids(bank):
    assert find_question(bank, bank[3].id) is bank[3]
    with pytest.raises(UnknownQuestionError) as error:
        find_question(bank, "ch43-q1-what-temprature-does")
    assert "ch43-q1-what-temperature-does" in str(error.value)
    assert "no question with id 'ch43-q1-what-temprature-does'" in str(error.value)


# --- malformed banks -------------------------------------------------------------------------------

GOOD = """\
questions:
  - id: sample-one
    chapter: 43
    origin: studykit
    difficulty: easy
    tags: [temperature]
    question: What does temperature do?
    model_answer: It rescales the logits.
    rubric:
      - Says it divides the logits.
      - Says what low and high values do.
    follow_ups:
      - question: And top-k?
        answer: The same k tokens survive at every temperature.
    look_for:
      - Writes z / T.
      - Says below 1 sharpens and above 1 flattens.
    traps:
      - claim: Temperature reorders the tokens.
        correction: Dividing by a positive T keeps the order of the logits.
    evidence:
      - notebook: 02_the_mechanism
        section: The two ends of the dial
"""
GOOD_LINES = len(GOOD.splitlines())

# The parts a chapter question adds, appended to GOOD's question.
CHAPTER_PARTS = """    critique: Says nothing about the logits.
    strong_answer: It divides the logits by T before the softmax.
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path) -> list[str]:
    with pytest.raises(QuestionBankError) as error:
        load_bank(path)
    lines = str(error.value).splitlines()
    assert len(lines) == len(error.value.problems)
    return lines


def test_a_good_bank_loads(tmp_path):
    [q] = load_bank(write(tmp_path, "good.yaml", GOOD))
    assert q.rubric == ["Says it divides the logits.", "Says what low and high values do."]
    assert q.follow_ups == [FollowUp("And top-k?", "The same k tokens survive at every temperature.")]
    assert q.look_for == ["Writes z / T.", "Says below 1 sharpens and above 1 flattens."]
    assert q.traps == [Trap("Temperature reorders the tokens.",
                            "Dividing by a positive T keeps the order of the logits.")]
    assert q.evidence == [Evidence("02_the_mechanism", "The two ends of the dial")]
    assert q.connects == [] and q.critique is None and q.strong_answer is None
    assert q.best_answer == "It rescales the logits."
    assert q.source == f"{tmp_path / 'good.yaml'}:2"


def test_a_chapter_question_loads_with_its_critique_and_strong_answer(tmp_path):
    [q] = load_bank(write(tmp_path, "good.yaml", GOOD.replace("origin: studykit", "origin: chapter")
                          + CHAPTER_PARTS))
    assert q.critique == "Says nothing about the logits."
    assert q.best_answer == q.strong_answer == "It divides the logits by T before the softmax."


def test_a_follow_up_is_also_its_question_text():
    # Code written when follow-ups were plain strings (printing, wrapping, escaping) keeps working.
    import copy
    import html
    import pickle
    import textwrap

    f = FollowUp(question="Why <T>?", answer="Because.")
    assert str(f) == "Why <T>?" == f.question and f != "Why <T>?" and "Why <T>?" != f
    assert textwrap.fill(f) == "Why <T>?" and html.escape(f) == "Why &lt;T&gt;?"
    assert f != FollowUp("Why <T>?", "Another answer.") and f == FollowUp("Why <T>?", "Because.")
    assert len({f, FollowUp("Why <T>?", "Because.")}) == 1
    for twin in (copy.deepcopy(f), pickle.loads(pickle.dumps(f))):
        assert twin == f and twin.answer == "Because."


@pytest.mark.parametrize("old, new, line, field, words", [
    ("    rubric:\n      - Says it divides the logits.\n      - Says what low and high values do.\n",
     "", 2, "rubric", "missing required field"),
    ("model_answer: It rescales the logits.", "model_answer: ''", 8, "model_answer", "is empty"),
    ("model_answer: It rescales the logits.", "model_answer:", 8, "model_answer", "is empty"),
    ("model_answer: It rescales the logits.", "model_answer: >-\n      ", 8, "model_answer",
     "is empty"),
    ("      - question: And top-k?\n        answer: The same k tokens survive at every temperature.\n",
     "      []\n", 13, "follow_ups", "is empty"),
    ("    rubric:\n      - Says it divides the logits.\n      - Says what low and high values do.\n",
     "    rubric: Says it divides the logits.\n", 9, "rubric", "must be a list, not the text"),
    ("chapter: 43", "chapter: '43'", 3, "chapter", "must be a whole number"),
    ("      - Says it divides the logits.", "      - Says: it divides", 10, "rubric[0]",
     "quote the text"),
    ("question: What does temperature do?", "question: 2024-01-01", 7, "question",
     "put it in quotes"),
    ("difficulty: easy", "difficulty: trivial", 5, "difficulty", "must be one of easy, medium, hard"),
    ("    follow_ups:", "    modle_answer: x\n    follow_ups:", 12, "modle_answer",
     "unknown field; did you mean 'model_answer'?"),
    ("  - id: sample-one", "  - id: Sample One", 2, "id", "not valid as an id"),
    ("tags: [temperature]", "tags: [temperature, temperature]", 6, "tags", "same item twice"),
])
def test_each_problem_names_file_line_question_and_field(tmp_path, old, new, line, field, words):
    assert old in GOOD
    path = write(tmp_path, "bank.yaml", GOOD.replace(old, new))
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:{line}: "), problem
    question_id = "Sample One" if field == "id" else "sample-one"
    assert f"question {question_id}: field '{field}': " in problem, problem
    assert words in problem, problem


def test_line_of_a_list_item_problem_is_the_items_line(tmp_path):
    path = write(tmp_path, "bank.yaml", GOOD.replace("      - Says what low and high values do.\n",
                                                     "      - ''\n"))
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:11: question sample-one: field 'rubric[1]': is empty")


def test_every_problem_is_reported_at_once(tmp_path):
    text = GOOD.replace("difficulty: easy", "difficulty: trivial").replace("chapter: 43", "chapter: x")
    lines = problems_of(write(tmp_path, "bank.yaml", text))
    assert [line.split(": field ")[1].split(":")[0] for line in lines] == ["'chapter'", "'difficulty'"]


def test_a_question_without_id_is_named_by_position(tmp_path):
    text = GOOD + GOOD.split("questions:\n", 1)[1].replace("  - id: sample-one\n    chapter",
                                                           "  - chapter")
    [problem] = problems_of(write(tmp_path, "bank.yaml", text))
    assert problem.startswith(f"{tmp_path / 'bank.yaml'}:{GOOD_LINES + 1}: question #2 (no id): "
                              "field 'id': missing required field")


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = write(tmp_path, "bank.yaml", GOOD.replace("    tags: [temperature]", "    tags: [temperature"))
    [problem] = problems_of(path)
    assert re.match(rf"{re.escape(str(path))}:\d+: YAML syntax error: ", problem), problem
    assert int(problem.split(":")[1]) in (6, 7)


def test_repeated_key_in_one_question_is_an_error(tmp_path):
    path = write(tmp_path, "bank.yaml", GOOD.replace("    chapter: 43\n", "    chapter: 43\n    chapter: 44\n"))
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:4: duplicate field 'chapter'")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file_is_an_error(tmp_path, text):
    path = write(tmp_path, "empty.yaml", text)
    assert problems_of(path) == [f"{path}: the file is empty; a bank is a mapping with a "
                                 "'questions:' list (see questions/ch43_temperature.yaml for an example)"]


@pytest.mark.parametrize("text, words", [
    ("- a\n- b\n", "a bank must be a mapping with a 'questions:' list, not a list"),
    ("questions: []\n", "field 'questions': is empty"),
    ("{}\n", "field 'questions': missing required field; add 'questions:'"),
])
def test_wrong_top_level_shape(tmp_path, text, words):
    [problem] = problems_of(write(tmp_path, "bank.yaml", text))
    assert words in problem, problem


def test_unknown_top_level_key_and_missing_questions_both_reported(tmp_path):
    lines = problems_of(write(tmp_path, "bank.yaml", "title: x\n"))
    assert any("field 'questions': missing required field" in line for line in lines)
    assert any(":1: field 'title': unknown field; allowed fields: questions" in line for line in lines)


def test_python_tags_are_refused_and_never_run(tmp_path):
    marker = tmp_path / "ran"
    text = GOOD.replace("question: What does temperature do?",
                        f"question: !!python/object/apply:os.system ['touch {marker}']")
    path = write(tmp_path, "bank.yaml", text)
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:7: the tag !!python/object/apply:os.system is not allowed")
    assert not marker.exists()
    [problem] = problems_of(write(tmp_path, "bank.yaml", "questions:\n  - !!python/object:os.stat {}\n"))
    assert "!!python/object:os.stat is not allowed" in problem


def test_duplicate_ids_across_files_name_both_places(tmp_path):
    first = write(tmp_path, "a.yaml", GOOD)
    second = write(tmp_path, "b.yaml", "# another file\n" + GOOD)
    [problem] = problems_of(tmp_path)
    assert problem.startswith(f"{second}:3: question sample-one: field 'id': duplicate id, "
                              f"already defined at {first}:2")


def test_duplicate_ids_within_one_file(tmp_path):
    path = write(tmp_path, "a.yaml", GOOD + GOOD.split("questions:\n", 1)[1])
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:{GOOD_LINES + 1}: question sample-one: field 'id': duplicate id")


def test_problems_from_several_files_are_all_reported(tmp_path):
    write(tmp_path, "a.yaml", GOOD.replace("origin: studykit", "origin: book"))
    write(tmp_path, "b.yaml", "")
    lines = problems_of(tmp_path)
    assert len(lines) == 2 and "a.yaml:4:" in lines[0] and "b.yaml: the file is empty" in lines[1]


def test_missing_paths_and_empty_directories(tmp_path):
    assert problems_of(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: no such file or directory"]
    (tmp_path / "empty").mkdir()
    assert problems_of(tmp_path / "empty") == [f"{tmp_path / 'empty'}: no .yaml files in this directory"]


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(GOOD.replace("What", "Wh\xe4t").encode("latin-1"))
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}: not UTF-8 text")


def test_a_directory_loads_every_yaml_file_in_name_order(tmp_path):
    write(tmp_path, "b.yaml", GOOD.replace("sample-one", "sample-two"))
    write(tmp_path, "a.yml", GOOD)
    write(tmp_path, "notes.txt", "not a bank")
    assert [q.id for q in load_bank(tmp_path)] == ["sample-one", "sample-two"]


# --- the fields that make a question gradable ------------------------------------------------------

@pytest.mark.parametrize("old, new, line, field, words", [
    ("      - Says below 1 sharpens and above 1 flattens.\n", "", 15, "look_for",
     "has 1 line(s) but rubric has 2 criteria; write one look_for line per rubric criterion"),
    ("    look_for:\n      - Writes z / T.\n      - Says below 1 sharpens and above 1 flattens.\n", "",
     2, "look_for", "missing required field; add 'look_for:'"),
    ("      - question: And top-k?\n        answer: The same k tokens survive at every temperature.\n",
     "      - And top-k?\n", 13, "follow_ups[0]",
     "must be a mapping, not the text 'And top-k?': write each item as '- question: <the follow-up>' "
     "with 'answer: <its answer>' on the next line (every follow-up needs an answer)"),
    ("        answer: The same k tokens survive at every temperature.\n", "", 13,
     "follow_ups[0].answer", "missing required field; add 'answer:'"),
    ("        answer: The same k tokens survive at every temperature.",
     "        answer: ''", 14, "follow_ups[0].answer", "is empty"),
    ("    traps:\n      - claim: Temperature reorders the tokens.\n"
     "        correction: Dividing by a positive T keeps the order of the logits.\n", "    traps: []\n",
     18, "traps", "is empty"),
    ("        correction: Dividing by a positive T keeps the order of the logits.\n", "", 19,
     "traps[0].correction", "missing required field; add 'correction:'"),
    ("      - claim: Temperature reorders the tokens.\n        correction: Dividing by a positive T "
     "keeps the order of the logits.\n", "      - Temperature reorders the tokens.\n", 19, "traps[0]",
     "write each item as '- claim: <the wrong claim>'"),
    ("        correction: Dividing", "        corection: Dividing", 20, "traps[0].corection",
     "unknown field; did you mean 'correction'?"),
    ("      - notebook: 02_the_mechanism", "      - notebook: 02_the_mechanisms", 22,
     "evidence[0].notebook", "no notebook 02_the_mechanisms.ipynb in notebooks; did you mean "
     "02_the_mechanism? give the file name without .ipynb"),
    ("      - notebook: 02_the_mechanism", "      - notebook: 02_the_mechanism.ipynb", 22,
     "evidence[0].notebook", "did you mean 02_the_mechanism?"),
    ("        section: The two ends of the dial", "        section: The two end of the dial", 23,
     "evidence[0].section", "no heading 'The two end of the dial' in notebooks/02_the_mechanism.ipynb; "
     "did you mean 'The two ends of the dial'? give a markdown heading's text exactly"),
    ("        section: The two ends of the dial", "        section: '## The two ends of the dial'", 23,
     "evidence[0].section", "did you mean 'The two ends of the dial'?"),
    ("      - notebook: 02_the_mechanism\n", "      - note: 02_the_mechanism\n", 22, "evidence[0].note",
     "unknown field; did you mean 'notebook'?"),
])
def test_each_problem_with_the_new_fields_is_located(tmp_path, old, new, line, field, words):
    assert old in GOOD
    path = write(tmp_path, "bank.yaml", GOOD.replace(old, new))
    problems = problems_of(path)
    located = [p for p in problems if f": field '{field}': " in p]
    assert len(located) == 1, problems
    assert located[0].startswith(f"{path}:{line}: question sample-one: field '{field}': "), located[0]
    assert words in located[0], located[0]


def test_a_chapter_question_needs_a_critique_and_a_strong_answer(tmp_path):
    path = write(tmp_path, "bank.yaml", GOOD.replace("origin: studykit", "origin: chapter"))
    assert problems_of(path) == [
        f"{path}:2: question sample-one: field '{name}': missing required field (required when "
        f"origin is chapter); add '{name}:'" for name in ("critique", "strong_answer")]
    with_them = load_bank(write(tmp_path, "bank.yaml", GOOD + CHAPTER_PARTS))  # optional otherwise
    assert with_them[0].origin == "studykit" and with_them[0].critique


def test_schema_and_content_problems_are_reported_together(tmp_path):
    text = (GOOD.replace("difficulty: easy", "difficulty: trivial")
            .replace("      - Says below 1 sharpens and above 1 flattens.\n", "")
            .replace("section: The two ends of the dial", "section: Nowhere"))
    lines = problems_of(write(tmp_path, "bank.yaml", text))
    assert [line.split(": field ")[1].split(":")[0] for line in lines] == [
        "'difficulty'", "'look_for'", "'evidence[0].section'"]


def notebook_with(directory: Path, name: str, *markdown: str) -> None:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": text.splitlines(keepends=True)}
             for text in markdown] + [{"cell_type": "code", "metadata": {}, "outputs": [],
                                       "execution_count": None, "source": ["# A comment, not a heading\n"]}]
    (directory / f"{name}.ipynb").write_text(json.dumps({"cells": cells, "metadata": {},
                                                         "nbformat": 4, "nbformat_minor": 5}))


def test_evidence_is_checked_against_the_headings_of_any_level(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    notebook_with(notebooks, "02_the_mechanism", "# Title\n\nText.\n\n###### The two ends of the dial  \n",
                  "```python\n# Fenced code is not a heading\n```\n#hashtag is not one either\n")
    bank = write(tmp_path, "bank.yaml", GOOD)
    assert load_bank(bank, notebooks=notebooks)[0].evidence[0].section == "The two ends of the dial"
    for section in ("Fenced code is not a heading", "A comment, not a heading", "hashtag is not one either"):
        [problem] = problems_of_loading(write(tmp_path, "bank.yaml", GOOD.replace(
            "The two ends of the dial", section)), notebooks)
        assert "field 'evidence[0].section': no heading" in problem, problem


def test_evidence_in_a_directory_without_notebooks(tmp_path):
    [problem] = problems_of_loading(write(tmp_path, "bank.yaml", GOOD), tmp_path / "none")
    assert ("field 'evidence[0].notebook': no notebook 02_the_mechanism.ipynb in "
            f"{tmp_path / 'none'}; give the file name without .ipynb (notebooks: none)") in problem


def problems_of_loading(path, notebooks) -> list[str]:
    with pytest.raises(QuestionBankError) as error:
        load_bank(path, notebooks=notebooks)
    return str(error.value).splitlines()


# --- two validators, one verdict --------------------------------------------------------------------

BROKEN = [GOOD.replace("difficulty: easy", "difficulty: trivial"),
          GOOD.replace("        answer: The same k tokens survive at every temperature.\n", ""),
          GOOD.replace("origin: studykit", "origin: chapter"),
          GOOD.replace("    traps:\n", "    traps: []\n    old_traps:\n"),
          GOOD.replace("chapter: 43", "chapter: 0")]


@pytest.mark.parametrize("text", BROKEN)
def test_the_fast_check_and_jsonschema_agree(text):
    data = yaml.safe_load(text)
    assert not questions_module._passes_schema(data)
    assert list(questions_module._validator().iter_errors(data))


def test_the_fast_check_accepts_what_jsonschema_accepts(bank):
    for file in sorted(DEFAULT_BANK.glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        assert questions_module._passes_schema(data), file
        assert not list(questions_module._validator().iter_errors(data)), file


@pytest.mark.parametrize("text", BROKEN)
def test_without_fastjsonschema_the_same_problems_are_reported(tmp_path, monkeypatch, text):
    path = write(tmp_path, "bank.yaml", text)
    with_fast = problems_of(path)
    monkeypatch.setattr(questions_module, "_fast_validator", lambda: None)
    assert problems_of(path) == with_fast
    assert load_bank(write(tmp_path, "good.yaml", GOOD))[0].id == "sample-one"


def fresh_fast_validator(monkeypatch, home: Path):
    monkeypatch.setenv("STUDYKIT_HOME", str(home))
    questions_module._fast_validator.cache_clear()
    return questions_module._fast_validator


def test_the_generated_validator_is_cached_and_reused(tmp_path, monkeypatch):
    import fastjsonschema

    build = fresh_fast_validator(monkeypatch, tmp_path)
    try:
        validate, _ = build()
        [cached] = (tmp_path / "cache" / "validators").iterdir()
        assert cached.suffix == ".marshal" and not list(cached.parent.glob("*.tmp"))
        build.cache_clear()
        monkeypatch.setattr(fastjsonschema, "compile_to_code", lambda *a: pytest.fail("regenerated"))
        again, _ = build()  # a second start-up reads the compiled validator back
        data = yaml.safe_load(GOOD)
        assert validate(data) == again(data)
        with pytest.raises(fastjsonschema.JsonSchemaException):
            again(yaml.safe_load(BROKEN[0]))
    finally:
        build.cache_clear()


def test_a_damaged_or_unwritable_cache_only_costs_speed(tmp_path, monkeypatch):
    build = fresh_fast_validator(monkeypatch, tmp_path)
    try:
        build()
        [cached] = (tmp_path / "cache" / "validators").iterdir()
        cached.write_bytes(b"not marshal data")
        build.cache_clear()
        assert build() is not None and cached.read_bytes() != b"not marshal data"  # rebuilt
        cached.unlink()
        cached.parent.chmod(0o500)  # read-only (root ignores this, so also make writing fail)
        monkeypatch.setattr(Path, "write_bytes", lambda *a: (_ for _ in ()).throw(PermissionError()))
        build.cache_clear()
        validate, _ = build()
        assert validate(yaml.safe_load(GOOD)) and not cached.exists()
        assert load_bank(write(tmp_path, "good.yaml", GOOD))[0].id == "sample-one"
    finally:
        cached.parent.chmod(0o700)
        build.cache_clear()


# --- any text survives the round trip --------------------------------------------------------------

texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1).filter(str.strip)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=texts, answer=texts, rubric=st.lists(texts, min_size=1, max_size=6))
def test_any_text_round_trips_through_a_bank(tmp_path, question, answer, rubric):
    item = {"id": "any-text", "chapter": 1, "origin": "studykit", "difficulty": "hard",
            "tags": ["x"], "question": question, "model_answer": answer, "rubric": rubric,
            "look_for": rubric[::-1], "traps": [{"claim": answer, "correction": question}],
            "follow_ups": [{"question": question, "answer": answer}]}
    path = write(tmp_path, "bank.yaml", yaml.safe_dump({"questions": [item]}, allow_unicode=True))
    [q] = load_bank(path)
    assert (q.question, q.model_answer, q.rubric) == (question, answer, rubric)
    assert q.follow_ups[0].answer == answer and q.traps[0].correction == question
