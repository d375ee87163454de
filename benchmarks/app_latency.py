"""How long `python app.py` takes to serve its first answer, and how long an answer takes through the API.

    .venv/bin/python benchmarks/app_latency.py [--runs 5] [--questions 60]

- startup: from spawning `python app.py` until the page is served, and until the first answer to a question
  asked through gradio_client arrives (the client polls every 0.1 s). The index is built once beforehand in a
  temporary directory, so this is every start but the very first; that build is timed and printed too.
- answers: one running app is asked the page's example questions (English, Ukrainian, Russian) in turn through
  `Client.predict(question, 3, api_name="/ask")` and through POST /api/ask (JSON over one keep-alive connection),
  alternately, after one warm-up call each; wall time per call as the client sees it.

Prints medians (and the spread) over the runs. Nothing is fetched from the internet.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from serving import free_port, start_app, stop_app, wait_until_serving  # a sibling: benchmarks/ is sys.path[0]

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def one_start(index_dir: Path, question: str) -> tuple[float, float]:
    """(seconds to the page, seconds to the first answer) for one `python app.py`."""
    from gradio_client import Client

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = Path(tempfile.mkstemp(prefix="qa-app-", suffix=".log")[1])
    started = time.perf_counter()
    proc = start_app(REPO / "app.py", index_dir, port, log)
    try:
        wait_until_serving(url, proc, log)
        page = time.perf_counter() - started
        Client(url, verbose=False).predict(question, 3, api_name="/ask")
        return page, time.perf_counter() - started
    finally:
        stop_app(proc)
        log.unlink(missing_ok=True)


def answer_times(index_dir: Path, questions: list[str], n: int) -> dict[str, list[float]]:
    """Seconds per call, by endpoint: gradio_client's /ask and POST /api/ask (JSON, one keep-alive connection),
    asked in turn of one running app so both see the same machine."""
    from gradio_client import Client
    from load_test import ApiClient

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = Path(tempfile.mkstemp(prefix="qa-app-", suffix=".log")[1])
    proc = start_app(REPO / "app.py", index_dir, port, log)
    try:
        wait_until_serving(url, proc, log)
        clients = {"gradio_client /ask": Client(url, verbose=False), "POST /api/ask": ApiClient(url)}
        for client in clients.values():
            client.predict(questions[0], 3, api_name="/ask")  # warm-up: a first call sets up the session
        times: dict[str, list[float]] = {name: [] for name in clients}
        for i in range(n):
            for name, client in clients.items():
                began = time.perf_counter()
                client.predict(questions[i % len(questions)], 3, api_name="/ask")
                times[name].append(time.perf_counter() - began)
        return times
    finally:
        stop_app(proc)
        log.unlink(missing_ok=True)


def describe(values: list[float], unit: str = "s", scale: float = 1.0) -> str:
    v = sorted(x * scale for x in values)
    p90 = v[min(len(v) - 1, round(0.9 * (len(v) - 1)))]
    return f"median {statistics.median(v):.2f} {unit} (min {v[0]:.2f}, p90 {p90:.2f}, max {v[-1]:.2f}; n={len(v)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="app starts to time (default 5)")
    parser.add_argument("--questions", type=int, default=60, help="API calls to time (default 60)")
    args = parser.parse_args()

    from qa.index import build_index
    from qa.messages import t
    from qa.paths import DEFAULT_SOURCE
    from qa.web import EXAMPLES

    questions = [t(key, code) for code, key in EXAMPLES]
    with tempfile.TemporaryDirectory(prefix="qa-bench-index-") as tmp:
        index_dir = Path(tmp)
        began = time.perf_counter()
        build_index(DEFAULT_SOURCE, index_dir)
        print(f"index build (first start only, bundled article): {time.perf_counter() - began:.1f} s", flush=True)

        pages, answers = [], []
        for run in range(args.runs):
            page, answer = one_start(index_dir, questions[run % len(questions)])
            pages.append(page)
            answers.append(answer)
            print(f"  start {run + 1}: page {page:.2f} s, first answer {answer:.2f} s", flush=True)
        print(f"python app.py -> page served:  {describe(pages)}")
        print(f"python app.py -> first answer: {describe(answers)}")

        for name, times in answer_times(index_dir, questions, args.questions).items():
            print(f"answer through {name} (k=3): {describe(times, 'ms', 1000)}")


if __name__ == "__main__":
    main()
