"""The typed result of a question: an Answer made of Citations, each a verbatim sentence of the source."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Citation:
    text: str  # the sentence, verbatim: source_text[start:end] == text
    score: float  # higher is better; comparable within one index and model
    sentence_id: int  # 0-based, stable for a given source file
    paragraph: int  # 0-based
    source: str  # absolute path of the text it is a slice of: the source file itself for a plain-text file that
    # has not changed since indexing, else the text stored in the index (HTML, Markdown, URLs, pasted text)
    start: int  # character offsets into that text decoded as UTF-8
    end: int
    relevance: str  # "strong" | "moderate" | "weak": what a person is shown instead of the raw score
    document: str = ""  # the document's title
    document_id: str = ""  # its id in the index (`qa index info`)


@dataclass(frozen=True)
class Reading:
    """How a question asked in a conversation was read, so a UI can say "reading this as a follow-up to: …"."""

    kind: str  # "alone" (as if asked on its own) | "follow-up" (read against an earlier question and its answer)
    # | "more" (the next best citations for an earlier question)
    earlier_question: str = ""  # the earlier question it leaned on, as asked ("" when alone)
    turn: int | None = None  # that question's position in the history, 0 = oldest (None when alone)


@dataclass(frozen=True)
class Answer:
    question: str  # as asked
    language: str  # "en" | "uk" | "ru" | another ISO 639-1 code
    answered: bool  # False: the article does not seem to answer it; citations are then the weak best guesses
    citations: list[Citation] = field(default_factory=list)  # best first
    confidence: float = 0.0  # 0..1, how sure we are that the first citation answers the question
    reading: Reading | None = None  # None when asked without a history

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
