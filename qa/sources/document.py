"""A Document: the stored text of one source, its sentences (exact slices of that text) and what it is."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import SourceError
from qa.sources.segment import Block, Sentence, split_blocks

KINDS = ("text", "markdown", "html", "pasted")


@dataclass(frozen=True)
class Document:
    source: str  # what was indexed: an absolute file path, an http(s) URL, "upload: NAME" or "pasted text"
    kind: str  # "text" | "markdown" | "html" | "pasted"
    text: str  # the stored text: every sentence is text[start:end]
    sha256: str  # of the source's bytes as read or fetched: tells whether a file changed since
    sentences: tuple[Sentence, ...]
    paragraphs: tuple[Block, ...]  # paragraph n of a sentence is paragraphs[n]
    title: str
    language: str  # the text's language: "en", "uk", "ru", or another ISO 639-1 code
    meta: dict[str, str] = field(default_factory=dict)  # author, date, url, sitename when the page has them

    @property
    def verbatim(self) -> bool:
        """The stored text is the source file's own text, byte for byte, so citations can point at the file."""
        if self.kind != "text" or self.source.startswith(("http://", "https://")) or self.source == PASTED:
            return False
        if is_upload(self.source):
            return False
        return hashlib.sha256(self.text.encode("utf-8", "surrogatepass")).hexdigest() == self.sha256

    @property
    def paragraph_count(self) -> int:
        return len(self.paragraphs)


PASTED = "pasted text"
# A file a person uploaded (the web app) is recorded by the name it was given, never by where the web server kept
# it for a while: "upload: report.txt". Its stored text is what it answers from; nothing on disk can go stale.
UPLOADED = "upload: "


def is_upload(source: str) -> bool:
    return source.startswith(UPLOADED)


def uploaded_name(source: str) -> str:
    """The file name of an uploaded document's source ("upload: report.txt" -> "report.txt")."""
    return source.removeprefix(UPLOADED)


def make_document(
    source: str,
    kind: str,
    text: str,
    blocks: list[Block],
    digest: str,
    *,
    title: str = "",
    meta: dict[str, str] | None = None,
) -> Document:
    """Split `blocks` of `text` into sentences; SourceError when nothing citable is left."""
    from qa.language import text_language

    language = text_language(text)
    sentences, paragraphs = split_blocks(text, blocks, language)
    if not sentences:
        raise SourceError(f"{_what(source)} has no article text to index: {source}")
    title = " ".join(title.split()) or _first_line(sentences) or Path(source).name
    return Document(source, kind, text, digest, tuple(sentences), tuple(paragraphs), title[:200], language, meta or {})


def _what(source: str) -> str:
    """How errors name a source: as the file, page or pasted text the user gave."""
    if source == PASTED:
        return "the pasted text"
    return "page" if source.startswith(("http://", "https://")) else "source file"


def _first_line(sentences: list[Sentence]) -> str:
    first = sentences[0].text.split("\n")[0].strip()
    return first if len(first) <= 120 else first[:117].rsplit(" ", 1)[0] + "…"
