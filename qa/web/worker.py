"""The process that embeds a document for the web app and adds it to the library, so questions come first.

A document read by the app (qa.web.jobs) is embedded here, in a child process of its own (`python -m
qa.web.worker`), at a lower CPU priority and with fewer OpenMP threads than the app: the app's model answers
questions on its own, never waiting behind a book, and the kernel gives a question's threads the CPU the moment
they need it. Measured in benchmarks/build_speed.py: ask latency while a book is added.

The protocol is JSON lines. The app writes the request on the child's stdin (the index folder and the Document),
then may write "cancel"; the child writes on its stdout what happens:

    {"total": N}                    N passages to embed (the rest came from the cache)
    {"done": n}                     n of them embedded and stored in the cache, after each chunk
    {"added": ID, "title": T, "unchanged": false}
    {"cancelled": n}                stopped on request: the library is as it was, the n passages stay cached
    {"failed": "source" | "index" | "internal", "reason": "…"}

A cancel is honoured at the next chunk (qa.index's progress contract: an exception raised by `tick` stops the
build before anything is committed). The child also stops, the same way, when its stdin closes: the app is gone.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import traceback
from pathlib import Path
from typing import Any, TextIO

# Added to the app's niceness: the kernel then gives a question's threads ~10 times the embedding's share of the CPU.
# Measured with benchmarks/build_speed.py, questions asked back to back while a book was added (load average 4-5):
# ask p50 2.4x idle at nice 0, 1.4x at 5, 1.1x at 10; at 19 the book made no progress at all meanwhile.
NICE = 10
# The model's OpenMP threads: both cores when no question needs them (one thread: no faster answers, measured).
THREADS = 2


def document_json(doc: Any) -> dict[str, Any]:
    """A Document as JSON-ready data (the parse cache's format)."""
    from dataclasses import asdict

    return asdict(doc)


def _document(data: dict[str, Any]) -> Any:
    from qa.sources.cache import _decode

    return _decode(data)  # checks that every sentence is a slice of the text, as a cache entry is checked


def _send(channel: TextIO, **message: object) -> None:
    try:
        channel.write(json.dumps(message) + "\n")
        channel.flush()
    except (OSError, ValueError):
        pass  # the app is gone: nobody to tell (and its stdin closing has stopped this add)


def _listen(stop: threading.Event) -> None:
    """Set `stop` when the app asks to cancel, or goes away (stdin closes)."""
    for line in sys.stdin:
        if line.strip() == "cancel":
            break
    stop.set()


def run(request: dict[str, Any], channel: TextIO, stop: threading.Event) -> None:
    from qa.errors import BuildCancelled, QAError, SourceError
    from qa.index import add_documents

    doc = _document(request["document"])
    done = 0

    def progress(total: int) -> Any:
        _send(channel, total=total)
        if stop.is_set():
            raise BuildCancelled(0, total)

        def tick(n: int) -> None:
            nonlocal done
            done += n
            _send(channel, done=done)
            if stop.is_set():
                raise BuildCancelled(done, total)

        return tick

    try:
        change = add_documents([doc], Path(request["index_dir"]), progress=progress)
    except BuildCancelled:
        _send(channel, cancelled=done)
        return
    except SourceError as exc:  # the same text as a document of the library under another source, typically
        _send(channel, failed="source", reason=str(exc))
        return
    except QAError as exc:  # the index itself: another model, unreadable
        _send(channel, failed="index", reason=str(exc))
        return
    except Exception:
        traceback.print_exc()  # to the app's log
        _send(channel, failed="internal", reason="")
        return
    document = (change.added + change.updated + change.unchanged)[0]
    title = change.manifest.document(document).title
    _send(channel, added=document, title=title, unchanged=not (change.added or change.updated))


def main() -> None:
    # The channel is this process's stdout as it was started; anything else printed goes to stderr (the app's log).
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        os.nice(NICE)
    except OSError:
        pass  # not allowed to lower its priority: it still runs, only less politely
    request = json.loads(sys.stdin.readline())
    stop = threading.Event()
    threading.Thread(target=_listen, args=(stop,), name="qa-add-listen", daemon=True).start()
    run(request, channel, stop)
    try:
        channel.close()
    except OSError:
        pass


if __name__ == "__main__":
    main()
