"""Fit the abstention and confidence models (qa/abstain.py) on the DEV documents; store them in
qa/data/abstention.json.

    python benchmarks/fit_abstention.py [--index-dir DIR] [--min-answered 0.9]

The dev library is the bundled article (tests/data/questions_dev.jsonl) and the dev-* documents of
tests/data/docs (tests/data/multidoc_dev.jsonl, crosslingual_dev.jsonl); each question is asked of its own document.
One fit per set of channels the Retriever may run with: all of them, and each one off in turn (without the sparse
one: qa installed without its engine; the others: `qa eval --ablation`), since each channel's evidence is a
feature. Never run it on the
test documents: they only measure. Two logistic regressions (Newton's method, small L2) on the same features:
"is the question answerable" (-> answered) and "does the first citation answer it" (-> confidence). Before the
final fit, each is checked by leaving one document out at a time (the figures printed), and the threshold is
chosen on those held-out probabilities: the highest that still answers --min-answered of the answerable questions.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qa.evaluate import calibration, document_id, gold_ids, load_questions  # noqa: E402
from qa.index import build_index  # noqa: E402
from qa.language import detect_language  # noqa: E402
from qa.paths import DEFAULT_SOURCE  # noqa: E402
from qa.retrieval import Retriever, clean_question  # noqa: E402
from qa.retrieval.abstain import CALIBRATION, FEATURES, features, fit_key  # noqa: E402
from qa.retrieval.fusion import CHANNELS  # noqa: E402

DOCS = REPO / "tests" / "data" / "docs"


def dev_library(index_dir: Path) -> Retriever:
    """The dev documents in one index (built once; the embedding cache makes later builds quick)."""
    build_index([DEFAULT_SOURCE, *sorted(DOCS.glob("dev-*"))], index_dir)
    return Retriever.load(index_dir)


def dev_questions():
    questions = load_questions(REPO / "tests/data/multidoc_dev.jsonl")
    questions += load_questions(REPO / "tests/data/crosslingual_dev.jsonl")
    article = load_questions(REPO / "tests/data/questions_dev.jsonl")
    return questions + [replace(q, doc=DEFAULT_SOURCE.name) for q in article]


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> tuple[np.ndarray, float]:
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    penalty = np.diag([0.0] + [l2] * x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xb @ w))
        gradient = xb.T @ (p - y) + penalty @ w
        hessian = xb.T @ (xb * (p * (1 - p))[:, None]) + penalty
        w -= np.linalg.solve(hessian, gradient)
    return w[1:], float(w[0])


def fit(x: np.ndarray, y: np.ndarray) -> dict:
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    weights, bias = fit_logistic((x - mean) / scale, y)
    return {"mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(), "weights": weights.round(6).tolist(),
            "bias": round(bias, 6)}  # fmt: skip


def predict(model: dict, x: np.ndarray) -> np.ndarray:
    z = (x - np.array(model["mean"])) / np.array(model["scale"])
    return 1 / (1 + np.exp(-(z @ np.array(model["weights"]) + model["bias"])))


def fit_channels(retriever: Retriever, args: argparse.Namespace) -> tuple[str, dict]:
    """The two models and the threshold for this Retriever's channels, checked by leaving a document out."""
    x, answerable, correct, groups = [], [], [], []
    for q in dev_questions():
        text = clean_question(q.question)
        language = detect_language(text)
        rows = retriever.rows(document_id(retriever, q.doc))
        scores = retriever.score(text).rows(rows.start, rows.stop)
        top = int(np.argmax(scores.fused))
        x.append(features(scores, top, retriever._cross_lingual(language, rows.start + top)))
        answerable.append(float(q.answerable))
        correct.append(float(q.answerable and rows.start + top in gold_ids(retriever, q)))
        groups.append(q.doc)
    x, answerable, correct, groups = np.array(x), np.array(answerable), np.array(correct), np.array(groups)

    # Leave one document out: how the fit transfers to a document it never saw.
    held_answerable, held_correct = np.zeros(len(x)), np.zeros(len(x))
    for doc in sorted(set(groups)):
        test = groups == doc
        held_answerable[test] = predict(fit(x[~test], answerable[~test]), x[test])
        held_correct[test] = predict(fit(x[~test], correct[~test]), x[test])
    is_answerable = answerable == 1
    candidates = np.unique(np.round(held_answerable, 3))
    threshold = float(max(t for t in candidates if (held_answerable[is_answerable] >= t).mean() >= args.min_answered))
    ece, _ = calibration(list(zip(held_correct.tolist(), (correct == 1).tolist(), strict=True)))
    print(f"  {len(x)} dev questions on {len(set(groups))} documents; leaving one document out at a time:")
    print(f"  threshold {threshold:.3f}: answered {(held_answerable[is_answerable] >= threshold).mean():.2f} of "
          f"answerable, abstained {(held_answerable[~is_answerable] < threshold).mean():.2f} of unanswerable; "
          f"confidence ECE {ece:.3f}")  # fmt: skip
    if args.curve:
        print("  threshold  answered  abstained  (left-out documents)")
        for t in np.quantile(held_answerable[is_answerable], [0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]):
            print(f"  {t:9.3f}  {(held_answerable[is_answerable] >= t).mean():8.2f}  "
                  f"{(held_answerable[~is_answerable] < t).mean():9.2f}")  # fmt: skip
    models = {"answerable": fit(x, answerable), "correct": fit(x, correct)}
    fitted = {
        "features": list(FEATURES),
        "models": models,
        "threshold": threshold,
        "fitted_on": ["questions_dev.jsonl", "multidoc_dev.jsonl", "crosslingual_dev.jsonl"],
    }
    return fit_key(retriever.embedder.model_id, retriever.active), fitted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", default="/tmp/qa-dev-library", help="where to build the dev library")
    parser.add_argument("--min-answered", type=float, default=0.9)
    parser.add_argument("--curve", action="store_true", help="print answered/abstained at other thresholds")
    args = parser.parse_args()
    dev_library(Path(args.index_dir))
    data = {}
    # every channel, and each one off in turn (qa installed without its engine has no sparse channel; `qa eval
    # --ablation` switches each off)
    for channels in (CHANNELS, *(tuple(c for c in CHANNELS if c != off) for off in CHANNELS)):
        retriever = Retriever.load(Path(args.index_dir), channels=channels)
        print(f"channels: {', '.join(sorted(retriever.active))}")
        key, fitted = fit_channels(retriever, args)
        data[key] = fitted
    CALIBRATION.write_text(json.dumps(data, indent=2) + "\n")
    print(f"stored in {CALIBRATION.relative_to(REPO)}")


if __name__ == "__main__":
    main()
