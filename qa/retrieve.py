"""Answer a question from a built index: score every sentence, pick the best k, decide whether it answers."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np

from qa.abstain import Abstention
from qa.answer import Answer, Citation
from qa.embed import Embedder, load_embedder
from qa.errors import IndexMismatchError, QuestionError
from qa.index import LoadedIndex, load_index, rebuild_command, staleness
from qa.lexical import LexicalIndex

MAX_QUESTION_CHARS = 2000
# What the model reads of a long question: embedding cost grows with its length (a 2,000-character question took
# 1.75 s and held the model from everyone else); the first 1,000 characters carry the question.
MAX_EMBED_CHARS = 1000
MAX_K = 20
_WORD = re.compile(r"\w")
# Up to this many sentences every one is scored exactly with one matrix product (10,000 sentences: 6 ms; 100,000:
# 10 ms, 150 MB); above it, only the best candidates of each view's FAISS index (benchmarks/scale.py).
_EXACT_LIMIT = 100_000
_CANDIDATES = 500
# Weight of the best sentence's BM25 (scaled to 1) against the mean cosine; fitted on the dev questions.
LEXICAL_WEIGHT = 0.0167
# Headings ("How much does it cost", "Concepts") are short and match the form of many questions, but they name a
# topic rather than answer it: they are cited only when no sentence under them scores nearly as well. Chosen on
# the dev documents (Ukrainian hit@1 +0.06).
HEADING_PENALTY = 0.03


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


def _mean_vectors(index: LoadedIndex) -> np.ndarray:
    """The mean of the views' vectors, one view in memory at a time beside it."""
    views = list(index.vectors.values())
    total = views[0].reconstruct_n(0, views[0].ntotal)
    for flat in views[1:]:
        total += flat.reconstruct_n(0, flat.ntotal)
    total /= len(views)
    return total


class Retriever:
    """Answers questions from one index directory. Safe to share between threads."""

    def __init__(self, index: LoadedIndex, embedder: Embedder) -> None:
        if embedder.model_id != index.manifest.model_id:
            raise IndexMismatchError(
                f"index in {index.directory} was built with {index.manifest.model_id}, not {embedder.model_id}; "
                f"rebuild with: {rebuild_command(index.directory, index.manifest.source, embedder.name)}"
            )
        self.index = index
        self.embedder = embedder
        self.sentences = index.sentences
        self.documents = index.manifest.documents
        # What citations point at: a plain-text file as long as it is what was indexed, else the stored text.
        self.citation_sources = [index.citation_source(n) for n in range(len(self.documents))]
        # The mean cosine over the views is the cosine with the mean of the views' vectors: one matrix product
        # scores every sentence exactly, a third of the work and memory of one per view, and at 10,000 sentences
        # 8x quicker than a FAISS top-500 search per view (benchmarks/scale.py). FAISS only above _EXACT_LIMIT.
        self.mean_vectors = _mean_vectors(index) if len(self.sentences) <= _EXACT_LIMIT else None
        self.lexical = LexicalIndex([s.text for s in self.sentences])
        self.heading_rows = np.array(
            [index.paragraphs[s.doc][s.paragraph].kind == "heading" for s in self.sentences], dtype=np.float32
        )
        self.abstention = Abstention.for_model(embedder.model_id)

    @classmethod
    def load(cls, index_dir: str | Path, *, source: str | Path | None = None, model: str | None = None) -> Retriever:
        """Open `index_dir`. If `source` or `model` are given, refuse an index built from anything else."""
        index = load_index(index_dir)
        manifest = index.manifest
        state = staleness(manifest, source, model)
        if state.stale:
            raise IndexMismatchError(
                f"index in {index.directory} is stale: {state.reason}; rebuild with: "
                f"{rebuild_command(index.directory, str(source or manifest.source) or None, model or manifest.model)}"
            )
        return cls(index, load_embedder(model or manifest.model))

    def scores(self, question: str) -> np.ndarray:
        """One relevance score per sentence, higher is better: the mean cosine over the index's views, plus a
        small BM25 term that breaks near-ties in favour of sentences sharing the question's words and names."""
        matches = self.lexical.match(question)
        names = self.lexical.cross_script_names(matches)
        head = question[:MAX_EMBED_CHARS]
        q = self.embedder.embed_queries([f"{head} ({', '.join(names)})" if names else head])
        n = len(self.sentences)
        if self.mean_vectors is not None:
            dense = self.mean_vectors @ q[0]
        else:
            dense = np.zeros(n, dtype=np.float32)
            for flat in self.index.vectors.values():
                sims, ids = flat.search(q, _CANDIDATES)
                found = ids[0] >= 0  # FAISS pads a short result with -1 ids and -3.4e38 scores
                full = np.full(n, float(sims[0][found].min()) if found.any() else 0.0, dtype=np.float32)
                full[ids[0][ids[0] >= 0]] = sims[0][ids[0] >= 0]
                dense += full
            dense /= len(self.index.vectors)
        lexical = self.lexical.scores(matches)
        if lexical.max() > 0:
            dense += LEXICAL_WEIGHT * lexical / lexical.max()
        return dense - HEADING_PENALTY * self.heading_rows

    def rows(self, document: str | None) -> range:
        """The index rows to search: one document's, or all."""
        if document is None:
            return range(len(self.sentences))
        if not isinstance(document, str):
            raise TypeError(f"document must be a document id (str), not {type(document).__name__}")
        return self.index.manifest.document(document).rows

    def ask(self, question: str, k: int = 3, *, document: str | None = None, history: object = None) -> Answer:
        """Up to k cited sentences, best first, from every document or from the one with id `document`.

        `history`: the conversation so far, oldest first (questions, Answers or their dicts); a follow-up is then
        read against it (qa.conversation). Without it nothing changes."""
        from qa.language import detect_language

        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
            raise ValueError(f"k must be an integer from 1 to {MAX_K}, got {k!r}")
        if history is not None:
            from qa.conversation import ask as ask_in_conversation

            return ask_in_conversation(self, question, k, document, history)
        rows = self.rows(document)
        text = clean_question(question)
        language = detect_language(text)
        scores = self.scores(text)[rows.start : rows.stop]
        order = np.argsort(-scores, kind="stable")[:k]
        return self.answer(question, language, scores, order, rows.start)

    def answer(self, question: str, language: str, scores: np.ndarray, order: np.ndarray, offset: int = 0) -> Answer:
        """The Answer citing rows `order` (positions in `scores`, which starts at index row `offset`)."""
        top = int(order[0])
        answered = self.abstention.answers(scores, top, self._cross_lingual(language, offset + top))
        citations = []
        probabilities = []
        for i in order:
            s = self.sentences[offset + int(i)]
            p = self.abstention.probability(scores, int(i), self._cross_lingual(language, offset + int(i)))
            probabilities.append(p)
            entry = self.documents[s.doc]
            citations.append(
                Citation(s.text, round(float(scores[i]), 4), s.id, s.paragraph, self.citation_sources[s.doc],
                         s.start, s.end, self.abstention.relevance(p, answered), entry.title, entry.id)
            )  # fmt: skip
        return Answer(question, language, answered, citations, round(probabilities[0], 3))

    def _cross_lingual(self, language: str, row: int) -> bool:
        # Questions score lower against sentences in another language: the abstention model knows by how much.
        return language != (self.documents[self.sentences[row].doc].language or "en")
