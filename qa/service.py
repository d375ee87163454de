"""What the faces ask: a Retriever that also reads conversations, and one that follows its index directory.

`Retriever` is retrieval's Retriever plus `history` (qa.conversation reads a follow-up against it). `LiveRetriever`
switches to a new build once that build is complete: the web app and `qa.ask` hold one. A rebuild in another
process never disturbs a question in flight: the old Retriever keeps answering until the new build is live and
loaded.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from qa import conversation, retrieval
from qa.answer import Answer
from qa.embed import model_id_for
from qa.errors import BadIndexError, IndexMissingError
from qa.index import build_index, live_build_id, read_manifest
from qa.paths import DEFAULT_MODEL, DEFAULT_SOURCE, default_index_dir

log = logging.getLogger("qa")


class Retriever(retrieval.Retriever):
    """Answers questions from one index directory, on their own or within a conversation. Safe to share between
    threads."""

    def ask(self, question: str, k: int = 3, *, document: str | None = None, history: object = None) -> Answer:
        """Up to k cited sentences, best first, from every document or from the one with id `document`.

        `history`: the conversation so far, oldest first (questions, Answers or their dicts); a follow-up is then
        read against it (qa.conversation). Without it nothing changes."""
        if history is None:
            return super().ask(question, k, document=document)
        return conversation.ask(self, question, k, document, history)


class LiveRetriever:
    def __init__(
        self,
        index_dir: str | Path,
        *,
        source: str | Path | None = None,
        model: str | None = None,
        auto_build: bool = False,
    ) -> None:
        self.index_dir = Path(index_dir).expanduser().absolute()
        self.source = source
        self.model = model
        self.auto_build = auto_build
        self._lock = threading.Lock()
        self._retriever: Retriever | None = None
        self._build_id = ""
        # A live build that failed to load, not retried on every question ("" when CURRENT itself is unreadable).
        self._broken_build_id: str | None = None

    def retriever(self) -> Retriever:
        build_id = live_build_id(self.index_dir)
        if self._retriever is not None and build_id in (self._build_id, self._broken_build_id):
            return self._retriever
        with self._lock:
            build_id = live_build_id(self.index_dir)
            if self._retriever is None or build_id not in (self._build_id, self._broken_build_id):
                try:
                    retriever = self._open()
                    # The build actually loaded: CURRENT may already name a newer one, which the next call opens.
                    self._retriever, self._build_id = retriever, retriever.index.build_dir.name
                except BadIndexError:
                    if self._retriever is None:
                        raise
                    # A broken new build must not take the service down: keep answering from the old one.
                    self._broken_build_id = build_id
                    log.warning("qa: keeping the previous index; the new one in %s did not load", self.index_dir)
            return self._retriever

    def _open(self) -> Retriever:
        if self.auto_build:
            reason = self._why_rebuild()
            if reason:
                log.warning("qa: building the index in %s (%s)", self.index_dir, reason)
                build_index(self.source or DEFAULT_SOURCE, self.index_dir, self.model or DEFAULT_MODEL)
        # An auto-built index is whatever library the user made of it since: only its model is required.
        return Retriever.load(self.index_dir, source=None if self.auto_build else self.source, model=self.model)

    def _why_rebuild(self) -> str:
        try:
            _, manifest = read_manifest(self.index_dir)
        except IndexMissingError:
            return "no index yet"
        except BadIndexError as exc:
            return f"the existing one is unusable: {exc}"
        # Only the model decides: a library whose files changed is the user's to refresh (`qa index add`), never
        # to be replaced by the bundled article.
        model = self.model or DEFAULT_MODEL
        if model_id_for(model) != manifest.model_id:
            return f"it was built with model {manifest.model!r}, not {model!r}"
        return ""

    def ask(self, question: str, k: int = 3, *, document: str | None = None, history: object = None) -> Answer:
        return self.retriever().ask(question, k, document=document, history=history)


_default: LiveRetriever | None = None
_default_lock = threading.Lock()


def default_service() -> LiveRetriever:
    """The bundled article with the default model, in the default index directory, built when needed."""
    global _default
    with _default_lock:
        index_dir = default_index_dir()
        if _default is None or _default.index_dir != index_dir:
            _default = LiveRetriever(index_dir, source=DEFAULT_SOURCE, model=DEFAULT_MODEL, auto_build=True)
        return _default


def ask(question: str, k: int = 3, *, document: str | None = None, history: object = None) -> Answer:
    """Answer `question` from the default index (the bundled article, or the library built there): up to k cited
    sentences, best first, from every document or only from the one with id `document`.

    `history` is the conversation so far, oldest first: earlier questions (str) or Answers (or their to_dict()
    dicts). A follow-up ("and when?", "а що ще він сказав?") is then read against it, "more" gives the next
    best sentences for the earlier question, and `answer.reading` says how the question was read.

    Raises ValueError for an empty, too long or wordless question or a malformed history, QAError for an unknown
    document.
    """
    return default_service().ask(question, k, document=document, history=history)
