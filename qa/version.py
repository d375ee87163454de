"""qa's version, recorded in every index it builds (pyproject.toml reads it from here)."""

__version__ = "0.1.0"
