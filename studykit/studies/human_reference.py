"""Human-written reference text of known provenance, for judging decoders (Holtzman et al. 2020).

Holtzman et al.'s comparison means something only against text a person wrote. The chapter's own
prose (:mod:`studykit.studies.reference`) cannot serve: it carries hash citations and formulaic passages,
so who or what wrote it is unknown. This module's text has a known origin:

* **What**: *Workshop on Electronic Texts: Proceedings*, edited by James Daly, Library of Congress,
  Washington, D.C. (workshop held 9-10 June 1992); the summary of the talks, written by Daly, with an
  introduction by Daly and Carl Fleischhauer. Expository prose written in 1992, decades before
  language models could write it.
* **Licence**: public domain. Project Gutenberg released it as etext "locet10" in February 1993;
  its header records that the editor helped determine that "the work is not under copyright
  protection".
* **Where it ships**: it is ``lcet10.txt``, the "technical writing" file of the Canterbury Corpus
  (Arnold and Bell, "A corpus for the evaluation of lossless compression algorithms", Data
  Compression Conference 1997), the standard test corpus of compression programs. The PyPI source
  distribution ``brotli==1.2.1`` (MIT licence) carries the corpus in ``tests/testdata/``. ``make
  install`` fetches that package with pip and copies this one file into ``.venv/share/studykit/``
  (:func:`extract`); nothing is downloaded at run time, and :data:`SHA256` pins the file's bytes.

>>> pairs = prompt_continuation_pairs()                   # doctest: +SKIP
>>> len(pairs), pairs[0].ends_paragraph                   # doctest: +SKIP
(36, True)
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
import tarfile
from pathlib import Path

from .reference import ReferencePair

__all__ = ["SOURCE", "LICENCE", "WRITTEN", "PACKAGE", "MEMBER", "SHA256", "corpus_path", "extract",
           "prose_paragraphs", "prompt_continuation_pairs"]

SOURCE = ("Workshop on Electronic Texts: Proceedings, ed. James Daly, Library of Congress, 1992 "
          "(Project Gutenberg etext locet10, 1993; the Canterbury Corpus's lcet10.txt)")
LICENCE = "public domain (Project Gutenberg: 'not under copyright protection', 1993)"
WRITTEN = 1992
PACKAGE = "brotli==1.2.1"  # its PyPI source distribution (MIT) ships the Canterbury Corpus
MEMBER = "tests/testdata/lcet10.txt"
SHA256 = "5314ba1dbb03f471df88bec6cd120a938ef60d0fd3511c5c1dce61bf7463245f"
FILENAME = "lcet10.txt"
PAIRS = 36  # as many prompts as the earlier reference had: the decoders' run time grows with them


def corpus_path() -> Path:
    """Where ``make install`` put the file: ``<venv>/share/studykit/lcet10.txt``."""
    return Path(sys.prefix) / "share" / "studykit" / FILENAME


def extract(archive: str | Path, destination: str | Path) -> Path:
    """Copy :data:`MEMBER` out of the ``brotli`` source archive to ``destination``, after checking
    its SHA-256 (another file under the same name is refused, so the provenance stays what it says)."""
    with tarfile.open(archive, "r:gz") as tar:
        member = next((m for m in tar.getmembers() if m.name.split("/", 1)[-1] == MEMBER), None)
        if member is None:
            raise FileNotFoundError(f"{archive} holds no {MEMBER}")
        data = tar.extractfile(member).read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        raise ValueError(f"{MEMBER} in {archive} has SHA-256 {digest}, expected {SHA256}")
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(data)
    return destination


def _text() -> str:
    path = corpus_path()
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: `make install` puts it there (from {PACKAGE}'s sources)")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != SHA256:
        raise ValueError(f"{path} is not the file this module describes (SHA-256 differs); re-run `make install`")
    return data.decode("ascii")


# A capitalised word of 4+ letters: the proceedings print speakers' surnames in capitals ("BATTIN
# counseled"). That typography, not the prose, would surprise the model, so such paragraphs are left out.
_CAPITALS = re.compile(r"\b[A-Z]{4,}\b")
_FOOTNOTE = re.compile(r"\s*\(\d+\)")  # "(3)": the proceedings' note markers, not prose
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"(])")
_MIN_WORDS = 25


@functools.lru_cache(maxsize=1)
def prose_paragraphs() -> tuple[str, ...]:
    """The running-prose paragraphs of the proceedings, in document order, each on one line.

    Kept: blocks separated by a blank line whose lines all start at the margin (indented blocks are
    headings, the table of contents, lists and quotations), of at least 25 words, starting with a
    capital letter, without the discussion summaries' ``*`` separators and without a surname
    printed in capitals. Note markers such as ``(3)`` are removed. The rule was fixed before any
    decoder ran on the text.
    """
    paragraphs = []
    for block in re.split(r"\n[ \t]*\n", _text().replace("\r\n", "\n")):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines or any(line[0] in " \t" for line in lines):
            continue
        text = _FOOTNOTE.sub("", " ".join(" ".join(lines).split()))
        if len(text.split()) < _MIN_WORDS or not text[0].isupper() or "*" in text or _CAPITALS.search(text):
            continue
        paragraphs.append(text)
    return tuple(paragraphs)


@functools.lru_cache(maxsize=4)
def prompt_continuation_pairs(count: int | None = PAIRS) -> tuple[ReferencePair, ...]:
    """The first ``count`` paragraphs (36; ``None``: all) of two or more sentences, each cut after its first sentence.

    The prompt is the paragraph's first sentence; the continuation is the rest of the paragraph, so
    every continuation stops where the author ended the paragraph (``ends_paragraph`` is always
    True). The notebooks cap it at the decoders' token limit, exactly as they cap a decoder.
    """
    pairs = []
    for index, paragraph in enumerate(prose_paragraphs()):
        sentences = _SENTENCE_END.split(paragraph)
        if len(sentences) < 2:
            continue
        pairs.append(ReferencePair(sentences[0], " " + " ".join(sentences[1:]), index, ends_paragraph=True))
        if count is not None and len(pairs) == count:
            break
    return tuple(pairs)


def main(argv: list[str] | None = None) -> int:
    """``python -m studykit.studies.human_reference extract ARCHIVE``: install the file (``make install``)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] != "extract":
        print("usage: python -m studykit.studies.human_reference extract BROTLI_SDIST.tar.gz", file=sys.stderr)
        return 2
    print(f"human reference text: {extract(args[1], corpus_path())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
