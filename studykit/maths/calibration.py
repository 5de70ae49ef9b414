"""Calibration: does a model's confidence match how often it is right? Temperature scaling fixes it.

A classifier (here: a language model predicting the next token) is *calibrated* when, among all the
predictions it makes with confidence about 80%, about 80% are right. Guo et al. (2017), "On
Calibration of Modern Neural Networks", measure the gap with the **expected calibration error**:
sort the predictions into M equal-width confidence bins ((0, 1/M], (1/M, 2/M], ..., with M = 15
in their tables) and average |accuracy - mean confidence| over the bins, weighted by how many
predictions each bin holds. Their fix, **temperature scaling**, divides every logit vector by one
number T fitted by minimising the negative log-likelihood (NLL) on held-out data. Dividing by T > 0
never changes which class is largest, so top-1 accuracy cannot change; only the confidence does.

>>> import torch
>>> logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 3.0, 0.0]])
>>> labels = torch.tensor([0, 2])
>>> round(fit_temperature(logits, labels), 2)     # one right, one confidently wrong: soften a lot
9.05
>>> confidence, correct = top1_confidence(logits, labels)
>>> correct.tolist()
[True, False]

Pure torch/numpy; big (N, V) logit arrays are processed in row blocks, in their own precision
(float32 for a model's logits, float64 for numpy arrays).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["GUO_BINS", "ReliabilityBins", "reliability_bins", "expected_calibration_error",
           "calibrated_ece", "top1_confidence", "nll", "token_nlls", "fit_temperature"]

GUO_BINS = 15  # "ECE (%) (with M = 15 bins)", Guo et al. 2017, Table 1
_BLOCK = 256   # rows per block: 256 x 49,152 float32 is about 50 MB


@dataclass(frozen=True)
class ReliabilityBins:
    """Predictions sorted into equal-width confidence bins (what a reliability diagram draws)."""

    edges: np.ndarray       # (M + 1,) from 0 to 1
    counts: np.ndarray      # (M,) predictions per bin
    accuracy: np.ndarray    # (M,) share correct per bin (NaN for an empty bin)
    confidence: np.ndarray  # (M,) mean confidence per bin (NaN for an empty bin)

    @property
    def ece(self) -> float:
        """Sum over bins of (share of predictions in the bin) x |accuracy - mean confidence|."""
        full = self.counts > 0
        weights = self.counts[full] / self.counts.sum()
        return float(np.sum(weights * np.abs(self.accuracy[full] - self.confidence[full])))


def reliability_bins(confidences, correct, n_bins: int = GUO_BINS) -> ReliabilityBins:
    """Sort predictions into ``n_bins`` equal-width bins ((0, 1/M], (1/M, 2/M], ..., as Guo et al.).

    ``confidences``: the probability each prediction gave its chosen class, in [0, 1];
    ``correct``: whether that class was right (bools or 0/1), the same length.
    """
    conf = np.asarray(confidences, dtype=np.float64).reshape(-1)
    hits = np.asarray(correct, dtype=np.float64).reshape(-1)
    if conf.shape != hits.shape or conf.size == 0:
        raise ValueError("confidences and correct must be non-empty and of the same length, "
                         f"got {np.shape(confidences)} and {np.shape(correct)}")
    if not np.all((conf >= 0) & (conf <= 1)):
        raise ValueError("confidences must be probabilities in [0, 1]; pass softmax outputs, not logits")
    if not np.all((hits == 0) | (hits == 1)):
        raise ValueError("correct must hold only True/False (or 1/0)")
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer (Guo et al. use {GUO_BINS}), got {n_bins!r}")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # Right-closed bins: a confidence equal to an inner edge belongs to the bin below it.
    index = np.searchsorted(edges[1:-1], conf, side="left")
    counts = np.bincount(index, minlength=n_bins).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.bincount(index, weights=hits, minlength=n_bins) / counts
        confidence = np.bincount(index, weights=conf, minlength=n_bins) / counts
    return ReliabilityBins(edges, counts, accuracy, confidence)


def expected_calibration_error(confidences, correct, n_bins: int = GUO_BINS) -> float:
    """ECE with ``n_bins`` equal-width bins: 0 is perfectly calibrated, at most 1."""
    return reliability_bins(confidences, correct, n_bins).ece


def calibrated_ece(confidences, n_bins: int = GUO_BINS, *, draws: int = 200, seed: int = 0) -> float:
    """The ECE a *perfectly calibrated* model with these confidences would still score, on average.

    The binned ECE is biased upward on finite data: a bin's |accuracy - confidence| is positive even
    when every prediction is right exactly as often as it claims, because accuracy is estimated
    from few predictions (Kumar et al. 2019, "Verified Uncertainty Calibration"; Roelofs et al.
    2022, "Mitigating Bias in Calibration Error Estimation"). This draws ``correct ~ Bernoulli(confidence)``
    ``draws`` times and averages the ECE: the floor a measured ECE should be read against.
    """
    conf = np.asarray(confidences, dtype=np.float64).reshape(-1)
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise ValueError(f"draws must be a positive integer, got {draws!r}")
    rng = np.random.default_rng(seed)
    return float(np.mean([expected_calibration_error(conf, rng.random(conf.size) < conf, n_bins)
                          for _ in range(draws)]))


def top1_confidence(logits, labels, temperature: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``logits / temperature``: the top probability and whether its class is ``labels``.

    The predicted class is the arg-max of the *scaled* logits, computed afresh at every temperature.
    """
    scores, targets = _as_rows(logits, labels)
    t = _check_temperature(temperature)
    conf, hits = [], []
    for rows, y in _blocks(scores, targets):
        scaled = rows / t
        conf.append(torch.softmax(scaled, dim=-1).max(dim=-1).values)
        hits.append(scaled.argmax(dim=-1) == y)
    return torch.cat(conf).numpy(), torch.cat(hits).numpy()


def nll(logits, labels, temperature: float = 1.0) -> float:
    """Mean negative log-likelihood (nats per prediction) of ``labels`` under softmax(logits / T)."""
    return float(token_nlls(logits, labels, temperature).mean())


def token_nlls(logits, labels, temperature: float = 1.0) -> np.ndarray:
    """Per prediction, -log softmax(logits / T)[label] (float64), e.g. to bootstrap over chunks."""
    scores, targets = _as_rows(logits, labels)
    t = _check_temperature(temperature)
    parts = []
    for rows, y in _blocks(scores, targets):
        log_probs = torch.log_softmax(rows / t, dim=-1)
        parts.append(-log_probs.gather(1, y[:, None])[:, 0].double())
    return torch.cat(parts).numpy()


def fit_temperature(logits, labels, *, rtol: float = 1e-6, max_iter: int = 50) -> float:
    """The T > 0 that minimises ``nll(logits, labels, T)``, as Guo et al. fit it on held-out data.

    The NLL is convex in beta = 1/T: its derivative is mean(E_p[z] - z_label) and its second
    derivative mean(Var_p[z]) >= 0 (p the softmax at beta). So Newton's method on beta finds the
    one minimum in a handful of passes over the data; a step that would raise the NLL is halved.
    It stops once a step changes beta by less than ``rtol`` (relative).
    Raises ValueError when no finite T is best (the NLL falls all the way to T -> 0 or T -> infinity).
    """
    scores, targets = _as_rows(logits, labels)
    _check_a_best_temperature_exists(scores, targets)
    beta = 1.0
    loss, grad, curvature = _nll_and_derivatives(scores, targets, beta)
    for _ in range(max_iter):
        if grad == 0 or curvature <= 0:
            break
        step = grad / curvature
        while True:
            candidate = beta - step
            if candidate > 0:
                new = _nll_and_derivatives(scores, targets, candidate)
                if new[0] <= loss + 1e-6 * max(1.0, abs(loss)):  # slack: float32 sums wobble
                    break
            step /= 2
            if abs(step) < rtol * beta:  # no step this small lowers the NLL: at the minimum
                return 1.0 / beta
        beta, (loss, grad, curvature) = candidate, new
        if abs(step) < rtol * beta:
            break
    return 1.0 / beta


# --- helpers -------------------------------------------------------------------------------------

def _check_a_best_temperature_exists(scores: torch.Tensor, targets: torch.Tensor) -> None:
    """The convex NLL(beta) has its minimum at a finite beta > 0 exactly when its slope is negative
    as beta -> 0 (labels score above their row's mean logit, on average) and positive as
    beta -> infinity (some label is not a row's top logit)."""
    label_scores = scores.gather(1, targets[:, None])[:, 0].double()
    if torch.all(label_scores >= scores.max(dim=-1).values.double()):
        raise ValueError("every label is its row's top logit: the NLL keeps falling as T -> 0, so no "
                         "temperature is best; fit on data where the model is sometimes wrong")
    row_means = scores.sum(dim=-1, dtype=torch.float64) / scores.shape[1]
    if float((row_means - label_scores).mean()) >= 0:
        raise ValueError("the labels score no higher than an average class under these logits: the NLL "
                         "keeps falling as T -> infinity, so no finite temperature is best")


def _nll_and_derivatives(scores: torch.Tensor, targets: torch.Tensor, beta: float) -> tuple[float, float, float]:
    """NLL at beta = 1/T and its first two derivatives in beta, from one pass over the data."""
    loss = grad = curvature = 0.0
    for rows, y in _blocks(scores, targets):
        scaled = beta * rows
        log_norm = torch.logsumexp(scaled, dim=-1)
        p = torch.exp(scaled - log_norm[:, None])
        mean = (p * rows).sum(-1)
        label_scores = rows.gather(1, y[:, None])[:, 0]
        loss += float((log_norm - beta * label_scores).sum(dtype=torch.float64))
        grad += float((mean - label_scores).sum(dtype=torch.float64))
        curvature += float((p * (rows - mean[:, None]) ** 2).sum(dtype=torch.float64))
    n = len(targets)
    return loss / n, grad / n, curvature / n


def _blocks(scores: torch.Tensor, targets: torch.Tensor):
    """(rows, labels) in blocks: a (N, 49,152) array is never copied whole. float32 input stays
    float32 (a model's own precision, and twice as fast over a full vocabulary); sums over rows are
    accumulated in Python floats (float64)."""
    for start in range(0, len(targets), _BLOCK):
        yield scores[start:start + _BLOCK], targets[start:start + _BLOCK]


def _as_rows(logits, labels) -> tuple[torch.Tensor, torch.Tensor]:
    scores = torch.as_tensor(logits)
    if not scores.is_floating_point():
        scores = scores.double()
    targets = torch.as_tensor(labels).reshape(-1).long()
    if scores.ndim != 2 or scores.shape[0] != targets.shape[0] or scores.shape[0] == 0 or scores.shape[1] < 2:
        raise ValueError("logits must be (N, V) with N >= 1 rows and V >= 2 classes, and labels (N,), "
                         f"got {tuple(scores.shape)} and {tuple(targets.shape)}")
    if not torch.isfinite(scores).all():
        raise ValueError("logits must be finite (no NaN or infinity)")
    if targets.min() < 0 or targets.max() >= scores.shape[1]:
        raise ValueError(f"labels must be class ids in [0, {scores.shape[1] - 1}]")
    return scores, targets


def _check_temperature(temperature) -> float:
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.floating, np.integer)) \
            or not math.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}")
    return float(temperature)
