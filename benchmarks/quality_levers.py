"""How each retrieval lever moves hit@1 / hit@3 / MRR per language, on the dev and the test split.

    python benchmarks/quality_levers.py [--index-dir DIR]

Rows add one lever at a time, in the order they were tried on the dev split: the sentence view alone (the
baseline), + the paragraph-neighbours view, + the sentence embedded in the query role, + cross-script names
appended to the question, + the BM25 tie-break (what qa ships). The last row is BM25 alone, for reference.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from qa.evaluate import gold_ids, load_questions
from qa.retrieval import clean_question
from qa.retrieval.fusion import WEIGHTS
from qa.service import LiveRetriever, default_service

REPO = Path(__file__).resolve().parent.parent
LANGS = ("en", "uk", "ru")


def metrics(scores: list[np.ndarray], golds: list[set[int]]) -> tuple[float, float, float]:
    ranks = []
    for s, gold in zip(scores, golds, strict=True):
        order = np.argsort(-s, kind="stable")
        ranks.append(next(r for r, i in enumerate(order, 1) if i in gold))
    ranks = np.array(ranks)
    return (ranks == 1).mean(), (ranks <= 3).mean(), (1 / ranks).mean()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir")
    args = parser.parse_args()
    r = (LiveRetriever(args.index_dir) if args.index_dir else default_service()).retriever()
    m = {view: flat.reconstruct_n(0, flat.ntotal) for view, flat in r.index.vectors.items()}
    for split in ("dev", "test"):
        questions = [q for q in load_questions(REPO / f"tests/data/questions_{split}.jsonl") if q.answerable]
        rows: dict[str, dict[str, list[np.ndarray]]] = {}
        golds: dict[str, list[set[int]]] = {lang: [] for lang in LANGS}
        for q in questions:
            text = clean_question(q.question)
            matches = r.lexical.match(text)
            names = r.lexical.cross_script_names(matches)
            plain, named = r.embedder.embed_queries([text, f"{text} ({', '.join(names)})" if names else text])
            lexical = r.lexical.scores(matches)
            lexical = lexical / lexical.max() if lexical.max() > 0 else lexical
            views = ("sentence", "context", "sentence_as_query")
            candidates = {
                "sentence only (baseline)": m["sentence"] @ plain,
                "+ paragraph-neighbours view": (m["sentence"] @ plain + m["context"] @ plain) / 2,
                "+ sentence in the query role": sum(m[v] @ plain for v in views) / 3,
                "+ cross-script names": sum(m[v] @ named for v in views) / 3,
                "+ BM25 tie-break (shipped)": sum(m[v] @ named for v in views) / 3 + WEIGHTS["lexical"] * lexical,
                "BM25 alone": lexical,
            }
            for name, scores in candidates.items():
                rows.setdefault(name, {lang: [] for lang in LANGS})[q.lang].append(scores)
            golds[q.lang].append(gold_ids(r, q))
        print(f"\n{split} split: hit@1 / hit@3 / MRR")
        print("| lever | " + " | ".join(LANGS) + " |\n|---|---|---|---|")
        for name, per_lang in rows.items():
            cells = [" / ".join(f"{v:.2f}" for v in metrics(per_lang[lang], golds[lang])) for lang in LANGS]
            print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
