"""Reading one question bank as its tests check it: the learner's text, and the checks every bank
file shares (sources named, papers dated, grading parts gradable)."""

import re
from pathlib import Path

import yaml

from studykit.practice.questions import SOURCE_MARK

# A look_for line must name content, not grade a quality.
VAGUE = re.compile(r"\b(understand\w*|demonstrat\w*|clearly|good grasp|insight\w*|appropriate\w*)\b", re.I)


def questions_of(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


def by_id(questions, question_id) -> dict:
    return next(q for q in questions if q["id"] == question_id)


def flat(text: str) -> str:
    """The text a learner reads: source marks (<!--fact:...-->) removed, runs of spaces collapsed."""
    return " ".join(SOURCE_MARK.sub("", text).split())


def everything(q: dict) -> str:
    """A question's answer, trap corrections and follow-up answers, as one flat text."""
    return flat(" ".join([q["model_answer"]] + [t["correction"] for t in q["traps"]]
                         + [f["answer"] for f in q["follow_ups"]]))


def missing_sources(q: dict, required) -> list[str]:
    answer = flat(q["model_answer"])
    return [source for source in required if source not in answer]


def undated_papers(q: dict) -> list[str]:
    """Authors named as 'X et al.' never given a year in the question, so a reader cannot find the paper."""
    text = everything(q)
    return sorted(a for a in set(re.findall(r"(\w+) et al\.", text))
                  if not re.search(rf"{a} et al\.,? \d{{4}}", text))


def grading_problems(q: dict, *, traps_at_least: int = 1, follow_ups: range = range(2, 4)) -> list[str]:
    """What keeps the grading parts from being complete and gradable (empty when they are)."""
    problems = []
    if not (len(q["rubric"]) == 4 and len(q["look_for"]) == 4):
        problems.append("needs 4 rubric criteria and 4 look_for lines")
    problems += [f"look_for grades a quality instead of naming content: {line!r}"
                 for line in q["look_for"] if VAGUE.search(line)]
    if len(q["traps"]) < traps_at_least or not all(t["claim"].strip() and t["correction"].strip() for t in q["traps"]):
        problems.append(f"needs at least {traps_at_least} trap(s), each with a claim and a correction")
    if len(q["follow_ups"]) not in follow_ups:
        problems.append(f"has {len(q['follow_ups'])} follow-ups")
    if not all(f["question"].strip().endswith("?") and f["answer"].strip() for f in q["follow_ups"]):
        problems.append("a follow-up is not a question with an answer")
    return problems


def citation_problems(q: dict, required) -> list[str]:
    """Sources the model answer must name but does not, and papers never given a year."""
    return ([f"does not cite {s}" for s in missing_sources(q, required)]
            + [f"'{a} et al.' has no year" for a in undated_papers(q)])
