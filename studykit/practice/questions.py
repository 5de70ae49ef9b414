"""Practice-question banks: YAML files checked against ``questions/schema.json``.

A bank is one YAML file, or a directory of them, each a mapping with a ``questions:`` list::

    >>> from studykit.practice.questions import load_bank, DEFAULT_BANK
    >>> bank = load_bank(DEFAULT_BANK)
    >>> bank[0].id, len(bank[0].rubric) == len(bank[0].look_for)
    ('ch43-q1-what-temperature-does', True)

Besides the question, a model answer and a rubric, every question carries what makes it gradable
and what a strong interviewer asks next: ``look_for`` (what meeting each rubric criterion looks
like), ``traps`` (wrong claims and their corrections), answered ``follow_ups`` and ``evidence``
(the notebook sections that demonstrate the answer). The chapter's own questions also carry a
``critique`` of the chapter's answer and a ``strong_answer``.

Every problem in a malformed bank is reported at once in a :class:`QuestionBankError`, one line
per problem naming the file, the line (where YAML knows it), the question id and the field, and
saying how to fix it. Beyond the schema, the loader checks that ``look_for`` has one line per
rubric criterion and that every evidence reference names an existing notebook heading. YAML is
read with the safe loader: tags such as ``!!python/object`` are refused, so a bank can never run
code.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import importlib.util
import json
import marshal
import os
import re
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

REPO_DIR = Path(__file__).resolve().parents[2]  # studykit/practice/questions.py -> the repository
DEFAULT_BANK = REPO_DIR / "questions"
NOTEBOOKS_DIR = REPO_DIR / "notebooks"
SCHEMA_PATH = DEFAULT_BANK / "schema.json"
BANK_SUFFIXES = (".yaml", ".yml")
# Editors with a YAML language server validate a bank as it is typed when the file starts with this.
SCHEMA_COMMENT = "# yaml-language-server: $schema="


@dataclass(frozen=True)
class Trap:
    """A wrong thing candidates say, and why it is wrong (with the evidence)."""

    claim: str
    correction: str


@dataclass(frozen=True, eq=False)
class FollowUp(str):
    """A follow-up question and its answer.

    Its text as a ``str`` is the question, so code written when follow-ups were plain strings
    (printing, wrapping, escaping them) keeps showing the question. It compares like a dataclass:
    equal only to a FollowUp with the same question and answer.
    """

    question: str
    answer: str

    def __new__(cls, question: str, answer: str):
        return super().__new__(cls, question)

    def __getnewargs__(self):  # copy and pickle rebuild it from both fields
        return self.question, self.answer

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, FollowUp)
                and (self.question, self.answer) == (other.question, other.answer))

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((self.question, self.answer))


@dataclass(frozen=True)
class Evidence:
    """A notebook section that demonstrates the answer."""

    notebook: str  # file stem under notebooks/, e.g. "02_the_mechanism"
    section: str  # the heading's text without the leading #'s

    def __str__(self) -> str:
        return f"notebooks/{self.notebook}.ipynb, § {self.section}"


@dataclass(frozen=True)
class Question:
    """One practice question.

    ``rubric`` holds one criterion per item, in the order they are graded, and ``look_for[i]`` says
    what meeting ``rubric[i]`` looks like. ``critique`` and ``strong_answer`` are given for the
    chapter's own questions (whose ``model_answer`` is the chapter's, kept word for word).
    """

    id: str
    chapter: int
    origin: str  # "chapter" (the book's own words) or "studykit" (written for this project)
    difficulty: str
    tags: list[str]
    question: str
    model_answer: str
    rubric: list[str]
    look_for: list[str]
    traps: list[Trap]
    follow_ups: list[FollowUp]
    critique: str | None = None
    strong_answer: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    connects: list[str] = field(default_factory=list)
    source: str = field(default="", compare=False)  # "file:line" where the question is defined

    @property
    def best_answer(self) -> str:
        """The answer to learn from: the strong answer where there is one, else the model answer."""
        return self.strong_answer or self.model_answer


@dataclass(frozen=True)
class BankProblem:
    """One thing wrong with a bank, located as precisely as the file allows."""

    file: str
    message: str
    line: int | None = None
    question_id: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        parts = [where]
        if self.question_id:
            parts.append(f"question {self.question_id}")
        if self.field:
            parts.append(f"field '{self.field}'")
        return ": ".join(parts) + ": " + self.message


class QuestionBankError(ValueError):
    """A bank that cannot be used; ``problems`` lists everything found, ``str()`` shows them all."""

    def __init__(self, problems: Iterable[BankProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UnknownQuestionError(LookupError):
    """A question id that is not in the bank."""

    def __str__(self) -> str:  # LookupError would show the message in quotes
        return str(self.args[0])


def load_bank(path: str | Path | Iterable[str | Path],
              notebooks: str | Path = NOTEBOOKS_DIR) -> list[Question]:
    """Load and validate a bank: one YAML file, a directory of ``*.yaml`` files, or a list of either.

    Evidence references are checked against the markdown headings of ``notebooks/*.ipynb``.
    Raises :class:`QuestionBankError` listing every problem; ids must be unique across all files.
    """
    paths = [path] if isinstance(path, (str, Path)) else list(path)
    problems: list[BankProblem] = []
    files: list[Path] = []
    for p in map(Path, paths):
        found, missing = _bank_files(p)
        files += found
        problems += missing
    headings = _NotebookHeadings(Path(notebooks))
    questions: list[Question] = []
    defined_at: dict[str, str] = {}
    for file in files:
        file_questions, file_problems = _load_file(file, headings)
        problems += file_problems
        for q in file_questions:
            if q.id in defined_at:
                problems.append(BankProblem(
                    str(file), f"duplicate id, already defined at {defined_at[q.id]}; "
                    "ids must be unique across all bank files, so rename one of them",
                    _line_of(q.source), q.id, "id"))
            else:
                defined_at[q.id] = q.source
                questions.append(q)
    if problems:
        raise QuestionBankError(problems)
    return questions


def find_question(questions: Iterable[Question], question_id: str) -> Question:
    """The question with this id, or an :class:`UnknownQuestionError` suggesting close matches."""
    by_id = {q.id: q for q in questions}
    if question_id in by_id:
        return by_id[question_id]
    close = difflib.get_close_matches(question_id, by_id, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    raise UnknownQuestionError(
        f"no question with id '{question_id}' in the bank; {hint}"
        "`studykit list` shows every id")


def has_schema_comment(file: str | Path) -> bool:
    """Whether the file starts with the ``yaml-language-server`` comment that lets editors validate it."""
    with open(file, encoding="utf-8", errors="replace") as f:
        return any(line.startswith(SCHEMA_COMMENT) for line in f.read(4096).splitlines()[:5])


# --- reading files -------------------------------------------------------------------------------

def _bank_files(path: Path) -> tuple[list[Path], list[BankProblem]]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in BANK_SUFFIXES and p.is_file())
        if not files:
            return [], [BankProblem(str(path), "no .yaml files in this directory")]
        return files, []
    if path.is_file():
        return [path], []
    return [], [BankProblem(str(path), "no such file or directory")]


# libyaml's parser (when PyYAML was built with it) reads a bank about ten times faster than the
# pure-Python one and gives the same nodes and line marks.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _BankLoader(_SafeLoader):
    """The safe loader, plus: a key repeated in one mapping is an error (YAML would keep the last)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate field '{key}' in one mapping (YAML would silently keep "
                    "only the last one); delete one of them", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def _load_file(file: Path, headings: _NotebookHeadings) -> tuple[list[Question], list[BankProblem]]:
    name = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        return [], [BankProblem(name, f"not UTF-8 text (byte {e.start}); save the file as UTF-8")]
    except OSError as e:
        return [], [BankProblem(name, f"cannot read the file: {e.strerror}")]
    loader = _BankLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as e:
        return [], [_yaml_problem(name, e)]
    except yaml.YAMLError as e:
        return [], [BankProblem(name, f"YAML error: {e}")]
    finally:
        loader.dispose()
    if data is None:
        return [], [BankProblem(name, "the file is empty; a bank is a mapping with a 'questions:' "
                                "list (see questions/ch43_temperature.yaml for an example)")]
    problems = _schema_problems(name, data, root) + _content_problems(name, data, root, headings)
    if problems:
        return [], sorted(problems, key=lambda p: (p.line or 0, p.field or ""))
    questions = [_question(item, source=f"{name}:{_locate(root, ['questions', i])}")
                 for i, item in enumerate(data["questions"])]
    return questions, []


# A figure's source mark (``<!--fact:03/greedy_ppl-->``, ``<!--cite:...-->``, ``<!--example-->``): for the
# test that traces every quoted figure, never for the learner.
SOURCE_MARK = re.compile(r"\s?<!--.*?-->", re.S)


def _without_marks(value: Any) -> Any:
    if isinstance(value, str):
        return SOURCE_MARK.sub("", value)
    if isinstance(value, list):
        return [_without_marks(v) for v in value]
    if isinstance(value, dict):
        return {k: _without_marks(v) for k, v in value.items()}
    return value


def _question(item: dict, source: str) -> Question:
    """A schema-valid bank item as a :class:`Question`, with the figures' source marks removed."""
    item = _without_marks(item)
    return Question(
        **{k: item[k] for k in _REQUIRED_TEXT_FIELDS},
        traps=[Trap(**t) for t in item["traps"]],
        follow_ups=[FollowUp(**f) for f in item["follow_ups"]],
        critique=item.get("critique"),
        strong_answer=item.get("strong_answer"),
        evidence=[Evidence(**e) for e in item.get("evidence", [])],
        connects=item.get("connects", []),
        source=source)


_REQUIRED_TEXT_FIELDS = ("id", "chapter", "origin", "difficulty", "tags", "question",
                         "model_answer", "rubric", "look_for")


def _yaml_problem(name: str, e: yaml.MarkedYAMLError) -> BankProblem:
    mark = e.problem_mark or e.context_mark
    line = mark.line + 1 if mark else None
    problem = e.problem or "invalid YAML"
    if "could not determine a constructor for the tag" in problem:
        tag = problem.split("tag", 1)[1].strip(" '").replace("tag:yaml.org,2002:", "!!")
        message = (f"the tag {tag} is not allowed: banks are plain YAML (text, lists, mappings) and "
                   "are loaded safely; remove the tag")
    elif problem.startswith("duplicate field"):
        message = problem
    else:
        context = f" ({e.context})" if e.context else ""
        message = (f"YAML syntax error: {problem}{context}; check the indentation, and quote text "
                   "that contains ': ' or starts with a special character")
    return BankProblem(name, message, line)


# --- checks the schema cannot express -------------------------------------------------------------

def _content_problems(name: str, data: Any, root: yaml.Node,
                      headings: _NotebookHeadings) -> list[BankProblem]:
    """look_for pairs with rubric one to one; evidence names real notebook headings.

    Runs on every item whose fields have the right shape, so these problems are reported together
    with any schema problems in the same file.
    """
    items = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    problems = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        qid = item.get("id") if isinstance(item.get("id"), str) and item.get("id") else f"#{i + 1} (no id)"

        def problem(message, path, field, key=False):
            return BankProblem(name, message, _locate(root, ["questions", i] + path, key), qid, field)

        rubric, look_for = item.get("rubric"), item.get("look_for")
        if isinstance(rubric, list) and isinstance(look_for, list) and rubric and look_for \
                and len(rubric) != len(look_for):
            problems.append(problem(
                f"has {len(look_for)} line(s) but rubric has {len(rubric)} criteria; write one "
                "look_for line per rubric criterion, in the same order", ["look_for"], "look_for",
                key=True))
        evidence = item.get("evidence")
        for j, ref in enumerate(evidence if isinstance(evidence, list) else []):
            if not (isinstance(ref, dict) and isinstance(ref.get("notebook"), str)
                    and isinstance(ref.get("section"), str)):
                continue  # the schema reports it
            for field_name, message in headings.check(ref["notebook"], ref["section"]):
                problems.append(problem(message, ["evidence", j, field_name],
                                        f"evidence[{j}].{field_name}"))
    return problems


class _NotebookHeadings:
    """The markdown headings of ``directory/*.ipynb``, read once and only when evidence is checked."""

    def __init__(self, directory: Path):
        self.directory = directory

    @functools.cached_property
    def by_notebook(self) -> dict[str, list[str]]:
        return {file.stem: _headings(file) for file in sorted(self.directory.glob("*.ipynb"))}

    def check(self, notebook: str, section: str) -> list[tuple[str, str]]:
        """(field, message) for what is wrong with one reference; empty when it is right."""
        where = _shown(self.directory)
        if notebook not in self.by_notebook:
            close = difflib.get_close_matches(notebook, self.by_notebook, n=3, cutoff=0.5)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            known = ", ".join(self.by_notebook) or "none"
            return [("notebook", f"no notebook {notebook}.ipynb in {where}; {hint}give the file "
                                 f"name without .ipynb (notebooks: {known})")]
        headings = self.by_notebook[notebook]
        if section in headings:
            return []
        close = difflib.get_close_matches(section, headings, n=3, cutoff=0.5)
        hint = ("did you mean " + " or ".join(repr(c) for c in close) + "? ") if close else ""
        return [("section", f"no heading {section!r} in {where}/{notebook}.ipynb; {hint}give a "
                            "markdown heading's text exactly, without the leading #'s")]


def _headings(notebook: Path) -> list[str]:
    """Text of every markdown heading (any level) in a notebook, outside fenced code."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return []
    found = []
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        fenced = False
        for line in ("".join(source) if isinstance(source, list) else source).splitlines():
            if line.lstrip().startswith(("```", "~~~")):
                fenced = not fenced
            elif not fenced and _HEADING.match(line):
                found.append(line.lstrip("#").strip())
    return found


_HEADING = re.compile(r"^#{1,6}(\s|$)")


def _shown(path: Path) -> str:
    """``path`` relative to the repository where it lies inside it (shorter messages)."""
    try:
        return str(path.resolve().relative_to(REPO_DIR))
    except ValueError:
        return str(path)


# --- schema validation with locations ------------------------------------------------------------

# Validation has two speeds. A valid bank (the usual case) is confirmed by a validator that
# fastjsonschema generates from the schema as Python code; only a bank that fails it is described
# by jsonschema, whose import takes over a second (it builds grammars for its format checkers) but
# which lists every error with its path. Generating and compiling the validator takes longer than
# the rest of a start-up, so its compiled code is kept in the cache directory, named by a hash of
# the schema, the fastjsonschema version and the Python bytecode version. Without fastjsonschema,
# jsonschema does both jobs.

@functools.lru_cache(maxsize=1)
def _schema_text() -> str:
    try:
        return SCHEMA_PATH.read_text(encoding="utf-8")
    except OSError as e:
        raise QuestionBankError([BankProblem(str(SCHEMA_PATH), f"cannot read the schema: {e.strerror}")])


def _schema() -> dict:
    return json.loads(_schema_text())


@functools.lru_cache(maxsize=1)
def _fast_validator():
    """(validate, error class): validate raises on the first schema error; None without fastjsonschema."""
    try:
        import fastjsonschema
    except ImportError:
        return None
    key = hashlib.sha256(f"{fastjsonschema.VERSION}\0{_schema_text()}".encode()).hexdigest()[:16]
    name = f"bank_schema_{key}"
    namespace: dict[str, Any] = {"__name__": name}
    exec(_cached_code(name, lambda: fastjsonschema.compile_to_code(_schema())), namespace)
    return namespace[_entry_point(namespace)], fastjsonschema.JsonSchemaException


def _cached_code(name: str, make_source) -> types.CodeType:
    """The compiled ``make_source()``, read from the cache directory when an earlier run left it there."""
    from .. import paths  # here, so that importing this module stays cheap

    file = paths.cache_dir() / "validators" / f"{name}-{importlib.util.MAGIC_NUMBER.hex()}.marshal"
    try:
        return marshal.loads(file.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):  # not there yet, or damaged: rebuild it
        pass
    code = compile(make_source(), f"<{name}>", "exec")
    try:
        file.parent.mkdir(exist_ok=True)
        partial = file.with_name(f"{file.name}.{os.getpid()}.tmp")
        partial.write_bytes(marshal.dumps(code))
        os.replace(partial, file)  # atomic: a parallel start-up reads all of it or nothing
    except OSError:  # a read-only cache only costs the speed-up
        pass
    return code


def _entry_point(namespace: dict[str, Any]) -> str:
    """The generated validator of the whole schema (the others, longer named, validate its $defs)."""
    return min((n for n in namespace if n.startswith("validate_")), key=len)


@functools.lru_cache(maxsize=1)
def _validator():
    import jsonschema  # imported here: it is slow to import and only needed to describe errors

    return jsonschema.Draft202012Validator(_schema())


def _passes_schema(data: Any) -> bool:
    fast = _fast_validator()
    if fast is None:
        return False  # unknown: let jsonschema decide
    validate, failure = fast
    try:
        validate(data)
    except failure:
        return False
    return True


def _schema_problems(name: str, data: Any, root: yaml.Node) -> list[BankProblem]:
    if _passes_schema(data):
        return []
    problems: dict[tuple, BankProblem] = {}  # keyed, because one blank field breaks two rules
    for error in _validator().iter_errors(data):
        for problem in _describe(name, error, data, root):
            problems.setdefault((problem.line, problem.question_id, problem.field, problem.message),
                                problem)
    return sorted(problems.values(), key=lambda p: (p.line or 0, p.field or ""))


def _describe(name: str, error, data: Any, root: yaml.Node) -> list[BankProblem]:
    path = list(error.absolute_path)
    question_id = _question_id(data, path)
    field_name = _field_name(path)
    line = _locate(root, path)
    kind, expected, value = error.validator, error.validator_value, error.instance

    def problem(message, field=field_name, at=line):
        return BankProblem(name, message, at, question_id, field)

    if not path and kind == "type":
        return [problem("a bank must be a mapping with a 'questions:' list, "
                        f"not {_kind_of(value)}")]
    if kind == "required":
        why = (" (required when origin is chapter)" if "then" in error.relative_schema_path
               else "")
        return [problem(f"missing required field{why}; add '{missing}:'",
                        _join(field_name, missing))
                for missing in expected if missing not in value]
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        found = []
        for extra in (k for k in value if k not in allowed):
            close = difflib.get_close_matches(str(extra), allowed, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            found.append(problem(f"unknown field; {hint}allowed fields: {', '.join(allowed)}",
                                 _join(field_name, extra), _locate(root, path + [extra], key=True)))
        return found
    if kind == "type" and value is None:
        return [problem("is empty; write the text or give at least one item")]
    if kind == "type" and expected == "object" and len(path) >= 4 and path[-2] in _ITEM_SHAPES:
        return [problem(f"must be a mapping, not {_kind_of(value)}: write each item as "
                        f"{_ITEM_SHAPES[path[-2]]}")]
    if kind == "type":
        hint = (" (YAML read an unquoted value as a number, date or yes/no: put it in quotes)"
                if expected == "string" and not isinstance(value, (list, dict)) else "")
        return [problem(f"must be {_TYPE_NAMES.get(expected, expected)}, "
                        f"not {_kind_of(value)}{hint}")]
    if kind in ("minLength", "minItems") or (kind == "pattern" and isinstance(value, str)
                                              and not value.strip()):
        return [problem("is empty; write the text or give at least one item")]
    if kind == "pattern":
        what = "an id" if field_name == "id" else "a tag"
        return [problem(f"{value!r} is not valid as {what}: use lowercase letters, digits and "
                        "single hyphens" + (", starting with a letter (e.g. ch43-q1-softmax)"
                                            if field_name == "id" else " (e.g. top-p)"))]
    if kind == "enum":
        return [problem(f"must be one of {', '.join(map(str, expected))}, not {value!r}")]
    if kind == "uniqueItems":
        return [problem("lists the same item twice; remove the repeat")]
    if kind == "minimum":
        return [problem(f"must be at least {expected}, not {value!r}")]
    return [problem(error.message)]


# How one item of each list of mappings is written, for the message when an item is plain text.
_ITEM_SHAPES = {
    "follow_ups": "'- question: <the follow-up>' with 'answer: <its answer>' on the next line "
                  "(every follow-up needs an answer)",
    "traps": "'- claim: <the wrong claim>' with 'correction: <why it is wrong>' on the next line",
    "evidence": "'- notebook: <file name without .ipynb>' with 'section: <heading text>' on the "
                "next line",
}

_TYPE_NAMES = {"string": "text", "array": "a list", "object": "a mapping",
               "integer": "a whole number", "number": "a number", "boolean": "true or false"}


def _kind_of(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"the boolean {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping (a ': ' inside unquoted text makes one; quote the text)"
    return f"{type(value).__name__} {value!r}"


def _question_id(data: Any, path: list) -> str | None:
    if len(path) < 2 or path[0] != "questions" or not isinstance(path[1], int):
        return None
    item = data["questions"][path[1]]
    qid = item.get("id") if isinstance(item, dict) else None
    return qid if isinstance(qid, str) and qid else f"#{path[1] + 1} (no id)"


def _field_name(path: list) -> str | None:
    rest = path[2:] if len(path) >= 2 and path[0] == "questions" else path
    name = ""
    for part in rest:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or None


def _join(parent: str | None, child: Any) -> str:
    return f"{parent}.{child}" if parent else str(child)


def _locate(node: yaml.Node | None, path: list, key: bool = False) -> int | None:
    """1-based line of the node at ``path`` (of its key if ``key``), or of the deepest node found."""
    line = node.start_mark.line + 1 if node is not None else None
    for i, part in enumerate(path):
        child = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(part):
                    child = key_node if key and i == len(path) - 1 else value_node
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def _line_of(source: str) -> int | None:
    tail = source.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None
