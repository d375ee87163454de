"""Retrieval quality on documents of many kinds, split by document: per language, per question set, per document,
by direction (question language -> document language: the issue's targets are per direction), and calibration.

    python benchmarks/multidoc_quality.py [--split dev|test] [--index-dir DIR] [--misses] [--library] [--ablation]

dev: the bundled article's dev questions and the dev-* documents of tests/data/docs (tune here); test: the test-*
documents and the article's test questions (measure only, never tune). Question sets: multidoc_<split>.jsonl,
crosslingual_<split>.jsonl, questions_<split>.jsonl (the article). Each question is asked of its own document
(ask(document=ID)), as `qa eval` does with the "doc" field; with --library every question is asked of the whole
library (the documents of every language together) and counts as a hit only in its own document. The library
is built with the real bundled model; the embedding cache in the index directory makes later runs quick.
--ablation prints only `qa eval --ablation`'s table over all the split's questions: each channel off in turn.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qa.evaluate import (  # noqa: E402
    Question,
    ablation,
    ablation_text,
    document_id,
    evaluate,
    load_questions,
    report_text,
)
from qa.index import build_index  # noqa: E402
from qa.paths import DEFAULT_SOURCE  # noqa: E402
from qa.retrieval import Retriever  # noqa: E402

DATA = REPO / "tests" / "data"
DOCS = DATA / "docs"


def library(split: str, index_dir: Path) -> Retriever:
    build_index([DEFAULT_SOURCE, *sorted(DOCS.glob(f"{split}-*"))], index_dir)
    return Retriever.load(index_dir)


def question_sets(split: str) -> dict[str, list[Question]]:
    article = [replace(q, doc=DEFAULT_SOURCE.name) for q in load_questions(DATA / f"questions_{split}.jsonl")]
    return {
        "multidoc": load_questions(DATA / f"multidoc_{split}.jsonl"),
        "crosslingual": load_questions(DATA / f"crosslingual_{split}.jsonl"),
        "article": article,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test"], default="dev")
    parser.add_argument("--index-dir", help="default: /tmp/qa-<split>-library")
    parser.add_argument("--misses", action="store_true", help="list the questions missed")
    parser.add_argument("--library", action="store_true", help="ask every question of the whole library")
    parser.add_argument("--ablation", action="store_true", help="each evidence channel off in turn")
    args = parser.parse_args()
    retriever = library(args.split, Path(args.index_dir or f"/tmp/qa-{args.split}-library"))
    sets = question_sets(args.split)
    questions = [q for qs in sets.values() for q in qs]
    if args.ablation:
        where = "the whole library" if args.library else "its own document"
        print(f"{args.split} documents, {len(questions)} questions, each asked of {where}\n")
        print(ablation_text(ablation(retriever, questions, whole_library=args.library)))
        return
    report = evaluate(retriever, questions, whole_library=args.library)
    text = report_text(report)
    where = "the whole library" if args.library else "its own document"
    print(f"{args.split} documents, {len(questions)} questions, each asked of {where}\n")
    print(text if args.misses else text.split("\nmisses")[0])
    print("\nper question set: hit@1 / hit@3 / answered / abstained, by question language")
    for name, asked in sets.items():
        cells = evaluate(retriever, asked, whole_library=args.library).languages
        print(f"  {name:<14} " + "  ".join(
            f"{lang} {r.hit1:.2f}/{r.hit3:.2f}/{r.answered_rate:.2f}/{r.abstain_rate:.2f}" for lang, r in cells.items()
        ))  # fmt: skip
    print("\nby direction, question -> document language: n, hit@1 / hit@3 / answered / abstained")
    language = {entry.id: entry.language for entry in retriever.documents}
    by_direction = defaultdict(list)
    for q in questions:
        by_direction[(q.lang, language[document_id(retriever, q.doc)])].append(q)
    for (asked_in, written_in), asked in sorted(by_direction.items()):
        r = evaluate(retriever, asked, whole_library=args.library).languages[asked_in]
        print(f"  {asked_in} -> {written_in}  {len(asked):4d}  {r.hit1:.2f} / {r.hit3:.2f} / {r.answered_rate:.2f} / "
              f"{r.abstain_rate:.2f}")  # fmt: skip

    print("\nper document: hit@1 / hit@3 / answered / abstained, by question language")
    by_doc = defaultdict(list)
    for q in questions:
        by_doc[q.doc].append(q)
    for doc, asked in sorted(by_doc.items()):
        cells = evaluate(retriever, asked, whole_library=args.library).languages
        row = "  ".join(
            f"{lang} {r.hit1:.2f}/{r.hit3:.2f}/{r.answered_rate:.2f}/{r.abstain_rate:.2f}" for lang, r in cells.items()
        )
        print(f"  {doc:<32} {row}")


if __name__ == "__main__":
    main()
