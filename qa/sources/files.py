"""Reading a source file safely: regular files only, no NULs, strict UTF-8 (HTML may declare its own charset)."""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from qa.errors import SourceError

MAX_FILE_BYTES = 50 * 1024 * 1024  # a bigger "article" is a mistake (a disk image, a log); say so, do not embed it
# <meta charset="windows-1251"> or <meta http-equiv="Content-Type" content="text/html; charset=koi8-r">
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def read_bytes(path: str | Path) -> tuple[Path, bytes]:
    """(absolute path, the file's bytes). Raises SourceError naming the path for anything but a readable file."""
    path = Path(path).expanduser().absolute()
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) and not path.is_dir():
            # reading a FIFO or a device (/dev/zero) would block or never end
            raise SourceError(f"source is not a regular file (a device, pipe or socket): {path}")
        if info.st_size > MAX_FILE_BYTES:
            raise SourceError(
                f"source file is too large ({info.st_size:,} bytes, the limit is {MAX_FILE_BYTES:,}): {path}"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"source file not found: {path}") from None
    except IsADirectoryError:
        raise SourceError(f"source is a directory, not a text file: {path}") from None
    except OSError as exc:
        raise SourceError(f"cannot read source file {path}: {exc.strerror or exc}") from None
    if is_blank(data):
        raise SourceError(f"source file is empty: {path}")
    return path, data


def is_blank(data: bytes) -> bool:
    """Nothing but white space: what every face calls an empty file."""
    return not data.strip()


@dataclass(frozen=True)
class Upload(os.PathLike):
    """A file a person uploaded: where the web server keeps it for now, and the name it was given.

    A path-like, so whatever checks a file (its size, its suffix, its first bytes) checks this one as it is; and
    load_source records it as "upload: NAME" (qa.sources.document.UPLOADED), never by its temporary path, which is
    gone once the upload is cleaned up. Pass it on as it is (not str() of it) to keep the name."""

    path: str
    name: str

    def __fspath__(self) -> str:
        return self.path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_utf8(data: bytes, where: str, what: str = "source file") -> str:
    """UTF-8 text without NULs, or SourceError naming `where`."""
    # The embedding engine reads C strings, so a sentence would be embedded up to a NUL only.
    nul = data.find(b"\x00")
    if nul != -1:
        raise SourceError(f"{what} looks binary (NUL byte at offset {nul}), expected UTF-8 text: {where}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{what} is not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}: {where}"
        ) from None


def decode_text(data: bytes, where: str, charset: str | None, what: str = "source file") -> str:
    """Text in the charset it was served with (a name Python does not know counts as none), else UTF-8."""
    name = _known(charset)
    if not name or codecs.lookup(name).name in ("utf-8", "ascii"):
        return decode_utf8(data, where, what)
    try:
        text = data.decode(name)
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{what} is not valid {name}: byte 0x{data[exc.start]:02x} at offset {exc.start}: {where}"
        ) from None
    nul = text.find("\x00")  # the embedding engine reads C strings (see decode_utf8)
    if nul != -1:
        raise SourceError(f"{what} looks binary (NUL at character {nul}), expected {name} text: {where}")
    return text


def decode_html(data: bytes, where: str, charset: str | None = None, what: str = "source file") -> str:
    """An HTML page's text: the charset it was served with or declares in a <meta> tag, else UTF-8."""
    declared = _known(charset) or _declared_charset(data)
    if declared and codecs.lookup(declared).name not in ("utf-8", "ascii"):
        return decode_text(data, where, declared, what)
    return decode_utf8(data.removeprefix(codecs.BOM_UTF8), where, what)


def _known(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        codecs.lookup(charset)
    except LookupError:
        return None  # as browsers do: an unknown label is ignored
    return charset


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    name = match.group(1).decode("ascii", "replace")
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return name
