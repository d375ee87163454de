"""qa.reply: the one reply every face renders (the terminal's lines, the web app's Markdown)."""

from __future__ import annotations

from qa.answer import Answer, Citation
from qa.messages import t
from qa.render import answer_text
from qa.web import reply_markdown

# A sentence of a hard-wrapped source: the line break is the source's, not the sentence's.
WRAPPED = "The ferry between Kerrow and the\nisland runs  twice a day,\n   weather permitting."
SHOWN = "The ferry between Kerrow and the island runs twice a day, weather permitting."


def _wrapped_answer() -> Answer:
    citation = Citation(WRAPPED, 0.9, 3, 1, "/x/ferry.txt", 120, 120 + len(WRAPPED), "strong", "Ferry", "ferry")
    return Answer("How often does the ferry run?", "en", True, [citation], 0.9)


def test_a_quote_from_a_hard_wrapped_source_is_shown_on_one_line_in_the_terminal():
    """Quotes used to keep the source's line breaks ("…between Kerrow and the⏎island…")."""
    answer = _wrapped_answer()
    assert answer_text(answer).splitlines() == [
        t("answer.lead", "en"),
        f"[1] {SHOWN}",
        f"    {t('citation.paragraph', 'en', n=2)} · {t('relevance.strong', 'en')}",
    ]
    assert answer.citations[0].text == WRAPPED  # the citation itself stays verbatim: its offsets are unchanged


def test_a_quote_from_a_hard_wrapped_source_is_shown_on_one_line_in_the_chat():
    reply = reply_markdown(_wrapped_answer())
    assert f"> **[1]** {SHOWN}\n>\n> _" in reply
