"""The human-written reference: its provenance is checked, and its pairs end where the author ended."""

import hashlib
import io
import tarfile

import pytest

from studykit.studies import human_reference


def test_the_installed_file_is_the_one_the_module_describes():
    path = human_reference.corpus_path()
    assert path.is_file(), "make install puts the file there"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == human_reference.SHA256
    text = path.read_text(encoding="ascii")
    assert "WORKSHOP ON ELECTRONIC TEXTS" in text and "Edited by James Daly" in text and "9-10 June 1992" in text


def test_provenance_is_named():
    for field in (human_reference.SOURCE, human_reference.LICENCE, human_reference.PACKAGE):
        assert field.strip()
    assert human_reference.WRITTEN < 2020 and "public domain" in human_reference.LICENCE


def test_paragraphs_are_prose_without_the_editions_capitalised_surnames():
    paragraphs = human_reference.prose_paragraphs()
    assert len(paragraphs) >= 100
    for p in paragraphs:
        assert len(p.split()) >= 25 and p[0].isupper() and "*" not in p and "\n" not in p
        assert not human_reference._CAPITALS.search(p) and not human_reference._FOOTNOTE.search(p)


def test_pairs_end_where_the_author_ended_the_paragraph():
    pairs = human_reference.prompt_continuation_pairs()
    paragraphs = human_reference.prose_paragraphs()
    assert len(pairs) == 36 and len({p.paragraph for p in pairs}) == 36
    for pair in pairs:
        assert pair.ends_paragraph and pair.continuation.startswith(" ")
        # prompt + continuation is the whole paragraph: nothing cut off at the end, nothing skipped
        assert pair.prompt + pair.continuation == paragraphs[pair.paragraph]
        assert pair.prompt[-1] in ".!?"


def _archive(member: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo(member)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_extract_refuses_another_file_under_the_same_name(tmp_path):
    fake = tmp_path / "brotli-1.2.1.tar.gz"
    fake.write_bytes(_archive("brotli-1.2.1/" + human_reference.MEMBER, b"not the proceedings"))
    with pytest.raises(ValueError, match="SHA-256"):
        human_reference.extract(fake, tmp_path / "out.txt")
    assert not (tmp_path / "out.txt").exists()


def test_extract_copies_the_checked_file(tmp_path):
    real = human_reference.corpus_path().read_bytes()
    archive = tmp_path / "brotli-1.2.1.tar.gz"
    archive.write_bytes(_archive("brotli-1.2.1/" + human_reference.MEMBER, real))
    out = human_reference.extract(archive, tmp_path / "share" / "lcet10.txt")
    assert out.read_bytes() == real
    empty = tmp_path / "empty.tar.gz"
    empty.write_bytes(_archive("brotli-1.2.1/README", b"x"))
    with pytest.raises(FileNotFoundError):
        human_reference.extract(empty, tmp_path / "x.txt")
