"""Plain-text rendering of an Answer for the terminal, in the asker's language."""

from __future__ import annotations

from qa.answer import Answer
from qa.language import reply_language
from qa.messages import language_name, t


def answer_text(answer: Answer) -> str:
    lang = reply_language(answer.language)
    lines = []
    if lang != answer.language:
        lines.append(t("answer.other_language", lang, language=language_name(answer.language, "en")))
    if not answer.citations:
        lines.append(t("answer.not_found", lang))
        return "\n".join(lines)
    lines.append(t("answer.lead" if answer.answered else "answer.weak_lead", lang))
    for n, c in enumerate(answer.citations, 1):
        lines.append(f"[{n}] {c.text}")
        lines.append(f"    {t('citation.paragraph', lang, n=c.paragraph + 1)} · {t('relevance.' + c.relevance, lang)}")
    return "\n".join(lines)
