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
import tempfile
from pathlib import Path

import numpy as np
from timing import ask_and_embed_ms, load_average, print_targets  # a sibling: benchmarks/ is sys.path[0]

REPO = Path(__file__).resolve().parent.parent
TARGET_P50_MS = 30.0
TARGET_RATIO = 2.5  # issue 19: the evidence channels may cost up to 2.5x the bare query embedding


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
        ask_ms, embed_ms = ask_and_embed_ms(retriever, questions, args.runs)

    ask_p50, ask_p95 = np.percentile(ask_ms, [50, 95])
    embed_p50, embed_p95 = np.percentile(embed_ms, [50, 95])
    ratio = ask_p50 / embed_p50
    print(
        f"warm ask latency, {len(questions)} questions x {args.runs} passes ({len(ask_ms)} calls each), "
        f"model {retriever.embedder.model_id}, load {load_average()}"
    )
    rows = [
        ("ask p50", f"{ask_p50:.1f} ms", f"<= {TARGET_P50_MS:g} ms", ask_p50 <= TARGET_P50_MS),
        ("ask p95", f"{ask_p95:.1f} ms", "", None),
        ("embed p50", f"{embed_p50:.1f} ms", "", None),
        ("embed p95", f"{embed_p95:.1f} ms", "", None),
        ("ratio ask/embed p50", f"{ratio:.2f}", f"<= {TARGET_RATIO:g}", ratio <= TARGET_RATIO),
    ]
    print_targets(rows, value_width=10, target_width=18)


if __name__ == "__main__":
    main()
