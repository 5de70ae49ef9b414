"""Full-size vocabularies take warp's shortcuts (top-k and top-p select among candidates first);
the result must still equal transformers exactly, ties and -inf included."""

import itertools
from unittest import mock

import numpy as np
import pytest
from test_sampling_vs_transformers import assert_same_warp, stable_torch_sort, transformers_warp

from studykit.maths import sampling
from studykit.lm.generation import transformers_warpers
from studykit.maths.sampling import warp

V = 49152
_rng = np.random.default_rng(43)
_minus_inf = np.where(_rng.random(V) < 0.9, -np.inf, _rng.normal(0, 3, V))
LARGE_CASES = {
    "random": _rng.normal(0, 3, (3, V)),
    # Rounded scores: thousands of ties, at the k-th value and across the top-p boundary.
    "many_ties": np.round(_rng.normal(0, 3, (2, V)), 1),
    "mostly_minus_inf": _minus_inf,
    "one_dominant": np.r_[20.0, _rng.normal(0, 1, V - 1)],
    "nearly_flat": _rng.normal(0, 0.01, V),  # the nucleus is most of the row: full sort
    # The first 1/32 of the row is the sample for top-k's bound: the best at either end.
    "ascending": np.linspace(-5, 5, V),
    "descending": np.linspace(5, -5, V),
}
SETTINGS = list(itertools.product([0.7, 2.0], [None, 1, 50, 1000], [None, 0.9, 0.999]))


@pytest.mark.parametrize("name", LARGE_CASES)
def test_large_rows_equal_transformers(name):
    logits = LARGE_CASES[name]
    with stable_torch_sort():
        for temperature, top_k, top_p in SETTINGS:
            context = f"{name} T={temperature} top_k={top_k} top_p={top_p}"
            ours = warp(logits, temperature=temperature, top_k=top_k, top_p=top_p)
            assert_same_warp(ours, transformers_warp(logits, temperature, top_k, top_p), context)


def test_the_shortcuts_are_taken_and_agree_with_full_sorting():
    logits = LARGE_CASES["many_ties"]
    sorted_sizes = []
    full_sort = sampling._top_p_drop_sorted

    def recording(scores, *args):
        sorted_sizes.append(scores.size)
        return full_sort(scores, *args)

    with mock.patch.object(sampling, "_top_p_drop_sorted", recording):
        fast = warp(logits, temperature=0.7, top_p=0.9)
    assert sorted_sizes and max(sorted_sizes) < V / 4  # only candidates were sorted
    with mock.patch.object(sampling, "_TOP_P_CANDIDATE_COUNTS", ()):
        slow = warp(logits, temperature=0.7, top_p=0.9)
    np.testing.assert_array_equal(fast, slow)
    # top-k: the bound from the first 1/32 of the row leaves a small candidate set, so no
    # selection ever runs over a whole row.
    widths, full_partition = [], np.partition

    def recording_partition(values, kth, axis=-1, **options):
        widths.append(np.shape(values)[axis])
        return full_partition(values, kth, axis=axis, **options)

    with mock.patch.object(np, "partition", recording_partition):
        kth = sampling._kth_largest(logits, 50)
    np.testing.assert_array_equal(kth, full_partition(logits, -50, axis=-1)[:, -50, None])
    assert widths and max(widths) < V / 4


@pytest.mark.parametrize("name", ["random", "one_dominant", "ascending"])
def test_large_float32_rows_equal_transformers_float32(name):
    """float32 logits (a model's own scores) are warped in float32, as generate() warps them."""
    import torch

    logits = np.atleast_2d(LARGE_CASES[name]).astype(np.float32)
    for temperature, top_k, top_p in SETTINGS:
        ours = warp(logits, temperature=temperature, top_k=top_k, top_p=top_p)
        theirs = transformers_warpers(temperature=temperature, top_k=top_k, top_p=top_p)(None, torch.from_numpy(logits.copy())).numpy()
        context = f"{name} float32 T={temperature} top_k={top_k} top_p={top_p}"
        np.testing.assert_array_equal(np.isfinite(ours), np.isfinite(theirs), err_msg=context)
        np.testing.assert_allclose(ours[np.isfinite(ours)], theirs[np.isfinite(theirs)], rtol=1e-6, err_msg=context)
