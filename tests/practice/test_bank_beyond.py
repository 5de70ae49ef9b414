"""The thirteen questions beyond the chapter (questions/ch43_temperature_beyond.yaml).

The loader and schema check the format of every bank; these tests check what is specific to this
file: the issue's thirteen topics in order, a source cited by author and year in every answer,
gradable look-for lines, evidence pointing at the notebook sections promised for them, and the
figures the answers compute by hand (recomputed here, so an edit cannot leave a wrong number).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from tests.practice.bank_file import by_id, citation_problems, everything, grading_problems

BANK = Path(__file__).resolve().parents[2] / "questions" / "ch43_temperature_beyond.yaml"

# The issue's list, in its order.
EXPECTED_IDS = [
    "ch43-x-greedy-beam-sampling",
    "ch43-x-t0-not-deterministic",
    "ch43-x-repetition-penalties",
    "ch43-x-why-divide-logits",
    "ch43-x-temperature-scaling-calibration",
    "ch43-x-distillation-temperature",
    "ch43-x-contrastive-temperature",
    "ch43-x-api-sampling-semantics",
    "ch43-x-min-p-typical-fixed-k",
    "ch43-x-speculative-sampling",
    "ch43-x-pass-at-k-temperature",
    "ch43-x-per-token-vs-sequence-temperature",
    "ch43-x-temperature-rl-rollouts",
]

# The sources each answer rests on; each must be named in the model answer (author and year, or the
# library whose code was read).
REQUIRED_CITATIONS = {
    "ch43-x-greedy-beam-sampling": ["Holtzman et al. 2020", "Stahlberg and Byrne 2019"],
    "ch43-x-t0-not-deterministic": ["Thinking Machines 2025", "OpenAI", "vLLM"],
    "ch43-x-repetition-penalties": ["Keskar et al. 2019", "transformers", "vLLM", "llama.cpp"],
    "ch43-x-why-divide-logits": ["Boltzmann"],
    "ch43-x-temperature-scaling-calibration": ["Guo et al. 2017"],
    "ch43-x-distillation-temperature": ["Hinton, Vinyals and Dean 2015"],
    "ch43-x-contrastive-temperature": ["van den Oord et al. 2018", "Wang and Liu 2021",
                                       "Radford et al. 2021"],
    "ch43-x-api-sampling-semantics": ["OpenAI", "vLLM", "llama.cpp", "transformers"],
    "ch43-x-min-p-typical-fixed-k": ["Nguyen et al. 2024", "Meister et al. 2023"],
    "ch43-x-speculative-sampling": ["Leviathan et al. 2023", "Chen et al. 2023"],
    "ch43-x-pass-at-k-temperature": ["Chen et al. 2021", "Wang et al. 2023"],
    "ch43-x-per-token-vs-sequence-temperature": [],  # an identity, proved in the answer itself
    "ch43-x-temperature-rl-rollouts": ["Shao et al. 2024", "Cui et al. 2025", "Yu et al. 2025"],
}

# The notebook sections the other branches are building, with their exact headings.
PROMISED_SECTIONS = {
    "06_decoding_in_practice": {
        "Beam search on a tiny tree", "Beam search on the model",
        "Repetition, frequency and presence penalties", "Temperature is a power of the probabilities",
        "Per-token temperature is not sequence-level temperature", "pass@k against temperature"},
    "08_sampling_in_production": {"7. Speculative sampling keeps the target distribution"},
    "07_temperature_elsewhere": {
        "Calibration by temperature scaling", "Distillation temperature and the T-squared factor",
        "The temperature of a contrastive loss"},
    "02_the_mechanism": {
        "Temperature never reorders the stalls: it scales the log-odds",
        "Closing stalls: top-k, top-p and min-p", "Why the order matters",
        "Where real systems apply temperature"},
    "04_in_an_interview": {
        "Drill 4 · Is T = 0 deterministic?", "Drill 5 · One right answer: one sample or many?",
        "Drill 6 · Filters compared fairly at high temperature"},
    "03_worked_example": {"5. Decoders judged against a human reference"},
}

# Words that grade a quality rather than name what the answer must contain.


def test_the_thirteen_topics_in_the_issue_order(questions):
    assert [q["id"] for q in questions] == EXPECTED_IDS
    assert {q["origin"] for q in questions} == {"studykit"}
    assert {q["chapter"] for q in questions} == {43}


def test_difficulties_are_mixed(questions):
    counts = {level: sum(q["difficulty"] == level for q in questions)
              for level in ("easy", "medium", "hard")}
    assert all(counts.values()), counts


@pytest.mark.parametrize("question_id", EXPECTED_IDS)
def test_every_answer_names_its_sources_and_dates_its_papers(questions, question_id):
    assert not citation_problems(by_id(questions, question_id), REQUIRED_CITATIONS[question_id])


@pytest.mark.parametrize("question_id", EXPECTED_IDS)
def test_the_grading_parts_are_complete_and_gradable(questions, question_id):
    assert not grading_problems(by_id(questions, question_id))


@pytest.mark.parametrize("question_id", EXPECTED_IDS)
def test_evidence_points_at_promised_sections(questions, question_id):
    evidence = by_id(questions, question_id)["evidence"]
    assert evidence
    for item in evidence:
        assert item["section"] in PROMISED_SECTIONS[item["notebook"]], item


# --- figures the answers work out by hand, recomputed -------------------------------------------

def softmax(z, temperature=1.0):
    z = np.asarray(z, dtype=float) / temperature
    e = np.exp(z - z.max())
    return e / e.sum()


def quoted(questions, question_id, *phrases):
    """The phrases as a learner reads them: the figures' source marks (<!--example--> ...) removed."""
    text = everything(by_id(questions, question_id))
    for phrase in phrases:
        assert phrase in text, f"{question_id} no longer quotes {phrase!r}"


def test_power_form_example(questions):
    p = np.array([0.6, 0.3, 0.1])
    cold, hot = softmax(np.log(p), 0.5), softmax(np.log(p), 2.0)
    assert np.allclose(cold, p**2 / (p**2).sum()) and np.allclose(hot, p**0.5 / (p**0.5).sum())
    assert [f"{v:.2f}" for v in cold] == ["0.78", "0.20", "0.02"]
    assert [f"{v:.2f}" for v in hot] == ["0.47", "0.33", "0.19"]
    quoted(questions, "ch43-x-why-divide-logits", "(0.78, 0.20, 0.02)", "(0.47, 0.33, 0.19)")


def test_entropy_derivative_formula():
    z = np.random.default_rng(0).normal(0, 3, 50)
    entropy = lambda t: -(softmax(z, t) * np.log(softmax(z, t))).sum()  # noqa: E731
    t, h = 0.8, 1e-5
    q = softmax(z, t)
    variance = (q * z**2).sum() - (q * z).sum() ** 2
    assert math.isclose((entropy(t + h) - entropy(t - h)) / (2 * h), variance / t**3, rel_tol=1e-5)


def test_greedy_misses_the_more_probable_path(questions):
    # The answer's two-step example is the word tree notebook 06 searches (studykit.maths.beam.BLOG_TREE).
    from studykit.maths.beam import BLOG_TREE, beam_search, greedy_search

    greedy, beam_of_two = greedy_search(BLOG_TREE, steps=2), beam_search(BLOG_TREE, beam_width=2, steps=2)[0]
    assert greedy.tokens == ("nice", "woman") and greedy.prob == pytest.approx(0.20, abs=1e-12)
    assert beam_of_two.tokens == ("dog", "has") and beam_of_two.prob == pytest.approx(0.36, abs=1e-12)
    quoted(questions, "ch43-x-greedy-beam-sampling", "“nice” (0.5)", "(0.4), total 0.20", "“dog” (0.4)",
           "“has” (0.9), total 0.36", "a beam of 2 finds")


def test_repetition_penalty_examples(questions):
    theta = 1.2
    penalise = lambda z: z / theta if z > 0 else z * theta  # noqa: E731
    shifts = [round(z - penalise(z), 2) for z in (4.0, -4.0, 0.5)]
    assert shifts == [0.67, 0.8, 0.08]
    quoted(questions, "ch43-x-repetition-penalties", "4.0 drops by 0.67", "−4.0 drops by 0.8",
           "0.5 drops by only 0.08")


def test_calibration_crossing_example(questions):
    two = [softmax([1, 0], t).max() for t in (1, 0.5)]
    many = [softmax([5] + [0] * 999, t).max() for t in (1, 0.5)]
    assert [f"{v:.2f}" for v in two] == ["0.73", "0.88"]
    assert [f"{v:.2f}" for v in many] == ["0.13", "0.96"]
    assert two[0] > many[0] and two[1] < many[1]  # the order of confidences flips
    quoted(questions, "ch43-x-temperature-scaling-calibration", "0.73 at T = 1 and 0.88",
           "0.13 at T = 1 and 0.96")


def test_infonce_needs_a_scale(questions):
    n = 32_768
    best = math.e / (math.e + (n - 1) / math.e)
    assert 2e-4 < best < 2.5e-4
    quoted(questions, "ch43-x-contrastive-temperature", "about 2 × 10⁻⁴ for N = 32,768",
           "initialised to the equivalent of τ = 0.07")


def test_min_p_against_top_p_on_a_long_tail(questions):
    p = np.array([0.9] + [0.0001] * 1000)
    order = np.argsort(-p, kind="stable")
    kept_top_p = int(np.searchsorted(np.cumsum(p[order]), 0.95 - 1e-12) + 1)
    kept_min_p = int((p >= 0.1 * p.max()).sum())
    assert (kept_top_p, kept_min_p) == (501, 1)
    quoted(questions, "ch43-x-min-p-typical-fixed-k", "must add 500 tail tokens",
           "501 tokens for top-p 0.95", "keeps 1 token")


def test_typical_sampling_can_drop_the_top_token(questions):
    p = np.array([0.3] + [0.07] * 10)
    entropy = -(p * np.log(p)).sum()
    distance = np.abs(-np.log(p) - entropy)
    order = np.argsort(distance, kind="stable")
    kept = order[: int(np.searchsorted(np.cumsum(p[order]), 0.5 - 1e-12)) + 1]
    assert (round(entropy, 2), round(-math.log(0.3), 2), round(-math.log(0.07), 2)) == (2.22, 1.2, 2.66)
    assert len(kept) == 8 and 0 not in kept
    quoted(questions, "ch43-x-min-p-typical-fixed-k", "H ≈ 2.22 nats", "eight of the 0.07 tokens")


def test_speculative_sampling_is_exact_and_its_expected_length(questions):
    rng = np.random.default_rng(1)
    p, q = rng.dirichlet(np.ones(8)), rng.dirichlet(np.ones(8))
    accept = np.minimum(1, p / q)
    residual = np.maximum(0, p - q) / np.maximum(0, p - q).sum()
    emitted = q * accept + (1 - (q * accept).sum()) * residual
    assert np.allclose(emitted, p)
    alpha, gamma = 0.8, 4
    assert round((1 - alpha ** (gamma + 1)) / (1 - alpha), 2) == 3.36
    quoted(questions, "ch43-x-speculative-sampling", "with α = 0.8 and γ = 4 that is 3.36")


def test_pass_at_k_estimator_is_unbiased_and_the_plug_in_is_not():
    n, k, p_true = 10, 5, 0.3
    # Exact expectation over c ~ Binomial(n, p) of both estimators.
    pmf = [math.comb(n, c) * p_true**c * (1 - p_true) ** (n - c) for c in range(n + 1)]
    unbiased = sum(w * (1 - math.comb(n - c, k) / math.comb(n, k)) for c, w in enumerate(pmf))
    plug_in = sum(w * (1 - (1 - c / n) ** k) for c, w in enumerate(pmf))
    truth = 1 - (1 - p_true) ** k
    assert math.isclose(unbiased, truth, rel_tol=1e-12)
    assert plug_in < truth
    # The numerically stable product form quoted in the trap's correction.
    for c in range(n + 1):
        stable = 1.0 if n - c < k else 1 - np.prod(1 - k / np.arange(n - c + 1, n + 1))
        assert math.isclose(stable, 1 - math.comb(n - c, k) / math.comb(n, k), abs_tol=1e-12)


def test_per_token_temperature_is_not_sequence_level(questions):
    t, n = 0.5, 10
    # Tree: A or B at 0.5; after A ten equally likely tokens; after B one certain token.
    sequences = {("A", i): 0.5 / n for i in range(n)} | {("B", 0): 0.5}
    power = {s: v ** (1 / t) for s, v in sequences.items()}
    sequence_level_b = power[("B", 0)] / sum(power.values())
    per_token_b = softmax(np.log([0.5, 0.5]), t)[1]
    assert math.isclose(sequence_level_b, 10 / 11) and math.isclose(per_token_b, 0.5)
    # Reversal: after B the tokens are (0.88, 0.12).
    p_a1, p_b2 = 0.5 * 0.1, 0.5 * 0.12
    q_a1 = 0.5 * 0.1
    q_b2 = 0.5 * softmax(np.log([0.88, 0.12]), t)[1]
    assert p_a1 < p_b2 and q_a1 > q_b2
    assert (round(p_a1, 2), round(p_b2, 2), round(q_a1, 2), round(q_b2, 3)) == (0.05, 0.06, 0.05, 0.009)
    quoted(questions, "ch43-x-per-token-vs-sequence-temperature", "10/11 ≈ 0.91",
           "gives them 0.05 and 0.009")


def test_the_clip_bound_example(questions):
    eps = 0.2
    assert (round(0.01 * (1 + eps), 3), round(0.9 * (1 + eps), 2)) == (0.012, 1.08)
    quoted(questions, "ch43-x-temperature-rl-rollouts", "capped at 0.012", "1.08")
