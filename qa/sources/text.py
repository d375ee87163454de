"""Plain text -> blocks: paragraphs, headings, list items, and hard-wrapped lines joined back into paragraphs.

A blank line ends a paragraph. Inside a paragraph a line break is either a wrap (the writer's editor broke a long
line: it reads as a space) or deliberate (a heading above its text, a list item, "Key: value" lines). The classic
test tells them apart: when the next line's first word would have fitted on this line, the break was deliberate.
A document whose lines are long (not wrapped at all) has only deliberate line breaks.
"""

from __future__ import annotations

import re

from qa.sources.segment import Block

# Page furniture that scrapers carry along with the prose. A line is dropped when it is an embed/shortcode tag
# ("[time-brightcove not-tgx=”true”]") or, ignoring case and surrounding punctuation, one of these phrases. The
# HTML and URL sources leave this to the extraction library; it is for plain-text scrapes only.
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
# A line drawn under a heading or across the page (===, ---, ***, ~~~): never text.
_RULE = re.compile(r"^\s*([=\-~*_#+])(\s*\1){2,}\s*$")
# Bullets and numbers that start a list item: "- ", "* ", "• ", "1. ", "2) ", "a) ", "(iv) ".
LIST_ITEM = re.compile(r"^\s*(?:[-*+•·‣◦–—]|\(?(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})[.)])\s+(?=\S)")
_SENTENCE_END = re.compile(r"[.!?…:;][\"'”’»)\]]*$")
# Lines at most this long are taken as hard-wrapped (typewriter and e-mail widths); longer ones as one paragraph.
_WRAP_LIMIT = 100
_WIDTH_SLACK = 2  # editors wrap at the width or a little before it


def is_boilerplate(line: str) -> bool:
    if _SHORTCODE.match(line):
        return True
    return line.strip().strip(".:!|»›>-–—").strip().casefold() in _BOILERPLATE


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line's content, line terminators excluded."""
    spans = []
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        spans.append((pos, pos + len(body)))
        pos += len(line)
    return spans


def wrap_width(text: str, lines: list[tuple[int, int]]) -> int | None:
    """The width the text was wrapped at, or None when it was not hard-wrapped (long lines, or no multi-line
    paragraphs). Taken from the lines that have a non-blank line after them, which a wrap filled."""
    lengths = []
    for (a, b), (c, d) in zip(lines, lines[1:], strict=False):
        if text[a:b].strip() and text[c:d].strip():
            lengths.append(len(text[a:b].rstrip()))
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
    lines = _lines(text)
    width = wrap_width(text, lines)
    blocks: list[Block] = []
    current: list[tuple[int, int]] = []  # the lines of the block being collected

    def close() -> None:
        if current:
            start, end = current[0][0], current[-1][1]
            one_line = len(current) == 1
            heading = one_line and not _SENTENCE_END.search(text[start:end].rstrip()) and len(text[start:end]) < 120
            blocks.append(
                Block(start, end, "heading" if heading else "item" if LIST_ITEM.match(text[start:end]) else "prose")
            )
            current.clear()

    for a, b in lines:
        line = text[a:b]
        if not line.strip() or is_boilerplate(line):
            close()
            continue
        if _RULE.match(line):
            close()  # an underline makes the line above a heading; a rule ends a paragraph
            continue
        if current and _deliberate_break(text[current[-1][0] : current[-1][1]], line, width):
            close()
        current.append((a + len(line) - len(line.lstrip()), b))
    close()
    return blocks


def _deliberate_break(previous: str, line: str, width: int | None) -> bool:
    if LIST_ITEM.match(line):
        return True
    if width is None:
        return True  # not a wrapped text: every line break is the writer's
    # Would the next word have fitted on the previous line? Then the editor did not wrap there.
    return len(previous.rstrip()) + 1 + len(_first_word(line)) <= width - _WIDTH_SLACK
