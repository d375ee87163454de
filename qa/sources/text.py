"""Plain text -> blocks: paragraphs, headings, list items, and hard-wrapped lines joined back into paragraphs.

A blank line ends a paragraph. Inside a paragraph a line break is either a wrap (the writer's editor broke a long
line: it reads as a space) or deliberate (a heading above its text, a list item, "Key: value" lines). The classic
test tells them apart: when the next line's first word would have fitted on this line, the break was deliberate.
A document whose lines are long (not wrapped at all) has only deliberate line breaks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.sources.segment import Block

# Page furniture that scrapers carry along with the prose. A line is dropped when it is an embed/shortcode tag
# ("[time-brightcove not-tgx=”true”]") or, ignoring case and surrounding punctuation, one of these phrases. The
# HTML and URL sources leave this to the extraction library; it is for plain-text scrapes only.
_SHORTCODE = re.compile(r"^\s*\[[a-z][\w-]*(?:\s[^\[\]]*)?\]\s*$")  # [name …]: a lower-case tag, not a [Note …]
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
# A line drawn under a heading or across the page (===, ---, ***, ~~~): never text.
_RULE = re.compile(r"^\s*([=\-~*_#+])(\s*\1){2,}\s*$")
# Bullets and numbers that start a list item: "- ", "* ", "• ", "1. ", "2) ", "a) ", "(iv) ". A dash ("– ", "— ")
# is not one: in Ukrainian and Russian prose a line starting with a dash is speech or a wrapped "— word".
LIST_ITEM = re.compile(r"^\s*(?:[-*+•·‣◦]|\(?(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})[.)])\s+(?=\S)")
_BULLET = re.compile(r"^[-*+•·‣◦]\s+")  # carries nothing a reader cites: the item's text starts after it
# Columns (a table row, "Key:   value"): words separated by a tab or three spaces. Such a line is never wrapped.
_COLUMNS = re.compile(r"\S(?:\t| {3,})\S")
_SENTENCE_END = re.compile(r"[.!?…:;][\"'”’»)\]]*$")
# Lines at most this long are taken as hard-wrapped (typewriter and e-mail widths); longer ones as one paragraph.
_WRAP_LIMIT = 100
_WIDTH_SLACK = 2  # editors wrap at the width or a little before it
_TAB = 8


def is_boilerplate(line: str) -> bool:
    if _SHORTCODE.match(line):
        return True
    return line.strip().strip(".:!|»›>-–—").strip().casefold() in _BOILERPLATE


@dataclass(frozen=True)
class _Line:
    start: int  # offset of the line's first non-blank character
    end: int  # offset of its end (terminator excluded)
    indent: int  # columns before the first non-blank character, tabs expanded
    width: int  # columns up to the last non-blank character

    def content(self, text: str) -> str:
        return text[self.start : self.end].rstrip()


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line's content, line terminators excluded."""
    spans = []
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        spans.append((pos, pos + len(body)))
        pos += len(line)
    return spans


def _measure(text: str, a: int, b: int) -> _Line:
    raw = text[a:b]
    body = raw.lstrip()
    lead = raw[: len(raw) - len(body)]
    return _Line(a + len(lead), b, len(lead.expandtabs(_TAB)), len(raw.rstrip().expandtabs(_TAB)))


def wrap_width(text: str, lines: list[tuple[int, int]]) -> int | None:
    """The width the text was wrapped at, or None when it was not hard-wrapped (long lines, or no multi-line
    paragraphs). Taken from the lines that have a non-blank line after them, which a wrap filled."""
    lengths = []
    for (a, b), (c, d) in zip(lines, lines[1:], strict=False):
        if text[a:b].strip() and text[c:d].strip():
            lengths.append(len(text[a:b].rstrip().expandtabs(_TAB)))
    if len(lengths) < 3:
        return None
    lengths.sort()
    width = lengths[int(len(lengths) * 0.9)]
    return width if width <= _WRAP_LIMIT else None


def _first_word(line: str) -> str:
    words = line.split()
    return words[0] if words else ""


def text_blocks(text: str) -> list[Block]:
    """The blocks of a plain text: headings, list items and paragraphs, wrapped lines joined."""
    width = wrap_width(text, _lines(text))
    blocks: list[Block] = []
    current: list[_Line] = []  # the lines of the block being collected

    def close(underlined: bool = False) -> None:
        if current:
            start, end = current[0].start, current[-1].end
            first = text[start : current[0].end]
            one_line = len(current) == 1
            if underlined and one_line:
                blocks.append(Block(start, end, "heading"))  # "1. Background" over "-------------"
            elif LIST_ITEM.match(first):
                bullet = _BULLET.match(first)
                blocks.append(Block(start + (bullet.end() if bullet else 0), end, "item"))
            elif one_line and not _SENTENCE_END.search(first.rstrip()) and len(first) < 120:
                blocks.append(Block(start, end, "heading"))
            else:
                blocks.append(Block(start, end, "prose"))
            current.clear()

    for a, b in _lines(text):
        line = text[a:b]
        if not line.strip() or is_boilerplate(line):
            close()
            continue
        if _RULE.match(line):
            close(underlined=True)  # an underline makes the line above a heading; a rule ends a paragraph
            continue
        this = _measure(text, a, b)
        if current and _deliberate_break(text, current, this, width):
            close()
        current.append(this)
    close()
    return blocks


def _deliberate_break(text: str, block: list[_Line], line: _Line, width: int | None) -> bool:
    """Whether the line break before `line` is the writer's (a new block starts) rather than a wrap."""
    body, previous = line.content(text), block[-1]
    before = previous.content(text)
    if LIST_ITEM.match(body):
        return True
    if width is None:
        return True  # not a wrapped text: every line break is the writer's
    if _COLUMNS.search(body) or _COLUMNS.search(before):
        return True  # a table row or "Key:   value" line stands alone
    in_item = bool(LIST_ITEM.match(text[block[0].start : block[0].end]))
    if line.indent > previous.indent:
        # Deeper than the line above: an item's text wrapped under its bullet, or else an indented block (code, a
        # quotation, an example) starting.
        return not (in_item and line.indent > block[0].indent)
    if in_item and line.indent <= block[0].indent < previous.indent:
        return True  # back out to the bullet's column without a bullet: the list has ended
    if not _SENTENCE_END.search(before) and body[:1].islower():
        return False  # the sentence goes on: "… one package\nbut of interest …"
    # Would the next word have fitted on the previous line? Then the editor did not wrap there.
    return previous.width + 1 + len(_first_word(body)) <= width - _WIDTH_SLACK
