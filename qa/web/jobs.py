"""Adding a document to the library in the background: a job per source, its progress, and what went wrong.

"Use another article" may take minutes, a book an hour (a page to fetch, passages to embed), so each source becomes
an AddJob while the app keeps answering from the live index (qa.service.LiveRetriever). The app reads the source;
the embedding and the new build are a child process's (qa.web.worker), at a lower priority, so questions come
first. ADD_AT_ONCE documents are embedded at the same time; the next ones wait, each told its place in line. The
page polls its job for the progress bar (passages done of all, the rate, the time left), may cancel it (the
library stays as it was; the passages embedded stay cached, so adding it again resumes), and at the end shows one
line in the asker's language.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.errors import QAError, SourceError
from qa.messages import rate as format_rate
from qa.messages import t
from qa.web.addresses import url_refusal
from qa.web.render import html_escape, one_line

if TYPE_CHECKING:
    from qa.service import LiveRetriever
    from qa.sources import Document

log = logging.getLogger("qa")

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # an uploaded file or pasted text; pages have the fetcher's own cap (10 MB)
# Two: a second visitor's pasted page need not wait behind a book. Both children then share the CPU that
# questions leave over; more would only split it further (and each holds a model: ~100 MB).
ADD_AT_ONCE = 2


@dataclass(eq=False)  # a job is itself: found in the line by identity
class AddJob:
    """One source on its way into the library; the page polls it for the progress bar."""

    label: str  # how the source is named to the person: a file name, a web address, "the pasted text"
    # waiting | reading | embedding | saving | done | failed | cancelled
    phase: str = "waiting"
    done: int = 0  # passages embedded so far, of `total`
    total: int = 0  # passages to embed (those found in the cache are not counted)
    started: float = 0.0  # time.monotonic() when the embedding started, and when `done` last grew: the rate
    ticked: float = 0.0
    place: int = 0  # while waiting: its place in line, 1 for the next to start
    document: str = ""  # the id of the document added, or found already in the library
    title: str = ""
    unchanged: bool = False  # it was already in the library
    error: tuple[str, dict[str, object]] | None = None  # a messages key and its fields
    finished: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)  # cancel asked for
    process: subprocess.Popen | None = field(default=None, repr=False)  # the child embedding it

    def fail(self, key: str, **fields: object) -> AddJob:
        self.error, self.phase = (key, {"source": self.label, **fields}), "failed"
        self.finished.set()
        return self

    def rate(self) -> float | None:
        """Passages embedded per second so far, once some are (steady between chunks)."""
        if not self.done or not self.started:
            return None
        return self.done / max(self.ticked - self.started, 1e-3)

    def seconds_left(self, now: float | None = None) -> float | None:
        """At the rate so far; counting down between chunks."""
        rate = self.rate()
        if rate is None:
            return None
        since = (time.monotonic() if now is None else now) - self.ticked
        return max(max(self.total - self.done, 0) / rate - since, 0.0)


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
    """Adds documents to the service's index in the background, ADD_AT_ONCE at a time, each embedded by a child
    process (qa.web.worker); answering goes on meanwhile."""

    def __init__(self, service: LiveRetriever, *, allow_private_urls: bool = False, own_port: int | None = None):
        self.service = service
        self.allow_private_urls = allow_private_urls
        self.own_port = own_port  # the app's own port, so a URL pointing at the app itself is refused
        # Daemon threads, not an executor's: stopping the app must not wait for a book. Its children then see
        # their stdin close and stop at their next chunk, committing nothing.
        self._queue: queue.SimpleQueue[tuple[AddJob, object]] = queue.SimpleQueue()  # first in, first out
        self._workers: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._line: list[AddJob] = []  # waiting for a worker, in order
        self._sessions: dict[str, list[AddJob]] = {}  # the jobs each page started, for its Cancel button

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

    # -- who is where in line, and cancelling

    def remember(self, session: str | None, job: AddJob) -> None:
        """`job` was started from the page of `session` (gradio's session hash): its Cancel button may stop it."""
        if not session or job.finished.is_set():
            return
        with self._lock:
            for key in list(self._sessions):  # forget the jobs that are over
                self._sessions[key] = [j for j in self._sessions[key] if not j.finished.is_set()]
                if not self._sessions[key]:
                    del self._sessions[key]
            self._sessions.setdefault(session, []).append(job)

    def cancel_session(self, session: str | None) -> int:
        """Cancel every job the page of `session` started that is not over; how many."""
        with self._lock:
            jobs = [j for j in self._sessions.get(session or "", []) if not j.finished.is_set()]
        for job in jobs:
            self.cancel(job)
        return len(jobs)

    def cancel(self, job: AddJob) -> None:
        """Stop `job`: at once if it waits in line; after the source is read if it is being read; at the next
        chunk of passages if it is being embedded (what is embedded stays cached). Once its new build is being
        saved it is too late, and the job ends added."""
        with self._lock:
            if job.finished.is_set():
                return
            job.stopping.set()
            if job in self._line:
                self._line.remove(job)
                self._number_the_line()
                job.phase, job.place = "cancelled", 0
                job.finished.set()
                return
            process = job.process
        if process is not None:
            _tell(process, "cancel")

    def _number_the_line(self) -> None:
        for place, waiting in enumerate(self._line, 1):
            waiting.place = place

    def _submit(self, job: AddJob, spec: object) -> AddJob:
        with self._lock:
            self._line.append(job)
            self._number_the_line()
            if len(self._workers) < ADD_AT_ONCE:
                worker = threading.Thread(target=self._work, name=f"qa-add-{len(self._workers)}", daemon=True)
                self._workers.append(worker)
                worker.start()
            self._queue.put((job, spec))  # in the line's order
        return job

    def _work(self) -> None:
        while True:
            self._run(*self._queue.get())

    # -- the work

    def _run(self, job: AddJob, spec: object) -> None:
        from qa.sources import load_source
        from qa.sources.files import sha256

        with self._lock:
            if job.finished.is_set():  # cancelled while it waited
                return
            self._line.remove(job)
            self._number_the_line()
            job.phase, job.place = "reading", 0
        try:
            index_dir = self.service.index_dir
            if callable(spec):
                doc: Document = spec()
            else:
                from qa.index import CACHE

                doc = load_source(spec, allow_private=self.allow_private_urls, cache=index_dir / CACHE)
            text_sha = sha256(doc.text.encode("utf-8", "surrogatepass"))
            same = [d for d in self.service.retriever().documents if d.text_sha256 == text_sha]
            if job.stopping.is_set():
                job.phase = "cancelled"
            elif same:  # the same text under another name: that document is the one to ask
                job.document, job.title, job.unchanged = same[0].id, same[0].title, True
                job.phase = "done"
            else:
                self._embed_elsewhere(job, doc, index_dir)
                if job.phase == "done":
                    self.service.retriever()  # open the new build now rather than on the next question
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

    def _embed_elsewhere(self, job: AddJob, doc: Document, index_dir: Path) -> None:
        """Embed `doc` and add it to the library in a child process (qa.web.worker), following what it says."""
        from qa.web.worker import THREADS, document_json

        package_root = str(Path(__file__).resolve().parents[2])  # so the child imports this very qa
        env = {**os.environ, "OMP_NUM_THREADS": str(THREADS)}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
        request = json.dumps({"index_dir": str(index_dir), "document": document_json(doc)})
        process = subprocess.Popen(
            [sys.executable, "-m", "qa.web.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
            encoding="utf-8",
        )
        try:
            _tell(process, request)
            with self._lock:
                job.process = process
                stop = job.stopping.is_set()
            if stop:
                _tell(process, "cancel")
            last: dict[str, Any] = {}
            for line in process.stdout:  # type: ignore[union-attr] - a pipe
                last = json.loads(line)
                self._follow_child(job, last)
            process.wait()
        finally:
            with self._lock:
                job.process = None
            if process.stdin:
                try:
                    process.stdin.close()  # the child stops at its next chunk if it is still running
                except OSError:
                    pass
            if process.poll() is None:
                process.wait()
        if job.phase in ("reading", "embedding", "saving"):  # it ended without saying how
            log.error("qa: adding %s failed: the worker exited with %s", job.label, process.returncode)
            job.error, job.phase = ("error.internal", {}), "failed"

    @staticmethod
    def _follow_child(job: AddJob, message: dict[str, Any]) -> None:
        if "total" in message:
            job.total, job.done, job.started = int(message["total"]), 0, time.monotonic()
            job.phase = "embedding" if job.total else "saving"
        elif "done" in message:
            job.ticked = time.monotonic()  # first: the rate is read meanwhile, by the page
            job.done = int(message["done"])
            if job.done >= job.total:
                job.phase = "saving"  # embedded: the new build is being written
        elif "added" in message:
            job.document, job.title, job.unchanged = message["added"], message["title"], bool(message["unchanged"])
            job.phase = "done"
        elif "cancelled" in message:
            job.done, job.phase = int(message["cancelled"]), "cancelled"
        elif "failed" in message:
            reason = str(message.get("reason", ""))
            if message["failed"] == "source":
                key, fields = source_error(SourceError(reason))
                job.error, job.phase = (key, {"source": job.label, **fields}), "failed"
            elif message["failed"] == "index":
                log.warning("qa: adding %s failed: %s", job.label, reason)
                job.error, job.phase = ("library.error.other", {"source": job.label, "reason": reason}), "failed"
            else:
                job.error, job.phase = ("error.internal", {}), "failed"


def _tell(process: subprocess.Popen, line: str) -> None:
    """Write one line to a child's stdin; a child that is gone already says so on its stdout, or by its exit."""
    try:
        process.stdin.write(line + "\n")  # type: ignore[union-attr] - a pipe
        process.stdin.flush()  # type: ignore[union-attr]
    except (OSError, ValueError):
        pass


def progress_html(job: AddJob, lang: str, now: float | None = None) -> str:
    """The progress bar while a document is added (its place in line while it waits; passages done of all, the
    rate and the time left while it is embedded), then one line saying how it went."""
    if job.phase == "failed" and job.error:
        key, fields = job.error
        return f'<div class="qa-status qa-status-error" role="alert">{html_escape(t(key, lang, **fields))}</div>'
    if job.phase == "done":
        key = "library.already" if job.unchanged else "library.added"
        text = html_escape(t(key, lang, title=job.title))
        return f'<div class="qa-status qa-status-done" role="status">{text}</div>'
    if job.phase == "cancelled":
        key = "library.cancelled_kept" if job.done else "library.cancelled"
        text = html_escape(t(key, lang, source=job.label, done=job.done))
        return f'<div class="qa-status qa-status-cancelled" role="status">{text}</div>'
    bar = "<progress></progress>"  # indeterminate: reading or fetching takes as long as it takes
    if job.phase == "saving":  # too late to stop it, if Cancel was pressed
        text = t("library.saving", lang, source=job.label)
    elif job.stopping.is_set():
        text = t("library.stopping", lang, source=job.label)
    elif job.phase == "embedding" and job.total:
        done = min(job.done, job.total)
        bar = f'<progress max="{job.total}" value="{done}"></progress>'
        rate, left = job.rate(), job.seconds_left(now)
        if rate is None or left is None:  # the first chunk is on its way: nothing to measure yet
            text = t("library.embedding", lang, source=job.label, done=done, total=job.total)
        else:
            text = t("library.embedding_rate", lang, source=job.label, done=done, total=job.total,
                     rate=format_rate(rate, lang), left=_duration(left, lang))  # fmt: skip
    elif job.phase == "waiting":
        text = t("library.queued", lang, source=job.label, place=_place(job.place, lang))
    else:
        text = t("library.reading", lang, source=job.label)
    return f'<div class="qa-status qa-progress" role="status">{bar}<span>{html_escape(text)}</span></div>'


def _duration(seconds: float, lang: str) -> str:
    """A time left, rounded as an estimate is: "45 s", "12 min", "1 h 20 min" (in `lang`)."""
    if seconds < 60:
        return t("library.time.seconds", lang, s=max(5, 5 * -(-int(seconds) // 5)))
    if seconds < 3600:
        return t("library.time.minutes", lang, m=-(-int(seconds) // 60))
    hours, minutes = divmod(round(seconds / 60), 60)
    return t("library.time.hours", lang, h=hours, m=minutes)


def _place(place: int, lang: str) -> str:
    """A place in line: "2nd" in English, "2" where the sentence says "place in line: 2"."""
    if lang in ("uk", "ru"):
        return str(place)
    suffix = "th" if 10 <= place % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(place % 10, "th")
    return f"{place}{suffix}"
