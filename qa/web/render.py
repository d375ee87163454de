"""Text for the page: the chat's replies as Markdown, the document panel as HTML, both escaped.

The reply itself is qa.reply's (the terminal prints the same one); this module only dresses it for the browser.
Nothing typed by a person, or read from a document, reaches the page as markup: every string goes through
md_escape or html_escape on its way in.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from qa.answer import Answer, Citation
from qa.messages import t
from qa.reply import QuoteLine, build_reply
from qa.sources import Block, is_upload, uploaded_name

if TYPE_CHECKING:
    from qa.index import DocumentEntry

SHOWN_QUESTION_CHARS = 500  # a pasted essay is cut to this in the chat bubble; the reply says why it was refused
_RELEVANCE_DOTS = {"strong": "●●●", "moderate": "●●○", "weak": "●○○"}

# Characters markdown (or the HTML it may contain) could act on in running prose. The other ASCII punctuation
# (. , ; : ? ! ' " ( ) / % $) is inert there and left alone, so a copied quote reads as in the article.
_MD_INLINE = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]|~#"} | {"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# At the start of a line these open a list or a heading ("- ", "+ ", "1. ", "2) ", "===").
_MD_LINE_START = re.compile(r"^(\s*(?:\d+)?)([-+=.)])")


def md_escape(text: str) -> str:
    """`text` as markdown that renders as exactly this text: no formatting, links, HTML or tags."""
    lines = text.translate(_MD_INLINE).split("\n")
    return "\n".join(_MD_LINE_START.sub(r"\1\\\2", line, count=1) for line in lines)


def reply_markdown(answer: Answer, *, titles: bool = False) -> str:
    """The chat reply as Markdown: qa.reply's reply (what the terminal prints too), each part escaped.

    `titles`: name each quote's document (for a library of several)."""
    reply = build_reply(answer, titles=titles)
    blocks = [f"_{md_escape(note)}_" for note in (reply.other_language, reply.reading) if note]
    if not reply.quotes:
        blocks.append(md_escape(reply.lead))
    else:
        blocks.append(f"**{md_escape(reply.lead)}**")
        blocks.extend(_quote_markdown(quote) for quote in reply.quotes)
    blocks.append(f"<sub>{md_escape(reply.detected_language)}</sub>")
    return "\n\n".join(blocks)


def _quote_markdown(quote: QuoteLine) -> str:
    # quote.text is one line (qa.reply collapses a wrapped sentence's line breaks).
    meta = f"{quote.where} · {_RELEVANCE_DOTS.get(quote.relevance, '')} {quote.relevance_label}"
    return "\n".join([f"> **[{quote.number}]** {md_escape(quote.text)}", ">", f"> _{md_escape(meta)}_"])


def error_markdown(key: str, lang: str, **fields: object) -> str:
    return md_escape(t(key, lang, **fields))


def question_markdown(message: str, lang: str) -> str:
    """What the person typed, shown as text (never markup), cut short if it is very long."""
    if len(message) <= SHOWN_QUESTION_CHARS:
        return md_escape(message)
    more = t("ui.question_truncated", lang, count=len(message) - SHOWN_QUESTION_CHARS)
    return f"{md_escape(message[:SHOWN_QUESTION_CHARS])}… _{md_escape(more)}_"


def html_escape(text: str) -> str:
    # gr.HTML fills its value into a JS template and a Handlebars one: keep `${`, `{{` and `@children` inert.
    return html.escape(text).replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;").replace("@", "&#64;")


def one_line(text: str) -> str:
    """`text` with every run of white space, line breaks included, as one space: a title or heading as shown."""
    return " ".join(text.split())


def article_html(text: str, paragraphs: Sequence[Block], citations: Sequence[Citation] = ()) -> str:
    """The document as numbered paragraphs, the cited sentences marked and labelled [1], [2]… like the reply.

    `paragraphs` are the index's (so numbers match "paragraph N" in the reply); `citations` of this document only.
    A citation whose offsets no longer fit the text is not highlighted. Wrapped lines are shown as one paragraph.
    """
    marks = {c.start: (c.end, n, c.relevance) for n, c in enumerate(citations, 1) if text[c.start : c.end] == c.text}
    parts = ['<div class="qa-article">']
    for number, block in enumerate(paragraphs, 1):
        tag = "h2" if number == 1 and block.kind == "heading" else "h3" if block.kind == "heading" else "p"
        kind = " qa-item" if block.kind == "item" else ""
        label = f'<span class="qa-pn" aria-hidden="true">{number}</span>'
        body = _marked(text, block.start, block.end, marks)
        parts.append(f'<{tag} class="qa-p{kind}" data-paragraph="{number}">{label}{body}</{tag}>')
    parts.append("</div>")
    return "".join(parts)


def _marked(text: str, start: int, end: int, marks: dict[int, tuple[int, int, str]]) -> str:
    out = []
    pos = start
    for at in sorted(m for m in marks if start <= m < end):
        stop, n, relevance = marks[at]
        out.append(_shown(text[pos:at]))
        out.append(
            f'<sup class="qa-marker">[{n}]</sup><mark class="qa-cite qa-{relevance}" data-cite="{n}">'
            f"{_shown(text[at:stop])}</mark>"
        )
        pos = stop
    out.append(_shown(text[pos:end]))
    return "".join(out)


def _shown(text: str) -> str:
    # A hard-wrapped paragraph reads as one paragraph: line breaks inside it are shown as spaces.
    return html_escape(re.sub(r"[ \t]*\r?\n[ \t]*", " ", text))


def document_heading_html(entry: DocumentEntry, lang: str, first_paragraph: str = "") -> str:
    """A line above the article naming it and where it came from; the title is left out when the article's
    first paragraph already is its title."""
    title = "" if one_line(first_paragraph).startswith(one_line(entry.title)) else entry.title
    source = source_label(entry, lang)
    parts = ['<div class="qa-doc-head">']
    if title:
        parts.append(f'<span class="qa-doc-title">{html_escape(title)}</span>')
    parts.append(f'<span class="qa-doc-source">{html_escape(source)}</span></div>')
    return "".join(parts)


def source_label(entry: DocumentEntry, lang: str) -> str:
    """How a document's origin is named to a person: a file name, a web address, "uploaded file NAME" or "pasted
    text"."""
    if entry.kind == "pasted":
        return t("library.pasted", lang)
    if is_upload(entry.source):
        return t("library.uploaded", lang, name=uploaded_name(entry.source))
    if entry.source.startswith(("http://", "https://")):
        return entry.source if len(entry.source) <= 90 else entry.source[:89] + "…"
    return Path(entry.source).name
