"""The web app: a chat that answers questions about a library of articles by quoting them, the article beside it.

A reply is framed in the asker's language (qa.messages) while the quoted sentences stay verbatim; the article panel
shows the document the answer cites first, its cited sentences highlighted and numbered like the reply's markers.
A picker asks all documents or one; "Use another article" adds a file, pasted text or a web page to the app's
index in a background thread (the app keeps answering from the live index meanwhile, qa.service.LiveRetriever).

Programs have two ways in, both returning Answer.to_dict():
- the named Gradio endpoint /ask: `Client(url).predict(question, k, history, document, api_name="/ask")`; a bad
  request raises gradio's AppError carrying the message in the question's language;
- plain JSON: `POST /api/ask` with {"question": ..., "k": 3, "history": [...], "document": null}; a bad request
  gets a 4xx status and {"error": "..."} in the question's language.

gradio is imported only when the app is built or served, never at `import qa.web`, so the renderers below can
be used and tested without it. Nothing typed by a person, or read from a document, reaches the page unescaped.
"""

from __future__ import annotations

import html
import ipaddress
import json
import logging
import os
import re
import socket
import threading
import urllib.parse
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.answer import Answer, Citation
from qa.conversation import MAX_HISTORY
from qa.errors import QAError, QuestionError, SourceError
from qa.language import SUPPORTED, detect_language, reply_language
from qa.messages import t
from qa.paths import DEFAULT_SOURCE
from qa.reply import QuoteLine, build_reply
from qa.retrieval import MAX_K
from qa.sources import Block

if TYPE_CHECKING:
    import gradio as gr

    from qa.index import DocumentEntry
    from qa.retrieval import Retriever
    from qa.service import LiveRetriever
    from qa.sources import Document

log = logging.getLogger("qa")

STATIC = Path(__file__).resolve().with_name("static")
DEFAULT_K = 3
UI_MAX_K = 10  # the slider's range; the API accepts up to MAX_K
SHOWN_QUESTION_CHARS = 500  # a pasted essay is cut to this in the chat bubble; the reply says why it was refused
ALL_DOCUMENTS = "*"  # the picker's "All articles"; document ids are slugs, never "*"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # an uploaded file or pasted text; pages have the fetcher's own cap (10 MB)
CHAT_HISTORY = 20  # the chat's earlier answers kept for reading follow-ups (the conversation looks a few back)
MAX_BODY_BYTES = 2 * 1024 * 1024  # a /api/ask request: a question, k and a history of answers fit many times over
_DRAIN_BYTES = 8 * MAX_BODY_BYTES
_HARD_UPLOAD_BYTES = 50 * 1024 * 1024
# Enough of a message to tell its language; detect_language looks no further than this anyway.
_DETECT_CHARS = 1000
_LETTER = re.compile(r"[^\W\d_]")

# Static UI text, translated in the browser by gr.I18n from the browser's language.
UI_KEYS = (
    "ui.title",
    "ui.subtitle",
    "ui.chat_label",
    "ui.chat_placeholder",
    "ui.placeholder",
    "ui.submit",
    "ui.clear",
    "ui.k_label",
    "ui.examples",
    "ui.article_heading",
    "ui.legend",
    "ui.picker_label",
    "ui.library_heading",
    "ui.library_hint",
    "ui.source_file",
    "ui.source_text",
    "ui.source_url",
    "ui.file_label",
    "ui.text_placeholder",
    "ui.text_title",
    "ui.url_placeholder",
    "ui.add_button",
)
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
_RELEVANCE_DOTS = {"strong": "●●●", "moderate": "●●○", "weak": "●○○"}


# --- Text for the page: markdown for the chat, HTML for the article, both escaped -------------------------

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
    lines = md_escape(quote.text).split("\n")
    marked = [f"> **[{quote.number}]** {lines[0]}", *(f"> {line}" for line in lines[1:])]
    meta = f"{quote.where} · {_RELEVANCE_DOTS.get(quote.relevance, '')} {quote.relevance_label}"
    return "\n".join([*marked, ">", f"> _{md_escape(meta)}_"])


def error_markdown(key: str, lang: str, **fields: object) -> str:
    return md_escape(t(key, lang, **fields))


def question_markdown(message: str, lang: str) -> str:
    """What the person typed, shown as text (never markup), cut short if it is very long."""
    if len(message) <= SHOWN_QUESTION_CHARS:
        return md_escape(message)
    more = t("ui.question_truncated", lang, count=len(message) - SHOWN_QUESTION_CHARS)
    return f"{md_escape(message[:SHOWN_QUESTION_CHARS])}… _{md_escape(more)}_"


def _html_escape(text: str) -> str:
    # gr.HTML fills its value into a JS template and a Handlebars one: keep `${`, `{{` and `@children` inert.
    return html.escape(text).replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;").replace("@", "&#64;")


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
    return _html_escape(re.sub(r"[ \t]*\r?\n[ \t]*", " ", text))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def document_heading_html(entry: DocumentEntry, lang: str, first_paragraph: str = "") -> str:
    """A line above the article naming it and where it came from; the title is left out when the article's
    first paragraph already is its title."""
    title = "" if _one_line(first_paragraph).startswith(_one_line(entry.title)) else entry.title
    source = source_label(entry, lang)
    parts = ['<div class="qa-doc-head">']
    if title:
        parts.append(f'<span class="qa-doc-title">{_html_escape(title)}</span>')
    parts.append(f'<span class="qa-doc-source">{_html_escape(source)}</span></div>')
    return "".join(parts)


def source_label(entry: DocumentEntry, lang: str) -> str:
    """How a document's origin is named to a person: a file name, a web address, or "pasted text"."""
    if entry.kind == "pasted":
        return t("library.pasted", lang)
    if entry.source.startswith(("http://", "https://")):
        return entry.source if len(entry.source) <= 90 else entry.source[:89] + "…"
    return Path(entry.source).name


def message_language(message: str, previous: str) -> str:
    """The language to reply in; a message with no letters (empty, emoji) keeps the conversation's language."""
    if not _LETTER.search(message[:_DETECT_CHARS]):
        return previous if previous else "en"
    return reply_language(detect_language(message[:_DETECT_CHARS]))


def accepted_language(header: str | None) -> str:
    """The first of en/uk/ru in an Accept-Language header by preference ("uk-UA,uk;q=0.9,en;q=0.8" -> "uk")."""
    ranked = []
    for n, item in enumerate((header or "").split(",")):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        code = tag.strip().split("-")[0].lower()
        if code in SUPPORTED and q > 0:
            ranked.append((-q, n, code))
    return min(ranked)[2] if ranked else "en"


# --- Examples for a document ----------------------------------------------------------------------------------

_HEADING_CHARS = (3, 70)  # shorter or longer headings make odd questions
_TITLE_CHARS = 90


def document_examples(entry: DocumentEntry, text: str, paragraphs: Sequence[Block]) -> list[tuple[str, str]]:
    """(language, question) pairs to offer for a document: the hand-written ones for the bundled article; for any
    other, questions made from message templates, its title and its headings, in turn in English, Ukrainian and
    Russian."""
    if entry.source == str(DEFAULT_SOURCE):
        return [(code, t(key, code)) for code, key in EXAMPLES]
    title = _one_line(entry.title).rstrip(".:;")
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
        heading = _one_line(text[block.start : block.end]).strip(" .:;#=-*")
        key = heading.casefold()
        if _HEADING_CHARS[0] <= len(heading) <= _HEADING_CHARS[1] and _LETTER.search(heading) and key not in seen:
            seen.add(key)
            out.append(heading)
    return out


# --- Adding a document to the library, in the background --------------------------------------------------------


@dataclass
class AddJob:
    """One source on its way into the library; the page polls it for the progress bar."""

    label: str  # how the source is named to the person: a file name, a web address, "the pasted text"
    phase: str = "waiting"  # waiting | reading | embedding | done | failed
    done: int = 0  # passages embedded so far, of `total`
    total: int = 0
    document: str = ""  # the id of the document added, or found already in the library
    title: str = ""
    unchanged: bool = False  # it was already in the library
    error: tuple[str, dict[str, object]] | None = None  # a messages key and its fields
    finished: threading.Event = field(default_factory=threading.Event)

    def fail(self, key: str, **fields: object) -> AddJob:
        self.error, self.phase = (key, {"source": self.label, **fields}), "failed"
        self.finished.set()
        return self


# A SourceError's reason -> what to tell the person. The library's messages are English and name the source; these
# say the same in the asker's language (tests/test_web.py provokes each one for real).
_SOURCE_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), key)
    for pattern, key in (
        (r"^the server answered (?P<status>\d+[^:]*):", "library.error.http"),
        (r"timed out|took longer than", "library.error.timeout"),
        (r"does not resolve", "library.error.no_host"),
        (r"connection refused", "library.error.refused"),
        (r"^refusing to fetch from", "library.error.private"),
        (r"^only http and https|^URL has no host|^URL is not valid", "library.error.scheme"),
        (r"is not a web page or text \((?P<type>[^)]*)\)", "library.error.not_page"),
        (r"too large", "library.error.too_large_page"),
        (r"looks binary", "library.error.binary"),
        (r"is not valid |not UTF-8", "library.error.encoding"),
        (r"no (main|article) text|is empty", "library.error.no_text"),
        (r"redirect", "library.error.redirect"),
        (r"^cannot fetch ", "library.error.unreachable"),
    )
)


def source_error(exc: SourceError) -> tuple[str, dict[str, object]]:
    """(messages key, fields) for a source that could not be read; the fields lack `source`."""
    reason = str(exc)
    for pattern, key in _SOURCE_REASONS:
        match = pattern.search(reason)
        if match:
            fields: dict[str, object] = {k: v.strip() for k, v in match.groupdict().items()}
            if key == "library.error.http" and str(fields["status"]).startswith("3"):
                return "library.error.redirect", {}  # urllib gives up on a redirect loop with the 30x itself
            if key == "library.error.too_large_page":
                from qa.sources.url import MAX_BYTES

                fields["limit"] = MAX_BYTES // (1024 * 1024)
            return key, fields
    return "library.error.other", {"reason": reason}


def _local_address(address: str) -> bool:
    """This machine's own address: loopback, unspecified (0.0.0.0 reaches it), or one an interface holds."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if ip.is_loopback or ip.is_unspecified:
        return True
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((address, 0))  # only an address of one of this machine's interfaces can be bound
        except OSError:
            return False
    return True


class Library:
    """Adds documents to the service's index one at a time on a worker thread; answering goes on meanwhile."""

    def __init__(self, service: LiveRetriever, *, allow_private_urls: bool = False, own_port: int | None = None):
        self.service = service
        self.allow_private_urls = allow_private_urls
        self.own_port = own_port  # the app's own port, so a URL pointing at the app itself is refused
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="qa-add")

    def add_file(self, path: str | None, lang: str) -> AddJob:
        from qa.sources import SOURCE_SUFFIXES

        if not path:
            return AddJob("").fail("library.error.nothing")
        name = Path(path).name
        job = AddJob(f"«{name}»" if lang in ("uk", "ru") else f"“{name}”")
        try:
            size = os.path.getsize(path)
        except OSError:
            return job.fail("library.error.unreachable")  # gradio's upload folder was cleaned under us
        if size > MAX_UPLOAD_BYTES:
            return job.fail("library.error.too_large", limit=MAX_UPLOAD_BYTES // (1024 * 1024))
        if Path(path).suffix.lower() not in SOURCE_SUFFIXES:
            return job.fail("library.error.file_type")
        with open(path, "rb") as handle:
            if handle.read(2) in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 (or 32): text, but not in UTF-8
                return job.fail("library.error.encoding")
        return self._submit(job, path)

    def add_text(self, text: str | None, title: str | None, lang: str) -> AddJob:
        from qa.sources import from_text

        job = AddJob(t("library.pasted", lang))
        if not text or not text.strip():
            return job.fail("library.error.nothing")
        if len(text.encode("utf-8", "surrogatepass")) > MAX_UPLOAD_BYTES:
            return job.fail("library.error.too_large", limit=MAX_UPLOAD_BYTES // (1024 * 1024))
        return self._submit(job, lambda: from_text(text, _one_line(title or "")))

    def add_url(self, url: str | None, lang: str) -> AddJob:
        url = (url or "").strip()
        if not url:
            return AddJob("").fail("library.error.nothing")
        job = AddJob(url if len(url) <= 200 else url[:199] + "…")
        try:
            parts = urllib.parse.urlsplit(url)
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        except ValueError:
            return job.fail("library.error.scheme")
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return job.fail("library.error.scheme")
        if self._is_this_app(parts.hostname, port):
            return job.fail("library.error.self")
        return self._submit(job, url)

    def _is_this_app(self, host: str, port: int) -> bool:
        if self.own_port is None or port != self.own_port:
            return False
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
        except (OSError, UnicodeError):
            return False  # the fetch will say the host does not resolve
        return any(_local_address(a) for a in addresses)

    def _submit(self, job: AddJob, spec: object) -> AddJob:
        self._worker.submit(self._run, job, spec)
        return job

    def _run(self, job: AddJob, spec: object) -> None:
        from qa.index import CACHE, add_documents
        from qa.sources import load_source
        from qa.sources.files import sha256

        job.phase = "reading"
        try:
            index_dir = self.service.index_dir
            if callable(spec):
                doc: Document = spec()
            else:
                doc = load_source(spec, allow_private=self.allow_private_urls, cache=index_dir / CACHE)
            text_sha = sha256(doc.text.encode("utf-8", "surrogatepass"))
            same = [d for d in self.service.retriever().documents if d.text_sha256 == text_sha]
            if same:  # the same text under another name: that document is the one to ask
                job.document, job.title, job.unchanged = same[0].id, same[0].title, True
            else:
                change = add_documents([doc], index_dir, progress=lambda total: self._embedding(job, total))
                job.document = (change.added + change.updated + change.unchanged)[0]
                job.title = change.manifest.document(job.document).title
                job.unchanged = not (change.added or change.updated)
                self.service.retriever()  # open the new build now rather than on the next question
            job.phase = "done"
        except SourceError as exc:
            key, fields = source_error(exc)
            job.error, job.phase = (key, {"source": job.label, **fields}), "failed"
        except QAError as exc:  # the index itself: busy, another model, unreadable
            log.warning("qa: adding %s failed: %s", job.label, exc)
            job.error, job.phase = ("library.error.other", {"source": job.label, "reason": str(exc)}), "failed"
        except Exception:
            log.exception("qa: adding %s failed", job.label)
            job.error, job.phase = ("error.internal", {}), "failed"
        finally:
            job.finished.set()

    @staticmethod
    def _embedding(job: AddJob, total: int) -> Any:
        job.total, job.phase = total, "embedding"

        def tick(n: int) -> None:
            job.done += n

        return tick


def progress_html(job: AddJob, lang: str) -> str:
    """The progress bar while a document is added, then one line saying how it went."""
    if job.phase == "failed" and job.error:
        key, fields = job.error
        return f'<div class="qa-status qa-status-error" role="alert">{_html_escape(t(key, lang, **fields))}</div>'
    if job.phase == "done":
        key = "library.already" if job.unchanged else "library.added"
        text = _html_escape(t(key, lang, title=job.title))
        return f'<div class="qa-status qa-status-done" role="status">{text}</div>'
    if job.phase == "embedding" and job.total:
        bar = f'<progress max="{job.total}" value="{min(job.done, job.total)}"></progress>'
        text = t("library.embedding", lang, source=job.label, done=min(job.done, job.total), total=job.total)
    else:
        bar = "<progress></progress>"  # indeterminate: reading or fetching takes as long as it takes
        text = t("library.waiting" if job.phase == "waiting" else "library.reading", lang, source=job.label)
    return f'<div class="qa-status qa-progress" role="status">{bar}<span>{_html_escape(text)}</span></div>'


# --- Requests from programs -------------------------------------------------------------------------------------


class BadRequest(Exception):
    """A request that cannot be answered as sent: the HTTP status and the message, in the question's language."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _api_k(k: object) -> int | None:
    """k as sent by a client (JSON may turn 3 into 3.0), or None unless it is a whole number from 1 to MAX_K."""
    if isinstance(k, float) and k.is_integer():
        k = int(k)
    return k if isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= MAX_K else None


def _api_history(history: object) -> bool:
    """Whether `history` is None or a list of earlier turns (oldest first): questions as strings, or answers as
    Answer.to_dict() objects. qa.conversation checks the answers' insides."""
    if history is None:
        return True
    if not isinstance(history, list) or len(history) > MAX_HISTORY:
        return False
    return all(isinstance(turn.get("question") if isinstance(turn, dict) else turn, str) for turn in history)


def _slider_k(k: float | None) -> int:
    try:
        return min(max(int(round(k or DEFAULT_K)), 1), MAX_K)
    except (TypeError, ValueError):
        return DEFAULT_K


# --- The app ------------------------------------------------------------------------------------------------


class ChatApp:
    """The handlers behind the page, the /ask endpoint and POST /api/ask, around one service (a LiveRetriever)."""

    def __init__(
        self, service: LiveRetriever, *, allow_private_urls: bool = False, own_port: int | None = None
    ) -> None:
        self.service = service
        self.library = Library(service, allow_private_urls=allow_private_urls, own_port=own_port)
        self._texts: dict[str, str] = {}  # stored texts by file name, which is their SHA-256: never stale

    # -- the library, as the page shows it

    def _text(self, retriever: Retriever, doc: int) -> str:
        name = retriever.documents[doc].text
        if name not in self._texts:
            self._texts[name] = retriever.index.text_path(doc).read_text(encoding="utf-8")
        return self._texts[name]

    @staticmethod
    def _position(retriever: Retriever, document: str | None) -> int | None:
        for n, entry in enumerate(retriever.documents):
            if entry.id == document:
                return n
        return None

    def article(self, citations: Sequence[Citation] = (), document: str | None = None, lang: str = "en") -> str:
        return self.article_view(citations, document, lang)[0]

    def article_view(
        self, citations: Sequence[Citation] = (), document: str | None = None, lang: str = "en"
    ) -> tuple[str, str]:
        """(the panel, the id of the document in it): the first citation's document, else `document`, else the
        library's first; its cited sentences marked. Empty if it cannot be read (the chat says why, the log has
        the detail)."""
        try:
            retriever = self.service.retriever()
            cited = citations[0].document_id if citations else None
            doc = self._position(retriever, cited)
            if doc is None:
                doc = self._position(retriever, document) or 0
            entry = retriever.documents[doc]
            text = self._text(retriever, doc)
            paragraphs = retriever.index.paragraphs[doc]
            first = text[paragraphs[0].start : paragraphs[0].end] if paragraphs else ""
            shown = [c for c in citations if c.document_id == entry.id]
            head = document_heading_html(entry, lang, first) if len(retriever.documents) > 1 else ""
            return head + article_html(text, paragraphs, shown), entry.id
        except Exception:
            log.exception("qa: rendering the article failed")
            return "", document or ""

    def examples(self, document: str | None) -> list[list[str]]:
        """The example questions for a document (the library's first when it is not there), as Dataset samples."""
        try:
            retriever = self.service.retriever()
            doc = self._position(retriever, document) or 0
            pairs = document_examples(
                retriever.documents[doc], self._text(retriever, doc), retriever.index.paragraphs[doc]
            )
        except Exception:
            log.exception("qa: making examples failed")
            pairs = []
        return [[question] for _, question in pairs]

    def choices(self, lang: str) -> list[tuple[str, str]]:
        """The picker: "All articles", then each document by title (with its id where two titles are the same)."""
        try:
            documents = self.service.retriever().documents
        except Exception:
            log.exception("qa: listing the documents failed")
            documents = []
        titles = [_one_line(d.title) or d.id for d in documents]
        out = [(t("ui.all_documents", lang), ALL_DOCUMENTS)]
        for entry, title in zip(documents, titles, strict=True):
            short = title if len(title) <= 120 else title[:119] + "…"
            out.append((f"{short} ({entry.id})" if titles.count(title) > 1 else short, entry.id))
        return out

    def several_documents(self) -> bool:
        try:
            return len(self.service.retriever().documents) > 1
        except Exception:
            return False

    # -- answering

    def _ask(self, question: str, k: int, document: str | None, history: list[str | dict] | None) -> Answer:
        # history=None: asked on its own (the answer has no `reading`); a list, even empty: within a conversation.
        return self.service.ask(question, k, document=document, history=history)

    def reply(
        self,
        message: str,
        k: int,
        previous_lang: str,
        document: str | None = None,
        history: list[str | dict] | None = None,
    ) -> tuple[str, str, Answer | None]:
        """(reply markdown, reply language, answer or None). Never raises: every failure is a friendly reply."""
        lang = message_language(message, previous_lang)
        try:
            answer = self._ask(message, k, document, history)
        except QuestionError as exc:
            return error_markdown(exc.key, lang, **exc.fields), lang, None
        except QAError as exc:
            if document is not None and self._unknown_document(document):
                return error_markdown("error.unknown_document", lang, document=document), lang, None
            log.error("qa: answering %r failed: %s", message[:200], exc)
            return error_markdown("error.internal", lang), lang, None
        except Exception:  # a bug: log it, tell the person kindly, no trace
            log.exception("qa: answering %r failed", message[:200])
            return error_markdown("error.internal", lang), lang, None
        return reply_markdown(answer, titles=self.several_documents()), reply_language(answer.language), answer

    def _unknown_document(self, document: str) -> bool:
        try:
            return self._position(self.service.retriever(), document) is None
        except Exception:
            return False

    # -- event handlers. The chat takes two steps so the question shows at once and the answer follows.

    def add_question(self, message: str | None, history: list[dict], lang: str) -> tuple[str, list[dict], str]:
        message = message or ""
        if message.strip():
            shown_lang = message_language(message, lang)
            history = [*history, {"role": "user", "content": question_markdown(message, shown_lang)}]
        return "", history, message

    def answer(
        self,
        message: str,
        history: list[dict],
        k: float,
        lang: str,
        picked: str | None = ALL_DOCUMENTS,
        answers: list[dict] | None = None,
        shown: str | None = None,
    ) -> tuple[list[dict], str, str, list[dict], str]:
        """(chat, panel, language, the answers so far, the document in the panel)."""
        document = None if picked in (None, "", ALL_DOCUMENTS) else picked
        answers = list(answers or [])
        text, lang, answer = self.reply(message or "", _slider_k(k), lang, document, answers)
        history = [*history, {"role": "assistant", "content": text}]
        if answer is not None:
            answers = [*answers, answer.to_dict()][-CHAT_HISTORY:]
        panel, shown = self.article_view(answer.citations if answer else (), document or shown, lang)
        return history, panel, lang, answers, shown

    def example(self, sample: list[str] | None, history: list[dict], lang: str) -> tuple[str, list[dict], str]:
        return self.add_question(sample[0] if sample else "", history, lang)

    def clear(self, picked: str | None = None, shown: str | None = None) -> tuple[list[dict], str, str, list[dict]]:
        document = None if picked in (None, "", ALL_DOCUMENTS) else picked
        return [], self.article(document=document or shown), "", []

    def pick(self, picked: str | None, shown: str | None, lang: str, request: gr.Request | None = None) -> tuple:
        """The picker changed: show that document and its examples ("All articles" keeps the one shown)."""
        import gradio as gr

        lang = lang or _request_language(request)
        document = shown if picked in (None, "", ALL_DOCUMENTS) else picked
        panel, shown = self.article_view((), document, lang)
        return panel, gr.Dataset(samples=self.examples(shown)), shown

    def refresh_picker(self, picked: str | None, request: gr.Request | None = None) -> Any:
        """The picker opened: list the library as it is now (someone else may have added to it meanwhile)."""
        import gradio as gr

        choices = self.choices(_request_language(request))  # the page's own words follow the browser
        value = picked if picked in {value for _, value in choices} else ALL_DOCUMENTS
        return gr.Dropdown(choices=choices, value=value)

    def page_load(self, request: gr.Request | None = None) -> tuple:
        """A page opened: the library as it is now (documents may have been added since the app started)."""
        import gradio as gr

        lang = _request_language(request)
        panel, shown = self.article_view((), None, lang)
        return (
            gr.Dropdown(choices=self.choices(lang), value=ALL_DOCUMENTS),
            panel,
            gr.Dataset(samples=self.examples(shown)),
            shown,
        )

    def _follow(self, job: AddJob, lang: str) -> Iterator[tuple[str, dict | None]]:
        while not job.finished.wait(0.25):
            yield progress_html(job, lang), None
        done = {"document": job.document} if job.phase == "done" else None
        yield progress_html(job, lang), done

    def add_file(self, path: str | None, lang: str, request: gr.Request | None = None) -> Iterator:
        lang = lang or _request_language(request)
        yield from self._follow(self.library.add_file(path, lang), lang)

    def add_text(self, text: str | None, title: str | None, lang: str, request: gr.Request | None = None) -> Iterator:
        lang = lang or _request_language(request)
        yield from self._follow(self.library.add_text(text, title, lang), lang)

    def add_url(self, url: str | None, lang: str, request: gr.Request | None = None) -> Iterator:
        lang = lang or _request_language(request)
        yield from self._follow(self.library.add_url(url, lang), lang)

    def after_add(self, added: dict | None, lang: str, request: gr.Request | None = None) -> tuple:
        """After a document was added: the picker lists it and is set to it; the panel and the examples show it;
        the file, text and address fields are emptied. After a failure nothing changes, so the input can be fixed."""
        import gradio as gr

        if not added:
            return (gr.skip(),) * 8
        lang = lang or _request_language(request)
        panel, shown = self.article_view((), added["document"], lang)
        return (
            gr.Dropdown(choices=self.choices(_request_language(request)), value=shown),
            panel,
            gr.Dataset(samples=self.examples(shown)),
            shown,
            None,
            "",
            "",
            "",
        )

    # -- programs

    def check_request(self, question: object, k: object, history: object, document: object) -> tuple:
        """(question, k, history, document, language) of a request, or BadRequest saying what is wrong."""
        if not isinstance(question, str):
            raise BadRequest(400, t("error.missing_question", "en"))
        lang = message_language(question, "en")
        count = _api_k(k)
        if count is None:
            raise BadRequest(400, t("error.bad_k", lang, limit=MAX_K))
        if not _api_history(history):
            raise BadRequest(400, t("error.bad_history", lang, limit=MAX_HISTORY))
        if document is not None and not isinstance(document, str):
            raise BadRequest(400, t("error.bad_document", lang))
        if document is not None and self._unknown_document(document):
            raise BadRequest(404, t("error.unknown_document", lang, document=document))
        return question, count, history, document, lang

    def ask_request(self, question: object, k: object = DEFAULT_K, history: object = None, document: object = None):
        """Answer.to_dict() for a request from a program, or BadRequest (4xx; 500 for our own failures)."""
        question, count, turns, document, lang = self.check_request(question, k, history, document)
        try:
            return self._ask(question, count, document, turns).to_dict()
        except QuestionError as exc:
            raise BadRequest(400, t(exc.key, lang, **exc.fields)) from None
        except (TypeError, ValueError) as exc:  # the service refused the history's shape
            log.info("qa: refused a request: %s", exc)
            raise BadRequest(400, t("error.bad_history", lang, limit=MAX_HISTORY)) from None
        except QAError as exc:
            if document is not None and self._unknown_document(document):
                raise BadRequest(404, t("error.unknown_document", lang, document=document)) from None
            log.error("qa: answering %r through the API failed: %s", question[:200], exc)
            raise BadRequest(500, t("error.internal", lang)) from None
        except Exception:  # a bug: the detail goes to the log, not to the caller
            log.exception("qa: answering %r through the API failed", question[:200])
            raise BadRequest(500, t("error.internal", lang)) from None

    def api_ask(
        self, question: str, k: int = DEFAULT_K, history: list | None = None, document: str | None = None
    ) -> dict[str, Any]:
        """Answer a question by quoting up to k sentences of the library (Answer.to_dict()).

        history: earlier questions of the conversation, oldest first, as strings or as earlier answers; document:
        a document id to ask only that document (None: all). Raises gr.Error with the message in the question's
        language when the question is empty, too long or has no words, when k is not a whole number from 1 to
        20, when history is not such a list, or when there is no such document.
        """
        import gradio as gr

        try:
            return self.ask_request(question, k, history, document)
        except BadRequest as exc:
            raise gr.Error(exc.message, print_exception=False) from None

    def json_ask(self, body: bytes) -> tuple[int, dict[str, Any]]:
        """POST /api/ask: (HTTP status, Answer.to_dict() or {"error": message})."""
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return 400, {"error": t("error.bad_json", "en")}
        if not isinstance(data, dict):
            return 400, {"error": t("error.bad_json", "en")}
        try:
            return 200, self.ask_request(
                data.get("question"), data.get("k", DEFAULT_K), data.get("history"), data.get("document")
            )
        except BadRequest as exc:
            return exc.status, {"error": exc.message}


def _request_language(request: gr.Request | None) -> str:
    try:
        return accepted_language(request.headers.get("accept-language") if request is not None else None)
    except Exception:  # a request object without headers (called from a script)
        return "en"


def json_bytes(payload: object) -> bytes:
    # A question with lone surrogates (JSON allows "\ud800") cannot be UTF-8: keep them as JSON's own escapes.
    return json.dumps(payload, ensure_ascii=False).encode("utf-8", "backslashreplace")


def api_routes(app: ChatApp) -> list[Any]:
    """POST /api/ask on the FastAPI app gradio serves: JSON in, Answer.to_dict() or {"error": ...} out."""
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import Response
    from starlette.routing import Route

    def respond(status: int, payload: object) -> Response:
        return Response(json_bytes(payload), status_code=status, media_type="application/json")

    async def ask(request: Request) -> Response:
        body = bytearray()
        seen = 0
        try:
            async for chunk in request.stream():
                seen += len(chunk)
                if seen <= MAX_BODY_BYTES:
                    body += chunk
                elif seen > _DRAIN_BYTES:
                    break  # not worth reading on: the connection closes after the answer
        except ClientDisconnect:
            return respond(400, {"error": t("error.bad_json", "en")})
        if seen > MAX_BODY_BYTES:
            # Read (and dropped) to the end where it is not huge, so the client gets to read this answer.
            return respond(413, {"error": t("error.request_too_large", "en", limit=MAX_BODY_BYTES // 1024)})
        # The model runs outside the event loop, so the server keeps accepting and parsing other requests.
        status, payload = await run_in_threadpool(app.json_ask, bytes(body))
        return respond(status, payload)

    # A plain Starlette route: the endpoint reads the body itself, so every bad request gets our own message.
    return [Route("/api/ask", ask, methods=["POST"])]


# --- The page -----------------------------------------------------------------------------------------------

_TITLE_JS = "() => { const h = document.querySelector('.qa-title'); if (h) document.title = h.innerText; }"

# Page-level rules go in <head>: gradio scopes `css` inside the app container, which cannot reach the page margins.
HEAD = """<style>
@media (max-width: 640px) { .gradio-container > .main { padding-left: .6rem; padding-right: .6rem; } }
</style>"""


def _static(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def _import_gradio() -> Any:
    # Set before the first import: gradio reads it then. The app runs offline and must not try to phone home.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio

    # gradio finds the handlers' `request: gr.Request` parameters through typing.get_type_hints, which evaluates
    # the (postponed) annotations in this module's namespace: the name must exist there once gradio is loaded.
    globals()["gr"] = gradio
    return gradio


def _theme(gr: Any) -> Any:
    # System fonts only: nothing is fetched from a font CDN, and they cover Cyrillic.
    sans = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Ubuntu", "Noto Sans", "DejaVu Sans", "sans-serif"]
    mono = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "DejaVu Sans Mono", "monospace"]
    return gr.themes.Soft(primary_hue="amber", secondary_hue="slate", neutral_hue="slate", font=sans, font_mono=mono)


def translations() -> dict[str, dict[str, str]]:
    return {lang: {key: t(key, lang) for key in UI_KEYS} for lang in ("en", "uk", "ru")}


def build_app(
    service: LiveRetriever | None = None, *, allow_private_urls: bool = False, own_port: int | None = None
) -> gr.Blocks:
    """The Blocks app; its handlers are `demo.qa_app` (a ChatApp). Launch it with `launch_kwargs(demo)`."""
    gr = _import_gradio()
    from qa.service import default_service

    app = ChatApp(service or default_service(), allow_private_urls=allow_private_urls, own_port=own_port)
    i18n = gr.I18n(**translations())
    first_panel, first_shown = app.article_view()
    with gr.Blocks(title=t("ui.title", "en"), analytics_enabled=False) as demo:
        lang = gr.State("")  # the conversation's language ("" until the first message: the browser's, then)
        pending = gr.State("")
        answers = gr.State([])  # this chat's earlier answers (Answer.to_dict()), oldest first: its history
        shown = gr.State(first_shown)  # the document in the panel
        added = gr.State(None)  # {"document": id} once an added document is in the library
        # One translatable string per component: the browser translates a value that is a single i18n key.
        with gr.Column(elem_classes="qa-header"):
            gr.Markdown(i18n("ui.title"), elem_classes="qa-title")
            gr.Markdown(i18n("ui.subtitle"), elem_classes="qa-subtitle")
        with gr.Row(equal_height=False):
            with gr.Column(scale=5, min_width=320):
                picker = gr.Dropdown(
                    choices=app.choices("en"),
                    value=ALL_DOCUMENTS,
                    label=i18n("ui.picker_label"),
                    elem_id="qa-picker",
                    interactive=True,
                    filterable=False,
                )
                chat = gr.Chatbot(
                    elem_id="qa-chat",
                    label=i18n("ui.chat_label"),
                    show_label=False,
                    height="48vh",
                    min_height=320,
                    layout="panel",  # full-width messages: quotes need the width, on a phone most of all
                    placeholder=i18n("ui.chat_placeholder"),
                    latex_delimiters=[],  # "$" in a question or an article is money, not maths
                    sanitize_html=True,
                    allow_tags=False,
                    buttons=["copy"],  # no "share": it would upload the chat to Hugging Face
                    feedback_options=None,
                    autoscroll=False,  # scroll.js shows each new question at the top, its answer below it
                )
                question = gr.Textbox(
                    elem_id="qa-question",
                    show_label=False,
                    placeholder=i18n("ui.placeholder"),
                    lines=1,
                    max_lines=6,
                    submit_btn=i18n("ui.submit"),
                    autofocus=True,
                )
                with gr.Row(equal_height=False):
                    k = gr.Slider(
                        1, UI_MAX_K, value=DEFAULT_K, step=1, label=i18n("ui.k_label"), scale=4, min_width=230
                    )
                    clear = gr.Button(i18n("ui.clear"), variant="secondary", size="md", scale=1, min_width=110)
                examples = gr.Dataset(
                    components=[question],
                    samples=app.examples(first_shown),
                    label=i18n("ui.examples"),
                    type="values",
                    layout="gallery",
                    samples_per_page=MAX_EXAMPLES,
                    elem_id="qa-examples",
                )
                with gr.Accordion(i18n("ui.library_heading"), open=False, elem_id="qa-library"):
                    gr.Markdown(i18n("ui.library_hint"), elem_classes="qa-panel-hint")
                    with gr.Tabs():
                        with gr.Tab(i18n("ui.source_file"), elem_id="qa-tab-file"):
                            upload = gr.File(
                                label=i18n("ui.file_label"), file_count="single", type="filepath", elem_id="qa-file"
                            )
                            add_file = gr.Button(i18n("ui.add_button"), variant="primary", elem_id="qa-add-file")
                        with gr.Tab(i18n("ui.source_text"), elem_id="qa-tab-text"):
                            pasted_title = gr.Textbox(
                                show_label=False, placeholder=i18n("ui.text_title"), elem_id="qa-paste-title"
                            )
                            pasted = gr.Textbox(
                                show_label=False,
                                placeholder=i18n("ui.text_placeholder"),
                                lines=6,
                                max_lines=14,
                                elem_id="qa-paste",
                            )
                            add_text = gr.Button(i18n("ui.add_button"), variant="primary", elem_id="qa-add-text")
                        with gr.Tab(i18n("ui.source_url"), elem_id="qa-tab-url"):
                            url = gr.Textbox(show_label=False, placeholder=i18n("ui.url_placeholder"), elem_id="qa-url")
                            add_url = gr.Button(i18n("ui.add_button"), variant="primary", elem_id="qa-add-url")
                    status = gr.HTML("", elem_id="qa-add-status")
            with gr.Column(scale=6, min_width=320):
                with gr.Column(elem_id="qa-article-panel", variant="panel"):
                    gr.Markdown(i18n("ui.article_heading"), elem_classes="qa-panel-title")
                    gr.Markdown(i18n("ui.legend"), elem_classes="qa-panel-hint")
                    article = gr.HTML(
                        first_panel,
                        elem_id="qa-article",
                        html_template='<div class="qa-scroll">${value}</div>',
                        js_on_load=None,
                    )

        private: dict[str, Any] = {"api_visibility": "private"}
        scroll = _static("scroll.js")
        ask_inputs = [pending, chat, k, lang, picker, answers, shown]
        ask_outputs = [chat, article, lang, answers, shown]
        question.submit(app.add_question, [question, chat, lang], [question, chat, pending], **private).then(
            app.answer, ask_inputs, ask_outputs, show_progress="minimal", **private
        ).then(None, js=scroll, **private)
        examples.click(app.example, [examples, chat, lang], [question, chat, pending], **private).then(
            app.answer, ask_inputs, ask_outputs, show_progress="minimal", **private
        ).then(None, js=scroll, **private)
        clear.click(app.clear, [picker, shown], [chat, article, question, answers], **private)
        chat.clear(app.clear, [picker, shown], [chat, article, question, answers], **private)
        quiet: dict[str, Any] = {**private, "show_progress": "hidden"}  # fast updates: no spinner over the panel
        picker.input(app.pick, [picker, shown, lang], [article, examples, shown], **quiet)
        picker.focus(app.refresh_picker, [picker], [picker], **quiet)
        # Adding runs in its own concurrency group and shows its own progress bar, so questions go on meanwhile.
        adding: dict[str, Any] = {
            **private,
            "show_progress": "hidden",
            "concurrency_id": "qa-add",
            "concurrency_limit": 8,
        }
        after = ([added, lang], [picker, article, examples, shown, upload, pasted, pasted_title, url])
        add_file.click(app.add_file, [upload, lang], [status, added], **adding).then(app.after_add, *after, **quiet)
        add_text.click(app.add_text, [pasted, pasted_title, lang], [status, added], **adding).then(
            app.after_add, *after, **quiet
        )
        add_url.click(app.add_url, [url, lang], [status, added], **adding).then(app.after_add, *after, **quiet)
        # The tab title cannot be an i18n key; take it from the translated heading once the page is up.
        demo.load(app.page_load, None, [picker, article, examples, shown], **quiet).then(None, js=_TITLE_JS, **private)
        gr.api(app.api_ask, api_name="ask")
    demo.qa_app = app
    return demo


def launch_kwargs(demo: gr.Blocks) -> dict[str, Any]:
    gr = _import_gradio()
    return {
        "theme": _theme(gr),
        "css": _static("app.css"),
        "head": HEAD,
        "i18n": gr.I18n(**translations()),
        "share": False,
        "show_error": False,  # tracebacks stay in the server log; handlers reply kindly instead
        "footer_links": ["api", "settings"],
        # gradio refuses bigger uploads itself, in English; up to this the app's own limit (MAX_UPLOAD_BYTES) says
        # so in the asker's language. The same cap as for a source file (qa.sources.files).
        "max_file_size": _HARD_UPLOAD_BYTES,
        # FastAPI(routes=...): POST /api/ask lives on the same server as the page.
        "app_kwargs": {"routes": api_routes(demo.qa_app)},
    }


def _warm_up(service: LiveRetriever) -> None:
    # Builds the index if missing and loads the model. The engine's first couple of queries take seconds, so they
    # are asked here (one Latin, one Cyrillic) rather than by the first person.
    for question in ("Who spoke at the United Nations?", "Хто виступав в ООН?"):
        service.ask(question, 1)


def serve(host: str = "127.0.0.1", port: int = 7860, *, allow_private_urls: bool = False) -> None:
    """Serve the app on the default index at http://host:port until interrupted. Raises QAError or OSError.

    `allow_private_urls`: let people add pages from this machine or its private network (tests, intranets)."""
    from qa.service import default_service

    service = default_service()
    # Loading the model and importing gradio take seconds each; do both at once.
    with ThreadPoolExecutor(1, thread_name_prefix="qa-warm-up") as pool:
        warm = pool.submit(_warm_up, service)
        _import_gradio()
        warm.result()
    demo = build_app(service, allow_private_urls=allow_private_urls, own_port=port)
    demo.queue(default_concurrency_limit=1)  # one question at a time per event: the embedder serialises them anyway
    try:
        demo.launch(server_name=host, server_port=port, quiet=True, prevent_thread_lock=True, **launch_kwargs(demo))
    except OSError as exc:
        # gradio's own message points at its environment variables; ours are --port and QA_PORT.
        reason = "the port is in use" if "empty port" in str(exc) else str(exc).splitlines()[0]
        raise QAError(f"cannot serve on {host}:{port}: {reason}; choose another with --port or QA_PORT") from None
    print(f"qa: serving the library at http://{_url_host(host)}:{port}/ (Ctrl+C to stop)", flush=True)
    demo.block_thread()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
