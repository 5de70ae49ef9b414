"""Solutions the drill checker is tested with: for every drill, correct ones written differently from
the solution the kit shows, and plausible wrong ones (each a mistake candidates make in interviews).

``CORRECT[drill_id]`` and ``WRONG[drill_id]`` map a short description to a file's source. The
kit's own function, wrapped in the drill's signature, is in ``REFERENCE``.
"""

CORRECT = {
    "drill-softmax-temperature": {
        "log-sum-exp, then exp": """
import numpy as np

def softmax_temperature(logits, temperature):
    z = np.asarray(logits, dtype=float) / temperature
    m = np.max(z, axis=-1, keepdims=True)
    log_z = m + np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))
    return np.exp(z - log_z)
""",
    },
    "drill-log-softmax": {
        "np.logaddexp.reduce": """
import numpy as np

def log_softmax(logits):
    z = np.asarray(logits, dtype=float)
    return z - np.logaddexp.reduce(z, axis=-1, keepdims=True)
""",
    },
    "drill-cross-entropy": {
        "a loop over rows with math": """
import math

def cross_entropy(logits, targets):
    total = 0.0
    for row, target in zip(logits, targets):
        m = max(row)
        log_norm = m + math.log(sum(math.exp(x - m) for x in row))
        total += log_norm - row[target]
    return total / len(logits)
""",
    },
    "drill-top-k": {
        "np.partition and a mask": """
import numpy as np

def top_k_filter(logits, k):
    z = np.asarray(logits, dtype=float)
    k = min(k, z.shape[-1])
    kth = np.partition(z, -k, axis=-1)[..., -k:].min(axis=-1, keepdims=True)
    return np.where(z >= kth, z, -np.inf)
""",
    },
    "drill-top-p": {
        "transformers' way: ascending sort, drop the tail of mass <= 1 - p": """
import numpy as np

def top_p_filter(logits, p, min_tokens_to_keep=1):
    z = np.array(logits, dtype=float)
    flat = z.reshape(-1, z.shape[-1])
    for r in range(flat.shape[0]):
        row = flat[r]
        probs = np.exp(row - row.max()); probs /= probs.sum()
        order = np.argsort(probs, kind="stable")          # least likely first
        tail = np.cumsum(probs[order])
        remove = tail <= 1 - p
        if p >= 1:
            remove[:] = False
        remove[len(remove) - min_tokens_to_keep:] = False  # keep the most likely ones
        row[order[remove]] = -np.inf
    return z
""",
    },
    "drill-min-p": {
        "in log space, no softmax": """
import numpy as np

def min_p_filter(logits, min_p, min_tokens_to_keep=1):
    z = np.array(logits, dtype=float)
    out = np.full_like(z, -np.inf)
    for src, dst in zip(np.atleast_2d(z), np.atleast_2d(out)):
        top = src.max()
        with np.errstate(divide="ignore"):
            keep = src >= top + np.log(min_p)   # p_i >= min_p * p_max  <=>  z_i >= z_max + log(min_p)
        ranked = sorted(range(len(src)), key=lambda i: -src[i])
        for i in ranked[:min_tokens_to_keep]:
            keep[i] = True
        dst[keep] = src[keep]
    return out
""",
    },
    "drill-sample-token": {
        "rng.choice with p": """
import numpy as np

def sample_token(logits, temperature, rng):
    z = np.asarray(logits, dtype=float) / temperature
    p = np.exp(z - z.max())
    return int(rng.choice(len(p), p=p / p.sum()))
""",
        "the Gumbel-max trick": """
import numpy as np

def sample_token(logits, temperature, rng):
    z = np.asarray(logits, dtype=float) / temperature
    g = -np.log(-np.log(rng.random(len(z))))   # argmax(z + Gumbel noise) ~ softmax(z)
    return int(np.argmax(z + g))
""",
    },
    "drill-beam-step": {
        "np.argpartition, then sort the winners": """
import numpy as np

def beam_search_step(beam_scores, next_log_probs, beam_width):
    B, V = next_log_probs.shape
    totals = (beam_scores[:, None] + next_log_probs).reshape(-1)
    idx = np.argpartition(-totals, beam_width - 1)[:beam_width]
    idx = idx[np.argsort(-totals[idx])]
    return totals[idx], idx // V, idx % V
""",
    },
    "drill-repetition-penalty": {
        "a loop over the set of seen ids": """
import numpy as np

def repetition_penalty(logits, previous_ids, penalty):
    out = np.asarray(logits, dtype=float).copy()
    for i in set(previous_ids):
        out[i] = out[i] * penalty if out[i] < 0 else out[i] / penalty
    return out
""",
    },
    "drill-speculative-step": {
        "inverse CDF for the residual": """
import numpy as np

def speculative_step(p, q, draft_token, rng):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    u = rng.random()
    if u * q[draft_token] < p[draft_token]:        # u < p/q without dividing
        return int(draft_token), True
    residual = np.clip(p - q, 0, None)
    cdf = np.cumsum(residual)
    return int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right")), False
""",
    },
    "drill-pass-at-k": {
        "exact binomials with math.comb": """
from math import comb

def pass_at_k(n, c, k):
    return 1.0 - comb(n - c, k) / comb(n, k)
""",
    },
    "drill-distillation-loss": {
        "KL plus the teacher's entropy": """
import numpy as np

def distillation_loss(student_logits, teacher_logits, temperature):
    def log_softmax(z):
        z = z - z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    t = temperature
    log_p = log_softmax(np.asarray(teacher_logits, float) / t)
    log_q = log_softmax(np.asarray(student_logits, float) / t)
    p = np.exp(log_p)
    kl = (p * (log_p - log_q)).sum(axis=1)
    entropy = -(p * log_p).sum(axis=1)
    return float(t ** 2 * np.mean(kl + entropy))   # cross-entropy = KL + H(p)
""",
    },
}

WRONG = {
    "drill-softmax-temperature": {
        "no max subtraction: overflows": """
import numpy as np

def softmax_temperature(logits, temperature):
    e = np.exp(np.asarray(logits, dtype=float) / temperature)
    return e / e.sum(axis=-1, keepdims=True)
""",
        "multiplies by T": """
import numpy as np

def softmax_temperature(logits, temperature):
    z = np.asarray(logits, dtype=float) * temperature
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
""",
        "normalises over the whole batch": """
import numpy as np

def softmax_temperature(logits, temperature):
    z = np.asarray(logits, dtype=float) / temperature
    e = np.exp(z - z.max())
    return e / e.sum()
""",
    },
    "drill-log-softmax": {
        "log of a softmax: -inf where it underflows": """
import numpy as np

def log_softmax(logits):
    z = np.asarray(logits, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return np.log(e / e.sum(axis=-1, keepdims=True))
""",
        "log-sum-exp without the shift: overflows": """
import numpy as np

def log_softmax(logits):
    z = np.asarray(logits, dtype=float)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
""",
        "max over the whole batch, sum without keepdims": """
import numpy as np

def log_softmax(logits):
    z = np.asarray(logits, dtype=float)
    z = z - z.max()
    return z - np.log(np.exp(z).sum(axis=-1))
""",
    },
    "drill-cross-entropy": {
        "log of a softmax: inf for a target that underflows": """
import numpy as np

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(p[np.arange(len(z)), targets])))
""",
        "sums over the batch instead of the mean": """
import numpy as np

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    m = z.max(axis=1)
    lse = m + np.log(np.exp(z - m[:, None]).sum(axis=1))
    return float(np.sum(lse - z[np.arange(len(z)), targets]))
""",
        "z[:, targets] picks every target in every row": """
import numpy as np

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    m = z.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return float(np.mean(lse - z[:, targets]))
""",
    },
    "drill-top-k": {
        "exactly k indices from argsort: drops ties": """
import numpy as np

def top_k_filter(logits, k):
    z = np.asarray(logits, dtype=float)
    out = np.full_like(z, -np.inf)
    idx = np.argsort(z, axis=-1)[..., -k:]
    np.put_along_axis(out, idx, np.take_along_axis(z, idx, axis=-1), axis=-1)
    return out
""",
        "strictly above the k-th value: drops the k-th": """
import numpy as np

def top_k_filter(logits, k):
    z = np.asarray(logits, dtype=float)
    kth = np.sort(z, axis=-1)[..., -min(k, z.shape[-1]), None]
    return np.where(z > kth, z, -np.inf)
""",
        "k beyond the vocabulary is not clamped": """
import numpy as np

def top_k_filter(logits, k):
    z = np.asarray(logits, dtype=float)
    kth = np.partition(z, -k, axis=-1)[..., -k, None]
    return np.where(z >= kth, z, -np.inf)
""",
    },
    "drill-top-p": {
        "drops the token that crosses p": """
import numpy as np

def top_p_filter(logits, p, min_tokens_to_keep=1):
    z = np.array(logits, dtype=float)
    for row in z.reshape(-1, z.shape[-1]):
        probs = np.exp(row - row.max()); probs /= probs.sum()
        order = np.argsort(-probs, kind="stable")
        keep = np.cumsum(probs[order]) < p          # the crossing token has cumsum >= p: dropped
        keep[:min_tokens_to_keep] = True
        row[order[~keep]] = -np.inf
    return z
""",
        "ignores min_tokens_to_keep": """
import numpy as np

def top_p_filter(logits, p, min_tokens_to_keep=1):
    z = np.array(logits, dtype=float)
    for row in z.reshape(-1, z.shape[-1]):
        probs = np.exp(row - row.max()); probs /= probs.sum()
        order = np.argsort(-probs, kind="stable")
        before = np.cumsum(probs[order]) - probs[order]
        keep = before < p
        row[order[~keep]] = -np.inf
    return z
""",
        "cumulative sum of logits, not probabilities": """
import numpy as np

def top_p_filter(logits, p, min_tokens_to_keep=1):
    z = np.array(logits, dtype=float)
    for row in z.reshape(-1, z.shape[-1]):
        order = np.argsort(-row, kind="stable")
        before = np.cumsum(row[order]) - row[order]
        keep = before < p
        keep[:min_tokens_to_keep] = True
        row[order[~keep]] = -np.inf
    return z
""",
    },
    "drill-min-p": {
        "threshold on logits, not probabilities": """
import numpy as np

def min_p_filter(logits, min_p, min_tokens_to_keep=1):
    z = np.array(logits, dtype=float)
    keep = z >= min_p * z.max(axis=-1, keepdims=True)
    top = np.argsort(-z, axis=-1, kind="stable")[..., :min_tokens_to_keep]
    np.put_along_axis(keep, top, True, axis=-1)
    return np.where(keep, z, -np.inf)
""",
        "an absolute threshold: p >= min_p": """
import numpy as np

def min_p_filter(logits, min_p, min_tokens_to_keep=1):
    z = np.array(logits, dtype=float)
    probs = np.exp(z - z.max(axis=-1, keepdims=True))
    probs /= probs.sum(axis=-1, keepdims=True)
    keep = probs >= min_p
    top = np.argsort(-probs, axis=-1, kind="stable")[..., :min_tokens_to_keep]
    np.put_along_axis(keep, top, True, axis=-1)
    return np.where(keep, z, -np.inf)
""",
        "ignores min_tokens_to_keep": """
import numpy as np

def min_p_filter(logits, min_p, min_tokens_to_keep=1):
    z = np.array(logits, dtype=float)
    probs = np.exp(z - z.max(axis=-1, keepdims=True))
    probs /= probs.sum(axis=-1, keepdims=True)
    return np.where(probs >= min_p * probs.max(axis=-1, keepdims=True), z, -np.inf)
""",
    },
    "drill-sample-token": {
        "ignores the temperature": """
import numpy as np

def sample_token(logits, temperature, rng):
    z = np.asarray(logits, dtype=float)
    p = np.exp(z - z.max())
    return int(rng.choice(len(p), p=p / p.sum()))
""",
        "np.random's global state, not rng": """
import numpy as np

def sample_token(logits, temperature, rng):
    z = np.asarray(logits, dtype=float) / temperature
    p = np.exp(z - z.max())
    return int(np.random.choice(len(p), p=p / p.sum()))
""",
        "greedy: the arg-max, never a sample": """
import numpy as np

def sample_token(logits, temperature, rng):
    return int(np.argmax(logits))
""",
    },
    "drill-beam-step": {
        "the best token of each beam only": """
import numpy as np

def beam_search_step(beam_scores, next_log_probs, beam_width):
    best_tokens = next_log_probs.argmax(axis=1)
    totals = beam_scores + next_log_probs[np.arange(len(beam_scores)), best_tokens]
    order = np.argsort(-totals)
    beams = np.resize(order, beam_width)
    return totals[beams], beams, best_tokens[beams]
""",
        "ranks by the next token only, ignoring the beam's score": """
import numpy as np

def beam_search_step(beam_scores, next_log_probs, beam_width):
    V = next_log_probs.shape[1]
    flat = next_log_probs.reshape(-1)
    idx = np.argsort(-flat, kind="stable")[:beam_width]
    b, t = idx // V, idx % V
    return beam_scores[b] + next_log_probs[b, t], b, t
""",
        "decodes the flat index with the number of beams": """
import numpy as np

def beam_search_step(beam_scores, next_log_probs, beam_width):
    B = next_log_probs.shape[0]
    totals = (beam_scores[:, None] + next_log_probs).reshape(-1)
    idx = np.argsort(-totals, kind="stable")[:beam_width]
    return totals[idx], idx % B, idx // B
""",
    },
    "drill-repetition-penalty": {
        "always divides: a negative logit becomes more likely": """
import numpy as np

def repetition_penalty(logits, previous_ids, penalty):
    z = np.array(logits, dtype=float)
    seen = np.unique(previous_ids).astype(int)
    z[seen] = z[seen] / penalty
    return z
""",
        "penalises every occurrence": """
import numpy as np

def repetition_penalty(logits, previous_ids, penalty):
    z = np.array(logits, dtype=float)
    for i in previous_ids:
        z[i] = z[i] / penalty if z[i] > 0 else z[i] * penalty
    return z
""",
        "subtracts the penalty": """
import numpy as np

def repetition_penalty(logits, previous_ids, penalty):
    z = np.array(logits, dtype=float)
    seen = np.unique(previous_ids).astype(int)
    z[seen] = z[seen] - penalty
    return z
""",
    },
    "drill-speculative-step": {
        "resamples from p, not from the residual": """
import numpy as np

def speculative_step(p, q, draft_token, rng):
    if rng.random() < min(1.0, p[draft_token] / q[draft_token]):
        return int(draft_token), True
    return int(rng.choice(len(p), p=p)), False
""",
        "accepts only when p(x) >= q(x)": """
import numpy as np

def speculative_step(p, q, draft_token, rng):
    if p[draft_token] >= q[draft_token]:
        return int(draft_token), True
    residual = np.maximum(p - q, 0)
    return int(rng.choice(len(p), p=residual / residual.sum())), False
""",
        "the ratio upside down: q / p": """
import numpy as np

def speculative_step(p, q, draft_token, rng):
    ratio = q[draft_token] / p[draft_token] if p[draft_token] > 0 else 0.0
    if rng.random() < min(1.0, ratio):
        return int(draft_token), True
    residual = np.maximum(p - q, 0)
    return int(rng.choice(len(p), p=residual / residual.sum())), False
""",
    },
    "drill-pass-at-k": {
        "1 - (1 - c/n)^k: samples with replacement": """
def pass_at_k(n, c, k):
    return 1 - (1 - c / n) ** k
""",
        "the fraction correct, whatever k": """
def pass_at_k(n, c, k):
    return c / n
""",
        "the product started one term too early": """
import numpy as np

def pass_at_k(n, c, k):
    if n - c < k:
        return 1.0
    return 1.0 - float(np.prod(1.0 - k / np.arange(n - c, n + 1)))
""",
    },
    "drill-distillation-loss": {
        "no T^2 factor": """
import numpy as np

def distillation_loss(student_logits, teacher_logits, temperature):
    def log_softmax(z):
        z = z - z.max(axis=-1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    t = temperature
    p = np.exp(log_softmax(np.asarray(teacher_logits, float) / t))
    return float(np.mean(-(p * log_softmax(np.asarray(student_logits, float) / t)).sum(axis=-1)))
""",
        "the student not softened by T": """
import numpy as np

def distillation_loss(student_logits, teacher_logits, temperature):
    def log_softmax(z):
        z = z - z.max(axis=-1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    t = temperature
    p = np.exp(log_softmax(np.asarray(teacher_logits, float) / t))
    return float(t * t * np.mean(-(p * log_softmax(np.asarray(student_logits, float))).sum(axis=-1)))
""",
        "log of a softmax: nan for large logits": """
import numpy as np

def distillation_loss(student_logits, teacher_logits, temperature):
    def softmax(z):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    t = temperature
    p = softmax(np.asarray(teacher_logits, float) / t)
    q = softmax(np.asarray(student_logits, float) / t)
    return float(t * t * np.mean(-(p * np.log(q)).sum(axis=-1)))
""",
    },
}

# The kit's own functions, called in each drill's signature (the file runs in the drill's process,
# which imports the installed studykit).
REFERENCE = {
    "drill-softmax-temperature": """
from studykit.maths.sampling import softmax

def softmax_temperature(logits, temperature):
    return softmax(logits, temperature)
""",
    "drill-top-k": """
from studykit.maths.sampling import warp

def top_k_filter(logits, k):
    return warp(logits, top_k=k)
""",
    "drill-top-p": """
import numpy as np
from studykit.maths.sampling import kept_mask, warp

def top_p_filter(logits, p, min_tokens_to_keep=1):
    z = np.asarray(logits, dtype=float)
    out = warp(z, top_p=p) if p < 1 else z.copy()
    for row, o in zip(np.atleast_2d(z), np.atleast_2d(out)):
        if np.isfinite(o).sum() < min_tokens_to_keep:   # then the min_tokens_to_keep most likely
            top = np.argsort(-row, kind="stable")[:min_tokens_to_keep]
            o[:] = -np.inf
            o[top] = row[top]
    return out
""",
    "drill-min-p": """
import numpy as np
from studykit.maths.sampling import warp

def min_p_filter(logits, min_p, min_tokens_to_keep=1):
    z = np.asarray(logits, dtype=float)
    out = warp(z, min_p=min_p)
    for row, o in zip(np.atleast_2d(z), np.atleast_2d(out)):
        if np.isfinite(o).sum() < min_tokens_to_keep:
            top = np.argsort(-row, kind="stable")[:min_tokens_to_keep]
            o[:] = -np.inf
            o[top] = row[top]
    return out
""",
    "drill-sample-token": """
from studykit.maths.sampling import sample

def sample_token(logits, temperature, rng):
    return int(sample(logits, temperature=temperature, seed=rng)[0])
""",
    "drill-repetition-penalty": """
from studykit.maths.penalties import repetition_penalty
""",
    "drill-speculative-step": """
import numpy as np
from studykit.maths.speculative import residual_distribution

def speculative_step(p, q, draft_token, rng):
    if rng.random() < min(1.0, p[draft_token] / q[draft_token]):
        return int(draft_token), True
    return int(rng.choice(len(p), p=residual_distribution(p, q))), False
""",
    "drill-pass-at-k": """
from studykit.maths.passk import pass_at_k
""",
    "drill-distillation-loss": """
from studykit.maths.distillation import soft_target_loss

def distillation_loss(student_logits, teacher_logits, temperature):
    return float(soft_target_loss(student_logits, teacher_logits, temperature))
""",
    "drill-beam-step": """
import math
import numpy as np
from studykit.maths.beam import beam_search

def beam_search_step(beam_scores, next_log_probs, beam_width):
    totals = beam_scores[:, None] + next_log_probs
    table = {(): {(int(b), int(t)): math.exp(totals[b, t]) for b, t in zip(*np.nonzero(np.isfinite(totals)))}}
    best = beam_search(table, beam_width=beam_width, steps=1)
    return (np.array([h.log_prob for h in best]), np.array([h.tokens[0][0] for h in best]),
            np.array([h.tokens[0][1] for h in best]))
""",
}
REFERENCE["drill-log-softmax"] = """
import numpy as np
import torch

def log_softmax(logits):
    return torch.log_softmax(torch.as_tensor(np.asarray(logits, dtype=float)), dim=-1).numpy()
"""
REFERENCE["drill-cross-entropy"] = """
import numpy as np
import torch

def cross_entropy(logits, targets):
    z = torch.as_tensor(np.asarray(logits, dtype=float))
    return float(torch.nn.functional.cross_entropy(z, torch.as_tensor(np.asarray(targets))))
"""
