"""What a question may be, and the form every channel reads it in."""

from __future__ import annotations

import re
import unicodedata

from qa.errors import QuestionError

MAX_QUESTION_CHARS = 2000
# What the model reads of a long question: embedding cost grows with its length (a 2,000-character question took
# 1.75 s and held the model from everyone else); the first 1,000 characters carry the question.
MAX_EMBED_CHARS = 1000
MAX_K = 20
_WORD = re.compile(r"\w")


def clean_question(question: str) -> str:
    """The question as the model should see it, or QuestionError (a ValueError) saying what is wrong."""
    if not isinstance(question, str):
        raise TypeError(f"question must be a str, not {type(question).__name__}")
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"question is too long: {len(question)} characters, the limit is {MAX_QUESTION_CHARS}",
            "error.question_too_long",
            length=len(question),
            limit=MAX_QUESTION_CHARS,
        )
    # Control characters and lone surrogates carry no meaning and cannot cross into the C engine as UTF-8.
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in question)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("question is empty", "error.empty_question")
    if not _WORD.search(text):
        raise QuestionError("question has no words to search for", "error.no_letters")
    return text


def check_k(k: object) -> None:
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise ValueError(f"k must be an integer from 1 to {MAX_K}, got {k!r}")
