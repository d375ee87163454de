"""Building and changing a library, top-down: sources are read into documents (qa.sources), their sentences'
vectors come from the cache or the model (vectors.py), and the result is stored as a new build (storage.py)."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from qa.embed import DEFAULT_MODEL, Embedder, SparseRows, load_embedder
from qa.errors import IndexMismatchError, QAError, SourceError
from qa.index.manifest import CACHE, DocumentEntry, Manifest, Row, _quote, _rebuild
from qa.index.storage import (
    Contents,
    LoadedIndex,
    build_lock,
    collect_garbage,
    commit,
    load_index,
    read_manifest,
    store_text,
)
from qa.index.vectors import BuildProgress, Embedded, embed_documents
from qa.sources import Block, Document, Upload, is_upload, load_source, uploaded_name
from qa.sources.cache import deferred_writes
from qa.sources.files import sha256

SourceSpec = str | Path | Upload | Document

# --- Reading sources --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Skipped:
    """A file found in a folder source that was left out of a build, and why: the one line its SourceError says
    (it names the file)."""

    source: str
    reason: str


def expand_sources(specs: Sequence[SourceSpec]) -> list[SourceSpec]:
    """Folders become the .txt/.md/.html files in them (sorted); a source named twice is an error."""
    return [spec for spec, _ in _expand(specs)]


def _expand(specs: Sequence[SourceSpec]) -> list[tuple[SourceSpec, bool]]:
    """(source, whether it was found in a folder) for each source of `specs`, folders expanded."""
    from qa.sources import SOURCE_SUFFIXES
    from qa.sources.url import is_url

    out: list[tuple[SourceSpec, bool]] = []
    seen: set[str] = set()
    for spec in specs:
        if isinstance(spec, Document | Upload):  # read as it is: an upload keeps the name it was given
            out.append((spec, False))
            continue
        in_folder = False
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
                in_folder = True
            else:
                items = [path]
        for item in items:
            key = str(item)
            if key in seen:
                raise SourceError(f"duplicate source: {key} is given twice")
            seen.add(key)
            out.append((item, in_folder))
    return out


def read_documents(specs: Sequence[SourceSpec], index_dir: Path | None = None, *, allow_private: bool = True,
                   live: Manifest | None = None, skipped: list[Skipped] | None = None) -> list[Document]:  # fmt: skip
    """Every source as a Document, or SourceError for the first that cannot be read or repeats another (or a
    document of the `live` library under another source). Nothing changes on disk unless all are good, and then
    only the parse cache.

    With a `skipped` list, a file found in a folder that cannot be read or repeats another's text is left out and
    appended to it instead (one bad file does not sink a folder of good ones). A source named directly is still an
    error, and so is leaving out every file."""
    cache = index_dir / CACHE if index_dir else None
    docs: list[Document] = []
    skippable: set[int] = set()  # ids of the documents that came from a folder
    with deferred_writes():
        for spec, in_folder in _expand(specs):
            if isinstance(spec, Document):
                docs.append(spec)
                continue
            try:
                doc = load_source(spec, allow_private=allow_private, cache=cache)
            except SourceError as exc:
                if skipped is None or not in_folder:
                    raise
                skipped.append(Skipped(str(spec), str(exc)))
                continue
            docs.append(doc)
            if in_folder and skipped is not None:
                skippable.add(id(doc))
        docs = _drop_duplicate_texts(docs, live, skippable, skipped)
    if not docs:  # only when every file was skipped
        count = len(skipped or ())
        raise SourceError(
            "nothing to index: the one file found was refused"
            if count == 1
            else f"nothing to index: all {count} files found were refused"
        )
    return docs


def _text_key(doc: Document) -> str:
    return sha256(doc.text.encode("utf-8", "surrogatepass"))


def _drop_duplicate_texts(docs: Sequence[Document], live: Manifest | None, skippable: set[int],
                          skipped: list[Skipped] | None) -> list[Document]:  # fmt: skip
    """`docs` without repeated texts: a repeat is skipped when its id is in `skippable`, else refused."""
    seen: dict[str, str] = {}
    indexed = {entry.text_sha256: entry for entry in live.documents} if live else {}
    kept = []
    for doc in docs:
        key = _text_key(doc)
        same = indexed.get(key)
        if key in seen:
            reason = f"duplicate source: {doc.source} has the same text as {seen[key]}"
        elif same is not None and same.source != doc.source and _by_source(doc):
            reason = _same_text(doc, same)
        else:
            seen[key] = doc.source
            kept.append(doc)
            continue
        if skipped is None or id(doc) not in skippable:
            raise SourceError(reason)
        skipped.append(Skipped(doc.source, reason))
    return kept


def _by_source(doc: Document) -> bool:
    """Whether a document is known by its source (a file or a URL read again replaces it). Pasted text and uploads
    are not: two people's "notes.txt" are two documents."""
    return doc.kind != "pasted" and not is_upload(doc.source)


def _same_text(doc: Document, entry: DocumentEntry) -> str:
    return f"duplicate source: {doc.source} has the same text as document {entry.id!r} ({entry.source})"


# --- Writing a build ----------------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    words = re.findall(r"[^\W_]+", text.casefold())
    return "-".join(words)[:48].strip("-") or "document"


def _document_id(doc: Document, taken: set[str]) -> str:
    from urllib.parse import urlsplit

    if doc.kind == "pasted":
        base = "pasted-" + _slug(doc.title)[:30]
    elif is_upload(doc.source):
        base = _slug(Path(uploaded_name(doc.source)).stem)
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


@dataclass(eq=False)  # compared by identity: parts hold numpy arrays
class _Part:
    """A document on its way into a build: from a source just read, or kept from the live build."""

    doc: Document | None
    entry: DocumentEntry | None  # when kept from the live build
    embedded: Embedded
    rows: list[Row]
    paragraphs: list[Block]
    keep_id: str = ""  # a document read again keeps the id it had


def _contents(index_dir: Path, parts: list[_Part]) -> Contents:
    """The documents of `parts` in order, with their rows renumbered and each new document's text stored."""
    entries, rows, paragraphs = [], [], []
    taken = {p.entry.id if p.entry else p.keep_id for p in parts} - {""}
    for part in parts:
        if part.entry is not None:
            entry = DocumentEntry(**{**asdict(part.entry), "first": len(rows)})
        else:
            doc = part.doc
            name, digest = store_text(index_dir, doc.text)
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
    dense = np.concatenate([p.embedded.dense for p in parts])
    sparse = None
    if all(p.embedded.sparse is not None for p in parts):
        sparse = SparseRows.concat([p.embedded.sparse for p in parts], parts[0].embedded.sparse.dim)
    return Contents(entries, rows, paragraphs, dense, sparse)


def _new_part(doc: Document, embedded: Embedded) -> _Part:
    rows = [Row(0, s.id, s.paragraph, s.start, s.end, s.text) for s in doc.sentences]
    return _Part(doc, None, embedded, rows, list(doc.paragraphs))


def _kept_parts(index: LoadedIndex) -> list[_Part]:
    parts = []
    for number, entry in enumerate(index.manifest.documents):
        rows = index.sentences[entry.first : entry.first + entry.sentences]
        (flat,) = index.vectors.values()
        sparse = index.sparse.rows(entry.first, entry.first + entry.sentences) if index.sparse is not None else None
        embedded = Embedded(flat.reconstruct_n(entry.first, entry.sentences), sparse)
        parts.append(_Part(None, entry, embedded, rows, index.paragraphs[number]))
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
    skipped: list[Skipped] | None = None,
) -> Manifest:
    """Make exactly `sources` (files, folders, URLs or Documents) the live library of `index_dir`.

    `progress(total)` may return a callback that is told how many passages each batch embedded. Errors in the
    sources are raised before anything but the cache changes on disk; unchanged documents come from the cache.
    `skipped`: a list to which files of folders that cannot be read are added, instead of refusing the build
    (see read_documents).
    """
    started = time.perf_counter()
    index_dir = _prepare_dir(index_dir)
    specs = [sources] if isinstance(sources, str | Path | Upload | Document) else list(sources)
    if not specs:
        raise SourceError("no source to index")
    cache_ready = index_dir if index_dir.is_dir() else None
    docs = read_documents(specs, cache_ready, allow_private=allow_private, skipped=skipped)
    embedder = embedder or load_embedder(model)
    index_dir.mkdir(parents=True, exist_ok=True)
    arrays = embed_documents(docs, embedder, index_dir / CACHE, progress)
    with build_lock(index_dir):
        parts = [_new_part(d, a) for d, a in zip(docs, arrays, strict=True)]
        manifest = commit(index_dir, _contents(index_dir, parts), embedder, started)
        collect_garbage(index_dir)
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
    skipped: list[Skipped] | None = None,
) -> Change:
    """Add sources to the live library, embedding only what is new. A source already there is read again and
    replaced, keeping its id, if its text changed; one whose text did not change is left alone (and nothing is
    embedded for it, cache or not). Atomic like a build. `skipped`: as for build_index."""
    started = time.perf_counter()
    index_dir = _prepare_dir(index_dir)
    _, live = read_manifest(index_dir)
    docs = read_documents(list(sources), index_dir, allow_private=allow_private, live=live, skipped=skipped)
    embedder = embedder or load_embedder(live.model)
    indexed = {entry.text_sha256 for entry in live.documents}
    fresh = [doc for doc in docs if _text_key(doc) not in indexed]
    vectors = dict(zip(map(id, fresh), embed_documents(fresh, embedder, index_dir / CACHE, progress), strict=True))
    with build_lock(index_dir):
        index = load_index(index_dir)  # the library as it is now, after any builder that ran before us
        if index.manifest.model_id != embedder.model_id:
            raise IndexMismatchError(
                f"index in {index_dir} was built with {index.manifest.model_id}, not {embedder.model_id}; "
                f"rebuild with: {_rebuild(index_dir, index.manifest)}"
            )
        parts = _kept_parts(index)
        by_source = {p.entry.source: i for i, p in enumerate(parts) if p.entry.readable_again}  # as _by_source
        by_text = {p.entry.text_sha256: p.entry for p in parts}
        new, unchanged, refreshed = [], [], False
        for doc in docs:
            same = by_text.get(_text_key(doc))
            if same is not None:  # this text is in the library already
                if same.source != doc.source and _by_source(doc):
                    raise SourceError(_same_text(doc, same))
                unchanged.append(same.id)
                if same.sha256 != doc.sha256 and _by_source(doc):
                    # The file's bytes changed but not its text (line ends, a page's furniture): record the new
                    # bytes, or `qa index info` would call it stale for ever.
                    part = parts[by_source[doc.source]]
                    part.entry = replace(same, sha256=doc.sha256, title=doc.title, meta=dict(doc.meta))
                    refreshed = True
                continue
            if id(doc) not in vectors:  # unchanged when we looked, changed by another writer since: rare
                vectors[id(doc)] = embed_documents([doc], embedder, index_dir / CACHE)[0]
            part = _new_part(doc, vectors[id(doc)])
            at = by_source.get(doc.source) if _by_source(doc) else None
            if at is None:
                parts.append(part)
            else:
                part.keep_id = parts[at].entry.id
                parts[at] = part
            new.append(part)
        if not new and not refreshed:
            return Change(index.manifest, [], [], unchanged, [])
        manifest = commit(index_dir, _contents(index_dir, parts), embedder, started)
        collect_garbage(index_dir)
    ids = [manifest.documents[parts.index(p)].id for p in new]
    updated = [i for i, p in zip(ids, new, strict=True) if p.keep_id]
    return Change(manifest, [i for i in ids if i not in updated], updated, unchanged, [])


def remove_documents(document_ids: Sequence[str], index_dir: str | Path) -> Change:
    """Remove documents from the live library by id; atomic. Removing the last document is refused."""
    started = time.perf_counter()
    index_dir = _prepare_dir(index_dir)
    read_manifest(index_dir)
    with build_lock(index_dir):
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
        manifest = commit(index_dir, _contents(index_dir, parts), _StoredModel(index.manifest), started)
        collect_garbage(index_dir)
    return Change(manifest, [], [], [], list(dict.fromkeys(document_ids)))


class _StoredModel(Embedder):
    """Stands for the model of an existing index when nothing is embedded (removing documents)."""

    def __init__(self, manifest: Manifest) -> None:
        super().__init__()
        self.name, self.model_id, self.dim = manifest.model, manifest.model_id, manifest.dim

    def _embed(self, texts: list[str], *, query: bool) -> np.ndarray:  # pragma: no cover - never called
        raise AssertionError("removing documents embeds nothing")
