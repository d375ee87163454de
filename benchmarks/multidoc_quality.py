"""Retrieval quality on documents of many kinds, split by document: per language, per document, and calibration.

    python benchmarks/multidoc_quality.py [--split dev|test] [--index-dir DIR] [--misses]

dev: the bundled article and the dev-* documents of tests/data/docs (tune here); test: the test-* documents
(measure only, never tune). Each question is asked of its own document (ask(document=ID)), as `qa eval` does with
the question files' "doc" field. The library is built with the real bundled model; the embedding cache in the
index directory makes later runs quick.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qa.evaluate import evaluate, load_questions, report_text  # noqa: E402
from qa.index import build_index  # noqa: E402
from qa.paths import DEFAULT_SOURCE  # noqa: E402
from qa.retrieval import Retriever  # noqa: E402

DOCS = REPO / "tests" / "data" / "docs"


def library(split: str, index_dir: Path) -> Retriever:
    documents = sorted(DOCS.glob(f"{split}-*"))
    build_index([DEFAULT_SOURCE, *documents] if split == "dev" else documents, index_dir)
    return Retriever.load(index_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test"], default="dev")
    parser.add_argument("--index-dir", help="default: /tmp/qa-<split>-library")
    parser.add_argument("--misses", action="store_true", help="list the questions missed")
    args = parser.parse_args()
    retriever = library(args.split, Path(args.index_dir or f"/tmp/qa-{args.split}-library"))
    questions = load_questions(REPO / "tests" / "data" / f"multidoc_{args.split}.jsonl")
    report = evaluate(retriever, questions)
    text = report_text(report)
    print(f"{args.split} documents, {len(questions)} questions\n")
    print(text if args.misses else text.split("\nmisses")[0])
    print("\nper document: hit@1 / hit@3 / answered / abstained, by question language")
    by_doc = defaultdict(list)
    for q in questions:
        by_doc[q.doc].append(q)
    for doc, asked in sorted(by_doc.items()):
        cells = evaluate(retriever, asked).languages
        row = "  ".join(
            f"{lang} {r.hit1:.2f}/{r.hit3:.2f}/{r.answered_rate:.2f}/{r.abstain_rate:.2f}" for lang, r in cells.items()
        )
        print(f"  {doc:<32} {row}")


if __name__ == "__main__":
    main()
