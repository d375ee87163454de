"""What a reply says, built once from an Answer, framed in the asker's language: every face renders this.

The terminal (qa.render) prints it as plain text and the web app as Markdown; neither decides what to say. The
quoted sentences keep their words verbatim, numbered [1], [2]… like the marks in the article; each is shown on one
line, its whitespace collapsed (a sentence of a hard-wrapped file holds the file's line breaks). The citation
itself, with its offsets, is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.answer import Answer, Citation
from qa.language import reply_language
from qa.messages import language_name, t

# An earlier question quoted in "reading this as a follow-up to …" is cut to this many characters.
QUOTED_QUESTION_CHARS = 80


@dataclass(frozen=True)
class QuoteLine:
    """One cited sentence as shown: its marker number, the text, where it stands and how closely it relates."""

    number: int  # 1-based: the [n] marker
    text: str  # the sentence as shown: its words verbatim, each run of whitespace (line breaks too) one space
    document: str  # the document's title when the reply names documents (a library of several), else ""
    paragraph: str  # "paragraph 3", in the reply's language
    relevance: str  # "strong" | "moderate" | "weak"
    relevance_label: str  # "closely related", in the reply's language
    citation: Citation

    @property
    def where(self) -> str:
        """ "Title · paragraph 3", or "paragraph 3" alone."""
        return f"{self.document} · {self.paragraph}" if self.document else self.paragraph


@dataclass(frozen=True)
class Reply:
    language: str  # the language the reply is framed in: "en" | "uk" | "ru"
    question_language: str  # what the question was written in (any ISO 639-1 code)
    other_language: str  # a note when the question is in a language we do not reply in, else ""
    reading: str  # "Reading this as a follow-up to “…”." (or the "more" note), else ""
    lead: str  # the line before the quotes, or the whole reply when there is nothing to quote
    answered: bool  # False: the quotes are weak guesses (or there are none)
    quotes: tuple[QuoteLine, ...]
    detected_language: str  # "Detected language: Ukrainian", in the reply's language


def build_reply(answer: Answer, *, titles: bool = False) -> Reply:
    """The reply to `answer`. `titles`: name each quote's document (when the index holds several)."""
    lang = reply_language(answer.language)
    other = (
        ""
        if lang == answer.language
        else t("answer.other_language", lang, language=language_name(answer.language, lang))
    )
    more = answer.reading is not None and answer.reading.kind == "more"
    if answer.citations and more:
        # The next closest sentences, not an answer: "the article doesn't seem to answer" would misread them.
        lead = t("answer.more_lead", lang)
    elif answer.citations:
        lead = t("answer.lead" if answer.answered else "answer.weak_lead", lang)
    else:
        lead = t("answer.no_more" if more else "answer.not_found", lang)
    quotes = tuple(
        QuoteLine(
            n,
            " ".join(c.text.split()),
            c.document if titles else "",
            t("citation.paragraph", lang, n=c.paragraph + 1),
            c.relevance,
            t("relevance." + c.relevance, lang),
            c,
        )
        for n, c in enumerate(answer.citations, 1)
    )
    detected = t("answer.detected_language", lang, language=language_name(answer.language, lang))
    return Reply(lang, answer.language, other, reading_note(answer, lang), lead, answer.answered, quotes, detected)


def reading_note(answer: Answer, lang: str) -> str:
    """How the question was read, for the asker: "" when it was read on its own."""
    reading = answer.reading
    if reading is None or reading.kind not in ("follow-up", "more") or not reading.earlier_question:
        return ""
    earlier = " ".join(reading.earlier_question.split())
    if len(earlier) > QUOTED_QUESTION_CHARS:
        earlier = earlier[: QUOTED_QUESTION_CHARS - 1].rstrip() + "…"
    return t("answer.follow_up" if reading.kind == "follow-up" else "answer.more", lang, question=earlier)
