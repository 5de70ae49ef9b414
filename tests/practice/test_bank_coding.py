"""The questions that go with the coding drills (questions/ch43_temperature_coding.yaml).

The loader and schema check the format; these tests check what is specific to this file: the
issue's five topics, each answer naming its sources by author and year, and every figure the
answers take from this package's notebooks found in that notebook's committed output (so a
re-measured notebook cannot leave a stale number in an answer).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml


from studykit.practice.drills.checks import ALPHA, SPECS
from tests.practice.bank_file import by_id, everything, missing_sources

ROOT = Path(__file__).resolve().parents[2]
BANK = ROOT / "questions" / "ch43_temperature_coding.yaml"

EXPECTED_IDS = [
    "ch43-c-reproducible-sampler",
    "ch43-c-request-parameters",
    "ch43-c-speculative-variants",
    "ch43-c-gumbel-and-attention-temperature",
    "ch43-c-training-causes-of-repetition",
]

REQUIRED_CITATIONS = {
    "ch43-c-reproducible-sampler": ["PyTorch", "OpenAI"],
    "ch43-c-request-parameters": ["OpenAI"],
    "ch43-c-speculative-variants": ["Leviathan et al. 2023", "Chen et al. 2023", "Cai et al. 2024",
                                    "Li et al. 2024"],
    "ch43-c-gumbel-and-attention-temperature": ["Jang, Gu and Poole 2017", "Maddison et al. 2017",
                                                "Vaswani et al. 2017", "PyTorch"],
    "ch43-c-training-causes-of-repetition": ["Ranzato et al. 2016", "Welleck et al. 2020", "He et al. 2019"],
}

# Figures the answers quote from the package's own measurements: (question, phrase in the answer,
# notebook, text in that notebook's committed outputs).
# The figures these answers quote from the notebooks carry <!--fact:...--> marks, checked against
# notebooks/facts/ by tests/test_quoted_figures.py.


def test_the_issue_topics_are_all_there(questions):
    assert [q["id"] for q in questions] == EXPECTED_IDS
    assert all(q["origin"] == "studykit" and q["chapter"] == 43 for q in questions)


@pytest.mark.parametrize("question_id", EXPECTED_IDS)
def test_every_answer_names_its_sources(questions, question_id):
    assert not missing_sources(by_id(questions, question_id), REQUIRED_CITATIONS[question_id]), question_id


def test_the_false_alarm_rate_quoted_is_the_checkers():
    q = yaml.safe_load(BANK.read_text(encoding="utf-8"))["questions"][0]
    tests = SPECS["drill-sample-token"].stat_tests
    assert "four chi-square tests at 1e-4 each" in everything(q) and tests == 4 and ALPHA == 1e-4
    assert "at most 4e-4" in everything(q)


def test_the_speculative_cost_formula_matches_the_kit():
    from studykit.maths.speculative import expected_tokens_per_block
    # cost per emitted token, in target passes: (gamma c + 1) / tokens per block, c = 0.5; alpha is
    # the notebook's 0.139 rounded, so the notebook's printed costs are matched within 0.02
    alpha = 0.139
    assert abs((1 * 0.5 + 1) / expected_tokens_per_block(alpha, 1) - 1.32) < 0.02
    assert abs((8 * 0.5 + 1) / expected_tokens_per_block(alpha, 8) - 4.30) < 0.02
