"""Deciding whether the article answers a question at all, and how strongly each citation answers it.

A logistic model over features of the score distribution: the best score, how far it stands above the rest
(z-score), and whether the question is in another language than the article (English): Ukrainian, Russian or
German questions score lower against English sentences than English ones do. Fitted on the dev questions by
benchmarks/fit_abstention.py for one model; stored in qa/data/abstention.json. For a model without a fit,
a z-score rule stands in.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

CALIBRATION = Path(__file__).resolve().parent / "data" / "abstention.json"
FEATURES = ("top", "z", "cross_lingual")
STRONG = 0.8  # probability above which a citation is shown as a strong match


def features(scores: np.ndarray, score: float, cross_lingual: bool) -> list[float]:
    spread = float(scores.std()) or 1.0
    return [score, (score - float(scores.mean())) / spread, float(cross_lingual)]


@dataclass(frozen=True)
class Abstention:
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float

    @classmethod
    def for_model(cls, model_id: str) -> Abstention:
        return _calibrations().get(model_id, FALLBACK)

    def probability(self, scores: np.ndarray, score: float, cross_lingual: bool) -> float:
        """How likely a sentence with `score`, among `scores`, answers the question; `cross_lingual`: the question
        is in another language than the sentence's document."""
        x = features(scores, score, cross_lingual)
        logit = self.bias + sum(
            w * (v - m) / s for w, v, m, s in zip(self.weights, x, self.mean, self.scale, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit))))

    def relevance(self, probability: float, answered: bool) -> str:
        if not answered or probability < self.threshold:
            return "weak"
        return "strong" if probability >= STRONG else "moderate"


# Without a fit: answer when the best sentence stands well above the rest (z ≥ 3).
FALLBACK = Abstention(mean=(0, 3, 0), scale=(1, 0.5, 1), weights=(0, 1, 0), bias=0.0, threshold=0.5)


@cache
def _calibrations() -> dict[str, Abstention]:
    try:
        data = json.loads(CALIBRATION.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return {
        model_id: Abstention(
            tuple(fit["mean"]), tuple(fit["scale"]), tuple(fit["weights"]), fit["bias"], fit["threshold"]
        )
        for model_id, fit in data.items()
    }
