"""Where the bundled article and the default index live."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_SOURCE = PACKAGE_DIR / "data" / "article.txt"


def default_index_dir() -> Path:
    """QA_INDEX_DIR if set; else `index/` in a source checkout; else a per-user cache directory."""
    override = os.environ.get("QA_INDEX_DIR")
    if override:
        return Path(override).expanduser().absolute()
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "index").is_dir():
        return checkout / "index"
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "qa" / "index"
