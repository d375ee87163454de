"""Atomic storage of builds, and reading them back.

A build is written into `.tmp-<id>/`, renamed to `<id>/`, and only then is CURRENT replaced (os.replace is
atomic): a build killed at any point leaves CURRENT naming the previous, complete build. A lock makes builders
take turns; old builds, stored texts no build cites and stale cache entries are collected. The manifest records
each file's SHA-256, and its own, so truncation or corruption is detected on load. Nothing is pickled: JSON,
numpy's .npy without objects, and FAISS's own binary format only."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from qa.embed import Embedder, SparseRows
from qa.errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from qa.index.manifest import (
    _SHARED,
    CACHE,
    CACHE_DAYS,
    CURRENT,
    INDEX_FORMAT,
    MANIFEST,
    SENTENCES,
    SPARSE,
    TEXTS,
    DocumentEntry,
    Manifest,
    Row,
    _rebuild,
    document_staleness,
    rebuild_command,
    view_file,
)
from qa.index.vectors import VIEWS
from qa.sources import Block
from qa.sources.files import sha256
from qa.version import __version__


@dataclass
class LoadedIndex:
    directory: Path
    build_dir: Path
    manifest: Manifest
    sentences: list[Row]
    vectors: dict[str, faiss.Index]  # the dense view ("sentence"), a row per sentence
    sparse: SparseRows | None  # the sparse view, when the model has one
    paragraphs: list[list[Block]]  # per document: paragraph n of its sentences is paragraphs[doc][n]

    def text_path(self, doc: int) -> Path:
        return self.directory / TEXTS / self.manifest.documents[doc].text

    def citation_source(self, doc: int) -> str:
        """What citations of document `doc` name: the source file itself while it is byte for byte the stored
        text (a plain-text file, unchanged since), else the stored text. Either way text[start:end] is the
        sentence, read with open(path, encoding="utf-8")."""
        entry = self.manifest.documents[doc]
        if entry.is_file and entry.sha256 == entry.text_sha256 and not document_staleness(entry).stale:
            return entry.source
        return str(self.text_path(doc))


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    # Two builders of one directory would race on CURRENT, on the library's contents and on cleaning up; the
    # second waits its turn, then works on what the first left.
    with open(index_dir / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def store_text(index_dir: Path, text: str) -> tuple[str, str]:
    """Write a document's text into texts/ under its SHA-256 (once); its file name and digest."""
    data = text.encode("utf-8", "surrogatepass")
    digest = sha256(data)
    folder = index_dir / TEXTS
    folder.mkdir(exist_ok=True)
    path = folder / f"{digest}.txt"
    if not (path.is_file() and sha256(path.read_bytes()) == digest):
        tmp = folder / f".{digest}.{os.getpid()}"
        _write_synced(tmp, data)
        os.replace(tmp, path)
    return path.name, digest


@dataclass(frozen=True)
class Contents:
    """What a new build holds: its documents (stored texts already written) and their rows, in index order."""

    documents: list[DocumentEntry]
    rows: list[Row]
    paragraphs: list[list[Block]]  # per document
    dense: np.ndarray  # a row per sentence
    sparse: SparseRows | None


def commit(index_dir: Path, contents: Contents, embedder: Embedder, started: float) -> Manifest:
    """Write `contents` as a new build and make it live (the caller holds the build lock)."""
    build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
    tmp = index_dir / f".tmp-{build_id}"
    tmp.mkdir()
    try:
        files = _write_build(tmp, contents)
        manifest = Manifest(
            format=INDEX_FORMAT,
            qa_version=__version__,
            model=embedder.name,
            model_id=embedder.model_id,
            dim=embedder.dim,
            documents=contents.documents,
            sentences=len(contents.rows),
            views=[*VIEWS, SPARSE] if contents.sparse is not None else list(VIEWS),
            files=files,
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            build_seconds=round(time.perf_counter() - started, 3),
        )
        _write_synced(tmp / MANIFEST, manifest.to_json().encode())
        os.rename(tmp, index_dir / build_id)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    previous = live_build_id(index_dir)
    pointer = index_dir / f".{CURRENT}.{build_id}"
    _write_synced(pointer, build_id.encode())
    os.replace(pointer, index_dir / CURRENT)
    _fsync_dir(index_dir)
    _remove_old_builds(index_dir, keep={build_id, previous})
    return manifest


def _write_build(directory: Path, contents: Contents) -> dict[str, str]:
    files: dict[str, str] = {}
    payload = json.dumps(
        {
            "paragraphs": [[[b.start, b.end, b.kind] for b in doc] for doc in contents.paragraphs],
            "sentences": [[r.doc, r.id, r.paragraph, r.start, r.end, r.text] for r in contents.rows],
        },
        ensure_ascii=False,
    ).encode("utf-8", "surrogatepass")
    blobs = {SENTENCES: payload}
    (view,) = VIEWS
    flat = faiss.IndexFlatIP(contents.dense.shape[1])
    flat.add(np.ascontiguousarray(contents.dense, dtype=np.float32))
    blobs[view_file(view)] = faiss.serialize_index(flat).tobytes()
    if contents.sparse is not None:
        blobs[view_file(SPARSE)] = _sparse_blob(contents.sparse)
    for name, blob in blobs.items():
        _write_synced(directory / name, blob)
        files[name] = hashlib.sha256(blob).hexdigest()
    return files


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def live_build_id(index_dir: Path) -> str:
    """The build CURRENT names; "" when it is missing or unreadable (loading the index then says what is wrong)."""
    try:
        return (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def _remove_old_builds(index_dir: Path, keep: set[str]) -> None:
    # The builds to keep are named, not guessed from sorted names: two builds within one second sort by their
    # random suffix, and a build killed after its rename was never live.
    for path in index_dir.iterdir():
        leftover_tmp = path.name.startswith(".tmp-") or path.name.startswith(f".{CURRENT}.")
        old_build = path.is_dir() and not path.name.startswith(".") and path.name not in keep | _SHARED
        if leftover_tmp or old_build:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def collect_garbage(index_dir: Path) -> None:
    """Remove stored texts no kept build cites. The cache is kept: it is what makes re-adding cheap."""
    wanted: set[str] = set()
    for build in index_dir.iterdir():
        if build.is_dir() and build.name not in _SHARED and not build.name.startswith("."):
            try:
                manifest = Manifest.from_json((build / MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError, KeyError, TypeError):
                return  # cannot tell what a build needs: keep everything
            wanted |= {d.text for d in manifest.documents}
    texts = index_dir / TEXTS
    if texts.is_dir():
        for path in texts.iterdir():
            if path.name not in wanted:
                path.unlink(missing_ok=True)
    # The cache would grow with every version of every document: an entry unused for CACHE_DAYS goes (a use
    # touches it). A half-written entry of a killed process stays a hidden temporary file; one an hour old is
    # no writer's any more (a writer that loses its temporary file only skips caching).
    cache = index_dir / CACHE
    if cache.is_dir():
        now = time.time()
        for path in cache.iterdir():
            with suppress(OSError):
                age = now - path.stat().st_mtime
                if age > (3600 if path.name.startswith(".") else CACHE_DAYS * 86400):
                    path.unlink()


# --- Reading a build ------------------------------------------------------------------------------------------


def read_manifest(index_dir: str | Path) -> tuple[Path, Manifest]:
    """The live build's directory and manifest. Raises IndexMissingError / IndexCorruptError."""
    index_dir = Path(index_dir).expanduser().absolute()
    fix = rebuild_command(index_dir)
    try:
        build_id = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexMissingError(f"no index in {index_dir}; build it with: {fix}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"cannot read {index_dir / CURRENT} ({exc}); rebuild with: {fix}") from None
    build_dir = index_dir / build_id
    if not build_id or "/" in build_id or build_id in _SHARED or not build_dir.is_dir():
        raise IndexCorruptError(f"{index_dir / CURRENT} names no build ({build_id!r}); rebuild with: {fix}")
    try:
        manifest = Manifest.from_json((build_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexCorruptError(f"index manifest in {build_dir} is unreadable ({exc}); rebuild with: {fix}") from None
    if manifest.format != INDEX_FORMAT:
        raise IndexMismatchError(
            f"index in {index_dir} has format {manifest.format}, this qa reads format {INDEX_FORMAT}; "
            f"rebuild with: {_rebuild(index_dir, manifest)}"
        )
    return build_dir, manifest


def load_index(index_dir: str | Path) -> LoadedIndex:
    index_dir = Path(index_dir).expanduser().absolute()
    build_dir, manifest = read_manifest(index_dir)
    fix = _rebuild(index_dir, manifest)
    blobs: dict[str, bytes] = {}
    for name, digest in manifest.files.items():
        try:
            blob = (build_dir / name).read_bytes()
        except OSError as exc:
            raise IndexCorruptError(
                f"index file {build_dir / name} is unreadable ({exc}); rebuild with: {fix}"
            ) from None
        if hashlib.sha256(blob).hexdigest() != digest:
            raise IndexCorruptError(
                f"index file {build_dir / name} is corrupt or truncated (checksum mismatch); rebuild with: {fix}"
            )
        blobs[name] = blob
    try:
        stored = json.loads(blobs[SENTENCES])
        sentences = [Row(*row) for row in stored["sentences"]]
        paragraphs = [[Block(*b) for b in doc] for doc in stored["paragraphs"]]
        vectors = {
            view: faiss.deserialize_index(np.frombuffer(blobs[view_file(view)], dtype=np.uint8))
            for view in manifest.views
            if view != SPARSE
        }
        sparse = _read_sparse(blobs[view_file(SPARSE)], len(sentences)) if SPARSE in manifest.views else None
    except (ValueError, TypeError, KeyError, RuntimeError) as exc:  # files that match their checksums, not this format
        raise IndexCorruptError(f"index in {build_dir} does not decode ({exc}); rebuild with: {fix}") from None
    if len(sentences) != manifest.sentences or len(paragraphs) != len(manifest.documents):
        raise IndexCorruptError(f"index in {build_dir} does not match its manifest; rebuild with: {fix}")
    for view, flat in vectors.items():
        if flat.ntotal != len(sentences) or flat.d != manifest.dim:
            raise IndexCorruptError(
                f"index view {view!r} in {build_dir} does not match its manifest; rebuild with: {fix}"
            )
    for entry in manifest.documents:
        path = index_dir / TEXTS / entry.text
        try:
            if sha256(path.read_bytes()) != entry.text_sha256:
                raise IndexCorruptError(f"stored text {path} is corrupt (checksum mismatch); rebuild with: {fix}")
        except OSError as exc:
            raise IndexCorruptError(f"stored text {path} is unreadable ({exc.strerror}); rebuild with: {fix}") from None
    return LoadedIndex(index_dir, build_dir, manifest, sentences, vectors, sparse, paragraphs)


# sparse.bin: one JSON line (the feature count and each array's length), then the arrays as raw little-endian
# bytes: indptr int64, indices uint16, values float16. Read with np.frombuffer, never np.load.
_SPARSE_ARRAYS = (("indptr", "<i8"), ("indices", "<u2"), ("values", "<f2"))


def _sparse_blob(sparse: SparseRows) -> bytes:
    arrays = {"indptr": sparse.indptr, "indices": sparse.indices, "values": sparse.values}
    data = [np.ascontiguousarray(arrays[name], dtype=dtype) for name, dtype in _SPARSE_ARRAYS]
    header = {"dim": sparse.dim, **{name: len(a) for (name, _), a in zip(_SPARSE_ARRAYS, data, strict=True)}}
    return json.dumps(header).encode() + b"\n" + b"".join(a.tobytes() for a in data)


def _read_sparse(blob: bytes, rows: int) -> SparseRows:
    """The sparse view of a build, or ValueError when it does not hold one row per sentence."""
    line, _, body = blob.partition(b"\n")
    header = json.loads(line)
    arrays, at = {}, 0
    for name, dtype in _SPARSE_ARRAYS:
        count = int(header[name])
        size = count * np.dtype(dtype).itemsize
        arrays[name] = np.frombuffer(body, dtype=dtype, count=count, offset=at)
        at += size
    if at != len(body):
        raise ValueError("the sparse vectors' file has the wrong length")
    sparse = SparseRows(arrays["indptr"].astype(np.int64), arrays["indices"].astype(np.uint16),
                        arrays["values"].astype(np.float32), int(header["dim"]))  # fmt: skip
    if not sparse.fits(rows):
        raise ValueError("the sparse vectors do not match the sentences")
    return sparse
