"""The reference text: the chapter's prose, cut into prompt/continuation pairs."""

from studykit.studies import reference


def test_prose_paragraphs_are_still_there_for_other_notebooks():
    paragraphs = reference.chapter_prose_paragraphs()
    assert len(paragraphs) == 21 and 1100 <= sum(len(p.split()) for p in paragraphs) <= 1300


def test_pairs_are_enough_and_cut_at_sentence_ends():
    pairs = reference.prompt_continuation_pairs()
    assert len(pairs) >= 32
    for pair in pairs:
        assert pair.prompt.rstrip()[-1] in ".!?\u201d" and pair.continuation.startswith(" ")
        assert "[" not in pair.continuation  # source markers removed


def test_continuations_never_overlap_and_follow_their_prompt_in_the_paragraph():
    pairs = reference.prompt_continuation_pairs()
    paragraphs = reference.chapter_prose_paragraphs()
    for index in {p.paragraph for p in pairs}:
        mine = [p for p in pairs if p.paragraph == index]
        text = reference._CITATION.sub("", paragraphs[index])
        assert all(text.startswith(p.prompt + p.continuation) for p in mine[:1])
        if len(mine) == 2:
            first, second = mine
            # The second prompt is the last sentence of the first continuation; the continuations tile the paragraph.
            assert (first.prompt + first.continuation).endswith(second.prompt)
            assert first.prompt + first.continuation + second.continuation == text
            assert second.ends_paragraph and not first.ends_paragraph
        assert len(mine) <= 2
