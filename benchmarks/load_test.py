"""Many people at once: concurrent clients asking the running app through its API, against a sequential run.

    .venv/bin/python benchmarks/load_test.py [--clients 20] [--questions 20] [--url http://127.0.0.1:7860/]

Without --url it starts `python app.py` on a free localhost port with QA_INDEX_DIR set to a temporary directory
holding a copy of the default index (the app builds one there if there is none to copy), and stops it at the end.

1. sequential: one client asks each of the 20 questions (English, Ukrainian, Russian) once; these are the
   reference answers.
2. concurrent: `--clients` threads, each with its own gradio_client.Client, start together and each asks
   `--questions` questions (the same 20, each client starting at another one), through
   `Client.predict(question, 3, api_name="/ask")`.

Prints the p50/p95/max latency of a call as the client sees it (queueing included: the app answers one question
at a time), the throughput, the errors, and the answers that differ from the sequential run. Nothing is fetched
from the internet. The tests (tests/test_reliability_load.py) use the functions below on an app they start.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

QUESTIONS = [
    "Who is Kyslytsya?",
    "What did Kyslytsya read out at the United Nations?",
    "How many Russian soldiers have been killed?",
    "What did Biden say to the citizens of Russia?",
    "What did the mayor of Kyiv tell Russian soldiers?",
    "How many anti-war protesters have been detained in Russia?",
    "What does Moscow call the war?",
    "Did the Red Cross comment on the videos?",
    "What is the website for families of Russian soldiers?",
    "What's the capital of Australia?",
    "Хто такий Кислиця?",
    "Скільки російських солдатів загинуло?",
    "Що Байден сказав громадянам Росії?",
    "Як Москва називає війну?",
    "Скільки людей затримали на антивоєнних протестах?",
    "Кто такой Кислица?",
    "Что мэр Киева сказал российским солдатам?",
    "Сколько российских солдат погибло?",
    "Что сказал Зеленский российским матерям?",
    "Какая столица Австралии?",
]


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds per call, as the client saw it
    errors: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)  # questions answered unlike the sequential run
    wall: float = 0.0

    @property
    def calls(self) -> int:
        return len(self.latencies) + len(self.errors)

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]

    def summary(self) -> str:
        return (
            f"{self.calls} calls in {self.wall:.1f} s ({self.calls / self.wall:.1f}/s): "
            f"p50 {self.percentile(50) * 1000:.0f} ms, p95 {self.percentile(95) * 1000:.0f} ms, "
            f"max {max(self.latencies) * 1000:.0f} ms; errors {len(self.errors)}, "
            f"answers unlike the sequential run {len(self.mismatches)}"
        )


def client(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False)


def ask_sequentially(url: str, questions: list[str], k: int = 3) -> dict[str, dict]:
    """The reference: each question asked once, one at a time."""
    c = client(url)
    return {q: c.predict(q, k, api_name="/ask") for q in questions}


def run_load(
    url: str, questions: list[str], reference: dict[str, dict], clients: int = 20, per_client: int = 20, k: int = 3
) -> LoadResult:
    """`clients` threads start together; client i asks questions[(i + j) % len] for j < per_client."""
    result = LoadResult()
    lock = threading.Lock()
    handles = [client(url) for _ in range(clients)]  # connecting is not part of answering
    start = threading.Barrier(clients + 1)

    def work(i: int) -> None:
        start.wait()
        for j in range(per_client):
            question = questions[(i + j) % len(questions)]
            began = time.perf_counter()
            try:
                answer = handles[i].predict(question, k, api_name="/ask")
            except Exception as exc:  # noqa: BLE001 - every failure is counted and shown
                with lock:
                    result.errors.append(f"{question!r}: {type(exc).__name__}: {exc}")
                continue
            elapsed = time.perf_counter() - began
            with lock:
                result.latencies.append(elapsed)
                if answer != reference[question]:
                    result.mismatches.append(question)

    threads = [threading.Thread(target=work, args=(i,), name=f"client-{i}") for i in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    result.wall = time.perf_counter() - began
    return result


# --- starting the app when no --url is given ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(app: Path, index_dir: Path, port: int, log: Path) -> subprocess.Popen:
    """`python app.py --port PORT` with QA_INDEX_DIR=index_dir, on localhost (QA_HOST unset)."""
    env = {**os.environ, "QA_INDEX_DIR": str(index_dir), "PYTHONUNBUFFERED": "1"}
    env.pop("QA_HOST", None)
    env.pop("QA_PORT", None)
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, str(app), "--port", str(port)], cwd=app.parent, env=env, stdout=out, stderr=out
        )


def wait_until_serving(url: str, proc: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url + "config", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"app.py did not serve {url} within {timeout} s:\n{log.read_text(errors='replace')}")


def stop_app(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=20, help="questions per client")
    parser.add_argument("--url", help="an app already running; default: start `python app.py` on a free port")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")

    proc = None
    url = args.url
    if not url:
        sys.path.insert(0, str(REPO))
        from qa.paths import default_index_dir

        workdir = Path(tempfile.mkdtemp(prefix="qa-load-"))
        index_dir = workdir / "index"
        if (default_index_dir() / "CURRENT").is_file():
            shutil.copytree(default_index_dir(), index_dir, ignore=shutil.ignore_patterns(".lock"))
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        log = workdir / "app.log"
        proc = start_app(REPO / "app.py", index_dir, port, log)
    try:
        if proc is not None:
            wait_until_serving(url, proc, log)
        reference = ask_sequentially(url, QUESTIONS)  # also warms the app up
        began = time.perf_counter()
        ask_sequentially(url, QUESTIONS)
        sequential = (time.perf_counter() - began) / len(QUESTIONS)
        print(f"sequential: {len(QUESTIONS)} questions, {sequential * 1000:.0f} ms per call")
        result = run_load(url, QUESTIONS, reference, args.clients, args.questions)
        print(f"concurrent: {args.clients} clients x {args.questions} questions: {result.summary()}")
        for line in result.errors[:10]:
            print("  error:", line)
        for question in sorted(set(result.mismatches))[:10]:
            print("  differs:", question)
    finally:
        if proc is not None:
            stop_app(proc)
    sys.exit(1 if result.errors or result.mismatches else 0)


if __name__ == "__main__":
    main()
