"""The page's event handlers: each takes the components' values and returns their new ones.

A ChatApp is a ProgramApi (qa.web.api) too, so the page and the programs ask one service and share its checks.
A reply is framed in the asker's language while the quoted sentences stay verbatim; the panel shows the document
the answer cites first, its cited sentences highlighted and numbered like the reply's markers. Everything that is
not a reply (the panel's words, the examples, adding a document) is in the page's language, the browser's
(qa.language's one rule). Every handler replies kindly rather than raise: the detail of a failure goes to the log.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.answer import Answer, Citation
from qa.errors import QAError, QuestionError
from qa.language import question_language, reply_language
from qa.messages import t
from qa.retrieval import MAX_K
from qa.sources import Upload
from qa.sources.files import is_blank
from qa.web.access import OPEN, Access
from qa.web.api import DEFAULT_K, ProgramApi
from qa.web.examples import bundled_examples, suggested_questions
from qa.web.jobs import MAX_UPLOAD_BYTES, AddJob, Library, progress_html
from qa.web.language import request_language
from qa.web.render import (
    article_html,
    document_heading_html,
    error_markdown,
    one_line,
    question_markdown,
    reply_markdown,
)
from qa.web.uploads import discard_when_done

if TYPE_CHECKING:
    import gradio as gr

    from qa.retrieval import Retriever
    from qa.service import LiveRetriever

log = logging.getLogger("qa")

ALL_DOCUMENTS = "*"  # the picker's "All articles"; document ids are slugs, never "*"
CHAT_HISTORY = 20  # the chat's earlier answers kept for reading follow-ups (the conversation looks a few back)


def import_gradio() -> Any:
    """gradio, imported for the page (once, the first time: it takes seconds)."""
    # Set before the first import: gradio reads it then. The app runs offline and must not try to phone home.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio

    # gradio finds the handlers' `request: gr.Request` parameters through typing.get_type_hints, which evaluates
    # the (postponed) annotations in this module's namespace: the name must exist here once gradio is loaded.
    globals()["gr"] = gradio
    return gradio


def file_label(name: str, lang: str) -> str:
    """A file as the add messages name it: quoted as the language quotes (as qa.web.jobs.Library does)."""
    return f"«{name}»" if lang in ("uk", "ru") else f"“{name}”"


def _slider_k(k: float | None) -> int:
    try:
        return min(max(int(round(k or DEFAULT_K)), 1), MAX_K)
    except (TypeError, ValueError):
        return DEFAULT_K


class ChatApp(ProgramApi):
    """The handlers behind the page, the /ask endpoint and POST /api/ask, around one service (a LiveRetriever)."""

    def __init__(
        self,
        service: LiveRetriever,
        *,
        allow_private_urls: bool = False,
        own_port: int | None = None,
        access: Access = OPEN,
    ) -> None:
        super().__init__(service)
        self.library = Library(service, allow_private_urls=allow_private_urls, own_port=own_port)
        self.access = access  # who may add documents (qa.web.access); asking is open to all
        self._texts: dict[str, str] = {}  # stored texts by file name, which is their SHA-256: never stale
        self._examples: dict[tuple[str, str], list[str]] = {}  # by (stored text's name, language): never stale

    # -- the library, as the page shows it

    def _text(self, retriever: Retriever, doc: int) -> str:
        name = retriever.documents[doc].text
        if name not in self._texts:
            self._texts[name] = retriever.index.text_path(doc).read_text(encoding="utf-8")
        return self._texts[name]

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

    def examples(self, document: str | None, lang: str = "en") -> list[list[str]]:
        """The example questions in `lang` for a document (the library's first when it is not there), as Dataset
        samples: questions it answers (qa.web.examples), found once per document and language."""
        try:
            retriever = self.service.retriever()
            doc = self._position(retriever, document) or 0
            entry = retriever.documents[doc]
            key = (entry.text, lang)  # the stored text's name is its SHA-256: the same text, the same examples
            if key not in self._examples:
                questions = bundled_examples(entry, lang)
                if questions is None:
                    questions = suggested_questions(
                        self._text(retriever, doc),
                        retriever.index.paragraphs[doc],
                        retriever.sentences[entry.first : entry.first + entry.sentences],
                        entry.title,
                        lang,
                        lambda question: retriever.ask(question, DEFAULT_K, document=entry.id),
                    )
                self._examples[key] = questions
            questions = self._examples[key]
        except Exception:
            log.exception("qa: making examples failed")
            questions = []
        return [[question] for question in questions]

    def _examples_update(self, document: str | None, lang: str) -> Any:
        import gradio as gr

        samples = self.examples(document, lang)
        return gr.Dataset(samples=samples, visible=bool(samples))  # no examples: no empty "Try asking"

    def choices(self, lang: str) -> list[tuple[str, str]]:
        """The picker: "All articles", then each document by title (with its id where two titles are the same)."""
        try:
            documents = self.service.retriever().documents
        except Exception:
            log.exception("qa: listing the documents failed")
            documents = []
        titles = [one_line(d.title) or d.id for d in documents]
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

    def reply(
        self,
        message: str,
        k: int,
        previous_lang: str,
        document: str | None = None,
        history: list[str | dict] | None = None,
    ) -> tuple[str, str, Answer | None]:
        """(reply markdown, reply language, answer or None). Never raises: every failure is a friendly reply."""
        lang = question_language(message, previous_lang)
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

    def api_ask(
        self,
        question: str,
        k: int = DEFAULT_K,
        history: list | None = None,
        document: str | None = None,
        request: gr.Request | None = None,
    ) -> dict[str, Any]:
        """Answer a question by quoting up to k sentences of the library (Answer.to_dict()).

        history: earlier questions of the conversation, oldest first, as strings or as earlier answers; document:
        a document id to ask only that document (None: all). Raises gr.Error with the message in the question's
        language when the question is empty, too long or has no words, when k is not a whole number from 1 to
        20, when history is not such a list, or when there is no such document.
        """
        return self.gradio_ask(question, k, history, document, request_language(request))

    # -- event handlers. The chat takes two steps so the question shows at once and the answer follows.

    def add_question(self, message: str | None, history: list[dict], lang: str) -> tuple[str, list[dict], str]:
        message = message or ""
        if message.strip():
            shown_lang = question_language(message, lang)
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
        thread: str | None = None,
        request: gr.Request | None = None,
    ) -> tuple[list[dict], str, str, list[dict], str, str]:
        """(chat, panel, language, the answers so far, the document in the panel, the thread's document).

        `answers` (the conversation's earlier answers, read for follow-ups) were asked with the picker at `thread`
        (None: not known, kept). A question asked after the picker moved to another document, by hand or to a
        document just added, starts a new thread: it is never read as a follow-up to one about another document."""
        picked = picked or ALL_DOCUMENTS
        document = None if picked == ALL_DOCUMENTS else picked
        answers = list(answers or []) if thread in (None, picked) else []
        text, lang, answer = self.reply(message or "", _slider_k(k), lang, document, answers)
        history = [*history, {"role": "assistant", "content": text}]
        if answer is not None:
            answers = [*answers, answer.to_dict()][-CHAT_HISTORY:]
        cited = answer.citations if answer else ()
        panel, shown = self.article_view(cited, document or shown, request_language(request))
        return history, panel, lang, answers, shown, picked

    def example(self, sample: list[str] | None, history: list[dict], lang: str) -> tuple[str, list[dict], str, list]:
        """An example was clicked: it is asked like a typed question, as the first of a new thread (an example is
        a whole question, never a follow-up, and may be about another document than the conversation so far)."""
        return (*self.add_question(sample[0] if sample else "", history, lang), [])

    def clear(self, picked: str | None = None, shown: str | None = None) -> tuple[list[dict], str, str, list[dict]]:
        document = None if picked in (None, "", ALL_DOCUMENTS) else picked
        return [], self.article(document=document or shown), "", []

    def pick(self, picked: str | None, shown: str | None, request: gr.Request | None = None) -> tuple:
        """The picker changed: show that document and its examples ("All articles" keeps the one shown)."""
        lang = request_language(request)
        document = shown if picked in (None, "", ALL_DOCUMENTS) else picked
        panel, shown = self.article_view((), document, lang)
        return panel, self._examples_update(shown, lang), shown

    def refresh_picker(self, picked: str | None, request: gr.Request | None = None) -> Any:
        """The picker opened: list the library as it is now (someone else may have added to it meanwhile)."""
        import gradio as gr

        choices = self.choices(request_language(request))  # the page's own words follow the browser
        value = picked if picked in {value for _, value in choices} else ALL_DOCUMENTS
        return gr.Dropdown(choices=choices, value=value)

    def page_load(self, request: gr.Request | None = None) -> tuple:
        """A page opened: the library as it is now (documents may have been added since the app started)."""
        import gradio as gr

        lang = request_language(request)
        panel, shown = self.article_view((), None, lang)
        return (
            gr.Dropdown(choices=self.choices(lang), value=ALL_DOCUMENTS),
            panel,
            self._examples_update(shown, lang),
            shown,
            gr.Accordion(visible=self.access.may_change(request)),  # "Use another article": the owner's only
        )

    def _follow(self, job: AddJob, lang: str, request: gr.Request | None = None) -> Iterator[tuple[str, dict | None]]:
        self.library.remember(getattr(request, "session_hash", None), job)  # for this page's Cancel button
        while not job.finished.wait(0.25):
            yield progress_html(job, lang), None
        done = {"document": job.document} if job.phase == "done" else None
        yield progress_html(job, lang), done

    def cancel_add(self, request: gr.Request | None = None) -> None:
        """Cancel: stop what this page is adding; its progress line then says so (qa.web.jobs.Library.cancel)."""
        if self.access.may_change(request):
            self.library.cancel_session(getattr(request, "session_hash", None))

    # Adding a document: its progress and how it went are in the page's language, whatever the chat's.

    def add_file(self, path: str | None, request: gr.Request | None = None) -> Iterator:
        lang = request_language(request)
        job = self._file_job(path, lang) if self.access.may_change(request) else self._refused()
        try:
            yield from self._follow(job, lang, request)
        finally:
            discard_when_done(job, path)  # added or refused, the library needs only its text (qa.web.uploads)

    def _file_job(self, path: str | None, lang: str) -> AddJob:
        """The job adding an uploaded file, recorded by the name it was uploaded with ("upload: NAME")."""
        if not path:
            return self.library.add_file(None, lang)  # says there is nothing to add
        name = Path(path).name
        try:
            # As `qa index add` says "source file is empty" for it: one cause, one message.
            blank = os.path.getsize(path) <= MAX_UPLOAD_BYTES and is_blank(Path(path).read_bytes())
        except OSError:  # removed after an earlier try, or by gradio's sweep
            return AddJob(file_label(name, lang)).fail("library.error.upload_gone")
        if blank:
            return AddJob(file_label(name, lang)).fail("library.error.empty")
        return self.library.add_file(Upload(path, name), lang)  # type: ignore[arg-type] - a path-like

    def add_text(self, text: str | None, title: str | None, request: gr.Request | None = None) -> Iterator:
        lang = request_language(request)
        allowed = self.access.may_change(request)
        job = self.library.add_text(text, title, lang) if allowed else self._refused()
        yield from self._follow(job, lang, request)

    def add_url(self, url: str | None, request: gr.Request | None = None) -> Iterator:
        lang = request_language(request)
        allowed = self.access.may_change(request)
        yield from self._follow(self.library.add_url(url, lang) if allowed else self._refused(), lang, request)

    @staticmethod
    def _refused() -> AddJob:
        # The page hides adding from those who may not; this is for a request sent without the page.
        return AddJob("").fail("library.error.owner_only")

    def after_add(self, added: dict | None, upload: str | None = None, request: gr.Request | None = None) -> tuple:
        """After a document was added: the picker lists it and is set to it; the panel and the examples show it;
        the file, text and address fields are emptied. After a failure nothing changes, so the input can be fixed,
        but a refused file (removed from the server by then) leaves the file field, to be chosen again."""
        import gradio as gr

        if not added:
            gone = upload is not None and not os.path.exists(upload)
            return (*(gr.skip(),) * 4, None if gone else gr.skip(), *(gr.skip(),) * 3)
        lang = request_language(request)
        panel, shown = self.article_view((), added["document"], lang)
        return (
            gr.Dropdown(choices=self.choices(lang), value=shown),
            panel,
            self._examples_update(shown, lang),
            shown,
            None,
            "",
            "",
            "",
        )
