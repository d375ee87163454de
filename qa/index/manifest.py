"""The on-disk format of an index: the layout's names, the manifest that vouches for every file of a build, and
the rows and documents it describes; whether an index (or one document of it) is stale, and the command that
rebuilds it."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from qa.embed import model_id_for
from qa.errors import QAError
from qa.paths import DEFAULT_MODEL
from qa.sources.document import is_upload
from qa.sources.files import read_bytes, sha256

# Bump when what is stored changes meaning (views, text layout): older indexes are then rebuilt or refused.
INDEX_FORMAT = 5  # 4: a library of documents, stored texts, the embedding cache; 5: one embedded view + sparse
SPARSE = "sparse"  # the sparse vectors' view name; stored in sparse.bin (qa.index.storage)
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
SENTENCES = "sentences.json"
TEXTS = "texts"
CACHE = "cache"
_SHARED = {TEXTS, CACHE}  # folders beside the builds, never removed as old builds
KEEP_BUILDS = 2  # the live build and the one before it, which a reader may still be opening
CACHE_DAYS = 30  # a cache entry unused this long is removed


@dataclass(frozen=True)
class DocumentEntry:
    """One document of the library, as the manifest records it."""

    id: str  # short, unique in the library: what `qa index remove` and `ask(document=...)` take
    title: str
    kind: str  # "text" | "markdown" | "html" | "pasted"
    source: str  # the file path or URL it was read from, "upload: NAME", or "pasted text"
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
        """Read from a file on this machine, which can change or go (an upload's temporary file is not one)."""
        return self.readable_again and not self.source.startswith(("http://", "https://"))

    @property
    def readable_again(self) -> bool:
        """Whether its source can be given to `qa index` again (a file or a URL, not an upload or pasted text)."""
        return self.kind != "pasted" and not is_upload(self.source)


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
        missing = sorted({SENTENCES, *(view_file(view) for view in views)} - files.keys())
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


def view_file(view: str) -> str:
    """The file of a build that holds a view's vectors."""
    return f"{view}.bin" if view == SPARSE else f"{view}.faiss"


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
    return rebuild_command(index_dir, [d.source for d in manifest.documents if d.readable_again], manifest.model)


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


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
