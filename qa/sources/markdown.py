"""Markdown -> a plain stored text and its blocks, markup removed.

Parsed with markdown-it-py (CommonMark), so emphasis, links, images, inline code, HTML and entities are read the
way a Markdown renderer reads them, not by regular expressions. Headings, paragraphs, list items, quotes and table
rows become blocks of the stored text; link text stays and its address goes; code blocks are left out (they are
not sentences anyone would cite as an answer).
"""

from __future__ import annotations

import re

from qa.sources.segment import Block

_CONTAINERS = {"heading_open": "heading", "list_item_open": "item", "blockquote_open": "prose"}
# Inline tokens whose text is what a reader sees; everything else (markers, link targets, raw HTML) is dropped.
_TEXT_TOKENS = {"text", "code_inline", "text_special"}


# YAML front matter (Jekyll, Hugo, MkDocs): metadata, not text; its title names the document.
_FRONT_MATTER = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n(.*?\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_FRONT_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.MULTILINE)


def markdown_text(source: str) -> tuple[str, list[Block], str]:
    """(stored text, its blocks, the front matter's title, else the first heading, else "")."""
    from markdown_it import MarkdownIt

    title = ""
    front = _FRONT_MATTER.match(source)
    if front:
        named = _FRONT_TITLE.search(front.group(1) or "")
        title = named.group(1).strip("\"'") if named else ""
        source = source[front.end() :]
    parser = MarkdownIt("commonmark").enable("table")
    tokens = parser.parse(source)
    parts: list[str] = []
    blocks: list[Block] = []
    pos = 0
    row: list[str] | None = None  # the cells of the table row being read
    kinds: list[str] = []  # the open containers, innermost last
    for token in tokens:
        if token.type in _CONTAINERS:
            kinds.append(_CONTAINERS[token.type])
        elif token.type.replace("_close", "_open") in _CONTAINERS:
            kinds.pop()
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            if row and any(row):
                pos = _append(parts, blocks, pos, " | ".join(row), "heading")  # a row is one line, one sentence
            row = None
        elif token.type == "inline":
            rendered = _inline_text(token).strip()
            if row is not None:
                row.append(rendered)
            elif rendered:
                kind = kinds[-1] if kinds else "prose"
                if kind == "heading" and not title:
                    title = rendered
                pos = _append(parts, blocks, pos, rendered, kind)
    text = "".join(parts)
    if front and title and not text.startswith(title):
        # The title lives only in the front matter: it goes first, so "what is this about?" has a line to cite.
        shift = len(title) + 2
        blocks = [Block(0, len(title), "heading"), *(Block(b.start + shift, b.end + shift, b.kind) for b in blocks)]
        text = f"{title}\n\n{text}" if text else title
    return text, blocks, title


def _append(parts: list[str], blocks: list[Block], pos: int, text: str, kind: str) -> int:
    text = text.strip()
    if parts:
        parts.append("\n\n")
        pos += 2
    parts.append(text)
    blocks.append(Block(pos, pos + len(text), kind))
    return pos + len(text)


def _inline_text(token) -> str:
    out = []
    for child in token.children or ():
        if child.type in _TEXT_TOKENS:
            out.append(child.content)
        elif child.type == "softbreak":
            out.append(" ")
        elif child.type == "hardbreak":
            out.append("\n")
        elif child.type == "image":
            out.append(child.content)  # the alt text
    return "".join(out)
