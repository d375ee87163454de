"""Plain-text rendering of an Answer for the terminal (`qa ask`, `qa chat`), in the asker's language."""

from __future__ import annotations

from qa.answer import Answer
from qa.reply import build_reply


def answer_text(answer: Answer, *, titles: bool = False) -> str:
    """The reply as terminal lines. `titles`: name each quote's document (when the index holds several)."""
    reply = build_reply(answer, titles=titles)
    lines = [line for line in (reply.other_language, reply.reading) if line]
    lines.append(reply.lead)
    for quote in reply.quotes:
        lines.append(f"[{quote.number}] {quote.text}")
        lines.append(f"    {quote.where} · {quote.relevance_label}")
    return "\n".join(lines)
