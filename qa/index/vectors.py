"""The vectors of each sentence, by view: what is embedded for a sentence, and a cache keyed by the model and
the texts, so an unchanged document is never embedded again."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from qa.embed import Embedder, Progress
from qa.sources import Document, Sentence
from qa.sources.cache import touch

BuildProgress = Callable[[int], Progress | None]


def view_texts(sentences: Sequence[Sentence]) -> dict[str, tuple[bool, list[str]]]:
    """What is embedded for each sentence of one document, by view name: (query role?, one text per sentence).

    - sentence: the sentence alone, as a passage.
    - context: the sentence with its neighbours in the paragraph, so a question can match a sentence whose
      subject is named only in the sentence before ("he said…").
    - sentence_as_query: the sentence in the e5 query role; question and sentence are then embedded alike,
      which measured better for Ukrainian questions (see README, retrieval quality).
    """
    context = []
    for i, s in enumerate(sentences):
        around = range(max(0, i - 1), min(len(sentences), i + 2))
        context.append(" ".join(sentences[j].text for j in around if sentences[j].paragraph == s.paragraph))
    texts = [s.text for s in sentences]
    return {"sentence": (False, texts), "context": (False, context), "sentence_as_query": (True, texts)}


VIEWS = ("sentence", "context", "sentence_as_query")


# --- Embedding, with the cache ------------------------------------------------------------------------------------


def _vector_key(model_id: str, view: str, texts: list[str]) -> str:
    payload = "\0".join((model_id, view, *texts)).encode("utf-8", "surrogatepass")
    return hashlib.sha256(payload).hexdigest()


def _cached_vectors(folder: Path, key: str, rows: int, dim: int) -> np.ndarray | None:
    try:
        vectors = np.load(folder / f"vec-{key}.npy", allow_pickle=False)
    except (OSError, ValueError):
        return None
    if vectors.dtype != np.float32 or vectors.shape != (rows, dim) or not np.isfinite(vectors).all():
        return None
    touch(folder / f"vec-{key}.npy")
    return vectors


def _store_vectors(folder: Path, key: str, vectors: np.ndarray) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".vec-{key}.{os.getpid()}.npy"
        np.save(tmp, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
        os.replace(tmp, folder / f"vec-{key}.npy")
    except OSError:
        pass  # a cache that cannot be written only costs time


def embed_documents(docs: Sequence[Document], embedder: Embedder, cache: Path | None,
                    progress: BuildProgress | None = None) -> list[dict[str, np.ndarray]]:  # fmt: skip
    """Each document's vectors per view; from the cache where the same model embedded the same texts before."""
    plans = []
    todo = 0
    for doc in docs:
        plan = {}
        for view, (as_query, texts) in view_texts(doc.sentences).items():
            key = _vector_key(embedder.model_id, view, texts)
            hit = _cached_vectors(cache, key, len(texts), embedder.dim) if cache else None
            plan[view] = (key, as_query, texts, hit)
            todo += 0 if hit is not None else len(texts)
        plans.append(plan)
    tick = progress(todo) if progress else None
    out = []
    for plan in plans:
        arrays = {}
        for view, (key, as_query, texts, hit) in plan.items():
            if hit is None:
                hit = embedder.embed(texts, query=as_query, progress=tick)
                if cache:
                    _store_vectors(cache, key, hit)
            arrays[view] = hit
        out.append(arrays)
    return out
