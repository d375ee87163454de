"""The example questions offered under the chat for a document, in the page's language: only questions the
document answers.

The bundled article has hand-written ones (each answered in all three languages: tests/test_web.py). Any other
document gets questions made from its own words with one template a kind, in the page's language: the years it
names ("What happened in 1987?"), the names and terms it keeps coming back to ("Tell me about “Margaret Ellis”."),
its title, and "What is this article about?". Nothing is generated, so each is checked by asking it of the
document: it is offered only if the answer is given (not abstained) and its first quote is a sentence the question
was made from (one naming the year, the name or the term; the lead for the last two), never a heading. Headings
themselves make no questions: asked about, a heading quotes itself first. That is at most MAX_ASKED questions
asked once per document and language (ChatApp caches them), about 0.3 s.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa.messages import t
from qa.paths import DEFAULT_SOURCE
from qa.web.render import one_line

if TYPE_CHECKING:
    from qa.answer import Answer
    from qa.index import DocumentEntry
    from qa.sources import Block

# The bundled article's examples, by messages key: each reads naturally, and is answered, in all three languages.
EXAMPLES = (
    "example.biden",
    "example.casualties",
    "example.klitschko",
    "example.soldier_letter",
    "example.zelensky",
    "example.protests",
)
MAX_EXAMPLES = len(EXAMPLES)
MAX_ASKED = 10  # questions tried for one document and language: each is one question asked of it
_TITLE_CHARS = 90
_YEAR = re.compile(r"(?<![\d.,])(1[5-9]\d\d|20\d\d)(?![\d.,]\d)")
# One to three capitalised words in a row (Latin or Cyrillic), not at a sentence's start: a name.
_NAME = re.compile(r"(?<=[^.!?…:;«“\"(\s] )((?:[A-ZА-ЯЁІЇЄҐ][\w’'-]+ ){0,2}[A-ZА-ЯЁІЇЄҐ][\w’'-]{2,})")
# A word of six letters or more, in any script: a term the document may be about (shorter ones are mostly
# function words: "would", "every", "которые" is long but rare enough to lose to the document's own terms).
_TERM = re.compile(r"\b([^\W\d_]{6,})\b")
# Endings of verbs and adverbs (English, Ukrainian, Russian): "inspected", "говорит" make odd topics.
_VERBISH = re.compile(r"(?:ed|ing|ly|ть|ти|ться|тись|ет|ит|ут|ют|ят|ав|ал|ала|али|ало|ла|ли)$")


@dataclass(frozen=True)
class Candidate:
    """A question to try, and the paragraphs whose sentences count as its answer (sentences holding `word`,
    when it is set)."""

    key: str
    fields: dict[str, str]
    paragraphs: frozenset[int]
    word: str = ""


def bundled_examples(entry: DocumentEntry, lang: str) -> list[str] | None:
    """The hand-written examples in `lang` when `entry` is the bundled article, else None."""
    if entry.source != str(DEFAULT_SOURCE):
        return None
    return [t(key, lang) for key in EXAMPLES]


def suggested_questions(
    text: str, paragraphs: Sequence[Block], title: str, lang: str, ask: Callable[[str], Answer]
) -> list[str]:
    """Up to MAX_EXAMPLES questions in `lang` that the document answers. `ask(question)` asks the document alone;
    it is called at most MAX_ASKED times."""
    out = []
    for candidate in candidates(text, paragraphs, title)[:MAX_ASKED]:
        question = t(candidate.key, lang, **candidate.fields)
        try:
            answer = ask(question)
        except Exception:  # a question the service refuses is not an example; nothing else is at stake
            continue
        if _answers(answer, candidate, text, paragraphs):
            out.append(question)
            if len(out) == MAX_EXAMPLES:
                break
    return out


def _answers(answer: Answer, candidate: Candidate, text: str, paragraphs: Sequence[Block]) -> bool:
    """Whether the answer is given and its first quote is one the question was made from (never a heading)."""
    if not answer.answered or not answer.citations:
        return False
    first = answer.citations[0]
    if first.paragraph not in candidate.paragraphs or paragraphs[first.paragraph].kind == "heading":
        return False
    return not candidate.word or candidate.word.casefold() in text[first.start : first.end].casefold()


def candidates(text: str, paragraphs: Sequence[Block], title: str = "") -> list[Candidate]:
    """The questions worth trying, most telling first: the years a document names, its names, its terms, then the
    two any article has. Not its headings: asked about, a heading quotes itself first."""
    title = one_line(title).rstrip(".:;")
    prose = frozenset(n for n, block in enumerate(paragraphs) if block.kind != "heading")
    lead = frozenset(sorted(prose)[:2])
    found: list[Candidate] = []
    for year in _frequent(_YEAR, text, paragraphs):
        found.append(Candidate("example.year", {"year": year}, prose, year))
    # A name in the title or a heading, or a term of one (or of a name already asked about), would only lead
    # back to it.
    headings = [one_line(text[b.start : b.end]).casefold() for b in paragraphs if b.kind == "heading"]
    named = " ".join([title.casefold(), *headings])
    names = _frequent(_NAME, text, paragraphs, 3, once=lambda n: " " in n, keep=lambda n: n.casefold() not in named)
    taken = {word.casefold() for phrase in [named, *names] for word in _TERM.findall(phrase)}
    terms = _frequent(
        _TERM, text, paragraphs, keep=lambda w: w.islower() and w.casefold() not in taken and not _VERBISH.search(w)
    )
    for topic in [*names, *terms]:
        found.append(Candidate("example.topic", {"topic": topic}, prose, topic))
    if title and len(title) <= _TITLE_CHARS:
        found.append(Candidate("example.title", {"title": title}, lead))
    found.append(Candidate("example.about", {}, lead))
    return found


def _frequent(
    pattern: re.Pattern[str],
    text: str,
    paragraphs: Sequence[Block],
    limit: int = 2,
    once: Callable[[str], bool] = lambda _: True,
    keep: Callable[[str], bool] = lambda _: True,
) -> list[str]:
    """The matches of `pattern` in the document's prose that `keep` accepts, most frequent first (ties: first
    seen), at most `limit`; a match `once` refuses must occur at least twice."""
    counts: Counter[str] = Counter()
    for block in paragraphs:
        if block.kind != "heading":
            counts.update(one_line(m.group(1)) for m in pattern.finditer(text, block.start, block.end))
    ranked = [word for word, count in counts.most_common() if keep(word) and (count > 1 or once(word))]
    return ranked[:limit]
