"""Named decoders run over prompts: one row per prompt for deterministic ones, settings kept apart."""

import numpy as np
import pytest

from studykit.studies import decoders

from studykit.lm import generation

PROMPTS = ["The cat sat on the mat.", "Temperature is a hyperparameter."]


def test_decoder_settings_are_checked_up_front():
    with pytest.raises(ValueError, match="top_p"):
        decoders.Decoder("bad", top_p=1.5)
    with pytest.raises(ValueError, match="num_beams"):
        decoders.Decoder("bad", num_beams=0)
    with pytest.raises(ValueError, match="deterministic"):
        decoders.Decoder("bad", num_beams=4, temperature=0.7)
    with pytest.raises(ValueError, match="name"):
        decoders.Decoder("")
    assert decoders.GREEDY.deterministic and decoders.BEAM_4.deterministic and not decoders.NUCLEUS_095.deterministic
    names = [d.name for d in decoders.HOLTZMAN_DECODERS]
    assert len(set(names)) == len(names) == 7


def test_run_decoders_rejects_bad_lists():
    with pytest.raises(ValueError, match="unique"):
        decoders.run_decoders(None, None, PROMPTS, [decoders.GREEDY, decoders.GREEDY], max_new_tokens=4)
    with pytest.raises(ValueError, match="non-empty list of Decoder"):
        decoders.run_decoders(None, None, PROMPTS, [], max_new_tokens=4)
    with pytest.raises(ValueError, match="prompts"):
        decoders.run_decoders(None, None, "one string", [decoders.GREEDY], max_new_tokens=4)


@pytest.mark.model
def test_each_decoder_gets_its_own_rows_and_greedy_is_never_copied(lm):
    model, tokenizer = lm
    chosen = [decoders.GREEDY, decoders.TOP_K_40, decoders.Decoder("top-k 1", top_k=1), decoders.BEAM_4]
    out = decoders.run_decoders(model, tokenizer, PROMPTS, chosen, max_new_tokens=12, num_samples=3, progress=False)
    assert list(out) == [d.name for d in chosen]
    assert out["greedy"].nll.shape == (2, 1) and out["top-k 40"].nll.shape == (2, 3)
    assert out["beam search, 4 beams"].nll.shape == (2, 1)
    # top-k 1 is greedy by another name: the per-row filter really reached those rows.
    for i in range(2):
        for sample in out["top-k 1"].token_ids[i]:
            assert sample.tolist() == out["greedy"].token_ids[i][0].tolist()
    alone = generation.sample_prompts(model, tokenizer, PROMPTS, temperatures=[0], max_new_tokens=12,
                                      end_at_paragraph=True, progress=False)
    assert [c.token_ids[0].tolist() for c in alone] == [ids[0].tolist() for ids in out["greedy"].token_ids]
    for d in out.values():
        assert np.all(np.isfinite(d.nll) | np.array([[len(t) == 0 for t in row] for row in d.token_ids]))
        assert all("\n\n" not in text for row in d.texts for text in row)


@pytest.mark.model
def test_fixed_length_decoders_write_exactly_the_limit_without_line_breaks(lm):
    model, tokenizer = lm
    chosen = [decoders.GREEDY, decoders.MIN_P_01, decoders.BEAM_4]
    # A prompt the instruct model likes to end at once: with fixed_length it may not.
    prompts = [*PROMPTS, "Thank you."]
    out = decoders.run_decoders(model, tokenizer, prompts, chosen, max_new_tokens=10, fixed_length=True, progress=False)
    eos = generation._eos_ids(model, tokenizer)
    for d in out.values():
        assert all(len(ids) == 10 for row in d.token_ids for ids in row), d.decoder.name
        assert not d.ended.any() and np.all(np.isfinite(d.nll))
        assert all(not (set(ids.tolist()) & eos) for row in d.token_ids for ids in row)
        assert all("\n" not in text for row in d.texts for text in row)
    with pytest.raises(ValueError, match="fixed_length"):
        decoders.run_decoders(model, tokenizer, PROMPTS, chosen, max_new_tokens=4, fixed_length="yes")


def test_suppressed_tokens_are_never_drawn():
    import torch

    scores = torch.zeros(2, 5)
    out = generation.SuppressTokens([1, 3])(None, scores)
    assert torch.isinf(out[:, [1, 3]]).all() and (out[:, [0, 2, 4]] == 0).all()
    assert (scores == 0).all()  # the input is left as it was
    with pytest.raises(ValueError, match="suppress_tokens"):
        generation.sample_prompts(None, None, PROMPTS, temperatures=[1.0], suppress_tokens=["\n"])
