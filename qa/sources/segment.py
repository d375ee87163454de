"""Blocks of a stored text -> sentences that are exact slices of it.

Every kind of source (plain text, Markdown, HTML) first finds its blocks: headings, paragraphs, list items, each a
span of the stored text that no sentence crosses. pysbd splits each block into sentences.
Line breaks inside a block are shown to pysbd as spaces (same length, so offsets stay exact), which is how a
hard-wrapped paragraph reads as one paragraph rather than as lines.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# pysbd searches a paragraph from its start for every sentence it finds (quadratic), so a scraped article on
# one huge line is segmented in blocks of at most this many characters, each cut after a sentence end.
_BLOCK_CHARS = 10_000
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*\s+(?=[\"'“‘«(\[]*[A-ZА-ЯЁІЇЄҐ])")
_SPACE = re.compile(r"\s+")
_HAS_WORD = re.compile(r"\w")
_UNFINISHED = re.compile(r"[^\W\d_],?$")  # ends in a letter or a comma: no sentence ended there
_LINE_BREAKS = str.maketrans("\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029", " " * 10)
# A run of text without sentence punctuation longer than this is cited in pieces cut at spaces.
MAX_SENTENCE_CHARS = 2000


@dataclass(frozen=True)
class Sentence:
    id: int  # 0-based within its document
    paragraph: int  # 0-based within its document: the block it belongs to
    start: int  # character offsets into the document's stored text
    end: int
    text: str


@dataclass(frozen=True)
class Block:
    """A span of the stored text that sentences never cross. `kind` is "heading", "item" or "prose"."""

    start: int
    end: int
    kind: str = "prose"


# One pysbd Segmenter per thread: segment() keeps the text in an attribute it reads back, so two threads sharing
# one (the web app adds documents in the background) silently lost sentences.
_segmenters = threading.local()


def _segment(text: str, language: str = "en") -> list[str]:
    # pysbd keeps "Feb. 26", "U.S.", "W.J.", "…" and quote-plus-attribution together; imported lazily because
    # only index builds need it. It has no Ukrainian rules; its Russian ones know Cyrillic abbreviations.
    code = "ru" if language in ("ru", "uk") else "en"
    segmenter = getattr(_segmenters, code, None)
    if segmenter is None:
        import pysbd

        segmenter = pysbd.Segmenter(language=code, clean=False)
        setattr(_segmenters, code, segmenter)
    return segmenter.segment(text)


def _cut(text: str, start: int, end: int, limit: int, boundary: re.Pattern[str] | None = None) -> list[tuple[int, int]]:
    """text[start:end] as consecutive spans of at most `limit` characters, each cut after the last `boundary`
    match in it, else after its last run of whitespace, else at the limit."""
    spans = []
    while end - start > limit:
        window = text[start : start + limit]
        cut = (_last_match_end(boundary, window) if boundary else 0) or _last_match_end(_SPACE, window) or limit
        spans.append((start, start + cut))
        start += cut
    spans.append((start, end))
    return spans


def _last_match_end(pattern: re.Pattern[str], text: str) -> int:
    return max((m.end() for m in pattern.finditer(text)), default=0)


def _pieces(text: str, block: Block, language: str) -> Iterable[tuple[int, int]]:
    """(start, end) of each sentence-sized piece of one block, in order, before trimming."""
    for b_start, b_end in _cut(text, block.start, block.end, _BLOCK_CHARS, _SENTENCE_END):
        flat = text[b_start:b_end].translate(_LINE_BREAKS)
        cursor = 0
        spans: list[tuple[int, int]] = []
        for piece in _segment(flat, language):
            piece = piece.strip().lstrip("\ufeff").lstrip()
            if not piece:
                continue
            # Locate each piece after the previous one, so repeated sentences get their own offsets.
            at = flat.find(piece, cursor)
            if at == -1:  # pysbd never rewrites with clean=False; refuse rather than cite a wrong slice
                from qa.errors import SourceError

                raise SourceError(f"sentence splitter returned text not found in the source: {piece[:60]!r}")
            cursor = at + len(piece)
            if spans and (_UNFINISHED.search(flat[spans[-1][0] : spans[-1][1]]) or piece[0].islower()):
                # pysbd also cuts before enumerations ("must cope with (a) an addon … and (b) …") where no
                # sentence ended: a piece ending in a word or a comma goes on in the next one. And after an
                # abbreviation it does not know ("eg. comp.lang.c++"): no sentence starts with a small letter.
                spans[-1] = (spans[-1][0], cursor)
            else:
                spans.append((at, cursor))
        for start, end in spans:
            yield from _cut(text, b_start + start, b_start + end, MAX_SENTENCE_CHARS)


def split_blocks(text: str, blocks: Sequence[Block], language: str = "en") -> tuple[list[Sentence], list[Block]]:
    """The sentences of `blocks`, numbered in order, and the paragraphs they stand in: the blocks that kept a
    sentence (paragraph numbers count only those)."""
    sentences: list[Sentence] = []
    paragraphs: list[Block] = []
    for block in blocks:
        kept = False
        for start, end in _pieces(text, block, language):
            chunk = text[start:end]
            lead = len(chunk) - len(chunk.lstrip().lstrip("\ufeff").lstrip())  # a byte-order mark is not text
            chunk = chunk[lead:].rstrip()
            if not _HAS_WORD.search(chunk):
                continue
            begin = start + lead
            sentences.append(Sentence(len(sentences), len(paragraphs), begin, begin + len(chunk), chunk))
            kept = True
        if kept:
            paragraphs.append(block)
    return sentences, paragraphs
