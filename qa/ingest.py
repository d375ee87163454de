"""Turn a raw, scraped article file into paragraphs and sentences that are exact slices of the file.

Nothing is rewritten: every Sentence carries the character offsets at which it stands in the file as decoded
from UTF-8 (newlines as in the file), so `text[s.start:s.end] == s.text` always holds.
"""

from __future__ import annotations

import hashlib
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from qa.errors import SourceError

# Page furniture that scrapers carry along with the prose. A line is dropped when it is an embed/shortcode tag
# ("[time-brightcove not-tgx=”true”]") or, ignoring case and surrounding punctuation, one of these phrases.
_SHORTCODE = re.compile(r"^\s*\[[^\[\]]*\]\s*$")
_BOILERPLATE = frozenset(
    {
        "related articles",
        "related stories",
        "back to top",
        "back to top button",
        "advertisement",
        "share this article",
        "read more",
        "skip to content",
        "sign up for our newsletter",
    }
)
_HAS_WORD = re.compile(r"\w")
# pysbd searches a paragraph from its start for every sentence it finds (quadratic), so a scraped article on
# one huge line is segmented in blocks of at most this many characters, each cut after a sentence end.
_BLOCK_CHARS = 10_000
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*\s+(?=[\"'“‘«(\[]*[A-ZА-ЯЁІЇЄҐ])")
_SPACE = re.compile(r"\s+")
# A run of text without sentence punctuation longer than this is cited in pieces cut at spaces.
MAX_SENTENCE_CHARS = 2000


@dataclass(frozen=True)
class Sentence:
    id: int
    paragraph: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Document:
    path: Path
    text: str
    sha256: str
    sentences: tuple[Sentence, ...]

    @property
    def paragraph_count(self) -> int:
        return len({s.paragraph for s in self.sentences})


def read_source(path: str | Path) -> tuple[Path, str, str]:
    """Read a UTF-8 text file; return (absolute path, text, sha256 of the bytes). Raises SourceError."""
    path = Path(path).expanduser().absolute()
    try:
        if not stat.S_ISREG(path.stat().st_mode) and not path.is_dir():
            # reading a FIFO or a device (/dev/zero) would block or never end
            raise SourceError(f"source is not a regular file (a device, pipe or socket): {path}")
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"source file not found: {path}") from None
    except IsADirectoryError:
        raise SourceError(f"source is a directory, not a text file: {path}") from None
    except OSError as exc:
        raise SourceError(f"cannot read source file {path}: {exc.strerror or exc}") from None
    if not data.strip():
        raise SourceError(f"source file is empty: {path}")
    # The whole file: the embedding engine reads C strings, so a sentence would be embedded up to a NUL only.
    nul = data.find(b"\x00")
    if nul != -1:
        raise SourceError(f"source file looks binary (NUL byte at offset {nul}), expected UTF-8 text: {path}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"source file is not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}: {path}"
        ) from None
    return path, text, hashlib.sha256(data).hexdigest()


def is_boilerplate(line: str) -> bool:
    if _SHORTCODE.match(line):
        return True
    return line.strip().strip(".:!|»›>-–—").strip().casefold() in _BOILERPLATE


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Paragraphs are runs of non-blank prose lines; blank lines and boilerplate lines end them."""
    spans: list[tuple[int, int]] = []
    start = end = None
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body.strip() and not is_boilerplate(body):
            if start is None:
                start = pos
            end = pos + len(body)
        elif start is not None:
            spans.append((start, end))
            start = None
        pos += len(line)
    if start is not None:
        spans.append((start, end))
    return spans


_segmenter = None


def _segment(paragraph: str) -> list[str]:
    # pysbd keeps "Feb. 26", "U.S.", "W.J.", "…" and quote-plus-attribution together; imported lazily because
    # only index builds need it.
    global _segmenter
    if _segmenter is None:
        import pysbd

        _segmenter = pysbd.Segmenter(language="en", clean=False)
    return _segmenter.segment(paragraph)


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


def split_sentences(text: str) -> list[Sentence]:
    sentences: list[Sentence] = []
    for para_no, (p_start, p_end) in enumerate(paragraph_spans(text)):
        for b_start, b_end in _cut(text, p_start, p_end, _BLOCK_CHARS, _SENTENCE_END):
            block = text[b_start:b_end]
            cursor = 0
            for piece in _segment(block):
                piece = piece.strip().lstrip("\ufeff").lstrip()
                if not piece:
                    continue
                # Locate each piece after the previous one, so repeated sentences get their own offsets.
                at = block.find(piece, cursor)
                if at == -1:  # pysbd never rewrites with clean=False; refuse rather than cite a wrong slice
                    raise SourceError(f"sentence splitter returned text not found in the source: {piece[:60]!r}")
                cursor = at + len(piece)
                for c_start, c_end in _cut(block, at, cursor, MAX_SENTENCE_CHARS):
                    chunk = block[c_start:c_end]
                    lead = len(chunk) - len(chunk.lstrip())
                    chunk = chunk.strip()
                    if not _HAS_WORD.search(chunk):
                        continue
                    start = b_start + c_start + lead
                    sentences.append(Sentence(len(sentences), para_no, start, start + len(chunk), chunk))
    # Paragraph numbers count only paragraphs that kept a sentence.
    renumber = {old: new for new, old in enumerate(dict.fromkeys(s.paragraph for s in sentences))}
    return [Sentence(s.id, renumber[s.paragraph], s.start, s.end, s.text) for s in sentences]


def load_document(path: str | Path) -> Document:
    path, text, digest = read_source(path)
    sentences = split_sentences(text)
    if not sentences:
        raise SourceError(f"source file has no article text to index: {path}")
    return Document(path, text, digest, tuple(sentences))
