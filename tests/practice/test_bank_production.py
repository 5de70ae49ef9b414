"""The eleven questions on sampling in production (questions/ch43_temperature_production.yaml).

The loader and schema check every bank's format; these tests check what is specific to this file:
the issue's eleven topics in order, the sources each answer must cite (with years), vendor facts
dated, gradable look-fors, at least two traps and two answered follow-ups, evidence headings that
exist in the committed notebooks, and the figures the answers work out by hand (recomputed here).
Measured figures carry fact marks that tests/test_quoted_figures.py checks.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from studykit.maths import paired_tests
from tests.practice.bank_file import by_id, citation_problems, everything, flat, grading_problems

ROOT = Path(__file__).resolve().parents[2]
BANK = ROOT / "questions" / "ch43_temperature_production.yaml"
NOTEBOOKS = ROOT / "notebooks"

# The issue's list, in its order.
EXPECTED_IDS = [
    "ch43-p-reasoning-model-settings",
    "ch43-p-openai-reasoning-temperature",
    "ch43-p-vendor-sampling-parameters",
    "ch43-p-constrained-decoding",
    "ch43-p-gpu-sampling",
    "ch43-p-rlhf-calibration-diversity",
    "ch43-p-contrastive-search-vs-decoding",
    "ch43-p-dola-cfg",
    "ch43-p-epsilon-eta-mirostat",
    "ch43-p-top-n-sigma",
    "ch43-p-temperature-comparison-samples",
]

REQUIRED_CITATIONS = {
    "ch43-p-reasoning-model-settings": ["DeepSeek-AI 2025", "Qwen3", "Holtzman et al. 2020", "Shao et al. 2024"],
    "ch43-p-openai-reasoning-temperature": ["Unsupported value", "Claude Opus 4.6", "Gemini 3"],
    "ch43-p-vendor-sampling-parameters": ["OpenAI", "Anthropic", "Gemini", "vLLM", "llama.cpp"],
    "ch43-p-constrained-decoding": ["Park et al. 2024", "Grammar-Aligned Decoding", "ASAp"],
    "ch43-p-gpu-sampling": ["vLLM", "FlashInfer", "transformers", "exponential_"],
    "ch43-p-rlhf-calibration-diversity": ["OpenAI 2023", "Kirk et al. 2024", "Guo et al. 2017"],
    "ch43-p-contrastive-search-vs-decoding": ["Su et al. 2022", "Li et al. 2023", "penalty_alpha"],
    "ch43-p-dola-cfg": ["Chuang et al. 2024", "Sanchez et al. 2023", "guidance_scale"],
    "ch43-p-epsilon-eta-mirostat": ["Hewitt et al. 2022", "Basu et al. 2021", "llama.cpp"],
    "ch43-p-top-n-sigma": ["Tang et al. 2024", "llama_sampler_top_n_sigma_apply"],
    "ch43-p-temperature-comparison-samples": ["McNemar", "Chen et al. 2021"],
}

# Answers that state what a vendor's API or model card says today must date it.
VENDOR_FACTS = ["ch43-p-reasoning-model-settings", "ch43-p-openai-reasoning-temperature",
                "ch43-p-vendor-sampling-parameters"]

def test_the_eleven_topics_in_the_issue_order(questions):
    assert [q["id"] for q in questions] == EXPECTED_IDS
    assert {q["origin"] for q in questions} == {"studykit"} and {q["chapter"] for q in questions} == {43}


def test_the_banks_together_hold_at_least_36_questions():
    total = sum(len(yaml.safe_load(path.read_text(encoding="utf-8"))["questions"])
                for path in (ROOT / "questions").glob("*.yaml"))
    assert total >= 36


def test_difficulties_are_mixed(questions):
    assert {q["difficulty"] for q in questions} >= {"medium", "hard"}


@pytest.mark.parametrize("question_id", EXPECTED_IDS)
def test_every_answer_names_its_sources_and_dates_its_papers(questions, question_id):
    assert not citation_problems(by_id(questions, question_id), REQUIRED_CITATIONS[question_id])


@pytest.mark.parametrize("question_id", VENDOR_FACTS)
def test_vendor_facts_are_dated(questions, question_id):
    assert "as of December 2026" in flat(by_id(questions, question_id)["model_answer"])


@pytest.mark.parametrize("question_id", EXPECTED_IDS)
def test_the_grading_parts_are_complete_and_gradable(questions, question_id):
    assert not grading_problems(by_id(questions, question_id), traps_at_least=2, follow_ups=range(2, 99))


def headings(notebook: str) -> set[str]:
    cells = json.loads((NOTEBOOKS / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
    lines = ("".join(c["source"]).splitlines() for c in cells if c["cell_type"] == "markdown")
    return {line.lstrip("#").strip() for cell in lines for line in cell if line.startswith("#")}


@pytest.mark.parametrize("question_id", EXPECTED_IDS)
def test_evidence_points_at_existing_sections_of_02_to_08(questions, question_id):
    evidence = by_id(questions, question_id)["evidence"]
    assert evidence
    for item in evidence:
        assert item["notebook"][:2] in {"02", "04", "06", "07", "08"}, item
        assert item["section"] in headings(item["notebook"]), item


# --- figures the answers work out by hand, recomputed -------------------------------------------

def quoted(questions, question_id, *phrases):
    text = everything(by_id(questions, question_id))
    for phrase in phrases:
        assert phrase in text, f"{question_id} no longer quotes {phrase!r}"


def test_the_tail_compounds_over_a_long_trace(questions):
    assert math.isclose(0.999 ** 10_000, 4.5e-5, rel_tol=0.01)
    assert round(1 / 0.6, 2) == 1.67
    quoted(questions, "ch43-p-reasoning-model-settings", "0.999^10,000 ≈ 4.5 × 10⁻⁵", "p^1.67")


def test_the_eta_example(questions):
    epsilon, entropy = 4e-4, math.log(1000)
    eta = min(epsilon, math.sqrt(epsilon) * math.exp(-entropy))
    assert math.isclose(eta, 2e-5) and eta < 1e-4 < epsilon
    quoted(questions, "ch43-p-epsilon-eta-mirostat", "= 2 × 10⁻⁵")


def test_the_worked_sample_size(questions):
    assert paired_tests.samples_per_task_for([0.5] * 100, [0.45] * 100) == 16
    quoted(questions, "ch43-p-temperature-comparison-samples", "100 tasks at p = 0.5 against 0.45 need 16 samples")


def test_where_task_noise_overtakes_sampling_noise(questions):
    assert math.ceil((0.057 / 0.014) ** 2) == 17
    quoted(questions, "ch43-p-temperature-comparison-samples", "about 17 samples per task")


def test_the_cfg_identity():
    rng = np.random.default_rng(0)
    cond, uncond, gamma = np.log(rng.dirichlet(np.ones(6))), np.log(rng.dirichlet(np.ones(6))), 1.7
    guided = uncond + gamma * (cond - uncond)
    np.testing.assert_allclose(guided, cond + (gamma - 1) * (cond - uncond))


# --- figures measured by the notebooks, quoted in the answers ------------------------------------
# Each carries <!--fact:08/name--> (or 06, 07), which tests/test_quoted_figures.py checks against the
# facts file the measuring cell writes; here, only that the measured figures are marked at all.

def test_the_answers_quote_notebook_08s_measurements_with_their_marks():
    text = BANK.read_text(encoding="utf-8")
    marks = re.findall(r"<!--fact:(\d\d)/[A-Za-z0-9_.]+(?:\[\d+\])?-->", text)
    assert marks.count("08") >= 20 and set(marks) <= {"06", "07", "08"}
