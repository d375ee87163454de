"""qa: answer questions about an article by quoting its own sentences, in English, Ukrainian or Russian.

>>> from qa import ask
>>> answer = ask("Хто такий Кислиця?", k=3)
>>> answer.citations[0].text
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qa.version import __version__

__all__ = ["Answer", "Citation", "Retriever", "LiveRetriever", "ask", "build_index", "QAError", "__version__"]

if TYPE_CHECKING:
    from qa.answer import Answer, Citation
    from qa.errors import QAError
    from qa.index import build_index
    from qa.service import LiveRetriever, Retriever, ask

_LAZY = {
    "Answer": "qa.answer",
    "Citation": "qa.answer",
    "QAError": "qa.errors",
    "build_index": "qa.index",
    "Retriever": "qa.service",
    "LiveRetriever": "qa.service",
    "ask": "qa.service",
}


def __getattr__(name: str) -> Any:
    # numpy and faiss load only when something that needs them is used, so `import qa` and `qa --help` are fast.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'qa' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
