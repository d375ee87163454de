"""Sources of every common shape -> Documents whose sentences are exact slices of a stored UTF-8 text.

One module per kind: plain text (text.py: hard-wrapped lines joined, headings and lists kept apart), Markdown
(markdown.py: markup removed), HTML (html.py: the main text by trafilatura) and URLs (url.py: fetched with limits).
`load_source` picks the kind; nothing above this package asks which kind a document was.
"""

from __future__ import annotations

from pathlib import Path

from qa.errors import SourceError
from qa.sources.cache import cached_document
from qa.sources.document import PASTED, UPLOADED, Document, is_upload, make_document, uploaded_name
from qa.sources.files import Upload, decode_html, decode_text, decode_utf8, read_bytes, sha256
from qa.sources.segment import MAX_SENTENCE_CHARS, Block, Sentence
from qa.sources.url import HTML_TYPES, MARKDOWN_TYPES, Fetched, fetch, is_url

__all__ = [
    "Block",
    "Document",
    "MAX_SENTENCE_CHARS",
    "PASTED",
    "UPLOADED",
    "Sentence",
    "SourceError",
    "Upload",
    "from_text",
    "is_upload",
    "load_source",
    "split_text",
    "uploaded_name",
]

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
SOURCE_SUFFIXES = (".txt", ".text", *MARKDOWN_SUFFIXES, *HTML_SUFFIXES)  # what a folder source contributes


def load_source(spec: str | Path | Upload, *, allow_private: bool = True, cache: Path | None = None) -> Document:
    """A file path, an uploaded file or an http(s) URL as a Document. Raises SourceError with one line naming the
    source.

    `allow_private=False` refuses URLs that lead to this machine or a private network (the web app's rule).
    `cache`: a folder of Documents already made from the same bytes (qa.sources.cache), to skip splitting.
    """
    if isinstance(spec, str) and is_url(spec):
        return _from_url(spec, allow_private, cache)
    path, data = read_bytes(spec)
    where = str(path)
    if isinstance(spec, Upload):  # known by the name it was given (its kind too), not by where it lies now
        where, path = UPLOADED + spec.name, Path(spec.name)
    kind = _file_kind(path, data)
    digest = sha256(data)

    def make() -> Document:
        if kind == "html":
            return _from_html(decode_html(data, where), where, digest)
        text = decode_utf8(data, where)
        if kind == "markdown":
            return _from_markdown(text, where, digest)
        return _from_plain(text, where, digest, kind="text")

    return cached_document(cache, (digest, kind, where), make)


def from_text(text: str, title: str = "") -> Document:
    """Pasted text (plain text or Markdown-free prose) as a Document; the index stores it."""
    if not isinstance(text, str) or not text.strip():
        raise SourceError("the pasted text is empty")
    data = text.encode("utf-8", "surrogatepass")
    text = decode_utf8(data.replace(b"\x00", b" "), PASTED, what="pasted text")
    return _from_plain(text, PASTED, sha256(data), kind="pasted", title=title)


def split_text(text: str) -> list[Sentence]:
    """The sentences of a plain text, as a text source gives them (for tools and tests)."""
    from qa.language import text_language
    from qa.sources.segment import split_blocks
    from qa.sources.text import text_blocks

    return split_blocks(text, text_blocks(text), text_language(text))[0]


def _file_kind(path: Path, data: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in HTML_SUFFIXES:
        return "html"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "text"


def _from_plain(text: str, where: str, digest: str, *, kind: str, title: str = "") -> Document:
    from qa.sources.text import text_blocks

    # Stored with "\n" line ends: Python reads a text file with universal newlines, so offsets into a stored text
    # holding "\r\n" would be off by one a line for anyone who opens it (the web app, a user's own script).
    # Such a file is then cited from its stored text, not in place.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return make_document(where, kind, text, text_blocks(text), digest, title=title)


def _from_markdown(source: str, where: str, digest: str) -> Document:
    from qa.sources.markdown import markdown_text

    text, blocks, title = markdown_text(source)
    return make_document(where, "markdown", text, blocks, digest, title=title)


def _from_html(page: str, where: str, digest: str, url: str | None = None) -> Document:
    from qa.sources.html import html_text

    text, blocks, meta = html_text(page, where, url)
    return make_document(where, "html", text, blocks, digest, title=meta.get("title", ""), meta=meta)


def _from_url(url: str, allow_private: bool, cache: Path | None) -> Document:
    page = fetch(url, allow_private=allow_private)
    digest = sha256(page.data)
    return cached_document(
        cache, (digest, page.content_type, page.charset or "", url, page.url), lambda: _page(url, page, digest)
    )


def _page(url: str, page: Fetched, digest: str) -> Document:
    if page.content_type in HTML_TYPES:
        return _from_html(decode_html(page.data, url, page.charset, what="page"), url, digest, url=page.url)
    text = decode_text(page.data, url, page.charset, what="page")
    if page.content_type in MARKDOWN_TYPES:
        return _from_markdown(text, url, digest)
    return _from_plain(text, url, digest, kind="text")
