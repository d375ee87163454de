"""HTML -> the page's main text and its metadata, by trafilatura.

trafilatura finds the article in a page and drops navigation, cookie banners, related links, comments and
footers (benchmarks/html_extraction.py compares it with the alternatives on real pages). Its plain-text output
has one paragraph, heading or list item a line; those lines are the blocks. The page's title goes first when the
extracted text does not already start with it, so "what is this page about?" has a sentence to cite.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from qa.errors import SourceError
from qa.sources.segment import Block

_HEADING_MAX = 120
# trafilatura drops most of a <figure> (code listings and their captions in books): read figures as plain divs.
_FIGURE = re.compile(r"<(/?)fig(ure|caption)\b", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
# The content is quoted with " or ', and may hold the other quote ("дерев'яної церкви").
_OG_TITLE = re.compile(r"""<meta[^>]+property=["']og:title["'][^>]*content=(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)


def _unfigure(match: re.Match[str]) -> str:
    return f"<{match.group(1)}{'div' if match.group(2).lower() == 'ure' else 'p'}"


def _page_title(page: str) -> str:
    """The title the page gives itself (og:title, else <title>): trafilatura's guess is sometimes a popup's heading."""
    import html

    for pattern in (_OG_TITLE, _TITLE):
        match = pattern.search(page)
        if match and match.group(match.lastindex).strip():
            return " ".join(html.unescape(match.group(match.lastindex)).split())
    return ""


# Chinese and Japanese end sentences with full-width marks (。！？), and quote with 」』.
_ENDS_SENTENCE = re.compile(r"[.!?…:;。！？；：][\"'”’»)\]」』）]*$")
# Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, kana, Han): a character of them counts
# as a word would elsewhere.
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def html_text(page: str, where: str, url: str | None = None) -> tuple[str, list[Block], dict[str, str]]:
    """(stored text, its blocks, metadata: title, author, date, sitename, url when known)."""
    import trafilatura

    # favor_recall keeps definition lists and link-heavy lists that the default drops (98 % of the main text
    # kept against 90 % on our pages); comments are furniture here; no guessed dates for undated pages.
    extracted = trafilatura.bare_extraction(
        _FIGURE.sub(_unfigure, page),
        url=url,
        favor_recall=True,
        include_comments=False,
        include_tables=True,
        include_formatting=False,
        include_links=False,
        include_images=False,
        with_metadata=True,
        deduplicate=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    body = getattr(extracted, "body", None) if extracted is not None else None
    lines = [(kind, line) for kind, line in _elements(body)] if body is not None else []
    if not lines or _only_labels(lines):
        raise SourceError(f"page has no main text to index (only navigation, scripts or markup): {where}")
    meta = {
        key: " ".join(str(value).split())
        for key in ("title", "author", "date", "sitename", "url")
        if (value := getattr(extracted, key, None))
    }
    title = _page_title(page) or meta.get("title", "")
    if title:
        meta["title"] = title
    if title and not lines[0][1].casefold().startswith(title.casefold()[:40]):
        lines.insert(0, ("heading", title))
    text = "\n\n".join(line for _, line in lines)
    blocks = []
    pos = 0
    for kind, line in lines:
        blocks.append(Block(pos, pos + len(line), kind))
        pos += len(line) + 2
    return text, blocks, meta


def _only_labels(lines: list[tuple[str, str]]) -> bool:
    """Nothing but a few short labels: with favor_recall, trafilatura gives a page without an article its menu
    ("News Sport") rather than nothing."""
    words = sum(len(line.split()) + len(_UNSPACED.findall(line)) for _, line in lines)
    return words < _MIN_WORDS and not any(_ENDS_SENTENCE.search(line) for _, line in lines)


_MIN_WORDS = 20

# trafilatura's element names: head (any heading), p, list/item, quote, table/row/cell, code, lb (line break).
# Code listings and images are left out (nobody cites a listing as an answer); code inside a sentence stays.
_SKIP = ("code", "graphic")
_INLINE_PARENTS = {"p", "item", "head", "cell", "quote", "hi", "ref"}
_BLOCK_TAGS = {"p", "head", "list", "quote", "table"}


def _drop(element) -> None:  # noqa: ANN001
    """Remove `element` but keep the text that follows it."""
    parent, tail = element.getparent(), element.tail or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)


def _elements(body) -> Iterator[tuple[str, str]]:  # noqa: ANN001 - an lxml element
    """(kind, text) of each heading, paragraph, list item and table row, whitespace collapsed."""
    for element in [e for e in body.iter(*_SKIP) if e.getparent() is not None]:
        if element.tag != "code" or element.getparent().tag not in _INLINE_PARENTS:
            _drop(element)
    for element in body.iter("head", "p", "item", "row", "quote"):
        if element.tag in ("p", "quote") and any(a.tag in ("item", "row") for a in element.iterancestors()):
            continue  # the item or row it stands in is the block
        if element.tag == "quote" and any(child.tag in _BLOCK_TAGS for child in element):
            continue  # a quotation of paragraphs: each paragraph is a block (the quote's text would repeat them)
        if element.tag == "row":
            text = " | ".join(cell for cell in map(_collapse, element) if cell)
        else:
            text = _collapse(element)
        if not text:
            continue
        kind = {"head": "heading", "item": "item", "row": "heading"}.get(element.tag, "prose")
        if kind == "prose" and len(text) <= _HEADING_MAX and not _ENDS_SENTENCE.search(text):
            kind = "heading"  # a short line without a full stop: a caption, a subtitle, a label
        yield kind, text


def _collapse(element) -> str:  # noqa: ANN001
    return " ".join("".join(element.itertext()).split())
