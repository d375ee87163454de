"""Errors a user can cause and fix. Each message says what is wrong and, where it helps, the command that fixes it."""

from __future__ import annotations


class QAError(Exception):
    """A domain error: the CLI prints its message on one line and exits 1."""


class SourceError(QAError):
    """The source document cannot be read or holds no article text."""


class BadIndexError(QAError):
    """Base for problems with a built index (missing, stale, mismatched, corrupt)."""


class IndexMissingError(BadIndexError):
    pass


class IndexMismatchError(BadIndexError):
    """The index was built from another source file or model than the one asked for."""


class IndexCorruptError(BadIndexError):
    pass


class IndexBusyError(BadIndexError):
    """Another process is building this index right now."""


class QuestionError(ValueError):
    """A question that cannot be asked (empty, too long, no words). A ValueError, as the API promises."""

    def __init__(self, message: str, key: str, **fields: object) -> None:
        super().__init__(message)
        # key/fields let the UI and CLI say the same thing in the asker's language (qa.messages).
        self.key = key
        self.fields = fields


class BuildCancelled(QAError):
    """A build or an add stopped on request (Ctrl-C, the page's Cancel) before anything was committed: the library
    is as it was, and the passages embedded so far stay in the cache, so the same build again resumes there."""

    def __init__(self, done: int = 0, total: int = 0) -> None:
        super().__init__(f"stopped after {done} of {total} passages; the index is unchanged")
        self.done = done  # passages embedded (and cached) by this build before it stopped
        self.total = total
