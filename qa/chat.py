"""`qa chat`: a conversation in the terminal, or one JSON answer per line of input for scripts.

Both keep the conversation (qa.conversation): a follow-up is read against the earlier turns, "more" continues
the last question. A question that cannot be asked is answered with one localised line and the chat goes on.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TextIO

from qa.answer import Answer
from qa.conversation import MAX_HISTORY
from qa.errors import QAError, QuestionError
from qa.language import locale_language, question_language, reply_language
from qa.messages import t

if TYPE_CHECKING:
    from qa.service import LiveRetriever

log = logging.getLogger("qa")

PROMPT = "› "


class Chat:
    """One conversation with a service: ask() answers a line and remembers it."""

    def __init__(self, service: LiveRetriever, k: int, document: str | None) -> None:
        self.service = service
        self.k = k
        self.document = document
        self.history: list[Answer] = []
        self.lang = "en"  # the language of the last question, for messages that have no question of their own
        retriever = service.retriever()  # a missing index or an unknown document fails here, before any question
        retriever.rows(document)
        self.titles = document is None and len(retriever.documents) > 1

    def ask(self, question: str) -> Answer:
        """The answer, or QuestionError / QAError / any other exception for the caller to report."""
        answer = self.service.ask(question, self.k, document=self.document, history=self.history)
        self.history = [*self.history, answer][-MAX_HISTORY:]
        self.lang = reply_language(answer.language)
        return answer

    def error(self, exc: Exception, question: str) -> tuple[str, str]:
        """(messages key, the localised one-line message) for a failed question."""
        lang = question_language(question, self.lang)  # qa.language's rule: the question's, else the chat's
        if isinstance(exc, QuestionError):
            return exc.key, t(exc.key, lang, **exc.fields)
        if isinstance(exc, QAError):  # the index went missing or bad mid-chat: say what, in its own words
            return "error.index", str(exc)
        log.exception("qa: answering %r failed", question[:200])
        return "error.internal", t("error.internal", lang)


def run_json(chat: Chat, lines: Iterable[str], out: TextIO) -> None:
    """Each input line is a question; each output line is its Answer.to_dict() or {"error": …}, flushed at once."""
    for number, line in enumerate(lines, 1):
        question = line.rstrip("\r\n")
        try:
            data = chat.ask(question).to_dict()
        except Exception as exc:
            key, message = chat.error(exc, question)
            data = {"error": message, "key": key, "line": number}
        text = json.dumps(data, ensure_ascii=False)
        # Input bytes that are not UTF-8 arrive as lone surrogates (PEP 383): keep them as JSON \\udcff escapes.
        out.write(text.encode("utf-8", "backslashreplace").decode("utf-8") + "\n")
        out.flush()


def run_interactive(chat: Chat, read: Callable[[str], str], out: TextIO, err: TextIO) -> None:
    """Prompt, answer, repeat until end of input (Ctrl-D). Ctrl-C drops the line being typed, or the answer being
    looked for."""
    from qa.render import answer_text

    out.write(t("chat.welcome", locale_language()) + "\n")
    while True:
        try:
            question = read(PROMPT)
        except EOFError:
            out.write("\n")
            return
        except KeyboardInterrupt:
            out.write("\n")
            continue
        if not question.strip():
            continue
        try:
            answer = chat.ask(question)
        except KeyboardInterrupt:  # Ctrl-C while answering: drop this question, keep the chat
            out.write("\n")
            continue
        except Exception as exc:
            err.write(chat.error(exc, question)[1] + "\n")
            err.flush()
            continue
        out.write(answer_text(answer, titles=chat.titles) + "\n\n")
        out.flush()


def line_editor() -> Callable[[str], str]:
    """input() with line editing and history when on a terminal (readline); plain input() otherwise."""
    if sys.stdin.isatty():
        try:
            import readline

            readline.set_history_length(1000)
        except ImportError:  # a Python built without readline still chats, without line editing
            pass
    return input
