"""Build, save and open the FAISS index of an article's sentences.

On disk an index directory holds complete builds side by side and a CURRENT file naming the live one:

    index/CURRENT              "20261127T140102Z-3f9a1c"
    index/20261127T140102Z-3f9a1c/manifest.json, sentences.json, sentence.faiss, context.faiss

A build is written into `.tmp-<id>/`, renamed to `<id>/`, and only then is CURRENT replaced (os.replace is
atomic). A build killed at any point leaves CURRENT naming the previous, complete build. The manifest records
each file's SHA-256, and its own, so truncation or corruption is detected on load. Nothing is pickled: JSON and
FAISS's own binary format only.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from qa import __version__
from qa.embed import DEFAULT_MODEL, Embedder, Progress, load_embedder, model_id_for
from qa.errors import IndexCorruptError, IndexMismatchError, IndexMissingError, QAError
from qa.ingest import Document, Sentence, load_document, read_source

# Bump when what is stored changes meaning (views, text layout): older indexes are then rebuilt or refused.
INDEX_FORMAT = 3  # 3: the manifest carries its own checksum
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
SENTENCES = "sentences.json"
KEEP_BUILDS = 2  # the live build and the one before it, which a reader may still be opening


def view_texts(sentences: Sequence[Sentence]) -> dict[str, tuple[bool, list[str]]]:
    """What is embedded for each sentence, by view name: (embed in the query role?, one text per sentence).

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


@dataclass(frozen=True)
class Manifest:
    format: int
    qa_version: str
    model: str
    model_id: str
    dim: int
    source: str
    source_sha256: str
    sentences: int
    paragraphs: int
    views: list[str]
    files: dict[str, str]  # file name -> sha256
    built_at: str
    build_seconds: float

    def to_json(self) -> str:
        data = asdict(self)
        # The manifest vouches for every other file; this checksum vouches for the manifest itself.
        data[_CHECKSUM] = _digest(data)
        text = json.dumps(data, indent=2, ensure_ascii=False)
        # A source path that is not UTF-8 holds lone surrogates (PEP 383): written as JSON's own \udcff escapes.
        return text.encode("utf-8", "backslashreplace").decode("utf-8")

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Raises ValueError/KeyError/TypeError unless `text` is a manifest whose file list can be trusted."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise TypeError("not a JSON object")
        checksum = data.pop(_CHECKSUM, None)
        # An older format had no checksum: let the format check below name the problem.
        if (checksum is not None or data.get("format") == INDEX_FORMAT) and checksum != _digest(data):
            raise ValueError("checksum mismatch" if checksum else "no checksum")
        manifest = cls(**{name: data[name] for name in cls.__dataclass_fields__})
        files, views = manifest.files, manifest.views
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in [*files, *files.values()]):
            raise TypeError("'files' is not a map of file names to checksums")
        if not isinstance(views, list) or not all(isinstance(v, str) for v in views):
            raise TypeError("'views' is not a list of names")
        missing = sorted({SENTENCES, *(f"{view}.faiss" for view in views)} - files.keys())
        if missing or any("/" in name or name.startswith(".") for name in files):
            raise ValueError(f"'files' does not list the index's files: missing {missing}")
        return manifest


_CHECKSUM = "manifest_sha256"


def _digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Staleness:
    stale: bool
    reason: str  # empty when fresh


@dataclass
class LoadedIndex:
    directory: Path
    build_dir: Path
    manifest: Manifest
    sentences: list[Sentence]
    vectors: dict[str, faiss.Index]


def rebuild_command(index_dir: Path, source: str | None = None, model: str | None = None) -> str:
    cmd = "qa index build"
    if source:
        cmd += f" --source {_quote(source)}"
    cmd += f" --index-dir {_quote(str(index_dir))}"
    if model and model != DEFAULT_MODEL:
        cmd += f" --model {_quote(model)}"
    return cmd


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    # Two builders of one directory would race on CURRENT and on cleaning up; the second waits its turn.
    with open(index_dir / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def build_index(
    source: str | Path,
    index_dir: str | Path,
    model: str = DEFAULT_MODEL,
    progress: Callable[[int], Progress | None] | None = None,
    embedder: Embedder | None = None,
) -> Manifest:
    """Embed `source` and atomically make it the live build of `index_dir`.

    `progress(total)` may return a callback that is told how many passages each batch embedded.
    Errors in the source are raised before anything on disk changes.
    """
    started = time.perf_counter()
    doc = load_document(source)
    embedder = embedder or load_embedder(model)
    index_dir = Path(index_dir).expanduser().absolute()
    if index_dir.exists() and not index_dir.is_dir():
        raise QAError(f"index directory is a file, not a directory: {index_dir}")
    views = view_texts(doc.sentences)
    tick = progress(sum(len(texts) for _, texts in views.values())) if progress else None
    arrays = {view: embedder.embed(texts, query=as_query, progress=tick) for view, (as_query, texts) in views.items()}

    index_dir.mkdir(parents=True, exist_ok=True)
    with _build_lock(index_dir):
        build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
        tmp = index_dir / f".tmp-{build_id}"
        tmp.mkdir()
        try:
            files = _write_build(tmp, doc, arrays)
            manifest = Manifest(
                format=INDEX_FORMAT,
                qa_version=__version__,
                model=embedder.name,
                model_id=embedder.model_id,
                dim=embedder.dim,
                source=str(doc.path),
                source_sha256=doc.sha256,
                sentences=len(doc.sentences),
                paragraphs=doc.paragraph_count,
                views=list(arrays),
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


def _write_build(directory: Path, doc: Document, arrays: dict[str, np.ndarray]) -> dict[str, str]:
    files: dict[str, str] = {}
    rows = [asdict(s) for s in doc.sentences]
    payload = json.dumps(rows, ensure_ascii=False).encode()
    _write_synced(directory / SENTENCES, payload)
    files[SENTENCES] = hashlib.sha256(payload).hexdigest()
    for view, vectors in arrays.items():
        flat = faiss.IndexFlatIP(vectors.shape[1])
        flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
        blob = faiss.serialize_index(flat).tobytes()
        _write_synced(directory / f"{view}.faiss", blob)
        files[f"{view}.faiss"] = hashlib.sha256(blob).hexdigest()
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
        if leftover_tmp or (path.is_dir() and not path.name.startswith(".") and path.name not in keep):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


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
    if not build_id or "/" in build_id or not build_dir.is_dir():
        raise IndexCorruptError(f"{index_dir / CURRENT} names no build ({build_id!r}); rebuild with: {fix}")
    try:
        manifest = Manifest.from_json((build_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexCorruptError(f"index manifest in {build_dir} is unreadable ({exc}); rebuild with: {fix}") from None
    if manifest.format != INDEX_FORMAT:
        raise IndexMismatchError(
            f"index in {index_dir} has format {manifest.format}, this qa reads format {INDEX_FORMAT}; "
            f"rebuild with: {rebuild_command(index_dir, manifest.source, manifest.model)}"
        )
    return build_dir, manifest


def load_index(index_dir: str | Path) -> LoadedIndex:
    index_dir = Path(index_dir).expanduser().absolute()
    build_dir, manifest = read_manifest(index_dir)
    fix = rebuild_command(index_dir, manifest.source, manifest.model)
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
        sentences = [Sentence(**row) for row in json.loads(blobs[SENTENCES])]
        vectors = {
            view: faiss.deserialize_index(np.frombuffer(blobs[f"{view}.faiss"], dtype=np.uint8))
            for view in manifest.views
        }
    except (ValueError, TypeError, RuntimeError) as exc:  # files that match their checksums but not this format
        raise IndexCorruptError(f"index in {build_dir} does not decode ({exc}); rebuild with: {fix}") from None
    for view, flat in vectors.items():
        if flat.ntotal != len(sentences) or flat.d != manifest.dim:
            raise IndexCorruptError(
                f"index view {view!r} in {build_dir} does not match its manifest; rebuild with: {fix}"
            )
    return LoadedIndex(index_dir, build_dir, manifest, sentences, vectors)


def staleness(manifest: Manifest, source: str | Path | None = None, model: str | None = None) -> Staleness:
    """Whether the index no longer serves `source`/`model` (defaults: what it was built from)."""
    if source is not None:
        wanted = str(Path(source).expanduser().absolute())
        if wanted != manifest.source:
            return Staleness(True, f"it was built from {manifest.source}, not {wanted}")
    if model is not None and model_id_for(model) != manifest.model_id:
        return Staleness(True, f"it was built with model {manifest.model!r}, not {model!r}")
    try:
        _, _, digest = read_source(manifest.source)
    except QAError:
        return Staleness(False, "")  # the sentences are stored in the index; a moved source still answers
    if digest != manifest.source_sha256:
        return Staleness(True, f"{manifest.source} has changed since the index was built")
    return Staleness(False, "")
