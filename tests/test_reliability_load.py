"""Many people at once, and a rebuild under their feet: the running app (`python app.py`) through its Gradio API.

- 20 clients x 10 questions at once get exactly the answers of a sequential run, with zero errors, through
  gradio's /ask and through POST /api/ask (JSON); the latency figures (p50/p95) are printed, never asserted.
- `qa index build` run while the app serves: questions in flight keep being answered from the old index until
  the new build is complete, then the app switches to it, and no question fails.
- The app listens on 127.0.0.1 only unless told otherwise.

The app runs from a copy of the package in a temporary directory, so that the rebuild can change the bundled
article (the copy's) without touching the repository; its index starts as a copy of the session's bundled index.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.index import CURRENT, MANIFEST, Manifest

REPO = Path(__file__).resolve().parent.parent
LIGHTHOUSE = "The lighthouse keeper of Odesa counted forty ships at dawn."
LIGHTHOUSE_QUESTION = "How many ships did the lighthouse keeper count?"


def _load_benchmark():
    sys.path.append(str(REPO / "benchmarks"))  # load_test.py imports its siblings (serving, timing) by name
    spec = importlib.util.spec_from_file_location("qa_load_test", REPO / "benchmarks" / "load_test.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


bench = _load_benchmark()


@dataclasses.dataclass
class App:
    root: Path  # the copy of the package and app.py
    index_dir: Path
    url: str
    port: int
    proc: subprocess.Popen
    log: Path

    @property
    def article(self) -> Path:
        return self.root / "qa" / "data" / "article.txt"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, bundled_index: Path) -> Iterator[App]:
    pytest.importorskip("gradio_client")
    work = tmp_path_factory.mktemp("load")
    root = work / "app"
    shutil.copytree(REPO / "qa", root / "qa", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "app.py", root / "app.py")
    # The session's index of the same article, re-pointed at the copy's article (same bytes, other path).
    index_dir = work / "index"
    shutil.copytree(bundled_index, index_dir, ignore=shutil.ignore_patterns(".lock"))
    build = index_dir / (index_dir / CURRENT).read_text(encoding="utf-8")
    manifest = Manifest.from_json((build / MANIFEST).read_text(encoding="utf-8"))
    source = root / "qa" / "data" / "article.txt"
    moved = [dataclasses.replace(manifest.documents[0], source=str(source))]
    (build / MANIFEST).write_text(dataclasses.replace(manifest, documents=moved).to_json(), encoding="utf-8")

    port = bench.free_port()
    url = f"http://127.0.0.1:{port}/"
    log = work / "app.log"
    proc = bench.start_app(root / "app.py", index_dir, port, log)
    try:
        bench.wait_until_serving(url, proc, log)
        yield App(root, index_dir, url, port, proc, log)
    finally:
        bench.stop_app(proc)


def _report(request: pytest.FixtureRequest, key: str, value: object) -> None:
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_line(f"reliability ({key}): {value}")
    target = os.environ.get("QA_RELIABILITY_COUNTS")
    if target:
        path = Path(target)
        data = json.loads(path.read_text()) if path.is_file() else {}
        data.setdefault("load", {})[key] = value
        path.write_text(json.dumps(data, indent=2))


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if int(hex_port, 16) == port and state == "0A":  # LISTEN
                found.add(address)
    return found


def test_app_listens_on_localhost_only(app):
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp on this system")
    assert _listening_addresses(app.port) == {"0100007F"}  # 127.0.0.1, nothing on 0.0.0.0 or ::
    deadline = time.monotonic() + 30  # the app prints its address just after it starts serving
    while f"http://127.0.0.1:{app.port}/" not in app.log.read_text(errors="replace"):
        assert time.monotonic() < deadline, app.log.read_text(errors="replace")
        time.sleep(0.1)


@pytest.mark.parametrize(
    ("endpoint", "label"),
    [("gradio", "20 clients x 10 questions"), ("api", "20 JSON clients x 10 questions")],
    ids=["gradio /ask", "POST /api/ask"],
)
def test_twenty_clients_at_once_get_the_sequential_answers(app, request, endpoint, label):
    """Through gradio's /ask, and through POST /api/ask (for programs in any language): the same answers."""
    reference = bench.ask_sequentially(app.url, bench.QUESTIONS, endpoint=endpoint)
    assert all(reference[q]["citations"] for q in bench.QUESTIONS)
    if endpoint == "api":
        assert reference == bench.ask_sequentially(app.url, bench.QUESTIONS, endpoint="gradio")
    result = bench.run_load(app.url, bench.QUESTIONS, reference, clients=20, per_client=10, endpoint=endpoint)
    assert result.errors == []
    assert result.mismatches == []
    assert len(result.latencies) == 200
    _report(
        request,
        label,
        {
            "calls": result.calls,
            "errors": len(result.errors),
            "mismatches": len(result.mismatches),
            "p50_ms": round(result.percentile(50) * 1000),
            "p95_ms": round(result.percentile(95) * 1000),
            "max_ms": round(max(result.latencies) * 1000),
            "questions_per_s": round(result.rate, 1),
            "wall_s": round(result.wall, 1),
        },
    )


def test_rebuild_while_serving_keeps_the_old_index_until_the_new_one_is_complete(app, request):
    questions = bench.QUESTIONS[:4] + bench.QUESTIONS[10:12] + [LIGHTHOUSE_QUESTION]
    old = bench.ask_sequentially(app.url, questions)
    assert old[LIGHTHOUSE_QUESTION]["citations"][0]["text"] != LIGHTHOUSE
    live_before = (app.index_dir / CURRENT).read_text()

    # The askers' clients connect first: on a busy machine connecting took longer than the rebuild, and no question
    # was answered before the new build went live.
    clients = [bench.client(app.url) for _ in range(4)]

    # The article changes (shortened, so the rebuild takes seconds, and a sentence added) and is rebuilt by
    # `qa index build` in another process, with the real model.
    head = "\n\n".join(app.article.read_text(encoding="utf-8").split("\n\n")[:6])
    app.article.write_text(f"{head}\n\n{LIGHTHOUSE}\n", encoding="utf-8")
    env = {**os.environ, "QA_INDEX_DIR": str(app.index_dir)}
    build = subprocess.Popen(
        [sys.executable, "-m", "qa.cli", "index", "build"],
        cwd=app.root,  # `-m` puts the copy first on sys.path: its article, its index directory
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    switched_at: list[float] = []  # when CURRENT named the new build

    def watch() -> None:
        while True:
            finished = build.poll() is not None
            if (app.index_dir / CURRENT).read_text() != live_before:
                switched_at.append(time.monotonic())
                return
            if finished:
                return
            time.sleep(0.01)

    log: list[tuple[float, float, str, dict | str]] = []  # (started, finished, question, answer or error)
    lock = threading.Lock()
    stop = threading.Event()

    def ask(i: int) -> None:
        c = clients[i]
        n = i
        while not stop.is_set():
            question = questions[n % len(questions)]
            n += 1
            began = time.monotonic()
            try:
                answer: dict | str = c.predict(question, 3, api_name="/ask")
            except Exception as exc:  # noqa: BLE001 - every failure is a test failure, shown in full
                answer = f"{type(exc).__name__}: {exc}"
            with lock:
                log.append((began, time.monotonic(), question, answer))

    watcher = threading.Thread(target=watch)
    askers = [threading.Thread(target=ask, args=(i,)) for i in range(len(clients))]
    watcher.start()
    for t in askers:
        t.start()
    try:
        out, err = build.communicate(timeout=600)
        assert build.returncode == 0, err
        watcher.join()
        # Keep asking until the app answers from the new build (its next question after the switch loads it).
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with lock:
                done = [a for s, _, q, a in log if q == LIGHTHOUSE_QUESTION and switched_at and s > switched_at[0]]
            if any(isinstance(a, dict) and a["citations"][0]["text"] == LIGHTHOUSE for a in done):
                break
            time.sleep(0.2)
        time.sleep(1.0)
    finally:
        stop.set()
        for t in askers:
            t.join()
        if build.poll() is None:
            build.kill()
            build.wait()

    new = bench.ask_sequentially(app.url, questions)
    assert new[LIGHTHOUSE_QUESTION]["citations"][0]["text"] == LIGHTHOUSE
    assert switched_at, "the rebuild never made a new build live"
    switch = switched_at[0]

    errors = [(q, a) for _, _, q, a in log if isinstance(a, str)]
    assert errors == []
    # Finished before the new build went live: answered from the old index, exactly.
    before = [(q, a) for _, finished, q, a in log if finished < switch]
    assert before and all(a == old[q] for q, a in before)
    # Every answer is the old index's or the new one's, never a mix; once the new one answered, never the old.
    assert all(a in (old[q], new[q]) for _, _, q, a in log)
    first_new = min(finished for _, finished, q, a in log if a == new[q] and a != old[q])
    assert all(a == new[q] for began, _, q, a in log if began > first_new)
    _report(
        request,
        "rebuild while serving",
        {"questions": len(log), "answered during the build": len(before), "errors": len(errors)},
    )


def test_markup_and_control_characters_come_back_through_the_api_as_data(app):
    """The API returns the question as asked, as JSON data; nothing in it is evaluated or rendered."""
    c = bench.client(app.url)
    for question in ["<script>alert(1)</script> Who is Kyslytsya?", "{{7*7}} ${7*7} Who\x00 is\x1b[31m Kyslytsya?"]:
        answer = c.predict(question, 2, api_name="/ask")
        assert answer["question"] == question
        assert len(answer["citations"]) == 2 and "Kyslytsya" in answer["citations"][0]["text"]
