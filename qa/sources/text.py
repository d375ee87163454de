"""Plain text -> blocks: paragraphs, headings, list items, and hard-wrapped lines joined back into paragraphs.

A blank line ends a paragraph. Inside a paragraph a line break is either a wrap (the writer's editor or a formatter
broke a long line: it reads as a space) or deliberate (a heading above its text, a list item, "Key: value" lines).
The classic test tells them apart: when the next line's first word would have fitted on this line, the break was
deliberate. A document whose lines are long (not wrapped at all) has only deliberate line breaks.

Text that formatters export (manual pages through `man | col -b`, RFCs, books from plain-text archives, terminal
output) adds shapes that the classic test alone misreads; each has a general rule, measured on real manual pages in
English, Ukrainian and Russian (benchmarks/unwrap_quality.py, tests/data/wrapped):
- columns are counted with tabs expanded to eight, as a terminal shows them (`col` writes tabs for runs of spaces),
  and after a full stop the next word needs two spaces, as troff and typists leave;
- justified text (most long lines end at the width exactly): a line filled to the width may hold runs of spaces;
  in any other line, three or more blank columns between words separate table columns;
- a term over its description ("-k, --keep" with the description indented under it) opens the description's
  block, so that its first sentence carries the term. Terms stand at an indent where the document's prose also
  wraps, and make a list (the same indents twice or more) or are options; a line alone at an indent where no prose
  wraps ("NAME", "   Exit status:" in a manual page) is a heading above its text;
- a term, a gap and text on one line ("-c     with -lt: sort by …") goes on under that text: a hanging indent;
- a heading in capitals does not run into a line in small letters under it;
- a line starting "1." or "- " goes on the sentence above when it stands at that line's indent, after a line that
  ends no sentence and had no room for it; otherwise it starts a list item;
- a word hyphenated at the line end ("com‐" / "press", U+2010 as groff writes it) always goes on to the next line;
- a line in small letters goes on the sentence above when that line was filled to four fifths of the width (an
  editor's wrap) or was shown deeper inside the sentence; a word above a word is a list;
- a text wrapped wider than e-mail widths (a manual page on a wide terminal) is taken as wrapped when its lines stop
  at one width, as a formatter's do.
Lines keep their offsets: nothing here rewrites the text; a hyphenated word is cited as it stands ("com‐\n   press").
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
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
_SENTENCE_END = re.compile(r"[.!?…:;][\"'”’»)\]]*$")
_FULL_STOP = re.compile(r"[.!?][\"'”’»)\]]*$")
# A word broken at the end of a line by hyphenation: a letter, then a hyphen (U+2010 is what groff writes, U+00AD a
# soft hyphen), then the line's end.
_HYPHENATED = re.compile(r"[^\W\d_][-\u2010\u00ad]$")
# An option as a term: "-k, --keep", "--block-size=SIZE", "-SIGNAL".
_OPTION = re.compile(r"^[-+][-+]?[^\W_]")
_GAP = re.compile(r" {2,}")
# Lines at most this long are taken as hard-wrapped (typewriter and e-mail widths); longer ones as one paragraph.
_WRAP_LIMIT = 100
# Wider than that, a text is taken as wrapped when at most 3 % of those lines are 5 % longer than the width:
# formatters fill up to the width and not past it. Measured on the dev manual pages rendered 120 and 160 columns
# wide (at most 2.8 %) and the same pages unwrapped, blank lines removed, one paragraph a line (2.2 % to 10 %:
# such a text is rarely mistaken, and then only a paragraph ending right at the width joins the next one).
_WIDE_LIMIT = 300
_BEYOND_WIDTH = 1.05
_BEYOND_SHARE = 0.03
_WIDTH_SLACK = 2  # editors wrap at the width or a little before it
_JUSTIFIED_SHARE = 0.6
_COLUMN_GAP = 3  # columns of blanks between words that separate table columns, outside a justified line
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
    gap: int  # the widest run of blanks between two words, in columns
    fields: tuple[int, ...]  # the columns where the second word, or a word after two or more blanks, starts
    first: str  # the first word
    stop: bool  # it ends with a full stop, after which a typist or troff leaves two spaces

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
    shown = raw.expandtabs(_TAB).rstrip()  # as a terminal shows it: `col` writes tabs for runs of spaces
    words = shown.lstrip()
    indent = len(shown) - len(words)
    gaps = [(m.end() - m.start(), indent + m.end()) for m in _GAP.finditer(words)]
    second = words.find(" ") + 1  # a short term and one space: "SYSTEM If $SYSTEM is set, it will have the"
    if second and words[second:].strip():
        gaps.append((1, indent + len(words[second:]) - len(words[second:].lstrip()) + second))
    return _Line(
        a + len(raw) - len(body),
        b,
        indent,
        len(shown),
        max((g for g, _ in gaps), default=1 if " " in words else 0),
        tuple(column for _, column in gaps),
        _first_word(body),
        bool(_FULL_STOP.search(words)),
    )


def wrap_width(lines: list[_Line | None]) -> int | None:
    """The width the text was wrapped at, or None when it was not hard-wrapped (long lines, or no multi-line
    paragraphs). Taken from the lines that have a non-blank line after them, which a wrap filled. Up to typewriter
    and e-mail widths that is enough; a wider one (a manual page read on a wide terminal) must also be where those
    lines stop: a text whose paragraphs are single long lines has many lines longer than its 90th percentile."""
    lengths = sorted(line.width for line, after in zip(lines, lines[1:], strict=False) if line and after)
    if len(lengths) < 3:
        return None
    width = lengths[int(len(lengths) * 0.9)]
    if width <= _WRAP_LIMIT:
        return width
    beyond = len(lengths) - bisect.bisect_right(lengths, width * _BEYOND_WIDTH)
    return width if width <= _WIDE_LIMIT and beyond <= _BEYOND_SHARE * len(lengths) else None


def _first_word(line: str) -> str:
    words = line.split(None, 1)
    return words[0] if words else ""


@dataclass(frozen=True)
class _Layout:
    """What a document's wrapping looks like as a whole."""

    width: int | None  # the wrap width, None when the text is not hard-wrapped
    justified: bool  # most wrapped lines end at the width exactly: runs of spaces inside them are justification
    prose: frozenset[int]  # indents at which the document's prose wraps onto a next line
    terms: frozenset[tuple[int, int]]  # (term indent, description indent) pairs that make a list of terms

    def full(self, line: _Line) -> bool:
        """Filled to the wrap width in a justified text: its runs of spaces were put there to fill it."""
        return self.justified and self.width is not None and line.width >= self.width - 1

    def fits(self, before: _Line, word: str) -> bool:
        """Whether `word` would have fitted at the end of `before`: then the line did not end for lack of room."""
        space = 2 if before.stop else 1
        return self.width is not None and before.width + space + len(word) <= self.width - _WIDTH_SLACK

    def columns(self, line: _Line) -> bool:
        """A table row or a "Key:   value" line: a wide gap between words that justification did not make."""
        return line.gap >= _COLUMN_GAP and not self.full(line)


def _layout(text: str, lines: list[_Line | None], width: int | None) -> _Layout:
    if width is None:
        return _Layout(None, False, frozenset(), frozenset())
    # Justified: most long lines that wrap onto a line at their indent end at the width exactly (83 % to 100 % in
    # the dev manual pages that are, 43 % at most in those that are not and in hand-wrapped text).
    long = [ln for ln, after in zip(lines, lines[1:], strict=False)
            if ln and after and ln.indent == after.indent and 4 * ln.width >= 3 * width]  # fmt: skip
    justified = sum(ln.width == width for ln in long) > _JUSTIFIED_SHARE * len(long)
    layout = _Layout(width, justified, frozenset(), frozenset())
    prose: set[int] = set()
    terms: Counter[tuple[int, int]] = Counter()
    for before, line, after in zip([None, *lines[:-1]], lines, [*lines[1:], None], strict=True):
        if line is None or after is None:
            continue
        if after.indent == line.indent and not layout.columns(line) and not layout.fits(line, after.first):
            prose.add(line.indent)  # a wrap: the next word did not fit
        opens = before is None or before.indent > line.indent  # a blank line or the end of an indented block above
        if opens and after.indent > line.indent and _term_shaped(text, line, layout):
            terms[(line.indent, after.indent)] += 1
    return _Layout(width, justified, frozenset(prose), frozenset(pair for pair, n in terms.items() if n >= 2))


def _term_shaped(text: str, line: _Line, layout: _Layout) -> bool:
    """A line that could name what the lines indented under it describe: short, not a sentence, not a table row."""
    body = line.content(text)
    return (
        not _SENTENCE_END.search(body)
        and not layout.columns(line)
        and layout.width is not None
        and line.width - line.indent <= layout.width // 2
        and not LIST_ITEM.match(body)
    )


def _capitals(text: str) -> bool:
    """All its letters are capitals, and it has two or more: "DESCRIPTION", "КОРОТКИЙ ОПИС"."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and not any(c.islower() for c in letters)


def text_blocks(text: str) -> list[Block]:
    """The blocks of a plain text: headings, list items and paragraphs, wrapped lines joined."""
    spans = _lines(text)
    shown = [_measure(text, a, b) if text[a:b].strip() else None for a, b in spans]
    lines = [None if ln is None or is_boilerplate(text[a:b]) or _RULE.match(text[a:b]) else ln
             for ln, (a, b) in zip(shown, spans, strict=True)]  # fmt: skip
    layout = _layout(text, lines, wrap_width(shown))
    blocks: list[Block] = []
    current: list[_Line] = []  # the lines of the block being collected
    kind = ""  # "item" (a bullet or number), "term" (a term over its description) or "" so far

    def close(underlined: bool = False) -> None:
        nonlocal kind
        if current:
            start, end = current[0].start, current[-1].end
            first = text[start : current[0].end]
            one_line = len(current) == 1
            if underlined and one_line:
                blocks.append(Block(start, end, "heading"))  # "1. Background" over "-------------"
            elif kind == "item":
                bullet = _BULLET.match(first)
                blocks.append(Block(start + (bullet.end() if bullet else 0), end, "item"))
            elif kind == "term":
                blocks.append(Block(start, end, "item"))
            elif one_line and not _SENTENCE_END.search(first.rstrip()) and len(first) < 120:
                blocks.append(Block(start, end, "heading"))
            else:
                blocks.append(Block(start, end, "prose"))
            current.clear()
        kind = ""

    for (a, b), this in zip(spans, lines, strict=True):
        if this is None:
            close(underlined=bool(_RULE.match(text[a:b])))  # an underline makes the line above a heading
            continue
        if current:
            joined = _join(text, current, kind, this, layout)
            if joined is None:
                close()
            elif joined == "term":
                kind = "term"
        if not current and LIST_ITEM.match(this.content(text)):
            kind = "item"
        current.append(this)
    close()
    return blocks


def _join(text: str, block: list[_Line], kind: str, line: _Line, layout: _Layout) -> str | None:
    """Whether the line break before `line` is a wrap ("wrap", or "term" when `line` starts the description of a
    term) or the writer's (None: a new block starts)."""
    if layout.width is None:
        return None  # not a wrapped text: every line break is the writer's
    body, previous = line.content(text), block[-1]
    before = previous.content(text)
    listed = kind in ("item", "term")
    full_stop = bool(_SENTENCE_END.search(before))
    hanging = False
    if LIST_ITEM.match(body):
        # A number or a dash that the wrap put at the start of a line ("… помноженим на" / "8. Для …") goes on the
        # sentence above: at the same indent, after a line that ends no sentence and had no room for it.
        goes_on = line.indent == previous.indent and not full_stop and not layout.fits(previous, line.first)
        return "wrap" if goes_on and not (len(block) == 1 and listed) else None
    if line.indent > previous.indent:
        # Deeper than the line above: an item's text wrapped under its bullet, the description under a term, text
        # hanging under the text after a term, or else an indented block (code, a quotation, an example) starting.
        if kind == "item" and line.indent > block[0].indent:
            return "wrap"
        if len(block) == 1 and _term(text, previous, line, layout):
            return "term"
        if not (len(block) == 1 and line.indent in previous.fields):
            return None
        hanging = True  # "-c     with -lt: sort by, and show, ctime (time of last" over its text: a term's item
    elif listed and line.indent <= block[0].indent < previous.indent:
        return None  # back out to the bullet's or term's column: the next item, or the list has ended
    wrap = "term" if hanging else "wrap"
    if _HYPHENATED.search(before) and body[:1].isalpha():
        return wrap  # a word hyphenated at the line end goes on: "com‐" / "press", "SIM‐" / "PLE_BACKUP_SUFFIX"
    if layout.columns(line) or (layout.columns(previous) and not hanging):
        return None  # a table row or "Key:   value" line stands alone
    if " " not in before and " " not in body and before[-1:] != ",":
        return None  # a word above a word: a list ("CanonicalizeFallbackLocal" / "CanonicalizeHostname")
    if not full_stop and _goes_on(body) and not (len(block) == 1 and _capitals(before)):
        # The sentence goes on ("… one package\nbut of interest …"), after a line that was filled nearly to the
        # width, or out of a line shown deeper inside the sentence ("say:\n    interest /usr/share/omf\nand …").
        if _long(previous, layout) or (line.indent < previous.indent and body[:1].islower()):
            return wrap
    # Would the next word have fitted on the previous line? Then the line did not end for lack of room.
    return None if layout.fits(previous, line.first) else wrap


def _goes_on(body: str) -> bool:
    """The line starts as no sentence does: in small letters, or with a digit or symbol ("-d HOME_DIR is …")."""
    return not body[:1].isupper()


def _long(line: _Line, layout: _Layout) -> bool:
    """Filled to four fifths of the width or more: an editor that wraps before a short word still fills its lines
    about that far (measured: 0.84 of the width and more in the hand-wrapped dev texts), and lines ending shorter
    ("killall -l" over "killall -V", an example's command over its output) were ended by the writer."""
    return layout.width is not None and 5 * line.width >= 4 * layout.width


def _term(text: str, term: _Line, line: _Line, layout: _Layout) -> bool:
    """Whether `term` names what `line`, indented under it, starts to describe: a term of a list. A line alone at an
    indent where no prose runs is a heading above its text, unless it is an option in a list of them."""
    if not _term_shaped(text, term, layout):
        return False
    listed = (term.indent, line.indent) in layout.terms
    option = bool(_OPTION.match(term.content(text)))
    return (listed or option) if term.indent in layout.prose else listed and option
