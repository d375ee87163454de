"""The example questions offered under the chat for a document, so a person sees what can be asked of it.

The bundled article has hand-written ones; any other document gets questions made from message templates, its
title and its headings, in turn in English, Ukrainian and Russian.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from qa.messages import t
from qa.paths import DEFAULT_SOURCE
from qa.web.language import has_letter
from qa.web.render import one_line

if TYPE_CHECKING:
    from qa.index import DocumentEntry
    from qa.sources import Block

# The bundled article's examples, one per (language, messages key): each reads naturally in its language.
EXAMPLES = (
    ("en", "example.biden"),
    ("uk", "example.casualties"),
    ("ru", "example.klitschko"),
    ("en", "example.soldier_letter"),
    ("uk", "example.zelensky"),
    ("ru", "example.protests"),
)
MAX_EXAMPLES = len(EXAMPLES)
_HEADING_CHARS = (3, 70)  # shorter or longer headings make odd questions
_TITLE_CHARS = 90


def document_examples(entry: DocumentEntry, text: str, paragraphs: Sequence[Block]) -> list[tuple[str, str]]:
    """(language, question) pairs to offer for a document: the hand-written ones for the bundled article; for any
    other, questions made from message templates, its title and its headings, in turn in English, Ukrainian and
    Russian."""
    if entry.source == str(DEFAULT_SOURCE):
        return [(code, t(key, code)) for code, key in EXAMPLES]
    title = one_line(entry.title).rstrip(".:;")
    asks: list[tuple[str, dict[str, str]]] = [("example.about", {})]
    if title and len(title) <= _TITLE_CHARS:
        asks.append(("example.title", {"title": title}))
    for heading in document_headings(text, paragraphs, title)[: MAX_EXAMPLES - 3]:
        asks.append(("example.heading", {"heading": heading}))
    asks.append(("example.who", {}))
    langs = ("en", "uk", "ru")
    return [(langs[n % 3], t(key, langs[n % 3], **fields)) for n, (key, fields) in enumerate(asks[:MAX_EXAMPLES])]


def document_headings(text: str, paragraphs: Sequence[Block], title: str = "") -> list[str]:
    """The document's headings as a person would quote them, without its title, each once."""
    seen = {title.casefold()} if title else set()
    out = []
    for block in paragraphs:
        if block.kind != "heading":
            continue
        heading = one_line(text[block.start : block.end]).strip(" .:;#=-*")
        key = heading.casefold()
        if _HEADING_CHARS[0] <= len(heading) <= _HEADING_CHARS[1] and has_letter(heading) and key not in seen:
            seen.add(key)
            out.append(heading)
    return out
