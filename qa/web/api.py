"""Questions from programs. Two ways in, both answering Answer.to_dict():

- the named Gradio endpoint /ask: `Client(url).predict(question, k, history, document, api_name="/ask")`; a bad
  request raises gradio's AppError carrying the message in the question's language;
- plain JSON: `POST /api/ask` with {"question": ..., "k": 3, "history": [...], "document": null}; a bad request
  gets a 4xx status and {"error": "..."} in the question's language.

What a request may hold, and the status and message for each mistake, are decided here once for both. The page's
handlers (qa.web.handlers.ChatApp) build on ProgramApi, so the page and the programs share one service.

Messages follow qa.language's one rule: about a question, its language; a request with no question in it (bad
JSON, too large), the client's Accept-Language (`interface`).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from qa.conversation import MAX_HISTORY
from qa.errors import QAError, QuestionError
from qa.messages import t
from qa.retrieval import MAX_K
from qa.web.language import accepted_language, question_language

if TYPE_CHECKING:
    from qa.answer import Answer
    from qa.retrieval import Retriever
    from qa.service import LiveRetriever

log = logging.getLogger("qa")

DEFAULT_K = 3
MAX_BODY_BYTES = 2 * 1024 * 1024  # a /api/ask request: a question, k and a history of answers fit many times over
_DRAIN_BYTES = 8 * MAX_BODY_BYTES


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


class ProgramApi:
    """The handlers behind /ask and POST /api/ask, around one service (a LiveRetriever)."""

    def __init__(self, service: LiveRetriever) -> None:
        self.service = service

    @staticmethod
    def _position(retriever: Retriever, document: str | None) -> int | None:
        for n, entry in enumerate(retriever.documents):
            if entry.id == document:
                return n
        return None

    def _unknown_document(self, document: str) -> bool:
        try:
            return self._position(self.service.retriever(), document) is None
        except Exception:
            return False

    def _ask(self, question: str, k: int, document: str | None, history: list[str | dict] | None) -> Answer:
        # history=None: asked on its own (the answer has no `reading`); a list, even empty: within a conversation.
        return self.service.ask(question, k, document=document, history=history)

    def check_request(self, question: object, k: object, history: object, document: object, interface: str = "en"
                      ) -> tuple:  # fmt: skip
        """(question, k, history, document, language) of a request, or BadRequest saying what is wrong.
        `interface`: the client's language, for a request without a question."""
        if not isinstance(question, str):
            raise BadRequest(400, t("error.missing_question", interface))
        lang = question_language(question, interface)
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

    def ask_request(self, question: object, k: object = DEFAULT_K, history: object = None, document: object = None,
                    interface: str = "en"):  # fmt: skip
        """Answer.to_dict() for a request from a program, or BadRequest (4xx; 500 for our own failures)."""
        question, count, turns, document, lang = self.check_request(question, k, history, document, interface)
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

    def gradio_ask(self, question: str, k: object, history: object, document: object, interface: str = "en"
                   ) -> dict[str, Any]:  # fmt: skip
        """The /ask endpoint (ChatApp.api_ask): Answer.to_dict(), or gr.Error carrying the message."""
        import gradio as gr

        try:
            return self.ask_request(question, k, history, document, interface)
        except BadRequest as exc:
            raise gr.Error(exc.message, print_exception=False) from None

    def json_ask(self, body: bytes, interface: str = "en") -> tuple[int, dict[str, Any]]:
        """POST /api/ask: (HTTP status, Answer.to_dict() or {"error": message}). `interface`: the client's
        language (its Accept-Language), for a request without a question."""
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return 400, {"error": t("error.bad_json", interface)}
        if not isinstance(data, dict):
            return 400, {"error": t("error.bad_json", interface)}
        try:
            return 200, self.ask_request(
                data.get("question"), data.get("k", DEFAULT_K), data.get("history"), data.get("document"), interface
            )
        except BadRequest as exc:
            return exc.status, {"error": exc.message}


def json_bytes(payload: object) -> bytes:
    # A question with lone surrogates (JSON allows "\ud800") cannot be UTF-8: keep them as JSON's own escapes.
    return json.dumps(payload, ensure_ascii=False).encode("utf-8", "backslashreplace")


def api_routes(api: ProgramApi) -> list[Any]:
    """POST /api/ask on the FastAPI app gradio serves: JSON in, Answer.to_dict() or {"error": ...} out."""
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import Response
    from starlette.routing import Route

    def respond(status: int, payload: object) -> Response:
        return Response(json_bytes(payload), status_code=status, media_type="application/json")

    async def ask(request: Request) -> Response:
        interface = accepted_language(request.headers.get("accept-language"))
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
            return respond(400, {"error": t("error.bad_json", interface)})
        if seen > MAX_BODY_BYTES:
            # Read (and dropped) to the end where it is not huge, so the client gets to read this answer.
            return respond(413, {"error": t("error.request_too_large", interface, limit=MAX_BODY_BYTES // 1024)})
        # The model runs outside the event loop, so the server keeps accepting and parsing other requests.
        status, payload = await run_in_threadpool(api.json_ask, bytes(body), interface)
        return respond(status, payload)

    # A plain Starlette route: the endpoint reads the body itself, so every bad request gets our own message.
    return [Route("/api/ask", ask, methods=["POST"])]
