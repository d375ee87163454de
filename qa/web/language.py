"""Which language the page answers a person in: their message's own, else the conversation's so far; before the
first message, and for the page's own words, the browser's (Accept-Language).

Detection itself is qa.language's; this module only decides whose language counts on the page.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from qa.language import SUPPORTED, detect_language, reply_language

if TYPE_CHECKING:
    import gradio as gr

# Enough of a message to tell its language; detect_language looks no further than this anyway.
_DETECT_CHARS = 1000
_LETTER = re.compile(r"[^\W\d_]")


def has_letter(text: str) -> bool:
    """Whether `text` holds a letter of any script (not only digits, punctuation or emoji)."""
    return _LETTER.search(text) is not None


def message_language(message: str, previous: str) -> str:
    """The language to reply in; a message with no letters (empty, emoji) keeps the conversation's language."""
    if not has_letter(message[:_DETECT_CHARS]):
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


def request_language(request: gr.Request | None) -> str:
    """The browser's language for a page event (accepted_language of its request), "en" without one."""
    try:
        return accepted_language(request.headers.get("accept-language") if request is not None else None)
    except Exception:  # a request object without headers (called from a script)
        return "en"
