"""Which language the page speaks to a person, by qa.language's one rule: about a question, the question's own
language (question_language); about anything else (the page's words, adding a document), the browser's
(Accept-Language, read from the page event's request here).

Detection itself is qa.language's; this module only finds the browser's language in a gradio request.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from qa.language import accepted_language, question_language

if TYPE_CHECKING:
    import gradio as gr

__all__ = ["accepted_language", "has_letter", "question_language", "request_language"]

_LETTER = re.compile(r"[^\W\d_]")


def has_letter(text: str) -> bool:
    """Whether `text` holds a letter of any script (not only digits, punctuation or emoji)."""
    return _LETTER.search(text) is not None


def request_language(request: gr.Request | None) -> str:
    """The browser's language for a page event (accepted_language of its request), "en" without one."""
    try:
        return accepted_language(request.headers.get("accept-language") if request is not None else None)
    except Exception:  # a request object without headers (called from a script)
        return "en"
