"""The vectors of each sentence: embedded once, in chunks cached by model and text, so an unchanged document is
never embedded again and a build stopped half way resumes where it stopped.

One pass of the model per sentence (as a passage) gives its dense vector and, where the model has a sparse head,
its sparse "latent terms" in the same pass. The context view (the sentence with its paragraph neighbours), which
used to be embedded as a text three sentences long, is derived from the neighbours' vectors when the index is
opened: the build runs at the model's own speed (benchmarks/build_speed.py) and retrieval measured within noise
of the embedded view (benchmarks/multidoc_quality.py).
"""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.embed import Embedder, Progress, SparseRows
from qa.sources import Document
from qa.sources.cache import touch

BuildProgress = Callable[[int], Progress | None]
VIEWS = ("sentence",)  # what is embedded and stored per sentence (besides the sparse vectors, when there are any)
CHUNK = 64  # sentences embedded, cached and reported together: what a stopped build keeps
# A word hyphenated at a line end ("com‐\n   press") and the line breaks of wrapped text are not what the model
# should read: it reads "compress" and single spaces. Citations still quote the stored text as it stands.
_HYPHENATED = re.compile(r"(?<=[^\W\d_])[\u2010\u00ad-]\n\s*(?=[^\W\d_])")


@dataclass(frozen=True)
class Embedded:
    """One document's vectors, a row per sentence."""

    dense: np.ndarray  # float32, (sentences, dim), L2-normalised
    sparse: SparseRows | None  # None: the model has no sparse head


def reading(text: str) -> str:
    """What the model reads of a sentence: hyphenated line ends joined, whitespace collapsed."""
    return " ".join(_HYPHENATED.sub("", text).split())


def context_vectors(dense: np.ndarray, paragraphs: Sequence[tuple[int, int]]) -> np.ndarray:
    """Each sentence's vector plus its neighbours' in the same paragraph (`paragraphs`: a (document, paragraph)
    per row), L2-normalised: the context view, so a question can match a sentence whose subject is named only in
    the sentence before ("he said…")."""
    out = dense.copy()
    same = np.array([a == b for a, b in zip(paragraphs[:-1], paragraphs[1:], strict=True)], dtype=bool)
    out[1:][same] += dense[:-1][same]
    out[:-1][same] += dense[1:][same]
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def _chunk_key(model_id: str, kind: str, texts: Sequence[str]) -> str:
    payload = "\0".join((model_id, kind, *texts)).encode("utf-8", "surrogatepass")
    return hashlib.sha256(payload).hexdigest()


def _cached(folder: Path, key: str, rows: int, dim: int, sparse_dim: int) -> Embedded | None:
    dense_file, sparse_file = folder / f"vec-{key}.npy", folder / f"sps-{key}.npz"
    try:
        dense = np.load(dense_file, allow_pickle=False)
        sparse = None
        if sparse_dim:
            with np.load(sparse_file, allow_pickle=False) as stored:
                sparse = SparseRows(stored["indptr"], stored["indices"], stored["values"].astype(np.float32),
                                    sparse_dim)  # fmt: skip
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # what a damaged file raises
        return None
    if dense.dtype != np.float32 or dense.shape != (rows, dim) or not np.isfinite(dense).all():
        return None
    if sparse is not None and not sparse.fits(rows):
        return None
    touch(dense_file)
    if sparse is not None:
        touch(sparse_file)
    return Embedded(dense, sparse)


def _store(folder: Path, key: str, embedded: Embedded) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if embedded.sparse is not None:  # first, so that a dense file always has its sparse one beside it
            tmp = folder / f".sps-{key}.{os.getpid()}.npz"
            s = embedded.sparse
            np.savez(tmp, indptr=s.indptr, indices=s.indices, values=s.values.astype(np.float16))
            os.replace(tmp, folder / f"sps-{key}.npz")
        tmp = folder / f".vec-{key}.{os.getpid()}.npy"
        np.save(tmp, np.ascontiguousarray(embedded.dense, dtype=np.float32), allow_pickle=False)
        os.replace(tmp, folder / f"vec-{key}.npy")
    except OSError:
        pass  # a cache that cannot be written only costs time


def _embed(embedder: Embedder, texts: list[str]) -> Embedded:
    if embedder.sparse_dim:
        dense, sparse = embedder.embed_both(texts, query=False)
        # float16 in the cache and the index: the scores move by < 1e-3 and the files halve
        return Embedded(dense, SparseRows(sparse.indptr, sparse.indices, sparse.values.astype(np.float16)
                                          .astype(np.float32), sparse.dim))  # fmt: skip
    return Embedded(embedder.embed(texts, query=False), None)


def embed_documents(docs: Sequence[Document], embedder: Embedder, cache: Path | None,
                    progress: BuildProgress | None = None) -> list[Embedded]:  # fmt: skip
    """Each document's vectors; from the cache where the same model embedded the same chunk of sentences before.

    `progress(total passages to embed)` may return `tick(n)`, called after each chunk is embedded and cached: an
    exception it raises stops the build there (a cancel), and a later build finds the chunks done in the cache."""
    kind = "passage+sparse" if embedder.sparse_dim else "passage"
    plans: list[list[tuple[str, list[str], Embedded | None]]] = []
    todo = 0
    for doc in docs:
        texts = [reading(s.text) for s in doc.sentences]
        plan = []
        for i in range(0, len(texts), CHUNK):
            chunk = texts[i : i + CHUNK]
            key = _chunk_key(embedder.model_id, kind, chunk)
            hit = _cached(cache, key, len(chunk), embedder.dim, embedder.sparse_dim) if cache else None
            plan.append((key, chunk, hit))
            todo += 0 if hit is not None else len(chunk)
        plans.append(plan)
    tick = progress(todo) if progress else None
    out = []
    for plan in plans:
        parts = []
        for key, chunk, hit in plan:
            if hit is None:
                hit = _embed(embedder, chunk)
                if cache:
                    _store(cache, key, hit)
                if tick:
                    tick(len(chunk))
            parts.append(hit)
        sparse = SparseRows.concat([p.sparse for p in parts], embedder.sparse_dim) if embedder.sparse_dim else None
        out.append(Embedded(np.concatenate([p.dense for p in parts]), sparse))
    return out
