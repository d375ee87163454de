"""A folder of parsed Documents keyed by what they were made from, so an unchanged source is not split again.

Sentence splitting is the slow part of reading a source (pysbd: about 1 ms a sentence); a rebuild of an unchanged
library reads each file, hashes it, and takes its Document from here. JSON only; a damaged entry is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict
from pathlib import Path

from qa.sources.document import Document
from qa.sources.segment import Block, Sentence

# Bump when splitting or extraction changes what a source turns into: older entries are then not used.
# 2: wrapped and indented plain text, enumerations, quotations in HTML; 3: [bracketed] notes kept, no sentence
# starts with a small letter; 4: a page of a few labels (its menu) has no main text; 5: Markdown front matter
SOURCES_VERSION = 5


def cached_document(folder: Path | None, parts: tuple[str, ...], make: Callable[[], Document]) -> Document:
    if folder is None:
        return make()
    key = hashlib.sha256("\0".join((str(SOURCES_VERSION), *parts)).encode("utf-8", "surrogatepass")).hexdigest()
    path = folder / f"doc-{key}.json"
    try:
        document = _decode(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    else:
        touch(path)
        return document
    document = make()
    pending = _pending.get()
    if pending is not None:
        pending.append((path, document))
    else:
        _write(path, document)
    return document


_pending: ContextVar[list[tuple[Path, Document]] | None] = ContextVar("pending_documents", default=None)


@contextmanager
def deferred_writes() -> Iterator[None]:
    """Write the Documents made inside the block to the cache only if the block succeeds: a command refused for
    one bad source among several leaves the index directory, cache included, as it was."""
    pending: list[tuple[Path, Document]] = []
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    for path, document in pending:
        _write(path, document)


def touch(path: Path) -> None:
    """Mark a cache entry used (the index's garbage collector removes entries unused for weeks)."""
    try:
        os.utime(path)
    except OSError:
        pass  # a read-only cache still serves


def _write(path: Path, document: Document) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        data = asdict(document)
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8", errors="surrogatepass")
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs time


def _decode(data: dict) -> Document:
    text = data["text"]
    sentences = tuple(Sentence(**row) for row in data["sentences"])
    if any(text[s.start : s.end] != s.text for s in sentences):
        raise ValueError("a cached sentence is not a slice of its text")
    paragraphs = tuple(Block(**row) for row in data["paragraphs"])
    fields = {k: data[k] for k in ("source", "kind", "sha256", "title", "language", "meta")}
    return Document(text=text, sentences=sentences, paragraphs=paragraphs, **fields)
