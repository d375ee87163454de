"""Answer a question from a built index: score every sentence, pick the best k, decide whether it answers."""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path

import numpy as np

from qa.answer import Answer, Citation
from qa.embed import Embedder, load_embedder
from qa.errors import IndexMismatchError, QuestionError
from qa.index import LoadedIndex, load_index, rebuild_command, staleness

log = logging.getLogger("qa")

MAX_QUESTION_CHARS = 2000
MAX_K = 20
_WORD = re.compile(r"\w")
# Above this many sentences, only the best candidates of each view are scored exactly.
_EXACT_LIMIT = 5000
_CANDIDATES = 500


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
        self._matrices = {view: flat.reconstruct_n(0, flat.ntotal) for view, flat in index.vectors.items()}

    @classmethod
    def load(cls, index_dir: str | Path, *, source: str | Path | None = None, model: str | None = None) -> Retriever:
        """Open `index_dir`. If `source` or `model` are given, refuse an index built from anything else."""
        index = load_index(index_dir)
        manifest = index.manifest
        state = staleness(manifest, source, model)
        if state.stale:
            raise IndexMismatchError(
                f"index in {index.directory} is stale: {state.reason}; rebuild with: "
                f"{rebuild_command(index.directory, str(source or manifest.source), model or manifest.model)}"
            )
        return cls(index, load_embedder(model or manifest.model))

    def scores(self, question: str) -> np.ndarray:
        """One relevance score per sentence, higher is better."""
        q = self.embedder.embed_queries([question])
        n = len(self.sentences)
        per_view = []
        for view, flat in self.index.vectors.items():
            if n <= _EXACT_LIMIT:
                per_view.append(self._matrices[view] @ q[0])
            else:
                sims, ids = flat.search(q, _CANDIDATES)
                full = np.full(n, float(sims[0].min()), dtype=np.float32)
                full[ids[0][ids[0] >= 0]] = sims[0][ids[0] >= 0]
                per_view.append(full)
        return np.mean(per_view, axis=0)

    def ask(self, question: str, k: int = 3) -> Answer:
        from qa.language import detect_language

        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
            raise ValueError(f"k must be an integer from 1 to {MAX_K}, got {k!r}")
        text = clean_question(question)
        scores = self.scores(text)
        order = np.argsort(-scores, kind="stable")[:k]
        answered, confidence = self._decide(scores)
        source = self.index.manifest.source
        citations = [
            Citation(
                text=s.text,
                score=round(float(scores[i]), 4),
                sentence_id=s.id,
                paragraph=s.paragraph,
                source=source,
                start=s.start,
                end=s.end,
                relevance=_relevance(float(scores[i]), answered),
            )
            for i in order
            for s in [self.sentences[i]]
        ]
        return Answer(question, detect_language(text), answered, citations, round(confidence, 3))

    def _decide(self, scores: np.ndarray) -> tuple[bool, float]:
        top = float(scores.max())
        confidence = float(np.clip((top - 0.78) / 0.1, 0.0, 1.0))
        return top >= 0.82, confidence


def _relevance(score: float, answered: bool) -> str:
    if not answered or score < 0.80:
        return "weak"
    return "strong" if score >= 0.85 else "moderate"
