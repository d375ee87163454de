"""Adding a document to the library in the background: a job per source, its progress, and what went wrong.

"Use another article" may take minutes (a page to fetch, passages to embed), so each source becomes an AddJob run on
one worker thread while the app keeps answering from the live index (qa.service.LiveRetriever); the page polls the
job for its progress bar and, at the end, one line in the asker's language.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.errors import QAError, SourceError
from qa.messages import t
from qa.web.addresses import url_refusal
from qa.web.render import html_escape, one_line

if TYPE_CHECKING:
    from qa.service import LiveRetriever
    from qa.sources import Document

log = logging.getLogger("qa")

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # an uploaded file or pasted text; pages have the fetcher's own cap (10 MB)


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
        return self._submit(job, lambda: from_text(text, one_line(title or "")))

    def add_url(self, url: str | None, lang: str) -> AddJob:
        url = (url or "").strip()
        if not url:
            return AddJob("").fail("library.error.nothing")
        job = AddJob(url if len(url) <= 200 else url[:199] + "…")
        refusal = url_refusal(url, self.own_port)
        return job.fail(refusal) if refusal else self._submit(job, url)

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
        return f'<div class="qa-status qa-status-error" role="alert">{html_escape(t(key, lang, **fields))}</div>'
    if job.phase == "done":
        key = "library.already" if job.unchanged else "library.added"
        text = html_escape(t(key, lang, title=job.title))
        return f'<div class="qa-status qa-status-done" role="status">{text}</div>'
    if job.phase == "embedding" and job.total:
        bar = f'<progress max="{job.total}" value="{min(job.done, job.total)}"></progress>'
        text = t("library.embedding", lang, source=job.label, done=min(job.done, job.total), total=job.total)
    else:
        bar = "<progress></progress>"  # indeterminate: reading or fetching takes as long as it takes
        text = t("library.waiting" if job.phase == "waiting" else "library.reading", lang, source=job.label)
    return f'<div class="qa-status qa-progress" role="status">{bar}<span>{html_escape(text)}</span></div>'
