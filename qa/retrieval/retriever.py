"""Answer one question from a built index: each channel scores every sentence, fusion makes one ranking, the best
k are cited, and abstention decides whether they answer at all. Conversations are read a floor above
(qa.conversation); nothing here knows about them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from qa.answer import Answer, Citation
from qa.embed import Embedder, load_embedder
from qa.errors import IndexMismatchError
from qa.index import LoadedIndex, load_index, rebuild_command, staleness
from qa.index.vectors import reading
from qa.language import is_cyrillic
from qa.retrieval.abstain import Abstention, Scores
from qa.retrieval.dense import DenseChannel
from qa.retrieval.fusion import CHANNELS, OTHER_SCRIPT, fuse
from qa.retrieval.lexical import LexicalIndex
from qa.retrieval.question import MAX_EMBED_CHARS, check_k, clean_question
from qa.retrieval.sparse import SparseChannel


class Retriever:
    """Answers questions from one index directory. Safe to share between threads.

    `channels`: the evidence channels to use (default all of fusion.CHANNELS); switching one off is an ablation."""

    def __init__(self, index: LoadedIndex, embedder: Embedder, channels: Iterable[str] | None = None) -> None:
        if embedder.model_id != index.manifest.model_id:
            raise IndexMismatchError(
                f"index in {index.directory} was built with {index.manifest.model_id}, not {embedder.model_id}; "
                f"rebuild with: {rebuild_command(index.directory, index.manifest.source, embedder.name)}"
            )
        self.channels = frozenset(CHANNELS if channels is None else channels)
        if unknown := self.channels - set(CHANNELS):
            raise ValueError(f"unknown channels {sorted(unknown)}; the channels are {', '.join(CHANNELS)}")
        self.index = index
        self.embedder = embedder
        self.sentences = index.sentences
        self.documents = index.manifest.documents
        # What citations point at: a plain-text file as long as it is what was indexed, else the stored text.
        self.citation_sources = [index.citation_source(n) for n in range(len(self.documents))]
        self.dense = DenseChannel(index)
        self.lexical = LexicalIndex([reading(s.text) for s in self.sentences])
        # Only where the index holds sparse vectors and the model can make the question's in the same pass.
        use_sparse = index.sparse is not None and embedder.sparse_dim == index.sparse.dim and "sparse" in self.channels
        self.sparse = SparseChannel(index.sparse) if use_sparse else None
        self.heading_rows = np.array(
            [index.paragraphs[s.doc][s.paragraph].kind == "heading" for s in self.sentences], dtype=np.float32
        )
        self.cyrillic_rows = np.array([is_cyrillic(s.text) for s in self.sentences], dtype=bool)
        # The channels that actually score: sparse only where the index and the model both have it.
        self.active = self.channels - (set() if self.sparse is not None else {"sparse"})
        self.abstention = Abstention.for_model(embedder.model_id, self.active)

    @classmethod
    def load(cls, index_dir: str | Path, *, source: str | Path | None = None, model: str | None = None,
             channels: Iterable[str] | None = None):  # fmt: skip
        """Open `index_dir`. If `source` or `model` are given, refuse an index built from anything else."""
        index = load_index(index_dir)
        manifest = index.manifest
        state = staleness(manifest, source, model)
        if state.stale:
            raise IndexMismatchError(
                f"index in {index.directory} is stale: {state.reason}; rebuild with: "
                f"{rebuild_command(index.directory, str(source or manifest.source) or None, model or manifest.model)}"
            )
        return cls(index, load_embedder(model or manifest.model), channels)

    def scores(self, question: str) -> np.ndarray:
        """One relevance score per sentence, higher is better (qa.retrieval.fusion)."""
        return self.score(question).fused

    def score(self, question: str) -> Scores:
        """Every sentence's fused score for `question` (a cleaned question), and each channel's own."""
        evidence = self._evidence(question)
        other_script = (self.cyrillic_rows != is_cyrillic(question)).astype(np.float32)
        return Scores(fuse(evidence, self.heading_rows, other_script), evidence, OTHER_SCRIPT * other_script)

    def _evidence(self, question: str) -> dict[str, np.ndarray]:
        matches = self.lexical.match(question)
        evidence: dict[str, np.ndarray] = {}
        # Names in the question spelt as the documents spell them let the model see "Кислиця" as "Kyslytsya".
        names = self.lexical.cross_script_names(matches) if "lexical" in self.channels else []
        head = question[:MAX_EMBED_CHARS]
        text = f"{head} ({', '.join(names)})" if names else head
        if self.sparse is not None:
            vectors, sparse = self.embedder.embed_both([text], query=True)
            evidence["sparse"] = self.sparse.scores(sparse)
        elif "dense" in self.channels:
            vectors = self.embedder.embed_queries([text])
        if "dense" in self.channels:
            evidence["dense"] = self.dense.scores(vectors[0])
        if "lexical" in self.channels:
            evidence["lexical"] = self.lexical.scores(matches)
        return evidence

    def rows(self, document: str | None) -> range:
        """The index rows to search: one document's, or all."""
        if document is None:
            return range(len(self.sentences))
        if not isinstance(document, str):
            raise TypeError(f"document must be a document id (str), not {type(document).__name__}")
        return self.index.manifest.document(document).rows

    def ask(self, question: str, k: int = 3, *, document: str | None = None) -> Answer:
        """Up to k cited sentences, best first, from every document or from the one with id `document`."""
        from qa.language import detect_language

        check_k(k)
        rows = self.rows(document)
        text = clean_question(question)
        language = detect_language(text)
        scores = self.score(text).rows(rows.start, rows.stop)
        order = np.argsort(-scores.fused, kind="stable")[:k]
        return self.answer(question, language, scores, order, rows.start)

    def answer(self, question: str, language: str, scores: Scores, order: np.ndarray, offset: int = 0) -> Answer:
        """The Answer citing rows `order` (positions in `scores`, which start at index row `offset`)."""
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
                Citation(s.text, round(float(scores.fused[i]), 4), s.id, s.paragraph, self.citation_sources[s.doc],
                         s.start, s.end, self.abstention.relevance(p, answered), entry.title, entry.id)
            )  # fmt: skip
        return Answer(question, language, answered, citations, round(probabilities[0], 3))

    def _cross_lingual(self, language: str, row: int) -> bool:
        # Questions score lower against sentences in another language: the abstention model knows by how much.
        return language != (self.documents[self.sentences[row].doc].language or "en")
