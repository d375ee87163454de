"""Files people upload on the page: checked before they are read, and removed once their add is over.

gradio keeps each upload in a folder of its own under its upload folder (GRADIO_TEMP_DIR, else <tmp>/gradio) until
told otherwise. The library keeps only a document's text, recorded as "upload: NAME" (qa.sources.Upload), so the
file has no use once its add has finished, added or refused: it is removed then. An upload nobody adds is removed
by gradio's own sweep of the app's files (UPLOAD_MAX_AGE, set in layout.py), and every one of a run when the app
stops.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from qa.web.jobs import AddJob

log = logging.getLogger("qa")

UPLOAD_MAX_AGE = 3600  # seconds: how old an upload nobody added gets before gradio's hourly sweep removes it


def upload_folder() -> Path:
    """Where gradio writes uploads."""
    try:
        from gradio.utils import get_upload_folder
    except ImportError:  # no gradio: nothing was uploaded through it
        return Path(os.environ.get("GRADIO_TEMP_DIR") or "/nonexistent")
    return Path(get_upload_folder()).resolve()


def discard(path: str | None) -> None:
    """Remove an uploaded file and the folder gradio made for it, if that is then empty. A file outside gradio's
    upload folder is never touched (a script or a test calling the handler with a file of its own)."""
    if not path:
        return
    try:
        file = Path(path).resolve()
        if not file.is_relative_to(upload_folder()):
            return
        file.unlink(missing_ok=True)
        if file.parent != upload_folder():
            file.parent.rmdir()  # gradio's folder for this one upload; left alone if anything else is in it
    except OSError as exc:
        log.info("qa: could not remove the upload %s: %s", path, exc)


def discard_when_done(job: AddJob, path: str | None) -> None:
    """discard(path) once `job` has finished reading it: now, or (if the page went away mid-add) when it ends."""
    if job.finished.is_set():
        discard(path)
    else:
        threading.Thread(target=lambda: (job.finished.wait(), discard(path)), name="qa-upload", daemon=True).start()
