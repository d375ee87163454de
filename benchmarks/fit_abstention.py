"""Fit the abstention model (qa/abstain.py) on the DEV questions and store it in qa/data/abstention.json.

    python benchmarks/fit_abstention.py [--questions tests/data/questions_dev.jsonl] [--index-dir DIR]

Never run it on the test split: the test split only measures.
Logistic regression (Newton's method, small L2) on (top score, its z-score, question not in English);
the threshold is the highest that still answers at least --min-answered of the answerable dev questions: a wrong
abstention still shows the citations (marked weak), a wrong answer presents a weak sentence as the answer.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from qa.abstain import CALIBRATION, FEATURES, features
from qa.evaluate import load_questions
from qa.language import detect_language
from qa.retrieve import clean_question
from qa.service import LiveRetriever, default_service

REPO = Path(__file__).resolve().parent.parent


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", default=str(REPO / "tests/data/questions_dev.jsonl"))
    parser.add_argument("--index-dir")
    parser.add_argument("--min-answered", type=float, default=0.9)
    args = parser.parse_args()
    retriever = (LiveRetriever(args.index_dir) if args.index_dir else default_service()).retriever()
    rows, labels = [], []
    for q in load_questions(args.questions):
        text = clean_question(q.question)
        scores = retriever.scores(text)
        rows.append(features(scores, float(scores.max()), detect_language(text)))
        labels.append(float(q.answerable))
    x, y = np.array(rows), np.array(labels)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    weights, bias = fit_logistic((x - mean) / scale, y)
    p = 1 / (1 + np.exp(-(((x - mean) / scale) @ weights + bias)))
    candidates = np.unique(np.round(p, 3))
    threshold = max(t for t in candidates if (p[y == 1] >= t).mean() >= args.min_answered)
    fit = {
        "features": list(FEATURES),
        "mean": mean.round(6).tolist(),
        "scale": scale.round(6).tolist(),
        "weights": weights.round(6).tolist(),
        "bias": round(bias, 6),
        "threshold": float(threshold),
        "fitted_on": Path(args.questions).name,
    }
    data = json.loads(CALIBRATION.read_text()) if CALIBRATION.exists() else {}
    data[retriever.embedder.model_id] = fit
    CALIBRATION.write_text(json.dumps(data, indent=2) + "\n")
    answered = (p[y == 1] >= threshold).mean()
    abstained = (p[y == 0] < threshold).mean()
    print(
        f"fitted on {len(y)} questions: threshold {threshold:.3f}, answered {answered:.2f}, abstained {abstained:.2f}"
    )
    print(json.dumps(fit))


if __name__ == "__main__":
    main()
