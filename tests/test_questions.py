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

from studykit.questions import (DEFAULT_BANK, SCHEMA_PATH, Question, QuestionBankError,
                                UnknownQuestionError, find_question, has_schema_comment, load_bank)

REPO = Path(__file__).resolve().parent.parent
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
        assert mine.follow_ups == theirs["follow_ups"]
        assert mine.connects == chapter_connections()
        assert mine.chapter == 43


def test_typographic_characters_survive(bank):
    # The chapter writes model’s with a curly apostrophe; a straight one would be a silent edit.
    assert "AI model’s predictions" in bank[0].model_answer
    assert "'" not in bank[0].model_answer


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
    assert len({q.id for q in bank}) == len(bank) == 13
    for q in bank:
        assert isinstance(q.rubric, list) and all(isinstance(c, str) and c for c in q.rubric)
        assert isinstance(q.follow_ups, list) and q.follow_ups
        assert q.tags and q.difficulty in ("easy", "medium", "hard")


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
      - And top-k?
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
    assert q.follow_ups == ["And top-k?"] and q.connects == []
    assert q.source == f"{tmp_path / 'good.yaml'}:2"


@pytest.mark.parametrize("old, new, line, field, words", [
    ("    rubric:\n      - Says it divides the logits.\n      - Says what low and high values do.\n",
     "", 2, "rubric", "missing required field"),
    ("model_answer: It rescales the logits.", "model_answer: ''", 8, "model_answer", "is empty"),
    ("model_answer: It rescales the logits.", "model_answer:", 8, "model_answer", "is empty"),
    ("model_answer: It rescales the logits.", "model_answer: >-\n      ", 8, "model_answer",
     "is empty"),
    ("      - And top-k?\n", "      []\n", 13, "follow_ups", "is empty"),
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
    path = write(tmp_path, "bank.yaml", GOOD.replace("      - And top-k?\n", "      - ''\n"))
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:13: question sample-one: field 'follow_ups[0]': is empty")


def test_every_problem_is_reported_at_once(tmp_path):
    text = GOOD.replace("difficulty: easy", "difficulty: trivial").replace("chapter: 43", "chapter: x")
    lines = problems_of(write(tmp_path, "bank.yaml", text))
    assert [line.split(": field ")[1].split(":")[0] for line in lines] == ["'chapter'", "'difficulty'"]


def test_a_question_without_id_is_named_by_position(tmp_path):
    text = GOOD + GOOD.split("questions:\n", 1)[1].replace("  - id: sample-one\n    chapter",
                                                           "  - chapter")
    [problem] = problems_of(write(tmp_path, "bank.yaml", text))
    assert problem.startswith(f"{tmp_path / 'bank.yaml'}:14: question #2 (no id): field 'id': "
                              "missing required field")


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
    assert problem.startswith(f"{path}:14: question sample-one: field 'id': duplicate id")


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


# --- any text survives the round trip --------------------------------------------------------------

texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1).filter(str.strip)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=texts, answer=texts, rubric=st.lists(texts, min_size=1, max_size=6))
def test_any_text_round_trips_through_a_bank(tmp_path, question, answer, rubric):
    item = {"id": "any-text", "chapter": 1, "origin": "studykit", "difficulty": "hard",
            "tags": ["x"], "question": question, "model_answer": answer, "rubric": rubric,
            "follow_ups": ["Why?"]}
    path = write(tmp_path, "bank.yaml", yaml.safe_dump({"questions": [item]}, allow_unicode=True))
    [q] = load_bank(path)
    assert (q.question, q.model_answer, q.rubric) == (question, answer, rubric)
