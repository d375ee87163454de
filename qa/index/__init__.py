"""A library of documents as a FAISS index on disk: built, changed, stored atomically and opened.

On disk an index directory holds complete builds side by side, a CURRENT file naming the live one, the stored
texts that citations point at, and a cache of parsed documents and their vectors:

    index/CURRENT              "20261127T140102Z-3f9a1c"
    index/20261127T140102Z-3f9a1c/manifest.json, sentences.json, sentence.faiss, sparse.bin
    index/texts/<sha256>.txt   each document's stored text (citations: text[start:end])
    index/cache/               parsed documents and vectors, keyed by model and text: an unchanged document is
                               never split or embedded again

    manifest.py  the format: names on disk, the manifest and its rows and documents, staleness, rebuild commands
    vectors.py   what is embedded for each sentence (one pass: dense and sparse), the chunked vector cache
    storage.py   atomic builds: written beside the live one, switched in by replacing CURRENT; loading and checks
    build.py     build, add and remove: sources -> documents -> vectors -> a stored build, top-down
"""

from qa.index.build import (
    Change,
    Skipped,
    SourceSpec,
    add_documents,
    build_index,
    read_documents,
    remove_documents,
)
from qa.index.manifest import (
    CACHE,
    CURRENT,
    INDEX_FORMAT,
    KEEP_BUILDS,
    MANIFEST,
    TEXTS,
    DocumentEntry,
    Manifest,
    Row,
    Staleness,
    document_staleness,
    rebuild_command,
    staleness,
)
from qa.index.storage import LoadedIndex, live_build_id, load_index, read_manifest
from qa.index.vectors import VIEWS, reading

__all__ = [
    "CACHE", "CURRENT", "INDEX_FORMAT", "KEEP_BUILDS", "MANIFEST", "TEXTS", "VIEWS", "Change", "DocumentEntry",
    "LoadedIndex", "Manifest", "Row", "Skipped", "SourceSpec", "Staleness", "add_documents", "build_index",
    "document_staleness", "live_build_id", "load_index", "read_documents", "read_manifest", "rebuild_command",
    "remove_documents", "staleness", "reading",
]  # fmt: skip
