"""Knowledge distillation's temperature, after Hinton, Vinyals and Dean (2015), "Distilling the
Knowledge in a Neural Network".

A student with logits z learns from a teacher with logits v through *soft targets*: both are
softened by the same temperature T, p = softmax(v / T) for the teacher and q = softmax(z / T) for
the student, and the student minimises the cross-entropy C = -sum_i p_i log q_i. Its gradient is

    dC/dz_i = (q_i - p_i) / T                                   (Hinton et al., eq. 2)

and when T is large against the logits (both zero-meaned, N classes) it tends to

    dC/dz_i ~ (z_i - v_i) / (N T^2)                             (eq. 4)

so the soft-target gradients shrink like 1/T^2. That is why the paper multiplies the soft-target
loss by T^2: the balance with a hard-label loss then stays roughly the same whatever T is chosen.
A higher T also lifts the teacher's small probabilities ("dark knowledge": which wrong answers it
finds more plausible than others) into a range where they move the gradient.

>>> import torch
>>> z, v = torch.tensor([[1.0, 0.0, -1.0]]), torch.tensor([[2.0, 0.5, -2.0]])
>>> soft_target_gradient(z, v, 2.0).round(decimals=4)
tensor([[-0.0578,  0.0067,  0.0511]], dtype=torch.float64)

Pure torch; rows are examples (positions in a text), columns classes (the vocabulary).
"""

from __future__ import annotations

import math

import numpy as np
import torch

__all__ = ["soft_targets", "soft_target_loss", "soft_target_gradient", "high_temperature_gradient",
           "mass_beyond_top", "gradient_share_outside_top"]


def soft_targets(logits, temperature: float) -> torch.Tensor:
    """softmax(logits / T) along the last axis, in float64."""
    return torch.softmax(_as_rows(logits, "logits") / _check_temperature(temperature), dim=-1)


def soft_target_loss(student_logits, teacher_logits, temperature: float, *,
                     scale_by_t_squared: bool = True) -> torch.Tensor:
    """Mean over rows of the cross-entropy between the teacher's and the student's soft targets,
    times T^2 when ``scale_by_t_squared`` (Hinton et al.'s recipe). Differentiable in the student."""
    z, v = _pair(student_logits, teacher_logits)
    t = _check_temperature(temperature)
    p = torch.softmax(v / t, dim=-1)
    loss = -(p * torch.log_softmax(z / t, dim=-1)).sum(-1).mean()
    return loss * t * t if scale_by_t_squared else loss


def soft_target_gradient(student_logits, teacher_logits, temperature: float, *,
                         scale_by_t_squared: bool = False) -> torch.Tensor:
    """dC/dz for each row's cross-entropy C (not averaged over rows): (q - p) / T, times T^2 if asked."""
    z, v = _pair(student_logits, teacher_logits)
    t = _check_temperature(temperature)
    grad = (torch.softmax(z / t, dim=-1) - torch.softmax(v / t, dim=-1)) / t
    return grad * t * t if scale_by_t_squared else grad


def high_temperature_gradient(student_logits, teacher_logits, temperature: float) -> torch.Tensor:
    """Hinton et al.'s high-temperature approximation (z - v) / (N T^2), logits zero-meaned per row."""
    z, v = _pair(student_logits, teacher_logits)
    t = _check_temperature(temperature)
    z = z - z.mean(-1, keepdim=True)
    v = v - v.mean(-1, keepdim=True)
    return (z - v) / (z.shape[-1] * t * t)


def mass_beyond_top(probs, k: int = 1) -> torch.Tensor:
    """Per row, the probability outside the row's k most likely classes."""
    rows = _as_rows(probs, "probs")
    k = _check_k(k, rows.shape[-1])
    return 1.0 - rows.topk(k, dim=-1).values.sum(-1)


def gradient_share_outside_top(gradient, teacher_logits, k: int = 10) -> torch.Tensor:
    """Per row, the share of the gradient's absolute size (L1) on classes outside the teacher's top k:
    how much of the learning signal is about the teacher's "wrong" answers."""
    g, v = _pair(gradient, teacher_logits, names=("gradient", "teacher_logits"))
    k = _check_k(k, v.shape[-1])
    top = torch.zeros_like(g, dtype=torch.bool).scatter_(-1, v.topk(k, dim=-1).indices, True)
    size = g.abs()
    return size.masked_fill(top, 0.0).sum(-1) / size.sum(-1)


# --- helpers -------------------------------------------------------------------------------------

def _as_rows(values, name: str) -> torch.Tensor:
    rows = torch.as_tensor(values).double()
    if rows.ndim == 1:
        rows = rows[None, :]
    if rows.ndim != 2 or rows.shape[-1] < 2 or rows.shape[0] == 0:
        raise ValueError(f"{name} must be (V,) or (N, V) with V >= 2 classes, got {tuple(rows.shape)}")
    if not torch.isfinite(rows).all():
        raise ValueError(f"{name} must be finite (no NaN or infinity)")
    return rows


def _pair(first, second, names=("student_logits", "teacher_logits")) -> tuple[torch.Tensor, torch.Tensor]:
    a, b = _as_rows(first, names[0]), _as_rows(second, names[1])
    if a.shape != b.shape:
        raise ValueError(f"{names[0]} and {names[1]} must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    return a, b


def _check_k(k, vocab: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k < vocab:
        raise ValueError(f"k must be an integer in [1, {vocab - 1}], got {k!r}")
    return int(k)


def _check_temperature(temperature) -> float:
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.floating, np.integer)) \
            or not math.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}")
    return float(temperature)
