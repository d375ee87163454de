"""The example questions offered under the chat for a document, in the page's language: only questions the
document answers.

The bundled article has hand-written ones (each answered in all three languages: tests/test_web.py). Any other
document gets questions made from its own words with one template a kind, in the page's language: the years it
names ("What happened in 1987?"), the names and terms it keeps coming back to ("Tell me about “Margaret Ellis”."),
the two rarest words of its paragraphs' sentences ("What is said about cooperative and orchard?": a small document
repeats few words), its title, and "What is this article about?". A question made of words that read as another
language than the page's is not tried. Nothing is generated, so each is checked by asking it of the document: it
is offered only if the answer is given (not abstained) and its first quote is a sentence the question was made
from (one naming the year, the name, the term or both words; the lead for the last two), never a heading. Headings
themselves make no questions: asked about, a heading quotes itself first. That is at most MAX_ASKED questions
asked once per document and language (ChatApp caches them), about 0.3 s.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa.language import question_language
from qa.messages import t
from qa.paths import DEFAULT_SOURCE
from qa.web.render import one_line

if TYPE_CHECKING:
    from qa.answer import Answer
    from qa.index import DocumentEntry, Row
    from qa.sources import Block, Sentence

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
    """A question to try, and the paragraphs whose sentences count as its answer (sentences holding every one of
    `words`, when there are any)."""

    key: str
    fields: dict[str, str]
    paragraphs: frozenset[int]
    words: tuple[str, ...] = ()


def bundled_examples(entry: DocumentEntry, lang: str) -> list[str] | None:
    """The hand-written examples in `lang` when `entry` is the bundled article, else None."""
    if entry.source != str(DEFAULT_SOURCE):
        return None
    return [t(key, lang) for key in EXAMPLES]


def suggested_questions(
    text: str,
    paragraphs: Sequence[Block],
    sentences: Sequence[Sentence | Row],
    title: str,
    lang: str,
    ask: Callable[[str], Answer],
) -> list[str]:
    """Up to MAX_EXAMPLES questions in `lang` that the document answers. `ask(question)` asks the document alone;
    it is called at most MAX_ASKED times."""
    out = []
    asked = 0
    for candidate in candidates(text, paragraphs, sentences, title):
        question = t(candidate.key, lang, **candidate.fields)
        if question_language(question) != lang:
            continue  # made of the document's words, it reads as their language: not an example on this page
        if asked == MAX_ASKED:
            break
        asked += 1
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
    quote = text[first.start : first.end].casefold()
    return all(word.casefold() in quote for word in candidate.words)


def candidates(
    text: str, paragraphs: Sequence[Block], sentences: Sequence[Sentence | Row], title: str = ""
) -> list[Candidate]:
    """The questions worth trying, most telling first: the years a document names, its names, its terms, then the
    two any article has. Not its headings: asked about, a heading quotes itself first."""
    title = one_line(title).rstrip(".:;")
    prose = frozenset(n for n, block in enumerate(paragraphs) if block.kind != "heading")
    lead = frozenset(sorted(prose)[:2])
    found: list[Candidate] = []
    for year in _frequent(_YEAR, text, paragraphs):
        found.append(Candidate("example.year", {"year": year}, prose, (year,)))
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
        found.append(Candidate("example.topic", {"topic": topic}, prose, (topic,)))
    found += _sentence_candidates(paragraphs, sentences, prose)
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


# Words a sentence is about: letters, with inner digits, hyphens, apostrophes or underscores ("four-hour",
# "CHROOT_DIR"). Function words of four letters or more are not (the short ones never are).
_WORD = re.compile(r"[^\W\d_](?:[\w’'-]*[^\W_])?")
_CAPITAL = re.compile(r"[A-ZА-ЯЁІЇЄҐ]")
_STOP = frozenset(
    """about above after again against along also among another around because been before being below between both
    could does doing down during each either else every from further have having here into itself just least less
    many more most much must near never only other ought over same shall should since some such than that their
    them then there these they this those though through thus under unless until upon very were what when where
    whether which while whom whose will with within without would your
    який яка яке які якого якої яких якому якій якими цього цієї цих того тієї тих також може можна тому коли якщо
    буде будуть були було була його їхні їхній вони воно вона щоби після перед через лише тільки навіть адже
    проте однак серед більш менш дуже цей ця це ці свій своє свої своїх який-небудь
    который которая которое которые которого которой которых этого этой этих того тоже также может можно поэтому
    когда если будет будут были было была него она они оно чтобы после перед через только даже однако среди
    более менее очень этот эта это эти свой своё свои своих
    three four five seven eight nine eleven twelve twenty thirty forty fifty sixty seventy eighty ninety hundred
    thousand million""".split()
)
_SENTENCES_TRIED = MAX_ASKED


def _sentence_candidates(
    paragraphs: Sequence[Block], sentences: Sequence[Sentence | Row], prose: frozenset[int]
) -> list[Candidate]:
    """A question about two words of one of the document's sentences (the two it uses least, in the sentence's
    order), for the first sentence of each paragraph that is not a heading, then the second of each, and so on."""
    by_paragraph: dict[int, list[str]] = {}  # in the document's order
    for sentence in sentences:
        if paragraphs[sentence.paragraph].kind != "heading":
            by_paragraph.setdefault(sentence.paragraph, []).append(one_line(sentence.text))
    counts = Counter(w.casefold() for row in by_paragraph.values() for s in row for w in _WORD.findall(s))
    found: list[Candidate] = []
    rounds = [s for row in itertools.zip_longest(*by_paragraph.values()) for s in row if s]
    for sentence in rounds:
        terms = _terms(sentence)
        if len(terms) < 2:
            continue
        # the rarest words say most about which sentence is meant (a name counts by its last word)
        terms.sort(key=lambda w: (counts[w.split()[-1].casefold()], -len(w)))
        pair = sorted(terms[:2], key=sentence.index)
        found.append(Candidate("example.pair", {"a": pair[0], "b": pair[1]}, prose, tuple(pair)))
        if len(found) == _SENTENCES_TRIED:
            break
    return found


def _terms(sentence: str) -> list[str]:
    """The words and names of `sentence` that may stand for what it says, each once."""
    words = list(_WORD.finditer(sentence))
    out: dict[str, str] = {}
    i = 0
    while i < len(words):
        word = words[i].group()
        j = i
        while (
            j + 1 < len(words)
            and j - i < 2
            and _is_name_word(words[j].group())
            and _is_name_word(words[j + 1].group())
            and sentence[words[j].end() : words[j + 1].start()] == " "
        ):
            j += 1
        if j > i:
            name = sentence[words[i].start() : words[j].end()]
            out.setdefault(name.casefold(), name)
        elif not (i == 0 and _is_name_word(word)) and _is_term(word):
            out.setdefault(word.casefold(), word)
        i = j + 1
    return list(out.values())


def _is_name_word(word: str) -> bool:
    return bool(_CAPITAL.match(word)) and not word.isupper()


def _is_term(word: str) -> bool:
    folded = word.casefold()
    return len(word) >= 4 and folded not in _STOP and (word.isupper() or not _VERBISH.search(folded))
