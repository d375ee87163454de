"""Warm, in-process latency of Retriever.ask against a bare query embedding, on the dev questions.

    python benchmarks/ask_latency.py [--runs 3] [--index-dir DIR] [--questions FILE]

What and how:
- The index: --index-dir, else the bundled article is built once into a temp dir (not timed).
- The retriever is loaded once (qa.service.LiveRetriever(index_dir).retriever()), then one untimed pass over
  all questions warms it up (model pages, langdetect profiles, caches).
- Each timed pass (--runs, default 3) goes over every question of tests/data/questions_dev.jsonl and times, with
  time.perf_counter(), `retriever.ask(q, k=3)` and the bare query embedding `retriever.embedder.embed_queries([q])`
  back to back, so both see the same noise; which of the two goes first alternates from question to question.
- Reported: p50 and p95 of each over all timed calls, and the ratio ask p50 / embed p50, which says how much
  ask adds to the embedding it cannot avoid (and is steadier than the absolute figures on a busy machine).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
TARGET_P50_MS = 30.0
TARGET_RATIO = 1.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed passes over the questions (default 3)")
    parser.add_argument("--index-dir", type=Path, help="a built index (default: build the bundled article)")
    parser.add_argument("--questions", type=Path, default=REPO / "tests/data/questions_dev.jsonl")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    questions = [json.loads(line)["question"] for line in args.questions.read_text(encoding="utf-8").splitlines()]
    questions = [q for q in questions if q.strip()]

    with tempfile.TemporaryDirectory(prefix="qa-ask-") as tmp:
        index_dir = args.index_dir
        if index_dir is None:
            from qa.index import build_index
            from qa.paths import DEFAULT_SOURCE

            index_dir = Path(tmp) / "index"
            build_index(DEFAULT_SOURCE, index_dir)
        from qa.service import LiveRetriever

        retriever = LiveRetriever(index_dir).retriever()
        embedder = retriever.embedder
        for q in questions:  # warm-up
            retriever.ask(q, k=3)
            embedder.embed_queries([q])

        ask_ms: list[float] = []
        embed_ms: list[float] = []

        def time_ask(q: str) -> None:
            started = time.perf_counter()
            retriever.ask(q, k=3)
            ask_ms.append((time.perf_counter() - started) * 1000)

        def time_embed(q: str) -> None:
            started = time.perf_counter()
            embedder.embed_queries([q])
            embed_ms.append((time.perf_counter() - started) * 1000)

        for _ in range(args.runs):
            for i, q in enumerate(questions):
                first, second = (time_ask, time_embed) if i % 2 == 0 else (time_embed, time_ask)
                first(q)
                second(q)

    ask_p50, ask_p95 = np.percentile(ask_ms, [50, 95])
    embed_p50, embed_p95 = np.percentile(embed_ms, [50, 95])
    ratio = ask_p50 / embed_p50
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"warm ask latency, {len(questions)} questions x {args.runs} passes ({len(ask_ms)} calls each), "
        f"model {embedder.model_id}, load {load}"
    )
    rows = [
        ("ask p50", f"{ask_p50:.1f} ms", f"<= {TARGET_P50_MS:g} ms", ask_p50 <= TARGET_P50_MS),
        ("ask p95", f"{ask_p95:.1f} ms", "", None),
        ("embed p50", f"{embed_p50:.1f} ms", "", None),
        ("embed p95", f"{embed_p95:.1f} ms", "", None),
        ("ratio ask/embed p50", f"{ratio:.2f}", f"<= {TARGET_RATIO:g}", ratio <= TARGET_RATIO),
    ]
    for label, value, target, ok in rows:
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        print(f"  {label:<20}{value:>10}   {('target ' + target) if target else '':<18}{verdict}")


if __name__ == "__main__":
    main()
