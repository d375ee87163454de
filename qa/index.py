"""Build, change, save and open the FAISS index of a library of documents.

On disk an index directory holds complete builds side by side, a CURRENT file naming the live one, the stored
texts that citations point at, and a cache of parsed documents and their vectors:

    index/CURRENT              "20261127T140102Z-3f9a1c"
    index/20261127T140102Z-3f9a1c/manifest.json, sentences.json, sentence.faiss, context.faiss, …
    index/texts/<sha256>.txt   each document's stored text (citations: text[start:end])
    index/cache/               parsed documents and vectors, keyed by model and text: an unchanged document is
                               never split or embedded again

A build is written into `.tmp-<id>/`, renamed to `<id>/`, and only then is CURRENT replaced (os.replace is
atomic). A build killed at any point leaves CURRENT naming the previous, complete build. The manifest records
each file's SHA-256, and its own, so truncation or corruption is detected on load. Nothing is pickled: JSON,
numpy's .npy without objects, and FAISS's own binary format only.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from qa import __version__
from qa.embed import DEFAULT_MODEL, Embedder, Progress, load_embedder, model_id_for
from qa.errors import IndexCorruptError, IndexMismatchError, IndexMissingError, QAError, SourceError
from qa.sources import Block, Document, Sentence, load_source
from qa.sources.cache import deferred_writes, touch
from qa.sources.files import read_bytes, sha256

# Bump when what is stored changes meaning (views, text layout): older indexes are then rebuilt or refused.
INDEX_FORMAT = 4  # 4: a library of documents, stored texts, the embedding cache
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
SENTENCES = "sentences.json"
TEXTS = "texts"
CACHE = "cache"
_SHARED = {TEXTS, CACHE}  # folders beside the builds, never removed as old builds
KEEP_BUILDS = 2  # the live build and the one before it, which a reader may still be opening
CACHE_DAYS = 30  # a cache entry unused this long is removed

SourceSpec = str | Path | Document
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


@dataclass(frozen=True)
class DocumentEntry:
    """One document of the library, as the manifest records it."""

    id: str  # short, unique in the library: what `qa index remove` and `ask(document=...)` take
    title: str
    kind: str  # "text" | "markdown" | "html" | "pasted"
    source: str  # the file path or URL it was read from, or "pasted text"
    sha256: str  # of the source's bytes when indexed: a file whose bytes differ now is stale
    text: str  # its stored text, in the index's texts/ folder
    text_sha256: str
    language: str
    first: int  # row of its first sentence in the index
    sentences: int
    paragraphs: int
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> range:
        return range(self.first, self.first + self.sentences)

    @property
    def is_file(self) -> bool:
        return self.kind != "pasted" and not self.source.startswith(("http://", "https://"))


@dataclass(frozen=True)
class Manifest:
    format: int
    qa_version: str
    model: str
    model_id: str
    dim: int
    documents: list[DocumentEntry]
    sentences: int
    views: list[str]
    files: dict[str, str]  # file name -> sha256
    built_at: str
    build_seconds: float

    @property
    def paragraphs(self) -> int:
        return sum(d.paragraphs for d in self.documents)

    @property
    def source(self) -> str:
        """The source of a one-document index ("" for a library of several)."""
        return self.documents[0].source if len(self.documents) == 1 else ""

    @property
    def source_sha256(self) -> str:
        return self.documents[0].sha256 if len(self.documents) == 1 else ""

    def document(self, document_id: str) -> DocumentEntry:
        for entry in self.documents:
            if entry.id == document_id:
                return entry
        known = ", ".join(d.id for d in self.documents)
        raise QAError(f"no document {document_id!r} in the index; its documents are: {known}")

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
        # An older format had no checksum: let the format check name the problem.
        if not isinstance(data.get("format"), int) or data["format"] < 3:
            return cls(**{**_EMPTY, "format": data.get("format", 0), "model": str(data.get("model", "")),
                          "documents": [_legacy_entry(data)]})  # fmt: skip
        if checksum != _digest(data):
            raise ValueError("checksum mismatch" if checksum else "no checksum")
        if data["format"] != INDEX_FORMAT:  # the format check in read_manifest names the rebuild command
            return cls(**{**_EMPTY, "format": data["format"], "model": str(data.get("model", "")),
                          "documents": [_legacy_entry(data)]})  # fmt: skip
        fields = {name: data[name] for name in cls.__dataclass_fields__}
        fields["documents"] = [DocumentEntry(**entry) for entry in data["documents"]]
        manifest = cls(**fields)
        files, views = manifest.files, manifest.views
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in [*files, *files.values()]):
            raise TypeError("'files' is not a map of file names to checksums")
        if not isinstance(views, list) or not all(isinstance(v, str) for v in views):
            raise TypeError("'views' is not a list of names")
        missing = sorted({SENTENCES, *(f"{view}.faiss" for view in views)} - files.keys())
        if missing or any("/" in name or name.startswith(".") for name in files):
            raise ValueError(f"'files' does not list the index's files: missing {missing}")
        rows = 0
        for entry in manifest.documents:
            if entry.first != rows or entry.sentences < 1 or not _TEXT_NAME.fullmatch(entry.text):
                raise ValueError(f"document {entry.id!r} does not fit the index's rows")
            rows += entry.sentences
        if rows != manifest.sentences or not manifest.documents:
            raise ValueError("the documents do not add up to the index's sentences")
        return manifest


_CHECKSUM = "manifest_sha256"
_TEXT_NAME = re.compile(r"[0-9a-f]{64}\.txt")
_EMPTY = dict(format=0, qa_version="", model="", model_id="", dim=0, documents=[], sentences=0, views=[], files={},
              built_at="", build_seconds=0.0)  # fmt: skip


def _legacy_entry(data: dict) -> DocumentEntry:
    # Only what the rebuild command needs from an older manifest: where it was built from.
    source = str(data.get("source") or "")
    return DocumentEntry("", "", "text", source, "", "", "", "", 0, 0, 0)


def _digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Staleness:
    stale: bool
    reason: str  # empty when fresh
    missing: bool = False  # the source file is gone or unreadable (the index still answers from its stored text)


@dataclass(frozen=True)
class Row:
    """One sentence of the index: a sentence of document `doc` (its position in manifest.documents)."""

    doc: int
    id: int
    paragraph: int
    start: int
    end: int
    text: str


@dataclass
class LoadedIndex:
    directory: Path
    build_dir: Path
    manifest: Manifest
    sentences: list[Row]
    vectors: dict[str, faiss.Index]
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


def rebuild_command(index_dir: Path, source: str | Sequence[str] | None = None, model: str | None = None) -> str:
    cmd = "qa index build"
    for one in [source] if isinstance(source, str) else source or ():
        if one:
            cmd += f" --source {_quote(one)}"
    cmd += f" --index-dir {_quote(str(index_dir))}"
    if model and model != DEFAULT_MODEL:
        cmd += f" --model {_quote(model)}"
    return cmd


def _rebuild(index_dir: Path, manifest: Manifest) -> str:
    return rebuild_command(index_dir, [d.source for d in manifest.documents if d.is_file or d.kind != "pasted"],
                           manifest.model)  # fmt: skip


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
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


# --- Reading sources --------------------------------------------------------------------------------------------


def expand_sources(specs: Sequence[SourceSpec]) -> list[SourceSpec]:
    """Folders become the .txt/.md/.html files in them (sorted); a source named twice is an error."""
    from qa.sources import SOURCE_SUFFIXES
    from qa.sources.url import is_url

    out: list[SourceSpec] = []
    seen: set[str] = set()
    for spec in specs:
        if isinstance(spec, Document):
            out.append(spec)
            continue
        if isinstance(spec, str) and is_url(spec):
            items: list[SourceSpec] = [spec]
        else:
            path = Path(spec).expanduser().absolute()
            if path.is_dir():
                # Hidden files are an editor's or a system's (.#draft.md, macOS's ._page.html), not sources.
                items = sorted(
                    p for p in path.iterdir()
                    if p.suffix.lower() in SOURCE_SUFFIXES and not p.name.startswith(".") and p.is_file()
                )  # fmt: skip
                if not items:
                    raise SourceError(f"folder has no .txt, .md or .html files to index: {path}")
            else:
                items = [path]
        for item in items:
            key = str(item)
            if key in seen:
                raise SourceError(f"duplicate source: {key} is given twice")
            seen.add(key)
            out.append(item)
    return out


def read_documents(specs: Sequence[SourceSpec], index_dir: Path | None = None, *, allow_private: bool = True,
                   live: Manifest | None = None) -> list[Document]:  # fmt: skip
    """Every source as a Document, or SourceError for the first that cannot be read or repeats another (or a
    document of the `live` library under another source). Nothing changes on disk unless all are good, and then
    only the parse cache."""
    cache = index_dir / CACHE if index_dir else None
    with deferred_writes():
        docs = [s if isinstance(s, Document) else load_source(s, allow_private=allow_private, cache=cache)
                for s in expand_sources(specs)]  # fmt: skip
        _refuse_duplicate_texts(docs, live)
    return docs


def _text_key(doc: Document) -> str:
    return sha256(doc.text.encode("utf-8", "surrogatepass"))


def _refuse_duplicate_texts(docs: Sequence[Document], live: Manifest | None = None) -> None:
    seen: dict[str, str] = {}
    indexed = {entry.text_sha256: entry for entry in live.documents} if live else {}
    for doc in docs:
        key = _text_key(doc)
        if key in seen:
            raise SourceError(f"duplicate source: {doc.source} has the same text as {seen[key]}")
        seen[key] = doc.source
        same = indexed.get(key)
        if same is not None and same.source != doc.source and doc.kind != "pasted":
            raise SourceError(_same_text(doc, same))


def _same_text(doc: Document, entry: DocumentEntry) -> str:
    return f"duplicate source: {doc.source} has the same text as document {entry.id!r} ({entry.source})"


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


# --- Writing a build ----------------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    words = re.findall(r"[^\W_]+", text.casefold())
    return "-".join(words)[:48].strip("-") or "document"


def _document_id(doc: Document, taken: set[str]) -> str:
    from urllib.parse import urlsplit

    if doc.kind == "pasted":
        base = "pasted-" + _slug(doc.title)[:30]
    elif doc.source.startswith(("http://", "https://")):
        parts = urlsplit(doc.source)
        tail = parts.path.rstrip("/").rsplit("/", 1)[-1]
        base = _slug(f"{parts.hostname or ''} {Path(tail).stem}")
    else:
        base = _slug(Path(doc.source).stem)
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _write_text(index_dir: Path, text: str) -> tuple[str, str]:
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


@dataclass(eq=False)  # compared by identity: parts hold numpy arrays
class _Part:
    """A document on its way into a build: from a source just read, or kept from the live build."""

    doc: Document | None
    entry: DocumentEntry | None  # when kept from the live build
    arrays: dict[str, np.ndarray]
    rows: list[Row]
    paragraphs: list[Block]
    keep_id: str = ""  # a document read again keeps the id it had


def _commit(index_dir: Path, parts: list[_Part], embedder: Embedder, started: float) -> Manifest:
    """Write `parts` as a new build and make it live (the caller holds the build lock)."""
    build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
    tmp = index_dir / f".tmp-{build_id}"
    tmp.mkdir()
    try:
        entries, rows, paragraphs = [], [], []
        taken = {p.entry.id if p.entry else p.keep_id for p in parts} - {""}
        for part in parts:
            if part.entry is not None:
                entry = DocumentEntry(**{**asdict(part.entry), "first": len(rows)})
            else:
                doc = part.doc
                name, digest = _write_text(index_dir, doc.text)
                entry = DocumentEntry(
                    id=part.keep_id or _document_id(doc, taken), title=doc.title, kind=doc.kind, source=doc.source,
                    sha256=doc.sha256, text=name, text_sha256=digest, language=doc.language, first=len(rows),
                    sentences=len(doc.sentences), paragraphs=doc.paragraph_count, meta=dict(doc.meta),
                )  # fmt: skip
            taken.add(entry.id)
            number = len(entries)
            entries.append(entry)
            rows.extend(Row(number, r.id, r.paragraph, r.start, r.end, r.text) for r in part.rows)
            paragraphs.append(part.paragraphs)
        arrays = {view: np.concatenate([p.arrays[view] for p in parts]) for view in VIEWS}
        files = _write_build(tmp, rows, paragraphs, arrays)
        manifest = Manifest(
            format=INDEX_FORMAT,
            qa_version=__version__,
            model=embedder.name,
            model_id=embedder.model_id,
            dim=embedder.dim,
            documents=entries,
            sentences=len(rows),
            views=list(VIEWS),
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


def _write_build(directory: Path, rows: list[Row], paragraphs: list[list[Block]],
                 arrays: dict[str, np.ndarray]) -> dict[str, str]:  # fmt: skip
    files: dict[str, str] = {}
    payload = json.dumps(
        {
            "paragraphs": [[[b.start, b.end, b.kind] for b in doc] for doc in paragraphs],
            "sentences": [[r.doc, r.id, r.paragraph, r.start, r.end, r.text] for r in rows],
        },
        ensure_ascii=False,
    ).encode("utf-8", "surrogatepass")
    _write_synced(directory / SENTENCES, payload)
    files[SENTENCES] = hashlib.sha256(payload).hexdigest()
    for view, vectors in arrays.items():
        flat = faiss.IndexFlatIP(vectors.shape[1])
        flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
        blob = faiss.serialize_index(flat).tobytes()
        _write_synced(directory / f"{view}.faiss", blob)
        files[f"{view}.faiss"] = hashlib.sha256(blob).hexdigest()
    return files


def _new_part(doc: Document, arrays: dict[str, np.ndarray]) -> _Part:
    rows = [Row(0, s.id, s.paragraph, s.start, s.end, s.text) for s in doc.sentences]
    return _Part(doc, None, arrays, rows, list(doc.paragraphs))


def _kept_parts(index: LoadedIndex) -> list[_Part]:
    parts = []
    for number, entry in enumerate(index.manifest.documents):
        rows = index.sentences[entry.first : entry.first + entry.sentences]
        arrays = {view: index.vectors[view].reconstruct_n(entry.first, entry.sentences) for view in VIEWS}
        parts.append(_Part(None, entry, arrays, rows, index.paragraphs[number]))
    return parts


def _prepare_dir(index_dir: str | Path) -> Path:
    index_dir = Path(index_dir).expanduser().absolute()
    if index_dir.exists() and not index_dir.is_dir():
        raise QAError(f"index directory is a file, not a directory: {index_dir}")
    return index_dir


def build_index(
    sources: SourceSpec | Sequence[SourceSpec],
    index_dir: str | Path,
    model: str = DEFAULT_MODEL,
    progress: BuildProgress | None = None,
    embedder: Embedder | None = None,
    *,
    allow_private: bool = True,
) -> Manifest:
    """Make exactly `sources` (files, folders, URLs or Documents) the live library of `index_dir`.

    `progress(total)` may return a callback that is told how many passages each batch embedded. Errors in the
    sources are raised before anything but the cache changes on disk; unchanged documents come from the cache.
    """
    started = time.perf_counter()
    index_dir = _prepare_dir(index_dir)
    specs = [sources] if isinstance(sources, str | Path | Document) else list(sources)
    if not specs:
        raise SourceError("no source to index")
    cache_ready = index_dir if index_dir.is_dir() else None
    docs = read_documents(specs, cache_ready, allow_private=allow_private)
    embedder = embedder or load_embedder(model)
    index_dir.mkdir(parents=True, exist_ok=True)
    arrays = embed_documents(docs, embedder, index_dir / CACHE, progress)
    with _build_lock(index_dir):
        manifest = _commit(index_dir, [_new_part(d, a) for d, a in zip(docs, arrays, strict=True)], embedder, started)
        _collect_garbage(index_dir)
    return manifest


@dataclass(frozen=True)
class Change:
    manifest: Manifest
    added: list[str]  # document ids
    updated: list[str]
    unchanged: list[str]
    removed: list[str]


def add_documents(
    sources: Sequence[SourceSpec],
    index_dir: str | Path,
    progress: BuildProgress | None = None,
    embedder: Embedder | None = None,
    *,
    allow_private: bool = True,
) -> Change:
    """Add sources to the live library, embedding only what is new. A source already there is read again and
    replaced, keeping its id, if its text changed; one whose text did not change is left alone (and nothing is
    embedded for it, cache or not). Atomic like a build."""
    started = time.perf_counter()
    index_dir = _prepare_dir(index_dir)
    _, live = read_manifest(index_dir)
    docs = read_documents(list(sources), index_dir, allow_private=allow_private, live=live)
    embedder = embedder or load_embedder(live.model)
    indexed = {entry.text_sha256 for entry in live.documents}
    fresh = [doc for doc in docs if _text_key(doc) not in indexed]
    vectors = dict(zip(map(id, fresh), embed_documents(fresh, embedder, index_dir / CACHE, progress), strict=True))
    with _build_lock(index_dir):
        index = load_index(index_dir)  # the library as it is now, after any builder that ran before us
        if index.manifest.model_id != embedder.model_id:
            raise IndexMismatchError(
                f"index in {index_dir} was built with {index.manifest.model_id}, not {embedder.model_id}; "
                f"rebuild with: {_rebuild(index_dir, index.manifest)}"
            )
        parts = _kept_parts(index)
        by_source = {p.entry.source: i for i, p in enumerate(parts) if p.entry.kind != "pasted"}
        by_text = {p.entry.text_sha256: p.entry for p in parts}
        new, unchanged, refreshed = [], [], False
        for doc in docs:
            same = by_text.get(_text_key(doc))
            if same is not None:  # this text is in the library already
                if same.source != doc.source and doc.kind != "pasted":
                    raise SourceError(_same_text(doc, same))
                unchanged.append(same.id)
                if same.sha256 != doc.sha256 and doc.kind != "pasted":
                    # The file's bytes changed but not its text (line ends, a page's furniture): record the new
                    # bytes, or `qa index info` would call it stale for ever.
                    part = parts[by_source[doc.source]]
                    part.entry = replace(same, sha256=doc.sha256, title=doc.title, meta=dict(doc.meta))
                    refreshed = True
                continue
            if id(doc) not in vectors:  # unchanged when we looked, changed by another writer since: rare
                vectors[id(doc)] = embed_documents([doc], embedder, index_dir / CACHE)[0]
            part = _new_part(doc, vectors[id(doc)])
            at = by_source.get(doc.source) if doc.kind != "pasted" else None
            if at is None:
                parts.append(part)
            else:
                part.keep_id = parts[at].entry.id
                parts[at] = part
            new.append(part)
        if not new and not refreshed:
            return Change(index.manifest, [], [], unchanged, [])
        manifest = _commit(index_dir, parts, embedder, started)
        _collect_garbage(index_dir)
    ids = [manifest.documents[parts.index(p)].id for p in new]
    updated = [i for i, p in zip(ids, new, strict=True) if p.keep_id]
    return Change(manifest, [i for i in ids if i not in updated], updated, unchanged, [])


def remove_documents(document_ids: Sequence[str], index_dir: str | Path) -> Change:
    """Remove documents from the live library by id; atomic. Removing the last document is refused."""
    started = time.perf_counter()
    index_dir = _prepare_dir(index_dir)
    read_manifest(index_dir)
    with _build_lock(index_dir):
        index = load_index(index_dir)
        known = {d.id for d in index.manifest.documents}
        missing = [i for i in dict.fromkeys(document_ids) if i not in known]
        if missing:
            raise QAError(f"no document {missing[0]!r} in {index_dir}; its documents are: {', '.join(sorted(known))}")
        gone = set(document_ids)
        parts = [p for p in _kept_parts(index) if p.entry.id not in gone]
        if not parts:
            raise QAError(
                f"refusing to remove every document of {index_dir}: an index needs at least one; "
                f"build a new one with: qa index build --source FILE --index-dir {_quote(str(index_dir))}"
            )
        manifest = _commit(index_dir, parts, _StoredModel(index.manifest), started)
        _collect_garbage(index_dir)
    return Change(manifest, [], [], [], list(dict.fromkeys(document_ids)))


class _StoredModel(Embedder):
    """Stands for the model of an existing index when nothing is embedded (removing documents)."""

    def __init__(self, manifest: Manifest) -> None:
        super().__init__()
        self.name, self.model_id, self.dim = manifest.model, manifest.model_id, manifest.dim

    def _embed(self, texts: list[str], *, query: bool) -> np.ndarray:  # pragma: no cover - never called
        raise AssertionError("removing documents embeds nothing")


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


def _collect_garbage(index_dir: Path) -> None:
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
            view: faiss.deserialize_index(np.frombuffer(blobs[f"{view}.faiss"], dtype=np.uint8))
            for view in manifest.views
        }
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
    return LoadedIndex(index_dir, build_dir, manifest, sentences, vectors, paragraphs)


def document_staleness(entry: DocumentEntry) -> Staleness:
    """Whether a file document changed or went away since it was indexed (URLs and pasted text never are)."""
    if not entry.is_file:
        return Staleness(False, "")
    try:
        _, data = read_bytes(entry.source)
    except QAError as exc:
        reason = f"{entry.source} no longer exists" if "not found" in str(exc) else str(exc)
        return Staleness(True, reason, missing=True)
    if sha256(data) != entry.sha256:
        return Staleness(True, f"{entry.source} has changed since the index was built")
    return Staleness(False, "")


def staleness(manifest: Manifest, source: str | Path | None = None, model: str | None = None) -> Staleness:
    """Whether the index no longer serves `source`/`model` (defaults: what it was built from)."""
    if source is not None:
        wanted = (
            str(source) if isinstance(source, str) and "://" in source else str(Path(source).expanduser().absolute())
        )
        if wanted not in {d.source for d in manifest.documents}:
            built = ", ".join(d.source for d in manifest.documents)
            return Staleness(True, f"it was built from {built}, not {wanted}")
    if model is not None and model_id_for(model) != manifest.model_id:
        return Staleness(True, f"it was built with model {manifest.model!r}, not {model!r}")
    for entry in manifest.documents:
        if source is not None and entry.source != wanted:
            continue
        state = document_staleness(entry)
        if state.stale and not state.missing:
            return state  # a moved or deleted source still answers from its stored text
    return Staleness(False, "")
