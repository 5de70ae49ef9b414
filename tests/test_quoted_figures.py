"""Every figure the README and the question banks quote is traced to the notebook cell that measured it.

A measured figure carries a mark right after it, ``<!--fact:03/greedy_ppl-->`` (``[i]`` picks one
element of an interval), naming an entry of ``notebooks/facts/03_*.json``, which the cell that
measures it writes (``studykit.studies.facts``). A figure from the literature carries
``<!--cite:Holtzman et al. 2020-->``; a number a worked example computes by hand carries
``<!--example-->``; a figure a command measures outside the notebooks (a build size, a benchmark)
carries ``<!--measured: `make site`-->``, naming the command. The marks are HTML comments: Markdown
hides them, and the bank's loader strips them before a learner sees a question.

This test checks each marked figure against its fact, within the fact's tolerance plus the rounding
of the quote, and fails on a quoted figure with no mark: a percentage, an interval, or a decimal
that is not a setting (``T = 0.7``, ``top-p 0.95``). When a re-executed notebook moves a figure,
the failures list exactly the sentences to change.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from notebook_outputs import printed_number
from studykit.studies import facts

ROOT = Path(__file__).resolve().parent.parent
QUOTING_FILES = [ROOT / "README.md", *sorted((ROOT / "questions").glob("*.yaml"))]

NUM = r"[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e[-+]?\d+)?%?"
# The figure a mark refers to: a number, optionally followed by its interval in brackets.
FIGURE_BEFORE_MARK = re.compile(rf"({NUM})(?:\s*\[({NUM}),\s*({NUM})\])?\s*$")
MARK = re.compile(r"<!--\s*(fact|cite|example|measured)(?::([^>]*?))?\s*-->")
FACT_REF = re.compile(r"^(\d\d)/([A-Za-z0-9_.]+)(?:\[(\d+)\])?$")


def _value(text: str) -> tuple[float, float]:
    """A quoted number's value and half a unit of its last digit (the rounding it may carry);
    a percentage as a fraction."""
    value, unit, percent = printed_number(text)
    scale = 100 if percent else 1
    return float(value) / scale, float(unit) / 2 / scale


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def marked_figures():
    """(file, line, quoted numbers, fact reference) for every fact mark in the quoting files."""
    found = []
    for path in QUOTING_FILES:
        text = path.read_text(encoding="utf-8")
        for mark in MARK.finditer(text):
            if mark.group(1) != "fact":
                continue
            before = FIGURE_BEFORE_MARK.search(text[max(0, mark.start() - 80):mark.start()])
            quoted = [g for g in before.groups() if g] if before else []
            found.append((path.relative_to(ROOT).as_posix(), _line(text, mark.start()), quoted,
                          (mark.group(2) or "").strip()))
    return found


def _facts_of(number: str) -> dict:
    files = sorted(facts.FACTS_DIR.glob(f"{number}_*.json"))
    assert len(files) == 1, f"no single facts file for notebook {number}: {files}"
    return facts.load(files[0].stem)


MARKED = marked_figures()


def test_the_readme_and_the_banks_quote_measured_figures():
    assert len(MARKED) >= 30, "the marks were lost: the README and banks quote dozens of measured figures"


@pytest.mark.parametrize("where, line, quoted, reference", MARKED,
                         ids=[f"{w}:{n}" for w, n, _, _ in MARKED])
def test_a_quoted_figure_agrees_with_the_cell_that_measured_it(where, line, quoted, reference):
    parsed = FACT_REF.match(reference)
    assert parsed, f"{where}:{line}: write the mark as <!--fact:03/name--> or <!--fact:03/name[1]-->"
    notebook, name, index = parsed.groups()
    entries = _facts_of(notebook)
    assert name in entries, (f"{where}:{line}: fact {notebook}/{name} is not recorded; the notebook's "
                             f"facts are {sorted(entries)}")
    assert quoted, f"{where}:{line}: no figure right before the mark <!--fact:{reference}-->"
    entry = entries[name]
    values = entry["value"] if isinstance(entry["value"], list) else [entry["value"]]
    if index is not None:
        values = [values[int(index)]]
    if len(quoted) == 1:
        values = values[:1]  # a lone figure quotes the estimate of an interval
    assert len(quoted) == len(values), f"{where}:{line}: quotes {quoted}, the fact holds {values}"
    for text, measured in zip(quoted, values):
        value, rounding = _value(text)
        allowed = rounding + max(entry["abs"], entry["rel"] * abs(measured)) + 1e-12
        assert abs(value - measured) <= allowed, (
            f"{where}:{line} quotes {text}, but {notebook}/{name} measured {measured} "
            f"(tolerance rel={entry['rel']}, abs={entry['abs']}): change the sentence")


# --- figures without a mark ---------------------------------------------------------------------

# What counts as a quoted figure: a percentage, an interval, a decimal, or a number with thousands
# separators. Settings are not figures: a number in a run that follows a parameter's name
# ("T = 0.7", "at T = 0.1, 0.7, 1 and 5", "top-p 0.95", "temperature 0.7 and 1.5").
FIGURE = re.compile(
    rf"(?<![\w.\-/^·])(?:{NUM}\s*\[\s*{NUM}\s*,\s*{NUM}\s*\]|\d[\d,]*(?:\.\d+)?%|\d+\.\d+(?:e[-+]?\d+)?|\d{{1,3}}(?:,\d{{3}})+)(?![\w.])")
SETTING_NAME = (r"(?:\bT|τ|θ|\bp|\bk|\bn|\bN|γ|gamma|top[-_ ]?[kp]|min[-_ ]?p|temperatures?|penalty|penalties|"
                r"length_penalty|presence|frequency|repetition|eta|epsilon|typical|alpha|seed|"
                r"Python|torch|transformers|numpy|version|n_sigma|nσ|σ|logit_bias|max_tokens)")
SEPARATOR = r"\s*(?:,|and|or|to|–|-|/|\.\.\.)\s*"
SETTING_RUN = re.compile(
    rf"{SETTING_NAME}\s*(?:=|≈|≤|≥|<|>|of|around|about|at|from|between|up to)?\s*(?:{NUM})(?:{SEPARATOR}(?:{NUM}))*",
    re.I)
COMMON = {"1,000", "49,152", "1.0", "0.0", "95%", "100%"}  # a threshold, the vocabulary, plain settings, a confidence


def _setting_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in SETTING_RUN.finditer(text)]


def _excluded_spans(path: Path, text: str) -> list[tuple[int, int]]:
    """The README outside the sections that report the notebooks; the chapter's own words in a bank."""
    if path.suffix == ".md":
        start, end = text.index("## The notebooks"), text.index("## The model")
        return [(0, start), (end, len(text))]
    import yaml

    spans = []
    root = yaml.compose(text)
    for item in next(v for k, v in root.value if k.value == "questions").value:
        fields = {k.value: v for k, v in item.value}
        if fields.get("origin") is not None and fields["origin"].value == "chapter":
            for name in ("question", "model_answer"):
                if name in fields:
                    spans.append((fields[name].start_mark.index, fields[name].end_mark.index))
    return spans


def unmarked_figures() -> list[str]:
    found = []
    for path in QUOTING_FILES:
        text = path.read_text(encoding="utf-8")
        skip = _excluded_spans(path, text) + _setting_spans(text)
        for m in FIGURE.finditer(text):
            if m.group(0) in COMMON or any(a <= m.start() < b for a, b in skip):
                continue
            if re.match(r"\s*<!--", text[m.end():m.end() + 8]):
                continue
            line = _line(text, m.start())
            found.append(f"{path.relative_to(ROOT).as_posix()}:{line}: {m.group(0)!r} in "
                         f"…{' '.join(text[max(0, m.start() - 40):m.end() + 15].split())}…")
    return found


def test_every_quoted_figure_names_its_source():
    missing = unmarked_figures()
    assert not missing, (
        f"{len(missing)} figures have no source: after each, write <!--fact:NN/name--> (measured in "
        "notebook NN, see notebooks/facts/), <!--cite:Author et al. YEAR--> (from the literature), "
        "<!--example--> (a worked example's own arithmetic) or <!--measured: `command`--> (a build or "
        "benchmark figure):\n" + "\n".join(missing))


def test_each_kind_of_mark_is_written_correctly():
    problems = []
    for path in QUOTING_FILES:
        text = path.read_text(encoding="utf-8")
        for mark in re.finditer(r"<!--(.*?)-->", text, re.S):
            body = mark.group(1).strip()
            kind, _, value = body.partition(":")
            if kind == "example" and not value or kind == "cite" and value.strip() and re.search(r"\d{4}|\b[A-Z]", value):
                continue
            if kind == "fact" and FACT_REF.match(value.strip()):
                continue
            if kind == "measured" and re.search(r"`[^`]+`", value):  # the command that measures it
                continue
            problems.append(f"{path.name}:{_line(text, mark.start())}: <!--{body}-->")
    assert not problems, ("marks are <!--fact:03/name-->, <!--cite:Holtzman et al. 2020--> or <!--example-->:\n"
                          + "\n".join(problems))
