"""Figures for notebook 07: a reliability diagram, gradient size against T, and the share of a
contrastive loss's push on its hardest negative against tau. Each returns a matplotlib figure;
``studykit.views.plots.show`` displays it compactly in a notebook."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from ..maths.calibration import ReliabilityBins

__all__ = ["plot_reliability", "plot_gradient_size", "plot_hardest_negative_share"]


def plot_reliability(panels: Mapping[str, ReliabilityBins]):
    """One reliability diagram per entry: accuracy per confidence bin against the diagonal
    (perfect calibration), the gap shaded, the bin's share of predictions written below."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.4), sharey=True)
    for ax, (title, bins) in zip(np.atleast_1d(axes), panels.items()):
        width = np.diff(bins.edges)
        left = bins.edges[:-1]
        full = bins.counts > 0
        ax.bar(left[full], bins.accuracy[full], width=width[full], align="edge", color="#4C72B0",
               edgecolor="white", label="accuracy in the bin")
        ax.bar(left[full], bins.confidence[full] - bins.accuracy[full], bottom=bins.accuracy[full],
               width=width[full], align="edge", color="#DD8452", alpha=0.45, edgecolor="#DD8452",
               label="gap to mean confidence")
        ax.plot([0, 1], [0, 1], "k--", linewidth=1, label="perfect calibration")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("confidence (top-token probability)")
        ax.set_title(f"{title}\nECE = {bins.ece:.1%}")
    np.atleast_1d(axes)[0].set_ylabel("share of predictions that were right")
    np.atleast_1d(axes)[0].legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def plot_gradient_size(temperatures: Sequence[float], plain: Sequence[float], scaled: Sequence[float]):
    """Mean gradient size (L2 norm w.r.t. the student's logits) against T, log-log, with and
    without the T^2 factor, and a 1/T^2 guide line through the last plain point."""
    import matplotlib.pyplot as plt

    t = np.asarray(temperatures, dtype=float)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.loglog(t, plain, "o-", label="soft-target loss as is")
    ax.loglog(t, scaled, "s-", label="multiplied by T²")
    guide = plain[-1] * (t[-1] / t) ** 2
    ax.loglog(t, guide, "k:", linewidth=1, label="slope of 1/T²")
    ax.set_xlabel("distillation temperature T")
    ax.set_ylabel("mean gradient size ‖∂loss/∂z‖")
    ax.legend(fontsize=9)
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_hardest_negative_share(taus: Sequence[float], shares: Sequence[float], *, batch_size: int,
                                marks: Mapping[str, float] = {}):
    """Mean share of the push on negatives that lands on the hardest one, against tau (log x axis)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    ax.semilogx(taus, shares, "o-")
    ax.axhline(1 / (batch_size - 1), color="gray", linestyle=":", label=f"even split over {batch_size - 1} negatives")
    for label, tau in marks.items():
        ax.axvline(tau, color="#DD8452", linestyle="--", linewidth=1)
        ax.text(tau, 0.95, f" {label}", rotation=90, va="top", fontsize=8, color="#DD8452")
    ax.set_ylim(0, 1)
    ax.invert_xaxis()  # colder to the right
    ax.set_xlabel("temperature τ (smaller to the right)")
    ax.set_ylabel("share of the push on the hardest negative")
    ax.legend(loc="center left", fontsize=9)
    fig.tight_layout()
    return fig
